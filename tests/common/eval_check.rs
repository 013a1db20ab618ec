//! What `eval_forms.rs` and `eval_props.rs` share: scratch directories,
//! cases as JSON (from the attributes of a compiled document or of a
//! checked policy), the shape SPEC 6 gives a result object, and
//! line-by-line comparison of two runs' output.
//!
//! Included with `#[path]`; the including file also declares `mod common;`
//! (the `writ` runner).

#![allow(dead_code)]

use serde_json::{Map, Value as J};

pub use crate::common::Scratch;

// ----- attributes and cases -----------------------------------------------

/// An attribute's type, as SPEC 5's `attributes` array gives it.
#[derive(Clone, Debug)]
pub enum Kind {
    Enum(Vec<String>),
    Bool,
    Int(i64, i64),
}

/// An attribute. A value is an `i64` as in the library: an enum value's
/// index, 0/1 for false/true, an int itself.
#[derive(Clone, Debug)]
pub struct Attr {
    pub name: String,
    pub kind: Kind,
}

impl Attr {
    /// The number of values.
    pub fn size(&self) -> u64 {
        match &self.kind {
            Kind::Enum(vs) => vs.len() as u64,
            Kind::Bool => 2,
            Kind::Int(lo, hi) => (hi - lo + 1) as u64,
        }
    }

    /// The smallest value.
    pub fn low(&self) -> i64 {
        match self.kind {
            Kind::Int(lo, _) => lo,
            _ => 0,
        }
    }

    /// A value as a case gives it in JSON.
    pub fn json(&self, v: i64) -> J {
        match &self.kind {
            Kind::Enum(vs) => J::String(vs[v as usize].clone()),
            Kind::Bool => J::Bool(v != 0),
            Kind::Int(..) => J::from(v),
        }
    }
}

/// The attributes of a compiled `writ.tree/1` or `writ.dag/1` document.
pub fn attributes_of(doc: &J) -> Vec<Attr> {
    doc["attributes"]
        .as_array()
        .expect("a compiled document has `attributes`")
        .iter()
        .map(|a| {
            let name = a["name"].as_str().expect("attribute name").to_string();
            let kind = match a["type"].as_str() {
                Some("enum") => Kind::Enum(
                    a["values"]
                        .as_array()
                        .expect("enum values")
                        .iter()
                        .map(|v| v.as_str().expect("enum value").to_string())
                        .collect(),
                ),
                Some("bool") => Kind::Bool,
                Some("int") => Kind::Int(
                    a["min"].as_i64().expect("int min"),
                    a["max"].as_i64().expect("int max"),
                ),
                t => panic!("unknown attribute type {t:?} in {a}"),
            };
            Attr { name, kind }
        })
        .collect()
}

/// The attributes of a checked policy, in declaration order.
pub fn attributes_of_policy(policy: &writ::check::Policy) -> Vec<Attr> {
    use writ::check::Domain;
    policy
        .attributes
        .iter()
        .map(|a| Attr {
            name: a.name.clone(),
            kind: match &a.domain {
                Domain::Enum { values, .. } => Kind::Enum(values.clone()),
                Domain::Bool => Kind::Bool,
                Domain::Int { lo, hi } => Kind::Int(*lo, *hi),
            },
        })
        .collect()
}

/// A case (`None`: left out) as one compact JSON object, attributes in
/// declaration order.
pub fn case_json(attrs: &[Attr], case: &[Option<i64>]) -> String {
    let mut o = Map::new();
    for (a, v) in attrs.iter().zip(case) {
        if let Some(v) = v {
            o.insert(a.name.clone(), a.json(*v));
        }
    }
    J::Object(o).to_string()
}

/// Cases as a JSON Lines file's text.
pub fn jsonl(attrs: &[Attr], cases: &[Vec<Option<i64>>]) -> String {
    let mut out = String::new();
    for c in cases {
        out.push_str(&case_json(attrs, c));
        out.push('\n');
    }
    out
}

// ----- running ------------------------------------------------------------

/// One run of the binary.
#[derive(Clone, Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The command line, for messages.
    pub fn command(&self) -> String {
        format!("writ {}", self.args.join(" "))
    }
}

pub fn run(args: &[&str]) -> Run {
    let r = crate::common::Writ::new(args).run();
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        status: r.status,
        stdout: r.stdout,
        stderr: r.stderr,
    }
}

/// `stderr` cut to a few lines, for messages.
pub fn brief(s: &str) -> String {
    let lines: Vec<&str> = s.lines().take(6).collect();
    let mut out = lines.join("\n");
    if s.lines().count() > 6 {
        out.push_str("\n…");
    }
    out
}

