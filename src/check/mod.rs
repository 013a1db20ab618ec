//! Checking: a loaded syntax tree in, a [`Policy`] with every name resolved
//! and every condition typed out (or the diagnostics that say why not).
//!
//! The checker makes several passes over the items in scope (the root file
//! with its `use`s spliced in place): types and decisions first, then
//! attributes and groups, then the policy's structure and settings, then
//! rules, tests and the `overrides` order. Each pass reports every problem it
//! finds and carries on with a placeholder, so one run reports all errors;
//! only a run without errors yields a [`Policy`].
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

pub mod ir;

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

/// Checks the root of `loaded` (and everything it uses). The caller must
/// not pass a `Loaded` whose files failed to parse: their declarations would
/// be missing and every use of them reported again.
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
    let has_header = items
        .iter()
        .any(|(f, it)| *f == root && matches!(it.kind, ItemKind::Policy(_)));
    let all_declarations = items.iter().all(|(_, it)| it.kind.is_declaration());
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
        base,
        inherited: HashMap::new(),
        repealed_at: HashMap::new(),
        type_used: Vec::new(),
        group_used: Vec::new(),
        attr_used: Vec::new(),
        outcome_used: Vec::new(),
    };
    cx.declarations();
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
}

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

    /// Checks a declaration's value list for repeats and returns the values.
    fn value_list(
        &mut self,
        values: &[ast::Ident],
        what: &str,
    ) -> (Vec<String>, HashMap<String, u32>) {
        let mut index: HashMap<String, u32> = HashMap::with_capacity(values.len());
        let mut first: HashMap<&str, Span> = HashMap::new();
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            if let Some(prev) = first.get(v.name.as_str()) {
                let d = Diagnostic::error(
                    Code::DUPLICATE_VALUE,
                    format!("the value `{}` is listed twice in {what}", v.name),
                )
                .at(v.span, "listed again here")
                .also(*prev, "first listed here")
                .help("remove one of them");
                self.push(d);
                continue;
            }
            first.insert(&v.name, v.span);
            index.insert(v.name.clone(), out.len() as u32);
            out.push(v.name.clone());
        }
        (out, index)
    }

    // ----- pass 1-3: declarations -------------------------------------

    fn declarations(&mut self) {
        let items = self.items.clone();
        for (_, item) in &items {
            if let ItemKind::Type { name, values } = &item.kind {
                if let Some(&prev) = self.type_names.get(name.name.as_str()) {
                    let d = duplicate("type", name, self.types[prev].loc.0);
                    self.push(d);
                    continue;
                }
                let (vals, index) = self.value_list(values, &format!("type `{}`", name.name));
                let id = self.types.len();
                self.type_names.insert(&name.name, id);
                self.types.push(TypeDef {
                    name: name.name.clone(),
                    values: vals.clone(),
                    loc: Loc(name.span),
                });
                self.type_used.push(false);
                self.enums.push(EnumInfo {
                    used: vec![false; vals.len()],
                    values: vals,
                    index,
                    ty: Some(id),
                });
            }
        }
        for (_, item) in &items {
            if let ItemKind::Decision { name, values, doc } = &item.kind {
                if let Some((prev, _, _)) =
                    self.decisions.iter().find(|(n, _, _)| n.name == name.name)
                {
                    let d = duplicate("decision", name, prev.span);
                    self.push(d);
                    continue;
                }
                let (vals, _) = self.value_list(values, &format!("decision `{}`", name.name));
                self.decisions
                    .push((name, vals, doc.as_ref().map(|d| d.value.clone())));
            }
        }
        for (file, item) in &items {
            // Only the root file's references count as uses.
            let in_root = *file == self.root;
            match &item.kind {
                ItemKind::Attribute { name, ty, doc } => self.attribute(name, ty, doc, in_root),
                ItemKind::Group {
                    name,
                    ty,
                    except,
                    values,
                } => self.group(name, ty, *except, values, in_root),
                _ => {}
            }
        }
    }

    fn attribute(
        &mut self,
        name: &'a ast::Ident,
        ty: &ast::TypeExpr,
        doc: &Option<ast::Str>,
        in_root: bool,
    ) {
        if let Some(&prev) = self.attr_names.get(name.name.as_str()) {
            let d = duplicate("attribute", name, self.attributes[prev].loc.0);
            self.push(d);
            return;
        }
        let (domain, enum_id) = match ty {
            ast::TypeExpr::Enum(values) => {
                let (vals, index) = self.value_list(values, &format!("attribute `{}`", name.name));
                self.enums.push(EnumInfo {
                    used: vec![false; vals.len()],
                    values: vals.clone(),
                    index,
                    ty: None,
                });
                (
                    Domain::Enum {
                        ty: None,
                        values: vals,
                    },
                    Some(self.enums.len() - 1),
                )
            }
            ast::TypeExpr::Named(t) => match self.type_names.get(t.name.as_str()) {
                Some(&id) => {
                    self.type_used[id] |= in_root;
                    let e = self
                        .enums
                        .iter()
                        .position(|e| e.ty == Some(id))
                        .expect("every type has an enum");
                    (
                        Domain::Enum {
                            ty: Some(id),
                            values: self.types[id].values.clone(),
                        },
                        Some(e),
                    )
                }
                None => {
                    self.unknown_type(t);
                    (Domain::Bool, None)
                }
            },
            ast::TypeExpr::Bool(_) => (Domain::Bool, None),
            ast::TypeExpr::Int { lo, hi } => {
                if lo.value > hi.value {
                    let d = Diagnostic::error(
                        Code::EMPTY_RANGE,
                        format!(
                            "the range `{}..{}` of `{}` is empty",
                            lo.value, hi.value, name.name
                        ),
                    )
                    .at(lo.span.to(hi.span), "the low bound is above the high bound")
                    .help(format!("write `int {}..{}`", hi.value, lo.value));
                    self.push(d);
                }
                (
                    Domain::Int {
                        lo: lo.value.min(hi.value),
                        hi: hi.value.max(lo.value),
                    },
                    None,
                )
            }
        };
        self.attr_names.insert(&name.name, self.attributes.len());
        self.attr_enum.push(enum_id);
        self.attr_used.push(false);
        self.attributes.push(Attribute {
            name: name.name.clone(),
            domain,
            doc: doc.as_ref().map(|d| d.value.clone()),
            loc: Loc(name.span),
        });
    }

    fn unknown_type(&mut self, t: &ast::Ident) {
        let mut d = Diagnostic::error(Code::UNKNOWN_TYPE, format!("cannot find type `{}`", t.name))
            .at(t.span, "not a declared type");
        if let Some(s) = did_you_mean(&t.name, self.types.iter().map(|t| t.name.as_str())) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if self.attr_names.contains_key(t.name.as_str()) {
            d = d.note(format!("`{}` is an attribute, not a type", t.name));
        } else {
            d = d.help(format!("declare it: `type {} = {{ ... }}`", t.name));
        }
        self.push(d);
    }

    fn group(
        &mut self,
        name: &'a ast::Ident,
        ty: &ast::Ident,
        except: bool,
        values: &[ast::Ident],
        in_root: bool,
    ) {
        if let Some(&prev) = self.group_names.get(name.name.as_str()) {
            let d = duplicate("group", name, self.groups[prev].loc.0);
            self.push(d);
            return;
        }
        let Some(&type_id) = self.type_names.get(ty.name.as_str()) else {
            self.unknown_type(ty);
            return;
        };
        self.type_used[type_id] |= in_root;
        let e = self
            .enums
            .iter()
            .position(|e| e.ty == Some(type_id))
            .expect("every type has an enum");
        let mut listed = vec![false; self.enums[e].values.len()];
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for v in values {
            if let Some(prev) = seen.get(v.name.as_str()) {
                let d = Diagnostic::error(
                    Code::DUPLICATE_VALUE,
                    format!(
                        "the value `{}` is listed twice in group `{}`",
                        v.name, name.name
                    ),
                )
                .at(v.span, "listed again here")
                .also(*prev, "first listed here")
                .help("remove one of them");
                self.push(d);
                continue;
            }
            seen.insert(&v.name, v.span);
            match self.enums[e].index.get(&v.name) {
                Some(&i) => {
                    listed[i as usize] = true;
                    self.enums[e].used[i as usize] |= in_root;
                }
                None => {
                    let d = self.unknown_value(&v.name, v.span, e, &ty.name);
                    self.push(d);
                }
            }
        }
        let members = listed
            .iter()
            .enumerate()
            .filter(|(_, l)| **l != except)
            .map(|(i, _)| i as u32)
            .collect();
        self.group_names.insert(&name.name, self.groups.len());
        self.group_used.push(false);
        self.groups.push(Group {
            name: name.name.clone(),
            ty: type_id,
            members,
            loc: Loc(name.span),
        });
    }

    fn unknown_value(&self, name: &str, span: Span, e: usize, owner: &str) -> Diagnostic {
        let info = &self.enums[e];
        let mut d = Diagnostic::error(
            Code::UNKNOWN_VALUE,
            format!("`{name}` is not a value of `{owner}`"),
        )
        .at(span, format!("not a value of `{owner}`"));
        let groups = self
            .groups
            .iter()
            .filter(|g| Some(g.ty) == info.ty)
            .map(|g| g.name.as_str());
        if let Some(s) = did_you_mean(name, info.values.iter().map(String::as_str).chain(groups)) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if info.values.len() <= 12 {
            d = d.note(format!(
                "the values of `{owner}` are {}",
                backticked(&info.values)
            ));
        }
        d
    }

    // ----- structure of the root file ---------------------------------

    fn vocabulary_only(&mut self) {
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

    fn policy(&mut self) -> Option<Policy> {
        let root = self.root;
        let root_items: Vec<&'a ast::Item> = self
            .items
            .iter()
            .filter(|(f, _)| *f == root)
            .map(|(_, it)| *it)
            .collect();

        // The header and its metadata.
        let mut header: Option<&ast::Ident> = None;
        let mut title: Option<(&ast::Str, Span)> = None;
        let mut source: Option<(&ast::Str, Span)> = None;
        let mut date: Option<(&ast::Str, Span)> = None;
        let mut resolve: Option<(&ast::Resolve, Span)> = None;
        let mut default: Option<(&Option<ast::Ident>, Span)> = None;
        let mut extends_at: Option<Span> = None;
        let mut repeals: Vec<&'a ast::RuleRef> = Vec::new();
        for item in &root_items {
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
        if header.is_none() {
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

        // The decision.
        let decision = match self.decisions.len() {
            // A file without a header was reported already; saying that it
            // also decides nothing would only repeat the same mistake.
            0 if header.is_none() => None,
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
        };

        // Rules: names first, so `overrides` may point forward. The base's
        // rules come first (SPEC 4a: as if they stood where `extends` is).
        let rule_items: Vec<(&'a ast::Rule, Span)> = root_items
            .iter()
            .filter_map(|it| match &it.kind {
                ItemKind::Rule(r) => Some((r, it.span)),
                _ => None,
            })
            .collect();
        let own_names: Vec<&str> = rule_items
            .iter()
            .filter_map(|(r, _)| r.name.as_ref().map(|n| n.name.as_str()))
            .collect();
        let (mut rules, extends) = self.inherit(decision.as_ref(), &repeals, &own_names);
        let offset = rules.len();
        for (i, (r, _)) in rule_items.iter().enumerate() {
            if let Some(name) = &r.name {
                if let Some(&(_, first)) = self.rule_names.get(name.name.as_str()) {
                    self.push(duplicate("rule", name, first));
                } else {
                    self.rule_names.insert(&name.name, (offset + i, name.span));
                }
            }
        }
        for (i, (r, span)) in rule_items.iter().enumerate() {
            let rule = self.rule(offset + i, r, *span, decision.as_ref());
            rules.push(rule);
        }
        self.override_cycles(&rules, &rule_items, offset);

        // SPEC 4a: the base's `resolve` and `default` hold unless this
        // policy states its own.
        let inherited_settings = extends.as_ref().map(|e| {
            let resolve = match &e.base.resolve {
                Resolve::Priority(list) => {
                    Resolve::Priority(list.iter().map(|&o| e.outcomes[o]).collect())
                }
                other => other.clone(),
            };
            let default = match &e.base.default {
                Default::Outcome(o) => Default::Outcome(e.outcomes[*o]),
                other => other.clone(),
            };
            (resolve, default)
        });
        let resolve = match resolve {
            None if inherited_settings.is_some() => inherited_settings
                .as_ref()
                .map_or(Resolve::Strict, |s| s.0.clone()),
            None | Some((ast::Resolve::Strict, _)) => Resolve::Strict,
            Some((ast::Resolve::First, _)) => Resolve::First,
            Some((ast::Resolve::Priority(list), span)) => {
                self.priority(list, span, decision.as_ref())
            }
        };
        let default = match default {
            None if inherited_settings.is_some() => {
                inherited_settings.map_or(Default::None, |s| s.1)
            }
            None => Default::None,
            Some((None, _)) => Default::Undecided,
            Some((Some(o), _)) => match self.outcome(o, decision.as_ref()) {
                Some(id) => Default::Outcome(id),
                None => Default::None,
            },
        };

        let mut test_names: HashMap<&str, Span> = HashMap::new();
        let mut tests = Vec::new();
        for item in &root_items {
            if let ItemKind::Test(t) = &item.kind {
                if let Some(first) = test_names.get(t.name.value.as_str()) {
                    let d = Diagnostic::error(
                        Code::DUPLICATE_NAME,
                        format!("the test \"{}\" is declared more than once", t.name.value),
                    )
                    .at(t.name.span, "declared again here")
                    .also(*first, "first declared here")
                    .help("give each test its own name");
                    self.push(d);
                } else {
                    test_names.insert(&t.name.value, t.name.span);
                }
                tests.push(self.test(t, &rules, decision.as_ref()));
            }
        }
        let allows = root_items
            .iter()
            .filter_map(|it| match &it.kind {
                ItemKind::Allow(names) => Some(names.iter().map(|n| (n.name.clone(), Loc(n.span)))),
                _ => None,
            })
            .flatten()
            .collect();
        let declared = self.declared(&root_items);
        Some(Policy {
            meta: Meta {
                name: header?.name.clone(),
                title: title.map(|(s, _)| s.value.clone()),
                source: source.map(|(s, _)| s.value.clone()),
                date: date.map(|(s, _)| s.value.clone()),
                loc: Loc(header?.span),
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

    /// The names the root file declares, in its order, with whether it
    /// uses them (as recorded while names resolved). Only meaningful when
    /// checking found no error: with duplicates some names have no table
    /// entry of their own (the policy is dropped then anyway).
    fn declared(&self, root_items: &[&'a ast::Item]) -> Vec<Declared> {
        let mut type_enum = vec![usize::MAX; self.types.len()];
        for (e, info) in self.enums.iter().enumerate() {
            if let Some(t) = info.ty {
                type_enum[t] = e;
            }
        }
        let mut out = Vec::new();
        let values = |out: &mut Vec<Declared>, e: usize, owner: ValueOwner, vs: &[ast::Ident]| {
            let info = &self.enums[e];
            for v in vs {
                if let Some(&i) = info.index.get(&v.name) {
                    out.push(Declared {
                        kind: DeclKind::Value,
                        name: v.name.clone(),
                        index: i as usize,
                        owner: Some(owner),
                        loc: Loc(v.span),
                        used: info.used[i as usize],
                    });
                }
            }
        };
        let simple = |kind: DeclKind, name: &ast::Ident, index: usize, used: bool| Declared {
            kind,
            name: name.name.clone(),
            index,
            owner: None,
            loc: Loc(name.span),
            used,
        };
        for item in root_items {
            match &item.kind {
                ItemKind::Type { name, values: vs } => {
                    if let Some(&t) = self.type_names.get(name.name.as_str()) {
                        out.push(simple(DeclKind::Type, name, t, self.type_used[t]));
                        values(&mut out, type_enum[t], ValueOwner::Type(t), vs);
                    }
                }
                ItemKind::Group { name, .. } => {
                    if let Some(&g) = self.group_names.get(name.name.as_str()) {
                        out.push(simple(DeclKind::Group, name, g, self.group_used[g]));
                    }
                }
                ItemKind::Attribute { name, ty, .. } => {
                    if let Some(&a) = self.attr_names.get(name.name.as_str()) {
                        out.push(simple(DeclKind::Attribute, name, a, self.attr_used[a]));
                        if let (ast::TypeExpr::Enum(vs), Some(e)) = (ty, self.attr_enum[a]) {
                            values(&mut out, e, ValueOwner::Attribute(a), vs);
                        }
                    }
                }
                // Only the decision in scope has outcomes; a second one is
                // an error. Outcomes are distinct (a repeat is an error too),
                // so the n-th listed is outcome n.
                ItemKind::Decision {
                    name, values: vs, ..
                } if self
                    .decisions
                    .first()
                    .is_some_and(|d| d.0.span == name.span) =>
                {
                    for (i, o) in vs.iter().enumerate() {
                        let used = self.outcome_used.get(i).copied().unwrap_or(false);
                        out.push(simple(DeclKind::Outcome, o, i, used));
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn priority(
        &mut self,
        list: &[ast::Ident],
        span: Span,
        decision: Option<&Decision>,
    ) -> Resolve {
        let Some(decision) = decision else {
            return Resolve::Strict;
        };
        let mut ranked = Vec::new();
        let mut first_at: HashMap<usize, Span> = HashMap::new();
        for o in list {
            let Some(id) = self.outcome(o, Some(decision)) else {
                continue;
            };
            if let Some(prev) = first_at.get(&id) {
                let d = Diagnostic::error(
                    Code::BAD_PRIORITY,
                    format!("the outcome `{}` is ranked twice", o.name),
                )
                .at(o.span, "ranked again here")
                .also(*prev, "first ranked here")
                .help("rank every outcome exactly once");
                self.push(d);
                continue;
            }
            first_at.insert(id, o.span);
            ranked.push(id);
        }
        let missing: Vec<String> = (0..decision.outcomes.len())
            .filter(|i| !first_at.contains_key(i))
            .map(|i| decision.outcomes[i].clone())
            .collect();
        // Unknown names were reported already; only report what is missing
        // when every name resolved, so one typo gives one error.
        if !missing.is_empty()
            && ranked.len() + missing.len() == decision.outcomes.len()
            && list.len() == ranked.len()
        {
            let d = Diagnostic::error(
                Code::BAD_PRIORITY,
                format!("`resolve priority` does not rank {}", backticked(&missing)),
            )
            .at(span, "every outcome must be ranked exactly once")
            .also(decision.loc.0, "the outcomes are declared here")
            .help(format!("add {} to the list", backticked(&missing)));
            self.push(d);
        }
        Resolve::Priority(ranked)
    }

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

    fn rule(
        &mut self,
        index: usize,
        r: &'a ast::Rule,
        item: Span,
        decision: Option<&Decision>,
    ) -> Rule {
        let id = match &r.name {
            Some(n) => n.name.clone(),
            None => format!("line:{}", self.map.line(r.when_span)),
        };
        let cond = self.cond(&r.cond);
        let outcome = self.outcome(&r.outcome, decision).unwrap_or(0);
        let mut overrides = Vec::new();
        for o in &r.overrides {
            match self.rule_ref(o, true) {
                Some(target) if target == index => {
                    let d = Diagnostic::error(
                        Code::SELF_OVERRIDE,
                        format!("the rule `{}` overrides itself", o.text()),
                    )
                    .at(o.span, "a rule cannot override itself")
                    .help("name the rule this one should beat");
                    self.push(d);
                }
                Some(target) if !overrides.contains(&target) => overrides.push(target),
                _ => {}
            }
        }
        let mut regardless = Vec::new();
        let mentioned = cond.attributes();
        for x in &r.regardless {
            let Some(a) = self.attribute_ref(x) else {
                continue;
            };
            if mentioned.contains(&a) {
                let mut d = Diagnostic::error(
                    Code::REGARDLESS_MENTIONED,
                    format!(
                        "the rule claims `regardless {}` but its condition tests `{}`",
                        x.name, x.name
                    ),
                )
                .at(x.span, "claimed not to matter");
                if let Some(loc) = first_atom_of(&cond, a) {
                    d = d.also(loc, format!("but the condition tests `{}` here", x.name));
                }
                self.push(d.help(format!(
                    "drop `regardless {}`, or drop the test of `{}` from the condition",
                    x.name, x.name
                )));
                continue;
            }
            if !regardless.iter().any(|(b, _)| *b == a) {
                regardless.push((a, Loc(x.span)));
            }
        }
        Rule {
            id,
            named: r.name.is_some(),
            overrides,
            cond,
            outcome,
            regardless,
            because: r.because.as_ref().map(|b| b.value.clone()),
            loc: Loc(r.name.as_ref().map_or(r.when_span, |n| n.span)),
            item: Loc(item),
        }
    }

    /// Resolves a rule reference in `overrides` (`in_overrides`) or a
    /// test's `by`: `NAME` is a rule of this policy, `BASE.NAME` an
    /// inherited one. Reports what it cannot resolve.
    fn rule_ref(&mut self, r: &ast::RuleRef, in_overrides: bool) -> Option<RuleId> {
        let text = r.text();
        let found = match &r.base {
            None => self.rule_names.get(r.name.name.as_str()).map(|&(i, _)| i),
            Some(_) => self.inherited.get(&text).copied(),
        };
        if found.is_some() {
            return found;
        }
        if let Some(&at) = self.repealed_at.get(&text) {
            let d = Diagnostic::error(
                Code::UNKNOWN_RULE,
                format!("the rule `{text}` is repealed by this policy"),
            )
            .at(r.span, "no longer a rule of this policy")
            .also(at, "repealed here")
            .help("name a rule that is still in force, or stop repealing this one");
            self.push(d);
            return None;
        }
        let mut d = Diagnostic::error(Code::UNKNOWN_RULE, format!("cannot find rule `{text}`"))
            .at(r.span, "no rule has this name");
        let lineage: Vec<String> = match &self.base {
            Some((b, _)) => std::iter::once(b.meta.name.clone())
                .chain(b.lineage().into_iter().map(str::to_string))
                .collect(),
            None => Vec::new(),
        };
        // An inherited rule of that name, written without its policy.
        let mut qualified: Vec<&String> = self
            .inherited
            .keys()
            .filter(|k| k.rsplit('.').next() == Some(r.name.name.as_str()))
            .collect();
        qualified.sort();
        let candidates: Vec<&str> = self
            .rule_names
            .keys()
            .copied()
            .chain(self.inherited.keys().map(String::as_str))
            .collect();
        if r.base.is_none()
            && let Some(q) = qualified.first()
        {
            d = d
                .help(format!("did you mean `{q}`?"))
                .note("a rule inherited through `extends` is named after its policy: `BASE.RULE`");
        } else if let Some(s) = did_you_mean(&text, candidates.iter().copied()) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if let Some(b) = &r.base
            && !lineage.contains(&b.name)
        {
            d = d.note(match lineage.first() {
                Some(base) => format!(
                    "`{}` is not the name of a policy this one extends; its base is `{base}`",
                    b.name
                ),
                None => format!(
                    "this policy extends no other, so `{}` names no rule here",
                    text
                ),
            });
        } else if in_overrides {
            d = d.note(if lineage.is_empty() {
                "only named rules (`rule NAME: ...`) of this policy can be overridden".to_string()
            } else {
                "only named rules can be overridden: this policy's own (`NAME`) and the ones it inherits (`BASE.NAME`)".to_string()
            });
        }
        self.push(d);
        None
    }

    /// Brings the base's rules into this policy (SPEC 4a): resolves the
    /// `repeal`s, then renames, renumbers and reorders what remains. Also
    /// records the inherited and repealed names for [`Checker::rule_ref`].
    fn inherit(
        &mut self,
        decision: Option<&Decision>,
        repeals: &[&'a ast::RuleRef],
        own_names: &[&str],
    ) -> (Vec<Rule>, Option<Box<Extends>>) {
        let Some((base, at)) = self.base.take() else {
            for r in repeals {
                let d = Diagnostic::error(
                    Code::UNKNOWN_REPEAL,
                    format!("cannot repeal `{}`: this policy extends no base", r.text()),
                )
                .at(r.span, "nothing is inherited to repeal")
                .help("add `extends \"BASE.policy\"` to build on a policy, or remove the `repeal`");
                self.push(d);
            }
            return (Vec::new(), None);
        };
        let n = base.rules.len();
        let ids: Vec<String> = base
            .rules
            .iter()
            .map(|r| inherited_id(&base.meta.name, &r.id))
            .collect();
        let by_id: HashMap<&str, RuleId> = (0..n)
            .filter(|&j| base.rules[j].named)
            .map(|j| (ids[j].as_str(), j))
            .collect();

        // Two policies of the chain with one name would give two rules one id.
        let lineage = base.lineage();
        let mut names = vec![base.meta.name.as_str()];
        for name in lineage {
            if names.contains(&name) {
                let d = Diagnostic::error(
                    Code::DUPLICATE_NAME,
                    format!("two policies this one builds on are both named `{name}`"),
                )
                .at(at, "the chain of bases starts here")
                .note(format!(
                    "inherited rules are named `{name}.RULE`, which would not say which policy states them"
                ))
                .help("rename one of the two policies");
                self.push(d);
            }
            names.push(name);
        }

        // `repeal`.
        let mut repealed = vec![false; n];
        let mut first_at: HashMap<RuleId, Span> = HashMap::new();
        for r in repeals {
            let text = r.text();
            if let Some(&j) = by_id.get(text.as_str()) {
                if let Some(&prev) = first_at.get(&j) {
                    let d = Diagnostic::error(
                        Code::REPEATED_REPEAL,
                        format!("`{text}` is repealed twice"),
                    )
                    .at(r.span, "repealed again here")
                    .also(prev, "first repealed here")
                    .help("repeal it once; if another rule was meant, name that one");
                    self.push(d);
                } else {
                    first_at.insert(j, r.span);
                    repealed[j] = true;
                    self.repealed_at.insert(text, r.span);
                }
                continue;
            }
            let mut d = Diagnostic::error(
                Code::UNKNOWN_REPEAL,
                format!("cannot repeal `{text}`: the base has no such rule"),
            )
            .at(r.span, "no inherited rule has this name");
            let short = r.name.name.as_str();
            let same_short = (0..n)
                .filter(|&j| base.rules[j].named && ids[j].rsplit('.').next() == Some(short))
                .map(|j| ids[j].as_str())
                .next();
            if r.base.is_none() && own_names.contains(&short) {
                d = Diagnostic::error(
                    Code::UNKNOWN_REPEAL,
                    format!("`{text}` is this policy's own rule, not an inherited one"),
                )
                .at(r.span, "`repeal` removes rules of the base")
                .help("delete the rule instead of repealing it");
            } else if let (None, Some(q)) = (&r.base, same_short) {
                d = d
                    .help(format!("did you mean `{q}`?"))
                    .note("an inherited rule is named after its policy: `BASE.RULE`");
            } else if let Some(s) = did_you_mean(&text, by_id.keys().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            } else if let Some(b) = r
                .base
                .as_ref()
                .filter(|b| !names.contains(&b.name.as_str()))
            {
                d = d.note(format!(
                    "`{}` is not the name of a policy this one extends; its base is `{}`",
                    b.name, base.meta.name
                ));
            } else {
                let mut named: Vec<&str> = (0..n)
                    .filter(|&j| base.rules[j].named)
                    .map(|j| ids[j].as_str())
                    .collect();
                if named.is_empty() {
                    d = d.note("the base has no named rules; only named rules can be repealed");
                } else if named.len() <= 12 {
                    named.sort_unstable();
                    let quoted: Vec<String> = named.iter().map(|s| s.to_string()).collect();
                    d = d.note(format!(
                        "the rules that can be repealed are {}",
                        backticked(&quoted)
                    ));
                }
            }
            self.push(d);
        }

        // Renumbering: kept rules in the base's order.
        let mut new_index = vec![usize::MAX; n];
        let mut kept = 0;
        for j in 0..n {
            if !repealed[j] {
                new_index[j] = kept;
                kept += 1;
            }
        }
        // INVARIANT: the base's declarations are in this policy's scope
        // (the loader splices them), so every base attribute and outcome has
        // a namesake here; only after an error reported elsewhere (two
        // declarations of one name) might a lookup fail, and then the policy
        // is dropped anyway.
        let attributes: Vec<AttrId> = base
            .attributes
            .iter()
            .map(|a| self.attr_names.get(a.name.as_str()).copied().unwrap_or(0))
            .collect();
        let outcomes: Vec<OutcomeId> = base
            .decision
            .outcomes
            .iter()
            .map(|o| {
                decision
                    .and_then(|d| d.outcomes.iter().position(|x| x == o))
                    .unwrap_or(0)
            })
            .collect();
        let mut rules = Vec::with_capacity(kept);
        for j in (0..n).filter(|&j| !repealed[j]) {
            let r = &base.rules[j];
            // The base's order, restricted to the rules that remain: an
            // edge into a repealed rule continues to what it overrode.
            let mut overrides = Vec::new();
            let mut seen = vec![false; n];
            let mut todo: Vec<RuleId> = r.overrides.iter().rev().copied().collect();
            while let Some(t) = todo.pop() {
                if std::mem::replace(&mut seen[t], true) {
                    continue;
                }
                if repealed[t] {
                    todo.extend(base.rules[t].overrides.iter().rev());
                } else if !overrides.contains(&new_index[t]) {
                    overrides.push(new_index[t]);
                }
            }
            if r.named {
                self.inherited.insert(ids[j].clone(), new_index[j]);
            }
            rules.push(Rule {
                id: ids[j].clone(),
                named: r.named,
                overrides,
                cond: remap(&r.cond, &attributes),
                outcome: outcomes[r.outcome],
                // A `regardless` claim is about the base's decisions; it was
                // verified with the base, and this policy cannot edit it.
                regardless: Vec::new(),
                because: r.because.clone(),
                loc: r.loc,
                item: r.item,
            });
        }
        let mut repealed_ids: Vec<RuleId> = (0..n).filter(|&j| repealed[j]).collect();
        repealed_ids.sort_unstable();
        let extends = Extends {
            base,
            repealed: repealed_ids,
            attributes,
            outcomes,
            loc: Loc(at),
        };
        (rules, Some(Box::new(extends)))
    }

    /// Reports the cycles of `overrides`. Only this policy's own rules,
    /// `rules[offset..]` (one per entry of `items`), can be in one: inherited
    /// rules override only each other, and the base has no cycle.
    fn override_cycles(&mut self, rules: &[Rule], items: &[(&ast::Rule, Span)], offset: usize) {
        let sccs = strongly_connected(rules.len(), |v| &rules[v].overrides);
        for scc in sccs.into_iter().filter(|c| c.len() > 1) {
            let cycle = cycle_in(&scc, |v| &rules[v].overrides);
            let names: Vec<&str> = cycle.iter().map(|&v| rules[v].id.as_str()).collect();
            let start = cycle[0];
            let mut shown = names.join(" → ");
            shown.push_str(" → ");
            shown.push_str(names[0]);
            let at = |v: usize| {
                let Some((r, _)) = v.checked_sub(offset).and_then(|i| items.get(i)) else {
                    return rules[v].loc.0;
                };
                r.overrides
                    .iter()
                    .find(|o| {
                        let next = cycle
                            [(cycle.iter().position(|&c| c == v).unwrap_or(0) + 1) % cycle.len()];
                        o.text() == rules[next].id
                    })
                    .map_or(rules[v].loc.0, |o| o.span)
            };
            let mut d = Diagnostic::error(
                Code::OVERRIDE_CYCLE,
                format!("`overrides` forms a cycle: {shown}"),
            )
            .at(
                at(start),
                format!("`{}` overrides `{}` here", names[0], names[1 % names.len()]),
            );
            for (k, &v) in cycle.iter().enumerate().skip(1) {
                let next = names[(k + 1) % names.len()];
                d = d.also(at(v), format!("`{}` overrides `{next}` here", names[k]));
            }
            self.push(
                d.help("decide which rule is the exception and remove the other `overrides`"),
            );
        }
    }

    fn test(&mut self, t: &ast::Test, rules: &[Rule], decision: Option<&Decision>) -> Test {
        let given = t.given.as_ref().map(|g| self.cond(g));
        let expect = match &t.expect {
            ast::Expect::Undecided(_) => Expectation::Undecided,
            ast::Expect::Outcome { outcome, by } => {
                let o = self.outcome(outcome, decision);
                let by_rule = by.as_ref().and_then(|b| self.rule_ref(b, false));
                if let (Some(o), Some(r), Some(b), Some(dec)) = (o, by_rule, by, decision)
                    && rules[r].outcome != o
                {
                    {
                        let d = Diagnostic::error(
                            Code::EXPECT_BY_MISMATCH,
                            format!(
                                "the test expects `{}` by `{}`, but `{}` gives `{}`",
                                outcome.name,
                                b.text(),
                                b.text(),
                                dec.outcomes[rules[r].outcome]
                            ),
                        )
                        .at(b.span, "this rule never explains that outcome")
                        .also(
                            rules[r].loc.0,
                            format!("`{}` gives `{}`", b.text(), dec.outcomes[rules[r].outcome]),
                        )
                        .help("expect the outcome the rule gives, or name another rule");
                        self.push(d);
                    }
                }
                Expectation::Outcome {
                    outcome: o.unwrap_or(0),
                    by: by_rule,
                }
            }
        };
        Test {
            name: t.name.value.clone(),
            given,
            expect,
            loc: Loc(t.name.span),
        }
    }

    // ----- conditions --------------------------------------------------

    fn attribute_ref(&mut self, x: &ast::Ident) -> Option<AttrId> {
        if let Some(&a) = self.attr_names.get(x.name.as_str()) {
            self.attr_used[a] = true;
            return Some(a);
        }
        let mut d = Diagnostic::error(
            Code::UNKNOWN_ATTRIBUTE,
            format!("cannot find attribute `{}`", x.name),
        )
        .at(x.span, "not a declared attribute");
        if let Some(s) = did_you_mean(&x.name, self.attributes.iter().map(|a| a.name.as_str())) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if let Some(owner) = self.value_owner(&x.name) {
            d = d.help(format!(
                "`{}` is a value of `{owner}`: write `{owner} = {}`",
                x.name, x.name
            ));
        }
        self.push(d);
        None
    }

    /// The first attribute that has `value` among its enum values.
    fn value_owner(&self, value: &str) -> Option<&str> {
        self.attributes
            .iter()
            .zip(&self.attr_enum)
            .find(|(_, e)| e.is_some_and(|e| self.enums[e].index.contains_key(value)))
            .map(|(a, _)| a.name.as_str())
    }

    fn cond(&mut self, c: &ast::Cond) -> Cond {
        match &c.kind {
            ast::CondKind::Bool(b) => Cond::Const(*b),
            ast::CondKind::Or(cs) => Cond::Or(cs.iter().map(|c| self.cond(c)).collect()),
            ast::CondKind::And(cs) => Cond::And(cs.iter().map(|c| self.cond(c)).collect()),
            ast::CondKind::Not(c) => Cond::Not(Box::new(self.cond(c))),
            ast::CondKind::Paren(c) => self.cond(c),
            ast::CondKind::Bare(x) => {
                let Some(a) = self.attribute_ref(x) else {
                    return Cond::Const(false);
                };
                if self.attributes[a].domain != Domain::Bool {
                    let d = self
                        .mismatch(a, "a bare attribute must be a bool")
                        .at(x.span, format!("`{}` is not a bool", x.name));
                    self.push(d);
                    return Cond::Const(false);
                }
                atom(a, ValueSet::Values(vec![1]), c.span)
            }
            ast::CondKind::Compare {
                attr,
                negated,
                value,
            } => {
                let Some(a) = self.attribute_ref(attr) else {
                    return Cond::Const(false);
                };
                let set = self.compare(a, value);
                let at = atom(a, set, c.span);
                if *negated {
                    Cond::Not(Box::new(at))
                } else {
                    at
                }
            }
            ast::CondKind::Order { attr, op, value } => {
                let Some(a) = self.attribute_ref(attr) else {
                    return Cond::Const(false);
                };
                let Domain::Int { lo, hi } = self.attributes[a].domain else {
                    let d = self
                        .mismatch(a, &format!("`{}` compares integers", op.as_str()))
                        .at(c.span, format!("`{}` is not an int", attr.name));
                    self.push(d);
                    return Cond::Const(false);
                };
                self.in_range(a, value);
                let v = value.value as i128;
                let (from, to) = match op {
                    ast::OrdOp::Lt => (lo as i128, v - 1),
                    ast::OrdOp::Le => (lo as i128, v),
                    ast::OrdOp::Gt => (v + 1, hi as i128),
                    ast::OrdOp::Ge => (v, hi as i128),
                };
                let from = from.max(lo as i128);
                let to = to.min(hi as i128);
                let ranges = if from <= to {
                    vec![(from as i64, to as i64)]
                } else {
                    Vec::new()
                };
                atom(a, ValueSet::Ranges(ranges), c.span)
            }
            ast::CondKind::In { attr, negated, set } => {
                let Some(a) = self.attribute_ref(attr) else {
                    return Cond::Const(false);
                };
                let s = self.membership(a, set);
                let at = atom(a, s, c.span);
                if *negated {
                    Cond::Not(Box::new(at))
                } else {
                    at
                }
            }
        }
    }

    /// A type-mismatch diagnostic about attribute `a` (without a label; the
    /// caller adds the primary label).
    fn mismatch(&self, a: AttrId, what: &str) -> Diagnostic {
        let attr = &self.attributes[a];
        let (kind, help) = match &attr.domain {
            Domain::Enum { .. } => (
                "an enum",
                format!(
                    "compare `{}` with `=`, `!=`, `in` or `not in` and one of its values",
                    attr.name
                ),
            ),
            Domain::Bool => (
                "a bool",
                format!(
                    "write `{0}`, `not {0}`, `{0} = true` or `{0} = false`",
                    attr.name
                ),
            ),
            Domain::Int { .. } => (
                "an int",
                format!(
                    "compare `{}` with an integer: `=`, `!=`, `<`, `<=`, `>`, `>=`, `in`",
                    attr.name
                ),
            ),
        };
        Diagnostic::error(
            Code::TYPE_MISMATCH,
            format!("{what}, but `{}` is {kind}", attr.name),
        )
        .also(attr.loc.0, format!("`{}` is declared here", attr.name))
        .help(help)
    }

    fn in_range(&mut self, a: AttrId, v: &ast::Int) -> bool {
        let Domain::Int { lo, hi } = self.attributes[a].domain else {
            return false;
        };
        if v.value < lo || v.value > hi {
            let name = &self.attributes[a].name;
            let d = Diagnostic::error(
                Code::OUT_OF_RANGE,
                format!("`{}` is outside the range of `{name}`", v.value),
            )
            .at(v.span, format!("`{name}` ranges over {lo}..{hi}"))
            .also(
                self.attributes[a].loc.0,
                format!("`{name}` is declared here"),
            )
            .help(format!("use an integer from {lo} to {hi}"));
            self.push(d);
            return false;
        }
        true
    }

    /// The attribute's domain without its values: cheap to copy, so the
    /// checker can match on it while reporting through `&mut self`.
    fn kind(&self, a: AttrId) -> Kind {
        match self.attributes[a].domain {
            Domain::Enum { .. } => Kind::Enum,
            Domain::Bool => Kind::Bool,
            Domain::Int { .. } => Kind::Int,
        }
    }

    fn compare(&mut self, a: AttrId, value: &ast::Operand) -> ValueSet {
        match (self.kind(a), value) {
            (Kind::Enum, ast::Operand::Ident(v)) => {
                let e = self.attr_enum[a].expect("enum attributes have an enum");
                if let Some(&i) = self.enums[e].index.get(&v.name) {
                    self.enums[e].used[i as usize] = true;
                    return ValueSet::Values(vec![i]);
                }
                if let Some(members) = self.group_members(a, v) {
                    return ValueSet::Values(members);
                }
                ValueSet::Values(Vec::new())
            }
            (Kind::Bool, ast::Operand::Bool(b, _)) => ValueSet::Values(vec![u32::from(*b)]),
            (Kind::Int, ast::Operand::Int(i)) => {
                if self.in_range(a, i) {
                    ValueSet::Ranges(vec![(i.value, i.value)])
                } else {
                    ValueSet::Ranges(Vec::new())
                }
            }
            (_, operand) => {
                let what = match operand {
                    ast::Operand::Ident(v) => format!(
                        "`{}` is compared with the name `{}`",
                        self.attributes[a].name, v.name
                    ),
                    ast::Operand::Int(i) => format!(
                        "`{}` is compared with the integer `{}`",
                        self.attributes[a].name, i.value
                    ),
                    ast::Operand::Bool(b, _) => {
                        format!("`{}` is compared with `{b}`", self.attributes[a].name)
                    }
                };
                let d = self
                    .mismatch(a, &what)
                    .at(operand.span(), "does not fit the attribute's type");
                self.push(d);
                ValueSet::Values(Vec::new())
            }
        }
    }

    /// Resolves `v` as a group usable with attribute `a`, reporting why not.
    fn group_members(&mut self, a: AttrId, v: &ast::Ident) -> Option<Vec<u32>> {
        let e = self.attr_enum[a]?;
        let attr_ty = self.enums[e].ty;
        match self.group_names.get(v.name.as_str()) {
            Some(&g) if Some(self.groups[g].ty) == attr_ty => {
                self.group_used[g] = true;
                Some(self.groups[g].members.clone())
            }
            Some(&g) => {
                let gty = &self.types[self.groups[g].ty].name;
                let d = Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    format!(
                        "the group `{}` is of type `{gty}`, not the type of `{}`",
                        v.name, self.attributes[a].name
                    ),
                )
                .at(v.span, format!("a group of `{gty}`"))
                .also(self.groups[g].loc.0, "the group is declared here")
                .help("use a group of the attribute's own type");
                self.push(d);
                None
            }
            None => {
                let owner = self.attributes[a].name.clone();
                let d = self.unknown_value(&v.name, v.span, e, &owner);
                self.push(d);
                None
            }
        }
    }

    fn membership(&mut self, a: AttrId, set: &ast::SetExpr) -> ValueSet {
        match (self.kind(a), set) {
            (Kind::Enum, ast::SetExpr::Group(g)) => {
                let e = self.attr_enum[a].expect("enum attributes have an enum");
                if self.enums[e].index.contains_key(&g.name)
                    && !self.group_names.contains_key(g.name.as_str())
                {
                    let d = Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        format!("`{}` is a value, not a group", g.name),
                    )
                    .at(g.span, "`in` takes a set or a group")
                    .help(format!(
                        "write `{} in {{ {} }}` or `{} = {}`",
                        self.attributes[a].name, g.name, self.attributes[a].name, g.name
                    ));
                    self.push(d);
                    return ValueSet::Values(Vec::new());
                }
                ValueSet::Values(self.group_members(a, g).unwrap_or_default())
            }
            (Kind::Enum, ast::SetExpr::Literal { items, .. }) => {
                let e = self.attr_enum[a].expect("enum attributes have an enum");
                let mut out = Vec::new();
                for item in items {
                    match item {
                        ast::SetItem::Ident(v) => match self.enums[e].index.get(&v.name) {
                            Some(&i) => {
                                self.enums[e].used[i as usize] = true;
                                out.push(i);
                            }
                            None => {
                                let owner = self.attributes[a].name.clone();
                                let d = self.unknown_value(&v.name, v.span, e, &owner);
                                self.push(d);
                            }
                        },
                        ast::SetItem::Int(i) => {
                            let what = format!(
                                "`{}` is compared with the integer `{}`",
                                self.attributes[a].name, i.value
                            );
                            let d = self
                                .mismatch(a, &what)
                                .at(i.span, "not a value of this enum");
                            self.push(d);
                        }
                    }
                }
                out.sort_unstable();
                out.dedup();
                ValueSet::Values(out)
            }
            (Kind::Int, ast::SetExpr::Literal { items, .. }) => {
                let mut points = Vec::new();
                for item in items {
                    match item {
                        ast::SetItem::Int(i) => {
                            if self.in_range(a, i) {
                                points.push(i.value);
                            }
                        }
                        ast::SetItem::Ident(v) => {
                            let what = format!(
                                "`{}` is compared with the name `{}`",
                                self.attributes[a].name, v.name
                            );
                            let d = self.mismatch(a, &what).at(v.span, "not an integer");
                            self.push(d);
                        }
                    }
                }
                ValueSet::Ranges(ranges_of(points))
            }
            (_, set) => {
                let d = self
                    .mismatch(
                        a,
                        &format!("`in` does not apply to `{}`", self.attributes[a].name),
                    )
                    .at(set.span(), "a set of values");
                self.push(d);
                ValueSet::Values(Vec::new())
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Enum,
    Bool,
    Int,
}

/// A base's condition over this policy's attributes.
fn remap(c: &Cond, attributes: &[AttrId]) -> Cond {
    match c {
        Cond::Const(b) => Cond::Const(*b),
        Cond::And(cs) => Cond::And(cs.iter().map(|c| remap(c, attributes)).collect()),
        Cond::Or(cs) => Cond::Or(cs.iter().map(|c| remap(c, attributes)).collect()),
        Cond::Not(c) => Cond::Not(Box::new(remap(c, attributes))),
        Cond::Atom(a) => Cond::Atom(Atom {
            attr: attributes[a.attr],
            set: a.set.clone(),
            loc: a.loc,
        }),
    }
}

fn atom(attr: AttrId, set: ValueSet, span: Span) -> Cond {
    Cond::Atom(Atom {
        attr,
        set,
        loc: Loc(span),
    })
}

/// Merges integer points into ascending, disjoint, non-adjacent ranges.
fn ranges_of(mut points: Vec<i64>) -> Vec<(i64, i64)> {
    points.sort_unstable();
    points.dedup();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for p in points {
        match out.last_mut() {
            Some((_, hi)) if *hi as i128 + 1 == p as i128 => *hi = p,
            _ => out.push((p, p)),
        }
    }
    out
}

fn first_atom_of(c: &Cond, a: AttrId) -> Option<Span> {
    match c {
        Cond::Const(_) => None,
        Cond::And(cs) | Cond::Or(cs) => cs.iter().find_map(|c| first_atom_of(c, a)),
        Cond::Not(c) => first_atom_of(c, a),
        Cond::Atom(at) => (at.attr == a).then_some(at.loc.0),
    }
}

fn duplicate_setting(kw: &str, at: Span, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DUPLICATE_SETTING,
        format!("`{kw}` is given more than once"),
    )
    .at(at, "given again here")
    .also(first, "first given here")
    .help(format!("keep the one `{kw}` you mean"))
}

fn backticked(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
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

/// Tarjan's algorithm, iterative so that a chain of 100,000 `overrides`
/// cannot overflow the stack. Returns the components.
fn strongly_connected<'e>(n: usize, edges: impl Fn(usize) -> &'e Vec<usize>) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for start in 0..n {
        if index[start] != UNSEEN {
            continue;
        }
        // Each frame: the node and how many of its edges were followed.
        let mut frames = vec![(start, 0usize)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut i)) = frames.last_mut() {
            let succ = edges(v);
            if *i < succ.len() {
                let w = succ[*i];
                *i += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                frames.pop();
                if let Some(&(parent, _)) = frames.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comp.sort_unstable();
                    out.push(comp);
                }
            }
        }
    }
    out.sort();
    out
}

/// One simple cycle through the smallest node of a strongly connected
/// component, found by breadth-first search inside the component.
fn cycle_in<'e>(scc: &[usize], edges: impl Fn(usize) -> &'e Vec<usize>) -> Vec<usize> {
    let start = scc[0];
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in edges(v) {
            if scc.binary_search(&w).is_err() {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut cur = v;
                while cur != start {
                    cur = parent[&cur];
                    path.push(cur);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    scc.to_vec()
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

    #[test]
    fn cycles_are_found() {
        let edges = [vec![1], vec![2], vec![0], vec![0]];
        let sccs = strongly_connected(4, |v| &edges[v]);
        assert!(sccs.contains(&vec![0, 1, 2]));
        assert_eq!(cycle_in(&[0, 1, 2], |v| &edges[v]), vec![0, 1, 2]);
    }

    #[test]
    fn ranges_merge() {
        assert_eq!(
            ranges_of(vec![5, 1, 2, 3, 9, 5]),
            vec![(1, 3), (5, 5), (9, 9)]
        );
        assert_eq!(
            ranges_of(vec![i64::MAX, i64::MIN]),
            vec![(i64::MIN, i64::MIN), (i64::MAX, i64::MAX)]
        );
    }
}
