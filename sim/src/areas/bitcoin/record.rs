//! Records the Bitcoin network: every block found, every reorg the observer went through, and
//! the attacker's double-spend races; blocks are marked main-chain and races judged on the
//! observer's final chain when the run ends.

use crate::harness::world::{ATTACKER, OBSERVER};
use crate::scenario::{AttackKind, AttackTarget, Scenario};
use bitcoin::{BlockHash, Txid};
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::events::{Observation, TrialEnd};
use hemisim_node::l2::btc_view::INDEXER_TIP_LAG;
use hemisim_node::time::SimTime;
use hemisim_reports::record::{
    AttackKind as RecordAttackKind, AttackRecord, BlockRow, BtcRecord, ReorgRow, TrialOutcome, TrialRow,
};
use std::collections::{BTreeMap, HashSet};

#[derive(Debug, Default)]
pub struct BitcoinRecorder {
    /// Found blocks, with their hash kept typed for the main-chain judgement at the end.
    blocks: Vec<(BlockHash, BlockRow)>,
    reorgs: Vec<ReorgRow>,
    /// Races, with the conflict's txid kept typed for the outcome judged at the end.
    trials: Vec<(TrialRow, Txid, Option<TrialEnd>)>,
}

/// What the Bitcoin area leaves for the record.
#[derive(Debug)]
pub struct BitcoinRecorded {
    pub btc: BtcRecord,
    pub attack: Option<AttackRecord>,
    /// When each block was found, by its hash: the other areas date what they find on the
    /// final chain with it.
    pub found_at_us: FoundAt,
}

/// When each block of the run was found (µs), by hash.
pub type FoundAt = BTreeMap<BlockHash, u64>;

impl BitcoinRecorder {
    /// Takes the observation if it is Bitcoin's; gives it back otherwise.
    pub fn observe(&mut self, at: SimTime, peer: &str, observation: Observation) -> Option<Observation> {
        match observation {
            Observation::BlockFound { hash, parent, height, tx_count, weight, fees, .. } => {
                let row = BlockRow {
                    height: height.0,
                    hash: hash.to_string(),
                    parent_hash: parent.to_string(),
                    miner: peer.to_owned(),
                    found_at_us: at.as_us(),
                    main_chain: false,
                    tx_count,
                    weight,
                    fees_sats: fees.to_sat(),
                };
                self.blocks.push((hash, row))
            }
            Observation::TipChanged { old_tip, old_height, new_tip, new_height, disconnected, connected }
                if peer == OBSERVER && disconnected > 0 =>
            {
                self.reorgs.push(ReorgRow {
                    at_us: at.as_us(),
                    depth: disconnected,
                    connected,
                    old_tip: old_tip.to_string(),
                    old_height: old_height.0,
                    new_tip: new_tip.to_string(),
                    new_height: new_height.0,
                })
            }
            Observation::TrialStarted { payment_txid, conflict_txid } if peer == ATTACKER => self.trials.push((
                TrialRow {
                    started_at_us: at.as_us(),
                    payment_txid: payment_txid.to_string(),
                    conflict_txid: conflict_txid.to_string(),
                    ended_at_us: None,
                    outcome: TrialOutcome::Unfinished,
                },
                conflict_txid,
                None,
            )),
            Observation::TrialEnded { how, .. } if peer == ATTACKER => {
                if let Some((row, _, end)) = self.trials.last_mut() {
                    row.ended_at_us = Some(at.as_us());
                    *end = Some(how);
                }
            }
            other => return Some(other),
        }
        None
    }

    /// Blocks with their main-chain flag and races with their outcome, judged on the observer's
    /// final chain.
    pub fn finish(self, observer: &BitcoinNode, scenario: &Scenario) -> BitcoinRecorded {
        let found_at_us = self.blocks.iter().map(|(hash, row)| (*hash, row.found_at_us)).collect();
        let blocks = self
            .blocks
            .into_iter()
            .map(|(hash, row)| BlockRow { main_chain: observer.is_active(&hash), ..row })
            .collect();
        let confirmed = if self.trials.is_empty() { HashSet::new() } else { main_chain_txids(observer) };
        let trials = self
            .trials
            .into_iter()
            .map(|(mut row, conflict, end)| {
                let reversed = confirmed.contains(&conflict);
                row.outcome = match (end, reversed) {
                    (Some(TrialEnd::Aborted), _) | (None, false) => TrialOutcome::Unfinished,
                    (_, true) => TrialOutcome::Success,
                    (Some(_), false) => TrialOutcome::Failure,
                };
                row
            })
            .collect();
        // An equivocating sequencer is no Bitcoin attacker: no attack record.
        let miner_attack = scenario.attack.as_ref().filter(|a| a.kind.mines_bitcoin());
        let attack = miner_attack.map(|a| AttackRecord {
            kind: match a.kind {
                AttackKind::DoubleSpend => RecordAttackKind::DoubleSpend,
                AttackKind::SelfishMining | AttackKind::Equivocate => RecordAttackKind::SelfishMining,
                AttackKind::Rewrite => RecordAttackKind::Rewrite,
            },
            hashrate_share: a.hashrate_share,
            confirmations: match (a.target, &scenario.tunnel) {
                // Against the tunnel the attacker waits one block past the mint threshold.
                (AttackTarget::Tunnel, Some(t)) => t.deposit_confirmations + INDEXER_TIP_LAG + 1,
                _ => a.confirmations,
            },
            give_up_deficit_blocks: a.give_up_deficit_blocks,
            gamma: a.gamma,
            trials,
            // Filled in by the rewrite watch (`crate::areas::pop::rewrite`).
            rewrite: None,
        });
        let btc = BtcRecord {
            block_interval_target_s: scenario.bitcoin.block_interval_s,
            blocks,
            reorgs: self.reorgs,
            propagation: Vec::new(),
        };
        BitcoinRecorded { btc, attack, found_at_us }
    }
}

fn main_chain_txids(node: &BitcoinNode) -> HashSet<Txid> {
    node.active_chain().iter().filter_map(|h| node.block(h)).flat_map(|b| b.txs().iter().map(|tx| tx.txid())).collect()
}
