//! `writ eval` on every form of every bundled policy (SPEC 6, `eval`): "a
//! compiled `writ.tree/1` or `writ.dag/1` file is evaluated exactly like
//! the policy it came from: the same JSON, byte for byte".
//!
//! Each bundled policy (`policies/*.policy`) is compiled to tree and dag
//! JSON in a scratch directory. From the compiled document's `attributes`
//! (SPEC 5) a seeded generator draws a few thousand complete cases and a few
//! thousand partial ones (a random share of the attributes left out); int
//! values come half from the range bounds the diagram tests and half
//! uniformly. Then, through the real binary:
//!
//! * the policy evaluates every case: exit 0, one well-formed result per
//!   line (keys in the contract's order, `path` and `sufficient` made of
//!   the case's own values, complete cases decided, no
//!   `sufficient_minimal`, no error record);
//! * the tree and dag files print byte-identical output with the same exit
//!   status, for the batches, for batches with `--why-not` each outcome,
//!   and for single `--case` runs in text and JSON, with and without
//!   `--why-not`; a single JSON result is the pretty form of the batch
//!   line;
//! * `--engine index` gives the diagram's results less `path`, and
//!   `--engine diagram` the same bytes as `auto`;
//! * `--engine index` on a compiled file is a usage error (exit 2).
//!
//! Failures are collected over all policies and reported together, each
//! with the command, the case, the expected and the actual line.

mod common;
#[path = "common/eval_check.rs"]
mod eval_check;

use eval_check::{
    Attr, Kind, Problems, Run, Scratch, difference, jsonl, own_value_problems, records, run,
    shape_problems, summary, without_path,
};
use serde_json::Value as J;
use std::collections::BTreeSet;
use writ::synth::Rng;

/// Cases per batch, complete and partial each.
const CASES: usize = 2_500;
/// Lines of the batch run once per `--why-not` outcome.
const WHY_NOT_CASES: usize = 200;
/// Single `--case` runs per policy, complete and partial each.
const SINGLE: usize = 2;

/// A bundled policy, compiled, with its generated cases.
struct Subject {
    name: String,
    /// The policy's path, relative to the crate.
    policy: String,
    tree: String,
    dag: String,
    outcomes: Vec<String>,
    attrs: Vec<Attr>,
    complete: Vec<Vec<Option<i64>>>,
    partial: Vec<Vec<Option<i64>>>,
    /// The batches as JSON Lines files, and their lines.
    complete_file: String,
    partial_file: String,
    why_not_file: String,
    complete_lines: Vec<String>,
    partial_lines: Vec<String>,
    why_not_lines: Vec<String>,
}

fn bundled_policies() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
        .expect("policies/ is there")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .into_string()
                .expect("UTF-8")
        })
        .filter(|n| n.ends_with(".policy"))
        .map(|n| format!("policies/{n}"))
        .collect();
    out.sort();
    assert!(out.len() >= 5, "the bundled policies are missing: {out:?}");
    out
}

/// Int values the diagram distinguishes: every bound of every range a node
/// of the dag tests, and its neighbours.
fn int_cuts(dag: &J, attrs: &[Attr]) -> Vec<Vec<i64>> {
    let mut cuts: Vec<BTreeSet<i64>> = vec![BTreeSet::new(); attrs.len()];
    for n in dag["nodes"].as_array().expect("a dag has nodes") {
        let Some(test) = n["test"].as_str() else {
            continue;
        };
        let a = attrs
            .iter()
            .position(|a| a.name == test)
            .expect("a tested attribute");
        let Kind::Int(lo, hi) = attrs[a].kind else {
            continue;
        };
        for b in n["branches"].as_array().expect("branches") {
            for r in b["ranges"].as_array().into_iter().flatten() {
                for x in r.as_array().expect("a range").iter().filter_map(J::as_i64) {
                    for y in [x - 1, x, x + 1] {
                        if (lo..=hi).contains(&y) {
                            cuts[a].insert(y);
                        }
                    }
                }
            }
        }
    }
    cuts.into_iter().map(|s| s.into_iter().collect()).collect()
}

fn value(rng: &mut Rng, attr: &Attr, cuts: &[i64]) -> i64 {
    match attr.kind {
        Kind::Int(lo, hi) => {
            if !cuts.is_empty() && rng.range(0, 1) == 0 {
                cuts[rng.range(0, cuts.len() as u64 - 1) as usize]
            } else {
                lo + rng.range(0, (hi - lo) as u64) as i64
            }
        }
        _ => rng.range(0, attr.size() - 1) as i64,
    }
}

