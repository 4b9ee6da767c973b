//! The aggregate background model (`bitcoin.background_model = "aggregate"`): block-space demand
//! without transactions.
//!
//! Under the per-transaction model every background transaction is relayed to, validated and
//! stored by every node, so cost grows with nodes × transactions (ARCHITECTURE.md, "Where time
//! and memory go"). Here the background is one shared, deterministic queue of *demand items*:
//! the same Poisson arrivals and log-uniform fee rates as [`super::background`] (the same stream,
//! drawn in the same order, so on one seed both models see the same arrivals), each the size of
//! the background wallet's self-split ([`DEMAND_VSIZE`]). Items get ids in arrival order.
//!
//! A miner's template takes its mempool's real transactions and the demand its own active chain
//! has not confirmed together, in fee-rate order, up to the weight limit. The block records the
//! ids it confirms ([`DemandFill`], carried by the sealed block, committed to by an `OP_RETURN`
//! output of its coinbase) and counts their weight and fees as its own. Which demand is pending
//! is therefore a function of a node's active chain, computed from one world-wide store:
//! - `unconfirmed`: items no block has confirmed yet, by fee rate;
//! - `recent`: blocks with a fill that are not yet [`FINAL_DEPTH`] deep, and for each of their
//!   items the blocks that confirm it. For a node, an item of a recent block *off* its active chain
//!   is pending again, unless a block on its chain confirms it too (a reorg returns demand);
//! - once a block is [`FINAL_DEPTH`] below a querying node's tip, it is settled by that node's
//!   chain: on it, its items are done and forgotten; off it, they return to `unconfirmed`.
//!
//! Limits, documented in ARCHITECTURE.md: a node on a fork deeper than [`FINAL_DEPTH`] from the
//! node that settled a block, or a node more than that far behind (a long crash), sees the
//! settled outcome rather than its own chain's; and the fill is not re-validated by receiving
//! nodes (all miners build it from this store; no attacker forges demand).

use super::background::Arrivals;
use super::mempool::FeeRateKey;
use crate::hashing::IdMap;
use crate::time::SimTime;
use bitcoin::{Amount, BlockHash};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// Virtual size of one demand item: the background wallet's self-split (one P2PKH input with a
/// placeholder signature, two P2PKH outputs), checked against a real split in the tests.
pub const DEMAND_VSIZE: u64 = 226;

/// A block settles its demand this deep below a node's tip (coinbase maturity: Bitcoin's own
/// depth after which a block is treated as permanent).
pub const FINAL_DEPTH: u32 = 100;

/// An item of demand, numbered in arrival order.
pub type DemandId = u32;

/// One pending item: its fee rate and id (the order a template takes them in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DemandItem {
    pub fee_rate: FeeRateKey,
    pub id: DemandId,
}

impl DemandItem {
    pub fn weight(&self) -> u64 {
        DEMAND_VSIZE * 4
    }

    /// The fee it pays: its fee rate times [`DEMAND_VSIZE`], rounded up to a satoshi.
    pub fn fee(&self) -> Amount {
        self.fee_rate.rate().fee_for_vsize(DEMAND_VSIZE)
    }

    /// Template order: highest fee rate first, then earliest arrival.
    fn order_key(&self) -> (Reverse<FeeRateKey>, DemandId) {
        (Reverse(self.fee_rate), self.id)
    }
}

/// The demand a block confirms: what a reader of the block sees in place of the transactions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemandFill {
    pub items: Vec<DemandItem>,
}

impl DemandFill {
    pub fn vsize(&self) -> u64 {
        DEMAND_VSIZE * self.items.len() as u64
    }

    pub fn weight(&self) -> u64 {
        self.vsize() * 4
    }

    pub fn fees(&self) -> Amount {
        self.items.iter().map(DemandItem::fee).sum()
    }

