//! `writ lsp` as an editor meets it: real messages over pipes to the
//! release binary, on a generated policy of 1,000 rules
//! (`synth::decision_table`). Run with `cargo bench --bench lsp`.
//!
//! * `diagnostics_after_change`: from sending `didChange` to receiving
//!   the `publishDiagnostics` of that version (a full check each time:
//!   every change alters the text).
//! * `hover` and `completion`: one request each, answered from the
//!   analysis kept since the last change.

#[path = "../tests/common/lsp.rs"]
mod client;

use client::{Client, uri};
use serde_json::json;
use std::sync::Mutex;

fn main() {
    divan::main();
}

struct Session {
    client: Client,
    uri: String,
    text: String,
    version: i64,
    _dir: std::path::PathBuf,
}

fn session() -> &'static Mutex<Session> {
    static S: std::sync::OnceLock<Mutex<Session>> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("writ-lsp-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = writ::synth::decision_table(42, 1_000);
        let path = dir.join("bench.policy");
        std::fs::write(&path, &text).unwrap();
        let mut client = Client::start(env!("CARGO_BIN_EXE_writ"));
        client.initialize(&dir);
        let uri = uri(&path);
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "writ", "version": 1, "text": text}}),
        );
        client.diagnostics_where(&uri, |_| true);
        Mutex::new(Session {
            client,
            uri,
            text,
            version: 1,
            _dir: dir,
        })
    })
}

/// The position just after the first `needle` in `text`.
fn after(text: &str, needle: &str) -> serde_json::Value {
    let at = text.find(needle).expect("present") + needle.len();
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col})
}

#[divan::bench(sample_count = 50)]
fn diagnostics_after_change(bencher: divan::Bencher) {
    let mut s = session().lock().unwrap();
    bencher.bench_local(|| {
        s.version += 1;
        // A comment that differs each time: the text changes, the policy not.
        let text = format!("{}# edit {}\n", s.text, s.version);
        let (uri, version) = (s.uri.clone(), s.version);
        s.client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
        let n = s.client.notifications.len();
        s.client.diagnostics_where(&uri, |_| true);
        let _ = n;
    });
}

#[divan::bench(sample_count = 200)]
fn hover(bencher: divan::Bencher) {
    let mut s = session().lock().unwrap();
    let p = after(&s.text, "rule r500: when a");
    let uri = s.uri.clone();
    bencher.bench_local(|| {
        let r = s.client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": p}),
        );
        assert!(r["result"].is_object(), "{r}");
    });
}

#[divan::bench(sample_count = 200)]
fn completion(bencher: divan::Bencher) {
    let mut s = session().lock().unwrap();
    let line = s.text[..s.text.find("rule r500:").unwrap()]
        .matches('\n')
        .count();
    let p = after(&s.text, "rule r500: when ");
    let p = json!({"line": line, "character": p["character"]});
    let uri = s.uri.clone();
    bencher.bench_local(|| {
        let r = s.client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": p}),
        );
        assert!(r["result"].as_array().is_some_and(|a| !a.is_empty()), "{r}");
    });
}

/// Hover on a rule's name: its outcome, `because`, the cases its condition
/// matches (counted on each hover) and the cases it decides (counted once
/// per change, for every rule).
#[divan::bench(sample_count = 200)]
fn hover_rule(bencher: divan::Bencher) {
    let mut s = session().lock().unwrap();
    let p = after(&s.text, "rule r50");
    let uri = s.uri.clone();
    bencher.bench_local(|| {
        let r = s.client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": p}),
        );
        let text = r["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains("decides") || text.contains("dead"), "{r}");
    });
}
