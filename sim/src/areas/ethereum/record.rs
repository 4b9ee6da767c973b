//! Records the Ethereum L1: every block it proposed and every slot it missed, as observed.

use crate::scenario::EthereumConfig;
use hemisim_node::events::Observation;
use hemisim_node::time::SimTime;
use hemisim_reports::record::{EthereumRecord, L1BlockRow, L2DepositRow};

#[derive(Debug, Default)]
pub struct EthereumRecorder {
    blocks: Vec<L1BlockRow>,
    missed_slots: Vec<u64>,
    l2_deposits: Vec<L2DepositRow>,
}

impl EthereumRecorder {
    /// Takes the observation if it is the L1's; gives it back otherwise.
    pub fn observe(&mut self, at: SimTime, observation: Observation) -> Option<Observation> {
        match observation {
            Observation::L1Block { number, time_s, hash, parent, deposits, batcher_txs, batch_bytes, finalized } => {
                self.blocks.push(L1BlockRow {
                    number: number.0,
                    hash: hash.to_string(),
                    parent_hash: parent.to_string(),
                    time_us: time_s.saturating_mul(1_000_000),
                    deposits,
                    batcher_txs,
                    batch_bytes,
                    finalized: finalized.0,
                })
            }
            Observation::L1SlotMissed { slot } => self.missed_slots.push(slot),
            Observation::L2DepositIncluded { l1_number, log_index, l2_number } => self.l2_deposits.push(L2DepositRow {
                l1_number: l1_number.0,
                log_index,
                l2_number: l2_number.0,
                l2_at_us: at.as_us(),
            }),
            other => return Some(other),
        }
        None
    }

    pub fn blocks(&self) -> &[L1BlockRow] {
        &self.blocks
    }

    /// Slots run after genesis's: blocks and missed slots.
    pub fn slots(&self) -> u64 {
        (self.blocks.len() + self.missed_slots.len()) as u64
    }

    /// The L1 part of the record (the batcher pays nothing yet: it does not post).
    pub fn finish(self, config: &EthereumConfig) -> EthereumRecord {
        EthereumRecord {
            slot_s: config.slot_s,
            missed_slot_rate: config.missed_slot_rate,
            finality_depth_blocks: config.finality_depth_blocks,
            deposit_rate_per_s: config.deposit_rate_per_s,
            blocks: self.blocks,
            missed_slots: self.missed_slots,
            batcher_fees_gwei: 0,
            l2_deposits: self.l2_deposits,
        }
    }
}
