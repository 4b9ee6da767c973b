//! [`Duty`]: one thing a peer does besides being a Bitcoin full node (mining, sequencing,
//! verifying, PoP mining, running the tunnel, generating load, checking finality, auditing,
//! attacking), and [`Ctx`], what every duty is handed for every input.
//!
//! All duties speak one vocabulary: they read `now` and their peer's Bitcoin node from the
//! context and emit effects into its one buffer (observe, broadcast to an audience, send to one
//! peer, arm a timer of their own kind). The peer calls its duties in a fixed order, so a peer's
//! reaction to an input is a pure function of its state and the input.

use crate::btc::node::BitcoinNode;
use crate::btc::wallet::Wallet;
use crate::events::{Action, Audience, Message, Observation, Timer};
use crate::time::{SimDuration, SimTime};
use std::fmt;

use super::id::PeerId;
use super::report::DutyReport;

/// What a duty is handed: the time, its peer's Bitcoin node and the peer's effects buffer.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub now: SimTime,
    /// The peer the duty runs on.
    pub me: PeerId,
    /// Whether to ask peers for what this peer missed (runs with faults; see
    /// [`super::Peer::with_catch_up`]).
    pub catch_up: bool,
    pub node: &'a mut BitcoinNode,
    /// The effects, in order; duties that predate the context push [`Action`]s here directly.
    pub out: &'a mut Vec<Action>,
}

impl Ctx<'_> {
    pub fn observe(&mut self, observation: Observation) {
        self.out.push(Action::Observe(observation));
    }

    pub fn observe_all(&mut self, observations: Vec<Observation>) {
        self.out.extend(observations.into_iter().map(Action::Observe));
    }

    /// To every other peer of the message's audience, each over its own link.
    pub fn broadcast(&mut self, message: Message) {
        self.out.push(Action::Broadcast(message));
    }

    /// To one peer only, over its link.
    pub fn send_to(&mut self, to: PeerId, message: Message) {
        self.out.push(Action::SendTo { to, message });
    }

    /// Arms `timer` to fire `after` from now; timers are of one duty's kind (see [`Timer`]).
    pub fn schedule(&mut self, after: SimDuration, timer: Timer) {
        self.out.push(Action::Schedule { after, timer });
    }
}

/// What happened to the peer's Bitcoin node when a block arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitcoinChange {
    /// The block (or orphans it adopted) joined the block tree: a block someone waited for may
    /// be here, active or not.
    pub stored_any: bool,
    /// The active chain's tip moved.
    pub tip_changed: bool,
}

/// One duty of a peer. Every method has a do-nothing default: a duty implements what it reacts
/// to. Timers are routed by kind: each [`Timer`] variant belongs to one kind of duty.
pub trait Duty: fmt::Debug + Send {
    /// Audiences it listens to besides Bitcoin (every peer follows Bitcoin).
    fn audiences(&self) -> Vec<Audience> {
        Vec::new()
    }

    /// Arms its first timers and does what it does at time zero.
    fn start(&mut self, _cx: &mut Ctx<'_>) {}

    /// A message of an audience it listens to arrived (Bitcoin blocks and transactions are the
    /// node's: see [`Duty::on_bitcoin`]).
    fn on_message(&mut self, _cx: &mut Ctx<'_>, _message: &Message) {}

    /// One of its timers fired.
    fn on_timer(&mut self, _cx: &mut Ctx<'_>, _timer: Timer) {}

    /// A Bitcoin block reached the node (after the node took it).
    fn on_bitcoin(&mut self, _cx: &mut Ctx<'_>, _change: BitcoinChange) {}

    /// The peer restarts after a crash (its timers died with it): forget what lives only in
    /// memory and re-arm. The default re-arms as at the start: a duty that holds volatile state
    /// (a mempool, blocks waiting) forgets it here. Wallets are kept (they are on disk).
    fn restart(&mut self, cx: &mut Ctx<'_>) {
        self.start(cx);
    }

    /// A link to `peer` came up (a partition healed, or one of the two restarted).
    fn on_connected(&mut self, _cx: &mut Ctx<'_>, _peer: PeerId) {}

    /// The wallets the node's watched coins feed.
    fn wallets(&mut self) -> Vec<&mut Wallet> {
        Vec::new()
    }

    /// What the run's record reads from it at the end.
    fn report(&self) -> DutyReport<'_> {
        DutyReport::Nothing
    }
}
