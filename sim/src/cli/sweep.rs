//! `hemisim sweep`: plan the grid (every cell validated first), run all cells' replications on
//! one queue, write each cell's summary as it finishes, then the sweep's table, index and figure
//! (`sweep_end`, shared with `hemisim merge`); report violations and failures with a replay line
//! each. With `--shard I/N` only the shard's cells run, into a partial directory (`sweep_shard`).

use super::args::SweepArgs;
use super::console::{errln, outln};
use super::progress::CellProgress;
use super::run::{ScenarioFile, kind_name, shell_quote, worse};
use super::sweep_end::{violation_message, violations_exit, write_whole_sweep};
use super::sweep_shard::{self, ShardRun};
use super::{Exit, count, one_seed, out_flag, output, sets_seed};
use crate::harness::runner::{RunError, RunOptions, RunOutput};
use crate::harness::seeds::replication_seed;
use crate::harness::sweep::{Cell, Plan, Progress, cell_dir_name, plan, run_sweep};
use hemisim_reports::output_dir::Manifest;
use hemisim_reports::sweep::{Axis, CellResult, SweepInfo, ViolationNote, write_cell};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// What became of one cell.
struct CellOutcome {
    /// Its row in the sweep's outputs, unless a run failed or its summary could not be written.
    result: Option<CellResult>,
    /// Lines to print to stderr (violations, failures), in replication order.
    messages: Vec<String>,
    exit: Exit,
}

pub fn run(args: SweepArgs) -> Exit {
    match start(&args) {
        Ok((plan, info, shard)) => run_planned(&args, plan, &info, shard.as_ref()),
        Err(e) => {
            errln!("error: {e}");
            Exit::BadInput
        }
    }
}

/// Everything checked before anything runs: the seed, the shard, every cell. With a shard, the
/// plan keeps only the shard's cells (with their indices and seeds in the whole grid).
fn start(args: &SweepArgs) -> Result<(Plan, SweepInfo, Option<ShardRun>), String> {
    one_seed(args.seed, &args.set)?;
    let shard = args.shard.resolve().map_err(|e| e.to_string())?;
    let mut plan = plan(&args.scenario, &args.set, &args.grid, args.seed, args.runs).map_err(|e| e.to_string())?;
    let info = sweep_info(&plan, args, plan.cells[0].scenario.name.clone());
    let shard = shard.map(|shard| ShardRun::new(shard, &plan, &info));
    if let Some(run) = &shard {
        plan.cells.retain(|cell| run.shard.holds(cell.index));
    }
    Ok((plan, info, shard))
}

fn run_planned(args: &SweepArgs, plan: Plan, info: &SweepInfo, shard: Option<&ShardRun>) -> Exit {
    let name = &info.scenario_name;
    let out_dir = args.out.clone().unwrap_or_else(|| match shard {
        Some(run) => sweep_shard::default_out(name, run.shard),
        None => PathBuf::from("reports/out").join(format!("{name}-sweep")),
    });
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let total_runs = plan.cells.len() * args.runs as usize;
    print_header(&plan, args, info, shard, jobs);
    tracing::info!("writing into {}", out_dir.display());
    // Before simulating: a bad --out fails now, not after every cell.
    let staging = match output::begin(&out_dir) {
        Ok(staging) => staging,
        Err(exit) => return exit,
    };

    let started = std::time::Instant::now();
    let (cells, exit) = gather(simulate(&plan, args, jobs, staging.path()));
    let complete = exit != Exit::Incomplete;
    if !complete {
        errln!(
            "error: {} of {} did not complete; {} not written",
            plan.cells.len() - cells.len(),
            count(plan.cells.len(), "cell", "cells"),
            if shard.is_some() { "shard.json was" } else { "sweep.csv and sweep.json were" }
        );
    }
    let ended = match shard {
        Some(run) => sweep_shard::write_partial(staging, run, info, cells, complete, &out_dir),
        // The completed cells' summaries are kept even when the sweep is not complete.
        None if !complete => output::finish(staging, Manifest::for_sweep(info, &cells, false)).map(|_| ()),
        None => write_whole_sweep(staging, info, &cells, &out_dir),
    };
    if let Err(failed) = ended {
        return failed;
    }
    if !complete {
        return Exit::Incomplete;
    }
    outln!("perf: {} in {:.2} s wall", count(total_runs, "run", "runs"), started.elapsed().as_secs_f64());
    // sweep.json's line leaves --out out (the file sits in that folder, and stays the same bytes
    // wherever the sweep is written); the printed one names it.
    let shard_flag = shard.map(|run| format!(" --shard {}", run.shard)).unwrap_or_default();
    outln!("replay: {}{shard_flag}{}", info.replay, out_flag(args.out.as_deref()));
    exit
}

