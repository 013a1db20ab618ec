//! The static documentation site of `writ doc`: an index of the policies,
//! a page per policy (rules with their reasons and case counts, the
//! decision tree, tests, coverage, lints) and a page per pair of
//! consecutive policies (the cases whose outcome changes, as tables).
//!
//! A pure function from what the analyses found to a list of pages, each
//! a relative file name and its text; the command line writes them. The
//! pages are XHTML-style HTML (every element closed, so that an XML parser
//! reads them), need no JavaScript and no other file than `style.css`, and
//! link only to each other by relative names, so the site works opened
//! from disk. Every text that comes from a policy is escaped, and the only
//! sources quoted are the files the loader read, which are inside the
//! project. Nothing depends on the time or the machine.

use crate::analysis::coverage::Coverage;
use crate::analysis::diff::{Change, Report, Side};
use crate::check::{Default as PolicyDefault, Expectation, Policy, Resolve};
use crate::diag::{Count, Diagnostic, Severity, format_witness};
use crate::render::diff::{approximate, share};
use crate::source::SourceMap;
use crate::testing::TestResult;
use std::collections::HashSet;
use std::fmt::Write;

/// One file of the site: its name relative to the site's folder (no
/// folders, no `..`) and its contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// The file name, `index.html`, `style.css`, `NAME.html`.
    pub path: String,
    /// The text.
    pub text: String,
}

/// How many cases one rule matches and decides; `None` where the diagram
/// passed its budget.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleCases {
    /// The cases the rule's condition matches, whoever wins them.
    pub matched: Option<Count>,
    /// The cases whose verdict it explains.
    pub decided: Option<Count>,
}

/// One input file and what was found about it.
pub struct PolicyDoc<'a> {
    /// The file as named on the command line.
    pub file: &'a str,
    /// The checked policy; `None` when the file has errors or is a
    /// vocabulary.
    pub policy: Option<&'a Policy>,
    /// Whether the file was checked as a vocabulary.
    pub is_vocabulary: bool,
    /// Everything reported about the file: check errors and warnings, and
    /// analyses that passed their budget.
    pub diagnostics: &'a [Diagnostic],
    /// For each of the policy's rules, its cases.
    pub rules: &'a [RuleCases],
    /// How many cases the policy has, if known.
    pub cases: Option<Count>,
    /// The tests' results, in file order.
    pub tests: &'a [TestResult],
    /// The lints that fired; `None` when the policy was not linted.
    pub lints: Option<&'a [Diagnostic]>,
    /// The decision tree as an SVG element, made by the SVG renderer, or
    /// why it is not drawn.
    pub tree_svg: Result<&'a str, Missing>,
    /// The decision tree in the text form of `writ compile --emit text`,
    /// or why it is not shown.
    pub tree_text: Result<&'a str, Missing>,
    /// Which cases the tests are about, per rule and in all; `None` when
    /// not computed (the diagram passed its budget).
    pub coverage: Option<&'a Coverage>,
}

/// Why a form of the decision tree is not on a policy's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// The diagram passed its budget: there is no tree.
    NotCompiled,
    /// The tree would have `nodes` boxes (the picture) or nodes (the
    /// text), more than `max` (saturated at `u128::MAX`).
    TooLarge {
        /// The size of the tree.
        nodes: u128,
        /// The most the page shows.
        max: u64,
    },
}

/// The comparison of two consecutive inputs (indices into the policies).
pub struct DiffDoc<'a> {
    /// The older policy.
    pub old: usize,
    /// The newer policy.
    pub new: usize,
    /// The difference, or why there is none (each text a diagnostic's
    /// message).
    pub report: Result<&'a Report, Vec<String>>,
}

/// The whole site: `index.html`, `style.css`, a page per input and a page
/// per comparison, in that order.
pub fn site(map: &SourceMap, policies: &[PolicyDoc<'_>], diffs: &[DiffDoc<'_>]) -> Vec<Page> {
    let mut names = Names::default();
    let policy_pages: Vec<String> = policies
        .iter()
        .map(|p| names.claim(&page_stem(p)))
        .collect();
    let diff_pages: Vec<String> = diffs
        .iter()
        .map(|d| {
            names.claim(&format!(
                "changes-{}-to-{}",
                stem_of(&policy_pages[d.old]),
                stem_of(&policy_pages[d.new])
            ))
        })
        .collect();
    let ctx = Context {
        map,
        policies,
        policy_pages: &policy_pages,
        diffs,
        diff_pages: &diff_pages,
    };
    let mut pages = vec![
        Page {
            path: "index.html".to_string(),
            text: ctx.index(),
        },
        Page {
            path: "style.css".to_string(),
            text: STYLE.to_string(),
        },
    ];
    for (i, p) in policies.iter().enumerate() {
        pages.push(Page {
            path: policy_pages[i].clone(),
            text: ctx.policy_page(i, p),
        });
    }
    for (i, d) in diffs.iter().enumerate() {
        pages.push(Page {
            path: diff_pages[i].clone(),
            text: ctx.diff_page(d),
        });
    }
    pages
}

/// The page names in use: each new one is made unique with a number.
#[derive(Default)]
struct Names(HashSet<String>);

impl Names {
    fn claim(&mut self, stem: &str) -> String {
        // `index` and `style` are the site's own.
        let mut taken = |s: &str| !self.0.insert(s.to_ascii_lowercase());
        taken("index");
        taken("style");
        let mut n = 1;
        let mut name = stem.to_string();
        while taken(&name) {
            n += 1;
            name = format!("{stem}-{n}");
        }
        format!("{name}.html")
    }
}

fn stem_of(page: &str) -> &str {
    page.strip_suffix(".html").unwrap_or(page)
}

/// A file name from a policy's name, or the input's file name: ASCII
/// letters, digits, `_` and `-` only, at most 60 of them, never empty.
fn page_stem(p: &PolicyDoc<'_>) -> String {
    let raw = match p.policy {
        Some(policy) => policy.meta.name.clone(),
        None => {
            let base = p.file.rsplit(['/', '\\']).next().unwrap_or(p.file);
            base.rsplit_once('.')
                .map_or(base, |(stem, _)| stem)
                .to_string()
        }
    };
    sanitise(&raw)
}

/// Keeps ASCII letters, digits, `_` and `-`; anything else becomes `_`.
pub fn sanitise(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .take(60)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // A leading `-` or `.` makes names that tools take for options or
    // hidden files.
    while s.starts_with('-') {
        s.remove(0);
    }
    if s.is_empty() {
        s.push_str("policy");
    }
    s
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than whitespace and noncharacters
            // are not allowed in XML (a diagnostic may quote one), and
            // bidirectional controls would reorder the page's own text.
            c if super::replaced(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A diagnostic's message as HTML: escaped, with the names it puts in
/// backticks set as code.
fn message_html(message: &str) -> String {
    let parts: Vec<&str> = message.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An unpaired backtick: the text as it is.
        return escape(message);
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

/// A name (a rule's id, a policy's or an attribute's name) as HTML:
/// escaped, with a `<wbr/>` after each `.` and `_` inside it, so that a
/// narrow column breaks it between its words rather than anywhere.
fn name_html(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        out.push_str(&escape(c.encode_utf8(&mut [0; 4])));
        if matches!(c, '.' | '_') && chars.peek().is_some() {
            out.push_str("<wbr/>");
        }
    }
    out
}

/// A count of nodes with thousands separators (`u128::MAX` stands for
/// more than it).
fn nodes_text(nodes: u128) -> String {
    let n = approximate(&Count::from(nodes));
    if nodes == u128::MAX {
        format!("more than {n}")
    } else {
        n
    }
}

/// A file name as a shell word: as it is when it needs no quoting.
fn shell_word(file: &str) -> String {
    if !file.is_empty()
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/+,:@%=".contains(c))
    {
        file.to_string()
    } else {
        format!("'{}'", file.replace('\'', "'\\''"))
    }
}

struct Context<'a> {
    map: &'a SourceMap,
    policies: &'a [PolicyDoc<'a>],
    policy_pages: &'a [String],
    diffs: &'a [DiffDoc<'a>],
    diff_pages: &'a [String],
}

