//! Loading: a file path in, every file it (transitively) `use`s or
//! `extends` parsed, out; and the other inputs `writ` reads, each checked
//! the same way before it is used.
//!
//! Each file is read and parsed once, however often it is used; paths in
//! `use` and `extends` are relative to the file that says them. The loader
//! reports files it cannot read, files that are not UTF-8, cycles (of `use`
//! and `extends` alike, with the chain), used files that hold more than
//! declarations, bases that are not policies, and bases that do not parse,
//! each at the `use` or `extends` that led there.
//!
//! The other inputs:
//!
//! * [`read_file`] and [`read_stdin`]: one policy's text, for commands that
//!   do not follow `use` (`fmt`, `fmt -`);
//! * [`compiled::read_compiled`]: a compiled `writ.tree/1` or `writ.dag/1`
//!   file, read back into a diagram that decides cases (`json` is the
//!   JSON reader it parses with);
//! * [`cases::CaseLines`]: the lines of `--cases`, from a file or standard
//!   input, streamed;
//! * [`load_at`] with a [`Revision`]: a policy and everything it uses as
//!   they are at a git revision (`REV:PATH` operands), read with `git`
//!   through the same loader and the same refusals; E0051 for a revision or
//!   path git does not have, E0052 when there is no repository or no git.
//!
//! Every failure is a [`Diagnostic`] with a code that names the file:
//! missing, a directory or unreadable (E0006), larger than its cap (E0015,
//! checked from the metadata before a file is read, and while reading a
//! stream), not UTF-8 (E0005, with the offset, and for a line of cases its
//! number), not a compiled policy (E0049).
//!
//! # The size caps
//!
//! Each cap is a peak-memory budget ([`MEMORY_BUDGET`], 2 GiB) divided by
//! the most memory `writ` was measured to take per byte of that kind of
//! input, on the worst realistic shapes, and rounded down; ARCHITECTURE.md
//! has the table. The caps keep a wrongly named file (a disk image, a log)
//! from exhausting memory; memory stays proportional to the input below
//! them (SPEC section 7).
//!
//! This module is the only part of the library that touches the file
//! system (besides the CLI's writing of output), and its `git` submodule
//! the only part that starts a process.

pub mod cases;
pub mod compiled;
mod git;
mod json;

pub use git::Revision;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{ItemKind, SourceFile};
use crate::syntax::lex::Comment;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The peak resident memory the caps below are derived for: 2 GiB.
pub const MEMORY_BUDGET: u64 = 2 << 30;

/// The largest policy or vocabulary file `writ` reads, and the most it
/// reads of standard input for `fmt -` (E0015): 6 MiB.
///
/// Measured with `/usr/bin/time -v writ check` (release build) on
/// generated files of 5, 10, 20 and 50 MB, memory grows linearly with the
/// input; the worst shape is a file of rules with parenthesised
/// conditions, about 295 bytes of peak memory per byte of input, then one
/// long condition (96), short rules (91), tests (72), rules with `because`
/// (56), a huge enum (49). The peak is in parsing: `fmt`, which only
/// parses, peaks the same, and pest queues two tokens for every grammar
/// rule it enters, several per level of parentheses. 2 GiB / 295 is about
/// 6.9 MiB, rounded down to 6 MiB: a file of ordinary rules that size holds
/// about 120,000 of them.
pub const MAX_FILE_BYTES: u64 = 6 << 20;

/// The largest compiled JSON file `writ` reads (E0015): 96 MiB.
///
/// Measured with `/usr/bin/time -v writ eval FILE --case ...` on files
/// `writ compile` wrote (tree and dag forms, 4 to 236 MB) and the same
/// documents minified (40 MB): at most about 21 bytes of peak memory per
/// byte, for minified JSON (the pretty-printed forms take 4 to 10, their
/// indentation being cheap). 2 GiB / 21 is about 98 MiB, rounded down.
pub const MAX_COMPILED_BYTES: u64 = 96 << 20;

/// The longest line of `--cases` `writ` reads (E0015): 128 KiB.
///
/// Measured on single lines of 50 MB: reading and refusing one takes about
/// twice its length at the peak (the line, grown by doubling), three times
/// when its strings have escapes to undo. But `eval` holds a batch of 4,096
/// lines at once, so the budget is shared: 2 GiB / (3 × 4,096) is about
/// 170 KiB, rounded down. A case names each attribute once; even a policy
/// of a thousand attributes with long names writes cases far shorter.
pub const MAX_CASE_LINE_BYTES: u64 = 128 << 10;

// The caps fit the budget at the ratios measured (see each constant):
// raising one past its share of the budget needs new measurements, and
// fails the build until they are made.
const _: () = assert!(MAX_FILE_BYTES * 295 <= MEMORY_BUDGET);
const _: () = assert!(MAX_COMPILED_BYTES * 21 <= MEMORY_BUDGET);
const _: () = assert!(MAX_CASE_LINE_BYTES * 3 * 4096 <= MEMORY_BUDGET);

/// One file that was read and parsed.
#[derive(Debug)]
pub struct LoadedFile {
    /// Its id in the source map.
    pub id: FileId,
    /// Its syntax tree: the items that parsed, and those that did not as
    /// [`BrokenItem`](crate::syntax::ast::BrokenItem)s (their errors are
    /// among the loader's diagnostics). `None` only for a root that is not
    /// text.
    pub ast: Option<SourceFile>,
    /// Its comments (the formatter needs them).
    pub comments: Vec<Comment>,
    /// For each `use` item and the first `extends` item, in order: the
    /// item's index and the file it names, if that file could be loaded.
    pub uses: Vec<(usize, Option<FileId>)>,
}

