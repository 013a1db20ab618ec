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
//! # Memory
//!
//! What a fold keeps grows with the work, not with the product of rules and
//! nodes, and every byte of it counts against the manager's budget
//! ([`mdd::Budget`], `--max-memory`):
//!
//! * a state is a cell of a shared list, the state before it plus one rule,
//!   interned: N rules that match the same cases make N cells, where
//!   copied lists of winners would hold N²/2 rule ids;
//! * the transitive `overrides` order (`Above`) is cut into chains, each
//!   rule keeping the first position it reaches on each chain below it: a
//!   chain of N exceptions is N entries, where a closure is N²/2 pairs;
//! * `cond_diagram` builds the comparisons an `and` or an `or` makes of
//!   one attribute as the one set of cells they are, so `n = 1 or n = 5 or
//!   …` costs what `n in { 1, 5, … }` does.
//!
//! The states, the order and the verdicts are reported to the manager's
//! [`mdd::Meter`] as they grow, and the manager checks the total before
//! each of its own arrays grows.
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
pub use mdd::{Budget, BudgetExceeded};
use mdd::{Mdd, NodeId, Use};
use std::cell::RefCell;
use std::collections::HashMap;

/// The default `--max-nodes`.
pub const DEFAULT_MAX_NODES: usize = 10_000_000;

/// The default `--max-memory`, in bytes: 2 GiB.
pub const DEFAULT_MAX_MEMORY: usize = mdd::DEFAULT_MAX_BYTES;

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
    /// The most bytes the diagram manager and what is kept beside it (the
    /// fold's winner states, the verdicts, the computed tables) may hold.
    pub max_memory: usize,
}

impl Options {
    /// The diagram manager's budget.
    pub fn budget(&self) -> Budget {
        Budget {
            max_nodes: self.max_nodes,
            max_bytes: self.max_memory,
        }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            order: Order::Declaration,
            outcomes_only: false,
            max_nodes: DEFAULT_MAX_NODES,
            max_memory: DEFAULT_MAX_MEMORY,
        }
    }
}

/// Why a policy could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The diagram grew past its budget of nodes or of memory.
    TooLarge {
        /// Which budget was reached, and for memory, what held it.
        budget: BudgetExceeded,
        /// How many rules had been folded in when it was reached.
        rules_done: usize,
        /// How many rules the policy has.
        rules_total: usize,
    },
}

impl CompileError {
    /// The error for a budget reached after `rules_done` of the policy's
    /// rules.
    pub fn too_large(budget: BudgetExceeded, rules_done: usize, policy: &Policy) -> CompileError {
        CompileError::TooLarge {
            budget,
            rules_done,
            rules_total: policy.rules.len(),
        }
    }

