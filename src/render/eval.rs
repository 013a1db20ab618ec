//! Renderings of an [`Evaluation`]: the human-readable text, the JSON
//! result object of SPEC section 6 as a `serde_json::Value` (for the
//! pretty-printed single case), and [`JsonWriter`], which writes the same
//! object compactly straight into a buffer for `--cases` batches, from
//! names escaped once (a test holds the two JSON forms together).

use crate::check::{AttrId, Domain, OutcomeId, RuleId};
use crate::eval::{Evaluation, Minimality, WhyNot};
use crate::names::Header;
use crate::semantics::{Value, Verdict};
use std::fmt::Write;

/// A value in JSON as a case gives it: a string for an enum, a bool, an
/// integer.
fn value_json(header: &Header, attr: AttrId, v: Value) -> serde_json::Value {
    match header.attributes[attr].domain {
        Domain::Bool => (v == 1).into(),
        Domain::Int { .. } => v.into(),
        Domain::Enum { .. } => header.value_name(attr, v).into(),
    }
}

/// The verdict's parts as JSON reports them: outcome, rules, default, and
/// whether it is a strict conflict.
fn parts(verdict: &Verdict) -> (Option<OutcomeId>, &[RuleId], bool, bool) {
    match verdict {
        Verdict::Decided {
            outcome,
            rules,
            default,
        } => (Some(*outcome), rules.as_slice(), *default, false),
        Verdict::Undecided => (None, &[][..], false, false),
        Verdict::Conflict { rules } => (None, rules.as_slice(), false, true),
    }
}

/// The word `sufficient_minimal` carries, when the reason is not known to
/// be smallest.
fn minimal_word(m: Minimality) -> Option<&'static str> {
    match m {
        Minimality::Minimum => None,
        Minimality::Subset => Some("subset"),
        Minimality::Sufficient => Some("unchecked"),
    }
}

/// The JSON result object of SPEC section 6.
pub fn json(schema: &Header, e: &Evaluation) -> serde_json::Value {
    use serde_json::{Map, Value as J, json};
    let pairs = |v: &[(AttrId, Value)]| -> Map<String, J> {
        v.iter()
            .map(|&(a, x)| (schema.attributes[a].name.clone(), value_json(schema, a, x)))
            .collect()
    };
    let rules = |rs: &[usize]| -> Vec<J> {
        rs.iter()
            .map(|&r| {
                let (id, because) = (&schema.rules[r].id, &schema.rules[r].because);
                let mut o = Map::new();
                o.insert("id".into(), id.clone().into());
                if let Some(b) = because {
                    o.insert("because".into(), b.clone().into());
                }
                J::Object(o)
            })
            .collect()
    };
    let outcome = |o: Option<OutcomeId>| o.map_or(J::Null, |o| schema.outcomes[o].clone().into());
    let names = |v: &[AttrId]| -> Vec<J> {
        v.iter()
            .map(|&a| schema.attributes[a].name.clone().into())
            .collect()
    };
    match e {
        Evaluation::Undetermined { needs, possible } => json!({
            "undetermined": true,
            "needs": names(needs),
            "possible": possible.iter().map(|&o| outcome(o)).collect::<Vec<_>>(),
        }),
        Evaluation::Decided {
            verdict,
            path,
            sufficient,
            minimality,
            depends_on,
            why_not,
        } => {
            let (o, rs, default, conflict) = parts(verdict);
            let mut obj = Map::new();
            obj.insert("outcome".into(), outcome(o));
            obj.insert("rules".into(), rules(rs).into());
            obj.insert("default".into(), default.into());
            if conflict {
                obj.insert("conflict".into(), true.into());
            }
            if let Some(path) = path {
                obj.insert(
                    "path".into(),
                    path.iter()
                        .map(|&(a, v)| json!({"attribute": schema.attributes[a].name, "value": value_json(schema, a, v)}))
                        .collect::<Vec<_>>()
                        .into(),
                );
            }
            obj.insert("sufficient".into(), J::Object(pairs(sufficient)));
            if let Some(word) = minimal_word(*minimality) {
                obj.insert("sufficient_minimal".into(), word.into());
            }
            if !depends_on.is_empty() {
                obj.insert("rules_depend_on".into(), names(depends_on).into());
            }
            if let Some(w) = why_not {
                let nearest: Vec<J> = w
                    .nearest
                    .iter()
                    .map(|(changes, v)| {
                        let rs = match v {
                            Verdict::Decided { rules: rs, .. } => rules(rs),
                            _ => Vec::new(),
                        };
                        json!({"changes": J::Object(pairs(changes)), "rules": rs})
                    })
                    .collect();
                obj.insert(
                    "why_not".into(),
                    json!({"outcome": schema.outcomes[w.outcome], "nearest": nearest}),
                );
            }
            J::Object(obj)
        }
    }
}

