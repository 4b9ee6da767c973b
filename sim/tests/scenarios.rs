//! Every scenario file in `scenarios/` parses, validates and runs (briefly) without a violation.

mod common;

use common::*;

#[test]
fn every_scenario_file_loads_and_runs_briefly() {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("scenarios"))
        .expect("scenarios/ exists")
        .filter_map(|e| e.ok()?.path().file_stem().map(|s| s.to_string_lossy().into_owned()).filter(|_| true))
        .filter(|n| repo_root().join("scenarios").join(format!("{n}.toml")).exists())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        // Half an hour: enough to exercise every part a file configures, quick for 7 files. A
        // fault of peers and links moves into it (5 to 15 min), leaving the liveness phase room.
        let full = scenario(&name, &[]);
        let mut sets = vec!["duration_s=1800".to_owned()];
        for (i, _) in full.fault.iter().enumerate().filter(|(_, f)| !f.kind.is_sequencers()) {
            sets.extend([format!("fault.{i}.at_s=300"), format!("fault.{i}.for_s=600")]);
        }
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        let s = scenario(&name, &sets);
        let record = run(&s, 1);
        assert_eq!(record.meta.sim_time_us, 1_800_000_000, "{name}");
        if let Some(l2) = &s.l2 {
            let produced = record.l2.as_ref().expect("an [l2] scenario records its L2").blocks.len();
            // One block per block time in [0, 1800 s): none at the end instant itself; a sequencer
            // set's crashes, moved into one window, stop or delay production (sequencer_set.rs
            // checks its gaps).
            let slots = (1800.0 / l2.block_time_s).ceil() - 1.0;
            if s.sequencer.as_ref().is_some_and(|set| set.is_set()) {
                assert!(produced > 0 && produced as f64 <= slots, "{name}: {produced} L2 blocks");
            } else {
                assert_eq!(produced as f64, slots, "{name}: one L2 block per block time");
            }
        }
        println!("{name}: {} Bitcoin blocks, trace {}", record.btc.blocks.len(), record.meta.trace_hash);
    }
}

/// Extreme but valid settings run instead of crashing: no L2 users at all, and a background load
/// whose funding would otherwise need billions of genesis coins.
#[test]
fn edge_settings_run_without_panicking() {
    let idle = scenario("quickstart", &["duration_s=600", "workload.tx_rate_per_s=0"]);
    let record = run(&idle, 1);
    assert_eq!(record.l2.as_ref().map(|l2| l2.txs_submitted), Some(0));
    let heavy = scenario(
        "quickstart",
        &["duration_s=60", "bitcoin.block_interval_s=86400", "bitcoin.background_tx_rate_per_s=100"],
    );
    let record = run(&heavy, 1);
    assert_eq!(record.meta.sim_time_us, 60_000_000);
}