/// Prints each cell's messages (in grid order) and gathers the completed cells' rows and the
/// sweep's exit code: 4 when any cell did not complete, else the worst of the violations'.
fn gather(outcomes: Vec<CellOutcome>) -> (Vec<CellResult>, Exit) {
    let mut exit = Exit::Ok;
    let mut cells = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        for line in &outcome.messages {
            errln!("{line}");
        }
        exit = if outcome.exit == Exit::Incomplete || exit == Exit::Incomplete {
            Exit::Incomplete
        } else {
            worse(exit, outcome.exit)
        };
        cells.extend(outcome.result);
    }
    (cells, exit)
}

fn print_header(plan: &Plan, args: &SweepArgs, info: &SweepInfo, shard: Option<&ShardRun>, jobs: usize) {
    let total_runs = plan.cells.len() * args.runs as usize;
    match plan.cells.first() {
        Some(cell) => {
            outln!("hemisim sweep: scenario {} ({} s simulated per run)", info.scenario_name, cell.scenario.duration_s)
        }
        None => outln!("hemisim sweep: scenario {}", info.scenario_name),
    }
    if let Some(run) = shard {
        outln!(
            "shard {} of sweep {}: {} of {}",
            run.shard,
            &run.sweep_id[..16],
            count(plan.cells.len(), "cell", "cells"),
            run.cells_total
        );
    }
    outln!(
        "base seed {}, {} × {} = {} on {}",
        plan.base_seed,
        count(plan.cells.len(), "cell", "cells"),
        count(args.runs as usize, "run", "runs"),
        count(total_runs, "run", "runs"),
        count(jobs.min(total_runs.max(1)), "thread", "threads")
    );
    for axis in &plan.axes {
        outln!("grid {} = {}", axis.key, axis.values.join(", "));
    }
    for cell in &plan.cells {
        tracing::debug!(
            "cell {} ({}): seed {}, scenario hash {}",
            cell.index,
            cell.label,
            cell.seed,
            cell.scenario.hash_hex()
        );
    }
}

/// Runs the sweep with its progress shown; each cell's outputs are written as it finishes.
fn simulate(plan: &Plan, args: &SweepArgs, jobs: usize, out_dir: &Path) -> Vec<CellOutcome> {
    let progress = Progress::new(jobs);
    let total_us: u64 = plan.cells.iter().map(|c| c.scenario.duration_s * 1_000_000 * u64::from(args.runs)).sum();
    let cells = CellProgress::new(&args.progress, plan.cells.len(), progress.counters(), total_us);
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| cells.watch(&done));
        let outcomes = run_sweep(plan, args.runs, &RunOptions::default(), &progress, |cell, outputs| {
            let outcome = finish_cell(plan, args, out_dir, cell, outputs, cells.per_cell_lines());
            cells.cell_finished(&cell.label, outcome.exit != Exit::Ok);
            outcome
        });
        done.store(true, Ordering::Relaxed);
        outcomes
    })
}