/// A root file and everything it uses.
#[derive(Debug)]
pub struct Loaded {
    /// The file that was asked for.
    pub root: FileId,
    /// Every file read, by id.
    pub files: HashMap<FileId, LoadedFile>,
}

impl Loaded {
    /// The items in scope for the root, as `(file, item index)`: the root's
    /// items with each `use` replaced, in place, by the named file's items,
    /// and each `extends` followed by its base's (each file spliced once, at
    /// its first use). Declaration
    /// order in this sequence is the order attributes are compiled in. A
    /// base's rules, tests and settings are in the sequence too, under the
    /// base's file id; the checker takes only the declarations of files
    /// other than the root.
    pub fn items_in_scope(&self) -> Vec<(FileId, usize)> {
        self.items_in_scope_of(self.root)
    }

    /// [`Loaded::items_in_scope`] for another loaded file as the root (a
    /// base policy, checked on its own).
    pub fn items_in_scope_of(&self, root: FileId) -> Vec<(FileId, usize)> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        self.splice(root, &mut seen, &mut out);
        out
    }

    /// The base a file `extends`: the `extends` item's index and the base
    /// file, when the file has an `extends` item (the first, if several)
    /// and the base could be loaded.
    pub fn base_of(&self, file: FileId) -> Option<(usize, FileId)> {
        let f = self.files.get(&file)?;
        let ast = f.ast.as_ref()?;
        f.uses.iter().find_map(|&(i, target)| {
            matches!(ast.items[i].kind, ItemKind::Extends(_)).then_some((i, target?))
        })
    }

    fn splice(
        &self,
        file: FileId,
        seen: &mut std::collections::HashSet<FileId>,
        out: &mut Vec<(FileId, usize)>,
    ) {
        if !seen.insert(file) {
            return;
        }
        let Some(f) = self.files.get(&file) else {
            return;
        };
        let Some(ast) = &f.ast else { return };
        let mut uses = f.uses.iter().peekable();
        for (i, _) in ast.items.iter().enumerate() {
            if let Some(&&(_, target)) = uses.peek().filter(|(idx, _)| *idx == i) {
                uses.next();
                // An `extends` item stays in the sequence, before its base's
                // items: the checker reads its place and its repeats.
                if matches!(ast.items[i].kind, ItemKind::Extends(_)) {
                    out.push((file, i));
                }
                if let Some(t) = target {
                    self.splice(t, seen, out);
                }
                continue;
            }
            out.push((file, i));
        }
    }

    /// The syntax tree of a loaded file (every file read as text has one,
    /// syntax errors or not).
    pub fn ast(&self, file: FileId) -> &SourceFile {
        self.files[&file]
            .ast
            .as_ref()
            .expect("only files read as text have items in scope")
    }
}

/// Why a root file could not be loaded at all.
#[derive(Debug)]
pub enum LoadError {
    /// The file named on the command line could not be read (exit status 2).
    Io(Box<Diagnostic>),
}

/// Texts that stand in for files: an editor's unsaved buffers.
///
/// The loader reads a file from here when it holds the file's path, from
/// the disk otherwise, so a buffer and the files it `use`s or `extends` are
/// checked as the editor has them. A path is held under its [`Overlay::key`]:
/// its canonical form when the file exists, else the absolute path without
/// `.` and `..` (a new buffer not yet saved).
#[derive(Clone, Debug, Default)]
pub struct Overlay {
    texts: HashMap<PathBuf, String>,
}

impl Overlay {
    /// An empty overlay: every file is read from the disk.
    pub fn new() -> Overlay {
        Overlay::default()
    }

    /// The key `path` is held under.
    pub fn key(path: &Path) -> PathBuf {
        if let Ok(c) = std::fs::canonicalize(path) {
            return c;
        }
        Overlay::key_lexical(path)
    }

    /// `path` made absolute with `.` and `..` resolved by the text alone
    /// (the folder it is relative to canonical), without following links.
    pub fn key_lexical(path: &Path) -> PathBuf {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        // The longest prefix that exists is made canonical, so that a
        // folder reached through a link compares with the project's.
        let mut out = PathBuf::new();
        let mut rest = absolute.components().peekable();
        let mut prefix = PathBuf::new();
        while let Some(c) = rest.peek() {
            if matches!(
                c,
                std::path::Component::ParentDir | std::path::Component::CurDir
            ) {
                break;
            }
            let next = prefix.join(c.as_os_str());
            if !next.is_dir() {
                break;
            }
            prefix = next;
            rest.next();
        }
        if let Ok(c) = std::fs::canonicalize(&prefix) {
            out = c;
        } else {
            out.push(&prefix);
        }
        for c in rest {
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    out.pop();
                }
                c => out.push(c),
            }
        }
        out
    }

    /// Makes `text` the content of `path` for the loader.
    pub fn set(&mut self, path: &Path, text: String) {
        self.texts.insert(Overlay::key(path), text);
    }

    /// Lets the loader read `path` from the disk again.
    pub fn remove(&mut self, path: &Path) {
        self.texts.remove(&Overlay::key(path));
    }

    /// The text held for `path`, if any.
    pub fn get(&self, path: &Path) -> Option<&str> {
        if self.texts.is_empty() {
            return None;
        }
        self.texts.get(&Overlay::key(path)).map(String::as_str)
    }

    /// The paths held, under their keys.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.texts.keys().map(PathBuf::as_path)
    }
}

/// The folder a policy's `use` and `extends` may read in (SPEC section 1):
/// the nearest folder at or above the checked file that holds `writ.toml`
/// or `.git`, else the checked file's own folder, or a folder given with
/// `--root DIR` (or an editor's workspace folder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The folder, canonical.
    root: PathBuf,
}

