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
