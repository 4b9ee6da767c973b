//! The private-branch double-spend attacker (Nakamoto 2008 §11, Rosenfeld 2014).
//!
//! A race: the attacker broadcasts a payment to the merchant and, from the current tip, mines in
//! private a branch whose first block holds a conflicting spend of the same coin back to itself.
//! The merchant accepts once the payment has `confirmations` blocks (the including block counts
//! as 1). The attacker publishes its branch as soon as the merchant has accepted *and* the branch
//! is strictly longer than the honest one since the fork (honest nodes only reorg to more work),
//! and gives up once the merchant has accepted and the honest branch leads by
//! `give_up_deficit_blocks`. Then the next race starts at once from its node's tip.
//!
//! Whether a race succeeded is not decided here: the harness checks at the end of the run whether
//! the conflicting spend is on the final main chain (the payment was reversed).

use super::miner::Miner;
use super::node::BitcoinNode;
use super::params::SUBSIDY;
use super::script::p2pkh_for;
use super::sealed::{SealedBlock, SealedTx};
use super::wallet::Wallet;
use crate::events::{Action, Message, Observation, TrialEnd};
use crate::time::SimTime;
use crate::units::BtcHeight;
use bitcoin::{Amount, BlockHash, Transaction, TxOut, Txid};
use std::sync::Arc;

/// What the attacker pays the merchant in each race.
pub const PAYMENT: Amount = Amount::from_sat(1_000_000);

#[derive(Debug)]
pub struct DoubleSpender {
    pub miner: Miner,
    pub wallet: Wallet,
    confirmations: u32,
    give_up_deficit_blocks: u32,
    /// What each race's payment pays: the merchant, or a deposit to the tunnel's vault.
    payment_outputs: Vec<TxOut>,
    race: Option<Race>,
    out_of_funds: bool,
}

#[derive(Debug)]
struct Race {
    fork: BlockHash,
    fork_height: BtcHeight,
    payment: Txid,
    conflict: Transaction,
    conflict_fee: Amount,
    private: Vec<Arc<SealedBlock>>,
    /// Height and hash of the active block holding the payment, when there is one.
    payment_block: Option<(BtcHeight, BlockHash)>,
}

impl DoubleSpender {
    /// An attacker paying the merchant [`PAYMENT`].
    pub fn new(miner: Miner, wallet: Wallet, confirmations: u32, give_up_deficit_blocks: u32) -> Self {
        let to_merchant = TxOut { value: PAYMENT, script_pubkey: p2pkh_for("merchant") };
        DoubleSpender::paying(miner, wallet, confirmations, give_up_deficit_blocks, vec![to_merchant])
    }

    /// An attacker whose payments are `payment_outputs` (worth at most [`PAYMENT`] in total):
    /// a tunnel deposit, whose "acceptance" is the mint.
    pub fn paying(
        miner: Miner,
        wallet: Wallet,
        confirmations: u32,
        give_up_deficit_blocks: u32,
        payment_outputs: Vec<TxOut>,
    ) -> Self {
        DoubleSpender {
            miner,
            wallet,
            confirmations,
            give_up_deficit_blocks,
            payment_outputs,
            race: None,
            out_of_funds: false,
        }
    }