impl Project {
    /// The project of the file at `file` (which need not exist: an editor's
    /// new buffer).
    pub fn of(file: &Path) -> Project {
        let file = Overlay::key(file);
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let found = dir
            .ancestors()
            .find(|d| d.join("writ.toml").exists() || d.join(".git").exists());
        Project {
            root: found.map_or(dir.clone(), Path::to_path_buf),
        }
    }

    /// The project rooted at `dir` (`--root DIR`): E0006 when `dir` is not
    /// a folder that exists.
    pub fn at(dir: &Path) -> Result<Project, Box<Diagnostic>> {
        match std::fs::canonicalize(dir) {
            Ok(root) if root.is_dir() => Ok(Project { root }),
            Ok(_) => Err(Box::new(
                Diagnostic::error(
                    Code::UNREADABLE,
                    format!("`--root {}` is not a folder", dir.display()),
                )
                .help("`--root` takes the folder that holds the policies and what they use"),
            )),
            Err(e) => Err(Box::new(Diagnostic::error(
                Code::UNREADABLE,
                format!("cannot use `--root {}`: {e}", dir.display()),
            ))),
        }
    }

    /// The project's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The project's folder as messages show it: relative to the current
    /// folder when one holds the other (`.`, `policies`, `../..`), so that
    /// output does not depend on where a checkout lives; else absolute.
    pub fn shown(&self) -> String {
        let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize) else {
            return self.root.display().to_string();
        };
        if let Ok(below) = self.root.strip_prefix(&cwd) {
            return if below.as_os_str().is_empty() {
                ".".to_string()
            } else {
                below.display().to_string()
            };
        }
        if let Ok(above) = cwd.strip_prefix(&self.root) {
            let ups = above.components().count();
            return vec![".."; ups].join("/");
        }
        self.root.display().to_string()
    }

    /// Whether `path` (absolute, without `.` or `..`) is inside the project.
    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.root)
    }
}

/// What the target of a `use` or `extends` is, when writ refuses to read
/// it: a phrase for the message.
fn refused(written: &str, joined: &Path, project: &Project, overlay: &Overlay) -> Option<String> {
    if let Some(why) = refused_by_name(written) {
        return Some(why);
    }
    // Through `..`, read lexically from the folder of the file that says it.
    let lexical = Overlay::key_lexical(joined);
    if !project.contains(&lexical) {
        return Some("leaves the project".to_string());
    }
    // Through a symbolic link, resolved.
    if let Ok(real) = std::fs::canonicalize(joined) {
        if !project.contains(&real) {
            return Some("leaves the project through a symbolic link".to_string());
        }
        match std::fs::metadata(&real) {
            Ok(meta) if meta.is_dir() => {
                return Some("names a folder, not a file".to_string());
            }
            Ok(meta) => {
                if let Some(what) = special(&meta) {
                    return Some(format!("names {what}, not a regular file"));
                }
            }
            Err(_) => {}
        }
    } else if overlay.get(joined).is_none() && std::fs::symlink_metadata(joined).is_ok() {
        // A link that points nowhere: where it would lead is unknown.
        return Some("is a symbolic link that leads nowhere".to_string());
    }
    None
}

/// [`refused`] for a file at a git revision: `joined` is relative to the
/// repository's root, and links are blobs of mode 120000, resolved in the
/// revision's tree.
fn refused_at(written: &str, joined: &Path, project: &Project, rev: &Revision) -> Option<String> {
    if let Some(why) = refused_by_name(written) {
        return Some(why);
    }
    let leaves = || Some("leaves the project".to_string());
    let Some(lexical) = git_lexical(joined) else {
        return leaves();
    };
    if !project.contains(&git_path(&lexical)) {
        return leaves();
    }
    let through_link = Some("leaves the project through a symbolic link".to_string());
    match rev.walk(&lexical) {
        Ok(git::Walk::Found { path, entry }) => {
            if !project.contains(&git_path(&path)) {
                return through_link;
            }
            match entry {
                git::Entry::Tree { .. } => Some("names a folder, not a file".to_string()),
                git::Entry::Gitlink => {
                    Some("names a submodule (a gitlink), not a regular file".to_string())
                }
                git::Entry::Blob { .. } | git::Entry::Link { .. } => None,
            }
        }
        // `..` stayed inside the project, so a link led out.
        Ok(git::Walk::Escapes) => through_link,
        Ok(git::Walk::Loops) => Some("is a symbolic link that leads nowhere".to_string()),
        // Reported when it is read.
        Ok(git::Walk::Missing) | Err(_) => None,
    }
}

/// The components of a path relative to a repository's root, `.` and
/// `..` resolved by the text alone; `None` when `..` climbs past the root.
fn git_lexical(path: &Path) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop()?;
            }
            std::path::Component::Normal(n) => out.push(n.to_string_lossy().into_owned()),
            std::path::Component::RootDir | std::path::Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Components from the repository's root as a relative path.
fn git_path(components: &[String]) -> PathBuf {
    components.iter().collect()
}

/// The refusals that need only the path as written: absolute, or not a
/// `.vocab` or `.policy` file.
fn refused_by_name(written: &str) -> Option<String> {
    let as_written = Path::new(written);
    if as_written.is_absolute() || as_written.has_root() {
        return Some("is an absolute path".to_string());
    }
    let kind_ok = as_written
        .extension()
        .is_some_and(|e| e == "vocab" || e == "policy");
    if !kind_ok {
        return Some("names a file that is not a `.vocab` or `.policy` file".to_string());
    }
    None
}

/// Reads `path` and every file it uses into `map`. Problems inside the files
/// (syntax errors, cycles, bad `use`s) are returned as diagnostics next to
/// the result; only an unreadable root is an `Err`.
pub fn load(map: &mut SourceMap, path: &Path) -> Result<(Loaded, Vec<Diagnostic>), LoadError> {
    load_with(map, path, &Overlay::default(), None)
}

