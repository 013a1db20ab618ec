//! The canonical layout of writ source files (`writ fmt`).
//!
//! In: one file's text. Out: the same file in the canonical layout, or the
//! parse diagnostics when the file has any syntax error (the caller then
//! leaves the file untouched: the tree of a file with errors lacks its
//! broken items, so printing it would drop text).
//!
//! Guarantees:
//!
//! * **Nothing is lost.** Every comment comes back, byte for byte (trailing
//!   whitespace trimmed), in the same order relative to the code.
//! * **Meaning is kept.** Re-parsing the output gives the same syntax tree up
//!   to spans: integers print as their value, strings are re-escaped, the
//!   user's parentheses are kept and none are added.
//! * **Idempotent.** Formatting the output again changes nothing. Every
//!   layout decision depends only on the syntax tree and on *which token
//!   gaps* hold comments, never on comment widths or on the original
//!   whitespace (apart from blank lines between items), and the output puts
//!   each comment back into the same gap.
//!
//! # The layout
//!
//! * 4-space indentation, `\n` line endings, one trailing newline, no
//!   trailing whitespace; lines aim at 100 columns (counted in characters,
//!   indentation included, end-of-line comments excluded).
//! * One item per line. Where the source had one or more blank lines between
//!   two items (or between an item and a comment), exactly one is kept;
//!   otherwise none. No blank lines open the file.
//! * Tokens are spaced canonically: `type Place = { US, Ireland }`,
//!   `attribute n: int 0..36500 "doc"`, `resolve priority a > b`,
//!   `allow dead-rule, unused`, `a not in { x, y }`, `(a or b)`.
//! * An item is printed in the first of its layouts whose lines overflow
//!   100 columns least (ties go to the more compact layout):
//!   - a declaration with a value list: on one line, or with the list broken
//!     one value per line (indented 4, trailing comma, `}` on its own line
//!     followed by the rest of the item, such as a doc string);
//!   - a rule: on one line; or one clause per line (`rule NAME:` head, then
//!     `when`, `then`, `regardless`, `because` indented 4; an unnamed rule
//!     starts with `when` at column 0); or additionally with the condition
//!     broken before each top-level `or` (or, failing that, each top-level
//!     `and`), continuation lines indented 4 more than `when`;
//!   - a test: the same, with `test "NAME":`, `given` and `expect`.
//!
//!   Nothing ever breaks inside parentheses, inside a set in a condition, or
//!   inside the name lists of `overrides`, `regardless`, `resolve`,
//!   `repeal` and `allow`; `extends "PATH"` and `repeal A.r, A.s` are one
//!   line each, and a rule reference `BASE.NAME` is one token.
//!
//! # Comments
//!
//! The syntax tree has no comments; the parser hands them over with their
//! spans. Between items, a comment on its own line stays on its own line
//! (at column 0) and a comment after an item's last token stays at the end of
//! that item's last line, two spaces after the code. A comment *inside* an
//! item lies in a gap between two of the item's tokens; it keeps its place
//! when the chosen layout has a line break in that gap: an end-of-line
//! comment goes to the end of the line before the break, a comment on its own
//! line goes on its own line after it, indented like the line that follows.
//! Such comments make the formatter pick a layout that has the break (a rule
//! with a comment before `then` is printed one clause per line). A comment in
//! a gap that no layout breaks (inside parentheses, say) moves onto its own
//! line just before the item, and so do the item's comments before it, so
//! that comments never change order.

use crate::diag::Diagnostic;
use crate::source::FileId;
use crate::syntax::ast::{
    Cond, CondKind, Expect, Ident, Item, ItemKind, Operand, Resolve, Rule, RuleRef, SetExpr,
    SetItem, Str, Test, TypeExpr,
};
use crate::syntax::lex::Comment;

/// The column count lines aim to stay within.
const MAX_WIDTH: usize = 100;
/// One level of indentation.
const INDENT: usize = 4;

