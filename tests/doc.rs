//! `writ doc`: the site of the bundled case history is well formed (every
//! page parses as XML), every internal link resolves to a written file or
//! an anchor in it, nothing points outside the site or names an absolute
//! path, and the pages follow the accessibility rules the renderer
//! promises (one `h1`, headings in order, captions and scoped header
//! cells, `lang`). Snapshots pin the index, a policy page and a diff page.
//! Untrusted inputs are in `untrusted.rs`.

mod common;

use common::{Scratch, Writ};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// The case history, in the order a reader follows it.
const HISTORY: [&str; 6] = [
    "policies/magistrate_2014.policy",
    "policies/district_2014.policy",
    "policies/second_circuit_2016.policy",
    "policies/google_edpa_2017.policy",
    "policies/sca_2703.policy",
    "policies/cloud_act_2018.policy",
];

/// Every file of the site at `dir`, by name.
fn site(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            assert!(
                e.file_type().unwrap().is_file(),
                "{:?} is not a plain file",
                e.path()
            );
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect()
}

fn parse<'t>(name: &str, text: &'t str) -> roxmltree::Document<'t> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .unwrap_or_else(|e| panic!("{name} is not well formed: {e}"))
}

/// Checks every page of a site: well formed, links resolve, no absolute
/// paths, the structure accessibility needs. Returns the problems.
fn problems(files: &BTreeMap<String, String>, forbidden: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut ids: BTreeMap<&str, HashSet<String>> = BTreeMap::new();
    let mut links = Vec::new();
    for (name, text) in files {
        for f in forbidden {
            if text.contains(f) {
                out.push(format!("{name} contains {f:?}"));
            }
        }
        if !name.ends_with(".html") {
            continue;
        }
        let doc = parse(name, text);
        let root = doc.root_element();
        if root.attribute("lang") != Some("en") {
            out.push(format!("{name}: <html> has no lang=\"en\""));
        }
        let mut level = 0;
        let mut h1 = 0;
        let mine = ids.entry(name).or_default();
        for n in root.descendants().filter(|n| n.is_element()) {
            let tag = n.tag_name().name();
            if let Some(id) = n.attribute("id")
                && !mine.insert(id.to_string())
            {
                out.push(format!("{name}: id {id:?} twice"));
            }
            if let Some(l) = tag.strip_prefix('h').and_then(|d| d.parse::<usize>().ok()) {
                if l == 1 {
                    h1 += 1;
                }
                if l > level + 1 {
                    out.push(format!("{name}: <{tag}> follows <h{level}>"));
                }
                level = l;
            }
            match tag {
                "script" | "iframe" | "object" | "embed" => {
                    out.push(format!("{name}: <{tag}>"));
                }
                "table" if !n.children().any(|c| c.has_tag_name("caption")) => {
                    out.push(format!("{name}: a table without a caption"));
                }
                "th" if n.attribute("scope").is_none() => {
                    out.push(format!("{name}: <th> without scope"));
                }
                "img" if n.attribute("alt").is_none_or(str::is_empty) => {
                    out.push(format!("{name}: <img> without alt text"));
                }
                "a" if n.text().is_none_or(|t| t.trim().is_empty())
                    && !n
                        .descendants()
                        .any(|c| c.is_text() && !c.text().unwrap().trim().is_empty()) =>
                {
                    out.push(format!("{name}: a link without text"));
                }
                _ => {}
            }
            for attr in ["href", "src"] {
                if let Some(target) = n.attribute(attr) {
                    links.push((name.clone(), target.to_string()));
                }
            }
        }
        if h1 != 1 {
            out.push(format!("{name}: {h1} <h1> elements"));
        }
    }
    for (from, target) in links {
        if target.contains(':') || target.starts_with('/') || target.contains("..") {
            out.push(format!("{from}: {target:?} leaves the site"));
            continue;
        }
        let (file, anchor) = match target.split_once('#') {
            Some(("", a)) => (from.as_str(), Some(a)),
            Some((f, a)) => (f, Some(a)),
            None => (target.as_str(), None),
        };
        if !files.contains_key(file) {
            out.push(format!("{from}: {target:?}: no file {file:?}"));
            continue;
        }
        if let Some(a) = anchor
            && !ids.get(file).is_some_and(|s| s.contains(a))
        {
            out.push(format!("{from}: {target:?}: no id {a:?} in {file}"));
        }
    }
    out
}

