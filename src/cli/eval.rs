//! `writ eval`: decide one case, or a stream of them, on a policy or on its
//! compiled form.

use super::{Exit, Format, Reporter, check_input, io, not_a_policy};
use clap::ValueEnum;
use std::io::Write;
use std::path::{Path, PathBuf};
use writ::api::Purpose;
use writ::diag::{Code, Diagnostic};
use writ::eval::{EvalError, Evaluator, Scratch};
use writ::load::cases::{CaseLine, CaseLines};
use writ::names::Header;
use writ::names::case::CaseReader;
use writ::render::eval::JsonWriter;

/// The arguments of `writ eval`.
#[derive(clap::Args)]
pub struct Args {
    /// A policy, or a compiled `writ.tree/1` or `writ.dag/1` JSON file (`-`: a policy on standard input).
    file: PathBuf,
    /// One case, as a JSON object from attribute name to value (default: read stdin).
    #[arg(long, conflicts_with = "cases")]
    case: Option<String>,
    /// A JSON Lines file of cases (`-`: standard input); the output is JSON Lines too.
    #[arg(long)]
    cases: Option<PathBuf>,
    /// Text, or the JSON result object (diagnostics, too, as JSON on stdout).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Which engine decides: the diagram when it fits its budget, else the rule index.
    #[arg(long, value_enum, default_value_t = Engine::Auto)]
    engine: Engine,
    /// Also list the nearest cases decided as this outcome.
    #[arg(long, value_name = "OUTCOME")]
    why_not: Option<String>,
    /// The node budget of the decision diagram (and, separately, of each partial case's scratch diagram).
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
    #[command(flatten)]
    root: super::RootArg,
    /// The memory budget of the decision diagram: bytes, or with a suffix `K`, `M`, `G` (powers of 1,024).
    #[arg(long, value_name = "SIZE", default_value = super::DEFAULT_MAX_MEMORY, value_parser = super::parse_memory)]
    max_memory: usize,
}

/// `--engine`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Engine {
    /// The diagram when it fits its budget, else the rule index.
    Auto,
    /// The decision diagram.
    Diagram,
    /// The rule index, linear in the policy's size.
    Index,
}

/// Under `--engine auto`, a diagram is abandoned for the rule index once it
/// passes this many nodes: building that many takes a fraction of a second,
/// so `eval` never spends seconds on a diagram it then throws away. Under
/// `--engine index` the rule index reads its reasons off a diagram of
/// outcomes within the same budget.
const AUTO_DIAGRAM_BUDGET: usize = 250_000;

/// Under `--engine auto`, once the diagram has not fitted, the budget of
/// the diagram of outcomes the rule index would read its reasons off.
const AUTO_OUTCOMES_BUDGET: usize = 25_000;

/// Lines of `--cases` read and evaluated together; the output of one batch
/// is written before the next is read, so memory stays constant.
const BATCH_LINES: usize = 4096;
/// Below this many lines a batch is evaluated on one thread.
const PARALLEL_LINES: usize = 256;

