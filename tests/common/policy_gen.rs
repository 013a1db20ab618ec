//! The random-policy generator the property tests share: a vocabulary of
//! up to five small attributes, up to eight rules (named or not, with
//! acyclic `overrides`), a resolution strategy, a default and a few tests,
//! rendered as well-typed policy text.
//!
//! Included with `#[path]` by `props.rs` (the engines agree) and
//! `analysis_props.rs` (lint and diff are exact). Changing a strategy here
//! changes the policies both generate for their fixed seeds.

use proptest::prelude::*;
use std::fmt::Write;

// ----- the generator ----------------------------------------------------

/// An attribute's type.
#[derive(Clone, Debug)]
pub enum Kind {
    /// An enum of this many values, named `x0`, `x1`, … (every enum uses
    /// the same names, which SPEC 3 scopes per enum).
    Enum(u8),
    Bool,
    Int(i64, i64),
}

/// A condition, with its atoms as selectors read against the vocabulary
/// when rendered, so that the strategies need not depend on each other
/// and shrink independently.
#[derive(Clone, Debug)]
pub enum G {
    Const(bool),
    /// Attribute selector, operator selector, value selectors.
    Atom(u8, u8, Vec<u8>),
    Not(Box<G>),
    And(Vec<G>),
    Or(Vec<G>),
}

#[derive(Clone, Debug)]
pub struct RuleG {
    pub named: bool,
    /// Selectors of earlier rules (`i % index`): only earlier rules, so
    /// `overrides` is acyclic by construction.
    pub overrides: Vec<u8>,
    pub cond: G,
    pub outcome: u8,
}

#[derive(Clone, Debug)]
pub struct TestG {
    pub given: Option<G>,
    /// 0: `expect undecided`; 1: `expect O`; 2: `expect O by R` where O is
    /// R's own outcome (anything else is a check error, E0039).
    pub kind: u8,
    pub pick: u8,
}

#[derive(Clone, Debug)]
pub struct Gen {
    pub attrs: Vec<Kind>,
    pub outcomes: u8,
    /// 0: no `resolve` (strict); 1: `resolve strict`; 2: `first`;
    /// 3: `priority` in the order of `ranking`.
    pub resolve: u8,
    pub ranking: Vec<u8>,
    /// 0: none; 1: `default undecided`; 2: `default` an outcome.
    pub default: (u8, u8),
    pub rules: Vec<RuleG>,
    pub tests: Vec<TestG>,
    /// A random explicit attribute order: a shuffled prefix.
    pub order: (Vec<usize>, usize),
}

pub fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        (2u8..=4).prop_map(Kind::Enum),
        Just(Kind::Bool),
        prop_oneof![Just((0, 6)), Just((-3, 3)), Just((0, 2)), Just((5, 5))]
            .prop_map(|(lo, hi)| Kind::Int(lo, hi)),
    ]
}

pub fn cond() -> impl Strategy<Value = G> {
    let leaf = prop_oneof![
        1 => any::<bool>().prop_map(G::Const),
        8 => (any::<u8>(), any::<u8>(), prop::collection::vec(any::<u8>(), 1..=3))
            .prop_map(|(a, op, vs)| G::Atom(a, op, vs)),
    ];
    // Depth at most 3 below the top.
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| G::Not(Box::new(c))),
            prop::collection::vec(inner.clone(), 2..=3).prop_map(G::And),
            prop::collection::vec(inner, 2..=3).prop_map(G::Or),
        ]
    })
}

