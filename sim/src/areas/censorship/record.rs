//! Records every transaction the sequencer held back (`L2TxCensored`) or a user forced through
//! the Ethereum portal (`TxForced`, censored or not), and its first observed inclusion: by the
//! sequencer (`CensoredTxIncluded`) or through the portal (`ForcedTxIncluded`). Rows keep the
//! order of first observation; lookups go through a `BTreeMap` by hash.

use std::collections::BTreeMap;

use crate::scenario::{FaultConfig, FaultKind, Scenario};
use hemisim_node::events::Observation;
use hemisim_node::l2::tx::B256;
use hemisim_node::time::SimTime;
use hemisim_reports::censorship::bound::bound;
use hemisim_reports::record::{BoundParams, CensoredTx, CensorshipRecord, Inclusion, L1BlockRow, Outage};

#[derive(Debug, Default)]
pub struct CensorshipRecorder {
    txs: Vec<CensoredTx>,
    by_hash: BTreeMap<B256, usize>,
}

/// Whether the scenario has anything this area records: censor rules, the sequencer's faults or users
/// who escape. Without, the run's record and outputs are as they always were.
pub fn active(scenario: &Scenario) -> bool {
    let escapes = scenario.workload.as_ref().is_some_and(|w| w.force_after_s > 0.0)
        || scenario.tunnel.as_ref().is_some_and(|t| t.force_after_s > 0.0);
    !scenario.censor.is_empty() || scenario.fault.iter().any(|f| f.kind.is_sequencers()) || escapes
}

impl CensorshipRecorder {
    /// Takes the observation if it is the area's; gives it back otherwise.
    pub fn observe(&mut self, at: SimTime, observation: Observation) -> Option<Observation> {
        let at_us = at.as_us();
        match observation {
            Observation::L2TxCensored { hash, from, rule, submitted_us } => {
                let tx = self.row(hash, from.to_string());
                if tx.held_at_us.is_none() {
                    (tx.held_at_us, tx.rule, tx.submitted_at_us) = (Some(at_us), Some(rule), Some(submitted_us));
                }
            }
            Observation::TxForced { hash, from, l1_fee_wei, .. } => {
                let tx = self.row(hash, from.to_string());
                if tx.forced_at_us.is_none() {
                    (tx.forced_at_us, tx.l1_fee_wei) = (Some(at_us), Some(l1_fee_wei));
                }
            }
            Observation::CensoredTxIncluded { hash, l2_number } => self.included(hash, at_us, "sequencer", l2_number.0),
            Observation::ForcedTxIncluded { hash, l2_number, via } => self.included(hash, at_us, via, l2_number.0),
            other => return Some(other),
        }
        None
    }

    fn row(&mut self, hash: B256, from: String) -> &mut CensoredTx {
        let txs = &mut self.txs;
        let i = *self.by_hash.entry(hash).or_insert_with(|| {
            txs.push(CensoredTx {
                hash: hash.to_string(),
                from,
                rule: None,
                submitted_at_us: None,
                held_at_us: None,
                forced_at_us: None,
                l1_fee_wei: None,
                inclusion: None,
                bound: None,
            });
            txs.len() - 1
        });
        &mut self.txs[i]
    }

    /// The first inclusion of a recorded transaction counts (a later one is the same
    /// transaction again, after a reorg or through its other path).
    fn included(&mut self, hash: B256, at_us: u64, path: &str, l2_number: u64) {
        let Some(&i) = self.by_hash.get(&hash) else { return };
        let tx = &mut self.txs[i];
        if tx.inclusion.is_none() {
            tx.inclusion = Some(Inclusion { at_us, path: path.to_string(), l2_number });
        }
    }

    /// The area's record: every row with its bound (forced rows of a settlement chain), from the
    /// L1 blocks the run observed.
    pub fn record(&self, scenario: &Scenario, l1: &[L1BlockRow]) -> CensorshipRecord {
        let bounds = bound_params(scenario);
        let outages = outages(scenario);
        let mut txs = self.txs.clone();
        if let Some(params) = &bounds {
            for tx in &mut txs {
                tx.bound = tx.forced_at_us.and_then(|at| bound(at, params, &outages, l1));
            }
        }
        CensorshipRecord { bounds, outages, txs }
    }
}

