//! Grammar-aware generation of whole writ projects for the fuzzing harness
//! (`tests/fuzz.rs`): a policy with every kind of item of SPEC section 2,
//! its vocabulary inline or in `use`d files (one of which may `use`
//! another), and possibly a base policy that it `extends`, repealing and
//! overriding the base's rules by `BASE.RULE`.
//!
//! The strategies produce selectors (small numbers), read against the
//! vocabulary when rendered, as `policy_gen.rs` does, so that each part
//! shrinks on its own. Rendering is mostly well typed; a [`Flaw`] (about
//! one project in four) breaks it on purpose, from a typo in a name to a
//! dropped token, so that the checker's and parser's error paths are
//! fuzzed too. Whitespace, line breaks and comments are put between tokens
//! at random, wherever the grammar allows them, to exercise the formatter.
//! In large campaigns an [`Amplify`] repeats one shape thousands of times,
//! the shapes that exhaust memory today.
//!
//! `policy_gen.rs` stays as it is: the property tests that include it have
//! fixed seeds, and a change there would change what they test.

#![allow(dead_code)] // Included with `#[path]`; not every user reads everything.

use proptest::prelude::*;

// ----- the vocabulary -----------------------------------------------------

/// The int domains attributes draw from: small ones for brute force, and
/// the extremes of `i64`.
pub const INT_RANGES: [(i64, i64); 10] = [
    (0, 6),
    (-3, 3),
    (5, 5),
    (0, 1),
    (-9, -2),
    (0, 36_500),
    (-1_000_000, 1_000_000),
    (i64::MIN, i64::MAX),
    (i64::MIN, i64::MIN + 3),
    (i64::MAX - 3, i64::MAX),
];

/// Value names of named enum types: shared between types (SPEC 3 scopes
/// values per enum) and with the anonymous enums' `x0`, `x1`, ….
const VALUE_NAMES: [&str; 7] = ["US", "Ireland", "other", "x1", "EU", "allow", "v_0"];

/// Texts of `because` and doc strings, escapes included.
const STRINGS: [&str; 9] = [
    "",
    "plain reason",
    "a \\\"quoted\\\" word",
    "back\\\\slash",
    "tab\\there",
    "new\\nline",
    "unicode é 中文 🚀",
    "# not a comment",
    "a long reason that goes on and on past the width the formatter aims at, so that it must break the rule",
];

/// Bodies of comments (each comment also gets a number, so that every
/// comment of a file is distinct and its order can be checked).
const COMMENTS: [&str; 9] = [
    "",
    "#",
    "a comment",
    "trailing spaces   ",
    "\ttab",
    "unicode é 中文 🚀",
    "\"quote",
    "when x then y",
    "## nested # hashes",
];

/// Lint names and codes for `allow` (one that is no lint).
const LINTS: [&str; 8] = [
    "dead-rule",
    "unused",
    "incomplete",
    "overlap",
    "L0003",
    "redundant-rule",
    "partly-masked",
    "no-such-lint",
];

/// An attribute's type.
#[derive(Clone, Debug)]
pub enum AttrTy {
    /// An anonymous enum of this many values (`x0`, `x1`, …).
    Anon(u8),
    /// A named type (selector).
    Named(u8),
    Bool,
    /// `int LO..HI` from [`INT_RANGES`] (selector).
    Int(u8),
}

#[derive(Clone, Debug)]
pub struct AttrG {
    pub ty: AttrTy,
    pub doc: Option<u8>,
}

/// `type T = { … }`: this many values, named by a scheme.
#[derive(Clone, Debug)]
pub struct TypeG {
    pub values: u8,
    pub scheme: u8,
}

/// `group g: T = { … }` or `= all except { … }`.
#[derive(Clone, Debug)]
pub struct GroupG {
    pub ty: u8,
    pub except: bool,
    pub values: Vec<u8>,
}

// ----- conditions, rules, tests -----------------------------------------

/// A condition over selectors.
#[derive(Clone, Debug)]
pub enum C {
    Const(bool),
    /// Attribute, operator and value selectors.
    Atom(u8, u8, Vec<u16>),
    Not(Box<C>),
    And(Vec<C>),
    Or(Vec<C>),
    /// Parentheses the precedence does not need.
    Paren(Box<C>),
}

#[derive(Clone, Debug)]
pub struct RuleG {
    pub named: bool,
    /// Selectors of rules above which this one stands: own earlier rules,
    /// or (odd selectors, in a child) the base's rules.
    pub overrides: Vec<u8>,
    pub cond: C,
    pub outcome: u8,
    /// An attribute the condition does not mention, claimed not to matter.
    pub regardless: Option<u8>,
    pub because: Option<u8>,
}

#[derive(Clone, Debug)]
pub struct TestG {
    pub given: Option<C>,
    /// 0: `expect undecided`; 1: `expect O`; 2: `expect O by R`, O being
    /// R's own outcome.
    pub kind: u8,
    pub pick: u8,
}

/// One policy file's own items.
#[derive(Clone, Debug)]
pub struct PolicyG {
    /// 0: none; 1: `resolve strict`; 2, 3: `first`; 4, 5: `priority`.
    pub resolve: u8,
    pub ranking: Vec<u8>,
    /// 0: none; 1: `default undecided`; 2: `default` an outcome.
    pub default: (u8, u8),
    /// `title`, `source` and `date`, each optional.
    pub meta: (bool, bool, Option<u8>),
    pub rules: Vec<RuleG>,
    pub tests: Vec<TestG>,
    pub allows: Vec<u8>,
}

