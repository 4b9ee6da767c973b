//! Tests of the `pop` summary on the hand-checked record of [`crate::testutil::pop_run`].

use super::*;
use crate::ReportError;
use crate::summary::summarize;
use crate::testutil::{l2_run, pop_run, sample_record};

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// Kaplan–Meier area of `pop_run`'s latencies (s): 300.25, 300.5, 500.25, 500.5, 700.25, 900.25
/// finished, 128 and 328 censored; at risk 7, 6, 4, 3, 2, 1 before each finish.
fn hand_mean() -> f64 {
    300.25 + 6.0 / 7.0 * 0.25 + 5.0 / 7.0 * 199.75 + 15.0 / 28.0 * 0.25 + 5.0 / 14.0 * 199.75 + 5.0 / 28.0 * 200.0
}

fn hand_sd() -> f64 {
    let xs = [300.25, 300.5, 500.25, 500.5, 700.25, 900.25];
    let mean = 3202.0 / 6.0;
    let squares: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    (squares / 5.0).sqrt()
}

#[test]
fn metrics_of_the_hand_checked_pop_run() {
    let s = pop_summary(&[pop_run(7)]).expect("the record has PoP");
    assert_eq!((s.keystones, s.publications, s.pop_txs_sent), (4, 7, 8));
    assert_eq!((s.keystones_published, s.keystones_superfinal), (3, 3));
    assert_eq!((s.blocks_superfinal, s.blocks_pending), (6, 2));
    let l = s.superfinality_latency_s;
    assert!(close(l.mean, hand_mean()), "{:?}", l.mean);
    // Survival falls to 15/28 at 500.25 s, 5/14 at 500.5 s, 0 at 900.25 s.
    assert_eq!((l.p50, l.p95, l.p99), (Some(500.5), Some(900.25), Some(900.25)));
    assert!(close(l.sd, hand_sd()));
    assert_eq!(s.superfinality_latency_ci95, None, "one run");
    // P = 2 × 200 s, M = 3, θ = 100 s: mean 200 + 300 s, variance 400²/12 + 3 × 100².
    let e = s.superfinality_latency_expected_s;
    assert_eq!(e.mean, Some(500.0));
    assert!(close(e.sd, (160_000.0f64 / 12.0 + 30_000.0).sqrt()));
    assert_eq!(e.p95, Some(theory::superfinality_latency_quantile(0.95, 400.0, 3, 100.0)));
    assert_eq!(s.fees_sats_total, 3_700);
    assert_eq!(s.fees_sats_per_day, Some(185_000.0), "3,700 sat in 0.02 day");
    // 4 × 1,700 vB of 17 main-chain blocks of 40,000 WU (the stale block does not count).
    assert!(close(s.block_space_share, 0.01));
    assert_eq!((s.fee_deferrals, s.rewards_paid), (2, 270.0));
    assert_eq!((s.keystone_interval_blocks, s.superfinality_depth), (2, 2));
    assert_eq!((s.fee_cap_sat_per_vb, s.reward_per_keystone), (10.0, 90.0));
    let miner = |name: &str, txs, pubs, fees, reward: f64| PopMinerSummary {
        name: name.to_string(),
        txs_sent: txs,
        publications: pubs,
        fees_sats: fees,
        reward,
        reward_share: Some(reward / 270.0),
        sats_per_reward: Some(fees as f64 / reward),
    };
    assert_eq!(s.miners, [miner("pop-0", 4, 3, 1_900, 140.0), miner("pop-1", 4, 3, 1_700, 85.0)]);
}

#[test]
fn censoring_changes_the_estimate_not_the_counts_of_finished_blocks() {
    // Without the second step, blocks 3..=8 wait until the end: 1728 - 200 i s.
    let mut record = pop_run(1);
    if let Some(pop) = record.pop.as_mut() {
        pop.superfinal.truncate(1);
    }
    let s = pop_summary(&[record]).expect("PoP");
    assert_eq!((s.blocks_superfinal, s.blocks_pending, s.keystones_superfinal), (2, 6, 1));
    let l = s.superfinality_latency_s;
    // Sorted: 128c 300.5 328c 500.5 528c 728c 928c 1128c. S: 6/7 at 300.5, 6/7 × 4/5 at 500.5.
    assert_eq!((l.p50, l.p95), (None, None), "survival never falls below 0.69");
    let area = 300.5 + 6.0 / 7.0 * 200.0 + 24.0 / 35.0 * (1128.0 - 500.5);
    assert!(close(l.mean, area), "restricted to the largest wait: {:?}", l.mean);
    assert!(l.mean_is_lower_bound, "the slowest blocks still wait");
    assert_eq!(l.sd, Some(((200.0f64 * 200.0) / 2.0).sqrt()));
}

