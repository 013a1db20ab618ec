//! `writ diff` as users meet it. Every pair `NAME.old.policy` +
//! `NAME.new.policy` in `tests/fixtures/diff/` is compared by the real
//! binary (text, JSON, and `--reasons` where it adds something); both
//! sources, every output and the exit statuses are one insta snapshot per
//! pair. Then: exit statuses (0 same, 1 different, 2 error), a policy
//! against itself, `diff A B` against `diff B A`, the node budget, and case
//! counts past `u64`.

mod common;
use common::writ;

use num_bigint::BigUint;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DIR: &str = "tests/fixtures/diff";

/// The fixture pairs, by name, sorted.
fn pair_names() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".old.policy").map(String::from)
        })
        .collect();
    names.sort();
    names
}

/// The two files of a pair, relative to the crate (as the binary sees them).
fn files(name: &str) -> (String, String) {
    (
        format!("{DIR}/{name}.old.policy"),
        format!("{DIR}/{name}.new.policy"),
    )
}

/// `writ diff OLD NEW EXTRA...`.
fn diff(old: &str, new: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["diff", old, new];
    args.extend_from_slice(extra);
    writ(&args)
}

/// One section per run: stdout, then stderr when there is any.
fn section(out: &mut String, title: &str, (status, stdout, stderr): &(i32, String, String)) {
    out.push_str(&format!("--- {title} (exit {status}) ---\n"));
    out.push_str(if stdout.is_empty() {
        "(nothing on stdout)\n"
    } else {
        stdout
    });
    if !stderr.is_empty() {
        out.push_str(&format!("--- {title}: stderr ---\n{stderr}"));
    }
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

#[test]
fn pairs() {
    insta::glob!("fixtures/diff/*.old.policy", |path| {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let name = file.strip_suffix(".old.policy").unwrap();
        let (old, new) = files(name);
        let mut out = String::new();
        out.push_str(&format!("--- old: {old} ---\n{}", read(&old)));
        out.push_str(&format!("--- new: {new} ---\n{}", read(&new)));
        let text = diff(&old, &new, &[]);
        section(&mut out, "text", &text);
        section(&mut out, "json", &diff(&old, &new, &["--format", "json"]));
        section(
            &mut out,
            "markdown",
            &diff(&old, &new, &["--format", "markdown"]),
        );
        // `--reasons` only when it lists something more.
        let reasons = diff(&old, &new, &["--reasons"]);
        if reasons != text {
            section(&mut out, "text --reasons", &reasons);
            section(
                &mut out,
                "json --reasons",
                &diff(&old, &new, &["--reasons", "--format", "json"]),
            );
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn every_promised_pair_exists() {
    // The pairs the task list promises; a new pair is welcome, a missing
    // one is a lost test.
    let want = [
        "exception",
        "huge_counts",
        "int_threshold",
        "no_difference",
        "one_sided_attribute",
        "resolve",
        "type_mismatch",
        "value_change",
    ];
    let have = pair_names();
    for w in want {
        assert!(have.iter().any(|h| h == w), "no pair {w}: {have:?}");
        let (_, new) = files(w);
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(&new).exists(),
            "{new} is missing"
        );
    }
}

#[test]
fn exit_0_without_a_difference_1_with_one() {
    let (old, new) = files("no_difference");
    let (status, stdout, stderr) = diff(&old, &new, &[]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "same_old → same_new: 0 of 6,588 cases change outcome (0%)\n"
    );
    assert!(stderr.is_empty(), "{stderr}");
    // The rules are renamed, so with `--reasons` the explanations differ.
    let (status, stdout, _) = diff(&old, &new, &["--reasons"]);
    assert_eq!(status, 1, "{stdout}");
    assert!(
        stdout.contains("same outcome, different reasons:"),
        "{stdout}"
    );

    for name in ["value_change", "exception", "resolve", "int_threshold"] {
        let (old, new) = files(name);
        for extra in [&[][..], &["--format", "json"][..]] {
            let (status, stdout, stderr) = diff(&old, &new, extra);
            assert_eq!(status, 1, "{name} {extra:?}: {stdout}{stderr}");
            assert!(stderr.is_empty(), "{name}: {stderr}");
        }
    }
}

#[test]
fn exit_2_on_errors() {
    let (old, new) = files("value_change");
    // A missing file.
    for args in [
        ["tests/fixtures/diff/no_such.policy", new.as_str()],
        [old.as_str(), "tests/fixtures/diff/no_such.policy"],
    ] {
        let (status, stdout, stderr) = diff(args[0], args[1], &[]);
        assert_eq!(status, 2, "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.contains("no_such.policy"), "{stderr}");
    }
    // A vocabulary given instead of a policy.
    let vocab = "tests/fixtures/diff/support/small.vocab";
    let (status, stdout, stderr) = diff(vocab, &new, &[]);
    assert_eq!(status, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("is a vocabulary, not a policy"), "{stderr}");
    // A policy with errors.
    let (status, _, stderr) = diff(&old, "tests/fixtures/check/unknown_value.policy", &[]);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("error[E0024]"), "{stderr}");
}

#[test]
fn a_type_mismatch_is_e0043_with_both_declarations() {
    let (old, new) = files("type_mismatch");
    for (a, b) in [(&old, &new), (&new, &old)] {
        let (status, stdout, stderr) = diff(a, b, &[]);
        assert_eq!(status, 2, "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.contains("error[E0043]"), "{stderr}");
        assert!(
            stderr.contains(&format!("{old}:2:11")) && stderr.contains(&format!("{new}:2:11")),
            "both declarations are labelled: {stderr}"
        );
        assert!(
            stderr.contains("policy declares `{ US, Ireland }`")
                && stderr.contains("policy declares `{ US, Ireland, other }`"),
            "{stderr}"
        );
    }
    // JSON: one diagnostic with a primary and a secondary label, one per file.
    let (status, stdout, stderr) = diff(&old, &new, &["--format", "json"]);
    assert_eq!(status, 2, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("a JSON array");
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1, "{stdout}");
    assert_eq!(list[0]["code"], "E0043");
    let labels = list[0]["labels"].as_array().unwrap();
    let mut label_files: Vec<&str> = labels.iter().map(|l| l["file"].as_str().unwrap()).collect();
    label_files.sort();
    assert_eq!(label_files, [new.as_str(), old.as_str()]);
}

/// The bundled policies, relative to the crate.
fn bundled() -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".policy"))
            .map(|n| format!("policies/{n}"))
            .collect();
    v.sort();
    v
}

#[test]
fn a_bundled_policy_does_not_differ_from_itself() {
    let policies = bundled();
    assert!(policies.len() >= 7, "{policies:?}");
    for p in &policies {
        let (status, stdout, stderr) = diff(p, p, &[]);
        assert_eq!(status, 0, "{p}: {stdout}{stderr}");
        assert!(stderr.is_empty(), "{p}: {stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 1, "{p}: only the summary: {stdout}");
        assert!(
            lines[0].contains(": 0 of ") && lines[0].ends_with(" cases change outcome (0%)"),
            "{p}: {stdout}"
        );

        let (status, stdout, _) = diff(p, p, &["--format", "json", "--reasons"]);
        assert_eq!(status, 0, "{p}: {stdout}");
        let v: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["differing"], 0, "{p}");
        assert_eq!(v["regions"], Value::Array(Vec::new()), "{p}");
        assert_eq!(v["old"], v["new"], "{p}");
        // Asked for, the reasons are there even when there are none, so
        // that a script can read them without a special case.
        assert_eq!(v["reasons"], Value::Array(Vec::new()), "{p}: {stdout}");
        assert_eq!(v["same_outcome_other_reasons"], 0, "{p}: {stdout}");
        let (_, stdout, _) = diff(p, p, &["--format", "json"]);
        let v: Value = serde_json::from_str(&stdout).unwrap();
        assert!(v.get("reasons").is_none(), "{p}: {stdout}");
        assert!(
            v.get("same_outcome_other_reasons").is_none(),
            "{p}: {stdout}"
        );
    }
}

/// A region as a comparable key: its `when` (attributes sorted), its case
/// count, and both sides (swapped when `swap`).
fn region_keys(regions: &Value, swap: bool) -> Vec<String> {
    let mut keys: Vec<String> = regions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let when: BTreeMap<&String, &Value> = r["when"].as_object().unwrap().iter().collect();
            let (old, new) = if swap {
                (&r["new"], &r["old"])
            } else {
                (&r["old"], &r["new"])
            };
            serde_json::json!({ "when": when, "cases": r["cases"], "old": old, "new": new })
                .to_string()
        })
        .collect();
    keys.sort();
    keys
}