    /// Starts a race from the node's tip, if the wallet can pay.
    pub fn start_race(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        // The wallet must see the chain as it is now: a race often starts right after a reorg
        // that unwound coins it was about to spend.
        self.wallet.apply(&node.take_coin_deltas());
        let fee_rate = node.estimate_fee_rate(1, node.params().max_block_weight);
        let Ok(coin) = self.wallet.take_coin(PAYMENT * 2) else {
            if !self.out_of_funds {
                self.out_of_funds = true;
                out.push(Action::Observe(Observation::WalletEmpty { wallet: self.wallet.name().to_owned() }));
            }
            return;
        };
        self.out_of_funds = false;
        let payment = self.wallet.spend_coin(coin, self.payment_outputs.clone(), fee_rate);
        let conflict = self.wallet.spend_coin(coin, vec![], fee_rate);
        let race = Race {
            fork: node.tip(),
            fork_height: node.tip_height(),
            payment: payment.compute_txid(),
            conflict_fee: coin.1 - conflict.output.iter().map(|o| o.value).sum::<Amount>(),
            conflict,
            private: Vec::new(),
            payment_block: None,
        };
        out.push(Action::Observe(Observation::TrialStarted {
            payment_txid: race.payment,
            conflict_txid: race.conflict.compute_txid(),
        }));
        let payment = SealedTx::seal(payment);
        if let Err(reason) = node.receive_tx(payment.clone()) {
            // Cannot happen with a synced wallet; if it does, the race would wait forever.
            out.push(Action::Observe(Observation::TrialEnded {
                how: TrialEnd::Aborted,
                private_blocks: 0,
                honest_blocks: 0,
            }));
            debug_assert!(false, "attacker's own payment refused: {reason}");
            return;
        }
        out.push(Action::Broadcast(Message::Tx(payment)));
        self.race = Some(race);
    }

    /// The attacker's hash power found a block: on the private branch during a race, else on the
    /// public tip like an honest miner.
    pub fn on_mine(&mut self, node: &mut BitcoinNode, now: SimTime, out: &mut Vec<Action>) {
        let Some(race) = self.race.as_mut() else {
            let (block, fees) = self.miner.mine_on_tip(node, now);
            crate::peer::publish_own(node, block, fees, out);
            return;
        };
        let (parent, txs, reward) = match race.private.last() {
            None => (race.fork, vec![race.conflict.clone()], SUBSIDY + race.conflict_fee),
            Some(last) => (last.block_hash(), vec![], SUBSIDY),
        };
        let height = race.fork_height.up(race.private.len() as u32 + 1);
        let block = self.miner.mine_on(parent, height, now, reward, txs);
        let fees = reward - SUBSIDY;
        out.push(Action::Observe(crate::peer::found(&block, height, fees, true)));
        race.private.push(block);
        self.advance(node, out);
    }

    /// The public chain moved.
    pub fn on_public_change(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        if self.race.is_none() {
            self.start_race(node, out);
        }
        self.advance(node, out);
    }

    /// Publishes or gives up when the race calls for it.
    fn advance(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let Some(race) = self.race.as_mut() else { return };
        if race.payment_block.is_none_or(|(h, hash)| node.active_at(h) != Some(hash)) {
            race.payment_block = node
                .find_active_tx(&race.payment, race.fork_height.next())
                .and_then(|h| node.active_at(h).map(|hash| (h, hash)));
        }
        let stalled = node.tip_height() > race.fork_height.up(self.confirmations + self.give_up_deficit_blocks);
        if race.payment_block.is_none() && (stalled || !node.mempool().contains(&race.payment)) {
            // The payment is neither confirmed nor pending (a reorg made it invalid), or the honest
            // chain went on without it for longer than any race lasts: this is no race.
            let private_blocks = race.private.len() as u32;
            self.race = None;
            out.push(Action::Observe(Observation::TrialEnded {
                how: TrialEnd::Aborted,
                private_blocks,
                honest_blocks: 0,
            }));
            self.start_race(node, out);
            return;
        }
        let accepted =
            race.payment_block.is_some_and(|(h, _)| node.tip_height().next().blocks_above(h) >= self.confirmations);
        if !accepted {
            return;
        }
        let honest = node.tip_height().blocks_above(race.fork_height);
        let private = race.private.len() as u32;
        let end = if private > honest {
            TrialEnd::Published
        } else if honest >= private + self.give_up_deficit_blocks {
            TrialEnd::GaveUp
        } else {
            return;
        };
        let race = self.race.take().expect("checked above");
        if end == TrialEnd::Published {
            out.push(Action::Observe(Observation::Published { blocks: private, lead: private as i64 - honest as i64 }));
            for block in race.private {
                crate::peer::relay_own(node, block, out);
            }
        }
        out.push(Action::Observe(Observation::TrialEnded { how: end, private_blocks: private, honest_blocks: honest }));
        self.start_race(node, out);
    }
}
