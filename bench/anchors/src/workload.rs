//! The workload, read straight from the text `writ::synth::wide` writes,
//! with its own small parser and its own reading of the rules: the answer
//! every engine is checked against must not come from writ's front end.

use writ::synth::Rng;

/// The generator's seed, as in the main crate's benchmarks.
pub const SEED: u64 = 42;

/// How many deny rules [`Workload::steer`] may try to leave before it gives
/// up: enough for about a quarter of the walks to end allowed at
/// 10,000 rules, where the deny rules cover nearly everything.
const STEER_STEPS: usize = 100;

/// One constraint of a rule: the attribute must take one of the values.
#[derive(Clone, Debug)]
pub struct Constraint {
    /// The attribute's position (`aI` is attribute `I`).
    pub attr: usize,
    /// The allowed value indices (`vJ` is value `J`).
    pub values: Vec<usize>,
}

/// One rule: a conjunction of constraints and its outcome.
#[derive(Clone, Debug)]
pub struct Rule {
    /// `then deny` rather than `then allow`.
    pub deny: bool,
    /// All must hold for the rule to match.
    pub constraints: Vec<Constraint>,
}

impl Rule {
    /// Whether the rule matches `case`.
    pub fn matches(&self, case: &[usize]) -> bool {
        self.constraints
            .iter()
            .all(|c| c.values.contains(&case[c.attr]))
    }
}

/// The generated policy: its text and what the anchors crate reads from it.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The writ source, exactly as the generator wrote it.
    pub text: String,
    /// How many values each attribute has, in declaration order.
    pub sizes: Vec<usize>,
    /// The rules, in file order.
    pub rules: Vec<Rule>,
}

/// A case: one value index per attribute, in declaration order.
pub type Case = Vec<usize>;

impl Workload {
    /// `writ::synth::wide(SEED, rules)`, parsed.
    pub fn wide(rules: usize) -> Workload {
        Workload::parse(writ::synth::wide(SEED, rules))
    }

