//! Pass 4: `extends` flattening (SPEC section 4a).
//!
//! The base, checked on its own beforehand (`check_file` checks it first),
//! is brought in: its `repeal`s resolved, its remaining rules renamed
//! `BASE.RULE`, renumbered onto this policy's attributes and outcomes, its
//! `overrides` kept among the rules that remain (an edge into a repealed
//! rule continues to what that rule overrode), and put first. Relies on
//! passes 1–3 for this policy's attributes, outcomes and `repeal`s, and on
//! the loader's splicing, which put the base's declarations in scope. The
//! names it records let [`super::rules`] resolve `BASE.RULE`.

use super::{
    Atom, AttrId, Checker, Cond, Decision, Extends, Loc, OutcomeId, Rule, RuleId, backticked,
    inherited_id,
};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast;
use std::collections::HashMap;

impl<'a> Checker<'a> {
    /// Brings the base's rules into this policy (SPEC 4a): resolves the
    /// `repeal`s, then renames, renumbers and reorders what remains. Also
    /// records the inherited and repealed names for [`Checker::rule_ref`].
    pub(super) fn inherit(
        &mut self,
        decision: Option<&Decision>,
        repeals: &[&'a ast::RuleRef],
        own_names: &[&str],
    ) -> (Vec<Rule>, Option<Box<Extends>>) {
        let Some((base, at)) = self.base.take() else {
            // An `extends` that did not parse names a base all the same.
            let repeals = if self.unparsed.opaque {
                &[][..]
            } else {
                repeals
            };
            for r in repeals {
                let d = Diagnostic::error(
                    Code::UNKNOWN_REPEAL,
                    format!("cannot repeal `{}`: this policy extends no base", r.text()),
                )
                .at(r.span, "nothing is inherited to repeal")
                .help("add `extends \"BASE.policy\"` to build on a policy, or remove the `repeal`");
                self.push(d);
            }
            return (Vec::new(), None);
        };
        let n = base.rules.len();
        let ids: Vec<String> = base
            .rules
            .iter()
            .map(|r| inherited_id(&base.meta.name, &r.id))
            .collect();
        let by_id: HashMap<&str, RuleId> = (0..n)
            .filter(|&j| base.rules[j].named)
            .map(|j| (ids[j].as_str(), j))
            .collect();

        // Two policies of the chain with one name would give two rules one id.
        // A set, not a list: a chain of N bases is checked N times over.
        let lineage = base.lineage();
        let mut names = std::collections::HashSet::from([base.meta.name.as_str()]);
        for name in lineage {
            if !names.insert(name) {
                let d = Diagnostic::error(
                    Code::DUPLICATE_NAME,
                    format!("two policies this one builds on are both named `{name}`"),
                )
                .at(at, "the chain of bases starts here")
                .note(format!(
                    "inherited rules are named `{name}.RULE`, which would not say which policy states them"
                ))
                .help("rename one of the two policies");
                self.push(d);
            }
        }

        // `repeal`.
        let mut repealed = vec![false; n];
        let mut first_at: HashMap<RuleId, Span> = HashMap::new();
        for r in repeals {
            let text = r.text();
            if let Some(&j) = by_id.get(text.as_str()) {
                if let Some(&prev) = first_at.get(&j) {
                    let d = Diagnostic::error(
                        Code::REPEATED_REPEAL,
                        format!("`{text}` is repealed twice"),
                    )
                    .at(r.span, "repealed again here")
                    .also(prev, "first repealed here")
                    .help("repeal it once; if another rule was meant, name that one");
                    self.push(d);
                } else {
                    first_at.insert(j, r.span);
                    repealed[j] = true;
                    self.repealed_at.insert(text, r.span);
                }
                continue;
            }
            let mut d = Diagnostic::error(
                Code::UNKNOWN_REPEAL,
                format!("cannot repeal `{text}`: the base has no such rule"),
            )
            .at(r.span, "no inherited rule has this name");
            let short = r.name.name.as_str();
            let same_short = (0..n)
                .filter(|&j| base.rules[j].named && ids[j].rsplit('.').next() == Some(short))
                .map(|j| ids[j].as_str())
                .next();
            if r.base.is_none() && own_names.contains(&short) {
                d = Diagnostic::error(
                    Code::UNKNOWN_REPEAL,
                    format!("`{text}` is this policy's own rule, not an inherited one"),
                )
                .at(r.span, "`repeal` removes rules of the base")
                .help("delete the rule instead of repealing it");
            } else if let (None, Some(q)) = (&r.base, same_short) {
                d = d
                    .help(format!("did you mean `{q}`?"))
                    .note("an inherited rule is named after its policy: `BASE.RULE`");
            } else if let Some(s) = did_you_mean(&text, by_id.keys().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            } else if let Some(b) = r
                .base
                .as_ref()
                .filter(|b| !names.contains(&b.name.as_str()))
            {
                d = d.note(format!(
                    "`{}` is not the name of a policy this one extends; its base is `{}`",
                    b.name, base.meta.name
                ));
            } else {
                let mut named: Vec<&str> = (0..n)
                    .filter(|&j| base.rules[j].named)
                    .map(|j| ids[j].as_str())
                    .collect();
                if named.is_empty() {
                    d = d.note("the base has no named rules; only named rules can be repealed");
                } else if named.len() <= 12 {
                    named.sort_unstable();
                    let quoted: Vec<String> = named.iter().map(|s| s.to_string()).collect();
                    d = d.note(format!(
                        "the rules that can be repealed are {}",
                        backticked(&quoted)
                    ));
                }
            }
            self.push(d);
        }

        // Renumbering: kept rules in the base's order.
        let mut new_index = vec![usize::MAX; n];
        let mut kept = 0;
        for j in 0..n {
            if !repealed[j] {
                new_index[j] = kept;
                kept += 1;
            }
        }
        // INVARIANT: the base's declarations are in this policy's scope
        // (the loader splices them), so every base attribute and outcome has
        // a namesake here; only after an error reported elsewhere (two
        // declarations of one name) might a lookup fail, and then the policy
        // is dropped anyway.
        let attributes: Vec<AttrId> = base
            .attributes
            .iter()
            .map(|a| self.attr_names.get(a.name.as_str()).copied().unwrap_or(0))
            .collect();
        let outcomes: Vec<OutcomeId> = base
            .decision
            .outcomes
            .iter()
            .map(|o| {
                decision
                    .and_then(|d| d.outcomes.iter().position(|x| x == o))
                    .unwrap_or(0)
            })
            .collect();
        let mut rules = Vec::with_capacity(kept);
        for j in (0..n).filter(|&j| !repealed[j]) {
            let r = &base.rules[j];
            // The base's order, restricted to the rules that remain: an
            // edge into a repealed rule continues to what it overrode.
            let mut overrides = Vec::new();
            let mut seen = vec![false; n];
            let mut todo: Vec<RuleId> = r.overrides.iter().rev().copied().collect();
            while let Some(t) = todo.pop() {
                if std::mem::replace(&mut seen[t], true) {
                    continue;
                }
                if repealed[t] {
                    todo.extend(base.rules[t].overrides.iter().rev());
                } else if !overrides.contains(&new_index[t]) {
                    overrides.push(new_index[t]);
                }
            }
            if r.named {
                self.inherited.insert(ids[j].clone(), new_index[j]);
            }
            rules.push(Rule {
                id: ids[j].clone(),
                named: r.named,
                overrides,
                cond: remap(&r.cond, &attributes),
                outcome: outcomes[r.outcome],
                // A `regardless` claim is about the base's decisions; it was
                // verified with the base, and this policy cannot edit it.
                regardless: Vec::new(),
                because: r.because.clone(),
                loc: r.loc,
                item: r.item,
            });
        }
        let mut repealed_ids: Vec<RuleId> = (0..n).filter(|&j| repealed[j]).collect();
        repealed_ids.sort_unstable();
        let extends = Extends {
            base,
            repealed: repealed_ids,
            attributes,
            outcomes,
            loc: Loc(at),
        };
        (rules, Some(Box::new(extends)))
    }
}

/// A base's condition over this policy's attributes.
fn remap(c: &Cond, attributes: &[AttrId]) -> Cond {
    match c {
        Cond::Const(b) => Cond::Const(*b),
        Cond::And(cs) => Cond::And(cs.iter().map(|c| remap(c, attributes)).collect()),
        Cond::Or(cs) => Cond::Or(cs.iter().map(|c| remap(c, attributes)).collect()),
        Cond::Not(c) => Cond::Not(Box::new(remap(c, attributes))),
        Cond::Atom(a) => Cond::Atom(Atom {
            attr: attributes[a.attr],
            set: a.set.clone(),
            loc: a.loc,
        }),
    }
}
