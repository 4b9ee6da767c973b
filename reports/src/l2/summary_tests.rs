//! Tests of the `l2` summary on hand-checked records.

use super::*;
use crate::ReportError;
use crate::summary::summarize;
use crate::testutil::{l2_run, sample_record};

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// Three blocks over 36 s: 2 transactions and 15M gas, nothing, 3 transactions and 45M gas.
/// Latencies 0.5, 11.5 | - | 0.5, 6, 11.5 s.
fn three_blocks(seed: u64) -> RunRecord {
    let mut record = l2_run(seed, &[(2, 15_000_000), (0, 0), (3, 45_000_000)]);
    record.meta.sim_time_us = 36_000_000;
    record
}

#[test]
fn metrics_of_a_hand_checked_record() {
    let s = l2_summary(&[three_blocks(7)]).expect("the record has an L2 chain");
    assert_eq!((s.blocks, s.txs_included), (3, 5));
    assert!(close(s.tps, 5.0 / 36.0));
    assert!(close(s.gas_used_per_s, 60e6 / 36.0));
    assert_eq!(s.gas_limit_per_s, Some(2_500_000.0));
    assert!(close(s.block_fullness_mean, (0.5 + 0.0 + 1.5) / 3.0));
    // Sorted: 0.5, 0.5, 6, 11.5, 11.5 s in 100 ms buckets. Nearest rank: p50 is the 3rd
    // sample (6 s, bucket [6.0, 6.1)), p95 and p99 the 5th (bucket [11.5, 11.6)).
    assert_eq!(s.tx_inclusion_latency_p50_s, Some(6.1));
    assert_eq!(s.tx_inclusion_latency_p95_s, Some(11.6));
    assert_eq!(s.tx_inclusion_latency_p99_s, Some(11.6));
    // Midpoints: (2 * 0.55 + 6.05 + 2 * 11.55) / 5.
    assert!(close(s.tx_inclusion_latency_mean_s, 6.05));
    assert_eq!(s.tx_inclusion_latency_max_s, Some(11.5));
    assert_eq!(s.tx_inclusion_latency_resolution_s, 0.1);
    assert_eq!((s.tps_ci95, s.gas_used_per_s_ci95), (None, None));
    assert_eq!(s.tx_inclusion_latency_mean_ci95, None);
    assert_eq!((s.txs_submitted, s.txs_rejected, s.txs_deferred), (10, 5, 1));
    let reasons: Vec<(&str, u64)> = s.txs_rejected_by_reason.iter().map(|(k, &v)| (k.as_str(), v)).collect();
    assert_eq!(reasons, [("fee-too-low", 3), ("nonce-gap", 2)]);
    assert_eq!((s.backlog_max, s.backlog_final), (Some(0), Some(0)));
    assert_eq!((s.blocks_verified, s.state_root_mismatches), (6, 0));
    assert_eq!((s.block_time_s, s.gas_limit), (12.0, 30_000_000));
}

#[test]
fn histogram_percentiles_and_mean_by_hand() {
    // 100 samples in 1 ms buckets: 50 in [0, 1), 45 in [9, 10), 4 in [19, 20), 1 in [99, 100).
    let mut counts = vec![0; 100];
    (counts[0], counts[9], counts[19], counts[99]) = (50, 45, 4, 1);
    let h = LatencyHistogram { bucket_us: 1_000, counts };
    let p = |q| h.percentile_upper_us(q);
    assert_eq!(
        [p(0), p(50), p(51), p(95), p(96), p(99), p(100), p(250)],
        [1, 1, 10, 10, 20, 20, 100, 100].map(|ms| Some(ms * 1_000))
    );
    // (50 * 0.5 + 45 * 9.5 + 4 * 19.5 + 1 * 99.5) / 100 ms.
    assert_eq!(h.mean_midpoint_us(), Some(6_300.0));
    let empty = LatencyHistogram::standard();
    assert_eq!(empty.percentile_upper_us(50), None);
    assert_eq!(empty.mean_midpoint_us(), None);
}

