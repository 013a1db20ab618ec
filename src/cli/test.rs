//! `writ test`: each policy's tests, checked exhaustively on its diagram
//! (`writ::testing`), optionally only those `--run` selects, and with
//! `--coverage` the exact coverage (`writ::analysis::coverage`). Text gives
//! one line per test and the totals, and JUnit an XML report, with check
//! errors and a diagram past its budget as diagnostics on stderr; JSON
//! gives one document on stdout with the diagnostics inside it.

use super::{Exit, Format, Reporter, check_input, io};
use std::path::PathBuf;
use writ::analysis::coverage::{self, Coverage, MinCoverage};
use writ::api::Purpose;
use writ::diag::Diagnostic;
use writ::render::test::FileReport;
use writ::testing::{Failure, TestResult};

/// `--format` of `writ test`.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
enum TestFormat {
    /// Human-readable text; diagnostics on stderr.
    Text,
    /// One JSON document on stdout (SPEC section 6).
    Json,
    /// JUnit XML on stdout, for CI test reports; diagnostics also on stderr.
    Junit,
}

/// The arguments of `writ test`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy files whose tests to run (`-` reads standard input).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Text, one JSON document on stdout (SPEC section 6), or JUnit XML on stdout.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    format: TestFormat,
    /// Run only the tests whose name contains PATTERN (case-sensitive, as `cargo test FILTER`).
    #[arg(long, value_name = "PATTERN")]
    run: Option<String>,
    /// Also report exact coverage: per rule, for the policy, and the uncovered cases as conditions.
    #[arg(long)]
    coverage: bool,
    /// With `--coverage`: exit 1 when a policy covers less than PCT percent of its cases (compared exactly).
    #[arg(long, value_name = "PCT", requires = "coverage", value_parser = parse_min_coverage)]
    min_coverage: Option<MinCoverage>,
    /// The node budget of each policy's decision diagram (tests run on it).
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
    #[command(flatten)]
    root: super::RootArg,
    /// The memory budget of each policy's decision diagram: bytes, or with a suffix `K`, `M`, `G` (powers of 1,024).
    #[arg(long, value_name = "SIZE", default_value = super::DEFAULT_MAX_MEMORY, value_parser = super::parse_memory)]
    max_memory: usize,
}

fn parse_min_coverage(text: &str) -> Result<MinCoverage, String> {
    text.parse()
        .map_err(|e: writ::analysis::coverage::BadPercent| e.to_string())
}

/// One file's outcome, kept until every file has run.
struct Ran {
    file: String,
    policy: Option<writ::check::Policy>,
    diagnostics: Vec<Diagnostic>,
    results: Vec<TestResult>,
    filtered_out: usize,
    coverage: Option<Coverage>,
}

impl Ran {
    fn without_tests(file: String, diagnostics: Vec<Diagnostic>) -> Ran {
        Ran {
            file,
            policy: None,
            diagnostics,
            results: Vec::new(),
            filtered_out: 0,
            coverage: None,
        }
    }
}

pub fn run(args: Args) -> Exit {
    let mut rep = Reporter::new(Format::Text);
    let project = match args.root.project() {
        Ok(p) => p,
        Err(d) => return rep.fail(d, Exit::Usage),
    };
    let mut exit = Exit::Ok;
    let check_options = writ::api::CheckOptions {
        max_nodes: args.max_nodes,
        project: project.clone(),
        max_memory: args.max_memory,
        ..Default::default()
    };
    let compile_options = writ::compile::Options {
        max_nodes: args.max_nodes,
        max_memory: args.max_memory,
        ..Default::default()
    };
    let mut ran = Vec::new();
    for path in &args.files {
        let file = path.display().to_string();
        let report = match check_input(&mut rep, path, &check_options) {
            Ok(r) => r,
            Err(d) => {
                exit = exit.max(Exit::Usage);
                ran.push(Ran::without_tests(file, vec![*d]));
                continue;
            }
        };
        let errors = report.has_errors();
        let mut diagnostics = report.diagnostics;
        let policy = match report.policy {
            Some(p) if !errors => p,
            _ => {
                if errors {
                    exit = exit.max(Exit::Failed);
                }
                // A vocabulary has no tests.
                ran.push(Ran::without_tests(file, diagnostics));
                continue;
            }
        };
        let selected = writ::testing::select(&policy, args.run.as_deref());
        let filtered_out = policy.tests.len() - selected.len();
        // The diagram verification built, when it kept the explaining rules
        // that tests with `by` and coverage need: no second compile.
        let diagram = match report.diagram {
            Some(d) if !d.outcomes_only => Ok(d),
            _ => writ::compile::compile(&policy, &compile_options),
        };
        let (results, coverage) = match diagram {
            Ok(mut d) => {
                let results = writ::testing::run_selected(&policy, &mut d, &selected);
                let coverage = if args.coverage {
                    match coverage::coverage_of(&policy, &mut d, &selected) {
                        Ok(c) => Some(c),
                        Err(e) => {
                            let e = writ::compile::CompileError::too_large(
                                e,
                                policy.rules.len(),
                                &policy,
                            );
                            diagnostics.push(writ::api::too_large(&policy, &e, Purpose::Test));
                            exit = exit.max(Exit::Failed);
                            None
                        }
                    }
                } else {
                    None
                };
                (results, coverage)
            }
            Err(e) => {
                // The tests cannot be run, so none of them passed.
                diagnostics.push(writ::api::too_large(&policy, &e, Purpose::Test));
                exit = exit.max(Exit::Failed);
                let results = selected
                    .iter()
                    .map(|&t| TestResult {
                        test: t,
                        name: policy.tests[t].name.clone(),
                        failure: Some(Failure::TooLarge {
                            budget: *e.budget(),
                        }),
                    })
                    .collect();
                (results, None)
            }
        };
        if results.iter().any(|r| !r.passed()) {
            exit = exit.max(Exit::Failed);
        }
        if let (Some(min), Some(cov)) = (&args.min_coverage, &coverage)
            && !cov.meets(min)
        {
            exit = exit.max(Exit::Failed);
        }
        ran.push(Ran {
            file,
            policy: Some(policy),
            diagnostics,
            results,
            filtered_out,
            coverage,
        });
    }
    let reports: Vec<FileReport<'_>> = ran
        .iter()
        .map(|r| FileReport {
            file: &r.file,
            policy: r.policy.as_ref(),
            diagnostics: &r.diagnostics,
            results: &r.results,
            filtered_out: r.filtered_out,
            coverage: r.coverage.as_ref(),
        })
        .collect();
    let min = args.min_coverage.as_ref();
    let out = match args.format {
        TestFormat::Json => writ::render::test::json(&rep.map, &reports, min),
        TestFormat::Junit => writ::render::junit::junit(&rep.map, &reports, min),
        TestFormat::Text => writ::render::test::text(&rep.map, &reports, min),
    };
    if args.format != TestFormat::Json {
        // Text and JUnit leave the diagnostics to stderr, as text: a CI log
        // shows them beside the report.
        for r in &ran {
            rep.diagnostics.extend(r.diagnostics.iter().cloned());
        }
        rep.write_text();
    }
    if let Err(d) = io::write_stdout(&out) {
        return Reporter::new(Format::Text).fail(d, Exit::Usage);
    }
    exit
}
