//! `writ fmt`: the canonical layout, comment preservation, idempotence and
//! meaning preservation of `writ::fmt::format_text`.

use writ::fmt::format_text;
use writ::source::{FileId, SourceMap};
use writ::syntax::parse;

/// Formats `text`, which must parse.
fn fmt(text: &str) -> String {
    let mut map = SourceMap::new();
    let file = map.add("test.policy", text);
    match format_text(file, map.text(file)) {
        Ok(out) => out,
        Err(diags) => panic!("input does not parse: {diags:?}\n{text}"),
    }
}

/// The syntax tree of `text` as text, with every span erased, so that two
/// files compare equal when they say the same thing however they are laid
/// out.
fn tree(text: &str) -> String {
    let parsed = parse(FileId(0), text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}\n{text}",
        parsed.diagnostics
    );
    let debug = format!("{:?}", parsed.file.expect("parses"));
    // `Span { file: FileId(0), start: 1, end: 2 }` holds no braces of its own.
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

/// The text of every comment, in order, trailing whitespace trimmed.
fn comments(text: &str) -> Vec<String> {
    parse(FileId(0), text)
        .comments
        .iter()
        .map(|c| text[c.span.range()].trim_end().to_string())
        .collect()
}

/// Checks every guarantee of the formatter on one input and returns the
/// formatted text.
fn check(text: &str) -> String {
    let once = fmt(text);
    let twice = fmt(&once);
    assert_eq!(
        once, twice,
        "not idempotent; input:\n{text}\nfirst:\n{once}"
    );
    assert_eq!(tree(text), tree(&once), "meaning changed; output:\n{once}");
    assert_eq!(
        comments(text),
        comments(&once),
        "comments changed; output:\n{once}"
    );
    if !once.is_empty() {
        assert!(once.ends_with('\n') && !once.ends_with("\n\n"), "{once:?}");
        assert!(!once.starts_with('\n'), "{once:?}");
    }
    for line in once.lines() {
        assert_eq!(line, line.trim_end(), "trailing whitespace in {once:?}");
        assert!(!line.contains('\r') && !line.starts_with('\t'), "{line:?}");
    }
    assert!(!once.contains("\n\n\n"), "two blank lines in {once:?}");
    once
}

const MESSY: &str = r#"# The magistrate's position, messily typed.


policy   magistrate_2014   # the 2014 ruling
title "In re Warrant"
date    "2014-04-25"
# The vocabulary.
type Place={US,Ireland,other_foreign,}
group abroad:Place=all except{US}


attribute instrument : { SCA_warrant , d_order , subpoena }   "what was served"
attribute location: Place
attribute age:int 0 .. 36500
attribute customer_us_person:bool
decision outcome:{compel,quash,comity_review}"the result"
resolve priority compel>quash>comity_review
allow dead-rule,unused

rule hybrid_warrant overrides other:   # the key holding
    # It is a warrant in form, a subpoena in execution.
    when instrument = SCA_warrant
         and location in abroad   # where the data sits
    then compel
    # deliberately so
    regardless location because "the \"hybrid\" view"
when not(customer_us_person or age<=180)and location not in {Ireland} then quash
rule other: when ( instrument = subpoena # inside parentheses
) then quash
test "warrant compels":given instrument=SCA_warrant expect compel by hybrid_warrant
test "nothing":expect undecided # trailing after a test



# Notes at the end.

# Last one.
"#;

#[test]
fn messy_file_snapshot() {
    insta::assert_snapshot!(check(MESSY));
}

#[test]
fn spec_example_is_one_rule_per_line() {
    let text = "policy card\nattribute instrument: { SCA_warrant, subpoena }\n\
                attribute controller: { US_provider, foreign_provider }\n\
                attribute location: { US, Ireland }\ndecision outcome: { compel, quash }\n\
                when instrument = SCA_warrant and controller = US_provider then compel regardless location\n";
    assert_eq!(check(text), text);
}

