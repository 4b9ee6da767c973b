//! The tunnel's books, kept from outside the nodes (on the observer): the vault as the
//! observer's Bitcoin main chain shows it, against the mints and burns of the L2 chain.
//!
//! At every L2 block (in order) the auditor checks, with every term measured on its own:
//!
//! ```text
//! locked - other - unminted  ==  minted - burned + pending - unbacked
//! ```
//!
//! - `locked`: the vault's unspent outputs on the observer's main chain;
//! - `other`: what reached the vault without being a deposit (payments below the minimum or
//!   without a recipient: they mint nothing);
//! - `unminted`: valid deposits on the main chain the L2 has not minted (yet);
//! - `minted`, `burned`: hBTC minted and burned by L2 blocks up to this one;
//! - `pending`: burned, and not paid out on the main chain;
//! - `unbacked`: minted deposits whose transaction is not on the main chain: **losses**, what
//!   the confirmation depth trades against (reported as `deposit-unwound`, not a violation).
//!
//! It also checks that no outpoint mints twice, and that every coin leaving the vault is a
//! payout (`OP_RETURN "HWD" <id>`) of a burned withdrawal, once, moving exactly the amount
//! burned. Any failure is a [`Observation::TunnelViolation`]: a safety violation of the run.

use super::vault_index::{Outflow, VaultDelta, VaultIndex};
use crate::btc::node::BitcoinNode;
use crate::events::Observation;
use crate::l2::block::L2Block;
use crate::units::{Amount, L2Number};
use bitcoin::{BlockHash, OutPoint, ScriptBuf, Txid};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A mint the auditor has seen.
#[derive(Debug, Clone, Copy)]
struct Minted {
    amount: Amount,
    l2_number: L2Number,
}

/// The books, kept up to date by deltas: every sum is maintained, never recomputed, so the work
/// per L2 block or Bitcoin block is the size of what changed.
#[derive(Debug)]
pub struct TunnelAuditor {
    index: VaultIndex,
    minted: BTreeMap<OutPoint, Minted>,
    minted_sats: u64,
    burned: BTreeMap<u64, u64>,
    burned_sats: u64,
    /// Deposits on the chain that have not minted, and their sum.
    unminted: BTreeMap<OutPoint, u64>,
    unminted_sats: u64,
    /// Minted deposits off the chain now, and their sum.
    unbacked: BTreeSet<OutPoint>,
    unbacked_sats: u64,
    /// Payout transactions on the chain by withdrawal id, and the burned amounts they settle.
    paid: BTreeMap<u64, BTreeSet<Txid>>,
    paid_sats: u64,
    /// L2 blocks that arrived ahead of their predecessor.
    waiting: BTreeMap<L2Number, Arc<L2Block>>,
    last_l2: L2Number,
    /// Problems found since the last L2 block was audited, reported with it.
    problems: Vec<String>,
    /// Violations already reported (each is reported once).
    reported: BTreeSet<String>,
    pub violations: u64,
}

impl TunnelAuditor {
    pub fn new(vault: ScriptBuf, btc_genesis: BlockHash) -> Self {
        TunnelAuditor {
            index: VaultIndex::new(vault, btc_genesis),
            minted: BTreeMap::new(),
            minted_sats: 0,
            burned: BTreeMap::new(),
            burned_sats: 0,
            unminted: BTreeMap::new(),
            unminted_sats: 0,
            unbacked: BTreeSet::new(),
            unbacked_sats: 0,
            paid: BTreeMap::new(),
            paid_sats: 0,
            waiting: BTreeMap::new(),
            last_l2: L2Number::ZERO,
            problems: Vec::new(),
            reported: BTreeSet::new(),
            violations: 0,
        }
    }

    /// The observer's chain moved: minted deposits may have left it, or come back.
    pub fn on_bitcoin_change(&mut self, node: &BitcoinNode) -> Vec<Observation> {
        let delta = self.index.sync(node);
        self.apply_delta(delta)
    }

