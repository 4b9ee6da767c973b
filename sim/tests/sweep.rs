//! `hemisim sweep` as a user runs it: outputs that do not depend on `--jobs`, cell seeds that do
//! not move when an axis grows, a cell that `hemisim run` replays exactly, and bad grids refused
//! with one line and exit code 2 before anything runs.

mod common;

use common::*;
use std::path::Path;

/// Short runs of a small Bitcoin network with an empty L2: a 2×2 sweep takes a fraction of a second.
const SCENARIO: &str = "name = \"sweep-test\"\nseed = 3\nduration_s = 3600\n\n[bitcoin]\nblock_interval_s = 120\nminers = 4\n\n[l2]\nblock_time_s = 12\n";

/// Runs `hemisim sweep <scenario> <extra> --out <out>`; returns stdout, failing on a non-zero exit.
fn sweep(scenario: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["sweep", utf8(scenario), "--out", utf8(out)];
    args.extend_from_slice(extra);
    let result = hemisim(&args);
    let (stdout, stderr) = (String::from_utf8_lossy(&result.stdout), String::from_utf8_lossy(&result.stderr));
    assert!(result.status.success(), "hemisim {args:?} failed:\n{stdout}{stderr}");
    stdout.into_owned()
}

/// sweep.csv rows keyed by their grid values (columns 1 and 2): (seed, trace hash).
fn seeds_by_cell(out: &Path) -> Vec<(String, String, String)> {
    let csv = std::fs::read_to_string(out.join("sweep.csv")).expect("sweep.csv written");
    csv.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (format!("{},{}", f[1], f[2]), f[3].to_owned(), f[6].to_owned())
        })
        .collect()
}

