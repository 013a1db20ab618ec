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
