//! `unknown-lint` (L0010): an `allow` item that names no lint.

use super::context::Linter;
use super::{LINTS, lookup};
use crate::diag::{Code, Diagnostic};

declare_lint! {
    /// Lint: an `allow` item names no lint.
    ///
    /// ### What it does
    ///
    /// Checks each name in the policy's `allow` items against the lints,
    /// which are named by code (`L0003`) or by name (`dead-rule`), and
    /// suggests a close name.
    ///
    /// ### Why is this bad?
    ///
    /// An `allow` that names no lint silences nothing: the warning it was
    /// written for still fires, or, worse, a misspelt name hides that the
    /// lint it meant is not allowed at all. `writ explain L0001` to
    /// `writ explain L0010` describe the lints.
    ///
    /// ### Example
    ///
    ///     allow dead-rules
    ///
    /// ### Use instead
    ///
    ///     allow dead-rule
    pub UNKNOWN_LINT, "L0010", "unknown-lint", Warn
}

/// Reports each name in the policy's `allow` items that is no lint's.
pub(super) fn check(l: &mut Linter) {
    let policy = l.policy;
    for (name, loc) in &policy.allows {
        if lookup(name).is_some() {
            continue;
        }
        let names = LINTS.iter().map(|(c, _)| c.name);
        let mut d = Diagnostic::warning(Code::UNKNOWN_LINT, format!("unknown lint `{name}`"))
            .at(loc.0, "no lint has this name or code");
        d = match crate::diag::did_you_mean(name, names) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => {
                let (first, last) = (LINTS[0].0.code, LINTS[LINTS.len() - 1].0.code);
                d.help(format!(
                    "lints are `{first}` to `{last}`; `writ explain {first}` describes the first"
                ))
            }
        };
        l.report(Code::UNKNOWN_LINT, d);
    }
}
