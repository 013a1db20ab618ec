//! Sufficient reasons on a read-only diagram: a smallest set of the case's
//! own values that alone fixes the outcome (Darwiche and Hirth's
//! sufficient reasons, that is prime-implicant explanations).
//!
//! # The idea
//!
//! For a case `x` decided as outcome `o`, a set `S` of its attributes is
//! sufficient when every case that agrees with `x` on `S` is decided `o`.
//! Take any path of the diagram to a leaf with another outcome, and let
//! `D` be the attributes whose branch on that path does not hold `x`'s
//! value: changing `x` on `D` alone reaches that leaf. So `S` is
//! sufficient exactly when it meets every such `D`, and a smallest
//! sufficient reason is a smallest *hitting set* of the family of `D`s.
//!
//! The family can be exponential, so it is never built whole. The search
//! is an implicit hitting-set loop: start from `S = ∅`; look for a path to
//! another outcome that keeps `x`'s values on `S` (a depth-first walk,
//! `x`'s own branch first so that few attributes change, never entering a
//! node twice); if there is none, `S` is sufficient; otherwise add the
//! path's `D` to the sets found so far and make `S` a smallest hitting set
//! of them (branch and bound: branch on the attributes of the first set
//! not hit, bounded by the best set so far and by a count of disjoint sets
//! still to hit). Every sufficient set meets every `D` found, so the first
//! `S` that is sufficient is a smallest one. Each round costs one walk of
//! the part of the diagram the case's kept values leave open, and the
//! rounds are about as many as the sets a smallest reason must hit.
//!
//! The evaluator runs this on the diagram of outcomes alone, reduced,
//! which is the same canonical diagram for a policy and for its compiled
//! JSON, with or without explaining rules, so every engine and form gives
//! the same set. A missing attribute (a partial case) never disagrees and
//! is never chosen.
//!
//! The loop is bounded ([`MAX_ROUNDS`], [`MAX_SEARCH`]). Past a bound the
//! reason is found greedily instead — each value dropped whose absence
//! leaves the outcome fixed, checked by a walk of the diagram — which is
//! subset-minimal but not always smallest, and is reported as such.

use super::flat::{Flat, LEAF, Ref, code_bit};
use crate::check::AttrId;

/// The most branch-and-bound steps of the hitting-set search.
pub const MAX_SEARCH: usize = 200_000;

/// A cell value meaning "the case does not give this attribute".
pub const UNKNOWN: u32 = u32::MAX;

/// How sure a reason is to be smallest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Minimality {
    /// No smaller set of the case's values fixes the outcome.
    Minimum,
    /// No value of the set can be dropped, but a smaller set may exist.
    Subset,
    /// The set is sufficient; whether a value could be dropped is unknown
    /// (a check passed its budget).
    Sufficient,
}

/// Reusable working memory for the walks, sized by the first diagrams it
/// serves; nothing is allocated once it has grown.
#[derive(Clone, Debug, Default)]
pub struct ReasonScratch {
    epoch: u32,
    stamp: Vec<u32>,
    fam_start: Vec<u32>,
    fam_len: Vec<u32>,
    kept: Vec<u64>,
    order: Vec<u32>,
    stack: Vec<(Ref, u32)>,
    chosen: Vec<u64>,
    forbidden: Vec<u64>,
    best: Vec<u64>,
    union: Vec<u64>,
    walk: Vec<Ref>,
    frames: Vec<u32>,
    counts: Vec<u32>,
    undo: Vec<usize>,
    branches: Vec<Branch>,
    family: Vec<u64>,
    hit: Vec<u64>,
    found: Vec<u64>,
}

