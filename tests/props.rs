//! Property tests: random well-typed policies, and on EVERY case of each,
//! the three engines of SPEC section 4 agree — the reference interpreter,
//! the compiled diagram (declaration order, a random explicit order and
//! `--order auto`, each with and without `outcomes_only`) and the rule
//! index. Each diagram is also checked to be reduced, ordered and shared
//! (SPEC 5), the strict-conflict check (E0040) is checked against the
//! interpreter, and `writ test` (`writ::testing`) against brute force.
//!
//! Cost: 1,024 generated policies (about 100,000 cases, `PROPTEST_CASES`
//! overrides the count) take 5–7 s in a debug build on 2 cores. The seed is
//! fixed so that CI is reproducible; set `PROPTEST_RNG_SEED` to explore
//! others (a failure prints the shrunk policy's source). 25,000 policies
//! over five other seeds found no disagreement when this was written.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use writ::check::{Policy, Resolve};
use writ::compile::{self, Diagram, Options, Order};
use writ::semantics::Verdict;
use writ::semantics::index::RuleIndex;
use writ::semantics::interp::{Interpreter, all_cases};
use writ::source::SourceMap;
use writ::testing::{self, Failure};

// ----- the generator ----------------------------------------------------

/// An attribute's type.
#[derive(Clone, Debug)]
enum Kind {
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
enum G {
    Const(bool),
    /// Attribute selector, operator selector, value selectors.
    Atom(u8, u8, Vec<u8>),
    Not(Box<G>),
    And(Vec<G>),
    Or(Vec<G>),
}

#[derive(Clone, Debug)]
struct RuleG {
    named: bool,
    /// Selectors of earlier rules (`i % index`): only earlier rules, so
    /// `overrides` is acyclic by construction.
    overrides: Vec<u8>,
    cond: G,
    outcome: u8,
}

#[derive(Clone, Debug)]
struct TestG {
    given: Option<G>,
    /// 0: `expect undecided`; 1: `expect O`; 2: `expect O by R` where O is
    /// R's own outcome (anything else is a check error, E0039).
    kind: u8,
    pick: u8,
}

#[derive(Clone, Debug)]
struct Gen {
    attrs: Vec<Kind>,
    outcomes: u8,
    /// 0: no `resolve` (strict); 1: `resolve strict`; 2: `first`;
    /// 3: `priority` in the order of `ranking`.
    resolve: u8,
    ranking: Vec<u8>,
    /// 0: none; 1: `default undecided`; 2: `default` an outcome.
    default: (u8, u8),
    rules: Vec<RuleG>,
    tests: Vec<TestG>,
    /// A random explicit attribute order: a shuffled prefix.
    order: (Vec<usize>, usize),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        (2u8..=4).prop_map(Kind::Enum),
        Just(Kind::Bool),
        prop_oneof![Just((0, 6)), Just((-3, 3)), Just((0, 2)), Just((5, 5))]
            .prop_map(|(lo, hi)| Kind::Int(lo, hi)),
    ]
}

fn cond() -> impl Strategy<Value = G> {
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

fn policy_gen() -> impl Strategy<Value = Gen> {
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

    /// The policy's source; `resolve` replaces the generated strategy when
    /// given.
    fn text(&self, resolve: Option<&str>) -> String {
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
        for (i, k) in self.attrs.iter().enumerate() {
            let ty = match k {
                Kind::Enum(n) => {
                    let vals: Vec<String> = (0..*n).map(|v| format!("x{v}")).collect();
                    format!("{{ {} }}", vals.join(", "))
                }
                Kind::Bool => "bool".to_string(),
                Kind::Int(lo, hi) => format!("int {lo}..{hi}"),
            };
            writeln!(out, "attribute a{i}: {ty}").unwrap();
        }
        let outcomes: Vec<String> = (0..self.outcomes).map(|o| format!("o{o}")).collect();
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

    fn given_order(&self) -> Vec<usize> {
        let n = self.attrs.len();
        let (perm, k) = &self.order;
        perm.iter().copied().filter(|&a| a < n).take(*k).collect()
    }
}

// ----- the properties ---------------------------------------------------

static GENERATED: AtomicUsize = AtomicUsize::new(0);
static REJECTED: AtomicUsize = AtomicUsize::new(0);
static STRICT_CONFLICTS: AtomicUsize = AtomicUsize::new(0);
static CASES: AtomicUsize = AtomicUsize::new(0);

fn checked(text: &str) -> Result<Policy, Vec<&'static str>> {
    let report = writ::api::check_source(&mut SourceMap::new(), "generated.policy", text);
    match report.policy {
        Some(p) => Ok(p),
        None => Err(report
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.code)
            .collect()),
    }
}

