//! Compilation: a checked [`Policy`] in, a reduced ordered decision diagram
//! ([`Diagram`]) out, whose leaves are verdicts.
//!
//! # How a policy becomes a diagram
//!
//! Every attribute's domain is first cut into *cells*: an enum or bool value
//! is a cell, and an `int` range is cut only where some comparison of the
//! policy (in a rule or a test) changes its answer, so `age >= 180` makes two
//! cells of `int 0..36500`, not 36,501 values. The diagram engine
//! ([`mdd`]) works on cells; the emitters turn cells back into values and
//! ranges.
//!
//! Rules are then folded in file order into one diagram whose leaves are
//! *states*: the winners so far (SPEC 4.3). Adding rule `r` where its
//! condition holds keeps `r` out if a winner is above it, and otherwise adds
//! it and drops the winners it is above; by transitivity of `overrides`
//! that is exactly the winners of the larger matching set. States are pruned
//! as soon as the rules still to come cannot make a winner matter again
//! (under `first`, winners after an earliest winner that nothing later can
//! override; under `priority`, winners whose outcome is ranked below that of
//! a winner nothing later can override) — without it, a decision table of
//! `resolve first` rules would carry every set of matching rules. Finally
//! each state becomes its verdict through [`crate::semantics::resolve`].
//!
//! Each fold step costs only what can change: `Mdd::apply_unless` returns
//! the old sub-diagram untouched where the rule's condition is false, and
//! where every leaf below is *settled* (under `first`, an earliest winner
//! that no later rule overrides: nothing can change its verdict). A
//! decision table then compiles in time close to the size of its diagram,
//! not to rules × diagram.
//!
//! The reference interpreter (`semantics::interp`) computes the same meaning
//! case by case, with none of this machinery; property tests hold the two
//! together.

pub mod mdd;
mod order;
mod verify;

pub use verify::{base_case, verify, witness};

use crate::check::{AttrId, Cond, Domain, Policy, Resolve, RuleId, ValueSet};
use crate::semantics::{Value, Verdict};
use mdd::{BudgetExceeded, Mdd, NodeId};
use std::collections::HashMap;

/// The default `--max-nodes`.
pub const DEFAULT_MAX_NODES: usize = 10_000_000;

/// The attribute order of a diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Order {
    /// Declaration order.
    Declaration,
    /// These attributes first, in this order; the rest in declaration order.
    Given(Vec<AttrId>),
    /// Try several orders, the first grouping the attributes that the
    /// rules compare together, and keep the smallest diagram (never larger
    /// than declaration order); see `order`'s documentation.
    Auto,
}

impl Order {
    /// Reads `--order`: `declaration`, `auto`, or attribute names separated
    /// by commas (the rest follow in declaration order). A name the policy
    /// does not declare, an empty name, or a name given twice is an
    /// [`INVALID_ARGUMENT`](crate::diag::Code::INVALID_ARGUMENT) diagnostic,
    /// with a close name when there is one.
    ///
    /// ```
    /// # use writ::compile::Order;
    /// # let text = "policy p\nattribute a: bool\nattribute b: bool\ndecision o: { y }\nwhen a then y\n";
    /// # let p = writ::api::check_source(&mut writ::source::SourceMap::new(), "p.policy", text).policy.unwrap();
    /// assert_eq!(Order::parse("b", &p).unwrap(), Order::Given(vec![1]));
    /// let e = Order::parse("a,bb", &p).unwrap_err();
    /// assert_eq!(e.message, "`bb` in `--order` is not an attribute of policy `p`");
    /// assert_eq!(e.notes, ["help: did you mean `b`?"]);
    /// ```
    pub fn parse(spec: &str, policy: &Policy) -> Result<Order, Box<crate::diag::Diagnostic>> {
        use crate::diag::{Code, Diagnostic, did_you_mean};
        match spec {
            "declaration" => return Ok(Order::Declaration),
            "auto" => return Ok(Order::Auto),
            _ => {}
        }
        let mut ids = Vec::new();
        for name in spec.split(',').map(str::trim) {
            match policy.attributes.iter().position(|a| a.name == name) {
                Some(i) if ids.contains(&i) => {
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::INVALID_ARGUMENT,
                            format!("`{name}` is named twice in `--order`"),
                        )
                        .help("name each attribute once"),
                    ));
                }
                Some(i) => ids.push(i),
                None if name.is_empty() => {
                    return Err(Box::new(Diagnostic::error(
                        Code::INVALID_ARGUMENT,
                        "`--order` has an empty attribute name",
                    )
                    .help("`--order` takes `declaration`, `auto`, or attribute names separated by commas")));
                }
                None => {
                    let d = Diagnostic::error(
                        Code::INVALID_ARGUMENT,
                        format!(
                            "`{name}` in `--order` is not an attribute of policy `{}`",
                            policy.meta.name
                        ),
                    );
                    let names = policy.attributes.iter().map(|a| a.name.as_str());
                    return Err(Box::new(match did_you_mean(name, names) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help("`--order` takes `declaration`, `auto`, or attribute names separated by commas"),
                    }));
                }
            }
        }
        Ok(Order::Given(ids))
    }
}

