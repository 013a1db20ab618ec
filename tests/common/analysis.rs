//! What the analysis tests share: checking the regions of a lint or a diff
//! case by case against the reference interpreter.
//!
//! Included with `#[path]` by the tests that need it, so that the other
//! test crates do not see unused functions.

use std::collections::HashSet;
use writ::check::{Domain, Policy, RuleId};
use writ::diag::{Allowed, Code, Count, Diagnostic, Region};
use writ::semantics::interp::Interpreter;
use writ::semantics::{Value, Verdict};

/// Whether `case` (values of `policy`'s attributes) lies in the region.
/// Every attribute the region names must be one of `policy`'s.
pub fn contains(policy: &Policy, region: &Region, case: &[Value]) -> bool {
    region.when.iter().all(|(name, allowed)| {
        let a = policy
            .attributes
            .iter()
            .position(|x| &x.name == name)
            .unwrap_or_else(|| panic!("region names unknown attribute `{name}`"));
        let v = case[a];
        match (allowed, &policy.attributes[a].domain) {
            (Allowed::Values(names), Domain::Enum { values, .. }) => {
                names.contains(&values[v as usize])
            }
            (Allowed::Bools(bs), Domain::Bool) => bs.contains(&(v == 1)),
            (Allowed::Ranges(rs), Domain::Int { .. }) => {
                rs.iter().any(|&(lo, hi)| lo <= v && v <= hi)
            }
            _ => panic!("region constraint of the wrong kind for `{name}`"),
        }
    })
}

/// Checks that the regions are disjoint, that each region's count is the
/// number of cases in it, and that together they are exactly the cases
/// for which `expected` holds. Returns a description of the first problem.
pub fn check_regions(
    policy: &Policy,
    regions: &[&Region],
    cases: &[Vec<Value>],
    expected: &dyn Fn(&[Value]) -> bool,
) -> Result<(), String> {
    let mut counts = vec![0u64; regions.len()];
    for case in cases {
        let inside: Vec<usize> = (0..regions.len())
            .filter(|&i| contains(policy, regions[i], case))
            .collect();
        if inside.len() > 1 {
            return Err(format!("regions {inside:?} overlap on {case:?}"));
        }
        if inside.len() == 1 {
            counts[inside[0]] += 1;
        }
        if (inside.len() == 1) != expected(case) {
            return Err(format!(
                "case {case:?}: in a region: {}, expected: {}",
                inside.len() == 1,
                expected(case)
            ));
        }
    }
    for (i, r) in regions.iter().enumerate() {
        if r.cases != Count::from(counts[i]) {
            return Err(format!(
                "region `{}` says {} cases, holds {}",
                r.condition, r.cases, counts[i]
            ));
        }
        if !contains(policy, r, &witness_case(policy, r)) {
            return Err(format!("the witness of `{}` is outside it", r.condition));
        }
    }
    Ok(())
}

/// A region's witness as a case of `policy`.
pub fn witness_case(policy: &Policy, r: &Region) -> Vec<Value> {
    policy
        .attributes
        .iter()
        .map(|a| {
            let (_, v) = r
                .witness
                .iter()
                .find(|(n, _)| *n == a.name)
                .expect("a witness names every attribute");
            match (v, &a.domain) {
                (writ::diag::WitnessValue::Enum(s), Domain::Enum { values, .. }) => {
                    values.iter().position(|x| x == s).expect("a value") as Value
                }
                (writ::diag::WitnessValue::Bool(b), _) => Value::from(*b),
                (writ::diag::WitnessValue::Int(i), _) => *i,
                _ => panic!("witness value of the wrong kind"),
            }
        })
        .collect()
}

/// The rule a lint diagnostic is about: the rule whose name its primary
/// label points at.
pub fn rule_of(policy: &Policy, d: &Diagnostic) -> Option<RuleId> {
    let p = d.primary.as_ref()?;
    policy.rules.iter().position(|r| r.loc.0 == p.span)
}

/// The rules above `r` in the `overrides` order.
pub fn above(policy: &Policy, interp: &Interpreter, r: RuleId) -> HashSet<RuleId> {
    (0..policy.rules.len())
        .filter(|&a| interp.above(a, r))
        .collect()
}

/// Which cases belong to a set.
pub type Expectation<'a> = Box<dyn Fn(&[Value]) -> bool + 'a>;

/// The cases a lint's regions must cover, from the interpreter alone;
/// `None` for a lint that lists no regions.
pub fn expected<'a>(
    policy: &'a Policy,
    interp: &'a Interpreter<'a>,
    d: &Diagnostic,
) -> Option<Expectation<'a>> {
    let rule = rule_of(policy, d);
    let explains = move |r: usize, case: &[Value]| match interp.decide(case) {
        Verdict::Decided { rules, .. } => rules.contains(&r),
        _ => false,
    };
    let code = d.code;
    Some(match code {
        c if c == Code::DEAD_RULE => {
            let r = rule?;
            Box::new(move |case: &[Value]| interp.matches(r, case))
        }
        c if c == Code::PARTLY_MASKED => {
            let r = rule?;
            Box::new(move |case: &[Value]| interp.matches(r, case) && !explains(r, case))
        }
        c if c == Code::INCOMPLETE => {
            Box::new(move |case: &[Value]| interp.decide(case) == Verdict::Undecided)
        }
        c if c == Code::REDUNDANT_RULE => {
            let r = rule?;
            Box::new(move |case: &[Value]| explains(r, case))
        }
        c if c == Code::OVERLAP => {
            // The cases where the rule wins (it matches and no rule above
            // it does) but another winner with another outcome decides,
            // restricted to this diagnostic's winners.
            let r = rule?;
            let above = above(policy, interp, r);
            let winners: Vec<usize> = d
                .secondary
                .iter()
                .filter_map(|l| policy.rules.iter().position(|x| x.loc.0 == l.span))
                .collect();
            Box::new(move |case: &[Value]| {
                let wins =
                    interp.matches(r, case) && !above.iter().any(|&a| interp.matches(a, case));
                match interp.decide(case) {
                    Verdict::Decided { outcome, rules, .. } => {
                        wins && outcome != policy.rules[r].outcome && rules == winners
                    }
                    _ => false,
                }
            })
        }
        _ => return None,
    })
}
