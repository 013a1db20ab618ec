//! `unused` (L0008): declarations of the policy's own file that nothing
//! uses, and outcomes that no case is decided as.
//!
//! One warning per declaration: an unused type or attribute is reported
//! alone, not with each of its values; the unused values of a used enum are
//! reported together, at the enum's declaration, however many there are.

use super::context::Linter;
use crate::check::{DeclKind, Declared, Default, RuleId, ValueOwner};
use crate::diag::{Code, Count, Diagnostic, format_count};
use std::collections::{HashMap, HashSet};

declare_lint! {
    /// Lint: a type, group, attribute, value or outcome declared in the
    /// policy file itself is never used, or an outcome is never decided.
    ///
    /// ### What it does
    ///
    /// Finds the declarations of the policy's own file that no rule, test
    /// or other declaration names (naming a group names its members), and
    /// the outcomes that no case is decided as. Only declarations in the
    /// policy's own file count: a shared vocabulary used by many policies
    /// is not expected to be used in full by each. An unused type or
    /// attribute is reported once, not with each of its values, and the
    /// unused values of an enum are reported together. An outcome is not
    /// reported as never decided when every rule that gives it has been
    /// reported already (as never matching, dead or a duplicate).
    ///
    /// ### Why is this bad?
    ///
    /// A declaration nothing uses is dead weight at best; at worst it is
    /// the sign of a rule that was meant to use it and was never written,
    /// or that names something else by mistake.
    ///
    /// ### Example
    ///
    ///     attribute priority: bool
    ///
    /// with no rule or test mentioning `priority`.
    ///
    /// ### Use instead
    ///
    /// Delete the declaration, or write the rule that uses it:
    ///
    ///     rule urgent: when priority then compel
    pub UNUSED, "L0008", "unused", Warn
}

/// How many values (and rules) one diagnostic names; the rest are counted.
const NAMED: usize = 8;

/// Reports the unused declarations and the outcomes never decided, in the
/// order of the file.
pub(super) fn check(l: &mut Linter) {
    let policy = l.policy;
    let declared = &policy.declared;
    // The declaration of each enum of this file: a type, or an attribute
    // with an enum of its own.
    let mut owners: HashMap<ValueOwner, &Declared> = HashMap::new();
    for d in declared {
        match d.kind {
            DeclKind::Type => owners.insert(ValueOwner::Type(d.index), d),
            DeclKind::Attribute => owners.insert(ValueOwner::Attribute(d.index), d),
            _ => None,
        };
    }
    // Naming a group names its members.
    let mut grouped: HashSet<(usize, u32)> = HashSet::new();
    for d in declared
        .iter()
        .filter(|d| d.kind == DeclKind::Group && d.used)
    {
        let g = &policy.groups[d.index];
        grouped.extend(g.members.iter().map(|&m| (g.ty, m)));
    }
    // Each enum's number of values, and its unused ones. The values of an
    // unused enum are not counted as unused: the enum is reported instead.
    let mut values: HashMap<ValueOwner, (usize, Vec<&Declared>)> = HashMap::new();
    for d in declared.iter().filter(|d| d.kind == DeclKind::Value) {
        let Some(owner) = d.owner else { continue };
        let (total, unused) = values.entry(owner).or_default();
        *total += 1;
        let owner_unused = owners.get(&owner).is_some_and(|o| !o.used);
        let in_group =
            matches!(owner, ValueOwner::Type(t) if grouped.contains(&(t, d.index as u32)));
        if !d.used && !owner_unused && !in_group {
            unused.push(d);
        }
    }
    let decided = decided_outcomes(l);
    for d in declared {
        let found = match d.kind {
            // Reported with their enum's declaration, below.
            DeclKind::Value => None,
            _ if !d.used => Some(never_used(d)),
            DeclKind::Outcome if !decided[d.index] => never_decided(l, d),
            DeclKind::Type | DeclKind::Attribute => {
                let owner = match d.kind {
                    DeclKind::Type => ValueOwner::Type(d.index),
                    _ => ValueOwner::Attribute(d.index),
                };
                match values.get(&owner) {
                    Some((total, unused)) if !unused.is_empty() => {
                        Some(unused_values(d, *total, unused))
                    }
                    _ => None,
                }
            }
            DeclKind::Outcome | DeclKind::Group => None,
        };
        if let Some(found) = found {
            l.report(Code::UNUSED, found);
        }
    }
}

