//! Files at a git revision: the source the loader reads `REV:PATH`
//! operands from (SPEC section 1, SECURITY.md).
//!
//! Everything is read with git's plumbing, never from the working tree:
//! `git rev-parse` resolves the revision to a tree once, `git ls-tree`
//! lists one tree object at a time (with each entry's mode and size), and
//! `git cat-file blob` reads one blob whose size the listing already gave.
//! Paths are walked here, a folder at a time, so that a symbolic link (a
//! blob of mode 120000) is resolved inside the tree, where the loader can
//! see where it leads, and a submodule (a gitlink) is seen for what it is.
//!
//! Every invocation is hardened: fixed arguments, object ids that git
//! itself printed, the revision only after `--end-of-options` (and never
//! one that starts with `-`), no pager, `core.fsmonitor` off (the one
//! setting through which reading a repository can start a program), no
//! filters or textconv (`cat-file blob` applies none), no lazy fetch, and
//! standard input closed. Nothing from a policy ever reaches git: paths
//! from `use` and `extends` are looked up in the listings git printed.
//! Output is read up to a cap, and a blob's size is checked from the
//! listing before it is read.

use crate::diag::{Code, Diagnostic};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};

/// The most bytes of one tree listing read (`git ls-tree` of one
/// folder): 16 MiB, about 150,000 entries.
const MAX_LISTING_BYTES: u64 = 16 << 20;

/// The longest symbolic link target read.
const MAX_LINK_BYTES: u64 = 4096;

/// The most symbolic links followed in one path (as Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// One entry of a tree, as git lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A regular file (mode 100644 or 100755), with its size.
    Blob { oid: String, size: u64 },
    /// A symbolic link (mode 120000): its target is the blob's content.
    Link { oid: String },
    /// A folder.
    Tree { oid: String },
    /// A submodule: a commit of another repository, not a file.
    Gitlink,
}

/// Where a path leads in the tree.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Walk {
    /// To `entry`, at `path` (links resolved, no `.` or `..`).
    Found { path: Vec<String>, entry: Entry },
    /// Nowhere: some component does not exist.
    Missing,
    /// Out of the repository: through `..` past its root, or a link with
    /// an absolute target.
    Escapes,
    /// Through more than [`MAX_LINKS`] links.
    Loops,
}

/// One revision of the git repository that holds the current folder.
#[derive(Debug)]
pub struct Revision {
    rev: String,
    root: String,
    listings: RefCell<HashMap<String, Vec<(String, Entry)>>>,
}

/// A failure to run git or read what it printed, in words.
#[derive(Debug)]
pub(crate) struct GitError(pub(crate) String);

