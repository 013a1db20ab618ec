//! The rule index: deciding single cases in time and space linear in the
//! policy, for policies whose exact decision diagram would be too large.
//!
//! # In and out
//!
//! [`RuleIndex::build`] takes a checked [`Policy`]. [`RuleIndex::decide`]
//! takes a case (one [`Value`] per attribute, in declaration order, every
//! value inside its attribute's domain) and returns the same [`Verdict`] as
//! the interpreter ([`super::interp`]) and the compiled diagram: the index
//! finds the matching rules, keeps the winners (SPEC 4.3), and hands them to
//! the shared [`resolve`] for SPEC 4.4–4.6. [`RuleIndex::matching`] exposes
//! the first step on its own.
//!
//! A decision diagram is exact but can be exponential in the number of
//! attributes (16 attributes and a few thousand random rules are enough);
//! `writ eval --engine auto` falls back to this index when the diagram would
//! exceed its budget. The index never enumerates cases and never combines
//! rules with each other, so it cannot blow up.
//!
//! # The scheme
//!
//! **Products.** Each rule's condition is summarised by a *product*: for
//! some attributes, the set of values the attribute must take for the
//! condition to hold (`a ∈ S_a`, as inclusive ranges of value indices or
//! integers). An atom gives one set; a negated atom the complement; `and`
//! intersects; `not` is pushed inward (De Morgan), so `not (a or b)` is a
//! conjunction too; an `or` whose branches all test one and the same
//! attribute is the union. Anything else (an `or` across attributes) is
//! *over-approximated*: the product keeps only the attributes that every
//! branch constrains, with the union of their sets, and the rule is marked
//! *inexact*. The product is always implied by the condition; it is
//! equivalent to it exactly when the rule is not marked. An empty set means
//! the condition can never hold, and the rule is left out altogether.
//!
//! **Cells.** For each attribute, the values that no rule tells apart are
//! one *cell*. For an enum or bool, a table maps each value to its cell
//! (values with the same membership in every rule's set share one, so a 250
//! value enum that three rules mention has a handful of cells). For an int,
//! the cells are the intervals between the cut points the rules' ranges
//! create, found by binary search.
//!
//! **Masks.** For each cell of an indexed attribute the index holds a
//! bitset over all rules: bit `r` is set when rule `r` is *not excluded* by
//! that attribute, i.e. `r` does not constrain it, or its set contains the
//! cell. Deciding ANDs the masks of the case's cells, one per indexed
//! attribute (64 rules per machine word, four masks per pass in a loop the
//! compiler vectorises, stopping once nothing is left), so a surviving bit
//! means the rule's product holds. The masks are stored in full for every cell ("dense")
//! when that costs at most a constant factor more than the rules' own
//! sets. Otherwise (an int attribute with thousands of distinct thresholds,
//! say, where full masks would be quadratic) only every `stride`-th cell's
//! mask is stored, plus, for every other cell, the rules whose membership
//! changes between it and the previous cell (two per range, so linear in
//! the policy); the mask of a cell is rebuilt from the checkpoint before it.
//!
//! **Unindexed attributes.** A bitset costs one bit per rule whatever the
//! number of rules that constrain the attribute, so an attribute that few
//! rules constrain (fewer than one per four words of the bitset) is not
//! indexed: its sets are kept with their rules as *checks*, tested after
//! the AND only for the rules that survive it. This keeps the index linear
//! even with thousands of attributes each mentioned by one rule.
//!
//! **Verification.** The survivors of the AND whose product is not the
//! whole story (inexact rules, rules with checks) are verified: checks by
//! binary search in their ranges, inexact rules by evaluating their
//! condition on the case. The rest match by construction.
//!
//! **Winners.** With no `overrides` in the policy, the winners are the
//! matching rules. Otherwise a depth-first walk from each matching rule
//! along the direct `overrides` edges marks every rule below it (each rule
//! is visited once per decision, so the walk is linear in the override
//! graph, with no quadratic transitive closure stored); the winners are the
//! matching rules left unmarked.
//!
//! **Resolution.** [`resolve`] takes a [`Policy`] and reads only its
//! strategy, its default and the winners' outcomes. A stripped copy of
//! every rule would cost ~190 bytes per rule (more than the index itself),
//! so the index keeps a *proxy policy* with one rule per outcome (rule `o`
//! gives outcome `o`) and passes each winner as the proxy of its outcome.
//! `resolve` answers with a subsequence of what it was given (all winners
//! with the chosen outcome, or the first winner, or all of them); taking
//! each answered proxy at its earliest position not yet used maps the
//! answer back to the real winners, position for position.
//!
//! # Why it is exact
//!
//! A rule survives the AND exactly when, for every indexed attribute, its
//! set contains the case's value (or it has no set there); the cells never
//! split or merge values differently from the sets, because they are built
//! from them. Together with the checks this is exactly "the product holds".
//! For an exact rule the product is the condition; for an inexact rule the
//! condition is evaluated, and the product only ever skips rules whose
//! condition would have failed anyway. Winners and resolution follow SPEC 4
//! literally (and [`resolve`] is the function every engine shares).
//!
//! # Size and speed
//!
//! Memory is one bit per rule per cell of the indexed attributes (dense
//! case), bounded by a constant factor times the total size of the rules'
//! sets and one bitset per indexed attribute; plus the inexact rules'
//! conditions, the checks, the override edges, and each rule's outcome.
//! [`RuleIndex::heap_bytes`] measures it. A decision costs one word
//! operation per 64 rules per indexed attribute, plus the survivors; use
//! [`RuleIndex::decide_into`] with a reused [`Scratch`] to avoid
//! allocating anything but the verdict. `benches/index.rs` measures both.

use super::{Value, Verdict, resolve};
use crate::check::{AttrId, Cond, Decision, Domain, Meta, Policy, Rule, RuleId, ValueSet};
use std::collections::HashMap;
use std::mem::size_of;

/// Inclusive ranges of values, ascending, disjoint and non-adjacent (enum
/// and bool values as their indices).
type Ranges = Vec<(i64, i64)>;

/// Inclusive runs of cell numbers, ascending: a rule's set on one
/// attribute, in that attribute's cells.
type CellRuns = Vec<(usize, usize)>;

/// The stored masks of an attribute may take this factor times its sparse
/// form (toggles, cell offsets and one bitset) before checkpoints are
/// thinned out. Small enough to keep the index linear; large enough that
/// every attribute of a realistic policy is dense (the fastest form).
const DENSE_FACTOR: usize = 4;
/// How many attributes' masks one pass over the candidates ANDs in, when
/// the bitsets are longer than `SMALL_WORDS`.
const MASKS_PER_PASS: usize = 4;
/// Bitsets of at most this many words are ANDed one attribute at a time,
/// with an exit as soon as they are empty.
const SMALL_WORDS: usize = 4;
/// An attribute is indexed when at least one rule in this many words of
/// the rule bitset constrains it; otherwise checking its rules one by one
/// is cheaper than a pass over the bitset.
const WORDS_PER_CONSTRAINED_RULE: usize = 4;

/// An index of a checked policy's rules that decides cases exactly (see the
/// module documentation for the scheme).
#[derive(Clone, Debug)]
pub struct RuleIndex {
    /// The number of attributes a case must give.
    attributes: usize,
    /// Words per rule bitset: `rules` bits, rounded up.
    words: usize,
    /// The rules whose condition can hold at all. The starting candidates
    /// when no attribute is indexed; every mask is already a subset of it.
    live: Vec<u64>,
    /// The indexed attributes, the most constrained first (they empty the
    /// candidate set soonest).
    attrs: Vec<AttrIndex>,
    /// The rules to verify after the AND: inexact ones and ones with checks.
    verify: Vec<u64>,
    /// Whether any rule is in `verify`.
    any_verify: bool,
    /// The inexact rules: their condition is evaluated when they survive.
    inexact: Vec<u64>,
    /// `checks[check_start[r]..check_start[r + 1]]` are rule `r`'s sets on
    /// unindexed attributes.
    check_start: Vec<u32>,
    /// The checks of every rule (see `check_start`).
    checks: Vec<Check>,
    /// The ranges of every check.
    check_ranges: Vec<(i64, i64)>,
    /// The conditions of the inexact rules, by rule, ascending.
    residual: Vec<(RuleId, Cond)>,
    /// `overrides[over_start[r]..over_start[r + 1]]` are the rules `r`
    /// directly overrides; both empty when no rule overrides another.
    over_start: Vec<u32>,
    /// The direct `overrides` edges (see `over_start`).
    overrides: Vec<u32>,
    /// Each rule's outcome.
    outcome_of: Vec<u32>,
    /// What [`resolve`] reads: the strategy and the default of the policy,
    /// with one rule per outcome (rule `o` gives outcome `o`) standing in
    /// for the winners (see the module documentation).
    proxy: Policy,
}