/// Compiles every bundled policy to tree and dag JSON in `dir` and draws
/// its cases.
fn subjects(dir: &Scratch) -> Vec<Subject> {
    bundled_policies()
        .into_iter()
        .enumerate()
        .map(|(i, policy)| {
            let name = policy
                .trim_start_matches("policies/")
                .trim_end_matches(".policy")
                .to_string();
            let tree = dir.join(&format!("{name}.tree.json"));
            let dag = dir.join(&format!("{name}.dag.json"));
            for (emit, out) in [("tree", &tree), ("dag", &dag)] {
                let r = run(&["compile", &policy, "--emit", emit, "-o", out]);
                assert_eq!(r.status, 0, "`{}` fails: {}", r.command(), r.stderr);
            }
            let doc: J = serde_json::from_str(&std::fs::read_to_string(&dag).unwrap())
                .expect("the dag is JSON");
            let tree_doc: J = serde_json::from_str(&std::fs::read_to_string(&tree).unwrap())
                .expect("the tree is JSON");
            let attrs = eval_check::attributes_of(&doc);
            assert_eq!(
                attrs.iter().map(|a| &a.name).collect::<Vec<_>>(),
                eval_check::attributes_of(&tree_doc)
                    .iter()
                    .map(|a| &a.name)
                    .collect::<Vec<_>>(),
                "{policy}: tree and dag list the same attributes"
            );
            let outcomes: Vec<String> = doc["outcomes"]
                .as_array()
                .expect("outcomes")
                .iter()
                .map(|o| o.as_str().expect("an outcome").to_string())
                .collect();
            let cuts = int_cuts(&doc, &attrs);
            let mut rng = Rng::new(0x6576_616c_0000 + i as u64);
            let complete: Vec<Vec<Option<i64>>> = (0..CASES)
                .map(|_| {
                    attrs
                        .iter()
                        .zip(&cuts)
                        .map(|(a, c)| Some(value(&mut rng, a, c)))
                        .collect()
                })
                .collect();
            // The empty case first, then cases with a random share (1/5 to
            // 4/5) of the attributes left out, at least one.
            let mut partial = vec![vec![None; attrs.len()]];
            while partial.len() < CASES {
                let share = rng.range(1, 4);
                let mut case: Vec<Option<i64>> = attrs
                    .iter()
                    .zip(&cuts)
                    .map(|(a, c)| {
                        let v = value(&mut rng, a, c);
                        (rng.range(1, 5) > share).then_some(v)
                    })
                    .collect();
                if case.iter().all(Option::is_some) {
                    case[rng.range(0, attrs.len() as u64 - 1) as usize] = None;
                }
                partial.push(case);
            }
            let lines = |cases: &[Vec<Option<i64>>]| -> Vec<String> {
                cases
                    .iter()
                    .map(|c| eval_check::case_json(&attrs, c))
                    .collect()
            };
            let (complete_lines, partial_lines) = (lines(&complete), lines(&partial));
            let why_not_lines: Vec<String> = complete_lines[..WHY_NOT_CASES / 2]
                .iter()
                .chain(&partial_lines[..WHY_NOT_CASES / 2])
                .cloned()
                .collect();
            let complete_file = dir.join(&format!("{name}.complete.jsonl"));
            let partial_file = dir.join(&format!("{name}.partial.jsonl"));
            let why_not_file = dir.join(&format!("{name}.why_not.jsonl"));
            std::fs::write(&complete_file, jsonl(&attrs, &complete)).unwrap();
            std::fs::write(&partial_file, jsonl(&attrs, &partial)).unwrap();
            std::fs::write(&why_not_file, why_not_lines.join("\n") + "\n").unwrap();
            Subject {
                name,
                policy,
                tree,
                dag,
                outcomes,
                attrs,
                complete,
                partial,
                complete_file,
                partial_file,
                why_not_file,
                complete_lines,
                partial_lines,
                why_not_lines,
            }
        })
        .collect()
}

/// Checks collected over all policies, grouped by what they check, and
/// reported together: how many of each kind failed, and the first failure
/// of each kind.
#[derive(Default)]
struct Failures {
    /// (kind, checks, failures).
    kinds: Vec<(String, usize, Vec<String>)>,
}