impl Revision {
    /// Resolves `rev` in the repository that holds the current folder:
    /// E0051 when git does not know it, E0052 when there is no repository
    /// or git cannot be run.
    pub fn open(rev: &str) -> Result<Revision, Box<Diagnostic>> {
        let unknown = |why: &str| {
            Box::new(
                Diagnostic::error(
                    Code::UNKNOWN_REVISION,
                    format!("`{rev}` is not a revision of this repository{why}"),
                )
                .help("name a commit, a branch or a tag (`git log --oneline` lists commits)"),
            )
        };
        if rev.is_empty() || rev.starts_with('-') || rev.contains(['\0', '\n', '\r']) {
            return Err(unknown(""));
        }
        match git(&["rev-parse", "--git-dir"], 4096) {
            Ok((true, _)) => {}
            Ok((false, _)) => {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::NO_GIT,
                        format!("cannot read `{rev}:…`: the current folder is not inside a git repository"),
                    )
                    .help("run writ from inside the repository's working tree (if it is one, git may refuse it as owned by another user: see `git config safe.directory`)"),
                ));
            }
            Err(GitError(e)) => {
                return Err(Box::new(
                    Diagnostic::error(Code::NO_GIT, format!("cannot read `{rev}:…`: {e}"))
                        .help("install git, or name files instead of `REV:PATH`"),
                ));
            }
        }
        let spec = format!("{rev}^{{tree}}");
        match git(
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
            4096,
        ) {
            Ok((true, out)) => {
                let root = String::from_utf8_lossy(&out).trim().to_string();
                if !is_oid(&root) {
                    return Err(unknown(""));
                }
                Ok(Revision {
                    rev: rev.to_string(),
                    root,
                    listings: RefCell::new(HashMap::new()),
                })
            }
            Ok((false, _)) => Err(unknown("")),
            Err(GitError(e)) => Err(unknown(&format!(" ({e})"))),
        }
    }

    /// The revision as it was written.
    pub fn rev(&self) -> &str {
        &self.rev
    }

    /// The entry named `name` in the tree `oid`.
    fn entry(&self, oid: &str, name: &str) -> Result<Option<Entry>, GitError> {
        self.list(oid)?;
        Ok(self.listings.borrow()[oid]
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.clone()))
    }

    /// Lists the tree `oid` into the cache, once.
    fn list(&self, oid: &str) -> Result<(), GitError> {
        if self.listings.borrow().contains_key(oid) {
            return Ok(());
        }
        let (ok, out) = git(
            &["ls-tree", "-z", "-l", "--full-tree", oid],
            MAX_LISTING_BYTES,
        )?;
        if !ok {
            return Err(GitError(format!("git could not list the tree {oid}")));
        }
        let mut entries = Vec::new();
        for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            // `<mode> SP <type> SP <object> SP+ <size> TAB <name>`
            let Some(tab) = record.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let name = String::from_utf8_lossy(&record[tab + 1..]).into_owned();
            let head = String::from_utf8_lossy(&record[..tab]);
            let fields: Vec<&str> = head.split_ascii_whitespace().collect();
            let [mode, _kind, oid, size] = fields[..] else {
                continue;
            };
            let oid = oid.to_string();
            let entry = match mode {
                "040000" => Entry::Tree { oid },
                "160000" => Entry::Gitlink,
                "120000" => Entry::Link { oid },
                _ => Entry::Blob {
                    oid,
                    size: size.parse().unwrap_or(u64::MAX),
                },
            };
            entries.push((name, entry));
        }
        self.listings.borrow_mut().insert(oid.to_string(), entries);
        Ok(())
    }

    /// Walks `path` (relative to the repository's root; `.` and `..`
    /// allowed) from the root tree, following symbolic links inside the
    /// tree.
    pub(crate) fn walk(&self, path: &[String]) -> Result<Walk, GitError> {
        let mut done: Vec<(String, String)> = Vec::new();
        let mut todo: std::collections::VecDeque<String> = path.iter().cloned().collect();
        let mut links = 0;
        while let Some(name) = todo.pop_front() {
            match name.as_str() {
                "" | "." => continue,
                ".." => {
                    if done.pop().is_none() {
                        return Ok(Walk::Escapes);
                    }
                    continue;
                }
                _ => {}
            }
            let dir = done.last().map_or(self.root.as_str(), |(_, oid)| oid);
            let Some(entry) = self.entry(dir, &name)? else {
                return Ok(Walk::Missing);
            };
            match entry {
                Entry::Tree { oid } => done.push((name, oid)),
                Entry::Link { oid } => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Ok(Walk::Loops);
                    }
                    let target = self.blob(&oid, MAX_LINK_BYTES)?;
                    let target = String::from_utf8_lossy(&target).into_owned();
                    if target.starts_with('/') {
                        return Ok(Walk::Escapes);
                    }
                    for c in target.rsplit('/') {
                        todo.push_front(c.to_string());
                    }
                }
                entry if todo.iter().all(|c| c.is_empty() || c == ".") => {
                    let mut path: Vec<String> = done.into_iter().map(|(n, _)| n).collect();
                    path.push(name);
                    return Ok(Walk::Found { path, entry });
                }
                // A file or a submodule used as a folder.
                _ => return Ok(Walk::Missing),
            }
        }
        let oid = done
            .last()
            .map_or(self.root.clone(), |(_, oid)| oid.clone());
        Ok(Walk::Found {
            path: done.into_iter().map(|(n, _)| n).collect(),
            entry: Entry::Tree { oid },
        })
    }

    /// Whether the tree at `dir` (a folder's path from the root, no `..`)
    /// holds an entry named `name`.
    pub(crate) fn holds(&self, dir: &[String], name: &str) -> Result<bool, GitError> {
        match self.walk(dir)? {
            Walk::Found {
                entry: Entry::Tree { oid },
                ..
            } => Ok(self.entry(&oid, name)?.is_some()),
            _ => Ok(false),
        }
    }

    /// The content of the blob `oid`, at most `max` bytes (more is an
    /// error: the caller checked the size from the listing).
    pub(crate) fn blob(&self, oid: &str, max: u64) -> Result<Vec<u8>, GitError> {
        if !is_oid(oid) {
            return Err(GitError(format!("`{oid}` is not an object id")));
        }
        match git(&["cat-file", "blob", oid], max)? {
            (true, bytes) => Ok(bytes),
            (false, _) => Err(GitError(format!("git could not read the blob {oid}"))),
        }
    }
}

/// Whether `s` is an object id as git prints them (SHA-1 or SHA-256).
fn is_oid(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Runs `git ARGS` in the current folder, hardened (see the module's
/// documentation), and returns whether it succeeded and its standard
/// output, of which more than `max` bytes is an error.
fn git(args: &[&str], max: u64) -> Result<(bool, Vec<u8>), GitError> {
    let mut child = Command::new("git")
        .args([
            "--no-pager",
            "--literal-pathspecs",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.pager=cat",
        ])
        .args(args)
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_EXTERNAL_DIFF")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| GitError(format!("cannot run `git`: {e}")))?;
    let mut out = Vec::new();
    let read = child
        .stdout
        .take()
        .expect("stdout is piped")
        .take(max + 1)
        .read_to_end(&mut out);
    if read.is_err() || out.len() as u64 > max {
        let _ = child.kill();
        let _ = child.wait();
        return Err(GitError(format!(
            "git printed more than the {max} bytes writ reads"
        )));
    }
    let status = child
        .wait()
        .map_err(|e| GitError(format!("cannot run `git`: {e}")))?;
    Ok((status.success(), out))
}
