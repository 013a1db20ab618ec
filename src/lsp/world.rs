//! What the server knows: the open documents (the overlay the loader reads
//! them from), the workspace's folders, and one analysis per open
//! document, redone when the document or a file it reads changes.

use crate::analysis::lint;
use crate::api::{self, CheckReport};
use crate::check::Policy;
use crate::diag::{Count, Diagnostic};
use crate::ide::index::Index;
use crate::load::{self, Loaded, Overlay, Project};
use crate::source::{FileId, SourceMap};
use crate::testing::TestResult;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One open document.
pub struct Doc {
    /// Its path (documents that are not files are not served).
    pub path: PathBuf,
    /// The editor's version of it.
    pub version: i32,
    /// Whether it changed since its last analysis.
    pub dirty: bool,
    /// The analysis of its current text, once made.
    pub analysis: Option<Analysis>,
}

/// Everything the server computed for one document as the root file: its
/// files, its checked form and diagram, its names, and (after a save or
/// when asked) its lints, tests and per-rule counts.
pub struct Analysis {
    /// The text of every file read.
    pub map: SourceMap,
    /// The document's own file in `map`.
    pub root: FileId,
    /// The files read, when the root could be read.
    pub loaded: Option<Loaded>,
    /// The checker's result (diagnostics; the policy when it has no errors).
    pub report: CheckReport,
    /// Every name in the files read, resolved.
    pub index: Index,
    /// The paths of the files read, under the overlay's keys: a change to
    /// one of them redoes this analysis.
    pub reads: Vec<PathBuf>,
    /// The lints' diagnostics, once run.
    pub lints: Option<Vec<Diagnostic>>,
    /// The tests' results, once run (`None` inside: the policy could not be
    /// compiled for them).
    pub tests: Option<Option<Vec<TestResult>>>,
    /// How many cases each rule decides, once counted.
    pub decided: Option<Option<Vec<Count>>>,
}

impl Analysis {
    /// Loads and checks `path` as the overlay has it, within `project`, and
    /// indexes its names.
    pub fn new(path: &Path, overlay: &Overlay, project: &Project) -> Analysis {
        let mut map = SourceMap::new();
        let (loaded, report) = match load::load_with(&mut map, path, overlay, Some(project)) {
            Ok((loaded, diagnostics)) => {
                let report =
                    api::check_loaded(&map, &loaded, diagnostics, &api::CheckOptions::default());
                (Some(loaded), report)
            }
            Err(load::LoadError::Io(d)) => (
                None,
                CheckReport {
                    policy: None,
                    diagram: None,
                    is_vocabulary: false,
                    diagnostics: vec![*d],
                },
            ),
        };
        let root = match &loaded {
            Some(l) => l.root,
            None => map.add(path.display().to_string(), String::new()),
        };
        let index = match &loaded {
            Some(l) => Index::build(l, &map),
            None => Index::build(
                &Loaded {
                    root,
                    files: HashMap::new(),
                },
                &map,
            ),
        };
        let reads = map
            .ids()
            .map(|id| Overlay::key(Path::new(map.name(id))))
            .collect();
        Analysis {
            map,
            root,
            loaded,
            report,
            index,
            reads,
            lints: None,
            tests: None,
            decided: None,
        }
    }

    /// The checked policy, when the document is a policy without errors.
    pub fn policy(&self) -> Option<&Policy> {
        self.report.policy.as_ref()
    }

    /// Runs the lints (once).
    pub fn lint(&mut self) -> &[Diagnostic] {
        if self.lints.is_none() {
            let found = match &self.report.policy {
                Some(p) => match lint::lint(p, &lint::Options::default()) {
                    Ok(ds) => ds,
                    Err(e) => vec![api::too_large(p, &e, api::Purpose::Lint)],
                },
                None => Vec::new(),
            };
            self.lints = Some(found);
        }
        self.lints.as_deref().unwrap_or_default()
    }

    /// Runs the tests (once); `None` when the policy has errors or its
    /// diagram is past the budget.
    pub fn tests(&mut self) -> Option<&[TestResult]> {
        if self.tests.is_none() {
            let results = match (&self.report.policy, &mut self.report.diagram) {
                (Some(p), Some(d)) if !d.outcomes_only => Some(crate::testing::run_tests(p, d)),
                (Some(p), _) => {
                    crate::testing::run_policy_tests(p, &crate::compile::Options::default()).ok()
                }
                _ => None,
            };
            self.tests = Some(results);
        }
        self.tests.as_ref().and_then(|t| t.as_deref())
    }

