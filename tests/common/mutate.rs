//! Byte-level mutation for the fuzzing harness (`tests/fuzz.rs`): bit
//! flips, insertions (of a random byte, or of a token from a dictionary of
//! the input's language, so that a mutant is often still nearly valid),
//! deletions, duplications, repetitions and splices with another input.
//!
//! A mutation is a list of [`Mutation`]s whose positions are selectors
//! (taken modulo the length when applied), so a strategy needs no input
//! to generate them and a failure shrinks to fewer, smaller edits.

#![allow(dead_code)] // Included with `#[path]`.

use proptest::prelude::*;

/// Tokens of the policy language, and bytes that stress a lexer: inserted
/// whole, so that mutants keep parsing further than random bytes would.
pub const POLICY_WORDS: &[&str] = &[
    " ",
    "\n",
    "\t",
    "\r\n",
    "#",
    "# comment\n",
    "\"",
    "\\",
    "\\n",
    "\"\\\"\"",
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    ".",
    "..",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "-",
    "0",
    "-1",
    "1",
    "36500",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "99999999999999999999999",
    " use ",
    " type ",
    " group ",
    " attribute ",
    " decision ",
    " policy ",
    " title ",
    " source ",
    " date ",
    " resolve ",
    " strict ",
    " first ",
    " priority ",
    " default ",
    " undecided ",
    " rule ",
    " overrides ",
    " when ",
    " then ",
    " regardless ",
    " because ",
    " test ",
    " given ",
    " expect ",
    " by ",
    " and ",
    " or ",
    " not ",
    " in ",
    " all ",
    " except ",
    " bool ",
    " int ",
    " true ",
    " false ",
    " allow ",
    " extends ",
    " repeal ",
    "\"support/small.vocab\"",
    "\"../x.vocab\"",
    "\"/etc/passwd\"",
    " x ",
    " US ",
    "r1",
    "base.r1",
    "a.b.c",
    "((((((((((((((((((((((((((((((((",
    "))))))))))))))))",
    " not not not not not not not not not not not not not not ",
    "\u{0}",
    "\u{7f}",
    "\u{a0}",
    "é",
    "中",
    "🚀",
    "\u{feff}",
    "\u{202e}",
    "\u{2028}",
];

/// Tokens of JSON and of writ's compiled form, for compiled files and
/// cases.
pub const JSON_WORDS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "\\u0061",
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1",
    "-1",
    "1.5",
    "1e3",
    "1e999",
    "-1e999",
    "0.0",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "\"node\"",
    "\"test\"",
    "\"branches\"",
    "\"values\"",
    "\"ranges\"",
    "\"root\"",
    "\"nodes\"",
    "\"id\"",
    "\"outcome\"",
    "\"rules\"",
    "\"default\"",
    "\"format\"",
    "\"writ.tree/1\"",
    "\"writ.dag/1\"",
    "\"attributes\"",
    "\"outcomes\"",
    "\"type\"",
    "\"enum\"",
    "\"bool\"",
    "\"int\"",
    "\"min\"",
    "\"max\"",
    "\"name\"",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "]]]]]]]]]]]]]]]]",
    "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{",
    " ",
    "\n",
    "\r\n",
    "\t",
    "\u{feff}",
    "é",
    "🚀",
    "\u{0}",
];

/// One edit. Positions and lengths are selectors.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// Flip one bit of the byte at `at`.
    Flip { at: u32, bit: u8 },
    /// Insert a dictionary word (`what` below the dictionary's length) or
    /// the byte `what`.
    Insert { at: u32, what: u16 },
    /// Delete up to `len` bytes.
    Delete { at: u32, len: u16 },
    /// Copy up to `len` bytes from `at` to `to`.
    Duplicate { at: u32, len: u16, to: u32 },
    /// Repeat up to `len` bytes at `at` `times` more times in place (the
    /// shapes of the known memory findings: many copies of one rule).
    Repeat { at: u32, len: u16, times: u16 },
    /// Replace from `at` on with the tail of another input from `from`.
    Splice { other: u16, at: u32, from: u32 },
}