/// A deliberate mistake, so that not every input is well typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    UnknownAttribute,
    WrongValue,
    IntOutOfRange,
    OverrideCycle,
    DuplicateRuleName,
    RegardlessMentioned,
    BadPriority,
    UnknownOutcome,
    ExpectByOther,
    BadRepeal,
    DuplicateHeader,
    BadDate,
    EmptyRange,
    DropToken,
    DuplicateToken,
    SwapTokens,
    MissingUse,
    KeywordAsName,
    ItemsOutOfOrder,
    UnterminatedString,
}

pub const FLAWS: [Flaw; 20] = [
    Flaw::UnknownAttribute,
    Flaw::WrongValue,
    Flaw::IntOutOfRange,
    Flaw::OverrideCycle,
    Flaw::DuplicateRuleName,
    Flaw::RegardlessMentioned,
    Flaw::BadPriority,
    Flaw::UnknownOutcome,
    Flaw::ExpectByOther,
    Flaw::BadRepeal,
    Flaw::DuplicateHeader,
    Flaw::BadDate,
    Flaw::EmptyRange,
    Flaw::DropToken,
    Flaw::DuplicateToken,
    Flaw::SwapTokens,
    Flaw::MissingUse,
    Flaw::KeywordAsName,
    Flaw::ItemsOutOfOrder,
    Flaw::UnterminatedString,
];

/// Many copies of one shape, in large campaigns only: the shapes of the
/// known memory findings (`FUZZING.md`), at sizes CI does not reach.
#[derive(Clone, Debug)]
pub enum Amplify {
    /// `n` unnamed copies of one of the root's rules.
    Copies { rule: u8, n: u16 },
    /// `n` rules, each overriding the one before it.
    Chain { n: u16 },
    /// One rule `when a = v0 or a = v1 or …` over `n` values.
    OrChain { attr: u8, n: u16 },
}

/// A generated project: vocabulary, an optional base, the root policy, and
/// how the text is laid out.
#[derive(Clone, Debug)]
pub struct Doc {
    pub types: Vec<TypeG>,
    pub groups: Vec<GroupG>,
    pub attrs: Vec<AttrG>,
    pub outcomes: u8,
    pub outcome_scheme: bool,
    /// Where the vocabulary is declared: 0 inline, 1 in `vocab.vocab`,
    /// 2 in `vocab.vocab` which `use`s `types.vocab` for the types and
    /// groups. With a base, the base declares it so (the child sees it
    /// through `extends`, and with 1 or 2 also `use`s the file itself).
    pub placement: u8,
    pub base: Option<PolicyG>,
    /// Base rules the child repeals (selectors of named base rules).
    pub repeals: Vec<u8>,
    pub main: PolicyG,
    /// Gap choices between tokens, cycled: mostly a space, sometimes a
    /// line break, sometimes a comment.
    pub gaps: Vec<u8>,
    /// Choices between items: a line break, a blank line, comments.
    pub between: Vec<u8>,
    pub flaws: Vec<(Flaw, u8)>,
    /// Seeds the sample of cases the harness evaluates.
    pub seed: u64,
    pub amplify: Option<Amplify>,
}

/// Sizes of what is generated: CI's (moderate) or larger.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub attrs: usize,
    pub rules: usize,
    pub tests: usize,
    pub depth: u32,
    /// The most copies an [`Amplify`] makes (0: none).
    pub amplify: u16,
}

impl Sizes {
    pub const CI: Sizes = Sizes {
        attrs: 5,
        rules: 8,
        tests: 3,
        depth: 3,
        amplify: 0,
    };
    pub const LARGE: Sizes = Sizes {
        attrs: 8,
        rules: 24,
        tests: 6,
        depth: 5,
        amplify: 4000,
    };
}

pub fn cond(depth: u32) -> impl Strategy<Value = C> {
    let leaf = prop_oneof![
        1 => any::<bool>().prop_map(C::Const),
        10 => (any::<u8>(), any::<u8>(), prop::collection::vec(any::<u16>(), 1..=3))
            .prop_map(|(a, op, vs)| C::Atom(a, op, vs)),
    ];
    leaf.prop_recursive(depth, 16, 3, |inner| {
        prop_oneof![
            2 => inner.clone().prop_map(|c| C::Not(Box::new(c))),
            3 => prop::collection::vec(inner.clone(), 2..=3).prop_map(C::And),
            3 => prop::collection::vec(inner.clone(), 2..=3).prop_map(C::Or),
            1 => inner.prop_map(|c| C::Paren(Box::new(c))),
        ]
    })
}

fn rule(depth: u32) -> impl Strategy<Value = RuleG> {
    (
        prop::bool::weighted(0.75),
        prop::collection::vec(any::<u8>(), 0..=2),
        cond(depth),
        any::<u8>(),
        prop::option::weighted(0.1, any::<u8>()),
        prop::option::weighted(0.3, any::<u8>()),
    )
        .prop_map(
            |(named, overrides, cond, outcome, regardless, because)| RuleG {
                named,
                overrides,
                cond,
                outcome,
                regardless,
                because,
            },
        )
}

fn test(depth: u32) -> impl Strategy<Value = TestG> {
    (prop::option::of(cond(depth.min(2))), 0u8..3, any::<u8>())
        .prop_map(|(given, kind, pick)| TestG { given, kind, pick })
}

