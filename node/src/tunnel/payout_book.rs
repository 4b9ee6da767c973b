//! The payout side of the tunnel auditor's books ([`super::audit`]): the burns of the L2 chain
//! the auditor follows, the payouts on the observer's Bitcoin chain, and how they match.
//!
//! A payout (`OP_RETURN "HWD" <id>`) *settles* the burn of its id on the followed chain when it
//! moves exactly the amount burned to the burn's payee. One that no burn of the chain explains
//! but a burn of the same id that an L2 reorg took away does (same amount, same payee) is
//! *lost*: the vault paid a withdrawal the L2 no longer has. If that withdrawal is burned again
//! (the reorged transaction included again under the same id), the payout settles it again. A
//! payout nothing ever burned explains, or a second one of the same burn, is a broken book.
//! Each id is judged again whenever its burn or its payouts change, so the work is the size of
//! the change.

use super::vault_index::Outflow;
use super::{Claim, Withdrawal};
use crate::events::Observation;
use crate::units::{Amount, L2Number};
use bitcoin::Txid;
use std::collections::BTreeMap;

/// A payout on the chain: what left the vault, and whom its first output pays.
#[derive(Debug, Clone, Copy)]
struct Paid {
    net: u64,
    payee: Option<[u8; 20]>,
}

impl Paid {
    fn settles(&self, claim: &Claim) -> bool {
        self.net == claim.amount.to_sat() && self.payee == Some(claim.payee)
    }
}

/// How the payouts of one withdrawal id stand.
#[derive(Debug, Default)]
struct Standing {
    /// The payout settling the id's burn on the followed chain, and the amount burned.
    settles: Option<(Txid, u64)>,
    /// Lost payouts: amount, and the block that burned what they paid (on the chain it left).
    lost: BTreeMap<Txid, (u64, L2Number)>,
}

/// A payout whose burn an L2 reorg took away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LostPayout {
    pub id: u64,
    pub txid: Txid,
    pub amount: Amount,
    /// The L2 block that burned what it paid, on the chain that block left.
    pub l2_number: L2Number,
}

#[derive(Debug, Default)]
pub struct PayoutBook {
    /// Burns on the followed chain by id, with the block that burned each.
    burned: BTreeMap<u64, (Claim, L2Number)>,
    burned_sats: u64,
    /// Every burn a followed chain ever had under each id, with its latest block.
    ever: BTreeMap<u64, BTreeMap<Claim, L2Number>>,
    /// Payouts on the observer's chain by id.
    payouts: BTreeMap<u64, BTreeMap<Txid, Paid>>,
    standing: BTreeMap<u64, Standing>,
    paid_sats: u64,
    lost_sats: u64,
    /// Payouts nothing explains, by id: reported with the next ledger if they still are.
    unexplained: BTreeMap<u64, BTreeMap<Txid, String>>,
}

impl PayoutBook {
    /// L2 block `number` burned `w`; false if its id is burned on the chain already.
    pub fn burn(&mut self, w: &Withdrawal, number: L2Number, out: &mut Vec<Observation>) -> bool {
        if self.burned.contains_key(&w.id) {
            return false;
        }
        let claim = w.claim();
        self.burned.insert(w.id, (claim, number));
        self.burned_sats += claim.amount.to_sat();
        self.ever.entry(w.id).or_default().insert(claim, number);
        self.resettle(w.id, out);
        true
    }

    /// L2 block `number`, which burned `w`, left the followed chain.
    pub fn unburn(&mut self, w: &Withdrawal, number: L2Number, out: &mut Vec<Observation>) {
        if self.burned.get(&w.id) != Some(&(w.claim(), number)) {
            return;
        }
        self.burned.remove(&w.id);
        self.burned_sats -= w.amount.to_sat();
        self.resettle(w.id, out);
    }

    /// A payout of withdrawal `id` joined the observer's chain ...
    pub fn pay(&mut self, id: u64, outflow: &Outflow, out: &mut Vec<Observation>) {
        let paid = Paid { net: outflow.net.to_sat(), payee: outflow.payee };
        self.payouts.entry(id).or_default().insert(outflow.txid, paid);
        self.resettle(id, out);
    }