    /// The budget that was reached.
    pub fn budget(&self) -> &BudgetExceeded {
        match self {
            CompileError::TooLarge { budget, .. } => budget,
        }
    }
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::TooLarge {
                budget,
                rules_done,
                rules_total,
            } => write!(
                f,
                "the decision diagram grew {budget} after {rules_done} of {rules_total} rules"
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
        budget: impl Into<Budget>,
        outcomes_only: bool,
    ) -> Diagram {
        let mut level_of = vec![0u32; order.len()];
        for (l, &a) in order.iter().enumerate() {
            level_of[a] = l as u32;
        }
        let mdd = Mdd::new(order.iter().map(|&a| cells[a].count()).collect(), budget);
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
        self.mdd.meter().set(Use::Verdicts, verdict_bytes(self));
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

/// Runs `f` on a thread with a large stack (256 MiB, only reserved, not
/// used). The library does not need one for diagrams, however deep: every
/// walk of a diagram keeps its stack on the heap, and conditions nest at
/// most `MAX_DEPTH` levels. What still recurses is a chain of files (`use`,
/// `extends`), once per file; the CLI keeps a big stack as a margin for
/// that. The reservation counts against an address-space limit (`ulimit
/// -v`), beside the memory budget ([`DEFAULT_MAX_MEMORY`]), so it is kept
/// to what a chain of thousands of files needs, many times over.
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(256 << 20)
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

/// The transitive `overrides` relation, in memory about linear in the
/// `overrides` graph for the shapes policies have.
///
/// A transitive closure stored as lists (or bitsets) is quadratic: a chain
/// of 20,000 exceptions, each overriding the one before, is 200 million
/// pairs. Instead the rules in the relation are cut into *chains* (paths
/// along direct `overrides` edges, each rule on one chain), and each rule
/// keeps, for every chain it reaches, the first position it reaches on it:
/// it is then above exactly the rules from that position down the chain.
/// A chain of exceptions is one chain, and every rule reaches one entry;
/// in general a rule keeps one entry per chain below it, which stays small
/// unless the graph is both wide and deep (then the budget says so).
struct Above {
    /// Each rule's chain (`NO_CHAIN` for a rule in no `overrides` edge)
    /// and position on it, counted from the top.
    chain: Vec<u32>,
    pos: Vec<u32>,
    /// `reach[span[r].0 .. span[r].0 + span[r].1]`: the chains rule `r` is
    /// above some rule of, ascending, each with the first position it
    /// reaches there.
    span: Vec<(usize, u32)>,
    reach: Vec<(u32, u32)>,
    /// For each rule, the largest index of a rule above it (or none).
    last_above: Vec<Option<RuleId>>,
    /// For each rule, the largest index of a rule it is above (or none).
    last_below: Vec<Option<RuleId>>,
    /// Whether any rule is above another.
    any: bool,
}

const NO_CHAIN: u32 = u32::MAX;

impl Above {
    /// The order of `policy`, or of `policy` without rule `skip` (and
    /// every edge into or out of it). `check` is told the bytes held so
    /// far as they grow, and may refuse them.
    fn new(
        policy: &Policy,
        skip: Option<RuleId>,
        check: &mut dyn FnMut(usize) -> Result<(), BudgetExceeded>,
    ) -> Result<Above, BudgetExceeded> {
        let n = policy.rules.len();
        let edges = |r: RuleId| -> &[RuleId] {
            if Some(r) == skip {
                &[]
            } else {
                &policy.rules[r].overrides
            }
        };
        let live = |x: RuleId| Some(x) != skip;
        let mut above = Above {
            chain: Vec::new(),
            pos: Vec::new(),
            span: Vec::new(),
            reach: Vec::new(),
            last_above: vec![None; n],
            last_below: vec![None; n],
            any: false,
        };
        let mut parents = vec![0u32; n];
        let mut involved = vec![false; n];
        for r in 0..n {
            for &x in edges(r).iter().filter(|&&x| live(x)) {
                parents[x] += 1;
                involved[r] = true;
                involved[x] = true;
                above.any = true;
            }
        }
        if !above.any {
            return Ok(above);
        }
        // Parents before children (Kahn's algorithm; the checker has
        // refused cycles).
        let mut topo: Vec<RuleId> = (0..n).filter(|&r| parents[r] == 0).collect();
        let mut at = 0;
        while at < topo.len() {
            let r = topo[at];
            at += 1;
            for &x in edges(r).iter().filter(|&&x| live(x)) {
                parents[x] -= 1;
                if parents[x] == 0 {
                    topo.push(x);
                }
            }
        }
        drop(parents);
        above.chain = vec![NO_CHAIN; n];
        above.pos = vec![0; n];
        let mut chains = 0u32;
        for &top in &topo {
            if above.chain[top] != NO_CHAIN || !involved[top] {
                continue;
            }
            // A new chain down from `top`, through children not on one yet.
            let (mut cur, mut p) = (top, 0);
            above.chain[cur] = chains;
            loop {
                let next = edges(cur)
                    .iter()
                    .copied()
                    .find(|&x| live(x) && above.chain[x] == NO_CHAIN);
                let Some(x) = next else { break };
                p += 1;
                above.chain[x] = chains;
                above.pos[x] = p;
                cur = x;
            }
            chains += 1;
        }
        // Children before parents: a rule reaches what its children are
        // and what they reach, the highest position per chain.
        above.span = vec![(0, 0); n];
        let mut merged: Vec<(u32, u32)> = Vec::new();
        let mut held = 0;
        for &r in topo.iter().rev() {
            merged.clear();
            for &x in edges(r).iter().filter(|&&x| live(x)) {
                merged.push((above.chain[x], above.pos[x]));
                let (start, len) = above.span[x];
                merged.extend_from_slice(&above.reach[start..start + len as usize]);
                let last = above.last_below[x].map_or(x, |b| b.max(x));
                above.last_below[r] = Some(above.last_below[r].map_or(last, |b| b.max(last)));
            }
            merged.sort_unstable();
            merged.dedup_by_key(|e| e.0);
            above.span[r] = (above.reach.len(), merged.len() as u32);
            above.reach.extend_from_slice(&merged);
            if above.reach.capacity() != held {
                held = above.reach.capacity();
                check(above.bytes())?;
            }
        }
        for &r in &topo {
            let mine = above.last_above[r].map_or(r, |a| a.max(r));
            for &x in edges(r).iter().filter(|&&x| live(x)) {
                above.last_above[x] = Some(above.last_above[x].map_or(mine, |a| a.max(mine)));
            }
        }
        check(above.bytes())?;
        Ok(above)
    }

    /// The bytes the relation holds.
    fn bytes(&self) -> usize {
        use std::mem::size_of;
        (self.chain.capacity() + self.pos.capacity()) * size_of::<u32>()
            + self.span.capacity() * size_of::<(usize, u32)>()
            + self.reach.capacity() * size_of::<(u32, u32)>()
            + (self.last_above.capacity() + self.last_below.capacity())
                * size_of::<Option<RuleId>>()
    }

    fn is_above(&self, a: RuleId, b: RuleId) -> bool {
        let Some(&c) = self.chain.get(b).filter(|&&c| c != NO_CHAIN) else {
            return false;
        };
        let (start, len) = self.span[a];
        let reach = &self.reach[start..start + len as usize];
        match reach.binary_search_by_key(&c, |e| e.0) {
            Ok(i) => reach[i].1 <= self.pos[b],
            Err(_) => false,
        }
    }
}

/// A winner state as a cell of a shared list: the state `prev` with the
/// rule `last` added at its end. States are interned cell by cell, so a
/// state that grows by one rule costs one cell, not a copy of its winners:
/// N rules that all match the same cases make N states in N cells, where
/// lists would hold N²/2 rule ids.
#[derive(Clone, Copy, Debug)]
struct StateCell {
    prev: u32,
    last: u32,
    /// The earliest winner (the first cell's `last`).
    first: u32,
}

/// The empty state (no winner yet).
const EMPTY_STATE: u32 = 0;

/// No rule, no state.
const NONE: u32 = u32::MAX;

struct Folder<'p> {
    policy: &'p Policy,
    above: Above,
    rank: Vec<usize>,
    /// The states, by id: cell 0 is the empty state; the state for the
    /// cases outside [`Fold::within`] has a cell of its own, never looked
    /// up by content.
    states: Vec<StateCell>,
    state_ids: HashMap<(u32, u32), u32, mdd::FxBuild>,
    /// Within one rule's step, the state each state becomes when the rule
    /// matches (`NONE` when not computed yet): a step meets the same leaf
    /// states over and over.
    step: Vec<u32>,
    /// The states whose `step` entry is set, to clear them for the next rule.
    stepped: Vec<u32>,
    /// A state's winners, spelled out when a rule removes or prunes some.
    scratch: Vec<RuleId>,
    /// Bytes the fold keeps per node beside the states (which nodes are
    /// settled), counted with them.
    beside: usize,
    /// Where the bytes above are reported while an operation runs.
    meter: std::sync::Arc<mdd::Meter>,
}

impl Folder<'_> {
    /// The state `prev` followed by rule `r` (later in the file than any
    /// rule of `prev`).
    fn cons(&mut self, prev: u32, r: RuleId) -> u32 {
        let r = r as u32;
        if let Some(&id) = self.state_ids.get(&(prev, r)) {
            return id;
        }
        let first = if prev == EMPTY_STATE {
            r
        } else {
            self.states[prev as usize].first
        };
        let id = self.states.len() as u32;
        self.states.push(StateCell {
            prev,
            last: r,
            first,
        });
        self.state_ids.insert((prev, r), id);
        self.meter.set(Use::WinnerStates, self.bytes());
        id
    }

