//! The checked form: a policy with every name resolved and every condition
//! typed.
//!
//! Later stages consume only this. Names are indices (`AttrId`, `RuleId`,
//! outcome indices); every atom of a condition is normalised to
//! "attribute ∈ set" over the attribute's own domain, so no later stage sees
//! operators, groups or unresolved names. Locations are kept in [`Loc`],
//! which equality ignores, so two checked forms compare by meaning.

use crate::source::Span;

/// A place in the source that equality ignores (as Cedar's `Loc`): the
/// checked forms of a file and of its reformatted text compare equal.
#[derive(Clone, Copy, Debug)]
pub struct Loc(pub Span);

impl PartialEq for Loc {
    fn eq(&self, _: &Loc) -> bool {
        true
    }
}
impl Eq for Loc {}

/// Index of an attribute in [`Policy::attributes`].
pub type AttrId = usize;
/// Index of a rule in [`Policy::rules`].
pub type RuleId = usize;
/// Index of an outcome in [`Decision::outcomes`].
pub type OutcomeId = usize;

/// A checked policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// `policy NAME` and its metadata.
    pub meta: Meta,
    /// Named enum types in scope, in declaration order.
    pub types: Vec<TypeDef>,
    /// Groups in scope, in declaration order.
    pub groups: Vec<Group>,
    /// Every attribute in scope, in declaration order (`use`s expanded in
    /// place).
    pub attributes: Vec<Attribute>,
    /// The one decision in scope.
    pub decision: Decision,
    /// How disagreeing winners are resolved.
    pub resolve: Resolve,
    /// What happens when no rule wins.
    pub default: Default,
    /// The rules, in file order. For a policy that `extends` a base, the
    /// base's rules that were not repealed come first, in the base's order,
    /// with ids `BASE.RULE` and their own locations, `overrides` among them
    /// kept (through repealed rules too) and their `regardless` claims
    /// dropped (they are claims about the base, verified with it); then the
    /// policy's own rules.
    pub rules: Vec<Rule>,
    /// The tests, in file order.
    pub tests: Vec<Test>,
    /// Lint names and codes silenced by `allow` items, as written.
    pub allows: Vec<(String, Loc)>,
    /// Every name the policy's own file declares (not those of the
    /// vocabularies it `use`s), in the order of the file, and whether the
    /// file refers to it: what the `unused` lint reads.
    pub declared: Vec<Declared>,
    /// The base this policy `extends`, as checked on its own, and how the
    /// policy changes it. Every later stage reads only the flattened
    /// [`Policy::rules`]; the reference interpreter reads this instead, so
    /// that it implements SPEC section 4a without trusting the flattening.
    /// A transformation that rewrites `rules` must set it to `None`.
    pub extends: Option<Box<Extends>>,
}

/// What a policy that `extends` a base does with it (SPEC section 4a).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extends {
    /// The base policy, checked on its own (its own indices, rule ids and
    /// `extends`).
    pub base: Policy,
    /// The base's rules this policy repeals: indices into the base's
    /// `rules`, ascending.
    pub repealed: Vec<RuleId>,
    /// For each attribute of the base, the same attribute in this policy.
    pub attributes: Vec<AttrId>,
    /// For each outcome of the base, the same outcome in this policy.
    pub outcomes: Vec<OutcomeId>,
    /// The `extends` item.
    pub loc: Loc,
}

impl Policy {
    /// How many of [`Policy::rules`] are inherited through `extends` (they
    /// come first).
    pub fn inherited_rules(&self) -> usize {
        self.extends
            .as_deref()
            .map_or(0, |e| e.base.rules.len() - e.repealed.len())
    }

    /// Whether rule `r` is inherited through `extends` rather than stated
    /// by the policy itself.
    pub fn is_inherited(&self, r: RuleId) -> bool {
        r < self.inherited_rules()
    }

    /// The `policy` names of the bases, nearest first: the policies whose
    /// rules this one inherits under `NAME.RULE`.
    pub fn lineage(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut at = self.extends.as_deref();
        while let Some(e) = at {
            out.push(e.base.meta.name.as_str());
            at = e.base.extends.as_deref();
        }
        out
    }
}

