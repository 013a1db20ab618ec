//! `writ lint`: warnings about policies that check but probably do not say
//! what their authors meant, each decided exactly on the compiled diagram.
//!
//! # How the lints share one diagram
//!
//! The policy is compiled once, and every rule's condition diagram is built
//! once, in the same manager. The per-rule lints then combine the policy's
//! diagram with the rule's condition (`Mdd::apply_with`, which skips every
//! case outside the rule's region), so each costs what the rule's region
//! costs, never a recompilation:
//!
//! * one pass per rule classifies its cases into *live* (the rule explains
//!   the case) and *beaten* (by which verdict): `dead-rule`,
//!   `partly-masked` and `overlap` read it;
//! * `redundant-rule` folds the policy without the rule, but only over the
//!   cases the rule decides (or matches, when `overrides` involve it) and
//!   only with the rules whose conditions can meet it there (a box
//!   pre-filter over cells), and compares outcomes node by node;
//! * `duplicate-rule` and the constant conditions are comparisons of node
//!   ids: diagrams are canonical, so equivalent conditions are one node.

use super::{Listed, list, list_grouped};
use crate::check::{DeclKind, Default, Policy, Resolve, RuleId, ValueOwner};
use crate::compile::mdd::{FxBuild, Memo1, Memo2, NodeId};
use crate::compile::{self, CompileError, Diagram, Fold, OUTSIDE};
use crate::diag::{Code, Diagnostic, Severity};
use crate::semantics::index::RuleIndex;
use crate::semantics::{Value, Verdict};
use std::collections::{HashMap, HashSet};

pub use crate::diag::codes::{LINTS, Level};

/// Finds a lint by code (`L0003`, any case) or name (`dead-rule`).
pub fn lookup(key: &str) -> Option<Code> {
    LINTS
        .iter()
        .map(|(c, _)| *c)
        .find(|c| c.code.eq_ignore_ascii_case(key) || c.name == key)
}

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
    fn level(&self, code: Code, policy: &Policy) -> Level {
        let default = LINTS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(Level::Warn, |(_, l)| *l);
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
}

