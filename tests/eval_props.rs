//! Property tests: `writ eval` (SPEC 6, `eval`), driven through the real
//! binary on random small policies and checked against brute force over
//! the reference interpreter.
//!
//! For each random policy that checks (a strict one with conflicts is
//! rendered with `resolve first` instead), the policy is written to a
//! scratch directory and compiled to tree and dag JSON; a JSON Lines batch
//! holds every complete case (a random sample past 200), then the empty
//! case and random partial ones (every partial case when there are few).
//! Then:
//!
//! * `diagram_engine_matches_brute_force`: `--engine diagram` on the policy.
//!   Complete cases: `outcome`, `rules` (with `because`), `default` as the
//!   interpreter decides. Partial cases, over all completions: decided when
//!   the outcome is the same in every one, with the rules that explain it
//!   in every one, `default` only when the default decides every one, and
//!   `rules_depend_on` = the missing attributes the whole verdict depends
//!   on (present only when there are some); else `{"undetermined": true,
//!   "needs", "possible"}` with the missing attributes the outcome depends
//!   on and the possible outcomes (null first, then declaration order).
//!   `sufficient`: the case's own given values, fixing the outcome in every
//!   case that agrees with them, and no smaller set of given values does
//!   (a minimum); never `sufficient_minimal`. `path`: the case's own values
//!   in declaration order, and for a complete case they fix the verdict.
//!   Keys in the contract's order.
//! * `index_engine_matches_brute_force`: the same checks on `--engine
//!   index`, `path` aside; `index_engine_gives_no_path`: no decided result
//!   of the index engine has a `path`;
//!   `index_engine_gives_the_diagram_engines_results`: its results are the
//!   diagram engine's, `path` aside (the same `sufficient` set included).
//!   Three properties, so that each shrinks to an example of its own.
//! * `compiled_forms_print_what_the_policy_prints`: the tree and dag files
//!   and `--engine auto` print byte for byte what `--engine diagram` on the
//!   policy prints, with the same exit status: for the batch, for batches
//!   with `--why-not` each outcome, and for single `--case` runs in text
//!   and JSON.
//! * `why_not_names_the_nearest_cases`: for complete cases, every case
//!   `--why-not O` lists changes the fewest attributes possible and is
//!   decided as O by the rules it names; none listed exactly when no case
//!   is decided as O.
//!
//! A fixed policy (the partial case that is decided though its rules vary,
//! reported undetermined before) is checked the same way by
//! `a_partial_case_is_decided_though_its_rules_vary`.
//!
//! Cost: 64 generated policies per property, a few seconds each in a debug
//! build on 2 cores when the binary is right (a failure shrinks for at most
//! 20 s). The seed is fixed; `WRIT_PROPTEST_SEED` (decimal or 0x-hex) sets
//! another and `PROPTEST_CASES` the count. A failure prints the seed, the
//! shrunk policy's source, the case, the command and what was expected.
//! `WRIT_EVAL_SURVEY=1` runs each property on every policy without
//! stopping and prints each kind of problem found with its shortest
//! example (run with `--nocapture`), a map of what is still wrong.

mod common;
#[path = "common/eval_check.rs"]
mod eval_check;
#[allow(dead_code)] // `given_order` is for `props.rs`
#[path = "common/policy_gen.rs"]
mod policy_gen;

use eval_check::{
    Attr, Problems, Run, Scratch, case_json, difference, own_value_problems, records, run,
    shape_problems, summary, without_path,
};
use policy_gen::{Gen, policy_gen};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use serde_json::{Map, Value as J};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use writ::check::{AttrId, OutcomeId, Policy, RuleId};
use writ::semantics::Verdict;
use writ::semantics::interp::{Interpreter, all_cases};
use writ::synth::Rng;

/// Every complete case goes in the batch up to this many; past it, a
/// random sample of this many.
const COMPLETE: usize = 200;
/// Random partial cases besides the empty one (all of them when a policy
/// has at most this many).
const PARTIAL: usize = 80;
/// Complete and partial cases each in the batches run with `--why-not`.
const WHY_NOT: usize = 12;
/// Generated policies per property.
const POLICIES: u32 = 64;
const DEFAULT_SEED: u64 = 0x6576_616c_7072_6f70;

// ----- the brute force ----------------------------------------------------

/// Every case of a policy and the interpreter's verdict on it, indexed in
/// mixed radix (the first attribute varies slowest, as `all_cases` lists
/// them).
struct Table {
    attrs: Vec<Attr>,
    strides: Vec<usize>,
    verdicts: Vec<Verdict>,
}

