//! Evaluation: cases in, verdicts with explanations out (SPEC section 6,
//! `eval`).
//!
//! A case may leave attributes out. The evaluator *restricts* the diagram to
//! the values it was given — following the given value at every test of a
//! known attribute, and rebuilding (reduced) the tests of missing ones. The
//! restricted diagram is exactly the decision as a function of the missing
//! attributes: a single leaf means the case is decided whatever they are;
//! otherwise its nodes name the missing attributes that still matter and its
//! leaves the outcomes that remain possible.
//!
//! The same restriction answers the *sufficient reason*: a smallest set of
//! the case's own values that alone fixes the outcome is a smallest set whose
//! restriction has one outcome on every leaf. A greedy pass finds a minimal
//! set (no value can be dropped); then smaller sets are tried by increasing
//! size, up to [`EXACT_REASON_BUDGET`] restrictions, so the answer is a
//! minimum whenever that search is affordable, and minimal always.
//!
//! `why_not` finds the nearest cases with another outcome by a shortest-path
//! computation over the diagram, where following a branch that holds the
//! case's own value is free and any other branch costs one changed
//! attribute.
//!
//! When a policy's diagram is too large, the [`crate::semantics::index`]
//! decides complete cases in time linear in the policy; partial cases are
//! then restricted by substituting the known values into the rules and
//! compiling what is left, which involves only the missing attributes.

use crate::check::{AttrId, Cond, Domain, OutcomeId, Policy, ValueSet};
use crate::compile::mdd::NodeId;
use crate::compile::{self, Diagram, Options};
use crate::emit::Header;
use crate::semantics::index::RuleIndex;
use crate::semantics::{Value, Verdict};
use std::collections::HashMap;

/// How many candidate sets the search for a *minimum* sufficient reason may
/// try (each costs one restriction of the diagram); past it, the greedy
/// minimal set stands.
pub const EXACT_REASON_BUDGET: usize = 512;

/// The node budget of each check while the index engine looks for a
/// sufficient reason: small, so a wide policy never stalls a decision.
pub const REASON_CHECK_BUDGET: usize = 50_000;

/// The most nearest cases `why_not` lists.
pub const MAX_NEAREST: usize = 5;

/// The nearest cases decided as some outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhyNot {
    /// The outcome asked about.
    pub outcome: OutcomeId,
    /// The nearest cases: the attributes to change (fewest possible) and the
    /// verdict they get. Empty when no case is decided so.
    pub nearest: Vec<(Vec<(AttrId, Value)>, Verdict)>,
}

/// The result of evaluating one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evaluation {
    /// The verdict is fixed by the values given.
    Decided {
        /// The verdict (possibly `Undecided`).
        verdict: Verdict,
        /// The tests taken, with the case's values, root first.
        path: Vec<(AttrId, Value)>,
        /// A smallest set of the case's values that alone fixes the outcome.
        sufficient: Vec<(AttrId, Value)>,
        /// With `--why-not`: the nearest cases with that outcome.
        why_not: Option<WhyNot>,
    },
    /// Missing attributes still matter.
    Undetermined {
        /// The missing attributes the verdict depends on.
        needs: Vec<AttrId>,
        /// The outcomes that remain possible (`None`: undecided), ascending.
        possible: Vec<Option<OutcomeId>>,
    },
}

/// A decision engine over which cases are evaluated.
pub enum Engine<'a> {
    /// The compiled diagram (from a policy or a compiled JSON file).
    Diagram(&'a mut Diagram),
    /// The rule index, for policies whose diagram is too large.
    Index {
        /// The policy, for partial cases.
        policy: &'a Policy,
        /// The index.
        index: &'a RuleIndex,
        /// The budget for diagrams of partial cases.
        max_nodes: usize,
    },
}

impl Engine<'_> {
    /// Evaluates one case.
    pub fn evaluate(
        &mut self,
        case: &[Option<Value>],
        why_not: Option<OutcomeId>,
    ) -> Result<Evaluation, String> {
        match self {
            Engine::Diagram(d) => evaluate_on_diagram(d, case, why_not),
            Engine::Index {
                policy,
                index,
                max_nodes,
            } => evaluate_on_index(policy, index, *max_nodes, case, why_not),
        }
    }
}