#[test]
fn no_transaction_gives_null_latencies_not_a_panic() {
    let mut record = l2_run(1, &[(0, 0), (0, 0)]);
    record.meta.sim_time_us = 0;
    let s = l2_summary(std::slice::from_ref(&record)).expect("L2 chain");
    assert_eq!((s.blocks, s.txs_included), (2, 0));
    assert_eq!((s.tps, s.gas_used_per_s), (None, None));
    assert_eq!(s.tx_inclusion_latency_p50_s, None);
    assert_eq!(s.tx_inclusion_latency_mean_s, None);
    assert_eq!(s.tx_inclusion_latency_max_s, None);
    let l2 = record.l2.as_mut().expect("L2 chain");
    l2.blocks.clear();
    (l2.block_time_s, l2.gas_limit) = (0.0, 0);
    let s = l2_summary(std::slice::from_ref(&record)).expect("L2 chain");
    assert_eq!((s.blocks, s.backlog_final, s.gas_limit_per_s, s.max_block_gap_s), (0, None, None, None));
    assert_eq!(s.block_fullness_mean, None);
    let json = summarize(&[record]).expect("one record").to_json();
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
}

#[test]
fn pooling_two_replications() {
    let a = three_blocks(1);
    let mut b = l2_run(2, &[(4, 30_000_000)]);
    b.meta.sim_time_us = 12_000_000;
    let l2 = b.l2.as_mut().expect("L2 chain");
    (l2.blocks[0].backlog, l2.backlog_max, l2.state_root_mismatches) = (7, 9, 1);
    l2.txs_rejected.push(("pool-full".to_string(), 1));
    let s = l2_summary(&[a.clone(), b.clone()]).expect("L2 chains");
    assert_eq!((s.blocks, s.txs_included, s.txs_submitted), (4, 9, 19));
    assert!(close(s.tps, 9.0 / 48.0), "pooled: sum over sum");
    assert!(close(s.gas_used_per_s, 90e6 / 48.0));
    let tps = stats::mean_ci95(&[5.0 / 36.0, 4.0 / 12.0]).map(stats::Interval::to_array);
    assert_eq!(s.tps_ci95, tps);
    let gas = stats::mean_ci95(&[60e6 / 36.0, 30e6 / 12.0]).map(stats::Interval::to_array);
    assert_eq!(s.gas_used_per_s_ci95, gas);
    assert!(close(s.block_fullness_mean, (0.5 + 0.0 + 1.5 + 1.0) / 4.0));
    // b's latencies: 0.5, 4.17, 7.83, 11.5 s. All nine sorted: 0.5 (3 times), 4.17, 6, 7.83,
    // 11.5 (3 times): p50 is the 5th (6 s), p99 the 9th.
    assert_eq!(s.tx_inclusion_latency_p50_s, Some(6.1));
    assert_eq!(s.tx_inclusion_latency_p99_s, Some(11.6));
    let merged = pooled_latency(&[a.clone(), b.clone()]).expect("L2 chains");
    assert_eq!(merged.total(), 9);
    assert_eq!(s.tx_inclusion_latency_mean_s, merged.mean_midpoint_us().map(|us| us / 1e6));
    let means: Vec<f64> =
        [&a, &b].iter().filter_map(|r| r.l2.as_ref()?.latency.mean_midpoint_us()).map(|us| us / 1e6).collect();
    assert_eq!(s.tx_inclusion_latency_mean_ci95, stats::mean_ci95(&means).map(stats::Interval::to_array));
    assert_eq!((s.backlog_max, s.backlog_final), (Some(9), Some(7)), "max; sum of finals");
    // a's blocks 12.000000 s, then 12.000001 s apart; b's one block 12 s after its start.
    assert_eq!(s.max_block_gap_s, Some(12.000001), "the longest gap of either");
    assert_eq!((s.txs_rejected, s.txs_deferred, s.state_root_mismatches), (11, 2, 1));
    let reasons: Vec<_> = s.txs_rejected_by_reason.into_iter().collect();
    let expected = [("fee-too-low", 6), ("nonce-gap", 4), ("pool-full", 1)];
    assert_eq!(reasons, expected.map(|(k, v)| (k.to_string(), v)));
    assert_eq!(s.blocks_verified, 8);
}

