//! `writ`: a compiler for a small declarative policy language.
//!
//! The pipeline is the architecture:
//!
//! ```text
//! source text ──syntax──▶ syntax tree ──check──▶ checked policy ──▶ …
//!   (source)     (spans)   (syntax::ast)  (names    (check::ir)
//!                                         resolved)
//! ```
//!
//! [`api`] runs the stages in order and is what the CLI calls;
//! [`load`] reads a file and everything it `use`s; [`check`] resolves names
//! and types; [`diag`] is the one diagnostic type every stage reports with.

pub mod api;
pub mod check;
pub mod compile;
pub mod diag;
pub mod emit;
pub mod eval;
pub mod fmt;
pub mod load;
pub mod semantics;
pub mod source;
pub mod syntax;
pub mod synth;
pub mod testing;
