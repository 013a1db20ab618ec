//! The fuzzing harness (`FUZZING.md` says how to run a campaign and keeps
//! their log). Every input goes through the real binary, every command,
//! under `prlimit --as=3000000000 --cpu=30` and a wall-clock timeout
//! (`common/bounded.rs`), in a scratch project.
//!
//! Four generators, each a property:
//!
//! * `generated_projects`: grammar-aware projects (`common/grammar_gen.rs`):
//!   every kind of item, a vocabulary inline or `use`d, a base policy
//!   `extends`ed with `repeal` and `BASE.RULE` overrides, comments and
//!   line breaks between any two tokens, and one project in four with a
//!   deliberate mistake.
//! * `mutated_sources`: byte-level mutations (`common/mutate.rs`) of every
//!   fixture in `tests/fixtures/**` and `policies/`, and of generated
//!   projects.
//! * `malformed_cases`: JSON Lines batches for `eval --cases` that mix
//!   valid complete and partial cases with malformed lines (wrong types,
//!   unknown names, repeated keys, fractions and exponents, numbers past
//!   64 bits, deep nesting, lines past the cap, invalid UTF-8, byte
//!   mutations).
//! * `damaged_compiled_files`: `writ compile --emit tree|dag` output,
//!   damaged byte by byte or in its JSON structure, given to `eval`.
//!
//! And `regression_corpus`: every file in `tests/fixtures/fuzz/` (each an
//! input that once failed) through every command, on every test run.
//!
//! The oracles, on every run: the exit status is 0, 1 or 2, never a signal;
//! stderr shows no panic and no failed allocation; the run ends
//! within the timeout; `--format json` and SARIF output parse; every code
//! a diagnostic shows has an `explain` page; a small input is handled
//! under a 512 MB address-space limit too. On every source that parses:
//! `fmt` is idempotent, keeps every comment in order, and keeps the
//! meaning (the library's checked form and error codes are the same, and
//! `writ diff` finds no difference); `fmt FILE` writes what `fmt -` prints,
//! and leaves a file that does not parse untouched. On every policy that
//! checks: `eval` with `--engine diagram`, `index` and `auto`, on the tree
//! and dag JSON and on a tree compiled with `--order auto`, agrees case by
//! case (byte for byte where the contract says so) and with the reference
//! interpreter; `writ test` agrees with brute force; `writ diff BASE CHILD`
//! counts exactly the cases whose outcome the interpreters see change. On
//! every batch of cases: one record per line that is not blank, in order,
//! each a result or `{"line": N, "error": …}`, and exit 1 exactly when one
//! is an error, the same on every form and engine.
//!
//! Sizes: the default run is CI's (a few dozen inputs per property,
//! moderate sizes, well under a minute in a debug build). Environment:
//! `WRIT_FUZZ_CASES` (inputs per property), `WRIT_PROPTEST_SEED`,
//! `WRIT_FUZZ_LARGE=1` (larger projects, longer repetitions),
//! `WRIT_FUZZ_KEEP_GOING=1` (record every failing input and go on rather
//! than shrink the first), `WRIT_FUZZ_BIN` (the binary, e.g. the release
//! build), `WRIT_FUZZ_TIMEOUT` (seconds), `WRIT_FUZZ_FINDINGS` (where
//! failing inputs are saved; `target/fuzz-findings` by default).

#[path = "common/bounded.rs"]
mod bounded;
mod common;
#[path = "common/eval_check.rs"]
mod eval_check;
#[path = "common/grammar_gen.rs"]
mod grammar_gen;
#[path = "common/mutate.rs"]
mod mutate;

use bounded::{End, Limits, Outcome};
use eval_check::{Attr, Scratch};
use grammar_gen::{Doc, Sizes};
use mutate::Mutation;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestError, TestRunner};
use serde_json::{Map, Value as J};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use writ::check::{Cond, Domain, Policy, ValueSet};
use writ::semantics::Verdict;
use writ::semantics::interp::{Interpreter, all_cases};
use writ::synth::Rng;

// ----- configuration ------------------------------------------------------

/// Inputs per property: `WRIT_FUZZ_CASES`, else CI's count.
fn inputs(ci: u32) -> u32 {
    std::env::var("WRIT_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ci)
}

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn large() -> bool {
    flag("WRIT_FUZZ_LARGE")
}

/// The sizes of generated projects; `WRIT_FUZZ_AMPLIFY` sets the most
/// copies of an amplified shape in a large campaign (4,000 by default).
fn sizes() -> Sizes {
    if !large() {
        return Sizes::CI;
    }
    let amplify = std::env::var("WRIT_FUZZ_AMPLIFY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Sizes::LARGE.amplify);
    Sizes {
        amplify,
        ..Sizes::LARGE
    }
}

/// The most copies a `Repeat` mutation makes: moderate in CI, where the
/// known memory findings (thousands of copies) must not make it flaky.
fn repeat_limit() -> u16 {
    if large() { 4000 } else { 40 }
}

fn findings_dir() -> PathBuf {
    match std::env::var_os("WRIT_FUZZ_FINDINGS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-findings"),
    }
}

// ----- statistics -----------------------------------------------------------

static RUNS: AtomicUsize = AtomicUsize::new(0);
static AGREEMENTS: AtomicUsize = AtomicUsize::new(0);
static FORMATTED: AtomicUsize = AtomicUsize::new(0);

// ----- a scratch project ----------------------------------------------------

/// A scratch folder that is a writ project (`writ.toml` at its root), so
/// that `use` and `extends` read inside it.
struct Project {
    scratch: Scratch,
}

impl Project {
    fn new(tag: &str) -> Project {
        let scratch = Scratch::new(tag);
        scratch.file("writ.toml", "");
        Project { scratch }
    }

    fn dir(&self) -> &Path {
        self.scratch.path()
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        self.scratch.file(rel, bytes);
    }
}

fn copy_dir(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a fixture folder") {
        let entry = entry.expect("an entry");
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let target = to.join(&name);
        let ty = entry.file_type().expect("a file type");
        if ty.is_dir() {
            copy_dir(&entry.path(), &target, skip);
        } else if ty.is_file() {
            std::fs::copy(entry.path(), target).expect("a copy");
        }
    }
}

// ----- a session: runs and what was wrong -------------------------------------

/// Issues found by fuzzing that are known and owned elsewhere: the
/// generators record them as known rather than fail on them, and the
/// regression corpus (`tests/fixtures/fuzz/KNOWN`) checks that each is
/// still there, so that the fix is noticed and the entry removed.
/// `FUZZING.md` describes each.
const KNOWN_ISSUES: &[&str] = &[];

/// Something wrong with a run, or between runs.
#[derive(Clone, Debug)]
struct Problem {
    /// What kind of problem, when it is one of a known kind: a crash
    /// (`memory`: out of memory; `time`: past the CPU or wall-clock limit;
    /// `crash`: any other), or one of [`KNOWN_ISSUES`].
    kind: Option<&'static str>,
    text: String,
}

impl Problem {
    /// Whether generated inputs may show it without failing.
    fn tolerated(&self) -> bool {
        self.kind.is_some_and(|k| KNOWN_ISSUES.contains(&k))
    }
}

/// The runs made for one input, and the problems found.
struct Session {
    dir: PathBuf,
    limits: Limits,
    problems: Vec<Problem>,
}

impl Session {
    fn new(dir: &Path) -> Session {
        Session {
            dir: dir.to_path_buf(),
            limits: Limits::standard(),
            problems: Vec::new(),
        }
    }

    fn fail(&mut self, why: String) {
        self.problems.push(Problem {
            kind: None,
            text: why,
        });
    }

    /// Whether nothing but known issues was found.
    fn clean(&self) -> bool {
        self.problems.iter().all(Problem::tolerated)
    }

    /// Runs `writ ARGS` and records what the run itself got wrong.
    fn run(&mut self, args: &[&str]) -> Outcome {
        self.run_stdin(args, b"")
    }

    fn run_stdin(&mut self, args: &[&str], stdin: &[u8]) -> Outcome {
        self.run_limited(args, stdin, self.limits)
    }

    fn run_limited(&mut self, args: &[&str], stdin: &[u8], limits: Limits) -> Outcome {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let out = bounded::run(&self.dir, &args, stdin, limits);
        RUNS.fetch_add(1, Relaxed);
        if let Some(why) = out.crash() {
            let kind = if out.ran_out_of_memory() {
                "memory"
            } else if out.end == End::Timeout || out.end == End::Signal(Some(24)) {
                "time"
            } else {
                "crash"
            };
            self.problems.push(Problem {
                kind: Some(kind),
                text: why,
            });
        }
        out
    }

    /// Whether a run ended normally (its crash, if any, is recorded).
    fn ok(out: &Outcome) -> bool {
        out.crash().is_none()
    }