/// Formats one file's text in the canonical layout (see the module
/// documentation for the layout and its guarantees).
///
/// Returns `Err` with the parser's diagnostics when the file does not parse;
/// the caller should then leave the file untouched.
pub fn format_text(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = crate::syntax::parse(file, text);
    match parsed.file {
        // A tree with broken items lacks their text: printing it would drop
        // it. (Every broken item has its error, so the first test alone
        // would do; the second says why.)
        Some(tree) if parsed.diagnostics.is_empty() && tree.broken.is_empty() => {
            let mut printer = FilePrinter {
                text,
                out: Vec::new(),
                last_is_item: false,
            };
            printer.file(&tree.items, &parsed.comments);
            Ok(printer.finish())
        }
        _ => Err(parsed.diagnostics),
    }
}

// ---------------------------------------------------------------------------
// Lines and layouts

/// One output token. Commas are part of the token they follow (`US,`), so
/// output tokens correspond one to one to the source's tokens minus commas.
struct Tok {
    text: String,
    /// Printed without a space before it (`:`, `..`, after `(`, `)`).
    glue: bool,
}

/// One output line of an item.
struct Line {
    indent: usize,
    /// The indentation of a comment placed on its own line before this one.
    /// Usually `indent`; a closing `}` lets comments line up with the values.
    comment_indent: usize,
    toks: Vec<Tok>,
}

impl Line {
    fn render(&self) -> String {
        let mut s = " ".repeat(self.indent);
        for (i, tok) in self.toks.iter().enumerate() {
            if i > 0 && !tok.glue {
                s.push(' ');
            }
            s.push_str(&tok.text);
        }
        s
    }

    fn width(&self) -> usize {
        self.render().chars().count()
    }
}

/// One way of laying out an item: its tokens split into lines.
struct Layout {
    lines: Vec<Line>,
    /// The next token is glued to the previous one (after `(`).
    glue_next: bool,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            lines: vec![Line {
                indent: 0,
                comment_indent: 0,
                toks: Vec::new(),
            }],
            glue_next: false,
        }
    }

    /// Starts a new line at `indent`.
    fn newline(&mut self, indent: usize) {
        self.newline_with(indent, indent);
    }

    fn newline_with(&mut self, indent: usize, comment_indent: usize) {
        self.lines.push(Line {
            indent,
            comment_indent,
            toks: Vec::new(),
        });
    }

    /// Adds a token after a space (or glued, right after `(`).
    fn word(&mut self, text: impl Into<String>) {
        let glue = std::mem::take(&mut self.glue_next);
        self.push(text.into(), glue);
    }

    /// Adds a token with no space before it.
    fn glued(&mut self, text: impl Into<String>) {
        self.glue_next = false;
        self.push(text.into(), true);
    }

    fn push(&mut self, text: String, glue: bool) {
        let line = self.lines.last_mut().expect("a layout has a line");
        line.toks.push(Tok { text, glue });
    }

    /// `a, b, c`: names separated by commas, on the current line.
    fn names<'a>(&mut self, names: impl IntoIterator<Item = &'a Ident>) {
        let names: Vec<&Ident> = names.into_iter().collect();
        for (i, n) in names.iter().enumerate() {
            if i + 1 < names.len() {
                self.word(format!("{},", n.name));
            } else {
                self.word(n.name.clone());
            }
        }
    }

    /// `a, B.b, c`: rule references separated by commas, on the current line
    /// (a reference `BASE.NAME` is one token).
    fn refs(&mut self, refs: &[RuleRef]) {
        for (i, r) in refs.iter().enumerate() {
            if i + 1 < refs.len() {
                self.word(format!("{},", r.text()));
            } else {
                self.word(r.text());
            }
        }
    }

    /// `{ a, b }`, or broken one value per line when `broken`; `indent` is
    /// the indentation of the line the list starts on.
    fn values(&mut self, values: &[Ident], broken: bool, indent: usize) {
        self.word("{");
        if broken {
            for v in values {
                self.newline(indent + INDENT);
                self.word(format!("{},", v.name));
            }
            self.newline_with(indent, indent + INDENT);
        } else {
            self.names(values);
        }
        self.word("}");
    }

    fn token_count(&self) -> usize {
        self.lines.iter().map(|l| l.toks.len()).sum()
    }

    /// For each line, the index (in the item's token sequence) of its first
    /// token. A comment in gap `g` (after `g` tokens) keeps its place when
    /// some line after the first starts at `g`.
    fn line_starts(&self) -> Vec<usize> {
        let mut starts = Vec::with_capacity(self.lines.len());
        let mut n = 0;
        for line in &self.lines {
            starts.push(n);
            n += line.toks.len();
        }
        starts
    }

    /// How far the lines reach past the width limit, in total.
    fn overflow(&self) -> usize {
        self.lines
            .iter()
            .map(|l| l.width().saturating_sub(MAX_WIDTH))
            .sum()
    }
}

