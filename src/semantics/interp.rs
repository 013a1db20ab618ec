//! The reference interpreter: SPEC section 4 ("Meaning") read off the
//! checked rules, one case at a time.
//!
//! In: a checked [`Policy`] and a case (one [`Value`] per attribute, indexed
//! by [`AttrId`](crate::check::AttrId)). Out: whether each rule matches, the
//! winners, and the [`Verdict`] with its explaining rules.
//!
//! This is the oracle. The compiled decision diagram and the rule index are
//! tested against it, so it is written for obviousness, not speed: every
//! rule's condition is evaluated directly, the winners are found by comparing
//! every matching rule with every other, and the verdict is computed here
//! from SPEC 4.4–4.6 without going through [`super::resolve`], which the
//! other engines share. A bug in that shared function therefore shows up as
//! a disagreement instead of being copied into the reference.
//!
//! A policy that `extends` a base (SPEC section 4a) is read in layers, not
//! from the checker's flattened rules: an interpreter of the base (checked
//! on its own, kept in [`Policy::extends`]) decides whether an inherited
//! rule matches (on the case seen through the base's attributes) and which
//! inherited rule is above which (the base's own transitive order, so a
//! repealed rule's place in it is simply skipped); the policy's own rules
//! and their `overrides` are read from its rules. The two layers are put in
//! SPEC order, the base's rules that remain first, and that order is how
//! the interpreter numbers rules; a flattening that renamed, reordered,
//! dropped or mis-wired an inherited rule disagrees with it.

use super::{Value, Verdict};
use crate::check::{Cond, Default, Domain, Extends, OutcomeId, Policy, Resolve, RuleId};

/// Evaluates a policy on single cases, directly from its checked rules.
pub struct Interpreter<'p> {
    /// The policy interpreted.
    policy: &'p Policy,
    /// `below[a]`: every rule that rule `a` is above (the transitive closure
    /// of `overrides` starting at `a`), ascending, without `a` itself.
    below: Vec<Vec<RuleId>>,
    /// For a policy that extends a base: the base's interpreter and, for
    /// each inherited rule (the first rules, in SPEC order), its index in
    /// the base.
    layer: Option<Layer<'p>>,
}

/// The base layer of a policy that extends another.
struct Layer<'p> {
    extends: &'p Extends,
    base: Box<Interpreter<'p>>,
    /// `inherited[k]`: the base rule that is rule `k` here.
    inherited: Vec<RuleId>,
}

impl<'p> Interpreter<'p> {
    /// Prepares to interpret `policy`, computing the transitive `above`
    /// relation from each rule's `overrides` list (and, for a policy that
    /// extends a base, from the base's own order).
    ///
    /// # Panics
    ///
    /// When the checked policy's inherited rules are not the base's rules
    /// that remain, in the base's order, with ids `BASE.RULE`: the
    /// flattening would then be wrong, and the oracle refuses to agree.
    pub fn new(policy: &'p Policy) -> Self {
        let n = policy.rules.len();
        let layer = policy.extends.as_deref().map(|e| {
            let base = Box::new(Interpreter::new(&e.base));
            let inherited: Vec<RuleId> = (0..e.base.rules.len())
                .filter(|j| !e.repealed.contains(j))
                .collect();
            for (k, &j) in inherited.iter().enumerate() {
                let id = &e.base.rules[j].id;
                let want = if id.contains('.') {
                    id.clone()
                } else {
                    format!("{}.{id}", e.base.meta.name)
                };
                assert_eq!(
                    policy.rules.get(k).map(|r| &r.id),
                    Some(&want),
                    "rule {k} of `{}` should be the base's `{id}`",
                    policy.meta.name
                );
            }
            Layer {
                extends: e,
                base,
                inherited,
            }
        });
        let first_own = layer.as_ref().map_or(0, |l| l.inherited.len());
        let mut below: Vec<Vec<RuleId>> = Vec::with_capacity(n);
        // Inherited rules: the base's order, restricted to what remains.
        if let Some(l) = &layer {
            for &j in &l.inherited {
                let mut b: Vec<RuleId> = (0..l.inherited.len())
                    .filter(|&k| l.base.above(j, l.inherited[k]))
                    .collect();
                b.sort_unstable();
                below.push(b);
            }
        }
        // Own rules: depth-first walk over `overrides` edges; an inherited
        // rule reached brings everything it is above. The `seen` set also
        // makes the walk terminate on a cycle, which the checker rejects.
        for a in first_own..n {
            let mut seen = vec![false; n];
            let mut stack = policy.rules[a].overrides.clone();
            while let Some(b) = stack.pop() {
                if seen[b] {
                    continue;
                }
                seen[b] = true;
                if b < first_own {
                    for &c in &below[b] {
                        seen[c] = true;
                    }
                } else {
                    stack.extend(policy.rules[b].overrides.iter().copied());
                }
            }
            seen[a] = false;
            below.push((0..n).filter(|&b| seen[b]).collect());
        }
        Interpreter {
            policy,
            below,
            layer,
        }
    }

