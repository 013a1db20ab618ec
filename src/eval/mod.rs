//! Evaluation: cases in, verdicts with explanations out (SPEC section 6,
//! `eval`).
//!
//! # Engines
//!
//! An [`Evaluator`] decides on one of two engines, and evaluates a policy
//! and its compiled JSON alike:
//!
//! * **The diagram**, laid out read-only ([`flat::Flat`]): a complete case
//!   is one walk from the root; its path is that walk; its sufficient
//!   reason and its `--why-not` are further walks ([`reason`], `nearest`)
//!   over the same nodes. Nothing is created, so the compile budget is
//!   never charged and any number of threads can share the evaluator.
//! * **The rule index** ([`RuleIndex`]), for policies whose diagram is too
//!   large. It decides complete cases in time linear in the policy; when a
//!   diagram of the outcomes alone fits its budget, reasons and `--why-not`
//!   are read off it (so both engines give the same smallest reason);
//!   otherwise the reason is made subset-minimal greedily, each check
//!   folding only the rules the known values leave possible over only the
//!   cases that agree with them. The index has no path.
//!
//! # Partial cases
//!
//! A case that leaves attributes out is *restricted*: the diagram's
//! reachable part with every known attribute's test replaced by its
//! branch, rebuilt reduced in a scratch manager of its own (never larger
//! than the diagram, so it cannot run out of room; the index engine first
//! folds the rules the known values leave possible, within its own
//! budget). The restricted diagram is the verdict as a function of the
//! missing attributes. Mapped to outcomes, a single leaf means the outcome
//! is fixed: the case is decided, explained by the rules that explain
//! every completion, and the attributes the explanation still depends on
//! are named. Otherwise the case is undetermined, with the missing
//! attributes the outcome depends on and the outcomes still possible.
//!
//! # `--why-not`
//!
//! The nearest cases with another outcome come from a shortest-path
//! computation over the diagram, where following a branch that holds the
//! case's own value is free and any other branch costs one changed
//! attribute.

pub mod flat;
pub mod reason;

pub use reason::Minimality;

use crate::check::{AttrId, OutcomeId, Policy, RuleId};
use crate::compile::mdd::{Mdd, NodeId, Run};
use crate::compile::{self, Cells, Diagram, Fold};
use crate::semantics::index::{self, RuleIndex};
use crate::semantics::{Value, Verdict};
use flat::{Flat, LEAF, Ref, code, outcome_of_code};
use reason::{ReasonScratch, UNKNOWN};

/// The node budget of each check of the index engine's greedy reason: a
/// check past it keeps the value (the reason stays sufficient), so a wide
/// policy never stalls a decision.
pub const REASON_CHECK_BUDGET: usize = 10_000;

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
    /// The outcome is fixed by the values given.
    Decided {
        /// The verdict. For a partial case whose explaining rules vary with
        /// the missing attributes, the rules that explain every completion
        /// (and `default` only when every completion is decided by it).
        verdict: Verdict,
        /// The tests taken, with the case's values, root first; `None` on
        /// the rule index, which takes no path. At a missing attribute the
        /// walk follows the first branch.
        path: Option<Vec<(AttrId, Value)>>,
        /// A set of the case's values that alone fixes the outcome.
        sufficient: Vec<(AttrId, Value)>,
        /// Whether `sufficient` is known to be smallest.
        minimality: Minimality,
        /// The missing attributes the explaining rules (not the outcome)
        /// still depend on; empty for a complete case.
        depends_on: Vec<AttrId>,
        /// With `--why-not`: the nearest cases with that outcome.
        why_not: Option<WhyNot>,
    },
    /// Missing attributes still matter to the outcome.
    Undetermined {
        /// The missing attributes the outcome depends on.
        needs: Vec<AttrId>,
        /// The outcomes that remain possible (`None`: undecided), ascending.
        possible: Vec<Option<OutcomeId>>,
    },
}

/// Why a case could not be evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// The index engine's scratch diagram for a partial case passed its
    /// budget.
    PartialTooLarge {
        /// Which budget was reached.
        budget: compile::BudgetExceeded,
    },
    /// `--why-not` on the index engine without a diagram of the outcomes.
    WhyNotWithoutDiagram,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::PartialTooLarge { budget } => write!(
                f,
                "this partial case needs a diagram over its missing attributes that grew {budget} \
                 (its own budget, `--max-nodes` and `--max-memory`); give more of the case's \
                 attributes"
            ),
            EvalError::WhyNotWithoutDiagram => write!(
                f,
                "`--why-not` searches a decision diagram, and this policy's diagram exceeds its \
                 budget even without explaining rules; raise `--max-nodes`"
            ),
        }
    }
}

impl std::error::Error for EvalError {}

/// What an [`Evaluator`] decides with.
enum Kind<'a> {
    Diagram {
        flat: Flat,
        /// The same diagram with outcomes alone in its leaves, reduced:
        /// reasons and `--why-not` distances are read off it, so that
        /// every engine and form, whose diagrams of outcomes are the same
        /// canonical diagram, gives the same answers.
        reasons: Flat,
    },
    Index {
        policy: &'a Policy,
        index: &'a RuleIndex,
        /// The diagram of outcomes, when it fits: reasons and `--why-not`.
        reasons: Option<Flat>,
        /// The policy's cells, for the folds of partial cases and reasons.
        cells: Vec<Cells>,
        /// Each rule's product, for cheap refutations.
        products: Vec<Option<index::Product>>,
        budget: compile::Budget,
    },
}

