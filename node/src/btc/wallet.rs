//! A simple single-script wallet: it tracks its confirmed coins through its node's UTXO set and
//! builds P2PKH spends with placeholder signatures (see [`super::script`]).
//!
//! Coins it has spent in a transaction that is not yet confirmed are *pending* and never spent
//! twice by accident; a double spend is only ever built on purpose ([`Wallet::spend_coin`]).

use super::params::DUST_LIMIT;
use super::script::{p2pkh_for, placeholder_script_sig};
use super::utxo::CoinDelta;
use crate::units::FeeRate;
use bitcoin::absolute::LockTime;
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WalletError {
    #[error("wallet {wallet} has no confirmed coin of at least {needed}")]
    InsufficientFunds { wallet: String, needed: Amount },
}

#[derive(Debug, Clone)]
pub struct Wallet {
    name: String,
    script: ScriptBuf,
    available: BTreeMap<OutPoint, Amount>,
    pending: BTreeSet<OutPoint>,
}

impl Wallet {
    pub fn new(name: &str) -> Self {
        Wallet { name: name.to_owned(), script: p2pkh_for(name), available: BTreeMap::new(), pending: BTreeSet::new() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn script(&self) -> &ScriptBuf {
        &self.script
    }

    /// Confirmed coins not spent by a pending transaction.
    pub fn balance(&self) -> Amount {
        self.available.values().copied().sum()
    }

    pub fn available_coins(&self) -> usize {
        self.available.len()
    }

    /// Follows the node's UTXO set: a coin of ours that appears is spendable unless we already
    /// spent it (a reorg can bring back a coin whose spend returned to the mempool); one that
    /// leaves is gone for good.
    pub fn apply(&mut self, deltas: &[CoinDelta]) {
        for delta in deltas {
            match delta {
                CoinDelta::Added { outpoint, output }
                    if output.script_pubkey == self.script && !self.pending.contains(outpoint) =>
                {
                    self.available.insert(*outpoint, output.value);
                }
                CoinDelta::Removed { outpoint, output } if output.script_pubkey == self.script => {
                    self.available.remove(outpoint);
                    self.pending.remove(outpoint);
                }
                _ => {}
            }
        }
    }

    /// Takes the first confirmed coin worth at least `needed`, marking it pending.
    pub fn take_coin(&mut self, needed: Amount) -> Result<(OutPoint, Amount), WalletError> {
        let found = self.available.iter().find(|(_, v)| **v >= needed).map(|(o, v)| (*o, *v));
        let (outpoint, value) =
            found.ok_or_else(|| WalletError::InsufficientFunds { wallet: self.name.clone(), needed })?;
        self.available.remove(&outpoint);
        self.pending.insert(outpoint);
        Ok((outpoint, value))
    }

    /// Takes confirmed coins, largest first, until they are worth at least `needed`, marking
    /// them pending (for payments larger than any one coin: deposits, payouts).
    pub fn take_coins(&mut self, needed: Amount) -> Result<Vec<(OutPoint, Amount)>, WalletError> {
        let mut by_value: Vec<(OutPoint, Amount)> = self.available.iter().map(|(o, v)| (*o, *v)).collect();
        by_value.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut taken = Vec::new();
        let mut total = Amount::ZERO;
        for coin in by_value {
            if total >= needed {
                break;
            }
            total += coin.1;
            taken.push(coin);
        }
        if total < needed {
            return Err(WalletError::InsufficientFunds { wallet: self.name.clone(), needed });
        }
        for (outpoint, _) in &taken {
            self.available.remove(outpoint);
            self.pending.insert(*outpoint);
        }
        Ok(taken)
    }

    /// An unsigned-but-sized transaction spending `coins` into `outputs` (placeholder
    /// signatures of real size, version 2, no lock time).
    pub fn spend_tx(&self, coins: &[(OutPoint, Amount)], outputs: Vec<TxOut>) -> Transaction {
        let input = coins
            .iter()
            .map(|(outpoint, _)| TxIn {
                previous_output: *outpoint,
                script_sig: placeholder_script_sig(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            })
            .collect();
        Transaction { version: Version::TWO, lock_time: LockTime::ZERO, input, output: outputs }
    }

    /// Gives back a coin taken for a transaction that was never sent (its node refused it).
    pub fn release(&mut self, coin: (OutPoint, Amount)) {
        if self.pending.remove(&coin.0) {
            self.available.insert(coin.0, coin.1);
        }
    }

    /// Spends one coin into `payments`, returning the change to ourselves when it is above dust,
    /// paying `fee_rate` on the signed size. Used directly to build double spends.
    pub fn spend_coin(&self, coin: (OutPoint, Amount), payments: Vec<TxOut>, fee_rate: FeeRate) -> Transaction {
        let mut tx = Transaction {
            version: Version::TWO,
            lock_time: LockTime::ZERO,
            input: vec![TxIn {
                previous_output: coin.0,
                script_sig: placeholder_script_sig(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: payments,
        };
        let paid: Amount = tx.output.iter().map(|o| o.value).sum();
        tx.output.push(TxOut { value: Amount::ZERO, script_pubkey: self.script.clone() });
        let fee = fee_for(&tx, fee_rate);
        let change = coin.1.checked_sub(paid + fee).unwrap_or(Amount::ZERO);
        if change >= DUST_LIMIT {
            tx.output.last_mut().expect("change output was just pushed").value = change;
        } else {
            tx.output.pop();
        }
        tx
    }

    /// Splits one of our coins into two of our own outputs: the background load, which keeps
    /// recycling its coins while paying real fees for block space.
    pub fn self_split(&mut self, fee_rate: FeeRate) -> Result<Transaction, WalletError> {
        let needed = DUST_LIMIT * 3 + fee_rate.fee_for_vsize(300);
        let coin = self.take_coin(needed)?;
        let half = Amount::from_sat(coin.1.to_sat() / 2);
        let to_self = TxOut { value: half, script_pubkey: self.script.clone() };
        Ok(self.spend_coin(coin, vec![to_self], fee_rate))
    }
}

/// Fee for `tx` at a fee rate, rounded up to a whole satoshi.
pub fn fee_for(tx: &Transaction, fee_rate: FeeRate) -> Amount {
    fee_rate.fee_for_vsize(tx.vsize() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;

    fn funded(name: &str, sats: u64) -> Wallet {
        let mut w = Wallet::new(name);
        let outpoint = OutPoint { txid: bitcoin::Txid::all_zeros(), vout: 0 };
        let output = TxOut { value: Amount::from_sat(sats), script_pubkey: w.script().clone() };
        w.apply(&[CoinDelta::Added { outpoint, output }]);
        w
    }

    #[test]
    fn split_pays_the_fee_rate_and_never_reuses_a_pending_coin() {
        let mut w = funded("w", 1_000_000);
        let tx = w.self_split(FeeRate::from_sat_per_vb(10.0)).expect("funded");
        let out: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
        let fee = 1_000_000 - out;
        assert_eq!(fee, (10.0 * tx.vsize() as f64).ceil() as u64);
        assert!((220..=240).contains(&tx.vsize()), "P2PKH 1-in 2-out is ~226 vB, got {}", tx.vsize());
        assert!(w.self_split(FeeRate::from_sat_per_vb(10.0)).is_err(), "the only coin is pending");
    }

    #[test]
    fn coins_of_other_scripts_are_ignored() {
        let mut w = funded("w", 5_000);
        let other = TxOut { value: Amount::from_sat(9_999), script_pubkey: p2pkh_for("someone-else") };
        w.apply(&[CoinDelta::Added { outpoint: OutPoint::null(), output: other }]);
        assert_eq!(w.balance(), Amount::from_sat(5_000));
    }
}