impl ReasonScratch {
    /// Starts a walk over `flat`: every node unvisited.
    fn begin(&mut self, flat: &Flat) {
        if self.stamp.len() < flat.len() {
            self.stamp.resize(flat.len(), 0);
            self.fam_start.resize(flat.len(), 0);
            self.fam_len.resize(flat.len(), 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
    }
}

/// The words per attribute set.
fn words(flat: &Flat) -> usize {
    flat.cells.len().div_ceil(64).max(1)
}

fn set_bit(s: &mut [u64], a: usize) {
    s[a / 64] |= 1 << (a % 64);
}

fn has_bit(s: &[u64], a: usize) -> bool {
    s[a / 64] >> (a % 64) & 1 == 1
}

fn subset(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x & !y == 0)
}

fn meets(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).any(|(x, y)| x & y != 0)
}

fn popcount(a: &[u64]) -> u32 {
    a.iter().map(|w| w.count_ones()).sum()
}

/// A smallest set of the known attributes of a case (`cells[a]`, or
/// [`UNKNOWN`]) that fixes outcome code `o`, ascending; `None` when the
/// outcome is not fixed at all.
pub fn sufficient(
    flat: &Flat,
    cells: &[u32],
    o: u32,
    s: &mut ReasonScratch,
) -> Option<(Vec<AttrId>, Minimality)> {
    let w = words(flat);
    let mut family = std::mem::take(&mut s.family);
    family.clear();
    let mut hit = std::mem::take(&mut s.hit);
    hit.clear();
    hit.resize(w, 0);
    let mut exact = true;
    let mut rounds = 0;
    let answer = loop {
        rounds += 1;
        if rounds > MAX_ROUNDS {
            break greedy(flat, cells, o, s).map(|v| (v, Minimality::Subset));
        }
        match find_other(flat, cells, &hit, o, s, w) {
            None if exact => {
                let set = (0..cells.len()).filter(|&a| has_bit(&hit, a)).collect();
                break Some((set, Minimality::Minimum));
            }
            None => {
                // The search was cut short: the set is sufficient but may
                // hold values it does not need; the greedy pass drops them.
                let kept: Vec<u32> = (0..cells.len())
                    .map(|a| if has_bit(&hit, a) { cells[a] } else { UNKNOWN })
                    .collect();
                break greedy(flat, &kept, o, s).map(|v| (v, Minimality::Subset));
            }
            Some(()) => {
                let d = &s.found;
                if d.iter().all(|&x| x == 0) {
                    // A case agreeing on every known value has another
                    // outcome: nothing fixes it.
                    break None;
                }
                // Keep the family minimal: the new set is never a superset
                // of a kept one (the kept ones are hit, it is not), but
                // may be a subset.
                let mut kept = 0;
                for i in 0..family.len() / w {
                    let (a, b) = (i * w, (i + 1) * w);
                    if !subset(d, &family[a..b]) {
                        family.copy_within(a..b, kept * w);
                        kept += 1;
                    }
                }
                family.truncate(kept * w);
                family.extend_from_slice(d);
                sort_family(&mut family, w, &mut s.order, &mut s.kept);
                let mut chosen = std::mem::take(&mut s.chosen);
                exact &= hitting_set(&family, w, s, &mut chosen);
                s.chosen = chosen;
                hit.copy_from_slice(&s.best);
            }
        }
    };
    s.family = family;
    s.hit = hit;
    answer
}

/// The most rounds of [`sufficient`]'s search (each adds a set of
/// attributes to hit); past them the reason is made greedily.
pub const MAX_ROUNDS: usize = 4096;

/// Sorts the family by size and then by bits, so that the hitting-set
/// search, which branches on the first set not yet hit, is deterministic
/// and branches on small sets first.
fn sort_family(family: &mut [u64], w: usize, order: &mut Vec<u32>, buf: &mut Vec<u64>) {
    if w == 1 {
        family.sort_unstable_by_key(|&x| (x.count_ones(), x));
        return;
    }
    let m = family.len() / w;
    order.clear();
    order.extend(0..m as u32);
    let set = |i: u32| &family[i as usize * w..(i as usize + 1) * w];
    order.sort_unstable_by(|&x, &y| {
        popcount(set(x))
            .cmp(&popcount(set(y)))
            .then_with(|| set(x).cmp(set(y)))
    });
    buf.clear();
    for &i in order.iter() {
        buf.extend_from_slice(set(i));
    }
    family.copy_from_slice(buf);
}