/// Up to `max` mutations; repetitions at most `times` copies.
pub fn mutations(max: usize, times: u16) -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        3 => (any::<u32>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        5 => (any::<u32>(), any::<u16>()).prop_map(|(at, what)| Mutation::Insert { at, what }),
        3 => (any::<u32>(), 1u16..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
        2 => (any::<u32>(), 1u16..256, any::<u32>())
            .prop_map(|(at, len, to)| Mutation::Duplicate { at, len, to }),
        1 => (any::<u32>(), 1u16..256, 1..=times.max(1))
            .prop_map(|(at, len, times)| Mutation::Repeat { at, len, times }),
        1 => (any::<u16>(), any::<u32>(), any::<u32>())
            .prop_map(|(other, at, from)| Mutation::Splice { other, at, from }),
    ];
    prop::collection::vec(one, 1..=max)
}

/// The most bytes a mutation may leave: past the 6 MiB cap on a policy
/// (so the cap is fuzzed too), and small enough that mutations which
/// compound (a repetition of a line that an earlier repetition made long)
/// cannot exhaust the harness's own memory.
pub const MAX_MUTANT_BYTES: usize = 8 << 20;

/// The most bytes one `Repeat` copies at a time (a line, or its start).
const MAX_PIECE: usize = 4096;

/// `base` with the mutations applied in order. `words` is the dictionary;
/// `others` the inputs a splice takes its tail from. A mutation that
/// would make the result longer than [`MAX_MUTANT_BYTES`] is skipped.
pub fn apply(base: &[u8], muts: &[Mutation], words: &[&str], others: &[Vec<u8>]) -> Vec<u8> {
    let mut b = base.to_vec();
    for m in muts {
        let before = b.clone();
        let pos = |at: u32, len: usize| if len == 0 { 0 } else { at as usize % (len + 1) };
        match *m {
            Mutation::Flip { at, bit } => {
                if !b.is_empty() {
                    let i = at as usize % b.len();
                    b[i] ^= 1 << bit;
                }
            }
            Mutation::Insert { at, what } => {
                let i = pos(at, b.len());
                let bytes: Vec<u8> = match words.get(what as usize % (words.len() * 2)) {
                    Some(w) => w.as_bytes().to_vec(),
                    None => vec![what as u8],
                };
                b.splice(i..i, bytes);
            }
            Mutation::Delete { at, len } => {
                let i = pos(at, b.len());
                let j = (i + len as usize).min(b.len());
                b.drain(i..j);
            }
            Mutation::Duplicate { at, len, to } => {
                let i = pos(at, b.len());
                let j = (i + len as usize).min(b.len());
                let piece = b[i..j].to_vec();
                let k = pos(to, b.len());
                b.splice(k..k, piece);
            }
            Mutation::Repeat { at, len, times } => {
                // From the start of a line, so that whole items repeat.
                let mut i = pos(at, b.len());
                while i > 0 && b[i - 1] != b'\n' {
                    i -= 1;
                }
                let mut j = (i + len as usize).min(b.len());
                while j < b.len() && j - i < MAX_PIECE && b[j - 1] != b'\n' {
                    j += 1;
                }
                if (j - i) * times as usize + b.len() > MAX_MUTANT_BYTES {
                    continue;
                }
                let piece = b[i..j].to_vec();
                let copies: Vec<u8> = piece.repeat(times as usize);
                b.splice(j..j, copies);
            }
            Mutation::Splice { other, at, from } => {
                if others.is_empty() {
                    continue;
                }
                let o = &others[other as usize % others.len()];
                let i = pos(at, b.len());
                let f = pos(from, o.len());
                b.truncate(i);
                b.extend_from_slice(&o[f..]);
            }
        }
        if b.len() > MAX_MUTANT_BYTES {
            b = before;
        }
    }
    b
}
