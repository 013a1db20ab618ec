//! `writ test` for CI: the text, JSON and JUnit reports (a failing test, a
//! file that does not check, `--run`), JUnit read back with quick-junit's
//! own parser, and `--coverage` (text and JSON) with `--min-coverage`,
//! compared exactly: one uncovered case out of 10^24 does not pass 100.

mod common;

use common::{Scratch, writ};
use serde_json::Value as J;

const FAILING: &str = "tests/fixtures/test/failing.policy";
const PASSING: &str = "tests/fixtures/test/passing.policy";
const CHECK_ERROR: &str = "tests/fixtures/test/check_error.policy";
const COVERAGE: &str = "tests/fixtures/test/coverage.policy";
const HUGE: &str = "tests/fixtures/test/huge.policy";

/// The bundled policies, sorted.
fn bundled() -> Vec<String> {
    let mut files: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".policy"))
            .map(|n| format!("policies/{n}"))
            .collect();
    files.sort();
    files
}

/// One run, as a snapshot: the command, its exit status, stdout, stderr.
fn shown(args: &[&str]) -> (i32, String) {
    let (status, stdout, stderr) = writ(args);
    (
        status,
        format!(
            "$ writ {}\n--- exit status: {status} ---\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}",
            args.join(" ")
        ),
    )
}

fn json(args: &[&str]) -> (i32, J) {
    let (status, stdout, stderr) = writ(args);
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
    (status, doc)
}

#[test]
fn failures_and_files_that_do_not_check_in_every_format() {
    for format in ["text", "json", "junit"] {
        let (status, out) = shown(&["test", "--format", format, FAILING, CHECK_ERROR, PASSING]);
        assert_eq!(status, 1);
        insta::assert_snapshot!(format!("failing_{format}"), out);
    }
    // The closing line counts the file that did not check, after the
    // contract's `N passed, N failed`.
    let (_, stdout, _) = writ(&["test", FAILING, CHECK_ERROR, PASSING]);
    assert_eq!(
        stdout.lines().last(),
        Some("5 passed, 6 failed, 1 file did not check")
    );
    let (_, doc) = json(&["test", "--format", "json", FAILING, CHECK_ERROR, PASSING]);
    assert_eq!(doc["files_not_checked"], 1);
    assert_eq!(doc["files"][1]["checked"], false);
    assert_eq!(
        (doc["passed"].as_u64(), doc["failed"].as_u64()),
        (Some(5), Some(6))
    );
    // Every failure carries file:line, the counterexample and what it got
    // (the one without a case says why).
    for t in doc["files"][0]["tests"].as_array().unwrap() {
        assert_eq!(t["file"], FAILING);
        assert!(t["line"].as_u64().unwrap() > 1);
        if t["name"] != "impossible region" {
            assert!(
                t["counterexample"].is_object() && t["got"].is_object(),
                "{t}"
            );
        }
    }
}

#[test]
fn run_filters_by_substring() {
    for format in ["text", "json", "junit"] {
        let (status, out) = shown(&[
            "test", "--run", "warrant", "--format", format, FAILING, PASSING,
        ]);
        assert_eq!(status, 1);
        insta::assert_snapshot!(format!("run_{format}"), out);
    }
    let (status, stdout, _) = writ(&["test", "--run", "warrant", FAILING, PASSING]);
    assert_eq!(status, 1);
    // failing.policy: 2 of 6 names contain `warrant` (both fail);
    // passing.policy: 1 of 5 (it passes).
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 2 failed, 8 filtered out")
    );
    // Case-sensitive, as cargo's filter; a pattern that matches nothing
    // runs nothing and passes.
    let (status, stdout, _) = writ(&["test", "--run", "Warrant", FAILING]);
    assert_eq!(
        (status, stdout.lines().last()),
        (0, Some("0 passed, 0 failed, 6 filtered out"))
    );
    // Only the tests that ran decide the exit status.
    let (status, stdout, _) = writ(&["test", "--run", "fresh", PASSING]);
    assert_eq!(
        (status, stdout.lines().last()),
        (0, Some("2 passed, 0 failed, 3 filtered out"))
    );
}

