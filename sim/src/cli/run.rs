//! `hemisim run`: load, simulate (with replications), check, write outputs, print the replay line.

use super::args::RunArgs;
use super::console::{errln, outln};
use super::{Exit, count, one_seed, out_flag, output, progress, sets_seed};
use crate::harness::replicate::run_replications;
use crate::harness::runner::{RunOptions, RunOutput};
use crate::harness::seeds::replication_seed;
use crate::harness::sweep::Progress;
use crate::harness::violation::ViolationKind;
use crate::provenance::{Provenance, RunRef};
use crate::scenario::{Override, Scenario, ScenarioError};
use hemisim_reports::ReportError;
use hemisim_reports::output_dir::Manifest;
use hemisim_reports::record::RunRecord;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

pub fn run(args: RunArgs) -> Exit {
    if let Err(e) = one_seed(args.seed, &args.set) {
        errln!("error: {e}");
        return Exit::BadInput;
    }
    let (scenario, seed) = match load(&args) {
        Ok(loaded) => loaded,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let out_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("reports/out").join(&scenario.name));
    outln!(
        "hemisim run: scenario {} ({} s simulated), scenario hash {}",
        scenario.name,
        scenario.duration_s,
        scenario.hash_hex()
    );
    outln!("seed {seed}{}", if args.runs > 1 { format!(", {} replications", args.runs) } else { String::new() });
    tracing::debug!("resolved scenario:\n{}", scenario.to_toml_string().unwrap_or_default().trim_end());
    // Before simulating: a bad --out fails now, not after the whole run.
    let staging = match output::begin(&out_dir) {
        Ok(staging) => staging,
        Err(exit) => return exit,
    };

    let outputs = simulate(&scenario, seed, &args, staging.path());
    let mut records = Vec::with_capacity(outputs.len());
    let mut provenances = Vec::new();
    let mut exit = Exit::Ok;
    for (i, output) in outputs.into_iter().enumerate() {
        let run_seed = replication_seed(seed, i as u32);
        match output {
            Ok(RunOutput { record, violations, stopped_at, provenance, .. }) => {
                for v in &violations {
                    errln!("{} violation (seed {run_seed}): {}", kind_name(v.kind), v.message);
                    errln!("  replay: {}", replay_line(&args, run_seed, 1));
                    exit = worse(exit, if v.kind == ViolationKind::Safety { Exit::Safety } else { Exit::Liveness });
                }
                if let Some(at) = stopped_at {
                    errln!("  the run stopped there, at t={at}s (--keep-going runs on past safety violations)");
                }
                if let Some(p) = provenance {
                    provenances.push((RunRef { seed: run_seed, trace_hash: record.meta.trace_hash.clone() }, p));
                }
                records.push(record);
            }
            Err(e) => {
                errln!("error: replication with seed {run_seed} did not complete: {e}");
                errln!("  replay: {}", replay_line(&args, run_seed, 1));
                errln!("  {} left as it was", out_dir.display());
                return Exit::Incomplete;
            }
        }
    }
    let written = write_run(staging.path(), &records, &provenances);
    if let Err(e) = &written {
        output::report_error(e);
    }
    let files = match output::finish(staging, Manifest::for_run(seed, &records, written.is_ok())) {
        Ok(files) => files,
        Err(exit) => return exit,
    };
    let Ok(summary) = written else {
        errln!(
            "  {} holds what was written ({}; manifest.json says \"complete\": false)",
            out_dir.display(),
            count(files, "file", "files")
        );
        return Exit::Incomplete;
    };
    outln!("wrote {} to {}", count(files, "file", "files"), out_dir.display());
    print_result(&records, &summary);
    outln!("replay: {}", replay_line(&args, seed, args.runs));
    exit
}

