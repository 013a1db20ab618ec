//! The lines of `writ eval --cases` (SPEC 6): JSON Lines from a file or
//! standard input, streamed one line at a time.
//!
//! A cases file may be longer than any cap (a batch of millions of cases
//! costs memory per line, not per file), so the cap is on each line
//! ([`MAX_CASE_LINE_BYTES`]), and reading a line never holds more than the
//! cap. A line that is not UTF-8, or longer than the cap, is reported with
//! its number and the stream goes on, as a bad case does (SPEC 6: a bad
//! line is one error record); the rest of a long line is skipped without
//! being kept, so memory stays bounded however long it is. A read that
//! fails ends the stream. Devices are refused when the input is opened,
//! since `/dev/zero` has no line breaks and would be read for ever.
//!
//! Lines are numbered from 1, blank ones included, as an editor shows them.

use super::{Kind, MAX_CASE_LINE_BYTES, ReadError, STDIN};
use crate::diag::{Code, Diagnostic};
use std::io::{BufRead, Read};
use std::path::Path;

/// The lines of a cases file or of standard input (see the module
/// documentation).
pub struct CaseLines {
    input: Box<dyn BufRead>,
    /// How messages name the input: `` `cases.jsonl` `` or `standard input`.
    name: String,
    /// The number of the line read last.
    line: usize,
    max: u64,
}

/// One line that [`CaseLines::next_line`] read.
#[derive(Debug)]
pub enum CaseLine {
    /// The line is text, now in the buffer given, without its line break
    /// (`\n` or `\r\n`). It may be blank.
    Text,
    /// The line is not UTF-8 (E0005, naming the line and the input); the
    /// buffer is empty and the next line can be read.
    Bad(Box<Diagnostic>),
}

