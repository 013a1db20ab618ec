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
//! # Using the library
//!
//! Load and check a policy, compile it, and decide a case:
//!
//! ```
//! use writ::source::SourceMap;
//!
//! let text = r#"
//! policy card
//! attribute instrument: { SCA_warrant, subpoena }
//! attribute location: { US, Ireland }
//! decision outcome: { compel, quash }
//! rule warrant: when instrument = SCA_warrant then compel regardless location
//! "#;
//! let mut sources = SourceMap::new();
//! let report = writ::api::check_source(&mut sources, "card.policy", text);
//! let policy = report.policy.expect("the policy checks");
//!
//! let diagram = writ::compile::compile(&policy, &writ::compile::Options::default()).unwrap();
//! // A case gives each attribute a value: enum values by index.
//! let case = [0, 1]; // instrument = SCA_warrant, location = Ireland
//! let verdict = diagram.decide(&case);
//! assert_eq!(verdict.outcome(), Some(0)); // compel
//!
//! // The interpreter and the rule index decide the same way.
//! let interpreter = writ::semantics::interp::Interpreter::new(&policy);
//! assert_eq!(&interpreter.decide(&case), verdict);
//! let index = writ::semantics::index::RuleIndex::build(&policy);
//! assert_eq!(&index.decide(&case), verdict);
//! ```
//!
//! [`api`] runs the stages in order and is what the CLI calls;
//! [`load`] reads a file and everything it `use`s; [`check`] resolves names
//! and types; [`diag`] is the one diagnostic type every stage reports with.

#![warn(missing_docs)]

pub mod analysis;
pub mod api;
pub mod check;
pub mod compile;
pub mod diag;
pub mod emit;
pub mod eval;
pub mod fmt;
pub mod ide;
pub mod load;
pub mod lsp;
pub mod names;
pub mod render;
pub mod semantics;
pub mod source;
pub mod syntax;
pub mod synth;
pub mod testing;
