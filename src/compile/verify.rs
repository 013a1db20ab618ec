//! The checks of SPEC 4.6 and 4.7 that need the whole meaning of a policy,
//! decided exactly on its diagram: `resolve strict` conflicts (E0040) and
//! `regardless` claims (E0041). Each violation comes with witness cases.
//!
//! A `regardless X` claim holds exactly when the outcome diagram, restricted
//! to the rule's cases, does not depend on `X`. Restricting keeps that
//! question simple: the rule's condition never mentions `X`, so masking the
//! cases it does not match cannot create or hide a dependence on `X`, and in
//! a reduced ordered diagram a function depends on `X` exactly when some
//! node tests `X`. Such a node gives the two witnesses: two of its branches
//! lead to different sub-diagrams, and any case on which those differ,
//! completed above by a path to the node, differs only in `X`.

use super::mdd::{BudgetExceeded, Memo1, Memo2, NodeId};
use super::{Diagram, cond_diagram};
use crate::check::{AttrId, Domain, Policy};
use crate::diag::{Code, Diagnostic, Witness, WitnessValue};
use crate::semantics::{Value, Verdict};

/// Leaf payloads of the outcome-only diagram beyond the outcome indices.
const UNDECIDED: u32 = u32::MAX - 1;
const CONFLICT: u32 = u32::MAX - 2;
const MASKED: u32 = u32::MAX;

/// How many winners a conflict's note names before it counts the rest.
const WINNERS_NAMED: usize = 10;

/// Runs the exact checks; the diagram must have been compiled with
/// explaining rules (not `outcomes_only`), so that conflicts name rules.
pub fn verify(policy: &Policy, d: &mut Diagram) -> Result<Vec<Diagnostic>, BudgetExceeded> {
    let mut out = conflicts(policy, d);
    if policy.rules.iter().any(|r| !r.regardless.is_empty()) {
        out.extend(regardless(policy, d)?);
    }
    Ok(out)
}

/// The case every witness starts from: each attribute's first value.
pub fn base_case(policy: &Policy) -> Vec<Value> {
    policy
        .attributes
        .iter()
        .map(|a| match a.domain {
            Domain::Int { lo, .. } => lo,
            _ => 0,
        })
        .collect()
}

/// A case as a witness: attribute names with value names.
pub fn witness(policy: &Policy, case: &[Value]) -> Witness {
    policy
        .attributes
        .iter()
        .zip(case)
        .map(|(a, &v)| {
            let value = match &a.domain {
                Domain::Enum { values, .. } => WitnessValue::Enum(values[v as usize].clone()),
                Domain::Bool => WitnessValue::Bool(v == 1),
                Domain::Int { .. } => WitnessValue::Int(v),
            };
            (a.name.clone(), value)
        })
        .collect()
}

fn conflicts(policy: &Policy, d: &Diagram) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let base = base_case(policy);
    for n in d.mdd.reachable(d.root) {
        let Some(p) = d.mdd.payload(n) else { continue };
        let Verdict::Conflict { rules } = &d.verdicts[p as usize] else {
            continue;
        };
        let a = rules[0];
        let Some(&b) = rules
            .iter()
            .find(|&&r| policy.rules[r].outcome != policy.rules[a].outcome)
        else {
            continue;
        };
        if !seen.insert((a, b)) {
            continue;
        }
        let (ra, rb) = (&policy.rules[a], &policy.rules[b]);
        let outcome = |o: usize| &policy.decision.outcomes[o];
        let mut diag = Diagnostic::error(
            Code::STRICT_CONFLICT,
            format!(
                "rules `{}` and `{}` both win a case and disagree: `{}` against `{}`",
                ra.id,
                rb.id,
                outcome(ra.outcome),
                outcome(rb.outcome)
            ),
        )
        .at(rb.loc.0, format!("gives `{}`", outcome(rb.outcome)))
        .also(ra.loc.0, format!("gives `{}`", outcome(ra.outcome)));
        if rules.len() > 2 {
            // A few names, then a count: a thousand copies of a rule make
            // a note, not a page.
            let mut others: Vec<String> = rules
                .iter()
                .take(WINNERS_NAMED)
                .map(|&r| format!("`{}`", policy.rules[r].id))
                .collect();
            if rules.len() > WINNERS_NAMED {
                others.push(format!("and {} more", rules.len() - WINNERS_NAMED));
            }
            diag = diag.note(format!(
                "the winners of the witness case are {}",
                others.join(", ")
            ));
        }
        if let Some(case) = d.case_to(d.root, n, &base) {
            diag = diag.with_witness(witness(policy, &case));
        }
        out.push(diag.help(format!(
            "say which rule is the exception (`rule {} overrides {}`), or use `resolve first` or `resolve priority`",
            rb.id, ra.id
        )));
    }
    out
}

