//! The only module that touches pest: it runs the generated parser and turns
//! its parse tree into the crate's own syntax tree, and its errors into
//! diagnostics in writ's words.
//!
//! # Recovery
//!
//! A file that parses (the common case) is parsed in one call to pest. A
//! file with an error is parsed again in parts so that every error is
//! found, not only the first. Every item starts with a keyword, and an item
//! keyword at the start of a line starts an item (see [`sync_points`] for
//! the two exceptions), so those points cut the file into *chunks* that an
//! item never crosses. Runs of chunks are handed to pest in pieces of whole
//! chunks ([`MIN_WINDOW`]); where a piece fails, the items before the
//! failing chunk are kept (that prefix parsed again), the error is
//! reported, the chunk's items up to the failing one are kept, the rest of
//! the chunk is recorded as a [`BrokenItem`], and parsing resumes at the
//! next chunk. A chunk that holds a lexical error (an unterminated string,
//! a bad escape) or nests past [`lex::MAX_DEPTH`] is never handed to pest
//! whole: its error is reported once, by the lexer, only its lines before
//! that one are parsed, and the rest is broken. Each piece is parsed at
//! most twice, and an error costs no more than its piece, so recovery
//! stays linear in the file.

use super::ast::*;
use super::lex::{self, Comment};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::{FileId, Span};
use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::{Pair, Pairs};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/writ.pest"]
struct WritParser;

/// What parsing one file produced: the tree of the items that parsed, its
/// comments, and the problems found.
pub struct Parsed {
    /// The syntax tree: always `Some`. The items that did not parse are
    /// left out of its `items` and listed in its `broken`, each with its
    /// error among the diagnostics.
    pub file: Option<SourceFile>,
    /// Every comment in the file, in order.
    pub comments: Vec<Comment>,
    /// Every syntax error, lexical error and integer literal that
    /// overflows, in the order of the text.
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether `code` is one that parsing reports ([`Parsed::diagnostics`]):
/// a file whose only errors are these is still checked, item by item.
pub fn is_parse_error(code: Code) -> bool {
    [
        Code::SYNTAX,
        Code::UNTERMINATED_STRING,
        Code::BAD_ESCAPE,
        Code::TOO_DEEP,
        Code::INT_OVERFLOW,
    ]
    .contains(&code)
}

/// Parses one file's text, reporting every error in it.
pub fn parse(file: FileId, text: &str) -> Parsed {
    let (comments, lexical) = lex::prepass(file, text);
    let mut cx = Convert {
        file,
        text,
        offset: 0,
        comments: &comments,
        diagnostics: Vec::new(),
        items: Vec::new(),
        broken: Vec::new(),
    };
    let parsed = if lexical.is_empty() {
        WritParser::parse(Rule::file, text).ok()
    } else {
        None
    };
    match parsed {
        Some(pairs) => cx.items_of(pairs, 0),
        None => cx.recover(lexical, MAX_WINDOW),
    }
    let (tree, diagnostics) = cx.finish();
    Parsed {
        file: Some(tree),
        comments,
        diagnostics,
    }
}

/// Parses `text` in chunks as a file with errors is parsed, whether it has
/// any or not, in windows of at most `max_window` bytes (0: one chunk at a
/// time). For tests: on a file without errors this must give what
/// [`parse`] gives, and on any file what [`parse`] gives whatever the
/// window.
#[cfg(test)]
fn parse_recovering(file: FileId, text: &str, max_window: usize) -> Parsed {
    let (comments, lexical) = lex::prepass(file, text);
    let mut cx = Convert {
        file,
        text,
        offset: 0,
        comments: &comments,
        diagnostics: Vec::new(),
        items: Vec::new(),
        broken: Vec::new(),
    };
    cx.recover(lexical, max_window);
    let (tree, diagnostics) = cx.finish();
    Parsed {
        file: Some(tree),
        comments,
        diagnostics,
    }
}

/// The smallest and largest piece of a file with errors handed to pest at
/// once, in bytes (whole chunks, at least one). Pest's error for a piece
/// costs time in proportion to the piece (it looks for the line of the
/// error from the piece's end), so a piece starts small after an error and
/// doubles while it parses: each error costs at most twice what parsed
/// since the one before, plus the smallest piece.
const MIN_WINDOW: usize = 4 << 10;
const MAX_WINDOW: usize = 1 << 20;

/// The words that start an item (SPEC section 2), `allow` among them.
pub const ITEM_KEYWORDS: &[&str] = &[
    "use",
    "type",
    "group",
    "attribute",
    "decision",
    "policy",
    "title",
    "source",
    "date",
    "resolve",
    "default",
    "extends",
    "repeal",
    "allow",
    "rule",
    "when",
    "test",
];

/// The item keywords that are followed by the name the item declares.
const DECLARING: &[&str] = &["type", "group", "attribute", "decision", "policy", "rule"];

/// Where an item may start after an error: every item keyword that is the
/// first word of a line, outside strings and comments. Two exceptions keep
/// an item whole. The `when` of a rule that starts a line continues the
/// rule: the first `when` after that `rule` while its head is unfinished
/// (`rule r overrides x` and `when` on the next line), or right after the
/// head's `:`; once a `:` is followed by anything else, the rule's `when`
/// is missing and the next `when` starts an item of its own. And `allow`
/// starts an item only when a lint name that is no keyword follows it,
/// since elsewhere `allow` is an ordinary name (`decision access: {\n
/// allow,`).
///
/// No other item keyword can stand inside an item (they are reserved), so
/// pest never parses across one of these points: each chunk between two of
/// them is parsed, and nests, on its own.
fn sync_points(text: &str) -> Vec<usize> {
    /// Where the rule that last started a line is.
    #[derive(PartialEq)]
    enum Head {
        /// No rule waits for its `when`.
        Done,
        /// In the head, before its `:`.
        Open,
        /// Just after the head's `:`: the next token is `when`, or the
        /// rule has none.
        Colon,
    }
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    let mut head = Head::Done;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n)
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                i = word_end(b, i);
                let w = &text[start..i];
                let rules_when = w == "when" && head != Head::Done;
                if line_start
                    && ITEM_KEYWORDS.contains(&w)
                    && (w != "allow" || allow_starts_item(b, i))
                    && !rules_when
                {
                    out.push(start);
                    head = if w == "rule" { Head::Open } else { Head::Done };
                } else if rules_when || head == Head::Colon {
                    head = Head::Done;
                }
                line_start = false;
            }
            c => {
                i = if c == b'"' { string_end(b, i) } else { i + 1 };
                head = match head {
                    Head::Open if c == b':' => Head::Colon,
                    Head::Open => Head::Open,
                    _ => Head::Done,
                };
                line_start = false;
            }
        }
    }
    out
}

