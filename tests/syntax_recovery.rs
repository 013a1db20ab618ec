//! Recovery from syntax errors: a file with several errors reports all of
//! them, keeps the items that parse, and is checked on those.
//!
//! * junk put into one line of a valid file (the bundled policies, the
//!   clean fixtures, generated policies) leaves every item that does not
//!   touch that line exactly as it was, and the file is still checked and
//!   still refused by `fmt`;
//! * random edits never make the parser, the checker or the formatter
//!   panic, and the tree stays well formed;
//! * through the binary: every command reports the syntax errors and the
//!   checker's together, and none compiles, evaluates, tests, lints or
//!   formats a policy with errors.
//!
//! The seed is fixed for CI; `WRIT_PROPTEST_SEED` and `PROPTEST_CASES` run
//! other campaigns.

mod common;

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestError, TestRunner};
use writ::source::{FileId, SourceMap};
use writ::syntax::ast::Item;
use writ::syntax::parse;

/// The seed of CI's run (`WRIT_PROPTEST_SEED` sets another).
const SEED: u64 = 0x5359_4e54;

/// Valid files: the bundled policies, the clean fixtures and generated
/// policies of each shape.
fn corpus() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut dirs = vec![root.join("policies"), root.join("tests/fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                dirs.push(path);
            } else if (name.ends_with(".policy") || name.ends_with(".vocab"))
                && (path.starts_with(root.join("policies")) || name.starts_with("ok_"))
            {
                out.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out.push(("decision_table".into(), writ::synth::decision_table(7, 40)));
    out.push(("wide".into(), writ::synth::wide(7, 40)));
    out.push(("strict".into(), writ::synth::strict(7, 40)));
    for (name, text) in &out {
        assert!(parse(FileId(0), text).diagnostics.is_empty(), "{name}");
    }
    out
}

/// An item with every span erased: what it says, not where.
fn erased(item: &Item) -> String {
    let debug = format!("{:?}", item.kind);
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        let close = rest[at..].find('}').expect("a span closes");
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Junk that no item can continue (it starts with `@`), then tokens of
/// every kind: keywords, punctuation, an unterminated string, a comment,
/// deep nesting.
fn junk() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just(";"),
        Just(")"),
        Just("("),
        Just("{"),
        Just("}"),
        Just("then"),
        Just("when"),
        Just("rule"),
        Just("attribute"),
        Just("x"),
        Just("="),
        Just("\""),
        Just("# a comment"),
        Just("not"),
        Just("-12"),
        Just(","),
        Just(":"),
        Just(".."),
        Just("because"),
        Just("thne"),
    ];
    (
        prop::collection::vec(token, 0..6),
        prop_oneof![Just(0usize), Just(0), Just(200)],
    )
        .prop_map(|(tokens, deep)| {
            let mut s = String::from("@ ");
            s.push_str(&tokens.join(" "));
            s.push_str(&"(".repeat(deep));
            s.push(' ');
            s
        })
}

/// The property: junk inserted at `at` (a fraction of the line) into line
/// `line` of `text` leaves every item that does not touch that line as it
/// was (in order, with its text), and the file is checked and refused by
/// the formatter without a panic.
fn junk_keeps_the_other_items(
    name: &str,
    text: &str,
    line: usize,
    at: f64,
    junk: &str,
) -> Result<(), TestCaseError> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len())
        .collect();
    let line = line % starts.len();
    let (ls, le) = (
        starts[line],
        starts.get(line + 1).map_or(text.len(), |&e| e - 1),
    );
    let mut ins = ls + ((le - ls) as f64 * at) as usize;
    while !text.is_char_boundary(ins) {
        ins -= 1;
    }
    let mutated = format!("{}{junk}{}", &text[..ins], &text[ins..]);
    let n = junk.len();
    let before = parse(FileId(0), text).file.unwrap().items;
    let after = parse(FileId(0), &mutated);
    let items = &after.file.as_ref().unwrap().items;
    let mut found = items.iter().peekable();
    for item in &before {
        let (s, e) = (item.span.start as usize, item.span.end as usize);
        // The lines an item spans run from the start of its first line to
        // the end of its last.
        if s <= le && e >= ls {
            continue;
        }
        let shift = if s >= ins { n } else { 0 };
        let want = s + shift;
        while found.peek().is_some_and(|i| (i.span.start as usize) < want) {
            found.next();
        }
        let got = found.next();
        prop_assert!(
            got.is_some_and(|g| g.span.start as usize == want
                && erased(g) == erased(item)
                && mutated[g.span.range()] == text[item.span.range()]),
            "{name}: the item at {s}..{e} ({:?}) is lost after junk {junk:?} at {ins} (line {}):\n{:?}\n{mutated}",
            &text[s..e],
            line + 1,
            after
                .diagnostics
                .iter()
                .map(|d| &d.message)
                .collect::<Vec<_>>(),
        );
    }
    // The checker and the formatter take whatever the parser gives.
    let mut map = SourceMap::new();
    let name = if name.ends_with(".vocab") {
        "f.vocab"
    } else {
        "f.policy"
    };
    let report = writ::api::check_source(&mut map, name, &mutated);
    if !after.diagnostics.is_empty() {
        prop_assert!(report.policy.is_none());
        prop_assert!(writ::fmt::format_text(FileId(0), &mutated).is_err());
    }
    Ok(())
}