/// How to compile.
#[derive(Clone, Debug)]
pub struct Options {
    /// The attribute order.
    pub order: Order,
    /// Leaves carry only the outcome, not the explaining rules.
    pub outcomes_only: bool,
    /// The most nodes the diagram manager may hold.
    pub max_nodes: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            order: Order::Declaration,
            outcomes_only: false,
            max_nodes: DEFAULT_MAX_NODES,
        }
    }
}

/// Why a policy could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The diagram grew past the node budget.
    TooLarge {
        /// The budget.
        max_nodes: usize,
        /// How many rules had been folded in when it was reached.
        rules_done: usize,
        /// How many rules the policy has.
        rules_total: usize,
    },
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::TooLarge {
                max_nodes,
                rules_done,
                rules_total,
            } => write!(
                f,
                "the decision diagram grew past {max_nodes} nodes after {rules_done} of {rules_total} rules"
            ),
        }
    }
}

/// How an attribute's domain is cut into cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cells {
    /// Enum and bool attributes: cell `i` is value `i`.
    Values(u32),
    /// Int attributes: ascending intervals covering the range exactly.
    Intervals(Vec<(i64, i64)>),
}

impl Cells {
    /// The number of cells.
    pub fn count(&self) -> u32 {
        match self {
            Cells::Values(n) => *n,
            Cells::Intervals(v) => v.len() as u32,
        }
    }

    /// The cell holding `value`, if the value is in the domain.
    pub fn cell_of(&self, value: Value) -> Option<u32> {
        match self {
            Cells::Values(n) => u32::try_from(value).ok().filter(|v| v < n),
            Cells::Intervals(v) => {
                let i = v.partition_point(|&(_, hi)| hi < value);
                (i < v.len() && v[i].0 <= value).then_some(i as u32)
            }
        }
    }

    /// The values of a cell, as an inclusive interval (a single value for
    /// enums and bools).
    pub fn interval(&self, cell: u32) -> (Value, Value) {
        match self {
            Cells::Values(_) => (cell as Value, cell as Value),
            Cells::Intervals(v) => v[cell as usize],
        }
    }
}

/// A compiled policy.
#[derive(Debug)]
pub struct Diagram {
    /// The node store.
    pub mdd: Mdd,
    /// The root of the policy's diagram.
    pub root: NodeId,
    /// Level → attribute.
    pub order: Vec<AttrId>,
    /// Attribute → level.
    pub level_of: Vec<u32>,
    /// Each attribute's cells.
    pub cells: Vec<Cells>,
    /// Leaf payload → verdict.
    pub verdicts: Vec<Verdict>,
    /// Whether leaves carry only outcomes.
    pub outcomes_only: bool,
    /// Verdict → its index in `verdicts`, kept by [`fold`] (rebuilt when it
    /// falls behind `verdicts`), so that folding into a manager that holds
    /// many verdicts does not copy them all each time.
    pub(crate) verdict_index: HashMap<Verdict, u32>,
}

impl Diagram {
    /// A manager for these cells (by attribute) and this order of the
    /// attributes, holding no diagram yet: set `root` to what [`fold`]
    /// returns.
    pub fn empty(
        order: Vec<AttrId>,
        cells: Vec<Cells>,
        max_nodes: usize,
        outcomes_only: bool,
    ) -> Diagram {
        let mut level_of = vec![0u32; order.len()];
        for (l, &a) in order.iter().enumerate() {
            level_of[a] = l as u32;
        }
        let mdd = Mdd::new(order.iter().map(|&a| cells[a].count()).collect(), max_nodes);
        Diagram {
            mdd,
            root: 0,
            order,
            level_of,
            cells,
            verdicts: Vec::new(),
            outcomes_only,
            verdict_index: HashMap::new(),
        }
    }