// ---------------------------------------------------------------------------
// Items

/// How much of a rule or test is broken over lines, from least to most.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// All on one line.
    Flat,
    /// One clause per line.
    Clauses,
    /// One clause per line and the condition broken at its top-level operator.
    Cond,
}

/// Every layout the item may take, from the most compact to the most broken.
/// Each breaks the same token sequence at a superset of the previous one's
/// places, so the last one keeps the most comments in place.
fn layouts(kind: &ItemKind) -> Vec<Layout> {
    match kind {
        ItemKind::Rule(r) => levels(Some(&r.cond))
            .into_iter()
            .map(|lv| rule_layout(r, lv))
            .collect(),
        ItemKind::Test(t) => levels(t.given.as_ref())
            .into_iter()
            .map(|lv| test_layout(t, lv))
            .collect(),
        ItemKind::Attribute { doc: Some(_), .. } | ItemKind::Decision { doc: Some(_), .. } => {
            let mut v = vec![
                decl_layout(kind, false, false),
                decl_layout(kind, false, true),
            ];
            if has_value_list(kind) {
                v.push(decl_layout(kind, true, false));
            }
            v
        }
        _ if has_value_list(kind) => {
            vec![
                decl_layout(kind, false, false),
                decl_layout(kind, true, false),
            ]
        }
        _ => vec![decl_layout(kind, false, false)],
    }
}

fn has_value_list(kind: &ItemKind) -> bool {
    matches!(
        kind,
        ItemKind::Type { .. }
            | ItemKind::Group { .. }
            | ItemKind::Decision { .. }
            | ItemKind::Attribute {
                ty: TypeExpr::Enum(_),
                ..
            }
    )
}

fn levels(cond: Option<&Cond>) -> Vec<Level> {
    let mut levels = vec![Level::Flat, Level::Clauses];
    if cond.is_some_and(|c| matches!(c.kind, CondKind::Or(_) | CondKind::And(_))) {
        levels.push(Level::Cond);
    }
    levels
}

