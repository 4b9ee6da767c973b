//! A node's mempool: unconfirmed transactions ordered by fee rate.
//!
//! First seen wins: a transaction that spends an output another mempool transaction already spends
//! is rejected (no replace-by-fee). Transactions may spend outputs of other mempool transactions.
//! Templates take transactions greedily by fee rate (no ancestor-package scoring: a child whose
//! parent is not yet in the template waits), which is what a fee-rate-ordered miner does when, as
//! here, wallets rarely chain unconfirmed spends.
//!
//! Ordering is by fee rate, then by arrival: never by a hash map's order.

use super::aggregate::DemandItem;
use super::params::MIN_RELAY_FEE_RATE;
use super::sealed::{SealedBlock, SealedTx};
use super::utxo::{SpendError, UtxoSet};
use crate::hashing::{IdMap, IdSet};
use crate::units::FeeRate;
use bitcoin::{Amount, OutPoint, Txid};
use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::sync::Arc;
use thiserror::Error;

/// Why a transaction was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RejectReason {
    #[error("already in the mempool")]
    AlreadyKnown,
    #[error("spends {outpoint}, already spent by mempool transaction {by}")]
    Conflict { outpoint: OutPoint, by: Txid },
    #[error(transparent)]
    Invalid(#[from] SpendError),
    #[error("fee rate below the minimum relay fee rate")]
    FeeTooLow,
    #[error("a coinbase cannot be relayed")]
    Coinbase,
}

/// Fee rate in millionths of a sat per vbyte, exact enough to order by and hashable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeeRateKey(pub u64);

impl FeeRateKey {
    pub fn new(fee: Amount, vsize: u64) -> Self {
        FeeRateKey((fee.to_sat() as u128 * 1_000_000 / vsize.max(1) as u128) as u64)
    }

    pub fn rate(self) -> FeeRate {
        FeeRate::from_sat_per_vb(self.0 as f64 / 1e6)
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub tx: Arc<SealedTx>,
    pub fee: Amount,
    pub weight: u64,
    pub fee_rate: FeeRateKey,
    seq: u64,
}

/// Unconfirmed transactions of one node.
#[derive(Debug, Default)]
pub struct Mempool {
    entries: IdMap<Txid, Entry>,
    by_fee_rate: BTreeSet<(Reverse<FeeRateKey>, u64, Txid)>,
    spent_by: IdMap<OutPoint, Txid>,
    total_weight: u64,
    next_seq: u64,
}

impl Mempool {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn total_weight(&self) -> u64 {
        self.total_weight
    }

    pub fn contains(&self, txid: &Txid) -> bool {
        self.entries.contains_key(txid)
    }

    /// The mempool transaction spending `outpoint`, if any.
    pub fn spender_of(&self, outpoint: &OutPoint) -> Option<Txid> {
        self.spent_by.get(outpoint).copied()
    }

