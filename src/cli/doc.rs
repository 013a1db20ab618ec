//! `writ doc FILE... -o DIR`: a static site for readers who never open a
//! terminal. Each file is checked (under the same project rules as every
//! command), tested, linted and compiled, consecutive policies are
//! compared, and `writ::render::site` turns what was found into pages that
//! this file writes into DIR.
//!
//! Exit 0 when every file checks and every test passes, 1 when some file
//! has errors or a test fails (the site is written all the same), 2 when
//! a file cannot be read or the site cannot be written.

use super::{Exit, Format, Reporter, check_input, io};
use std::path::{Path, PathBuf};
use writ::analysis::coverage::{self, Coverage};
use writ::analysis::{diff, lint, rules};
use writ::api::Purpose;
use writ::diag::{Code, Count, Diagnostic};
use writ::render::site::{DiffDoc, Missing, PolicyDoc, RuleCases};
use writ::render::summary::DocInput;

/// The arguments of `writ doc`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy (and vocabulary) files, in the order the site lists them; consecutive policies are compared.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The folder to write the site into (created if missing; files of the same names are replaced).
    #[arg(short = 'o', long = "output", value_name = "DIR", required = true)]
    output: PathBuf,
    /// The node budget of each policy's decision diagram.
    #[arg(long, default_value_t = writ::compile::DEFAULT_MAX_NODES)]
    max_nodes: usize,
    #[command(flatten)]
    root: super::RootArg,
    /// The memory budget of each policy's decision diagram: bytes, or with a suffix `K`, `M`, `G` (powers of 1,024).
    #[arg(long, value_name = "SIZE", default_value = super::DEFAULT_MAX_MEMORY, value_parser = super::parse_memory)]
    max_memory: usize,
}

/// The decision tree is shown as text up to this many nodes; a larger one
/// would be a page nobody reads.
const MAX_TREE_NODES: u64 = 2_000;

/// What was found about one file.
struct Found {
    file: String,
    /// The file could not be read at all.
    unreadable: bool,
    policy: Option<writ::check::Policy>,
    is_vocabulary: bool,
    diagnostics: Vec<Diagnostic>,
    rules: Vec<RuleCases>,
    cases: Option<Count>,
    tests: Vec<writ::testing::TestResult>,
    lints: Option<Vec<Diagnostic>>,
    tree_svg: Result<String, Missing>,
    tree_text: Result<String, Missing>,
    coverage: Option<Coverage>,
}

