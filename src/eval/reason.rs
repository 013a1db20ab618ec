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
//! value: changing `x` on `D` alone (and nothing else) reaches that leaf.
//! So `S` is sufficient exactly when it meets every such `D`, and a
//! smallest sufficient reason is a smallest *hitting set* of the family of
//! `D`s. Only the subset-minimal `D`s matter, and their family is a
//! property of the decision function, not of the diagram: it is the set of
//! minimal `{a : y_a ≠ x_a}` over the cases `y` with another outcome. Two
//! diagrams of one function (the policy's and its compiled JSON; with and
//! without explaining rules) give the same family, and the search below is
//! deterministic on it, so every engine picks the same smallest set.
//!
//! One walk of the diagram collects the family bottom-up: a leaf with
//! outcome `o` contributes nothing, another leaf the empty set, and an
//! inner node testing `a` the families of its children, with `a` added
//! below the branches that do not hold `x`'s value; each node keeps only
//! its minimal sets. Nodes whose leaves all have outcome `o` are never
//! entered. A missing attribute (a partial case) never disagrees. The
//! hitting set is found by branch and bound: branch on the elements of the
//! first set not yet hit, bounded by the best set so far and by a count of
//! disjoint sets still to hit.
//!
//! Both steps are bounded ([`MAX_FAMILY`], [`MAX_SEARCH`]). Past a bound
//! the reason is found greedily instead — each value dropped whose absence
//! leaves the outcome fixed, checked by a walk of the diagram — which is
//! subset-minimal but not always smallest, and is reported as such.

use super::flat::{Flat, LEAF, Ref, code_bit};
use crate::check::AttrId;

/// The most sets a node's family may hold before the walk gives up.
pub const MAX_FAMILY: usize = 1024;
/// The most words of set storage one walk may use (8 MiB).
pub const MAX_ARENA_WORDS: usize = 1 << 20;
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
    arena: Vec<u64>,
    kept: Vec<u64>,
    order: Vec<u32>,
    stack: Vec<(Ref, u32)>,
    chosen: Vec<u64>,
    forbidden: Vec<u64>,
    best: Vec<u64>,
    union: Vec<u64>,
    walk: Vec<Ref>,
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
    match family(flat, cells, o, s, w) {
        Ok((start, len)) => {
            let arena = std::mem::take(&mut s.arena);
            let fam = &arena[start..start + len * w];
            if len > 0 && fam[..w].iter().all(|&x| x == 0) {
                s.arena = arena;
                return None;
            }
            let mut st = std::mem::take(&mut s.chosen);
            let (found, exact) = hitting_set(fam, w, s, &mut st);
            s.chosen = st;
            s.arena = arena;
            let set = (0..cells.len()).filter(|&a| has_bit(&found, a)).collect();
            let how = if exact {
                Minimality::Minimum
            } else {
                Minimality::Subset
            };
            Some((set, how))
        }
        Err(()) => greedy(flat, cells, o, s).map(|v| (v, Minimality::Subset)),
    }
}

/// The minimal family at the root: `(start, count)` in `s.arena`, sorted
/// by size and then by bits. `Err` past a bound.
fn family(
    flat: &Flat,
    cells: &[u32],
    o: u32,
    s: &mut ReasonScratch,
    w: usize,
) -> Result<(usize, usize), ()> {
    s.begin(flat);
    s.arena.clear();
    // The root as a leaf: nothing to walk.
    if flat.root & LEAF != 0 {
        if flat.code(flat.root) == o {
            return Ok((0, 0));
        }
        s.arena.extend(std::iter::repeat_n(0, w));
        return Ok((0, 1));
    }
    let prunable = o < 63;
    let only_o = |r: Ref| prunable && flat.reach_of(r) & !code_bit(o) == 0;
    if only_o(flat.root) {
        return Ok((0, 0));
    }
    s.stack.clear();
    s.stack.push((flat.root, 0));
    while let Some(&(n, i)) = s.stack.last() {
        let node = flat.nodes[n as usize];
        if i < node.len {
            s.stack.last_mut().expect("a frame").1 += 1;
            let k = flat.kids[(node.first + i) as usize];
            if k & LEAF == 0 && s.stamp[k as usize] != s.epoch && !only_o(k) {
                s.stack.push((k, 0));
            }
            continue;
        }
        s.stack.pop();
        // Every child is done: gather their sets.
        let a = node.attr as usize;
        let own = cells[a];
        let start = s.arena.len();
        let mut lo = 0u32;
        let mut has_empty = false;
        for j in 0..node.len as usize {
            let end = flat.ends[node.first as usize + j];
            let k = flat.kids[node.first as usize + j];
            let agree = own == UNKNOWN || (lo <= own && own <= end);
            lo = end + 1;
            let (cs, cn) = if k & LEAF != 0 {
                if flat.code(k) == o {
                    continue;
                }
                (usize::MAX, 1)
            } else if only_o(k) {
                continue;
            } else {
                (
                    s.fam_start[k as usize] as usize,
                    s.fam_len[k as usize] as usize,
                )
            };
            for c in 0..cn {
                let at = s.arena.len();
                if cs == usize::MAX {
                    s.arena.extend(std::iter::repeat_n(0, w));
                } else {
                    for x in 0..w {
                        let word = s.arena[cs + c * w + x];
                        s.arena.push(word);
                    }
                }
                if !agree {
                    set_bit(&mut s.arena[at..at + w], a);
                } else if s.arena[at..at + w].iter().all(|&x| x == 0) {
                    has_empty = true;
                }
            }
            if s.arena.len() > MAX_ARENA_WORDS {
                return Err(());
            }
        }
        let m = (s.arena.len() - start) / w;
        let kept = if has_empty {
            s.arena.truncate(start);
            s.arena.extend(std::iter::repeat_n(0, w));
            1
        } else {
            minimize(s, start, m, w)?
        };
        s.stamp[n as usize] = s.epoch;
        s.fam_start[n as usize] = start as u32;
        s.fam_len[n as usize] = kept as u32;
        if n == flat.root {
            return Ok((start, kept));
        }
    }
    unreachable!("the root is finished last")
}

