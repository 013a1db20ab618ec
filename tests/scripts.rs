//! The command line as scripts meet it: standard input, outputs that never
//! clobber inputs, symbolic links, JSON on every command, and a message for
//! every failure.

mod common;
use common::{Scratch, Writ};

const POLICY: &str = "policy p
attribute location: { US, Ireland }
attribute flag: bool
decision outcome: { compel, quash }
rule home: when location = US then compel
rule away: when location = Ireland and flag then quash
test \"home\": given location = US expect compel by home
";

const UNFORMATTED: &str = "policy p\nattribute  location : {US,Ireland}\ndecision outcome: { compel }\nwhen location=US then compel\n";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The codes of a JSON diagnostics array.
fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc.as_array()
        .unwrap_or_else(|| panic!("not an array: {doc}"))
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn eval_on_a_vocabulary_says_why() {
    let r = Writ::new(["eval", "policies/sca.vocab", "--case", "{}"]).run();
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("error[E0010]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("is a vocabulary, not a policy"),
        "{}",
        r.stderr
    );
    for command in ["compile", "test"] {
        let r = Writ::new([command, "policies/sca.vocab"]).run();
        if command == "compile" {
            assert_eq!(r.status, 1, "{r:?}");
            assert!(r.stderr.contains("nothing to compile"), "{}", r.stderr);
        } else {
            // A vocabulary has no tests: nothing failed.
            assert_eq!(r.status, 0, "{r:?}");
        }
    }
}

#[test]
fn compile_never_writes_onto_its_inputs() {
    let s = Scratch::new("scripts-o");
    s.file("v.vocab", "attribute location: { US, Ireland }\n");
    let text =
        "policy p\nuse \"v.vocab\"\ndecision outcome: { compel }\nwhen location = US then compel\n";
    let policy = s.file("p.policy", text);
    for target in ["p.policy", "v.vocab", "./sub/../p.policy"] {
        std::fs::create_dir_all(s.path().join("sub")).unwrap();
        let r = Writ::new(["compile", "p.policy", "-o", target])
            .dir(s.path())
            .run();
        assert_eq!(r.status, 2, "-o {target}: {r:?}");
        assert!(r.stderr.contains("error[E0047]"), "{}", r.stderr);
        assert!(
            r.stderr.contains("which this command reads"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), text);
    assert_eq!(
        std::fs::read_to_string(s.path().join("v.vocab")).unwrap(),
        "attribute location: { US, Ireland }\n"
    );
    let r = Writ::new(["compile", "p.policy", "-o", "p.json"])
        .dir(s.path())
        .run();
    assert_eq!(r.status, 0, "{r:?}");
    let written = std::fs::read_to_string(s.path().join("p.json")).unwrap();
    assert_eq!(json(&written)["format"], "writ.tree/1");
}

#[cfg(unix)]
#[test]
fn fmt_rewrites_the_file_a_link_points_to_and_keeps_the_link() {
    let s = Scratch::new("scripts-link");
    let real = s.file("real.policy", UNFORMATTED);
    let link = s.path().join("link.policy");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let r = Writ::new(["fmt".as_ref(), link.as_os_str()]).run();
    assert_eq!(r.status, 0, "{r:?}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    let formatted = std::fs::read_to_string(&real).unwrap();
    assert_ne!(formatted, UNFORMATTED);
    assert!(
        formatted.contains("attribute location: { US, Ireland }"),
        "{formatted}"
    );
    let r = Writ::new(["fmt".as_ref(), "--check".as_ref(), link.as_os_str()]).run();
    assert_eq!(r.status, 0, "{r:?}");
}

#[test]
fn a_dash_reads_standard_input() {
    // `fmt -` writes the formatted text to stdout.
    let r = Writ::new(["fmt", "-"]).stdin(UNFORMATTED).run();
    assert_eq!(r.status, 0, "{r:?}");
    assert!(
        r.stdout.contains("attribute location: { US, Ireland }"),
        "{}",
        r.stdout
    );
    let again = Writ::new(["fmt", "-"]).stdin(&r.stdout).run();
    assert_eq!(again.stdout, r.stdout, "formatting is idempotent");
    let r = Writ::new(["fmt", "--check", "-"]).stdin(UNFORMATTED).run();
    assert_eq!(r.status, 1, "{r:?}");
    assert_eq!(r.stdout, "would reformat: <stdin>\n");
    // A syntax error leaves stdout empty: a pipeline gets no half policy.
    let r = Writ::new(["fmt", "-"]).stdin("policy p\nwhen then\n").run();
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("<stdin>:2:"), "{}", r.stderr);

    // Every command that reads a policy takes `-`.
    let r = Writ::new(["check", "-"]).stdin(POLICY).run();
    assert_eq!(r.status, 0, "{r:?}");
    assert!(r.stdout.contains("ok: -: policy `p`"), "{}", r.stdout);
    let r = Writ::new(["lint", "-"]).stdin(POLICY).run();
    assert_eq!(r.status, 0, "{r:?}");
    let r = Writ::new(["test", "-"]).stdin(POLICY).run();
    assert_eq!(r.status, 0, "{r:?}");
    assert!(r.stdout.ends_with("1 passed, 0 failed\n"), "{}", r.stdout);
    let r = Writ::new(["compile", "-", "--emit", "text"])
        .stdin(POLICY)
        .run();
    assert_eq!(r.status, 0, "{r:?}");
    let r = Writ::new([
        "eval",
        "-",
        "--case",
        r#"{"location": "US", "flag": false}"#,
    ])
    .stdin(POLICY)
    .run();
    assert_eq!(r.status, 0, "{r:?}");
    assert!(r.stdout.contains("compel"), "{}", r.stdout);
    // The policy and its cases cannot both come from stdin.
    let r = Writ::new(["eval", "-"]).stdin(POLICY).run();
    assert_eq!(r.status, 2, "{r:?}");
    assert!(r.stderr.contains("error[E0047]"), "{}", r.stderr);

    // `--cases -`.
    let s = Scratch::new("scripts-stdin");
    let policy = s.file("p.policy", POLICY);
    let r = Writ::new([
        "eval".as_ref(),
        policy.as_os_str(),
        "--cases".as_ref(),
        "-".as_ref(),
    ])
    .stdin("{\"location\": \"US\", \"flag\": true}\n{\"location\": \"Dublin\"}\n")
    .run();
    assert_eq!(r.status, 1, "{r:?}");
    let lines: Vec<serde_json::Value> = r.stdout.lines().map(json).collect();
    assert_eq!(lines[0]["outcome"], "compel");
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["code"], "E0048");
}

