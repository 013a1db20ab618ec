//! Source text and positions: the files `writ` has read and the spans that
//! point into them.
//!
//! Every stage names places by [`Span`] (bytes); only the outputs turn a
//! span into a line and column. A [`SourceMap`] owns the text of every file
//! that was loaded, so a diagnostic can quote any of them. People read
//! columns in characters ([`SourceMap::line_col`], for the text and JSON
//! renderers and SARIF); editors speaking the Language Server Protocol
//! count UTF-16 code units, from 0 ([`LineIndex`], made once per file on
//! first use).

use codespan_reporting::files::{Error as FilesError, Files, SimpleFile};
use std::ops::Range;
use std::sync::OnceLock;

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
    /// Each file's [`LineIndex`], made when first asked for: a command
    /// line run never needs one.
    lines: Vec<OnceLock<LineIndex>>,
}

/// A 1-based line and column as people read them, columns in characters
/// (Unicode scalar values). See [`LineIndex`] for the UTF-16 positions of
/// the Language Server Protocol.
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
        self.lines.push(OnceLock::new());
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

    /// The file's lines, for positions in UTF-16 code units; made on the
    /// first call and kept.
    pub fn lines(&self, file: FileId) -> &LineIndex {
        self.lines[file.0 as usize].get_or_init(|| LineIndex::new(self.text(file)))
    }

    /// The LSP position of a byte offset of the file (see
    /// [`LineIndex::position`]).
    pub fn utf16_position(&self, file: FileId, offset: usize) -> Utf16Position {
        self.lines(file).position(offset)
    }

    /// The byte offset of an LSP position in the file (see
    /// [`LineIndex::offset`]).
    pub fn utf16_offset(&self, file: FileId, position: Utf16Position) -> usize {
        self.lines(file).offset(position)
    }
}

/// A position as the Language Server Protocol counts it: a line from 0,
/// and a column from 0 in UTF-16 code units (an emoji outside the Basic
/// Multilingual Plane is two, `é` and `中` one each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Utf16Position {
    /// The line, from 0.
    pub line: u32,
    /// The column, from 0, in UTF-16 code units.
    pub column: u32,
}

/// A character that takes more than one byte in UTF-8: where it starts,
/// and its length in UTF-8 bytes and in UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wide {
    offset: u32,
    utf8: u8,
    utf16: u8,
}

/// The lines of a text, for converting between byte offsets and the
/// UTF-16 positions of the Language Server Protocol.
///
/// Made in one pass over the text; afterwards a conversion costs a binary
/// search for the line and a look at the line's characters outside ASCII
/// (none, for most lines of a policy), never a scan of the text. Lines end
/// at `\n`, `\r\n` or a lone `\r`, as the protocol has it (a lone `\r` is
/// not a line break for [`SourceMap::line_col`], whose lines are
/// codespan-reporting's); the line break is not part of the line, and the
/// text after the last one, empty if the text ends with a line break, is
/// the last line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// The byte offset where each line starts.
    starts: Vec<u32>,
    /// The byte offset where each line's text ends, before its line break.
    ends: Vec<u32>,
    /// The characters wider than a byte, in text order.
    wide: Vec<Wide>,
    /// For each line, its first entry in `wide`, and one more entry: the
    /// length of `wide`.
    first_wide: Vec<u32>,
}

