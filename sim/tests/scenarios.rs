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
        let s = scenario(&name, &["duration_s=10800"]);
        let record = run(&s, 1);
        assert!(!record.btc.blocks.is_empty() || s.bitcoin.block_interval_s > 3_600.0, "{name}: no block in 3 hours");
        println!("{name}: {} blocks, trace {}", record.btc.blocks.len(), record.meta.trace_hash);
    }
}
