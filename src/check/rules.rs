//! Pass 5: the policy's own rules.
//!
//! Names first, so that `overrides` may point forward: each named rule is
//! recorded at its place after the inherited ones. Then each rule's
//! condition is typed ([`super::cond`]), its outcome resolved, its
//! `overrides` and `regardless` claims resolved (a rule overriding itself,
//! or claiming `regardless` of an attribute its condition tests, is an
//! error). Relies on passes 1–3 for the names and the decision, and on
//! [`super::extends`] for the inherited rules that `BASE.RULE` names.

use super::{AttrId, Checker, Cond, Decision, Loc, Rule, RuleId, duplicate};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};

/// The root file's rules, with the span of each item.
pub(super) fn rule_items<'a>(root_items: &[&'a ast::Item]) -> Vec<(&'a ast::Rule, Span)> {
    root_items
        .iter()
        .filter_map(|it| match &it.kind {
            ItemKind::Rule(r) => Some((r, it.span)),
            _ => None,
        })
        .collect()
}

/// The names of the root file's named rules.
pub(super) fn own_names<'a>(rule_items: &[(&'a ast::Rule, Span)]) -> Vec<&'a str> {
    rule_items
        .iter()
        .filter_map(|(r, _)| r.name.as_ref().map(|n| n.name.as_str()))
        .collect()
}

