//! The machinery every lint shares: the levels and options, the one
//! diagram and the rules' condition diagrams in its manager, the
//! classification of each rule's cases, the boxes that pre-filter rules,
//! and `report`, through which every lint's diagnostic passes.
//!
//! A lint's own check lives in its file and reads what is here; nothing
//! here knows which lints exist beyond the codes it asks the levels about.

use crate::analysis::{Listed, list_grouped};
use crate::check::{Policy, Resolve, RuleId};
use crate::compile::mdd::{FxBuild, Memo2, NodeId};
use crate::compile::{self, CompileError, Diagram};
use crate::diag::{Code, Diagnostic, Severity};
use crate::semantics::{Value, Verdict};
use std::collections::HashSet;

use super::{Level, lookup};

/// The levels chosen on the command line, on top of the defaults.
#[derive(Clone, Debug, Default)]
pub struct Levels {
    /// `--deny warnings`: every lint at warn level is denied.
    pub deny_warnings: bool,
    /// Levels set for single lints, by code; later settings win.
    pub set: Vec<(Code, Level)>,
}

impl Levels {
    /// Parses `--allow`, `--warn` and `--deny` values (codes or names;
    /// `warnings` for `--deny`). Returns the unknown name on error.
    pub fn from_flags(
        allow: &[String],
        warn: &[String],
        deny: &[String],
    ) -> Result<Levels, String> {
        let mut out = Levels::default();
        for (names, level) in [
            (allow, Level::Allow),
            (warn, Level::Warn),
            (deny, Level::Deny),
        ] {
            for name in names {
                if level == Level::Deny && name == "warnings" {
                    out.deny_warnings = true;
                    continue;
                }
                let code = lookup(name).ok_or_else(|| name.clone())?;
                out.set.push((code, level));
            }
        }
        Ok(out)
    }

    /// The level of `code` for `policy`: its default, then the command
    /// line, then the file's own `allow` items (the file has the last word,
    /// as in-source attributes do in rustc).
    pub(super) fn level(&self, code: Code, policy: &Policy) -> Level {
        let default = code.default_level().unwrap_or(Level::Warn);
        let mut level = match self.set.iter().rev().find(|(c, _)| *c == code) {
            Some((_, l)) => *l,
            None if self.deny_warnings && default == Level::Warn => Level::Deny,
            None => default,
        };
        if policy
            .allows
            .iter()
            .any(|(name, _)| lookup(name) == Some(code))
        {
            level = Level::Allow;
        }
        level
    }
}

/// How to lint.
#[derive(Clone, Debug)]
pub struct Options {
    /// Lint levels from the command line.
    pub levels: Levels,
    /// The node budget of the diagram all lints share.
    pub max_nodes: usize,
    /// Its byte budget (`--max-memory`).
    pub max_memory: usize,
}

impl std::default::Default for Options {
    fn default() -> Options {
        Options {
            levels: Levels::default(),
            max_nodes: compile::DEFAULT_MAX_NODES,
            max_memory: compile::DEFAULT_MAX_MEMORY,
        }
    }
}

/// How long each lint took, for the benchmarks' report of shares.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    /// Compiling the policy and its rules' conditions.
    pub compile: std::time::Duration,
    /// Each lint's own time, by code.
    pub lints: Vec<(Code, std::time::Duration)>,
}

/// Builds the error for the shared diagram past its budget: every rule is
/// folded in by the time a lint runs.
#[derive(Clone, Copy, Debug)]
pub(super) struct TooLarge {
    rules: usize,
}

impl TooLarge {
    /// The error for this budget reached.
    pub(super) fn of(self, budget: crate::compile::BudgetExceeded) -> CompileError {
        CompileError::TooLarge {
            budget,
            rules_done: self.rules,
            rules_total: self.rules,
        }
    }
}

/// Payloads of the per-rule classification diagram beyond verdict ids:
/// where the rule explains the case, and outside its cases.
pub(super) const LIVE: u32 = u32::MAX - 1;
pub(super) const OUT: u32 = u32::MAX;

/// What `classify` found: each rule's class where a lint needed it, and a
/// few cases each rule explains (none: the rule is dead or never matches).
pub(super) struct Classes {
    /// Each rule's class, where `partly-masked` or `overlap` reads it.
    pub(super) classes: Vec<Option<Class>>,
    /// A few cases each rule explains.
    pub(super) live_at: Vec<Option<Vec<Vec<Value>>>>,
}