/// Looks for a leaf with another outcome than `o` that a case agreeing
/// with the known values on the attributes in `hit` reaches; on success
/// `s.found` holds the known attributes that case changes (the branches
/// taken that do not hold the case's own cell). Depth first, the case's
/// own branch first, so that few attributes change; a node explored
/// without success is not entered again.
fn find_other(
    flat: &Flat,
    cells: &[u32],
    hit: &[u64],
    o: u32,
    s: &mut ReasonScratch,
    w: usize,
) -> Option<()> {
    let prunable = o < 63;
    let only_o = |r: Ref| prunable && flat.reach_of(r) & !code_bit(o) == 0;
    if flat.root & LEAF != 0 {
        s.found.clear();
        s.found.resize(w, 0);
        return (flat.code(flat.root) != o).then_some(());
    }
    if only_o(flat.root) {
        return None;
    }
    s.begin(flat);
    // A frame: the node, and the next of its branches to try (the own
    // branch is tried as number 0, then the others in order).
    // The run holding the known cell of node `n`'s attribute, computed once
    // per visit (`u32::MAX` when the attribute is missing).
    let run_of = |n: Ref| {
        let own = cells[flat.nodes[n as usize].attr as usize];
        if own == UNKNOWN {
            u32::MAX
        } else {
            flat.ends(n).partition_point(|&e| e < own) as u32
        }
    };
    s.stack.clear();
    s.frames.clear();
    s.stack.push((flat.root, 0));
    s.frames.push(run_of(flat.root));
    while let Some(&(n, i)) = s.stack.last() {
        let node = flat.nodes[n as usize];
        let a = node.attr as usize;
        let own_run = *s.frames.last().expect("a frame per node");
        let forced = own_run != u32::MAX && has_bit(hit, a);
        // Branch number `i` in trial order: the own run, then the rest.
        let run = if own_run == u32::MAX {
            (i < node.len).then_some(i)
        } else if i == 0 {
            Some(own_run)
        } else if forced {
            None
        } else {
            let j = if i <= own_run { i - 1 } else { i };
            (j < node.len).then_some(j)
        };
        let Some(j) = run else {
            s.stamp[n as usize] = s.epoch;
            s.stack.pop();
            s.frames.pop();
            continue;
        };
        s.stack.last_mut().expect("a frame").1 += 1;
        let k = flat.kids[(node.first + j) as usize];
        if k & LEAF != 0 {
            if flat.code(k) != o {
                s.stack.push((k, j));
                break;
            }
            continue;
        }
        if s.stamp[k as usize] == s.epoch || only_o(k) {
            continue;
        }
        s.stack.push((k, 0));
        s.frames.push(run_of(k));
    }
    let (&(top, _), path) = s.stack.split_last()?;
    if top & LEAF == 0 {
        return None;
    }
    // Which known attributes the path changes: at each node on it, the
    // branch taken (the child is the next frame) against the own cell.
    s.found.clear();
    s.found.resize(w, 0);
    for (f, next) in path.iter().zip(s.stack.iter().skip(1)) {
        let n = f.0;
        let a = flat.nodes[n as usize].attr as usize;
        let own = cells[a];
        if own == UNKNOWN {
            continue;
        }
        let own_kid = flat.child(n, own);
        if own_kid != next.0 {
            set_bit(&mut s.found, a);
        }
    }
    Some(())
}

