//! `hemisim swarm`: run a range of random worlds (or replay one), write `swarm.csv`,
//! `swarm.json` and every failing world's scenario file, print each failure with its replay
//! line and the coverage summary (`swarm_end`, shared with `hemisim merge`). With `--shard I/N`
//! only the shard's worlds run, into a partial directory (`swarm_shard`).

use super::args::SwarmArgs;
use super::console::{errln, outln};
use super::progress::{CellProgress, ProgressArgs};
use super::shard::Shard;
use super::swarm_end::{rows_exit, verdict_exit, write_whole_swarm};
use super::swarm_shard::{self, ShardResult, SwarmShardRun};
use super::{Exit, count, output};
use crate::harness::sweep::Progress;
use crate::scenario::SEED_MAX;
use crate::swarm::coverage::{Event, NOT_MODELLED};
use crate::swarm::generate::generate;
use crate::swarm::shrink::shrink;
use crate::swarm::verdict::{Judged, Verdict};
use crate::swarm::{Drawn, Outcome, run_and_judge};
use hemisim_reports::swarm::{SwarmFailure, SwarmInfo, SwarmRow};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The most worlds one swarm may run.
pub const MAX_WORLDS: u64 = 10_000_000;
/// How many variants `--shrink` runs per failing world at most.
pub const SHRINK_BUDGET: usize = 60;