    /// Forgets every node and verdict, keeping the allocated memory: a
    /// manager reused as scratch space.
    pub fn reset(&mut self) {
        self.mdd.clear();
        self.root = 0;
        self.verdicts.clear();
        self.verdict_index.clear();
    }

    /// The verdict for a complete case (values in the attributes' domains).
    pub fn decide(&self, case: &[Value]) -> &Verdict {
        let mut n = self.root;
        loop {
            let level = self.mdd.level(n);
            if level == mdd::LEAF_LEVEL {
                return &self.verdicts[self.mdd.payload(n).unwrap_or(0) as usize];
            }
            let attr = self.order[level as usize];
            let cell = self.cells[attr].cell_of(case[attr]).unwrap_or(0);
            n = self.mdd.child(n, cell);
        }
    }

    /// The number of nodes of the policy's diagram (inner nodes and leaves).
    pub fn size(&self) -> usize {
        self.mdd.reachable(self.root).len()
    }

    /// The attribute a level tests.
    pub fn attribute_at(&self, level: u32) -> AttrId {
        self.order[level as usize]
    }

    /// A value of the attribute in the cell (its first).
    pub fn representative(&self, attr: AttrId, cell: u32) -> Value {
        self.cells[attr].interval(cell).0
    }

    /// A case reaching `target` from `from`: `fixed` values are kept where
    /// the path allows, other attributes take the first value of the cell
    /// the path needs (or their own first value). `None` if unreachable.
    ///
    /// A depth-first search, each node's own cell first so that witnesses
    /// stay close to the case the caller started from, on an explicit
    /// stack (a path is as long as the diagram is deep); a node from which
    /// `target` cannot be reached is not searched twice.
    pub fn case_to(&self, from: NodeId, target: NodeId, base: &[Value]) -> Option<Vec<Value>> {
        /// A node on the path searched: the options of its attribute still
        /// to try (`options[next..]` up to the frame above's `start`), and
        /// the attribute's value when the node was entered.
        struct Frame {
            node: NodeId,
            attr: AttrId,
            own: Option<u32>,
            start: usize,
            next: usize,
            saved: Value,
        }
        let mut case = base.to_vec();
        let mut dead: std::collections::HashSet<NodeId, mdd::FxBuild> = Default::default();
        // Each frame's (cell, child) pairs, in the order they are tried.
        let mut options: Vec<(u32, NodeId)> = Vec::new();
        let mut frames: Vec<Frame> = Vec::new();
        let mut enter = Some(from);
        loop {
            if let Some(n) = enter.take() {
                if n == target {
                    return Some(case);
                }
                if self.mdd.payload(n).is_none() && !dead.contains(&n) {
                    let attr = self.order[self.mdd.level(n) as usize];
                    let own = self.cells[attr].cell_of(case[attr]);
                    let start = options.len();
                    let mut first = 0u32;
                    for r in self.mdd.runs(n) {
                        let cell = match own {
                            Some(c) if c >= first && c <= r.end => c,
                            _ => first,
                        };
                        options.push((cell, r.child));
                        first = r.end + 1;
                    }
                    options[start..].sort_by_key(|&(cell, _)| Some(cell) != own);
                    frames.push(Frame {
                        node: n,
                        attr,
                        own,
                        start,
                        next: start,
                        saved: case[attr],
                    });
                }
            }
            // Try the next option of the innermost node, undoing the
            // value the last one set.
            let f = frames.last_mut()?;
            case[f.attr] = f.saved;
            match options.get(f.next) {
                Some(&(cell, child)) => {
                    f.next += 1;
                    if Some(cell) != f.own {
                        case[f.attr] = self.representative(f.attr, cell);
                    }
                    enter = Some(child);
                }
                None => {
                    dead.insert(f.node);
                    options.truncate(f.start);
                    frames.pop();
                }
            }
        }
    }
}