    /// Whether rule `r` matches `case` (`case[i]` is the value of attribute
    /// `i`): SPEC 4.1, its condition holds. An inherited rule's condition is
    /// the base's, on the case as the base sees it.
    pub fn matches(&self, r: RuleId, case: &[Value]) -> bool {
        match &self.layer {
            Some(l) if r < l.inherited.len() => {
                let seen: Vec<Value> = l.extends.attributes.iter().map(|&a| case[a]).collect();
                l.base.matches(l.inherited[r], &seen)
            }
            _ => self.holds(&self.policy.rules[r].cond, case),
        }
    }

    /// The outcome rule `r` gives: an inherited rule's is the base's.
    fn outcome_of(&self, r: RuleId) -> OutcomeId {
        match &self.layer {
            Some(l) if r < l.inherited.len() => {
                l.extends.outcomes[l.extends.base.rules[l.inherited[r]].outcome]
            }
            _ => self.policy.rules[r].outcome,
        }
    }

    /// Whether `cond` holds for `case`.
    pub fn holds(&self, cond: &Cond, case: &[Value]) -> bool {
        match cond {
            Cond::Const(b) => *b,
            Cond::And(cs) => cs.iter().all(|c| self.holds(c, case)),
            Cond::Or(cs) => cs.iter().any(|c| self.holds(c, case)),
            Cond::Not(c) => !self.holds(c, case),
            Cond::Atom(atom) => atom.set.contains(case[atom.attr]),
        }
    }

    /// Whether rule `a` is above rule `b` in the transitive closure of
    /// `overrides` (SPEC 4.2). No rule is above itself.
    pub fn above(&self, a: RuleId, b: RuleId) -> bool {
        self.below[a].binary_search(&b).is_ok()
    }

    /// The winners of `case`, in file order (SPEC 4.3): the matching rules
    /// that no other matching rule is above.
    pub fn winners(&self, case: &[Value]) -> Vec<RuleId> {
        let matching: Vec<RuleId> = (0..self.policy.rules.len())
            .filter(|&r| self.matches(r, case))
            .collect();
        matching
            .iter()
            .copied()
            .filter(|&r| !matching.iter().any(|&m| self.above(m, r)))
            .collect()
    }

    /// The verdict for `case` (SPEC 4.4–4.6), with the explaining rules of
    /// SPEC 4.6 and 5: the winners that give the decided outcome, in file
    /// order, except under `resolve first`, where only the earliest winner
    /// explains.
    pub fn decide(&self, case: &[Value]) -> Verdict {
        let winners = self.winners(case);
        let outcome_of = |r: RuleId| self.outcome_of(r);

        // SPEC 4.4: no winner.
        if winners.is_empty() {
            return match self.policy.default {
                Default::Outcome(o) => Verdict::Decided {
                    outcome: o,
                    rules: Vec::new(),
                    default: true,
                },
                Default::None | Default::Undecided => Verdict::Undecided,
            };
        }

        // `winners` is in file order, so its first element is the earliest.
        let earliest = winners[0];

        // Under `first` the earliest winner decides and alone explains,
        // whether or not the winners agree (SPEC 4.6, 5).
        if self.policy.resolve == Resolve::First {
            return Verdict::Decided {
                outcome: outcome_of(earliest),
                rules: vec![earliest],
                default: false,
            };
        }

        // SPEC 4.5 and 4.6: pick the outcome.
        let agree = winners
            .iter()
            .all(|&w| outcome_of(w) == outcome_of(earliest));
        let outcome = if agree {
            outcome_of(earliest)
        } else {
            match &self.policy.resolve {
                Resolve::Strict => return Verdict::Conflict { rules: winners },
                Resolve::Priority(ranking) => {
                    let given = |o: &usize| winners.iter().any(|&w| outcome_of(w) == *o);
                    *ranking
                        .iter()
                        .find(|o| given(o))
                        .expect("a priority list ranks every outcome")
                }
                Resolve::First => unreachable!("handled above"),
            }
        };

        // The explaining rules: the winners that give the decided outcome.
        Verdict::Decided {
            outcome,
            rules: winners
                .into_iter()
                .filter(|&w| outcome_of(w) == outcome)
                .collect(),
            default: false,
        }
    }
}