/// A declaration or header item; `broken` breaks its value list, if any;
/// `doc_below` puts the doc string on a line of its own, indented 4 (a long
/// doc string should not force the value list apart).
fn decl_layout(kind: &ItemKind, broken: bool, doc_below: bool) -> Layout {
    let mut l = Layout::new();
    match kind {
        ItemKind::Use(s) => {
            l.word("use");
            l.word(quote(s));
        }
        ItemKind::Type { name, values } => {
            l.word("type");
            l.word(name.name.clone());
            l.word("=");
            l.values(values, broken, 0);
        }
        ItemKind::Group {
            name,
            ty,
            except,
            values,
        } => {
            l.word("group");
            l.word(name.name.clone());
            l.glued(":");
            l.word(ty.name.clone());
            l.word("=");
            if *except {
                l.word("all");
                l.word("except");
            }
            l.values(values, broken, 0);
        }
        ItemKind::Attribute { name, ty, doc } => {
            l.word("attribute");
            l.word(name.name.clone());
            l.glued(":");
            match ty {
                TypeExpr::Enum(values) => l.values(values, broken, 0),
                TypeExpr::Named(n) => l.word(n.name.clone()),
                TypeExpr::Bool(_) => l.word("bool"),
                TypeExpr::Int { lo, hi } => {
                    l.word("int");
                    l.word(lo.value.to_string());
                    l.glued("..");
                    l.glued(hi.value.to_string());
                }
            }
            if let Some(doc) = doc {
                if doc_below {
                    l.newline(INDENT);
                }
                l.word(quote(doc));
            }
        }
        ItemKind::Decision { name, values, doc } => {
            l.word("decision");
            l.word(name.name.clone());
            l.glued(":");
            l.values(values, broken, 0);
            if let Some(doc) = doc {
                if doc_below {
                    l.newline(INDENT);
                }
                l.word(quote(doc));
            }
        }
        ItemKind::Policy(name) => {
            l.word("policy");
            l.word(name.name.clone());
        }
        ItemKind::Extends(s) => {
            l.word("extends");
            l.word(quote(s));
        }
        ItemKind::Repeal(refs) => {
            l.word("repeal");
            l.refs(refs);
        }
        ItemKind::Title(s) => {
            l.word("title");
            l.word(quote(s));
        }
        ItemKind::Source(s) => {
            l.word("source");
            l.word(quote(s));
        }
        ItemKind::Date(s) => {
            l.word("date");
            l.word(quote(s));
        }
        ItemKind::Resolve(r) => {
            l.word("resolve");
            match r {
                Resolve::Strict => l.word("strict"),
                Resolve::First => l.word("first"),
                Resolve::Priority(outcomes) => {
                    l.word("priority");
                    for (i, o) in outcomes.iter().enumerate() {
                        if i > 0 {
                            l.word(">");
                        }
                        l.word(o.name.clone());
                    }
                }
            }
        }
        ItemKind::Default(outcome) => {
            l.word("default");
            match outcome {
                Some(o) => l.word(o.name.clone()),
                None => l.word("undecided"),
            }
        }
        ItemKind::Allow(names) => {
            l.word("allow");
            l.names(names);
        }
        // Not reached through `layouts`, but total all the same.
        ItemKind::Rule(r) => return rule_layout(r, Level::Flat),
        ItemKind::Test(t) => return test_layout(t, Level::Flat),
    }
    l
}

fn rule_layout(r: &Rule, level: Level) -> Layout {
    let mut l = Layout::new();
    let split = level >= Level::Clauses;
    // Clauses after the first line sit one level in.
    let mut when_indent = 0;
    if let Some(name) = &r.name {
        l.word("rule");
        l.word(name.name.clone());
        if !r.overrides.is_empty() {
            l.word("overrides");
            l.refs(&r.overrides);
        }
        l.glued(":");
        if split {
            when_indent = INDENT;
            l.newline(when_indent);
        }
    }
    l.word("when");
    cond_clause(&mut l, &r.cond, level, when_indent);
    if split {
        l.newline(INDENT);
    }
    l.word("then");
    l.word(r.outcome.name.clone());
    if !r.regardless.is_empty() {
        if split {
            l.newline(INDENT);
        }
        l.word("regardless");
        l.names(&r.regardless);
    }
    if let Some(because) = &r.because {
        if split {
            l.newline(INDENT);
        }
        l.word("because");
        l.word(quote(because));
    }
    l
}

fn test_layout(t: &Test, level: Level) -> Layout {
    let mut l = Layout::new();
    let split = level >= Level::Clauses;
    l.word("test");
    l.word(quote(&t.name));
    l.glued(":");
    if let Some(given) = &t.given {
        if split {
            l.newline(INDENT);
        }
        l.word("given");
        cond_clause(&mut l, given, level, INDENT);
    }
    if split {
        l.newline(INDENT);
    }
    l.word("expect");
    match &t.expect {
        Expect::Undecided(_) => l.word("undecided"),
        Expect::Outcome { outcome, by } => {
            l.word(outcome.name.clone());
            if let Some(rule) = by {
                l.word("by");
                l.word(rule.text());
            }
        }
    }
    l
}

