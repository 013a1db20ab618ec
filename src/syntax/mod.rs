//! Syntax: source text in, a syntax tree with spans out.
//!
//! Guarantees to the next stage: every node and every name carries the span
//! of its text; strings are unescaped; parenthesis nesting is at most
//! [`lex::MAX_DEPTH`], so recursion over the tree is bounded. A file with
//! errors still gives a tree: every error is reported, the items that
//! parsed are in it, and the ones that did not are listed as
//! [`ast::BrokenItem`]s. Nothing here knows about types or scopes. `pest`
//! types never leave this module.

pub mod ast;
pub mod lex;
mod parser;

pub use parser::{ITEM_KEYWORDS, KEYWORDS, Parsed, is_parse_error, parse};
