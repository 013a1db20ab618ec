//! `writ eval`: verdicts, partial evaluation, sufficient reasons, `--why-not`,
//! JSON Lines batches, bad cases; and the diagram and index engines agreeing.

mod common;
use common::writ;
use writ::eval::{Evaluation, Evaluator, Scratch};
use writ::semantics::index::RuleIndex;

const POLICY: &str = "tests/fixtures/eval/review.policy";

#[test]
fn text_and_json_results() {
    let mut all = String::new();
    for (case, extra) in [
        (
            r#"{"role": "admin", "amount": 7000, "flagged": true}"#,
            None,
        ),
        (
            r#"{"role": "staff", "amount": 7000, "flagged": false}"#,
            Some("deny"),
        ),
        (
            r#"{"role": "guest", "amount": 10, "flagged": false}"#,
            Some("review"),
        ),
        (r#"{"role": "guest", "flagged": true}"#, None),
        (r#"{"role": "staff"}"#, None),
    ] {
        for format in ["text", "json"] {
            let mut args = vec!["eval", POLICY, "--case", case, "--format", format];
            if let Some(o) = extra {
                args.extend(["--why-not", o]);
            }
            let (status, stdout, stderr) = writ(&args);
            assert_eq!(status, 0, "{stderr}");
            all.push_str(&format!("$ writ {}\n{stdout}\n", args.join(" ")));
        }
    }
    insta::assert_snapshot!(all);
}

#[test]
fn batches_are_json_lines_and_go_on_after_bad_lines() {
    let (status, stdout, _) = writ(&["eval", POLICY, "--cases", "tests/fixtures/eval/cases.jsonl"]);
    assert_eq!(status, 1, "a bad line makes the exit status 1");
    for line in stdout.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("every output line is JSON");
    }
    insta::assert_snapshot!(stdout);
}

#[test]
fn bad_cases_and_outcomes_are_named() {
    let (status, _, stderr) = writ(&["eval", POLICY, "--case", r#"{"rol": "admin"}"#]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("unknown attribute `rol`; did you mean `role`?"),
        "{stderr}"
    );
    let (status, _, stderr) = writ(&["eval", POLICY, "--case", r#"{"amount": 10001}"#]);
    assert_eq!(status, 1);
    assert!(stderr.contains("outside the range 0..10000"), "{stderr}");
    let (status, _, stderr) = writ(&["eval", POLICY, "--case", "{}", "--why-not", "alow"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("did you mean `allow`?"), "{stderr}");
}

#[test]
fn the_index_engine_answers_like_the_diagram() {
    for engine in ["diagram", "index"] {
        let (status, stdout, stderr) = writ(&[
            "eval",
            POLICY,
            "--engine",
            engine,
            "--format",
            "json",
            "--case",
            r#"{"role": "admin", "amount": 9500, "flagged": false}"#,
        ]);
        assert_eq!(status, 0, "{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["outcome"], "review", "{engine}: {stdout}");
        assert_eq!(v["rules"][0]["id"], "big");
    }
}

/// On generated policies: complete and partial cases evaluate to the same
/// verdicts (or the same undetermined answer) on both engines.
#[test]
fn engines_agree_on_generated_policies() {
    for (seed, text) in [
        (1, writ::synth::decision_table(1, 30)),
        (2, writ::synth::wide(2, 20)),
    ] {
        let checked = common::check("g.policy", &text);
        let policy = checked.policy.unwrap();
        let diagram = writ::compile::compile(&policy, &Default::default()).unwrap();
        let on_diagram_engine = Evaluator::on_diagram(&diagram, policy.decision.outcomes.len());
        let index = RuleIndex::build(&policy);
        // Without a diagram of outcomes, the index engine folds what it
        // needs case by case.
        let on_index_engine = Evaluator::on_index(&policy, &index, None, 1_000_000);
        let mut scratch = Scratch::default();
        let mut rng = writ::synth::Rng::new(seed);
        for _ in 0..25 {
            let case: Vec<Option<i64>> = policy
                .attributes
                .iter()
                .map(|a| {
                    let v = match a.domain {
                        writ::check::Domain::Int { lo, hi } => {
                            rng.range(lo as u64, hi as u64) as i64
                        }
                        _ => rng.range(0, a.domain.size() as u64 - 1) as i64,
                    };
                    // About one attribute in five is left out.
                    (rng.range(0, 4) != 0).then_some(v)
                })
                .collect();
            let on_diagram = on_diagram_engine
                .evaluate(&case, None, &mut scratch)
                .unwrap();
            let on_index = on_index_engine.evaluate(&case, None, &mut scratch).unwrap();
            match (&on_diagram, &on_index) {
                (
                    Evaluation::Decided { verdict: a, .. },
                    Evaluation::Decided { verdict: b, .. },
                ) => assert_eq!(a, b),
                (a, b) => assert_eq!(a, b),
            }
        }
    }
}

/// Random cases of a policy: each attribute given with probability
/// `given` in 1..=4 quarters.
fn random_case(
    policy: &writ::check::Policy,
    rng: &mut writ::synth::Rng,
    given: u64,
) -> Vec<Option<i64>> {
    policy
        .attributes
        .iter()
        .map(|a| {
            let v = match a.domain {
                writ::check::Domain::Int { lo, hi } => {
                    lo + (rng.next_u64() % ((hi - lo) as u64 + 1)) as i64
                }
                _ => rng.range(0, a.domain.size() as u64 - 1) as i64,
            };
            (rng.range(1, 4) <= given).then_some(v)
        })
        .collect()
}

/// A policy file of the repository, checked, with its header.
fn bundled_with_header(name: &str) -> (writ::check::Policy, writ::names::Header) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let checked = common::check_file(&path);
    let (map, policy) = (checked.map, checked.policy.expect("a clean policy"));
    let header = writ::names::Header::from_policy(&policy, &map);
    (policy, header)
}

fn bundled(name: &str) -> writ::check::Policy {
    bundled_with_header(name).0
}

/// The batch writer prints exactly what `to_json` builds, compactly, on
/// complete and partial cases, both engines, with `--why-not`.
#[test]
fn the_batch_writer_writes_what_to_json_builds() {
    for name in [
        "policies/sca_2703.policy",
        "policies/cloud_act_2018.policy",
        "tests/fixtures/eval/review.policy",
    ] {
        let (policy, header) = bundled_with_header(name);
        let writer = writ::render::eval::JsonWriter::new(&header);
        let d = writ::compile::compile(&policy, &Default::default()).unwrap();
        let index = RuleIndex::build(&policy);
        let engines = [
            Evaluator::on_diagram(&d, policy.decision.outcomes.len()),
            Evaluator::on_index(&policy, &index, Some(&d), 1_000_000),
        ];
        let mut rng = writ::synth::Rng::new(11);
        let mut scratch = Scratch::default();
        for i in 0..400 {
            let case = random_case(&policy, &mut rng, 1 + i % 4);
            let why_not = Some(i as usize % policy.decision.outcomes.len());
            for e in &engines {
                let result = e.evaluate(&case, why_not, &mut scratch).unwrap();
                let mut line = String::new();
                writer.write(&mut line, &result);
                let want =
                    serde_json::to_string(&writ::render::eval::json(&header, &result)).unwrap();
                assert_eq!(line, want, "{name}: {case:?}");
            }
        }
    }
}

/// Without a diagram of outcomes, the index engine's reason is still
/// sufficient, and (unless it says "unchecked") no value can be dropped:
/// both checked on the diagram, by evaluating the reason as a partial case.
#[test]
fn index_reasons_without_a_diagram_are_sufficient_and_subset_minimal() {
    let policies = [
        common::check("w.policy", &writ::synth::wide(5, 12))
            .policy
            .unwrap(),
        common::check("s.policy", &writ::synth::strict(5, 40))
            .policy
            .unwrap(),
        bundled("policies/sca_2703.policy"),
        bundled("policies/second_circuit_2016.policy"),
    ];
    for policy in &policies {
        let d = writ::compile::compile(policy, &Default::default()).unwrap();
        let on_diagram = Evaluator::on_diagram(&d, policy.decision.outcomes.len());
        let index = RuleIndex::build(policy);
        let on_index = Evaluator::on_index(policy, &index, None, 1_000_000);
        let mut rng = writ::synth::Rng::new(3);
        let mut scratch = Scratch::default();
        let outcome_of = |e: &Evaluation| match e {
            Evaluation::Decided { verdict, .. } => Some(verdict.outcome()),
            Evaluation::Undetermined { .. } => None,
        };
        for _ in 0..300 {
            let case = random_case(policy, &mut rng, 4);
            let e = on_index.evaluate(&case, None, &mut scratch).unwrap();
            let Evaluation::Decided {
                verdict,
                sufficient,
                minimality,
                path,
                ..
            } = &e
            else {
                panic!("a complete case is decided")
            };
            assert!(path.is_none(), "the index takes no path");
            let partial = |keep: &[(usize, i64)]| {
                let mut p = vec![None; case.len()];
                for &(a, v) in keep {
                    p[a] = Some(v);
                }
                p
            };
            let full = on_diagram
                .evaluate(&partial(sufficient), None, &mut scratch)
                .unwrap();
            assert_eq!(
                outcome_of(&full),
                Some(verdict.outcome()),
                "{}: {sufficient:?} does not fix the outcome of {case:?}",
                policy.meta.name
            );
            if *minimality == writ::eval::Minimality::Subset {
                for i in 0..sufficient.len() {
                    let mut fewer = sufficient.clone();
                    fewer.remove(i);
                    let r = on_diagram
                        .evaluate(&partial(&fewer), None, &mut scratch)
                        .unwrap();
                    assert_ne!(
                        outcome_of(&r),
                        Some(verdict.outcome()),
                        "{}: {fewer:?} already fixes the outcome of {case:?}",
                        policy.meta.name
                    );
                }
            }
        }
    }
}

/// A policy whose diagram passes `auto`'s budget, even with outcomes
/// alone (`x1 and y1`, … as rules of their own, the `x`s declared first:
/// exponential in declaration order), beside a three-way `and` and `or`.
fn past_the_auto_budget() -> String {
    let n = 16;
    let mut text = String::from("policy mixed\n");
    for i in 1..=3 {
        text += &format!("attribute a{i}: bool\n");
    }
    for v in ["x", "y"] {
        for i in 1..=n {
            text += &format!("attribute {v}{i}: bool\n");
        }
    }
    text += "decision o: { yes, no }\nresolve priority no > yes\n";
    text += "rule all_a: when a1 and a2 and a3 then yes\n";
    text += "rule any_a: when a1 or a2 or a3 then no\n";
    for i in 1..=n {
        text += &format!("rule pair{i}: when x{i} and y{i} then yes\n");
    }
    text
}

/// `--engine auto` answers wherever the engines it chooses between do.
/// Here the diagram passes its budget, so the rule index decides; it used
/// to give up on `--why-not` (which needs a diagram of outcomes, tried
/// only within a tenth of the budget) and to leave its reason
/// `unchecked` when no cheap case refuted a value.
#[test]
fn auto_answers_past_its_budget() {
    let dir = common::Scratch::new("auto-budget");
    let path = dir.file("mixed.policy", past_the_auto_budget());
    let path = path.to_str().unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["eval", path, "--format", "json"];
        all.extend_from_slice(args);
        let (status, stdout, stderr) = writ(&all);
        assert_eq!(status, 0, "writ {}: {stderr}", all.join(" "));
        serde_json::from_str(&stdout).unwrap()
    };
    // `a1` alone fixes `no`: dropping it is refuted by the case that only
    // changes it (nothing matches), which no shift of every missing
    // value at once finds; the fold that would settle it passes its
    // budget.
    let v = json(&["--case", r#"{"a1": true}"#]);
    assert_eq!(v["outcome"], "no");
    assert_eq!(v["sufficient"], serde_json::json!({"a1": true}));
    assert_eq!(v["sufficient_minimal"], "subset", "{v}");
    assert!(v.get("path").is_none(), "the index decided: {v}");
    // A complete case, undecided; the nearest `yes` completes one pair.
    let mut case = serde_json::Map::new();
    for i in 1..=3 {
        case.insert(format!("a{i}"), false.into());
    }
    for i in 1..=16 {
        case.insert(format!("x{i}"), true.into());
        case.insert(format!("y{i}"), false.into());
    }
    let case = serde_json::Value::Object(case).to_string();
    let v = json(&["--case", &case, "--why-not", "yes"]);
    assert_eq!(v["outcome"], serde_json::Value::Null, "{v}");
    let nearest = v["why_not"]["nearest"].as_array().unwrap();
    assert!(!nearest.is_empty(), "{v}");
    for n in nearest {
        let changes = n["changes"].as_object().unwrap();
        assert_eq!(changes.len(), 1, "{v}");
        let (y, value) = changes.iter().next().unwrap();
        assert!(y.starts_with('y') && value == true, "{v}");
        assert_eq!(n["rules"][0]["id"], format!("pair{}", &y[1..]), "{v}");
    }
}

/// A `regardless` claim is verified on the policy's diagram whatever the
/// engine; `--engine index` then reads its reasons and `--why-not` off
/// that diagram's outcomes. Its own diagram of outcomes, within its
/// budget, would not fit here (every set of the `r`s is a state of the
/// fold), so it used to leave reasons `unchecked` and refuse `--why-not`.
#[test]
fn the_index_reads_reasons_off_a_verified_diagram() {
    // 2^17 leaves.
    let k = 17;
    let mut text = String::from("policy strict_wide\n");
    for i in 1..=k {
        text += &format!("attribute b{i}: bool\n");
    }
    text += "attribute z: bool\ndecision o: { yes, no }\n";
    for i in 1..=k {
        text += &format!("rule r{i}: when b{i} and not z then yes\n");
    }
    text += "rule stop: when z then no regardless b1\n";
    let dir = common::Scratch::new("index-verified");
    let path = dir.file("strict_wide.policy", text);
    let mut case = serde_json::Map::new();
    for i in 1..=k {
        case.insert(format!("b{i}"), (i <= 2).into());
    }
    case.insert("z".into(), false.into());
    let case = serde_json::Value::Object(case).to_string();
    let (status, stdout, stderr) = writ(&[
        "eval",
        path.to_str().unwrap(),
        "--engine",
        "index",
        "--format",
        "json",
        "--why-not",
        "no",
        "--case",
        &case,
    ]);
    assert_eq!(status, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["outcome"], "yes", "{v}");
    assert_eq!(v["rules"][0]["id"], "r1");
    assert_eq!(v["rules"][1]["id"], "r2");
    assert!(v.get("path").is_none(), "the index decided: {v}");
    // A smallest reason: one of the `b`s and `z`.
    assert!(v.get("sufficient_minimal").is_none(), "{v}");
    assert_eq!(v["sufficient"], serde_json::json!({"b1": true, "z": false}));
    // The nearest `no` sets `z`, and `stop` decides it.
    let nearest = &v["why_not"]["nearest"];
    assert_eq!(nearest[0]["changes"], serde_json::json!({"z": true}), "{v}");
    assert_eq!(nearest[0]["rules"][0]["id"], "stop", "{v}");
}
