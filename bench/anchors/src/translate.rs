//! The workload in the other two languages, one policy or rule per writ
//! rule, so every engine sees the same rules in the same order.

use crate::workload::{Constraint, Workload};
use std::fmt::Write;

/// The Rego package, and so the path of the rule the benchmark asks for.
pub const REGO_PACKAGE: &str = "wide";
/// The rule `regorus` evaluates.
pub const REGO_QUERY: &str = "data.wide.allow";

/// One Cedar policy per rule: `permit` for allow, `forbid` for deny, with
/// an unconstrained scope and the rule's constraints on the request
/// context. Cedar denies by default and lets any `forbid` override every
/// `permit`, which is exactly `resolve priority deny > allow` with
/// `default deny`.
pub fn cedar(w: &Workload) -> String {
    let mut out = String::new();
    for rule in &w.rules {
        let effect = if rule.deny { "forbid" } else { "permit" };
        let cond: Vec<String> = rule.constraints.iter().map(cedar_constraint).collect();
        let _ = writeln!(
            out,
            "{effect} (principal, action, resource)\nwhen {{ {} }};",
            cond.join(" && ")
        );
    }
    out
}

/// `context.a3 == "v2"` or `["v1", "v5"].contains(context.a7)`.
fn cedar_constraint(c: &Constraint) -> String {
    match c.values.as_slice() {
        [v] => format!("context.a{} == \"v{v}\"", c.attr),
        vs => format!("[{}].contains(context.a{})", quoted(vs), c.attr),
    }
}

/// Rego v1 (regorus's default dialect): `deny` and `allow_raw` are each
/// defined once per rule of that outcome, and `allow` is the writ
/// meaning. The defaults keep `allow` defined when nothing matches and
/// keep `not deny` valid when the policy has no deny rule at all.
pub fn rego(w: &Workload) -> String {
    let mut out = format!(
        "package {REGO_PACKAGE}\n\n\
         default allow := false\n\
         default deny := false\n\
         default allow_raw := false\n\n\
         allow if {{\n\tallow_raw\n\tnot deny\n}}\n"
    );
    for rule in &w.rules {
        let head = if rule.deny { "deny" } else { "allow_raw" };
        let _ = writeln!(out, "\n{head} if {{");
        for c in &rule.constraints {
            let _ = match c.values.as_slice() {
                [v] => writeln!(out, "\tinput.a{} == \"v{v}\"", c.attr),
                vs => writeln!(out, "\tinput.a{} in {{{}}}", c.attr, quoted(vs)),
            };
        }
        out.push_str("}\n");
    }
    out
}

/// `"v1", "v5"`.
fn quoted(values: &[usize]) -> String {
    let q: Vec<String> = values.iter().map(|v| format!("\"v{v}\"")).collect();
    q.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two rules of `wide(42, 10)` (r1 and r5), translated: the README
    /// shows these.
    #[test]
    fn translates_one_allow_and_one_deny_rule() {
        let w = Workload::parse(
            "policy wide\nresolve priority deny > allow\ndefault deny\n\
             rule r1: when a5 in { v5, v7 } and a11 = v5 and a14 = v1 then allow\n\
             rule r5: when a0 = v9 and a2 in { v3, v9 } and a10 = v1 and a12 in { v1, v4 } then deny\n"
                .into(),
        );
        assert_eq!(
            cedar(&w),
            r#"permit (principal, action, resource)
when { ["v5", "v7"].contains(context.a5) && context.a11 == "v5" && context.a14 == "v1" };
forbid (principal, action, resource)
when { context.a0 == "v9" && ["v3", "v9"].contains(context.a2) && context.a10 == "v1" && ["v1", "v4"].contains(context.a12) };
"#
        );
        assert!(rego(&w).ends_with(
            "allow_raw if {\n\tinput.a5 in {\"v5\", \"v7\"}\n\tinput.a11 == \"v5\"\n\tinput.a14 == \"v1\"\n}\n\
             \ndeny if {\n\tinput.a0 == \"v9\"\n\tinput.a2 in {\"v3\", \"v9\"}\n\tinput.a10 == \"v1\"\n\tinput.a12 in {\"v1\", \"v4\"}\n}\n"
        ));
    }
}
