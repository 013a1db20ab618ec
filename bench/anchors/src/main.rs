//! `cargo run --release`: for each size, checks every engine against the
//! anchors crate's own reading of the rules, then times each one and prints
//! a Markdown table of median times per case. Progress goes to stderr.
//!
//! Environment: `WRIT_BIN` (the `writ` binary, default
//! `../../target/release/writ` from this crate), `ANCHORS_SIZES` (rule
//! counts, comma-separated, default 10,100,1000,10000).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use writ_anchors::SIZES;
use writ_anchors::engines::{Cedar, Rego, Writ};
use writ_anchors::workload::Workload;

/// Cases checked per size in process (the binary is checked on the cases
/// it is timed on).
const CHECK_CASES: usize = 2_000;
/// The seed of the cases (the main crate's index bench uses 7 as well).
const CASE_SEED: u64 = 7;
/// A timed batch runs cases until it has taken at least this long, so
/// that the clock's resolution and the loop are negligible.
const BATCH_TIME: Duration = Duration::from_millis(30);
/// Timed batches per cell; the table shows their median.
const SAMPLES: usize = 25;
/// Cases per `writ eval --cases` run, when a run stays within the budget.
const E2E_CASES: usize = 10_000;
/// The longest a single timed `writ eval` run should take: N is cut so
/// that the estimated run fits.
const E2E_RUN_BUDGET: Duration = Duration::from_secs(20);
/// Timed `writ eval` runs per size (fewer when a run is long).
const E2E_RUNS: usize = 5;

/// One row of the table: median time per case of each column.
struct Row {
    rules: usize,
    cedar: Duration,
    cedar_json: Duration,
    rego: Duration,
    rego_json: Duration,
    index: Duration,
    diagram: Option<Duration>,
    e2e: EndToEnd,
}

/// The `writ eval --cases` measurements of one size.
struct EndToEnd {
    /// Cases per timed run.
    cases: usize,
    /// Median wall time of a run, divided by `cases`.
    per_case: Duration,
    /// Median wall time of a run with one case: start-up, reading and
    /// checking the policy, building its engine.
    one_case: Duration,
}

fn main() {
    let sizes = sizes();
    let bin = writ_bin();
    assert!(
        bin.is_file(),
        "no writ binary at {}: run `cargo build --release` at the repository root, or set WRIT_BIN",
        bin.display()
    );
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/anchors-data");
    std::fs::create_dir_all(&data).expect("the data directory can be created");
    let load_before = load_average();
    let mut rows = Vec::new();
    for rules in sizes {
        rows.push(measure(rules, &bin, &data));
    }
    println!(
        "load average before: {load_before}, after: {}",
        load_average()
    );
    println!();
    print_table(&rows);
}

