//! What a run recorded of the Ethereum L1.

use serde::{Deserialize, Serialize};

/// The Ethereum L1 of the settlement layer: its blocks and missed slots, and the parameters
/// their statistics are read against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EthereumRecord {
    /// `ethereum.slot_s`, `missed_slot_rate`, `finality_depth_blocks` and `deposit_rate_per_s`
    /// of the scenario.
    pub slot_s: u64,
    pub missed_slot_rate: f64,
    pub finality_depth_blocks: u64,
    pub deposit_rate_per_s: f64,
    /// Every block after genesis, in order.
    pub blocks: Vec<L1BlockRow>,
    /// The slots without a block, in order (genesis's is slot 0).
    pub missed_slots: Vec<u64>,
    /// What the batcher paid for its L1 data (0 until the batcher posts).
    pub batcher_fees_gwei: u64,
}

/// One L1 block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct L1BlockRow {
    pub number: u64,
    /// keccak-256 hashes, `0x`-prefixed hex.
    pub hash: String,
    pub parent_hash: String,
    /// Its time: its slot's start (whole seconds on L1).
    pub time_us: u64,
    /// Portal deposits it logged.
    pub deposits: u32,
    /// Batcher transactions it carries, and their data on L1 in bytes.
    pub batcher_txs: u32,
    pub batch_bytes: u64,
    /// The finalized head once this block was the head.
    pub finalized: u64,
}

impl EthereumRecord {
    /// Slots run after genesis's: blocks and missed slots.
    pub fn slots(&self) -> u64 {
        (self.blocks.len() + self.missed_slots.len()) as u64
    }

    pub fn deposits(&self) -> u64 {
        self.blocks.iter().map(|b| u64::from(b.deposits)).sum()
    }

    pub fn batches(&self) -> u64 {
        self.blocks.iter().map(|b| u64::from(b.batcher_txs)).sum()
    }

    pub fn batch_bytes(&self) -> u64 {
        self.blocks.iter().map(|b| b.batch_bytes).sum()
    }
}
