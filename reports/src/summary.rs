//! `summary.json`: the headline numbers of one run or of N pooled replications.
//!
//! [`summarize`] is a pure function of the records: the same records give a byte-identical
//! [`Summary::to_json`], except for the wall-clock figures (`wall_time_s` and everything under
//! `perf`). Struct field order is the JSON key order, and there is no map anywhere, so nothing
//! depends on hashing. With N > 1 replications counts are summed, rates pooled (sum / sum) with
//! Wilson intervals on the pooled counts, and means taken over every pooled interval. The `l2`
//! object is built in [`crate::l2::summary`], the `pop` object in [`crate::pop::summary`], the
//! `tunnel` object in [`crate::tunnel::summary`], the `ethereum` object in
//! [`crate::ethereum::summary`]. Every key is defined in `reports/README.md`.

use serde::{Deserialize, Serialize};

use crate::ReportError;
use crate::bitcoin::summary::{AttackSummary, BtcSummary, attack_summary, btc_summary};
use crate::ethereum::summary::EthereumSummary;
use crate::fingerprint::combine_hashes;
use crate::l2::summary::L2Summary;
use crate::pop::summary::PopSummary;
use crate::record::RunRecord;
use crate::tunnel::summary::TunnelSummary;

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
    /// Only when the runs have an Ethereum L1.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ethereum: Option<EthereumSummary>,
    /// Only when the runs have censorship, sequencer faults or escaping users.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub censorship: Option<crate::censorship::summary::CensorshipSummary>,
    /// Only when the runs have faults of peers and links.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub faults: Option<crate::faults::summary::FaultsSummary>,
    pub perf: PerfSummary,
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

    /// The summary with its wall-clock figures (`wall_time_s` and `perf`, but for the event count)
    /// zeroed or left out: what two runs of one seed share, byte for byte. For stored baselines.
    pub fn without_wall_clock(self) -> Summary {
        let perf = PerfSummary {
            wall_time_s: 0.0,
            sim_seconds_per_wall_second: None,
            events: self.perf.events,
            events_per_wall_second: None,
            l2_txs_executed_per_wall_second: None,
        };
        Summary { wall_time_s: 0.0, perf, ..self }
    }
}

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
        l2: crate::l2::summary::l2_summary(records),
        pop: crate::pop::summary::pop_summary(records),
        tunnel: crate::tunnel::summary::tunnel_summary(records),
        ethereum: crate::ethereum::summary::ethereum_summary(records),
        censorship: crate::censorship::summary::censorship_summary(records),
        faults: crate::faults::summary::faults_summary(records),
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
/// different scenarios (different name, block interval, attack, L2, PoP, tunnel or L1 parameters,
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
fn identity(r: &RunRecord) -> [(&'static str, String); 8] {
    let attack = r.attack.as_ref().map(|a| {
        let (kind, q, z, d, g) = (a.kind, a.hashrate_share, a.confirmations, a.give_up_deficit_blocks, a.gamma);
        format!("{kind:?} hashrate_share={q:?} confirmations={z} give_up_deficit_blocks={d} gamma={g:?}")
    });
    let [l2, l2_histogram] = crate::l2::summary::identity(r);
    [
        ("scenario_name", r.meta.scenario_name.clone()),
        ("block_interval_target_s", format!("{:?}", r.btc.block_interval_target_s)),
        ("attack", attack.unwrap_or_else(|| "none".to_string())),
        l2,
        l2_histogram,
        crate::pop::summary::identity(r),
        crate::tunnel::summary::identity(r),
        crate::ethereum::summary::identity(r),
    ]
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
