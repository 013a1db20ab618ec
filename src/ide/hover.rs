//! What the editor shows over a name: its declaration, its members, and
//! what the policy's analyses say about it (a rule's case counts, a test's
//! result). Returns data; `render::hover` writes it as Markdown.

use super::index::{Index, SymbolKind};
use crate::check::{Default as Fallback, Policy, RuleId};
use crate::diag::{Count, cases};
use crate::load::Loaded;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{ItemKind, TypeExpr};
use crate::testing::TestResult;

/// A hover: the range it is about, the declaration as written, its doc,
/// and facts (sentences, names in backticks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// The name or keyword hovered.
    pub span: Span,
    /// The declaration's text, as in the file.
    pub signature: String,
    /// The declaration's doc string, or a rule's `because`.
    pub doc: Option<String>,
    /// What else is known.
    pub facts: Vec<String>,
    /// A test's result, when a test is hovered and its policy checks.
    pub test: Option<TestResult>,
}

/// What the analyses found, when the policy checks: its checked form, how
/// many cases each rule decides, and its tests' results.
#[derive(Clone, Copy, Default)]
pub struct Findings<'a> {
    /// The checked policy.
    pub policy: Option<&'a Policy>,
    /// How many cases each rule decides, by rule.
    pub decided: Option<&'a [Count]>,
    /// How many cases the hovered rule's condition matches, when counted.
    pub matched: Option<&'a Count>,
    /// The tests' results.
    pub tests: Option<&'a [TestResult]>,
}

/// The rule or test the hover at `offset` is about, if any: what a caller
/// computes extra findings for (a rule's matched count).
pub fn rule_at(
    loaded: &Loaded,
    index: &Index,
    policy: &Policy,
    file: FileId,
    offset: usize,
) -> Option<RuleId> {
    let span = target(loaded, index, file, offset)?.0;
    policy.rules.iter().position(|r| r.loc.0 == span)
}

/// The span hovered and, when it names a symbol, the symbol's kind: a
/// name, a rule's `when` (an unnamed rule) or a test's string.
fn target(
    loaded: &Loaded,
    index: &Index,
    file: FileId,
    offset: usize,
) -> Option<(Span, Option<super::index::SymbolId>)> {
    if let Some(o) = index.at(file, offset) {
        return Some((index.symbol(o.symbol).def, Some(o.symbol)));
    }
    let ast = loaded.files.get(&file)?.ast.as_ref()?;
    let inside = |s: Span| s.start as usize <= offset && offset <= s.end as usize;
    for item in &ast.items {
        if !inside(item.span) {
            continue;
        }
        match &item.kind {
            ItemKind::Rule(r) if inside(r.when_span) => return Some((r.when_span, None)),
            ItemKind::Test(t) if inside(t.name.span) => {
                let id = index
                    .symbols()
                    .find(|(_, s)| s.kind == SymbolKind::Test && s.def == t.name.span)
                    .map(|(id, _)| id);
                return Some((t.name.span, id));
            }
            _ => {}
        }
    }
    None
}

