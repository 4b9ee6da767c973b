//! A peer: a Bitcoin full node plus its duties, driven one input at a time.
//!
//! `Peer::handle(now, input) -> actions` is the whole interface: the harness delivers blocks,
//! transactions, L2 messages and timer firings; the peer updates its node, hands the input to
//! each of its [`Duty`]s in order (all with the same [`Ctx`]), and returns what they asked for:
//! messages to broadcast or to send to one peer, timers to arm, observations to record. No I/O,
//! no clock, no madsim.
//!
//! - [`id`]: typed peer identities ([`PeerId`], [`PeerKind`]).
//! - [`duty`]: the [`Duty`] trait and its context.
//! - [`duties`]: the crate's state machines wired as duties.
//! - [`report`]: what a duty hands the run's record at the end.

pub mod duties;
pub mod duty;
pub mod id;
pub mod report;

use crate::btc::node::BitcoinNode;
use crate::btc::sealed::SealedBlock;
use crate::events::{Action, Audience, Input, Message, Observation};
use crate::l2::tx::Refusal;
use crate::time::SimTime;
use crate::units::BtcHeight;
use bitcoin::Amount;
use std::sync::Arc;

pub use duty::{BitcoinChange, Ctx, Duty};
pub use id::{PeerId, PeerKind};
pub use report::DutyReport;

#[derive(Debug)]
pub struct Peer {
    pub id: PeerId,
    /// `id` as displayed: the peer's name in traces, RNG labels and outputs.
    pub name: String,
    pub node: BitcoinNode,
    duties: Vec<Box<dyn Duty>>,
    /// Whether it asks peers for what it missed (see [`Peer::with_catch_up`]).
    catch_up: bool,
}

impl Peer {
    /// A peer with its duties, which see every input in this order.
    pub fn new(id: PeerId, node: BitcoinNode, duties: Vec<Box<dyn Duty>>) -> Self {
        Peer { name: id.to_string(), id, node, duties, catch_up: false }
    }

    /// A peer that asks for what it missed: a Bitcoin block whose parent it lacks makes it ask
    /// the sender for its chain, and L2 nodes and followers ask the sequencer for blocks they
    /// lack. Runs with faults need it (messages are lost); without them every block reaches
    /// every peer from its producer, and requests would only add duplicate traffic.
    pub fn with_catch_up(mut self) -> Self {
        self.catch_up = true;
        self
    }

    /// The audiences it listens to: Bitcoin (every peer) and its duties'.
    pub fn audiences(&self) -> Vec<Audience> {
        let mut audiences: Vec<Audience> =
            std::iter::once(Audience::Bitcoin).chain(self.duties.iter().flat_map(|d| d.audiences())).collect();
        audiences.sort();
        audiences.dedup();
        audiences
    }

