//! `writ lint`: check each file, then lint each policy that checks.

use super::{Exit, Format, Reporter, check_input, io};
use clap::ValueEnum;
use std::path::PathBuf;
use writ::analysis::lint;
use writ::api::Purpose;
use writ::diag::{Code, Diagnostic};

/// The arguments of `writ lint`.
#[derive(clap::Args)]
pub struct Args {
    /// The files to lint (`.policy`; a `.vocab` is only checked; `-` reads standard input).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Report these lints as errors (code, name, or `warnings` for every lint that warns).
    #[arg(long, value_name = "LINT")]
    deny: Vec<String>,
    /// Report these lints as warnings (to enable `partly-masked` or `overlap`).
    #[arg(long, value_name = "LINT")]
    warn: Vec<String>,
    /// Do not report these lints.
    #[arg(long, value_name = "LINT")]
    allow: Vec<String>,
    /// How to print diagnostics: text on stderr, or a JSON array or SARIF 2.1.0 on stdout.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    format: LintFormat,
    /// The node budget of the decision diagram the lints share.
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
    #[command(flatten)]
    root: super::RootArg,
    /// The memory budget of the diagram the lints share: bytes, or with a suffix `K`, `M`, `G` (powers of 1,024).
    #[arg(long, value_name = "SIZE", default_value = super::DEFAULT_MAX_MEMORY, value_parser = super::parse_memory)]
    max_memory: usize,
}

/// `writ lint --format`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum LintFormat {
    /// rustc-style text on stderr.
    Text,
    /// A JSON array on stdout.
    Json,
    /// A SARIF 2.1.0 log on stdout.
    Sarif,
}

pub fn run(args: Args) -> Exit {
    let format = match args.format {
        LintFormat::Json => Format::Json,
        LintFormat::Text | LintFormat::Sarif => Format::Text,
    };
    let mut rep = Reporter::new(format);
    let project = match args.root.project() {
        Ok(p) => p,
        Err(d) => return rep.fail(d, Exit::Usage),
    };
    let levels = match lint::Levels::from_flags(&args.allow, &args.warn, &args.deny) {
        Ok(l) => l,
        Err(name) => return rep.fail(unknown_lint(&name), Exit::Usage),
    };
    let options = lint::Options {
        levels,
        max_nodes: args.max_nodes,
        max_memory: args.max_memory,
    };
    let mut exit = Exit::Ok;
    let check_options = writ::api::CheckOptions {
        max_nodes: args.max_nodes,
        project: project.clone(),
        max_memory: args.max_memory,
        ..Default::default()
    };
    for path in &args.files {
        let report = match check_input(&mut rep, path, &check_options) {
            Ok(r) => r,
            Err(d) => {
                rep.push(*d);
                exit = exit.max(Exit::Usage);
                continue;
            }
        };
        if report.has_errors() {
            exit = exit.max(Exit::Failed);
        }
        let vocabulary = report.is_vocabulary && !report.has_errors();
        let verified = report.diagram;
        rep.diagnostics.extend(report.diagnostics);
        let Some(policy) = report.policy else {
            if vocabulary {
                rep.ok.push(format!(
                    "{}: vocabulary (checked; lints are about policies)",
                    path.display()
                ));
            }
            continue;
        };
        match lint::lint_with(&policy, &options, verified) {
            Ok(found) => {
                if found.iter().any(Diagnostic::is_error) {
                    exit = exit.max(Exit::Failed);
                }
                if found.is_empty() {
                    rep.ok.push(format!(
                        "{}: policy `{}`: no lint fired",
                        path.display(),
                        policy.meta.name
                    ));
                }
                rep.diagnostics.extend(found);
            }
            Err(e) => {
                rep.push(writ::api::too_large(&policy, &e, Purpose::Lint));
                exit = exit.max(Exit::Failed);
            }
        }
    }
    if args.format == LintFormat::Sarif {
        let log = writ::render::sarif::log(&rep.map, &rep.diagnostics);
        if let Err(d) = io::write_stdout(&log) {
            return Reporter::new(Format::Text).fail(d, Exit::Usage);
        }
        return exit;
    }
    rep.finish();
    exit
}

/// The diagnostic for a name in `--deny`, `--warn` or `--allow` that is not
/// a lint.
fn unknown_lint(name: &str) -> Diagnostic {
    let d = Diagnostic::error(Code::INVALID_ARGUMENT, format!("`{name}` is not a lint"));
    let names = lint::LINTS.iter().map(|(c, _)| c.name);
    match writ::diag::did_you_mean(name, names.clone()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => {
            let all: Vec<&str> = names.collect();
            d.help(format!("the lints are {}", all.join(", ")))
        }
    }
}
