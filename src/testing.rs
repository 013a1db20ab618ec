//! Running the tests written beside the rules (SPEC 4.8, `writ test`).
//!
//! A test `given C expect E` is checked exhaustively on the compiled
//! diagram, never by sampling: the bool diagram of `C` is combined with the
//! policy's diagram into one whose leaves say "bad" exactly where a case
//! satisfies `C` and its verdict does not meet `E`. The test holds when that
//! diagram is the single "ok" leaf (diagrams are canonical, so this is a
//! comparison of node ids); otherwise a path to the "bad" leaf is one
//! counterexample. The cost is one `apply` per test, linear in the product
//! of the two diagrams' sizes, however many cases the region holds.
//!
//! ```
//! use writ::source::SourceMap;
//!
//! let text = "policy card
//! attribute location: { US, Ireland }
//! decision outcome: { compel, quash }
//! rule home: when location = US then compel
//! test \"home\": given location = US expect compel by home
//! test \"everywhere\": expect compel";
//! let mut map = SourceMap::new();
//! let policy = writ::api::check_source(&mut map, "card.policy", text).policy.unwrap();
//! let results = writ::testing::run_policy_tests(&policy, &Default::default()).unwrap();
//! assert!(results[0].passed());
//! assert_eq!(
//!     writ::render::test::line(&policy, &results[1]),
//!     "FAIL \"everywhere\": expected compel, got undecided; counterexample: location = Ireland"
//! );
//! ```

use crate::check::{Expectation, Policy};
/// A case with its values by name (the witness form of diagnostics).
pub use crate::compile::witness;
use crate::compile::{self, CompileError, Diagram, Options};
use crate::semantics::{Value, Verdict};

/// Leaf payloads of the combined diagram: a case outside the test's region,
/// or inside it and decided as expected.
const OK: u32 = 0;
/// Leaf payload of the combined diagram: a case inside the region whose
/// verdict breaks the expectation.
const BAD: u32 = 1;

/// The result of one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestResult {
    /// Index of the test in [`Policy::tests`].
    pub test: usize,
    /// The test's name.
    pub name: String,
    /// Why the test failed; `None` when it passed.
    pub failure: Option<Failure>,
}

impl TestResult {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Why a test failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No case satisfies the test's `given` (SPEC 4.8: a failed test, since
    /// a test about nothing checks nothing).
    NoCase,
    /// A case that satisfies `given` and is not decided as expected.
    Counterexample {
        /// The case, one value per attribute (see [`Value`]).
        case: Vec<Value>,
        /// What the policy decides for it.
        got: Verdict,
    },
    /// The diagram grew past its budget of nodes or of memory while the
    /// test was combined with it, or the policy itself could not be
    /// compiled ([`run_policy_tests`] reports the latter as an `Err`
    /// instead).
    TooLarge {
        /// Which budget, and for memory, what held it.
        budget: compile::BudgetExceeded,
    },
    /// The test expects `by` a rule but the diagram was compiled with
    /// `outcomes_only`, so it carries no explaining rules to check.
    NoExplanations,
}

/// Whether `verdict` is what `expect` asks for (SPEC 4.8): the expected
/// outcome, decided by a rule or by `default`, with the `by` rule among the
/// explaining rules; or undecided. A `Conflict` never meets an expectation.
pub fn satisfies(expect: &Expectation, verdict: &Verdict) -> bool {
    match (expect, verdict) {
        (Expectation::Undecided, Verdict::Undecided) => true,
        (
            Expectation::Outcome { outcome, by },
            Verdict::Decided {
                outcome: got,
                rules,
                ..
            },
        ) => outcome == got && by.is_none_or(|r| rules.contains(&r)),
        _ => false,
    }
}

/// Runs every test of `policy` on `diagram`, which must be the policy's own
/// compiled diagram (its int cells include the bounds of every `given`,
/// which [`compile::compile`] guarantees). Results come in test order.
///
/// Each test adds the nodes of its `given` and of the combined diagram to
/// the diagram's manager, within its node budget; a test that would exceed
/// it fails with [`Failure::TooLarge`] and the others still run. The
/// policy's own diagram (`diagram.root`) is unchanged.
///
/// A counterexample keeps every attribute the failure does not depend on
/// at its first value (the first enum value, `false`, the lower bound), so
/// it reads as close to a "default" case as the failure allows.
pub fn run_tests(policy: &Policy, diagram: &mut Diagram) -> Vec<TestResult> {
    let all: Vec<usize> = (0..policy.tests.len()).collect();
    run_selected(policy, diagram, &all)
}