/// Every value of `domain`, in the order of its values (ints ascending).
fn values_of(domain: &Domain) -> Vec<Value> {
    match domain {
        Domain::Enum { values, .. } => (0..values.len() as Value).collect(),
        Domain::Bool => vec![0, 1],
        Domain::Int { lo, hi } => (*lo..=*hi).collect(),
    }
}

/// Every case of `policy`, in lexicographic order of attribute values (the
/// first attribute varies slowest; enum values in declaration order, `false`
/// before `true`, ints ascending), or `None` when there are more than `limit`
/// cases. A policy without attributes has exactly one case, the empty one.
pub fn all_cases(policy: &Policy, limit: u128) -> Option<Vec<Vec<Value>>> {
    let mut count: u128 = 1;
    for a in &policy.attributes {
        count = count.checked_mul(a.domain.size())?;
        if count > limit {
            return None;
        }
    }
    let mut cases: Vec<Vec<Value>> = vec![Vec::new()];
    for a in &policy.attributes {
        let values = values_of(&a.domain);
        cases = cases
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |&v| {
                    let mut case = prefix.clone();
                    case.push(v);
                    case
                })
            })
            .collect();
    }
    Some(cases)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    fn policy(text: &str) -> Policy {
        let report = crate::api::check_source_unverified(&mut SourceMap::new(), "t.policy", text);
        assert!(
            !report.has_errors(),
            "unexpected errors: {:#?}",
            report.diagnostics
        );
        report.policy.expect("a checked policy")
    }

    fn rule(p: &Policy, id: &str) -> RuleId {
        p.rules
            .iter()
            .position(|r| r.id == id)
            .expect("a rule with that id")
    }

    fn outcome(p: &Policy, name: &str) -> usize {
        p.decision
            .outcomes
            .iter()
            .position(|o| o == name)
            .expect("an outcome")
    }

    fn decided(outcome: usize, rules: Vec<RuleId>) -> Verdict {
        Verdict::Decided {
            outcome,
            rules,
            default: false,
        }
    }

    const TWO_RULES: &str = "policy t
