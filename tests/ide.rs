//! The editor's view (`writ::ide`): the name index on the bundled policies
//! (definitions, references, `BASE.RULE`, renames checked by the checker),
//! semantic tokens against the syntax tree, snapshots of one fixture's
//! tokens and outline, and a property test that nothing panics on broken
//! or partial files.

mod common;

use proptest::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use writ::ide::index::{Index, RenameError, SymbolId, SymbolKind};
use writ::ide::outline::{self, FoldKind, OutlineSymbol};
use writ::ide::tokens::{self, Modifiers, Token, TokenKind};
use writ::load::{Loaded, LoadedFile};
use writ::source::{FileId, SourceMap, Span};
use writ::syntax::ast::{ItemKind, SourceFile};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled policies, by name.
fn bundled() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(crate_dir().join("policies"))
        .expect("policies/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    out.sort();
    assert!(out.len() >= 7, "the bundled policies are there");
    out
}

/// Loads a file as the server would; it must load without problems.
fn load(path: &Path) -> (SourceMap, Loaded) {
    let mut map = SourceMap::new();
    let (loaded, diagnostics) = writ::load::load(&mut map, path).expect("the root loads");
    assert!(
        diagnostics.is_empty(),
        "{}",
        common::text(&map, &diagnostics)
    );
    (map, loaded)
}

/// The file of `loaded` whose name ends with `suffix`.
fn file(map: &SourceMap, loaded: &Loaded, suffix: &str) -> FileId {
    *loaded
        .files
        .keys()
        .find(|&&f| map.name(f).ends_with(suffix))
        .unwrap_or_else(|| panic!("no loaded file ends with {suffix}"))
}

/// The one symbol of `kind` named `name` declared in `file`.
fn symbol(index: &Index, file: FileId, kind: SymbolKind, name: &str) -> SymbolId {
    let found: Vec<SymbolId> = index
        .symbols()
        .filter(|(_, s)| s.kind == kind && s.name == name && s.def.file == file)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(found.len(), 1, "{kind:?} `{name}`");
    found[0]
}

/// The offset of the `n`-th (from 0) whole word `word` in `text` that
/// follows `after`.
fn offset_of(text: &str, after: &str, word: &str) -> usize {
    let from = text
        .find(after)
        .unwrap_or_else(|| panic!("`{after}` in the text"));
    from + text[from..].find(word).expect("the word after it")
}

/// Each bundled policy loaded and indexed.
fn indexed_bundled() -> Vec<(PathBuf, SourceMap, Loaded, Index)> {
    bundled()
        .into_iter()
        .map(|p| {
            let (map, loaded) = load(&p);
            let index = Index::build(&loaded, &map);
            (p, map, loaded, index)
        })
        .collect()
}

#[test]
fn every_occurrence_leads_to_a_declaration_of_the_same_name() {
    for (path, map, _, index) in indexed_bundled() {
        assert!(!index.occurrences().is_empty());
        for o in index.occurrences() {
            let s = index.symbol(o.symbol);
            assert_ne!(s.kind, SymbolKind::Test, "tests have no occurrences");
            assert_eq!(map.slice(o.span), s.name, "{}", path.display());
            assert_eq!(map.slice(s.def), s.name, "{}", path.display());
            // The declaration is itself an occurrence, the one marked so.
            let def = index
                .at(s.def.file, s.def.start as usize)
                .expect("the declaration is indexed");
            assert_eq!((def.symbol, def.span, def.is_def), (o.symbol, s.def, true));
            assert_eq!(o.is_def, o.span == s.def);
            // The name is found from its start, its middle and just after it.
            for at in [o.span.start, (o.span.start + o.span.end) / 2, o.span.end] {
                assert_eq!(index.at(o.span.file, at as usize), Some(o));
            }
        }
        // Occurrences are sorted and never overlap.
        for w in index.occurrences().windows(2) {
            assert!(
                (w[0].span.file, w[0].span.end) < (w[1].span.file, w[1].span.start),
                "{:?} then {:?}",
                w[0],
                w[1]
            );
        }
    }
}

#[test]
fn every_name_of_the_bundled_policies_resolves() {
    for (path, map, loaded, index) in indexed_bundled() {
        let unresolved: Vec<String> = index
            .unresolved()
            .iter()
            .map(|u| format!("{:?} `{}`", u.expected, map.slice(u.span)))
            .collect();
        assert!(unresolved.is_empty(), "{}: {unresolved:?}", path.display());
        // Every identifier in every condition is an occurrence: counted
        // from the tree, independently of how the index walks it.
        for f in loaded.files.values() {
            let ast = f.ast.as_ref().expect("bundled files parse");
            for item in &ast.items {
                let cond = match &item.kind {
                    ItemKind::Rule(r) => Some(&r.cond),
                    ItemKind::Test(t) => t.given.as_ref(),
                    _ => None,
                };
                for span in cond.into_iter().flat_map(cond_idents) {
                    let o = index.at(span.file, span.start as usize).expect("resolved");
                    assert_eq!(o.span, span);
                }
            }
        }
    }
}