impl Table {
    fn new(policy: &Policy, attrs: Vec<Attr>) -> Table {
        let cases = all_cases(policy, 1 << 20).expect("generated policies are small");
        let interp = Interpreter::new(policy);
        let verdicts: Vec<Verdict> = cases.iter().map(|c| interp.decide(c)).collect();
        let mut strides = vec![1usize; attrs.len()];
        for a in (0..attrs.len().saturating_sub(1)).rev() {
            strides[a] = strides[a + 1] * attrs[a + 1].size() as usize;
        }
        let t = Table {
            attrs,
            strides,
            verdicts,
        };
        for (i, c) in cases.iter().enumerate() {
            let full: Vec<Option<i64>> = c.iter().map(|&v| Some(v)).collect();
            assert_eq!(t.region(&full), vec![i], "the table's indexing");
        }
        t
    }

    /// The indices of every case that agrees with the given values.
    fn region(&self, fixed: &[Option<i64>]) -> Vec<usize> {
        let mut out = vec![0usize];
        for (a, attr) in self.attrs.iter().enumerate() {
            let s = self.strides[a];
            match fixed[a] {
                Some(v) => {
                    let d = (v - attr.low()) as usize * s;
                    for x in &mut out {
                        *x += d;
                    }
                }
                None => {
                    out = out
                        .iter()
                        .flat_map(|&x| (0..attr.size() as usize).map(move |d| x + d * s))
                        .collect();
                }
            }
        }
        out
    }

    /// The case at an index.
    fn case(&self, mut i: usize) -> Vec<i64> {
        self.attrs
            .iter()
            .enumerate()
            .map(|(a, attr)| {
                let d = i / self.strides[a];
                i %= self.strides[a];
                attr.low() + d as i64
            })
            .collect()
    }

    /// Whether the function from the cases of `region` to `key` of their
    /// verdict depends on the (missing) attribute `a`.
    fn depends<K: PartialEq>(
        &self,
        region: &[usize],
        a: AttrId,
        key: impl Fn(&Verdict) -> K,
    ) -> bool {
        let s = self.strides[a];
        let n = self.attrs[a].size() as usize;
        region.iter().any(|&i| {
            let base = i - (i / s % n) * s;
            key(&self.verdicts[i]) != key(&self.verdicts[base])
        })
    }

    /// Whether every case agreeing with `case` on the attributes `keep` has
    /// this outcome.
    fn fixes(&self, case: &[Option<i64>], keep: &[AttrId], outcome: Option<OutcomeId>) -> bool {
        let fixed: Vec<Option<i64>> = (0..case.len())
            .map(|a| if keep.contains(&a) { case[a] } else { None })
            .collect();
        self.region(&fixed)
            .iter()
            .all(|&i| self.verdicts[i].outcome() == outcome)
    }
}

/// What a case must evaluate to.
#[derive(Debug)]
enum Expect {
    Decided {
        outcome: Option<OutcomeId>,
        rules: Vec<RuleId>,
        default: bool,
        depend: Vec<AttrId>,
        /// The size of a smallest sufficient set, and one such set.
        minimum: (usize, Vec<AttrId>),
    },
    Undetermined {
        needs: Vec<AttrId>,
        possible: Vec<Option<OutcomeId>>,
    },
}

fn expect(t: &Table, case: &[Option<i64>]) -> Expect {
    let region = t.region(case);
    let missing: Vec<AttrId> = (0..case.len()).filter(|&a| case[a].is_none()).collect();
    let possible: BTreeSet<Option<OutcomeId>> =
        region.iter().map(|&i| t.verdicts[i].outcome()).collect();
    if possible.len() > 1 {
        return Expect::Undetermined {
            needs: missing
                .iter()
                .copied()
                .filter(|&a| t.depends(&region, a, Verdict::outcome))
                .collect(),
            possible: possible.into_iter().collect(),
        };
    }
    let outcome = *possible.first().expect("a region has a case");
    let rules_of = |i: usize| match &t.verdicts[i] {
        Verdict::Decided { rules, .. } => rules.clone(),
        _ => Vec::new(),
    };
    let rules: Vec<RuleId> = rules_of(region[0])
        .into_iter()
        .filter(|r| region.iter().all(|&i| rules_of(i).contains(r)))
        .collect();
    let default = region
        .iter()
        .all(|&i| matches!(t.verdicts[i], Verdict::Decided { default: true, .. }));
    let depend = missing
        .iter()
        .copied()
        .filter(|&a| t.depends(&region, a, Verdict::clone))
        .collect();
    // A smallest set of given values that fixes the outcome.
    let given: Vec<AttrId> = (0..case.len()).filter(|&a| case[a].is_some()).collect();
    let mut subsets: Vec<Vec<AttrId>> = (0u32..1 << given.len())
        .map(|m| {
            (0..given.len())
                .filter(|&k| m & (1 << k) != 0)
                .map(|k| given[k])
                .collect()
        })
        .collect();
    subsets.sort_by_key(Vec::len);
    let smallest = subsets
        .into_iter()
        .find(|s| t.fixes(case, s, outcome))
        .expect("all given values fix a decided outcome");
    Expect::Decided {
        outcome,
        rules,
        default,
        depend,
        minimum: (smallest.len(), smallest),
    }
}

