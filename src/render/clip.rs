//! Long source lines, clipped around their labels as rustc clips them.
//!
//! codespan-reporting prints each labelled line whole, so a label on a
//! 40,000-value enum declaration would quote the whole declaration, once per
//! diagnostic. [`Clipped`] is a view of the files that codespan reads
//! instead: it holds only the lines a diagnostic shows (its labelled lines,
//! the lines between a multi-line label's ends, and one line either side,
//! which codespan prints to close a one-line gap), and each line longer than
//! [`LONG`] bytes is cut to a window of about [`WINDOW`] bytes around the
//! labels on it, with `…` where text was cut. Line numbers and the columns
//! in the `┌─ file:line:column` header are the original file's.

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use codespan_reporting::files::{Error, Files};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

/// Lines longer than this many bytes are clipped.
pub const LONG: usize = 120;
/// About how many bytes of a clipped line are shown.
pub const WINDOW: usize = 100;
/// How many bytes before the first label on a line the window starts.
const BEFORE: usize = 24;
/// What stands for cut text.
const ELLIPSIS: &str = "…";

/// One line of the view: the parts of the file's line it shows, each
/// with where it starts in the view's text, `…` between and around them
/// where text was cut.
struct Line {
    /// Where the line starts in the view's text.
    start: usize,
    /// Its length in the view's text (without the newline).
    len: usize,
    /// The parts shown: file offsets, and where each starts in the view.
    parts: Vec<(Range<usize>, usize)>,
}

/// The lines of one file that a diagnostic shows.
struct View {
    text: String,
    /// By original line index.
    lines: BTreeMap<usize, Line>,
}

/// A view of the files with long lines clipped, for one diagnostic.
pub struct Clipped<'m> {
    map: &'m SourceMap,
    views: HashMap<FileId, View>,
}

/// The parts of a long line to show: one window of about [`WINDOW`]
/// bytes around the label ends on it when they are close together, else a
/// shorter window around each group of them.
fn windows(source: &str, line: Range<usize>, marks: &[usize]) -> Vec<Range<usize>> {
    let mut marks = marks.to_vec();
    marks.sort_unstable();
    if marks.is_empty() {
        // A line inside a multi-line label: its start.
        marks.push(line.start);
    }
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for &m in &marks {
        match groups.last_mut() {
            Some(g) if m - g.0 <= WINDOW - BEFORE => g.1 = m,
            _ => groups.push((m, m)),
        }
    }
    let width = if groups.len() == 1 {
        WINDOW
    } else {
        WINDOW / 2
    };
    let mut out: Vec<Range<usize>> = Vec::new();
    for (lo, hi) in groups {
        let start = lo.saturating_sub(BEFORE.min(width / 2)).max(line.start);
        let stop = (hi + 8).max(start + width).min(line.end);
        // Near the end of the line, show a full window anyway.
        let start = start.min(stop.saturating_sub(width)).max(line.start);
        let w = floor(source, start)..ceil(source, stop);
        match out.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => out.push(w),
        }
    }
    out
}

