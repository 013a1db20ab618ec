//! Policies from untrusted hands (SPEC section 1, SECURITY.md): a policy
//! reads nothing outside its project. Each way out is tried through every
//! command that reads policies and through the language server; each must
//! end in E0050 at the `use` or `extends`, and no byte of the target may
//! appear in any output. The targets hold a marker string that is nowhere
//! else, so finding it anywhere would mean a file outside was read.

mod common;

use common::lsp::{Client, uri};
use common::{Scratch, Writ};
use serde_json::json;

/// A project (it holds `writ.toml`) inside a folder that also holds the
/// secrets, each carrying `marker`.
struct Setup {
    dir: Scratch,
    marker: String,
}

impl Setup {
    fn new(tag: &str) -> Setup {
        let dir = Scratch::new(tag);
        let marker = format!("WRIT-SECRET-{}-{tag}", std::process::id());
        dir.file("project/writ.toml", "");
        dir.file("secret.env", format!("TOKEN={}\n", marker));
        // Right extension, not writ, outside the project.
        dir.file("outside.vocab", format!("{}\n", marker));
        dir.file(
            "outside.policy",
            format!("policy {}\n", marker.replace('-', "_")),
        );
        // Inside the project: a link to the outside, and a text file.
        std::os::unix::fs::symlink(
            dir.path().join("outside.vocab"),
            dir.path().join("project/link.vocab"),
        )
        .expect("a symbolic link");
        dir.file("project/notes.txt", format!("{}\n", marker));
        Setup { dir, marker }
    }

    /// A policy in the project whose `use` (or `extends`) names `target`.
    fn policy(&self, name: &str, keyword: &str, target: &str) -> String {
        let text = format!(
            "policy p\n{keyword} \"{target}\"\nattribute a: bool\ndecision o: {{ yes, no }}\nwhen a then yes\ntest \"t\": given a expect yes\n"
        );
        self.dir
            .file(&format!("project/{name}"), text)
            .to_str()
            .unwrap()
            .to_string()
    }

    fn project(&self) -> std::path::PathBuf {
        self.dir.path().join("project")
    }

    /// Every way out, as `use` or `extends` targets.
    fn targets(&self) -> Vec<(String, &'static str)> {
        let fifo = self.project().join("pipe.vocab");
        if !fifo.exists() {
            let ok = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success();
            assert!(ok);
        }
        vec![
            (
                self.dir.path().join("outside.vocab").display().to_string(),
                "is an absolute path",
            ),
            ("../outside.vocab".to_string(), "leaves the project"),
            ("../outside.policy".to_string(), "leaves the project"),
            (
                "../secret.env".to_string(),
                "is not a `.vocab` or `.policy` file",
            ),
            (
                "link.vocab".to_string(),
                "leaves the project through a symbolic link",
            ),
            (
                "notes.txt".to_string(),
                "is not a `.vocab` or `.policy` file",
            ),
            ("/dev/zero".to_string(), "is an absolute path"),
            ("pipe.vocab".to_string(), "not a regular file"),
        ]
    }
}

#[test]
fn every_command_refuses_every_way_out_and_shows_nothing_of_it() {
    let s = Setup::new("cli");
    for (target, why) in s.targets() {
        for keyword in ["use", "extends"] {
            let policy = s.policy("leak.policy", keyword, &target);
            let clean = s.policy("clean.policy", "use", "clean.vocab");
            s.dir.file("project/clean.vocab", "attribute b: bool\n");
            let runs: Vec<Vec<&str>> = vec![
                vec!["check", &policy],
                vec!["check", "--format", "json", &policy],
                vec!["lint", &policy],
                vec!["lint", "--format", "sarif", &policy],
                vec!["compile", &policy],
                vec!["compile", "--emit", "svg", &policy],
                vec!["test", &policy],
                vec!["test", "--format", "json", &policy],
                vec!["test", "--format", "junit", &policy],
                vec!["test", "--coverage", &policy],
                vec!["eval", &policy, "--case", "{\"a\": true}"],
                vec!["diff", &clean, &policy],
                vec!["diff", "--format", "markdown", &clean, &policy],
            ];
            for args in runs {
                let r = Writ::new(&args).run();
                let shown = format!("{args:?} with {keyword} {target:?}");
                assert!(matches!(r.status, 1 | 2), "{shown}: {r:?}");
                let all = format!("{}{}", r.stdout, r.stderr);
                assert!(all.contains("E0050"), "{shown}: {all}");
                assert!(all.contains(why), "{shown}: wanted {why:?} in {all}");
                assert!(!all.contains(&s.marker), "{shown} leaked the target: {all}");
            }
        }
    }
}

