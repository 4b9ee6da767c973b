//! Coverage, Antithesis-style "sometimes" assertions: which rare events a world exercised.
//!
//! A swarm that never reaches a hard path (a deep reorg, a keystone republished after one, a
//! deposit unwound) tested nothing there, however many worlds passed. Each world tallies the
//! events below from the observations of its run (fed by the harness's recorder, so nothing is
//! added to the trace) and, for convergence after faults, from its record; the swarm counts the
//! worlds that reached each one and names those none reached.

use hemisim_node::events::{Observation, TrialEnd};
use hemisim_node::pop::keystone::KeystoneHash;
use hemisim_node::units::L2Number;
use hemisim_reports::record::RunRecord;
use std::collections::BTreeSet;

/// A rare event a world can exercise. The order is the order of `swarm.json`'s counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Event {
    /// The observer went through a Bitcoin reorg that disconnected more than 3 blocks.
    ReorgDeeperThan3,
    /// A double-spend attacker published its branch after the merchant accepted.
    DoubleSpendPublished,
    /// A Bitcoin reorg unwound a keystone's first publication.
    KeystoneUnwound,
    /// A keystone whose publication a reorg unwound was published (and indexed) again.
    KeystoneRepublished,
    /// A reorg unwound the publication of a keystone at or below the superfinal frontier, and the
    /// frontier held (a later keystone's publication carries it): a superfinality retreat refused.
    SuperfinalityRetreatRefused,
    /// The superfinal frontier moved back (a reorg deeper than the superfinality depth).
    SuperfinalityReverted,
    /// The tunnel's auditor saw a minted deposit leave the main chain ...
    DepositUnwound,
    /// ... or come back.
    DepositRestored,
    /// The vault operator paid a withdrawal it had paid before (its first payout was reorged out).
    PayoutRepaid,
    /// The sequencer refused a transaction because its mempool was full.
    MempoolFull,
    /// The sequencer held back a transaction by a censorship rule.
    TxCensored,
    /// A transaction sent through the Ethereum portal was included on L2.
    ForcedTxIncluded,
    /// Derivation forced a deposit-only block (sequencing window expired).
    ForcedBlock,
    /// An L2 node took back unsafe blocks.
    L2UnsafeReorg,
    /// The sequencer passed a slot without a block (no L1 origin possible).
    L2SlotSkipped,
    /// The sequencer halted (a `halt` fault).
    SequencerHalted,
    /// A PoP miner's fee estimate was above its cap (a fee spike).
    PopFeeOverCap,
    /// A crashed sequencer restarted without the transactions of its mempool.
    MempoolLost,
    /// After the last fault of peers and links, every node converged within the bound.
    FaultHealedConverged,
    /// Another member of a sequencer set took over: a conductor election after the first, a
    /// handoff or an override, or a rotation member taking a missing member's slot.
    Failover,
}

impl Event {
    pub const ALL: [Event; 20] = [
        Event::ReorgDeeperThan3,
        Event::DoubleSpendPublished,
        Event::KeystoneUnwound,
        Event::KeystoneRepublished,
        Event::SuperfinalityRetreatRefused,
        Event::SuperfinalityReverted,
        Event::DepositUnwound,
        Event::DepositRestored,
        Event::PayoutRepaid,
        Event::MempoolFull,
        Event::TxCensored,
        Event::ForcedTxIncluded,
        Event::ForcedBlock,
        Event::L2UnsafeReorg,
        Event::L2SlotSkipped,
        Event::SequencerHalted,
        Event::PopFeeOverCap,
        Event::MempoolLost,
        Event::FaultHealedConverged,
        Event::Failover,
    ];

    /// The name in `swarm.csv`'s `covered` column and `swarm.json`'s `coverage`.
    pub fn name(self) -> &'static str {
        match self {
            Event::ReorgDeeperThan3 => "reorg_deeper_than_3",
            Event::DoubleSpendPublished => "double_spend_published",
            Event::KeystoneUnwound => "keystone_unwound",
            Event::KeystoneRepublished => "keystone_republished",
            Event::SuperfinalityRetreatRefused => "superfinality_retreat_refused",
            Event::SuperfinalityReverted => "superfinality_reverted",
            Event::DepositUnwound => "deposit_unwound",
            Event::DepositRestored => "deposit_restored",
            Event::PayoutRepaid => "payout_repaid",
            Event::MempoolFull => "mempool_full",
            Event::TxCensored => "tx_censored",
            Event::ForcedTxIncluded => "forced_tx_included",
            Event::ForcedBlock => "forced_block",
            Event::L2UnsafeReorg => "l2_unsafe_reorg",
            Event::L2SlotSkipped => "l2_slot_skipped",
            Event::SequencerHalted => "sequencer_halted",
            Event::PopFeeOverCap => "pop_fee_over_cap",
            Event::MempoolLost => "mempool_lost",
            Event::FaultHealedConverged => "fault_healed_converged",
            Event::Failover => "failover",
        }
    }
}

/// Events not modelled yet, named so that a reader of the coverage summary knows they are
/// missing on purpose (each joins [`Event`] when its feature lands). None today.
pub const NOT_MODELLED: [&str; 0] = [];

