//! The figures a run writes, as a user finds them: only figures with something to show, counted
//! in "wrote N files", their SVG text in the font the PNGs are drawn with.

mod common;

use common::*;
use std::path::Path;

/// The files directly in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the output folder exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// anchoring has an L2 without users: its three L2 figures would be six empty files.
#[test]
fn a_run_without_a_workload_gets_no_empty_l2_figures() {
    let dir = scratch_dir("figures-no-workload");
    let out_dir = dir.to_str().expect("utf-8");
    let out = hemisim(&["run", "scenarios/anchoring.toml", "--set", "duration_s=7200", "--out", out_dir]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let files = files_in(&dir);
    for stem in ["l2_throughput", "l2_fullness", "l2_latency"] {
        for ext in ["png", "svg"] {
            assert!(!files.contains(&format!("{stem}.{ext}")), "{stem}.{ext} written without a workload: {files:?}");
        }
    }
    for figure in ["block_intervals", "reorg_depths", "pop_superfinality", "pop_timeline", "pop_fees"] {
        for ext in ["png", "svg"] {
            assert!(files.contains(&format!("{figure}.{ext}")), "{figure}.{ext} missing: {files:?}");
        }
    }
    // What the run says it wrote is what the folder holds, besides the manifest that lists them.
    let outputs = files.iter().filter(|f| *f != "manifest.json").count();
    assert!(files.contains(&"manifest.json".to_owned()), "{files:?}");
    assert!(stdout.contains(&format!("wrote {outputs} files to")), "{stdout}\n{files:?}");
    for svg in files.iter().filter(|f| f.ends_with(".svg")) {
        let text = std::fs::read_to_string(dir.join(svg)).expect("readable");
        assert!(text.contains("font-family=\"DejaVu Sans, sans-serif\""), "{svg} does not name the embedded font");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// history-rewrite has an adversary's L2 reorg: it gets `l2_forks`, whose SVG shows both
/// branches and its keystones' Bitcoin heights; batcher-outage's reorgs (forced deposit-only
/// blocks, no adversary) leave its outputs as they were, without it.
#[test]
fn a_rewrite_run_gets_the_forks_figure_and_a_batcher_outage_does_not() {
    let dir = scratch_dir("figures-forks");
    let rewrite = dir.join("rewrite");
    let out = hemisim(&["run", "scenarios/history-rewrite.toml", "--out", utf8(&rewrite)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = files_in(&rewrite);
    for ext in ["png", "svg"] {
        assert!(files.contains(&format!("l2_forks.{ext}")), "l2_forks.{ext} missing: {files:?}");
    }
    let svg = std::fs::read_to_string(rewrite.join("l2_forks.svg")).expect("readable");
    for text in ["blocks it took back", "final chain", "its first Bitcoin publication (height)"] {
        assert!(svg.contains(text), "{text} not in the figure");
    }
    let outage = dir.join("outage");
    let out = hemisim(&["run", "scenarios/batcher-outage.toml", "--out", utf8(&outage)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = files_in(&outage);
    assert!(files.contains(&"l2_heads.svg".to_owned()), "{files:?}");
    assert!(!files.iter().any(|f| f.starts_with("l2_forks")), "no adversary, no forks figure: {files:?}");
    let _ = std::fs::remove_dir_all(dir);
}
