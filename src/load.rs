//! Loading: a file path in, every file it (transitively) `use`s parsed, out.
//!
//! Each file is read and parsed once, however often it is used; paths in
//! `use` are relative to the file that says them. The loader reports files it
//! cannot read, files that are not UTF-8, `use` cycles, and used files that
//! hold more than declarations, each with the `use` that led there. It is the
//! only part of the library that touches the file system (besides the CLI's
//! writing of output).

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{ItemKind, SourceFile};
use crate::syntax::lex::Comment;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The largest file `writ` reads (E0015).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// One file that was read and parsed.
#[derive(Debug)]
pub struct LoadedFile {
    /// Its id in the source map.
    pub id: FileId,
    /// Its syntax tree, if it parsed.
    pub ast: Option<SourceFile>,
    /// Its comments (the formatter needs them).
    pub comments: Vec<Comment>,
    /// For each `use` item, in order: the item's index and the file it
    /// names, if that file could be loaded.
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
    /// items with each `use` replaced, in place, by the used file's items
    /// (each file spliced once, at its first use). Declaration order in this
    /// sequence is the order attributes are compiled in.
    pub fn items_in_scope(&self) -> Vec<(FileId, usize)> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        self.splice(self.root, &mut seen, &mut out);
        out
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
                if let Some(t) = target {
                    self.splice(t, seen, out);
                }
                continue;
            }
            out.push((file, i));
        }
    }

    /// The syntax tree of a loaded file that parsed.
    pub fn ast(&self, file: FileId) -> &SourceFile {
        self.files[&file]
            .ast
            .as_ref()
            .expect("only files that parsed have items in scope")
    }
}

/// Why a root file could not be loaded at all.
#[derive(Debug)]
pub enum LoadError {
    /// The file named on the command line could not be read (exit status 2).
    Io(Box<Diagnostic>),
}

/// Reads `path` and every file it uses into `map`. Problems inside the files
/// (syntax errors, cycles, bad `use`s) are returned as diagnostics next to
/// the result; only an unreadable root is an `Err`.
pub fn load(map: &mut SourceMap, path: &Path) -> Result<(Loaded, Vec<Diagnostic>), LoadError> {
    let mut loader = Loader {
        map,
        by_path: HashMap::new(),
        files: HashMap::new(),
        stack: Vec::new(),
        diagnostics: Vec::new(),
    };
    let text =
        read_text(path).map_err(|e| LoadError::Io(Box::new(e.into_diagnostic(path, None))))?;
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

struct Loader<'a> {
    map: &'a mut SourceMap,
    by_path: HashMap<PathBuf, FileId>,
    files: HashMap<FileId, LoadedFile>,
    /// The files being loaded, outermost first, with the `use` that led to
    /// each (for cycle reports).
    stack: Vec<(PathBuf, Option<Span>)>,
    diagnostics: Vec<Diagnostic>,
}

/// A read failure, before it knows where to point.
enum ReadError {
    Missing,
    Directory,
    TooLarge(u64),
    Other(std::io::Error),
}

impl ReadError {
    fn into_diagnostic(self, path: &Path, used_at: Option<Span>) -> Diagnostic {
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
            .help("name a `.policy` or `.vocab` file"),
            ReadError::TooLarge(n) => Diagnostic::error(
                Code::FILE_TOO_LARGE,
                format!("`{shown}` is {n} bytes, more than the {MAX_FILE_BYTES} bytes writ reads"),
            ),
            ReadError::Other(e) => {
                Diagnostic::error(Code::UNREADABLE, format!("cannot read `{shown}`: {e}"))
            }
        };
        match used_at {
            Some(span) => d
                .at(span, "used here")
                .note("paths in `use` are relative to the file that says them"),
            None => d,
        }
    }
}

/// Reads a file as text. The outer error is an I/O failure; the inner one a
/// file that was read but is not UTF-8 (a problem with the input itself).
fn read_text(path: &Path) -> Result<Result<String, (usize, usize)>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ => ReadError::Other(e),
    })?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(path).map_err(ReadError::Other)?;
    let len = bytes.len();
    Ok(String::from_utf8(bytes).map_err(|e| (e.utf8_error().valid_up_to(), len)))
}

