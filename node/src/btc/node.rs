//! One Bitcoin full node: block tree, most-work chain selection, UTXO set and mempool.
//!
//! Blocks may arrive in any order: one whose parent is unknown waits in an orphan pool until the
//! parent arrives. The active chain is the one with the most cumulative work; between two tips of
//! equal work the node keeps the one it saw first, unless `tie_switch_probability` says it adopts
//! a later equal-work tip with that probability (how selfish mining's `gamma` is modelled). A
//! reorg disconnects blocks with their undo data, connects the new branch with full validation,
//! and returns the unwound blocks' transactions to the mempool.

use super::aggregate::{Demand, DemandItem};
use super::mempool::{Mempool, RejectReason};
use super::params::{ChainParams, pow_bits};
use super::utxo::{BlockUndo, CoinDelta, SpendError, UtxoSet};

/// Orphan transactions kept at most (Bitcoin Core keeps 100; the oldest is dropped first).
const MAX_ORPHAN_TXS: usize = 100;
use super::sealed::{SealedBlock, SealedTx};
use crate::hashing::IdMap;
use crate::rng::Stream;
use crate::time::SimTime;
use crate::units::{BtcHeight, FeeRate};
use bitcoin::{BlockHash, Txid, Work};
use std::collections::VecDeque;
use std::sync::Arc;
use thiserror::Error;

/// Why a block was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BlockError {
    #[error("proof of work does not meet the chain's target")]
    BadProofOfWork,
    #[error("merkle root does not match the transactions")]
    BadMerkleRoot,
    #[error("block weight {weight} exceeds the limit {limit}")]
    TooHeavy { weight: u64, limit: u64 },
    #[error("descends from invalid block {0}")]
    InvalidAncestor(BlockHash),
    #[error(transparent)]
    Spend(#[from] super::utxo::SpendError),
}

/// A block the node knows, connected to the tree.
#[derive(Debug, Clone)]
struct Entry {
    block: Arc<SealedBlock>,
    height: u32,
    /// Work of the chain ending in this block.
    chain_work: Work,
    invalid: bool,
}

/// The active tip moved: from `old_tip` to `new_tip`, unwinding `disconnected` blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TipChange {
    pub old_tip: BlockHash,
    pub old_height: BtcHeight,
    pub new_tip: BlockHash,
    pub new_height: BtcHeight,
    /// Blocks unwound from the old chain (0 when the new tip extends the old one).
    pub disconnected: u32,
    /// Blocks connected from the fork point up to the new tip.
    pub connected: u32,
}

impl TipChange {
    pub fn is_reorg(&self) -> bool {
        self.disconnected > 0
    }
}

/// What receiving one block did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockReport {
    /// Blocks newly added to the tree (the received one and any orphans it adopted), in order.
    pub accepted: Vec<BlockHash>,
    /// Blocks refused, with the reason.
    pub rejected: Vec<(BlockHash, BlockError)>,
    /// Set when the block's parent is unknown: it waits in the orphan pool.
    pub orphaned: bool,
    pub tip_change: Option<TipChange>,
}

/// A Bitcoin full node's consensus state.
#[derive(Debug)]
pub struct BitcoinNode {
    params: ChainParams,
    tree: IdMap<BlockHash, Entry>,
    /// Active chain, indexed by height.
    active: Vec<BlockHash>,
    undo: IdMap<BlockHash, BlockUndo>,
    utxo: UtxoSet,
    mempool: Mempool,
    /// Blocks waiting for their parent, keyed by the parent's hash, in arrival order.
    orphans: IdMap<BlockHash, Vec<Arc<SealedBlock>>>,
    /// Transactions whose inputs were unknown when they arrived (their parent block or
    /// transaction may still be on its way), oldest first; retried whenever the tip moves.
    orphan_txs: VecDeque<Arc<SealedTx>>,
    tie_switch_probability: f64,
    tie_rng: Stream,
    /// The world's aggregate background demand, under `background_model = "aggregate"`.
    demand: Option<Demand>,
    /// Time of the input being handled (set by the peer): how far demand has arrived.
    clock: SimTime,
}