/// The spans of every identifier in a condition.
fn cond_idents(c: &writ::syntax::ast::Cond) -> Vec<Span> {
    use writ::syntax::ast::{CondKind, Operand, SetExpr, SetItem};
    let mut out = Vec::new();
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        match &c.kind {
            CondKind::Bool(_) => {}
            CondKind::Or(cs) | CondKind::And(cs) => stack.extend(cs),
            CondKind::Not(c) | CondKind::Paren(c) => stack.push(c),
            CondKind::Bare(a) | CondKind::Order { attr: a, .. } => out.push(a.span),
            CondKind::Compare { attr, value, .. } => {
                out.push(attr.span);
                if let Operand::Ident(v) = value {
                    out.push(v.span);
                }
            }
            CondKind::In { attr, set, .. } => {
                out.push(attr.span);
                match set {
                    SetExpr::Group(g) => out.push(g.span),
                    SetExpr::Literal { items, .. } => {
                        out.extend(items.iter().filter_map(|i| match i {
                            SetItem::Ident(v) => Some(v.span),
                            SetItem::Int(_) => None,
                        }))
                    }
                }
            }
        }
    }
    out
}

/// The offsets of `word` as a whole word in `text` outside comments and
/// strings: a scan of its own, to check the index against.
fn word_offsets(text: &str, word: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if &text[start..i] == word {
                    out.push(start);
                }
            }
            _ => i += 1,
        }
    }
    out
}

#[test]
fn references_of_a_vocabulary_attribute_include_the_policys_uses() {
    let (map, loaded) = load(&crate_dir().join("policies/sca_2703.policy"));
    let index = Index::build(&loaded, &map);
    let vocab = file(&map, &loaded, "sca.vocab");
    let policy = file(&map, &loaded, "sca_2703.policy");
    for name in ["instrument", "content_age_days", "location", "controller"] {
        let a = symbol(&index, vocab, SymbolKind::Attribute, name);
        let refs: Vec<_> = index.references(a).collect();
        let in_policy: Vec<usize> = refs
            .iter()
            .filter(|o| o.span.file == policy)
            .map(|o| o.span.start as usize)
            .collect();
        assert_eq!(in_policy, word_offsets(map.text(policy), name), "{name}");
        assert!(!in_policy.is_empty());
        // The declaration is among them, once.
        assert_eq!(refs.iter().filter(|o| o.is_def).count(), 1);
        assert!(refs.iter().any(|o| o.is_def && o.span.file == vocab));
    }
    // `location in abroad`: the group, declared in the vocabulary.
    let abroad = symbol(&index, vocab, SymbolKind::Group, "abroad");
    assert!(index.references(abroad).any(|o| o.span.file == policy));
    let place = index.symbol(abroad).parent.expect("a group has its type");
    assert_eq!(index.symbol(place).name, "Place");
    // `location = US`: a value of the named type `Place`.
    let us = symbol(&index, vocab, SymbolKind::Value, "US");
    assert_eq!(index.symbol(us).parent, Some(place));
    let at = offset_of(map.text(policy), "location = US", "US");
    assert_eq!(index.at(policy, at).map(|o| o.symbol), Some(us));
    // An outcome of the vocabulary's decision.
    let compel = symbol(&index, vocab, SymbolKind::Outcome, "compel");
    let decision = index
        .symbol(compel)
        .parent
        .expect("an outcome has its decision");
    assert_eq!(index.symbol(decision).kind, SymbolKind::Decision);
    assert_eq!(
        index
            .references(compel)
            .filter(|o| o.span.file == policy)
            .count(),
        word_offsets(map.text(policy), "compel").len()
    );
}

