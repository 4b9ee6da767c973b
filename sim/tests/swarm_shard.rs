//! Sharded swarms as a cluster runs them: N processes of the real binary, each with `--shard I/N`
//! (or the scheduler's environment), then `hemisim merge`, whose outputs must be the unsharded
//! swarm's byte for byte but for the measured fields (`swarm.csv`'s `wall_s`; `swarm.json`'s
//! `wall_time_s`, `worlds_per_minute` and `jobs`), which are masked here and nowhere else; and
//! every way a merge can be handed the wrong folders, refused with one line naming them.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Seven worlds (not a multiple of 2 or 3). World 17 is the slow one (about 17 s of CPU, the
/// others 3 s together); it runs in the whole swarm, in each split and in shard 0/2.
const SEEDS: &str = "11..18";
const WORLDS: [u64; 7] = [11, 12, 13, 14, 15, 16, 17];

/// The known failure among them, if any (`sim/tests/swarm.rs`, `KNOWN_OPEN`): its seed, verdict
/// and the swarm's exit code. With one, the merge has a failures/ file to join and that exit code
/// to keep. World 17 (safety, exit 1: a rotating set forks under a partition and a slow link) is
/// it; fixing it means choosing another fast failing world here (or `None`, which leaves the
/// merge of failures/ files unexercised).
const FAILING: Option<(u64, &str, i32)> = Some((17, "safety", 1));

/// `hemisim swarm --seeds SEEDS --jobs 1 --out <out> <extra>` with `env` set on the process.
fn swarm_with_env(out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["swarm", "--seeds", SEEDS, "--jobs", "1", "--out", utf8(out)];
    args.extend_from_slice(extra);
    hemisim_with_env(&args, env)
}

/// A swarm of `worlds` exits as its worst world: the failing world's code with it, else 0;
/// anything else fails the test.
fn ran(out: Output, worlds: &[u64], what: &str) -> Output {
    let code = FAILING.filter(|(seed, _, _)| worlds.contains(seed)).map_or(0, |(_, _, code)| code);
    assert_eq!(out.status.code(), Some(code), "{what}:\n{}{}", text(&out.stdout), text(&out.stderr));
    out
}

/// The worlds of shard `i` of `n`: those at positions ≡ i (mod n).
fn held(i: u32, n: u32) -> Vec<u64> {
    WORLDS.iter().copied().skip(i as usize).step_by(n as usize).collect()
}

/// The worlds a partial directory holds, from its rows.
fn worlds_of(dir: &Path) -> Vec<u64> {
    let json = shard_json(dir);
    json["rows"].as_array().expect("rows").iter().map(|r| r["seed"].as_u64().expect("a seed")).collect()
}

/// Runs the N shards into `dir/n<N>-<I>`; returns their folders.
fn shards(dir: &Path, n: u32) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let part = dir.join(format!("n{n}-{i}"));
            let shard = format!("{i}/{n}");
            ran(swarm_with_env(&part, &["--shard", &shard, "--quiet"], &[]), &held(i, n), &format!("shard {shard}"));
            part
        })
        .collect()
}

/// `swarm.csv` without the `wall_s` column's values.
fn mask_csv(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let wall = header.split(',').position(|c| c == "wall_s").expect("a wall_s column");
    let rows = lines.map(|line| {
        let mut cells: Vec<&str> = line.split(',').collect();
        assert!(cells[wall].parse::<f64>().is_ok_and(|s| s >= 0.0), "wall_s is seconds: {line}");
        cells[wall] = "<measured>";
        cells.join(",")
    });
    std::iter::once(header.to_owned()).chain(rows).map(|l| l + "\n").collect()
}

/// `swarm.json` with the measured keys' values replaced, every other byte kept.
fn mask_json(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
    let measured = ["  \"wall_time_s\": ", "  \"worlds_per_minute\": ", "  \"jobs\": "];
    let mut masked = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|line| match measured.iter().find(|key| line.starts_with(*key)) {
            Some(key) => {
                masked += 1;
                format!("{key}<measured>,")
            }
            None => line.to_owned(),
        })
        .collect();
    assert_eq!(masked, 3, "each measured key once: {text}");
    lines.join("\n") + "\n"
}

fn json_of(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("JSON")
}