impl BitcoinNode {
    /// A node whose chain starts at `genesis`. `tie_rng` is only drawn from when
    /// `tie_switch_probability` is above zero.
    /// Scripts in `watch` are watched from genesis on (see [`UtxoSet::watch`]).
    pub fn new(
        params: ChainParams,
        genesis: Arc<SealedBlock>,
        watch: &[bitcoin::ScriptBuf],
        tie_switch_probability: f64,
        tie_rng: Stream,
    ) -> Self {
        let hash = genesis.block_hash();
        let mut utxo = UtxoSet::default();
        for script in watch {
            utxo.watch(script.clone());
        }
        let undo = utxo.connect(&genesis, 0).expect("the genesis block only creates coins");
        let entry = Entry { chain_work: genesis.header.work(), block: genesis, height: 0, invalid: false };
        BitcoinNode {
            params,
            tree: IdMap::from_iter([(hash, entry)]),
            active: vec![hash],
            undo: IdMap::from_iter([(hash, undo)]),
            utxo,
            mempool: Mempool::default(),
            orphans: IdMap::default(),
            orphan_txs: VecDeque::new(),
            tie_switch_probability,
            tie_rng,
            demand: None,
            clock: SimTime::ZERO,
        }
    }

    /// The node reads the world's aggregate demand (its templates and fee estimates include it).
    pub fn with_demand(mut self, demand: Demand) -> Self {
        self.demand = Some(demand);
        self
    }

    pub fn demand(&self) -> Option<&Demand> {
        self.demand.as_ref()
    }

    /// Aggregate demand pending for this node's active chain at `now`, in template order, up to
    /// `weight_limit` (empty without aggregate demand).
    pub fn pending_demand(&self, now: SimTime, weight_limit: u64) -> Vec<DemandItem> {
        let Some(demand) = &self.demand else { return Vec::new() };
        demand.pending(now, self.tip_height().0, weight_limit, &|hash| self.is_active(hash))
    }

    /// Sets the node's clock to the time of the input its peer is handling.
    pub fn set_clock(&mut self, now: SimTime) {
        self.clock = now;
    }

    /// Fee rate that should confirm within `target_blocks` blocks of `block_weight`, judged on the
    /// mempool and, under the aggregate model, the demand pending for this node's chain at its
    /// clock: see [`Mempool::estimate_fee_rate`]. Every wallet of the simulation asks this.
    pub fn estimate_fee_rate(&self, target_blocks: u32, block_weight: u64) -> FeeRate {
        let budget = block_weight.saturating_mul(target_blocks.max(1) as u64);
        let demand = self.pending_demand(self.clock, budget);
        self.mempool.estimate_fee_rate_with(target_blocks, block_weight, &demand)
    }

    pub fn tip(&self) -> BlockHash {
        *self.active.last().expect("the active chain holds at least genesis")
    }

    pub fn tip_height(&self) -> BtcHeight {
        BtcHeight((self.active.len() - 1) as u32)
    }

    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    pub fn mempool(&self) -> &Mempool {
        &self.mempool
    }

    pub fn utxo(&self) -> &UtxoSet {
        &self.utxo
    }

    /// Wallets watch scripts through their node: see [`UtxoSet::watch`].
    pub fn watch(&mut self, script: bitcoin::ScriptBuf) {
        self.utxo.watch(script);
    }

    pub fn take_coin_deltas(&mut self) -> Vec<CoinDelta> {
        self.utxo.take_deltas()
    }

    pub fn knows(&self, hash: &BlockHash) -> bool {
        self.tree.contains_key(hash)
    }

    pub fn block(&self, hash: &BlockHash) -> Option<&Arc<SealedBlock>> {
        self.tree.get(hash).map(|e| &e.block)
    }

    pub fn height_of(&self, hash: &BlockHash) -> Option<BtcHeight> {
        self.tree.get(hash).map(|e| BtcHeight(e.height))
    }

    /// Hash of the active chain's block at `height`.
    pub fn active_at(&self, height: BtcHeight) -> Option<BlockHash> {
        self.active.get(height.0 as usize).copied()
    }

    pub fn active_chain(&self) -> &[BlockHash] {
        &self.active
    }

    pub fn is_active(&self, hash: &BlockHash) -> bool {
        self.tree.get(hash).is_some_and(|e| self.active.get(e.height as usize) == Some(hash))
    }

