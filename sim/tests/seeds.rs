//! Every seed the tool prints or writes can be given back: seeds are at most 2^53 - 1, so a JSON
//! tool that reads numbers as doubles (jq, JavaScript) keeps them exactly, and both `--seed` and
//! `--set seed=` accept them and run the same run again.

mod common;

use common::*;
use std::path::Path;

/// The largest seed (2^53 - 1), given as the base seed so derived seeds are tested at the edge.
const SEED_MAX: u64 = (1 << 53) - 1;

/// A small Bitcoin network with an empty L2: each run takes a fraction of a second.
const SCENARIO: &str = "name = \"seeds-test\"\nseed = 3\nduration_s = 1800\n\n[bitcoin]\nblock_interval_s = 120\nminers = 4\n\n[l2]\nblock_time_s = 12\n";

/// Runs `hemisim` and returns its stdout, failing the test unless it exits 0.
fn ok(args: &[&str]) -> String {
    let out = hemisim(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "hemisim {args:?} failed:\n{stdout}{stderr}");
    stdout.into_owned()
}

/// The seed a JSON value holds, checked to survive a double (as jq reads it) and the range.
fn json_safe_seed(value: &serde_json::Value, what: &str) -> u64 {
    let seed = value.as_u64().unwrap_or_else(|| panic!("{what} is not an unsigned integer: {value}"));
    assert!(seed <= SEED_MAX, "{what} {seed} is above 2^53 - 1");
    assert_eq!(value.as_f64().map(|x| x as u64), Some(seed), "{what} {seed} does not survive a double");
    seed
}

/// `(seed, trace hash)` of each row of a `runs.csv`.
fn runs_csv(dir: &Path) -> Vec<(u64, String)> {
    let csv = std::fs::read_to_string(dir.join("runs.csv")).expect("runs.csv written");
    csv.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[0].parse().unwrap_or_else(|_| panic!("a seed in {line}")), f[1].to_owned())
        })
        .collect()
}

#[test]
fn every_seed_written_survives_json_doubles_and_replays_through_seed_and_set_seed() {
    let dir = scratch_dir("seeds");
    let scenario = dir.join("seeds-test.toml");
    std::fs::write(&scenario, SCENARIO).expect("temp dir is writable");
    let sweep_out = dir.join("sweep");
    let base = SEED_MAX.to_string();
    ok(&[
        "sweep",
        utf8(&scenario),
        "--seed",
        &base,
        "--grid",
        "bitcoin.miners=2,4",
        "--runs",
        "2",
        "--out",
        utf8(&sweep_out),
    ]);

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sweep_out.join("sweep.json")).expect("written")).expect("JSON");
    assert_eq!(json_safe_seed(&json["base_seed"], "base_seed"), SEED_MAX);
    let cells = json["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 2);
    for cell in cells {
        let cell_seed = json_safe_seed(&cell["seed"], "a cell seed");
        let replications = cell["replication_seeds"].as_array().expect("replication seeds");
        assert_eq!(
            json_safe_seed(&replications[0], "replication 0's seed"),
            cell_seed,
            "replication 0 keeps the cell's seed"
        );
        json_safe_seed(&replications[1], "replication 1's seed");
    }

    // The second cell, replayed by its own line: the run writes the same seeds again.
    let cell = &cells[1];
    let replay = cell["replay"].as_str().expect("a replay line");
    let cell_out = dir.join("cell");
    let mut args: Vec<&str> = replay.split_whitespace().skip(1).collect();
    args.extend(["--out", utf8(&cell_out)]);
    ok(&args);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cell_out.join("summary.json")).expect("written")).expect("JSON");
    assert_eq!(json_safe_seed(&summary["seed"], "summary.json seed"), cell["seed"].as_u64().expect("seed"));
    let rows = runs_csv(&cell_out);
    let written: Vec<u64> = rows.iter().map(|(seed, _)| *seed).collect();
    let listed: Vec<u64> =
        cell["replication_seeds"].as_array().expect("seeds").iter().filter_map(|s| s.as_u64()).collect();
    assert_eq!(written, listed, "runs.csv and sweep.json name the same replications");

    // Each replication's seed, given back by --seed and by --set seed=, runs to its trace hash.
    for (seed, trace_hash) in &rows {
        let seed = seed.to_string();
        let set_seed = format!("seed={seed}");
        for how in [["--seed", seed.as_str()], ["--set", set_seed.as_str()]] {
            let out = dir.join(format!("replay-{seed}-{}", how[0].trim_start_matches('-')));
            let stdout =
                ok(&[&["run", utf8(&scenario), "--set", "bitcoin.miners=4", "--out", utf8(&out)][..], &how[..]]
                    .concat());
            assert!(
                stdout.contains(&format!("trace hash {trace_hash}")),
                "{how:?} did not replay seed {seed}:\n{stdout}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_seed_beyond_2_pow_53_is_refused_everywhere_with_one_line() {
    let dir = scratch_dir("seeds-refused");
    let scenario = dir.join("seeds-test.toml");
    std::fs::write(&scenario, SCENARIO).expect("temp dir is writable");
    let too_big = (SEED_MAX + 1).to_string();
    let set_too_big = format!("seed={too_big}");
    let in_file = dir.join("big-seed.toml");
    std::fs::write(&in_file, SCENARIO.replace("seed = 3", "seed = 17040860998032026281"))
        .expect("temp dir is writable");
    let cases: [Vec<&str>; 5] = [
        vec!["run", utf8(&scenario), "--seed", &too_big],
        vec!["run", utf8(&scenario), "--set", &set_too_big],
        vec!["sweep", utf8(&scenario), "--seed", &too_big, "--grid", "bitcoin.miners=2,4"],
        vec!["sweep", utf8(&scenario), "--set", &set_too_big, "--grid", "bitcoin.miners=2,4"],
        vec!["run", utf8(&in_file)],
    ];
    for args in cases {
        let out = hemisim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: one line expected: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains("0..=9007199254740991"), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
