//! `hemisim sweep`: plan the grid (every cell validated first), run all cells' replications on
//! one queue, write each cell's summary as it finishes, then the sweep's table, index and figure;
//! report violations and failures with a replay line each.

use super::args::SweepArgs;
use super::console::{errln, outln};
use super::run::{ScenarioFile, kind_name, shell_quote, worse};
use super::{Exit, count, one_seed, out_flag, sets_seed};
use super::{output, progress};
use crate::harness::runner::{RunError, RunOptions, RunOutput};
use crate::harness::seeds::replication_seed;
use crate::harness::sweep::{Cell, Plan, Progress, cell_dir_name, plan, run_sweep};
use crate::harness::violation::ViolationKind;
use hemisim_reports::output_dir::Manifest;
use hemisim_reports::sweep::{Axis, CellResult, SweepInfo, ViolationNote, write_cell, write_sweep};
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
    if let Err(e) = one_seed(args.seed, &args.set) {
        errln!("error: {e}");
        return Exit::BadInput;
    }
    let plan = match plan(&args.scenario, &args.set, &args.grid, args.seed, args.runs) {
        Ok(plan) => plan,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let first = &plan.cells[0].scenario;
    let out_dir =
        args.out.clone().unwrap_or_else(|| PathBuf::from("reports/out").join(format!("{}-sweep", first.name)));
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let total_runs = plan.cells.len() * args.runs as usize;
    outln!("hemisim sweep: scenario {} ({} s simulated per run)", first.name, first.duration_s);
    outln!(
        "base seed {}, {} × {} = {} on {}",
        plan.base_seed,
        count(plan.cells.len(), "cell", "cells"),
        count(args.runs as usize, "run", "runs"),
        count(total_runs, "run", "runs"),
        count(jobs.min(total_runs), "thread", "threads")
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
    tracing::info!("writing into {}", out_dir.display());
    // Before simulating: a bad --out fails now, not after every cell.
    let staging = match output::begin(&out_dir) {
        Ok(staging) => staging,
        Err(exit) => return exit,
    };

    let started = std::time::Instant::now();
    let outcomes = simulate(&plan, &args, jobs, staging.path());
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
    let info = sweep_info(&plan, &args, first.name.clone());
    // The completed cells' summaries are kept even when the sweep is not complete.
    let written = if exit == Exit::Incomplete {
        errln!(
            "error: {} of {} did not complete; sweep.csv and sweep.json were not written",
            plan.cells.len() - cells.len(),
            count(plan.cells.len(), "cell", "cells")
        );
        None
    } else {
        write_sweep_and_report(staging.path(), &info, &cells).inspect_err(|e| output::report_error(e)).ok()
    };
    let files = match output::finish(staging, Manifest::for_sweep(&info, &cells, written.is_some())) {
        Ok(files) => files,
        Err(exit) => return exit,
    };
    if written.is_none() {
        return Exit::Incomplete;
    }
    outln!(
        "wrote {} ({}) to {}",
        count(files, "file", "files"),
        count(cells.len(), "cell summary", "cell summaries"),
        out_dir.display()
    );
    outln!("trace fingerprint {}", hemisim_reports::sweep::sweep_fingerprint(&cells));
    let violated = cells.iter().filter(|c| !c.violations.is_empty()).count();
    if violated > 0 {
        outln!(
            "{violated} of {} had invariant violations (see above, and sweep.json)",
            count(cells.len(), "cell", "cells")
        );
    }
    outln!("perf: {} in {:.2} s wall", count(total_runs, "run", "runs"), started.elapsed().as_secs_f64());
    // sweep.json's line leaves --out out (the file sits in that folder, and stays the same bytes
    // wherever the sweep is written); the printed one names it.
    outln!("replay: {}{}", info.replay, out_flag(args.out.as_deref()));
    exit
}

/// The sweep's table, index and figure, then the pages (the sweep's and each cell's), which
/// show them.
fn write_sweep_and_report(
    dir: &Path,
    info: &SweepInfo,
    cells: &[CellResult],
) -> Result<(), hemisim_reports::ReportError> {
    write_sweep(dir, info, cells)?;
    hemisim_reports::report::write_report(dir)?;
    Ok(())
}

/// Runs the sweep with a progress bar; each cell's outputs are written as it finishes.
fn simulate(plan: &Plan, args: &SweepArgs, jobs: usize, out_dir: &Path) -> Vec<CellOutcome> {
    let progress = Progress::new(jobs);
    let counters = progress.counters();
    let total_us: u64 = plan.cells.iter().map(|c| c.scenario.duration_s * 1_000_000 * u64::from(args.runs)).sum();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| progress::watch(&counters, total_us, &done));
        let outcomes = run_sweep(plan, args.runs, &RunOptions::default(), &progress, |cell, outputs| {
            finish_cell(plan, args, out_dir, cell, outputs)
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
                    let kind = kind_name(v.kind);
                    outcome.messages.push(format!(
                        "cell {} ({}): {kind} violation (seed {seed}): {}\n  replay: {replay}",
                        cell.index, cell.label, v.message
                    ));
                    outcome.exit = worse(
                        outcome.exit,
                        if v.kind == ViolationKind::Safety { Exit::Safety } else { Exit::Liveness },
                    );
                    violations.push(ViolationNote {
                        kind: kind.to_owned(),
                        seed,
                        message: v.message,
                        replay: replay.clone(),
                    });
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
    let dir = format!("cells/{}", cell_dir_name(cell.index, &cell.label));
    let replay = replay_run(plan, args, cell, cell.seed, args.runs);
    let scenario = ScenarioFile { scenario: &cell.scenario, replay: replay.clone() };
    match write_cell(&out_dir.join(&dir), &records).and_then(|m| scenario.write(&out_dir.join(&dir)).map(|()| m)) {
        Ok(metrics) => {
            tracing::info!(
                "cell {} ({}) finished: {}, summary in {dir}",
                cell.index,
                cell.label,
                count(records.len(), "run", "runs")
            );
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