// ----- a policy under test ------------------------------------------------

/// The checked policy of `text`, or the codes of its errors.
fn check(text: &str) -> Result<Policy, Vec<&'static str>> {
    common::check("p.policy", text).policy_or_codes()
}

/// A random policy that checks, written out and compiled, with its cases.
struct Subject {
    text: String,
    policy: Policy,
    table: Table,
    _dir: Scratch,
    file: String,
    tree: String,
    dag: String,
    /// The batch: complete cases, then partial ones.
    cases: Vec<Vec<Option<i64>>>,
    lines: Vec<String>,
    batch: String,
    /// The smaller batch run with `--why-not`.
    why_not_cases: Vec<Vec<Option<i64>>>,
    why_not_lines: Vec<String>,
    why_not_batch: String,
}

impl Subject {
    /// `g` rendered, or with `resolve first` when it is strict and its
    /// conflicts are all that is wrong; `None` when it does not check.
    fn generated(g: &Gen, seed: u64) -> Result<Option<Subject>, String> {
        let text = g.text(None);
        let (text, policy) = match check(&text) {
            Ok(p) => (text, p),
            Err(codes) if codes.iter().all(|&c| c == "E0040") => {
                let text = g.text(Some("first"));
                match check(&text) {
                    Ok(p) => (text, p),
                    Err(_) => return Ok(None),
                }
            }
            Err(_) => return Ok(None),
        };
        Subject::new(text, policy, seed).map(Some)
    }

    fn from_text(text: &str) -> Subject {
        let policy = check(text).unwrap_or_else(|c| panic!("{c:?}:\n{text}"));
        Subject::new(text.to_string(), policy, 1).unwrap_or_else(|e| panic!("{e}"))
    }

    fn new(text: String, policy: Policy, seed: u64) -> Result<Subject, String> {
        let attrs = eval_check::attributes_of_policy(&policy);
        let table = Table::new(&policy, attrs.clone());
        let mut rng = Rng::new(seed);
        let n = table.verdicts.len();
        let complete: Vec<usize> = if n <= COMPLETE {
            (0..n).collect()
        } else {
            (0..COMPLETE)
                .map(|_| rng.range(0, n as u64 - 1) as usize)
                .collect()
        };
        let mut cases: Vec<Vec<Option<i64>>> = complete
            .iter()
            .map(|&i| table.case(i).into_iter().map(Some).collect())
            .collect();
        let partial_count: u64 = attrs.iter().map(|a| a.size() + 1).product::<u64>() - n as u64;
        let mut partial: Vec<Vec<Option<i64>>> = vec![vec![None; attrs.len()]];
        if partial_count <= PARTIAL as u64 {
            // Every partial case: each attribute one of its values or left out.
            let mut all: Vec<Vec<Option<i64>>> = vec![Vec::new()];
            for a in &attrs {
                all = all
                    .into_iter()
                    .flat_map(|p| {
                        (-1..a.size() as i64).map(move |d| {
                            let mut p = p.clone();
                            p.push((d >= 0).then_some(a.low() + d));
                            p
                        })
                    })
                    .collect();
            }
            partial.extend(
                all.into_iter()
                    .filter(|c| c.iter().any(Option::is_none) && c.iter().any(Option::is_some)),
            );
        } else {
            while partial.len() <= PARTIAL {
                let share = rng.range(1, 4);
                let full = table.case(rng.range(0, n as u64 - 1) as usize);
                let mut case: Vec<Option<i64>> = full
                    .into_iter()
                    .map(|v| (rng.range(1, 5) > share).then_some(v))
                    .collect();
                if case.iter().all(Option::is_some) {
                    case[rng.range(0, attrs.len() as u64 - 1) as usize] = None;
                }
                partial.push(case);
            }
        }
        let complete_len = cases.len();
        cases.extend(partial);
        let why_not_cases: Vec<Vec<Option<i64>>> = cases[..complete_len.min(WHY_NOT)]
            .iter()
            .chain(cases[complete_len..].iter().take(WHY_NOT))
            .cloned()
            .collect();

        let dir = Scratch::new("eval-props");
        let file = dir.join("p.policy");
        let (tree, dag) = (dir.join("p.tree.json"), dir.join("p.dag.json"));
        std::fs::write(&file, &text).map_err(|e| e.to_string())?;
        for (emit, out) in [("tree", &tree), ("dag", &dag)] {
            let r = run(&["compile", &file, "--emit", emit, "-o", out]);
            if r.status != 0 {
                return Err(format!(
                    "`{}` exits {}: {}\npolicy:\n{text}",
                    r.command(),
                    r.status,
                    r.stderr
                ));
            }
        }
        let lines: Vec<String> = cases.iter().map(|c| case_json(&attrs, c)).collect();
        let why_not_lines: Vec<String> =
            why_not_cases.iter().map(|c| case_json(&attrs, c)).collect();
        let (batch, why_not_batch) = (dir.join("cases.jsonl"), dir.join("why_not.jsonl"));
        std::fs::write(&batch, lines.join("\n") + "\n").map_err(|e| e.to_string())?;
        std::fs::write(&why_not_batch, why_not_lines.join("\n") + "\n")
            .map_err(|e| e.to_string())?;
        Ok(Subject {
            text,
            policy,
            table,
            _dir: dir,
            file,
            tree,
            dag,
            cases,
            lines,
            batch,
            why_not_cases,
            why_not_lines,
            why_not_batch,
        })
    }

