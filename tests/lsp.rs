//! `writ lsp` driven over pipes as an editor drives it: a policy that uses a
//! vocabulary, with two syntax errors and a type error, then hover,
//! definition, completion, references, rename across files, a quick fix,
//! formatting, a change that fixes the file, and a clean exit.

mod common;

use common::Scratch;
use common::lsp::{Client, uri};
use serde_json::{Value, json};

const VOCAB: &str = "\
type Location = { US, Ireland, other_foreign }
attribute location: Location \"where the data is stored\"
attribute instrument: { SCA_warrant, subpoena }
decision outcome: { compel, quash }
";

const BROKEN: &str = "\
policy p
use \"v.vocab\"
resolve first
default quash

rule home: when location = US then compel because \"stored at home\"
when location = Irland then quash
rule broken when instrument = subpoena then compel
when instrument = SCA_warrant thn compel
test \"home compels\": given location = US expect compel
";

const FIXED: &str = "\
policy p
use \"v.vocab\"
resolve first
default quash

rule home: when location = US then compel because \"stored at home\"
when   location = Ireland then quash
test \"home compels\": given location = US expect compel
test \"📦 🏠 stored in Ireland\": given location = Ireland expect quash
";

/// The position of the `n`th occurrence (from 0) of `needle` in `text`,
/// plus `shift` columns, in UTF-16 code units as the protocol counts them.
fn pos(text: &str, needle: &str, n: usize, shift: u32) -> Value {
    let at = text.match_indices(needle).nth(n).expect("needle present").0;
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let col = text[start..at].encode_utf16().count();
    json!({"line": line, "character": col as u32 + shift})
}

fn errors(ds: &[Value]) -> Vec<&Value> {
    ds.iter().filter(|d| d["severity"] == 1).collect()
}