/// Checks and times every engine on the `wide` workload with `rules` rules.
fn measure(rules: usize, bin: &Path, data: &Path) -> Row {
    eprintln!("== {rules} rules");
    let w = Workload::wide(rules);
    let (cedar, mut rego, mut writ) = (
        timed("cedar: parse policies", || Cedar::new(&w)),
        timed("regorus: parse module", || Rego::new(&w)),
        timed("writ: check, build the index", || Writ::new(&w)),
    );
    match timed("writ: compile the diagram", || writ.try_diagram()) {
        Some(d) => eprintln!("   diagram: {} nodes", d.size()),
        None => eprintln!(
            "   diagram: none within {} nodes",
            writ_anchors::engines::DIAGRAM_BUDGET
        ),
    }

    let cases = w.cases(CHECK_CASES, CASE_SEED);
    let expected: Vec<bool> = cases.iter().map(|c| w.allows(c)).collect();
    let lines: Vec<String> = cases.iter().map(|c| w.case_json(c).to_string()).collect();
    let requests: Vec<_> = cases.iter().map(|c| cedar.request(c)).collect();
    let inputs: Vec<_> = lines.iter().map(|l| Rego::input(l)).collect();
    let values: Vec<_> = cases.iter().map(|c| Writ::input(c)).collect();
    for (i, &want) in expected.iter().enumerate() {
        let line = &lines[i];
        let got = [
            ("cedar", cedar.allows_checked(&requests[i])),
            (
                "cedar from JSON",
                cedar.allows_checked(&cedar.request_from_json(line)),
            ),
            ("regorus", rego.allows(&inputs[i])),
            ("regorus from JSON", rego.allows_json(line)),
            ("writ index", writ.index_allows(&values[i])),
        ];
        for (engine, answer) in got {
            assert_eq!(answer, want, "{engine} disagrees on case {line}");
        }
        if let Some(answer) = writ.diagram_allows(&values[i]) {
            assert_eq!(answer, want, "writ diagram disagrees on case {line}");
        }
    }
    let allowed = expected.iter().filter(|&&a| a).count();
    eprintln!("   in process: {CHECK_CASES} cases agree ({allowed} allowed)");

    let n = cases.len();
    let row = Row {
        rules,
        cedar: per_case(n, |i| {
            black_box(cedar.allows(&requests[i]));
        }),
        cedar_json: per_case(n, |i| {
            black_box(cedar.allows(&cedar.request_from_json(&lines[i])));
        }),
        rego: per_case(n, |i| {
            black_box(rego.allows(&inputs[i]));
        }),
        rego_json: per_case(n, |i| {
            black_box(rego.allows_json(&lines[i]));
        }),
        index: per_case(n, |i| {
            black_box(writ.index_allows(&values[i]));
        }),
        diagram: writ.diagram.is_some().then(|| {
            per_case(n, |i| {
                black_box(writ.diagram_allows(&values[i]));
            })
        }),
        e2e: end_to_end(&w, bin, data),
    };
    eprintln!("   timed");
    row
}

/// Median time per case over [`SAMPLES`] batches of `run(i)`, cycling
/// through cases `0..n`. Calibrating the batch size doubles as warm-up.
fn per_case(n: usize, mut run: impl FnMut(usize)) -> Duration {
    let mut next = 0;
    let mut step = || {
        run(next);
        next = (next + 1) % n;
    };
    let start = Instant::now();
    let mut batch = 0u32;
    while start.elapsed() < BATCH_TIME {
        step();
        batch += 1;
    }
    let mut samples: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                step();
            }
            t.elapsed() / batch
        })
        .collect();
    median(&mut samples)
}

/// Times `writ eval --cases` on one case, then on a probe of a few cases
/// to estimate the cost per case, then on up to [`E2E_CASES`] cases: as
/// many as fit [`E2E_RUN_BUDGET`]. Every run's answers are checked.
fn end_to_end(w: &Workload, bin: &Path, data: &Path) -> EndToEnd {
    let rules = w.rules.len();
    let policy = data.join(format!("wide-{rules}.policy"));
    std::fs::write(&policy, &w.text).expect("the policy can be written");
    let policy = policy.as_path();
    // The first `n` cases of the one seeded sequence, written once; the
    // closure returned runs and checks the binary on them.
    let prepare = |n: usize| {
        let cases = w.cases(n, CASE_SEED);
        let expected: Vec<bool> = cases.iter().map(|c| w.allows(c)).collect();
        let path = data.join(format!("wide-{rules}-{n}.jsonl"));
        let text: String = cases
            .iter()
            .map(|c| w.case_json(c).to_string() + "\n")
            .collect();
        std::fs::write(&path, text).expect("the cases can be written");
        move || eval_cases(bin, policy, &path, &expected)
    };

    let one = prepare(1);
    let mut ones: Vec<Duration> = (0..E2E_RUNS).map(|_| one()).collect();
    let one_case = median(&mut ones);
    // A probe of about two seconds; `one_case` overestimates a case's cost
    // (it includes start-up), so the probe never runs long.
    let probe_cases =
        (Duration::from_secs(2).as_nanos() / one_case.as_nanos().max(1)).clamp(10, 1_000) as usize;
    let probe = prepare(probe_cases)();
    let estimate = probe / probe_cases as u32;
    let budgeted = (E2E_RUN_BUDGET.as_nanos() / estimate.as_nanos().max(1)) as usize;
    let cases = round_down(E2E_CASES.min(budgeted).max(1));
    if cases < E2E_CASES {
        eprintln!(
            "   writ eval: {estimate:.2?} per case in a probe of {probe_cases}; \
             N cut to {cases} so that a run stays near {E2E_RUN_BUDGET:?}"
        );
    }
    let runs = if estimate * cases as u32 > Duration::from_secs(5) {
        3
    } else {
        E2E_RUNS
    };
    let many = prepare(cases);
    let mut times: Vec<Duration> = (0..runs).map(|_| many()).collect();
    eprintln!("   writ eval: {runs} runs of {cases} cases agree");
    EndToEnd {
        cases,
        per_case: median(&mut times) / cases as u32,
        one_case,
    }
}