    /// The state with these winners (ascending).
    fn intern(&mut self, winners: &[RuleId]) -> u32 {
        winners.iter().fold(EMPTY_STATE, |s, &r| self.cons(s, r))
    }

    /// Spells out a state's winners into `out`, in file order.
    fn winners(&self, s: u32, out: &mut Vec<RuleId>) {
        out.clear();
        let mut at = s;
        while at != EMPTY_STATE {
            let c = self.states[at as usize];
            if c.last == NONE {
                break;
            }
            out.push(c.last as RuleId);
            at = c.prev;
        }
        out.reverse();
    }

    /// Whether some winner of state `s` satisfies `f`.
    fn any_winner(&self, s: u32, mut f: impl FnMut(RuleId) -> bool) -> bool {
        let mut at = s;
        while at != EMPTY_STATE {
            let c = self.states[at as usize];
            if c.last == NONE {
                return false;
            }
            if f(c.last as RuleId) {
                return true;
            }
            at = c.prev;
        }
        false
    }

    /// The bytes held: states, their table, the step's tables.
    fn bytes(&self) -> usize {
        use std::mem::size_of;
        self.states.capacity() * size_of::<StateCell>()
            + mdd::table_bytes(self.state_ids.capacity(), size_of::<((u32, u32), u32)>())
            + (self.step.capacity() + self.stepped.capacity()) * size_of::<u32>()
            + self.scratch.capacity() * size_of::<RuleId>()
            + self.beside
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
        if !self.above.any {
            return self.add_plain(s, r);
        }
        let blocked =
            self.above.last_above[r].is_some() && self.any_winner(s, |x| self.above.is_above(x, r));
        let next = if blocked {
            s
        } else if self.above.last_below[r].is_some() {
            let mut w = std::mem::take(&mut self.scratch);
            self.winners(s, &mut w);
            w.retain(|&x| !self.above.is_above(r, x));
            w.push(r);
            let t = self.intern(&w);
            self.scratch = w;
            t
        } else {
            self.cons(s, r)
        };
        if self.policy.resolve == Resolve::Strict {
            return next;
        }
        let mut w = std::mem::take(&mut self.scratch);
        self.winners(next, &mut w);
        let before = w.len();
        self.prune(&mut w, r + 1);
        let t = if w.len() == before {
            next
        } else {
            self.intern(&w)
        };
        self.scratch = w;
        t
    }

