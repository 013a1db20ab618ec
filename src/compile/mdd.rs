//! A multi-valued decision diagram engine: reduced, ordered, hash-consed,
//! with multi-terminal leaves.
//!
//! # Design
//!
//! A diagram is a DAG over *levels* (one per attribute, in the chosen
//! order). An inner node at level `l` partitions the level's *cells*
//! `0..cells[l]` into runs of consecutive cells, each run leading to one
//! child; a leaf carries an opaque `u32` payload whose meaning belongs to
//! the caller (a bool, a set of winning rules, a verdict). Cells are how
//! large domains stay cheap: an enum of 100,000 values tested against one
//! value is a node of three runs, and an `int` attribute has only as many
//! cells as the policy's comparisons distinguish intervals.
//!
//! Three invariants make a diagram canonical for its order, so that equal
//! functions are the same `NodeId` and equality is a comparison of ids:
//!
//! * *ordered*: a child's level is greater than its parent's;
//! * *reduced*: no node has a single run (all cells to one child), and
//!   adjacent runs lead to different children;
//! * *shared*: the unique table stores each (level, runs) once.
//!
//! Nodes live in flat arrays (12 bytes a node plus 8 a run, plus 8 to 16
//! bytes a node of unique table); nothing is freed, so node ids stay valid for the life of the
//! manager. Every node creation counts against a [`Budget`] of nodes and of
//! bytes, and exceeding it is an error the caller reports, never an
//! out-of-memory crash.
//!
//! # Memory
//!
//! The byte budget covers everything a diagram's construction keeps: the
//! manager's own arrays (counted from their capacities), the computed table
//! of the operation under way, and what the manager's users keep beside it
//! (a fold's winner states, the verdicts at the leaves, the `overrides`
//! order), which they report to the manager's [`Meter`] under a [`Use`].
//! Every array grows only after the manager has checked that the grown
//! array fits, counting the old one too while both are alive, so the
//! budget is reached as a diagnostic that names what grew, before the
//! allocation that would have failed.
//!
//! `apply` combines two diagrams cell by cell with a function on leaf
//! payloads, memoised per operation (the computed table). It and
//! `map_leaves` walk depth first with explicit stacks of frames kept in the
//! manager, not by recursion: a diagram may be as deep as a policy has
//! attributes (thousands), and the library must run on any thread, an
//! editor's 2 MiB worker included. The frames, like the runs under
//! construction, live in vectors that every operation reuses, so a visit
//! allocates nothing once they have grown.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fast, non-cryptographic hasher for node ids (the FxHash mixing step of
/// rustc): the tables here are keyed by small integers that no adversary
/// chooses, and SipHash would double the cost of every operation.
#[derive(Clone, Copy, Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

/// Builds [`FxHasher`]s.
pub type FxBuild = BuildHasherDefault<FxHasher>;

/// The computed table of a binary operation.
pub type Memo2 = HashMap<(NodeId, NodeId), NodeId, FxBuild>;

/// The computed table of a unary operation.
pub type Memo1 = HashMap<NodeId, NodeId, FxBuild>;

/// Identifies a node of a [`Mdd`].
pub type NodeId = u32;

/// The level leaves are at: below every attribute.
pub const LEAF_LEVEL: u32 = u32::MAX;

/// A run of consecutive cells leading to one child: the cells from the end
/// of the previous run (exclusive) to `end` (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Run {
    /// The last cell of the run.
    pub end: u32,
    /// Where these cells lead.
    pub child: NodeId,
}

#[derive(Clone, Copy, Debug)]
struct NodeData {
    level: u32,
    /// For an inner node, the index of its first run in `runs`; for a leaf,
    /// its payload.
    first: u32,
    /// The number of runs (0 for a leaf).
    len: u32,
}

/// The default byte budget of a diagram manager (`--max-memory`): 2 GiB,
/// the same peak-memory budget the input caps are derived from
/// (`load::MEMORY_BUDGET`).
pub const DEFAULT_MAX_BYTES: usize = 2 << 30;

/// What a manager may hold: nodes, and bytes of memory (see the module
/// documentation for what the bytes cover).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// The most nodes (`--max-nodes`).
    pub max_nodes: usize,
    /// The most bytes (`--max-memory`).
    pub max_bytes: usize,
}

