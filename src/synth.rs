//! Seeded generators of synthetic policies, for benchmarks and property
//! tests. The same seed always gives the same text, on every platform: the
//! generator uses its own small PRNG rather than a crate whose streams may
//! change between versions.

use std::fmt::Write;

/// A small, fast, deterministic PRNG (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// `k` distinct indices below `n`, ascending.
    pub fn pick(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k.min(n) {
            let j = i + (self.next_u64() as usize) % (n - i);
            all.swap(i, j);
        }
        let mut chosen = all[..k.min(n)].to_vec();
        chosen.sort_unstable();
        chosen
    }
}

/// The decision-table workload: 7 attributes (six enums of 4–16 values and
/// `amount: int 0..1000`), `resolve first`, and `rules` named rules that each
/// constrain 2–5 attributes with `=`, `in` or an integer threshold.
pub fn decision_table(seed: u64, rules: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from("policy decision_table\nresolve first\ndefault undecided\n");
    let sizes: Vec<usize> = (0..6).map(|_| rng.range(4, 16) as usize).collect();
    for (a, &n) in sizes.iter().enumerate() {
        let values: Vec<String> = (0..n).map(|v| format!("v{v}")).collect();
        let _ = writeln!(out, "attribute a{a}: {{ {} }}", values.join(", "));
    }
    out.push_str("attribute amount: int 0..1000\n");
    out.push_str("decision outcome: { approve, review, reject }\n");
    let thresholds = [10, 50, 100, 250, 500, 750, 900];
    let outcomes = ["approve", "review", "reject"];
    for r in 0..rules {
        let k = rng.range(2, 5) as usize;
        let attrs = rng.pick(7, k);
        let mut conj = Vec::new();
        for a in attrs {
            if a == 6 {
                let t = thresholds[rng.range(0, 6) as usize];
                let op = if rng.range(0, 1) == 0 { "<" } else { ">=" };
                conj.push(format!("amount {op} {t}"));
            } else if rng.range(0, 2) == 0 {
                let k = rng.range(2, 3) as usize;
                let vals = rng.pick(sizes[a], k);
                let vals: Vec<String> = vals.iter().map(|v| format!("v{v}")).collect();
                conj.push(format!("a{a} in {{ {} }}", vals.join(", ")));
            } else {
                conj.push(format!("a{a} = v{}", rng.range(0, sizes[a] as u64 - 1)));
            }
        }
        let o = outcomes[rng.range(0, 2) as usize];
        let _ = writeln!(
            out,
            "rule r{r}: when {} then {o} because \"row {r}\"",
            conj.join(" and ")
        );
    }
    out
}

/// The wide workload: 16 enum attributes of 4–16 values, rules of 2–4
/// constraints (equality or small sets), `resolve priority deny > allow`,
/// `default deny`.
pub fn wide(seed: u64, rules: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from("policy wide\nresolve priority deny > allow\ndefault deny\n");
    let sizes: Vec<usize> = (0..16).map(|_| rng.range(4, 16) as usize).collect();
    for (a, &n) in sizes.iter().enumerate() {
        let values: Vec<String> = (0..n).map(|v| format!("v{v}")).collect();
        let _ = writeln!(out, "attribute a{a}: {{ {} }}", values.join(", "));
    }
    out.push_str("decision outcome: { allow, deny }\n");
    for r in 0..rules {
        let k = rng.range(2, 4) as usize;
        let mut conj = Vec::new();
        for a in rng.pick(16, k) {
            if rng.range(0, 1) == 0 {
                conj.push(format!("a{a} = v{}", rng.range(0, sizes[a] as u64 - 1)));
            } else {
                let vals = rng.pick(sizes[a], 2);
                let vals: Vec<String> = vals.iter().map(|v| format!("v{v}")).collect();
                conj.push(format!("a{a} in {{ {} }}", vals.join(", ")));
            }
        }
        let o = if rng.range(0, 3) == 0 {
            "deny"
        } else {
            "allow"
        };
        let _ = writeln!(out, "rule r{r}: when {} then {o}", conj.join(" and "));
    }
    out
}