#[test]
fn canonical_spacing_of_every_item() {
    let text = "use\"sca.vocab\"\ntype Place={US,Ireland,other_foreign}\n\
                group abroad:Place=all except{US}\nattribute n:int 0..36500\"doc\"\n\
                attribute b:bool\ndecision outcome:{compel,quash}\"doc\"\n\
                resolve priority a>b>c\ndefault undecided\nallow dead-rule,unused\n\
                policy name\ntitle\"t\"\nsource \"s\"\nresolve first\ndefault compel\n\
                when a=b and a!=b and n<=5 and n>-3 and a in{x,y}and a not in{x,y}then x\n\
                when a in g and not a and true and flag and n = -4 or(false)then x\n";
    let expected = r#"use "sca.vocab"
type Place = { US, Ireland, other_foreign }
group abroad: Place = all except { US }
attribute n: int 0..36500 "doc"
attribute b: bool
decision outcome: { compel, quash } "doc"
resolve priority a > b > c
default undecided
allow dead-rule, unused
policy name
title "t"
source "s"
resolve first
default compel
when a = b and a != b and n <= 5 and n > -3 and a in { x, y } and a not in { x, y } then x
when a in g and not a and true and flag and n = -4 or (false) then x
"#;
    assert_eq!(check(text), expected);
}

#[test]
fn condition_too_long_for_its_line_breaks_at_top_level_operator() {
    let text = "when a=b and a!=b and n<=5 and n>-3 and a in{x,y}and a not in{x,y}and a in group_name and flag then x\n";
    assert_eq!(
        check(text),
        "when a = b\n    and a != b\n    and n <= 5\n    and n > -3\n    and a in { x, y }\n    \
         and a not in { x, y }\n    and a in group_name\n    and flag\n    then x\n"
    );
}

#[test]
fn long_rule_splits_by_clause_then_by_condition() {
    let short =
        "rule r overrides a, b: when x = y and z = w then compel regardless q because \"ok\"\n";
    assert_eq!(check(short), short);

    let clauses = "rule hybrid_warrant overrides a, b: when instrument = SCA_warrant and controller = US_provider then compel regardless location because \"the rule\"\n";
    assert_eq!(
        check(clauses),
        "rule hybrid_warrant overrides a, b:\n    \
         when instrument = SCA_warrant and controller = US_provider\n    \
         then compel\n    regardless location\n    because \"the rule\"\n"
    );

    let long = "rule r: when instrument = SCA_warrant and controller = US_provider and location in { US, Ireland, other_foreign } or customer_us_person then compel\n";
    assert_eq!(
        check(long),
        "rule r:\n    \
         when instrument = SCA_warrant and controller = US_provider and location in { US, Ireland, other_foreign }\n        \
         or customer_us_person\n    then compel\n"
    );

    let unnamed = "when instrument_kind = SCA_warrant and controller_kind = US_provider and location_of_data = Ireland_or_elsewhere then compel\n";
    assert_eq!(
        check(unnamed),
        "when instrument_kind = SCA_warrant\n    and controller_kind = US_provider\n    \
         and location_of_data = Ireland_or_elsewhere\n    then compel\n"
    );

    // Parentheses are kept as written and never broken inside.
    let inner = ["attribute_number_one = value"; 5].join(" or ");
    let paren = format!("when ({inner}) then x\n");
    assert_eq!(check(&paren), format!("when ({inner})\n    then x\n"));
}

#[test]
fn long_test_splits() {
    let text = "test \"a fairly long test name\": given instrument = SCA_warrant and controller = US_provider expect compel by hybrid_warrant\n";
    assert_eq!(
        check(text),
        "test \"a fairly long test name\":\n    \
         given instrument = SCA_warrant and controller = US_provider\n    \
         expect compel by hybrid_warrant\n"
    );
    let short = "test \"t\":given a expect undecided\n";
    assert_eq!(check(short), "test \"t\": given a expect undecided\n");
}

#[test]
fn long_value_list_breaks_one_per_line() {
    let values: Vec<String> = (0..12).map(|i| format!("value_number_{i}")).collect();
    let text = format!("attribute a: {{ {} }} \"doc\"\n", values.join(", "));
    let mut expected = String::from("attribute a: {\n");
    for v in &values {
        expected.push_str(&format!("    {v},\n"));
    }
    expected.push_str("} \"doc\"\n");
    assert_eq!(check(&text), expected);

    // A short list comes back onto one line, trailing comma dropped.
    assert_eq!(
        check("type T = {\n    a,\n    b,\n}\n"),
        "type T = { a, b }\n"
    );
}

#[test]
fn comments_inside_a_value_list_keep_it_broken() {
    let text = "type Place = {\n    US,  # home\n    # abroad:\n    Ireland,\n}\n";
    assert_eq!(check(text), text);
}

