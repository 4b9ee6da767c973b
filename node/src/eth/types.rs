//! What the settlement layer carries: L1 blocks, portal deposits and batcher data.

use crate::l2::block::BtcAttributes;
use crate::l2::tx::L2Tx;
use crate::units::{L1Number, L2Number};
use revm::primitives::{Address, B256, Bytes, U256};
use std::sync::Arc;

/// An L1 block's identity and time: what an L2 block names as its origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct L1BlockRef {
    pub number: L1Number,
    pub hash: B256,
    pub parent_hash: B256,
    /// The slot's start: in a run, Unix seconds on the clock of L2 timestamps
    /// ([`super::chain::L1Chain::on_clock`]).
    pub time_s: u64,
}

/// An L1 block with the contents the L2 cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Block {
    pub block: L1BlockRef,
    /// `OptimismPortal` deposits, in log order.
    pub deposits: Vec<PortalDeposit>,
    /// Batcher transactions, in block order.
    pub batcher_txs: Vec<BatcherTx>,
}

/// A `TransactionDeposited` event of the portal: an L2 transaction forced through L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalDeposit {
    /// The L2 sender: the L1 account, or the alias of an L1 contract ([`super::portal`]).
    pub from: Address,
    /// `None` creates a contract.
    pub to: Option<Address>,
    /// Wei minted to `from` on L2 before the call (the ETH sent with the deposit).
    pub mint: U256,
    /// Wei passed with the call.
    pub value: U256,
    pub gas_limit: u64,
    pub data: Bytes,
    /// Where it was logged: `(L1 block hash, log index)` gives the deposit's unique source hash.
    pub l1_block_hash: B256,
    pub log_index: u32,
}

/// One batcher transaction: frames of channels, posted as blobs or as calldata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatcherTx {
    pub frames: Vec<Frame>,
    pub data_kind: DataKind,
}

/// How a batcher transaction carries its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// EIP-4844 blobs (130,044 usable bytes each).
    Blob,
    Calldata,
}

/// A channel's identity (op-batcher: 16 random bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChannelId(pub [u8; 16]);

/// One frame of a channel. Frames carry sizes, not bytes: the channel's batches travel once, in
/// `content`, shared by every frame of the channel, and a channel is readable only when all its
/// frames have arrived (as a real channel cannot be decompressed before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub channel: ChannelId,
    pub number: u16,
    pub is_last: bool,
    /// Bytes this frame occupies on L1 (its share of the compressed channel plus the frame header).
    pub size_bytes: u32,
    pub content: Arc<ChannelContent>,
}

/// What a channel holds once decompressed: the batches, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelContent {
    pub batches: Vec<SingularBatch>,
}

/// OP's singular batch: one L2 block's sequenced part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingularBatch {
    pub parent_hash: B256,
    pub epoch_num: L1Number,
    pub epoch_hash: B256,
    pub timestamp_s: u64,
    /// The sequenced transactions: Hemi's Bitcoin attributes first, then user transactions.
    pub transactions: Vec<SequencedTx>,
}

/// A transaction the sequencer adds to a block (deposits are not: derivation adds them).
/// Carried as values, not bytes; [`SequencedTx::encoded_len`] gives the size it has in a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SequencedTx {
    /// Hemi's Bitcoin-attributes transaction (type 0x7C).
    BtcAttributes(BtcAttributes),
    User(Arc<L2Tx>),
}

impl SequencedTx {
    pub fn encoded_len(&self) -> usize {
        match self {
            SequencedTx::BtcAttributes(attributes) => attributes.encode().len(),
            SequencedTx::User(tx) => tx.encode().len(),
        }
    }
}

/// An L2 block's identity, time and L1 origin: what derivation tracks as its safe and finalized
/// heads (op-node's `L2BlockRef`, without the sequence number, which follows from the origin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct L2BlockRef {
    pub number: L2Number,
    pub hash: B256,
    pub time_s: u64,
    pub l1_origin: L1BlockRef,
}

impl BatcherTx {
    /// The bytes this transaction carries on L1: the frames behind the one-byte derivation
    /// version prefix, which each blob carries (one frame per blob) and calldata carries once.
    pub fn data_bytes(&self) -> usize {
        let frames: usize = self.frames.iter().map(|frame| frame.size_bytes as usize).sum();
        match self.data_kind {
            DataKind::Blob => frames + self.frames.len(),
            DataKind::Calldata => frames + 1,
        }
    }
}