/// What the diagram should say for a case: the interpreter's verdict,
/// without explaining rules when the diagram keeps only outcomes.
fn expected(v: &Verdict, outcomes_only: bool) -> Verdict {
    match v {
        Verdict::Decided {
            outcome, default, ..
        } if outcomes_only => Verdict::Decided {
            outcome: *outcome,
            rules: Vec::new(),
            default: *default,
        },
        v => v.clone(),
    }
}

/// SPEC 5 on every node reachable from the root: ordered, reduced, shared.
fn reduced(d: &Diagram) -> Result<(), String> {
    let mut inner: HashMap<(u32, Vec<(u32, u32)>), u32> = HashMap::new();
    let mut leaves: HashMap<u32, u32> = HashMap::new();
    for n in d.mdd.reachable(d.root) {
        if let Some(p) = d.mdd.payload(n) {
            if p as usize >= d.verdicts.len() {
                return Err(format!("leaf {n} has payload {p}, past the verdicts"));
            }
            if let Some(m) = leaves.insert(p, n) {
                return Err(format!("leaves {m} and {n} both carry verdict {p}"));
            }
            continue;
        }
        let level = d.mdd.level(n);
        let runs = d.mdd.runs(n);
        if runs.len() < 2 {
            return Err(format!("node {n} sends every cell to one child"));
        }
        let cells = d.mdd.cells()[level as usize];
        if runs.last().map(|r| r.end + 1) != Some(cells) {
            return Err(format!("node {n}'s runs do not end at its last cell"));
        }
        for w in runs.windows(2) {
            if w[0].child == w[1].child {
                return Err(format!("node {n} has adjacent runs to the same child"));
            }
            if w[0].end >= w[1].end {
                return Err(format!("node {n}'s runs are out of order"));
            }
        }
        for r in runs {
            if d.mdd.level(r.child) <= level {
                return Err(format!(
                    "node {n} at level {level} has child {} at level {}",
                    r.child,
                    d.mdd.level(r.child)
                ));
            }
        }
        let key = (level, runs.iter().map(|r| (r.end, r.child)).collect());
        if let Some(m) = inner.insert(key, n) {
            return Err(format!("nodes {m} and {n} are duplicates"));
        }
    }
    Ok(())
}