/// Writes a finished cell's `summary.json` and turns its runs into a row and messages.
fn finish_cell(
    plan: &Plan,
    args: &SweepArgs,
    out_dir: &Path,
    cell: &Cell,
    outputs: Vec<Result<RunOutput, RunError>>,
    log: bool,
) -> CellOutcome {
    let mut outcome = CellOutcome { result: None, messages: Vec::new(), exit: Exit::Ok };
    let mut violations = Vec::new();
    let mut records = Vec::with_capacity(outputs.len());
    for (r, output) in outputs.into_iter().enumerate() {
        let seed = replication_seed(cell.seed, r as u32);
        let replay = replay_run(plan, args, cell, seed, 1);
        match output {
            Ok(RunOutput { record, violations: found, .. }) => {
                for v in found {
                    let note = ViolationNote {
                        kind: kind_name(v.kind).to_owned(),
                        seed,
                        message: v.message,
                        replay: replay.clone(),
                    };
                    outcome.messages.push(violation_message(cell.index, &cell.label, &note));
                    violations.push(note);
                }
                records.push(record);
            }
            Err(e) => {
                outcome.messages.push(format!(
                    "error: cell {} ({}): the run with seed {seed} did not complete: {e}\n  replay: {replay}",
                    cell.index, cell.label
                ));
                outcome.exit = Exit::Incomplete;
            }
        }
    }
    if outcome.exit == Exit::Incomplete {
        return outcome;
    }
    outcome.exit = violations_exit(&violations);
    let dir = format!("cells/{}", cell_dir_name(cell.index, &cell.label));
    let replay = replay_run(plan, args, cell, cell.seed, args.runs);
    let scenario = ScenarioFile { scenario: &cell.scenario, replay: replay.clone() };
    match write_cell(&out_dir.join(&dir), &records).and_then(|m| scenario.write(&out_dir.join(&dir)).map(|()| m)) {
        Ok(metrics) => {
            if log {
                tracing::info!(
                    "cell {} ({}) finished: {}, summary in {dir}",
                    cell.index,
                    cell.label,
                    count(records.len(), "run", "runs")
                );
            }
            outcome.result = Some(CellResult {
                index: cell.index,
                values: cell.values.clone(),
                label: cell.label.clone(),
                dir,
                seed: cell.seed,
                metrics,
                violations,
                replay,
            });
        }
        Err(e) => {
            outcome.messages.push(format!("error: cell {} ({}): {e}", cell.index, cell.label));
            outcome.exit = Exit::Incomplete;
        }
    }
    outcome
}

fn sweep_info(plan: &Plan, args: &SweepArgs, scenario_name: String) -> SweepInfo {
    let mut replay =
        format!("hemisim sweep {} --seed {}", shell_quote(&args.scenario.display().to_string()), plan.base_seed);
    for axis in &plan.axes {
        replay.push_str(&format!(" --grid {}", shell_quote(&format!("{}={}", axis.key, axis.values.join(",")))));
    }
    for set in args.set.iter().filter(|s| !sets_seed(s)) {
        replay.push_str(&format!(" --set {}", shell_quote(set)));
    }
    if args.runs > 1 {
        replay.push_str(&format!(" --runs {}", args.runs));
    }
    SweepInfo {
        scenario_name,
        scenario_file: args.scenario.display().to_string(),
        base_seed: plan.base_seed,
        runs: args.runs,
        set: args.set.clone(),
        grid: plan.axes.iter().map(|a| Axis { key: a.key.clone(), values: a.values.clone() }).collect(),
        replay,
    }
}

/// `hemisim run` with the cell's overrides and `seed`: `runs` 1 replays one replication (its
/// seed), `runs` N the whole cell (the cell's seed). No `--out`: a run's outputs go to their
/// default folder, not into the sweep's.
fn replay_run(plan: &Plan, args: &SweepArgs, cell: &Cell, seed: u64, runs: u32) -> String {
    let mut line = format!("hemisim run {} --seed {seed}", shell_quote(&args.scenario.display().to_string()));
    for set in args.set.iter().filter(|s| !sets_seed(s)).chain(&cell.sets(&plan.axes)) {
        line.push_str(&format!(" --set {}", shell_quote(set)));
    }
    if runs > 1 {
        line.push_str(&format!(" --runs {runs}"));
    }
    line
}