fn budget(e: compile::mdd::BudgetExceeded) -> String {
    format!(
        "the evaluation needed more than {} diagram nodes; give more of the case's attributes",
        e.max_nodes
    )
}

/// The diagram restricted to the known values of `case`.
fn restrict(
    d: &mut Diagram,
    n: NodeId,
    case: &[Option<Value>],
    memo: &mut HashMap<NodeId, NodeId>,
) -> Result<NodeId, String> {
    if d.mdd.payload(n).is_some() {
        return Ok(n);
    }
    if let Some(&r) = memo.get(&n) {
        return Ok(r);
    }
    let level = d.mdd.level(n);
    let attr = d.order[level as usize];
    let r = match case[attr] {
        Some(v) => {
            let cell = d.cells[attr].cell_of(v).unwrap_or(0);
            let child = d.mdd.child(n, cell);
            restrict(d, child, case, memo)?
        }
        None => {
            let runs = d.mdd.runs(n).to_vec();
            let mut out = Vec::with_capacity(runs.len());
            for r in runs {
                out.push(compile::mdd::Run {
                    end: r.end,
                    child: restrict(d, r.child, case, memo)?,
                });
            }
            d.mdd.node(level, &out).map_err(budget)?
        }
    };
    memo.insert(n, r);
    Ok(r)
}

/// The distinct verdict payloads of the leaves under `n`, and the
/// attributes tested on the way.
fn leaves_and_tests(d: &Diagram, n: NodeId) -> (Vec<u32>, Vec<AttrId>) {
    let mut leaves = Vec::new();
    let mut tests = Vec::new();
    for m in d.mdd.reachable(n) {
        match d.mdd.payload(m) {
            Some(p) => leaves.push(p),
            None => tests.push(d.order[d.mdd.level(m) as usize]),
        }
    }
    leaves.sort_unstable();
    leaves.dedup();
    tests.sort_unstable();
    tests.dedup();
    (leaves, tests)
}

fn evaluate_on_diagram(
    d: &mut Diagram,
    case: &[Option<Value>],
    why_not: Option<OutcomeId>,
) -> Result<Evaluation, String> {
    let root = d.root;
    let restricted = restrict(d, root, case, &mut HashMap::new())?;
    let Some(payload) = d.mdd.payload(restricted) else {
        let (leaves, needs) = leaves_and_tests(d, restricted);
        let mut possible: Vec<Option<OutcomeId>> = leaves
            .iter()
            .map(|&p| d.verdicts[p as usize].outcome())
            .collect();
        possible.sort_unstable();
        possible.dedup();
        return Ok(Evaluation::Undetermined { needs, possible });
    };
    let verdict = d.verdicts[payload as usize].clone();
    // The tests taken: the case's own branch at every known attribute; a
    // missing attribute does not matter here, so any branch leads to the
    // same leaf.
    let mut path = Vec::new();
    let mut n = root;
    while d.mdd.payload(n).is_none() {
        let attr = d.order[d.mdd.level(n) as usize];
        let cell = match case[attr] {
            Some(v) => {
                path.push((attr, v));
                d.cells[attr].cell_of(v).unwrap_or(0)
            }
            None => 0,
        };
        n = d.mdd.child(n, cell);
    }
    let sufficient = sufficient_reason(d, case, verdict.outcome())?;
    let why_not = why_not.map(|o| nearest(d, case, o));
    Ok(Evaluation::Decided {
        verdict,
        path,
        sufficient,
        why_not,
    })
}

/// Whether knowing only the attributes in `keep` fixes the outcome.
fn fixes(
    d: &mut Diagram,
    case: &[Option<Value>],
    keep: &[AttrId],
    outcome: Option<OutcomeId>,
) -> Result<bool, String> {
    let mut partial = vec![None; case.len()];
    for &a in keep {
        partial[a] = case[a];
    }
    let root = d.root;
    let r = restrict(d, root, &partial, &mut HashMap::new())?;
    let (leaves, _) = leaves_and_tests(d, r);
    Ok(leaves
        .iter()
        .all(|&p| d.verdicts[p as usize].outcome() == outcome))
}