/// Writes [`json`]'s object compactly (as `serde_json::to_string`
/// would) into a buffer, from names escaped once.
pub struct JsonWriter {
    /// Each attribute's name as a JSON string.
    attrs: Vec<String>,
    /// Each enum attribute's values as JSON strings (empty for others).
    values: Vec<Vec<String>>,
    /// Whether each attribute is a bool.
    bools: Vec<bool>,
    /// Each rule as its `{"id":…,"because":…}` object.
    rules: Vec<String>,
    /// Each outcome as a JSON string.
    outcomes: Vec<String>,
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

impl JsonWriter {
    /// A writer for results named by `header`.
    pub fn new(header: &Header) -> JsonWriter {
        JsonWriter {
            attrs: header.attributes.iter().map(|a| quoted(&a.name)).collect(),
            values: header
                .attributes
                .iter()
                .map(|a| match &a.domain {
                    Domain::Enum { values, .. } => values.iter().map(|v| quoted(v)).collect(),
                    _ => Vec::new(),
                })
                .collect(),
            bools: header
                .attributes
                .iter()
                .map(|a| matches!(a.domain, Domain::Bool))
                .collect(),
            rules: header
                .rules
                .iter()
                .map(|r| match &r.because {
                    Some(b) => format!("{{\"id\":{},\"because\":{}}}", quoted(&r.id), quoted(b)),
                    None => format!("{{\"id\":{}}}", quoted(&r.id)),
                })
                .collect(),
            outcomes: header.outcomes.iter().map(|o| quoted(o)).collect(),
        }
    }

    fn value(&self, out: &mut String, a: AttrId, v: Value) {
        if self.bools[a] {
            out.push_str(if v == 1 { "true" } else { "false" });
        } else if let Some(name) = self.values[a].get(v as usize) {
            out.push_str(name);
        } else {
            let _ = write!(out, "{v}");
        }
    }

    fn outcome(&self, out: &mut String, o: Option<OutcomeId>) {
        match o {
            Some(o) => out.push_str(&self.outcomes[o]),
            None => out.push_str("null"),
        }
    }

    fn rule_list(&self, out: &mut String, rs: &[RuleId]) {
        out.push('[');
        for (i, &r) in rs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&self.rules[r]);
        }
        out.push(']');
    }

    fn names(&self, out: &mut String, v: &[AttrId]) {
        out.push('[');
        for (i, &a) in v.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&self.attrs[a]);
        }
        out.push(']');
    }

    fn pairs(&self, out: &mut String, v: &[(AttrId, Value)]) {
        out.push('{');
        for (i, &(a, x)) in v.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&self.attrs[a]);
            out.push(':');
            self.value(out, a, x);
        }
        out.push('}');
    }

    /// Appends the compact JSON of `e` (no newline).
    pub fn write(&self, out: &mut String, e: &Evaluation) {
        match e {
            Evaluation::Undetermined { needs, possible } => {
                out.push_str("{\"undetermined\":true,\"needs\":");
                self.names(out, needs);
                out.push_str(",\"possible\":[");
                for (i, &o) in possible.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.outcome(out, o);
                }
                out.push_str("]}");
            }
            Evaluation::Decided {
                verdict,
                path,
                sufficient,
                minimality,
                depends_on,
                why_not,
            } => {
                let (o, rs, default, conflict) = parts(verdict);
                out.push_str("{\"outcome\":");
                self.outcome(out, o);
                out.push_str(",\"rules\":");
                self.rule_list(out, rs);
                out.push_str(if default {
                    ",\"default\":true"
                } else {
                    ",\"default\":false"
                });
                if conflict {
                    out.push_str(",\"conflict\":true");
                }
                if let Some(path) = path {
                    out.push_str(",\"path\":[");
                    for (i, &(a, v)) in path.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str("{\"attribute\":");
                        out.push_str(&self.attrs[a]);
                        out.push_str(",\"value\":");
                        self.value(out, a, v);
                        out.push('}');
                    }
                    out.push(']');
                }
                out.push_str(",\"sufficient\":");
                self.pairs(out, sufficient);
                if let Some(word) = minimal_word(*minimality) {
                    let _ = write!(out, ",\"sufficient_minimal\":\"{word}\"");
                }
                if !depends_on.is_empty() {
                    out.push_str(",\"rules_depend_on\":");
                    self.names(out, depends_on);
                }
                if let Some(w) = why_not {
                    self.why_not(out, w);
                }
                out.push('}');
            }
        }
    }

    fn why_not(&self, out: &mut String, w: &WhyNot) {
        out.push_str(",\"why_not\":{\"outcome\":");
        out.push_str(&self.outcomes[w.outcome]);
        out.push_str(",\"nearest\":[");
        for (i, (changes, v)) in w.nearest.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"changes\":");
            self.pairs(out, changes);
            out.push_str(",\"rules\":");
            match v {
                Verdict::Decided { rules, .. } => self.rule_list(out, rules),
                _ => out.push_str("[]"),
            }
            out.push('}');
        }
        out.push_str("]}");
    }
}