/// Evaluates cases on one engine; shareable between threads, each with its
/// own [`Scratch`].
pub struct Evaluator<'a> {
    kind: Kind<'a>,
    outcomes: usize,
    attributes: usize,
}

/// Per-thread working memory of an [`Evaluator`]: once it has served a few
/// cases it stops growing, and a complete case on the diagram allocates
/// only its result.
#[derive(Default)]
pub struct Scratch {
    cells: Vec<u32>,
    reason: ReasonScratch,
    index: index::Scratch,
    full: Vec<Value>,
    /// The manager partial cases are restricted (or folded) into.
    partial: Option<Diagram>,
    memo: Vec<NodeId>,
    memo_stamp: Vec<u32>,
    epoch: u32,
    cost: Vec<u32>,
    possible: Vec<RuleId>,
    /// The stacks of the walks below: their frames and the runs of the
    /// nodes they are building, kept for their capacity.
    restrict_frames: Vec<RestrictFrame>,
    runs: Vec<Run>,
    distance_frames: Vec<DistanceFrame>,
    nearest_frames: Vec<NearestFrame>,
}

impl Scratch {
    fn next_epoch(&mut self, nodes: usize) {
        if self.memo_stamp.len() < nodes {
            self.memo_stamp.resize(nodes, 0);
            self.memo.resize(nodes, 0);
            self.cost.resize(nodes, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.memo_stamp.fill(0);
            self.epoch = 1;
        }
    }
}

impl Evaluator<'static> {
    /// An evaluator on a compiled diagram (of a policy, or read back from
    /// JSON) whose decision has `outcomes` outcomes.
    pub fn on_diagram(d: &Diagram, outcomes: usize) -> Evaluator<'static> {
        Evaluator {
            kind: Kind::Diagram {
                flat: Flat::new(d, outcomes),
                reasons: outcome_flat(d, outcomes),
            },
            outcomes,
            attributes: d.cells.len(),
        }
    }
}

