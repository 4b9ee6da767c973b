//! Consolidation: does a derived block confirm the oldest unsafe block, or replace it?
//!
//! Source: op-node's attributes handler (`op-node/rollup/attributes/`, `AttributesMatchBlock`):
//! when the unsafe chain is ahead of the safe head, the next derived attributes are compared with
//! the unsafe block at that height; a match makes it safe without executing anything, a mismatch
//! reorgs the unsafe chain onto the derived block (every unsafe descendant dropped). op-node
//! compares the whole payload: parent, time, and every transaction (the deposits, hence the L1
//! origin through the L1-info deposit, and the sequenced ones). Pure: the chain integration
//! acts on the verdict.

use super::derivation::DerivedAttributes;
use super::types::{L1BlockRef, PortalDeposit, SequencedTx};
use revm::primitives::B256;

/// What consolidation compares of an unsafe block.
#[derive(Debug, Clone, Copy)]
pub struct UnsafeBlockContent<'a> {
    pub parent_hash: B256,
    pub timestamp_s: u64,
    pub l1_origin: &'a L1BlockRef,
    /// The portal deposits it executed (its epoch's, if it opens the epoch).
    pub deposits: &'a [PortalDeposit],
    /// What the sequencer added: Bitcoin attributes, then user transactions.
    pub sequenced: &'a [SequencedTx],
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consolidation {
    /// The unsafe block is the derived block: it becomes safe.
    Matches,
    /// The derived block replaces it and every unsafe block above it.
    Reorg(Mismatch),
}

/// The first thing that differs, in op-node's comparison order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("parent")]
    Parent,
    #[error("timestamp")]
    Timestamp,
    #[error("L1 origin")]
    L1Origin,
    #[error("deposits")]
    Deposits,
    /// The sequenced transactions differ in number.
    #[error("{derived} sequenced transactions derived, {unsafe_block} in the unsafe block")]
    SequencedCount { derived: usize, unsafe_block: usize },
    /// The sequenced transaction at this index differs.
    #[error("sequenced transaction {index}")]
    Sequenced { index: usize },
}

/// Compares derived attributes with the oldest unsafe block (the one at their height).
pub fn consolidate(attributes: &DerivedAttributes, unsafe_block: &UnsafeBlockContent<'_>) -> Consolidation {
    match first_mismatch(attributes, unsafe_block) {
        None => Consolidation::Matches,
        Some(mismatch) => Consolidation::Reorg(mismatch),
    }
}

fn first_mismatch(attributes: &DerivedAttributes, block: &UnsafeBlockContent<'_>) -> Option<Mismatch> {
    if attributes.parent.hash != block.parent_hash {
        return Some(Mismatch::Parent);
    }
    if attributes.timestamp_s != block.timestamp_s {
        return Some(Mismatch::Timestamp);
    }
    let origin = &attributes.l1_origin;
    if origin.number != block.l1_origin.number || origin.hash != block.l1_origin.hash {
        return Some(Mismatch::L1Origin);
    }
    if attributes.deposits != block.deposits {
        return Some(Mismatch::Deposits);
    }
    if attributes.sequenced.len() != block.sequenced.len() {
        return Some(Mismatch::SequencedCount {
            derived: attributes.sequenced.len(),
            unsafe_block: block.sequenced.len(),
        });
    }
    let index =
        attributes.sequenced.iter().zip(block.sequenced).position(|(derived, sequenced)| derived != sequenced)?;
    Some(Mismatch::Sequenced { index })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::types::L2BlockRef;
    use crate::l2::block::BtcAttributes;
    use crate::l2::tx::L2Tx;
    use crate::units::{L1Number, L2Number};
    use revm::primitives::{Address, Bytes, U256};
    use std::sync::Arc;

    fn origin(number: u64) -> L1BlockRef {
        L1BlockRef {
            number: L1Number(number),
            hash: B256::with_last_byte(number as u8),
            parent_hash: B256::with_last_byte(number as u8 - 1),
            time_s: number * 12,
        }
    }

    fn user_tx(nonce: u64) -> SequencedTx {
        SequencedTx::User(Arc::new(L2Tx {
            from: Address::with_last_byte(1),
            to: Some(Address::with_last_byte(2)),
            nonce,
            gas_limit: 21_000,
            gas_price: 1,
            value: U256::from(5),
            input: Bytes::new(),
        }))
    }

    fn deposit(log_index: u32) -> PortalDeposit {
        PortalDeposit {
            from: Address::with_last_byte(9),
            to: None,
            mint: U256::from(1),
            value: U256::ZERO,
            gas_limit: 21_000,
            data: Bytes::new(),
            l1_block_hash: origin(5).hash,
            log_index,
        }
    }

    fn attributes() -> DerivedAttributes {
        let parent = L2BlockRef { number: L2Number(7), hash: B256::repeat_byte(7), time_s: 48, l1_origin: origin(4) };
        DerivedAttributes {
            parent,
            timestamp_s: 60,
            l1_origin: origin(5),
            deposits: vec![deposit(0), deposit(1)],
            sequenced: vec![
                SequencedTx::BtcAttributes(BtcAttributes { fork_height: crate::units::BtcHeight(3), headers: vec![] }),
                user_tx(0),
            ],
            forced: false,
            derived_from: origin(9),
        }
    }

    /// The unsafe block the sequencer built for exactly these attributes.
    fn same<'a>(attributes: &'a DerivedAttributes) -> UnsafeBlockContent<'a> {
        UnsafeBlockContent {
            parent_hash: attributes.parent.hash,
            timestamp_s: attributes.timestamp_s,
            l1_origin: &attributes.l1_origin,
            deposits: &attributes.deposits,
            sequenced: &attributes.sequenced,
        }
    }

    #[test]
    fn the_same_block_matches() {
        let derived = attributes();
        assert_eq!(consolidate(&derived, &same(&derived)), Consolidation::Matches);
    }

    #[test]
    fn each_difference_reorgs_and_is_named() {
        let derived = attributes();
        let other_origin = origin(6);
        let fewer_deposits = [deposit(0)];
        let other_txs = [derived.sequenced[0].clone(), user_tx(1)];
        let cases = [
            (UnsafeBlockContent { parent_hash: B256::ZERO, ..same(&derived) }, Mismatch::Parent),
            (UnsafeBlockContent { timestamp_s: 72, ..same(&derived) }, Mismatch::Timestamp),
            (UnsafeBlockContent { l1_origin: &other_origin, ..same(&derived) }, Mismatch::L1Origin),
            (UnsafeBlockContent { deposits: &fewer_deposits, ..same(&derived) }, Mismatch::Deposits),
            (
                UnsafeBlockContent { sequenced: &derived.sequenced[..1], ..same(&derived) },
                Mismatch::SequencedCount { derived: 2, unsafe_block: 1 },
            ),
            (UnsafeBlockContent { sequenced: &other_txs, ..same(&derived) }, Mismatch::Sequenced { index: 1 }),
        ];
        for (block, mismatch) in cases {
            assert_eq!(consolidate(&derived, &block), Consolidation::Reorg(mismatch));
        }
    }

    #[test]
    fn a_forced_deposit_only_block_replaces_a_sequenced_one() {
        // Window expiry: the derived block has no sequenced transactions, the unsafe one had.
        let sequenced = attributes();
        let forced = DerivedAttributes { sequenced: vec![], forced: true, ..attributes() };
        assert_eq!(
            consolidate(&forced, &same(&sequenced)),
            Consolidation::Reorg(Mismatch::SequencedCount { derived: 0, unsafe_block: 2 })
        );
    }
}
