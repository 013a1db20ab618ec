//! `writ compile`: the real binary's output in every form, snapshotted for
//! the bundled policy and the fixtures in `tests/fixtures/compile/`; its
//! determinism; and the JSON forms read back with `load_compiled`, which
//! must decide every case exactly like the compiled diagram.

mod common;
use common::writ;
use std::path::{Path, PathBuf};
use writ::compile::{Diagram, Options, Order};
use writ::load::compiled::{Compiled, load_compiled};
use writ::semantics::Value;
use writ::source::SourceMap;

const MAGISTRATE: &str = "policies/magistrate_2014.policy";

/// The bundled policy and every compile fixture, as paths relative to the
/// crate (the way users name them on the command line).
fn policies() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compile");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".policy"))
        .map(|n| format!("tests/fixtures/compile/{n}"))
        .collect();
    files.sort();
    files.insert(0, MAGISTRATE.to_string());
    files
}

fn stem(path: &str) -> &str {
    Path::new(path).file_stem().unwrap().to_str().unwrap()
}

/// Runs `writ compile` and snapshots stdout under `name`, with the command
/// line as the snapshot's description.
fn snapshot(name: &str, args: &[&str]) {
    let (status, stdout, stderr) = writ(args);
    assert_eq!(status, 0, "writ {}: {stderr}", args.join(" "));
    assert!(stderr.is_empty(), "{stderr}");
    insta::with_settings!({ description => format!("writ {}", args.join(" ")), omit_expression => true }, {
        insta::assert_snapshot!(name, stdout);
    });
}

#[test]
fn every_form_of_every_policy() {
    for path in policies() {
        for emit in ["tree", "dag", "dot", "text"] {
            snapshot(
                &format!("{}@{emit}", stem(&path)),
                &["compile", &path, "--emit", emit],
            );
        }
    }
}

#[test]
fn options_change_the_diagram() {
    let ints = "tests/fixtures/compile/priority_ints.policy";
    let first = "tests/fixtures/compile/first_overrides.policy";
    snapshot(
        "priority_ints@outcomes-only.tree",
        &["compile", ints, "--outcomes-only"],
    );
    snapshot(
        "priority_ints@outcomes-only.text",
        &["compile", ints, "--emit", "text", "--outcomes-only"],
    );
    snapshot(
        "priority_ints@order-flagged-amount.text",
        &[
            "compile",
            ints,
            "--emit",
            "text",
            "--order",
            "flagged,amount",
        ],
    );
    snapshot(
        "first_overrides@order-channel.text",
        &["compile", first, "--emit", "text", "--order", "channel"],
    );
    snapshot(
        "first_overrides@order-channel.dag",
        &["compile", first, "--emit", "dag", "--order", "channel"],
    );
    let auto = "tests/fixtures/compile/auto_order.policy";
    snapshot(
        "auto_order@order-auto.text",
        &["compile", auto, "--emit", "text", "--order", "auto"],
    );
    snapshot(
        "auto_order@order-auto.dag",
        &["compile", auto, "--emit", "dag", "--order", "auto"],
    );
}

#[test]
fn output_is_byte_identical_across_runs_and_to_a_file() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-determinism");
    std::fs::create_dir_all(&dir).unwrap();
    for path in policies() {
        for emit in ["tree", "dag", "dot", "text"] {
            for order in ["declaration", "auto"] {
                let args = ["compile", path.as_str(), "--emit", emit, "--order", order];
                let (s1, a, _) = writ(&args);
                let (s2, b, _) = writ(&args);
                assert_eq!((s1, s2), (0, 0));
                assert_eq!(a, b, "{path} --emit {emit} --order {order}");
                let out = dir.join(format!("{}.{emit}.{order}", stem(&path)));
                let out_s = out.to_str().unwrap();
                let (s3, stdout, stderr) = writ(&[
                    "compile", &path, "--emit", emit, "--order", order, "-o", out_s,
                ]);
                assert_eq!(s3, 0, "{stderr}");
                assert!(stdout.is_empty());
                assert_eq!(std::fs::read_to_string(&out).unwrap(), a);
            }
        }
    }
}

fn checked(path: &str) -> (writ::check::Policy, SourceMap) {
    let checked = common::check_file(Path::new(path));
    let shown = checked.text();
    let policy = checked.policy.unwrap_or_else(|| panic!("{path}: {shown}"));
    (policy, checked.map)
}