/// The hover at byte `offset` of `file`.
pub fn hover(
    loaded: &Loaded,
    map: &SourceMap,
    index: &Index,
    findings: Findings<'_>,
    file: FileId,
    offset: usize,
) -> Option<Hover> {
    let (def, symbol) = target(loaded, index, file, offset)?;
    let span = index.at(file, offset).map_or(def, |o| o.span);
    let declaration = |s: Span| one_line(map.slice(s));
    let Some(id) = symbol else {
        // An unnamed rule, hovered at its `when`.
        let item = item_at(loaded, def)?;
        return Some(rule_hover(span, declaration(item.span), def, map, findings));
    };
    let sym = index.symbol(id);
    let p = findings.policy;
    let mut h = Hover {
        span,
        signature: declaration(sym.item),
        doc: None,
        facts: Vec::new(),
        test: None,
    };
    match sym.kind {
        SymbolKind::Attribute => {
            let item = item_at(loaded, sym.item);
            if let Some(ItemKind::Attribute { doc, ty, .. }) = item.map(|i| &i.kind) {
                if let Some(d) = doc {
                    h.doc = Some(d.value.clone());
                    h.signature = without_doc(map, sym.item, d.span);
                }
                if let TypeExpr::Named(t) = ty
                    && let Some((tid, _)) = index
                        .symbols()
                        .find(|(_, s)| s.kind == SymbolKind::Type && s.name == t.name)
                {
                    h.facts.push(format!("values: {}", members(index, tid)));
                }
            }
            if let Some(a) = p.and_then(|p| p.attributes.iter().find(|a| a.name == sym.name)) {
                h.facts.push(format!(
                    "{} possible values",
                    crate::diag::format_count(&Count::from(a.domain.size()))
                ));
            }
            let rules = mentioned_by(loaded, index, map, id);
            h.facts.push(match rules.len() {
                0 => "no rule mentions it".to_string(),
                n => format!(
                    "mentioned by {n} rule{}: {}",
                    if n == 1 { "" } else { "s" },
                    listed(&rules)
                ),
            });
        }
        SymbolKind::Type | SymbolKind::Decision => {
            let what = if sym.kind == SymbolKind::Type {
                "values"
            } else {
                "outcomes"
            };
            h.facts.push(format!("{what}: {}", members(index, id)));
            if let Some(ItemKind::Decision { doc: Some(d), .. }) =
                item_at(loaded, sym.item).map(|i| &i.kind)
            {
                h.doc = Some(d.value.clone());
                h.signature = without_doc(map, sym.item, d.span);
            }
        }
        SymbolKind::Group => {
            let values = p.and_then(|p| {
                let g = p.groups.iter().find(|g| g.name == sym.name)?;
                Some(group_values(p, g))
            });
            match values {
                Some(vs) => h.facts.push(format!("members: {}", code_list(&vs))),
                None => h.facts.push("members: see the declaration".to_string()),
            }
        }
        SymbolKind::Value => {
            if let Some(parent) = sym.parent {
                let ps = index.symbol(parent);
                h.signature = format!("{} (a value of `{}`)", sym.name, ps.name);
                h.facts
                    .push(format!("`{}`: {}", ps.name, members(index, parent)));
            }
            if let Some(p) = p {
                let groups: Vec<String> = p
                    .groups
                    .iter()
                    .filter(|g| group_values(p, g).contains(&sym.name))
                    .map(|g| g.name.clone())
                    .collect();
                if !groups.is_empty() {
                    h.facts.push(format!("in groups {}", code_list(&groups)));
                }
            }
        }
        SymbolKind::Outcome => {
            if let Some(parent) = sym.parent {
                h.signature = format!(
                    "{} (an outcome of `{}`)",
                    sym.name,
                    index.symbol(parent).name
                );
            }
            if let Some(p) = p
                && let Some(o) = p.decision.outcomes.iter().position(|x| *x == sym.name)
            {
                let rules: Vec<String> = p
                    .rules
                    .iter()
                    .filter(|r| r.outcome == o)
                    .map(|r| r.id.clone())
                    .collect();
                h.facts.push(match rules.len() {
                    0 => "no rule gives it".to_string(),
                    n => format!(
                        "given by {n} rule{}: {}",
                        if n == 1 { "" } else { "s" },
                        listed(&rules)
                    ),
                });
                if p.default == Fallback::Outcome(o) {
                    h.facts
                        .push("the `default`: cases no rule decides get it".to_string());
                }
            }
        }
        SymbolKind::Rule => {
            let item = item_at(loaded, sym.item)?;
            return Some(Hover {
                span,
                ..rule_hover(span, declaration(item.span), sym.def, map, findings)
            });
        }
        SymbolKind::Test => {
            if let (Some(p), Some(tests)) = (p, findings.tests)
                && let Some(r) = tests.iter().find(|r| p.tests[r.test].loc.0 == sym.def)
            {
                h.test = Some(r.clone());
            }
        }
        SymbolKind::Policy => {
            if let Some(p) = p {
                for (what, v) in [
                    ("title", &p.meta.title),
                    ("source", &p.meta.source),
                    ("date", &p.meta.date),
                ] {
                    if let Some(v) = v {
                        h.facts.push(format!("{what}: {v}"));
                    }
                }
                h.facts.push(format!(
                    "{} rules, {} tests, {} attributes",
                    p.rules.len(),
                    p.tests.len(),
                    p.attributes.len()
                ));
            }
        }
    }
    Some(h)
}

