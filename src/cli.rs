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
    /// Compile a policy to its decision diagram: JSON tree or dag, Graphviz DOT, or text.
    Compile {
        /// The policy file.
        file: PathBuf,
        /// The output form: `writ.tree/1` JSON, `writ.dag/1` JSON, Graphviz DOT, or an indented tree.
        #[arg(long, default_value = "tree", value_parser = ["tree", "dag", "dot", "text"])]
        emit: String,
        /// The attribute order: `declaration`, `auto`, or names `a,b,c` (the rest follow in declaration order).
        #[arg(long, default_value = "declaration")]
        order: String,
        /// Leaves carry only the outcome, not the explaining rules (a smaller diagram).
        #[arg(long)]
        outcomes_only: bool,
        /// The node budget of the decision diagram.
        #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
        max_nodes: usize,
        /// The most nodes the tree forms (`tree`, `text`) may expand the diagram to.
        #[arg(long, default_value_t = writ::emit::DEFAULT_MAX_TREE_NODES)]
        max_tree_nodes: u64,
        /// Write the result to this file (replaced atomically) instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: Option<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run the tests written in policy files, exhaustively; end with `N passed, N failed`.
    Test {
        /// The policy files whose tests to run.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The node budget of each policy's decision diagram (tests run on it).
        #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
        max_nodes: usize,
    },
    /// Decide cases, with the explaining rules, the path taken and a sufficient reason.
    Eval(EvalArgs),
    /// Check, plus warnings about rules and declarations, each with the exact cases it is about.
    Lint(LintArgs),
    /// The cases two policies decide differently, as regions, with both sides' rules.
    Diff(DiffArgs),
    /// Print the long explanation of a diagnostic code, with an example.
    Explain {
        /// A code such as `E0023`, or its name such as `unknown-attribute`.
        code: String,
    },
}

/// `writ eval --engine`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum EngineChoice {
    Auto,
    Diagram,
    Index,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

/// Runs the command line and returns the process's exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Diagram operations recurse once per attribute; one large stack for
    // the whole command serves every one of them.
    let exit = writ::compile::on_big_stack(|| run(cli));
    ExitCode::from(exit as u8)
}

fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Check { files, format } => check(&files, format),
        Command::Fmt {
            files,
            check,
            format,
        } => fmt(&files, check, format),
        command @ Command::Compile { .. } => compile(command),
        Command::Test { files, max_nodes } => test(&files, max_nodes),
        Command::Eval(args) => eval(args),
        Command::Lint(args) => lint(args),
        Command::Diff(args) => diff(args),
        Command::Explain { code } => explain(&code),
    }
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

/// `writ test`: each policy's tests, checked exhaustively on its diagram
/// (`writ::testing`). One line per test on stdout, then the totals; check
/// errors and a diagram past its budget are diagnostics on stderr.
fn test(files: &[PathBuf], max_nodes: usize) -> Exit {
    let options = writ::compile::Options {
        max_nodes,
        ..writ::compile::Options::default()
    };
    let mut rep = Reporter::new(Format::Text);
    let mut exit = Exit::Ok;
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut out = std::io::stdout().lock();
    let check_options = writ::api::CheckOptions {
        max_nodes,
        ..Default::default()
    };
    for path in files {
        let report = match writ::api::check_file_with(&mut rep.map, path, &check_options) {
            Ok(r) => r,
            Err(d) => {
                rep.diagnostics.push(*d);
                exit = exit.max(Exit::Usage);
                continue;
            }
        };
        let errors = report.has_errors();
        let verified = report.diagram;
        rep.diagnostics.extend(report.diagnostics);
        if errors {
            exit = exit.max(Exit::Failed);
            continue;
        }
        // A vocabulary has no tests.
        let Some(policy) = report.policy else {
            continue;
        };
        let n = policy.tests.len();
        let _ = writeln!(
            out,
            "{}: {n} {}",
            path.display(),
            plural(n, "test", "tests")
        );
        let results = match verified {
            // The diagram verification built: no second compile.
            Some(mut d) => Ok(writ::compile::on_big_stack(|| {
                writ::testing::run_tests(&policy, &mut d)
            })),
            None => writ::testing::run_policy_tests(&policy, &options),
        };
        match results {
            Ok(results) => {
                for r in &results {
                    if r.passed() {
                        passed += 1;
                    } else {
                        failed += 1;
                    }
                    let _ = writeln!(out, "{}", writ::testing::render(&policy, r));
                }
            }
            Err(e) => {
                // The tests cannot be run, so none of them passed.
                failed += n;
                for t in &policy.tests {
                    let _ = writeln!(
                        out,
                        "FAIL {:?}: not run: the decision diagram is too large",
                        t.name
                    );
                }
                rep.diagnostics.push(
                    Diagnostic::error(
                        Code::DIAGRAM_TOO_LARGE,
                        format!("cannot run the tests: {e}"),
                    )
                    .at(
                        policy.meta.loc.0,
                        "this policy's decision diagram is too large",
                    )
                    .note("tests are checked exhaustively on the compiled diagram"),
                );
                exit = exit.max(Exit::Failed);
            }
        }
    }
    rep.finish();
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    if failed > 0 {
        exit = exit.max(Exit::Failed);
    }
    exit
}