#[test]
fn strings_with_escapes_round_trip() {
    let text = r#"title "a \"quoted\" back\\slash\nnew line\ttab # not a comment""#;
    let out = check(text);
    assert_eq!(out, format!("{text}\n"));
    assert!(comments(&out).is_empty());
}

#[test]
fn integers_print_as_their_value() {
    assert_eq!(
        check("attribute n: int -0..007\n"),
        "attribute n: int 0..7\n"
    );
}

#[test]
fn syntax_error_is_an_error() {
    let mut map = SourceMap::new();
    let file = map.add("bad.policy", "rule r: when a = then x\n");
    let diags = format_text(file, map.text(file)).expect_err("does not parse");
    assert!(!diags.is_empty());
    let file = map.add("bad2.policy", "title \"unterminated\n");
    assert!(format_text(file, map.text(file)).is_err());
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(check(""), "");
    assert_eq!(check("\n\n  \n"), "");
    assert_eq!(check("\n\n# only   \n\n\n#  two\n"), "# only\n\n#  two\n");
}

#[test]
fn crlf_and_tabs_are_normalised() {
    let text = "policy p\r\n\r\n\r\n\tattribute b: bool # c \r\nwhen b then x\r\n";
    assert_eq!(
        check(text),
        "policy p\n\nattribute b: bool  # c\nwhen b then x\n"
    );
}

#[test]
fn comment_in_a_gap_no_layout_breaks_moves_before_the_item() {
    let text = "policy p\nwhen a # here\n = b then x\n";
    assert_eq!(check(text), "policy p\n# here\nwhen a = b then x\n");
}

/// A corpus of inputs, each checked for idempotence, meaning, and that no
/// comment is lost.
#[test]
fn corpus_keeps_every_comment() {
    let corpus = [
        MESSY,
        "",
        "# just a comment",
        "policy p # header\n# trailing block\n",
        "rule r: # a\n when a # b\n and b # c\n then x # d\n regardless y # e\n because \"z\" # f\n",
        "when a\n# own line before or\nor b then x",
        "test \"t\": # one\n given ( a # two\n or b ) # three\n expect x by r # four\n",
        "type T = { # open\n a, # first\n b # second\n # before close\n } # after\n",
        "decision d: { a, b } # x\n\"doc\"\n",
        "allow # what\n dead-rule",
    ];
    let mut total = 0;
    for text in corpus {
        let before = text.matches('#').count();
        let out = check(text);
        assert_eq!(out.matches('#').count(), before, "{out}");
        total += before;
    }
    assert!(total > 20);
}

