//! `summary.json`: the headline numbers of one run or of N pooled replications.
//!
//! [`summarize`] is a pure function of the records: the same records give a byte-identical
//! [`Summary::to_json`], except for the wall-clock figures (`wall_time_s` and everything under
//! `perf`). Struct field order is the JSON key order, and there is no map anywhere, so nothing
//! depends on hashing. With N > 1 replications counts are summed, rates pooled (sum / sum) with
//! Wilson intervals on the pooled counts, and means taken over every pooled interval. The `l2`
//! object is built in [`crate::summary_l2`], the `pop` object in [`crate::summary_pop`], the
//! `tunnel` object in [`crate::summary_tunnel`]. Every key is defined in `reports/README.md`.

use serde::{Deserialize, Serialize};

use crate::fingerprint::combine_hashes;
use crate::record::{AttackKind, AttackRecord, BtcRecord, RunRecord, TrialOutcome};
use crate::summary_l2::{self, L2Summary};
use crate::summary_pop::{self, PopSummary};
use crate::summary_tunnel::{self, TunnelSummary};
use crate::{ReportError, stats, theory};

/// What `summary.json` holds. Undefined values (a rate over zero trials) are `None` -> `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub scenario_name: String,
    /// The first replication's seed (the base seed).
    pub seed: u64,
    /// Number of replications pooled.
    pub runs: usize,
    /// The replications' common scenario hash, or their combination if they differ.
    pub scenario_hash: String,
    /// One run: its trace hash. N runs: [`combine_hashes`] over theirs, in order.
    pub trace_hash: String,
    /// Simulated time covered, summed over replications.
    pub sim_time_s: f64,
    /// Wall-clock time, summed over replications (not deterministic).
    pub wall_time_s: f64,
    pub btc: BtcSummary,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub attack: Option<AttackSummary>,
    /// Only when the runs have an L2 chain.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub l2: Option<L2Summary>,
    /// Only when the runs have Proof-of-Proof.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pop: Option<PopSummary>,
    /// Only when the runs have a BTC tunnel.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tunnel: Option<TunnelSummary>,
    pub perf: PerfSummary,
}

/// `btc.*`: the mock Bitcoin network, as seen by the observer's final best chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BtcSummary {
    pub block_interval_target_s: f64,
    pub blocks_total: u64,
    pub blocks_main: u64,
    /// Stale blocks / all blocks mined.
    pub stale_rate: Option<f64>,
    pub stale_rate_ci95: Option<[f64; 2]>,
    pub reorgs: u64,
    pub reorg_depth_max: u32,
    /// Number of intervals between consecutive main-chain blocks, pooled.
    pub block_intervals: u64,
    pub block_interval_mean_s: Option<f64>,
    pub block_interval_ci95: Option<[f64; 2]>,
    pub share_of_intervals_above_target: Option<f64>,
    pub fees_sats_total: u64,
}

/// `attack.*`: the adversary's measured outcome next to the closed-form expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackSummary {
    pub kind: AttackKind,
    pub hashrate_share: f64,
    pub confirmations: u32,
    pub give_up_deficit_blocks: u32,
    pub gamma: f64,
    /// Decided double-spend races (successes + failures).
    pub trials: u64,
    pub successes: u64,
    /// Races the run ended before deciding (not counted in `trials`).
    pub unfinished: u64,
    pub success_rate: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// Double-spend only: [`theory::double_spend_overtake_with_give_up`].
    pub expected_success_rate: Option<f64>,
    /// Attacker's blocks / main-chain blocks.
    pub revenue_share: Option<f64>,
    pub revenue_share_ci95: Option<[f64; 2]>,
    /// Selfish mining only: [`theory::selfish_mining_revenue`].
    pub expected_revenue_share: Option<f64>,
}

/// `perf.*`: wall-clock figures, the only part that differs between two runs of one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerfSummary {
    pub wall_time_s: f64,
    pub sim_seconds_per_wall_second: Option<f64>,
    pub events: u64,
    pub events_per_wall_second: Option<f64>,
    /// L2 transactions executed by the sequencer and every verifier, per wall second (absent
    /// without an L2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l2_txs_executed_per_wall_second: Option<f64>,
}

impl Summary {
    /// Pretty JSON ending with a newline, as written to `summary.json`.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self)
            .expect("a summary has only string keys and plain values, so it always serialises");
        json.push('\n');
        json
    }
}

