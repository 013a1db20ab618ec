//! `writ diff`: the cases two policies decide differently.
//!
//! Exit 0 without a difference, 1 with one, 2 when either policy cannot be
//! compared (like diff(1), so that 1 stays unambiguous).

use super::{Exit, Format, Reporter, check_input, io, not_a_policy};
use std::path::PathBuf;
use writ::analysis::diff;
use writ::api::Purpose;

/// What `writ diff` prints the difference as.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
enum DiffFormat {
    /// Human-readable text; diagnostics on stderr.
    Text,
    /// JSON on stdout.
    Json,
    /// GitHub-flavoured Markdown on stdout (a summary line and a table, cut to fit a comment); diagnostics as text on stderr.
    Markdown,
}

/// The arguments of `writ diff`.
#[derive(clap::Args)]
pub struct Args {
    /// The old policy: a file, or `REV:PATH` (read with git at revision REV) when no file has that name.
    old: PathBuf,
    /// The new policy: a file, or `REV:PATH` (read with git at revision REV) when no file has that name.
    new: PathBuf,
    /// Text for review, the stable JSON form, or GitHub-flavoured Markdown for a pull-request comment.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    /// Also list the cases decided the same way by different rules.
    #[arg(long)]
    reasons: bool,
    /// The node budget of the diagram both policies are compiled into.
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
    #[command(flatten)]
    root: super::RootArg,
    /// The memory budget of the diagram both policies are compiled into: bytes, or with a suffix `K`, `M`, `G` (powers of 1,024).
    #[arg(long, value_name = "SIZE", default_value = super::DEFAULT_MAX_MEMORY, value_parser = super::parse_memory)]
    max_memory: usize,
}

pub fn run(args: Args) -> Exit {
    let mut rep = Reporter::new(match args.format {
        DiffFormat::Json => Format::Json,
        DiffFormat::Text | DiffFormat::Markdown => Format::Text,
    });
    let project = match args.root.project() {
        Ok(p) => p,
        Err(d) => return rep.fail(d, Exit::Usage),
    };
    let mut policies = Vec::new();
    let options = writ::api::CheckOptions {
        max_nodes: args.max_nodes,
        project: project.clone(),
        max_memory: args.max_memory,
        ..Default::default()
    };
    for path in [&args.old, &args.new] {
        let checked = match revision_operand(path) {
            Some((rev, file)) => match writ::load::Revision::open(rev) {
                Ok(rev) => writ::api::check_revision_with(&mut rep.map, &rev, file, &options),
                Err(d) => Err(d),
            },
            None => check_input(&mut rep, path, &options),
        };
        match checked {
            Ok(report) => {
                let vocabulary = report.is_vocabulary && !report.has_errors();
                rep.diagnostics.extend(report.diagnostics);
                match report.policy {
                    Some(p) => policies.push(p),
                    None if vocabulary => rep.push(not_a_policy(path, "compare")),
                    None => {}
                }
            }
            Err(d) => rep.push(*d),
        }
    }
    let [old, new] = policies.as_slice() else {
        rep.finish();
        return Exit::Usage;
    };
    let options = diff::Options {
        reasons: args.reasons,
        max_nodes: args.max_nodes,
        max_memory: args.max_memory,
    };
    match diff::diff(old, new, &options) {
        Ok(report) => {
            let text = match args.format {
                DiffFormat::Text => writ::render::diff::text(&report),
                DiffFormat::Json => writ::render::diff::json(&report),
                DiffFormat::Markdown => writ::render::diff::markdown(&report),
            };
            if let Err(d) = io::write_stdout(&text) {
                return rep.fail(d, Exit::Usage);
            }
            if report.differs() {
                Exit::Failed
            } else {
                Exit::Ok
            }
        }
        Err(diff::Error::Mismatch(ds)) => {
            rep.diagnostics.extend(ds);
            rep.finish();
            Exit::Usage
        }
        Err(diff::Error::TooLarge { error, old: is_old }) => {
            let p = if is_old { old } else { new };
            let d = writ::api::too_large(p, &error, Purpose::Diff { old: is_old });
            rep.fail(d, Exit::Usage)
        }
    }
}

/// The revision and the path of a `REV:PATH` operand: one that names no
/// file (not even a broken link) and holds a `:`, split at the first.
fn revision_operand(operand: &std::path::Path) -> Option<(&str, &str)> {
    if io::is_stdin(operand) || std::fs::symlink_metadata(operand).is_ok() {
        return None;
    }
    operand.to_str()?.split_once(':')
}