/// `case` (indexed like the policy's attributes) in the loaded document's
/// attribute numbering, matched by name.
fn reindex(policy: &writ::check::Policy, compiled: &Compiled, case: &[Value]) -> Vec<Value> {
    compiled
        .header
        .attributes
        .iter()
        .map(|a| {
            let i = policy
                .attributes
                .iter()
                .position(|p| p.name == a.name)
                .unwrap();
            case[i]
        })
        .collect()
}

/// Every case of the policy when there are at most 100,000; otherwise
/// (the bundled policy's `int 0..36500`) every combination of enum and bool
/// values with both ends of every int cell the compiler cut.
fn cases(policy: &writ::check::Policy, diagram: &Diagram) -> Vec<Vec<Value>> {
    if let Some(all) = writ::semantics::interp::all_cases(policy, 100_000) {
        return all;
    }
    let mut cases: Vec<Vec<Value>> = vec![Vec::new()];
    for (a, cells) in diagram.cells.iter().enumerate() {
        let values: Vec<Value> = (0..cells.count())
            .flat_map(|c| {
                let (lo, hi) = cells.interval(c);
                if lo == hi { vec![lo] } else { vec![lo, hi] }
            })
            .collect();
        assert!(values.len() <= 64, "attribute {a} has few cells");
        cases = cases
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |&v| {
                    let mut c = prefix.clone();
                    c.push(v);
                    c
                })
            })
            .collect();
    }
    assert!(cases.len() <= 100_000);
    cases
}

fn agrees(policy: &writ::check::Policy, diagram: &Diagram, text: &str, what: &str) {
    let compiled = load_compiled(text).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(compiled.header.attributes.len(), policy.attributes.len());
    for case in cases(policy, diagram) {
        let mine = reindex(policy, &compiled, &case);
        assert_eq!(
            compiled.decide(&mine),
            diagram.decide(&case),
            "{what}: case {case:?}"
        );
    }
}

#[test]
fn json_read_back_decides_every_case_like_the_diagram() {
    for path in policies() {
        let (policy, map) = checked(&path);
        let orders = [
            Order::Declaration,
            Order::Auto,
            Order::Given(vec![policy.attributes.len() - 1]),
        ];
        for order in orders {
            for outcomes_only in [false, true] {
                let options = Options {
                    order: order.clone(),
                    outcomes_only,
                    ..Options::default()
                };
                let diagram = writ::compile::compile(&policy, &options).unwrap();
                let what = format!("{path} {order:?} outcomes_only={outcomes_only}");
                let tree = writ::emit::json::to_tree(&policy, &diagram, &map, 1_000_000).unwrap();
                let dag = writ::emit::json::to_dag(&policy, &diagram, &map);
                agrees(&policy, &diagram, &tree, &format!("tree {what}"));
                agrees(&policy, &diagram, &dag, &format!("dag {what}"));
            }
        }
        // And what the binary wrote, not only what the library returns.
        let diagram = writ::compile::compile(&policy, &Options::default()).unwrap();
        for emit in ["tree", "dag"] {
            let (status, stdout, stderr) = writ(&["compile", &path, "--emit", emit]);
            assert_eq!(status, 0, "{stderr}");
            agrees(
                &policy,
                &diagram,
                &stdout,
                &format!("writ compile {path} --emit {emit}"),
            );
        }
    }
}

#[test]
fn a_deep_diagram_is_written_and_read_back_without_recursion() {
    // 400 bools all required: a chain 400 tests deep, far past serde_json's
    // nesting limit of 128 in the tree form.
    let n = 400;
    let mut text = String::from("policy deep\ndecision d: { yes }\n");
    for i in 0..n {
        text.push_str(&format!("attribute b{i}: bool\n"));
    }
    let all: Vec<String> = (0..n).map(|i| format!("b{i}")).collect();
    text.push_str(&format!(
        "rule every: when {} then yes\n",
        all.join(" and ")
    ));
    let checked = common::check("deep.policy", &text);
    let (map, policy) = (checked.map, checked.policy.unwrap());
    let diagram = writ::compile::compile(&policy, &Options::default()).unwrap();
    let tree = writ::emit::json::to_tree(&policy, &diagram, &map, 1_000_000).unwrap();
    let dag = writ::emit::json::to_dag(&policy, &diagram, &map);
    for doc in [&tree, &dag] {
        let c = load_compiled(doc).unwrap();
        let mut case = vec![1; n];
        assert_eq!(c.decide(&case), diagram.decide(&case));
        assert_eq!(c.decide(&case).outcome(), Some(0));
        case[n - 1] = 0;
        assert_eq!(c.decide(&case), &writ::semantics::Verdict::Undecided);
    }
    let text_form = writ::emit::text::to_text(&policy, &diagram, &map, 1_000_000).unwrap();
    assert_eq!(text_form.lines().count(), 2 * n);
}