    /// `--format json` output: it parses, and every code a diagnostic
    /// names has an explanation. Returns the document.
    fn json(&mut self, out: &Outcome) -> Option<J> {
        if !Session::ok(out) {
            return None;
        }
        match serde_json::from_str::<J>(&out.stdout) {
            Ok(doc) => {
                let mut codes = BTreeSet::new();
                collect_codes(&doc, &mut codes);
                for code in codes {
                    self.explain(&code);
                }
                Some(doc)
            }
            Err(e) => {
                self.fail(format!(
                    "`{}` (exit {}) printed no JSON document ({e}): {}",
                    out.command(),
                    out.status(),
                    bounded::brief(&out.stdout)
                ));
                None
            }
        }
    }

    /// `writ explain CODE` prints a page, once per code per process.
    fn explain(&mut self, code: &str) {
        static DONE: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
        let done = DONE.get_or_init(Default::default);
        if !done
            .lock()
            .expect("explained codes")
            .insert(code.to_string())
        {
            return;
        }
        let out = self.run(&["explain", code]);
        if Session::ok(&out) && (out.status() != 0 || out.stdout.trim().is_empty()) {
            self.fail(format!(
                "`writ explain {code}` (a code a diagnostic showed) exits {}: {}",
                out.status(),
                bounded::brief(&out.stderr)
            ));
        }
    }
}

/// Every `"code"` value in a JSON document (diagnostics arrays, records of
/// `--cases`, `writ test`'s document); SARIF's `ruleId`s too.
fn collect_codes(doc: &J, out: &mut BTreeSet<String>) {
    match doc {
        J::Object(o) => {
            for (k, v) in o {
                if (k == "code" || k == "ruleId")
                    && let Some(s) = v.as_str()
                {
                    out.insert(s.to_string());
                }
                collect_codes(v, out);
            }
        }
        J::Array(a) => a.iter().for_each(|v| collect_codes(v, out)),
        _ => {}
    }
}

/// An [`Outcome`] as `eval_check`'s run, for its comparisons.
fn as_run(o: &Outcome) -> eval_check::Run {
    eval_check::Run {
        args: o.args.clone(),
        status: o.status(),
        stdout: o.stdout.clone(),
        stderr: o.stderr.clone(),
    }
}

// ----- every command on a source ----------------------------------------------

/// The sibling path of `file` named `name` (same folder, so that relative
/// `use` and `extends` read the same files).
fn sibling(file: &str, name: &str) -> String {
    match file.rfind('/') {
        Some(i) => format!("{}/{name}", &file[..i]),
        None => name.to_string(),
    }
}

fn extension(file: &str) -> &str {
    file.rsplit('.').next().unwrap_or("policy")
}

/// Every command on the source `file` (relative to the session's folder):
/// check, lint (text, JSON, SARIF, levels), compile (every emit, an order
/// and the budget), eval (each engine, a case, a batch, `--why-not`),
/// test, diff (against itself, and against `other` both ways), fmt.
/// Returns whether `writ check` passed.
fn every_command(s: &mut Session, file: &str, other: Option<&str>, seed: u64) -> bool {
    let check = s.run(&["check", file]);
    let check_json = s.run(&["check", "--format", "json", file]);
    s.json(&check_json);
    if Session::ok(&check) && Session::ok(&check_json) && check.status() != check_json.status() {
        s.fail(format!(
            "`writ check` exits {} in text and {} in JSON",
            check.status(),
            check_json.status()
        ));
    }
    s.run(&["lint", file]);
    let lint = s.run(&["lint", "--format", "json", file]);
    s.json(&lint);
    let sarif = s.run(&["lint", "--format", "sarif", file]);
    s.json(&sarif);
    s.run(&[
        "lint",
        "--deny",
        "warnings",
        "--warn",
        "overlap",
        "--warn",
        "partly-masked",
        "--allow",
        "unused",
        file,
    ]);

    let tree = s.run(&["compile", file]);
    for emit in ["dag", "dot", "text", "svg"] {
        s.run(&["compile", file, "--emit", emit]);
    }
    s.run(&[
        "compile",
        file,
        "--emit",
        "dag",
        "--order",
        "auto",
        "--outcomes-only",
    ]);
    let small = s.run(&["compile", file, "--format", "json", "--max-nodes", "40"]);
    s.json(&small);
    s.run(&["compile", file, "--emit", "text", "--max-tree-nodes", "10"]);

    s.run(&["eval", file, "--case", "{}"]);
    for engine in ["auto", "diagram", "index"] {
        let e = s.run(&[
            "eval", file, "--engine", engine, "--format", "json", "--case", "{}",
        ]);
        s.json(&e);
    }
    if tree.status() == 0
        && let Ok(doc) = serde_json::from_str::<J>(&tree.stdout)
    {
        eval_sample(s, file, &doc, seed);
    }

    s.run(&["test", file]);
    let t = s.run(&["test", "--format", "json", file]);
    s.json(&t);

    let same = s.run(&["diff", file, file]);
    if check.status() == 0
        && extension(file) == "policy"
        && Session::ok(&same)
        && same.status() != 0
    {
        s.fail(format!(
            "`{}` exits {} for a policy that checks: a file never differs from itself; {}",
            same.command(),
            same.status(),
            bounded::brief(&same.stderr)
        ));
    }
    // Under a small address-space limit, a small input is still handled.
    if std::fs::metadata(s.dir.join(file)).is_ok_and(|m| m.len() < 64 << 10) {
        for args in [
            &["check", file][..],
            &["eval", file, "--case", "{}"][..],
            &["fmt", "--check", file][..],
        ] {
            s.run_limited(args, b"", Limits::low());
        }
    }
    if let Some(o) = other {
        s.run(&["diff", o, file]);
        let d = s.run(&["diff", file, o, "--format", "json", "--reasons"]);
        s.json(&d);
    }
    fmt_oracle(s, file, check.status() == 0, Session::ok(&check));
    check.status() == 0
}

/// Each command once on a large source (the amplified shapes of large
/// campaigns), with the crash oracles: a full [`every_command`] on each
/// would take hours where a command takes seconds.
fn stress_commands(s: &mut Session, file: &str) {
    let check = s.run(&["check", file]);
    s.run(&["lint", "--format", "json", file]);
    s.run(&["compile", file, "--emit", "dag"]);
    s.run(&["eval", file, "--case", "{}"]);
    s.run(&["eval", file, "--engine", "index", "--case", "{}"]);
    s.run(&["test", file]);
    s.run(&["diff", file, file]);
    s.run(&["fmt", "--check", file]);
    if Session::ok(&check) {
        let text = std::fs::read(s.dir.join(file)).expect("the source");
        s.run_stdin(&["fmt", "-"], &text);
    }
}

/// Evaluates a few cases read off a compiled document's attributes: a
/// batch under each engine, `--why-not`, one case in text.
fn eval_sample(s: &mut Session, file: &str, doc: &J, seed: u64) {
    let Some(attrs) = attributes_of(doc) else {
        return;
    };
    let mut rng = Rng::new(seed);
    let mut lines = Vec::new();
    for k in 0..8 {
        let case: Vec<Option<i64>> = attrs
            .iter()
            .map(|a| {
                let v = pick_value(a, &mut rng);
                (k < 6 || rng.range(0, 1) == 0).then_some(v)
            })
            .collect();
        lines.push(eval_check::case_json(&attrs, &case));
    }
    let batch = sibling(file, "zz_cases.jsonl");
    std::fs::write(s.dir.join(&batch), lines.join("\n") + "\n").expect("a batch");
    for engine in ["auto", "diagram", "index"] {
        s.run(&["eval", file, "--engine", engine, "--cases", &batch]);
    }
    if let Some(o) = doc["outcomes"].as_array().and_then(|o| o.first()?.as_str()) {
        s.run(&["eval", file, "--cases", &batch, "--why-not", o]);
    }
    s.run(&["eval", file, "--case", &lines[0]]);
}

/// A compiled document's attributes, or `None` when they are not well
/// formed (a damaged file).
fn attributes_of(doc: &J) -> Option<Vec<Attr>> {
    let ok = doc["attributes"].as_array()?.iter().all(|a| {
        a["name"].is_string()
            && match a["type"].as_str() {
                Some("enum") => a["values"]
                    .as_array()
                    .is_some_and(|v| !v.is_empty() && v.iter().all(J::is_string)),
                Some("bool") => true,
                Some("int") => match (a["min"].as_i64(), a["max"].as_i64()) {
                    (Some(lo), Some(hi)) => lo <= hi,
                    _ => false,
                },
                _ => false,
            }
    });
    ok.then(|| eval_check::attributes_of(doc))
}

/// A value of an attribute: often an end of an int's range.
fn pick_value(a: &Attr, rng: &mut Rng) -> i64 {
    match a.kind {
        eval_check::Kind::Int(lo, hi) => match rng.range(0, 3) {
            0 => lo,
            1 => hi,
            _ => {
                let span = (hi as i128 - lo as i128) as u128;
                let off = (rng.next_u64() as u128) % (span + 1);
                (lo as i128 + off as i128) as i64
            }
        },
        _ => rng.range(0, a.size() - 1) as i64,
    }
}

// ----- fmt -------------------------------------------------------------------

