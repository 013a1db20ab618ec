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