fn regardless(policy: &Policy, d: &mut Diagram) -> Result<Vec<Diagnostic>, BudgetExceeded> {
    let codes: Vec<u32> = d
        .verdicts
        .iter()
        .map(|v| match v {
            Verdict::Decided { outcome, .. } => *outcome as u32,
            Verdict::Undecided => UNDECIDED,
            Verdict::Conflict { .. } => CONFLICT,
        })
        .collect();
    let outcomes = d
        .mdd
        .map_leaves(d.root, &mut |p| codes[p as usize], &mut Memo1::default())?;
    let base = base_case(policy);
    let mut out = Vec::new();
    for rule in &policy.rules {
        if rule.regardless.is_empty() {
            continue;
        }
        let cond = cond_diagram(d, &rule.cond)?;
        let mut mask = |o: u32, b: u32| if b == 1 { o } else { MASKED };
        let masked = d
            .mdd
            .apply(outcomes, cond, &mut mask, &mut Memo2::default())?;
        let reachable = d.mdd.reachable(masked);
        for &(x, loc) in &rule.regardless {
            let level = d.level_of[x];
            let Some(&node) = reachable.iter().find(|&&n| d.mdd.level(n) == level) else {
                continue;
            };
            let Some((case_a, case_b)) = differing_pair(d, masked, node, x, &base)? else {
                continue;
            };
            let name = &policy.attributes[x].name;
            let describe = |case: &[Value]| -> String {
                let v = d.decide(case);
                let value = witness_value(policy, x, case[x]);
                match v {
                    Verdict::Decided {
                        outcome,
                        rules,
                        default,
                    } => {
                        let by = if *default {
                            " by default".to_string()
                        } else {
                            let ids: Vec<String> = rules
                                .iter()
                                .map(|&r| format!("`{}`", policy.rules[r].id))
                                .collect();
                            format!(" by {}", ids.join(", "))
                        };
                        format!(
                            "with `{name} = {value}` the case is decided `{}`{by}",
                            policy.decision.outcomes[*outcome]
                        )
                    }
                    Verdict::Undecided => format!("with `{name} = {value}` the case is undecided"),
                    Verdict::Conflict { .. } => {
                        format!("with `{name} = {value}` the winners disagree")
                    }
                }
            };
            let diag = Diagnostic::error(
                Code::REGARDLESS_VIOLATED,
                format!("rule `{}` claims `regardless {name}`, but `{name}` changes the outcome of a case it matches", rule.id),
            )
            .at(loc.0, format!("changing `{name}` alone changes the outcome"))
            .also(rule.loc.0, "this rule matches both witness cases")
            .note(describe(&case_a))
            .note(describe(&case_b))
            .with_witness(witness(policy, &case_a))
            .help(format!(
                "drop `regardless {name}`, or keep the rules that test `{name}` away from this rule's cases"
            ));
            out.push(diag);
        }
    }
    Ok(out)
}

fn witness_value(policy: &Policy, attr: AttrId, v: Value) -> String {
    match &policy.attributes[attr].domain {
        Domain::Enum { values, .. } => values[v as usize].clone(),
        Domain::Bool => (v == 1).to_string(),
        Domain::Int { .. } => v.to_string(),
    }
}

/// Two cases that differ in one attribute only.
type CasePair = (Vec<Value>, Vec<Value>);

/// Two cases that reach `node` (a test of `x` in the masked diagram
/// `root`), differ only in `x`, and lead to different leaves.
fn differing_pair(
    d: &mut Diagram,
    root: NodeId,
    node: NodeId,
    x: AttrId,
    base: &[Value],
) -> Result<Option<CasePair>, BudgetExceeded> {
    let Some(prefix) = d.case_to(root, node, base) else {
        return Ok(None);
    };
    let runs = d.mdd.runs(node).to_vec();
    let first = runs[0];
    let Some(other) = runs.iter().find(|r| r.child != first.child).copied() else {
        return Ok(None);
    };
    let start_of_other = runs
        .iter()
        .take_while(|r| r.end < other.end)
        .last()
        .map_or(0, |r| r.end + 1);
    let mut differ = |p: u32, q: u32| u32::from(p != q);
    let diff = d
        .mdd
        .apply(first.child, other.child, &mut differ, &mut Memo2::default())?;
    let yes = d.mdd.leaf(1)?;
    let Some(mut case_a) = d.case_to(diff, yes, &prefix) else {
        return Ok(None);
    };
    case_a[x] = d.representative(x, 0);
    let mut case_b = case_a.clone();
    case_b[x] = d.representative(x, start_of_other);
    Ok(Some((case_a, case_b)))
}