#[test]
fn base_rules_resolve_into_the_base_file() {
    // One generation: `sca_2703.warrant_for_content` in `overrides`.
    let (map, loaded) = load(&crate_dir().join("policies/cloud_act_2018.policy"));
    let index = Index::build(&loaded, &map);
    let child = file(&map, &loaded, "cloud_act_2018.policy");
    let base = file(&map, &loaded, "sca_2703.policy");
    let text = map.text(child);
    let rule = index
        .at(
            child,
            offset_of(text, "overrides sca_2703.", "warrant_for_content") + 3,
        )
        .expect("the rule part resolves");
    assert_eq!(map.slice(rule.span), "warrant_for_content");
    assert_eq!(
        rule.symbol,
        symbol(&index, base, SymbolKind::Rule, "warrant_for_content")
    );
    assert!(!rule.is_def);
    let policy = index
        .at(child, offset_of(text, "overrides sca_2703.", "sca_2703"))
        .expect("the base part resolves");
    assert_eq!(
        policy.symbol,
        symbol(&index, base, SymbolKind::Policy, "sca_2703")
    );
    // A child's own rule named without a base.
    let own = index
        .at(
            child,
            offset_of(
                text,
                "sca_2703.older_content_with_notice, ",
                "section_2713_warrant",
            ),
        )
        .expect("resolves");
    assert_eq!(
        own.symbol,
        symbol(&index, child, SymbolKind::Rule, "section_2713_warrant")
    );

    // Two generations: `repeal magistrate_2014.hybrid_warrant` names a rule
    // of the base's base.
    let (map, loaded) = load(&crate_dir().join("policies/second_circuit_2016.policy"));
    let index = Index::build(&loaded, &map);
    let child = file(&map, &loaded, "second_circuit_2016.policy");
    let grand = file(&map, &loaded, "magistrate_2014.policy");
    let district = file(&map, &loaded, "district_2014.policy");
    let text = map.text(child);
    let at =
        offset_of(text, "repeal ", "magistrate_2014.hybrid_warrant") + "magistrate_2014.".len();
    let o = index.at(child, at).expect("resolves");
    assert_eq!(
        o.symbol,
        symbol(&index, grand, SymbolKind::Rule, "hybrid_warrant")
    );
    let at = offset_of(text, "repeal ", "district_2014");
    let o = index.at(child, at).expect("resolves");
    assert_eq!(
        o.symbol,
        symbol(&index, district, SymbolKind::Policy, "district_2014")
    );
    // The base's rules keep resolving in the base's own scope.
    let hybrid = symbol(&index, grand, SymbolKind::Rule, "hybrid_warrant");
    assert!(index.references(hybrid).any(|o| o.span.file == child));
}

/// Applies `edits` (each span replaced by `new`) to the files of `map`,
/// written under `dir` with the same names relative to `base`.
fn write_renamed(
    map: &SourceMap,
    loaded: &Loaded,
    edits: &[Span],
    new: &str,
    base: &Path,
    dir: &Path,
) {
    for &f in loaded.files.keys() {
        let mut text = map.text(f).to_string();
        let mut spans: Vec<&Span> = edits.iter().filter(|s| s.file == f).collect();
        spans.sort_by_key(|s| std::cmp::Reverse(s.start));
        for s in spans {
            text.replace_range(s.range(), new);
        }
        let rel = Path::new(map.name(f))
            .strip_prefix(base)
            .expect("inside the folder");
        std::fs::write(dir.join(rel), text).expect("written");
    }
}

#[test]
fn renaming_every_symbol_keeps_the_policy_checking() {
    let policies = crate_dir().join("policies");
    let (map, loaded) = load(&policies.join("second_circuit_2016.policy"));
    let index = Index::build(&loaded, &map);
    let scratch = common::Scratch::new("ide-rename");
    let mut renamed = Vec::new();
    for (id, s) in index.symbols() {
        if s.kind == SymbolKind::Test {
            assert_eq!(
                index.rename(id, "anything"),
                Err(RenameError::NotRenamable {
                    kind: SymbolKind::Test
                })
            );
            continue;
        }
        let new = format!("renamed_{}", s.name);
        let spans = index
            .rename(id, &new)
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
        assert!(spans.contains(&s.def));
        assert_eq!(spans.len(), index.references(id).len());
        for span in &spans {
            assert_eq!(map.slice(*span), s.name);
        }
        // The renamed files check exactly as the originals do.
        write_renamed(&map, &loaded, &spans, &new, &policies, scratch.path());
        let checked = common::check_file(&scratch.path().join("second_circuit_2016.policy"));
        assert!(
            checked.error_codes().is_empty(),
            "renaming {:?} `{}`:\n{}",
            s.kind,
            s.name,
            checked.text()
        );
        renamed.push(s.kind);
    }
    let mut kinds: Vec<SymbolKind> = renamed;
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), 8, "every kind but tests is renamed: {kinds:?}");
}

