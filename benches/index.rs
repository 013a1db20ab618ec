//! The rule index (`writ::semantics::index`) on the `wide` workload: 16
//! enum attributes, random rules, the shape that makes decision diagrams
//! explode. Run with `cargo bench --bench index`; before the timings it
//! prints the index's heap bytes per rule at each size.

use writ::check::{Domain, Policy};
use writ::semantics::Value;
use writ::semantics::index::RuleIndex;
use writ::source::SourceMap;
use writ::synth::Rng;

/// The rule counts measured.
const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];
/// Cases per timed batch: the decide benchmarks report time per case.
const BATCH: usize = 1_000;

fn main() {
    for rules in SIZES {
        let index = RuleIndex::build(&wide(rules));
        let bytes = index.heap_bytes();
        println!(
            "wide/{rules}: index heap {bytes} bytes, {:.1} bytes per rule",
            bytes as f64 / rules as f64
        );
    }
    divan::main();
}

/// The checked `wide` policy with `rules` rules.
fn wide(rules: usize) -> Policy {
    let text = writ::synth::wide(42, rules);
    writ::api::check_source(&mut SourceMap::new(), "wide.policy", &text)
        .policy
        .expect("the generator writes valid policies")
}

/// `BATCH` uniformly random cases of `policy`.
fn cases(policy: &Policy) -> Vec<Vec<Value>> {
    let mut rng = Rng::new(7);
    (0..BATCH)
        .map(|_| {
            policy
                .attributes
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

#[divan::bench(args = SIZES, sample_count = 20)]
fn build(bencher: divan::Bencher, rules: usize) {
    let policy = wide(rules);
    bencher
        .counter(divan::counter::ItemsCount::new(rules))
        .bench(|| RuleIndex::build(&policy));
}

/// Per-case time with a reused scratch: the path `writ eval --cases` takes.
#[divan::bench(args = SIZES, sample_count = 500)]
fn decide(bencher: divan::Bencher, rules: usize) {
    let policy = wide(rules);
    let index = RuleIndex::build(&policy);
    let cases = cases(&policy);
    let mut scratch = index.scratch();
    bencher
        .counter(divan::counter::ItemsCount::new(BATCH))
        .bench_local(|| {
            for case in &cases {
                divan::black_box(index.decide_into(divan::black_box(case), &mut scratch));
            }
        });
}

/// Per-case time of the convenience API, which allocates its scratch.
#[divan::bench(args = SIZES, sample_count = 500)]
fn decide_alloc(bencher: divan::Bencher, rules: usize) {
    let policy = wide(rules);
    let index = RuleIndex::build(&policy);
    let cases = cases(&policy);
    bencher
        .counter(divan::counter::ItemsCount::new(BATCH))
        .bench(|| {
            for case in &cases {
                divan::black_box(index.decide(divan::black_box(case)));
            }
        });
}
