//! `writ fmt`: rewrite files in the canonical layout, keeping comments.

use super::{Exit, Format, Reporter, io};
use std::path::PathBuf;
use writ::diag::Code;

/// The arguments of `writ fmt`.
#[derive(clap::Args)]
pub struct Args {
    /// The files to format (`-`: read standard input, write the result to standard output).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Change nothing; list the files that would change and exit 1 if any would.
    #[arg(long)]
    check: bool,
    /// How to print diagnostics for files that do not parse.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: Args) -> Exit {
    let mut rep = Reporter::new(args.format);
    let mut exit = Exit::Ok;
    let mut would_change = Vec::new();
    // Formatted standard input, printed after the diagnostics.
    let mut stdout = String::new();
    for path in &args.files {
        let stdin = io::is_stdin(path);
        let read = if stdin {
            writ::load::read_stdin()
        } else {
            writ::load::read_file(path)
        };
        let text = match read {
            Ok(t) => t,
            Err(d) => {
                // A file that is not text is bad input (1); one that cannot
                // be read at all is an I/O problem (2).
                let status = if d.code == Code::NOT_UTF8 {
                    Exit::Failed
                } else {
                    Exit::Usage
                };
                rep.push(*d);
                exit = exit.max(status);
                continue;
            }
        };
        let name = if stdin {
            io::STDIN.to_string()
        } else {
            path.display().to_string()
        };
        let id = rep.map.add(name.clone(), text);
        let formatted = match writ::fmt::format_text(id, rep.map.text(id)) {
            Ok(f) => f,
            Err(ds) => {
                // A file that does not parse is left exactly as it is.
                rep.diagnostics.extend(ds);
                exit = exit.max(Exit::Failed);
                continue;
            }
        };
        let changed = formatted != rep.map.text(id);
        if args.check {
            if changed {
                would_change.push(name);
                exit = exit.max(Exit::Failed);
            }
        } else if stdin {
            stdout.push_str(&formatted);
        } else if changed && let Err(e) = io::replace_file(path, &formatted) {
            let (d, status) = io::cannot_write(path, &e);
            rep.push(d);
            exit = exit.max(status);
        }
    }
    rep.finish();
    for name in would_change {
        stdout.push_str(&format!("would reformat: {name}\n"));
    }
    if let Err(d) = io::write_stdout(&stdout) {
        return Reporter::new(args.format).fail(d, Exit::Usage);
    }
    exit
}