    /// How many cases each rule decides (once); `None` when the policy has
    /// errors or its diagram is past the budget.
    pub fn decided(&mut self) -> Option<&[Count]> {
        if self.decided.is_none() {
            self.ensure_diagram();
            let counts = match (&self.report.policy, &self.report.diagram) {
                (Some(p), Some(d)) => Some(crate::analysis::rules::decided(p, d)),
                _ => None,
            };
            self.decided = Some(counts);
        }
        self.decided.as_ref().and_then(|c| c.as_deref())
    }

    /// Compiles the policy's diagram when checking did not need it.
    pub fn ensure_diagram(&mut self) {
        let ok =
            self.report.diagram.as_ref().is_some_and(|d| {
                !d.outcomes_only && d.order.iter().enumerate().all(|(i, &a)| i == a)
            });
        if ok {
            return;
        }
        if let Some(p) = &self.report.policy {
            self.report.diagram =
                crate::compile::compile(p, &crate::compile::Options::default()).ok();
        }
    }
}

/// The most files of a workspace the server reads for references,
/// renames and workspace symbols.
pub const MAX_WORKSPACE_FILES: usize = 2_000;

/// The open documents and the workspace.
#[derive(Default)]
pub struct World {
    /// The workspace folders.
    pub roots: Vec<PathBuf>,
    /// The texts of the open documents, as the loader reads them.
    pub overlay: Overlay,
    /// The open documents, by their key (see [`Overlay::key`]).
    pub docs: HashMap<PathBuf, Doc>,
}

impl World {
    /// Opens or replaces a document.
    pub fn open(&mut self, path: PathBuf, version: i32, text: String) -> PathBuf {
        let key = Overlay::key(&path);
        self.overlay.set(&key, text);
        self.docs.insert(
            key.clone(),
            Doc {
                path,
                version,
                dirty: true,
                analysis: None,
            },
        );
        self.touch(&key);
        key
    }

    /// Marks every document that reads `key` for a new analysis.
    pub fn touch(&mut self, key: &Path) {
        for (k, doc) in &mut self.docs {
            let reads = doc
                .analysis
                .as_ref()
                .is_some_and(|a| a.reads.iter().any(|r| r == key));
            if k == key || reads {
                doc.dirty = true;
            }
        }
    }

    /// The policy and vocabulary files of the workspace folders, at most
    /// [`MAX_WORKSPACE_FILES`], skipping hidden folders and build output:
    /// what references, renames and workspace symbols reach beyond the
    /// open documents.
    pub fn workspace_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack: Vec<(PathBuf, usize)> = self.roots.iter().map(|r| (r.clone(), 0)).collect();
        while let Some((dir, depth)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let name = e.file_name();
                let name = name.to_string_lossy();
                let Ok(kind) = e.file_type() else { continue };
                if kind.is_dir() {
                    let skip = name.starts_with('.') || name == "target" || name == "node_modules";
                    if !skip && depth < 16 {
                        stack.push((e.path(), depth + 1));
                    }
                } else if kind.is_file() && (name.ends_with(".policy") || name.ends_with(".vocab"))
                {
                    out.push(Overlay::key(&e.path()));
                    if out.len() >= MAX_WORKSPACE_FILES {
                        return out;
                    }
                }
            }
        }
        out
    }

    /// The text of an open document.
    pub fn text(&self, key: &Path) -> Option<&str> {
        self.overlay.get(key)
    }

    /// The analysis of an open document, redone first if it is stale.
    pub fn analysis(&mut self, key: &Path) -> Option<&mut Analysis> {
        let project = self.project_of(key);
        let doc = self.docs.get_mut(key)?;
        if doc.dirty || doc.analysis.is_none() {
            doc.analysis = Some(Analysis::new(&doc.path, &self.overlay, &project));
            doc.dirty = false;
        }
        doc.analysis.as_mut()
    }

    /// The project a file is checked in: the innermost workspace folder
    /// that holds it, else its own project (SPEC section 1). A policy in a
    /// shared workspace reads nothing outside it.
    pub fn project_of(&self, path: &Path) -> Project {
        let key = Overlay::key(path);
        self.roots
            .iter()
            .filter_map(|r| Project::at(r).ok())
            .filter(|p| p.contains(&key))
            .max_by_key(|p| p.root().components().count())
            .unwrap_or_else(|| Project::of(path))
    }
}