    /// [`Folder::add`] when no rule is above another: every winner is safe
    /// and inert at once, so pruning keeps, under `first`, the earliest
    /// winner alone and, under `priority`, the winners of the best-ranked
    /// outcome, which a state's last winner stands for.
    fn add_plain(&mut self, s: u32, r: RuleId) -> u32 {
        if s == EMPTY_STATE {
            return self.cons(EMPTY_STATE, r);
        }
        match &self.policy.resolve {
            Resolve::Strict => self.cons(s, r),
            Resolve::First => s,
            Resolve::Priority(_) => {
                let rank = |x: RuleId| self.rank[self.policy.rules[x].outcome];
                let (mine, theirs) = (rank(r), rank(self.states[s as usize].last as RuleId));
                match mine.cmp(&theirs) {
                    std::cmp::Ordering::Less => self.cons(EMPTY_STATE, r),
                    std::cmp::Ordering::Equal => self.cons(s, r),
                    std::cmp::Ordering::Greater => s,
                }
            }
        }
    }

    /// Whether no rule from `next` on can change the verdict of state `s`:
    /// under `first`, an earliest winner that no later rule is above stays
    /// the earliest winner and the only explaining rule. (Under `priority`
    /// and `strict` a later winner can still join the explaining rules or
    /// create a conflict.)
    fn settled(&self, s: u32, next: usize) -> bool {
        let c = self.states[s as usize];
        matches!(self.policy.resolve, Resolve::First)
            && s != EMPTY_STATE
            && c.first != NONE
            && self.above.last_above[c.first as usize].is_none_or(|a| a < next)
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
        options.budget(),
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
    let too_large = |budget, rules_done| CompileError::too_large(budget, rules_done, policy);
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
    let meter = d.mdd.meter();
    // The order and the states live only as long as this fold.
    let _release = Release {
        meter: meter.clone(),
        uses: &[Use::WinnerStates, Use::OverridesOrder],
    };
    let above = {
        let mdd = &d.mdd;
        Above::new(policy, how.skip, &mut |bytes| {
            mdd.charge(Use::OverridesOrder, bytes)
        })
        .map_err(|e| too_large(e, 0))?
    };
    let no_state = StateCell {
        prev: NONE,
        last: NONE,
        first: NONE,
    };
    let folder = RefCell::new(Folder {
        policy,
        above,
        rank,
        // The empty state, then the state of the cases outside `within`,
        // which every step treats as settled, so that no rule's fold
        // visits them.
        states: vec![no_state, no_state],
        state_ids: HashMap::default(),
        step: Vec::new(),
        stepped: Vec::new(),
        scratch: Vec::new(),
        beside: 0,
        meter: meter.clone(),
    });
    let outside = 1u32;
    // Which nodes have only settled leaves below them (see `Folder::settled`).
    // Without `overrides`, a state is settled from its creation on, so
    // both answers can be kept for good; under `strict` and `priority` only
    // the cases outside `within` are, from the start.
    let stable = !folder.borrow().above.any;
    let answers_last = stable || policy.resolve != Resolve::First;
    let mut node_settled: Vec<Option<bool>> = Vec::new();
    let mut root = d.mdd.leaf(EMPTY_STATE).map_err(|e| too_large(e, 0))?;
    if let Some(within) = how.within {
        root = d
            .mdd
            .map_leaves(
                within,
                &mut |p| if p == 1 { EMPTY_STATE } else { outside },
                &mut mdd::Memo1::default(),
            )
            .map_err(|e| too_large(e, 0))?;
    }
    let all: Vec<RuleId>;
    let rules = match how.only {
        Some(only) => only,
        None => {
            all = (0..policy.rules.len()).collect();
            &all
        }
    };
    let memo_entry = std::mem::size_of::<((NodeId, NodeId), NodeId)>();
    let mut memo = mdd::Memo2::default();
    let mut settled_stack = Vec::new();
    for &i in rules {
        if Some(i) == how.skip {
            continue;
        }
        let rule = &policy.rules[i];
        let step = (|| -> Result<NodeId, BudgetExceeded> {
            // The computed table kept from the last step is held while
            // the rule's condition is built.
            let tables = meter.get(Use::ComputedTables);
            meter.set(
                Use::ComputedTables,
                tables + mdd::table_bytes(memo.capacity(), memo_entry),
            );
            let c = match how.conds {
                Some(conds) => Ok(conds[i]),
                None => cond_diagram(d, &rule.cond),
            };
            meter.set(Use::ComputedTables, tables);
            let c = c?;
            // Where the rule does not match, the diagram is left as it is:
            // states are pruned only when a rule changes them, which loses
            // nothing for policies without `overrides` (every winner is safe
            // at once) and keeps each step proportional to the rule's region.
            let never = d.mdd.leaf(0)?;
            if !answers_last {
                // With `overrides`, "not settled" may turn into "settled"
                // later; only "settled" answers stay true.
                node_settled
                    .iter_mut()
                    .filter(|s| **s == Some(false))
                    .for_each(|s| *s = None);
            }
            // The two closures take turns with the folder: `apply` asks
            // whether a node is settled, then combines leaves, never both
            // at once.
            let mut is_settled = |m: &Mdd, n: NodeId| {
                let f = folder.borrow();
                let settled = |s: u32| s == outside || f.settled(s, i);
                fully_settled(m, n, &settled, &mut node_settled, &mut settled_stack)
            };
            folder.borrow_mut().new_step();
            let mut op = |s: u32, _matched: u32| folder.borrow_mut().add_memo(s, i);
            // One computed table for every step, cleared: its capacity is
            // reused rather than grown again for each rule.
            memo.clear();
            let next =
                d.mdd
                    .apply_unless(root, c, Some(never), &mut is_settled, &mut op, &mut memo)?;
            let mut f = folder.borrow_mut();
            f.beside = node_settled.capacity() * std::mem::size_of::<Option<bool>>()
                + settled_stack.capacity() * std::mem::size_of::<(NodeId, usize)>();
            d.mdd.charge(Use::WinnerStates, f.bytes())?;
            Ok(next)
        })();
        root = step.map_err(|e| too_large(e, i))?;
        // Without `overrides`, a settled case stays settled: once every
        // case is, the remaining rules cannot change anything.
        if stable
            && how.within.is_some()
            && d.mdd
                .payload(root)
                .is_some_and(|s| s == outside || folder.borrow().settled(s, i + 1))
        {
            break;
        }
    }
    drop(memo);
    let folder = folder.into_inner();
    if d.verdict_index.len() != d.verdicts.len() {
        d.verdict_index = d
            .verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), i as u32))
            .collect();
    }
    // Each verdict's rules are kept twice: in the list and as the table's key.
    let mut rule_bytes: usize = 2 * d.verdicts.iter().map(rules_bytes).sum::<usize>();
    d.mdd
        .charge(Use::Verdicts, verdict_bytes(d))
        .map_err(|e| too_large(e, policy.rules.len()))?;
    let outcomes_only = d.outcomes_only;
    let verdict_ids = &mut d.verdict_index;
    let verdicts = &mut d.verdicts;
    let mut winners = Vec::new();
    let mut to_verdict = |s: u32| {
        if s == outside {
            return OUTSIDE;
        }
        folder.winners(s, &mut winners);
        let mut v = crate::semantics::resolve(policy, &winners);
        if outcomes_only && let Verdict::Decided { rules, .. } = &mut v {
            rules.clear();
        }
        let mut new = false;
        let id = *verdict_ids.entry(v).or_insert_with_key(|v| {
            verdicts.push(v.clone());
            rule_bytes += 2 * rules_bytes(v);
            new = true;
            (verdicts.len() - 1) as u32
        });
        if new {
            // Checked by the manager at its next node, and after the map.
            let table = mdd::table_bytes(
                verdict_ids.capacity(),
                std::mem::size_of::<(Verdict, u32)>(),
            );
            meter.set(
                Use::Verdicts,
                verdicts.capacity() * std::mem::size_of::<Verdict>() + table + rule_bytes,
            );
        }
        id
    };
    let root = d
        .mdd
        .map_leaves(root, &mut to_verdict, &mut mdd::Memo1::default())
        .map_err(|e| too_large(e, policy.rules.len()))?;
    d.mdd
        .charge(Use::Verdicts, verdict_bytes(d))
        .map_err(|e| too_large(e, policy.rules.len()))?;
    Ok(root)
}