    fn attrs(&self) -> &[Attr] {
        &self.table.attrs
    }

    fn outcome_json(&self, o: Option<OutcomeId>) -> J {
        o.map_or(J::Null, |o| {
            J::from(self.policy.decision.outcomes[o].clone())
        })
    }

    fn rules_json(&self, rules: &[RuleId]) -> J {
        J::Array(
            rules
                .iter()
                .map(|&r| {
                    let rule = &self.policy.rules[r];
                    let mut o = Map::new();
                    o.insert("id".into(), rule.id.clone().into());
                    if let Some(b) = &rule.because {
                        o.insert("because".into(), b.clone().into());
                    }
                    J::Object(o)
                })
                .collect(),
        )
    }

    fn names(&self, attrs: &[AttrId]) -> J {
        J::Array(
            attrs
                .iter()
                .map(|&a| J::from(self.attrs()[a].name.clone()))
                .collect(),
        )
    }

    /// Given values as a JSON object, for messages.
    fn values(&self, case: &[Option<i64>], attrs: &[AttrId]) -> String {
        let c: Vec<Option<i64>> = (0..case.len())
            .map(|a| if attrs.contains(&a) { case[a] } else { None })
            .collect();
        case_json(self.attrs(), &c)
    }

    /// Runs `writ eval` on the batch file `batch` with more arguments and
    /// checks that it exits 0 with one line per case; returns the records.
    fn eval_batch(
        &self,
        file: &str,
        batch: &str,
        extra: &[&str],
        n: usize,
    ) -> Result<(Run, Vec<J>), String> {
        let mut args = vec!["eval", file, "--cases", batch];
        args.extend(extra);
        let r = run(&args);
        if r.status != 0 {
            return Err(format!(
                "`{}` exits {} on valid cases, expected 0; stderr: {}",
                r.command(),
                r.status,
                eval_check::brief(&r.stderr)
            ));
        }
        let recs = records(&r)?;
        if recs.len() != n {
            return Err(format!(
                "`{}` prints {} lines for {n} cases",
                r.command(),
                recs.len()
            ));
        }
        Ok((r, recs))
    }

