//! A Proof-of-Proof miner, as Hemi's `popm` works.
//!
//! It hears of new keystones from the L2 node it watches (op-geth's "newKeystones" notice, here a
//! [`crate::events::Message::Keystone`]) and mines them at once; every `poll_interval` (Hemi: 13 s)
//! it also re-reads its latest `keystones_polled` keystones (Hemi: 12), in case a notice was
//! missed or a postponed keystone is due. Mining a keystone means: skip it if its own Bitcoin
//! node's keystone index already holds a publication (by anyone); otherwise ask the node for the
//! fee rate that confirms within `fee_target_blocks` (at least 1 sat/vB); above
//! `fee_cap`, postpone it by `fee_retry` (Hemi: 5 minutes); else build the PoP
//! transaction and broadcast it. Once broadcast, a keystone waits for its publication: there is
//! no fee bumping, as in Hemi.
//!
//! Keystones are tried oldest first, so the older ones, closer to expiring from the polled window,
//! get coins first. Keystones that fall out of the window are forgotten.

use super::index::KeystoneIndex;
use super::keystone::KeystoneHash;
use super::maker::MadeKeystone;
use crate::btc::node::BitcoinNode;
use crate::btc::params::{DUST_LIMIT, MIN_RELAY_FEE_RATE};
use crate::btc::script::placeholder_script_sig;
use crate::btc::sealed::SealedTx;
use crate::btc::wallet::{Wallet, WalletError, fee_for};
use crate::events::{Action, Message, Observation, Timer};
use crate::time::{SimDuration, SimTime};
use crate::units::{BtcHeight, FeeRate, L2Number};
use bitcoin::absolute::LockTime;
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A PoP miner's policy (Hemi's defaults in brackets).
#[derive(Debug, Clone, PartialEq)]
pub struct PopMinerConfig {
    /// Re-read keystones this often [13 s].
    pub poll_interval: SimDuration,
    /// How many of the latest keystones it considers (12).
    pub keystones_polled: usize,
    /// Confirmation target of the fee estimate [6 blocks].
    pub fee_target_blocks: u32,
    /// Highest fee rate it pays [100 sat/vB].
    pub fee_cap: FeeRate,
    /// Wait after an estimate over the cap [5 minutes].
    pub fee_retry: SimDuration,
    /// Block weight the fee estimate assumes (the chain's limit).
    pub block_weight: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// To be mined, not before `retry_at`.
    New { retry_at: SimTime },
    /// Its PoP transaction is out; wait for a publication.
    Broadcast,
    /// A publication is on the canonical chain (by anyone).
    Mined,
}

#[derive(Debug)]
struct Tracked {
    made: Arc<MadeKeystone>,
    state: State,
}

#[derive(Debug)]
pub struct PopMiner {
    pub wallet: Wallet,
    config: PopMinerConfig,
    /// Known keystones by L2 number: at most `keystones_polled`, the latest.
    keystones: BTreeMap<L2Number, Tracked>,
    index: KeystoneIndex,
    /// When the first poll comes: miners do not poll in step.
    first_poll: SimDuration,
    /// PoP transactions broadcast.
    pub sent: u64,
}

impl PopMiner {
    /// `first_poll` is this miner's phase within the poll interval (the harness draws it).
    pub fn new(
        wallet: Wallet,
        config: PopMinerConfig,
        btc_genesis: bitcoin::BlockHash,
        first_poll: SimDuration,
    ) -> Self {
        PopMiner {
            wallet,
            config,
            keystones: BTreeMap::new(),
            index: KeystoneIndex::new(btc_genesis),
            first_poll,
            sent: 0,
        }
    }

    pub fn first_poll_delay(&self) -> SimDuration {
        self.first_poll
    }

    /// A keystone notice: remember it (if it is among the latest) and mine at once.
    pub fn on_keystone(
        &mut self,
        now: SimTime,
        made: Arc<MadeKeystone>,
        node: &mut BitcoinNode,
        out: &mut Vec<Action>,
    ) {
        let number = made.l2_number();
        self.keystones.entry(number).or_insert(Tracked { made, state: State::New { retry_at: now } });
        while self.keystones.len() > self.config.keystones_polled {
            self.keystones.pop_first();
        }
        self.mine(now, node, out);
    }

    /// The poll timer: mine what is due, and poll again later.
    pub fn on_poll(&mut self, now: SimTime, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        self.mine(now, node, out);
        out.push(Action::Schedule { after: self.config.poll_interval, timer: Timer::PopPoll });
    }

