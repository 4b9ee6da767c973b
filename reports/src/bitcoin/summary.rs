//! `btc.*` and `attack.*` of `summary.json`: the mock Bitcoin network as the observer's final
//! best chain holds it, and the adversary's measured outcome next to the closed form.

use serde::{Deserialize, Serialize};

use crate::record::{AttackKind, AttackRecord, BlockRow, BtcRecord, PropagationRow, RunRecord, TrialOutcome};
use crate::summary::micros_to_s;
use crate::{stats, theory};

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
    /// With `[network]`: block propagation times (`btc.propagation_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation_s: Option<PropagationSummary>,
}

/// `btc.propagation_s`: per block, the time from its announcement to half (`*_of_50`) and nine
/// tenths (`*_of_90`) of all nodes, summarised over the blocks that got there (nearest-rank
/// percentiles, pooled over replications).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropagationSummary {
    /// Blocks announced.
    pub blocks: u64,
    /// Blocks that reached half / nine tenths of the nodes.
    pub blocks_to_50: u64,
    pub blocks_to_90: u64,
    pub mean_of_50: Option<f64>,
    pub p50_of_50: Option<f64>,
    pub p90_of_50: Option<f64>,
    pub mean_of_90: Option<f64>,
    pub p50_of_90: Option<f64>,
    pub p90_of_90: Option<f64>,
    pub max_of_90: Option<f64>,
    /// Mean size of a block on the wire, in bytes.
    pub block_bytes_mean: Option<f64>,
}

/// `None` for a run without `[network]`.
pub fn propagation_summary(records: &[RunRecord]) -> Option<PropagationSummary> {
    let rows: Vec<&PropagationRow> = records.iter().flat_map(|r| r.btc.propagation.iter()).collect();
    if rows.is_empty() {
        return None;
    }
    let sorted = |pick: fn(&PropagationRow) -> Option<u64>| {
        let mut xs: Vec<f64> = rows.iter().filter_map(|r| pick(r)).map(micros_to_s).collect();
        xs.sort_by(f64::total_cmp);
        xs
    };
    let (to50, to90) = (sorted(|r| r.to_50_us), sorted(|r| r.to_90_us));
    let bytes: Vec<f64> = rows.iter().map(|r| r.bytes as f64).collect();
    Some(PropagationSummary {
        blocks: rows.len() as u64,
        blocks_to_50: to50.len() as u64,
        blocks_to_90: to90.len() as u64,
        mean_of_50: stats::mean(&to50),
        p50_of_50: stats::percentile_nearest_rank(&to50, 50),
        p90_of_50: stats::percentile_nearest_rank(&to50, 90),
        mean_of_90: stats::mean(&to90),
        p50_of_90: stats::percentile_nearest_rank(&to90, 50),
        p90_of_90: stats::percentile_nearest_rank(&to90, 90),
        max_of_90: to90.last().copied(),
        block_bytes_mean: stats::mean(&bytes),
    })
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
    /// Rewrite only: history rewrites the sequencer made (one per run at most).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rewrite_trials: Option<u64>,
    /// Rewrite only: rewrites whose history became the canonical chain past the fork point.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rewrite_successes: Option<u64>,
    /// Rewrite only: successes / trials (absent without a trial).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rewrite_success_rate: Option<f64>,
}

/// Name of the attacker in [`crate::record::BlockRow::miner`].
pub const ATTACKER: &str = "attacker";

pub fn btc_summary(records: &[RunRecord]) -> BtcSummary {
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
        propagation_s: propagation_summary(records),
    }
}

pub fn attack_summary(attack: &AttackRecord, records: &[RunRecord]) -> AttackSummary {
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
    let rewrite = is(AttackKind::Rewrite).then(|| {
        let rewrites = || records.iter().filter_map(|r| r.attack.as_ref()?.rewrite.as_ref());
        (rewrites().map(|r| r.trials()).sum::<u64>(), rewrites().map(|r| r.successes()).sum::<u64>())
    });
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
        rewrite_trials: rewrite.map(|(t, _)| t),
        rewrite_successes: rewrite.map(|(_, s)| s),
        rewrite_success_rate: rewrite.and_then(|(t, s)| stats::proportion(s, t)),
    }
}

fn count(btc: &BtcRecord, keep: impl Fn(&BlockRow) -> bool) -> u64 {
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

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
