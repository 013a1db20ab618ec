//! Runs `writ` under limits, for the fuzzing harness (`tests/fuzz.rs`):
//! address space and CPU time capped by util-linux `prlimit` (so that
//! exhausting memory shows as the abort it is, not as a machine that
//! swaps), a wall-clock timeout, and every way a run can go wrong returned
//! as data rather than a panic, so a campaign can go on past a finding.
//!
//! The binary is `WRIT_FUZZ_BIN` when set (a long campaign runs the
//! release build), else the one Cargo built for the tests.

#![allow(dead_code)] // Included with `#[path]`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The limits of one run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `prlimit --as`, bytes.
    pub address_space: u64,
    /// `prlimit --cpu`, seconds.
    pub cpu_seconds: u64,
    /// Killed after this long.
    pub wall: Duration,
}

impl Limits {
    /// 3 GB of address space, 30 s of CPU, and `WRIT_FUZZ_TIMEOUT`
    /// seconds of wall-clock time (60 by default: the tests share two
    /// cores, so a run may wait).
    pub fn standard() -> Limits {
        let wall = std::env::var("WRIT_FUZZ_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60);
        Limits {
            address_space: 3_000_000_000,
            cpu_seconds: 30,
            wall: Duration::from_secs(wall),
        }
    }
}

impl Limits {
    /// [`Limits::standard`] with 512 MB of address space: a user's `ulimit
    /// -v` on a small machine, under which a small input must still be
    /// handled (a thread's stack reservation must not stop `writ` first).
    pub fn low() -> Limits {
        Limits {
            address_space: 512_000_000,
            ..Limits::standard()
        }
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// It exited with this status.
    Exit(i32),
    /// A signal ended it (the number, when known).
    Signal(Option<i32>),
    /// It ran past the wall-clock limit and was killed.
    Timeout,
}

/// One run of `writ`: what it was asked, how it ended, what it printed.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The arguments, for messages.
    pub args: Vec<String>,
    /// The folder it ran in.
    pub dir: PathBuf,
    pub end: End,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Outcome {
    /// The command line, for messages.
    pub fn command(&self) -> String {
        format!("writ {}", self.args.join(" "))
    }

    /// The exit status; -1 when it did not exit.
    pub fn status(&self) -> i32 {
        match self.end {
            End::Exit(s) => s,
            _ => -1,
        }
    }

    /// What is wrong with the run whatever the input (SPEC sections 6 and
    /// 7): it exited (no signal, no timeout) with 0, 1 or 2, and stderr
    /// shows neither a panic nor an allocation that failed. `None` when
    /// nothing is.
    pub fn crash(&self) -> Option<String> {
        let mut why = Vec::new();
        match self.end {
            End::Exit(0..=2) => {}
            End::Exit(s) => why.push(format!("exit status {s}, outside 0 to 2")),
            End::Signal(s) => why.push(format!("ended by signal {s:?}")),
            End::Timeout => why.push(format!(
                "still running after {:.0} s, killed",
                self.elapsed.as_secs_f64()
            )),
        }
        // Rust's own lines, at the start of a line of stderr: the input's
        // text (a comment that says "panicked") may be quoted anywhere.
        for line in self.stderr.lines() {
            if line.starts_with("thread '") && line.contains(" panicked at ") {
                why.push(format!("a panic ({line})"));
            }
            if out_of_memory(line) {
                why.push(format!("out of memory ({line})"));
            }
        }
        if why.is_empty() {
            return None;
        }
        Some(format!(
            "`{}` (in {}): {}; stderr: {}",
            self.command(),
            self.dir.display(),
            why.join(", "),
            brief(&self.stderr)
        ))
    }
}

/// Whether a line of stderr is the Rust runtime's report of an allocation
/// that failed (then the process aborts).
fn out_of_memory(line: &str) -> bool {
    line.starts_with("memory allocation of ") && line.ends_with(" bytes failed")
}

impl Outcome {
    /// Whether the run reported an allocation that failed.
    pub fn ran_out_of_memory(&self) -> bool {
        self.stderr.lines().any(out_of_memory)
    }
}

/// The first lines of `s`, for messages.
pub fn brief(s: &str) -> String {
    let lines: Vec<&str> = s.lines().take(8).collect();
    let mut out = lines.join("\n");
    if s.lines().count() > 8 {
        out.push_str("\n…");
    }
    out
}

/// The binary under test.
pub fn binary() -> PathBuf {
    match std::env::var_os("WRIT_FUZZ_BIN") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_BIN_EXE_writ")),
    }
}

/// Whether `prlimit` can be run. Without it runs are unlimited (and the
/// harness says so once): the other oracles still hold.
pub fn have_prlimit() -> bool {
    static HAVE: OnceLock<bool> = OnceLock::new();
    *HAVE.get_or_init(|| {
        let ok = Command::new("prlimit")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("fuzz: `prlimit` not found; runs are not limited in memory or CPU time");
        }
        ok
    })
}

/// Runs `writ ARGS` in `dir` with `stdin`, under `limits`.
pub fn run(dir: &Path, args: &[String], stdin: &[u8], limits: Limits) -> Outcome {
    let mut command = if have_prlimit() {
        let mut c = Command::new("prlimit");
        c.arg(format!("--as={}", limits.address_space))
            .arg(format!("--cpu={}", limits.cpu_seconds))
            .arg("--")
            .arg(binary());
        c
    } else {
        Command::new(binary())
    };
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = command.spawn().expect("writ (or prlimit) starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("stdout is piped")));
    let err = reader(Box::new(child.stderr.take().expect("stderr is piped")));
    let end = loop {
        match child.try_wait().expect("waiting for writ") {
            Some(status) => {
                break match status.code() {
                    Some(c) => End::Exit(c),
                    None => {
                        use std::os::unix::process::ExitStatusExt;
                        End::Signal(status.signal())
                    }
                };
            }
            None if start.elapsed() > limits.wall => {
                // Only our own child, by its id.
                let _ = child.kill();
                let _ = child.wait();
                break End::Timeout;
            }
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    let elapsed = start.elapsed();
    let _ = writer.join();
    Outcome {
        args: args.to_vec(),
        dir: dir.to_path_buf(),
        end,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        elapsed,
    }
}
