//! The editor's view of a policy: what a language server asks about names
//! and text, answered from the loaded syntax trees.
//!
//! Everything here reads [`crate::load::Loaded`] (the files of one root,
//! parsed), [`crate::source::SourceMap`] and [`crate::syntax::ast`], works
//! on files with errors (an unknown name is unresolved, a missing file or a
//! dropped item is simply absent; nothing panics), and returns data with
//! [`crate::source::Span`]s: the server converts them to positions
//! (`SourceMap::utf16_position`) and to its protocol's types.
//!
//! * [`index`]: every name of every loaded file, resolved to its
//!   declaration: definitions, references, renames, symbol keys that
//!   survive a rebuild.
//! * [`outline`]: one file's symbols as a tree, and its folding ranges.
//! * [`tokens`]: semantic tokens of one file, names classified by what
//!   they resolve to.
//! * [`complete`]: what may be written at the cursor, read off the text of
//!   the item it is in, and the names that fit.
//! * [`hover`]: a name's declaration, members and what the analyses found
//!   about it (a rule's case counts, a test's result).
//! * [`actions`]: quick fixes that need the policy's meaning (a test
//!   written from a region of cases).

pub mod actions;
pub mod complete;
pub mod hover;
pub mod index;
pub mod outline;
pub mod tokens;