    /// Validates `tx` against the chain (`utxo`) and the mempool, and adds it.
    pub fn accept(&mut self, tx: Arc<SealedTx>, utxo: &UtxoSet) -> Result<&Entry, RejectReason> {
        if tx.is_coinbase() {
            return Err(RejectReason::Coinbase);
        }
        let txid = tx.txid();
        if self.entries.contains_key(&txid) {
            return Err(RejectReason::AlreadyKnown);
        }
        let mut inputs = Amount::ZERO;
        for input in &tx.input {
            let outpoint = input.previous_output;
            if let Some(&by) = self.spent_by.get(&outpoint) {
                return Err(RejectReason::Conflict { outpoint, by });
            }
            inputs += self.value_of(&outpoint, utxo).ok_or(SpendError::MissingInput { txid, outpoint })?;
        }
        let outputs: Amount = tx.output.iter().map(|o| o.value).sum();
        let fee = inputs.checked_sub(outputs).ok_or(SpendError::ValueCreated { txid, inputs, outputs })?;
        let weight = tx.weight();
        let fee_rate = FeeRateKey::new(fee, tx.vsize());
        if fee_rate.rate() < MIN_RELAY_FEE_RATE {
            return Err(RejectReason::FeeTooLow);
        }
        for input in &tx.input {
            self.spent_by.insert(input.previous_output, txid);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_fee_rate.insert((Reverse(fee_rate), seq, txid));
        self.total_weight += weight;
        Ok(self.entries.entry(txid).or_insert(Entry { tx, fee, weight, fee_rate, seq }))
    }

    /// Value of an output of the chain or of a mempool transaction.
    fn value_of(&self, outpoint: &OutPoint, utxo: &UtxoSet) -> Option<Amount> {
        if let Some(coin) = utxo.get(outpoint) {
            return Some(coin.value());
        }
        let parent = self.entries.get(&outpoint.txid)?;
        parent.tx.output.get(outpoint.vout as usize).map(|o| o.value)
    }

    /// Drops what `block` confirmed, and every mempool transaction that now conflicts with it
    /// (with its mempool descendants).
    pub fn remove_for_block(&mut self, block: &SealedBlock) {
        for tx in block.txs().iter().skip(1) {
            self.remove(&tx.txid());
            for input in &tx.input {
                if let Some(conflict) = self.spent_by.get(&input.previous_output).copied() {
                    self.remove_with_descendants(conflict);
                }
            }
        }
    }

    /// Every transaction, in arrival order, emptying the mempool (used to re-validate after a reorg).
    pub fn drain_in_arrival_order(&mut self) -> Vec<Arc<SealedTx>> {
        let mut entries: Vec<Entry> = self.entries.drain().map(|(_, e)| e).collect();
        entries.sort_by_key(|e| e.seq);
        self.by_fee_rate.clear();
        self.spent_by.clear();
        self.total_weight = 0;
        entries.into_iter().map(|e| e.tx).collect()
    }

    fn remove_with_descendants(&mut self, txid: Txid) {
        let mut stack = vec![txid];
        while let Some(txid) = stack.pop() {
            let Some(entry) = self.remove(&txid) else { continue };
            for vout in 0..entry.tx.output.len() as u32 {
                if let Some(child) = self.spent_by.get(&OutPoint { txid, vout }) {
                    stack.push(*child);
                }
            }
        }
    }

    fn remove(&mut self, txid: &Txid) -> Option<Entry> {
        let entry = self.entries.remove(txid)?;
        self.by_fee_rate.remove(&(Reverse(entry.fee_rate), entry.seq, *txid));
        for input in &entry.tx.input {
            self.spent_by.remove(&input.previous_output);
        }
        self.total_weight -= entry.weight;
        Some(entry)
    }

    /// Transactions for a block template, highest fee rate first, within `max_weight`; and the sum
    /// of their fees. A transaction whose mempool parent is not already in the template is skipped.
    pub fn select(&self, max_weight: u64) -> (Vec<Arc<SealedTx>>, Amount) {
        let (txs, fees, _) = self.select_with(max_weight, &[]);
        (txs, fees)
    }

    /// [`Mempool::select`] with aggregate demand (in template order) competing for the same
    /// weight: both are taken together by fee rate, a transaction before demand of equal rate.
    /// Returns the transactions, the fees of both, and the demand taken.
    pub fn select_with(&self, max_weight: u64, demand: &[DemandItem]) -> (Vec<Arc<SealedTx>>, Amount, Vec<DemandItem>) {
        let mut chosen = Vec::new();
        let mut chosen_ids = IdSet::default();
        let mut taken = Vec::new();
        let (mut weight, mut fees) = (0u64, Amount::ZERO);
        for candidate in self.merged(demand) {
            if max_weight - weight < MIN_TX_WEIGHT {
                break;
            }
            let entry = match candidate {
                Candidate::Demand(item) => {
                    if weight + item.weight() <= max_weight {
                        weight += item.weight();
                        fees += item.fee();
                        taken.push(*item);
                    }
                    continue;
                }
                Candidate::Tx(entry) => entry,
            };
            if weight + entry.weight > max_weight {
                continue;
            }
            let txid = entry.tx.txid();
            let parents_ready = entry.tx.input.iter().all(|i| {
                !self.entries.contains_key(&i.previous_output.txid) || chosen_ids.contains(&i.previous_output.txid)
            });
            if parents_ready {
                weight += entry.weight;
                fees += entry.fee;
                chosen_ids.insert(txid);
                chosen.push(entry.tx.clone());
            }
        }
        (chosen, fees, taken)
    }

    /// The mempool's entries and `demand` in one fee-rate order (a transaction first on a tie).
    fn merged<'a>(&'a self, demand: &'a [DemandItem]) -> impl Iterator<Item = Candidate<'a>> + 'a {
        let mut txs = self.by_fee_rate.iter().map(|(_, _, txid)| &self.entries[txid]).peekable();
        let mut demand = demand.iter().peekable();
        std::iter::from_fn(move || match (txs.peek(), demand.peek()) {
            (Some(tx), Some(item)) if tx.fee_rate >= item.fee_rate => txs.next().map(Candidate::Tx),
            (_, Some(_)) => demand.next().map(Candidate::Demand),
            _ => txs.next().map(Candidate::Tx),
        })
    }

    /// Fee rate that should confirm within `target_blocks`: one sat/vB above the
    /// lowest-paying transaction that still fits in `target_blocks` blocks of `block_weight`,
    /// filled best-paying first (paying more displaces it). The minimum relay fee rate when the
    /// whole backlog fits.
    pub fn estimate_fee_rate(&self, target_blocks: u32, block_weight: u64) -> FeeRate {
        self.estimate_fee_rate_with(target_blocks, block_weight, &[])
    }

    /// [`Mempool::estimate_fee_rate`] over the mempool and pending aggregate `demand` together.
    pub fn estimate_fee_rate_with(&self, target_blocks: u32, block_weight: u64, demand: &[DemandItem]) -> FeeRate {
        let budget = block_weight.saturating_mul(target_blocks.max(1) as u64);
        let mut ahead = 0u64;
        let mut marginal: Option<FeeRateKey> = None;
        for candidate in self.merged(demand) {
            let (rate, weight) = match candidate {
                Candidate::Tx(e) => (e.fee_rate, e.weight),
                Candidate::Demand(item) => (item.fee_rate, item.weight()),
            };
            ahead += weight;
            if ahead > budget {
                let to_beat = marginal.unwrap_or(rate);
                return FeeRate::from_sat_per_vb(to_beat.rate().sat_per_vb() + 1.0).max(MIN_RELAY_FEE_RATE);
            }
            marginal = Some(rate);
        }
        MIN_RELAY_FEE_RATE
    }
}

/// One thing a template can take: a mempool transaction or an item of aggregate demand.
enum Candidate<'a> {
    Tx(&'a Entry),
    Demand(&'a DemandItem),
}

/// No transaction is lighter than this (a 1-input, 1-output transaction weighs over 240 WU):
/// a template with less room left is full.
const MIN_TX_WEIGHT: u64 = 240;
