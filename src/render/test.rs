//! Test results (`writ::testing`) as `writ test` prints them: one line per
//! test, the text report and the JSON document of SPEC section 6 (the
//! JUnit form is [`super::junit`]).

use crate::analysis::coverage::{Coverage, MinCoverage};
use crate::check::{Expectation, Policy};
use crate::diag::format_witness;
use crate::semantics::{Value, Verdict};
use crate::testing::{Failure, TestResult, witness};

/// An expectation as written after `expect`: `compel`, `compel by r`,
/// `undecided`.
pub fn describe_expectation(policy: &Policy, expect: &Expectation) -> String {
    match expect {
        Expectation::Undecided => "undecided".to_string(),
        Expectation::Outcome { outcome, by } => {
            let mut s = policy.decision.outcomes[*outcome].clone();
            if let Some(r) = by {
                s.push_str(" by ");
                s.push_str(&policy.rules[*r].id);
            }
            s
        }
    }
}

/// A verdict in words: `compel by r1, r2`, `quash by default`, `undecided`,
/// or `a conflict: r1 gives compel, r2 gives quash`.
pub fn describe_verdict(policy: &Policy, verdict: &Verdict) -> String {
    let outcomes = &policy.decision.outcomes;
    match verdict {
        Verdict::Undecided => "undecided".to_string(),
        Verdict::Decided {
            outcome,
            default: true,
            ..
        } => format!("{} by default", outcomes[*outcome]),
        Verdict::Decided { outcome, rules, .. } if rules.is_empty() => outcomes[*outcome].clone(),
        Verdict::Decided { outcome, rules, .. } => {
            let ids: Vec<&str> = rules.iter().map(|&r| policy.rules[r].id.as_str()).collect();
            format!("{} by {}", outcomes[*outcome], ids.join(", "))
        }
        Verdict::Conflict { rules } => {
            let each: Vec<String> = rules
                .iter()
                .map(|&r| {
                    format!(
                        "{} gives {}",
                        policy.rules[r].id, outcomes[policy.rules[r].outcome]
                    )
                })
                .collect();
            format!("a conflict: {}", each.join(", "))
        }
    }
}

/// One line for a result, as `writ test` prints it: `PASS "name"`, or
/// `FAIL "name": ` and why, with the counterexample by value names.
pub fn line(policy: &Policy, result: &TestResult) -> String {
    // Debug formatting escapes quotes and control characters in the name,
    // so the line stays one line and the name stays delimited.
    let name = format!("{:?}", result.name);
    match failure(policy, result) {
        None => format!("PASS {name}"),
        Some(why) => format!("FAIL {name}: {why}"),
    }
}

/// Why a test failed, in words; `None` when it passed.
pub fn failure(policy: &Policy, result: &TestResult) -> Option<String> {
    let failure = result.failure.as_ref()?;
    let expect = describe_expectation(policy, &policy.tests[result.test].expect);
    Some(match failure {
        Failure::NoCase => "no case satisfies `given`".to_string(),
        Failure::Counterexample { case, got } => format!(
            "expected {expect}, got {}; counterexample: {}",
            describe_verdict(policy, got),
            counterexample_text(policy, case)
        ),
        Failure::TooLarge { budget } => {
            format!("not run: the decision diagram grew {budget}")
        }
        Failure::NoExplanations => {
            "not run: the diagram was compiled with outcomes only, so `by` cannot be checked"
                .to_string()
        }
    })
}

fn counterexample_text(policy: &Policy, case: &[Value]) -> String {
    if case.is_empty() {
        // A policy without attributes has one case, the empty one.
        "the only case (no attributes)".to_string()
    } else {
        format_witness(&witness(policy, case))
    }
}

/// What `expected X, got Y` says of a failed test, without the
/// counterexample: the message of a JUnit failure. `None` when it passed.
pub fn expected_got(policy: &Policy, result: &TestResult) -> Option<String> {
    match result.failure.as_ref()? {
        Failure::Counterexample { got, .. } => Some(format!(
            "expected {}, got {}",
            describe_expectation(policy, &policy.tests[result.test].expect),
            describe_verdict(policy, got)
        )),
        _ => failure(policy, result),
    }
}

