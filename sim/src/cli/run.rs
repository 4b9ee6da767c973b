//! `hemisim run`: load, simulate (with replications), check, write outputs, print the replay line.

use super::args::RunArgs;
use super::progress;
use super::{count, one_seed, out_flag, sets_seed, Exit};
use crate::harness::checks::ViolationKind;
use crate::harness::replicate::run_replications;
use crate::harness::runner::{RunOptions, RunOutput};
use crate::harness::seeds::replication_seed;
use crate::scenario::{Override, Scenario, ScenarioError};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

pub fn run(args: RunArgs) -> Exit {
    if let Err(e) = one_seed(args.seed, &args.set) {
        eprintln!("error: {e}");
        return Exit::BadInput;
    }
    let (scenario, seed) = match load(&args) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let out_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("reports/out").join(&scenario.name));
    println!("hemisim run: scenario {} ({} s simulated), scenario hash {}", scenario.name, scenario.duration_s, scenario.hash_hex());
    println!("seed {seed}{}", if args.runs > 1 { format!(", {} replications", args.runs) } else { String::new() });
    tracing::debug!("resolved scenario:\n{}", scenario.to_toml_string().unwrap_or_default().trim_end());

    let outputs = simulate(&scenario, seed, &args, &out_dir);
    let mut records = Vec::with_capacity(outputs.len());
    let mut provenances = Vec::new();
    let mut exit = Exit::Ok;
    for (i, output) in outputs.into_iter().enumerate() {
        let run_seed = replication_seed(seed, i as u32);
        match output {
            Ok(RunOutput { record, violations, provenance }) => {
                for v in &violations {
                    eprintln!("{} violation (seed {run_seed}): {}", kind_name(v.kind), v.message);
                    eprintln!("  replay: {}", replay_line(&args, run_seed, 1));
                    exit = worse(exit, if v.kind == ViolationKind::Safety { Exit::Safety } else { Exit::Liveness });
                }
                if let Some(p) = provenance {
                    // One run: beside its outputs; replications: in each one's own directory.
                    let dir = if args.runs > 1 { hemisim_reports::run_dir(&out_dir, run_seed) } else { out_dir.clone() };
                    provenances.push((dir, p));
                }
                records.push(record);
            }
            Err(e) => {
                eprintln!("error: replication with seed {run_seed} did not complete: {e}");
                eprintln!("  replay: {}", replay_line(&args, run_seed, 1));
                return Exit::Incomplete;
            }
        }
    }
    let written = match hemisim_reports::write_outputs(&out_dir, &records) {
        Ok(written) => written,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Incomplete;
        }
    };
    let mut files = written.files.len();
    for (dir, p) in &provenances {
        match crate::provenance::write(dir, p) {
            Ok(paths) => {
                tracing::info!("wrote {} of provenance to {}", count(paths.len(), "file", "files"), dir.display());
                files += paths.len();
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Incomplete;
            }
        }
    }
    for path in &written.files {
        tracing::debug!("wrote {}", path.display());
    }
    println!("wrote {} to {}", count(files, "file", "files"), out_dir.display());
    print_result(&records, &written.summary);
    println!("replay: {}", replay_line(&args, seed, args.runs));
    exit
}

fn load(args: &RunArgs) -> Result<(Scenario, u64), ScenarioError> {
    let overrides = args.set.iter().map(|s| Override::parse(s)).collect::<Result<Vec<_>, _>>()?;
    let mut scenario = Scenario::load(&args.scenario, &overrides)?;
    // The resolved scenario carries the seed actually used, so its hash names this run's setup.
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let seed = scenario.seed;
    Ok((scenario, seed))
}

fn simulate(scenario: &Scenario, seed: u64, args: &RunArgs, out_dir: &std::path::Path) -> Vec<Result<RunOutput, crate::harness::runner::RunError>> {
    let progress_us: Vec<Arc<AtomicU64>> = (0..args.runs).map(|_| Arc::new(AtomicU64::new(0))).collect();
    let options = RunOptions { trace_file: args.trace.then(|| out_dir.join("trace.jsonl")), progress_us: None };
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    tracing::info!("simulating {} on {} into {}", count(args.runs as usize, "replication", "replications"), count(jobs.min(args.runs as usize), "thread", "threads"), out_dir.display());
    let done = AtomicBool::new(false);
    let total_us = scenario.duration_s * 1_000_000 * args.runs as u64;
    std::thread::scope(|scope| {
        scope.spawn(|| progress::watch(&progress_us, total_us, &done));
        let results = run_replications(scenario, seed, args.runs, jobs, &options, &progress_us);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        results
    })
}

fn print_result(records: &[hemisim_reports::record::RunRecord], summary: &hemisim_reports::Summary) {
    if records.len() == 1 {
        println!("trace hash {}", records[0].meta.trace_hash);
    } else {
        for r in records {
            println!("trace hash {} (seed {})", r.meta.trace_hash, r.meta.seed);
        }
    }
    // The headline numbers; summary.json has them all, with their intervals.
    for line in headline(summary) {
        println!("{line}");
    }
}