#[test]
fn rename_refuses_keywords_bad_names_and_collisions() {
    let (map, loaded) = load(&crate_dir().join("policies/cloud_act_2018.policy"));
    let index = Index::build(&loaded, &map);
    let vocab = file(&map, &loaded, "sca.vocab");
    let child = file(&map, &loaded, "cloud_act_2018.policy");
    let base = file(&map, &loaded, "sca_2703.policy");
    let location = symbol(&index, vocab, SymbolKind::Attribute, "location");

    for kw in ["when", "in", "not", "bool", "extends"] {
        let e = index.rename(location, kw).unwrap_err();
        assert_eq!(e, RenameError::Keyword { name: kw.into() });
        assert_eq!(
            e.to_string(),
            format!("`{kw}` is a keyword and cannot be used as a name")
        );
    }
    for bad in ["", "1st", "a-b", "two words", "base.rule", "été"] {
        let e = index.rename(location, bad).unwrap_err();
        assert_eq!(e, RenameError::NotIdentifier { name: bad.into() }, "{bad}");
    }
    assert!(
        index
            .rename(location, "1st")
            .unwrap_err()
            .to_string()
            .contains("starts with a letter")
    );
    // `allow` is a name wherever a name goes.
    assert!(index.rename(location, "allow").is_ok());

    let collides =
        |id: SymbolId, new: &str, existing: (FileId, SymbolKind, &str), message: &str| {
            let e = index.rename(id, new).unwrap_err();
            let RenameError::Collision { existing: at, .. } = &e else {
                panic!("{new}: {e:?}")
            };
            assert_eq!(
                *at,
                index
                    .symbol(symbol(&index, existing.0, existing.1, existing.2))
                    .def
            );
            assert_eq!(e.to_string(), message);
        };
    collides(
        location,
        "instrument",
        (vocab, SymbolKind::Attribute, "instrument"),
        "there is already an attribute named `instrument`",
    );
    let us = symbol(&index, vocab, SymbolKind::Value, "US");
    collides(
        us,
        "Ireland",
        (vocab, SymbolKind::Value, "Ireland"),
        "`Place` already has a value named `Ireland`",
    );
    collides(
        us,
        "abroad",
        (vocab, SymbolKind::Group, "abroad"),
        "`Place` has a group named `abroad`: in `attribute = abroad` the value would hide the group",
    );
    let abroad = symbol(&index, vocab, SymbolKind::Group, "abroad");
    collides(
        abroad,
        "US",
        (vocab, SymbolKind::Value, "US"),
        "`Place` has a value named `US`: in `attribute = US` the value would hide the group",
    );
    let compel = symbol(&index, vocab, SymbolKind::Outcome, "compel");
    collides(
        compel,
        "quash",
        (vocab, SymbolKind::Outcome, "quash"),
        "`outcome` already has an outcome named `quash`",
    );
    let warrant = symbol(&index, child, SymbolKind::Rule, "section_2713_warrant");
    collides(
        warrant,
        "comity_motion",
        (child, SymbolKind::Rule, "comity_motion"),
        "this policy already has a rule named `comity_motion`",
    );

    // Not collisions: a value of another enum, a rule of another policy
    // (inherited, it is `sca_2703.warrant_for_content`), the same name.
    assert!(index.rename(us, "content").is_ok());
    assert!(index.rename(warrant, "warrant_for_content").is_ok());
    let base_rule = symbol(&index, base, SymbolKind::Rule, "warrant_for_content");
    assert!(index.rename(base_rule, "comity_motion").is_ok());
    assert_eq!(
        index.rename(us, "US").unwrap().len(),
        index.references(us).len()
    );
}

#[test]
fn keys_identify_symbols_across_builds_and_roots() {
    let (map_a, loaded_a) = load(&crate_dir().join("policies/sca_2703.policy"));
    let a = Index::build(&loaded_a, &map_a);
    // Another root sharing the vocabulary, loaded into another map, where
    // the vocabulary has another file id.
    let mut map_b = SourceMap::new();
    map_b.add("unrelated.policy", "policy unrelated");
    let (loaded_b, _) = writ::load::load(
        &mut map_b,
        &crate_dir().join("policies/microsoft_2014.policy"),
    )
    .expect("loads");
    let b = Index::build(&loaded_b, &map_b);
    let vocab_a = file(&map_a, &loaded_a, "sca.vocab");
    assert_ne!(vocab_a, file(&map_b, &loaded_b, "sca.vocab"));
    let mut found = 0;
    for (id, s) in a.symbols().filter(|(_, s)| s.def.file == vocab_a) {
        let key = a.key(id);
        assert_eq!(a.find(&key), Some(id));
        let other = b.find(&key).expect("the vocabulary's symbols are in both");
        let t = b.symbol(other);
        assert_eq!((t.kind, &t.name), (s.kind, &s.name));
        found += 1;
    }
    assert!(found > 20);
    // A policy's own symbols are in its index only.
    let policy = file(&map_a, &loaded_a, "sca_2703.policy");
    let rule = symbol(&a, policy, SymbolKind::Rule, "warrant_for_content");
    assert_eq!(b.find(&a.key(rule)), None);
}

