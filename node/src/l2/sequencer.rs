//! The Bitcoin-Secure Sequencer (BSS): orders L2 transactions and produces a block every
//! `block_time`.
//!
//! Each block starts with the Bitcoin-attributes system transaction, built from the sequencer's
//! own Bitcoin node: the headers after the last one the L2 chain carries, oldest first, at most
//! `max_headers_per_block` (Hemi: 3), and only headers of blocks the node has. When the node's
//! best chain no longer contains the carried tip (a Bitcoin reorg), the attributes fork at the
//! last common block, so the carried canonical tip moves to the new branch.
//!
//! Then the tunnel's due deposit mints ([`crate::tunnel::book`]), as system calls, and user
//! transactions, **in arrival order**: each one the hVM accepts is included; one whose
//! nonce is still ahead of its sender's stays pending; an invalid one is dropped and its sender
//! told; filling stops at the first transaction whose gas limit exceeds the block's remaining gas
//! (no reordering to fill gaps, so a block can end up to one transaction's gas limit short of
//! full).

use super::block::{transactions_root, BtcAttributes, L2Block, L2Header, TunnelOps};
use super::hvm::{hbtc, BlockBuilder, BlockEnvSpec, BlockOutcome, Hvm, Receipt, RejectReason, TxRejected};
use crate::tunnel::book::TunnelBook;
use crate::tunnel::{withdrawals_in, withdrawals_root, Mint, TunnelParams, HBTC};
use super::indexer::BtcIndexer;
use super::mempool::L2Mempool;
use super::tx::{L2Tx, Refusal, RefusalReason, Submission};
use crate::btc::node::BitcoinNode;
use crate::pop::maker::{KeystoneMaker, MadeKeystone};
use crate::btc::params::EPOCH_UNIX_S;
use crate::btc::sealed::SealedBlock;
use crate::time::{SimDuration, SimTime};
use revm::primitives::{Address, B256};
use std::sync::Arc;

/// Width of the latency histogram's buckets: 100 ms.
pub const LATENCY_BUCKET_US: u64 = 100_000;
/// Number of buckets: 6 hours; the last one also holds everything longer.
pub const LATENCY_BUCKETS: usize = 216_000;

#[derive(Debug, Clone)]
pub struct SequencerConfig {
    pub block_time: SimDuration,
    pub gas_limit: u64,
    pub max_headers_per_block: usize,
    pub mempool_capacity: usize,
    pub beneficiary: Address,
    /// Make a keystone every this many blocks (`None`: no Proof-of-Proof in the run).
    pub keystone_interval_blocks: Option<u32>,
    /// The BTC tunnel (`None`: no tunnel in the run).
    pub tunnel: Option<TunnelParams>,
}

/// What producing one block did, besides the block itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Production {
    pub block: Arc<L2Block>,
    /// Transactions dropped as invalid while building (their senders are told).
    pub dropped: Vec<Refusal>,
    pub backlog: u64,
    pub latency_mean_us: u64,
    pub latency_max_us: u64,
    /// The keystone of this block, when it is a keystone block.
    pub keystone: Option<MadeKeystone>,
}

#[derive(Debug)]
pub struct Sequencer {
    config: SequencerConfig,
    hvm: Hvm,
    view: BtcIndexer,
    mempool: L2Mempool,
    head: (u64, B256),
    keystones: Option<KeystoneMaker>,
    tunnel: Option<TunnelBook>,
    /// With a tunnel: what provenance needs after the run (every header, the minting blocks).
    pub history: Option<L2History>,
    /// Inclusion latencies in buckets of [`LATENCY_BUCKET_US`].
    pub latency_counts: Vec<u64>,
    /// Refusals by reason, for the run's record.
    pub refused: std::collections::BTreeMap<RefusalReason, u64>,
}