    /// What is wrong with one result, against brute force. `with_path`:
    /// the diagram engine (the index engine gives no `path`).
    fn problems(&self, case: &[Option<i64>], rec: &J, with_path: bool) -> Problems {
        let mut out = shape_problems(rec, with_path, false);
        out.extend(own_value_problems(rec, self.attrs(), case));
        let complete = case.iter().all(Option::is_some);
        match expect(&self.table, case) {
            Expect::Undetermined { needs, possible } => {
                let want = serde_json::json!({
                    "undetermined": true,
                    "needs": self.names(&needs),
                    "possible": possible.iter().map(|&o| self.outcome_json(o)).collect::<Vec<_>>(),
                });
                if rec.get("undetermined").is_none() {
                    out.push((
                        "decided (should be undetermined)",
                        format!("the outcome depends on missing attributes: expected {want}"),
                    ));
                } else if rec.get("needs") != Some(&want["needs"]) {
                    out.push((
                        "`needs`",
                        format!(
                            "`needs` lists the missing attributes the outcome depends on, in declaration order: expected {want}"
                        ),
                    ));
                } else if rec.get("possible") != Some(&want["possible"]) {
                    out.push((
                        "`possible`",
                        format!(
                            "`possible` lists the outcomes of the completions, null first, then in declaration order: expected {want}"
                        ),
                    ));
                }
            }
            Expect::Decided {
                outcome,
                rules,
                default,
                depend,
                minimum,
            } => {
                let describe = || {
                    let mut want = Map::new();
                    want.insert("outcome".into(), self.outcome_json(outcome));
                    want.insert("rules".into(), self.rules_json(&rules));
                    want.insert("default".into(), default.into());
                    if !depend.is_empty() {
                        want.insert("rules_depend_on".into(), self.names(&depend));
                    }
                    format!(
                        "{} and a sufficient set of {} given values, such as {}",
                        J::Object(want),
                        minimum.0,
                        self.values(case, &minimum.1)
                    )
                };
                if rec.get("undetermined").is_some() {
                    out.push((
                        "undetermined (should be decided)",
                        format!(
                            "every completion of the case has the outcome {}: expected {}",
                            self.outcome_json(outcome),
                            describe()
                        ),
                    ));
                    return out;
                }
                let why = if complete {
                    "the interpreter's verdict"
                } else {
                    "over every completion of the case"
                };
                let fields: [(&'static str, J); 3] = [
                    ("`outcome`", self.outcome_json(outcome)),
                    ("`rules`", self.rules_json(&rules)),
                    ("`default`", J::from(default)),
                ];
                for (k, want) in fields {
                    if rec.get(k.trim_matches('`')) != Some(&want) {
                        out.push((
                            k,
                            format!("{k} should be {want} ({why}); expected {}", describe()),
                        ));
                    }
                }
                match (depend.is_empty(), rec.get("rules_depend_on")) {
                    (true, None) => {}
                    (false, Some(d)) if *d == self.names(&depend) => {}
                    (_, got) => out.push((
                        "`rules_depend_on`",
                        format!(
                            "`rules_depend_on` should be {}, got {}; expected {}",
                            if depend.is_empty() {
                                "absent".to_string()
                            } else {
                                self.names(&depend).to_string()
                            },
                            got.map_or("nothing".to_string(), J::to_string),
                            describe()
                        ),
                    )),
                }
                if rec.get("sufficient_minimal").is_some() {
                    out.push((
                        "`sufficient_minimal`",
                        format!(
                            "`sufficient_minimal` on a small policy: the reason must be a minimum ({} values, such as {})",
                            minimum.0,
                            self.values(case, &minimum.1)
                        ),
                    ));
                }
                if let Some(o) = rec.get("sufficient").and_then(J::as_object) {
                    let chosen: Vec<AttrId> = o
                        .keys()
                        .filter_map(|k| self.attrs().iter().position(|a| &a.name == k))
                        .collect();
                    if !self.table.fixes(case, &chosen, outcome) {
                        out.push((
                            "`sufficient` does not fix the outcome",
                            format!(
                                "`sufficient` {} does not fix the outcome {}: some case that agrees with it is decided otherwise; expected {}",
                                rec["sufficient"],
                                self.outcome_json(outcome),
                                describe()
                            ),
                        ));
                    } else if chosen.len() != minimum.0 {
                        out.push((
                            "`sufficient` not a minimum",
                            format!(
                                "`sufficient` {} has {} values, but {} fix the outcome: {}",
                                rec["sufficient"],
                                chosen.len(),
                                minimum.0,
                                self.values(case, &minimum.1)
                            ),
                        ));
                    }
                }
                if with_path && complete && rec.get("path").is_some_and(J::is_array) {
                    // A diagram path's values lead to one leaf.
                    let steps: Vec<AttrId> = rec["path"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| {
                            let name = s["attribute"].as_str()?;
                            self.attrs().iter().position(|a| a.name == name)
                        })
                        .collect();
                    let fixed: Vec<Option<i64>> = (0..case.len())
                        .map(|a| if steps.contains(&a) { case[a] } else { None })
                        .collect();
                    let here = &self.table.verdicts[self.table.region(case)[0]];
                    if let Some(&i) = self
                        .table
                        .region(&fixed)
                        .iter()
                        .find(|&&i| self.table.verdicts[i] != *here)
                    {
                        out.push((
                            "`path` does not lead to one verdict",
                            format!(
                                "`path` {} does not lead to one verdict: the case {} agrees with it and is decided otherwise",
                                rec["path"],
                                case_json(
                                    self.attrs(),
                                    &self.table.case(i).into_iter().map(Some).collect::<Vec<_>>()
                                )
                            ),
                        ));
                    }
                }
            }
        }
        out
    }

    /// Checks every result of a batch run against brute force; a failure
    /// counts the wrong results by problem and shows the first of each.
    fn check_batch(
        &self,
        run: &Run,
        recs: &[J],
        engine: &str,
        with_path: bool,
    ) -> Result<(), String> {
        self.check_batch_with(run, recs, engine, |case, rec| {
            self.problems(case, rec, with_path)
        })
    }

    /// [`Subject::check_batch`] with another judge of each result.
    fn check_batch_with(
        &self,
        run: &Run,
        recs: &[J],
        engine: &str,
        judge: impl Fn(&[Option<i64>], &J) -> Problems,
    ) -> Result<(), String> {
        let wrong: Vec<(usize, Problems)> = self
            .cases
            .iter()
            .zip(recs)
            .enumerate()
            .map(|(i, (case, rec))| (i, judge(case, rec)))
            .filter(|(_, ps)| !ps.is_empty())
            .collect();
        if wrong.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{engine} (`{}`): {}",
            run.command(),
            summary(
                &wrong,
                recs.len(),
                |i| self.lines[i].clone(),
                |i| recs[i].to_string()
            )
        ))
    }
}