impl Budget {
    /// At most `max_nodes` nodes, within the default byte budget.
    pub fn nodes(max_nodes: usize) -> Budget {
        Budget {
            max_nodes,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl From<usize> for Budget {
    /// A node budget within the default byte budget ([`Budget::nodes`]).
    fn from(max_nodes: usize) -> Budget {
        Budget::nodes(max_nodes)
    }
}

/// What the memory of a manager is spent on: the uses its byte budget
/// accounts for, named when the budget is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Use {
    /// Nodes, their runs, the unique table, and the walks' stacks.
    Nodes,
    /// The computed tables of operations (`apply`, `map_leaves`).
    ComputedTables,
    /// A fold's winner states, with what it keeps per state and per node.
    WinnerStates,
    /// The verdicts at the leaves, with their explaining rules.
    Verdicts,
    /// The transitive `overrides` order a fold consults.
    OverridesOrder,
}

/// How many [`Use`]s there are.
pub const USES: usize = 5;

impl Use {
    /// Every use, in the order of [`Use::index`].
    pub const ALL: [Use; USES] = [
        Use::Nodes,
        Use::ComputedTables,
        Use::WinnerStates,
        Use::Verdicts,
        Use::OverridesOrder,
    ];

    /// The use's position in [`Use::ALL`] and in a breakdown of bytes.
    pub fn index(self) -> usize {
        self as usize
    }

    /// What the use is, in words (`the winner states`).
    pub fn describe(self) -> &'static str {
        match self {
            Use::Nodes => "the diagram's nodes",
            Use::ComputedTables => "the computed tables",
            Use::WinnerStates => "the winner states",
            Use::Verdicts => "the verdicts and their explaining rules",
            Use::OverridesOrder => "the `overrides` order",
        }
    }
}

/// The bytes a manager's users keep beside it, by [`Use`]: what they
/// report and the manager checks against its budget. Shared (an `Arc`)
/// so that code running inside an operation, a fold's leaf function,
/// can report what it allocates while the manager is busy.
#[derive(Debug, Default)]
pub struct Meter {
    bytes: [AtomicUsize; USES],
    /// The most bytes the manager has checked and allowed, its own
    /// included: its peak, as far as its checks saw.
    peak: AtomicUsize,
}

impl Meter {
    /// Records that `what` now holds `bytes` (replacing what it held).
    pub fn set(&self, what: Use, bytes: usize) {
        self.bytes[what.index()].store(bytes, Ordering::Relaxed);
    }

    /// What `what` holds.
    pub fn get(&self, what: Use) -> usize {
        self.bytes[what.index()].load(Ordering::Relaxed)
    }

    fn total(&self) -> usize {
        self.bytes
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .fold(0, usize::saturating_add)
    }
}

/// The diagram was about to grow past its budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BudgetExceeded {
    /// One more node than `max_nodes`.
    Nodes {
        /// The budget that was reached.
        max_nodes: usize,
    },
    /// More memory than `max_bytes`.
    Memory {
        /// The budget that was reached.
        max_bytes: usize,
        /// The use holding the most bytes when it was reached: what grew.
        what: Use,
        /// The bytes each use held, or was about to, by [`Use::index`].
        held: [usize; USES],
    },
}

impl std::fmt::Display for BudgetExceeded {
    /// `past 10000000 nodes`, or `past its memory budget of 2 GiB`: what
    /// follows "the decision diagram grew".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BudgetExceeded::Nodes { max_nodes } => write!(f, "past {max_nodes} nodes"),
            BudgetExceeded::Memory { max_bytes, .. } => {
                write!(f, "past its memory budget of {}", show_bytes(*max_bytes))
            }
        }
    }
}

impl BudgetExceeded {
    /// For a memory budget, what held the memory, the most first:
    /// `1.4 GiB for the winner states, 512 MiB for the diagram's nodes`
    /// (uses under a megabyte left out, unless none is larger).
    pub fn breakdown(&self) -> Option<String> {
        let BudgetExceeded::Memory { held, .. } = self else {
            return None;
        };
        let mut uses: Vec<Use> = Use::ALL.to_vec();
        uses.sort_by_key(|u| std::cmp::Reverse(held[u.index()]));
        let shown: Vec<String> = uses
            .iter()
            .enumerate()
            .filter(|&(i, u)| i == 0 || held[u.index()] >= 1 << 20)
            .map(|(_, u)| format!("{} for {}", show_bytes(held[u.index()]), u.describe()))
            .collect();
        Some(shown.join(", "))
    }
}

/// Bytes for people: `512 KiB`, `1.5 GiB`.
pub fn show_bytes(bytes: usize) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The bytes of a hash table that can hold `capacity` entries of `entry`
/// bytes without growing (std's table: a power of two of buckets at most
/// seven eighths full, one control byte each).
pub fn table_bytes(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = match capacity {
        0..4 => 4,
        4..8 => 8,
        _ => (capacity.saturating_mul(8) / 7).next_power_of_two(),
    };
    buckets.saturating_mul(entry + 1)
}

/// The capacity a vector of `len` elements in `capacity` grows to for
/// `additional` more: at least double, as `Vec` itself grows.
fn grown(len: usize, capacity: usize, additional: usize) -> usize {
    if len + additional <= capacity {
        capacity
    } else {
        (capacity * 2).max(len + additional).max(8)
    }
}

/// A diagram manager: the nodes of any number of diagrams over one ordered
/// set of levels.
#[derive(Debug)]
pub struct Mdd {
    cells: Vec<u32>,
    nodes: Vec<NodeData>,
    runs: Vec<Run>,
    /// The unique table: open addressing with linear probing, a power of
    /// two in size and at most three quarters full. A slot holds a node id
    /// (`NO_NODE` when empty) and the low 32 bits of its hash, so that a
    /// probe compares nodes only when the hashes agree, and growing the
    /// table never reads a node: each node's hash is computed once.
    slots: Vec<Slot>,
    /// Runs under construction, shared by every operation: a visit pushes
    /// its result runs on top, interns them and pops them, so building a
    /// diagram allocates nothing per node visited.
    stack: Vec<Run>,
    /// The frames of [`Mdd::apply_with`]'s walk (one per level it is
    /// inside), kept between operations for their capacity.
    apply_frames: Vec<ApplyFrame>,
    /// The frames of [`Mdd::map_leaves`]'s walk, likewise.
    map_frames: Vec<MapFrame>,
    budget: Budget,
    /// What the manager's users hold beside it.
    meter: Arc<Meter>,
}

