//! Between writ's places and the protocol's: `file:` URIs and paths,
//! spans and ranges (UTF-16 columns, as LSP requires), and diagnostics.

use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap, Span, Utf16Position};
use lsp_types as lsp;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The path of a `file:` URI, percent-decoded; `None` for other schemes.
pub fn uri_to_path(uri: &lsp::Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    // `file://host/path`: only the local host is a path here.
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(i) if &rest[..i] == "localhost" => &rest[i..],
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
    }
    #[cfg(not(unix))]
    {
        Some(PathBuf::from(String::from_utf8_lossy(&out).into_owned()))
    }
}

/// The `file:` URI of an absolute path, percent-encoding every byte
/// outside the unreserved set and `/`.
pub fn path_to_uri(path: &Path) -> lsp::Uri {
    let s = path.to_string_lossy();
    let mut out = String::from("file://");
    if !s.starts_with('/') {
        out.push('/');
    }
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    lsp::Uri::from_str(&out).expect("a percent-encoded path is a valid URI")
}

/// The protocol's position of a byte offset.
pub fn position(map: &SourceMap, file: FileId, offset: usize) -> lsp::Position {
    let p = map.utf16_position(file, offset);
    lsp::Position::new(p.line, p.column)
}

/// The byte offset of a protocol position (clamped to the text).
pub fn offset(map: &SourceMap, file: FileId, p: lsp::Position) -> usize {
    map.utf16_offset(
        file,
        Utf16Position {
            line: p.line,
            column: p.character,
        },
    )
}

/// The protocol's range of a span.
pub fn range(map: &SourceMap, span: Span) -> lsp::Range {
    lsp::Range::new(
        position(map, span.file, span.start as usize),
        position(map, span.file, span.end as usize),
    )
}

/// A writ diagnostic as the protocol has it, for the file it is published
/// on (`file`): its primary label's range there (the start of the file when
/// the primary label is elsewhere or missing), secondary labels as related
/// information, notes and witness in the message, the code with a link to
/// its explanation (`explain_dir`, where the server wrote the pages).
pub fn diagnostic(
    map: &SourceMap,
    file: FileId,
    uri_of: &dyn Fn(FileId) -> Option<lsp::Uri>,
    d: &Diagnostic,
    explain_dir: Option<&Path>,
) -> lsp::Diagnostic {
    let primary = match &d.primary {
        Some(l) if l.span.file == file => range(map, l.span),
        _ => lsp::Range::default(),
    };
    let mut message = d.message.clone();
    // The primary label adds to the message only where it says more.
    if let Some(l) = d
        .primary
        .as_ref()
        .filter(|l| !l.message.is_empty() && !d.message.contains(&l.message))
    {
        message.push_str(&format!("\n{}", l.message));
    }
    for n in &d.notes {
        message.push_str(&format!("\n{n}"));
    }
    if let Some(w) = &d.witness {
        message.push_str(&format!("\nwitness: {}", crate::diag::format_witness(w)));
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .chain(d.primary.iter().filter(|l| l.span.file != file))
        .filter_map(|l| {
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(uri_of(l.span.file)?, range(map, l.span)),
                message: if l.message.is_empty() {
                    "here".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    let code_description = explain_dir.map(|dir| lsp::CodeDescription {
        href: path_to_uri(&dir.join(format!("{}.md", d.code.code))),
    });
    lsp::Diagnostic {
        range: primary,
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.code.to_string())),
        code_description,
        source: Some("writ".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_paths_round_trip() {
        for p in [
            "/tmp/a.policy",
            "/tmp/with space/é.policy",
            "/tmp/100%/x#y?.vocab",
        ] {
            let uri = path_to_uri(Path::new(p));
            assert_eq!(
                uri_to_path(&uri).as_deref(),
                Some(Path::new(p)),
                "{}",
                uri.as_str()
            );
        }
        let u = lsp::Uri::from_str("file:///tmp/a%20b.policy").unwrap();
        assert_eq!(uri_to_path(&u), Some(PathBuf::from("/tmp/a b.policy")));
        let u = lsp::Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(uri_to_path(&u), None);
    }
}
