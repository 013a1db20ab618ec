//! The name index: every name of every loaded file, resolved to the
//! declaration it names.
//!
//! [`Index::build`] reads the syntax trees of a [`Loaded`] root (the root,
//! the vocabularies it `use`s, the bases it `extends`) and makes a
//! [`Symbol`] of every declaration and an [`Occurrence`] of every
//! identifier that names one. Each file is resolved in its own scope
//! ([`Loaded::items_in_scope_of`]): a base's rules see the base's
//! declarations, a vocabulary's groups the vocabulary's types. The rules are
//! SPEC sections 2 to 4a, as the checker applies them, with one difference:
//! nothing is reported. A name that resolves to nothing is kept as
//! [`Unresolved`], with the kind of symbol it should have named, and the
//! rest goes on, so the index of a file with errors (unknown or duplicate
//! names, a missing vocabulary, items the parser dropped) holds everything
//! that does resolve. Of two declarations with one name, the first in scope
//! is the one names resolve to, as in the checker.
//!
//! The index is for editors: it returns [`Span`]s, never text positions, and
//! building it is linear in the files' items (hash maps throughout), so a
//! language server can rebuild it on every keystroke. A [`SymbolKey`]
//! identifies a symbol across separate builds of the same text.

use crate::load::Loaded;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{
    self, CondKind, Expect, Ident, ItemKind, Operand, Resolve, RuleRef, SetExpr, SetItem,
    SourceFile, TypeExpr,
};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Identifies a symbol within one [`Index`] (see [`SymbolKey`] for an
/// identity that survives a rebuild).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SymbolId(u32);

impl SymbolId {
    /// The symbol's position in [`Index::symbols`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a symbol is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymbolKind {
    /// `type NAME = { ... }`.
    Type,
    /// `group NAME: TYPE = ...`.
    Group,
    /// `attribute NAME: ...`.
    Attribute,
    /// A value of a named type, or of an attribute's own `{ a, b }`.
    Value,
    /// `decision NAME: { ... }`.
    Decision,
    /// A value of a decision.
    Outcome,
    /// A named rule.
    Rule,
    /// `policy NAME`.
    Policy,
    /// `test "NAME"`: named by a string, so it has no occurrences.
    Test,
}

impl SymbolKind {
    /// The kind as a word of a sentence ("attribute", "outcome").
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Type => "type",
            SymbolKind::Group => "group",
            SymbolKind::Attribute => "attribute",
            SymbolKind::Value => "value",
            SymbolKind::Decision => "decision",
            SymbolKind::Outcome => "outcome",
            SymbolKind::Rule => "rule",
            SymbolKind::Policy => "policy",
            SymbolKind::Test => "test",
        }
    }
}

/// A declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// What it is.
    pub kind: SymbolKind,
    /// Its name (a test's: the string's value).
    pub name: String,
    /// Where the name is declared: the name's identifier (a test's: its
    /// string, with the quotes).
    pub def: Span,
    /// The whole declaration: the item, or for a value or an outcome its
    /// identifier.
    pub item: Span,
    /// What it belongs to: a value's type or attribute, an outcome's
    /// decision, a group's type (when that type resolves).
    pub parent: Option<SymbolId>,
}

/// An identifier that names a symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// The identifier (in `BASE.RULE`, either part).
    pub span: Span,
    /// The symbol it names.
    pub symbol: SymbolId,
    /// Whether this is the declaration itself.
    pub is_def: bool,
}

/// An identifier in a place that takes a name of some kind, naming none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// The identifier.
    pub span: Span,
    /// The kind of symbol the place takes (for `attr = x` with an enum
    /// attribute, a value, although a group of the attribute's type would do
    /// too).
    pub expected: SymbolKind,
}

/// A symbol's identity across builds: the file's name as the
/// [`SourceMap`] knows it, where the declaration's name starts, and the
/// kind. Two builds over the same text give their symbols the same keys,
/// whatever ids the files had, so indexes of several roots that share a
/// vocabulary can be merged.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SymbolKey {
    /// The file's name in the source map.
    pub file: String,
    /// The byte offset where the declared name starts.
    pub start: u32,
    /// The symbol's kind.
    pub kind: SymbolKind,
}

