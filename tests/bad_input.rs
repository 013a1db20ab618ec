//! Bad input never panics, hangs or exhausts memory (SPEC section 7): each
//! case runs the real binary and checks its exit status and its diagnostic.

mod common;
use common::{Scratch, Writ};
use std::ffi::OsStr;
use std::path::Path;

/// A clean policy to put beside a bad file in `diff`.
const GOOD: &str = "policy good\nattribute x: bool\ndecision o: { a, b }\nwhen x then a\n";

/// Runs `writ ARGS`, and checks that it exited normally (no signal, no
/// panic) with `status`, printing `needle` on stderr.
fn expect(args: &[&OsStr], status: i32, needle: &str) -> String {
    let r = Writ::new(args).run();
    assert_eq!(r.status, status, "{args:?}: {}", r.stderr);
    assert!(
        r.stderr.contains(needle),
        "{args:?}: expected {needle:?} in {}",
        r.stderr
    );
    r.stderr
}

/// Feeds a bad file to every command that reads policies: `check`,
/// `lint`, `compile`, `eval`, `test` and `diff` (on either side) each exit
/// with `status` (`diff` with 2, its status for every error) and show
/// `needle`. `fmt` reads the file without following `use`, so it must
/// agree only where the problem is in reading or parsing the file itself
/// (`parses`: false); otherwise it must merely not fail. Returns what
/// `check` printed.
fn check(path: &Path, status: i32, needle: &str) -> String {
    check_with(path, status, needle, false)
}