pub fn run(args: Args) -> Exit {
    let mut rep = Reporter::new(Format::Text);
    let project = match args.root.project() {
        Ok(p) => p,
        Err(d) => return rep.fail(d, Exit::Usage),
    };
    if let Err(d) = refuse_output(&args.output) {
        return rep.fail(d, Exit::Usage);
    }
    let check_options = writ::api::CheckOptions {
        max_nodes: args.max_nodes,
        project,
        max_memory: args.max_memory,
        ..Default::default()
    };
    let compile_options = writ::compile::Options {
        max_nodes: args.max_nodes,
        max_memory: args.max_memory,
        ..Default::default()
    };
    let mut exit = Exit::Ok;
    let mut found = Vec::new();
    for path in &args.files {
        let report = match check_input(&mut rep, path, &check_options) {
            Ok(r) => r,
            Err(d) => {
                exit = exit.max(Exit::Usage);
                let mut f = Found::failed(path, vec![*d], false);
                f.unreadable = true;
                found.push(f);
                continue;
            }
        };
        if report.has_errors() {
            exit = exit.max(Exit::Failed);
        }
        let Some(policy) = report.policy else {
            found.push(Found::failed(
                path,
                report.diagnostics,
                report.is_vocabulary,
            ));
            continue;
        };
        let f = analyse(
            path,
            policy,
            report.diagram,
            report.diagnostics,
            &rep.map,
            &compile_options,
        );
        if f.tests.iter().any(|t| !t.passed()) || f.diagnostics.iter().any(Diagnostic::is_error) {
            exit = exit.max(Exit::Failed);
        }
        if f.lints.iter().flatten().any(Diagnostic::is_error) {
            exit = exit.max(Exit::Failed);
        }
        found.push(f);
    }
    let diff_options = diff::Options {
        reasons: false,
        max_nodes: args.max_nodes,
        max_memory: args.max_memory,
    };
    // Consecutive policies, skipping vocabularies; a file that does not
    // check is still a step of the history, which cannot be compared.
    let steps: Vec<usize> = (0..found.len())
        .filter(|&i| {
            !(found[i].is_vocabulary && found[i].policy.is_none() && !has_errors(&found[i]))
        })
        .collect();
    let mut reports = Vec::new();
    for pair in steps.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let report = match (&found[a].policy, &found[b].policy) {
            (Some(old), Some(new)) => match diff::diff(old, new, &diff_options) {
                Ok(r) => Ok(r),
                Err(diff::Error::Mismatch(ds)) => Err(ds.into_iter().map(|d| d.message).collect()),
                Err(diff::Error::TooLarge { error, old: is_old }) => {
                    let p = if is_old { old } else { new };
                    Err(vec![
                        writ::api::too_large(p, &error, Purpose::Diff { old: is_old }).message,
                    ])
                }
            },
            (old, new) => {
                let mut why = Vec::new();
                for (f, p) in [(&found[a], old), (&found[b], new)] {
                    if p.is_none() {
                        why.push(format!("`{}` does not check", f.file));
                    }
                }
                Err(why)
            }
        };
        reports.push((a, b, report));
    }
    let docs: Vec<PolicyDoc<'_>> = found.iter().map(Found::doc).collect();
    let diffs: Vec<DiffDoc<'_>> = reports
        .iter()
        .map(|(a, b, r)| DiffDoc {
            old: *a,
            new: *b,
            report: r.as_ref().map_err(Clone::clone),
        })
        .collect();
    let pages = writ::render::site::site(&rep.map, &docs, &diffs);
    for f in &found {
        rep.diagnostics.extend(f.diagnostics.iter().cloned());
    }
    if let Err(d) = write_site(&args.output, &pages, &rep.map) {
        return rep.fail(d, Exit::Usage);
    }
    let inputs: Vec<DocInput<'_>> = found.iter().map(Found::input).collect();
    let written = writ::render::summary::site_written(
        pages.len(),
        &args.output.display().to_string(),
        &args.output.join("index.html").display().to_string(),
        inputs.iter().filter(|i| i.unreadable).count(),
    );
    if exit == Exit::Ok {
        rep.ok.push(written);
    } else {
        rep.done.push(written);
        rep.why = writ::render::summary::doc_problems(&inputs);
    }
    rep.finish();
    exit
}

fn has_errors(f: &Found) -> bool {
    f.diagnostics.iter().any(Diagnostic::is_error)
}

impl Found {
    fn failed(path: &Path, diagnostics: Vec<Diagnostic>, is_vocabulary: bool) -> Found {
        Found {
            file: path.display().to_string(),
            unreadable: false,
            policy: None,
            is_vocabulary,
            diagnostics,
            rules: Vec::new(),
            cases: None,
            tests: Vec::new(),
            lints: None,
            tree_svg: Err(Missing::NotCompiled),
            tree_text: Err(Missing::NotCompiled),
            coverage: None,
        }
    }

    fn doc(&self) -> PolicyDoc<'_> {
        PolicyDoc {
            file: &self.file,
            policy: self.policy.as_ref(),
            is_vocabulary: self.is_vocabulary,
            diagnostics: &self.diagnostics,
            rules: &self.rules,
            cases: self.cases.clone(),
            tests: &self.tests,
            lints: self.lints.as_deref(),
            tree_svg: self.tree_svg.as_deref().map_err(|m| *m),
            tree_text: self.tree_text.as_deref().map_err(|m| *m),
            coverage: self.coverage.as_ref(),
        }
    }

    /// What the exit status reads of this file.
    fn input(&self) -> DocInput<'_> {
        DocInput {
            file: &self.file,
            unreadable: self.unreadable,
            errors: self.diagnostics.iter().filter(|d| d.is_error()).count(),
            tests: self.tests.len(),
            failed: self.tests.iter().filter(|t| !t.passed()).count(),
            lint_errors: self.lints.iter().flatten().filter(|d| d.is_error()).count(),
        }
    }
}