/// The start of a page, through the opening of `<main>`.
fn head(title: &str, nav: &[(&str, &str)]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str(
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <meta name=\"generator\" content=\"writ doc\"/>\n",
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    out.push_str("<link rel=\"stylesheet\" href=\"style.css\"/>\n</head>\n<body>\n");
    out.push_str("<a class=\"skip\" href=\"#main\">Skip to the content</a>\n");
    out.push_str("<nav aria-label=\"Site\"><ul>");
    for (href, text) in nav {
        let _ = write!(
            out,
            "<li><a href=\"{}\">{}</a></li>",
            escape(href),
            escape(text)
        );
    }
    out.push_str("</ul></nav>\n<main id=\"main\">\n");
    out
}

fn foot() -> String {
    "</main>\n<footer><p>Made by <code>writ doc</code> from the policy files named on its \
     command line. Every count of cases is exact.</p></footer>\n</body>\n</html>\n"
        .to_string()
}

/// The title a policy is shown under: its `title`, else its name, else the
/// file.
fn title_of(p: &PolicyDoc<'_>) -> String {
    match p.policy {
        Some(policy) => policy
            .meta
            .title
            .clone()
            .unwrap_or_else(|| policy.meta.name.clone()),
        None => p.file.to_string(),
    }
}

fn outcome_badge(outcome: &str) -> String {
    // The class gives a colour; the word is always there, so colour is
    // never the only signal.
    let class = match outcome {
        "undecided" => "undecided",
        _ => "outcome",
    };
    format!("<span class=\"{class}\">{}</span>", name_html(outcome))
}

fn status_badge(passed: bool) -> &'static str {
    if passed {
        "<span class=\"pass\">passed</span>"
    } else {
        "<span class=\"fail\">failed</span>"
    }
}

fn count_text(n: &Option<Count>) -> String {
    match n {
        Some(n) => escape(&approximate(n)),
        None => "not computed".to_string(),
    }
}

/// The diagnostics in the text form of `writ check`, without colour.
fn diagnostics_text(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    let _ = super::diagnostics::text(&mut out, map, diagnostics);
    String::from_utf8_lossy(&out.into_inner()).into_owned()
}

/// Where a diagnostic points: `file, line N`.
fn place(map: &SourceMap, d: &Diagnostic) -> String {
    match &d.primary {
        Some(l) => format!("{}, line {}", map.name(l.span.file), map.line(l.span)),
        None => String::new(),
    }
}

/// The text between a rule's `when` and `then`, as written; the whole rule
/// when it cannot be found.
fn condition_as_written(map: &SourceMap, policy: &Policy, r: usize) -> String {
    let rule = &policy.rules[r];
    let item = rule.item.0;
    between(
        map,
        item.file,
        item.start as usize,
        &rule.cond,
        "when",
        "then",
    )
    .unwrap_or_else(|| collapse(map.slice(item)))
}

/// A test's `given` condition as written.
fn given_as_written(map: &SourceMap, test: &crate::check::Test) -> Option<String> {
    let name = test.loc.0;
    between(
        map,
        name.file,
        name.end as usize,
        test.given.as_ref()?,
        "given",
        "expect",
    )
}

/// The text of `cond` in `file` after offset `from`: from the keyword
/// `open` to the first keyword `close` after the condition's last atom.
fn between(
    map: &SourceMap,
    file: crate::source::FileId,
    from: usize,
    cond: &crate::check::Cond,
    open: &str,
    close: &str,
) -> Option<String> {
    let text = map.text(file);
    let last = atom_end(cond, file).map_or(from, |e| e as usize).max(from);
    // Between the last atom and `close` come only parentheses, spaces and
    // comments; a bound keeps a long file from being scanned per rule.
    let mut to = (last + 4096).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let text = text.get(from..to)?;
    let words = word_positions(text);
    let start = words
        .iter()
        .find(|(_, w)| *w == open)
        .map(|(at, _)| at + open.len())?;
    let end = words
        .iter()
        .find(|(at, w)| *w == close && *at >= start.max(last - from))
        .map(|(at, _)| *at)?;
    Some(collapse(&text[start..end]))
}

/// Source text on one line; text with a comment keeps its lines, which the
/// comment needs.
fn collapse(text: &str) -> String {
    if text.contains('#') {
        let lines: Vec<&str> = text.trim().lines().map(str::trim).collect();
        lines.join("\n")
    } else {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// The end of the last atom of `cond` that lies in `file`.
fn atom_end(cond: &crate::check::Cond, file: crate::source::FileId) -> Option<u32> {
    use crate::check::Cond;
    match cond {
        Cond::Const(_) => None,
        Cond::Atom(a) => (a.loc.0.file == file).then_some(a.loc.0.end),
        Cond::Not(c) => atom_end(c, file),
        Cond::And(cs) | Cond::Or(cs) => cs.iter().filter_map(|c| atom_end(c, file)).max(),
    }
}

/// The words of `text` outside strings and comments, with their offsets.
fn word_positions(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((start, &text[start..i]));
        } else {
            i += 1;
        }
    }
    out
}

