//! A tidy-tree layout: pure geometry, no text.
//!
//! In: a rooted tree (node 0 is the root, every child has a larger index
//! than its parent, as in preorder; children in their drawing order) and
//! each node's *extent*, the room it needs along the breadth axis (the
//! axis along which siblings are spread: vertical in the left-to-right
//! picture of [`super::svg`]). Out: each node's centre on that axis, in
//! whole units, the least of all tops at 0.
//!
//! The placement is Reingold and Tilford's: each subtree is laid out on
//! its own, then its children's subtrees are pushed together as close as
//! their *contours* (per generation, the first and last unit any node of
//! the subtree occupies) allow, `gap` apart, and the parent is centred on
//! its first and last child. Pushing left to right alone leaves a small
//! subtree between two large ones against its left neighbour; as in
//! Walker's refinement the small ones are spread evenly instead, here by
//! averaging the left-to-right and the right-to-left packing (both satisfy
//! every pairwise separation, which are linear constraints, so their
//! average does too, up to the rounding a final left-to-right pass
//! repairs). A subtree's drawing depends only on the subtree, so
//! identical subtrees are drawn identically, and everything is integer,
//! so the result is deterministic.
//!
//! Nothing recurses: nodes are handled in reverse preorder (children
//! before parents) and placed in preorder. The cost is the number of nodes
//! times the height, which the picture's node bound keeps small.

/// Per generation below (and including) a subtree's root: the first and
/// last unit its nodes occupy, relative to the root's centre.
type Contour = Vec<(i64, i64)>;

/// Lays out a tree: `children[n]` are node `n`'s children, `extent[n]` its
/// room along the breadth axis, `gap` the least room between two nodes of
/// one generation. Returns each node's centre.
///
/// # Panics
///
/// When a child's index is not larger than its parent's, or `extent` has
/// another length: a caller's bug.
pub fn tidy(children: &[Vec<usize>], extent: &[i64], gap: i64) -> Vec<i64> {
    let n = children.len();
    assert_eq!(extent.len(), n, "one extent per node");
    if n == 0 {
        return Vec::new();
    }
    // Each child's centre relative to its parent's.
    let mut offset = vec![0i64; n];
    let mut contours: Vec<Contour> = vec![Vec::new(); n];
    for node in (0..n).rev() {
        let kids = &children[node];
        assert!(kids.iter().all(|&c| c > node), "children after parents");
        let own = (-(extent[node] / 2), extent[node] - extent[node] / 2);
        if kids.is_empty() {
            contours[node] = vec![own];
            continue;
        }
        let kid_contours: Vec<Contour> = kids
            .iter()
            .map(|&c| std::mem::take(&mut contours[c]))
            .collect();
        let left = pack_forward(&kid_contours, gap, None);
        let right = pack_backward(&kid_contours, gap);
        // Both packings, each centred on its first and last child, in
        // doubled units so that the centring loses nothing.
        let centre2 = |p: &[i64]| p[0] + p[p.len() - 1];
        let (cl, cr) = (centre2(&left), centre2(&right));
        let averaged: Vec<i64> = left
            .iter()
            .zip(&right)
            .map(|(l, r)| (2 * l - cl + 2 * r - cr).div_euclid(4))
            .collect();
        let placed = pack_forward(&kid_contours, gap, Some(&averaged));
        let mid = (placed[0] + placed[placed.len() - 1]).div_euclid(2);
        let mut contour: Contour = vec![own];
        for ((&c, kc), &p) in kids.iter().zip(&kid_contours).zip(&placed) {
            offset[c] = p - mid;
            merge(&mut contour, kc, p - mid, 1);
        }
        contours[node] = contour;
    }
    let mut centre = vec![0i64; n];
    for node in 0..n {
        for &c in &children[node] {
            centre[c] = centre[node] + offset[c];
        }
    }
    let top = (0..n).map(|i| centre[i] - extent[i] / 2).min().unwrap_or(0);
    for c in &mut centre {
        *c -= top;
    }
    centre
}

/// Merges `other`, shifted by `shift` and starting `below` generations
/// down, into `into`.
fn merge(into: &mut Contour, other: &Contour, shift: i64, below: usize) {
    for (d, &(a, b)) in other.iter().enumerate() {
        let (a, b) = (a + shift, b + shift);
        match into.get_mut(d + below) {
            Some(slot) => *slot = (slot.0.min(a), slot.1.max(b)),
            None => into.push((a, b)),
        }
    }
}

