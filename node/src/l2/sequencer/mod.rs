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
//!
//! **On a settlement chain** (a run with an `[ethereum]` table) the sequencer keeps the L1
//! blocks it hears of and gives each block an L1 origin by the origin rule
//! ([`OriginRules::next_origin`], op-node's eager policy): a block opening an epoch executes its
//! origin's portal deposits; a block past the drift carries deposits only (no Bitcoin
//! attributes, no user transactions); when no origin is possible the slot passes without a
//! block ([`OriginError`]).

mod equivocation;
mod member;
mod settlement;

pub use equivocation::{EquivocationPlan, Switch};

use super::block::{BtcAttributes, L2Block};
use super::catch_up::{L1Feed, ServedBlocks};
use super::censor::Censorship;
use super::chain::{BlockInputs, Body, ChainRules, L2Chain};
use super::history::L2History;
use super::hvm::{BlockBuilder, Hvm, RejectReason, TxRejected};
use super::indexer::BtcIndexer;
use super::latency::LatencyHistogram;
use super::mempool::L2Mempool;
use super::node::{DerivationSetup, HeadEvent, L2Node};
use super::tx::{Refusal, RefusalReason, Submission};
use crate::btc::node::BitcoinNode;
use crate::btc::params::EPOCH_UNIX_S;
use crate::btc::sealed::SealedBlock;
use crate::eth::L1Block;
use crate::eth::batcher::{BatchedBlock, Batcher, BatcherConfig};
use crate::eth::origin::{L2HeadInfo, OriginChoice, OriginError, OriginPolicy, OriginRules};
use crate::hashing::IdSet;
use crate::l2::chain::{L1Inputs, SettlementRules};
use crate::pop::maker::{KeystoneMaker, MadeKeystone};
use crate::time::{SimDuration, SimTime};
use crate::tunnel::TunnelParams;
use crate::units::{L1Number, L2Number};
use revm::primitives::{Address, B256};
use std::collections::BTreeMap;
use std::sync::Arc;

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
    /// The settlement layer (`None`: the chain has none and its blocks no L1 origin).
    pub settlement: Option<SequencerSettlement>,
    /// What it censors (nothing: an honest sequencer).
    pub censorship: Censorship,
    /// Windows `[start, end)` during which it produces nothing (a halted sequencer).
    pub halts: Vec<(SimTime, SimTime)>,
}

/// Where the chain starts on L1, the origin rule the sequencer follows, how its node derives
/// the safe chain, and its batcher.
#[derive(Debug, Clone)]
pub struct SequencerSettlement {
    pub genesis: SettlementRules,
    pub origin_rules: OriginRules,
    pub derivation: DerivationSetup,
    pub batcher: BatcherConfig,
    /// Which blocks get keystones: every block as built (Hemi's deployed popm reads the latest
    /// block), or only blocks once they are safe.
    pub keystone_source: KeystoneSource,
    /// Windows `[start, end)` during which the batcher posts nothing (it withholds batches).
    pub batcher_down: Vec<(SimTime, SimTime)>,
}

/// Which L2 blocks the sequencer makes keystones of (`pop.keystone_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeystoneSource {
    /// Every keystone block as it is built (an unsafe reorg can orphan its keystone).
    #[default]
    Unsafe,
    /// Keystone blocks once derivation has made them safe.
    Safe,
}

/// What an L1 block did to the sequencer's chain.
#[derive(Debug, Default)]
pub struct L1Outcome {
    /// The head moves, in order (safe, reorgs, finalized).
    pub heads: Vec<HeadEvent>,
    /// Keystones made of blocks that became safe or were derived.
    pub keystones: Vec<MadeKeystone>,
    /// Transactions of reorged-out blocks put back into the mempool, and those it refused.
    pub returned_txs: u64,
    pub refused: Vec<Refusal>,
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
    /// Transactions the censorship rules held back for the first time (each with its rule).
    pub censored: Vec<(Arc<Submission>, usize)>,
    /// Transactions held back before that this block includes (a delay ran out).
    pub released: Vec<Arc<Submission>>,
    /// An equivocating sequencer gossips this block but does not batch it.
    pub equivocating: bool,
}