/// The end of the identifier-like word starting at `i`.
fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    i
}

/// The index after the string opening at `open`: after its closing quote,
/// or at the end of its line when it has none (strings are one line).
fn string_end(b: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < b.len() {
        match b[i] {
            b'"' => return i + 1,
            b'\n' => return i,
            b'\\' if b.get(i + 1).is_some_and(|&c| c != b'\n') => i += 2,
            _ => i += 1,
        }
    }
    b.len()
}

/// Whether the `allow` ending at `i` is followed by a lint name that is no
/// keyword, as an `allow` item is.
fn allow_starts_item(b: &[u8], mut i: usize) -> bool {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    if !b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return false;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    let word = std::str::from_utf8(&b[start..i]).unwrap_or("");
    !KEYWORDS.contains(&word)
}

/// Whether only spaces and tabs stand between the start of a line and `i`.
fn at_line_start(b: &[u8], mut i: usize) -> bool {
    while i > 0 && (b[i - 1] == b' ' || b[i - 1] == b'\t') {
        i -= 1;
    }
    i == 0 || b[i - 1] == b'\n'
}

/// The start of the line `i` is on.
fn line_start(b: &[u8], i: usize) -> usize {
    b[..i]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |n| n + 1)
}

/// The index of the first token at or after `i`: whitespace and comments
/// skipped.
fn skip_trivia(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n)
            }
            _ => break,
        }
    }
    i
}

/// Where pest stopped.
fn error_pos(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
}

struct Convert<'t> {
    file: FileId,
    text: &'t str,
    /// Where in `text` the piece pest is working on starts: pest's
    /// positions are relative to it.
    offset: usize,
    comments: &'t [Comment],
    diagnostics: Vec<Diagnostic>,
    items: Vec<Item>,
    broken: Vec<BrokenItem>,
}

