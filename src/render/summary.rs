//! The short lines around a command's results: what was checked, and how
//! many errors were found.

use crate::check::Policy;

/// `word` or its plural, by count.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `policy `NAME`: N attributes, N rules, N tests`, after `writ check`.
pub fn policy(policy: &Policy) -> String {
    let count = |n: usize, one: &str, many: &str| format!("{n} {}", plural(n, one, many));
    format!(
        "policy `{}`: {}, {}, {}",
        policy.meta.name,
        count(policy.attributes.len(), "attribute", "attributes"),
        count(policy.rules.len(), "rule", "rules"),
        count(policy.tests.len(), "test", "tests")
    )
}

/// The last line of the text diagnostics when there are errors:
/// `error: 2 errors found, and 1 warning`; `None` without errors.
pub fn error_count(errors: usize, warnings: usize) -> Option<String> {
    if errors == 0 {
        return None;
    }
    let mut line = format!(
        "error: {errors} {} found",
        plural(errors, "error", "errors")
    );
    if warnings > 0 {
        line.push_str(&format!(
            ", and {warnings} {}",
            plural(warnings, "warning", "warnings")
        ));
    }
    Some(line)
}

/// `N passed, N failed`, the last line of `writ test`.
pub fn test_totals(passed: usize, failed: usize) -> String {
    format!("{passed} passed, {failed} failed")
}
