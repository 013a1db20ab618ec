//! The text of quick fixes that need the policy's meaning: a test for a
//! region of cases (a lint's, or one no test covers).

use crate::check::{Domain, Policy};
use crate::compile::Diagram;
use crate::compile::mdd::LEAF_LEVEL;
use crate::diag::{Allowed, Region};
use crate::semantics::Verdict;
use std::collections::HashSet;

/// A test whose `given` is the region's condition and whose `expect` is
/// what the policy decides there: `test "LABEL: COND": given COND expect
/// OUTCOME`. `None` when the region's cases are not all decided alike (a
/// test written from it would fail), or there is no diagram to ask.
pub fn test_for(
    policy: &Policy,
    d: Option<&Diagram>,
    region: &Region,
    label: &str,
) -> Option<String> {
    let d = d?;
    let verdicts = verdicts_in(policy, d, region)?;
    let mut outcomes = verdicts.iter().map(|&v| match &d.verdicts[v as usize] {
        Verdict::Decided { outcome, .. } => Some(Some(*outcome)),
        Verdict::Undecided => Some(None),
        Verdict::Conflict { .. } => None,
    });
    let first = outcomes.next()??;
    if !outcomes.all(|o| o == Some(first)) {
        return None;
    }
    let expect = match first {
        Some(o) => policy.decision.outcomes[o].clone(),
        None => "undecided".to_string(),
    };
    let name = format!("{label}: {}", region.condition).replace(['"', '\\'], "");
    let given = if region.condition == "true" {
        String::new()
    } else {
        format!("\n    given {}", region.condition)
    };
    Some(format!("\ntest \"{name}\":{given}\n    expect {expect}"))
}

/// The leaf payloads of the policy's diagram that cases of the region
/// reach; `None` when the region names an attribute or value the policy
/// does not have.
fn verdicts_in(policy: &Policy, d: &Diagram, region: &Region) -> Option<HashSet<u32>> {
    // For each attribute, the values the region allows (None: all).
    let mut allowed: Vec<Option<Vec<(i64, i64)>>> = vec![None; policy.attributes.len()];
    for (name, a) in &region.when {
        let id = policy.attributes.iter().position(|x| &x.name == name)?;
        let ranges = match (a, &policy.attributes[id].domain) {
            (Allowed::Values(vs), Domain::Enum { values, .. }) => vs
                .iter()
                .map(|v| {
                    values
                        .iter()
                        .position(|x| x == v)
                        .map(|i| (i as i64, i as i64))
                })
                .collect::<Option<Vec<_>>>()?,
            (Allowed::Bools(bs), Domain::Bool) => {
                bs.iter().map(|&b| (i64::from(b), i64::from(b))).collect()
            }
            (Allowed::Ranges(rs), Domain::Int { .. }) => rs.clone(),
            _ => return None,
        };
        allowed[id] = Some(ranges);
    }
    let mut out = HashSet::new();
    let mut stack = vec![d.root];
    let mut seen = HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        let level = d.mdd.level(n);
        if level == LEAF_LEVEL {
            out.insert(d.mdd.payload(n).unwrap_or(0));
            continue;
        }
        let attr = d.order[level as usize];
        let mut start = 0;
        for r in d.mdd.runs(n) {
            let (lo, _) = d.cells[attr].interval(start);
            let (_, hi) = d.cells[attr].interval(r.end);
            let inside = match &allowed[attr] {
                None => true,
                Some(rs) => rs.iter().any(|&(a, b)| a <= hi && lo <= b),
            };
            if inside {
                stack.push(r.child);
            }
            start = r.end + 1;
        }
    }
    Some(out)
}