impl<'a> Evaluator<'a> {
    /// An evaluator on the rule index of `policy`. `outcomes_diagram`, a
    /// diagram of the policy compiled with `outcomes_only` (when it fits),
    /// gives smallest reasons and `--why-not`; `budget` (nodes, or a
    /// [`compile::Budget`] of nodes and bytes) bounds the scratch diagrams
    /// of partial cases and of reasons without it.
    pub fn on_index(
        policy: &'a Policy,
        index: &'a RuleIndex,
        outcomes_diagram: Option<&Diagram>,
        budget: impl Into<compile::Budget>,
    ) -> Evaluator<'a> {
        let budget = budget.into();
        let outcomes = policy.decision.outcomes.len();
        Evaluator {
            kind: Kind::Index {
                policy,
                index,
                reasons: outcomes_diagram.map(|d| outcome_flat(d, outcomes)),
                cells: compile::cells_of(policy),
                products: index::products(policy),
                budget,
            },
            outcomes,
            attributes: policy.attributes.len(),
        }
    }

    /// Whether this evaluator decides on the rule index.
    pub fn is_index(&self) -> bool {
        matches!(self.kind, Kind::Index { .. })
    }

    /// Evaluates one case: `case[i]` is the value of attribute `i`, or
    /// `None` when the case leaves it out.
    pub fn evaluate(
        &self,
        case: &[Option<Value>],
        why_not: Option<OutcomeId>,
        s: &mut Scratch,
    ) -> Result<Evaluation, EvalError> {
        debug_assert_eq!(case.len(), self.attributes);
        let complete = case.iter().all(Option::is_some);
        match &self.kind {
            Kind::Diagram { flat, reasons } => {
                cells_of(flat, case, &mut s.cells);
                let (verdict, depends_on) = if complete {
                    let leaf = flat.leaf_of_cells(&s.cells);
                    (flat.verdict(leaf).clone(), Vec::new())
                } else {
                    match self.partial(flat, case, s)? {
                        Ok(x) => x,
                        Err(undetermined) => return Ok(*undetermined),
                    }
                };
                let o = code(&verdict, self.outcomes);
                let path = Some(walk(flat, case, &s.cells));
                cells_of(reasons, case, &mut s.cells);
                let (set, minimality) = reason::sufficient(reasons, &s.cells, o, &mut s.reason)
                    .expect("a decided case's outcome is fixed by its own values");
                Ok(Evaluation::Decided {
                    verdict,
                    path,
                    sufficient: with_values(&set, case),
                    minimality,
                    depends_on,
                    why_not: why_not
                        .map(|t| nearest(reasons, case, t, s, &mut |y, _| flat.decide(y).clone())),
                })
            }
            Kind::Index {
                policy,
                index,
                reasons,
                cells,
                products,
                budget,
            } => {
                let (verdict, depends_on) = if complete {
                    s.full.clear();
                    s.full.extend(case.iter().map(|v| v.unwrap_or(0)));
                    let full = std::mem::take(&mut s.full);
                    let v = index.decide_into(&full, &mut s.index);
                    s.full = full;
                    (v, Vec::new())
                } else {
                    let residual = self.residual(policy, index, cells, case, *budget, s)?;
                    match self.partial(&residual, case, s)? {
                        Ok(x) => x,
                        Err(undetermined) => return Ok(*undetermined),
                    }
                };
                let o = code(&verdict, self.outcomes);
                let (sufficient, minimality) = match reasons {
                    Some(flat) => {
                        cells_of(flat, case, &mut s.cells);
                        reason::sufficient(flat, &s.cells, o, &mut s.reason)
                            .expect("the outcome is fixed on every engine alike")
                    }
                    None => self.index_reason(policy, index, cells, products, case, o, *budget, s),
                };
                let why_not = match (why_not, reasons) {
                    (None, _) => None,
                    (Some(_), None) => return Err(EvalError::WhyNotWithoutDiagram),
                    (Some(target), Some(flat)) => {
                        cells_of(flat, case, &mut s.cells);
                        // The diagram has outcomes only: the rules come
                        // from the index, on the nearest case itself.
                        Some(nearest(flat, case, target, s, &mut |y, s| {
                            index.decide_into(y, &mut s.index)
                        }))
                    }
                };
                Ok(Evaluation::Decided {
                    verdict,
                    path: None,
                    sufficient: with_values(&sufficient, case),
                    minimality,
                    depends_on,
                    why_not,
                })
            }
        }
    }

    /// Restricts `flat` to the known values of `case` (already in
    /// `s.cells`): `Ok(Ok((verdict, depends_on)))` when the outcome is
    /// fixed, `Ok(Err(undetermined))` otherwise.
    #[allow(clippy::type_complexity)]
    fn partial(
        &self,
        flat: &Flat,
        case: &[Option<Value>],
        s: &mut Scratch,
    ) -> Result<Result<(Verdict, Vec<AttrId>), Box<Evaluation>>, EvalError> {
        cells_of(flat, case, &mut s.cells);
        let mut level_of = vec![0u32; flat.cells.len()];
        for (l, &a) in flat.order.iter().enumerate() {
            level_of[a] = l as u32;
        }
        // Restriction never grows a reduced diagram, and mapping leaves to
        // outcomes never grows it either: this budget cannot be reached
        // (its bytes are bounded by the diagram's, already paid for).
        let budget = compile::Budget {
            max_nodes: 2 * (flat.len() + flat.verdicts.len()) + 8,
            max_bytes: usize::MAX,
        };
        let counts: Vec<u32> = flat.order.iter().map(|&a| flat.cells[a].count()).collect();
        let mut d = match s.partial.take() {
            Some(mut d)
                if d.mdd.cells() == counts.as_slice() && d.mdd.max_nodes() >= budget.max_nodes =>
            {
                d.mdd.clear();
                d
            }
            _ => Diagram::empty(flat.order.clone(), flat.cells.clone(), budget, false),
        };
        s.next_epoch(flat.len());
        let r = restrict(flat, flat.root, &level_of, s, &mut d);
        let result = r.map(|root| self.read_partial(flat, &d, root));
        s.partial = Some(d);
        result.map_err(|budget| EvalError::PartialTooLarge { budget })
    }

    /// Reads the restricted diagram (leaves: indices of `flat`'s verdicts).
    #[allow(clippy::type_complexity)]
    fn read_partial(
        &self,
        flat: &Flat,
        d: &Diagram,
        root: NodeId,
    ) -> Result<(Verdict, Vec<AttrId>), Box<Evaluation>> {
        if let Some(p) = d.mdd.payload(root) {
            return Ok((flat.verdicts[p as usize].clone(), Vec::new()));
        }
        let tested = |m: &Mdd, nodes: &[NodeId]| -> Vec<AttrId> {
            let mut v: Vec<AttrId> = nodes
                .iter()
                .filter(|&&n| m.payload(n).is_none())
                .map(|&n| d.order[m.level(n) as usize])
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let reachable = d.mdd.reachable(root);
        let leaves: Vec<u32> = reachable.iter().filter_map(|&n| d.mdd.payload(n)).collect();
        let mut codes: Vec<u32> = leaves.iter().map(|&p| flat.codes[p as usize]).collect();
        codes.sort_unstable();
        codes.dedup();
        if codes.len() == 1 {
            // The outcome is fixed; the explaining rules vary.
            let verdicts: Vec<&Verdict> =
                leaves.iter().map(|&p| &flat.verdicts[p as usize]).collect();
            return Ok((common(&verdicts), tested(&d.mdd, &reachable)));
        }
        // The missing attributes the outcome depends on are those the
        // restricted diagram, mapped to outcomes and reduced, still tests.
        let mut m = Mdd::new(d.mdd.cells().to_vec(), 2 * reachable.len() + 8);
        let mut memo = std::collections::HashMap::new();
        let to_code = |p: u32| flat.codes[p as usize];
        let needs = match copy_mapped(d, &mut m, root, &to_code, &mut memo) {
            Ok(o) => tested(&m, &m.reachable(o)),
            // Not reachable: the copy is never larger than the original.
            Err(_) => tested(&d.mdd, &reachable),
        };
        let mut possible: Vec<Option<OutcomeId>> = codes
            .iter()
            .map(|&c| outcome_of_code(c, self.outcomes))
            .collect();
        possible.sort_unstable();
        possible.dedup();
        Err(Box::new(Evaluation::Undetermined { needs, possible }))
    }

    /// The policy's rules that the known values leave possible, folded over
    /// the cases that agree with them, as a read-only diagram.
    fn residual(
        &self,
        policy: &Policy,
        index: &RuleIndex,
        cells: &[Cells],
        case: &[Option<Value>],
        budget: compile::Budget,
        s: &mut Scratch,
    ) -> Result<Flat, EvalError> {
        let mut d = fresh_manager(s.partial.take(), policy, cells, budget);
        let r = fold_within(policy, index, case, &mut d);
        let out = r.map(|root| Flat::from_root(&d, root, self.outcomes));
        s.partial = Some(d);
        out.map_err(|e| EvalError::PartialTooLarge {
            budget: *e.budget(),
        })
    }

    /// A subset-minimal reason on the index engine, without a diagram of
    /// the whole policy: each check folds only the rules the kept values
    /// leave possible, over the cases that agree with them.
    #[allow(clippy::too_many_arguments)]
    fn index_reason(
        &self,
        policy: &Policy,
        index: &RuleIndex,
        cells: &[Cells],
        products: &[Option<index::Product>],
        case: &[Option<Value>],
        o: u32,
        budget: compile::Budget,
        s: &mut Scratch,
    ) -> (Vec<AttrId>, Minimality) {
        let mut trial: Vec<Option<Value>> = case.to_vec();
        let mut exact = true;
        let mut d = fresh_manager(
            s.partial.take(),
            policy,
            cells,
            compile::Budget {
                max_nodes: budget.max_nodes.min(REASON_CHECK_BUDGET),
                ..budget
            },
        );
        for a in (0..case.len()).rev() {
            if trial[a].is_none() {
                continue;
            }
            let kept = trial[a].take();
            let known = fixed_by_rules(policy, index, &trial, o, &mut s.possible).or_else(|| {
                // A case that agrees and is decided otherwise settles it.
                let Scratch {
                    possible, index: x, ..
                } = &mut *s;
                let c = (cells, a);
                other_case(policy, index, products, case, &trial, o, possible, x, c)
                    .then_some(false)
            });
            if let Some(fixed) = known {
                if !fixed {
                    trial[a] = kept;
                }
                continue;
            }
            d.reset();
            let fixed = match fold_within(policy, index, &trial, &mut d) {
                Ok(root) => {
                    let codes = leaf_codes(&d, root, self.outcomes);
                    codes.iter().all(|&c| c == o)
                }
                Err(_) => {
                    // Unknown: keep the value, so the reason stays
                    // sufficient, though perhaps not minimal.
                    exact = false;
                    false
                }
            };
            if !fixed {
                trial[a] = kept;
            }
        }
        s.partial = Some(d);
        let set = (0..case.len()).filter(|&a| trial[a].is_some()).collect();
        let how = if exact {
            Minimality::Subset
        } else {
            Minimality::Sufficient
        };
        (set, how)
    }
}

