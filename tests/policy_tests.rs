//! `writ test`: the real binary on the fixtures in `tests/fixtures/test/`,
//! snapshotted, and every counterexample it prints checked against the
//! reference interpreter (in the test's region, and decided wrongly).

mod common;

use common::writ;
use std::path::Path;
use writ::semantics::interp::{Interpreter, all_cases};
use writ::testing::{self, Failure};

/// The fixture's path relative to the crate root, with `/` separators, as
/// a user would type it (and as it appears in the output).
fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .expect("fixtures live in the crate")
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/test/*.policy", |path| {
        let rel = relative(path);
        let (status, stdout, stderr) = writ(&["test", &rel]);
        let source = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(format!(
            "--- source ---\n{source}--- exit status: {status} ---\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}"
        ));
        // The contract's closing line, and its exit status.
        // `N passed, N failed`, perhaps followed by `, 1 file did not check`.
        let last = stdout.lines().last().unwrap_or_default();
        let failed: usize = last
            .split(", ")
            .nth(1)
            .and_then(|s| s.strip_suffix(" failed"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{rel}: bad closing line {last:?}"));
        let ok = failed == 0 && stderr.is_empty();
        assert_eq!(status, if ok { 0 } else { 1 }, "{rel}");
    });
}

/// Each fixture that checks: the library gives the lines the binary
/// printed, every counterexample really is one, and every pass and "no
/// case" is confirmed by enumerating the cases where there are few enough.
#[test]
fn counterexamples_are_real() {
    let mut counterexamples = 0;
    insta::glob!("fixtures/test/*.policy", |path| {
        let rel = relative(path);
        let Some(policy) = common::check_file(Path::new(&rel)).policy else {
            return;
        };
        let results = testing::run_policy_tests(&policy, &Default::default()).unwrap();
        let (_, stdout, _) = writ(&["test", &rel]);
        let printed: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with("PASS \"") || l.starts_with("FAIL \""))
            .collect();
        let rendered: Vec<String> = results
            .iter()
            .map(|r| writ::render::test::line(&policy, r))
            .collect();
        assert_eq!(printed, rendered, "{rel}");

        let interp = Interpreter::new(&policy);
        let cases = all_cases(&policy, 1_000_000);
        for r in &results {
            let t = &policy.tests[r.test];
            let in_region = |case: &[i64]| t.given.as_ref().is_none_or(|g| interp.holds(g, case));
            match &r.failure {
                Some(Failure::Counterexample { case, got }) => {
                    counterexamples += 1;
                    assert!(in_region(case), "{rel}: {:?} outside the region", r.name);
                    assert_eq!(&interp.decide(case), got, "{rel}: {:?}", r.name);
                    assert!(!testing::satisfies(&t.expect, got), "{rel}: {:?}", r.name);
                }
                Some(Failure::NoCase) => {
                    if let Some(cases) = &cases {
                        assert!(!cases.iter().any(|c| in_region(c)), "{rel}: {:?}", r.name);
                    }
                }
                None => {
                    if let Some(cases) = &cases {
                        let region: Vec<_> = cases.iter().filter(|c| in_region(c)).collect();
                        assert!(!region.is_empty(), "{rel}: {:?}", r.name);
                        for c in region {
                            assert!(
                                testing::satisfies(&t.expect, &interp.decide(c)),
                                "{rel}: {:?} at {c:?}",
                                r.name
                            );
                        }
                    }
                }
                Some(f) => panic!("{rel}: {:?}: unexpected {f:?}", r.name),
            }
        }
    });
    assert!(
        counterexamples >= 10,
        "the fixtures show {counterexamples} counterexamples"
    );
}

#[test]
fn the_bundled_policy_passes() {
    let (status, stdout, stderr) = writ(&["test", "policies/magistrate_2014.policy"]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(stdout.lines().last(), Some("3 passed, 0 failed"));
    assert_eq!(stdout.matches("PASS \"").count(), 3, "{stdout}");
}

#[test]
fn totals_are_summed_over_files() {
    let (status, stdout, _) = writ(&[
        "test",
        "tests/fixtures/test/passing.policy",
        "policies/magistrate_2014.policy",
        "tests/fixtures/test/failing.policy",
    ]);
    assert_eq!(status, 1);
    assert_eq!(
        stdout.lines().last(),
        Some("8 passed, 6 failed"),
        "{stdout}"
    );
    // A vocabulary has no tests and is not an error.
    let (status, stdout, stderr) = writ(&[
        "test",
        "policies/sca.vocab",
        "tests/fixtures/test/passing.policy",
    ]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(stdout.lines().last(), Some("5 passed, 0 failed"));
}

#[test]
fn check_errors_and_missing_files() {
    // A file that does not check runs no test, but the others still run.
    let (status, stdout, stderr) = writ(&[
        "test",
        "tests/fixtures/test/check_error.policy",
        "tests/fixtures/test/passing.policy",
    ]);
    assert_eq!(status, 1);
    assert!(stderr.contains("error[E0026]"), "{stderr}");
    assert_eq!(
        stdout.lines().last(),
        Some("5 passed, 0 failed, 1 file did not check")
    );
    let (status, stdout, stderr) = writ(&["test", "tests/fixtures/test/no_such.policy"]);
    assert_eq!(status, 2, "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "tests/fixtures/test/no_such.policy: did not check (1 error), no test ran\n\
         0 passed, 0 failed, 1 file did not check\n"
    );
}

#[test]
fn a_diagram_past_its_budget_is_reported() {
    // The wide workload at 200 rules needs far more than 1,000 nodes (at
    // the default budget it takes 2,000 rules and minutes in a debug build,
    // hence `--max-nodes`). Every test is reported as not run, and counted
    // failed.
    let dir = std::env::temp_dir().join(format!("writ-test-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("wide.policy");
    let text = writ::synth::wide(3, 200) + "test \"anything\": expect deny\n";
    std::fs::write(&file, text).unwrap();
    let (status, stdout, stderr) = writ(&["test", "--max-nodes", "1000", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(status, 1);
    assert!(stdout.contains("FAIL \"anything\": not run"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("0 passed, 1 failed"));
    assert!(stderr.contains("error[E0042]"), "{stderr}");
    assert!(stderr.contains("grew past 1000 nodes"), "{stderr}");
}
