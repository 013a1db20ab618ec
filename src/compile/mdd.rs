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
//! manager. Every node creation counts against a budget, and exceeding it
//! is an error the caller reports, never an out-of-memory crash.
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

/// The diagram was about to grow past its node budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetExceeded {
    /// The budget that was reached.
    pub max_nodes: usize,
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
    max_nodes: usize,
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
    /// refusing to hold more than `max_nodes` nodes.
    pub fn new(cells: Vec<u32>, max_nodes: usize) -> Mdd {
        Mdd {
            cells,
            nodes: Vec::new(),
            runs: Vec::new(),
            slots: vec![EMPTY; INITIAL_SLOTS],
            stack: Vec::new(),
            apply_frames: Vec::new(),
            map_frames: Vec::new(),
            max_nodes,
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
        self.max_nodes
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
        if self.nodes.len() >= self.max_nodes {
            return Err(BudgetExceeded {
                max_nodes: self.max_nodes,
            });
        }
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
        let mut frames = std::mem::take(&mut self.apply_frames);
        let r = self.apply_walk(a, b, shortcut, op, memo, &mut frames);
        if r.is_err() {
            // Every unfinished node's runs sit above `entry`.
            self.stack.truncate(entry);
        }
        frames.clear();
        self.apply_frames = frames;
        r
    }

    fn apply_walk(
        &mut self,
        a: NodeId,
        b: NodeId,
        shortcut: &mut dyn FnMut(&Mdd, NodeId, NodeId) -> Option<NodeId>,
        op: &mut dyn FnMut(u32, u32) -> u32,
        memo: &mut Memo2,
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
        let mut frames = std::mem::take(&mut self.map_frames);
        let r = self.map_walk(root, f, memo, &mut frames);
        if r.is_err() {
            self.stack.truncate(entry);
        }
        frames.clear();
        self.map_frames = frames;
        r
    }

    fn map_walk(
        &mut self,
        root: NodeId,
        f: &mut dyn FnMut(u32) -> u32,
        memo: &mut Memo1,
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
    pub fn reachable(&self, root: NodeId) -> Vec<NodeId> {
        let mut seen: std::collections::HashSet<NodeId, FxBuild> = Default::default();
        let mut order = Vec::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            order.push(n);
            for r in self.runs(n).iter().rev() {
                if !seen.contains(&r.child) {
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
        let mut m = Mdd::new(vec![3, 2], 1000);
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
        let mut m = Mdd::new(vec![3, 2], 1000);
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
        let mut m = Mdd::new(vec![4], 3);
        let a = m.leaf(0).unwrap();
        let b = m.leaf(1).unwrap();
        m.split(0, &[(0, 0)], a, b).unwrap();
        assert_eq!(
            m.split(0, &[(1, 1)], a, b),
            Err(BudgetExceeded { max_nodes: 3 })
        );
    }
}
