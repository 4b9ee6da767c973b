//! `summary.json`'s `l2` object: throughput, block fullness, inclusion latency, mempool load and
//! verification of the L2 chain, pooled over replications.
//!
//! Counts are summed over replications, `tps` and `gas_used_per_s` pooled (sum over the summed
//! simulated time) with a Student t interval over the replications' own values, and latency
//! percentiles read from the replications' merged histograms. Latencies come from a histogram, so
//! they are bucket edges: their resolution is the histogram's `bucket_us`. Every key is defined
//! in `reports/README.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ethereum::summary::LatencySummary;
use crate::record::{L2Record, L2ReorgRow, LatencyHistogram, RunRecord};
use crate::stats;
use crate::summary::micros_to_s;

/// `l2.*`: the L2 chain the sequencer built, as seen by the report. `None` fields are `null`:
/// undefined (no simulated time, no transaction, a single replication for an interval).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L2Summary {
    /// L2 blocks produced (genesis excluded).
    pub blocks: u64,
    /// Sum of the blocks' `tx_count`.
    pub txs_included: u64,
    /// `txs_included` / simulated seconds.
    pub tps: Option<f64>,
    /// Student t 95% interval of the replications' own `tps` (N >= 2).
    pub tps_ci95: Option<[f64; 2]>,
    /// Gas used by all blocks / simulated seconds.
    pub gas_used_per_s: Option<f64>,
    pub gas_used_per_s_ci95: Option<[f64; 2]>,
    /// `gas_limit / block_time_s`: the ceiling of `gas_used_per_s`.
    pub gas_limit_per_s: Option<f64>,
    /// Mean over blocks of `gas_used / gas_limit`.
    pub block_fullness_mean: Option<f64>,
    /// Nearest-rank percentiles of the inclusion latency, as the upper edge of their bucket.
    pub tx_inclusion_latency_p50_s: Option<f64>,
    pub tx_inclusion_latency_p95_s: Option<f64>,
    pub tx_inclusion_latency_p99_s: Option<f64>,
    /// Mean inclusion latency with every sample at its bucket's midpoint.
    pub tx_inclusion_latency_mean_s: Option<f64>,
    /// Student t 95% interval of the replications' own mean latencies (N >= 2).
    pub tx_inclusion_latency_mean_ci95: Option<[f64; 2]>,
    /// Exact largest inclusion latency, from the block rows.
    pub tx_inclusion_latency_max_s: Option<f64>,
    /// The histogram's bucket width: the resolution of the percentiles and the mean.
    pub tx_inclusion_latency_resolution_s: f64,
    pub txs_submitted: u64,
    /// Refusals by the sequencer's mempool, all reasons.
    pub txs_rejected: u64,
    /// Refusals by reason; a `BTreeMap`, so the keys come out sorted.
    pub txs_rejected_by_reason: BTreeMap<String, u64>,
    pub txs_deferred: u64,
    /// Largest mempool backlog seen after building a block, max over replications (`None`
    /// without any block: nothing was measured).
    pub backlog_max: Option<u64>,
    /// Backlog after the last block, summed over replications (`None` without any block).
    pub backlog_final: Option<u64>,
    /// The longest time between two consecutive blocks (from the run's start for the first),
    /// max over replications (`None` without any block): a halt, a crash or a failover.
    pub max_block_gap_s: Option<f64>,
    pub blocks_verified: u64,
    pub state_root_mismatches: u64,
    /// The scenario's `l2.block_time_s` and `l2.gas_limit`.
    pub block_time_s: f64,
    pub gas_limit: u64,
    /// L1 inclusion to L2 inclusion of the portal deposits (settlement chains only: absent
    /// otherwise, so plain runs' summaries are as they were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_latency_s: Option<LatencySummary>,
    /// The sequencer node's heads (settlement chains only: absent otherwise).
    #[serde(flatten)]
    pub settlement: Option<L2SettlementSummary>,
    /// With a sequencer set: how many times another member began to sequence (conductor
    /// elections and handoffs, rotation's skipped slots), summed over replications; absent
    /// without a set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failovers: Option<u64>,
    /// The production gap each failover ended (see `failovers.csv`); absent without a set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover_gap_s: Option<crate::ethereum::summary::LatencySummary>,
}