impl Convert<'_> {
    fn finish(mut self) -> (SourceFile, Vec<Diagnostic>) {
        // Recovery reports lexical errors first and syntax errors as it
        // goes; users read them in the order of the text.
        self.diagnostics
            .sort_by_key(|d| d.primary.as_ref().map(|l| l.span.start));
        let file = SourceFile {
            items: self.items,
            broken: self.broken,
        };
        (file, self.diagnostics)
    }

    /// Converts the items of a successful parse of `Rule::file` or
    /// `Rule::item` on the text from `offset`.
    fn items_of(&mut self, pairs: Pairs<'_, Rule>, offset: usize) {
        self.offset = offset;
        for p in pairs {
            match p.as_rule() {
                Rule::file => {
                    for q in p.into_inner() {
                        if q.as_rule() != Rule::EOI {
                            self.push_item(q);
                        }
                    }
                }
                Rule::EOI => {}
                _ => self.push_item(p),
            }
        }
    }

    /// Adds an item, or records it as broken when converting it found an
    /// integer that overflows: its value is unknown, so checking it could
    /// only report a mistake the user did not make.
    fn push_item(&mut self, p: Pair<'_, Rule>) {
        let before = self.diagnostics.len();
        let item = self.item(p);
        if self.diagnostics.len() == before {
            self.items.push(item);
            return;
        }
        let (keyword, name) = match &item.kind {
            ItemKind::Rule(r) => (
                if r.name.is_some() { "rule" } else { "when" },
                r.name.clone(),
            ),
            ItemKind::Attribute { name, .. } => ("attribute", Some(name.clone())),
            kind => (kind.keyword(), None),
        };
        self.broken.push(BrokenItem {
            keyword: Some(keyword),
            name,
            span: item.span,
        });
    }

    /// Parses a file that has an error somewhere, chunk by chunk (see the
    /// module documentation). `lexical` are the pre-pass's errors; pest
    /// sees at most `max_window` bytes at once.
    fn recover(&mut self, lexical: Vec<Diagnostic>, max_window: usize) {
        let text = self.text;
        let len = text.len();
        let mut starts = sync_points(text);
        if starts.first() != Some(&0) {
            starts.insert(0, 0);
        }
        let chunks: Vec<(usize, usize)> = starts
            .iter()
            .enumerate()
            .map(|(i, &s)| (s, starts.get(i + 1).copied().unwrap_or(len)))
            .collect();
        // Nesting is counted again per chunk, from zero, as pest will see
        // it; the pre-pass's count ran over the whole file.
        let mut at: Vec<usize> = Vec::new();
        for d in lexical {
            if d.code != Code::TOO_DEEP {
                at.push(d.primary.as_ref().map_or(0, |l| l.span.start as usize));
                self.diagnostics.push(d);
            }
        }
        let mut at = at.into_iter().peekable();
        let mut run: Vec<(usize, usize)> = Vec::new();
        for &(s, e) in &chunks {
            // The first lexical error in the chunk.
            let mut lexical = None;
            while let Some(p) = at.next_if(|&p| p < e) {
                lexical = lexical.or(Some(p));
            }
            let problem = match lexical {
                Some(p) => Some(p),
                None => lex::too_deep_in(self.file, text, s..e).map(|d| {
                    let p = d.primary.as_ref().map_or(s, |l| l.span.start as usize);
                    self.diagnostics.push(d);
                    p
                }),
            };
            let Some(p) = problem else {
                run.push((s, e));
                continue;
            };
            self.run(&std::mem::take(&mut run), max_window);
            self.bad_chunk((s, e), p);
        }
        self.run(&run, max_window);
    }

    /// A chunk pest must not see whole: it holds a lexical error or nests
    /// too deep at `problem`, whose error is reported already. Its lines
    /// before the one with the problem may still hold whole items (a line
    /// of junk that starts with no keyword joins the chunk of the item
    /// before it): those are parsed, up to the first that fails; the rest
    /// of the chunk is broken. A failure that only the cut explains is not
    /// reported, one before it is.
    fn bad_chunk(&mut self, (s, end): (usize, usize), problem: usize) {
        let b = self.text.as_bytes();
        let cut = line_start(b, problem).max(s);
        let mut cur = skip_trivia(b, s);
        if cur < cut && lex::too_deep_in(self.file, self.text, s..cut).is_none() {
            let cut_end = self.trim_end(cur, cut);
            while cur < cut {
                match WritParser::parse(Rule::item, &self.text[cur..cut]) {
                    Ok(pairs) => {
                        let next = pairs.peek().map_or(0, |p| p.as_span().end());
                        self.items_of(pairs, cur);
                        cur = skip_trivia(b, cur + next.max(1));
                    }
                    Err(e) => {
                        if cur + error_pos(&e) < cut_end {
                            self.diagnostics
                                .push(syntax_error(self.file, self.text, e, cur));
                        }
                        break;
                    }
                }
            }
        }
        let cur = skip_trivia(b, cur);
        if cur < end {
            self.broken.push(self.broken_item(cur, end));
        }
    }

    /// Parses a run of chunks that pest may see, in pieces of whole chunks
    /// (see [`MIN_WINDOW`]), cutting out each chunk where a piece fails.
    fn run(&mut self, chunks: &[(usize, usize)], max_window: usize) {
        let mut window = MIN_WINDOW.min(max_window);
        let mut k = 0;
        while k < chunks.len() {
            let a = chunks[k].0;
            let m = k + 1 + chunks[k + 1..].partition_point(|c| c.1 - a <= window);
            let b = chunks[m - 1].1;
            let e = match WritParser::parse(Rule::file, &self.text[a..b]) {
                Ok(pairs) => {
                    self.items_of(pairs, a);
                    k = m;
                    window = (window * 2).min(max_window);
                    continue;
                }
                Err(e) => e,
            };
            window = MIN_WINDOW.min(max_window);
            let p = a + error_pos(&e);
            // The chunk the error is in. An error exactly where a chunk
            // starts belongs to the one before: the item keyword there
            // would have matched, so it is the item before that ended
            // too soon.
            let mut j = k + chunks[k..m].partition_point(|c| c.0 <= p) - 1;
            if j > k && chunks[j].0 == p {
                j -= 1;
            }
            if j > k {
                // Every item before the failing chunk parsed in this piece.
                let q = chunks[j].0;
                match WritParser::parse(Rule::file, &self.text[a..q]) {
                    Ok(pairs) => self.items_of(pairs, a),
                    Err(_) => self.chunks(&chunks[k..j]),
                }
            }
            self.failed_chunk(chunks[j], e, a);
            k = j + 1;
        }
    }

    /// Parses each chunk on its own.
    fn chunks(&mut self, chunks: &[(usize, usize)]) {
        for &(s, e) in chunks {
            match WritParser::parse(Rule::file, &self.text[s..e]) {
                Ok(pairs) => self.items_of(pairs, s),
                Err(err) => self.failed_chunk((s, e), err, s),
            }
        }
    }

    /// Reports pest's error `e` (positions from `offset`) in chunk `(s,
    /// end)`, keeps the chunk's items before the one that failed, and
    /// records the rest as broken. A line inside the rest that starts with
    /// a misspelt item keyword ([`Convert::misspelt_item`]) is parsed
    /// again, with its own error: it is most likely an item of its own.
    fn failed_chunk(
        &mut self,
        (s, end): (usize, usize),
        e: pest::error::Error<Rule>,
        offset: usize,
    ) {
        let b = self.text.as_bytes();
        let mut error = Some((e, offset));
        let mut cur = skip_trivia(b, s);
        while cur < end {
            // After the first failure, parsing starts only at a misspelt
            // keyword, which no item starts with: pest fails on its first
            // word, and is shown only its line, so that its error costs
            // no more than that line.
            let to = if error.is_some() {
                end
            } else {
                b[cur..end]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(end, |n| cur + n)
            };
            match WritParser::parse(Rule::item, &self.text[cur..to]) {
                Ok(pairs) => {
                    let next = pairs.peek().map_or(0, |p| p.as_span().end());
                    self.items_of(pairs, cur);
                    cur = skip_trivia(b, cur + next.max(1));
                }
                Err(e2) => {
                    // The first failure is the run's, whose error saw what
                    // could have continued the item before.
                    let (e, offset) = error.take().unwrap_or((e2, cur));
                    let p = offset + error_pos(&e);
                    self.diagnostics
                        .push(syntax_error(self.file, self.text, e, offset));
                    let stop = self.misspelt_item(p.max(cur + 1), end).unwrap_or(end);
                    self.broken.push(self.broken_item(cur, stop));
                    cur = stop;
                }
            }
        }
        if let Some((e, offset)) = error {
            self.diagnostics
                .push(syntax_error(self.file, self.text, e, offset));
        }
    }

    /// The first line start in `from..end` (`from` itself included when a
    /// line starts there) whose first word misspells an item keyword and
    /// is followed, on its line, by what could follow a keyword (a word, a
    /// string, `(`): `attribue a: bool`, but not `dates,` in a list of
    /// values. Such a line starts no chunk (the word is a name to pest, so
    /// pest may parse across it), but after an error it is where the
    /// broken text most likely ends.
    fn misspelt_item(&self, from: usize, end: usize) -> Option<usize> {
        let b = self.text.as_bytes();
        let mut line = if at_line_start(b, from) {
            from
        } else {
            from + b[from..end].iter().position(|&c| c == b'\n')? + 1
        };
        while line < end {
            let mut q = line;
            while q < end && (b[q] == b' ' || b[q] == b'\t') {
                q += 1;
            }
            if q < end && (b[q].is_ascii_alphabetic() || b[q] == b'_') {
                let w_end = word_end(b, q);
                let w = &self.text[q..w_end];
                let mut after = w_end;
                while after < end && (b[after] == b' ' || b[after] == b'\t') {
                    after += 1;
                }
                let continues = b.get(after).is_some_and(|&c| {
                    c.is_ascii_alphabetic() || c == b'_' || c == b'"' || c == b'('
                });
                if continues
                    && !KEYWORDS.contains(&w)
                    && did_you_mean(w, ITEM_KEYWORDS.iter().copied()).is_some()
                {
                    return Some(q);
                }
            }
            line = q + b[q..end].iter().position(|&c| c == b'\n')? + 1;
        }
        None
    }

    /// What can be read of the text from `start` (its first token) to
    /// `end` without the grammar: see [`BrokenItem`].
    fn broken_item(&self, start: usize, end: usize) -> BrokenItem {
        let b = self.text.as_bytes();
        let word = |at: usize| {
            let w_end = word_end(b, at);
            (b.get(at)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
                && w_end <= end)
                .then(|| (&self.text[at..w_end], w_end))
        };
        let mut keyword = None;
        let mut name = None;
        if let Some((w, after)) = word(start) {
            keyword = ITEM_KEYWORDS
                .iter()
                .copied()
                .find(|k| *k == w)
                .or_else(|| did_you_mean(w, ITEM_KEYWORDS.iter().copied()));
            if keyword.is_some_and(|k| DECLARING.contains(&k)) {
                let at = skip_trivia(b, after);
                if let Some((n, n_end)) = word(at)
                    && !KEYWORDS.contains(&n)
                {
                    name = Some(Ident {
                        name: n.to_string(),
                        span: Span::new(self.file, at, n_end),
                    });
                }
            }
        }
        BrokenItem {
            keyword,
            name,
            span: Span::new(self.file, start, self.trim_end(start, end)),
        }
    }

    /// `end` moved back over the whitespace and comments before it (but
    /// not before `start`).
    fn trim_end(&self, start: usize, mut end: usize) -> usize {
        loop {
            let trimmed = self.text[start..end].trim_end().len() + start;
            // A comment runs to the end of its line, so text that ends
            // inside one ends just before its `#`.
            let inside = self
                .comments
                .binary_search_by(|c| {
                    if (c.span.end as usize) < trimmed {
                        std::cmp::Ordering::Less
                    } else if (c.span.start as usize) >= trimmed {
                        std::cmp::Ordering::Greater
                    } else {
                        std::cmp::Ordering::Equal
                    }
                })
                .ok()
                .map(|i| self.comments[i].span.start as usize)
                .filter(|&c| c >= start);
            match inside {
                Some(c) if c < trimmed => end = c,
                _ => return trimmed,
            }
        }
    }

    /// The pair's span without the whitespace and comments that pest leaves
    /// at the end of a rule ending in a repetition (`a > b` consumes the
    /// blank space after `b` while looking for another `>`).
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        let start = s.start() + self.offset;
        let end = self.trim_end(start, s.end() + self.offset);
        Span::new(self.file, start, end)
    }

    fn ident(&self, p: Pair<'_, Rule>) -> Ident {
        debug_assert!(matches!(p.as_rule(), Rule::ident | Rule::lint_name));
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn string(&self, p: Pair<'_, Rule>) -> Str {
        debug_assert_eq!(p.as_rule(), Rule::string);
        let span = self.span(&p);
        let body = p.into_inner().next().map_or("", |b| b.as_str());
        Str {
            value: lex::unescape(body),
            span,
        }
    }

    fn int(&mut self, p: Pair<'_, Rule>) -> Int {
        let span = self.span(&p);
        let value = match p.as_str().parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                self.diagnostics.push(
                    Diagnostic::error(Code::INT_OVERFLOW, "integer does not fit in 64 bits")
                        .at(span, "out of range")
                        .note("integers range from -9223372036854775808 to 9223372036854775807"),
                );
                0
            }
        };
        Int { value, span }
    }

    fn rule_ref(&self, p: Pair<'_, Rule>) -> RuleRef {
        debug_assert_eq!(p.as_rule(), Rule::rule_ref);
        let span = self.span(&p);
        let mut parts: Vec<Ident> = p.into_inner().map(|q| self.ident(q)).collect();
        let name = parts.pop().expect("a rule reference has a name");
        RuleRef {
            base: parts.pop(),
            name,
            span,
        }
    }

    fn values(&self, p: Pair<'_, Rule>) -> Vec<Ident> {
        p.into_inner()
            .filter(|v| v.as_rule() == Rule::ident)
            .map(|v| self.ident(v))
            .collect()
    }

    /// The pairs of an item without its keyword pairs (`kw_*`), which carry
    /// no information once the item's kind is known.
    fn item(&mut self, p: Pair<'_, Rule>) -> Item {
        let span = self.span(&p);
        let rule = p.as_rule();
        if rule == Rule::rule_item {
            let kind = ItemKind::Rule(self.rule(p.into_inner().collect()));
            return Item { kind, span };
        }
        let mut inner = p.into_inner().filter(|q| !is_keyword(q.as_rule()));
        let mut next = || inner.next().expect("the grammar guarantees this part");
        let kind = match rule {
            Rule::use_item => ItemKind::Use(self.string(next())),
            Rule::type_item => {
                let name = self.ident(next());
                ItemKind::Type {
                    name,
                    values: self.values(next()),
                }
            }
            Rule::group_item => {
                let name = self.ident(next());
                let ty = self.ident(next());
                let set = next();
                let except = set.as_rule() == Rule::all_except;
                let values = if except {
                    let v = set
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::values)
                        .expect("`all except` has values");
                    self.values(v)
                } else {
                    self.values(set)
                };
                ItemKind::Group {
                    name,
                    ty,
                    except,
                    values,
                }
            }
            Rule::attribute_item => {
                let name = self.ident(next());
                let ty = self.type_expr(next());
                let doc = inner.next().map(|d| self.string(d));
                ItemKind::Attribute { name, ty, doc }
            }
            Rule::decision_item => {
                let name = self.ident(next());
                let values = self.values(next());
                let doc = inner.next().map(|d| self.string(d));
                ItemKind::Decision { name, values, doc }
            }
            Rule::policy_item => ItemKind::Policy(self.ident(next())),
            Rule::extends_item => ItemKind::Extends(self.string(next())),
            Rule::repeal_item => ItemKind::Repeal(inner.map(|q| self.rule_ref(q)).collect()),
            Rule::title_item => ItemKind::Title(self.string(next())),
            Rule::source_item => ItemKind::Source(self.string(next())),
            Rule::date_item => ItemKind::Date(self.string(next())),
            Rule::resolve_item => {
                let s = next();
                ItemKind::Resolve(match s.as_rule() {
                    Rule::strict => Resolve::Strict,
                    Rule::first => Resolve::First,
                    _ => Resolve::Priority(
                        s.into_inner()
                            .filter(|q| q.as_rule() == Rule::ident)
                            .map(|q| self.ident(q))
                            .collect(),
                    ),
                })
            }
            Rule::default_item => {
                let d = next();
                ItemKind::Default(match d.as_rule() {
                    Rule::undecided => None,
                    _ => Some(self.ident(d)),
                })
            }
            Rule::test_item => {
                let name = self.string(next());
                let mut part = next();
                let given = if part.as_rule() == Rule::given {
                    let c = part
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::cond)
                        .expect("`given` has a condition");
                    part = next();
                    Some(self.cond(c))
                } else {
                    None
                };
                let expect = if part.as_rule() == Rule::undecided {
                    Expect::Undecided(self.span(&part))
                } else {
                    let mut e = part
                        .into_inner()
                        .filter(|q| matches!(q.as_rule(), Rule::ident | Rule::rule_ref));
                    let outcome = self.ident(e.next().expect("an expected outcome"));
                    let by = e.next().map(|r| self.rule_ref(r));
                    Expect::Outcome { outcome, by }
                };
                ItemKind::Test(Test {
                    name,
                    given,
                    expect,
                })
            }
            Rule::allow_item => ItemKind::Allow(inner.map(|q| self.ident(q)).collect()),
            other => unreachable!("not an item rule: {other:?}"),
        };
        Item { kind, span }
    }

    fn type_expr(&mut self, p: Pair<'_, Rule>) -> TypeExpr {
        match p.as_rule() {
            Rule::values => TypeExpr::Enum(self.values(p)),
            Rule::bool_type => TypeExpr::Bool(self.span(&p)),
            Rule::int_type => {
                let mut ints = p.into_inner().filter(|q| q.as_rule() == Rule::int);
                let lo = self.int(ints.next().expect("int type has a low bound"));
                let hi = self.int(ints.next().expect("int type has a high bound"));
                TypeExpr::Int { lo, hi }
            }
            _ => TypeExpr::Named(self.ident(p)),
        }
    }

    fn rule(&mut self, parts: Vec<Pair<'_, Rule>>) -> super::ast::Rule {
        let mut when_span = None;
        let mut name = None;
        let mut overrides = Vec::new();
        let mut cond = None;
        let mut outcome = None;
        let mut regardless = Vec::new();
        let mut because = None;
        for part in parts {
            match part.as_rule() {
                Rule::rule_head => {
                    for q in part.into_inner() {
                        match q.as_rule() {
                            Rule::ident => name = Some(self.ident(q)),
                            Rule::overrides => {
                                overrides = q
                                    .into_inner()
                                    .filter(|r| r.as_rule() == Rule::rule_ref)
                                    .map(|r| self.rule_ref(r))
                                    .collect()
                            }
                            _ => {}
                        }
                    }
                }
                Rule::kw_when => when_span = Some(self.span(&part)),
                Rule::cond => cond = Some(self.cond(part)),
                Rule::ident => outcome = Some(self.ident(part)),
                Rule::regardless => {
                    regardless = part
                        .into_inner()
                        .filter(|r| r.as_rule() == Rule::ident)
                        .map(|r| self.ident(r))
                        .collect()
                }
                Rule::because => {
                    because = part
                        .into_inner()
                        .find(|r| r.as_rule() == Rule::string)
                        .map(|s| self.string(s))
                }
                _ => {}
            }
        }
        let cond = cond.expect("a rule has a condition");
        let outcome = outcome.expect("a rule has an outcome");
        super::ast::Rule {
            name,
            overrides,
            when_span: when_span.expect("a rule has `when`"),
            cond,
            outcome,
            regardless,
            because,
        }
    }

    fn cond(&mut self, p: Pair<'_, Rule>) -> Cond {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::cond | Rule::conj => {
                let is_or = p.as_rule() == Rule::cond;
                let mut parts: Vec<Cond> = p
                    .into_inner()
                    .filter(|q| !is_keyword(q.as_rule()))
                    .map(|q| self.cond(q))
                    .collect();
                if parts.len() == 1 {
                    parts.pop().expect("one part")
                } else {
                    let kind = if is_or {
                        CondKind::Or(parts)
                    } else {
                        CondKind::And(parts)
                    };
                    Cond { kind, span }
                }
            }
            Rule::neg => {
                let mut nots = Vec::new();
                let mut atom = None;
                for q in p.into_inner() {
                    if q.as_rule() == Rule::not_op {
                        nots.push(self.span(&q));
                    } else {
                        atom = Some(q);
                    }
                }
                let mut c = self.atom(atom.expect("`neg` ends in an atom"));
                // INVARIANT: negations are applied innermost first, so each
                // `Not` spans from its own keyword to the end of the atom.
                for not in nots.into_iter().rev() {
                    let span = not.to(c.span);
                    c = Cond {
                        kind: CondKind::Not(Box::new(c)),
                        span,
                    };
                }
                c
            }
            _ => self.atom(p),
        }
    }

    fn atom(&mut self, p: Pair<'_, Rule>) -> Cond {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::paren => {
                let inner = p.into_inner().next().expect("a parenthesised condition");
                CondKind::Paren(Box::new(self.cond(inner)))
            }
            Rule::lit_true => CondKind::Bool(true),
            Rule::lit_false => CondKind::Bool(false),
            Rule::test_attr => {
                let mut it = p.into_inner();
                let attr = self.ident(it.next().expect("attribute"));
                let Some(tail) = it.next() else {
                    return Cond {
                        kind: CondKind::Bare(attr),
                        span,
                    };
                };
                match tail.as_rule() {
                    Rule::compare => {
                        let mut it = tail.into_inner();
                        let negated = it.next().expect("operator").as_str() == "!=";
                        let v = it.next().expect("operand");
                        let value = match v.as_rule() {
                            Rule::int => Operand::Int(self.int(v)),
                            Rule::lit_true => Operand::Bool(true, self.span(&v)),
                            Rule::lit_false => Operand::Bool(false, self.span(&v)),
                            _ => Operand::Ident(self.ident(v)),
                        };
                        CondKind::Compare {
                            attr,
                            negated,
                            value,
                        }
                    }
                    Rule::order => {
                        let mut it = tail.into_inner();
                        let op = match it.next().expect("operator").as_str() {
                            "<" => OrdOp::Lt,
                            "<=" => OrdOp::Le,
                            ">" => OrdOp::Gt,
                            _ => OrdOp::Ge,
                        };
                        let value = self.int(it.next().expect("integer"));
                        CondKind::Order { attr, op, value }
                    }
                    _ => {
                        let mut negated = false;
                        let mut set = None;
                        for q in tail.into_inner() {
                            match q.as_rule() {
                                Rule::ident => set = Some(SetExpr::Group(self.ident(q))),
                                Rule::not_in => negated = true,
                                Rule::values_or_ints => {
                                    let span = self.span(&q);
                                    let items = q
                                        .into_inner()
                                        .filter(|v| !is_keyword(v.as_rule()))
                                        .map(|v| match v.as_rule() {
                                            Rule::int => SetItem::Int(self.int(v)),
                                            _ => SetItem::Ident(self.ident(v)),
                                        })
                                        .collect();
                                    set = Some(SetExpr::Literal { items, span });
                                }
                                _ => {}
                            }
                        }
                        CondKind::In {
                            attr,
                            negated,
                            set: set.expect("set"),
                        }
                    }
                }
            }
            other => unreachable!("not an atom rule: {other:?}"),
        };
        Cond { kind, span }
    }
}

