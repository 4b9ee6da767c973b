//! A Bitcoin peer: a full node plus the role it plays, driven one input at a time.
//!
//! `Peer::handle(now, input) -> actions` is the whole interface: the harness delivers blocks,
//! transactions and timer firings; the peer updates its node, lets its role react, and returns
//! what to broadcast, which timers to arm and what to record. No I/O, no clock, no madsim.

use crate::btc::background::BackgroundLoad;
use crate::btc::double_spend::DoubleSpender;
use crate::events::{Action, Input, Message, Observation, Timer};
use crate::btc::miner::Miner;
use crate::btc::node::BitcoinNode;
use crate::btc::selfish::SelfishMiner;
use crate::btc::wallet::Wallet;
use crate::time::SimTime;
use crate::btc::sealed::SealedBlock;
use bitcoin::Amount;
use std::sync::Arc;

/// What a peer does besides validating and relaying. (Variants differ in size; there are a
/// handful of peers per run, so boxing would buy nothing.)
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Role {
    /// Mines on its best tip and publishes at once.
    Honest(Miner),
    /// Mines nothing; watches the chain (the run's reference view) and may carry the background load.
    Observer(Option<BackgroundLoad>),
    DoubleSpend(DoubleSpender),
    Selfish(SelfishMiner),
}

#[derive(Debug)]
pub struct Peer {
    pub name: String,
    pub node: BitcoinNode,
    pub role: Role,
}

impl Peer {
    pub fn new(name: &str, node: BitcoinNode, role: Role) -> Self {
        Peer { name: name.to_owned(), node, role }
    }

    /// Arms the first timers.
    pub fn start(&mut self) -> Vec<Action> {
        let mut out = Vec::new();
        self.feed_wallets();
        let first = match &mut self.role {
            Role::Honest(miner) => Some((miner.next_find_delay(), Timer::Mine)),
            Role::DoubleSpend(ds) => Some((ds.miner.next_find_delay(), Timer::Mine)),
            Role::Selfish(sm) => Some((sm.miner.next_find_delay(), Timer::Mine)),
            Role::Observer(Some(load)) => Some((load.next_delay(), Timer::Background)),
            Role::Observer(None) => None,
        };
        if let Some((after, timer)) = first {
            out.push(Action::Schedule { after, timer });
        }
        if let Role::DoubleSpend(ds) = &mut self.role {
            ds.start_race(&mut self.node, &mut out);
        }
        out
    }

    pub fn handle(&mut self, now: SimTime, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Deliver(Message::Block(block)) => {
                if accept(&mut self.node, block, &mut out) {
                    self.feed_wallets();
                    match &mut self.role {
                        Role::DoubleSpend(ds) => ds.on_public_change(&mut self.node, &mut out),
                        Role::Selfish(sm) => sm.on_public_change(&mut self.node, &mut out),
                        Role::Honest(_) | Role::Observer(_) => {}
                    }
                }
            }
            Input::Deliver(Message::Tx(tx)) => {
                // A rejected relay (conflict, already known) is normal gossip, not an event.
                let _ = self.node.receive_tx(tx);
            }
            Input::Fire(Timer::Mine) => self.mine(now, &mut out),
            Input::Fire(Timer::Background) => {
                if let Role::Observer(Some(load)) = &mut self.role {
                    load.on_timer(&mut self.node, &mut out);
                }
            }
        }
        self.feed_wallets();
        out
    }

    fn mine(&mut self, now: SimTime, out: &mut Vec<Action>) {
        let delay = match &mut self.role {
            Role::Honest(miner) => {
                let (block, fees) = miner.mine_on_tip(&self.node, now);
                publish_own(&mut self.node, block, fees, out);
                miner.next_find_delay()
            }
            Role::DoubleSpend(ds) => {
                ds.on_mine(&mut self.node, now, out);
                ds.miner.next_find_delay()
            }
            Role::Selfish(sm) => {
                sm.on_mine(&mut self.node, now, out);
                sm.miner.next_find_delay()
            }
            Role::Observer(_) => return,
        };
        self.feed_wallets();
        out.push(Action::Schedule { after: delay, timer: Timer::Mine });
    }

    /// Hands the node's watched-coin changes to this peer's wallet.
    fn feed_wallets(&mut self) {
        let deltas = self.node.take_coin_deltas();
        if deltas.is_empty() {
            return;
        }
        let wallet: Option<&mut Wallet> = match &mut self.role {
            Role::Observer(Some(load)) => Some(&mut load.wallet),
            Role::DoubleSpend(ds) => Some(&mut ds.wallet),
            _ => None,
        };
        if let Some(wallet) = wallet {
            wallet.apply(&deltas);
        }
    }
}

/// Gives `block` to the node and records what it did. True when the active tip moved.
fn accept(node: &mut BitcoinNode, block: Arc<SealedBlock>, out: &mut Vec<Action>) -> bool {
    let report = node.receive_block(block);
    for (hash, reason) in report.rejected {
        out.push(Action::Observe(Observation::BlockRejected { hash: hash.to_string(), reason: reason.to_string() }));
    }
    let Some(change) = report.tip_change else { return false };
    out.push(Action::Observe(Observation::TipChanged {
        old_tip: change.old_tip.to_string(),
        old_height: change.old_height,
        new_tip: change.new_tip.to_string(),
        new_height: change.new_height,
        disconnected: change.disconnected,
        connected: change.connected,
    }));
    true
}

/// The observation of a block this peer found.
pub(super) fn found(block: &SealedBlock, height: u32, fees: Amount, private: bool) -> Observation {
    Observation::BlockFound {
        hash: block.block_hash().to_string(),
        parent: block.header.prev_blockhash.to_string(),
        height,
        tx_count: block.txs().len() as u32,
        weight: block.weight(),
        fees_sats: fees.to_sat(),
        private,
    }
}

/// Records a block this peer just found, takes it into its own node and broadcasts it.
pub(super) fn publish_own(node: &mut BitcoinNode, block: Arc<SealedBlock>, fees: Amount, out: &mut Vec<Action>) {
    let height = node.tip_height() + 1;
    out.push(Action::Observe(found(&block, height, fees, false)));
    relay_own(node, block, out);
}

/// Takes an own block (found now or earlier, in private) into the node and broadcasts it.
pub(super) fn relay_own(node: &mut BitcoinNode, block: Arc<SealedBlock>, out: &mut Vec<Action>) {
    accept(node, block.clone(), out);
    out.push(Action::Broadcast(Message::Block(block)));
}