#[test]
fn case_errors_are_diagnostics_with_a_code() {
    let s = Scratch::new("scripts-case");
    let policy = s.file(
        "p.policy",
        format!("{POLICY}attribute n: int 0..10\nrule big: when n > 5 and location = Ireland and flag then quash\n"),
    );
    let p = policy.as_os_str();
    let bad = [
        (
            r#"{"location": "Dublin"}"#,
            "`Dublin` is not a value of `location`",
        ),
        (r#"{"location": "US", "location": "Ireland"}"#, "location"),
        (r#"{"n": 1.5}"#, "integer"),
        (r#"{"n": 11}"#, "outside"),
        ("[1, 2]", "object"),
    ];
    for (case, needle) in bad {
        let r = Writ::new(["eval".as_ref(), p, "--case".as_ref(), case.as_ref()]).run();
        assert_eq!(r.status, 1, "{case}: {r:?}");
        assert!(r.stderr.contains("error[E0048]"), "{case}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{case}: {}", r.stderr);
        if case.contains("1.5") {
            assert!(!r.stderr.contains("out of range"), "{}", r.stderr);
        }
        // The same as JSON on stdout, nothing on stderr.
        let r = Writ::new([
            "eval".as_ref(),
            p,
            "--format".as_ref(),
            "json".as_ref(),
            "--case".as_ref(),
            case.as_ref(),
        ])
        .run();
        assert_eq!(r.status, 1, "{case}: {r:?}");
        assert!(r.stderr.is_empty(), "{case}: {}", r.stderr);
        assert_eq!(codes(&json(&r.stdout)), ["E0048"], "{case}");
    }
}

#[test]
fn format_json_works_on_every_command_that_reports_diagnostics() {
    let s = Scratch::new("scripts-json");
    let broken = s.file(
        "broken.policy",
        "policy b\ndecision o: { y }\nwhen nope then y\n",
    );
    let good = s.file("good.policy", POLICY);
    let b = broken.to_str().unwrap();
    let g = good.to_str().unwrap();
    let runs: [&[&str]; 6] = [
        &["check", b],
        &["lint", b],
        &["compile", b],
        &["eval", b, "--case", "{}"],
        &["diff", g, b],
        &["eval", g, "--why-not", "nothing", "--case", "{}"],
    ];
    for args in runs {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let r = Writ::new(&all).run();
        assert_ne!(r.status, 0, "{all:?}: {r:?}");
        assert!(r.stderr.is_empty(), "{all:?}: {}", r.stderr);
        let found = codes(&json(&r.stdout));
        assert!(!found.is_empty(), "{all:?}");
    }
    // `fmt` reports only what stops it from formatting: a syntax error.
    let r = Writ::new(["fmt", "--check", "--format", "json", "-"])
        .stdin("policy p\nwhen then\n")
        .run();
    assert_eq!(codes(&json(&r.stdout)), ["E0001"]);

    // `test --format json` is one document, with each file's diagnostics.
    let failing = s.file(
        "failing.policy",
        POLICY.replace("expect compel by home", "expect quash"),
    );
    let r = Writ::new([
        "test".as_ref(),
        good.as_os_str(),
        failing.as_os_str(),
        broken.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ])
    .run();
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let doc = json(&r.stdout);
    assert_eq!(doc["passed"], 1);
    assert_eq!(doc["failed"], 1);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["policy"], "p");
    assert_eq!(files[0]["tests"][0]["name"], "home");
    assert_eq!(files[0]["tests"][0]["line"], 7);
    assert_eq!(files[0]["tests"][0]["passed"], true);
    let failed = &files[1]["tests"][0];
    assert_eq!(failed["passed"], false);
    assert_eq!(failed["counterexample"]["location"], "US");
    assert_eq!(failed["got"]["outcome"], "compel");
    assert_eq!(failed["got"]["rules"], serde_json::json!(["home"]));
    assert!(files[2]["policy"].is_null());
    assert_eq!(codes(&files[2]["diagnostics"]), ["E0023"]);
}

/// Every failure says what went wrong: a non-zero exit always comes with a
/// diagnostic on stderr (or, under `--format json`, on stdout).
#[test]
fn every_failure_gives_a_message() {
    let s = Scratch::new("scripts-fail");
    let good = s.file("good.policy", POLICY);
    let g = good.to_str().unwrap();
    let compiled = s.file("good.json", "");
    let r = Writ::new(["compile", g, "-o", compiled.to_str().unwrap()]).run();
    assert_eq!(r.status, 0, "{r:?}");
    let c = compiled.to_str().unwrap();
    let dir = s.path().to_str().unwrap();
    let fails: &[(&[&str], i32, &str)] = &[
        (&["eval", "policies/sca.vocab", "--case", "{}"], 1, "E0010"),
        (&["diff", "policies/sca.vocab", g], 2, "E0010"),
        (
            &["compile", g, "--order", "locaton"],
            2,
            "did you mean `location`?",
        ),
        (
            &["compile", g, "--order", "location,location"],
            2,
            "named twice",
        ),
        (&["compile", g, "--order", ","], 2, "empty attribute name"),
        (
            &["eval", g, "--why-not", "quas", "--case", "{}"],
            2,
            "did you mean `quash`?",
        ),
        (
            &["eval", c, "--engine", "index", "--case", "{}"],
            2,
            "E0047",
        ),
        (&["explain", "E9999"], 2, "E0047"),
        (
            &["lint", g, "--deny", "dead-rules"],
            2,
            "did you mean `dead-rule`?",
        ),
        (&["eval", "missing.policy", "--case", "{}"], 2, "E0006"),
        (&["eval", "missing.json", "--case", "{}"], 2, "E0006"),
        (&["test", "missing.policy"], 2, "E0006"),
        (&["fmt", "missing.policy"], 2, "E0006"),
        (&["check", dir], 2, "E0006"),
        (&["eval", g, "--cases", dir], 2, "cannot read"),
        (&["eval", g, "--case", "{\"location\": 1}"], 1, "E0048"),
    ];
    for &(args, status, needle) in fails {
        let r = Writ::new(args).run();
        assert_eq!(r.status, status, "{args:?}: {r:?}");
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("error"), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn diagram_budget_notes_fit_their_context() {
    let s = Scratch::new("scripts-e0042");
    let rules: String = (0..12)
        .map(|i| {
            format!(
                "when a{i} and b{i} then {}\n",
                if i % 2 == 0 { "y" } else { "n" }
            )
        })
        .collect();
    let attrs: String = (0..12)
        .map(|i| format!("attribute a{i}: bool\nattribute b{i}: bool\n"))
        .collect();
    let first = s.file(
        "first.policy",
        format!("policy f\nresolve first\n{attrs}decision o: {{ y, n }}\n{rules}"),
    );
    let strict = s.file(
        "strict.policy",
        format!("policy s\n{attrs}decision o: {{ y, n }}\n{rules}"),
    );
    // `resolve first`, compiled with `--order auto` already: neither strict
    // conflicts nor `--order auto` are mentioned.
    let r = Writ::new([
        "compile".as_ref(),
        first.as_os_str(),
        "--order".as_ref(),
        "auto".as_ref(),
        "--max-nodes".as_ref(),
        "20".as_ref(),
    ])
    .run();
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("error[E0042]"), "{}", r.stderr);
    assert!(!r.stderr.contains("strict"), "{}", r.stderr);
    assert!(!r.stderr.contains("--order auto"), "{}", r.stderr);
    assert!(r.stderr.contains("--outcomes-only"), "{}", r.stderr);
    // A strict policy's check needs the diagram for its conflicts, and
    // says so; `check` has no `--order`, so that is not offered.
    let r = Writ::new([
        "check".as_ref(),
        strict.as_os_str(),
        "--max-nodes".as_ref(),
        "20".as_ref(),
    ])
    .run();
    assert_eq!(r.status, 1, "{r:?}");
    assert!(
        r.stderr.contains("strict conflicts are checked exactly"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("--order"), "{}", r.stderr);
    assert!(!r.stderr.contains("regardless"), "{}", r.stderr);
}

#[test]
fn long_lines_are_clipped_around_the_label() {
    let values: Vec<String> = (0..4000).map(|i| format!("v{i}")).collect();
    let text = format!(
        "policy p\nattribute x: {{ {}, v10 }}\ndecision o: {{ y }}\nwhen x = v1 then y\n",
        values.join(", ")
    );
    let r = Writ::new(["check", "-"]).stdin(&text).run();
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("error[E0021]"), "{}", r.stderr);
    // The 27,000-byte line is shown as two short windows, one per label.
    assert!(r.stderr.len() < 1500, "{}", r.stderr);
    assert!(r.stderr.contains("…v4, v5"), "{}", r.stderr);
    assert!(r.stderr.contains("v3999, v10 }"), "{}", r.stderr);
    // The header keeps the file's own column.
    let column = text.rfind("v10").unwrap() - text.find("attribute").unwrap() + 1;
    assert!(
        r.stderr.contains(&format!("<stdin>:2:{column}")),
        "{column}: {}",
        r.stderr
    );
}

/// Compiled files and `--cases` are read through `load`: its size cap,
/// its refusal of directories and its UTF-8 check, each a diagnostic that
/// names the file (and the line).
#[test]
fn compiled_files_and_cases_are_read_through_load() {
    let s = Scratch::new("scripts-load");
    let policy = s.file("p.policy", POLICY);
    let p = policy.to_str().unwrap();
    std::fs::create_dir_all(s.path().join("dir.json")).unwrap();
    let dir = s.join("dir.json");
    let latin1 = s.file("latin1.json", b"{\"format\": \"caf\xe9\"}");
    let junk = s.file(
        "junk.json",
        "{\"format\": \"writ.tree/1\", \"attributes\": 3}",
    );
    let runs: [(&str, i32, &str); 3] = [
        (&dir, 2, "E0006"),
        (latin1.to_str().unwrap(), 1, "E0005"),
        (junk.to_str().unwrap(), 1, "E0049"),
    ];
    for (file, status, code) in runs {
        let r = Writ::new(["eval", file, "--case", "{}"]).run();
        assert_eq!(r.status, status, "{file}: {r:?}");
        assert!(
            r.stderr.contains(&format!("error[{code}]")),
            "{file}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(file), "names the file: {}", r.stderr);
    }
    // A line that is not UTF-8 is a record of its own; the others go on.
    let cases = s.file(
        "cases.jsonl",
        b"{\"location\": \"US\", \"flag\": true}\n{\"location\": \"caf\xe9\"}\n{\"location\": \"US\", \"flag\": false}\n",
    );
    let r = Writ::new(["eval", p, "--cases", cases.to_str().unwrap()]).run();
    assert_eq!(r.status, 1, "{r:?}");
    let lines: Vec<serde_json::Value> = r.stdout.lines().map(json).collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["code"], "E0005");
    assert_eq!(lines[2]["outcome"], "compel");
    // A line past the cap is an E0015 record of its own, and the lines
    // after it are decided.
    let long = format!(
        "{{\"location\": \"US\", \"flag\": true}}\n{{\"location\": \"{}\"}}\n{{\"location\": \"US\", \"flag\": false}}\n",
        "x".repeat(writ::load::MAX_CASE_LINE_BYTES as usize + 10)
    );
    let r = Writ::new(["eval", p, "--cases", "-"]).stdin(long).run();
    assert_eq!(r.status, 1, "{r:?}");
    let lines: Vec<serde_json::Value> = r.stdout.lines().map(json).collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["code"], "E0015");
    assert!(
        lines[1]["error"].as_str().unwrap().contains("line 2"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["outcome"], "compel");
}