fn doc(files: &[&str], out: &Scratch) -> common::Run {
    let mut args = vec!["doc"];
    args.extend_from_slice(files);
    let dir = out.join("site");
    args.extend(["-o", &dir]);
    Writ::new(&args).run()
}

#[test]
fn the_case_history_is_a_site_a_lawyer_can_read() {
    let out = Scratch::new("doc-history");
    let r = doc(&HISTORY, &out);
    assert_eq!(r.status, 0, "{r:?}");
    assert!(r.stdout.starts_with("ok: wrote 13 files to "), "{r:?}");
    let files = site(&out.path().join("site"));
    let root = env!("CARGO_MANIFEST_DIR");
    let scratch = out.path().to_str().unwrap();
    let found = problems(&files, &[root, scratch, "\u{1b}["]);
    assert!(found.is_empty(), "{found:#?}");
    // A page per policy, one per consecutive pair, the index and the style.
    assert_eq!(files.len(), 2 + HISTORY.len() + HISTORY.len() - 1);
    let index = &files["index.html"];
    for p in HISTORY {
        assert!(index.contains(p), "{p} is not on the index");
    }
    // The district court's page: its rules with their reasons and
    // citations, exact counts, the tree, its tests.
    let district = &files["district_2014.html"];
    for want in [
        "control_not_location",
        "a question of control, not a question of location",
        "S.D.N.Y., bench ruling of Chief Judge Loretta Preska",
        "3,504,096",
        "<span class=\"pass\">passed</span>",
        "instrument = SCA_warrant and controller = US_provider",
        // The tree as a picture with its text alternative, and as text.
        "<svg xmlns=\"http://www.w3.org/2000/svg\"",
        "role=\"img\"",
        "controller = US_provider: compel (magistrate_2014.hybrid_warrant, control_not_location)",
    ] {
        assert!(district.contains(want), "{want:?} not on the district page");
    }
    insta::assert_snapshot!("index", index);
    // The picture is the SVG renderer's, snapshotted in `svg.rs`.
    let start = district.find("<svg").unwrap();
    let end = district.find("</svg>").unwrap() + "</svg>".len();
    let page = format!(
        "{}[the SVG of svg__district_2014.snap]{}",
        &district[..start],
        &district[end..]
    );
    assert!(!page.contains("<svg"), "two pictures");
    insta::assert_snapshot!("district_2014", page);
    insta::assert_snapshot!(
        "second_circuit_to_google",
        &files["changes-second_circuit_2016-to-google_edpa_2017.html"]
    );
}

#[test]
fn the_output_is_the_same_each_time() {
    let (a, b) = (Scratch::new("doc-same-a"), Scratch::new("doc-same-b"));
    let files = &HISTORY[3..];
    assert_eq!(doc(files, &a).status, 0);
    assert_eq!(doc(files, &b).status, 0);
    assert_eq!(site(&a.path().join("site")), site(&b.path().join("site")));
}

#[test]
fn a_file_that_does_not_check_still_gets_a_page() {
    let out = Scratch::new("doc-bad");
    let bad = out.file(
        "bad.policy",
        "policy bad\nattribute a: bool\ndecision o: { yes, no }\nrule r: when b then yes because \"<b>&</b>\"\n",
    );
    let bad = bad.to_str().unwrap();
    let r = doc(&["policies/magistrate_2014.policy", bad], &out);
    assert_eq!(r.status, 1, "{r:?}");
    assert!(
        r.stderr.contains("E0010") || r.stderr.contains("error"),
        "{r:?}"
    );
    let files = site(&out.path().join("site"));
    let found = problems(&files, &[]);
    assert!(found.is_empty(), "{found:#?}");
    let page = &files["bad.html"];
    assert!(page.contains("does not check"), "{page}");
    // The diagnostic, as text, escaped: the source line it quotes holds
    // markup, which must not become markup.
    assert!(page.contains("&lt;b&gt;&amp;&lt;/b&gt;"), "{page}");
    assert!(!page.contains("<b>&</b>"), "{page}");
    assert!(!page.contains("\u{1b}["), "colour codes in {page}");
    assert!(files["index.html"].contains("not compared"));
}

