//! A language-server client for the tests and the benchmark: it starts
//! `writ lsp` on pipes and speaks the protocol as an editor does (framed
//! JSON-RPC, requests with ids, notifications, answering nothing the
//! server asks).

#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// A running `writ lsp` and what it has sent.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received and not yet taken.
    pub notifications: Vec<Value>,
}

/// How long any one answer may take before a test fails instead of
/// hanging.
pub const PATIENCE: Duration = Duration::from_secs(60);

impl Client {
    /// Starts `writ lsp` (the binary at `exe`).
    pub fn start(exe: &str) -> Client {
        let mut child = Command::new(exe)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("writ lsp starts");
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut r) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            incoming: rx,
            next_id: 1,
            notifications: Vec::new(),
        }
    }

    fn send(&mut self, msg: &Value) {
        let body = serde_json::to_string(msg).expect("json");
        let stdin = self.stdin.as_mut().expect("open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        stdin.flush().expect("flush");
    }

    /// Sends a request and returns its id.
    pub fn request_async(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and waits for its response (the whole message,
    /// `result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.request_async(method, params);
        self.response(id)
    }

    /// Waits for the response to request `id`, keeping notifications.
    pub fn response(&mut self, id: i64) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let msg = self
                .next(deadline)
                .unwrap_or_else(|| panic!("no response to request {id}"));
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            if msg.get("method").is_some() && msg.get("id").is_none() {
                self.notifications.push(msg);
            }
        }
    }

    fn next(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.incoming.recv_timeout(left).ok()
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// `initialize` with `root` as the workspace folder, then `initialized`.
    pub fn initialize(&mut self, root: &std::path::Path) -> Value {
        let uri = uri(root);
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "w"}],
                "capabilities": {}
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    /// Waits for the next `publishDiagnostics` for `uri` that `accept`
    /// takes, returning its diagnostics.
    pub fn diagnostics_where(
        &mut self,
        uri: &str,
        accept: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        let mut i = 0;
        loop {
            while i < self.notifications.len() {
                let n = &self.notifications[i];
                if n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri {
                    let ds = n["params"]["diagnostics"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    if accept(&ds) {
                        self.notifications.drain(..=i);
                        return ds;
                    }
                }
                i += 1;
            }
            let msg = self.next(deadline).unwrap_or_else(|| {
                panic!(
                    "no accepted diagnostics for {uri}; got {:#?}",
                    self.notifications
                )
            });
            self.notifications.push(msg);
        }
    }

    /// Sends `shutdown` and `exit`, and returns the exit status.
    pub fn shutdown(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "writ lsp did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `file:` URI for a path (the tests' paths need no escaping beyond
/// spaces).
pub fn uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display().to_string().replace(' ', "%20"))
}

/// Reads one framed message; `None` at the end of the stream.
pub fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