    /// Height of the active block holding `txid`, searching heights `from..=tip`.
    pub fn find_active_tx(&self, txid: &Txid, from: BtcHeight) -> Option<BtcHeight> {
        from.through(self.tip_height()).find(|h| self.tree[&self.active[h.0 as usize]].block.contains_tx(txid))
    }

    /// A restart after a crash: the block tree, chain and UTXO set were on disk; the mempool and
    /// the orphans were in memory (Bitcoin Core does not persist orphans; its `mempool.dat` is
    /// written only at a clean shutdown, which a crash is not).
    pub fn forget_volatile(&mut self) {
        self.mempool = Mempool::default();
        self.orphans = IdMap::default();
        self.orphan_txs.clear();
    }

    /// Offers a transaction to the mempool. One that spends an unknown output is kept as an
    /// orphan (as Bitcoin Core does) and retried when the tip moves.
    pub fn receive_tx(&mut self, tx: Arc<SealedTx>) -> Result<(), RejectReason> {
        let result = self.mempool.accept(tx.clone(), &self.utxo).map(|_| ());
        if let Err(RejectReason::Invalid(SpendError::MissingInput { .. })) = result {
            if self.orphan_txs.len() == MAX_ORPHAN_TXS {
                self.orphan_txs.pop_front();
            }
            self.orphan_txs.push_back(tx);
        }
        result
    }

    /// Retries the orphan transactions; those still missing an input stay.
    fn retry_orphan_txs(&mut self) {
        for tx in std::mem::take(&mut self.orphan_txs) {
            if let Err(RejectReason::Invalid(SpendError::MissingInput { .. })) =
                self.mempool.accept(tx.clone(), &self.utxo)
            {
                self.orphan_txs.push_back(tx);
            }
        }
    }

    /// Receives a block: stores it (or parks it as an orphan), adopts orphans waiting for it, and
    /// moves the active chain to the most-work valid tip.
    pub fn receive_block(&mut self, block: Arc<SealedBlock>) -> BlockReport {
        let mut report = BlockReport::default();
        let hash = block.block_hash();
        if self.tree.contains_key(&hash) {
            return report;
        }
        if let Err(e) = self.check_standalone(&block) {
            report.rejected.push((hash, e));
            return report;
        }
        if !self.tree.contains_key(&block.header.prev_blockhash) {
            self.orphans.entry(block.header.prev_blockhash).or_default().push(block);
            report.orphaned = true;
            return report;
        }
        let (old_tip, old_height) = (self.tip(), self.tip_height());
        let mut queue = vec![block];
        while let Some(block) = queue.pop() {
            let hash = block.block_hash();
            self.add_to_tree(block, &mut report);
            if let Some(children) = self.orphans.remove(&hash) {
                queue.extend(children.into_iter().rev());
            }
        }
        if self.tip() != old_tip {
            report.tip_change = Some(self.describe_change(old_tip, old_height));
            self.retry_orphan_txs();
        }
        report
    }

    /// Checks that need nothing but the block itself.
    fn check_standalone(&self, block: &SealedBlock) -> Result<(), BlockError> {
        if block.header.bits != pow_bits() || block.header.validate_pow(pow_bits().into()).is_err() {
            return Err(BlockError::BadProofOfWork);
        }
        if !block.merkle_root_matches() {
            return Err(BlockError::BadMerkleRoot);
        }
        let weight = block.weight();
        if weight > self.params.max_block_weight {
            return Err(BlockError::TooHeavy { weight, limit: self.params.max_block_weight });
        }
        Ok(())
    }

    fn add_to_tree(&mut self, block: Arc<SealedBlock>, report: &mut BlockReport) {
        let hash = block.block_hash();
        let parent = &self.tree[&block.header.prev_blockhash];
        let entry = Entry {
            chain_work: parent.chain_work + block.header.work(),
            height: parent.height + 1,
            invalid: parent.invalid,
            block,
        };
        if entry.invalid {
            report.rejected.push((hash, BlockError::InvalidAncestor(entry.block.header.prev_blockhash)));
            self.tree.insert(hash, entry);
            return;
        }
        let tip_work = self.tree[&self.tip()].chain_work;
        let better = entry.chain_work > tip_work
            || (entry.chain_work == tip_work
                && self.tie_switch_probability > 0.0
                && self.tie_rng.bernoulli(self.tie_switch_probability));
        self.tree.insert(hash, entry);
        report.accepted.push(hash);
        if better && let Err(e) = self.reorg_to(hash) {
            report.accepted.retain(|h| *h != hash);
            report.rejected.push((hash, e));
        }
    }

