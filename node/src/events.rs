//! The vocabulary between Bitcoin peers and the simulation harness: what a peer receives
//! ([`Input`]), what it asks for ([`Action`]) and what it reports ([`Observation`]).
//!
//! Peers never see the network or the clock: the harness delivers inputs with the current
//! simulated time and carries out the actions (relaying with link delays, arming timers,
//! recording observations into the trace).

use crate::time::SimDuration;
use crate::btc::sealed::{SealedBlock, SealedTx};
use serde::Serialize;
use std::sync::Arc;

/// What travels between Bitcoin peers.
#[derive(Debug, Clone)]
pub enum Message {
    Block(Arc<SealedBlock>),
    Tx(Arc<SealedTx>),
}

/// Timers a peer can arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// This peer's miner finds a block.
    Mine,
    /// The background load sends its next transaction.
    Background,
}

/// What the harness hands a peer.
#[derive(Debug, Clone)]
pub enum Input {
    Deliver(Message),
    Fire(Timer),
}

/// What a peer asks the harness to do.
#[derive(Debug, Clone)]
pub enum Action {
    /// Send to every other Bitcoin peer, each over its own link.
    Broadcast(Message),
    Schedule { after: SimDuration, timer: Timer },
    Observe(Observation),
}

/// Everything observable a peer does; each goes into the run's trace with time and peer name.
/// Hashes and txids are hex in display order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Observation {
    BlockFound { hash: String, parent: String, height: u32, tx_count: u32, weight: u64, fees_sats: u64, private: bool },
    TipChanged { old_tip: String, old_height: u32, new_tip: String, new_height: u32, disconnected: u32, connected: u32 },
    BlockRejected { hash: String, reason: String },
    TxSent { txid: String, fee_rate_sat_per_vb: f64 },
    WalletEmpty { wallet: String },
    TrialStarted { payment_txid: String, conflict_txid: String },
    TrialEnded { how: TrialEnd, private_blocks: u32, honest_blocks: u32 },
    Published { blocks: u32, lead: i64 },
}

/// How the attacker ended a double-spend race.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrialEnd {
    /// Its branch was strictly longer once the merchant had accepted: it was broadcast.
    Published,
    /// The honest chain led by the give-up deficit.
    GaveUp,
    /// The payment became invalid before confirming (not a race: not counted as a trial).
    Aborted,
}