fn property(g: &Gen) -> Result<(), TestCaseError> {
    let text = g.text(None);
    GENERATED.fetch_add(1, Relaxed);
    let strict_in_text = g.resolve < 2;
    let (policy, rejected_for_conflict) = match checked(&text) {
        Ok(p) => {
            if strict_in_text {
                prop_assert_eq!(p.resolve.clone(), Resolve::Strict);
            }
            (p, false)
        }
        // A strict policy whose winners disagree somewhere is rejected
        // (E0040), yet its conflicts are part of the meaning the engines
        // must agree on: check it under `first`, which changes only the
        // strategy of the checked form, and put `strict` back.
        Err(codes) if strict_in_text && codes.iter().all(|&c| c == "E0040") => {
            STRICT_CONFLICTS.fetch_add(1, Relaxed);
            let mut p = checked(&g.text(Some("first")))
                .map_err(|c| TestCaseError::fail(format!("{c:?} under `first` only:\n{text}")))?;
            p.resolve = Resolve::Strict;
            (p, true)
        }
        Err(_) => {
            REJECTED.fetch_add(1, Relaxed);
            return Ok(());
        }
    };

    let interp = Interpreter::new(&policy);
    let cases = all_cases(&policy, 100_000).expect("generated domains are small");
    CASES.fetch_add(cases.len(), Relaxed);
    let want: Vec<Verdict> = cases.iter().map(|c| interp.decide(c)).collect();

    // E0040 is reported exactly when some case is a conflict.
    let conflict = want
        .iter()
        .position(|v| matches!(v, Verdict::Conflict { .. }));
    prop_assert_eq!(
        conflict.is_some(),
        rejected_for_conflict,
        "strict conflict check disagrees with the interpreter (case {:?}):\n{}",
        conflict.map(|i| &cases[i]),
        text
    );

    // The rule index.
    let index = RuleIndex::build(&policy);
    for (c, w) in cases.iter().zip(&want) {
        prop_assert_eq!(&index.decide(c), w, "rule index, case {:?}:\n{}", c, text);
    }

    // The diagram, under every order, with and without explanations.
    for outcomes_only in [false, true] {
        let mut sizes = Vec::new();
        for order in [
            Order::Declaration,
            Order::Given(g.given_order()),
            Order::Auto,
        ] {
            let options = Options {
                order: order.clone(),
                outcomes_only,
                max_nodes: 1_000_000,
            };
            let d = compile::compile(&policy, &options)
                .map_err(|e| TestCaseError::fail(format!("{e}:\n{text}")))?;
            if let Err(e) = reduced(&d) {
                return Err(TestCaseError::fail(format!(
                    "{order:?}, outcomes_only {outcomes_only}: {e}:\n{text}"
                )));
            }
            for (c, w) in cases.iter().zip(&want) {
                prop_assert_eq!(
                    d.decide(c),
                    &expected(w, outcomes_only),
                    "diagram ({:?}, outcomes_only {}), case {:?}:\n{}",
                    order,
                    outcomes_only,
                    c,
                    text
                );
            }
            sizes.push(d.size());
        }
        prop_assert!(
            sizes[2] <= sizes[0],
            "auto order is larger than declaration order {:?}:\n{}",
            sizes,
            text
        );
    }

    // `writ test`, against brute force.
    let results = testing::run_policy_tests(&policy, &Options::default())
        .map_err(|e| TestCaseError::fail(format!("{e}:\n{text}")))?;
    for r in &results {
        let t = &policy.tests[r.test];
        let in_region = |c: &[i64]| t.given.as_ref().is_none_or(|g| interp.holds(g, c));
        let region: Vec<usize> = (0..cases.len()).filter(|&i| in_region(&cases[i])).collect();
        let holds = region
            .iter()
            .all(|&i| testing::satisfies(&t.expect, &want[i]));
        match &r.failure {
            None => prop_assert!(
                !region.is_empty() && holds,
                "test {:?} passed:\n{}",
                r.name,
                text
            ),
            Some(Failure::NoCase) => {
                prop_assert!(region.is_empty(), "test {:?}:\n{}", r.name, text)
            }
            Some(Failure::Counterexample { case, got }) => {
                prop_assert!(!holds && in_region(case), "test {:?}:\n{}", r.name, text);
                prop_assert_eq!(&interp.decide(case), got);
                prop_assert!(!testing::satisfies(&t.expect, got));
            }
            Some(f) => {
                return Err(TestCaseError::fail(format!(
                    "test {:?}: {f:?}:\n{text}",
                    r.name
                )));
            }
        }
    }
    Ok(())
}

#[test]
fn engines_agree_on_every_case_of_random_policies() {
    let mut config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 1024;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0x5752_4954);
    }
    let cases = config.cases as usize;
    let mut runner = TestRunner::new(config);
    match runner.run(&policy_gen(), |g| property(&g)) {
        Ok(()) => {}
        Err(TestError::Fail(why, g)) => panic!("{why}\nminimal policy:\n{}", g.text(None)),
        Err(e) => panic!("{e}"),
    }
    // Counted over the run, shrinking aside (there is none on success).
    let (generated, rejected) = (GENERATED.load(Relaxed), REJECTED.load(Relaxed));
    let conflicts = STRICT_CONFLICTS.load(Relaxed);
    eprintln!(
        "{generated} policies, {rejected} rejected by the checker, {conflicts} strict with conflicts, {} cases",
        CASES.load(Relaxed)
    );
    assert_eq!(generated, cases);
    assert!(
        rejected * 20 <= generated,
        "{rejected} of {generated} generated policies do not check"
    );
    assert!(
        conflicts > 0,
        "no strict policy with a conflict was generated"
    );
}
