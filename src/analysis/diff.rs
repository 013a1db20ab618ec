//! `writ diff`: the exact set of cases two policies decide differently, as
//! few disjoint regions, each with both sides' outcomes and explaining
//! rules (SPEC section 6).
//!
//! # How
//!
//! Both policies are translated onto the union of their vocabularies
//! (attributes and values matched by name) and folded into one diagram
//! manager, with cells that cut every `int` range where either policy's
//! comparisons do. Their diagrams then combine leaf by leaf into a diagram
//! of *pairs* (old verdict, new verdict), keeping only the pairs that
//! differ; [`super::region`] reads the regions off it.
//!
//! The levels follow one order whichever policy is old: the shared
//! attributes in the old policy's order when both policies order them
//! alike (else by name), then the one-sided attributes by name. So `diff A
//! B` and `diff B A` build the same partition and list the same regions.

use super::region::{self, Namer};
use crate::check::{AttrId, Cond, Default, Domain, Policy, Resolve, ValueSet};
use crate::compile::mdd::{Memo2, NodeId};
use crate::compile::{self, CompileError, Diagram, Fold};
use crate::diag::{Code, Count, Diagnostic, Region};
use crate::semantics::Verdict;
use std::collections::HashMap;

/// How to diff.
#[derive(Clone, Debug)]
pub struct Options {
    /// Also list the cases decided the same way for different reasons
    /// (different explaining rules, or a rule on one side and the default
    /// on the other).
    pub reasons: bool,
    /// The node budget of the shared diagram manager.
    pub max_nodes: usize,
    /// Its byte budget (`--max-memory`).
    pub max_memory: usize,
}

impl std::default::Default for Options {
    fn default() -> Options {
        Options {
            reasons: false,
            max_nodes: compile::DEFAULT_MAX_NODES,
            max_memory: compile::DEFAULT_MAX_MEMORY,
        }
    }
}

/// How one side decides a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    /// The outcome, `None` for undecided.
    pub outcome: Option<String>,
    /// The explaining rules: id and `because`.
    pub rules: Vec<(String, Option<String>)>,
    /// Whether the `default` decided it.
    pub default: bool,
}

/// A region of cases with how each side decides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The cases.
    pub region: Region,
    /// The old policy's verdict.
    pub old: Side,
    /// The new policy's verdict.
    pub new: Side,
}

/// The semantic difference of two policies.
#[derive(Clone, Debug)]
pub struct Report {
    /// The old policy's name.
    pub old: String,
    /// The new policy's name.
    pub new: String,
    /// How many cases there are over the union of the vocabularies.
    pub cases: Count,
    /// How many of them change outcome.
    pub differing: Count,
    /// The regions where the outcome changes.
    pub changes: Vec<Change>,
    /// With [`Options::reasons`]: how many cases keep their outcome but
    /// change explanation.
    pub same_outcome_other_reasons: Count,
    /// With [`Options::reasons`]: the regions where the outcome stays and the
    /// explanation changes.
    pub reasons: Vec<Change>,
    /// Whether [`Options::reasons`] was given: the renderers then report
    /// the two fields above even when they are zero and empty.
    pub reasons_asked: bool,
    /// Whether every region is listed, merged; `false` when a set was too
    /// fragmented and only pieces of it are listed (the counts stay exact).
    pub complete: bool,
}

impl Report {
    /// Whether the policies decide some case differently (or, when reasons
    /// were asked for, explain some case differently).
    pub fn differs(&self) -> bool {
        !self.changes.is_empty() || !self.reasons.is_empty()
    }
}

/// Why two policies cannot be compared.
#[derive(Debug)]
pub enum Error {
    /// A name means different things on the two sides (E0043).
    Mismatch(Vec<Diagnostic>),
    /// The shared diagram grew past its budget, while folding in the old
    /// policy (`old: true`) or the new one, or while comparing them.
    TooLarge {
        /// What the compiler reported.
        error: CompileError,
        /// Whether the old policy was being folded in (else the new one, or
        /// the comparison).
        old: bool,
    },
}

