//! Regions: an exact set of cases, read off a diagram, as a short list of
//! disjoint conjunctions that a person can read and paste into a `given`.
//!
//! # How a set becomes few conjunctions
//!
//! Every path of a reduced diagram from the root to a wanted leaf is a
//! conjunction (a *cube*): on each level the path passes, the cells of the
//! runs that lead to the path's next node; levels it skips are free. Paths
//! are disjoint and together cover the set exactly, but there can be one per
//! case. Two merges make them few:
//!
//! * *along the diagram*: at each node, the cubes of different children
//!   that agree below the node are one cube whose cells at the node's level
//!   are the union of theirs. Computed bottom-up once per node.
//! * *greedily*: afterwards, any two cubes that differ on one attribute only
//!   are one cube, until no pair is left.
//!
//! Both merges join cubes that are already disjoint and differ on one
//! attribute, so the result stays disjoint and exact.

use crate::check::{AttrId, Domain, Policy};
use crate::compile::Diagram;
use crate::compile::mdd::{FxBuild, Mdd, NodeId};
use crate::diag::{Allowed, Count, Region};
use crate::semantics::Value;
use std::collections::HashMap;
use std::rc::Rc;

/// Ascending, disjoint, non-adjacent inclusive intervals of cells.
pub type CellSet = Vec<(u32, u32)>;

/// A conjunction over levels: each constrained level (ascending) with its
/// cells; levels not listed are free.
pub type Cube = Vec<(u32, CellSet)>;

/// The set has more pieces than the analyses list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyPieces;

/// The most cubes any node's cover may hold before the extraction gives up
/// (and the caller lists what a bounded walk finds instead).
pub const MAX_CUBES: usize = 20_000;

/// The cases of the diagram at `root` whose leaf payload `want` accepts,
/// as few disjoint cubes, in a deterministic order.
pub fn cubes(
    mdd: &Mdd,
    root: NodeId,
    want: &dyn Fn(u32) -> bool,
) -> Result<Vec<Cube>, TooManyPieces> {
    let mut groups = cubes_grouped(mdd, root, &|p| want(p).then_some(0))?;
    Ok(groups.pop().map(|(_, c)| c).unwrap_or_default())
}

/// For each group `key` gives a payload (`None`: no group), the cases of
/// the group as few disjoint cubes: one walk of the diagram for all groups,
/// which is what makes listing the many groups of a lint cheap. Groups come
/// in ascending key order, cubes in a deterministic order.
pub fn cubes_grouped(
    mdd: &Mdd,
    root: NodeId,
    key: &dyn Fn(u32) -> Option<u32>,
) -> Result<Vec<(u32, Vec<Cube>)>, TooManyPieces> {
    let mut memo: HashMap<NodeId, Rc<Vec<(u32, Cube)>>, FxBuild> = HashMap::default();
    let found = cover(mdd, root, key, &mut memo)?;
    let mut by_key: std::collections::BTreeMap<u32, Vec<Cube>> = Default::default();
    for (k, cube) in found.iter() {
        by_key.entry(*k).or_default().push(cube.clone());
    }
    Ok(by_key
        .into_iter()
        .map(|(k, cubes)| {
            let mut merged = merge_greedily(cubes);
            merged.sort();
            (k, merged)
        })
        .collect())
}

/// The cubes of `n`'s cover, by group: every node reachable from `n` is
/// covered once, children before parents, in a depth-first walk on an
/// explicit stack (the diagram may be thousands of levels deep).
fn cover(
    mdd: &Mdd,
    n: NodeId,
    key: &dyn Fn(u32) -> Option<u32>,
    memo: &mut HashMap<NodeId, Rc<Vec<(u32, Cube)>>, FxBuild>,
) -> Result<Rc<Vec<(u32, Cube)>>, TooManyPieces> {
    // A node waiting for its children's covers, and the next child to see.
    let mut stack: Vec<(NodeId, usize)> = vec![(n, 0)];
    while let Some(&mut (node, ref mut next)) = stack.last_mut() {
        if memo.contains_key(&node) {
            stack.pop();
            continue;
        }
        if let Some(run) = mdd.runs(node).get(*next) {
            *next += 1;
            if !memo.contains_key(&run.child) {
                stack.push((run.child, 0));
            }
            continue;
        }
        stack.pop();
        let covered = cover_node(mdd, node, key, memo)?;
        memo.insert(node, covered);
    }
    Ok(memo[&n].clone())
}