attribute x: { a, b }
attribute y: { c, d }
decision out: { yes, no }
rule r1: when x = a then yes
rule r2: when y = c then no
rule r3: when x = a and y = c then yes
";

    #[test]
    fn strict_conflict_lists_all_winners() {
        let p = policy(TWO_RULES);
        let i = Interpreter::new(&p);
        // x=a, y=c: all three match and disagree.
        assert_eq!(i.winners(&[0, 0]), vec![0, 1, 2]);
        assert_eq!(
            i.decide(&[0, 0]),
            Verdict::Conflict {
                rules: vec![0, 1, 2]
            }
        );
        // x=a, y=d: only r1.
        assert_eq!(i.decide(&[0, 1]), decided(outcome(&p, "yes"), vec![0]));
        // x=b, y=c: only r2.
        assert_eq!(i.decide(&[1, 0]), decided(outcome(&p, "no"), vec![1]));
        // x=b, y=d: nothing, no default.
        assert_eq!(i.decide(&[1, 1]), Verdict::Undecided);
    }

    #[test]
    fn strict_agreeing_winners_all_explain() {
        let p = policy(&TWO_RULES.replace("then no", "then yes"));
        let i = Interpreter::new(&p);
        assert_eq!(
            i.decide(&[0, 0]),
            decided(outcome(&p, "yes"), vec![0, 1, 2])
        );
    }

    #[test]
    fn first_earliest_winner_decides_and_alone_explains() {
        // r2 is earliest here, and disagrees with the later ones.
        let text = "policy t
resolve first
attribute x: { a, b }
attribute y: { c, d }
decision out: { yes, no }
rule r2: when y = c then no
rule r1: when x = a then yes
rule r3: when x = a and y = c then yes
";
        let p = policy(text);
        let i = Interpreter::new(&p);
        assert_eq!(
            i.decide(&[0, 0]),
            decided(outcome(&p, "no"), vec![rule(&p, "r2")])
        );
        assert_eq!(
            i.decide(&[0, 1]),
            decided(outcome(&p, "yes"), vec![rule(&p, "r1")])
        );
        // Agreeing winners under `first`: still only the earliest explains.
        let p = policy(&text.replace("then no", "then yes"));
        let i = Interpreter::new(&p);
        assert_eq!(i.winners(&[0, 0]), vec![0, 1, 2]);
        assert_eq!(i.decide(&[0, 0]), decided(outcome(&p, "yes"), vec![0]));
    }

    #[test]
    fn priority_picks_highest_ranked_outcome_among_winners() {
        let text = "policy t
resolve priority maybe > no > yes
attribute x: { a, b }
attribute y: { c, d }
decision out: { yes, no, maybe }
rule r1: when x = a then yes
rule r2: when y = c then no
rule r3: when x = a and y = c then yes
rule r4: when x = b and y = c then no
rule r5: when x = b then maybe
";
        let p = policy(text);
        let i = Interpreter::new(&p);
        let (yes, no, maybe) = (outcome(&p, "yes"), outcome(&p, "no"), outcome(&p, "maybe"));
        // x=a, y=c: yes (r1, r3) vs no (r2): `no` ranks higher; only r2 explains.
        assert_eq!(i.decide(&[0, 0]), decided(no, vec![1]));
        // x=b, y=c: no (r2, r4) vs maybe (r5): maybe.
        assert_eq!(i.decide(&[1, 0]), decided(maybe, vec![4]));
        // x=a, y=d: only r1.
        assert_eq!(i.decide(&[0, 1]), decided(yes, vec![0]));
        // With `no` ranked first, both `no` winners explain, in file order.
        let p = policy(&text.replace("maybe > no > yes", "no > maybe > yes"));
        let i = Interpreter::new(&p);
        assert_eq!(i.decide(&[1, 0]), decided(no, vec![1, 3]));
    }

    #[test]
    fn overrides_are_transitive_and_only_matching_rules_count() {
        let text = "policy t
attribute x: { a, b }
attribute y: { c, d }
decision out: { yes, no }
rule ra overrides rb: when x = a then yes
rule rb overrides rc: when y = d then no
rule rc: when true then no
";
        let p = policy(text);
        let i = Interpreter::new(&p);
        let (ra, rb, rc) = (rule(&p, "ra"), rule(&p, "rb"), rule(&p, "rc"));
        assert!(i.above(ra, rb) && i.above(rb, rc) && i.above(ra, rc));
        assert!(!i.above(rb, ra) && !i.above(rc, ra) && !i.above(ra, ra));
        // x=a, y=c: ra and rc match (rb does not); ra is above rc through rb.
        assert_eq!(i.winners(&[0, 0]), vec![ra]);
        assert_eq!(i.decide(&[0, 0]), decided(outcome(&p, "yes"), vec![ra]));
        // x=b, y=d: rb and rc match; rb wins.
        assert_eq!(i.winners(&[1, 1]), vec![rb]);
        // x=b, y=c: only rc.
        assert_eq!(i.winners(&[1, 0]), vec![rc]);
        // x=a, y=d: all three match; only ra wins.
        assert_eq!(i.winners(&[0, 1]), vec![ra]);
    }

    #[test]
    fn a_non_matching_overrider_does_not_suppress() {
        let text = "policy t
attribute x: { a, b }
decision out: { yes, no }
rule hi overrides lo: when x = a then yes
rule lo: when true then no
rule other: when x = b then no
";
        let p = policy(text);
        let i = Interpreter::new(&p);
        // x=b: `hi` does not match, so `lo` still wins, alongside `other`.
        assert_eq!(i.winners(&[1]), vec![1, 2]);
        assert_eq!(i.decide(&[1]), decided(outcome(&p, "no"), vec![1, 2]));
    }

    #[test]
    fn default_outcome_default_undecided_and_no_default() {
        let base = "policy t
attribute x: { a, b }
decision out: { yes, no }
when x = a then yes
";
        let p = policy(&format!("{base}default no\n"));
        let i = Interpreter::new(&p);
        assert_eq!(
            i.decide(&[1]),
            Verdict::Decided {
                outcome: outcome(&p, "no"),
                rules: vec![],
                default: true
            }
        );
        // A winner beats the default.
        assert_eq!(i.decide(&[0]), decided(outcome(&p, "yes"), vec![0]));

        let p = policy(&format!("{base}default undecided\n"));
        assert_eq!(p.default, Default::Undecided);
        assert_eq!(Interpreter::new(&p).decide(&[1]), Verdict::Undecided);

        let p = policy(base);
        assert_eq!(p.default, Default::None);
        assert_eq!(Interpreter::new(&p).decide(&[1]), Verdict::Undecided);
    }

    #[test]
    fn bool_int_not_and_or_atoms() {
        let text = "policy t
attribute urgent: bool
attribute age: int -5..20
attribute k: { a, b, c }
decision out: { yes, no }
rule r_bool: when urgent then yes
rule r_int: when age >= 18 or age < 0 then yes
rule r_not: when not (k in { a, b }) then yes
rule r_and: when not urgent and age = 3 and k != a then no
";
        let p = policy(text);
        let i = Interpreter::new(&p);
        let m = |r: &str, case: &[Value]| i.matches(rule(&p, r), case);
        assert!(m("r_bool", &[1, 0, 0]));
        assert!(!m("r_bool", &[0, 0, 0]));
        assert!(m("r_int", &[0, 18, 0]));
        assert!(m("r_int", &[0, 20, 0]));
        assert!(m("r_int", &[0, -1, 0]));
        assert!(m("r_int", &[0, -5, 0]));
        assert!(!m("r_int", &[0, 17, 0]));
        assert!(!m("r_int", &[0, 0, 0]));
        assert!(m("r_not", &[0, 0, 2]));
        assert!(!m("r_not", &[0, 0, 1]));
        assert!(!m("r_not", &[0, 0, 0]));
        assert!(m("r_and", &[0, 3, 1]));
        assert!(!m("r_and", &[1, 3, 1]));
        assert!(!m("r_and", &[0, 4, 1]));
        assert!(!m("r_and", &[0, 3, 0]));
        // `holds` on constants.
        assert!(i.holds(&Cond::Const(true), &[0, 0, 0]));
        assert!(!i.holds(&Cond::Not(Box::new(Cond::Const(true))), &[0, 0, 0]));
        assert!(!i.holds(&Cond::Or(vec![]), &[0, 0, 0]));
        assert!(i.holds(&Cond::And(vec![]), &[0, 0, 0]));
    }

    #[test]
    fn all_cases_in_lexicographic_order_with_limit() {
        let text = "policy t
attribute b: bool
attribute n: int -1..1
attribute k: { x, y }
decision out: { yes }
";
        let p = policy(text);
        let cases = all_cases(&p, 12).expect("12 cases fit");
        assert_eq!(cases.len(), 12);
        assert_eq!(cases[0], vec![0, -1, 0]);
        assert_eq!(cases[1], vec![0, -1, 1]);
        assert_eq!(cases[2], vec![0, 0, 0]);
        assert_eq!(cases[11], vec![1, 1, 1]);
        let mut sorted = cases.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, cases);
        assert_eq!(all_cases(&p, 11), None);

        // A huge domain is refused without enumerating it.
        let big = policy(
            "policy t
attribute n: int -9223372036854775808..9223372036854775807
attribute m: int -9223372036854775808..9223372036854775807
attribute o: int 0..3
decision out: { yes }
",
        );
        assert_eq!(all_cases(&big, u128::MAX), None);

        // No attributes: the one empty case.
        let none = policy("policy t\ndecision out: { yes }\n");
        assert_eq!(all_cases(&none, 1), Some(vec![vec![]]));
    }
}