/// The union of two vocabularies, and how the new policy's names map onto
/// it.
struct Joined {
    attributes: Vec<crate::check::Attribute>,
    /// New attribute → joined attribute.
    attr_map: Vec<AttrId>,
    /// For each new attribute, new value index → joined value index (enums).
    value_map: Vec<Vec<u32>>,
    /// New outcome → old outcome.
    outcome_map: Vec<usize>,
}

fn domain_text(d: &Domain) -> String {
    match d {
        Domain::Enum { values, .. } => format!("{{ {} }}", values.join(", ")),
        Domain::Bool => "bool".to_string(),
        Domain::Int { lo, hi } => format!("int {lo}..{hi}"),
    }
}

/// Where each of `new`'s values stands among `old`'s, or `None` when some
/// value of `new` is not one of `old`'s. A hash map from name to position
/// keeps this linear: a shared enum may have hundreds of thousands of
/// values, and a search per value would be quadratic.
fn value_positions(old: &[String], new: &[String]) -> Option<Vec<u32>> {
    let at: HashMap<&str, u32> = old
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), i as u32))
        .collect();
    new.iter().map(|v| at.get(v.as_str()).copied()).collect()
}

fn join(old: &Policy, new: &Policy) -> Result<Joined, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut attributes = old.attributes.clone();
    let mut attr_map = Vec::with_capacity(new.attributes.len());
    let mut value_map = Vec::with_capacity(new.attributes.len());
    let old_attr: HashMap<&str, usize> = old
        .attributes
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.as_str(), i))
        .collect();
    for a in &new.attributes {
        match old_attr.get(a.name.as_str()).copied() {
            Some(i) => {
                let o = &old.attributes[i];
                let values = match (&o.domain, &a.domain) {
                    (Domain::Enum { values: ov, .. }, Domain::Enum { values: nv, .. })
                        if ov.len() == nv.len() =>
                    {
                        value_positions(ov, nv)
                    }
                    (Domain::Bool, Domain::Bool) => Some(vec![0, 1]),
                    (Domain::Int { lo: a1, hi: b1 }, Domain::Int { lo: a2, hi: b2 })
                        if a1 == a2 && b1 == b2 =>
                    {
                        Some(Vec::new())
                    }
                    _ => None,
                };
                match values {
                    Some(v) => value_map.push(v),
                    None => {
                        errors.push(
                            Diagnostic::error(
                                Code::DIFF_MISMATCH,
                                format!(
                                    "attribute `{}` has different types in the two policies: `{}` in the old, `{}` in the new",
                                    a.name,
                                    domain_text(&o.domain),
                                    domain_text(&a.domain)
                                ),
                            )
                            .at(a.loc.0, format!("the new policy declares `{}`", domain_text(&a.domain)))
                            .also(o.loc.0, format!("the old policy declares `{}`", domain_text(&o.domain)))
                            .help("both policies should `use` one vocabulary, or the attributes should have different names"),
                        );
                        value_map.push(Vec::new());
                    }
                }
                attr_map.push(i);
            }
            None => {
                let mut joined = a.clone();
                if let Domain::Enum { ty, .. } = &mut joined.domain {
                    // The joined policy keeps the old side's types and
                    // groups; a new-only attribute is named without them.
                    *ty = None;
                }
                let n = match &a.domain {
                    Domain::Enum { values, .. } => values.len() as u32,
                    Domain::Bool => 2,
                    Domain::Int { .. } => 0,
                };
                value_map.push((0..n).collect());
                attr_map.push(attributes.len());
                attributes.push(joined);
            }
        }
    }
    let (od, nd) = (&old.decision, &new.decision);
    let outcome_map = (od.outcomes.len() == nd.outcomes.len())
        .then(|| value_positions(&od.outcomes, &nd.outcomes))
        .flatten();
    let same_outcomes = outcome_map.is_some();
    if od.name != nd.name || !same_outcomes {
        errors.push(
            Diagnostic::error(
                Code::DIFF_MISMATCH,
                format!(
                    "the policies decide different things: `{}: {{ {} }}` and `{}: {{ {} }}`",
                    od.name,
                    od.outcomes.join(", "),
                    nd.name,
                    nd.outcomes.join(", ")
                ),
            )
            .at(nd.loc.0, "the new policy's decision")
            .also(od.loc.0, "the old policy's decision")
            .help("policies can be compared only when they decide the same outcomes"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let outcome_map = outcome_map
        .expect("the outcomes match")
        .into_iter()
        .map(|o| o as usize)
        .collect();
    Ok(Joined {
        attributes,
        attr_map,
        value_map,
        outcome_map,
    })
}

fn translate_cond(c: &Cond, j: &Joined) -> Cond {
    match c {
        Cond::Const(b) => Cond::Const(*b),
        Cond::And(cs) => Cond::And(cs.iter().map(|c| translate_cond(c, j)).collect()),
        Cond::Or(cs) => Cond::Or(cs.iter().map(|c| translate_cond(c, j)).collect()),
        Cond::Not(c) => Cond::Not(Box::new(translate_cond(c, j))),
        Cond::Atom(a) => {
            let set = match &a.set {
                ValueSet::Values(vs) => {
                    let mut v: Vec<u32> = vs
                        .iter()
                        .map(|&x| j.value_map[a.attr][x as usize])
                        .collect();
                    v.sort_unstable();
                    ValueSet::Values(v)
                }
                ValueSet::Ranges(r) => ValueSet::Ranges(r.clone()),
            };
            Cond::Atom(crate::check::Atom {
                attr: j.attr_map[a.attr],
                set,
                loc: a.loc,
            })
        }
    }
}

/// Renames `base`'s rules as `child` names them, when `child` builds on
/// `base` (directly or through others).
fn name_as_inherited(base: &mut Policy, child: &Policy) {
    if child.lineage().contains(&base.meta.name.as_str()) {
        let name = base.meta.name.clone();
        for r in &mut base.rules {
            r.id = crate::check::inherited_id(&name, &r.id);
        }
    }
}

/// The names of a group's values, as a set.
fn group_values<'p>(p: &'p Policy, g: &crate::check::Group) -> std::collections::BTreeSet<&'p str> {
    g.members
        .iter()
        .map(|&m| p.types[g.ty].values[m as usize].as_str())
        .collect()
}