pub fn run(args: SwarmArgs) -> Exit {
    if args.replay {
        return replay(args.seed.unwrap_or(0));
    }
    let (range, shard) = match start(&args) {
        Ok(started) => started,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let whole = whole_info(&range, args.shrink, jobs);
    let shard = shard.map(|shard| SwarmShardRun::new(shard, range.clone(), &whole));
    let seeds: Vec<u64> = range.clone().filter(|&seed| shard.as_ref().is_none_or(|run| run.holds(seed))).collect();
    let out_dir = args.out.clone().unwrap_or_else(|| match &shard {
        Some(run) => swarm_shard::default_out(run.shard),
        None => PathBuf::from("reports/out/swarm"),
    });
    print_header(&range, &seeds, shard.as_ref(), jobs, args.shrink);
    let staging = match output::begin(&out_dir) {
        Ok(staging) => staging,
        Err(exit) => return exit,
    };
    let started = std::time::Instant::now();
    let outcomes = simulate(&seeds, jobs, &args.progress);
    let wall_time_s = started.elapsed().as_secs_f64();
    let mut failures = Vec::new();
    let mut staged = Ok(());
    for outcome in outcomes.iter().filter(|o| o.judged.verdict.is_failure()) {
        match report_failure(outcome, args.shrink, staging.path(), &out_dir) {
            Ok(failure) => failures.push(failure),
            Err(e) => staged = Err(e),
        }
    }
    let rows: Vec<SwarmRow> = outcomes.iter().map(row).collect();
    let exit = rows_exit(&rows);
    let info = SwarmInfo { wall_time_s, ..whole };
    let ended = match &shard {
        Some(run) => swarm_shard::write_partial(staging, run, ShardResult { info, rows, failures, staged }, &out_dir),
        None => write_whole_swarm(staging, &info, range.start, &rows, &failures, staged, &out_dir),
    };
    match ended {
        Ok(()) => exit,
        Err(failed) => failed,
    }
}

/// Everything checked before anything runs: the seed range and the shard.
fn start(args: &SwarmArgs) -> Result<(Range<u64>, Option<Shard>), String> {
    let range = seed_range(args)?;
    let shard = args.shard.resolve().map_err(|e| e.to_string())?;
    Ok((range, shard))
}

/// The header of `swarm.json`, but for the wall time: the same for every shard of the swarm.
fn whole_info(range: &Range<u64>, shrink: bool, jobs: usize) -> SwarmInfo {
    SwarmInfo {
        seeds: format!("{}..{}", range.start, range.end),
        jobs,
        wall_time_s: 0.0,
        events: Event::ALL.iter().map(|e| e.name().to_owned()).collect(),
        not_modelled: NOT_MODELLED.iter().map(|s| s.to_string()).collect(),
        replay: format!(
            "hemisim swarm --seeds {}..{}{}",
            range.start,
            range.end,
            if shrink { " --shrink" } else { "" }
        ),
    }
}

fn print_header(range: &Range<u64>, seeds: &[u64], shard: Option<&SwarmShardRun>, jobs: usize, shrink: bool) {
    let total = (range.end - range.start) as usize;
    outln!(
        "hemisim swarm: seeds {}..{} ({}) on {}{}",
        range.start,
        range.end,
        count(total, "world", "worlds"),
        count(jobs.min(seeds.len().max(1)), "thread", "threads"),
        if shrink { ", failures shrunk" } else { "" }
    );
    if let Some(run) = shard {
        outln!(
            "shard {} of swarm {}: {} of {total}",
            run.shard,
            &run.swarm_id[..16],
            count(seeds.len(), "world", "worlds")
        );
    }
}

/// The seeds: `--seeds A..B`, or `--count` (default 100) from `--seed` (default 0).
fn seed_range(args: &SwarmArgs) -> Result<Range<u64>, String> {
    let range = match &args.seeds {
        Some(text) => parse_range(text)?,
        None => {
            let start = args.seed.unwrap_or(0);
            start..start.saturating_add(args.count.unwrap_or(100))
        }
    };
    if range.end - 1 > SEED_MAX {
        return Err(format!("the seeds {}..{} go past the largest seed, {SEED_MAX}", range.start, range.end));
    }
    if range.end - range.start > MAX_WORLDS {
        return Err(format!("{} worlds, more than {MAX_WORLDS}; split the range", range.end - range.start));
    }
    Ok(range)
}

/// `A..B`, B excluded and above A.
fn parse_range(text: &str) -> Result<Range<u64>, String> {
    let bad = || format!("--seeds {text}: expected A..B with integers 0 <= A < B (B excluded), e.g. --seeds 0..1000");
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let (a, b): (u64, u64) = (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
    if a >= b {
        return Err(bad());
    }
    Ok(a..b)
}

/// Runs the worlds with their progress shown (`--progress`, `--quiet`): worlds done, failures,
/// time left from the simulated time covered.
fn simulate(seeds: &[u64], jobs: usize, args: &ProgressArgs) -> Vec<Outcome> {
    let drawn = Drawn::new(seeds);
    let progress = Progress::new(jobs.clamp(1, seeds.len().max(1)));
    let worlds = CellProgress::new(args, drawn.runnable(), progress.counters(), drawn.simulated_us()).counting("world");
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| worlds.watch(&done));
        let outcomes = drawn.run(&progress, |seed, judged| {
            worlds.cell_finished(&format!("seed {seed}"), judged.verdict.is_failure());
        });
        done.store(true, Ordering::Relaxed);
        outcomes
    })
}

fn exit_of(verdict: &Verdict) -> Exit {
    verdict_exit(&verdict.name())
}

fn replay_line(seed: u64) -> String {
    format!("hemisim swarm --seed {seed} --replay")
}