/// How many cases per rule `classify` keeps for `redundant-rule`'s quick
/// refutation.
const WITNESSES: usize = 8;

/// What one rule does to its cases.
pub(super) struct Class {
    /// The rule's cases: LIVE where it explains, the verdict id where it is
    /// beaten, OUT elsewhere.
    pub(super) node: NodeId,
    /// The verdicts of the cases where it is beaten.
    pub(super) beaten: Vec<u32>,
}

/// One run of the linter: the policy, its diagram with every rule's
/// condition in the same manager, and what the lints found so far.
pub(super) struct Linter<'a> {
    pub(super) policy: &'a Policy,
    pub(super) d: Diagram,
    /// Each rule's condition, as a diagram in `d`'s manager.
    pub(super) conds: Vec<NodeId>,
    levels: &'a Levels,
    out: Vec<Diagnostic>,
    /// Lints already reported once (the "on by default" note goes on the
    /// first only).
    seen_codes: HashSet<&'static str>,
    /// The error for a diagram past the budget.
    pub(super) too_large: TooLarge,
    /// For each rule, the rules that directly override it.
    pub(super) overridden_by: Vec<Vec<RuleId>>,
    /// Rules the later lints skip, one cause, one warning: those that never
    /// match and the later rule of each duplicate pair.
    pub(super) skip: Vec<bool>,
    /// Rules `redundant-rule` skips: the above, and both rules of a
    /// duplicate pair (each is redundant because of the other).
    pub(super) skip_redundant: Vec<bool>,
    /// Rules a diagnostic has been reported about as never matching, dead
    /// or a duplicate: what is wrong with them has been said, and `unused`
    /// does not say it again about their outcome.
    pub(super) reported: Vec<bool>,
}

