//! `--order auto`: which orders are tried, and how long each is given.
//!
//! # Candidates
//!
//! The size of a decision diagram depends on its attribute order, at worst
//! exponentially: `x1 and y1 or x2 and y2 or …` needs `2^n` nodes with all
//! the `x`s above all the `y`s and `2n` with each `y` under its `x`. What
//! such policies have in common is that attributes compared *together*
//! (in one `and`, one `or`, one rule) should sit close, so that the diagram
//! never has to remember many half-finished comparisons at once.
//!
//! The first candidate orders the policy's *interaction graph*: a hyperedge
//! for every `and` and `or` of the rules' conditions, over the attributes
//! below it, weighted so that small groups pull harder than large ones.
//! It starts from the order in which the rules first mention the
//! attributes (depth first, in file order, which keeps the operands of
//! each operator together) and improves it by the FORCE heuristic (Aloul,
//! Markov and Sakallah, 2003): each attribute moves to the weighted mean
//! of the centres of its hyperedges, until the weighted span of the
//! hyperedges stops shrinking. Each pass is linear in the size of the
//! conditions, so even a policy of 100,000 rules orders in milliseconds.
//! Then come declaration order (SPEC: `auto` is never larger than it), the
//! first-mention order itself, most mentioned attributes first, fewest
//! cells first, and declaration order reversed; an order equal to an
//! earlier one is not tried twice.
//!
//! # Budgets
//!
//! The first candidate that compiles sets the bar: every later one is
//! given as budget the nodes the best compile so far made in all, and is
//! abandoned the moment it passes it — a candidate that needs more work
//! than the best one needed is not worth finishing. Declaration order is
//! the exception, as SPEC holds `auto` to it and the nodes a compile makes
//! on the way (each rule's condition, each intermediate diagram) are no
//! lower bound on the size it ends with: it gets four times the best's
//! work, and at least 100,000 nodes, so that below that `auto` is exactly
//! never larger. On the textbook case the exponential declaration order
//! still stops after 100,000 nodes instead of running to `--max-nodes`,
//! and the other candidates after a few hundred. Until some candidate has
//! compiled, each gets the whole budget; if neither the first candidate
//! nor declaration order fits it, the others are not tried, so a policy
//! too large for the budget fails in at most twice the time of one
//! compile rather than once per candidate.
//!
//! Of the diagrams that finish, the smallest is kept; on a tie, the
//! earlier in the preference order declaration, then the list above.

use super::{CompileError, Diagram, Options, build, cells_of};
use crate::check::{AttrId, Cond, Policy};

/// The most passes of the FORCE refinement; it usually settles in a few.
const MAX_PASSES: usize = 16;

/// Declaration order, when it comes after a candidate that compiled, gets
/// this many times the nodes that candidate made, and at least
/// [`DECLARATION_FLOOR`].
const DECLARATION_FACTOR: usize = 4;

/// The least budget declaration order gets (a few hundredths of a second
/// of compiling): below it, `auto` is exactly never larger than
/// declaration order.
const DECLARATION_FLOOR: usize = 100_000;

/// The most attribute entries the hyperedges may hold in all (each `and`
/// and `or` lists the attributes below it, so deep nesting multiplies
/// them). Past it the rest of the conditions add no hyperedges; the
/// first-mention order still covers them.
const MAX_EDGE_ENTRIES: usize = 1 << 22;

/// How one candidate of [`auto`] ended: what a test (or a curious reader)
/// can see of the search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tried {
    /// The order tried.
    pub order: Vec<AttrId>,
    /// The budget it was given.
    pub budget: usize,
    /// The nodes its manager made and the size of its diagram, or `None`
    /// when it passed the budget and was abandoned.
    pub made: Option<(usize, usize)>,
}

/// `--order auto`: see the module documentation.
pub(super) fn auto(policy: &Policy, options: &Options) -> Result<Diagram, CompileError> {
    auto_traced(policy, options, &mut Vec::new())
}

