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

/// What `writ doc` wrote, for stdout: `wrote 13 files to DIR (open
/// DIR/index.html)`, and how many inputs could not be read when some
/// could not (their pages say only why). `ok: ` goes before it only when
/// the command succeeds.
pub fn site_written(files: usize, dir: &str, index: &str, unreadable: usize) -> String {
    let mut line = format!(
        "wrote {files} {} to {dir} (open {index})",
        plural(files, "file", "files")
    );
    if unreadable > 0 {
        line.push_str(&format!(
            "; {unreadable} {} could not be read",
            plural(unreadable, "input", "inputs")
        ));
    }
    line
}

/// One input of `writ doc`, as its exit status sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct DocInput<'a> {
    /// The file as named on the command line.
    pub file: &'a str,
    /// It could not be read.
    pub unreadable: bool,
    /// Its errors (check errors, and analyses past their budget).
    pub errors: usize,
    /// Its tests, and how many of them failed.
    pub tests: usize,
    /// How many of its tests failed.
    pub failed: usize,
    /// Its lints at the level `error`.
    pub lint_errors: usize,
}

/// Why `writ doc` does not exit with 0, a line per input and cause, for
/// stderr after the diagnostics: `2 of 3 tests failed in many.policy`.
pub fn doc_problems(inputs: &[DocInput<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    for i in inputs {
        let f = i.file;
        if i.unreadable {
            out.push(format!("error: {f} could not be read"));
            continue;
        }
        if i.errors > 0 {
            out.push(format!(
                "error: {f} has {} {}",
                i.errors,
                plural(i.errors, "error", "errors")
            ));
        }
        if i.failed > 0 {
            out.push(format!(
                "error: {} of {} {} failed in {f}",
                i.failed,
                i.tests,
                plural(i.tests, "test", "tests")
            ));
        }
        if i.lint_errors > 0 {
            out.push(format!(
                "error: {} {} at the level error in {f}",
                i.lint_errors,
                plural(i.lint_errors, "lint finding", "lint findings")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_line_counts_what_could_not_be_read() {
        assert_eq!(
            site_written(3, "out", "out/index.html", 0),
            "wrote 3 files to out (open out/index.html)"
        );
        assert_eq!(
            site_written(7, "out", "out/index.html", 2),
            "wrote 7 files to out (open out/index.html); 2 inputs could not be read"
        );
    }

    #[test]
    fn doc_problems_name_each_cause() {
        let inputs = [
            DocInput {
                file: "a.policy",
                tests: 3,
                failed: 2,
                ..Default::default()
            },
            DocInput {
                file: "b.policy",
                errors: 1,
                ..Default::default()
            },
            DocInput {
                file: "c.policy",
                tests: 1,
                failed: 1,
                lint_errors: 1,
                ..Default::default()
            },
            DocInput {
                file: "ok.policy",
                tests: 4,
                ..Default::default()
            },
        ];
        assert_eq!(
            doc_problems(&inputs),
            [
                "error: 2 of 3 tests failed in a.policy",
                "error: b.policy has 1 error",
                "error: 1 of 1 test failed in c.policy",
                "error: 1 lint finding at the level error in c.policy",
            ]
        );
    }
}