// ----- the properties -------------------------------------------------------

fn diagram_property(s: &Subject) -> Result<(), String> {
    let (r, recs) = s.eval_batch(&s.file, &s.batch, &["--engine", "diagram"], s.cases.len())?;
    s.check_batch(&r, &recs, "policy file, --engine diagram", true)
}

fn index_property(s: &Subject) -> Result<(), String> {
    let (ri, index) = s.eval_batch(&s.file, &s.batch, &["--engine", "index"], s.cases.len())?;
    // Whether there is a `path` is `index_no_path_property`'s business.
    s.check_batch_with(&ri, &index, "policy file, --engine index", |case, rec| {
        s.problems(case, rec, false)
            .into_iter()
            .filter(|(k, _)| *k != "`path` under index")
            .collect()
    })
}

fn index_no_path_property(s: &Subject) -> Result<(), String> {
    let (ri, index) = s.eval_batch(&s.file, &s.batch, &["--engine", "index"], s.cases.len())?;
    s.check_batch_with(&ri, &index, "policy file, --engine index", |_, rec| {
        shape_problems(rec, false, false)
            .into_iter()
            .filter(|(k, _)| *k == "`path` under index")
            .collect()
    })
}

fn index_like_diagram_property(s: &Subject) -> Result<(), String> {
    let (_, index) = s.eval_batch(&s.file, &s.batch, &["--engine", "index"], s.cases.len())?;
    let (_, diagram) = s.eval_batch(&s.file, &s.batch, &["--engine", "diagram"], s.cases.len())?;
    let wrong: Vec<usize> = (0..index.len())
        .filter(|&i| without_path(&diagram[i]) != without_path(&index[i]))
        .collect();
    match wrong.first() {
        None => Ok(()),
        Some(&i) => Err(format!(
            "`--engine index` differs from `--engine diagram`, `path` aside (the same `sufficient` set is expected): {} of {} lines differ, the first is line {}\n  case:    {}\n  diagram: {}\n  index:   {}",
            wrong.len(),
            index.len(),
            i + 1,
            s.lines[i],
            diagram[i],
            index[i]
        )),
    }
}

fn forms_property(s: &Subject) -> Result<(), String> {
    let files = [
        (
            "policy file, --engine auto",
            s.file.as_str(),
            &["--engine", "auto"][..],
        ),
        ("tree JSON", s.tree.as_str(), &[][..]),
        ("dag JSON", s.dag.as_str(), &[][..]),
    ];
    let compare = |lines: &[String], args: &[&str]| -> Result<(), String> {
        let mut want_args = vec!["eval", s.file.as_str()];
        want_args.extend(args);
        want_args.extend(["--engine", "diagram"]);
        let want = run(&want_args);
        for (form, file, extra) in files {
            let mut got_args = vec!["eval", file];
            got_args.extend(args);
            got_args.extend(extra);
            let got = run(&got_args);
            if let Some(d) = difference(lines, &want, &got) {
                return Err(format!("{form}: {d}"));
            }
        }
        Ok(())
    };
    compare(&s.lines, &["--cases", &s.batch])?;
    for o in &s.policy.decision.outcomes {
        compare(
            &s.why_not_lines,
            &["--cases", &s.why_not_batch, "--why-not", o],
        )?;
    }
    let complete = s.cases.iter().position(|c| c.iter().all(Option::is_some));
    let partial = s.cases.iter().position(|c| c.iter().any(Option::is_none));
    let some = &s.policy.decision.outcomes[0];
    for i in [complete, partial].into_iter().flatten() {
        let case = &s.lines[i];
        for format in ["text", "json"] {
            compare(
                std::slice::from_ref(case),
                &["--case", case, "--format", format],
            )?;
            compare(
                std::slice::from_ref(case),
                &["--case", case, "--format", format, "--why-not", some],
            )?;
        }
    }
    Ok(())
}