#[test]
fn no_mean_when_no_block_became_superfinal() {
    let mut waiting = pop_run(2);
    if let Some(pop) = waiting.pop.as_mut() {
        pop.superfinal.clear();
    }
    let l = run_latency_stats(&waiting);
    assert_eq!(l, LatencyStats::default(), "every block still waits: no statistic, not the longest wait");
    let s = pop_summary(&[pop_run(1), waiting]).expect("PoP");
    assert_eq!((s.blocks_superfinal, s.blocks_pending), (6, 10));
    assert_eq!(
        (s.superfinality_latency_s.mean, s.superfinality_latency_s.mean_is_lower_bound),
        (None, false),
        "one replication without a mean: no pooled mean"
    );
    let exact = run_latency_stats(&pop_run(1));
    assert!(exact.mean.is_some() && !exact.mean_is_lower_bound, "the slowest block finished");
    let json = summarize(&[pop_run(3)]).expect("one record").to_json();
    assert!(json.contains("\"mean_is_lower_bound\": false"), "{json}");
}

#[test]
fn pooling_two_replications() {
    let a = pop_run(1);
    let mut b = pop_run(2);
    b.meta.sim_time_us = 1_600_000_000;
    if let Some(pop) = b.pop.as_mut() {
        pop.publications.truncate(3);
        pop.superfinal.truncate(1);
        pop.fee_deferrals.clear();
    }
    let s = pop_summary(&[a.clone(), b.clone()]).expect("PoP in both");
    assert_eq!((s.keystones, s.publications, s.pop_txs_sent), (8, 10, 16));
    assert_eq!((s.keystones_published, s.keystones_superfinal), (4, 4));
    assert_eq!((s.blocks_superfinal, s.blocks_pending, s.fee_deferrals), (8, 8, 2));
    assert_eq!(s.fees_sats_total, 3_700 + 2_400);
    assert!(close(s.fees_sats_per_day, 6_100.0 * 86_400.0 / 3_328.0), "sum over sum");
    assert_eq!(s.rewards_paid, 270.0 + 90.0);
    let (ra, rb) = (run_latency_stats(&a), run_latency_stats(&b));
    let pair = |f: fn(&LatencyStats) -> Option<f64>| [f(&ra), f(&rb)];
    let means = pair(|l| l.mean).map(|x| x.expect("defined"));
    assert_eq!(s.superfinality_latency_s.mean, stats::mean(&means));
    let ci = s.superfinality_latency_ci95.expect("two runs");
    assert_eq!(ci.mean, stats::mean_ci95(&means).map(stats::Interval::to_array));
    // b's p50 is undefined (most of its blocks still wait): no mean, no interval.
    assert_eq!(pair(|l| l.p50), [Some(500.5), None]);
    assert_eq!((s.superfinality_latency_s.p50, ci.p50), (None, None));
    let sds = pair(|l| l.sd).map(|x| x.expect("defined"));
    assert_eq!(s.superfinality_latency_s.sd, stats::mean(&sds));
    // pop-0 publishes twice more in b (1,000 + 600 sat, reward 40 + 10), pop-1 once (800, 40).
    let pop0 = &s.miners[0];
    assert_eq!((pop0.txs_sent, pop0.publications, pop0.fees_sats), (8, 5, 3_500));
    assert_eq!(pop0.reward, 190.0);
    assert!(close(pop0.reward_share, 190.0 / 360.0));
    assert!(close(pop0.sats_per_reward, 3_500.0 / 190.0));
    let b_only = pop_summary(&[b]).expect("PoP");
    assert_eq!(b_only.superfinality_latency_s.p50, None);
}