/// `n` rounded down to two significant digits, so N reads as chosen.
fn round_down(n: usize) -> usize {
    let unit = 10usize.pow(n.max(1).ilog10().saturating_sub(1));
    n / unit * unit
}

/// Runs `writ eval POLICY --cases CASES`, returns its wall time and checks
/// every output line's `outcome` against `expected`.
fn eval_cases(bin: &Path, policy: &Path, cases: &Path, expected: &[bool]) -> Duration {
    let start = Instant::now();
    let out = Command::new(bin)
        .arg("eval")
        .arg(policy)
        .arg("--cases")
        .arg(cases)
        .output()
        .expect("the writ binary runs");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "writ eval failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("writ writes UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), expected.len(), "one output line per case");
    for (i, (line, &want)) in lines.iter().zip(expected).enumerate() {
        let record: serde_json::Value = serde_json::from_str(line).expect("JSON Lines out");
        let want = if want { "allow" } else { "deny" };
        assert_eq!(
            record["outcome"].as_str(),
            Some(want),
            "writ eval disagrees on case {} of {}: {line}",
            i + 1,
            cases.display()
        );
    }
    elapsed
}

/// Runs `f`, reporting its wall time on stderr.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    eprintln!("   {what}: {:.2?}", start.elapsed());
    value
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// `ANCHORS_SIZES`, or [`SIZES`].
fn sizes() -> Vec<usize> {
    match std::env::var("ANCHORS_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .expect("ANCHORS_SIZES: comma-separated rule counts")
            })
            .collect(),
        Err(_) => SIZES.to_vec(),
    }
}

/// `WRIT_BIN`, or the root crate's release binary.
fn writ_bin() -> PathBuf {
    std::env::var_os("WRIT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/writ"))
}

/// The first three fields of `/proc/loadavg`, or `?` off Linux.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn print_table(rows: &[Row]) {
    println!(
        "| rules | cedar | cedar incl. context from JSON | regorus | regorus incl. input from JSON \
         | writ index | writ diagram | writ eval --cases, per case (N) | writ eval, one case |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} |",
            thousands(r.rules),
            show(r.cedar),
            show(r.cedar_json),
            show(r.rego),
            show(r.rego_json),
            show(r.index),
            r.diagram.map_or("no diagram".into(), show),
            show(r.e2e.per_case),
            thousands(r.e2e.cases),
            show(r.e2e.one_case),
        );
    }
}

/// A duration to three significant digits in ns, µs, ms or s.
fn show(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    let (value, unit) = match ns {
        x if x < 1e3 => (x, "ns"),
        x if x < 1e6 => (x / 1e3, "µs"),
        x if x < 1e9 => (x / 1e6, "ms"),
        x => (x / 1e9, "s"),
    };
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$} {unit}")
}

/// `10,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