/// Re-spaces a canonical policy at random (spaces, line breaks, blank lines,
/// tabs, CRLF, end-of-line and own-line comments between any two tokens) and
/// checks every guarantee on each variant.
#[test]
fn random_respacing_is_formatted_stably() {
    let small = "policy p title \"t\\\"\\\\x\" type Place = { US , Ireland , other } \
        group abroad : Place = all except { US } attribute loc : Place \"where\" \
        attribute n : int -5 .. 36500 attribute b : bool decision outcome : { compel , quash } \
        resolve priority compel > quash default undecided allow dead-rule , unused \
        rule r overrides s : when loc = US and ( n <= 5 or not b ) or loc not in { Ireland , other } \
        then compel regardless n because \"why\" \
        rule s : when loc in abroad then quash \
        when true then quash \
        test \"t\" : given b and n != -3 expect compel by r \
        test \"u\" : expect undecided";
    // Items too long for one line: the broken layouts meet the comments.
    let long = "type Long = { value_number_one , value_number_two , value_number_three , \
        value_number_four , value_number_five } \
        rule a_long_rule_name overrides another_rule : when instrument = SCA_warrant \
        and controller = US_provider or location in { US , Ireland } and not customer_us_person \
        or ( age >= 180 and age < 365 ) then compel regardless location because \"a_long_reason\" \
        when instrument = SCA_warrant and controller = US_provider and location = Ireland_or_else \
        then compel \
        test \"a_long_test_name\" : given instrument = SCA_warrant or controller = US_provider \
        or location = other expect compel by a_long_rule_name";
    let separators = [
        " ",
        " ",
        " ",
        "\n",
        "\n\n\n",
        "\t",
        "\r\n",
        "  # note\n",
        "\n    # own line\n",
        " #\n",
        "\n\n# block\n\n",
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for source in [small, long] {
        let tokens: Vec<&str> = source.split_whitespace().collect();
        for round in 0..300 {
            let mut text = String::new();
            for tok in &tokens {
                text.push_str(tok);
                // Fewer comments in early rounds, more later.
                let pick = next() % separators.len();
                let pick = if round < 100 && next() % 3 != 0 {
                    0
                } else {
                    pick
                };
                text.push_str(separators[pick]);
            }
            let out = check(&text);
            assert_eq!(text.matches('#').count(), out.matches('#').count());
        }
    }
}

#[test]
fn comments_in_every_kind_of_gap() {
    // Each case: input, expected output.
    let cases = [
        // After `{`: the list breaks to keep it there.
        (
            "attribute a: { # c\n x, y } \"doc\"\n",
            "attribute a: {  # c\n    x,\n    y,\n} \"doc\"\n",
        ),
        // Before `}`: lines up with the values.
        (
            "type T = { a, b,\n # before close\n}\n",
            "type T = {\n    a,\n    b,\n    # before close\n}\n",
        ),
        // Between the head and `expect`: one clause per line.
        (
            "test \"x\": # c\n expect y\n",
            "test \"x\":  # c\n    expect y\n",
        ),
        (
            "test \"x\":\n # own\n expect y\n",
            "test \"x\":\n    # own\n    expect y\n",
        ),
        // Before a top-level `or`: the condition breaks there.
        (
            "when a or b # one\n or c # two\n then d\n",
            "when a\n    or b  # one\n    or c  # two\n    then d\n",
        ),
        // No layout breaks between `when` and its condition, nor inside a
        // name list, nor before a nested `and`: the comment moves.
        (
            "rule r: when # c\n a then b\n",
            "# c\nrule r: when a then b\n",
        ),
        (
            "rule r overrides a, # x\n b: when a then b\n",
            "# x\nrule r overrides a, b: when a then b\n",
        ),
        (
            "when a and b or c # one\n and d then e\n",
            "# one\nwhen a and b or c and d then e\n",
        ),
        (
            "group g: T = all # x\n except { a }\n",
            "# x\ngroup g: T = all except { a }\n",
        ),
        // A comment that moves takes the earlier ones of the item with it.
        (
            "rule r: # a\n when (a # b\n ) then c\n",
            "# a\n# b\nrule r: when (a) then c\n",
        ),
        // Two end-of-line comments in one gap (a comma between them).
        (
            "type T = { a # x\n , # y\n b }\n",
            "type T = {\n    a,  # x\n    # y\n    b,\n}\n",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(check(input), expected, "input:\n{input}");
    }
}

#[test]
fn blank_lines_are_collapsed_to_one() {
    let text = "\n\npolicy p\n\n\n# c1\n\n\n\n# c2\ntitle \"q\" # t\n\n\n\n";
    assert_eq!(check(text), "policy p\n\n# c1\n\n# c2\ntitle \"q\"  # t\n");
}

#[test]
fn long_chains_and_huge_lists_are_handled() {
    // `not` chains up to the nesting limit format without recursion trouble.
    let deep_not = format!(
        "when {}a then b\n",
        "not ".repeat(writ::syntax::lex::MAX_DEPTH)
    );
    assert_eq!(fmt(&fmt(&deep_not)), fmt(&deep_not));
    // A huge enum with a comment on every value stays linear.
    let values: Vec<String> = (0..20_000)
        .map(|i| format!("    v{i},  # c{i}\n"))
        .collect();
    let huge = format!("type T = {{\n{}}}\n", values.concat());
    assert_eq!(fmt(&huge), huge);
}

#[test]
fn extends_repeal_and_qualified_rule_names() {
    let text = "policy child\nextends   \"sca_2703.policy\"\nrepeal sca_2703.a ,sca_2703.b # gone\n\
                rule r overrides sca_2703.c,  d: when x then y\n\
                test \"t\": expect y by sca_2703.c\n";
    let out = check(text);
    assert_eq!(
        out,
        "policy child\nextends \"sca_2703.policy\"\nrepeal sca_2703.a, sca_2703.b  # gone\n\
         rule r overrides sca_2703.c, d: when x then y\n\
         test \"t\": expect y by sca_2703.c\n"
    );
    // A comment between the items of `repeal` moves before the item and
    // keeps its order.
    let out = check("policy p\nrepeal a.b, # why\n  c.d\n");
    assert_eq!(out, "policy p\n# why\nrepeal a.b, c.d\n");
}