#[test]
fn the_tree_forms_are_refused_past_max_tree_nodes_naming_the_dag_form() {
    for emit in ["tree", "text"] {
        let (status, stdout, stderr) = writ(&[
            "compile",
            MAGISTRATE,
            "--emit",
            emit,
            "--max-tree-nodes",
            "3",
        ]);
        assert_eq!(status, 1, "{stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("--emit dag"), "{stderr}");
        assert!(stderr.contains("would have 5 nodes"), "{stderr}");
    }
    let (status, _, _) = writ(&["compile", MAGISTRATE, "--max-tree-nodes", "5"]);
    assert_eq!(status, 0);
    for emit in ["dag", "dot"] {
        let (status, _, stderr) = writ(&[
            "compile",
            MAGISTRATE,
            "--emit",
            emit,
            "--max-tree-nodes",
            "3",
        ]);
        assert_eq!(status, 0, "{stderr}");
    }
}

#[test]
fn malformed_json_is_an_error_not_a_panic() {
    let (policy, map) = checked(MAGISTRATE);
    let diagram = writ::compile::compile(&policy, &Options::default()).unwrap();
    let dag = writ::emit::json::to_dag(&policy, &diagram, &map);
    let tree = writ::emit::json::to_tree(&policy, &diagram, &map, 100).unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let garbage: String = (0..2000u32)
        .map(|i| char::from_u32(i * 7919 % 0x2FFF).unwrap_or('x'))
        .collect();
    // A valid document with one edit, which must apply.
    let edit = |doc: &str, from: &str, to: &str| {
        assert!(doc.contains(from), "`{from}` is not in the document");
        doc.replacen(from, to, 1)
    };
    let overlapping = edit(&tree, "[\"SCA_warrant\"]", "[\"SCA_warrant\", \"d_order\"]");
    let unknown_outcome = edit(&tree, "\"outcome\": null", "\"outcome\": \"maybe\"");
    let back_edge = edit(&dag, "\"node\": 3", "\"node\": 0");
    let misspelt = edit(&dag, "\"test\": \"controller\"", "\"test\": \"controler\"");
    let mut inputs: Vec<String> = vec![
        String::new(),
        "null".into(),
        "{".into(),
        deep,
        garbage,
        r#"{"format": "writ.tree/1"}"#.into(),
        r#"{"format": 1}"#.into(),
        edit(&dag, "writ.dag/1", "writ.tree/1"),
        edit(&tree, "writ.tree/1", "writ.dag/1"),
        edit(&dag, "\"nodes\"", "\"nodez\""),
        edit(&tree, "[\"hybrid_warrant\"]", "[\"hybrid\"]"),
        edit(&dag, "\"type\": \"int\"", "\"type\": \"float\""),
        edit(&dag, "\"max\": 36500", "\"max\": 1e9"),
        edit(&dag, "\"values\": [\"US_provider\"]", "\"values\": []"),
        edit(
            &dag,
            "\"values\": [\"US_provider\"]",
            "\"ranges\": [[0, 1]]",
        ),
        overlapping.clone(),
        unknown_outcome.clone(),
        back_edge.clone(),
        misspelt.clone(),
    ];
    // Every truncation of a valid document.
    for cut in (0..tree.len()).step_by(97) {
        if tree.is_char_boundary(cut) {
            inputs.push(tree[..cut].to_string());
        }
    }
    for input in &inputs {
        let result = std::panic::catch_unwind(|| load_compiled(input));
        let Ok(result) = result else {
            panic!("load_compiled panicked on {:.200}", input);
        };
        let e = result
            .err()
            .unwrap_or_else(|| panic!("accepted {:.300}", input));
        assert!(!e.is_empty() && !e.contains('\n'), "{e}");
    }
    let expect = |input: &str, want: &str| {
        let e = load_compiled(input).unwrap_err();
        assert!(e.contains(want), "want `{want}` in: {e}");
    };
    expect("", "invalid JSON at line 1, column 1");
    expect(r#"{"format": "writ.tree/1"}"#, "missing field `policy`");
    expect(
        r#"{"format": "writ.tree/9"}"#,
        "unsupported format `writ.tree/9`",
    );
    expect(&misspelt, "did you mean `controller`?");
    expect(&unknown_outcome, "`maybe`, which is not in `outcomes`");
    expect(&back_edge, "order of `attributes`");
    expect(
        &overlapping,
        "two branches testing `instrument` both cover `d_order`",
    );
}

#[test]
fn order_names_are_checked() {
    let (status, stdout, stderr) =
        writ(&["compile", MAGISTRATE, "--order", "controller,instrumnt"]);
    assert_eq!(status, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("`instrumnt` in `--order` is not an attribute"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `instrument`?"), "{stderr}");
    let (status, _, stderr) = writ(&["compile", MAGISTRATE, "--order", "controller,controller"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("named twice"), "{stderr}");
    // Named attributes first, the rest in declaration order.
    let (status, stdout, _) = writ(&[
        "compile",
        MAGISTRATE,
        "--order",
        "location,controller",
        "--emit",
        "dag",
    ]);
    assert_eq!(status, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = doc["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        &names[..4],
        ["location", "controller", "instrument", "data"]
    );
    assert_eq!(doc["nodes"][0]["test"], "controller");
}

#[test]
fn a_policy_with_errors_is_reported_like_check() {
    let bad = "tests/fixtures/check/unknown_value.policy";
    let (status, stdout, stderr) = writ(&["compile", bad]);
    assert_eq!(status, 1);
    assert!(stdout.is_empty());
    let (_, _, check_stderr) = writ(&["check", bad]);
    assert_eq!(stderr, check_stderr);
    let (status, stdout, _) = writ(&["compile", bad, "--format", "json"]);
    assert_eq!(status, 1);
    assert!(stdout.trim_start().starts_with('['), "{stdout}");
    let (status, _, stderr) = writ(&["compile", "policies/sca.vocab"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("is a vocabulary"), "{stderr}");
    let (status, _, _) = writ(&["compile", "no/such/file.policy"]);
    assert_eq!(status, 2);
}

#[test]
fn a_diagram_past_max_nodes_says_how_far_it_got() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compile-too-large");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("wide.policy");
    std::fs::write(&path, writ::synth::wide(3, 200)).unwrap();
    let (status, stdout, stderr) = writ(&["compile", path.to_str().unwrap(), "--max-nodes", "500"]);
    assert_eq!(status, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("E0042"), "{stderr}");
    assert!(stderr.contains("of 200 rules"), "{stderr}");
    assert!(
        stderr.contains("--order auto") && stderr.contains("--outcomes-only"),
        "{stderr}"
    );
}

/// `x1 and y1 or … or xn and yn`, declared with every `x` first: `--order
/// auto` finds the interleaved order (a node per attribute, where
/// declaration order needs `2^(n+1)`), and, with a budget that only the
/// interleaved order fits, still answers rather than giving up.
#[test]
fn order_auto_interleaves_the_textbook_case() {
    let n = 14;
    let mut text = String::from("policy textbook\n");
    for v in ["x", "y"] {
        for i in 1..=n {
            text += &format!("attribute {v}{i}: bool\n");
        }
    }
    let terms: Vec<String> = (1..=n).map(|i| format!("x{i} and y{i}")).collect();
    text += &format!(
        "decision o: {{ yes }}\nwhen {} then yes\n",
        terms.join(" or ")
    );
    let dir = common::Scratch::new("textbook");
    let path = dir.file("textbook.policy", &text);
    let path = path.to_str().unwrap();
    let dag = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["compile", path, "--emit", "dag"];
        all.extend_from_slice(args);
        let (status, stdout, stderr) = writ(&all);
        assert_eq!(status, 0, "{stderr}");
        serde_json::from_str(&stdout).unwrap()
    };
    let names = |d: &serde_json::Value| -> Vec<String> {
        d["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect()
    };
    let declaration = dag(&[]);
    assert_eq!(declaration["nodes"].as_array().unwrap().len(), 1 << (n + 1));
    let auto = dag(&["--order", "auto"]);
    let interleaved: Vec<String> = (1..=n)
        .flat_map(|i| [format!("x{i}"), format!("y{i}")])
        .collect();
    assert_eq!(names(&auto), interleaved);
    // A node per attribute, and the two leaves (`yes` and undecided).
    assert_eq!(auto["nodes"].as_array().unwrap().len(), 2 * n + 2);
    // Declaration order cannot fit 5,000 nodes; auto gets past it.
    let small = dag(&["--order", "auto", "--max-nodes", "5000"]);
    assert_eq!(names(&small), interleaved);
}