/// Runs `f` on a thread with a large stack (1 GiB, only reserved, not
/// used). The library does not need one for diagrams, however deep: every
/// walk of a diagram keeps its stack on the heap, and conditions nest at
/// most `MAX_DEPTH` levels. What still recurses is a chain of files (`use`,
/// `extends`), once per file; the CLI keeps a big stack as a margin for
/// that.
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(s, f)
            .expect("a thread can be started")
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// The cells of every attribute: int ranges are cut at every bound that a
/// rule or test condition of the policy uses.
pub fn cells_of(policy: &Policy) -> Vec<Cells> {
    let mut cuts: Vec<Vec<i64>> = vec![Vec::new(); policy.attributes.len()];
    fn collect(c: &Cond, cuts: &mut [Vec<i64>]) {
        match c {
            Cond::Const(_) => {}
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| collect(c, cuts)),
            Cond::Not(c) => collect(c, cuts),
            Cond::Atom(a) => {
                if let ValueSet::Ranges(rs) = &a.set {
                    for &(lo, hi) in rs {
                        cuts[a.attr].push(lo);
                        if hi < i64::MAX {
                            cuts[a.attr].push(hi + 1);
                        }
                    }
                }
            }
        }
    }
    for r in &policy.rules {
        collect(&r.cond, &mut cuts);
    }
    for t in &policy.tests {
        if let Some(g) = &t.given {
            collect(g, &mut cuts);
        }
    }
    policy
        .attributes
        .iter()
        .zip(cuts)
        .map(|(a, mut cut)| match a.domain {
            Domain::Enum { ref values, .. } => Cells::Values(values.len() as u32),
            Domain::Bool => Cells::Values(2),
            Domain::Int { lo, hi } => {
                cut.retain(|&c| c > lo && c <= hi);
                cut.sort_unstable();
                cut.dedup();
                let mut out = Vec::with_capacity(cut.len() + 1);
                let mut start = lo;
                for c in cut {
                    out.push((start, c - 1));
                    start = c;
                }
                out.push((start, hi));
                Cells::Intervals(out)
            }
        })
        .collect()
}

/// Compiles a checked policy.
pub fn compile(policy: &Policy, options: &Options) -> Result<Diagram, CompileError> {
    let n = policy.attributes.len();
    let declaration: Vec<AttrId> = (0..n).collect();
    match &options.order {
        Order::Declaration => build(policy, declaration, options),
        Order::Given(first) => {
            let mut order: Vec<AttrId> = Vec::with_capacity(n);
            for &a in first {
                if !order.contains(&a) {
                    order.push(a);
                }
            }
            order.extend((0..n).filter(|a| !first.contains(a)));
            build(policy, order, options)
        }
        Order::Auto => order::auto(policy, options),
    }
}

/// The transitive `overrides` relation, kept sparse: most policies have few
/// or no overrides.
struct Above {
    /// For each rule, the rules it is above (transitively), ascending.
    below: Vec<Vec<RuleId>>,
    /// For each rule, the largest index of a rule above it (or none).
    last_above: Vec<Option<RuleId>>,
    /// For each rule, the largest index of a rule it is above (or none).
    last_below: Vec<Option<RuleId>>,
}

impl Above {
    /// The order of `policy`, or of `policy` without rule `skip`.
    fn new(policy: &Policy, skip: Option<RuleId>) -> Above {
        let n = policy.rules.len();
        let below: Vec<Vec<RuleId>> = policy
            .rules
            .iter()
            .enumerate()
            .map(|(r, rule)| {
                let mut out = Vec::new();
                if rule.overrides.is_empty() || Some(r) == skip {
                    return out;
                }
                let mut seen = vec![false; n];
                if let Some(skip) = skip {
                    seen[skip] = true;
                }
                let mut stack = rule.overrides.clone();
                while let Some(x) = stack.pop() {
                    if !std::mem::replace(&mut seen[x], true) {
                        out.push(x);
                        stack.extend(&policy.rules[x].overrides);
                    }
                }
                out.sort_unstable();
                out
            })
            .collect();
        let mut last_above = vec![None; n];
        let mut last_below = vec![None; n];
        for (r, bs) in below.iter().enumerate() {
            last_below[r] = bs.last().copied();
            for &b in bs {
                last_above[b] = Some(last_above[b].map_or(r, |x: RuleId| x.max(r)));
            }
        }
        Above {
            below,
            last_above,
            last_below,
        }
    }