/// A pair of nodes that [`Mdd::apply_with`] is combining: the runs of
/// either side still to visit, and where the result's runs start on the
/// run stack. A side whose node lies below `level` is one run over every
/// cell (`len` 1, the node itself as the child).
#[derive(Clone, Copy, Debug)]
struct ApplyFrame {
    a: NodeId,
    b: NodeId,
    level: u32,
    /// The last cell of `level`.
    last: u32,
    a_node: NodeData,
    b_node: NodeData,
    /// The next run of each side.
    i: u32,
    j: u32,
    /// The number of runs of each side at `level`.
    a_len: u32,
    b_len: u32,
    /// The last cell of the pair of runs whose child pair is being visited.
    end: u32,
    base: usize,
}

/// A node that [`Mdd::map_leaves`] is copying: its next run to visit, and
/// where the copy's runs start on the run stack.
#[derive(Clone, Copy, Debug)]
struct MapFrame {
    node: NodeId,
    data: NodeData,
    next: u32,
    base: usize,
}

const NO_NODE: NodeId = u32::MAX;

/// A slot of the unique table: a node and the low bits of its hash.
#[derive(Clone, Copy, Debug)]
struct Slot {
    id: NodeId,
    hash: u32,
}

const EMPTY: Slot = Slot {
    id: NO_NODE,
    hash: 0,
};

/// The unique table's initial number of slots.
const INITIAL_SLOTS: usize = 1 << 10;

impl Mdd {
    /// A manager for levels with `cells[l]` cells each (every count > 0),
    /// refusing to grow past `budget`.
    pub fn new(cells: Vec<u32>, budget: impl Into<Budget>) -> Mdd {
        let budget = budget.into();
        Mdd {
            cells,
            nodes: Vec::new(),
            runs: Vec::new(),
            slots: vec![EMPTY; INITIAL_SLOTS],
            stack: Vec::new(),
            apply_frames: Vec::new(),
            map_frames: Vec::new(),
            budget,
            meter: Arc::default(),
        }
    }

    /// Forgets every node, keeping the allocated memory, so that a manager
    /// used as scratch space (one partial evaluation after another) stops
    /// allocating once it has served the largest of them.
    pub fn clear(&mut self) {
        if self.nodes.len() * 16 < self.slots.len() {
            // Few nodes in a large table: empty only their slots.
            let mask = self.slots.len() - 1;
            for id in 0..self.nodes.len() as NodeId {
                let mut i = self.hash_of(id) as usize & mask;
                while self.slots[i].id != id {
                    i = (i + 1) & mask;
                }
                self.slots[i] = EMPTY;
            }
        } else {
            self.slots.fill(EMPTY);
        }
        self.nodes.clear();
        self.runs.clear();
        self.stack.clear();
    }

    /// The most nodes the manager may hold.
    pub fn max_nodes(&self) -> usize {
        self.budget.max_nodes
    }

    /// The manager's budget.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Where the manager's users report the bytes they keep beside it.
    pub fn meter(&self) -> Arc<Meter> {
        Arc::clone(&self.meter)
    }

    /// Records that `what` now holds `bytes` beside the manager, and checks
    /// the budget.
    pub fn charge(&self, what: Use, bytes: usize) -> Result<(), BudgetExceeded> {
        self.meter.set(what, bytes);
        self.check_bytes(what, 0)
    }

    /// Checks the budget with what the meter holds now: for users that
    /// reported bytes from inside an operation.
    pub fn check_budget(&self) -> Result<(), BudgetExceeded> {
        self.check_bytes(Use::Nodes, 0)
    }

    /// Every byte the budget counts: the manager's own and the meter's.
    pub fn bytes(&self) -> usize {
        self.heap_bytes().saturating_add(self.meter.total())
    }

    /// The most bytes the budget has counted at once so far (as of its
    /// checks, before each array grows): what a test reads to see how
    /// memory grows with the input.
    pub fn peak_bytes(&self) -> usize {
        self.meter.peak.load(Ordering::Relaxed).max(self.bytes())
    }

    /// Whether `extra` more bytes for `what` fit the budget; the error
    /// names the use holding the most.
    fn check_bytes(&self, what: Use, extra: usize) -> Result<(), BudgetExceeded> {
        let own = self.heap_bytes();
        let total = own.saturating_add(self.meter.total()).saturating_add(extra);
        if total <= self.budget.max_bytes {
            self.meter.peak.fetch_max(total, Ordering::Relaxed);
            return Ok(());
        }
        let mut held = [0usize; USES];
        for u in Use::ALL {
            held[u.index()] = if u == Use::Nodes {
                own
            } else {
                self.meter.get(u)
            };
        }
        held[what.index()] = held[what.index()].saturating_add(extra);
        let largest = Use::ALL
            .into_iter()
            .max_by_key(|u| held[u.index()])
            .unwrap_or(what);
        Err(BudgetExceeded::Memory {
            max_bytes: self.budget.max_bytes,
            what: largest,
            held,
        })
    }

