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
    /// Every transaction the sequencer's batcher posted to L1, in order.
    #[serde(default)]
    pub batches_posted: Vec<BatchRow>,
    /// Each portal deposit the sequencer executed on L2, in order, at its first inclusion (a
    /// deposit executed again after an unsafe reorg is not listed twice).
    #[serde(default)]
    pub l2_deposits: Vec<L2DepositRow>,
}

/// A batcher transaction: posted at `posted_at_us` (simulated time), carrying L2 blocks
/// `first_l2..=last_l2` of its channel in `frames` frames, `bytes` of data on L1, for `fee_wei`;
/// `closed_by` says what closed its channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRow {
    pub posted_at_us: u64,
    pub first_l2: u64,
    pub last_l2: u64,
    pub frames: u32,
    pub bytes: u64,
    pub fee_wei: u128,
    pub closed_by: String,
}

/// A portal deposit executed on L2: logged at `log_index` of L1 block `l1_number`, executed in
/// L2 block `l2_number`, which the sequencer produced at `l2_at_us` (simulated time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2DepositRow {
    pub l1_number: u64,
    pub log_index: u32,
    pub l2_number: u64,
    pub l2_at_us: u64,
}

/// A deposit's way from L1 to L2: its row, its L1 block's time and the latency between, in
/// microseconds of simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepositLatency {
    pub deposit: L2DepositRow,
    pub l1_time_us: u64,
    pub latency_us: u64,
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

    /// Batcher transactions posted.
    pub fn batches(&self) -> u64 {
        self.batches_posted.len() as u64
    }

    /// Their data on L1, in bytes.
    pub fn batch_bytes(&self) -> u64 {
        self.batches_posted.iter().map(|b| b.bytes).sum()
    }

    /// What the batcher paid for them, in wei (exact).
    pub fn batcher_fees_wei(&self) -> u128 {
        self.batches_posted.iter().map(|b| b.fee_wei).sum()
    }

    /// Each executed deposit with its latency: from its L1 block's time (L1 inclusion) to the
    /// production of the L2 block that executed it (L2 inclusion).
    pub fn deposit_latencies(&self) -> Vec<DepositLatency> {
        self.l2_deposits
            .iter()
            .filter_map(|&deposit| {
                let i = self.blocks.binary_search_by_key(&deposit.l1_number, |b| b.number).ok()?;
                let l1_time_us = self.blocks[i].time_us;
                Some(DepositLatency { deposit, l1_time_us, latency_us: deposit.l2_at_us.saturating_sub(l1_time_us) })
            })
            .collect()
    }
}
