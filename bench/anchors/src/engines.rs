//! The three engines, loaded with one workload, each behind the narrowest
//! call that answers "allow?" for one case. What each call does is what the
//! benchmark times, so everything that can be prepared once is prepared in
//! the constructors and the `*_input` helpers.

use crate::translate;
use crate::workload::Workload;
use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request, RestrictedExpression,
};
use std::num::NonZeroUsize;
use writ::check::{OutcomeId, Policy};
use writ::compile::Diagram;
use writ::semantics::Value;
use writ::semantics::index::{RuleIndex, Scratch};
use writ::source::SourceMap;

/// The node budget for writ's decision diagram: enough for 10 rules of the
/// wide workload, far from enough for 100 (the diagram explodes there).
pub const DIAGRAM_BUDGET: usize = 2_000_000;

/// Cedar's authorizer with the translated policy set.
pub struct Cedar {
    policies: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
    principal: EntityUid,
    action: EntityUid,
    resource: EntityUid,
}

impl Cedar {
    /// Parses the Cedar translation of `w`.
    pub fn new(w: &Workload) -> Cedar {
        let uid = |s: &str| s.parse::<EntityUid>().expect("a valid entity uid");
        Cedar {
            policies: translate::cedar(w)
                .parse()
                .expect("the translation is valid Cedar"),
            // The policies read only the context, so there are no entities.
            entities: Entities::empty(),
            authorizer: Authorizer::new(),
            principal: uid(r#"User::"u""#),
            action: uid(r#"Action::"decide""#),
            resource: uid(r#"Case::"c""#),
        }
    }

    /// The request for `case`, with the context built from typed values
    /// (no JSON): the cheapest way in.
    pub fn request(&self, case: &[usize]) -> Request {
        let pairs = case.iter().enumerate().map(|(a, v)| {
            (
                format!("a{a}"),
                RestrictedExpression::new_string(format!("v{v}")),
            )
        });
        let context = Context::from_pairs(pairs).expect("distinct keys");
        self.with_context(context)
    }

    /// The request for a case given as JSON text (one line of a cases
    /// file): the context parsed from the text, then the request.
    pub fn request_from_json(&self, line: &str) -> Request {
        let context = Context::from_json_str(line, None).expect("a JSON object");
        self.with_context(context)
    }

    fn with_context(&self, context: Context) -> Request {
        Request::new(
            self.principal.clone(),
            self.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .expect("no schema, nothing to violate")
    }

    /// `Authorizer::is_authorized` on a ready request.
    pub fn allows(&self, request: &Request) -> bool {
        let response = self
            .authorizer
            .is_authorized(request, &self.policies, &self.entities);
        response.decision() == Decision::Allow
    }

    /// [`Cedar::allows`], also insisting that no policy failed to evaluate:
    /// Cedar skips a policy whose condition errors (a missing context key,
    /// say), so a broken `forbid` would silently stop denying.
    pub fn allows_checked(&self, request: &Request) -> bool {
        let response = self
            .authorizer
            .is_authorized(request, &self.policies, &self.entities);
        let errors: Vec<_> = response.diagnostics().errors().collect();
        assert!(errors.is_empty(), "Cedar evaluation errors: {errors:?}");
        response.decision() == Decision::Allow
    }
}

/// regorus with the translated Rego module loaded.
pub struct Rego {
    engine: regorus::Engine,
}

impl Rego {
    /// Parses the Rego translation of `w`.
    pub fn new(w: &Workload) -> Rego {
        let text = translate::rego(w);
        let mut engine = regorus::Engine::new();
        // regorus rejects a policy file over 1 MiB or 20,000 lines as
        // pathological; 10,000 rules take 60,000 lines, so the limits are
        // raised to fit the text (with room for how its lexer counts the
        // end of the file).
        let limits = regorus::PolicyLengthConfig::default();
        engine.set_policy_length_config(regorus::PolicyLengthConfig {
            max_file_bytes: limits.max_file_bytes.max(nonzero(text.len() + 1)),
            max_lines: limits.max_lines.max(nonzero(text.lines().count() + 2)),
            ..limits
        });
        engine
            .add_policy("wide.rego".into(), text)
            .expect("the translation is valid Rego");
        Rego { engine }
    }

    /// The input document for a case given as JSON text, built outside the
    /// timed region, by the same parser `set_input_json` uses, so the two
    /// regorus columns differ only in where the parsing happens.
    pub fn input(line: &str) -> regorus::Value {
        regorus::Value::from_json_str(line).expect("a JSON object")
    }

    /// Sets the input (a reference-counted value: cloning it is cheap) and
    /// evaluates `data.wide.allow`.
    pub fn allows(&mut self, input: &regorus::Value) -> bool {
        self.engine.set_input(input.clone());
        self.eval()
    }

    /// Parses the input from JSON text, then evaluates.
    pub fn allows_json(&mut self, line: &str) -> bool {
        self.engine.set_input_json(line).expect("a JSON object");
        self.eval()
    }

    fn eval(&mut self) -> bool {
        match self.engine.eval_rule(translate::REGO_QUERY.into()) {
            Ok(regorus::Value::Bool(b)) => b,
            other => panic!("`{}` gave {other:?}", translate::REGO_QUERY),
        }
    }
}

/// `n` as a `NonZeroUsize` (0 becomes 1).
fn nonzero(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n.max(1)).expect("at least 1")
}

/// writ's in-process engines on the checked policy.
pub struct Writ {
    /// The checked policy.
    pub policy: Policy,
    /// The rule index, which always builds.
    pub index: RuleIndex,
    /// The decision diagram, when it fits [`DIAGRAM_BUDGET`].
    pub diagram: Option<Diagram>,
    scratch: Scratch,
    allow: OutcomeId,
}

impl Writ {
    /// Checks the policy text and builds the index; no diagram yet (see
    /// [`Writ::try_diagram`]).
    pub fn new(w: &Workload) -> Writ {
        let report = writ::api::check_source(&mut SourceMap::new(), "wide.policy", &w.text);
        let policy = report.policy.expect("the generator writes valid policies");
        let index = RuleIndex::build(&policy);
        let allow = policy
            .decision
            .outcomes
            .iter()
            .position(|o| o == "allow")
            .expect("an `allow` outcome");
        Writ {
            scratch: index.scratch(),
            policy,
            index,
            diagram: None,
            allow,
        }
    }

    /// Compiles the decision diagram within [`DIAGRAM_BUDGET`] nodes; a
    /// separate step because past the budget it takes seconds to fail.
    pub fn try_diagram(&mut self) -> Option<&Diagram> {
        let options = writ::compile::Options {
            max_nodes: DIAGRAM_BUDGET,
            ..Default::default()
        };
        self.diagram = writ::compile::compile(&self.policy, &options).ok();
        self.diagram.as_ref()
    }

    /// A case as writ's values: enum values by index in their declaration,
    /// which for `v0..vN` is the number in the name.
    pub fn input(case: &[usize]) -> Vec<Value> {
        case.iter().map(|&v| v as Value).collect()
    }

    /// The rule index, with a reused scratch (what `writ eval` does).
    pub fn index_allows(&mut self, case: &[Value]) -> bool {
        self.index.decide_into(case, &mut self.scratch).outcome() == Some(self.allow)
    }

    /// The decision diagram, if it was built.
    pub fn diagram_allows(&self, case: &[Value]) -> Option<bool> {
        let d = self.diagram.as_ref()?;
        Some(d.decide(case).outcome() == Some(self.allow))
    }
}
