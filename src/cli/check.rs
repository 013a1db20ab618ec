//! `writ check`: parse, type-check and verify each file, and report every
//! error.

use super::{Exit, Format, Reporter, check_input};
use std::path::PathBuf;

/// The arguments of `writ check`.
#[derive(clap::Args)]
pub struct Args {
    /// The files to check (`.policy` or `.vocab`; `-` reads standard input).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// How to print diagnostics: rustc-style text on stderr, or a JSON array on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The node budget of the decision diagram that strict conflicts and `regardless` claims are checked on.
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
    #[command(flatten)]
    root: super::RootArg,
    /// The memory budget of that diagram and what is kept beside it: bytes, or with a suffix `K`, `M`, `G` (powers of 1,024: `1536M`, `1.5G`).
    #[arg(long, value_name = "SIZE", default_value = super::DEFAULT_MAX_MEMORY, value_parser = super::parse_memory)]
    max_memory: usize,
}

pub fn run(args: Args) -> Exit {
    let mut rep = Reporter::new(args.format);
    let project = match args.root.project() {
        Ok(p) => p,
        Err(d) => return rep.fail(d, Exit::Usage),
    };
    let mut exit = Exit::Ok;
    for path in &args.files {
        let options = writ::api::CheckOptions {
            max_nodes: args.max_nodes,
            project: project.clone(),
            max_memory: args.max_memory,
            ..Default::default()
        };
        match check_input(&mut rep, path, &options) {
            Ok(report) => {
                if let Some(p) = &report.policy {
                    let line = writ::render::summary::policy(p);
                    rep.ok.push(format!("{}: {line}", path.display()));
                } else if report.is_vocabulary && !report.has_errors() {
                    rep.ok.push(format!("{}: vocabulary", path.display()));
                }
                if report.has_errors() {
                    exit = exit.max(Exit::Failed);
                }
                rep.diagnostics.extend(report.diagnostics);
            }
            Err(d) => {
                rep.push(*d);
                exit = Exit::Usage;
            }
        }
    }
    rep.finish();
    exit
}