#[test]
fn an_output_that_is_not_a_folder_is_refused() {
    let out = Scratch::new("doc-notdir");
    let policy = "policies/magistrate_2014.policy";
    let before =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(policy)).unwrap();
    let r = Writ::new(["doc", policy, "-o", policy]).run();
    assert_eq!(r.status, 2, "{r:?}");
    assert!(r.stderr.contains("E0054"), "{r:?}");
    let after =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(policy)).unwrap();
    assert_eq!(before, after);
    let file = out.file("taken", "keep me");
    let r = Writ::new(["doc", policy, "-o", file.to_str().unwrap()]).run();
    assert_eq!(r.status, 2, "{r:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn a_link_in_the_folder_is_replaced_not_written_through() {
    let out = Scratch::new("doc-link");
    let victim = out.file("victim.txt", "keep me");
    std::fs::create_dir_all(out.path().join("site")).unwrap();
    std::os::unix::fs::symlink(&victim, out.path().join("site/index.html")).unwrap();
    let r = doc(&["policies/magistrate_2014.policy"], &out);
    assert_eq!(r.status, 0, "{r:?}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let index = out.path().join("site/index.html");
    assert!(std::fs::symlink_metadata(&index).unwrap().is_file());
}

#[test]
fn a_failed_test_shows_its_counterexample() {
    let out = Scratch::new("doc-fail");
    let p = out.file(
        "f.policy",
        "policy f\nattribute a: bool\nattribute n: int 0..9\ndecision o: { yes, no }\ndefault undecided\n\
         rule r: when a and n > 3 then yes because \"a reason\"\n\
         test \"too broad\": given a expect yes\n",
    );
    let r = doc(&[p.to_str().unwrap()], &out);
    assert_eq!(r.status, 1, "{r:?}");
    let files = site(&out.path().join("site"));
    assert!(problems(&files, &[]).is_empty());
    let page = &files["f.html"];
    assert!(
        page.contains("<span class=\"fail\">failed</span>"),
        "{page}"
    );
    assert!(page.contains("counterexample: a = true, n = 0"), "{page}");
    assert!(
        page.contains("<code>a</code>"),
        "the given as written: {page}"
    );
    // `r` matches a = true and n in 4..9: 6 cases of 20.
    assert!(page.contains("matches 6, decides 6"), "{page}");
    // The test covers the cases with `a`, half of them; the rest are
    // listed as a condition.
    assert!(page.contains("10 of 20 cases (50%) are covered"), "{page}");
    assert!(page.contains("<code>not a</code>"), "{page}");
    assert!(files["index.html"].contains("1 of 1 tests failed"));
}

#[test]
fn lints_and_vocabularies_have_their_place() {
    let out = Scratch::new("doc-lints");
    let p = out.file(
        "l.policy",
        "policy l\nattribute a: bool\nattribute b: { x, y }\ndecision o: { yes, no }\ndefault undecided\nresolve first\n\
         rule r1: when a then yes because \"first\"\n\
         rule r2: when a and b = x then no because \"never wins\"\n\
         test \"t\": given a expect yes\n",
    );
    let v = out.file("v.vocab", "attribute c: bool\n");
    let r = doc(&[p.to_str().unwrap(), v.to_str().unwrap()], &out);
    assert_eq!(r.status, 0, "{r:?}");
    let files = site(&out.path().join("site"));
    assert!(problems(&files, &[]).is_empty());
    let page = &files["l.html"];
    assert!(page.contains("<code>L0003</code> dead-rule"), "{page}");
    assert!(
        page.contains("rule <code>r2</code> matches 1 case"),
        "{page}"
    );
    assert!(page.contains("matches 1, decides 0"), "{page}");
    assert!(files["v.html"].contains("is a vocabulary"));
    // A vocabulary is not a step of the history: nothing to compare.
    assert_eq!(files.len(), 4, "{:?}", files.keys());
    assert!(files["index.html"].contains("2 lint findings"));
}

/// Whether `c` must never reach a page or a picture: a bidirectional
/// embedding, override or isolate, or a noncharacter.
fn forbidden_char(c: char) -> bool {
    let u = c as u32;
    (0x202A..=0x202E).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        || (0xFDD0..=0xFDEF).contains(&u)
        || u & 0xFFFE == 0xFFFE
}

#[test]
fn bidi_controls_and_noncharacters_from_a_policy_never_reach_a_page() {
    let out = Scratch::new("doc-bidi");
    // An override never closed, isolates, noncharacters (U+FFFE makes a
    // page not well formed) and the harmless marks U+200E and U+200F.
    let p = out.file(
        "b.policy",
        "policy b_rlo\ntitle \"Base \u{202E} evil \u{2066}x\u{FFFE}\u{FFFF}\u{FDD0}\u{1FFFE}\"\n\
         source \"s \u{202B}\u{2069}\"\n\
         attribute a: bool \"doc \u{202D}\"\ndecision o: { yes, no }\ndefault no\n\
         rule r: when a then yes because \"why \u{202E} \u{200F}mark\u{200E}\"\n\
         test \"t \u{2067}\": given a expect yes\n",
    );
    let c = out.file(
        "c.policy",
        "policy c_child\nattribute a: bool\ndecision o: { yes, no }\ndefault no\n\
         rule r: when a then no because \"other\"\n",
    );
    let r = doc(&[p.to_str().unwrap(), c.to_str().unwrap()], &out);
    assert_eq!(r.status, 0, "{r:?}");
    let files = site(&out.path().join("site"));
    let found = problems(&files, &[]);
    assert!(found.is_empty(), "{found:#?}");
    for (name, text) in &files {
        if let Some(c) = text.chars().find(|&c| forbidden_char(c)) {
            panic!("{name} holds U+{:04X}", c as u32);
        }
    }
    let page = &files["b_rlo.html"];
    assert!(page.contains("<h1>Base \u{FFFD} evil \u{FFFD}x"), "{page}");
    // The marks have no scope and stay.
    assert!(page.contains("\u{200F}mark\u{200E}"), "{page}");
}

#[test]
fn a_tree_too_large_to_draw_says_why() {
    let out = Scratch::new("doc-large");
    // Nine rules on nine flags: 1,023 boxes, too many to draw, few
    // enough to show as text.
    let mut text = String::from("policy nine\ndecision d: { yes, no }\ndefault no\n");
    for i in 0..9 {
        text.push_str(&format!("attribute f{i}: bool\n"));
    }
    for i in 0..9 {
        text.push_str(&format!("rule r{i}: when f{i} then yes\n"));
    }
    let nine = out.file("nine.policy", text);
    let r = doc(
        &[
            nine.to_str().unwrap(),
            "tests/fixtures/svg/too_large.policy",
        ],
        &out,
    );
    assert_eq!(r.status, 0, "{r:?}");
    let files = site(&out.path().join("site"));
    assert!(problems(&files, &[]).is_empty());
    let page = &files["nine.html"];
    assert!(
        page.contains("The tree is too large to draw: 1,023 boxes, more than 500."),
        "{page}"
    );
    assert!(!page.contains("<svg"), "{page}");
    assert!(page.contains("<pre class=\"tree-text\""), "{page}");
    // Too large for the text too: said in a reader's words, the counts
    // as the rest of the site writes them, and the command that prints it.
    let page = &files["too_large.html"];
    assert!(
        page.contains("The tree is too large to draw: 2,047 boxes, more than 500."),
        "{page}"
    );
    assert!(
        page.contains("too large to show here as text: 2,047 nodes, more than the 2,000 a page shows. <code>writ compile tests/fixtures/svg/too_large.policy --emit dag</code> prints it"),
        "{page}"
    );
    for no in ["--max-tree-nodes", "`"] {
        assert!(!page.contains(no), "{no:?} on the page: {page}");
    }
}

#[test]
fn a_test_with_an_empty_given_sets_the_keyword_as_code() {
    let out = Scratch::new("doc-empty-given");
    let p = out.file(
        "e.policy",
        "policy e\nattribute n: int 0..9\ndecision o: { yes, no }\ndefault no\n\
         rule r: when n > 3 then yes because \"line one\\nline two\"\n\
         test \"empty\": given n > 5 and n < 3 expect yes\n",
    );
    let r = doc(&[p.to_str().unwrap()], &out);
    assert_eq!(r.status, 1, "{r:?}");
    let files = site(&out.path().join("site"));
    assert!(problems(&files, &[]).is_empty());
    let page = &files["e.html"];
    assert!(
        page.contains("failed</span>: no case satisfies <code>given</code>"),
        "{page}"
    );
    assert!(!page.contains("`given`"), "{page}");
    // A `\n` in a `because` is a line break, which the page keeps.
    assert!(
        page.contains("<blockquote class=\"because\"><p>line one\nline two</p></blockquote>"),
        "{page}"
    );
    assert!(files["style.css"].contains(".because { white-space: pre-line; }"));
}

#[test]
fn a_status_that_is_not_0_is_explained_and_not_called_ok() {
    let out = Scratch::new("doc-status");
    let p = out.file(
        "many.policy",
        "policy many\nattribute a: bool\ndecision o: { yes, no }\ndefault no\n\
         rule r: when a then yes\n\
         test \"right\": given a expect yes\n\
         test \"wrong\": given a expect no\n\
         test \"also wrong\": given not a expect yes\n",
    );
    let p = p.to_str().unwrap();
    let r = doc(&[p], &out);
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stdout.starts_with("wrote 3 files to "), "{r:?}");
    assert!(!r.stdout.contains("ok"), "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("error: 2 of 3 tests failed in {p}")),
        "{r:?}"
    );
    // A file that does not check, and one that cannot be read.
    let bad = out.file(
        "bad.policy",
        "policy bad\nattribute a: bool\ndecision o: { yes, no }\nrule r: when b then yes\n",
    );
    let bad = bad.to_str().unwrap();
    let missing = out.join("missing.policy");
    let r = doc(&[bad, &missing, p], &out);
    assert_eq!(r.status, 2, "{r:?}");
    assert!(
        r.stdout.starts_with("wrote 7 files to ")
            && r.stdout.trim_end().ends_with("; 1 input could not be read"),
        "{r:?}"
    );
    assert!(!r.stdout.contains("ok"), "{r:?}");
    for want in [
        format!("error: {bad} has 1 error"),
        format!("error: {missing} could not be read"),
        format!("error: 2 of 3 tests failed in {p}"),
    ] {
        assert!(r.stderr.contains(&want), "{want:?} not in {r:?}");
    }
}

