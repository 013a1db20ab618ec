//! The difference between two policies (`analysis::diff::Report`) as text
//! for review, as the JSON of SPEC section 6, and as Markdown for a pull
//! request.

use super::diagnostics::{JsonCount, JsonWhen, JsonWitness};
use crate::analysis::diff::{Change, Report, Side};
use crate::diag::Count;

/// A count with thousands separators, and past 15 digits also in
/// scientific notation: `1,234` or `340,282,…,456 (≈3.4e38)`.
pub fn approximate(n: &Count) -> String {
    let digits = n.to_string();
    let exact = crate::diag::format_count(n);
    if digits.len() <= 15 {
        return exact;
    }
    format!(
        "{exact} (≈{}.{}e{})",
        &digits[..1],
        &digits[1..2],
        digits.len() - 1
    )
}

/// The share as a percentage rounded to two decimals (`10.42%`), or
/// `<0.01%` for a share that would round to zero but is not, and `>99.99%`
/// for one that would round to all but is not: a reviewer must never read
/// 100% of a part or 0% of something.
pub fn share(part: &Count, whole: &Count) -> String {
    if *whole == Count::from(0u8) {
        return "0%".to_string();
    }
    // Hundredths of a percent, rounded half up, in exact integers.
    let scaled = (part * Count::from(20_000u32) / whole + Count::from(1u8)) / Count::from(2u8);
    let scaled = u64::try_from(&scaled).unwrap_or(10_000);
    if scaled == 0 && *part > Count::from(0u8) {
        return "<0.01%".to_string();
    }
    if scaled == 10_000 && part < whole {
        return ">99.99%".to_string();
    }
    match (scaled / 100, scaled % 100) {
        (w, 0) => format!("{w}%"),
        (w, f) if f % 10 == 0 => format!("{w}.{}%", f / 10),
        (w, f) => format!("{w}.{f:02}%"),
    }
}

/// The text form: a summary line, then the changes grouped by outcome pair,
/// each region with both sides' explaining rules and their `because`.
pub fn text(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} → {}: {} of {} cases change outcome ({})",
        r.old,
        r.new,
        approximate(&r.differing),
        approximate(&r.cases),
        share(&r.differing, &r.cases)
    );
    if r.reasons_asked || r.same_outcome_other_reasons > Count::from(0u8) {
        let n = &r.same_outcome_other_reasons;
        if *n == Count::from(0u8) {
            out.push_str("no other case keeps its outcome by different rules\n");
        } else {
            let _ = writeln!(
                out,
                "{} more {} the same outcome by different rules",
                approximate(n),
                if *n == Count::from(1u8) {
                    "case keeps"
                } else {
                    "cases keep"
                }
            );
        }
    }
    write_changes(&mut out, &r.changes);
    if !r.reasons.is_empty() {
        let _ = writeln!(out, "\nsame outcome, different reasons:");
        write_changes(&mut out, &r.reasons);
    }
    if !r.complete {
        let _ = writeln!(
            out,
            "\nnote: some sets of cases were too fragmented to merge: only part of their regions is listed (the counts are exact)"
        );
    }
    out
}

fn outcome_text(s: &Side) -> &str {
    s.outcome.as_deref().unwrap_or("undecided")
}

fn write_changes(out: &mut String, changes: &[Change]) {
    use std::fmt::Write;
    let mut i = 0;
    while i < changes.len() {
        let (o, n) = (outcome_text(&changes[i].old), outcome_text(&changes[i].new));
        let group: Vec<&Change> = changes[i..]
            .iter()
            .take_while(|c| outcome_text(&c.old) == o && outcome_text(&c.new) == n)
            .collect();
        let total: Count = group.iter().map(|c| &c.region.cases).sum();
        if o == n {
            let _ = writeln!(out, "\n{o}, by other rules: {}", crate::diag::cases(&total));
        } else {
            let _ = writeln!(out, "\n{o} → {n}: {}", crate::diag::cases(&total));
        }
        let mut last: Option<(&Side, &Side)> = None;
        for c in &group {
            if last != Some((&c.old, &c.new)) {
                let _ = writeln!(out, "  old: {}", side_text(&c.old));
                let _ = writeln!(out, "  new: {}", side_text(&c.new));
                last = Some((&c.old, &c.new));
            }
            let _ = writeln!(
                out,
                "    when {}  ({})",
                c.region.condition,
                crate::diag::cases(&c.region.cases)
            );
            let _ = writeln!(
                out,
                "      e.g. {}",
                crate::diag::format_witness(&c.region.witness)
            );
        }
        i += group.len();
    }
}