/// Whether one of a few cases that agree with the known values of `trial`
/// is decided other than outcome code `o`: the full `case` with only the
/// value just dropped (`dropped`: its cells, and the attribute) changed,
/// with the missing values moved into the cases of a possible rule of
/// another outcome, or shifted value by value. A cheap refutation before a
/// fold.
#[allow(clippy::too_many_arguments)]
fn other_case(
    policy: &Policy,
    index: &RuleIndex,
    products: &[Option<index::Product>],
    case: &[Option<Value>],
    trial: &[Option<Value>],
    o: u32,
    possible: &[RuleId],
    scratch: &mut index::Scratch,
    (cells, dropped): (&[Cells], AttrId),
) -> bool {
    let outcomes = policy.decision.outcomes.len();
    let base: Vec<Value> = case.iter().map(|v| v.unwrap_or(0)).collect();
    let mut y = base.clone();
    let differs = |y: &[Value], scratch: &mut index::Scratch| {
        code(&index.decide_into(y, scratch), outcomes) != o
    };
    // The value just dropped is the one most likely to matter: the cells
    // nearest its own, and the first and last.
    let cut = &cells[dropped];
    let own = cut.cell_of(base[dropped]).unwrap_or(0);
    let last = cut.count() - 1;
    let near = (1..=4u32).flat_map(|k| [own.checked_sub(k), own.checked_add(k)]);
    for c in [Some(0), Some(last)].into_iter().chain(near).flatten() {
        if c != own && c <= last {
            y[dropped] = cut.interval(c).0;
            if differs(&y, scratch) {
                return true;
            }
        }
    }
    y[dropped] = base[dropped];
    for &r in possible
        .iter()
        .filter(|&&r| Some(policy.rules[r].outcome) != outcome_of_code(o, outcomes))
        .take(8)
    {
        let Some(product) = &products[r] else {
            continue;
        };
        y.copy_from_slice(&base);
        for (a, ranges) in product {
            if trial[*a].is_none() && !ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&y[*a])) {
                y[*a] = ranges[0].0;
            }
        }
        if differs(&y, scratch) {
            return true;
        }
    }
    for shift in 1..=4i64 {
        for (a, attr) in policy.attributes.iter().enumerate() {
            if trial[a].is_none() {
                let (lo, hi) = match attr.domain {
                    crate::check::Domain::Enum { ref values, .. } => (0, values.len() as i64 - 1),
                    crate::check::Domain::Bool => (0, 1),
                    crate::check::Domain::Int { lo, hi } => (lo, hi),
                };
                let span = hi as i128 - lo as i128 + 1;
                y[a] = (lo as i128
                    + (base[a] as i128 - lo as i128 + shift as i128).rem_euclid(span))
                    as i64;
            } else {
                y[a] = base[a];
            }
        }
        if differs(&y, scratch) {
            return true;
        }
    }
    false
}

