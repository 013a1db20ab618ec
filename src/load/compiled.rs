//! Reading a compiled policy back: `writ.tree/1` or `writ.dag/1` JSON in, a
//! [`Compiled`] out that decides cases without the policy.
//!
//! A [`Compiled`] is a [`Header`] (names, domains, outcomes, rules with
//! their `because`) and a [`Diagram`] rebuilt over a fresh
//! [`Mdd`]: the same structure `writ compile` produced, so every engine
//! that works on a compiled policy's diagram works on a loaded one too.
//!
//! # Indices
//!
//! * Attributes are numbered in the order of the document's `attributes`
//!   (the compile order), and the diagram's order is that numbering:
//!   `case[i]` is the value of `header.attributes[i]`.
//! * Values are [`Value`]s as everywhere else: an enum value's index in the
//!   attribute's `values`, 0/1 for `false`/`true`, an int itself.
//! * Outcomes and rules are indices into `header.outcomes` and
//!   `header.rules`; a leaf's verdict is a [`Verdict`] over them.
//! * Int cells are the intervals the document's ranges distinguish: every
//!   range bound of every node testing the attribute is a cut.
//!
//! # Deciding and walking
//!
//! * [`Compiled::decide`] decides a complete case.
//! * To walk the graph (partial evaluation, the path taken, sufficient
//!   reasons), use `compiled.diagram` directly: start at `diagram.root`;
//!   `diagram.mdd.level(n)` is [`LEAF_LEVEL`] for a leaf, whose verdict is
//!   `diagram.verdicts[diagram.mdd.payload(n)]`; otherwise the node tests
//!   attribute `diagram.attribute_at(level)`, `diagram.cells[attr]` maps
//!   values to cells (`cell_of`, `interval`), `diagram.mdd.runs(n)` lists
//!   the children by runs of cells and `diagram.mdd.child(n, cell)` follows
//!   one. [`Diagram::case_to`] and the other helpers of `compile` apply
//!   unchanged.
//!
//! # What is checked
//!
//! The reader accepts what `writ compile` writes and rejects, with an error
//! that names the field or node, anything it cannot decide from: wrong or
//! missing `format`, missing or mistyped fields, duplicate names, a test of
//! an unknown attribute or value, a branch of the wrong kind for the
//! attribute, ranges outside the attribute's bounds, branches that overlap
//! or do not cover the domain, a leaf naming an unknown outcome or rule,
//! dangling or duplicate node ids, and nodes that do not test attributes in
//! the order of `attributes` (which also rules out cycles). Extra fields
//! are ignored. Absent optional fields and `null` are the same. A node whose
//! branches all lead to one child is accepted and reduced away. It never
//! panics and never recurses on the document's depth.