/// [`load`], reading the files `overlay` holds from it instead of the disk,
/// within `project` (by default, the file's own: [`Project::of`]).
pub fn load_with(
    map: &mut SourceMap,
    path: &Path,
    overlay: &Overlay,
    project: Option<&Project>,
) -> Result<(Loaded, Vec<Diagnostic>), LoadError> {
    let project = match project {
        Some(p) => p.clone(),
        None => Project::of(path),
    };
    if !project.contains(&Overlay::key(path)) {
        return Err(LoadError::Io(Box::new(
            Diagnostic::error(
                Code::OUTSIDE_PROJECT,
                format!(
                    "`{}` is outside the project `{}`",
                    path.display(),
                    project.shown()
                ),
            )
            .help("give `--root` a folder that holds the file"),
        )));
    }
    let mut loader = Loader {
        map,
        overlay,
        git: None,
        project,
        by_path: HashMap::new(),
        files: HashMap::new(),
        stack: Vec::new(),
        diagnostics: Vec::new(),
    };
    let text = loader
        .read(path)
        .map_err(|e| LoadError::Io(Box::new(e.into_diagnostic(path, Kind::Policy, None))))?;
    let root = match text {
        Ok(text) => loader.add(path, text, None),
        Err(bad) => {
            let loaded = loader.fail_root(path, bad);
            return Ok((loaded, loader.diagnostics));
        }
    };
    let loaded = Loaded {
        root,
        files: loader.files,
    };
    Ok((loaded, loader.diagnostics))
}

/// [`load`] at a git revision (a `REV:PATH` operand): `path`, relative to
/// the repository's root, and everything it uses are read from `rev`'s
/// tree, never from the working tree, and named `REV:PATH` in messages.
/// The project is SPEC section 1's in that tree: the nearest folder at or
/// above the file that holds `writ.toml`, else the repository's root.
/// E0051 when `path` names no file at `rev`.
pub fn load_at(
    map: &mut SourceMap,
    rev: &Revision,
    path: &str,
) -> Result<(Loaded, Vec<Diagnostic>), LoadError> {
    let shown = format!("{}:{path}", rev.rev());
    let fail = |d: Diagnostic| Err(LoadError::Io(Box::new(d)));
    let not_there = |why: &str| {
        Diagnostic::error(
            Code::UNKNOWN_REVISION,
            format!("`{shown}`: {why} at revision `{}`", rev.rev()),
        )
        .help("PATH in `REV:PATH` is relative to the repository's root, as in `git show REV:PATH`")
    };
    let lexical = match git_lexical(Path::new(path)) {
        Some(l) if !l.is_empty() => l,
        _ => return fail(not_there("the path is not a file inside the repository")),
    };
    let found = match rev.walk(&lexical) {
        Ok(git::Walk::Found { path, .. }) => path,
        Ok(git::Walk::Missing) => return fail(not_there("no such file")),
        Ok(git::Walk::Escapes | git::Walk::Loops) => {
            return fail(not_there(
                "a symbolic link that leads nowhere in the repository",
            ));
        }
        Err(git::GitError(e)) => {
            return fail(Diagnostic::error(
                Code::NO_GIT,
                format!("cannot read `{shown}`: {e}"),
            ));
        }
    };
    // The project: the nearest folder at or above the file holding
    // `writ.toml` in this tree (`.git` is always at the root).
    let mut dir = lexical[..lexical.len() - 1].to_vec();
    let root = loop {
        match rev.holds(&dir, "writ.toml") {
            Ok(true) => break dir,
            Ok(false) if dir.is_empty() => break dir,
            Ok(false) => {
                dir.pop();
            }
            Err(git::GitError(e)) => {
                return fail(Diagnostic::error(
                    Code::NO_GIT,
                    format!("cannot read `{shown}`: {e}"),
                ));
            }
        }
    };
    let project = Project {
        root: git_path(&root),
    };
    let lexical = git_path(&lexical);
    if !project.contains(&git_path(&found)) {
        return fail(
            Diagnostic::error(
                Code::OUTSIDE_PROJECT,
                format!(
                    "`{shown}` is a symbolic link that leaves the project `{}:{}`",
                    rev.rev(),
                    shown_dir(&project.root)
                ),
            )
            .help("name the file the link leads to"),
        );
    }
    let overlay = Overlay::default();
    let mut loader = Loader {
        map,
        overlay: &overlay,
        git: Some(rev),
        project,
        by_path: HashMap::new(),
        files: HashMap::new(),
        stack: Vec::new(),
        diagnostics: Vec::new(),
    };
    let text = loader.read(&lexical).map_err(|e| {
        LoadError::Io(Box::new(e.into_diagnostic(
            Path::new(&shown),
            Kind::Policy,
            None,
        )))
    })?;
    let root = match text {
        Ok(text) => loader.add(&lexical, text, None),
        Err(bad) => {
            let loaded = loader.fail_root(&lexical, bad);
            return Ok((loaded, loader.diagnostics));
        }
    };
    let loaded = Loaded {
        root,
        files: loader.files,
    };
    Ok((loaded, loader.diagnostics))
}

/// A folder relative to a repository's root as messages show it: `.` for
/// the root.
fn shown_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".to_string()
    } else {
        dir.display().to_string()
    }
}

struct Loader<'a> {
    map: &'a mut SourceMap,
    overlay: &'a Overlay,
    /// The revision files are read at, for a `REV:PATH` operand; paths
    /// are then relative to the repository's root. `None`: the disk (and
    /// the overlay).
    git: Option<&'a Revision>,
    /// Where `use` and `extends` may read.
    project: Project,
    by_path: HashMap<PathBuf, FileId>,
    files: HashMap<FileId, LoadedFile>,
    /// The files being loaded, outermost first, with the `use` or
    /// `extends` that led to each and whether it was an `extends` (for
    /// cycle reports).
    stack: Vec<(PathBuf, Option<(Span, bool)>)>,
    diagnostics: Vec<Diagnostic>,
}