fn sufficient_reason(
    d: &mut Diagram,
    case: &[Option<Value>],
    outcome: Option<OutcomeId>,
) -> Result<Vec<(AttrId, Value)>, String> {
    // Only known attributes the decision depends on can be part of a
    // smallest reason.
    let root = d.root;
    let (_, relevant) = leaves_and_tests(d, root);
    let candidates: Vec<AttrId> = relevant
        .into_iter()
        .filter(|&a| case[a].is_some())
        .collect();
    // A minimal set first, greedily: drop each value whose absence leaves
    // the outcome fixed.
    let mut keep = candidates.clone();
    for &a in candidates.iter().rev() {
        let without: Vec<AttrId> = keep.iter().copied().filter(|&x| x != a).collect();
        if fixes(d, case, &without, outcome)? {
            keep = without;
        }
    }
    // Then a minimum: try every smaller set, smallest first, while that
    // stays affordable.
    let mut tried = 0usize;
    let mut best = keep;
    'sizes: for size in 0..best.len() {
        if binomial(candidates.len(), size).saturating_add(tried) > EXACT_REASON_BUDGET {
            break;
        }
        let mut pick: Vec<usize> = (0..size).collect();
        loop {
            tried += 1;
            let subset: Vec<AttrId> = pick.iter().map(|&i| candidates[i]).collect();
            if fixes(d, case, &subset, outcome)? {
                best = subset;
                break 'sizes;
            }
            if !next_combination(&mut pick, candidates.len()) {
                break;
            }
        }
    }
    let chosen = best;
    Ok(chosen
        .into_iter()
        .map(|a| (a, case[a].expect("candidates are known")))
        .collect())
}

fn binomial(n: usize, k: usize) -> usize {
    (0..k).fold(1usize, |acc, i| acc.saturating_mul(n - i) / (i + 1))
}

