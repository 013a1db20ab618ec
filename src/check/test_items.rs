//! Pass 8: the in-file tests.
//!
//! Each `test` gets its `given` condition typed ([`super::cond`]) and its
//! expectation resolved: an outcome (perhaps `by` a rule, which must give
//! that outcome) or `undecided`; test names are unique. Relies on pass 5
//! ([`super::rules`]) for the rules that `by` names, inherited ones
//! included.

use super::{Checker, Decision, Expectation, Loc, Rule, Test};
use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};
use std::collections::HashMap;

impl<'a> Checker<'a> {
    /// The root file's tests, in order.
    pub(super) fn tests(
        &mut self,
        root_items: &[&'a ast::Item],
        rules: &[Rule],
        decision: Option<&Decision>,
    ) -> Vec<Test> {
        let mut test_names: HashMap<&str, Span> = HashMap::new();
        let mut tests = Vec::new();
        for item in root_items {
            if let ItemKind::Test(t) = &item.kind {
                if let Some(first) = test_names.get(t.name.value.as_str()) {
                    let d = Diagnostic::error(
                        Code::DUPLICATE_NAME,
                        format!("the test \"{}\" is declared more than once", t.name.value),
                    )
                    .at(t.name.span, "declared again here")
                    .also(*first, "first declared here")
                    .help("give each test its own name");
                    self.push(d);
                } else {
                    test_names.insert(&t.name.value, t.name.span);
                }
                tests.push(self.test(t, rules, decision));
            }
        }
        tests
    }

    /// One test.
    fn test(&mut self, t: &ast::Test, rules: &[Rule], decision: Option<&Decision>) -> Test {
        let given = t.given.as_ref().map(|g| self.cond(g));
        let expect = match &t.expect {
            ast::Expect::Undecided(_) => Expectation::Undecided,
            ast::Expect::Outcome { outcome, by } => {
                let o = self.outcome(outcome, decision);
                let by_rule = by.as_ref().and_then(|b| self.rule_ref(b, false));
                if let (Some(o), Some(r), Some(b), Some(dec)) = (o, by_rule, by, decision)
                    && rules[r].outcome != o
                {
                    {
                        let d = Diagnostic::error(
                            Code::EXPECT_BY_MISMATCH,
                            format!(
                                "the test expects `{}` by `{}`, but `{}` gives `{}`",
                                outcome.name,
                                b.text(),
                                b.text(),
                                dec.outcomes[rules[r].outcome]
                            ),
                        )
                        .at(b.span, "this rule never explains that outcome")
                        .also(
                            rules[r].loc.0,
                            format!("`{}` gives `{}`", b.text(), dec.outcomes[rules[r].outcome]),
                        )
                        .help("expect the outcome the rule gives, or name another rule");
                        self.push(d);
                    }
                }
                Expectation::Outcome {
                    outcome: o.unwrap_or(0),
                    by: by_rule,
                }
            }
        };
        Test {
            name: t.name.value.clone(),
            given,
            expect,
            loc: Loc(t.name.span),
        }
    }
}
