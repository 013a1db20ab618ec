//! Only regular files are read (SPEC section 7): a device, a FIFO or a
//! socket, named on the command line or by `use` and `extends`, is refused
//! before it is opened, so `/dev/zero` cannot exhaust memory and a FIFO
//! without a writer cannot hang a run. And a file that is not UTF-8 is
//! reported at its first invalid byte.

mod common;
use common::{Scratch, Writ};

fn mkfifo(dir: &Scratch, name: &str) -> String {
    let path = dir.join(name);
    let ok = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo {path}");
    path
}

#[test]
fn devices_and_fifos_named_on_the_command_line_are_refused() {
    let dir = Scratch::new("special");
    let fifo = mkfifo(&dir, "p.policy");
    for (args, what) in [
        (vec!["check", "/dev/zero"], "a character device"),
        (vec!["fmt", "--check", "/dev/zero"], "a character device"),
        (vec!["check", fifo.as_str()], "a FIFO (named pipe)"),
        (vec!["lint", fifo.as_str()], "a FIFO (named pipe)"),
        (
            vec!["eval", "/dev/zero", "--case", "{}"],
            "a character device",
        ),
    ] {
        let r = Writ::new(&args).run();
        assert_eq!(r.status, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains("error[E0006]"), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("it is {what}, not a regular file")),
            "{args:?}: {}",
            r.stderr
        );
    }
    // Cases are streamed, so a FIFO is read like a file (`--cases
    // <(generate)`); a device is not: `/dev/zero` never ends a line.
    let r = Writ::new([
        "eval",
        "tests/fixtures/check/ok_spec_example.policy",
        "--cases",
        "/dev/zero",
    ])
    .run();
    assert_eq!(r.status, 2, "{r:?}");
    assert!(r.stderr.contains("a character device"), "{}", r.stderr);
}

#[test]
fn a_use_of_a_device_or_a_fifo_is_an_error_at_the_use() {
    let dir = Scratch::new("special-use");
    mkfifo(&dir, "pipe.vocab");
    for (target, why) in [
        ("/dev/zero", "is an absolute path"),
        (
            "pipe.vocab",
            "names a FIFO (named pipe), not a regular file",
        ),
    ] {
        let policy = dir.file(
            "p.policy",
            format!(
                "policy p\nuse \"{target}\"\nattribute a: bool\ndecision o: {{ yes, no }}\nwhen a then yes\n"
            ),
        );
        let r = Writ::new(["check", "--format", "json", policy.to_str().unwrap()]).run();
        assert_eq!(r.status, 1, "{target}: {r:?}");
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        let d = &doc[0];
        assert_eq!(d["code"], "E0050", "{doc}");
        assert!(d["message"].as_str().unwrap().ends_with(why), "{doc}");
        assert_eq!(d["line"], 2, "{doc}");
    }
}

#[test]
fn invalid_utf8_is_reported_at_its_first_bad_byte_through_use_too() {
    let dir = Scratch::new("utf8-use");
    dir.file("v.vocab", b"attribute a: bool\n# caf\xe9\n");
    let policy = dir.file(
        "p.policy",
        "policy p\nuse \"v.vocab\"\ndecision o: { yes, no }\nwhen a then yes\n",
    );
    let r = Writ::new(["check", "--format", "json", policy.to_str().unwrap()]).run();
    assert_eq!(r.status, 1, "{r:?}");
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let d = doc
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E0005")
        .unwrap_or_else(|| panic!("{doc}"));
    assert!(d["file"].as_str().unwrap().ends_with("v.vocab"), "{d}");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(6)),
        "{d}"
    );
    assert!(
        d["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["message"] == "used here" && l["line"] == 2),
        "{d}"
    );
}
