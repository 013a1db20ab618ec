//! Test results (`writ::testing`) as `writ test` prints them: one line per
//! test, and the JSON document of SPEC section 6.

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

/// One policy file's part of the `writ test --format json` document.
pub struct FileReport<'a> {
    /// The file as named on the command line.
    pub file: &'a str,
    /// The checked policy, when the file checks.
    pub policy: Option<&'a Policy>,
    /// The file's diagnostics (errors when it does not check, or why its
    /// tests could not run).
    pub diagnostics: &'a [crate::diag::Diagnostic],
    /// Its tests' results, in file order.
    pub results: &'a [TestResult],
}

/// The document of SPEC section 6: `{"passed", "failed", "files": [{"file",
/// "policy", "diagnostics", "tests": [{"name", "line", "passed",
/// "counterexample", "got"}]}]}`, pretty-printed with a final newline. A
/// failure also carries `"message"`, the reason as the text form gives it
/// (the only field for a failure without a counterexample).
pub fn json(files: &crate::source::SourceMap, reports: &[FileReport<'_>]) -> String {
    use serde_json::{Map, Value, json};
    let (mut passed, mut failed) = (0u64, 0u64);
    let mut list = Vec::new();
    for r in reports {
        let mut tests = Vec::new();
        if let Some(policy) = r.policy {
            for t in r.results {
                let test = &policy.tests[t.test];
                let line = files
                    .line_col(test.loc.0.file, test.loc.0.start as usize)
                    .line;
                let mut o = Map::new();
                o.insert("name".into(), json!(t.name));
                o.insert("line".into(), json!(line));
                o.insert("passed".into(), json!(t.passed()));
                match failure(policy, t) {
                    None => passed += 1,
                    Some(why) => {
                        failed += 1;
                        o.insert("message".into(), json!(why));
                    }
                }
                if let Some(Failure::Counterexample { case, got }) = &t.failure {
                    o.insert("counterexample".into(), case_json(policy, case));
                    o.insert("got".into(), verdict_json(policy, got));
                }
                tests.push(Value::Object(o));
            }
        }
        let diagnostics = super::diagnostics::json_list(files, r.diagnostics);
        list.push(json!({
            "file": r.file,
            "policy": r.policy.map(|p| p.meta.name.as_str()),
            "diagnostics": diagnostics,
            "tests": tests,
        }));
    }
    let doc = json!({"passed": passed, "failed": failed, "files": list});
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