/// `fmt` on `file`: idempotent, comments kept in order, meaning kept;
/// `fmt FILE` writes what `fmt -` prints and `fmt --check` then passes; a
/// file that does not parse is left untouched. `clean`: `writ check`
/// passed on it (then `writ diff` must find no difference either).
/// `sane`: `writ check` ended normally, so checking it in this process
/// (to compare meanings) stays within the memory it took there.
fn fmt_oracle(s: &mut Session, file: &str, clean: bool, sane: bool) {
    let text = std::fs::read(s.dir.join(file)).expect("the source");
    s.run(&["fmt", "--check", file]);
    let once = s.run_stdin(&["fmt", "-"], &text);
    if !Session::ok(&once) {
        return;
    }
    let ext = extension(file);
    let copy = sibling(file, &format!("zz_inplace.{ext}"));
    std::fs::write(s.dir.join(&copy), &text).expect("a copy");
    let inplace = s.run(&["fmt", &copy]);
    let after = std::fs::read(s.dir.join(&copy)).unwrap_or_default();
    if once.status() != 0 {
        if Session::ok(&inplace) && (inplace.status() == 0 || after != text) {
            s.fail(format!(
                "`writ fmt -` refuses the file (exit {}) but `{}` exits {} and {} it",
                once.status(),
                inplace.command(),
                inplace.status(),
                if after == text { "keeps" } else { "changes" }
            ));
        }
        return;
    }
    FORMATTED.fetch_add(1, Relaxed);
    let formatted = once.stdout.clone();
    if Session::ok(&inplace) && (inplace.status() != 0 || after != formatted.as_bytes()) {
        s.fail(format!(
            "`{}` exits {} and writes other text than `writ fmt -` prints",
            inplace.command(),
            inplace.status()
        ));
    }
    let recheck = s.run(&["fmt", "--check", &copy]);
    if Session::ok(&recheck) && recheck.status() != 0 {
        s.fail(format!(
            "`{}` exits {} on the formatted file",
            recheck.command(),
            recheck.status()
        ));
    }
    let twice = s.run_stdin(&["fmt", "-"], formatted.as_bytes());
    if Session::ok(&twice) && (twice.status() != 0 || twice.stdout != formatted) {
        s.fail(format!(
            "formatting is not idempotent (second `writ fmt -` exits {}):\n--- once\n{}\n--- twice\n{}\n{}",
            twice.status(),
            formatted,
            twice.stdout,
            bounded::brief(&twice.stderr)
        ));
    }
    // The file parsed, so it lexes: the comment scan is exact.
    let source = String::from_utf8_lossy(&text);
    let mut from = 0;
    for c in grammar_gen::comments(&source) {
        match formatted[from..].find(&c) {
            Some(i) => from += i + c.len(),
            None => {
                let anywhere = formatted.contains(&c);
                s.fail(format!(
                    "`writ fmt` {} the comment {c:?}:\n--- formatted\n{formatted}",
                    if anywhere { "reorders" } else { "loses" }
                ));
                break;
            }
        }
    }
    // The meaning, through the library (after the binary managed it).
    let formatted_file = sibling(file, &format!("zz_formatted.{ext}"));
    std::fs::write(s.dir.join(&formatted_file), &formatted).expect("the formatted file");
    if !sane {
        return;
    }
    let before = meaning(&s.dir.join(file));
    let after = meaning(&s.dir.join(&formatted_file));
    if before != after {
        s.fail(format!(
            "formatting changes the meaning: checked form or codes differ ({:?} before, {:?} after):\n--- formatted\n{formatted}",
            before.1, after.1
        ));
    }
    if clean && ext == "policy" {
        let d = s.run(&["diff", file, &formatted_file]);
        if Session::ok(&d) && d.status() != 0 {
            s.fail(format!(
                "`{}` exits {}: the formatted policy decides differently; {}",
                d.command(),
                d.status(),
                bounded::brief(&d.stdout)
            ));
        }
    }
}

/// The checked form (unnamed rules' `line:N` ids blanked: they name a
/// place) and the error codes, as `tests/roundtrip.rs` compares them.
fn meaning(path: &Path) -> (Option<Policy>, Vec<&'static str>) {
    let checked = common::check_file(path);
    let codes = checked.diagnostics.iter().map(|d| d.code.code).collect();
    let policy = checked.policy.map(|mut p| {
        for rule in p.rules.iter_mut().filter(|r| !r.named) {
            rule.id.clear();
        }
        p
    });
    (policy, codes)
}

// ----- agreement ----------------------------------------------------------------

/// The values of an attribute worth trying: every enum and bool value; an
/// int's ends and both sides of every bound a condition draws.
fn interesting(policy: &Policy, a: usize) -> Vec<i64> {
    fn walk(c: &Cond, a: usize, out: &mut BTreeSet<i64>) {
        match c {
            Cond::Const(_) => {}
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| walk(c, a, out)),
            Cond::Not(c) => walk(c, a, out),
            Cond::Atom(atom) if atom.attr == a => {
                if let ValueSet::Ranges(rs) = &atom.set {
                    for &(lo, hi) in rs {
                        out.extend(
                            [lo.checked_sub(1), Some(lo), Some(hi), hi.checked_add(1)]
                                .into_iter()
                                .flatten(),
                        );
                    }
                }
            }
            Cond::Atom(_) => {}
        }
    }
    match &policy.attributes[a].domain {
        Domain::Enum { values, .. } => (0..values.len() as i64).collect(),
        Domain::Bool => vec![0, 1],
        Domain::Int { lo, hi } => {
            let mut out = BTreeSet::from([*lo, *hi]);
            for r in &policy.rules {
                walk(&r.cond, a, &mut out);
            }
            for t in &policy.tests {
                if let Some(g) = &t.given {
                    walk(g, a, &mut out);
                }
            }
            out.into_iter().filter(|v| lo <= v && v <= hi).collect()
        }
    }
}

/// Up to `n` complete cases: every combination of the interesting values
/// when there are at most `n`, else a sample.
fn sample_cases(policy: &Policy, rng: &mut Rng, n: usize) -> Vec<Vec<i64>> {
    let values: Vec<Vec<i64>> = (0..policy.attributes.len())
        .map(|a| interesting(policy, a))
        .collect();
    let total = values
        .iter()
        .try_fold(1usize, |acc, v| acc.checked_mul(v.len()));
    match total {
        Some(t) if t <= n => {
            let mut out = vec![Vec::new()];
            for vs in &values {
                out = out
                    .into_iter()
                    .flat_map(|c: Vec<i64>| {
                        vs.iter().map(move |&v| {
                            let mut c = c.clone();
                            c.push(v);
                            c
                        })
                    })
                    .collect();
            }
            out
        }
        _ => (0..n)
            .map(|_| {
                values
                    .iter()
                    .map(|vs| vs[rng.range(0, vs.len() as u64 - 1) as usize])
                    .collect()
            })
            .collect(),
    }
}

/// What a decided or undecided complete case prints, from the
/// interpreter: `outcome`, `rules` (with `because`) and `default`.
fn expected(policy: &Policy, v: &Verdict) -> J {
    let (outcome, rules, default) = match v {
        Verdict::Decided {
            outcome,
            rules,
            default,
        } => (
            J::from(policy.decision.outcomes[*outcome].clone()),
            rules.clone(),
            *default,
        ),
        Verdict::Undecided => (J::Null, Vec::new(), false),
        Verdict::Conflict { rules } => {
            return serde_json::json!({"conflict": rules.iter().map(|&r| policy.rules[r].id.clone()).collect::<Vec<_>>()});
        }
    };
    let rules: Vec<J> = rules
        .iter()
        .map(|&r| {
            let rule = &policy.rules[r];
            let mut o = Map::new();
            o.insert("id".into(), rule.id.clone().into());
            if let Some(b) = &rule.because {
                o.insert("because".into(), b.clone().into());
            }
            J::Object(o)
        })
        .collect();
    serde_json::json!({"outcome": outcome, "rules": rules, "default": default})
}

/// The verdict part of a result record.
fn verdict_of(rec: &J) -> J {
    serde_json::json!({"outcome": rec["outcome"], "rules": rec["rules"], "default": rec["default"]})
}