    /// The number of cells of each level.
    pub fn cells(&self) -> &[u32] {
        &self.cells
    }

    /// How many nodes the manager holds (every diagram it built, including
    /// intermediate ones).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node was made yet.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Bytes used by nodes, runs, the unique table, the run stack and the
    /// walks' frames.
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<NodeData>()
            + (self.runs.capacity() + self.stack.capacity()) * std::mem::size_of::<Run>()
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.apply_frames.capacity() * std::mem::size_of::<ApplyFrame>()
            + self.map_frames.capacity() * std::mem::size_of::<MapFrame>()
    }

    /// The node's level (`LEAF_LEVEL` for a leaf).
    pub fn level(&self, n: NodeId) -> u32 {
        self.nodes[n as usize].level
    }

    /// The payload of a leaf, `None` for an inner node.
    pub fn payload(&self, n: NodeId) -> Option<u32> {
        let d = self.nodes[n as usize];
        (d.level == LEAF_LEVEL).then_some(d.first)
    }

    /// The runs of an inner node (empty for a leaf).
    pub fn runs(&self, n: NodeId) -> &[Run] {
        let d = self.nodes[n as usize];
        if d.level == LEAF_LEVEL {
            // A leaf's `first` is its payload, not a run index.
            return &[];
        }
        &self.runs[d.first as usize..(d.first + d.len) as usize]
    }

    /// The child a cell of the node's level leads to.
    pub fn child(&self, n: NodeId, cell: u32) -> NodeId {
        let runs = self.runs(n);
        let i = runs.partition_point(|r| r.end < cell);
        runs[i].child
    }

    fn hash(level: u32, first: u32, runs: &[Run]) -> u64 {
        // FxHash-style mixing: fast, and collisions only cost a probe.
        let mut h: u64 = (level as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ first as u64;
        for r in runs {
            h = (h.rotate_left(5) ^ ((r.end as u64) << 32 | r.child as u64))
                .wrapping_mul(0x517C_C1B7_2722_0A95);
        }
        // The table indexes with the low bits; a final mix spreads the
        // product's well-mixed high bits into them.
        h ^= h >> 32;
        h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        h ^ (h >> 32)
    }

    /// The hash of an existing node, for growing the table.
    fn hash_of(&self, id: NodeId) -> u64 {
        let d = self.nodes[id as usize];
        if d.level == LEAF_LEVEL {
            Mdd::hash(d.level, d.first, &[])
        } else {
            Mdd::hash(
                d.level,
                0,
                &self.runs[d.first as usize..(d.first + d.len) as usize],
            )
        }
    }

    /// The node with this level and payload (a leaf) or with the runs
    /// `stack[base..]` (an inner node), made if new. Leaves the stack as
    /// it is.
    fn intern_at(
        &mut self,
        level: u32,
        payload: u32,
        base: usize,
    ) -> Result<NodeId, BudgetExceeded> {
        let runs = &self.stack[base..];
        let h = Mdd::hash(level, payload, runs) as u32;
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot.id == NO_NODE {
                break;
            }
            if slot.hash == h {
                let d = self.nodes[slot.id as usize];
                let same = d.level == level
                    && if level == LEAF_LEVEL {
                        d.first == payload
                    } else {
                        self.runs[d.first as usize..(d.first + d.len) as usize] == *runs
                    };
                if same {
                    return Ok(slot.id);
                }
            }
            i = (i + 1) & mask;
        }
        if self.nodes.len() >= self.budget.max_nodes {
            return Err(BudgetExceeded::Nodes {
                max_nodes: self.budget.max_nodes,
            });
        }
        self.reserve_node(self.stack.len() - base)?;
        let id = self.nodes.len() as NodeId;
        let data = if level == LEAF_LEVEL {
            NodeData {
                level,
                first: payload,
                len: 0,
            }
        } else {
            let first = self.runs.len() as u32;
            self.runs.extend_from_slice(&self.stack[base..]);
            NodeData {
                level,
                first,
                len: (self.stack.len() - base) as u32,
            }
        };
        self.nodes.push(data);
        self.slots[i] = Slot { id, hash: h };
        if self.nodes.len() * 4 > self.slots.len() * 3 {
            self.grow();
        }
        Ok(id)
    }

    /// Makes room for one more node of `runs` runs, within the budget:
    /// grows the node and run arrays and the unique table ahead of the
    /// insertion, after checking that the grown arrays (and the old table,
    /// alive while the new one is filled) fit. Every new node also checks
    /// what the meter holds, so that bytes reported from inside an
    /// operation stop it at its next node.
    fn reserve_node(&mut self, runs: usize) -> Result<(), BudgetExceeded> {
        let nodes = grown(self.nodes.len(), self.nodes.capacity(), 1);
        let run_cap = grown(self.runs.len(), self.runs.capacity(), runs);
        let mut extra = (nodes - self.nodes.capacity()) * std::mem::size_of::<NodeData>()
            + (run_cap - self.runs.capacity()) * std::mem::size_of::<Run>();
        if (self.nodes.len() + 1) * 4 > self.slots.len() * 3 {
            extra += self.slots.len() * 2 * std::mem::size_of::<Slot>();
        }
        self.check_bytes(Use::Nodes, extra)?;
        self.nodes.reserve_exact(nodes - self.nodes.len());
        self.runs.reserve_exact(run_cap - self.runs.len());
        Ok(())
    }

    /// Doubles the unique table and reinserts every node by its stored
    /// hash bits (a table of 2^32 slots or more would need more of them).
    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let mut slots = vec![EMPTY; size];
        let mask = size - 1;
        for &slot in &self.slots {
            if slot.id == NO_NODE {
                continue;
            }
            let mut i = slot.hash as usize & mask;
            while slots[i].id != NO_NODE {
                i = (i + 1) & mask;
            }
            slots[i] = slot;
        }
        self.slots = slots;
    }

    /// Pushes a run onto the stack above `base`, merged with the run below
    /// it when both lead to the same child.
    fn push_run(&mut self, base: usize, r: Run) {
        if self.stack.len() > base
            && let Some(last) = self.stack.last_mut()
            && last.child == r.child
        {
            last.end = r.end;
            return;
        }
        self.stack.push(r);
    }

    /// The reduced node at `level` with the runs `stack[base..]` (already
    /// merged): their only child when there is one run. Pops the runs.
    fn finish_node(&mut self, level: u32, base: usize) -> Result<NodeId, BudgetExceeded> {
        let r = if self.stack.len() - base == 1 {
            Ok(self.stack[base].child)
        } else {
            self.intern_at(level, 0, base)
        };
        self.stack.truncate(base);
        r
    }

    /// The leaf with this payload.
    pub fn leaf(&mut self, payload: u32) -> Result<NodeId, BudgetExceeded> {
        let base = self.stack.len();
        self.intern_at(LEAF_LEVEL, payload, base)
    }

    /// The node at `level` with these runs, reduced: adjacent runs to the
    /// same child are merged, and a node whose cells all lead to one child
    /// is that child. The runs must cover the level's cells in order and
    /// every child must lie below `level`.
    pub fn node(&mut self, level: u32, runs: &[Run]) -> Result<NodeId, BudgetExceeded> {
        debug_assert_eq!(
            runs.last().map(|r| r.end + 1),
            Some(self.cells[level as usize])
        );
        let base = self.stack.len();
        for &r in runs {
            debug_assert!(self.level(r.child) > level);
            self.push_run(base, r);
        }
        self.finish_node(level, base)
    }

    /// The node at `level` sending the cells for which `inside` holds to
    /// `yes` and the others to `no`. `inside` is given as ascending,
    /// disjoint, inclusive cell intervals.
    pub fn split(
        &mut self,
        level: u32,
        inside: &[(u32, u32)],
        yes: NodeId,
        no: NodeId,
    ) -> Result<NodeId, BudgetExceeded> {
        let last = self.cells[level as usize] - 1;
        let base = self.stack.len();
        let mut at = 0u32;
        for &(lo, hi) in inside {
            if lo > at {
                self.push_run(
                    base,
                    Run {
                        end: lo - 1,
                        child: no,
                    },
                );
            }
            self.push_run(
                base,
                Run {
                    end: hi,
                    child: yes,
                },
            );
            at = hi + 1;
        }
        if at <= last {
            self.push_run(
                base,
                Run {
                    end: last,
                    child: no,
                },
            );
        }
        self.finish_node(level, base)
    }

    /// Combines two diagrams cell by cell: the result maps every case to
    /// `op(payload of a, payload of b)`. `memo` is the computed table of
    /// this operation; reuse it only with the same `op`.
    pub fn apply(
        &mut self,
        a: NodeId,
        b: NodeId,
        op: &mut dyn FnMut(u32, u32) -> u32,
        memo: &mut Memo2,
    ) -> Result<NodeId, BudgetExceeded> {
        self.apply_unless(a, b, None, &mut |_, _| false, op, memo)
    }

    /// [`Mdd::apply`], except that the result is `a` unchanged, without
    /// visiting it, wherever `b` reaches the node `unit` or `a` reaches a
    /// node that is `settled` (the caller's judgement, for leaves and inner
    /// nodes alike). Folding a rule into a policy's diagram uses both, so
    /// that the cases the rule does not match, and the cases no later rule
    /// can change, cost nothing.
    pub fn apply_unless(
        &mut self,
        a: NodeId,
        b: NodeId,
        unit: Option<NodeId>,
        settled: &mut dyn FnMut(&Mdd, NodeId) -> bool,
        op: &mut dyn FnMut(u32, u32) -> u32,
        memo: &mut Memo2,
    ) -> Result<NodeId, BudgetExceeded> {
        let mut shortcut =
            |m: &Mdd, a: NodeId, b: NodeId| (Some(b) == unit || settled(m, a)).then_some(a);
        self.apply_with(a, b, &mut shortcut, op, memo)
    }

    /// [`Mdd::apply`], except that wherever `shortcut(a, b)` gives a node,
    /// that node is the result for the pair, without visiting it: the
    /// analyses use it to skip the cases outside a rule's region.
    ///
    /// The walk is depth first, children in cell order, as a recursion
    /// would be (so `op` sees the leaf pairs, and the manager makes its
    /// nodes, in the same order), on an explicit stack of frames.
    pub fn apply_with(
        &mut self,
        a: NodeId,
        b: NodeId,
        shortcut: &mut dyn FnMut(&Mdd, NodeId, NodeId) -> Option<NodeId>,
        op: &mut dyn FnMut(u32, u32) -> u32,
        memo: &mut Memo2,
    ) -> Result<NodeId, BudgetExceeded> {
        let entry = self.stack.len();
        let held = self.table_begin(memo);
        let mut frames = std::mem::take(&mut self.apply_frames);
        let r = self.apply_walk(a, b, shortcut, op, memo, held, &mut frames);
        if r.is_err() {
            // Every unfinished node's runs sit above `entry`.
            self.stack.truncate(entry);
        }
        frames.clear();
        self.apply_frames = frames;
        self.meter.set(Use::ComputedTables, held);
        r
    }

    /// Starts counting an operation's computed table: returns what the
    /// meter's computed tables held before (tables the caller keeps), and
    /// adds `memo`'s own bytes to it until [`Mdd::reserve_memo`] or the
    /// operation's end changes them.
    fn table_begin<K, V>(&self, memo: &HashMap<K, V, FxBuild>) -> usize {
        let held = self.meter.get(Use::ComputedTables);
        let entry = std::mem::size_of::<(K, V)>();
        self.meter.set(
            Use::ComputedTables,
            held + table_bytes(memo.capacity(), entry),
        );
        held
    }

    /// Makes room in an operation's computed table for one more entry,
    /// within the budget (the old table counted too: both are alive while
    /// the table grows). `held` is what [`Mdd::table_begin`] returned.
    fn reserve_memo<K: Eq + std::hash::Hash, V>(
        &self,
        memo: &mut HashMap<K, V, FxBuild>,
        held: usize,
    ) -> Result<(), BudgetExceeded> {
        if memo.len() < memo.capacity() {
            return Ok(());
        }
        let entry = std::mem::size_of::<(K, V)>();
        let want = (memo.len() * 2).max(16);
        self.check_bytes(Use::ComputedTables, table_bytes(want, entry))?;
        memo.reserve(want - memo.len());
        self.meter.set(
            Use::ComputedTables,
            held + table_bytes(memo.capacity(), entry),
        );
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_walk(
        &mut self,
        a: NodeId,
        b: NodeId,
        shortcut: &mut dyn FnMut(&Mdd, NodeId, NodeId) -> Option<NodeId>,
        op: &mut dyn FnMut(u32, u32) -> u32,
        memo: &mut Memo2,
        held: usize,
        frames: &mut Vec<ApplyFrame>,
    ) -> Result<NodeId, BudgetExceeded> {
        if let Some(r) = self.apply_enter(a, b, shortcut, op, memo, frames)? {
            return Ok(r);
        }
        loop {
            let f = frames.last_mut().expect("the walk is inside a node");
            if f.i < f.a_len && f.j < f.b_len {
                let last = f.last;
                // The run store only grows, so a frame's indices into it
                // stay valid while its children are visited.
                let run = |m: &Mdd, d: NodeData, n: NodeId, i: u32| -> Run {
                    if d.level == f.level {
                        m.runs[(d.first + i) as usize]
                    } else {
                        Run {
                            end: last,
                            child: n,
                        }
                    }
                };
                let (ra, rb) = (run(self, f.a_node, f.a, f.i), run(self, f.b_node, f.b, f.j));
                let end = ra.end.min(rb.end);
                f.end = end;
                if ra.end == end {
                    f.i += 1;
                }
                if rb.end == end {
                    f.j += 1;
                }
                let base = f.base;
                if let Some(child) =
                    self.apply_enter(ra.child, rb.child, shortcut, op, memo, frames)?
                {
                    self.push_run(base, Run { end, child });
                }
            } else {
                let f = frames.pop().expect("the walk is inside a node");
                let r = self.finish_node(f.level, f.base)?;
                self.reserve_memo(memo, held)?;
                memo.insert((f.a, f.b), r);
                match frames.last() {
                    Some(p) => self.push_run(
                        p.base,
                        Run {
                            end: p.end,
                            child: r,
                        },
                    ),
                    None => return Ok(r),
                }
            }
        }
    }

    /// The result for the pair `(a, b)` when it needs no visit of their
    /// children (a shortcut, two leaves, a computed pair); else `None`,
    /// with the pair's frame pushed.
    fn apply_enter(
        &mut self,
        a: NodeId,
        b: NodeId,
        shortcut: &mut dyn FnMut(&Mdd, NodeId, NodeId) -> Option<NodeId>,
        op: &mut dyn FnMut(u32, u32) -> u32,
        memo: &mut Memo2,
        frames: &mut Vec<ApplyFrame>,
    ) -> Result<Option<NodeId>, BudgetExceeded> {
        if let Some(r) = shortcut(self, a, b) {
            return Ok(Some(r));
        }
        let (da, db) = (self.nodes[a as usize], self.nodes[b as usize]);
        if da.level == LEAF_LEVEL && db.level == LEAF_LEVEL {
            let p = op(da.first, db.first);
            return self.leaf(p).map(Some);
        }
        if let Some(&r) = memo.get(&(a, b)) {
            return Ok(Some(r));
        }
        let level = da.level.min(db.level);
        frames.push(ApplyFrame {
            a,
            b,
            level,
            last: self.cells[level as usize] - 1,
            a_node: da,
            b_node: db,
            i: 0,
            j: 0,
            a_len: if da.level == level { da.len } else { 1 },
            b_len: if db.level == level { db.len } else { 1 },
            end: 0,
            base: self.stack.len(),
        });
        Ok(None)
    }

    /// The diagram with every leaf payload `p` replaced by `f(p)`. Depth
    /// first on an explicit stack of frames, like [`Mdd::apply_with`].
    pub fn map_leaves(
        &mut self,
        root: NodeId,
        f: &mut dyn FnMut(u32) -> u32,
        memo: &mut Memo1,
    ) -> Result<NodeId, BudgetExceeded> {
        let entry = self.stack.len();
        let held = self.table_begin(memo);
        let mut frames = std::mem::take(&mut self.map_frames);
        let r = self.map_walk(root, f, memo, held, &mut frames);
        if r.is_err() {
            self.stack.truncate(entry);
        }
        frames.clear();
        self.map_frames = frames;
        self.meter.set(Use::ComputedTables, held);
        r
    }

    fn map_walk(
        &mut self,
        root: NodeId,
        f: &mut dyn FnMut(u32) -> u32,
        memo: &mut Memo1,
        held: usize,
        frames: &mut Vec<MapFrame>,
    ) -> Result<NodeId, BudgetExceeded> {
        if let Some(r) = self.map_enter(root, f, memo, frames)? {
            return Ok(r);
        }
        loop {
            let top = frames.last_mut().expect("the walk is inside a node");
            if top.next < top.data.len {
                let run = self.runs[(top.data.first + top.next) as usize];
                top.next += 1;
                let base = top.base;
                if let Some(child) = self.map_enter(run.child, f, memo, frames)? {
                    self.push_run(
                        base,
                        Run {
                            end: run.end,
                            child,
                        },
                    );
                }
            } else {
                let done = frames.pop().expect("the walk is inside a node");
                let r = self.finish_node(done.data.level, done.base)?;
                self.reserve_memo(memo, held)?;
                memo.insert(done.node, r);
                match frames.last() {
                    Some(p) => {
                        let end = self.runs[(p.data.first + p.next - 1) as usize].end;
                        self.push_run(p.base, Run { end, child: r });
                    }
                    None => return Ok(r),
                }
            }
        }
    }

    /// The result for node `n` when it needs no visit of its children (a
    /// leaf, a node already mapped); else `None`, with its frame pushed.
    fn map_enter(
        &mut self,
        n: NodeId,
        f: &mut dyn FnMut(u32) -> u32,
        memo: &mut Memo1,
        frames: &mut Vec<MapFrame>,
    ) -> Result<Option<NodeId>, BudgetExceeded> {
        let d = self.nodes[n as usize];
        if d.level == LEAF_LEVEL {
            let q = f(d.first);
            return self.leaf(q).map(Some);
        }
        if let Some(&r) = memo.get(&n) {
            return Ok(Some(r));
        }
        frames.push(MapFrame {
            node: n,
            data: d,
            next: 0,
            base: self.stack.len(),
        });
        Ok(None)
    }

    /// The nodes reachable from `root`, each once, in depth-first preorder
    /// (children in cell order).
    ///
    /// Nodes seen are marked in a bitset over the manager's node ids (one
    /// bit a node, a hundredth of what the nodes themselves take), so the
    /// walk's memory stays a small share of what the budget counted.
    pub fn reachable(&self, root: NodeId) -> Vec<NodeId> {
        let mut seen = vec![0u64; self.nodes.len().div_ceil(64)];
        let mut order = Vec::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let (word, bit) = (n as usize / 64, 1u64 << (n % 64));
            if seen[word] & bit != 0 {
                continue;
            }
            seen[word] |= bit;
            order.push(n);
            for r in self.runs(n).iter().rev() {
                if seen[r.child as usize / 64] & (1u64 << (r.child % 64)) == 0 {
                    stack.push(r.child);
                }
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_reduced_and_shared() {
        let mut m = Mdd::new(vec![3, 2], Budget::nodes(1000));
        let f = m.leaf(0).unwrap();
        let t = m.leaf(1).unwrap();
        assert_eq!(m.leaf(1).unwrap(), t);
        // All cells to one child: no node.
        assert_eq!(m.split(0, &[(0, 2)], t, f).unwrap(), t);
        let a = m.split(0, &[(1, 1)], t, f).unwrap();
        let b = m.split(0, &[(1, 1)], t, f).unwrap();
        assert_eq!(a, b);
        assert_eq!(m.runs(a).len(), 3);
        assert_eq!(m.child(a, 1), t);
        assert_eq!(m.child(a, 2), f);
    }

    #[test]
    fn apply_combines_cell_by_cell() {
        let mut m = Mdd::new(vec![3, 2], Budget::nodes(1000));
        let f = m.leaf(0).unwrap();
        let t = m.leaf(1).unwrap();
        let x1 = m.split(0, &[(1, 1)], t, f).unwrap();
        let y0 = m.split(1, &[(0, 0)], t, f).unwrap();
        let mut and = |a: u32, b: u32| a & b;
        let both = m.apply(x1, y0, &mut and, &mut Memo2::default()).unwrap();
        assert_eq!(m.level(both), 0);
        let mid = m.child(both, 1);
        assert_eq!(mid, y0);
        assert_eq!(m.child(both, 0), f);
        let mut or = |a: u32, b: u32| a | b;
        let either = m.apply(x1, x1, &mut or, &mut Memo2::default()).unwrap();
        assert_eq!(either, x1);
    }

    #[test]
    fn budget_is_enforced() {
        let mut m = Mdd::new(vec![4], Budget::nodes(3));
        let a = m.leaf(0).unwrap();
        let b = m.leaf(1).unwrap();
        m.split(0, &[(0, 0)], a, b).unwrap();
        assert_eq!(
            m.split(0, &[(1, 1)], a, b),
            Err(BudgetExceeded::Nodes { max_nodes: 3 })
        );
    }

    /// The `or` of `n` comparisons of one attribute with one cell each,
    /// every other cell, one by one: `n` nodes of up to `2n` runs, a
    /// quadratic number of runs.
    fn staircase(m: &mut Mdd, n: u32) -> Result<NodeId, BudgetExceeded> {
        let mut acc = m.leaf(0)?;
        let one = m.leaf(1)?;
        let mut memo = Memo2::default();
        for i in 0..n {
            let zero = m.leaf(0)?;
            let next = m.split(0, &[(2 * i, 2 * i)], one, zero)?;
            memo.clear();
            acc = m.apply(acc, next, &mut |a, b| a | b, &mut memo)?;
        }
        Ok(acc)
    }

    #[test]
    fn the_byte_budget_stops_growth_and_names_what_grew() {
        let budget = Budget {
            max_nodes: usize::MAX,
            max_bytes: 1 << 20,
        };
        let mut m = Mdd::new(vec![4_001], budget);
        let e = staircase(&mut m, 2_000).unwrap_err();
        let BudgetExceeded::Memory {
            max_bytes,
            what,
            held,
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!((max_bytes, what), (1 << 20, Use::Nodes));
        // Refused before it happened: what the manager holds fits.
        assert!(m.bytes() <= 1 << 20, "{}", m.bytes());
        assert!(held.iter().sum::<usize>() > 1 << 20, "{held:?}");
        assert_eq!(e.to_string(), "past its memory budget of 1 MiB");
        let breakdown = e.breakdown().unwrap();
        assert!(
            breakdown.contains(" for the diagram's nodes"),
            "{breakdown}"
        );
    }

    #[test]
    fn a_meter_charge_counts_against_the_budget() {
        let budget = Budget {
            max_nodes: usize::MAX,
            max_bytes: 1 << 20,
        };
        let mut m = Mdd::new(vec![4], budget);
        m.charge(Use::Verdicts, 1 << 19).unwrap();
        let e = m.charge(Use::WinnerStates, 1 << 19).unwrap_err();
        assert!(
            matches!(
                e,
                BudgetExceeded::Memory {
                    what: Use::WinnerStates | Use::Verdicts,
                    ..
                }
            ),
            "{e:?}"
        );
        // A leaf is a new node: it checks the meter too.
        assert!(m.leaf(0).is_err());
        m.charge(Use::WinnerStates, 0).unwrap();
        assert!(m.leaf(0).is_ok());
    }

    /// A chain of nodes over `levels` levels of two cells, each sending
    /// cell 1 to a leaf and cell 0 one level down.
    fn chain(m: &mut Mdd, levels: u32) -> NodeId {
        let mut n = m.leaf(0).unwrap();
        for l in (0..levels).rev() {
            let leaf = m.leaf(1 + l % 2).unwrap();
            n = m.split(l, &[(1, 1)], leaf, n).unwrap();
        }
        n
    }

    #[test]
    fn computed_tables_are_counted_while_they_grow() {
        let mut m = Mdd::new(vec![2; 4_000], Budget::nodes(usize::MAX));
        let x = chain(&mut m, 4_000);
        // Room for what the manager holds and a few KiB.
        m.budget.max_bytes = m.bytes() + 4_096;
        // Combining a diagram with itself makes no node: only the computed
        // table grows, one entry a node, and it passes the budget.
        let e = m
            .apply(x, x, &mut |a, b| a & b, &mut Memo2::default())
            .unwrap_err();
        let BudgetExceeded::Memory { held, .. } = e else {
            panic!("{e:?}")
        };
        assert!(held[Use::ComputedTables.index()] > 4_096, "{held:?}");
        // Released when the operation returns.
        assert_eq!(m.meter.get(Use::ComputedTables), 0);
    }

    #[test]
    fn show_bytes_rounds_for_people() {
        assert_eq!(show_bytes(100), "100 bytes");
        assert_eq!(show_bytes(2 << 30), "2 GiB");
        assert_eq!(show_bytes(3 << 29), "1.5 GiB");
        assert_eq!(show_bytes(1536), "1.5 KiB");
    }
}