#[test]
fn replications_with_different_l2_shapes_are_refused() {
    let mut other = three_blocks(2);
    if let Some(l2) = other.l2.as_mut() {
        l2.latency.bucket_us = 50_000;
    }
    let err = summarize(&[three_blocks(1), other.clone()]).expect_err("different buckets");
    assert!(matches!(err, ReportError::Inconsistent { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("latency histogram")
            && message.contains("bucket_us=100000")
            && message.contains("bucket_us=50000")
            && message.contains("seed 2"),
        "{message}"
    );
    if let Some(l2) = other.l2.as_mut() {
        l2.latency = LatencyHistogram { bucket_us: 100_000, counts: vec![0; 10] };
    }
    let err = summarize(&[three_blocks(1), other]).expect_err("different bucket counts");
    assert!(err.to_string().contains("buckets=10\""), "{err}");
    let mut bitcoin_only = three_blocks(2);
    bitcoin_only.l2 = None;
    let err = summarize(&[three_blocks(1), bitcoin_only]).expect_err("L2 in one only");
    assert!(err.to_string().contains("on l2:"), "{err}");
    let mut slower = three_blocks(3);
    if let Some(l2) = slower.l2.as_mut() {
        l2.block_time_s = 2.0;
    }
    let err = summarize(&[three_blocks(1), slower]).expect_err("different block time");
    assert!(err.to_string().contains("block_time_s=2.0"), "{err}");
}

#[test]
fn l2_keys_come_in_the_documented_order_between_attack_and_perf() {
    let mut record = three_blocks(7);
    record.attack = sample_record(7).attack;
    let json = summarize(&[record]).expect("one record").to_json();
    let keys = [
        "\"attack\"",
        "\"expected_revenue_share\"",
        "\"l2\"",
        "\"blocks\"",
        "\"txs_included\"",
        "\"tps\"",
        "\"tps_ci95\"",
        "\"gas_used_per_s\"",
        "\"gas_used_per_s_ci95\"",
        "\"gas_limit_per_s\"",
        "\"block_fullness_mean\"",
        "\"tx_inclusion_latency_p50_s\"",
        "\"tx_inclusion_latency_p95_s\"",
        "\"tx_inclusion_latency_p99_s\"",
        "\"tx_inclusion_latency_mean_s\"",
        "\"tx_inclusion_latency_mean_ci95\"",
        "\"tx_inclusion_latency_max_s\"",
        "\"tx_inclusion_latency_resolution_s\"",
        "\"txs_submitted\"",
        "\"txs_rejected\"",
        "\"txs_rejected_by_reason\"",
        "\"txs_deferred\"",
        "\"backlog_max\"",
        "\"backlog_final\"",
        "\"max_block_gap_s\"",
        "\"blocks_verified\"",
        "\"state_root_mismatches\"",
        "\"block_time_s\"",
        "\"gas_limit\"",
        "\"perf\"",
    ];
    let positions: Vec<usize> =
        keys.iter().map(|k| json.find(k).unwrap_or_else(|| panic!("{k} missing in {json}"))).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    let reasons = "\"txs_rejected_by_reason\": {\n      \"fee-too-low\": 3,\n      \"nonce-gap\": 2\n    },";
    assert!(json.contains(reasons), "an object with sorted keys: {json}");
    let records = [three_blocks(7), three_blocks(8)];
    let first = summarize(&records).expect("consistent").to_json();
    assert_eq!(first, summarize(&records.clone()).expect("consistent").to_json());
    let back: crate::Summary = serde_json::from_str(&first).expect("reads back");
    assert_eq!(back.to_json(), first, "round trip");
}

/// `summary.json` of a Bitcoin-only run, byte for byte as written before the L2 summary existed.
#[test]
fn bitcoin_only_summary_is_unchanged() {
    let json = summarize(&[sample_record(7)]).expect("one record").to_json();
    assert_eq!(json, include_str!("../testdata/bitcoin_only_summary.json"));
    assert!(!json.contains("\"l2\""));
}

/// No block: nothing was measured, so every statistic over blocks or transactions is `null`
/// (with the counts 0), not 0.
#[test]
fn an_l2_without_blocks_has_no_statistic_of_them() {
    let s = l2_summary(&[l2_run(1, &[])]).expect("an L2 chain");
    assert_eq!((s.blocks, s.txs_included), (0, 0));
    assert_eq!((s.backlog_max, s.backlog_final), (None, None));
    assert_eq!(s.block_fullness_mean, None);
    assert_eq!(
        (s.tx_inclusion_latency_p50_s, s.tx_inclusion_latency_mean_s, s.tx_inclusion_latency_max_s),
        (None, None, None)
    );
}

#[test]
fn settlement_heads_give_lags_reorgs_and_forced_blocks() {
    use crate::testutil::settled_run;
    let s = l2_summary(&[settled_run(7)]).expect("an L2 chain");
    let h = s.settlement.expect("a settlement chain");
    let lag = |count, mean: f64, p50, p95, max| LatencySummary {
        count,
        mean: Some(mean),
        p50: Some(p50),
        p95: Some(p95),
        max: Some(max),
    };
    // Block 4 is neither safe nor final at the end: not counted.
    assert_eq!(h.safe_lag_s, lag(3, 31.0, 31.0, 38.0, 38.0));
    assert_eq!(h.finalized_lag_s, lag(3, (58.0 + 56.0 + 44.0) / 3.0, 56.0, 58.0, 58.0));
    assert_eq!((h.unsafe_reorgs, h.reorgs, h.reorg_depth_max, h.reorged_txs, h.forced_blocks), (1, 1, 2, 7, 1));
    // Replications: counts summed, the depth a maximum, lags over every block.
    let h = l2_summary(&[settled_run(7), settled_run(8)]).and_then(|s| s.settlement).expect("settled");
    assert_eq!(
        (h.safe_lag_s.count, h.unsafe_reorgs, h.reorg_depth_max, h.reorged_txs, h.forced_blocks),
        (6, 2, 2, 14, 2)
    );
    assert_eq!(l2_summary(&[three_blocks(7)]).and_then(|s| s.settlement), None);
}

#[test]
fn settlement_keys_are_written_only_for_settlement_chains() {
    use crate::testutil::settled_run;
    let json = summarize(&[settled_run(7)]).expect("one run").to_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let l2 = &value["l2"];
    assert_eq!(l2["safe_lag_s"]["p95"], 38.0);
    assert_eq!(l2["finalized_lag_s"]["count"], 3);
    assert_eq!((&l2["unsafe_reorgs"], &l2["reorgs"], &l2["reorg_depth_max"]), (&1.into(), &1.into(), &2.into()));
    assert_eq!((&l2["reorged_txs"], &l2["forced_blocks"]), (&7.into(), &1.into()));
    assert_eq!(value["ethereum"]["batcher_fees_gwei"], 63_000.000131072);
    let back: crate::Summary = serde_json::from_str(&json).expect("reads back");
    assert!(back.l2.and_then(|l2| l2.settlement).is_some());
    let plain = summarize(&[three_blocks(7)]).expect("one run").to_json();
    let plain_l2 = serde_json::from_str::<serde_json::Value>(&plain).expect("valid JSON")["l2"].clone();
    for key in ["safe_lag_s", "finalized_lag_s", "unsafe_reorgs", "reorgs", "reorged_txs", "forced_blocks"] {
        assert!(plain_l2.get(key).is_none(), "{key} in a plain run's summary");
    }
    let back: crate::Summary = serde_json::from_str(&plain).expect("reads back");
    assert_eq!(back.l2.and_then(|l2| l2.settlement), None);
}

#[test]
fn btc_view_lag_is_the_longest_wait_of_a_main_chain_block_for_the_l2s_view() {
    use crate::testutil::block;
    // L2 blocks 1..6 at 12 s (+ (n - 1) µs) carry Bitcoin tips 100, 100, 101, 101, 102, 102.
    let mut record = l2_run(7, &[(0, 0); 6]);
    record.meta.sim_time_us = 100_000_000;
    record.btc.blocks = vec![
        block(0, "genesis", 0, true),
        block(101, "miner-0", 30_000_000, true),
        block(102, "miner-1", 40_000_000, true),
        block(103, "miner-0", 50_000_000, true),
        block(103, "miner-1", 10_000_000, false),
    ];
    // 101: carried by block 3 at 36.000002 s; 102: by block 5 at 60.000004 s; 103: never
    // carried, waits to the end (100 s); the stale block does not count.
    assert_eq!(btc_view_lag_max_us(&record), Some(50_000_000));
    record.btc.blocks.truncate(3);
    assert_eq!(btc_view_lag_max_us(&record), Some(20_000_004));
}
