//! A hover as Markdown: the declaration in a code block, its doc, then its
//! facts as a list.

use crate::ide::hover::Hover;

/// The Markdown an editor shows for `h`.
pub fn markdown(h: &Hover) -> String {
    let mut out = format!("```writ\n{}\n```\n", h.signature);
    if let Some(doc) = &h.doc {
        out.push('\n');
        out.push_str(doc);
        out.push('\n');
    }
    if !h.facts.is_empty() {
        out.push('\n');
        for f in &h.facts {
            out.push_str("- ");
            out.push_str(f);
            out.push('\n');
        }
    }
    out
}
