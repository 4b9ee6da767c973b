//! Tests of the summary on hand-checked records.

use super::*;
use crate::bitcoin::summary::main_chain_intervals_s;
use crate::record::{AttackKind, TrialOutcome};
use crate::testutil::{block, empty_record, sample_record};
use crate::{stats, theory};

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn metrics_of_a_hand_checked_record() {
    let s = summarize(&[sample_record(7)]).expect("one consistent record");
    assert_eq!((s.seed, s.runs, s.sim_time_s), (7, 1, 3600.0));
    assert_eq!(s.trace_hash, sample_record(7).meta.trace_hash);
    let btc = &s.btc;
    assert_eq!((btc.blocks_total, btc.blocks_main, btc.reorgs, btc.reorg_depth_max), (5, 4, 1, 1));
    assert!(close(btc.stale_rate, 0.2));
    assert_eq!(btc.stale_rate_ci95, stats::wilson_interval(1, 5).map(stats::Interval::to_array));
    assert_eq!(btc.block_intervals, 3);
    assert!(close(btc.block_interval_mean_s, 1900.0 / 3.0));
    assert!(close(btc.share_of_intervals_above_target, 2.0 / 3.0));
    // Main-chain fees only: heights 1, 2, 3, 4 at 100 sats per height.
    assert_eq!(btc.fees_sats_total, 1000);
    let attack = s.attack.as_ref().expect("the record has an attack");
    assert_eq!((attack.trials, attack.successes, attack.unfinished), (2, 1, 1));
    assert!(close(attack.success_rate, 0.5));
    assert!(close(attack.revenue_share, 0.25));
    assert!(close(attack.expected_success_rate, theory::double_spend_overtake_with_give_up(0.3, 2, 4)));
    assert_eq!(attack.expected_revenue_share, None);
    assert!(close(s.perf.sim_seconds_per_wall_second, 7200.0));
    assert!(close(s.perf.events_per_wall_second, 2000.0));
}

#[test]
fn intervals_follow_found_time_not_record_order() {
    let mut record = sample_record(1);
    record.btc.blocks.reverse();
    let intervals = main_chain_intervals_s(&record.btc);
    assert_eq!(intervals, vec![600.5, 599.500001, 699.999999]);
}

#[test]
fn pooling_two_replications_sums_counts_and_pools_rates() {
    let a = sample_record(7);
    let mut b = sample_record(8);
    b.btc.blocks.push(block(5, "miner-2", 2_600_000_000, false));
    b.btc.blocks.push(block(5, "miner-1", 3_100_000_000, true));
    if let Some(attack) = b.attack.as_mut() {
        attack.trials[1].outcome = TrialOutcome::Success;
    }
    let s = summarize(&[a.clone(), b.clone()]).expect("consistent replications");
    assert_eq!((s.runs, s.seed, s.sim_time_s, s.wall_time_s), (2, 7, 7200.0, 1.0));
    assert_eq!((s.btc.blocks_total, s.btc.blocks_main), (12, 9));
    assert!(close(s.btc.stale_rate, 3.0 / 12.0));
    assert_eq!(s.btc.block_intervals, 7);
    let mut all = main_chain_intervals_s(&a.btc);
    all.extend(main_chain_intervals_s(&b.btc));
    assert_eq!(s.btc.block_interval_mean_s, stats::mean(&all));
    let attack = s.attack.as_ref().expect("attack in both");
    assert_eq!((attack.trials, attack.successes, attack.unfinished), (4, 3, 2));
    assert_eq!(attack.ci95_low, stats::wilson_interval(3, 4).map(|i| i.low));
    assert!(close(attack.revenue_share, 2.0 / 9.0));
    assert_eq!(s.trace_hash, combine_hashes([a.meta.trace_hash.as_str(), b.meta.trace_hash.as_str()]));
    assert_eq!(s.scenario_hash, a.meta.scenario_hash, "same scenario hash is kept as is");
    assert_eq!(s.perf.events, 2000);
}