/// Why a rename was refused. The `Display` form is the message for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameError {
    /// The new name is not an identifier.
    NotIdentifier {
        /// The name asked for.
        name: String,
    },
    /// The new name is a reserved word.
    Keyword {
        /// The name asked for.
        name: String,
    },
    /// Another symbol already has the name where it would clash.
    Collision {
        /// The name asked for.
        name: String,
        /// Why it clashes, as a sentence.
        reason: String,
        /// The clashing declaration's name.
        existing: Span,
    },
    /// The symbol cannot be renamed this way (a test is named by a string).
    NotRenamable {
        /// The symbol's kind.
        kind: SymbolKind,
    },
}

impl fmt::Display for RenameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenameError::NotIdentifier { name } if name.is_empty() => {
                write!(f, "a name cannot be empty")
            }
            RenameError::NotIdentifier { name } => write!(
                f,
                "`{name}` is not a name: a name starts with a letter or `_`, followed by letters, digits and `_`"
            ),
            RenameError::Keyword { name } => {
                write!(f, "`{name}` is a keyword and cannot be used as a name")
            }
            RenameError::Collision { reason, .. } => f.write_str(reason),
            RenameError::NotRenamable { kind } => match kind {
                SymbolKind::Test => write!(f, "a test is named by its string: edit the string"),
                k => write!(f, "a {} cannot be renamed", k.describe()),
            },
        }
    }
}

impl std::error::Error for RenameError {}

/// Whether `name` is an identifier of the grammar (`[A-Za-z_][A-Za-z0-9_]*`),
/// keywords included.
pub fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Every name of a loaded root, resolved. See the module documentation.
#[derive(Clone, Debug)]
pub struct Index {
    symbols: Vec<Symbol>,
    /// Sorted by file, then start.
    occurrences: Vec<Occurrence>,
    /// Sorted by file, then start.
    unresolved: Vec<Unresolved>,
    /// The occurrences of symbol `s` are `refs[ref_starts[s]..ref_starts[s + 1]]`
    /// (positions in `occurrences`, in file order).
    refs: Vec<u32>,
    ref_starts: Vec<u32>,
    by_key: HashMap<(FileId, u32, SymbolKind), SymbolId>,
    file_names: HashMap<FileId, String>,
    file_ids: HashMap<String, FileId>,
}