fn rule_hover(span: Span, signature: String, loc: Span, map: &SourceMap, f: Findings<'_>) -> Hover {
    let mut h = Hover {
        span,
        signature,
        doc: None,
        facts: Vec::new(),
        test: None,
    };
    let Some(p) = f.policy else {
        return h;
    };
    let Some(r) = p.rules.iter().position(|r| r.loc.0 == loc) else {
        return h;
    };
    let rule = &p.rules[r];
    h.doc = rule.because.clone();
    h.facts
        .push(format!("gives `{}`", p.decision.outcomes[rule.outcome]));
    if !rule.overrides.is_empty() {
        let names: Vec<String> = rule
            .overrides
            .iter()
            .map(|&o| p.rules[o].id.clone())
            .collect();
        h.facts.push(format!("overrides {}", listed(&names)));
    }
    if let Some(m) = f.matched {
        h.facts.push(format!("matches {}", cases(m)));
    }
    if let Some(d) = f.decided.and_then(|d| d.get(r)) {
        if *d == Count::from(0u8) {
            h.facts
                .push("**dead**: it decides no case (other rules win wherever it matches)".into());
        } else {
            h.facts.push(format!("decides {}", cases(d)));
        }
    }
    let _ = map;
    h
}

/// A group's values, by name.
fn group_values(p: &Policy, g: &crate::check::Group) -> Vec<String> {
    g.members
        .iter()
        .map(|&m| p.types[g.ty].values[m as usize].clone())
        .collect()
}

/// The item whose span is, or holds, `span`.
fn item_at(loaded: &Loaded, span: Span) -> Option<&crate::syntax::ast::Item> {
    let ast = loaded.files.get(&span.file)?.ast.as_ref()?;
    let i = ast.items.partition_point(|it| it.span.end < span.end);
    ast.items
        .get(i)
        .filter(|it| it.span.start <= span.start && span.end <= it.span.end)
}

/// The members of a type or decision, in backticks.
fn members(index: &Index, parent: super::index::SymbolId) -> String {
    let names: Vec<String> = index
        .symbols()
        .filter(|(_, s)| {
            s.parent == Some(parent) && matches!(s.kind, SymbolKind::Value | SymbolKind::Outcome)
        })
        .map(|(_, s)| s.name.clone())
        .collect();
    code_list(&names)
}

/// The rules whose items mention the symbol, by id (`name`, or `line:N`).
fn mentioned_by(
    loaded: &Loaded,
    index: &Index,
    map: &SourceMap,
    id: super::index::SymbolId,
) -> Vec<String> {
    let mut out = Vec::new();
    for o in index.references(id).filter(|o| !o.is_def) {
        let Some(item) = item_at(loaded, o.span) else {
            continue;
        };
        if let ItemKind::Rule(r) = &item.kind {
            let name = match &r.name {
                Some(n) => n.name.clone(),
                None => format!("line:{}", map.line(r.when_span)),
            };
            if out.last() != Some(&name) {
                out.push(name);
            }
        }
    }
    out.dedup();
    out
}

fn code_list(names: &[String]) -> String {
    listed(names)
}

/// Names in backticks, the first twenty, then how many more.
fn listed(names: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut s: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        s.push(format!("and {} more", names.len() - SHOWN));
    }
    s.join(", ")
}

/// A declaration's text up to its doc string (shown on its own).
fn without_doc(map: &SourceMap, item: Span, doc: Span) -> String {
    one_line(&map.text(item.file)[item.start as usize..doc.start as usize])
}

/// A declaration on one line, cut at 200 characters.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}
