//! `writ test`: each policy's tests, checked exhaustively on its diagram
//! (`writ::testing`). Text gives one line per test and the totals, with
//! check errors and a diagram past its budget as diagnostics on stderr;
//! JSON gives one document on stdout with the diagnostics inside it.

use super::{Exit, Format, Reporter, check_input, io};
use std::path::PathBuf;
use writ::api::Purpose;
use writ::diag::Diagnostic;
use writ::render::test::FileReport;
use writ::testing::{Failure, TestResult};

/// The arguments of `writ test`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy files whose tests to run (`-` reads standard input).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Text, or one JSON document on stdout (SPEC section 6).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The node budget of each policy's decision diagram (tests run on it).
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
    #[command(flatten)]
    root: super::RootArg,
    /// The memory budget of each policy's decision diagram: bytes, or with a suffix `K`, `M`, `G` (powers of 1,024).
    #[arg(long, value_name = "SIZE", default_value = super::DEFAULT_MAX_MEMORY, value_parser = super::parse_memory)]
    max_memory: usize,
}

/// One file's outcome, kept until every file has run.
struct Ran {
    file: String,
    policy: Option<writ::check::Policy>,
    diagnostics: Vec<Diagnostic>,
    results: Vec<TestResult>,
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
    let mut ran = Vec::new();
    for path in &args.files {
        let file = path.display().to_string();
        let report = match check_input(&mut rep, path, &check_options) {
            Ok(r) => r,
            Err(d) => {
                exit = exit.max(Exit::Usage);
                ran.push(Ran {
                    file,
                    policy: None,
                    diagnostics: vec![*d],
                    results: Vec::new(),
                });
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
                ran.push(Ran {
                    file,
                    policy: None,
                    diagnostics,
                    results: Vec::new(),
                });
                continue;
            }
        };
        let results = match report.diagram {
            // The diagram verification built: no second compile.
            Some(mut d) => Ok(writ::testing::run_tests(&policy, &mut d)),
            None => {
                let options = writ::compile::Options {
                    max_nodes: args.max_nodes,
                    max_memory: args.max_memory,
                    ..Default::default()
                };
                writ::testing::run_policy_tests(&policy, &options)
            }
        };
        let results = results.unwrap_or_else(|e| {
            // The tests cannot be run, so none of them passed.
            diagnostics.push(writ::api::too_large(&policy, &e, Purpose::Test));
            exit = exit.max(Exit::Failed);
            (0..policy.tests.len())
                .map(|t| TestResult {
                    test: t,
                    name: policy.tests[t].name.clone(),
                    failure: Some(Failure::TooLarge {
                        budget: *e.budget(),
                    }),
                })
                .collect()
        });
        if results.iter().any(|r| !r.passed()) {
            exit = exit.max(Exit::Failed);
        }
        ran.push(Ran {
            file,
            policy: Some(policy),
            diagnostics,
            results,
        });
    }
    let out = match args.format {
        Format::Json => {
            let reports: Vec<FileReport<'_>> = ran
                .iter()
                .map(|r| FileReport {
                    file: &r.file,
                    policy: r.policy.as_ref(),
                    diagnostics: &r.diagnostics,
                    results: &r.results,
                })
                .collect();
            writ::render::test::json(&rep.map, &reports)
        }
        Format::Text => {
            let (mut passed, mut failed) = (0, 0);
            let mut out = String::new();
            for r in &mut ran {
                rep.diagnostics.append(&mut r.diagnostics);
                let Some(policy) = &r.policy else { continue };
                let n = policy.tests.len();
                let tests = writ::render::summary::plural(n, "test", "tests");
                out.push_str(&format!("{}: {n} {tests}\n", r.file));
                for t in &r.results {
                    if t.passed() {
                        passed += 1;
                    } else {
                        failed += 1;
                    }
                    out.push_str(&writ::render::test::line(policy, t));
                    out.push('\n');
                }
            }
            rep.write_text();
            out.push_str(&writ::render::summary::test_totals(passed, failed));
            out.push('\n');
            out
        }
    };
    if let Err(d) = io::write_stdout(&out) {
        return Reporter::new(Format::Text).fail(d, Exit::Usage);
    }
    exit
}