impl Context<'_> {
    fn policy_link(&self, i: usize) -> String {
        format!(
            "<a href=\"{}\">{}</a>",
            escape(&self.policy_pages[i]),
            escape(&title_of(&self.policies[i]))
        )
    }

    /// The index of the page of the policy named `name`, if the site has
    /// one.
    fn page_of(&self, name: &str) -> Option<usize> {
        self.policies
            .iter()
            .position(|p| p.policy.is_some_and(|q| q.meta.name == name))
    }

    fn index(&self) -> String {
        let mut out = head("Policies", &[("index.html", "All policies")]);
        out.push_str("<h1>Policies</h1>\n");
        let _ = writeln!(
            out,
            "<p>{} {}, in the order given. Each page shows a policy's rules with their reasons and sources, \
             how many cases each rule decides, its decision tree, its tests and what its lints found. \
             A <em>case</em> is one combination of values of the facts a policy reads; every count of cases \
             on these pages is exact, found by checking all of them, not examples.</p>",
            self.policies.len(),
            crate::render::summary::plural(self.policies.len(), "file", "files")
        );
        out.push_str("<table>\n<caption>The policies, in the order given</caption>\n<thead><tr>");
        for h in ["Policy", "Source", "Date", "Name and file", "Status"] {
            let _ = write!(out, "<th scope=\"col\">{h}</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, p) in self.policies.iter().enumerate() {
            let meta = p.policy.map(|q| &q.meta);
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"nowrap\">{}</td><td class=\"name\"><code>{}</code><br/><span class=\"file\">{}</span></td><td>{}</td></tr>",
                self.policy_link(i),
                escape(meta.and_then(|m| m.source.as_deref()).unwrap_or("")),
                escape(meta.and_then(|m| m.date.as_deref()).unwrap_or("")),
                name_html(meta.map_or("", |m| m.name.as_str())),
                escape(p.file),
                status(p, &self.policy_pages[i])
            );
        }
        out.push_str("</tbody>\n</table>\n");
        if !self.diffs.is_empty() {
            out.push_str("<h2>What changed from one policy to the next</h2>\n");
            out.push_str("<table>\n<caption>The cases each policy decides differently from the one before it</caption>\n<thead><tr>");
            for h in [
                "From",
                "To",
                "Cases that change outcome",
                "Share of all cases",
            ] {
                let _ = write!(out, "<th scope=\"col\">{h}</th>");
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for (i, d) in self.diffs.iter().enumerate() {
                let (changed, of) = match &d.report {
                    Ok(r) => (
                        format!(
                            "<a href=\"{}\">{} of {}</a>",
                            escape(&self.diff_pages[i]),
                            escape(&approximate(&r.differing)),
                            escape(&approximate(&r.cases)),
                        ),
                        escape(&share(&r.differing, &r.cases)),
                    ),
                    Err(_) => (
                        format!(
                            "<a href=\"{}\">not compared</a>",
                            escape(&self.diff_pages[i])
                        ),
                        String::new(),
                    ),
                };
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{changed}</td><td>{of}</td></tr>",
                    escape(&short_name(&self.policies[d.old])),
                    escape(&short_name(&self.policies[d.new])),
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
        out.push_str(&foot());
        out
    }

    fn nav_for(&self, i: usize) -> Vec<(String, String)> {
        let mut nav = vec![("index.html".to_string(), "All policies".to_string())];
        if i > 0 {
            nav.push((
                self.policy_pages[i - 1].clone(),
                format!("Previous: {}", short_name(&self.policies[i - 1])),
            ));
        }
        if i + 1 < self.policies.len() {
            nav.push((
                self.policy_pages[i + 1].clone(),
                format!("Next: {}", short_name(&self.policies[i + 1])),
            ));
        }
        nav
    }

    fn policy_page(&self, i: usize, p: &PolicyDoc<'_>) -> String {
        let nav = self.nav_for(i);
        let nav: Vec<(&str, &str)> = nav.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let title = title_of(p);
        let mut out = head(&title, &nav);
        let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
        let Some(policy) = p.policy else {
            self.failed_page(&mut out, p);
            out.push_str(&foot());
            return out;
        };
        self.header(&mut out, p, policy);
        self.contents(&mut out, p);
        self.changes_links(&mut out, i);
        self.rules(&mut out, p, policy);
        facts(&mut out, policy);
        tree(&mut out, p);
        tests(&mut out, self.map, policy, p.tests);
        coverage(&mut out, p);
        self.lints(&mut out, p);
        let warnings: Vec<Diagnostic> = p
            .diagnostics
            .iter()
            .filter(|d| !d.is_error() || p.lints.is_some())
            .cloned()
            .collect();
        if !warnings.is_empty() {
            out.push_str("<h2 id=\"diagnostics\">Other diagnostics</h2>\n");
            let _ = writeln!(
                out,
                "<pre class=\"diagnostics\">{}</pre>",
                escape(&diagnostics_text(self.map, &warnings))
            );
        }
        out.push_str(&foot());
        out
    }

    fn failed_page(&self, out: &mut String, p: &PolicyDoc<'_>) {
        let errors = p.diagnostics.iter().filter(|d| d.is_error()).count();
        if p.is_vocabulary && errors == 0 {
            let _ = writeln!(
                out,
                "<p><span class=\"file\">{}</span> is a vocabulary: it declares names for policies to use, and decides nothing.</p>",
                escape(p.file)
            );
        } else {
            let _ = writeln!(
                out,
                "<p class=\"problem\"><span class=\"fail\">does not check</span> <span class=\"file\">{}</span> has {} {}, so its rules, tree and tests cannot be shown. What <code>writ check</code> reports:</p>",
                escape(p.file),
                errors,
                crate::render::summary::plural(errors, "error", "errors")
            );
        }
        if !p.diagnostics.is_empty() {
            out.push_str("<h2 id=\"diagnostics\">Diagnostics</h2>\n");
            let _ = writeln!(
                out,
                "<pre class=\"diagnostics\">{}</pre>",
                escape(&diagnostics_text(self.map, p.diagnostics))
            );
        }
    }

    fn header(&self, out: &mut String, p: &PolicyDoc<'_>, policy: &Policy) {
        out.push_str("<dl class=\"meta\">\n");
        let mut row = |term: &str, value: String| {
            let _ = writeln!(out, "<dt>{term}</dt><dd>{value}</dd>");
        };
        row(
            "Policy",
            format!("<code>{}</code>", name_html(&policy.meta.name)),
        );
        if let Some(s) = &policy.meta.source {
            row("Source", escape(s));
        }
        if let Some(d) = &policy.meta.date {
            row("Date", escape(d));
        }
        row(
            "File",
            format!("<span class=\"file\">{}</span>", escape(p.file)),
        );
        if let Some(e) = &policy.extends {
            let base = &e.base.meta.name;
            let shown = match self.page_of(base) {
                Some(j) => self.policy_link(j),
                None => format!("<code>{}</code>", name_html(base)),
            };
            let repealed = if e.repealed.is_empty() {
                "keeping all of its rules".to_string()
            } else {
                let ids: Vec<String> = e
                    .repealed
                    .iter()
                    .map(|&r| format!("<code>{}</code>", name_html(&e.base.rules[r].id)))
                    .collect();
                format!("repealing {}", ids.join(", "))
            };
            row("Builds on", format!("{shown}, {repealed}"));
        }
        let outcomes: Vec<String> = policy
            .decision
            .outcomes
            .iter()
            .map(|o| outcome_badge(o))
            .collect();
        let meaning = match &policy.decision.doc {
            Some(d) => format!("<br/>{}", escape(d)),
            None => String::new(),
        };
        row(
            "Decides",
            format!(
                "<code>{}</code>: {}{meaning}",
                escape(&policy.decision.name),
                outcomes.join(" ")
            ),
        );
        let resolve = match &policy.resolve {
            Resolve::Strict => "strict: rules that match the same case must agree".to_string(),
            Resolve::First => "first: the earliest matching rule wins".to_string(),
            Resolve::Priority(order) => {
                let names: Vec<String> = order
                    .iter()
                    .map(|&o| escape(&policy.decision.outcomes[o]))
                    .collect();
                format!("by priority: {}", names.join(" over "))
            }
        };
        row("When rules disagree", resolve);
        let default = match &policy.default {
            PolicyDefault::None | PolicyDefault::Undecided => "undecided".to_string(),
            PolicyDefault::Outcome(o) => outcome_badge(&policy.decision.outcomes[*o]),
        };
        row("When no rule applies", default);
        let attrs: Vec<String> = policy
            .attributes
            .iter()
            .map(|a| format!("<code>{}</code>", name_html(&a.name)))
            .collect();
        row(
            "Facts it reads",
            format!(
                "{} (<a href=\"#facts\">their values and meaning</a>)",
                attrs.join(", ")
            ),
        );
        if let Some(n) = &p.cases {
            row(
                "Cases",
                format!(
                    "{} (every combination of the facts' values)",
                    escape(&approximate(n))
                ),
            );
        }
        out.push_str("</dl>\n");
    }

    fn contents(&self, out: &mut String, p: &PolicyDoc<'_>) {
        let passed = p.tests.iter().filter(|t| t.passed()).count();
        let failed = p.tests.len() - passed;
        let lints = p.lints.map_or(0, <[Diagnostic]>::len);
        out.push_str("<nav aria-label=\"On this page\" class=\"toc\"><h2 id=\"contents\">On this page</h2><ul>\n");
        let _ = writeln!(
            out,
            "<li><a href=\"#rules\">Rules</a> ({})</li>",
            p.policy.map_or(0, |q| q.rules.len())
        );
        out.push_str("<li><a href=\"#facts\">Facts</a></li>\n");
        out.push_str("<li><a href=\"#tree\">Decision tree</a></li>\n");
        if p.policy.is_some_and(|q| q.tests.is_empty()) {
            out.push_str("<li><a href=\"#tests\">Tests</a> (none)</li>\n");
        } else if p.tests.is_empty() {
            out.push_str("<li><a href=\"#tests\">Tests</a> (not run)</li>\n");
        } else {
            let _ = writeln!(
                out,
                "<li><a href=\"#tests\">Tests</a> ({passed} passed, {failed} failed)</li>"
            );
        }
        match p.coverage {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "<li><a href=\"#coverage\">Coverage</a> ({} of cases covered by tests)</li>",
                    escape(&c.share().to_string())
                );
            }
            None => out.push_str("<li><a href=\"#coverage\">Coverage</a></li>\n"),
        }
        let _ = writeln!(out, "<li><a href=\"#lints\">Lints</a> ({lints})</li>");
        out.push_str("</ul></nav>\n");
    }

    /// Links to the comparisons with the policies before and after.
    fn changes_links(&self, out: &mut String, i: usize) {
        let links: Vec<String> = self
            .diffs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.old == i || d.new == i)
            .map(|(k, d)| {
                format!(
                    "<li><a href=\"{}\">What changed from {} to {}</a></li>",
                    escape(&self.diff_pages[k]),
                    escape(&short_name(&self.policies[d.old])),
                    escape(&short_name(&self.policies[d.new]))
                )
            })
            .collect();
        if !links.is_empty() {
            let _ = writeln!(out, "<ul class=\"changes\">{}</ul>", links.join(""));
        }
    }

    fn rules(&self, out: &mut String, p: &PolicyDoc<'_>, policy: &Policy) {
        out.push_str("<h2 id=\"rules\">Rules</h2>\n");
        if policy.rules.is_empty() {
            out.push_str("<p>This policy has no rules.</p>\n");
            return;
        }
        out.push_str("<table class=\"rules\">\n<caption>Each rule, what it gives and how many cases it matches and decides</caption>\n<thead><tr>");
        for h in ["Rule", "When", "Outcome", "Cases matched", "Cases decided"] {
            let _ = write!(out, "<th scope=\"col\">{h}</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (r, rule) in policy.rules.iter().enumerate() {
            let counts = p.rules.get(r).cloned().unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\"><a href=\"#rule-{r}\"><code>{}</code></a></th><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                name_html(&rule.id),
                escape(&condition_as_written(self.map, policy, r)),
                outcome_badge(&policy.decision.outcomes[rule.outcome]),
                count_text(&counts.matched),
                count_text(&counts.decided),
            );
        }
        out.push_str("</tbody>\n</table>\n");
        out.push_str("<p class=\"note\">A rule <em>matches</em> a case when its condition holds; it <em>decides</em> the case when it is among the rules that explain the verdict (a rule that matches can be overridden or beaten by another).</p>\n");
        for (r, rule) in policy.rules.iter().enumerate() {
            let _ = writeln!(
                out,
                "<section class=\"rule\" aria-labelledby=\"rule-{r}\">\n<h3 id=\"rule-{r}\">Rule <code>{}</code></h3>",
                name_html(&rule.id)
            );
            out.push_str("<dl>\n");
            let _ = writeln!(
                out,
                "<dt>When</dt><dd><code>{}</code></dd>",
                escape(&condition_as_written(self.map, policy, r))
            );
            let _ = writeln!(
                out,
                "<dt>Then</dt><dd>{}</dd>",
                outcome_badge(&policy.decision.outcomes[rule.outcome])
            );
            if !rule.overrides.is_empty() {
                let ids: Vec<String> = rule
                    .overrides
                    .iter()
                    .map(|&o| {
                        format!(
                            "<a href=\"#rule-{o}\"><code>{}</code></a>",
                            name_html(&policy.rules[o].id)
                        )
                    })
                    .collect();
                let _ = writeln!(out, "<dt>Overrides</dt><dd>{}</dd>", ids.join(", "));
            }
            if !rule.regardless.is_empty() {
                let names: Vec<String> = rule
                    .regardless
                    .iter()
                    .map(|(a, _)| format!("<code>{}</code>", escape(&policy.attributes[*a].name)))
                    .collect();
                let _ = writeln!(
                    out,
                    "<dt>Regardless of</dt><dd>{} (checked: where the rule matches, these facts do not change the outcome)</dd>",
                    names.join(", ")
                );
            }
            let _ = writeln!(
                out,
                "<dt>Because</dt><dd>{}</dd>",
                match &rule.because {
                    Some(b) => format!(
                        "<blockquote class=\"because\"><p>{}</p></blockquote>",
                        escape(b)
                    ),
                    None => "<span class=\"missing\">no reason given</span>".to_string(),
                }
            );
            let (stated_by, source) = stated_by(policy, r);
            let mut authority = match source {
                Some(s) => escape(s),
                None => "<span class=\"missing\">no source given</span>".to_string(),
            };
            if stated_by != policy.meta.name {
                let by = match self.page_of(stated_by) {
                    Some(j) => self.policy_link(j),
                    None => format!("<code>{}</code>", name_html(stated_by)),
                };
                authority = format!("{authority} (inherited from {by})");
            }
            let _ = writeln!(out, "<dt>Source</dt><dd>{authority}</dd>");
            let counts = p.rules.get(r).cloned().unwrap_or_default();
            let _ = writeln!(
                out,
                "<dt>Cases</dt><dd>matches {}, decides {}</dd>",
                count_text(&counts.matched),
                count_text(&counts.decided)
            );
            let where_ = rule.item.0;
            let _ = writeln!(
                out,
                "<dt>Written in</dt><dd><span class=\"file\">{}</span>, line {}</dd>",
                escape(self.map.name(where_.file)),
                self.map.line(where_)
            );
            out.push_str("</dl>\n</section>\n");
        }
    }

    fn lints(&self, out: &mut String, p: &PolicyDoc<'_>) {
        out.push_str("<h2 id=\"lints\">Lints</h2>\n");
        let Some(lints) = p.lints else {
            out.push_str("<p>The lints were not run.</p>\n");
            return;
        };
        if lints.is_empty() {
            out.push_str("<p>No lint fired: no rule is dead, redundant or masked, and no declaration goes unused.</p>\n");
            return;
        }
        out.push_str("<table>\n<caption>What the lints found</caption>\n<thead><tr>");
        for h in ["Lint", "Level", "Finding", "Where"] {
            let _ = write!(out, "<th scope=\"col\">{h}</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for d in lints {
            let level = match d.severity {
                Severity::Error => "<span class=\"fail\">error</span>",
                Severity::Warning => "<span class=\"warn\">warning</span>",
            };
            let mut finding = message_html(&d.message);
            for r in &d.regions {
                let _ = write!(
                    finding,
                    "<br/>when <code>{}</code> ({})",
                    escape(&r.condition),
                    escape(&crate::diag::cases(&r.cases))
                );
            }
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\"><code>{}</code> {}</th><td>{level}</td><td>{finding}</td><td>{}</td></tr>",
                escape(d.code.code),
                escape(d.code.name),
                escape(&place(self.map, d))
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }

    /// The reasons of the rules a comparison's tables name, old side
    /// first, each with a link to the rule on its policy's page.
    fn reasons(&self, out: &mut String, d: &DiffDoc<'_>, named: &[Named]) {
        if named.is_empty() {
            return;
        }
        out.push_str("<h2 id=\"reasons\">The rules named above, and their reasons</h2>\n");
        for (side, index) in [("old", d.old), ("new", d.new)] {
            let mine: Vec<(usize, &Named)> = named
                .iter()
                .enumerate()
                .filter(|(_, (s, _, _))| *s == side)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "<h3>In {}</h3>\n<dl class=\"reasons\">",
                escape(&short_name(&self.policies[index]))
            );
            for (k, (_, id, because)) in mine {
                // The comparison names a rule the way the other side
                // would, qualified by its policy's name.
                let rule = self.policies[index].policy.and_then(|p| {
                    let own = id
                        .strip_prefix(p.meta.name.as_str())
                        .and_then(|rest| rest.strip_prefix('.'));
                    p.rules
                        .iter()
                        .position(|r| &r.id == id || Some(r.id.as_str()) == own)
                });
                let link = match rule {
                    Some(r) => format!(
                        " (<a href=\"{}#rule-{r}\">the rule in full, on the page of {}</a>)",
                        escape(&self.policy_pages[index]),
                        escape(&short_name(&self.policies[index]))
                    ),
                    None => String::new(),
                };
                let _ = writeln!(
                    out,
                    "<dt id=\"reason-{k}\"><code>{}</code>{link}</dt><dd class=\"because\">{}</dd>",
                    name_html(id),
                    match because {
                        Some(b) => escape(b),
                        None => "<span class=\"missing\">no reason given</span>".to_string(),
                    }
                );
            }
            out.push_str("</dl>\n");
        }
    }

    fn diff_page(&self, d: &DiffDoc<'_>) -> String {
        let (old, new) = (&self.policies[d.old], &self.policies[d.new]);
        let title = format!("From {} to {}", short_name(old), short_name(new));
        let nav = [
            ("index.html", "All policies".to_string()),
            (
                self.policy_pages[d.old].as_str(),
                format!("Old: {}", short_name(old)),
            ),
            (
                self.policy_pages[d.new].as_str(),
                format!("New: {}", short_name(new)),
            ),
        ];
        let nav: Vec<(&str, &str)> = nav.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let mut out = head(&title, &nav);
        let _ = writeln!(
            out,
            "<h1>What changed from {} to {}</h1>",
            escape(&short_name(old)),
            escape(&short_name(new))
        );
        let _ = writeln!(
            out,
            "<dl class=\"meta\"><dt>Old</dt><dd>{}</dd><dt>New</dt><dd>{}</dd></dl>",
            self.policy_link(d.old),
            self.policy_link(d.new)
        );
        let r = match &d.report {
            Ok(r) => *r,
            Err(why) => {
                out.push_str(
                    "<p class=\"problem\">The two policies cannot be compared:</p>\n<ul>\n",
                );
                for w in why {
                    let _ = writeln!(out, "<li>{}</li>", message_html(w));
                }
                out.push_str("</ul>\n");
                out.push_str(&foot());
                return out;
            }
        };
        let _ = writeln!(
            out,
            "<p class=\"summary\"><strong>{} of {} cases change outcome ({}).</strong></p>",
            escape(&approximate(&r.differing)),
            escape(&approximate(&r.cases)),
            escape(&share(&r.differing, &r.cases))
        );
        if r.changes.is_empty() {
            out.push_str("<p>The two policies decide every case alike.</p>\n");
        } else {
            out.push_str("<p>Each table below is one change of outcome. Each row is a set of cases, given as a condition over the facts; together the rows hold every case that changes, and no case twice.</p>\n");
        }
        let mut n = 0;
        let mut i = 0;
        // The rules the tables name, each side's in order of first mention:
        // their reasons are long, so they are given once, after the tables.
        let mut named: Vec<Named> = Vec::new();
        while i < r.changes.len() {
            let (o, nw) = (
                outcome_text(&r.changes[i].old),
                outcome_text(&r.changes[i].new),
            );
            let group: Vec<&Change> = r.changes[i..]
                .iter()
                .take_while(|c| outcome_text(&c.old) == o && outcome_text(&c.new) == nw)
                .collect();
            let total: Count = group.iter().map(|c| &c.region.cases).sum();
            n += 1;
            let _ = writeln!(
                out,
                "<h2 id=\"change-{n}\">{} → {}: {}</h2>",
                outcome_badge(o),
                outcome_badge(nw),
                escape(&crate::diag::cases(&total))
            );
            let _ = writeln!(
                out,
                "<table class=\"regions\">\n<caption>Cases {} before and {} after</caption>\n<thead><tr>",
                decided(o),
                decided(nw)
            );
            for h in ["When", "Cases", "Share of all cases", "Before", "After"] {
                let _ = write!(out, "<th scope=\"col\">{h}</th>");
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for c in &group {
                let _ = writeln!(
                    out,
                    "<tr><th scope=\"row\"><code>{}</code></th><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&c.region.condition),
                    escape(&approximate(&c.region.cases)),
                    escape(&share(&c.region.cases, &r.cases)),
                    side_html(&c.old, "old", &mut named),
                    side_html(&c.new, "new", &mut named),
                );
            }
            out.push_str("</tbody>\n</table>\n");
            i += group.len();
        }
        self.reasons(&mut out, d, &named);
        if !r.complete {
            out.push_str("<p class=\"note\">Some sets of cases were too fragmented to merge: only part of their regions is listed (the counts are exact).</p>\n");
        }
        out.push_str(&foot());
        out
    }
}

/// The policy whose file states rule `r`, and that policy's `source`.
fn stated_by(policy: &Policy, r: usize) -> (&str, Option<&str>) {
    let id = &policy.rules[r].id;
    let mut at = policy;
    loop {
        match &at.extends {
            Some(e) if id.contains('.') => {
                let base = &e.base;
                if id.starts_with(&format!("{}.", base.meta.name)) {
                    return (&base.meta.name, base.meta.source.as_deref());
                }
                at = base;
            }
            _ => return (&at.meta.name, at.meta.source.as_deref()),
        }
    }
}

fn short_name(p: &PolicyDoc<'_>) -> String {
    match p.policy {
        Some(q) => q.meta.name.clone(),
        None => p.file.to_string(),
    }
}

fn status(p: &PolicyDoc<'_>, page: &str) -> String {
    let Some(policy) = p.policy else {
        if p.is_vocabulary && !p.diagnostics.iter().any(Diagnostic::is_error) {
            return "vocabulary".to_string();
        }
        return "<span class=\"fail\">does not check</span>".to_string();
    };
    let passed = p.tests.iter().filter(|t| t.passed()).count();
    let failed = p.tests.len() - passed;
    // No tests is not a success: it is said in a neutral style.
    let tests = if policy.tests.is_empty() {
        "<span class=\"none\">no tests</span>".to_string()
    } else if p.tests.is_empty() {
        "<span class=\"none\">tests not run</span>".to_string()
    } else if failed == 0 {
        format!(
            "<span class=\"pass\">{passed} {} passed</span>",
            crate::render::summary::plural(passed, "test", "tests")
        )
    } else {
        format!(
            "<span class=\"fail\">{failed} of {} tests failed</span>",
            p.tests.len()
        )
    };
    let lints = match p.lints.map_or(0, <[Diagnostic]>::len) {
        0 => "no lint fired".to_string(),
        n => format!(
            "<a href=\"{}#lints\">{n} {}</a>",
            escape(page),
            crate::render::summary::plural(n, "lint finding", "lint findings")
        ),
    };
    format!("{tests}; {lints}")
}

/// `decided compel`, or `undecided`.
fn decided(outcome: &str) -> String {
    match outcome {
        "undecided" => "undecided".to_string(),
        o => format!("decided {}", escape(o)),
    }
}

fn outcome_text(s: &Side) -> &str {
    s.outcome.as_deref().unwrap_or("undecided")
}

/// A rule a comparison's table names: the side (`old` or `new`), its
/// id and its `because`.
type Named = (&'static str, String, Option<String>);

/// A side of a region: the outcome and the rules that explain it, each a
/// link to its reason below the tables (recorded in `named`).
fn side_html(s: &Side, side: &'static str, named: &mut Vec<Named>) -> String {
    let Some(o) = &s.outcome else {
        return format!("{} (no rule applies)", outcome_badge("undecided"));
    };
    if s.default {
        return format!("{} by default", outcome_badge(o));
    }
    let mut ids = Vec::new();
    for (id, because) in &s.rules {
        let k = match named.iter().position(|(sd, i, _)| *sd == side && i == id) {
            Some(k) => k,
            None => {
                named.push((side, id.clone(), because.clone()));
                named.len() - 1
            }
        };
        ids.push(format!(
            "<a href=\"#reason-{k}\"><code>{}</code></a>",
            name_html(id)
        ));
    }
    format!("{} by {}", outcome_badge(o), ids.join(", "))
}

/// The attributes a condition can test, with their values and doc
/// strings, and the named groups of values: what a reader needs to read
/// the conditions.
fn facts(out: &mut String, policy: &Policy) {
    use crate::check::Domain;
    out.push_str("<h2 id=\"facts\">Facts</h2>\n");
    if policy.attributes.is_empty() {
        out.push_str("<p>This policy reads no facts: it decides every case alike.</p>\n");
        return;
    }
    out.push_str("<p>A <em>case</em> is one value for each of these facts; the conditions of the rules test them.</p>\n");
    out.push_str("<table>\n<caption>The facts (attributes), their values and what they mean</caption>\n<thead><tr><th scope=\"col\">Fact</th><th scope=\"col\">Values</th><th scope=\"col\">Meaning</th></tr></thead>\n<tbody>\n");
    for a in &policy.attributes {
        let values = match &a.domain {
            Domain::Enum { values, .. } => {
                // A long enumeration is summarised: the page is for reading.
                let shown: Vec<String> = values
                    .iter()
                    .take(40)
                    .map(|v| format!("<code>{}</code>", escape(v)))
                    .collect();
                let more = values.len().saturating_sub(shown.len());
                if more > 0 {
                    format!("{}, and {more} more", shown.join(", "))
                } else {
                    shown.join(", ")
                }
            }
            Domain::Bool => "<code>true</code> or <code>false</code>".to_string(),
            Domain::Int { lo, hi } => format!("a whole number from {lo} to {hi}"),
        };
        let meaning = a.doc.as_deref().map(escape).unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\"><code>{}</code></th><td>{values}</td><td>{meaning}</td></tr>",
            name_html(&a.name)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if policy.groups.is_empty() {
        return;
    }
    out.push_str("<table>\n<caption>Named groups of values, as the conditions use them</caption>\n<thead><tr><th scope=\"col\">Group</th><th scope=\"col\">Values</th></tr></thead>\n<tbody>\n");
    for g in &policy.groups {
        let names = &policy.types[g.ty].values;
        let members: Vec<String> = g
            .members
            .iter()
            .take(40)
            .filter_map(|&m| names.get(m as usize))
            .map(|v| format!("<code>{}</code>", escape(v)))
            .collect();
        let more = g.members.len().saturating_sub(members.len());
        let more = if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\"><code>{}</code></th><td>{}{more}</td></tr>",
            name_html(&g.name),
            members.join(", ")
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn tree(out: &mut String, p: &PolicyDoc<'_>) {
    out.push_str("<h2 id=\"tree\">Decision tree</h2>\n");
    out.push_str("<p>How the policy decides a case: start at the top, follow the branch that matches the case, and read the outcome at the end, with the rules that explain it.</p>\n");
    match p.tree_svg {
        Ok(svg) => {
            // Up to twice the page's width a picture is scaled to fit and
            // stays legible; a wider one keeps its size and scrolls
            // sideways on screen. On paper every picture is scaled to the
            // page, so the caption says so there.
            let wide = svg_width(svg).is_some_and(|w| w > 2 * 1150);
            let class = if wide { "tree wide" } else { "tree" };
            let _ = writeln!(out, "<figure class=\"{class}\">");
            // The SVG renderer escapes the policy's names itself.
            out.push_str(svg);
            let caption = if wide {
                "The decision tree as a diagram<span class=\"screen-only\">, wider than the page: scroll sideways to see all of it</span><span class=\"print-only\">, scaled down to fit the page</span>. The same tree follows as text."
            } else {
                "The decision tree as a diagram; the same tree follows as text."
            };
            let _ = writeln!(out, "\n<figcaption>{caption}</figcaption>\n</figure>");
        }
        Err(Missing::TooLarge { nodes, max }) => {
            let _ = writeln!(
                out,
                "<p class=\"note\">The tree is too large to draw: {} boxes, more than {}.</p>",
                nodes_text(nodes),
                nodes_text(u128::from(max))
            );
        }
        // The text's note says why.
        Err(Missing::NotCompiled) => {}
    }
    match p.tree_text {
        Ok(text) => {
            let _ = writeln!(
                out,
                "<pre class=\"tree-text\" aria-label=\"The decision tree as text\">{}</pre>",
                escape(text)
            );
        }
        Err(Missing::TooLarge { nodes, max }) => {
            let _ = writeln!(
                out,
                "<p class=\"note\">The tree is too large to show here as text: {} nodes, more than the {} a page shows. \
                 <code>writ compile {} --emit dag</code> prints it, writing each part that repeats once.</p>",
                nodes_text(nodes),
                nodes_text(u128::from(max)),
                escape(&shell_word(p.file))
            );
        }
        Err(Missing::NotCompiled) => {
            out.push_str("<p class=\"note\">The decision diagram passed its budget, so the tree, the counts and the tests are not shown.</p>\n");
        }
    }
}

/// The `width` of an `<svg>` element, in pixels.
fn svg_width(svg: &str) -> Option<u32> {
    let tag = &svg[..svg.find('>')?];
    let at = tag.find(" width=\"")? + " width=\"".len();
    let rest = &tag[at..];
    rest[..rest.find('"')?].parse().ok()
}

fn tests(out: &mut String, map: &SourceMap, policy: &Policy, results: &[TestResult]) {
    out.push_str("<h2 id=\"tests\">Tests</h2>\n");
    if results.is_empty() {
        out.push_str("<p>This policy has no tests.</p>\n");
        return;
    }
    let passed = results.iter().filter(|t| t.passed()).count();
    let _ = writeln!(
        out,
        "<p>{passed} of {} {} passed. Each test is checked on every case it is about, not on examples.</p>",
        results.len(),
        crate::render::summary::plural(results.len(), "test", "tests")
    );
    out.push_str("<table>\n<caption>The tests written in the policy</caption>\n<thead><tr>");
    for h in ["Test", "Given", "Expects", "Result"] {
        let _ = write!(out, "<th scope=\"col\">{h}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for t in results {
        let test = &policy.tests[t.test];
        let given = match (&test.given, given_as_written(map, test)) {
            (None, _) => "every case".to_string(),
            (Some(_), Some(text)) => format!("<code>{}</code>", escape(&text)),
            (Some(_), None) => "the cases of its <code>given</code>".to_string(),
        };
        let expect = match &test.expect {
            Expectation::Undecided => outcome_badge("undecided"),
            Expectation::Outcome { outcome, by } => {
                let mut s = outcome_badge(&policy.decision.outcomes[*outcome]);
                if let Some(r) = by {
                    let _ = write!(s, " by <code>{}</code>", name_html(&policy.rules[*r].id));
                }
                s
            }
        };
        let mut result = status_badge(t.passed()).to_string();
        if let Some(why) = crate::render::test::failure(policy, t) {
            let _ = write!(result, ": {}", message_html(&why));
        }
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{given}</td><td>{expect}</td><td>{result}</td></tr>",
            escape(&t.name)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn coverage(out: &mut String, p: &PolicyDoc<'_>) {
    out.push_str("<h2 id=\"coverage\">Coverage</h2>\n");
    let Some(c) = p.coverage else {
        out.push_str("<p>Coverage was not computed.</p>\n");
        return;
    };
    let _ = writeln!(
        out,
        "<p>A test <em>covers</em> the cases its <code>given</code> admits (every case without one). \
         <strong>{} of {} cases ({}) are covered by some test.</strong></p>",
        escape(&approximate(&c.covered)),
        escape(&approximate(&c.cases)),
        escape(&c.share().to_string())
    );
    if let Some(policy) = p.policy
        && !c.rules.is_empty()
    {
        out.push_str("<table>\n<caption>How much of what each rule decides the tests cover</caption>\n<thead><tr>");
        for h in [
            "Rule",
            "Cases it decides",
            "Of those, covered by a test",
            "Share covered",
            "Named by a test (<code>by</code>)",
        ] {
            let _ = write!(out, "<th scope=\"col\">{h}</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in &c.rules {
            let share = match r.share() {
                Some(s) => escape(&s.to_string()),
                None => "none: the rule decides no case".to_string(),
            };
            let named = if r.named { "yes" } else { "no" };
            let link = if r.rule < policy.rules.len() {
                format!(
                    "<a href=\"#rule-{}\"><code>{}</code></a>",
                    r.rule,
                    name_html(&r.id)
                )
            } else {
                format!("<code>{}</code>", name_html(&r.id))
            };
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{link}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{share}</td><td>{named}</td></tr>",
                escape(&approximate(&r.explains)),
                escape(&approximate(&r.covered)),
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    let u = &c.uncovered;
    if u.regions.is_empty() {
        out.push_str("<p>Every case is covered by some test.</p>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p>The cases no test covers ({}), as conditions that could be pasted into a test&#39;s <code>given</code>:</p>",
        escape(&crate::diag::cases(&u.cases))
    );
    out.push_str("<table>\n<caption>Cases no test covers</caption>\n<thead><tr><th scope=\"col\">When</th><th scope=\"col\">Cases</th><th scope=\"col\">For example</th></tr></thead>\n<tbody>\n");
    for r in &u.regions {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\"><code>{}</code></th><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&r.condition),
            escape(&approximate(&r.cases)),
            escape(&format_witness(&r.witness))
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(total) = u.total {
        let _ = writeln!(
            out,
            "<p class=\"note\">The first {} of {total} regions are listed.</p>",
            u.regions.len()
        );
    }
    if !u.complete {
        out.push_str("<p class=\"note\">These cases were too fragmented to merge: the regions listed are some pieces of them (the count is exact).</p>\n");
    }
}

/// The site's one style sheet. Colours meet WCAG AA contrast on white;
/// outcomes and results always carry their word as well as a colour.
const STYLE: &str = r#"/* writ doc */
:root { color-scheme: light; }
body { font-family: Georgia, "Times New Roman", serif; line-height: 1.5; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 72rem; padding: 0 1.5rem 2rem; }
h1, h2, h3, nav, table, dl.meta dt, .summary, footer { font-family: system-ui, "Segoe UI", Helvetica, Arial, sans-serif; }
h1 { font-size: 1.8rem; line-height: 1.25; margin: 1rem 0 1rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 2px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 0 0 .4rem; }
a { color: #0645ad; }
a:visited { color: #551a8b; }
a:focus { outline: 3px solid #f0b400; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .75rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
/* A name or a reason of a hundred letters without a space breaks where
   it must rather than push the page wider than the screen or the paper;
   names also break after `.` and `_` (`<wbr/>`), which is preferred. */
h1, h2, h3, code, dd, blockquote, tbody th, td, figcaption, .file { overflow-wrap: anywhere; }
/* A column's heading keeps its words; a row's heading (a rule, a fact) is
   never squeezed below a few letters. */
tbody th { min-width: 6em; }
.screen-only { display: inline; }
.print-only { display: none; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
nav ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; }
body > nav { border-bottom: 1px solid #d0d7de; padding: .75rem 0; }
nav.toc { background: #f6f8fa; border: 1px solid #d0d7de; padding: .5rem 1rem; margin: 1rem 0; }
nav.toc h2 { font-size: 1rem; border: 0; margin: 0 0 .3rem; }
dl.meta { display: grid; grid-template-columns: minmax(0, max-content) minmax(0, 1fr); gap: .3rem 1rem; }
dl.meta > *, section.rule dl > * { min-width: 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0 1.25rem; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #d0d7de; padding: .4rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #eef1f4; }
tbody th { font-weight: normal; }
/* A condition with a comment keeps its lines (see `collapse`). */
td code, th code, dd code { white-space: pre-wrap; }
td.name { min-width: 13em; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
.file { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; color: #444; }
section.rule { border: 1px solid #d0d7de; border-left: 4px solid #0645ad; padding: .75rem 1rem; margin: 1rem 0; }
section.rule dl { display: grid; grid-template-columns: 8rem minmax(0, 1fr); gap: .3rem 1rem; margin: 0; }
section.rule dt { font-family: system-ui, "Segoe UI", Helvetica, Arial, sans-serif; font-weight: 600; }
section.rule dd { margin: 0; }
blockquote { margin: 0; padding: 0 0 0 .75rem; border-left: 3px solid #d0d7de; }
blockquote p { margin: 0; }
/* A `because` keeps the line breaks its `\n`s make. */
.because { white-space: pre-line; }
.outcome, .undecided, .pass, .fail, .warn { font-family: system-ui, "Segoe UI", Helvetica, Arial, sans-serif; font-weight: 600; padding: 0 .35rem; border-radius: 3px; border: 1px solid; white-space: nowrap; }
.outcome, .undecided { white-space: normal; overflow-wrap: break-word; }
.outcome { color: #0b3d91; background: #e8f0fe; border-color: #0b3d91; }
.undecided { color: #4a4a4a; background: #f1f1f1; border-color: #6a6a6a; font-style: italic; }
.pass { color: #0f5323; background: #e6f4ea; border-color: #0f5323; }
.fail { color: #8a1010; background: #fdecea; border-color: #8a1010; }
.warn { color: #6b4200; background: #fff4d6; border-color: #6b4200; }
.none { font-family: system-ui, "Segoe UI", Helvetica, Arial, sans-serif; color: #4a4a4a; font-style: italic; }
.missing { color: #555; font-style: italic; }
.note { color: #333; font-size: .95rem; }
.problem { font-size: 1.05rem; }
ul.by { margin: .2rem 0 0; padding-left: 1.1rem; }
ul.changes { padding-left: 1.1rem; }
dl.reasons dt { font-weight: 600; margin-top: .6rem; }
dl.reasons dd { margin: .2rem 0 0 1.5rem; }
figure.tree { margin: 1rem 0; overflow-x: auto; }
/* At its own size on screen, scrolled sideways when wide: scaled down, a
   large tree's labels would be too small to read. */
figure.tree { border: 1px solid #d0d7de; padding: .5rem; }
figure.tree svg { display: block; max-width: 100%; height: auto; }
figure.tree.wide svg { max-width: none; }
figcaption { font-size: .9rem; color: #333; }
footer { margin-top: 3rem; border-top: 1px solid #d0d7de; font-size: .85rem; color: #444; }
/* A narrow screen: the header's terms above their values. */
@media (max-width: 32rem) {
  body { padding: 0 .75rem 2rem; }
  dl.meta, section.rule dl { grid-template-columns: minmax(0, 1fr); gap: 0; }
  dl.meta dd, section.rule dd { margin-bottom: .4rem; }
  table { font-size: .8rem; }
  th, td { padding: .25rem .3rem; }
  tbody th { min-width: 4em; }
  td.name { min-width: 0; }
  .pass, .fail, .warn { white-space: normal; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  body > nav, nav.toc, .skip { display: none; }
  a { color: #000; text-decoration: none; }
  main a[href$=".html"]::after { content: " (" attr(href) ")"; font-size: .85em; }
  table { font-size: 9pt; }
  .screen-only { display: none; }
  .print-only { display: inline; }
  section.rule, figure, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  h2, h3 { break-after: avoid; }
  pre { white-space: pre-wrap; }
  figure.tree { overflow: visible; border: 0; padding: 0; }
  figure.tree svg, figure.tree.wide svg { max-width: 100%; height: auto; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn bidi_controls_and_noncharacters_become_replacement_characters() {
        for c in [
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{FDD0}',
            '\u{FDEF}',
            '\u{1FFFE}',
            '\u{10FFFF}',
            '\u{7F}',
            '\u{85}',
        ] {
            assert_eq!(
                escape(&format!("a{c}b")),
                "a\u{FFFD}b",
                "U+{:04X}",
                c as u32
            );
        }
        // The marks have no scope, and right-to-left text needs them.
        assert_eq!(
            escape("\u{200E}\u{200F}\u{061C}"),
            "\u{200E}\u{200F}\u{061C}"
        );
        assert_eq!(
            escape("\u{FDCF}\u{FDF0}\u{FFFD}"),
            "\u{FDCF}\u{FDF0}\u{FFFD}"
        );
    }

    #[test]
    fn names_break_after_dots_and_underscores() {
        assert_eq!(
            name_html("sca_2703.warrant_for_content"),
            "sca_<wbr/>2703.<wbr/>warrant_<wbr/>for_<wbr/>content"
        );
        assert_eq!(name_html("a_"), "a_");
        assert_eq!(name_html("<x>_y"), "&lt;x&gt;_<wbr/>y");
    }

    fn doc_with_tree<'a>(
        svg: Result<&'a str, Missing>,
        text: Result<&'a str, Missing>,
    ) -> PolicyDoc<'a> {
        PolicyDoc {
            file: "dir/a b.policy",
            policy: None,
            is_vocabulary: false,
            diagnostics: &[],
            rules: &[],
            cases: None,
            tests: &[],
            lints: None,
            tree_svg: svg,
            tree_text: text,
            coverage: None,
        }
    }

    #[test]
    fn a_wide_tree_is_scrolled_on_screen_and_scaled_on_paper() {
        let mut out = String::new();
        tree(
            &mut out,
            &doc_with_tree(Ok("<svg width=\"3000\" height=\"9\"></svg>"), Ok("t")),
        );
        assert!(out.contains("<span class=\"screen-only\">, wider than the page: scroll sideways to see all of it</span><span class=\"print-only\">, scaled down to fit the page</span>"), "{out}");
        let print = &STYLE[STYLE.find("@media print").unwrap()..];
        assert!(print.contains(".screen-only { display: none; }"));
        assert!(print.contains(".print-only { display: inline; }"));
        assert!(
            STYLE[..STYLE.find("@media print").unwrap()].contains(".print-only { display: none; }")
        );
    }

    #[test]
    fn a_tree_too_large_says_so_in_a_readers_words() {
        let mut out = String::new();
        let large = Missing::TooLarge {
            nodes: 12_345,
            max: 2_000,
        };
        tree(
            &mut out,
            &doc_with_tree(
                Err(Missing::TooLarge {
                    nodes: 12_345,
                    max: 500,
                }),
                Err(large),
            ),
        );
        assert!(
            out.contains("too large to draw: 12,345 boxes, more than 500."),
            "{out}"
        );
        assert!(out.contains("12,345 nodes, more than the 2,000 a page shows. <code>writ compile &#39;dir/a b.policy&#39; --emit dag</code>"), "{out}");
        let mut out = String::new();
        let huge = Missing::TooLarge {
            nodes: u128::MAX,
            max: 500,
        };
        tree(
            &mut out,
            &doc_with_tree(Err(huge), Err(Missing::NotCompiled)),
        );
        assert!(out.contains("draw: more than 340,282,366,920,938,463,463,374,607,431,768,211,455 (≈3.4e38) boxes"), "{out}");
    }

    #[test]
    fn reads_the_width_of_a_picture() {
        assert_eq!(
            svg_width("<svg xmlns=\"x\" width=\"935\" height=\"2\">"),
            Some(935)
        );
        assert_eq!(svg_width("<svg>"), None);
    }

    #[test]
    fn messages_set_names_as_code() {
        assert_eq!(
            message_html("rule `<r>` is dead"),
            "rule <code>&lt;r&gt;</code> is dead"
        );
        assert_eq!(message_html("one ` only"), "one ` only");
    }

    #[test]
    fn page_names_are_sanitised_and_unique() {
        assert_eq!(sanitise("../../etc/passwd"), "______etc_passwd");
        assert_eq!(sanitise("--x"), "x");
        assert_eq!(sanitise(""), "policy");
        let mut names = Names::default();
        assert_eq!(names.claim("index"), "index-2.html");
        assert_eq!(names.claim("a"), "a.html");
        assert_eq!(names.claim("A"), "A-2.html");
        assert_eq!(names.claim("style"), "style-2.html");
    }

    #[test]
    fn source_text_is_set_on_one_line_unless_a_comment_needs_its_own() {
        assert_eq!(collapse("\n  a and\n    b  "), "a and b");
        assert_eq!(collapse(" a # why\n      and b "), "a # why\nand b");
    }

    #[test]
    fn words_skip_strings_and_comments() {
        let w: Vec<&str> = word_positions("rule r: # then\n when a \"then\" then b")
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        assert_eq!(w, ["rule", "r", "when", "a", "then", "b"]);
    }
}
