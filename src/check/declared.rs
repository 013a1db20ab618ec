//! Pass 9: what the root file declares, and its `allow`s, for the lints.
//!
//! The `unused` lint needs each name the root file declares (types,
//! values, groups, attributes, outcomes) and whether the root file names
//! it; the earlier passes recorded the uses as they resolved names. The
//! `allow` items silence lints in this file. Relies on every earlier pass
//! (their tables and use marks).

use super::{Checker, DeclKind, Declared, Loc, ValueOwner};
use crate::syntax::ast::{self, ItemKind};

/// The lints the root file's `allow` items name, each with its place.
pub(super) fn allows(root_items: &[&ast::Item]) -> Vec<(String, Loc)> {
    root_items
        .iter()
        .filter_map(|it| match &it.kind {
            ItemKind::Allow(names) => Some(names.iter().map(|n| (n.name.clone(), Loc(n.span)))),
            _ => None,
        })
        .flatten()
        .collect()
}

impl<'a> Checker<'a> {
    /// The names the root file declares, in its order, with whether it
    /// uses them (as recorded while names resolved). Only meaningful when
    /// checking found no error: with duplicates some names have no table
    /// entry of their own (the policy is dropped then anyway).
    pub(super) fn declared(&self, root_items: &[&'a ast::Item]) -> Vec<Declared> {
        let mut type_enum = vec![usize::MAX; self.types.len()];
        for (e, info) in self.enums.iter().enumerate() {
            if let Some(t) = info.ty {
                type_enum[t] = e;
            }
        }
        let mut out = Vec::new();
        let values = |out: &mut Vec<Declared>, e: usize, owner: ValueOwner, vs: &[ast::Ident]| {
            let info = &self.enums[e];
            for v in vs {
                if let Some(&i) = info.index.get(&v.name) {
                    out.push(Declared {
                        kind: DeclKind::Value,
                        name: v.name.clone(),
                        index: i as usize,
                        owner: Some(owner),
                        loc: Loc(v.span),
                        used: info.used[i as usize],
                    });
                }
            }
        };
        let simple = |kind: DeclKind, name: &ast::Ident, index: usize, used: bool| Declared {
            kind,
            name: name.name.clone(),
            index,
            owner: None,
            loc: Loc(name.span),
            used,
        };
        for item in root_items {
            match &item.kind {
                ItemKind::Type { name, values: vs } => {
                    if let Some(&t) = self.type_names.get(name.name.as_str()) {
                        out.push(simple(DeclKind::Type, name, t, self.type_used[t]));
                        values(&mut out, type_enum[t], ValueOwner::Type(t), vs);
                    }
                }
                ItemKind::Group { name, .. } => {
                    if let Some(&g) = self.group_names.get(name.name.as_str()) {
                        out.push(simple(DeclKind::Group, name, g, self.group_used[g]));
                    }
                }
                ItemKind::Attribute { name, ty, .. } => {
                    if let Some(&a) = self.attr_names.get(name.name.as_str()) {
                        out.push(simple(DeclKind::Attribute, name, a, self.attr_used[a]));
                        if let (ast::TypeExpr::Enum(vs), Some(e)) = (ty, self.attr_enum[a]) {
                            values(&mut out, e, ValueOwner::Attribute(a), vs);
                        }
                    }
                }
                // Only the decision in scope has outcomes; a second one is
                // an error. Outcomes are distinct (a repeat is an error too),
                // so the n-th listed is outcome n.
                ItemKind::Decision {
                    name, values: vs, ..
                } if self
                    .decisions
                    .first()
                    .is_some_and(|d| d.0.span == name.span) =>
                {
                    for (i, o) in vs.iter().enumerate() {
                        let used = self.outcome_used.get(i).copied().unwrap_or(false);
                        out.push(simple(DeclKind::Outcome, o, i, used));
                    }
                }
                _ => {}
            }
        }
        out
    }
}