fn side_text(s: &Side) -> String {
    let Some(o) = &s.outcome else {
        return "undecided (no rule matches)".to_string();
    };
    if s.default {
        return format!("{o} by default");
    }
    let rules: Vec<String> = s
        .rules
        .iter()
        .map(|(id, because)| match because {
            // A line break in a `because` keeps the side's indentation.
            Some(b) => format!("{id} — {}", b.replace('\n', "\n         ")),
            None => id.clone(),
        })
        .collect();
    format!("{o} by {}", rules.join("; "))
}

/// The JSON form of SPEC section 6: `{"old", "new", "cases", "differing",
/// "regions": [...]}`, plus `"reasons"` when asked for.
pub fn json(r: &Report) -> String {
    use serde::Serialize;
    #[derive(Serialize)]
    struct JsonRule<'a> {
        id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        because: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct JsonSide<'a> {
        outcome: Option<&'a str>,
        rules: Vec<JsonRule<'a>>,
        default: bool,
    }
    #[derive(Serialize)]
    struct JsonChange<'a> {
        when: JsonWhen<'a>,
        condition: &'a str,
        cases: JsonCount<'a>,
        witness: JsonWitness<'a>,
        old: JsonSide<'a>,
        new: JsonSide<'a>,
    }
    #[derive(Serialize)]
    struct JsonReport<'a> {
        old: &'a str,
        new: &'a str,
        cases: JsonCount<'a>,
        differing: JsonCount<'a>,
        regions: Vec<JsonChange<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        same_outcome_other_reasons: Option<JsonCount<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reasons: Option<Vec<JsonChange<'a>>>,
        complete: bool,
    }
    fn side(s: &Side) -> JsonSide<'_> {
        JsonSide {
            outcome: s.outcome.as_deref(),
            rules: s
                .rules
                .iter()
                .map(|(id, b)| JsonRule {
                    id,
                    because: b.as_deref(),
                })
                .collect(),
            default: s.default,
        }
    }
    fn change(c: &Change) -> JsonChange<'_> {
        JsonChange {
            when: JsonWhen(&c.region.when),
            condition: &c.region.condition,
            cases: JsonCount(&c.region.cases),
            witness: JsonWitness(&c.region.witness),
            old: side(&c.old),
            new: side(&c.new),
        }
    }
    let asked = r.reasons_asked;
    let doc = JsonReport {
        old: &r.old,
        new: &r.new,
        cases: JsonCount(&r.cases),
        differing: JsonCount(&r.differing),
        regions: r.changes.iter().map(change).collect(),
        same_outcome_other_reasons: asked.then_some(JsonCount(&r.same_outcome_other_reasons)),
        reasons: asked.then(|| r.reasons.iter().map(change).collect()),
        complete: r.complete,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("a diff always serializes");
    s.push('\n');
    s
}

/// The most table rows [`markdown`] prints, over both tables.
pub const MARKDOWN_MAX_ROWS: usize = 50;

/// About the most bytes [`markdown`] prints: the rows and reasons stop
/// before this, leaving margin under GitHub's 65,536-character limit on a
/// comment for the lines that close the comment (and a caller's heading).
pub const MARKDOWN_MAX_BYTES: usize = 60_000;

/// The longest condition or `because` shown in one cell, in bytes; longer
/// ones are cut with `…` (the JSON form has them whole).
const MARKDOWN_MAX_CELL: usize = 1_000;

/// The most rules named in one cell; the rest are counted.
const MARKDOWN_MAX_RULES: usize = 10;