    fn describe_change(&self, old_tip: BlockHash, old_height: BtcHeight) -> TipChange {
        let fork_height = self.fork_height_with_active(old_tip);
        TipChange {
            old_tip,
            old_height,
            new_tip: self.tip(),
            new_height: self.tip_height(),
            disconnected: old_height.0 - fork_height,
            connected: self.tip_height().0 - fork_height,
        }
    }

    /// Height of the last block that `hash`'s chain shares with the active chain.
    fn fork_height_with_active(&self, mut hash: BlockHash) -> u32 {
        loop {
            if self.is_active(&hash) {
                return self.tree[&hash].height;
            }
            hash = self.tree[&hash].block.header.prev_blockhash;
        }
    }

    /// Makes `new_tip` the active tip. If a block of the new branch is invalid, it and its
    /// descendants are marked invalid and the old chain is restored.
    fn reorg_to(&mut self, new_tip: BlockHash) -> Result<(), BlockError> {
        let fork_height = self.fork_height_with_active(new_tip);
        let branch = self.branch_above(new_tip, fork_height);
        let unwound = self.disconnect_down_to(fork_height);
        let mut result = Ok(());
        for hash in &branch {
            if let Err(e) = self.connect(*hash) {
                self.mark_invalid(*hash);
                self.disconnect_down_to(fork_height);
                for block in &unwound {
                    self.connect(block.block_hash()).expect("the old active chain was valid");
                }
                result = Err(e);
                break;
            }
        }
        self.refill_mempool(unwound);
        result
    }

    /// Hashes from just above `fork_height` up to `tip`, in connection order.
    fn branch_above(&self, tip: BlockHash, fork_height: u32) -> Vec<BlockHash> {
        let mut branch = Vec::new();
        let mut hash = tip;
        while self.tree[&hash].height > fork_height {
            branch.push(hash);
            hash = self.tree[&hash].block.header.prev_blockhash;
        }
        branch.reverse();
        branch
    }

    /// Disconnects active blocks above `height`, returning them oldest first.
    fn disconnect_down_to(&mut self, height: u32) -> Vec<Arc<SealedBlock>> {
        let mut unwound = Vec::new();
        while self.tip_height().0 > height {
            let hash = self.active.pop().expect("above the fork height there is a block");
            let block = self.tree[&hash].block.clone();
            let undo = self.undo.remove(&hash).expect("every active block has undo data");
            self.utxo.disconnect(&block, undo);
            unwound.push(block);
        }
        unwound.reverse();
        unwound
    }

    fn connect(&mut self, hash: BlockHash) -> Result<(), BlockError> {
        let entry = &self.tree[&hash];
        // The active chain is a chain: each block on the tip, at the next height.
        assert_eq!(entry.block.header.prev_blockhash, self.tip(), "block {hash} connects on the active tip");
        assert_eq!(entry.height as usize, self.active.len(), "block {hash} at the active chain's next height");
        let block = entry.block.clone();
        let undo = self.utxo.connect(&block, entry.height)?;
        self.undo.insert(hash, undo);
        self.active.push(hash);
        self.mempool.remove_for_block(&block);
        Ok(())
    }

    fn mark_invalid(&mut self, hash: BlockHash) {
        if let Some(entry) = self.tree.get_mut(&hash) {
            entry.invalid = true;
        }
    }

    /// After a reorg: the unwound blocks' transactions, then the old mempool, re-validated
    /// against the new chain. What no longer fits (confirmed, conflicting) is dropped.
    fn refill_mempool(&mut self, unwound: Vec<Arc<SealedBlock>>) {
        if unwound.is_empty() {
            return;
        }
        let pending = self.mempool.drain_in_arrival_order();
        let returned = unwound.iter().flat_map(|b| b.txs().iter().skip(1).cloned());
        for tx in returned.collect::<Vec<_>>().into_iter().chain(pending) {
            let _ = self.mempool.accept(tx, &self.utxo);
        }
    }

    /// Fees of the active block `hash` (known once connected).
    pub fn fees_of_active(&self, hash: &BlockHash) -> Option<bitcoin::Amount> {
        self.undo.get(hash).map(|u| u.fees)
    }
}