/// One indexed attribute: its cells and the mask of each.
#[derive(Clone, Debug)]
struct AttrIndex {
    /// The attribute.
    attr: AttrId,
    /// How to find a value's cell.
    cells: CellMap,
    /// Every `stride`-th cell's mask is stored (1: every cell's).
    stride: usize,
    /// The stored masks, `words` each: checkpoint `j` is cell `j * stride`.
    checkpoints: Vec<u64>,
    /// `toggles[toggle_start[c]..toggle_start[c + 1]]` are the rules whose
    /// bit differs between cells `c - 1` and `c`; empty when `stride` is 1.
    toggle_start: Vec<u32>,
    /// The toggled rules (see `toggle_start`).
    toggles: Vec<u32>,
}

/// How a value is mapped to its cell.
#[derive(Clone, Debug)]
enum CellMap {
    /// Enum or bool: the cell of each value index.
    Classes(Vec<u32>),
    /// Int: the first value of every cell but the first, ascending; the
    /// cell of `v` is the number of cut points `<= v`.
    Cuts(Vec<i64>),
}

/// A rule's set on an unindexed attribute.
#[derive(Clone, Copy, Debug)]
struct Check {
    /// The attribute.
    attr: u32,
    /// Its ranges: `check_ranges[start..end]`.
    start: u32,
    /// See `start`.
    end: u32,
}

/// Reusable working memory for [`RuleIndex::decide_into`], so that a stream
/// of decisions allocates only the verdicts. One scratch serves any index
/// (it is resized when the rule count changes), but one per index is best.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    /// The candidate rules, a bitset.
    acc: Vec<u64>,
    /// Masks rebuilt from checkpoints and toggles: `MASKS_PER_PASS` areas
    /// of the bitset size.
    mask: Vec<u64>,
    /// The matching rules, ascending.
    matches: Vec<RuleId>,
    /// Room for every rule's position, for `extract_bits`.
    positions: Vec<RuleId>,
    /// The winners, ascending (only used when the policy has overrides).
    winners: Vec<RuleId>,
    /// The winners' outcomes, as rules of the proxy policy.
    proxies: Vec<RuleId>,
    /// Rules below some matching rule, a bitset; all clear between uses.
    below: Vec<u64>,
    /// The depth-first walk's stack.
    stack: Vec<RuleId>,
    /// The bits set in `below`, to clear them afterwards.
    touched: Vec<RuleId>,
}

impl Scratch {
    /// Sizes the bitsets for `words` words; cheap when already that size.
    fn prepare(&mut self, words: usize) {
        if self.acc.len() != words {
            self.acc.resize(words, 0);
            self.mask.resize(MASKS_PER_PASS * words, 0);
            self.below.clear();
            self.below.resize(words, 0);
        }
        self.matches.clear();
    }
}

/// Knobs of [`RuleIndex::build`], fixed in production and varied by the
/// tests so that every storage form is exercised on small policies.
#[derive(Clone, Copy, Debug)]
struct Tuning {
    /// Which attributes get masks.
    indexing: Indexing,
    /// Force this checkpoint stride (capped by the cell count).
    stride: Option<usize>,
}

/// Which attributes [`RuleIndex::build`] indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "the tests force the other forms")
)]
enum Indexing {
    /// Those that enough rules constrain (`WORDS_PER_CONSTRAINED_RULE`).
    Auto,
    /// Every constrained attribute.
    All,
    /// None: every set becomes a check.
    None,
}

impl Tuning {
    /// The production settings.
    const DEFAULT: Tuning = Tuning {
        indexing: Indexing::Auto,
        stride: None,
    };
}

impl RuleIndex {
    /// Builds the index of `policy`. Time and memory are linear in the size
    /// of the checked policy, up to a logarithmic factor for sorting (see
    /// the module documentation); nothing is ever enumerated per case.
    pub fn build(policy: &Policy) -> RuleIndex {
        RuleIndex::build_tuned(policy, Tuning::DEFAULT)
    }

    /// [`RuleIndex::build`] with explicit knobs.
    fn build_tuned(policy: &Policy, tuning: Tuning) -> RuleIndex {
        let domains: Vec<(i64, i64)> = policy
            .attributes
            .iter()
            .map(|a| bounds(&a.domain))
            .collect();
        let rules = policy.rules.len();
        let words = rules.div_ceil(64);
        let mut live = vec![0u64; words];
        let mut inexact = vec![0u64; words];
        let mut verify = vec![0u64; words];
        let mut residual = Vec::new();
        // Per attribute: the rules that constrain it, with their sets.
        let mut constraints: Vec<Vec<(RuleId, Ranges)>> = vec![Vec::new(); domains.len()];
        for (r, rule) in policy.rules.iter().enumerate() {
            let approx = approximate(&rule.cond, true, &domains);
            let Some(product) = approx.product else {
                continue; // Can never hold: in no mask, never a candidate.
            };
            set_bit(&mut live, r);
            if !approx.exact {
                set_bit(&mut inexact, r);
                set_bit(&mut verify, r);
                residual.push((r, rule.cond.clone()));
            }
            for (a, set) in product {
                constraints[a].push((r, set));
            }
        }

        let mut attrs = Vec::new();
        let mut rule_checks: Vec<Vec<(AttrId, Ranges)>> = vec![Vec::new(); rules];
        for (a, cs) in constraints.into_iter().enumerate() {
            if cs.is_empty() {
                continue;
            }
            let indexed = match tuning.indexing {
                Indexing::Auto => cs.len() * WORDS_PER_CONSTRAINED_RULE >= words,
                Indexing::All => true,
                Indexing::None => false,
            };
            if indexed {
                attrs.push((
                    cs.len(),
                    AttrIndex::build(
                        a,
                        &policy.attributes[a].domain,
                        domains[a],
                        &cs,
                        &live,
                        tuning,
                    ),
                ));
            } else {
                for (r, set) in cs {
                    // An inexact rule's condition is evaluated anyway, and
                    // implies its product: a check would only repeat it.
                    if !get_bit(&inexact, r) {
                        set_bit(&mut verify, r);
                        rule_checks[r].push((a, set));
                    }
                }
            }
        }
        // Most constrained first: the candidate set empties soonest.
        attrs.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
        let attrs = attrs.into_iter().map(|(_, x)| x).collect();

        let mut check_start = Vec::with_capacity(rules + 1);
        let mut checks = Vec::new();
        let mut check_ranges = Vec::new();
        check_start.push(0);
        for cs in rule_checks {
            for (a, set) in cs {
                let start = u32_of(check_ranges.len());
                check_ranges.extend(set);
                checks.push(Check {
                    attr: u32_of(a),
                    start,
                    end: u32_of(check_ranges.len()),
                });
            }
            check_start.push(u32_of(checks.len()));
        }

        let (mut over_start, mut overrides) = (Vec::new(), Vec::new());
        if policy.rules.iter().any(|r| !r.overrides.is_empty()) {
            over_start.push(0);
            for rule in &policy.rules {
                overrides.extend(rule.overrides.iter().map(|&b| u32_of(b)));
                over_start.push(u32_of(overrides.len()));
            }
        }

        RuleIndex {
            attributes: domains.len(),
            words,
            live,
            attrs,
            any_verify: verify.iter().any(|&w| w != 0),
            verify,
            inexact,
            check_start,
            checks,
            check_ranges,
            residual,
            over_start,
            overrides,
            outcome_of: policy.rules.iter().map(|r| u32_of(r.outcome)).collect(),
            proxy: proxy_policy(policy),
        }
    }

    /// A scratch sized for this index, for [`RuleIndex::decide_into`].
    pub fn scratch(&self) -> Scratch {
        let mut s = Scratch::default();
        s.prepare(self.words);
        s
    }