/// The GitHub-flavoured Markdown form, for a pull-request comment: the
/// summary line, then a table with one row per region (`old → new`, cases,
/// share, condition, each side's rules), the rules' `because` in a
/// `<details>` below it, and with `--reasons` a second table of the cases
/// decided the same way by other rules. Rows past [`MARKDOWN_MAX_ROWS`] or
/// [`MARKDOWN_MAX_BYTES`] are cut, with a line counting the regions and
/// cases left out. Text from the policies (names, conditions, reasons) is
/// escaped, so it shows as written and cannot add markup, links or
/// mentions.
pub fn markdown(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**{}** → **{}**: {} of {} cases change outcome ({})",
        md_text(&r.old),
        md_text(&r.new),
        approximate(&r.differing),
        approximate(&r.cases),
        share(&r.differing, &r.cases)
    );
    if r.changes.is_empty() && r.reasons.is_empty() {
        out.push_str("\nNo case changes outcome.\n");
        if r.same_outcome_other_reasons > Count::from(0u8) {
            let _ = writeln!(
                out,
                "{} keep their outcome by different rules (`--reasons` lists them).",
                crate::diag::cases(&r.same_outcome_other_reasons)
            );
        }
        return out;
    }
    let mut budget = Budget {
        rows: MARKDOWN_MAX_ROWS,
        // What the reasons and the closing lines take is kept back.
        bytes: MARKDOWN_MAX_BYTES.saturating_sub(out.len() + 4_000),
    };
    let mut rules: Vec<(&str, &str, &str)> = Vec::new();
    if !r.changes.is_empty() {
        out.push('\n');
        md_table(&mut out, &r.changes, &r.cases, &mut budget, &mut rules);
    }
    if !r.reasons.is_empty() {
        let _ = writeln!(
            out,
            "\n**Same outcome, different rules**: {}\n",
            crate::diag::cases(&r.same_outcome_other_reasons)
        );
        md_table(&mut out, &r.reasons, &r.cases, &mut budget, &mut rules);
    }
    if !rules.is_empty() {
        out.push_str("\n<details><summary>Why: the rules' <code>because</code></summary>\n\n");
        let room = MARKDOWN_MAX_BYTES.saturating_sub(out.len() + 1_000);
        let mut used = 0;
        for (i, &(id, because, side)) in rules.iter().enumerate() {
            // A rule of one name on both sides, with two reasons: say
            // which is which.
            let twice = rules.iter().filter(|&&(other, ..)| other == id).count() > 1;
            let line = format!(
                "* {}{}: {}\n",
                md_code(id),
                if twice { side } else { "" },
                md_text(&clip(because))
            );
            if used + line.len() > room {
                let _ = writeln!(out, "* … and {} more", rules.len() - i);
                break;
            }
            used += line.len();
            out.push_str(&line);
        }
        out.push_str("\n</details>\n");
    }
    if !r.complete {
        out.push_str(
            "\nSome sets of cases were too fragmented to merge: only part of their regions is listed (the counts are exact).\n",
        );
    }
    out
}

/// What is left for the tables.
struct Budget {
    rows: usize,
    bytes: usize,
}

/// One table of regions, cut where `budget` runs out with a line counting
/// the rest; the rules with a `because` on the rows shown are added to
/// `rules` (each once, in order of appearance, with the side that states
/// it).
fn md_table<'a>(
    out: &mut String,
    changes: &'a [Change],
    whole: &Count,
    budget: &mut Budget,
    rules: &mut Vec<(&'a str, &'a str, &'static str)>,
) {
    use std::fmt::Write;
    out.push_str("| old → new | cases | share | condition | old rules | new rules |\n");
    out.push_str("| --- | ---: | ---: | --- | --- | --- |\n");
    for (i, c) in changes.iter().enumerate() {
        let outcomes = if c.old.outcome == c.new.outcome {
            format!("{} (other rules)", md_code(outcome_text(&c.old)))
        } else {
            format!(
                "{} → {}",
                md_code(outcome_text(&c.old)),
                md_code(outcome_text(&c.new))
            )
        };
        let row = format!(
            "| {outcomes} | {} | {} | {} | {} | {} |\n",
            approximate(&c.region.cases),
            share(&c.region.cases, whole),
            md_code(&clip(&c.region.condition)),
            md_rules(&c.old),
            md_rules(&c.new),
        );
        if budget.rows == 0 || row.len() > budget.bytes {
            let rest = &changes[i..];
            let cases: Count = rest.iter().map(|c| &c.region.cases).sum();
            let _ = writeln!(
                out,
                "\n… and {} more {} ({}) not shown; `writ diff --format json` lists them all.",
                rest.len(),
                if rest.len() == 1 { "region" } else { "regions" },
                crate::diag::cases(&cases)
            );
            budget.rows = 0;
            return;
        }
        budget.rows -= 1;
        budget.bytes -= row.len();
        out.push_str(&row);
        for (side, label) in [(&c.old, " (old)"), (&c.new, " (new)")] {
            for (id, because) in &side.rules {
                if let Some(b) = because
                    && !rules.iter().any(|&(i, w, _)| i == id && w == b)
                {
                    rules.push((id, b, label));
                }
            }
        }
    }
}

