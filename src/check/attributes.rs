//! Pass 2: attributes and groups.
//!
//! Every `attribute` gets its domain (an anonymous enum, a named type, a
//! bool or an int range) and every `group` its members, as indices into
//! its type's values. Relies on pass 1 ([`super::types`]) for the types
//! and their enum domains. Marks the types and values the root file names,
//! for the `unused` lint.

use super::{Attribute, Checker, Domain, EnumInfo, Group, Loc, backticked, duplicate};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};
use std::collections::HashMap;

impl<'a> Checker<'a> {
    /// The attributes and groups, each name once, each type resolved.
    pub(super) fn attributes_and_groups(&mut self) {
        let items = self.items.clone();
        for (file, item) in &items {
            // Only the root file's references count as uses.
            let in_root = *file == self.root;
            match &item.kind {
                ItemKind::Attribute { name, ty, doc } => self.attribute(name, ty, doc, in_root),
                ItemKind::Group {
                    name,
                    ty,
                    except,
                    values,
                } => self.group(name, ty, *except, values, in_root),
                _ => {}
            }
        }
    }

    fn attribute(
        &mut self,
        name: &'a ast::Ident,
        ty: &ast::TypeExpr,
        doc: &Option<ast::Str>,
        in_root: bool,
    ) {
        if let Some(&prev) = self.attr_names.get(name.name.as_str()) {
            let d = duplicate("attribute", name, self.attributes[prev].loc.0);
            self.push(d);
            return;
        }
        let (domain, enum_id) = match ty {
            ast::TypeExpr::Enum(values) => {
                let (vals, index) = self.value_list(values, &format!("attribute `{}`", name.name));
                self.enums.push(EnumInfo {
                    used: vec![false; vals.len()],
                    values: vals.clone(),
                    index,
                    ty: None,
                });
                (
                    Domain::Enum {
                        ty: None,
                        values: vals,
                    },
                    Some(self.enums.len() - 1),
                )
            }
            ast::TypeExpr::Named(t) => match self.type_names.get(t.name.as_str()) {
                Some(&id) => {
                    self.type_used[id] |= in_root;
                    let e = self
                        .enums
                        .iter()
                        .position(|e| e.ty == Some(id))
                        .expect("every type has an enum");
                    (
                        Domain::Enum {
                            ty: Some(id),
                            values: self.types[id].values.clone(),
                        },
                        Some(e),
                    )
                }
                // Its type did not parse: the attribute is as unknown as
                // the type, and its uses are not reported either.
                None if self.unparsed.covers("type", &t.name) => {
                    self.unparsed.add("attribute", &name.name);
                    return;
                }
                None => {
                    self.unknown_type(t);
                    (Domain::Bool, None)
                }
            },
            ast::TypeExpr::Bool(_) => (Domain::Bool, None),
            ast::TypeExpr::Int { lo, hi } => {
                if lo.value > hi.value {
                    let d = Diagnostic::error(
                        Code::EMPTY_RANGE,
                        format!(
                            "the range `{}..{}` of `{}` is empty",
                            lo.value, hi.value, name.name
                        ),
                    )
                    .at(lo.span.to(hi.span), "the low bound is above the high bound")
                    .help(format!("write `int {}..{}`", hi.value, lo.value));
                    self.push(d);
                }
                (
                    Domain::Int {
                        lo: lo.value.min(hi.value),
                        hi: hi.value.max(lo.value),
                    },
                    None,
                )
            }
        };
        self.attr_names.insert(&name.name, self.attributes.len());
        self.attr_enum.push(enum_id);
        self.attr_used.push(false);
        self.attributes.push(Attribute {
            name: name.name.clone(),
            domain,
            doc: doc.as_ref().map(|d| d.value.clone()),
            loc: Loc(name.span),
        });
    }

    fn unknown_type(&mut self, t: &ast::Ident) {
        let mut d = Diagnostic::error(Code::UNKNOWN_TYPE, format!("cannot find type `{}`", t.name))
            .at(t.span, "not a declared type");
        if let Some(s) = did_you_mean(&t.name, self.types.iter().map(|t| t.name.as_str())) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if self.attr_names.contains_key(t.name.as_str()) {
            d = d.note(format!("`{}` is an attribute, not a type", t.name));
        } else {
            d = d.help(format!("declare it: `type {} = {{ ... }}`", t.name));
        }
        self.push(d);
    }

    fn group(
        &mut self,
        name: &'a ast::Ident,
        ty: &ast::Ident,
        except: bool,
        values: &[ast::Ident],
        in_root: bool,
    ) {
        if let Some(&prev) = self.group_names.get(name.name.as_str()) {
            let d = duplicate("group", name, self.groups[prev].loc.0);
            self.push(d);
            return;
        }
        let Some(&type_id) = self.type_names.get(ty.name.as_str()) else {
            if self.unparsed.covers("type", &ty.name) {
                self.unparsed.add("group", &name.name);
            } else {
                self.unknown_type(ty);
            }
            return;
        };
        self.type_used[type_id] |= in_root;
        let e = self
            .enums
            .iter()
            .position(|e| e.ty == Some(type_id))
            .expect("every type has an enum");
        let mut listed = vec![false; self.enums[e].values.len()];
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for v in values {
            if let Some(prev) = seen.get(v.name.as_str()) {
                let d = Diagnostic::error(
                    Code::DUPLICATE_VALUE,
                    format!(
                        "the value `{}` is listed twice in group `{}`",
                        v.name, name.name
                    ),
                )
                .at(v.span, "listed again here")
                .also(*prev, "first listed here")
                .help("remove one of them");
                self.push(d);
                continue;
            }
            seen.insert(&v.name, v.span);
            match self.enums[e].index.get(&v.name) {
                Some(&i) => {
                    listed[i as usize] = true;
                    self.enums[e].used[i as usize] |= in_root;
                }
                None => {
                    let d = self.unknown_value(&v.name, v.span, e, &ty.name);
                    self.push(d);
                }
            }
        }
        let members = listed
            .iter()
            .enumerate()
            .filter(|(_, l)| **l != except)
            .map(|(i, _)| i as u32)
            .collect();
        self.group_names.insert(&name.name, self.groups.len());
        self.group_used.push(false);
        self.groups.push(Group {
            name: name.name.clone(),
            ty: type_id,
            members,
            loc: Loc(name.span),
        });
    }

    pub(super) fn unknown_value(
        &self,
        name: &str,
        span: Span,
        e: usize,
        owner: &str,
    ) -> Diagnostic {
        let info = &self.enums[e];
        let mut d = Diagnostic::error(
            Code::UNKNOWN_VALUE,
            format!("`{name}` is not a value of `{owner}`"),
        )
        .at(span, format!("not a value of `{owner}`"));
        let groups = self
            .groups
            .iter()
            .filter(|g| Some(g.ty) == info.ty)
            .map(|g| g.name.as_str());
        if let Some(s) = did_you_mean(name, info.values.iter().map(String::as_str).chain(groups)) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if info.values.len() <= 12 {
            d = d.note(format!(
                "the values of `{owner}` are {}",
                backticked(&info.values)
            ));
        }
        d
    }
}
