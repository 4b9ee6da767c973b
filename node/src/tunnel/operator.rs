//! The vault operator: holds the vault's keys, follows the L2 chain's withdrawals and pays them
//! out on Bitcoin.
//!
//! A withdrawal becomes payable by policy: [`PayoutPolicy::Superfinal`] (the burning L2 block is
//! superfinal on the operator's own Bitcoin node, BFG's rule: rewriting the burn would mean
//! rewriting Bitcoin) or the unsafe [`PayoutPolicy::Immediate`] (as soon as the block arrives:
//! BTC leaves the vault for a burn that nothing anchors yet). Payouts go in withdrawal-id order.
//!
//! A payout spends vault coins (largest first), pays the withdrawal's P2PKH script its amount
//! minus the Bitcoin fee (the withdrawer bears it, and the change is never dust, so the vault's
//! outflow is exactly the amount burned), marks itself with `OP_RETURN "HWD" <id>`, and returns the change to the vault. It is
//! watched until it has [`PAYOUT_FINAL_DEPTH`] confirmations; one that is neither pending nor
//! confirmed (a reorg made an input vanish) is paid again while its burn is on the chain. A
//! withdrawal not paid within the grace period (Hemi: 12 h) is reported overdue, once.
//!
//! A withdrawal is paid once, whatever the L2 chain does to its burn: an unsafe reorg can take
//! the burn away and a later block include the same transaction again, under the same id, with
//! the same [`Claim`], as often as the sequencer's chain is replaced, and long after the payout
//! is final (swarm worlds 1006 and 1159 paid such a withdrawal a second time once its first
//! payout had been retired). Another withdrawal under a paid id is owed anew.

use super::deposit::payout_marker;
use super::{Claim, Withdrawal};
use crate::btc::node::BitcoinNode;
use crate::btc::params::{DUST_LIMIT, MIN_RELAY_FEE_RATE};
use crate::btc::sealed::SealedTx;
use crate::btc::wallet::{Wallet, fee_for};
use crate::events::{Action, Message, Observation};
use crate::l2::block::L2Block;
use crate::pop::finality::FinalityTracker;
use crate::pop::maker::MadeKeystone;
use crate::time::{SimDuration, SimTime};
use crate::units::{BtcHeight, L2Number};
use bitcoin::{Amount, TxOut, Txid};
use std::collections::{BTreeMap, BTreeSet};

/// Confirmations after which a payout is no longer watched.
pub const PAYOUT_FINAL_DEPTH: u32 = 6;

/// When the operator pays a withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutPolicy {
    /// Once the burning L2 block is superfinal.
    Superfinal,
    /// As soon as the burn is seen (unsafe: for comparison).
    Immediate,
}

#[derive(Debug, Clone)]
pub struct OperatorConfig {
    pub policy: PayoutPolicy,
    pub grace: SimDuration,
    pub fee_target_blocks: u32,
    pub block_weight: u64,
}

/// A withdrawal: its id and what its payout moves to whom.
type Key = (u64, Claim);

fn key(w: &Withdrawal) -> Key {
    (w.id, w.claim())
}

#[derive(Debug, Clone)]
struct Owed {
    withdrawal: Withdrawal,
    /// The block that burned it, the latest when it was burned again.
    l2_number: L2Number,
    /// Whether that block is on the followed chain (an unsafe reorg can take it away).
    burned: bool,
    burned_at: SimTime,
    payout: Option<(Txid, BtcHeight)>,
    overdue_reported: bool,
}

#[derive(Debug)]
pub struct Operator {
    pub vault: Wallet,
    config: OperatorConfig,
    finality: FinalityTracker,
    /// Withdrawals to pay, or whose payout is watched, in id order.
    owed: BTreeMap<Key, Owed>,
    /// Withdrawals whose payout is final: never paid again.
    paid: BTreeSet<Key>,
}

impl Operator {
    pub fn new(vault: Wallet, config: OperatorConfig, finality: FinalityTracker) -> Self {
        Operator { vault, config, finality, owed: BTreeMap::new(), paid: BTreeSet::new() }
    }

    pub fn on_l2_block(&mut self, now: SimTime, block: &L2Block, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        for w in &block.tunnel.withdrawals {
            // The same withdrawal burned again after a reorg is the one owed or paid already.
            if self.paid.contains(&key(w)) {
                continue;
            }
            let owed = self.owed.entry(key(w)).or_insert(Owed {
                withdrawal: *w,
                l2_number: block.header.number,
                burned: true,
                burned_at: now,
                payout: None,
                overdue_reported: false,
            });
            owed.l2_number = block.header.number;
            owed.burned = true;
        }
        self.settle(now, node, out);
    }

