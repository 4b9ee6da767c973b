//! The rewrite attacker's Bitcoin side (`[attack] kind = "rewrite"`): a colluding PoP miner that
//! publishes the keystones of the history the sequencer rewrote, and optionally a share of
//! Bitcoin hash rate that mines them on a private branch below the honest publications.
//!
//! It hears every keystone (the `Keystones` audience): the first one at each L2 number is the
//! honest history's; a different one at a number it already has is the rewritten history's (the
//! sequencer announces them at its switch). Then:
//! - without hash rate it sends the rewritten keystones' PoP transactions in public, at once;
//! - with hash rate it waits until the honest fork's earliest publication (of a keystone at a
//!   rewritten number) is `publication_depth` blocks deep (the including block counts), then
//!   mines a private branch on the block below it, whose first block carries the rewritten
//!   keystones' PoP transactions and no honest one; it publishes the branch as soon as it is
//!   strictly longer than the honest one since the fork (honest nodes only reorg to more work),
//!   and gives up once the honest chain leads it by `give_up_deficit` blocks. One race per run
//!   (docs/validation.md §9 is the race this plays).
//!
//! Outside its race it mines on the public tip like an honest miner.

use super::index::KeystoneIndex;
use super::maker::MadeKeystone;
use super::miner::{FundedPop, fund_pop_transaction};
use crate::btc::miner::Miner;
use crate::btc::node::BitcoinNode;
use crate::btc::params::{MIN_RELAY_FEE_RATE, SUBSIDY};
use crate::btc::sealed::{SealedBlock, SealedTx};
use crate::btc::wallet::Wallet;
use crate::events::{Action, Message, Observation, TrialEnd};
use crate::time::SimTime;
use crate::units::{BtcHeight, L2Number};
use bitcoin::{Amount, BlockHash, Transaction};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug)]
pub struct PopRewriter {
    pub wallet: Wallet,
    /// Its hash rate (`None`: `hashrate_share = 0`, no race).
    pub miner: Option<Miner>,
    publication_depth: u32,
    give_up_deficit: u32,
    index: KeystoneIndex,
    /// The first keystone heard at each L2 number (the honest history's).
    first: BTreeMap<L2Number, Arc<MadeKeystone>>,
    /// Keystones heard at a number that already had another one: the rewritten history's.
    rewritten: Vec<Arc<MadeKeystone>>,
    /// Rewritten keystones already sent in public (no hash rate).
    sent: usize,
    race: Race,
}

#[derive(Debug)]
enum Race {
    Waiting,
    Running { fork: BlockHash, fork_height: BtcHeight, private: Vec<Arc<SealedBlock>> },
    Over,
}

impl PopRewriter {
    pub fn new(
        wallet: Wallet,
        miner: Option<Miner>,
        publication_depth: u32,
        give_up_deficit: u32,
        btc_genesis: BlockHash,
    ) -> Self {
        PopRewriter {
            wallet,
            miner,
            publication_depth,
            give_up_deficit,
            index: KeystoneIndex::new(btc_genesis),
            first: BTreeMap::new(),
            rewritten: Vec::new(),
            sent: 0,
            race: Race::Waiting,
        }
    }

    /// A keystone notice: the honest history's (first at its number) or the rewritten one's.
    pub fn on_keystone(&mut self, made: &Arc<MadeKeystone>, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let number = made.l2_number();
        match self.first.get(&number) {
            None => {
                self.first.insert(number, made.clone());
            }
            Some(honest) if honest.hash != made.hash && !self.rewritten.iter().any(|k| k.hash == made.hash) => {
                self.rewritten.push(made.clone());
            }
            Some(_) => return,
        }
        self.advance(node, out);
    }

    /// Its hash rate found a block: on the private branch during its race, else on the tip.
    pub fn on_mine(&mut self, node: &mut BitcoinNode, now: SimTime, out: &mut Vec<Action>) {
        let (parent, fork_height, built) = match &self.race {
            Race::Running { fork, fork_height, private } => {
                (private.last().map_or(*fork, |b| b.block_hash()), *fork_height, private.len() as u32)
            }
            _ => {
                let Some(miner) = self.miner.as_mut() else { return };
                let (block, fees) = miner.mine_on_tip(node, now);
                crate::peer::publish_own(node, block, fees, out);
                return;
            }
        };
        let height = fork_height.up(built + 1);
        // The first block carries the rewritten keystones (the lock time is the fork's height).
        let txs = if built == 0 { self.pop_txs(fork_height, out) } else { Vec::new() };
        let fees = txs.iter().map(|(_, fee)| *fee).sum::<Amount>();
        let txs: Vec<Transaction> = txs.into_iter().map(|(tx, _)| tx).collect();
        let Some(miner) = self.miner.as_mut() else { return };
        let block = miner.mine_on(parent, height, now, SUBSIDY + fees, txs);
        out.push(Action::Observe(crate::peer::found(&block, height, fees, true)));
        if let Race::Running { private, .. } = &mut self.race {
            private.push(block);
        }
        self.advance(node, out);
    }

