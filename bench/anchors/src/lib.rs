//! Anchors: writ measured against Cedar (`cedar-policy`) and Rego
//! (`regorus`) on one workload, `writ::synth::wide`, translated rule for
//! rule. `src/main.rs` checks every engine against [`workload::Workload::allows`]
//! and prints the table; `benches/in_process.rs` times the in-process
//! calls with divan. See README.md.

pub mod engines;
pub mod translate;
pub mod workload;

/// The rule counts measured.
pub const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];