fn why_not_property(s: &Subject) -> Result<(), String> {
    let t = &s.table;
    for (o, name) in s.policy.decision.outcomes.iter().enumerate() {
        let (r, recs) = s.eval_batch(
            &s.file,
            &s.why_not_batch,
            &["--engine", "diagram", "--why-not", name],
            s.why_not_cases.len(),
        )?;
        let targets: Vec<Vec<i64>> = (0..t.verdicts.len())
            .filter(|&i| t.verdicts[i].outcome() == Some(o))
            .map(|i| t.case(i))
            .collect();
        for (i, (case, rec)) in s.why_not_cases.iter().zip(&recs).enumerate() {
            let fail = |what: String| {
                Err(format!(
                    "`{}`, line {}:\n  case:    {}\n  result:  {rec}\n  problem: {what}",
                    r.command(),
                    i + 1,
                    s.why_not_lines[i]
                ))
            };
            if rec.get("undetermined").is_some() {
                continue;
            }
            if let Some((_, e)) = shape_problems(rec, true, true).into_iter().next() {
                return fail(e);
            }
            let w = &rec["why_not"];
            if w["outcome"] != name.as_str() {
                return fail(format!("`why_not.outcome` should be {name:?}"));
            }
            let Some(nearest) = w["nearest"].as_array() else {
                return fail("`why_not.nearest` must be an array".into());
            };
            if !case.iter().all(Option::is_some) {
                continue;
            }
            let own: Vec<i64> = case.iter().map(|v| v.unwrap()).collect();
            let distance = targets
                .iter()
                .map(|c| c.iter().zip(&own).filter(|(a, b)| a != b).count())
                .min();
            let Some(distance) = distance else {
                if !nearest.is_empty() {
                    return fail(format!("no case is decided {name:?}, yet cases are listed"));
                }
                continue;
            };
            if nearest.is_empty() {
                return fail(format!(
                    "a case {distance} changes away is decided {name:?}, yet none is listed"
                ));
            }
            for n in nearest {
                let Some(changes) = n["changes"].as_object() else {
                    return fail(format!("a nearest case without `changes`: {n}"));
                };
                let mut changed = own.clone();
                for (k, v) in changes {
                    let Some(a) = s.attrs().iter().position(|x| &x.name == k) else {
                        return fail(format!("`{k}` is no attribute"));
                    };
                    let attr = &s.attrs()[a];
                    let Some(x) = (0..attr.size() as i64)
                        .map(|d| attr.low() + d)
                        .find(|&x| attr.json(x) == *v)
                    else {
                        return fail(format!("{k} = {v} is no value of `{k}`"));
                    };
                    if x == own[a] {
                        return fail(format!("a change of {k} to its own value {v}"));
                    }
                    changed[a] = x;
                }
                if changes.len() != distance {
                    return fail(format!(
                        "{n} changes {} attributes, but the nearest cases decided {name:?} change {distance}",
                        changes.len()
                    ));
                }
                let full: Vec<Option<i64>> = changed.iter().map(|&v| Some(v)).collect();
                let v = &t.verdicts[t.region(&full)[0]];
                let rules = match v {
                    Verdict::Decided { rules, .. } if v.outcome() == Some(o) => rules,
                    _ => {
                        return fail(format!("{n}: that case is not decided {name:?} but {v:?}"));
                    }
                };
                if n["rules"] != s.rules_json(rules) {
                    return fail(format!(
                        "{n}: that case is decided by {}",
                        s.rules_json(rules)
                    ));
                }
            }
        }
    }
    Ok(())
}

// ----- running --------------------------------------------------------------

fn seed() -> u64 {
    common::seed(DEFAULT_SEED)
}

/// Runs `property` on random policies that check; a failure panics with
/// the seed, the shrunk policy and what went wrong.
fn run_property(name: &str, property: fn(&Subject) -> Result<(), String>) {
    let seed = seed();
    let mut config = Config {
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_MAX_SHRINK_ITERS").is_none() {
        config.max_shrink_iters = 256;
    }
    if std::env::var_os("PROPTEST_MAX_SHRINK_TIME").is_none() {
        config.max_shrink_time = 20_000;
    }
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = POLICIES;
    }
    let cases = config.cases as usize;
    let (checked, rejected) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let strategy = (policy_gen(), any::<u64>());
    if std::env::var_os("WRIT_EVAL_SURVEY").is_some() {
        survey(name, cases, config, &strategy, property);
        return;
    }
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |(g, s)| {
        match Subject::generated(&g, s).map_err(TestCaseError::fail)? {
            None => {
                rejected.fetch_add(1, Relaxed);
                Ok(())
            }
            Some(subject) => {
                checked.fetch_add(1, Relaxed);
                property(&subject)
                    .map_err(|e| TestCaseError::fail(format!("{e}\npolicy:\n{}", subject.text)))
            }
        }
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, _)) => panic!(
            "{name}: {why}\n(the policy as evaluated: a generated strict policy with conflicts is run \
             with `resolve first`)\nseed {seed:#x}: WRIT_PROPTEST_SEED={seed:#x} reproduces this run"
        ),
        Err(e) => panic!("{name}: {e} (seed {seed:#x})"),
    }
    let (checked, rejected) = (checked.load(Relaxed), rejected.load(Relaxed));
    eprintln!("{name}: seed {seed:#x}, {checked} policies checked, {rejected} rejected");
    assert!(
        checked * 2 >= cases,
        "{name}: only {checked} of {cases} generated policies checked"
    );
}

