//! `writ lint --format sarif`: the SARIF log is valid against the official
//! SARIF 2.1.0 schema (vendored in `tests/schemas/`), and is snapshotted.

mod common;

use serde_json::Value;
use std::path::Path;
use writ::analysis::lint::{self, Options};
use writ::diag::Diagnostic;
use writ::source::SourceMap;

/// Checks and lints a policy file (named relative to the crate, as a user in
/// the repository would name it) with the default lint levels.
fn lint_file(rel: &str) -> (SourceMap, Vec<Diagnostic>) {
    let checked = common::check_file(Path::new(rel));
    assert!(
        checked.error_codes().is_empty(),
        "{rel}: {}",
        checked.text()
    );
    let policy = checked.policy.expect("the fixture checks");
    let mut diagnostics = checked.diagnostics;
    diagnostics.extend(lint::lint(&policy, &Options::default()).expect("the fixture compiles"));
    (checked.map, diagnostics)
}

/// Validators for the vendored schema: as the draft it declares (draft 4),
/// and as draft 7, which also knows the `uri-reference` format the schema
/// gives artifact URIs (draft 4 has no such format, so it passes anything).
/// Both assert formats.
fn validators() -> Vec<jsonschema::Validator> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    [jsonschema::Draft::Draft4, jsonschema::Draft::Draft7]
        .into_iter()
        .map(|draft| {
            jsonschema::options()
                .with_draft(draft)
                .should_validate_formats(true)
                .build(&schema)
                .expect("the SARIF schema compiles")
        })
        .collect()
}

/// Every schema violation in a log, one per line.
fn violations(log: &Value) -> Vec<String> {
    validators()
        .iter()
        .flat_map(|v| {
            v.iter_errors(log)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn assert_valid(text: &str) -> Value {
    assert!(text.ends_with("}\n"), "pretty JSON with a final newline");
    let log: Value = serde_json::from_str(text).expect("SARIF output is JSON");
    let errors = violations(&log);
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
    log
}

const EXAMPLE: &str = "tests/fixtures/lint/sarif_example.policy";

#[test]
fn lint_output_is_valid_sarif() {
    let (map, diagnostics) = lint_file(EXAMPLE);
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.code).collect();
    for code in ["L0001", "L0003", "L0006", "L0008"] {
        assert!(codes.contains(&code), "{code} does not fire: {codes:?}");
    }
    let text = writ::render::sarif::log(&map, &diagnostics);
    let log = assert_valid(&text);

    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), diagnostics.len());
    for (r, d) in results.iter().zip(&diagnostics) {
        // Each result names its rule by id and by index, consistently.
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], d.code.code);
        assert_eq!(r["ruleId"], d.code.code);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], EXAMPLE);
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        // Lines and columns are those of `--format json`.
        let p = d.primary.as_ref().unwrap();
        let start = map.line_col(p.span.file, p.span.start as usize);
        assert_eq!(loc["region"]["startLine"], start.line);
        assert_eq!(loc["region"]["startColumn"], start.column);
        assert!(r["partialFingerprints"]["writ/v1"].as_str().unwrap().len() == 16);
    }
    // One rule per code that fired, no more.
    let mut fired = codes.clone();
    fired.sort();
    fired.dedup();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, fired);
    // Fingerprints tell the results apart.
    let mut prints: Vec<&str> = results
        .iter()
        .map(|r| r["partialFingerprints"]["writ/v1"].as_str().unwrap())
        .collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), results.len());

    // Columns count code points, as the run says: `urgent` stands after a
    // character that UTF-16 would count twice.
    let urgent = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("attribute `urgent`")
        })
        .expect("`urgent` is unused");
    let source = std::fs::read_to_string(EXAMPLE).unwrap();
    let line = source
        .lines()
        .find(|l| l.contains(" attribute urgent"))
        .unwrap();
    let before = &line[..line.find("urgent").unwrap()];
    let region = &urgent["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"], before.chars().count() + 1);
    assert_ne!(before.chars().count(), before.encode_utf16().count());

    insta::assert_snapshot!(text);
}

#[test]
fn a_clean_file_gives_a_valid_log_with_no_results() {
    let text = "policy clean
attribute instrument: { SCA_warrant, subpoena }
decision outcome: { compel, quash }
default undecided
rule warrant: when instrument = SCA_warrant then compel
rule subpoena: when instrument = subpoena then quash
";
    let checked = common::check("clean.policy", text);
    let (map, policy) = (checked.map, checked.policy.expect("the policy checks"));
    let diagnostics = lint::lint(&policy, &Options::default()).unwrap();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let log = assert_valid(&writ::render::sarif::log(&map, &diagnostics));
    let run = &log["runs"][0];
    assert_eq!(run["results"], Value::Array(Vec::new()));
    assert_eq!(run["tool"]["driver"]["rules"], Value::Array(Vec::new()));
    assert_eq!(run["tool"]["driver"]["name"], "writ");
}

/// The first result of a log, and its primary region and artifact.
const RESULT: &str = "/runs/0/results/0";
const REGION: &str = "/runs/0/results/0/locations/0/physicalLocation/region";
const ARTIFACT: &str = "/runs/0/results/0/locations/0/physicalLocation/artifactLocation";

/// What is wrong with a broken log, and how to break a good one that way.
type Breakage = (&'static str, fn(&mut Value));

/// The validation is not vacuous: the schema rejects logs that are broken in
/// the ways a renderer could break them.
#[test]
fn the_schema_rejects_broken_logs() {
    let (map, diagnostics) = lint_file(EXAMPLE);
    let good: Value = serde_json::from_str(&writ::render::sarif::log(&map, &diagnostics)).unwrap();
    assert!(violations(&good).is_empty());
    let breakages: [Breakage; 7] = [
        ("wrong version", |v| v["version"] = "2.0.0".into()),
        ("unknown level", |v| {
            v.pointer_mut(RESULT).unwrap()["level"] = "warn".into()
        }),
        ("0-based column", |v| {
            v.pointer_mut(REGION).unwrap()["startColumn"] = 0.into()
        }),
        ("message without text", |v| {
            v.pointer_mut(RESULT).unwrap()["message"] = serde_json::json!({})
        }),
        ("unknown result property", |v| {
            v.pointer_mut(RESULT).unwrap()["witness"] = serde_json::json!({})
        }),
        ("a path that is not a URI reference", |v| {
            v.pointer_mut(ARTIFACT).unwrap()["uri"] = "tests/a b|c.policy".into()
        }),
        ("no driver name", |v| {
            v["runs"][0]["tool"]["driver"]
                .as_object_mut()
                .unwrap()
                .remove("name");
        }),
    ];
    for (what, breakage) in breakages {
        let mut bad = good.clone();
        breakage(&mut bad);
        assert!(
            !violations(&bad).is_empty(),
            "the schema accepts a log with {what}"
        );
    }
}
