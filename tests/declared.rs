//! `Policy::declared`: every name the policy's own file declares, and
//! whether the file refers to it (what the `unused` lint reads).

mod common;
use writ::check::{DeclKind, Declared, Policy, ValueOwner};
use writ::source::SourceMap;

fn check(text: &str) -> (Policy, SourceMap) {
    let checked = common::check("p.policy", text);
    let policy = checked.policy.unwrap_or_else(|| {
        panic!(
            "expected a valid policy: {}",
            common::text(&checked.map, &checked.diagnostics)
        )
    });
    (policy, checked.map)
}

fn find<'p>(p: &'p Policy, kind: DeclKind, name: &str) -> &'p Declared {
    let mut hits = p
        .declared
        .iter()
        .filter(|d| d.kind == kind && d.name == name);
    let d = hits
        .next()
        .unwrap_or_else(|| panic!("{kind:?} `{name}` not listed in {:#?}", p.declared));
    assert!(hits.next().is_none(), "{kind:?} `{name}` listed twice");
    d
}

/// The names of `kind` that are used, and those that are not.
fn split(p: &Policy, kind: DeclKind) -> (Vec<&str>, Vec<&str>) {
    let names = |used: bool| {
        p.declared
            .iter()
            .filter(|d| d.kind == kind && d.used == used)
            .map(|d| d.name.as_str())
            .collect()
    };
    (names(true), names(false))
}

#[test]
fn declared_lists_the_file_in_order_with_indices_owners_and_spans() {
    let text = "\
policy p
type Place = { US, Ireland }
attribute location: Place
attribute kind: { warrant, subpoena }
group abroad: Place = { Ireland }
decision outcome: { compel, quash }
when location = US and kind = warrant then compel
";
    let (p, map) = check(text);
    let got: Vec<(DeclKind, &str, usize, Option<ValueOwner>, bool)> = p
        .declared
        .iter()
        .map(|d| (d.kind, d.name.as_str(), d.index, d.owner, d.used))
        .collect();
    use DeclKind::*;
    assert_eq!(
        got,
        vec![
            (Type, "Place", 0, None, true),
            (Value, "US", 0, Some(ValueOwner::Type(0)), true),
            (Value, "Ireland", 1, Some(ValueOwner::Type(0)), true),
            (Attribute, "location", 0, None, true),
            (Attribute, "kind", 1, None, true),
            (Value, "warrant", 0, Some(ValueOwner::Attribute(1)), true),
            (Value, "subpoena", 1, Some(ValueOwner::Attribute(1)), false),
            (Group, "abroad", 0, None, false),
            (Outcome, "compel", 0, None, true),
            (Outcome, "quash", 1, None, false),
        ]
    );
    for d in &p.declared {
        assert_eq!(map.slice(d.loc.0), d.name, "{d:?} points at its name");
    }
}

#[test]
fn declared_types_used_as_attribute_or_group_type() {
    let (p, _) = check(
        "\
policy p
type Place = { US, Ireland }
type Unused = { a, b }
type OnlyGroup = { x, y }
group xs: OnlyGroup = { x }
attribute location: Place
decision outcome: { compel, quash }
when location = US then compel
",
    );
    assert_eq!(
        split(&p, DeclKind::Type),
        (vec!["Place", "OnlyGroup"], vec!["Unused"])
    );
}

#[test]
fn declared_groups_used_in_conditions() {
    let (p, _) = check(
        "\
policy p
type Place = { US, Ireland, France }
group g_in: Place = { US }
group g_eq: Place = { Ireland }
group g_not_in: Place = { France }
group g_given: Place = all except { US }
group g_unused: Place = { US, France }
attribute location: Place
decision outcome: { compel, quash }
when location in g_in then compel
when location = g_eq then compel
when location not in g_not_in then compel
test \"t\": given location in g_given expect compel
",
    );
    assert_eq!(
        split(&p, DeclKind::Group),
        (
            vec!["g_in", "g_eq", "g_not_in", "g_given"],
            vec!["g_unused"]
        )
    );
}

#[test]
fn declared_attributes_used_in_conditions_givens_and_regardless() {
    let (p, _) = check(
        "\
policy p
attribute bare: bool
attribute ordered: int 0..10
attribute claimed: int 0..10
attribute only_given: bool
attribute unused_bool: bool
attribute unused_enum: { x, y }
decision outcome: { compel, quash }
when bare and ordered >= 3 then compel regardless claimed
test \"t\": given only_given expect compel
",
    );
    assert_eq!(
        split(&p, DeclKind::Attribute),
        (
            vec!["bare", "ordered", "claimed", "only_given"],
            vec!["unused_bool", "unused_enum"]
        )
    );
    // The values of an unused anonymous enum are unused too.
    assert_eq!(split(&p, DeclKind::Value), (vec![], vec!["x", "y"]));
}

