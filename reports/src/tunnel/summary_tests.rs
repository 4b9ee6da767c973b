//! Tests of the `tunnel` summary on the hand-checked record of [`crate::testutil::tunnel_run`].

use super::*;
use crate::ReportError;
use crate::record::{Operation, TunnelOpKind};
use crate::summary::summarize;
use crate::testutil::{l2_run, pop_run, sample_record, tunnel_run};

fn latency(mean: f64, p50: f64, p95: f64) -> TunnelLatency {
    TunnelLatency { mean: Some(mean), p50: Some(p50), p95: Some(p95) }
}

#[test]
fn metrics_of_the_hand_checked_tunnel_run() {
    let s = tunnel_summary(&[tunnel_run(7)]).expect("the record has a tunnel");
    assert_eq!((s.totals.deposits, s.totals.mints, s.totals.minted_sats), (3, 2, 70_000_000));
    assert_eq!((s.totals.withdrawals, s.totals.burned_sats), (3, 45_000_000));
    // The last ledger row: 16M locked (1M of it a non-deposit payment), 10M still owed.
    assert_eq!((s.totals.locked_sats, s.totals.pending_sats_end), (16_000_000, 10_000_000));
    // Three payouts, but id 1's first one never confirmed: only 5M + 30M were paid out.
    assert_eq!((s.totals.payouts, s.totals.payouts_confirmed), (3, 2));
    assert_eq!(s.totals.paid_out_sats, 35_000_000);
    // Only id 2's payout (not superfinal) went out before its burn was superfinal.
    assert_eq!((s.totals.payouts_before_superfinal, s.totals.exposed_sats), (1, 5_000_000));
    assert_eq!(s.totals.withdrawals_overdue, 1);
    assert_eq!((s.totals.losses, s.totals.lost_sats, s.totals.unwound_events), (1, 20_000_000, 1));
    assert_eq!((s.totals.unbacked_sats_max, s.totals.invariant_violations), (20_000_000, 0));
    // Deposits A and B minted after 3600 and 4100 s; C never (left out).
    assert_eq!(s.mint_latency_s, latency(3850.0, 3600.0, 4100.0));
    // Burns 1 and 2 first paid after 1800 and 88 s; burn 3 never.
    assert_eq!(s.payout_latency_s, latency(944.0, 88.0, 1800.0));
    // Confirmed after 3188 s (id 1's re-payment, at 8400 s) and 588 s (id 2, at 6000 s).
    assert_eq!(s.settlement_latency_s, latency(1888.0, 588.0, 3188.0));
    assert_eq!((s.mint_latency_ci95, s.payout_latency_ci95, s.settlement_latency_ci95), (None, None, None), "one run");
    assert_eq!(s.payout_policy, "immediate");
    assert_eq!((s.deposit_confirmations, s.real_confirmations_min), (6, 8));
    assert_eq!(s.grace_period_s, 900.0);
}

#[test]
fn violations_are_counted_and_unbacked_is_a_maximum() {
    let mut record = tunnel_run(1);
    let t = record.tunnel.as_mut().expect("tunnel");
    t.violations.push(crate::record::TunnelViolationRow {
        at_us: 1,
        l2_number: 2,
        what: "payout without a burn".to_string(),
    });
    t.violations.push(t.violations[0].clone());
    // A later row with less unbacked: the maximum stays at 20M.
    t.ledger.push(crate::record::TunnelLedgerRow { unbacked_sats: 3, ..t.ledger[8] });
    let s = tunnel_summary(&[record]).expect("tunnel");
    assert_eq!((s.totals.invariant_violations, s.totals.unbacked_sats_max), (2, 20_000_000));
}

#[test]
fn pooling_two_replications() {
    let a = tunnel_run(1);
    let mut b = tunnel_run(2);
    let t = b.tunnel.as_mut().expect("tunnel");
    // b: deposit B is minted 400 s later (4500 s), and id 2's payout is superfinal.
    for o in t.operations.iter_mut() {
        match &mut o.op {
            Operation::Mint { vout: 1, .. } => o.at_us += 400_000_000,
            Operation::Payout { id: 2, superfinal, .. } => *superfinal = true,
            _ => {}
        }
    }
    let s = tunnel_summary(&[a, b]).expect("tunnel in both");
    assert_eq!((s.totals.deposits, s.totals.mints, s.totals.minted_sats), (6, 4, 140_000_000));
    assert_eq!((s.totals.locked_sats, s.totals.paid_out_sats), (32_000_000, 70_000_000));
    assert_eq!((s.totals.payouts_before_superfinal, s.totals.exposed_sats), (1, 5_000_000));
    assert_eq!((s.totals.losses, s.totals.unbacked_sats_max), (2, 20_000_000));
    // Means 3850 and 4050 s; p95 4100 and 4500 s.
    assert_eq!(s.mint_latency_s, latency(3950.0, 3600.0, 4300.0));
    let ci = s.mint_latency_ci95.expect("two runs");
    let interval = |xs: [f64; 2]| stats::mean_ci95(&xs).map(stats::Interval::to_array);
    assert_eq!(ci.mean, interval([3850.0, 4050.0]));
    assert_eq!(ci.p95, interval([4100.0, 4500.0]));
    // Equal p50s: an interval of zero width, not a missing one.
    assert_eq!(ci.p50, Some([3600.0, 3600.0]));
    assert_eq!(s.payout_latency_s, latency(944.0, 88.0, 1800.0));
}

