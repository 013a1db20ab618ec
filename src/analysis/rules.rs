//! What each rule does to the policy's cases, exactly: how many cases its
//! condition matches, and how many it decides (is among the explaining
//! rules of the verdict). The editor shows both beside each rule; a rule
//! that decides no case is dead.

use crate::check::{Policy, RuleId};
use crate::compile::mdd::{BudgetExceeded, FxBuild, LEAF_LEVEL, NodeId};
use crate::compile::{self, Diagram};
use crate::diag::Count;
use std::collections::HashMap;

/// How many cases reach each leaf payload of the diagram at `root`, in
/// one walk from the top: each node passes the number of assignments that
/// reach it on to its children, times the width of each run and the sizes
/// of the levels its edges skip. Indexed by payload; payloads that no case
/// reaches are zero.
pub fn cases_by_payload(policy: &Policy, d: &Diagram, root: NodeId) -> Vec<Count> {
    let levels = d.order.len();
    let size = |l: usize| Count::from(policy.attributes[d.order[l]].domain.size());
    let level_index = |n: NodeId| -> usize {
        let l = d.mdd.level(n);
        if l == LEAF_LEVEL { levels } else { l as usize }
    };
    // free[l]: the assignments to the levels from `l` down to before the
    // next tested level are counted as a product; `between(a, b)` is the
    // product of the sizes of levels a..b.
    let mut prefix = vec![Count::from(1u8); levels + 1];
    for l in 0..levels {
        prefix[l + 1] = &prefix[l] * size(l);
    }
    let between = |a: usize, b: usize| &prefix[b] / &prefix[a];
    let mut order = d.mdd.reachable(root);
    // Parents lie on shallower levels than their children: shallowest first.
    order.sort_by_key(|&n| level_index(n));
    let mut weight: HashMap<NodeId, Count, FxBuild> = HashMap::default();
    weight.insert(root, between(0, level_index(root)));
    let mut out = Vec::new();
    for n in order {
        let Some(w) = weight.remove(&n) else { continue };
        if let Some(p) = d.mdd.payload(n) {
            let p = p as usize;
            if out.len() <= p {
                out.resize(p + 1, Count::from(0u8));
            }
            out[p] += w;
            continue;
        }
        let l = level_index(n);
        let attr = d.order[l];
        let mut start = 0;
        for r in d.mdd.runs(n) {
            let (lo, _) = d.cells[attr].interval(start);
            let (_, hi) = d.cells[attr].interval(r.end);
            let width = Count::from((hi as i128 - lo as i128 + 1) as u128);
            let add = &w * width * between(l + 1, level_index(r.child));
            *weight.entry(r.child).or_insert_with(|| Count::from(0u8)) += add;
            start = r.end + 1;
        }
    }
    out
}

/// How many cases each rule decides: the cases whose verdict lists it
/// among the explaining rules. One walk of the policy's diagram serves
/// every rule. A rule that decides none is dead.
pub fn decided(policy: &Policy, d: &Diagram) -> Vec<Count> {
    let by_payload = cases_by_payload(policy, d, d.root);
    let mut out = vec![Count::from(0u8); policy.rules.len()];
    for (p, n) in by_payload.iter().enumerate() {
        if let Some(crate::semantics::Verdict::Decided { rules, .. }) = d.verdicts.get(p) {
            for &r in rules {
                out[r] += n;
            }
        }
    }
    out
}

/// How many cases the condition of `rule` matches, whoever wins them. Adds
/// the condition's nodes to the diagram's manager, within its budget.
pub fn matched(policy: &Policy, d: &mut Diagram, rule: RuleId) -> Result<Count, BudgetExceeded> {
    let node = compile::cond_diagram(d, &policy.rules[rule].cond)?;
    Ok(crate::analysis::region::count(policy, d, node, &|p| p == 1))
}

/// A region of cases that no test covers (a test covers the cases its
/// `given` admits, every case when it has none), all decided alike, as
/// conditions that can be pasted into a `given`: the first of the
/// uncovered cases of the first verdict that has any. `None` when the
/// tests cover every case, or the diagram would pass its budget.
pub fn uncovered(policy: &Policy, d: &mut Diagram) -> Option<crate::diag::Region> {
    let mut givens = Vec::new();
    for t in &policy.tests {
        match &t.given {
            Some(c) => givens.push(c.clone()),
            None => return None,
        }
    }
    let covered = compile::cond_diagram(d, &crate::check::ir::Cond::Or(givens)).ok()?;
    // Each uncovered case keeps its verdict's payload, so the regions come
    // grouped by verdict and a test written from one holds on all of it.
    const COVERED: u32 = u32::MAX;
    let split = d
        .mdd
        .apply(
            covered,
            d.root,
            &mut |c, v| if c == 1 { COVERED } else { v },
            &mut crate::compile::mdd::Memo2::default(),
        )
        .ok()?;
    crate::analysis::list_grouped(policy, d, split, &|p| (p != COVERED).then_some(p), &|_| {
        "uncovered".to_string()
    })
    .into_iter()
    .find_map(|(_, listed)| listed.regions.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::interp::all_cases;

    /// Both counts agree with brute force over every case.
    #[test]
    fn counts_agree_with_every_case() {
        let text = "policy t\nattribute a: { x, y, z }\nattribute b: bool\nattribute n: int 0..9\n\
                    decision o: { p, q }\ndefault undecided\nresolve first\n\
                    rule one: when a = x and n > 3 then p\n\
                    rule two: when b or n in { 1, 7 } then q\n\
                    rule three: when a = x and n > 5 then q\n";
        let mut map = crate::source::SourceMap::new();
        let p = crate::api::check_source(&mut map, "t.policy", text)
            .policy
            .expect("checks");
        let mut d = compile::compile(&p, &compile::Options::default()).unwrap();
        let decided = decided(&p, &d);
        let cases = all_cases(&p, 1_000).unwrap();
        let interp = crate::semantics::interp::Interpreter::new(&p);
        for (r, got) in decided.iter().enumerate() {
            let want = cases
                .iter()
                .filter(|c| match d.decide(c) {
                    crate::semantics::Verdict::Decided { rules, .. } => rules.contains(&r),
                    _ => false,
                })
                .count();
            assert_eq!(*got, Count::from(want), "rule {r}");
            let matches = cases.iter().filter(|c| interp.matches(r, c)).count();
            assert_eq!(matched(&p, &mut d, r).unwrap(), Count::from(matches));
        }
        // `three` is beaten wherever it matches: `one` comes first.
        assert_eq!(decided[2], Count::from(0u8));
    }
}