    /// An L2 block arrived: audit it (and any that waited for it), in order.
    pub fn on_l2_block(&mut self, block: Arc<L2Block>, node: &BitcoinNode) -> Vec<Observation> {
        let delta = self.index.sync(node);
        let mut out = self.apply_delta(delta);
        if block.header.number > self.last_l2 {
            self.waiting.insert(block.header.number, block);
        }
        while let Some(block) = self.waiting.remove(&self.last_l2.next()) {
            self.last_l2 = block.header.number;
            out.extend(self.apply(&block));
            out.extend(self.ledger());
        }
        out
    }

    /// The last L2 block of the sequencer's chain `block` (an unsafe reorg takes it back; the
    /// newest first): its mints and burns leave the books, its deposits are unminted again. A
    /// burn already paid out is a violation (the vault paid for a withdrawal the chain no longer
    /// has), reported with the next block's ledger.
    pub fn revert_l2_block(&mut self, block: &L2Block) {
        let number = block.header.number;
        debug_assert_eq!(number, self.last_l2, "blocks are reverted from the head down");
        for w in &block.tunnel.withdrawals {
            let amount = w.amount.to_sat();
            if self.burned.get(&w.id) != Some(&amount) {
                continue;
            }
            self.burned.remove(&w.id);
            self.burned_sats -= amount;
            if self.paid.contains_key(&w.id) {
                self.paid_sats -= amount;
                self.problems.push(format!(
                    "withdrawal id {} was paid out, and L2 block {number}, which burned it, was reorged out",
                    w.id
                ));
            }
        }
        for mint in &block.tunnel.mints {
            let Some(minted) = self.minted.get(&mint.outpoint).copied() else { continue };
            if minted.l2_number != number {
                continue;
            }
            self.minted.remove(&mint.outpoint);
            self.minted_sats -= minted.amount.to_sat();
            if self.unbacked.remove(&mint.outpoint) {
                self.unbacked_sats -= minted.amount.to_sat();
            }
            if let Some(value) = self.index.deposit(&mint.outpoint)
                && self.unminted.insert(mint.outpoint, value.to_sat()).is_none()
            {
                self.unminted_sats += value.to_sat();
            }
        }
        self.last_l2 = L2Number(number.0 - 1);
    }

    /// Minted deposits currently off the main chain, with their amounts.
    pub fn unbacked(&self) -> Vec<(OutPoint, Amount)> {
        self.unbacked.iter().map(|o| (*o, self.minted[o].amount)).collect()
    }

    fn apply_delta(&mut self, delta: VaultDelta) -> Vec<Observation> {
        let mut out = Vec::new();
        for outflow in &delta.outflows_removed {
            self.unpay(outflow);
        }
        for (outpoint, value) in delta.deposits_removed {
            if let Some(minted) = self.minted.get(&outpoint).copied() {
                out.extend(self.unwind(outpoint, minted));
            } else if self.unminted.remove(&outpoint).is_some() {
                self.unminted_sats -= value.to_sat();
            }
        }
        for (outpoint, value) in delta.deposits_added {
            if self.minted.contains_key(&outpoint) {
                if self.unbacked.remove(&outpoint) {
                    self.unbacked_sats -= self.minted[&outpoint].amount.to_sat();
                    out.push(Observation::DepositRestored { txid: outpoint.txid, vout: outpoint.vout, amount: value });
                }
            } else if self.unminted.insert(outpoint, value.to_sat()).is_none() {
                self.unminted_sats += value.to_sat();
            }
        }
        for outflow in delta.outflows_added {
            self.pay(&outflow);
        }
        out
    }

    fn unwind(&mut self, outpoint: OutPoint, minted: Minted) -> Option<Observation> {
        if !self.unbacked.insert(outpoint) {
            return None;
        }
        self.unbacked_sats += minted.amount.to_sat();
        Some(Observation::DepositUnwound {
            txid: outpoint.txid,
            vout: outpoint.vout,
            amount: minted.amount,
            l2_number: minted.l2_number,
        })
    }

