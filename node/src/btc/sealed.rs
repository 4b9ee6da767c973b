//! Sealed blocks and transactions: immutable, shared between peers, hashes computed once.
//!
//! In a simulation every peer receives the *same* block object (an `Arc`), so values that are
//! pure functions of its bytes (block hash, txids, merkle-root validity, weight) are computed once
//! when it is sealed rather than once per peer and per use. A peer's checks read these values:
//! the outcome is the one it would compute itself, at a fraction of the cost. (The name follows
//! reth's `SealedBlock`: a block together with its hash.)

use super::aggregate::DemandFill;
use bitcoin::block::Header;
use bitcoin::{Block, BlockHash, Transaction, Txid};
use std::ops::Deref;
use std::sync::Arc;

/// A transaction with its txid, weight and virtual size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedTx {
    tx: Transaction,
    txid: Txid,
    weight: u64,
}

impl SealedTx {
    pub fn seal(tx: Transaction) -> Arc<SealedTx> {
        Arc::new(SealedTx { txid: tx.compute_txid(), weight: tx.weight().to_wu(), tx })
    }

    pub fn txid(&self) -> Txid {
        self.txid
    }

    /// BIP 141 weight units.
    pub fn weight(&self) -> u64 {
        self.weight
    }

    /// Virtual bytes: weight / 4, rounded up.
    pub fn vsize(&self) -> u64 {
        self.weight.div_ceil(4)
    }

    pub fn tx(&self) -> &Transaction {
        &self.tx
    }
}

impl Deref for SealedTx {
    type Target = Transaction;
    fn deref(&self) -> &Transaction {
        &self.tx
    }
}

/// A block: its header, its sealed transactions, and values derived from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBlock {
    pub header: Header,
    txs: Vec<Arc<SealedTx>>,
    hash: BlockHash,
    weight: u64,
    merkle_root_matches: bool,
    /// Aggregate background demand the block confirms (`background_model = "aggregate"`): it
    /// stands for that many background transactions, which the block's weight and its
    /// coinbase's fees include, and which its coinbase commits to (see `btc/aggregate.rs`).
    demand: Option<Arc<DemandFill>>,
}

impl SealedBlock {
    pub fn seal(block: Block) -> Arc<SealedBlock> {
        Self::seal_with_demand(block, None)
    }

    /// A block that also confirms aggregate demand (its coinbase carries the fill's commitment).
    pub fn seal_with_demand(block: Block, demand: Option<Arc<DemandFill>>) -> Arc<SealedBlock> {
        let weight = block.weight().to_wu() + demand.as_ref().map_or(0, |d| d.weight());
        let txs: Vec<Arc<SealedTx>> = block.txdata.into_iter().map(SealedTx::seal).collect();
        let computed = bitcoin::merkle_tree::calculate_root(txs.iter().map(|t| t.txid.to_raw_hash()));
        let merkle_root_matches = computed.is_some_and(|root| root == block.header.merkle_root.to_raw_hash());
        Arc::new(SealedBlock {
            hash: block.header.block_hash(),
            header: block.header,
            txs,
            weight,
            merkle_root_matches,
            demand,
        })
    }

    pub fn block_hash(&self) -> BlockHash {
        self.hash
    }

    pub fn txs(&self) -> &[Arc<SealedTx>] {
        &self.txs
    }

    /// The coinbase, if the block has any transaction at all.
    pub fn coinbase(&self) -> Option<&Arc<SealedTx>> {
        self.txs.first()
    }

    /// BIP 141 weight, counting the aggregate demand it confirms as the transactions it stands for.
    pub fn weight(&self) -> u64 {
        self.weight
    }

    pub fn demand(&self) -> Option<&Arc<DemandFill>> {
        self.demand.as_ref()
    }

    /// Fees of the aggregate demand it confirms (zero without).
    pub fn demand_fees(&self) -> bitcoin::Amount {
        self.demand.as_ref().map_or(bitcoin::Amount::ZERO, |d| d.fees())
    }

    pub fn merkle_root_matches(&self) -> bool {
        self.merkle_root_matches
    }

    pub fn contains_tx(&self, txid: &Txid) -> bool {
        self.txs.iter().any(|t| t.txid == *txid)
    }

    /// The block in `bitcoin`'s own type (for serialisation and merkle proofs).
    pub fn to_block(&self) -> Block {
        Block { header: self.header, txdata: self.txs.iter().map(|t| t.tx.clone()).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
    use crate::btc::script::p2pkh_for;
    use crate::time::SimTime;
    use bitcoin::hashes::Hash;

    #[test]
    fn sealing_keeps_the_block_and_detects_a_bad_merkle_root() {
        let tag = CoinbaseTag { height: 1, miner: "m", extra_nonce: 0 };
        let block = mine_block(
            BlockHash::all_zeros(),
            SimTime::ZERO,
            vec![simple_coinbase(tag, p2pkh_for("m"), bitcoin::Amount::ONE_BTC)],
        );
        let sealed = SealedBlock::seal(block.clone());
        assert!(sealed.merkle_root_matches());
        assert_eq!(sealed.block_hash(), block.block_hash());
        assert_eq!(sealed.weight(), block.weight().to_wu());
        assert_eq!(sealed.to_block(), block);
        let mut tampered = block;
        tampered.header.merkle_root = bitcoin::TxMerkleNode::all_zeros();
        assert!(!SealedBlock::seal(tampered).merkle_root_matches());
    }
}