/// Name of the attacker in [`crate::record::BlockRow::miner`].
pub const ATTACKER: &str = "attacker";

/// Builds the summary of `records` (one run, or replications in seed order).
pub fn summarize(records: &[RunRecord]) -> Result<Summary, ReportError> {
    check_replications(records)?;
    let first = records.first().ok_or(ReportError::NoRecords)?;
    let sim_time_s = micros_to_s(records.iter().map(|r| r.meta.sim_time_us).sum());
    let wall_time_s: f64 = records.iter().map(|r| r.perf.wall_time_s).sum();
    let events = records.iter().map(|r| r.perf.events).sum();
    Ok(Summary {
        scenario_name: first.meta.scenario_name.clone(),
        seed: first.meta.seed,
        runs: records.len(),
        scenario_hash: common_or_combined(records.iter().map(|r| r.meta.scenario_hash.as_str())),
        trace_hash: trace_fingerprint(records),
        sim_time_s,
        wall_time_s,
        btc: btc_summary(records),
        attack: first.attack.as_ref().map(|a| attack_summary(a, records)),
        l2: summary_l2::l2_summary(records),
        pop: summary_pop::pop_summary(records),
        tunnel: summary_tunnel::tunnel_summary(records),
        perf: PerfSummary {
            wall_time_s,
            sim_seconds_per_wall_second: finite(sim_time_s / wall_time_s),
            events,
            events_per_wall_second: finite(events as f64 / wall_time_s),
            l2_txs_executed_per_wall_second: l2_executions(records).and_then(|n| finite(n as f64 / wall_time_s)),
        },
    })
}

/// L2 transactions executed over all replications, if they have an L2.
fn l2_executions(records: &[RunRecord]) -> Option<u64> {
    records.iter().map(|r| r.l2.as_ref().map(|l2| l2.txs_executed)).sum()
}

/// A single run's own trace hash, or the combination of the replications' hashes.
pub fn trace_fingerprint(records: &[RunRecord]) -> String {
    match records {
        [one] => one.meta.trace_hash.clone(),
        _ => combine_hashes(records.iter().map(|r| r.meta.trace_hash.as_str())),
    }
}

fn common_or_combined<'a>(hashes: impl Iterator<Item = &'a str> + Clone) -> String {
    let mut all = hashes.clone();
    match all.next() {
        Some(first) if all.all(|h| h == first) => first.to_string(),
        _ => combine_hashes(hashes),
    }
}

/// Refuses records that cannot be pooled: none, a duplicated seed, or replications of
/// different scenarios (different name, block interval, attack, L2, PoP or tunnel parameters,
/// or latency histograms that cannot be added bucket by bucket).
pub fn check_replications(records: &[RunRecord]) -> Result<(), ReportError> {
    let first = records.first().ok_or(ReportError::NoRecords)?;
    let mut seeds = std::collections::BTreeSet::new();
    for record in records {
        if !seeds.insert(record.meta.seed) {
            return Err(ReportError::DuplicateSeed { seed: record.meta.seed });
        }
        for ((field, a), (_, b)) in identity(first).into_iter().zip(identity(record)) {
            if a != b {
                let (first_seed, other_seed) = (first.meta.seed, record.meta.seed);
                return Err(ReportError::Inconsistent { field, first: a, first_seed, other: b, other_seed });
            }
        }
    }
    Ok(())
}