    fn is_above(&self, a: RuleId, b: RuleId) -> bool {
        self.below[a].binary_search(&b).is_ok()
    }
}

struct Folder<'p> {
    policy: &'p Policy,
    above: Above,
    rank: Vec<usize>,
    states: Vec<Vec<RuleId>>,
    state_ids: HashMap<Vec<RuleId>, u32, mdd::FxBuild>,
    /// Within one rule's step, the state each state becomes when the rule
    /// matches (`NONE` when not computed yet): a step meets the same leaf
    /// states over and over, and `add` allocates.
    step: Vec<u32>,
    /// The states whose `step` entry is set, to clear them for the next rule.
    stepped: Vec<u32>,
}

/// An empty entry of [`Folder::step`].
const NONE: u32 = u32::MAX;

impl Folder<'_> {
    fn state(&mut self, s: Vec<RuleId>) -> u32 {
        if let Some(&id) = self.state_ids.get(&s) {
            return id;
        }
        let id = self.states.len() as u32;
        self.states.push(s.clone());
        self.state_ids.insert(s, id);
        id
    }

    /// [`Folder::add`], memoised for the current rule's step.
    fn add_memo(&mut self, s: u32, r: RuleId) -> u32 {
        if let Some(&t) = self.step.get(s as usize)
            && t != NONE
        {
            return t;
        }
        let t = self.add(s, r);
        if self.step.len() <= s as usize {
            self.step.resize(s as usize + 1, NONE);
        }
        self.step[s as usize] = t;
        self.stepped.push(s);
        t
    }

    /// Starts a new rule's step: forgets the previous step's answers.
    fn new_step(&mut self) {
        for s in self.stepped.drain(..) {
            self.step[s as usize] = NONE;
        }
    }

    /// The winners after rule `r` matches too, pruned for the rules after
    /// `r`.
    fn add(&mut self, s: u32, r: RuleId) -> u32 {
        let w = &self.states[s as usize];
        let mut next: Vec<RuleId> = if w.iter().any(|&x| self.above.is_above(x, r)) {
            w.clone()
        } else {
            let mut v: Vec<RuleId> = w
                .iter()
                .copied()
                .filter(|&x| !self.above.is_above(r, x))
                .collect();
            v.push(r);
            v
        };
        self.prune(&mut next, r + 1);
        self.state(next)
    }

    /// Whether no rule from `next` on can change the verdict of state `s`:
    /// under `first`, an earliest winner that no later rule is above stays
    /// the earliest winner and the only explaining rule. (Under `priority`
    /// and `strict` a later winner can still join the explaining rules or
    /// create a conflict.)
    fn settled(&self, s: u32, next: usize) -> bool {
        matches!(self.policy.resolve, Resolve::First)
            && self.states[s as usize]
                .first()
                .is_some_and(|&w| self.above.last_above[w].is_none_or(|a| a < next))
    }

    /// Drops winners that can no longer matter once rules `0..done` are
    /// folded in. A winner may be dropped only when no later rule is below
    /// it (so it can never keep a later rule from winning) and a winner that
    /// no later rule is above makes it irrelevant for the strategy.
    fn prune(&self, w: &mut Vec<RuleId>, done: usize) {
        let safe = |x: RuleId| self.above.last_above[x].is_none_or(|a| a < done);
        let inert = |x: RuleId| self.above.last_below[x].is_none_or(|b| b < done);
        match &self.policy.resolve {
            Resolve::Strict => {}
            Resolve::First => {
                if let Some(pos) = w.iter().position(|&x| safe(x)) {
                    let mut i = 0;
                    w.retain(|&x| {
                        i += 1;
                        i <= pos + 1 || !inert(x)
                    });
                }
            }
            Resolve::Priority(_) => {
                let outcome = |x: RuleId| self.policy.rules[x].outcome;
                if let Some(best) = w
                    .iter()
                    .filter(|&&x| safe(x))
                    .map(|&x| self.rank[outcome(x)])
                    .min()
                {
                    w.retain(|&x| self.rank[outcome(x)] <= best || !inert(x));
                }
            }
        }
    }
}

fn build(policy: &Policy, order: Vec<AttrId>, options: &Options) -> Result<Diagram, CompileError> {
    let mut d = Diagram::empty(
        order,
        cells_of(policy),
        options.max_nodes,
        options.outcomes_only,
    );
    d.root = fold(&mut d, policy, &Fold::default())?;
    Ok(d)
}