impl Sequencer {
    pub fn new(config: SequencerConfig, hvm: Hvm, btc_genesis: &SealedBlock, l2_genesis_hash: B256) -> Self {
        Sequencer {
            mempool: L2Mempool::new(config.mempool_capacity),
            keystones: config.keystone_interval_blocks.map(|k| KeystoneMaker::new(k, l2_genesis_hash)),
            tunnel: config.tunnel.clone().map(TunnelBook::new),
            history: config.tunnel.as_ref().map(|_| L2History::default()),
            view: BtcIndexer::with_vault(btc_genesis, config.tunnel.as_ref().map(|t| t.vault.clone())),
            config,
            hvm,
            head: (0, l2_genesis_hash),
            latency_counts: vec![0; LATENCY_BUCKETS],
            refused: Default::default(),
        }
    }

    pub fn block_time(&self) -> SimDuration {
        self.config.block_time
    }

    /// Number of the last block produced (0 before the first).
    pub fn head_number(&self) -> u64 {
        self.head.0
    }

    pub fn backlog(&self) -> usize {
        self.mempool.len()
    }

    /// A user's transaction arrives: pending, or refused with a reason the sender is told.
    pub fn submit(&mut self, submission: Arc<Submission>) -> Result<(), Refusal> {
        let refusal = |reason| Refusal { hash: submission.hash, from: submission.tx.from, nonce: submission.tx.nonce, reason };
        match self.mempool.accept(submission.clone()) {
            Ok(()) => Ok(()),
            Err(reason) => {
                *self.refused.entry(reason).or_default() += 1;
                Err(refusal(reason))
            }
        }
    }

    /// Builds, executes and seals the next block at `now`.
    pub fn produce(&mut self, now: SimTime, btc: &BitcoinNode) -> Production {
        let attributes = next_attributes(&self.view, btc, self.config.max_headers_per_block);
        self.view
            .apply(&attributes, self.config.max_headers_per_block, &|h| btc.block(h).cloned())
            .expect("the sequencer's own node has every block of its active chain");
        let number = self.head.0 + 1;
        let timestamp_s = EPOCH_UNIX_S as u64 + now.as_secs();
        let env = BlockEnvSpec { number, timestamp_s, gas_limit: self.config.gas_limit, beneficiary: self.config.beneficiary };
        let due = self.tunnel.as_ref().map(|book| book.due(&self.view)).unwrap_or_default();
        let Filled { mints, txs, tx_hashes, dropped, latencies, outcome } = self.fill(&env, now, due);
        if let Some(book) = &mut self.tunnel {
            book.record(&mints, &self.view);
        }
        let tunnel = TunnelOps { withdrawals: withdrawals_in(&outcome.receipts), mints };
        let (btc_tip_height, btc_tip_hash) = self.view.tip();
        let header = L2Header {
            number,
            parent_hash: self.head.1,
            timestamp_s,
            gas_limit: self.config.gas_limit,
            gas_used: outcome.gas_used,
            state_root: outcome.state_root,
            transactions_root: transactions_root(&attributes, &tunnel.mints, &tx_hashes),
            withdrawals_root: withdrawals_root(&tunnel.withdrawals),
            btc_tip_height,
            btc_tip_hash,
        };
        let block = Arc::new(L2Block::seal(header, attributes, tunnel, txs, tx_hashes));
        self.head = (number, block.hash());
        if let Some(history) = &mut self.history {
            history.record(&block);
        }
        for &l in &latencies {
            let bucket = ((l / LATENCY_BUCKET_US) as usize).min(LATENCY_BUCKETS - 1);
            self.latency_counts[bucket] += 1;
        }
        let latency_max_us = latencies.iter().copied().max().unwrap_or(0);
        let latency_mean_us = if latencies.is_empty() { 0 } else { latencies.iter().sum::<u64>() / latencies.len() as u64 };
        let keystone = self.keystones.as_mut().and_then(|maker| maker.on_block(&block, now));
        Production { block, dropped, backlog: self.mempool.len() as u64, latency_mean_us, latency_max_us, keystone }
    }
}