    /// A vault outflow joined the chain: it must pay a burned withdrawal, once, exactly.
    fn pay(&mut self, outflow: &Outflow) {
        let Some(id) = outflow.payout_id else {
            self.problems.push(format!(
                "vault coins spent by {} without a payout marker ({} sats)",
                outflow.txid,
                outflow.net.to_sat()
            ));
            return;
        };
        match self.burned.get(&id) {
            None => {
                self.problems.push(format!("payout {} for withdrawal id {id}, which no L2 block burned", outflow.txid))
            }
            Some(&amount) if amount != outflow.net.to_sat() => self.problems.push(format!(
                "payout {} moves {} sats for withdrawal id {id}, which burned {amount}",
                outflow.txid,
                outflow.net.to_sat()
            )),
            Some(_) => {}
        }
        let payouts = self.paid.entry(id).or_default();
        if let Some(first) = payouts.first().copied() {
            self.problems.push(format!("withdrawal id {id} paid twice: {first} and {}", outflow.txid));
        }
        payouts.insert(outflow.txid);
        if payouts.len() == 1 {
            self.paid_sats += self.burned.get(&id).copied().unwrap_or(0);
        }
    }

    fn unpay(&mut self, outflow: &Outflow) {
        let Some(id) = outflow.payout_id else { return };
        if let Some(payouts) = self.paid.get_mut(&id)
            && payouts.remove(&outflow.txid)
            && payouts.is_empty()
        {
            self.paid.remove(&id);
            self.paid_sats -= self.burned.get(&id).copied().unwrap_or(0);
        }
    }

    fn apply(&mut self, block: &L2Block) -> Vec<Observation> {
        let number = block.header.number;
        let mut out = Vec::new();
        for mint in &block.tunnel.mints {
            if let Some(first) = self.minted.get(&mint.outpoint) {
                self.problems.push(format!(
                    "deposit {} minted twice: in L2 blocks {} and {number}",
                    mint.outpoint, first.l2_number
                ));
                continue;
            }
            let minted = Minted { amount: mint.amount, l2_number: number };
            self.minted.insert(mint.outpoint, minted);
            self.minted_sats += mint.amount.to_sat();
            if let Some(value) = self.unminted.remove(&mint.outpoint) {
                self.unminted_sats -= value;
            } else if self.index.deposit(&mint.outpoint).is_none() {
                // Minted from a view the observer's chain no longer (or not yet) holds.
                out.extend(self.unwind(mint.outpoint, minted));
            }
        }
        for w in &block.tunnel.withdrawals {
            if self.burned.insert(w.id, w.amount.to_sat()).is_some() {
                self.problems.push(format!("withdrawal id {} burned twice", w.id));
            } else {
                self.burned_sats += w.amount.to_sat();
            }
        }
        out
    }

    /// The books at the last audited block, the conservation check, and the problems found since
    /// the previous block.
    fn ledger(&mut self) -> Vec<Observation> {
        let pending_sats = self.burned_sats.saturating_sub(self.paid_sats);
        let (locked_sats, other_sats, unminted_sats, unbacked_sats) =
            (self.index.locked().to_sat(), self.index.other().to_sat(), self.unminted_sats, self.unbacked_sats);
        let vault_side = locked_sats as i128 - other_sats as i128 - unminted_sats as i128;
        let l2_side =
            self.minted_sats as i128 - self.burned_sats as i128 + pending_sats as i128 - unbacked_sats as i128;
        let mut out = vec![Observation::TunnelLedger {
            l2_number: self.last_l2,
            locked: Amount::from_sat(locked_sats),
            minted: Amount::from_sat(self.minted_sats),
            burned: Amount::from_sat(self.burned_sats),
            pending: Amount::from_sat(pending_sats),
            unminted: Amount::from_sat(unminted_sats),
            unbacked: Amount::from_sat(unbacked_sats),
            other: Amount::from_sat(other_sats),
        }];
        if vault_side != l2_side {
            self.problems.push(format!(
                "conservation: vault {locked_sats} - other {other_sats} - unminted {unminted_sats} = {vault_side} sats, \
                 but minted {} - burned {} + pending {pending_sats} - unbacked {unbacked_sats} = {l2_side}",
                self.minted_sats, self.burned_sats
            ));
        }
        for what in std::mem::take(&mut self.problems) {
            out.extend(self.violation(self.last_l2, what));
        }
        out
    }

    fn violation(&mut self, l2_number: L2Number, what: String) -> Option<Observation> {
        if !self.reported.insert(what.clone()) {
            return None;
        }
        self.violations += 1;
        Some(Observation::TunnelViolation { l2_number, what })
    }
}
