//! The command line as users meet it: exit codes, output streams, formats.

mod common;
use common::writ;

#[test]
fn bundled_policies_check_cleanly() {
    let (status, stdout, stderr) = writ(&[
        "check",
        "policies/sca.vocab",
        "policies/magistrate_2014.policy",
    ]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("policy `magistrate_2014`"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn bundled_policies_are_formatted() {
    let (status, stdout, stderr) = writ(&[
        "fmt",
        "--check",
        "policies/sca.vocab",
        "policies/magistrate_2014.policy",
    ]);
    assert_eq!(status, 0, "{stdout}{stderr}");
}

#[test]
fn every_code_has_an_explain_page() {
    for code in writ::diag::codes::ALL {
        let (status, stdout, _) = writ(&["explain", code.code]);
        assert_eq!(status, 0);
        assert!(stdout.starts_with(&format!("{} ({})", code.code, code.name)));
        assert!(stdout.contains("Example"), "{} has no example", code.code);
        // Names work as well as codes.
        let (status, by_name, _) = writ(&["explain", code.name]);
        assert_eq!((status, &by_name), (0, &stdout));
    }
    let (status, _, stderr) = writ(&["explain", "E002"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("did you mean"), "{stderr}");
}

#[test]
fn json_diagnostics_go_to_stdout_as_one_array() {
    let (status, stdout, stderr) = writ(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/check/unknown_value.policy",
        "tests/fixtures/check/ok_spec_example.policy",
    ]);
    assert_eq!(status, 1);
    assert!(stderr.is_empty(), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 5);
    for d in list {
        for key in [
            "severity",
            "code",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "labels",
            "notes",
        ] {
            assert!(d.get(key).is_some(), "missing {key} in {d}");
        }
    }
}

#[test]
fn text_diagnostics_have_no_colour_when_piped() {
    let (status, _, stderr) = writ(&["check", "tests/fixtures/check/unknown_value.policy"]);
    assert_eq!(status, 1);
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert!(stderr.contains("error[E0024]"));
    assert!(
        stderr.trim_end().ends_with("error: 5 errors found"),
        "{stderr}"
    );
}

#[test]
fn fmt_check_names_files_and_fmt_rewrites_them() {
    let dir = std::env::temp_dir().join(format!("writ-cli-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let messy = dir.join("messy.policy");
    let tidy = dir.join("tidy.policy");
    std::fs::write(
        &messy,
        "policy   p # the header\ndecision o:{a,b}\nwhen true then a\n",
    )
    .unwrap();
    std::fs::write(&tidy, "policy p\n").unwrap();
    let (m, t) = (messy.to_str().unwrap(), tidy.to_str().unwrap());

    let (status, stdout, _) = writ(&["fmt", "--check", m, t]);
    assert_eq!(status, 1);
    assert_eq!(stdout, format!("would reformat: {m}\n"));

    let (status, _, stderr) = writ(&["fmt", m, t]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "policy p  # the header\ndecision o: { a, b }\nwhen true then a\n"
    );
    let (status, _, _) = writ(&["fmt", "--check", m, t]);
    assert_eq!(status, 0);
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