/// Writes the reports, then each run's provenance: beside the outputs for one run, in each
/// replication's own folder for several.
fn write_run(
    dir: &Path,
    records: &[RunRecord],
    provenances: &[(RunRef, Provenance)],
) -> Result<hemisim_reports::Summary, ReportError> {
    let written = hemisim_reports::write_outputs(dir, records)?;
    for (run, p) in provenances {
        let run_dir = if records.len() > 1 { hemisim_reports::run_dir(dir, run.seed) } else { dir.to_path_buf() };
        crate::provenance::write(&run_dir, p, run)?;
    }
    Ok(written.summary)
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

fn simulate(
    scenario: &Scenario,
    seed: u64,
    args: &RunArgs,
    out_dir: &Path,
) -> Vec<Result<RunOutput, crate::harness::runner::RunError>> {
    let options = RunOptions {
        trace_file: args.trace.then(|| out_dir.join("trace.jsonl")),
        progress_us: None,
        keep_going: args.keep_going,
    };
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    tracing::info!(
        "simulating {} on {} into {}",
        count(args.runs as usize, "replication", "replications"),
        count(jobs.min(args.runs as usize), "thread", "threads"),
        out_dir.display()
    );
    let done = AtomicBool::new(false);
    let total_us = scenario.duration_s * 1_000_000 * args.runs as u64;
    // Replications run as a one-cell sweep: one queue, one worker per job.
    let progress = Progress::new(jobs.clamp(1, args.runs as usize));
    let counters = progress.counters();
    std::thread::scope(|scope| {
        scope.spawn(|| progress::watch(&counters, total_us, &done));
        let results = run_replications(scenario, seed, args.runs, &options, &progress);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        results
    })
}

fn print_result(records: &[RunRecord], summary: &hemisim_reports::Summary) {
    if records.len() == 1 {
        outln!("trace hash {}", records[0].meta.trace_hash);
    } else {
        for r in records {
            outln!("trace hash {} (seed {})", r.meta.trace_hash, r.meta.seed);
        }
    }
    // The headline numbers; summary.json has them all, with their intervals.
    for line in headline(summary) {
        outln!("{line}");
    }
}

/// One line per area: what a user checks first after a run.
fn headline(s: &hemisim_reports::Summary) -> Vec<String> {
    let num = |x: Option<f64>, digits: usize| x.map_or("n/a".to_owned(), |v| format!("{v:.digits$}"));
    // A quantity with its unit, or "n/a" alone: an undefined value has no unit.
    let with_unit =
        |x: Option<f64>, digits: usize, unit: &str| x.map_or("n/a".to_owned(), |v| format!("{v:.digits$} {unit}"));
    let secs = |x: Option<f64>, digits: usize| with_unit(x, digits, "s");
    let b = &s.btc;
    let mut lines = vec![format!(
        "bitcoin: {} blocks ({} on the main chain, stale rate {}), {} reorgs (deepest {}), mean interval {}",
        b.blocks_total,
        b.blocks_main,
        num(b.stale_rate, 4),
        b.reorgs,
        b.reorg_depth_max,
        secs(b.block_interval_mean_s, 0)
    )];
    if let Some(a) = &s.attack {
        lines.push(match a.revenue_share {
            Some(share) if a.trials == 0 => {
                format!("attack: revenue share {share:.4} (expected {})", num(a.expected_revenue_share, 4))
            }
            _ => format!(
                "attack: {} of {} races won, rate {} (expected {})",
                a.successes,
                a.trials,
                num(a.success_rate, 4),
                num(a.expected_success_rate, 4)
            ),
        });
    }
    if let Some(l) = &s.l2 {
        lines.push(format!(
            "l2: {} blocks, {} txs ({} tx/s), fullness {}, latency p50 {}, {} blocks verified, {} state-root mismatches",
            l.blocks, l.txs_included, num(l.tps, 2), num(l.block_fullness_mean, 3), secs(l.tx_inclusion_latency_p50_s, 1), l.blocks_verified, l.state_root_mismatches
        ));
    }
    if let Some(pop) = &s.pop {
        let (got, expected) = (&pop.superfinality_latency_s, &pop.superfinality_latency_expected_s);
        let mean = match got.mean {
            None if pop.blocks_superfinal == 0 && pop.blocks_pending > 0 => "n/a (no block superfinal)".to_owned(),
            Some(m) if got.mean_is_lower_bound => {
                format!(">= {m:.0} s (a lower bound: the slowest blocks are still waiting)")
            }
            m => secs(m, 0),
        };
        lines.push(format!(
            "pop: {} keystones, {} published ({} publications), superfinality mean {mean} p95 {} (uncontended closed form {}, {}), {} blocks pending, fees {}, {} fee deferrals",
            pop.keystones,
            pop.keystones_published,
            pop.publications,
            secs(got.p95, 0),
            secs(expected.mean, 0),
            secs(expected.p95, 0),
            pop.blocks_pending,
            with_unit(pop.fees_sats_per_day, 0, "sat/day"),
            pop.fee_deferrals
        ));
    }
    if let Some(summary) = &s.tunnel {
        let t = &summary.totals;
        let btc = |sats: u64| format!("{:.8}", sats as f64 / 1e8);
        lines.push(format!(
            "tunnel: {} deposits, {} minted ({} BTC, mint p50 {}), {} withdrawals, {} payouts ({} before superfinality), locked {} BTC, {} losses ({} BTC), {} book violations",
            t.deposits,
            t.mints,
            btc(t.minted_sats),
            secs(summary.mint_latency_s.p50, 0),
            t.withdrawals,
            t.payouts,
            t.payouts_before_superfinal,
            btc(t.locked_sats),
            t.losses,
            btc(t.lost_sats),
            t.invariant_violations
        ));
    }
    if let Some(e) = &s.ethereum {
        lines.push(format!(
            "ethereum: {} blocks, {} of {} slots missed (rate {}, configured {}), {} deposits, {} batches",
            e.blocks,
            e.missed_slots,
            e.slots,
            num(e.missed_slot_rate, 4),
            e.missed_slot_rate_expected,
            e.deposits,
            e.batches
        ));
    }
    if let Some(c) = &s.censorship {
        lines.push(format!(
            "censorship: {} held ({} released by the sequencer), {} escaped, {} forced through the portal (escape to inclusion max {}), {} never included, {} bound violations",
            c.txs_censored,
            c.txs_included_by_sequencer,
            c.txs_escaped,
            c.txs_forced,
            secs(c.forced_latency_s.max, 0),
            c.txs_never_included,
            c.bound_violations
        ));
    }
    let p = &s.perf;
    lines.push(format!(
        "perf: {:.0} simulated s in {:.2} s wall ({} sim s per wall s, {} events per wall s)",
        s.sim_time_s,
        p.wall_time_s,
        num(p.sim_seconds_per_wall_second, 0),
        num(p.events_per_wall_second, 0)
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
    if args.keep_going {
        line.push_str(" --keep-going");
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