/// Leaf payload of a folded diagram for the cases outside [`Fold::within`].
pub const OUTSIDE: u32 = u32::MAX;

/// Which rules [`fold`] folds, and over which cases. The default folds every
/// rule over every case: compilation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fold<'a> {
    /// Fold the policy as if this rule were deleted (and every `overrides`
    /// naming it with it, so the order no longer passes through it).
    pub skip: Option<RuleId>,
    /// Fold only these rules (ascending): the caller knows that no other
    /// rule matches a case inside `within`.
    pub only: Option<&'a [RuleId]>,
    /// Decide only the cases where this condition diagram (leaves 0 and 1)
    /// is 1; the others get the leaf [`OUTSIDE`], at no further cost.
    pub within: Option<NodeId>,
    /// The rules' condition diagrams, by rule, already built in this
    /// manager; built on the way when absent.
    pub conds: Option<&'a [NodeId]>,
}

/// Folds a policy's rules into `d`'s manager and returns the root of the
/// verdict diagram: its leaves are indices into `d.verdicts` (verdicts
/// already there are reused), or [`OUTSIDE`]. `d`'s cells must cut every
/// int range at least where the policy's own comparisons do (`cells_of`),
/// and its attributes must be the policy's. The analyses fold several
/// variants of a policy, or two policies, into one manager this way, so that
/// their diagrams compare node by node.
pub fn fold(d: &mut Diagram, policy: &Policy, how: &Fold) -> Result<NodeId, CompileError> {
    let rank = match &policy.resolve {
        Resolve::Priority(list) => {
            let mut rank = vec![0; policy.decision.outcomes.len()];
            for (i, &o) in list.iter().enumerate() {
                rank[o] = i;
            }
            rank
        }
        _ => Vec::new(),
    };
    let mut folder = Folder {
        policy,
        above: Above::new(policy, how.skip),
        rank,
        states: Vec::new(),
        state_ids: HashMap::default(),
        step: Vec::new(),
        stepped: Vec::new(),
    };
    let max_nodes = d.mdd.max_nodes();
    let too_large = |rules_done| CompileError::TooLarge {
        max_nodes,
        rules_done,
        rules_total: policy.rules.len(),
    };
    // Which nodes have only settled leaves below them (see `Folder::settled`).
    // Without `overrides`, a state is settled from its creation on, so
    // both answers can be kept for good.
    let stable = policy.rules.iter().all(|r| r.overrides.is_empty());
    let mut node_settled: Vec<Option<bool>> = Vec::new();
    let empty = folder.state(Vec::new());
    // The cases outside `within` get a state of their own that every step
    // treats as settled, so that no rule's fold visits them.
    let outside = folder.states.len() as u32;
    folder.states.push(Vec::new());
    let mut root = d.mdd.leaf(empty).map_err(|_| too_large(0))?;
    if let Some(within) = how.within {
        root = d
            .mdd
            .map_leaves(
                within,
                &mut |p| if p == 1 { empty } else { outside },
                &mut mdd::Memo1::default(),
            )
            .map_err(|_| too_large(0))?;
    }
    let all: Vec<RuleId>;
    let rules = match how.only {
        Some(only) => only,
        None => {
            all = (0..policy.rules.len()).collect();
            &all
        }
    };
    let mut memo = mdd::Memo2::default();
    let mut state_settled: Vec<bool> = Vec::new();
    let mut settled_stack = Vec::new();
    for &i in rules {
        if Some(i) == how.skip {
            continue;
        }
        let rule = &policy.rules[i];
        let step = (|| -> Result<NodeId, BudgetExceeded> {
            let c = match how.conds {
                Some(conds) => conds[i],
                None => cond_diagram(d, &rule.cond)?,
            };
            // Where the rule does not match, the diagram is left as it is:
            // states are pruned only when a rule changes them, which loses
            // nothing for policies without `overrides` (every winner is safe
            // at once) and keeps each step proportional to the rule's region.
            let never = d.mdd.leaf(0)?;
            state_settled.clear();
            state_settled.extend(
                (0..folder.states.len() as u32).map(|s| s == outside || folder.settled(s, i)),
            );
            if !stable {
                // With `overrides`, "not settled" may turn into "settled"
                // later; only "settled" answers stay true.
                node_settled
                    .iter_mut()
                    .filter(|s| **s == Some(false))
                    .for_each(|s| *s = None);
            }
            let mut is_settled = |m: &Mdd, n: NodeId| {
                fully_settled(m, n, &state_settled, &mut node_settled, &mut settled_stack)
            };
            folder.new_step();
            let mut op = |s: u32, _matched: u32| folder.add_memo(s, i);
            // One computed table for every step, cleared: its capacity is
            // reused rather than grown again for each rule.
            memo.clear();
            d.mdd
                .apply_unless(root, c, Some(never), &mut is_settled, &mut op, &mut memo)
        })();
        root = step.map_err(|_| too_large(i))?;
        // Without `overrides`, a settled case stays settled: once every
        // case is, the remaining rules cannot change anything.
        if stable
            && how.within.is_some()
            && d.mdd
                .payload(root)
                .is_some_and(|s| s == outside || folder.settled(s, i + 1))
        {
            break;
        }
    }
    if d.verdict_index.len() != d.verdicts.len() {
        d.verdict_index = d
            .verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), i as u32))
            .collect();
    }
    let outcomes_only = d.outcomes_only;
    let verdict_ids = &mut d.verdict_index;
    let verdicts = &mut d.verdicts;
    let mut to_verdict = |s: u32| {
        if s == outside {
            return OUTSIDE;
        }
        let mut v = crate::semantics::resolve(policy, &folder.states[s as usize]);
        if outcomes_only && let Verdict::Decided { rules, .. } = &mut v {
            rules.clear();
        }
        *verdict_ids.entry(v).or_insert_with_key(|v| {
            verdicts.push(v.clone());
            (verdicts.len() - 1) as u32
        })
    };
    d.mdd
        .map_leaves(root, &mut to_verdict, &mut mdd::Memo1::default())
        .map_err(|_| too_large(policy.rules.len()))
}