/// Prints a failure, writes its scenario (and, with `--shrink`, the smallest variant) into the
/// staged folder, and returns its entry of `swarm.json`.
fn report_failure(
    outcome: &Outcome,
    with_shrink: bool,
    staged: &Path,
    out_dir: &Path,
) -> Result<SwarmFailure, hemisim_reports::ReportError> {
    let (seed, judged) = (outcome.seed, &outcome.judged);
    let message = judged.message.clone().unwrap_or_default();
    errln!("world {seed}: {}: {message}", judged.verdict.name());
    errln!("  replay: {}", replay_line(seed));
    let scenario_file = format!("failures/seed-{seed}.toml");
    let mut shrunk_file = None;
    if let Some(world) = &outcome.world {
        hemisim_reports::atomic::write_file(&staged.join(&scenario_file), world.draft.render().as_bytes())?;
        errln!("  scenario: {} (hemisim run it for every output)", out_dir.join(&scenario_file).display());
        if with_shrink && judged.verdict != Verdict::Nondeterminism {
            let source = format!("swarm world {seed} (shrinking)");
            if let Some(shrunk) = shrink(&world.draft, judged, SHRINK_BUDGET, &source, run_and_judge) {
                let file = format!("failures/seed-{seed}.shrunk.toml");
                let mut draft = shrunk.draft.clone();
                draft.header.push(format!(
                    "Shrunk by --shrink ({} variants run): {} tables, the same {} violation.",
                    shrunk.runs,
                    shrunk.tables(),
                    judged.verdict.name()
                ));
                hemisim_reports::atomic::write_file(&staged.join(&file), draft.render().as_bytes())?;
                errln!("  shrunk to {} tables: {}", shrunk.tables(), out_dir.join(&file).display());
                shrunk_file = Some(file);
            } else {
                errln!("  no smaller variant keeps this violation");
            }
        }
    }
    Ok(SwarmFailure {
        seed,
        verdict: judged.verdict.name(),
        message,
        replay: replay_line(seed),
        scenario_file,
        shrunk_file,
    })
}

fn row(outcome: &Outcome) -> SwarmRow {
    let judged = &outcome.judged;
    SwarmRow {
        seed: outcome.seed,
        scenario_hash: judged.scenario_hash.clone(),
        trace_hash: judged.trace_hash.clone().unwrap_or_default(),
        verdict: judged.verdict.name(),
        wall_s: judged.wall_s,
        covered: judged.covered.iter().map(|e| e.name().to_owned()).collect(),
        self_checked: outcome.self_checked,
    }
}

/// Reruns world `seed` alone: the same world and trace hash as in any swarm.
fn replay(seed: u64) -> Exit {
    let world = match generate(seed) {
        Ok(world) => world,
        Err(e) => {
            errln!("error: world {seed}: the generated world is invalid (a generator bug): {e}");
            return Exit::Incomplete;
        }
    };
    outln!("hemisim swarm: world {seed}, scenario hash {}", world.scenario.hash_hex());
    tracing::debug!("the world:\n{}", world.draft.render());
    let judged: Judged = run_and_judge(&world.scenario);
    outln!("trace hash {}", judged.trace_hash.as_deref().unwrap_or("none (the run did not complete)"));
    let covered: Vec<&str> = judged.covered.iter().map(|e| e.name()).collect();
    outln!("covered: {}", if covered.is_empty() { "nothing rare".to_owned() } else { covered.join(" ") });
    match &judged.message {
        Some(message) => outln!("verdict {}: {message}", judged.verdict.name()),
        None => outln!("verdict {}", judged.verdict.name()),
    }
    outln!("replay: {}", replay_line(seed));
    exit_of(&judged.verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_are_checked() {
        assert_eq!(parse_range("3..7"), Ok(3..7));
        assert_eq!(parse_range(" 0 .. 1"), Ok(0..1));
        for bad in ["7..3", "3..3", "3", "a..b", "-1..4", "1..2..3"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
        let args = |seed, count, seeds: Option<&str>| SwarmArgs {
            seed,
            count,
            seeds: seeds.map(str::to_owned),
            jobs: None,
            out: None,
            shrink: false,
            replay: false,
            shard: Default::default(),
            progress: Default::default(),
        };
        assert_eq!(seed_range(&args(None, None, None)), Ok(0..100));
        assert_eq!(seed_range(&args(Some(5), Some(2), None)), Ok(5..7));
        assert!(seed_range(&args(Some(SEED_MAX), Some(2), None)).is_err());
        assert_eq!(seed_range(&args(None, None, Some("10..20"))), Ok(10..20));
    }
}