/// `WRIT_EVAL_SURVEY=1`: instead of stopping at the first failure and
/// shrinking it, runs the property on every generated policy and prints,
/// for each kind of problem, in how many policies it occurs and the
/// shortest failure message. A map of what is still wrong; the test passes.
fn survey(
    name: &str,
    cases: usize,
    config: Config,
    strategy: &impl Strategy<Value = (Gen, u64)>,
    property: fn(&Subject) -> Result<(), String>,
) {
    use proptest::strategy::ValueTree;
    use std::collections::BTreeMap;
    let mut runner = TestRunner::new(config);
    let mut kinds: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let (mut failing, mut checked) = (0, 0);
    for _ in 0..cases {
        let (g, seed) = strategy.new_tree(&mut runner).expect("a policy").current();
        let subject = match Subject::generated(&g, seed) {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(e) => panic!("{e}"),
        };
        checked += 1;
        let Err(e) = property(&subject) else {
            continue;
        };
        failing += 1;
        let found: Vec<String> = match e.find("problems: ") {
            Some(i) => e[i + 10..]
                .lines()
                .next()
                .unwrap_or_default()
                .split(", ")
                .map(|k| k.rsplit_once(" ×").map_or(k, |x| x.0).to_string())
                .collect(),
            None => vec![
                e.split(':')
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .map(|c| if c.is_ascii_digit() { 'N' } else { c })
                    .collect(),
            ],
        };
        let example = format!("{e}\npolicy:\n{}", subject.text);
        for k in found {
            let entry = kinds.entry(k).or_insert((0, example.clone()));
            entry.0 += 1;
            if example.len() < entry.1.len() {
                entry.1 = example.clone();
            }
        }
    }
    eprintln!("survey of {name}: {failing} of {checked} policies fail");
    for (k, (n, example)) in &kinds {
        eprintln!("\n[{k}] in {n} policies; the shortest failure:\n{example}");
    }
}

#[test]
fn diagram_engine_matches_brute_force() {
    run_property("diagram engine", diagram_property);
}

#[test]
fn index_engine_matches_brute_force() {
    run_property("index engine", index_property);
}

#[test]
fn index_engine_gives_no_path() {
    run_property("index engine, `path`", index_no_path_property);
}

#[test]
fn index_engine_gives_the_diagram_engines_results() {
    run_property(
        "index engine against the diagram engine",
        index_like_diagram_property,
    );
}

#[test]
fn compiled_forms_print_what_the_policy_prints() {
    run_property("compiled forms", forms_property);
}

#[test]
fn why_not_names_the_nearest_cases() {
    run_property("why not", why_not_property);
}

/// The partial case `{"a": "x"}` is decided `yes` in every completion, by
/// `r1` in some and `r2` in others: decided, no rule explains it in every
/// completion, and the explaining rules depend on `b`.
#[test]
fn a_partial_case_is_decided_though_its_rules_vary() {
    let base = "policy vary\n\
                attribute a: { x, y }\n\
                attribute b: { u, v }\n\
                decision d: { yes, no }\n\
                rule r1: when a = x and b = u then yes because \"r1 holds\"\n\
                rule r2: when a = x and b = v then yes\n";
    let mut failures = Vec::new();
    for default in ["", "default undecided\n", "default no\n"] {
        let text = format!("{base}{default}");
        let s = Subject::from_text(&text);
        let mut check = |what: &str, r: Result<(), String>| {
            if let Err(e) = r {
                failures.push(format!("{what}: {e}\npolicy:\n{text}"));
            }
        };
        for engine in ["diagram", "index"] {
            let r = run(&[
                "eval",
                &s.file,
                "--engine",
                engine,
                "--case",
                r#"{"a": "x"}"#,
                "--format",
                "json",
            ]);
            check(
                engine,
                serde_json::from_str::<J>(&r.stdout)
                    .map_err(|e| format!("`{}` exits {}, not JSON ({e}): {}{}", r.command(), r.status, r.stdout, r.stderr))
                    .and_then(|v| {
                        let want = serde_json::json!({
                            "outcome": "yes",
                            "rules": [],
                            "default": false,
                            "sufficient": {"a": "x"},
                            "rules_depend_on": ["b"],
                        });
                        if without_path(&v) == want && (engine == "index") != v.get("path").is_some() {
                            Ok(())
                        } else {
                            Err(format!("`{}` prints {v}, expected {want} (with `path` under the diagram engine)", r.command()))
                        }
                    }),
            );
        }
        check("diagram engine", diagram_property(&s));
        check("index engine", index_property(&s));
        check("index engine, `path`", index_no_path_property(&s));
        check(
            "index engine against the diagram engine",
            index_like_diagram_property(&s),
        );
        check("compiled forms", forms_property(&s));
        check("why not", why_not_property(&s));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
