//! The vault on one node's active chain: its coins, the deposits and the other payments it
//! received, and every transaction that spent its coins. Synced by walking back to the last
//! block still active; each sync reports what changed, so the auditor's work per event is the
//! size of the change, not of the history.

use super::deposit::{parse_deposit, payout_id};
use super::p2pkh_hash;
use crate::btc::node::BitcoinNode;
use crate::btc::sealed::SealedBlock;
use crate::units::{Amount, BtcHeight};
use bitcoin::{BlockHash, OutPoint, ScriptBuf, Txid};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A transaction that spent vault coins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outflow {
    pub txid: Txid,
    /// Vault coins spent minus vault outputs created (its change).
    pub net: Amount,
    pub payout_id: Option<u64>,
    /// Whom its first output pays (a payout's withdrawer), when that is a P2PKH script other
    /// than the vault's.
    pub payee: Option<[u8; 20]>,
}

/// What one active block did to the vault (kept for undo).
#[derive(Debug, Clone, Default)]
struct BlockFlows {
    created: Vec<(OutPoint, u64)>,
    spent: Vec<(OutPoint, u64)>,
    deposits: Vec<(OutPoint, Amount)>,
    other: Vec<u64>,
    outflows: Vec<Outflow>,
}

/// What one sync changed: deposits and vault-spending transactions that joined or left the
/// active chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VaultDelta {
    pub deposits_added: Vec<(OutPoint, Amount)>,
    pub deposits_removed: Vec<(OutPoint, Amount)>,
    pub outflows_added: Vec<Outflow>,
    pub outflows_removed: Vec<Outflow>,
}

#[derive(Debug, Clone)]
pub struct VaultIndex {
    vault: ScriptBuf,
    indexed: Vec<(BlockHash, BlockFlows)>,
    coins: BTreeMap<OutPoint, u64>,
    locked_sats: u64,
    deposits: BTreeMap<OutPoint, Amount>,
    other_sats: u64,
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
        }
    }

    fn tip_height(&self) -> BtcHeight {
        BtcHeight((self.indexed.len() - 1) as u32)
    }

    /// Brings the index to `node`'s active chain.
    pub fn sync(&mut self, node: &BitcoinNode) -> VaultDelta {
        let mut delta = VaultDelta::default();
        let mut fork = self.tip_height().min(node.tip_height());
        while node.active_at(fork) != Some(self.indexed[fork.0 as usize].0) {
            fork = fork.down(1).expect("both chains start at the same genesis");
        }
        while self.tip_height() > fork {
            let (_, flows) = self.indexed.pop().expect("above the fork");
            delta.deposits_removed.extend(flows.deposits.iter().rev().copied());
            delta.outflows_removed.extend(flows.outflows.iter().rev().cloned());
            self.disconnect(flows);
        }
        for height in fork.next().through(node.tip_height()) {
            let hash = node.active_at(height).expect("at most the node's tip");
            let flows = self.connect(node.block(&hash).expect("active blocks are stored"));
            delta.deposits_added.extend(flows.deposits.iter().copied());
            delta.outflows_added.extend(flows.outflows.iter().cloned());
            self.indexed.push((hash, flows));
        }
        delta
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
                    self.deposits.insert(outpoint, output.value);
                    flows.deposits.push((outpoint, output.value));
                } else if spent_sats == 0 {
                    self.other_sats += value;
                    flows.other.push(value);
                }
            }
            self.locked_sats = self.locked_sats + created_sats - spent_sats;
            if spent_sats > 0 {
                // Change returned to the vault is not new money: it nets against the spend.
                let net = Amount::from_sat(spent_sats.saturating_sub(created_sats));
                let payee = tx.output.first().filter(|o| o.script_pubkey != self.vault);
                let payee = payee.and_then(|o| p2pkh_hash(&o.script_pubkey));
                let outflow = Outflow { txid, net, payout_id: payout_id(tx.tx()), payee };
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
    }

    /// The vault's unspent outputs.
    pub fn locked(&self) -> Amount {
        Amount::from_sat(self.locked_sats)
    }

    /// The value of the deposit at `outpoint`, if it is on the chain.
    pub fn deposit(&self, outpoint: &OutPoint) -> Option<Amount> {
        self.deposits.get(outpoint).copied()
    }

    /// What reached the vault without being a deposit.
    pub fn other(&self) -> Amount {
        Amount::from_sat(self.other_sats)
    }
}
