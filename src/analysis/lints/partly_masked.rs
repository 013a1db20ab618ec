//! `partly-masked` (L0004, allowed by default): a rule beaten on part of
//! its cases.

use super::context::{Class, Classes, LIVE, Linter};
use crate::analysis::{Listed, list};
use crate::check::RuleId;
use crate::diag::{Code, Diagnostic};

declare_lint! {
    /// Lint (allowed by default): a rule is beaten on part of its cases. It
    /// explains some cases, but on others another rule wins.
    ///
    /// ### What it does
    ///
    /// For each rule that explains some of its cases and is beaten on
    /// others, lists where it is beaten, by which rules, and how many cases
    /// it still decides. It is off unless enabled with `--warn
    /// partly-masked` (or `--deny`).
    ///
    /// ### Why is this bad?
    ///
    /// Often it is not: exceptions beat the general rule, which is what
    /// `overrides` is for. But an exception can reach further than meant,
    /// and the lint shows exactly how far each one reaches, for review.
    ///
    /// ### Example
    ///
    ///     rule warrant: when instrument = SCA_warrant then compel
    ///     rule abroad overrides warrant: when location in abroad then quash
    ///
    /// Here `warrant` is masked where `location in abroad`.
    ///
    /// ### Use instead
    ///
    /// If the exception reaches further than meant, narrow it to the cases
    /// meant:
    ///
    ///     rule abroad overrides warrant: when location = Ireland then quash
    ///
    /// If it is intended, keep it: the lint is for reviewing exceptions.
    pub PARTLY_MASKED, "L0004", "partly-masked", Allow
}

/// Reports the rules that explain some of their cases and are beaten on
/// others.
pub(super) fn check(l: &mut Linter, classes: &Classes) {
    for (r, class) in classes.classes.iter().enumerate() {
        let Some(class) = class else { continue };
        if classes.live_at[r].is_some() && !class.beaten.is_empty() && !l.skip[r] {
            report(l, r, class);
        }
    }
}

/// Reports rule `r` as beaten on part of its cases, with what it still
/// decides.
fn report(l: &mut Linter, r: RuleId, class: &Class) {
    let rule = &l.policy.rules[r];
    let groups = l.beaten_groups(class, &|_| true);
    let live = list(l.policy, &l.d, class.node, &|p| p == LIVE, "");
    let mut beaters: Vec<RuleId> = groups.iter().flat_map(|(rs, _)| rs.clone()).collect();
    beaters.sort_unstable();
    beaters.dedup();
    let masked: crate::diag::Count = groups.iter().map(|(_, g)| &g.cases).sum();
    let mut d = Diagnostic::warning(
        Code::PARTLY_MASKED,
        format!(
            "rule {} is beaten on {} of the {} it matches",
            l.rule_name(r),
            crate::diag::cases(&masked),
            crate::diag::cases(&(&masked + &live.cases))
        ),
    )
    .at(rule.loc.0, "beaten on part of its cases");
    for &b in &beaters {
        d = d.also(l.policy.rules[b].loc.0, "beats it");
    }
    let live_text: Vec<String> = live
        .regions
        .iter()
        .take(4)
        .map(|r| r.condition.clone())
        .collect();
    d = d.note(format!(
        "it still decides {}: {}{}",
        crate::diag::cases(&live.cases),
        live_text.join("; "),
        if live.regions.len() > 4 { "; …" } else { "" }
    ));
    let regions = groups.into_iter().map(|(_, g)| g).collect();
    let d = Linter::attach(d, merge_listed(regions))
        .help("if the exceptions are intended, this is fine; the lint is for reviewing them");
    l.report(Code::PARTLY_MASKED, d);
}

/// Joins the groups of a lint into one list of regions.
fn merge_listed(parts: Vec<Listed>) -> Listed {
    let mut out = Listed {
        regions: Vec::new(),
        total: None,
        complete: true,
        cases: crate::diag::Count::from(0u8),
    };
    let mut total = 0usize;
    for p in parts {
        total += p.total.unwrap_or(p.regions.len());
        out.complete &= p.complete;
        out.cases += p.cases;
        out.regions.extend(p.regions);
    }
    out.regions.truncate(crate::analysis::MAX_LISTED);
    out.total = (total > out.regions.len()).then_some(total);
    out
}
