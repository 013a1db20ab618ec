//! A small JSON reader into a flat arena, for [`super::compiled`].
//!
//! serde_json refuses documents nested deeper than 128 levels, and a
//! `writ.tree/1` document nests three levels per attribute tested; a
//! recursive value would also overflow the stack when dropped. This reader
//! uses an explicit stack and stores every value in one `Vec`, containers
//! holding indices, so nesting depth costs only memory. It accepts exactly
//! RFC 8259 JSON and reports the line and column of the first error.

use std::collections::HashSet;

/// Index of a value in a [`Json`] arena.
pub(crate) type Ix = usize;

/// One JSON value; containers refer to their elements by index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    /// An integer that fits `i128`.
    Int(i128),
    /// Any other number (fraction, exponent, or too large), as written.
    Number(String),
    Str(String),
    Arr(Vec<Ix>),
    /// Fields in document order; keys are distinct.
    Obj(Vec<(String, Ix)>),
}

/// A parsed document.
#[derive(Debug)]
pub(crate) struct Json {
    pub vals: Vec<J>,
    pub root: Ix,
}

impl Json {
    pub fn get(&self, i: Ix) -> &J {
        &self.vals[i]
    }
}

enum Frame {
    Arr(Vec<Ix>),
    Obj(Vec<(String, Ix)>, String),
}

struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn err(&self, what: &str) -> String {
        let before = &self.s[..self.pos.min(self.s.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
        format!("invalid JSON at line {line}, column {column}: {what}")
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), String> {
        self.ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected {what}")))
        }
    }

    fn literal(&mut self, word: &str, v: J) -> Result<J, String> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("expected a value"))
        }
    }

    fn key(&mut self) -> Result<String, String> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(self.err("expected a field name in double quotes"));
        }
        let k = self.string()?;
        self.expect(b':', "`:` after a field name")?;
        Ok(k)
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("truncated \\u escape"))?;
        let text = std::str::from_utf8(digits).map_err(|_| self.err("bad \\u escape"))?;
        let v = u32::from_str_radix(text, 16).map_err(|_| self.err("bad \\u escape"))?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err("bad \\u escape"));
        }
        self.pos += 4;
        Ok(v)
    }

    /// A string; `pos` is at the opening quote.
    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err("unterminated string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return String::from_utf8(out)
                        .map_err(|_| self.err("string is not valid UTF-8"));
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.err("unterminated string"));
                    };
                    self.pos += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.s.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(self.err("unpaired surrogate in \\u escape"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("unpaired surrogate in \\u escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code)
                                .ok_or_else(|| self.err("unpaired surrogate in \\u escape"))?
                        }
                        _ => return Err(self.err("unknown escape in string")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.err("control character in string")),
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    fn number(&mut self) -> Result<J, String> {
        let start = self.pos;
        let digits = |r: &mut Reader| {
            let from = r.pos;
            while r.peek().is_some_and(|b| b.is_ascii_digit()) {
                r.pos += 1;
            }
            r.pos - from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let first = self.peek();
        let n = digits(self);
        if n == 0 || (first == Some(b'0') && n > 1) {
            return Err(self.err("malformed number"));
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if digits(self) == 0 {
                return Err(self.err("malformed number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("malformed number"));
            }
        }
        // The bytes are ASCII digits and signs, so this is valid UTF-8.
        let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        Ok(match (integer, text.parse::<i128>()) {
            (true, Ok(v)) => J::Int(v),
            _ => J::Number(text),
        })
    }
}

/// Parses a JSON document.
pub(crate) fn parse(text: &str) -> Result<Json, String> {
    let mut r = Reader {
        s: text.as_bytes(),
        pos: 0,
    };
    let mut vals: Vec<J> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    loop {
        // A value starts here.
        r.ws();
        let v = match r.peek() {
            None => return Err(r.err("unexpected end of input, expected a value")),
            Some(b'{') => {
                r.pos += 1;
                r.ws();
                if r.peek() == Some(b'}') {
                    r.pos += 1;
                    J::Obj(Vec::new())
                } else {
                    let k = r.key()?;
                    stack.push(Frame::Obj(Vec::new(), k));
                    continue;
                }
            }
            Some(b'[') => {
                r.pos += 1;
                r.ws();
                if r.peek() == Some(b']') {
                    r.pos += 1;
                    J::Arr(Vec::new())
                } else {
                    stack.push(Frame::Arr(Vec::new()));
                    continue;
                }
            }
            Some(b'"') => J::Str(r.string()?),
            Some(b't') => r.literal("true", J::Bool(true))?,
            Some(b'f') => r.literal("false", J::Bool(false))?,
            Some(b'n') => r.literal("null", J::Null)?,
            Some(b'-' | b'0'..=b'9') => r.number()?,
            Some(_) => return Err(r.err("expected a value")),
        };
        vals.push(v);
        let mut done = vals.len() - 1;
        // Attach the finished value to its container, closing containers
        // that end here.
        loop {
            match stack.last_mut() {
                None => {
                    r.ws();
                    if r.pos < r.s.len() {
                        return Err(r.err("unexpected text after the document"));
                    }
                    return Ok(Json { vals, root: done });
                }
                Some(Frame::Arr(items)) => {
                    items.push(done);
                    r.ws();
                    match r.peek() {
                        Some(b',') => {
                            r.pos += 1;
                            break;
                        }
                        Some(b']') => {
                            r.pos += 1;
                            let Some(Frame::Arr(items)) = stack.pop() else {
                                unreachable!()
                            };
                            vals.push(J::Arr(items));
                            done = vals.len() - 1;
                        }
                        _ => return Err(r.err("expected `,` or `]` in an array")),
                    }
                }
                Some(Frame::Obj(fields, key)) => {
                    fields.push((std::mem::take(key), done));
                    r.ws();
                    match r.peek() {
                        Some(b',') => {
                            r.pos += 1;
                            *key = r.key()?;
                            break;
                        }
                        Some(b'}') => {
                            r.pos += 1;
                            let Some(Frame::Obj(fields, _)) = stack.pop() else {
                                unreachable!()
                            };
                            let mut seen = HashSet::with_capacity(fields.len());
                            if let Some((k, _)) =
                                fields.iter().find(|(k, _)| !seen.insert(k.as_str()))
                            {
                                return Err(r.err(&format!("duplicate field `{k}` in an object")));
                            }
                            vals.push(J::Obj(fields));
                            done = vals.len() - 1;
                        }
                        _ => return Err(r.err("expected `,` or `}` in an object")),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Json {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#" { "a": [1, -2, 3.5, 1e3, true, false, null, "x\"\u00e9\ud83d\ude00"], "b": {}, "c": [] } "#;
        let j = ok(text);
        let J::Obj(fields) = j.get(j.root) else {
            panic!()
        };
        assert_eq!(
            fields.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        let J::Arr(items) = j.get(fields[0].1) else {
            panic!()
        };
        let got: Vec<&J> = items.iter().map(|&i| j.get(i)).collect();
        assert_eq!(got[0], &J::Int(1));
        assert_eq!(got[1], &J::Int(-2));
        assert_eq!(got[2], &J::Number("3.5".into()));
        assert_eq!(got[7], &J::Str("x\"é😀".into()));
    }

    #[test]
    fn depth_costs_only_memory() {
        let n = 200_000;
        let text = format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(ok(&text).vals.len(), n + 1);
    }

    #[test]
    fn malformed_input_is_an_error_with_a_place() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "\"\\x\"",
            "\"\u{1}\"",
            "[1] 2",
            "{\"a\":1,\"a\":2}",
            "nul",
            "\"\\ud800\"",
            "{1:2}",
            "[\"a\\u12\"]",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(
                e.starts_with("invalid JSON at line 1, column "),
                "{bad}: {e}"
            );
        }
    }
}
