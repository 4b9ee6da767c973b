//! Records the Ethereum L1: every block it proposed and every slot it missed, as observed; the
//! batcher's transactions; and each portal deposit's first execution on L2 (after an unsafe
//! reorg the sequencer executes it again, in the block that replaces the one taken back).

use std::collections::BTreeSet;

use crate::scenario::EthereumConfig;
use hemisim_node::events::Observation;
use hemisim_node::time::SimTime;
use hemisim_reports::record::{BatchRow, EthereumRecord, L1BlockRow, L2DepositRow};

#[derive(Debug, Default)]
pub struct EthereumRecorder {
    blocks: Vec<L1BlockRow>,
    missed_slots: Vec<u64>,
    batches: Vec<BatchRow>,
    l2_deposits: Vec<L2DepositRow>,
    /// `(L1 block, log index)` of every deposit in `l2_deposits`.
    deposits_seen: BTreeSet<(u64, u32)>,
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
            Observation::L2DepositIncluded { l1_number, log_index, l2_number } => {
                if self.deposits_seen.insert((l1_number.0, log_index)) {
                    let row = L2DepositRow {
                        l1_number: l1_number.0,
                        log_index,
                        l2_number: l2_number.0,
                        l2_at_us: at.as_us(),
                    };
                    self.l2_deposits.push(row);
                }
            }
            Observation::BatchPosted { first, last, frames, bytes, fee_wei, closed_by } => {
                self.batches.push(BatchRow {
                    posted_at_us: at.as_us(),
                    first_l2: first.0,
                    last_l2: last.0,
                    frames,
                    bytes,
                    fee_wei,
                    closed_by: closed_by.to_string(),
                })
            }
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

    /// The L1 part of the record.
    pub fn finish(self, config: &EthereumConfig) -> EthereumRecord {
        EthereumRecord {
            slot_s: config.slot_s,
            missed_slot_rate: config.missed_slot_rate,
            finality_depth_blocks: config.finality_depth_blocks,
            deposit_rate_per_s: config.deposit_rate_per_s,
            blocks: self.blocks,
            missed_slots: self.missed_slots,
            batches_posted: self.batches,
            l2_deposits: self.l2_deposits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hemisim_node::units::{L1Number, L2Number};

    fn included(l1: u64, log_index: u32, l2: u64) -> Observation {
        Observation::L2DepositIncluded { l1_number: L1Number(l1), log_index, l2_number: L2Number(l2) }
    }

    #[test]
    fn a_deposit_counts_once_at_its_first_inclusion() {
        let mut r = EthereumRecorder::default();
        // Block 10 executes deposits (3, 0) and (3, 1); a reorg takes it back and block 10 is
        // derived again at 60 s, executing both again; then block 12 executes (4, 0).
        for (s, o) in [(24, included(3, 0, 10)), (24, included(3, 1, 10)), (60, included(3, 0, 10))] {
            assert!(r.observe(SimTime(s * 1_000_000), o).is_none());
        }
        for (s, o) in [(60, included(3, 1, 10)), (72, included(4, 0, 12))] {
            assert!(r.observe(SimTime(s * 1_000_000), o).is_none());
        }
        let rows: Vec<(u64, u32, u64, u64)> =
            r.l2_deposits.iter().map(|d| (d.l1_number, d.log_index, d.l2_number, d.l2_at_us / 1_000_000)).collect();
        assert_eq!(rows, [(3, 0, 10, 24), (3, 1, 10, 24), (4, 0, 12, 72)]);
    }

    #[test]
    fn batches_posted_are_recorded_with_their_exact_fee() {
        let mut r = EthereumRecorder::default();
        let posted = Observation::BatchPosted {
            first: L2Number(1),
            last: L2Number(6),
            frames: 2,
            bytes: 3_233,
            fee_wei: 63_000_000_131_072,
            closed_by: "interval",
        };
        assert!(r.observe(SimTime(72_000_003), posted).is_none());
        let row = BatchRow {
            posted_at_us: 72_000_003,
            first_l2: 1,
            last_l2: 6,
            frames: 2,
            bytes: 3_233,
            fee_wei: 63_000_000_131_072,
            closed_by: "interval".to_string(),
        };
        assert_eq!(r.batches, [row]);
    }
}