/// Whether every leaf below `n` holds a settled state, memoised per node
/// (a leaf's answer too). Depth first on `stack` (the caller's, reused
/// across calls), each node's runs in order, stopping at the first
/// unsettled leaf, as `Iterator::all` over the children would.
fn fully_settled(
    m: &Mdd,
    n: NodeId,
    states: &[bool],
    memo: &mut Vec<Option<bool>>,
    stack: &mut Vec<(NodeId, usize)>,
) -> bool {
    // Indexed by node id, grown on demand: a table lookup is what keeps the
    // fold cheap where every leaf is settled.
    fn remember(memo: &mut Vec<Option<bool>>, n: NodeId, answer: bool) {
        if memo.len() <= n as usize {
            memo.resize(n as usize + 1, None);
        }
        memo[n as usize] = Some(answer);
    }
    // The answer for `n` when it needs no walk below it.
    let known = |memo: &mut Vec<Option<bool>>, n: NodeId| {
        if let Some(Some(known)) = memo.get(n as usize) {
            return Some(*known);
        }
        // A state made during this step is not settled yet.
        let answer = states.get(m.payload(n)? as usize).copied().unwrap_or(false);
        remember(memo, n, answer);
        Some(answer)
    };
    if let Some(answer) = known(memo, n) {
        return answer;
    }
    stack.clear();
    stack.push((n, 0));
    while let Some(&mut (node, ref mut next)) = stack.last_mut() {
        let Some(run) = m.runs(node).get(*next) else {
            // Every child is settled.
            stack.pop();
            remember(memo, node, true);
            continue;
        };
        *next += 1;
        match known(memo, run.child) {
            Some(true) => {}
            Some(false) => {
                // Unsettled below every node on the stack.
                for &(node, _) in stack.iter() {
                    remember(memo, node, false);
                }
                return false;
            }
            None => stack.push((run.child, 0)),
        }
    }
    true
}