    /// Reads the generator's line format. Panics on anything else: the
    /// generator is the only input, and a surprise there must stop the run.
    pub fn parse(text: String) -> Workload {
        let mut sizes = Vec::new();
        let mut rules = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("attribute ") {
                let (name, values) = rest.split_once(':').expect("attribute NAME: { ... }");
                assert_eq!(name, format!("a{}", sizes.len()), "attributes in order");
                let values = braced(values);
                for (j, v) in values.iter().enumerate() {
                    assert_eq!(*v, j, "values declared in order v0..vN");
                }
                sizes.push(values.len());
            } else if let Some(rest) = line.strip_prefix("rule ") {
                let (_, body) = rest.split_once(": when ").expect("rule rK: when ...");
                let (cond, outcome) = body.rsplit_once(" then ").expect("... then OUTCOME");
                let deny = match outcome {
                    "deny" => true,
                    "allow" => false,
                    other => panic!("unexpected outcome `{other}`"),
                };
                let constraints = cond.split(" and ").map(constraint).collect();
                rules.push(Rule { deny, constraints });
            }
        }
        assert!(
            text.contains("resolve priority deny > allow") && text.contains("default deny"),
            "the reading below assumes deny-overrides with a deny default"
        );
        Workload { text, sizes, rules }
    }

    /// The reference answer: deny if any deny rule matches, else allow if
    /// any allow rule matches, else deny (the default). `true` is allow.
    pub fn allows(&self, case: &[usize]) -> bool {
        let mut allowed = false;
        for rule in &self.rules {
            if rule.matches(case) {
                if rule.deny {
                    return false;
                }
                allowed = true;
            }
        }
        allowed
    }

    /// `n` cases from a seeded generator. Half are uniformly random. Uniform
    /// cases rarely match a rule of 3–4 constraints, so a quarter are made
    /// to satisfy a randomly chosen rule; and since at 10,000 rules some
    /// deny rule matches every case either kind finds, the last quarter
    /// satisfy a random allow rule and are then steered away from the deny
    /// rules (see [`Workload::steer`]), so `allow` is tested at every size.
    pub fn cases(&self, n: usize, seed: u64) -> Vec<Case> {
        let mut rng = Rng::new(seed);
        let allows: Vec<&Rule> = self.rules.iter().filter(|r| !r.deny).collect();
        (0..n)
            .map(|i| {
                let mut case: Case = self
                    .sizes
                    .iter()
                    .map(|&s| rng.range(0, s as u64 - 1) as usize)
                    .collect();
                let pool: Vec<&Rule> = match i % 4 {
                    1 => self.rules.iter().collect(),
                    3 => allows.clone(),
                    _ => Vec::new(),
                };
                if !pool.is_empty() {
                    let rule = pool[rng.range(0, pool.len() as u64 - 1) as usize];
                    for c in &rule.constraints {
                        case[c.attr] = c.values[rng.range(0, c.values.len() as u64 - 1) as usize];
                    }
                    if i % 4 == 3 {
                        self.steer(&mut case, rule, &mut rng);
                    }
                }
                case
            })
            .collect()
    }

    /// A greedy walk away from the deny rules that match `case`, never
    /// touching the attributes `keep` constrains: pick a matching deny
    /// rule, and give one of its other attributes the value, outside that
    /// rule's set, that leaves the fewest deny rules matching. It may give
    /// up (after [`STEER_STEPS`]), leaving a case that is denied.
    fn steer(&self, case: &mut Case, keep: &Rule, rng: &mut Rng) {
        let kept = |attr: usize| keep.constraints.iter().any(|c| c.attr == attr);
        for _ in 0..STEER_STEPS {
            let matching = self.denying(case);
            if matching.is_empty() {
                return;
            }
            let rule = matching[rng.range(0, matching.len() as u64 - 1) as usize];
            let free: Vec<&Constraint> =
                rule.constraints.iter().filter(|c| !kept(c.attr)).collect();
            if free.is_empty() {
                return;
            }
            let c = free[rng.range(0, free.len() as u64 - 1) as usize];
            // Ties are broken at random, so that a walk does not cycle.
            let best = (0..self.sizes[c.attr])
                .filter(|v| !c.values.contains(v))
                .min_by_key(|&v| {
                    case[c.attr] = v;
                    (self.denying(case).len(), rng.next_u64())
                });
            case[c.attr] = best.expect("a set of two leaves values out");
        }
    }

    /// The deny rules that match `case`.
    fn denying(&self, case: &[usize]) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.deny && r.matches(case))
            .collect()
    }

    /// A case as the JSON object every engine's JSON front door takes:
    /// attribute name to value name.
    pub fn case_json(&self, case: &[usize]) -> serde_json::Value {
        serde_json::Value::Object(
            case.iter()
                .enumerate()
                .map(|(a, v)| (format!("a{a}"), format!("v{v}").into()))
                .collect(),
        )
    }
}

/// `aI = vJ` or `aI in { vJ, vK }`.
fn constraint(text: &str) -> Constraint {
    let (attr, values) = if let Some((a, v)) = text.split_once(" = ") {
        (a, vec![number(v, 'v')])
    } else {
        let (a, v) = text.split_once(" in ").expect("aI = vJ or aI in { ... }");
        (a, braced(v))
    };
    Constraint {
        attr: number(attr, 'a'),
        values,
    }
}

/// The value indices of `{ v0, v3 }`.
fn braced(text: &str) -> Vec<usize> {
    let inner = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .expect("a braced list");
    inner.split(',').map(|v| number(v, 'v')).collect()
}

/// `12` from `a12` (with `prefix` 'a').
fn number(text: &str, prefix: char) -> usize {
    text.trim()
        .strip_prefix(prefix)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("expected {prefix}N, got `{text}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_generator() {
        let w = Workload::wide(100);
        assert_eq!(w.sizes.len(), 16);
        assert_eq!(w.rules.len(), 100);
        assert!(w.rules.iter().any(|r| r.deny) && w.rules.iter().any(|r| !r.deny));
        let cases = w.cases(200, 7);
        assert!(cases.iter().any(|c| w.allows(c)) && cases.iter().any(|c| !w.allows(c)));
    }
}
