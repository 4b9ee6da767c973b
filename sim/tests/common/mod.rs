//! Helpers shared by the integration tests: running scenarios in-process or as the real binary.

#![allow(dead_code)]

pub mod trace;

use hemisim::harness::replicate::run_replications;
use hemisim::harness::runner::{RunOptions, RunOutput, run_once};
use hemisim::harness::sweep::Progress;
use hemisim::scenario::{Override, Scenario};
use hemisim_reports::record::RunRecord;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn scenario_path(name: &str) -> PathBuf {
    repo_root().join("scenarios").join(format!("{name}.toml"))
}

/// Loads `scenarios/<name>.toml` with `--set`-style overrides.
pub fn scenario(name: &str, sets: &[&str]) -> Scenario {
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).expect("test override is valid")).collect();
    Scenario::load(&scenario_path(name), &overrides).expect("test scenario is valid")
}

/// One run; fails the test on any invariant violation, printing the replay line.
pub fn run(scenario: &Scenario, seed: u64) -> RunRecord {
    let RunOutput { record, violations, .. } = run_once(scenario, seed, RunOptions::default()).expect("run completes");
    assert!(
        violations.is_empty(),
        "violations with seed {seed}: {violations:?}\n  replay: hemisim run scenarios/{}.toml --seed {seed}",
        scenario.name
    );
    record
}

/// `runs` replications from `seed` (as `--runs`).
pub fn replications(scenario: &Scenario, seed: u64, runs: u32) -> Vec<RunRecord> {
    run_replications(scenario, seed, runs, &RunOptions::default(), &Progress::new(2))
        .into_iter()
        .map(|r| {
            let out = r.expect("run completes");
            assert!(out.violations.is_empty(), "violations with seed {}: {:?}", out.record.meta.seed, out.violations);
            out.record
        })
        .collect()
}

/// The batch schedulers' variables a sweep takes its shard from (`hemisim::cli::shard`).
const SCHEDULER_VARS: [&str; 5] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
];

/// Runs the `hemisim` binary built for this test run.
pub fn hemisim(args: &[&str]) -> Output {
    hemisim_with_env(args, &[])
}

/// Runs the `hemisim` binary with `env` set, and without the schedulers' variables of the test's
/// own environment (a suite run inside a Slurm job array would otherwise shard every sweep).
pub fn hemisim_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hemisim"));
    for var in SCHEDULER_VARS {
        command.env_remove(var);
    }
    command.args(args).envs(env.iter().copied()).current_dir(repo_root()).output().expect("the hemisim binary runs")
}

/// A process's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every command's bad-input contract: exit code 2 and one line on stderr starting `error: `,
/// never a panic. Returns the line; `context` (the command, say) goes into failure messages.
pub fn refused_line(out: &Output, context: &str) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit code for {context}; stderr: {stderr}{}", text(&out.stdout));
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{context}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{context}: one line expected: {stderr}");
    assert!(stderr.starts_with("error: "), "{context}: {stderr}");
    stderr.trim_end().to_owned()
}

/// A fresh, empty directory under cargo's scratch dir for integration tests (`target/tmp`).
/// Named by the test binary and `name`, not by process: a rerun reuses (empties) the same
/// directory instead of leaving one more behind, and `cargo clean` removes them all.
pub fn scratch_dir(name: &str) -> PathBuf {
    let binary = std::env::current_exe().ok().and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()));
    let binary = binary.unwrap_or_else(|| "test".to_owned());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hemisim-test-{binary}-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir is writable");
    dir
}

/// Two-sided 99% quantiles: normal, and Student's t for small samples.
pub const Z_99: f64 = 2.575829;

pub fn t_99(df: usize) -> f64 {
    const TABLE: [f64; 15] =
        [63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169, 3.106, 3.055, 3.012, 2.977, 2.947];
    TABLE.get(df.saturating_sub(1)).copied().unwrap_or(Z_99)
}

/// Mean and 99% t-interval of independent replications' values.
pub fn mean_ci99(xs: &[f64]) -> (f64, f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    let half = t_99(xs.len() - 1) * (var / n).sqrt();
    (mean, mean - half, mean + half)
}

/// Blocks not on the final main chain, and all blocks.
pub fn stale_and_total(record: &RunRecord) -> (u64, u64) {
    let total = record.btc.blocks.len() as u64;
    let main = record.btc.blocks.iter().filter(|b| b.main_chain).count() as u64;
    (total - main, total)
}

/// Every file under `dir`, relative with `/`, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("listable") {
            let p = entry.expect("readable").path();
            if p.is_dir() {
                pending.push(p);
            } else {
                found.push(p.strip_prefix(dir).expect("below").to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

/// Every output file's bytes, keyed by path relative to `dir`; `summary.json` without its
/// wall-clock fields.
pub fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let read = |name: String| {
        let bytes = std::fs::read(dir.join(&name)).expect("readable output");
        let bytes = if name.ends_with("summary.json") { without_wall_clock(&bytes) } else { bytes };
        (name, bytes)
    };
    files(dir).into_iter().map(read).collect()
}

/// `path` as a command-line argument.
pub fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `hemisim merge PARTIAL... --out OUT`: joins shard directories of a sweep or a swarm.
pub fn merge(partials: &[PathBuf], out: &Path) -> Output {
    let mut args = vec!["merge"];
    args.extend(partials.iter().map(|p| utf8(p)));
    args.extend(["--out", utf8(out)]);
    hemisim(&args)
}

/// A partial directory's `shard.json`, parsed.
pub fn shard_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("shard.json")).expect("shard.json written")).expect("JSON")
}

/// Writes `text` to `dir/name` (a scenario for the binary to read) and returns its path.
pub fn scenario_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp dir is writable");
    path
}

pub fn without_wall_clock(summary: &[u8]) -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(summary).expect("summary is JSON");
    let object = json.as_object_mut().expect("summary is an object");
    assert!(object.remove("wall_time_s").is_some() && object.remove("perf").is_some(), "summary has wall-clock fields");
    serde_json::to_vec_pretty(&json).expect("serialisable")
}