/// Whether outcome code `o` is fixed for every case agreeing with the known
/// values of `trial`, read off the rules those values leave possible, when
/// that is decidable without combining rules: a policy of exact products
/// without `overrides` under `resolve priority` (or with rules of one
/// outcome). `None` when the answer needs a fold (whether some rules'
/// cases cover others').
fn fixed_by_rules(
    policy: &Policy,
    index: &RuleIndex,
    trial: &[Option<Value>],
    o: u32,
    possible: &mut Vec<RuleId>,
) -> Option<bool> {
    use crate::check::{Default as Dflt, Resolve};
    if !index.is_exact() {
        return None;
    }
    let outcomes = policy.decision.outcomes.len();
    let rank: Vec<usize> = match &policy.resolve {
        Resolve::Priority(list) => {
            let mut rank = vec![0; outcomes];
            for (i, &x) in list.iter().enumerate() {
                // Lower is stronger.
                rank[x] = i;
            }
            rank
        }
        // Without a ranking, only a policy whose possible rules agree can
        // be read off them (below).
        _ => Vec::new(),
    };
    index.possible_into(trial, possible);
    let default = match policy.default {
        Dflt::Outcome(d) => Some(d),
        _ => None,
    };
    let Some(target) = outcome_of_code(o, outcomes) else {
        // Undecided (or a conflict): fixed exactly when no rule can match
        // and no default decides.
        return (o == 0 && default.is_none()).then_some(possible.is_empty());
    };
    let certain = |r: RuleId| {
        policy.rules[r]
            .cond
            .attributes()
            .iter()
            .all(|&a| trial[a].is_some())
    };
    let out = |r: RuleId| policy.rules[r].outcome;
    if rank.is_empty() {
        // `first` or `strict`: only the plain case where every possible
        // rule gives the target and a certain one exists (or the default
        // gives it).
        if possible.iter().any(|&r| out(r) != target) {
            return None;
        }
        if possible.iter().any(|&r| certain(r)) || default == Some(target) {
            return Some(true);
        }
        return None;
    }
    // A possible rule of a stronger outcome decides some agreeing case.
    if possible.iter().any(|&r| rank[out(r)] < rank[target]) {
        return Some(false);
    }
    // A rule of the target that matches every agreeing case: nothing
    // stronger can match, so the target wins everywhere.
    if possible.iter().any(|&r| out(r) == target && certain(r)) {
        return Some(true);
    }
    let weaker = possible.iter().any(|&r| rank[out(r)] > rank[target]);
    let same = possible.iter().any(|&r| out(r) == target);
    if default == Some(target) {
        // A weaker rule's cases must all be covered by target rules.
        return match (weaker, same) {
            (false, _) => Some(true),
            (true, false) => Some(false),
            (true, true) => None,
        };
    }
    // Otherwise every agreeing case must match a target rule.
    if !same {
        return Some(false);
    }
    None
}

/// The diagram of `d` with each leaf's verdict replaced by its outcome
/// alone, reduced: a canonical diagram of the outcome function for `d`'s
/// order, whichever way `d` was made.
fn outcome_flat(d: &Diagram, outcomes: usize) -> Flat {
    // The copy is never larger than `d`, whose memory is paid for.
    let unbounded = compile::Budget {
        max_nodes: usize::MAX,
        max_bytes: usize::MAX,
    };
    let mut out = Diagram::empty(d.order.clone(), d.cells.clone(), unbounded, true);
    out.verdicts = (0..=outcomes + 1)
        .map(|c| match c {
            0 => Verdict::Undecided,
            c if c <= outcomes => Verdict::Decided {
                outcome: c - 1,
                rules: Vec::new(),
                default: false,
            },
            _ => Verdict::Conflict { rules: Vec::new() },
        })
        .collect();
    let mut memo = std::collections::HashMap::new();
    let to_code = |p: u32| {
        code(
            d.verdicts.get(p as usize).unwrap_or(&Verdict::Undecided),
            outcomes,
        )
    };
    out.root =
        copy_mapped(d, &mut out.mdd, d.root, &to_code, &mut memo).expect("the copy has no budget");
    Flat::new(&out, outcomes)
}

/// Copies node `n` of `d`'s manager into `m`, each leaf payload `p`
/// becoming `leaf(p)`: reduced in `m`, so leaves that become equal merge.
/// Depth first, children in cell order, on an explicit stack.
fn copy_mapped(
    d: &Diagram,
    m: &mut Mdd,
    n: NodeId,
    leaf: &dyn Fn(u32) -> u32,
    memo: &mut std::collections::HashMap<NodeId, NodeId>,
) -> Result<NodeId, crate::compile::mdd::BudgetExceeded> {
    // A node being copied: the next of its runs, and where its copied runs
    // start in `runs`.
    let mut frames: Vec<(NodeId, usize, usize)> = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut enter = n;
    loop {
        let mut r = if let Some(p) = d.mdd.payload(enter) {
            m.leaf(leaf(p))?
        } else if let Some(&r) = memo.get(&enter) {
            r
        } else {
            frames.push((enter, 1, runs.len()));
            enter = d.mdd.runs(enter)[0].child;
            continue;
        };
        // Hand `r` to the node waiting for it, finishing every node whose
        // last child it completes.
        loop {
            let Some(&mut (node, ref mut next, start)) = frames.last_mut() else {
                return Ok(r);
            };
            let node_runs = d.mdd.runs(node);
            runs.push(Run {
                end: node_runs[*next - 1].end,
                child: r,
            });
            if let Some(run) = node_runs.get(*next) {
                *next += 1;
                enter = run.child;
                break;
            }
            r = m.node(d.mdd.level(node), &runs[start..])?;
            runs.truncate(start);
            memo.insert(node, r);
            frames.pop();
        }
    }
}