#[test]
fn a_cursor_finds_the_name_it_touches() {
    let text =
        "policy p\nattribute flag: bool\ndecision d: { yes, no }\nrule r: when flag then yes\n";
    let (map, loaded) = in_memory(&[("p.policy", text.to_string())], &|_, _| false);
    let index = Index::build(&loaded, &map);
    let f = FileId(0);
    let use_at = offset_of(text, "when ", "flag");
    for (offset, expect) in [
        (use_at - 1, None),         // the space before
        (use_at, Some("flag")),     // its first byte
        (use_at + 2, Some("flag")), // inside
        (use_at + 4, Some("flag")), // just after it
        (use_at + 5, None),         // `t` of `then`
        (text.len() + 10, None),    // past the end
    ] {
        let got = index
            .at(f, offset)
            .map(|o| index.symbol(o.symbol).name.as_str());
        assert_eq!(got, expect, "at {offset}");
    }
    let o = index.at(f, use_at).unwrap();
    assert!(!o.is_def);
    assert_eq!(
        index.symbol(o.symbol).def,
        index
            .at(f, offset_of(text, "attribute ", "flag"))
            .unwrap()
            .span
    );
}

#[test]
fn files_with_errors_resolve_what_resolves() {
    // Unknown names, a duplicate attribute, an int compared with a name, a
    // group of another type, a missing base and a missing vocabulary.
    let text = "policy p\n\
        use \"missing.vocab\"\n\
        type T = { a, b }\n\
        type U = { c }\n\
        group gu: U = { c }\n\
        group gt: T = { a, nope }\n\
        attribute x: T\n\
        attribute x: bool\n\
        attribute n: int 0..9\n\
        attribute y: Unknown\n\
        decision d: { yes, no }\n\
        rule r overrides missing, base.r: when x = a and x in gu and x in gt and n = a and y = q and z then maybe\n\
        when x = gt and x = b then yes regardless x, w\n";
    let (map, loaded) = in_memory(&[("p.policy", text.to_string())], &|_, _| false);
    let index = Index::build(&loaded, &map);
    let f = FileId(0);
    let name_at = |after: &str, word: &str| {
        index.at(f, offset_of(text, after, word)).map(|o| {
            (
                index.symbol(o.symbol).kind,
                map.slice(index.symbol(o.symbol).def).to_string(),
            )
        })
    };
    assert_eq!(
        name_at("when ", "x"),
        Some((SymbolKind::Attribute, "x".into()))
    );
    // The first of the duplicates is the one names resolve to.
    let x = index.at(f, offset_of(text, "when ", "x")).unwrap().symbol;
    assert_eq!(
        index.symbol(x).def.start as usize,
        offset_of(text, "attribute ", "x")
    );
    assert_eq!(name_at("x = ", "a"), Some((SymbolKind::Value, "a".into())));
    assert_eq!(
        name_at("x in gu and x in ", "gt"),
        Some((SymbolKind::Group, "gt".into()))
    );
    // `x = gt`: no value `gt`, so the group of `x`'s type.
    assert_eq!(
        name_at("when x = ", "gt"),
        Some((SymbolKind::Group, "gt".into()))
    );
    let unresolved: Vec<(SymbolKind, &str)> = index
        .unresolved()
        .iter()
        .map(|u| (u.expected, map.slice(u.span)))
        .collect();
    assert_eq!(
        unresolved,
        [
            (SymbolKind::Value, "nope"),
            (SymbolKind::Type, "Unknown"),
            (SymbolKind::Rule, "missing"),
            (SymbolKind::Policy, "base"),
            (SymbolKind::Rule, "r"),
            (SymbolKind::Group, "gu"),
            (SymbolKind::Value, "a"),
            (SymbolKind::Value, "q"),
            (SymbolKind::Attribute, "z"),
            (SymbolKind::Outcome, "maybe"),
            (SymbolKind::Attribute, "w"),
        ]
    );
}

/// A `Loaded` made from texts in memory: the first is the root; `use` and
/// `extends` name other entries by name; `drop(file, item)` removes items
/// from the parsed trees, as error recovery may.
fn in_memory(files: &[(&str, String)], drop: &dyn Fn(usize, usize) -> bool) -> (SourceMap, Loaded) {
    let mut map = SourceMap::new();
    let ids: Vec<FileId> = files.iter().map(|(n, t)| map.add(*n, t.clone())).collect();
    let mut loaded = Loaded {
        root: ids[0],
        files: HashMap::new(),
    };
    for (k, &id) in ids.iter().enumerate() {
        let parsed = writ::syntax::parse(id, map.text(id));
        let ast = parsed.file.map(|f| SourceFile {
            items: f
                .items
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !drop(k, *i))
                .map(|(_, it)| it)
                .collect(),
            broken: f.broken,
        });
        let mut uses = Vec::new();
        for (i, item) in ast.iter().flat_map(|a| a.items.iter().enumerate()) {
            if let ItemKind::Use(p) | ItemKind::Extends(p) = &item.kind {
                let target = files
                    .iter()
                    .position(|(n, _)| *n == p.value)
                    .map(|j| ids[j]);
                uses.push((i, target));
            }
        }
        loaded.files.insert(
            id,
            LoadedFile {
                id,
                ast,
                comments: parsed.comments,
                uses,
            },
        );
    }
    (map, loaded)
}