/// The counterexample of a failed test in words (`a = x, n = 3`), if it
/// has one.
pub fn counterexample(policy: &Policy, result: &TestResult) -> Option<String> {
    match &result.failure {
        Some(Failure::Counterexample { case, .. }) => Some(counterexample_text(policy, case)),
        _ => None,
    }
}

/// Where a test is written: the file as the source map names it and the
/// 1-based line of its name. A test inherited through `extends` is in the
/// file that declares it.
pub fn location(
    files: &crate::source::SourceMap,
    policy: &Policy,
    result: &TestResult,
) -> (String, usize) {
    let span = policy.tests[result.test].loc.0;
    let line = files.line_col(span.file, span.start as usize).line;
    (files.name(span.file).to_string(), line)
}

/// One policy file's part of `writ test`'s report.
pub struct FileReport<'a> {
    /// The file as named on the command line.
    pub file: &'a str,
    /// The checked policy, when the file checks.
    pub policy: Option<&'a Policy>,
    /// The file's diagnostics (errors when it does not check, or why its
    /// tests could not run).
    pub diagnostics: &'a [crate::diag::Diagnostic],
    /// The results of the tests that ran, in file order.
    pub results: &'a [TestResult],
    /// How many of the policy's tests `--run` left out.
    pub filtered_out: usize,
    /// The policy's coverage by the tests that ran, with `--coverage`.
    pub coverage: Option<&'a Coverage>,
}

impl FileReport<'_> {
    /// Whether the file failed to check (or to be read): no policy, and an
    /// error. A vocabulary checks and has no tests.
    pub fn did_not_check(&self) -> bool {
        self.policy.is_none() && self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// The counts of the closing line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Tests that ran and passed.
    pub passed: usize,
    /// Tests that ran and failed, or could not run (a diagram past its
    /// budget).
    pub failed: usize,
    /// Tests `--run` left out.
    pub filtered_out: usize,
    /// Files that failed to check, whose tests did not run.
    pub not_checked: usize,
}