/// A side's explaining rules for a table cell.
fn md_rules(s: &Side) -> String {
    if s.outcome.is_none() {
        return "no rule matches".to_string();
    }
    if s.default {
        return "default".to_string();
    }
    let mut ids: Vec<String> = s
        .rules
        .iter()
        .take(MARKDOWN_MAX_RULES)
        .map(|(id, _)| md_code(&clip(id)))
        .collect();
    if s.rules.len() > MARKDOWN_MAX_RULES {
        ids.push(format!("and {} more", s.rules.len() - MARKDOWN_MAX_RULES));
    }
    ids.join(", ")
}

/// `s` cut to [`MARKDOWN_MAX_CELL`] bytes (at a character boundary), with
/// `…` where it was cut.
fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= MARKDOWN_MAX_CELL {
        return s.into();
    }
    let mut end = MARKDOWN_MAX_CELL;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end]).into()
}

/// `s` as a code span inside a table cell: fenced with one more backtick
/// than its longest run of them, padded when it starts or ends with one,
/// with `|` escaped (a table cell ends at an unescaped pipe, even in code)
/// and line breaks made spaces.
fn md_code(s: &str) -> String {
    code_span(s, true)
}

/// `s` as a code span; `|` escaped when `in_table`.
fn code_span(s: &str, in_table: bool) -> String {
    let s: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\r' => ' ',
            // As on the site and in SVG: controls, noncharacters and the
            // direction controls that could make the rest of the comment
            // read otherwise than it is.
            c if super::replaced(c) => '\u{FFFD}',
            c => c,
        })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for ch in s.chars() {
        run = if ch == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') && s.ends_with(' ') {
        " "
    } else {
        ""
    };
    let body = if in_table { s.replace('|', "\\|") } else { s };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// `s` as plain Markdown text, never at the start of a line: the
