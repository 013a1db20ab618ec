//! Test coverage, exactly (SPEC section 6, `writ test --coverage`).
//!
//! A test *covers* the cases its `given` admits (every case when it has
//! none), whether it passes or fails. A rule *explains* a case when it is
//! among the explaining rules of the case's verdict. Everything is counted
//! on the compiled diagram, never by sampling: the union of the tests'
//! regions is one bool diagram, combined with the policy's diagram into one
//! whose leaves are (verdict, covered) pairs; one walk of it counts the
//! cases of every pair ([`super::rules::cases_by_payload`]), which gives
//! the policy's and every rule's counts at once. The uncovered cases are
//! the `false` leaf of the union, listed as merged regions whose
//! conditions can be pasted into a `given`.
//!
//! Shares are exact fractions of [`Count`]s (which may pass 2^64). They
//! are compared with a minimum exactly ([`Coverage::meets`]) and printed
//! rounded *down* ([`Share`]'s `Display`), so no share ever reads as 100%
//! unless it is, nor as reaching a threshold it misses (OPA's threshold
//! passed 100 with one line of ~12,000 uncovered, open-policy-agent/opa#6307).
//!
//! ```
//! use writ::analysis::coverage::{self, MinCoverage};
//!
//! let text = "policy card
//! attribute location: { US, Ireland, other }
//! decision outcome: { compel, quash }
//! rule home: when location = US then compel
//! rule away: when location = Ireland then quash
//! test \"home\": given location = US expect compel by home";
//! let mut map = writ::source::SourceMap::new();
//! let policy = writ::api::check_source(&mut map, "card.policy", text).policy.unwrap();
//! let cov = coverage::compute(&policy, &Default::default()).unwrap();
//! assert_eq!((cov.cases.to_string(), cov.covered.to_string()), ("3".into(), "1".into()));
//! assert!(cov.rules[0].named && !cov.rules[1].named);
//! assert_eq!(cov.rules[1].covered.to_string(), "0");
//! assert_eq!(cov.uncovered.regions[0].condition, "location != US");
//! assert_eq!(cov.share().to_string(), "33.3%");
//! assert!(cov.meets(&"33.3".parse::<MinCoverage>().unwrap()));
//! assert!(!cov.meets(&"33.34".parse::<MinCoverage>().unwrap()));
//! ```

use super::Listed;
use crate::check::ir::Cond;
use crate::check::{Expectation, Policy, RuleId};
use crate::compile::mdd::{BudgetExceeded, Memo2};
use crate::compile::{self, CompileError, Diagram};
use crate::diag::Count;
use crate::semantics::Verdict;

/// The label of the uncovered regions.
pub const UNCOVERED: &str = "uncovered";

/// The coverage of a policy by a set of its tests.
#[derive(Clone, Debug)]
pub struct Coverage {
    /// How many cases the policy has in all.
    pub cases: Count,
    /// How many of them some test covers.
    pub covered: Count,
    /// One entry per rule, in the policy's rule order.
    pub rules: Vec<RuleCoverage>,
    /// The cases no test covers, as merged disjoint regions (their
    /// `condition`s parse as a `given`); `uncovered.cases` is their exact
    /// number, `cases - covered`.
    pub uncovered: Listed,
}

/// The coverage of one rule's cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCoverage {
    /// The rule's index in [`Policy::rules`].
    pub rule: RuleId,
    /// The rule's id as written.
    pub id: String,
    /// How many cases it explains (is among the explaining rules of their
    /// verdict); zero for a dead rule.
    pub explains: Count,
    /// How many of those some test covers.
    pub covered: Count,
    /// Whether some test (of those counted) names it with `by`.
    pub named: bool,
}

impl RuleCoverage {
    /// `covered / explains`; `None` for a rule that explains no case.
    pub fn share(&self) -> Option<Share> {
        Share::new(&self.covered, &self.explains)
    }
}

impl Coverage {
    /// `covered / cases`.
    pub fn share(&self) -> Share {
        Share::new(&self.covered, &self.cases).unwrap_or(Share {
            part: Count::from(1u8),
            whole: Count::from(1u8),
        })
    }

    /// Whether the covered share is at least `min`, compared exactly.
    pub fn meets(&self, min: &MinCoverage) -> bool {
        self.share().at_least(min)
    }
}

/// The coverage of `policy` by all its tests, on `d`, the policy's own
/// compiled diagram (with explaining rules: not `outcomes_only`). Adds
/// nodes to the diagram's manager, within its budget; `d.root` is
/// unchanged.
pub fn coverage(policy: &Policy, d: &mut Diagram) -> Result<Coverage, BudgetExceeded> {
    let all: Vec<usize> = (0..policy.tests.len()).collect();
    coverage_of(policy, d, &all)
}