/// The human-readable result.
pub fn text(schema: &Header, e: &Evaluation) -> String {
    let value = |a: AttrId, v: Value| {
        format!(
            "{} = {}",
            schema.attributes[a].name,
            schema.value_name(a, v)
        )
    };
    let list = |v: &[(AttrId, Value)]| {
        v.iter()
            .map(|&(a, x)| value(a, x))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let names = |v: &[AttrId]| {
        v.iter()
            .map(|&a| format!("`{}`", schema.attributes[a].name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    match e {
        Evaluation::Undetermined { needs, possible } => {
            let outs: Vec<String> = possible
                .iter()
                .map(|o| {
                    o.map_or("undecided".to_string(), |o| {
                        format!("`{}`", schema.outcomes[o])
                    })
                })
                .collect();
            out.push_str(&format!(
                "undetermined: the outcome still depends on {}\n",
                names(needs)
            ));
            out.push_str(&format!("possible: {}\n", outs.join(", ")));
        }
        Evaluation::Decided {
            verdict,
            path,
            sufficient,
            minimality,
            depends_on,
            why_not,
        } => {
            match verdict {
                Verdict::Decided {
                    outcome,
                    rules,
                    default,
                } => {
                    out.push_str(&format!("outcome: {}", schema.outcomes[*outcome]));
                    out.push_str(if *default { " (by default)\n" } else { "\n" });
                    for &r in rules {
                        let (id, because) = (&schema.rules[r].id, &schema.rules[r].because);
                        match because {
                            Some(b) => out.push_str(&format!("  by {id}: {b}\n")),
                            None => out.push_str(&format!("  by {id}\n")),
                        }
                    }
                }
                Verdict::Undecided => out.push_str("outcome: undecided\n"),
                Verdict::Conflict { rules } => {
                    let ids: Vec<&str> =
                        rules.iter().map(|&r| schema.rules[r].id.as_str()).collect();
                    out.push_str(&format!("outcome: conflict between {}\n", ids.join(", ")));
                }
            }
            if !depends_on.is_empty() {
                out.push_str(&format!(
                    "  which rules explain it depends on {}, which the case leaves out\n",
                    names(depends_on)
                ));
            }
            if let Some(path) = path {
                out.push_str(&format!(
                    "path: {}\n",
                    if path.is_empty() {
                        "(no test)".into()
                    } else {
                        list(path)
                    }
                ));
            }
            out.push_str(&format!(
                "sufficient: {}{}\n",
                if sufficient.is_empty() {
                    "(nothing: every case is decided so)".into()
                } else {
                    list(sufficient)
                },
                match minimality {
                    Minimality::Minimum => "",
                    Minimality::Subset => " (no value can be dropped; a smaller set may exist)",
                    Minimality::Sufficient => " (not checked for values that could be dropped)",
                }
            ));
            if let Some(w) = why_not {
                let target = &schema.outcomes[w.outcome];
                if w.nearest.is_empty() {
                    out.push_str(&format!(
                        "why not {target}: no case is decided `{target}`\n"
                    ));
                } else {
                    let k = w.nearest[0].0.len();
                    out.push_str(&format!(
                        "why not {target}: the nearest cases change {k} attribute{}\n",
                        if k == 1 { "" } else { "s" }
                    ));
                    for (changes, v) in &w.nearest {
                        let by = match v {
                            Verdict::Decided {
                                rules,
                                default: false,
                                ..
                            } if !rules.is_empty() => {
                                let ids: Vec<&str> =
                                    rules.iter().map(|&r| schema.rules[r].id.as_str()).collect();
                                format!(" (by {})", ids.join(", "))
                            }
                            Verdict::Decided { default: true, .. } => " (by default)".to_string(),
                            _ => String::new(),
                        };
                        out.push_str(&format!("  {}{by}\n", list(changes)));
                    }
                }
            }
        }
    }
    out
}
