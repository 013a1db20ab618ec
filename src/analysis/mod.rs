//! Analyses over compiled diagrams: `writ lint` ([`lints`]), `writ diff`
//! ([`diff`]) and `writ test --coverage` ([`coverage`]).
//!
//! Both ask questions about sets of cases and answer them exactly on the
//! diagram: a rule's cases, the cases where it is beaten, the cases two
//! policies decide differently. Each answer is a diagram in the policy's
//! manager; [`region`] turns it into readable, disjoint regions with exact
//! counts and witnesses.

pub mod coverage;
pub mod diff;
pub mod lints;
pub mod region;
pub mod rules;

/// The lints under their earlier path, which the CLI, the API, the tests
/// and the benchmarks use: `analysis::lint::lint`, `analysis::lint::Options`.
pub use lints as lint;

use crate::check::Policy;
use crate::compile::Diagram;
use crate::compile::mdd::NodeId;
use crate::diag::{Count, Region};

/// How many regions a diagnostic or a diff lists at most.
pub const MAX_LISTED: usize = 1_000;

/// The regions of a set of cases, ready to attach to a report.
#[derive(Clone, Debug)]
pub struct Listed {
    /// The regions, at most [`MAX_LISTED`].
    pub regions: Vec<Region>,
    /// How many regions there are, when known and more than listed.
    pub total: Option<usize>,
    /// Whether the regions are merged and complete; `false` when the set was
    /// too fragmented and `regions` holds unmerged pieces of it.
    pub complete: bool,
    /// The exact number of cases in the set.
    pub cases: Count,
}

/// Lists the cases of the diagram at `root` whose leaf payload `want`
/// accepts, labelled `label`.
pub fn list(
    policy: &Policy,
    d: &Diagram,
    root: NodeId,
    want: &dyn Fn(u32) -> bool,
    label: &str,
) -> Listed {
    let namer = region::Namer::new(policy, d);
    match region::cubes(&d.mdd, root, want) {
        Ok(cubes) => merged(&namer, &cubes, label),
        Err(region::TooManyPieces) => pieces(policy, d, &namer, root, want, label),
    }
}

/// Lists, for each group `key` gives a payload of the diagram at `root`,
/// the group's cases labelled `label(group)`, in ascending group order; one
/// walk of the diagram serves every group.
pub fn list_grouped(
    policy: &Policy,
    d: &Diagram,
    root: NodeId,
    key: &dyn Fn(u32) -> Option<u32>,
    label: &dyn Fn(u32) -> String,
) -> Vec<(u32, Listed)> {
    let namer = region::Namer::new(policy, d);
    match region::cubes_grouped(&d.mdd, root, key) {
        Ok(groups) => groups
            .into_iter()
            .map(|(k, cubes)| (k, merged(&namer, &cubes, &label(k))))
            .collect(),
        Err(region::TooManyPieces) => {
            // Too fragmented to merge: each group on its own.
            let mut keys: Vec<u32> = d
                .mdd
                .reachable(root)
                .into_iter()
                .filter_map(|n| d.mdd.payload(n).and_then(key))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys.into_iter()
                .map(|k| {
                    let want = |p| key(p) == Some(k);
                    (k, pieces(policy, d, &namer, root, &want, &label(k)))
                })
                .collect()
        }
    }
}

/// Merged cubes as regions: the first [`MAX_LISTED`], with the total.
fn merged(namer: &region::Namer, cubes: &[region::Cube], label: &str) -> Listed {
    let regions: Vec<Region> = cubes
        .iter()
        .take(MAX_LISTED)
        .map(|c| namer.region(c, label.to_string()))
        .collect();
    Listed {
        total: (cubes.len() > regions.len()).then_some(cubes.len()),
        regions,
        complete: true,
        cases: cubes.iter().map(|c| namer.count(c)).sum(),
    }
}

/// A set too fragmented to merge: the pieces a bounded walk finds, and the
/// exact count.
fn pieces(
    policy: &Policy,
    d: &Diagram,
    namer: &region::Namer,
    root: NodeId,
    want: &dyn Fn(u32) -> bool,
    label: &str,
) -> Listed {
    let cubes = region::some_cubes(&d.mdd, root, want, MAX_LISTED);
    Listed {
        regions: cubes
            .iter()
            .map(|c| namer.region(c, label.to_string()))
            .collect(),
        total: None,
        complete: false,
        cases: region::count(policy, d, root, want),
    }
}