/// Advances `pick` (ascending indices below `n`) to the next combination of
/// the same size; false after the last one.
fn next_combination(pick: &mut [usize], n: usize) -> bool {
    let k = pick.len();
    for i in (0..k).rev() {
        if pick[i] < n - k + i {
            pick[i] += 1;
            for j in i + 1..k {
                pick[j] = pick[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

/// The nearest cases decided as `target`: fewest attributes changed.
fn nearest(d: &Diagram, case: &[Option<Value>], target: OutcomeId) -> WhyNot {
    let mut cost: HashMap<NodeId, u32> = HashMap::new();
    distance(d, case, target, d.root, &mut cost);
    let mut nearest = Vec::new();
    if cost[&d.root] != UNREACHABLE {
        let mut changes = Vec::new();
        collect_nearest(d, case, d.root, &cost, &mut changes, &mut nearest);
    }
    WhyNot {
        outcome: target,
        nearest,
    }
}

/// Cost of a branch that no case decided as the target can take.
const UNREACHABLE: u32 = u32::MAX;

/// The fewest attributes of `case` to change, below `n`, to reach a leaf
/// decided as `target` (memoised in `cost`; recursion depth is at most the
/// number of levels).
fn distance(
    d: &Diagram,
    case: &[Option<Value>],
    target: OutcomeId,
    n: NodeId,
    cost: &mut HashMap<NodeId, u32>,
) -> u32 {
    if let Some(&c) = cost.get(&n) {
        return c;
    }
    let c = match d.mdd.payload(n) {
        Some(p) => {
            if d.verdicts[p as usize].outcome() == Some(target) {
                0
            } else {
                UNREACHABLE
            }
        }
        None => {
            let attr = d.order[d.mdd.level(n) as usize];
            let own = case[attr].and_then(|v| d.cells[attr].cell_of(v));
            let mut start = 0;
            let mut best = UNREACHABLE;
            for r in d.mdd.runs(n) {
                let step = u32::from(own.is_some_and(|c| c < start || c > r.end));
                let below = distance(d, case, target, r.child, cost);
                if below != UNREACHABLE {
                    best = best.min(below + step);
                }
                start = r.end + 1;
            }
            best
        }
    };
    cost.insert(n, c);
    c
}

fn collect_nearest(
    d: &Diagram,
    case: &[Option<Value>],
    n: NodeId,
    cost: &HashMap<NodeId, u32>,
    changes: &mut Vec<(AttrId, Value)>,
    out: &mut Vec<(Vec<(AttrId, Value)>, Verdict)>,
) {
    if out.len() >= MAX_NEAREST {
        return;
    }
    if let Some(p) = d.mdd.payload(n) {
        if !out.iter().any(|(c, _)| c == changes) {
            out.push((changes.clone(), d.verdicts[p as usize].clone()));
        }
        return;
    }
    let attr = d.order[d.mdd.level(n) as usize];
    let own = case[attr].and_then(|v| d.cells[attr].cell_of(v));
    let mut start = 0;
    for r in d.mdd.runs(n).to_vec() {
        let (lo, hi) = (start, r.end);
        start = r.end + 1;
        let holds_own = own.is_some_and(|c| (lo..=hi).contains(&c));
        let step = u32::from(own.is_some() && !holds_own);
        let below = cost[&r.child];
        if below == UNREACHABLE || below + step != cost[&n] {
            continue;
        }
        let pushed = if holds_own {
            false
        } else {
            // The value of the branch closest to the case's own value.
            let (a, b) = (d.cells[attr].interval(lo), d.cells[attr].interval(hi));
            let v = match case[attr] {
                Some(x) if x < a.0 => a.0,
                Some(x) if x > b.1 => b.1,
                _ => a.0,
            };
            changes.push((attr, v));
            true
        };
        collect_nearest(d, case, r.child, cost, changes, out);
        if pushed {
            changes.pop();
        }
    }
}

/// The policy with the known values of `case` substituted into every rule
/// condition: what is left depends only on the missing attributes.
fn residual(policy: &Policy, case: &[Option<Value>]) -> Policy {
    fn subst(c: &Cond, case: &[Option<Value>]) -> Cond {
        match c {
            Cond::Const(b) => Cond::Const(*b),
            Cond::And(cs) => Cond::And(cs.iter().map(|c| subst(c, case)).collect()),
            Cond::Or(cs) => Cond::Or(cs.iter().map(|c| subst(c, case)).collect()),
            Cond::Not(c) => Cond::Not(Box::new(subst(c, case))),
            Cond::Atom(a) => match case[a.attr] {
                Some(v) => Cond::Const(match &a.set {
                    ValueSet::Values(_) | ValueSet::Ranges(_) => a.set.contains(v),
                }),
                None => Cond::Atom(a.clone()),
            },
        }
    }
    let mut p = policy.clone();
    for r in &mut p.rules {
        r.cond = subst(&r.cond, case);
    }
    p
}

fn evaluate_on_index(
    policy: &Policy,
    index: &RuleIndex,
    max_nodes: usize,
    case: &[Option<Value>],
    why_not: Option<OutcomeId>,
) -> Result<Evaluation, String> {
    if why_not.is_some() {
        return Err(
            "`--why-not` searches the decision diagram, and this policy's diagram exceeds its budget; \
             raise `--max-nodes`"
                .to_string(),
        );
    }
    let options = Options {
        max_nodes,
        ..Options::default()
    };
    let too_large = |e: compile::CompileError| format!("{e}; give more of the case's attributes");
    let complete: Option<Vec<Value>> = case.iter().copied().collect();
    if let Some(full) = complete {
        let verdict = index.decide(&full);
        // The tests that matter: the attributes the explaining rules
        // constrain (the index has no single path).
        let mut attrs: Vec<AttrId> = match &verdict {
            Verdict::Decided { rules, .. } | Verdict::Conflict { rules } => rules
                .iter()
                .flat_map(|&r| policy.rules[r].cond.attributes())
                .collect(),
            Verdict::Undecided => Vec::new(),
        };
        attrs.sort_unstable();
        attrs.dedup();
        let path = attrs.iter().map(|&a| (a, full[a])).collect();
        // A minimal reason, greedily, starting from the attributes the
        // explaining rules constrain: drop each value whose absence leaves
        // the outcome fixed. Each check compiles what is left of the policy
        // under a small budget; a check past it counts as "not fixed", which
        // keeps the value: the reason stays sufficient, if not minimal.
        let outcome = verdict.outcome();
        let check = Options {
            max_nodes: REASON_CHECK_BUDGET,
            ..Options::default()
        };
        let fixed = |keep: &[AttrId]| -> Result<bool, String> {
            let trial: Vec<Option<Value>> = (0..full.len())
                .map(|i| keep.contains(&i).then_some(full[i]))
                .collect();
            let Ok(mut d) = compile::compile(&residual(policy, &trial), &check) else {
                return Ok(false);
            };
            let root = d.root;
            let r = restrict(&mut d, root, &trial, &mut HashMap::new())?;
            let (leaves, _) = leaves_and_tests(&d, r);
            Ok(leaves
                .iter()
                .all(|&p| d.verdicts[p as usize].outcome() == outcome))
        };
        let mut keep: Vec<AttrId> = attrs.clone();
        if !fixed(&keep)? {
            keep = (0..full.len()).collect();
        }
        for a in keep.clone().into_iter().rev() {
            let without: Vec<AttrId> = keep.iter().copied().filter(|&x| x != a).collect();
            if fixed(&without)? {
                keep = without;
            }
        }
        let sufficient = keep.into_iter().map(|a| (a, full[a])).collect();
        return Ok(Evaluation::Decided {
            verdict,
            path,
            sufficient,
            why_not: None,
        });
    }
    let mut d = compile::compile(&residual(policy, case), &options).map_err(too_large)?;
    evaluate_on_diagram(&mut d, case, None)
}

/// A value in JSON as a case gives it: a string for an enum, a bool, an
/// integer.
fn value_json(header: &Header, attr: AttrId, v: Value) -> serde_json::Value {
    match header.attributes[attr].domain {
        Domain::Bool => (v == 1).into(),
        Domain::Int { .. } => v.into(),
        Domain::Enum { .. } => header.value_name(attr, v).into(),
    }
}

/// The JSON result object of SPEC section 6.
pub fn to_json(schema: &Header, e: &Evaluation) -> serde_json::Value {
    use serde_json::{Map, Value as J, json};
    let pairs = |v: &[(AttrId, Value)]| -> Map<String, J> {
        v.iter()
            .map(|&(a, x)| (schema.attributes[a].name.clone(), value_json(schema, a, x)))
            .collect()
    };
    let rules = |rs: &[usize]| -> Vec<J> {
        rs.iter()
            .map(|&r| {
                let (id, because) = (&schema.rules[r].id, &schema.rules[r].because);
                let mut o = Map::new();
                o.insert("id".into(), id.clone().into());
                if let Some(b) = because {
                    o.insert("because".into(), b.clone().into());
                }
                J::Object(o)
            })
            .collect()
    };
    let outcome = |o: Option<OutcomeId>| o.map_or(J::Null, |o| schema.outcomes[o].clone().into());
    match e {
        Evaluation::Undetermined { needs, possible } => json!({
            "undetermined": true,
            "needs": needs.iter().map(|&a| schema.attributes[a].name.clone()).collect::<Vec<_>>(),
            "possible": possible.iter().map(|&o| outcome(o)).collect::<Vec<_>>(),
        }),
        Evaluation::Decided {
            verdict,
            path,
            sufficient,
            why_not,
        } => {
            let (o, rs, default) = match verdict {
                Verdict::Decided {
                    outcome: o,
                    rules: rs,
                    default,
                } => (Some(*o), rs.as_slice(), *default),
                Verdict::Undecided => (None, &[][..], false),
                Verdict::Conflict { rules: rs } => (None, rs.as_slice(), false),
            };
            let mut obj = Map::new();
            obj.insert("outcome".into(), outcome(o));
            obj.insert("rules".into(), rules(rs).into());
            obj.insert("default".into(), default.into());
            obj.insert(
                "path".into(),
                path.iter()
                    .map(|&(a, v)| json!({"attribute": schema.attributes[a].name, "value": value_json(schema, a, v)}))
                    .collect::<Vec<_>>()
                    .into(),
            );
            obj.insert("sufficient".into(), J::Object(pairs(sufficient)));
            if let Some(w) = why_not {
                let nearest: Vec<J> = w
                    .nearest
                    .iter()
                    .map(|(changes, v)| {
                        let rs = match v {
                            Verdict::Decided { rules: rs, .. } => rules(rs),
                            _ => Vec::new(),
                        };
                        json!({"changes": J::Object(pairs(changes)), "rules": rs})
                    })
                    .collect();
                obj.insert(
                    "why_not".into(),
                    json!({"outcome": schema.outcomes[w.outcome], "nearest": nearest}),
                );
            }
            J::Object(obj)
        }
    }
}

/// The human-readable result.
pub fn to_text(schema: &Header, e: &Evaluation) -> String {
    let value = |a: AttrId, v: Value| {
        format!(
            "{} = {}",
            schema.attributes[a].name,
            schema.value_name(a, v)
        )
    };
    let list = |v: &[(AttrId, Value)]| {
        v.iter()
            .map(|&(a, x)| value(a, x))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    match e {
        Evaluation::Undetermined { needs, possible } => {
            let names: Vec<String> = needs
                .iter()
                .map(|&a| format!("`{}`", schema.attributes[a].name))
                .collect();
            let outs: Vec<String> = possible
                .iter()
                .map(|o| {
                    o.map_or("undecided".to_string(), |o| {
                        format!("`{}`", schema.outcomes[o])
                    })
                })
                .collect();
            out.push_str(&format!(
                "undetermined: the outcome still depends on {}\n",
                names.join(", ")
            ));
            out.push_str(&format!("possible: {}\n", outs.join(", ")));
        }
        Evaluation::Decided {
            verdict,
            path,
            sufficient,
            why_not,
        } => {
            match verdict {
                Verdict::Decided {
                    outcome,
                    rules,
                    default,
                } => {
                    out.push_str(&format!("outcome: {}", schema.outcomes[*outcome]));
                    out.push_str(if *default { " (by default)\n" } else { "\n" });
                    for &r in rules {
                        let (id, because) = (&schema.rules[r].id, &schema.rules[r].because);
                        match because {
                            Some(b) => out.push_str(&format!("  by {id}: {b}\n")),
                            None => out.push_str(&format!("  by {id}\n")),
                        }
                    }
                }
                Verdict::Undecided => out.push_str("outcome: undecided\n"),
                Verdict::Conflict { rules } => {
                    let ids: Vec<&str> =
                        rules.iter().map(|&r| schema.rules[r].id.as_str()).collect();
                    out.push_str(&format!("outcome: conflict between {}\n", ids.join(", ")));
                }
            }
            out.push_str(&format!(
                "path: {}\n",
                if path.is_empty() {
                    "(no test)".into()
                } else {
                    list(path)
                }
            ));
            out.push_str(&format!(
                "sufficient: {}\n",
                if sufficient.is_empty() {
                    "(nothing: every case is decided so)".into()
                } else {
                    list(sufficient)
                }
            ));
            if let Some(w) = why_not {
                let target = &schema.outcomes[w.outcome];
                if w.nearest.is_empty() {
                    out.push_str(&format!(
                        "why not {target}: no case is decided `{target}`\n"
                    ));
                } else {
                    let k = w.nearest[0].0.len();
                    out.push_str(&format!(
                        "why not {target}: the nearest cases change {k} attribute{}\n",
                        if k == 1 { "" } else { "s" }
                    ));
                    for (changes, v) in &w.nearest {
                        let by = match v {
                            Verdict::Decided {
                                rules,
                                default: false,
                                ..
                            } if !rules.is_empty() => {
                                let ids: Vec<&str> =
                                    rules.iter().map(|&r| schema.rules[r].id.as_str()).collect();
                                format!(" (by {})", ids.join(", "))
                            }
                            Verdict::Decided { default: true, .. } => " (by default)".to_string(),
                            _ => String::new(),
                        };
                        out.push_str(&format!("  {}{by}\n", list(changes)));
                    }
                }
            }
        }
    }
    out
}