/// [`auto`], recording each candidate in `trace`.
pub(crate) fn auto_traced(
    policy: &Policy,
    options: &Options,
    trace: &mut Vec<Tried>,
) -> Result<Diagram, CompileError> {
    let n = policy.attributes.len();
    let declaration: Vec<AttrId> = (0..n).collect();
    let mut candidates: Vec<Vec<AttrId>> = Vec::new();
    let (first_mention, interaction) = interaction_order(policy);
    for order in [
        interaction,
        declaration.clone(),
        first_mention,
        by_mentions(policy),
        by_cells(policy),
        declaration.iter().rev().copied().collect(),
    ] {
        if !candidates.contains(&order) {
            candidates.push(order);
        }
    }
    // Ties go to declaration order, then to the earlier candidate.
    let preference = |i: usize, order: &[AttrId]| (order != declaration.as_slice(), i);
    let mut best: Option<(usize, (bool, usize), usize, Diagram)> = None;
    let mut first_error = None;
    for (i, order) in candidates.into_iter().enumerate() {
        if best.is_none() && i >= 2 {
            // Neither the first candidate nor declaration order fitted
            // the whole budget; the rest are not likely to.
            break;
        }
        let budget = match &best {
            // SPEC holds `auto` to declaration order, and a candidate's
            // intermediate nodes are no lower bound on its size: the
            // baseline gets room to finish unless it is clearly worse.
            Some((_, _, made, _)) if order == declaration => options.max_nodes.min(
                made.saturating_mul(DECLARATION_FACTOR)
                    .max(DECLARATION_FLOOR),
            ),
            Some((_, _, made, _)) => options.max_nodes.min(*made),
            None => options.max_nodes,
        };
        let rank = preference(i, &order);
        let attempt = build(
            policy,
            order.clone(),
            &Options {
                max_nodes: budget,
                ..options.clone()
            },
        );
        match attempt {
            Ok(d) => {
                let (size, made) = (d.size(), d.mdd.len());
                trace.push(Tried {
                    order,
                    budget,
                    made: Some((made, size)),
                });
                let better = best
                    .as_ref()
                    .is_none_or(|(s, r, _, _)| (size, rank) < (*s, *r));
                if better {
                    // It made at most the budget, so the bar never rises.
                    best = Some((size, rank, made, d));
                }
            }
            Err(e) => {
                trace.push(Tried {
                    order,
                    budget,
                    made: None,
                });
                if best.is_none() {
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    match best {
        Some((_, _, _, d)) => Ok(d),
        None => Err(first_error.expect("at least one order was tried")),
    }
}

/// The attributes by how many rules mention them, most first (ties in
/// declaration order).
fn by_mentions(policy: &Policy) -> Vec<AttrId> {
    let n = policy.attributes.len();
    // Each rule's attributes are listed once, not once per comparison of
    // the sort.
    let mut mentions = vec![0usize; n];
    for r in &policy.rules {
        for a in r.cond.attributes() {
            mentions[a] += 1;
        }
    }
    let mut order: Vec<AttrId> = (0..n).collect();
    order.sort_by_key(|&a| std::cmp::Reverse(mentions[a]));
    order
}

/// The attributes by how many cells their domains are cut into, fewest
/// first (ties in declaration order).
fn by_cells(policy: &Policy) -> Vec<AttrId> {
    let cells = cells_of(policy);
    let mut order: Vec<AttrId> = (0..policy.attributes.len()).collect();
    order.sort_by_key(|&a| cells[a].count());
    order
}

/// The rules' hypergraph: for each `and` and `or`, the distinct attributes
/// below it.
struct Hypergraph {
    /// The members of every edge, one after another.
    members: Vec<AttrId>,
    /// Where each edge's members start in `members` (and a last entry for
    /// the end).
    starts: Vec<usize>,
}

impl Hypergraph {
    fn edges(&self) -> impl Iterator<Item = &[AttrId]> {
        self.starts.windows(2).map(|w| &self.members[w[0]..w[1]])
    }
}

/// Collects the hyperedges below `c` and its attributes in order of first
/// mention; returns the distinct attributes of `c`, sorted. Recursive:
/// conditions nest at most `MAX_DEPTH` levels.
fn collect(
    c: &Cond,
    g: &mut Hypergraph,
    seen: &mut [bool],
    first: &mut Vec<AttrId>,
) -> Vec<AttrId> {
    match c {
        Cond::Const(_) => Vec::new(),
        Cond::Atom(a) => {
            if !std::mem::replace(&mut seen[a.attr], true) {
                first.push(a.attr);
            }
            vec![a.attr]
        }
        Cond::Not(c) => collect(c, g, seen, first),
        Cond::And(cs) | Cond::Or(cs) => {
            let mut all = Vec::new();
            for c in cs {
                all.extend(collect(c, g, seen, first));
            }
            all.sort_unstable();
            all.dedup();
            if all.len() >= 2 && g.members.len() + all.len() <= MAX_EDGE_ENTRIES {
                g.members.extend_from_slice(&all);
                g.starts.push(g.members.len());
            }
            all
        }
    }
}

/// The attributes in order of first mention by the rules (then the
/// unmentioned ones, in declaration order), and that order improved on
/// the interaction graph.
fn interaction_order(policy: &Policy) -> (Vec<AttrId>, Vec<AttrId>) {
    let n = policy.attributes.len();
    let mut g = Hypergraph {
        members: Vec::new(),
        starts: vec![0],
    };
    let mut seen = vec![false; n];
    let mut first = Vec::with_capacity(n);
    for r in &policy.rules {
        collect(&r.cond, &mut g, &mut seen, &mut first);
    }
    let mentioned = first.len();
    first.extend((0..n).filter(|&a| !seen[a]));
    let refined = force(&g, &first, mentioned);
    (first, refined)
}

/// The weighted span of the hyperedges under `pos`: what FORCE shrinks.
fn span(g: &Hypergraph, pos: &[f64]) -> f64 {
    g.edges()
        .map(|e| {
            let (lo, hi) = e.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &a| {
                (lo.min(pos[a]), hi.max(pos[a]))
            });
            (hi - lo) / (e.len() - 1) as f64
        })
        .sum()
}

/// FORCE from `start`, whose first `mentioned` attributes are the ones the
/// hyperedges can move (the rest stay last, in their order). Each pass
/// moves every attribute to the weighted mean of the centres of its
/// edges (an edge of `k` members weighs `1 / (k - 1)`), sorts, and is
/// kept only when it shrinks the weighted span.
fn force(g: &Hypergraph, start: &[AttrId], mentioned: usize) -> Vec<AttrId> {
    let n = start.len();
    let mut order = start.to_vec();
    let mut pos = vec![0f64; n];
    let place = |order: &[AttrId], pos: &mut [f64]| {
        for (i, &a) in order.iter().enumerate() {
            pos[a] = i as f64;
        }
    };
    place(&order, &mut pos);
    let mut best = span(g, &pos);
    let mut pull = vec![0f64; n];
    let mut weight = vec![0f64; n];
    let mut next: Vec<AttrId> = Vec::with_capacity(mentioned);
    let mut next_pos = vec![0f64; n];
    for _ in 0..MAX_PASSES {
        pull.fill(0.0);
        weight.fill(0.0);
        for e in g.edges() {
            let centre = e.iter().map(|&a| pos[a]).sum::<f64>() / e.len() as f64;
            let w = 1.0 / (e.len() - 1) as f64;
            for &a in e {
                pull[a] += w * centre;
                weight[a] += w;
            }
        }
        next.clear();
        next.extend_from_slice(&order[..mentioned]);
        let target = |a: AttrId| {
            if weight[a] > 0.0 {
                pull[a] / weight[a]
            } else {
                pos[a]
            }
        };
        // Ties keep the order they had, so a settled order is a fixed
        // point.
        next.sort_by(|&a, &b| {
            target(a)
                .total_cmp(&target(b))
                .then(pos[a].total_cmp(&pos[b]))
        });
        next.extend_from_slice(&order[mentioned..]);
        place(&next, &mut next_pos);
        let s = span(g, &next_pos);
        if s >= best {
            break;
        }
        best = s;
        std::mem::swap(&mut order, &mut next);
        std::mem::swap(&mut pos, &mut next_pos);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Policy {
        let mut map = crate::source::SourceMap::new();
        let r = crate::api::check_source(&mut map, "t.policy", text);
        r.policy.unwrap_or_else(|| panic!("{:?}", r.diagnostics))
    }

    /// `x1 and y1 or … or xn and yn`, declared with every `x` first.
    fn textbook(n: usize) -> Policy {
        let mut text = String::from("policy t\n");
        for v in ["x", "y"] {
            for i in 1..=n {
                text += &format!("attribute {v}{i}: bool\n");
            }
        }
        let terms: Vec<String> = (1..=n).map(|i| format!("x{i} and y{i}")).collect();
        text += &format!(
            "decision o: {{ yes }}\nwhen {} then yes\n",
            terms.join(" or ")
        );
        policy(&text)
    }

    #[test]
    fn the_textbook_case_gets_the_interleaved_order() {
        let n = 12;
        let p = textbook(n);
        let options = Options {
            order: super::super::Order::Auto,
            ..Options::default()
        };
        let d = super::super::compile(&p, &options).unwrap();
        let interleaved: Vec<AttrId> = (0..n).flat_map(|i| [i, n + i]).collect();
        assert_eq!(d.order, interleaved);
        // One node per attribute and the two leaves, where declaration
        // order needs 2^(n+1).
        assert_eq!(d.size(), 2 * n + 2);
        let declaration = super::super::compile(&p, &Options::default()).unwrap();
        assert_eq!(declaration.size(), 1 << (n + 1));
    }

    #[test]
    fn a_candidate_is_abandoned_once_it_passes_the_best() {
        let p = textbook(12);
        let mut trace = Vec::new();
        let d = auto_traced(&p, &Options::default(), &mut trace).unwrap();
        let (made, size) = trace[0].made.expect("the interleaved order compiles");
        assert_eq!(size, d.size());
        assert!(made < 1_000, "{made}");
        // Declaration order comes second, with room to finish (SPEC holds
        // `auto` to it), and is larger.
        assert_eq!(trace[1].order, (0..24).collect::<Vec<_>>());
        assert_eq!(trace[1].budget, DECLARATION_FLOOR);
        assert_eq!(trace[1].made.map(|(_, size)| size), Some(1 << 13));
        // The others get the first one's work as their budget.
        assert!(trace.len() > 2);
        for t in &trace[2..] {
            assert_eq!(t.budget, made, "{t:?}");
        }
        // With a budget declaration order cannot finish within, it is
        // abandoned as soon as it passes it.
        let mut trace = Vec::new();
        let p = textbook(18);
        auto_traced(&p, &Options::default(), &mut trace).unwrap();
        assert_eq!(trace[1].budget, DECLARATION_FLOOR);
        assert_eq!(trace[1].made, None);
    }

    #[test]
    fn a_policy_too_large_for_every_order_fails_after_two_tries() {
        let p = textbook(12);
        let mut trace = Vec::new();
        let options = Options {
            max_nodes: 20,
            ..Options::default()
        };
        let e = auto_traced(&p, &options, &mut trace).unwrap_err();
        assert!(matches!(
            e,
            CompileError::TooLarge {
                budget: crate::compile::BudgetExceeded::Nodes { max_nodes: 20 },
                ..
            }
        ));
        assert_eq!(trace.len(), 2, "{trace:?}");
        assert!(trace.iter().all(|t| t.made.is_none() && t.budget == 20));
    }

    #[test]
    fn never_larger_than_declaration_order() {
        // Declared interleaved, which is best, while the first rule
        // mentions every `x` before any `y`.
        let n = 8;
        let mut text = String::from("policy t\n");
        for i in 1..=n {
            text += &format!("attribute x{i}: bool\nattribute y{i}: bool\n");
        }
        let xs: Vec<String> = (1..=n).map(|i| format!("x{i}")).collect();
        let terms: Vec<String> = (1..=n).map(|i| format!("x{i} and y{i}")).collect();
        text += &format!(
            "decision o: {{ yes, no }}\nresolve first\nwhen {} then no\nwhen {} then yes\n",
            xs.join(" and "),
            terms.join(" or ")
        );
        let p = policy(&text);
        let auto = super::super::compile(
            &p,
            &Options {
                order: super::super::Order::Auto,
                ..Options::default()
            },
        )
        .unwrap();
        let declaration = super::super::compile(&p, &Options::default()).unwrap();
        assert!(auto.size() <= declaration.size());
        // Linear in declaration order, where every `x` first is exponential.
        assert!(declaration.size() < 8 * n, "{}", declaration.size());
    }

    #[test]
    fn force_pulls_an_attribute_towards_its_group() {
        // `b` first appears far from `a`, the only attribute it is ever
        // compared with; the refinement brings it next to `a`.
        let p = policy(
            "policy t\nattribute a: bool\nattribute b: bool\nattribute c: bool\nattribute d: bool\n\
             attribute e: bool\ndecision o: { y }\nresolve first\n\
             when a and c and d and e then y\nwhen c and d and e then y\nwhen d and e then y\n\
             when a and b then y\n",
        );
        let (first, refined) = interaction_order(&p);
        assert_eq!(first, vec![0, 2, 3, 4, 1]);
        let at = |a: AttrId| refined.iter().position(|&x| x == a).unwrap();
        assert_eq!(at(0).abs_diff(at(1)), 1, "{refined:?}");
    }
}