#[test]
fn an_editor_session() {
    let dir = Scratch::new("lsp-session");
    let vocab = dir.file("v.vocab", VOCAB);
    let policy = dir.file("p.policy", BROKEN);
    let (vu, pu) = (uri(&vocab), uri(&policy));
    let mut c = Client::start(env!("CARGO_BIN_EXE_writ"));
    let init = c.initialize(dir.path());
    let caps = &init["result"]["capabilities"];
    for cap in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "renameProvider",
        "completionProvider",
        "codeActionProvider",
        "codeLensProvider",
        "documentFormattingProvider",
        "semanticTokensProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "foldingRangeProvider",
    ] {
        assert!(!caps[cap].is_null(), "{cap} missing: {caps}");
    }
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": pu, "languageId": "writ", "version": 1, "text": BROKEN}}),
    );

    // All three errors arrive: both syntax errors and the unknown value.
    let ds = c.diagnostics_where(&pu, |ds| !ds.is_empty());
    let errs = errors(&ds);
    assert_eq!(errs.len(), 3, "{ds:#?}");
    let codes: Vec<&str> = errs.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "E0001").count(),
        2,
        "{codes:?}"
    );
    let unknown = errs
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("Irland"))
        .expect("the type error");
    assert_eq!(unknown["range"]["start"], pos(BROKEN, "Irland", 0, 0));
    assert!(
        unknown["codeDescription"]["href"]
            .as_str()
            .is_none_or(|h| h.starts_with("file://") && h.ends_with(".md")),
        "{unknown}"
    );

    // Hover on an attribute: its declaration, doc and type.
    let doc = |p: Value| json!({"textDocument": {"uri": pu}, "position": p});
    let h = c.request("textDocument/hover", doc(pos(BROKEN, "location", 0, 2)));
    let text = h["result"]["contents"]["value"]
        .as_str()
        .expect("hover text");
    assert!(text.contains("attribute location: Location"), "{text}");
    assert!(text.contains("where the data is stored"), "{text}");
    assert!(text.contains("`US`, `Ireland`, `other_foreign`"), "{text}");

    // Definition: into the vocabulary.
    let d = c.request(
        "textDocument/definition",
        doc(pos(BROKEN, "location", 0, 2)),
    );
    assert_eq!(d["result"]["uri"], vu, "{d}");
    assert_eq!(
        d["result"]["range"]["start"],
        json!({"line": 1, "character": 10})
    );

    // Completion after `location = `: the values of its type.
    let comp = c.request("textDocument/completion", doc(pos(BROKEN, "= US", 0, 2)));
    let labels: Vec<&str> = comp["result"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    for v in ["US", "Ireland", "other_foreign"] {
        assert!(labels.contains(&v), "{labels:?}");
    }
    assert!(!labels.contains(&"compel"), "{labels:?}");

    // References: the declaration in the vocabulary and every use here.
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": pu}, "position": pos(BROKEN, "location", 1, 0),
               "context": {"includeDeclaration": true}}),
    );
    let refs = refs["result"].as_array().expect("a list").clone();
    let in_vocab = refs.iter().filter(|r| r["uri"] == vu).count();
    let in_policy = refs.iter().filter(|r| r["uri"] == pu).count();
    assert_eq!((in_vocab, in_policy), (1, 3), "{refs:#?}");

    // Rename across files.
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": pu}, "position": pos(BROKEN, "location", 0, 0),
               "newName": "place"}),
    );
    let changes = &r["result"]["changes"];
    assert_eq!(changes[&vu].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(changes[&pu].as_array().map(Vec::len), Some(3), "{r}");
    // A keyword is refused, with why.
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": pu}, "position": pos(BROKEN, "location", 0, 0),
               "newName": "when"}),
    );
    assert!(
        r["error"]["message"].as_str().unwrap().contains("keyword"),
        "{r}"
    );

    // The quick fix for the misspelt value.
    let start = pos(BROKEN, "Irland", 0, 0);
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": pu}, "range": {"start": start, "end": start},
               "context": {"diagnostics": []}}),
    );
    let fix = actions["result"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["title"] == "Replace with `Ireland`")
        .unwrap_or_else(|| panic!("{actions:#}"))
        .clone();
    assert_eq!(fix["edit"]["changes"][&pu][0]["newText"], "Ireland");

    // The file is fixed: the errors go.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": pu, "version": 2}, "contentChanges": [{"text": FIXED}]}),
    );
    let ds = c.diagnostics_where(&pu, |ds| errors(ds).is_empty());
    assert!(errors(&ds).is_empty(), "{ds:#?}");

    // Formatting gives the canonical layout, as `writ fmt` writes it.
    let f = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": pu}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    let edits = f["result"].as_array().expect("edits");
    assert_eq!(edits.len(), 1, "{f}");
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert!(
        formatted.contains("when location = Ireland then quash"),
        "{formatted}"
    );

    // Code lens: the test passes, and each rule says what it decides.
    let lens = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": pu}}),
    );
    let titles: Vec<&str> = lens["result"]
        .as_array()
        .expect("lenses")
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"✓ passed"), "{titles:?}");
    assert!(
        titles.iter().any(|t| t.starts_with("decides ")),
        "{titles:?}"
    );

    // Hover on a rule: its outcome, `because`, and counts.
    let h = c.request("textDocument/hover", doc(pos(FIXED, "home", 0, 1)));
    let text = h["result"]["contents"]["value"]
        .as_str()
        .expect("hover text");
    assert!(text.contains("gives `compel`"), "{text}");
    assert!(text.contains("stored at home"), "{text}");
    assert!(text.contains("decides "), "{text}");

    // Columns are UTF-16 code units: after two emoji (four units, eight
    // bytes), `location` is still found.
    let h = c.request("textDocument/hover", doc(pos(FIXED, "location", 3, 1)));
    let text = h["result"]["contents"]["value"]
        .as_str()
        .expect("hover text");
    assert!(text.contains("attribute location: Location"), "{text}");
    assert_eq!(
        h["result"]["range"]["start"],
        pos(FIXED, "location", 3, 0),
        "{h}"
    );

    // Semantic tokens and symbols answer.
    let t = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": pu}}),
    );
    assert!(
        t["result"]["data"]
            .as_array()
            .is_some_and(|d| !d.is_empty()),
        "{t}"
    );
    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": pu}}),
    );
    assert!(s["result"].as_array().is_some_and(|d| !d.is_empty()), "{s}");

    // An unknown method is an error response, and the server goes on.
    let r = c.request("writ/unknown", json!({}));
    assert!(r["error"].is_object(), "{r}");
    let r = c.request("textDocument/hover", json!({"bad": true}));
    assert!(r["error"].is_object(), "{r}");

    assert_eq!(c.shutdown(), 0);
}