impl LineIndex {
    /// The lines of `text` (at most 4 GiB, as every [`Span`] is).
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut index = LineIndex {
            starts: vec![0],
            ends: Vec::new(),
            wide: Vec::new(),
            first_wide: vec![0],
        };
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii() {
                let next = match b {
                    b'\n' => i + 1,
                    b'\r' if bytes.get(i + 1) == Some(&b'\n') => i + 2,
                    b'\r' => i + 1,
                    _ => {
                        i += 1;
                        continue;
                    }
                };
                index.ends.push(i as u32);
                index.starts.push(next as u32);
                index.first_wide.push(index.wide.len() as u32);
                i = next;
                continue;
            }
            // INVARIANT: `i` is at a character boundary (every step above
            // moves by whole characters), so the slice starts one.
            let c = text[i..].chars().next().unwrap_or_default();
            index.wide.push(Wide {
                offset: i as u32,
                utf8: c.len_utf8() as u8,
                utf16: c.len_utf16() as u8,
            });
            i += c.len_utf8();
        }
        index.ends.push(bytes.len() as u32);
        index.first_wide.push(index.wide.len() as u32);
        index
    }

    /// How many lines the text has (at least one).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of line `line` (from 0), without its line break.
    pub fn line_range(&self, line: usize) -> Option<Range<usize>> {
        Some(*self.starts.get(line)? as usize..self.ends[line] as usize)
    }

    /// The wide characters of a line.
    fn wide_of(&self, line: usize) -> &[Wide] {
        &self.wide[self.first_wide[line] as usize..self.first_wide[line + 1] as usize]
    }

    /// The position of a byte offset. An offset inside a character counts
    /// as that character's start, one inside or past a line break as the
    /// end of its line, and one past the text as the text's end.
    pub fn position(&self, offset: usize) -> Utf16Position {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        // The last line starting at or before the offset.
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let offset = offset.min(self.ends[line]);
        let mut column = offset - self.starts[line];
        for w in self.wide_of(line) {
            if w.offset >= offset {
                break;
            }
            let inside = offset - w.offset;
            column -= if inside < u32::from(w.utf8) {
                // Inside the character: at its start.
                inside
            } else {
                u32::from(w.utf8 - w.utf16)
            };
        }
        Utf16Position {
            line: line as u32,
            column,
        }
    }

    /// The byte offset of a position. A column past the end of its line is
    /// the end of the line (as the protocol says), one between the two
    /// halves of a surrogate pair the start of that character, and a line
    /// past the last the end of the text.
    pub fn offset(&self, position: Utf16Position) -> usize {
        let line = position.line as usize;
        if line >= self.line_count() {
            return *self.ends.last().unwrap_or(&0) as usize;
        }
        let (start, end) = (u64::from(self.starts[line]), u64::from(self.ends[line]));
        let column = u64::from(position.column);
        // Bytes beyond UTF-16 units in the characters before the column.
        let mut extra = 0u64;
        for w in self.wide_of(line) {
            let at = u64::from(w.offset) - start - extra;
            if column <= at {
                break;
            }
            if column < at + u64::from(w.utf16) {
                return w.offset as usize;
            }
            extra += u64::from(w.utf8 - w.utf16);
        }
        (start + column + extra).min(end) as usize
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, column: u32) -> Utf16Position {
        Utf16Position { line, column }
    }

    /// The position of every byte offset, computed the slow way: the line
    /// is the number of line breaks before it, the column the UTF-16
    /// length of the line's text before it (the offset moved back to a
    /// character start, and to the end of the line's text).
    fn naive(text: &str, offset: usize) -> Utf16Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let mut line = 0;
        let mut start = 0;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < offset {
            let next = match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => i + 2,
                b'\n' | b'\r' => i + 1,
                _ => {
                    i += 1;
                    continue;
                }
            };
            if next > offset {
                // Inside or at a line break: the end of this line.
                offset = i;
                break;
            }
            line += 1;
            start = next;
            i = next;
        }
        let column = text[start..offset].encode_utf16().count();
        pos(line, column as u32)
    }

    const TEXTS: &[&str] = &[
        "",
        "policy p\n",
        "é中😀x\n",
        "a😀b\r\nc\r\n\r\nd",
        "rule r: when x = \"中\" then y # 😀😀\nlast line, no newline é",
        "lone\rcarriage\r\rreturns\n😀",
    ];

    #[test]
    fn every_offset_agrees_with_the_slow_way_and_comes_back() {
        for text in TEXTS {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                let p = index.position(offset);
                assert_eq!(p, naive(text, offset), "{text:?} at {offset}");
                let back = index.offset(p);
                assert_eq!(index.position(back), p, "{text:?} at {offset}");
                if text.is_char_boundary(offset) && naive(text, offset) == naive(text, offset + 1) {
                    // Not inside a character or a line break: exact.
                    assert_eq!(back, offset, "{text:?} at {offset}");
                }
            }
        }
    }

    #[test]
    fn bmp_characters_are_one_unit_astral_ones_two() {
        let text = "é中😀x";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), pos(0, 0));
        assert_eq!(index.position(2), pos(0, 1)); // after `é` (2 bytes)
        assert_eq!(index.position(5), pos(0, 2)); // after `中` (3 bytes)
        assert_eq!(index.position(9), pos(0, 4)); // after `😀` (4 bytes)
        assert_eq!(index.position(10), pos(0, 5));
        assert_eq!(index.offset(pos(0, 4)), 9);
        // Between the two halves of the surrogate pair: at the emoji.
        assert_eq!(index.offset(pos(0, 3)), 5);
        // Inside the emoji's UTF-8 bytes: at the emoji.
        assert_eq!(index.position(7), pos(0, 2));
    }

    #[test]
    fn crlf_line_breaks_are_not_part_of_the_line() {
        let text = "ab\r\ncd\r\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 3);
        assert_eq!(index.line_range(0), Some(0..2));
        assert_eq!(index.position(2), pos(0, 2));
        assert_eq!(index.position(3), pos(0, 2)); // between `\r` and `\n`
        assert_eq!(index.position(4), pos(1, 0));
        assert_eq!(index.offset(pos(0, 9)), 2); // past the end: before `\r`
        assert_eq!(index.offset(pos(1, 1)), 5);
        assert_eq!(index.offset(pos(2, 0)), 8);
        assert_eq!(index.position(8), pos(2, 0));
    }

    #[test]
    fn the_last_line_needs_no_line_break() {
        let text = "a\nlast é";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 2);
        assert_eq!(index.position(text.len()), pos(1, 6));
        assert_eq!(index.offset(pos(1, 6)), text.len());
        assert_eq!(index.offset(pos(1, 60)), text.len());
        assert_eq!(index.offset(pos(7, 0)), text.len());
        assert_eq!(index.position(text.len() + 5), pos(1, 6));
    }

    #[test]
    fn lines_agree_with_line_col_and_the_source_map_keeps_its_index() {
        let mut map = SourceMap::new();
        let text = "policy p\r\n# é中😀\nrule r: when 😀 then x";
        let id = map.add("p.policy", text);
        for offset in 0..=text.len() {
            if text.is_char_boundary(offset) {
                let p = map.utf16_position(id, offset);
                assert_eq!(p.line as usize + 1, map.line_col(id, offset).line);
                let line = map.lines(id).line_range(p.line as usize).expect("a line");
                assert_eq!(map.utf16_offset(id, p), offset.min(line.end));
            }
        }
        assert!(std::ptr::eq(map.lines(id), map.lines(id)));
    }
}
