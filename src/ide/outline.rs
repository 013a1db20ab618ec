//! One file's outline (its declarations as a tree) and its folding ranges.
//!
//! Both read the file's syntax tree alone, so they answer for a file
//! whatever its names resolve to; a file without a tree has no outline and
//! folds only its comments.

use super::index::SymbolKind;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{Expect, Item, ItemKind, SourceFile, TypeExpr};
use crate::syntax::lex::Comment;

/// A symbol of the outline, with the symbols inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlineSymbol {
    /// What the editor lists: the name; a test's string; for a rule without
    /// a name, `when … then OUTCOME`.
    pub name: String,
    /// A short description beside the name: an attribute's type, a
    /// group's type, a rule's outcome, a test's expectation, the policy's
    /// title, an unnamed rule's id (`line:N`).
    pub detail: Option<String>,
    /// What it is.
    pub kind: SymbolKind,
    /// The whole declaration.
    pub span: Span,
    /// The part to select when the symbol is picked: its name (an unnamed
    /// rule's `when`); inside `span`.
    pub selection: Span,
    /// A type's values, an attribute's own values, a decision's outcomes.
    pub children: Vec<OutlineSymbol>,
}

/// The declarations of one file, in text order: the policy, types (with
/// their values), groups, attributes (with their own values), decisions
/// (with their outcomes), rules (named or not) and tests. `map` gives the
/// lines of unnamed rules.
pub fn document_symbols(ast: &SourceFile, map: &SourceMap) -> Vec<OutlineSymbol> {
    let title = ast.items.iter().find_map(|it| match &it.kind {
        ItemKind::Title(s) => Some(s.value.clone()),
        _ => None,
    });
    let mut out = Vec::new();
    for item in &ast.items {
        let leaf = |name: &str, kind, selection, detail: Option<String>| OutlineSymbol {
            name: name.to_string(),
            detail,
            kind,
            span: item.span,
            selection,
            children: Vec::new(),
        };
        let symbol = match &item.kind {
            ItemKind::Policy(name) => {
                leaf(&name.name, SymbolKind::Policy, name.span, title.clone())
            }
            ItemKind::Type { name, values } => OutlineSymbol {
                children: members(values, SymbolKind::Value),
                ..leaf(&name.name, SymbolKind::Type, name.span, None)
            },
            ItemKind::Group {
                name, ty, except, ..
            } => {
                let detail = if *except {
                    format!("{}, all except …", ty.name)
                } else {
                    ty.name.clone()
                };
                leaf(&name.name, SymbolKind::Group, name.span, Some(detail))
            }
            ItemKind::Attribute { name, ty, .. } => {
                let (detail, children) = match ty {
                    TypeExpr::Enum(values) => {
                        ("{ … }".to_string(), members(values, SymbolKind::Value))
                    }
                    TypeExpr::Named(t) => (t.name.clone(), Vec::new()),
                    TypeExpr::Bool(_) => ("bool".to_string(), Vec::new()),
                    TypeExpr::Int { lo, hi } => {
                        (format!("int {}..{}", lo.value, hi.value), Vec::new())
                    }
                };
                OutlineSymbol {
                    children,
                    ..leaf(&name.name, SymbolKind::Attribute, name.span, Some(detail))
                }
            }
            ItemKind::Decision { name, values, .. } => OutlineSymbol {
                children: members(values, SymbolKind::Outcome),
                ..leaf(&name.name, SymbolKind::Decision, name.span, None)
            },
            ItemKind::Rule(rule) => {
                let then = format!("then {}", rule.outcome.name);
                match &rule.name {
                    Some(name) => leaf(&name.name, SymbolKind::Rule, name.span, Some(then)),
                    None => {
                        // Named as SPEC names it everywhere else: `line:N`
                        // of its `when`.
                        let line = map.line(rule.when_span);
                        leaf(
                            &format!("when … {then}"),
                            SymbolKind::Rule,
                            rule.when_span,
                            Some(format!("line:{line}")),
                        )
                    }
                }
            }
            ItemKind::Test(test) => {
                let detail = match &test.expect {
                    Expect::Undecided(_) => "expect undecided".to_string(),
                    Expect::Outcome { outcome, by: None } => format!("expect {}", outcome.name),
                    Expect::Outcome {
                        outcome,
                        by: Some(r),
                    } => format!("expect {} by {}", outcome.name, r.text()),
                };
                leaf(
                    &test.name.value,
                    SymbolKind::Test,
                    test.name.span,
                    Some(detail),
                )
            }
            _ => continue,
        };
        out.push(symbol);
    }
    out
}

/// Values or outcomes, as children.
fn members(values: &[crate::syntax::ast::Ident], kind: SymbolKind) -> Vec<OutlineSymbol> {
    values
        .iter()
        .map(|v| OutlineSymbol {
            name: v.name.clone(),
            detail: None,
            kind,
            span: v.span,
            selection: v.span,
            children: Vec::new(),
        })
        .collect()
}

/// What a folding range folds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldKind {
    /// An item written over several lines.
    Item,
    /// Two or more comments on consecutive lines, each alone on its line.
    Comment,
}

/// A range the editor can fold: from the first line of `span` to its last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fold {
    /// The text folded; it starts and ends on different lines.
    pub span: Span,
    /// What it is.
    pub kind: FoldKind,
}

/// The folding ranges of `file`, sorted by start: each item that spans
/// several lines (when the file has a tree) and each run of two or more
/// comments on consecutive lines with nothing before them on their line.
/// `map` holds the file's text.
pub fn folding_ranges(
    file: FileId,
    ast: Option<&SourceFile>,
    comments: &[Comment],
    map: &SourceMap,
) -> Vec<Fold> {
    let text = map.text(file);
    let line = |offset: u32| map.utf16_position(file, offset as usize).line;
    let mut out = Vec::new();
    for item in ast.map_or(&[][..], |a| &a.items[..]) {
        let Item { span, .. } = item;
        if span.file == file && line(span.start) < line(span.end) {
            out.push(Fold {
                span: *span,
                kind: FoldKind::Item,
            });
        }
    }
    // Runs of whole-line comments: (first comment's span, last line so far).
    let mut run: Option<(Span, u32, usize)> = None;
    let close = |run: Option<(Span, u32, usize)>, out: &mut Vec<Fold>| {
        if let Some((span, _, n)) = run
            && n >= 2
        {
            out.push(Fold {
                span,
                kind: FoldKind::Comment,
            });
        }
    };
    for c in comments.iter().filter(|c| c.span.file == file) {
        let start = c.span.start as usize;
        let Some(before) = text.get(..start) else {
            continue;
        };
        let line_start = before.rfind(['\n', '\r']).map_or(0, |p| p + 1);
        if !before[line_start..].trim().is_empty() {
            close(run.take(), &mut out);
            continue;
        }
        let l = line(c.span.start);
        run = match run {
            Some((span, last, n)) if l == last + 1 => Some((span.to(c.span), l, n + 1)),
            other => {
                close(other, &mut out);
                Some((c.span, l, 1))
            }
        };
    }
    close(run, &mut out);
    out.sort_by_key(|f| (f.span.start, std::cmp::Reverse(f.span.end)));
    out
}
