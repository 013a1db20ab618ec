//! The Graphviz form: the diagram as a `digraph`, each node drawn once.
//!
//! In: a [`Header`] and a [`Diagram`]. Out: DOT text. Graph nodes are named
//! `n0`, `n1`, … by the depth-first ids of `writ.dag/1`, and written in
//! that order, each followed by its outgoing edges in branch order, so the
//! text is deterministic and shared sub-diagrams are drawn once. Inner
//! nodes are ellipses labelled with the attribute they test; edges carry
//! the branch's values (`SCA_warrant`, `{Ireland, other_foreign}`, `true`;
//! `not {v5, v7}` for a branch of more than eight enum values that leaves
//! out fewer than it holds) or ranges (`[0..180]`, `[0..5], 9`); leaves are boxes with the outcome
//! (or `undecided`, dashed) and, below it, the explaining rules in
//! parentheses (`(default)` when the default decided).
//!
//! Render with `dot -Tsvg`.

use super::{Label, Named};
use crate::check::Policy;
use crate::compile::Diagram;
use crate::names::Header;
use crate::semantics::Verdict;
use crate::source::SourceMap;
use std::fmt::Write;

/// The DOT form of a checked policy's diagram.
pub fn to_dot(policy: &Policy, diagram: &Diagram, sources: &SourceMap) -> String {
    dot(&Header::from_policy(policy, sources), diagram)
}

/// The DOT form from a header and a diagram (see [`to_dot`]).
pub fn dot(header: &Header, diagram: &Diagram) -> String {
    let (order, id_of) = super::dfs_ids(diagram);
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "digraph {} {{", quote(&header.policy.name));
    let _ = writeln!(out, "  node [fontname=\"Helvetica\"];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\"];");
    for (id, &n) in order.iter().enumerate() {
        if super::is_leaf(diagram, n) {
            let v = super::verdict(diagram, n);
            let style = if matches!(v, Verdict::Decided { .. }) {
                ""
            } else {
                ", style=dashed"
            };
            let _ = writeln!(
                out,
                "  n{id} [shape=box{style}, label={}];",
                quote(&leaf_label(header, v))
            );
            continue;
        }
        let attr = diagram.attribute_at(diagram.mdd.level(n));
        let _ = writeln!(
            out,
            "  n{id} [label={}];",
            quote(&header.attributes[attr].name)
        );
        for b in super::branches(diagram, n) {
            let text = edge_label(header, attr, &super::label(header, diagram, attr, &b));
            let _ = writeln!(
                out,
                "  n{id} -> n{} [label={}];",
                id_of[&b.child],
                quote(&text)
            );
        }
    }
    out.push_str("}\n");
    out
}

/// A leaf's label: the verdict with its rules on a second line.
fn leaf_label(header: &Header, verdict: &Verdict) -> String {
    super::verdict_label(header, verdict, "\n")
}

fn edge_label(header: &Header, attr: usize, label: &Label) -> String {
    match label {
        Label::Values(vs) => match super::named_values(header, attr, vs) {
            Named::NotIn(names) => format!("not {{{}}}", names.join(", ")),
            Named::In(mut names) if names.len() == 1 => names.remove(0),
            Named::In(names) => format!("{{{}}}", names.join(", ")),
        },
        Label::Ranges(rs) => rs
            .iter()
            .map(|(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("[{lo}..{hi}]")
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A DOT double-quoted string; line breaks become `\n` (centred lines).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