    /// The verdict for `case` (`case[i]` is the value of attribute `i`, all
    /// present and inside their domains), exactly as SPEC section 4 defines
    /// it. Allocates working memory; see [`RuleIndex::decide_into`].
    ///
    /// # Panics
    ///
    /// When `case` has fewer values than the policy has attributes, or an
    /// enum or bool value is not an index of its domain.
    pub fn decide(&self, case: &[Value]) -> Verdict {
        self.decide_into(case, &mut Scratch::default())
    }

    /// [`RuleIndex::decide`] with caller-provided working memory: once
    /// `scratch` has served a few cases of this index (its buffers only
    /// grow), nothing is allocated but the verdict's list of rules.
    ///
    /// # Panics
    ///
    /// As [`RuleIndex::decide`].
    pub fn decide_into(&self, case: &[Value], scratch: &mut Scratch) -> Verdict {
        self.collect_matches(case, scratch);
        let in_winners = self.find_winners(scratch);
        let Scratch {
            matches,
            winners,
            proxies,
            ..
        } = scratch;
        let winners = if in_winners { winners } else { matches };
        proxies.clear();
        proxies.extend(winners.iter().map(|&w| self.outcome_of[w] as usize));
        let mut verdict = resolve(&self.proxy, proxies);
        if let Verdict::Decided { rules, .. } | Verdict::Conflict { rules } = &mut verdict {
            map_back(rules, proxies, winners);
        }
        verdict
    }

    /// The rules that may match some case agreeing with the known values of
    /// `case` (`None`: not given), in file order: every live rule that no
    /// known value excludes (a superset of the rules that can match, since
    /// inexact rules are kept).
    pub fn possible(&self, case: &[Option<Value>]) -> Vec<RuleId> {
        let mut out = Vec::new();
        self.possible_into(case, &mut out);
        out
    }

    /// Whether every rule's condition is exactly its product (one set of
    /// values per attribute it constrains) and no rule overrides another:
    /// then a rule that [`RuleIndex::possible`] lists matches some case
    /// agreeing with the known values, and one whose constrained
    /// attributes are all known matches every such case.
    pub fn is_exact(&self) -> bool {
        !self.inexact.iter().any(|&w| w != 0) && self.overrides.is_empty()
    }

    /// [`RuleIndex::possible`] into `out` (cleared first).
    pub fn possible_into(&self, case: &[Option<Value>], out: &mut Vec<RuleId>) {
        out.clear();
        let mut acc = self.live.clone();
        let mut tmp = vec![0u64; self.words];
        for a in &self.attrs {
            if let Some(v) = case[a.attr] {
                let m = a.mask(v, self.words, &mut tmp);
                for (x, &y) in acc.iter_mut().zip(m) {
                    *x &= y;
                }
            }
        }
        for (w, &word) in acc.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let r = w * 64 + b;
                let (from, to) = (
                    self.check_start[r] as usize,
                    self.check_start[r + 1] as usize,
                );
                let excluded = self.checks[from..to].iter().any(|c| {
                    case[c.attr as usize].is_some_and(|v| {
                        !in_ranges(&self.check_ranges[c.start as usize..c.end as usize], v)
                    })
                });
                if !excluded {
                    out.push(r);
                }
            }
        }
    }

    /// The rules whose condition holds for `case`, in file order.
    ///
    /// # Panics
    ///
    /// As [`RuleIndex::decide`].
    pub fn matching(&self, case: &[Value]) -> Vec<RuleId> {
        let mut scratch = Scratch::default();
        self.collect_matches(case, &mut scratch);
        scratch.matches
    }

    /// Heap bytes used by the index, counting allocated capacity: the
    /// masks, checks, residual conditions, override edges, outcomes and the
    /// proxy policy kept for [`resolve`].
    pub fn heap_bytes(&self) -> usize {
        let attrs: usize = self
            .attrs
            .iter()
            .map(|a| {
                let cells = match &a.cells {
                    CellMap::Classes(v) => vec_bytes(v),
                    CellMap::Cuts(v) => vec_bytes(v),
                };
                cells
                    + vec_bytes(&a.checkpoints)
                    + vec_bytes(&a.toggle_start)
                    + vec_bytes(&a.toggles)
            })
            .sum();
        let residual: usize = self.residual.iter().map(|(_, c)| cond_heap_bytes(c)).sum();
        let proxy = vec_bytes(&self.proxy.rules)
            + match &self.proxy.resolve {
                crate::check::Resolve::Priority(v) => vec_bytes(v),
                _ => 0,
            };
        vec_bytes(&self.live)
            + vec_bytes(&self.attrs)
            + attrs
            + vec_bytes(&self.verify)
            + vec_bytes(&self.inexact)
            + vec_bytes(&self.check_start)
            + vec_bytes(&self.checks)
            + vec_bytes(&self.check_ranges)
            + vec_bytes(&self.residual)
            + residual
            + vec_bytes(&self.over_start)
            + vec_bytes(&self.overrides)
            + vec_bytes(&self.outcome_of)
            + proxy
    }

    /// Fills `s.matches` with the rules matching `case`, ascending.
    fn collect_matches(&self, case: &[Value], s: &mut Scratch) {
        assert!(
            case.len() >= self.attributes,
            "a case gives {} values for {} attributes",
            case.len(),
            self.attributes
        );
        s.prepare(self.words);
        let Scratch {
            acc,
            mask,
            matches,
            positions,
            ..
        } = s;
        if !self.candidates(case, acc, mask) {
            return;
        }
        if self.any_verify {
            for (w, (word, &ver)) in acc.iter_mut().zip(&self.verify).enumerate() {
                let mut to_verify = *word & ver;
                while to_verify != 0 {
                    let b = to_verify.trailing_zeros();
                    to_verify &= to_verify - 1;
                    if !self.verify_rule(w * 64 + b as usize, case) {
                        *word &= !(1 << b);
                    }
                }
            }
        }
        extract_bits(acc, positions, matches);
    }

    /// Leaves in `acc` the rules whose product holds on the indexed
    /// attributes (all live rules when none is indexed); `false` when there
    /// are none.
    fn candidates(&self, case: &[Value], acc: &mut [u64], tmp: &mut [u64]) -> bool {
        if self.attrs.is_empty() {
            acc.copy_from_slice(&self.live);
            return acc.iter().any(|&w| w != 0);
        }
        let words = self.words;
        if let [x] = acc {
            // Up to 64 rules: one word, kept in a register.
            let mut word = self.live[0];
            for a in &self.attrs {
                word &= a.mask(case[a.attr], 1, &mut tmp[..1])[0];
                if word == 0 {
                    break;
                }
            }
            *x = word;
            return word != 0;
        }
        if words <= SMALL_WORDS {
            // A few words: one attribute at a time, stopping as soon as no
            // rule is left, which at a hundred rules is usually half-way.
            acc.copy_from_slice(&self.live);
            for a in &self.attrs {
                let m = a.mask(case[a.attr], words, &mut tmp[..words]);
                let mut nonzero = 0;
                for (x, &y) in acc.iter_mut().zip(m) {
                    *x &= y;
                    nonzero |= *x;
                }
                if nonzero == 0 {
                    return false;
                }
            }
            return true;
        }
        // Four masks per pass over `acc`: the masks must be read anyway,
        // but `acc` is then loaded and stored a quarter as often. A group
        // of fewer than four is padded with `live`, which every mask and
        // hence `acc` is a subset of, so ANDing it changes nothing.
        for (g, group) in self.attrs.chunks(MASKS_PER_PASS).enumerate() {
            let mut m: [&[u64]; MASKS_PER_PASS] = [&self.live; MASKS_PER_PASS];
            for ((slot, a), buf) in m.iter_mut().zip(group).zip(tmp.chunks_mut(words)) {
                *slot = a.mask(case[a.attr], words, buf);
            }
            let [m0, m1, m2, m3] = m;
            let both = m0.iter().zip(m1).zip(m2).zip(m3);
            let mut nonzero = 0;
            if g == 0 {
                for (x, (((&a, &b), &c), &d)) in acc.iter_mut().zip(both) {
                    *x = a & b & c & d;
                    nonzero |= *x;
                }
            } else {
                for (x, (((&a, &b), &c), &d)) in acc.iter_mut().zip(both) {
                    *x &= a & b & c & d;
                    nonzero |= *x;
                }
            }
            if nonzero == 0 {
                return false;
            }
        }
        true
    }

    /// Whether rule `r`, whose product holds on the indexed attributes,
    /// matches `case`: its checks pass and, if inexact, its condition holds.
    fn verify_rule(&self, r: RuleId, case: &[Value]) -> bool {
        let (from, to) = (
            self.check_start[r] as usize,
            self.check_start[r + 1] as usize,
        );
        let checks_pass = self.checks[from..to].iter().all(|c| {
            let ranges = &self.check_ranges[c.start as usize..c.end as usize];
            in_ranges(ranges, case[c.attr as usize])
        });
        checks_pass
            && (!get_bit(&self.inexact, r) || {
                let i = self
                    .residual
                    .binary_search_by_key(&r, |(q, _)| *q)
                    .expect("every inexact rule keeps its condition");
                holds(&self.residual[i].1, case)
            })
    }

    /// Finds the winners among `s.matches`, those no matching rule is
    /// above: `true` when they are in `s.winners`, `false` when they are
    /// all of `s.matches`.
    fn find_winners(&self, s: &mut Scratch) -> bool {
        if self.overrides.is_empty() || s.matches.len() < 2 {
            // With one match nothing can be above it; with none, nothing wins.
            return false;
        }
        let Scratch {
            matches,
            winners,
            below,
            stack,
            touched,
            ..
        } = s;
        // Mark every rule strictly below some matching rule. A rule marked
        // once has had its own edges pushed, so the walk visits each rule
        // at most once however many matches reach it.
        for &m in matches.iter() {
            stack.push(m);
            while let Some(x) = stack.pop() {
                let edges =
                    &self.overrides[self.over_start[x] as usize..self.over_start[x + 1] as usize];
                for &y in edges {
                    let y = y as usize;
                    if !get_bit(below, y) {
                        set_bit(below, y);
                        touched.push(y);
                        stack.push(y);
                    }
                }
            }
        }
        winners.clear();
        winners.extend(matches.iter().copied().filter(|&m| !get_bit(below, m)));
        for &y in touched.iter() {
            below[y / 64] = 0;
        }
        touched.clear();
        true
    }
}