/// Runs the tests of `policy` whose indices (in [`Policy::tests`]) are in
/// `tests`, as [`run_tests`] does, results in the order of `tests`.
pub fn run_selected(policy: &Policy, diagram: &mut Diagram, tests: &[usize]) -> Vec<TestResult> {
    tests
        .iter()
        .map(|&i| TestResult {
            test: i,
            name: policy.tests[i].name.clone(),
            failure: run_one(policy, diagram, i).err(),
        })
        .collect()
}

/// The indices of the tests `writ test --run PATTERN` runs: those whose
/// name contains `pattern` (case-sensitive, as `cargo test FILTER`
/// matches), every test without a pattern. In file order.
pub fn select(policy: &Policy, pattern: Option<&str>) -> Vec<usize> {
    policy
        .tests
        .iter()
        .enumerate()
        .filter(|(_, t)| pattern.is_none_or(|p| t.name.contains(p)))
        .map(|(i, _)| i)
        .collect()
}

/// Compiles `policy` with `options` (`writ test` uses
/// [`Options::default`] with its `--max-nodes`) and runs its tests
/// ([`run_tests`]). `Err` when the policy's diagram exceeds the node budget.
pub fn run_policy_tests(
    policy: &Policy,
    options: &Options,
) -> Result<Vec<TestResult>, CompileError> {
    let mut diagram = compile::compile(policy, options)?;
    Ok(run_tests(policy, &mut diagram))
}

