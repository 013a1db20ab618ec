//! Checking: a loaded syntax tree in, a [`Policy`] with every name resolved
//! and every condition typed out (or the diagnostics that say why not).
//!
//! The checker makes passes over the items in scope (the root file with its
//! `use`s spliced in place), one module each, in this order:
//!
//! 1. `types`: types and decisions;
//! 2. `attributes`: attributes and groups;
//! 3. `header`: the root file's structure — a vocabulary (which stops
//!    here), or a policy with its header, metadata and the decision in
//!    scope;
//! 4. `extends`: the base's rules brought in (SPEC section 4a);
//! 5. `rules`: the policy's own rules, names first, then bodies, whose
//!    conditions `cond` types;
//! 6. `order`: the `overrides` order, which must be acyclic;
//! 7. `settings`: `resolve` and `default`, the base's where this policy
//!    states none;
//! 8. `test_items`: the in-file tests;
//! 9. `declared`: what the root file declares and uses, and its `allow`s,
//!    for the lints.
//!
//! Each pass reports every problem it finds and carries on with a
//! placeholder, so one run reports all errors; only a run without errors
//! yields a [`Policy`]. The passes share one `Checker`, which holds the
//! name tables each fills for the ones after it.
//!
//! A file with syntax errors is checked too, on the items that parsed.
//! The items that did not ([`ast::BrokenItem`]) are read only for the names
//! they declare (`Unparsed`): a name that is unknown because its
//! declaration did not parse is not reported again wherever it is used
//! (nor are the attributes and groups of a type whose declaration did not
//! parse, nor the missing decision or header when one did not parse).
//!
//! A policy that `extends` a base (SPEC section 4a) is checked after its
//! base, which is checked on its own first, recursively; a base with errors
//! stops the check with one error at the `extends` (its own errors are
//! reported with it). The base's declarations are in scope through the
//! loader's splicing; its rules are brought in from its checked form:
//! renamed `BASE.RULE`, renumbered onto this policy's attributes and
//! outcomes, with repealed rules removed (the order they were part of kept
//! among the others). The checked base itself is kept in
//! [`Policy::extends`] for the reference interpreter.
//!
//! Guarantees to the next stage: every name is an index; every atom is
//! "attribute ∈ set" inside the attribute's domain; the `overrides` relation
//! is acyclic and irreflexive; a `priority` list ranks every outcome once;
//! exactly one decision is in scope.

mod attributes;
mod cond;
mod declared;
mod extends;
mod header;
pub mod ir;
mod order;
mod rules;
mod settings;
mod test_items;
mod types;

use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::load::Loaded;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, ItemKind};
pub use ir::*;
use std::collections::HashMap;

