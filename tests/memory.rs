//! Memory grows with the input, and a budget reached is a diagnostic
//! (SPEC section 7; issue 14). The four families of inputs that once
//! took memory quadratic in their size (a `regardless` claim over many
//! overlapping rules, many copies of a rule under `resolve strict`, a
//! chain of `overrides`, a long `or` of `=` on one attribute) are compiled
//! at doubling sizes, and the bytes the diagram's budget accounted for
//! (`Mdd::peak_bytes`) must about double with them, not quadruple. The
//! commands that build more on the diagram (lint, test, diff) must finish
//! within a budget linear in the input. `scripts/memory_families.py`
//! measures the same families through the binary at release sizes.

mod common;
use common::{Scratch, Writ};
use writ::analysis::{diff, lint};
use writ::check::Policy;
use writ::compile::{self, BudgetExceeded, CompileError, Diagram, Options};
use writ::source::SourceMap;

fn policy(text: &str) -> Policy {
    let report = writ::api::check_source_unverified(&mut SourceMap::new(), "m.policy", text);
    report
        .policy
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics))
}

/// Compiles `text` and runs the exact checks on it, as `writ check` does:
/// the peak of bytes the diagram's budget counted.
fn verify_peak(text: &str) -> usize {
    let p = policy(text);
    let mut d: Diagram = compile::compile(&p, &Options::default()).expect("fits the budget");
    compile::verify(&p, &mut d).expect("fits the budget");
    d.mdd.peak_bytes()
}

/// Compiling alone.
fn compile_peak(text: &str) -> usize {
    let p = policy(text);
    let d = compile::compile(&p, &Options::default()).expect("fits the budget");
    d.mdd.peak_bytes()
}

/// Peaks at `n`, `2n` and `4n`: each doubling of the input may at most
/// about double the bytes (quadratic growth would quadruple them).
fn assert_linear(family: &str, n: usize, peak: impl Fn(usize) -> usize) {
    let bytes: Vec<usize> = [n, 2 * n, 4 * n].iter().map(|&k| peak(k)).collect();
    for w in bytes.windows(2) {
        let ratio = w[1] as f64 / w[0] as f64;
        assert!(
            ratio < 2.5,
            "{family}: {bytes:?} bytes at {n}, {}, {} rules: x{ratio:.2} for twice the input",
            2 * n,
            4 * n
        );
    }
}

#[test]
fn a_regardless_claim_over_overlapping_rules() {
    assert_linear("regardless", 1_000, |n| {
        verify_peak(&writ::synth::regardless_overlap(n))
    });
}

#[test]
fn copies_of_a_rule_under_resolve_strict() {
    assert_linear("strict", 1_000, |n| {
        verify_peak(&writ::synth::strict_copies(n))
    });
}

#[test]
fn a_chain_of_overrides() {
    assert_linear("chain", 1_000, |n| {
        compile_peak(&writ::synth::override_chain(n, false))
    });
}

#[test]
fn a_long_or_of_equalities() {
    assert_linear("eq", 2_000, |n| compile_peak(&writ::synth::eq_chain(n)));
    // As cheap as the same set written `n in { … }`.
    let n = 2_000;
    let set: Vec<String> = (0..n).map(|i| (3 * i).to_string()).collect();
    let as_set = format!(
        "policy p\nattribute n: int 0..1000000000\ndecision outcome: {{ yes }}\ndefault undecided\nwhen n in {{ {} }} then yes\n",
        set.join(", ")
    );
    let (chain, set) = (
        compile_peak(&writ::synth::eq_chain(n)),
        compile_peak(&as_set),
    );
    assert!(chain <= set + set / 4, "`or`: {chain} bytes, `in`: {set}");
}

/// A budget linear in the number of rules, with room for the fixed cost
/// of a manager (its first unique table, a few tables of a walk).
fn linear_budget(rules: usize) -> usize {
    256 * 1024 + 1_024 * rules
}

#[test]
fn lint_test_and_diff_of_a_chain_fit_a_linear_budget() {
    for n in [1_000, 4_000] {
        let p = policy(&writ::synth::override_chain(n, false));
        let flipped = policy(&writ::synth::override_chain(n, true));
        let budget = linear_budget(n);
        let lints = lint::lint(
            &p,
            &lint::Options {
                max_memory: budget,
                ..lint::Options::default()
            },
        );
        assert!(lints.is_ok(), "lint at {n} rules: {lints:?}");
        let results = writ::testing::run_policy_tests(
            &p,
            &Options {
                max_memory: budget,
                ..Options::default()
            },
        )
        .unwrap_or_else(|e| panic!("test at {n} rules: {e}"));
        assert!(results.iter().all(|r| r.passed()), "{results:?}");
        let report = diff::diff(
            &p,
            &flipped,
            &diff::Options {
                max_memory: budget,
                ..diff::Options::default()
            },
        );
        match report {
            Ok(r) => assert!(r.differs(), "the last rule's outcome changed"),
            Err(e) => panic!("diff at {n} rules: {e:?}"),
        }
    }
}

