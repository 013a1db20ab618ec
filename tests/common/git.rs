//! A git repository in a scratch folder, for `REV:PATH` operands: the
//! test's own git commands run with a fixed identity and without the
//! machine's configuration.

use super::Scratch;
use std::path::Path;
use std::process::Command;

/// A repository made by the test, removed with its folder.
pub struct Repo {
    /// Its working tree.
    pub dir: Scratch,
}

impl Repo {
    /// `git init` in a new scratch folder.
    pub fn new(tag: &str) -> Repo {
        let repo = Repo {
            dir: Scratch::new(tag),
        };
        repo.git(&["init", "-q"]);
        repo
    }

    /// Runs `git ARGS` in the working tree; it must succeed. Returns its
    /// standard output.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "writ tests")
            .env("GIT_AUTHOR_EMAIL", "tests@writ.invalid")
            .env("GIT_COMMITTER_NAME", "writ tests")
            .env("GIT_COMMITTER_EMAIL", "tests@writ.invalid")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("git prints UTF-8")
    }

    /// Writes a file in the working tree.
    pub fn file(&self, name: &str, text: impl AsRef<[u8]>) {
        self.dir.file(name, text);
    }

    /// A symbolic link at `name` (in the working tree) to `target`.
    #[cfg(unix)]
    pub fn link(&self, name: &str, target: impl AsRef<Path>) {
        std::os::unix::fs::symlink(target, self.dir.path().join(name)).expect("a symbolic link");
    }

    /// Stages everything and commits it.
    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// The working tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}
