//! The bundled policies in `policies/`: `writ diff` between the positions of
//! the Microsoft Ireland case, snapshotted (text and JSON); every policy
//! checks, lints clean, passes its tests and is formatted; and every command
//! shown in `policies/README.md` prints what the README says it prints.
//!
//! To refresh the README's outputs after a change to `writ` or to a policy,
//! run `WRIT_BLESS=1 cargo test --test bundled`: the README's ```console
//! blocks are rewritten with the current output instead of failing (then
//! read the diff before committing it).

mod common;

use common::writ;
use std::path::Path;

/// The bundled policies, as `policies/NAME.policy`, sorted; the seven
/// positions of the case must all be there.
fn policies() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".policy"))
        .collect();
    names.sort();
    for expected in [
        "magistrate_2014",
        "microsoft_2014",
        "district_2014",
        "second_circuit_2016",
        "google_edpa_2017",
        "cloud_act_2018",
        "sca_2703",
    ] {
        let name = format!("{expected}.policy");
        assert!(names.contains(&name), "policies/{name} is missing");
    }
    names.iter().map(|n| format!("policies/{n}")).collect()
}

/// `writ diff OLD NEW` in text and in JSON, with both exit statuses, as one
/// snapshot named `name`.
fn diff_snapshot(name: &str, old: &str, new: &str) {
    let (old, new) = (
        format!("policies/{old}.policy"),
        format!("policies/{new}.policy"),
    );
    let mut snapshot = String::new();
    let mut statuses = Vec::new();
    for format in ["text", "json"] {
        let args = ["diff", "--format", format, &old, &new];
        let (status, stdout, stderr) = writ(&args);
        assert_eq!(stderr, "", "writ {}", args.join(" "));
        snapshot.push_str(&format!(
            "--- writ {} (exit status {status}) ---\n{stdout}",
            args.join(" ")
        ));
        statuses.push(status);
        if format == "json" {
            let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let differing = json["differing"].as_u64().unwrap();
            assert_eq!(status, i32::from(differing > 0), "{name}: exit status");
        }
    }
    assert_eq!(statuses[0], statuses[1], "{name}: text and JSON exit alike");
    insta::assert_snapshot!(name, snapshot);
}

#[test]
fn diff_magistrate_to_microsoft() {
    diff_snapshot(
        "magistrate_to_microsoft",
        "magistrate_2014",
        "microsoft_2014",
    );
}

#[test]
fn diff_magistrate_to_district() {
    diff_snapshot("magistrate_to_district", "magistrate_2014", "district_2014");
}

#[test]
fn diff_magistrate_to_second_circuit() {
    diff_snapshot(
        "magistrate_to_second_circuit",
        "magistrate_2014",
        "second_circuit_2016",
    );
}

#[test]
fn diff_district_to_second_circuit() {
    diff_snapshot(
        "district_to_second_circuit",
        "district_2014",
        "second_circuit_2016",
    );
}

#[test]
fn diff_sca_2703_to_cloud_act() {
    diff_snapshot("sca_2703_to_cloud_act", "sca_2703", "cloud_act_2018");
}

