//! The analyses: `writ lint` and `writ diff`.
//! Run with `cargo bench --bench analysis`.
//!
//! * `lint`: the lints at their default levels (what `writ lint` runs) on
//!   `synth::decision_table(42, n)`, compilation included. Each lint's share
//!   of one run is printed once per size on stderr.
//! * `lint_all`: every lint, including `partly-masked` and `overlap`, which
//!   are allowed by default: on a random table almost every pair of rules
//!   overlaps, so they report tens of thousands of regions.
//! * `diff`: two `decision_table(42, 1_000)` policies, the second with the
//!   outcome of every hundredth rule changed (1% of the rules), compiled
//!   into one manager and compared; and the same with `--reasons`.

use std::sync::Once;
use writ::analysis::{diff, lint};
use writ::check::Policy;
use writ::source::SourceMap;
use writ::synth;

const SEED: u64 = 42;

fn main() {
    divan::main();
}

fn policy(text: &str) -> Policy {
    writ::api::check_source(&mut SourceMap::new(), "bench.policy", text)
        .policy
        .expect("synthetic policies check cleanly")
}

fn all_lints() -> lint::Options {
    lint::Options {
        levels: lint::Levels::from_flags(&[], &["partly-masked".into(), "overlap".into()], &[])
            .expect("known lints"),
        ..lint::Options::default()
    }
}

#[divan::bench(args = [1_000, 5_000], sample_count = 5, sample_size = 1, max_time = 30)]
fn lint(bencher: divan::Bencher, n: usize) {
    run_lints(bencher, n, &lint::Options::default());
}

#[divan::bench(args = [100, 300], sample_count = 3, sample_size = 1, max_time = 30)]
fn lint_all(bencher: divan::Bencher, n: usize) {
    run_lints(bencher, n, &all_lints());
}

fn run_lints(bencher: divan::Bencher, n: usize, options: &lint::Options) {
    let p = policy(&synth::decision_table(SEED, n));
    let once = Once::new();
    bencher.bench(|| {
        let (found, timings) =
            writ::compile::on_big_stack(|| lint::lint_timed(&p, options)).expect("compiles");
        once.call_once(|| {
            let total: std::time::Duration = timings.compile
                + timings
                    .lints
                    .iter()
                    .map(|(_, t)| *t)
                    .sum::<std::time::Duration>();
            let mut line = format!(
                "lint n={n}: {} diagnostics; compile {:.0}%",
                found.len(),
                100.0 * timings.compile.as_secs_f64() / total.as_secs_f64()
            );
            for (code, t) in &timings.lints {
                line.push_str(&format!(
                    ", {} {:.0}%",
                    code.name,
                    100.0 * t.as_secs_f64() / total.as_secs_f64()
                ));
            }
            eprintln!("{line}");
        });
        found
    });
}

/// `decision_table(SEED, n)` with the outcome of every hundredth rule
/// changed.
fn changed(n: usize) -> String {
    synth::decision_table(SEED, n)
        .lines()
        .map(|line| {
            let hundredth = line
                .strip_prefix("rule r")
                .and_then(|rest| rest.split(':').next())
                .and_then(|i| i.parse::<usize>().ok())
                .is_some_and(|i| i % 100 == 0);
            if !hundredth {
                return line.to_string();
            }
            if line.contains("then approve") {
                line.replace("then approve", "then reject")
            } else if line.contains("then reject") {
                line.replace("then reject", "then review")
            } else {
                line.replace("then review", "then approve")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The comparison alone: both policies are compiled into one manager
/// (`diff::prepare`, outside the timing), then compared.
#[divan::bench(args = [false, true], sample_count = 10, sample_size = 1, max_time = 30)]
fn diff_1000(bencher: divan::Bencher, reasons: bool) {
    let old = policy(&synth::decision_table(SEED, 1_000));
    let new = policy(&changed(1_000));
    let options = diff::Options {
        reasons,
        ..diff::Options::default()
    };
    let once = Once::new();
    bencher
        .with_inputs(|| diff::prepare(&old, &new, &options).expect("compiles"))
        .bench_local_refs(|prepared| {
            let r = diff::compare(prepared, &options).expect("compares");
            once.call_once(|| {
                eprintln!(
                    "diff reasons={reasons}: {} of {} cases differ, {} regions, {} reason regions",
                    r.differing,
                    r.cases,
                    r.changes.len(),
                    r.reasons.len()
                )
            });
            r
        });
}

/// Joining and compiling both policies: what `diff_1000` leaves out.
#[divan::bench(sample_count = 10, sample_size = 1, max_time = 30)]
fn diff_1000_prepare(bencher: divan::Bencher) {
    let old = policy(&synth::decision_table(SEED, 1_000));
    let new = policy(&changed(1_000));
    let options = diff::Options::default();
    bencher.bench(|| diff::prepare(&old, &new, &options).expect("compiles"));
}
