//! SARIF 2.1.0 output (`writ lint --format sarif`), for code-scanning tools
//! such as GitHub code scanning.
//!
//! One run, with one rule per code that fired. Each result carries the whole
//! diagnostic as readable text (message, notes, help, the regions of cases
//! and the witness), the primary span as its location, the secondary labels
//! as related locations, and the witness and regions again as data in its
//! property bag, in the shape `--format json` uses. Columns are counted as
//! [`SourceMap::line_col`] counts them, in Unicode code points, so the run
//! says `columnKind: unicodeCodePoints`. File names are given relative to the
//! directory `writ` ran in (`uriBaseId: %SRCROOT%`), as code scanning
//! expects of paths inside the checked-out repository.

use super::diagnostics::{JsonRegion, JsonWitness};
use crate::diag::codes::Level;
use crate::diag::{Code, Diagnostic, Label, format_witness};
use crate::source::SourceMap;
use serde_json::{Map, Value, json};

/// The schema the output follows: the OASIS SARIF 2.1.0 schema (errata 01).
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base that relative file names are resolved against.
const SRCROOT: &str = "%SRCROOT%";

/// The diagnostics as a SARIF 2.1.0 log, pretty-printed, with a final
/// newline.
pub fn log(files: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    // One rule per code, in code order; results point at them by index.
    let mut codes: Vec<Code> = Vec::new();
    for d in diagnostics {
        if !codes.contains(&d.code) {
            codes.push(d.code);
        }
    }
    codes.sort_by_key(|c| c.code);
    let rules: Vec<Value> = codes.iter().map(rule).collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = codes
                .iter()
                .position(|c| *c == d.code)
                .expect("every code has a rule");
            result(files, d, index)
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "writ",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                SRCROOT: {
                    "description": {
                        "text": "The directory writ ran in: relative file names are relative to it.",
                    }
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).expect("a SARIF log always serializes");
    s.push('\n');
    s
}

/// The reporting descriptor of a code: its names, the first sentence of its
/// explanation as the short description, and the whole explanation (which is
/// Markdown: backticks for names, indented code blocks for examples) as the
/// full description and the help.
fn rule(code: &Code) -> Value {
    let explain = code.explain();
    let explain = explain.trim_end();
    json!({
        "id": code.code,
        "name": code.name,
        "shortDescription": { "text": first_sentence(explain) },
        "fullDescription": { "text": explain },
        "help": { "text": explain, "markdown": explain },
        "defaultConfiguration": { "level": default_level(code) },
    })
}

/// `error` for error codes; for lints, the level they have by default.
fn default_level(code: &Code) -> &'static str {
    match code.default_level() {
        None | Some(Level::Deny) => "error",
        Some(Level::Warn) => "warning",
        Some(Level::Allow) => "none",
    }
}

/// The first sentence of an explanation's first paragraph, on one line and
/// without the `Lint:` prefix the explanations of lints start with.
fn first_sentence(explain: &str) -> String {
    let paragraph = explain.split("\n\n").next().unwrap_or("");
    let line = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = ["Lint (allowed by default): ", "Lint: "]
        .iter()
        .find_map(|p| line.strip_prefix(p))
        .unwrap_or(&line);
    // A sentence ends at a period followed by a space and a capital letter.
    let bytes = line.as_bytes();
    let end = (0..bytes.len())
        .find(|&i| {
            bytes[i] == b'.'
                && bytes.get(i + 1) == Some(&b' ')
                && bytes.get(i + 2).is_some_and(|b| b.is_ascii_uppercase())
        })
        .map_or(line.len(), |i| i + 1);
    let mut chars = line[..end].chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn result(files: &SourceMap, d: &Diagnostic, rule_index: usize) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(d.code.code));
    r.insert("ruleIndex".into(), json!(rule_index));
    // SARIF's levels include `error` and `warning` under those names.
    r.insert("level".into(), json!(d.severity.as_str()));
    r.insert("message".into(), json!({ "text": message_text(d) }));
    if let Some(p) = &d.primary {
        r.insert("locations".into(), json!([location(files, p, None)]));
    }
    if !d.secondary.is_empty() {
        let related: Vec<Value> = d
            .secondary
            .iter()
            .enumerate()
            .map(|(i, s)| location(files, s, Some(i + 1)))
            .collect();
        r.insert("relatedLocations".into(), Value::Array(related));
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ "writ/v1": fingerprint(files, d) }),
    );
    let mut properties = Map::new();
    if let Some(w) = &d.witness {
        properties.insert("witness".into(), to_value(&JsonWitness(w)));
    }
    if !d.regions.is_empty() {
        let regions: Vec<JsonRegion<'_>> = d.regions.iter().map(JsonRegion::new).collect();
        properties.insert("regions".into(), to_value(&regions));
    }
    if let Some(total) = d.regions_total {
        properties.insert("regions_total".into(), json!(total));
    }
    if !properties.is_empty() {
        r.insert("properties".into(), Value::Object(properties));
    }
    Value::Object(r)
}

fn to_value(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).expect("diagnostic data always serializes")
}

