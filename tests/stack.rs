//! The library's entry points run on a 2 MiB thread stack (an editor's
//! worker thread, a web server's request thread), even on a diagram
//! thousands of levels deep: every walk of a diagram keeps its own stack
//! on the heap. The CLI's big-stack thread is not needed.
//!
//! The policy: `N` bool attributes `a0 … a{N-1}` and `b`, and a rule whose
//! condition is the chain `a0 and … and a{N-1}`, so the diagram tests
//! every attribute in turn, one level each. Before the walks were made
//! iterative, linting, diffing and evaluating it overflowed a 2 MiB stack
//! (compiling got by at this depth, with frames of a few hundred bytes a
//! level; checking ran its verification on a big-stack thread of its own,
//! which is gone).

use writ::analysis::{diff, lint};
use writ::check::Policy;
use writ::compile::{self, Diagram, Options};
use writ::diag::Code;
use writ::eval::{Evaluation, Evaluator, Minimality, Scratch};
use writ::semantics::Verdict;
use writ::semantics::index::RuleIndex;
use writ::source::SourceMap;

/// The levels of the diagram (and attributes `a0 … a{N-1}`). Each walk
/// that recursed once per level overflowed a 2 MiB stack well below this
/// depth (a debug build's frames are the largest).
const N: usize = 3_000;

/// The outcomes, by index.
const X: usize = 0;
const Y: usize = 1;

