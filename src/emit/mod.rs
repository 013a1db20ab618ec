//! Emitting a compiled policy.
//!
//! In: a compiled [`Diagram`] plus a [`Header`] (the names the diagram's
//! indices stand for: policy metadata, the decision and its outcomes, the
//! attributes with their domains, and the rules with their source places;
//! see [`crate::names`]).
//! Out: text in one of four forms ([`Emit`]):
//!
//! * [`json::to_tree`] — `writ.tree/1`, the diagram expanded into a tree
//!   (SPEC 5); refused with [`EmitError::TreeTooLarge`] when the expansion
//!   would exceed a node budget, counted on the shared diagram before
//!   anything is expanded;
//! * [`json::to_dag`] — `writ.dag/1`, the same document with each shared
//!   node written once, referenced by id;
//! * [`dot::to_dot`] — Graphviz, one graph node per diagram node;
//! * [`text::to_text`] — an indented tree for people, bounded like the tree
//!   form.
//!
//! [`crate::load::compiled`] goes the other way: a `writ.tree/1` or
//! `writ.dag/1` document in, the same [`Header`] and a [`Diagram`] that
//! decides cases without the policy out.
//!
//! # Conventions shared by every form
//!
//! * A node's *branches* group all the cells that lead to the same child
//!   (even when they are not adjacent), ordered by their first cell: enum
//!   values in declaration order, `false` before `true`, ints ascending.
//!   An int branch is a list of inclusive, ascending, disjoint, non-adjacent
//!   ranges.
//! * Node ids (dag form, DOT) follow a depth-first walk from the root
//!   (the root is 0), children in branch order; leaves are nodes too.
//! * Output is a pure function of the input: no hash-map iteration order,
//!   no addresses, no time. Every form ends with a newline.
//! * Nothing recurses on the diagram's depth: these writers and the reader
//!   (`load::compiled`) use explicit stacks, so a policy with thousands of
//!   attributes cannot overflow the stack.
//!
//! The internal types are not `Serialize`; the JSON shapes live only in
//! [`json`] (writing) and [`crate::load::compiled`] (reading).

pub mod dot;
pub mod json;
pub mod text;

use crate::check::{AttrId, Domain};
use crate::compile::mdd::{LEAF_LEVEL, NodeId};
use crate::compile::{Cells, Diagram};
use crate::names::Header;
use crate::semantics::{Value, Verdict};
use std::collections::HashMap;

/// The default `--max-tree-nodes`: the largest tree the tree forms
/// (`writ.tree/1`, text) expand a diagram into.
pub const DEFAULT_MAX_TREE_NODES: u64 = 1_000_000;

/// The output forms of `writ compile --emit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    /// `writ.tree/1` JSON (the default).
    Tree,
    /// `writ.dag/1` JSON.
    Dag,
    /// Graphviz DOT.
    Dot,
    /// An indented, human-readable tree.
    Text,
}

impl std::str::FromStr for Emit {
    type Err = String;

    /// `tree`, `dag`, `dot` or `text`.
    fn from_str(s: &str) -> Result<Emit, String> {
        match s {
            "tree" => Ok(Emit::Tree),
            "dag" => Ok(Emit::Dag),
            "dot" => Ok(Emit::Dot),
            "text" => Ok(Emit::Text),
            _ => Err(format!(
                "unknown output form `{s}`: expected `tree`, `dag`, `dot` or `text`"
            )),
        }
    }
}

/// Why a diagram could not be emitted in the requested form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// Expanding the diagram into a tree would exceed the budget.
    TreeTooLarge {
        /// How many nodes the tree would have (saturated at `u128::MAX`).
        nodes: u128,
        /// The budget (`--max-tree-nodes`).
        max: u64,
    },
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmitError::TreeTooLarge { nodes, max } => {
                let count = if *nodes == u128::MAX {
                    "more than 10^38".to_string()
                } else {
                    nodes.to_string()
                };
                write!(
                    f,
                    "the tree form would have {count} nodes, more than the limit of {max} \
                     (--max-tree-nodes); use `--emit dag`, which writes each shared node once, \
                     or raise `--max-tree-nodes`"
                )
            }
        }
    }
}