/// Sets a meter's uses back to zero when dropped: what a fold keeps only
/// while it runs, whether it returns or fails.
struct Release {
    meter: std::sync::Arc<mdd::Meter>,
    uses: &'static [Use],
}

impl Drop for Release {
    fn drop(&mut self) {
        for &u in self.uses {
            self.meter.set(u, 0);
        }
    }
}

/// The bytes of a verdict's explaining rules.
fn rules_bytes(v: &Verdict) -> usize {
    match v {
        Verdict::Decided { rules, .. } | Verdict::Conflict { rules } => {
            rules.capacity() * std::mem::size_of::<RuleId>()
        }
        Verdict::Undecided => 0,
    }
}

/// The bytes a diagram's verdicts hold: the list, the table by value, and
/// the explaining rules of each (in both).
fn verdict_bytes(d: &Diagram) -> usize {
    let rules: usize = d.verdicts.iter().map(rules_bytes).sum();
    d.verdicts.capacity() * std::mem::size_of::<Verdict>()
        + mdd::table_bytes(
            d.verdict_index.capacity(),
            std::mem::size_of::<(Verdict, u32)>(),
        )
        + 2 * rules
}

/// Whether every leaf below `n` holds a settled state, memoised per node
/// (a leaf's answer too). Depth first on `stack` (the caller's, reused
/// across calls), each node's runs in order, stopping at the first
/// unsettled leaf, as `Iterator::all` over the children would.
fn fully_settled(
    m: &Mdd,
    n: NodeId,
    settled: &dyn Fn(u32) -> bool,
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
        let answer = settled(m.payload(n)?);
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
///
/// The comparisons an `and` or an `or` makes of one attribute (negated or
/// not) are combined as the set of cells they are, into one node: `n = 0
/// or n = 3 or …` is one split, as `n in { 0, 3, … }` is, where combining
/// them one by one would make a node of every width on the way, a
/// quadratic number of runs. What remains is combined pairwise, a balanced
/// tree of `apply`s rather than a chain, so that a long `or` of richer
/// conditions does not rebuild an ever larger accumulator either.
pub(crate) fn cond_diagram(d: &mut Diagram, c: &Cond) -> Result<NodeId, BudgetExceeded> {
    match c {
        Cond::Const(b) => d.mdd.leaf(u32::from(*b)),
        Cond::Atom(_) | Cond::Not(_) if let Some((attr, inside)) = atom_cells(d, c) => {
            split_cells(d, attr, &inside)
        }
        Cond::Not(c) => {
            let inner = cond_diagram(d, c)?;
            d.mdd
                .map_leaves(inner, &mut |p| 1 - p, &mut mdd::Memo1::default())
        }
        Cond::Atom(_) => unreachable!("an atom is always a set of cells"),
        Cond::And(cs) | Cond::Or(cs) => {
            let is_and = matches!(c, Cond::And(_));
            // Each atom's cells, tagged with its attribute; under `and`,
            // the cells it excludes (an intersection is the complement of
            // the union of the complements).
            let mut atoms: Vec<(AttrId, u32, u32)> = Vec::new();
            let mut parts: Vec<NodeId> = Vec::new();
            for c in cs {
                match atom_cells(d, c) {
                    Some((attr, inside)) => {
                        let inside = if is_and {
                            complement(&inside, d.cells[attr].count())
                        } else {
                            inside
                        };
                        // An atom that is always true under `and` (or never
                        // under `or`) adds no cells, and changes nothing.
                        atoms.extend(inside.into_iter().map(|(lo, hi)| (attr, lo, hi)));
                    }
                    None => parts.push(cond_diagram(d, c)?),
                }
            }
            atoms.sort_unstable();
            let mut at = 0;
            while at < atoms.len() {
                let attr = atoms[at].0;
                let mut union: Vec<(u32, u32)> = Vec::new();
                while at < atoms.len() && atoms[at].0 == attr {
                    let (_, lo, hi) = atoms[at];
                    at += 1;
                    match union.last_mut() {
                        Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                        _ => union.push((lo, hi)),
                    }
                }
                let inside = if is_and {
                    complement(&union, d.cells[attr].count())
                } else {
                    union
                };
                parts.push(split_cells(d, attr, &inside)?);
            }
            let mut op = |a: u32, b: u32| if is_and { a & b } else { a | b };
            let mut memo = mdd::Memo2::default();
            while parts.len() > 1 {
                let mut next = Vec::with_capacity(parts.len().div_ceil(2));
                for pair in parts.chunks(2) {
                    next.push(match *pair {
                        [a, b] => {
                            memo.clear();
                            d.mdd.apply(a, b, &mut op, &mut memo)?
                        }
                        [a] => a,
                        _ => unreachable!("chunks of two"),
                    });
                }
                parts = next;
            }
            match parts.pop() {
                Some(n) => Ok(n),
                None => d.mdd.leaf(u32::from(is_and)),
            }
        }
    }
}

/// The attribute and cells of a comparison, negated any number of times:
/// `None` for anything else.
fn atom_cells(d: &Diagram, c: &Cond) -> Option<(AttrId, Vec<(u32, u32)>)> {
    match c {
        Cond::Atom(a) => Some((a.attr, cell_intervals(&d.cells[a.attr], &a.set))),
        Cond::Not(c) => {
            let (attr, inside) = atom_cells(d, c)?;
            Some((attr, complement(&inside, d.cells[attr].count())))
        }
        _ => None,
    }
}

/// The cells of `0..count` outside the ascending, disjoint intervals
/// `inside`.
fn complement(inside: &[(u32, u32)], count: u32) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(inside.len() + 1);
    let mut at = 0u32;
    for &(lo, hi) in inside {
        if lo > at {
            out.push((at, lo - 1));
        }
        at = hi + 1;
    }
    if at < count {
        out.push((at, count - 1));
    }
    out
}

