//! Determinism, checked the strong way: separate processes of the real binary, compared byte
//! for byte. Same scenario and seed give the same trace hash and identical outputs (outside the
//! wall-clock figures); another seed gives another hash; `--runs` does not depend on `--jobs`.

mod common;

use bitcoin::hashes::{Hash, sha256};
use common::*;
use std::path::Path;

fn trace_hash(dir: &Path) -> String {
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary written")).expect("JSON");
    summary["trace_hash"].as_str().expect("trace_hash is a string").to_owned()
}

fn run_to(dir: &Path, extra: &[&str]) {
    run_scenario_to("quickstart", dir, extra);
}

fn run_scenario_to(name: &str, dir: &Path, extra: &[&str]) {
    let scenario = scenario_path(name);
    let mut args = vec!["run", scenario.to_str().expect("utf-8 path"), "--out", dir.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let out = hemisim(&args);
    assert!(out.status.success(), "hemisim {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn same_seed_same_bytes_in_two_processes_other_seed_other_hash() {
    let root = scratch_dir("determinism");
    let (a, b, c) = (root.join("a"), root.join("b"), root.join("c"));
    run_to(&a, &["--seed", "11", "--trace"]);
    run_to(&b, &["--seed", "11", "--trace"]);
    run_to(&c, &["--seed", "12"]);
    let (files_a, files_b) = (outputs(&a), outputs(&b));
    assert!(files_a.contains_key("blocks.csv") && files_a.contains_key("block_intervals.png"), "{:?}", files_a.keys());
    for (name, bytes) in &files_a {
        assert!(files_b.get(name) == Some(bytes), "{name} differs between two runs of seed 11");
    }
    assert_eq!(files_a.len(), files_b.len());
    assert_eq!(trace_hash(&a), trace_hash(&b));
    assert_ne!(trace_hash(&a), trace_hash(&c), "another seed must give another run");
    // The trace hash is the SHA-256 of the trace file.
    let trace = std::fs::read(a.join("trace.jsonl")).expect("--trace writes trace.jsonl");
    assert_eq!(sha256::Hash::hash(&trace).to_string(), trace_hash(&a));
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn replications_do_not_depend_on_execution_order() {
    let root = scratch_dir("replications");
    let (serial, parallel) = (root.join("serial"), root.join("parallel"));
    let common = ["--seed", "5", "--runs", "3", "--set", "duration_s=21600"];
    run_to(&serial, &[&common[..], &["--jobs", "1"]].concat());
    run_to(&parallel, &[&common[..], &["--jobs", "3"]].concat());
    let (s, p) = (outputs(&serial), outputs(&parallel));
    assert!(s.contains_key("runs.csv"), "{:?}", s.keys());
    assert_eq!(s, p, "--jobs 1 and --jobs 3 must write the same outputs");
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn the_tunnel_and_its_provenance_are_deterministic() {
    let root = scratch_dir("determinism-tunnel");
    let (a, b, c) = (root.join("a"), root.join("b"), root.join("c"));
    let short = ["--set", "duration_s=21600"];
    run_scenario_to("treasury", &a, &[&short[..], &["--seed", "3"]].concat());
    run_scenario_to("treasury", &b, &[&short[..], &["--seed", "3"]].concat());
    run_scenario_to("treasury", &c, &[&short[..], &["--seed", "4"]].concat());
    let (files_a, files_b) = (outputs(&a), outputs(&b));
    assert!(files_a.contains_key("tunnel.csv"), "{:?}", files_a.keys());
    assert!(files_a.keys().any(|k| k.starts_with("provenance")), "{:?}", files_a.keys());
    assert_eq!(files_a, files_b, "two runs of seed 3 must write the same bytes");
    assert_ne!(trace_hash(&a), trace_hash(&c), "another seed must give another run");
    let _ = std::fs::remove_dir_all(root);
}

/// The settlement layer with unsafe reorgs, and the tunnel following them: a batcher outage
/// longer than the window on the treasury scenario. Two runs of a seed write the same bytes (and
/// every run passes its safety checks, the tunnel's books through the reorgs among them: a
/// violation would fail the run); another seed gives another run.
#[test]
fn unsafe_reorgs_and_the_tunnel_through_them_are_deterministic() {
    let root = scratch_dir("determinism-settlement");
    let (a, b, c) = (root.join("a"), root.join("b"), root.join("c"));
    let outage = [
        "--set",
        "duration_s=21600",
        "--set",
        "ethereum.seq_window_blocks=30",
        "--set",
        "fault.0.kind=withhold_batches",
        "--set",
        "fault.0.at_s=3600",
        "--set",
        "fault.0.for_s=3600",
        "--set",
        "pop.keystone_source=safe",
    ];
    run_scenario_to("treasury", &a, &[&outage[..], &["--seed", "3"]].concat());
    run_scenario_to("treasury", &b, &[&outage[..], &["--seed", "3"]].concat());
    run_scenario_to("treasury", &c, &[&outage[..], &["--seed", "4"]].concat());
    let (files_a, files_b) = (outputs(&a), outputs(&b));
    assert!(files_a.contains_key("ethereum_blocks.csv") && files_a.contains_key("tunnel.csv"), "{:?}", files_a.keys());
    assert_eq!(files_a, files_b, "two runs of seed 3 must write the same bytes");
    assert_ne!(trace_hash(&a), trace_hash(&c), "another seed must give another run");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("summary.json")).expect("summary")).expect("JSON");
    assert_eq!(summary["tunnel"]["invariant_violations"], 0, "the books balance through the reorgs");
    let _ = std::fs::remove_dir_all(root);
}
