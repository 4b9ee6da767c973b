//! A Bitcoin peer: a full node plus the role it plays, driven one input at a time.
//!
//! `Peer::handle(now, input) -> actions` is the whole interface: the harness delivers blocks,
//! transactions and timer firings; the peer updates its node, lets its role react, and returns
//! what to broadcast, which timers to arm and what to record. No I/O, no clock, no madsim.

use crate::btc::double_spend::DoubleSpender;
use crate::events::{Action, Audience, Input, Message, Observation, Timer};
use crate::l2::sequencer::Sequencer;
use crate::l2::tx::Refusal;
use crate::l2::verifier::{Verdict, Verifier};
use crate::pop::miner::PopMiner;
pub use crate::observer::Observer;
use crate::tunnel::operator::Operator;
use crate::btc::miner::Miner;
use crate::btc::node::BitcoinNode;
use crate::btc::selfish::SelfishMiner;
use crate::btc::wallet::Wallet;
use crate::time::SimTime;
use crate::btc::sealed::SealedBlock;
use bitcoin::Amount;
use std::sync::Arc;

/// What a peer does besides validating and relaying Bitcoin blocks and transactions.
/// (Variants differ in size; there are a handful of peers per run, so boxing the small ones
/// would buy nothing.)
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Role {
    /// Mines on its best tip and publishes at once.
    Honest(Miner),
    /// Mines nothing; its chain is the run's reference view. Carries the Bitcoin background load
    /// and the L2 users, when the scenario has them.
    Observer(Box<Observer>),
    DoubleSpend(DoubleSpender),
    Selfish(SelfishMiner),
    /// The L2's Bitcoin-Secure Sequencer (it reads Bitcoin through this peer's node).
    Sequencer(Box<Sequencer>),
    /// An L2 verifier (it checks Bitcoin attributes against this peer's node).
    Verifier(Box<Verifier>),
    /// A Proof-of-Proof miner: publishes keystones in Bitcoin transactions from its wallet.
    PopMiner(Box<PopMiner>),
    /// The BTC tunnel's vault operator: pays out withdrawals from the vault.
    TunnelOperator(Box<Operator>),
}


