//! `hemisim compare` through the real binary: identical runs, a real regression (a longer
//! keystone interval slows superfinality), and folders it must refuse.

mod common;

use common::*;
use std::path::Path;
use std::process::Output;

/// The quickstart shortened to 6 hours, 4 replications (a few seconds), into `out`.
fn quickstart(out: &Path, sets: &[&str]) {
    let mut args = vec!["run", "scenarios/quickstart.toml", "--set", "duration_s=21600", "--runs", "4"];
    for set in sets {
        args.extend(["--set", set]);
    }
    args.extend(["--out", out.to_str().expect("utf-8 path")]);
    let run = hemisim(&args);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
}

fn compare(baseline: &Path, new: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["compare", baseline.to_str().expect("utf-8"), new.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    hemisim(&args)
}

#[test]
fn same_seed_is_identical_and_a_longer_keystone_interval_is_a_superfinality_regression() {
    let dir = scratch_dir("compare");
    let (base, again, slower) = (dir.join("base"), dir.join("again"), dir.join("slower"));
    quickstart(&base, &[]);
    quickstart(&again, &[]);
    quickstart(&slower, &["pop.keystone_interval_blocks=50"]);

    let same = compare(&base, &again, &[]);
    let stdout = text(&same.stdout);
    assert_eq!(same.status.code(), Some(0), "{stdout}{}", text(&same.stderr));
    assert!(stdout.contains("identical: same trace hash"), "{stdout}");

    let (json, junit) = (dir.join("compare.json"), dir.join("compare.xml"));
    let args = ["--json", json.to_str().expect("utf-8"), "--junit", junit.to_str().expect("utf-8")];
    let worse = compare(&base, &slower, &args);
    let (stdout, stderr) = (text(&worse.stdout), text(&worse.stderr));
    assert_eq!(worse.status.code(), Some(5), "{stdout}{stderr}");
    assert!(stderr.starts_with("regression: ") && stderr.contains("pop.superfinality_latency_s.mean"), "{stderr}");
    let row = stdout.lines().find(|l| l.starts_with("pop.superfinality_latency_s.mean")).expect("a row");
    assert!(row.contains("regressed") && row.contains("paired t="), "{row}");
    // Half as many keystones: half the PoP fees, an improvement rather than a regression.
    let fees = stdout.lines().find(|l| l.starts_with("pop.fees_sats_per_day")).expect("a row");
    assert!(fees.contains("improved"), "{fees}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("--json written")).expect("JSON");
    assert_eq!(json["identical"], false);
    assert_eq!(json["alpha"], 0.01);
    let rows = json["rows"].as_array().expect("rows");
    let latency = rows.iter().find(|r| r["metric"] == "pop.superfinality_latency_s.mean").expect("row");
    assert_eq!(latency["verdict"], "regressed");
    assert!(latency["change_pct"].as_f64().expect("a number") > 1.0, "{latency}");
    let xml = std::fs::read_to_string(&junit).expect("--junit written");
    assert!(xml.contains("failures=\"2\""), "{xml}");
    assert!(xml.contains("name=\"pop.superfinality_latency_s.mean\"><failure message=\"regressed: baseline "), "{xml}");
    // A tolerance wider than the change (about 2.5%) lets it pass.
    let tolerant = compare(&base, &slower, &["--tolerance", "10"]);
    assert_eq!(tolerant.status.code(), Some(0), "{}", text(&tolerant.stdout));
    // So does a per-metric tolerance for the two superfinality rows alone (quoted and nested keys).
    let file = dir.join("tolerances.toml");
    std::fs::write(&file, "\"pop.superfinality_latency_s.mean\" = 10\n[pop.superfinality_latency_s]\np95 = 10.0\n")
        .expect("writable");
    let per_metric = compare(&base, &slower, &["--tolerances", file.to_str().expect("utf-8")]);
    let stdout = text(&per_metric.stdout);
    assert_eq!(per_metric.status.code(), Some(0), "{stdout}{}", text(&per_metric.stderr));
    let row = stdout.lines().find(|l| l.starts_with("pop.superfinality_latency_s.mean")).expect("a row");
    assert!(row.contains("within-tolerance") && row.ends_with("tolerance 10%"), "{row}");
    // ... while --tolerance still holds for every other metric: 0 makes the fees' change count.
    std::fs::write(&file, "\"pop.superfinality_latency_s.mean\" = 0\n").expect("writable");
    let tight = compare(&base, &slower, &["--tolerances", file.to_str().expect("utf-8"), "--tolerance", "10"]);
    assert_eq!(tight.status.code(), Some(5), "{}", text(&tight.stdout));
    assert_eq!(text(&tight.stderr).trim_end(), "regression: pop.superfinality_latency_s.mean");
}

/// Runs `hemisim compare` and checks the bad-input contract; returns the one line.
fn refused(baseline: &Path, new: &Path, extra: &[&str]) -> String {
    refused_line(&compare(baseline, new, extra), &format!("compare {extra:?}"))
}

#[test]
fn folders_that_are_not_complete_run_outputs_are_refused() {
    let dir = scratch_dir("compare-bad");
    let run = dir.join("run");
    let one = hemisim(&[
        "run",
        "scenarios/quickstart.toml",
        "--set",
        "duration_s=3600",
        "--out",
        run.to_str().expect("utf-8"),
    ]);
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    let manifest = std::fs::read_to_string(run.join("manifest.json")).expect("a manifest");
    let with_manifest = |name: &str, text: String| {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).expect("writable");
        std::fs::write(folder.join("manifest.json"), text).expect("writable");
        folder
    };

    let missing = dir.join("missing");
    assert!(refused(&missing, &run, &[]).contains("BASELINE") && refused(&missing, &run, &[]).contains("not a folder"));
    let foreign = dir.join("foreign");
    std::fs::create_dir_all(&foreign).expect("writable");
    assert!(refused(&run, &foreign, &[]).contains("NEW"));
    assert!(refused(&run, &foreign, &[]).contains("not a hemisim output folder"));
    let incomplete = with_manifest("incomplete", manifest.replace("\"complete\": true", "\"complete\": false"));
    assert!(refused(&run, &incomplete, &[]).contains("an incomplete output"));
    let sweep = with_manifest("sweep", manifest.replace("\"command\": \"run\"", "\"command\": \"sweep\""));
    assert!(refused(&run, &sweep, &[]).contains("compare like with like"));
    let no_summary = with_manifest("no-summary", manifest.clone());
    assert!(refused(&run, &no_summary, &[]).contains("summary.json: cannot read"));
    assert!(refused(&run, &run, &["--tolerance", "-1"]).contains("--tolerance -1"));

    let tolerances = dir.join("tolerances.toml");
    let path = tolerances.to_str().expect("utf-8");
    std::fs::write(&tolerances, "\"pop.superfinality_latency\" = 5\n").expect("writable");
    let unknown = refused(&run, &run, &["--tolerances", path]);
    assert!(
        unknown.contains(path)
            && unknown.contains("key \"pop.superfinality_latency\" is not a compared metric")
            && unknown.contains(" btc.stale_rate btc.reorgs "),
        "{unknown}"
    );
    std::fs::write(&tolerances, "\"btc.reorgs\" = \"five\"\n").expect("writable");
    assert!(refused(&run, &run, &["--tolerances", path]).contains("key \"btc.reorgs\": \"five\" is not a percentage"));
    std::fs::write(&tolerances, "\"btc.reorgs\" = -2\n").expect("writable");
    assert!(refused(&run, &run, &["--tolerances", path]).contains("-2 is not a percentage, 0 or more"));
    std::fs::write(&tolerances, "btc.reorgs = \n").expect("writable");
    assert!(refused(&run, &run, &["--tolerances", path]).contains("not TOML"));
    let missing = dir.join("no-such.toml");
    assert!(refused(&run, &run, &["--tolerances", missing.to_str().expect("utf-8")]).contains("cannot read"));
}

/// A 1-hour sweep of the quickstart over `grid`, 2 runs a cell, into `out`.
fn sweep(out: &Path, grid: &str, sets: &[&str]) {
    let mut args =
        vec!["sweep", "scenarios/quickstart.toml", "--set", "duration_s=3600", "--runs", "2", "--grid", grid];
    for set in sets {
        args.extend(["--set", set]);
    }
    args.extend(["--out", out.to_str().expect("utf-8 path")]);
    let run = hemisim(&args);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
}

#[test]
fn sweeps_are_compared_cell_by_cell_matched_by_label() {
    let dir = scratch_dir("compare-sweep");
    let (base, grown, other) = (dir.join("base"), dir.join("grown"), dir.join("other"));
    sweep(&base, "l2.block_time_s=6,12", &[]);
    // More keystones (every 10 L2 blocks instead of 25) cost more PoP fees; the grid gained a cell.
    sweep(&grown, "l2.block_time_s=6,12,24", &["pop.keystone_interval_blocks=10"]);
    sweep(&other, "bitcoin.miners=4,8", &[]);

    let same = compare(&base, &base, &[]);
    assert_eq!(same.status.code(), Some(0));
    assert!(text(&same.stdout).contains("identical: same trace hash"));

    let worse = compare(&base, &grown, &[]);
    let (stdout, stderr) = (text(&worse.stdout), text(&worse.stderr));
    assert_eq!(worse.status.code(), Some(5), "{stdout}{stderr}");
    assert!(stdout.contains("not compared: cells only in BASELINE: none; only in NEW: l2.block_time_s=24"), "{stdout}");
    assert!(stdout.contains("cell l2.block_time_s=6:") && stdout.contains("cell l2.block_time_s=12:"), "{stdout}");
    assert!(
        stderr.contains("l2.block_time_s=6: pop.fees_sats_per_day")
            && stderr.contains("l2.block_time_s=12: pop.fees_sats_per_day"),
        "{stderr}"
    );

    assert!(refused(&base, &other, &[]).contains("no sweep cell in common"));
    let run = dir.join("run");
    quickstart(&run, &[]);
    assert!(refused(&base, &run, &[]).contains("compare like with like"));
}

#[test]
fn compare_help_teaches_the_tests_and_exit_codes() {
    let help = hemisim(&["compare", "--help"]);
    let stdout = text(&help.stdout);
    assert_eq!(help.status.code(), Some(0));
    for needle in ["two-proportion z-test", "paired t-test", "Welch", "1% level", "--tolerance", "--junit", "5 a"] {
        assert!(stdout.contains(needle), "{needle} missing from:\n{stdout}");
    }
}