    /// The coinbase commitment: a tag, the item count, total vsize and fees (little-endian).
    pub fn commitment(&self) -> Vec<u8> {
        let mut data = b"hemisim/demand".to_vec();
        data.extend_from_slice(&(self.items.len() as u32).to_le_bytes());
        data.extend_from_slice(&self.vsize().to_le_bytes());
        data.extend_from_slice(&self.fees().to_sat().to_le_bytes());
        data
    }
}

/// A recent block with a fill.
#[derive(Debug)]
struct RecentBlock {
    hash: BlockHash,
    fill: Arc<DemandFill>,
}

/// The world's block-space demand; every node reads it through a [`Demand`] handle.
#[derive(Debug)]
pub struct DemandStore {
    arrivals: Arrivals,
    /// The next arrival, drawn ahead: its time, or `None` when the load has ended.
    next_at: Option<SimTime>,
    next_id: DemandId,
    unconfirmed: BTreeSet<(Reverse<FeeRateKey>, DemandId)>,
    /// Recent blocks by height; each item they confirm, with every recent block confirming it.
    recent: BTreeMap<u32, Vec<RecentBlock>>,
    confirmed_by: IdMap<DemandId, Confirmations>,
}

/// The shared handle nodes hold (one lock; a simulation runs one event at a time).
#[derive(Debug, Clone)]
pub struct Demand(Arc<Mutex<DemandStore>>);

impl Demand {
    /// The demand of `arrivals`, starting at time zero.
    pub fn new(mut arrivals: Arrivals) -> Self {
        let next_at = Self::arm(&mut arrivals, SimTime::ZERO);
        Demand(Arc::new(Mutex::new(DemandStore {
            arrivals,
            next_at,
            next_id: 0,
            unconfirmed: BTreeSet::new(),
            recent: BTreeMap::new(),
            confirmed_by: IdMap::default(),
        })))
    }