impl AttrIndex {
    /// Builds the masks of attribute `attr` from the rules constraining it
    /// (`cs`, ascending by rule); `live` are the rules that can match.
    fn build(
        attr: AttrId,
        domain: &Domain,
        (lo, hi): (i64, i64),
        cs: &[(RuleId, Ranges)],
        live: &[u64],
        tuning: Tuning,
    ) -> AttrIndex {
        let words = live.len();
        let (cells, ncells, runs) = match domain {
            Domain::Enum { .. } | Domain::Bool => {
                let (classes, n, runs) = enum_cells(hi + 1, cs);
                (CellMap::Classes(classes), n, runs)
            }
            Domain::Int { .. } => {
                let (cuts, runs) = int_cells((lo, hi), cs);
                let n = cuts.len() + 1;
                (CellMap::Cuts(cuts), n, runs)
            }
        };

        // Choose how many masks to store: all of them when few cells or
        // when that is within a constant factor of the sparse form.
        let toggle_count: usize = runs
            .iter()
            .flatten()
            .map(|&(s, e)| usize::from(s > 0) + usize::from(e + 1 < ncells))
            .sum();
        let row = words * 8;
        let dense = ncells * row;
        let budget = DENSE_FACTOR * (4 * toggle_count + 4 * ncells + row);
        let stride = match tuning.stride {
            Some(k) => k.clamp(1, ncells),
            None if dense <= budget => 1,
            None => ncells.div_ceil((budget / row).max(1)),
        };

        // Checkpoint masks: the live rules that do not constrain the
        // attribute, plus each constraining rule where its set holds.
        let mut base = live.to_vec();
        for &(r, _) in cs {
            clear_bit(&mut base, r);
        }
        let count = ncells.div_ceil(stride);
        let mut checkpoints = Vec::with_capacity(count * words);
        for _ in 0..count {
            checkpoints.extend_from_slice(&base);
        }
        for (&(r, _), rs) in cs.iter().zip(&runs) {
            for &(s, e) in rs {
                for j in s.div_ceil(stride)..=e / stride {
                    set_bit(&mut checkpoints[j * words..(j + 1) * words], r);
                }
            }
        }

        // Toggles: a rule's bit flips where one of its runs starts or ends,
        // except at checkpoints, which are stored whole.
        let (mut toggle_start, mut toggles) = (Vec::new(), Vec::new());
        if stride > 1 {
            let flips = || {
                cs.iter().zip(&runs).flat_map(|(&(r, _), rs)| {
                    rs.iter()
                        .flat_map(|&(s, e)| [s, e + 1])
                        .filter(|&c| c < ncells && c % stride != 0)
                        .map(move |c| (c, r))
                })
            };
            toggle_start = vec![0u32; ncells + 1];
            for (c, _) in flips() {
                toggle_start[c + 1] += 1;
            }
            for c in 0..ncells {
                toggle_start[c + 1] += toggle_start[c];
            }
            toggles = vec![0u32; toggle_start[ncells] as usize];
            let mut next: Vec<u32> = toggle_start[..ncells].to_vec();
            for (c, r) in flips() {
                toggles[next[c] as usize] = u32_of(r);
                next[c] += 1;
            }
        }

        AttrIndex {
            attr,
            cells,
            stride,
            checkpoints,
            toggle_start,
            toggles,
        }
    }

    /// The mask of the cell holding `value`: a stored checkpoint, or one
    /// rebuilt into `tmp` from the checkpoint before it.
    #[inline(always)]
    fn mask<'m>(&'m self, value: Value, words: usize, tmp: &'m mut [u64]) -> &'m [u64] {
        let cell = match &self.cells {
            CellMap::Classes(classes) => {
                classes[usize::try_from(value).expect("an enum value index")] as usize
            }
            CellMap::Cuts(cuts) => cuts.partition_point(|&c| c <= value),
        };
        if self.stride == 1 {
            // The common case, inlined into the AND loop.
            return &self.checkpoints[cell * words..(cell + 1) * words];
        }
        self.rebuild(cell, words, tmp)
    }

    /// The mask of `cell` when only every `stride`-th is stored.
    #[inline(never)]
    fn rebuild<'m>(&'m self, cell: usize, words: usize, tmp: &'m mut [u64]) -> &'m [u64] {
        let j = cell / self.stride;
        let checkpoint = &self.checkpoints[j * words..(j + 1) * words];
        let first = j * self.stride;
        if cell == first {
            return checkpoint;
        }
        tmp.copy_from_slice(checkpoint);
        let (from, to) = (
            self.toggle_start[first + 1] as usize,
            self.toggle_start[cell + 1] as usize,
        );
        for &r in &self.toggles[from..to] {
            tmp[r as usize / 64] ^= 1 << (r % 64);
        }
        tmp
    }
}

/// The cells of an enum (or bool) attribute of `n` values: each value's
/// cell (values in the same sets share one; cells are numbered by first
/// value), the number of cells, and each constraint's cells as runs.
///
/// A value's signature is the list of constraints whose *smaller side*
/// (the set or its complement) holds it; equal signatures mean equal
/// membership everywhere. Only the smaller sides are enumerated, so the
/// cost is linear in what was written (`not in {x}` costs one value).
fn enum_cells(n: i64, cs: &[(RuleId, Ranges)]) -> (Vec<u32>, usize, Vec<CellRuns>) {
    let n_usize = usize::try_from(n).unwrap_or(0);
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut sides = Vec::with_capacity(cs.len());
    for (ci, (_, set)) in cs.iter().enumerate() {
        let size: i128 = set.iter().map(|&(l, h)| h as i128 - l as i128 + 1).sum();
        let is_set = size * 2 <= n as i128;
        let side = if is_set {
            set.clone()
        } else {
            complement(set, (0, n - 1))
        };
        for &(l, h) in &side {
            pairs.extend((l..=h).map(|v| (u32_of(v as usize), u32_of(ci))));
        }
        sides.push((is_set, side));
    }
    pairs.sort_unstable();
    let signatures: Vec<u32> = pairs.iter().map(|&(_, ci)| ci).collect();
    let mut class_of = vec![0u32; n_usize];
    let mut ids: HashMap<&[u32], u32> = HashMap::new();
    let mut at = 0;
    for (v, class) in class_of.iter_mut().enumerate() {
        let start = at;
        while at < pairs.len() && pairs[at].0 as usize == v {
            at += 1;
        }
        let next = u32_of(ids.len());
        *class = *ids.entry(&signatures[start..at]).or_insert(next);
    }
    let ncells = ids.len().max(1);
    let runs = sides
        .into_iter()
        .map(|(is_set, side)| {
            let mut cells: Vec<usize> = side
                .iter()
                .flat_map(|&(l, h)| l..=h)
                .map(|v| class_of[v as usize] as usize)
                .collect();
            cells.sort_unstable();
            cells.dedup();
            let runs = runs_of(&cells);
            if is_set {
                runs
            } else {
                complement_runs(&runs, ncells)
            }
        })
        .collect();
    (class_of, ncells, runs)
}

