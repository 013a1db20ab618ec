//! `writ lint`: warnings about policies that check but probably do not say
//! what their authors meant, each decided exactly on the compiled diagram.
//!
//! # One file per lint
//!
//! Each lint has a file of its own, named after it: `dead_rule.rs` declares
//! `dead-rule` with `declare_lint!` (its code, name, default level and the
//! explanation `writ explain` prints, in the sections *What it does*, *Why
//! is this bad?*, *Example* and *Use instead*) and holds the check that
//! reports it. This file is the registry: it lists every lint once, in code
//! order ([`LINTS`]), and runs their checks in the order their inputs
//! require ([`lint`]). The machinery they share is in `context`. Adding a
//! lint is a new file and three lines here: its `mod`, its entry in
//! `lints!` and its call in `run`.
//!
//! Lint codes are [`Code`]s like the errors of `diag::codes`, but `diag`
//! sits below the analyses and does not name them, so the items of `Code`
//! that need every code are defined here: the constants (`Code::DEAD_RULE`,
//! the same value as `dead_rule::DEAD_RULE`), `Code::ALL` and
//! `Code::lookup`.
//!
//! # How the lints share one diagram
//!
//! The policy is compiled once, and every rule's condition diagram is built
//! once, in the same manager. The per-rule lints then combine the policy's
//! diagram with the rule's condition (`Mdd::apply_with`, which skips every
//! case outside the rule's region), so each costs what the rule's region
//! costs, never a recompilation:
//!
//! * one pass per rule classifies its cases into *live* (the rule explains
//!   the case) and *beaten* (by which verdict): `dead-rule`,
//!   `partly-masked` and `overlap` read it;
//! * `redundant-rule` folds the policy without the rule, but only over the
//!   cases the rule decides (or matches, when `overrides` involve it) and
//!   only with the rules whose conditions can meet it there (a box
//!   pre-filter over cells), and compares outcomes node by node;
//! * `duplicate-rule` and the constant conditions are comparisons of node
//!   ids: diagrams are canonical, so equivalent conditions are one node.
//!
//! # One cause, one warning
//!
//! A rule that never matches is not also dead or redundant; of a duplicate
//! pair only the later rule is reported, and neither is redundant; an
//! outcome is not reported as never decided when every rule that gives it
//! has been reported already. The early lints record what they reported
//! (`Linter::skip`, `Linter::reported`) for the later ones to read.

use crate::check::Policy;
use crate::compile::{self, CompileError};
use crate::diag::codes::ERRORS;
use crate::diag::{Code, Diagnostic};

pub use crate::diag::codes::Level;
pub use context::{Levels, Options, Timings};

/// Declares a lint: its code, its name, its default level and its
/// explanation, written once as doc comments and printed by `writ explain`.
///
/// The explanation opens with a one-sentence summary (`Lint: ...`, or
/// `Lint (allowed by default): ...`), which SARIF output uses as the short
/// description, and then has the sections `### What it does`, `### Why is
/// this bad?`, `### Example` and `### Use instead`, as Clippy's lints do.
/// Examples are indented four spaces.
///
/// ```text
/// declare_lint! {
///     /// Lint: a rule's condition holds for no case, so the rule never
///     /// matches.
///     ///
///     /// ### What it does
///     /// ...
///     pub NEVER_MATCHES, "L0001", "never-matches", Warn
/// }
/// ```
macro_rules! declare_lint {
    (
        $(#[doc = $doc:literal])*
        pub $konst:ident, $code:literal, $name:literal, $level:ident
    ) => {
        // The explanation is not put on the constant as its rustdoc: its
        // indented examples are `writ` policies, which rustdoc would take
        // for Rust to test.
        #[doc = concat!(
            "`", $code, "` (`", $name, "`), `", stringify!($level),
            "` by default; `writ explain ", $code, "` prints its explanation, ",
            "written in this module's source."
        )]
        pub const $konst: crate::diag::Code = crate::diag::Code::lint(
            $code,
            $name,
            crate::diag::codes::Level::$level,
            concat!($($doc, "\n"),*),
        );
    };
}

mod context;

pub mod always_matches;
pub mod dead_rule;
pub mod duplicate_rule;
pub mod incomplete;
pub mod never_matches;
pub mod overlap;
pub mod partly_masked;
pub mod redundant_rule;
pub mod unknown_lint;
pub mod unused;

