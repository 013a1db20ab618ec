//! `writ test --format junit`: the results as JUnit XML, written with
//! `quick-junit`, for the test reports of CI systems.
//!
//! The shape follows what the common consumers read:
//!
//! * one `<testsuite>` per file, named by the file as given on the command
//!   line; one `<testcase>` per test that ran (`--run` leaves the others
//!   out, as cargo-nextest does), `name` the test's name and `classname`
//!   the policy's name. GitLab keys a test by classname and name, and
//!   keeps only the first of duplicates, which `writ check` already
//!   forbids within a policy.
//! * `file` and `line` attributes on each `<testcase>`: not in the original
//!   schema, but what GitHub annotators read first
//!   (mikepenz/action-junit-report's `resolveFileAndLine` takes
//!   `testcase.file`/`testcase.line` before any stack trace).
//! * a failure's `message` attribute is `expected X, got Y`, and its text
//!   repeats it with the location and the counterexample: GitLab shows only
//!   the text and ignores `message` (gitlab-foss#53668); Jenkins and
//!   dorny/test-reporter show both.
//! * a test that could not run (a diagram past its budget) is an
//!   `<error>`, not a `<failure>`: the policy was not shown wrong.
//! * a file that fails to check is a testsuite holding one errored
//!   testcase whose text is the diagnostics as rustc-style text without
//!   colour (quick-junit also strips ANSI escapes from every string).
//! * with `--coverage`, each suite carries `coverage.*` properties; with
//!   `--min-coverage`, one more testcase, `coverage`, fails when the
//!   policy's covered share is under the minimum, so the reason for the
//!   exit status shows in the report. It and `check` are classed under the
//!   file's name, which cannot be a policy's, so they never take the key
//!   of a test.
//! * a test's name has its control characters written as escapes (`\n`),
//!   as in the text form.
//!
//! Tests are not timed (they all run on one diagram, most in microseconds),
//! and the output is the same on every run: `time` is written as `0` on
//! every suite and case, since dorny/test-reporter's java-junit parser reads
//! it with `parseFloat` and would show `NaN` without it. No `timestamp`.

use super::test::{FileReport, counterexample, expected_got, failure, location};
use crate::analysis::coverage::MinCoverage;
use crate::source::SourceMap;
use crate::testing::Failure;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The JUnit XML document of `writ test`, ending in a newline.
pub fn junit(files: &SourceMap, reports: &[FileReport<'_>], min: Option<&MinCoverage>) -> String {
    let mut report = Report::new("writ test");
    report.set_time(Duration::ZERO);
    for r in reports {
        if r.did_not_check() {
            report.add_test_suite(unchecked(files, r));
            continue;
        }
        let Some(policy) = r.policy else { continue };
        let mut suite = TestSuite::new(r.file);
        suite.set_time(Duration::ZERO);
        for t in r.results {
            let (file, line) = location(files, policy, t);
            let status = match &t.failure {
                None => TestCaseStatus::success(),
                Some(f) => {
                    let kind = match f {
                        Failure::Counterexample { .. } | Failure::NoCase => NonSuccessKind::Failure,
                        Failure::TooLarge { .. } | Failure::NoExplanations => NonSuccessKind::Error,
                    };
                    let ty = match f {
                        Failure::Counterexample { .. } => "counterexample",
                        Failure::NoCase => "no-case",
                        Failure::TooLarge { .. } => "too-large",
                        Failure::NoExplanations => "no-explanations",
                    };
                    let message = expected_got(policy, t).unwrap_or_default();
                    let mut text = format!("{file}:{line}: test {:?} failed\n", t.name);
                    match counterexample(policy, t) {
                        Some(case) => {
                            text.push_str(&format!("{message}\ncounterexample: {case}\n"));
                        }
                        None => {
                            text.push_str(&failure(policy, t).unwrap_or_default());
                            text.push('\n');
                        }
                    }
                    let mut status = TestCaseStatus::non_success(kind);
                    status
                        .set_message(message)
                        .set_type(ty)
                        .set_description(text);
                    status
                }
            };
            let mut case = TestCase::new(visible(&t.name), status);
            case.set_classname(policy.meta.name.as_str())
                .set_time(Duration::ZERO);
            case.extra.insert("file".into(), file.into());
            case.extra.insert("line".into(), line.to_string().into());
            suite.add_test_case(case);
        }
        if let Some(cov) = r.coverage {
            let count = |n: &crate::diag::Count| n.to_string();
            suite.add_properties([
                Property::new("coverage.cases", count(&cov.cases)),
                Property::new("coverage.covered", count(&cov.covered)),
                Property::new("coverage.share", cov.share().to_string()),
            ]);
            if let Some(min) = min {
                let status = if cov.meets(min) {
                    TestCaseStatus::success()
                } else {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!(
                        "coverage {} is below the minimum of {}%",
                        cov.share(),
                        min.percent()
                    ))
                    .set_type("coverage")
                    .set_description(super::coverage::text(cov, Some(min)));
                    s
                };
                // Classed under the file, as `check` is, not under the
                // policy: a test of the policy may be named `coverage`, and
                // consumers that key by classname and name would keep one.
                let mut case = TestCase::new("coverage", status);
                case.set_classname(r.file).set_time(Duration::ZERO);
                case.extra.insert("file".into(), r.file.into());
                suite.add_test_case(case);
            }
        }
        report.add_test_suite(suite);
    }
    let mut xml = report
        .to_string()
        .expect("writing XML to a string cannot fail");
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    xml
}

/// A test's name with its control characters written as escapes (`\n`,
/// `\t`, `\u{1b}`), as the text form shows them: XML cannot hold most of
/// them, and a line break in an attribute would be read as a space.
fn visible(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// The suite of a file that failed to check (or to be read): one errored
/// testcase carrying the diagnostics as plain text.
fn unchecked(files: &SourceMap, r: &FileReport<'_>) -> TestSuite {
    use codespan_reporting::term::termcolor::NoColor;
    let mut text = NoColor::new(Vec::new());
    // Writing to memory cannot fail.
    let _ = super::diagnostics::text(&mut text, files, r.diagnostics);
    let text = String::from_utf8_lossy(&text.into_inner()).into_owned();
    let first = r.diagnostics.iter().find(|d| d.is_error());
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status
        .set_message(first.map_or_else(String::new, |d| format!("{}: {}", d.code, d.message)))
        .set_type("check")
        .set_description(text);
    let mut case = TestCase::new("check", status);
    case.set_classname(r.file).set_time(Duration::ZERO);
    case.extra.insert("file".into(), r.file.into());
    if let Some(label) = first.and_then(|d| d.primary.as_ref()) {
        let line = files
            .line_col(label.span.file, label.span.start as usize)
            .line;
        case.extra.insert("line".into(), line.to_string().into());
    }
    let mut suite = TestSuite::new(r.file);
    suite.set_time(Duration::ZERO).add_test_case(case);
    suite
}