#[test]
fn junk_in_one_line_keeps_every_other_item() {
    let files = corpus();
    let config = common::proptest_config(SEED, 512);
    let mut runner = TestRunner::new(config);
    let strategy = (0..files.len(), 0..10_000usize, 0.0..1.0f64, junk());
    match runner.run(&strategy, |(f, line, at, junk)| {
        let (name, text) = &files[f];
        junk_keeps_the_other_items(name, text, line, at, &junk)
    }) {
        Ok(()) => {}
        Err(TestError::Fail(why, _)) => panic!("{why}\n{}", common::reproduce(SEED)),
        Err(e) => panic!("{e} ({})", common::reproduce(SEED)),
    }
}

/// Random edits of a valid file: a range deleted, a range repeated, or
/// tokens inserted.
#[derive(Clone, Debug)]
enum Edit {
    Delete(f64, usize),
    Repeat(f64, usize),
    Insert(f64, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let piece = prop_oneof![
        Just("\n"),
        Just("rule r:"),
        Just("when"),
        Just(" then "),
        Just("allow "),
        Just("\"x"),
        Just("\\q"),
        Just("(("),
        Just("not not "),
        Just("99999999999999999999"),
        Just("}"),
        Just("attribue a: bool\n"),
        Just("# c\n"),
        Just("é"),
    ];
    prop_oneof![
        (0.0..1.0f64, 1..40usize).prop_map(|(a, n)| Edit::Delete(a, n)),
        (0.0..1.0f64, 1..200usize).prop_map(|(a, n)| Edit::Repeat(a, n)),
        (0.0..1.0f64, prop::collection::vec(piece, 1..5))
            .prop_map(|(a, p)| Edit::Insert(a, p.concat())),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut t = text.to_string();
    for e in edits {
        let at = |f: f64, t: &str| {
            let mut i = (t.len() as f64 * f) as usize;
            while !t.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let end = |i: usize, n: usize, t: &str| {
            let mut j = (i + n).min(t.len());
            while !t.is_char_boundary(j) {
                j -= 1;
            }
            j
        };
        match e {
            Edit::Delete(f, n) => {
                let i = at(*f, &t);
                let j = end(i, *n, &t);
                t.replace_range(i..j, "");
            }
            Edit::Repeat(f, n) => {
                let i = at(*f, &t);
                let j = end(i, *n, &t);
                let piece = t[i..j].to_string();
                t.insert_str(j, &piece);
            }
            Edit::Insert(f, s) => {
                let i = at(*f, &t);
                t.insert_str(i, s);
            }
        }
    }
    t
}

#[test]
fn random_edits_never_panic_and_the_tree_stays_well_formed() {
    let files = corpus();
    let config = common::proptest_config(SEED ^ 1, 512);
    let mut runner = TestRunner::new(config);
    let strategy = (0..files.len(), prop::collection::vec(edit(), 1..4));
    match runner.run(&strategy, |(f, edits)| {
        let text = apply(&files[f].1, &edits);
        let parsed = parse(FileId(0), &text);
        let tree = parsed.file.as_ref().expect("always a tree");
        // Items and broken items are in order, disjoint, inside the text.
        let mut spans: Vec<(usize, usize)> = tree
            .items
            .iter()
            .map(|i| i.span)
            .chain(tree.broken.iter().map(|b| b.span))
            .map(|s| (s.start as usize, s.end as usize))
            .collect();
        spans.sort();
        for w in spans.windows(2) {
            prop_assert!(w[0].1 <= w[1].0, "overlap {w:?}:\n{text}");
        }
        prop_assert!(spans.iter().all(|&(s, e)| s <= e && e <= text.len()));
        let starts: Vec<u32> = parsed
            .diagnostics
            .iter()
            .map(|d| d.primary.as_ref().unwrap().span.start)
            .collect();
        prop_assert!(starts.is_sorted(), "diagnostics out of order");
        // Nothing is broken without an error, and every error says where.
        prop_assert!(tree.broken.is_empty() || !parsed.diagnostics.is_empty());
        // The formatter refuses exactly the files with errors.
        let formatted = writ::fmt::format_text(FileId(0), &text);
        prop_assert_eq!(formatted.is_ok(), parsed.diagnostics.is_empty());
        let mut map = SourceMap::new();
        let report = writ::api::check_source(&mut map, "f.policy", &text);
        if !parsed.diagnostics.is_empty() {
            prop_assert!(report.policy.is_none());
        }
        Ok(())
    }) {
        Ok(()) => {}
        Err(TestError::Fail(why, _)) => panic!("{why}\n{}", common::reproduce(SEED)),
        Err(e) => panic!("{e} ({})", common::reproduce(SEED)),
    }
}

/// Two syntax errors around a type error, and an item the rest depends on.
const BROKEN: &str = "policy p
decision outcome: { compel, quash }
attribute a: bool
attribute n: int 0..10
when a then compel because \"x\" extra
when n = true then quash
when n > 3 thne quash
test \"t\": given a expect compel
";

#[test]
fn every_command_reports_syntax_and_type_errors_together_and_goes_no_further() {
    let dir = common::Scratch::new("syntax-recovery");
    let path = dir.file("p.policy", BROKEN);
    let path = path.to_str().unwrap();
    let codes = |stderr: &str| -> Vec<String> {
        stderr
            .lines()
            .filter_map(|l| l.strip_prefix("error["))
            .map(|l| l[..5].to_string())
            .collect()
    };
    // In the order of the text: `extra`, the bool compared with an int
    // attribute, `thne`.
    let all = ["E0001", "E0031", "E0001"];
    for args in [
        vec!["check", path],
        vec!["lint", path],
        vec!["compile", path],
        vec!["test", path],
        vec!["eval", path, "--case", "{\"a\": true, \"n\": 1}"],
    ] {
        let r = common::Writ::new(&args).run();
        assert_eq!(r.status, 1, "{args:?}: {}", r.stderr);
        assert_eq!(codes(&r.stderr), all, "{args:?}: {}", r.stderr);
        // Nothing compiled, linted, tested or evaluated.
        let ran = if args[0] == "test" {
            format!(
                "{path}: did not check (3 errors), no test ran\n0 passed, 0 failed, 1 file did not check\n"
            )
        } else {
            String::new()
        };
        assert_eq!(r.stdout, ran, "{args:?}");
        assert!(r.stderr.contains("did you mean `then`?"));
    }
    let r = common::Writ::new(["fmt", path]).run();
    assert_eq!(r.status, 1);
    assert_eq!(std::fs::read_to_string(path).unwrap(), BROKEN);
    assert_eq!(codes(&r.stderr), ["E0001", "E0001"]);
}

/// Nesting is bounded per chunk, as pest sees it: items nested to the
/// limit, nesting that only adds up across broken items, and a run of
/// junk lines that opens parentheses without end are all parsed, checked
/// and refused by the formatter on a 2 MiB thread, as an editor's worker
/// would call them.
#[test]
fn recovery_keeps_the_nesting_bound_on_a_small_stack() {
    let limit = writ::syntax::lex::MAX_DEPTH;
    let mut text = String::from("policy deep\ndecision d: { a, b }\nattribute x: bool\n");
    for i in 0..40 {
        // At the limit and closed; past it; open and never closed; a chain
        // of `not`s; a line of junk that only opens.
        text.push_str(&format!(
            "when {}x{} then a\n",
            "(".repeat(limit),
            ")".repeat(limit)
        ));
        text.push_str(&format!("when {}x then b\n", "(".repeat(limit + 1 + i)));
        text.push_str(&format!("when {}x then\n", "(".repeat(limit - 1)));
        text.push_str(&format!(
            "when {}x then a\n",
            "not ".repeat(limit - 1 + i % 3)
        ));
        text.push_str(&format!("{}\n", "(".repeat(100)));
    }
    let parsed = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let parsed = parse(FileId(0), &text);
            let mut map = SourceMap::new();
            let report = writ::api::check_source(&mut map, "deep.policy", &text);
            assert!(report.policy.is_none());
            assert!(writ::fmt::format_text(FileId(0), &text).is_err());
            let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code.code).collect();
            (parsed.file.unwrap().items.len(), codes)
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    let (items, codes) = parsed;
    // The header, the decision, the attribute, the rules at the limit and
    // the chains of `not`s that stay within it (127 and 128 of them).
    let within = (0..40).filter(|i| i % 3 < 2).count();
    assert_eq!(items, 3 + 40 + within, "{codes:?}");
    assert!(codes.contains(&"E0004") && codes.contains(&"E0001"));
}