fn policy(s: Sizes, min_rules: usize) -> impl Strategy<Value = PolicyG> {
    (
        0u8..6,
        Just(vec![0u8, 1, 2, 3]).prop_shuffle(),
        (0u8..3, any::<u8>()),
        (
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.2),
            prop::option::weighted(0.2, any::<u8>()),
        ),
        prop::collection::vec(rule(s.depth), min_rules..=s.rules),
        prop::collection::vec(test(s.depth), 0..=s.tests),
        prop::collection::vec(any::<u8>(), 0..=2),
    )
        .prop_map(
            |(resolve, ranking, default, meta, rules, tests, allows)| PolicyG {
                resolve,
                ranking,
                default,
                meta,
                rules,
                tests,
                allows,
            },
        )
}

fn attr_ty() -> impl Strategy<Value = AttrTy> {
    prop_oneof![
        2 => (1u8..=4).prop_map(AttrTy::Anon),
        2 => any::<u8>().prop_map(AttrTy::Named),
        2 => Just(AttrTy::Bool),
        3 => any::<u8>().prop_map(AttrTy::Int),
    ]
}

/// A project of the given sizes.
pub fn doc(s: Sizes) -> impl Strategy<Value = Doc> {
    let vocab = (
        prop::collection::vec(
            (1u8..=5, any::<u8>()).prop_map(|(values, scheme)| TypeG { values, scheme }),
            0..=2,
        ),
        prop::collection::vec(
            (
                any::<u8>(),
                any::<bool>(),
                prop::collection::vec(any::<u8>(), 1..=3),
            )
                .prop_map(|(ty, except, values)| GroupG { ty, except, values }),
            0..=2,
        ),
        prop::collection::vec(
            (attr_ty(), prop::option::weighted(0.2, any::<u8>()))
                .prop_map(|(ty, doc)| AttrG { ty, doc }),
            1..=s.attrs,
        ),
        1u8..=4,
        any::<bool>(),
        0u8..3,
    );
    let flaw = (0..FLAWS.len(), any::<u8>()).prop_map(|(f, at)| (FLAWS[f], at));
    let amplify = if s.amplify == 0 {
        Just(None).boxed()
    } else {
        let n = 1..=s.amplify;
        prop::option::weighted(
            0.2,
            prop_oneof![
                (any::<u8>(), n.clone()).prop_map(|(rule, n)| Amplify::Copies { rule, n }),
                n.clone().prop_map(|n| Amplify::Chain { n }),
                (any::<u8>(), n).prop_map(|(attr, n)| Amplify::OrChain { attr, n }),
            ],
        )
        .boxed()
    };
    (
        vocab,
        prop::option::weighted(0.25, policy(s, 1)),
        prop::collection::vec(any::<u8>(), 0..=2),
        policy(s, 0),
        prop::collection::vec(any::<u8>(), 0..=24),
        prop::collection::vec(any::<u8>(), 0..=8),
        prop_oneof![3 => Just(Vec::new()), 1 => prop::collection::vec(flaw, 1..=2)],
        (any::<u64>(), amplify),
    )
        .prop_map(
            |(
                (types, groups, attrs, outcomes, outcome_scheme, placement),
                base,
                repeals,
                main,
                gaps,
                between,
                flaws,
                (seed, amplify),
            )| Doc {
                types,
                groups,
                attrs,
                outcomes,
                outcome_scheme,
                placement,
                base,
                repeals,
                main,
                gaps,
                between,
                flaws,
                seed,
                amplify,
            },
        )
        .prop_filter("at least one rule", |d| {
            !d.main.rules.is_empty() || d.base.is_some()
        })
}

// ----- rendering ----------------------------------------------------------

/// The files of a rendered project; `main.policy` is the root.
#[derive(Clone, Debug)]
pub struct Files {
    pub files: Vec<(String, String)>,
}

impl Files {
    /// The root policy's text.
    pub fn root(&self) -> &str {
        &self
            .files
            .iter()
            .find(|(n, _)| n == ROOT)
            .expect("a root")
            .1
    }
}

/// The root file's name.
pub const ROOT: &str = "main.policy";

/// An attribute as rendering sees it.
#[derive(Clone, Debug)]
enum Ty {
    Enum {
        values: Vec<String>,
        ty: Option<usize>,
    },
    Bool,
    Int(i64, i64),
}

/// The renderer's state: the vocabulary read off the selectors, and a
/// counter of comments.
struct R<'d> {
    d: &'d Doc,
    types: Vec<Vec<String>>,
    /// Each group's type.
    groups: Vec<usize>,
    attrs: Vec<Ty>,
    comment: usize,
    gap: usize,
}

/// An item as a list of tokens, joined later with whitespace, line breaks
/// or comments.
type Item = Vec<String>;

fn t(s: &str) -> String {
    s.to_string()
}

impl Doc {
    fn flaw(&self, f: Flaw) -> Option<u8> {
        self.flaws.iter().find(|(g, _)| *g == f).map(|(_, at)| *at)
    }

    /// Whether rendering is meant to be well typed (it may still fail to
    /// check: a strict conflict, a `regardless` that does not hold).
    pub fn intends_well_typed(&self) -> bool {
        self.flaws.is_empty()
    }

