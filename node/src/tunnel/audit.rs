//! The tunnel's books, kept from outside the nodes (on the observer): the vault as the
//! observer's Bitcoin main chain shows it, against the mints and burns of the L2 chain.
//!
//! At every L2 block (in order) the auditor checks, with every term measured on its own:
//!
//! ```text
//! locked - other - unminted + lost_payouts  ==  minted - burned + pending - unbacked
//! ```
//!
//! - `locked`: the vault's unspent outputs on the observer's main chain;
//! - `other`: what reached the vault without being a deposit (payments below the minimum or
//!   without a recipient: they mint nothing);
//! - `unminted`: valid deposits on the main chain the L2 has not minted (yet);
//! - `minted`, `burned`: hBTC minted and burned by L2 blocks up to this one;
//! - `pending`: burned, and not paid out on the main chain;
//! - `unbacked`: minted deposits whose transaction is not on the main chain: **losses**, what
//!   the confirmation depth trades against (reported as `deposit-unwound`, not a violation);
//! - `lost_payouts`: payouts on the main chain whose burn an L2 reorg took away (the block that
//!   burned it left the L2 chain, and no block of the new chain burns the same withdrawal, the
//!   same id, amount and payee): **losses** too, what paying before the burn is final trades
//!   against (reported as `payout-lost`, and `payout-recovered` if the same withdrawal is burned
//!   again, as when the reorged transaction is included again under the same id).
//!
//! The L2 chain is the one the auditor follows: on a settlement chain an unsafe reorg takes
//! blocks back ([`TunnelAuditor::revert_l2_block`]): their mints leave the books (the deposits
//! are unminted again, and mint again on the new chain), their burns too.
//!
//! It also checks that no outpoint mints twice, and that every coin leaving the vault is a
//! payout (`OP_RETURN "HWD" <id>`) of a withdrawal some L2 block burned, moving exactly the
//! amount burned to its payee, and that no burn is paid twice. Any failure is a
//! [`Observation::TunnelViolation`]: a safety violation of the run, reported once (a broken
//! conservation check again only when its imbalance changes: a payout nothing explains breaks
//! every later ledger by the same amount).

use super::payout_book::{LostPayout, PayoutBook};
use super::vault_index::{Outflow, VaultDelta, VaultIndex};
use crate::btc::node::BitcoinNode;
use crate::events::Observation;
use crate::l2::block::L2Block;
use crate::units::{Amount, L2Number};
use bitcoin::{BlockHash, OutPoint, ScriptBuf};
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
    /// Burns and payouts, and how they match.
    payouts: PayoutBook,
    /// Deposits on the chain that have not minted, and their sum.
    unminted: BTreeMap<OutPoint, u64>,
    unminted_sats: u64,
    /// Minted deposits off the chain now, and their sum.
    unbacked: BTreeSet<OutPoint>,
    unbacked_sats: u64,
    /// L2 blocks that arrived ahead of their predecessor.
    waiting: BTreeMap<L2Number, Arc<L2Block>>,
    last_l2: L2Number,
    /// Problems found since the last L2 block was audited, reported with it.
    problems: Vec<String>,
    /// Violations already reported (each is reported once).
    reported: BTreeSet<String>,
    /// The conservation check's last imbalance (vault side minus L2 side), 0 when it held: a
    /// broken book is reported when its imbalance changes, not again at every later ledger
    /// (whose totals, and so whose message, move with every mint and burn).
    imbalance: i128,
    pub violations: u64,
}