/// Keywords and punctuation: tokens that carry no information once the
/// enclosing rule is known.
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::p_colon
            | Rule::p_rparen
            | Rule::p_rbrace
            | Rule::p_comma
            | Rule::p_assign
            | Rule::p_dotdot
            | Rule::kw_use
            | Rule::kw_type
            | Rule::kw_group
            | Rule::kw_attribute
            | Rule::kw_decision
            | Rule::kw_policy
            | Rule::kw_title
            | Rule::kw_source
            | Rule::kw_date
            | Rule::kw_resolve
            | Rule::kw_strict
            | Rule::kw_first
            | Rule::kw_priority
            | Rule::kw_default
            | Rule::kw_undecided
            | Rule::kw_rule
            | Rule::kw_overrides
            | Rule::kw_when
            | Rule::kw_then
            | Rule::kw_regardless
            | Rule::kw_because
            | Rule::kw_test
            | Rule::kw_given
            | Rule::kw_expect
            | Rule::kw_by
            | Rule::kw_and
            | Rule::kw_or
            | Rule::kw_not
            | Rule::kw_in
            | Rule::kw_all
            | Rule::kw_except
            | Rule::kw_bool
            | Rule::kw_int
            | Rule::kw_true
            | Rule::kw_false
            | Rule::kw_allow
            | Rule::kw_extends
            | Rule::kw_repeal
    )
}

