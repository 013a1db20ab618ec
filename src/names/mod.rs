//! The names a compiled policy's indices stand for, and reading cases
//! written with them.
//!
//! After `check`, a policy speaks in indices: attribute `i`, value `v`,
//! outcome `o`, rule `r`. A [`Header`] says what each stands for (the
//! policy's metadata, the decision and its outcomes, the attributes with
//! their domains and doc strings, the rules with their `because` and
//! source places). It is built from a checked policy
//! ([`Header::from_policy`]) or read back from a compiled JSON document
//! ([`crate::load::compiled`]), so everything downstream of it (the
//! emitters, evaluation and its rendering, the CLI) works alike on a
//! policy and on its compiled form.
//!
//! [`case`] goes the other way for cases: JSON text in (SPEC 6, `eval`),
//! a case over the header's indices out, with an error that names the
//! attribute and suggests near names.
//!
//! This module sits beside the compiled form, below both `emit` and
//! `eval`; it reads no files and writes nothing.

pub mod case;

use crate::check::{AttrId, Domain, OutcomeId, Policy};
use crate::semantics::Value;
use crate::source::SourceMap;

/// The `format` of the tree form of a compiled policy (SPEC 5).
pub const TREE_FORMAT: &str = "writ.tree/1";
/// The `format` of the dag form of a compiled policy (SPEC 5).
pub const DAG_FORMAT: &str = "writ.dag/1";

/// The policy's name and metadata, as written in the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyInfo {
    /// `policy NAME`.
    pub name: String,
    /// `title`, if given.
    pub title: Option<String>,
    /// `source`, if given.
    pub source: Option<String>,
    /// `date`, if given.
    pub date: Option<String>,
}

/// An attribute: its name, domain and doc string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeInfo {
    /// The attribute's name.
    pub name: String,
    /// Its domain. Read back from JSON, an enum's `ty` is always `None`
    /// (the compiled form does not name types).
    pub domain: Domain,
    /// The doc string, if any.
    pub doc: Option<String>,
}

/// A rule: its id, outcome, `because` and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// The rule's id (its name, or `line:N`).
    pub id: String,
    /// The outcome it gives (index into [`Header::outcomes`]).
    pub outcome: OutcomeId,
    /// The `because` text, if any.
    pub because: Option<String>,
    /// The file the rule is written in, as named on the command line.
    pub file: Option<String>,
    /// The line the rule item starts on (1-based).
    pub line: Option<u64>,
}

/// Everything a compiled document says besides the diagram: what the
/// diagram's attribute, outcome and rule indices stand for.
///
/// Built from a checked policy ([`Header::from_policy`]) or read back from
/// JSON ([`crate::load::compiled::load_compiled`]). Attribute indices are those of the
/// diagram's cases: `attributes[i]` describes `case[i]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// `policy NAME` and metadata.
    pub policy: PolicyInfo,
    /// The decision's name.
    pub decision: String,
    /// The outcomes, in declaration order.
    pub outcomes: Vec<String>,
    /// The attributes, indexed like a case.
    pub attributes: Vec<AttributeInfo>,
    /// The rules, in file order, indexed like [`Verdict`](crate::semantics::Verdict)'s rules.
    pub rules: Vec<RuleInfo>,
}

impl Header {
    /// The header of a checked policy: attributes in declaration order,
    /// each rule's `file` and `line` from the start of its item.
    pub fn from_policy(policy: &Policy, sources: &SourceMap) -> Header {
        Header {
            policy: PolicyInfo {
                name: policy.meta.name.clone(),
                title: policy.meta.title.clone(),
                source: policy.meta.source.clone(),
                date: policy.meta.date.clone(),
            },
            decision: policy.decision.name.clone(),
            outcomes: policy.decision.outcomes.clone(),
            attributes: policy
                .attributes
                .iter()
                .map(|a| AttributeInfo {
                    name: a.name.clone(),
                    domain: a.domain.clone(),
                    doc: a.doc.clone(),
                })
                .collect(),
            rules: policy
                .rules
                .iter()
                .map(|r| RuleInfo {
                    id: r.id.clone(),
                    outcome: r.outcome,
                    because: r.because.clone(),
                    file: Some(sources.name(r.item.0.file).to_string()),
                    line: Some(sources.line(r.item.0) as u64),
                })
                .collect(),
        }
    }

    /// The attributes by name, for readers that look names up often.
    pub fn attributes_by_name<S: std::hash::BuildHasher + Default>(
        &self,
    ) -> std::collections::HashMap<&str, AttrId, S> {
        self.attributes
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.as_str(), i))
            .collect()
    }

    /// Each attribute's enum values by name, as their indices (empty for
    /// `bool` and `int` attributes), for readers that look names up often.
    pub fn values_by_name<S: std::hash::BuildHasher + Default>(
        &self,
    ) -> Vec<std::collections::HashMap<&str, u32, S>> {
        self.attributes
            .iter()
            .map(|a| match &a.domain {
                Domain::Enum { values, .. } => values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v.as_str(), i as u32))
                    .collect(),
                _ => std::collections::HashMap::default(),
            })
            .collect()
    }

    /// The index of the attribute with this name.
    pub fn attribute(&self, name: &str) -> Option<AttrId> {
        self.attributes.iter().position(|a| a.name == name)
    }

    /// A value of an attribute as users write it: the enum value's name,
    /// `true`/`false`, or the number.
    pub fn value_name(&self, attr: AttrId, value: Value) -> String {
        match &self.attributes[attr].domain {
            Domain::Enum { values, .. } => usize::try_from(value)
                .ok()
                .and_then(|i| values.get(i))
                .cloned()
                .unwrap_or_else(|| format!("#{value}")),
            Domain::Bool => (value != 0).to_string(),
            Domain::Int { .. } => value.to_string(),
        }
    }
}