impl std::error::Error for EmitError {}

/// One branch of an inner node: the child and the cells leading to it, as
/// ascending, disjoint, non-adjacent inclusive cell intervals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Branch {
    pub child: NodeId,
    pub cells: Vec<(u32, u32)>,
}

/// The branches of an inner node: runs grouped by child, ordered by their
/// first cell.
pub(crate) fn branches(diagram: &Diagram, node: NodeId) -> Vec<Branch> {
    let mut out: Vec<Branch> = Vec::new();
    let mut index: HashMap<NodeId, usize> = HashMap::new();
    let mut start = 0u32;
    for run in diagram.mdd.runs(node) {
        let i = *index.entry(run.child).or_insert_with(|| {
            out.push(Branch {
                child: run.child,
                cells: Vec::new(),
            });
            out.len() - 1
        });
        out[i].cells.push((start, run.end));
        start = run.end + 1;
    }
    out
}

/// What a branch's cells stand for, in the attribute's own terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Label {
    /// Enum value indices (declaration order) or bools (`false` first).
    Values(Vec<Value>),
    /// Int ranges: inclusive, ascending, disjoint, non-adjacent.
    Ranges(Vec<(i64, i64)>),
}

/// The values or ranges a branch of a node testing `attr` covers.
pub(crate) fn label(header: &Header, diagram: &Diagram, attr: AttrId, branch: &Branch) -> Label {
    let cells = &diagram.cells[attr];
    match (&header.attributes[attr].domain, cells) {
        (Domain::Int { .. }, _) | (_, Cells::Intervals(_)) => {
            let mut ranges: Vec<(i64, i64)> = Vec::new();
            for &(a, b) in &branch.cells {
                let (lo, hi) = (cells.interval(a).0, cells.interval(b).1);
                match ranges.last_mut() {
                    Some(last) if last.1.checked_add(1) == Some(lo) => last.1 = hi,
                    _ => ranges.push((lo, hi)),
                }
            }
            Label::Ranges(ranges)
        }
        _ => Label::Values(
            branch
                .cells
                .iter()
                .flat_map(|&(a, b)| (a..=b).map(Value::from))
                .collect(),
        ),
    }
}

/// For the human-readable forms: the enum values a branch leaves out, when
/// the branch holds more than eight values and leaves out fewer than it
/// holds (`e not in {v5, v7}` reads better than 99,998 names).
pub(crate) fn complement(header: &Header, attr: AttrId, values: &[Value]) -> Option<Vec<Value>> {
    let Domain::Enum { values: all, .. } = &header.attributes[attr].domain else {
        return None;
    };
    let others = all.len().checked_sub(values.len())?;
    if values.len() <= 8 || others >= values.len() || others == 0 {
        return None;
    }
    // `values` is ascending and distinct.
    let mut inside = values.iter().peekable();
    let out: Vec<Value> = (0..all.len() as Value)
        .filter(|v| {
            if inside.peek() == Some(&v) {
                inside.next();
                false
            } else {
                true
            }
        })
        .collect();
    Some(out)
}

/// A branch's enum or bool values by name, as the human-readable forms
/// (text, DOT, the SVG picture) show them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Named {
    /// The values the branch holds.
    In(Vec<String>),
    /// The values it leaves out (see [`complement`]).
    NotIn(Vec<String>),
}

/// Names a branch's values, or the values it leaves out when those read
/// better (see [`complement`]).
pub(crate) fn named_values(header: &Header, attr: AttrId, values: &[Value]) -> Named {
    let names = |vs: &[Value]| vs.iter().map(|&v| header.value_name(attr, v)).collect();
    match complement(header, attr, values) {
        Some(others) => Named::NotIn(names(&others)),
        None => Named::In(names(values)),
    }
}

/// Whether a node is a leaf.
pub(crate) fn is_leaf(diagram: &Diagram, node: NodeId) -> bool {
    diagram.mdd.level(node) == LEAF_LEVEL
}