#[derive(Debug)]
pub struct Sequencer {
    config: SequencerConfig,
    node: L2Node,
    mempool: L2Mempool,
    /// Settlement chains: the batcher, fed every block built.
    batcher: Option<Batcher>,
    /// Settlement chains: the submissions each unsafe block included, to return to the mempool
    /// if the block is reorged out.
    unsafe_txs: BTreeMap<L2Number, Vec<Arc<Submission>>>,
    /// The latest L1 block heard of.
    l1_head: L1Number,
    keystones: Option<KeystoneMaker>,
    /// With a tunnel: what provenance needs after the run (every header, the minting blocks).
    pub history: Option<L2History>,
    /// Inclusion latencies.
    pub latencies: LatencyHistogram,
    /// Refusals by reason, for the run's record.
    pub refused: std::collections::BTreeMap<RefusalReason, u64>,
    /// The L1 blocks heard of after the safe head's origin, by number (settlement chains only):
    /// the origins the unsafe chain may still take, even after a reorg.
    l1_blocks: BTreeMap<L1Number, Arc<L1Block>>,
    /// Transactions of reorged-out blocks returned to the mempool.
    pub reorged_txs: u64,
    /// Transactions the censorship rules held back at least once, by hash.
    censored: IdSet<B256>,
    /// The latest blocks it made its head, for nodes that missed them (runs with faults).
    pub served: ServedBlocks,
    /// L1 blocks in chain order (settlement chains).
    pub l1_feed: L1Feed,
    /// Transactions a crash took from its mempool.
    pub lost_in_crash: u64,
    /// An equivocating sequencer's plan and progress (`[attack] kind = "equivocate"`).
    equivocation: Option<equivocation::Equivocation>,
    /// A member of a sequencer set: it batches only while it leads, and only blocks its group
    /// committed ([`Sequencer::batch_committed`]), not every block it builds.
    member: bool,
}

impl Sequencer {
    pub fn new(config: SequencerConfig, hvm: Hvm, btc_genesis: &SealedBlock, l2_genesis_hash: B256) -> Self {
        Self::with_rewind(config, hvm, btc_genesis, l2_genesis_hash, 0)
    }

    /// A sequencer whose chain (without a settlement layer) keeps undo for `rewind_depth` blocks.
    fn with_rewind(
        config: SequencerConfig,
        hvm: Hvm,
        btc_genesis: &SealedBlock,
        l2_genesis_hash: B256,
        rewind_depth: usize,
    ) -> Self {
        let settlement = config.settlement.as_ref();
        let rules = ChainRules {
            max_headers_per_block: config.max_headers_per_block,
            beneficiary: config.beneficiary,
            tunnel: config.tunnel.clone(),
            // Undo for every unsafe block (the node forgets it as blocks become safe).
            rewind_depth: if settlement.is_some() { usize::MAX } else { rewind_depth },
            settlement: settlement.map(|s| s.genesis),
        };
        let chain = L2Chain::new(rules, hvm, btc_genesis, l2_genesis_hash);
        let batcher = chain.head_ref().zip(settlement).map(|(genesis, s)| Batcher::new(s.batcher.clone(), &genesis));
        Sequencer {
            mempool: L2Mempool::new(config.mempool_capacity),
            keystones: config.keystone_interval_blocks.map(|k| KeystoneMaker::new(k, l2_genesis_hash)),
            history: config.tunnel.as_ref().map(|_| L2History::default()),
            node: L2Node::new(chain, settlement.map(|s| s.derivation)),
            batcher,
            unsafe_txs: BTreeMap::new(),
            l1_head: L1Number(0),
            config,
            latencies: LatencyHistogram::default(),
            refused: Default::default(),
            l1_blocks: Default::default(),
            reorged_txs: 0,
            censored: IdSet::default(),
            served: ServedBlocks::default(),
            l1_feed: L1Feed::default(),
            lost_in_crash: 0,
            equivocation: None,
            member: false,
        }
    }