/// The bool diagram (leaf payloads 0 and 1) of a condition.
pub(crate) fn cond_diagram(d: &mut Diagram, c: &Cond) -> Result<NodeId, BudgetExceeded> {
    match c {
        Cond::Const(b) => d.mdd.leaf(u32::from(*b)),
        Cond::Atom(a) => {
            let level = d.level_of[a.attr];
            let inside = cell_intervals(&d.cells[a.attr], &a.set);
            let (t, f) = (d.mdd.leaf(1)?, d.mdd.leaf(0)?);
            d.mdd.split(level, &inside, t, f)
        }
        Cond::Not(c) => {
            let inner = cond_diagram(d, c)?;
            d.mdd
                .map_leaves(inner, &mut |p| 1 - p, &mut mdd::Memo1::default())
        }
        Cond::And(cs) | Cond::Or(cs) => {
            let is_and = matches!(c, Cond::And(_));
            let mut acc = d.mdd.leaf(u32::from(is_and))?;
            let mut memo = mdd::Memo2::default();
            for c in cs {
                let next = cond_diagram(d, c)?;
                let mut op = |a: u32, b: u32| if is_and { a & b } else { a | b };
                memo.clear();
                acc = d.mdd.apply(acc, next, &mut op, &mut memo)?;
            }
            Ok(acc)
        }
    }
}

/// The cells of a value set, as ascending inclusive cell intervals.
pub(crate) fn cell_intervals(cells: &Cells, set: &ValueSet) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    let mut push = |lo: u32, hi: u32| match out.last_mut() {
        Some(last) if last.1 + 1 == lo => last.1 = hi,
        _ => out.push((lo, hi)),
    };
    match set {
        ValueSet::Values(vs) => vs.iter().for_each(|&v| push(v, v)),
        ValueSet::Ranges(rs) => {
            for &(lo, hi) in rs {
                // INVARIANT: the cuts include every bound of every range, so
                // both ends fall on cell boundaries.
                if let (Some(a), Some(b)) = (cells.cell_of(lo), cells.cell_of(hi)) {
                    push(a, b);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::interp::Interpreter;

    fn policy(text: &str) -> Policy {
        let mut map = crate::source::SourceMap::new();
        let r = crate::api::check_source(&mut map, "t.policy", text);
        r.policy.unwrap_or_else(|| panic!("{:?}", r.diagnostics))
    }

    fn agree_everywhere(p: &Policy, options: &Options) {
        let d = compile(p, options).unwrap();
        let interp = Interpreter::new(p);
        let cases = crate::semantics::interp::all_cases(p, 100_000).unwrap();
        for case in cases {
            let mut want = interp.decide(&case);
            if options.outcomes_only
                && let Verdict::Decided { rules, .. } = &mut want
            {
                rules.clear();
            }
            assert_eq!(d.decide(&case), &want, "case {case:?}");
        }
    }

    #[test]
    fn matches_the_interpreter_on_every_strategy() {
        let body = "attribute a: { x, y, z }\nattribute b: bool\nattribute n: int 0..20\n\
                    decision o: { p, q, r }\n\
                    rule one: when a = x then p\n\
                    rule two overrides one: when b and n > 5 then q\n\
                    rule three: when a != z or n in { 1, 3, 15 } then r\n\
                    rule four overrides two: when n >= 10 and n < 12 then p\n\
                    when not b then q\n";
        for head in [
            "resolve first",
            "resolve priority q > r > p\ndefault r",
            "resolve first\ndefault undecided",
        ] {
            let p = policy(&format!("policy t\n{head}\n{body}"));
            for outcomes_only in [false, true] {
                for order in [Order::Declaration, Order::Given(vec![2, 1]), Order::Auto] {
                    agree_everywhere(
                        &p,
                        &Options {
                            order,
                            outcomes_only,
                            max_nodes: 100_000,
                        },
                    );
                }
            }
        }
    }

    #[test]
    fn int_cells_follow_the_comparisons() {
        let p = policy(
            "policy t\nattribute n: int 0..36500\ndecision o: { a, b }\nwhen n <= 180 then a\nwhen n in { 200, 201 } then b\n",
        );
        assert_eq!(
            cells_of(&p)[0],
            Cells::Intervals(vec![(0, 180), (181, 199), (200, 201), (202, 36500)])
        );
    }

    #[test]
    fn budget_stops_compilation() {
        let p = policy(&crate::synth::wide(3, 200));
        let e = compile(
            &p,
            &Options {
                max_nodes: 1_000,
                ..Options::default()
            },
        )
        .unwrap_err();
        assert!(matches!(
            e,
            CompileError::TooLarge {
                max_nodes: 1_000,
                ..
            }
        ));
    }
}
