//! `incomplete` (L0006): undecided cases in a policy without a `default`.

use super::context::Linter;
use crate::analysis::list;
use crate::check::Default;
use crate::diag::{Code, Diagnostic};
use crate::semantics::Verdict;

declare_lint! {
    /// Lint: some cases are decided by no rule and the policy has no
    /// `default`, so they are undecided without saying so.
    ///
    /// ### What it does
    ///
    /// Lists the cases no rule decides, as regions with witnesses, when the
    /// policy has no `default` at all.
    ///
    /// ### Why is this bad?
    ///
    /// A case no rule decides is undecided, and nothing in the policy says
    /// whether that was meant: usually a rule is missing.
    ///
    /// ### Example
    ///
    ///     rule warrant: when instrument = SCA_warrant then compel
    ///
    /// leaves every other instrument undecided.
    ///
    /// ### Use instead
    ///
    /// Add rules for them, or `default OUTCOME`, or say that leaving them
    /// open is intended:
    ///
    ///     rule warrant: when instrument = SCA_warrant then compel
    ///     default undecided
    pub INCOMPLETE, "L0006", "incomplete", Warn
}

/// Reports the undecided cases of a policy without a `default`.
pub(super) fn check(l: &mut Linter) {
    if l.policy.default != Default::None {
        return;
    }
    let undecided: Vec<bool> =
        l.d.verdicts
            .iter()
            .map(|v| matches!(v, Verdict::Undecided))
            .collect();
    let any =
        l.d.mdd
            .reachable(l.d.root)
            .iter()
            .any(|&n| l.d.mdd.payload(n).is_some_and(|p| undecided[p as usize]));
    if !any {
        return;
    }
    let listed = list(
        l.policy,
        &l.d,
        l.d.root,
        &|p| undecided[p as usize],
        "undecided",
    );
    let total = crate::analysis::region::Namer::new(l.policy, &l.d)
        .total()
        .clone();
    let d = Diagnostic::warning(
        Code::INCOMPLETE,
        format!(
            "{} of {} are decided by no rule, and the policy has no `default`",
            crate::diag::cases(&listed.cases),
            crate::diag::format_count(&total)
        ),
    )
    .at(
        l.policy.meta.loc.0,
        "some cases of this policy are undecided",
    );
    let d = Linter::attach(d, listed).help(
        "add rules for them, or `default OUTCOME`, or `default undecided` if leaving them open is intended",
    );
    l.report(Code::INCOMPLETE, d);
}
