//! The difference between two policies (`analysis::diff::Report`) as text
//! for review and as the JSON of SPEC section 6.

use super::diagnostics::{JsonCount, JsonWhen, JsonWitness};
use crate::analysis::diff::{Change, Report, Side};
use crate::diag::Count;

/// A count with thousands separators, and past 15 digits also in
/// scientific notation: `1,234` or `340,282,…,456 (≈3.4e38)`.
pub fn approximate(n: &Count) -> String {
    let digits = n.to_string();
    let exact = crate::diag::format_count(n);
    if digits.len() <= 15 {
        return exact;
    }
    format!(
        "{exact} (≈{}.{}e{})",
        &digits[..1],
        &digits[1..2],
        digits.len() - 1
    )
}

/// The share as a percentage rounded to two decimals (`10.42%`), or
/// `<0.01%` for a share that would round to zero but is not.
pub fn share(part: &Count, whole: &Count) -> String {
    if *whole == Count::from(0u8) {
        return "0%".to_string();
    }
    // Hundredths of a percent, rounded half up, in exact integers.
    let scaled = (part * Count::from(20_000u32) / whole + Count::from(1u8)) / Count::from(2u8);
    let scaled = u64::try_from(&scaled).unwrap_or(10_000);
    if scaled == 0 && *part > Count::from(0u8) {
        return "<0.01%".to_string();
    }
    match (scaled / 100, scaled % 100) {
        (w, 0) => format!("{w}%"),
        (w, f) if f % 10 == 0 => format!("{w}.{}%", f / 10),
        (w, f) => format!("{w}.{f:02}%"),
    }
}

/// The text form: a summary line, then the changes grouped by outcome pair,
/// each region with both sides' explaining rules and their `because`.
pub fn text(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} → {}: {} of {} cases change outcome ({})",
        r.old,
        r.new,
        approximate(&r.differing),
        approximate(&r.cases),
        share(&r.differing, &r.cases)
    );
    if !r.reasons.is_empty() || r.same_outcome_other_reasons > Count::from(0u8) {
        let n = &r.same_outcome_other_reasons;
        let _ = writeln!(
            out,
            "{} more {} the same outcome by different rules",
            approximate(n),
            if *n == Count::from(1u8) {
                "case keeps"
            } else {
                "cases keep"
            }
        );
    }
    write_changes(&mut out, &r.changes);
    if !r.reasons.is_empty() {
        let _ = writeln!(out, "\nsame outcome, different reasons:");
        write_changes(&mut out, &r.reasons);
    }
    if !r.complete {
        let _ = writeln!(
            out,
            "\nnote: some sets of cases were too fragmented to merge: only part of their regions is listed (the counts are exact)"
        );
    }
    out
}

fn outcome_text(s: &Side) -> &str {
    s.outcome.as_deref().unwrap_or("undecided")
}

fn write_changes(out: &mut String, changes: &[Change]) {
    use std::fmt::Write;
    let mut i = 0;
    while i < changes.len() {
        let (o, n) = (outcome_text(&changes[i].old), outcome_text(&changes[i].new));
        let group: Vec<&Change> = changes[i..]
            .iter()
            .take_while(|c| outcome_text(&c.old) == o && outcome_text(&c.new) == n)
            .collect();
        let total: Count = group.iter().map(|c| &c.region.cases).sum();
        if o == n {
            let _ = writeln!(out, "\n{o}, by other rules: {}", crate::diag::cases(&total));
        } else {
            let _ = writeln!(out, "\n{o} → {n}: {}", crate::diag::cases(&total));
        }
        let mut last: Option<(&Side, &Side)> = None;
        for c in &group {
            if last != Some((&c.old, &c.new)) {
                let _ = writeln!(out, "  old: {}", side_text(&c.old));
                let _ = writeln!(out, "  new: {}", side_text(&c.new));
                last = Some((&c.old, &c.new));
            }
            let _ = writeln!(
                out,
                "    when {}  ({})",
                c.region.condition,
                crate::diag::cases(&c.region.cases)
            );
            let _ = writeln!(
                out,
                "      e.g. {}",
                crate::diag::format_witness(&c.region.witness)
            );
        }
        i += group.len();
    }
}

fn side_text(s: &Side) -> String {
    let Some(o) = &s.outcome else {
        return "undecided (no rule matches)".to_string();
    };
    if s.default {
        return format!("{o} by default");
    }
    let rules: Vec<String> = s
        .rules
        .iter()
        .map(|(id, because)| match because {
            Some(b) => format!("{id} — {b}"),
            None => id.clone(),
        })
        .collect();
    format!("{o} by {}", rules.join("; "))
}

/// The JSON form of SPEC section 6: `{"old", "new", "cases", "differing",
/// "regions": [...]}`, plus `"reasons"` when asked for.
pub fn json(r: &Report) -> String {
    use serde::Serialize;
    #[derive(Serialize)]
    struct JsonRule<'a> {
        id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        because: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct JsonSide<'a> {
        outcome: Option<&'a str>,
        rules: Vec<JsonRule<'a>>,
        default: bool,
    }
    #[derive(Serialize)]
    struct JsonChange<'a> {
        when: JsonWhen<'a>,
        condition: &'a str,
        cases: JsonCount<'a>,
        witness: JsonWitness<'a>,
        old: JsonSide<'a>,
        new: JsonSide<'a>,
    }
    #[derive(Serialize)]
    struct JsonReport<'a> {
        old: &'a str,
        new: &'a str,
        cases: JsonCount<'a>,
        differing: JsonCount<'a>,
        regions: Vec<JsonChange<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        same_outcome_other_reasons: Option<JsonCount<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reasons: Option<Vec<JsonChange<'a>>>,
        complete: bool,
    }
    fn side(s: &Side) -> JsonSide<'_> {
        JsonSide {
            outcome: s.outcome.as_deref(),
            rules: s
                .rules
                .iter()
                .map(|(id, b)| JsonRule {
                    id,
                    because: b.as_deref(),
                })
                .collect(),
            default: s.default,
        }
    }
    fn change(c: &Change) -> JsonChange<'_> {
        JsonChange {
            when: JsonWhen(&c.region.when),
            condition: &c.region.condition,
            cases: JsonCount(&c.region.cases),
            witness: JsonWitness(&c.region.witness),
            old: side(&c.old),
            new: side(&c.new),
        }
    }
    let asked = !r.reasons.is_empty() || r.same_outcome_other_reasons > Count::from(0u8);
    let doc = JsonReport {
        old: &r.old,
        new: &r.new,
        cases: JsonCount(&r.cases),
        differing: JsonCount(&r.differing),
        regions: r.changes.iter().map(change).collect(),
        same_outcome_other_reasons: asked.then_some(JsonCount(&r.same_outcome_other_reasons)),
        reasons: asked.then(|| r.reasons.iter().map(change).collect()),
        complete: r.complete,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("a diff always serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_to_hundredths() {
        let c = |n: u64| Count::from(n);
        assert_eq!(share(&c(2_920_080), &c(28_032_768)), "10.42%");
        assert_eq!(share(&c(1), &c(2)), "50%");
        assert_eq!(share(&c(1), &c(8)), "12.5%");
        assert_eq!(share(&c(1), &c(1_000_000)), "<0.01%");
        assert_eq!(share(&c(0), &c(10)), "0%");
        assert_eq!(share(&c(10), &c(10)), "100%");
    }
}