/// The strict workload: the wide workload's 16 enum attributes under
/// `resolve strict` (the default), with rules of three outcomes that never
/// conflict: `a0`'s values are split among the outcomes and every rule
/// keeps `a0` within its outcome's share, plus 1–3 equalities on
/// `a1`–`a5` (the other attributes are declared but unused, so the
/// diagram stays within the default budget).
/// Checking it compiles the whole policy to prove that no case conflicts.
pub fn strict(seed: u64, rules: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from("policy strict_table\ndefault undecided\n");
    let mut sizes: Vec<usize> = (0..16).map(|_| rng.range(4, 16) as usize).collect();
    sizes[0] = 12;
    for (a, &n) in sizes.iter().enumerate() {
        let values: Vec<String> = (0..n).map(|v| format!("v{v}")).collect();
        let _ = writeln!(out, "attribute a{a}: {{ {} }}", values.join(", "));
    }
    out.push_str("decision outcome: { approve, review, reject }\n");
    let outcomes = ["approve", "review", "reject"];
    for r in 0..rules {
        let o = rng.range(0, 2) as usize;
        // Outcome `o` owns the values v(4o)..v(4o+3) of `a0`.
        let own = rng.pick(4, 2);
        let own: Vec<String> = own.iter().map(|v| format!("v{}", 4 * o + v)).collect();
        let mut conj = vec![format!("a0 in {{ {} }}", own.join(", "))];
        let k = rng.range(1, 3) as usize;
        for a in rng.pick(5, k) {
            let a = a + 1;
            conj.push(format!("a{a} = v{}", rng.range(0, sizes[a] as u64 - 1)));
        }
        let _ = writeln!(
            out,
            "rule r{r}: when {} then {}",
            conj.join(" and "),
            outcomes[o]
        );
    }
    out
}

/// Issue 14's first family: one `regardless` claim under `resolve
/// priority`, then `n` copies of a rule that overlaps it and gives the
/// other outcome. `scripts/memory_families.py` writes the same text.
pub fn regardless_overlap(n: usize) -> String {
    let mut out = String::from(
        "policy p\n\
         attribute x: { a, b, c }\n\
         attribute us: bool\n\
         attribute huge: int -9223372036854775808..9223372036854775807\n\
         decision outcome: { compel, quash }\n\
         resolve priority quash > compel\n\
         when x = a and not us then quash regardless huge\n",
    );
    for _ in 0..n {
        out.push_str("when huge >= 0 or x != b then compel\n");
    }
    out
}

/// Issue 14's second family: `resolve strict` (the default), one conflict,
/// and `n` copies of one rule.
pub fn strict_copies(n: usize) -> String {
    let mut out = String::from(
        "policy p\n\
         attribute instrument: { SCA_warrant, subpoena }\n\
         attribute location: { US, Ireland }\n\
         decision outcome: { compel, quash }\n\
         when instrument = SCA_warrant then quash\n",
    );
    for _ in 0..n {
        out.push_str("when location = US then compel\n");
    }
    out
}

/// Issue 14's third family: a chain of `n` rules (at least one) over one
/// bool, each overriding the one before, the outcomes alternating (`flip`
/// swaps the last one's, for a `diff`), and a test of the top of the chain.
pub fn override_chain(n: usize, flip: bool) -> String {
    let outcome = |i: usize| {
        let o = ["yes", "no"][i % 2];
        match (flip && i == n - 1, o) {
            (true, "yes") => "no",
            (true, _) => "yes",
            (false, o) => o,
        }
    };
    let mut out = String::from(
        "policy p\nattribute a: bool\ndecision outcome: { yes, no }\nrule r0: when a then yes\n",
    );
    for i in 1..n {
        let _ = writeln!(
            out,
            "rule r{i} overrides r{}: when a then {}",
            i - 1,
            outcome(i)
        );
    }
    let _ = writeln!(
        out,
        "test \"top\": given a expect {} by r{}",
        outcome(n - 1),
        n - 1
    );
    out
}

/// Issue 14's fourth family: one rule `when n = 0 or n = 3 or … then yes`
/// of `n` comparisons over a wide int.
pub fn eq_chain(n: usize) -> String {
    let conds: Vec<String> = (0..n).map(|i| format!("n = {}", 3 * i)).collect();
    format!(
        "policy p\nattribute n: int 0..1000000000\ndecision outcome: {{ yes }}\ndefault undecided\nwhen {} then yes\n",
        conds.join(" or ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_policies_check_cleanly_and_deterministically() {
        for text in [decision_table(7, 200), wide(7, 200), strict(7, 200)] {
            let mut map = crate::source::SourceMap::new();
            let report = crate::api::check_source(&mut map, "synth.policy", &text);
            assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
            assert_eq!(report.policy.unwrap().rules.len(), 200);
        }
        assert_eq!(decision_table(1, 50), decision_table(1, 50));
        assert_ne!(decision_table(1, 50), decision_table(2, 50));
    }
}
