//! What the outputs count, and what they leave undefined, through the real binary: the
//! attacker's tunnel deposits are deposits (issue 18, item 5), and no statistic is printed or
//! written for an empty sample (item 6).

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn summary(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json written");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

fn at<'a>(json: &'a Value, path: &str) -> &'a Value {
    json.pointer(path).unwrap_or_else(|| panic!("{path} missing in summary.json"))
}

/// `tunnel.csv` as one map from column name to value per row.
fn tunnel_rows(dir: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("tunnel.csv")).expect("tunnel.csv written");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_owned)).collect()).collect()
}

fn stdout_line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix} line in {stdout}"))
}

#[test]
fn tunnel_reorg_reports_the_attackers_deposits_their_mint_latency_and_losses() {
    // A week against a 30% attacker at depth 1: 19 races, 2 of them won.
    let dir = scratch_dir("attacker-deposits");
    let out = dir.to_str().expect("utf-8 temp dir");
    let sets = ["duration_s=604800", "attack.hashrate_share=0.3", "tunnel.deposit_confirmations=1"];
    let mut args = vec!["run", "scenarios/tunnel-reorg.toml", "--seed", "3", "--out", out];
    for set in &sets {
        args.extend(["--set", set]);
    }
    let run = hemisim(&args);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));

    let s = summary(&dir);
    let count = |path| at(&s, path).as_u64().unwrap_or_else(|| panic!("{path} is a count"));
    let (deposits, mints, losses) = (count("/tunnel/deposits"), count("/tunnel/mints"), count("/tunnel/losses"));
    assert!(mints > 0 && losses > 0, "the attacker's deposits minted and some were lost: {stdout}");
    assert!(deposits >= mints && losses <= mints, "deposits {deposits} >= mints {mints} >= losses {losses}");
    let trials =
        at(&s, "/attack/trials").as_u64().expect("count") + at(&s, "/attack/unfinished").as_u64().expect("count");
    assert_eq!(deposits, trials, "one deposit per race");
    let p50 = at(&s, "/tunnel/mint_latency_s/p50").as_f64().expect("a mint latency: deposits have rows now");
    assert!(p50 > 0.0);
    let line = stdout_line(&stdout, "tunnel: ");
    assert!(line.starts_with(&format!("tunnel: {deposits} deposits, {mints} minted")), "{line}");
    assert!(line.contains(&format!("mint p50 {p50:.0} s")) && line.contains(&format!("{losses} losses")), "{line}");

    // tunnel.csv: a deposit row, marked as the attacker's, for every mint and every loss.
    let rows = tunnel_rows(&dir);
    let of_kind = |kind: &str| rows.iter().filter(|r| r["kind"] == kind).collect::<Vec<_>>();
    let deposit_rows = of_kind("deposit");
    assert_eq!(deposit_rows.len() as u64, deposits);
    assert!(deposit_rows.iter().all(|d| d["attacker"] == "true" && d["amount_sats"] == "1000000"));
    for mint in of_kind("mint") {
        assert_eq!(mint["attacker"], "true", "{mint:?}");
        let deposit = deposit_rows.iter().find(|d| d["txid"] == mint["txid"]).expect("every mint has its deposit row");
        assert_eq!((&deposit["account"], &deposit["amount_sats"]), (&mint["account"], &mint["amount_sats"]));
        let (sent, minted): (f64, f64) = (deposit["at_s"].parse().expect("time"), mint["at_s"].parse().expect("time"));
        assert!(sent < minted, "sent before minted: {deposit:?} {mint:?}");
    }
    let losses_csv = std::fs::read_to_string(dir.join("tunnel_losses.csv")).expect("written");
    for loss in losses_csv.lines().skip(1) {
        let txid = loss.split(',').next().expect("a txid");
        assert!(deposit_rows.iter().any(|d| d["txid"] == txid), "the lost deposit {txid} has its deposit row");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_statistic_of_an_empty_sample() {
    // No PoP miner: no keystone is ever published, so no L2 block becomes superfinal.
    let dir = scratch_dir("empty-sample");
    let out = dir.to_str().expect("utf-8 temp dir");
    let run = hemisim(&[
        "run",
        "scenarios/treasury.toml",
        "--set",
        "pop.miners=0",
        "--set",
        "tunnel.grace_period_s=3600",
        "--out",
        out,
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(3), "withdrawals overdue without superfinality: {stdout}");

    let line = stdout_line(&stdout, "pop: ");
    assert!(line.contains("superfinality mean n/a (no block superfinal) p95 n/a ("), "{line}");
    assert!(!stdout.contains("n/a s"), "no unit after n/a: {stdout}");

    let s = summary(&dir);
    assert_eq!(at(&s, "/pop/blocks_superfinal"), 0);
    assert!(at(&s, "/pop/blocks_pending").as_u64().is_some_and(|n| n > 0));
    for stat in ["mean", "p50", "p95", "p99", "sd"] {
        assert!(at(&s, &format!("/pop/superfinality_latency_s/{stat}")).is_null(), "{stat} of no superfinal block");
    }
    assert_eq!(at(&s, "/pop/superfinality_latency_s/mean_is_lower_bound"), false);
    assert_eq!(at(&s, "/tunnel/payouts"), 0);
    for stat in ["mean", "p50", "p95"] {
        assert!(at(&s, &format!("/tunnel/payout_latency_s/{stat}")).is_null(), "payout {stat} of no payout");
        assert!(at(&s, &format!("/tunnel/settlement_latency_s/{stat}")).is_null(), "settlement {stat} of no payout");
    }
    assert_eq!(at(&s, "/pop/rewards_paid").to_string(), "0.0", "a sum of nothing is 0, not -0");

    let svg = std::fs::read_to_string(dir.join("pop_superfinality.svg")).expect("figure written");
    assert!(svg.contains("still waiting, none superfinal (longest wait"), "the legend says no block is superfinal");
    assert!(!svg.contains("still waiting, mean"), "and gives no mean");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_mean_cut_short_by_blocks_still_waiting_is_labelled_a_lower_bound() {
    // Twelve hours of the fee spike's scenario: the run ends while the spike's blocks still wait.
    let dir = scratch_dir("lower-bound");
    let out = dir.to_str().expect("utf-8 temp dir");
    let run = hemisim(&["run", "scenarios/fee-spike.toml", "--set", "duration_s=43200", "--out", out]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let s = summary(&dir);
    let mean = at(&s, "/pop/superfinality_latency_s/mean").as_f64().expect("blocks finished: a mean");
    assert_eq!(at(&s, "/pop/superfinality_latency_s/mean_is_lower_bound"), true);
    let line = stdout_line(&stdout, "pop: ");
    assert!(line.contains(&format!("superfinality mean >= {mean:.0} s (a lower bound")), "{line}");
    let svg = std::fs::read_to_string(dir.join("pop_superfinality.svg")).expect("figure written");
    assert!(svg.contains("(a lower bound)"), "the legend labels the mean");
    let _ = std::fs::remove_dir_all(&dir);
}