/// The cells of an int attribute with domain `lo..=hi`: the cut points
/// every constraint's ranges create, and each constraint's cells as runs.
fn int_cells((lo, hi): (i64, i64), cs: &[(RuleId, Ranges)]) -> (Vec<i64>, Vec<CellRuns>) {
    let mut cuts = Vec::new();
    for (_, set) in cs {
        for &(l, h) in set {
            if l > lo {
                cuts.push(l);
            }
            if h < hi {
                cuts.push(h + 1);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let cell = |v: i64| cuts.partition_point(|&c| c <= v);
    let runs = cs
        .iter()
        .map(|(_, set)| set.iter().map(|&(l, h)| (cell(l), cell(h))).collect())
        .collect();
    (cuts, runs)
}

/// Sorted distinct cell numbers as inclusive runs.
fn runs_of(cells: &[usize]) -> CellRuns {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &c in cells {
        match runs.last_mut() {
            Some((_, e)) if *e + 1 == c => *e = c,
            _ => runs.push((c, c)),
        }
    }
    runs
}

/// The runs of `0..n` not in `runs`.
fn complement_runs(runs: &[(usize, usize)], n: usize) -> CellRuns {
    let mut out = Vec::new();
    let mut next = 0;
    for &(s, e) in runs {
        if s > next {
            out.push((next, s - 1));
        }
        next = e + 1;
    }
    if next < n {
        out.push((next, n - 1));
    }
    out
}

/// A condition's product (see the module documentation), or of its
/// negation when `positive` is false.
struct Approx {
    /// Per attribute (ascending, each at most once), the set it must be
    /// in; attributes not listed are unconstrained. `None`: can never hold.
    product: Option<Vec<(AttrId, Ranges)>>,
    /// Whether the product is equivalent to the condition, not only implied.
    exact: bool,
}

impl Approx {
    /// Always holds.
    const TRUE: Approx = Approx {
        product: Some(Vec::new()),
        exact: true,
    };
    /// Never holds.
    const FALSE: Approx = Approx {
        product: None,
        exact: true,
    };
}

/// The product of `cond` (or of `not cond` when `positive` is false).
/// `domains[a]` bounds attribute `a`'s values.
fn approximate(cond: &Cond, positive: bool, domains: &[(i64, i64)]) -> Approx {
    match cond {
        Cond::Const(b) => {
            if *b == positive {
                Approx::TRUE
            } else {
                Approx::FALSE
            }
        }
        Cond::Atom(atom) => {
            let set = ranges_of(&atom.set);
            let set = if positive {
                set
            } else {
                complement(&set, domains[atom.attr])
            };
            if set.is_empty() {
                Approx::FALSE
            } else if set == [domains[atom.attr]] {
                Approx::TRUE
            } else {
                Approx {
                    product: Some(vec![(atom.attr, set)]),
                    exact: true,
                }
            }
        }
        Cond::Not(inner) => approximate(inner, !positive, domains),
        Cond::And(cs) if positive => conjunction(cs, positive, domains),
        Cond::Or(cs) if !positive => conjunction(cs, positive, domains),
        Cond::And(cs) | Cond::Or(cs) => disjunction(cs, positive, domains),
    }
}

/// The product of all of `cs` holding (each negated unless `positive`):
/// the intersection, exact when every part is.
fn conjunction(cs: &[Cond], positive: bool, domains: &[(i64, i64)]) -> Approx {
    let mut product = Vec::new();
    let mut exact = true;
    for c in cs {
        let a = approximate(c, positive, domains);
        // An empty product is exact whatever the parts: the condition
        // implies it, so it can never hold either.
        let Some(p) = a.product else {
            return Approx::FALSE;
        };
        let Some(q) = intersect_products(&product, &p) else {
            return Approx::FALSE;
        };
        product = q;
        exact &= a.exact;
    }
    Approx {
        product: Some(product),
        exact,
    }
}

/// The product of one of `cs` holding (each negated unless `positive`):
/// per attribute that every part constrains, the union of their sets.
/// Exact when every part is exact and all test the same single attribute.
fn disjunction(cs: &[Cond], positive: bool, domains: &[(i64, i64)]) -> Approx {
    let mut parts = Vec::new();
    for c in cs {
        let a = approximate(c, positive, domains);
        match &a.product {
            None => {} // Never holds: contributes nothing to the union.
            Some(p) if p.is_empty() && a.exact => return Approx::TRUE,
            Some(_) => parts.push(a),
        }
    }
    if parts.len() <= 1 {
        return parts.pop().unwrap_or(Approx::FALSE);
    }
    let single_attr = parts[0]
        .product
        .as_ref()
        .filter(|p| p.len() == 1)
        .map(|p| p[0].0);
    let exact = parts.iter().all(|a| {
        let p = a.product.as_ref().expect("kept parts can hold");
        a.exact && p.len() == 1 && Some(p[0].0) == single_attr
    });
    let mut parts = parts
        .into_iter()
        .map(|a| a.product.expect("kept parts can hold"));
    let mut product = parts.next().expect("at least two parts");
    for p in parts {
        product = product
            .into_iter()
            .filter_map(|(attr, set)| {
                let other = p.iter().find(|(b, _)| *b == attr)?;
                let u = union(&set, &other.1);
                (u != [domains[attr]]).then_some((attr, u))
            })
            .collect();
    }
    Approx {
        product: Some(product),
        exact,
    }
}

/// The conjunction of two products, `None` when some attribute's sets are
/// disjoint.
fn intersect_products(
    a: &[(AttrId, Ranges)],
    b: &[(AttrId, Ranges)],
) -> Option<Vec<(AttrId, Ranges)>> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                let s = intersect(&x.1, &y.1);
                if s.is_empty() {
                    return None;
                }
                out.push((x.0, s));
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push(x.clone());
                i += 1;
            }
            (Some(x), None) => {
                out.push(x.clone());
                i += 1;
            }
            (_, Some(y)) => {
                out.push(y.clone());
                j += 1;
            }
            (None, None) => unreachable!("the loop condition"),
        }
    }
    Some(out)
}

/// A checked value set as ranges.
fn ranges_of(set: &ValueSet) -> Ranges {
    match set {
        ValueSet::Values(vs) => {
            let mut out: Ranges = Vec::new();
            for &v in vs {
                let v = i64::from(v);
                match out.last_mut() {
                    Some((_, h)) if *h + 1 == v => *h = v,
                    _ => out.push((v, v)),
                }
            }
            out
        }
        // The checker promises ascending, disjoint, non-adjacent ranges;
        // `union` with nothing re-establishes that cheaply regardless.
        ValueSet::Ranges(rs) => union(rs, &[]),
    }
}

/// `a ∩ b`, for ascending, disjoint inclusive intervals (of values here,
/// of diagram cells in the analyses).
pub(crate) fn intersect<T: Ord + Copy>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        if lo <= hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// `a ∪ b`, normalised (ascending, disjoint, non-adjacent).
fn union(a: &[(i64, i64)], b: &[(i64, i64)]) -> Ranges {
    let mut all: Ranges = a.iter().chain(b).copied().collect();
    all.sort_unstable();
    let mut out: Ranges = Vec::with_capacity(all.len());
    for (l, h) in all {
        match out.last_mut() {
            // `saturating_add`: a range ending at i64::MAX absorbs the rest.
            Some((_, e)) if l <= e.saturating_add(1) => *e = (*e).max(h),
            _ => out.push((l, h)),
        }
    }
    out
}

/// The values of `lo..=hi` not in `set`.
fn complement(set: &[(i64, i64)], (lo, hi): (i64, i64)) -> Ranges {
    let mut out = Vec::new();
    let mut next = Some(lo); // None: past i64::MAX.
    for &(l, h) in set {
        if let Some(n) = next
            && l > n
        {
            out.push((n, l - 1));
        }
        next = h.checked_add(1);
    }
    if let Some(n) = next
        && n <= hi
    {
        out.push((n, hi));
    }
    out
}