/// The texts of the fixture family: child, base, vocabulary.
fn fixture_texts() -> Vec<(&'static str, String)> {
    ["child.policy", "base.policy", "shared.vocab"]
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(crate_dir().join("tests/fixtures/ide").join(n))
                .expect("the fixture");
            (n, text)
        })
        .collect()
}

/// The tokens of one file of `loaded`.
fn tokens_of(map: &SourceMap, loaded: &Loaded, index: &Index, f: FileId) -> Vec<Token> {
    tokens::semantic_tokens(f, map.text(f), index, &loaded.files[&f].comments)
}

/// Every token is inside the text, on one line, on character boundaries,
/// and after the one before.
fn assert_well_formed(text: &str, file: FileId, tokens: &[Token]) {
    let mut last_end = 0;
    for t in tokens {
        assert_eq!(t.span.file, file);
        let (s, e) = (t.span.start as usize, t.span.end as usize);
        assert!(
            last_end <= s && s < e && e <= text.len(),
            "{t:?} after {last_end}"
        );
        assert!(
            text.is_char_boundary(s) && text.is_char_boundary(e),
            "{t:?}"
        );
        assert!(!text[s..e].contains(['\n', '\r']), "{t:?} spans lines");
        last_end = e;
    }
}

#[test]
fn tokens_agree_with_the_tree_and_the_index() {
    let mut roots: Vec<PathBuf> = bundled();
    roots.push(crate_dir().join("tests/fixtures/ide/child.policy"));
    for name in [
        "ok_every_form.policy",
        "ok_allow_as_name.policy",
        "ok_keyword_prefixes.policy",
    ] {
        roots.push(crate_dir().join("tests/fixtures/check").join(name));
    }
    for root in roots {
        let (map, loaded) = load(&root);
        let index = Index::build(&loaded, &map);
        for (&f, lf) in &loaded.files {
            let text = map.text(f);
            let toks = tokens_of(&map, &loaded, &index, f);
            assert_well_formed(text, f, &toks);
            let by_span: HashMap<(u32, u32), &Token> = toks
                .iter()
                .map(|t| ((t.span.start, t.span.end), t))
                .collect();
            // Every resolved name has its token, classified by its symbol.
            for o in index.occurrences_in(f) {
                let t = by_span.get(&(o.span.start, o.span.end)).unwrap_or_else(|| {
                    panic!("{}: no token for `{}`", root.display(), map.slice(o.span))
                });
                assert_eq!(t.kind, TokenKind::of_symbol(index.symbol(o.symbol).kind));
                assert_eq!(t.modifiers.contains(Modifiers::DECLARATION), o.is_def);
            }
            // `allow` is a keyword exactly where an allow item starts, and
            // the lints it names are decorators.
            let ast = lf.ast.as_ref().expect("parses");
            let mut allow_items = Vec::new();
            let mut lints = Vec::new();
            for item in &ast.items {
                if let ItemKind::Allow(names) = &item.kind {
                    allow_items.push(item.span.start);
                    lints.extend(names.iter().map(|n| (n.span.start, n.span.end)));
                }
            }
            let allow_keywords: Vec<u32> = toks
                .iter()
                .filter(|t| t.kind == TokenKind::Keyword && map.slice(t.span) == "allow")
                .map(|t| t.span.start)
                .collect();
            assert_eq!(allow_keywords, allow_items, "{}", root.display());
            let decorators: Vec<(u32, u32)> = toks
                .iter()
                .filter(|t| t.kind == TokenKind::Decorator)
                .map(|t| (t.span.start, t.span.end))
                .collect();
            assert_eq!(decorators, lints, "{}", root.display());
            // Comments and strings are tokens whole.
            for c in &lf.comments {
                let t = by_span
                    .get(&(c.span.start, c.span.end))
                    .expect("a comment token");
                assert_eq!(t.kind, TokenKind::Comment);
            }
            // Keywords are exactly the words the grammar reserves.
            for t in toks.iter().filter(|t| t.kind == TokenKind::Keyword) {
                let w = map.slice(t.span);
                assert!(writ::syntax::KEYWORDS.contains(&w) || w == "allow", "{w}");
            }
        }
    }
}

#[test]
fn the_legend_names_every_kind_once() {
    for (i, k) in TokenKind::ALL.iter().enumerate() {
        assert_eq!(k.index(), i);
    }
    let mut names: Vec<&str> = TokenKind::ALL.iter().map(|k| k.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), tokens::LEGEND.len());
    assert_eq!(
        tokens::MODIFIER_LEGEND[Modifiers::DECLARATION.bits().trailing_zeros() as usize],
        "declaration"
    );
}