    /// A restart after a crash: the chain was on disk (op-geth's database); the mempool was in
    /// memory (geth journals only local transactions, and users' arrive over RPC), so its
    /// transactions are lost. Returns how many.
    pub fn restart(&mut self) -> usize {
        let lost = self.mempool.len();
        self.mempool = L2Mempool::new(self.config.mempool_capacity);
        self.lost_in_crash += lost as u64;
        lost
    }

    /// The sequencer's node: its chain and heads.
    pub fn node(&self) -> &L2Node {
        &self.node
    }

    pub fn block_time(&self) -> SimDuration {
        self.config.block_time
    }

    /// Number of the last block produced (0 before the first).
    pub fn head_number(&self) -> L2Number {
        self.node.unsafe_head()
    }

    pub fn backlog(&self) -> usize {
        self.mempool.len()
    }

    /// A user's transaction arrives: pending, or refused with a reason the sender is told.
    pub fn submit(&mut self, submission: Arc<Submission>) -> Result<(), Refusal> {
        let refusal =
            |reason| Refusal { hash: submission.hash, from: submission.tx.from, nonce: submission.tx.nonce, reason };
        match self.mempool.accept(submission.clone()) {
            Ok(()) => Ok(()),
            Err(reason) => {
                *self.refused.entry(reason).or_default() += 1;
                Err(refusal(reason))
            }
        }
    }

    /// Builds, executes and seals the next block at `now` on a chain without a settlement
    /// layer, where there is always a block to build.
    pub fn produce(&mut self, now: SimTime, btc: &BitcoinNode) -> Production {
        self.try_produce(now, btc).expect("a chain without a settlement layer has no L1 origin to wait for")
    }

    /// Builds, executes and seals the next block at `now`, or says why the slot passes without
    /// one (settlement chains: no L1 origin is possible).
    pub fn try_produce(&mut self, now: SimTime, btc: &BitcoinNode) -> Result<Production, OriginError> {
        let timestamp_s = self.next_timestamp_s(now);
        let choice = self.next_origin(timestamp_s)?;
        let equivocating = self.equivocates(now);
        let deposits_only = choice.is_some_and(|c| c.deposits_only);
        let attributes =
            (!deposits_only).then(|| next_attributes(self.node.chain().view(), btc, self.config.max_headers_per_block));
        let inputs = BlockInputs {
            timestamp_s,
            gas_limit: self.config.gas_limit,
            l1: choice.map(|c| self.l1_inputs(&c)),
            attributes,
        };
        let (mempool, refused) = (&mut self.mempool, &mut self.refused);
        let held = |s: &Submission| self.config.censorship.holding(now, s);
        let mut filled = Filled::default();
        let block = self
            .node
            .build(inputs, &|h| btc.block(h).cloned(), |builder| {
                if deposits_only { Body::default() } else { fill(builder, mempool, now, &held, &mut filled) }
            })
            .expect("the sequencer's own node has every block of its active chain, and its origin follows the rule");
        *refused.entry(RefusalReason::Invalid).or_default() += filled.dropped.len() as u64;
        if let Some(history) = &mut self.history {
            history.record(&block);
        }
        if let Some(batcher) = &mut self.batcher {
            // An equivocating sequencer's gossiped blocks never reach its batcher; a set
            // member's reach it once its group commits them.
            if !equivocating && !self.member {
                let batched = BatchedBlock::of(&block).expect("a settlement chain's blocks have an L1 origin");
                batcher.add_block(now, batched).expect("the batcher follows the sequencer's head");
            }
        }
        if self.config.settlement.is_some() {
            self.unsafe_txs.insert(block.header.number, filled.included.clone());
        }
        let latencies = &filled.latencies;
        for &l in latencies {
            self.latencies.record(SimDuration(l));
        }
        let latency_max_us = latencies.iter().copied().max().unwrap_or(0);
        let latency_mean_us =
            if latencies.is_empty() { 0 } else { latencies.iter().sum::<u64>() / latencies.len() as u64 };
        let keystone = match self.keystone_source() {
            KeystoneSource::Unsafe => self.keystones.as_mut().and_then(|maker| maker.on_block(&block, now)),
            KeystoneSource::Safe => None,
        };
        let censored: Vec<(Arc<Submission>, usize)> =
            filled.held.into_iter().filter(|(s, _)| self.censored.insert(s.hash)).collect();
        let released = filled.included.iter().filter(|s| self.censored.contains(&s.hash)).cloned().collect();
        Ok(Production {
            block,
            dropped: filled.dropped,
            backlog: self.mempool.len() as u64,
            latency_mean_us,
            latency_max_us,
            keystone,
            censored,
            released,
            equivocating,
        })
    }

