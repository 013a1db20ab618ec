//! The syntax tree: what a file says, with a span on every node and name.
//!
//! The tree is a faithful, unresolved picture of the text. It knows nothing
//! about types or scopes: `location = US` is just an identifier compared with
//! an identifier. Name resolution happens in `crate::check`.

use crate::source::Span;

/// An identifier together with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The identifier's text.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A string literal, already unescaped, with the span of its quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Str {
    /// The string's value after escapes were processed.
    pub value: String,
    /// The span from the opening to the closing quote.
    pub span: Span,
}

/// An integer literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Int {
    /// The literal's value.
    pub value: i64,
    /// Where it was written.
    pub span: Span,
}

/// A reference to a rule: `NAME`, a rule of this policy, or `BASE.NAME`, a
/// rule of the policy this one `extends` (SPEC section 4a).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRef {
    /// `BASE` in `BASE.NAME`.
    pub base: Option<Ident>,
    /// The rule's own name.
    pub name: Ident,
    /// The whole reference.
    pub span: Span,
}

impl RuleRef {
    /// The reference as written: `NAME` or `BASE.NAME`.
    pub fn text(&self) -> String {
        match &self.base {
            Some(b) => format!("{}.{}", b.name, self.name.name),
            None => self.name.name.clone(),
        }
    }
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The items that parsed, in file order.
    pub items: Vec<Item>,
    /// The items that did not, in file order: each has an error reported
    /// (syntax, lexical, or an integer that overflows) and is left out of
    /// `items`. Empty when the file parsed cleanly.
    pub broken: Vec<BrokenItem>,
}

/// An item that did not parse, as far as it can be read without the
/// grammar: the keyword it starts with and the name it declares. Later
/// stages read it only to stay quiet about that name: a rule that uses
/// attribute `x` is not told `x` is unknown when the declaration of `x` is
/// the part that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenItem {
    /// The item keyword the text starts with (`attribute`, `rule`, `when`,
    /// …), or the one its first word misspells (`attribue`); `None` when
    /// it starts with neither.
    pub keyword: Option<&'static str>,
    /// The name after the keyword, for the items that declare one (`type`,
    /// `group`, `attribute`, `decision`, `policy`, `rule`), when a name
    /// stands there.
    pub name: Option<Ident>,
    /// The text skipped: from its first token up to the next item.
    pub span: Span,
}

/// A top-level item, with the span of the whole item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// What the item says.
    pub kind: ItemKind,
    /// From its first keyword to its last token.
    pub span: Span,
}

/// The kinds of top-level item (SPEC section 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// `use "PATH"`.
    Use(Str),
    /// `type NAME = { ... }`.
    Type {
        /// The type's name.
        name: Ident,
        /// Its values, in order.
        values: Vec<Ident>,
    },
    /// `group NAME: TYPE = { ... }` or `= all except { ... }`.
    Group {
        /// The group's name.
        name: Ident,
        /// The named type it is a subset of.
        ty: Ident,
        /// `all except { ... }`: the group is the complement of `values`.
        except: bool,
        /// The values listed.
        values: Vec<Ident>,
    },
    /// `attribute NAME: TYPE "doc"?`.
    Attribute {
        /// The attribute's name.
        name: Ident,
        /// Its type.
        ty: TypeExpr,
        /// The doc string.
        doc: Option<Str>,
    },
    /// `decision NAME: { ... } "doc"?`.
    Decision {
        /// The decision's name.
        name: Ident,
        /// The outcomes, in order.
        values: Vec<Ident>,
        /// The doc string.
        doc: Option<Str>,
    },
    /// `policy NAME`.
    Policy(Ident),
    /// `extends "PATH"`: this policy builds on the policy at PATH.
    Extends(Str),
    /// `repeal BASE.RULE, ...`: base rules this policy removes.
    Repeal(Vec<RuleRef>),
    /// `title "..."`.
    Title(Str),
    /// `source "..."`.
    Source(Str),
    /// `date "..."`.
    Date(Str),
    /// `resolve ...`.
    Resolve(Resolve),
    /// `default OUTCOME` or `default undecided` (`None`).
    Default(Option<Ident>),
    /// A rule.
    Rule(Rule),
    /// A test.
    Test(Test),
    /// `allow NAME, ...`.
    Allow(Vec<Ident>),
}

impl ItemKind {
    /// The item's keyword, as written in source.
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Use(_) => "use",
            ItemKind::Type { .. } => "type",
            ItemKind::Group { .. } => "group",
            ItemKind::Attribute { .. } => "attribute",
            ItemKind::Decision { .. } => "decision",
            ItemKind::Policy(_) => "policy",
            ItemKind::Extends(_) => "extends",
            ItemKind::Repeal(_) => "repeal",
            ItemKind::Title(_) => "title",
            ItemKind::Source(_) => "source",
            ItemKind::Date(_) => "date",
            ItemKind::Resolve(_) => "resolve",
            ItemKind::Default(_) => "default",
            ItemKind::Rule(_) => "rule",
            ItemKind::Test(_) => "test",
            ItemKind::Allow(_) => "allow",
        }
    }

    /// Whether the item may stand in a vocabulary (`use`, `type`, `group`,
    /// `attribute`, `decision`).
    pub fn is_declaration(&self) -> bool {
        matches!(
            self,
            ItemKind::Use(_)
                | ItemKind::Type { .. }
                | ItemKind::Group { .. }
                | ItemKind::Attribute { .. }
                | ItemKind::Decision { .. }
        )
    }
}

