//! A hover as Markdown: the declaration in a code block, its doc, then its
//! facts as a list.

use crate::check::Policy;
use crate::ide::hover::Hover;

/// The Markdown an editor shows for `h` (`policy` words a test's result).
pub fn markdown(h: &Hover, policy: Option<&Policy>) -> String {
    let mut out = format!("```writ\n{}\n```\n", h.signature);
    if let Some(doc) = &h.doc {
        out.push('\n');
        out.push_str(doc);
        out.push('\n');
    }
    let test = match (&h.test, policy) {
        (Some(r), Some(p)) => Some(match super::test::failure(p, r) {
            None => "passes".to_string(),
            Some(why) => format!("**fails**: {why}"),
        }),
        _ => None,
    };
    if !h.facts.is_empty() || test.is_some() {
        out.push('\n');
        for f in h.facts.iter().chain(&test) {
            out.push_str("- ");
            out.push_str(f);
            out.push('\n');
        }
    }
    out
}