/// Whether `v` lies in one of `ranges` (ascending).
fn in_ranges(ranges: &[(i64, i64)], v: Value) -> bool {
    let i = ranges.partition_point(|&(l, _)| l <= v);
    i > 0 && v <= ranges[i - 1].1
}

/// Whether `cond` holds for `case`.
fn holds(cond: &Cond, case: &[Value]) -> bool {
    match cond {
        Cond::Const(b) => *b,
        Cond::And(cs) => cs.iter().all(|c| holds(c, case)),
        Cond::Or(cs) => cs.iter().any(|c| holds(c, case)),
        Cond::Not(c) => !holds(c, case),
        Cond::Atom(a) => a.set.contains(case[a.attr]),
    }
}

/// The smallest and largest value of a domain (value indices for enums).
fn bounds(domain: &Domain) -> (i64, i64) {
    match domain {
        Domain::Enum { values, .. } => (0, values.len() as i64 - 1),
        Domain::Bool => (0, 1),
        Domain::Int { lo, hi } => (*lo, *hi),
    }
}

/// A rule's product: per constrained attribute (ascending), the inclusive
/// value ranges it must lie in.
pub type Product = Vec<(AttrId, Vec<(i64, i64)>)>;

/// Each rule's product (SPEC-independent summary of its condition; see the
/// module documentation): per constrained attribute, the inclusive value
/// ranges it must lie in; `None` for a rule that can never hold. Exact for
/// every rule when [`RuleIndex::is_exact`] holds.
pub fn products(policy: &Policy) -> Vec<Option<Product>> {
    let domains: Vec<(i64, i64)> = policy
        .attributes
        .iter()
        .map(|a| bounds(&a.domain))
        .collect();
    policy
        .rules
        .iter()
        .map(|r| approximate(&r.cond, true, &domains).product)
        .collect()
}

/// The proxy policy of `policy` for [`resolve`]: its strategy and
/// default, and rule `o` giving outcome `o`; every name, condition and test
/// is dropped.
fn proxy_policy(policy: &Policy) -> Policy {
    Policy {
        meta: Meta {
            name: String::new(),
            title: None,
            source: None,
            date: None,
            loc: policy.meta.loc,
        },
        types: Vec::new(),
        groups: Vec::new(),
        attributes: Vec::new(),
        decision: Decision {
            name: String::new(),
            outcomes: Vec::new(),
            doc: None,
            loc: policy.decision.loc,
        },
        resolve: policy.resolve.clone(),
        default: policy.default.clone(),
        rules: (0..policy.decision.outcomes.len())
            .map(|outcome| Rule {
                id: String::new(),
                named: false,
                overrides: Vec::new(),
                cond: Cond::Const(true),
                outcome,
                regardless: Vec::new(),
                because: None,
                loc: policy.meta.loc,
                item: policy.meta.loc,
            })
            .collect(),
        tests: Vec::new(),
        allows: Vec::new(),
        declared: Vec::new(),
        extends: None,
    }
}

/// Heap bytes of a condition's children.
fn cond_heap_bytes(cond: &Cond) -> usize {
    match cond {
        Cond::Const(_) => 0,
        Cond::And(cs) | Cond::Or(cs) => {
            vec_bytes(cs) + cs.iter().map(cond_heap_bytes).sum::<usize>()
        }
        Cond::Not(c) => size_of::<Cond>() + cond_heap_bytes(c),
        Cond::Atom(a) => match &a.set {
            ValueSet::Values(v) => vec_bytes(v),
            ValueSet::Ranges(r) => vec_bytes(r),
        },
    }
}

/// Heap bytes of a vector's buffer.
fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * size_of::<T>()
}

/// `n` as a `u32`: rule, attribute and offset counts fit, since a policy
/// with four billion rules could not be checked in memory anyway.
fn u32_of(n: usize) -> u32 {
    u32::try_from(n).expect("index sizes fit in 32 bits")
}

/// Replaces the proxies in `rules`, a subsequence of `proxies`, by the
/// winners at the same positions, taking each at its earliest unused
/// position (see the module documentation).
fn map_back(rules: &mut [RuleId], proxies: &[RuleId], winners: &[RuleId]) {
    let Some(&first) = rules.first() else { return };
    if rules.len() == winners.len() {
        // The whole sequence (a conflict, or winners that all agree).
        rules.copy_from_slice(winners);
    } else if rules.iter().all(|&r| r == first) {
        // One outcome (what `resolve` answers when it picks): its first
        // `rules.len()` positions. Whether a proxy is the outcome is a coin
        // toss the branch predictor loses, so every winner is written and
        // only a hit moves on to the next slot.
        let mut j = 0;
        for (&p, &w) in proxies.iter().zip(winners) {
            rules[j] = w;
            j += usize::from(p == first);
            if j == rules.len() {
                return;
            }
        }
        unreachable!("resolve answers a subsequence of the winners");
    } else {
        let mut j = 0;
        for (&p, &w) in proxies.iter().zip(winners) {
            if j < rules.len() && rules[j] == p {
                rules[j] = w;
                j += 1;
            }
        }
        assert_eq!(
            j,
            rules.len(),
            "resolve answers a subsequence of the winners"
        );
    }
}

/// Sets `out` to the positions of the set bits of `bits`, ascending;
/// `buf` is working memory.
///
/// At 10,000 rules a case has about a hundred matches among 157 words, and
/// the obvious loop (`while word != 0 { push }`) mispredicts its exit on
/// almost every word, which cost more than all the ANDs together. Here
/// every word unconditionally writes four positions into `buf` (garbage
/// past its last bit, overwritten by the next word) and counts its bits on
/// the way; only words with more than four bits loop. `buf` always has room for one
/// more word's bits plus the overrun; it is only ever grown (doubling) and
/// never cleared, so nothing is zeroed per call once it has reached the
/// largest match count seen (x86-64's baseline has no `popcnt`, so
/// counting as we go is also cheaper than counting first).
fn extract_bits(bits: &[u64], buf: &mut Vec<RuleId>, out: &mut Vec<RuleId>) {
    const UNROLL: usize = 4;
    let mut k = 0;
    for (w, &word) in bits.iter().enumerate() {
        if buf.len() < k + 64 + UNROLL {
            buf.resize((k + 64 + UNROLL).max(2 * buf.len()), 0);
        }
        let base = w * 64;
        let mut rest = word;
        let mut count = 0;
        for slot in &mut buf[k..k + UNROLL] {
            // Past the last bit `rest` is 0: this writes `base + 64`, and
            // does not count it.
            *slot = base + rest.trailing_zeros() as usize;
            count += usize::from(rest != 0);
            rest &= rest.wrapping_sub(1);
        }
        while rest != 0 {
            buf[k + count] = base + rest.trailing_zeros() as usize;
            count += 1;
            rest &= rest - 1;
        }
        k += count;
    }
    out.clear();
    out.extend_from_slice(&buf[..k]);
}

/// Whether bit `i` of a bitset is set.
fn get_bit(bits: &[u64], i: usize) -> bool {
    bits[i / 64] >> (i % 64) & 1 == 1
}