/// Which outcomes some case is decided as: those of the verdicts at the
/// diagram's reachable leaves.
fn decided_outcomes(l: &Linter) -> Vec<bool> {
    let mut decided = vec![false; l.policy.decision.outcomes.len()];
    for n in l.d.mdd.reachable(l.d.root) {
        if let Some(p) = l.d.mdd.payload(n)
            && let Some(o) = l.d.verdicts[p as usize].outcome()
        {
            decided[o] = true;
        }
    }
    decided
}

fn kind_name(kind: DeclKind) -> &'static str {
    match kind {
        DeclKind::Type => "type",
        DeclKind::Group => "group",
        DeclKind::Attribute => "attribute",
        DeclKind::Value => "value",
        DeclKind::Outcome => "outcome",
    }
}

/// A declaration that nothing names.
fn never_used(d: &Declared) -> Diagnostic {
    let kind = kind_name(d.kind);
    Diagnostic::warning(Code::UNUSED, format!("{kind} `{}` is never used", d.name))
        .at(d.loc.0, format!("this {kind} is declared but never used"))
        .help(format!("delete the {kind}, or use it"))
}

/// The unused values of the enum that `owner` declares (`total` values in
/// all): a single one at its own name, several at the enum's name, with the
/// first few named and underlined.
fn unused_values(owner: &Declared, total: usize, unused: &[&Declared]) -> Diagnostic {
    if let [one] = unused {
        return never_used(one);
    }
    let n = unused.len();
    let names: Vec<String> = unused
        .iter()
        .take(NAMED)
        .map(|v| format!("`{}`", v.name))
        .collect();
    let listed = match names.split_last() {
        Some((last, init)) if n <= NAMED => format!("{} and {last}", init.join(", ")),
        _ => format!(
            "{} and {} more",
            names.join(", "),
            format_count(&Count::from(n - NAMED))
        ),
    };
    let count = format_count(&Count::from(n));
    let label = if n == total {
        format!("none of its {count} values is used")
    } else {
        format!(
            "{count} of its {} values are never used",
            format_count(&Count::from(total))
        )
    };
    let mut diagnostic = Diagnostic::warning(
        Code::UNUSED,
        format!(
            "{count} values of `{}` are never used: {listed}",
            owner.name
        ),
    )
    .at(owner.loc.0, label);
    // Underlined without a message, as rustc marks the unused names of one
    // `use` list: the message says what they are.
    for v in unused.iter().take(NAMED) {
        diagnostic = diagnostic.also(v.loc.0, "");
    }
    diagnostic.help("delete the values, or use them")
}

/// An outcome that the file names but no case is decided as; `None` when
/// that has been said already, about every rule that gives it.
///
/// A rule that explains some case decides that case as its outcome, so the
/// rules that give an outcome never decided all either never match or
/// never win: `never-matches`, `dead-rule` and `duplicate-rule` report
/// them, and an outcome of such rules alone is the same cause again.
fn never_decided(l: &mut Linter, d: &Declared) -> Option<Diagnostic> {
    let o = d.index;
    let givers: Vec<RuleId> = (0..l.policy.rules.len())
        .filter(|&r| l.policy.rules[r].outcome == o)
        .collect();
    let is_default = l.policy.default == Default::Outcome(o);
    if !is_default && !givers.is_empty() && givers.iter().all(|&r| l.reported[r]) {
        return None;
    }
    let never = l.d.mdd.leaf(0).ok();
    let unreported: Vec<RuleId> = givers.into_iter().filter(|&r| !l.reported[r]).collect();
    let matching = unreported.iter().any(|&r| Some(l.conds[r]) != never);
    let mut diagnostic = Diagnostic::warning(
        Code::UNUSED,
        format!("outcome `{}` is never decided", d.name),
    )
    .at(d.loc.0, "no case is decided as this outcome");
    for &r in unreported.iter().take(NAMED) {
        let how = if Some(l.conds[r]) == never {
            "never matches"
        } else {
            "never wins"
        };
        diagnostic = diagnostic.also(
            l.policy.rules[r].loc.0,
            format!("gives `{}`, but {how}", d.name),
        );
    }
    if is_default {
        diagnostic = diagnostic.note("it is the `default`, but rules decide every case");
    }
    let help = if matching {
        "a rule that gives it matches cases but never wins them; see `writ explain dead-rule`"
    } else if !unreported.is_empty() {
        "the rules that give it never match; see `writ explain never-matches`"
    } else if is_default {
        "keep the `default` as a safeguard with `allow unused`, or delete it"
    } else {
        "no rule gives it: add one, or delete the outcome"
    };
    Some(diagnostic.help(help))
}

