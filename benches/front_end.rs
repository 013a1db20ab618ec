//! Parse + check of generated decision-table policies (issue: front end).
//! Run with `cargo bench --bench front_end`.

use writ::source::SourceMap;

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn parse_and_check(bencher: divan::Bencher, rules: usize) {
    let text = writ::synth::decision_table(42, rules);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            let mut map = SourceMap::new();
            let report = writ::api::check_source(&mut map, "bench.policy", &text);
            assert!(report.policy.is_some());
            report
        });
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn parse_only(bencher: divan::Bencher, rules: usize) {
    let text = writ::synth::decision_table(42, rules);
    bencher.bench(|| writ::syntax::parse(writ::source::FileId(0), &text));
}
