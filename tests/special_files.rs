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

/// `-o` onto something that is not a regular file writes into it and
/// leaves it as it was. Renaming a temporary file over it, as `-o` does for
/// a regular file, turned `-o /dev/null` (run as root) into a plain file
/// that every later program read as its standard input. A FIFO stands in
/// for the device here, so a regression cannot break the machine it runs on.
#[cfg(target_os = "linux")]
#[test]
fn output_onto_a_fifo_writes_into_it_and_keeps_it() {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    // Linux's O_NONBLOCK: the test must fail, not hang, when nothing is
    // written into the FIFO.
    const O_NONBLOCK: i32 = 0o4000;
    let dir = Scratch::new("special-out");
    dir.file(
        "p.policy",
        "policy p\nattribute a: { x, y }\ndecision d: { yes }\nwhen a = x then yes\n",
    );
    let fifo = mkfifo(&dir, "out.json");
    // Read and write, so that neither this open nor writ's blocks; the
    // compiled policy is far smaller than the pipe's buffer.
    let mut pipe = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(O_NONBLOCK)
        .open(&fifo)
        .expect("the FIFO opens");
    let r = Writ::new(["compile", "p.policy", "-o", fifo.as_str()])
        .dir(dir.path())
        .run();
    assert_eq!(r.status, 0, "{r:?}");
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "`-o` replaced the FIFO with {kind:?}");
    let mut bytes = vec![0; 1 << 16];
    let n = pipe.read(&mut bytes).expect("writ wrote into the FIFO");
    let text = String::from_utf8_lossy(&bytes[..n]);
    assert!(text.contains("\"format\": \"writ.tree/1\""), "{text}");
}