/// Places subtrees one after another, each as close to those before it as
/// their contours allow, and no closer than `at_least` (when given).
fn pack_forward(kids: &[Contour], gap: i64, at_least: Option<&[i64]>) -> Vec<i64> {
    let mut acc: Contour = Vec::new();
    let mut out = Vec::with_capacity(kids.len());
    for (i, k) in kids.iter().enumerate() {
        let mut p = at_least.map_or(i64::MIN, |a| a[i]);
        if i == 0 && at_least.is_none() {
            p = 0;
        }
        for (d, &(top, _)) in k.iter().enumerate() {
            if let Some(&(_, bottom)) = acc.get(d) {
                p = p.max(bottom - top + gap);
            }
        }
        merge(&mut acc, k, p, 0);
        out.push(p);
    }
    out
}

/// [`pack_forward`] from the last subtree towards the first.
fn pack_backward(kids: &[Contour], gap: i64) -> Vec<i64> {
    let mut acc: Contour = Vec::new();
    let mut out = vec![0i64; kids.len()];
    for (i, k) in kids.iter().enumerate().rev() {
        let mut p = if i + 1 == kids.len() { 0 } else { i64::MAX };
        for (d, &(_, bottom)) in k.iter().enumerate() {
            if let Some(&(top, _)) = acc.get(d) {
                p = p.min(top - bottom - gap);
            }
        }
        merge(&mut acc, k, p, 0);
        out[i] = p;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first and last unit of each node.
    fn spans(centre: &[i64], extent: &[i64]) -> Vec<(i64, i64)> {
        centre
            .iter()
            .zip(extent)
            .map(|(&c, &e)| (c - e / 2, c - e / 2 + e))
            .collect()
    }

    fn depths(children: &[Vec<usize>]) -> Vec<usize> {
        let mut d = vec![0; children.len()];
        for n in 0..children.len() {
            for &c in &children[n] {
                d[c] = d[n] + 1;
            }
        }
        d
    }

    /// No two nodes of one generation closer than `gap`.
    fn assert_separated(children: &[Vec<usize>], extent: &[i64], gap: i64) {
        let centre = tidy(children, extent, gap);
        let s = spans(&centre, extent);
        let d = depths(children);
        for i in 0..s.len() {
            for j in i + 1..s.len() {
                if d[i] == d[j] {
                    assert!(
                        s[i].1 + gap <= s[j].0 || s[j].1 + gap <= s[i].0,
                        "nodes {i} {:?} and {j} {:?} overlap",
                        s[i],
                        s[j]
                    );
                }
            }
        }
        assert_eq!(s.iter().map(|x| x.0).min(), Some(0));
    }

    #[test]
    fn a_parent_is_centred_on_its_children() {
        let children = vec![vec![1, 2, 3], vec![], vec![], vec![]];
        let extent = vec![10, 10, 10, 10];
        let c = tidy(&children, &extent, 4);
        assert_eq!(c, vec![19, 5, 19, 33]);
    }

    #[test]
    fn subtrees_nest_under_each_other_without_overlap() {
        // 0 ─ 1 ─ 3, 4 ; 0 ─ 2 ─ 5, 6 ; a leaf 7 between them.
        let children = vec![
            vec![1, 7, 2],
            vec![3, 4],
            vec![5, 6],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        ];
        let extent = vec![20, 20, 20, 30, 30, 30, 30, 8];
        assert_separated(&children, &extent, 6);
        // The leaf between two wide subtrees sits half way, not against
        // the first.
        let c = tidy(&children, &extent, 6);
        assert_eq!(c[7] - c[1], c[2] - c[7]);
    }

    #[test]
    fn identical_subtrees_are_drawn_identically() {
        // Two copies of (a ─ b, c ─ d) under one root, with a leaf between.
        let children = vec![
            vec![1, 5, 6],
            vec![2, 3],
            vec![],
            vec![4],
            vec![],
            vec![],
            vec![7, 8],
            vec![],
            vec![9],
            vec![],
        ];
        let extent = vec![16, 16, 24, 16, 40, 12, 16, 24, 16, 40];
        let c = tidy(&children, &extent, 5);
        let shape = |root: usize, nodes: [usize; 4]| nodes.map(|n| c[n] - c[root]);
        assert_eq!(shape(1, [1, 2, 3, 4]), shape(6, [6, 7, 8, 9]));
        assert_separated(&children, &extent, 5);
    }

    #[test]
    fn random_trees_never_overlap() {
        // A fixed linear congruential sequence: random shapes, reproducible.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % m
        };
        for _ in 0..200 {
            let n = 1 + next(60) as usize;
            let mut children = vec![Vec::new(); n];
            for c in 1..n {
                let p = next(c as u64) as usize;
                children[p].push(c);
            }
            let extent: Vec<i64> = (0..n).map(|_| 1 + next(50) as i64).collect();
            assert_separated(&children, &extent, 3);
        }
    }

    #[test]
    fn a_single_node_and_no_node() {
        assert_eq!(tidy(&[vec![]], &[7], 2), vec![3]);
        assert_eq!(tidy(&[], &[], 2), Vec::<i64>::new());
    }
}