/// The arguments of `writ lint`.
#[derive(clap::Args)]
struct LintArgs {
    /// The files to lint (`.policy`; a `.vocab` is only checked).
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
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LintFormat {
    Text,
    Json,
    Sarif,
}

/// The arguments of `writ diff`.
#[derive(clap::Args)]
struct DiffArgs {
    /// The old policy.
    old: PathBuf,
    /// The new policy.
    new: PathBuf,
    /// Text for review, or the stable JSON form.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also list the cases decided the same way by different rules.
    #[arg(long)]
    reasons: bool,
    /// The node budget of the diagram both policies are compiled into.
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
}

/// `writ lint`: check each file, then lint each policy that checks.
fn lint(args: LintArgs) -> Exit {
    let levels = match writ::analysis::lint::Levels::from_flags(&args.allow, &args.warn, &args.deny)
    {
        Ok(l) => l,
        Err(name) => {
            let mut msg = format!("error: `{name}` is not a lint");
            let names = writ::analysis::lint::LINTS.iter().map(|(c, _)| c.name);
            if let Some(s) = diag::did_you_mean(&name, names.clone()) {
                msg.push_str(&format!("\n  help: did you mean `{s}`?"));
            } else {
                let all: Vec<&str> = names.collect();
                msg.push_str(&format!("\n  help: the lints are {}", all.join(", ")));
            }
            eprintln!("{msg}");
            return Exit::Usage;
        }
    };
    let options = writ::analysis::lint::Options {
        levels,
        max_nodes: args.max_nodes,
    };
    let format = match args.format {
        LintFormat::Json => Format::Json,
        _ => Format::Text,
    };
    let mut rep = Reporter::new(format);
    let mut exit = Exit::Ok;
    let mut clean = Vec::new();
    let check_options = writ::api::CheckOptions {
        max_nodes: args.max_nodes,
        ..Default::default()
    };
    for path in &args.files {
        let report = match writ::api::check_file_with(&mut rep.map, path, &check_options) {
            Ok(r) => r,
            Err(d) => {
                rep.diagnostics.push(*d);
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
                clean.push(format!(
                    "{}: vocabulary (checked; lints are about policies)",
                    path.display()
                ));
            }
            continue;
        };
        match writ::analysis::lint::lint_with(&policy, &options, verified) {
            Ok(found) => {
                if found.iter().any(Diagnostic::is_error) {
                    exit = exit.max(Exit::Failed);
                }
                if found.is_empty() {
                    clean.push(format!(
                        "{}: policy `{}`: no lint fired",
                        path.display(),
                        policy.meta.name
                    ));
                }
                rep.diagnostics.extend(found);
            }
            Err(e) => {
                rep.diagnostics.push(
                    analysis_too_large(&policy, &e)
                        .note("the lints are decided exactly on the compiled diagram"),
                );
                exit = exit.max(Exit::Failed);
            }
        }
    }
    if args.format == LintFormat::Sarif {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(diag::render_sarif(&rep.map, &rep.diagnostics).as_bytes());
        return exit;
    }
    rep.finish();
    if format == Format::Text {
        let mut out = std::io::stdout().lock();
        for c in clean {
            let _ = writeln!(out, "ok: {c}");
        }
    }
    exit
}

/// E0042 for `lint` and `diff`, whose only way out is a larger budget.
fn analysis_too_large(p: &writ::check::Policy, e: &writ::compile::CompileError) -> Diagnostic {
    Diagnostic::error(Code::DIAGRAM_TOO_LARGE, format!("{e}"))
        .at(p.meta.loc.0, "this policy's decision diagram is too large")
        .help("raise `--max-nodes` (the default is 10,000,000 nodes)")
}

/// `writ diff`: exit 0 without a difference, 1 with one, 2 when either
/// policy cannot be compared (like diff(1), so that 1 stays unambiguous).
fn diff(args: DiffArgs) -> Exit {
    let mut rep = Reporter::new(args.format);
    let mut policies = Vec::new();
    for path in [&args.old, &args.new] {
        match writ::api::check_file(&mut rep.map, path) {
            Ok(report) => {
                let is_vocabulary = report.is_vocabulary;
                rep.diagnostics.extend(report.diagnostics);
                match report.policy {
                    Some(p) => policies.push(p),
                    None if is_vocabulary && rep.errors() == 0 => {
                        rep.diagnostics.push(Diagnostic::error(
                            Code::MISSING_POLICY,
                            format!(
                                "`{}` is a vocabulary, not a policy: there is nothing to compare",
                                path.display()
                            ),
                        ));
                    }
                    None => {}
                }
            }
            Err(d) => rep.diagnostics.push(*d),
        }
    }
    let [old, new] = policies.as_slice() else {
        rep.finish();
        return Exit::Usage;
    };
    let options = writ::analysis::diff::Options {
        reasons: args.reasons,
        max_nodes: args.max_nodes,
    };
    match writ::analysis::diff::diff(old, new, &options) {
        Ok(report) => {
            let text = match args.format {
                Format::Text => writ::analysis::diff::render_text(&report),
                Format::Json => writ::analysis::diff::render_json(&report),
            };
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            if report.differs() {
                Exit::Failed
            } else {
                Exit::Ok
            }
        }
        Err(writ::analysis::diff::Error::Mismatch(ds)) => {
            rep.diagnostics.extend(ds);
            rep.finish();
            Exit::Usage
        }
        Err(writ::analysis::diff::Error::TooLarge { error, old: is_old }) => {
            let (p, which) = if is_old { (old, "old") } else { (new, "new") };
            rep.diagnostics.push(
                analysis_too_large(p, &error)
                    .note(format!(
                        "reached while building the {which} policy's diagram; both policies share one diagram manager, so the difference is exact"
                    )),
            );
            rep.finish();
            Exit::Usage
        }
    }
}

/// The arguments of `writ eval`.
#[derive(clap::Args)]
struct EvalArgs {
    /// A policy, or a compiled `writ.tree/1` or `writ.dag/1` JSON file.
    file: PathBuf,
    /// One case, as a JSON object from attribute name to value (default: read stdin).
    #[arg(long, conflicts_with = "cases")]
    case: Option<String>,
    /// A JSON Lines file of cases (`-`: standard input); the output is JSON Lines too.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// Output format for a single case.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Which engine decides: the diagram when it fits its budget, else the rule index.
    #[arg(long, value_enum, default_value_t = EngineChoice::Auto)]
    engine: EngineChoice,
    /// Also list the nearest cases decided as this outcome.
    #[arg(long, value_name = "OUTCOME")]
    why_not: Option<String>,
    /// The node budget of the decision diagram (and, separately, of each partial case's scratch diagram).
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
}

/// Under `--engine auto`, a diagram is abandoned for the rule index once it
/// passes this many nodes: building that many takes a fraction of a second,
/// so `eval` never spends seconds on a diagram it then throws away. The
/// rule index reads its reasons off a diagram of outcomes within the same
/// budget.
const AUTO_DIAGRAM_BUDGET: usize = 250_000;

/// Under `--engine auto`, once the diagram has not fitted, the budget of
/// the diagram of outcomes the rule index would read its reasons off.
const AUTO_OUTCOMES_BUDGET: usize = 25_000;

/// Whether `path` holds a compiled diagram rather than policy source.
fn is_compiled(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// The outcome `--why-not` names, or the exit status after saying why not.
fn why_not_outcome(
    schema: &writ::names::Header,
    name: Option<&str>,
    decision: &str,
) -> Result<Option<usize>, Exit> {
    let Some(name) = name else { return Ok(None) };
    match schema.outcomes.iter().position(|o| o == name) {
        Some(o) => Ok(Some(o)),
        None => {
            let hint = diag::did_you_mean(name, schema.outcomes.iter().map(String::as_str))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            eprintln!("error: `{name}` is not an outcome of `{decision}`{hint}");
            Err(Exit::Usage)
        }
    }
}

fn eval(args: EvalArgs) -> Exit {
    if is_compiled(&args.file) {
        return eval_compiled(&args);
    }
    let mut rep = Reporter::new(Format::Text);
    let options = writ::api::CheckOptions {
        max_nodes: args.max_nodes,
        conflicts_by_index: args.engine == EngineChoice::Index,
    };
    let report = match writ::api::check_file_with(&mut rep.map, &args.file, &options) {
        Ok(r) => r,
        Err(d) => {
            rep.diagnostics.push(*d);
            rep.finish();
            return Exit::Usage;
        }
    };
    let is_vocabulary = report.is_vocabulary && !report.has_errors();
    let Some(policy) = report.policy else {
        rep.diagnostics.extend(report.diagnostics);
        rep.finish();
        if is_vocabulary {
            eprintln!(
                "error: `{}` is a vocabulary, not a policy: there is nothing to evaluate",
                args.file.display()
            );
        }
        return Exit::Failed;
    };
    let schema = writ::names::Header::from_policy(&policy, &rep.map);
    let why_not = match why_not_outcome(&schema, args.why_not.as_deref(), &policy.decision.name) {
        Ok(o) => o,
        Err(exit) => return exit,
    };
    // The diagram verification built is reused whatever its size: its
    // cost is paid.
    let mut diagram = report.diagram;
    if diagram.is_none() && args.engine != EngineChoice::Index {
        let budget = match args.engine {
            EngineChoice::Auto => args.max_nodes.min(AUTO_DIAGRAM_BUDGET),
            _ => args.max_nodes,
        };
        let options = writ::compile::Options {
            max_nodes: budget,
            ..Default::default()
        };
        match writ::compile::compile(&policy, &options) {
            Ok(d) => diagram = Some(d),
            Err(e) if args.engine == EngineChoice::Diagram => {
                rep.diagnostics.push(writ::api::too_large(&policy, &e));
                rep.finish();
                return Exit::Failed;
            }
            Err(_) => {}
        }
    }
    if args.engine == EngineChoice::Index {
        diagram = None;
    }
    match diagram {
        Some(d) => {
            let evaluator = writ::eval::Evaluator::on_diagram(&d, policy.decision.outcomes.len());
            drop(d);
            run_cases(&schema, &evaluator, &args, why_not)
        }
        None => {
            let index = writ::semantics::index::RuleIndex::build(&policy);
            // A diagram of outcomes alone gives smallest reasons and
            // `--why-not`, when it fits. Under `auto` the full diagram has
            // just failed to fit, so the attempt is kept short: SPEC asks
            // for smallest reasons only where the policy's diagram fits.
            let budget = match args.engine {
                EngineChoice::Index => AUTO_DIAGRAM_BUDGET,
                _ => AUTO_OUTCOMES_BUDGET,
            };
            let outcomes = writ::compile::compile(
                &policy,
                &writ::compile::Options {
                    outcomes_only: true,
                    max_nodes: args.max_nodes.min(budget),
                    ..Default::default()
                },
            )
            .ok();
            let evaluator =
                writ::eval::Evaluator::on_index(&policy, &index, outcomes.as_ref(), args.max_nodes);
            drop(outcomes);
            run_cases(&schema, &evaluator, &args, why_not)
        }
    }
}

/// `writ eval` on a compiled `writ.tree/1` or `writ.dag/1` file: the JSON
/// alone carries everything evaluation needs.
fn eval_compiled(args: &EvalArgs) -> Exit {
    if args.engine == EngineChoice::Index {
        eprintln!(
            "error: `--engine index` needs the policy's rules; a compiled file has only its diagram"
        );
        return Exit::Usage;
    }
    let compiled = match writ::load::compiled::read_compiled(&args.file) {
        Ok(c) => c,
        Err(d) => {
            // A file that is no compiled policy is bad input (1); one that
            // cannot be read, an I/O problem (2).
            let status = if d.code == Code::NOT_COMPILED {
                Exit::Failed
            } else {
                Exit::Usage
            };
            let mut rep = Reporter::new(Format::Text);
            rep.diagnostics.push(*d);
            rep.finish();
            return status;
        }
    };
    let h = &compiled.header;
    let why_not = match why_not_outcome(h, args.why_not.as_deref(), &h.decision) {
        Ok(o) => o,
        Err(exit) => return exit,
    };
    let evaluator = writ::eval::Evaluator::on_diagram(&compiled.diagram, h.outcomes.len());
    run_cases(h, &evaluator, args, why_not)
}

/// Lines of `--cases` read and evaluated together; the output of one batch
/// is written before the next is read, so memory stays constant.
const BATCH_LINES: usize = 4096;
/// Below this many lines a batch is evaluated on one thread.
const PARALLEL_LINES: usize = 256;

/// Evaluates the case(s) of the command line and prints the results.
fn run_cases(
    schema: &writ::names::Header,
    evaluator: &writ::eval::Evaluator<'_>,
    args: &EvalArgs,
    why_not: Option<usize>,
) -> Exit {
    let reader = writ::names::case::CaseReader::new(schema);
    if let Some(path) = &args.cases {
        let input: Box<dyn std::io::BufRead> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            match std::fs::File::open(path) {
                Ok(f) => Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
                Err(e) => {
                    eprintln!("error: cannot read `{}`: {e}", path.display());
                    return Exit::Usage;
                }
            }
        };
        return run_batches(schema, evaluator, &reader, input, why_not);
    }
    let text = match &args.case {
        Some(t) => t.clone(),
        None => {
            let mut t = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut t) {
                eprintln!("error: cannot read a case from stdin: {e}");
                return Exit::Usage;
            }
            t
        }
    };
    let mut case = Vec::new();
    let mut scratch = writ::eval::Scratch::default();
    let result = reader.read(&text, &mut case).and_then(|()| {
        evaluator
            .evaluate(&case, why_not, &mut scratch)
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(e) => {
            match args.format {
                Format::Text => print!("{}", writ::eval::to_text(schema, &e)),
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&writ::eval::to_json(schema, &e))
                        .expect("JSON values print")
                ),
            }
            Exit::Ok
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            Exit::Failed
        }
    }
}