/// Reads one file as text, for commands that do not follow `use` (the
/// formatter). Every failure is a diagnostic without a place.
pub fn read_file(path: &Path) -> Result<String, Box<Diagnostic>> {
    match read_text(path) {
        Ok(Ok(text)) => Ok(text),
        Ok(Err((offset, _))) => Err(Box::new(utf8_error(path, offset))),
        Err(e) => Err(Box::new(e.into_diagnostic(path, None))),
    }
}

fn utf8_error(path: &Path, offset: usize) -> Diagnostic {
    Diagnostic::error(
        Code::NOT_UTF8,
        format!(
            "`{}` is not UTF-8 text (invalid byte at offset {offset})",
            path.display()
        ),
    )
    .help("policy files must be UTF-8; check that the right file was named")
}

impl Loader<'_> {
    /// Records a root that was read but is not text: an empty source stands
    /// in for it so the result still has a root.
    fn fail_root(&mut self, path: &Path, (offset, _): (usize, usize)) -> Loaded {
        let id = self.map.add(path.display().to_string(), String::new());
        self.diagnostics.push(utf8_error(path, offset));
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

    fn add(&mut self, path: &Path, text: String, used_at: Option<Span>) -> FileId {
        let id = self.map.add(path.display().to_string(), text);
        let key = canonical(path);
        self.by_path.insert(key.clone(), id);
        let parsed = crate::syntax::parse(id, self.map.text(id));
        self.diagnostics.extend(parsed.diagnostics);
        self.stack.push((key, used_at));
        let mut uses = Vec::new();
        if let Some(ast) = &parsed.file {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let targets: Vec<(usize, String, Span)> = ast
                .items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match &item.kind {
                    ItemKind::Use(s) => Some((i, s.value.clone(), item.span)),
                    _ => None,
                })
                .collect();
            for (i, target, span) in targets {
                uses.push((i, self.follow(&dir.join(&target), span)));
            }
        }
        self.stack.pop();
        if let (Some(span), Some(ast)) = (used_at, &parsed.file)
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
                    format!("`{}` is used as a vocabulary but holds a `{}` item", path.display(), bad.kind.keyword()),
                )
                .at(bad.span, "not a declaration")
                .also(span, "used as a vocabulary here")
                .note("a vocabulary may only hold `use`, `type`, `group`, `attribute` and `decision` items");
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

    /// Loads the file a `use` names, or reports why it cannot.
    fn follow(&mut self, path: &Path, used_at: Span) -> Option<FileId> {
        let path = tidy(path);
        let key = canonical(&path);
        if let Some(pos) = self.stack.iter().position(|(p, _)| *p == key) {
            let chain: Vec<String> = self.stack[pos..]
                .iter()
                .map(|(p, _)| display_name(p))
                .chain(std::iter::once(display_name(&key)))
                .collect();
            let mut d = Diagnostic::error(
                Code::USE_CYCLE,
                format!("`use` cycle: {}", chain.join(" → ")),
            )
            .at(used_at, "this `use` closes the cycle");
            for (_, at) in &self.stack[pos + 1..] {
                if let Some(at) = at {
                    d = d.also(*at, "part of the cycle");
                }
            }
            self.diagnostics
                .push(d.help("move the shared declarations into a file that neither uses"));
            return None;
        }
        if let Some(&id) = self.by_path.get(&key) {
            return Some(id);
        }
        match read_text(&path) {
            Ok(Ok(text)) => Some(self.add(&path, text, Some(used_at))),
            Ok(Err((offset, _))) => {
                self.diagnostics
                    .push(utf8_error(&path, offset).at(used_at, "used here"));
                None
            }
            Err(e) => {
                self.diagnostics
                    .push(e.into_diagnostic(&path, Some(used_at)));
                None
            }
        }
    }
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