    /// A block of the sequencer's chain was taken back (an unsafe reorg): the withdrawals it
    /// burned and that are not paid yet are no longer owed (the burns return with the
    /// transactions, in a later block, under the ids that block gives them). One already paid
    /// stays, unburned, while its payout is watched: the vault's coins are gone, which the
    /// auditor reports as a lost payout unless the same withdrawal is burned again.
    pub fn revert_l2_block(&mut self, block: &L2Block) {
        for w in &block.tunnel.withdrawals {
            let Some(owed) = self.owed.get_mut(&key(w)) else { continue };
            if owed.l2_number != block.header.number {
                continue;
            }
            if owed.payout.is_none() {
                self.owed.remove(&key(w));
            } else {
                owed.burned = false;
            }
        }
    }

    pub fn on_keystone(&mut self, now: SimTime, made: &MadeKeystone, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        // The observer records finality; the operator only needs the frontier.
        let _ = self.finality.on_keystone(made, node);
        self.settle(now, node, out);
    }

    pub fn on_bitcoin_change(&mut self, now: SimTime, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let _ = self.finality.on_bitcoin_change(node);
        self.settle(now, node, out);
    }

    /// Retires final payouts, re-pays vanished ones whose burn is on the chain (forgets those
    /// whose burn is not: nothing is owed for them), pays what the policy allows, reports what is
    /// overdue.
    fn settle(&mut self, now: SimTime, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        self.vault.apply(&node.take_coin_deltas());
        let frontier = self.finality.superfinal_through();
        let keys: Vec<Key> = self.owed.keys().copied().collect();
        for key in keys {
            let owed = self.owed.get_mut(&key).expect("listed above");
            let id = key.0;
            if let Some((txid, sent_height)) = owed.payout {
                let from = sent_height.down(PAYOUT_FINAL_DEPTH).unwrap_or(BtcHeight::ZERO);
                match node.find_active_tx(&txid, from) {
                    Some(h) if node.tip_height().next().blocks_above(h) >= PAYOUT_FINAL_DEPTH => {
                        self.owed.remove(&key);
                        self.paid.insert(key);
                        continue;
                    }
                    Some(_) => continue,
                    None if node.mempool().contains(&txid) => continue,
                    None if !owed.burned => {
                        self.owed.remove(&key);
                        continue;
                    }
                    None => owed.payout = None,
                }
            }
            let superfinal = owed.l2_number <= frontier;
            let payable = superfinal || self.config.policy == PayoutPolicy::Immediate;
            if payable && let Some(sent) = pay(&mut self.vault, &self.config, owed, superfinal, node, out) {
                owed.payout = Some(sent);
                continue;
            }
            if owed.payout.is_none() && !owed.overdue_reported && now.since(owed.burned_at) > self.config.grace {
                owed.overdue_reported = true;
                out.push(Action::Observe(Observation::WithdrawalOverdue {
                    id,
                    l2_number: owed.l2_number,
                    age_s: now.since(owed.burned_at).as_us() / 1_000_000,
                }));
            }
        }
    }
}

/// Builds and broadcasts the payout of `owed`; `None` if the vault cannot pay it yet.
fn pay(
    vault: &mut Wallet,
    config: &OperatorConfig,
    owed: &Owed,
    superfinal: bool,
    node: &mut BitcoinNode,
    out: &mut Vec<Action>,
) -> Option<(Txid, BtcHeight)> {
    let w = owed.withdrawal;
    let amount = w.amount;
    // Always leave change of at least dust, so the vault's outflow is exactly the amount.
    let coins = vault.take_coins(amount + DUST_LIMIT).ok()?;
    let fee_rate = node.estimate_fee_rate(config.fee_target_blocks, config.block_weight).max(MIN_RELAY_FEE_RATE);
    let inputs: Amount = coins.iter().map(|c| c.1).sum();
    let outputs = vec![
        TxOut { value: amount, script_pubkey: w.payout_script() },
        TxOut { value: Amount::ZERO, script_pubkey: payout_marker(w.id) },
        TxOut { value: inputs - amount, script_pubkey: vault.script().clone() },
    ];
    let mut tx = vault.spend_tx(&coins, outputs);
    let fee = fee_for(&tx, fee_rate);
    if amount < fee + DUST_LIMIT {
        release(vault, &coins);
        return None; // cannot happen above the deposit minimum; never pay dust
    }
    tx.output[0].value = amount - fee;
    let sealed = SealedTx::seal(tx);
    let txid = sealed.txid();
    if node.receive_tx(sealed.clone()).is_err() {
        release(vault, &coins);
        return None;
    }
    out.push(Action::Observe(Observation::PayoutSent {
        id: w.id,
        l2_number: owed.l2_number,
        txid,
        amount: w.amount,
        fee,
        superfinal,
    }));
    out.push(Action::Broadcast(Message::Tx(sealed)));
    Some((txid, node.tip_height()))
}

fn release(vault: &mut Wallet, coins: &[(bitcoin::OutPoint, Amount)]) {
    for coin in coins {
        vault.release(*coin);
    }
}
