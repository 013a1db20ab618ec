//! What may be written at the cursor: the completion context, read off the
//! tokens of the item the cursor is in.
//!
//! It works on text alone, so it answers in the middle of an unfinished
//! item, where the parser has nothing to offer: `when location = ` has no
//! tree, but its tokens say that a value of `location` comes next.

use super::index::{Index, SymbolKind};
use crate::load::Loaded;
use crate::syntax::ast::{ItemKind as AstItem, TypeExpr};
use crate::syntax::{ITEM_KEYWORDS, KEYWORDS};

/// What the cursor's position asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// The start of an item: the item keywords.
    Item,
    /// A condition's next atom: an attribute (or `not`, `true`, `false`).
    Attribute,
    /// A value of this attribute (`location = `, `location in { US, `).
    Value {
        /// The attribute's name.
        attribute: String,
    },
    /// After `ATTR in` or `ATTR not in`: a group of the attribute's type, or
    /// the start of a set.
    Set {
        /// The attribute's name.
        attribute: String,
    },
    /// After a complete atom: `and`, `or`, and what ends the condition
    /// (`then` in a rule, `expect` in a test).
    AfterAtom {
        /// Whether the condition is a test's `given`.
        in_test: bool,
    },
    /// After an attribute in a condition: the comparison operators.
    Operator,
    /// An outcome (`then`, `expect`, `default`, `resolve priority A >`).
    Outcome,
    /// A rule (`overrides`, `by`, `repeal`, and after a comma in their lists).
    Rule,
    /// An attribute, in a `regardless` list.
    RegardlessAttribute,
    /// A type, after `attribute NAME:` (also `bool` and `int`).
    Type,
    /// A named type, after `group NAME:`.
    NamedType,
    /// A lint, after `allow`.
    Lint,
    /// After a rule's outcome: `regardless`, `because`.
    AfterOutcome,
    /// After `resolve`: `strict`, `first`, `priority`.
    Resolve,
    /// After a test's head `test "NAME":`: `given`, `expect`.
    AfterTestHead,
    /// After `expect OUTCOME`: `by`, or the next item.
    AfterExpect,
    /// After a `regardless` list: `because`, or the next item.
    AfterRegardless,
    /// Nothing to offer (inside a string, a comment, a name being declared).
    Nothing,
}

/// A token of the text before the cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'t> {
    Word(&'t str),
    Int,
    Str,
    Punct(&'t str),
}

/// The completion context at byte `offset` of `text`, and the start of the
/// word being typed there (the range a completion replaces).
pub fn context(text: &str, offset: usize) -> (Context, usize) {
    let offset = floor_boundary(text, offset.min(text.len()));
    let bytes = text.as_bytes();
    let mut word_start = offset;
    while word_start > 0 && is_ident(bytes[word_start - 1]) {
        word_start -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_before = &text[line_start..offset];
    // Inside a comment or a string: nothing.
    if let Some(state) = scan_line(line_before)
        && state != LineState::Code
    {
        return (Context::Nothing, word_start);
    }
    // A word typed at the start of an unindented line starts an item; an
    // indented line continues the item above it.
    if text[line_start..word_start].is_empty() {
        return (Context::Item, word_start);
    }
    let start = item_start(text, line_start);
    let toks = tokens(&text[start..word_start]);
    (classify(&toks), word_start)
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LineState {
    Code,
    String,
    Comment,
}

/// Where the end of `line` is: in code, a string or a comment.
fn scan_line(line: &str) -> Option<LineState> {
    let mut state = LineState::Code;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (state, c) {
            (LineState::Code, '"') => state = LineState::String,
            (LineState::Code, '#') => return Some(LineState::Comment),
            (LineState::String, '\\') => {
                chars.next();
            }
            (LineState::String, '"') => state = LineState::Code,
            _ => {}
        }
    }
    Some(state)
}

/// The start of the item that holds the line starting at `line_start`: the
/// nearest line at or before it whose first word is an item keyword (a
/// `when` on the line after a rule's head `rule NAME:` belongs to it).
fn item_start(text: &str, line_start: usize) -> usize {
    let mut at = line_start;
    loop {
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let first = first_word(&text[at..line_end]);
        if let Some(w) = first
            && ITEM_KEYWORDS.contains(&w)
        {
            let head_before = w == "when" && previous_line_ends_with_colon(text, at);
            if !head_before {
                return at;
            }
        }
        if at == 0 {
            return 0;
        }
        at = text[..at - 1].rfind('\n').map_or(0, |i| i + 1);
    }
}

fn first_word(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    (end > 0).then(|| &t[..end])
}

fn previous_line_ends_with_colon(text: &str, line_start: usize) -> bool {
    let before = text[..line_start].trim_end();
    // Skip comment lines and blank lines between the head and its `when`.
    let mut rest = before;
    loop {
        let start = rest.rfind('\n').map_or(0, |i| i + 1);
        let line = rest[start..].trim();
        if line.is_empty() || line.starts_with('#') {
            if start == 0 {
                return false;
            }
            rest = rest[..start - 1].trim_end();
            continue;
        }
        let code = line.split('#').next().unwrap_or("").trim_end();
        return code.ends_with(':') && first_word(code) == Some("rule");
    }
}

/// The tokens of `text` (comments dropped).
fn tokens(text: &str) -> Vec<Tok<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(Tok::Str);
        } else if c.is_ascii_digit() || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Tok::Int);
        } else if is_ident(c) {
            let s = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            out.push(Tok::Word(&text[s..i]));
        } else {
            let two = text.get(i..i + 2).unwrap_or("");
            let p = if ["!=", "<=", ">=", ".."].contains(&two) {
                two
            } else {
                let end = i + text[i..].chars().next().map_or(1, char::len_utf8);
                &text[i..end]
            };
            i += p.len();
            out.push(Tok::Punct(p));
        }
    }
    out
}