#[test]
fn the_memory_budget_is_an_error_that_says_what_held_it() {
    let p = policy(&writ::synth::wide(3, 200));
    let e = compile::compile(
        &p,
        &Options {
            max_memory: 1 << 20,
            ..Options::default()
        },
    )
    .unwrap_err();
    let CompileError::TooLarge {
        budget: budget @ BudgetExceeded::Memory { max_bytes, .. },
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*max_bytes, 1 << 20);
    let d = writ::api::too_large(&p, &e, writ::api::Purpose::Test);
    assert_eq!(d.code.code, "E0042");
    assert!(
        d.message
            .starts_with("the decision diagram grew past its memory budget of 1 MiB after "),
        "{}",
        d.message
    );
    let breakdown = budget
        .breakdown()
        .expect("a memory budget says what held it");
    assert!(
        d.notes
            .iter()
            .any(|n| n == &format!("at that point it needed {breakdown}")),
        "{:?}",
        d.notes
    );
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("raise `--max-memory` (the default is 2 GiB)")),
        "{:?}",
        d.notes
    );
}

/// The sizes in a diagnostic, which follow the layout of the engine's
/// tables, replaced by `N`, except the budget the user gave.
fn redact(stderr: &str) -> String {
    stderr
        .lines()
        .map(|line| {
            if !line.contains("at that point it needed") {
                return line.to_string();
            }
            let mut out = String::new();
            let mut words = line.split(' ').peekable();
            while let Some(w) = words.next() {
                let next_is_unit = words
                    .peek()
                    .is_some_and(|u| ["bytes", "KiB", "MiB", "GiB"].contains(u));
                if next_is_unit && w.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    out.push('N');
                } else {
                    out.push_str(w);
                }
                out.push(' ');
            }
            out.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_command_reports_the_memory_budget() {
    let s = Scratch::new("memory-budget");
    let chain = s.file("chain.policy", writ::synth::override_chain(2_000, false));
    let flipped = s.file("flipped.policy", writ::synth::override_chain(2_000, true));
    let (chain, flipped) = (chain.to_str().unwrap(), flipped.to_str().unwrap());
    let budget = ["--max-memory", "64K"];
    // The chain is strict with two outcomes: every command compiles it to
    // look for conflicts first.
    let runs: [(&[&str], i32); 6] = [
        (&["check", chain], 1),
        (&["compile", chain], 1),
        (&["lint", chain], 1),
        (&["test", chain], 1),
        (&["eval", chain, "--case", "{}"], 1),
        (&["diff", chain, flipped], 2),
    ];
    for (args, status) in runs {
        let r = Writ::new(args.iter().chain(&budget)).run();
        assert_eq!(r.status, status, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("grew past its memory budget of 64 KiB after"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("error[E0042]"), "{args:?}: {}", r.stderr);
    }
    // `check` verifies a `regardless` claim on the diagram: past the
    // budget, the claim cannot be checked, and that is the error.
    let claim = s.file("claim.policy", writ::synth::regardless_overlap(2_000));
    let r = Writ::new(["check", claim.to_str().unwrap(), "--max-memory", "64K"]).run();
    assert_eq!(r.status, 1, "{}", r.stderr);
    insta::assert_snapshot!(redact(
        &r.stderr.replace(claim.to_str().unwrap(), "claim.policy")
    ));
}

#[test]
fn max_memory_takes_sizes_and_refuses_nonsense() {
    let s = Scratch::new("memory-flag");
    let p = s.file("p.policy", writ::synth::regardless_overlap(10));
    let p = p.to_str().unwrap();
    for size in ["2G", "1536M", "1.5GiB", "100000000"] {
        let r = Writ::new(["check", p, "--max-memory", size]).run();
        assert_eq!(r.status, 0, "{size}: {}", r.stderr);
    }
    let r = Writ::new(["check", p, "--max-memory", "lots"]).run();
    assert_eq!(r.status, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("`lots` is not an amount of memory"),
        "{}",
        r.stderr
    );
    let r = Writ::new(["check", p, "--max-memory", "3 parsecs"]).run();
    assert_eq!(r.status, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("`parsecs` is not a unit of memory"),
        "{}",
        r.stderr
    );
}