#[test]
fn tokens_split_at_every_line_break() {
    // A lone `\r` ends a line for the protocol: inside a comment and an
    // unterminated string, the token stops there and goes on after it.
    let text = "# one\rtwo\r\npolicy p\ntitle \"a\rb\n";
    let (map, loaded) = in_memory(&[("p.policy", text.to_string())], &|_, _| false);
    let index = Index::build(&loaded, &map);
    let toks = tokens_of(&map, &loaded, &index, FileId(0));
    assert_well_formed(text, FileId(0), &toks);
    let shown: Vec<(TokenKind, &str)> = toks.iter().map(|t| (t.kind, map.slice(t.span))).collect();
    assert_eq!(
        shown,
        [
            (TokenKind::Comment, "# one"),
            (TokenKind::Comment, "two"),
            (TokenKind::Keyword, "policy"),
            // The header parses though a later line has a lexical error.
            (TokenKind::Namespace, "p"),
            (TokenKind::Keyword, "title"),
            (TokenKind::String, "\"a"),
            (TokenKind::String, "b"),
        ]
    );
}

/// The tokens of a file, line by line: each source line, then its tokens.
fn render_tokens(map: &SourceMap, file: FileId, toks: &[Token]) -> String {
    let text = map.text(file);
    let mut by_line: Vec<Vec<String>> = vec![Vec::new(); text.lines().count() + 1];
    for t in toks {
        let line = map.line(t.span) - 1;
        let decl = if t.modifiers.contains(Modifiers::DECLARATION) {
            ".declaration"
        } else {
            ""
        };
        by_line[line].push(format!("{}{decl} `{}`", t.kind.name(), map.slice(t.span)));
    }
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        out.push_str(&format!("{:>2} | {line}\n", i + 1));
        if !by_line[i].is_empty() {
            out.push_str(&format!("   = {}\n", by_line[i].join(", ")));
        }
    }
    out
}

/// An outline, indented, with each symbol's lines.
fn render_outline(map: &SourceMap, symbols: &[OutlineSymbol], depth: usize, out: &mut String) {
    for s in symbols {
        let (from, to) = (
            map.line(s.span),
            map.line_col(s.span.file, s.span.end as usize).line,
        );
        let lines = if from == to {
            format!("line {from}")
        } else {
            format!("lines {from}-{to}")
        };
        let detail = s
            .detail
            .as_deref()
            .map(|d| format!(" — {d}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}{} `{}`{detail} ({lines}; selects `{}`)\n",
            "  ".repeat(depth),
            s.kind.describe(),
            s.name,
            map.slice(s.selection)
        ));
        assert!(s.span.start <= s.selection.start && s.selection.end <= s.span.end);
        render_outline(map, &s.children, depth + 1, out);
    }
}

#[test]
fn snapshot_of_the_fixtures_tokens_outline_and_folds() {
    let (map, loaded) = load(&crate_dir().join("tests/fixtures/ide/child.policy"));
    let index = Index::build(&loaded, &map);
    assert!(index.unresolved().is_empty());
    let child = file(&map, &loaded, "child.policy");
    let toks = tokens_of(&map, &loaded, &index, child);
    let mut out = String::from("# semantic tokens\n\n");
    out.push_str(&render_tokens(&map, child, &toks));
    out.push_str("\n# outline\n\n");
    let ast = loaded.files[&child].ast.as_ref().expect("parses");
    render_outline(&map, &outline::document_symbols(ast, &map), 0, &mut out);
    out.push_str("\n# folding ranges\n\n");
    for fold in outline::folding_ranges(child, Some(ast), &loaded.files[&child].comments, &map) {
        let (from, to) = (
            map.line(fold.span),
            map.line_col(child, fold.span.end as usize).line,
        );
        assert!(from < to);
        let kind = match fold.kind {
            FoldKind::Item => "item",
            FoldKind::Comment => "comment",
        };
        out.push_str(&format!("lines {from}-{to}: {kind}\n"));
    }
    insta::assert_snapshot!(out);
}

/// Words and punctuation the mutations insert.
const PIECES: &[&str] = &[
    "when",
    "then",
    "rule",
    "allow",
    "policy",
    "attribute",
    "in",
    "not",
    "=",
    "!=",
    "{",
    "}",
    ",",
    ":",
    ".",
    "..",
    "(",
    ")",
    "#",
    "\"",
    "\n",
    "-",
    "1",
    "role",
    "admin",
    "base",
    "base.admins",
    "Tier",
    "premium",
    "x",
    "é",
    "\r",
];