/// The kinds of file `writ` reads, which differ in their cap and in the
/// help they give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A policy or vocabulary.
    Policy,
    /// A compiled `writ.tree/1` or `writ.dag/1` document.
    Compiled,
    /// JSON Lines of cases.
    Cases,
}

impl Kind {
    /// The most bytes of this kind `writ` reads (for cases, in one line).
    pub(crate) fn max(self) -> u64 {
        match self {
            Kind::Policy => MAX_FILE_BYTES,
            Kind::Compiled => MAX_COMPILED_BYTES,
            Kind::Cases => MAX_CASE_LINE_BYTES,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Policy => "a `.policy` or `.vocab` file",
            Kind::Compiled => "a compiled policy (`writ compile --emit tree` or `--emit dag`)",
            Kind::Cases => "a file of cases, one JSON object per line",
        }
    }
}

/// A read failure, before it knows where to point.
pub(crate) enum ReadError {
    Missing,
    Directory,
    /// A device, a FIFO or a socket: what it is, in words.
    NotRegular(&'static str),
    TooLarge(u64),
    Other(std::io::Error),
}

impl ReadError {
    pub(crate) fn into_diagnostic(
        self,
        path: &Path,
        kind: Kind,
        used_at: Option<(Span, bool)>,
    ) -> Diagnostic {
        let shown = path.display();
        let d = match self {
            ReadError::Missing => Diagnostic::error(
                Code::UNREADABLE,
                format!("cannot read `{shown}`: no such file"),
            ),
            ReadError::Directory => Diagnostic::error(
                Code::UNREADABLE,
                format!("cannot read `{shown}`: it is a directory"),
            )
            .help(format!("name {}", kind.what())),
            ReadError::NotRegular(what) => Diagnostic::error(
                Code::UNREADABLE,
                format!("cannot read `{shown}`: it is {what}, not a regular file"),
            )
            .help(match kind {
                Kind::Cases => "name a file of cases, or give `-` and pipe the cases to standard input",
                Kind::Policy | Kind::Compiled => {
                    "name a regular file; to check text from a stream, give `-` and pipe it to standard input"
                }
            }),
            ReadError::TooLarge(n) => too_large(&format!("`{shown}` is {n} bytes"), kind),
            ReadError::Other(e) => {
                Diagnostic::error(Code::UNREADABLE, format!("cannot read `{shown}`: {e}"))
            }
        };
        match used_at {
            Some((span, false)) => d
                .at(span, "used here")
                .note("paths in `use` are relative to the file that says them"),
            Some((span, true)) => d
                .at(span, "extended here")
                .note("paths in `extends` are relative to the file that says them"),
            None => d,
        }
    }
}

/// E0015: `what` (the input and its size, as a phrase) is past the cap of
/// its kind.
fn too_large(what: &str, kind: Kind) -> Diagnostic {
    let max = kind.max();
    let d = Diagnostic::error(
        Code::FILE_TOO_LARGE,
        format!("{what}, more than the {max} bytes writ reads"),
    );
    match kind {
        Kind::Compiled => d.help("compile with `--emit dag`, which writes each shared node once"),
        Kind::Policy | Kind::Cases => d,
    }
}

/// A file that was read but is not UTF-8: where its first invalid byte is,
/// and its text with each invalid sequence replaced by U+FFFD (the same
/// up to that byte), so a diagnostic can point there.
pub(crate) struct BadText {
    offset: usize,
    lossy: String,
}

impl BadText {
    fn new(e: &std::string::FromUtf8Error) -> BadText {
        BadText {
            offset: e.utf8_error().valid_up_to(),
            lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    /// The 1-based line and column (in characters) of the first invalid
    /// byte.
    fn line_col(&self) -> (usize, usize) {
        let before = &self.lossy[..self.offset];
        let line = before.matches('\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[start..].chars().count() + 1)
    }

    /// The span of the replacement character that stands for the first
    /// invalid byte, once the lossy text is `file` in the source map.
    fn span(&self, file: FileId) -> Span {
        Span::new(file, self.offset, self.offset + '\u{FFFD}'.len_utf8())
    }
}

/// Reads a file as text, refusing it from its metadata when it is larger
/// than `kind` allows. The outer error is an I/O failure; the inner one a
/// file that was read but is not UTF-8 (a problem with the input itself):
/// the offset of the first bad byte and the length.
fn read_text(path: &Path, kind: Kind) -> Result<Result<String, BadText>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ => ReadError::Other(e),
    })?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    // A device or a FIFO may never end (`/dev/zero`) or never begin (a
    // FIFO without a writer blocks the open): refused before it is opened.
    if let Some(what) = special(&meta) {
        return Err(ReadError::NotRegular(what));
    }
    if meta.len() > kind.max() {
        return Err(ReadError::TooLarge(meta.len()));
    }
    // A file that grows between the two calls, or a special file whose
    // metadata says nothing of its length, is still cut at the cap.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(kind.max() + 1).read_to_end(&mut bytes))
        .map_err(ReadError::Other)?;
    if bytes.len() as u64 > kind.max() {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(String::from_utf8(bytes).map_err(|e| BadText::new(&e)))
}

/// [`read_text`] at a revision: `path` is relative to the repository's
/// root, and the blob's size is checked from git's listing before it is
/// read.
fn read_at(rev: &Revision, path: &Path) -> Result<Result<String, BadText>, ReadError> {
    let Some(lexical) = git_lexical(path) else {
        return Err(ReadError::Missing);
    };
    let other = |e: git::GitError| ReadError::Other(std::io::Error::other(e.0));
    match rev.walk(&lexical).map_err(other)? {
        git::Walk::Found { entry, .. } => match entry {
            git::Entry::Blob { oid, size } => {
                if size > Kind::Policy.max() {
                    return Err(ReadError::TooLarge(size));
                }
                let bytes = rev.blob(&oid, Kind::Policy.max()).map_err(other)?;
                Ok(String::from_utf8(bytes).map_err(|e| BadText::new(&e)))
            }
            git::Entry::Tree { .. } => Err(ReadError::Directory),
            git::Entry::Gitlink => Err(ReadError::NotRegular("a submodule (a gitlink)")),
            git::Entry::Link { .. } => Err(ReadError::Missing),
        },
        git::Walk::Missing => Err(ReadError::Missing),
        git::Walk::Escapes | git::Walk::Loops => Err(ReadError::Other(std::io::Error::other(
            "it is a symbolic link that leads out of the repository",
        ))),
    }
}

/// What a file that is neither a regular file nor a directory is, in
/// words; `None` for those two.
pub(crate) fn special(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() || t.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

/// Reads one file as text, for commands that do not follow `use` (the
/// formatter). Every failure is a diagnostic without a place.
pub fn read_file(path: &Path) -> Result<String, Box<Diagnostic>> {
    read_file_as(path, Kind::Policy)
}

pub(crate) fn read_file_as(path: &Path, kind: Kind) -> Result<String, Box<Diagnostic>> {
    match read_text(path, kind) {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(bad)) => Err(Box::new(utf8_error(path, &bad, kind))),
        Err(e) => Err(Box::new(e.into_diagnostic(path, kind, None))),
    }
}

/// Reads standard input as one policy's text (`writ fmt -`), with the cap
/// and the UTF-8 check of a file: E0015 past [`MAX_FILE_BYTES`] (without
/// waiting for the end of a stream that goes on), E0005 for bytes that are
/// not UTF-8, E0006 when it cannot be read.
pub fn read_stdin() -> Result<String, Box<Diagnostic>> {
    read_stream(STDIN, std::io::stdin().lock(), MAX_FILE_BYTES)
}

/// How messages name standard input.
pub(crate) const STDIN: &str = "standard input";

/// [`read_stdin`] on any stream, named `name` in messages, cut at `max`.
fn read_stream(name: &str, input: impl Read, max: u64) -> Result<String, Box<Diagnostic>> {
    let mut bytes = Vec::new();
    input
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostic::error(Code::UNREADABLE, format!("cannot read {name}: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(Box::new(Diagnostic::error(
            Code::FILE_TOO_LARGE,
            format!("{name} holds more than the {max} bytes writ reads"),
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let bad = BadText::new(&e);
        let (line, column) = bad.line_col();
        Box::new(
            Diagnostic::error(
                Code::NOT_UTF8,
                format!(
                    "{name} is not UTF-8 text (invalid byte at line {line}, column {column}, offset {})",
                    bad.offset
                ),
            )
            .help("policy text must be UTF-8"),
        )
    })
}

/// E0005 for `path`, naming the first invalid byte's line, column and
/// offset (a caller that has the file in its source map points there too).
fn utf8_error(path: &Path, bad: &BadText, kind: Kind) -> Diagnostic {
    let (line, column) = bad.line_col();
    Diagnostic::error(
        Code::NOT_UTF8,
        format!(
            "`{}` is not UTF-8 text (invalid byte at line {line}, column {column}, offset {})",
            path.display(),
            bad.offset
        ),
    )
    .help(match kind {
        Kind::Policy => "policy files must be UTF-8; check that the right file was named",
        Kind::Compiled | Kind::Cases => "JSON is UTF-8 text; check that the right file was named",
    })
}

impl Loader<'_> {
    /// Reads a policy or vocabulary file, from the overlay when it holds it.
    fn read(&self, path: &Path) -> Result<Result<String, BadText>, ReadError> {
        if let Some(rev) = self.git {
            return read_at(rev, path);
        }
        match self.overlay.get(path) {
            Some(text) if text.len() as u64 > Kind::Policy.max() => {
                Err(ReadError::TooLarge(text.len() as u64))
            }
            Some(text) => Ok(Ok(text.to_string())),
            None => read_text(path, Kind::Policy),
        }
    }

