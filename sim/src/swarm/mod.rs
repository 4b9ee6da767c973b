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
use std::sync::atomic::{AtomicUsize, Ordering};
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
    Drawn::new(seeds).run(progress, |_, _| {})
}

/// The worlds of a swarm, drawn but not yet run: one cell per run (two for a self-checked world).
#[derive(Debug)]
pub struct Drawn {
    worlds: Vec<(u64, Result<World, String>)>,
    plan: Plan,
    /// For each cell, the position of its world in `worlds`.
    world_of: Vec<usize>,
}

impl Drawn {
    /// Draws the world of every seed.
    pub fn new(seeds: &[u64]) -> Drawn {
        let worlds: Vec<(u64, Result<World, String>)> =
            seeds.iter().map(|&seed| (seed, generate::generate(seed).map_err(|e| e.to_string()))).collect();
        let (mut cells, mut world_of) = (Vec::new(), Vec::new());
        for (position, (seed, world)) in worlds.iter().enumerate() {
            let Ok(world) = world else { continue };
            let runs = if self_checked(*seed) { 2 } else { 1 };
            for run in 0..runs {
                world_of.push(position);
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
        Drawn { worlds, plan, world_of }
    }

    /// How many worlds will run (the generator's failures do not).
    pub fn runnable(&self) -> usize {
        self.worlds.iter().filter(|(_, w)| w.is_ok()).count()
    }

    /// The simulated time of every run together, in microseconds (for a progress bar).
    pub fn simulated_us(&self) -> u64 {
        self.plan.cells.iter().map(|c| c.scenario.duration_s.saturating_mul(1_000_000)).sum()
    }

    /// Runs every world; `on_world(seed, judged)` is called as each world's last run ends (with
    /// that run's judgement), on the worker that ran it. Outcomes come back in seed order.
    pub fn run(self, progress: &Progress, on_world: impl Fn(u64, &Judged) + Sync) -> Vec<Outcome> {
        let Drawn { worlds, plan, world_of } = self;
        let mut runs_left: Vec<AtomicUsize> = worlds.iter().map(|_| AtomicUsize::new(0)).collect();
        for &position in &world_of {
            *runs_left[position].get_mut() += 1;
        }
        let mut judged = run_sweep(&plan, 1, &run_options(), progress, |cell, mut outputs| {
            let output = outputs.pop().expect("one run per cell");
            let judged = verdict::judge(&cell.scenario, &output);
            let position = world_of[cell.index];
            if runs_left[position].fetch_sub(1, Ordering::SeqCst) == 1 {
                on_world(worlds[position].0, &judged);
            }
            judged
        })
        .into_iter();
        worlds
            .into_iter()
            .map(|(seed, world)| match world {
                Ok(world) => {
                    let first = judged.next().expect("a cell per run");
                    let again = self_checked(seed).then(|| judged.next().expect("a second cell"));
                    Outcome {
                        seed,
                        judged: self_check(first, again),
                        world: Some(world),
                        self_checked: self_checked(seed),
                    }
                }
                Err(message) => Outcome { seed, world: None, judged: generator_bug(message), self_checked: false },
            })
            .collect()
    }
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
