//! What the integration tests share: running the real `writ` binary.

use std::process::Command;

/// Runs `writ ARGS` from the crate's folder; returns the exit status (a
/// signal fails the test), stdout and stderr.
pub fn writ(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("writ runs");
    (
        out.status
            .code()
            .expect("writ exits normally, not by a signal"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
