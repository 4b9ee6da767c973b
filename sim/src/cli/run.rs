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
    let replay_file = ScenarioFile { scenario: &scenario, replay: replay_command(&args, seed, args.runs, None) };
    let written = write_run(staging.path(), &records, &provenances, &replay_file);
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

/// Writes the reports, then each run's provenance (beside the outputs for one run, in each
/// replication's own folder for several), then the resolved scenario and, last, the page that
/// shows them all.
fn write_run(
    dir: &Path,
    records: &[RunRecord],
    provenances: &[(RunRef, Provenance)],
    scenario: &ScenarioFile,
) -> Result<hemisim_reports::Summary, ReportError> {
    let written = hemisim_reports::write_outputs(dir, records)?;
    for (run, p) in provenances {
        let run_dir = if records.len() > 1 { hemisim_reports::run_dir(dir, run.seed) } else { dir.to_path_buf() };
        crate::provenance::write(&run_dir, p, run)?;
    }
    scenario.write(dir)?;
    hemisim_reports::report::write_report(dir)?;
    Ok(written.summary)
}

/// `scenario.toml` of an output folder: the resolved scenario and the command that replays it
/// (without `--out`, so the file, and the page that shows it, are the same wherever the
/// outputs go).
pub(super) struct ScenarioFile<'a> {
    pub scenario: &'a Scenario,
    pub replay: String,
}

impl ScenarioFile<'_> {
    pub fn write(&self, dir: &Path) -> Result<(), ReportError> {
        use hemisim_reports::report::{SCENARIO_FILE, scenario_file_text};
        let path = dir.join(SCENARIO_FILE);
        let toml = self.scenario.to_toml_string().map_err(|e| ReportError::Write {
            path: path.clone(),
            source: std::io::Error::other(format!("the scenario does not serialise as TOML: {e}")),
        })?;
        hemisim_reports::atomic::write_file(&path, scenario_file_text(&toml, &self.replay).as_bytes())
    }
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
    for line in hemisim_reports::headline::area_lines(summary) {
        outln!("{line}");
    }
    outln!("{}", hemisim_reports::headline::perf_line(summary));
}

/// One shell line that replays this run exactly (`--seed` carries the seed, so a `--set seed=` is
/// left out). With the command's own `runs` it is the whole command, into the same `--out` (and
/// `--trace`); a single replication of `--runs N` goes to the default folder instead, leaving the
/// pooled outputs alone.
fn replay_line(args: &RunArgs, seed: u64, runs: u32) -> String {
    replay_command(args, seed, runs, args.out.as_deref())
}

/// [`replay_line`] with `out` in place of the command's `--out`.
fn replay_command(args: &RunArgs, seed: u64, runs: u32, out: Option<&Path>) -> String {
    let mut line = format!("hemisim run {} --seed {seed}", shell_quote(&args.scenario.display().to_string()));
    for set in args.set.iter().filter(|s| !sets_seed(s)) {
        line.push_str(&format!(" --set {}", shell_quote(set)));
    }
    if runs > 1 {
        line.push_str(&format!(" --runs {runs}"));
    }
    if runs == args.runs {
        line.push_str(&out_flag(out));
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