    /// The duties' end-of-run reports, in duty order.
    pub fn reports(&self) -> impl Iterator<Item = DutyReport<'_>> {
        self.duties.iter().map(|d| d.report())
    }

    /// Arms the first timers.
    pub fn start(&mut self) -> Vec<Action> {
        let mut out = Vec::new();
        self.feed_wallets();
        self.each_duty(SimTime::ZERO, &mut out, |duty, cx| duty.start(cx));
        out
    }

    pub fn handle(&mut self, now: SimTime, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Deliver { from, message: Message::Block(block) } => {
                if self.on_bitcoin_block(now, block, &mut out) {
                    self.ask_for_blocks(from, &mut out);
                }
            }
            Input::Deliver { message: Message::Tx(tx), .. } => {
                // A rejected relay (conflict, already known) is normal gossip, not an event.
                let _ = self.node.receive_tx(tx);
            }
            Input::Deliver { from, message: Message::GetBlocks(locator) } => {
                let blocks = crate::btc::sync::blocks_after(&self.node, &locator);
                if !blocks.is_empty() {
                    out.push(Action::SendTo { to: from, message: Message::Blocks(Arc::new(blocks)) });
                }
            }
            Input::Deliver { from, message: Message::GetBlockData(hashes) } => {
                let blocks: Vec<Arc<SealedBlock>> = hashes.iter().filter_map(|h| self.node.block(h).cloned()).collect();
                if !blocks.is_empty() {
                    out.push(Action::SendTo { to: from, message: Message::Blocks(Arc::new(blocks)) });
                }
            }
            Input::Deliver { from, message: Message::Blocks(blocks) } => {
                let mut orphaned = false;
                for block in blocks.iter() {
                    orphaned |= self.on_bitcoin_block(now, block.clone(), &mut out);
                }
                if orphaned {
                    self.ask_for_blocks(from, &mut out);
                }
            }
            Input::Deliver { message, .. } => self.each_duty(now, &mut out, |duty, cx| duty.on_message(cx, &message)),
            Input::Fire(timer) => self.each_duty(now, &mut out, |duty, cx| duty.on_timer(cx, timer)),
            Input::Connected(peer) => {
                self.ask_for_blocks(peer, &mut out);
                self.each_duty(now, &mut out, |duty, cx| duty.on_connected(cx, peer));
            }
            Input::Restart => {
                self.node.forget_volatile();
                self.each_duty(now, &mut out, |duty, cx| duty.restart(cx));
            }
        }
        self.feed_wallets();
        out
    }

    /// Runs `f` on every duty in order, with one context.
    fn each_duty(&mut self, now: SimTime, out: &mut Vec<Action>, mut f: impl FnMut(&mut dyn Duty, &mut Ctx<'_>)) {
        // The node's fee estimates read the aggregate demand that has arrived by now.
        self.node.set_clock(now);
        let mut cx = Ctx { now, me: self.id, catch_up: self.catch_up, node: &mut self.node, out };
        for duty in &mut self.duties {
            f(duty.as_mut(), &mut cx);
        }
    }

    /// Announces the blocks its tip change connected to every peer, as Bitcoin nodes relay new
    /// best blocks (when catching up: with faults a block can miss some peers on its first hop,
    /// and the others' relays reach them). Never the attacker's: it publishes on its own terms.
    fn relay_new_tip(&self, out: &mut Vec<Action>) {
        let Some(Action::Observe(Observation::TipChanged { connected, .. })) = out.last() else { return };
        if !self.catch_up || !self.id.is_honest() {
            return;
        }
        let chain = self.node.active_chain();
        let new = &chain[chain.len() - *connected as usize..];
        let blocks: Vec<Action> = new
            .iter()
            .map(|h| Action::Broadcast(Message::Block(self.node.block(h).expect("active blocks are stored").clone())))
            .collect();
        out.extend(blocks);
    }

    /// Asks `peer` for its chain past what this node has (when catching up at all).
    fn ask_for_blocks(&self, peer: PeerId, out: &mut Vec<Action>) {
        if self.catch_up {
            let locator = crate::btc::sync::locator(&self.node);
            out.push(Action::SendTo { to: peer, message: Message::GetBlocks(Arc::new(locator)) });
        }
    }

    /// Gives the node a block and the duties the change; `true` when it waits for its parent.
    fn on_bitcoin_block(&mut self, now: SimTime, block: Arc<SealedBlock>, out: &mut Vec<Action>) -> bool {
        let (change, orphaned) = accept(&mut self.node, block, out);
        if change.tip_changed {
            self.feed_wallets();
            self.relay_new_tip(out);
        }
        self.each_duty(now, out, |duty, cx| duty.on_bitcoin(cx, change));
        orphaned
    }

    /// Hands the node's watched-coin changes to this peer's wallets.
    fn feed_wallets(&mut self) {
        let deltas = self.node.take_coin_deltas();
        if deltas.is_empty() {
            return;
        }
        for wallet in self.duties.iter_mut().flat_map(|d| d.wallets()) {
            wallet.apply(&deltas);
        }
    }
}

/// Tells a user its transaction will not be included, and records it.
fn refuse(refusal: Refusal, cx: &mut Ctx<'_>) {
    cx.observe(Observation::L2TxRefused { hash: refusal.hash, reason: refusal.reason.as_str() });
    cx.broadcast(Message::L2Refusal(Arc::new(refusal)));
}

/// Gives `block` to the node and records what it did; `true` when it waits for its parent.
fn accept(node: &mut BitcoinNode, block: Arc<SealedBlock>, out: &mut Vec<Action>) -> (BitcoinChange, bool) {
    let report = node.receive_block(block);
    let orphaned = report.orphaned;
    for (hash, reason) in report.rejected {
        out.push(Action::Observe(Observation::BlockRejected { hash, reason: reason.to_string() }));
    }
    let stored_any = !report.accepted.is_empty();
    let Some(change) = report.tip_change else { return (BitcoinChange { stored_any, tip_changed: false }, orphaned) };
    out.push(Action::Observe(Observation::TipChanged {
        old_tip: change.old_tip,
        old_height: change.old_height,
        new_tip: change.new_tip,
        new_height: change.new_height,
        disconnected: change.disconnected,
        connected: change.connected,
    }));
    (BitcoinChange { stored_any, tip_changed: true }, orphaned)
}

/// The observation of a block this peer found.
pub(crate) fn found(block: &SealedBlock, height: BtcHeight, fees: Amount, private: bool) -> Observation {
    Observation::BlockFound {
        hash: block.block_hash(),
        parent: block.header.prev_blockhash,
        height,
        tx_count: block.txs().len() as u32,
        weight: block.weight(),
        fees,
        private,
    }
}

/// Records a block this peer just found, takes it into its own node and broadcasts it.
pub(crate) fn publish_own(node: &mut BitcoinNode, block: Arc<SealedBlock>, fees: Amount, out: &mut Vec<Action>) {
    let height = node.tip_height().next();
    out.push(Action::Observe(found(&block, height, fees, false)));
    relay_own(node, block, out);
}

/// Takes an own block (found now or earlier, in private) into the node and broadcasts it.
pub(crate) fn relay_own(node: &mut BitcoinNode, block: Arc<SealedBlock>, out: &mut Vec<Action>) {
    accept(node, block.clone(), out);
    out.push(Action::Broadcast(Message::Block(block)));
}
