//! The JSON forms `writ.tree/1` and `writ.dag/1` (SPEC 5).
//!
//! In: a [`Header`] (or a checked policy and its source map) and a compiled
//! [`Diagram`]. Out: one pretty-printed JSON document (serde_json's pretty
//! layout, two-space indent, except that arrays of scalars such as
//! `"values": ["a", "b"]` and `"ranges": [[0, 180]]` stay on one line)
//! ending in a newline, byte-identical for the same input.
//!
//! ```json
//! {
//!   "format": "writ.tree/1",
//!   "policy": { "name": ..., "title": ..., "source": ..., "date": ... },
//!   "decision": "outcome",
//!   "outcomes": [...],
//!   "attributes": [{ "name", "type": "enum", "values", "doc" } | { "type": "bool" } | { "type": "int", "min", "max" }],
//!   "rules": [{ "id", "outcome", "because", "file", "line" }],
//!   "tree": NODE                       // writ.tree/1
//!   "root": 0, "nodes": [NODE + "id"]  // writ.dag/1, instead of "tree"
//! }
//! ```
//!
//! * Optional fields that are absent (`title`, `source`, `date`, `doc`,
//!   `because`) are left out, never written as `null`. The only `null` is
//!   an undecided leaf's `outcome`.
//! * `attributes` are in compile order (the diagram's order), which is the
//!   declaration order unless `--order` changed it.
//! * An inner node is `{"test": ATTR, "branches": [{"values": [...] |
//!   "ranges": [[lo, hi], ...], "node": NODE or ID}]}`.
//! * A leaf is `{"outcome": NAME or null, "rules": [IDS]}`, plus
//!   `"default": true` when the `default` decided. A `resolve strict`
//!   conflict (which a checked policy never has) is
//!   `{"outcome": null, "rules": [], "conflict": [IDS]}`.
//!
//! The tree is written with an explicit stack, never by recursion, so the
//! depth of the diagram does not matter; its layout is exactly what the
//! layout above gives for the whole tree as one nested value (a unit test
//! holds the two together).

use super::{Branch, EmitError, Label};
use crate::check::{Domain, Policy};
use crate::compile::Diagram;
use crate::compile::mdd::NodeId;
use crate::names::Header;
use crate::semantics::Verdict;
use crate::source::SourceMap;
use serde::Serialize;

pub use crate::names::{DAG_FORMAT, TREE_FORMAT};

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    policy: PolicyJson<'a>,
    decision: &'a str,
    outcomes: &'a [String],
    attributes: Vec<AttributeJson<'a>>,
    rules: Vec<RuleJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    root: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes: Option<Vec<DagNodeJson<'a>>>,
}

#[derive(Serialize)]
struct PolicyJson<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
}

#[derive(Serialize)]
struct AttributeJson<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc: Option<&'a str>,
}

#[derive(Serialize)]
struct RuleJson<'a> {
    id: &'a str,
    outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
}

/// A value in a branch's `values`: an enum value's name or a bool.
#[derive(Serialize, Debug, PartialEq)]
#[serde(untagged)]
enum ValueJson<'a> {
    Name(&'a str),
    Bool(bool),
}

#[derive(Serialize)]
struct LeafJson<'a> {
    outcome: Option<&'a str>,
    rules: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conflict: Option<Vec<&'a str>>,
}

#[derive(Serialize)]
struct DagBranchJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Vec<ValueJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ranges: Option<Vec<[i64; 2]>>,
    node: usize,
}

#[derive(Serialize)]
#[serde(untagged)]
enum DagNodeJson<'a> {
    Inner {
        id: usize,
        test: &'a str,
        branches: Vec<DagBranchJson<'a>>,
    },
    Leaf {
        id: usize,
        #[serde(flatten)]
        leaf: LeafJson<'a>,
    },
}

/// `writ.tree/1` for a checked policy and its compiled diagram; rules'
/// `file`/`line` come from `sources`. Refused when the tree would have more
/// than `max_tree_nodes` nodes.
pub fn to_tree(
    policy: &Policy,
    diagram: &Diagram,
    sources: &SourceMap,
    max_tree_nodes: u64,
) -> Result<String, EmitError> {
    tree(
        &Header::from_policy(policy, sources),
        diagram,
        max_tree_nodes,
    )
}

/// `writ.dag/1` for a checked policy and its compiled diagram.
pub fn to_dag(policy: &Policy, diagram: &Diagram, sources: &SourceMap) -> String {
    dag(&Header::from_policy(policy, sources), diagram)
}

