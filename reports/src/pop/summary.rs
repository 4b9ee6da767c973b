//! `summary.json`'s `pop` object: keystones, publications, superfinality latency, PoP fees and
//! rewards, pooled over replications.
//!
//! The superfinality latency is measured per L2 block (from its production to the first moment
//! it is superfinal, [`crate::pop::metrics::block_latencies`]). Blocks still waiting at the end
//! are censored, so the distribution is the Kaplan–Meier estimate ([`crate::survival`]), next to
//! the closed form `U(0, P) + Gamma(M, θ)` ([`crate::theory::superfinality_latency_cdf`]). With
//! N replications counts are summed, fees per day pooled (sum over summed time), and the latency
//! statistics are the mean of the replications' own values with a Student t interval: the blocks
//! of one run are strongly correlated (a fee spike delays hundreds at once), so an interval over
//! blocks would be far too narrow. Every key is defined in `reports/README.md`.

use serde::{Deserialize, Serialize};

use crate::pop::metrics::{self, MinerTotals};
use crate::record::{PopRecord, RunRecord};
use crate::stats;
use crate::survival::KaplanMeier;
use crate::theory;

/// Simulated microseconds in a day.
const DAY_US: f64 = 86_400e6;

/// `pop.*`: Proof-of-Proof as seen on the observer's final main chain. `None` fields are `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopSummary {
    /// Keystones the sequencer made.
    pub keystones: u64,
    /// PoP publications on the main chain.
    pub publications: u64,
    /// PoP transactions the miners broadcast, confirmed or not.
    pub pop_txs_sent: u64,
    /// Keystones with at least one main-chain publication.
    pub keystones_published: u64,
    /// Keystones at or below the final superfinal frontier (inheritance included).
    pub keystones_superfinal: u64,
    /// L2 blocks that became superfinal, and those still waiting at the end (censored).
    pub blocks_superfinal: u64,
    pub blocks_pending: u64,
    pub superfinality_latency_s: LatencyStats,
    /// Student t 95% intervals over the replications' own values (`None` for one run).
    pub superfinality_latency_ci95: Option<LatencyCi95>,
    /// The closed form `U(0, P) + Gamma(M, θ)`.
    pub superfinality_latency_expected_s: ExpectedLatency,
    /// Fees of the main-chain publications.
    pub fees_sats_total: u64,
    /// `fees_sats_total` per simulated day.
    pub fees_sats_per_day: Option<f64>,
    /// Σ 4 × vsize of the publications / Σ weight of the main-chain Bitcoin blocks.
    pub block_space_share: Option<f64>,
    /// Times a miner postponed a keystone because the fee estimate was above its cap.
    pub fee_deferrals: u64,
    /// Superfinal keystone blocks that are not the verifiers' safe block at their number (left
    /// the canonical chain); a safety violation under `l2.fork_choice = "pop"`.
    pub superfinal_reverts: u64,
    /// Keystones the sequencer made of blocks that are not on its final chain (taken back by an
    /// unsafe reorg or an equivocation).
    pub keystones_orphaned: u64,
    /// Sum of every publication's reward (the pools of the published keystones).
    pub rewards_paid: f64,
    /// The scenario's `pop` parameters.
    pub keystone_interval_blocks: u32,
    pub superfinality_depth: u32,
    pub fee_cap_sat_per_vb: f64,
    pub reward_per_keystone: f64,
    /// One object per PoP miner, in the record's order.
    pub miners: Vec<PopMinerSummary>,
}

/// Statistics of the per-block superfinality latency, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LatencyStats {
    /// Kaplan–Meier mean restricted to the largest observed time; `None` when no block became
    /// superfinal (it would only be the longest wait).
    pub mean: Option<f64>,
    /// The slowest blocks were still waiting, so `mean` is only a lower bound of the mean (with
    /// N replications: in at least one of them). `false` when `mean` is `None`.
    pub mean_is_lower_bound: bool,
    /// Kaplan–Meier quantiles: the smallest latency with survival at most 1 - q.
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    /// Sample standard deviation of the latencies of the blocks that became superfinal.
    pub sd: Option<f64>,
}

/// 95% intervals of the latency statistics, `[low, high]` in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatencyCi95 {
    pub mean: Option<[f64; 2]>,
    pub p50: Option<[f64; 2]>,
    pub p95: Option<[f64; 2]>,
}

/// The closed-form latency `U(0, P) + Gamma(M, θ)`, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExpectedLatency {
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub p95: Option<f64>,
}

/// One PoP miner, summed over replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopMinerSummary {
    pub name: String,
    pub txs_sent: u64,
    pub publications: u64,
    pub fees_sats: u64,
    pub reward: f64,
    /// `reward / rewards_paid`.
    pub reward_share: Option<f64>,
    /// `fees_sats / reward`: what a unit of reward cost it.
    pub sats_per_reward: Option<f64>,
}