/// The condition of a `when` or `given` that starts a line at
/// `clause_indent`; at [`Level::Cond`] it is broken before each top-level
/// operator, continuation lines one level further in.
fn cond_clause(l: &mut Layout, c: &Cond, level: Level, clause_indent: usize) {
    let (op, parts) = match &c.kind {
        CondKind::Or(parts) => ("or", parts),
        CondKind::And(parts) => ("and", parts),
        _ => return cond(l, c),
    };
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            if level == Level::Cond {
                l.newline(clause_indent + INDENT);
            }
            l.word(op);
        }
        cond(l, part);
    }
}

/// A condition on the current line, exactly as the tree says: the tree keeps
/// the user's parentheses and the grammar's precedence did the rest, so none
/// are added.
fn cond(l: &mut Layout, c: &Cond) {
    match &c.kind {
        CondKind::Bool(b) => l.word(b.to_string()),
        CondKind::Or(parts) | CondKind::And(parts) => {
            let op = if matches!(c.kind, CondKind::Or(_)) {
                "or"
            } else {
                "and"
            };
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    l.word(op);
                }
                cond(l, part);
            }
        }
        CondKind::Not(_) => {
            // Iterative: `not` may repeat without bound, unlike parentheses.
            let mut c = c;
            while let CondKind::Not(inner) = &c.kind {
                l.word("not");
                c = inner;
            }
            cond(l, c);
        }
        CondKind::Paren(inner) => {
            l.word("(");
            l.glue_next = true;
            cond(l, inner);
            l.glued(")");
        }
        CondKind::Compare {
            attr,
            negated,
            value,
        } => {
            l.word(attr.name.clone());
            l.word(if *negated { "!=" } else { "=" });
            l.word(match value {
                Operand::Ident(i) => i.name.clone(),
                Operand::Int(i) => i.value.to_string(),
                Operand::Bool(b, _) => b.to_string(),
            });
        }
        CondKind::Order { attr, op, value } => {
            l.word(attr.name.clone());
            l.word(op.as_str());
            l.word(value.value.to_string());
        }
        CondKind::In { attr, negated, set } => {
            l.word(attr.name.clone());
            if *negated {
                l.word("not");
            }
            l.word("in");
            match set {
                SetExpr::Group(g) => l.word(g.name.clone()),
                SetExpr::Literal { items, .. } => {
                    l.word("{");
                    for (i, item) in items.iter().enumerate() {
                        let mut text = match item {
                            SetItem::Ident(v) => v.name.clone(),
                            SetItem::Int(v) => v.value.to_string(),
                        };
                        if i + 1 < items.len() {
                            text.push(',');
                        }
                        l.word(text);
                    }
                    l.word("}");
                }
            }
        }
        CondKind::Bare(name) => l.word(name.name.clone()),
    }
}

