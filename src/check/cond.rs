//! Conditions: a rule's `when`, a test's `given`.
//!
//! Each comparison becomes an atom "attribute ∈ set" inside the
//! attribute's domain: enum and bool values as sorted indices, ints as
//! sorted, disjoint, non-adjacent inclusive ranges (an integer outside the
//! range is an error, E0032). A comparison that does not fit the
//! attribute's type is an error and becomes `false`, so checking goes on.
//! Used by the rules and tests passes; relies on pass 2
//! ([`super::attributes`]) for the attributes, groups and enum domains,
//! and marks the attributes, values and groups the root file names.
//!
//! The recursion follows the condition's nesting, which the lexer bounds
//! (`MAX_DEPTH`).

use super::{Atom, AttrId, Checker, Cond, Domain, Loc, ValueSet};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast;

impl Checker<'_> {
    /// Resolves an attribute name, recording that the root file names it.
    pub(super) fn attribute_ref(&mut self, x: &ast::Ident) -> Option<AttrId> {
        if let Some(&a) = self.attr_names.get(x.name.as_str()) {
            self.attr_used[a] = true;
            return Some(a);
        }
        if self.unparsed.covers("attribute", &x.name) {
            return None;
        }
        let mut d = Diagnostic::error(
            Code::UNKNOWN_ATTRIBUTE,
            format!("cannot find attribute `{}`", x.name),
        )
        .at(x.span, "not a declared attribute");
        if let Some(s) = did_you_mean(&x.name, self.attributes.iter().map(|a| a.name.as_str())) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if let Some(owner) = self.value_owner(&x.name) {
            d = d.help(format!(
                "`{}` is a value of `{owner}`: write `{owner} = {}`",
                x.name, x.name
            ));
        }
        self.push(d);
        None
    }

    /// The first attribute that has `value` among its enum values.
    fn value_owner(&self, value: &str) -> Option<&str> {
        self.attributes
            .iter()
            .zip(&self.attr_enum)
            .find(|(_, e)| e.is_some_and(|e| self.enums[e].index.contains_key(value)))
            .map(|(a, _)| a.name.as_str())
    }

    /// Types a condition.
    pub(super) fn cond(&mut self, c: &ast::Cond) -> Cond {
        match &c.kind {
            ast::CondKind::Bool(b) => Cond::Const(*b),
            ast::CondKind::Or(cs) => Cond::Or(cs.iter().map(|c| self.cond(c)).collect()),
            ast::CondKind::And(cs) => Cond::And(cs.iter().map(|c| self.cond(c)).collect()),
            ast::CondKind::Not(c) => Cond::Not(Box::new(self.cond(c))),
            ast::CondKind::Paren(c) => self.cond(c),
            ast::CondKind::Bare(x) => {
                let Some(a) = self.attribute_ref(x) else {
                    return Cond::Const(false);
                };
                if self.attributes[a].domain != Domain::Bool {
                    let d = self
                        .mismatch(a, "a bare attribute must be a bool")
                        .at(x.span, format!("`{}` is not a bool", x.name));
                    self.push(d);
                    return Cond::Const(false);
                }
                atom(a, ValueSet::Values(vec![1]), c.span)
            }
            ast::CondKind::Compare {
                attr,
                negated,
                value,
            } => {
                let Some(a) = self.attribute_ref(attr) else {
                    return Cond::Const(false);
                };
                let set = self.compare(a, value);
                let at = atom(a, set, c.span);
                if *negated {
                    Cond::Not(Box::new(at))
                } else {
                    at
                }
            }
            ast::CondKind::Order { attr, op, value } => {
                let Some(a) = self.attribute_ref(attr) else {
                    return Cond::Const(false);
                };
                let Domain::Int { lo, hi } = self.attributes[a].domain else {
                    let d = self
                        .mismatch(a, &format!("`{}` compares integers", op.as_str()))
                        .at(c.span, format!("`{}` is not an int", attr.name));
                    self.push(d);
                    return Cond::Const(false);
                };
                self.in_range(a, value);
                let v = value.value as i128;
                let (from, to) = match op {
                    ast::OrdOp::Lt => (lo as i128, v - 1),
                    ast::OrdOp::Le => (lo as i128, v),
                    ast::OrdOp::Gt => (v + 1, hi as i128),
                    ast::OrdOp::Ge => (v, hi as i128),
                };
                let from = from.max(lo as i128);
                let to = to.min(hi as i128);
                let ranges = if from <= to {
                    vec![(from as i64, to as i64)]
                } else {
                    Vec::new()
                };
                atom(a, ValueSet::Ranges(ranges), c.span)
            }
            ast::CondKind::In { attr, negated, set } => {
                let Some(a) = self.attribute_ref(attr) else {
                    return Cond::Const(false);
                };
                let s = self.membership(a, set);
                let at = atom(a, s, c.span);
                if *negated {
                    Cond::Not(Box::new(at))
                } else {
                    at
                }
            }
        }
    }

    /// A type-mismatch diagnostic about attribute `a` (without a label; the
    /// caller adds the primary label).
    fn mismatch(&self, a: AttrId, what: &str) -> Diagnostic {
        let attr = &self.attributes[a];
        let (kind, help) = match &attr.domain {
            Domain::Enum { .. } => (
                "an enum",
                format!(
                    "compare `{}` with `=`, `!=`, `in` or `not in` and one of its values",
                    attr.name
                ),
            ),
            Domain::Bool => (
                "a bool",
                format!(
                    "write `{0}`, `not {0}`, `{0} = true` or `{0} = false`",
                    attr.name
                ),
            ),
            Domain::Int { .. } => (
                "an int",
                format!(
                    "compare `{}` with an integer: `=`, `!=`, `<`, `<=`, `>`, `>=`, `in`",
                    attr.name
                ),
            ),
        };
        Diagnostic::error(
            Code::TYPE_MISMATCH,
            format!("{what}, but `{}` is {kind}", attr.name),
        )
        .also(attr.loc.0, format!("`{}` is declared here", attr.name))
        .help(help)
    }

    /// Whether `v` lies in the range of int attribute `a`; reports it if
    /// not.
    fn in_range(&mut self, a: AttrId, v: &ast::Int) -> bool {
        let Domain::Int { lo, hi } = self.attributes[a].domain else {
            return false;
        };
        if v.value < lo || v.value > hi {
            let name = &self.attributes[a].name;
            let d = Diagnostic::error(
                Code::OUT_OF_RANGE,
                format!("`{}` is outside the range of `{name}`", v.value),
            )
            .at(v.span, format!("`{name}` ranges over {lo}..{hi}"))
            .also(
                self.attributes[a].loc.0,
                format!("`{name}` is declared here"),
            )
            .help(format!("use an integer from {lo} to {hi}"));
            self.push(d);
            return false;
        }
        true
    }

    /// The attribute's domain without its values: cheap to copy, so the
    /// checker can match on it while reporting through `&mut self`.
    fn kind(&self, a: AttrId) -> Kind {
        match self.attributes[a].domain {
            Domain::Enum { .. } => Kind::Enum,
            Domain::Bool => Kind::Bool,
            Domain::Int { .. } => Kind::Int,
        }
    }

    /// The values `attribute = value` selects (`!=` is its negation).
    fn compare(&mut self, a: AttrId, value: &ast::Operand) -> ValueSet {
        match (self.kind(a), value) {
            (Kind::Enum, ast::Operand::Ident(v)) => {
                let e = self.attr_enum[a].expect("enum attributes have an enum");
                if let Some(&i) = self.enums[e].index.get(&v.name) {
                    self.enums[e].used[i as usize] = true;
                    return ValueSet::Values(vec![i]);
                }
                if let Some(members) = self.group_members(a, v) {
                    return ValueSet::Values(members);
                }
                ValueSet::Values(Vec::new())
            }
            (Kind::Bool, ast::Operand::Bool(b, _)) => ValueSet::Values(vec![u32::from(*b)]),
            (Kind::Int, ast::Operand::Int(i)) => {
                if self.in_range(a, i) {
                    ValueSet::Ranges(vec![(i.value, i.value)])
                } else {
                    ValueSet::Ranges(Vec::new())
                }
            }
            (_, operand) => {
                let what = match operand {
                    ast::Operand::Ident(v) => format!(
                        "`{}` is compared with the name `{}`",
                        self.attributes[a].name, v.name
                    ),
                    ast::Operand::Int(i) => format!(
                        "`{}` is compared with the integer `{}`",
                        self.attributes[a].name, i.value
                    ),
                    ast::Operand::Bool(b, _) => {
                        format!("`{}` is compared with `{b}`", self.attributes[a].name)
                    }
                };
                let d = self
                    .mismatch(a, &what)
                    .at(operand.span(), "does not fit the attribute's type");
                self.push(d);
                ValueSet::Values(Vec::new())
            }
        }
    }

    /// Resolves `v` as a group usable with attribute `a`, reporting why not.
    fn group_members(&mut self, a: AttrId, v: &ast::Ident) -> Option<Vec<u32>> {
        let e = self.attr_enum[a]?;
        let attr_ty = self.enums[e].ty;
        match self.group_names.get(v.name.as_str()) {
            Some(&g) if Some(self.groups[g].ty) == attr_ty => {
                self.group_used[g] = true;
                Some(self.groups[g].members.clone())
            }
            Some(&g) => {
                let gty = &self.types[self.groups[g].ty].name;
                let d = Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    format!(
                        "the group `{}` is of type `{gty}`, not the type of `{}`",
                        v.name, self.attributes[a].name
                    ),
                )
                .at(v.span, format!("a group of `{gty}`"))
                .also(self.groups[g].loc.0, "the group is declared here")
                .help("use a group of the attribute's own type");
                self.push(d);
                None
            }
            // A group whose declaration did not parse.
            None if self.unparsed.covers("group", &v.name) => None,
            None => {
                let owner = self.attributes[a].name.clone();
                let d = self.unknown_value(&v.name, v.span, e, &owner);
                self.push(d);
                None
            }
        }
    }

    /// The values `attribute in set` selects.
    fn membership(&mut self, a: AttrId, set: &ast::SetExpr) -> ValueSet {
        match (self.kind(a), set) {
            (Kind::Enum, ast::SetExpr::Group(g)) => {
                let e = self.attr_enum[a].expect("enum attributes have an enum");
                if self.enums[e].index.contains_key(&g.name)
                    && !self.group_names.contains_key(g.name.as_str())
                {
                    let d = Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        format!("`{}` is a value, not a group", g.name),
                    )
                    .at(g.span, "`in` takes a set or a group")
                    .help(format!(
                        "write `{} in {{ {} }}` or `{} = {}`",
                        self.attributes[a].name, g.name, self.attributes[a].name, g.name
                    ));
                    self.push(d);
                    return ValueSet::Values(Vec::new());
                }
                ValueSet::Values(self.group_members(a, g).unwrap_or_default())
            }
            (Kind::Enum, ast::SetExpr::Literal { items, .. }) => {
                let e = self.attr_enum[a].expect("enum attributes have an enum");
                let mut out = Vec::new();
                for item in items {
                    match item {
                        ast::SetItem::Ident(v) => match self.enums[e].index.get(&v.name) {
                            Some(&i) => {
                                self.enums[e].used[i as usize] = true;
                                out.push(i);
                            }
                            None => {
                                let owner = self.attributes[a].name.clone();
                                let d = self.unknown_value(&v.name, v.span, e, &owner);
                                self.push(d);
                            }
                        },
                        ast::SetItem::Int(i) => {
                            let what = format!(
                                "`{}` is compared with the integer `{}`",
                                self.attributes[a].name, i.value
                            );
                            let d = self
                                .mismatch(a, &what)
                                .at(i.span, "not a value of this enum");
                            self.push(d);
                        }
                    }
                }
                out.sort_unstable();
                out.dedup();
                ValueSet::Values(out)
            }
            (Kind::Int, ast::SetExpr::Literal { items, .. }) => {
                let mut points = Vec::new();
                for item in items {
                    match item {
                        ast::SetItem::Int(i) => {
                            if self.in_range(a, i) {
                                points.push(i.value);
                            }
                        }
                        ast::SetItem::Ident(v) => {
                            let what = format!(
                                "`{}` is compared with the name `{}`",
                                self.attributes[a].name, v.name
                            );
                            let d = self.mismatch(a, &what).at(v.span, "not an integer");
                            self.push(d);
                        }
                    }
                }
                ValueSet::Ranges(ranges_of(points))
            }
            (_, set) => {
                let d = self
                    .mismatch(
                        a,
                        &format!("`in` does not apply to `{}`", self.attributes[a].name),
                    )
                    .at(set.span(), "a set of values");
                self.push(d);
                ValueSet::Values(Vec::new())
            }
        }
    }
}

/// An attribute's kind of domain.
#[derive(Clone, Copy)]
enum Kind {
    Enum,
    Bool,
    Int,
}

/// The atom "`attr` ∈ `set`" at `span`.
fn atom(attr: AttrId, set: ValueSet, span: Span) -> Cond {
    Cond::Atom(Atom {
        attr,
        set,
        loc: Loc(span),
    })
}

/// Merges integer points into ascending, disjoint, non-adjacent ranges.
fn ranges_of(mut points: Vec<i64>) -> Vec<(i64, i64)> {
    points.sort_unstable();
    points.dedup();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for p in points {
        match out.last_mut() {
            Some((_, hi)) if *hi as i128 + 1 == p as i128 => *hi = p,
            _ => out.push((p, p)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge() {
        assert_eq!(
            ranges_of(vec![5, 1, 2, 3, 9, 5]),
            vec![(1, 3), (5, 5), (9, 9)]
        );
        assert_eq!(
            ranges_of(vec![i64::MAX, i64::MIN]),
            vec![(i64::MIN, i64::MIN), (i64::MAX, i64::MAX)]
        );
    }
}