#[test]
fn a_replication_without_a_paid_withdrawal_nulls_the_pooled_payout_latency() {
    let mut b = tunnel_run(2);
    let t = b.tunnel.as_mut().expect("tunnel");
    t.operations.retain(|o| o.op.kind() != TunnelOpKind::Payout);
    let alone = tunnel_summary(std::slice::from_ref(&b)).expect("tunnel");
    assert_eq!(alone.payout_latency_s, TunnelLatency::default());
    assert_eq!((alone.totals.payouts, alone.totals.paid_out_sats), (0, 0));
    let s = tunnel_summary(&[tunnel_run(1), b]).expect("tunnel");
    assert_eq!(s.payout_latency_s, TunnelLatency::default());
    let ci = s.payout_latency_ci95.expect("two runs");
    assert_eq!((ci.mean, ci.p50, ci.p95), (None, None, None));
    assert_eq!(s.mint_latency_s.p50, Some(3600.0), "other latencies unaffected");
}

#[test]
fn replications_with_different_tunnel_parameters_are_refused() {
    let mut other = tunnel_run(2);
    if let Some(t) = other.tunnel.as_mut() {
        t.payout_policy = "superfinal".to_string();
    }
    let err = summarize(&[tunnel_run(1), other]).expect_err("different policy");
    assert!(matches!(err, ReportError::Inconsistent { field: "tunnel", .. }), "{err}");
    assert!(err.to_string().contains("payout_policy=superfinal"), "{err}");
    let mut without = tunnel_run(2);
    without.tunnel = None;
    let err = summarize(&[tunnel_run(1), without]).expect_err("tunnel in one only");
    assert!(err.to_string().contains("\"none\""), "{err}");
}

#[test]
fn design_md_paths_exist_and_the_section_comes_before_perf() {
    let json = summarize(&[tunnel_run(7)]).expect("one record").to_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    for (path, expected) in [
        ("/tunnel/deposits", 3.0),
        ("/tunnel/minted_sats", 70_000_000.0),
        ("/tunnel/locked_sats", 16_000_000.0),
        ("/tunnel/burned_sats", 45_000_000.0),
        ("/tunnel/paid_out_sats", 35_000_000.0),
        ("/tunnel/invariant_violations", 0.0),
        ("/tunnel/mint_latency_s/p95", 4100.0),
        ("/tunnel/payout_latency_s/mean", 944.0),
        ("/tunnel/settlement_latency_s/p50", 588.0),
    ] {
        let v = value.pointer(path).and_then(serde_json::Value::as_f64);
        assert_eq!(v, Some(expected), "{path} in {json}");
    }
    assert_eq!(value.pointer("/tunnel/payout_policy"), Some(&serde_json::Value::from("immediate")));
    let (l2, tunnel, perf) = (json.find("\"l2\""), json.find("\"tunnel\""), json.find("\"perf\""));
    assert!(l2.is_some() && l2 < tunnel && tunnel < perf, "{json}");
    let back: crate::Summary = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back.tunnel.map(|t| t.totals.losses), Some(1));
    let pooled = summarize(&[tunnel_run(7), tunnel_run(8)]).expect("consistent").to_json();
    assert!(pooled.contains("\"mint_latency_ci95\": {"), "{pooled}");
}

#[test]
fn runs_without_a_tunnel_have_no_tunnel_key() {
    for record in [sample_record(1), l2_run(1, &[(1, 21_000)]), pop_run(1)] {
        assert_eq!(tunnel_summary(std::slice::from_ref(&record)), None);
        let json = summarize(&[record]).expect("one record").to_json();
        assert!(!json.contains("tunnel"), "{json}");
    }
}

#[test]
fn an_empty_tunnel_gives_zeros_and_nulls_not_a_panic() {
    let mut record = tunnel_run(1);
    if let Some(t) = record.tunnel.as_mut() {
        (t.operations, t.ledger, t.losses) = (Vec::new(), Vec::new(), Vec::new());
    }
    let s = tunnel_summary(std::slice::from_ref(&record)).expect("tunnel");
    assert_eq!((s.totals.deposits, s.totals.locked_sats, s.totals.pending_sats_end), (0, 0, 0));
    assert_eq!(s.mint_latency_s, TunnelLatency::default());
    let json = summarize(&[record]).expect("one record").to_json();
    assert!(json.contains("\"p50\": null") && !json.contains("NaN"), "{json}");
}