/// The coverage of `policy` by the tests whose indices (in
/// [`Policy::tests`]) are in `tests`, as [`coverage`] computes it: what
/// `writ test --run PATTERN --coverage` reports.
pub fn coverage_of(
    policy: &Policy,
    d: &mut Diagram,
    tests: &[usize],
) -> Result<Coverage, BudgetExceeded> {
    let tests: Vec<&crate::check::Test> = tests.iter().map(|&t| &policy.tests[t]).collect();
    let region = if tests.iter().any(|t| t.given.is_none()) {
        d.mdd.leaf(1)?
    } else {
        let givens: Vec<Cond> = tests.iter().filter_map(|t| t.given.clone()).collect();
        if givens.is_empty() {
            d.mdd.leaf(0)?
        } else {
            compile::cond_diagram(d, &Cond::Or(givens))?
        }
    };
    // Leaves of the combined diagram: verdict payload * 2 + covered. The
    // verdicts number fewer than the nodes of the manager, far below 2^31.
    let combined = d.mdd.apply(
        d.root,
        region,
        &mut |v, inside| v * 2 + inside,
        &mut Memo2::default(),
    )?;
    let by_pair = super::rules::cases_by_payload(policy, d, combined);
    let zero = || Count::from(0u8);
    let (mut cases, mut covered) = (zero(), zero());
    let mut explains = vec![zero(); policy.rules.len()];
    let mut rule_covered = vec![zero(); policy.rules.len()];
    for (pair, n) in by_pair.iter().enumerate() {
        cases += n;
        let inside = pair % 2 == 1;
        if inside {
            covered += n;
        }
        if let Some(Verdict::Decided { rules, .. }) = d.verdicts.get(pair / 2) {
            for &r in rules {
                explains[r] += n;
                if inside {
                    rule_covered[r] += n;
                }
            }
        }
    }
    let mut named = vec![false; policy.rules.len()];
    for t in &tests {
        if let Expectation::Outcome { by: Some(r), .. } = t.expect {
            named[r] = true;
        }
    }
    let rules = policy
        .rules
        .iter()
        .enumerate()
        .map(|(r, rule)| RuleCoverage {
            rule: r,
            id: rule.id.clone(),
            explains: std::mem::take(&mut explains[r]),
            covered: std::mem::take(&mut rule_covered[r]),
            named: named[r],
        })
        .collect();
    let uncovered = super::list(policy, d, region, &|p| p == 0, UNCOVERED);
    debug_assert_eq!(uncovered.cases, &cases - &covered);
    Ok(Coverage {
        cases,
        covered,
        rules,
        uncovered,
    })
}

/// Compiles `policy` with `options` and computes its [`coverage`] by all
/// its tests. The diagram keeps explaining rules whatever `options` says.
pub fn compute(policy: &Policy, options: &compile::Options) -> Result<Coverage, CompileError> {
    let options = compile::Options {
        outcomes_only: false,
        ..options.clone()
    };
    let mut d = compile::compile(policy, &options)?;
    coverage(policy, &mut d).map_err(|e| CompileError::too_large(e, policy.rules.len(), policy))
}

/// An exact fraction `part / whole` of cases, `whole > 0`. Displays as a
/// percentage rounded down to one decimal (`99.9%`), `100%` only when
/// `part == whole` and `0%` only when `part` is zero (`<0.1%` between).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// The covered cases.
    pub part: Count,
    /// All the cases.
    pub whole: Count,
}

impl Share {
    /// `part / whole`; `None` when `whole` is zero.
    pub fn new(part: &Count, whole: &Count) -> Option<Share> {
        (*whole != Count::from(0u8)).then(|| Share {
            part: part.clone(),
            whole: whole.clone(),
        })
    }

    /// Whether `part / whole >= min`, in exact integers:
    /// `part * 100 * den >= num * whole`.
    pub fn at_least(&self, min: &MinCoverage) -> bool {
        &self.part * Count::from(100u8) * &min.den >= &min.num * &self.whole
    }

    /// Whether every case is covered.
    pub fn is_full(&self) -> bool {
        self.part == self.whole
    }
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let zero = Count::from(0u8);
        if self.part == zero {
            return f.write_str("0%");
        }
        if self.is_full() {
            return f.write_str("100%");
        }
        // Tenths of a percent, rounded down: below 1000 since part < whole.
        let tenths = &self.part * Count::from(1000u16) / &self.whole;
        let tenths = u64::try_from(&tenths).expect("a share below one is below 1000 tenths");
        if tenths == 0 {
            return f.write_str("<0.1%");
        }
        match tenths % 10 {
            0 => write!(f, "{}%", tenths / 10),
            t => write!(f, "{}.{t}%", tenths / 10),
        }
    }
}