/// The verdict of a leaf.
pub(crate) fn verdict(diagram: &Diagram, leaf: NodeId) -> &Verdict {
    &diagram.verdicts[diagram.mdd.payload(leaf).unwrap_or(0) as usize]
}

/// The diagram's nodes in depth-first order from the root, children in
/// branch order, each once: position `i` is node id `i`. Also returns the
/// inverse map.
pub(crate) fn dfs_ids(diagram: &Diagram) -> (Vec<NodeId>, HashMap<NodeId, usize>) {
    let mut order = Vec::new();
    let mut id_of: HashMap<NodeId, usize> = HashMap::new();
    let mut stack = vec![diagram.root];
    while let Some(n) = stack.pop() {
        if id_of.contains_key(&n) {
            continue;
        }
        id_of.insert(n, order.len());
        order.push(n);
        if !is_leaf(diagram, n) {
            for b in branches(diagram, n).iter().rev() {
                if !id_of.contains_key(&b.child) {
                    stack.push(b.child);
                }
            }
        }
    }
    (order, id_of)
}

/// The number of nodes (inner nodes and leaves) of the diagram expanded
/// into a tree, saturating at `u128::MAX`. Counted on the shared diagram,
/// deepest levels first, without expanding anything.
pub fn tree_size(diagram: &Diagram) -> u128 {
    let mut nodes = diagram.mdd.reachable(diagram.root);
    // Children lie on deeper levels than their parents (leaves deepest).
    nodes.sort_by_key(|&n| std::cmp::Reverse(diagram.mdd.level(n)));
    let mut size: HashMap<NodeId, u128> = HashMap::with_capacity(nodes.len());
    for n in nodes {
        let s = if is_leaf(diagram, n) {
            1
        } else {
            branches(diagram, n).iter().fold(1u128, |acc, b| {
                acc.saturating_add(size.get(&b.child).copied().unwrap_or(1))
            })
        };
        size.insert(n, s);
    }
    size.get(&diagram.root).copied().unwrap_or(1)
}

/// Refuses a tree form whose expansion would exceed `max` nodes.
pub(crate) fn check_tree_size(diagram: &Diagram, max: u64) -> Result<(), EmitError> {
    let nodes = tree_size(diagram);
    if nodes > u128::from(max) {
        return Err(EmitError::TreeTooLarge { nodes, max });
    }
    Ok(())
}

/// Emits `diagram` in the requested form. `max_tree_nodes` bounds the tree
/// forms (`Tree`, `Text`); the others are as large as the diagram.
pub fn emit(
    header: &Header,
    diagram: &Diagram,
    form: Emit,
    max_tree_nodes: u64,
) -> Result<String, EmitError> {
    match form {
        Emit::Tree => json::tree(header, diagram, max_tree_nodes),
        Emit::Dag => Ok(json::dag(header, diagram)),
        Emit::Dot => Ok(dot::dot(header, diagram)),
        Emit::Text => text::text(header, diagram, max_tree_nodes),
    }
}

/// A verdict as people read it: `outcome`, then `(rules)` or `(default)`
/// after `sep`; `undecided`; `conflict` and its rules.
pub(crate) fn verdict_label(header: &Header, verdict: &Verdict, sep: &str) -> String {
    let ids = |rules: &[usize]| {
        rules
            .iter()
            .map(|&r| header.rules[r].id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match verdict {
        Verdict::Decided {
            outcome,
            default: true,
            ..
        } => format!("{}{sep}(default)", header.outcomes[*outcome]),
        Verdict::Decided { outcome, rules, .. } if rules.is_empty() => {
            header.outcomes[*outcome].clone()
        }
        Verdict::Decided { outcome, rules, .. } => {
            format!("{}{sep}({})", header.outcomes[*outcome], ids(rules))
        }
        Verdict::Undecided => "undecided".to_string(),
        Verdict::Conflict { rules } => format!("conflict{sep}({})", ids(rules)),
    }
}