/// The attributes that bring `view` to `btc`'s best chain: fork at the highest common height,
/// then at most `max_headers` headers of the node's active chain.
pub fn next_attributes(view: &BtcIndexer, btc: &BitcoinNode, max_headers: usize) -> BtcAttributes {
    let (view_tip, _) = view.tip();
    let mut fork_height = view_tip.min(btc.tip_height());
    while view.hash_at(fork_height) != btc.active_at(fork_height) {
        fork_height -= 1; // terminates: both chains start at the same genesis
    }
    let last = (fork_height + max_headers as u32).min(btc.tip_height());
    let headers = (fork_height + 1..=last)
        .map(|h| {
            let hash = btc.active_at(h).expect("at most the node's tip");
            btc.block(&hash).expect("active blocks are stored").header
        })
        .collect();
    BtcAttributes { fork_height, headers }
}

/// Whether a refused transaction stays pending, is dropped, or ends the block. One that would not
/// fit even an empty block can never be included: it is dropped, not left to block the queue.
fn disposition(rejection: &TxRejected, block_gas_limit: u64) -> Disposition {
    match rejection.reason {
        RejectReason::NonceMismatch { expected, got } if got > expected => Disposition::Keep,
        RejectReason::BlockGasExceeded { gas_limit, .. } if gas_limit <= block_gas_limit => Disposition::Stop,
        _ => Disposition::Drop,
    }
}

enum Disposition {
    Keep,
    Drop,
    Stop,
}

impl Sequencer {
    /// Applies the due mints, then pending transactions in arrival order, and finishes the block.
    fn fill(&mut self, env: &BlockEnvSpec, now: SimTime, due: Vec<Mint>) -> Filled {
        let mut builder = self.hvm.begin_block(env, &self.view);
        // A mint the contract refuses would mean the book and the chain disagree: it is left out
        // (the verifiers, deriving the same book, would then report the block).
        let mints: Vec<Mint> = due.into_iter().filter(|m| apply_mint(&mut builder, m).is_ok()).collect();
        let (mut included, mut hashes, mut dropped, mut latencies, mut remove) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (seq, submission) in self.mempool.in_arrival_order() {
            match builder.apply_hashed(&submission.tx, submission.hash) {
                Ok(_receipt) => {
                    included.push(submission.tx.clone());
                    hashes.push(submission.hash);
                    latencies.push(now.since(submission.submitted_at).as_us());
                    remove.push(seq);
                }
                Err(rejection) => match disposition(&rejection, env.gas_limit) {
                    Disposition::Keep => {}
                    Disposition::Stop => break,
                    Disposition::Drop => {
                        dropped.push(Refusal { hash: submission.hash, from: submission.tx.from, nonce: submission.tx.nonce, reason: RefusalReason::Invalid });
                        remove.push(seq);
                    }
                },
            }
        }
        let outcome = builder.finish();
        for seq in remove {
            self.mempool.remove(seq);
        }
        *self.refused.entry(RefusalReason::Invalid).or_default() += dropped.len() as u64;
        Filled { mints, txs: included, tx_hashes: hashes, dropped, latencies, outcome }
    }
}

/// The chain as provenance needs it: every header (from block 1; a few hundred bytes each) and
/// the full blocks that minted deposits.
#[derive(Debug, Clone, Default)]
pub struct L2History {
    pub headers: Vec<L2Header>,
    pub minting_blocks: std::collections::BTreeMap<u64, Arc<L2Block>>,
}

impl L2History {
    fn record(&mut self, block: &Arc<L2Block>) {
        self.headers.push(block.header.clone());
        if !block.tunnel.mints.is_empty() {
            self.minting_blocks.insert(block.header.number, block.clone());
        }
    }

    /// The header of L2 block `number` (1-based), if produced.
    pub fn header(&self, number: u64) -> Option<&L2Header> {
        number.checked_sub(1).and_then(|i| self.headers.get(i as usize))
    }
}

/// Executes one mint's system call on hBTC.
pub fn apply_mint(builder: &mut BlockBuilder<'_>, mint: &Mint) -> Result<(), Receipt> {
    builder.apply_system_call(HBTC, hbtc::mint_calldata(mint.outpoint_key(), mint.recipient, mint.amount_sats)).map(|_| ())
}

/// The body of a block being produced.
struct Filled {
    mints: Vec<Mint>,
    txs: Vec<Arc<L2Tx>>,
    tx_hashes: Vec<B256>,
    dropped: Vec<Refusal>,
    latencies: Vec<u64>,
    outcome: BlockOutcome,
}