    /// How long a block timer firing at `now` must still wait. Without a settlement layer the
    /// timer is the rhythm: nothing. With one, an L2 block's time is its parent's plus the block
    /// time (OP's rule): the block is due when the clock reaches that time, at once if the head
    /// is behind the clock (after a passed slot, or an unsafe reorg onto back-dated deposit-only
    /// blocks: the sequencer catches up block after block, as op-node does).
    pub fn wait_for_next_block(&self, now: SimTime) -> SimDuration {
        self.settled_delay(now).unwrap_or(SimDuration::ZERO)
    }

    /// When to arm the block timer after building a block at `now`: a block time later, or, on
    /// a settlement chain, when the next block's time comes (at once while catching up).
    pub fn delay_after_block(&self, now: SimTime) -> SimDuration {
        self.settled_delay(now).unwrap_or(self.config.block_time)
    }

    /// From `now` to the time of the block after the head (settlement chains only).
    fn settled_delay(&self, now: SimTime) -> Option<SimDuration> {
        let head = self.node.chain().head_ref()?;
        let due_s = head.time_s + self.block_time_s();
        let now_s = EPOCH_UNIX_S as u64 + now.as_secs();
        Some(SimDuration::from_secs(due_s.saturating_sub(now_s)))
    }

    fn block_time_s(&self) -> u64 {
        self.config.block_time.as_secs_f64() as u64
    }

    fn next_timestamp_s(&self, now: SimTime) -> u64 {
        match self.node.chain().head_ref() {
            Some(head) => head.time_s + self.block_time_s(),
            None => EPOCH_UNIX_S as u64 + now.as_secs(),
        }
    }

    fn keystone_source(&self) -> KeystoneSource {
        self.config.settlement.as_ref().map_or(KeystoneSource::Unsafe, |s| s.keystone_source)
    }

    /// The origin of a block at `timestamp_s` (`None` without a settlement layer). The rule
    /// reads the new block's time as the head's plus the block time; after a passed slot the head
    /// is older than that, and the new block's own time is what the rule must judge.
    fn next_origin(&self, timestamp_s: u64) -> Result<Option<OriginChoice>, OriginError> {
        let (Some(settlement), Some(origin)) = (&self.config.settlement, self.node.chain().head_origin()) else {
            return Ok(None);
        };
        let rules = settlement.origin_rules;
        let head = L2HeadInfo {
            time_s: timestamp_s.saturating_sub(rules.block_time_s),
            origin: origin.block,
            sequence_number: origin.sequence_number,
        };
        let next = self.l1_blocks.get(&origin.block.number.next()).map(|b| &b.block);
        let l1_head = self.l1_blocks.keys().next_back().copied().unwrap_or(origin.block.number);
        rules.next_origin(self.origin_policy(timestamp_s), &head, next, l1_head).map(Some)
    }