/// The byte offset of `i` or the char boundary before it.
fn floor(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The byte offset of `i` or the char boundary after it.
fn ceil(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl<'m> Clipped<'m> {
    /// The view for `d`, or `None` when no line it shows is long.
    pub fn new(map: &'m SourceMap, d: &Diagnostic) -> Option<Clipped<'m>> {
        let spans: Vec<Span> = d
            .primary
            .iter()
            .chain(&d.secondary)
            .map(|l| l.span)
            .collect();
        // Per file: line index → the file offsets of label ends on it.
        let mut wanted: HashMap<FileId, BTreeMap<usize, Vec<usize>>> = HashMap::new();
        let mut long = false;
        for s in &spans {
            let Ok(first) = map.line_index(s.file, s.start as usize) else {
                continue;
            };
            let Ok(last) = map.line_index(s.file, s.end as usize) else {
                continue;
            };
            let lines = wanted.entry(s.file).or_default();
            for i in first.saturating_sub(1)..=last + 1 {
                let Ok(range) = map.line_range(s.file, i) else {
                    continue;
                };
                long |= range.len() > LONG && (first..=last).contains(&i);
                let marks = lines.entry(i).or_default();
                for p in [s.start as usize, s.end as usize] {
                    if range.contains(&p) || (p == range.end && i == last) {
                        marks.push(p);
                    }
                }
            }
        }
        if !long {
            return None;
        }
        let mut views = HashMap::new();
        for (file, lines) in wanted {
            let source = map.text(file);
            let mut view = View {
                text: String::new(),
                lines: BTreeMap::new(),
            };
            for (index, marks) in lines {
                let range = map.line_range(file, index).expect("a line found above");
                // The line without its line break.
                let mut end = range.end;
                while end > range.start && matches!(source.as_bytes()[end - 1], b'\n' | b'\r') {
                    end -= 1;
                }
                let windows = if end - range.start <= LONG {
                    std::iter::once(range.start..end).collect()
                } else {
                    windows(source, range.start..end, &marks)
                };
                let start = view.text.len();
                let mut parts = Vec::new();
                let mut at = range.start;
                for w in windows {
                    if w.start > at {
                        view.text.push_str(ELLIPSIS);
                    }
                    parts.push((w.clone(), view.text.len()));
                    view.text.push_str(&source[w.clone()]);
                    at = w.end;
                }
                if at < end {
                    view.text.push_str(ELLIPSIS);
                }
                let len = view.text.len() - start;
                view.text.push('\n');
                view.lines.insert(index, Line { start, len, parts });
            }
            views.insert(file, view);
        }
        Some(Clipped { map, views })
    }

    /// Where a file offset is in the view (a cut-out offset goes to the
    /// nearest edge of what is shown).
    pub fn offset(&self, file: FileId, p: usize) -> usize {
        let Some(view) = self.views.get(&file) else {
            return 0;
        };
        let Ok(index) = self.map.line_index(file, p) else {
            return 0;
        };
        let Some(line) = view.lines.get(&index) else {
            return 0;
        };
        let mut best = line.start;
        for (w, at) in &line.parts {
            if p < w.start {
                break;
            }
            best = at + (p.min(w.end) - w.start);
        }
        best
    }

    /// The file offset a view offset stands for.
    fn original(&self, file: FileId, b: usize) -> usize {
        let Some(line) = self
            .line_of(file, b)
            .and_then(|i| self.views[&file].lines.get(&i))
        else {
            return 0;
        };
        let mut best = line.parts.first().map_or(0, |(w, _)| w.start);
        for (w, at) in &line.parts {
            if b < *at {
                break;
            }
            best = w.start + (b - at).min(w.len());
        }
        best
    }

    fn line_of(&self, file: FileId, b: usize) -> Option<usize> {
        let view = self.views.get(&file)?;
        view.lines
            .iter()
            .find(|(_, l)| b >= l.start && b <= l.start + l.len)
            .map(|(i, _)| *i)
    }
}

impl<'a> Files<'a> for Clipped<'_> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, Error> {
        Ok(self.map.name(id))
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, Error> {
        self.views
            .get(&id)
            .map(|v| v.text.as_str())
            .ok_or(Error::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, Error> {
        self.line_of(id, byte_index).ok_or(Error::IndexTooLarge {
            given: byte_index,
            max: self.views.get(&id).map_or(0, |v| v.text.len()),
        })
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, Error> {
        let view = self.views.get(&id).ok_or(Error::FileMissing)?;
        let line = view.lines.get(&line_index).ok_or(Error::LineTooLarge {
            given: line_index,
            max: view.lines.keys().last().copied().unwrap_or(0),
        })?;
        Ok(line.start..line.start + line.len + 1)
    }

    fn column_number(
        &'a self,
        id: FileId,
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, Error> {
        let p = self.original(id, byte_index);
        Ok(self.map.line_col(id, p).column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    #[test]
    fn a_long_line_is_cut_around_its_label_and_keeps_its_columns() {
        let mut map = SourceMap::new();
        let values: Vec<String> = (0..2000).map(|i| format!("v{i}")).collect();
        let text = format!(
            "policy p\nattribute x: {{ {} }}\ndecision o: {{ y }}\n",
            values.join(", ")
        );
        let id = map.add("p.policy", text.clone());
        let at = text.find("v1500").unwrap();
        let d = Diagnostic::warning(Code::UNUSED, "value `v1500` is never used")
            .at(Span::new(id, at, at + 5), "here");
        let clipped = Clipped::new(&map, &d).expect("the line is long");
        let line = clipped.source(id).unwrap();
        let shown = &line[clipped.line_range(id, 1).unwrap()];
        assert!(
            shown.starts_with('…') && shown.trim_end().ends_with('…'),
            "{shown}"
        );
        assert!(shown.len() <= WINDOW + 2 * ELLIPSIS.len() + 1, "{shown}");
        let o = clipped.offset(id, at);
        assert_eq!(&line[o..o + 5], "v1500");
        let line_index = clipped.line_index(id, o).unwrap();
        assert_eq!(line_index, 1);
        assert_eq!(
            clipped.column_number(id, line_index, o).unwrap(),
            map.line_col(id, at).column
        );
        // Short lines need no view.
        let d = Diagnostic::warning(Code::UNUSED, "x").at(Span::new(id, 0, 6), "here");
        assert!(Clipped::new(&map, &d).is_none());
    }
}
