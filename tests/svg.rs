//! `writ compile --emit svg`: the picture of every bundled policy and of
//! the compile fixtures, snapshotted; every picture well-formed XML with
//! its accessible name and description; its geometry (from the layout, not
//! the SVG) free of overlaps; texts from the policy escaped; a tree too
//! large to draw refused with E0053.

mod common;
use common::writ;
use std::path::Path;
use writ::render::svg::{self, Rect};

/// Every bundled policy, every compile fixture and the SVG fixtures that
/// compile, as paths relative to the crate.
fn policies() -> Vec<String> {
    let mut files = Vec::new();
    for dir in ["policies", "tests/fixtures/compile", "tests/fixtures/svg"] {
        let abs = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut names: Vec<String> = std::fs::read_dir(&abs)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".policy") && n != "too_large.policy")
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|n| format!("{dir}/{n}")));
    }
    files
}

fn stem(path: &str) -> &str {
    Path::new(path).file_stem().unwrap().to_str().unwrap()
}

fn svg_of(path: &str) -> String {
    let (status, stdout, stderr) = writ(&["compile", path, "--emit", "svg"]);
    assert_eq!(status, 0, "{path}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    stdout
}

#[test]
fn every_policy_is_drawn() {
    for path in policies() {
        let text = svg_of(&path);
        insta::with_settings!({ description => format!("writ compile {path} --emit svg"), omit_expression => true }, {
            insta::assert_snapshot!(stem(&path), text);
        });
    }
}

/// roxmltree parses the picture as XML: well-formed, entities known,
/// nothing but the SVG namespace.
#[test]
fn every_picture_is_well_formed_and_labelled() {
    for path in policies() {
        let text = svg_of(&path);
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{path}: not well-formed XML: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(root.attribute("role"), Some("img"));
        let labelled_by = root.attribute("aria-labelledby").unwrap();
        for id in labelled_by.split(' ') {
            let target = doc
                .descendants()
                .find(|n| n.attribute("id") == Some(id))
                .unwrap_or_else(|| panic!("{path}: no element with id {id}"));
            assert!(
                ["title", "desc"].contains(&target.tag_name().name()),
                "{path}: {id}"
            );
            assert!(!target.text().unwrap_or("").trim().is_empty(), "{path}");
        }
        // Self-contained: nothing loaded, nothing run, no page-wide styles.
        for n in doc.descendants() {
            let name = n.tag_name().name();
            assert!(
                !["script", "style", "image", "use", "foreignObject"].contains(&name),
                "{path}: <{name}>"
            );
            assert!(n.attribute("href").is_none(), "{path}");
        }
    }
}

#[test]
fn texts_from_the_policy_are_escaped() {
    let text = svg_of("tests/fixtures/svg/markup.policy");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let heading = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .find_map(|n| n.text().filter(|t| t.starts_with("markup:")))
        .unwrap();
    assert_eq!(
        heading,
        "markup: Quotes \"like these\", <tags> & 'apostrophes'"
    );
    assert!(text.contains("&lt;tags&gt; &amp;"));
}

/// No two boxes overlap, no edge label overlaps a box or another label,
/// and everything lies inside the picture, below the heading.
fn assert_no_overlap(what_policy: &str, p: &svg::Picture) {
    let all: Vec<(&str, &Rect)> = p
        .boxes
        .iter()
        .map(|r| ("box", r))
        .chain(p.labels.iter().map(|r| ("label", r)))
        .collect();
    assert_eq!(
        p.labels.len() + 1,
        p.boxes.len(),
        "{what_policy}: one label per edge"
    );
    for (i, (what, r)) in all.iter().enumerate() {
        assert!(r.w > 0 && r.h > 0, "{what_policy}: empty {what} {r:?}");
        assert!(
            r.x >= 0 && r.y >= 0 && r.x + r.w <= p.width && r.y + r.h <= p.height,
            "{what_policy}: {what} {r:?} outside {}x{}",
            p.width,
            p.height
        );
        assert!(
            !r.overlaps(&p.heading),
            "{what_policy}: {what} {r:?} on the heading"
        );
        for (other, s) in &all[i + 1..] {
            assert!(
                !r.overlaps(s),
                "{what_policy}: {what} {r:?} overlaps {other} {s:?}"
            );
        }
    }
}

#[test]
fn nothing_overlaps() {
    for path in policies() {
        let checked = common::check_file(Path::new(&path));
        let policy = checked.policy.unwrap();
        let diagram = writ::compile::compile(&policy, &writ::compile::Options::default()).unwrap();
        let header = writ::names::Header::from_policy(&policy, &checked.map);
        assert_no_overlap(&path, &svg::picture(&header, &diagram).unwrap());
    }
}

/// Random policies of the benchmark generators: every one small enough is
/// drawn without overlaps, as well-formed XML; every other is refused with
/// its exact size.
#[test]
fn random_policies_never_overlap_or_are_refused() {
    let (mut drawn, mut refused) = (0, 0);
    for seed in 0..30u64 {
        for rules in 1..5 {
            for (kind, text) in [
                ("decision_table", writ::synth::decision_table(seed, rules)),
                ("wide", writ::synth::wide(seed, rules)),
                ("strict", writ::synth::strict(seed, rules)),
            ] {
                let name = format!("{kind} seed {seed}, {rules} rules");
                let checked = common::check(&format!("{kind}.policy"), &text);
                let policy = checked.policy.unwrap_or_else(|| panic!("{name}"));
                let diagram =
                    writ::compile::compile(&policy, &writ::compile::Options::default()).unwrap();
                let header = writ::names::Header::from_policy(&policy, &checked.map);
                let size = writ::emit::tree_size(&diagram);
                match svg::picture(&header, &diagram) {
                    Ok(p) => {
                        assert!(size <= u128::from(svg::MAX_PICTURE_NODES), "{name}");
                        assert_eq!(p.boxes.len() as u128, size, "{name}");
                        assert_no_overlap(&name, &p);
                        let text = svg::tree(&header, &diagram).unwrap();
                        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
                        drawn += 1;
                    }
                    Err(e) => {
                        assert_eq!(e.nodes, size, "{name}");
                        assert!(size > u128::from(svg::MAX_PICTURE_NODES), "{name}");
                        refused += 1;
                    }
                }
            }
        }
    }
    // The generators make both kinds.
    assert!(
        drawn > 50 && refused > 0,
        "{drawn} drawn, {refused} refused"
    );
}

#[test]
fn a_tree_too_large_to_draw_is_refused_naming_the_other_forms() {
    let path = "tests/fixtures/svg/too_large.policy";
    let (status, stdout, stderr) = writ(&["compile", path, "--emit", "svg"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("error[E0053]"), "{stderr}");
    assert!(stderr.contains("would have 2047 boxes"), "{stderr}");
    assert!(stderr.contains("--emit dot"), "{stderr}");
    // The other forms still work on it.
    let (status, _, stderr) = writ(&["compile", path, "--emit", "dot"]);
    assert_eq!(status, 0, "{stderr}");
    let (status, stdout, _) = writ(&["explain", "E0053"]);
    assert_eq!(status, 0);
    assert!(stdout.contains("picture-too-large"), "{stdout}");
}

/// The picture of a policy written to a scratch file.
fn svg_of_text(tag: &str, text: &str) -> String {
    let dir = common::Scratch::new(tag);
    let path = dir.file("p.policy", text);
    svg_of(path.to_str().unwrap())
}

fn desc_of(svg: &str) -> String {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .find(|n| n.has_tag_name("desc"))
        .and_then(|n| n.text())
        .unwrap()
        .to_string()
}

#[test]
fn the_description_counts_in_good_english() {
    let one = svg_of_text(
        "svg-desc-one",
        "policy one\nattribute a: bool\ndecision d: { yes, no }\ndefault no\nrule r: when a then yes\n",
    );
    let desc = desc_of(&one);
    assert!(desc.contains(": 1 question about attributes,"), "{desc}");
    assert!(desc.contains("and 2 leaves giving"), "{desc}");
    let constant = svg_of_text(
        "svg-desc-const",
        "policy c\ndecision d: { yes, no }\nrule r: when true then yes\n",
    );
    let desc = desc_of(&constant);
    assert_eq!(
        desc,
        "How policy c decides d: the same way for every case, one leaf giving the outcome \
         and the rules that explain it (yes 1)."
    );
    for bad in ["1 questions", "1 leaves", "0 questions"] {
        assert!(!desc.contains(bad), "{desc}");
    }
}

#[test]
fn bidi_controls_and_noncharacters_never_reach_the_picture() {
    let svg = svg_of_text(
        "svg-bidi",
        "policy b\ntitle \"Base \u{202E} evil \u{2066}x\u{FFFE}\u{FDD0}\u{10FFFF}\"\n\
         attribute b: bool\ndecision d: { yes, no }\ndefault no\n\
         rule r: when b then yes\n",
    );
    roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("not well formed: {e}"));
    for c in svg.chars() {
        let u = c as u32;
        assert!(
            !((0x202A..=0x202E).contains(&u)
                || (0x2066..=0x2069).contains(&u)
                || (0xFDD0..=0xFDEF).contains(&u)
                || u & 0xFFFE == 0xFFFE),
            "U+{u:04X} in {svg}"
        );
    }
    assert!(svg.contains("Base \u{FFFD} evil \u{FFFD}x"), "{svg}");
}