#[test]
fn outputs_are_byte_identical_whatever_jobs_and_cells_keep_their_seeds() {
    let dir = scratch_dir("sweep-jobs");
    let scenario = scenario_file(&dir, "sweep-test.toml", SCENARIO);
    let grid =
        ["--grid", "l2.block_time_s=6,12", "--grid", "bitcoin.miners=2,4", "--runs", "2", "--set", "duration_s=1800"];
    let (one, two) = (dir.join("jobs1"), dir.join("jobs2"));
    let stdout = sweep(&scenario, &one, &[&grid[..], &["--jobs", "1"]].concat());
    sweep(&scenario, &two, &[&grid[..], &["--jobs", "2"]].concat());
    // No PoP in this scenario: the figure is the stale rate, named for it.
    assert!(!one.join("sweep_latency_cost.png").exists(), "a sweep without PoP draws no latency-cost chart");
    assert!(!one.join("sweep_rewrite.png").exists(), "no rewrite, no rewrite figure");
    for file in ["sweep.csv", "sweep.json", "sweep_stale_rate.svg", "sweep_stale_rate.png"] {
        let (a, b) = (std::fs::read(one.join(file)), std::fs::read(two.join(file)));
        assert!(a.is_ok() && a.ok() == b.ok(), "{file} differs between --jobs 1 and --jobs 2");
    }
    let csv = std::fs::read_to_string(one.join("sweep.csv")).expect("written");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "a header and 4 cells: {csv}");
    assert!(
        lines[0].starts_with("cell,l2.block_time_s,bitcoin.miners,seed,runs,violations,trace_hash,"),
        "{}",
        lines[0]
    );
    let cells: Vec<String> = lines[1..].iter().map(|l| l.split(',').take(3).collect::<Vec<_>>().join(",")).collect();
    assert_eq!(cells, ["0,6,2", "1,6,4", "2,12,2", "3,12,4"], "first --grid outermost");
    for dir_name in ["0-l2.block_time_s=6,bitcoin.miners=2", "3-l2.block_time_s=12,bitcoin.miners=4"] {
        assert!(one.join("cells").join(dir_name).join("summary.json").is_file(), "{dir_name}");
    }
    assert!(stdout.contains("base seed 3, 4 cells × 2 runs = 8 runs"), "{stdout}");
    assert!(stdout.contains("replay: hemisim sweep "), "{stdout}");

    // A third value on one axis: the four cells above keep their seeds and so their runs.
    let wider = dir.join("wider");
    sweep(
        &scenario,
        &wider,
        &[
            "--grid",
            "l2.block_time_s=6,12",
            "--grid",
            "bitcoin.miners=2,3,4",
            "--runs",
            "2",
            "--set",
            "duration_s=1800",
        ],
    );
    let before = seeds_by_cell(&one);
    let after = seeds_by_cell(&wider);
    assert_eq!(after.len(), 6);
    for cell in &before {
        assert!(after.contains(cell), "{cell:?} changed when bitcoin.miners got a third value: {after:?}");
    }

    // The replay line of a cell runs it again, to the same trace hash.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.join("sweep.json")).expect("written")).expect("JSON");
    let cell = &json["cells"][1];
    let replay = cell["replay"].as_str().expect("a replay line");
    let replayed = dir.join("replayed");
    let mut args: Vec<&str> = replay.split_whitespace().skip(1).collect();
    args.extend(["--out", utf8(&replayed)]);
    let out = hemisim(&args);
    assert!(out.status.success(), "{replay}: {}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(replayed.join("summary.json")).expect("written")).expect("JSON");
    assert_eq!(summary["trace_hash"], cell["trace_hash"], "{replay}");
    assert_eq!(summary["scenario_hash"], cell["scenario_hash"], "{replay}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs a sweep that must be refused; returns its one-line message.
fn refused(scenario: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["sweep", utf8(scenario), "--out", utf8(out)];
    args.extend_from_slice(extra);
    let line = refused_line(&hemisim(&args), &format!("{args:?}"));
    assert!(!out.exists(), "nothing is written for a refused sweep");
    line
}

#[test]
fn bad_grids_exit_2_naming_the_key_and_value_before_anything_runs() {
    let dir = scratch_dir("sweep-bad");
    let scenario = scenario_file(&dir, "sweep-test.toml", SCENARIO);
    let out = dir.join("out");
    let unknown = refused(&scenario, &out, &["--grid", "bitcoin.miners=2,4", "--grid", "bitcoin.minerz=1,2"]);
    assert!(unknown.starts_with("error: --grid bitcoin.minerz=1: unknown key (did you mean `miners`?)"), "{unknown}");
    let value = refused(&scenario, &out, &["--grid", "bitcoin.miners=4,0"]);
    assert_eq!(value, "error: --grid bitcoin.miners=0: expected an integer in 1..=1000, got 0");
    let twice = refused(&scenario, &out, &["--grid", "bitcoin.miners=2,4", "--set", "bitcoin.miners=8"]);
    assert!(twice.contains("--set bitcoin.miners=8 also sets this key"), "{twice}");
    let empty = refused(&scenario, &out, &["--grid", "bitcoin.miners="]);
    assert!(empty.contains("--grid bitcoin.miners: no values"), "{empty}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sweep_help_teaches_the_grid_and_the_outputs() {
    let help = String::from_utf8_lossy(&hemisim(&["sweep", "--help"]).stdout).into_owned();
    for text in [
        "--grid",
        "--set",
        "--runs",
        "--jobs",
        "--out",
        "--seed",
        "Examples:",
        "sweep.csv",
        "sweep.json",
        "sweep_latency_cost",
        "Exit codes",
    ] {
        assert!(help.contains(text), "sweep --help lacks {text}: {help}");
    }
}

/// The sweep the anchoring trade-off needs: L2 block time × keystone interval, with PoP on a fast
/// Bitcoin (θ = 60 s, so blocks become superfinal within the short runs). Same bytes whatever
/// `--jobs`, and the PoP columns are filled.
#[test]
fn an_anchoring_sweep_fills_the_pop_columns_and_does_not_depend_on_jobs() {
    let dir = scratch_dir("sweep-pop");
    let scenario = scenario_path("anchoring");
    let grid = [
        "--grid",
        "l2.block_time_s=2,12",
        "--grid",
        "pop.keystone_interval_blocks=5,25",
        "--runs",
        "2",
        "--set",
        "duration_s=14400",
        "--set",
        "bitcoin.block_interval_s=60",
        "--set",
        "bitcoin.background_tx_rate_per_s=0",
    ];
    let (one, two) = (dir.join("jobs1"), dir.join("jobs2"));
    sweep(&scenario, &one, &[&grid[..], &["--jobs", "1"]].concat());
    sweep(&scenario, &two, &[&grid[..], &["--jobs", "2"]].concat());
    for file in ["sweep.csv", "sweep.json", "sweep_latency_cost.svg", "sweep_latency_cost.png"] {
        let (a, b) = (std::fs::read(one.join(file)), std::fs::read(two.join(file)));
        assert!(a.is_ok() && a.ok() == b.ok(), "{file} differs between --jobs 1 and --jobs 2");
    }
    let csv = std::fs::read_to_string(one.join("sweep.csv")).expect("written");
    let header: Vec<&str> = csv.lines().next().expect("a header").split(',').collect();
    let column =
        |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}: {header:?}"));
    let (p50, fees) = (column("pop.superfinality_latency_s.p50_mean"), column("pop.fees_sats_per_day_mean"));
    assert!(!header.iter().any(|h| h.starts_with("rewrite_")), "no rewrite columns without a rewrite: {header:?}");
    assert!(!one.join("sweep_rewrite.svg").exists(), "no rewrite, no rewrite figure");
    let json = std::fs::read_to_string(one.join("sweep.json")).expect("written");
    assert!(!json.contains("rewrite_columns"), "sweep.json names the rewrite columns only in a rewrite sweep");
    for row in csv.lines().skip(1) {
        let f: Vec<&str> = row.split(',').collect();
        let latency: f64 = f[p50].parse().unwrap_or_else(|_| panic!("a p50 latency in {row}"));
        // P/2 + 11 θ is 665 to 810 s across these cells.
        assert!((400.0..1_200.0).contains(&latency), "{row}");
        assert!(f[fees].parse::<f64>().is_ok_and(|x| x > 0.0), "{row}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// For schedulers' logs: `--progress json` prints one object per finished cell on stderr, and
/// `--quiet` prints no per-cell line at all, not even `-v`'s.
#[test]
fn progress_json_is_one_object_per_cell_and_quiet_prints_none() {
    let dir = scratch_dir("sweep-progress");
    let scenario = scenario_file(&dir, "sweep-test.toml", SCENARIO);
    let grid = ["--grid", "bitcoin.miners=2,3,4", "--set", "duration_s=1800", "--jobs", "2"];
    let run = |out: &str, extra: &[&str]| {
        let out = dir.join(out);
        let mut args = vec!["sweep", utf8(&scenario), "--out", utf8(&out)];
        args.extend_from_slice(&grid);
        args.extend_from_slice(extra);
        let result = hemisim(&args);
        assert!(result.status.success(), "{args:?}: {}", text(&result.stderr));
        text(&result.stderr)
    };
    let stderr = run("json", &["--progress", "json"]);
    let lines: Vec<serde_json::Value> =
        stderr.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let done: Vec<u64> = lines.iter().map(|l| l["done"].as_u64().expect("done")).collect();
    assert_eq!(done, [1, 2, 3], "{stderr}");
    for line in &lines {
        assert_eq!((line["total"].as_u64(), line["failures"].as_u64()), (Some(3), Some(0)), "{line}");
        assert!(line["elapsed_s"].as_f64().is_some_and(|s| s >= 0.0), "{line}");
    }
    assert_eq!(lines[2]["eta_s"].as_f64(), Some(0.0), "nothing left after the last cell");

    let logged = run("verbose", &["-v"]);
    assert!(logged.contains("cell 1 (bitcoin.miners=3) finished"), "{logged}");
    let quiet = run("quiet", &["-v", "--quiet"]);
    assert!(!quiet.contains("cell 1 ("), "--quiet: {quiet}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A history-rewrite sweep (README "Can Hemi's history be rewritten?"): sweep.csv carries the
/// rewrite's columns, the figure is the success rate against q, and the columns say what each
/// rule did: under derivation every rewrite went through and reverted superfinal blocks, under
/// pop with a tenth of the hash rate (closed form (1/9)^4) none did and the verifiers reported
/// fork conflicts. (Not q = 0: see README "Can Hemi's history be rewritten?", the rewrite then
/// often wins under pop.)
#[test]
fn a_rewrite_sweep_has_the_rewrite_columns_and_figure() {
    let dir = scratch_dir("sweep-rewrite");
    let scenario = scenario_path("history-rewrite");
    let out = dir.join("out");
    let grid = ["--grid", "l2.fork_choice=derivation,pop", "--runs", "2", "--set", "attack.hashrate_share=0.1"];
    sweep(&scenario, &out, &grid);
    for file in ["sweep_rewrite.png", "sweep_rewrite.svg"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    assert!(!out.join("sweep_latency_cost.png").exists(), "a rewrite sweep draws the rewrite figure instead");
    let csv = std::fs::read_to_string(out.join("sweep.csv")).expect("written");
    let header: Vec<&str> = csv.lines().next().expect("a header").split(',').collect();
    let column =
        |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}: {header:?}"));
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    let value = |row: usize, name: &str| rows[row][column(name)];
    for (row, rule) in [(0, "derivation"), (1, "pop")] {
        assert_eq!(value(row, "rewrite_fork_choice"), rule);
        assert_eq!(value(row, "rewrite_publication_depth_blocks"), "3");
        assert_eq!(value(row, "rewrite_trials"), "2");
        assert!(value(row, "rewrite_success_rate_ci95_low").parse::<f64>().is_ok(), "{csv}");
        assert_eq!(value(row, "tunnel.lost_payouts_mean"), "", "history-rewrite has no tunnel");
    }
    assert_eq!((value(0, "rewrite_successes"), value(0, "rewrite_success_rate")), ("2", "1"));
    assert_eq!(value(0, "rewrite_closed_form"), "", "no closed form under derivation");
    assert!(value(0, "pop.superfinal_reverts_mean").parse::<f64>().is_ok_and(|x| x > 0.0), "{csv}");
    assert_eq!(value(1, "rewrite_successes"), "0");
    let closed_form: f64 = value(1, "rewrite_closed_form").parse().expect("a closed form under pop");
    assert!((closed_form - (1.0f64 / 9.0).powi(4)).abs() < 1e-12, "{csv}");
    assert_eq!(value(1, "pop.superfinal_reverts_mean"), "0");
    assert!(value(1, "l2.fork_conflicts_mean").parse::<f64>().is_ok_and(|x| x > 0.0), "{csv}");
    let json = std::fs::read_to_string(out.join("sweep.json")).expect("written");
    assert!(json.contains("\"rewrite_columns\"") && json.contains("\"pop.superfinal_reverts\""), "{json:.2000}");
    let _ = std::fs::remove_dir_all(dir);
}