/// `--cases`: JSON Lines in and out, in order, a batch at a time, each
/// batch split between two threads when it is large enough.
fn run_batches(
    schema: &writ::names::Header,
    evaluator: &writ::eval::Evaluator<'_>,
    reader: &writ::names::case::CaseReader<'_>,
    mut input: Box<dyn std::io::BufRead>,
    why_not: Option<usize>,
) -> Exit {
    let writer = writ::eval::render::JsonWriter::new(schema);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut lines: Vec<String> = Vec::with_capacity(BATCH_LINES);
    let mut spare: Vec<String> = Vec::new();
    let mut first_line = 1usize;
    let mut bad = false;
    let mut workers = [Worker::default(), Worker::default()];
    loop {
        lines.clear();
        let mut eof = false;
        while lines.len() < BATCH_LINES {
            let mut line = spare.pop().unwrap_or_default();
            line.clear();
            match input.read_line(&mut line) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(_) => lines.push(line),
                Err(e) => {
                    let _ = out.flush();
                    eprintln!("error: cannot read the cases: {e}");
                    return Exit::Usage;
                }
            }
        }
        let run = |w: &mut Worker, part: &[String], first: usize| {
            w.out.clear();
            w.bad = false;
            for (i, line) in part.iter().enumerate() {
                w.line(schema, evaluator, reader, &writer, line, first + i, why_not);
            }
        };
        if lines.len() >= PARALLEL_LINES {
            let mid = lines.len() / 2;
            let (a, b) = lines.split_at(mid);
            let [w0, w1] = &mut workers;
            std::thread::scope(|s| {
                s.spawn(|| run(w1, b, first_line + mid));
                run(w0, a, first_line);
            });
        } else {
            let [w0, w1] = &mut workers;
            run(w0, &lines, first_line);
            w1.out.clear();
            w1.bad = false;
        }
        for w in &workers {
            bad |= w.bad;
            if let Err(e) = out.write_all(w.out.as_bytes()) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return if bad { Exit::Failed } else { Exit::Ok };
                }
                eprintln!("error: cannot write the results: {e}");
                return Exit::Usage;
            }
        }
        first_line += lines.len();
        spare.append(&mut lines);
        if eof {
            break;
        }
    }
    let _ = out.flush();
    if bad { Exit::Failed } else { Exit::Ok }
}

