//! The reports: `writ test` with and without `--coverage`, and
//! `writ compile --emit svg`. Run with `cargo bench --bench reports`.
//!
//! * `tests` and `tests_with_coverage`: `synth::decision_table(42, n)` with
//!   `n / 10` tests appended (each a `given` over two attributes), on the
//!   policy's compiled diagram (compilation is outside the timing, as
//!   `writ test` reuses the diagram that checking built). The difference
//!   between the two is what `--coverage` adds: the union of the `given`s,
//!   one product with the diagram, and the uncovered regions.
//! * `svg`: each bundled policy's diagram laid out and written as SVG
//!   (compilation outside the timing); its number of boxes is printed on
//!   stderr.

use std::path::Path;
use writ::check::Policy;
use writ::compile::{self, Diagram, Options};
use writ::source::SourceMap;

fn main() {
    divan::main();
}

/// A decision table with a tenth as many tests as rules. The expectations
/// are arbitrary (most tests fail): coverage counts what the `given`s
/// reach, whatever the tests expect.
fn with_tests(n: usize) -> Policy {
    let mut text = writ::synth::decision_table(42, n);
    for t in 0..n / 10 {
        let a = t % 6;
        let v = t % 4;
        let amount = (t * 37) % 1000;
        text.push_str(&format!(
            "test \"t{t}\": given a{a} = v{v} and amount >= {amount} expect approve\n"
        ));
    }
    writ::api::check_source(&mut SourceMap::new(), "bench.policy", &text)
        .policy
        .expect("synthetic policies check cleanly")
}

fn diagram(p: &Policy) -> Diagram {
    compile::on_big_stack(|| compile::compile(p, &Options::default())).expect("compiles")
}

#[divan::bench(args = [100, 1_000, 5_000], sample_count = 5, sample_size = 1, max_time = 30)]
fn tests(bencher: divan::Bencher, n: usize) {
    let p = with_tests(n);
    let all: Vec<usize> = (0..p.tests.len()).collect();
    bencher
        .with_inputs(|| diagram(&p))
        .bench_local_values(|mut d| writ::testing::run_selected(&p, &mut d, &all));
}

#[divan::bench(args = [100, 1_000, 5_000], sample_count = 5, sample_size = 1, max_time = 30)]
fn tests_with_coverage(bencher: divan::Bencher, n: usize) {
    let p = with_tests(n);
    let all: Vec<usize> = (0..p.tests.len()).collect();
    bencher
        .with_inputs(|| diagram(&p))
        .bench_local_values(|mut d| {
            let results = writ::testing::run_selected(&p, &mut d, &all);
            let coverage =
                writ::analysis::coverage::coverage_of(&p, &mut d, &all).expect("within budget");
            (results, coverage)
        });
}

const BUNDLED: [&str; 7] = [
    "sca_2703",
    "magistrate_2014",
    "microsoft_2014",
    "district_2014",
    "second_circuit_2016",
    "google_edpa_2017",
    "cloud_act_2018",
];

#[divan::bench(args = BUNDLED, sample_count = 20)]
fn svg(bencher: divan::Bencher, name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policies")
        .join(format!("{name}.policy"));
    let mut map = SourceMap::new();
    let report = writ::api::check_file(&mut map, &path).expect("bundled policies load");
    let policy = report.policy.expect("bundled policies check");
    let d = report.diagram.unwrap_or_else(|| diagram(&policy));
    let header = writ::names::Header::from_policy(&policy, &map);
    let boxes = writ::render::svg::picture(&header, &d)
        .expect("fits")
        .boxes
        .len();
    eprintln!("svg {name}: {boxes} boxes");
    bencher.bench_local(|| writ::render::svg::tree(&header, &d).expect("fits"));
}
