//! The pipeline as functions: what the CLI and the tests call.
//!
//! Each function runs the stages in order and stops between stages when one
//! reports errors, so the diagnostics a user sees are never cascades of one
//! mistake. Syntax errors are the exception: the parser recovers item by
//! item, so the items that parsed are checked too (the checker stays quiet
//! about names whose declarations did not parse), and a file's syntax and
//! type errors are reported in one run. A policy with any error is never
//! compiled or verified.

use crate::check::{self, Checked, Policy};
use crate::compile;
use crate::diag::Diagnostic;
use crate::load::{self, LoadError};
use crate::source::SourceMap;
use crate::syntax::ast::SourceFile;
use std::path::Path;

/// How [`check_file_with`] verifies what needs the compiled diagram.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The node budget of the verification compile (the command's
    /// `--max-nodes`).
    pub max_nodes: usize,
    /// Its byte budget (the command's `--max-memory`).
    pub max_memory: usize,
    /// Leave strict conflicts to the caller, which decides cases with the
    /// rule index and reports a conflict where a case has one: the
    /// diagram is then compiled only for `regardless` claims.
    pub conflicts_by_index: bool,
    /// The project `use` and `extends` read in (`--root DIR`); by default
    /// the checked file's own ([`load::Project::of`]).
    pub project: Option<load::Project>,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            max_nodes: compile::DEFAULT_MAX_NODES,
            max_memory: compile::DEFAULT_MAX_MEMORY,
            conflicts_by_index: false,
            project: None,
        }
    }
}

