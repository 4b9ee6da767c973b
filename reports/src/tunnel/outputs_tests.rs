//! [`crate::write_outputs`] with a BTC tunnel: its files, its `runs.csv` columns, and outputs of runs
//! without a tunnel left exactly as they were.

use crate::tests::{names, tree};
use crate::testutil::{Scratch, scratch_dir, tunnel_run};
use crate::{RunRecord, summarize, write_outputs};
use std::path::{Path, PathBuf};

const TUNNEL_FILES: [&str; 5] = ["tunnel.csv", "tunnel.png", "tunnel.svg", "tunnel_ledger.csv", "tunnel_losses.csv"];

#[test]
fn tunnel_runs_get_tunnel_csvs_and_figure() {
    let dir = scratch_dir("outputs-tunnel-one");
    let record = tunnel_run(7);
    let written = write_outputs(&dir, std::slice::from_ref(&record)).expect("writable").files;
    let files = names(&tree(&dir));
    for f in TUNNEL_FILES {
        assert!(files.iter().any(|x| x == f), "{f} missing from {files:?}");
    }
    assert_eq!(written.len(), files.len());
    let tunnel = record.tunnel.as_ref().expect("tunnel");
    let csv = std::fs::read(dir.join("tunnel.csv")).expect("written");
    assert_eq!(Some(csv), super::csv::tunnel_csv(tunnel).ok());
    let ledger = std::fs::read_to_string(dir.join("tunnel_ledger.csv")).expect("written");
    assert_eq!(ledger.lines().count(), 1 + 9);
    let summary = std::fs::read_to_string(dir.join("summary.json")).expect("written");
    assert!(summary.contains("\"tunnel\": {") && summary.contains("\"paid_out_sats\": 35000000"));
}

#[test]
fn replications_get_per_seed_tunnel_csvs_and_runs_columns() {
    let dir = scratch_dir("outputs-tunnel-many");
    let mut other = tunnel_run(3);
    if let Some(t) = other.tunnel.as_mut() {
        t.operations.clear();
        t.losses.clear();
    }
    write_outputs(&dir, &[tunnel_run(7), other]).expect("writable");
    let files = names(&tree(&dir));
    for f in [
        "runs/seed-7/tunnel.csv",
        "runs/seed-3/tunnel_ledger.csv",
        "runs/seed-3/tunnel_losses.csv",
        "tunnel.png",
        "tunnel.svg",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} missing from {files:?}");
    }
    assert!(!files.iter().any(|f| f == "tunnel.csv"), "no top-level CSV for N > 1");
    let runs = std::fs::read_to_string(dir.join("runs.csv")).expect("written");
    let lines: Vec<&str> = runs.lines().collect();
    assert!(
        lines[0].ends_with(
            ",l2_state_root_mismatches,tunnel_deposits,tunnel_minted_sats,tunnel_locked_sats,\
             tunnel_burned_sats,tunnel_paid_out_sats,tunnel_payouts_before_superfinal,\
             tunnel_exposed_sats,tunnel_losses,tunnel_lost_sats,tunnel_invariant_violations,\
             tunnel_mint_latency_p50_s,tunnel_payout_latency_p50_s,\
             tunnel_settlement_latency_p50_s"
        ),
        "{runs}"
    );
    assert!(
        lines[1].ends_with(
            ",3,70000000,16000000,45000000,35000000,1,5000000,1,20000000,0,\
             3600.000000,88.000000,588.000000"
        ),
        "{runs}"
    );
    // No operation: zero counts, the books' last row still read, no latency.
    assert!(lines[2].ends_with(",0,0,16000000,0,0,0,0,0,0,0,,,"), "{runs}");
}

/// Writes `records` and their copies without a tunnel; returns both directories.
fn with_and_without(name: &str, records: &[RunRecord]) -> (Scratch, Scratch) {
    let (with, without) = (scratch_dir(&format!("{name}-with")), scratch_dir(&format!("{name}-without")));
    write_outputs(&with, records).expect("writable");
    let plain: Vec<RunRecord> = records
        .iter()
        .cloned()
        .map(|mut r| {
            r.tunnel = None;
            r
        })
        .collect();
    write_outputs(&without, &plain).expect("writable");
    (with, without)
}

#[test]
fn outputs_without_a_tunnel_are_unchanged() {
    for records in [vec![tunnel_run(7)], vec![tunnel_run(7), tunnel_run(3)]] {
        let (with, without) = with_and_without("outputs-tunnel-additive", &records);
        let plain = tree(&without);
        assert!(!names(&plain).iter().any(|f| f.contains("tunnel")), "{plain:?}");
        // The tunnel only adds files: every other file is byte for byte the same.
        let added: Vec<PathBuf> = tree(&with).into_iter().filter(|f| !plain.contains(f)).collect();
        assert!(names(&added).iter().all(|f| TUNNEL_FILES.iter().any(|t| f.ends_with(t))), "{added:?}");
        for file in plain.iter().filter(|f| !f.ends_with("summary.json") && !f.ends_with("runs.csv")) {
            let same = std::fs::read(with.join(file)).ok() == std::fs::read(without.join(file)).ok();
            assert!(same, "{} differs", file.display());
        }
        // summary.json: the same text once the tunnel section is taken out.
        let mut summary = summarize(&records).expect("consistent");
        assert!(summary.tunnel.take().is_some());
        let written = std::fs::read_to_string(without.join("summary.json")).expect("written");
        assert_eq!(written, summary.to_json());
        // runs.csv: the same lines without the 13 tunnel columns.
        if records.len() > 1 {
            let read = |dir: &Path| std::fs::read_to_string(dir.join("runs.csv")).expect("written");
            let trimmed: Vec<String> =
                read(&with).lines().map(|l| l.rsplitn(14, ',').last().unwrap_or_default().to_string()).collect();
            let expected: Vec<String> = read(&without).lines().map(str::to_string).collect();
            assert_eq!(trimmed, expected);
        }
    }
}

#[test]
fn tunnel_outputs_are_deterministic() {
    let records = [tunnel_run(7), tunnel_run(8)];
    let (a, b) = (scratch_dir("outputs-det-tunnel-a"), scratch_dir("outputs-det-tunnel-b"));
    write_outputs(&a, &records).expect("writable");
    write_outputs(&b, &records).expect("writable");
    assert_eq!(tree(&a), tree(&b));
    assert!(tree(&a).iter().any(|f| f.ends_with("tunnel.svg")));
    for file in tree(&a) {
        let same = std::fs::read(a.join(&file)).ok() == std::fs::read(b.join(&file)).ok();
        assert!(same, "{} differs", file.display());
    }
}