/// Runs every analysis the policy's page shows, on one diagram.
fn analyse(
    path: &Path,
    policy: writ::check::Policy,
    verified: Option<writ::compile::Diagram>,
    mut diagnostics: Vec<Diagnostic>,
    map: &writ::source::SourceMap,
    options: &writ::compile::Options,
) -> Found {
    let mut f = Found::failed(path, Vec::new(), false);
    let diagram = match verified {
        Some(d) if !d.outcomes_only => Ok(d),
        _ => writ::compile::compile(&policy, options),
    };
    let mut d = match diagram {
        Ok(d) => d,
        Err(e) => {
            diagnostics.push(writ::api::too_large(&policy, &e, Purpose::Compile(options)));
            f.diagnostics = diagnostics;
            f.tree_text = Err(Missing::NotCompiled);
            f.policy = Some(policy);
            return f;
        }
    };
    let decided = rules::decided(&policy, &d);
    f.rules = (0..policy.rules.len())
        .map(|r| RuleCases {
            matched: rules::matched(&policy, &mut d, r).ok(),
            decided: decided.get(r).cloned(),
        })
        .collect();
    f.cases = Some(
        policy
            .attributes
            .iter()
            .map(|a| Count::from(a.domain.size()))
            .product(),
    );
    f.tree_svg = tree_svg(&policy, &d, map);
    f.tree_text =
        writ::emit::text::to_text(&policy, &d, map, MAX_TREE_NODES).map_err(|e| match e {
            writ::emit::EmitError::TreeTooLarge { nodes, max } => Missing::TooLarge { nodes, max },
        });
    f.tests = writ::testing::run_tests(&policy, &mut d);
    f.coverage = coverage::coverage(&policy, &mut d).ok();
    let lint_options = lint::Options {
        max_nodes: options.max_nodes,
        max_memory: options.max_memory,
        ..Default::default()
    };
    match lint::lint_with(&policy, &lint_options, Some(d)) {
        Ok(found) => f.lints = Some(found),
        Err(e) => diagnostics.push(writ::api::too_large(&policy, &e, Purpose::Lint)),
    }
    f.diagnostics = diagnostics;
    f.policy = Some(policy);
    f
}

/// The decision tree as an inline SVG element (`writ::render::svg`), or
/// its size past what a picture shows, where the page keeps the tree as
/// text.
fn tree_svg(
    policy: &writ::check::Policy,
    diagram: &writ::compile::Diagram,
    map: &writ::source::SourceMap,
) -> Result<String, Missing> {
    let header = writ::names::Header::from_policy(policy, map);
    writ::render::svg::tree(&header, diagram).map_err(|e| Missing::TooLarge {
        nodes: e.nodes,
        max: e.max,
    })
}

/// E0054 for an output that exists and is not a folder (a policy file
/// named by mistake, a device).
fn refuse_output(dir: &Path) -> Result<(), Box<Diagnostic>> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(Box::new(
            Diagnostic::error(
                Code::SITE_OUTPUT,
                format!(
                    "`-o {}` is not a folder: `writ doc` writes a site of several files",
                    dir.display()
                ),
            )
            .help("name a folder, new or existing, for the site"),
        )),
        _ => Ok(()),
    }
}

/// Writes each page into `dir` (created if missing): into a temporary file
/// beside it, renamed over the page's name, so that a symbolic link of
/// that name in `dir` is replaced rather than written through, and no
/// write lands outside `dir`.
fn write_site(
    dir: &Path,
    pages: &[writ::render::site::Page],
    map: &writ::source::SourceMap,
) -> Result<(), Box<Diagnostic>> {
    let cannot = |path: &Path, e: &std::io::Error| Box::new(io::cannot_write(path, e).0);
    // Every page is checked against the inputs before any is written: a
    // refusal leaves the folder as it was.
    for page in pages {
        if let Some(id) = io::input_at(&dir.join(&page.path), map) {
            return Err(Box::new(
                Diagnostic::error(
                    Code::INVALID_ARGUMENT,
                    format!(
                        "`writ doc -o {}` would write its page `{}` over `{}`, which it reads",
                        dir.display(),
                        page.path,
                        map.name(id)
                    ),
                )
                .help("write the site into another folder"),
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, &e))?;
    for page in pages {
        // The renderer's names are plain file names; anything else is a bug
        // that must not become a write outside the folder.
        let plain = !page.path.is_empty()
            && page
                .path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            && !page.path.starts_with('.');
        assert!(plain, "a page name that is not a plain file name");
        let path = dir.join(&page.path);
        let tmp = dir.join(format!(".{}.writ-{}", page.path, std::process::id()));
        let written = (|| {
            use std::io::Write;
            let _ = std::fs::remove_file(&tmp);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            f.write_all(page.text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(cannot(&path, &e));
        }
    }
    Ok(())
}
