//! Snapshot tests: every fixture in `tests/fixtures/check/` is checked, and
//! what `writ check` says about it (plain text and JSON) is snapshotted
//! below the fixture's own source, so each snapshot reads on its own.

mod common;

use std::path::Path;
use writ::diag::Code;

/// Runs the checker on one fixture and renders the result as the CLI would.
fn report(path: &Path) -> (String, Vec<&'static str>) {
    let rel = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .expect("fixtures live in the crate");
    let checked = common::check_file(rel);
    let (text, json) = (checked.text(), checked.json());
    let diagnostics = checked.diagnostics;
    let bytes = std::fs::read(path).unwrap();
    let source = String::from_utf8_lossy(&bytes);
    let source = if source.len() > 2000 {
        format!("{}…\n", &source[..source.floor_char_boundary(2000)])
    } else {
        source.into_owned()
    };
    let out = format!(
        "--- source ---\n{source}--- text ---\n{}--- json ---\n{json}",
        if text.is_empty() {
            "(no diagnostics)\n"
        } else {
            &text
        }
    );
    (out, diagnostics.iter().map(|d| d.code.code).collect())
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/check/*.{policy,vocab}", |path| {
        let (out, _) = report(path);
        insta::assert_snapshot!(out);
    });
}

#[test]
fn valid_fixtures_have_no_diagnostics_and_others_do() {
    insta::glob!("fixtures/check/*.{policy,vocab}", |path| {
        let name = path.file_name().unwrap().to_string_lossy();
        let (_, codes) = report(path);
        let expect_clean = name.starts_with("ok_") || name.starts_with("shared_");
        assert_eq!(codes.is_empty(), expect_clean, "{name}: {codes:?}");
    });
}

/// Every error code is shown by at least one fixture, except those that
/// need conditions a fixture file cannot create (tested in `bad_input.rs`).
#[test]
fn every_code_has_a_fixture() {
    let mut seen = std::collections::HashSet::new();
    insta::glob!("fixtures/check/*.{policy,vocab}", |path| {
        seen.extend(report(path).1);
    });
    // A file past the size cap (`bad_input.rs`), a diagram past its
    // budget (`compile.rs`, `policy_tests.rs`) and a compiled file that is
    // not one (`load::compiled`) are tested elsewhere, not as fixtures.
    // Lints have their own fixtures (`lint_fixtures.rs`), and E0043 needs
    // two policies (`diff.rs`). Arguments and cases are not files: E0047
    // and E0048 are tested through the binary (`cli.rs`, `eval.rs`),
    // E0051 and E0052 (`REV:PATH` operands) in a git repository the test
    // makes (`diff.rs`), a picture too large to draw (E0053) through
    // `compile --emit svg` (`svg.rs`), and an output folder that is not one
    // (E0054) through `writ doc` (`doc.rs`).
    let untestable_here = [
        Code::FILE_TOO_LARGE.code,
        Code::DIAGRAM_TOO_LARGE.code,
        Code::DIFF_MISMATCH.code,
        Code::INVALID_ARGUMENT.code,
        Code::INVALID_CASE.code,
        Code::NOT_COMPILED.code,
        Code::UNKNOWN_REVISION.code,
        Code::NO_GIT.code,
        Code::PICTURE_TOO_LARGE.code,
        Code::SITE_OUTPUT.code,
    ];
    for code in Code::ALL {
        if !untestable_here.contains(&code.code) && !code.code.starts_with('L') {
            assert!(seen.contains(code.code), "no fixture shows {}", code.code);
        }
    }
}
