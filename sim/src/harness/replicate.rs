//! `--runs N`: independent replications with derived seeds, run as a one-cell sweep.
//!
//! Replication `i` uses [`super::seeds::replication_seed`]`(base, i)`; results come back in
//! replication order whatever order the workers finish in, so pooled outputs do not depend on
//! `--jobs` or on timing.

use super::runner::{RunError, RunOptions, RunOutput};
use super::sweep::{Cell, Plan, Progress, run_sweep};
use crate::scenario::Scenario;

/// Runs replications `0..runs` of `scenario` from `base_seed`: a sweep of one cell, on the
/// sweep's work queue and `progress`'s workers. The trace file, when asked for, is written for
/// replication 0 only.
pub fn run_replications(
    scenario: &Scenario,
    base_seed: u64,
    runs: u32,
    options: &RunOptions,
    progress: &Progress,
) -> Vec<Result<RunOutput, RunError>> {
    let cell = Cell { index: 0, values: Vec::new(), label: String::new(), seed: base_seed, scenario: scenario.clone() };
    let plan = Plan { axes: Vec::new(), base_seed, cells: vec![cell] };
    run_sweep(&plan, runs, options, progress, |_, outputs| outputs).pop().expect("one cell")
}