fn run_one(policy: &Policy, d: &mut Diagram, test: usize) -> Result<(), Failure> {
    let t = &policy.tests[test];
    if d.outcomes_only && matches!(t.expect, Expectation::Outcome { by: Some(_), .. }) {
        return Err(Failure::NoExplanations);
    }
    let too_large = |budget| Failure::TooLarge { budget };
    let region = match &t.given {
        Some(c) => compile::cond_diagram(d, c).map_err(too_large)?,
        None => d.mdd.leaf(1).map_err(too_large)?,
    };
    // Reduced diagrams are canonical: an unsatisfiable `given` is exactly
    // the `false` leaf.
    if d.mdd.payload(region) == Some(0) {
        return Err(Failure::NoCase);
    }
    // Which verdicts break the expectation, computed once per verdict rather
    // than once per leaf pair.
    let breaks: Vec<bool> = d
        .verdicts
        .iter()
        .map(|v| !satisfies(&t.expect, v))
        .collect();
    let mut op = |verdict: u32, inside: u32| {
        if inside == 1 && breaks[verdict as usize] {
            BAD
        } else {
            OK
        }
    };
    let combined = d
        .mdd
        .apply(
            d.root,
            region,
            &mut op,
            &mut crate::compile::mdd::Memo2::default(),
        )
        .map_err(too_large)?;
    if d.mdd.payload(combined) == Some(OK) {
        return Ok(());
    }
    // `combined` is not the OK leaf, so the BAD leaf exists and this only
    // looks it up.
    let bad = d.mdd.leaf(BAD).map_err(too_large)?;
    let base = crate::compile::base_case(policy);
    let case = d
        .case_to(combined, bad, &base)
        .expect("a diagram that is not the OK leaf reaches the BAD leaf");
    let got = d.decide(&case).clone();
    Err(Failure::Counterexample { case, got })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test::line as render;
    use crate::semantics::interp::{Interpreter, all_cases};
    use crate::source::SourceMap;

    fn policy(text: &str) -> Policy {
        let r = crate::api::check_source(&mut SourceMap::new(), "t.policy", text);
        r.policy.unwrap_or_else(|| panic!("{:#?}", r.diagnostics))
    }

    /// The same question answered case by case with the interpreter: does
    /// every case in the region meet the expectation, and is there any?
    fn brute_force(p: &Policy, test: usize) -> (bool, bool) {
        let i = Interpreter::new(p);
        let t = &p.tests[test];
        let mut any = false;
        let mut ok = true;
        for case in all_cases(p, 1 << 20).unwrap() {
            if t.given.as_ref().is_none_or(|g| i.holds(g, &case)) {
                any = true;
                ok &= satisfies(&t.expect, &i.decide(&case));
            }
        }
        (any, ok)
    }

    const BODY: &str = "attribute k: { a, b, c }
attribute flag: bool
attribute n: int -3..40
decision o: { yes, no, maybe }
rule r1: when k = a and n >= 18 then yes
rule r2 overrides r1: when flag and k = a and n in { 20, 21 } then no
rule r3: when k = c then maybe
rule r4: when k = c and not flag then maybe
";

    const TESTS: &str = "
test \"adult a\": given k = a and n >= 18 and not flag expect yes by r1
test \"adult a any flag\": given k = a and n >= 18 expect yes
test \"exception\": given flag and n = 20 and k = a expect no by r2
test \"c\": given k = c expect maybe by r4
test \"c unflagged\": given k = c and not flag expect maybe by r4
test \"b\": given k = b and n < 20 expect undecided
test \"b default\": given k = b expect no
test \"empty\": given n > 30 and n < 25 expect yes
test \"all\": expect yes
test \"strict with priority\": given k = c expect maybe
";

    #[test]
    fn results_agree_with_brute_force() {
        for head in [
            "",
            "resolve first\n",
            "resolve priority no > maybe > yes\n",
            "default no\n",
            "default undecided\n",
        ] {
            let p = policy(&format!("policy t\n{head}{BODY}{TESTS}"));
            let results = run_policy_tests(&p, &Options::default()).unwrap();
            assert_eq!(results.len(), p.tests.len());
            for r in &results {
                let (any, ok) = brute_force(&p, r.test);
                let t = &p.tests[r.test];
                match &r.failure {
                    None => assert!(any && ok, "{head}{}", r.name),
                    Some(Failure::NoCase) => assert!(!any, "{}", r.name),
                    Some(Failure::Counterexample { case, got }) => {
                        assert!(any && !ok, "{head}{}", r.name);
                        // The counterexample really is one.
                        let i = Interpreter::new(&p);
                        assert!(
                            t.given.as_ref().is_none_or(|g| i.holds(g, case)),
                            "{}",
                            r.name
                        );
                        assert_eq!(&i.decide(case), got);
                        assert!(!satisfies(&t.expect, got));
                    }
                    Some(f) => panic!("unexpected {f:?}"),
                }
            }
        }
    }

    #[test]
    fn renders_failures_by_name() {
        let p = policy(&format!("policy t\ndefault no\n{BODY}{TESTS}"));
        let results = run_policy_tests(&p, &Options::default()).unwrap();
        let lines: Vec<String> = results.iter().map(|r| render(&p, r)).collect();
        assert_eq!(lines[0], "PASS \"adult a\"");
        assert_eq!(
            lines[1],
            "FAIL \"adult a any flag\": expected yes, got no by r2; \
             counterexample: k = a, flag = true, n = 20"
        );
        assert_eq!(
            lines[3],
            "FAIL \"c\": expected maybe by r4, got maybe by r3; counterexample: k = c, flag = true, n = -3"
        );
        assert_eq!(
            lines[5],
            "FAIL \"b\": expected undecided, got no by default; counterexample: k = b, flag = false, n = -3"
        );
        assert_eq!(lines[7], "FAIL \"empty\": no case satisfies `given`");
    }

    #[test]
    fn strict_conflicts_fail_tests() {
        // `check` rejects a strict policy with a conflict (E0040), so the
        // policy is checked under `first` and then made strict: the checked
        // form is otherwise the same.
        let mut p = policy(
            "policy t\nresolve first\nattribute k: { a, b }\ndecision o: { yes, no }\n\
             rule r1: when true then yes\nrule r2: when k = b then no\ntest \"x\": expect yes\n",
        );
        p.resolve = crate::check::Resolve::Strict;
        let results = run_policy_tests(&p, &Options::default()).unwrap();
        assert_eq!(
            render(&p, &results[0]),
            "FAIL \"x\": expected yes, got a conflict: r1 gives yes, r2 gives no; counterexample: k = b"
        );
    }

    #[test]
    fn budget_and_outcomes_only_are_reported() {
        let p = policy(&format!("policy t\n{BODY}{TESTS}"));
        let mut d = compile::compile(
            &p,
            &Options {
                outcomes_only: true,
                ..Options::default()
            },
        )
        .unwrap();
        let results = run_tests(&p, &mut d);
        assert_eq!(results[0].failure, Some(Failure::NoExplanations));
        assert!(
            results[1].failure.is_some() && results[1].failure != Some(Failure::NoExplanations)
        );
        // A budget the policy's own diagram just fits: the tests cannot add
        // their nodes.
        let size = compile::compile(&p, &Options::default()).unwrap().mdd.len();
        let mut d = compile::compile(
            &p,
            &Options {
                max_nodes: size,
                ..Options::default()
            },
        )
        .unwrap();
        let results = run_tests(&p, &mut d);
        assert!(
            results
                .iter()
                .any(|r| matches!(r.failure, Some(Failure::TooLarge { .. })))
        );
    }

    #[test]
    fn no_attributes() {
        let p = policy(
            "policy t\ndecision o: { yes }\ndefault yes\ntest \"a\": expect yes\ntest \"b\": expect undecided\n",
        );
        let results = run_policy_tests(&p, &Options::default()).unwrap();
        assert!(results[0].passed());
        assert_eq!(
            render(&p, &results[1]),
            "FAIL \"b\": expected undecided, got yes by default; counterexample: the only case (no attributes)"
        );
    }
}