/// A string literal with its quotes, escaped so that it reads back as
/// `s.value`.
fn quote(s: &Str) -> String {
    let mut out = String::with_capacity(s.value.len() + 2);
    out.push('"');
    for c in s.value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// Source tokens

/// The byte ranges of the tokens in `text[start..end]`, of a file that
/// parsed, counted the way [`Layout`] counts them: commas and comments are
/// skipped, everything else (keywords, names, strings, integers,
/// punctuation) is one token each. Comment `c` then lies in gap `g` of an
/// item when `g` of the item's tokens start before it.
fn source_tokens(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = start;
    while i < end {
        let b = bytes[i];
        let from = i;
        match b {
            b',' | b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < end && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < end && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                i += 1;
                while i < end && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            // Names; `-` is included for lint names (`dead-rule`), the only
            // place a name can be directly followed by `-`, and a `.` before
            // a name for rule references (`sca_2703.warrant`), one token.
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                while i < end
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'-'
                        || (bytes[i] == b'.'
                            && i + 1 < end
                            && (bytes[i + 1].is_ascii_alphabetic() || bytes[i + 1] == b'_')))
                {
                    i += 1;
                }
            }
            b'.' => i += 2,
            b'!' | b'<' | b'>' => {
                i += 1;
                if i < end && bytes[i] == b'=' {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        tokens.push((from, i.min(end)));
    }
    tokens
}

// ---------------------------------------------------------------------------
// The file

/// Writes the output lines of one file.
struct FilePrinter<'t> {
    text: &'t str,
    /// The output, one entry per line, without line breaks.
    out: Vec<String>,
    /// Whether the last line written ends an item (so an end-of-line comment
    /// in the source after that item can join it).
    last_is_item: bool,
}

impl<'t> FilePrinter<'t> {
    fn file(&mut self, items: &[Item], comments: &[Comment]) {
        let mut comments = comments.iter().peekable();
        // The end of the previous item or own-line comment, for blank lines.
        let mut prev_end: Option<usize> = None;
        for item in items {
            let start = item.span.start as usize;
            // The parser's item span may run on over whitespace and comments
            // after the last token; the item really ends with its last token.
            let tokens = source_tokens(self.text, start, item.span.end as usize);
            let end = tokens.last().map_or(item.span.end as usize, |t| t.1);
            while let Some(c) = comments.next_if(|c| (c.span.start as usize) < start) {
                self.between_items(c, &mut prev_end);
            }
            self.blank_line(prev_end, start);
            let mut inner = Vec::new();
            while let Some(c) = comments.next_if(|c| (c.span.start as usize) < end) {
                inner.push(*c);
            }
            self.item(item, &tokens, &inner);
            prev_end = Some(end);
        }
        for c in comments {
            self.between_items(c, &mut prev_end);
        }
    }

    fn finish(self) -> String {
        let mut s = self.out.join("\n");
        if !s.is_empty() {
            s.push('\n');
        }
        s
    }

    /// A comment outside every item: at the end of the previous item's last
    /// line when it was on that item's line, else on its own line.
    fn between_items(&mut self, c: &Comment, prev_end: &mut Option<usize>) {
        if self.last_is_item && self.is_end_of_line(c) {
            let comment = self.comment_text(c);
            let line = self.out.last_mut().expect("an item was written");
            line.push_str("  ");
            line.push_str(comment);
            return;
        }
        self.blank_line(*prev_end, c.span.start as usize);
        self.own_line_comment(0, c);
        *prev_end = Some(c.span.end as usize);
    }

    /// One blank line where the source had at least one between two entries.
    fn blank_line(&mut self, prev_end: Option<usize>, next_start: usize) {
        if let Some(prev) = prev_end
            && self.text[prev..next_start].matches('\n').count() >= 2
        {
            self.out.push(String::new());
            self.last_is_item = false;
        }
    }

    fn own_line_comment(&mut self, indent: usize, c: &Comment) {
        let line = format!("{}{}", " ".repeat(indent), self.comment_text(c));
        self.out.push(line);
        self.last_is_item = false;
    }

    fn comment_text(&self, c: &Comment) -> &'t str {
        self.text[c.span.range()].trim_end()
    }

    /// Whether code precedes the comment on its source line.
    fn is_end_of_line(&self, c: &Comment) -> bool {
        let before = &self.text[..c.span.start as usize];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        !before[line_start..].trim().is_empty()
    }

    /// Writes one item, with the comments inside it (`inner`); `tokens` are
    /// its source tokens.
    fn item(&mut self, item: &Item, tokens: &[(usize, usize)], inner: &[Comment]) {
        let layouts = layouts(&item.kind);
        // The gap of each inner comment: how many of the item's tokens come
        // before it.
        let gaps: Vec<usize> = inner
            .iter()
            .map(|c| tokens.partition_point(|t| t.0 < c.span.start as usize))
            .collect();
        // The comments that move before the item: those in a gap that even
        // the most broken layout does not break, and every comment before
        // them, so that comments stay in order. Gaps only mean something if
        // the layouts print exactly the source's tokens; should that ever
        // fail, every inner comment moves, which loses nothing.
        let counts_match = layouts.iter().all(|l| l.token_count() == tokens.len());
        let most_broken = layouts.last().expect("an item has a layout").line_starts();
        let moved = if counts_match {
            gaps.iter()
                .rposition(|&g| !breaks_at(&most_broken, g))
                .map_or(0, |last| last + 1)
        } else {
            inner.len()
        };
        let (kept, kept_gaps) = (&inner[moved..], &gaps[moved..]);
        // The most compact of the least overflowing layouts that break every
        // gap holding a kept comment (the most broken one always does).
        let chosen = layouts
            .iter()
            .filter(|l| {
                let starts = l.line_starts();
                kept_gaps.iter().all(|&g| breaks_at(&starts, g))
            })
            .min_by_key(|l| l.overflow())
            .expect("the most broken layout breaks every kept gap");

        for c in &inner[..moved] {
            self.own_line_comment(0, c);
        }
        // Only the first comment of a gap can end a line: two comments share
        // a gap when a comma stood between them (`a  # x` then `, # y`), and
        // the second goes on its own line.
        let ends_line = |k: usize| {
            (k == 0 || kept_gaps[k - 1] != kept_gaps[k]) && self.is_end_of_line(&kept[k])
        };
        let ends_line: Vec<bool> = (0..kept.len()).map(ends_line).collect();
        let starts = chosen.line_starts();
        // Kept comments and line starts both ascend; `k` walks the comments.
        let mut k = 0;
        for (i, line) in chosen.lines.iter().enumerate() {
            if i > 0 {
                while k < kept.len() && kept_gaps[k] == starts[i] {
                    if !ends_line[k] {
                        self.own_line_comment(line.comment_indent, &kept[k]);
                    }
                    k += 1;
                }
            }
            let mut text = line.render();
            if let Some(&next) = starts.get(i + 1)
                && k < kept.len()
                && kept_gaps[k] == next
                && ends_line[k]
            {
                text.push_str("  ");
                text.push_str(self.comment_text(&kept[k]));
            }
            self.out.push(text);
        }
        self.last_is_item = true;
    }
}