/// The engines and forms agree on `file`, a policy that checks cleanly
/// (`policy`, checked through the library), and with the interpreter.
fn agreement(s: &mut Session, file: &str, policy: &Policy, base: Option<&str>, seed: u64) {
    AGREEMENTS.fetch_add(1, Relaxed);
    let mut rng = Rng::new(seed ^ 0x0061_6772_6565);
    let attrs = eval_check::attributes_of_policy(policy);
    let complete = sample_cases(policy, &mut rng, 64);
    let mut cases: Vec<Vec<Option<i64>>> = complete
        .iter()
        .map(|c| c.iter().map(|&v| Some(v)).collect())
        .collect();
    cases.push(vec![None; attrs.len()]);
    for _ in 0..8 {
        let full = &complete[rng.range(0, complete.len() as u64 - 1) as usize];
        cases.push(
            full.iter()
                .map(|&v| (rng.range(0, 2) == 0).then_some(v))
                .collect(),
        );
    }
    let lines: Vec<String> = cases
        .iter()
        .map(|c| eval_check::case_json(&attrs, c))
        .collect();
    let batch = sibling(file, "zz_agree.jsonl");
    std::fs::write(s.dir.join(&batch), lines.join("\n") + "\n").expect("a batch");

    let (tree, dag, auto) = (
        sibling(file, "zz_tree.json"),
        sibling(file, "zz_dag.json"),
        sibling(file, "zz_auto.json"),
    );
    for (out, extra) in [
        (&tree, &["--emit", "tree"][..]),
        (&dag, &["--emit", "dag"][..]),
        (&auto, &["--emit", "tree", "--order", "auto"][..]),
    ] {
        let mut args = vec!["compile", file, "-o", out];
        args.extend(extra);
        let r = s.run(&args);
        if Session::ok(&r) && r.end != End::Exit(0) {
            if r.stderr.contains("E0042") {
                return; // Past a budget: nothing to compare.
            }
            s.fail(format!(
                "`{}` exits {} on a policy that checks: {}",
                r.command(),
                r.status(),
                bounded::brief(&r.stderr)
            ));
            return;
        }
    }

    let batch_run = |s: &mut Session, target: &str, extra: &[&str]| -> Option<Outcome> {
        let mut args = vec!["eval", target, "--cases", &batch];
        args.extend(extra);
        let r = s.run(&args);
        if !Session::ok(&r) {
            return None;
        }
        if r.status() != 0 || r.stdout.lines().count() != lines.len() {
            s.fail(format!(
                "`{}` exits {} with {} lines for {} valid cases: {}",
                r.command(),
                r.status(),
                r.stdout.lines().count(),
                lines.len(),
                bounded::brief(&r.stderr)
            ));
            return None;
        }
        Some(r)
    };
    let Some(diagram) = batch_run(s, file, &["--engine", "diagram"]) else {
        return;
    };
    let inputs = &lines;
    for (target, extra) in [
        (file, &["--engine", "auto"][..]),
        (tree.as_str(), &[][..]),
        (dag.as_str(), &[][..]),
    ] {
        if let Some(r) = batch_run(s, target, extra)
            && let Some(d) = eval_check::difference(inputs, &as_run(&diagram), &as_run(&r))
        {
            s.fail(d);
        }
    }
    let want: Vec<J> = diagram
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or(J::Null))
        .collect();
    if let Some(r) = batch_run(s, file, &["--engine", "index"]) {
        for (i, l) in r.stdout.lines().enumerate() {
            let got: J = serde_json::from_str(l).unwrap_or(J::Null);
            if got != eval_check::without_path(&want[i]) {
                s.fail(format!(
                    "`{}` line {}: the index engine gives {got}, the diagram {} (path aside); case {}",
                    r.command(),
                    i + 1,
                    want[i],
                    lines[i]
                ));
                break;
            }
        }
    }
    if let Some(r) = batch_run(s, &auto, &[]) {
        for (i, l) in r.stdout.lines().enumerate().take(complete.len()) {
            let got: J = serde_json::from_str(l).unwrap_or(J::Null);
            if verdict_of(&got) != verdict_of(&want[i]) {
                s.fail(format!(
                    "`{}` line {}: the tree compiled with `--order auto` decides {}, the policy {}; case {}",
                    r.command(),
                    i + 1,
                    verdict_of(&got),
                    verdict_of(&want[i]),
                    lines[i]
                ));
                break;
            }
        }
    }
    // The interpreter, on every complete case.
    let interp = Interpreter::new(policy);
    for (i, c) in complete.iter().enumerate() {
        let v = interp.decide(c);
        let e = expected(policy, &v);
        if verdict_of(&want[i]) != e {
            s.fail(format!(
                "`{}` line {}: decides {}, the interpreter {e}; case {}",
                diagram.command(),
                i + 1,
                verdict_of(&want[i]),
                lines[i]
            ));
            break;
        }
        let problems = eval_check::shape_problems(&want[i], true, false);
        if let Some((_, p)) = problems.first() {
            s.fail(format!("`{}` line {}: {p}", diagram.command(), i + 1));
            break;
        }
    }
    // `--why-not` each outcome and `--case`: every form prints the same.
    let short = sibling(file, "zz_why.jsonl");
    std::fs::write(
        s.dir.join(&short),
        lines.iter().take(6).cloned().collect::<Vec<_>>().join("\n") + "\n",
    )
    .expect("a batch");
    for outcome in &policy.decision.outcomes {
        let why = |s: &mut Session, target: &str, extra: &[&str]| {
            let mut args = vec!["eval", target, "--cases", &short, "--why-not", outcome];
            args.extend(extra);
            s.run(&args)
        };
        let base_why = why(s, file, &["--engine", "diagram"]);
        for target in [tree.as_str(), dag.as_str()] {
            let r = why(s, target, &[]);
            if Session::ok(&r)
                && let Some(d) = eval_check::difference(inputs, &as_run(&base_why), &as_run(&r))
            {
                s.fail(d);
            }
        }
        let r = why(s, file, &["--engine", "index"]);
        index_like_diagram(s, &base_why, &r);
    }
    let one = s.run(&["eval", file, "--case", &lines[0]]);
    for target in [&tree, &dag] {
        let r = s.run(&["eval", target, "--case", &lines[0]]);
        if Session::ok(&r)
            && let Some(d) = eval_check::difference(inputs, &as_run(&one), &as_run(&r))
        {
            s.fail(d);
        }
    }

    // `writ test` and `writ diff BASE CHILD` against brute force, on small
    // domains.
    let Some(all) = all_cases(policy, 4096) else {
        return;
    };
    let all_verdicts: Vec<Verdict> = all.iter().map(|c| interp.decide(c)).collect();
    let t = s.run(&["test", "--format", "json", file]);
    if Session::ok(&t)
        && let Ok(doc) = serde_json::from_str::<J>(&t.stdout)
    {
        let results = doc["files"][0]["tests"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (k, test) in policy.tests.iter().enumerate() {
            let region: Vec<usize> = (0..all.len())
                .filter(|&i| test.given.as_ref().is_none_or(|g| interp.holds(g, &all[i])))
                .collect();
            let holds = !region.is_empty()
                && region
                    .iter()
                    .all(|&i| writ::testing::satisfies(&test.expect, &all_verdicts[i]));
            let got = results.get(k).and_then(|r| r["passed"].as_bool());
            if got != Some(holds) {
                s.fail(format!(
                    "`{}`: test {:?} passed = {got:?}, brute force says {holds}",
                    t.command(),
                    test.name
                ));
            }
        }
        let failed = policy.tests.len()
            - results
                .iter()
                .filter(|r| r["passed"] == J::Bool(true))
                .count();
        if t.status() != i32::from(failed > 0) {
            s.fail(format!(
                "`{}` exits {} with {failed} failed tests",
                t.command(),
                t.status()
            ));
        }
    }
    if let (Some(base), Some(ext)) = (base, policy.extends.as_deref()) {
        let b = &ext.base;
        let binterp = Interpreter::new(b);
        // The base's attributes are the child's (one vocabulary), by name.
        let map: Option<Vec<usize>> = b
            .attributes
            .iter()
            .map(|a| policy.attributes.iter().position(|x| x.name == a.name))
            .collect();
        let Some(map) = map else { return };
        let differing = all
            .iter()
            .zip(&all_verdicts)
            .filter(|(c, v)| {
                let bc: Vec<i64> = map.iter().map(|&i| c[i]).collect();
                let bo = binterp
                    .decide(&bc)
                    .outcome()
                    .map(|o| &b.decision.outcomes[o]);
                let co = v.outcome().map(|o| &policy.decision.outcomes[o]);
                bo != co
            })
            .count();
        let d = s.run(&["diff", base, file, "--format", "json"]);
        if Session::ok(&d) {
            let doc: J = serde_json::from_str(&d.stdout).unwrap_or(J::Null);
            let got = doc["differing"].as_u64();
            if got != Some(differing as u64) || d.status() != i32::from(differing > 0) {
                s.fail(format!(
                    "`{}` exits {} and counts {got:?} differing cases; brute force: {differing} of {}",
                    d.command(),
                    d.status(),
                    all.len()
                ));
            }
        }
    }
}

/// `--engine index` prints what `--engine diagram` prints less `path`,
/// line by line, with the same exit status (`--why-not` included: both
/// engines list the nearest cases off the diagram of outcomes).
fn index_like_diagram(s: &mut Session, diagram: &Outcome, index: &Outcome) {
    if !Session::ok(diagram) || !Session::ok(index) {
        return;
    }
    if diagram.status() != index.status() {
        s.fail(format!(
            "`{}` exits {}, the diagram engine {}",
            index.command(),
            index.status(),
            diagram.status()
        ));
        return;
    }
    let parse = |l: &str| serde_json::from_str::<J>(l).unwrap_or(J::Null);
    let (a, b): (Vec<&str>, Vec<&str>) = (
        diagram.stdout.lines().collect(),
        index.stdout.lines().collect(),
    );
    if a.len() != b.len() {
        s.fail(format!(
            "`{}` prints {} lines, the diagram engine {}",
            index.command(),
            b.len(),
            a.len()
        ));
        return;
    }
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        let (want, got) = (eval_check::without_path(&parse(x)), parse(y));
        if want != got {
            s.fail(format!(
                "`{}` line {}: the index engine gives {got}, the diagram {want} (path aside)",
                index.command(),
                i + 1
            ));
            return;
        }
    }
}

