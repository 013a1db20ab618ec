//! `writ lsp`: a language server on standard input and output.
//!
//! A front end beside `cli`: it parses the protocol's messages and calls
//! `load`, `api`, the analyses, `ide` and `render`, as the command line
//! does. It is synchronous (`lsp-server`, as rust-analyzer uses): one
//! thread reads messages and answers them in order.
//!
//! Checking is debounced by coalescing: after a message, every message
//! already waiting is handled before anything is checked, so a burst of
//! edits is checked once, and a single edit at once. Lints and tests run
//! when a document is opened or saved. A failure inside a request becomes
//! an error response; nothing the client sends stops the server but
//! `exit`.

pub mod convert;
mod features;
pub mod world;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use world::World;

/// Runs the server on standard input and output until the client says
/// `exit`. `Err` carries a message for standard error: the connection
/// failed, or the client exited without `shutdown`.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io) = Connection::stdio();
    serve(connection)?;
    io.join().map_err(|e| format!("writ lsp: {e}"))
}

/// Serves one client on `connection` (standard input and output, or a
/// memory pipe in the benchmarks).
pub fn serve(connection: Connection) -> Result<(), String> {
    let capabilities = serde_json::to_value(capabilities()).expect("capabilities serialise");
    let params = connection
        .initialize(capabilities)
        .map_err(|e| format!("writ lsp: {e}"))?;
    let params: lsp::InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let mut server = Server {
        connection,
        world: World::default(),
        published: HashMap::new(),
        explain_dir: features::explain_pages(),
        shutdown: false,
    };
    server.world.roots = roots(&params);
    server.run()
}

fn roots(params: &lsp::InitializeParams) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| convert::uri_to_path(&f.uri))
        .collect();
    #[allow(deprecated)]
    if out.is_empty()
        && let Some(uri) = &params.root_uri
        && let Some(p) = convert::uri_to_path(uri)
    {
        out.push(p);
    }
    out
}

/// What the server offers.
fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![
                " ".into(),
                "=".into(),
                "{".into(),
                ",".into(),
                ".".into(),
            ]),
            ..Default::default()
        }),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        code_lens_provider: Some(lsp::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        folding_range_provider: Some(lsp::FoldingRangeProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(
            lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp::SemanticTokensOptions {
                    legend: features::legend(),
                    full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    work_done_progress_options: Default::default(),
                },
            ),
        ),
        ..Default::default()
    }
}

struct Server {
    connection: Connection,
    world: World,
    /// What is shown for each file: by the document whose analysis found
    /// it (a used vocabulary's error shows on the vocabulary, found by the
    /// policy that uses it).
    published: HashMap<PathBuf, BTreeMap<PathBuf, Vec<lsp::Diagnostic>>>,
    /// Where the `explain` pages were written, for the codes' links.
    explain_dir: Option<PathBuf>,
    shutdown: bool,
}

/// The outcome of handling one message.
enum Flow {
    Continue,
    Exit(Result<(), String>),
}

impl Server {
    fn run(&mut self) -> Result<(), String> {
        let receiver = self.connection.receiver.clone();
        // Documents to lint and test once checked: opened or saved.
        let mut full: HashSet<PathBuf> = HashSet::new();
        while let Ok(msg) = receiver.recv() {
            if let Flow::Exit(r) = self.handle(msg, &mut full) {
                return r;
            }
            // Coalesce: handle what is already waiting before checking.
            while let Ok(msg) = receiver.try_recv() {
                if let Flow::Exit(r) = self.handle(msg, &mut full) {
                    return r;
                }
            }
            self.publish_dirty(&mut full);
        }
        Ok(())
    }

