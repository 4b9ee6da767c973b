//! [`L1Chain`]: the mock Ethereum chain the L2 settles on.
//!
//! Proof of stake in slots of `params.slot`: at each slot's start a block is proposed, unless
//! the slot is missed (probability `missed_slot_rate`, drawn from the caller's stream). A block
//! takes the transactions pending at that moment: every batcher transaction, and the portal
//! deposits the guaranteed-gas market lets in ([`super::metering`]: at most 20,000,000 L2 gas of
//! deposits per block). Deposits that do not fit wait for the next block, in submission order,
//! so one large deposit holds back later small ones. (Simplification: a real deposit over the
//! limit reverts on L1 and its sender sends it again, usually into the next block, which this
//! queue models without the lost transaction fee.)
//!
//! Blocks are identified by the keccak-256 of their number, parent hash, time and contents
//! ([`block_hash`]). The chain keeps every block by hash and the canonical chain by number, so
//! that L1 reorgs can be added; today there are none and a block is final when
//! `finality_depth_blocks` blocks are on top of it (Ethereum finalizes two epochs, 64 slots,
//! back; by depth here).
//!
//! Sans-IO: the harness calls [`L1Chain::on_slot`] at every slot's start and hands the new block
//! to whoever watches L1; verifiers read it block by block ([`L1Chain::block`],
//! [`L1Chain::blocks_after`]).

use super::deposit_tx::MOCK_L1_BASE_FEE_WEI;
use super::metering::{DepositCost, ResourceConfig, ResourceMeter};
use super::params::EthParams;
use super::portal::{self, DepositRequest, PortalError};
use super::types::{BatcherTx, DataKind, L1Block, L1BlockRef, PortalDeposit};
use crate::hashing::IdMap;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::units::L1Number;
use revm::primitives::{B256, keccak256};
use std::collections::VecDeque;
use std::sync::Arc;

/// Identifies a submitted deposit until it is included (submission order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DepositTicket(pub u64);

/// A deposit a block included: which submission it was, where it was logged, what it paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncludedDeposit {
    pub ticket: DepositTicket,
    pub submitted_at: SimTime,
    pub log_index: u32,
    pub cost: DepositCost,
}

/// A block the slot produced, with its deposits' receipts (`deposits[i]` is `block.deposits[i]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBlock {
    pub block: Arc<L1Block>,
    pub deposits: Vec<IncludedDeposit>,
}

#[derive(Debug, Clone)]
struct PendingDeposit {
    ticket: DepositTicket,
    submitted_at: SimTime,
    request: DepositRequest,
}

/// The L1 chain: blocks, heads, the pending pool and the portal's gas market.
#[derive(Debug)]
pub struct L1Chain {
    slot: SimDuration,
    missed_slot_rate: f64,
    finality_depth_blocks: u64,
    genesis_time: SimTime,
    /// Added to a slot's start (seconds of the run) to give its block's time: 0 for a chain on
    /// the run's clock, the run's Unix epoch for one on the L2's clock ([`L1Chain::on_clock`]).
    clock_offset_s: u64,
    /// Slots started so far, genesis's included.
    slots: u64,
    missed_slots: u64,
    /// Every block by hash (room for L1 reorgs).
    blocks: IdMap<B256, Arc<L1Block>>,
    /// The canonical chain's hashes by number.
    canonical: Vec<B256>,
    pending_deposits: VecDeque<PendingDeposit>,
    pending_batcher_txs: Vec<BatcherTx>,
    next_ticket: u64,
    meter: ResourceMeter,
    deposits_included: u64,
}

impl L1Chain {
    /// A chain whose genesis block (number 0, no contents) starts the slot at `genesis_time`,
    /// block times in seconds of the run.
    pub fn new(params: &EthParams, genesis_time: SimTime) -> Self {
        Self::on_clock(params, genesis_time, 0)
    }

    /// The same chain with block times `clock_offset_s` plus the slot's start in seconds of the
    /// run: with the run's Unix epoch, L1 times are on the clock of L2 timestamps, so the origin
    /// rule and the L1-info deposit compare like with like.
    pub fn on_clock(params: &EthParams, genesis_time: SimTime, clock_offset_s: u64) -> Self {
        assert!(params.slot > SimDuration::ZERO, "an L1 slot must last");
        let genesis_time_s = clock_offset_s + genesis_time.as_secs();
        let genesis = Arc::new(seal(L1Number::ZERO, B256::ZERO, genesis_time_s, Vec::new(), Vec::new()));
        let genesis_hash = genesis.block.hash;
        let mut blocks = IdMap::default();
        blocks.insert(genesis_hash, genesis);
        L1Chain {
            slot: params.slot,
            missed_slot_rate: params.missed_slot_rate,
            finality_depth_blocks: params.finality_depth_blocks,
            genesis_time,
            clock_offset_s,
            slots: 1,
            missed_slots: 0,
            blocks,
            canonical: vec![genesis_hash],
            pending_deposits: VecDeque::new(),
            pending_batcher_txs: Vec::new(),
            next_ticket: 0,
            meter: ResourceMeter::new(ResourceConfig::OP_DEFAULT, 0),
            deposits_included: 0,
        }
    }

