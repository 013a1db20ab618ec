//! The lexical pre-pass: the checks that are clearer before the grammar runs.
//!
//! In one linear scan it finds unterminated strings, unknown escapes and
//! condition nesting beyond [`MAX_DEPTH`] (parentheses and chained `not`s,
//! the two recursive forms of the grammar), and records every comment (the
//! formatter puts them back). Running it first means the pest parser never
//! sees input that would recurse without bound, and that string mistakes are
//! reported in writ's words instead of as "expected string".

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The deepest nesting accepted in a condition, counting each `(` and each
/// `not` that applies at a point. Far beyond what people write, far below
/// what the recursive stages (parser, checker, formatter, the drop of the
/// syntax tree) could not handle, even on a 2 MiB thread stack.
pub const MAX_DEPTH: usize = 128;

/// A comment: its span covers `#` up to (not including) the line break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Where the comment is.
    pub span: Span,
}

/// Scans `text`, returning the comments and any lexical errors, in order.
///
/// Nesting is counted over the whole text and reported once, at the first
/// point past [`MAX_DEPTH`]; the scan goes on after it for the comments and
/// string errors of the rest of the file. The parser, which recovers item by
/// item, counts nesting again in each part it hands to pest
/// (`too_deep_in`).
pub fn prepass(file: FileId, text: &str) -> (Vec<Comment>, Vec<Diagnostic>) {
    let mut comments = Vec::new();
    let mut errors = Vec::new();
    scan(file, text, 0..text.len(), Some(&mut comments), &mut errors);
    (comments, errors)
}

/// The first point of `text[range]` where nesting, counted from zero at the
/// start of the range, passes [`MAX_DEPTH`]: the error to report there.
/// Strings and comments are skipped as [`prepass`] skips them; the range
/// must start outside a string.
pub(crate) fn too_deep_in(
    file: FileId,
    text: &str,
    range: std::ops::Range<usize>,
) -> Option<Diagnostic> {
    let mut errors = Vec::new();
    scan(file, text, range, None, &mut errors);
    errors.into_iter().find(|d| d.code == Code::TOO_DEEP)
}

/// The one scan behind [`prepass`] and [`too_deep_in`]: comments (when
/// asked for), string errors and the first nesting error, into `errors` in
/// the order of the text. Without `comments` it stops at the nesting error,
/// which is all [`too_deep_in`] wants.
fn scan(
    file: FileId,
    text: &str,
    range: std::ops::Range<usize>,
    mut comments: Option<&mut Vec<Comment>>,
    errors: &mut Vec<Diagnostic>,
) {
    let bytes = &text.as_bytes()[..range.end];
    // Nesting at a point = open parentheses + the `not`s in force: those
    // pending at each open parenthesis (`not (not (x`) plus the current run.
    let mut pending_nots: Vec<usize> = Vec::new();
    let mut nots_in_force = 0usize;
    let mut run = 0usize;
    // Once nesting has been reported, the rest is scanned for comments and
    // strings only: one error says it, and the parser counts again per item.
    let mut deep = false;
    let mut i = range.start;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                let end = memchr_newline(bytes, i);
                let end = trim_cr(bytes, i, end);
                if let Some(c) = comments.as_deref_mut() {
                    c.push(Comment {
                        span: Span::new(file, i, end),
                    });
                }
                i = end;
            }
            b'"' => i = scan_string(file, bytes, i, errors),
            b'(' | b')' => {
                if bytes[i] == b'(' {
                    pending_nots.push(run);
                    nots_in_force += run;
                } else if let Some(n) = pending_nots.pop() {
                    nots_in_force -= n;
                }
                run = 0;
                if !deep && bytes[i] == b'(' && pending_nots.len() + nots_in_force > MAX_DEPTH {
                    errors.push(too_deep(file, i, 1));
                    deep = true;
                    if comments.is_none() {
                        return;
                    }
                }
                i += 1;
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if &bytes[start..i] == b"not" {
                    run += 1;
                    if !deep && pending_nots.len() + nots_in_force + run > MAX_DEPTH {
                        errors.push(too_deep(file, start, 3));
                        deep = true;
                        if comments.is_none() {
                            return;
                        }
                    }
                } else {
                    run = 0;
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            _ => {
                run = 0;
                i += 1;
            }
        }
    }
}

fn too_deep(file: FileId, at: usize, len: usize) -> Diagnostic {
    Diagnostic::error(
        Code::TOO_DEEP,
        format!("the condition nests deeper than {MAX_DEPTH} levels"),
    )
    .at(Span::new(file, at, at + len), "nested too deep here")
    .note("each `(` and each `not` in force counts as one level")
    .help("flatten the condition, or split the rule")
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

fn trim_cr(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

/// Scans a string starting at the opening quote; returns the index after it.
fn scan_string(file: FileId, bytes: &[u8], open: usize, errors: &mut Vec<Diagnostic>) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return i + 1,
            b'\n' => break,
            b'\\' => {
                match bytes.get(i + 1) {
                    Some(b'"' | b'\\' | b'n' | b't') => {}
                    Some(b'\n') | None => break,
                    Some(_) => {
                        // Point at the whole escape, including a multi-byte
                        // character after the backslash.
                        let len = utf8_len(bytes[i + 1]);
                        errors.push(
                            Diagnostic::error(Code::BAD_ESCAPE, "unknown escape in string")
                                .at(Span::new(file, i, (i + 1 + len).min(bytes.len())), "not an escape")
                                .help(r#"the escapes are `\"`, `\\`, `\n` and `\t`; write `\\` for a backslash"#),
                        );
                    }
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    let end = trim_cr(bytes, open, i.min(bytes.len()));
    errors.push(
        Diagnostic::error(Code::UNTERMINATED_STRING, "unterminated string")
            .at(
                Span::new(file, open, end.max(open + 1)),
                "this string has no closing `\"`",
            )
            .help("close the string on the same line; write `\\n` for a line break inside it"),
    );
    i.min(bytes.len())
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Replaces the escapes of a string body that [`prepass`] accepted.
pub fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_and_string_errors() {
        let (comments, errors) =
            prepass(FileId(0), "# a\ntitle \"x # not a comment\" # b\r\n\"open");
        assert_eq!(comments.len(), 2);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, Code::UNTERMINATED_STRING);
    }

    #[test]
    fn bounds_depth() {
        for deep in [
            "(".repeat(100_000),
            "not ".repeat(100_000),
            "not (".repeat(70),
        ] {
            let (_, errors) = prepass(FileId(0), &deep);
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].code, Code::TOO_DEEP);
        }
        // Parentheses that close, and `not`s that are interrupted, do not add up.
        let flat = "(not a) and ".repeat(1000) + &"not a and ".repeat(1000);
        assert!(prepass(FileId(0), &flat).1.is_empty());
    }

    #[test]
    fn unescapes() {
        assert_eq!(unescape(r#"a\"b\\c\nd\te"#), "a\"b\\c\nd\te");
    }
}