/// `writ.tree/1` from a header and a diagram (see [`to_tree`]).
pub fn tree(header: &Header, diagram: &Diagram, max_tree_nodes: u64) -> Result<String, EmitError> {
    super::check_tree_size(diagram, max_tree_nodes)?;
    let head = pretty(&document(header, diagram, TREE_FORMAT));
    // The head ends with the document's closing "\n}"; the tree goes in
    // as the last field, at indent level 1.
    let mut out = String::with_capacity(head.len() * 2);
    out.push_str(head.strip_suffix("\n}").unwrap_or(&head));
    out.push_str(",\n  \"tree\": ");
    write_tree(header, diagram, 1, &mut out);
    out.push_str("\n}\n");
    Ok(out)
}

/// `writ.dag/1` from a header and a diagram (see [`to_dag`]).
pub fn dag(header: &Header, diagram: &Diagram) -> String {
    let mut doc = document(header, diagram, DAG_FORMAT);
    let (order, id_of) = super::dfs_ids(diagram);
    let nodes = order
        .iter()
        .enumerate()
        .map(|(id, &n)| {
            if super::is_leaf(diagram, n) {
                return DagNodeJson::Leaf {
                    id,
                    leaf: leaf(header, super::verdict(diagram, n)),
                };
            }
            let attr = diagram.attribute_at(diagram.mdd.level(n));
            let branches = super::branches(diagram, n)
                .iter()
                .map(|b| {
                    let (values, ranges) = label(header, diagram, attr, b);
                    DagBranchJson {
                        values,
                        ranges,
                        node: id_of[&b.child],
                    }
                })
                .collect();
            DagNodeJson::Inner {
                id,
                test: &header.attributes[attr].name,
                branches,
            }
        })
        .collect();
    doc.root = Some(0);
    doc.nodes = Some(nodes);
    let mut out = pretty(&doc);
    out.push('\n');
    out
}

/// serde_json's pretty layout with arrays of scalars kept on one line.
fn pretty<T: Serialize>(value: &T) -> String {
    // INVARIANT: these types serialize to JSON without fallible parts (no
    // maps with non-string keys, no non-finite floats).
    compact_arrays(&serde_json::to_string_pretty(value).expect("emit types always serialize"))
}

/// Whether a line of pretty JSON is one array element that is a scalar
/// (string, number, bool, null) or an already inlined array, with its comma.
fn is_inline_element(line: &str) -> bool {
    let t = line.trim();
    let t = t.strip_suffix(',').unwrap_or(t);
    if let Some(rest) = t.strip_prefix('"') {
        // One string token: the first unescaped quote must end the line.
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return i + 1 == rest.len(),
                _ => {}
            }
        }
        return false;
    }
    (t.starts_with('[') && t.ends_with(']'))
        || matches!(t, "true" | "false" | "null")
        || (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
}

/// Rewrites serde_json's pretty output so that every array whose elements
/// are all scalars (or such arrays) sits on one line: `"values": ["a", "b"]`,
/// `"ranges": [[0, 180], [200, 201]]`. Line-based, which is sound because
/// pretty JSON never has a raw line break inside a string, and a line that
/// ends with `[` can only open an array.
fn compact_arrays(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    // For each open array: the index of its opening line, and whether every
    // element so far is inline.
    let mut open: Vec<(usize, bool)> = Vec::new();
    for line in text.split('\n') {
        let t = line.trim_start();
        if t.starts_with(']') {
            if let Some((start, inline)) = open.pop() {
                if inline && out.len() > start + 1 {
                    let items: Vec<&str> = out[start + 1..]
                        .iter()
                        .map(|l| l.trim().trim_end_matches(','))
                        .collect();
                    let joined = format!("{}{}{t}", out[start], items.join(", "));
                    out.truncate(start);
                    out.push(joined);
                    continue;
                }
                if let Some(parent) = open.last_mut() {
                    parent.1 = false;
                }
            }
            out.push(line.to_string());
            continue;
        }
        if let Some(top) = open.last_mut()
            && !line.ends_with('[')
            && !is_inline_element(line)
        {
            top.1 = false;
        }
        if line.ends_with('[') {
            open.push((out.len(), true));
        }
        out.push(line.to_string());
    }
    out.join("\n")
}