/// A manager over the policy's attributes in declaration order, reused
/// from `old` when it has the same cells.
fn fresh_manager(
    old: Option<Diagram>,
    policy: &Policy,
    cells: &[Cells],
    budget: compile::Budget,
) -> Diagram {
    match old {
        Some(mut d)
            if d.cells == cells && d.mdd.budget() == budget && d.order.len() == cells.len() =>
        {
            d.reset();
            d
        }
        _ => Diagram::empty(
            (0..policy.attributes.len()).collect(),
            cells.to_vec(),
            budget,
            false,
        ),
    }
}

/// Folds the rules the known values of `case` leave possible into `d`,
/// within the cases that agree with those values.
fn fold_within(
    policy: &Policy,
    index: &RuleIndex,
    case: &[Option<Value>],
    d: &mut Diagram,
) -> Result<NodeId, compile::CompileError> {
    let too_large = |e| compile::CompileError::too_large(e, 0, policy);
    let mut cube = d.mdd.leaf(1).map_err(too_large)?;
    let no = d.mdd.leaf(0).map_err(too_large)?;
    for level in (0..d.order.len()).rev() {
        let a = d.order[level];
        if let Some(v) = case[a]
            && let Some(c) = d.cells[a].cell_of(v)
        {
            cube = d
                .mdd
                .split(level as u32, &[(c, c)], cube, no)
                .map_err(too_large)?;
        }
    }
    let only: Vec<RuleId> = index.possible(case);
    compile::fold(
        d,
        policy,
        &Fold {
            only: Some(&only),
            within: Some(cube),
            ..Fold::default()
        },
    )
}

/// The outcome codes of the leaves below `root`, ignoring the cases
/// outside a fold's region.
fn leaf_codes(d: &Diagram, root: NodeId, outcomes: usize) -> Vec<u32> {
    d.mdd
        .reachable(root)
        .into_iter()
        .filter_map(|n| d.mdd.payload(n))
        .filter(|&p| p != compile::OUTSIDE)
        .map(|p| code(&d.verdicts[p as usize], outcomes))
        .collect()
}

/// What every verdict of a fixed outcome shares: the outcome, the rules in
/// all of them, and `default` when all are by default.
fn common(leaves: &[&Verdict]) -> Verdict {
    match leaves[0] {
        Verdict::Undecided => Verdict::Undecided,
        Verdict::Decided { outcome, .. } => {
            let mut rules: Option<Vec<RuleId>> = None;
            let mut default = true;
            for v in leaves {
                if let Verdict::Decided {
                    rules: rs,
                    default: d,
                    ..
                } = v
                {
                    default &= *d;
                    rules = Some(match rules {
                        None => rs.clone(),
                        Some(acc) => acc.into_iter().filter(|r| rs.contains(r)).collect(),
                    });
                }
            }
            Verdict::Decided {
                outcome: *outcome,
                rules: rules.unwrap_or_default(),
                default,
            }
        }
        Verdict::Conflict { .. } => {
            let mut rules: Option<Vec<RuleId>> = None;
            for v in leaves {
                if let Verdict::Conflict { rules: rs } = v {
                    rules = Some(match rules {
                        None => rs.clone(),
                        Some(acc) => acc.into_iter().filter(|r| rs.contains(r)).collect(),
                    });
                }
            }
            Verdict::Conflict {
                rules: rules.unwrap_or_default(),
            }
        }
    }
}

/// Each attribute's cell for `case` on `flat` ([`UNKNOWN`] when missing).
fn cells_of(flat: &Flat, case: &[Option<Value>], out: &mut Vec<u32>) {
    out.clear();
    out.extend(flat.cells.iter().zip(case).map(|(c, v)| match v {
        Some(v) => c.cell_of(*v).unwrap_or(0),
        None => UNKNOWN,
    }));
}

fn with_values(set: &[AttrId], case: &[Option<Value>]) -> Vec<(AttrId, Value)> {
    set.iter()
        .map(|&a| (a, case[a].expect("reasons hold only given values")))
        .collect()
}

/// The tests taken: the case's own branch at every known attribute, the
/// first branch at a missing one (which, for a decided case, leads to the
/// same outcome).
fn walk(flat: &Flat, case: &[Option<Value>], cells: &[u32]) -> Vec<(AttrId, Value)> {
    let mut path = Vec::new();
    let mut n = flat.root;
    while n & LEAF == 0 {
        let attr = flat.nodes[n as usize].attr as usize;
        let cell = match case[attr] {
            Some(v) => {
                path.push((attr, v));
                cells[attr]
            }
            None => 0,
        };
        n = flat.child(n, cell);
    }
    path
}