/// The cover of one node, from its children's covers in `memo`.
fn cover_node(
    mdd: &Mdd,
    n: NodeId,
    key: &dyn Fn(u32) -> Option<u32>,
    memo: &HashMap<NodeId, Rc<Vec<(u32, Cube)>>, FxBuild>,
) -> Result<Rc<Vec<(u32, Cube)>>, TooManyPieces> {
    if let Some(p) = mdd.payload(n) {
        return Ok(Rc::new(
            key(p).map(|k| vec![(k, Vec::new())]).unwrap_or_default(),
        ));
    }
    let level = mdd.level(n);
    let last = mdd.cells()[level as usize] - 1;
    // The cells leading to each child, children in first-run order. A
    // node over a large enum may have as many runs as values, alternating
    // between many children: they are found by hash, not by a search.
    let mut children: Vec<(NodeId, CellSet)> = Vec::new();
    let mut child_at: HashMap<NodeId, usize, FxBuild> = HashMap::default();
    let mut start = 0;
    for r in mdd.runs(n) {
        match child_at.get(&r.child) {
            Some(&i) => children[i].1.push((start, r.end)),
            None => {
                child_at.insert(r.child, children.len());
                children.push((r.child, vec![(start, r.end)]));
            }
        }
        start = r.end + 1;
    }
    // Cubes below that agree (same group, same constraints) are one
    // cube with the union of cells.
    // The cells of a cube met again are appended and put in order once at
    // the end: a union per meeting would cost the cells so far each time.
    let mut index: HashMap<(u32, Cube), usize, FxBuild> = HashMap::default();
    let mut merged: Vec<((u32, Cube), CellSet)> = Vec::new();
    let mut unsorted: Vec<usize> = Vec::new();
    for (child, cells) in children {
        for rest in memo[&child].iter() {
            match index.get(rest) {
                Some(&i) => {
                    merged[i].1.extend_from_slice(&cells);
                    unsorted.push(i);
                }
                None => {
                    index.insert(rest.clone(), merged.len());
                    merged.push((rest.clone(), cells.clone()));
                }
            }
        }
        if merged.len() > MAX_CUBES {
            return Err(TooManyPieces);
        }
    }
    unsorted.sort_unstable();
    unsorted.dedup();
    for i in unsorted {
        merged[i].1 = union(&merged[i].1, &[]);
    }
    Ok(Rc::new(
        merged
            .into_iter()
            .map(|((k, rest), cells)| {
                if cells == [(0, last)] {
                    (k, rest)
                } else {
                    let mut cube = Vec::with_capacity(rest.len() + 1);
                    cube.push((level, cells));
                    cube.extend(rest);
                    (k, cube)
                }
            })
            .collect(),
    ))
}

/// Joins cubes that differ on one level only, until none do. The cubes
/// must be disjoint (so two that agree off one level are constrained on
/// it, on disjoint cells).
fn merge_greedily(mut cubes: Vec<Cube>) -> Vec<Cube> {
    loop {
        let mut changed = false;
        let mut levels: Vec<u32> = cubes.iter().flatten().map(|(l, _)| *l).collect();
        levels.sort_unstable();
        levels.dedup();
        for level in levels {
            let mut index: HashMap<Cube, usize, FxBuild> = HashMap::default();
            let mut out: Vec<Cube> = Vec::with_capacity(cubes.len());
            for cube in std::mem::take(&mut cubes) {
                let Some(pos) = cube.iter().position(|(l, _)| *l == level) else {
                    out.push(cube);
                    continue;
                };
                let mut rest = cube.clone();
                let (_, cells) = rest.remove(pos);
                match index.get(&rest) {
                    Some(&i) => {
                        let j = out[i].iter().position(|(l, _)| *l == level).unwrap_or(0);
                        out[i][j].1 = union(&out[i][j].1, &cells);
                        changed = true;
                    }
                    None => {
                        index.insert(rest, out.len());
                        out.push(cube);
                    }
                }
            }
            cubes = out;
        }
        if !changed {
            return cubes;
        }
    }
}