impl Failures {
    fn check(&mut self, kind: impl Into<String>, outcome: Result<(), String>) {
        let kind = kind.into();
        let i = match self.kinds.iter().position(|k| k.0 == kind) {
            Some(i) => i,
            None => {
                self.kinds.push((kind, 0, Vec::new()));
                self.kinds.len() - 1
            }
        };
        self.kinds[i].1 += 1;
        if let Err(e) = outcome {
            self.kinds[i].2.push(e);
        }
    }

    fn finish(self, what: &str) {
        let checks: usize = self.kinds.iter().map(|k| k.1).sum();
        let failed: usize = self.kinds.iter().map(|k| k.2.len()).sum();
        assert!(checks > 0, "{what}: nothing was checked");
        if failed == 0 {
            return;
        }
        let mut out = format!("{what}: {failed} of {checks} checks failed\n");
        for (kind, n, fails) in &self.kinds {
            out.push_str(&format!("  {kind}: {} of {n} failed\n", fails.len()));
        }
        out.push_str("\nthe first failure of each kind:");
        for (kind, _, fails) in &self.kinds {
            if let Some(f) = fails.first() {
                out.push_str(&format!("\n\n[{kind}] {f}"));
            }
        }
        panic!("{out}");
    }
}

/// The batches of a subject: (what, file, lines, cases).
/// A batch: what it holds, its file, its lines and its cases.
type Batch<'a> = (&'static str, &'a str, &'a [String], &'a [Vec<Option<i64>>]);

fn batches(s: &Subject) -> [Batch<'_>; 2] {
    [
        ("complete", &s.complete_file, &s.complete_lines, &s.complete),
        ("partial", &s.partial_file, &s.partial_lines, &s.partial),
    ]
}

/// Checks one batch run of a policy: exit 0, one result per case, each
/// well formed.
fn check_batch(
    s: &Subject,
    r: &Run,
    cases: &[Vec<Option<i64>>],
    lines: &[String],
    with_path: bool,
    complete: bool,
    with_why_not: bool,
) -> Result<(), String> {
    let head = format!("{}: `{}`", s.name, r.command());
    if r.status != 0 {
        return Err(format!(
            "{head} exits {} on valid cases, expected 0; stderr: {}",
            r.status,
            eval_check::brief(&r.stderr)
        ));
    }
    let recs = records(r)?;
    if recs.len() != cases.len() {
        return Err(format!(
            "{head}: {} result lines for {} cases",
            recs.len(),
            cases.len()
        ));
    }
    let out_lines: Vec<&str> = r.stdout.lines().collect();
    let mut wrong: Vec<(usize, Problems)> = Vec::new();
    for (i, (rec, case)) in recs.iter().zip(cases).enumerate() {
        let line = out_lines[i];
        let mut ps: Problems = Vec::new();
        if rec.get("error").is_some() || line.contains("\"error\"") {
            ps.push(("error record", "an error record for a valid case".into()));
        } else {
            ps.extend(shape_problems(rec, with_path, with_why_not));
            ps.extend(own_value_problems(rec, &s.attrs, case));
            if complete && rec.get("undetermined").is_some() {
                ps.push((
                    "complete case undetermined",
                    "a complete case is always decided".into(),
                ));
            }
            if rec.get("sufficient_minimal").is_some() {
                ps.push((
                    "`sufficient_minimal`",
                    "`sufficient_minimal` on a policy whose diagram fits its budget (the reason must be a minimum)".into(),
                ));
            }
            if complete && rec.get("rules_depend_on").is_some() {
                ps.push((
                    "`rules_depend_on` on a complete case",
                    "a complete case has no missing attributes".into(),
                ));
            }
            if line != rec.to_string().as_str() {
                ps.push((
                    "not compact",
                    "a `--cases` result is one compact JSON object".into(),
                ));
            }
        }
        if !ps.is_empty() {
            wrong.push((i, ps));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{head}: {}",
            summary(
                &wrong,
                cases.len(),
                |i| lines[i].clone(),
                |i| out_lines[i].to_string()
            )
        ))
    }
}

#[test]
fn the_policy_evaluates_every_generated_case() {
    let dir = Scratch::new("eval-forms-policy");
    let mut f = Failures::default();
    for s in subjects(&dir) {
        for (what, file, lines, cases) in batches(&s) {
            let r = run(&["eval", &s.policy, "--cases", file]);
            f.check(
                format!("the policy on {what} cases"),
                check_batch(&s, &r, cases, lines, true, what == "complete", false)
                    .map_err(|e| format!("{what} cases: {e}")),
            );
        }
    }
    f.finish("the policies' own results");
}