/// One line per area: what a user checks first after a run.
fn headline(s: &hemisim_reports::Summary) -> Vec<String> {
    let num = |x: Option<f64>, digits: usize| x.map_or("n/a".to_owned(), |v| format!("{v:.digits$}"));
    let b = &s.btc;
    let mut lines = vec![format!(
        "bitcoin: {} blocks ({} on the main chain, stale rate {}), {} reorgs (deepest {}), mean interval {} s",
        b.blocks_total, b.blocks_main, num(b.stale_rate, 4), b.reorgs, b.reorg_depth_max, num(b.block_interval_mean_s, 0)
    )];
    if let Some(a) = &s.attack {
        lines.push(match a.revenue_share {
            Some(share) if a.trials == 0 => format!("attack: revenue share {share:.4} (expected {})", num(a.expected_revenue_share, 4)),
            _ => format!("attack: {} of {} races won, rate {} (expected {})", a.successes, a.trials, num(a.success_rate, 4), num(a.expected_success_rate, 4)),
        });
    }
    if let Some(l) = &s.l2 {
        lines.push(format!(
            "l2: {} blocks, {} txs ({} tx/s), fullness {}, latency p50 {} s, {} blocks verified, {} state-root mismatches",
            l.blocks, l.txs_included, num(l.tps, 2), num(l.block_fullness_mean, 3), num(l.tx_inclusion_latency_p50_s, 1), l.blocks_verified, l.state_root_mismatches
        ));
    }
    if let Some(pop) = &s.pop {
        let (got, expected) = (&pop.superfinality_latency_s, &pop.superfinality_latency_expected_s);
        lines.push(format!(
            "pop: {} keystones, {} published ({} publications), superfinality mean {} s p95 {} s (uncontended closed form {} s, {} s), {} blocks pending, fees {} sat/day, {} fee deferrals",
            pop.keystones,
            pop.keystones_published,
            pop.publications,
            num(got.mean, 0),
            num(got.p95, 0),
            num(expected.mean, 0),
            num(expected.p95, 0),
            pop.blocks_pending,
            num(pop.fees_sats_per_day, 0),
            pop.fee_deferrals
        ));
    }
    if let Some(summary) = &s.tunnel {
        let t = &summary.totals;
        let btc = |sats: u64| format!("{:.8}", sats as f64 / 1e8);
        lines.push(format!(
            "tunnel: {} deposits, {} minted ({} BTC, mint p50 {} s), {} withdrawals, {} payouts ({} before superfinality), locked {} BTC, {} losses ({} BTC), {} book violations",
            t.deposits,
            t.mints,
            btc(t.minted_sats),
            num(summary.mint_latency_s.p50, 0),
            t.withdrawals,
            t.payouts,
            t.payouts_before_superfinal,
            btc(t.locked_sats),
            t.losses,
            btc(t.lost_sats),
            t.invariant_violations
        ));
    }
    let p = &s.perf;
    lines.push(format!(
        "perf: {:.0} simulated s in {:.2} s wall ({} sim s per wall s, {} events per wall s)",
        s.sim_time_s, p.wall_time_s, num(p.sim_seconds_per_wall_second, 0), num(p.events_per_wall_second, 0)
    ));
    lines
}

/// One shell line that replays this run exactly (`--seed` carries the seed, so a `--set seed=` is
/// left out). With the command's own `runs` it is the whole command, into the same `--out` (and
/// `--trace`); a single replication of `--runs N` goes to the default folder instead, leaving the
/// pooled outputs alone.
fn replay_line(args: &RunArgs, seed: u64, runs: u32) -> String {
    let mut line = format!("hemisim run {} --seed {seed}", shell_quote(&args.scenario.display().to_string()));
    for set in args.set.iter().filter(|s| !sets_seed(s)) {
        line.push_str(&format!(" --set {}", shell_quote(set)));
    }
    if runs > 1 {
        line.push_str(&format!(" --runs {runs}"));
    }
    if runs == args.runs {
        line.push_str(&out_flag(args.out.as_deref()));
        if args.trace {
            line.push_str(" --trace");
        }
    }
    line
}

pub(super) fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,:+".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

pub(super) fn kind_name(kind: ViolationKind) -> &'static str {
    match kind {
        ViolationKind::Safety => "safety",
        ViolationKind::Liveness => "liveness",
    }
}

/// Safety outranks liveness: a run that broke both exits 1.
pub(super) fn worse(a: Exit, b: Exit) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Safety => 3,
        Exit::Liveness => 2,
        Exit::Ok => 0,
        _ => 1,
    };
    if rank(b) > rank(a) { b } else { a }
}