/// The `l2.*` keys of a settlement chain, from the sequencer's node, pooled over replications
/// (counts summed, the depth a maximum, lags over every block of every replication).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L2SettlementSummary {
    /// Per block of the final chain that became safe (finalized): from its timestamp to the
    /// moment the node's safe (finalized) head reached it. Blocks not yet safe (final) at the
    /// end are not counted: compare `count` with `l2.blocks`.
    pub safe_lag_s: LatencySummary,
    pub finalized_lag_s: LatencySummary,
    /// Unsafe reorgs the node went through; `reorgs` is the same count under the design's name.
    pub unsafe_reorgs: u64,
    pub reorgs: u64,
    /// Most blocks one reorg took back (0 without a reorg).
    pub reorg_depth_max: u64,
    /// Derived reorgs that verifiers refused under `l2.fork_choice = "pop"` (one per verifier and
    /// fork): their fork's keystones were published first.
    pub fork_conflicts: u64,
    /// User transactions in the blocks reorgs took back (a transaction taken back twice counts
    /// twice).
    pub reorged_txs: u64,
    /// Deposit-only blocks of the final chain that derivation generated when the sequencing
    /// window expired.
    pub forced_blocks: u64,
    /// How stale the hVM's Bitcoin view got: the longest a Bitcoin main-chain block waited,
    /// from being found to the production of the first L2 block of the final chain whose
    /// carried tip reached its height (to the end of the run if none did). See
    /// [`btc_view_lag_max_us`].
    pub btc_view_lag_max_s: Option<f64>,
}

/// The longest wait of a Bitcoin main-chain block (height 1 and up) for the L2's view: from
/// when it was found to the production of the first L2 block of the final chain carrying a tip
/// at or above its height, or to `end_us` for a block never carried. Deposit-only blocks carry
/// no Bitcoin attributes, so a halt or a run of forced blocks shows here. `None` without a
/// Bitcoin block after genesis.
pub fn btc_view_lag_max_us(record: &RunRecord) -> Option<u64> {
    let l2 = record.l2.as_ref()?;
    let end_us = record.meta.sim_time_us;
    // The first L2 block carrying each tip height reached (tips can step back after a Bitcoin
    // reorg: the running maximum is what the view has seen).
    let mut carried: Vec<(u32, u64)> = Vec::new();
    for b in &l2.blocks {
        if carried.last().is_none_or(|&(h, _)| b.btc_tip_height > h) {
            carried.push((b.btc_tip_height, b.produced_at_us));
        }
    }
    let main = record.btc.blocks.iter().filter(|b| b.main_chain && b.height > 0);
    main.map(|b| {
        let i = carried.partition_point(|&(h, _)| h < b.height);
        let at = carried.get(i).map_or(end_us, |&(_, at)| at.max(b.found_at_us));
        at - b.found_at_us
    })
    .max()
}

/// The settlement keys of `records`, or `None` when they have no settlement layer.
fn settlement_summary(records: &[RunRecord]) -> Option<L2SettlementSummary> {
    records.first()?.l2.as_ref()?.settlement.as_ref()?;
    let l2s = || records.iter().filter_map(|r| r.l2.as_ref());
    let settled = || l2s().flat_map(|l2| l2.blocks.iter().filter_map(|b| b.settlement));
    let reorgs = || l2s().filter_map(|l2| l2.settlement.as_ref()).flat_map(|s| &s.reorgs);
    let count = reorgs().count() as u64;
    Some(L2SettlementSummary {
        safe_lag_s: LatencySummary::of_us(settled().filter_map(|b| b.safe_lag_us()).collect()),
        finalized_lag_s: LatencySummary::of_us(settled().filter_map(|b| b.finalized_lag_us()).collect()),
        unsafe_reorgs: count,
        reorgs: count,
        reorg_depth_max: reorgs().map(L2ReorgRow::depth).max().unwrap_or(0),
        fork_conflicts: l2s().filter_map(|l2| l2.settlement.as_ref()).map(|s| s.fork_conflicts).sum(),
        reorged_txs: reorgs().map(|r| u64::from(r.txs)).sum(),
        forced_blocks: settled().filter(|b| b.forced).count() as u64,
        btc_view_lag_max_s: records.iter().filter_map(btc_view_lag_max_us).max().map(micros_to_s),
    })
}

/// The L2 records of `records` with each run's simulated time in µs (all or none have one:
/// `summary::check_replications` refuses a mix).
fn l2_runs(records: &[RunRecord]) -> impl Iterator<Item = (&L2Record, u64)> + Clone {
    records.iter().filter_map(|r| r.l2.as_ref().map(|l2| (l2, r.meta.sim_time_us)))
}

