//! Writing results: to stdout, or to a file replaced atomically, never
//! onto one of the command's own inputs.

use super::Exit;
use std::io::Write;
use std::path::{Path, PathBuf};
use writ::diag::{Code, Diagnostic};
use writ::source::SourceMap;

/// The name standard input goes by in diagnostics.
pub const STDIN: &str = "<stdin>";

/// Whether a FILE operand means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes `text` to stdout. A reader that stops early (`| head`) is not an
/// error.
pub fn write_stdout(text: &str) -> Result<(), Box<Diagnostic>> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Box::new(Diagnostic::error(
            Code::UNREADABLE,
            format!("cannot write the output: {e}"),
        ))),
        _ => Ok(()),
    }
}

/// The file a write to `path` lands in: through symbolic links, so that
/// formatting a link rewrites the file it points to and keeps the link.
pub fn write_target(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Refuses an output path that is one of the files the command read (the
/// policy, or anything it `use`s or `extends`), so `-o` cannot overwrite
/// its own source.
pub fn refuse_input(output: &Path, map: &SourceMap) -> Result<(), Box<Diagnostic>> {
    match input_at(output, map) {
        Some(id) => Err(Box::new(
            Diagnostic::error(
                Code::INVALID_ARGUMENT,
                format!(
                    "`-o {}` would overwrite `{}`, which this command reads",
                    output.display(),
                    map.name(id)
                ),
            )
            .help("write the output to another file"),
        )),
        None => Ok(()),
    }
}

/// The input a write to `output` would land on, if any: the same file,
/// however it is spelled or linked.
pub fn input_at(output: &Path, map: &SourceMap) -> Option<writ::source::FileId> {
    // An output that does not exist yet cannot be an input.
    let target = std::fs::canonicalize(output).ok()?;
    map.ids()
        .find(|&id| std::fs::canonicalize(map.name(id)).is_ok_and(|p| p == target))
}

/// Writes `text` to a temporary file beside `path`'s target and renames it
/// over the target, so that an interrupted write never leaves a
/// half-written file. Follows symbolic links: the link stays, the file it
/// points to changes.
///
/// A target that exists and is not a regular file (`/dev/null`, a FIFO, a
/// terminal) is written to, never renamed over: renaming would replace the
/// device with a plain file, and `-o /dev/null` run as root would then
/// break every later program that reads `/dev/null`.
pub fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let path = &write_target(path);
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        return f.write_all(text.as_bytes()).and_then(|()| f.flush());
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.writ-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The diagnostic for an output that cannot be written, and its status.
pub fn cannot_write(path: &Path, e: &std::io::Error) -> (Diagnostic, Exit) {
    (
        Diagnostic::error(
            Code::UNREADABLE,
            format!("cannot write `{}`: {e}", path.display()),
        ),
        Exit::Usage,
    )
}