/// The new policy over the joined vocabulary.
fn translate(new: &Policy, old: &Policy, j: &Joined) -> Policy {
    let mut p = new.clone();
    p.attributes = j.attributes.clone();
    p.types = old.types.clone();
    p.groups = old.groups.clone();
    p.decision = old.decision.clone();
    for r in &mut p.rules {
        r.cond = translate_cond(&r.cond, j);
        r.outcome = j.outcome_map[r.outcome];
        for (a, _) in &mut r.regardless {
            *a = j.attr_map[*a];
        }
    }
    p.resolve = match &new.resolve {
        Resolve::Priority(list) => {
            Resolve::Priority(list.iter().map(|&o| j.outcome_map[o]).collect())
        }
        other => other.clone(),
    };
    p.default = match new.default.clone() {
        Default::Outcome(o) => Default::Outcome(j.outcome_map[o]),
        other => other,
    };
    // Tests are not part of the meaning, and their cuts must not make the
    // two directions of a diff differ.
    p.tests.clear();
    // The rules are rewritten; the interpreter's record of the base no
    // longer fits them.
    p.extends = None;
    p
}

/// The level order: see the module documentation.
fn level_order(old: &Policy, j: &Joined) -> Vec<AttrId> {
    let in_new: Vec<bool> = {
        let mut v = vec![false; j.attributes.len()];
        for &a in &j.attr_map {
            v[a] = true;
        }
        v
    };
    let shared_old: Vec<AttrId> = (0..old.attributes.len()).filter(|&a| in_new[a]).collect();
    let shared_new: Vec<AttrId> = j
        .attr_map
        .iter()
        .copied()
        .filter(|&a| a < old.attributes.len())
        .collect();
    let by_name =
        |v: &mut Vec<AttrId>| v.sort_by(|&a, &b| j.attributes[a].name.cmp(&j.attributes[b].name));
    let mut order = shared_old.clone();
    if shared_old != shared_new {
        by_name(&mut order);
    }
    let shared = |a: AttrId| a < old.attributes.len() && in_new[a];
    let mut one_sided: Vec<AttrId> = (0..j.attributes.len()).filter(|&a| !shared(a)).collect();
    by_name(&mut one_sided);
    order.extend(one_sided);
    order
}