impl TunnelAuditor {
    pub fn new(vault: ScriptBuf, btc_genesis: BlockHash) -> Self {
        TunnelAuditor {
            index: VaultIndex::new(vault, btc_genesis),
            minted: BTreeMap::new(),
            minted_sats: 0,
            payouts: PayoutBook::default(),
            unminted: BTreeMap::new(),
            unminted_sats: 0,
            unbacked: BTreeSet::new(),
            unbacked_sats: 0,
            waiting: BTreeMap::new(),
            last_l2: L2Number::ZERO,
            problems: Vec::new(),
            reported: BTreeSet::new(),
            imbalance: 0,
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
    /// newest first): its mints and burns leave the books, its deposits are unminted again (the
    /// new chain mints them again). A burn already paid out makes its payout lost (the vault
    /// paid for a withdrawal the chain no longer has): a loss, reported, not a violation.
    pub fn revert_l2_block(&mut self, block: &L2Block) -> Vec<Observation> {
        let number = block.header.number;
        debug_assert_eq!(number, self.last_l2, "blocks are reverted from the head down");
        let mut out = Vec::new();
        for w in &block.tunnel.withdrawals {
            self.payouts.unburn(w, number, &mut out);
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
        out
    }

    /// Payouts on the main chain whose burn an L2 reorg took away.
    pub fn lost_payouts(&self) -> Vec<LostPayout> {
        self.payouts.lost()
    }

    /// Minted deposits currently off the main chain, with their amounts.
    pub fn unbacked(&self) -> Vec<(OutPoint, Amount)> {
        self.unbacked.iter().map(|o| (*o, self.minted[o].amount)).collect()
    }

    fn apply_delta(&mut self, delta: VaultDelta) -> Vec<Observation> {
        let mut out = Vec::new();
        for outflow in &delta.outflows_removed {
            if let Some(id) = outflow.payout_id {
                self.payouts.unpay(id, outflow, &mut out);
            }
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
            self.pay(&outflow, &mut out);
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

    /// A vault outflow joined the chain: it must be the payout of a withdrawal some L2 block
    /// burned (the payout book judges which, and whether it is lost).
    fn pay(&mut self, outflow: &Outflow, out: &mut Vec<Observation>) {
        let Some(id) = outflow.payout_id else {
            self.problems.push(format!(
                "vault coins spent by {} without a payout marker ({} sats)",
                outflow.txid,
                outflow.net.to_sat()
            ));
            return;
        };
        self.payouts.pay(id, outflow, out);
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
            if !self.payouts.burn(w, number, &mut out) {
                self.problems.push(format!("withdrawal id {} burned twice", w.id));
            }
        }
        out
    }

    /// The books at the last audited block, the conservation check, and the problems found since
    /// the previous block.
    fn ledger(&mut self) -> Vec<Observation> {
        let (burned_sats, pending_sats, lost_sats) =
            (self.payouts.burned_sats(), self.payouts.pending_sats(), self.payouts.lost_sats());
        let (locked_sats, other_sats, unminted_sats, unbacked_sats) =
            (self.index.locked().to_sat(), self.index.other().to_sat(), self.unminted_sats, self.unbacked_sats);
        let vault_side = locked_sats as i128 - other_sats as i128 - unminted_sats as i128 + lost_sats as i128;
        let l2_side = self.minted_sats as i128 - burned_sats as i128 + pending_sats as i128 - unbacked_sats as i128;
        let mut out = vec![Observation::TunnelLedger {
            l2_number: self.last_l2,
            locked: Amount::from_sat(locked_sats),
            minted: Amount::from_sat(self.minted_sats),
            burned: Amount::from_sat(burned_sats),
            pending: Amount::from_sat(pending_sats),
            unminted: Amount::from_sat(unminted_sats),
            unbacked: Amount::from_sat(unbacked_sats),
            other: Amount::from_sat(other_sats),
            lost_payouts: Amount::from_sat(lost_sats),
        }];
        let previous = std::mem::replace(&mut self.imbalance, vault_side - l2_side);
        if self.imbalance != 0 && self.imbalance != previous {
            self.problems.push(format!(
                "conservation: vault {locked_sats} - other {other_sats} - unminted {unminted_sats} + lost payouts \
                 {lost_sats} = {vault_side} sats, but minted {} - burned {burned_sats} + pending {pending_sats} - \
                 unbacked {unbacked_sats} = {l2_side}",
                self.minted_sats
            ));
        }
        let unexplained: Vec<String> = self.payouts.unexplained().cloned().collect();
        self.problems.extend(unexplained);
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