impl Index {
    /// Indexes every file of `loaded` that has a syntax tree; `map` holds
    /// their names (for [`SymbolKey`]s). Never panics on a tree with
    /// errors: what does not resolve is [`Unresolved`].
    pub fn build(loaded: &Loaded, map: &SourceMap) -> Index {
        let mut files: Vec<FileId> = loaded.files.keys().copied().collect();
        files.sort_unstable();
        let mut b = Builder {
            loaded,
            symbols: Vec::new(),
            occurrences: Vec::new(),
            unresolved: Vec::new(),
            item_sym: HashMap::new(),
            members: HashMap::new(),
            rules: HashMap::new(),
            policy: HashMap::new(),
            domain: HashMap::new(),
            group_type: HashMap::new(),
        };
        for &f in &files {
            if let Some(ast) = tree(loaded, f) {
                b.declare(f, ast);
            }
        }
        let scopes: Vec<(FileId, &SourceFile, Scope<'_>)> = files
            .iter()
            .filter_map(|&f| Some((f, tree(loaded, f)?, b.scope(f))))
            .collect();
        // Declarations first, everywhere: a rule may compare an attribute
        // declared in another file, whose type resolves in that file.
        for (f, ast, scope) in &scopes {
            b.declaration_refs(*f, ast, scope);
        }
        for (f, ast, scope) in &scopes {
            b.uses(*f, ast, scope);
        }
        let Builder {
            symbols,
            mut occurrences,
            mut unresolved,
            ..
        } = b;
        occurrences.sort_unstable_by_key(|o| (o.span.file, o.span.start));
        unresolved.sort_unstable_by_key(|u| (u.span.file, u.span.start));

        let mut ref_starts = vec![0u32; symbols.len() + 1];
        for o in &occurrences {
            ref_starts[o.symbol.index() + 1] += 1;
        }
        for i in 1..ref_starts.len() {
            ref_starts[i] += ref_starts[i - 1];
        }
        let mut next = ref_starts.clone();
        let mut refs = vec![0u32; occurrences.len()];
        for (i, o) in occurrences.iter().enumerate() {
            let slot = &mut next[o.symbol.index()];
            refs[*slot as usize] = i as u32;
            *slot += 1;
        }
        let by_key = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.def.file, s.def.start, s.kind), SymbolId(i as u32)))
            .collect();
        let file_names: HashMap<FileId, String> = map
            .ids()
            .filter(|f| loaded.files.contains_key(f))
            .map(|f| (f, map.name(f).to_string()))
            .collect();
        let file_ids = file_names.iter().map(|(&f, n)| (n.clone(), f)).collect();
        Index {
            symbols,
            occurrences,
            unresolved,
            refs,
            ref_starts,
            by_key,
            file_names,
            file_ids,
        }
    }

    /// The occurrence at `offset` in `file`: the name that holds the offset
    /// or ends exactly there (a cursor just after a name finds it).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let offset = u32::try_from(offset).ok()?;
        let i = self
            .occurrences
            .partition_point(|o| (o.span.file, o.span.start) <= (file, offset));
        let o = self.occurrences.get(i.checked_sub(1)?)?;
        (o.span.file == file && offset <= o.span.end).then_some(o)
    }

    /// The unresolved name at `offset` in `file`, as [`Index::at`] finds
    /// names.
    pub fn unresolved_at(&self, file: FileId, offset: usize) -> Option<&Unresolved> {
        let offset = u32::try_from(offset).ok()?;
        let i = self
            .unresolved
            .partition_point(|u| (u.span.file, u.span.start) <= (file, offset));
        let u = self.unresolved.get(i.checked_sub(1)?)?;
        (u.span.file == file && offset <= u.span.end).then_some(u)
    }

    /// A symbol.
    pub fn symbol(&self, id: SymbolId) -> &Symbol {
        &self.symbols[id.index()]
    }

    /// Every symbol with its id, in the order of their files' ids, each
    /// file's in text order (a value just after its type).
    pub fn symbols(&self) -> impl ExactSizeIterator<Item = (SymbolId, &Symbol)> {
        self.symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (SymbolId(i as u32), s))
    }

    /// Every occurrence, sorted by file and position.
    pub fn occurrences(&self) -> &[Occurrence] {
        &self.occurrences
    }

    /// The occurrences in one file, in text order.
    pub fn occurrences_in(&self, file: FileId) -> &[Occurrence] {
        let from = self.occurrences.partition_point(|o| o.span.file < file);
        let to = self.occurrences.partition_point(|o| o.span.file <= file);
        &self.occurrences[from..to]
    }

    /// Every name that resolved to nothing, sorted by file and position.
    pub fn unresolved(&self) -> &[Unresolved] {
        &self.unresolved
    }

    /// Every occurrence of a symbol, its declaration included, by file and
    /// position. A test has none.
    pub fn references(&self, id: SymbolId) -> impl ExactSizeIterator<Item = &Occurrence> {
        let range = self.ref_starts[id.index()] as usize..self.ref_starts[id.index() + 1] as usize;
        self.refs[range]
            .iter()
            .map(|&i| &self.occurrences[i as usize])
    }

    /// The symbol's identity across builds.
    pub fn key(&self, id: SymbolId) -> SymbolKey {
        let s = self.symbol(id);
        SymbolKey {
            file: self
                .file_names
                .get(&s.def.file)
                .cloned()
                .unwrap_or_default(),
            start: s.def.start,
            kind: s.kind,
        }
    }

    /// The symbol a key names in this build, if it still exists.
    pub fn find(&self, key: &SymbolKey) -> Option<SymbolId> {
        let file = *self.file_ids.get(&key.file)?;
        self.by_key.get(&(file, key.start, key.kind)).copied()
    }

    /// The spans to replace with `new_name` to rename symbol `id`: every
    /// occurrence (in `BASE.RULE`, the part that names it). Refuses a name
    /// that is not an identifier or is a keyword, and one that another
    /// symbol of the same scope has: an attribute, type, group, decision or
    /// policy of the same name; a rule of the same policy; a value or
    /// outcome of the same type, attribute or decision; and a group and a
    /// value of its type, since `attr = NAME` would then name the value.
    pub fn rename(&self, id: SymbolId, new_name: &str) -> Result<Vec<Span>, RenameError> {
        let sym = self.symbol(id);
        if sym.kind == SymbolKind::Test {
            return Err(RenameError::NotRenamable { kind: sym.kind });
        }
        if !is_identifier(new_name) {
            return Err(RenameError::NotIdentifier {
                name: new_name.to_string(),
            });
        }
        if crate::syntax::KEYWORDS.contains(&new_name) {
            return Err(RenameError::Keyword {
                name: new_name.to_string(),
            });
        }
        if new_name != sym.name {
            self.check_collision(id, new_name)?;
        }
        Ok(self.references(id).map(|o| o.span).collect())
    }

    fn check_collision(&self, id: SymbolId, new_name: &str) -> Result<(), RenameError> {
        let sym = self.symbol(id);
        let clash = |other: &Symbol, reason: String| RenameError::Collision {
            name: new_name.to_string(),
            reason,
            existing: other.def,
        };
        let parent_name = |p: Option<SymbolId>| p.map_or("", |p| self.symbol(p).name.as_str());
        for (other_id, other) in self.symbols() {
            if other_id == id || other.name != new_name {
                continue;
            }
            let same_kind = other.kind == sym.kind;
            match sym.kind {
                SymbolKind::Value | SymbolKind::Outcome
                    if same_kind && other.parent == sym.parent =>
                {
                    let what = if sym.kind == SymbolKind::Value {
                        "a value"
                    } else {
                        "an outcome"
                    };
                    return Err(clash(
                        other,
                        format!(
                            "`{}` already has {what} named `{new_name}`",
                            parent_name(sym.parent)
                        ),
                    ));
                }
                SymbolKind::Value
                    if other.kind == SymbolKind::Group
                        && sym.parent.is_some()
                        && other.parent == sym.parent =>
                {
                    return Err(clash(
                        other,
                        format!(
                            "`{}` has a group named `{new_name}`: in `attribute = {new_name}` the value would hide the group",
                            parent_name(sym.parent)
                        ),
                    ));
                }
                SymbolKind::Group
                    if other.kind == SymbolKind::Value
                        && sym.parent.is_some()
                        && other.parent == sym.parent =>
                {
                    return Err(clash(
                        other,
                        format!(
                            "`{}` has a value named `{new_name}`: in `attribute = {new_name}` the value would hide the group",
                            parent_name(sym.parent)
                        ),
                    ));
                }
                SymbolKind::Rule if same_kind && other.def.file == sym.def.file => {
                    return Err(clash(
                        other,
                        format!("this policy already has a rule named `{new_name}`"),
                    ));
                }
                SymbolKind::Type
                | SymbolKind::Group
                | SymbolKind::Attribute
                | SymbolKind::Decision
                | SymbolKind::Policy
                    if same_kind =>
                {
                    let article = if sym.kind == SymbolKind::Attribute {
                        "an"
                    } else {
                        "a"
                    };
                    return Err(clash(
                        other,
                        format!(
                            "there is already {article} {} named `{new_name}`",
                            sym.kind.describe()
                        ),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The syntax tree of a loaded file, if it has one.
fn tree(loaded: &Loaded, file: FileId) -> Option<&SourceFile> {
    loaded.files.get(&file)?.ast.as_ref()
}

/// The names a file sees: the first declaration of each name in its scope.
#[derive(Default)]
struct Scope<'a> {
    types: HashMap<&'a str, SymbolId>,
    groups: HashMap<&'a str, SymbolId>,
    attributes: HashMap<&'a str, SymbolId>,
    /// The decision in scope (the first; SPEC allows one).
    decision: Option<SymbolId>,
}

/// What an attribute's comparisons name.
#[derive(Clone, Copy)]
enum Domain {
    /// An enum: values of the type or attribute `owner` (whose entry in
    /// `members` holds them). A group fits when its type is `owner`.
    Enum { owner: SymbolId },
    /// `bool`, `int`, or a named type that does not resolve: no names.
    NoNames,
}

struct Builder<'a> {
    loaded: &'a Loaded,
    symbols: Vec<Symbol>,
    occurrences: Vec<Occurrence>,
    unresolved: Vec<Unresolved>,
    /// The symbol each declaring item makes, with its kind and name.
    item_sym: HashMap<(FileId, usize), (SymbolId, SymbolKind, &'a str)>,
    /// The values of a type or of an attribute's own enum, and the
    /// outcomes of a decision, by name (the first of a repeated name).
    members: HashMap<SymbolId, HashMap<&'a str, SymbolId>>,
    /// Each policy file's own named rules.
    rules: HashMap<FileId, HashMap<&'a str, SymbolId>>,
    /// Each policy file's `policy` symbol and name (the first header).
    policy: HashMap<FileId, (SymbolId, &'a str)>,
    /// Each attribute's domain.
    domain: HashMap<SymbolId, Domain>,
    /// Each group's type, when it resolves.
    group_type: HashMap<SymbolId, SymbolId>,
}

impl<'a> Builder<'a> {
    fn symbol(
        &mut self,
        kind: SymbolKind,
        name: &str,
        def: Span,
        item: Span,
        parent: Option<SymbolId>,
    ) -> SymbolId {
        let id = SymbolId(self.symbols.len() as u32);
        self.symbols.push(Symbol {
            kind,
            name: name.to_string(),
            def,
            item,
            parent,
        });
        id
    }

    /// A symbol declared by identifier `name`, with its defining occurrence.
    fn def(
        &mut self,
        kind: SymbolKind,
        name: &Ident,
        item: Span,
        parent: Option<SymbolId>,
    ) -> SymbolId {
        let id = self.symbol(kind, &name.name, name.span, item, parent);
        self.occurrences.push(Occurrence {
            span: name.span,
            symbol: id,
            is_def: true,
        });
        id
    }

    fn occurrence(&mut self, span: Span, symbol: SymbolId) {
        self.occurrences.push(Occurrence {
            span,
            symbol,
            is_def: false,
        });
    }

    /// Records `name` as naming `found`, or as unresolved.
    fn name(&mut self, name: &Ident, found: Option<SymbolId>, expected: SymbolKind) {
        match found {
            Some(s) => self.occurrence(name.span, s),
            None => self.unresolved.push(Unresolved {
                span: name.span,
                expected,
            }),
        }
    }

    /// The members of `owner` (values or outcomes), each a symbol.
    fn members(&mut self, owner: SymbolId, kind: SymbolKind, names: &'a [Ident]) {
        let mut table = HashMap::with_capacity(names.len());
        for v in names {
            let s = self.def(kind, v, v.span, Some(owner));
            table.entry(v.name.as_str()).or_insert(s);
        }
        self.members.insert(owner, table);
    }

    /// Pass 1: the symbols a file declares.
    fn declare(&mut self, file: FileId, ast: &'a SourceFile) {
        for (i, item) in ast.items.iter().enumerate() {
            let made = match &item.kind {
                ItemKind::Type { name, values } => {
                    let t = self.def(SymbolKind::Type, name, item.span, None);
                    self.members(t, SymbolKind::Value, values);
                    Some((t, SymbolKind::Type, name))
                }
                ItemKind::Group { name, .. } => {
                    let g = self.def(SymbolKind::Group, name, item.span, None);
                    Some((g, SymbolKind::Group, name))
                }
                ItemKind::Attribute { name, ty, .. } => {
                    let a = self.def(SymbolKind::Attribute, name, item.span, None);
                    if let TypeExpr::Enum(values) = ty {
                        self.members(a, SymbolKind::Value, values);
                    }
                    Some((a, SymbolKind::Attribute, name))
                }
                ItemKind::Decision { name, values, .. } => {
                    let d = self.def(SymbolKind::Decision, name, item.span, None);
                    self.members(d, SymbolKind::Outcome, values);
                    Some((d, SymbolKind::Decision, name))
                }
                ItemKind::Policy(name) => {
                    let p = self.def(SymbolKind::Policy, name, item.span, None);
                    self.policy.entry(file).or_insert((p, name.name.as_str()));
                    None
                }
                ItemKind::Rule(rule) => {
                    if let Some(name) = &rule.name {
                        let r = self.def(SymbolKind::Rule, name, item.span, None);
                        self.rules
                            .entry(file)
                            .or_default()
                            .entry(name.name.as_str())
                            .or_insert(r);
                    }
                    None
                }
                ItemKind::Test(test) => {
                    self.symbol(
                        SymbolKind::Test,
                        &test.name.value,
                        test.name.span,
                        item.span,
                        None,
                    );
                    None
                }
                _ => None,
            };
            if let Some((s, kind, name)) = made {
                self.item_sym
                    .insert((file, i), (s, kind, name.name.as_str()));
            }
        }
    }

    /// The declarations `file` sees, first of each name winning.
    fn scope(&self, file: FileId) -> Scope<'a> {
        let mut scope = Scope::default();
        for key in self.loaded.items_in_scope_of(file) {
            let Some(&(s, kind, name)) = self.item_sym.get(&key) else {
                continue;
            };
            let table = match kind {
                SymbolKind::Type => &mut scope.types,
                SymbolKind::Group => &mut scope.groups,
                SymbolKind::Attribute => &mut scope.attributes,
                SymbolKind::Decision => {
                    scope.decision.get_or_insert(s);
                    continue;
                }
                _ => continue,
            };
            table.entry(name).or_insert(s);
        }
        scope
    }

    /// Pass 2: the names inside declarations (a group's type and values,
    /// an attribute's named type), which fix each attribute's domain.
    fn declaration_refs(&mut self, file: FileId, ast: &'a SourceFile, scope: &Scope<'a>) {
        for (i, item) in ast.items.iter().enumerate() {
            let Some(&(s, _, _)) = self.item_sym.get(&(file, i)) else {
                continue;
            };
            match &item.kind {
                ItemKind::Group { ty, values, .. } => {
                    let t = scope.types.get(ty.name.as_str()).copied();
                    self.name(ty, t, SymbolKind::Type);
                    if let Some(t) = t {
                        self.symbols[s.index()].parent = Some(t);
                        self.group_type.insert(s, t);
                    }
                    for v in values {
                        let found = t.and_then(|t| self.member(t, &v.name));
                        self.name(v, found, SymbolKind::Value);
                    }
                }
                ItemKind::Attribute { ty, .. } => {
                    let domain = match ty {
                        TypeExpr::Enum(_) => Domain::Enum { owner: s },
                        TypeExpr::Named(t) => {
                            let found = scope.types.get(t.name.as_str()).copied();
                            self.name(t, found, SymbolKind::Type);
                            found.map_or(Domain::NoNames, |owner| Domain::Enum { owner })
                        }
                        _ => Domain::NoNames,
                    };
                    self.domain.insert(s, domain);
                }
                _ => {}
            }
        }
    }

    fn member(&self, owner: SymbolId, name: &str) -> Option<SymbolId> {
        self.members.get(&owner)?.get(name).copied()
    }

    /// Pass 3: the names in a file's rules, tests and settings.
    fn uses(&mut self, file: FileId, ast: &'a SourceFile, scope: &Scope<'a>) {
        for item in &ast.items {
            match &item.kind {
                ItemKind::Rule(rule) => {
                    for r in &rule.overrides {
                        self.rule_ref(file, r);
                    }
                    self.cond(&rule.cond, scope);
                    self.outcome(&rule.outcome, scope);
                    for a in &rule.regardless {
                        let found = scope.attributes.get(a.name.as_str()).copied();
                        self.name(a, found, SymbolKind::Attribute);
                    }
                }
                ItemKind::Test(test) => {
                    if let Some(given) = &test.given {
                        self.cond(given, scope);
                    }
                    if let Expect::Outcome { outcome, by } = &test.expect {
                        self.outcome(outcome, scope);
                        if let Some(r) = by {
                            self.rule_ref(file, r);
                        }
                    }
                }
                ItemKind::Resolve(Resolve::Priority(outcomes)) => {
                    for o in outcomes {
                        self.outcome(o, scope);
                    }
                }
                ItemKind::Default(Some(o)) => self.outcome(o, scope),
                ItemKind::Repeal(refs) => {
                    for r in refs {
                        self.rule_ref(file, r);
                    }
                }
                _ => {}
            }
        }
    }

    fn outcome(&mut self, o: &Ident, scope: &Scope<'a>) {
        let found = scope.decision.and_then(|d| self.member(d, &o.name));
        self.name(o, found, SymbolKind::Outcome);
    }

    /// `NAME`, a rule of this file, or `BASE.NAME`, a rule of the policy
    /// named `BASE` among the bases this file extends (however deep:
    /// an inherited rule keeps the name of the policy that states it).
    fn rule_ref(&mut self, file: FileId, r: &RuleRef) {
        let home = match &r.base {
            None => Some(file),
            Some(base) => {
                let found = self.base_named(file, &base.name);
                let policy = found.and_then(|f| self.policy.get(&f)).map(|&(p, _)| p);
                self.name(base, policy, SymbolKind::Policy);
                found
            }
        };
        let rule = home
            .and_then(|f| self.rules.get(&f))
            .and_then(|rules| rules.get(r.name.name.as_str()))
            .copied();
        self.name(&r.name, rule, SymbolKind::Rule);
    }

    /// The file among `file`'s bases (its base, the base's base, …) whose
    /// policy is named `name`.
    fn base_named(&self, file: FileId, name: &str) -> Option<FileId> {
        let mut seen = HashSet::new();
        let mut at = file;
        while seen.insert(at) {
            at = base_of(self.loaded, at)?;
            if self.policy.get(&at).is_some_and(|&(_, n)| n == name) {
                return Some(at);
            }
        }
        None
    }

    /// The names in a condition. The loop keeps its own stack: a tree
    /// rebuilt by error recovery need not respect the parser's nesting
    /// bound.
    fn cond(&mut self, cond: &'a ast::Cond, scope: &Scope<'a>) {
        let mut stack = vec![cond];
        while let Some(c) = stack.pop() {
            match &c.kind {
                CondKind::Bool(_) => {}
                CondKind::Or(cs) | CondKind::And(cs) => stack.extend(cs),
                CondKind::Not(c) | CondKind::Paren(c) => stack.push(c),
                CondKind::Bare(attr) | CondKind::Order { attr, .. } => {
                    self.attribute(attr, scope);
                }
                CondKind::Compare { attr, value, .. } => {
                    let domain = self.attribute(attr, scope);
                    if let Operand::Ident(v) = value {
                        // SPEC's "values before groups": a value of the
                        // attribute's type wins over a group of that name.
                        let found = match domain {
                            Domain::Enum { owner } => self
                                .member(owner, &v.name)
                                .or_else(|| self.group_of(owner, &v.name, scope)),
                            Domain::NoNames => None,
                        };
                        self.name(v, found, SymbolKind::Value);
                    }
                }
                CondKind::In { attr, set, .. } => {
                    let domain = self.attribute(attr, scope);
                    let owner = match domain {
                        Domain::Enum { owner } => Some(owner),
                        Domain::NoNames => None,
                    };
                    match set {
                        SetExpr::Group(g) => {
                            let found = owner.and_then(|o| self.group_of(o, &g.name, scope));
                            self.name(g, found, SymbolKind::Group);
                        }
                        SetExpr::Literal { items, .. } => {
                            for item in items {
                                if let SetItem::Ident(v) = item {
                                    let found = owner.and_then(|o| self.member(o, &v.name));
                                    self.name(v, found, SymbolKind::Value);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Resolves an attribute name; its domain (none names nothing).
    fn attribute(&mut self, attr: &Ident, scope: &Scope<'a>) -> Domain {
        let found = scope.attributes.get(attr.name.as_str()).copied();
        self.name(attr, found, SymbolKind::Attribute);
        found
            .and_then(|a| self.domain.get(&a).copied())
            .unwrap_or(Domain::NoNames)
    }

    /// The group `name` in scope, if it is a group of type `owner`.
    fn group_of(&self, owner: SymbolId, name: &str, scope: &Scope<'a>) -> Option<SymbolId> {
        let g = *scope.groups.get(name)?;
        (self.group_type.get(&g) == Some(&owner)).then_some(g)
    }
}

/// The base a file `extends`, as [`Loaded::base_of`], but without trusting
/// the item indices of a tree that error recovery may have rebuilt.
fn base_of(loaded: &Loaded, file: FileId) -> Option<FileId> {
    let f = loaded.files.get(&file)?;
    let ast = f.ast.as_ref()?;
    f.uses.iter().find_map(|&(i, target)| {
        matches!(ast.items.get(i)?.kind, ItemKind::Extends(_))
            .then_some(target)
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        for ok in ["a", "_", "_a1", "Place", "SCA_warrant", "allow", "when"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a b", "é", "a.b", "-"] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }
}
