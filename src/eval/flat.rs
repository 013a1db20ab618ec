//! The compiled form laid out for reading: only the nodes reachable from the
//! root, renumbered by level so that every child comes after its parent,
//! with each node's runs in two parallel arrays (`ends`, `kids`).
//!
//! Deciding a case walks from the root, scanning each node's short list of
//! run ends (a binary search only past `LINEAR_SCAN` runs), with the
//! case's cells computed once. Nothing is created and nothing allocated,
//! so any number of threads can read one [`Flat`] at once.

use crate::check::{AttrId, OutcomeId};
use crate::compile::mdd::NodeId;
use crate::compile::{Cells, Diagram};
use crate::semantics::{Value, Verdict};
use std::collections::HashMap;

/// A reference to a node: an inner node's index, or [`LEAF`] plus a
/// verdict's index.
pub type Ref = u32;

/// The bit that marks a [`Ref`] as a leaf.
pub const LEAF: Ref = 1 << 31;

/// Runs up to this many are scanned linearly; longer lists are searched.
const LINEAR_SCAN: u32 = 8;

/// An inner node.
#[derive(Clone, Copy, Debug)]
pub struct FlatNode {
    /// The attribute it tests.
    pub attr: u32,
    /// Its first run in `ends` and `kids`.
    pub first: u32,
    /// How many runs it has.
    pub len: u32,
}

/// A read-only decision diagram (see the module documentation).
#[derive(Clone, Debug)]
pub struct Flat {
    /// The inner nodes, by ascending level.
    pub nodes: Vec<FlatNode>,
    /// The last cell of each run.
    pub ends: Vec<u32>,
    /// Where each run leads.
    pub kids: Vec<Ref>,
    /// The root.
    pub root: Ref,
    /// Each attribute's cells.
    pub cells: Vec<Cells>,
    /// The verdict of each leaf, indexed as in [`Ref`].
    pub verdicts: Vec<Verdict>,
    /// Each verdict's outcome code (see [`Flat::code`]).
    pub codes: Vec<u32>,
    /// For each inner node, the outcome codes of the leaves below it, as a
    /// bit set (all bits when there are more than 63 codes).
    pub reach: Vec<u64>,
    /// The attribute order: the attribute each level tests.
    pub order: Vec<AttrId>,
    /// The number of outcomes of the decision.
    pub outcomes: usize,
}

impl Flat {
    /// The reachable part of `d`'s diagram from `d.root`.
    pub fn new(d: &Diagram, outcomes: usize) -> Flat {
        Flat::from_root(d, d.root, outcomes)
    }

    /// The reachable part of `d`'s manager from `root`. A leaf whose payload
    /// is not a verdict index (the fold's `OUTSIDE`) becomes an undecided
    /// verdict of its own.
    pub fn from_root(d: &Diagram, root: NodeId, outcomes: usize) -> Flat {
        let mut inner: Vec<NodeId> = Vec::new();
        let mut verdicts: Vec<Verdict> = Vec::new();
        let mut leaf_of: HashMap<u32, Ref> = HashMap::new();
        for n in d.mdd.reachable(root) {
            match d.mdd.payload(n) {
                Some(p) => {
                    leaf_of.entry(p).or_insert_with(|| {
                        let v = d
                            .verdicts
                            .get(p as usize)
                            .cloned()
                            .unwrap_or(Verdict::Undecided);
                        verdicts.push(v);
                        LEAF | (verdicts.len() - 1) as Ref
                    });
                }
                None => inner.push(n),
            }
        }
        // Stable: within a level, depth-first order is kept.
        inner.sort_by_key(|&n| d.mdd.level(n));
        let index: HashMap<NodeId, Ref> = inner
            .iter()
            .enumerate()
            .map(|(i, &n)| (n, i as Ref))
            .collect();
        let refer = |n: NodeId| match d.mdd.payload(n) {
            Some(p) => leaf_of[&p],
            None => index[&n],
        };
        let mut nodes = Vec::with_capacity(inner.len());
        let (mut ends, mut kids) = (Vec::new(), Vec::new());
        for &n in &inner {
            let runs = d.mdd.runs(n);
            nodes.push(FlatNode {
                attr: d.order[d.mdd.level(n) as usize] as u32,
                first: ends.len() as u32,
                len: runs.len() as u32,
            });
            for r in runs {
                ends.push(r.end);
                kids.push(refer(r.child));
            }
        }
        let codes: Vec<u32> = verdicts.iter().map(|v| code(v, outcomes)).collect();
        let mut flat = Flat {
            nodes,
            ends,
            kids,
            root: refer(root),
            cells: d.cells.clone(),
            verdicts,
            codes,
            reach: Vec::new(),
            order: d.order.clone(),
            outcomes,
        };
        flat.reach = flat.compute_reach();
        flat
    }