#[test]
fn compiled_tree_and_dag_evaluate_batches_like_the_policy() {
    let dir = Scratch::new("eval-forms-batches");
    let mut f = Failures::default();
    for s in subjects(&dir) {
        for (what, file, lines, _) in batches(&s) {
            let want = run(&["eval", &s.policy, "--cases", file]);
            for (form, compiled) in [("tree", &s.tree), ("dag", &s.dag)] {
                let got = run(&["eval", compiled, "--cases", file]);
                f.check(
                    format!("{form} JSON, {what} cases"),
                    match difference(lines, &want, &got) {
                        None => Ok(()),
                        Some(d) => Err(format!("{}, {what} cases, {form} form: {d}", s.name)),
                    },
                );
            }
        }
    }
    f.finish("compiled files evaluated like their policy (`--cases`)");
}

#[test]
fn compiled_forms_answer_single_cases_and_why_not_like_the_policy() {
    let dir = Scratch::new("eval-forms-single");
    let mut f = Failures::default();
    for s in subjects(&dir) {
        // Batches with `--why-not` each outcome.
        let mut batch_records: Vec<(Option<&str>, Vec<J>)> = Vec::new();
        let plain = run(&["eval", &s.policy, "--cases", &s.why_not_file]);
        batch_records.push((None, records(&plain).unwrap_or_default()));
        for o in &s.outcomes {
            let want = run(&[
                "eval",
                &s.policy,
                "--cases",
                &s.why_not_file,
                "--why-not",
                o,
            ]);
            let cases: Vec<Vec<Option<i64>>> = s.complete[..WHY_NOT_CASES / 2]
                .iter()
                .chain(&s.partial[..WHY_NOT_CASES / 2])
                .cloned()
                .collect();
            f.check(
                "the policy with --why-not: results well formed",
                check_batch(&s, &want, &cases, &s.why_not_lines, true, false, true)
                    .map_err(|e| format!("--why-not {o}: {e}")),
            );
            let recs = records(&want).unwrap_or_default();
            batch_records.push((Some(o), recs));
            for (form, compiled) in [("tree", &s.tree), ("dag", &s.dag)] {
                let got = run(&["eval", compiled, "--cases", &s.why_not_file, "--why-not", o]);
                f.check(
                    format!("{form} JSON, --cases --why-not"),
                    match difference(&s.why_not_lines, &want, &got) {
                        None => Ok(()),
                        Some(d) => Err(format!("{}, --why-not {o}, {form} form: {d}", s.name)),
                    },
                );
            }
        }
        // Single cases, text and JSON, without and with `--why-not`.
        let singles: Vec<(usize, &String)> = (0..SINGLE)
            .map(|i| (i, &s.why_not_lines[i]))
            .chain((0..SINGLE).map(|i| {
                (
                    WHY_NOT_CASES / 2 + i,
                    &s.why_not_lines[WHY_NOT_CASES / 2 + i],
                )
            }))
            .collect();
        for (line, case) in singles {
            for (why_not, recs) in &batch_records {
                for format in ["text", "json"] {
                    let mut args = vec!["eval", &s.policy, "--case", case, "--format", format];
                    if let Some(o) = why_not {
                        args.extend(["--why-not", o]);
                    }
                    let want = run(&args);
                    f.check("the policy with --case: exit 0 and a result", if want.status == 0 && !want.stdout.is_empty() {
                        Ok(())
                    } else {
                        Err(format!(
                            "{}: `{}` exits {} with stdout {:?}, expected 0 and a result; stderr: {}",
                            s.name,
                            want.command(),
                            want.status,
                            want.stdout,
                            eval_check::brief(&want.stderr)
                        ))
                    });
                    if format == "json" {
                        // The pretty-printed result is the batch's line.
                        let single: Result<J, _> = serde_json::from_str(&want.stdout);
                        f.check("--case --format json: the batch's result, pretty-printed", match (single, recs.get(line)) {
                            (Ok(v), Some(b)) if v == *b && want.stdout.trim_end().contains('\n') => {
                                Ok(())
                            }
                            (v, b) => Err(format!(
                                "{}: `{}` should print the batch's result for the same case, pretty-printed\n  batch:  {}\n  single: {}",
                                s.name,
                                want.command(),
                                b.map_or("(none)".to_string(), J::to_string),
                                v.map_or_else(|e| format!("not JSON ({e}): {}", want.stdout), |v| v.to_string())
                            )),
                        });
                    }
                    for (form, compiled) in [("tree", &s.tree), ("dag", &s.dag)] {
                        args[1] = compiled;
                        let got = run(&args);
                        f.check(
                            format!(
                                "{form} JSON, --case --format {format}{}",
                                if why_not.is_some() { " --why-not" } else { "" }
                            ),
                            match difference(std::slice::from_ref(case), &want, &got) {
                                None => Ok(()),
                                Some(d) => Err(format!("{}, {form} form: {d}", s.name)),
                            },
                        );
                    }
                }
            }
        }
    }
    f.finish("compiled files evaluated like their policy (`--case`, `--format`, `--why-not`)");
}

