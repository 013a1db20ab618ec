//! Semantic tokens: every keyword, string, number, comment, operator and
//! name of one file, each name classified by what it resolves to.
//!
//! The text is scanned lexically, so a file that did not parse still gets
//! its keywords, strings and comments; names take their kind from the
//! [`Index`] (an unresolved name gets no token, and the editor's own
//! grammar colours it). `allow` is a keyword only where an item starts —
//! at the start of the file or after a token that can end an item — and
//! names the lints after it; everywhere else it is a name
//! (`decision access: { allow, deny }`).
//!
//! Tokens come in text order, never overlap, and never span a line break
//! (as the Language Server Protocol counts them: `\n`, `\r\n` or a lone
//! `\r`), so the server can encode them as they are.

use super::index::{Index, SymbolKind};
use crate::source::{FileId, Span};
use crate::syntax::KEYWORDS;
use crate::syntax::lex::Comment;

/// The kind of a token. Each is named after the Language Server
/// Protocol's standard token type it maps to ([`TokenKind::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A reserved word, and `allow` where it starts an item.
    Keyword,
    /// A string literal, quotes included.
    String,
    /// An integer literal.
    Number,
    /// A comment.
    Comment,
    /// `=`, `!=`, `<`, `<=`, `>`, `>=`, `..`.
    Operator,
    /// A type.
    Type,
    /// A decision (LSP `enum`).
    Enum,
    /// A value or an outcome (LSP `enumMember`).
    EnumMember,
    /// An attribute (LSP `property`).
    Property,
    /// A rule (LSP `function`).
    Function,
    /// A policy (LSP `namespace`).
    Namespace,
    /// A group (LSP `class`).
    Class,
    /// A lint named by `allow` (LSP `decorator`).
    Decorator,
}

impl TokenKind {
    /// Every kind, in legend order: a kind's position here is its index in
    /// [`LEGEND`].
    pub const ALL: [TokenKind; 13] = [
        TokenKind::Keyword,
        TokenKind::String,
        TokenKind::Number,
        TokenKind::Comment,
        TokenKind::Operator,
        TokenKind::Type,
        TokenKind::Enum,
        TokenKind::EnumMember,
        TokenKind::Property,
        TokenKind::Function,
        TokenKind::Namespace,
        TokenKind::Class,
        TokenKind::Decorator,
    ];

    /// The Language Server Protocol's name for this token type.
    pub fn name(self) -> &'static str {
        LEGEND[self.index()]
    }

    /// The kind's index in [`LEGEND`] (what the protocol encodes).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind of a name that resolves to a symbol of kind `kind`.
    pub fn of_symbol(kind: SymbolKind) -> TokenKind {
        match kind {
            SymbolKind::Type => TokenKind::Type,
            SymbolKind::Group => TokenKind::Class,
            SymbolKind::Attribute => TokenKind::Property,
            SymbolKind::Value | SymbolKind::Outcome => TokenKind::EnumMember,
            SymbolKind::Decision => TokenKind::Enum,
            SymbolKind::Rule => TokenKind::Function,
            SymbolKind::Policy => TokenKind::Namespace,
            SymbolKind::Test => TokenKind::String,
        }
    }
}

/// The token types' names in the protocol's terms, in [`TokenKind::ALL`]
/// order: the legend a server announces.
pub const LEGEND: [&str; 13] = [
    "keyword",
    "string",
    "number",
    "comment",
    "operator",
    "type",
    "enum",
    "enumMember",
    "property",
    "function",
    "namespace",
    "class",
    "decorator",
];

/// The token modifiers' names in the protocol's terms: bit `i` of
/// [`Modifiers`] is `MODIFIER_LEGEND[i]`.
pub const MODIFIER_LEGEND: [&str; 1] = ["declaration"];

/// A set of token modifiers, as the protocol's bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Modifiers(u32);