/// Whether `path` holds a compiled diagram rather than policy source.
fn is_compiled(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

pub fn run(args: Args) -> Exit {
    let mut rep = Reporter::new(args.format);
    let project = match args.root.project() {
        Ok(p) => p,
        Err(d) => return rep.fail(d, Exit::Usage),
    };
    let cases_from_stdin = match &args.cases {
        Some(p) => io::is_stdin(p),
        None => args.case.is_none(),
    };
    if io::is_stdin(&args.file) && cases_from_stdin {
        let d = Diagnostic::error(
            Code::INVALID_ARGUMENT,
            "the policy and the cases cannot both be read from standard input",
        )
        .help("give the case with `--case JSON`, or the cases with `--cases FILE`");
        return rep.fail(d, Exit::Usage);
    }
    if is_compiled(&args.file) {
        return compiled(rep, &args);
    }
    let options = writ::api::CheckOptions {
        max_nodes: args.max_nodes,
        max_memory: args.max_memory,
        conflicts_by_index: args.engine == Engine::Index,
        project: project.clone(),
    };
    let report = match check_input(&mut rep, &args.file, &options) {
        Ok(r) => r,
        Err(d) => return rep.fail(*d, Exit::Usage),
    };
    let is_vocabulary = report.is_vocabulary && !report.has_errors();
    rep.diagnostics.extend(report.diagnostics);
    let Some(policy) = report.policy else {
        if is_vocabulary {
            return rep.fail(not_a_policy(&args.file, "evaluate"), Exit::Failed);
        }
        rep.finish();
        return Exit::Failed;
    };
    let header = Header::from_policy(&policy, &rep.map);
    let why_not = match why_not_outcome(&header, args.why_not.as_deref()) {
        Ok(o) => o,
        Err(d) => return rep.fail(d, Exit::Usage),
    };
    // The diagram verification built is evaluated on whatever its size:
    // its cost is paid, and restricting it to a partial case costs at most
    // its size, where the index folds rules anew for each case (five times
    // slower on a verified diagram of 400,000 nodes). Under `--engine
    // index` it still gives the reasons.
    let mut verified = report.diagram;
    let mut diagram = match args.engine {
        Engine::Index => None,
        _ => verified.take(),
    };
    if diagram.is_none() && args.engine != Engine::Index {
        let budget = match args.engine {
            Engine::Auto => args.max_nodes.min(AUTO_DIAGRAM_BUDGET),
            _ => args.max_nodes,
        };
        let options = writ::compile::Options {
            max_nodes: budget,
            max_memory: args.max_memory,
            ..Default::default()
        };
        match writ::compile::compile(&policy, &options) {
            Ok(d) => diagram = Some(d),
            Err(e) if args.engine == Engine::Diagram => {
                let d = writ::api::too_large(&policy, &e, Purpose::Evaluate);
                return rep.fail(d, Exit::Failed);
            }
            Err(_) => {}
        }
    }
    match diagram {
        Some(d) => {
            let evaluator = Evaluator::on_diagram(&d, policy.decision.outcomes.len());
            drop(d);
            cases(rep, &header, &evaluator, &args, why_not)
        }
        None => {
            let index = writ::semantics::index::RuleIndex::build(&policy);
            // A diagram of outcomes alone gives smallest reasons and
            // `--why-not`, when it fits. A verified diagram gives it at the
            // cost of one copy. Otherwise, under `auto` the full diagram
            // has just failed to fit, so the attempt is kept short: SPEC
            // asks for smallest reasons only where the policy's diagram
            // fits. `--why-not` has no answer without it, so it then gets
            // the whole budget, as the diagram engine would.
            let budget = match (args.engine, why_not) {
                (_, Some(_)) => args.max_nodes,
                (Engine::Index, None) => AUTO_DIAGRAM_BUDGET,
                _ => AUTO_OUTCOMES_BUDGET,
            };
            let outcomes = verified.or_else(|| {
                let options = writ::compile::Options {
                    outcomes_only: true,
                    max_nodes: args.max_nodes.min(budget),
                    max_memory: args.max_memory,
                    ..Default::default()
                };
                writ::compile::compile(&policy, &options).ok()
            });
            let budget = writ::compile::Budget {
                max_nodes: args.max_nodes,
                max_bytes: args.max_memory,
            };
            let evaluator = Evaluator::on_index(&policy, &index, outcomes.as_ref(), budget);
            drop(outcomes);
            cases(rep, &header, &evaluator, &args, why_not)
        }
    }
}

/// `writ eval` on a compiled `writ.tree/1` or `writ.dag/1` file: the JSON
/// alone carries everything evaluation needs.
fn compiled(rep: Reporter, args: &Args) -> Exit {
    if args.engine == Engine::Index {
        let d = Diagnostic::error(
            Code::INVALID_ARGUMENT,
            "`--engine index` needs the policy's rules; a compiled file has only its diagram",
        )
        .help("give the policy itself, or leave `--engine` at `auto` or `diagram`");
        return rep.fail(d, Exit::Usage);
    }
    let compiled = match writ::load::compiled::read_compiled(&args.file) {
        Ok(c) => c,
        Err(d) => {
            // A file that is not a compiled policy (or not text) is bad
            // input (1); one that cannot be read, an I/O problem (2).
            let status = if d.code == Code::NOT_COMPILED || d.code == Code::NOT_UTF8 {
                Exit::Failed
            } else {
                Exit::Usage
            };
            return rep.fail(d, status);
        }
    };
    let h = &compiled.header;
    let why_not = match why_not_outcome(h, args.why_not.as_deref()) {
        Ok(o) => o,
        Err(d) => return rep.fail(d, Exit::Usage),
    };
    let evaluator = Evaluator::on_diagram(&compiled.diagram, h.outcomes.len());
    cases(rep, h, &evaluator, args, why_not)
}

/// The outcome `--why-not` names.
fn why_not_outcome(header: &Header, name: Option<&str>) -> Result<Option<usize>, Box<Diagnostic>> {
    let Some(name) = name else { return Ok(None) };
    if let Some(o) = header.outcomes.iter().position(|o| o == name) {
        return Ok(Some(o));
    }
    let d = Diagnostic::error(
        Code::INVALID_ARGUMENT,
        format!(
            "`{name}` in `--why-not` is not an outcome of `{}`",
            header.decision
        ),
    );
    Err(Box::new(
        match writ::diag::did_you_mean(name, header.outcomes.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help(format!("the outcomes are {}", header.outcomes.join(", "))),
        },
    ))
}

/// A case that cannot be evaluated, as a diagnostic.
fn case_error(message: String) -> Diagnostic {
    Diagnostic::error(Code::INVALID_CASE, message)
}

/// An evaluation that ran out of budget, as a diagnostic.
fn eval_error(e: &EvalError) -> Diagnostic {
    Diagnostic::error(Code::DIAGRAM_TOO_LARGE, e.to_string())
}

/// Evaluates the case(s) of the command line and prints the results.
fn cases(
    rep: Reporter,
    header: &Header,
    evaluator: &Evaluator<'_>,
    args: &Args,
    why_not: Option<usize>,
) -> Exit {
    let reader = CaseReader::new(header);
    if let Some(path) = &args.cases {
        return match CaseLines::open(path) {
            Ok(input) => batches(rep, header, evaluator, &reader, input, why_not),
            Err(d) => rep.fail(d, Exit::Usage),
        };
    }
    let text = match &args.case {
        Some(t) => t.clone(),
        None => match writ::load::read_stdin() {
            Ok(t) => t,
            Err(d) => return rep.fail(*d, Exit::Usage),
        },
    };
    let mut case = Vec::new();
    let mut scratch = Scratch::default();
    let evaluation = match reader.read(&text, &mut case) {
        Err(msg) => return rep.fail(case_error(msg), Exit::Failed),
        Ok(()) => match evaluator.evaluate(&case, why_not, &mut scratch) {
            Ok(e) => e,
            Err(e) => return rep.fail(eval_error(&e), Exit::Failed),
        },
    };
    let out = match args.format {
        Format::Text => writ::render::eval::text(header, &evaluation),
        Format::Json => {
            let json = writ::render::eval::json(header, &evaluation);
            serde_json::to_string_pretty(&json).expect("JSON values print") + "\n"
        }
    };
    match io::write_stdout(&out) {
        Ok(()) => Exit::Ok,
        Err(d) => rep.fail(d, Exit::Usage),
    }
}

/// `--cases`: JSON Lines in and out, in order, a batch at a time, each
/// batch split between two threads when it is large enough.
fn batches(
    rep: Reporter,
    header: &Header,
    evaluator: &Evaluator<'_>,
    reader: &CaseReader<'_>,
    mut input: CaseLines,
    why_not: Option<usize>,
) -> Exit {
    let writer = JsonWriter::new(header);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    // Each line's text, or why it is not text (E0005).
    let mut lines: Vec<Line> = Vec::with_capacity(BATCH_LINES);
    let mut spare: Vec<String> = Vec::new();
    let mut first_line = 1usize;
    let mut bad = false;
    let mut workers = [Worker::default(), Worker::default()];
    let mut stop = None;
    loop {
        lines.clear();
        let mut eof = false;
        while lines.len() < BATCH_LINES {
            let mut text = spare.pop().unwrap_or_default();
            match input.next_line(&mut text) {
                Ok(None) => {
                    eof = true;
                    break;
                }
                Ok(Some(CaseLine::Text)) => lines.push((text, None)),
                Ok(Some(CaseLine::Bad(d))) => lines.push((text, Some(d))),
                Err(d) => {
                    // The input is no file of cases: the lines before
                    // stand, and the stream ends after them.
                    stop = Some(d);
                    eof = true;
                    break;
                }
            }
        }
        let run = |w: &mut Worker, part: &[Line], first: usize| {
            w.out.clear();
            w.bad = false;
            for (i, line) in part.iter().enumerate() {
                w.line(evaluator, reader, &writer, line, first + i, why_not);
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
                let d =
                    Diagnostic::error(Code::UNREADABLE, format!("cannot write the results: {e}"));
                return rep.fail(d, Exit::Usage);
            }
        }
        first_line += lines.len();
        spare.extend(lines.drain(..).map(|(text, _)| text));
        if eof {
            break;
        }
    }
    let _ = out.flush();
    if let Some(d) = stop {
        return rep.fail(d, Exit::Usage);
    }
    if bad { Exit::Failed } else { Exit::Ok }
}

/// A line of `--cases`: its text, or why it is not text.
type Line = (String, Option<Box<Diagnostic>>);

/// One thread's share of a batch: its scratch space and its output.
#[derive(Default)]
struct Worker {
    scratch: Scratch,
    case: Vec<Option<writ::semantics::Value>>,
    out: String,
    bad: bool,
}

impl Worker {
    fn line(
        &mut self,
        evaluator: &Evaluator<'_>,
        reader: &CaseReader<'_>,
        writer: &JsonWriter,
        (line, bad): &Line,
        number: usize,
        why_not: Option<usize>,
    ) {
        if bad.is_none() && line.trim().is_empty() {
            return;
        }
        let read = match bad {
            Some(d) => Err((**d).clone()),
            None => reader.read(line, &mut self.case).map_err(case_error),
        };
        let result = match read {
            Err(d) => Err(d),
            Ok(()) => evaluator
                .evaluate(&self.case, why_not, &mut self.scratch)
                .map_err(|e| eval_error(&e)),
        };
        match result {
            Ok(e) => writer.write(&mut self.out, &e),
            Err(d) => {
                self.bad = true;
                let record = serde_json::json!({
                    "line": number,
                    "error": d.message,
                    "code": d.code.code,
                });
                self.out.push_str(&record.to_string());
            }
        }
        self.out.push('\n');
    }
}