/// The id an inherited rule has in the policy that extends `base`: a rule
/// of the base's own is `BASE.RULE`; a rule the base itself inherited keeps
/// its qualified id (`OLDER.RULE`), since a rule is always named after the
/// policy that states it.
pub fn inherited_id(base: &str, id: &str) -> String {
    if id.contains('.') {
        id.to_string()
    } else {
        format!("{base}.{id}")
    }
}

/// What kind of name a [`Declared`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeclKind {
    /// A named enum type (`type NAME = { ... }`).
    Type,
    /// A group (`group NAME: TYPE = ...`).
    Group,
    /// An attribute (`attribute NAME: ...`).
    Attribute,
    /// A value of a named type or of an attribute's anonymous enum.
    Value,
    /// An outcome of the decision (`decision NAME: { ... }`).
    Outcome,
}

/// The enum a value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueOwner {
    /// A value of a named type: index into [`Policy::types`].
    Type(usize),
    /// A value of the anonymous enum of this attribute.
    Attribute(AttrId),
}

/// A name declared in the policy's own file (not in a used vocabulary) and
/// whether the file refers to it: what the `unused` lint reads.
///
/// [`Policy::declared`] lists a `type` and then its values, an `attribute`
/// and then the values of its anonymous enum (if any), a `group`, and the
/// outcomes of a `decision` (the decision's own name is not listed), in the
/// order of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// What kind of name it is.
    pub kind: DeclKind,
    /// The name as declared.
    pub name: String,
    /// Index in its table: into [`Policy::types`], [`Policy::groups`],
    /// [`Policy::attributes`] or [`Decision::outcomes`]; for a value, its
    /// index among its owner's values.
    pub index: usize,
    /// For a value, the enum it belongs to; `None` for every other kind.
    pub owner: Option<ValueOwner>,
    /// The declaring name.
    pub loc: Loc,
    /// Whether the policy's file names it anywhere outside its declaration:
    /// a type as an attribute's or a group's type; a group in a condition;
    /// an attribute in a condition or a `regardless`; a value in a
    /// condition (on any attribute of its enum) or in a group definition;
    /// an outcome in a rule's `then`, `default`, `resolve priority` or a
    /// test's `expect`. Conditions are those of rules and of test `given`s.
    pub used: bool,
}

/// `policy NAME`, `title`, `source`, `date`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The policy's name.
    pub name: String,
    /// The `title`, if given.
    pub title: Option<String>,
    /// The `source`, if given.
    pub source: Option<String>,
    /// The `date` (validated `YYYY-MM-DD`), if given.
    pub date: Option<String>,
    /// The `policy` header.
    pub loc: Loc,
}

/// `type NAME = { ... }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDef {
    /// The type's name.
    pub name: String,
    /// Its values, in declaration order.
    pub values: Vec<String>,
    /// The declaration's name.
    pub loc: Loc,
}

/// `group NAME: TYPE = ...`, resolved to value indices of the type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The group's name.
    pub name: String,
    /// Index into [`Policy::types`].
    pub ty: usize,
    /// The member values, ascending indices into the type's values.
    pub members: Vec<u32>,
    /// The declaration's name.
    pub loc: Loc,
}

/// An attribute and its finite domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute's name.
    pub name: String,
    /// Its type.
    pub domain: Domain,
    /// The doc string, if any.
    pub doc: Option<String>,
    /// The declaration's name.
    pub loc: Loc,
}

/// The finite domain of an attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Domain {
    /// An enum; `ty` is the named type (index into [`Policy::types`]), if any.
    Enum {
        /// The named type, or `None` for an anonymous enum.
        ty: Option<usize>,
        /// The values, in declaration order.
        values: Vec<String>,
    },
    /// `bool`: value index 0 is `false`, 1 is `true`.
    Bool,
    /// `int LO..HI`, inclusive, `lo <= hi`.
    Int {
        /// The smallest value.
        lo: i64,
        /// The largest value.
        hi: i64,
    },
}