/// How a grammar rule is named in "expected ..." messages; `None` for rules
/// users never need to hear about.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::kw_use => "`use`",
        Rule::kw_type => "`type`",
        Rule::kw_group => "`group`",
        Rule::kw_attribute => "`attribute`",
        Rule::kw_decision => "`decision`",
        Rule::kw_policy => "`policy`",
        Rule::kw_title => "`title`",
        Rule::kw_source => "`source`",
        Rule::kw_date => "`date`",
        Rule::kw_resolve => "`resolve`",
        Rule::kw_strict => "`strict`",
        Rule::kw_first => "`first`",
        Rule::kw_priority => "`priority`",
        Rule::kw_default => "`default`",
        Rule::kw_undecided => "`undecided`",
        Rule::kw_rule => "`rule`",
        Rule::kw_overrides => "`overrides`",
        Rule::kw_when => "`when`",
        Rule::kw_then => "`then`",
        Rule::kw_regardless => "`regardless`",
        Rule::kw_because => "`because`",
        Rule::kw_test => "`test`",
        Rule::kw_given => "`given`",
        Rule::kw_expect => "`expect`",
        Rule::kw_by => "`by`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not => "`not`",
        Rule::kw_in => "`in`",
        Rule::kw_all => "`all`",
        Rule::kw_except => "`except`",
        Rule::kw_bool => "`bool`",
        Rule::kw_int => "`int`",
        Rule::kw_true => "`true`",
        Rule::kw_false => "`false`",
        Rule::kw_allow => "`allow`",
        Rule::kw_extends => "`extends`",
        Rule::kw_repeal => "`repeal`",
        Rule::rule_ref => "a rule name",
        Rule::ident => "a name",
        Rule::lint_name => "a lint name",
        Rule::string => "a string",
        Rule::int => "an integer",
        Rule::values | Rule::values_or_ints => "`{`",
        Rule::eq_op => "`=`",
        Rule::ord_op => "a comparison",
        Rule::EOI => "end of file",
        Rule::p_colon => "`:`",
        Rule::p_rparen => "`)`",
        Rule::p_rbrace => "`}`",
        Rule::p_comma => "`,`",
        Rule::p_assign => "`=`",
        Rule::p_dotdot => "`..`",
        Rule::not_op | Rule::not_in => "`not`",
        Rule::lit_true => "`true`",
        Rule::lit_false => "`false`",
        Rule::cond | Rule::conj | Rule::neg | Rule::paren | Rule::test_attr => "a condition",
        _ => return None,
    })
}

