//! `redundant-rule` (L0005): a rule whose deletion changes no outcome.

use super::context::{BoxIndex, Bx, Classes, LIVE, Linter, OUT, cond_box, diagram_box, meets};
use crate::analysis::list;
use crate::check::{Resolve, RuleId};
use crate::compile::mdd::{Memo1, NodeId};
use crate::compile::{self, CompileError, Fold, OUTSIDE};
use crate::diag::{Code, Diagnostic};
use crate::semantics::index::RuleIndex;
use crate::semantics::{Value, Verdict};

declare_lint! {
    /// Lint: deleting a rule would change no case's outcome.
    ///
    /// ### What it does
    ///
    /// Finds the rules without which every case is decided as before. The
    /// rule may still be cited as an explaining rule, but every case it
    /// decides is decided the same way by other rules (or by the `default`)
    /// without it. Rules reported as never matching or as duplicates are
    /// not reported again.
    ///
    /// ### Why is this bad?
    ///
    /// The rule adds nothing to the policy's decisions, so a reader who
    /// takes it for the reason of an outcome may be misled, and an edit to
    /// it changes nothing they expect.
    ///
    /// ### Example
    ///
    ///     default quash
    ///     rule foreign: when controller = foreign_provider then quash
    ///
    /// ### Use instead
    ///
    /// Delete the rule:
    ///
    ///     default quash
    ///
    /// or keep it deliberately with `allow redundant-rule` when it documents
    /// a holding.
    pub REDUNDANT_RULE, "L0005", "redundant-rule", Warn
}

/// Outcome codes beyond outcome ids, for comparing outcomes only.
const UNDECIDED: u32 = u32::MAX - 2;
const CONFLICT: u32 = u32::MAX - 3;

/// Reports the rules without which no case changes outcome. Only the cases
/// a rule can change are folded: those it explains, or, when `overrides`
/// involve it, all it matches.
pub(super) fn check(l: &mut Linter, found: &Classes) -> Result<(), CompileError> {
    let n = l.policy.rules.len();
    let boxes: Vec<Option<Bx>> = (0..n)
        .map(|r| cond_box(&l.policy.rules[r].cond, &l.d))
        .collect();
    let index = BoxIndex::new(&boxes, l.d.cells.iter().map(|c| c.count()).collect());
    let no_overrides = l.policy.rules.iter().all(|r| r.overrides.is_empty());
    let codes: Vec<u32> = l.d.verdicts.iter().map(outcome_code).collect();
    let mut quick: Option<RuleIndex> = None;
    let explains = l.explains();
    for r in 0..n {
        let Some(cases) = &found.live_at[r] else {
            continue;
        };
        if l.skip_redundant[r] || boxes[r].is_none() {
            continue;
        }
        // Most rules are not redundant, and one case shows it: a case
        // the rule decides, decided again without it. Without
        // `overrides` the winners of a case are the rules that match it.
        if no_overrides {
            let index = quick.get_or_insert_with(|| RuleIndex::build(l.policy));
            let changes = |case: &Vec<Value>| {
                let mut winners = index.matching(case);
                winners.retain(|&s| s != r);
                let then = crate::semantics::resolve(l.policy, &winners).outcome();
                then != Some(l.policy.rules[r].outcome)
            };
            if cases.iter().any(changes) {
                continue;
            }
        }
        let computed;
        let class = match &found.classes[r] {
            Some(c) => c,
            None => {
                computed = l.class(r, &explains)?;
                &computed
            }
        };
        let err = |e| l.too_large.of(e);
        let mut is_live = |p: u32| u32::from(p == LIVE);
        let live =
            l.d.mdd
                .map_leaves(class.node, &mut is_live, &mut Memo1::default())
                .map_err(err)?;
        // Deleting a rule can change only the cases it decides, unless
        // `overrides` involve it: then also the cases where it keeps a
        // rule it overrides from winning (all it matches), and, when it
        // is between two rules in the order, the cases where the order
        // passed through it (any case: the fold decides).
        let mine = l.policy.rules[r].outcome as u32;
        let (within, with_o) =
            if !l.policy.rules[r].overrides.is_empty() && !l.overridden_by[r].is_empty() {
                let mut to_code = |p: u32| codes[p as usize];
                let all = l.d.mdd.leaf(1).map_err(err)?;
                let whole =
                    l.d.mdd
                        .map_leaves(l.d.root, &mut to_code, &mut Memo1::default())
                        .map_err(err)?;
                (all, whole)
            } else if !l.policy.rules[r].overrides.is_empty() || !l.overridden_by[r].is_empty() {
                let mut to_code = |p: u32| match p {
                    LIVE => mine,
                    OUT => OUT,
                    v => codes[v as usize],
                };
                let there =
                    l.d.mdd
                        .map_leaves(class.node, &mut to_code, &mut Memo1::default())
                        .map_err(err)?;
                (l.conds[r], there)
            } else {
                let mut to_code = |p: u32| if p == 1 { mine } else { OUT };
                let there =
                    l.d.mdd
                        .map_leaves(live, &mut to_code, &mut Memo1::default())
                        .map_err(err)?;
                (live, there)
            };
        // Where `r` is the earliest matching rule, no earlier rule
        // matches (under `resolve first`, without `overrides`).
        let later_only = no_overrides && matches!(l.policy.resolve, Resolve::First);
        let (without_o, without) = without_folded(l, r, within, &boxes, &index, later_only)?;
        if with_o != without_o {
            continue;
        }
        // Who decides the cases it decides, once it is gone.
        let mut instead: Vec<RuleId> = Vec::new();
        let mut by_default = false;
        for v in l.verdicts_within(without, live, usize::MAX) {
            if let Some(Verdict::Decided { rules, default, .. }) = l.d.verdicts.get(v as usize) {
                instead.extend(rules);
                by_default |= *default;
            }
        }
        instead.sort_unstable();
        instead.dedup();
        report(l, r, live, &instead, by_default);
    }
    Ok(())
}