// ----- cases --------------------------------------------------------------

/// The checks of a `--cases` batch whatever its lines: one record per line
/// that is not blank, in order, each a result or an error naming its line
/// (a line past the cap, `MAX_CASE_LINE_BYTES`, is an E0015 record too);
/// exit 1 exactly when some record is an error.
fn batch_oracle(s: &mut Session, r: &Outcome, batch: &[u8]) {
    if !Session::ok(r) {
        return;
    }
    let mut pieces: Vec<&[u8]> = batch.split(|&b| b == b'\n').collect();
    if pieces.last().is_some_and(|l| l.is_empty()) {
        pieces.pop();
    }
    let mut numbers = Vec::new();
    for (i, line) in pieces.iter().enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let blank = line.len() as u64 <= writ::load::MAX_CASE_LINE_BYTES
            && std::str::from_utf8(line).is_ok_and(|l| l.trim().is_empty());
        if !blank {
            numbers.push(i + 1);
        }
    }
    if r.status() == 2 {
        s.fail(format!(
            "`{}` exits 2 on a batch of cases: {}",
            r.command(),
            bounded::brief(&r.stderr)
        ));
        return;
    }
    let recs: Vec<&str> = r.stdout.lines().collect();
    if recs.len() != numbers.len() {
        s.fail(format!(
            "`{}` prints {} records for {} lines that are not blank",
            r.command(),
            recs.len(),
            numbers.len()
        ));
        return;
    }
    let mut errors = 0;
    for (rec, &n) in recs.iter().zip(&numbers) {
        let Ok(j) = serde_json::from_str::<J>(rec) else {
            s.fail(format!("`{}`: a record is not JSON: {rec}", r.command()));
            return;
        };
        if j.get("error").is_some() {
            errors += 1;
            if j["line"].as_u64() != Some(n as u64) || !j["error"].is_string() {
                s.fail(format!("`{}`: the record of line {n} is {j}", r.command()));
                return;
            }
        } else if j.get("outcome").is_none() && j.get("undetermined").is_none() {
            s.fail(format!(
                "`{}`: the record of line {n} is neither a result nor an error: {j}",
                r.command()
            ));
            return;
        }
    }
    if r.status() != i32::from(errors > 0) {
        s.fail(format!(
            "`{}` exits {} with {errors} error records",
            r.command(),
            r.status()
        ));
    }
}

/// One line of a generated batch.
#[derive(Clone, Debug)]
struct LineG {
    kind: u8,
    /// Values and other choices.
    picks: Vec<u16>,
    mutations: Vec<Mutation>,
}

fn line_gen() -> impl Strategy<Value = LineG> {
    (
        any::<u8>(),
        prop::collection::vec(any::<u16>(), 8),
        mutate::mutations(3, 4),
    )
        .prop_map(|(kind, picks, mutations)| LineG {
            kind,
            picks,
            mutations,
        })
}

/// The bytes of a line: a valid case (complete or partial) or one of many
/// ways to get one wrong.
fn line_bytes(l: &LineG, attrs: &[Attr]) -> Vec<u8> {
    let p = |i: usize| l.picks[i % l.picks.len()] as u64;
    let valid = |partial: bool| -> Map<String, J> {
        let mut o = Map::new();
        for (i, a) in attrs.iter().enumerate() {
            if partial && p(i + 3) % 2 == 0 {
                continue;
            }
            let v = match a.kind {
                eval_check::Kind::Int(lo, hi) => {
                    let span = (hi as i128 - lo as i128) as u128 + 1;
                    match p(i) % 3 {
                        0 => lo,
                        1 => hi,
                        _ => (lo as i128 + (p(i) as u128 * 7919 % span) as i128) as i64,
                    }
                }
                _ => (p(i) % a.size()) as i64,
            };
            o.insert(a.name.clone(), a.json(v));
        }
        o
    };
    let name = attrs
        .get(p(1) as usize % attrs.len().max(1))
        .map_or("a0".to_string(), |a| a.name.clone());
    let case = |o: Map<String, J>| J::Object(o).to_string();
    let with = |v: &str| -> String {
        let mut o = valid(false);
        o.shift_remove(&name);
        let mut text = case(o);
        text.pop();
        if text.len() > 1 {
            text.push(',');
        }
        format!("{text}\"{name}\":{v}}}")
    };
    let s: String = match l.kind % 24 {
        0..=5 => case(valid(false)),
        6 | 7 => case(valid(true)),
        8 => with("\"no_such_value\""),
        9 => with(["1.5", "5.0", "1e3", "-0", "1E2", "0.0"][p(2) as usize % 6]),
        10 => with(
            [
                "9223372036854775808",
                "-9223372036854775809",
                "18446744073709551616",
                "1e999",
                "99999999999999999999999999",
            ][p(2) as usize % 5],
        ),
        11 => with(["\"true\"", "null", "[]", "{}", "true", "0", "\"\""][p(2) as usize % 7]),
        12 => {
            // The attribute twice.
            let mut text = case(valid(false));
            text.pop();
            format!(
                "{text},\"{name}\":{}}}",
                ["true", "1", "\"x0\""][p(2) as usize % 3]
            )
        }
        13 => {
            let mut o = valid(false);
            o.insert("no_such_attribute".into(), J::from(1));
            case(o)
        }
        14 => [
            "null", "[]", "1", "\"case\"", "true", "{", "}", "{}}", "{,}", "{\"a\"}",
        ][p(2) as usize % 10]
            .to_string(),
        15 => {
            let depth = 1 + p(2) as usize % 4000;
            match p(3) % 3 {
                0 => "[".repeat(depth) + &"]".repeat(depth),
                1 => format!("{{\"{name}\":") + &"[".repeat(depth),
                _ => "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth),
            }
        }
        16 => {
            // Past the 128 KiB cap, or just under it.
            let n = if p(2) % 2 == 0 { 140_000 } else { 130_000 };
            format!("{{\"{name}\":\"{}\"}}", "x".repeat(n))
        }
        17 => ["", " ", "\t", "\r", " \u{a0} ", "\u{feff}"][p(2) as usize % 6].to_string(),
        18 => format!("\u{feff}{}", case(valid(false))),
        19 => {
            // An escaped key: the same attribute, spelt with `\u` escapes.
            let mut o = valid(false);
            let v = o.shift_remove(&name).unwrap_or(J::Null);
            let escaped: String = name
                .chars()
                .map(|c| format!("\\u{:04x}", c as u32))
                .collect();
            let mut text = case(o);
            text.pop();
            if text.len() > 1 {
                text.push(',');
            }
            format!("{text}\"{escaped}\":{v}}}")
        }
        20 => format!("{} trailing", case(valid(false))),
        21 => {
            let mut text = case(valid(false)).into_bytes();
            let at = p(2) as usize % (text.len() + 1);
            text.splice(at..at, [0xff, 0xfe]);
            return text;
        }
        _ => {
            let base = case(valid(p(2) % 2 == 0));
            let mut b = mutate::apply(base.as_bytes(), &l.mutations, mutate::JSON_WORDS, &[]);
            b.retain(|&c| c != b'\n');
            return b;
        }
    };
    s.into_bytes()
}

// ----- damaged compiled files ---------------------------------------------

/// A change to a compiled document's JSON structure.
#[derive(Clone, Debug)]
struct Damage {
    /// Selects a place in the document.
    at: u32,
    /// 0–9: replace with one of [`REPLACEMENTS`]; 10: remove; 11: copy
    /// another place over it; 12: duplicate an array element; 13: swap two
    /// array elements.
    op: u8,
    other: u32,
}

const REPLACEMENTS: [&str; 10] = [
    "null",
    "-1",
    "0",
    "9223372036854775807",
    "-9223372036854775808",
    "\"\"",
    "[]",
    "{}",
    "true",
    "1e3",
];

fn damage_gen() -> impl Strategy<Value = Damage> {
    (any::<u32>(), 0u8..14, any::<u32>()).prop_map(|(at, op, other)| Damage { at, op, other })
}