fn is_keyword(w: &str) -> bool {
    KEYWORDS.contains(&w)
}

/// The context after the tokens `t` of the current item.
fn classify(t: &[Tok<'_>]) -> Context {
    use Tok::*;
    let Some(first) = t.first() else {
        return Context::Item;
    };
    let last = *t.last().expect("not empty");
    match *first {
        Word("use" | "extends" | "title" | "source" | "date" | "policy" | "type") => {
            return Context::Nothing;
        }
        Word("allow") => {
            return match last {
                Word("allow") | Punct(",") => Context::Lint,
                _ => Context::Item,
            };
        }
        Word("repeal") => {
            return match last {
                Word("repeal") | Punct(",") | Punct(".") => Context::Rule,
                _ => Context::Item,
            };
        }
        Word("default") => {
            return if t.len() == 1 {
                Context::Outcome
            } else {
                Context::Item
            };
        }
        Word("resolve") => {
            return match last {
                Word("resolve") => Context::Resolve,
                Word("priority") | Punct(">") => Context::Outcome,
                _ => Context::Item,
            };
        }
        Word("decision") => return Context::Nothing,
        Word("attribute") => {
            return match t {
                [_, Word(_), Punct(":")] => Context::Type,
                _ => Context::Nothing,
            };
        }
        Word("group") => {
            return match t {
                [_, Word(_), Punct(":")] => Context::NamedType,
                [_, Word(_), Punct(":"), Word(_), Punct("="), ..] => Context::Nothing,
                _ => Context::Nothing,
            };
        }
        _ => {}
    }
    // Rules and tests.
    let in_test = matches!(first, Word("test"));
    // Where the current clause started: the last clause keyword.
    let clause = t.iter().rposition(|k| {
        matches!(
            k,
            Word(
                "when"
                    | "given"
                    | "then"
                    | "expect"
                    | "by"
                    | "overrides"
                    | "regardless"
                    | "because"
            )
        )
    });
    let Some(c) = clause else {
        // `rule NAME` or `rule NAME:` before `when`, or `test "…":`.
        return match last {
            Punct(":") if matches!(first, Word("rule")) => Context::Item,
            Punct(":") if in_test => Context::AfterTestHead,
            _ => Context::Nothing,
        };
    };
    let after = &t[c + 1..];
    match t[c] {
        Word("overrides") | Word("by") => match after.last() {
            None | Some(Punct(",")) => Context::Rule,
            Some(Punct(".")) => Context::Rule,
            _ if matches!(t[c], Word("by")) => Context::Item,
            _ => Context::Nothing,
        },
        Word("then") | Word("expect") => match after {
            [] => Context::Outcome,
            [Word(_)] if matches!(t[c], Word("then")) => Context::AfterOutcome,
            [Word(_)] => Context::AfterExpect,
            _ => Context::Item,
        },
        Word("regardless") => match after.last() {
            None | Some(Punct(",")) => Context::RegardlessAttribute,
            _ => Context::AfterRegardless,
        },
        Word("because") => match after {
            [] => Context::Nothing,
            _ => Context::Item,
        },
        _ => condition(after, in_test),
    }
}

/// The context inside a condition, from the tokens after `when` or `given`.
fn condition(t: &[Tok<'_>], in_test: bool) -> Context {
    use Tok::*;
    let Some(&last) = t.last() else {
        return Context::Attribute;
    };
    match last {
        Word("and" | "or" | "not") | Punct("(") => {
            // `ATTR not` is the start of `not in`.
            if matches!(last, Word("not"))
                && t.len() >= 2
                && matches!(t[t.len() - 2], Word(w) if !is_keyword(w))
            {
                return Context::Operator;
            }
            Context::Attribute
        }
        Punct("=" | "!=") => match attribute_before(t, t.len() - 1) {
            Some(a) => Context::Value { attribute: a },
            None => Context::Nothing,
        },
        Word("in") => {
            let at = if t.len() >= 2 && t[t.len() - 2] == Word("not") {
                t.len() - 2
            } else {
                t.len() - 1
            };
            match attribute_before(t, at) {
                Some(a) => Context::Set { attribute: a },
                None => Context::Nothing,
            }
        }
        Punct("{" | ",") => {
            // Inside `ATTR in { …`: find the `{`.
            let open = t.iter().rposition(|k| *k == Punct("{"));
            let closed = open.is_some_and(|o| t[o..].contains(&Punct("}")));
            match open {
                Some(o) if !closed && o >= 1 && t[o - 1] == Word("in") => {
                    let at = if o >= 2 && t[o - 2] == Word("not") {
                        o - 2
                    } else {
                        o - 1
                    };
                    match attribute_before(t, at) {
                        Some(a) => Context::Value { attribute: a },
                        None => Context::Nothing,
                    }
                }
                _ => Context::Nothing,
            }
        }
        Punct("<" | "<=" | ">" | ">=") => Context::Nothing,
        Word(w) if !is_keyword(w) => {
            // A bare attribute (`when a`), or a value after `=`: which one
            // decides whether an operator or a connective comes next.
            let before = t.len().checked_sub(2).map(|i| t[i]);
            match before {
                Some(Punct("=" | "!=" | "<" | "<=" | ">" | ">=" | ",")) => {
                    Context::AfterAtom { in_test }
                }
                _ => Context::Operator,
            }
        }
        Word("true" | "false") | Int | Punct(")" | "}") => Context::AfterAtom { in_test },
        _ => Context::Nothing,
    }
}

/// The attribute written just before token `at` (`location` in
/// `location =`).
fn attribute_before(t: &[Tok<'_>], at: usize) -> Option<String> {
    match at.checked_sub(1).map(|i| t[i]) {
        Some(Tok::Word(w)) if !is_keyword(w) => Some(w.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Context {
        let offset = text.find('|').expect("a cursor");
        let text = text.replace('|', "");
        context(&text, offset).0
    }

    #[test]
    fn contexts() {
        let value = |a: &str| Context::Value {
            attribute: a.to_string(),
        };
        assert_eq!(at("policy p\n|"), Context::Item);
        assert_eq!(at("policy p\nattr|"), Context::Item);
        assert_eq!(at("when |"), Context::Attribute);
        assert_eq!(at("when loc|"), Context::Attribute);
        assert_eq!(at("when a and |"), Context::Attribute);
        assert_eq!(at("when (|"), Context::Attribute);
        assert_eq!(at("when location = |"), value("location"));
        assert_eq!(at("when location != U|"), value("location"));
        assert_eq!(at("when location in { US, |"), value("location"));
        assert_eq!(at("when location not in {|"), value("location"));
        assert_eq!(
            at("when location in |"),
            Context::Set {
                attribute: "location".into()
            }
        );
        assert_eq!(
            at("when location not in |"),
            Context::Set {
                attribute: "location".into()
            }
        );
        assert_eq!(at("when location |"), Context::Operator);
        assert_eq!(at("when location not |"), Context::Operator);
        assert_eq!(at("when a = b |"), Context::AfterAtom { in_test: false });
        assert_eq!(
            at("test \"t\": given a = b |"),
            Context::AfterAtom { in_test: true }
        );
        assert_eq!(at("when a = b then |"), Context::Outcome);
        assert_eq!(at("when a = b then co|"), Context::Outcome);
        assert_eq!(at("when a = b then compel |"), Context::AfterOutcome);
        assert_eq!(at("test \"t\": expect |"), Context::Outcome);
        assert_eq!(at("test \"t\": expect compel by |"), Context::Rule);
        assert_eq!(at("default |"), Context::Outcome);
        assert_eq!(at("resolve |"), Context::Resolve);
        assert_eq!(at("resolve priority a > |"), Context::Outcome);
        assert_eq!(at("rule r overrides |"), Context::Rule);
        assert_eq!(at("rule r overrides a, |"), Context::Rule);
        assert_eq!(at("repeal base.|"), Context::Rule);
        assert_eq!(at("repeal |"), Context::Rule);
        assert_eq!(
            at("when a then b regardless |"),
            Context::RegardlessAttribute
        );
        assert_eq!(at("attribute x: |"), Context::Type);
        assert_eq!(at("group g: |"), Context::NamedType);
        assert_eq!(at("allow |"), Context::Lint);
        assert_eq!(at("# when a = |"), Context::Nothing);
        assert_eq!(at("when a then b because \"x = |"), Context::Nothing);
        // A rule's head and its `when` on the next line are one item.
        assert_eq!(at("rule r:\n  when a = |"), value("a"));
        assert_eq!(at("rule r:\n  when a = b\n  then |"), Context::Outcome);
        // Multi-line conditions belong to the item above.
        assert_eq!(at("when a = b\n  and c = |"), value("c"));
        assert_eq!(at("attribute x: bool\n|"), Context::Item);
    }
}

/// What a completion inserts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A keyword.
    Keyword,
    /// A declared name.
    Symbol(SymbolKind),
    /// A lint's name.
    Lint,
    /// A comparison.
    Operator,
}

/// One completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// What is inserted.
    pub label: String,
    /// What it is.
    pub kind: ItemKind,
    /// A word about it (an attribute's type, a value's type).
    pub detail: Option<String>,
}

/// The completions for `cx`, from the names `index` knows (the declarations
/// of `loaded`, which gives attributes their types).
pub fn items(cx: &Context, loaded: Option<&Loaded>, index: &Index) -> Vec<Completion> {
    let keyword = |k: &str| Completion {
        label: k.to_string(),
        kind: ItemKind::Keyword,
        detail: None,
    };
    let keywords = |ks: &[&str]| ks.iter().map(|k| keyword(k)).collect::<Vec<_>>();
    let symbols = |kind: SymbolKind| -> Vec<Completion> {
        let mut seen = std::collections::HashSet::new();
        index
            .symbols()
            .filter(|(_, s)| s.kind == kind && seen.insert(s.name.clone()))
            .map(|(_, s)| Completion {
                label: s.name.clone(),
                kind: ItemKind::Symbol(kind),
                detail: s.parent.map(|p| index.symbol(p).name.clone()),
            })
            .collect()
    };
    match cx {
        Context::Item => keywords(ITEM_KEYWORDS),
        Context::Attribute => {
            let mut out = symbols(SymbolKind::Attribute);
            for c in &mut out {
                c.detail = attribute_type(loaded, index, &c.label);
            }
            out.extend(keywords(&["not", "true", "false"]));
            out
        }
        Context::RegardlessAttribute => symbols(SymbolKind::Attribute),
        Context::Value { attribute } => values_of(loaded, index, attribute),
        Context::Set { attribute } => {
            let mut out: Vec<Completion> = groups_of(loaded, index, attribute);
            out.push(Completion {
                label: "{".to_string(),
                kind: ItemKind::Operator,
                detail: Some("a set of values".to_string()),
            });
            out
        }
        Context::Operator => ["=", "!=", "in", "not in", "<", "<=", ">", ">="]
            .iter()
            .map(|o| Completion {
                label: o.to_string(),
                kind: if o.chars().all(|c| c.is_ascii_alphabetic() || c == ' ') {
                    ItemKind::Keyword
                } else {
                    ItemKind::Operator
                },
                detail: None,
            })
            .collect(),
        Context::AfterAtom { in_test } => keywords(if *in_test {
            &["and", "or", "expect"]
        } else {
            &["and", "or", "then"]
        }),
        Context::Outcome => {
            let mut out = symbols(SymbolKind::Outcome);
            out.push(keyword("undecided"));
            out
        }
        Context::Rule => symbols(SymbolKind::Rule),
        Context::Type => {
            let mut out = symbols(SymbolKind::Type);
            out.extend(keywords(&["bool", "int"]));
            out
        }
        Context::NamedType => symbols(SymbolKind::Type),
        Context::Lint => crate::analysis::lints::LINTS
            .iter()
            .map(|(c, _)| Completion {
                label: c.name.to_string(),
                kind: ItemKind::Lint,
                detail: Some(c.code.to_string()),
            })
            .collect(),
        Context::AfterOutcome => {
            let mut out = keywords(&["regardless", "because"]);
            out.extend(keywords(ITEM_KEYWORDS));
            out
        }
        Context::Resolve => keywords(&["strict", "first", "priority"]),
        Context::AfterTestHead => keywords(&["given", "expect"]),
        Context::AfterExpect => {
            let mut out = keywords(&["by"]);
            out.extend(keywords(ITEM_KEYWORDS));
            out
        }
        Context::AfterRegardless => {
            let mut out = keywords(&["because"]);
            out.extend(keywords(ITEM_KEYWORDS));
            out
        }
        Context::Nothing => Vec::new(),
    }
}

/// The declared type of the attribute named `name`.
fn attribute_decl<'l>(
    loaded: Option<&'l Loaded>,
    index: &Index,
    name: &str,
) -> Option<&'l TypeExpr> {
    let loaded = loaded?;
    let (_, sym) = index
        .symbols()
        .find(|(_, s)| s.kind == SymbolKind::Attribute && s.name == name)?;
    let ast = loaded.files.get(&sym.item.file)?.ast.as_ref()?;
    ast.items.iter().find_map(|it| match &it.kind {
        AstItem::Attribute { name: n, ty, .. } if n.span == sym.def => Some(ty),
        _ => None,
    })
}

fn attribute_type(loaded: Option<&Loaded>, index: &Index, name: &str) -> Option<String> {
    Some(match attribute_decl(loaded, index, name)? {
        TypeExpr::Named(t) => t.name.clone(),
        TypeExpr::Bool(_) => "bool".to_string(),
        TypeExpr::Int { lo, hi } => format!("int {}..{}", lo.value, hi.value),
        TypeExpr::Enum(vs) => format!(
            "{{ {} }}",
            vs.iter()
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

fn values_of(loaded: Option<&Loaded>, index: &Index, attribute: &str) -> Vec<Completion> {
    let value = |label: &str, detail: &str| Completion {
        label: label.to_string(),
        kind: ItemKind::Symbol(SymbolKind::Value),
        detail: Some(detail.to_string()),
    };
    match attribute_decl(loaded, index, attribute) {
        Some(TypeExpr::Bool(_)) => vec![value("true", "bool"), value("false", "bool")],
        Some(TypeExpr::Named(t)) => {
            let Some((tid, _)) = index
                .symbols()
                .find(|(_, s)| s.kind == SymbolKind::Type && s.name == t.name)
            else {
                return Vec::new();
            };
            index
                .symbols()
                .filter(|(_, s)| s.kind == SymbolKind::Value && s.parent == Some(tid))
                .map(|(_, s)| value(&s.name, &t.name))
                .collect()
        }
        Some(TypeExpr::Enum(vs)) => vs.iter().map(|v| value(&v.name, attribute)).collect(),
        Some(TypeExpr::Int { .. }) | None => Vec::new(),
    }
}

fn groups_of(loaded: Option<&Loaded>, index: &Index, attribute: &str) -> Vec<Completion> {
    let Some(TypeExpr::Named(t)) = attribute_decl(loaded, index, attribute) else {
        return Vec::new();
    };
    let Some((tid, _)) = index
        .symbols()
        .find(|(_, s)| s.kind == SymbolKind::Type && s.name == t.name)
    else {
        return Vec::new();
    };
    index
        .symbols()
        .filter(|(_, s)| s.kind == SymbolKind::Group && s.parent == Some(tid))
        .map(|(_, s)| Completion {
            label: s.name.clone(),
            kind: ItemKind::Symbol(SymbolKind::Group),
            detail: Some(format!("a group of {}", t.name)),
        })
        .collect()
}