/// Runs `f` on a thread with a 2 MiB stack, as an editor's worker would.
fn on_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn_scoped(s, f)
            .expect("a thread starts")
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// `a0 and a1 and … and a{n-1}`.
fn chain(n: usize) -> String {
    (0..n)
        .map(|i| format!("a{i}"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The policy of the module documentation. `chain_len` is how many
/// attributes the `chain` rule tests (`N` for the old side of the diff,
/// `N - 1` for the new one).
///
/// Under `resolve first`, `last` decides where the chain breaks and
/// `a{N-1}` holds, `shadow` never decides (a dead rule), and the cases
/// where `a{N-1}` is false are undecided (lint lists them, from the root
/// down). Under `resolve strict`, `chain` and `last` conflict on the one
/// case at the bottom of the chain, and `regardless a0` is false there.
/// Only a long condition is slow to build (the time of each `and` grows
/// with the depth), so there is one, and only the `strict` policy needs
/// verifying when it is checked.
fn text(chain_len: usize, resolve: &str) -> String {
    let mut t = format!("policy deep\nresolve {resolve}\n");
    for i in 0..N {
        t.push_str(&format!("attribute a{i}: bool\n"));
    }
    t.push_str("attribute b: bool\ndecision outcome: { x, y }\n");
    let last = N - 1;
    t.push_str(&format!("rule chain: when {} then x\n", chain(chain_len)));
    if resolve == "strict" {
        t.push_str(&format!("rule last: when a{last} then y regardless a0\n"));
        return t;
    }
    t.push_str(&format!("rule last: when a{last} then y\n"));
    t.push_str(&format!("rule shadow: when a0 and a{last} then y\n"));
    t.push_str(&format!(
        "test \"last\": given not a0 and a{last} expect y by last\n"
    ));
    // Fails on the one case where `chain` decides instead: every `a` true.
    t.push_str(&format!("test \"fails\": given a{last} expect y\n"));
    t
}

/// Checks and returns the policy.
fn checked(text: &str) -> Policy {
    let report = writ::api::check_source(&mut SourceMap::new(), "deep.policy", text);
    report
        .policy
        .unwrap_or_else(|| panic!("the policy checks: {:?}", report.diagnostics))
}

fn compiled(p: &Policy, outcomes_only: bool) -> Diagram {
    compile::compile(
        p,
        &Options {
            outcomes_only,
            ..Options::default()
        },
    )
    .expect("the diagram fits the default budget")
}

/// A complete case: every `a` true except those listed false, `b` false.
fn case_with_false(falses: &[usize]) -> Vec<Option<i64>> {
    let mut case: Vec<Option<i64>> = vec![Some(1); N + 1];
    for &i in falses {
        case[i] = Some(0);
    }
    case[N] = Some(0);
    case
}

fn by_rule(policy: &Policy, outcome: usize, rule: &str) -> Verdict {
    Verdict::Decided {
        outcome,
        rules: vec![
            policy
                .rules
                .iter()
                .position(|x| x.id == rule)
                .expect("a rule"),
        ],
        default: false,
    }
}

#[test]
fn formatting_a_deep_policy() {
    on_small_stack(|| {
        let text = text(N, "first");
        let mut map = SourceMap::new();
        let id = map.add("deep.policy", text.as_str());
        let formatted = writ::fmt::format_text(id, &text).expect("parses");
        assert_eq!(writ::fmt::format_text(id, &formatted), Ok(formatted));
    });
}

#[test]
fn checking_and_compiling_a_deep_policy() {
    on_small_stack(|| {
        let p = checked(&text(N, "first"));
        let d = compiled(&p, false);
        // One node per attribute of the chain, one more for `a{N-1}` where
        // the chain breaks early, and the three leaves.
        assert_eq!(d.size(), N + 1 + 3);
        // At the bottom of the chain, the diagram decides like the
        // interpreter.
        let interp = writ::semantics::interp::Interpreter::new(&p);
        for falses in [&[][..], &[N - 1], &[0], &[N - 2]] {
            let case: Vec<i64> = case_with_false(falses)
                .into_iter()
                .map(|v| v.unwrap_or(0))
                .collect();
            assert_eq!(d.decide(&case), &interp.decide(&case), "{falses:?}");
        }
    });
}

#[test]
fn verifying_a_deep_policy_finds_its_witnesses() {
    on_small_stack(|| {
        let report =
            writ::api::check_source(&mut SourceMap::new(), "deep.policy", &text(N, "strict"));
        assert!(report.policy.is_none());
        let all_true = |d: &writ::diag::Diagnostic| {
            let witness = d.witness.as_ref().expect("a witness");
            assert_eq!(witness.len(), N + 1);
            witness[1..N].iter().all(|(_, v)| v.to_string() == "true")
        };
        let conflict = report
            .diagnostics
            .iter()
            .find(|d| d.code == Code::STRICT_CONFLICT)
            .expect("`chain` and `last` conflict");
        assert!(all_true(conflict));
        let regardless = report
            .diagnostics
            .iter()
            .find(|d| d.code == Code::REGARDLESS_VIOLATED)
            .expect("`a0` matters to `last`");
        assert!(all_true(regardless));
    });
}

#[test]
fn linting_a_deep_policy() {
    on_small_stack(|| {
        let p = checked(&text(N, "first"));
        let found = lint::lint(&p, &lint::Options::default()).expect("fits");
        let dead = found
            .iter()
            .find(|d| d.code == Code::DEAD_RULE)
            .expect("`shadow` is dead");
        assert!(dead.message.contains("`shadow`"), "{}", dead.message);
        // The undecided cases, read off the diagram from its root down to
        // the bottom of the chain: one region, `not a{N-1}`.
        let incomplete = found
            .iter()
            .find(|d| d.code == Code::INCOMPLETE)
            .expect("some cases are undecided");
        assert_eq!(incomplete.regions.len(), 1);
        assert_eq!(incomplete.regions[0].condition, format!("not a{}", N - 1));
    });
}

#[test]
fn diffing_deep_policies() {
    on_small_stack(|| {
        let old = checked(&text(N, "first"));
        let new = checked(&text(N - 1, "first"));
        let report = diff::diff(&old, &new, &diff::Options::default()).expect("fits");
        // The chain without its last link decides `x` where nothing
        // decided: every `a` true but `a{N-1}`, whatever `b`.
        assert_eq!(report.differing, 2u8.into());
        assert_eq!(report.changes.len(), 1);
        assert_eq!(report.changes[0].region.when.len(), N);
        assert_eq!(report.changes[0].old.outcome, None);
        assert_eq!(report.changes[0].new.outcome.as_deref(), Some("x"));
    });
}

#[test]
fn running_the_tests_of_a_deep_policy() {
    on_small_stack(|| {
        let p = checked(&text(N, "first"));
        let mut d = compiled(&p, false);
        let results = writ::testing::run_tests(&p, &mut d);
        assert!(results[0].passed(), "{:?}", results[0].failure);
        match &results[1].failure {
            Some(writ::testing::Failure::Counterexample { case, got }) => {
                assert!(case[..N].iter().all(|&v| v == 1), "{case:?}");
                assert_eq!(got, &by_rule(&p, X, "chain"));
            }
            other => panic!("expected a counterexample, got {other:?}"),
        }
        let again = writ::testing::run_policy_tests(&p, &Options::default()).expect("fits");
        assert_eq!(again, results);
    });
}

/// Evaluates cases at the bottom of the chain on `e`: what every engine
/// must say (`why_not`: whether `e` can answer `--why-not`).
fn evaluate_on(p: &Policy, e: &Evaluator, why_not: bool) {
    let mut s = Scratch::default();
    let why = |o: usize| why_not.then_some(o);
    let decided = |case: &[Option<i64>], s: &mut Scratch| match e
        .evaluate(case, why(X), s)
        .expect("evaluates")
    {
        Evaluation::Decided {
            verdict,
            sufficient,
            minimality,
            why_not,
            ..
        } => (verdict, sufficient, minimality, why_not),
        other => panic!("expected a decided case, got {other:?}"),
    };

    // The chain broken at its last link: undecided, for the one reason
    // that `a{N-1}` is false; one change away from `x`.
    let (verdict, sufficient, minimality, w) = decided(&case_with_false(&[N - 1]), &mut s);
    assert_eq!(verdict, Verdict::Undecided);
    assert_eq!(sufficient, vec![(N - 1, 0)]);
    if why_not {
        assert_eq!(minimality, Minimality::Minimum);
        let w = w.expect("asked for");
        assert_eq!(w.nearest.len(), 1);
        assert_eq!(w.nearest[0].0, vec![(N - 1, 1)]);
        assert_eq!(w.nearest[0].1, by_rule(p, X, "chain"));
    }

    // Broken at its first link: `last` decides, and `x` needs `a0`.
    let (verdict, sufficient, _, w) = decided(&case_with_false(&[0]), &mut s);
    assert_eq!(verdict, by_rule(p, Y, "last"));
    assert_eq!(sufficient, vec![(0, 0), (N - 1, 1)]);
    if why_not {
        assert_eq!(w.expect("asked for").nearest[0].0, vec![(0, 1)]);
    }

    // Without `b`, which nothing tests, the same.
    let mut case = case_with_false(&[0]);
    case[N] = None;
    let (verdict, sufficient, _, _) = decided(&case, &mut s);
    assert_eq!(verdict, by_rule(p, Y, "last"));
    assert_eq!(sufficient, vec![(0, 0), (N - 1, 1)]);

    // Without its last attribute the case is undetermined.
    let mut case = case_with_false(&[]);
    case[N - 1] = None;
    match e.evaluate(&case, None, &mut s).expect("evaluates") {
        Evaluation::Undetermined { needs, possible } => {
            assert_eq!(needs, vec![N - 1]);
            assert_eq!(possible, vec![None, Some(X)]);
        }
        other => panic!("expected an undetermined case, got {other:?}"),
    }
}

#[test]
fn evaluating_on_the_diagram() {
    on_small_stack(|| {
        let p = checked(&text(N, "first"));
        let d = compiled(&p, false);
        evaluate_on(&p, &Evaluator::on_diagram(&d, 2), true);
    });
}

#[test]
fn evaluating_on_the_rule_index() {
    on_small_stack(|| {
        let p = checked(&text(N, "first"));
        let index = RuleIndex::build(&p);
        let max_nodes = compile::DEFAULT_MAX_NODES;
        // Reasons and `--why-not` off the diagram of outcomes.
        let outcomes = compiled(&p, true);
        evaluate_on(
            &p,
            &Evaluator::on_index(&p, &index, Some(&outcomes), max_nodes),
            true,
        );
        // Without any diagram: reasons made greedily, partial cases folded.
        evaluate_on(&p, &Evaluator::on_index(&p, &index, None, max_nodes), false);
    });
}