    /// How messages name `path`: as it is for a file on the disk,
    /// `REV:PATH` at a revision.
    fn shown(&self, path: &Path) -> PathBuf {
        match self.git {
            Some(rev) => PathBuf::from(format!("{}:{}", rev.rev(), path.display())),
            None => path.to_path_buf(),
        }
    }

    /// The identity of a file ([`canonical`]); at a revision, its path
    /// with links resolved in the tree.
    fn identity(&self, path: &Path) -> PathBuf {
        let Some(rev) = self.git else {
            return canonical(path);
        };
        match git_lexical(path).map(|l| rev.walk(&l)) {
            Some(Ok(git::Walk::Found { path, .. })) => git_path(&path),
            _ => path.to_path_buf(),
        }
    }

    /// The project as messages show it.
    fn project_shown(&self) -> String {
        match self.git {
            Some(rev) => format!("{}:{}", rev.rev(), shown_dir(&self.project.root)),
            None => self.project.shown(),
        }
    }

    /// Records a root that was read but is not text: its text with the
    /// invalid bytes replaced stands in for it, unparsed, so the result
    /// still has a root and the error points at the first invalid byte.
    fn fail_root(&mut self, path: &Path, bad: BadText) -> Loaded {
        let shown = self.shown(path);
        let d = utf8_error(&shown, &bad, Kind::Policy);
        let id = self.map.add(shown.display().to_string(), bad.lossy.clone());
        self.diagnostics.push(d.at(bad.span(id), "not UTF-8"));
        let mut files = HashMap::new();
        files.insert(
            id,
            LoadedFile {
                id,
                ast: None,
                comments: Vec::new(),
                uses: Vec::new(),
            },
        );
        Loaded { root: id, files }
    }