/// The CLOUD Act policy extends the SCA's, and their diff is what the Act
/// changed and nothing else: content held by a provider in the United
/// States that the SCA left open abroad now compels (§ 2713) or goes to
/// comity review (§ 2703(h), common-law comity), and some of what § 2703
/// compelled goes to the new statutory motion. Nothing becomes undecided or
/// quashed, and every new explanation is one of the Act's rules.
#[test]
fn the_cloud_act_changes_only_what_the_act_changed() {
    let (status, stdout, _) = writ(&[
        "diff",
        "--format",
        "json",
        "policies/sca_2703.policy",
        "policies/cloud_act_2018.policy",
    ]);
    assert_eq!(status, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let acts = [
        "section_2713_warrant",
        "section_2713_older_content",
        "comity_motion",
        "common_law_comity",
    ];
    let regions = json["regions"].as_array().unwrap();
    assert!(!regions.is_empty());
    for r in regions {
        let (old, new) = (&r["old"], &r["new"]);
        assert!(
            old["outcome"].is_null() || old["outcome"] == "compel",
            "{r}"
        );
        assert!(
            new["outcome"] == "compel" || new["outcome"] == "comity_review",
            "{r}"
        );
        for rule in new["rules"].as_array().unwrap() {
            assert!(acts.contains(&rule["id"].as_str().unwrap()), "{r}");
        }
        assert_eq!(r["when"]["data"], serde_json::json!(["content"]), "{r}");
        assert_eq!(
            r["when"]["controller"],
            serde_json::json!(["US_provider"]),
            "{r}"
        );
        // Content stored in the United States changes only where the new
        // statutory motion lies.
        if r["when"]["location"] == serde_json::json!(["US"]) {
            assert_eq!(new["rules"][0]["id"], "comity_motion", "{r}");
        }
    }
}

#[test]
fn diff_second_circuit_to_google_edpa() {
    diff_snapshot(
        "second_circuit_to_google_edpa",
        "second_circuit_2016",
        "google_edpa_2017",
    );
}

#[test]
fn diff_second_circuit_to_cloud_act() {
    diff_snapshot(
        "second_circuit_to_cloud_act",
        "second_circuit_2016",
        "cloud_act_2018",
    );
}

#[test]
fn every_policy_checks() {
    let mut args = vec!["check".to_string()];
    args.extend(policies());
    args.push("policies/sca.vocab".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, stdout, stderr) = writ(&args);
    assert_eq!((status, stderr.as_str()), (0, ""), "{stdout}");
    assert_eq!(stdout.matches("ok: ").count(), args.len() - 1, "{stdout}");
}

#[test]
fn no_lint_fires() {
    let mut args = vec!["lint".to_string(), "--deny".into(), "warnings".into()];
    args.extend(policies());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, stdout, stderr) = writ(&args);
    assert_eq!((status, stderr.as_str()), (0, ""), "{stdout}");
    assert_eq!(stdout.matches("no lint fired").count(), args.len() - 3);
}

#[test]
fn every_policy_test_passes() {
    let mut args = vec!["test".to_string()];
    args.extend(policies());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, stdout, stderr) = writ(&args);
    assert_eq!((status, stderr.as_str()), (0, ""), "{stdout}");
    let passed = stdout.matches("\nPASS \"").count();
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert!(passed >= 7, "{stdout}");
    let last = format!("{passed} passed, 0 failed");
    assert_eq!(stdout.lines().last(), Some(last.as_str()), "{stdout}");
}

#[test]
fn the_files_are_formatted() {
    let mut args = vec!["fmt".to_string(), "--check".into()];
    args.extend(policies());
    args.push("policies/sca.vocab".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(writ(&args), (0, String::new(), String::new()));
}

/// Splits a README command line like a shell, without one: words separated
/// by blanks; 'single quotes' keep everything literally, "double quotes"
/// and a backslash escape one character; an unquoted `*` in a word matches
/// the file names of `dir` (sorted bytewise, as `LC_ALL=C` sorts them).
/// Pipes, redirections and substitutions are refused.
fn split(line: &str, dir: &Path) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    // The word being read (None between words), and whether it globs.
    let mut word: Option<String> = None;
    let mut glob = false;
    let mut chars = line.chars();
    let escaped = |c: Option<char>| c.ok_or(format!("a lone \\ ends {line:?}"));
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if let Some(w) = word.take() {
                    words.extend(expand(w, glob, dir)?);
                }
                glob = false;
            }
            '\'' | '"' => {
                let w = word.get_or_insert_default();
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => w.push(escaped(chars.next())?),
                        Some('$' | '`') if c == '"' => {
                            return Err(format!("substitution in {line:?}"));
                        }
                        Some(x) => w.push(x),
                        None => return Err(format!("unclosed {c} in {line:?}")),
                    }
                }
            }
            '\\' => word.get_or_insert_default().push(escaped(chars.next())?),
            '|' | '<' | '>' | ';' | '&' | '$' | '`' | '(' | ')' => {
                return Err(format!(
                    "no pipes, redirections or substitutions ({c}) in {line:?}"
                ));
            }
            '*' => {
                glob = true;
                word.get_or_insert_default().push('*');
            }
            c => word.get_or_insert_default().push(c),
        }
    }
    if let Some(w) = word {
        words.extend(expand(w, glob, dir)?);
    }
    Ok(words)
}

/// The names in `dir` that `pattern` (one `*`, no `/`) matches, sorted.
fn expand(pattern: String, glob: bool, dir: &Path) -> Result<Vec<String>, String> {
    if !glob {
        return Ok(vec![pattern]);
    }
    let (prefix, suffix) = pattern.split_once('*').unwrap();
    if suffix.contains('*') || pattern.contains('/') {
        return Err(format!("unsupported pattern {pattern:?}"));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() >= prefix.len() + suffix.len() && !n.starts_with('.'))
        .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(format!("{pattern:?} matches no file"));
    }
    Ok(names)
}