impl Role {
    /// The audiences this role listens to besides Bitcoin, which every peer follows.
    pub fn audiences(&self) -> Vec<Audience> {
        match self {
            Role::Sequencer(_) => vec![Audience::Bitcoin, Audience::Sequencer],
            Role::Verifier(_) => vec![Audience::Bitcoin, Audience::L2Followers],
            Role::PopMiner(_) => vec![Audience::Bitcoin, Audience::Keystones],
            Role::TunnelOperator(_) => vec![Audience::Bitcoin, Audience::L2Followers, Audience::Keystones],
            Role::Observer(o) => o.audiences(),
            _ => vec![Audience::Bitcoin],
        }
    }
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
        let mut arm = |after, timer| out.push(Action::Schedule { after, timer });
        match &mut self.role {
            Role::Honest(miner) => arm(miner.next_find_delay(), Timer::Mine),
            Role::DoubleSpend(ds) => arm(ds.miner.next_find_delay(), Timer::Mine),
            Role::Selfish(sm) => arm(sm.miner.next_find_delay(), Timer::Mine),
            Role::Sequencer(seq) => arm(seq.block_time(), Timer::L2Block),
            Role::PopMiner(pm) => arm(pm.first_poll_delay(), Timer::PopPoll),
            Role::Observer(_) | Role::Verifier(_) | Role::TunnelOperator(_) => {}
        }
        match &mut self.role {
            Role::DoubleSpend(ds) => ds.start_race(&mut self.node, &mut out),
            Role::Observer(o) => o.start(&mut out),
            _ => {}
        }
        out
    }

    pub fn handle(&mut self, now: SimTime, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Deliver(Message::Block(block)) => self.on_bitcoin_block(now, block, &mut out),
            Input::Deliver(Message::Tx(tx)) => {
                // A rejected relay (conflict, already known) is normal gossip, not an event.
                let _ = self.node.receive_tx(tx);
            }
            Input::Deliver(Message::L2Tx(submission)) => {
                if let Role::Sequencer(seq) = &mut self.role
                    && let Err(refusal) = seq.submit(submission)
                {
                    refuse(refusal, &mut out);
                }
            }
            Input::Deliver(Message::L2Block(block)) => match &mut self.role {
                Role::Verifier(v) => record_verdicts(v.on_block(block, &self.node), &mut out),
                Role::TunnelOperator(op) => op.on_l2_block(now, &block, &mut self.node, &mut out),
                Role::Observer(o) => o.on_l2_block(block, &self.node, &mut out),
                _ => {}
            },
            Input::Deliver(Message::Keystone(made)) => match &mut self.role {
                Role::PopMiner(pm) => pm.on_keystone(now, made, &mut self.node, &mut out),
                Role::TunnelOperator(op) => op.on_keystone(now, &made, &mut self.node, &mut out),
                Role::Observer(o) => o.on_keystone(&made, &self.node, &mut out),
                _ => {}
            },
            Input::Deliver(Message::L2Refusal(refusal)) => {
                if let Role::Observer(o) = &mut self.role {
                    o.on_refusal(&refusal);
                }
            }
            Input::Fire(Timer::Mine) => self.mine(now, &mut out),
            Input::Fire(timer @ (Timer::Background | Timer::Workload | Timer::Tunnel)) => {
                if let Role::Observer(o) = &mut self.role {
                    o.on_timer(now, timer, &mut self.node, &mut out);
                }
            }
            Input::Fire(Timer::PopPoll) => {
                if let Role::PopMiner(pm) = &mut self.role {
                    pm.on_poll(now, &mut self.node, &mut out);
                }
            }
            Input::Fire(Timer::L2Block) => self.produce_l2_block(now, &mut out),
        }
        self.feed_wallets();
        out
    }

    fn on_bitcoin_block(&mut self, now: SimTime, block: Arc<SealedBlock>, out: &mut Vec<Action>) {
        let outcome = accept(&mut self.node, block, out);
        if outcome.tip_changed {
            self.feed_wallets();
            match &mut self.role {
                Role::DoubleSpend(ds) => ds.on_public_change(&mut self.node, out),
                Role::Selfish(sm) => sm.on_public_change(&mut self.node, out),
                Role::TunnelOperator(op) => op.on_bitcoin_change(now, &mut self.node, out),
                Role::Observer(o) => o.on_bitcoin_change(&self.node, out),
                _ => {}
            }
        }
        // A verifier may be waiting for exactly this block, active or not.
        if let (true, Role::Verifier(v)) = (outcome.stored_any, &mut self.role) {
            record_verdicts(v.on_bitcoin_change(&self.node), out);
        }
    }

    fn produce_l2_block(&mut self, now: SimTime, out: &mut Vec<Action>) {
        let Role::Sequencer(seq) = &mut self.role else { return };
        let produced = seq.produce(now, &self.node);
        let block = &produced.block;
        out.push(Action::Observe(Observation::L2BlockProduced {
            number: block.header.number,
            hash: block.hash().to_string(),
            state_root: block.header.state_root.to_string(),
            tx_count: block.txs.len() as u32,
            gas_used: block.header.gas_used,
            btc_tip_height: block.header.btc_tip_height,
            btc_headers: block.attributes.headers.len() as u32,
            backlog: produced.backlog,
            latency_mean_us: produced.latency_mean_us,
            latency_max_us: produced.latency_max_us,
        }));
        for mint in &block.tunnel.mints {
            out.push(Action::Observe(Observation::TunnelMinted {
                l2_number: block.header.number,
                txid: mint.outpoint.txid.to_string(),
                vout: mint.outpoint.vout,
                recipient: mint.recipient.to_string(),
                amount_sats: mint.amount_sats,
                btc_height: mint.btc_height,
            }));
        }
        for w in &block.tunnel.withdrawals {
            out.push(Action::Observe(Observation::TunnelBurned { l2_number: block.header.number, id: w.id, from: w.from.to_string(), amount_sats: w.amount_sats }));
        }
        out.push(Action::Broadcast(Message::L2Block(produced.block.clone())));
        if let Some(made) = produced.keystone {
            out.push(Action::Observe(Observation::KeystoneMade {
                l2_number: made.l2_number(),
                keystone: made.hash.to_string(),
                l2_block: block.hash().to_string(),
            }));
            out.push(Action::Broadcast(Message::Keystone(Arc::new(made))));
        }
        for refusal in produced.dropped {
            refuse(refusal, out);
        }
        out.push(Action::Schedule { after: seq.block_time(), timer: Timer::L2Block });
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
            _ => return,
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
        let wallets: Vec<&mut Wallet> = match &mut self.role {
            Role::Observer(o) => o.wallets(),
            Role::DoubleSpend(ds) => vec![&mut ds.wallet],
            Role::PopMiner(pm) => vec![&mut pm.wallet],
            Role::TunnelOperator(op) => vec![&mut op.vault],
            _ => Vec::new(),
        };
        for wallet in wallets {
            wallet.apply(&deltas);
        }
    }
}

/// Tells a user its transaction will not be included, and records it.
fn refuse(refusal: Refusal, out: &mut Vec<Action>) {
    out.push(Action::Observe(Observation::L2TxRefused { hash: refusal.hash.to_string(), reason: refusal.reason.as_str() }));
    out.push(Action::Broadcast(Message::L2Refusal(Arc::new(refusal))));
}

fn record_verdicts(verdicts: Vec<Verdict>, out: &mut Vec<Action>) {
    for verdict in verdicts {
        out.push(Action::Observe(match verdict {
            Verdict::Verified { number } => Observation::L2BlockVerified { number },
            Verdict::Mismatch { number, mismatch } => Observation::L2Mismatch { number, what: mismatch.to_string() },
        }));
    }
}

/// What giving a block to the node did.
struct Accepted {
    /// The block (or orphans it adopted) joined the tree.
    stored_any: bool,
    tip_changed: bool,
}

/// Gives `block` to the node and records what it did.
fn accept(node: &mut BitcoinNode, block: Arc<SealedBlock>, out: &mut Vec<Action>) -> Accepted {
    let report = node.receive_block(block);
    for (hash, reason) in report.rejected {
        out.push(Action::Observe(Observation::BlockRejected { hash: hash.to_string(), reason: reason.to_string() }));
    }
    let stored_any = !report.accepted.is_empty();
    let Some(change) = report.tip_change else { return Accepted { stored_any, tip_changed: false } };
    out.push(Action::Observe(Observation::TipChanged {
        old_tip: change.old_tip.to_string(),
        old_height: change.old_height,
        new_tip: change.new_tip.to_string(),
        new_height: change.new_height,
        disconnected: change.disconnected,
        connected: change.connected,
    }));
    Accepted { stored_any, tip_changed: true }
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