/// Reports rule `r` as redundant: `live` is where it decides (leaves 0
/// and 1), `instead` the rules that decide those cases without it.
fn report(l: &mut Linter, r: RuleId, live: NodeId, instead: &[RuleId], by_default: bool) {
    let rule = &l.policy.rules[r];
    let mut who = Vec::new();
    if !instead.is_empty() {
        who.push(l.list_of(instead));
    }
    if by_default {
        who.push("the default".to_string());
    }
    let mut d = Diagnostic::warning(
        Code::REDUNDANT_RULE,
        format!(
            "rule {} is redundant: without it, no case changes outcome",
            l.rule_name(r)
        ),
    )
    .at(rule.loc.0, "deleting this rule changes no outcome");
    for &s in instead {
        d = d.also(
            l.policy.rules[s].loc.0,
            format!("gives `{}` on its cases too", l.outcome(rule.outcome)),
        );
    }
    d = d.note(format!(
        "every case it decides is decided `{}` without it, by {}",
        l.outcome(rule.outcome),
        who.join(" and ")
    ));
    let listed = list(l.policy, &l.d, live, &|p| p == 1, "it decides");
    let help = if l.policy.is_inherited(r) {
        format!(
            "the rule is inherited: `repeal {}`, or keep it on purpose with `allow redundant-rule`",
            l.policy.rules[r].id
        )
    } else {
        "delete the rule, or keep it on purpose with `allow redundant-rule` if it states a holding"
            .to_string()
    };
    let d = Linter::attach(d, listed).help(help);
    l.report(Code::REDUNDANT_RULE, d);
}

/// The outcomes without rule `r` inside `within` (OUT outside), by
/// folding the policy without it over those cases, with only the rules
/// whose boxes meet them; and the verdict diagram it folded.
fn without_folded(
    l: &mut Linter,
    r: RuleId,
    within: NodeId,
    boxes: &[Option<Bx>],
    index: &BoxIndex,
    later_only: bool,
) -> Result<(NodeId, NodeId), CompileError> {
    let mine = diagram_box(&l.d, within);
    let only: Vec<RuleId> = index
        .candidates(&mine)
        .into_iter()
        .filter(|&s| s != r && (!later_only || s > r))
        .filter(|&s| boxes[s].as_ref().is_some_and(|b| meets(&mine, b)))
        .collect();
    let how = Fold {
        skip: Some(r),
        only: Some(&only),
        within: Some(within),
        conds: Some(&l.conds),
    };
    let without = compile::fold(&mut l.d, l.policy, &how)?;
    let codes: Vec<u32> = l.d.verdicts.iter().map(outcome_code).collect();
    let mut to_code = |p: u32| if p == OUTSIDE { OUT } else { codes[p as usize] };
    let without_o =
        l.d.mdd
            .map_leaves(without, &mut to_code, &mut Memo1::default())
            .map_err(|e| l.too_large.of(e))?;
    Ok((without_o, without))
}

fn outcome_code(v: &Verdict) -> u32 {
    match v {
        Verdict::Decided { outcome, .. } => *outcome as u32,
        Verdict::Undecided => UNDECIDED,
        Verdict::Conflict { .. } => CONFLICT,
    }
}
