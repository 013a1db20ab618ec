//! Test coverage ([`crate::analysis::coverage`]) as `writ test --coverage`
//! prints it: a few text lines per policy, and the `"coverage"` object of
//! SPEC section 6. Shares are printed rounded down (see
//! [`Share`](crate::analysis::coverage::Share)); the counts beside them are
//! exact.

use super::diagnostics::{JsonCount, JsonWhen};
use crate::analysis::coverage::{Coverage, MinCoverage};
use crate::diag::{Count, cases, format_count};

/// The text form, every line ending in a newline:
///
/// ```text
/// coverage: 12 of 36 cases (33.3%), below the minimum of 50%
///   rule `home`: 12 of 12 cases it explains (100%), named by a test
///   rule `dead`: explains no case, named by no test
///   uncovered: 24 cases in 1 region, each a condition for a `given`:
///     location != US (24 cases)
/// ```
pub fn text(cov: &Coverage, min: Option<&MinCoverage>) -> String {
    let mut out = format!(
        "coverage: {} of {} ({})",
        format_count(&cov.covered),
        cases(&cov.cases),
        cov.share()
    );
    if let Some(min) = min {
        if cov.meets(min) {
            out.push_str(&format!(", at least the minimum of {}%", min.percent()));
        } else {
            out.push_str(&format!(", below the minimum of {}%", min.percent()));
        }
    }
    out.push('\n');
    for r in &cov.rules {
        let named = if r.named {
            "named by a test"
        } else {
            "named by no test"
        };
        match r.share() {
            Some(share) => out.push_str(&format!(
                "  rule `{}`: {} of {} it explains ({share}), {named}\n",
                r.id,
                format_count(&r.covered),
                cases(&r.explains),
            )),
            None => out.push_str(&format!("  rule `{}`: explains no case, {named}\n", r.id)),
        }
    }
    let u = &cov.uncovered;
    if u.cases == Count::from(0u8) {
        return out;
    }
    let regions = u.total.unwrap_or(u.regions.len());
    if u.complete {
        out.push_str(&format!(
            "  uncovered: {} in {} {}, each a condition for a `given`:\n",
            cases(&u.cases),
            format_count(&Count::from(regions)),
            super::summary::plural(regions, "region", "regions"),
        ));
    } else {
        out.push_str(&format!(
            "  uncovered: {}, too fragmented to merge; some of them, each a condition for a `given`:\n",
            cases(&u.cases)
        ));
    }
    for r in &u.regions {
        out.push_str(&format!("    {} ({})\n", r.condition, cases(&r.cases)));
    }
    if u.regions.len() < regions {
        out.push_str(&format!(
            "    ... and {} more\n",
            format_count(&Count::from(regions - u.regions.len()))
        ));
    }
    out
}

/// The `"coverage"` object of SPEC section 6: `{"cases", "covered",
/// "rules": [{"id", "explains", "covered", "named"}], "uncovered":
/// [{"condition", "cases"}]}`, counts as numbers, or decimal strings past
/// 2^64. Added: `"share"` (rounded down, as text prints it), each rule's
/// `"share"` (`null` for a rule that explains no case), each uncovered
/// region's `"when"` (as in `writ diff`), `"uncovered_cases"`,
/// `"uncovered_regions"` (how many regions there are, `null` when unmerged;
/// `uncovered` lists at most [`MAX_LISTED`](crate::analysis::MAX_LISTED)), `"uncovered_merged"`
/// (`false` when the set was too fragmented to merge and `uncovered` holds
/// some pieces of it), and with a minimum, `"minimum"` (the percentage as
/// written) and `"meets_minimum"`.
pub fn json(cov: &Coverage, min: Option<&MinCoverage>) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let count = |n: &Count| serde_json::to_value(JsonCount(n)).expect("a count serializes");
    let rules: Vec<Value> = cov
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "explains": count(&r.explains),
                "covered": count(&r.covered),
                "named": r.named,
                "share": r.share().map(|s| s.to_string()),
            })
        })
        .collect();
    let uncovered: Vec<Value> = cov
        .uncovered
        .regions
        .iter()
        .map(|r| {
            json!({
                "condition": r.condition,
                "cases": count(&r.cases),
                "when": serde_json::to_value(JsonWhen(&r.when)).expect("a region serializes"),
            })
        })
        .collect();
    let mut o = Map::new();
    o.insert("cases".into(), count(&cov.cases));
    o.insert("covered".into(), count(&cov.covered));
    o.insert("share".into(), json!(cov.share().to_string()));
    if let Some(min) = min {
        o.insert("minimum".into(), json!(min.percent()));
        o.insert("meets_minimum".into(), json!(cov.meets(min)));
    }
    o.insert("rules".into(), Value::Array(rules));
    o.insert("uncovered".into(), Value::Array(uncovered));
    o.insert("uncovered_cases".into(), count(&cov.uncovered.cases));
    // Unknown when the set was too fragmented to merge.
    let regions = cov
        .uncovered
        .complete
        .then(|| cov.uncovered.total.unwrap_or(cov.uncovered.regions.len()));
    o.insert("uncovered_regions".into(), json!(regions));
    o.insert("uncovered_merged".into(), json!(cov.uncovered.complete));
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Listed;
    use crate::analysis::coverage::RuleCoverage;
    use crate::diag::{Allowed, Region};

    fn region(n: i64) -> Region {
        Region {
            label: "uncovered".into(),
            when: vec![("n".into(), Allowed::Ranges(vec![(n, n)]))],
            condition: format!("n = {n}"),
            cases: Count::from(1u8),
            witness: vec![],
        }
    }

    fn coverage(listed: Listed) -> Coverage {
        Coverage {
            cases: Count::from(10u8),
            covered: Count::from(10u8) - &listed.cases,
            rules: vec![RuleCoverage {
                rule: 0,
                id: "r".into(),
                explains: Count::from(4u8),
                covered: Count::from(1u8),
                named: false,
            }],
            uncovered: listed,
        }
    }

    /// Past the regions listed, the text says how many more there are;
    /// a set too fragmented to merge says so, and JSON's count is `null`.
    #[test]
    fn more_regions_than_listed_and_unmerged_sets() {
        let many = coverage(Listed {
            regions: vec![region(1), region(2)],
            total: Some(5),
            complete: true,
            cases: Count::from(5u8),
        });
        let text = text(&many, Some(&"50".parse().unwrap()));
        assert_eq!(
            text,
            "coverage: 5 of 10 cases (50%), at least the minimum of 50%\n\
             \x20 rule `r`: 1 of 4 cases it explains (25%), named by no test\n\
             \x20 uncovered: 5 cases in 5 regions, each a condition for a `given`:\n\
             \x20   n = 1 (1 case)\n\
             \x20   n = 2 (1 case)\n\
             \x20   ... and 3 more\n"
        );
        assert_eq!(json(&many, None)["uncovered_regions"], 5);
        let pieces = coverage(Listed {
            regions: vec![region(1)],
            total: None,
            complete: false,
            cases: Count::from(6u8),
        });
        assert!(
            super::text(&pieces, None)
                .contains("uncovered: 6 cases, too fragmented to merge; some of them")
        );
        let j = json(&pieces, Some(&"60.5".parse().unwrap()));
        assert_eq!(j["uncovered_regions"], serde_json::Value::Null);
        assert_eq!(j["uncovered_merged"], false);
        assert_eq!(
            (j["minimum"].as_str(), j["meets_minimum"].as_bool()),
            (Some("60.5"), Some(false))
        );
    }
}
