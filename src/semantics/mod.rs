//! The meaning of a policy (SPEC section 4): what a case is, and what a
//! policy decides for it.
//!
//! Three engines implement the meaning and must agree on every case:
//! [`interp`], the reference interpreter, written for obviousness; the
//! compiled decision diagram (`crate::compile`); and [`index`], the rule
//! index that evaluates in time linear in the policy when a diagram would be
//! too large. Property tests check them against each other.

pub mod index;
pub mod interp;

use crate::check::{OutcomeId, Policy, Resolve, RuleId};

/// One value of an attribute: for an enum, the index of the value in the
/// attribute's domain; for a bool, 0 (`false`) or 1 (`true`); for an int,
/// the number itself.
pub type Value = i64;

/// What a policy decides for one case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// The case is decided.
    Decided {
        /// The outcome.
        outcome: OutcomeId,
        /// The explaining rules, in file order; empty when `default` decided.
        rules: Vec<RuleId>,
        /// Whether the `default` decided (no rule won).
        default: bool,
    },
    /// No rule won and there is no default outcome (or `default undecided`).
    Undecided,
    /// `resolve strict` and the winners disagree: all the winners, in file
    /// order. A policy with such a case does not compile.
    Conflict {
        /// The winners.
        rules: Vec<RuleId>,
    },
}

impl Verdict {
    /// The decided outcome, if any.
    pub fn outcome(&self) -> Option<OutcomeId> {
        match self {
            Verdict::Decided { outcome, .. } => Some(*outcome),
            _ => None,
        }
    }
}

/// The verdict given the winners of a case (SPEC 4.4–4.6): `winners` are the
/// matching rules that no other matching rule is above, in file order.
pub fn resolve(policy: &Policy, winners: &[RuleId]) -> Verdict {
    let Some(&first) = winners.first() else {
        return match policy.default {
            crate::check::Default::Outcome(o) => Verdict::Decided {
                outcome: o,
                rules: Vec::new(),
                default: true,
            },
            _ => Verdict::Undecided,
        };
    };
    let outcome_of = |r: RuleId| policy.rules[r].outcome;
    let agree = winners.iter().all(|&w| outcome_of(w) == outcome_of(first));
    let chosen = match &policy.resolve {
        _ if agree => outcome_of(first),
        Resolve::Strict => {
            return Verdict::Conflict {
                rules: winners.to_vec(),
            };
        }
        Resolve::First => {
            return Verdict::Decided {
                outcome: outcome_of(first),
                rules: vec![first],
                default: false,
            };
        }
        Resolve::Priority(ranking) => *ranking
            .iter()
            .find(|o| winners.iter().any(|&w| outcome_of(w) == **o))
            .expect("a priority list ranks every outcome"),
    };
    let rules = match policy.resolve {
        // Under `first` only the earliest winner explains, even when all agree.
        Resolve::First => vec![first],
        _ => winners
            .iter()
            .copied()
            .filter(|&w| outcome_of(w) == chosen)
            .collect(),
    };
    Verdict::Decided {
        outcome: chosen,
        rules,
        default: false,
    }
}