/// The bool diagram of "the attribute's cell is in `inside`".
fn split_cells(
    d: &mut Diagram,
    attr: AttrId,
    inside: &[(u32, u32)],
) -> Result<NodeId, BudgetExceeded> {
    let (t, f) = (d.mdd.leaf(1)?, d.mdd.leaf(0)?);
    d.mdd.split(d.level_of[attr], inside, t, f)
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
                            ..Options::default()
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
                budget: BudgetExceeded::Nodes { max_nodes: 1_000 },
                ..
            }
        ));
    }

    #[test]
    fn the_memory_budget_stops_compilation() {
        let p = policy(&crate::synth::wide(3, 200));
        let e = compile(
            &p,
            &Options {
                max_memory: 1 << 20,
                ..Options::default()
            },
        )
        .unwrap_err();
        let CompileError::TooLarge {
            budget: BudgetExceeded::Memory { max_bytes, .. },
            rules_done,
            rules_total: 200,
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!(max_bytes, 1 << 20);
        assert!(rules_done < 200);
        assert!(
            e.to_string()
                .starts_with("the decision diagram grew past its memory budget of 1 MiB after ")
        );
    }

    /// Whether `a` is above `b`, by a walk of the `overrides` edges
    /// without `skip`: what [`Above`] must answer.
    fn above_by_walk(p: &Policy, skip: Option<RuleId>, a: RuleId, b: RuleId) -> bool {
        if Some(a) == skip || Some(b) == skip {
            return false;
        }
        let mut seen = vec![false; p.rules.len()];
        let mut stack = p.rules[a].overrides.clone();
        while let Some(x) = stack.pop() {
            if Some(x) == skip || std::mem::replace(&mut seen[x], true) {
                continue;
            }
            if x == b {
                return true;
            }
            stack.extend(&p.rules[x].overrides);
        }
        false
    }

    #[test]
    fn the_overrides_order_matches_a_walk() {
        // Random acyclic graphs (a rule overrides only earlier-numbered
        // ones here, so that any choice is acyclic), dense and sparse,
        // with every rule skipped in turn.
        let mut rng = crate::synth::Rng::new(11);
        for round in 0..40 {
            let n = 2 + (round % 12);
            let density = 1 + round % 4;
            let mut text =
                String::from("policy t\nresolve first\nattribute a: bool\ndecision o: { y }\n");
            for r in 0..n {
                let mut over: Vec<String> = Vec::new();
                for x in 0..r {
                    if rng.range(0, 5) < density as u64 {
                        over.push(format!("r{x}"));
                    }
                }
                if over.is_empty() {
                    text.push_str(&format!("rule r{r}: when a then y\n"));
                } else {
                    text.push_str(&format!(
                        "rule r{r} overrides {}: when a then y\n",
                        over.join(", ")
                    ));
                }
            }
            let p = policy(&text);
            let n = p.rules.len();
            for skip in std::iter::once(None).chain((0..n).map(Some)) {
                let above = Above::new(&p, skip, &mut |_| Ok(())).unwrap();
                for a in 0..n {
                    for b in 0..n {
                        assert_eq!(
                            above.is_above(a, b),
                            above_by_walk(&p, skip, a, b),
                            "{text} skip {skip:?}: {a} above {b}"
                        );
                    }
                    let last_below = (0..n).filter(|&b| above_by_walk(&p, skip, a, b)).max();
                    let last_above = (0..n).filter(|&x| above_by_walk(&p, skip, x, a)).max();
                    assert_eq!(above.last_below[a], last_below, "{text}");
                    assert_eq!(above.last_above[a], last_above, "{text}");
                }
            }
        }
    }

    #[test]
    fn a_chain_of_exceptions_keeps_one_entry_a_rule() {
        let mut text = String::from(
            "policy t\nattribute a: bool\ndecision o: { y, n }\nrule r0: when a then y\n",
        );
        for r in 1..2_000 {
            text.push_str(&format!("rule r{r} overrides r{}: when a then n\n", r - 1));
        }
        let p = policy(&text);
        let above = Above::new(&p, None, &mut |_| Ok(())).unwrap();
        assert_eq!(above.reach.len(), 1_999);
        assert!(above.is_above(1_999, 0) && !above.is_above(0, 1_999));
    }

    #[test]
    fn comparisons_of_one_attribute_are_one_node() {
        // `or` of `=`, `and` of `!=` and of negations, mixed with another
        // attribute: the same diagram as the set written out, and the same
        // meaning as the interpreter's.
        let ors: Vec<String> = (0..300).map(|i| format!("n = {}", 3 * i)).collect();
        let nots: Vec<String> = (0..300)
            .map(|i| format!("not (n = {})", 3 * i + 1))
            .collect();
        let set: Vec<String> = (0..300).map(|i| (3 * i).to_string()).collect();
        let text = format!(
            "policy t\nresolve first\ndefault undecided\nattribute n: int 0..1000\nattribute b: bool\n\
             decision o: {{ y, z, w }}\n\
             when {} then y\n\
             when b and {} and n != 2 then z\n\
             when n in {{ {} }} or (b or n >= 999) then w\n",
            ors.join(" or "),
            nots.join(" and "),
            set.join(", ")
        );
        let p = policy(&text);
        agree_everywhere(&p, &Options::default());
        let mut d = compile(&p, &Options::default()).unwrap();
        let first = cond_diagram(&mut d, &p.rules[0].cond).unwrap();
        assert_eq!(d.mdd.reachable(first).len(), 3, "one split and two leaves");
        let before = d.mdd.len();
        let second = cond_diagram(&mut d, &p.rules[0].cond).unwrap();
        assert_eq!((first, d.mdd.len()), (second, before));
    }
}
