//! `dead-rule` (L0003): a rule that matches cases but explains none.

use super::context::{Classes, Linter};
use crate::analysis::list;
use crate::check::RuleId;
use crate::diag::{Code, Diagnostic};
use crate::semantics::Verdict;

declare_lint! {
    /// Lint: a rule matches some cases but explains none: on every case it
    /// matches, another rule wins (by `overrides`) or is preferred by the
    /// policy's `resolve` strategy (an earlier rule under `resolve first`, a
    /// higher-ranked outcome under `resolve priority`).
    ///
    /// ### What it does
    ///
    /// Finds the rules that no verdict cites as an explaining rule although
    /// their condition holds for some cases. The lint lists the rule's cases
    /// as regions, each with the rules that decide it instead and a witness
    /// case.
    ///
    /// ### Why is this bad?
    ///
    /// The rule changes no decision and explains none: it reads as a rule
    /// of the policy but has no effect. Usually it was meant as an
    /// exception and lacks its `overrides`, or it sits below a broader rule
    /// under `resolve first`.
    ///
    /// ### Example
    ///
    /// Under `resolve first`:
    ///
    ///     rule warrant: when instrument = SCA_warrant then compel
    ///     rule warrant_abroad: when instrument = SCA_warrant and location = Ireland then quash
    ///
    /// ### Use instead
    ///
    /// Move it above the rule that shadows it, or make it an exception with
    /// `overrides`, or delete it:
    ///
    ///     rule warrant_abroad: when instrument = SCA_warrant and location = Ireland then quash
    ///     rule warrant: when instrument = SCA_warrant then compel
    pub DEAD_RULE, "L0003", "dead-rule", Warn
}

/// How many of the rules that decide a dead rule's cases are named; past
/// that, the walk that finds them stops, and the note says there are more.
const MAX_BEATERS: usize = 8;

/// Reports the rules that match some case and explain none, except those
/// reported already as never matching or as duplicates.
pub(super) fn check(l: &mut Linter, classes: &Classes) {
    let never = l.d.mdd.leaf(0).ok();
    for r in 0..l.policy.rules.len() {
        if Some(l.conds[r]) != never && classes.live_at[r].is_none() && !l.skip[r] {
            report(l, r);
        }
    }
}

/// Reports rule `r` as dead, with the rules that decide its cases instead.
fn report(l: &mut Linter, r: RuleId) {
    let rule = &l.policy.rules[r];
    let verdicts = l.verdicts_within(l.d.root, l.conds[r], MAX_BEATERS + 1);
    let more = verdicts.len() > MAX_BEATERS;
    let mut beaters: Vec<RuleId> = verdicts
        .into_iter()
        .take(MAX_BEATERS)
        .flat_map(|v| match &l.d.verdicts[v as usize] {
            Verdict::Decided { rules, .. } | Verdict::Conflict { rules } => rules.clone(),
            Verdict::Undecided => Vec::new(),
        })
        .collect();
    beaters.sort_unstable();
    beaters.dedup();
    // Its cases are where it matches: read off its condition's own
    // (small) diagram.
    let listed = list(l.policy, &l.d, l.conds[r], &|p| p == 1, "it matches");
    let mut d = Diagnostic::warning(
        Code::DEAD_RULE,
        format!(
            "rule {} matches {} but explains none of them",
            l.rule_name(r),
            crate::diag::cases(&listed.cases)
        ),
    )
    .at(rule.loc.0, "never the deciding rule");
    for &b in &beaters {
        d = d.also(l.policy.rules[b].loc.0, "decides some of its cases");
    }
    let above = l.above(r);
    let by_overrides = beaters.iter().filter(|b| above.contains(b)).count();
    let how = if by_overrides == beaters.len() {
        "because they override it".to_string()
    } else if by_overrides == 0 {
        format!("by {}", l.strategy())
    } else {
        format!("by `overrides` or by {}", l.strategy())
    };
    d = d.note(format!(
        "where it matches, {}{} {} instead, {how}",
        l.list_of(&beaters),
        if more { " and other rules" } else { "" },
        if beaters.len() == 1 && !more {
            "decides"
        } else {
            "decide"
        },
    ));
    let help = if l.policy.is_inherited(r) {
        format!(
            "the rule is inherited: `repeal {}` if this policy replaces it, or narrow the rules that beat it",
            l.policy.rules[r].id
        )
    } else {
        "delete the rule, or make it an exception with `overrides`, or narrow the rules that beat it"
            .to_string()
    };
    let d = Linter::attach(d, listed).help(help);
    l.report_rule(Code::DEAD_RULE, r, d);
}