/// Keywords that start an item: when all of these are expected, the parser
/// was between items.
const ITEM_STARTS: &[Rule] = &[
    Rule::kw_use,
    Rule::kw_type,
    Rule::kw_attribute,
    Rule::kw_test,
];

/// The keyword a rule of the grammar stands for in pest's "expected" list,
/// if it stands for one (`kw_then`, and `not_op`, which is only `not`).
fn keyword_of(rule: Rule) -> Option<&'static str> {
    let shown = describe(rule)?.strip_prefix('`')?.strip_suffix('`')?;
    shown
        .bytes()
        .all(|c| c.is_ascii_lowercase())
        .then_some(shown)
}

/// The diagnostic for pest's error `e`, whose positions count from
/// `offset` in `text`.
fn syntax_error(
    file: FileId,
    text: &str,
    e: pest::error::Error<Rule>,
    offset: usize,
) -> Diagnostic {
    let pos = offset + error_pos(&e);
    let positives = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let (found, found_span) = found_token(text, pos);
    let span = Span::new(file, found_span.0, found_span.1);
    let between_items = ITEM_STARTS.iter().all(|r| positives.contains(r));
    // A word that is no keyword, where keywords were expected: perhaps one
    // of them misspelt (`thne`, `becuase`; `attribue` where an item starts).
    let word = &text[found_span.0..found_span.1];
    let suggestion = if found.starts_with('`')
        && word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    {
        let mut expected: Vec<&str> = positives.iter().filter_map(|r| keyword_of(*r)).collect();
        if between_items {
            expected.extend(ITEM_KEYWORDS);
        }
        did_you_mean(word, expected)
    } else {
        None
    };
    // A keyword that starts a line and an item: the item before it ended
    // too soon, rather than the keyword being meant as a name.
    let next_item = found.starts_with("keyword")
        && ITEM_KEYWORDS.contains(&word)
        && pos > 0
        && at_line_start(text.as_bytes(), pos);
    let message;
    let label;
    let mut help = None;
    if between_items {
        message = format!("expected an item, found {found}");
        label =
            "an item starts with a keyword such as `rule`, `when`, `attribute` or `test`".into();
        if found.starts_with("keyword") || found.starts_with('`') {
            help = Some(
                "if this continues the previous item, check that item for a missing part"
                    .to_string(),
            );
        }
    } else if positives.contains(&Rule::kw_then) && !positives.contains(&Rule::kw_when) {
        message = format!("expected `then` after the condition, found {found}");
        label = "expected `then` here".into();
        if positives.contains(&Rule::kw_and) {
            help = Some(
                "a rule reads `when CONDITION then OUTCOME`; join conditions with `and` or `or`"
                    .into(),
            );
        }
    } else {
        let mut names: Vec<&str> = positives.iter().filter_map(|r| describe(*r)).collect();
        names.dedup();
        let mut seen = std::collections::HashSet::new();
        names.retain(|n| seen.insert(*n));
        let expected = match names.len() {
            0 => "something else".to_string(),
            1 => names[0].to_string(),
            n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
        };
        message = format!("expected {expected}, found {found}");
        if next_item {
            label = format!("expected {expected} before this");
            help = Some(format!(
                "`{word}` starts the next item, so the item before it is unfinished"
            ));
        } else if found.starts_with("keyword") && names.contains(&"a name") {
            label = "keywords cannot be used as names".into();
            help = Some("rename it, for example with a suffix: `rule_`".into());
        } else {
            label = format!("expected {expected}");
        }
    }
    if let Some(s) = suggestion {
        help = Some(format!("did you mean `{s}`?"));
    }
    let mut d = Diagnostic::error(Code::SYNTAX, message).at(span, label);
    if let Some(h) = help {
        d = d.help(h);
    }
    d
}