#[test]
fn swapping_old_and_new_swaps_the_sides_of_every_region() {
    let mut compared = 0;
    for name in pair_names() {
        let (a, b) = files(&name);
        for extra in [
            &["--format", "json"][..],
            &["--format", "json", "--reasons"][..],
        ] {
            let (sa, ab, ea) = diff(&a, &b, extra);
            let (sb, ba, eb) = diff(&b, &a, extra);
            assert_eq!(sa, sb, "{name} {extra:?}: {ea}{eb}");
            if sa == 2 {
                // Not comparable either way (the type mismatch).
                continue;
            }
            let ab: Value = serde_json::from_str(&ab).unwrap();
            let ba: Value = serde_json::from_str(&ba).unwrap();
            assert_eq!(ab["old"], ba["new"], "{name}");
            assert_eq!(ab["cases"], ba["cases"], "{name}");
            assert_eq!(ab["differing"], ba["differing"], "{name}");
            assert_eq!(
                region_keys(&ab["regions"], false),
                region_keys(&ba["regions"], true),
                "{name} {extra:?}"
            );
            let none = Value::Array(Vec::new());
            let reasons = |v: &Value| v.get("reasons").cloned().unwrap_or(none.clone());
            assert_eq!(
                region_keys(&reasons(&ab), false),
                region_keys(&reasons(&ba), true),
                "{name} {extra:?}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 12, "only {compared} comparisons");
}

#[test]
fn a_diff_past_max_nodes_stops_with_e0042() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diff-too-large");
    std::fs::create_dir_all(&dir).unwrap();
    // One seed, so both sides have the same attributes; the new policy has
    // more rules.
    let (old, new) = (dir.join("wide_old.policy"), dir.join("wide_new.policy"));
    std::fs::write(&old, writ::synth::wide(3, 150)).unwrap();
    std::fs::write(&new, writ::synth::wide(3, 200)).unwrap();
    let (status, stdout, stderr) = diff(
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        &["--max-nodes", "1000"],
    );
    assert_eq!(status, 2, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("error[E0042]"), "{stderr}");
    assert!(stderr.contains("1000 nodes"), "names the budget: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The budget stops the work early: the message says how far it got.
    assert!(common::stopped_early(&stderr), "{stderr}");
}

#[test]
fn case_counts_past_u64_are_decimal_strings_in_json() {
    let (old, new) = files("huge_counts");
    let (status, stdout, stderr) = diff(&old, &new, &["--format", "json"]);
    assert_eq!(status, 1, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    // Three attributes of 2^64 values each.
    let per_attribute = BigUint::from(u64::MAX) + 1u32;
    let total = per_attribute.pow(3);
    // `n1 = 0`, with any `n2` and `n3`.
    let differing = per_attribute.pow(2);
    assert!(total > BigUint::from(u128::MAX));
    let string = |v: &Value| -> String {
        v.as_str()
            .unwrap_or_else(|| panic!("a count past u64 is a string, not {v}"))
            .to_string()
    };
    assert_eq!(string(&v["cases"]), total.to_string());
    assert_eq!(string(&v["differing"]), differing.to_string());
    let regions = v["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 1, "{stdout}");
    assert_eq!(string(&regions[0]["cases"]), differing.to_string());
    assert_eq!(regions[0]["when"], serde_json::json!({ "n1": [[0, 0]] }));

    // Counts that fit stay numbers.
    let (old, new) = files("int_threshold");
    let (_, stdout, _) = diff(&old, &new, &["--format", "json"]);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["cases"], 6588);
    assert_eq!(v["differing"], 540);
    assert_eq!(
        v["regions"][0]["when"]["age"],
        serde_json::json!([[91, 180]])
    );
}

/// Two policies over one enum of 200,000 values, listed in opposite orders
/// on the two sides, differing on a few rules: every value is matched by
/// name (the regions name the right values, the counts are exact). Joining
/// the vocabularies used to compare each value with every other, quadratic
/// in the enum (more than 10 s at this size); it is linear now.
#[test]
fn a_huge_shared_enum_is_joined_by_name() {
    const N: usize = 200_000;
    let values = |order: &mut dyn Iterator<Item = usize>| {
        order
            .map(|i| format!("v{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let head = |name: &str, values: &str| {
        format!(
            "policy {name}\ntype T = {{ {values} }}\nattribute t: T\nattribute u: T\n\
             attribute b: bool\ndecision o: {{ yes, no }}\nresolve first\n"
        )
    };
    let old = head("old", &values(&mut (0..N)))
        + "when t = v5 then yes\nwhen t in { v10, v20 } and b then no\n";
    let new = head("new", &values(&mut (0..N).rev()))
        + "when t = v6 then yes\nwhen t in { v10, v21 } and b then no\nwhen u = v7 and not b then yes\n";
    let dir = common::Scratch::new("huge-enum-diff");
    let (old, new) = (dir.file("old.policy", old), dir.file("new.policy", new));
    let (status, stdout, stderr) = diff(
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        &["--format", "json"],
    );
    assert_eq!(status, 1, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let n = N as u64;
    assert_eq!(v["cases"], n * n * 2);
    let regions: Vec<(String, String, String, u64)> = v["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let outcome = |side: &str| r[side]["outcome"].as_str().unwrap_or("-").to_string();
            let when: Vec<String> = r["when"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(a, vs)| {
                    let vs: Vec<String> = vs
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.to_string())
                        .collect();
                    let shown = if vs.len() > 3 {
                        format!("{} values", vs.len())
                    } else {
                        vs.join(" ")
                    };
                    format!("{a}: {shown}")
                })
                .collect();
            (
                when.join("; "),
                outcome("old"),
                outcome("new"),
                r["cases"].as_u64().unwrap(),
            )
        })
        .collect();
    // t = v5: yes → undecided, but where u = v7 and not b (2n - 1); t =
    // v6: undecided → yes (2n); t = v20 and b: no → undecided, t = v21
    // and b the reverse (n each); u = v7 and not b with any other t:
    // undecided → yes (n - 2).
    let total: u64 = regions.iter().map(|r| r.3).sum();
    assert_eq!(v["differing"], total, "{regions:#?}");
    assert_eq!(total, 7 * n - 3, "{regions:#?}");
    for (when, old, new, _) in &regions {
        let expected = match (old.as_str(), new.as_str()) {
            ("yes", "-") => when.contains("\"v5\""),
            ("-", "yes") => when.contains("\"v6\"") || when.contains("\"v7\""),
            ("no", "-") => when.contains("\"v20\""),
            ("-", "no") => when.contains("\"v21\""),
            _ => false,
        };
        assert!(expected, "{when}: {old} → {new}\n{regions:#?}");
    }
}

/// The bundled case history, as policies/README.md tells it: each
/// position against the next, as a pull request would change it.
const HISTORY: [(&str, &str); 6] = [
    ("magistrate_2014", "microsoft_2014"),
    ("magistrate_2014", "district_2014"),
    ("district_2014", "second_circuit_2016"),
    ("second_circuit_2016", "google_edpa_2017"),
    ("microsoft_2014", "second_circuit_2016"),
    ("sca_2703", "cloud_act_2018"),
];

#[test]
fn markdown_of_the_case_history() {
    let mut out = String::new();
    for (old, new) in HISTORY {
        let (old, new) = (
            format!("policies/{old}.policy"),
            format!("policies/{new}.policy"),
        );
        for extra in [
            &["--format", "markdown"][..],
            &["--format", "markdown", "--reasons"],
        ] {
            let run = diff(&old, &new, extra);
            assert!(run.2.is_empty(), "{old} {new}: {}", run.2);
            section(
                &mut out,
                &format!("{old} → {new} {}", extra.join(" ")),
                &run,
            );
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn markdown_is_cut_to_fit_a_pull_request_comment() {
    let (old, new) = (
        "tests/fixtures/diff/markdown/cut.old.policy",
        "tests/fixtures/diff/markdown/cut.new.policy",
    );
    let run = diff(old, new, &["--format", "markdown"]);
    assert_eq!(run.0, 1, "{run:?}");
    let rows = run.1.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, writ::render::diff::MARKDOWN_MAX_ROWS, "{}", run.1);
    // 81 regions in all: the 50 shown and the 31 counted.
    let json: Value = serde_json::from_str(&diff(old, new, &["--format", "json"]).1).unwrap();
    assert_eq!(json["regions"].as_array().unwrap().len(), 81);
    assert!(
        run.1.contains("… and 31 more regions (31 cases) not shown"),
        "{}",
        run.1
    );
    assert!(run.1.len() < writ::render::diff::MARKDOWN_MAX_BYTES);
    // The same output every time.
    assert_eq!(diff(old, new, &["--format", "markdown"]), run);
    insta::assert_snapshot!(run.1);
}

/// `writ diff ARGS` run in `dir`.
fn diff_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    let r = common::Writ::new(&all).dir(dir).run();
    (r.status, r.stdout, r.stderr)
}

const VOCAB_1: &str = "attribute a: bool\ndecision o: { yes, no }\n";
const VOCAB_2: &str = "attribute a: bool\nattribute b: bool\ndecision o: { yes, no }\n";

/// A repository whose `p.policy` needs `b`, which only the second
/// commit's vocabulary declares: at `HEAD~1` the policy says `when a`.
fn two_commits(tag: &str) -> common::git::Repo {
    let repo = common::git::Repo::new(tag);
    repo.file("writ.toml", "");
    repo.file("policies/v.vocab", VOCAB_1);
    repo.file(
        "policies/p.policy",
        "policy p\nuse \"v.vocab\"\ndefault no\nrule r:\n    when a\n    then yes\n    because \"a is set\"\n",
    );
    repo.commit("one");
    repo.file("policies/v.vocab", VOCAB_2);
    repo.file(
        "policies/p.policy",
        "policy p\nuse \"v.vocab\"\ndefault no\nrule r:\n    when a and b\n    then yes\n    because \"a and b are set\"\n",
    );
    repo.commit("two");
    repo
}

#[test]
fn rev_path_reads_the_policy_and_what_it_uses_at_the_revision() {
    let repo = two_commits("rev-use");
    // The old side needs the old vocabulary: with the working tree's,
    // the two policies would not differ in how they read `a`, and with
    // `b` undeclared at HEAD~1 the new side would not check.
    let (status, stdout, stderr) = diff_in(
        repo.path(),
        &["HEAD~1:policies/p.policy", "policies/p.policy"],
    );
    assert_eq!(status, 1, "{stdout}{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(stdout.contains("when a and not b  (1 case)"), "{stdout}");
    assert!(stdout.contains("old: yes by r — a is set"), "{stdout}");

    // Both sides at revisions, with the working tree broken: nothing of
    // it is read.
    repo.file("policies/v.vocab", "this is not writ\n");
    repo.file("policies/p.policy", "nor this\n");
    let args = [
        "HEAD~1:policies/p.policy",
        "HEAD:policies/p.policy",
        "--format",
        "markdown",
    ];
    let run = diff_in(repo.path(), &args);
    assert_eq!(run.0, 1, "{run:?}");
    assert!(run.2.is_empty(), "{}", run.2);
    insta::assert_snapshot!(run.1);
    // The same against itself at one revision, where HEAD~1 does not
    // know `b`.
    let run = diff_in(
        repo.path(),
        &["HEAD:policies/p.policy", "HEAD:policies/p.policy"],
    );
    assert_eq!(run.0, 0, "{run:?}");
    let run = diff_in(
        repo.path(),
        &["HEAD~1:policies/v.vocab", "HEAD:policies/p.policy"],
    );
    assert_eq!(run.0, 2, "{run:?}");
    assert!(
        run.2.contains("`HEAD~1:policies/v.vocab` is a vocabulary"),
        "{}",
        run.2
    );
}

#[test]
fn diagnostics_name_files_as_rev_path() {
    let repo = two_commits("rev-names");
    repo.file(
        "policies/p.policy",
        "policy p\nuse \"v.vocab\"\ndefault no\nrule r:\n    when c\n    then yes\n",
    );
    repo.commit("three");
    let (status, stdout, stderr) = diff_in(
        repo.path(),
        &["HEAD~1:policies/p.policy", "HEAD:policies/p.policy"],
    );
    assert_eq!(status, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("┌─ HEAD:policies/p.policy:5:10"),
        "{stderr}"
    );
    // A file that exists is read as a file, colon or not.
    repo.file(
        "HEAD:p.policy",
        "policy q\nattribute a: bool\ndecision o: { yes, no }\ndefault no\n",
    );
    let (status, stdout, stderr) = diff_in(repo.path(), &["HEAD:p.policy", "HEAD:p.policy"]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("q → q"), "{stdout}");
}

#[test]
fn rev_path_errors_exit_2_with_their_codes() {
    let repo = two_commits("rev-errors");
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["nosuchrev:policies/p.policy", "policies/p.policy"],
            "E0051",
            "`nosuchrev` is not a revision of this repository",
        ),
        (
            &["--", "--end:policies/p.policy", "policies/p.policy"],
            "E0051",
            "`--end` is not a revision",
        ),
        (
            &["HEAD~1:policies/q.policy", "policies/p.policy"],
            "E0051",
            "`HEAD~1:policies/q.policy`: no such file at revision `HEAD~1`",
        ),
        (
            &["HEAD:../p.policy", "policies/p.policy"],
            "E0051",
            "the path is not a file inside the repository",
        ),
        (
            &["HEAD:policies", "policies/p.policy"],
            "E0006",
            "cannot read `HEAD:policies`: it is a directory",
        ),
    ];
    for (args, code, message) in cases {
        let (status, stdout, stderr) = diff_in(repo.path(), args);
        assert_eq!(status, 2, "{args:?}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(
            stderr.contains(&format!("error[{code}]")),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // Outside any repository.
    let outside = common::Scratch::new("rev-no-repo");
    outside.file(
        "p.policy",
        "policy p\nattribute a: bool\ndecision o: { yes, no }\ndefault no\n",
    );
    let (status, _, stderr) = diff_in(outside.path(), &["HEAD:p.policy", "p.policy"]);
    assert_eq!(status, 2, "{stderr}");
    assert!(
        stderr.contains("error[E0052]") && stderr.contains("not inside a git repository"),
        "{stderr}"
    );
    // Without git.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(["diff", "HEAD:policies/p.policy", "policies/p.policy"])
        .current_dir(repo.path())
        .env("PATH", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error[E0052]") && stderr.contains("cannot run `git`"),
        "{stderr}"
    );
}
