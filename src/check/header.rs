//! Pass 3: the root file's structure.
//!
//! A vocabulary holds declarations only. A policy has one `policy` header
//! with its metadata (`title`, `source`, `date`) and settings (`resolve`,
//! `default`, `extends`, `repeal`) below it, each at most once; they are
//! read here as written, into a [`Header`], and resolved by the passes that
//! need the rules ([`super::extends`], [`super::settings`]). The decision
//! in scope is chosen here too. Relies on pass 1 ([`super::types`]) for
//! the decisions in scope.

use super::{Checker, Decision, Loc};
use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};

/// The header, metadata and settings of the root file, as written: each
/// with the span of its item, to report a second one.
pub(super) struct Header<'a> {
    /// The policy's name (`policy NAME`).
    pub(super) name: Option<&'a ast::Ident>,
    pub(super) title: Option<(&'a ast::Str, Span)>,
    pub(super) source: Option<(&'a ast::Str, Span)>,
    pub(super) date: Option<(&'a ast::Str, Span)>,
    pub(super) resolve: Option<(&'a ast::Resolve, Span)>,
    /// `default NAME`, or `default undecided` (`None` inside).
    pub(super) default: Option<(&'a Option<ast::Ident>, Span)>,
    /// Every rule `repeal` names, in order.
    pub(super) repeals: Vec<&'a ast::RuleRef>,
}

impl<'a> Checker<'a> {
    /// Reports the first item of a vocabulary that is not a declaration
    /// (and how many more there are).
    pub(super) fn vocabulary_only(&mut self) {
        let root = self.root;
        let bad: Vec<&ast::Item> = self
            .items
            .iter()
            .filter(|(f, it)| *f == root && !it.kind.is_declaration())
            .map(|(_, it)| *it)
            .collect();
        if let Some(first) = bad.first() {
            let mut d = Diagnostic::error(
                Code::NOT_A_VOCABULARY,
                format!("a vocabulary file cannot hold a `{}` item", first.kind.keyword()),
            )
            .at(first.span, "not a declaration")
            .note("a vocabulary may only hold `use`, `type`, `group`, `attribute` and `decision` items")
            .help("rename the file to `.policy` and give it a `policy` header, or move this item into a policy");
            if bad.len() > 1 {
                d = d.note(format!(
                    "{} more item(s) in this file are not declarations",
                    bad.len() - 1
                ));
            }
            self.push(d);
        }
    }

    /// Reads the root file's header, metadata and settings as written,
    /// reporting what is given twice, misplaced or missing, and a `date`
    /// that is not a calendar date.
    pub(super) fn header(&mut self, root_items: &[&'a ast::Item]) -> Header<'a> {
        let root = self.root;
        let mut header: Option<&'a ast::Ident> = None;
        let mut title: Option<(&'a ast::Str, Span)> = None;
        let mut source: Option<(&'a ast::Str, Span)> = None;
        let mut date: Option<(&'a ast::Str, Span)> = None;
        let mut resolve: Option<(&'a ast::Resolve, Span)> = None;
        let mut default: Option<(&'a Option<ast::Ident>, Span)> = None;
        let mut extends_at: Option<Span> = None;
        let mut repeals: Vec<&'a ast::RuleRef> = Vec::new();
        for item in root_items {
            match &item.kind {
                ItemKind::Extends(_) => match extends_at {
                    None => {
                        extends_at = Some(item.span);
                        if header.is_none() {
                            let d = Diagnostic::error(
                                Code::MISPLACED_METADATA,
                                "`extends` comes before the `policy` header",
                            )
                            .at(item.span, "before the header")
                            .help("move `extends` below `policy NAME`");
                            self.push(d);
                        }
                    }
                    Some(first) => self.push(duplicate_setting("extends", item.span, first)),
                },
                ItemKind::Repeal(refs) => repeals.extend(refs),
                ItemKind::Policy(name) => match header {
                    None => header = Some(name),
                    Some(first) => {
                        let d = Diagnostic::error(
                            Code::DUPLICATE_POLICY,
                            "a file holds exactly one policy",
                        )
                        .at(item.span, "a second `policy` header")
                        .also(first.span, "the policy starts here")
                        .help("put the second policy in a file of its own");
                        self.push(d);
                    }
                },
                ItemKind::Title(s) | ItemKind::Source(s) | ItemKind::Date(s) => {
                    let kw = item.kind.keyword();
                    let slot = match &item.kind {
                        ItemKind::Title(_) => &mut title,
                        ItemKind::Source(_) => &mut source,
                        _ => &mut date,
                    };
                    if let Some((_, first)) = slot {
                        let first = *first;
                        let d = Diagnostic::error(
                            Code::MISPLACED_METADATA,
                            format!("`{kw}` is given twice"),
                        )
                        .at(item.span, "given again here")
                        .also(first, "first given here")
                        .help(format!("keep one `{kw}`"));
                        self.push(d);
                    } else {
                        *slot = Some((s, item.span));
                        if header.is_none() {
                            let d = Diagnostic::error(
                                Code::MISPLACED_METADATA,
                                format!("`{kw}` comes before the `policy` header"),
                            )
                            .at(item.span, "before the header")
                            .help(format!("move `{kw}` below `policy NAME`"));
                            self.push(d);
                        }
                    }
                }
                ItemKind::Resolve(r) => match resolve {
                    None => resolve = Some((r, item.span)),
                    Some((_, first)) => self.push(duplicate_setting("resolve", item.span, first)),
                },
                ItemKind::Default(d) => match default {
                    None => default = Some((d, item.span)),
                    Some((_, first)) => self.push(duplicate_setting("default", item.span, first)),
                },
                _ => {}
            }
        }
        if header.is_none() && !self.unparsed.policy {
            let at = root_items
                .first()
                .map_or(Span::new(root, 0, 0), |it| it.span);
            let d = Diagnostic::error(Code::MISSING_POLICY, "this file has no `policy` header")
                .at(at, "expected `policy NAME` before this")
                .help("start the file with `policy NAME`; a file of declarations only should be a `.vocab`");
            self.push(d);
        }
        if let Some((s, _)) = date
            && !valid_date(&s.value)
        {
            let d = Diagnostic::error(
                Code::BAD_DATE,
                format!("`{}` is not a calendar date", s.value),
            )
            .at(s.span, "expected `YYYY-MM-DD`")
            .help("write an ISO 8601 calendar date that exists, such as \"2014-04-25\"");
            self.push(d);
        }

        Header {
            name: header,
            title,
            source,
            date,
            resolve,
            default,
            repeals,
        }
    }

    /// The decision in scope: the first declared, each other one an error;
    /// none is an error too, unless the file has no header (`header`),
    /// which was reported already.
    pub(super) fn decision(&mut self, header: Option<&ast::Ident>) -> Option<Decision> {
        let root = self.root;
        match self.decisions.len() {
            // A file without a header was reported already; saying that it
            // also decides nothing would only repeat the same mistake.
            0 if header.is_none() => None,
            // The decision's declaration did not parse, or may be in a
            // file that was not read for that reason.
            0 if self.unparsed.decision || self.unparsed.opaque => None,
            0 => {
                let at = header.map_or(Span::new(root, 0, 0), |h| h.span);
                let d = Diagnostic::error(Code::NO_DECISION, "no `decision` is in scope")
                    .at(at, "this policy decides nothing")
                    .help("declare the outcomes: `decision outcome: { compel, quash }`");
                self.push(d);
                None
            }
            n => {
                if n > 1 {
                    let first = self.decisions[0].0;
                    let extra: Vec<Diagnostic> = self.decisions[1..]
                        .iter()
                        .map(|(other, _, _)| {
                            Diagnostic::error(
                                Code::MULTIPLE_DECISIONS,
                                format!(
                                    "more than one decision is in scope: `{}` and `{}`",
                                    first.name, other.name
                                ),
                            )
                            .at(other.span, "a second decision")
                            .also(first.span, "the first decision")
                            .help("a policy decides one question; keep one decision or split the policy")
                        })
                        .collect();
                    self.diagnostics.extend(extra);
                }
                let (name, outcomes, doc) = self.decisions[0].clone();
                self.outcome_used = vec![false; outcomes.len()];
                Some(Decision {
                    name: name.name.clone(),
                    outcomes,
                    doc,
                    loc: Loc(name.span),
                })
            }
        }
    }
}

/// A setting given a second time.
fn duplicate_setting(kw: &str, at: Span, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DUPLICATE_SETTING,
        format!("`{kw}` is given more than once"),
    )
    .at(at, "given again here")
    .also(first, "first given here")
    .help(format!("keep the one `{kw}` you mean"))
}

/// Whether `s` is an ISO 8601 calendar date `YYYY-MM-DD` that exists.
fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(valid_date("2014-04-25"));
        assert!(valid_date("2016-02-29"));
        assert!(!valid_date("2014-02-29"));
        assert!(!valid_date("2014-4-25"));
        assert!(!valid_date("2014-13-01"));
        assert!(!valid_date("+014-04-25"));
    }
}