/// What one run exercised, tallied as its observations are recorded.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    reached: BTreeSet<Event>,
    unwound: BTreeSet<KeystoneHash>,
    paid: BTreeSet<u64>,
    superfinal_through: L2Number,
}

impl Coverage {
    /// Tallies one observation of `peer`. Chain views are the observer's (the run's main chain).
    pub fn observe(&mut self, peer: &str, observation: &Observation) {
        let observer = peer == crate::harness::world::OBSERVER;
        let event = match observation {
            Observation::TipChanged { disconnected, .. } if observer && *disconnected > 3 => Event::ReorgDeeperThan3,
            Observation::TrialEnded { how: TrialEnd::Published, .. } => Event::DoubleSpendPublished,
            Observation::PublicationUnwound { keystone, l2_number, .. } if observer => {
                self.unwound.insert(*keystone);
                if *l2_number <= self.superfinal_through {
                    self.reached.insert(Event::SuperfinalityRetreatRefused);
                }
                Event::KeystoneUnwound
            }
            Observation::KeystonePublished { keystone, .. } if observer && self.unwound.contains(keystone) => {
                Event::KeystoneRepublished
            }
            Observation::Superfinal { l2_number, .. } if observer => {
                self.superfinal_through = self.superfinal_through.max(*l2_number);
                return;
            }
            Observation::SuperfinalityReverted { .. } if observer => {
                // The unwound publication was not held: it was a revert, not a refused retreat.
                self.reached.remove(&Event::SuperfinalityRetreatRefused);
                Event::SuperfinalityReverted
            }
            Observation::DepositUnwound { .. } => Event::DepositUnwound,
            Observation::DepositRestored { .. } => Event::DepositRestored,
            Observation::PayoutSent { id, .. } if !self.paid.insert(*id) => Event::PayoutRepaid,
            Observation::L2TxRefused { reason: "mempool-full", .. } => Event::MempoolFull,
            Observation::L2TxCensored { .. } => Event::TxCensored,
            Observation::ForcedTxIncluded { .. } => Event::ForcedTxIncluded,
            Observation::L2Safe { forced: true, .. } => Event::ForcedBlock,
            Observation::L2Reorg { .. } => Event::L2UnsafeReorg,
            Observation::L2SlotSkipped { .. } => Event::L2SlotSkipped,
            Observation::SequencerHalted { .. } => Event::SequencerHalted,
            Observation::PopFeeOverCap { .. } => Event::PopFeeOverCap,
            Observation::MempoolLost { txs } if *txs > 0 => Event::MempoolLost,
            // The bootstrap leader of term 1 is no failover.
            Observation::SequencerLeader { term, reason, .. } if *reason == "skip" || *term > 1 => Event::Failover,
            _ => return,
        };
        self.reached.insert(event);
    }

    /// Adds what only the finished record shows (convergence after the faults), and returns the
    /// events reached, in [`Event::ALL`] order.
    pub fn finish(mut self, record: &RunRecord) -> Vec<Event> {
        if let Some(faults) = &record.faults {
            let within = |at: Option<u64>| at.is_some_and(|at| at - faults.healed_at_us <= faults.bound_us);
            let l2_ok = !faults.l2_converges || within(faults.l2_converged_at_us);
            if !faults.faults.is_empty() && within(faults.btc_converged_at_us) && l2_ok {
                self.reached.insert(Event::FaultHealedConverged);
            }
        }
        self.reached.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;

    #[test]
    fn names_are_unique_and_all_is_complete() {
        let names: BTreeSet<&str> = Event::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(names.len(), Event::ALL.len());
        let mut sorted = Event::ALL;
        sorted.sort();
        assert_eq!(sorted, Event::ALL, "ALL is in declaration order");
    }

    #[test]
    fn a_payout_sent_twice_is_a_repayment_and_a_deep_reorg_counts_only_at_the_observer() {
        let mut coverage = Coverage::default();
        let payout = |id| Observation::PayoutSent {
            id,
            l2_number: L2Number(3),
            txid: bitcoin::Txid::from_byte_array([1; 32]),
            amount: bitcoin::Amount::from_sat(1),
            fee: bitcoin::Amount::from_sat(1),
            superfinal: true,
        };
        coverage.observe("tunnel-operator", &payout(1));
        coverage.observe("tunnel-operator", &payout(2));
        assert!(coverage.reached.is_empty());
        coverage.observe("tunnel-operator", &payout(1));
        let tip = |disconnected| Observation::TipChanged {
            old_tip: bitcoin::BlockHash::from_byte_array([0; 32]),
            old_height: hemisim_node::units::BtcHeight(9),
            new_tip: bitcoin::BlockHash::from_byte_array([1; 32]),
            new_height: hemisim_node::units::BtcHeight(10),
            disconnected,
            connected: disconnected + 1,
        };
        coverage.observe("miner-0", &tip(5));
        coverage.observe("observer", &tip(3));
        assert_eq!(coverage.reached.iter().copied().collect::<Vec<_>>(), [Event::PayoutRepaid]);
        coverage.observe("observer", &tip(4));
        assert!(coverage.reached.contains(&Event::ReorgDeeperThan3));
    }
}
