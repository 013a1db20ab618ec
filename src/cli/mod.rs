//! The command line: one file per subcommand, each with its `Args` (clap)
//! and a `run` that reads its inputs, calls the library and hands what it
//! found to the renderers. The work is the library's; the one writer of
//! diagnostics is [`Reporter`].

mod check;
mod compile;
mod diff;
mod doc;
mod eval;
mod explain;
mod fmt;
mod io;
mod lint;
mod test;

use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{BufferedStandardStream, ColorChoice};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use writ::diag::Diagnostic;
use writ::render;
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
    Check(check::Args),
    /// Rewrite files in the canonical layout, keeping comments.
    Fmt(fmt::Args),
    /// Compile a policy to its decision diagram: JSON tree or dag, Graphviz DOT, or text.
    Compile(compile::Args),
    /// Run the tests written in policy files, exhaustively; end with `N passed, N failed`.
    Test(test::Args),
    /// Decide cases, with the explaining rules, the path taken and a sufficient reason.
    Eval(eval::Args),
    /// Check, plus warnings about rules and declarations, each with the exact cases it is about.
    Lint(lint::Args),
    /// The cases two policies decide differently, as regions, with both sides' rules.
    Diff(diff::Args),
    /// Write a static HTML site: the policies, their rules, trees, tests and lints, and what changed between them.
    Doc(doc::Args),
    /// Print the long explanation of a diagnostic code, with an example.
    Explain(explain::Args),
    /// Run a language server on standard input and output (LSP 3.17), for editors.
    Lsp,
}

/// How diagnostics (and results) are printed: rustc-style text on stderr,
/// or JSON on stdout.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Format {
    /// Human-readable text; diagnostics on stderr.
    Text,
    /// JSON on stdout.
    Json,
}

/// `--max-memory`'s default, as the flag is written: the library's
/// [`writ::compile::DEFAULT_MAX_MEMORY`].
const DEFAULT_MAX_MEMORY: &str = "2G";

const _: () = assert!(writ::compile::DEFAULT_MAX_MEMORY == 2 << 30);

/// Reads `--max-memory`: a number of bytes, or a number (a fraction too)
/// with a suffix `K`, `M`, `G` or `T`, powers of 1,024, optionally followed
/// by `B` or `iB` and in either case: `1536M`, `1.5G`, `2GiB`.
fn parse_memory(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not an amount of memory (`1536M`, `1.5G`, `2147483648`)")
    })?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => {
            return Err(format!(
                "`{}` is not a unit of memory; write bytes, or a number with `K`, `M`, `G` or `T` (`1536M`, `1.5G`)",
                unit.trim()
            ));
        }
    };
    let bytes = value * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes >= usize::MAX as f64 {
        return Err(format!(
            "`{text}` is more memory than this machine can address"
        ));
    }
    Ok(bytes as usize)
}

/// Runs the command line and returns the process's exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The library's walks of diagrams are iterative and conditions nest at
    // most 128 levels; what still recurses is a chain of `use` and
    // `extends`, once per file. A large stack is a margin for that.
    let exit = on_big_stack(|| run(cli));
    ExitCode::from(exit as u8)
}

/// Runs `f` on a thread with a large stack: 1 GiB as
/// `writ::compile::on_big_stack` gives, else 64 or 8 MiB, else on this
/// thread. A limit on the address space (`ulimit -v`, `prlimit --as`)
/// refuses the larger reservations, and a command must still run under
/// one rather than panic before it starts. The fallbacks are small so that
/// the reservation leaves the heap most of the limit; 8 MiB is the main
/// thread's usual stack, ample for a chain of files.
fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let slot = std::sync::Mutex::new(Some(f));
    // A spawn that fails drops its closure unrun, leaving `f` in the slot.
    let take = || {
        slot.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .expect("`f` runs once")
    };
    std::thread::scope(|s| {
        for size in [1 << 30, 64 << 20, 8 << 20] {
            let spawned = std::thread::Builder::new()
                .stack_size(size)
                .spawn_scoped(s, || take()());
            if let Ok(handle) = spawned {
                return handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
            }
        }
        take()()
    })
}

fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Compile(args) => compile::run(args),
        Command::Test(args) => test::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Doc(args) => doc::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Lsp => match writ::lsp::run_stdio() {
            Ok(()) => Exit::Ok,
            Err(e) => {
                eprintln!("{e}");
                Exit::Failed
            }
        },
    }
}

/// The one writer of diagnostics: they are collected while a command runs,
/// then printed once in the chosen format, followed (in text) by the
/// command's `ok:` lines.
struct Reporter {
    map: SourceMap,
    diagnostics: Vec<Diagnostic>,
    format: Format,
    ok: Vec<String>,
    /// Lines for stdout without `ok: ` (a command that did its work but
    /// does not succeed), after the `ok:` lines.
    done: Vec<String>,
    /// Lines for stderr after the diagnostics: why the exit status is not
    /// 0 when no diagnostic says it.
    why: Vec<String>,
}

