//! `never-matches` (L0001): a rule whose condition holds for no case.

use super::context::Linter;
use crate::diag::{Code, Diagnostic};

declare_lint! {
    /// Lint: a rule's condition holds for no case, so the rule never
    /// matches.
    ///
    /// ### What it does
    ///
    /// Finds the rules whose condition no case satisfies. Usually two
    /// comparisons on one attribute exclude each other, or a range is empty
    /// inside the attribute's type.
    ///
    /// ### Why is this bad?
    ///
    /// The rule decides nothing: whatever it was written to say, the policy
    /// does not say it. Such a rule is not also reported as dead or
    /// redundant.
    ///
    /// ### Example
    ///
    ///     rule r: when location = US and location = Ireland then quash
    ///
    /// ### Use instead
    ///
    /// Say what was meant, or delete the rule:
    ///
    ///     rule r: when location in { US, Ireland } then quash
    pub NEVER_MATCHES, "L0001", "never-matches", Warn
}

/// Reports the rules that never match, and marks them for the later lints
/// to skip.
pub(super) fn check(l: &mut Linter) {
    let Ok(never) = l.d.mdd.leaf(0) else { return };
    for r in 0..l.policy.rules.len() {
        if l.conds[r] != never {
            continue;
        }
        l.skip[r] = true;
        l.skip_redundant[r] = true;
        // A property of an inherited rule alone is the base's to report
        // (its own lint does); this policy cannot edit the rule.
        if l.policy.is_inherited(r) {
            l.reported[r] = true;
            continue;
        }
        let d = Diagnostic::warning(
            Code::NEVER_MATCHES,
            format!("rule {} never matches", l.rule_name(r)),
        )
        .at(l.policy.rules[r].loc.0, "its condition holds for no case")
        .help("the comparisons exclude each other; fix the condition or delete the rule");
        l.report_rule(Code::NEVER_MATCHES, r, d);
    }
}