impl std::default::Default for Options {
    fn default() -> Options {
        Options {
            levels: Levels::default(),
            max_nodes: compile::DEFAULT_MAX_NODES,
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

/// Payloads of the per-rule classification diagram beyond verdict ids.
const LIVE: u32 = u32::MAX - 1;
const OUT: u32 = u32::MAX;
/// Outcome codes for comparing outcomes only.
const UNDECIDED: u32 = u32::MAX - 2;
const CONFLICT: u32 = u32::MAX - 3;

/// Runs every lint whose level is not `allow` on a checked policy.
pub fn lint(policy: &Policy, options: &Options) -> Result<Vec<Diagnostic>, CompileError> {
    lint_timed(policy, options).map(|(d, _)| d)
}

/// [`lint`], also saying how long each lint took.
pub fn lint_timed(
    policy: &Policy,
    options: &Options,
) -> Result<(Vec<Diagnostic>, Timings), CompileError> {
    lint_timed_with(policy, options, None)
}

/// [`lint`] on the policy's diagram when the caller has it already
/// (declaration order, explaining rules in the leaves, compiled within
/// `options.max_nodes`), so that a command compiles a policy once.
pub fn lint_with(
    policy: &Policy,
    options: &Options,
    diagram: Option<compile::Diagram>,
) -> Result<Vec<Diagnostic>, CompileError> {
    lint_timed_with(policy, options, diagram).map(|(d, _)| d)
}

fn lint_timed_with(
    policy: &Policy,
    options: &Options,
    diagram: Option<compile::Diagram>,
) -> Result<(Vec<Diagnostic>, Timings), CompileError> {
    let start = std::time::Instant::now();
    let mut d = match diagram {
        Some(d) if !d.outcomes_only && d.order.iter().enumerate().all(|(i, &a)| i == a) => d,
        _ => compile::compile(
            policy,
            &compile::Options {
                max_nodes: options.max_nodes,
                ..compile::Options::default()
            },
        )?,
    };
    let too_large = |rules_done| CompileError::TooLarge {
        max_nodes: options.max_nodes,
        rules_done,
        rules_total: policy.rules.len(),
    };
    let mut conds = Vec::with_capacity(policy.rules.len());
    for (i, r) in policy.rules.iter().enumerate() {
        conds.push(compile::cond_diagram(&mut d, &r.cond).map_err(|_| too_large(i))?);
    }
    let mut timings = Timings {
        compile: start.elapsed(),
        lints: Vec::new(),
    };
    let mut l = Linter {
        policy,
        d,
        conds,
        levels: &options.levels,
        out: Vec::new(),
        seen_codes: HashSet::new(),
        too_large: too_large(policy.rules.len()),
        overridden_by: {
            let mut v: Vec<Vec<RuleId>> = vec![Vec::new(); policy.rules.len()];
            for (a, rule) in policy.rules.iter().enumerate() {
                for &b in &rule.overrides {
                    v[b].push(a);
                }
            }
            v
        },
    };
    let on = |c: Code| options.levels.level(c, policy) != Level::Allow;
    let t = &mut timings;
    time(t, Code::UNKNOWN_LINT, || l.unknown_lints());
    let (skip, skip_redundant) = time(t, Code::DUPLICATE_RULE, || l.constant_and_duplicate());
    if on(Code::DEAD_RULE)
        || on(Code::PARTLY_MASKED)
        || on(Code::OVERLAP)
        || on(Code::REDUNDANT_RULE)
    {
        let classes = time(t, Code::DEAD_RULE, || l.classify(&skip))?;
        if on(Code::OVERLAP) {
            time(t, Code::OVERLAP, || l.overlap(&classes.classes))?;
        }
        if on(Code::REDUNDANT_RULE) {
            time(t, Code::REDUNDANT_RULE, || {
                l.redundant(&skip_redundant, &classes)
            })?;
        }
    }
    time(t, Code::INCOMPLETE, || l.incomplete());
    time(t, Code::UNUSED, || l.unused());
    let mut out = l.out;
    out.sort_by_key(|d| d.primary.as_ref().map(|p| (p.span.file, p.span.start)));
    Ok((out, timings))
}

/// Runs one lint's pass, adding its time to `timings`.
fn time<T>(timings: &mut Timings, code: Code, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let r = f();
    timings.lints.push((code, start.elapsed()));
    r
}

/// What `classify` found: each rule's class where a lint needed it, and a
/// few cases each rule explains (none: the rule is dead or never matches).
struct Classes {
    classes: Vec<Option<Class>>,
    live_at: Vec<Option<Vec<Vec<Value>>>>,
}

/// How many of the rules that decide a dead rule's cases are named; past
/// that, the walk that finds them stops, and the note says there are more.
const MAX_BEATERS: usize = 8;

/// How many cases per rule `classify` keeps for `redundant-rule`'s quick
/// refutation.
const WITNESSES: usize = 8;

/// What one rule does to its cases.
struct Class {
    /// The rule's cases: LIVE where it explains, the verdict id where it is
    /// beaten, OUT elsewhere.
    node: NodeId,
    /// The verdicts of the cases where it is beaten.
    beaten: Vec<u32>,
}

struct Linter<'a> {
    policy: &'a Policy,
    d: Diagram,
    conds: Vec<NodeId>,
    levels: &'a Levels,
    out: Vec<Diagnostic>,
    /// Lints already reported once (the "on by default" note goes on the
    /// first only).
    seen_codes: HashSet<&'static str>,
    too_large: CompileError,
    /// For each rule, the rules that directly override it.
    overridden_by: Vec<Vec<RuleId>>,
}

impl Linter<'_> {
    /// Reports a lint at its level, with the note on how to silence it the
    /// first time the lint fires.
    fn report(&mut self, code: Code, mut d: Diagnostic) {
        let level = self.levels.level(code, self.policy);
        if level == Level::Allow {
            return;
        }
        d.severity = if level == Level::Deny {
            Severity::Error
        } else {
            Severity::Warning
        };
        if self.seen_codes.insert(code.code) {
            let default = LINTS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l);
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
    }

    fn rule_name(&self, r: RuleId) -> String {
        format!("`{}`", self.policy.rules[r].id)
    }

    fn outcome(&self, o: usize) -> &str {
        &self.policy.decision.outcomes[o]
    }

    fn list_of(&self, rules: &[RuleId]) -> String {
        let names: Vec<String> = rules.iter().map(|&r| self.rule_name(r)).collect();
        match names.as_slice() {
            [] => "the default".to_string(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }

    fn attach(d: Diagnostic, listed: Listed) -> Diagnostic {
        let mut d = d.with_regions(listed.regions);
        d.regions_total = listed.total;
        if !listed.complete {
            d = d.note(
                "these cases are too fragmented to merge into regions: the regions listed are a part of them",
            );
        }
        d
    }

    fn unknown_lints(&mut self) {
        let allows = self.policy.allows.clone();
        for (name, loc) in allows {
            if lookup(&name).is_some() {
                continue;
            }
            let names = LINTS.iter().map(|(c, _)| c.name);
            let mut d = Diagnostic::warning(Code::UNKNOWN_LINT, format!("unknown lint `{name}`"))
                .at(loc.0, "no lint has this name or code");
            d = match crate::diag::did_you_mean(&name, names) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => {
                    d.help("lints are `L0001` to `L0010`; `writ explain L0001` describes the first")
                }
            };
            self.report(Code::UNKNOWN_LINT, d);
        }
    }

    /// `never-matches`, `always-matches` and `duplicate-rule`. Returns the
    /// rules the later lints skip: those that never match, and the later
    /// rule of each duplicate pair (one cause, one warning); and those
    /// `redundant-rule` skips: these and both rules of a duplicate pair.
    fn constant_and_duplicate(&mut self) -> (Vec<bool>, Vec<bool>) {
        let never = self.d.mdd.leaf(0).ok();
        let always = self.d.mdd.leaf(1).ok();
        let mut skip = vec![false; self.policy.rules.len()];
        let mut skip_redundant = vec![false; self.policy.rules.len()];
        let mut first: HashMap<(NodeId, usize), RuleId, FxBuild> = HashMap::default();
        for r in 0..self.policy.rules.len() {
            let rule = &self.policy.rules[r];
            let c = self.conds[r];
            // A property of an inherited rule alone is the base's to report
            // (its own lint does); this policy cannot edit the rule.
            let inherited = self.policy.is_inherited(r);
            if Some(c) == never {
                skip[r] = true;
                skip_redundant[r] = true;
                if inherited {
                    continue;
                }
                let d = Diagnostic::warning(
                    Code::NEVER_MATCHES,
                    format!("rule {} never matches", self.rule_name(r)),
                )
                .at(rule.loc.0, "its condition holds for no case")
                .help("the comparisons exclude each other; fix the condition or delete the rule");
                self.report(Code::NEVER_MATCHES, d);
                continue;
            }
            if Some(c) == always && !inherited {
                let help = match self.policy.default {
                    Default::None | Default::Undecided => format!(
                        "write it as `default {}`, so that readers see the fallback",
                        self.outcome(rule.outcome)
                    ),
                    Default::Outcome(_) => {
                        "narrow the condition, or make it the policy's `default`".to_string()
                    }
                };
                let d = Diagnostic::warning(
                    Code::ALWAYS_MATCHES,
                    format!("rule {} matches every case", self.rule_name(r)),
                )
                .at(rule.loc.0, "its condition holds for every case")
                .help(help);
                self.report(Code::ALWAYS_MATCHES, d);
            }
            match first.get(&(c, rule.outcome)) {
                Some(&f) => {
                    // Each of the two is redundant because of the other:
                    // the duplicate is the one cause to report.
                    skip[r] = true;
                    skip_redundant[r] = true;
                    skip_redundant[f] = true;
                    if inherited && self.policy.is_inherited(f) {
                        continue;
                    }
                    let d = Diagnostic::warning(
                        Code::DUPLICATE_RULE,
                        format!(
                            "rules {} and {} match the same cases and give the same outcome",
                            self.rule_name(f),
                            self.rule_name(r)
                        ),
                    )
                    .at(rule.loc.0, "this rule duplicates the earlier one")
                    .also(
                        self.policy.rules[f].loc.0,
                        "this rule matches the same cases",
                    )
                    .note(format!(
                        "both give `{}`; their conditions are equivalent",
                        self.outcome(rule.outcome)
                    ))
                    .help("delete one of them, or merge their `because` texts");
                    self.report(Code::DUPLICATE_RULE, d);
                }
                None => {
                    first.insert((c, rule.outcome), r);
                }
            }
        }
        (skip, skip_redundant)
    }

    /// For every rule, where it explains the case and where (and by which
    /// verdict) it is beaten; reports `dead-rule` and `partly-masked`.
    fn classify(&mut self, skip: &[bool]) -> Result<Classes, CompileError> {
        let never = self.d.mdd.leaf(0).map_err(|_| self.too_large.clone())?;
        let explains = self.explains();
        // Which rules explain some case, and such a case for each: one
        // depth-first walk of the diagram, each node once, remembering the
        // path that first reached it.
        let mut live_at: Vec<Option<Vec<Vec<Value>>>> = vec![None; self.policy.rules.len()];
        {
            let d = &self.d;
            let mut seen: HashSet<NodeId, FxBuild> = HashSet::default();
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
                            if cases.len() < WITNESSES {
                                cases.push(case.clone());
                            }
                        }
                    }
                    None if !seen.insert(n) => {}
                    None => {
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
        let on = |c: Code| self.levels.level(c, self.policy) != Level::Allow;
        // `redundant-rule` computes the classes it needs itself, lazily.
        let need_live = on(Code::PARTLY_MASKED) || on(Code::OVERLAP);
        let need_dead = on(Code::OVERLAP);
        let masked_on = on(Code::PARTLY_MASKED);
        let mut classes = Vec::with_capacity(self.policy.rules.len());
        for (r, &skipped) in skip.iter().enumerate() {
            if self.conds[r] == never {
                classes.push(None);
                continue;
            }
            let live = live_at[r].is_some();
            if !live && !skipped {
                self.dead(r)?;
            }
            if !(live && need_live || !live && need_dead) {
                classes.push(None);
                continue;
            }
            let class = self.class(r, &explains)?;
            if live && masked_on && !class.beaten.is_empty() && !skipped {
                self.masked(r, &class);
            }
            classes.push(Some(class));
        }
        Ok(Classes { classes, live_at })
    }

    /// For each verdict, its explaining rules.
    fn explains(&self) -> Vec<Vec<RuleId>> {
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
    fn class(&mut self, r: RuleId, explains: &[Vec<RuleId>]) -> Result<Class, CompileError> {
        let err = |_| self.too_large.clone();
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
    fn verdicts_within(&self, root: NodeId, cond: NodeId, limit: usize) -> Vec<u32> {
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
    fn beaten_groups(
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

    fn strategy(&self) -> &'static str {
        match self.policy.resolve {
            Resolve::Strict => "`resolve strict`",
            Resolve::First => "`resolve first` (the earliest winner decides)",
            Resolve::Priority(_) => "`resolve priority` (the higher-ranked outcome decides)",
        }
    }

    fn dead(&mut self, r: RuleId) -> Result<(), CompileError> {
        let rule = &self.policy.rules[r];
        let verdicts = self.verdicts_within(self.d.root, self.conds[r], MAX_BEATERS + 1);
        let more = verdicts.len() > MAX_BEATERS;
        let mut beaters: Vec<RuleId> = verdicts
            .into_iter()
            .take(MAX_BEATERS)
            .flat_map(|v| match &self.d.verdicts[v as usize] {
                Verdict::Decided { rules, .. } | Verdict::Conflict { rules } => rules.clone(),
                Verdict::Undecided => Vec::new(),
            })
            .collect();
        beaters.sort_unstable();
        beaters.dedup();
        // Its cases are where it matches: read off its condition's own
        // (small) diagram.
        let listed = list(
            self.policy,
            &self.d,
            self.conds[r],
            &|p| p == 1,
            "it matches",
        );
        let mut d = Diagnostic::warning(
            Code::DEAD_RULE,
            format!(
                "rule {} matches {} but explains none of them",
                self.rule_name(r),
                crate::diag::cases(&listed.cases)
            ),
        )
        .at(rule.loc.0, "never the deciding rule");
        for &b in &beaters {
            d = d.also(self.policy.rules[b].loc.0, "decides some of its cases");
        }
        let above = self.above(r);
        let by_overrides = beaters.iter().filter(|b| above.contains(b)).count();
        let how = if by_overrides == beaters.len() {
            "because they override it".to_string()
        } else if by_overrides == 0 {
            format!("by {}", self.strategy())
        } else {
            format!("by `overrides` or by {}", self.strategy())
        };
        d = d.note(format!(
            "where it matches, {}{} {} instead, {how}",
            self.list_of(&beaters),
            if more { " and other rules" } else { "" },
            if beaters.len() == 1 && !more {
                "decides"
            } else {
                "decide"
            },
        ));
        let help = if self.policy.is_inherited(r) {
            format!(
                "the rule is inherited: `repeal {}` if this policy replaces it, or narrow the rules that beat it",
                self.policy.rules[r].id
            )
        } else {
            "delete the rule, or make it an exception with `overrides`, or narrow the rules that beat it"
                .to_string()
        };
        let d = Self::attach(d, listed).help(help);
        self.report(Code::DEAD_RULE, d);
        Ok(())
    }

    fn masked(&mut self, r: RuleId, class: &Class) {
        let rule = &self.policy.rules[r];
        let groups = self.beaten_groups(class, &|_| true);
        let live = list(self.policy, &self.d, class.node, &|p| p == LIVE, "");
        let mut beaters: Vec<RuleId> = groups.iter().flat_map(|(rs, _)| rs.clone()).collect();
        beaters.sort_unstable();
        beaters.dedup();
        let masked: crate::diag::Count = groups.iter().map(|(_, l)| &l.cases).sum();
        let mut d = Diagnostic::warning(
            Code::PARTLY_MASKED,
            format!(
                "rule {} is beaten on {} of the {} it matches",
                self.rule_name(r),
                crate::diag::cases(&masked),
                crate::diag::cases(&(&masked + &live.cases))
            ),
        )
        .at(rule.loc.0, "beaten on part of its cases");
        for &b in &beaters {
            d = d.also(self.policy.rules[b].loc.0, "beats it");
        }
        let live_text: Vec<String> = live
            .regions
            .iter()
            .take(4)
            .map(|r| r.condition.clone())
            .collect();
        d = d.note(format!(
            "it still decides {}: {}{}",
            crate::diag::cases(&live.cases),
            live_text.join("; "),
            if live.regions.len() > 4 { "; …" } else { "" }
        ));
        let regions = groups.into_iter().map(|(_, l)| l).collect();
        let d = Self::attach(d, merge_listed(regions))
            .help("if the exceptions are intended, this is fine; the lint is for reviewing them");
        self.report(Code::PARTLY_MASKED, d);
    }

    /// The rules above `r` in the `overrides` order (transitively).
    fn above(&self, r: RuleId) -> Vec<RuleId> {
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

    /// `overlap`: where a rule wins (no rule above it matches) but another
    /// winner with a different outcome decides, by the strategy.
    fn overlap(&mut self, classes: &[Option<Class>]) -> Result<(), CompileError> {
        if matches!(self.policy.resolve, Resolve::Strict) {
            // Disagreeing winners are errors under `strict` (E0040).
            return Ok(());
        }
        let any_overrides = self.policy.rules.iter().any(|r| !r.overrides.is_empty());
        for (r, class) in classes.iter().enumerate() {
            let Some(class) = class else { continue };
            let mine = self.policy.rules[r].outcome;
            let differ: Vec<u32> = class
                .beaten
                .iter()
                .copied()
                .filter(|&v| self.d.verdicts[v as usize].outcome() != Some(mine))
                .collect();
            if differ.is_empty() {
                continue;
            }
            // Restrict to the cases where `r` is a winner.
            let mut node = class.node;
            let above = if any_overrides {
                self.above(r)
            } else {
                Vec::new()
            };
            if !above.is_empty() {
                let mut any_above = self.d.mdd.leaf(0).map_err(|_| self.too_large.clone())?;
                for &a in &above {
                    let mut or = |x: u32, y: u32| x | y;
                    any_above = self
                        .d
                        .mdd
                        .apply(any_above, self.conds[a], &mut or, &mut Memo2::default())
                        .map_err(|_| self.too_large.clone())?;
                }
                let mut drop = |x: u32, above: u32| if above == 1 { OUT } else { x };
                node = self
                    .d
                    .mdd
                    .apply(node, any_above, &mut drop, &mut Memo2::default())
                    .map_err(|_| self.too_large.clone())?;
            }
            let narrowed = Class {
                node,
                beaten: differ,
            };
            let groups = self.beaten_groups(&narrowed, &|_| true);
            for (winners, listed) in groups {
                if listed.regions.is_empty() {
                    continue;
                }
                let rule = &self.policy.rules[r];
                let mut d = Diagnostic::warning(
                    Code::OVERLAP,
                    format!(
                        "rules {} and {} both win {} with different outcomes, and the strategy picks {}",
                        self.list_of(&winners),
                        self.rule_name(r),
                        crate::diag::cases(&listed.cases),
                        self.list_of(&winners),
                    ),
                )
                .at(
                    rule.loc.0,
                    format!("gives `{}`, and loses", self.outcome(rule.outcome)),
                );
                for &w in &winners {
                    let o = self.policy.rules[w].outcome;
                    d = d.also(
                        self.policy.rules[w].loc.0,
                        format!("gives `{}`, and wins", self.outcome(o)),
                    );
                }
                let d = Self::attach(d, listed)
                    .note(format!(
                        "no `overrides` orders them, so {} decides",
                        self.strategy()
                    ))
                    .help(format!(
                        "if the winner is an exception, say so: `rule {} overrides {}`",
                        self.policy.rules[winners[0]].id, rule.id
                    ));
                self.report(Code::OVERLAP, d);
            }
        }
        Ok(())
    }

    /// `redundant-rule`: the outcome of every case is the same without the
    /// rule. Only the cases the rule can change are folded: those it
    /// explains, or, when `overrides` involve it, all it matches.
    fn redundant(&mut self, skip: &[bool], found: &Classes) -> Result<(), CompileError> {
        let n = self.policy.rules.len();
        let boxes: Vec<Option<Bx>> = (0..n).map(|r| self.cell_box(r)).collect();
        let index = BoxIndex::new(&boxes, self.d.cells.iter().map(|c| c.count()).collect());
        let no_overrides = self.policy.rules.iter().all(|r| r.overrides.is_empty());
        let codes: Vec<u32> = self.d.verdicts.iter().map(outcome_code).collect();
        let mut quick: Option<RuleIndex> = None;
        let explains = self.explains();
        for r in 0..n {
            let Some(cases) = &found.live_at[r] else {
                continue;
            };
            if skip[r] || boxes[r].is_none() {
                continue;
            }
            // Most rules are not redundant, and one case shows it: a case
            // the rule decides, decided again without it. Without
            // `overrides` the winners of a case are the rules that match it.
            if no_overrides {
                let index = quick.get_or_insert_with(|| RuleIndex::build(self.policy));
                let changes = |case: &Vec<Value>| {
                    let mut winners = index.matching(case);
                    winners.retain(|&s| s != r);
                    let then = crate::semantics::resolve(self.policy, &winners).outcome();
                    then != Some(self.policy.rules[r].outcome)
                };
                if cases.iter().any(changes) {
                    continue;
                }
            }
            let computed;
            let class = match &found.classes[r] {
                Some(c) => c,
                None => {
                    computed = self.class(r, &explains)?;
                    &computed
                }
            };
            let err = |_| self.too_large.clone();
            let mut is_live = |p: u32| u32::from(p == LIVE);
            let live = self
                .d
                .mdd
                .map_leaves(class.node, &mut is_live, &mut Memo1::default())
                .map_err(err)?;
            // Deleting a rule can change only the cases it decides, unless
            // `overrides` involve it: then also the cases where it keeps a
            // rule it overrides from winning (all it matches), and, when it
            // is between two rules in the order, the cases where the order
            // passed through it (any case: the fold decides).
            let mine = self.policy.rules[r].outcome as u32;
            let (within, with_o) = if !self.policy.rules[r].overrides.is_empty()
                && !self.overridden_by[r].is_empty()
            {
                let mut to_code = |p: u32| codes[p as usize];
                let all = self.d.mdd.leaf(1).map_err(err)?;
                let whole = self
                    .d
                    .mdd
                    .map_leaves(self.d.root, &mut to_code, &mut Memo1::default())
                    .map_err(err)?;
                (all, whole)
            } else if !self.policy.rules[r].overrides.is_empty()
                || !self.overridden_by[r].is_empty()
            {
                let mut to_code = |p: u32| match p {
                    LIVE => mine,
                    OUT => OUT,
                    v => codes[v as usize],
                };
                let there = self
                    .d
                    .mdd
                    .map_leaves(class.node, &mut to_code, &mut Memo1::default())
                    .map_err(err)?;
                (self.conds[r], there)
            } else {
                let mut to_code = |p: u32| if p == 1 { mine } else { OUT };
                let there = self
                    .d
                    .mdd
                    .map_leaves(live, &mut to_code, &mut Memo1::default())
                    .map_err(err)?;
                (live, there)
            };
            // Where `r` is the earliest matching rule, no earlier rule
            // matches (under `resolve first`, without `overrides`).
            let later_only = no_overrides && matches!(self.policy.resolve, Resolve::First);
            let (without_o, without) =
                self.without_folded(r, within, &boxes, &index, later_only)?;
            if with_o != without_o {
                continue;
            }
            // Who decides the cases it decides, once it is gone.
            let mut instead: Vec<RuleId> = Vec::new();
            let mut by_default = false;
            for v in self.verdicts_within(without, live, usize::MAX) {
                if let Some(Verdict::Decided { rules, default, .. }) =
                    self.d.verdicts.get(v as usize)
                {
                    instead.extend(rules);
                    by_default |= *default;
                }
            }
            instead.sort_unstable();
            instead.dedup();
            self.report_redundant(r, live, &instead, by_default);
        }
        Ok(())
    }

    /// Reports rule `r` as redundant: `live` is where it decides (leaves 0
    /// and 1), `instead` the rules that decide those cases without it.
    fn report_redundant(&mut self, r: RuleId, live: NodeId, instead: &[RuleId], by_default: bool) {
        let rule = &self.policy.rules[r];
        let mut who = Vec::new();
        if !instead.is_empty() {
            who.push(self.list_of(instead));
        }
        if by_default {
            who.push("the default".to_string());
        }
        let mut d = Diagnostic::warning(
            Code::REDUNDANT_RULE,
            format!(
                "rule {} is redundant: without it, no case changes outcome",
                self.rule_name(r)
            ),
        )
        .at(rule.loc.0, "deleting this rule changes no outcome");
        for &s in instead {
            d = d.also(
                self.policy.rules[s].loc.0,
                format!("gives `{}` on its cases too", self.outcome(rule.outcome)),
            );
        }
        d = d.note(format!(
            "every case it decides is decided `{}` without it, by {}",
            self.outcome(rule.outcome),
            who.join(" and ")
        ));
        let listed = list(self.policy, &self.d, live, &|p| p == 1, "it decides");
        let help = if self.policy.is_inherited(r) {
            format!(
                "the rule is inherited: `repeal {}`, or keep it on purpose with `allow redundant-rule`",
                self.policy.rules[r].id
            )
        } else {
            "delete the rule, or keep it on purpose with `allow redundant-rule` if it states a holding"
                .to_string()
        };
        let d = Self::attach(d, listed).help(help);
        self.report(Code::REDUNDANT_RULE, d);
    }

    /// The outcomes without rule `r` inside `within` (OUT outside), by
    /// folding the policy without it over those cases, with only the rules
    /// whose boxes meet them; and the verdict diagram it folded.
    fn without_folded(
        &mut self,
        r: RuleId,
        within: NodeId,
        boxes: &[Option<Bx>],
        index: &BoxIndex,
        later_only: bool,
    ) -> Result<(NodeId, NodeId), CompileError> {
        let mine = diagram_box(&self.d, within);
        let only: Vec<RuleId> = index
            .candidates(&mine)
            .into_iter()
            .filter(|&s| s != r && (!later_only || s > r))
            .filter(|&s| boxes[s].as_ref().is_some_and(|b| meets(&mine, b)))
            .collect();
        let how = Fold {
            skip: Some(r),
            only: Some(&only),
            within: Some(within),
            conds: Some(&self.conds),
        };
        let without = compile::fold(&mut self.d, self.policy, &how)?;
        let codes: Vec<u32> = self.d.verdicts.iter().map(outcome_code).collect();
        let mut to_code = |p: u32| if p == OUTSIDE { OUT } else { codes[p as usize] };
        let without_o = self
            .d
            .mdd
            .map_leaves(without, &mut to_code, &mut Memo1::default())
            .map_err(|_| self.too_large.clone())?;
        Ok((without_o, without))
    }

    /// `incomplete`: undecided cases without a `default`.
    fn incomplete(&mut self) {
        if self.policy.default != Default::None {
            return;
        }
        let undecided: Vec<bool> = self
            .d
            .verdicts
            .iter()
            .map(|v| matches!(v, Verdict::Undecided))
            .collect();
        let any = self
            .d
            .mdd
            .reachable(self.d.root)
            .iter()
            .any(|&n| self.d.mdd.payload(n).is_some_and(|p| undecided[p as usize]));
        if !any {
            return;
        }
        let listed = list(
            self.policy,
            &self.d,
            self.d.root,
            &|p| undecided[p as usize],
            "undecided",
        );
        let total = super::region::Namer::new(self.policy, &self.d)
            .total()
            .clone();
        let d = Diagnostic::warning(
            Code::INCOMPLETE,
            format!(
                "{} of {} are decided by no rule, and the policy has no `default`",
                crate::diag::cases(&listed.cases),
                crate::diag::format_count(&total)
            ),
        )
        .at(
            self.policy.meta.loc.0,
            "some cases of this policy are undecided",
        );
        let d = Self::attach(d, listed).help(
            "add rules for them, or `default OUTCOME`, or `default undecided` if leaving them open is intended",
        );
        self.report(Code::INCOMPLETE, d);
    }

    /// `unused`: declarations of the policy's own file that nothing uses,
    /// and outcomes it declares that no case is decided as.
    fn unused(&mut self) {
        let mut decided = vec![false; self.policy.decision.outcomes.len()];
        for n in self.d.mdd.reachable(self.d.root) {
            if let Some(p) = self.d.mdd.payload(n)
                && let Some(o) = self.d.verdicts[p as usize].outcome()
            {
                decided[o] = true;
            }
        }
        let declared = &self.policy.declared;
        let unused_owner = |owner: ValueOwner| {
            let (kind, index) = match owner {
                ValueOwner::Type(t) => (DeclKind::Type, t),
                ValueOwner::Attribute(a) => (DeclKind::Attribute, a),
            };
            declared
                .iter()
                .any(|d| d.kind == kind && d.index == index && !d.used)
        };
        // Naming a group names its members.
        let in_used_group = |owner: ValueOwner, v: usize| {
            let ValueOwner::Type(t) = owner else {
                return false;
            };
            declared.iter().any(|d| {
                d.kind == DeclKind::Group && d.used && {
                    let g = &self.policy.groups[d.index];
                    g.ty == t && g.members.binary_search(&(v as u32)).is_ok()
                }
            })
        };
        let mut found = Vec::new();
        for decl in declared {
            if let Some(owner) = decl.owner
                && (unused_owner(owner) || in_used_group(owner, decl.index))
            {
                // One warning for an unused type, not one per value.
                continue;
            }
            let kind = match decl.kind {
                DeclKind::Type => "type",
                DeclKind::Group => "group",
                DeclKind::Attribute => "attribute",
                DeclKind::Value => "value",
                DeclKind::Outcome => "outcome",
            };
            let d = if !decl.used {
                Diagnostic::warning(
                    Code::UNUSED,
                    format!("{kind} `{}` is never used", decl.name),
                )
                .at(
                    decl.loc.0,
                    format!("this {kind} is declared but never used"),
                )
                .help(format!("delete the {kind}, or use it"))
            } else if decl.kind == DeclKind::Outcome && !decided[decl.index] {
                Diagnostic::warning(
                    Code::UNUSED,
                    format!("outcome `{}` is never decided", decl.name),
                )
                .at(decl.loc.0, "no case is decided as this outcome")
                .help("a rule that gives it never wins; see `writ lint --warn partly-masked`")
            } else {
                continue;
            };
            found.push(d);
        }
        for d in found {
            self.report(Code::UNUSED, d);
        }
    }

    /// An over-approximation of a rule's cases as a box: for each
    /// attribute its condition constrains, the cells it may take. `None`
    /// when the rule never matches.
    fn cell_box(&self, r: RuleId) -> Option<Bx> {
        cond_box(&self.policy.rules[r].cond, &self.d)
    }
}

/// Joins the groups of a lint into one list of regions.
fn merge_listed(parts: Vec<Listed>) -> Listed {
    let mut out = Listed {
        regions: Vec::new(),
        total: None,
        complete: true,
        cases: crate::diag::Count::from(0u8),
    };
    let mut total = 0usize;
    for p in parts {
        total += p.total.unwrap_or(p.regions.len());
        out.complete &= p.complete;
        out.cases += p.cases;
        out.regions.extend(p.regions);
    }
    out.regions.truncate(super::MAX_LISTED);
    out.total = (total > out.regions.len()).then_some(total);
    out
}

fn outcome_code(v: &Verdict) -> u32 {
    match v {
        Verdict::Decided { outcome, .. } => *outcome as u32,
        Verdict::Undecided => UNDECIDED,
        Verdict::Conflict { .. } => CONFLICT,
    }
}

/// A box of cells: constrained attributes (ascending) and their cells.
type Bx = Vec<(usize, super::region::CellSet)>;

fn cond_box(c: &crate::check::Cond, d: &Diagram) -> Option<Bx> {
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
            out.push((*attr, super::region::union(cells, other)));
        }
    }
    out
}

/// The smallest box holding every case of a bool diagram (leaf 1): for
/// each level, the cells of the runs that lead on to a case, unless some
/// path to a case skips the level.
fn diagram_box(d: &Diagram, root: NodeId) -> Bx {
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
        let merged = super::region::union(&std::mem::take(&mut cells[l]), &[]);
        if merged != [(0, m.cells()[l] - 1)] {
            out.push((d.attribute_at(l as u32), merged));
        }
    }
    out.sort_by_key(|(a, _)| *a);
    out
}

/// Whether two boxes share a case.
fn meets(a: &Bx, b: &Bx) -> bool {
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
struct BoxIndex {
    pivot: Option<usize>,
    by_cell: Vec<Vec<RuleId>>,
    free: Vec<RuleId>,
    all: Vec<RuleId>,
}

impl BoxIndex {
    fn new(boxes: &[Option<Bx>], cells: Vec<u32>) -> BoxIndex {
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
    fn candidates(&self, b: &Bx) -> Vec<RuleId> {
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