    /// The time of the next arrival after `now`, skipping regime changes.
    fn arm(arrivals: &mut Arrivals, mut now: SimTime) -> Option<SimTime> {
        loop {
            now = now + arrivals.next_delay(now)?;
            if !arrivals.at_edge {
                return Some(now);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, DemandStore> {
        // A panic while holding the lock already ends the run; the store stays consistent.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Demand pending for a chain at `now`, in template order, until `weight_limit` is passed
    /// (the last item crosses it). `is_active` says whether a block is on the chain at `tip`.
    pub fn pending(
        &self,
        now: SimTime,
        tip: u32,
        weight_limit: u64,
        is_active: &dyn Fn(&BlockHash) -> bool,
    ) -> Vec<DemandItem> {
        let mut store = self.lock();
        store.advance(now);
        store.settle(tip, is_active);
        store.pending(weight_limit, is_active)
    }

    /// Records that block `hash` at `height` confirms `fill`.
    pub fn register(&self, hash: BlockHash, height: u32, fill: Arc<DemandFill>) {
        let mut store = self.lock();
        for item in &fill.items {
            store.unconfirmed.remove(&item.order_key());
            match store.confirmed_by.get_mut(&item.id) {
                Some(blocks) => blocks.add(hash),
                None => {
                    store.confirmed_by.insert(item.id, Confirmations::One(hash));
                }
            }
        }
        store.recent.entry(height).or_default().push(RecentBlock { hash, fill });
    }

    /// Items that have arrived so far (for tests and reports).
    pub fn arrived(&self) -> u32 {
        self.lock().next_id
    }
}

impl DemandStore {
    /// Adds the arrivals up to `now`, drawing each fee rate at its arrival as the
    /// per-transaction model does.
    fn advance(&mut self, now: SimTime) {
        while let Some(at) = self.next_at.filter(|&at| at <= now) {
            let rate = self.arrivals.draw_fee_rate(at);
            let fee = rate.fee_for_vsize(DEMAND_VSIZE);
            self.unconfirmed.insert((Reverse(FeeRateKey::new(fee, DEMAND_VSIZE)), self.next_id));
            self.next_id += 1;
            self.next_at = Demand::arm(&mut self.arrivals, at);
        }
    }

    /// Settles the blocks [`FINAL_DEPTH`] below `tip` by the querying node's chain.
    fn settle(&mut self, tip: u32, is_active: &dyn Fn(&BlockHash) -> bool) {
        let Some(last) = tip.checked_sub(FINAL_DEPTH) else { return };
        while let Some(entry) = self.recent.first_entry().filter(|e| *e.key() <= last) {
            for block in entry.remove() {
                let on_chain = is_active(&block.hash);
                for item in &block.fill.items {
                    self.settle_item(*item, block.hash, on_chain);
                }
            }
        }
    }

    fn settle_item(&mut self, item: DemandItem, block: BlockHash, on_chain: bool) {
        let Some(blocks) = self.confirmed_by.get_mut(&item.id) else { return };
        let none_left = blocks.remove(block);
        if on_chain {
            self.confirmed_by.remove(&item.id);
        } else if none_left {
            self.confirmed_by.remove(&item.id);
            self.unconfirmed.insert(item.order_key());
        }
    }

    /// Items of recent blocks off the chain that no block on it confirms, in template order.
    fn returned(&self, is_active: &dyn Fn(&BlockHash) -> bool) -> Vec<DemandItem> {
        let mut items: Vec<DemandItem> = Vec::new();
        for block in self.recent.values().flatten().filter(|b| !is_active(&b.hash)) {
            let confirmed_on_chain =
                |item: &DemandItem| self.confirmed_by.get(&item.id).is_none_or(|blocks| blocks.any(is_active));
            items.extend(block.fill.items.iter().filter(|i| !confirmed_on_chain(i)));
        }
        items.sort_by_key(DemandItem::order_key);
        items.dedup();
        items
    }

    fn pending(&self, weight_limit: u64, is_active: &dyn Fn(&BlockHash) -> bool) -> Vec<DemandItem> {
        let returned = self.returned(is_active);
        let unconfirmed = self.unconfirmed.iter().map(|&(Reverse(fee_rate), id)| DemandItem { fee_rate, id });
        let mut merged = merge_sorted(returned.into_iter(), unconfirmed);
        let mut out = Vec::new();
        let mut weight = 0u64;
        while weight <= weight_limit {
            let Some(item) = merged.next() else { break };
            weight += item.weight();
            out.push(item);
        }
        out
    }
}

/// The recent blocks confirming one item: almost always one, so without a heap allocation.
#[derive(Debug)]
enum Confirmations {
    One(BlockHash),
    Many(Vec<BlockHash>),
}

impl Confirmations {
    fn add(&mut self, hash: BlockHash) {
        match self {
            Confirmations::One(first) => *self = Confirmations::Many(vec![*first, hash]),
            Confirmations::Many(blocks) => blocks.push(hash),
        }
    }

    /// Removes `hash`; true when no block is left.
    fn remove(&mut self, hash: BlockHash) -> bool {
        match self {
            Confirmations::One(only) => *only == hash,
            Confirmations::Many(blocks) => {
                blocks.retain(|b| *b != hash);
                blocks.is_empty()
            }
        }
    }

    fn any(&self, mut pred: impl FnMut(&BlockHash) -> bool) -> bool {
        match self {
            Confirmations::One(only) => pred(only),
            Confirmations::Many(blocks) => blocks.iter().any(pred),
        }
    }
}

/// Two iterators in template order merged into one.
fn merge_sorted(
    a: impl Iterator<Item = DemandItem>,
    b: impl Iterator<Item = DemandItem>,
) -> impl Iterator<Item = DemandItem> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if x.order_key() <= y.order_key() => a.next(),
        (Some(_), Some(_)) => b.next(),
        (Some(_), None) => a.next(),
        _ => b.next(),
    })
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