/// The closed-form parameters of a record: `(P, M, θ)` with `P` = keystone interval × L2 block
/// time, `M` = superfinality depth + 1 and θ the Bitcoin target interval (`P` is NaN without an
/// L2 chain).
pub fn closed_form_parameters(record: &RunRecord, pop: &PopRecord) -> (f64, u32, f64) {
    let block_time_s = record.l2.as_ref().map_or(f64::NAN, |l2| l2.block_time_s);
    (
        f64::from(pop.keystone_interval_blocks) * block_time_s,
        pop.superfinality_depth.saturating_add(1),
        record.btc.block_interval_target_s,
    )
}

/// The Kaplan–Meier curve of one or more runs' per-block latencies (`None` without any block).
pub fn latency_curve<'a>(records: impl IntoIterator<Item = &'a RunRecord>) -> Option<KaplanMeier> {
    let samples: Vec<(u64, bool)> =
        records.into_iter().flat_map(metrics::block_latencies).map(|b| (b.latency_us, b.superfinal)).collect();
    KaplanMeier::fit(&samples)
}

/// One run's latency statistics.
pub fn run_latency_stats(record: &RunRecord) -> LatencyStats {
    let Some(km) = latency_curve([record]) else {
        return LatencyStats::default();
    };
    let finished: Vec<f64> =
        metrics::block_latencies(record).iter().filter(|b| b.superfinal).map(|b| b.latency_us as f64 / 1e6).collect();
    let quantile = |q| km.quantile_us(q).map(|us| us as f64 / 1e6);
    let mean = km.mean_estimate_us();
    LatencyStats {
        mean: mean.map(|m| m.us / 1e6),
        mean_is_lower_bound: mean.is_some_and(|m| m.lower_bound),
        p50: quantile(0.50),
        p95: quantile(0.95),
        p99: quantile(0.99),
        sd: stats::sample_std(&finished),
    }
}

/// The mean of one statistic over the replications, `None` if any of them lacks it (averaging
/// the others would bias it: the missing ones are the slow runs).
fn all_or_none(values: &[Option<f64>]) -> Option<Vec<f64>> {
    values.iter().copied().collect()
}

fn pooled_latency(per_run: &[LatencyStats]) -> (LatencyStats, Option<LatencyCi95>) {
    let field = |f: fn(&LatencyStats) -> Option<f64>| -> Option<Vec<f64>> {
        all_or_none(&per_run.iter().map(f).collect::<Vec<_>>())
    };
    let mean_of = |f| field(f).and_then(|xs| stats::mean(&xs));
    let ci_of = |f| field(f).and_then(|xs| stats::mean_ci95(&xs)).map(stats::Interval::to_array);
    let mean = mean_of(|s| s.mean);
    let pooled = LatencyStats {
        mean,
        mean_is_lower_bound: mean.is_some() && per_run.iter().any(|s| s.mean_is_lower_bound),
        p50: mean_of(|s| s.p50),
        p95: mean_of(|s| s.p95),
        p99: mean_of(|s| s.p99),
        sd: mean_of(|s| s.sd),
    };
    let ci = (per_run.len() > 1).then(|| LatencyCi95 {
        mean: ci_of(|s| s.mean),
        p50: ci_of(|s| s.p50),
        p95: ci_of(|s| s.p95),
    });
    (pooled, ci)
}

/// The closed-form latency of `record`'s parameters (`None` fields for invalid ones: no L2
/// chain, a non-positive Bitcoin interval).
pub fn expected_latency(record: &RunRecord, pop: &PopRecord) -> ExpectedLatency {
    let (p, m, theta) = closed_form_parameters(record, pop);
    let moments = theory::superfinality_latency(p, m, theta);
    let valid = p >= 0.0 && theta > 0.0;
    let value = |x: f64| (valid && x.is_finite()).then_some(x);
    ExpectedLatency {
        mean: value(moments.mean),
        sd: value(moments.variance.sqrt()),
        p95: value(theory::superfinality_latency_quantile(0.95, p, m, theta)),
    }
}

/// Miner rows summed over replications, matched by name (the first replication's order, then
/// any name only a later one has, in order of appearance).
fn pooled_miners(per_run: Vec<Vec<MinerTotals>>, rewards_paid: f64) -> Vec<PopMinerSummary> {
    let mut pooled: Vec<MinerTotals> = Vec::new();
    for m in per_run.into_iter().flatten() {
        match pooled.iter_mut().find(|p| p.name == m.name) {
            Some(p) => {
                p.txs_sent += m.txs_sent;
                p.publications += m.publications;
                p.fees_sats += m.fees_sats;
                p.reward += m.reward;
            }
            None => pooled.push(m),
        }
    }
    pooled
        .into_iter()
        .map(|m| PopMinerSummary {
            reward_share: (rewards_paid > 0.0).then(|| m.reward / rewards_paid),
            sats_per_reward: (m.reward > 0.0).then(|| m.fees_sats as f64 / m.reward),
            name: m.name,
            txs_sent: m.txs_sent,
            publications: m.publications,
            fees_sats: m.fees_sats,
            reward: m.reward,
        })
        .collect()
}

