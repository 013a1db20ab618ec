//! Source text and positions: the files `writ` has read and the spans that
//! point into them.
//!
//! Every stage names places by [`Span`]; only the renderers in `crate::diag`
//! turn a span into a line and column. A [`SourceMap`] owns the text of every
//! file that was loaded, so a diagnostic can quote any of them.

use codespan_reporting::files::{Error as FilesError, Files, SimpleFile};
use std::ops::Range;

/// Identifies one file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// The first byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both (which must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range, for slicing the file's text.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// The files read so far: their display names and text.
#[derive(Default, Debug)]
pub struct SourceMap {
    files: Vec<SimpleFile<String, String>>,
}

/// A 1-based line and column, as editors count them (columns in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, counted in Unicode scalar values.
    pub column: usize,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SimpleFile::new(name.into(), text.into()));
        FileId((self.files.len() - 1) as u32)
    }

    /// Every file added so far, in the order they were added.
    pub fn ids(&self) -> impl Iterator<Item = FileId> + use<> {
        (0..self.files.len() as u32).map(FileId)
    }

    /// The file's display name (its path as given).
    pub fn name(&self, id: FileId) -> &str {
        self.files[id.0 as usize].name()
    }

    /// The file's text.
    pub fn text(&self, id: FileId) -> &str {
        self.files[id.0 as usize].source()
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        &self.text(span.file)[span.range()]
    }

    /// The 1-based line and column of a byte offset.
    pub fn line_col(&self, file: FileId, offset: usize) -> LineCol {
        let f = &self.files[file.0 as usize];
        let line_index = f.line_index((), offset).unwrap_or(0);
        let start = f.line_range((), line_index).map(|r| r.start).unwrap_or(0);
        let text = f.source();
        let offset = offset.min(text.len());
        let column = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        LineCol {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// The 1-based line a span starts on.
    pub fn line(&self, span: Span) -> usize {
        self.line_col(span.file, span.start as usize).line
    }
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id.0 as usize)
            .map(|f| f.name().as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id.0 as usize)
            .map(|f| f.source().as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        self.files
            .get(id.0 as usize)
            .ok_or(FilesError::FileMissing)?
            .line_index((), byte_index)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        self.files
            .get(id.0 as usize)
            .ok_or(FilesError::FileMissing)?
            .line_range((), line_index)
    }
}
