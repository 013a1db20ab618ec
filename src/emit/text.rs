//! The text form: the diagram expanded into an indented tree for people.
//!
//! In: a [`Header`] and a [`Diagram`]. Out: one line per branch, the
//! branch's condition followed by a colon; a branch that ends in a leaf
//! has the verdict on the same line, otherwise its sub-tree follows,
//! indented two more spaces:
//!
//! ```text
//! instrument = SCA_warrant:
//!   controller = US_provider: compel (hybrid_warrant)
//!   controller = foreign_provider: undecided
//! instrument in {d_order, subpoena, MLAT_request}: undecided
//! ```
//!
//! Conditions read like the policy language: `a = v`, `a in {v, w}`,
//! `a not in {v, w}` (for a branch of more than eight enum values, when the
//! values it leaves out are fewer), `flag = true`, and for ints `n <= 180`, `n >= 181`, `n = 5`,
//! `n in 10..20`, `n in {0..5, 9}`. A verdict is the outcome with its
//! explaining rules in parentheses (`(default)` when the default decided;
//! none with `--outcomes-only`), `undecided`, or `conflict (r1, r2)`. A
//! diagram that tests nothing is its one verdict on one line.
//!
//! Like `writ.tree/1`, the text form is refused when the tree would exceed
//! the node budget ([`EmitError::TreeTooLarge`]).

use super::{EmitError, Label, Named};
use crate::check::{Domain, Policy};
use crate::compile::Diagram;
use crate::compile::mdd::NodeId;
use crate::names::Header;
use crate::semantics::Verdict;
use crate::source::SourceMap;

/// The text form of a checked policy's diagram; refused when the tree would
/// have more than `max_tree_nodes` nodes.
pub fn to_text(
    policy: &Policy,
    diagram: &Diagram,
    sources: &SourceMap,
    max_tree_nodes: u64,
) -> Result<String, EmitError> {
    text(
        &Header::from_policy(policy, sources),
        diagram,
        max_tree_nodes,
    )
}

/// The text form from a header and a diagram (see [`to_text`]).
pub fn text(header: &Header, diagram: &Diagram, max_tree_nodes: u64) -> Result<String, EmitError> {
    super::check_tree_size(diagram, max_tree_nodes)?;
    let mut out = String::new();
    if super::is_leaf(diagram, diagram.root) {
        out.push_str(&verdict_text(header, super::verdict(diagram, diagram.root)));
        out.push('\n');
        return Ok(out);
    }
    write_tree(header, diagram, diagram.root, &mut out);
    Ok(out)
}

struct Frame {
    depth: usize,
    cond: String,
    child: NodeId,
}

/// The branch lines of an inner node, at `depth`.
fn frames(header: &Header, diagram: &Diagram, node: NodeId, depth: usize) -> Vec<Frame> {
    let attr = diagram.attribute_at(diagram.mdd.level(node));
    super::branches(diagram, node)
        .iter()
        .map(|b| Frame {
            depth,
            cond: condition(header, attr, &super::label(header, diagram, attr, b)),
            child: b.child,
        })
        .collect()
}

/// Writes the branch lines of the tree under an inner node; an inner
/// child's own lines follow its line, before the next sibling's. An
/// explicit stack of sibling lists replaces recursion.
fn write_tree(header: &Header, diagram: &Diagram, root: NodeId, out: &mut String) {
    let mut stack: Vec<std::vec::IntoIter<Frame>> =
        vec![frames(header, diagram, root, 0).into_iter()];
    while let Some(siblings) = stack.last_mut() {
        let Some(f) = siblings.next() else {
            stack.pop();
            continue;
        };
        out.push_str(&"  ".repeat(f.depth));
        out.push_str(&f.cond);
        out.push(':');
        if super::is_leaf(diagram, f.child) {
            out.push(' ');
            out.push_str(&verdict_text(header, super::verdict(diagram, f.child)));
            out.push('\n');
        } else {
            out.push('\n');
            stack.push(frames(header, diagram, f.child, f.depth + 1).into_iter());
        }
    }
}

/// `outcome (rules)`, `outcome (default)`, `undecided`, `conflict (rules)`.
pub(crate) fn verdict_text(header: &Header, verdict: &Verdict) -> String {
    super::verdict_label(header, verdict, " ")
}

/// A branch's condition in the policy language's terms.
fn condition(header: &Header, attr: usize, label: &Label) -> String {
    let a = &header.attributes[attr];
    let name = &a.name;
    match label {
        Label::Values(vs) => match super::named_values(header, attr, vs) {
            Named::NotIn(names) if names.len() == 1 => format!("{name} != {}", names[0]),
            Named::NotIn(names) => format!("{name} not in {{{}}}", names.join(", ")),
            Named::In(names) if names.len() == 1 => format!("{name} = {}", names[0]),
            Named::In(names) => format!("{name} in {{{}}}", names.join(", ")),
        },
        Label::Ranges(rs) => {
            let (min, max) = match a.domain {
                Domain::Int { lo, hi } => (lo, hi),
                _ => (i64::MIN, i64::MAX),
            };
            match rs.as_slice() {
                [(lo, hi)] if lo == hi => format!("{name} = {lo}"),
                [(lo, hi)] if *lo == min => format!("{name} <= {hi}"),
                [(lo, hi)] if *hi == max => format!("{name} >= {lo}"),
                [(lo, hi)] => format!("{name} in {lo}..{hi}"),
                _ => {
                    let parts: Vec<String> = rs
                        .iter()
                        .map(|(lo, hi)| {
                            if lo == hi {
                                lo.to_string()
                            } else {
                                format!("{lo}..{hi}")
                            }
                        })
                        .collect();
                    format!("{name} in {{{}}}", parts.join(", "))
                }
            }
        }
    }
}
