//! `always-matches` (L0002): a rule whose condition holds for every case.

use super::context::Linter;
use crate::check::Default;
use crate::diag::{Code, Diagnostic};

declare_lint! {
    /// Lint: a rule's condition holds for every case.
    ///
    /// ### What it does
    ///
    /// Finds the rules whose condition every case satisfies, however it is
    /// written.
    ///
    /// ### Why is this bad?
    ///
    /// A rule that always matches is a default in disguise: readers look
    /// for the fallback in `default`, and do not find it there.
    ///
    /// ### Example
    ///
    ///     rule fallback: when instrument = SCA_warrant or instrument != SCA_warrant then quash
    ///
    /// ### Use instead
    ///
    ///     default quash
    pub ALWAYS_MATCHES, "L0002", "always-matches", Warn
}

/// Reports the rules of this policy that match every case.
pub(super) fn check(l: &mut Linter) {
    let Ok(always) = l.d.mdd.leaf(1) else { return };
    for r in 0..l.policy.rules.len() {
        // An inherited rule's own properties are the base's to report.
        if l.conds[r] != always || l.policy.is_inherited(r) {
            continue;
        }
        let rule = &l.policy.rules[r];
        let help = match l.policy.default {
            Default::None | Default::Undecided => format!(
                "write it as `default {}`, so that readers see the fallback",
                l.outcome(rule.outcome)
            ),
            Default::Outcome(_) => {
                "narrow the condition, or make it the policy's `default`".to_string()
            }
        };
        let d = Diagnostic::warning(
            Code::ALWAYS_MATCHES,
            format!("rule {} matches every case", l.rule_name(r)),
        )
        .at(rule.loc.0, "its condition holds for every case")
        .help(help);
        l.report(Code::ALWAYS_MATCHES, d);
    }
}