#[test]
fn replications_with_different_pop_parameters_are_refused() {
    let mut deeper = pop_run(2);
    if let Some(pop) = deeper.pop.as_mut() {
        pop.superfinality_depth = 6;
    }
    let err = summarize(&[pop_run(1), deeper]).expect_err("different depth");
    assert!(matches!(err, ReportError::Inconsistent { field: "pop", .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("superfinality_depth=2") && message.contains("superfinality_depth=6"), "{message}");
    let mut renamed = pop_run(2);
    if let Some(pop) = renamed.pop.as_mut() {
        pop.miners[1].name = "pop-9".to_string();
    }
    let err = summarize(&[pop_run(1), renamed]).expect_err("different miners");
    assert!(err.to_string().contains("miners=pop-0,pop-9"), "{err}");
    let mut without = pop_run(2);
    without.pop = None;
    let err = summarize(&[pop_run(1), without]).expect_err("PoP in one only");
    assert!(err.to_string().contains("\"none\""), "{err}");
}

#[test]
fn design_md_paths_exist_and_keys_come_between_l2_and_perf() {
    let json = summarize(&[pop_run(7)]).expect("one record").to_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    for path in [
        "/pop/keystones",
        "/pop/publications",
        "/pop/keystones_superfinal",
        "/pop/superfinality_latency_s/mean",
        "/pop/superfinality_latency_s/p50",
        "/pop/superfinality_latency_s/p95",
        "/pop/superfinality_latency_s/p99",
        "/pop/fees_sats_total",
    ] {
        let v = value.pointer(path).unwrap_or_else(|| panic!("{path} missing in {json}"));
        assert!(v.is_number(), "{path}: {v}");
    }
    assert_eq!(value.pointer("/pop/superfinality_latency_ci95"), Some(&serde_json::Value::Null));
    let (l2, pop, perf) = (json.find("\"l2\""), json.find("\"pop\""), json.find("\"perf\""));
    assert!(l2 < pop && pop < perf && l2.is_some() && perf.is_some(), "{json}");
    let pop = &json[pop.unwrap_or(0)..];
    let keys = [
        "\"keystones\"",
        "\"publications\"",
        "\"pop_txs_sent\"",
        "\"keystones_published\"",
        "\"keystones_superfinal\"",
        "\"blocks_superfinal\"",
        "\"blocks_pending\"",
        "\"superfinality_latency_s\"",
        "\"superfinality_latency_ci95\"",
        "\"superfinality_latency_expected_s\"",
        "\"fees_sats_total\"",
        "\"fees_sats_per_day\"",
        "\"block_space_share\"",
        "\"fee_deferrals\"",
        "\"rewards_paid\"",
        "\"keystone_interval_blocks\"",
        "\"superfinality_depth\"",
        "\"fee_cap_sat_per_vb\"",
        "\"reward_per_keystone\"",
        "\"miners\"",
        "\"reward_share\"",
        "\"sats_per_reward\"",
        "\"perf\"",
    ];
    let positions: Vec<usize> =
        keys.iter().map(|k| pop.find(k).unwrap_or_else(|| panic!("{k} missing in {pop}"))).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{pop}");
    // Reads back (not byte for byte: serde_json without `float_roundtrip` may parse a float one
    // ulp off, e.g. the Wilson bound of the stale rate here).
    let back: crate::Summary = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back.pop.map(|p| p.miners.len()), Some(2));
    let pooled = summarize(&[pop_run(7), pop_run(8)]).expect("consistent").to_json();
    assert!(pooled.contains("\"superfinality_latency_ci95\": {"), "{pooled}");
}

#[test]
fn runs_without_pop_have_no_pop_key() {
    for record in [sample_record(1), l2_run(1, &[(1, 21_000)])] {
        assert_eq!(pop_summary(std::slice::from_ref(&record)), None);
        let json = summarize(&[record]).expect("one record").to_json();
        assert!(!json.contains("\"pop\""), "{json}");
    }
}

#[test]
fn degenerate_pop_runs_give_null_not_a_panic() {
    let mut record = pop_run(1);
    record.l2 = None;
    record.meta.sim_time_us = 0;
    record.btc.blocks.clear();
    let s = pop_summary(std::slice::from_ref(&record)).expect("PoP");
    assert_eq!((s.blocks_superfinal, s.blocks_pending), (0, 0));
    assert_eq!(s.superfinality_latency_s, LatencyStats::default());
    assert_eq!(s.superfinality_latency_expected_s.mean, None, "no L2 block time");
    assert_eq!((s.fees_sats_per_day, s.block_space_share), (None, None));
    let json = summarize(&[record]).expect("one record").to_json();
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
}