/// The union of two cell sets (either may be unsorted or overlapping), as
/// a cell set.
pub(crate) fn union(a: &[(u32, u32)], b: &[(u32, u32)]) -> CellSet {
    let mut all: Vec<(u32, u32)> = a.iter().chain(b).copied().collect();
    all.sort_unstable();
    let mut out: CellSet = Vec::with_capacity(all.len());
    for (lo, hi) in all {
        match out.last_mut() {
            Some(last) if last.1.saturating_add(1) >= lo => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// At most `limit` cubes of the set, one per diagram path (unmerged): what
/// is listed when the set is too fragmented for [`cubes`]. Paths in
/// depth-first order, found on an explicit stack; a node below which no
/// wanted leaf lies is not walked twice.
pub fn some_cubes(mdd: &Mdd, root: NodeId, want: &dyn Fn(u32) -> bool, limit: usize) -> Vec<Cube> {
    /// A node on the current path: its next run, where that run starts,
    /// and whether a wanted leaf was found below it.
    struct Frame {
        node: NodeId,
        next: usize,
        start: u32,
        any: bool,
    }
    let mut out = Vec::new();
    let mut path: Cube = Vec::new();
    let mut dead: std::collections::HashSet<NodeId> = std::collections::HashSet::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut enter = Some(root);
    loop {
        // Whether a wanted leaf was found below the node just entered;
        // `None` when it is an inner node to walk.
        let found = match enter.take() {
            None => None,
            Some(n) if out.len() >= limit || dead.contains(&n) => Some(false),
            Some(n) => match mdd.payload(n) {
                Some(p) if want(p) => {
                    out.push(path.clone());
                    Some(true)
                }
                Some(_) => Some(false),
                None => {
                    frames.push(Frame {
                        node: n,
                        next: 0,
                        start: 0,
                        any: false,
                    });
                    None
                }
            },
        };
        if let Some(found) = found {
            // Back in the parent, from the run it pushed onto the path.
            let Some(f) = frames.last_mut() else {
                break;
            };
            f.any |= found;
            path.pop();
        }
        let Some(f) = frames.last_mut() else {
            break;
        };
        match mdd.runs(f.node).get(f.next) {
            Some(r) => {
                path.push((mdd.level(f.node), vec![(f.start, r.end)]));
                f.start = r.end + 1;
                f.next += 1;
                enter = Some(r.child);
            }
            None => {
                let f = frames.pop().expect("the frame above");
                if !f.any {
                    dead.insert(f.node);
                }
                match frames.last_mut() {
                    Some(parent) => {
                        parent.any |= f.any;
                        path.pop();
                    }
                    None => break,
                }
            }
        }
    }
    out
}

/// Turns cubes of a diagram into [`Region`]s of a policy: names, exact
/// counts, conditions in `writ` syntax and witnesses.
pub struct Namer<'a> {
    policy: &'a Policy,
    d: &'a Diagram,
    /// The number of cases in all: the product of the domain sizes.
    total: Count,
    base: Vec<Value>,
}

impl<'a> Namer<'a> {
    /// A namer for cubes of `d`, a diagram over `policy`'s attributes.
    pub fn new(policy: &'a Policy, d: &'a Diagram) -> Namer<'a> {
        let total = policy.attributes.iter().fold(Count::from(1u8), |acc, a| {
            acc * Count::from(a.domain.size())
        });
        Namer {
            policy,
            d,
            total,
            base: crate::compile::base_case(policy),
        }
    }

    /// How many cases there are in all.
    pub fn total(&self) -> &Count {
        &self.total
    }

    /// The values of an attribute that a cube's cells stand for, as
    /// ascending inclusive intervals of values (indices for enums).
    fn values(&self, attr: AttrId, cells: &CellSet) -> Vec<(Value, Value)> {
        let mut out: Vec<(Value, Value)> = Vec::new();
        for &(lo, hi) in cells {
            let (a, _) = self.d.cells[attr].interval(lo);
            let (_, b) = self.d.cells[attr].interval(hi);
            match out.last_mut() {
                Some(last) if last.1.checked_add(1) == Some(a) => last.1 = b,
                _ => out.push((a, b)),
            }
        }
        out
    }

    /// The number of cases in a cube.
    pub fn count(&self, cube: &Cube) -> Count {
        let mut n = self.total.clone();
        for (level, cells) in cube {
            let attr = self.d.attribute_at(*level);
            let size: u128 = self
                .values(attr, cells)
                .iter()
                .map(|&(lo, hi)| (hi as i128 - lo as i128 + 1) as u128)
                .sum();
            n = n * Count::from(size) / Count::from(self.policy.attributes[attr].domain.size());
        }
        n
    }

    /// A case in the cube: the first value of each constrained attribute,
    /// the first value of its domain for the others.
    pub fn witness_case(&self, cube: &Cube) -> Vec<Value> {
        let mut case = self.base.clone();
        for (level, cells) in cube {
            let attr = self.d.attribute_at(*level);
            case[attr] = self.d.representative(attr, cells[0].0);
        }
        case
    }

    /// The cube as a region with this label.
    pub fn region(&self, cube: &Cube, label: String) -> Region {
        let mut constraints: Vec<(AttrId, Vec<(Value, Value)>)> = cube
            .iter()
            .map(|(level, cells)| {
                let attr = self.d.attribute_at(*level);
                (attr, self.values(attr, cells))
            })
            .collect();
        constraints.sort_by_key(|(a, _)| *a);
        let when = constraints
            .iter()
            .map(|(a, vs)| {
                (
                    self.policy.attributes[*a].name.clone(),
                    self.allowed(*a, vs),
                )
            })
            .collect();
        let condition = if constraints.is_empty() {
            "true".to_string()
        } else {
            constraints
                .iter()
                .map(|(a, vs)| self.condition(*a, vs))
                .collect::<Vec<_>>()
                .join(" and ")
        };
        Region {
            label,
            when,
            condition,
            cases: self.count(cube),
            witness: crate::compile::witness(self.policy, &self.witness_case(cube)),
        }
    }

    fn allowed(&self, attr: AttrId, vs: &[(Value, Value)]) -> Allowed {
        let each = || vs.iter().flat_map(|&(lo, hi)| lo..=hi);
        match &self.policy.attributes[attr].domain {
            Domain::Enum { values, .. } => {
                Allowed::Values(each().map(|v| values[v as usize].clone()).collect())
            }
            Domain::Bool => Allowed::Bools(each().map(|v| v == 1).collect()),
            Domain::Int { .. } => Allowed::Ranges(vs.to_vec()),
        }
    }

    /// One attribute's constraint in `writ` syntax, in its shortest form:
    /// a group the set equals, `=` or `!=` one value, `in` or `not in`.
    fn condition(&self, attr: AttrId, vs: &[(Value, Value)]) -> String {
        let a = &self.policy.attributes[attr];
        let name = &a.name;
        match &a.domain {
            Domain::Bool => {
                if vs == [(1, 1)] {
                    name.clone()
                } else {
                    format!("not {name}")
                }
            }
            Domain::Enum { ty, values } => {
                let inside: Vec<u32> = vs
                    .iter()
                    .flat_map(|&(lo, hi)| lo as u32..=hi as u32)
                    .collect();
                if inside.len() > 1
                    && let Some(g) = self
                        .policy
                        .groups
                        .iter()
                        .find(|g| Some(g.ty) == *ty && g.members == inside)
                {
                    return format!("{name} in {}", g.name);
                }
                let outside: Vec<u32> = (0..values.len() as u32)
                    .filter(|v| inside.binary_search(v).is_err())
                    .collect();
                let list = |vs: &[u32]| {
                    vs.iter()
                        .map(|&v| values[v as usize].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match (inside.len(), outside.len()) {
                    (1, _) => format!("{name} = {}", values[inside[0] as usize]),
                    (_, 1) => format!("{name} != {}", values[outside[0] as usize]),
                    (i, o) if o < i => format!("{name} not in {{ {} }}", list(&outside)),
                    _ => format!("{name} in {{ {} }}", list(&inside)),
                }
            }
            Domain::Int { lo: min, hi: max } => {
                let range = |&(lo, hi): &(Value, Value)| match (lo == *min, hi == *max) {
                    _ if lo == hi => format!("{name} = {lo}"),
                    (true, _) => format!("{name} <= {hi}"),
                    (_, true) => format!("{name} >= {lo}"),
                    _ => format!("{name} >= {lo} and {name} <= {hi}"),
                };
                if vs.iter().all(|(lo, hi)| lo == hi) && vs.len() > 1 {
                    let list: Vec<String> = vs.iter().map(|(v, _)| v.to_string()).collect();
                    return format!("{name} in {{ {} }}", list.join(", "));
                }
                match vs {
                    [one] => range(one),
                    many => {
                        let parts: Vec<String> = many
                            .iter()
                            .map(|r| {
                                let s = range(r);
                                if s.contains(" and ") {
                                    format!("({s})")
                                } else {
                                    s
                                }
                            })
                            .collect();
                        format!("({})", parts.join(" or "))
                    }
                }
            }
        }
    }
}

/// The exact number of cases of the diagram at `root` whose payload `want`
/// accepts, however fragmented the set.
pub fn count(policy: &Policy, d: &Diagram, root: NodeId, want: &dyn Fn(u32) -> bool) -> Count {
    // suffix[l]: the number of assignments to levels l.. (all free).
    let levels = d.order.len();
    let size = |l: usize| Count::from(policy.attributes[d.order[l]].domain.size());
    let mut suffix = vec![Count::from(1u8); levels + 1];
    for l in (0..levels).rev() {
        suffix[l] = &suffix[l + 1] * size(l);
    }
    let level_index = |n: NodeId| -> usize {
        let l = d.mdd.level(n);
        if l == crate::compile::mdd::LEAF_LEVEL {
            levels
        } else {
            l as usize
        }
    };
    // below[n]: the wanted assignments to levels from n's level on.
    let mut below: HashMap<NodeId, Count, FxBuild> = HashMap::default();
    // Children lie on deeper levels than their parents: deepest first.
    let mut order = d.mdd.reachable(root);
    order.sort_by_key(|&n| std::cmp::Reverse(level_index(n)));
    for n in order {
        let c = match d.mdd.payload(n) {
            Some(p) => Count::from(u8::from(want(p))),
            None => {
                let l = level_index(n);
                let attr = d.order[l];
                let mut sum = Count::from(0u8);
                let mut start = 0;
                for r in d.mdd.runs(n) {
                    let (lo, _) = d.cells[attr].interval(start);
                    let (_, hi) = d.cells[attr].interval(r.end);
                    let width = Count::from((hi as i128 - lo as i128 + 1) as u128);
                    let child = &below[&r.child];
                    let skipped = &suffix[l + 1] / &suffix[level_index(r.child)];
                    sum += width * child * skipped;
                    start = r.end + 1;
                }
                sum
            }
        };
        below.insert(n, c);
    }
    &below[&root] * &suffix[0] / &suffix[level_index(root)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::interp::all_cases;

    /// The fallback for fragmented sets (unmerged pieces, exact count)
    /// describes the same cases as the merged cubes. The threshold is too
    /// large to reach in a unit test, so both are run on one diagram.
    #[test]
    fn pieces_and_counts_agree_with_merged_cubes() {
        let text = "policy t\nattribute a: { x, y, z }\nattribute b: bool\nattribute n: int 0..9\n\
                    decision o: { p, q }\ndefault undecided\nresolve first\n\
                    rule one: when a = x and n > 3 then p\n\
                    rule two: when b or n in { 1, 7 } then q\n";
        let mut map = crate::source::SourceMap::new();
        let p = crate::api::check_source(&mut map, "t.policy", text)
            .policy
            .expect("checks");
        let d = crate::compile::compile(&p, &crate::compile::Options::default()).unwrap();
        let namer = Namer::new(&p, &d);
        for (i, v) in d.verdicts.iter().enumerate() {
            let want = |q: u32| q == i as u32;
            let merged = cubes(&d.mdd, d.root, &want).unwrap();
            let pieces = some_cubes(&d.mdd, d.root, &want, usize::MAX);
            assert!(pieces.len() >= merged.len());
            let expected = all_cases(&p, 1_000)
                .unwrap()
                .into_iter()
                .filter(|c| d.decide(c) == v)
                .count();
            let inside = |cs: &[Cube], case: &[Value]| {
                cs.iter()
                    .filter(|cube| {
                        cube.iter().all(|(level, cells)| {
                            let attr = d.attribute_at(*level);
                            let cell = d.cells[attr].cell_of(case[attr]).unwrap();
                            cells.iter().any(|&(lo, hi)| lo <= cell && cell <= hi)
                        })
                    })
                    .count()
            };
            for case in all_cases(&p, 1_000).unwrap() {
                let want_it = d.decide(&case) == v;
                assert_eq!(inside(&merged, &case), usize::from(want_it), "{case:?}");
                assert_eq!(inside(&pieces, &case), usize::from(want_it), "{case:?}");
            }
            let total: Count = merged.iter().map(|c| namer.count(c)).sum();
            assert_eq!(total, Count::from(expected));
            assert_eq!(count(&p, &d, d.root, &want), Count::from(expected));
        }
    }
}