    fn mine(&mut self, now: SimTime, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        self.index.sync(node);
        let due: Vec<L2Number> = self
            .keystones
            .iter_mut()
            .filter_map(|(&number, tracked)| {
                if self.index.contains(&tracked.made.hash) {
                    tracked.state = State::Mined;
                }
                matches!(tracked.state, State::New { retry_at } if retry_at <= now).then_some(number)
            })
            .collect();
        for number in due {
            let made = self.keystones[&number].made.clone();
            if let Some(state) = self.publish(now, &made, node, out) {
                self.keystones.get_mut(&number).expect("taken from the map").state = state;
            }
        }
    }

    /// Tries to publish one keystone; returns its new state (`None`: unchanged).
    fn publish(
        &mut self,
        now: SimTime,
        made: &MadeKeystone,
        node: &mut BitcoinNode,
        out: &mut Vec<Action>,
    ) -> Option<State> {
        let l2_number = made.l2_number();
        let estimate =
            node.estimate_fee_rate(self.config.fee_target_blocks, self.config.block_weight).max(MIN_RELAY_FEE_RATE);
        if estimate > self.config.fee_cap {
            out.push(Action::Observe(Observation::PopFeeOverCap { l2_number, estimate }));
            return Some(State::New { retry_at: now + self.config.fee_retry });
        }
        let funded = fund_pop_transaction(made, &mut self.wallet, estimate, node.tip_height(), |fee| fee + DUST_LIMIT);
        let Ok(FundedPop { tx, coin, fee }) = funded else {
            out.push(Action::Observe(Observation::PopWalletEmpty { l2_number }));
            return Some(State::New { retry_at: now + self.config.poll_interval });
        };
        let tx = SealedTx::seal(tx);
        if node.receive_tx(tx.clone()).is_err() {
            self.wallet.release(coin);
            return None;
        }
        self.sent += 1;
        out.push(Action::Observe(Observation::PopTxSent {
            keystone: made.hash,
            l2_number,
            txid: tx.txid(),
            fee,
            vsize: tx.vsize(),
            fee_rate: estimate,
        }));
        out.push(Action::Broadcast(Message::Tx(tx)));
        Some(State::Broadcast)
    }

    /// Whether this miner has a publication of `keystone` in its index (for tests and reports).
    pub fn sees_published(&self, keystone: &KeystoneHash) -> bool {
        self.index.contains(keystone)
    }
}

/// A PoP transaction funded from a wallet: the coin it spends (to release if the node refuses
/// the transaction) and the fee it pays.
#[derive(Debug)]
pub struct FundedPop {
    pub tx: Transaction,
    pub coin: (OutPoint, Amount),
    pub fee: Amount,
}

/// [`pop_transaction`] for `made` on a coin of `wallet` worth at least `needed(fee)`, where `fee`
/// is what the transaction pays at `fee_rate` with one input and a change output (Hemi sizes it
/// so before picking the coin).
pub fn fund_pop_transaction(
    made: &MadeKeystone,
    wallet: &mut Wallet,
    fee_rate: FeeRate,
    tip_height: BtcHeight,
    needed: impl FnOnce(Amount) -> Amount,
) -> Result<FundedPop, WalletError> {
    let sizing = pop_transaction(made, (OutPoint::null(), Amount::MAX_MONEY), wallet.script(), fee_rate, tip_height);
    let coin = wallet.take_coin(needed(fee_for(&sizing, fee_rate)))?;
    let tx = pop_transaction(made, coin, wallet.script(), fee_rate, tip_height);
    let fee = coin.1 - tx.output.iter().map(|o| o.value).sum::<Amount>();
    Ok(FundedPop { tx, coin, fee })
}

/// Hemi's PoP transaction (`PoPTransactionCreate`): version 2, lock time = the Bitcoin tip
/// height, one P2PKH input, the change back to the miner (dropped if dust), then the OP_RETURN
/// carrying `HEMI` + the 76-byte keystone. The fee is `fee_rate` on the signed size (the inputs
/// carry a signature-sized placeholder).
pub fn pop_transaction(
    made: &MadeKeystone,
    coin: (OutPoint, Amount),
    change_script: &ScriptBuf,
    fee_rate: FeeRate,
    tip_height: BtcHeight,
) -> Transaction {
    let op_return = TxOut { value: Amount::ZERO, script_pubkey: made.keystone.abbreviate().pop_script() };
    let change = TxOut { value: Amount::ZERO, script_pubkey: change_script.clone() };
    let mut tx = Transaction {
        version: Version::TWO,
        lock_time: LockTime::from_height(tip_height.0).unwrap_or(LockTime::ZERO),
        input: vec![TxIn {
            previous_output: coin.0,
            script_sig: placeholder_script_sig(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![change, op_return],
    };
    let fee = fee_for(&tx, fee_rate);
    match coin.1.checked_sub(fee) {
        Some(change) if change >= DUST_LIMIT => tx.output[0].value = change,
        _ => {
            tx.output.remove(0);
        }
    }
    tx
}