/// characters of inline markup backslash-escaped and those of HTML as
/// entities (so nothing becomes emphasis, code, a link or a tag), line
/// breaks made spaces, and `@` and `#` followed by a zero-width space so
/// that a policy cannot mention people or teams, or link issues, in a
/// comment. Renderers also link bare addresses (`https://…`, `www.…`,
/// `name@host.org`), each by its own rules (GitHub's autolinks take
/// `www.` only at a word's start; markdown-it's linkify takes a zero-width
/// space as part of a domain): a word that holds one is set as code, which
/// none links. `GH-12`, GitHub's short issue reference, gets a zero-width
/// space. What [`super::replaced`] names is shown as U+FFFD, as on the
/// site.
fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    for ch in s.chars().chain(std::iter::once(' ')) {
        if !ch.is_whitespace() {
            word.push(ch);
            continue;
        }
        if is_address(&word) {
            out.push_str(&code_span(&word, false));
        } else {
            md_word(&mut out, &word);
        }
        word.clear();
        match ch {
            '\n' | '\r' => out.push(' '),
            c if super::replaced(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    // The space that ended the last word.
    out.pop();
    out
}

/// Whether a renderer could make `word` a link of its own.
fn is_address(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    lower.contains("://")
        || lower.contains("www.")
        || word
            .find('@')
            .is_some_and(|at| at > 0 && word[at + 1..].contains('.'))
}

/// One word of [`md_text`], escaped.
fn md_word(out: &mut String, word: &str) {
    let chars: Vec<char> = word.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        let gh = i >= 2
            && chars[i - 2..i]
                .iter()
                .map(char::to_ascii_lowercase)
                .eq("gh".chars());
        if ch == '-' && gh && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            out.push_str("\u{200B}-");
            continue;
        }
        if super::replaced(ch) {
            out.push('\u{FFFD}');
            continue;
        }
        match ch {
            '@' => out.push_str("@\u{200B}"),
            '#' => out.push_str("\\#\u{200B}"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // The characters that start or end inline markup (emphasis,
            // code, links, strikethrough, math, table cells); the block
            // markers cannot start a line here.
            c @ ('\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' | '!') => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_code_and_text_show_what_is_written() {
        assert_eq!(md_code("a = b"), "`a = b`");
        // A pipe would end the table cell, even inside code.
        assert_eq!(md_code("a | b"), "`a \\| b`");
        // The fence outgrows the longest run of backticks inside.
        assert_eq!(md_code("x `` y"), "```x `` y```");
        assert_eq!(md_code("`x"), "`` `x ``");
        assert_eq!(md_code("a\nb"), "`a b`");
        assert_eq!(md_text("*a* <b>"), "\\*a\\* &lt;b&gt;");
        assert_eq!(md_text("@team #1"), "@\u{200B}team \\#\u{200B}1");
        assert_eq!(
            md_text("see https://x.org/i/1, WWW.x.org, a@b.org and GH-12"),
            "see `https://x.org/i/1,` `WWW.x.org,` `a@b.org` and GH\u{200B}-12"
        );
        assert_eq!(md_text("a\u{202E}b"), "a\u{FFFD}b");
        assert_eq!(md_text("a\u{B}b\nc"), "a\u{FFFD}b c");
        assert_eq!(md_code("a\u{2067}b"), "`a\u{FFFD}b`");
        let long = "é".repeat(MARKDOWN_MAX_CELL);
        let cut = clip(&long);
        assert!(cut.len() <= MARKDOWN_MAX_CELL + '…'.len_utf8() && cut.ends_with('…'));
    }

    /// A report of `n` regions, each with a condition of `len` bytes and
    /// its own rule with a long `because`.
    fn report(n: usize, len: usize) -> Report {
        let change = |i: usize| Change {
            region: crate::diag::Region {
                label: String::new(),
                when: Vec::new(),
                condition: format!("a{i} = {}", "x".repeat(len)),
                cases: Count::from(1u8),
                witness: Vec::new(),
            },
            old: Side {
                outcome: Some("yes".to_string()),
                rules: (0..12)
                    .map(|j| {
                        (
                            format!("r{i}_{j}_{}", "y".repeat(60)),
                            Some("why ".repeat(len / 4)),
                        )
                    })
                    .collect(),
                default: false,
            },
            new: Side {
                outcome: None,
                rules: Vec::new(),
                default: false,
            },
        };
        Report {
            old: "old".to_string(),
            new: "new".to_string(),
            cases: Count::from(n * 2),
            differing: Count::from(n),
            changes: (0..n).map(change).collect(),
            same_outcome_other_reasons: Count::from(0u8),
            reasons: Vec::new(),
            reasons_asked: false,
            complete: true,
        }
    }

    #[test]
    fn markdown_stays_within_its_byte_budget() {
        // 45 rows of 2,000-byte conditions and twelve long rule names:
        // under the row budget, over the byte budget. Conditions and
        // reasons are clipped to 1,000 bytes, rules to ten.
        let md = markdown(&report(45, 2_000));
        assert!(md.len() <= MARKDOWN_MAX_BYTES, "{}", md.len());
        let rows = md.lines().filter(|l| l.starts_with("| `yes`")).count();
        assert!((20..45).contains(&rows), "{rows} rows");
        assert!(
            md.contains(&format!(
                "… and {} more regions ({} cases) not shown",
                45 - rows,
                45 - rows
            )),
            "{md}"
        );
        assert!(md.contains("… and ") && md.ends_with("</details>\n"));
        // Small regions: the row budget cuts.
        let md = markdown(&report(60, 10));
        assert_eq!(
            md.lines().filter(|l| l.starts_with("| `yes`")).count(),
            MARKDOWN_MAX_ROWS
        );
        assert!(
            md.contains("… and 10 more regions (10 cases) not shown"),
            "{md}"
        );
    }

    #[test]
    fn shares_round_to_hundredths() {
        let c = |n: u64| Count::from(n);
        assert_eq!(share(&c(2_920_080), &c(28_032_768)), "10.42%");
        assert_eq!(share(&c(1), &c(2)), "50%");
        assert_eq!(share(&c(1), &c(8)), "12.5%");
        assert_eq!(share(&c(1), &c(1_000_000)), "<0.01%");
        assert_eq!(share(&c(0), &c(10)), "0%");
        assert_eq!(share(&c(10), &c(10)), "100%");
        assert_eq!(share(&c(999_999), &c(1_000_000)), ">99.99%");
        assert_eq!(share(&c(99_994), &c(100_000)), "99.99%");
    }
}
