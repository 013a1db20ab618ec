//! The in-process columns of the anchors table under divan, for its
//! statistics (`cargo bench`). Each iteration decides one case, cycling
//! through the same cases `cargo run --release` checks and times; the
//! answers are checked there, not here.

use divan::{Bencher, black_box};
use writ_anchors::SIZES;
use writ_anchors::engines::{Cedar, Rego, Writ};
use writ_anchors::workload::{Case, Workload};

/// Cases cycled through per benchmark.
const CASES: usize = 2_000;

fn main() {
    divan::main();
}

/// The workload with `rules` rules and its cases.
fn setup(rules: usize) -> (Workload, Vec<Case>) {
    let w = Workload::wide(rules);
    let cases = w.cases(CASES, 7);
    (w, cases)
}

/// Calls `f` on case 0, 1, 2, ... of `inputs`, one case per iteration.
fn cycle<T>(bencher: Bencher, inputs: &[T], mut f: impl FnMut(&T) -> bool) {
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % inputs.len();
        f(black_box(&inputs[i]))
    });
}

#[divan::bench(args = SIZES)]
fn cedar(bencher: Bencher, rules: usize) {
    let (w, cases) = setup(rules);
    let cedar = Cedar::new(&w);
    let requests: Vec<_> = cases.iter().map(|c| cedar.request(c)).collect();
    cycle(bencher, &requests, |r| cedar.allows(r));
}

#[divan::bench(args = SIZES)]
fn cedar_incl_context_from_json(bencher: Bencher, rules: usize) {
    let (w, cases) = setup(rules);
    let cedar = Cedar::new(&w);
    let lines: Vec<_> = cases.iter().map(|c| w.case_json(c).to_string()).collect();
    cycle(bencher, &lines, |l| {
        cedar.allows(&cedar.request_from_json(l))
    });
}

#[divan::bench(args = SIZES)]
fn regorus(bencher: Bencher, rules: usize) {
    let (w, cases) = setup(rules);
    let mut rego = Rego::new(&w);
    let lines: Vec<_> = cases.iter().map(|c| w.case_json(c).to_string()).collect();
    let inputs: Vec<_> = lines.iter().map(|l| Rego::input(l)).collect();
    cycle(bencher, &inputs, |i| rego.allows(i));
}

#[divan::bench(args = SIZES)]
fn regorus_incl_input_from_json(bencher: Bencher, rules: usize) {
    let (w, cases) = setup(rules);
    let mut rego = Rego::new(&w);
    let lines: Vec<_> = cases.iter().map(|c| w.case_json(c).to_string()).collect();
    cycle(bencher, &lines, |l| rego.allows_json(l));
}

#[divan::bench(args = SIZES)]
fn writ_index(bencher: Bencher, rules: usize) {
    let (w, cases) = setup(rules);
    let mut writ = Writ::new(&w);
    let values: Vec<_> = cases.iter().map(|c| Writ::input(c)).collect();
    cycle(bencher, &values, |v| writ.index_allows(v));
}

/// Only 10 rules: from 100 rules on the diagram does not fit its budget
/// (`cargo run --release` reports this for every size).
#[divan::bench(args = [10])]
fn writ_diagram(bencher: Bencher, rules: usize) {
    let (w, cases) = setup(rules);
    let mut writ = Writ::new(&w);
    writ.try_diagram()
        .expect("10 rules compile within the budget");
    let values: Vec<_> = cases.iter().map(|c| Writ::input(c)).collect();
    cycle(bencher, &values, |v| {
        writ.diagram_allows(v).expect("a diagram")
    });
}
