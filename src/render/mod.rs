//! The rendering layer: every text, JSON and SARIF form that `writ` shows
//! a person or another program, one module per thing shown.
//!
//! Renderers sit above the analyses in the pipeline. Each takes the
//! analysis's own types (a [`Diagnostic`](crate::diag::Diagnostic) list, an
//! [`Evaluation`](crate::eval::Evaluation), a
//! [`diff::Report`](crate::analysis::diff::Report), a list of
//! [`TestResult`](crate::testing::TestResult)s) and returns text; none of
//! them computes anything an analysis could be asked for, and no
//! computation module formats its results. So a new form (HTML, Markdown,
//! JUnit) is one new function beside the others, and the command line and
//! the language server only choose which to call.
//!
//! The compiled form (`writ.tree/1`, `writ.dag/1`, DOT) is not here: it is
//! the output of `compile`, a format other programs read back, and lives in
//! [`emit`](crate::emit). The picture of the tree ([`svg`], on the geometry
//! of [`layout`]) is here: it is for people and nothing reads it back; it
//! reads the diagram through `emit`'s branch and value helpers.

mod clip;
pub mod coverage;
pub mod diagnostics;
pub mod diff;
pub mod eval;
pub mod hover;
pub mod junit;
pub mod layout;
pub mod sarif;
pub mod site;
pub mod summary;
pub mod svg;
pub mod test;

/// Whether a character from a policy (or a diagnostic quoting one) is
/// shown as U+FFFD in HTML and SVG rather than as itself: the control
/// characters XML cannot hold (all of C0 but tab, line feed and carriage
/// return), C1 and DEL; the noncharacters (U+FDD0–U+FDEF and the last two
/// of every plane: U+FFFE and U+FFFF make a page not well formed); and the
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069), which open a scope that, left unclosed, reverses or
/// reorders the page's own text after the policy's ("Trojan source").
/// The marks U+200E, U+200F and U+061C are kept: they have no scope,
/// only set the direction of the neutral characters beside them, and
/// right-to-left titles need them.
pub(crate) fn replaced(c: char) -> bool {
    let u = c as u32;
    (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        || (0xFDD0..=0xFDEF).contains(&u)
        || u & 0xFFFE == 0xFFFE
        || (0x202A..=0x202E).contains(&u)
        || (0x2066..=0x2069).contains(&u)
}