use super::Kind;
use super::json::{Ix, J, Json};
use crate::check::{AttrId, Domain, OutcomeId, RuleId};
use crate::compile::mdd::{LEAF_LEVEL, Mdd, NodeId, Run};
use crate::compile::{Cells, Diagram};
use crate::diag::{Code, Diagnostic};
use crate::names::{AttributeInfo, DAG_FORMAT, Header, PolicyInfo, RuleInfo, TREE_FORMAT};
use crate::semantics::{Value, Verdict};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A compiled policy read back from JSON (or built from a checked policy
/// with [`Compiled::from_policy`]): enough to decide cases and explain them
/// by rule id and `because`, without the policy's source.
#[derive(Debug)]
pub struct Compiled {
    /// Policy metadata, decision, outcomes, attributes (indexed like a
    /// case) and rules.
    pub header: Header,
    /// The decision diagram over `header.attributes`.
    pub diagram: Diagram,
}

impl Compiled {
    /// A checked policy's compiled diagram with its header, so that code
    /// written for loaded diagrams also serves freshly compiled ones.
    /// Attributes keep the policy's declaration numbering.
    pub fn from_policy(
        policy: &crate::check::Policy,
        diagram: Diagram,
        sources: &crate::source::SourceMap,
    ) -> Compiled {
        Compiled {
            header: Header::from_policy(policy, sources),
            diagram,
        }
    }

    /// The verdict for a complete case: `case[i]` is the value of
    /// `header.attributes[i]`, inside its domain (as [`crate::names::case`] reads it).
    pub fn decide(&self, case: &[Value]) -> &Verdict {
        self.diagram.decide(case)
    }

    /// The index of the attribute with this name.
    pub fn attribute(&self, name: &str) -> Option<AttrId> {
        self.header.attribute(name)
    }
}

/// Reads a compiled policy file (`writ.tree/1` or `writ.dag/1`). Every
/// failure is a diagnostic that names the file: E0006 when it is missing,
/// a directory or unreadable; E0015 when it is larger than
/// [`super::MAX_COMPILED_BYTES`] (from its metadata, before reading);
/// E0005 when it is not UTF-8; E0049 when it is not a compiled writ
/// diagram, with what is wrong and where (see [`load_compiled`]).
pub fn read_compiled(path: &Path) -> Result<Compiled, Box<Diagnostic>> {
    let text = super::read_file_as(path, Kind::Compiled)?;
    load_compiled(&text).map_err(|e| {
        Box::new(
            Diagnostic::error(
                Code::NOT_COMPILED,
                format!("`{}` is not a compiled writ diagram: {e}", path.display()),
            )
            .help("a file ending in `.json` is read as a compiled policy; `writ compile POLICY -o FILE.json` writes one"),
        )
    })
}

/// Reads a `writ.tree/1` or `writ.dag/1` document. The error is one line
/// saying what is wrong and where (a JSON syntax error's line and column,
/// or the field or node at fault).
pub fn load_compiled(json_text: &str) -> Result<Compiled, String> {
    let json = super::json::parse(json_text)?;
    Loader { j: &json }.load()
}

/// Which of the two forms the document is.
#[derive(Clone, Copy)]
enum Form {
    Tree,
    Dag,
}

/// A node as read, before the diagram is built.
enum Shape {
    Leaf(Verdict),
    Inner {
        attr: AttrId,
        /// (values or ranges, child's key), in document order.
        branches: Vec<(Label, Ix)>,
    },
}

enum Label {
    Values(Vec<u32>),
    Ranges(Vec<(i64, i64)>),
}

/// A header's names, indexed once, so that reading a node or a leaf costs
/// the same however many attributes, values and rules the header has.
struct Names<'h> {
    header: &'h Header,
    attributes: HashMap<&'h str, AttrId>,
    /// Each enum attribute's values by name (empty for the others).
    values: Vec<HashMap<&'h str, u32>>,
    outcomes: HashMap<&'h str, OutcomeId>,
    rules: HashMap<&'h str, RuleId>,
}

impl<'h> Names<'h> {
    fn new(header: &'h Header) -> Names<'h> {
        let by_name = |names: &mut dyn Iterator<Item = &'h str>| {
            names
                .enumerate()
                .map(|(i, n)| (n, i))
                .collect::<HashMap<_, _>>()
        };
        Names {
            header,
            attributes: header.attributes_by_name(),
            values: header.values_by_name(),
            outcomes: by_name(&mut header.outcomes.iter().map(String::as_str)),
            rules: by_name(&mut header.rules.iter().map(|r| r.id.as_str())),
        }
    }
}

struct Loader<'j> {
    j: &'j Json,
}

fn kind(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a bool",
        J::Int(_) | J::Number(_) => "a number",
        J::Str(_) => "a string",
        J::Arr(_) => "an array",
        J::Obj(_) => "an object",
    }
}