pub fn policy_gen() -> impl Strategy<Value = Gen> {
    let rule = (
        prop::bool::weighted(0.8),
        prop::collection::vec(any::<u8>(), 0..=2),
        cond(),
        any::<u8>(),
    )
        .prop_map(|(named, overrides, cond, outcome)| RuleG {
            named,
            overrides,
            cond,
            outcome,
        });
    let test = (prop::option::of(cond()), 0u8..3, any::<u8>())
        .prop_map(|(given, kind, pick)| TestG { given, kind, pick });
    (
        prop::collection::vec(kind(), 1..=5),
        2u8..=4,
        0u8..4,
        Just(vec![0u8, 1, 2, 3]).prop_shuffle(),
        (0u8..3, any::<u8>()),
        prop::collection::vec(rule, 1..=8),
        prop::collection::vec(test, 0..=2),
        (
            Just((0..5).collect::<Vec<usize>>()).prop_shuffle(),
            0usize..=5,
        ),
    )
        .prop_map(
            |(attrs, outcomes, resolve, ranking, default, rules, tests, order)| Gen {
                attrs,
                outcomes,
                resolve,
                ranking,
                default,
                rules,
                tests,
                order,
            },
        )
}

// ----- rendering --------------------------------------------------------

/// How a policy's vocabulary is declared, which does not change its
/// meaning: attributes, values and outcomes are referred to by name.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// These attributes are declared first; the others follow in their own
    /// order (as with `--order`).
    pub order: Vec<usize>,
    /// These enum attributes declare their values last to first.
    pub reversed: Vec<usize>,
    /// The decision declares its outcomes last to first.
    pub outcomes_reversed: bool,
}

impl Gen {
    fn outcome(&self, sel: u8) -> String {
        format!("o{}", sel % self.outcomes)
    }

    fn atom(&self, a: u8, op: u8, vs: &[u8]) -> String {
        let i = a as usize % self.attrs.len();
        let name = format!("a{i}");
        let set = |f: &dyn Fn(u8) -> String| {
            let mut vals: Vec<String> = vs.iter().map(|&v| f(v)).collect();
            vals.sort();
            vals.dedup();
            format!("{{ {} }}", vals.join(", "))
        };
        match self.attrs[i] {
            Kind::Enum(n) => {
                let v = |s: u8| format!("x{}", s % n);
                match op % 4 {
                    0 => format!("{name} = {}", v(vs[0])),
                    1 => format!("{name} != {}", v(vs[0])),
                    2 => format!("{name} in {}", set(&v)),
                    _ => format!("{name} not in {}", set(&v)),
                }
            }
            Kind::Bool => match op % 4 {
                0 => name,
                1 => format!("{name} = true"),
                2 => format!("{name} = false"),
                _ => format!("not {name}"),
            },
            Kind::Int(lo, hi) => {
                let v = |s: u8| (lo + (s as i64) % (hi - lo + 1)).to_string();
                match op % 8 {
                    k @ 0..=5 => {
                        let op = ["=", "!=", "<", "<=", ">", ">="][k as usize];
                        format!("{name} {op} {}", v(vs[0]))
                    }
                    6 => format!("{name} in {}", set(&v)),
                    _ => format!("{name} not in {}", set(&v)),
                }
            }
        }
    }

    fn cond(&self, c: &G) -> String {
        match c {
            G::Const(b) => b.to_string(),
            G::Atom(a, op, vs) => self.atom(*a, *op, vs),
            G::Not(c) => format!("not ({})", self.cond(c)),
            G::And(cs) | G::Or(cs) => {
                let sep = if matches!(c, G::And(_)) {
                    " and "
                } else {
                    " or "
                };
                let parts: Vec<String> = cs.iter().map(|c| format!("({})", self.cond(c))).collect();
                parts.join(sep)
            }
        }
    }

    /// A condition's source, for policies written around a generated one
    /// (`extends_props.rs` writes children of generated bases).
    #[allow(dead_code)] // not every test crate that includes this file uses it
    pub fn cond_text(&self, c: &G) -> String {
        self.cond(c)
    }

    /// The policy's source; `resolve` replaces the generated strategy when
    /// given.
    pub fn text(&self, resolve: Option<&str>) -> String {
        self.text_with(resolve, &Layout::default())
    }

