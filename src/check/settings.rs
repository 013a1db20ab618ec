//! Pass 7: the settings, `resolve` and `default`.
//!
//! SPEC 4a: the base's `resolve` and `default` hold unless this policy
//! states its own. A `priority` list must rank every outcome exactly once.
//! Relies on pass 3 ([`super::header`]) for the settings as written and
//! the decision, and on pass 4 ([`super::extends`]) for the base's.

use super::header::Header;
use super::{Checker, Decision, Default, Extends, Resolve, backticked};
use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;
use std::collections::HashMap;

impl Checker<'_> {
    /// This policy's `resolve` and `default`: as it states them, else
    /// the base's (renumbered onto this policy's outcomes), else `strict`
    /// and none.
    pub(super) fn settings(
        &mut self,
        header: &Header<'_>,
        extends: Option<&Extends>,
        decision: Option<&Decision>,
    ) -> (Resolve, Default) {
        // SPEC 4a: the base's `resolve` and `default` hold unless this
        // policy states its own.
        let inherited_settings = extends.map(|e| {
            let resolve = match &e.base.resolve {
                Resolve::Priority(list) => {
                    Resolve::Priority(list.iter().map(|&o| e.outcomes[o]).collect())
                }
                other => other.clone(),
            };
            let default = match &e.base.default {
                Default::Outcome(o) => Default::Outcome(e.outcomes[*o]),
                other => other.clone(),
            };
            (resolve, default)
        });
        let resolve = match header.resolve {
            None if inherited_settings.is_some() => inherited_settings
                .as_ref()
                .map_or(Resolve::Strict, |s| s.0.clone()),
            None | Some((ast::Resolve::Strict, _)) => Resolve::Strict,
            Some((ast::Resolve::First, _)) => Resolve::First,
            Some((ast::Resolve::Priority(list), span)) => self.priority(list, span, decision),
        };
        let default = match header.default {
            None if inherited_settings.is_some() => {
                inherited_settings.map_or(Default::None, |s| s.1)
            }
            None => Default::None,
            Some((None, _)) => Default::Undecided,
            Some((Some(o), _)) => match self.outcome(o, decision) {
                Some(id) => Default::Outcome(id),
                None => Default::None,
            },
        };
        (resolve, default)
    }

    /// `resolve priority` over the decision's outcomes (`strict` when no
    /// decision is in scope, which was reported already).
    fn priority(
        &mut self,
        list: &[ast::Ident],
        span: Span,
        decision: Option<&Decision>,
    ) -> Resolve {
        let Some(decision) = decision else {
            return Resolve::Strict;
        };
        let mut ranked = Vec::new();
        let mut first_at: HashMap<usize, Span> = HashMap::new();
        for o in list {
            let Some(id) = self.outcome(o, Some(decision)) else {
                continue;
            };
            if let Some(prev) = first_at.get(&id) {
                let d = Diagnostic::error(
                    Code::BAD_PRIORITY,
                    format!("the outcome `{}` is ranked twice", o.name),
                )
                .at(o.span, "ranked again here")
                .also(*prev, "first ranked here")
                .help("rank every outcome exactly once");
                self.push(d);
                continue;
            }
            first_at.insert(id, o.span);
            ranked.push(id);
        }
        let missing: Vec<String> = (0..decision.outcomes.len())
            .filter(|i| !first_at.contains_key(i))
            .map(|i| decision.outcomes[i].clone())
            .collect();
        // Unknown names were reported already; only report what is missing
        // when every name resolved, so one typo gives one error.
        if !missing.is_empty()
            && ranked.len() + missing.len() == decision.outcomes.len()
            && list.len() == ranked.len()
        {
            let d = Diagnostic::error(
                Code::BAD_PRIORITY,
                format!("`resolve priority` does not rank {}", backticked(&missing)),
            )
            .at(span, "every outcome must be ranked exactly once")
            .also(decision.loc.0, "the outcomes are declared here")
            .help(format!("add {} to the list", backticked(&missing)));
            self.push(d);
        }
        Resolve::Priority(ranked)
    }
}