/// `writ doc` too: through every way out, as `use` and as `extends`,
/// with the project found and with `--root`, it reports E0050 and writes
/// a site in which no file holds a byte of the target.
#[test]
fn doc_refuses_every_way_out_and_writes_nothing_of_it() {
    let s = Setup::new("doc");
    let root = s.project().display().to_string();
    for (target, why) in s.targets() {
        for keyword in ["use", "extends"] {
            let policy = s.policy("leak.policy", keyword, &target);
            let clean = s.policy("clean.policy", "use", "clean.vocab");
            s.dir.file("project/clean.vocab", "attribute b: bool\n");
            let site = s.dir.path().join("site");
            let _ = std::fs::remove_dir_all(&site);
            let site = site.to_str().unwrap();
            let runs: Vec<Vec<&str>> = vec![
                vec!["doc", &policy, "-o", site],
                vec!["doc", &clean, &policy, "-o", site],
                vec!["doc", "--root", &root, &clean, &policy, "-o", site],
            ];
            for args in runs {
                let r = Writ::new(&args).run();
                let shown = format!("{args:?} with {keyword} {target:?}");
                assert_eq!(r.status, 1, "{shown}: {r:?}");
                let all = format!("{}{}", r.stdout, r.stderr);
                assert!(all.contains("E0050"), "{shown}: {all}");
                assert!(all.contains(why), "{shown}: wanted {why:?} in {all}");
                assert!(!all.contains(&s.marker), "{shown} leaked the target: {all}");
                let mut pages = 0;
                for entry in std::fs::read_dir(site).unwrap() {
                    let path = entry.unwrap().path();
                    let bytes = std::fs::read(&path).unwrap();
                    let text = String::from_utf8_lossy(&bytes);
                    assert!(
                        !text.contains(&s.marker),
                        "{shown} wrote the target into {path:?}"
                    );
                    if text.contains("E0050") {
                        pages += 1;
                        assert!(text.contains(why), "{shown}: {path:?} lacks {why:?}");
                    }
                }
                // The refusal is on the leaking policy's page, as its
                // diagnostic.
                assert_eq!(pages, 1, "{shown}");
            }
        }
    }
}

#[test]
fn root_sets_the_project() {
    let s = Setup::new("root");
    let policy = s.policy("leak.policy", "use", "../outside.vocab");
    // With the parent folder as the project, the file is inside it, and it
    // is read: it is not writ, so the parser quotes it. That is the
    // project's own text, which `--root` chose to trust.
    let r = Writ::new(["check", "--root", s.dir.path().to_str().unwrap(), &policy]).run();
    assert_eq!(r.status, 1, "{r:?}");
    assert!(!r.stderr.contains("E0050"), "{}", r.stderr);
    assert!(r.stderr.contains("E0001"), "{}", r.stderr);
    // A root that does not hold the file is refused before anything is read.
    let r = Writ::new(["check", "--root", "/usr", &policy]).run();
    assert_eq!(r.status, 2, "{r:?}");
    assert!(
        r.stderr.contains("E0050") && r.stderr.contains("outside the project"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_language_server_reads_only_inside_its_workspace() {
    let s = Setup::new("lsp");
    let mut c = Client::start(env!("CARGO_BIN_EXE_writ"));
    let init = c.initialize(&s.project());
    let mut seen = init.to_string();
    for (i, (target, why)) in s.targets().into_iter().enumerate() {
        let name = format!("leak{i}.policy");
        let path = s.project().join(&name);
        let text = format!(
            "policy p\nuse \"{target}\"\nattribute a: bool\ndecision o: {{ yes, no }}\nwhen a then yes\n"
        );
        std::fs::write(&path, "").unwrap();
        let u = uri(&path);
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "writ", "version": 1, "text": text}}),
        );
        let ds = c.diagnostics_where(&u, |ds| !ds.is_empty());
        assert!(
            ds.iter()
                .any(|d| d["code"] == "E0050" && d["message"].as_str().unwrap().contains(why)),
            "{target}: {ds:#?}"
        );
        seen.push_str(&serde_json::to_string(&ds).unwrap());
        // Hover, completion, symbols and references ask about the names of
        // what was (not) read.
        for (method, params) in [
            (
                "textDocument/hover",
                json!({"textDocument": {"uri": u}, "position": {"line": 1, "character": 6}}),
            ),
            (
                "textDocument/completion",
                json!({"textDocument": {"uri": u}, "position": {"line": 4, "character": 5}}),
            ),
            (
                "textDocument/documentSymbol",
                json!({"textDocument": {"uri": u}}),
            ),
            ("workspace/symbol", json!({"query": ""})),
            (
                "textDocument/semanticTokens/full",
                json!({"textDocument": {"uri": u}}),
            ),
        ] {
            seen.push_str(&c.request(method, params).to_string());
        }
    }
    for n in &c.notifications {
        seen.push_str(&n.to_string());
    }
    assert!(
        !seen.contains(&s.marker),
        "the server showed a file outside its workspace"
    );
    assert_eq!(c.shutdown(), 0);
}

