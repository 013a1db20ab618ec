//! Lint fixtures: every file in `tests/fixtures/lint/` is linted, and what
//! `writ lint` says (text and JSON) is snapshotted below the fixture's
//! source. `NAME.policy` must fire the lint `NAME` (underscores for
//! dashes); its twin `NAME_ok.policy` must fire nothing. A first line
//! `# lint: --warn LINT ...` enables lints that are allowed by default.
//!
//! Every region of every diagnostic is then checked case by case against
//! the reference interpreter: disjoint, counted exactly, and together
//! exactly the cases the lint is about.

#[path = "common/analysis.rs"]
mod analysis;
mod common;

use std::path::Path;
use writ::analysis::lint::{self, LINTS, Levels};
use writ::check::Policy;
use writ::diag::{Code, Diagnostic};
use writ::semantics::interp::{Interpreter, all_cases};
use writ::source::SourceMap;

/// Lints one fixture with the levels its first line asks for.
fn run(path: &Path) -> (SourceMap, Option<Policy>, Vec<Diagnostic>) {
    let rel = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .expect("fixtures live in the crate");
    let text = std::fs::read_to_string(path).unwrap();
    let warn: Vec<String> = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# lint:"))
        .map(|flags| {
            flags
                .split_whitespace()
                .filter(|f| *f != "--warn")
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let mut checked = common::check_file(rel);
    if let Some(p) = &checked.policy {
        let options = lint::Options {
            levels: Levels::from_flags(&[], &warn, &[]).expect("known lints"),
            ..lint::Options::default()
        };
        let found = lint::lint(p, &options).expect("fixtures compile");
        checked.diagnostics.extend(found);
    }
    (checked.map, checked.policy, checked.diagnostics)
}

fn render(map: &SourceMap, path: &Path, diagnostics: &[Diagnostic]) -> String {
    let text = common::text(map, diagnostics);
    let json = writ::render::diagnostics::json(map, diagnostics);
    let source = std::fs::read_to_string(path).unwrap();
    format!(
        "--- source ---\n{source}--- text ---\n{}--- json ---\n{json}",
        if text.is_empty() {
            "(no diagnostics)\n"
        } else {
            &text
        }
    )
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/lint/*.policy", |path| {
        let (map, _, diagnostics) = run(path);
        insta::assert_snapshot!(render(&map, path, &diagnostics));
    });
}

#[test]
fn each_fixture_fires_its_lint_and_its_twin_fires_nothing() {
    insta::glob!("fixtures/lint/*.policy", |path| {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let (_, policy, diagnostics) = run(path);
        assert!(policy.is_some(), "{stem} must check cleanly");
        let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.name).collect();
        match stem.strip_suffix("_ok") {
            Some(_) => assert!(codes.is_empty(), "{stem}: {codes:?}"),
            None if stem == "sarif_example" => {}
            None => {
                let name = stem.replace('_', "-");
                assert!(codes.contains(&name.as_str()), "{stem}: {codes:?}");
            }
        }
    });
}

#[test]
fn every_lint_has_a_fixture_and_a_twin() {
    for (code, _) in LINTS {
        let stem = code.name.replace('-', "_");
        for file in [format!("{stem}.policy"), format!("{stem}_ok.policy")] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/lint")
                .join(&file);
            assert!(path.exists(), "no fixture {file} for {}", code.code);
        }
    }
}

#[test]
fn regions_are_exact() {
    let mut checked = 0;
    insta::glob!("fixtures/lint/*.policy", |path| {
        let (_, policy, diagnostics) = run(path);
        let Some(policy) = policy else { return };
        let interp = Interpreter::new(&policy);
        let cases = all_cases(&policy, 1_000_000).expect("small fixtures");
        for d in &diagnostics {
            if d.regions.is_empty() {
                continue;
            }
            let want = analysis::expected(&policy, &interp, d)
                .unwrap_or_else(|| panic!("{} has regions but no expectation", d.code.code));
            let regions: Vec<&writ::diag::Region> = d.regions.iter().collect();
            analysis::check_regions(&policy, &regions, &cases, &*want)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), d.message));
            checked += 1;
        }
    });
    assert!(checked >= 5, "only {checked} diagnostics with regions");
}

/// An enum of 4,000 values of which 2 are used, all on one line: `unused`
/// reports the other 3,998 once, at the enum, naming a few; so the text
/// output shows that long line once, not once per value (which wrote
/// 160 MB here before).
#[test]
fn thousands_of_unused_values_are_one_diagnostic() {
    let values: Vec<String> = (0..4_000).map(|i| format!("v{i}")).collect();
    let text = format!(
        "policy big\nattribute x: {{ {} }}\ndecision outcome: {{ yes, no }}\ndefault no\n\
         rule a: when x = v1 then yes\nrule b: when x = v2 then yes\n",
        values.join(", ")
    );
    let checked = common::check("big.policy", &text);
    let (map, policy) = (checked.map, checked.policy.expect("the policy checks"));
    let diagnostics = lint::lint(&policy, &lint::Options::default()).expect("compiles");
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.code).collect();
    assert_eq!(codes, [Code::UNUSED.code]);
    let d = &diagnostics[0];
    assert_eq!(
        d.message,
        "3,998 values of `x` are never used: `v0`, `v3`, `v4`, `v5`, `v6`, `v7`, `v8`, `v9` \
         and 3,990 more"
    );
    let primary = d.primary.as_ref().expect("a place");
    assert_eq!(
        &text[primary.span.start as usize..primary.span.end as usize],
        "x"
    );
    assert_eq!(d.secondary.len(), 8);

    // The 28,000-byte declaration is shown around its labels only.
    let out = common::text(&map, &diagnostics);
    assert!(out.len() < 4_096, "{} bytes of text: {out}", out.len());
    let json = writ::render::diagnostics::json(&map, &diagnostics);
    assert!(json.len() < 8_192, "{} bytes of JSON", json.len());
}