#[test]
fn an_input_the_site_would_overwrite_is_refused_before_anything_is_written() {
    let out = Scratch::new("doc-clobber");
    std::fs::create_dir_all(out.path().join("s9")).unwrap();
    let input = out.file(
        "s9/base_pol.html",
        "policy base_pol\nattribute a: bool\ndecision o: { yes, no }\ndefault no\nrule r: when a then yes\n",
    );
    let before = std::fs::read_to_string(&input).unwrap();
    let r = Writ::new(["doc", "s9/base_pol.html", "-o", "s9"])
        .dir(out.path())
        .run();
    assert_eq!(r.status, 2, "{r:?}");
    assert!(
        r.stderr.contains(
            "`writ doc -o s9` would write its page `base_pol.html` over `s9/base_pol.html`, which it reads"
        ),
        "{r:?}"
    );
    assert_eq!(std::fs::read_to_string(&input).unwrap(), before);
    let left: Vec<String> = std::fs::read_dir(out.path().join("s9"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["base_pol.html"], "written before the refusal");
}

#[test]
fn a_policy_without_tests_is_not_shown_as_passing() {
    let out = Scratch::new("doc-no-tests");
    let p = out.file(
        "n.policy",
        "policy n\nattribute a: bool\ndecision o: { yes, no }\ndefault no\nrule r: when a then yes\n",
    );
    let r = doc(&[p.to_str().unwrap()], &out);
    assert_eq!(r.status, 0, "{r:?}");
    let files = site(&out.path().join("site"));
    let index = &files["index.html"];
    assert!(
        index.contains("<span class=\"none\">no tests</span>"),
        "{index}"
    );
    assert!(!index.contains("0 tests passed"), "{index}");
    assert!(files["n.html"].contains("Tests</a> (none)"));
}

#[test]
fn long_names_break_on_screen_and_on_paper() {
    let out = Scratch::new("doc-long");
    let long = "Supercalifragilisticexpialidocious".repeat(3);
    let p = out.file(
        "l.policy",
        format!(
            "policy l\nattribute a: bool\ndecision o: {{ yes, no }}\ndefault no\n\
             rule very_long_rule_{long}: when a then yes because \"{}\"\n",
            "A".repeat(160)
        ),
    );
    let r = doc(&[p.to_str().unwrap()], &out);
    assert_eq!(r.status, 0, "{r:?}");
    let files = site(&out.path().join("site"));
    assert!(problems(&files, &[]).is_empty());
    // Names break after `_` first.
    assert!(
        files["l.html"].contains(&format!("very_<wbr/>long_<wbr/>rule_<wbr/>{long}")),
        "{}",
        files["l.html"]
    );
    let style = &files["style.css"];
    for want in [
        "h1, h2, h3, code, dd, blockquote, tbody th, td, figcaption, .file { overflow-wrap: anywhere; }",
        "grid-template-columns: minmax(0, max-content) minmax(0, 1fr);",
        "grid-template-columns: 8rem minmax(0, 1fr);",
    ] {
        assert!(style.contains(want), "{want:?} not in {style}");
    }
    // The rule is outside `@media`: it holds on paper too.
    let print = style.find("@media print").unwrap();
    assert!(style.find("overflow-wrap: anywhere").unwrap() < print);
}