    fn handle(&mut self, msg: Message, full: &mut HashSet<PathBuf>) -> Flow {
        match msg {
            Message::Request(req) => {
                if self.shutdown {
                    self.respond(Response::new_err(
                        req.id,
                        ErrorCode::InvalidRequest as i32,
                        "the server is shutting down".into(),
                    ));
                    return Flow::Continue;
                }
                if req.method == lsp::request::Shutdown::METHOD {
                    self.shutdown = true;
                    self.respond(Response::new_ok(req.id, ()));
                    return Flow::Continue;
                }
                self.request(req);
                Flow::Continue
            }
            Message::Notification(n) => {
                if n.method == lsp::notification::Exit::METHOD {
                    return Flow::Exit(if self.shutdown {
                        Ok(())
                    } else {
                        Err("writ lsp: the client exited without `shutdown`".to_string())
                    });
                }
                self.notification(n, full);
                Flow::Continue
            }
            Message::Response(_) => Flow::Continue,
        }
    }

    fn respond(&self, r: Response) {
        let _ = self.connection.sender.send(Message::Response(r));
    }

    fn notify<N: lsp::notification::Notification>(&self, params: N::Params) {
        let _ = self
            .connection
            .sender
            .send(Message::Notification(Notification::new(
                N::METHOD.to_string(),
                params,
            )));
    }

