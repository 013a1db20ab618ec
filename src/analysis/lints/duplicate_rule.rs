//! `duplicate-rule` (L0009): two rules with equivalent conditions and the
//! same outcome.

use super::context::Linter;
use crate::check::RuleId;
use crate::compile::mdd::{FxBuild, NodeId};
use crate::diag::{Code, Diagnostic};
use std::collections::HashMap;

declare_lint! {
    /// Lint: two rules have equivalent conditions (they match exactly the
    /// same cases, however written) and give the same outcome.
    ///
    /// ### What it does
    ///
    /// Compares the rules' conditions by meaning, not by text: conditions
    /// that hold for the same cases are one node of the diagram. The later
    /// rule of each pair is reported; neither is also reported as
    /// redundant, although each is, because of the other.
    ///
    /// ### Why is this bad?
    ///
    /// One of the two says nothing the other does not. Kept apart, they
    /// drift: a later edit to one leaves the other behind.
    ///
    /// ### Example
    ///
    ///     rule a: when location != US then quash
    ///     rule b: when location in { Ireland, other_foreign } then quash
    ///
    /// ### Use instead
    ///
    /// Keep one, and merge the `because` texts:
    ///
    ///     rule a: when location != US then quash
    pub DUPLICATE_RULE, "L0009", "duplicate-rule", Warn
}

/// Reports the later rule of each duplicate pair, and marks the pair for
/// the later lints to skip. Rules that never match are no one's duplicates.
pub(super) fn check(l: &mut Linter) {
    let never = l.d.mdd.leaf(0).ok();
    let mut first: HashMap<(NodeId, usize), RuleId, FxBuild> = HashMap::default();
    for r in 0..l.policy.rules.len() {
        let c = l.conds[r];
        if Some(c) == never {
            continue;
        }
        let outcome = l.policy.rules[r].outcome;
        let Some(&f) = first.get(&(c, outcome)) else {
            first.insert((c, outcome), r);
            continue;
        };
        // Each of the two is redundant because of the other: the duplicate
        // is the one cause to report.
        l.skip[r] = true;
        l.skip_redundant[r] = true;
        l.skip_redundant[f] = true;
        // A pair of inherited rules is the base's to report (its own lint
        // does).
        if l.policy.is_inherited(r) && l.policy.is_inherited(f) {
            l.reported[r] = true;
            continue;
        }
        let d = Diagnostic::warning(
            Code::DUPLICATE_RULE,
            format!(
                "rules {} and {} match the same cases and give the same outcome",
                l.rule_name(f),
                l.rule_name(r)
            ),
        )
        .at(
            l.policy.rules[r].loc.0,
            "this rule duplicates the earlier one",
        )
        .also(l.policy.rules[f].loc.0, "this rule matches the same cases")
        .note(format!(
            "both give `{}`; their conditions are equivalent",
            l.outcome(outcome)
        ))
        .help("delete one of them, or merge their `because` texts");
        l.report_rule(Code::DUPLICATE_RULE, r, d);
    }
}