fn is_fifo(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        meta.file_type().is_fifo()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

impl CaseLines {
    /// Opens a cases file, or standard input for `-`. A path that is
    /// missing, a directory, a device or a socket, or that cannot be
    /// opened, is E0006, naming it. A FIFO is streamed like a file
    /// (`--cases <(generate)`).
    pub fn open(path: &Path) -> Result<CaseLines, Box<Diagnostic>> {
        if path.as_os_str() == "-" {
            return Ok(CaseLines::from_reader(STDIN, std::io::stdin().lock()));
        }
        let fail = |e: ReadError| Box::new(e.into_diagnostic(path, Kind::Cases, None));
        let meta = std::fs::metadata(path).map_err(|e| {
            fail(match e.kind() {
                std::io::ErrorKind::NotFound => ReadError::Missing,
                _ => ReadError::Other(e),
            })
        })?;
        if meta.is_dir() {
            return Err(fail(ReadError::Directory));
        }
        // A FIFO streams (`--cases <(generate)`); a device may never end
        // a line (`/dev/zero`), and a socket is no file.
        if let Some(what) = super::special(&meta)
            && !is_fifo(&meta)
        {
            return Err(fail(ReadError::NotRegular(what)));
        }
        let file = std::fs::File::open(path).map_err(|e| fail(ReadError::Other(e)))?;
        Ok(CaseLines::from_reader(
            format!("`{}`", path.display()),
            std::io::BufReader::with_capacity(1 << 16, file),
        ))
    }

    /// Lines of any stream, named `name` in messages (say `` `FILE` `` or
    /// `standard input`).
    pub fn from_reader(name: impl Into<String>, input: impl BufRead + 'static) -> CaseLines {
        CaseLines {
            input: Box::new(input),
            name: name.into(),
            line: 0,
            max: MAX_CASE_LINE_BYTES,
        }
    }

    /// The number of the line read last (1-based; 0 before the first).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Reads the next line into `text`, reusing its allocation: `Ok(None)`
    /// at the end of the input. A line past the cap is `Bad` with E0015,
    /// and the next line can be read; a failed read is E0006, naming the
    /// input and the line, after which the stream is done.
    pub fn next_line(&mut self, text: &mut String) -> Result<Option<CaseLine>, Box<Diagnostic>> {
        let mut bytes = std::mem::take(text).into_bytes();
        bytes.clear();
        // Two bytes past the cap: a line of exactly the cap and its `\r\n`.
        let read = (&mut self.input)
            .take(self.max + 2)
            .read_until(b'\n', &mut bytes);
        let n = match read {
            Ok(n) => n,
            Err(e) => {
                return Err(Box::new(Diagnostic::error(
                    Code::UNREADABLE,
                    format!("cannot read line {} of {}: {e}", self.line + 1, self.name),
                )));
            }
        };
        if n == 0 {
            *text = String::from_utf8(bytes).unwrap_or_default();
            return Ok(None);
        }
        self.line += 1;
        // Whether the line's end was read: its break, or the input's end
        // before the cap.
        let whole = bytes.last() == Some(&b'\n') || (n as u64) < self.max + 2;
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        if bytes.len() as u64 > self.max {
            // The line goes on past what was read: skip to its end a buffer
            // at a time, keeping none of it.
            let mut ended = whole;
            while !ended {
                let buf = match self.input.fill_buf() {
                    Ok(buf) => buf,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(Box::new(Diagnostic::error(
                            Code::UNREADABLE,
                            format!("cannot read line {} of {}: {e}", self.line, self.name),
                        )));
                    }
                };
                if buf.is_empty() {
                    break;
                }
                let (used, found) = match buf.iter().position(|&b| b == b'\n') {
                    Some(i) => (i + 1, true),
                    None => (buf.len(), false),
                };
                self.input.consume(used);
                ended = found;
            }
            bytes.clear();
            *text = String::from_utf8(bytes).unwrap_or_default();
            return Ok(Some(CaseLine::Bad(Box::new(
                Diagnostic::error(
                    Code::FILE_TOO_LARGE,
                    format!(
                        "line {} of {} is longer than the {} bytes writ reads in a line",
                        self.line, self.name, self.max
                    ),
                )
                .note("each line of `--cases` holds one case, a JSON object; the line was skipped"),
            ))));
        }
        match String::from_utf8(bytes) {
            Ok(s) => {
                *text = s;
                Ok(Some(CaseLine::Text))
            }
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let mut bytes = e.into_bytes();
                bytes.clear();
                *text = String::from_utf8(bytes).unwrap_or_default();
                Ok(Some(CaseLine::Bad(Box::new(
                    Diagnostic::error(
                        Code::NOT_UTF8,
                        format!(
                            "line {} of {} is not UTF-8 text (invalid byte at offset {offset} of the line)",
                            self.line, self.name
                        ),
                    )
                    .help("cases are JSON, which is UTF-8 text; check that the right file was named"),
                ))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of `input`, as text or as the diagnostic's code and
    /// message, and how the stream ended.
    fn lines(input: &'static [u8], max: u64) -> (Vec<Result<String, String>>, Option<String>) {
        let mut r = CaseLines::from_reader("`t.jsonl`", input);
        r.max = max;
        let mut out = Vec::new();
        let mut text = String::new();
        loop {
            match r.next_line(&mut text) {
                Ok(None) => return (out, None),
                Ok(Some(CaseLine::Text)) => out.push(Ok(text.clone())),
                Ok(Some(CaseLine::Bad(d))) => {
                    assert!(text.is_empty());
                    out.push(Err(format!("{}: {}", d.code, d.message)));
                }
                Err(d) => return (out, Some(format!("{}: {}", d.code, d.message))),
            }
        }
    }

    #[test]
    fn lines_are_numbered_and_a_bad_one_is_skipped() {
        let (out, end) = lines(b"{\"a\": 1}\r\n\n{\"b\": \xff}\n{}", 100);
        assert_eq!(
            out,
            [
                Ok("{\"a\": 1}".to_string()),
                Ok(String::new()),
                Err("E0005: line 3 of `t.jsonl` is not UTF-8 text (invalid byte at offset 6 of the line)".to_string()),
                Ok("{}".to_string()),
            ]
        );
        assert_eq!(end, None);
    }

    #[test]
    fn a_line_past_the_cap_is_skipped_and_the_stream_goes_on() {
        // Exactly the cap, with either line break, is read.
        let (out, end) = lines(b"12345\r\n12345\n12345", 5);
        assert_eq!(out.len(), 3);
        assert_eq!(end, None);
        let long =
            |n| format!("line {n} of `t.jsonl` is longer than the 5 bytes writ reads in a line");
        // Just past the cap, far past it, and past it at the end of input.
        let (out, end) = lines(
            b"1234\n123456\n1\n123456789012345678901234567890\r\n22\n1234567",
            5,
        );
        assert_eq!(
            out,
            [
                Ok("1234".to_string()),
                Err(format!("E0015: {}", long(2))),
                Ok("1".to_string()),
                Err(format!("E0015: {}", long(4))),
                Ok("22".to_string()),
                Err(format!("E0015: {}", long(6))),
            ]
        );
        assert_eq!(end, None);
    }

    #[test]
    fn skipping_a_long_line_keeps_none_of_it() {
        // A line far longer than the reader's buffer.
        let mut input = vec![b'x'; 1 << 20];
        input.extend_from_slice(b"\n{}\n");
        let mut r = CaseLines::from_reader(
            "`t.jsonl`",
            std::io::BufReader::with_capacity(64, std::io::Cursor::new(input)),
        );
        r.max = 10;
        let mut text = String::new();
        assert!(matches!(r.next_line(&mut text), Ok(Some(CaseLine::Bad(_)))));
        assert!(text.capacity() < 64, "{}", text.capacity());
        assert!(matches!(r.next_line(&mut text), Ok(Some(CaseLine::Text))));
        assert_eq!((text.as_str(), r.line()), ("{}", 2));
    }

    #[test]
    fn opening_names_the_file() {
        let dir = std::env::temp_dir().join(format!("writ-cases-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = CaseLines::open(&dir).err().unwrap();
        assert_eq!(d.code, Code::UNREADABLE);
        assert!(d.message.ends_with("it is a directory"), "{}", d.message);
        let missing = dir.join("missing.jsonl");
        let d = CaseLines::open(&missing).err().unwrap();
        assert_eq!(d.code, Code::UNREADABLE);
        assert!(d.message.contains("missing.jsonl"), "{}", d.message);
        let file = dir.join("cases.jsonl");
        std::fs::write(&file, "{}\n\u{e9}\n").unwrap();
        let mut r = CaseLines::open(&file).unwrap();
        let mut text = String::new();
        assert!(matches!(r.next_line(&mut text), Ok(Some(CaseLine::Text))));
        assert!(matches!(r.next_line(&mut text), Ok(Some(CaseLine::Text))));
        assert_eq!((text.as_str(), r.line()), ("\u{e9}", 2));
        assert!(matches!(r.next_line(&mut text), Ok(None)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