/// Whether a layout with these line starts breaks the line at `gap`.
fn breaks_at(line_starts: &[usize], gap: usize) -> bool {
    line_starts[1..].binary_search(&gap).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    /// The layouts print exactly the source's tokens (minus commas), which
    /// the placement of comments inside items relies on.
    #[test]
    fn layouts_match_source_tokens() {
        let text = r#"
use "a.vocab"
type Place = { US, Ireland, }
group abroad: Place = all except {US}
attribute n: int -5..36500 "doc \"x\""
attribute b: bool
attribute p: Place
attribute e: {a,b} "d"
decision outcome: { compel, quash }
policy p
title "t" source "s" date "2014-01-01"
resolve priority compel>quash
resolve strict resolve first
default undecided default compel
allow dead-rule, W0001
rule r overrides a, b: when (a = b or not c) and n <= -5 and e not in {a, 3,} and p in abroad
  then compel regardless x, y because "why"
when true or false or x != 3 then quash
test "t": given n>=1 and b = true expect compel by r
test "u": expect undecided
"#;
        let parsed = parse(FileId(0), text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        for item in parsed.file.expect("parses").items {
            let tokens = source_tokens(text, item.span.start as usize, item.span.end as usize);
            for layout in layouts(&item.kind) {
                assert_eq!(
                    layout.token_count(),
                    tokens.len(),
                    "{}",
                    &text[item.span.range()]
                );
            }
        }
    }
}