impl<'j> Loader<'j> {
    fn obj(&self, i: Ix, path: &str) -> Result<&'j [(String, Ix)], String> {
        match self.j.get(i) {
            J::Obj(f) => Ok(f),
            other => Err(format!("`{path}` should be an object, not {}", kind(other))),
        }
    }

    fn arr(&self, i: Ix, path: &str) -> Result<&'j [Ix], String> {
        match self.j.get(i) {
            J::Arr(a) => Ok(a),
            other => Err(format!("`{path}` should be an array, not {}", kind(other))),
        }
    }

    fn str(&self, i: Ix, path: &str) -> Result<&'j str, String> {
        match self.j.get(i) {
            J::Str(s) => Ok(s),
            other => Err(format!("`{path}` should be a string, not {}", kind(other))),
        }
    }

    fn int(&self, i: Ix, path: &str) -> Result<i128, String> {
        match self.j.get(i) {
            J::Int(v) => Ok(*v),
            J::Number(n) => Err(format!("`{path}` should be an integer, not {n}")),
            other => Err(format!(
                "`{path}` should be an integer, not {}",
                kind(other)
            )),
        }
    }

    fn i64(&self, i: Ix, path: &str) -> Result<i64, String> {
        let v = self.int(i, path)?;
        i64::try_from(v).map_err(|_| format!("`{path}` is {v}, outside the 64-bit integers"))
    }

    /// A field that may be absent or `null`.
    fn opt(fields: &[(String, Ix)], name: &str, j: &Json) -> Option<Ix> {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|&(_, i)| i)
            .filter(|&i| !matches!(j.get(i), J::Null))
    }

    fn req(&self, fields: &[(String, Ix)], name: &str, path: &str) -> Result<Ix, String> {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|&(_, i)| i)
            .ok_or_else(|| format!("missing field `{name}` in `{path}`"))
    }

    fn opt_str(
        &self,
        fields: &[(String, Ix)],
        name: &str,
        path: &str,
    ) -> Result<Option<String>, String> {
        Loader::opt(fields, name, self.j)
            .map(|i| self.str(i, &format!("{path}.{name}")).map(str::to_string))
            .transpose()
    }

    fn names(&self, i: Ix, path: &str) -> Result<Vec<String>, String> {
        let items = self.arr(i, path)?;
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        let mut seen = std::collections::HashSet::new();
        for (k, &x) in items.iter().enumerate() {
            let s = self.str(x, &format!("{path}[{k}]"))?;
            if !seen.insert(s) {
                return Err(format!("`{path}` lists `{s}` twice"));
            }
            out.push(s.to_string());
        }
        Ok(out)
    }

    fn load(&self) -> Result<Compiled, String> {
        let top = match self.j.get(self.j.root) {
            J::Obj(f) => f.as_slice(),
            other => {
                return Err(format!(
                    "expected a compiled writ diagram (a JSON object), found {}",
                    kind(other)
                ));
            }
        };
        let format = match Loader::opt(top, "format", self.j).map(|i| self.j.get(i)) {
            Some(J::Str(s)) => s.as_str(),
            None => {
                return Err(
                    "missing field `format`, which names the form (`writ.tree/1` or `writ.dag/1`)"
                        .into(),
                );
            }
            Some(other) => return Err(format!("`format` should be a string, not {}", kind(other))),
        };
        let form = match format {
            TREE_FORMAT => Form::Tree,
            DAG_FORMAT => Form::Dag,
            other => {
                return Err(format!(
                    "unsupported format `{other}`: expected `writ.tree/1` or `writ.dag/1`"
                ));
            }
        };
        let header = self.header(top)?;
        let names = Names::new(&header);
        let (root, nodes, places) = self.nodes(top, form, &names)?;
        let diagram = build(&header, root, &nodes, &places)?;
        Ok(Compiled { header, diagram })
    }

    fn header(&self, top: &[(String, Ix)]) -> Result<Header, String> {
        let p = self.obj(self.req(top, "policy", "the document")?, "policy")?;
        let policy = PolicyInfo {
            name: self
                .str(self.req(p, "name", "policy")?, "policy.name")?
                .to_string(),
            title: self.opt_str(p, "title", "policy")?,
            source: self.opt_str(p, "source", "policy")?,
            date: self.opt_str(p, "date", "policy")?,
        };
        let decision = self
            .str(self.req(top, "decision", "the document")?, "decision")?
            .to_string();
        let outcomes = self.names(self.req(top, "outcomes", "the document")?, "outcomes")?;
        let mut attributes: Vec<AttributeInfo> = Vec::new();
        let mut seen = HashSet::new();
        let list = self.arr(self.req(top, "attributes", "the document")?, "attributes")?;
        for (k, &a) in list.iter().enumerate() {
            let path = format!("attributes[{k}]");
            let f = self.obj(a, &path)?;
            let name = self
                .str(self.req(f, "name", &path)?, &format!("{path}.name"))?
                .to_string();
            if !seen.insert(name.clone()) {
                return Err(format!("`attributes` lists `{name}` twice"));
            }
            let ty = self.str(self.req(f, "type", &path)?, &format!("{path}.type"))?;
            let domain = match ty {
                "enum" => {
                    let vpath = format!("{path}.values");
                    let values = self.names(self.req(f, "values", &path)?, &vpath)?;
                    if values.is_empty() {
                        return Err(format!(
                            "`{vpath}` is empty: the enum `{name}` has no values"
                        ));
                    }
                    if u32::try_from(values.len()).is_err() {
                        return Err(format!("`{vpath}`: the enum `{name}` has too many values"));
                    }
                    Domain::Enum { ty: None, values }
                }
                "bool" => Domain::Bool,
                "int" => {
                    let lo = self.i64(self.req(f, "min", &path)?, &format!("{path}.min"))?;
                    let hi = self.i64(self.req(f, "max", &path)?, &format!("{path}.max"))?;
                    if lo > hi {
                        return Err(format!("`{path}`: `min` {lo} is greater than `max` {hi}"));
                    }
                    Domain::Int { lo, hi }
                }
                other => {
                    return Err(format!(
                        "`{path}.type` is `{other}`: expected `enum`, `bool` or `int`"
                    ));
                }
            };
            let doc = self.opt_str(f, "doc", &path)?;
            attributes.push(AttributeInfo { name, domain, doc });
        }
        let mut rules: Vec<RuleInfo> = Vec::new();
        let mut seen = HashSet::new();
        let list = self.arr(self.req(top, "rules", "the document")?, "rules")?;
        for (k, &r) in list.iter().enumerate() {
            let path = format!("rules[{k}]");
            let f = self.obj(r, &path)?;
            let id = self
                .str(self.req(f, "id", &path)?, &format!("{path}.id"))?
                .to_string();
            if !seen.insert(id.clone()) {
                return Err(format!("`rules` lists `{id}` twice"));
            }
            let o = self.str(self.req(f, "outcome", &path)?, &format!("{path}.outcome"))?;
            let outcome = outcomes
                .iter()
                .position(|x| x == o)
                .ok_or_else(|| format!("`{path}.outcome` is `{o}`, which is not in `outcomes`"))?;
            let line = match Loader::opt(f, "line", self.j) {
                None => None,
                Some(i) => {
                    let v = self.int(i, &format!("{path}.line"))?;
                    Some(
                        u64::try_from(v)
                            .map_err(|_| format!("`{path}.line` is {v}, not a line number"))?,
                    )
                }
            };
            rules.push(RuleInfo {
                id,
                outcome,
                because: self.opt_str(f, "because", &path)?,
                file: self.opt_str(f, "file", &path)?,
                line,
            });
        }
        Ok(Header {
            policy,
            decision,
            outcomes,
            attributes,
            rules,
        })
    }

    /// Every node reachable from the root, by key (the arena index of the
    /// node's object), with a short description of where each one is.
    #[allow(clippy::type_complexity)]
    fn nodes(
        &self,
        top: &[(String, Ix)],
        form: Form,
        names: &Names<'_>,
    ) -> Result<(Ix, HashMap<Ix, Shape>, HashMap<Ix, String>), String> {
        let mut places: HashMap<Ix, String> = HashMap::new();
        let mut by_id: HashMap<i128, Ix> = HashMap::new();
        let root = match form {
            Form::Tree => self.req(top, "tree", "a `writ.tree/1` document")?,
            Form::Dag => {
                let list = self.arr(self.req(top, "nodes", "a `writ.dag/1` document")?, "nodes")?;
                for (k, &n) in list.iter().enumerate() {
                    let path = format!("nodes[{k}]");
                    let f = self.obj(n, &path)?;
                    let id = self.int(self.req(f, "id", &path)?, &format!("{path}.id"))?;
                    if by_id.insert(id, n).is_some() {
                        return Err(format!("two nodes have the id {id}"));
                    }
                    places.insert(n, format!("`{path}` (id {id})"));
                }
                let id = self.int(self.req(top, "root", "a `writ.dag/1` document")?, "root")?;
                *by_id
                    .get(&id)
                    .ok_or_else(|| format!("`root` is {id}, but no node has that id"))?
            }
        };
        let mut shapes: HashMap<Ix, Shape> = HashMap::new();
        // (node, depth in the tree); tree nodes are described by their
        // depth and depth-first position, which stay short however deep.
        let mut stack = vec![(root, 0usize)];
        while let Some((key, depth)) = stack.pop() {
            if shapes.contains_key(&key) {
                continue;
            }
            if let Form::Tree = form {
                let place = if depth == 0 {
                    "`tree`".to_string()
                } else {
                    format!(
                        "the tree's node {} (depth {depth}, depth-first)",
                        shapes.len()
                    )
                };
                places.insert(key, place);
            }
            let place = places.get(&key).cloned().unwrap_or_default();
            let shape = self
                .shape(key, form, names, &by_id)
                .map_err(|e| format!("in {place}: {e}"))?;
            if let Shape::Inner { branches, .. } = &shape {
                stack.extend(
                    branches
                        .iter()
                        .rev()
                        .map(|&(_, c)| (c, depth + 1))
                        .filter(|(c, _)| !shapes.contains_key(c)),
                );
            }
            shapes.insert(key, shape);
        }
        Ok((root, shapes, places))
    }

    /// One node; error paths are relative to the node.
    fn shape(
        &self,
        key: Ix,
        form: Form,
        names: &Names<'_>,
        by_id: &HashMap<i128, Ix>,
    ) -> Result<Shape, String> {
        let f = match self.j.get(key) {
            J::Obj(f) => f.as_slice(),
            other => {
                return Err(format!(
                    "expected a node (an object), found {}",
                    kind(other)
                ));
            }
        };
        let Some(test) = Loader::opt(f, "test", self.j) else {
            return self.leaf(f, names).map(Shape::Leaf);
        };
        let name = self.str(test, "test")?;
        let header = names.header;
        let attr = names.attributes.get(name).copied().ok_or_else(|| {
            let mut msg = format!("the node tests `{name}`, which is not in `attributes`");
            if let Some(m) =
                crate::diag::did_you_mean(name, header.attributes.iter().map(|a| a.name.as_str()))
            {
                msg.push_str(&format!(" (did you mean `{m}`?)"));
            }
            msg
        })?;
        let a = &header.attributes[attr];
        let list = self.arr(self.req(f, "branches", "the node")?, "branches")?;
        if list.is_empty() {
            return Err("`branches` is empty".to_string());
        }
        let mut branches = Vec::with_capacity(list.len());
        for (k, &b) in list.iter().enumerate() {
            let path = format!("branches[{k}]");
            let bf = self.obj(b, &path)?;
            let label = match &a.domain {
                Domain::Int { lo, hi } => {
                    let rpath = format!("{path}.ranges");
                    let Some(rs) = Loader::opt(bf, "ranges", self.j) else {
                        return Err(format!(
                            "missing field `ranges` in `{path}`: `{}` is an int",
                            a.name
                        ));
                    };
                    let mut ranges = Vec::new();
                    for (m, &r) in self.arr(rs, &rpath)?.iter().enumerate() {
                        let pair = self.arr(r, &format!("{rpath}[{m}]"))?;
                        let [x, y] = pair else {
                            return Err(format!("`{rpath}[{m}]` should be a pair [lo, hi]"));
                        };
                        let (x, y) = (
                            self.i64(*x, &format!("{rpath}[{m}][0]"))?,
                            self.i64(*y, &format!("{rpath}[{m}][1]"))?,
                        );
                        if x > y || x < *lo || y > *hi {
                            return Err(format!(
                                "`{rpath}[{m}]` is [{x}, {y}], not a range inside `{}`'s {lo}..{hi}",
                                a.name
                            ));
                        }
                        ranges.push((x, y));
                    }
                    if ranges.is_empty() {
                        return Err(format!("`{rpath}` is empty"));
                    }
                    Label::Ranges(ranges)
                }
                domain => {
                    let vpath = format!("{path}.values");
                    let Some(vs) = Loader::opt(bf, "values", self.j) else {
                        return Err(format!("missing field `values` in `{path}`"));
                    };
                    let mut values = Vec::new();
                    for (m, &v) in self.arr(vs, &vpath)?.iter().enumerate() {
                        let index = match (domain, self.j.get(v)) {
                            (Domain::Bool, J::Bool(b)) => u32::from(*b),
                            (Domain::Enum { values, .. }, J::Str(s)) => {
                                match names.values[attr].get(s.as_str()) {
                                    Some(&i) => i,
                                    None => {
                                        let mut msg = format!(
                                            "`{vpath}[{m}]`: `{s}` is not a value of `{}`",
                                            a.name
                                        );
                                        if let Some(m) = crate::diag::did_you_mean(
                                            s,
                                            values.iter().map(String::as_str),
                                        ) {
                                            msg.push_str(&format!(" (did you mean `{m}`?)"));
                                        }
                                        return Err(msg);
                                    }
                                }
                            }
                            (Domain::Bool, other) => {
                                return Err(format!(
                                    "`{vpath}[{m}]` should be true or false, not {}",
                                    kind(other)
                                ));
                            }
                            (_, other) => {
                                return Err(format!(
                                    "`{vpath}[{m}]` should be a value name (a string), not {}",
                                    kind(other)
                                ));
                            }
                        };
                        values.push(index);
                    }
                    if values.is_empty() {
                        return Err(format!("`{vpath}` is empty"));
                    }
                    Label::Values(values)
                }
            };
            let npath = format!("{path}.node");
            let child_ix = self.req(bf, "node", &path)?;
            let child = match (form, self.j.get(child_ix)) {
                (Form::Tree, J::Obj(_)) => child_ix,
                (Form::Dag, J::Int(id)) => *by_id
                    .get(id)
                    .ok_or_else(|| format!("`{npath}` is {id}, but no node has that id"))?,
                (Form::Tree, other) => {
                    return Err(format!(
                        "`{npath}` should be a node (an object), not {}",
                        kind(other)
                    ));
                }
                (Form::Dag, other) => {
                    return Err(format!(
                        "`{npath}` should be a node id, not {}",
                        kind(other)
                    ));
                }
            };
            branches.push((label, child));
        }
        Ok(Shape::Inner { attr, branches })
    }

    fn leaf(&self, f: &[(String, Ix)], names: &Names<'_>) -> Result<Verdict, String> {
        if !f.iter().any(|(k, _)| k == "outcome") {
            return Err(
                "not a node: expected `test` and `branches`, or a leaf's `outcome` and `rules`"
                    .to_string(),
            );
        }
        let rule_ids =
            |i: Ix, path: &str| -> Result<Vec<RuleId>, String> {
                let mut out = Vec::new();
                for (k, &r) in self.arr(i, path)?.iter().enumerate() {
                    let id = self.str(r, &format!("{path}[{k}]"))?;
                    out.push(names.rules.get(id).copied().ok_or_else(|| {
                        format!("`{path}[{k}]` is `{id}`, which is not in `rules`")
                    })?);
                }
                Ok(out)
            };
        let rules = rule_ids(self.req(f, "rules", "the leaf")?, "rules")?;
        let default = match Loader::opt(f, "default", self.j).map(|i| self.j.get(i)) {
            None => false,
            Some(J::Bool(b)) => *b,
            Some(other) => {
                return Err(format!(
                    "`default` should be true or false, not {}",
                    kind(other)
                ));
            }
        };
        if let Some(c) = Loader::opt(f, "conflict", self.j) {
            return Ok(Verdict::Conflict {
                rules: rule_ids(c, "conflict")?,
            });
        }
        let outcome =
            match Loader::opt(f, "outcome", self.j) {
                None => None,
                Some(i) => {
                    let o = self.str(i, "outcome")?;
                    Some(
                        names.outcomes.get(o).copied().ok_or_else(|| {
                            format!("`outcome` is `{o}`, which is not in `outcomes`")
                        })?,
                    )
                }
            };
        match outcome {
            None if default || !rules.is_empty() => Err(
                "the leaf is undecided (`outcome` is null) but has rules or `default`".to_string(),
            ),
            None => Ok(Verdict::Undecided),
            Some(_) if default && !rules.is_empty() => {
                Err("the leaf is decided by `default` but lists rules".to_string())
            }
            Some(outcome) => Ok(Verdict::Decided {
                outcome,
                rules,
                default,
            }),
        }
    }
}