#[test]
fn same_records_give_byte_identical_json_except_wall_clock() {
    let records = [sample_record(7), sample_record(8)];
    let first = summarize(&records).expect("consistent").to_json();
    assert_eq!(first, summarize(&records.clone()).expect("consistent").to_json());
    assert!(first.ends_with("}\n"));
    let mut slower = records.clone();
    slower[0].perf.wall_time_s = 99.0;
    let (mut x, mut y) = (summarize(&records).expect("ok"), summarize(&slower).expect("ok"));
    assert_ne!(x.to_json(), y.to_json());
    for s in [&mut x, &mut y] {
        s.wall_time_s = 0.0;
        s.perf = PerfSummary {
            wall_time_s: 0.0,
            sim_seconds_per_wall_second: None,
            events: 0,
            events_per_wall_second: None,
            l2_txs_executed_per_wall_second: None,
        };
    }
    assert_eq!(x.to_json(), y.to_json());
}

#[test]
fn undefined_rates_are_null_not_a_panic() {
    let mut record = empty_record(3);
    record.attack = sample_record(3).attack;
    if let Some(attack) = record.attack.as_mut() {
        attack.trials.clear();
        attack.hashrate_share = f64::NAN;
    }
    let json = summarize(&[record]).expect("one record").to_json();
    for key in [
        "stale_rate",
        "block_interval_mean_s",
        "success_rate",
        "ci95_low",
        "expected_success_rate",
        "events_per_wall_second",
    ] {
        assert!(json.contains(&format!("\"{key}\": null")), "{key} in {json}");
    }
    assert!(!json.contains("NaN") && !json.contains("inf"));
}

#[test]
fn selfish_mining_carries_the_eyal_sirer_expectation() {
    let mut record = sample_record(1);
    if let Some(attack) = record.attack.as_mut() {
        attack.kind = AttackKind::SelfishMining;
        attack.gamma = 0.5;
        attack.trials.clear();
    }
    let s = summarize(&[record]).expect("one record");
    let attack = s.attack.expect("attack");
    assert_eq!(attack.expected_revenue_share, Some(theory::selfish_mining_revenue(0.3, 0.5)));
    assert_eq!((attack.expected_success_rate, attack.success_rate), (None, None));
}

#[test]
fn replications_that_cannot_be_pooled_are_refused() {
    assert!(matches!(summarize(&[]), Err(ReportError::NoRecords)));
    let dup = summarize(&[sample_record(1), sample_record(1)]);
    assert!(matches!(dup, Err(ReportError::DuplicateSeed { seed: 1 })));
    let mut other = sample_record(2);
    if let Some(attack) = other.attack.as_mut() {
        attack.confirmations = 6;
    }
    let err = summarize(&[sample_record(1), other]).expect_err("different attacks");
    assert!(err.to_string().contains("attack") && err.to_string().contains("seed 2"), "{err}");
}

#[test]
fn json_keys_come_in_the_documented_order() {
    let json = summarize(&[sample_record(7)]).expect("one record").to_json();
    let keys = [
        "\"scenario_name\"",
        "\"seed\"",
        "\"runs\"",
        "\"scenario_hash\"",
        "\"trace_hash\"",
        "\"sim_time_s\"",
        "\"wall_time_s\"",
        "\"btc\"",
        "\"blocks_total\"",
        "\"stale_rate\"",
        "\"block_interval_mean_s\"",
        "\"fees_sats_total\"",
        "\"attack\"",
        "\"kind\": \"double-spend\"",
        "\"success_rate\"",
        "\"expected_success_rate\"",
        "\"revenue_share\"",
        "\"expected_revenue_share\"",
        "\"perf\"",
        "\"sim_seconds_per_wall_second\"",
        "\"events_per_wall_second\"",
    ];
    let positions: Vec<usize> = keys.iter().map(|k| json.find(k).unwrap_or_else(|| panic!("{k} missing"))).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    let no_attack = summarize(&[empty_record(1)]).expect("one record").to_json();
    assert!(!no_attack.contains("\"attack\""));
}