/// The type written after `attribute NAME:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeExpr {
    /// `{ a, b }`, an anonymous enum.
    Enum(Vec<Ident>),
    /// A named type.
    Named(Ident),
    /// `bool`.
    Bool(Span),
    /// `int LO..HI`.
    Int {
        /// The low bound.
        lo: Int,
        /// The high bound.
        hi: Int,
    },
}

/// The conflict-resolution strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolve {
    /// `resolve strict`.
    Strict,
    /// `resolve first`.
    First,
    /// `resolve priority a > b > c`.
    Priority(Vec<Ident>),
}

/// `rule NAME overrides A, B: when COND then OUTCOME regardless X because "..."`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule's name, if it has a head.
    pub name: Option<Ident>,
    /// The rules this one overrides.
    pub overrides: Vec<RuleRef>,
    /// The span of the `when` keyword (unnamed rules are called `line:N` of it).
    pub when_span: Span,
    /// The condition.
    pub cond: Cond,
    /// The outcome after `then`.
    pub outcome: Ident,
    /// The attributes after `regardless`.
    pub regardless: Vec<Ident>,
    /// The `because` text.
    pub because: Option<Str>,
}

/// `test "NAME": given COND expect OUTCOME by RULE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Test {
    /// The test's name.
    pub name: Str,
    /// The `given` condition, if any.
    pub given: Option<Cond>,
    /// What is expected.
    pub expect: Expect,
}

/// What a test expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// `expect undecided`, with the keyword's span.
    Undecided(Span),
    /// `expect OUTCOME` or `expect OUTCOME by RULE`.
    Outcome {
        /// The outcome.
        outcome: Ident,
        /// The rule that must explain it.
        by: Option<RuleRef>,
    },
}

/// A condition, with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    /// What the condition says.
    pub kind: CondKind,
    /// The text it covers.
    pub span: Span,
}

/// The forms of a condition (SPEC section 2, `cond` … `atom`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CondKind {
    /// `true` or `false`.
    Bool(bool),
    /// `a or b or c` (at least two operands).
    Or(Vec<Cond>),
    /// `a and b and c` (at least two operands).
    And(Vec<Cond>),
    /// `not c`.
    Not(Box<Cond>),
    /// `(c)`: kept so that the formatter can reproduce the user's grouping.
    Paren(Box<Cond>),
    /// `attr = v` or `attr != v`.
    Compare {
        /// The attribute.
        attr: Ident,
        /// `!=` rather than `=`.
        negated: bool,
        /// What it is compared with.
        value: Operand,
    },
    /// `attr < 5` and friends.
    Order {
        /// The attribute.
        attr: Ident,
        /// The operator.
        op: OrdOp,
        /// The integer it is compared with.
        value: Int,
    },
    /// `attr in {..}`, `attr not in {..}`, `attr in GROUP`.
    In {
        /// The attribute.
        attr: Ident,
        /// `not in` rather than `in`.
        negated: bool,
        /// The set or group.
        set: SetExpr,
    },
    /// A bool attribute standing alone.
    Bare(Ident),
}

/// The right-hand side of `=` or `!=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    /// A value or group name.
    Ident(Ident),
    /// An integer.
    Int(Int),
    /// `true` or `false`.
    Bool(bool, Span),
}

impl Operand {
    /// Where the operand was written.
    pub fn span(&self) -> Span {
        match self {
            Operand::Ident(i) => i.span,
            Operand::Int(i) => i.span,
            Operand::Bool(_, s) => *s,
        }
    }
}

/// The set after `in`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetExpr {
    /// `{ a, 3, b }`: value names and integers as written.
    Literal {
        /// The elements, as written.
        items: Vec<SetItem>,
        /// From `{` to `}`.
        span: Span,
    },
    /// A group name.
    Group(Ident),
}

impl SetExpr {
    /// Where the set was written.
    pub fn span(&self) -> Span {
        match self {
            SetExpr::Literal { span, .. } => *span,
            SetExpr::Group(g) => g.span,
        }
    }
}

/// One element of a literal set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetItem {
    /// A value name.
    Ident(Ident),
    /// An integer.
    Int(Int),
}

/// An ordering comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrdOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl OrdOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            OrdOp::Lt => "<",
            OrdOp::Le => "<=",
            OrdOp::Gt => ">",
            OrdOp::Ge => ">=",
        }
    }
}