#[test]
fn merged_shards_are_the_unsharded_swarm_but_for_the_measured_fields() {
    let dir = scratch_dir("swarm-shard-merge");
    let whole = dir.join("whole");
    ran(swarm_with_env(&whole, &["--quiet"], &[]), &WORLDS, "the unsharded swarm");
    let expected = outputs(&whole);
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    let failures: Vec<String> = FAILING.iter().map(|(seed, _, _)| format!("failures/seed-{seed}.toml")).collect();
    let want: Vec<&str> =
        failures.iter().map(String::as_str).chain(["manifest.json", "swarm.csv", "swarm.json"]).collect();
    assert_eq!(names, want, "the failing world's scenario is part of what must merge");

    for n in [1, 2, 3] {
        let parts = shards(&dir, n);
        let got: Vec<Vec<u64>> = parts.iter().map(|p| worlds_of(p)).collect();
        let want: Vec<Vec<u64>> = (0..n).map(|i| held(i, n)).collect();
        assert_eq!(got, want, "shard I of {n} runs the worlds at positions ≡ I (mod {n})");
        assert!(!parts[0].join("swarm.csv").exists(), "a partial directory has no swarm.csv");
        // Given in reverse: the order of the partial directories does not matter.
        let merged = dir.join(format!("merged{n}"));
        let out = merge(&parts.iter().rev().cloned().collect::<Vec<_>>(), &merged);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(FAILING.map_or(0, |f| f.2)), "the swarm's exit code: {stdout}{stderr}");
        if let Some((seed, verdict, _)) = FAILING {
            assert!(stderr.contains(&format!("world {seed}: {verdict}: ")), "{stderr}");
            assert!(stderr.contains(&format!("replay: hemisim swarm --seed {seed} --replay")), "{stderr}");
        }
        assert!(stdout.contains("replay: hemisim swarm --seeds 11..18 --out "), "{stdout}");
        let got = outputs(&merged);
        assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "N = {n}: the same files");
        for (name, bytes) in &expected {
            match name.as_str() {
                "swarm.csv" => assert_eq!(mask_csv(&got[name]), mask_csv(bytes), "N = {n}: swarm.csv"),
                "swarm.json" => assert_eq!(mask_json(&got[name]), mask_json(bytes), "N = {n}: swarm.json"),
                _ => assert!(got[name] == *bytes, "N = {n}: {name} differs from the unsharded swarm's"),
            }
        }
        // The measured fields merge as documented: threads summed, the longest shard's time.
        let json = json_of(&got["swarm.json"]);
        let walls: Vec<f64> =
            parts.iter().map(|p| shard_json(p)["swarm"]["wall_time_s"].as_f64().expect("a wall time")).collect();
        assert_eq!(json["jobs"], n, "one thread per shard");
        assert_eq!(json["wall_time_s"].as_f64(), walls.iter().copied().reduce(f64::max));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn missing_duplicated_and_foreign_swarm_shards_are_refused_naming_them() {
    let dir = scratch_dir("swarm-shard-refused");
    let three = shards(&dir, 3);
    let out = dir.join("merged");
    let refused = |partials: &[PathBuf]| {
        let line = refused_line(&merge(partials, &out), &format!("merge {partials:?}"));
        assert!(!out.exists(), "a refused merge writes nothing");
        line
    };

    let missing = refused(&[three[2].clone(), three[0].clone()]);
    assert!(missing.starts_with("error: missing shard 1/3 (the swarm has 3 shards; given: shard 0/3 in "), "{missing}");
    assert!(missing.ends_with("run `hemisim swarm --seeds 11..18 --shard I/3` for each and merge its directory too"));

    let twice = refused(&[three[0].clone(), three[1].clone(), three[1].clone(), three[2].clone()]);
    let name = utf8(&three[1]);
    assert_eq!(twice, format!("error: {name} and {name} are both shard 1/3; give each shard once"));

    // Another split of the same swarm: shard 0/2 holds worlds 11, 13, 15 and 17.
    let half = dir.join("half");
    ran(swarm_with_env(&half, &["--shard", "0/2", "--quiet"], &[]), &held(0, 2), "shard 0/2");
    let mixed = refused(&[half.clone(), three[1].clone(), three[2].clone()]);
    assert!(mixed.contains("the swarm was split in 2 and in 3 shards"), "{mixed}");

    // Another range: shard 1/2 of 11..17 holds worlds 12, 14 and 16, as of 11..18.
    let other = dir.join("other");
    let range = hemisim(&["swarm", "--seeds", "11..17", "--jobs", "1", "--shard", "1/2", "-q", "--out", utf8(&other)]);
    ran(range, &[12, 14, 16], "a shard of another range");
    assert_eq!(
        refused(&[half.clone(), other.clone()]),
        format!(
            "error: {} and {} are shards of different swarms (the seed range differs); merge the shards of one swarm",
            utf8(&half),
            utf8(&other)
        )
    );

    // A sweep's partial directory with a swarm's.
    let scenario = scenario_file(&dir, "quick.toml", "name = \"quick\"\nseed = 1\nduration_s = 600\n\n[bitcoin]\n");
    let sweep = dir.join("sweep-part");
    let args = ["sweep", utf8(&scenario), "--grid", "bitcoin.miners=2,3", "--shard", "0/2", "--out", utf8(&sweep)];
    let swept = hemisim(&args);
    assert!(swept.status.success(), "{}{}", text(&swept.stdout), text(&swept.stderr));
    assert_eq!(
        refused(&[sweep.clone(), half.clone()]),
        format!(
            "error: {} is a partial directory of a sweep but {} of a swarm; merge the shards of one sweep (or of one swarm)",
            utf8(&sweep),
            utf8(&half)
        )
    );

    let whole = dir.join("whole");
    let out = hemisim(&["swarm", "--seeds", "12..14", "--jobs", "1", "-q", "--out", utf8(&whole)]);
    ran(out, &[12, 13], "a whole swarm");
    assert!(refused(std::slice::from_ref(&whole)).ends_with(
        "whole: the output of a hemisim swarm, not a partial directory (`hemisim swarm --shard I/N` writes one)"
    ));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_swarm_shard_defaults_from_slurm_and_kubernetes() {
    let dir = scratch_dir("swarm-shard-env");
    // --array=1-3: task 2 is the second shard, 1/3: worlds 12 and 15.
    let slurm = dir.join("slurm");
    let env = [("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "3")];
    let out = ran(swarm_with_env(&slurm, &["--progress", "json"], &env), &[12, 15], "a Slurm array task");
    let json = shard_json(&slurm);
    assert_eq!((json["shard_index"].as_u64(), json["shard_count"].as_u64()), (Some(1), Some(3)));
    assert_eq!(worlds_of(&slurm), [12, 15]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("shard 1/3 of swarm ") && stdout.contains(": 2 worlds of 7"), "{stdout}");
    // --progress json: one object per finished world, for the scheduler's log.
    let stderr = text(&out.stderr);
    let progress: Vec<serde_json::Value> =
        stderr.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(progress.len(), 2, "{stderr}");
    assert_eq!((progress[1]["done"].as_u64(), progress[1]["total"].as_u64()), (Some(2), Some(2)), "{stderr}");

    // A Kubernetes Indexed Job pod: index 1 of 4 completions holds worlds 12 and 16.
    let k8s = dir.join("k8s");
    let out = hemisim_with_env(
        &["swarm", "--seeds", SEEDS, "--jobs", "1", "-q", "--shard-count", "4", "--out", utf8(&k8s)],
        &[("JOB_COMPLETION_INDEX", "1")],
    );
    ran(out, &[12, 16], "a Kubernetes pod");
    assert_eq!(worlds_of(&k8s), [12, 16]);

    let bad = dir.join("bad");
    let line = refused_line(&swarm_with_env(&bad, &[], &[("JOB_COMPLETION_INDEX", "0")]), "no --shard-count");
    assert!(line.contains("but --shard-count is not"), "{line}");
    let usage = refused_line(&hemisim(&["swarm", "--seed", "3", "--replay", "--shard", "0/2"]), "--replay --shard");
    assert!(usage.contains("--shard"), "{usage}");
    assert!(!bad.exists(), "nothing written");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn swarm_and_merge_help_teach_sharding_swarms() {
    let swarm = text(&hemisim(&["swarm", "--help"]).stdout);
    for needle in ["--shard <I/N>", "--shard-count <N>", "--quiet", "--progress <MODE>", "hemisim merge"] {
        assert!(swarm.contains(needle), "swarm --help lacks {needle}: {swarm}");
    }
    let merge = text(&hemisim(&["merge", "--help"]).stdout);
    for needle in ["hemisim swarm --seeds 0..1000 --shard 0/2", "wall_s", "worlds_per_minute"] {
        assert!(merge.contains(needle), "merge --help lacks {needle}: {merge}");
    }
}
