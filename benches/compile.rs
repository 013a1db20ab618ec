//! Compilation to a decision diagram, and deciding cases on it.
//! Run with `cargo bench --bench compile`.
//!
//! * `decision_table`: `synth::decision_table(42, n)` (7 attributes,
//!   `resolve first`), compiled in declaration order.
//! * `wide`: `synth::wide(42, n)` (16 enum attributes, `resolve priority`),
//!   with the default budget of 10,000,000 nodes: either the diagram, or how
//!   fast compilation stops at the budget.
//! * `decide`: 1,000 random pre-parsed cases decided on a diagram, where
//!   it fits the budget.
//!
//! The sizes (nodes of the diagram, nodes the manager made, bytes) or where
//! compilation stopped are printed once per workload on stderr, within its
//! row of the table.

use divan::counter::ItemsCount;
use std::sync::Once;
use writ::check::{Domain, Policy};
use writ::compile::{self, CompileError, Diagram, Options};
use writ::semantics::Value;
use writ::source::SourceMap;
use writ::synth::{self, Rng};

const SEED: u64 = 42;

fn main() {
    divan::main();
}

fn policy(text: &str) -> Policy {
    writ::api::check_source(&mut SourceMap::new(), "bench.policy", text)
        .policy
        .expect("synthetic policies check cleanly")
}

/// Compiles on a large stack, as the CLI does.
fn build(p: &Policy, options: &Options) -> Result<Diagram, CompileError> {
    compile::on_big_stack(|| compile::compile(p, options))
}

fn describe(workload: &str, n: usize, result: &Result<Diagram, CompileError>) {
    match result {
        Ok(d) => eprintln!(
            "{workload} n={n}: diagram {} nodes, manager {} nodes, {:.1} MiB",
            d.size(),
            d.mdd.len(),
            d.mdd.heap_bytes() as f64 / (1 << 20) as f64
        ),
        Err(e) => eprintln!("{workload} n={n}: stops: {e}"),
    }
}

/// Compiles, and prints the sizes once, from the first measured run: a
/// separate compilation just for the sizes would double the run time of
/// the slowest benchmarks.
fn bench_compile(bencher: divan::Bencher, workload: &str, n: usize, p: &Policy, options: &Options) {
    let once = Once::new();
    bencher.bench(|| {
        let result = build(p, options);
        once.call_once(|| describe(workload, n, &result));
        result
    });
}

// Each compile takes seconds (one `apply` over the whole diagram per rule),
// so few samples, and `max_time` bounds the whole run.
#[divan::bench(args = [500, 1_000, 5_000], sample_count = 5, sample_size = 1, max_time = 20)]
fn decision_table(bencher: divan::Bencher, n: usize) {
    let p = policy(&synth::decision_table(SEED, n));
    bench_compile(bencher, "decision_table", n, &p, &Options::default());
}

fn wide_options() -> Options {
    Options {
        max_nodes: 10_000_000,
        ..Options::default()
    }
}

// From 100 rules on, compilation stops at the budget; that takes minutes,
// so a single sample.
#[divan::bench(args = [10, 100, 1_000, 10_000], sample_count = 5, sample_size = 1, max_time = 10)]
fn wide(bencher: divan::Bencher, n: usize) {
    let p = policy(&synth::wide(SEED, n));
    bench_compile(bencher, "wide", n, &p, &wide_options());
}

/// `count` random cases of `p`, each value uniform over its attribute's
/// domain.
fn random_cases(p: &Policy, count: usize) -> Vec<Vec<Value>> {
    let mut rng = Rng::new(SEED);
    (0..count)
        .map(|_| {
            p.attributes
                .iter()
                .map(|a| match &a.domain {
                    Domain::Enum { values, .. } => rng.range(0, values.len() as u64 - 1) as Value,
                    Domain::Bool => rng.range(0, 1) as Value,
                    Domain::Int { lo, hi } => lo + rng.range(0, (hi - lo) as u64) as Value,
                })
                .collect()
        })
        .collect()
}

/// Deciding 1,000 random pre-parsed cases on a compiled diagram, for the
/// workloads whose diagram fits the budget (`wide` fits only at 10 rules).
#[divan::bench(args = ["wide/10", "decision_table/500", "decision_table/1000"])]
fn decide(bencher: divan::Bencher, workload: &str) {
    let (name, n) = workload.split_once('/').expect("workload/n");
    let n: usize = n.parse().expect("a number of rules");
    let text = match name {
        "wide" => synth::wide(SEED, n),
        _ => synth::decision_table(SEED, n),
    };
    let p = policy(&text);
    let d = build(&p, &wide_options()).expect("fits the budget");
    let cases = random_cases(&p, 1_000);
    bencher.counter(ItemsCount::new(cases.len())).bench(|| {
        cases
            .iter()
            .filter(|c| divan::black_box(d.decide(c)).outcome().is_some())
            .count()
    });
}
