//! `summary.json`'s `ethereum` object: the L1's blocks, missed slots, deposits and batcher data,
//! pooled over replications (counts summed, the missed-slot rate pooled with a Wilson interval on
//! the pooled counts). Every key is defined in `reports/README.md`.

use serde::{Deserialize, Serialize};

use crate::record::{EthereumRecord, RunRecord};
use crate::stats;
use crate::summary::micros_to_s;

/// `ethereum.*`. `None` fields are `null`: undefined (no slot run, no simulated time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EthereumSummary {
    /// The scenario's `ethereum.slot_s`.
    pub slot_s: u64,
    /// Slots run after genesis's: `blocks + missed_slots`.
    pub slots: u64,
    /// L1 blocks after genesis.
    pub blocks: u64,
    pub missed_slots: u64,
    /// `missed_slots / slots`, with its Wilson 95% interval, next to the scenario's rate.
    pub missed_slot_rate: Option<f64>,
    pub missed_slot_rate_ci95: Option<[f64; 2]>,
    pub missed_slot_rate_expected: f64,
    /// Portal deposits the blocks logged, and per simulated second, next to the scenario's rate.
    pub deposits: u64,
    pub deposits_per_s: Option<f64>,
    pub deposit_rate_per_s_expected: f64,
    /// Batcher transactions posted, their data on L1, and what the batcher paid for them (in
    /// gwei, from the exact sum in wei).
    pub batches: u64,
    pub batch_bytes: u64,
    pub batcher_fees_gwei: f64,
    /// The scenario's `ethereum.finality_depth_blocks`.
    pub finality_depth_blocks: u64,
}

/// The `ethereum` object of `records`, or `None` for runs without an L1.
pub fn ethereum_summary(records: &[RunRecord]) -> Option<EthereumSummary> {
    let first = records.first()?.ethereum.as_ref()?;
    let runs = records.iter().filter_map(|r| r.ethereum.as_ref().map(|e| (e, r.meta.sim_time_us)));
    let sum = |f: fn(&EthereumRecord) -> u64| -> u64 { runs.clone().map(|(e, _)| f(e)).sum() };
    let slots = sum(EthereumRecord::slots);
    let missed = sum(|e| e.missed_slots.len() as u64);
    let deposits = sum(EthereumRecord::deposits);
    let sim_s = micros_to_s(runs.clone().map(|(_, us)| us).sum());
    Some(EthereumSummary {
        slot_s: first.slot_s,
        slots,
        blocks: sum(|e| e.blocks.len() as u64),
        missed_slots: missed,
        missed_slot_rate: stats::proportion(missed, slots),
        missed_slot_rate_ci95: stats::wilson_interval(missed, slots).map(stats::Interval::to_array),
        missed_slot_rate_expected: first.missed_slot_rate,
        deposits,
        deposits_per_s: Some(deposits as f64 / sim_s).filter(|x| x.is_finite()),
        deposit_rate_per_s_expected: first.deposit_rate_per_s,
        batches: sum(EthereumRecord::batches),
        batch_bytes: sum(EthereumRecord::batch_bytes),
        batcher_fees_gwei: runs.clone().map(|(e, _)| e.batcher_fees_wei()).sum::<u128>() as f64 / 1e9,
        finality_depth_blocks: first.finality_depth_blocks,
    })
}

/// A latency in seconds, pooled over replications: `l2.deposit_latency_s`, `l2.safe_lag_s`,
/// `l2.finalized_lag_s`. Percentiles are nearest-rank; every statistic is `None` (`null`)
/// without a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub count: u64,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub max: Option<f64>,
}

impl LatencySummary {
    /// The statistics of latencies in µs.
    pub fn of_us(mut us: Vec<u64>) -> LatencySummary {
        us.sort_unstable();
        let seconds: Vec<f64> = us.iter().map(|&x| micros_to_s(x)).collect();
        let percentile = |p| stats::percentile_nearest_rank(&us, p).map(micros_to_s);
        LatencySummary {
            count: us.len() as u64,
            mean: stats::mean(&seconds),
            p50: percentile(50),
            p95: percentile(95),
            max: us.last().copied().map(micros_to_s),
        }
    }
}

/// `l2.deposit_latency_s`: L1 inclusion to L2 inclusion of the portal deposits the sequencer
/// executed (each at its first inclusion), or `None` for runs without an L1.
pub fn deposit_latency(records: &[RunRecord]) -> Option<LatencySummary> {
    records.first()?.ethereum.as_ref()?;
    let us = records
        .iter()
        .filter_map(|r| r.ethereum.as_ref())
        .flat_map(|e| e.deposit_latencies().into_iter().map(|d| d.latency_us))
        .collect();
    Some(LatencySummary::of_us(us))
}

/// What must agree across replications for their L1 figures to be pooled.
pub(crate) fn identity(r: &RunRecord) -> (&'static str, String) {
    let params = match &r.ethereum {
        None => "none".to_string(),
        Some(e) => format!(
            "slot_s={} missed_slot_rate={:?} finality_depth_blocks={} deposit_rate_per_s={:?}",
            e.slot_s, e.missed_slot_rate, e.finality_depth_blocks, e.deposit_rate_per_s
        ),
    };
    ("ethereum", params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{eth_run, sample_record};

    #[test]
    fn counts_rates_and_intervals() {
        let s = ethereum_summary(&[eth_run(7)]).expect("an L1");
        assert_eq!((s.slot_s, s.slots, s.blocks, s.missed_slots), (12, 4, 3, 1));
        assert_eq!(s.missed_slot_rate, Some(0.25));
        let [low, high] = s.missed_slot_rate_ci95.expect("slots ran");
        assert!(low < 0.25 && 0.25 < high, "{low} {high}");
        assert_eq!((s.deposits, s.batches, s.batch_bytes), (5, 1, 1_000));
        assert_eq!(s.batcher_fees_gwei, 63_000.000131072, "the exact sum in wei, in gwei");
        // 5 deposits over the record's 3600 s.
        assert_eq!(s.deposits_per_s, Some(5.0 / 3600.0));
        assert_eq!((s.missed_slot_rate_expected, s.deposit_rate_per_s_expected), (0.1, 0.002));
        assert!(ethereum_summary(&[sample_record(7)]).is_none());
    }

    #[test]
    fn deposit_latency_runs_from_the_l1_blocks_time_to_the_l2_blocks_production() {
        let s = deposit_latency(&[eth_run(7)]).expect("an L1");
        // Deposits of blocks 1 (12 s) and 2 (36 s), executed at 72 s and 96.5 s.
        assert_eq!(s.count, 3);
        assert_eq!((s.p50, s.p95, s.max), (Some(60.0), Some(60.5), Some(60.5)));
        assert_eq!(s.mean, Some((60.0 + 60.0 + 60.5) / 3.0));
        assert!(deposit_latency(&[sample_record(7)]).is_none());
    }

    #[test]
    fn replications_are_pooled() {
        let s = ethereum_summary(&[eth_run(7), eth_run(8)]).expect("an L1");
        assert_eq!((s.slots, s.blocks, s.missed_slots, s.deposits), (8, 6, 2, 10));
        assert_eq!(s.missed_slot_rate, Some(0.25));
    }
}