/// A node [`restrict`] is inside: the next of its runs (when its attribute
/// is missing; else it passes its one child's result on), and where its
/// restricted runs start in [`Scratch::runs`].
#[derive(Clone, Copy, Debug)]
struct RestrictFrame {
    node: Ref,
    next: u32,
    start: usize,
}

/// Restricts node `n` of `flat` into `d`'s manager: known attributes
/// follow their branch, missing ones keep every branch. Leaf payloads are
/// `flat`'s verdict indices. Memoised per node in `s.memo`. Depth first
/// on an explicit stack: the walk follows a path as long as the diagram is
/// deep.
fn restrict(
    flat: &Flat,
    n: Ref,
    level_of: &[u32],
    s: &mut Scratch,
    d: &mut Diagram,
) -> Result<NodeId, crate::compile::mdd::BudgetExceeded> {
    let mut frames = std::mem::take(&mut s.restrict_frames);
    let mut runs = std::mem::take(&mut s.runs);
    frames.clear();
    runs.clear();
    let r = restrict_walk(flat, n, level_of, s, d, &mut frames, &mut runs);
    s.restrict_frames = frames;
    s.runs = runs;
    r
}

fn restrict_walk(
    flat: &Flat,
    n: Ref,
    level_of: &[u32],
    s: &mut Scratch,
    d: &mut Diagram,
    frames: &mut Vec<RestrictFrame>,
    runs: &mut Vec<Run>,
) -> Result<NodeId, crate::compile::mdd::BudgetExceeded> {
    let mut enter = n;
    loop {
        let mut r = if enter & LEAF != 0 {
            d.mdd.leaf(enter & !LEAF)?
        } else if s.memo_stamp[enter as usize] == s.epoch {
            s.memo[enter as usize]
        } else {
            let node = flat.nodes[enter as usize];
            let own = s.cells[node.attr as usize];
            frames.push(RestrictFrame {
                node: enter,
                next: 1,
                start: runs.len(),
            });
            enter = if own != UNKNOWN {
                flat.child(enter, own)
            } else {
                flat.kids[node.first as usize]
            };
            continue;
        };
        // Hand `r` to the node waiting for it, finishing every node whose
        // last child it completes.
        loop {
            let Some(f) = frames.last_mut() else {
                return Ok(r);
            };
            let node = flat.nodes[f.node as usize];
            if s.cells[node.attr as usize] == UNKNOWN {
                let at = (node.first + f.next) as usize;
                runs.push(Run {
                    end: flat.ends[at - 1],
                    child: r,
                });
                if f.next < node.len {
                    f.next += 1;
                    enter = flat.kids[at];
                    break;
                }
                r = d.mdd.node(level_of[node.attr as usize], &runs[f.start..])?;
                runs.truncate(f.start);
            }
            s.memo_stamp[f.node as usize] = s.epoch;
            s.memo[f.node as usize] = r;
            frames.pop();
        }
    }
}

/// Cost of a branch that no case decided as the target can take.
const UNREACHABLE: u32 = u32::MAX;

/// The nearest cases decided as `target`: fewest attributes changed,
/// found on `reasons`, the diagram of outcomes (its cells in `s.cells`),
/// one case per branch of it. Every engine has that diagram, so every
/// engine lists the same cases; the full diagram would list one case per
/// set of explaining rules, which the index has no diagram for. Each case
/// gets the verdict `decide` gives it, completed where the case leaves
/// attributes out by the values its branch takes (else the first value).
fn nearest(
    reasons: &Flat,
    case: &[Option<Value>],
    target: OutcomeId,
    s: &mut Scratch,
    decide: &mut dyn FnMut(&[Value], &mut Scratch) -> Verdict,
) -> WhyNot {
    let cells = std::mem::take(&mut s.cells);
    let found = nearest_with(reasons, case, &cells, target, s);
    s.cells = cells;
    let nearest = found
        .into_iter()
        .map(|(changes, completion)| {
            let v = decide(&completion, s);
            (changes, v)
        })
        .collect();
    WhyNot {
        outcome: target,
        nearest,
    }
}

/// A nearest case: the changes to the case, and a complete case that has
/// them.
type Nearest = (Vec<(AttrId, Value)>, Vec<Value>);

/// The nearest cases of [`nearest`], each as its changes and a complete
/// case that has them.
fn nearest_with(
    flat: &Flat,
    case: &[Option<Value>],
    cells: &[u32],
    target: OutcomeId,
    s: &mut Scratch,
) -> Vec<Nearest> {
    s.next_epoch(flat.len());
    let want = target as u32 + 1;
    let root_cost = distance(flat, cells, want, flat.root, s);
    let mut nearest = Vec::new();
    if root_cost != UNREACHABLE {
        collect_nearest(flat, case, cells, want, flat.root, s, &mut nearest);
    }
    nearest
}

/// A node [`distance`] is inside: the next of its runs, where the run
/// before it starts, and the fewest changes found so far.
#[derive(Clone, Copy, Debug)]
struct DistanceFrame {
    node: Ref,
    next: u32,
    start: u32,
    best: u32,
}

