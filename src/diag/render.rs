//! Rendering diagnostics: rustc-style text through codespan-reporting, and
//! the JSON array of SPEC section 6.

use super::{Diagnostic, Label, WitnessValue, format_witness};
use crate::source::{SourceMap, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<crate::source::FileId> {
    let severity = match d.severity {
        super::Severity::Error => cs::Severity::Error,
        super::Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(cs::Label::primary(p.span.file, p.span.range()).with_message(&p.message));
    }
    for s in &d.secondary {
        labels.push(cs::Label::secondary(s.span.file, s.span.range()).with_message(&s.message));
    }
    let mut notes = d.notes.clone();
    if let Some(w) = &d.witness {
        notes.push(format!("witness: {}", format_witness(w)));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Writes diagnostics as rustc-style text. Colour is the writer's business:
/// pass a `termcolor` stream that was opened with colour only on a terminal.
pub fn render_text(
    out: &mut dyn WriteColor,
    files: &SourceMap,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let config = term::Config::default();
    for d in diagnostics {
        term::emit_to_write_style(out, &config, files, &to_codespan(d))
            .map_err(std::io::Error::other)?;
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
struct JsonDiagnostic<'a> {
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
}

/// A witness case as a JSON object whose keys keep the policy's attribute
/// order (a `serde_json::Map` would sort them).
struct JsonWitness<'a>(&'a super::Witness);

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
pub fn render_json(files: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let list: Vec<JsonDiagnostic<'_>> = diagnostics
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
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list).expect("diagnostics always serialize");
    s.push('\n');
    s
}
