//! Sharded sweeps as a cluster runs them: N processes of the real binary, each with `--shard I/N`
//! (or the scheduler's environment), then `hemisim merge`, whose outputs must be the unsharded
//! sweep's byte for byte; and every way a merge can be handed the wrong folders, refused with
//! one line naming them and exit code 2.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Short runs of a small Bitcoin network with an empty L2: a cell takes a fraction of a second.
/// Fast blocks and slow relay give stale blocks, so the stale rates are fractions whose every
/// digit must survive the trip through `shard.json`.
const SCENARIO: &str = "name = \"shard-test\"\nseed = 3\nduration_s = 1800\n\n[bitcoin]\nblock_interval_s = 60\npropagation_delay_ms = 15000\nminers = 4\n\n[l2]\nblock_time_s = 12\n";

/// Five cells (not a multiple of 2 or 3) of two replications.
const GRID: [&str; 4] = ["--grid", "bitcoin.miners=2,3,4,5,6", "--runs", "2"];

/// `hemisim sweep <scenario> GRID <extra> --out <out>` with `env` set on the process.
fn sweep_with_env(scenario: &Path, out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["sweep", utf8(scenario), "--out", utf8(out)];
    args.extend_from_slice(&GRID);
    args.extend_from_slice(extra);
    hemisim_with_env(&args, env)
}

fn succeeded(out: Output, what: &str) -> String {
    assert!(out.status.success(), "{what} failed:\n{}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

/// The cell indices a partial directory holds.
fn cells_of(dir: &Path) -> Vec<u64> {
    let json = shard_json(dir);
    json["cells"].as_array().expect("cells").iter().map(|c| c["index"].as_u64().expect("an index")).collect()
}

/// Runs the N shards of the test sweep into `dir/n<N>-<I>`; returns their folders.
fn shards(scenario: &Path, dir: &Path, n: u32) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let part = dir.join(format!("n{n}-{i}"));
            let shard = format!("{i}/{n}");
            succeeded(sweep_with_env(scenario, &part, &["--shard", &shard], &[]), &format!("shard {shard}"));
            part
        })
        .collect()
}

