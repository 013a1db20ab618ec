//! The only module that touches pest: it runs the generated parser and turns
//! its parse tree into the crate's own syntax tree, and its errors into
//! diagnostics in writ's words.

use super::ast::*;
use super::lex::{self, Comment};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/writ.pest"]
struct WritParser;

/// What parsing one file produced: the tree (when the file parsed), its
/// comments, and the problems found.
pub struct Parsed {
    /// The syntax tree, if the file follows the grammar.
    pub file: Option<SourceFile>,
    /// Every comment in the file, in order.
    pub comments: Vec<Comment>,
    /// Syntax errors (and integer literals that overflow).
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one file's text.
pub fn parse(file: FileId, text: &str) -> Parsed {
    let (comments, errors) = lex::prepass(file, text);
    if !errors.is_empty() {
        return Parsed {
            file: None,
            comments,
            diagnostics: errors,
        };
    }
    match WritParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let mut cx = Convert {
                file,
                text,
                comments: &comments,
                diagnostics: Vec::new(),
            };
            let root = pairs
                .next()
                .expect("the `file` rule always yields one pair");
            let items = root
                .into_inner()
                .filter(|p| p.as_rule() != Rule::EOI)
                .map(|p| cx.item(p))
                .collect();
            let diagnostics = cx.diagnostics;
            Parsed {
                file: Some(SourceFile { items }),
                comments,
                diagnostics,
            }
        }
        Err(e) => Parsed {
            file: None,
            comments,
            diagnostics: vec![syntax_error(file, text, e)],
        },
    }
}

struct Convert<'t> {
    file: FileId,
    text: &'t str,
    comments: &'t [Comment],
    diagnostics: Vec<Diagnostic>,
}

impl Convert<'_> {
    /// The pair's span without the whitespace and comments that pest leaves
    /// at the end of a rule ending in a repetition (`a > b` consumes the
    /// blank space after `b` while looking for another `>`).
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        let start = s.start();
        let mut end = s.end();
        loop {
            let trimmed = self.text[start..end].trim_end().len() + start;
            // A comment runs to the end of its line, so a span that ends
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
                _ => {
                    end = trimmed;
                    break;
                }
            }
        }
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

fn syntax_error(file: FileId, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let (found, found_span) = found_token(text, pos);
    let span = Span::new(file, found_span.0, found_span.1);
    let between_items = ITEM_STARTS.iter().all(|r| positives.contains(r));
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
        if found.starts_with("keyword") && names.contains(&"a name") {
            label = "keywords cannot be used as names".into();
            help = Some("rename it, for example with a suffix: `rule_`".into());
        } else {
            label = format!("expected {expected}");
        }
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