/// Keystones of `pop` whose block is not the block of that number on the run's final L2 chain
/// (blocks past its head are not judged).
fn keystones_orphaned(record: &RunRecord, pop: &PopRecord) -> u64 {
    let Some(l2) = &record.l2 else { return 0 };
    let final_chain: std::collections::BTreeMap<u64, &str> =
        l2.blocks.iter().map(|b| (b.number, b.hash.as_str())).collect();
    let orphaned =
        |k: &&crate::record::KeystoneRow| final_chain.get(&k.l2_number).is_some_and(|&hash| hash != k.l2_block_hash);
    pop.keystones.iter().filter(orphaned).count() as u64
}

/// The `pop` object of `records`, or `None` for runs without Proof-of-Proof.
pub fn pop_summary(records: &[RunRecord]) -> Option<PopSummary> {
    let first_record = records.first()?;
    let first = first_record.pop.as_ref()?;
    let runs: Vec<(&RunRecord, &PopRecord)> = records.iter().filter_map(|r| r.pop.as_ref().map(|p| (r, p))).collect();
    let sum = |f: &dyn Fn(&RunRecord, &PopRecord) -> u64| -> u64 { runs.iter().map(|&(r, p)| f(r, p)).sum() };
    let blocks: Vec<_> = runs.iter().flat_map(|&(r, _)| metrics::block_latencies(r)).collect();
    let superfinal = blocks.iter().filter(|b| b.superfinal).count() as u64;
    let per_run: Vec<LatencyStats> = runs.iter().map(|&(r, _)| run_latency_stats(r)).collect();
    let (latency, ci95) = pooled_latency(&per_run);
    let fees = sum(&|_, p| metrics::fees_sats(p));
    let sim_us: u64 = runs.iter().map(|&(r, _)| r.meta.sim_time_us).sum();
    let main_weight = sum(&|r, _| r.btc.blocks.iter().filter(|b| b.main_chain).map(|b| b.weight).sum());
    let rewards_paid: f64 = runs.iter().map(|&(_, p)| metrics::rewards_paid(p)).sum();
    let miners = runs.iter().map(|&(_, p)| metrics::miner_totals(p)).collect();
    Some(PopSummary {
        keystones: sum(&|_, p| p.keystones.len() as u64),
        publications: sum(&|_, p| p.publications.len() as u64),
        pop_txs_sent: sum(&|_, p| p.sent.len() as u64),
        keystones_published: sum(&|_, p| metrics::first_publication_heights(p).len() as u64),
        keystones_superfinal: sum(&|_, p| metrics::keystones_superfinal(p)),
        superfinal_reverts: sum(&|_, p| p.superfinal_reverts),
        keystones_orphaned: sum(&keystones_orphaned),
        blocks_superfinal: superfinal,
        blocks_pending: blocks.len() as u64 - superfinal,
        superfinality_latency_s: latency,
        superfinality_latency_ci95: ci95,
        superfinality_latency_expected_s: expected_latency(first_record, first),
        fees_sats_total: fees,
        // Multiplied first: exact whenever the true value is a whole number of satoshis.
        fees_sats_per_day: finite(fees as f64 * DAY_US / sim_us as f64),
        block_space_share: stats::proportion(sum(&|_, p| metrics::publications_weight(p)), main_weight),
        fee_deferrals: sum(&|_, p| p.fee_deferrals.len() as u64),
        rewards_paid,
        keystone_interval_blocks: first.keystone_interval_blocks,
        superfinality_depth: first.superfinality_depth,
        fee_cap_sat_per_vb: first.fee_cap_sat_per_vb,
        reward_per_keystone: first.reward_per_keystone,
        miners: pooled_miners(miners, rewards_paid),
    })
}

/// What must agree across replications for their PoP outputs to be pooled: the `pop`
/// parameters and the miners' names.
pub(crate) fn identity(r: &RunRecord) -> (&'static str, String) {
    let params = r.pop.as_ref().map_or_else(
        || "none".to_string(),
        |p| {
            let names: Vec<&str> = p.miners.iter().map(|m| m.name.as_str()).collect();
            format!(
                "keystone_interval_blocks={} superfinality_depth={} fee_cap_sat_per_vb={:?} \
                 reward_per_keystone={:?} miners={}",
                p.keystone_interval_blocks,
                p.superfinality_depth,
                p.fee_cap_sat_per_vb,
                p.reward_per_keystone,
                names.join(",")
            )
        },
    );
    ("pop", params)
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