/// Compares two checked policies.
pub fn diff(old: &Policy, new: &Policy, options: &Options) -> Result<Report, Error> {
    compare(&mut prepare(old, new, options)?, options)
}

/// Two policies over their joined vocabulary, compiled into one diagram
/// manager: the part of a diff that is compilation.
#[derive(Debug)]
pub struct Prepared {
    old: Policy,
    new: Policy,
    d: Diagram,
    a: NodeId,
    b: NodeId,
}

/// Joins the vocabularies and compiles both policies into one manager.
pub fn prepare(old: &Policy, new: &Policy, options: &Options) -> Result<Prepared, Error> {
    let j = join(old, new).map_err(Error::Mismatch)?;
    let mut old_j = old.clone();
    old_j.attributes = j.attributes.clone();
    old_j.tests.clear();
    old_j.extends = None;
    // Regions are read against both policies: a group's name stands for
    // its values only where it names the same values on both sides (a
    // pull request may redefine a group of the shared vocabulary).
    old_j.groups.retain(|g| {
        new.groups
            .iter()
            .any(|n| n.name == g.name && group_values(new, n) == group_values(old, g))
    });
    let mut new_j = translate(new, old, &j);
    new_j.groups = old_j.groups.clone();
    // SPEC 4a: a rule keeps its identity through `extends`. When one side
    // builds on the other, the base's rules are named as the child names
    // them (`BASE.RULE`), so that the same rule reads the same on both
    // sides and `--reasons` compares it as the same.
    name_as_inherited(&mut old_j, new);
    name_as_inherited(&mut new_j, old);
    // Cells that refine both policies' cuts.
    let mut both = old_j.clone();
    both.rules.extend(new_j.rules.iter().cloned());
    let cells = compile::cells_of(&both);
    let order = level_order(old, &j);
    let budget = compile::Budget {
        max_nodes: options.max_nodes,
        max_bytes: options.max_memory,
    };
    let mut d = Diagram::empty(order, cells, budget, false);
    let a = compile::fold(&mut d, &old_j, &Fold::default())
        .map_err(|error| Error::TooLarge { error, old: true })?;
    let b = compile::fold(&mut d, &new_j, &Fold::default())
        .map_err(|error| Error::TooLarge { error, old: false })?;
    Ok(Prepared {
        old: old_j,
        new: new_j,
        d,
        a,
        b,
    })
}