    /// op-node's eager origins, unless a rule censors deposits: then the sequencer stays on
    /// each origin as long as the drift allows.
    fn origin_policy(&self, timestamp_s: u64) -> OriginPolicy {
        let at = SimTime::ZERO + SimDuration::from_secs(timestamp_s.saturating_sub(EPOCH_UNIX_S as u64));
        if self.config.censorship.delays_deposits(at) { OriginPolicy::DelayMax } else { OriginPolicy::Eager }
    }

    /// Whether it is halted at `now` (it produces nothing), and until when.
    pub fn halted_until(&self, now: SimTime) -> Option<SimTime> {
        self.config.halts.iter().find(|(start, end)| *start <= now && now < *end).map(|(_, end)| *end)
    }

    /// The origin and, opening an epoch, its portal deposits.
    fn l1_inputs(&self, choice: &OriginChoice) -> L1Inputs {
        let deposits = match self.l1_blocks.get(&choice.origin.number) {
            Some(block) if choice.opens_epoch() => block.deposits.clone(),
            _ => Vec::new(),
        };
        L1Inputs { origin: choice.origin, deposits }
    }
}

/// The attributes that bring `view` to `btc`'s best chain: fork at the highest common height,
/// then at most `max_headers` headers of the node's active chain.
pub fn next_attributes(view: &BtcIndexer, btc: &BitcoinNode, max_headers: usize) -> BtcAttributes {
    let (view_tip, _) = view.tip();
    let mut fork_height = view_tip.min(btc.tip_height());
    while view.hash_at(fork_height) != btc.active_at(fork_height) {
        fork_height = fork_height.down(1).expect("both chains start at the same genesis");
    }
    let last = fork_height.up(max_headers as u32).min(btc.tip_height());
    let headers = fork_height
        .next()
        .through(last)
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

/// Pending transactions in arrival order, each the hVM accepts included (unless `held` holds it
/// back: censorship), until one does not fit.
fn fill(
    builder: &mut BlockBuilder<'_>,
    mempool: &mut L2Mempool,
    now: SimTime,
    held: &dyn Fn(&Submission) -> Option<usize>,
    filled: &mut Filled,
) -> Body {
    let gas_limit = builder.env().gas_limit;
    let (mut body, mut remove) = (Body::default(), Vec::new());
    for (seq, submission) in mempool.in_arrival_order() {
        if let Some(rule) = held(submission) {
            filled.held.push((submission.clone(), rule));
            continue;
        }
        match builder.apply_hashed(&submission.tx, submission.hash) {
            Ok(_receipt) => {
                body.txs.push(submission.tx.clone());
                body.tx_hashes.push(submission.hash);
                filled.latencies.push(now.since(submission.submitted_at).as_us());
                filled.included.push(submission.clone());
                remove.push(seq);
            }
            Err(rejection) => match disposition(&rejection, gas_limit) {
                Disposition::Keep => {}
                Disposition::Stop => break,
                Disposition::Drop => {
                    filled.dropped.push(Refusal {
                        hash: submission.hash,
                        from: submission.tx.from,
                        nonce: submission.tx.nonce,
                        reason: RefusalReason::Invalid,
                    });
                    remove.push(seq);
                }
            },
        }
    }
    for seq in remove {
        mempool.remove(seq);
    }
    body
}

/// What filling a block did besides choosing its transactions.
#[derive(Debug, Default)]
struct Filled {
    /// Transactions dropped as invalid (their senders are told).
    dropped: Vec<Refusal>,
    /// Inclusion latency of each included transaction, in microseconds.
    latencies: Vec<u64>,
    /// The included submissions, in block order.
    included: Vec<Arc<Submission>>,
    /// The submissions censorship held back, with the rule that did.
    held: Vec<(Arc<Submission>, usize)>,
}
