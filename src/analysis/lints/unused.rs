//! `unused` (L0008): declarations of the policy's own file that nothing
//! uses, and outcomes that no case is decided as.

use super::context::Linter;
use crate::check::{DeclKind, ValueOwner};
use crate::diag::{Code, Diagnostic};

declare_lint! {
    /// Lint: a type, group, attribute, value or outcome declared in the
    /// policy file itself is never used, or an outcome is never decided.
    ///
    /// ### What it does
    ///
    /// Finds the declarations of the policy's own file that no rule, test
    /// or other declaration names (naming a group names its members), and
    /// the outcomes that no case is decided as. Only declarations in the
    /// policy's own file count: a shared vocabulary used by many policies
    /// is not expected to be used in full by each. An unused type or
    /// attribute is reported once, not with each of its values.
    ///
    /// ### Why is this bad?
    ///
    /// A declaration nothing uses is dead weight at best; at worst it is
    /// the sign of a rule that was meant to use it and was never written,
    /// or that names something else by mistake.
    ///
    /// ### Example
    ///
    ///     attribute priority: bool
    ///
    /// with no rule or test mentioning `priority`.
    ///
    /// ### Use instead
    ///
    /// Delete the declaration, or write the rule that uses it:
    ///
    ///     rule urgent: when priority then compel
    pub UNUSED, "L0008", "unused", Warn
}

/// Reports the unused declarations and the outcomes never decided, in the
/// order of the file.
pub(super) fn check(l: &mut Linter) {
    let mut decided = vec![false; l.policy.decision.outcomes.len()];
    for n in l.d.mdd.reachable(l.d.root) {
        if let Some(p) = l.d.mdd.payload(n)
            && let Some(o) = l.d.verdicts[p as usize].outcome()
        {
            decided[o] = true;
        }
    }
    let policy = l.policy;
    let declared = &policy.declared;
    let unused_owner = |owner: ValueOwner| {
        let (kind, index) = match owner {
            ValueOwner::Type(t) => (DeclKind::Type, t),
            ValueOwner::Attribute(a) => (DeclKind::Attribute, a),
        };
        declared
            .iter()
            .any(|d| d.kind == kind && d.index == index && !d.used)
    };
    // Naming a group names its members.
    let in_used_group = |owner: ValueOwner, v: usize| {
        let ValueOwner::Type(t) = owner else {
            return false;
        };
        declared.iter().any(|d| {
            d.kind == DeclKind::Group && d.used && {
                let g = &policy.groups[d.index];
                g.ty == t && g.members.binary_search(&(v as u32)).is_ok()
            }
        })
    };
    let mut found = Vec::new();
    for decl in declared {
        if let Some(owner) = decl.owner
            && (unused_owner(owner) || in_used_group(owner, decl.index))
        {
            // One warning for an unused type, not one per value.
            continue;
        }
        let kind = match decl.kind {
            DeclKind::Type => "type",
            DeclKind::Group => "group",
            DeclKind::Attribute => "attribute",
            DeclKind::Value => "value",
            DeclKind::Outcome => "outcome",
        };
        let d = if !decl.used {
            Diagnostic::warning(
                Code::UNUSED,
                format!("{kind} `{}` is never used", decl.name),
            )
            .at(
                decl.loc.0,
                format!("this {kind} is declared but never used"),
            )
            .help(format!("delete the {kind}, or use it"))
        } else if decl.kind == DeclKind::Outcome && !decided[decl.index] {
            Diagnostic::warning(
                Code::UNUSED,
                format!("outcome `{}` is never decided", decl.name),
            )
            .at(decl.loc.0, "no case is decided as this outcome")
            .help("a rule that gives it never wins; see `writ lint --warn partly-masked`")
        } else {
            continue;
        };
        found.push(d);
    }
    for d in found {
        l.report(Code::UNUSED, d);
    }
}