/// The result of loading and checking one file.
#[derive(Debug)]
pub struct CheckReport {
    /// The checked policy, when the file is a policy without errors.
    pub policy: Option<Policy>,
    /// The policy's diagram (declaration order, explaining rules in the
    /// leaves) when verification compiled it: commands reuse it rather
    /// than compile the policy a second time.
    pub diagram: Option<compile::Diagram>,
    /// Whether the file was checked as a vocabulary.
    pub is_vocabulary: bool,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckReport {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads `path` and everything it uses into `map`, parses and checks it.
/// `Err` only when `path` itself cannot be read (an I/O problem, exit 2).
pub fn check_file(map: &mut SourceMap, path: &Path) -> Result<CheckReport, Box<Diagnostic>> {
    check_file_with(map, path, &CheckOptions::default())
}

/// [`check_file`] with the verification compile's budget and scope.
pub fn check_file_with(
    map: &mut SourceMap,
    path: &Path,
    options: &CheckOptions,
) -> Result<CheckReport, Box<Diagnostic>> {
    let overlay = load::Overlay::default();
    let (loaded, diagnostics) = match load::load_with(map, path, &overlay, options.project.as_ref())
    {
        Ok(x) => x,
        Err(LoadError::Io(d)) => return Err(d),
    };
    Ok(check_loaded(map, &loaded, diagnostics, options))
}

/// [`check_file_with`] for the file `path` at the git revision `rev` (a
/// `REV:PATH` operand): it and everything it uses are read from the
/// revision ([`load::load_at`]); `options.project` does not apply, the
/// project being found in the revision's tree.
pub fn check_revision_with(
    map: &mut SourceMap,
    rev: &load::Revision,
    path: &str,
    options: &CheckOptions,
) -> Result<CheckReport, Box<Diagnostic>> {
    let (loaded, diagnostics) = match load::load_at(map, rev, path) {
        Ok(x) => x,
        Err(LoadError::Io(d)) => return Err(d),
    };
    Ok(check_loaded(map, &loaded, diagnostics, options))
}

/// Checks what [`load::load`] or [`load::load_with`] read (`diagnostics`
/// are the loader's): what the language server runs on an editor's
/// buffers, keeping the `Loaded` files for its name index.
pub fn check_loaded(
    map: &SourceMap,
    loaded: &load::Loaded,
    mut diagnostics: Vec<Diagnostic>,
    options: &CheckOptions,
) -> CheckReport {
    // Files the loader could not read or follow, and bases with errors,
    // stop here (checking on would report what is missing from them);
    // syntax errors do not.
    let parsed_everything = loaded.files.values().all(|f| f.ast.is_some());
    let syntax_errors = diagnostics.iter().any(Diagnostic::is_error);
    if diagnostics
        .iter()
        .any(|d| d.is_error() && !crate::syntax::is_parse_error(d.code))
        || !parsed_everything
    {
        return CheckReport {
            policy: None,
            diagram: None,
            is_vocabulary: false,
            diagnostics,
        };
    }
    let Checked {
        policy,
        is_vocabulary,
        diagnostics: more,
    } = check::check(loaded, map);
    diagnostics.extend(more);
    let (policy, diagram) = match policy {
        Some(_) if syntax_errors => (None, None),
        Some(p) if bases_verified(&p, map, &mut diagnostics, options) => {
            verified(p, &mut diagnostics, options)
        }
        _ => (None, None),
    };
    if syntax_errors {
        sort_by_place(&mut diagnostics);
    }
    CheckReport {
        policy,
        diagram,
        is_vocabulary,
        diagnostics,
    }
}

/// Puts syntax errors and the checker's errors in one order, the text's
/// (the checker sorts its own; the parser's come first otherwise).
fn sort_by_place(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| d.primary.as_ref().map(|l| (l.span.file, l.span.start)));
}

/// Whether the checks of SPEC 4.6–4.7 have anything to find: a strict
/// policy whose rules give more than one outcome (unless conflicts are
/// left to the rule index), or a `regardless` claim.
fn needs_verification(p: &Policy, options: &CheckOptions) -> bool {
    let strict_with_choice = p.resolve == crate::check::Resolve::Strict
        && p.rules.iter().any(|r| r.outcome != p.rules[0].outcome);
    (strict_with_choice && !options.conflicts_by_index)
        || p.rules.iter().any(|r| !r.regardless.is_empty())
}

/// SPEC 4a: a base must check cleanly on its own, and the exact checks
/// (strict conflicts, `regardless` claims) are part of checking. Verifies
/// each base in the chain, the farthest first; the first that fails is
/// reported with its errors and one more at the `extends` that led to it.
fn bases_verified(
    p: &Policy,
    map: &SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
    options: &CheckOptions,
) -> bool {
    let Some(e) = &p.extends else {
        return true;
    };
    if !bases_verified(&e.base, map, diagnostics, options) {
        return false;
    }
    let mut found = Vec::new();
    // By reference: a copy of the base would copy the whole chain below
    // it, at every level (cubic in the chain's length).
    if verifies(&e.base, &mut found, options).0 {
        return true;
    }
    let errors = found.iter().filter(|d| d.is_error()).count();
    let base_file = map.name(e.base.meta.loc.0.file);
    diagnostics.extend(found);
    diagnostics.push(load::base_has_errors(
        Path::new(base_file),
        e.loc.0,
        errors.max(1),
    ));
    false
}

/// Runs the exact checks on the compiled diagram, adding what they find;
/// the policy survives only if they find no error, and the diagram is
/// returned for reuse.
fn verified(
    p: Policy,
    diagnostics: &mut Vec<Diagnostic>,
    options: &CheckOptions,
) -> (Option<Policy>, Option<compile::Diagram>) {
    match verifies(&p, diagnostics, options) {
        (true, d) => (Some(p), d),
        (false, _) => (None, None),
    }
}

/// [`verified`] on a borrowed policy: whether it passes the exact checks,
/// and the diagram they were run on (`None` when none were needed).
fn verifies(
    p: &Policy,
    diagnostics: &mut Vec<Diagnostic>,
    options: &CheckOptions,
) -> (bool, Option<compile::Diagram>) {
    if !needs_verification(p, options) {
        return (true, None);
    }
    let compile_options = compile::Options {
        max_nodes: options.max_nodes,
        max_memory: options.max_memory,
        ..compile::Options::default()
    };
    let found = match compile::compile(p, &compile_options) {
        Ok(mut d) => match compile::verify(p, &mut d) {
            Ok(found) => Ok((found, d)),
            Err(e) => Err(compile::CompileError::too_large(e, p.rules.len(), p)),
        },
        Err(e) => Err(e),
    };
    match found {
        Ok((found, d)) => {
            let errors = found.iter().any(Diagnostic::is_error);
            diagnostics.extend(found);
            if errors {
                (false, None)
            } else {
                (true, Some(d))
            }
        }
        Err(e) => {
            diagnostics.push(too_large(p, &e, Purpose::Verify));
            (false, None)
        }
    }
}

/// What a diagram was being built for when it passed its budget: E0042's
/// notes say what the diagram was needed for and offer only the ways out
/// that the command has and that were not already taken.
#[derive(Clone, Copy, Debug)]
pub enum Purpose<'a> {
    /// Checking strict conflicts and `regardless` claims (every command
    /// that checks a policy).
    Verify,
    /// `writ compile` with these options.
    Compile(&'a compile::Options),
    /// `writ eval --engine diagram`.
    Evaluate,
    /// `writ lint`.
    Lint,
    /// `writ diff`, building the old policy's diagram (`true`) or the new
    /// one's.
    Diff {
        /// Whether the old policy's diagram was being built.
        old: bool,
    },
    /// `writ test`.
    Test,
}

/// The diagnostic (E0042) for a diagram past its budget of nodes or of
/// memory; for memory, a note says what held it.
pub fn too_large(p: &Policy, e: &compile::CompileError, purpose: Purpose<'_>) -> Diagnostic {
    let mut d = Diagnostic::error(crate::diag::Code::DIAGRAM_TOO_LARGE, format!("{e}"))
        .at(p.meta.loc.0, "this policy's decision diagram is too large");
    let raise = match e.budget() {
        compile::BudgetExceeded::Nodes { .. } => {
            "raise `--max-nodes` (the default is 10,000,000 nodes)"
        }
        compile::BudgetExceeded::Memory { .. } => "raise `--max-memory` (the default is 2 GiB)",
    };
    if let Some(held) = e.budget().breakdown() {
        d = d.note(format!("at that point it needed {held}"));
    }
    match purpose {
        Purpose::Verify => {
            let strict = p.resolve == crate::check::Resolve::Strict;
            let regardless = p.rules.iter().any(|r| !r.regardless.is_empty());
            let what = match (strict, regardless) {
                (true, true) => "strict conflicts and `regardless` claims are",
                (true, false) => "strict conflicts are",
                _ => "`regardless` claims are",
            };
            let d = d.note(format!("{what} checked exactly on the diagram"));
            if strict && !regardless {
                d.help(raise).help(
                    "`resolve first` or `resolve priority` needs no conflict check; `writ eval --engine index` decides cases without the diagram",
                )
            } else {
                d.help(raise)
            }
        }
        Purpose::Compile(options) => {
            let mut tries = Vec::new();
            if options.order != compile::Order::Auto {
                tries.push("`--order auto`");
            }
            if !options.outcomes_only {
                tries.push("`--outcomes-only`");
            }
            let d = if tries.is_empty() {
                d.help(raise)
            } else {
                d.help(format!("try {}, or {raise}", tries.join(" or ")))
            };
            d.note("`writ eval --engine index` decides cases without the diagram")
        }
        Purpose::Evaluate => d.help(format!(
            "`--engine index` (or `auto`) decides cases without the diagram, or {raise}"
        )),
        Purpose::Lint => d
            .note("the lints are decided exactly on the compiled diagram")
            .help(raise),
        Purpose::Diff { old } => d
            .note(format!(
                "reached while building the {} policy's diagram; both policies share one diagram manager, so the difference is exact",
                if old { "old" } else { "new" }
            ))
            .help(raise),
        Purpose::Test => d
            .note("tests are checked exhaustively on the compiled diagram")
            .help(raise),
    }
}

/// Checks policy source text held in memory, as if it were a file named
/// `name` that uses no other file. Convenient for tests and embedding.
///
/// ```
/// use writ::source::SourceMap;
///
/// let text = "policy card
/// attribute location: { US, Ireland }
/// decision outcome: { compel, quash }
/// when location = Dublin then quash";
/// let mut map = SourceMap::new();
/// let report = writ::api::check_source(&mut map, "card.policy", text);
/// assert!(report.policy.is_none());
/// assert_eq!(report.diagnostics[0].code.code, "E0024");
/// assert_eq!(report.diagnostics[0].message, "`Dublin` is not a value of `location`");
///
/// let fixed = text.replace("Dublin", "Ireland");
/// let report = writ::api::check_source(&mut map, "card.policy", &fixed);
/// let policy = report.policy.expect("a clean policy");
/// assert_eq!(policy.rules[0].id, "line:4");
/// ```
pub fn check_source(map: &mut SourceMap, name: &str, text: &str) -> CheckReport {
    check_source_with(map, name, text, Some(&CheckOptions::default()))
}

/// [`check_source`] with the verification compile's budget and scope: what
/// the command line runs on standard input (`writ check -`).
pub fn check_source_options(
    map: &mut SourceMap,
    name: &str,
    text: &str,
    options: &CheckOptions,
) -> CheckReport {
    check_source_with(map, name, text, Some(options))
}

/// Like [`check_source`], but without the checks that need the compiled
/// diagram (strict conflicts, `regardless` claims): for tests of the
/// decision engines themselves, which must be able to see policies with
/// conflicts.
pub fn check_source_unverified(map: &mut SourceMap, name: &str, text: &str) -> CheckReport {
    check_source_with(map, name, text, None)
}

/// Checks text held in memory; verifies it with `verify` when given.
fn check_source_with(
    map: &mut SourceMap,
    name: &str,
    text: &str,
    verify: Option<&CheckOptions>,
) -> CheckReport {
    let id = map.add(name, text);
    let parsed = crate::syntax::parse(id, map.text(id));
    let ast = parsed.file.unwrap_or_else(|| SourceFile {
        items: Vec::new(),
        broken: Vec::new(),
    });
    let mut diagnostics = parsed.diagnostics;
    let syntax_errors = !diagnostics.is_empty();
    let mut uses = Vec::new();
    for (i, item) in ast.items.iter().enumerate() {
        if let crate::syntax::ast::ItemKind::Use(path)
        | crate::syntax::ast::ItemKind::Extends(path) = &item.kind
        {
            uses.push((i, None));
            diagnostics.push(
                Diagnostic::error(
                    crate::diag::Code::UNREADABLE,
                    format!(
                        "cannot follow `{} \"{}\"` from text that is not a file",
                        item.kind.keyword(),
                        path.value
                    ),
                )
                .at(item.span, "used here")
                .help("check the policy from a file so that `use` paths can be resolved"),
            );
        }
    }
    let mut files = std::collections::HashMap::new();
    files.insert(
        id,
        load::LoadedFile {
            id,
            ast: Some(ast),
            comments: parsed.comments,
            uses,
        },
    );
    let loaded = load::Loaded { root: id, files };
    let checked = check::check(&loaded, map);
    diagnostics.extend(checked.diagnostics);
    if syntax_errors {
        sort_by_place(&mut diagnostics);
    }
    let errors = diagnostics.iter().any(Diagnostic::is_error);
    let policy = if errors { None } else { checked.policy };
    let (policy, diagram) = match (verify, policy) {
        (Some(options), Some(p)) => verified(p, &mut diagnostics, options),
        (_, policy) => (policy, None),
    };
    CheckReport {
        policy,
        diagram,
        is_vocabulary: checked.is_vocabulary,
        diagnostics,
    }
}
