//! The keystone index a Bitcoin node keeps (Hemi's tbc): for every keystone hash, its first
//! (lowest) publication on the node's canonical chain.
//!
//! The index follows the node's active chain block by block. [`KeystoneIndex::sync`] finds the
//! highest block it indexed that is still active, unwinds the blocks above it (dropping each
//! keystone's entry only if it pointed at an unwound block: the entry is the lowest publication,
//! so every other publication of that keystone was above it and is unwound too), then indexes
//! the new active blocks in height order, so the first publication seen is the lowest one.

use super::keystone::{AbbreviatedKeystone, KeystoneHash};
use crate::btc::node::BitcoinNode;
use crate::btc::sealed::SealedBlock;
use crate::units::{BtcHeight, L2Number};
use bitcoin::{BlockHash, Txid};
use std::collections::BTreeMap;

/// A PoP transaction in a Bitcoin block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub keystone: KeystoneHash,
    pub abbreviated: AbbreviatedKeystone,
    pub txid: Txid,
    pub height: BtcHeight,
    pub block: BlockHash,
    /// Position of the transaction in its block.
    pub position: u32,
}

impl Publication {
    pub fn l2_number(&self) -> L2Number {
        L2Number(u64::from(self.abbreviated.l2_block_number))
    }
}

/// Every PoP publication in `block` (at `height`), in transaction order: the first Hemi payload
/// of each non-coinbase transaction.
pub fn publications_in(block: &SealedBlock, height: BtcHeight) -> Vec<Publication> {
    let hash = block.block_hash();
    block
        .txs()
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(position, tx)| {
            let abbreviated = AbbreviatedKeystone::from_pop_transaction(tx.tx()).ok()?;
            Some(Publication {
                keystone: abbreviated.hash(),
                abbreviated,
                txid: tx.txid(),
                height,
                block: hash,
                position: position as u32,
            })
        })
        .collect()
}

/// What one [`KeystoneIndex::sync`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexDelta {
    /// First publications removed by a reorg, highest block first.
    pub removed: Vec<Publication>,
    /// New first publications, lowest block first.
    pub added: Vec<Publication>,
}

impl IndexDelta {
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct KeystoneIndex {
    /// The active blocks indexed, by height (0: genesis, which holds no publication).
    indexed: Vec<BlockHash>,
    /// Keystones whose first publication is in the block at each height.
    firsts_at: Vec<Vec<KeystoneHash>>,
    first: BTreeMap<KeystoneHash, Publication>,
}

impl KeystoneIndex {
    pub fn new(genesis: BlockHash) -> Self {
        KeystoneIndex { indexed: vec![genesis], firsts_at: vec![Vec::new()], first: BTreeMap::new() }
    }

    /// The first canonical publication of `keystone`, if any.
    pub fn first_publication(&self, keystone: &KeystoneHash) -> Option<&Publication> {
        self.first.get(keystone)
    }

    pub fn contains(&self, keystone: &KeystoneHash) -> bool {
        self.first.contains_key(keystone)
    }

    /// Height of the last block indexed.
    pub fn tip_height(&self) -> BtcHeight {
        BtcHeight((self.indexed.len() - 1) as u32)
    }

    /// Keystones whose first publication is at `height`.
    pub fn firsts_at(&self, height: BtcHeight) -> &[KeystoneHash] {
        self.firsts_at.get(height.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// Brings the index to `node`'s active chain.
    pub fn sync(&mut self, node: &BitcoinNode) -> IndexDelta {
        let mut delta = IndexDelta::default();
        let mut fork = self.tip_height().min(node.tip_height());
        while node.active_at(fork) != Some(self.indexed[fork.0 as usize]) {
            fork = fork.down(1).expect("both chains start at the same genesis");
        }
        while self.tip_height() > fork {
            self.indexed.pop();
            for keystone in self.firsts_at.pop().unwrap_or_default().into_iter().rev() {
                if let Some(publication) = self.first.remove(&keystone) {
                    delta.removed.push(publication);
                }
            }
        }
        for height in fork.next().through(node.tip_height()) {
            let hash = node.active_at(height).expect("at most the node's tip");
            let block = node.block(&hash).expect("active blocks are stored");
            let mut firsts = Vec::new();
            for publication in publications_in(block, height) {
                if let std::collections::btree_map::Entry::Vacant(entry) = self.first.entry(publication.keystone) {
                    firsts.push(publication.keystone);
                    entry.insert(publication.clone());
                    delta.added.push(publication);
                }
            }
            self.indexed.push(hash);
            self.firsts_at.push(firsts);
        }
        delta
    }
}