impl Reporter {
    fn new(format: Format) -> Reporter {
        Reporter {
            map: SourceMap::new(),
            diagnostics: Vec::new(),
            format,
            ok: Vec::new(),
            done: Vec::new(),
            why: Vec::new(),
        }
    }

    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Records `message` and stops the command with `exit`: for failures
    /// that end a command before it has anything else to say.
    fn fail(mut self, d: impl Into<Box<Diagnostic>>, exit: Exit) -> Exit {
        self.push(*d.into());
        self.finish();
        exit
    }

    /// Prints everything collected. Text goes to stderr (coloured only on a
    /// terminal) with the `ok:` lines on stdout, JSON to stdout as one array.
    fn finish(&self) {
        match self.format {
            Format::Json => {
                let json = render::diagnostics::json(&self.map, &self.diagnostics);
                let _ = std::io::stdout().lock().write_all(json.as_bytes());
            }
            Format::Text => {
                self.write_text();
                let mut out = std::io::stdout().lock();
                for line in &self.ok {
                    let _ = writeln!(out, "ok: {line}");
                }
                for line in &self.done {
                    let _ = writeln!(out, "{line}");
                }
            }
        }
    }

    /// The diagnostics as text on stderr, whatever the format: for commands
    /// whose stdout carries their result.
    fn write_text(&self) {
        let choice = if std::io::stderr().is_terminal() {
            ColorChoice::Auto
        } else {
            ColorChoice::Never
        };
        // Buffered: codespan writes in small pieces, and thousands of
        // diagnostics would otherwise cost a system call each.
        let mut err = BufferedStandardStream::stderr(choice);
        let _ = render::diagnostics::text(&mut err, &self.map, &self.diagnostics);
        let errors = self.errors();
        if let Some(line) = render::summary::error_count(errors, self.diagnostics.len() - errors) {
            let _ = writeln!(err, "{line}");
        }
        for line in &self.why {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }
}

/// Loads and checks one FILE operand (`-`: standard input, which can `use`
/// nothing) into the reporter's map. `Err` when it cannot be read at all.
/// `--root DIR`, on every command that reads policies.
#[derive(clap::Args, Clone, Debug, Default)]
struct RootArg {
    /// The project's folder: `use` and `extends` read only inside it [default: the nearest folder at or above each file that holds `writ.toml` or `.git`, else the file's own folder]
    #[arg(long, value_name = "DIR")]
    root: Option<std::path::PathBuf>,
}

impl RootArg {
    /// The project `--root` names, if given (E0006 for a folder that does
    /// not exist).
    fn project(&self) -> Result<Option<writ::load::Project>, Box<Diagnostic>> {
        self.root
            .as_deref()
            .map(writ::load::Project::at)
            .transpose()
    }
}

fn check_input(
    rep: &mut Reporter,
    path: &std::path::Path,
    options: &writ::api::CheckOptions,
) -> Result<writ::api::CheckReport, Box<Diagnostic>> {
    if io::is_stdin(path) {
        let text = writ::load::read_stdin()?;
        Ok(writ::api::check_source_options(
            &mut rep.map,
            io::STDIN,
            &text,
            options,
        ))
    } else {
        writ::api::check_file_with(&mut rep.map, path, options)
    }
}

/// The diagnostic for a command that needs a policy and was given a
/// vocabulary that checks.
fn not_a_policy(path: &std::path::Path, what: &str) -> Diagnostic {
    Diagnostic::error(
        writ::diag::Code::MISSING_POLICY,
        format!(
            "`{}` is a vocabulary, not a policy: there is nothing to {what}",
            path.display()
        ),
    )
    .help("name a `.policy` file (a vocabulary only declares names; policies `use` it)")
}

#[cfg(test)]
mod tests {
    use super::parse_memory;

    #[test]
    fn max_memory_takes_bytes_and_suffixes() {
        assert_eq!(parse_memory("2G"), Ok(2 << 30));
        assert_eq!(
            parse_memory(super::DEFAULT_MAX_MEMORY),
            Ok(writ::compile::DEFAULT_MAX_MEMORY)
        );
        assert_eq!(parse_memory("1536M"), Ok(1536 << 20));
        assert_eq!(parse_memory("1.5gib"), Ok(3 << 29));
        assert_eq!(parse_memory("64 KB"), Ok(64 << 10));
        assert_eq!(parse_memory("1000"), Ok(1000));
        assert!(
            parse_memory("2X")
                .unwrap_err()
                .contains("not a unit of memory")
        );
        assert!(
            parse_memory("G")
                .unwrap_err()
                .contains("not an amount of memory")
        );
        assert!(parse_memory("1.2.3M").is_err());
        assert!(parse_memory("99999999999T").is_err());
    }
}
