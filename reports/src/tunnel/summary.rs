//! `summary.json`'s `tunnel` object: deposits, mints, withdrawals and payouts of the BTC tunnel,
//! the auditor's books at the end, losses, and the latencies of mints, payouts and settlements.
//!
//! Counts and sums come from [`crate::tunnel::metrics::Totals`]. With N replications they are
//! summed (`unbacked_sats_max` is the maximum), and, as for the PoP latency, each latency
//! statistic is the mean of the replications' own values with a Student t 95% interval over
//! them: the operations of one run are correlated (a reorg or a stalled anchor delays every
//! withdrawal of the moment), so an interval over operations would be far too narrow. Every key
//! is defined in `reports/README.md`.

use serde::{Deserialize, Serialize};

use crate::pop::summary::LatencyCi95;
use crate::record::{RunRecord, TunnelRecord};
use crate::stats;
use crate::tunnel::metrics::{self, Totals};

/// `tunnel.*`: the BTC tunnel. `None` fields are `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TunnelSummary {
    /// Counts and sums (`deposits`, `minted_sats`, ... `invariant_violations`), inline in JSON.
    #[serde(flatten)]
    pub totals: Totals,
    pub mint_latency_s: TunnelLatency,
    /// Student t 95% intervals over the replications' own values (`None` for one run).
    pub mint_latency_ci95: Option<LatencyCi95>,
    pub payout_latency_s: TunnelLatency,
    pub payout_latency_ci95: Option<LatencyCi95>,
    pub settlement_latency_s: TunnelLatency,
    pub settlement_latency_ci95: Option<LatencyCi95>,
    /// The scenario's `tunnel` parameters.
    pub payout_policy: String,
    pub deposit_confirmations: u32,
    /// `deposit_confirmations + indexer_lag`: Bitcoin confirmations a deposit has at least when
    /// minted.
    pub real_confirmations_min: u32,
    pub grace_period_s: f64,
}

/// Statistics of one latency, in seconds; `None` without a sample.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TunnelLatency {
    pub mean: Option<f64>,
    /// Nearest-rank percentiles ([`stats::percentile_nearest_rank`]).
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

impl TunnelLatency {
    /// The statistics of latencies in µs.
    pub fn of_us(latencies_us: &[u64]) -> TunnelLatency {
        let mut sorted = latencies_us.to_vec();
        sorted.sort_unstable();
        let seconds: Vec<f64> = sorted.iter().map(|&us| us as f64 / 1e6).collect();
        let percentile = |p| stats::percentile_nearest_rank(&sorted, p).map(|us| us as f64 / 1e6);
        TunnelLatency { mean: stats::mean(&seconds), p50: percentile(50), p95: percentile(95) }
    }
}

/// The mean over replications of each statistic, and its interval for N > 1. A statistic is
/// `None` if any replication lacks it: the runs without, say, a paid withdrawal are the slow
/// ones, and averaging the others would hide them.
fn pooled(per_run: &[TunnelLatency]) -> (TunnelLatency, Option<LatencyCi95>) {
    let field = |f: fn(&TunnelLatency) -> Option<f64>| -> Option<Vec<f64>> { per_run.iter().map(f).collect() };
    let mean_of = |f| field(f).and_then(|xs| stats::mean(&xs));
    let ci_of = |f| field(f).and_then(|xs| stats::mean_ci95(&xs)).map(stats::Interval::to_array);
    let pooled = TunnelLatency { mean: mean_of(|l| l.mean), p50: mean_of(|l| l.p50), p95: mean_of(|l| l.p95) };
    let ci = (per_run.len() > 1).then(|| LatencyCi95 {
        mean: ci_of(|l| l.mean),
        p50: ci_of(|l| l.p50),
        p95: ci_of(|l| l.p95),
    });
    (pooled, ci)
}

/// The `tunnel` object of `records`, or `None` for runs without a tunnel.
pub fn tunnel_summary(records: &[RunRecord]) -> Option<TunnelSummary> {
    let first = records.first()?.tunnel.as_ref()?;
    let runs: Vec<&TunnelRecord> = records.iter().filter_map(|r| r.tunnel.as_ref()).collect();
    let t = runs.iter().map(|t| Totals::of(t)).fold(Totals::default(), Totals::pooled_with);
    let latency = |f: fn(&TunnelRecord) -> Vec<u64>| {
        let per_run: Vec<TunnelLatency> = runs.iter().map(|t| TunnelLatency::of_us(&f(t))).collect();
        pooled(&per_run)
    };
    let (mint, mint_ci) = latency(metrics::mint_latencies_us);
    let (payout, payout_ci) = latency(metrics::payout_latencies_us);
    let (settlement, settlement_ci) = latency(metrics::settlement_latencies_us);
    Some(TunnelSummary {
        totals: t,
        mint_latency_s: mint,
        mint_latency_ci95: mint_ci,
        payout_latency_s: payout,
        payout_latency_ci95: payout_ci,
        settlement_latency_s: settlement,
        settlement_latency_ci95: settlement_ci,
        payout_policy: first.payout_policy.clone(),
        deposit_confirmations: first.deposit_confirmations,
        real_confirmations_min: first.deposit_confirmations.saturating_add(first.indexer_lag),
        grace_period_s: first.grace_period_s,
    })
}

/// What must agree across replications for their tunnel outputs to be pooled: the `tunnel`
/// parameters (and a tunnel in all or none).
pub(crate) fn identity(r: &RunRecord) -> (&'static str, String) {
    let params = r.tunnel.as_ref().map_or_else(
        || "none".to_string(),
        |t| {
            format!(
                "payout_policy={} deposit_confirmations={} indexer_lag={} grace_period_s={:?}",
                t.payout_policy, t.deposit_confirmations, t.indexer_lag, t.grace_period_s
            )
        },
    );
    ("tunnel", params)
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