/// Sets bit `i` of a bitset.
fn set_bit(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

/// Clears bit `i` of a bitset.
fn clear_bit(bits: &mut [u64], i: usize) {
    bits[i / 64] &= !(1 << (i % 64));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Default as PolicyDefault, Resolve};
    use crate::semantics::interp::Interpreter;
    use crate::source::SourceMap;
    use crate::synth::{self, Rng};
    use std::fmt::Write;

    /// Every storage form: production settings, all masks dense, nothing
    /// indexed (everything checked), and checkpoints with toggles between.
    const TUNINGS: [Tuning; 5] = [
        Tuning::DEFAULT,
        Tuning {
            indexing: Indexing::All,
            stride: None,
        },
        Tuning {
            indexing: Indexing::None,
            stride: None,
        },
        Tuning {
            indexing: Indexing::All,
            stride: Some(2),
        },
        Tuning {
            indexing: Indexing::All,
            stride: Some(3),
        },
    ];

    fn policy(text: &str) -> Policy {
        let report = crate::api::check_source_unverified(&mut SourceMap::new(), "t.policy", text);
        report
            .policy
            .unwrap_or_else(|| panic!("{text}\n{:#?}", report.diagnostics))
    }

    /// The verdict straight from SPEC 4, sharing nothing with the index
    /// but [`resolve`]: every condition evaluated, "above" by a walk.
    fn brute_force(p: &Policy, case: &[Value]) -> (Vec<RuleId>, Verdict) {
        fn eval(c: &Cond, case: &[Value]) -> bool {
            match c {
                Cond::Const(b) => *b,
                Cond::And(cs) => cs.iter().all(|c| eval(c, case)),
                Cond::Or(cs) => cs.iter().any(|c| eval(c, case)),
                Cond::Not(c) => !eval(c, case),
                Cond::Atom(a) => a.set.contains(case[a.attr]),
            }
        }
        let above = |a: RuleId, b: RuleId| {
            let mut stack = p.rules[a].overrides.clone();
            while let Some(x) = stack.pop() {
                if x == b {
                    return true;
                }
                stack.extend(&p.rules[x].overrides);
            }
            false
        };
        let matching: Vec<RuleId> = (0..p.rules.len())
            .filter(|&r| eval(&p.rules[r].cond, case))
            .collect();
        let winners: Vec<RuleId> = matching
            .iter()
            .copied()
            .filter(|&r| !matching.iter().any(|&m| above(m, r)))
            .collect();
        let verdict = resolve(p, &winners);
        (matching, verdict)
    }

    /// Every case of a small policy.
    fn all_cases(p: &Policy) -> Vec<Vec<Value>> {
        let mut cases = vec![Vec::new()];
        for a in &p.attributes {
            let (lo, hi) = bounds(&a.domain);
            assert!(hi - lo < 64, "small domains only");
            cases = cases
                .into_iter()
                .flat_map(|c: Vec<Value>| {
                    (lo..=hi).map(move |v| {
                        let mut c = c.clone();
                        c.push(v);
                        c
                    })
                })
                .collect();
        }
        cases
    }

    /// A random case: uniform values, or for ints often a cut point of
    /// some rule (where off-by-one errors live).
    fn random_case(p: &Policy, rng: &mut Rng) -> Vec<Value> {
        p.attributes
            .iter()
            .map(|a| {
                let (lo, hi) = bounds(&a.domain);
                let size = (hi as i128 - lo as i128 + 1) as u128;
                let offset = if rng.range(0, 3) == 0 && matches!(a.domain, Domain::Int { .. }) {
                    // Near a bound of the domain.
                    u128::from(rng.range(0, 2)).min(size - 1)
                } else {
                    u128::from(rng.next_u64()) % size
                };
                (lo as i128 + offset as i128) as i64
            })
            .collect()
    }

    /// Checks every engine against the brute force on `cases`, under every
    /// tuning and a few resolve strategies and defaults.
    fn assert_agrees(p: &Policy, cases: &[Vec<Value>], variants: bool) {
        let mut policies = vec![p.clone()];
        if variants {
            let n = p.decision.outcomes.len();
            let reversed: Vec<usize> = (0..n).rev().collect();
            for (resolve, default) in [
                (Resolve::Strict, PolicyDefault::None),
                (Resolve::First, PolicyDefault::Outcome(n - 1)),
                (Resolve::Priority(reversed), PolicyDefault::Undecided),
            ] {
                let mut q = p.clone();
                q.resolve = resolve;
                q.default = default;
                policies.push(q);
            }
        }
        for p in &policies {
            let interp = Interpreter::new(p);
            let indexes: Vec<RuleIndex> = TUNINGS
                .iter()
                .map(|&t| RuleIndex::build_tuned(p, t))
                .collect();
            let mut scratch = Scratch::default();
            for case in cases {
                let (matching, expected) = brute_force(p, case);
                assert_eq!(interp.decide(case), expected, "interpreter, case {case:?}");
                for (index, tuning) in indexes.iter().zip(TUNINGS) {
                    assert_eq!(index.matching(case), matching, "{tuning:?}, case {case:?}");
                    assert_eq!(index.decide(case), expected, "{tuning:?}, case {case:?}");
                    assert_eq!(
                        index.decide_into(case, &mut scratch),
                        expected,
                        "{tuning:?}, case {case:?}"
                    );
                }
            }
        }
    }

    const VOCAB: &str = "
attribute color: { red, green, blue, black }
attribute big: bool
attribute n: int -3..12
decision outcome: { yes, no, maybe }
";

    #[test]
    fn hand_written_policy_with_every_form() {
        let text = format!(
            "policy p\nresolve first\n{VOCAB}
rule a: when color = red and n >= 3 then yes
rule b overrides a: when color in {{ red, green }} and not big then no
rule c: when n != 5 and (big or color = blue) then maybe
rule d overrides b: when not (n < 0 or n > 9) and color != black then yes
when n in {{ 1, 2, 7 }} then no
when n not in {{ 1, 2, 7 }} and big = false then maybe
when false then yes
when true then maybe
when not (color = red and big) then no
when (color = red or color = blue) and n >= 0 then yes
when (color = red or n = 4) and (big or color = red) then no
when not not big and not (n <= 2) then yes
when color = red or color = green or color = blue or color = black then no
when n < -3 or n > 12 then yes
"
        );
        let p = policy(&text);
        assert_agrees(&p, &all_cases(&p), true);
    }

    #[test]
    fn products_are_exact_where_they_can_be() {
        let text = format!(
            "policy p\nresolve first\n{VOCAB}
when color = red and not (n < 0 or n > 9) then yes
when (color = red or color = blue) and big then yes
when not (color = red and big) then yes
when color = red or color = green or color = blue or color = black then no
when color = red or false then no
"
        );
        let p = policy(&text);
        let index = RuleIndex::build(&p);
        // Only the cross-attribute `or` (rule 2) is inexact; rule 3 is
        // always true, and the others are products.
        let inexact: Vec<RuleId> = (0..p.rules.len())
            .filter(|&r| get_bit(&index.inexact, r))
            .collect();
        assert_eq!(inexact, vec![2]);
        assert!(index.attrs.iter().all(|a| a.stride == 1));
        assert_agrees(&p, &all_cases(&p), false);
    }

    #[test]
    fn override_chains_and_diamonds() {
        let text = format!(
            "policy p\nresolve strict\n{VOCAB}
rule base: when true then no
rule mid overrides base: when n >= 0 then yes
rule top overrides mid: when n >= 5 then no
rule side overrides base: when color = red then maybe
rule apex overrides top, side: when n >= 10 and color = red then yes
rule loose: when big then maybe
"
        );
        let p = policy(&text);
        let index = RuleIndex::build(&p);
        // `apex` is above `base` only through two paths; `loose` conflicts.
        assert_eq!(
            index.decide(&[0, 0, 11]),
            Verdict::Decided {
                outcome: 0,
                rules: vec![4],
                default: false
            }
        );
        assert_eq!(
            index.decide(&[0, 1, 11]),
            Verdict::Conflict { rules: vec![4, 5] }
        );
        assert_eq!(index.matching(&[0, 1, 11]), vec![0, 1, 2, 3, 4, 5]);
        assert_agrees(&p, &all_cases(&p), true);
    }

    #[test]
    fn no_rules_and_no_attributes() {
        let p = policy("policy p\ndecision outcome: { yes, no }\ndefault no\n");
        let index = RuleIndex::build(&p);
        assert_eq!(
            index.decide(&[]),
            Verdict::Decided {
                outcome: 1,
                rules: vec![],
                default: true
            }
        );
        let p = policy(
            "policy p\ndecision outcome: { yes, no }\nwhen true then yes\nwhen false then no\n",
        );
        assert_agrees(&p, &[vec![]], true);
    }

    #[test]
    fn extreme_int_domains() {
        let p = policy(
            "policy p\nresolve first
attribute h: int -9223372036854775808..9223372036854775807
attribute k: int 5..5
decision outcome: { yes, no }
when h >= 0 then yes
when h < -5 and k = 5 then no
when h != 9223372036854775807 and h != -9223372036854775808 then no
when h in { -9223372036854775808, 9223372036854775807 } or h = 0 then yes
when h > 9223372036854775806 then no
",
        );
        let (min, max) = (i64::MIN, i64::MAX);
        let cases: Vec<Vec<Value>> = [min, min + 1, -6, -5, -1, 0, 1, max - 1, max]
            .iter()
            .map(|&h| vec![h, 5])
            .collect();
        assert_agrees(&p, &cases, true);
    }

    /// A random condition over `VOCAB`'s attributes.
    fn random_cond(rng: &mut Rng, depth: u32) -> String {
        let colors = ["red", "green", "blue", "black"];
        let color_set = |rng: &mut Rng| {
            let k = rng.range(1, 3) as usize;
            let v: Vec<&str> = rng.pick(4, k).into_iter().map(|i| colors[i]).collect();
            v.join(", ")
        };
        let int_set = |rng: &mut Rng| {
            let k = rng.range(1, 4) as usize;
            let v: Vec<String> = rng
                .pick(16, k)
                .into_iter()
                .map(|i| (i as i64 - 3).to_string())
                .collect();
            v.join(", ")
        };
        let n = |rng: &mut Rng| rng.range(0, 15) as i64 - 3;
        if depth == 0 || rng.range(0, 2) == 0 {
            return match rng.range(0, 13) {
                0 => format!("color = {}", colors[rng.range(0, 3) as usize]),
                1 => format!("color != {}", colors[rng.range(0, 3) as usize]),
                2 => format!("color in {{ {} }}", color_set(rng)),
                3 => format!("color not in {{ {} }}", color_set(rng)),
                4 => "big".into(),
                5 => format!("big = {}", rng.range(0, 1) == 0),
                6 => format!("n < {}", n(rng)),
                7 => format!("n >= {}", n(rng)),
                8 => format!("n != {}", n(rng)),
                9 => format!("n in {{ {} }}", int_set(rng)),
                10 => format!("n not in {{ {} }}", int_set(rng)),
                11 => format!("n <= {} and n > {}", n(rng), n(rng)),
                _ => ["true", "false"][rng.range(0, 1) as usize].into(),
            };
        }
        match rng.range(0, 2) {
            0 => format!(
                "({} and {})",
                random_cond(rng, depth - 1),
                random_cond(rng, depth - 1)
            ),
            1 => format!(
                "({} or {})",
                random_cond(rng, depth - 1),
                random_cond(rng, depth - 1)
            ),
            _ => format!("not ({})", random_cond(rng, depth - 1)),
        }
    }

    #[test]
    fn random_small_policies_agree_on_every_case() {
        let mut rng = Rng::new(2024);
        for _ in 0..60 {
            let mut text = format!("policy p\nresolve first\n{VOCAB}");
            let rules = rng.range(1, 12) as usize;
            for r in 0..rules {
                let _ = write!(text, "rule r{r}");
                if r > 0 && rng.range(0, 2) == 0 {
                    let k = rng.range(1, 2.min(r as u64)) as usize;
                    let targets: Vec<String> =
                        rng.pick(r, k).iter().map(|t| format!("r{t}")).collect();
                    let _ = write!(text, " overrides {}", targets.join(", "));
                }
                let outcome = ["yes", "no", "maybe"][rng.range(0, 2) as usize];
                let _ = writeln!(text, ": when {} then {outcome}", random_cond(&mut rng, 3));
            }
            let p = policy(&text);
            assert_agrees(&p, &all_cases(&p), true);
        }
    }

    #[test]
    fn synthetic_workloads_agree_on_random_cases() {
        for seed in [1, 2, 3] {
            for text in [synth::wide(seed, 60), synth::decision_table(seed, 60)] {
                let p = policy(&text);
                let mut rng = Rng::new(seed);
                let cases: Vec<Vec<Value>> = (0..3000).map(|_| random_case(&p, &mut rng)).collect();
                assert_agrees(&p, &cases, false);
            }
        }
    }

    #[test]
    fn longer_bitsets_agree_on_random_cases() {
        // 200 rules: four words, ANDed one attribute at a time; 600 rules:
        // ten words, four masks per pass. Every tuning, so checkpoints and
        // checks are exercised at these sizes too.
        for (seed, rules) in [(4, 200), (5, 600)] {
            for text in [synth::wide(seed, rules), synth::decision_table(seed, rules)] {
                let p = policy(&text);
                let mut rng = Rng::new(seed);
                let cases: Vec<Vec<Value>> = (0..500).map(|_| random_case(&p, &mut rng)).collect();
                assert_agrees(&p, &cases, false);
            }
        }
    }

    #[test]
    fn many_distinct_thresholds_thin_out_the_checkpoints() {
        // 2,000 rules with their own interval on `x`: full masks would be
        // 4,000 cells × 2,000 bits (1 MB), quadratic in the rules.
        let mut text = String::from(
            "policy p\nresolve first\nattribute x: int 0..100000\nattribute e: { a, b, c }\ndecision outcome: { yes, no }\n",
        );
        let rules = 2000;
        for r in 0..rules {
            let lo = r * 37 % 90_000;
            let e = ["a", "b", "c"][r % 3];
            let o = ["yes", "no"][r % 2];
            let _ = writeln!(
                text,
                "when x >= {lo} and x < {} and e != {e} then {o}",
                lo + 5000
            );
        }
        let p = policy(&text);
        let index = RuleIndex::build(&p);
        let x = index
            .attrs
            .iter()
            .find(|a| a.attr == 0)
            .expect("x is indexed");
        assert!(x.stride > 1, "stride {}", x.stride);
        assert!(
            index.heap_bytes() < 120 * rules,
            "{} bytes",
            index.heap_bytes()
        );
        let interp = Interpreter::new(&p);
        let mut rng = Rng::new(9);
        let mut scratch = index.scratch();
        for _ in 0..2000 {
            let case = random_case(&p, &mut rng);
            assert_eq!(
                index.decide_into(&case, &mut scratch),
                interp.decide(&case),
                "{case:?}"
            );
        }
    }

    #[test]
    fn attributes_few_rules_mention_are_checked_not_indexed() {
        // 600 rules, each on its own bool plus a shared enum: a bitset per
        // bool would be 600 × 600 bits; checks are one range each.
        let mut text =
            String::from("policy p\nresolve first\ndefault no\nattribute e: { a, b, c }\n");
        let rules = 600;
        for r in 0..rules {
            let _ = writeln!(text, "attribute f{r}: bool");
        }
        text.push_str("decision outcome: { yes, no }\n");
        for r in 0..rules {
            let e = ["a", "b", "c"][r % 3];
            let _ = writeln!(text, "when f{r} and e = {e} then yes");
        }
        let p = policy(&text);
        let index = RuleIndex::build(&p);
        assert_eq!(index.attrs.len(), 1, "only `e` is indexed");
        assert_eq!(index.checks.len(), rules);
        let interp = Interpreter::new(&p);
        let mut rng = Rng::new(5);
        for _ in 0..500 {
            let case = random_case(&p, &mut rng);
            assert_eq!(index.decide(&case), interp.decide(&case), "{case:?}");
        }
    }

    #[test]
    fn large_enums_collapse_into_few_cells() {
        let mut text = String::from("policy p\nresolve first\nattribute country: { ");
        let values: Vec<String> = (0..250).map(|i| format!("c{i}")).collect();
        text.push_str(&values.join(", "));
        text.push_str(" }\ndecision outcome: { yes, no }\n");
        text.push_str("when country in { c1, c2, c3 } then yes\nwhen country != c2 then no\nwhen country not in { c7 } then no\n");
        let p = policy(&text);
        let index = RuleIndex::build(&p);
        let CellMap::Classes(classes) = &index.attrs[0].cells else {
            panic!("an enum maps values to classes")
        };
        let mut distinct = classes.clone();
        distinct.sort_unstable();
        distinct.dedup();
        // {c1, c3}, {c2}, {c7}, everything else.
        assert_eq!(distinct.len(), 4);
        assert_agrees(&p, &all_cases_of_one(250), true);
    }

    fn all_cases_of_one(n: i64) -> Vec<Vec<Value>> {
        (0..n).map(|v| vec![v]).collect()
    }

    #[test]
    fn one_scratch_serves_indexes_of_different_sizes() {
        let small = policy(&synth::wide(1, 10));
        let large = policy(&synth::wide(1, 300));
        let (a, b) = (RuleIndex::build(&small), RuleIndex::build(&large));
        let mut scratch = Scratch::default();
        let mut rng = Rng::new(3);
        for _ in 0..200 {
            let case = random_case(&large, &mut rng);
            assert_eq!(a.decide_into(&case, &mut scratch), a.decide(&case));
            assert_eq!(b.decide_into(&case, &mut scratch), b.decide(&case));
        }
    }
}