    fn add(&mut self, path: &Path, text: String, used_at: Option<(Span, bool)>) -> FileId {
        let id = self.map.add(self.shown(path).display().to_string(), text);
        let key = self.identity(path);
        self.by_path.insert(key.clone(), id);
        let parsed = crate::syntax::parse(id, self.map.text(id));
        self.diagnostics.extend(parsed.diagnostics);
        self.stack.push((key, used_at));
        let mut uses = Vec::new();
        if let Some(ast) = &parsed.file {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            // Only the first `extends` is followed; the checker reports the
            // others.
            let mut extended = false;
            let targets: Vec<(usize, String, Span, bool)> = ast
                .items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match &item.kind {
                    ItemKind::Use(s) => Some((i, s.value.clone(), item.span, false)),
                    ItemKind::Extends(s) if !std::mem::replace(&mut extended, true) => {
                        Some((i, s.value.clone(), item.span, true))
                    }
                    _ => None,
                })
                .collect();
            for (i, target, span, extends) in targets {
                let joined = dir.join(&target);
                let why = match self.git {
                    Some(rev) => refused_at(&target, &joined, &self.project, rev),
                    None => refused(&target, &joined, &self.project, self.overlay),
                };
                if let Some(why) = why {
                    let keyword = if extends { "extends" } else { "use" };
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::OUTSIDE_PROJECT,
                            format!("`{keyword} \"{target}\"` {why}"),
                        )
                        .at(span, "not read")
                        .note(format!(
                            "writ reads only `.vocab` and `.policy` files inside the project `{}`",
                            self.project_shown()
                        ))
                        .help(if self.git.is_some() {
                            "name a file inside the project, relative to this file; \
                             at a revision, the project is the nearest folder holding \
                             `writ.toml`, else the repository"
                        } else {
                            "name a file inside the project, relative to this file; \
                             `--root DIR` sets the project's folder"
                        }),
                    );
                    uses.push((i, None));
                    continue;
                }
                let file = if extends {
                    self.follow_base(&dir.join(&target), span)
                } else {
                    self.follow(&dir.join(&target), (span, false))
                };
                uses.push((i, file));
            }
        }
        self.stack.pop();
        if let (Some((span, false)), Some(ast)) = (used_at, &parsed.file)
            && let Some(bad) = ast.items.iter().find(|it| !it.kind.is_declaration())
        {
            {
                let more = ast
                    .items
                    .iter()
                    .filter(|it| !it.kind.is_declaration())
                    .count()
                    - 1;
                let mut d = Diagnostic::error(
                    Code::NOT_A_VOCABULARY,
                    format!("`{}` is used as a vocabulary but holds a `{}` item", self.shown(path).display(), bad.kind.keyword()),
                )
                .at(bad.span, "not a declaration")
                .also(span, "used as a vocabulary here")
                .note("a vocabulary may only hold `use`, `type`, `group`, `attribute` and `decision` items");
                if ast
                    .items
                    .iter()
                    .any(|it| matches!(it.kind, ItemKind::Policy(_)))
                {
                    d = d.help("to build on a policy, write `extends` instead of `use`");
                }
                if more > 0 {
                    d = d.note(format!(
                        "{more} more item(s) in this file are not declarations"
                    ));
                }
                self.diagnostics.push(d);
            }
        }
        self.files.insert(
            id,
            LoadedFile {
                id,
                ast: parsed.file,
                comments: parsed.comments,
                uses,
            },
        );
        id
    }

    /// Loads the base an `extends` names: a policy, which (with everything
    /// it reads) must load without errors. A base that cannot be read,
    /// closes a cycle or is not a policy is reported at the `extends`; a
    /// base with errors of its own gets one more error there, saying that
    /// its errors are why this policy is not checked.
    fn follow_base(&mut self, path: &Path, at: Span) -> Option<FileId> {
        let errors_before = self.error_count();
        let shown = self.shown(&tidy(path));
        let file = self.follow(path, (at, true))?;
        let ast = self.files.get(&file).and_then(|f| f.ast.as_ref());
        let is_vocab = shown.extension().is_some_and(|e| e == "vocab");
        // A `policy` item that did not parse is a header all the same: the
        // base is a policy with a syntax error (E0044 below), not a file
        // that is no policy.
        let has_header = ast.is_some_and(|a| {
            a.items
                .iter()
                .any(|it| matches!(it.kind, ItemKind::Policy(_)))
                || a.broken.iter().any(|b| b.keyword == Some("policy"))
        });
        if is_vocab || (ast.is_some() && !has_header) {
            let d = Diagnostic::error(
                Code::BASE_NOT_A_POLICY,
                format!("`{}` is not a policy, so it cannot be extended", shown.display()),
            )
            .at(at, "extended here")
            .note(if is_vocab {
                "a `.vocab` file holds declarations only; `extends` names a `.policy` file with a `policy` header"
            } else {
                "the file has no `policy` header"
            })
            .help("to bring a vocabulary's declarations into scope, write `use` instead of `extends`");
            self.diagnostics.push(d);
            return None;
        }
        let errors = self.error_count() - errors_before;
        // A cycle is reported once, with its chain; it is not also an error
        // of the base.
        let only_cycles = self.diagnostics[..]
            .iter()
            .rev()
            .filter(|d| d.is_error())
            .take(errors)
            .all(|d| d.code == Code::EXTENDS_CYCLE || d.code == Code::USE_CYCLE);
        if errors > 0 && !only_cycles {
            self.diagnostics.push(base_has_errors(&shown, at, errors));
            return None;
        }
        Some(file)
    }

    fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Loads the file a `use` or `extends` names, or reports why it cannot.
    fn follow(&mut self, path: &Path, used_at: (Span, bool)) -> Option<FileId> {
        let path = tidy(path);
        let key = self.identity(&path);
        if let Some(pos) = self.stack.iter().position(|(p, _)| *p == key) {
            let chain: Vec<String> = self.stack[pos..]
                .iter()
                .map(|(p, _)| display_name(p))
                .chain(std::iter::once(display_name(&key)))
                .collect();
            // The links of the cycle: every frame's after the first, then
            // the one closing it.
            let links: Vec<(Span, bool)> = self.stack[pos + 1..]
                .iter()
                .filter_map(|(_, at)| *at)
                .chain(std::iter::once(used_at))
                .collect();
            let (span, closing_extends) = used_at;
            let any_extends = links.iter().any(|&(_, e)| e);
            let keyword = |e: bool| if e { "extends" } else { "use" };
            let mut d = if any_extends {
                Diagnostic::error(
                    Code::EXTENDS_CYCLE,
                    format!("`extends` cycle: {}", chain.join(" → ")),
                )
            } else {
                Diagnostic::error(
                    Code::USE_CYCLE,
                    format!("`use` cycle: {}", chain.join(" → ")),
                )
            }
            .at(
                span,
                format!("this `{}` closes the cycle", keyword(closing_extends)),
            );
            for (_, at) in &self.stack[pos + 1..] {
                if let Some((at, e)) = at {
                    let label = if *e {
                        "this `extends` is part of the cycle"
                    } else {
                        "part of the cycle"
                    };
                    d = d.also(*at, label);
                }
            }
            d = if any_extends {
                d.help("a policy cannot build on itself, directly or through others; remove one `extends`")
            } else {
                d.help("move the shared declarations into a file that neither uses")
            };
            self.diagnostics.push(d);
            return None;
        }
        if let Some(&id) = self.by_path.get(&key) {
            return Some(id);
        }
        match self.read(&path) {
            Ok(Ok(text)) => Some(self.add(&path, text, Some(used_at))),
            Ok(Err(bad)) => {
                let label = if used_at.1 {
                    "extended here"
                } else {
                    "used here"
                };
                let shown = self.shown(&path);
                let d = utf8_error(&shown, &bad, Kind::Policy);
                let id = self.map.add(shown.display().to_string(), bad.lossy.clone());
                self.diagnostics
                    .push(d.at(bad.span(id), "not UTF-8").also(used_at.0, label));
                None
            }
            Err(e) => {
                self.diagnostics.push(e.into_diagnostic(
                    &self.shown(&path),
                    Kind::Policy,
                    Some(used_at),
                ));
                None
            }
        }
    }
}