    pub fn render(&self) -> Files {
        let mut r = R::new(self);
        let mut files = Vec::new();
        let vocab_items = r.vocabulary_items();
        let (types_items, rest_items): (Vec<Item>, Vec<Item>) = {
            let n_types = if self.types.is_empty() {
                0
            } else {
                self.types.len() + self.groups.len()
            };
            let mut v = vocab_items;
            let rest = v.split_off(n_types.min(v.len()));
            (v, rest)
        };
        let decls: Vec<Item> = types_items.iter().chain(&rest_items).cloned().collect();
        let missing_use = self.flaw(Flaw::MissingUse).is_some();
        // Where the declarations go, and what the vocabulary's holder says.
        let mut holder_head: Vec<Item> = Vec::new();
        let mut holder_decls: Vec<Item> = Vec::new();
        match self.placement % 3 {
            0 => holder_decls = decls,
            1 => {
                files.push(("vocab.vocab".into(), r.file(&decls)));
                holder_head.push(vec![t("use"), t("\"vocab.vocab\"")]);
            }
            _ => {
                files.push(("types.vocab".into(), r.file(&types_items)));
                let mut v = vec![vec![t("use"), t("\"types.vocab\"")]];
                v.extend(rest_items.iter().cloned());
                files.push(("vocab.vocab".into(), r.file(&v)));
                holder_head.push(vec![t("use"), t("\"vocab.vocab\"")]);
            }
        }
        if missing_use {
            holder_head.push(vec![t("use"), t("\"missing.vocab\"")]);
        }
        match &self.base {
            None => {
                let mut items = vec![vec![t("policy"), t("main")]];
                items.extend(r.meta(&self.main));
                items.extend(holder_head);
                items.extend(holder_decls);
                items.extend(r.settings(&self.main));
                items.extend(r.rules(&self.main, None));
                items.extend(r.amplified(&self.main));
                items.extend(r.tests(&self.main, None));
                let items = r.disorder(items);
                files.push((ROOT.into(), r.file(&items)));
            }
            Some(base) => {
                let mut items = vec![vec![t("policy"), t("base")]];
                items.extend(r.meta(base));
                items.extend(holder_head.clone());
                items.extend(holder_decls);
                items.extend(r.settings(base));
                items.extend(r.rules(base, None));
                items.extend(r.tests(base, None));
                files.push(("base.policy".into(), r.file(&items)));
                let mut items = vec![vec![t("policy"), t("main")]];
                items.extend(r.meta(&self.main));
                items.push(vec![t("extends"), t("\"base.policy\"")]);
                if !self.placement.is_multiple_of(3) {
                    // Using the base's vocabulary file too is allowed.
                    items.extend(holder_head);
                }
                let repealed = r.repeals(base);
                if !repealed.is_empty() || self.flaw(Flaw::BadRepeal).is_some() {
                    let mut item = vec![t("repeal")];
                    let mut names: Vec<String> =
                        repealed.iter().map(|i| format!("base.r{i}")).collect();
                    if let Some(at) = self.flaw(Flaw::BadRepeal) {
                        match at % 3 {
                            0 => names.push("base.nope".into()),
                            1 => names.push(names.first().cloned().unwrap_or("r0".into())),
                            _ => names.push("main_rule".into()),
                        }
                    }
                    for (i, n) in names.iter().enumerate() {
                        if i > 0 {
                            item.push(t(","));
                        }
                        item.push(n.clone());
                    }
                    items.push(item);
                }
                items.extend(r.settings(&self.main));
                items.extend(r.rules(&self.main, Some((base, &repealed))));
                items.extend(r.amplified(&self.main));
                items.extend(r.tests(&self.main, Some((base, &repealed))));
                let items = r.disorder(items);
                files.push((ROOT.into(), r.file(&items)));
            }
        }
        Files { files }
    }
}

