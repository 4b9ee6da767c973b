//! Test support for the settlement layer: a minimal L1 chain, a minimal sequencer with OP's
//! origin rule, and a stand-in executor that turns attributes into a block hash. The real L1
//! chain, portal and origin rule live in their own modules; these are just enough to drive the
//! batcher and derivation end to end.

use super::batcher::BatchedBlock;
use super::derivation::{Derivation, DerivedAttributes};
use super::types::{BatcherTx, L1Block, L1BlockRef, L2BlockRef, PortalDeposit, SequencedTx, SingularBatch};
use crate::l2::block::BtcAttributes;
use crate::l2::tx::L2Tx;
use crate::units::{L1Number, L2Number};
use revm::primitives::{Address, B256, Bytes, U256, keccak256};
use std::sync::Arc;

/// An L1 chain of fixed slots, from a genesis at time 0.
#[derive(Debug, Clone)]
pub struct MiniL1 {
    pub slot_s: u64,
    pub blocks: Vec<L1Block>,
    /// Slots elapsed, counting missed ones.
    slots: u64,
}

impl MiniL1 {
    pub fn new(slot_s: u64) -> MiniL1 {
        let genesis =
            L1BlockRef { number: L1Number(0), hash: l1_hash(0, B256::ZERO, 0), parent_hash: B256::ZERO, time_s: 0 };
        MiniL1 { slot_s, blocks: vec![L1Block { block: genesis, deposits: vec![], batcher_txs: vec![] }], slots: 0 }
    }

    pub fn genesis(&self) -> L1BlockRef {
        self.blocks[0].block
    }

    pub fn head(&self) -> L1BlockRef {
        self.blocks[self.blocks.len() - 1].block
    }

    pub fn block(&self, number: L1Number) -> Option<&L1Block> {
        self.blocks.get(number.0 as usize)
    }

    /// Skips the next slot (no block).
    pub fn miss_slot(&mut self) {
        self.slots += 1;
    }

    /// The block of the next slot, carrying `batcher_txs` and `deposit_count` portal deposits.
    pub fn mine(&mut self, batcher_txs: Vec<BatcherTx>, deposit_count: u32) -> &L1Block {
        self.slots += 1;
        let parent = self.head();
        let number = parent.number.next();
        let time_s = self.slots * self.slot_s;
        let hash = l1_hash(number.0, parent.hash, time_s);
        let deposits = (0..deposit_count).map(|log_index| deposit(hash, log_index)).collect();
        let block = L1BlockRef { number, hash, parent_hash: parent.hash, time_s };
        self.blocks.push(L1Block { block, deposits, batcher_txs });
        &self.blocks[self.blocks.len() - 1]
    }
}

fn l1_hash(number: u64, parent: B256, time_s: u64) -> B256 {
    let mut bytes = Vec::with_capacity(48);
    bytes.extend_from_slice(&number.to_be_bytes());
    bytes.extend_from_slice(parent.as_slice());
    bytes.extend_from_slice(&time_s.to_be_bytes());
    keccak256(bytes)
}

pub fn deposit(l1_block_hash: B256, log_index: u32) -> PortalDeposit {
    PortalDeposit {
        from: Address::with_last_byte(0xd0),
        to: Some(Address::with_last_byte(0xd1)),
        mint: U256::from(1_000u64),
        value: U256::ZERO,
        gas_limit: 21_000,
        data: Bytes::new(),
        l1_block_hash,
        log_index,
    }
}

/// The stand-in for execution: a block's hash commits to everything derivation decides.
pub fn l2_block_hash(
    parent: B256,
    timestamp_s: u64,
    origin: &L1BlockRef,
    deposits: &[PortalDeposit],
    sequenced: &[SequencedTx],
) -> B256 {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(parent.as_slice());
    bytes.extend_from_slice(&timestamp_s.to_be_bytes());
    bytes.extend_from_slice(origin.hash.as_slice());
    for deposit in deposits {
        bytes.extend_from_slice(deposit.l1_block_hash.as_slice());
        bytes.extend_from_slice(&deposit.log_index.to_be_bytes());
    }
    for tx in sequenced {
        match tx {
            SequencedTx::BtcAttributes(attributes) => bytes.extend_from_slice(&attributes.encode()),
            SequencedTx::User(tx) => bytes.extend_from_slice(&tx.encode()),
        }
    }
    keccak256(bytes)
}