/// What checking produced.
#[derive(Debug)]
pub struct Checked {
    /// The checked policy, when the root is a policy and nothing is wrong.
    pub policy: Option<Policy>,
    /// Whether the root was checked as a vocabulary (no policy expected).
    pub is_vocabulary: bool,
    /// Every problem found, in source order per pass.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks the root of `loaded` (and everything it uses). Files may have
/// syntax errors: what parsed is checked, and names declared by items that
/// did not parse are not reported as unknown.
pub fn check(loaded: &Loaded, map: &SourceMap) -> Checked {
    check_file(loaded, map, loaded.root)
}

/// Checks one loaded file as the root: its base first, on its own.
fn check_file(loaded: &Loaded, map: &SourceMap, root: FileId) -> Checked {
    // SPEC 4a: the base must check cleanly on its own, and its errors are
    // reported at the `extends` that led there. The loader has ruled out
    // cycles, so this recursion ends.
    let mut base = None;
    if let Some((item, file)) = loaded.base_of(root) {
        let at = loaded.ast(root).items[item].span;
        let checked = check_file(loaded, map, file);
        match checked.policy {
            Some(p) => base = Some((p, at)),
            None => {
                let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
                let mut diagnostics = checked.diagnostics;
                diagnostics.push(crate::load::base_has_errors(
                    std::path::Path::new(map.name(file)),
                    at,
                    errors.max(1),
                ));
                diagnostics
                    .sort_by_key(|d| d.primary.as_ref().map(|l| (l.span.file, l.span.start)));
                return Checked {
                    policy: None,
                    is_vocabulary: false,
                    diagnostics,
                };
            }
        }
    }
    let items: Vec<(FileId, &ast::Item)> = loaded
        .items_in_scope_of(root)
        .into_iter()
        .map(|(f, i)| (f, &loaded.ast(f).items[i]))
        .collect();
    let root_name = map.name(root);
    let unparsed = Unparsed::of(loaded, root);
    // An item that did not parse still says what kind of file this is.
    let root_broken = &loaded.ast(root).broken;
    let has_header = unparsed.policy
        || items
            .iter()
            .any(|(f, it)| *f == root && matches!(it.kind, ItemKind::Policy(_)));
    let all_declarations = items.iter().all(|(_, it)| it.kind.is_declaration())
        && root_broken
            .iter()
            .all(|b| b.keyword.is_none_or(|k| DECLARATION_KEYWORDS.contains(&k)));
    let is_vocabulary = root_name.ends_with(".vocab")
        || (!has_header && all_declarations && !root_name.ends_with(".policy"));
    let mut cx = Checker {
        map,
        items,
        root,
        diagnostics: Vec::new(),
        types: Vec::new(),
        type_names: HashMap::new(),
        enums: Vec::new(),
        groups: Vec::new(),
        group_names: HashMap::new(),
        attributes: Vec::new(),
        attr_enum: Vec::new(),
        attr_names: HashMap::new(),
        decisions: Vec::new(),
        rule_names: HashMap::new(),
        lineage: base
            .as_ref()
            .map(|(b, _)| {
                std::iter::once(b.meta.name.clone())
                    .chain(b.lineage().into_iter().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        extends_at: base.as_ref().map(|(_, at)| *at),
        base,
        inherited: HashMap::new(),
        repealed_at: HashMap::new(),
        type_used: Vec::new(),
        group_used: Vec::new(),
        attr_used: Vec::new(),
        outcome_used: Vec::new(),
        unparsed,
    };
    cx.types_and_decisions();
    cx.attributes_and_groups();
    let policy = if is_vocabulary {
        cx.vocabulary_only();
        None
    } else {
        cx.policy()
    };
    let errors = cx.diagnostics.iter().any(Diagnostic::is_error);
    // Passes find problems in their own order; users read them in the
    // order of the text.
    cx.diagnostics
        .sort_by_key(|d| d.primary.as_ref().map(|l| (l.span.file, l.span.start)));
    Checked {
        policy: if errors { None } else { policy },
        is_vocabulary,
        diagnostics: cx.diagnostics,
    }
}

/// One enum domain (a named type or an anonymous enum), with a name index
/// so that huge enums resolve values in constant time.
struct EnumInfo {
    values: Vec<String>,
    index: HashMap<String, u32>,
    ty: Option<usize>,
    /// For each value, whether the root file names it (see
    /// [`Declared::used`]).
    used: Vec<bool>,
}

/// The state the passes share: the items in scope, the diagnostics found,
/// and the name tables each pass fills for the ones after it.
struct Checker<'a> {
    map: &'a SourceMap,
    items: Vec<(FileId, &'a ast::Item)>,
    root: FileId,
    diagnostics: Vec<Diagnostic>,
    types: Vec<TypeDef>,
    type_names: HashMap<&'a str, usize>,
    enums: Vec<EnumInfo>,
    groups: Vec<Group>,
    group_names: HashMap<&'a str, usize>,
    attributes: Vec<Attribute>,
    /// For each attribute, its index in `enums` when it is an enum.
    attr_enum: Vec<Option<usize>>,
    attr_names: HashMap<&'a str, usize>,
    decisions: Vec<(&'a ast::Ident, Vec<String>, Option<String>)>,
    rule_names: HashMap<&'a str, (usize, Span)>,
    /// The base this policy extends, checked, and the `extends` item.
    base: Option<(Policy, Span)>,
    /// The names of the policies this one builds on, nearest first: kept
    /// after [`Checker::inherit`] takes `base`, for the notes of
    /// references to rules that resolve to none.
    lineage: Vec<String>,
    /// The `extends` item, kept for the same notes.
    extends_at: Option<Span>,
    /// The inherited named rules that were not repealed, by their id here
    /// (`BASE.RULE`).
    inherited: HashMap<String, RuleId>,
    /// The repealed rules, by their id here, with the reference that
    /// repealed each.
    repealed_at: HashMap<String, Span>,
    // Whether the root file names each type, group, attribute and outcome
    // (of the decision in scope), set as names resolve; values keep theirs
    // in `EnumInfo::used`. They become `Policy::declared`.
    type_used: Vec<bool>,
    group_used: Vec<bool>,
    attr_used: Vec<bool>,
    outcome_used: Vec<bool>,
    /// What the items that did not parse declare.
    unparsed: Unparsed,
}

/// The keywords of the items a vocabulary may hold.
const DECLARATION_KEYWORDS: &[&str] = &["use", "type", "group", "attribute", "decision"];

/// What the items that did not parse ([`ast::BrokenItem`]) in the files in
/// scope declare, so that the uses of those names are not reported as
/// unknown: the syntax error is the one mistake, and it is reported.
#[derive(Default)]
struct Unparsed {
    /// By kind, the item's keyword (`type`, `group`, `attribute`,
    /// `rule`): the names. Attributes and groups of a type in here are
    /// added as they are met: they are as unknown as their type.
    names: HashMap<&'static str, std::collections::HashSet<String>>,
    /// Kinds with an item that did not parse and whose name could not be
    /// read: any unknown name of that kind may be its.
    nameless: Vec<&'static str>,
    /// A `decision` did not parse.
    decision: bool,
    /// The root's `policy` header did not parse.
    policy: bool,
    /// A `use` or `extends` did not parse: the file it names was not read,
    /// so any name may have been declared there.
    opaque: bool,
}

impl Unparsed {
    /// The broken items of `root` and of every file it reads, however
    /// deep.
    fn of(loaded: &Loaded, root: FileId) -> Unparsed {
        let mut out = Unparsed::default();
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![root];
        while let Some(file) = todo.pop() {
            if !seen.insert(file) {
                continue;
            }
            let Some(f) = loaded.files.get(&file) else {
                continue;
            };
            todo.extend(f.uses.iter().filter_map(|&(_, t)| t));
            let Some(ast) = &f.ast else { continue };
            for b in &ast.broken {
                match (b.keyword, &b.name) {
                    (Some("use" | "extends"), _) => out.opaque = true,
                    (Some("decision"), _) => out.decision = true,
                    (Some("policy"), _) => out.policy |= file == root,
                    (Some(k @ ("type" | "group" | "attribute" | "rule")), Some(n)) => {
                        out.add(k, &n.name)
                    }
                    (Some(k @ ("type" | "group" | "attribute" | "rule")), None) => {
                        out.nameless.push(k)
                    }
                    _ => {}
                }
            }
        }
        out
    }

    /// Whether an unknown `kind` named `name` may be declared by an item
    /// that did not parse.
    fn covers(&self, kind: &str, name: &str) -> bool {
        self.opaque
            || self.nameless.contains(&kind)
            || self.names.get(kind).is_some_and(|n| n.contains(name))
    }

    /// Records that the `kind` named `name` is unknown because of an item
    /// that did not parse.
    fn add(&mut self, kind: &'static str, name: &str) {
        self.names.entry(kind).or_default().insert(name.to_string());
    }
}

/// A `kind` of name declared again at `name`, first at `first`.
fn duplicate(kind: &str, name: &ast::Ident, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DUPLICATE_NAME,
        format!("the {kind} `{}` is declared more than once", name.name),
    )
    .at(name.span, format!("`{}` declared again here", name.name))
    .also(first, "first declared here")
    .help(format!("rename or remove one of the two {kind}s"))
}

impl<'a> Checker<'a> {
    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Checks the root file as a policy, pass after pass (see the module
    /// documentation); the policy when it has a header and a decision.
    fn policy(&mut self) -> Option<Policy> {
        let root = self.root;
        let root_items: Vec<&'a ast::Item> = self
            .items
            .iter()
            .filter(|(f, _)| *f == root)
            .map(|(_, it)| *it)
            .collect();
        let header = self.header(&root_items);
        let decision = self.decision(header.name);
        // Rules: names first, so `overrides` may point forward. The base's
        // rules come first (SPEC 4a: as if they stood where `extends` is).
        let rule_items = rules::rule_items(&root_items);
        let (mut rules, extends) = self.inherit(
            decision.as_ref(),
            &header.repeals,
            &rules::own_names(&rule_items),
        );
        let offset = rules.len();
        self.rules(&rule_items, offset, decision.as_ref(), &mut rules);
        self.override_cycles(&rules, &rule_items, offset);
        let (resolve, default) = self.settings(&header, extends.as_deref(), decision.as_ref());
        let tests = self.tests(&root_items, &rules, decision.as_ref());
        let allows = declared::allows(&root_items);
        let declared = self.declared(&root_items);
        Some(Policy {
            meta: Meta {
                name: header.name?.name.clone(),
                title: header.title.map(|(s, _)| s.value.clone()),
                source: header.source.map(|(s, _)| s.value.clone()),
                date: header.date.map(|(s, _)| s.value.clone()),
                loc: Loc(header.name?.span),
            },
            types: self.types.clone(),
            groups: self.groups.clone(),
            attributes: self.attributes.clone(),
            decision: decision?,
            resolve,
            default,
            rules,
            tests,
            allows,
            declared,
            extends,
        })
    }

    /// Resolves an outcome of the decision in scope (none: reported
    /// already), recording that the root file names it.
    fn outcome(&mut self, o: &ast::Ident, decision: Option<&Decision>) -> Option<OutcomeId> {
        let decision = decision?;
        if let Some(i) = decision.outcomes.iter().position(|x| *x == o.name) {
            if let Some(u) = self.outcome_used.get_mut(i) {
                *u = true;
            }
            return Some(i);
        }
        let mut d = Diagnostic::error(
            Code::UNKNOWN_OUTCOME,
            format!("`{}` is not an outcome of `{}`", o.name, decision.name),
        )
        .at(o.span, "not an outcome")
        .also(decision.loc.0, "the outcomes are declared here");
        if let Some(s) = did_you_mean(&o.name, decision.outcomes.iter().map(String::as_str)) {
            d = d.help(format!("did you mean `{s}`?"));
        } else {
            d = d.note(format!(
                "the outcomes are {}",
                backticked(&decision.outcomes)
            ));
        }
        self.push(d);
        None
    }
}

/// `a`, `b` and `c`: names in backticks, as messages list them.
fn backticked(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}
