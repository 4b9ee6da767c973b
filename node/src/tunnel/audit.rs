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

use super::deposit::{parse_deposit, payout_id};
use crate::btc::node::BitcoinNode;
use crate::btc::sealed::SealedBlock;
use crate::events::Observation;
use crate::l2::block::L2Block;
use bitcoin::{BlockHash, OutPoint, ScriptBuf, Txid};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A transaction that spent vault coins.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outflow {
    txid: Txid,
    /// Vault coins spent minus vault outputs created (its change).
    net_sats: u64,
    payout_id: Option<u64>,
}

/// What one active block did to the vault (kept for undo).
#[derive(Debug, Clone, Default)]
struct BlockFlows {
    created: Vec<(OutPoint, u64)>,
    spent: Vec<(OutPoint, u64)>,
    deposits: Vec<(OutPoint, u64)>,
    other: Vec<u64>,
    outflows: Vec<Outflow>,
}

/// The vault on one node's active chain, synced by walking back to the last block still active.
#[derive(Debug, Clone)]
pub struct VaultIndex {
    vault: ScriptBuf,
    indexed: Vec<(BlockHash, BlockFlows)>,
    coins: BTreeMap<OutPoint, u64>,
    locked_sats: u64,
    deposits: BTreeMap<OutPoint, u64>,
    other_sats: u64,
    outflows: BTreeMap<Txid, Outflow>,
}

impl VaultIndex {
    pub fn new(vault: ScriptBuf, genesis: BlockHash) -> Self {
        VaultIndex {
            vault,
            indexed: vec![(genesis, BlockFlows::default())],
            coins: BTreeMap::new(),
            locked_sats: 0,
            deposits: BTreeMap::new(),
            other_sats: 0,
            outflows: BTreeMap::new(),
        }
    }

    fn tip_height(&self) -> u32 {
        (self.indexed.len() - 1) as u32
    }

    /// Brings the index to `node`'s active chain.
    pub fn sync(&mut self, node: &BitcoinNode) {
        let mut fork = self.tip_height().min(node.tip_height());
        while node.active_at(fork) != Some(self.indexed[fork as usize].0) {
            fork -= 1; // terminates: both chains start at the same genesis
        }
        while self.tip_height() > fork {
            let (_, flows) = self.indexed.pop().expect("above the fork");
            self.disconnect(flows);
        }
        for height in fork + 1..=node.tip_height() {
            let hash = node.active_at(height).expect("at most the node's tip");
            let flows = self.connect(node.block(&hash).expect("active blocks are stored"));
            self.indexed.push((hash, flows));
        }
    }

    fn connect(&mut self, block: &Arc<SealedBlock>) -> BlockFlows {
        let mut flows = BlockFlows::default();
        for tx in block.txs() {
            let mut spent_sats = 0;
            for input in &tx.input {
                if let Some(value) = self.coins.remove(&input.previous_output) {
                    spent_sats += value;
                    flows.spent.push((input.previous_output, value));
                }
            }
            let txid = tx.txid();
            let deposit = parse_deposit(tx.tx(), &self.vault).ok();
            let mut created_sats = 0;
            for (vout, output) in tx.output.iter().enumerate() {
                if output.script_pubkey != self.vault {
                    continue;
                }
                let outpoint = OutPoint { txid, vout: vout as u32 };
                let value = output.value.to_sat();
                self.coins.insert(outpoint, value);
                flows.created.push((outpoint, value));
                created_sats += value;
                if deposit.is_some_and(|d| d.vout == vout as u32) {
                    self.deposits.insert(outpoint, value);
                    flows.deposits.push((outpoint, value));
                } else if spent_sats == 0 {
                    self.other_sats += value;
                    flows.other.push(value);
                }
            }
            self.locked_sats = self.locked_sats + created_sats - spent_sats;
            if spent_sats > 0 {
                // Change returned to the vault is not new money: it nets against the spend.
                let outflow = Outflow { txid, net_sats: spent_sats.saturating_sub(created_sats), payout_id: payout_id(tx.tx()) };
                self.outflows.insert(txid, outflow.clone());
                flows.outflows.push(outflow);
            }
        }
        flows
    }