/// The totals over every file.
pub fn totals(reports: &[FileReport<'_>]) -> Totals {
    let mut t = Totals::default();
    for r in reports {
        let failed = r.results.iter().filter(|t| !t.passed()).count();
        t.failed += failed;
        t.passed += r.results.len() - failed;
        t.filtered_out += r.filtered_out;
        t.not_checked += usize::from(r.did_not_check());
    }
    t
}

/// The closing line of `writ test`'s text: `N passed, N failed` (SPEC
/// section 6), then what else there is to say: `, N filtered out` with
/// `--run`, `, N files did not check`.
pub fn closing_line(t: &Totals) -> String {
    let mut line = super::summary::test_totals(t.passed, t.failed);
    if t.filtered_out > 0 {
        line.push_str(&format!(", {} filtered out", t.filtered_out));
    }
    if t.not_checked > 0 {
        let files = super::summary::plural(t.not_checked, "file", "files");
        line.push_str(&format!(", {} {files} did not check", t.not_checked));
    }
    line
}

/// The text `writ test` prints on stdout (diagnostics go to stderr): per
/// file a header, a line per test (a failure followed by `  --> FILE:LINE`),
/// the coverage with `--coverage`; then the closing line.
pub fn text(
    files: &crate::source::SourceMap,
    reports: &[FileReport<'_>],
    min: Option<&MinCoverage>,
) -> String {
    use super::summary::plural;
    let mut out = String::new();
    for r in reports {
        if r.did_not_check() {
            let errors = r.diagnostics.iter().filter(|d| d.is_error()).count();
            out.push_str(&format!(
                "{}: did not check ({errors} {}), no test ran\n",
                r.file,
                plural(errors, "error", "errors")
            ));
            continue;
        }
        let Some(policy) = r.policy else {
            // A vocabulary checks and holds no tests; naming it says it
            // was read, as the JSON form's entry does.
            out.push_str(&format!("{}: a vocabulary, no tests\n", r.file));
            continue;
        };
        let ran = r.results.len();
        if r.filtered_out > 0 {
            out.push_str(&format!(
                "{}: {ran} of {} {}, {} filtered out\n",
                r.file,
                policy.tests.len(),
                plural(policy.tests.len(), "test", "tests"),
                r.filtered_out
            ));
        } else {
            out.push_str(&format!(
                "{}: {ran} {}\n",
                r.file,
                plural(ran, "test", "tests")
            ));
        }
        for t in r.results {
            out.push_str(&line(policy, t));
            out.push('\n');
            if !t.passed() {
                let (file, line) = location(files, policy, t);
                out.push_str(&format!("  --> {file}:{line}\n"));
            }
        }
        if let Some(cov) = r.coverage {
            out.push_str(&super::coverage::text(cov, min));
        }
    }
    out.push_str(&closing_line(&totals(reports)));
    out.push('\n');
    out
}

/// The document of SPEC section 6: `{"passed", "failed", "files": [{"file",
/// "policy", "diagnostics", "tests": [{"name", "line", "passed",
/// "counterexample", "got"}]}]}`, pretty-printed with a final newline. A
/// failure also carries `"message"`, the reason as the text form gives it
/// (the only field for a failure without a counterexample); each test its
/// `"file"` (where it is written, as in [`location`]). Added at the top:
/// `"filtered_out"` and `"files_not_checked"`; in each file `"checked"`
/// (`false` for a file that failed to check), `"filtered_out"`, and with
/// `--coverage` `"coverage"` ([`super::coverage::json`]).
pub fn json(
    files: &crate::source::SourceMap,
    reports: &[FileReport<'_>],
    min: Option<&MinCoverage>,
) -> String {
    use serde_json::{Map, Value, json};
    let mut list = Vec::new();
    for r in reports {
        let mut tests = Vec::new();
        if let Some(policy) = r.policy {
            for t in r.results {
                let (file, line) = location(files, policy, t);
                let mut o = Map::new();
                o.insert("name".into(), json!(t.name));
                o.insert("file".into(), json!(file));
                o.insert("line".into(), json!(line));
                o.insert("passed".into(), json!(t.passed()));
                if let Some(why) = failure(policy, t) {
                    o.insert("message".into(), json!(why));
                }
                if let Some(Failure::Counterexample { case, got }) = &t.failure {
                    o.insert("counterexample".into(), case_json(policy, case));
                    o.insert("got".into(), verdict_json(policy, got));
                }
                tests.push(Value::Object(o));
            }
        }
        let diagnostics = super::diagnostics::json_list(files, r.diagnostics);
        let mut f = Map::new();
        f.insert("file".into(), json!(r.file));
        f.insert(
            "policy".into(),
            json!(r.policy.map(|p| p.meta.name.as_str())),
        );
        f.insert("checked".into(), json!(!r.did_not_check()));
        f.insert("diagnostics".into(), json!(diagnostics));
        f.insert("tests".into(), Value::Array(tests));
        f.insert("filtered_out".into(), json!(r.filtered_out));
        if let Some(cov) = r.coverage {
            f.insert("coverage".into(), super::coverage::json(cov, min));
        }
        list.push(Value::Object(f));
    }
    let t = totals(reports);
    let doc = json!({
        "passed": t.passed,
        "failed": t.failed,
        "filtered_out": t.filtered_out,
        "files_not_checked": t.not_checked,
        "files": list,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values print");
    s.push('\n');
    s
}

/// A counterexample as a case object, keys in attribute order.
fn case_json(policy: &Policy, case: &[Value]) -> serde_json::Value {
    let w = witness(policy, case);
    serde_json::to_value(super::diagnostics::JsonWitness(&w)).expect("a witness serializes")
}

/// What a counterexample got: `{"outcome", "rules", "default"}`, the
/// outcome `null` when undecided, and `"conflict": true` with the rules in
/// conflict under `resolve strict`.
fn verdict_json(policy: &Policy, v: &Verdict) -> serde_json::Value {
    use serde_json::json;
    let ids = |rules: &[usize]| -> Vec<&str> {
        rules.iter().map(|&r| policy.rules[r].id.as_str()).collect()
    };
    match v {
        Verdict::Undecided => json!({"outcome": null, "rules": [], "default": false}),
        Verdict::Decided {
            outcome,
            rules,
            default,
        } => json!({
            "outcome": policy.decision.outcomes[*outcome],
            "rules": ids(rules),
            "default": default,
        }),
        Verdict::Conflict { rules } => {
            json!({"outcome": null, "rules": ids(rules), "default": false, "conflict": true})
        }
    }
}