/// A smallest hitting set of `fam` (sorted by size), deterministically,
/// left in `s.best`: a greedy set bounds a branch-and-bound search. `false`
/// when the search stopped at [`MAX_SEARCH`] (the set is then a hitting
/// set, not proven smallest).
fn hitting_set(fam: &[u64], w: usize, s: &mut ReasonScratch, chosen: &mut Vec<u64>) -> bool {
    let m = fam.len() / w;
    let set = |i: usize| &fam[i * w..(i + 1) * w];
    // Greedy: the attribute in most unhit sets, lowest first on ties.
    chosen.clear();
    chosen.resize(w, 0);
    s.counts.clear();
    s.counts.resize(w * 64, 0);
    loop {
        for i in 0..m {
            let d = set(i);
            if meets(d, chosen) {
                continue;
            }
            for (x, &word) in d.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let b = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    s.counts[x * 64 + b] += 1;
                }
            }
        }
        let mut pick = None;
        for (a, c) in s.counts.iter_mut().enumerate() {
            if *c > 0 && pick.is_none_or(|(_, best)| *c > best) {
                pick = Some((a, *c));
            }
            *c = 0;
        }
        let Some((a, _)) = pick else {
            break;
        };
        set_bit(chosen, a);
    }
    s.best.clear();
    s.best.extend_from_slice(chosen);
    let mut best_size = popcount(&s.best);
    chosen.fill(0);
    s.forbidden.clear();
    s.forbidden.resize(w, 0);
    let mut steps = 0usize;
    let mut search = Search {
        fam,
        w,
        m,
        steps: &mut steps,
        best: &mut s.best,
        best_size: &mut best_size,
        union: &mut s.union,
        undo: &mut s.undo,
        branches: &mut s.branches,
    };
    search.run(chosen, &mut s.forbidden)
}

struct Search<'a> {
    fam: &'a [u64],
    w: usize,
    m: usize,
    steps: &'a mut usize,
    best: &'a mut Vec<u64>,
    best_size: &'a mut u32,
    union: &'a mut Vec<u64>,
    /// The attributes each branching forbade, to forbid them no more when
    /// it is done.
    undo: &'a mut Vec<usize>,
    /// The branchings in progress, innermost last.
    branches: &'a mut Vec<Branch>,
}

/// A step of the search that branches on the attributes of the first set
/// not yet hit: which set, the attributes of it still to try (word `x`,
/// the bits of it left), the one being tried, and where its entries in
/// `undo` start.
#[derive(Clone, Copy, Debug)]
struct Branch {
    first: usize,
    x: usize,
    bits: u64,
    tried: usize,
    size: u32,
    mark: usize,
}

