//! Formatting keeps meaning: every fixture that parses is formatted, checked
//! again, and must give the same checked form (locations aside) or the same
//! diagnostics codes; formatting twice gives the same text.

mod common;
use std::path::{Path, PathBuf};
use writ::source::SourceMap;

/// A private copy of a fixture folder, so formatted files can sit beside the
/// files they `use`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The checked form and the diagnostic codes. Unnamed rules are called
/// `line:N` after the line of their `when`, which reformatting may move, so
/// those ids are blanked: they name a place, not a meaning.
fn outcome(path: &Path) -> (Option<writ::check::Policy>, Vec<&'static str>) {
    let checked = common::check_file(path);
    let policy = checked.policy.map(|mut p| {
        for rule in p.rules.iter_mut().filter(|r| !r.named) {
            rule.id.clear();
        }
        p
    });
    (
        policy,
        checked.diagnostics.iter().map(|d| d.code.code).collect(),
    )
}

#[test]
fn formatting_preserves_meaning_of_every_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work: PathBuf = std::env::temp_dir().join(format!("writ-roundtrip-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    copy_dir(&root.join("tests/fixtures/check"), &work.join("check"));
    copy_dir(&root.join("policies"), &work.join("policies"));
    let mut formatted_any = 0;
    for dir in ["check", "policies"] {
        for entry in std::fs::read_dir(work.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let mut map = SourceMap::new();
            let id = map.add(path.display().to_string(), text.clone());
            let Ok(once) = writ::fmt::format_text(id, &text) else {
                continue;
            };
            let id2 = map.add("again", once.clone());
            let twice = writ::fmt::format_text(id2, &once).expect("formatted text parses");
            assert_eq!(
                once,
                twice,
                "formatting is not idempotent on {}",
                path.display()
            );

            let before = outcome(&path);
            std::fs::write(&path, &once).unwrap();
            let after = outcome(&path);
            assert_eq!(
                before,
                after,
                "formatting changed the meaning of {}",
                path.display()
            );
            formatted_any += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        formatted_any > 30,
        "only {formatted_any} fixtures were round-tripped"
    );
}