#[test]
fn the_index_engine_answers_like_the_diagram_on_bundled_policies() {
    let dir = Scratch::new("eval-forms-index");
    let mut f = Failures::default();
    for s in subjects(&dir) {
        for (what, file, lines, cases) in batches(&s) {
            let auto = run(&["eval", &s.policy, "--cases", file]);
            let diagram = run(&["eval", &s.policy, "--engine", "diagram", "--cases", file]);
            f.check(
                format!("--engine diagram = auto, {what} cases"),
                match difference(lines, &auto, &diagram) {
                    None => Ok(()),
                    Some(d) => Err(format!(
                        "{}, {what} cases: `--engine diagram` must print what `auto` does: {d}",
                        s.name
                    )),
                },
            );
            let index = run(&["eval", &s.policy, "--engine", "index", "--cases", file]);
            f.check(
                format!("--engine index: results well formed, {what} cases"),
                check_batch(&s, &index, cases, lines, false, what == "complete", false)
                    .map_err(|e| format!("{what} cases, index engine: {e}")),
            );
            let (Ok(d), Ok(x)) = (records(&diagram), records(&index)) else {
                f.check(
                    "readable output",
                    Err(format!("{}, {what} cases: unreadable output", s.name)),
                );
                continue;
            };
            let wrong: Vec<usize> = (0..d.len().max(x.len()))
                .filter(|&i| d.get(i).map(without_path) != x.get(i).map(without_path))
                .collect();
            f.check(format!("--engine index = diagram less `path`, {what} cases"), match wrong.first() {
                None => Ok(()),
                Some(&i) => Err(format!(
                    "{}, {what} cases: `--engine index` must give the diagram's results, `path` aside; {} of {} lines differ, the first is line {}\n  case:    {}\n  diagram: {}\n  index:   {}",
                    s.name,
                    wrong.len(),
                    d.len().max(x.len()),
                    i + 1,
                    lines.get(i).map_or("?", String::as_str),
                    d.get(i).map_or("(none)".into(), J::to_string),
                    x.get(i).map_or("(none)".into(), J::to_string),
                )),
            });
        }
    }
    f.finish("the index engine against the diagram");
}

#[test]
fn the_index_engine_on_a_compiled_file_is_a_usage_error() {
    let dir = Scratch::new("eval-forms-usage");
    let s = &subjects(&dir)[0];
    for compiled in [&s.tree, &s.dag] {
        for args in [
            vec!["eval", compiled, "--engine", "index", "--case", "{}"],
            vec![
                "eval",
                compiled,
                "--engine",
                "index",
                "--cases",
                &s.partial_file,
            ],
        ] {
            let r = run(&args);
            assert_eq!(
                r.status,
                2,
                "`{}` must be a usage error (exit 2); stdout {:?}, stderr {:?}",
                r.command(),
                r.stdout,
                r.stderr
            );
            assert!(
                r.stdout.is_empty(),
                "`{}` prints {:?}",
                r.command(),
                r.stdout
            );
            assert!(
                r.stderr.contains("index"),
                "`{}` must say what is wrong: {:?}",
                r.command(),
                r.stderr
            );
        }
        // The same file with the diagram engine is fine.
        let r = run(&[
            "eval",
            compiled,
            "--engine",
            "diagram",
            "--case",
            &s.complete_lines[0],
        ]);
        assert_eq!(r.status, 0, "`{}`: {}", r.command(), r.stderr);
    }
}