/// The quick fixes that need the policy's meaning: for a lint, `allow` it,
/// add `default undecided` for `incomplete`, or add a test for its region;
/// on the header, a test for the cases no test covers. Each test written
/// passes when added.
#[test]
fn quick_fixes_from_lints_and_coverage() {
    let text = "\
policy q
attribute location: { US, Ireland, other_foreign }
attribute stored: bool
decision outcome: { compel, quash }
when location = US then compel
when location = Ireland and stored then quash
test \"home\": given location = US expect compel
";
    let dir = Scratch::new("lsp-fixes");
    let policy = dir.file("q.policy", text);
    let pu = uri(&policy);
    let mut c = Client::start(env!("CARGO_BIN_EXE_writ"));
    c.initialize(dir.path());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": pu, "languageId": "writ", "version": 1, "text": text}}),
    );
    // Opening lints: `incomplete` (no rule decides `other_foreign`).
    let ds = c.diagnostics_where(&pu, |ds| ds.iter().any(|d| d["code"] == "L0006"));
    let incomplete = ds
        .iter()
        .find(|d| d["code"] == "L0006")
        .expect("incomplete")
        .clone();
    let at = incomplete["range"].clone();
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": pu}, "range": at, "context": {"diagnostics": [incomplete]}}),
    );
    let actions = actions["result"].as_array().expect("actions").clone();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Add `default undecided`"), "{titles:?}");
    assert!(
        titles.contains(&"Allow `incomplete` in this policy"),
        "{titles:?}"
    );
    let add_test = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Add a test for"))
        .unwrap_or_else(|| panic!("{titles:?}"));
    let new_test = add_test["edit"]["changes"][&pu][0]["newText"]
        .as_str()
        .unwrap();
    assert!(new_test.contains("expect undecided"), "{new_test}");

    // On the header: a test for what no test covers.
    let header = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": pu}, "range": header, "context": {"diagnostics": []}}),
    );
    let uncovered = actions["result"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Add a test for uncovered cases")
        })
        .unwrap_or_else(|| panic!("{actions}"))
        .clone();
    let uncovered_test = uncovered["edit"]["changes"][&pu][0]["newText"]
        .as_str()
        .unwrap();

    // Both tests, added, pass: the policy's own tests are run on save.
    let fixed = format!("{text}{new_test}\n{uncovered_test}\n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": pu, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    c.notify("textDocument/didSave", json!({"textDocument": {"uri": pu}}));
    let ds = c.diagnostics_where(&pu, |ds| ds.iter().any(|d| d["code"] == "L0006"));
    let failed: Vec<&Value> = ds.iter().filter(|d| d["source"] == "writ test").collect();
    assert!(failed.is_empty(), "{fixed}\n{failed:#?}");
    let lens = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": pu}}),
    );
    let passed = lens["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["command"]["title"] == "✓ passed")
        .count();
    assert_eq!(passed, 3, "{fixed}\n{lens:#}");
    assert_eq!(c.shutdown(), 0);
}

/// Whatever the text and wherever the cursor, every request is answered
/// (a result or an error) and the server exits cleanly: texts cut at every
/// few bytes from the bundled policies, junk, positions past the end.
#[test]
fn every_request_is_answered_on_any_text() {
    let dir = Scratch::new("lsp-garbage");
    let source = std::fs::read_to_string("policies/cloud_act_2018.policy").expect("bundled");
    let mut texts: Vec<String> = (0..source.len())
        .step_by(97)
        .filter(|&i| source.is_char_boundary(i))
        .map(|i| source[..i].to_string())
        .collect();
    texts.push("\u{0}\u{1}{{{((( \" \\q when when then".to_string());
    texts.push("policy p\nattribute a: int 9..1\nwhen a = ".to_string());
    let path = dir.file("cloud_act_2018.policy", "");
    dir.file(
        "sca.vocab",
        std::fs::read("policies/sca.vocab").expect("bundled"),
    );
    let pu = uri(&path);
    let mut c = Client::start(env!("CARGO_BIN_EXE_writ"));
    c.initialize(dir.path());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": pu, "languageId": "writ", "version": 0, "text": ""}}),
    );
    for (v, text) in texts.iter().enumerate() {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": pu, "version": v + 1}, "contentChanges": [{"text": text}]}),
        );
        let lines = text.lines().count() as u32;
        for (line, character) in [(0, 0), (lines / 2, 3), (lines, 0), (lines + 5, 99)] {
            let at = json!({"textDocument": {"uri": pu}, "position": {"line": line, "character": character}});
            for method in [
                "textDocument/hover",
                "textDocument/definition",
                "textDocument/completion",
                "textDocument/prepareRename",
            ] {
                let r = c.request(method, at.clone());
                assert!(
                    r.get("result").is_some() || r.get("error").is_some(),
                    "{method}: {r}"
                );
                assert!(
                    r["error"]["code"] != json!(-32603),
                    "{method} failed inside writ on {text:?}: {r}"
                );
            }
        }
        for method in [
            "textDocument/semanticTokens/full",
            "textDocument/documentSymbol",
            "textDocument/foldingRange",
            "textDocument/codeLens",
        ] {
            let r = c.request(method, json!({"textDocument": {"uri": pu}}));
            assert!(
                r["error"]["code"] != json!(-32603),
                "{method} on {text:?}: {r}"
            );
        }
    }
    // Requests about a document that is not open, and a change to one.
    let other = "file:///nowhere/x.policy";
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": other}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r.get("result").is_some(), "{r}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": other, "version": 1}, "contentChanges": [{"text": "x"}]}),
    );
    c.notify("textDocument/didOpen", json!({"garbage": true}));
    assert_eq!(c.shutdown(), 0);
}
