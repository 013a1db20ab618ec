//! Evaluation in process: deciding pre-parsed complete cases on the
//! read-only diagram (`writ::eval::flat::Flat`), on the manager's own
//! diagram walk, by the naive scan of the rules (the reference
//! interpreter) and on the rule index; full explanations (verdict, path,
//! smallest sufficient reason) through `writ::eval::Evaluator`; and the
//! strict workload's verification compile. Run with
//! `cargo bench --bench eval`; figures in BENCHMARKS.md.

use divan::counter::ItemsCount;
use writ::check::{Domain, Policy};
use writ::compile::{Diagram, Options};
use writ::eval::flat::Flat;
use writ::eval::{Evaluator, Scratch};
use writ::semantics::Value;
use writ::semantics::index::RuleIndex;
use writ::semantics::interp::Interpreter;
use writ::source::SourceMap;
use writ::synth::{self, Rng};

const SEED: u64 = 42;
/// Cases per timed batch: every figure is per case.
const BATCH: usize = 1_000;

fn main() {
    divan::main();
}

fn policy(text: &str) -> Policy {
    writ::api::check_source(&mut SourceMap::new(), "bench.policy", text)
        .policy
        .expect("the generators write valid policies")
}

fn workload(name: &str) -> Policy {
    let (kind, n) = name.split_once('/').expect("kind/n");
    let n: usize = n.parse().expect("a rule count");
    policy(&match kind {
        "wide" => synth::wide(SEED, n),
        "strict" => synth::strict(SEED, n),
        _ => synth::decision_table(SEED, n),
    })
}

fn diagram(p: &Policy) -> Diagram {
    let options = Options {
        max_nodes: 2_000_000,
        ..Options::default()
    };
    writ::compile::compile(p, &options).expect("fits the budget")
}

/// `BATCH` uniformly random complete cases.
fn cases(p: &Policy) -> Vec<Vec<Value>> {
    let mut rng = Rng::new(7);
    (0..BATCH)
        .map(|_| {
            p.attributes
                .iter()
                .map(|a| match a.domain {
                    Domain::Enum { ref values, .. } => {
                        rng.range(0, values.len() as u64 - 1) as Value
                    }
                    Domain::Bool => rng.range(0, 1) as Value,
                    Domain::Int { lo, hi } => lo + (rng.next_u64() % (hi - lo + 1) as u64) as Value,
                })
                .collect()
        })
        .collect()
}

/// The workloads whose diagram fits: `wide` only at 10 rules.
const DIAGRAM_WORKLOADS: [&str; 4] = [
    "wide/10",
    "decision_table/500",
    "decision_table/1000",
    "strict/200",
];

#[divan::bench(args = DIAGRAM_WORKLOADS)]
fn decide_flat(bencher: divan::Bencher, name: &str) {
    let p = workload(name);
    let flat = Flat::new(&diagram(&p), p.decision.outcomes.len());
    let cases = cases(&p);
    bencher.counter(ItemsCount::new(cases.len())).bench(|| {
        cases
            .iter()
            .filter(|c| divan::black_box(flat.decide(c)).outcome().is_some())
            .count()
    });
}

#[divan::bench(args = DIAGRAM_WORKLOADS)]
fn decide_manager_walk(bencher: divan::Bencher, name: &str) {
    let p = workload(name);
    let d = diagram(&p);
    let cases = cases(&p);
    bencher.counter(ItemsCount::new(cases.len())).bench(|| {
        cases
            .iter()
            .filter(|c| divan::black_box(d.decide(c)).outcome().is_some())
            .count()
    });
}

#[divan::bench(args = DIAGRAM_WORKLOADS)]
fn decide_naive_scan(bencher: divan::Bencher, name: &str) {
    let p = workload(name);
    let interp = Interpreter::new(&p);
    let cases = cases(&p);
    bencher.counter(ItemsCount::new(cases.len())).bench(|| {
        cases
            .iter()
            .filter(|c| divan::black_box(interp.decide(c)).outcome().is_some())
            .count()
    });
}

#[divan::bench(args = ["wide/10", "wide/100", "wide/1000", "wide/10000", "decision_table/500"])]
fn decide_index(bencher: divan::Bencher, name: &str) {
    let p = workload(name);
    let index = RuleIndex::build(&p);
    let mut scratch = index.scratch();
    let cases = cases(&p);
    bencher
        .counter(ItemsCount::new(cases.len()))
        .bench_local(|| {
            cases
                .iter()
                .filter(|c| {
                    divan::black_box(index.decide_into(c, &mut scratch))
                        .outcome()
                        .is_some()
                })
                .count()
        });
}

/// Full explanations on the diagram: verdict, path, smallest reason.
#[divan::bench(args = ["wide/10", "decision_table/500", "strict/200"], sample_count = 20)]
fn explain_diagram(bencher: divan::Bencher, name: &str) {
    let p = workload(name);
    let e = Evaluator::on_diagram(&diagram(&p), p.decision.outcomes.len());
    let mut s = Scratch::default();
    let cases: Vec<Vec<Option<Value>>> = cases(&p)
        .into_iter()
        .map(|c| c.into_iter().map(Some).collect())
        .collect();
    bencher
        .counter(ItemsCount::new(cases.len()))
        .bench_local(|| {
            for c in &cases {
                divan::black_box(e.evaluate(c, None, &mut s).expect("evaluates"));
            }
        });
}

/// Full explanations on the index, without a diagram of outcomes (the
/// greedy, subset-minimal reason).
#[divan::bench(args = ["wide/100", "wide/1000"], sample_count = 5, sample_size = 1)]
fn explain_index(bencher: divan::Bencher, name: &str) {
    let p = workload(name);
    let index = RuleIndex::build(&p);
    let e = Evaluator::on_index(&p, &index, None, 1_000_000);
    let mut s = Scratch::default();
    let cases: Vec<Vec<Option<Value>>> = cases(&p)
        .into_iter()
        .map(|c| c.into_iter().map(Some).collect())
        .collect();
    bencher
        .counter(ItemsCount::new(cases.len()))
        .bench_local(|| {
            for c in &cases {
                divan::black_box(e.evaluate(c, None, &mut s).expect("evaluates"));
            }
        });
}

/// Checking a strict policy: parse, check, and the verification compile
/// that proves no case conflicts.
#[divan::bench(args = [100, 1_000], sample_count = 5, sample_size = 1)]
fn check_strict(bencher: divan::Bencher, n: usize) {
    let text = synth::strict(SEED, n);
    bencher.bench(|| {
        let r = writ::api::check_source(&mut SourceMap::new(), "strict.policy", &text);
        assert!(r.policy.is_some(), "{:?}", r.diagnostics);
    });
}