impl<'a> Linter<'a> {
    /// A linter for `policy` on its diagram `d` and its rules' conditions
    /// `conds`, built in `d`'s manager.
    pub(super) fn new(
        policy: &'a Policy,
        levels: &'a Levels,
        d: Diagram,
        conds: Vec<NodeId>,
    ) -> Linter<'a> {
        let n = policy.rules.len();
        let mut overridden_by: Vec<Vec<RuleId>> = vec![Vec::new(); n];
        for (a, rule) in policy.rules.iter().enumerate() {
            for &b in &rule.overrides {
                overridden_by[b].push(a);
            }
        }
        Linter {
            policy,
            d,
            conds,
            levels,
            out: Vec::new(),
            seen_codes: HashSet::new(),
            too_large: TooLarge {
                rules: policy.rules.len(),
            },
            overridden_by,
            skip: vec![false; n],
            skip_redundant: vec![false; n],
            reported: vec![false; n],
        }
    }

    /// Whether the lint `code` is reported (its level is not `allow`).
    pub(super) fn on(&self, code: Code) -> bool {
        self.levels.level(code, self.policy) != Level::Allow
    }

    /// The diagnostics reported, in source order.
    pub(super) fn finish(self) -> Vec<Diagnostic> {
        let mut out = self.out;
        out.sort_by_key(|d| d.primary.as_ref().map(|p| (p.span.file, p.span.start)));
        out
    }

    /// Reports a lint at its level, with the note on how to silence it the
    /// first time the lint fires. Returns whether it was reported (its
    /// level is not `allow`).
    pub(super) fn report(&mut self, code: Code, mut d: Diagnostic) -> bool {
        let level = self.levels.level(code, self.policy);
        if level == Level::Allow {
            return false;
        }
        d.severity = if level == Level::Deny {
            Severity::Error
        } else {
            Severity::Warning
        };
        if self.seen_codes.insert(code.code) {
            let default = code.default_level();
            let how = match level {
                _ if Some(level) == default => format!("`{}` warns by default", code.name),
                Level::Deny => format!("`{}` is denied on the command line", code.name),
                _ => format!("`{}` is enabled on the command line", code.name),
            };
            d = d.note(format!(
                "{how}; `allow {}` in the policy silences it (`writ explain {}`)",
                code.name, code.code
            ));
        }
        self.out.push(d);
        true
    }

    /// Reports a lint about rule `r` being wrong in itself (never matching,
    /// dead, a duplicate), and remembers that it was said.
    pub(super) fn report_rule(&mut self, code: Code, r: RuleId, d: Diagnostic) {
        if self.report(code, d) {
            self.reported[r] = true;
        }
    }

    /// A rule's name in backticks.
    pub(super) fn rule_name(&self, r: RuleId) -> String {
        format!("`{}`", self.policy.rules[r].id)
    }

    /// An outcome's name.
    pub(super) fn outcome(&self, o: usize) -> &str {
        &self.policy.decision.outcomes[o]
    }

    /// `a`, `a and b`, `a, b and c`; `the default` for no rule.
    pub(super) fn list_of(&self, rules: &[RuleId]) -> String {
        let names: Vec<String> = rules.iter().map(|&r| self.rule_name(r)).collect();
        match names.as_slice() {
            [] => "the default".to_string(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }

    /// Attaches a list of regions to a diagnostic, saying so when the list
    /// is a part of the cases.
    pub(super) fn attach(d: Diagnostic, listed: Listed) -> Diagnostic {
        let mut d = d.with_regions(listed.regions);
        d.regions_total = listed.total;
        if !listed.complete {
            d = d.note(
                "these cases are too fragmented to merge into regions: the regions listed are a part of them",
            );
        }
        d
    }
    /// Which rules explain some case (with a few such cases each), and for
    /// the rules whose class `partly-masked` or `overlap` reads, where each
    /// explains its cases and where (and by which verdict) it is beaten.
    pub(super) fn classify(&mut self) -> Result<Classes, CompileError> {
        let never = self.d.mdd.leaf(0).map_err(|e| self.too_large.of(e))?;
        let explains = self.explains();
        // Which rules explain some case, and such a case for each: one
        // depth-first walk of the diagram, each node once, remembering the
        // path that first reached it.
        let mut live_at: Vec<Option<Vec<Vec<Value>>>> = vec![None; self.policy.rules.len()];
        // The cases are only a shortcut for `redundant-rule`, which decides
        // without them too: a wide policy of many rules keeps fewer of
        // them, within an eighth of what the memory budget has left.
        let per_case = self.policy.attributes.len() * std::mem::size_of::<Value>()
            + std::mem::size_of::<Vec<Value>>();
        let room = self
            .d
            .mdd
            .budget()
            .max_bytes
            .saturating_sub(self.d.mdd.bytes())
            / 8;
        let witnesses = (room / (per_case * self.policy.rules.len()).max(1)).min(WITNESSES);
        {
            let d = &self.d;
            // Nodes seen, one bit each.
            let mut seen = vec![0u64; d.mdd.len().div_ceil(64)];
            let mut case = compile::base_case(self.policy);
            // (node, level whose value to set, value) frames.
            let mut stack: Vec<(NodeId, Option<(usize, Value)>)> = vec![(d.root, None)];
            while let Some((n, set)) = stack.pop() {
                if let Some((attr, v)) = set {
                    case[attr] = v;
                }
                match d.mdd.payload(n) {
                    // A leaf is met once per edge into it, each time on
                    // another path: the cases differ, which makes them
                    // better at refuting `redundant-rule` quickly.
                    Some(v) => {
                        for &r in &explains[v as usize] {
                            let cases = live_at[r].get_or_insert_with(Vec::new);
                            if cases.len() < witnesses {
                                cases.push(case.clone());
                            }
                        }
                    }
                    None if seen[n as usize / 64] & (1 << (n % 64)) != 0 => {}
                    None => {
                        seen[n as usize / 64] |= 1 << (n % 64);
                        let attr = d.attribute_at(d.mdd.level(n));
                        let mut start = 0;
                        for run in d.mdd.runs(n).iter() {
                            stack.push((run.child, Some((attr, d.representative(attr, start)))));
                            start = run.end + 1;
                        }
                    }
                }
            }
        }
        // `redundant-rule` computes the classes it needs itself, lazily.
        let need_live = self.on(Code::PARTLY_MASKED) || self.on(Code::OVERLAP);
        let need_dead = self.on(Code::OVERLAP);
        let mut classes = Vec::with_capacity(self.policy.rules.len());
        for (r, at) in live_at.iter().enumerate() {
            let live = at.is_some();
            if self.conds[r] == never || !(live && need_live || !live && need_dead) {
                classes.push(None);
                continue;
            }
            classes.push(Some(self.class(r, &explains)?));
        }
        Ok(Classes { classes, live_at })
    }

    /// For each verdict, its explaining rules.
    pub(super) fn explains(&self) -> Vec<Vec<RuleId>> {
        self.d
            .verdicts
            .iter()
            .map(|v| match v {
                Verdict::Decided { rules, .. } => rules.clone(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// Rule `r`'s cases, classified: where it explains (LIVE), where it is
    /// beaten (the verdict), elsewhere OUT.
    pub(super) fn class(
        &mut self,
        r: RuleId,
        explains: &[Vec<RuleId>],
    ) -> Result<Class, CompileError> {
        let err = |e| self.too_large.of(e);
        let never = self.d.mdd.leaf(0).map_err(err)?;
        let out_leaf = self.d.mdd.leaf(OUT).map_err(err)?;
        let mut shortcut = |_: &_, _: NodeId, b: NodeId| (b == never).then_some(out_leaf);
        let mut op = |v: u32, _m: u32| {
            if explains[v as usize].contains(&r) {
                LIVE
            } else {
                v
            }
        };
        let node = self
            .d
            .mdd
            .apply_with(
                self.d.root,
                self.conds[r],
                &mut shortcut,
                &mut op,
                &mut Memo2::default(),
            )
            .map_err(err)?;
        let mut beaten = Vec::new();
        for n in self.d.mdd.reachable(node) {
            match self.d.mdd.payload(n) {
                Some(LIVE) | Some(OUT) | None => {}
                Some(v) => beaten.push(v),
            }
        }
        beaten.sort_unstable();
        Ok(Class { node, beaten })
    }

    /// The leaves of the diagram at `root` on the cases of the condition
    /// `cond`, found by walking both together, without building their
    /// product; the walk stops once it has found `limit` of them.
    pub(super) fn verdicts_within(&self, root: NodeId, cond: NodeId, limit: usize) -> Vec<u32> {
        let m = &self.d.mdd;
        let mut seen: HashSet<(NodeId, NodeId), FxBuild> = HashSet::default();
        let mut out: Vec<u32> = Vec::new();
        let mut stack = vec![(root, cond)];
        while let Some((a, b)) = stack.pop() {
            if m.payload(b) == Some(0) {
                continue;
            }
            // Below a leaf of `root`, any node of `cond` but the false leaf
            // holds some case (the diagram is reduced): no need to walk it.
            if let Some(v) = m.payload(a) {
                if !out.contains(&v) {
                    out.push(v);
                    if out.len() >= limit {
                        break;
                    }
                }
                continue;
            }
            if !seen.insert((a, b)) {
                continue;
            }
            let level = m.level(a).min(m.level(b));
            // A node below `level` is one run over every cell.
            let one = |n: NodeId| {
                [crate::compile::mdd::Run {
                    end: u32::MAX,
                    child: n,
                }]
            };
            let (ona, onb) = (one(a), one(b));
            let ra = if m.level(a) == level {
                m.runs(a)
            } else {
                &ona[..]
            };
            let rb = if m.level(b) == level {
                m.runs(b)
            } else {
                &onb[..]
            };
            let (mut i, mut j) = (0, 0);
            while i < ra.len() && j < rb.len() {
                stack.push((ra[i].child, rb[j].child));
                let end = ra[i].end.min(rb[j].end);
                if ra[i].end == end {
                    i += 1;
                }
                if rb[j].end == end {
                    j += 1;
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The beaten cases of a rule, grouped by the rules that decide them.
    pub(super) fn beaten_groups(
        &self,
        class: &Class,
        only: &dyn Fn(u32) -> bool,
    ) -> Vec<(Vec<RuleId>, Listed)> {
        let mut groups: Vec<(Vec<RuleId>, Vec<u32>)> = Vec::new();
        for &v in class.beaten.iter().filter(|&&v| only(v)) {
            let rules = match &self.d.verdicts[v as usize] {
                Verdict::Decided { rules, .. } | Verdict::Conflict { rules } => rules.clone(),
                Verdict::Undecided => Vec::new(),
            };
            match groups.iter_mut().find(|(r, _)| *r == rules) {
                Some((_, vs)) => vs.push(v),
                None => groups.push((rules, vec![v])),
            }
        }
        // Each verdict belongs to one group; one walk lists every group.
        let group_of = |p: u32| -> Option<u32> {
            groups
                .iter()
                .position(|(_, vs)| vs.binary_search(&p).is_ok())
                .map(|i| i as u32)
        };
        let labels: Vec<String> = groups
            .iter()
            .map(|(rules, _)| format!("decided by {} instead", self.list_of(rules)))
            .collect();
        let mut listed = list_grouped(self.policy, &self.d, class.node, &group_of, &|g| {
            labels[g as usize].clone()
        });
        listed.sort_by_key(|(g, _)| *g);
        let mut groups: Vec<Option<Vec<RuleId>>> =
            groups.into_iter().map(|(r, _)| Some(r)).collect();
        listed
            .into_iter()
            .map(|(g, l)| (groups[g as usize].take().unwrap_or_default(), l))
            .collect()
    }

    pub(super) fn strategy(&self) -> &'static str {
        match self.policy.resolve {
            Resolve::Strict => "`resolve strict`",
            Resolve::First => "`resolve first` (the earliest winner decides)",
            Resolve::Priority(_) => "`resolve priority` (the higher-ranked outcome decides)",
        }
    }

    /// The rules above `r` in the `overrides` order (transitively).
    pub(super) fn above(&self, r: RuleId) -> Vec<RuleId> {
        let n = self.policy.rules.len();
        let overridden_by = &self.overridden_by;
        if overridden_by[r].is_empty() {
            return Vec::new();
        }
        let mut seen = vec![false; n];
        let mut stack = overridden_by[r].clone();
        let mut out = Vec::new();
        while let Some(x) = stack.pop() {
            if !std::mem::replace(&mut seen[x], true) {
                out.push(x);
                stack.extend(&overridden_by[x]);
            }
        }
        out.sort_unstable();
        out
    }
}

/// A box of cells: constrained attributes (ascending) and their cells.
pub(super) type Bx = Vec<(usize, crate::analysis::region::CellSet)>;

/// An over-approximation of a condition's cases as a box: for each
/// attribute it constrains, the cells it may take. `None` when it never
/// matches.
pub(super) fn cond_box(c: &crate::check::Cond, d: &Diagram) -> Option<Bx> {
    use crate::check::Cond;
    match c {
        Cond::Const(true) | Cond::Not(_) => Some(Vec::new()),
        Cond::Const(false) => None,
        Cond::Atom(a) => {
            let cells = compile::cell_intervals(&d.cells[a.attr], &a.set);
            (!cells.is_empty()).then(|| vec![(a.attr, cells)])
        }
        Cond::And(cs) => {
            let mut acc: Bx = Vec::new();
            for c in cs {
                acc = intersect(&acc, &cond_box(c, d)?)?;
            }
            Some(acc)
        }
        Cond::Or(cs) => {
            let mut acc: Option<Bx> = None;
            for c in cs {
                let Some(b) = cond_box(c, d) else { continue };
                acc = Some(match acc {
                    None => b,
                    Some(a) => hull(&a, &b),
                });
            }
            acc
        }
    }
}

fn intersect(a: &Bx, b: &Bx) -> Option<Bx> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if j == b.len() || (i < a.len() && a[i].0 < b[j].0) {
            out.push(a[i].clone());
            i += 1;
        } else if i == a.len() || b[j].0 < a[i].0 {
            out.push(b[j].clone());
            j += 1;
        } else {
            let cells = crate::semantics::index::intersect(&a[i].1, &b[j].1);
            if cells.is_empty() {
                return None;
            }
            out.push((a[i].0, cells));
            i += 1;
            j += 1;
        }
    }
    Some(out)
}

/// The smallest box holding both: attributes constrained by both, with the
/// union of their cells.
fn hull(a: &Bx, b: &Bx) -> Bx {
    let mut out = Vec::new();
    for (attr, cells) in a {
        if let Some((_, other)) = b.iter().find(|(x, _)| x == attr) {
            out.push((*attr, crate::analysis::region::union(cells, other)));
        }
    }
    out
}

/// The smallest box holding every case of a bool diagram (leaf 1): for
/// each level, the cells of the runs that lead on to a case, unless some
/// path to a case skips the level.
pub(super) fn diagram_box(d: &Diagram, root: NodeId) -> Bx {
    let m = &d.mdd;
    let levels = d.order.len();
    let mut cells: Vec<Vec<(u32, u32)>> = vec![Vec::new(); levels];
    let mut free = vec![false; levels];
    let level_of = |n: NodeId| {
        let l = m.level(n);
        if l == crate::compile::mdd::LEAF_LEVEL {
            levels
        } else {
            l as usize
        }
    };
    if m.payload(root) == Some(0) {
        return Vec::new();
    }
    for f in free.iter_mut().take(level_of(root)) {
        *f = true;
    }
    for n in m.reachable(root) {
        if m.payload(n).is_some() {
            continue;
        }
        let l = level_of(n);
        let mut start = 0;
        for r in m.runs(n) {
            if m.payload(r.child) != Some(0) {
                cells[l].push((start, r.end));
                for f in free.iter_mut().take(level_of(r.child)).skip(l + 1) {
                    *f = true;
                }
            }
            start = r.end + 1;
        }
    }
    let mut out = Vec::new();
    for l in 0..levels {
        if free[l] || cells[l].is_empty() {
            continue;
        }
        let merged = crate::analysis::region::union(&std::mem::take(&mut cells[l]), &[]);
        if merged != [(0, m.cells()[l] - 1)] {
            out.push((d.attribute_at(l as u32), merged));
        }
    }
    out.sort_by_key(|(a, _)| *a);
    out
}

/// Whether two boxes share a case.
pub(super) fn meets(a: &Bx, b: &Bx) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if crate::semantics::index::intersect(&a[i].1, &b[j].1).is_empty() {
                    return false;
                }
                i += 1;
                j += 1;
            }
        }
    }
    true
}

/// Rules by the cells they allow on one pivot attribute (the one most rules
/// constrain), so that the rules whose boxes may meet a rule's are found
/// without testing every pair.
pub(super) struct BoxIndex {
    pivot: Option<usize>,
    by_cell: Vec<Vec<RuleId>>,
    free: Vec<RuleId>,
    all: Vec<RuleId>,
}

impl BoxIndex {
    /// Indexes the boxes of the rules (`None`: never matches) over
    /// attributes with `cells` cells each.
    pub(super) fn new(boxes: &[Option<Bx>], cells: Vec<u32>) -> BoxIndex {
        let mut mentions = vec![0usize; cells.len()];
        for b in boxes.iter().flatten() {
            for (a, _) in b {
                mentions[*a] += 1;
            }
        }
        let all: Vec<RuleId> = (0..boxes.len()).filter(|&r| boxes[r].is_some()).collect();
        let pivot = (0..cells.len()).max_by_key(|&a| (mentions[a], std::cmp::Reverse(a)));
        let Some(p) = pivot.filter(|&p| mentions[p] > 0 && cells[p] <= 4096) else {
            return BoxIndex {
                pivot: None,
                by_cell: Vec::new(),
                free: Vec::new(),
                all,
            };
        };
        let mut by_cell = vec![Vec::new(); cells[p] as usize];
        let mut free = Vec::new();
        for &r in &all {
            let b = boxes[r].as_ref().expect("only rules with boxes");
            match b.iter().find(|(a, _)| *a == p) {
                Some((_, cs)) => {
                    for &(lo, hi) in cs {
                        for c in lo..=hi {
                            by_cell[c as usize].push(r);
                        }
                    }
                }
                None => free.push(r),
            }
        }
        BoxIndex {
            pivot: Some(p),
            by_cell,
            free,
            all,
        }
    }

    /// The rules whose boxes may meet `b`, ascending.
    pub(super) fn candidates(&self, b: &Bx) -> Vec<RuleId> {
        let Some(p) = self.pivot else {
            return self.all.clone();
        };
        let Some((_, cs)) = b.iter().find(|(a, _)| *a == p) else {
            return self.all.clone();
        };
        let mut out = self.free.clone();
        for &(lo, hi) in cs {
            for c in lo..=hi {
                out.extend(&self.by_cell[c as usize]);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