impl<'a> Checker<'a> {
    /// Checks the root file's rules (`rule_items`), numbered from `offset`
    /// (after the inherited ones), and appends them to `rules`.
    pub(super) fn rules(
        &mut self,
        rule_items: &[(&'a ast::Rule, Span)],
        offset: usize,
        decision: Option<&Decision>,
        rules: &mut Vec<Rule>,
    ) {
        for (i, (r, _)) in rule_items.iter().enumerate() {
            if let Some(name) = &r.name {
                if let Some(&(_, first)) = self.rule_names.get(name.name.as_str()) {
                    self.push(duplicate("rule", name, first));
                } else {
                    self.rule_names.insert(&name.name, (offset + i, name.span));
                }
            }
        }
        for (i, (r, span)) in rule_items.iter().enumerate() {
            let rule = self.rule(offset + i, r, *span, decision);
            rules.push(rule);
        }
    }

    /// One rule, the `index`-th of the policy, its item at `item`.
    fn rule(
        &mut self,
        index: usize,
        r: &'a ast::Rule,
        item: Span,
        decision: Option<&Decision>,
    ) -> Rule {
        let id = match &r.name {
            Some(n) => n.name.clone(),
            None => format!("line:{}", self.map.line(r.when_span)),
        };
        let cond = self.cond(&r.cond);
        let outcome = self.outcome(&r.outcome, decision).unwrap_or(0);
        let mut overrides = Vec::new();
        for o in &r.overrides {
            match self.rule_ref(o, true) {
                Some(target) if target == index => {
                    let d = Diagnostic::error(
                        Code::SELF_OVERRIDE,
                        format!("the rule `{}` overrides itself", o.text()),
                    )
                    .at(o.span, "a rule cannot override itself")
                    .help("name the rule this one should beat");
                    self.push(d);
                }
                Some(target) if !overrides.contains(&target) => overrides.push(target),
                _ => {}
            }
        }
        let mut regardless = Vec::new();
        let mentioned = cond.attributes();
        for x in &r.regardless {
            let Some(a) = self.attribute_ref(x) else {
                continue;
            };
            if mentioned.contains(&a) {
                let mut d = Diagnostic::error(
                    Code::REGARDLESS_MENTIONED,
                    format!(
                        "the rule claims `regardless {}` but its condition tests `{}`",
                        x.name, x.name
                    ),
                )
                .at(x.span, "claimed not to matter");
                if let Some(loc) = first_atom_of(&cond, a) {
                    d = d.also(loc, format!("but the condition tests `{}` here", x.name));
                }
                self.push(d.help(format!(
                    "drop `regardless {}`, or drop the test of `{}` from the condition",
                    x.name, x.name
                )));
                continue;
            }
            if !regardless.iter().any(|(b, _)| *b == a) {
                regardless.push((a, Loc(x.span)));
            }
        }
        Rule {
            id,
            named: r.name.is_some(),
            overrides,
            cond,
            outcome,
            regardless,
            because: r.because.as_ref().map(|b| b.value.clone()),
            loc: Loc(r.name.as_ref().map_or(r.when_span, |n| n.span)),
            item: Loc(item),
        }
    }

    /// Resolves a rule reference in `overrides` (`in_overrides`) or a
    /// test's `by`: `NAME` is a rule of this policy, `BASE.NAME` an
    /// inherited one. Reports what it cannot resolve.
    pub(super) fn rule_ref(&mut self, r: &ast::RuleRef, in_overrides: bool) -> Option<RuleId> {
        let text = r.text();
        let found = match &r.base {
            None => self.rule_names.get(r.name.name.as_str()).map(|&(i, _)| i),
            Some(_) => self.inherited.get(&text).copied(),
        };
        if found.is_some() {
            return found;
        }
        // A rule whose item did not parse (`BASE.RULE`: the `extends`
        // did not, or the base would have been checked).
        if self.unparsed.covers("rule", &r.name.name) && r.base.is_none() || self.unparsed.opaque {
            return None;
        }
        if let Some(&at) = self.repealed_at.get(&text) {
            let d = Diagnostic::error(
                Code::UNKNOWN_RULE,
                format!("the rule `{text}` is repealed by this policy"),
            )
            .at(r.span, "no longer a rule of this policy")
            .also(at, "repealed here")
            .help("name a rule that is still in force, or stop repealing this one");
            self.push(d);
            return None;
        }
        let mut d = Diagnostic::error(Code::UNKNOWN_RULE, format!("cannot find rule `{text}`"))
            .at(r.span, "no rule has this name");
        let lineage = &self.lineage;
        // An inherited rule of that name, written without its policy.
        let mut qualified: Vec<&String> = self
            .inherited
            .keys()
            .filter(|k| k.rsplit('.').next() == Some(r.name.name.as_str()))
            .collect();
        qualified.sort();
        let candidates: Vec<&str> = self
            .rule_names
            .keys()
            .copied()
            .chain(self.inherited.keys().map(String::as_str))
            .collect();
        if r.base.is_none()
            && let Some(q) = qualified.first()
        {
            d = d
                .help(format!("did you mean `{q}`?"))
                .note("a rule inherited through `extends` is named after its policy: `BASE.RULE`");
        } else if let Some(s) = did_you_mean(&text, candidates.iter().copied()) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if let Some(b) = &r.base
            && !lineage.contains(&b.name)
        {
            d = d.note(match lineage.first() {
                Some(base) => format!(
                    "`{}` is not the name of a policy this one extends; its base is `{base}`",
                    b.name
                ),
                None => format!(
                    "this policy extends no other, so `{}` names no rule here",
                    text
                ),
            });
            // The policy's base was renamed, or the wrong one named: the
            // rule itself may still be inherited under its base's name.
            if let (Some(base), Some(at)) = (lineage.first(), self.extends_at) {
                d = d.also(at, format!("this policy extends `{base}`"));
            }
            if let Some(q) = qualified.first() {
                d = d.help(format!("did you mean `{q}`?"));
            }
        } else if in_overrides {
            d = d.note(if lineage.is_empty() {
                "only named rules (`rule NAME: ...`) of this policy can be overridden".to_string()
            } else {
                "only named rules can be overridden: this policy's own (`NAME`) and the ones it inherits (`BASE.NAME`)".to_string()
            });
        }
        self.push(d);
        None
    }
}

/// The place of the first atom of `c` that tests attribute `a`.
fn first_atom_of(c: &Cond, a: AttrId) -> Option<Span> {
    match c {
        Cond::Const(_) => None,
        Cond::And(cs) | Cond::Or(cs) => cs.iter().find_map(|c| first_atom_of(c, a)),
        Cond::Not(c) => first_atom_of(c, a),
        Cond::Atom(at) => (at.attr == a).then_some(at.loc.0),
    }
}