#[test]
fn declared_values_used_anywhere_in_conditions_or_group_definitions() {
    let (p, _) = check(
        "\
policy p
type Place = { US, Ireland, France, Japan, Chile, Peru }
group abroad: Place = all except { US }
attribute location: Place
attribute origin: Place
attribute kind: { warrant, subpoena, letter, order }
decision outcome: { compel, quash }
default quash
when location != Ireland and kind = warrant then compel
when origin = France and location in abroad then compel
when location not in { Japan } and kind not in { subpoena } then compel
test \"t\": given kind != order expect compel
",
    );
    // US: only in the group definition; Ireland: only via `!=`; France:
    // only on another attribute of the type; Japan, subpoena: `not in`;
    // order: a test's `given`.
    assert_eq!(
        split(&p, DeclKind::Value),
        (
            vec![
                "US", "Ireland", "France", "Japan", "warrant", "subpoena", "order"
            ],
            vec!["Chile", "Peru", "letter"]
        )
    );
    assert_eq!(
        find(&p, DeclKind::Value, "Peru").owner,
        Some(ValueOwner::Type(0))
    );
    assert_eq!(find(&p, DeclKind::Value, "Peru").index, 5);
    assert_eq!(
        find(&p, DeclKind::Value, "letter").owner,
        Some(ValueOwner::Attribute(2))
    );
}

#[test]
fn declared_values_in_a_group_of_an_unused_type_are_used() {
    // The group definition names the values even though no attribute
    // has the type.
    let (p, _) = check(
        "\
policy p
type Spare = { a, b }
group some: Spare = { a }
attribute flag: bool
decision outcome: { compel, quash }
when flag then compel
",
    );
    assert_eq!(split(&p, DeclKind::Value), (vec!["a"], vec!["b"]));
    assert!(!find(&p, DeclKind::Group, "some").used);
}

#[test]
fn declared_outcome_used_only_in_priority() {
    let (p, _) = check(
        "\
policy p
attribute flag: bool
decision outcome: { compel, quash }
resolve priority quash > compel
when flag then compel
",
    );
    assert_eq!(
        split(&p, DeclKind::Outcome),
        (vec!["compel", "quash"], vec![])
    );
}

#[test]
fn declared_outcomes_used_only_in_default_or_test_expect() {
    let (p, _) = check(
        "\
policy p
attribute flag: bool
decision outcome: { compel, quash, review, idle }
default quash
when flag then compel
test \"t\": given not flag expect review
test \"u\": given flag expect compel by line
rule line: when flag and not flag then compel
",
    );
    assert_eq!(
        split(&p, DeclKind::Outcome),
        (vec!["compel", "quash", "review"], vec!["idle"])
    );
}

#[test]
fn declared_outcome_unused_without_priority() {
    let (p, _) = check(
        "\
policy p
attribute flag: bool
decision outcome: { compel, quash }
default undecided
when flag then compel
",
    );
    assert_eq!(
        split(&p, DeclKind::Outcome),
        (vec!["compel"], vec!["quash"])
    );
}

struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("writ-declared-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn declared_leaves_out_used_vocabularies() {
    let dir = Scratch::new("vocab");
    dir.file(
        "base.vocab",
        "\
type Place = { US, Ireland, France }
group abroad: Place = { Ireland }
attribute location: Place
attribute spare: bool
decision outcome: { compel, quash }
",
    );
    let path = dir.file(
        "p.policy",
        "\
use \"base.vocab\"
policy p
attribute urgent: bool
attribute target: Place
attribute idle: { on, off }
when location in abroad and urgent and target = France then compel
",
    );
    let checked = common::check_file(&path);
    let shown = checked.text();
    let p = checked
        .policy
        .unwrap_or_else(|| panic!("expected a valid policy: {shown}"));
    let got: Vec<(DeclKind, &str, bool)> = p
        .declared
        .iter()
        .map(|d| (d.kind, d.name.as_str(), d.used))
        .collect();
    assert_eq!(
        got,
        vec![
            (DeclKind::Attribute, "urgent", true),
            (DeclKind::Attribute, "target", true),
            (DeclKind::Attribute, "idle", false),
            (DeclKind::Value, "on", false),
            (DeclKind::Value, "off", false),
        ]
    );
    // Indices are those of the whole scope: the vocabulary's two
    // attributes come first.
    assert_eq!(find(&p, DeclKind::Attribute, "urgent").index, 2);
    assert_eq!(
        find(&p, DeclKind::Value, "off").owner,
        Some(ValueOwner::Attribute(4))
    );
}

#[test]
fn declared_is_the_same_for_the_formatted_text() {
    let text = "policy p type Place = {US,Ireland} attribute location: Place \
                decision outcome: {compel, quash} when location = US then compel";
    let (p, map) = check(text);
    let file = p.declared[0].loc.0.file;
    let formatted = writ::fmt::format_text(file, map.text(file)).expect("formats");
    let (q, _) = check(&formatted);
    // (The whole policies differ: an unnamed rule's id is its line.)
    assert_eq!(p.declared, q.declared);
}
