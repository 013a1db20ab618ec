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

pub mod index;
pub mod outline;
pub mod tokens;