/// The same ways out, committed to a git repository and read through
/// `REV:PATH` operands: everything is read from the revision's tree, where
/// links are blobs resolved inside the tree and a submodule is a gitlink.
/// The working tree holds the same secrets, so reading it instead would
/// show the marker too.
#[test]
fn rev_path_operands_refuse_every_way_out_and_show_nothing_of_it() {
    let repo = common::git::Repo::new("untrusted-git");
    let marker = format!("WRIT-SECRET-{}-git", std::process::id());
    repo.file("secret.env", format!("TOKEN={marker}\n"));
    repo.file("outside.vocab", format!("{marker}\n"));
    repo.file(
        "outside.policy",
        format!("policy {}\n", marker.replace('-', "_")),
    );
    repo.file("project/writ.toml", "");
    repo.file("project/notes.txt", format!("{marker}\n"));
    repo.file("project/folder.vocab/x.vocab", "attribute x: bool\n");
    repo.link("project/link.vocab", "../outside.vocab");
    repo.link("project/link.policy", "../outside.policy");
    repo.link("project/up", "..");
    let absolute = repo.path().join("outside.vocab");
    repo.link("project/absolute.vocab", &absolute);
    repo.link("project/loop.vocab", "loop.vocab");
    repo.file("project/clean.vocab", "attribute b: bool\n");
    repo.file(
        "project/clean.policy",
        "policy p\nuse \"clean.vocab\"\nattribute a: bool\ndecision o: { yes, no }\nwhen a then yes\n",
    );
    repo.commit("secrets");

    let targets: Vec<(String, &str)> = vec![
        (absolute.display().to_string(), "is an absolute path"),
        ("/dev/zero".to_string(), "is an absolute path"),
        ("../outside.vocab".to_string(), "leaves the project"),
        ("../outside.policy".to_string(), "leaves the project"),
        ("up/../../outside.vocab".to_string(), "leaves the project"),
        (
            "../secret.env".to_string(),
            "is not a `.vocab` or `.policy` file",
        ),
        (
            "notes.txt".to_string(),
            "is not a `.vocab` or `.policy` file",
        ),
        (
            "link.vocab".to_string(),
            "leaves the project through a symbolic link",
        ),
        (
            "link.policy".to_string(),
            "leaves the project through a symbolic link",
        ),
        (
            "up/outside.vocab".to_string(),
            "leaves the project through a symbolic link",
        ),
        (
            "absolute.vocab".to_string(),
            "leaves the project through a symbolic link",
        ),
        (
            "loop.vocab".to_string(),
            "is a symbolic link that leads nowhere",
        ),
        (
            "sub.vocab".to_string(),
            "names a submodule (a gitlink), not a regular file",
        ),
        ("folder.vocab".to_string(), "names a folder, not a file"),
    ];
    let mut names = Vec::new();
    for (i, (target, _)) in targets.iter().enumerate() {
        for keyword in ["use", "extends"] {
            let name = format!("project/leak{i}_{keyword}.policy");
            repo.file(
                &name,
                format!("policy p\n{keyword} \"{target}\"\nattribute a: bool\ndecision o: {{ yes, no }}\nwhen a then yes\n"),
            );
            names.push(name);
        }
    }
    repo.git(&["add", "-A"]);
    // A submodule: a gitlink entry, the tree's "not a regular file".
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{},project/sub.vocab", head.trim()),
    ]);
    repo.git(&["commit", "-q", "-m", "leaks and a submodule"]);
    let mut names = names.iter();
    for (target, why) in &targets {
        for keyword in ["use", "extends"] {
            let leak = format!("HEAD:{}", names.next().unwrap());
            for args in [
                vec!["diff", "HEAD:project/clean.policy", &leak],
                vec!["diff", &leak, "project/clean.policy", "--format", "json"],
                vec![
                    "diff",
                    "HEAD~1:project/clean.policy",
                    &leak,
                    "--format",
                    "markdown",
                ],
            ] {
                let r = Writ::new(&args).dir(repo.path()).run();
                let shown = format!("{args:?} with {keyword} {target:?}");
                assert_eq!(r.status, 2, "{shown}: {r:?}");
                let all = format!("{}{}", r.stdout, r.stderr);
                assert!(all.contains("E0050"), "{shown}: {all}");
                assert!(all.contains(why), "{shown}: wanted {why:?} in {all}");
                assert!(
                    all.contains(&leak),
                    "{shown}: names the file as REV:PATH: {all}"
                );
                assert!(!all.contains(&marker), "{shown} leaked the target: {all}");
            }
        }
    }
    // An operand that is itself a link out of its project.
    for link in ["HEAD:project/link.policy", "HEAD:project/up/outside.policy"] {
        let r = Writ::new(["diff", "HEAD:project/clean.policy", link])
            .dir(repo.path())
            .run();
        let all = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(r.status, 2, "{link}: {r:?}");
        assert!(all.contains("E0050"), "{link}: {all}");
        assert!(!all.contains(&marker), "{link} leaked the target: {all}");
    }
}