#[cfg(test)]
mod tests {
    use crate::analysis::lints::{Levels, Options, lint};
    use crate::diag::Code;
    use crate::source::SourceMap;

    /// What `unused` reports on `text` with the lints in `allow` allowed:
    /// each message, with its labels and notes.
    fn unused(text: &str, allow: &[&str]) -> Vec<String> {
        let mut map = SourceMap::new();
        let report = crate::api::check_source(&mut map, "t.policy", text);
        let policy = report.policy.expect("the policy checks");
        let allow: Vec<String> = allow.iter().map(|s| s.to_string()).collect();
        let options = Options {
            levels: Levels::from_flags(&allow, &[], &[]).expect("known lints"),
            ..Options::default()
        };
        lint(&policy, &options)
            .expect("compiles")
            .into_iter()
            .filter(|d| d.code == Code::UNUSED)
            .map(|d| {
                let mut out = vec![d.message];
                out.extend(d.primary.map(|l| l.message));
                out.extend(d.secondary.into_iter().map(|l| format!("[{}]", l.message)));
                out.extend(d.notes.into_iter().filter(|n| !n.contains("by default")));
                out.join(" | ")
            })
            .collect()
    }

    const OVERRIDDEN: &str = "policy p
attribute a: bool
decision outcome: { yes, no }
default undecided
rule y overrides n: when a then yes
rule n: when a then no
rule z: when not a then yes
";

    #[test]
    fn an_outcome_of_dead_rules_is_the_dead_rules_report() {
        assert_eq!(unused(OVERRIDDEN, &[]), Vec::<String>::new());
    }

    #[test]
    fn an_outcome_of_dead_rules_is_reported_when_dead_rule_is_allowed() {
        assert_eq!(
            unused(OVERRIDDEN, &["dead-rule"]),
            [
                "outcome `no` is never decided | no case is decided as this outcome \
              | [gives `no`, but never wins] | help: a rule that gives it matches cases \
              but never wins them; see `writ explain dead-rule`"
            ]
        );
    }

    #[test]
    fn an_outcome_of_rules_that_never_match_is_their_report() {
        let text = "policy p
attribute a: bool
decision outcome: { yes, no }
default undecided
rule y: when a then yes
rule n: when a and not a then no
";
        assert_eq!(unused(text, &[]), Vec::<String>::new());
        assert_eq!(
            unused(text, &["never-matches"]),
            [
                "outcome `no` is never decided | no case is decided as this outcome \
              | [gives `no`, but never matches] | help: the rules that give it never \
              match; see `writ explain never-matches`"
            ]
        );
    }

    #[test]
    fn an_outcome_no_rule_gives_is_reported_as_such() {
        let text = "policy p
attribute a: bool
decision outcome: { yes, no, maybe }
resolve priority yes > no > maybe
rule y: when a then yes
rule n: when not a then no
";
        assert_eq!(
            unused(text, &[]),
            [
                "outcome `maybe` is never decided | no case is decided as this outcome \
              | help: no rule gives it: add one, or delete the outcome"
            ]
        );
    }

    #[test]
    fn a_default_that_decides_nothing_is_reported_as_such() {
        let text = "policy p
attribute a: bool
decision outcome: { yes, no }
default no
rule y: when a then yes
rule z: when not a then yes
";
        assert_eq!(
            unused(text, &[]),
            [
                "outcome `no` is never decided | no case is decided as this outcome \
              | it is the `default`, but rules decide every case \
              | help: keep the `default` as a safeguard with `allow unused`, or delete it"
            ]
        );
    }

    #[test]
    fn unused_values_are_one_report_per_enum() {
        let text = "policy p
type T = { t0, t1, t2 }
group g: T = { t1 }
attribute a: { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 }
attribute b: T
attribute c: { c0, c1 }
decision outcome: { yes, no }
default no
rule y: when a = a0 and b in g then yes
rule z: when c = c0 then yes
";
        assert_eq!(
            unused(text, &[]),
            [
                "2 values of `T` are never used: `t0` and `t2` \
                 | 2 of its 3 values are never used | [] | [] \
                 | help: delete the values, or use them",
                "10 values of `a` are never used: `a1`, `a2`, `a3`, `a4`, `a5`, `a6`, \
                 `a7`, `a8` and 2 more | 10 of its 11 values are never used \
                 | [] | [] | [] | [] | [] | [] | [] | [] | help: delete the values, or use them",
                "value `c1` is never used | this value is declared but never used \
                 | help: delete the value, or use it",
            ]
        );
    }
}
