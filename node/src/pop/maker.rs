//! Making keystones: every `interval`-th L2 block (number % interval == 0, number != 0), the
//! sequencer turns the block it just produced into a keystone.
//!
//! The keystone's previous-keystone hash is the block hash of the keystone `interval` blocks
//! below (for the first keystone: the L2 genesis block's hash). Its "L1 block number" is, as in
//! Hemi, the number of the block's Ethereum L1 origin on a settlement chain; a run without a
//! settlement layer has no L1, and there the field carries the height of the canonical Bitcoin
//! tip the block carries, the closest thing that stack has to an L1 origin. Everything else is
//! the block's own data.

use super::keystone::{KEYSTONE_VERSION, Keystone, KeystoneHash};
use crate::l2::block::{L2Block, L2Header};
use crate::time::SimTime;
use crate::units::L2Number;
use revm::primitives::B256;

/// A keystone with its hash (computed once) and when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MadeKeystone {
    pub keystone: Keystone,
    pub hash: KeystoneHash,
    pub made_at: SimTime,
}

impl MadeKeystone {
    pub fn new(keystone: Keystone, made_at: SimTime) -> Self {
        MadeKeystone { hash: keystone.hash(), keystone, made_at }
    }

    pub fn l2_number(&self) -> L2Number {
        L2Number(u64::from(self.keystone.l2_block_number))
    }
}

/// The keystone of the L2 block with `header`, chained to the previous keystone's block hash.
/// The one definition, used by the sequencer's maker and by provenance checks alike. Its "L1
/// block number" is the block's L1 origin's on a settlement chain (as Hemi's); without one, the
/// Bitcoin tip height the block carries.
pub fn keystone_of(header: &L2Header, prev_keystone_hash: B256) -> Keystone {
    Keystone {
        version: KEYSTONE_VERSION,
        l1_block_number: header
            .l1_origin
            .map_or(header.btc_tip_height.0, |origin| u32::try_from(origin.block.number.0).unwrap_or(u32::MAX)),
        // L2 numbers beyond u32 would take 1,600 years at 12 s: saturate rather than wrap.
        l2_block_number: u32::try_from(header.number.0).unwrap_or(u32::MAX),
        parent_hash: header.parent_hash.0,
        prev_keystone_hash: prev_keystone_hash.0,
        state_root: header.state_root.0,
        block_hash: header.hash().0,
    }
}

/// Follows the sequencer's blocks and makes a keystone of every `interval`-th one.
#[derive(Debug, Clone)]
pub struct KeystoneMaker {
    interval: u64,
    /// Block hash of the last keystone (the L2 genesis before the first).
    previous: B256,
    /// Every keystone block made, by number, with the previous keystone hash it chained to: what
    /// a rewind goes back to.
    made: std::collections::BTreeMap<L2Number, (B256, B256)>,
}

impl KeystoneMaker {
    /// `interval` is at least 1 (the scenario validates it).
    pub fn new(interval: u32, l2_genesis_hash: B256) -> Self {
        KeystoneMaker { interval: u64::from(interval.max(1)), previous: l2_genesis_hash, made: Default::default() }
    }

    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// The keystone of `block` if it is a keystone block. Blocks must come in order.
    pub fn on_block(&mut self, block: &L2Block, now: SimTime) -> Option<MadeKeystone> {
        let number = block.header.number.0;
        if number == 0 || !number.is_multiple_of(self.interval) {
            return None;
        }
        let keystone = keystone_of(&block.header, self.previous);
        self.made.insert(block.header.number, (block.hash(), self.previous));
        self.previous = block.hash();
        Some(MadeKeystone::new(keystone, now))
    }

    /// The chain went back to block `number` (an L2 reorg): keystones of blocks above it are
    /// forgotten, and the next keystone chains to the last one at or below it.
    pub fn rewind_to(&mut self, number: L2Number) {
        if let Some((&first_gone, &(_, previous))) = self.made.range(number.next()..).next() {
            self.previous = previous;
            self.made.split_off(&first_gone);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::l2::block::BtcAttributes;
    use crate::units::BtcHeight;
    use bitcoin::hashes::Hash;

    fn block(number: u64, parent: B256) -> L2Block {
        let header = L2Header {
            number: L2Number(number),
            parent_hash: parent,
            timestamp_s: number * 12,
            gas_limit: 30_000_000,
            gas_used: 0,
            state_root: B256::repeat_byte(number as u8),
            transactions_root: B256::ZERO,
            withdrawals_root: B256::ZERO,
            btc_tip_height: BtcHeight(7),
            btc_tip_hash: bitcoin::BlockHash::all_zeros(),
            l1_origin: None,
        };
        L2Block::seal_hashing(header, BtcAttributes { fork_height: BtcHeight(7), headers: vec![] }, vec![])
    }

    #[test]
    fn every_interval_th_block_is_a_keystone_chained_to_the_previous_one() {
        let genesis = B256::repeat_byte(0xee);
        let mut maker = KeystoneMaker::new(3, genesis);
        let mut parent = genesis;
        let mut made = Vec::new();
        let mut hashes = vec![genesis];
        for n in 1..=9 {
            let b = block(n, parent);
            parent = b.hash();
            hashes.push(b.hash());
            if let Some(k) = maker.on_block(&b, SimTime(n)) {
                made.push(k);
            }
        }
        assert_eq!(made.iter().map(|k| k.l2_number()).collect::<Vec<_>>(), [L2Number(3), L2Number(6), L2Number(9)]);
        assert_eq!(made[0].keystone.prev_keystone_hash, genesis.0);
        assert_eq!(made[1].keystone.prev_keystone_hash, hashes[3].0);
        assert_eq!(made[2].keystone.prev_keystone_hash, hashes[6].0);
        assert_eq!(made[2].keystone.block_hash, hashes[9].0);
        assert_eq!(made[2].keystone.parent_hash, hashes[8].0);
        assert_eq!(made[2].keystone.l1_block_number, 7);
        assert_eq!(made[2].hash, made[2].keystone.hash());
        assert_eq!(made[2].made_at, SimTime(9));
    }

    #[test]
    fn on_a_settlement_chain_the_keystones_l1_number_is_the_origins() {
        let plain = block(3, B256::ZERO);
        assert_eq!(keystone_of(&plain.header, B256::ZERO).l1_block_number, 7, "the Bitcoin tip without an origin");
        let origin = crate::eth::types::L1BlockRef {
            number: crate::units::L1Number(41),
            hash: B256::repeat_byte(1),
            parent_hash: B256::repeat_byte(2),
            time_s: 0,
        };
        let l1_origin = Some(crate::l2::block::L1Origin { block: origin, sequence_number: 2 });
        let settled = L2Header { l1_origin, ..plain.header };
        assert_eq!(keystone_of(&settled, B256::ZERO).l1_block_number, 41);
    }
}