/// Describes the token at `pos` for "found ..." and returns its extent.
fn found_token(text: &str, pos: usize) -> (String, (usize, usize)) {
    let rest = &text[pos.min(text.len())..];
    let Some(c) = rest.chars().next() else {
        return ("end of file".into(), (text.len(), text.len()));
    };
    let word_len = |pred: fn(char) -> bool| rest.find(|c: char| !pred(c)).unwrap_or(rest.len());
    if c.is_ascii_alphabetic() || c == '_' {
        let n = word_len(|c| c.is_ascii_alphanumeric() || c == '_');
        let word = &rest[..n];
        let what = if is_keyword_text(word) {
            format!("keyword `{word}`")
        } else {
            format!("`{word}`")
        };
        (what, (pos, pos + n))
    } else if c.is_ascii_digit()
        || (c == '-' && rest[1..].starts_with(|c: char| c.is_ascii_digit()))
    {
        let n = 1 + rest[1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - 1);
        (format!("`{}`", &rest[..n]), (pos, pos + n))
    } else if c == '"' {
        let n = rest[1..].find('"').map_or(rest.len(), |i| i + 2);
        ("a string".into(), (pos, pos + n))
    } else {
        let n = c.len_utf8();
        let shown = if c.is_control() || c.is_whitespace() {
            format!("{:?}", c)
        } else {
            format!("`{c}`")
        };
        (shown, (pos, pos + n))
    }
}

/// The reserved words of SPEC section 1, less `allow` (see the grammar:
/// it starts an item and is otherwise a name).
pub const KEYWORDS: &[&str] = &[
    "use",
    "type",
    "group",
    "attribute",
    "decision",
    "policy",
    "title",
    "source",
    "date",
    "resolve",
    "strict",
    "first",
    "priority",
    "default",
    "undecided",
    "rule",
    "overrides",
    "when",
    "then",
    "regardless",
    "because",
    "test",
    "given",
    "expect",
    "by",
    "and",
    "or",
    "not",
    "in",
    "all",
    "except",
    "bool",
    "int",
    "true",
    "false",
    "extends",
    "repeal",
];