/// A minimum share of covered cases, `--min-coverage PCT`: a percentage
/// from 0 to 100 written in decimal (`90`, `99.5`, `100`), kept as the
/// exact fraction `num / den` percent so that no rounding can let a share
/// below it pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinCoverage {
    num: Count,
    den: Count,
}

impl MinCoverage {
    /// The percentage as written, without trailing zeros (`99.5`).
    pub fn percent(&self) -> String {
        let whole = &self.num / &self.den;
        let mut frac = &self.num % &self.den;
        if frac == Count::from(0u8) {
            return whole.to_string();
        }
        // `den` is a power of ten: the decimals are exact.
        let mut s = format!("{whole}.");
        while frac != Count::from(0u8) {
            frac *= Count::from(10u8);
            s.push_str(&(&frac / &self.den).to_string());
            frac %= &self.den;
        }
        s
    }
}

/// Why a `--min-coverage` value is not a percentage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadPercent(pub String);

impl std::fmt::Display for BadPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadPercent {}

impl std::str::FromStr for MinCoverage {
    type Err = BadPercent;

    /// Digits with at most one `.` (and an optional final `%`), from 0 to
    /// 100 inclusive; at most 30 decimals, more than any count needs.
    fn from_str(s: &str) -> Result<MinCoverage, BadPercent> {
        let bad = || {
            BadPercent(format!(
                "`{}` is not a percentage from 0 to 100 (write it like `90` or `99.5`)",
                s.chars().take(40).collect::<String>()
            ))
        };
        let t = s.strip_suffix('%').unwrap_or(s);
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty())
            || !digits(int)
            || !digits(frac)
            || int.len() > 3
            || frac.len() > 30
            || (t.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        let den = Count::from(10u8).pow(frac.len() as u32);
        let int: Count = if int.is_empty() {
            Count::from(0u8)
        } else {
            int.parse().map_err(|_| bad())?
        };
        let frac: Count = if frac.is_empty() {
            Count::from(0u8)
        } else {
            frac.parse().map_err(|_| bad())?
        };
        let num = int * &den + frac;
        if num > Count::from(100u8) * &den {
            return Err(bad());
        }
        Ok(MinCoverage { num, den })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::interp::{Interpreter, all_cases};
    use crate::source::SourceMap;

    fn policy(text: &str) -> Policy {
        let r = crate::api::check_source(&mut SourceMap::new(), "t.policy", text);
        r.policy.unwrap_or_else(|| panic!("{:#?}", r.diagnostics))
    }

    const POLICY: &str = "policy t
resolve first
type K = { a, b, c, d }
group ab: K = { a, b }
attribute k: K
attribute flag: bool
attribute n: int -3..40
decision o: { yes, no, maybe }
rule r1: when k in ab and n >= 18 then yes
rule r2: when flag and k = a and n in { 20, 21 } then no
rule r3: when k = c then maybe
rule dead: when k = c and n = 5 then yes
rule r5: when k = d and (n < 0 or n > 30) then no
test \"adult\": given k = a and n >= 18 and not flag expect yes by r1
test \"exception\": given flag and n = 20 and k = a expect no by r2
test \"c\": given k = c and n > 10 expect maybe by r3
test \"d\": given k = d and n = 35 expect no
";

    /// Counts case by case with the interpreter: (cases, covered, per
    /// rule (explains, covered)).
    fn brute_force(p: &Policy, tests: &[usize]) -> (usize, usize, Vec<(usize, usize)>) {
        let i = Interpreter::new(p);
        let mut out = (0, 0, vec![(0, 0); p.rules.len()]);
        for case in all_cases(p, 1 << 20).unwrap() {
            out.0 += 1;
            let inside = tests
                .iter()
                .any(|&t| p.tests[t].given.as_ref().is_none_or(|g| i.holds(g, &case)));
            out.1 += usize::from(inside);
            if let Verdict::Decided { rules, .. } = i.decide(&case) {
                for r in rules {
                    out.2[r].0 += 1;
                    out.2[r].1 += usize::from(inside);
                }
            }
        }
        out
    }

    fn check_against_brute_force(p: &Policy, tests: &[usize]) -> Coverage {
        let mut d = compile::compile(p, &Default::default()).unwrap();
        let cov = coverage_of(p, &mut d, tests).unwrap();
        let (cases, covered, rules) = brute_force(p, tests);
        assert_eq!(cov.cases, Count::from(cases));
        assert_eq!(cov.covered, Count::from(covered));
        assert_eq!(cov.uncovered.cases, Count::from(cases - covered));
        for (r, (explains, covered)) in rules.into_iter().enumerate() {
            assert_eq!(cov.rules[r].explains, Count::from(explains), "rule {r}");
            assert_eq!(cov.rules[r].covered, Count::from(covered), "rule {r}");
        }
        cov
    }

    #[test]
    fn counts_agree_with_every_case() {
        let p = policy(POLICY);
        let cov = check_against_brute_force(&p, &[0, 1, 2, 3]);
        let named: Vec<bool> = cov.rules.iter().map(|r| r.named).collect();
        assert_eq!(named, [true, true, true, false, false]);
        assert_eq!(cov.rules[3].explains, Count::from(0u8));
        assert_eq!(cov.rules[3].share(), None);
        for subset in [&[][..], &[0], &[2, 3], &[1]] {
            check_against_brute_force(&p, subset);
        }
        // Under other resolutions the explaining rules differ; the counts
        // still agree.
        for head in [
            "resolve priority no > maybe > yes\n",
            "resolve first\ndefault no\n",
        ] {
            let p = policy(&POLICY.replace("resolve first\n", head));
            check_against_brute_force(&p, &[0, 1, 2, 3]);
        }
    }

    #[test]
    fn a_test_without_given_covers_everything() {
        let p = policy(&format!("{POLICY}test \"all\": expect yes\n"));
        let cov = check_against_brute_force(&p, &[4]);
        assert!(cov.share().is_full());
        assert!(cov.uncovered.regions.is_empty());
        assert_eq!(cov.share().to_string(), "100%");
    }

    /// Each uncovered condition, pasted into a `given`, makes a test that
    /// covers exactly the cases of its region; together they cover the
    /// rest of the policy.
    #[test]
    fn uncovered_conditions_paste_into_a_given() {
        let p = policy(POLICY);
        let mut d = compile::compile(&p, &Default::default()).unwrap();
        let cov = coverage(&p, &mut d).unwrap();
        assert!(cov.uncovered.complete);
        assert!(cov.uncovered.regions.len() > 1);
        let mut extra = String::new();
        for (i, r) in cov.uncovered.regions.iter().enumerate() {
            extra.push_str(&format!(
                "test \"gap {i}\": given {} expect undecided\n",
                r.condition
            ));
        }
        let pasted = policy(&format!("{POLICY}{extra}"));
        let mut d = compile::compile(&pasted, &Default::default()).unwrap();
        for (i, r) in cov.uncovered.regions.iter().enumerate() {
            let only = coverage_of(&pasted, &mut d, &[4 + i]).unwrap();
            assert_eq!(only.covered, r.cases, "{}", r.condition);
            // Exactly those cases: none of the original tests' cases.
            let both = coverage_of(&pasted, &mut d, &[0, 1, 2, 3, 4 + i]).unwrap();
            assert_eq!(both.covered, &cov.covered + &r.cases, "{}", r.condition);
        }
        let all = coverage(&pasted, &mut d).unwrap();
        assert!(all.share().is_full());
    }

    #[test]
    fn shares_round_down_and_compare_exactly() {
        let c = |n: u64| Count::from(n);
        let s = |p: u64, w: u64| Share::new(&c(p), &c(w)).unwrap();
        assert_eq!(s(1, 3).to_string(), "33.3%");
        assert_eq!(s(2, 3).to_string(), "66.6%");
        assert_eq!(s(999, 1000).to_string(), "99.9%");
        assert_eq!(s(9999, 10000).to_string(), "99.9%");
        assert_eq!(s(1, 2000).to_string(), "<0.1%");
        assert_eq!(s(0, 7).to_string(), "0%");
        assert_eq!(s(5, 10).to_string(), "50%");
        let min = |t: &str| t.parse::<MinCoverage>().unwrap();
        // One case uncovered out of more than 2^64: not 100, and never
        // shown as 100.
        let huge = Count::from(2u8).pow(80);
        let nearly = Share::new(&(&huge - c(1)), &huge).unwrap();
        assert!(!nearly.at_least(&min("100")));
        assert!(nearly.at_least(&min("99.999999999999999999")));
        assert_eq!(nearly.to_string(), "99.9%");
        assert!(s(1, 3).at_least(&min("33.3")));
        assert!(!s(1, 3).at_least(&min("33.34")));
        assert!(s(1, 2).at_least(&min("50")));
        assert!(s(1, 2).at_least(&min("50.000")));
        assert!(!s(1, 2).at_least(&min("50.001")));
        assert!(s(0, 2).at_least(&min("0")));
        assert!(s(2, 2).at_least(&min("100%")));
        assert_eq!(min("99.50").percent(), "99.5");
        assert_eq!(min(".5").percent(), "0.5");
        assert_eq!(min("100").percent(), "100");
        for bad in [
            "", ".", "100.01", "101", "-1", "1e2", "NaN", "5.", "1.2.3", " 5", "0x10",
        ] {
            assert!(bad.parse::<MinCoverage>().is_err(), "{bad:?}");
        }
    }
}