/// One thread's share of a batch: its scratch space and its output.
#[derive(Default)]
struct Worker {
    scratch: writ::eval::Scratch,
    case: Vec<Option<writ::semantics::Value>>,
    out: String,
    bad: bool,
}

impl Worker {
    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        _schema: &writ::names::Header,
        evaluator: &writ::eval::Evaluator<'_>,
        reader: &writ::names::case::CaseReader<'_>,
        writer: &writ::eval::render::JsonWriter,
        line: &str,
        number: usize,
        why_not: Option<usize>,
    ) {
        if line.trim().is_empty() {
            return;
        }
        let result = reader.read(line, &mut self.case).and_then(|()| {
            evaluator
                .evaluate(&self.case, why_not, &mut self.scratch)
                .map_err(|e| e.to_string())
        });
        match result {
            Ok(e) => writer.write(&mut self.out, &e),
            Err(msg) => {
                self.bad = true;
                self.out
                    .push_str(&serde_json::json!({"line": number, "error": msg}).to_string());
            }
        }
        self.out.push('\n');
    }
}

/// `writ compile`: check the policy, compile it in the requested order and
/// write the diagram in the requested form.
fn compile(command: Command) -> Exit {
    let Command::Compile {
        file,
        emit,
        order,
        outcomes_only,
        max_nodes,
        max_tree_nodes,
        output,
        format,
    } = command
    else {
        unreachable!("`compile` is only called for `writ compile`")
    };
    let mut rep = Reporter::new(format);
    let check_options = writ::api::CheckOptions {
        max_nodes,
        ..Default::default()
    };
    let report = match writ::api::check_file_with(&mut rep.map, &file, &check_options) {
        Ok(r) => r,
        Err(d) => {
            rep.diagnostics.push(*d);
            rep.finish();
            return Exit::Usage;
        }
    };
    let has_errors = report.has_errors();
    let is_vocabulary = report.is_vocabulary;
    let verified = report.diagram;
    rep.diagnostics.extend(report.diagnostics);
    let policy = match report.policy {
        Some(p) if !has_errors => p,
        _ => {
            rep.finish();
            if !has_errors && is_vocabulary {
                eprintln!(
                    "error: `{}` is a vocabulary, not a policy: there is nothing to compile",
                    file.display()
                );
            }
            return Exit::Failed;
        }
    };
    let order = match order.as_str() {
        "declaration" => writ::compile::Order::Declaration,
        "auto" => writ::compile::Order::Auto,
        list => {
            let mut ids = Vec::new();
            for name in list.split(',').map(str::trim) {
                match policy.attributes.iter().position(|a| a.name == name) {
                    Some(i) if ids.contains(&i) => {
                        eprintln!("error: `{name}` is named twice in `--order`");
                        return Exit::Usage;
                    }
                    Some(i) => ids.push(i),
                    None => {
                        let mut msg = if name.is_empty() {
                            "error: `--order` has an empty attribute name".to_string()
                        } else {
                            format!(
                                "error: `{name}` in `--order` is not an attribute of policy `{}`",
                                policy.meta.name
                            )
                        };
                        let names = policy.attributes.iter().map(|a| a.name.as_str());
                        if let Some(s) = diag::did_you_mean(name, names) {
                            msg.push_str(&format!("\n  help: did you mean `{s}`?"));
                        } else if !name.is_empty() {
                            msg.push_str("\n  help: `--order` takes `declaration`, `auto`, or attribute names separated by commas");
                        }
                        eprintln!("{msg}");
                        return Exit::Usage;
                    }
                }
            }
            writ::compile::Order::Given(ids)
        }
    };
    let options = writ::compile::Options {
        order,
        outcomes_only,
        max_nodes,
    };
    let reusable = options.order == writ::compile::Order::Declaration && !options.outcomes_only;
    let compiled = match verified {
        Some(d) if reusable => Ok(d),
        _ => writ::compile::compile(&policy, &options),
    };
    let diagram = match compiled {
        Ok(d) => d,
        Err(e) => {
            rep.diagnostics.push(writ::api::too_large(&policy, &e));
            rep.finish();
            return Exit::Failed;
        }
    };
    if format == Format::Text && !rep.diagnostics.is_empty() {
        rep.finish();
    }
    let header = writ::names::Header::from_policy(&policy, &rep.map);
    let form: writ::emit::Emit = emit.parse().unwrap_or(writ::emit::Emit::Tree);
    let text = match writ::emit::emit(&header, &diagram, form, max_tree_nodes) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Failed;
        }
    };
    match output {
        Some(path) => {
            if let Err(e) = replace_file(&path, &text) {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return Exit::Usage;
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                eprintln!("error: cannot write the output: {e}");
                return Exit::Usage;
            }
        }
    }
    Exit::Ok
}