fn is_keyword_text(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every policy and vocabulary file in the crate: the bundled policies
    /// and every fixture, with and without errors.
    fn corpus() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        let mut dirs = vec![root.join("policies"), root.join("tests/fixtures")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path
                    .extension()
                    .is_some_and(|e| e == "policy" || e == "vocab")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    out.push((path.display().to_string(), text));
                }
            }
        }
        out.sort();
        assert!(out.len() > 50, "the corpus is the crate's files");
        out
    }

    fn messages(p: &Parsed) -> Vec<String> {
        p.diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{} {:?}: {}",
                    d.code,
                    d.primary.as_ref().map(|l| l.span),
                    d.message
                )
            })
            .collect()
    }

    #[test]
    fn recovery_gives_the_whole_file_parse_on_files_without_errors() {
        let mut clean = 0;
        for (name, text) in corpus() {
            let whole = parse(FileId(0), &text);
            if !whole.diagnostics.is_empty() {
                continue;
            }
            clean += 1;
            for window in [MAX_WINDOW, 64, 0] {
                let again = parse_recovering(FileId(0), &text, window);
                assert_eq!(messages(&again), Vec::<String>::new(), "{name}");
                assert_eq!(again.file, whole.file, "{name} (window {window})");
                assert_eq!(again.comments, whole.comments, "{name}");
            }
        }
        assert!(clean > 20);
    }

    #[test]
    fn a_file_with_errors_parses_the_same_whatever_pest_sees_at_once() {
        // The windows differ only in how much pest sees at once: the
        // items, broken items and errors must not depend on it.
        for (name, text) in corpus() {
            let runs = parse(FileId(0), &text);
            for window in [64, 0] {
                let chunks = parse_recovering(FileId(0), &text, window);
                assert_eq!(runs.file, chunks.file, "{name} (window {window})");
                assert_eq!(messages(&runs), messages(&chunks), "{name}");
            }
        }
    }

    #[test]
    fn items_start_at_line_start_keywords_with_two_exceptions() {
        let text = "policy p\n\
                    rule r overrides a:\n  when x then y\n\
                    when x then y\n\
                    rule s:\nwhen x then y\n\
                    rule t overides a\nwhen x then y\n\
                    rule u:\nwhn x then y\nwhen x then y\n\
                    decision access: {\nallow,\ndeny }\n\
                    allow dead-rule\n\
                    # when\n\
                    title \"\nwhen\"\n";
        let starts: Vec<&str> = sync_points(text)
            .iter()
            .map(|&i| text[i..].split([' ', '\n', '"']).next().unwrap())
            .collect();
        // Not the `when` of a named rule (even one whose head is broken),
        // unless the rule's `when` is missing after its `:`; not `allow` as
        // a value, not a comment; the `when` after an unterminated string
        // is a line of its own.
        assert_eq!(
            starts,
            [
                "policy", "rule", "when", "rule", "rule", "rule", "when", "decision", "allow",
                "title", "when"
            ]
        );
    }

    fn items(p: &Parsed) -> Vec<&'static str> {
        p.file
            .as_ref()
            .unwrap()
            .items
            .iter()
            .map(|i| i.kind.keyword())
            .collect()
    }

    fn broken(p: &Parsed) -> Vec<(Option<&'static str>, Option<String>)> {
        p.file
            .as_ref()
            .unwrap()
            .broken
            .iter()
            .map(|b| (b.keyword, b.name.as_ref().map(|n| n.name.clone())))
            .collect()
    }

    #[test]
    fn every_syntax_error_is_reported_and_the_rest_parses() {
        let text = "policy p\n\
                    decision d: { a, b }\n\
                    attribute x: bool\n\
                    when x then a because \"one\" extra\n\
                    attribute y: { u, v\n\
                    rule r overrides q\n\
                    when x then b\n\
                    test \"t\": expect a\n\
                    when x or then a\n";
        let p = parse(FileId(0), text);
        let lines: Vec<usize> = p
            .diagnostics
            .iter()
            .map(|d| {
                1 + text[..d.primary.as_ref().unwrap().span.start as usize]
                    .matches('\n')
                    .count()
            })
            .collect();
        // `extra`, the unclosed `{` (found `rule`), `rule r` without `:`
        // (its `when` is its own, not an item), `or then`.
        assert_eq!(lines, [4, 6, 7, 9], "{:?}", messages(&p));
        assert_eq!(
            items(&p),
            ["policy", "decision", "attribute", "rule", "test"]
        );
        assert_eq!(
            broken(&p),
            [
                (None, None),
                (Some("attribute"), Some("y".into())),
                (Some("rule"), Some("r".into())),
                (Some("when"), None),
            ]
        );
    }

    #[test]
    fn lexical_errors_are_reported_once_and_their_items_skipped() {
        let deep = format!("when {}x{} then a\n", "(".repeat(200), ")".repeat(200));
        let text = format!(
            "policy p\n\
             title \"open\n\
             decision d: {{ a, b }}\n\
             {deep}\
             attribute x: bool \"bad \\q escape\"\n\
             when x then\n\
             attribute z: bool\n"
        );
        let p = parse(FileId(0), &text);
        let codes: Vec<&str> = p.diagnostics.iter().map(|d| d.code.code).collect();
        assert_eq!(
            codes,
            ["E0002", "E0004", "E0003", "E0001"],
            "{:?}",
            messages(&p)
        );
        assert_eq!(items(&p), ["policy", "decision", "attribute"]);
        assert_eq!(
            broken(&p),
            [
                (Some("title"), None),
                (Some("when"), None),
                (Some("attribute"), Some("x".into())),
                (Some("when"), None),
            ]
        );
        // Nesting that only adds up across items is no error: each item is
        // parsed on its own.
        let unbalanced = format!("when {}x then a\n", "(".repeat(100)).repeat(3);
        let p = parse(FileId(0), &unbalanced);
        let codes: Vec<&str> = p.diagnostics.iter().map(|d| d.code.code).collect();
        assert_eq!(codes, ["E0001", "E0001", "E0001"]);
    }

    #[test]
    fn an_integer_that_overflows_breaks_its_item() {
        let text = "attribute n: int 0..99999999999999999999\nattribute m: bool\n";
        let p = parse(FileId(0), text);
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(items(&p), ["attribute"]);
        assert_eq!(broken(&p), [(Some("attribute"), Some("n".into()))]);
    }

    fn help(text: &str) -> Vec<String> {
        parse(FileId(0), text)
            .diagnostics
            .iter()
            .flat_map(|d| d.notes.iter().filter(|n| n.starts_with("help")).cloned())
            .collect()
    }

    #[test]
    fn a_misspelt_keyword_gets_a_suggestion_from_what_was_expected() {
        let head = "policy p\ndecision d: { a, b }\n";
        let cases = [
            ("when x then a becuase \"x\"\n", "did you mean `because`?"),
            ("attribue x: bool\n", "did you mean `attribute`?"),
            ("whn x then a\n", "did you mean `when`?"),
            ("when x thne a\n", "did you mean `then`?"),
            (
                "rule r overide q: when x then a\n",
                "did you mean `overrides`?",
            ),
            ("when x then a regardles y\n", "did you mean `regardless`?"),
            ("resolve frist\n", "did you mean `first`?"),
        ];
        for (item, want) in cases {
            let got = help(&format!("{head}{item}"));
            assert_eq!(got, [format!("help: {want}")], "{item}");
        }
        // Only keywords that could stand there: `thn` where a name is
        // expected is a name; an identifier far from every keyword gets
        // none.
        assert!(
            help(&format!("{head}when x then\n"))
                .iter()
                .all(|h| !h.contains("did you mean"))
        );
        assert!(
            help(&format!("{head}when x zebra a\n"))
                .iter()
                .all(|h| !h.contains("did you mean"))
        );
    }

    #[test]
    fn a_misspelt_item_keyword_inside_a_broken_item_is_an_item_of_its_own() {
        let text = "policy p\nattribute y: { u, v\nattribue c: bool\nwhen x then a because \"x\" extra\nwhn c then a\n";
        let p = parse(FileId(0), text);
        assert_eq!(p.diagnostics.len(), 4, "{:?}", messages(&p));
        assert_eq!(
            broken(&p),
            [
                (Some("attribute"), Some("y".into())),
                (Some("attribute"), Some("c".into())),
                (None, None),
                (Some("when"), None),
            ]
        );
        // A value that merely looks like a keyword stays in its list.
        let text = "type t = {\n  a b,\n  dates,\n  rules\n}\n";
        assert_eq!(parse(FileId(0), text).diagnostics.len(), 1);
    }
}