    fn disconnect(&mut self, flows: BlockFlows) {
        for (outpoint, value) in flows.created.iter().rev() {
            self.coins.remove(outpoint);
            self.locked_sats -= value;
        }
        for (outpoint, value) in flows.spent.iter().rev() {
            self.coins.insert(*outpoint, *value);
            self.locked_sats += value;
        }
        for (outpoint, _) in &flows.deposits {
            self.deposits.remove(outpoint);
        }
        self.other_sats -= flows.other.iter().sum::<u64>();
        for outflow in &flows.outflows {
            self.outflows.remove(&outflow.txid);
        }
    }

    pub fn locked_sats(&self) -> u64 {
        self.locked_sats
    }

    pub fn has_deposit(&self, outpoint: &OutPoint) -> bool {
        self.deposits.contains_key(outpoint)
    }
}

/// A mint the auditor has seen.
#[derive(Debug, Clone, Copy)]
struct Minted {
    amount_sats: u64,
    l2_number: u64,
}

#[derive(Debug)]
pub struct TunnelAuditor {
    index: VaultIndex,
    minted: BTreeMap<OutPoint, Minted>,
    minted_sats: u64,
    burned: BTreeMap<u64, u64>,
    burned_sats: u64,
    /// Minted deposits off the main chain now.
    unbacked: BTreeSet<OutPoint>,
    /// L2 blocks that arrived ahead of their predecessor.
    waiting: BTreeMap<u64, Arc<L2Block>>,
    last_l2: u64,
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
            unbacked: BTreeSet::new(),
            waiting: BTreeMap::new(),
            last_l2: 0,
            reported: BTreeSet::new(),
            violations: 0,
        }
    }

    /// The observer's chain moved: minted deposits may have left it, or come back.
    pub fn on_bitcoin_change(&mut self, node: &BitcoinNode) -> Vec<Observation> {
        self.index.sync(node);
        self.track_backing()
    }

    /// An L2 block arrived: audit it (and any that waited for it), in order.
    pub fn on_l2_block(&mut self, block: Arc<L2Block>, node: &BitcoinNode) -> Vec<Observation> {
        self.index.sync(node);
        let mut out = self.track_backing();
        if block.header.number > self.last_l2 {
            self.waiting.insert(block.header.number, block);
        }
        while let Some(block) = self.waiting.remove(&(self.last_l2 + 1)) {
            self.last_l2 = block.header.number;
            out.extend(self.apply(&block));
            out.extend(self.track_backing());
            out.extend(self.ledger());
        }
        out
    }

    /// Minted deposits currently off the main chain, with their amounts.
    pub fn unbacked(&self) -> Vec<(OutPoint, u64)> {
        self.unbacked.iter().map(|o| (*o, self.minted[o].amount_sats)).collect()
    }

    fn apply(&mut self, block: &L2Block) -> Vec<Observation> {
        let number = block.header.number;
        let mut out = Vec::new();
        for mint in &block.tunnel.mints {
            if let Some(first) = self.minted.get(&mint.outpoint) {
                let what = format!("deposit {} minted twice: in L2 blocks {} and {number}", mint.outpoint, first.l2_number);
                out.extend(self.violation(number, what));
                continue;
            }
            self.minted.insert(mint.outpoint, Minted { amount_sats: mint.amount_sats, l2_number: number });
            self.minted_sats += mint.amount_sats;
        }
        for w in &block.tunnel.withdrawals {
            if self.burned.insert(w.id, w.amount_sats).is_some() {
                out.extend(self.violation(number, format!("withdrawal id {} burned twice", w.id)));
            } else {
                self.burned_sats += w.amount_sats;
            }
        }
        out.extend(self.check_outflows(number));
        out
    }

    /// Every vault outflow on the main chain must pay a burned withdrawal, once, exactly.
    fn check_outflows(&mut self, number: u64) -> Vec<Observation> {
        let mut problems = Vec::new();
        let mut paid_ids = BTreeMap::new();
        for outflow in self.index.outflows.values() {
            let Some(id) = outflow.payout_id else {
                problems.push(format!("vault coins spent by {} without a payout marker ({} sats)", outflow.txid, outflow.net_sats));
                continue;
            };
            match self.burned.get(&id) {
                None => problems.push(format!("payout {} for withdrawal id {id}, which no L2 block burned", outflow.txid)),
                Some(&amount) if amount != outflow.net_sats => {
                    problems.push(format!("payout {} moves {} sats for withdrawal id {id}, which burned {amount}", outflow.txid, outflow.net_sats))
                }
                Some(_) => {}
            }
            if let Some(first) = paid_ids.insert(id, outflow.txid) {
                problems.push(format!("withdrawal id {id} paid twice: {first} and {}", outflow.txid));
            }
        }
        problems.into_iter().flat_map(|p| self.violation(number, p)).collect()
    }

    /// Compares the main chain with the minted set: unwound and restored deposits.
    fn track_backing(&mut self) -> Vec<Observation> {
        let mut out = Vec::new();
        for (outpoint, minted) in &self.minted {
            let on_chain = self.index.has_deposit(outpoint);
            if !on_chain && self.unbacked.insert(*outpoint) {
                out.push(Observation::DepositUnwound { txid: outpoint.txid.to_string(), vout: outpoint.vout, amount_sats: minted.amount_sats, l2_number: minted.l2_number });
            } else if on_chain && self.unbacked.remove(outpoint) {
                out.push(Observation::DepositRestored { txid: outpoint.txid.to_string(), vout: outpoint.vout, amount_sats: minted.amount_sats });
            }
        }
        out
    }

    /// The books at the last audited block, and the conservation check.
    fn ledger(&mut self) -> Vec<Observation> {
        let paid: u64 = self.index.outflows.values().filter_map(|o| o.payout_id).filter_map(|id| self.burned.get(&id)).sum();
        let pending_sats = self.burned_sats.saturating_sub(paid);
        let unminted_sats: u64 = self.index.deposits.iter().filter(|(o, _)| !self.minted.contains_key(o)).map(|(_, v)| v).sum();
        let unbacked_sats: u64 = self.unbacked.iter().map(|o| self.minted[o].amount_sats).sum();
        let locked_sats = self.index.locked_sats();
        let other_sats = self.index.other_sats;
        let vault_side = locked_sats as i128 - other_sats as i128 - unminted_sats as i128;
        let l2_side = self.minted_sats as i128 - self.burned_sats as i128 + pending_sats as i128 - unbacked_sats as i128;
        let row = Observation::TunnelLedger {
            l2_number: self.last_l2,
            locked_sats,
            minted_sats: self.minted_sats,
            burned_sats: self.burned_sats,
            pending_sats,
            unminted_sats,
            unbacked_sats,
            other_sats,
        };
        let mut out = vec![row];
        if vault_side != l2_side {
            let what = format!(
                "conservation: vault {locked_sats} - other {other_sats} - unminted {unminted_sats} = {vault_side} sats, \
                 but minted {} - burned {} + pending {pending_sats} - unbacked {unbacked_sats} = {l2_side}",
                self.minted_sats, self.burned_sats
            );
            out.extend(self.violation(self.last_l2, what));
        }
        out
    }

    fn violation(&mut self, l2_number: u64, what: String) -> Option<Observation> {
        if !self.reported.insert(what.clone()) {
            return None;
        }
        self.violations += 1;
        Some(Observation::TunnelViolation { l2_number, what })
    }
}