    /// The public chain moved.
    pub fn on_public_change(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        self.advance(node, out);
    }

    /// Publishes in public (no hash rate), starts the race when due, or ends it.
    fn advance(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        if self.miner.is_none() {
            self.send_in_public(node, out);
            return;
        }
        match &self.race {
            Race::Waiting => self.start_when_due(node, out),
            Race::Running { .. } => self.publish_or_give_up(node, out),
            Race::Over => {}
        }
    }

    /// The lowest first publication of an honest keystone at a rewritten number, once it is
    /// `publication_depth` deep: the race starts on the block below it.
    fn start_when_due(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        if self.rewritten.is_empty() {
            return;
        }
        self.index.sync(node);
        let honest = self.rewritten.iter().filter_map(|k| self.first.get(&k.l2_number()));
        let Some(published) = honest.filter_map(|k| self.index.first_publication(&k.hash)).map(|p| p.height).min()
        else {
            return;
        };
        let depth = node.tip_height().next().blocks_above(published);
        if depth < self.publication_depth || published.0 == 0 {
            return;
        }
        let fork_height = BtcHeight(published.0 - 1);
        let Some(fork) = node.active_at(fork_height) else { return };
        out.push(Action::Observe(Observation::RewriteRaceStarted {
            fork_height,
            published_height: published,
            depth,
            keystones: self.rewritten.len() as u32,
        }));
        self.race = Race::Running { fork, fork_height, private: Vec::new() };
    }

    fn publish_or_give_up(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let Race::Running { fork_height, private, .. } = &self.race else { return };
        let honest = node.tip_height().blocks_above(*fork_height);
        let mine = private.len() as u32;
        let how = if mine > honest {
            TrialEnd::Published
        } else if honest >= mine + self.give_up_deficit {
            TrialEnd::GaveUp
        } else {
            return;
        };
        let Race::Running { private, .. } = std::mem::replace(&mut self.race, Race::Over) else { return };
        if how == TrialEnd::Published {
            out.push(Action::Observe(Observation::Published {
                blocks: mine,
                lead: i64::from(mine) - i64::from(honest),
            }));
            for block in private {
                crate::peer::relay_own(node, block, out);
            }
        }
        out.push(Action::Observe(Observation::RewriteRaceEnded { how, private_blocks: mine, honest_blocks: honest }));
    }

    /// Without hash rate: each rewritten keystone's PoP transaction, broadcast as it comes.
    fn send_in_public(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        if self.sent == self.rewritten.len() {
            return;
        }
        let fee_rate = node.estimate_fee_rate(1, node.params().max_block_weight).max(MIN_RELAY_FEE_RATE);
        let mut sent = 0;
        for made in &self.rewritten[self.sent..] {
            let funded = fund_pop_transaction(made, &mut self.wallet, fee_rate, node.tip_height(), |fee| fee * 2);
            let Ok(FundedPop { tx, coin, .. }) = funded else { break };
            let tx = SealedTx::seal(tx);
            if node.receive_tx(tx.clone()).is_err() {
                self.wallet.release(coin);
                break;
            }
            out.push(Action::Broadcast(Message::Tx(tx)));
            sent += 1;
        }
        self.sent += sent;
        if sent > 0 {
            out.push(Action::Observe(Observation::RewriteKeystonesSent { keystones: sent as u32 }));
        }
    }

    /// The rewritten keystones' PoP transactions for the private branch's first block, with
    /// their fees.
    fn pop_txs(&mut self, fork_height: BtcHeight, out: &mut Vec<Action>) -> Vec<(Transaction, Amount)> {
        let mut txs = Vec::new();
        for made in &self.rewritten {
            let funded = fund_pop_transaction(made, &mut self.wallet, MIN_RELAY_FEE_RATE, fork_height, |fee| fee * 2);
            let Ok(FundedPop { tx, fee, .. }) = funded else {
                out.push(Action::Observe(Observation::WalletEmpty { wallet: self.wallet.name().to_owned() }));
                break;
            };
            txs.push((tx, fee));
        }
        txs
    }
}