/// The XML read back with quick-junit's own parser: one suite per file,
/// one case per test with the policy as classname, `file` and `line`, and
/// failures with `expected X, got Y` and the counterexample.
#[test]
fn junit_reads_back() {
    let mut args = vec!["test", "--format", "junit", FAILING, CHECK_ERROR];
    let bundled = bundled();
    args.extend(bundled.iter().map(String::as_str));
    let (status, xml, _) = writ(&args);
    assert_eq!(status, 1);
    let report =
        quick_junit::Report::deserialize_from_str(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let mut json_args = args.clone();
    json_args[2] = "json";
    let (_, doc) = json(&json_args);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(report.test_suites.len(), files.len());
    assert_eq!(
        report.tests,
        (doc["passed"].as_u64().unwrap() + doc["failed"].as_u64().unwrap()) as usize + 1
    );
    for (suite, file) in report.test_suites.iter().zip(files) {
        assert_eq!(suite.name.as_str(), file["file"].as_str().unwrap());
        if file["checked"] == false {
            assert_eq!((suite.tests, suite.errors), (1, 1));
            let quick_junit::TestCaseStatus::NonSuccess {
                message,
                description,
                ..
            } = &suite.test_cases[0].status
            else {
                panic!("{suite:?}")
            };
            assert_eq!(
                message.as_ref().unwrap().as_str(),
                "E0026: cannot find rule `warant`"
            );
            let text = description.as_ref().unwrap().as_str();
            assert!(
                text.contains("error[E0026]") && !text.contains('\u{1b}'),
                "{text}"
            );
            continue;
        }
        let tests = file["tests"].as_array().unwrap();
        assert_eq!(suite.test_cases.len(), tests.len());
        for (case, t) in suite.test_cases.iter().zip(tests) {
            assert_eq!(case.name.as_str(), t["name"].as_str().unwrap());
            assert_eq!(
                case.classname.as_ref().unwrap().as_str(),
                file["policy"].as_str().unwrap()
            );
            assert_eq!(
                case.extra.get("file").unwrap().as_str(),
                t["file"].as_str().unwrap()
            );
            assert_eq!(
                case.extra.get("line").unwrap().as_str(),
                t["line"].to_string()
            );
            match &case.status {
                quick_junit::TestCaseStatus::Success { .. } => assert_eq!(t["passed"], true),
                quick_junit::TestCaseStatus::NonSuccess {
                    message,
                    description,
                    ..
                } => {
                    assert_eq!(t["passed"], false);
                    let text = description.as_ref().unwrap().as_str();
                    if let Some(case) = t.get("counterexample") {
                        let message = message.as_ref().unwrap().as_str();
                        assert!(message.starts_with("expected ") && message.contains(", got "));
                        assert!(text.contains("counterexample: "), "{text}");
                        for (attr, _) in case.as_object().unwrap() {
                            assert!(text.contains(&format!("{attr} = ")), "{text}");
                        }
                    }
                    let at = format!("{}:{}: ", t["file"].as_str().unwrap(), t["line"]);
                    assert!(text.starts_with(&at), "{text}");
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn junit_of_the_bundled_policies() {
    let mut args = vec!["test", "--format", "junit"];
    let bundled = bundled();
    args.extend(bundled.iter().map(String::as_str));
    let (status, out) = shown(&args);
    assert_eq!(status, 0);
    insta::assert_snapshot!("junit_bundled", out);
}

#[test]
fn coverage_of_the_bundled_policies_and_fixtures() {
    let bundled = bundled();
    for format in ["text", "json"] {
        let mut args = vec!["test", "--coverage", "--format", format];
        args.extend(bundled.iter().map(String::as_str));
        let (status, out) = shown(&args);
        assert_eq!(status, 0);
        insta::assert_snapshot!(format!("coverage_bundled_{format}"), out);
        let (status, out) = shown(&[
            "test",
            "--coverage",
            "--format",
            format,
            COVERAGE,
            HUGE,
            FAILING,
        ]);
        assert_eq!(status, 1);
        insta::assert_snapshot!(format!("coverage_fixtures_{format}"), out);
    }
    // The counts add up: covered + uncovered = all, and the regions hold
    // the uncovered cases.
    let (_, doc) = json(&["test", "--coverage", "--format", "json", COVERAGE, FAILING]);
    for f in doc["files"].as_array().unwrap() {
        let c = &f["coverage"];
        let n = |v: &J| v.as_u64().unwrap();
        assert_eq!(n(&c["covered"]) + n(&c["uncovered_cases"]), n(&c["cases"]));
        let regions: u64 = c["uncovered"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| n(&r["cases"]))
            .sum();
        assert_eq!(regions, n(&c["uncovered_cases"]));
    }
}

#[test]
fn min_coverage_is_compared_exactly() {
    // coverage.policy covers 562 of 2,928 cases: 19.193...%.
    for (min, want) in [
        ("0", 0),
        ("19", 0),
        ("19.19", 0),
        ("19.194", 1),
        ("19.2", 1),
        ("100", 1),
    ] {
        let (status, stdout, stderr) =
            writ(&["test", "--coverage", "--min-coverage", min, COVERAGE]);
        assert_eq!(status, want, "--min-coverage {min}: {stdout}{stderr}");
    }
    // One case uncovered of 10^24: 100 is not met and nothing shows 100%.
    let (status, stdout, _) = writ(&["test", "--coverage", "--min-coverage", "100", HUGE]);
    assert_eq!(status, 1, "{stdout}");
    assert!(
        stdout.contains("(99.9%), below the minimum of 100%"),
        "{stdout}"
    );
    assert!(!stdout.contains("(100%), below"), "{stdout}");
    // Exactly 1 - 10^-24: met at 24 decimals, missed past them.
    let exact = format!("99.{}", "9".repeat(22));
    let (status, _, _) = writ(&["test", "--coverage", "--min-coverage", &exact, HUGE]);
    assert_eq!(status, 0);
    let (status, _, _) = writ(&[
        "test",
        "--coverage",
        "--min-coverage",
        &format!("{exact}1"),
        HUGE,
    ]);
    assert_eq!(status, 1);
    // JSON says so too, with the counts as decimal strings past 2^64.
    let (status, doc) = json(&[
        "test",
        "--coverage",
        "--min-coverage",
        "100",
        "--format",
        "json",
        HUGE,
    ]);
    assert_eq!(status, 1);
    let c = &doc["files"][0]["coverage"];
    assert_eq!(c["cases"], "1000000000000000000000000");
    assert_eq!(c["covered"], "999999999999999999999999");
    assert_eq!(
        (c["meets_minimum"].as_bool(), c["share"].as_str()),
        (Some(false), Some("99.9%"))
    );
    // Not a percentage, or without `--coverage`: a usage error.
    for bad in ["101", "-1", "abc", "1e2", "50.", ""] {
        let (status, _, stderr) = writ(&["test", "--coverage", "--min-coverage", bad, COVERAGE]);
        assert_eq!(status, 2, "{bad:?}: {stderr}");
    }
    let (status, _, stderr) = writ(&["test", "--min-coverage", "50", COVERAGE]);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("--coverage"), "{stderr}");
}

/// Each uncovered condition, pasted into a `given`, makes a test that
/// covers exactly its region: alone it covers the region's count, and all
/// of them with the original tests cover every case (so they are disjoint
/// from each other and from what was covered).
#[test]
fn uncovered_conditions_paste_into_a_given() {
    let dir = Scratch::new("coverage-paste");
    for fixture in [COVERAGE, PASSING] {
        let (_, doc) = json(&["test", "--coverage", "--format", "json", fixture]);
        let c = &doc["files"][0]["coverage"];
        let regions = c["uncovered"].as_array().unwrap();
        assert!(!regions.is_empty() || c["uncovered_cases"] == 0);
        let mut text = std::fs::read_to_string(fixture).unwrap();
        for (i, r) in regions.iter().enumerate() {
            text.push_str(&format!(
                "test \"gap <{i}>\": given {} expect undecided\n",
                r["condition"].as_str().unwrap()
            ));
        }
        let pasted = dir.file("pasted.policy", &text);
        let pasted = pasted.to_str().unwrap();
        for (i, r) in regions.iter().enumerate() {
            let (_, one) = json(&[
                "test",
                "--coverage",
                "--format",
                "json",
                "--run",
                &format!("gap <{i}>"),
                pasted,
            ]);
            assert_eq!(
                one["files"][0]["coverage"]["covered"], r["cases"],
                "{fixture}: {r}"
            );
        }
        let (_, all) = json(&["test", "--coverage", "--format", "json", pasted]);
        let c = &all["files"][0]["coverage"];
        assert_eq!(c["covered"], c["cases"], "{fixture}");
    }
}

/// A policy whose diagram passes its budget: its tests could not run, so
/// each is an `<error>` (not a `<failure>`: the policy was not shown
/// wrong), counted failed, and coverage is left out with the diagnostic.
#[test]
fn tests_that_could_not_run_are_errors_in_junit() {
    let dir = Scratch::new("junit-budget");
    let text = writ::synth::wide(3, 200) + "test \"anything\": expect deny\n";
    let file = dir.file("wide.policy", text);
    let file = file.to_str().unwrap();
    let (status, xml, stderr) = writ(&[
        "test",
        "--format",
        "junit",
        "--max-nodes",
        "1000",
        "--coverage",
        file,
    ]);
    assert_eq!(status, 1);
    assert!(stderr.contains("error[E0042]"), "{stderr}");
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let suite = &report.test_suites[0];
    assert_eq!((suite.tests, suite.errors, suite.failures), (1, 1, 0));
    assert!(suite.properties.is_empty(), "{suite:?}");
    let quick_junit::TestCaseStatus::NonSuccess { kind, ty, .. } = &suite.test_cases[0].status
    else {
        panic!("{suite:?}")
    };
    assert_eq!(*kind, quick_junit::NonSuccessKind::Error);
    assert_eq!(ty.as_ref().unwrap().as_str(), "too-large");
    let (_, stdout, _) = writ(&["test", "--max-nodes", "1000", file]);
    assert_eq!(stdout.lines().last(), Some("0 passed, 1 failed"));
}

/// Every testcase has its own key (classname and name), which GitLab
/// keeps one of: a test named `coverage` beside the minimum's testcase,
/// and names with control characters, which XML cannot hold as written.
#[test]
fn junit_keys_are_unique_and_names_keep_their_escapes() {
    let dir = Scratch::new("junit-keys");
    let file = dir.file(
        "dup.policy",
        "policy dup\n\
         attribute instrument: { warrant, subpoena }\n\
         decision outcome: { compel, quash }\n\
         rule warrant: when instrument = warrant then compel\n\
         test \"coverage\": given instrument = warrant expect compel\n\
         test \"line\\nbreak\\ttab\": given instrument = warrant expect compel\n",
    );
    let file = file.to_str().unwrap();
    let (status, xml, _) = writ(&[
        "test",
        "--format",
        "junit",
        "--coverage",
        "--min-coverage",
        "100",
        file,
    ]);
    assert_eq!(status, 1, "{xml}");
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let cases = &report.test_suites[0].test_cases;
    let keys: Vec<(String, String)> = cases
        .iter()
        .map(|c| {
            (
                c.classname.as_ref().unwrap().to_string(),
                c.name.to_string(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("dup".to_string(), "coverage".to_string()),
            ("dup".to_string(), "line\\nbreak\\ttab".to_string()),
            (file.to_string(), "coverage".to_string()),
        ]
    );
    // The failing one is the minimum's, under the file.
    assert!(matches!(
        cases[2].status,
        quick_junit::TestCaseStatus::NonSuccess { .. }
    ));
    // The text form shows the name the same way.
    let (_, text, _) = writ(&["test", file]);
    assert!(text.contains("\"line\\nbreak\\ttab\""), "{text}");
}
