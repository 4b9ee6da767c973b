//! The censorship area's outputs against the run's own trace: a short settlement run where a
//! live sequencer drops 10% of senders for 30 minutes and users escape after 5 minutes.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{hemisim, scratch_dir};

const CENSORED: [&str; 8] = [
    "--set",
    "duration_s=3600",
    "--set",
    "censor.0.target=senders",
    "--set",
    "censor.0.share=0.1",
    "--set",
    "censor.0.start_s=600",
];

fn events(trace: &str, event: &str) -> Vec<serde_json::Value> {
    let tag = format!("\"event\":\"{event}\"");
    trace.lines().filter(|l| l.contains(&tag)).map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

fn hashes(lines: &[serde_json::Value]) -> BTreeSet<String> {
    lines.iter().map(|l| l["hash"].as_str().expect("a hash").to_string()).collect()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn summary_and_csv_match_the_trace_and_every_escape_keeps_its_bound() {
    let dir = scratch_dir("censorship-outputs");
    let out = dir.to_str().expect("UTF-8 path");
    let mut args = vec!["run", "scenarios/settlement.toml", "--out", out, "--trace"];
    args.extend(CENSORED);
    args.extend(["--set", "censor.0.duration_s=1800", "--set", "workload.force_after_s=300"]);
    let run = hemisim(&args);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let trace = read(&dir, "trace.jsonl");
    let (held, forced, included) =
        (events(&trace, "l2-tx-censored"), events(&trace, "tx-forced"), events(&trace, "forced-tx-included"));
    assert!(!held.is_empty() && !forced.is_empty(), "the run censors and users escape");
    let summary: serde_json::Value = serde_json::from_str(&read(&dir, "summary.json")).expect("JSON");
    let c = &summary["censorship"];
    assert_eq!(c["txs_censored"], hashes(&held).len());
    assert_eq!(c["txs_escaped"], hashes(&forced).len());
    assert_eq!(c["txs_forced"], hashes(&included).len());
    assert_eq!(c["bound_violations"], 0);
    let all: BTreeSet<String> = hashes(&held).union(&hashes(&forced)).cloned().collect();
    assert_eq!(c["txs_never_included"], all.len() - hashes(&included).len());
    // Fees: the exact sum of the escapes' L1 fees.
    let wei: u128 =
        forced.iter().map(|l| l["l1_fee_wei"].as_str().expect("decimal").parse::<u128>().expect("wei")).sum();
    assert_eq!(c["l1_fees_eth"].as_f64(), Some(wei as f64 / 1e18));
    // One CSV row per transaction, each escape's inclusion at the time the trace has.
    let csv = read(&dir, "censorship.csv");
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), all.len());
    for line in &included {
        let hash = line["hash"].as_str().expect("hash");
        let row = rows.iter().find(|r| r[0] == hash).expect("a row per included escape");
        assert_eq!(row[7], line["t"].as_str().expect("time"), "{hash}");
        assert_eq!((row[8], row[14]), ("portal", "true"), "{hash}");
        assert_eq!(row[11], "live", "no outage: the live sequencer's bound");
    }
    assert!(dir.join("censorship_latency.svg").exists() && dir.join("censorship_latency.png").exists());
    assert!(summary["l2"]["btc_view_lag_max_s"].as_f64().is_some_and(|s| s > 0.0));
}

#[test]
fn runs_without_censorship_faults_or_escapes_write_nothing_of_it() {
    let dir = scratch_dir("censorship-none");
    let out = dir.to_str().expect("UTF-8 path");
    let run = hemisim(&["run", "scenarios/settlement.toml", "--out", out, "--set", "duration_s=600"]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(!read(&dir, "summary.json").contains("\"censorship\""));
    assert!(!dir.join("censorship.csv").exists() && !dir.join("censorship_latency.png").exists());
}

#[test]
fn a_delay_rule_releases_through_the_sequencer_within_its_delay_and_a_block() {
    let dir = scratch_dir("censorship-delay");
    let out = dir.to_str().expect("UTF-8 path");
    let mut args = vec!["run", "scenarios/settlement.toml", "--out", out, "--trace"];
    args.extend(CENSORED);
    args.extend(["--set", "censor.0.mode=delay", "--set", "censor.0.delay_s=120"]);
    let run = hemisim(&args);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let trace = read(&dir, "trace.jsonl");
    let released = hashes(&events(&trace, "censored-tx-included"));
    let summary: serde_json::Value = serde_json::from_str(&read(&dir, "summary.json")).expect("JSON");
    let c = &summary["censorship"];
    assert!(!released.is_empty());
    assert_eq!(c["txs_included_by_sequencer"], released.len());
    assert_eq!(c["txs_censored"], hashes(&events(&trace, "l2-tx-censored")).len());
    assert_eq!((c["txs_escaped"].as_u64(), c["txs_forced"].as_u64()), (Some(0), Some(0)));
    // Held from its arrival (one 2 s hop) for 120 s, then in the next 12 s block.
    let max = c["latency_by_path_s"]["sequencer"]["max"].as_f64().expect("released ones");
    assert!(max > 120.0 && max <= 2.0 + 120.0 + 12.0, "{max}");
}
