//! Pass 1: types and decisions.
//!
//! Every `type` becomes a [`TypeDef`] and an enum domain of its own (in
//! `Checker::enums`, with a name index so that huge enums resolve values
//! in constant time); every `decision` in scope is recorded, the header
//! pass picks the one in force. Relies on nothing before it: types and
//! decisions name no other declaration.

use super::{Checker, EnumInfo, Loc, TypeDef, duplicate};
use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};
use std::collections::HashMap;

impl Checker<'_> {
    /// The types (each also an enum domain) and the decisions in scope,
    /// each name once.
    pub(super) fn types_and_decisions(&mut self) {
        let items = self.items.clone();
        for (_, item) in &items {
            if let ItemKind::Type { name, values } = &item.kind {
                if let Some(&prev) = self.type_names.get(name.name.as_str()) {
                    let d = duplicate("type", name, self.types[prev].loc.0);
                    self.push(d);
                    continue;
                }
                let (vals, index) = self.value_list(values, &format!("type `{}`", name.name));
                let id = self.types.len();
                self.type_names.insert(&name.name, id);
                self.types.push(TypeDef {
                    name: name.name.clone(),
                    values: vals.clone(),
                    loc: Loc(name.span),
                });
                self.type_used.push(false);
                self.enums.push(EnumInfo {
                    used: vec![false; vals.len()],
                    values: vals,
                    index,
                    ty: Some(id),
                });
            }
        }
        for (_, item) in &items {
            if let ItemKind::Decision { name, values, doc } = &item.kind {
                if let Some((prev, _, _)) =
                    self.decisions.iter().find(|(n, _, _)| n.name == name.name)
                {
                    let d = duplicate("decision", name, prev.span);
                    self.push(d);
                    continue;
                }
                let (vals, _) = self.value_list(values, &format!("decision `{}`", name.name));
                self.decisions
                    .push((name, vals, doc.as_ref().map(|d| d.value.clone())));
            }
        }
    }

    /// Checks a declaration's value list for repeats and returns the values.
    pub(super) fn value_list(
        &mut self,
        values: &[ast::Ident],
        what: &str,
    ) -> (Vec<String>, HashMap<String, u32>) {
        let mut index: HashMap<String, u32> = HashMap::with_capacity(values.len());
        let mut first: HashMap<&str, Span> = HashMap::new();
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            if let Some(prev) = first.get(v.name.as_str()) {
                let d = Diagnostic::error(
                    Code::DUPLICATE_VALUE,
                    format!("the value `{}` is listed twice in {what}", v.name),
                )
                .at(v.span, "listed again here")
                .also(*prev, "first listed here")
                .help("remove one of them");
                self.push(d);
                continue;
            }
            first.insert(&v.name, v.span);
            index.insert(v.name.clone(), out.len() as u32);
            out.push(v.name.clone());
        }
        (out, index)
    }
}