impl Domain {
    /// The number of values, exactly (an `int` range can hold 2^64 values).
    pub fn size(&self) -> u128 {
        match self {
            Domain::Enum { values, .. } => values.len() as u128,
            Domain::Bool => 2,
            Domain::Int { lo, hi } => (*hi as i128 - *lo as i128 + 1) as u128,
        }
    }
}

/// `decision NAME: { ... }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The decision's name.
    pub name: String,
    /// The outcomes, in declaration order.
    pub outcomes: Vec<String>,
    /// The doc string, if any.
    pub doc: Option<String>,
    /// The declaration's name.
    pub loc: Loc,
}

/// The conflict-resolution strategy (SPEC 4.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolve {
    /// Disagreeing winners are a compile-time error.
    Strict,
    /// The winner earliest in the file decides.
    First,
    /// The highest-ranked outcome among the winners; every outcome, highest
    /// first.
    Priority(Vec<OutcomeId>),
}

/// The outcome of a case no rule wins (SPEC 4.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Default {
    /// No `default`: such cases are undecided (and a lint may say so).
    None,
    /// `default undecided`: undecided cases are intended.
    Undecided,
    /// `default OUTCOME`.
    Outcome(OutcomeId),
}

/// A checked rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule's id: its name, or `line:N` of its `when` keyword.
    pub id: String,
    /// Whether the rule was named (`rule NAME:`).
    pub named: bool,
    /// The rules this one directly overrides.
    pub overrides: Vec<RuleId>,
    /// The condition.
    pub cond: Cond,
    /// The outcome it gives.
    pub outcome: OutcomeId,
    /// The attributes claimed not to matter where the rule matches.
    pub regardless: Vec<(AttrId, Loc)>,
    /// The `because` text.
    pub because: Option<String>,
    /// The rule's name, or its `when` keyword when unnamed.
    pub loc: Loc,
    /// The whole rule item.
    pub item: Loc,
}

/// A checked condition. Every atom tests one attribute against a set of
/// its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    /// `true` or `false`.
    Const(bool),
    /// All of these hold.
    And(Vec<Cond>),
    /// At least one of these holds.
    Or(Vec<Cond>),
    /// This does not hold.
    Not(Box<Cond>),
    /// The attribute's value is in the set.
    Atom(Atom),
}

/// "attribute ∈ set".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Atom {
    /// The attribute tested.
    pub attr: AttrId,
    /// The values that satisfy the atom.
    pub set: ValueSet,
    /// The comparison as written.
    pub loc: Loc,
}

/// A set of values of one attribute's domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueSet {
    /// Enum or bool values: ascending, distinct value indices.
    Values(Vec<u32>),
    /// Int values: ascending, disjoint, non-adjacent inclusive ranges inside
    /// the domain.
    Ranges(Vec<(i64, i64)>),
}

impl ValueSet {
    /// Whether `value` (an index for enums and bools, the number for ints)
    /// is in the set.
    pub fn contains(&self, value: i64) -> bool {
        match self {
            ValueSet::Values(v) => u32::try_from(value).is_ok_and(|x| v.binary_search(&x).is_ok()),
            ValueSet::Ranges(r) => r.iter().any(|&(lo, hi)| lo <= value && value <= hi),
        }
    }
}

impl Cond {
    /// Every attribute the condition mentions, ascending, without repeats.
    pub fn attributes(&self) -> Vec<AttrId> {
        fn walk(c: &Cond, out: &mut Vec<AttrId>) {
            match c {
                Cond::Const(_) => {}
                Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| walk(c, out)),
                Cond::Not(c) => walk(c, out),
                Cond::Atom(a) => out.push(a.attr),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A checked test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Test {
    /// The test's name.
    pub name: String,
    /// The cases it is about (all cases when `None`).
    pub given: Option<Cond>,
    /// What every such case must be decided as.
    pub expect: Expectation,
    /// The test's name string.
    pub loc: Loc,
}

/// What a test expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// `expect undecided`.
    Undecided,
    /// `expect OUTCOME` or `expect OUTCOME by RULE`.
    Outcome {
        /// The outcome.
        outcome: OutcomeId,
        /// A rule that must be among the explaining rules.
        by: Option<RuleId>,
    },
}