/// The `l2` object of `records`, or `None` for Bitcoin-only runs.
pub fn l2_summary(records: &[RunRecord]) -> Option<L2Summary> {
    let first = records.first()?.l2.as_ref()?;
    let runs = l2_runs(records);
    let sum = |f: &dyn Fn(&L2Record) -> u64| -> u64 { runs.clone().map(|(l2, _)| f(l2)).sum() };
    let sim_s = micros_to_s(runs.clone().map(|(_, us)| us).sum());
    let txs_included = sum(&L2Record::txs_included);
    let gas_used = sum(&L2Record::gas_used);
    let per_run = |f: fn(&L2Record) -> u64| -> Vec<f64> {
        let rate = |(l2, us): (&L2Record, u64)| finite(f(l2) as f64 / micros_to_s(us));
        runs.clone().filter_map(rate).collect()
    };
    let fullness: Vec<f64> =
        runs.clone().flat_map(|(l2, _)| l2.blocks.iter().filter_map(|b| b.fullness(l2.gas_limit))).collect();
    let latency = pooled_latency(records);
    let latency_s = |p| {
        let us = latency.as_ref()?.percentile_upper_us(p)?;
        Some(micros_to_s(us))
    };
    let run_means: Vec<f64> =
        runs.clone().filter_map(|(l2, _)| l2.latency.mean_midpoint_us()).map(|us| us / 1e6).collect();
    let mut by_reason = BTreeMap::new();
    for (reason, n) in runs.clone().flat_map(|(l2, _)| &l2.txs_rejected) {
        *by_reason.entry(reason.clone()).or_insert(0u64) += n;
    }
    let with_txs = runs.clone().flat_map(|(l2, _)| l2.blocks.iter().filter(|b| b.tx_count > 0));
    let finals: Vec<u64> = runs.clone().filter_map(|(l2, _)| l2.blocks.last().map(|b| b.backlog)).collect();
    // Present when a replication recorded a failover (only a sequencer set has them), so that
    // every other run's summary is as it was.
    let has_set = runs.clone().any(|(l2, _)| !l2.failovers.is_empty());
    Some(L2Summary {
        blocks: sum(&|l2| l2.blocks.len() as u64),
        txs_included,
        tps: finite(txs_included as f64 / sim_s),
        tps_ci95: ci95(&per_run(L2Record::txs_included)),
        gas_used_per_s: finite(gas_used as f64 / sim_s),
        gas_used_per_s_ci95: ci95(&per_run(L2Record::gas_used)),
        gas_limit_per_s: finite(first.gas_limit as f64 / first.block_time_s),
        block_fullness_mean: stats::mean(&fullness),
        tx_inclusion_latency_p50_s: latency_s(50),
        tx_inclusion_latency_p95_s: latency_s(95),
        tx_inclusion_latency_p99_s: latency_s(99),
        tx_inclusion_latency_mean_s: latency.as_ref().and_then(LatencyHistogram::mean_midpoint_us).map(|us| us / 1e6),
        tx_inclusion_latency_mean_ci95: ci95(&run_means),
        tx_inclusion_latency_max_s: with_txs.map(|b| b.latency_max_us).max().map(micros_to_s),
        tx_inclusion_latency_resolution_s: micros_to_s(first.latency.bucket_us),
        txs_submitted: sum(&|l2| l2.txs_submitted),
        txs_rejected: sum(&L2Record::txs_rejected_total),
        txs_rejected_by_reason: by_reason,
        txs_deferred: sum(&|l2| l2.txs_deferred),
        backlog_max: (!finals.is_empty()).then(|| runs.clone().map(|(l2, _)| l2.backlog_max).max()).flatten(),
        backlog_final: (!finals.is_empty()).then(|| finals.iter().sum()),
        max_block_gap_s: runs.clone().flat_map(|(l2, _)| l2.block_gaps_us()).max().map(micros_to_s),
        blocks_verified: sum(&|l2| l2.blocks_verified),
        state_root_mismatches: sum(&|l2| l2.state_root_mismatches),
        block_time_s: first.block_time_s,
        gas_limit: first.gas_limit,
        deposit_latency_s: crate::ethereum::summary::deposit_latency(records),
        settlement: settlement_summary(records),
        failovers: has_set.then(|| runs.clone().map(|(l2, _)| l2.failovers.len() as u64).sum()),
        failover_gap_s: has_set.then(|| {
            let gaps = runs.clone().flat_map(|(l2, _)| l2.failovers.iter().filter_map(|f| f.gap_us)).collect();
            crate::ethereum::summary::LatencySummary::of_us(gaps)
        }),
    })
}

/// The replications' latency histograms added together, or `None` for Bitcoin-only runs.
/// Histograms of another shape than the first are skipped (`check_replications` refuses them).
pub fn pooled_latency(records: &[RunRecord]) -> Option<LatencyHistogram> {
    let mut runs = l2_runs(records).map(|(l2, _)| &l2.latency);
    let mut pooled = runs.next()?.clone();
    for other in runs {
        pooled.add(other);
    }
    Some(pooled)
}

/// What must agree across replications for their L2 figures to be pooled: the L2 parameters,
/// and the latency histogram's shape (so that buckets can be added).
pub(crate) fn identity(r: &RunRecord) -> [(&'static str, String); 2] {
    let (params, shape) = match &r.l2 {
        None => ("none".to_string(), "none".to_string()),
        Some(l2) => (
            format!("block_time_s={:?} gas_limit={}", l2.block_time_s, l2.gas_limit),
            format!("bucket_us={} buckets={}", l2.latency.bucket_us, l2.latency.counts.len()),
        ),
    };
    [("l2", params), ("l2.latency histogram (bucket_us and number of buckets)", shape)]
}

fn ci95(xs: &[f64]) -> Option<[f64; 2]> {
    stats::mean_ci95(xs).map(stats::Interval::to_array)
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