    /// When the next slot starts: the time to call [`L1Chain::on_slot`] with.
    pub fn next_slot_start(&self) -> SimTime {
        self.genesis_time + SimDuration(self.slot.as_us().saturating_mul(self.slots))
    }

    /// Runs the slot starting at `slot_start` (which must be [`L1Chain::next_slot_start`]):
    /// one draw from `rng` decides whether it is missed; otherwise its block includes the
    /// pending batcher transactions and the deposits that fit, and becomes the head.
    pub fn on_slot(&mut self, slot_start: SimTime, rng: &mut Stream) -> Option<NewBlock> {
        assert_eq!(slot_start, self.next_slot_start(), "L1 slots run in order, on the slot grid");
        self.slots += 1;
        if rng.bernoulli(self.missed_slot_rate) {
            self.missed_slots += 1;
            return None;
        }
        Some(self.propose(self.clock_offset_s + slot_start.as_secs()))
    }

    /// Queues a deposit for the next block with room for its gas; refused (as the portal
    /// reverts) if it breaks a rule of [`portal::validate`].
    pub fn submit_deposit(
        &mut self,
        request: DepositRequest,
        submitted_at: SimTime,
    ) -> Result<DepositTicket, PortalError> {
        portal::validate(&request, self.meter.config())?;
        let ticket = DepositTicket(self.next_ticket);
        self.next_ticket += 1;
        self.pending_deposits.push_back(PendingDeposit { ticket, submitted_at, request });
        Ok(ticket)
    }

    /// Queues a batcher transaction for the next block.
    pub fn submit_batcher_tx(&mut self, tx: BatcherTx) {
        self.pending_batcher_txs.push(tx);
    }

    /// The head.
    pub fn latest(&self) -> L1BlockRef {
        self.block_at(self.latest_number()).block
    }

    pub fn latest_number(&self) -> L1Number {
        L1Number(self.canonical.len() as u64 - 1)
    }

    /// The newest block with `finality_depth_blocks` blocks on top of it (genesis until then).
    pub fn finalized(&self) -> L1BlockRef {
        let number = self.latest_number().down(self.finality_depth_blocks).unwrap_or(L1Number::ZERO);
        self.block_at(number).block
    }

    /// Whether block `number` is canonical and final.
    pub fn is_finalized(&self, number: L1Number) -> bool {
        number <= self.finalized().number
    }

    /// The canonical block `number`, if there is one yet.
    pub fn block(&self, number: L1Number) -> Option<&Arc<L1Block>> {
        let hash = self.canonical.get(usize::try_from(number.0).ok()?)?;
        self.blocks.get(hash)
    }

    pub fn block_ref(&self, number: L1Number) -> Option<L1BlockRef> {
        self.block(number).map(|b| b.block)
    }

    /// Any known block by hash, canonical or not.
    pub fn block_by_hash(&self, hash: &B256) -> Option<&Arc<L1Block>> {
        self.blocks.get(hash)
    }

    /// The canonical blocks above `after`, oldest first: what a reader that has seen up to
    /// `after` reads next.
    pub fn blocks_after(&self, after: L1Number) -> impl Iterator<Item = &Arc<L1Block>> {
        let first = usize::try_from(after.0).map_or(usize::MAX, |n| n.saturating_add(1));
        self.canonical.iter().skip(first).map(|hash| &self.blocks[hash])
    }

    /// When a block of this chain was proposed, in seconds of the run.
    pub fn run_time_s(&self, block: &L1BlockRef) -> u64 {
        block.time_s - self.clock_offset_s
    }

    /// Slots run so far, genesis's included.
    pub fn slots(&self) -> u64 {
        self.slots
    }

    pub fn missed_slots(&self) -> u64 {
        self.missed_slots
    }

    pub fn deposits_included(&self) -> u64 {
        self.deposits_included
    }

    /// Deposits waiting for room.
    pub fn pending_deposits(&self) -> usize {
        self.pending_deposits.len()
    }

    /// The portal's gas market, as the next deposit would find it.
    pub fn meter(&self) -> &ResourceMeter {
        &self.meter
    }