/// What a README block shows for `writ ARGS` run in `dir`: stdout, then
/// stderr, then `[exit N]` when the exit status N is not 0.
fn run(command: &str, dir: &Path) -> String {
    let out = common::Writ::new(split(command, dir).unwrap_or_else(|e| panic!("{e}")))
        .dir(dir)
        .run();
    let status = out.status;
    let mut shown = String::new();
    for text in [out.stdout, out.stderr] {
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "`writ {command}`: output without a final newline cannot be shown in a block"
        );
        shown.push_str(&text);
    }
    if status != 0 {
        shown.push_str(&format!("[exit {status}]\n"));
    }
    shown
}

/// Every ```console block of `policies/README.md` is one command line,
/// `$ writ ARGS`, followed by exactly what it prints (see `run`), run from
/// `policies/`. With `WRIT_BLESS=1` the blocks are rewritten instead.
#[test]
fn readme_commands_print_what_it_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    console_blocks(&root.join("policies/README.md"), &root.join("policies"), 10);
}

/// The same for the language reference, `docs/language.md`, run from the
/// repository's root: every example of a command there is real.
#[test]
fn the_language_reference_shows_real_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    console_blocks(&root.join("docs/language.md"), root, 20);
}

/// Runs every ```console block of the Markdown file at `path` from `dir`
/// and compares (or, with `WRIT_BLESS=1`, rewrites) what it shows; the
/// file must hold at least `least` blocks.
fn console_blocks(path: &Path, dir: &Path, least: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let bless = std::env::var("WRIT_BLESS").is_ok_and(|v| v == "1");
    let (mut rewritten, mut stale, mut blocks) = (String::new(), Vec::new(), 0);
    let mut lines = text.split_inclusive('\n');
    // Inside a fenced block of another language, "```console" is text.
    let mut in_other_block = false;
    while let Some(line) = lines.next() {
        rewritten.push_str(line);
        let fence = line.trim_end();
        if in_other_block {
            in_other_block = fence != "```";
            continue;
        }
        if fence != "```console" {
            in_other_block = fence.starts_with("```");
            continue;
        }
        blocks += 1;
        let first = lines.next().unwrap_or_default();
        rewritten.push_str(first);
        let command = first
            .trim_end()
            .strip_prefix("$ writ ")
            .unwrap_or_else(|| panic!("a console block starts with `$ writ `, not {first:?}"));
        let mut expected = String::new();
        let closing = loop {
            match lines.next() {
                Some(l) if l.trim_end() == "```" => break l,
                Some(l) => expected.push_str(l),
                None => panic!("unclosed block after `{command}`"),
            }
        };
        let actual = run(command, dir);
        if actual != expected {
            stale.push(format!(
                "$ writ {command}\n--- shown ---\n{expected}--- real output ---\n{actual}"
            ));
        }
        rewritten.push_str(&actual);
        rewritten.push_str(closing);
    }
    assert!(blocks >= least, "only {blocks} console blocks in {path:?}");
    if bless {
        if rewritten != text {
            std::fs::write(path, rewritten).unwrap();
        }
    } else {
        assert!(
            stale.is_empty(),
            "{} of {blocks} blocks in {} differ from the real output \
             (refresh with `WRIT_BLESS=1 cargo test --test bundled`):\n\n{}",
            stale.len(),
            path.display(),
            stale.join("\n")
        );
    }
}

#[test]
fn commands_split_like_a_shell() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let words = split(
        r#"eval  x.policy --case '{"a": "b c"}' "d \"e\"" f\ g"#,
        &dir,
    );
    let expected = [
        "eval",
        "x.policy",
        "--case",
        r#"{"a": "b c"}"#,
        r#"d "e""#,
        "f g",
    ];
    assert_eq!(words.unwrap(), expected);
    let globbed = split("fmt magistrate*.policy sca.*", &dir).unwrap();
    assert_eq!(globbed, ["fmt", "magistrate_2014.policy", "sca.vocab"]);
    for bad in [
        "test a.policy | head",
        "test a.policy > out",
        "eval --case '{",
        "eval \"$HOME\"",
        "test nothing*.here",
    ] {
        assert!(split(bad, &dir).is_err(), "{bad:?} was accepted");
    }
}