    /// Which outcome codes lie below each node: children come after their
    /// parents, so one backward pass fills it.
    fn compute_reach(&self) -> Vec<u64> {
        let mut reach = vec![0u64; self.nodes.len()];
        for i in (0..self.nodes.len()).rev() {
            let mut bits = 0u64;
            for &k in self.kids(i as Ref) {
                bits |= if k & LEAF != 0 {
                    code_bit(self.codes[(k & !LEAF) as usize])
                } else {
                    reach[k as usize]
                };
            }
            reach[i] = bits;
        }
        reach
    }

    /// The outcome codes below `r` (a leaf's own).
    pub fn reach_of(&self, r: Ref) -> u64 {
        if r & LEAF != 0 {
            code_bit(self.codes[(r & !LEAF) as usize])
        } else {
            self.reach[r as usize]
        }
    }

    /// The number of inner nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the diagram is a single leaf.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The run ends of an inner node.
    pub fn ends(&self, n: Ref) -> &[u32] {
        let d = self.nodes[n as usize];
        &self.ends[d.first as usize..(d.first + d.len) as usize]
    }

    /// The children of an inner node, run by run.
    pub fn kids(&self, n: Ref) -> &[Ref] {
        let d = self.nodes[n as usize];
        &self.kids[d.first as usize..(d.first + d.len) as usize]
    }

    /// The child of inner node `n` for `cell`.
    #[inline]
    pub fn child(&self, n: Ref, cell: u32) -> Ref {
        let d = self.nodes[n as usize];
        let ends = &self.ends[d.first as usize..(d.first + d.len) as usize];
        let i = if d.len <= LINEAR_SCAN {
            ends.iter()
                .position(|&e| e >= cell)
                .unwrap_or(d.len as usize - 1)
        } else {
            ends.partition_point(|&e| e < cell)
        };
        self.kids[d.first as usize + i]
    }

    /// Fills `out` with each attribute's cell for `case` (0 for a value
    /// outside the cells, which checked cases never have).
    pub fn cells_of_case(&self, case: &[Value], out: &mut Vec<u32>) {
        out.clear();
        out.extend(
            self.cells
                .iter()
                .zip(case)
                .map(|(c, &v)| c.cell_of(v).unwrap_or(0)),
        );
    }

    /// The leaf a case given as cells reaches.
    #[inline]
    pub fn leaf_of_cells(&self, cells: &[u32]) -> Ref {
        let mut n = self.root;
        while n & LEAF == 0 {
            let attr = self.nodes[n as usize].attr as usize;
            n = self.child(n, cells[attr]);
        }
        n
    }

    /// The verdict of a complete case: one walk, computing only the cells
    /// of the attributes tested on the way.
    pub fn decide(&self, case: &[Value]) -> &Verdict {
        let mut n = self.root;
        while n & LEAF == 0 {
            let node = self.nodes[n as usize];
            let attr = node.attr as usize;
            let cell = match &self.cells[attr] {
                // An enum or bool value is its own cell.
                Cells::Values(_) => case[attr] as u32,
                c => c.cell_of(case[attr]).unwrap_or(0),
            };
            let (first, len) = (node.first as usize, node.len as usize);
            let ends = &self.ends[first..first + len];
            let i = if len <= LINEAR_SCAN as usize {
                ends.iter().position(|&e| e >= cell).unwrap_or(len - 1)
            } else {
                ends.partition_point(|&e| e < cell)
            };
            n = self.kids[first + i];
        }
        self.verdict(n)
    }

    /// The verdict of a leaf.
    pub fn verdict(&self, leaf: Ref) -> &Verdict {
        &self.verdicts[(leaf & !LEAF) as usize]
    }

    /// The outcome code of a leaf.
    pub fn code(&self, leaf: Ref) -> u32 {
        self.codes[(leaf & !LEAF) as usize]
    }
}

/// A verdict's outcome as a small number: 0 undecided, `o + 1` outcome `o`,
/// `outcomes + 1` a strict conflict. Sufficient reasons and partial
/// evaluation compare verdicts by this code.
pub fn code(v: &Verdict, outcomes: usize) -> u32 {
    match v {
        Verdict::Undecided => 0,
        Verdict::Decided { outcome, .. } => *outcome as u32 + 1,
        Verdict::Conflict { .. } => outcomes as u32 + 1,
    }
}

/// The outcome an outcome code stands for (`None`: undecided or conflict).
pub fn outcome_of_code(c: u32, outcomes: usize) -> Option<OutcomeId> {
    (c != 0 && (c as usize) <= outcomes).then(|| c as usize - 1)
}

/// A code's bit in a reach set; codes past 63 share the last bit, which
/// only makes pruning more cautious.
pub fn code_bit(c: u32) -> u64 {
    1u64 << c.min(63)
}