/// The registry: each lint's module and constant, in code order. Defines
/// the `Code` constant of each and [`LINTS`].
macro_rules! lints {
    ($($module:ident :: $konst:ident),* $(,)?) => {
        impl Code {
            $(
                #[doc = concat!("The lint declared in [`", stringify!($module), "`].")]
                pub const $konst: Code = $module::$konst;
            )*
        }

        /// Every lint with its default level, in code order.
        pub const LINTS: &[(Code, Level)] = &[$(($module::$konst, default_level($module::$konst))),*];
    };
}

lints! {
    never_matches::NEVER_MATCHES,
    always_matches::ALWAYS_MATCHES,
    dead_rule::DEAD_RULE,
    partly_masked::PARTLY_MASKED,
    redundant_rule::REDUNDANT_RULE,
    incomplete::INCOMPLETE,
    overlap::OVERLAP,
    unused::UNUSED,
    duplicate_rule::DUPLICATE_RULE,
    unknown_lint::UNKNOWN_LINT,
}

/// A lint's default level, in a constant context.
const fn default_level(code: Code) -> Level {
    match code.default_level() {
        Some(level) => level,
        None => panic!("a lint without a level"),
    }
}

/// Every code, errors and lints, in order.
const ALL: [Code; ERRORS.len() + LINTS.len()] = {
    let mut all = [ERRORS[0]; ERRORS.len() + LINTS.len()];
    let mut i = 0;
    while i < ERRORS.len() {
        all[i] = ERRORS[i];
        i += 1;
    }
    let mut j = 0;
    while j < LINTS.len() {
        all[i + j] = LINTS[j].0;
        j += 1;
    }
    all
};

impl Code {
    /// Every code, the errors (`diag::codes::ERRORS`) and then the lints
    /// ([`LINTS`]), in order.
    pub const ALL: &'static [Code] = &ALL;

    /// Finds a code, error or lint, by its code (`E0001`, `L0003`, any
    /// case) or its name (`dead-rule`).
    pub fn lookup(key: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.code.eq_ignore_ascii_case(key) || c.name == key)
    }
}

/// Finds a lint by code (`L0003`, any case) or name (`dead-rule`).
pub fn lookup(key: &str) -> Option<Code> {
    LINTS
        .iter()
        .map(|(c, _)| *c)
        .find(|c| c.code.eq_ignore_ascii_case(key) || c.name == key)
}

/// Runs every lint whose level is not `allow` on a checked policy.
pub fn lint(policy: &Policy, options: &Options) -> Result<Vec<Diagnostic>, CompileError> {
    lint_timed(policy, options).map(|(d, _)| d)
}

/// [`lint`], also saying how long each lint took.
pub fn lint_timed(
    policy: &Policy,
    options: &Options,
) -> Result<(Vec<Diagnostic>, Timings), CompileError> {
    lint_timed_with(policy, options, None)
}

/// [`lint`] on the policy's diagram when the caller has it already
/// (declaration order, explaining rules in the leaves, compiled within
/// `options.max_nodes`), so that a command compiles a policy once.
pub fn lint_with(
    policy: &Policy,
    options: &Options,
    diagram: Option<compile::Diagram>,
) -> Result<Vec<Diagnostic>, CompileError> {
    lint_timed_with(policy, options, diagram).map(|(d, _)| d)
}

fn lint_timed_with(
    policy: &Policy,
    options: &Options,
    diagram: Option<compile::Diagram>,
) -> Result<(Vec<Diagnostic>, Timings), CompileError> {
    let start = std::time::Instant::now();
    let mut d = match diagram {
        Some(d) if !d.outcomes_only && d.order.iter().enumerate().all(|(i, &a)| i == a) => d,
        _ => compile::compile(
            policy,
            &compile::Options {
                max_nodes: options.max_nodes,
                max_memory: options.max_memory,
                ..compile::Options::default()
            },
        )?,
    };
    let mut conds = Vec::with_capacity(policy.rules.len());
    for (i, r) in policy.rules.iter().enumerate() {
        conds.push(
            compile::cond_diagram(&mut d, &r.cond)
                .map_err(|e| CompileError::too_large(e, i, policy))?,
        );
    }
    let mut timings = Timings {
        compile: start.elapsed(),
        lints: Vec::new(),
    };
    let mut l = context::Linter::new(policy, &options.levels, d, conds);
    run(&mut l, &mut timings)?;
    Ok((l.finish(), timings))
}