/// "Executes" attributes: the block they describe.
pub fn execute(attributes: &DerivedAttributes) -> L2BlockRef {
    let hash = l2_block_hash(
        attributes.parent.hash,
        attributes.timestamp_s,
        &attributes.l1_origin,
        &attributes.deposits,
        &attributes.sequenced,
    );
    L2BlockRef {
        number: attributes.parent.number.next(),
        hash,
        time_s: attributes.timestamp_s,
        l1_origin: attributes.l1_origin,
    }
}

/// Derives and executes everything derivation can derive now.
pub fn derive_all(derivation: &mut Derivation) -> Vec<DerivedAttributes> {
    let mut derived = Vec::new();
    while let Some(attributes) = derivation.next_attributes() {
        derivation.on_block_derived(execute(&attributes));
        derived.push(attributes);
    }
    derived
}

/// The L2 genesis on the L1 genesis, both at time 0.
pub fn l2_genesis(l1: &MiniL1) -> L2BlockRef {
    L2BlockRef { number: L2Number(0), hash: B256::repeat_byte(0x42), time_s: 0, l1_origin: l1.genesis() }
}

/// A sequencer with OP's origin rule: the origin advances by at most one L1 block per L2 block,
/// to a block `confs` deep whose time the next L2 block has reached. Every block carries Bitcoin
/// attributes and `txs_per_block` user transactions.
#[derive(Debug, Clone)]
pub struct MiniSequencer {
    pub head: L2BlockRef,
    pub block_time_s: u64,
    pub confs: u64,
    pub txs_per_block: u64,
    nonce: u64,
}

/// A block the sequencer built: its identity and what the batcher posts.
#[derive(Debug, Clone)]
pub struct SequencedBlock {
    pub block: L2BlockRef,
    /// The portal deposits it executed (its origin's, when it opens the epoch).
    pub deposits: Vec<PortalDeposit>,
    pub batched: BatchedBlock,
}

impl MiniSequencer {
    pub fn new(genesis: L2BlockRef, block_time_s: u64, confs: u64, txs_per_block: u64) -> MiniSequencer {
        MiniSequencer { head: genesis, block_time_s, confs, txs_per_block, nonce: 0 }
    }

    /// The next block, seeing L1 up to its head.
    pub fn build(&mut self, l1: &MiniL1) -> SequencedBlock {
        let timestamp_s = self.head.time_s + self.block_time_s;
        let current = self.head.l1_origin;
        let next = l1.block(current.number.next()).map(|block| block.block);
        let adoptable =
            next.filter(|next| next.number.0 + self.confs <= l1.head().number.0 && timestamp_s >= next.time_s);
        let origin = adoptable.unwrap_or(current);
        let deposits = match adoptable {
            Some(next) => l1.block(next.number).map(|block| block.deposits.clone()).unwrap_or_default(),
            None => Vec::new(),
        };
        let sequenced = self.transactions(timestamp_s);
        let hash = l2_block_hash(self.head.hash, timestamp_s, &origin, &deposits, &sequenced);

        let batch = SingularBatch {
            parent_hash: self.head.hash,
            epoch_num: origin.number,
            epoch_hash: origin.hash,
            timestamp_s,
            transactions: sequenced,
        };
        let block = L2BlockRef { number: self.head.number.next(), hash, time_s: timestamp_s, l1_origin: origin };
        self.head = block;
        SequencedBlock { block, deposits, batched: BatchedBlock { number: block.number, hash, batch } }
    }

    fn transactions(&mut self, timestamp_s: u64) -> Vec<SequencedTx> {
        let attributes = BtcAttributes { fork_height: crate::units::BtcHeight(timestamp_s as u32), headers: vec![] };
        let mut txs = vec![SequencedTx::BtcAttributes(attributes)];
        for _ in 0..self.txs_per_block {
            self.nonce += 1;
            txs.push(SequencedTx::User(Arc::new(transfer(self.nonce))));
        }
        txs
    }
}

pub fn transfer(nonce: u64) -> L2Tx {
    L2Tx {
        from: Address::with_last_byte(1),
        to: Some(Address::with_last_byte(2)),
        nonce,
        gas_limit: 21_000,
        gas_price: 1_000_000_000,
        value: U256::from(nonce),
        input: Bytes::new(),
    }
}
