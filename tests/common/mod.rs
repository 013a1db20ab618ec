//! The one door of the integration tests: [`Writ`] runs the real binary
//! (arguments, optional standard input, working folder), and [`check`] and
//! [`check_file`] check a source through the library, with its diagnostics
//! rendered as users see them. [`Scratch`] is a temporary folder that cleans up after
//! itself.

#![allow(dead_code)] // Each test file uses part of the door.

pub mod git;
pub mod lsp;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a run of `writ` did.
#[derive(Debug)]
pub struct Run {
    /// The exit status (a signal or a panic fails the test before this).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// A run of the `writ` binary being built: `Writ::new(["check", "p.policy"])
/// .stdin("…").run()`.
pub struct Writ {
    command: Command,
    stdin: Option<Vec<u8>>,
    shown: String,
}

impl Writ {
    /// `writ ARGS`, run from the crate's folder.
    pub fn new<I, S>(args: I) -> Writ
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new(env!("CARGO_BIN_EXE_writ"));
        let mut shown = "writ".to_string();
        for a in args {
            shown.push(' ');
            shown.push_str(&a.as_ref().to_string_lossy());
            command.arg(a);
        }
        command.current_dir(env!("CARGO_MANIFEST_DIR"));
        Writ {
            command,
            stdin: None,
            shown,
        }
    }

    /// Feeds `bytes` on standard input (otherwise it is empty).
    pub fn stdin(mut self, bytes: impl AsRef<[u8]>) -> Writ {
        self.stdin = Some(bytes.as_ref().to_vec());
        self
    }

    /// Runs in `dir` instead of the crate's folder.
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Writ {
        self.command.current_dir(dir);
        self
    }

    /// Runs it. A signal or a panic fails the test, naming the command.
    pub fn run(mut self) -> Run {
        self.command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("writ runs");
        let input = self.stdin.take().unwrap_or_default();
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // Written from a thread so a large output cannot block the input.
        let writer = std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
        let out = child.wait_with_output().expect("writ finishes");
        let _ = writer.join();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !stderr.contains("panicked"),
            "{} panicked: {stderr}",
            self.shown
        );
        let status = out.status.code().unwrap_or_else(|| {
            panic!(
                "{} ended by a signal ({:?}): {stderr}",
                self.shown, out.status
            )
        });
        Run {
            status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr,
        }
    }
}

/// `writ ARGS` from the crate's folder: exit status, stdout and stderr.
pub fn writ<S: AsRef<OsStr>>(args: &[S]) -> (i32, String, String) {
    let r = Writ::new(args).run();
    (r.status, r.stdout, r.stderr)
}

/// What [`check`] or [`check_file`] found, with the sources it read.
pub struct Checked {
    /// Every file read.
    pub map: writ::source::SourceMap,
    /// The checked policy, when the file is a policy that checks cleanly.
    pub policy: Option<writ::check::Policy>,
    /// The diagram verification built, for commands to reuse.
    pub diagram: Option<writ::compile::Diagram>,
    /// The diagnostics.
    pub diagnostics: Vec<writ::diag::Diagnostic>,
}

impl Checked {
    /// The diagnostics as text, as `writ check` prints them (no colour).
    pub fn text(&self) -> String {
        text(&self.map, &self.diagnostics)
    }

    /// The diagnostics as `--format json` prints them.
    pub fn json(&self) -> String {
        writ::render::diagnostics::json(&self.map, &self.diagnostics)
    }

    /// The policy, or the codes of the errors that stopped it.
    pub fn policy_or_codes(self) -> Result<writ::check::Policy, Vec<&'static str>> {
        match self.policy {
            Some(p) if self.error_codes().is_empty() => Ok(p),
            _ => Err(self.error_codes()),
        }
    }

    /// The error codes found, in order.
    pub fn error_codes(&self) -> Vec<&'static str> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.code)
            .collect()
    }
}

/// Checks `source` as a file named `name` (which uses no other file).
pub fn check(name: &str, source: &str) -> Checked {
    let mut map = writ::source::SourceMap::new();
    let report = writ::api::check_source(&mut map, name, source);
    Checked {
        map,
        policy: report.policy,
        diagram: report.diagram,
        diagnostics: report.diagnostics,
    }
}

/// Checks the file at `path`, following its `use` and `extends`. An
/// unreadable file is one diagnostic.
pub fn check_file(path: &Path) -> Checked {
    let mut map = writ::source::SourceMap::new();
    match writ::api::check_file(&mut map, path) {
        Ok(report) => Checked {
            map,
            policy: report.policy,
            diagram: report.diagram,
            diagnostics: report.diagnostics,
        },
        Err(d) => Checked {
            map,
            policy: None,
            diagram: None,
            diagnostics: vec![*d],
        },
    }
}

/// Diagnostics as text, as `writ` prints them (no colour).
pub fn text(map: &writ::source::SourceMap, diagnostics: &[writ::diag::Diagnostic]) -> String {
    let mut buf = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    writ::render::diagnostics::text(&mut buf, map, diagnostics).expect("text renders");
    String::from_utf8(buf.into_inner()).expect("UTF-8")
}

/// A temporary folder, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty folder whose name includes `tag`, the process id and
    /// a counter (tests run in parallel).
    pub fn new(tag: &str) -> Scratch {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("writ-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        Scratch(dir)
    }

    /// Writes `bytes` to `name` inside the folder; returns its path.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a folder");
        }
        std::fs::write(&path, bytes).expect("a file");
        path
    }

    /// A path inside the folder (nothing is written), as a string for the
    /// command line.
    pub fn join(&self, name: &str) -> String {
        self.0
            .join(name)
            .to_str()
            .expect("a UTF-8 temporary path")
            .to_string()
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The seed of a property test: `WRIT_PROPTEST_SEED` (decimal or `0x` hex)
/// when set, else `default`, so that CI is repeatable and a longer random
/// campaign can run beside it.
pub fn seed(default: u64) -> u64 {
    match std::env::var("WRIT_PROPTEST_SEED") {
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("WRIT_PROPTEST_SEED={s:?} is not a number"))
        }
        Err(_) => default,
    }
}

/// The proptest configuration of a property test: the seed of [`seed`],
/// `cases` inputs unless `PROPTEST_CASES` says otherwise, and no failure
/// files (a failure prints what reproduces it instead, see [`reproduce`]).
pub fn proptest_config(default_seed: u64, cases: u32) -> proptest::test_runner::Config {
    let mut config = proptest::test_runner::Config {
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed(default_seed)),
        ..proptest::test_runner::Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

/// How to run a property test's campaign again: its seed, as the variable
/// that sets it.
pub fn reproduce(default_seed: u64) -> String {
    let seed = seed(default_seed);
    format!("seed {seed:#x}: WRIT_PROPTEST_SEED={seed:#x} reproduces this run")
}

/// Whether an E0042 message says the fold stopped before its last rule
/// (`… after 12 of 200 rules`).
pub fn stopped_early(stderr: &str) -> bool {
    let Some(at) = stderr.find(" after ") else {
        return false;
    };
    let words: Vec<&str> = stderr[at..].split_whitespace().collect();
    match (words.get(1), words.get(3)) {
        (Some(done), Some(total)) => {
            let total = total.trim_end_matches(|c: char| !c.is_ascii_digit());
            matches!((done.parse::<usize>(), total.parse::<usize>()), (Ok(d), Ok(t)) if d < t)
        }
        _ => false,
    }
}