impl Modifiers {
    /// No modifier.
    pub const NONE: Modifiers = Modifiers(0);
    /// The name is declared here.
    pub const DECLARATION: Modifiers = Modifiers(1);

    /// The bit set as the protocol encodes it.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether every modifier of `other` is in `self`.
    pub fn contains(self, other: Modifiers) -> bool {
        self.0 & other.0 == other.0
    }
}

/// One semantic token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Its text, on one line.
    pub span: Span,
    /// What it is.
    pub kind: TokenKind,
    /// Its modifiers.
    pub modifiers: Modifiers,
}

/// The previous significant token, as far as `allow` cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// The start of the file, or a token that can end an item: a name, a
    /// string, a number, `}`, `)`, or one of the keywords an item can end
    /// with. An item may start next.
    ItemMayEnd,
    /// Anything else: a name or an operand comes next.
    Inside,
}

/// Where the scan is in an `allow` item's list of lints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lints {
    Off,
    /// After `allow` or a `,` of the list.
    ExpectName,
    /// After a lint's name.
    AfterName,
}

/// The keywords an item can end with (`resolve strict`, `default
/// undecided`, `attribute x: bool`, …).
const ENDING_KEYWORDS: [&str; 6] = ["strict", "first", "undecided", "bool", "true", "false"];

/// The semantic tokens of `file`, whose text is `text` and whose comments
/// (from [`crate::syntax::lex::prepass`] or the parser) are `comments`;
/// names are classified by `index`, with [`Modifiers::DECLARATION`] where
/// they are declared. In text order, non-overlapping, each on one line.
pub fn semantic_tokens(
    file: FileId,
    text: &str,
    index: &Index,
    comments: &[Comment],
) -> Vec<Token> {
    let bytes = text.as_bytes();
    let occurrences = index.occurrences_in(file);
    let mut next_occurrence = 0;
    let mut comments = comments.iter().filter(|c| c.span.file == file).peekable();
    let mut out = Vec::new();
    let mut prev = Prev::ItemMayEnd;
    let mut lints = Lints::Off;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if b == b'#' {
            let line_end = line_end(bytes, i);
            while comments.next_if(|c| (c.span.start as usize) < i).is_some() {}
            let end = match comments.peek() {
                Some(c)
                    if c.span.start as usize == i
                        && (c.span.end as usize) <= line_end
                        && c.span.end as usize > i
                        && text.is_char_boundary(c.span.end as usize) =>
                {
                    c.span.end as usize
                }
                _ => line_end,
            };
            push(
                &mut out,
                file,
                bytes,
                start,
                end,
                TokenKind::Comment,
                Modifiers::NONE,
            );
            // A comment changes nothing about what comes next.
            i = end;
            continue;
        }
        // A lint list goes on only through `,` and names.
        lints = match (lints, b) {
            (Lints::AfterName, b',') => Lints::ExpectName,
            (Lints::ExpectName, b'A'..=b'Z' | b'a'..=b'z' | b'_') => Lints::ExpectName,
            _ => Lints::Off,
        };
        match b {
            b'"' => {
                i = string_end(bytes, i);
                push(
                    &mut out,
                    file,
                    bytes,
                    start,
                    i,
                    TokenKind::String,
                    Modifiers::NONE,
                );
                prev = Prev::ItemMayEnd;
            }
            b'0'..=b'9' => {
                i = digits_end(bytes, i);
                push(
                    &mut out,
                    file,
                    bytes,
                    start,
                    i,
                    TokenKind::Number,
                    Modifiers::NONE,
                );
                prev = Prev::ItemMayEnd;
            }
            b'-' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = digits_end(bytes, i + 1);
                push(
                    &mut out,
                    file,
                    bytes,
                    start,
                    i,
                    TokenKind::Number,
                    Modifiers::NONE,
                );
                prev = Prev::ItemMayEnd;
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' if lints == Lints::ExpectName => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
                {
                    i += 1;
                }
                push(
                    &mut out,
                    file,
                    bytes,
                    start,
                    i,
                    TokenKind::Decorator,
                    Modifiers::NONE,
                );
                lints = Lints::AfterName;
                prev = Prev::ItemMayEnd;
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                if word == "allow" && prev == Prev::ItemMayEnd {
                    push(
                        &mut out,
                        file,
                        bytes,
                        start,
                        i,
                        TokenKind::Keyword,
                        Modifiers::NONE,
                    );
                    lints = Lints::ExpectName;
                    prev = Prev::Inside;
                } else if KEYWORDS.contains(&word) {
                    push(
                        &mut out,
                        file,
                        bytes,
                        start,
                        i,
                        TokenKind::Keyword,
                        Modifiers::NONE,
                    );
                    prev = if ENDING_KEYWORDS.contains(&word) {
                        Prev::ItemMayEnd
                    } else {
                        Prev::Inside
                    };
                } else {
                    while occurrences
                        .get(next_occurrence)
                        .is_some_and(|o| (o.span.start as usize) < start)
                    {
                        next_occurrence += 1;
                    }
                    if let Some(o) = occurrences.get(next_occurrence)
                        && o.span.start as usize == start
                        && o.span.end as usize == i
                    {
                        let kind = TokenKind::of_symbol(index.symbol(o.symbol).kind);
                        let modifiers = if o.is_def {
                            Modifiers::DECLARATION
                        } else {
                            Modifiers::NONE
                        };
                        push(&mut out, file, bytes, start, i, kind, modifiers);
                    }
                    prev = Prev::ItemMayEnd;
                }
            }
            b'!' | b'<' | b'>' | b'=' | b'.' => {
                let two = bytes.get(i + 1).copied();
                let len = match (b, two) {
                    (b'!' | b'<' | b'>', Some(b'=')) | (b'.', Some(b'.')) => 2,
                    (b'<' | b'>' | b'=', _) => 1,
                    // `!` alone is an error; `.` alone joins `BASE.RULE`.
                    _ => 0,
                };
                if len > 0 {
                    push(
                        &mut out,
                        file,
                        bytes,
                        start,
                        i + len,
                        TokenKind::Operator,
                        Modifiers::NONE,
                    );
                }
                i += len.max(1);
                prev = Prev::Inside;
            }
            b'}' | b')' => {
                i += 1;
                prev = Prev::ItemMayEnd;
            }
            _ => {
                // Punctuation, or a character outside the grammar: step over
                // it whole, so no token starts inside a character.
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                prev = Prev::Inside;
            }
        }
    }
    out
}