/// Builds the diagram bottom-up from the nodes read.
fn build(
    header: &Header,
    root: Ix,
    shapes: &HashMap<Ix, Shape>,
    places: &HashMap<Ix, String>,
) -> Result<Diagram, String> {
    let place = |k: &Ix| places.get(k).cloned().unwrap_or_default();
    let level = |k: &Ix| match &shapes[k] {
        Shape::Leaf(_) => LEAF_LEVEL,
        Shape::Inner { attr, .. } => *attr as u32,
    };
    // Ordered: every child tests a later attribute than its parent. This
    // also rules out cycles, so building by descending level terminates.
    for s in shapes.values() {
        if let Shape::Inner { attr, branches } = s {
            for (_, c) in branches {
                if level(c) <= *attr as u32 {
                    let below = &header.attributes[level(c) as usize].name;
                    return Err(format!(
                        "{} tests `{below}` below a test of `{}`: nodes must test attributes in the order of `attributes`, each at most once on a path",
                        place(c),
                        header.attributes[*attr].name
                    ));
                }
            }
        }
    }
    // Cells: enum and bool values; int intervals cut at every range bound.
    let mut cuts: Vec<Vec<i64>> = vec![Vec::new(); header.attributes.len()];
    for s in shapes.values() {
        if let Shape::Inner { attr, branches } = s {
            for (label, _) in branches {
                if let Label::Ranges(rs) = label {
                    for &(lo, hi) in rs {
                        cuts[*attr].push(lo);
                        if let Some(next) = hi.checked_add(1) {
                            cuts[*attr].push(next);
                        }
                    }
                }
            }
        }
    }
    let cells: Vec<Cells> = header
        .attributes
        .iter()
        .zip(cuts)
        .map(|(a, mut cut)| match &a.domain {
            Domain::Enum { values, .. } => Cells::Values(values.len() as u32),
            Domain::Bool => Cells::Values(2),
            Domain::Int { lo, hi } => {
                cut.retain(|c| c > lo && c <= hi);
                cut.sort_unstable();
                cut.dedup();
                let mut out = Vec::with_capacity(cut.len() + 1);
                let mut start = *lo;
                for c in cut {
                    out.push((start, c - 1));
                    start = c;
                }
                out.push((start, *hi));
                Cells::Intervals(out)
            }
        })
        .collect();
    let n = header.attributes.len();
    let mut mdd = Mdd::new(cells.iter().map(Cells::count).collect(), shapes.len() + 2);
    // Deepest first; ties by key so that the build is deterministic.
    let mut order: Vec<(std::cmp::Reverse<u32>, Ix)> = shapes
        .keys()
        .map(|k| (std::cmp::Reverse(level(k)), *k))
        .collect();
    order.sort_unstable();
    let mut built: HashMap<Ix, NodeId> = HashMap::with_capacity(order.len());
    let mut verdict_ids: HashMap<Verdict, u32> = HashMap::new();
    let mut verdicts: Vec<Verdict> = Vec::new();
    let too_many = |_| "the diagram has more nodes than the document".to_string();
    for (_, k) in order {
        let node = match &shapes[&k] {
            Shape::Leaf(v) => {
                let payload = *verdict_ids.entry(v.clone()).or_insert_with(|| {
                    verdicts.push(v.clone());
                    (verdicts.len() - 1) as u32
                });
                mdd.leaf(payload).map_err(too_many)?
            }
            Shape::Inner { attr, branches } => {
                let a = &header.attributes[*attr];
                let c = &cells[*attr];
                let show = |cell: u32| match &a.domain {
                    Domain::Int { .. } => {
                        let (lo, hi) = c.interval(cell);
                        if lo == hi {
                            lo.to_string()
                        } else {
                            format!("{lo}..{hi}")
                        }
                    }
                    Domain::Bool => (cell == 1).to_string(),
                    Domain::Enum { values, .. } => format!("`{}`", values[cell as usize]),
                };
                // Every branch's cell spans, sorted: they must tile the
                // cells exactly. Sorting keeps the cost to the spans the
                // document lists, however many cells the attribute has.
                let mut spans: Vec<(u32, u32, NodeId)> = Vec::new();
                for (label, child) in branches {
                    let target = built[child];
                    match label {
                        Label::Values(vs) => spans.extend(vs.iter().map(|&v| (v, v, target))),
                        Label::Ranges(rs) => spans.extend(rs.iter().map(|&(lo, hi)| {
                            // INVARIANT: every range bound is a cut, and
                            // ranges lie inside the domain.
                            (
                                c.cell_of(lo).unwrap_or(0),
                                c.cell_of(hi).unwrap_or(0),
                                target,
                            )
                        })),
                    }
                }
                spans.sort_unstable();
                let mut runs: Vec<Run> = Vec::new();
                let mut next = 0u32;
                for (lo, hi, target) in spans {
                    if lo < next {
                        return Err(format!(
                            "in {}: two branches testing `{}` both cover {}",
                            place(&k),
                            a.name,
                            show(lo)
                        ));
                    }
                    if lo > next {
                        break;
                    }
                    match runs.last_mut() {
                        Some(r) if r.child == target => r.end = hi,
                        _ => runs.push(Run {
                            end: hi,
                            child: target,
                        }),
                    }
                    next = hi + 1;
                }
                if next < c.count() {
                    return Err(format!(
                        "in {}: no branch testing `{}` covers {}",
                        place(&k),
                        a.name,
                        show(next)
                    ));
                }
                mdd.node(*attr as u32, &runs).map_err(too_many)?
            }
        };
        built.insert(k, node);
    }
    let outcomes_only = verdicts
        .iter()
        .any(|v| matches!(v, Verdict::Decided { rules, default: false, .. } if rules.is_empty()));
    Ok(Diagram {
        mdd,
        root: built[&root],
        order: (0..n).collect(),
        level_of: (0..n as u32).collect(),
        cells,
        verdicts,
        outcomes_only,
        verdict_index: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{Options, Order, compile};
    use crate::source::SourceMap;

    const POLICY: &str = "policy t\nresolve priority q > p\nattribute a: { x, y, z }\nattribute b: bool\n\
                          attribute n: int -5..20\ndecision o: { p, q }\ndefault p\n\
                          rule one: when a = x and n > 5 then q because \"why\"\n\
                          when b and n in { 1, 3 } then q\nwhen a = z and not b then p\n";

    fn compiled(options: &Options) -> (crate::check::Policy, SourceMap, Diagram) {
        let mut map = SourceMap::new();
        let r = crate::api::check_source(&mut map, "t.policy", POLICY);
        let p = r.policy.unwrap_or_else(|| panic!("{:?}", r.diagnostics));
        let d = compile(&p, options).unwrap();
        (p, map, d)
    }

    #[test]
    fn both_forms_decide_like_the_diagram_and_write_back_identically() {
        for order in [Order::Declaration, Order::Given(vec![2]), Order::Auto] {
            for outcomes_only in [false, true] {
                let options = Options {
                    order: order.clone(),
                    outcomes_only,
                    ..Options::default()
                };
                let (p, map, d) = compiled(&options);
                let tree = crate::emit::json::to_tree(&p, &d, &map, 1000).unwrap();
                let dag = crate::emit::json::to_dag(&p, &d, &map);
                for text in [&tree, &dag] {
                    let c = load_compiled(text).unwrap();
                    assert_eq!(c.diagram.outcomes_only, outcomes_only);
                    assert_eq!(c.header.rules[0].because.as_deref(), Some("why"));
                    for case in crate::semantics::interp::all_cases(&p, 10_000).unwrap() {
                        let mine: Vec<Value> = d.order.iter().map(|&a| case[a]).collect();
                        assert_eq!(c.decide(&mine), d.decide(&case), "{case:?}");
                    }
                    assert_eq!(
                        crate::emit::json::tree(&c.header, &c.diagram, 1000).unwrap(),
                        tree
                    );
                    assert_eq!(crate::emit::json::dag(&c.header, &c.diagram), dag);
                }
            }
        }
    }

    #[test]
    fn a_file_that_is_not_a_compiled_policy_is_e0047_naming_it() {
        let dir = std::env::temp_dir().join(format!("writ-compiled-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (p, map, d) = compiled(&Options::default());
        let good = dir.join("good.json");
        std::fs::write(&good, crate::emit::json::to_dag(&p, &d, &map)).unwrap();
        assert_eq!(read_compiled(&good).unwrap().header.rules.len(), 3);
        let package = dir.join("package.json");
        std::fs::write(&package, r#"{"name": "left-pad"}"#).unwrap();
        let e = read_compiled(&package).unwrap_err();
        assert_eq!(e.code, Code::NOT_COMPILED);
        assert_eq!(
            e.message,
            format!(
                "`{}` is not a compiled writ diagram: missing field `format`, which names the form (`writ.tree/1` or `writ.dag/1`)",
                package.display()
            )
        );
        let junk = dir.join("junk.json");
        std::fs::write(&junk, b"{\"format\": \"\xff\"}").unwrap();
        let e = read_compiled(&junk).unwrap_err();
        assert_eq!(e.code, Code::NOT_UTF8);
        assert!(e.message.contains("junk.json"), "{}", e.message);
        let e = read_compiled(&dir).unwrap_err();
        assert_eq!(e.code, Code::UNREADABLE);
        assert!(e.message.ends_with("it is a directory"), "{}", e.message);
        let e = read_compiled(&dir.join("gone.json")).unwrap_err();
        assert_eq!(e.code, Code::UNREADABLE);
        assert!(
            e.message.ends_with("gone.json`: no such file"),
            "{}",
            e.message
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn err(text: &str) -> String {
        load_compiled(text).expect_err(text)
    }

    #[test]
    fn malformed_documents_are_errors() {
        let (p, map, d) = compiled(&Options::default());
        let good = crate::emit::json::to_dag(&p, &d, &map);
        assert!(err("").contains("invalid JSON"));
        assert!(err("[]").contains("JSON object"));
        assert!(err("{}").contains("missing field `format`"));
        assert!(err(r#"{"format": "writ.tree/2"}"#).contains("unsupported format"));
        let cases = [
            ("\"test\": \"a\"", "\"test\": \"aa\"", "did you mean `a`?"),
            (
                "\"values\": [\"x\"",
                "\"values\": [\"w\"",
                "not a value of `a`",
            ),
            ("\"root\": 0", "\"root\": 99", "no node has that id"),
            ("\"id\": 1,", "\"id\": 0,", "two nodes have the id 0"),
            (
                "\"outcome\": \"q\",\n      \"rules\": [\"one\"",
                "\"outcome\": \"r\",\n      \"rules\": [\"one\"",
                "not in `outcomes`",
            ),
            (
                "\"type\": \"bool\"",
                "\"type\": \"boolean\"",
                "expected `enum`, `bool` or `int`",
            ),
            ("\"min\": -5", "\"min\": 50", "greater than `max`"),
        ];
        for (from, to, want) in cases {
            assert!(good.contains(from), "{from}");
            let e = err(&good.replacen(from, to, 1));
            assert!(e.contains(want), "{from} → {to}: {e}");
        }
        // A node pointing back at the root: refused, not looped on.
        let e = err(&good.replacen("\"node\": 1", "\"node\": 0", 1));
        assert!(e.contains("order of `attributes`"), "{e}");
        // Ranges that leave a gap.
        let tree = crate::emit::json::to_tree(&p, &d, &map, 1000).unwrap();
        let at = tree.find("\"ranges\"").unwrap();
        let at = at + tree[at..].find("-5,").unwrap();
        let e = err(&format!("{}-4,{}", &tree[..at], &tree[at + 3..]));
        assert!(e.contains("covers -5"), "{e}");
    }
}