/// JSON pointers to every value of a document, root first.
fn pointers(doc: &J, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match doc {
        J::Object(o) => {
            for (k, v) in o {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(v, format!("{at}/{k}"), out);
            }
        }
        J::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn damage(doc: &mut J, d: &Damage) {
    let mut ps = Vec::new();
    pointers(doc, String::new(), &mut ps);
    let ps: Vec<String> = ps.into_iter().skip(1).collect();
    if ps.is_empty() {
        return;
    }
    let p = ps[d.at as usize % ps.len()].clone();
    let other = ps[d.other as usize % ps.len()].clone();
    let (parent, last) = p.rsplit_once('/').expect("a pointer below the root");
    match d.op {
        0..=9 => {
            if let Some(v) = doc.pointer_mut(&p) {
                *v = serde_json::from_str(REPLACEMENTS[d.op as usize]).expect("JSON");
            }
        }
        10 => match doc.pointer_mut(parent) {
            Some(J::Object(o)) => {
                o.shift_remove(&last.replace("~1", "/").replace("~0", "~"));
            }
            Some(J::Array(a)) => {
                if let Ok(i) = last.parse::<usize>()
                    && i < a.len()
                {
                    a.remove(i);
                }
            }
            _ => {}
        },
        11 => {
            if let Some(v) = doc.pointer(&other).cloned()
                && let Some(slot) = doc.pointer_mut(&p)
            {
                *slot = v;
            }
        }
        _ => {
            if let Some(J::Array(a)) = doc.pointer_mut(parent)
                && let Ok(i) = last.parse::<usize>()
                && i < a.len()
            {
                if d.op == 12 {
                    let v = a[i].clone();
                    a.insert(i, v);
                } else {
                    let j = d.other as usize % a.len();
                    a.swap(i, j);
                }
            }
        }
    }
}

/// `eval` on a compiled file, damaged or not: a case, a batch under each
/// engine that takes one, `--why-not`, text and JSON.
fn compiled_suite(s: &mut Session, file: &str, attrs: Option<&[Attr]>, seed: u64) {
    let loads = s.run(&["eval", file, "--case", "{}"]).status() == 0;
    let j = s.run(&["eval", file, "--format", "json", "--case", "{}"]);
    s.json(&j);
    let index = s.run(&["eval", file, "--engine", "index", "--case", "{}"]);
    if Session::ok(&index) && index.status() != 2 {
        s.fail(format!(
            "`{}` exits {}: a compiled file has no rules for the index",
            index.command(),
            index.status()
        ));
    }
    let Some(attrs) = attrs else { return };
    let mut rng = Rng::new(seed);
    let lines: Vec<String> = (0..6)
        .map(|k| {
            let case: Vec<Option<i64>> = attrs
                .iter()
                .map(|a| (k < 4 || rng.range(0, 1) == 0).then(|| pick_value(a, &mut rng)))
                .collect();
            eval_check::case_json(attrs, &case)
        })
        .collect();
    let batch = sibling(file, "zz_cases.jsonl");
    let bytes = lines.join("\n") + "\n";
    std::fs::write(s.dir.join(&batch), &bytes).expect("a batch");
    for engine in ["auto", "diagram"] {
        let r = s.run(&["eval", file, "--engine", engine, "--cases", &batch]);
        // A file that does not load is refused before any line is read.
        if loads {
            batch_oracle(s, &r, bytes.as_bytes());
        }
    }
    s.run(&["eval", file, "--case", &lines[0], "--format", "json"]);
    s.run(&["eval", file, "--cases", &batch, "--why-not", "o0"]);
    s.run(&["eval", file, "--cases", &batch, "--why-not", "compel"]);
}

// ----- the fixtures ---------------------------------------------------------

/// Every source under `tests/fixtures/` (but the fuzz corpus) and
/// `policies/`, as paths relative to the crate and their bytes.
fn fixtures() -> &'static [(String, Vec<u8>)] {
    static ALL: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    ALL.get_or_init(|| {
        fn walk(root: &Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) {
            let mut entries: Vec<_> = std::fs::read_dir(root.join(rel))
                .expect("a fixture folder")
                .map(|e| e.expect("an entry"))
                .collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let name = e.file_name().to_string_lossy().into_owned();
                let path = format!("{rel}/{name}");
                let ty = e.file_type().expect("a file type");
                if ty.is_dir() && name != "fuzz" {
                    walk(root, &path, out);
                } else if ty.is_file() && (name.ends_with(".policy") || name.ends_with(".vocab")) {
                    out.push((
                        path.clone(),
                        std::fs::read(root.join(&path)).expect("a fixture"),
                    ));
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        walk(root, "tests/fixtures", &mut out);
        walk(root, "policies", &mut out);
        out
    })
}

/// A project holding a copy of the fixtures and the bundled policies at
/// their own relative paths.
fn fixture_project(tag: &str) -> Project {
    let p = Project::new(tag);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(
        &root.join("tests/fixtures"),
        &p.dir().join("tests/fixtures"),
        &["fuzz"],
    );
    copy_dir(&root.join("policies"), &p.dir().join("policies"), &[]);
    p
}

// ----- running a campaign -----------------------------------------------------

/// Saves a failing input under the findings folder: its files and what
/// was wrong. Returns the folder.
fn save_finding(property: &str, files: &[(String, Vec<u8>)], problems: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Relaxed);
    let dir = findings_dir().join(format!(
        "{property}-{:x}-{}-{n}",
        common::seed(0),
        std::process::id()
    ));
    let _ = std::fs::create_dir_all(&dir);
    for (name, bytes) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, bytes);
    }
    let _ = std::fs::write(dir.join("FINDING.txt"), problems);
    dir
}

/// What one input of a property produced: the problems, and the files
/// that reproduce it.
struct Checked {
    problems: Vec<Problem>,
    files: Vec<(String, Vec<u8>)>,
}