fn document<'a>(header: &'a Header, diagram: &Diagram, format: &'static str) -> Document<'a> {
    let p = &header.policy;
    Document {
        format,
        policy: PolicyJson {
            name: &p.name,
            title: p.title.as_deref(),
            source: p.source.as_deref(),
            date: p.date.as_deref(),
        },
        decision: &header.decision,
        outcomes: &header.outcomes,
        attributes: diagram
            .order
            .iter()
            .map(|&a| {
                let a = &header.attributes[a];
                let (ty, values, min, max) = match &a.domain {
                    Domain::Enum { values, .. } => ("enum", Some(values.as_slice()), None, None),
                    Domain::Bool => ("bool", None, None, None),
                    Domain::Int { lo, hi } => ("int", None, Some(*lo), Some(*hi)),
                };
                AttributeJson {
                    name: &a.name,
                    ty,
                    values,
                    min,
                    max,
                    doc: a.doc.as_deref(),
                }
            })
            .collect(),
        rules: header
            .rules
            .iter()
            .map(|r| RuleJson {
                id: &r.id,
                outcome: header.outcomes.get(r.outcome).map_or("", String::as_str),
                because: r.because.as_deref(),
                file: r.file.as_deref(),
                line: r.line,
            })
            .collect(),
        root: None,
        nodes: None,
    }
}

fn leaf<'a>(header: &'a Header, verdict: &Verdict) -> LeafJson<'a> {
    let ids = |rules: &[usize]| rules.iter().map(|&r| header.rules[r].id.as_str()).collect();
    match verdict {
        Verdict::Decided {
            outcome,
            rules,
            default,
        } => LeafJson {
            outcome: Some(&header.outcomes[*outcome]),
            rules: ids(rules),
            default: default.then_some(true),
            conflict: None,
        },
        Verdict::Undecided => LeafJson {
            outcome: None,
            rules: Vec::new(),
            default: None,
            conflict: None,
        },
        Verdict::Conflict { rules } => LeafJson {
            outcome: None,
            rules: Vec::new(),
            default: None,
            conflict: Some(ids(rules)),
        },
    }
}

/// A branch's `values` or `ranges`.
#[allow(clippy::type_complexity)]
fn label<'a>(
    header: &'a Header,
    diagram: &Diagram,
    attr: usize,
    branch: &Branch,
) -> (Option<Vec<ValueJson<'a>>>, Option<Vec<[i64; 2]>>) {
    match super::label(header, diagram, attr, branch) {
        Label::Ranges(rs) => (
            None,
            Some(rs.into_iter().map(|(lo, hi)| [lo, hi]).collect()),
        ),
        Label::Values(vs) => {
            let values = match &header.attributes[attr].domain {
                Domain::Enum { values, .. } => vs
                    .iter()
                    .map(|&v| ValueJson::Name(&values[v as usize]))
                    .collect(),
                _ => vs.iter().map(|&v| ValueJson::Bool(v != 0)).collect(),
            };
            (Some(values), None)
        }
    }
}

/// Indents every line after the first by `level` steps of two spaces.
fn indented(text: &str, level: usize) -> String {
    text.replace('\n', &format!("\n{}", "  ".repeat(level)))
}