/// The error at an `extends` whose base has `errors` errors of its own
/// (SPEC section 4a: a base must check cleanly on its own). The checker
/// reports the same for a base whose errors it finds.
pub fn base_has_errors(base: &Path, at: Span, errors: usize) -> Diagnostic {
    let n = if errors == 1 {
        "an error".to_string()
    } else {
        format!("{errors} errors")
    };
    Diagnostic::error(
        Code::BASE_HAS_ERRORS,
        format!("the base policy `{}` has {n}", base.display()),
    )
    .at(at, "this policy builds on it")
    .note("a base must check cleanly on its own; its errors are reported with this one")
    .help(format!(
        "fix the base first (`writ check {}`); this policy is checked once its base is",
        base.display()
    ))
}

/// The identity of a file: its canonical path when it exists, else the path
/// as written (a missing file is reported before identity matters).
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Drops `.` components so that displayed paths read `policies/sca.vocab`,
/// not `policies/./sca.vocab`.
fn tidy(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_is_cut_at_the_cap_and_checked_for_utf8() {
        let read = |bytes: &'static [u8], max| {
            read_stream(STDIN, bytes, max).map_err(|d| format!("{}: {}", d.code, d.message))
        };
        assert_eq!(read(b"policy p\n", 9), Ok("policy p\n".to_string()));
        assert_eq!(
            read(b"policy p\n", 8),
            Err("E0015: standard input holds more than the 8 bytes writ reads".to_string())
        );
        assert_eq!(
            read(b"# caf\xe9\n", 100),
            Err("E0005: standard input is not UTF-8 text (invalid byte at line 1, column 6, offset 5)".to_string())
        );
        // An endless stream is refused without reading it to its end.
        let endless = std::io::repeat(b'x');
        let d = read_stream(STDIN, endless, 1 << 10).unwrap_err();
        assert_eq!(d.code, Code::FILE_TOO_LARGE);
    }

    #[test]
    fn each_kind_of_file_has_its_cap() {
        let dir = std::env::temp_dir().join(format!("writ-caps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.json");
        // Sparse: no disk is used, and the cap is read off the metadata.
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        let d = read_file(&path).unwrap_err();
        assert_eq!(d.code, Code::FILE_TOO_LARGE);
        assert_eq!(
            d.message,
            format!(
                "`{}` is {} bytes, more than the {MAX_FILE_BYTES} bytes writ reads",
                path.display(),
                MAX_FILE_BYTES + 1
            )
        );
        // The same size is a compiled file's to read: what stops it here
        // is its content, all NULs, which is no JSON.
        let d = compiled::read_compiled(&path).unwrap_err();
        assert_eq!(d.code, Code::NOT_COMPILED);
        f.set_len(MAX_COMPILED_BYTES + 1).unwrap();
        let d = compiled::read_compiled(&path).unwrap_err();
        assert_eq!(d.code, Code::FILE_TOO_LARGE);
        assert!(d.message.contains(&MAX_COMPILED_BYTES.to_string()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