/// Runs the checks, each after the lints whose findings it reads.
fn run(l: &mut context::Linter, t: &mut Timings) -> Result<(), CompileError> {
    time(t, Code::UNKNOWN_LINT, || unknown_lint::check(l));
    // These three record the rules the later lints skip, so they run
    // whatever their levels.
    time(t, Code::NEVER_MATCHES, || never_matches::check(l));
    time(t, Code::ALWAYS_MATCHES, || always_matches::check(l));
    time(t, Code::DUPLICATE_RULE, || duplicate_rule::check(l));
    if l.on(Code::DEAD_RULE)
        || l.on(Code::PARTLY_MASKED)
        || l.on(Code::OVERLAP)
        || l.on(Code::REDUNDANT_RULE)
    {
        // The classes are counted in `dead-rule`'s time, the first lint
        // that reads them.
        let classes = time(t, Code::DEAD_RULE, || l.classify())?;
        if l.on(Code::DEAD_RULE) {
            time(t, Code::DEAD_RULE, || dead_rule::check(l, &classes));
        }
        if l.on(Code::PARTLY_MASKED) {
            time(t, Code::PARTLY_MASKED, || partly_masked::check(l, &classes));
        }
        if l.on(Code::OVERLAP) {
            time(t, Code::OVERLAP, || overlap::check(l, &classes))?;
        }
        if l.on(Code::REDUNDANT_RULE) {
            time(t, Code::REDUNDANT_RULE, || {
                redundant_rule::check(l, &classes)
            })?;
        }
    }
    time(t, Code::INCOMPLETE, || incomplete::check(l));
    // Last: it does not repeat what the lints above reported.
    time(t, Code::UNUSED, || unused::check(l));
    Ok(())
}

/// Runs one lint's pass, adding its time to its lint's in `timings`.
fn time<T>(timings: &mut Timings, code: Code, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let r = f();
    let took = start.elapsed();
    match timings.lints.iter_mut().find(|(c, _)| *c == code) {
        Some((_, t)) => *t += took,
        None => timings.lints.push((code, took)),
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_explained() {
        let mut seen = std::collections::HashSet::new();
        assert_eq!(Code::ALL.len(), ERRORS.len() + LINTS.len());
        for code in Code::ALL {
            assert!(seen.insert(code.code), "duplicate code {}", code.code);
            assert!(seen.insert(code.name), "duplicate name {}", code.name);
            assert_eq!(Code::lookup(code.code), Some(*code));
            assert_eq!(Code::lookup(&code.code.to_lowercase()), Some(*code));
            assert_eq!(Code::lookup(code.name), Some(*code));
        }
        assert_eq!(Code::lookup("no-such-lint"), None);
    }

    #[test]
    fn lints_are_in_code_order_with_the_constants_of_their_files() {
        for (i, (code, level)) in LINTS.iter().enumerate() {
            assert_eq!(code.code, format!("L{:04}", i + 1));
            assert_eq!(code.default_level(), Some(*level));
            assert_eq!(lookup(code.name), Some(*code));
            assert_eq!(Code::lookup(code.name), Some(*code));
        }
        assert_eq!(Code::DEAD_RULE, dead_rule::DEAD_RULE);
        assert_eq!(lookup("E0001"), None, "errors are not lints");
    }

    /// Each explanation is a one-sentence summary, then Clippy's four
    /// sections in order, each with text; examples are indented.
    #[test]
    fn every_lint_explains_itself_in_the_four_sections() {
        let sections = [
            "### What it does",
            "### Why is this bad?",
            "### Example",
            "### Use instead",
        ];
        for (code, level) in LINTS {
            let text = code.explain();
            let summary = text.split("\n\n").next().unwrap();
            let prefix = match level {
                Level::Allow => "Lint (allowed by default): ",
                _ => "Lint: ",
            };
            assert!(summary.starts_with(prefix), "{}: {summary}", code.code);
            assert!(summary.ends_with('.'), "{}: {summary}", code.code);
            let mut rest = &text[summary.len()..];
            for s in sections {
                let at = rest
                    .find(&format!("\n\n{s}\n\n"))
                    .unwrap_or_else(|| panic!("{}: no `{s}` after the last", code.code));
                let body = &rest[at + s.len() + 4..];
                let end = body.find("\n\n### ").unwrap_or(body.len());
                assert!(
                    body[..end].trim().len() > 10,
                    "{}: `{s}` is empty",
                    code.code
                );
                rest = body;
            }
            for s in ["### Example", "### Use instead"] {
                let body = text.split(s).nth(1).unwrap();
                let body = body.split("\n\n### ").next().unwrap();
                assert!(
                    body.lines().any(|l| l.starts_with("    ")),
                    "{}: `{s}` has no indented example",
                    code.code
                );
            }
        }
    }
}
