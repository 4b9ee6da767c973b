//! `hemisim swarm`: thousands of random worlds, every checker on, failures handed back small.
//!
//! For each seed, [`generate`] draws a whole scenario from the seed alone; the world runs with
//! all checkers (safety as it goes, then the liveness phase after the faults), on the sweep's
//! work queue ([`crate::harness::sweep::run_sweep`], one madsim runtime per world on `jobs`
//! threads); [`verdict`] judges it from its exit class; [`coverage`] says which rare events it
//! exercised. About one world in twenty, chosen by its seed ([`self_checked`]), runs twice: a
//! different trace hash is its own verdict, `nondeterminism`. A failing world can be shrunk
//! ([`shrink`]) to a smaller scenario with the same violation.
//!
//! Code map: `draft` (a world as a commented scenario file), `generate`, `coverage`, `verdict`,
//! `shrink`; the command line is `crate::cli::swarm`, the output files `hemisim_reports::swarm`.

pub mod coverage;
pub mod draft;
pub mod generate;
pub mod shrink;
pub mod verdict;

use crate::harness::runner::{RunOptions, run_once};
use crate::harness::sweep::{Cell, Plan, Progress, run_sweep};
use crate::scenario::Scenario;
use generate::World;
use hemisim_node::rng::Stream;
use verdict::{Judged, Verdict};

/// One in this many worlds runs twice (the determinism self-check).
pub const SELF_CHECK_ONE_IN: u64 = 20;

/// Whether world `seed` runs twice: a draw of its own stream, so the choice is the seed's alone.
pub fn self_checked(seed: u64) -> bool {
    Stream::derive(seed, "swarm/self-check").below_inclusive(SELF_CHECK_ONE_IN - 1) == 0
}

/// Runs with every checker and past the first safety violation: a finding (a superfinality
/// revert a deep reorg explains) must not hide a bug found later in the same world.
pub fn run_options() -> RunOptions {
    RunOptions { keep_going: true, ..RunOptions::default() }
}

/// Runs one scenario and judges it.
pub fn run_and_judge(scenario: &Scenario) -> Judged {
    verdict::judge(scenario, &run_once(scenario, scenario.seed, run_options()))
}

/// What became of one world of the swarm.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub seed: u64,
    /// The world, unless the generator failed on this seed.
    pub world: Option<World>,
    pub judged: Judged,
    /// Whether it ran twice.
    pub self_checked: bool,
}

/// Draws and runs the worlds of `seeds` on `progress.workers.len()` threads; outcomes come back in
/// seed order, whatever order the workers finish in.
pub fn run_swarm(seeds: &[u64], progress: &Progress) -> Vec<Outcome> {
    let worlds: Vec<(u64, Result<World, String>)> =
        seeds.iter().map(|&seed| (seed, generate::generate(seed).map_err(|e| e.to_string()))).collect();
    let mut cells = Vec::new();
    for (seed, world) in &worlds {
        let Ok(world) = world else { continue };
        let runs = if self_checked(*seed) { 2 } else { 1 };
        for run in 0..runs {
            cells.push(Cell {
                index: cells.len(),
                values: Vec::new(),
                label: format!("seed {seed} run {run}"),
                seed: *seed,
                scenario: world.scenario.clone(),
            });
        }
    }
    let plan = Plan { axes: Vec::new(), base_seed: seeds.first().copied().unwrap_or(0), cells };
    let mut judged = run_sweep(&plan, 1, &run_options(), progress, |cell, mut outputs| {
        let output = outputs.pop().expect("one run per cell");
        verdict::judge(&cell.scenario, &output)
    })
    .into_iter();
    worlds
        .into_iter()
        .map(|(seed, world)| match world {
            Ok(world) => {
                let first = judged.next().expect("a cell per run");
                let again = self_checked(seed).then(|| judged.next().expect("a second cell"));
                Outcome { seed, judged: self_check(first, again), world: Some(world), self_checked: self_checked(seed) }
            }
            Err(message) => Outcome { seed, world: None, judged: generator_bug(message), self_checked: false },
        })
        .collect()
}

/// The first run's judgement, unless the second run of a self-checked world hashed differently.
fn self_check(first: Judged, again: Option<Judged>) -> Judged {
    match again {
        Some(again) if again.trace_hash != first.trace_hash => Judged {
            verdict: Verdict::Nondeterminism,
            message: Some(format!(
                "the same world ran twice with different trace hashes: {} and {}",
                first.trace_hash.as_deref().unwrap_or("none (did not complete)"),
                again.trace_hash.as_deref().unwrap_or("none (did not complete)")
            )),
            ..first
        },
        _ => first,
    }
}

fn generator_bug(message: String) -> Judged {
    Judged {
        verdict: Verdict::GeneratorBug,
        message: Some(format!("the generated world is invalid: {message}")),
        scenario_hash: String::new(),
        trace_hash: None,
        wall_s: 0.0,
        covered: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_one_world_in_twenty_runs_twice() {
        let checked = (0..2_000).filter(|&s| self_checked(s)).count();
        assert!((60..=140).contains(&checked), "{checked} of 2000");
    }
}