    fn block_at(&self, number: L1Number) -> &Arc<L1Block> {
        self.block(number).expect("a canonical block at every number up to the head")
    }

    fn propose(&mut self, time_s: u64) -> NewBlock {
        let parent = self.latest();
        let number = parent.number.next();
        let (requests, deposits) = self.take_deposits(number);
        let batcher_txs = std::mem::take(&mut self.pending_batcher_txs);
        let block = Arc::new(seal(number, parent.hash, time_s, requests, batcher_txs));
        self.blocks.insert(block.block.hash, Arc::clone(&block));
        self.canonical.push(block.block.hash);
        self.deposits_included += deposits.len() as u64;
        NewBlock { block, deposits }
    }

    /// The pending deposits block `number` takes: from the front of the queue, while the
    /// market has gas left for the next one.
    fn take_deposits(&mut self, number: L1Number) -> (Vec<DepositRequest>, Vec<IncludedDeposit>) {
        let mut requests = Vec::new();
        let mut included = Vec::new();
        while let Some(next) = self.pending_deposits.front() {
            let Some(cost) = self.meter.try_buy(number.0, next.request.gas_limit, MOCK_L1_BASE_FEE_WEI) else {
                break;
            };
            let next = self.pending_deposits.pop_front().expect("the front was just read");
            let log_index = u32::try_from(included.len()).expect("a block's deposits fit the gas cap, far below 2^32");
            included.push(IncludedDeposit { ticket: next.ticket, submitted_at: next.submitted_at, log_index, cost });
            requests.push(next.request);
        }
        (requests, included)
    }
}

/// A block with its hash computed and its deposits' events logged under that hash.
fn seal(
    number: L1Number,
    parent_hash: B256,
    time_s: u64,
    requests: Vec<DepositRequest>,
    batcher_txs: Vec<BatcherTx>,
) -> L1Block {
    let unlogged: Vec<PortalDeposit> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| portal::deposit_event(r, B256::ZERO, u32::try_from(i).expect("log index fits u32")))
        .collect();
    let hash = block_hash(number, parent_hash, time_s, &unlogged, &batcher_txs);
    let deposits = unlogged.into_iter().map(|d| PortalDeposit { l1_block_hash: hash, ..d }).collect();
    L1Block { block: L1BlockRef { number, hash, parent_hash, time_s }, deposits, batcher_txs }
}

/// keccak-256 of the block's number, parent, time and contents: each deposit's fields and log
/// index (its block hash is this hash, so it is left out) and each frame's identity and size
/// (a frame's batches are its channel's, named by the channel id).
pub fn block_hash(
    number: L1Number,
    parent_hash: B256,
    time_s: u64,
    deposits: &[PortalDeposit],
    batcher_txs: &[BatcherTx],
) -> B256 {
    let mut preimage = Vec::with_capacity(64 + 128 * deposits.len() + 32 * batcher_txs.len());
    preimage.extend_from_slice(b"hemisim/l1-block/v1");
    preimage.extend_from_slice(&number.0.to_be_bytes());
    preimage.extend_from_slice(parent_hash.as_slice());
    preimage.extend_from_slice(&time_s.to_be_bytes());
    preimage.extend_from_slice(&(deposits.len() as u64).to_be_bytes());
    for deposit in deposits {
        preimage.extend_from_slice(deposit.from.as_slice());
        match deposit.to {
            Some(to) => {
                preimage.push(1);
                preimage.extend_from_slice(to.as_slice());
            }
            None => preimage.push(0),
        }
        preimage.extend_from_slice(&deposit.mint.to_be_bytes::<32>());
        preimage.extend_from_slice(&deposit.value.to_be_bytes::<32>());
        preimage.extend_from_slice(&deposit.gas_limit.to_be_bytes());
        preimage.extend_from_slice(&deposit.log_index.to_be_bytes());
        preimage.extend_from_slice(keccak256(&deposit.data).as_slice());
    }
    preimage.extend_from_slice(&(batcher_txs.len() as u64).to_be_bytes());
    for tx in batcher_txs {
        preimage.push(match tx.data_kind {
            DataKind::Blob => 1,
            DataKind::Calldata => 2,
        });
        preimage.extend_from_slice(&(tx.frames.len() as u64).to_be_bytes());
        for frame in &tx.frames {
            preimage.extend_from_slice(&frame.channel.0);
            preimage.extend_from_slice(&frame.number.to_be_bytes());
            preimage.push(u8::from(frame.is_last));
            preimage.extend_from_slice(&frame.size_bytes.to_be_bytes());
        }
    }
    keccak256(preimage)
}