/// One change to a text: `(what, where, how long, which piece)`.
type Mutation = (u8, usize, usize, usize);

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut t = text.to_string();
    for &(what, at, len, piece) in mutations {
        let floor = |s: &str, mut i: usize| {
            i %= s.len() + 1;
            while !s.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = floor(&t, at);
        let end = floor(&t, start + len).max(start);
        match what % 3 {
            0 => t.replace_range(start..end, ""),
            1 => t.insert_str(start, PIECES[piece % PIECES.len()]),
            _ => {
                let copy = t[start..end].to_string();
                t.insert_str(end, &copy);
            }
        }
    }
    t
}

/// Every query of the editor's view on one loaded root: nothing panics, and
/// what comes back is well formed.
fn exercise(map: &SourceMap, loaded: &Loaded) -> Result<(), TestCaseError> {
    let index = Index::build(loaded, map);
    for o in index.occurrences() {
        let s = index.symbol(o.symbol);
        prop_assert_eq!(map.slice(o.span), s.name.as_str());
        prop_assert_eq!(index.at(o.span.file, o.span.end as usize), Some(o));
    }
    for (id, s) in index.symbols() {
        match index.rename(id, "fresh_name") {
            Ok(spans) => {
                for span in spans {
                    prop_assert_eq!(map.slice(span), s.name.as_str());
                }
            }
            Err(e) => prop_assert!(
                s.kind == SymbolKind::Test || matches!(e, RenameError::Collision { .. }),
                "{e}"
            ),
        }
        prop_assert_eq!(index.find(&index.key(id)), Some(id));
    }
    for (&f, lf) in &loaded.files {
        let text = map.text(f);
        let toks = tokens::semantic_tokens(f, text, &index, &lf.comments);
        let mut last_end = 0;
        for t in &toks {
            let (s, e) = (t.span.start as usize, t.span.end as usize);
            prop_assert!(last_end <= s && s < e && e <= text.len());
            prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
            prop_assert!(!text[s..e].contains(['\n', '\r']));
            last_end = e;
        }
        for offset in (0..=text.len() + 1).step_by(7) {
            let _ = index.at(f, offset);
            let _ = index.unresolved_at(f, offset);
        }
        if let Some(ast) = &lf.ast {
            let _ = outline::document_symbols(ast, map);
        }
        for fold in outline::folding_ranges(f, lf.ast.as_ref(), &lf.comments, map) {
            prop_assert!(fold.span.start < fold.span.end && fold.span.end as usize <= text.len());
        }
    }
    Ok(())
}

const SEED: u64 = 0x1de_1de;

proptest! {
    #![proptest_config(common::proptest_config(SEED, 256))]

    /// Mutated texts (parsed, or not, by the parser of the day) and trees
    /// with items dropped, as error recovery leaves them, across a child,
    /// its base and their vocabulary.
    #[test]
    fn the_index_never_panics_on_broken_files(
        target in 0usize..3,
        mutations in prop::collection::vec((any::<u8>(), any::<usize>(), 0usize..40, any::<usize>()), 0..4),
        dropped in prop::collection::vec(0usize..30, 0..4),
    ) {
        let mut texts = fixture_texts();
        texts[target].1 = mutate(&texts[target].1, &mutations);
        let drop = |file: usize, item: usize| file == target && dropped.contains(&item);
        let (map, loaded) = in_memory(&texts, &drop);
        exercise(&map, &loaded).map_err(|e| TestCaseError::fail(format!("{e}\n{}", common::reproduce(SEED))))?;
    }
}

#[test]
fn losing_an_item_strands_names_but_never_misresolves_them() {
    // Dropping one item at a time (as error recovery drops an item that
    // does not parse) from the child, its base or their vocabulary: the
    // names that pointed at it are unresolved, every other name resolves
    // to the declaration it named before.
    let texts = fixture_texts();
    let (full_map, full_loaded) = in_memory(&texts, &|_, _| false);
    let full = Index::build(&full_loaded, &full_map);
    assert!(full.unresolved().is_empty());
    let mut stranded = 0;
    for target in 0..texts.len() {
        let n = writ::syntax::parse(FileId(0), &texts[target].1)
            .file
            .expect("parses")
            .items
            .len();
        for item in 0..n {
            let (map, loaded) = in_memory(&texts, &|f, i| f == target && i == item);
            exercise(&map, &loaded).unwrap();
            let index = Index::build(&loaded, &map);
            for o in index.occurrences() {
                let before = full
                    .at(o.span.file, o.span.start as usize)
                    .expect("a name before");
                assert_eq!(before.span, o.span);
                assert_eq!(full.key(before.symbol), index.key(o.symbol));
            }
            for u in index.unresolved() {
                let before = full
                    .at(u.span.file, u.span.start as usize)
                    .expect("a name before");
                assert_eq!(before.span, u.span);
                stranded += 1;
            }
        }
    }
    assert!(stranded > 20, "{stranded} names stranded");
}