/// What must be equal across replications for pooling to mean anything.
fn identity(r: &RunRecord) -> [(&'static str, String); 7] {
    let attack = r.attack.as_ref().map(|a| {
        let (kind, q, z, d, g) = (a.kind, a.hashrate_share, a.confirmations, a.give_up_deficit_blocks, a.gamma);
        format!("{kind:?} hashrate_share={q:?} confirmations={z} give_up_deficit_blocks={d} gamma={g:?}")
    });
    let [l2, l2_histogram] = summary_l2::identity(r);
    [
        ("scenario_name", r.meta.scenario_name.clone()),
        ("block_interval_target_s", format!("{:?}", r.btc.block_interval_target_s)),
        ("attack", attack.unwrap_or_else(|| "none".to_string())),
        l2,
        l2_histogram,
        summary_pop::identity(r),
        summary_tunnel::identity(r),
    ]
}

fn btc_summary(records: &[RunRecord]) -> BtcSummary {
    let blocks_total: u64 = records.iter().map(|r| r.btc.blocks.len() as u64).sum();
    let blocks_main: u64 = records.iter().map(|r| count(&r.btc, |b| b.main_chain)).sum();
    let stale = blocks_total - blocks_main;
    let target_s = records.first().map_or(f64::NAN, |r| r.btc.block_interval_target_s);
    let intervals: Vec<f64> = records.iter().flat_map(|r| main_chain_intervals_s(&r.btc)).collect();
    let above = intervals.iter().filter(|&&i| i > target_s).count() as u64;
    let main_blocks = records.iter().flat_map(|r| r.btc.blocks.iter().filter(|b| b.main_chain));
    BtcSummary {
        block_interval_target_s: target_s,
        blocks_total,
        blocks_main,
        stale_rate: stats::proportion(stale, blocks_total),
        stale_rate_ci95: stats::wilson_interval(stale, blocks_total).map(stats::Interval::to_array),
        reorgs: records.iter().map(|r| r.btc.reorgs.len() as u64).sum(),
        reorg_depth_max: records.iter().flat_map(|r| r.btc.reorgs.iter().map(|g| g.depth)).max().unwrap_or(0),
        block_intervals: intervals.len() as u64,
        block_interval_mean_s: stats::mean(&intervals),
        block_interval_ci95: stats::mean_ci95(&intervals).map(stats::Interval::to_array),
        share_of_intervals_above_target: stats::proportion(above, intervals.len() as u64),
        fees_sats_total: main_blocks.map(|b| b.fees_sats).sum(),
    }
}

fn attack_summary(attack: &AttackRecord, records: &[RunRecord]) -> AttackSummary {
    let trials_of = |outcome| -> u64 {
        let of_run =
            |r: &RunRecord| r.attack.as_ref().map_or(0, |a| a.trials.iter().filter(|t| t.outcome == outcome).count());
        records.iter().map(|r| of_run(r) as u64).sum()
    };
    let (successes, failures) = (trials_of(TrialOutcome::Success), trials_of(TrialOutcome::Failure));
    let trials = successes + failures;
    let success_ci = stats::wilson_interval(successes, trials);
    let main: u64 = records.iter().map(|r| count(&r.btc, |b| b.main_chain)).sum();
    let by_attacker: u64 = records.iter().map(|r| count(&r.btc, |b| b.main_chain && b.miner == ATTACKER)).sum();
    let (q, z, d, g) = (attack.hashrate_share, attack.confirmations, attack.give_up_deficit_blocks, attack.gamma);
    let is = |kind| attack.kind == kind;
    AttackSummary {
        kind: attack.kind,
        hashrate_share: q,
        confirmations: z,
        give_up_deficit_blocks: d,
        gamma: g,
        trials,
        successes,
        unfinished: trials_of(TrialOutcome::Unfinished),
        success_rate: stats::proportion(successes, trials),
        ci95_low: success_ci.map(|i| i.low),
        ci95_high: success_ci.map(|i| i.high),
        expected_success_rate: is(AttackKind::DoubleSpend)
            .then(|| theory::double_spend_overtake_with_give_up(q, z, d))
            .and_then(finite),
        revenue_share: stats::proportion(by_attacker, main),
        revenue_share_ci95: stats::wilson_interval(by_attacker, main).map(stats::Interval::to_array),
        expected_revenue_share: is(AttackKind::SelfishMining)
            .then(|| theory::selfish_mining_revenue(q, g))
            .and_then(finite),
    }
}

fn count(btc: &BtcRecord, keep: impl Fn(&crate::record::BlockRow) -> bool) -> u64 {
    btc.blocks.iter().filter(|b| keep(b)).count() as u64
}

/// Intervals between consecutive main-chain blocks ordered by found time (height breaks ties),
/// in seconds. Computed on integer microseconds, so each interval is exact before the division.
pub fn main_chain_intervals_s(btc: &BtcRecord) -> Vec<f64> {
    let mut times: Vec<(u64, u32)> =
        btc.blocks.iter().filter(|b| b.main_chain).map(|b| (b.found_at_us, b.height)).collect();
    times.sort_unstable();
    times.windows(2).map(|w| micros_to_s(w[1].0.saturating_sub(w[0].0))).collect()
}

/// Integer microseconds to seconds (the division is correctly rounded, so reproducible).
pub fn micros_to_s(us: u64) -> f64 {
    us as f64 / 1e6
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