/// Pushes the token `start..end`, split at line breaks (a lone `\r` is one
/// for the protocol, and may sit inside a comment or a string).
fn push(
    out: &mut Vec<Token>,
    file: FileId,
    bytes: &[u8],
    start: usize,
    end: usize,
    kind: TokenKind,
    modifiers: Modifiers,
) {
    let mut from = start;
    let breaks = bytes[start..end]
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n' || b == b'\r')
        .map(|(k, _)| start + k);
    for i in breaks.chain(std::iter::once(end)) {
        if i > from {
            out.push(Token {
                span: Span::new(file, from, i),
                kind,
                modifiers,
            });
        }
        from = i + 1;
    }
}

/// Where the line that holds `i` ends, before its `\n` (and a `\r` before it).
fn line_end(bytes: &[u8], i: usize) -> usize {
    let mut end = bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| i + p);
    while end > i && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

/// Where the string opening at `open` ends: after its closing quote, or, for
/// an unterminated string, at the end of the line.
fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return i + 1,
            b'\n' => break,
            // An escape; a backslash before a line break ends the line.
            b'\\' if bytes.get(i + 1).is_some_and(|&b| b != b'\n') => i += 2,
            _ => i += 1,
        }
    }
    let mut end = i.min(bytes.len());
    while end > open + 1 && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

fn digits_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    i
}