    /// Logs a message in the client's output.
    fn log(&self, typ: lsp::MessageType, message: String) {
        self.notify::<lsp::notification::LogMessage>(lsp::LogMessageParams { typ, message });
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        let method = req.method.clone();
        // A bug in a handler must not take the editor's server down: it
        // becomes an error response and a log line.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            features::dispatch(&mut self.world, req)
        }));
        let response = match result {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(Failure::Unknown)) => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("writ lsp does not handle `{method}`"),
            ),
            Ok(Err(Failure::Params(e))) => Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("bad parameters for `{method}`: {e}"),
            ),
            Ok(Err(Failure::Refused(e))) => {
                Response::new_err(id, ErrorCode::RequestFailed as i32, e)
            }
            Err(panic) => {
                let what = panic_message(&panic);
                self.log(
                    lsp::MessageType::ERROR,
                    format!("writ lsp: `{method}` failed: {what}"),
                );
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("`{method}` failed inside writ: {what}"),
                )
            }
        };
        self.respond(response);
    }

    fn notification(&mut self, n: Notification, full: &mut HashSet<PathBuf>) {
        let method = n.method.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.notification_inner(n, full)
        }));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self.log(
                lsp::MessageType::WARNING,
                format!("writ lsp: `{method}`: {e}"),
            ),
            Err(panic) => self.log(
                lsp::MessageType::ERROR,
                format!("writ lsp: `{method}` failed: {}", panic_message(&panic)),
            ),
        }
    }

    fn notification_inner(
        &mut self,
        n: Notification,
        full: &mut HashSet<PathBuf>,
    ) -> Result<(), String> {
        use lsp::notification::*;
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let p: lsp::DidOpenTextDocumentParams = params(n)?;
                let Some(path) = convert::uri_to_path(&p.text_document.uri) else {
                    return Ok(());
                };
                let key = self
                    .world
                    .open(path, p.text_document.version, p.text_document.text);
                full.insert(key);
            }
            DidChangeTextDocument::METHOD => {
                let p: lsp::DidChangeTextDocumentParams = params(n)?;
                let Some(path) = convert::uri_to_path(&p.text_document.uri) else {
                    return Ok(());
                };
                let key = crate::load::Overlay::key(&path);
                // Full synchronisation: the last change holds the text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return Ok(());
                };
                // A change to a document that is not open is ignored: the
                // disk has the file's text.
                let Some(doc) = self.world.docs.get_mut(&key) else {
                    return Ok(());
                };
                doc.version = p.text_document.version;
                // Lints and tests are of the saved text; they go until the
                // next save.
                if let Some(a) = &mut doc.analysis {
                    a.lints = None;
                    a.tests = None;
                }
                self.world.overlay.set(&key, change.text);
                self.world.touch(&key);
            }
            DidSaveTextDocument::METHOD => {
                let p: lsp::DidSaveTextDocumentParams = params(n)?;
                if let Some(path) = convert::uri_to_path(&p.text_document.uri) {
                    let key = crate::load::Overlay::key(&path);
                    // The documents that read the saved one are linted
                    // and tested again too.
                    for (k, doc) in &self.world.docs {
                        let reads = doc
                            .analysis
                            .as_ref()
                            .is_some_and(|a| a.reads.contains(&key));
                        if *k == key || reads {
                            full.insert(k.clone());
                        }
                    }
                    self.world.touch(&key);
                }
            }
            DidChangeWatchedFiles::METHOD => {
                // A file changed on disk: the documents that read it are
                // checked again (an open document is read from its buffer,
                // so its own change on disk changes nothing).
                let p: lsp::DidChangeWatchedFilesParams = params(n)?;
                for change in p.changes {
                    if let Some(path) = convert::uri_to_path(&change.uri) {
                        let key = crate::load::Overlay::key(&path);
                        if !self.world.docs.contains_key(&key) {
                            self.world.touch(&key);
                        }
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                let p: lsp::DidCloseTextDocumentParams = params(n)?;
                if let Some(path) = convert::uri_to_path(&p.text_document.uri) {
                    let key = crate::load::Overlay::key(&path);
                    self.world.docs.remove(&key);
                    self.world.overlay.remove(&key);
                    self.world.touch(&key);
                    // What this document's analysis published goes with it.
                    let mut changed = Vec::new();
                    for (file, by) in &mut self.published {
                        if by.remove(&key).is_some() {
                            changed.push(file.clone());
                        }
                    }
                    for file in changed {
                        self.send_diagnostics(&file);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks every document that changed (linting and testing those in
    /// `full`) and publishes what it found.
    fn publish_dirty(&mut self, full: &mut HashSet<PathBuf>) {
        let dirty: Vec<PathBuf> = self
            .world
            .docs
            .iter()
            .filter(|(k, d)| d.dirty || full.contains(*k))
            .map(|(k, _)| k.clone())
            .collect();
        for key in dirty {
            let with_lints = full.remove(&key);
            let explain = self.explain_dir.clone();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                features::diagnostics(&mut self.world, &key, with_lints, explain.as_deref())
            }));
            let found = match result {
                Ok(found) => found,
                Err(panic) => {
                    self.log(
                        lsp::MessageType::ERROR,
                        format!(
                            "writ lsp: checking `{}` failed: {}",
                            key.display(),
                            panic_message(&panic)
                        ),
                    );
                    continue;
                }
            };
            // The files this document reported on before, and now.
            let mut touched: HashSet<PathBuf> = HashSet::new();
            for (file, by) in &mut self.published {
                if by.remove(&key).is_some() {
                    touched.insert(file.clone());
                }
            }
            for (file, ds) in found {
                self.published
                    .entry(file.clone())
                    .or_default()
                    .insert(key.clone(), ds);
                touched.insert(file);
            }
            for file in touched {
                self.send_diagnostics(&file);
            }
        }
    }

    fn send_diagnostics(&self, file: &PathBuf) {
        let Some(by) = self.published.get(file) else {
            return;
        };
        let mut seen = HashSet::new();
        let diagnostics: Vec<lsp::Diagnostic> = by
            .values()
            .flatten()
            .filter(|d| seen.insert((d.range.start, d.range.end, d.message.clone())))
            .cloned()
            .collect();
        let version = self.world.docs.get(file).map(|d| d.version);
        let uri = match self.world.docs.get(file) {
            Some(doc) => convert::path_to_uri(&doc.path),
            None => convert::path_to_uri(file),
        };
        self.notify::<lsp::notification::PublishDiagnostics>(lsp::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        });
    }
}

/// Why a request got no result.
pub(crate) enum Failure {
    /// A method the server does not handle.
    Unknown,
    /// Parameters that do not parse.
    Params(String),
    /// A request that cannot be done (a rename to a keyword), with why.
    Refused(String),
}

fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Result<P, String> {
    serde_json::from_value(n.params).map_err(|e| e.to_string())
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}
