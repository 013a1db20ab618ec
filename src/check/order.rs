//! Pass 6: the `overrides` order.
//!
//! SPEC 4.2: the order must be acyclic. Every cycle is reported once, by
//! its strongly connected component (Tarjan's algorithm, iteratively, so
//! that a chain of 100,000 `overrides` cannot overflow the stack), with one
//! simple cycle shown through it. Relies on pass 5 ([`super::rules`]) for
//! the resolved edges, and on the base having no cycle of its own.

use super::{Checker, Rule};
use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;
use std::collections::HashMap;

impl Checker<'_> {
    /// Reports the cycles of `overrides`. Only this policy's own rules,
    /// `rules[offset..]` (one per entry of `items`), can be in one: inherited
    /// rules override only each other, and the base has no cycle.
    pub(super) fn override_cycles(
        &mut self,
        rules: &[Rule],
        items: &[(&ast::Rule, Span)],
        offset: usize,
    ) {
        let sccs = strongly_connected(rules.len(), |v| &rules[v].overrides);
        for scc in sccs.into_iter().filter(|c| c.len() > 1) {
            let cycle = cycle_in(&scc, |v| &rules[v].overrides);
            let names: Vec<&str> = cycle.iter().map(|&v| rules[v].id.as_str()).collect();
            let start = cycle[0];
            let mut shown = names.join(" → ");
            shown.push_str(" → ");
            shown.push_str(names[0]);
            let at = |v: usize| {
                let Some((r, _)) = v.checked_sub(offset).and_then(|i| items.get(i)) else {
                    return rules[v].loc.0;
                };
                r.overrides
                    .iter()
                    .find(|o| {
                        let next = cycle
                            [(cycle.iter().position(|&c| c == v).unwrap_or(0) + 1) % cycle.len()];
                        o.text() == rules[next].id
                    })
                    .map_or(rules[v].loc.0, |o| o.span)
            };
            let mut d = Diagnostic::error(
                Code::OVERRIDE_CYCLE,
                format!("`overrides` forms a cycle: {shown}"),
            )
            .at(
                at(start),
                format!("`{}` overrides `{}` here", names[0], names[1 % names.len()]),
            );
            for (k, &v) in cycle.iter().enumerate().skip(1) {
                let next = names[(k + 1) % names.len()];
                d = d.also(at(v), format!("`{}` overrides `{next}` here", names[k]));
            }
            self.push(
                d.help("decide which rule is the exception and remove the other `overrides`"),
            );
        }
    }
}

/// Tarjan's algorithm, iterative so that a chain of 100,000 `overrides`
/// cannot overflow the stack. Returns the components.
fn strongly_connected<'e>(n: usize, edges: impl Fn(usize) -> &'e Vec<usize>) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for start in 0..n {
        if index[start] != UNSEEN {
            continue;
        }
        // Each frame: the node and how many of its edges were followed.
        let mut frames = vec![(start, 0usize)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut i)) = frames.last_mut() {
            let succ = edges(v);
            if *i < succ.len() {
                let w = succ[*i];
                *i += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                frames.pop();
                if let Some(&(parent, _)) = frames.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comp.sort_unstable();
                    out.push(comp);
                }
            }
        }
    }
    out.sort();
    out
}

/// One simple cycle through the smallest node of a strongly connected
/// component, found by breadth-first search inside the component.
fn cycle_in<'e>(scc: &[usize], edges: impl Fn(usize) -> &'e Vec<usize>) -> Vec<usize> {
    let start = scc[0];
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in edges(v) {
            if scc.binary_search(&w).is_err() {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut cur = v;
                while cur != start {
                    cur = parent[&cur];
                    path.push(cur);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    scc.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found() {
        let edges = [vec![1], vec![2], vec![0], vec![0]];
        let sccs = strongly_connected(4, |v| &edges[v]);
        assert!(sccs.contains(&vec![0, 1, 2]));
        assert_eq!(cycle_in(&[0, 1, 2], |v| &edges[v]), vec![0, 1, 2]);
    }
}