/// Writes the tree rooted at the diagram's root, as a JSON value starting
/// at the current position at indent `level`, with an explicit stack.
fn write_tree(header: &Header, diagram: &Diagram, level: usize, out: &mut String) {
    enum Task {
        Node(NodeId, usize),
        Text(String),
    }
    let mut leaves: std::collections::HashMap<NodeId, String> = std::collections::HashMap::new();
    let mut stack = vec![Task::Node(diagram.root, level)];
    while let Some(task) = stack.pop() {
        let (n, d) = match task {
            Task::Text(s) => {
                out.push_str(&s);
                continue;
            }
            Task::Node(n, d) => (n, d),
        };
        if super::is_leaf(diagram, n) {
            let text = leaves
                .entry(n)
                .or_insert_with(|| pretty(&leaf(header, super::verdict(diagram, n))));
            out.push_str(&indented(text, d));
            continue;
        }
        let attr = diagram.attribute_at(diagram.mdd.level(n));
        let (i0, i1, i2, i3) = (
            "  ".repeat(d),
            "  ".repeat(d + 1),
            "  ".repeat(d + 2),
            "  ".repeat(d + 3),
        );
        let branches = super::branches(diagram, n);
        let mut parts = Vec::with_capacity(3 * branches.len() + 2);
        parts.push(Task::Text(format!(
            "{{\n{i1}\"test\": {},\n{i1}\"branches\": [\n",
            pretty(&header.attributes[attr].name)
        )));
        for (k, b) in branches.iter().enumerate() {
            let field = match label(header, diagram, attr, b) {
                (Some(values), _) => format!("\"values\": {}", indented(&pretty(&values), d + 3)),
                (None, ranges) => format!(
                    "\"ranges\": {}",
                    indented(&pretty(&ranges.unwrap_or_default()), d + 3)
                ),
            };
            parts.push(Task::Text(format!("{i2}{{\n{i3}{field},\n{i3}\"node\": ")));
            parts.push(Task::Node(b.child, d + 3));
            let comma = if k + 1 < branches.len() { "," } else { "" };
            parts.push(Task::Text(format!("\n{i2}}}{comma}\n")));
        }
        parts.push(Task::Text(format!("{i1}]\n{i0}}}")));
        stack.extend(parts.into_iter().rev());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{Options, compile};

    fn compiled(text: &str) -> (Header, Diagram) {
        let mut map = SourceMap::new();
        let r = crate::api::check_source(&mut map, "t.policy", text);
        let p = r.policy.unwrap_or_else(|| panic!("{:?}", r.diagnostics));
        let d = compile(&p, &Options::default()).unwrap();
        (Header::from_policy(&p, &map), d)
    }

    /// The tree as nested serde types, built by recursion: the obvious
    /// reference for the stack-based writer. Structs keep their field
    /// order whatever serde_json's features.
    #[derive(Serialize)]
    #[serde(untagged)]
    enum RefNode<'a> {
        Inner {
            test: &'a str,
            branches: Vec<RefBranch<'a>>,
        },
        Leaf(LeafJson<'a>),
    }

    #[derive(Serialize)]
    struct RefBranch<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        values: Option<Vec<ValueJson<'a>>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ranges: Option<Vec<[i64; 2]>>,
        node: RefNode<'a>,
    }

    fn reference<'a>(header: &'a Header, d: &Diagram, n: NodeId) -> RefNode<'a> {
        if crate::emit::is_leaf(d, n) {
            return RefNode::Leaf(leaf(header, crate::emit::verdict(d, n)));
        }
        let attr = d.attribute_at(d.mdd.level(n));
        let branches = crate::emit::branches(d, n)
            .iter()
            .map(|b| {
                let (values, ranges) = label(header, d, attr, b);
                RefBranch {
                    values,
                    ranges,
                    node: reference(header, d, b.child),
                }
            })
            .collect();
        RefNode::Inner {
            test: &header.attributes[attr].name,
            branches,
        }
    }

    #[test]
    fn tree_writer_matches_serde_pretty_layout() {
        let (h, d) = compiled(
            "policy t\nresolve first\nattribute a: { x, y, z }\nattribute b: bool\nattribute n: int 0..20\n\
             decision o: { p, q }\ndefault q\n\
             when a = x and n > 5 then p\nwhen b and n in { 1, 3 } then p\nwhen a = z and not b then q\n",
        );
        assert!(d.size() > 6, "a tree worth testing");
        let text = tree(&h, &d, 1000).unwrap();
        let mut expected = pretty(&document(&h, &d, TREE_FORMAT));
        expected.truncate(expected.len() - 2);
        expected.push_str(",\n  \"tree\": ");
        expected.push_str(&indented(&pretty(&reference(&h, &d, d.root)), 1));
        expected.push_str("\n}\n");
        assert_eq!(text, expected);
        // And it is JSON.
        let _: serde_json::Value = serde_json::from_str(&text).unwrap();
    }

    #[test]
    fn scalar_arrays_stay_on_one_line() {
        let v = serde_json::json!({
            "a": ["x", "y\\\"]", 1, -2, true, null],
            "b": [[0, 1], [2, 3]],
            "c": [{"d": ["e"]}, "f"],
            "g": [],
            "h": ["\\", "a\\\\"],
            "i": ["k\": [", "]"]
        });
        let text = pretty(&v);
        let expect = r#"{
  "a": ["x", "y\\\"]", 1, -2, true, null],
  "b": [[0, 1], [2, 3]],
  "c": [
    {
      "d": ["e"]
    },
    "f"
  ],
  "g": [],
  "h": ["\\", "a\\\\"],
  "i": ["k\": [", "]"]
}"#;
        assert_eq!(text, expect);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), v);
    }

    #[test]
    fn tree_is_refused_past_the_budget_naming_the_dag_form() {
        let (h, d) =
            compiled("policy t\nattribute a: { x, y }\ndecision o: { p }\nwhen a = x then p\n");
        assert_eq!(crate::emit::tree_size(&d), 3);
        assert!(tree(&h, &d, 3).is_ok());
        let e = tree(&h, &d, 2).unwrap_err();
        assert_eq!(e, EmitError::TreeTooLarge { nodes: 3, max: 2 });
        assert!(e.to_string().contains("--emit dag"));
    }

    #[test]
    fn a_conflict_leaf_is_written_not_panicked_on() {
        // A checked policy never compiles to a conflict; make one by hand.
        let (h, mut d) =
            compiled("policy t\nattribute a: { x, y }\ndecision o: { p, q }\nwhen a = x then p\n");
        d.verdicts[0] = Verdict::Conflict { rules: vec![0] };
        let text = dag(&h, &d);
        assert!(text.contains("\"conflict\": ["), "{text}");
    }
}
