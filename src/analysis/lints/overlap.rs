//! `overlap` (L0007, allowed by default): two winners with different
//! outcomes, where the strategy, not an `overrides`, picks one.

use super::context::{Class, Classes, Linter, OUT};
use crate::check::Resolve;
use crate::compile::CompileError;
use crate::compile::mdd::Memo2;
use crate::diag::{Code, Diagnostic};

declare_lint! {
    /// Lint (allowed by default): two rules with different outcomes both
    /// win some case, and the policy's `resolve` strategy, not an
    /// `overrides`, picks one.
    ///
    /// ### What it does
    ///
    /// Under `resolve first` or `resolve priority`, lists for each rule the
    /// cases where it wins (no rule above it in the `overrides` order
    /// matches) and yet another winner's outcome is decided: under `resolve
    /// first` the earlier rule's, under `resolve priority` the
    /// higher-ranked one. Under `resolve strict` such a case is an error
    /// (E0040) instead. It is off unless enabled with `--warn overlap`.
    ///
    /// ### Why is this bad?
    ///
    /// The order of the rules in the file, or the ranking of the outcomes,
    /// silently decides between two rules that both claim the case. Enable
    /// the lint to review every such choice.
    ///
    /// ### Example
    ///
    /// Under `resolve first`:
    ///
    ///     rule warrant: when instrument = SCA_warrant then compel
    ///     rule abroad: when location = Ireland then quash
    ///
    /// ### Use instead
    ///
    /// Make the intended exception explicit, or narrow one condition:
    ///
    ///     rule abroad overrides warrant: when location = Ireland then quash
    pub OVERLAP, "L0007", "overlap", Allow
}

/// Reports, for each rule, where it wins (no rule above it matches) but
/// another winner with a different outcome decides, by the strategy.
pub(super) fn check(l: &mut Linter, classes: &Classes) -> Result<(), CompileError> {
    if matches!(l.policy.resolve, Resolve::Strict) {
        // Disagreeing winners are errors under `strict` (E0040).
        return Ok(());
    }
    let any_overrides = l.policy.rules.iter().any(|r| !r.overrides.is_empty());
    for (r, class) in classes.classes.iter().enumerate() {
        let Some(class) = class else { continue };
        let mine = l.policy.rules[r].outcome;
        let differ: Vec<u32> = class
            .beaten
            .iter()
            .copied()
            .filter(|&v| l.d.verdicts[v as usize].outcome() != Some(mine))
            .collect();
        if differ.is_empty() {
            continue;
        }
        // Restrict to the cases where `r` is a winner.
        let mut node = class.node;
        let above = if any_overrides {
            l.above(r)
        } else {
            Vec::new()
        };
        if !above.is_empty() {
            let mut any_above = l.d.mdd.leaf(0).map_err(|e| l.too_large.of(e))?;
            for &a in &above {
                let mut or = |x: u32, y: u32| x | y;
                any_above =
                    l.d.mdd
                        .apply(any_above, l.conds[a], &mut or, &mut Memo2::default())
                        .map_err(|e| l.too_large.of(e))?;
            }
            let mut drop = |x: u32, above: u32| if above == 1 { OUT } else { x };
            node =
                l.d.mdd
                    .apply(node, any_above, &mut drop, &mut Memo2::default())
                    .map_err(|e| l.too_large.of(e))?;
        }
        let narrowed = Class {
            node,
            beaten: differ,
        };
        let groups = l.beaten_groups(&narrowed, &|_| true);
        for (winners, listed) in groups {
            if listed.regions.is_empty() {
                continue;
            }
            let rule = &l.policy.rules[r];
            let mut d = Diagnostic::warning(
                Code::OVERLAP,
                format!(
                    "rules {} and {} both win {} with different outcomes, and the strategy picks {}",
                    l.list_of(&winners),
                    l.rule_name(r),
                    crate::diag::cases(&listed.cases),
                    l.list_of(&winners),
                ),
            )
            .at(
                rule.loc.0,
                format!("gives `{}`, and loses", l.outcome(rule.outcome)),
            );
            for &w in &winners {
                let o = l.policy.rules[w].outcome;
                d = d.also(
                    l.policy.rules[w].loc.0,
                    format!("gives `{}`, and wins", l.outcome(o)),
                );
            }
            let d = Linter::attach(d, listed)
                .note(format!(
                    "no `overrides` orders them, so {} decides",
                    l.strategy()
                ))
                .help(format!(
                    "if the winner is an exception, say so: `rule {} overrides {}`",
                    l.policy.rules[winners[0]].id, rule.id
                ));
            l.report(Code::OVERLAP, d);
        }
    }
    Ok(())
}