/// Where `got`'s output differs from `want`'s (both runs of one batch of
/// `inputs`), or `None` when stdout and exit status are identical.
pub fn difference(inputs: &[String], want: &Run, got: &Run) -> Option<String> {
    if want.stdout == got.stdout && want.status == got.status {
        return None;
    }
    let mut out = format!(
        "`{}` (exit {}) and `{}` (exit {}) differ",
        want.command(),
        want.status,
        got.command(),
        got.status
    );
    let (w, g): (Vec<&str>, Vec<&str>) =
        (want.stdout.lines().collect(), got.stdout.lines().collect());
    let differing = (0..w.len().max(g.len()))
        .filter(|&i| w.get(i) != g.get(i))
        .count();
    if let Some(i) = (0..w.len().max(g.len())).find(|&i| w.get(i) != g.get(i)) {
        out.push_str(&format!(
            "; {differing} of {} output lines differ, the first is line {}\n  case:     {}\n  expected: {}\n  got:      {}",
            w.len().max(g.len()),
            i + 1,
            inputs.get(i).map_or("(the whole input)", String::as_str),
            w.get(i).unwrap_or(&"(no line)"),
            g.get(i).unwrap_or(&"(no line)"),
        ));
    } else {
        out.push_str(" in exit status only");
    }
    if !got.stderr.is_empty() {
        out.push_str(&format!("\n  stderr of the second: {}", brief(&got.stderr)));
    }
    Some(out)
}

// ----- the shape of a result ----------------------------------------------

/// The keys a decided result may have, in the order SPEC 6 and the eval
/// contract give them; `outcome`, `rules`, `default` and `sufficient` are
/// always there, `path` exactly with the diagram engine.
pub const DECIDED_KEYS: [&str; 8] = [
    "outcome",
    "rules",
    "default",
    "path",
    "sufficient",
    "sufficient_minimal",
    "rules_depend_on",
    "why_not",
];