/// The fewest attributes to change below `r` to reach a leaf with outcome
/// code `want` (memoised per node in `s.cost` for this epoch). Depth first
/// on an explicit stack.
fn distance(flat: &Flat, cells: &[u32], want: u32, r: Ref, s: &mut Scratch) -> u32 {
    // The answer for `r` when it needs no walk below it.
    let known = |r: Ref, s: &Scratch| {
        if r & LEAF != 0 {
            Some(if flat.code(r) == want { 0 } else { UNREACHABLE })
        } else {
            (s.memo_stamp[r as usize] == s.epoch).then(|| s.cost[r as usize])
        }
    };
    if let Some(c) = known(r, s) {
        return c;
    }
    let mut frames = std::mem::take(&mut s.distance_frames);
    frames.clear();
    frames.push(DistanceFrame {
        node: r,
        next: 0,
        start: 0,
        best: UNREACHABLE,
    });
    // The distance below the child just visited, for its parent.
    let mut below = None;
    let answer = loop {
        let f = frames.last_mut().expect("the walk is inside a node");
        let node = flat.nodes[f.node as usize];
        if let Some(below) = below.take() {
            let end = flat.ends[(node.first + f.next) as usize - 1];
            let own = cells[node.attr as usize];
            let step = u32::from(own != UNKNOWN && (own < f.start || own > end));
            if below != UNREACHABLE {
                f.best = f.best.min(below + step);
            }
            f.start = end + 1;
        }
        if f.next < node.len {
            let k = flat.kids[(node.first + f.next) as usize];
            f.next += 1;
            match known(k, s) {
                Some(c) => below = Some(c),
                None => frames.push(DistanceFrame {
                    node: k,
                    next: 0,
                    start: 0,
                    best: UNREACHABLE,
                }),
            }
        } else {
            let done = frames.pop().expect("the walk is inside a node");
            s.memo_stamp[done.node as usize] = s.epoch;
            s.cost[done.node as usize] = done.best;
            if frames.is_empty() {
                break done.best;
            }
            below = Some(done.best);
        }
    };
    s.distance_frames = frames;
    answer
}

/// A node [`collect_nearest`] is inside: the next of its runs, where it
/// starts, the node's own distance, and whether the branch being followed
/// pushed a change.
#[derive(Clone, Copy, Debug)]
struct NearestFrame {
    node: Ref,
    next: u32,
    start: u32,
    here: u32,
    /// What the branch being walked pushed: a change, a value for an
    /// attribute the case leaves out, or nothing.
    pushed: Pushed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pushed {
    Nothing,
    Change,
    Free,
}

/// Lists in `out` (up to [`MAX_NEAREST`]) the cases reached from `r` along
/// the branches that keep to the fewest changes (`distance`), each as the
/// changes that lead there and a complete case that takes that branch.
/// Depth first on an explicit stack, branches in cell order.
fn collect_nearest(
    flat: &Flat,
    case: &[Option<Value>],
    cells: &[u32],
    want: u32,
    r: Ref,
    s: &mut Scratch,
    out: &mut Vec<Nearest>,
) {
    let mut frames = std::mem::take(&mut s.nearest_frames);
    frames.clear();
    let mut changes: Vec<(AttrId, Value)> = Vec::new();
    // Values chosen, on the way, for attributes the case leaves out.
    let mut free: Vec<(AttrId, Value)> = Vec::new();
    let mut enter = Some(r);
    loop {
        if let Some(r) = enter.take() {
            if out.len() >= MAX_NEAREST {
                break;
            }
            if r & LEAF != 0 {
                if !out.iter().any(|(c, _)| *c == changes) {
                    let mut completion: Vec<Value> = case
                        .iter()
                        .zip(&flat.cells)
                        .map(|(v, c)| v.unwrap_or_else(|| c.interval(0).0))
                        .collect();
                    for &(a, v) in changes.iter().chain(&free) {
                        completion[a] = v;
                    }
                    out.push((changes.clone(), completion));
                }
            } else {
                let here = distance(flat, cells, want, r, s);
                frames.push(NearestFrame {
                    node: r,
                    next: 0,
                    start: 0,
                    here,
                    pushed: Pushed::Nothing,
                });
            }
        }
        let Some(f) = frames.last_mut() else {
            break;
        };
        match std::mem::replace(&mut f.pushed, Pushed::Nothing) {
            Pushed::Nothing => {}
            Pushed::Change => {
                changes.pop();
            }
            Pushed::Free => {
                free.pop();
            }
        }
        let node = flat.nodes[f.node as usize];
        if f.next == node.len {
            frames.pop();
            continue;
        }
        let attr = node.attr as usize;
        let own = cells[attr];
        let i = (node.first + f.next) as usize;
        let (lo, hi) = (f.start, flat.ends[i]);
        f.start = hi + 1;
        f.next += 1;
        let k = flat.kids[i];
        let holds_own = own != UNKNOWN && (lo..=hi).contains(&own);
        let step = u32::from(own != UNKNOWN && !holds_own);
        let here = f.here;
        let below = distance(flat, cells, want, k, s);
        if below == UNREACHABLE || below + step != here {
            continue;
        }
        let (a, b) = (flat.cells[attr].interval(lo), flat.cells[attr].interval(hi));
        if own == UNKNOWN {
            free.push((attr, a.0));
            frames.last_mut().expect("the frame above").pushed = Pushed::Free;
        } else if !holds_own {
            // The value of the branch closest to the case's own value.
            let v = match case[attr] {
                Some(x) if x < a.0 => a.0,
                Some(x) if x > b.1 => b.1,
                _ => a.0,
            };
            changes.push((attr, v));
            frames.last_mut().expect("the frame above").pushed = Pushed::Change;
        }
        enter = Some(k);
    }
    s.nearest_frames = frames;
}