    /// [`Gen::text`] with the vocabulary declared in another [`Layout`].
    pub fn text_with(&self, resolve: Option<&str>, layout: &Layout) -> String {
        let Layout {
            order,
            reversed,
            outcomes_reversed,
        } = layout;
        let mut out = String::from("policy generated\n");
        let ranking: Vec<String> = self
            .ranking
            .iter()
            .filter(|&&o| o < self.outcomes)
            .map(|&o| format!("o{o}"))
            .collect();
        match (resolve, self.resolve) {
            (Some(r), _) => writeln!(out, "resolve {r}").unwrap(),
            (None, 0) => {}
            (None, 1) => out.push_str("resolve strict\n"),
            (None, 2) => out.push_str("resolve first\n"),
            (None, _) => writeln!(out, "resolve priority {}", ranking.join(" > ")).unwrap(),
        }
        match self.default {
            (0, _) => {}
            (1, _) => out.push_str("default undecided\n"),
            (_, o) => writeln!(out, "default {}", self.outcome(o)).unwrap(),
        }
        let rest = (0..self.attrs.len()).filter(|i| !order.contains(i));
        for i in order.iter().copied().chain(rest) {
            let ty = match &self.attrs[i] {
                Kind::Enum(n) => {
                    let mut vals: Vec<String> = (0..*n).map(|v| format!("x{v}")).collect();
                    if reversed.contains(&i) {
                        vals.reverse();
                    }
                    format!("{{ {} }}", vals.join(", "))
                }
                Kind::Bool => "bool".to_string(),
                Kind::Int(lo, hi) => format!("int {lo}..{hi}"),
            };
            writeln!(out, "attribute a{i}: {ty}").unwrap();
        }
        let mut outcomes: Vec<String> = (0..self.outcomes).map(|o| format!("o{o}")).collect();
        if *outcomes_reversed {
            outcomes.reverse();
        }
        writeln!(out, "decision out: {{ {} }}", outcomes.join(", ")).unwrap();
        for (i, r) in self.rules.iter().enumerate() {
            let mut targets: Vec<usize> = if i == 0 {
                Vec::new()
            } else {
                r.overrides
                    .iter()
                    .map(|&s| s as usize % i)
                    .filter(|&t| self.rules[t].named)
                    .collect()
            };
            targets.sort_unstable();
            targets.dedup();
            if r.named {
                write!(out, "rule r{i}").unwrap();
                if !targets.is_empty() {
                    let names: Vec<String> = targets.iter().map(|t| format!("r{t}")).collect();
                    write!(out, " overrides {}", names.join(", ")).unwrap();
                }
                out.push_str(": ");
            }
            writeln!(
                out,
                "when {} then {}",
                self.cond(&r.cond),
                self.outcome(r.outcome)
            )
            .unwrap();
        }
        for (i, t) in self.tests.iter().enumerate() {
            write!(out, "test \"t{i}\": ").unwrap();
            if let Some(g) = &t.given {
                write!(out, "given {} ", self.cond(g)).unwrap();
            }
            let named: Vec<usize> = (0..self.rules.len())
                .filter(|&r| self.rules[r].named)
                .collect();
            match t.kind {
                0 => out.push_str("expect undecided\n"),
                2 if !named.is_empty() => {
                    let r = named[t.pick as usize % named.len()];
                    writeln!(
                        out,
                        "expect {} by r{r}",
                        self.outcome(self.rules[r].outcome)
                    )
                    .unwrap();
                }
                _ => writeln!(out, "expect {}", self.outcome(t.pick)).unwrap(),
            }
        }
        out
    }

    /// A random explicit attribute order: a shuffled prefix of the
    /// attributes.
    pub fn given_order(&self) -> Vec<usize> {
        let n = self.attrs.len();
        let (perm, k) = &self.order;
        perm.iter().copied().filter(|&a| a < n).take(*k).collect()
    }
}