    /// ... or left it.
    pub fn unpay(&mut self, id: u64, outflow: &Outflow, out: &mut Vec<Observation>) {
        let Some(payouts) = self.payouts.get_mut(&id) else { return };
        payouts.remove(&outflow.txid);
        if payouts.is_empty() {
            self.payouts.remove(&id);
        }
        self.resettle(id, out);
    }

    pub fn burned_sats(&self) -> u64 {
        self.burned_sats
    }

    /// Burned on the followed chain and not settled by a payout on the observer's chain.
    pub fn pending_sats(&self) -> u64 {
        self.burned_sats.saturating_sub(self.paid_sats)
    }

    pub fn lost_sats(&self) -> u64 {
        self.lost_sats
    }

    /// What is wrong with the payouts now (empty when every payout is explained).
    pub fn unexplained(&self) -> impl Iterator<Item = &String> {
        self.unexplained.values().flat_map(|m| m.values())
    }

    /// The payouts lost now, by id and txid.
    pub fn lost(&self) -> Vec<LostPayout> {
        let lost = self.standing.iter().flat_map(|(id, s)| s.lost.iter().map(move |(txid, l)| (*id, *txid, *l)));
        lost.map(|(id, txid, (amount, l2_number))| LostPayout { id, txid, amount: Amount::from_sat(amount), l2_number })
            .collect()
    }

    /// Judges the payouts of `id` again against its burn, and reports the payouts that became
    /// lost or stopped being lost.
    fn resettle(&mut self, id: u64, out: &mut Vec<Observation>) {
        let old = self.standing.remove(&id).unwrap_or_default();
        self.paid_sats -= old.settles.map_or(0, |(_, amount)| amount);
        self.lost_sats -= old.lost.values().map(|(amount, _)| amount).sum::<u64>();
        self.unexplained.remove(&id);
        let burn = self.burned.get(&id).map(|(claim, _)| *claim);
        let mut new = Standing::default();
        let mut unexplained = BTreeMap::new();
        for (txid, paid) in self.payouts.get(&id).into_iter().flatten() {
            if let Some(claim) = burn.filter(|claim| paid.settles(claim)) {
                match new.settles {
                    None => new.settles = Some((*txid, claim.amount.to_sat())),
                    Some((first, _)) => {
                        unexplained.insert(*txid, format!("withdrawal id {id} paid twice: {first} and {txid}"));
                    }
                }
            } else if let Some((_, at)) = self.ever.get(&id).and_then(|e| e.iter().find(|(o, _)| paid.settles(o))) {
                new.lost.insert(*txid, (paid.net, *at));
            } else {
                unexplained.insert(*txid, unexplained_payout(id, *txid, paid, burn));
            }
        }
        self.paid_sats += new.settles.map_or(0, |(_, amount)| amount);
        self.lost_sats += new.lost.values().map(|(amount, _)| amount).sum::<u64>();
        for (txid, (amount, l2_number)) in &new.lost {
            if !old.lost.contains_key(txid) {
                let amount = Amount::from_sat(*amount);
                out.push(Observation::PayoutLost { id, txid: *txid, amount, l2_number: *l2_number });
            }
        }
        for txid in old.lost.keys().filter(|txid| !new.lost.contains_key(*txid)) {
            out.push(Observation::PayoutRecovered { id, txid: *txid });
        }
        if !unexplained.is_empty() {
            self.unexplained.insert(id, unexplained);
        }
        if new.settles.is_some() || !new.lost.is_empty() {
            self.standing.insert(id, new);
        }
    }
}

fn unexplained_payout(id: u64, txid: Txid, paid: &Paid, burn: Option<Claim>) -> String {
    match burn {
        None => format!("payout {txid} for withdrawal id {id}, which no L2 block burned"),
        Some(claim) if claim.amount.to_sat() != paid.net => {
            format!(
                "payout {txid} moves {} sats for withdrawal id {id}, which burned {}",
                paid.net,
                claim.amount.to_sat()
            )
        }
        Some(_) => format!("payout {txid} for withdrawal id {id} pays another script than the burn's"),
    }
}