impl<'d> R<'d> {
    fn new(d: &'d Doc) -> R<'d> {
        let types: Vec<Vec<String>> = d
            .types
            .iter()
            .map(|ty| {
                (0..ty.values as usize)
                    .map(|i| match ty.scheme % 3 {
                        0 => format!("v{i}"),
                        1 => VALUE_NAMES[(i + ty.scheme as usize / 3) % VALUE_NAMES.len()]
                            .to_string(),
                        _ => format!("Val_{i}"),
                    })
                    .collect::<Vec<_>>()
            })
            .map(|mut vs| {
                // The `VALUE_NAMES` scheme may wrap around: keep names unique.
                let mut seen = std::collections::HashSet::new();
                vs.retain(|v| seen.insert(v.clone()));
                vs
            })
            .collect();
        let groups: Vec<usize> = if types.is_empty() {
            Vec::new()
        } else {
            d.groups
                .iter()
                .map(|g| g.ty as usize % types.len())
                .collect()
        };
        let attrs = d
            .attrs
            .iter()
            .map(|a| match a.ty {
                AttrTy::Anon(n) => Ty::Enum {
                    values: (0..n).map(|i| format!("x{i}")).collect(),
                    ty: None,
                },
                AttrTy::Named(s) if !types.is_empty() => {
                    let i = s as usize % types.len();
                    Ty::Enum {
                        values: types[i].clone(),
                        ty: Some(i),
                    }
                }
                AttrTy::Named(_) | AttrTy::Bool => Ty::Bool,
                AttrTy::Int(s) => {
                    let (lo, hi) = INT_RANGES[s as usize % INT_RANGES.len()];
                    Ty::Int(lo, hi)
                }
            })
            .collect();
        R {
            d,
            types,
            groups,
            attrs,
            comment: 0,
            gap: 0,
        }
    }

    fn outcome(&self, sel: u8) -> String {
        let n = self.d.outcomes as usize;
        let i = sel as usize % n;
        if self.d.outcome_scheme {
            ["compel", "quash", "deny", "allow"][i].to_string()
        } else {
            format!("o{i}")
        }
    }

    fn string(sel: u8) -> String {
        format!("\"{}\"", STRINGS[sel as usize % STRINGS.len()])
    }

    fn values(vals: &[String]) -> Item {
        let mut item = vec![t("{")];
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                item.push(t(","));
            }
            item.push(v.clone());
        }
        item.push(t("}"));
        item
    }

    // ----- the vocabulary ---------------------------------------------

    /// Types and groups first, then attributes and the decision.
    fn vocabulary_items(&mut self) -> Vec<Item> {
        let d = self.d;
        let mut out = Vec::new();
        for (i, vals) in self.types.iter().enumerate() {
            let mut item = vec![t("type"), format!("T{i}"), t("=")];
            item.extend(R::values(vals));
            out.push(item);
        }
        for (i, g) in d.groups.iter().enumerate() {
            if self.types.is_empty() {
                break;
            }
            let ty = self.groups[i];
            let vals = &self.types[ty];
            let mut picked: Vec<String> = g
                .values
                .iter()
                .map(|&v| vals[v as usize % vals.len()].clone())
                .collect();
            picked.sort();
            picked.dedup();
            let mut item = vec![
                t("group"),
                format!("g{i}"),
                t(":"),
                format!("T{ty}"),
                t("="),
            ];
            if g.except {
                item.push(t("all"));
                item.push(t("except"));
            }
            item.extend(R::values(&picked));
            out.push(item);
        }
        for (i, a) in d.attrs.iter().enumerate() {
            let name = match d.flaw(Flaw::KeywordAsName) {
                Some(at) if at as usize % d.attrs.len() == i => t("when"),
                _ => format!("a{i}"),
            };
            let mut item = vec![t("attribute"), name, t(":")];
            match (&self.attrs[i], &a.ty) {
                (Ty::Enum { ty: Some(ty), .. }, _) => item.push(format!("T{ty}")),
                (Ty::Enum { values, .. }, _) => item.extend(R::values(values)),
                (Ty::Bool, _) => item.push(t("bool")),
                (Ty::Int(lo, hi), _) => {
                    item.push(t("int"));
                    match d.flaw(Flaw::EmptyRange) {
                        // Every range's top is above `i64::MIN`.
                        Some(at) if at as usize % d.attrs.len() == i => {
                            item.push(hi.to_string());
                            item.push(t(".."));
                            item.push((hi - 1).to_string());
                        }
                        _ => {
                            item.push(lo.to_string());
                            item.push(t(".."));
                            item.push(hi.to_string());
                        }
                    }
                }
            }
            if let Some(doc) = a.doc {
                item.push(R::string(doc));
            }
            out.push(item);
        }
        let outcomes: Vec<String> = (0..d.outcomes).map(|o| self.outcome(o)).collect();
        let mut item = vec![t("decision"), t("outcome"), t(":")];
        item.extend(R::values(&outcomes));
        out.push(item);
        if let Some(at) = d.flaw(Flaw::DuplicateHeader) {
            match at % 3 {
                0 => {
                    let mut item = vec![t("decision"), t("other"), t(":")];
                    item.extend(R::values(&outcomes));
                    out.push(item);
                }
                1 => out.push(vec![t("attribute"), t("a0"), t(":"), t("bool")]),
                _ => {
                    let mut item = vec![t("type"), t("T0"), t("=")];
                    item.extend(R::values(&[t("dup"), t("dup")]));
                    out.push(item);
                }
            }
        }
        out
    }

    // ----- policies ---------------------------------------------------

    fn meta(&self, p: &PolicyG) -> Vec<Item> {
        let mut out = Vec::new();
        if p.meta.0 {
            out.push(vec![t("title"), t("\"A \\\"generated\\\" policy\"")]);
        }
        if p.meta.1 {
            out.push(vec![t("source"), t("\"fuzz\"")]);
        }
        if let Some(d) = p.meta.2 {
            let date = match self.d.flaw(Flaw::BadDate) {
                Some(at) => ["2014-02-30", "2014-13-01", "yesterday", "2014-4-25"][at as usize % 4],
                None => ["2014-04-25", "2016-02-29", "1999-12-31"][d as usize % 3],
            };
            out.push(vec![t("date"), format!("\"{date}\"")]);
        }
        if self
            .d
            .flaw(Flaw::DuplicateHeader)
            .is_some_and(|at| at % 2 == 1)
        {
            out.push(vec![t("policy"), t("again")]);
        }
        out
    }

    fn settings(&self, p: &PolicyG) -> Vec<Item> {
        let mut out = Vec::new();
        let n = self.d.outcomes;
        let mut ranking: Vec<String> = p
            .ranking
            .iter()
            .filter(|&&o| o < n)
            .map(|&o| self.outcome(o))
            .collect();
        if let Some(at) = self.d.flaw(Flaw::BadPriority) {
            if at % 2 == 0 {
                ranking.pop();
            } else {
                ranking.push(ranking[0].clone());
            }
        }
        match p.resolve {
            0 => {}
            1 => out.push(vec![t("resolve"), t("strict")]),
            2 | 3 => out.push(vec![t("resolve"), t("first")]),
            _ if ranking.len() >= 2 => {
                let mut item = vec![t("resolve"), t("priority")];
                for (i, o) in ranking.iter().enumerate() {
                    if i > 0 {
                        item.push(t(">"));
                    }
                    item.push(o.clone());
                }
                out.push(item);
            }
            _ => out.push(vec![t("resolve"), t("first")]),
        }
        match p.default {
            (0, _) => {}
            (1, _) => out.push(vec![t("default"), t("undecided")]),
            (_, o) => {
                let o = match self.d.flaw(Flaw::UnknownOutcome) {
                    Some(_) => t("nothing"),
                    None => self.outcome(o),
                };
                out.push(vec![t("default"), o]);
            }
        }
        for &a in &p.allows {
            out.push(vec![t("allow"), t(LINTS[a as usize % LINTS.len()])]);
        }
        out
    }

    /// The named base rules the child repeals, ascending.
    fn repeals(&self, base: &PolicyG) -> Vec<usize> {
        let named: Vec<usize> = (0..base.rules.len())
            .filter(|&i| base.rules[i].named)
            .collect();
        if named.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<usize> = self
            .d
            .repeals
            .iter()
            .map(|&s| named[s as usize % named.len()])
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A policy's rules. In a child, `base` is the base and its repealed
    /// rules: odd override selectors name a base rule that remains.
    fn rules(&mut self, p: &PolicyG, base: Option<(&PolicyG, &Vec<usize>)>) -> Vec<Item> {
        let d = self.d;
        let mut out = Vec::new();
        let n = p.rules.len();
        let name_of = |i: usize| -> String {
            match d.flaw(Flaw::DuplicateRuleName) {
                Some(at) if n > 1 && i == n - 1 && p.rules[at as usize % (n - 1)].named => {
                    format!("r{}", at as usize % (n - 1))
                }
                _ => format!("r{i}"),
            }
        };
        let cycle = d.flaw(Flaw::OverrideCycle);
        for (i, rule) in p.rules.iter().enumerate() {
            let mut item = Vec::new();
            if rule.named {
                item.push(t("rule"));
                item.push(name_of(i));
                let mut targets: Vec<String> = Vec::new();
                for &s in &rule.overrides {
                    match base {
                        Some((b, repealed)) if s % 2 == 1 => {
                            let remaining: Vec<usize> = (0..b.rules.len())
                                .filter(|&j| b.rules[j].named && !repealed.contains(&j))
                                .collect();
                            if !remaining.is_empty() {
                                targets.push(format!(
                                    "base.r{}",
                                    remaining[s as usize / 2 % remaining.len()]
                                ));
                            }
                        }
                        _ if i > 0 => {
                            let j = s as usize % i;
                            if p.rules[j].named {
                                targets.push(format!("r{j}"));
                            }
                        }
                        _ => {}
                    }
                }
                if let Some(at) = cycle {
                    match at % 2 {
                        // Itself.
                        0 => targets.push(format!("r{i}")),
                        // A later named rule, which overrides this one.
                        _ => {
                            if let Some(j) = (i + 1..n).find(|&j| p.rules[j].named) {
                                targets.push(format!("r{j}"));
                            } else if i > 0 && p.rules[0].named {
                                targets.push(t("r0"));
                            }
                        }
                    }
                }
                targets.sort();
                targets.dedup();
                if !targets.is_empty() {
                    item.push(t("overrides"));
                    for (k, name) in targets.iter().enumerate() {
                        if k > 0 {
                            item.push(t(","));
                        }
                        item.push(name.clone());
                    }
                }
                item.push(t(":"));
            }
            item.push(t("when"));
            let flaw_here = |f: Flaw| d.flaw(f).is_some_and(|at| at as usize % n == i);
            let mentioned = self.cond(&rule.cond, &mut item, i);
            item.push(t("then"));
            item.push(if flaw_here(Flaw::UnknownOutcome) {
                t("nothing")
            } else {
                self.outcome(rule.outcome)
            });
            let na = self.attrs.len();
            let claim = if flaw_here(Flaw::RegardlessMentioned) {
                mentioned.first().copied()
            } else {
                rule.regardless.and_then(|s| {
                    (0..na)
                        .map(|k| (s as usize + k) % na)
                        .find(|a| !mentioned.contains(a))
                })
            };
            if let Some(a) = claim {
                item.push(t("regardless"));
                item.push(format!("a{a}"));
            }
            if let Some(b) = rule.because {
                item.push(t("because"));
                if flaw_here(Flaw::UnterminatedString) {
                    item.push(t("\"no end"));
                } else {
                    item.push(R::string(b));
                }
            }
            out.push(item);
        }
        out
    }

    /// The [`Amplify`] items, after the root's own rules.
    fn amplified(&mut self, p: &PolicyG) -> Vec<Item> {
        let mut out = Vec::new();
        match self.d.amplify.clone() {
            None => {}
            Some(Amplify::Copies { rule, n }) => {
                if p.rules.is_empty() {
                    return out;
                }
                let rule = &p.rules[rule as usize % p.rules.len()];
                let mut item = vec![t("when")];
                self.cond(&rule.cond, &mut item, usize::MAX);
                item.push(t("then"));
                item.push(self.outcome(rule.outcome));
                out.extend(std::iter::repeat_n(item, n as usize));
            }
            Some(Amplify::Chain { n }) => {
                for i in 0..n as usize {
                    let mut item = vec![t("rule"), format!("chain{i}")];
                    if i > 0 {
                        item.push(t("overrides"));
                        item.push(format!("chain{}", i - 1));
                    }
                    item.push(t(":"));
                    item.push(t("when"));
                    match p.rules.get(i % p.rules.len().max(1)) {
                        Some(r) => {
                            let cond = r.cond.clone();
                            self.cond(&cond, &mut item, usize::MAX);
                        }
                        None => item.push(t("true")),
                    }
                    item.push(t("then"));
                    item.push(self.outcome(i as u8));
                    out.push(item);
                }
            }
            Some(Amplify::OrChain { attr, n }) => {
                let i = attr as usize % self.attrs.len();
                let values: Vec<String> = match &self.attrs[i] {
                    Ty::Int(lo, hi) => {
                        let count = (*hi as i128 - *lo as i128 + 1).min(n as i128);
                        (0..count).map(|k| (*lo as i128 + k).to_string()).collect()
                    }
                    Ty::Enum { values, .. } => values.clone(),
                    Ty::Bool => vec![t("true"), t("false")],
                };
                let mut item = vec![t("when")];
                for (k, v) in values.iter().enumerate() {
                    if k > 0 {
                        item.push(t("or"));
                    }
                    item.push(format!("a{i}"));
                    item.push(t("="));
                    item.push(v.clone());
                }
                item.push(t("then"));
                item.push(self.outcome(0));
                out.push(item);
            }
        }
        out
    }

    fn tests(&mut self, p: &PolicyG, base: Option<(&PolicyG, &Vec<usize>)>) -> Vec<Item> {
        let mut out = Vec::new();
        // Rules `by` may name: own named rules, and in a child the base's
        // that remain (as `base.rI`).
        let mut named: Vec<(String, u8)> = p
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.named)
            .map(|(i, r)| (format!("r{i}"), r.outcome))
            .collect();
        if let Some((b, repealed)) = base {
            named.extend(
                b.rules
                    .iter()
                    .enumerate()
                    .filter(|(j, r)| r.named && !repealed.contains(j))
                    .map(|(j, r)| (format!("base.r{j}"), r.outcome)),
            );
        }
        for (i, test) in p.tests.iter().enumerate() {
            let mut item = vec![t("test"), format!("\"t{i}\""), t(":")];
            if let Some(g) = &test.given {
                item.push(t("given"));
                self.cond(g, &mut item, usize::MAX);
            }
            item.push(t("expect"));
            match test.kind {
                0 => item.push(t("undecided")),
                2 if !named.is_empty() => {
                    let (r, o) = &named[test.pick as usize % named.len()];
                    let o = match self.d.flaw(Flaw::ExpectByOther) {
                        Some(_) if self.d.outcomes > 1 => o.wrapping_add(1),
                        _ => *o,
                    };
                    item.push(self.outcome(o));
                    item.push(t("by"));
                    item.push(r.clone());
                }
                _ => item.push(self.outcome(test.pick)),
            }
            out.push(item);
        }
        out
    }

    /// A condition's tokens; returns the attributes it mentions. `rule` is
    /// the rule's index (for flaws aimed at one rule).
    fn cond(&mut self, c: &C, out: &mut Item, rule: usize) -> Vec<usize> {
        let mut mentioned = Vec::new();
        self.cond_in(c, out, rule, &mut mentioned, 0);
        mentioned.sort_unstable();
        mentioned.dedup();
        mentioned
    }

    /// `ctx`: 0 top or inside parentheses; 1 an operand of `or`; 2 an
    /// operand of `and`; 3 after `not`. Parentheses go where the context
    /// binds tighter than the condition.
    fn cond_in(&mut self, c: &C, out: &mut Item, rule: usize, m: &mut Vec<usize>, ctx: u8) {
        let prec = match c {
            C::Or(_) => 1,
            C::And(_) => 2,
            _ => 3,
        };
        let paren = prec <= ctx && prec < 3;
        if paren {
            out.push(t("("));
        }
        match c {
            C::Const(b) => out.push(b.to_string()),
            C::Atom(a, op, vs) => self.atom(*a, *op, vs, out, rule, m),
            C::Not(inner) => {
                out.push(t("not"));
                self.cond_in(inner, out, rule, m, 3);
            }
            C::And(cs) | C::Or(cs) => {
                let (word, inner) = if prec == 1 { ("or", 1) } else { ("and", 2) };
                for (i, x) in cs.iter().enumerate() {
                    if i > 0 {
                        out.push(t(word));
                    }
                    // An operand of the same connective is parenthesised
                    // too (`a or (b or c)`): the tree keeps its shape.
                    self.cond_in(x, out, rule, m, inner);
                }
            }
            C::Paren(inner) => {
                out.push(t("("));
                self.cond_in(inner, out, rule, m, 0);
                out.push(t(")"));
            }
        }
        if paren {
            out.push(t(")"));
        }
    }

    fn atom(&mut self, a: u8, op: u8, vs: &[u16], out: &mut Item, rule: usize, m: &mut Vec<usize>) {
        let d = self.d;
        let i = a as usize % self.attrs.len();
        m.push(i);
        let at_here = |f: Flaw| {
            d.flaw(f)
                .is_some_and(|at| rule != usize::MAX && at as usize % 4 == rule % 4)
        };
        let name = if at_here(Flaw::UnknownAttribute) {
            format!("a{i}x")
        } else {
            format!("a{i}")
        };
        out.push(name.clone());
        match self.attrs[i].clone() {
            Ty::Enum { values, ty } => {
                let v = |s: u16| values[s as usize % values.len()].clone();
                let wrong = at_here(Flaw::WrongValue);
                let value = |s: u16| if wrong { t("Dublin") } else { v(s) };
                let groups: Vec<usize> = ty.map_or(Vec::new(), |ty| {
                    (0..self.groups.len())
                        .filter(|&g| self.groups[g] == ty)
                        .collect()
                });
                let set = |out: &mut Item| {
                    let mut vals: Vec<String> = vs.iter().map(|&s| value(s)).collect();
                    vals.sort();
                    vals.dedup();
                    out.extend(R::values(&vals));
                };
                match op % 8 {
                    0 => {
                        out.push(t("="));
                        out.push(value(vs[0]));
                    }
                    1 => {
                        out.push(t("!="));
                        out.push(value(vs[0]));
                    }
                    2 => {
                        out.push(t("in"));
                        set(out);
                    }
                    3 => {
                        out.push(t("not"));
                        out.push(t("in"));
                        set(out);
                    }
                    k if !groups.is_empty() => {
                        let g = format!("g{}", groups[vs[0] as usize % groups.len()]);
                        match k {
                            4 => out.push(t("in")),
                            5 => {
                                out.push(t("not"));
                                out.push(t("in"));
                            }
                            6 => out.push(t("=")),
                            _ => out.push(t("!=")),
                        }
                        out.push(g);
                    }
                    k => {
                        out.push(t(if k % 2 == 0 { "=" } else { "!=" }));
                        out.push(value(vs[0]));
                    }
                }
            }
            Ty::Bool => match op % 5 {
                0 => {}
                1 => {
                    out.push(t("="));
                    out.push(t("true"));
                }
                2 => {
                    out.push(t("="));
                    out.push(t("false"));
                }
                3 => {
                    out.push(t("!="));
                    out.push(t(["true", "false"][vs[0] as usize % 2]));
                }
                _ if at_here(Flaw::WrongValue) => {
                    out.push(t("="));
                    out.push(t("1"));
                }
                _ => {}
            },
            Ty::Int(lo, hi) => {
                let out_of_range = at_here(Flaw::IntOutOfRange);
                let lit = |s: u16| -> String {
                    if out_of_range {
                        return if hi < i64::MAX {
                            (hi + 1).to_string()
                        } else if lo > i64::MIN {
                            (lo - 1).to_string()
                        } else {
                            t("9223372036854775808")
                        };
                    }
                    let (l, h) = (lo as i128, hi as i128);
                    let size = h - l + 1;
                    let v = match s % 8 {
                        0 => l,
                        1 => h,
                        2 => (l + 1).min(h),
                        3 => (h - 1).max(l),
                        4 => l + size / 2,
                        5 => 0i128.clamp(l, h),
                        _ => l + (s as i128 * 7919) % size,
                    };
                    v.to_string()
                };
                match op % 8 {
                    k @ 0..=5 => {
                        out.push(t(["=", "!=", "<", "<=", ">", ">="][k as usize]));
                        out.push(lit(vs[0]));
                    }
                    k => {
                        if k == 7 {
                            out.push(t("not"));
                        }
                        out.push(t("in"));
                        let mut vals: Vec<String> = vs.iter().map(|&s| lit(s)).collect();
                        vals.sort_by_key(|v| v.parse::<i128>().unwrap_or(0));
                        vals.dedup();
                        out.extend(R::values(&vals));
                    }
                }
            }
        }
    }

    // ----- layout -------------------------------------------------------

    /// `ItemsOutOfOrder`: moves an item (the declarations' last, say) to
    /// another place, the header included.
    fn disorder(&self, mut items: Vec<Item>) -> Vec<Item> {
        if let Some(at) = self.d.flaw(Flaw::ItemsOutOfOrder) {
            let n = items.len();
            let from = at as usize % n;
            let item = items.remove(from);
            let to = (at as usize / 7 + 1) % n;
            items.insert(to, item);
        }
        items
    }

    /// Joins items into a file: token gaps and item gaps from the layout
    /// choices; token flaws applied to one item.
    fn file(&mut self, items: &[Item]) -> String {
        let d = self.d;
        let mut text = String::new();
        let n = items.len();
        for (k, item) in items.iter().enumerate() {
            let mut item = item.clone();
            let aimed = |f: Flaw| d.flaw(f).filter(|&at| at as usize % n.max(1) == k);
            if let Some(at) = aimed(Flaw::DropToken)
                && item.len() > 1
            {
                item.remove(at as usize % item.len());
            }
            if let Some(at) = aimed(Flaw::DuplicateToken) {
                let j = at as usize % item.len();
                let tok = item[j].clone();
                item.insert(j, tok);
            }
            if let Some(at) = aimed(Flaw::SwapTokens)
                && item.len() > 1
            {
                let j = at as usize % (item.len() - 1);
                item.swap(j, j + 1);
            }
            if k > 0 {
                let choice = if d.between.is_empty() {
                    0
                } else {
                    d.between[k % d.between.len()]
                };
                match choice % 8 {
                    0..=3 => text.push('\n'),
                    4 => text.push_str("\n\n"),
                    5 => {
                        let c = self.comment_text(choice);
                        text.push_str(&format!("\n{c}\n"));
                    }
                    6 => {
                        let c = self.comment_text(choice);
                        text.push_str(&format!("  {c}\n"));
                    }
                    _ => {
                        let c = self.comment_text(choice);
                        text.push_str(&format!("\n\n{c}\n\n"));
                    }
                }
            }
            for (j, tok) in item.iter().enumerate() {
                if j > 0 {
                    let g = if d.gaps.is_empty() {
                        0
                    } else {
                        self.gap += 1;
                        d.gaps[self.gap % d.gaps.len()]
                    };
                    if g >= 236 {
                        let c = self.comment_text(g);
                        text.push_str(&format!(" {c}\n    "));
                    } else if g >= 216 {
                        text.push_str("\n        ");
                    } else if !(matches!(tok.as_str(), "," | ")" | ":") || item[j - 1] == "(") {
                        text.push(' ');
                    }
                }
                text.push_str(tok);
            }
        }
        text.push('\n');
        text
    }

    fn comment_text(&mut self, sel: u8) -> String {
        self.comment += 1;
        format!(
            "# c{} {}",
            self.comment,
            COMMENTS[sel as usize % COMMENTS.len()]
        )
    }
}

/// The comments of a source text, each with its trailing whitespace
/// trimmed, in order: what `writ fmt` must give back. A `#` inside a
/// string does not start one. Meaningful only for text that lexes (no
/// unterminated string).
pub fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        match ch {
            '"' => in_string = !in_string,
            '\\' if in_string => {
                chars.next();
            }
            '\n' => in_string = false,
            '#' if !in_string => {
                let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
                out.push(text[i..end].trim_end().to_string());
                while chars.peek().is_some_and(|&(j, _)| j < end) {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    out
}
