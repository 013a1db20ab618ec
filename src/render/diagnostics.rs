//! Rendering diagnostics: rustc-style text through codespan-reporting, and
//! the JSON array of SPEC section 6.

use crate::diag::{
    Allowed, Count, Diagnostic, Label, Region, Severity, Witness, WitnessValue, format_witness,
};
use crate::source::{SourceMap, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;

/// `d` for codespan, with each span's byte range as `range` places it.
fn to_codespan(
    d: &Diagnostic,
    range: impl Fn(Span) -> std::ops::Range<usize>,
) -> cs::Diagnostic<crate::source::FileId> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(cs::Label::primary(p.span.file, range(p.span)).with_message(&p.message));
    }
    for s in &d.secondary {
        labels.push(cs::Label::secondary(s.span.file, range(s.span)).with_message(&s.message));
    }
    // What the problem is about first (the witness, the regions), then how
    // to fix it.
    let mut notes = Vec::new();
    if let Some(w) = &d.witness {
        notes.push(format!("witness: {}", format_witness(w)));
    }
    notes.extend(region_notes(d));
    notes.extend(d.notes.iter().cloned());
    cs::Diagnostic::new(severity)
        .with_code(d.code.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// How many regions the text form shows; JSON and SARIF list them all.
const TEXT_REGIONS: usize = 8;

/// One note per region, `label (N cases): condition`, with its witness on
/// the next line; past [`TEXT_REGIONS`], one note saying how many more.
fn region_notes(d: &Diagnostic) -> Vec<String> {
    let mut out: Vec<String> = d
        .regions
        .iter()
        .take(TEXT_REGIONS)
        .map(|r| {
            let label = if r.label.is_empty() {
                "where"
            } else {
                &r.label
            };
            format!(
                "{label} ({}): {}\n  e.g. {}",
                crate::diag::cases(&r.cases),
                r.condition,
                format_witness(&r.witness)
            )
        })
        .collect();
    let total = d.regions_total.unwrap_or(d.regions.len());
    if total > out.len() {
        let more = total - out.len();
        out.push(format!(
            "and {more} more {} (`--format json` lists {})",
            if more == 1 { "region" } else { "regions" },
            if d.regions.len() == total {
                "them all"
            } else {
                "more of them"
            }
        ));
    }
    out
}

/// Writes diagnostics as rustc-style text. Colour is the writer's business:
/// pass a `termcolor` stream that was opened with colour only on a terminal.
pub fn text(
    out: &mut dyn WriteColor,
    files: &SourceMap,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let config = term::Config::default();
    for d in diagnostics {
        let written = match super::clip::Clipped::new(files, d) {
            // Long lines are shown around their labels only.
            Some(view) => {
                let range = |s: Span| {
                    view.offset(s.file, s.start as usize)..view.offset(s.file, s.end as usize)
                };
                term::emit_to_write_style(out, &config, &view, &to_codespan(d, range))
            }
            None => term::emit_to_write_style(out, &config, files, &to_codespan(d, Span::range)),
        };
        written.map_err(std::io::Error::other)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    primary: bool,
}

#[derive(Serialize)]
pub(crate) struct JsonDiagnostic<'a> {
    severity: &'static str,
    code: &'static str,
    name: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    witness: Option<JsonWitness<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    regions: Vec<JsonRegion<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    regions_total: Option<usize>,
}

/// A region as JSON: `when` has the shape of `writ diff`'s regions.
#[derive(Serialize)]
pub(crate) struct JsonRegion<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    label: &'a str,
    when: JsonWhen<'a>,
    condition: &'a str,
    cases: JsonCount<'a>,
    witness: JsonWitness<'a>,
}

impl<'a> JsonRegion<'a> {
    pub(crate) fn new(r: &'a Region) -> JsonRegion<'a> {
        JsonRegion {
            label: &r.label,
            when: JsonWhen(&r.when),
            condition: &r.condition,
            cases: JsonCount(&r.cases),
            witness: JsonWitness(&r.witness),
        }
    }
}

/// A count as a JSON number when it fits an unsigned 64-bit integer, else
/// as a decimal string (SPEC section 6).
pub struct JsonCount<'a>(pub &'a Count);

impl Serialize for JsonCount<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match u64::try_from(self.0) {
            Ok(n) => s.serialize_u64(n),
            Err(_) => s.serialize_str(&self.0.to_string()),
        }
    }
}

/// Constraints as a JSON object from attribute name to values, or to
/// `[[lo, hi], ...]` for ints, in the policy's attribute order.
pub struct JsonWhen<'a>(pub &'a [(String, Allowed)]);

impl Serialize for JsonWhen<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, allowed) in self.0 {
            match allowed {
                Allowed::Values(v) => map.serialize_entry(name, v)?,
                Allowed::Bools(v) => map.serialize_entry(name, v)?,
                Allowed::Ranges(v) => map.serialize_entry(name, v)?,
            }
        }
        map.end()
    }
}

/// A witness case as a JSON object whose keys keep the policy's attribute
/// order (a `serde_json::Map` would sort them).
pub struct JsonWitness<'a>(pub &'a Witness);

impl Serialize for JsonWitness<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            match value {
                WitnessValue::Enum(v) => map.serialize_entry(name, v)?,
                WitnessValue::Bool(b) => map.serialize_entry(name, b)?,
                WitnessValue::Int(i) => map.serialize_entry(name, i)?,
            }
        }
        map.end()
    }
}

fn json_label<'a>(files: &'a SourceMap, label: &'a Label, primary: bool) -> JsonLabel<'a> {
    let (start, end) = positions(files, label.span);
    JsonLabel {
        file: files.name(label.span.file),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        message: &label.message,
        primary,
    }
}

fn positions(files: &SourceMap, span: Span) -> (crate::source::LineCol, crate::source::LineCol) {
    (
        files.line_col(span.file, span.start as usize),
        files.line_col(span.file, span.end as usize),
    )
}

/// The diagnostics as a pretty-printed JSON array (SPEC section 6), with a
/// final newline. Keys keep a fixed, readable order.
pub fn json(files: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut s = serde_json::to_string_pretty(&json_list(files, diagnostics))
        .expect("diagnostics always serialize");
    s.push('\n');
    s
}

/// The diagnostics as serializable values, for documents that embed them
/// (`writ test --format json`).
pub(crate) fn json_list<'a>(
    files: &'a SourceMap,
    diagnostics: &'a [Diagnostic],
) -> Vec<JsonDiagnostic<'a>> {
    diagnostics
        .iter()
        .map(|d| {
            let span = d.primary.as_ref().map(|p| positions(files, p.span));
            let mut labels = Vec::new();
            if let Some(p) = &d.primary {
                labels.push(json_label(files, p, true));
            }
            labels.extend(d.secondary.iter().map(|s| json_label(files, s, false)));
            JsonDiagnostic {
                severity: d.severity.as_str(),
                code: d.code.code,
                name: d.code.name,
                message: &d.message,
                file: d.primary.as_ref().map(|p| files.name(p.span.file)),
                line: span.map(|s| s.0.line),
                column: span.map(|s| s.0.column),
                end_line: span.map(|s| s.1.line),
                end_column: span.map(|s| s.1.column),
                labels,
                notes: &d.notes,
                witness: d.witness.as_ref().map(JsonWitness),
                regions: d.regions.iter().map(JsonRegion::new).collect(),
                regions_total: d.regions_total,
            }
        })
        .collect()
}
