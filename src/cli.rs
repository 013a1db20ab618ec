//! The command line: argument parsing (clap), reading files, printing
//! results, and exit codes. All the work is the library's.

use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ::diag::{self, Code, Diagnostic};
use writ::source::SourceMap;

/// Exit statuses (SPEC section 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Exit {
    /// Success.
    Ok = 0,
    /// The input has errors, a test failed, or a difference was found.
    Failed = 1,
    /// Usage or I/O error.
    Usage = 2,
}

/// writ: a compiler for policy files that encode legal positions.
#[derive(Parser)]
#[command(name = "writ", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, type-check and analyse policy and vocabulary files; report every error.
    Check {
        /// The files to check (`.policy` or `.vocab`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How to print diagnostics: rustc-style text on stderr, or a JSON array on stdout.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Rewrite files in the canonical layout, keeping comments.
    Fmt {
        /// The files to format.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing; list the files that would change and exit 1 if any would.
        #[arg(long)]
        check: bool,
        /// How to print diagnostics for files that do not parse.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the long explanation of a diagnostic code, with an example.
    Explain {
        /// A code such as `E0023`, or its name such as `unknown-attribute`.
        code: String,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

/// Runs the command line and returns the process's exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Check { files, format } => check(&files, format),
        Command::Fmt {
            files,
            check,
            format,
        } => fmt(&files, check, format),
        Command::Explain { code } => explain(&code),
    };
    ExitCode::from(exit as u8)
}

/// Where diagnostics go: collected, then printed once in the chosen format.
struct Reporter {
    map: SourceMap,
    diagnostics: Vec<Diagnostic>,
    format: Format,
}

impl Reporter {
    fn new(format: Format) -> Reporter {
        Reporter {
            map: SourceMap::new(),
            diagnostics: Vec::new(),
            format,
        }
    }

    fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Prints everything collected. Text goes to stderr (coloured only on a
    /// terminal), JSON to stdout as one array.
    fn finish(&self) {
        match self.format {
            Format::Json => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(diag::render_json(&self.map, &self.diagnostics).as_bytes());
            }
            Format::Text => {
                let choice = if std::io::stderr().is_terminal() {
                    ColorChoice::Auto
                } else {
                    ColorChoice::Never
                };
                let mut err = StandardStream::stderr(choice);
                let _ = diag::render_text(&mut err, &self.map, &self.diagnostics);
                let errors = self.errors();
                let warnings = self.diagnostics.len() - errors;
                if errors > 0 {
                    let _ = writeln!(
                        err,
                        "error: {} {} found{}",
                        errors,
                        plural(errors, "error", "errors"),
                        if warnings > 0 {
                            format!(
                                ", and {warnings} {}",
                                plural(warnings, "warning", "warnings")
                            )
                        } else {
                            String::new()
                        }
                    );
                }
            }
        }
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn check(files: &[PathBuf], format: Format) -> Exit {
    let mut rep = Reporter::new(format);
    let mut exit = Exit::Ok;
    let mut summaries = Vec::new();
    for path in files {
        match writ::api::check_file(&mut rep.map, path) {
            Ok(report) => {
                if let Some(p) = &report.policy {
                    summaries.push(format!(
                        "{}: policy `{}`: {} attributes, {} rules, {} tests",
                        path.display(),
                        p.meta.name,
                        p.attributes.len(),
                        p.rules.len(),
                        p.tests.len()
                    ));
                } else if report.is_vocabulary && !report.has_errors() {
                    summaries.push(format!("{}: vocabulary", path.display()));
                }
                if report.has_errors() {
                    exit = exit.max(Exit::Failed);
                }
                rep.diagnostics.extend(report.diagnostics);
            }
            Err(d) => {
                rep.diagnostics.push(*d);
                exit = Exit::Usage;
            }
        }
    }
    rep.finish();
    if format == Format::Text {
        let mut out = std::io::stdout().lock();
        for s in summaries {
            let _ = writeln!(out, "ok: {s}");
        }
    }
    exit
}

fn fmt(files: &[PathBuf], check: bool, format: Format) -> Exit {
    let mut rep = Reporter::new(format);
    let mut exit = Exit::Ok;
    let mut would_change = Vec::new();
    for path in files {
        let text = match writ::load::read_file(path) {
            Ok(t) => t,
            Err(d) => {
                // A file that is not text is bad input (1); one that cannot
                // be read at all is an I/O problem (2).
                let status = if d.code == Code::NOT_UTF8 {
                    Exit::Failed
                } else {
                    Exit::Usage
                };
                rep.diagnostics.push(*d);
                exit = exit.max(status);
                continue;
            }
        };
        let id = rep.map.add(path.display().to_string(), text);
        match writ::fmt::format_text(id, rep.map.text(id)) {
            Err(ds) => {
                // A file that does not parse is left exactly as it is.
                rep.diagnostics.extend(ds);
                exit = exit.max(Exit::Failed);
            }
            Ok(formatted) if formatted == rep.map.text(id) => {}
            Ok(formatted) if check => {
                would_change.push(path.clone());
                exit = exit.max(Exit::Failed);
                drop(formatted);
            }
            Ok(formatted) => {
                if let Err(e) = replace_file(path, &formatted) {
                    rep.diagnostics.push(Diagnostic::error(
                        Code::UNREADABLE,
                        format!("cannot write `{}`: {e}", path.display()),
                    ));
                    exit = Exit::Usage;
                }
            }
        }
    }
    rep.finish();
    let mut out = std::io::stdout().lock();
    for p in would_change {
        let _ = writeln!(out, "would reformat: {}", p.display());
    }
    exit
}

/// Writes `text` to a temporary file beside `path` and renames it over
/// `path`, so that an interrupted write never leaves a half-written policy.
fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.writ-fmt-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn explain(key: &str) -> Exit {
    match Code::lookup(key) {
        Some(code) => {
            println!("{} ({})\n", code.code, code.name);
            print!("{}", code.explain());
            Exit::Ok
        }
        None => {
            let mut msg = format!("error: `{key}` is not a writ diagnostic code");
            let names = diag::codes::ALL.iter().flat_map(|c| [c.code, c.name]);
            if let Some(s) = diag::did_you_mean(key, names) {
                msg.push_str(&format!("\n  help: did you mean `{s}`?"));
            }
            eprintln!("{msg}");
            Exit::Usage
        }
    }
}