fn check_with(path: &Path, status: i32, needle: &str, parses: bool) -> String {
    let p = path.as_os_str();
    let shown = expect(&["check".as_ref(), p], status, needle);
    expect(&["lint".as_ref(), p], status, needle);
    expect(&["compile".as_ref(), p], status, needle);
    expect(
        &["eval".as_ref(), p, "--case".as_ref(), "{}".as_ref()],
        status,
        needle,
    );
    expect(&["test".as_ref(), p], status, needle);
    // Tests run in parallel: each call has a folder of its own.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let scratch = Scratch::new(&format!("bad-good-{n}"));
    let good = scratch.file("good.policy", GOOD);
    expect(&["diff".as_ref(), p, good.as_os_str()], 2, needle);
    expect(&["diff".as_ref(), good.as_os_str(), p], 2, needle);
    let r = Writ::new(["fmt".as_ref(), "--check".as_ref(), p]).run();
    if parses {
        assert!(r.status <= 1, "fmt --check {p:?}: {}", r.stderr);
    } else {
        assert_eq!(r.status, status, "fmt --check {p:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "fmt --check {p:?}: {}", r.stderr);
    }
    shown
}

/// Runs `writ check` on a file that must pass; returns its stdout.
fn check_clean(path: &Path) -> String {
    let r = Writ::new(["check".as_ref(), path.as_os_str()]).run();
    assert_eq!(r.status, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn empty_file() {
    let s = Scratch::new("empty");
    let stderr = check_with(&s.file("empty.policy", ""), 1, "E0010", true);
    // One mistake, one error: no cascade about the missing decision.
    assert!(!stderr.contains("E0033"), "{stderr}");
}

#[test]
fn binary_junk_and_invalid_utf8() {
    let s = Scratch::new("junk");
    let mut junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    junk[0] = 0xff;
    check(&s.file("junk.policy", &junk), 1, "E0005");
    check(
        &s.file("latin1.policy", b"policy p\n# caf\xe9\n"),
        1,
        "E0005",
    );
    // Valid UTF-8 that is not writ: control characters and NULs.
    check(
        &s.file("controls.policy", "\u{0}\u{1}\u{7f}policy\u{0}"),
        1,
        "E0001",
    );
}

#[test]
fn deep_nesting() {
    let s = Scratch::new("deep");
    let head = "policy p\ndecision o: { a, b }\nattribute x: bool\n";
    let parens = format!(
        "{head}when {}x{} then a\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    check(&s.file("parens.policy", parens), 1, "E0004");
    let nots = format!("{head}when {}x then a\n", "not ".repeat(100_000));
    check(&s.file("nots.policy", nots), 1, "E0004");
    let mixed = format!(
        "{head}when {}x{} then a\n",
        "not (".repeat(50_000),
        ")".repeat(50_000)
    );
    check(&s.file("mixed.policy", mixed), 1, "E0004");
}

/// A file of rules as large as `writ` reads checks; one byte more is
/// refused before it is read.
#[test]
fn a_file_of_rules_at_the_size_cap() {
    let s = Scratch::new("big");
    let cap = writ::load::MAX_FILE_BYTES as usize;
    let mut text = String::from("policy big\nresolve first\ndecision o: { a, b }\n");
    text.push_str("attribute x: { v0, v1, v2, v3, v4, v5, v6, v7 }\nattribute n: int 0..1000\n");
    let mut i = 0;
    loop {
        let rule = format!(
            "rule r{i}: when x = v{} and n > {} then {} because \"rule {i}\"\n",
            i % 8,
            i % 1000,
            ["a", "b"][i % 2]
        );
        if text.len() + rule.len() > cap {
            break;
        }
        text.push_str(&rule);
        i += 1;
    }
    text.push_str(&"#".repeat(cap - text.len() - 1));
    text.push('\n');
    assert_eq!(text.len(), cap);
    let path = s.file("big.policy", &text);
    assert!(check_clean(&path).contains(&format!("{i} rules")));
    text.push('\n');
    let path = s.file("bigger.policy", &text);
    check(&path, 2, "E0015");
}

#[test]
fn huge_enum_and_extreme_int_range() {
    let s = Scratch::new("huge");
    let values: Vec<String> = (0..100_000).map(|i| format!("v{i}")).collect();
    let text = format!(
        "policy p\nresolve first\ndecision o: {{ a, b }}\nattribute x: {{ {} }}\n\
         attribute n: int -9223372036854775808..9223372036854775807\n\
         when x = v99999 and n < -9223372036854775807 then a\n\
         when x != v0 or n >= 9223372036854775807 then b\n",
        values.join(", ")
    );
    let path = s.file("huge.policy", text);
    check_clean(&path);
    // A typo in a huge enum still gets a suggestion, quickly.
    let typo = s.file(
        "typo.policy",
        format!(
            "policy p\ndecision o: {{ a }}\nattribute x: {{ {} }}\nwhen x = v9999x then a\n",
            values.join(", ")
        ),
    );
    check_with(&typo, 1, "E0024", true);
}

#[test]
fn use_cycle_directory_missing_and_oversized_files() {
    let s = Scratch::new("files");
    s.file("a.vocab", "use \"b.vocab\"\nattribute a: bool\n");
    s.file("b.vocab", "use \"a.vocab\"\nattribute b: bool\n");
    let p = s.file("p.policy", "policy p\nuse \"a.vocab\"\ndecision o: { x }\n");
    check_with(&p, 1, "E0007", true);
    let self_use = s.file("self.vocab", "use \"self.vocab\"\n");
    check_with(&self_use, 1, "E0007", true);
    check(s.path(), 2, "is a directory");
    check(&s.path().join("missing.policy"), 2, "no such file");
    let big = std::fs::File::create(s.path().join("huge.policy")).unwrap();
    // A sparse file: no disk is used, and writ must refuse it before reading.
    big.set_len(300 * 1024 * 1024).unwrap();
    check(&s.path().join("huge.policy"), 2, "E0015");
}

#[test]
fn fmt_leaves_broken_files_untouched() {
    let s = Scratch::new("fmt");
    let text = "policy p\ndecision o: { a }\nwhen x then\n";
    let path = s.file("broken.policy", text);
    expect(&["fmt".as_ref(), path.as_os_str()], 1, "E0001");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let junk = s.file("junk.policy", [0xffu8, 0xfe, 0x00]);
    expect(&["fmt".as_ref(), junk.as_os_str()], 1, "E0005");
    expect(&["fmt".as_ref(), s.path().as_os_str()], 2, "is a directory");
}

#[test]
fn usage_errors_exit_two() {
    expect(&["check".as_ref()], 2, "FILES");
    expect(&["frobnicate".as_ref()], 2, "unrecognized subcommand");
    expect(
        &["explain".as_ref(), "E9999".as_ref()],
        2,
        "not a writ diagnostic code",
    );
}