/// Runs a property over `cases` inputs. A failure shrinks (for at most
/// `WRIT_FUZZ_SHRINK_SECONDS`, 60 by default) and fails the test with the
/// minimal input, saved under the findings folder; with
/// `WRIT_FUZZ_KEEP_GOING` every failing input is saved and the run goes
/// on, failing at the end.
fn campaign<S>(
    name: &str,
    seed: u64,
    cases: u32,
    strategy: S,
    property: impl Fn(&S::Value) -> Checked,
) where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let mut config = common::proptest_config(seed, inputs(cases));
    config.max_shrink_time = std::env::var("WRIT_FUZZ_SHRINK_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(60)
        * 1000;
    config.max_shrink_iters = 4096;
    let keep_going = flag("WRIT_FUZZ_KEEP_GOING");
    let found: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let start = std::time::Instant::now();
    let runs_before = RUNS.load(Relaxed);
    let mut runner = TestRunner::new(config);
    let known: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let ran = AtomicUsize::new(0);
    let result = runner.run(&strategy, |v| {
        ran.fetch_add(1, Relaxed);
        let c = property(&v);
        let (tolerated, failing): (Vec<Problem>, Vec<Problem>) =
            c.problems.into_iter().partition(Problem::tolerated);
        known
            .lock()
            .expect("known issues")
            .extend(tolerated.iter().filter_map(|p| p.kind));
        if failing.is_empty() {
            return Ok(());
        }
        let text = failing
            .iter()
            .map(|p| match p.kind {
                Some(k) => format!("[{k}] {}", p.text),
                None => p.text.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        if keep_going {
            let dir = save_finding(name, &c.files, &text);
            found
                .lock()
                .expect("findings")
                .push(format!("{}: {}", dir.display(), failing[0].text));
            return Ok(());
        }
        Err(TestCaseError::fail(text))
    });
    let known = known.into_inner().expect("known issues");
    let mut counts: Vec<String> = KNOWN_ISSUES
        .iter()
        .map(|k| (k, known.iter().filter(|x| *x == k).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect();
    if counts.is_empty() {
        counts.push("none".into());
    }
    eprintln!(
        "fuzz {name}: {} inputs, {} runs of writ, {:.0} s, known issues seen: {} ({})",
        ran.load(Relaxed),
        RUNS.load(Relaxed) - runs_before,
        start.elapsed().as_secs_f64(),
        counts.join(", "),
        common::reproduce(seed)
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, v)) => {
            let c = property(&v);
            let dir = save_finding(name, &c.files, &why.to_string());
            panic!(
                "{name}: {why}\n\nminimal input saved in {} ({})",
                dir.display(),
                common::reproduce(seed)
            );
        }
        Err(e) => panic!("{name}: {e} ({})", common::reproduce(seed)),
    }
    let found = found.into_inner().expect("findings");
    assert!(
        found.is_empty(),
        "{name}: {} failing inputs, saved:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Writes a rendered project into `gen/` of a project.
fn write_files(p: &Project, files: &grammar_gen::Files) {
    for (name, text) in &files.files {
        p.write(&format!("gen/{name}"), text);
    }
}

fn as_bytes(files: &grammar_gen::Files) -> Vec<(String, Vec<u8>)> {
    files
        .files
        .iter()
        .map(|(n, t)| (n.clone(), t.as_bytes().to_vec()))
        .collect()
}

/// The library's checked form of a file, when it checks cleanly.
fn clean_policy(path: &Path) -> Option<Policy> {
    let c = common::check_file(path);
    if c.error_codes().is_empty() {
        c.policy
    } else {
        None
    }
}

// ----- the properties ---------------------------------------------------------

static GEN_INTENDED: AtomicUsize = AtomicUsize::new(0);
static GEN_CLEAN: AtomicUsize = AtomicUsize::new(0);
static GEN_FLAWED: AtomicUsize = AtomicUsize::new(0);
static GEN_FLAWED_CLEAN: AtomicUsize = AtomicUsize::new(0);

fn generated(doc: &Doc) -> Checked {
    let files = doc.render();
    if flag("WRIT_FUZZ_PRINT") {
        for (name, text) in &files.files {
            eprintln!("--- {name}\n{text}");
        }
    }
    let p = Project::new("fuzz-gen");
    write_files(&p, &files);
    let mut s = Session::new(p.dir());
    let base = doc.base.as_ref().map(|_| "gen/base.policy");
    if doc.amplify.is_some() {
        // Thousands of rules: each command once, as the stress it is.
        stress_commands(&mut s, "gen/main.policy");
        return Checked {
            problems: s.problems,
            files: as_bytes(&files),
        };
    }
    let clean = every_command(&mut s, "gen/main.policy", base, doc.seed);
    for (name, _) in &files.files {
        if name != grammar_gen::ROOT {
            let f = format!("gen/{name}");
            let check = s.run(&["check", &f]);
            fmt_oracle(&mut s, &f, false, Session::ok(&check));
        }
    }
    if doc.intends_well_typed() {
        GEN_INTENDED.fetch_add(1, Relaxed);
    } else {
        GEN_FLAWED.fetch_add(1, Relaxed);
    }
    if clean && s.clean() {
        match clean_policy(&p.dir().join("gen/main.policy")) {
            Some(policy) => {
                if doc.intends_well_typed() {
                    GEN_CLEAN.fetch_add(1, Relaxed);
                } else {
                    GEN_FLAWED_CLEAN.fetch_add(1, Relaxed);
                }
                agreement(&mut s, "gen/main.policy", &policy, base, doc.seed);
            }
            None => s.fail("`writ check` passes but the library's check does not".into()),
        }
    }
    if flag("WRIT_FUZZ_PRINT") {
        let c = common::check_file(&p.dir().join("gen/main.policy"));
        eprintln!(
            "=== flaws {:?}, codes {:?}",
            doc.flaws,
            c.diagnostics
                .iter()
                .map(|d| d.code.code)
                .collect::<Vec<_>>()
        );
    }
    Checked {
        problems: s.problems,
        files: as_bytes(&files),
    }
}

#[test]
fn generated_projects() {
    campaign(
        "generated_projects",
        0x0066_757a_7a67_656e,
        40,
        grammar_gen::doc(sizes()),
        generated,
    );
    let (intended, clean) = (GEN_INTENDED.load(Relaxed), GEN_CLEAN.load(Relaxed));
    let (flawed, flawed_clean) = (GEN_FLAWED.load(Relaxed), GEN_FLAWED_CLEAN.load(Relaxed));
    eprintln!(
        "generated: {intended} meant well typed, {clean} of them check; {flawed} with a flaw, {flawed_clean} of them check; {} agreement checks, {} formatted",
        AGREEMENTS.load(Relaxed),
        FORMATTED.load(Relaxed)
    );
    // The generator is worth its time only if most of what it means to be
    // well typed checks, and most flaws are caught.
    assert!(
        clean * 2 >= intended,
        "only {clean} of {intended} well-typed projects check"
    );
    assert!(
        flawed_clean * 2 <= flawed.max(1),
        "{flawed_clean} of {flawed} flawed projects check"
    );
}

/// A mutant: which source (a fixture, or a generated project's root) and
/// the edits.
#[derive(Clone, Debug)]
struct MutantG {
    source: u16,
    generated: Option<Doc>,
    mutations: Vec<Mutation>,
}

fn mutant_gen() -> impl Strategy<Value = MutantG> {
    (
        any::<u16>(),
        prop::option::weighted(0.25, grammar_gen::doc(Sizes::CI)),
        mutate::mutations(if large() { 12 } else { 6 }, repeat_limit()),
    )
        .prop_map(|(source, generated, mutations)| MutantG {
            source,
            generated,
            mutations,
        })
}

fn mutated(m: &MutantG) -> Checked {
    let all = fixtures();
    let others: Vec<Vec<u8>> = all.iter().map(|(_, b)| b.clone()).collect();
    let p = fixture_project("fuzz-mutant");
    let (original, bytes) = match &m.generated {
        Some(doc) => {
            let files = doc.render();
            write_files(&p, &files);
            (
                "gen/main.policy".to_string(),
                files.root().as_bytes().to_vec(),
            )
        }
        None => {
            let (path, bytes) = &all[m.source as usize % all.len()];
            (path.clone(), bytes.clone())
        }
    };
    let mutant_bytes = mutate::apply(&bytes, &m.mutations, mutate::POLICY_WORDS, &others);
    let file = sibling(&original, &format!("zz_mutant.{}", extension(&original)));
    p.write(&file, &mutant_bytes);
    let mut s = Session::new(p.dir());
    let clean = every_command(&mut s, &file, Some(&original), m.source as u64);
    if clean
        && s.clean()
        && extension(&file) == "policy"
        && let Some(policy) = clean_policy(&p.dir().join(&file))
    {
        agreement(&mut s, &file, &policy, None, m.source as u64);
    }
    let mut files = vec![(file.clone(), mutant_bytes)];
    files.push((format!("{original}.original"), bytes));
    Checked {
        problems: s.problems,
        files,
    }
}

#[test]
fn mutated_sources() {
    campaign(
        "mutated_sources",
        0x0066_757a_7a6d_7574,
        48,
        mutant_gen(),
        mutated,
    );
}

/// A batch of cases for a policy: a generated one (when it checks) or the
/// eval fixture.
#[derive(Clone, Debug)]
struct BatchG {
    doc: Option<Doc>,
    lines: Vec<LineG>,
    crlf: bool,
}

fn batch_gen() -> impl Strategy<Value = BatchG> {
    (
        prop::option::weighted(0.5, grammar_gen::doc(Sizes::CI)),
        prop::collection::vec(line_gen(), 1..=16),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(doc, lines, crlf)| BatchG { doc, lines, crlf })
}

fn cases_property(b: &BatchG) -> Checked {
    let p = Project::new("fuzz-cases");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let file = match &b.doc {
        Some(doc) if doc.intends_well_typed() => {
            let f = doc.render();
            write_files(&p, &f);
            files = as_bytes(&f);
            "gen/main.policy".to_string()
        }
        _ => {
            let text =
                std::fs::read(root.join("tests/fixtures/eval/review.policy")).expect("a fixture");
            p.write("review.policy", &text);
            files.push(("review.policy".into(), text));
            "review.policy".to_string()
        }
    };
    let mut s = Session::new(p.dir());
    let Some(policy) = clean_policy(&p.dir().join(&file)) else {
        // A generated policy that does not check (a strict conflict):
        // nothing to evaluate.
        return Checked {
            problems: Vec::new(),
            files,
        };
    };
    let attrs = eval_check::attributes_of_policy(&policy);
    let sep: &[u8] = if b.crlf { b"\r\n" } else { b"\n" };
    let mut batch = Vec::new();
    for l in &b.lines {
        batch.extend(line_bytes(l, &attrs));
        batch.extend_from_slice(sep);
    }
    p.write("cases.jsonl", &batch);
    files.push(("cases.jsonl".into(), batch));
    cases_suite(&mut s, &file, "cases.jsonl", &policy);
    Checked {
        problems: s.problems,
        files,
    }
}

/// A batch of cases (`batch`, any bytes) for the policy `file`, which
/// checks (`policy`): every engine and form, from the file and from
/// standard input, with and without `--why-not`, and its first lines one
/// by one through `--case`.
fn cases_suite(s: &mut Session, file: &str, batch_file: &str, policy: &Policy) {
    let batch = std::fs::read(s.dir.join(batch_file)).expect("the batch");
    let (tree, dag) = (sibling(file, "zz_tree.json"), sibling(file, "zz_dag.json"));
    for (out, emit) in [(&tree, "tree"), (&dag, "dag")] {
        s.run(&["compile", file, "--emit", emit, "-o", out]);
    }
    let diagram = s.run(&["eval", file, "--cases", batch_file, "--engine", "diagram"]);
    batch_oracle(s, &diagram, &batch);
    let inputs: Vec<String> = batch
        .split(|&c| c == b'\n')
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let named = format!("`{batch_file}`");
    let compare = |s: &mut Session, want: &Outcome, r: &Outcome| {
        batch_oracle(s, r, &batch);
        // A line that is not UTF-8 is reported with the input's name.
        let ok = Session::ok(r);
        let mut r = as_run(r);
        r.stdout = r.stdout.replace("standard input", &named);
        if ok
            && Session::ok(want)
            && let Some(d) = eval_check::difference(&inputs, &as_run(want), &r)
        {
            s.fail(d);
        }
    };
    for (target, extra) in [
        (file, &["--engine", "auto"][..]),
        (tree.as_str(), &[][..]),
        (dag.as_str(), &[][..]),
    ] {
        let mut args = vec!["eval", target, "--cases", batch_file];
        args.extend(extra);
        let r = s.run(&args);
        compare(s, &diagram, &r);
    }
    let stdin = s.run_stdin(
        &["eval", file, "--cases", "-", "--engine", "diagram"],
        &batch,
    );
    compare(s, &diagram, &stdin);
    let index = s.run(&["eval", file, "--cases", batch_file, "--engine", "index"]);
    batch_oracle(s, &index, &batch);
    index_like_diagram(s, &diagram, &index);
    for o in &policy.decision.outcomes {
        let why = s.run(&["eval", file, "--cases", batch_file, "--why-not", o]);
        batch_oracle(s, &why, &batch);
        let why_index = s.run(&[
            "eval",
            file,
            "--cases",
            batch_file,
            "--why-not",
            o,
            "--engine",
            "index",
        ]);
        batch_oracle(s, &why_index, &batch);
        index_like_diagram(s, &why, &why_index);
        let why_dag = s.run(&["eval", &dag, "--cases", batch_file, "--why-not", o]);
        compare(s, &why, &why_dag);
    }
    // Each line on its own through `--case`, too: the first few.
    for line in batch.split(|&c| c == b'\n').take(4) {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        // A command-line argument cannot hold a NUL byte.
        if !line.trim().is_empty() && line.len() < 10_000 && !line.contains('\0') {
            s.run(&["eval", file, "--case", line]);
            s.run(&["eval", &dag, "--case", line, "--format", "json"]);
        }
    }
}

#[test]
fn malformed_cases() {
    campaign(
        "malformed_cases",
        0x0066_757a_7a63_6173,
        32,
        batch_gen(),
        cases_property,
    );
}

/// A compiled file to damage: from a generated project or a fixture, tree
/// or dag, and how.
#[derive(Clone, Debug)]
struct CompiledG {
    doc: Option<Doc>,
    source: u16,
    dag: bool,
    structural: Vec<Damage>,
    bytes: Vec<Mutation>,
}

fn compiled_gen() -> impl Strategy<Value = CompiledG> {
    (
        prop::option::weighted(0.5, grammar_gen::doc(Sizes::CI)),
        any::<u16>(),
        any::<bool>(),
        prop::collection::vec(damage_gen(), 0..=3),
        prop_oneof![
            1 => Just(Vec::new()),
            1 => mutate::mutations(4, 4),
        ],
    )
        .prop_map(|(doc, source, dag, structural, bytes)| CompiledG {
            doc,
            source,
            dag,
            structural,
            bytes,
        })
}

fn compiled_property(c: &CompiledG) -> Checked {
    let p = fixture_project("fuzz-compiled");
    let file = match &c.doc {
        Some(doc) => {
            write_files(&p, &doc.render());
            "gen/main.policy".to_string()
        }
        None => {
            let policies: Vec<&(String, Vec<u8>)> = fixtures()
                .iter()
                .filter(|(n, _)| {
                    n.ends_with(".policy")
                        && (n.contains("/compile/")
                            || n.starts_with("policies/")
                            || n.contains("/ok_"))
                })
                .collect();
            policies[c.source as usize % policies.len()].0.clone()
        }
    };
    let mut s = Session::new(p.dir());
    let emit = if c.dag { "dag" } else { "tree" };
    let compiled = s.run(&["compile", &file, "--emit", emit]);
    if compiled.status() != 0 {
        return Checked {
            problems: s.problems,
            files: Vec::new(),
        };
    }
    let Ok(mut doc) = serde_json::from_str::<J>(&compiled.stdout) else {
        s.fail(format!("`{}` printed no JSON", compiled.command()));
        return Checked {
            problems: s.problems,
            files: Vec::new(),
        };
    };
    let attrs = attributes_of(&doc);
    for d in &c.structural {
        damage(&mut doc, d);
    }
    let text = if c.source.is_multiple_of(2) {
        serde_json::to_string(&doc)
    } else {
        serde_json::to_string_pretty(&doc)
    }
    .expect("JSON");
    let damaged = mutate::apply(text.as_bytes(), &c.bytes, mutate::JSON_WORDS, &[]);
    let target = format!("zz_damaged.{emit}.json");
    p.write(&target, &damaged);
    compiled_suite(&mut s, &target, attrs.as_deref(), c.source as u64);
    Checked {
        problems: s.problems,
        files: vec![(target, damaged)],
    }
}

#[test]
fn damaged_compiled_files() {
    campaign(
        "damaged_compiled_files",
        0x0066_757a_7a63_6f6d,
        32,
        compiled_gen(),
        compiled_property,
    );
}

// ----- the regression corpus --------------------------------------------------

/// A line of `tests/fixtures/fuzz/KNOWN`: `FILE KIND [COMMAND]`.
struct Known {
    file: String,
    kind: String,
    /// For a crash, the one command CI runs on the file (a crash takes
    /// seconds to reach the limits; a long campaign runs them all), or `-`
    /// for none: the input is run in long campaigns only.
    command: Option<String>,
}

/// The crash kinds a [`Problem`] may have.
const CRASHES: [&str; 3] = ["memory", "time", "crash"];

/// The corpus's known issues (`#` starts a comment).
fn known_in_corpus(dir: &Path) -> Vec<Known> {
    let text = std::fs::read_to_string(dir.join("KNOWN")).unwrap_or_default();
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut words = l.split_whitespace();
            let file = words.next().expect("a file").to_string();
            let kind = words
                .next()
                .unwrap_or_else(|| panic!("KNOWN: `{l}` names no issue"))
                .to_string();
            let command = words.next().map(str::to_string);
            assert!(
                command.is_some() == CRASHES.contains(&kind.as_str()),
                "KNOWN: `{l}`: a crash names the command CI runs, and only a crash does"
            );
            Known {
                file,
                kind,
                command,
            }
        })
        .collect()
}

/// Every input in `tests/fixtures/fuzz/` through every command, with every
/// oracle: a `.policy` or `.vocab` as a source (and, when it checks, the
/// engines' agreement), a `.json` as a compiled file, a `.jsonl` as a
/// batch of cases for the `.policy` of the same name. An input listed in
/// `KNOWN` must still show its issue (when it is fixed, the entry goes)
/// and nothing else; every other input must show nothing.
/// The size past which CI runs fewer commands on an input of the corpus.
const LARGE_INPUT: u64 = 64 << 10;

fn corpus_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[test]
fn regression_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let known = known_in_corpus(&root);
    let p = Project::new("fuzz-corpus");
    copy_dir(&root, &p.dir().join("fuzz"), &[]);
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .expect("the corpus")
        .map(|e| e.expect("an entry"))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "KNOWN" && !n.ends_with(".md"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "the corpus holds {names:?}");
    for k in &known {
        assert!(
            names.contains(&k.file),
            "KNOWN names `{}`, which is not in the corpus",
            k.file
        );
        assert!(
            KNOWN_ISSUES.contains(&k.kind.as_str()) || CRASHES.contains(&k.kind.as_str()),
            "KNOWN: `{}` is no known issue",
            k.kind
        );
    }
    let mut failures = Vec::new();
    for name in &names {
        let rel = format!("fuzz/{name}");
        let mut s = Session::new(p.dir());
        let mine: Vec<&Known> = known.iter().filter(|k| &k.file == name).collect();
        let crash = mine.iter().find_map(|k| k.command.as_deref());
        if crash.is_some() && !bounded::have_prlimit() {
            // Without the limits the crash would be a machine out of memory.
            eprintln!("regression_corpus: `{name}` needs `prlimit`; not run");
            continue;
        }
        match extension(name) {
            // A known crash: its one command in CI, every command in a
            // long campaign.
            _ if crash.is_some() && !large() => match crash {
                Some("-") => {
                    eprintln!("regression_corpus: `{name}` runs in long campaigns only");
                    continue;
                }
                Some(command) => {
                    s.run(&[command, &rel]);
                }
                None => unreachable!("a known crash names a command"),
            },
            // A large input (the memory families) in CI: the commands
            // that compile it, each once; every command in long campaigns,
            // since each takes seconds in a debug build.
            "policy" | "vocab" if !large() && corpus_bytes(&root.join(name)) > LARGE_INPUT => {
                for command in ["check", "compile"] {
                    s.run(&[command, &rel]);
                }
            }
            "policy" | "vocab" => {
                let clean = every_command(&mut s, &rel, None, 1);
                if clean
                    && s.clean()
                    && extension(name) == "policy"
                    && let Some(policy) = clean_policy(&p.dir().join(&rel))
                {
                    agreement(&mut s, &rel, &policy, None, 1);
                }
            }
            "json" => {
                let doc =
                    serde_json::from_slice::<J>(&std::fs::read(root.join(name)).expect("a file"));
                let attrs = doc.ok().and_then(|d| attributes_of(&d));
                compiled_suite(&mut s, &rel, attrs.as_deref(), 1);
            }
            "jsonl" => {
                let stem = name.trim_end_matches(".jsonl");
                let policy_file = format!("fuzz/{stem}.policy");
                let policy = clean_policy(&p.dir().join(&policy_file)).unwrap_or_else(|| {
                    panic!("`{name}` is a batch for `{stem}.policy`, which must exist and check")
                });
                cases_suite(&mut s, &policy_file, &rel, &policy);
            }
            other => panic!("`{name}`: the corpus holds no `.{other}` inputs"),
        }
        let expected: Vec<&str> = mine.iter().map(|k| k.kind.as_str()).collect();
        for kind in &expected {
            if !s.problems.iter().any(|p| p.kind == Some(*kind)) {
                failures.push(format!(
                    "{name}: the known issue `{kind}` no longer shows; if it is fixed, remove its line from tests/fixtures/fuzz/KNOWN and record the fix in FUZZING.md"
                ));
            }
        }
        for problem in &s.problems {
            if !problem.kind.is_some_and(|k| expected.contains(&k)) {
                failures.push(format!("{name}: {}", problem.text));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