/// The diagnostic as plain text: the message (ended with a period, so that
/// it is the first sentence a viewer shows when space is short), then the
/// notes and help, every region with its size, condition and a witness, and
/// the witness of the whole diagnostic. (The labels' texts go with their
/// locations.)
fn message_text(d: &Diagnostic) -> String {
    let mut out = d.message.clone();
    if !out.ends_with(['.', '?', '!']) {
        out.push('.');
    }
    for note in &d.notes {
        out.push('\n');
        if !note.starts_with("help: ") {
            out.push_str("note: ");
        }
        out.push_str(note);
    }
    for region in &d.regions {
        let label = if region.label.is_empty() {
            "where"
        } else {
            &region.label
        };
        out.push_str(&format!(
            "\n{label} ({}): {}\n  e.g. {}",
            crate::diag::cases(&region.cases),
            region.condition,
            format_witness(&region.witness)
        ));
    }
    if let Some(total) = d.regions_total
        && total > d.regions.len()
    {
        let more = total - d.regions.len();
        let noun = if more == 1 { "region" } else { "regions" };
        out.push_str(&format!("\nand {more} more {noun}, not listed"));
    }
    if let Some(w) = &d.witness {
        out.push_str(&format!("\nwitness: {}", format_witness(w)));
    }
    out
}

/// A location for a label: the file, and the span as 1-based lines and
/// columns (the end column is the one after the span, as SARIF wants).
/// Related locations have an id and say what is there.
fn location(files: &SourceMap, label: &Label, id: Option<usize>) -> Value {
    let span = label.span;
    let start = files.line_col(span.file, span.start as usize);
    let end = files.line_col(span.file, span.end as usize);
    let mut l = Map::new();
    if let Some(id) = id {
        l.insert("id".into(), json!(id));
    }
    l.insert(
        "physicalLocation".into(),
        json!({
            "artifactLocation": artifact(files.name(span.file)),
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }
        }),
    );
    if !label.message.is_empty() {
        l.insert("message".into(), json!({ "text": label.message }));
    }
    Value::Object(l)
}

/// The artifact location of a file name as given on the command line: a
/// relative name becomes a relative URI reference against `%SRCROOT%`
/// (forward slashes, no leading `./`), an absolute one a `file:` URI.
fn artifact(name: &str) -> Value {
    let path = name.replace('\\', "/");
    if path.starts_with('/') {
        return json!({ "uri": format!("file://{}", encode_path(&path)) });
    }
    let b = path.as_bytes();
    if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
        // A Windows drive keeps its colon: `file:///C:/policies/a.policy`.
        let (drive, rest) = path.split_at(2);
        return json!({ "uri": format!("file:///{drive}{}", encode_path(rest)) });
    }
    let mut rel = path.as_str();
    while let Some(r) = rel.strip_prefix("./") {
        rel = r.trim_start_matches('/');
    }
    json!({ "uri": encode_path(rel), "uriBaseId": SRCROOT })
}

/// Percent-encodes a path for a URI: unreserved characters, `/` and the
/// sub-delimiters other than `;` stay, everything else is encoded byte by
/// byte (a `:` too, so that a relative path never reads as a scheme).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A fingerprint that stays the same when lines move: FNV-1a (64 bits) over
/// the code, the file name, the message and the text of the primary span.
fn fingerprint(files: &SourceMap, d: &Diagnostic) -> String {
    let mut h = Fnv::new();
    h.write(d.code.code);
    if let Some(p) = &d.primary {
        h.write(files.name(p.span.file));
        h.write(&d.message);
        h.write(files.slice(p.span));
    } else {
        h.write("");
        h.write(&d.message);
        h.write("");
    }
    format!("{:016x}", h.0)
}

/// 64-bit FNV-1a, with each field ended by a 0xff byte (which UTF-8 text
/// never contains) so that fields cannot run into each other.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.bytes(&[0xff]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(
            artifact("tests/a b.policy"),
            json!({ "uri": "tests/a%20b.policy", "uriBaseId": SRCROOT })
        );
        assert_eq!(
            artifact("./x/./é:1.policy"),
            json!({ "uri": "x/./%C3%A9%3A1.policy", "uriBaseId": SRCROOT })
        );
        assert_eq!(
            artifact("policies\\a.policy"),
            json!({ "uri": "policies/a.policy", "uriBaseId": SRCROOT })
        );
        assert_eq!(
            artifact("/tmp/a.policy"),
            json!({ "uri": "file:///tmp/a.policy" })
        );
        assert_eq!(
            artifact("C:\\p\\a.policy"),
            json!({ "uri": "file:///C:/p/a.policy" })
        );
    }

    #[test]
    fn short_descriptions_are_one_sentence() {
        assert_eq!(
            first_sentence(&Code::PARTLY_MASKED.explain()),
            "A rule is beaten on part of its cases."
        );
        assert_eq!(
            first_sentence(&Code::NEVER_MATCHES.explain()),
            "A rule's condition holds for no case, so the rule never matches."
        );
        for code in Code::ALL {
            let s = first_sentence(&code.explain());
            assert!(s.ends_with('.') && !s.contains('\n'), "{}: {s}", code.code);
        }
    }

    #[test]
    fn fnv_matches_the_reference_vectors() {
        for (input, hash) in [
            ("", 0xcbf2_9ce4_8422_2325u64),
            ("a", 0xaf63_dc4c_8601_ec8c),
            ("foobar", 0x8594_4171_f739_67e8),
        ] {
            let mut h = Fnv::new();
            h.bytes(input.as_bytes());
            assert_eq!(h.0, hash, "{input:?}");
        }
    }
}
