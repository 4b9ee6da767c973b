//! `--runs N`: independent replications with derived seeds, on worker threads.
//!
//! Replication `i` uses [`super::seeds::replication_seed`]`(base, i)`; results come back in
//! replication order whatever order the workers finish in, so pooled outputs do not depend on
//! `--jobs` or on timing.

use super::runner::{RunError, RunOptions, RunOutput, run_once};
use super::seeds::replication_seed;
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Runs replications `0..runs` of `scenario` from `base_seed` on `jobs` threads. The trace file,
/// when asked for, is written for replication 0 only. `progress_us[i]` follows replication `i`.
pub fn run_replications(
    scenario: &Scenario,
    base_seed: u64,
    runs: u32,
    jobs: usize,
    options: &RunOptions,
    progress_us: &[Arc<AtomicU64>],
) -> Vec<Result<RunOutput, RunError>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<RunOutput, RunError>>>> = Mutex::new((0..runs).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, runs.max(1) as usize) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= runs as usize {
                        break;
                    }
                    let opts = RunOptions {
                        trace_file: if i == 0 { options.trace_file.clone() } else { None },
                        progress_us: progress_us.get(i).cloned(),
                        keep_going: options.keep_going,
                    };
                    let result = run_once(scenario, replication_seed(base_seed, i as u32), opts);
                    results.lock().expect("workers do not panic while holding the results")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("all workers joined")
        .into_iter()
        .map(|r| r.expect("every replication index was taken by a worker"))
        .collect()
}