/// The bound's parameters, with an `[ethereum]` table and an L2.
fn bound_params(scenario: &Scenario) -> Option<BoundParams> {
    let (e, l2) = (scenario.ethereum.as_ref()?, scenario.l2.as_ref()?);
    let b = &scenario.bitcoin;
    Some(BoundParams {
        slot_s: e.slot_s,
        max_sequencer_drift_s: e.max_sequencer_drift_s,
        sequencer_l1_confs: e.sequencer_l1_confs,
        seq_window_blocks: e.seq_window_blocks,
        // Whole seconds on a settlement chain (the scenario refuses any other).
        l2_block_time_s: l2.block_time_s as u64,
        delivery_us: (b.propagation_delay_ms + b.propagation_jitter_ms) * 1_000,
    })
}

/// The sequencer's outage windows (`[[fault]]`), in microseconds: its own faults, and faults of
/// peers and links that can cut it from L1 or its users (any partition; a crash, lossy or slow
/// link or skewed clock naming it). During one, a forced transaction is owed only the
/// sequencing-window bound: a sequencer that cannot see L1 cannot include its deposits early.
fn outages(scenario: &Scenario) -> Vec<Outage> {
    let us = |s: f64| (s * 1e6) as u64;
    let names_sequencer =
        |f: &&FaultConfig| f.peers.iter().any(|p| matches!(p.as_str(), "sequencer" | "sequencers" | "all"));
    scenario
        .fault
        .iter()
        .filter(|f| f.kind.is_sequencers() || f.kind == FaultKind::Partition || names_sequencer(f))
        .map(|f| Outage { kind: f.kind.as_str().to_string(), from_us: us(f.at_s), until_us: us(f.at_s + f.for_s) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hemisim_node::l2::tx::Address;
    use hemisim_node::units::L2Number;

    fn h(n: u8) -> B256 {
        B256::repeat_byte(n)
    }

    fn at(s: u64) -> SimTime {
        SimTime(s * 1_000_000)
    }

    #[test]
    fn rows_follow_first_observation_and_keep_the_first_inclusion() {
        let mut r = CensorshipRecorder::default();
        let from = Address::repeat_byte(9);
        let censored = |n, submitted_s: u64| Observation::L2TxCensored {
            hash: h(n),
            from,
            rule: 1,
            submitted_us: submitted_s * 1_000_000,
        };
        let forced = |n| Observation::TxForced { hash: h(n), from, via: "portal", l1_fee_wei: 7 };
        let portal = |n, l2| Observation::ForcedTxIncluded { hash: h(n), l2_number: L2Number(l2), via: "portal" };
        let observations = [
            (12, censored(2, 10)),
            (24, censored(1, 20)),
            (36, censored(2, 10)),
            (70, forced(3)),
            (610, forced(2)),
            (700, portal(2, 58)),
            (701, Observation::CensoredTxIncluded { hash: h(2), l2_number: L2Number(59) }),
            (800, portal(4, 66)),
        ];
        for (s, o) in observations {
            assert!(r.observe(at(s), o).is_none());
        }
        assert!(r.observe(at(1), Observation::SequencerHalted { until_us: 5 }).is_some(), "not the area's");
        let hashes: Vec<B256> = r.txs.iter().map(|t| t.hash.parse().expect("hex")).collect();
        assert_eq!(hashes, [h(2), h(1), h(3)], "order of first observation; an unknown inclusion is ignored");
        let two = &r.txs[0];
        assert_eq!((two.held_at_us, two.submitted_at_us, two.rule), (Some(12_000_000), Some(10_000_000), Some(1)));
        assert_eq!((two.forced_at_us, two.l1_fee_wei), (Some(610_000_000), Some(7)));
        let inclusion = two.inclusion.as_ref().expect("included");
        assert_eq!((inclusion.at_us, inclusion.path.as_str(), inclusion.l2_number), (700_000_000, "portal", 58));
        assert!(r.txs[1].inclusion.is_none() && r.txs[2].held_at_us.is_none());
    }
}