#[test]
fn merged_shards_are_the_unsharded_sweep_byte_for_byte() {
    let dir = scratch_dir("shard-merge");
    let scenario = scenario_file(&dir, "shard-test.toml", SCENARIO);
    let whole = dir.join("whole");
    succeeded(sweep_with_env(&scenario, &whole, &[], &[]), "the unsharded sweep");
    let expected = outputs(&whole);
    assert!(expected.contains_key("sweep.csv") && expected.contains_key("manifest.json"), "{:?}", expected.keys());
    assert_eq!(expected.keys().filter(|f| f.ends_with("summary.json")).count(), 5, "{:?}", expected.keys());
    let csv = String::from_utf8_lossy(&expected["sweep.csv"]).into_owned();
    let stale_means = csv.lines().skip(1).filter_map(|row| row.split(',').nth(18)?.parse::<f64>().ok());
    assert!(stale_means.filter(|x| x.fract() != 0.0).count() >= 3, "stale rates are fractions: {csv}");

    // 6 shards of 5 cells: the last one holds none, and merges all the same.
    for n in [1, 2, 3, 6] {
        let parts = shards(&scenario, &dir, n);
        let held: Vec<Vec<u64>> = parts.iter().map(|p| cells_of(p)).collect();
        let want: Vec<Vec<u64>> = (0..n as u64).map(|i| (0..5).filter(|c| c % n as u64 == i).collect()).collect();
        assert_eq!(held, want, "shard I of {n} runs the cells ≡ I (mod {n})");
        assert!(!parts[0].join("sweep.csv").exists(), "a partial directory has no sweep.csv");
        // Given in reverse: the order of the partial directories does not matter.
        let merged = dir.join(format!("merged{n}"));
        let stdout = succeeded(merge(&parts.iter().rev().cloned().collect::<Vec<_>>(), &merged), "merge");
        assert!(stdout.contains("replay: hemisim sweep "), "{stdout}");
        let got = outputs(&merged);
        assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "N = {n}: the same files");
        for (name, bytes) in &expected {
            assert!(got[name] == *bytes, "N = {n}: {name} differs from the unsharded sweep's");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn missing_duplicated_and_foreign_shards_are_refused_naming_them() {
    let dir = scratch_dir("shard-refused");
    let scenario = scenario_file(&dir, "shard-test.toml", SCENARIO);
    let three = shards(&scenario, &dir, 3);
    let two = shards(&scenario, &dir, 2);
    let out = dir.join("merged");
    let refused = |partials: &[PathBuf]| {
        let line = refused_line(&merge(partials, &out), &format!("merge {partials:?}"));
        assert!(!out.exists(), "a refused merge writes nothing");
        line
    };

    let missing = refused(&[three[0].clone(), three[2].clone()]);
    assert!(missing.starts_with("error: missing shard 1/3 (the sweep has 3 shards; given: shard 0/3 in "), "{missing}");
    assert!(missing.contains("run `hemisim sweep ") && missing.contains("--shard I/3`"), "{missing}");

    let twice = refused(&[three[0].clone(), three[1].clone(), three[1].clone(), three[2].clone()]);
    let name = utf8(&three[1]);
    assert_eq!(twice, format!("error: {name} and {name} are both shard 1/3; give each shard once"));

    let mixed = refused(&[two[0].clone(), three[1].clone(), three[2].clone()]);
    assert!(mixed.contains("the sweep was split in 2 and in 3 shards"), "{mixed}");

    let other_seed = dir.join("seed9");
    succeeded(sweep_with_env(&scenario, &other_seed, &["--shard", "1/2", "--seed", "9"], &[]), "another sweep");
    let foreign = refused(&[two[0].clone(), other_seed.clone()]);
    assert_eq!(
        foreign,
        format!(
            "error: {} and {} are shards of different sweeps (the base seed differs); merge the shards of one sweep",
            utf8(&two[0]),
            utf8(&other_seed)
        )
    );

    let whole = dir.join("whole");
    succeeded(sweep_with_env(&scenario, &whole, &[], &[]), "the unsharded sweep");
    let not_partial = refused(std::slice::from_ref(&whole));
    assert!(
        not_partial.ends_with(
            "the output of a hemisim sweep, not a partial directory (`hemisim sweep --shard I/N` writes one)"
        ),
        "{not_partial}"
    );
    let absent = refused(&[dir.join("nowhere")]);
    assert!(absent.contains("nowhere: no such directory"), "{absent}");
    let into_a_part = refused_line(&merge(&two, &two[0]), "merge into a partial");
    assert!(into_a_part.contains("is the partial directory"), "{into_a_part}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_shard_defaults_from_slurm_and_kubernetes_and_the_flag_wins() {
    let dir = scratch_dir("shard-env");
    let scenario = scenario_file(&dir, "shard-test.toml", SCENARIO);
    let shard_of = |out: &Path| {
        let json = shard_json(out);
        (json["shard_index"].as_u64().expect("I"), json["shard_count"].as_u64().expect("N"))
    };

    // --array=1-3: task 2 is the second shard, 1/3.
    let slurm = dir.join("slurm");
    let env = [("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "3")];
    let stdout = succeeded(sweep_with_env(&scenario, &slurm, &[], &env), "a Slurm array task");
    assert_eq!((shard_of(&slurm), cells_of(&slurm)), ((1, 3), vec![1, 4]));
    assert!(stdout.contains("shard 1/3 of sweep "), "{stdout}");

    let k8s = dir.join("k8s");
    let out = sweep_with_env(&scenario, &k8s, &["--shard-count", "2"], &[("JOB_COMPLETION_INDEX", "1")]);
    succeeded(out, "a Kubernetes Indexed Job pod");
    assert_eq!((shard_of(&k8s), cells_of(&k8s)), ((1, 2), vec![1, 3]));

    let flag = dir.join("flag");
    succeeded(
        sweep_with_env(&scenario, &flag, &["--shard", "0/1"], &[("SLURM_ARRAY_TASK_ID", "junk")]),
        "--shard wins",
    );
    assert_eq!(cells_of(&flag), [0, 1, 2, 3, 4]);

    let bad = dir.join("bad");
    let refused = |extra: &[&str], env: &[(&str, &str)]| {
        let line = refused_line(&sweep_with_env(&scenario, &bad, extra, env), &format!("{extra:?} {env:?}"));
        assert!(!bad.exists(), "nothing written");
        line
    };
    assert_eq!(
        refused(&[], &[("SLURM_ARRAY_TASK_ID", "x1"), ("SLURM_ARRAY_TASK_COUNT", "3")]),
        "error: SLURM_ARRAY_TASK_ID: expected a whole number, got \"x1\""
    );
    assert!(
        refused(&[], &[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "3")])
            .contains("is shard 3, not in 0..3 (SLURM_ARRAY_TASK_COUNT=3)")
    );
    assert!(refused(&[], &[("JOB_COMPLETION_INDEX", "0")]).contains("but --shard-count is not"));
    let usage = refused(&["--shard", "2/2"], &[]);
    assert!(usage.contains("'--shard <I/N>': expected I/N with 0 <= I < N"), "{usage}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn merge_and_sweep_help_teach_sharding() {
    let merge = text(&hemisim(&["merge", "--help"]).stdout);
    for needle in ["PARTIAL_DIR", "--out", "--shard 0/3", "byte for byte", "Exit codes"] {
        assert!(merge.contains(needle), "merge --help lacks {needle}: {merge}");
    }
    let sweep = text(&hemisim(&["sweep", "--help"]).stdout);
    for needle in [
        "--shard <I/N>",
        "--shard-count <N>",
        "SLURM_ARRAY_TASK_ID",
        "JOB_COMPLETION_INDEX",
        "--quiet",
        "--progress <MODE>",
        "json",
    ] {
        assert!(sweep.contains(needle), "sweep --help lacks {needle}: {sweep}");
    }
}