/// Compares two prepared policies: the diagram of differing verdict pairs,
/// and its regions.
pub fn compare(p: &mut Prepared, options: &Options) -> Result<Report, Error> {
    let Prepared {
        old: old_j,
        new: new_j,
        d,
        a,
        b,
    } = p;
    let (old_j, new_j, a, b) = (&*old_j, &*new_j, *a, *b);
    let (old, new) = (old_j, new_j);
    // Pairs of verdicts that differ, in order of first appearance.
    const SAME: u32 = u32::MAX;
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut pair_ids: HashMap<(u32, u32), u32> = HashMap::new();
    let verdicts = d.verdicts.clone();
    let explained = |v: &Verdict, p: &Policy| -> (Option<usize>, Vec<String>, bool) {
        match v {
            Verdict::Decided {
                outcome,
                rules,
                default,
            } => (
                Some(*outcome),
                rules.iter().map(|&r| p.rules[r].id.clone()).collect(),
                *default,
            ),
            _ => (None, Vec::new(), false),
        }
    };
    let reasons = options.reasons;
    let mut op = |x: u32, y: u32| {
        let (vx, vy) = (&verdicts[x as usize], &verdicts[y as usize]);
        let differs = if reasons {
            explained(vx, old_j) != explained(vy, new_j)
        } else {
            vx.outcome() != vy.outcome()
        };
        if !differs {
            return SAME;
        }
        let next = pairs.len() as u32;
        *pair_ids.entry((x, y)).or_insert_with(|| {
            pairs.push((x, y));
            next
        })
    };
    // Where both sides reach the same node, they decide alike — by the same
    // rules too, when the two policies' rules have the same ids — so the
    // walk skips everything the change did not touch.
    let same_rules = old_j
        .rules
        .iter()
        .map(|r| &r.id)
        .eq(new_j.rules.iter().map(|r| &r.id));
    let too_large = |budget| Error::TooLarge {
        error: CompileError::TooLarge {
            budget,
            rules_done: old.rules.len() + new.rules.len(),
            rules_total: old.rules.len() + new.rules.len(),
        },
        old: false,
    };
    let same_leaf = d.mdd.leaf(SAME).map_err(too_large)?;
    let mut shortcut =
        |_: &_, x: NodeId, y: NodeId| (x == y && (!reasons || same_rules)).then_some(same_leaf);
    let root = d
        .mdd
        .apply_with(a, b, &mut shortcut, &mut op, &mut Memo2::default())
        .map_err(too_large)?;
    let side = |v: &Verdict, p: &Policy| -> Side {
        match v {
            Verdict::Decided {
                outcome,
                rules,
                default,
            } => Side {
                outcome: Some(p.decision.outcomes[*outcome].clone()),
                rules: rules
                    .iter()
                    .map(|&r| (p.rules[r].id.clone(), p.rules[r].because.clone()))
                    .collect(),
                default: *default,
            },
            _ => Side {
                outcome: None,
                rules: Vec::new(),
                default: false,
            },
        }
    };
    let namer = Namer::new(old_j, d);
    let mut complete = true;
    let (mut changes, mut reason_changes) = (Vec::new(), Vec::new());
    let (mut differing, mut same_outcome) = (Count::from(0u8), Count::from(0u8));
    // Group by outcome pair, then by verdict pair, in a deterministic order.
    let mut order: Vec<u32> = (0..pairs.len() as u32).collect();
    let key = |p: u32| {
        let (x, y) = pairs[p as usize];
        let (sx, sy) = (
            side(&verdicts[x as usize], old_j),
            side(&verdicts[y as usize], new_j),
        );
        (
            sx.outcome.is_none(),
            sx.outcome.clone(),
            sy.outcome.is_none(),
            sy.outcome.clone(),
            sx.rules,
            sy.rules,
        )
    };
    order.sort_by_key(|&p| key(p));
    for p in order {
        let (x, y) = pairs[p as usize];
        let (vx, vy) = (&verdicts[x as usize], &verdicts[y as usize]);
        let (old_side, new_side) = (side(vx, old_j), side(vy, new_j));
        let want = |q: u32| q == p;
        let cubes = match region::cubes(&d.mdd, root, &want) {
            Ok(c) => c,
            Err(region::TooManyPieces) => {
                complete = false;
                region::some_cubes(&d.mdd, root, &want, super::MAX_LISTED)
            }
        };
        let count = if complete {
            cubes.iter().map(|c| namer.count(c)).sum()
        } else {
            region::count(old_j, d, root, &want)
        };
        let outcome_changes = vx.outcome() != vy.outcome();
        if outcome_changes {
            differing += &count;
        } else {
            same_outcome += &count;
        }
        let target = if outcome_changes {
            &mut changes
        } else {
            &mut reason_changes
        };
        for c in &cubes {
            if target.len() >= super::MAX_LISTED * 10 {
                complete = false;
                break;
            }
            target.push(Change {
                region: namer.region(c, String::new()),
                old: old_side.clone(),
                new: new_side.clone(),
            });
        }
    }
    Ok(Report {
        old: old.meta.name.clone(),
        new: new.meta.name.clone(),
        cases: namer.total().clone(),
        differing,
        changes,
        same_outcome_other_reasons: same_outcome,
        reasons: reason_changes,
        reasons_asked: options.reasons,
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::value_positions;

    #[test]
    fn values_are_matched_by_name_in_any_order() {
        let names = |s: &str| -> Vec<String> { s.split(' ').map(String::from).collect() };
        let old = names("a b c d");
        assert_eq!(
            value_positions(&old, &names("d a c b")),
            Some(vec![3, 0, 2, 1])
        );
        assert_eq!(value_positions(&old, &names("a b c e")), None);
    }
}