/// Keeps the minimal sets among the `m` sets at `s.arena[start..]`, sorted
/// by size and then by bits, in place; returns how many.
fn minimize(s: &mut ReasonScratch, start: usize, m: usize, w: usize) -> Result<usize, ()> {
    let arena = &s.arena;
    let set = |i: u32| &arena[start + i as usize * w..start + (i as usize + 1) * w];
    s.order.clear();
    s.order.extend(0..m as u32);
    s.order.sort_unstable_by(|&x, &y| {
        popcount(set(x))
            .cmp(&popcount(set(y)))
            .then_with(|| set(x).cmp(set(y)))
    });
    s.kept.clear();
    let mut count = 0;
    for &i in &s.order {
        let c = set(i);
        if s.kept.chunks(w).any(|k| subset(k, c)) {
            continue;
        }
        s.kept.extend_from_slice(c);
        count += 1;
        if count > MAX_FAMILY {
            return Err(());
        }
    }
    s.arena.truncate(start);
    s.arena.extend_from_slice(&s.kept);
    Ok(count)
}

/// A smallest hitting set of `fam` (sorted by size), deterministically:
/// a greedy set bounds a branch-and-bound search. `false` when the search
/// stopped at [`MAX_SEARCH`] (the set is then minimal, not proven
/// smallest).
fn hitting_set(
    fam: &[u64],
    w: usize,
    s: &mut ReasonScratch,
    chosen: &mut Vec<u64>,
) -> (Vec<u64>, bool) {
    let m = fam.len() / w;
    let set = |i: usize| &fam[i * w..(i + 1) * w];
    // Greedy: the attribute in most unhit sets, lowest first on ties.
    chosen.clear();
    chosen.resize(w, 0);
    loop {
        let mut counts: Vec<(usize, u32)> = Vec::new();
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
                    let a = x * 64 + b;
                    match counts.iter_mut().find(|(q, _)| *q == a) {
                        Some((_, c)) => *c += 1,
                        None => counts.push((a, 1)),
                    }
                }
            }
        }
        let Some(&(a, _)) = counts
            .iter()
            .max_by(|p, q| p.1.cmp(&q.1).then_with(|| q.0.cmp(&p.0)))
        else {
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
    };
    let complete = search.run(chosen, &mut s.forbidden, 0);
    (s.best.clone(), complete)
}

struct Search<'a> {
    fam: &'a [u64],
    w: usize,
    m: usize,
    steps: &'a mut usize,
    best: &'a mut Vec<u64>,
    best_size: &'a mut u32,
    union: &'a mut Vec<u64>,
}

impl Search<'_> {
    fn set(&self, i: usize) -> &[u64] {
        &self.fam[i * self.w..(i + 1) * self.w]
    }

    /// Branch and bound below `chosen` (of `size` attributes), never
    /// choosing a `forbidden` one; `false` once out of steps.
    fn run(&mut self, chosen: &mut Vec<u64>, forbidden: &mut Vec<u64>, size: u32) -> bool {
        *self.steps += 1;
        if *self.steps > MAX_SEARCH {
            return false;
        }
        let Some(first) = (0..self.m).find(|&i| !meets(self.set(i), chosen)) else {
            if size < *self.best_size {
                *self.best_size = size;
                self.best.clear();
                self.best.extend_from_slice(chosen);
            }
            return true;
        };
        if size + 1 >= *self.best_size {
            return true;
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
                return true;
            }
            lower += 1;
            for (u, x) in self.union.iter_mut().zip(d) {
                *u |= x;
            }
        }
        if size + lower >= *self.best_size {
            return true;
        }
        let d: Vec<u64> = self.set(first).to_vec();
        let saved = forbidden.clone();
        let mut complete = true;
        for x in 0..self.w {
            let mut bits = d[x] & !forbidden[x];
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let a = x * 64 + b;
                set_bit(chosen, a);
                complete &= self.run(chosen, forbidden, size + 1);
                chosen[a / 64] &= !(1 << (a % 64));
                if !complete {
                    forbidden.copy_from_slice(&saved);
                    return false;
                }
                set_bit(forbidden, a);
            }
        }
        forbidden.copy_from_slice(&saved);
        complete
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