/// What is wrong with a result: a short kind (to count results by what is
/// wrong with them) and the details.
pub type Problems = Vec<(&'static str, String)>;

/// The problems with the keys of one result object and their types: an
/// undetermined result is exactly `undetermined`, `needs`, `possible`; a
/// decided one follows [`DECIDED_KEYS`], with `path` present exactly when
/// `with_path` and `why_not` exactly when `with_why_not`.
pub fn shape_problems(rec: &J, with_path: bool, with_why_not: bool) -> Problems {
    let mut out: Problems = Vec::new();
    let Some(o) = rec.as_object() else {
        out.push(("not an object", format!("not a JSON object: {rec}")));
        return out;
    };
    let keys: Vec<&str> = o.keys().map(String::as_str).collect();
    if o.contains_key("undetermined") {
        if keys != ["undetermined", "needs", "possible"] || o["undetermined"] != J::Bool(true) {
            out.push((
                "undetermined keys",
                format!(
                    "an undetermined result is exactly {{\"undetermined\": true, \"needs\": [...], \"possible\": [...]}}, in that order; got keys {keys:?}"
                ),
            ));
        }
        return out;
    }
    let mut pos = 0;
    for k in &keys {
        match DECIDED_KEYS[pos..].iter().position(|d| d == k) {
            Some(p) => pos += p + 1,
            None => {
                out.push((
                    "key order",
                    format!(
                        "key `{k}` is unknown or out of order: keys {keys:?}, expected order {DECIDED_KEYS:?}"
                    ),
                ));
                break;
            }
        }
    }
    for k in ["outcome", "rules", "default", "sufficient"] {
        if !o.contains_key(k) {
            out.push((
                "missing key",
                format!("a decided result lacks `{k}`: keys {keys:?}"),
            ));
        }
    }
    match (with_path, o.contains_key("path")) {
        (true, false) => out.push(("no `path`", "the diagram engine must give `path`".into())),
        (false, true) => out.push((
            "`path` under index",
            "`path` must be absent under `--engine index`".into(),
        )),
        _ => {}
    }
    match (with_why_not, o.contains_key("why_not")) {
        (true, false) => out.push((
            "no `why_not`",
            "`--why-not` was given but the decided result has no `why_not`".into(),
        )),
        (false, true) => out.push(("stray `why_not`", "`why_not` without `--why-not`".into())),
        _ => {}
    }
    if o.get("outcome")
        .is_some_and(|v| !v.is_null() && !v.is_string())
    {
        out.push(("types", "`outcome` must be a string or null".into()));
    }
    if o.get("default").is_some_and(|v| !v.is_boolean()) {
        out.push(("types", "`default` must be a bool".into()));
    }
    if o.get("sufficient").is_some_and(|v| !v.is_object()) {
        out.push(("types", "`sufficient` must be an object".into()));
    }
    match o.get("rules").map(J::as_array) {
        Some(Some(rs)) => {
            for r in rs {
                let ok = r.as_object().is_some_and(|r| {
                    let ks: Vec<&str> = r.keys().map(String::as_str).collect();
                    r.get("id").is_some_and(J::is_string)
                        && (ks == ["id"] || (ks == ["id", "because"] && r["because"].is_string()))
                });
                if !ok {
                    out.push((
                        "rule shape",
                        format!(
                            "a rule must be {{\"id\": ..., \"because\": ...}} (`because` only when the rule has one): {r}"
                        ),
                    ));
                }
            }
        }
        Some(None) => out.push(("types", "`rules` must be an array".into())),
        None => {}
    }
    if let Some(d) = o.get("rules_depend_on")
        && d.as_array().is_none_or(Vec::is_empty)
    {
        out.push((
            "empty `rules_depend_on`",
            format!("`rules_depend_on` must be a non-empty array when present: {d}"),
        ));
    }
    out
}

/// The problems with `path` and `sufficient`: they must use only the
/// case's own given values, `path` as `[{"attribute", "value"}]` in
/// attribute (declaration) order without repeats.
pub fn own_value_problems(rec: &J, attrs: &[Attr], case: &[Option<i64>]) -> Problems {
    let mut out: Problems = Vec::new();
    let own = |name: &str, v: &J, what: &str| -> Result<usize, String> {
        let a = attrs
            .iter()
            .position(|a| a.name == name)
            .ok_or_else(|| format!("{what} names `{name}`, which is no attribute"))?;
        match case[a] {
            Some(x) if attrs[a].json(x) == *v => Ok(a),
            Some(x) => Err(format!(
                "{what} gives {name} = {v}, but the case has {}",
                attrs[a].json(x)
            )),
            None => Err(format!(
                "{what} gives {name} = {v}, but the case leaves `{name}` out"
            )),
        }
    };
    if let Some(path) = rec.get("path") {
        let Some(steps) = path.as_array() else {
            out.push(("types", "`path` must be an array".into()));
            return out;
        };
        let mut last = None;
        for s in steps {
            let keys: Vec<&str> = s
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if keys != ["attribute", "value"] {
                out.push((
                    "path shape",
                    format!("a path step must be {{\"attribute\", \"value\"}}: {s}"),
                ));
                continue;
            }
            match own(s["attribute"].as_str().unwrap_or(""), &s["value"], "`path`") {
                Err(e) => out.push(("`path` not the case's values", e)),
                Ok(a) => {
                    if last.is_some_and(|l| l >= a) {
                        out.push((
                            "`path` order",
                            format!(
                                "`path` must test attributes in the diagram's (declaration) order, each once: {path}"
                            ),
                        ));
                    }
                    last = Some(a);
                }
            }
        }
    }
    if let Some(o) = rec.get("sufficient").and_then(J::as_object) {
        for (k, v) in o {
            if let Err(e) = own(k, v, "`sufficient`") {
                out.push(("`sufficient` not the case's values", e));
            }
        }
    }
    out
}

/// Counts problems by kind over a batch and describes the first result
/// with each kind. `wrong` holds (line index, problems) per wrong result.
pub fn summary(
    wrong: &[(usize, Problems)],
    total: usize,
    case: impl Fn(usize) -> String,
    result: impl Fn(usize) -> String,
) -> String {
    let mut kinds: Vec<(&'static str, usize, usize, String)> = Vec::new();
    for (i, ps) in wrong {
        for (k, detail) in ps {
            match kinds.iter_mut().find(|x| x.0 == *k) {
                Some(x) => x.1 += 1,
                None => kinds.push((k, 1, *i, detail.clone())),
            }
        }
    }
    let mut out = format!("{} of {total} results are wrong", wrong.len());
    let counts: Vec<String> = kinds
        .iter()
        .map(|(k, n, _, _)| format!("{k} ×{n}"))
        .collect();
    out.push_str(&format!("; problems: {}", counts.join(", ")));
    for (k, _, i, detail) in &kinds {
        out.push_str(&format!(
            "\n  [{k}] first at line {}:\n    case:    {}\n    result:  {}\n    problem: {detail}",
            i + 1,
            case(*i),
            result(*i)
        ));
    }
    out
}

/// `rec` without `path` (to compare the index engine with the diagram).
pub fn without_path(rec: &J) -> J {
    let mut r = rec.clone();
    if let Some(o) = r.as_object_mut() {
        o.shift_remove("path");
    }
    r
}

/// Parses every line of a batch's output.
pub fn records(run: &Run) -> Result<Vec<J>, String> {
    run.stdout
        .lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                format!(
                    "`{}`: output line {} is not JSON ({e}): {l}",
                    run.command(),
                    i + 1
                )
            })
        })
        .collect()
}