impl Search<'_> {
    fn set(&self, i: usize) -> &[u64] {
        &self.fam[i * self.w..(i + 1) * self.w]
    }

    /// Branch and bound from the empty set, never choosing a `forbidden`
    /// attribute; `false` once out of steps. Depth first, each branching
    /// trying its attributes in order and forbidding each after it (its
    /// sets without it were searched); the depth is the size of the set
    /// being built, so the branchings in progress are kept on a stack.
    fn run(&mut self, chosen: &mut [u64], forbidden: &mut [u64]) -> bool {
        let mut done = self.step(chosen, forbidden, 0);
        if let Some(complete) = done {
            return complete;
        }
        loop {
            let Some(b) = self.branches.last_mut() else {
                return done.unwrap_or(true);
            };
            let complete = match done.take() {
                // The attribute tried was searched with; it is chosen no
                // more, and forbidden for the rest of this branching.
                Some(complete) => {
                    chosen[b.tried / 64] &= !(1 << (b.tried % 64));
                    if complete {
                        set_bit(forbidden, b.tried);
                        self.undo.push(b.tried);
                    }
                    complete
                }
                None => true,
            };
            while complete && b.bits == 0 && b.x + 1 < self.w {
                b.x += 1;
                b.bits = self.fam[b.first * self.w + b.x] & !forbidden[b.x];
            }
            if !complete || b.bits == 0 {
                let b = self.branches.pop().expect("the branching above");
                for &a in &self.undo[b.mark..] {
                    forbidden[a / 64] &= !(1 << (a % 64));
                }
                self.undo.truncate(b.mark);
                done = Some(complete);
                continue;
            }
            let a = b.x * 64 + b.bits.trailing_zeros() as usize;
            b.bits &= b.bits - 1;
            b.tried = a;
            let size = b.size + 1;
            set_bit(chosen, a);
            done = self.step(chosen, forbidden, size);
        }
    }

    /// One step below `chosen` (of `size` attributes): settled when every
    /// set is hit (a better set, perhaps), when the bounds show nothing
    /// better lies below, or when out of steps (`Some(false)`); else `None`,
    /// with the branching on the first set not hit pushed.
    fn step(&mut self, chosen: &[u64], forbidden: &[u64], size: u32) -> Option<bool> {
        *self.steps += 1;
        if *self.steps > MAX_SEARCH {
            return Some(false);
        }
        let Some(first) = (0..self.m).find(|&i| !meets(self.set(i), chosen)) else {
            if size < *self.best_size {
                *self.best_size = size;
                self.best.clear();
                self.best.extend_from_slice(chosen);
            }
            return Some(true);
        };
        if size + 1 >= *self.best_size {
            return Some(true);
        }
        // Disjoint unhit sets each need an attribute of their own.
        self.union.clear();
        self.union.resize(self.w, 0);
        let mut lower = 0;
        for i in first..self.m {
            let d = &self.fam[i * self.w..(i + 1) * self.w];
            if meets(d, chosen) || meets(d, self.union) {
                continue;
            }
            // A set whose every attribute is forbidden cannot be hit.
            if subset(d, forbidden) {
                return Some(true);
            }
            lower += 1;
            for (u, x) in self.union.iter_mut().zip(d) {
                *u |= x;
            }
        }
        if size + lower >= *self.best_size {
            return Some(true);
        }
        self.branches.push(Branch {
            first,
            x: 0,
            bits: self.fam[first * self.w] & !forbidden[0],
            tried: 0,
            size,
            mark: self.undo.len(),
        });
        None
    }
}

/// Whether knowing only the attributes whose `cells` entry is not
/// [`UNKNOWN`] fixes outcome code `o`: a walk of every branch the known
/// values allow, stopping at the first leaf with another outcome.
pub fn fixes(flat: &Flat, cells: &[u32], o: u32, s: &mut ReasonScratch) -> bool {
    let prunable = o < 63;
    s.begin(flat);
    s.walk.clear();
    s.walk.push(flat.root);
    while let Some(n) = s.walk.pop() {
        if n & LEAF != 0 {
            if flat.code(n) != o {
                return false;
            }
            continue;
        }
        if s.stamp[n as usize] == s.epoch
            || (prunable && flat.reach[n as usize] & !code_bit(o) == 0)
        {
            continue;
        }
        s.stamp[n as usize] = s.epoch;
        let own = cells[flat.nodes[n as usize].attr as usize];
        if own != UNKNOWN {
            s.walk.push(flat.child(n, own));
        } else {
            s.walk.extend_from_slice(flat.kids(n));
        }
    }
    true
}

/// A subset-minimal reason: every known value, then each dropped (last
/// attribute first) whose absence leaves the outcome fixed.
fn greedy(flat: &Flat, cells: &[u32], o: u32, s: &mut ReasonScratch) -> Option<Vec<AttrId>> {
    let mut trial = cells.to_vec();
    if !fixes(flat, &trial, o, s) {
        return None;
    }
    for a in (0..cells.len()).rev() {
        if trial[a] == UNKNOWN {
            continue;
        }
        let kept = trial[a];
        trial[a] = UNKNOWN;
        if !fixes(flat, &trial, o, s) {
            trial[a] = kept;
        }
    }
    Some((0..cells.len()).filter(|&a| trial[a] != UNKNOWN).collect())
}
