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
    for code in writ::diag::Code::ALL {
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

/// `writ lint` on the lint fixtures, with levels from the command line.
fn lint(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    writ(&all)
}

const DEAD_RULE: &str = "tests/fixtures/lint/dead_rule.policy";

#[test]
fn lint_warns_by_default_and_exits_0() {
    let (status, stdout, stderr) = lint(&[DEAD_RULE]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("warning[L0003]"), "{stderr}");
    assert!(stderr.contains("`dead-rule` warns by default"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn lint_deny_turns_a_warning_into_an_error() {
    for deny in ["dead-rule", "L0003", "l0003"] {
        let (status, _, stderr) = lint(&["--deny", deny, DEAD_RULE]);
        assert_eq!(status, 1, "--deny {deny}: {stderr}");
        assert!(stderr.contains("error[L0003]"), "--deny {deny}: {stderr}");
        assert!(!stderr.contains("warning[L0003]"), "{stderr}");
        assert!(
            stderr.contains("`dead-rule` is denied on the command line"),
            "{stderr}"
        );
        assert!(
            stderr.trim_end().ends_with("error: 1 error found"),
            "{stderr}"
        );
    }
}

#[test]
fn lint_deny_warnings_denies_every_warning() {
    let unused = "tests/fixtures/lint/unused.policy";
    let (status, _, before) = lint(&[DEAD_RULE, unused]);
    assert_eq!(status, 0, "{before}");
    let warnings = before.matches("warning[").count();
    assert!(warnings >= 2, "{before}");
    let (status, _, stderr) = lint(&["--deny", "warnings", DEAD_RULE, unused]);
    assert_eq!(status, 1, "{stderr}");
    assert!(!stderr.contains("warning["), "{stderr}");
    assert_eq!(stderr.matches("error[L").count(), warnings, "{stderr}");
    assert!(stderr.contains("error[L0003]"), "{stderr}");
    assert!(stderr.contains("error[L0008]"), "{stderr}");
    assert!(
        stderr
            .trim_end()
            .ends_with(&format!("error: {warnings} errors found")),
        "{stderr}"
    );
    // A lint allowed by default stays allowed: `partly-masked` does not fire.
    let (status, _, stderr) = lint(&[
        "--deny",
        "warnings",
        "tests/fixtures/lint/partly_masked.policy",
    ]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn lint_allow_silences_a_lint() {
    for allow in ["dead-rule", "L0003"] {
        let (status, stdout, stderr) = lint(&["--allow", allow, DEAD_RULE]);
        assert_eq!(status, 0, "--allow {allow}: {stderr}");
        assert!(stderr.is_empty(), "--allow {allow}: {stderr}");
        assert_eq!(
            stdout,
            format!("ok: {DEAD_RULE}: policy `dead_rule`: no lint fired\n")
        );
    }
}

#[test]
fn lint_the_files_own_allow_wins_over_deny() {
    // The same policy twice in a private folder: as written (a dead rule),
    // and with `allow dead-rule`. The file has the last word, as in-source
    // attributes do in rustc (`Levels::level`).
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-lint-allow");
    std::fs::create_dir_all(dir.join("support")).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint");
    std::fs::copy(
        root.join("support/small.vocab"),
        dir.join("support/small.vocab"),
    )
    .unwrap();
    let text = std::fs::read_to_string(root.join("dead_rule.policy")).unwrap();
    let (plain, allowed) = (dir.join("plain.policy"), dir.join("allowed.policy"));
    std::fs::write(&plain, &text).unwrap();
    std::fs::write(
        &allowed,
        text.replace(
            "default undecided\n",
            "default undecided\nallow dead-rule\n",
        ),
    )
    .unwrap();
    let (plain, allowed) = (plain.to_str().unwrap(), allowed.to_str().unwrap());

    let (status, _, stderr) = lint(&["--deny", "dead-rule", plain]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("error[L0003]"), "{stderr}");

    for deny in ["dead-rule", "warnings"] {
        let (status, stdout, stderr) = lint(&["--deny", deny, allowed]);
        assert_eq!(status, 0, "--deny {deny}: {stderr}");
        assert!(stderr.is_empty(), "--deny {deny}: {stderr}");
        assert!(stdout.contains("no lint fired"), "{stdout}");
    }
    // The fixture written for this, with another dead rule.
    let (status, _, stderr) = lint(&[
        "--deny",
        "dead-rule",
        "tests/fixtures/lint/unknown_lint_ok.policy",
    ]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn lint_warn_enables_a_lint_allowed_by_default() {
    let fixture = "tests/fixtures/lint/partly_masked.policy";
    let (status, stdout, stderr) = lint(&[fixture]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(stdout.contains("no lint fired"), "{stdout}");

    let (status, stdout, stderr) = lint(&["--warn", "partly-masked", fixture]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("warning[L0004]"), "{stderr}");
    assert!(
        stderr.contains("`partly-masked` is enabled on the command line"),
        "{stderr}"
    );
}

#[test]
fn lint_unknown_lint_names_are_usage_errors() {
    let (status, stdout, stderr) = lint(&["--allow", "foo", DEAD_RULE]);
    assert_eq!(status, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("`foo` is not a lint"), "{stderr}");
    for flag in ["--allow", "--warn", "--deny"] {
        let (status, _, stderr) = lint(&[flag, "dead-rul", DEAD_RULE]);
        assert_eq!(status, 2, "{flag}: {stderr}");
        assert!(stderr.contains("`dead-rul` is not a lint"), "{stderr}");
        assert!(stderr.contains("did you mean `dead-rule`?"), "{stderr}");
    }
    // `warnings` is a group for `--deny` only.
    let (status, _, stderr) = lint(&["--allow", "warnings", DEAD_RULE]);
    assert_eq!(status, 2, "{stderr}");
}

#[test]
fn lint_json_is_one_array_with_regions() {
    let (status, stdout, stderr) = lint(&["--format", "json", DEAD_RULE]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let list = v.as_array().expect("an array");
    assert_eq!(list.len(), 1, "{stdout}");
    let d = &list[0];
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["code"], "L0003");
    assert_eq!(d["name"], "dead-rule");
    assert_eq!(d["file"], DEAD_RULE);
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(9), Some(6))
    );
    let regions = d["regions"].as_array().expect("regions");
    assert_eq!(regions.len(), 1, "{stdout}");
    let r = &regions[0];
    assert_eq!(r["cases"], 732);
    assert_eq!(
        r["condition"],
        "instrument = SCA_warrant and location in abroad and content"
    );
    assert_eq!(
        r["when"],
        serde_json::json!({
            "instrument": ["SCA_warrant"],
            "location": ["Ireland", "other_foreign"],
            "content": [true],
        })
    );
    // The witness is a whole case inside the region.
    let w = r["witness"].as_object().expect("a case object");
    assert_eq!(w.len(), 4, "{stdout}");
    assert_eq!(w["instrument"], "SCA_warrant");
    assert!(["Ireland", "other_foreign"].contains(&w["location"].as_str().unwrap()));
    assert_eq!(w["content"], true);
    assert!(w["age"].is_i64());

    // With `--deny`, the severity follows; a clean file gives an empty array.
    let (status, stdout, _) = lint(&["--format", "json", "--deny", "dead-rule", DEAD_RULE]);
    assert_eq!(status, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v[0]["severity"], "error");
    let (status, stdout, stderr) = lint(&[
        "--format",
        "json",
        "tests/fixtures/lint/dead_rule_ok.policy",
    ]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap(),
        serde_json::json!([])
    );
}

#[test]
fn lint_sarif_is_a_log_on_stdout() {
    let (status, stdout, stderr) = lint(&["--format", "sarif", DEAD_RULE]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let log: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .unwrap()
            .contains("sarif-schema-2.1.0"),
        "{stdout}"
    );
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "writ");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{stdout}");
    assert_eq!(results[0]["ruleId"], "L0003");
    assert_eq!(results[0]["level"], "warning");
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], DEAD_RULE);
    assert_eq!(loc["region"]["startLine"], 9);
    // Denied lints are SARIF errors and fail the run.
    let (status, stdout, _) = lint(&["--format", "sarif", "--deny", "dead-rule", DEAD_RULE]);
    assert_eq!(status, 1);
    let log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(log["runs"][0]["results"][0]["level"], "error");
}

#[test]
fn bundled_policies_are_lint_clean() {
    let mut args = vec!["lint".to_string(), "policies/sca.vocab".to_string()];
    let mut policies: Vec<String> =
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".policy"))
            .map(|n| format!("policies/{n}"))
            .collect();
    policies.sort();
    assert!(policies.len() >= 7, "{policies:?}");
    args.extend(policies.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, stdout, stderr) = writ(&args);
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    for p in &policies {
        assert!(
            stdout.contains(&format!("ok: {p}: policy `")),
            "{p} is not reported clean: {stdout}"
        );
    }
    assert!(
        stdout.contains("ok: policies/sca.vocab: vocabulary"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), policies.len() + 1, "{stdout}");
}

#[test]
fn lint_past_the_node_budget_stops_with_e0042() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-lint-too-large");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("wide.policy");
    std::fs::write(&path, writ::synth::wide(3, 200)).unwrap();
    let (status, stdout, stderr) = lint(&["--max-nodes", "1000", path.to_str().unwrap()]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("error[E0042]"), "{stderr}");
    assert!(
        stderr.contains("past 1000 nodes"),
        "names the budget: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The budget stops the work early: the message says how far it got.
    assert!(common::stopped_early(&stderr), "{stderr}");
}
