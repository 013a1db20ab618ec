//! Diagnostics: the one type every stage reports problems with, and the
//! renderers that turn it into rustc-style text or JSON.
//!
//! Stages collect diagnostics and carry on; they stop only between stages
//! (a file whose uses cannot be read is not type-checked; one with syntax
//! errors is, on the items that parsed). A diagnostic names
//! places by [`Span`], so it can point into any file of the [`SourceMap`](crate::source::SourceMap).

pub mod codes;

pub use codes::Code;

use crate::source::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The input is wrong; the command fails.
    Error,
    /// Worth a look; the command succeeds unless the lint is denied.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span with a message saying what is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The place.
    pub span: Span,
    /// What to say about it (may be empty).
    pub message: String,
}

/// One value in a witness case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitnessValue {
    /// An enum value, by name.
    Enum(String),
    /// A bool.
    Bool(bool),
    /// An integer.
    Int(i64),
}

impl std::fmt::Display for WitnessValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WitnessValue::Enum(s) => f.write_str(s),
            WitnessValue::Bool(b) => write!(f, "{b}"),
            WitnessValue::Int(i) => write!(f, "{i}"),
        }
    }
}

/// A concrete case that shows a problem: attribute names and their values,
/// in the policy's attribute order.
pub type Witness = Vec<(String, WitnessValue)>;

/// An exact number of cases: a product of domain sizes can pass 2^128.
pub type Count = num_bigint::BigUint;

/// The values one attribute is constrained to in a [`Region`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allowed {
    /// Enum values, by name, in declaration order.
    Values(Vec<String>),
    /// Bool values, `false` before `true`.
    Bools(Vec<bool>),
    /// Inclusive integer ranges, ascending, disjoint and not adjacent.
    Ranges(Vec<(i64, i64)>),
}

/// A set of cases given as a conjunction of per-attribute constraints
/// (attributes not named are free), with its exact size and one case in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// What the region is, if it needs saying (`beaten by \`abroad\``).
    pub label: String,
    /// The constraints, in the policy's attribute order.
    pub when: Vec<(String, Allowed)>,
    /// The constraints as a `writ` condition (`location in abroad and
    /// instrument = SCA_warrant`); `true` for every case.
    pub condition: String,
    /// How many cases the region holds.
    pub cases: Count,
    /// A case in the region.
    pub witness: Witness,
}

/// A problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code (`E0001`).
    pub code: Code,
    /// One line, lowercase, no final period; user names in backticks.
    pub message: String,
    /// The offending place, if the problem has one (an unreadable file named
    /// on the command line has none).
    pub primary: Option<Label>,
    /// Other places involved: both declarations of a duplicate, every rule in
    /// a cycle.
    pub secondary: Vec<Label>,
    /// Notes, including how to fix the problem (`help: ...`).
    pub notes: Vec<String>,
    /// A case that shows the problem, where there is one.
    pub witness: Option<Witness>,
    /// The exact sets of cases a lint is about (disjoint, merged), each with
    /// its size and a witness.
    pub regions: Vec<Region>,
    /// How many regions there were in all, when `regions` holds only the
    /// first of them.
    pub regions_total: Option<usize>,
}

impl Diagnostic {
    /// An error with the given code and message, and no place yet.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            witness: None,
            regions: Vec::new(),
            regions_total: None,
        }
    }

    /// A warning with the given code and message, and no place yet.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Sets the primary label.
    pub fn at(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a secondary label.
    pub fn also(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Adds a `help:` note that says how to fix the problem.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    /// Attaches a witness case.
    pub fn with_witness(mut self, witness: Witness) -> Diagnostic {
        self.witness = Some(witness);
        self
    }

    /// Attaches regions of cases.
    pub fn with_regions(mut self, regions: Vec<Region>) -> Diagnostic {
        self.regions = regions;
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The replacement a `did you mean` help offers for the primary label's
    /// text, where there is one: what an editor's quick fix writes.
    pub fn suggestion(&self) -> Option<&str> {
        self.primary.as_ref()?;
        self.notes.iter().find_map(|n| {
            let rest = n.strip_prefix("help: did you mean `")?;
            rest.strip_suffix("`?")
        })
    }
}

/// Writes a count with thousands separators: `1,048,576`.
pub fn format_count(n: &Count) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() * 4 / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 case`, `12 cases`.
pub fn cases(n: &Count) -> String {
    if *n == Count::from(1u8) {
        "1 case".to_string()
    } else {
        format!("{} cases", format_count(n))
    }
}

/// Writes a witness as `a = x, b = true, n = 3`.
pub fn format_witness(witness: &Witness) -> String {
    witness
        .iter()
        .map(|(name, value)| format!("{name} = {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The suggestion for an unknown name: the closest candidate within a small
/// edit distance, if any.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // A third of the name's length, at least one edit: close enough to be a
    // typo, far enough not to suggest unrelated names.
    let limit = (name.chars().count() / 3).max(1);
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            let d = if c.to_lowercase() == lower {
                0
            } else {
                edit_distance(name, c)
            };
            (d, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// The edit distance over characters, a swap of two neighbours counting as
/// one edit (optimal string alignment, `strsim::osa_distance`): `dney` is
/// one edit from `deny`, where plain Levenshtein counts two. Names whose
/// lengths differ by more than three are never close enough to suggest,
/// so they are not compared at all: a huge enum offers 100,000
/// candidates, and a case may hold a name a megabyte long.
fn edit_distance(a: &str, b: &str) -> usize {
    if a.chars().count().abs_diff(b.chars().count()) > 3 {
        return usize::MAX;
    }
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["SCA_warrant", "subpoena", "d_order"];
        assert_eq!(did_you_mean("SCA_warant", names), Some("SCA_warrant"));
        assert_eq!(did_you_mean("sca_warrant", names), Some("SCA_warrant"));
        assert_eq!(did_you_mean("subpena", names), Some("subpoena"));
        assert_eq!(did_you_mean("MLAT", names), None);
        // A swap of two letters is one edit, so short names get help too.
        assert_eq!(did_you_mean("dney", ["deny", "allow"]), Some("deny"));
        assert_eq!(did_you_mean("SCA_warrnat", names), Some("SCA_warrant"));
    }
}
