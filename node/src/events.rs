//! The vocabulary between Bitcoin peers and the simulation harness: what a peer receives
//! ([`Input`]), what it asks for ([`Action`]) and what it reports ([`Observation`]).
//!
//! Peers never see the network or the clock: the harness delivers inputs with the current
//! simulated time and carries out the actions (relaying with link delays, arming timers,
//! recording observations into the trace).

use crate::btc::sealed::{SealedBlock, SealedTx};
use crate::l2::block::L2Block;
use crate::l2::tx::{Refusal, Submission};
use crate::peer::PeerId;
use crate::pop::keystone::KeystoneHash;
use crate::pop::maker::MadeKeystone;
use crate::time::SimDuration;
use bitcoin::{BlockHash, Txid};
use revm::primitives::{Address, B256};
use serde::Serialize;
use std::sync::Arc;

/// What travels between peers.
#[derive(Debug, Clone)]
pub enum Message {
    Block(Arc<SealedBlock>),
    Tx(Arc<SealedTx>),
    /// A user's L2 transaction, for the sequencer.
    L2Tx(Arc<Submission>),
    /// A block the sequencer produced, for verifiers and users.
    L2Block(Arc<L2Block>),
    /// The sequencer will not include a user's transaction.
    L2Refusal(Arc<Refusal>),
    /// A new keystone, from the L2 node PoP miners watch (op-geth's "newKeystones" notice).
    Keystone(Arc<MadeKeystone>),
}

/// Which peers a broadcast reaches: the harness maps each audience to peers by their roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Audience {
    /// Every peer: all of them run a Bitcoin node.
    Bitcoin,
    Sequencer,
    /// Verifiers and users: whoever follows the L2 chain.
    L2Followers,
    Users,
    /// PoP miners and the finality tracker: whoever watches keystones.
    Keystones,
}

impl Message {
    pub fn audience(&self) -> Audience {
        match self {
            Message::Block(_) | Message::Tx(_) => Audience::Bitcoin,
            Message::L2Tx(_) => Audience::Sequencer,
            Message::L2Block(_) => Audience::L2Followers,
            Message::L2Refusal(_) => Audience::Users,
            Message::Keystone(_) => Audience::Keystones,
        }
    }
}

/// Timers a peer can arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// This peer's miner finds a block.
    Mine,
    /// The background load sends its next transaction.
    Background,
    /// The sequencer produces its next L2 block.
    L2Block,
    /// The L2 users send their next transaction.
    Workload,
    /// A PoP miner polls its keystones (Hemi: every 13 s; new keystones are also mined at once).
    PopPoll,
    /// The tunnel's depositors act (a deposit or a withdrawal is due).
    Tunnel,
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
    /// Send to every other peer of the message's audience, each over its own link.
    Broadcast(Message),
    /// Send to one peer only, over its link (whatever audiences it listens to).
    SendTo {
        to: PeerId,
        message: Message,
    },
    Schedule {
        after: SimDuration,
        timer: Timer,
    },
    Observe(Observation),
}

/// Everything observable a peer does; each goes into the run's trace with time and peer name.
/// Hashes, txids and addresses are typed; the trace writes them as their display form (hex in
/// display order, `0x`-hex for L2 values).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Observation {
    BlockFound {
        #[serde(serialize_with = "as_display")]
        hash: BlockHash,
        #[serde(serialize_with = "as_display")]
        parent: BlockHash,
        height: u32,
        tx_count: u32,
        weight: u64,
        fees_sats: u64,
        private: bool,
    },
    TipChanged {
        #[serde(serialize_with = "as_display")]
        old_tip: BlockHash,
        old_height: u32,
        #[serde(serialize_with = "as_display")]
        new_tip: BlockHash,
        new_height: u32,
        disconnected: u32,
        connected: u32,
    },
    BlockRejected {
        #[serde(serialize_with = "as_display")]
        hash: BlockHash,
        reason: String,
    },
    TxSent {
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        fee_rate_sat_per_vb: f64,
    },
    WalletEmpty {
        wallet: String,
    },
    TrialStarted {
        #[serde(serialize_with = "as_display")]
        payment_txid: Txid,
        #[serde(serialize_with = "as_display")]
        conflict_txid: Txid,
    },
    TrialEnded {
        how: TrialEnd,
        private_blocks: u32,
        honest_blocks: u32,
    },
    Published {
        blocks: u32,
        lead: i64,
    },
    L2BlockProduced {
        number: u64,
        #[serde(serialize_with = "as_display")]
        hash: B256,
        #[serde(serialize_with = "as_display")]
        state_root: B256,
        tx_count: u32,
        gas_used: u64,
        btc_tip_height: u32,
        btc_headers: u32,
        backlog: u64,
        latency_mean_us: u64,
        latency_max_us: u64,
    },
    L2TxRefused {
        #[serde(serialize_with = "as_display")]
        hash: B256,
        reason: &'static str,
    },
    L2BlockVerified {
        number: u64,
    },
    L2Mismatch {
        number: u64,
        what: String,
    },
    /// The sequencer made a keystone (hashes: keystone in display order, L2 block `0x`-hex).
    KeystoneMade {
        l2_number: u64,
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        #[serde(serialize_with = "as_display")]
        l2_block: B256,
    },
    /// A PoP miner broadcast a PoP transaction.
    PopTxSent {
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        l2_number: u64,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        fee_sats: u64,
        vsize: u64,
        fee_rate_sat_per_vb: f64,
    },
    /// A PoP miner's fee estimate is over its cap: the keystone waits for the retry.
    PopFeeOverCap {
        l2_number: u64,
        estimate_sat_per_vb: f64,
    },
    /// A PoP miner has no coin large enough to pay for a publication.
    PopWalletEmpty {
        l2_number: u64,
    },
    /// The finality tracker indexed a keystone's first canonical publication ...
    KeystonePublished {
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        l2_number: u64,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        btc_height: u32,
        #[serde(serialize_with = "as_display")]
        btc_block: BlockHash,
    },
    /// ... or lost it to a Bitcoin reorg.
    PublicationUnwound {
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        l2_number: u64,
        btc_height: u32,
    },
    /// Every L2 block up to `l2_number` is superfinal.
    Superfinal {
        l2_number: u64,
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        published_height: u32,
        tip_height: u32,
    },
    /// The superfinal frontier moved back: a safety violation (a reorg deeper than the
    /// superfinality depth unwound a superfinal publication).
    SuperfinalityReverted {
        from_l2_number: u64,
        to_l2_number: u64,
        tip_height: u32,
    },
    /// A depositor sent a deposit to the tunnel's vault (recipient: the L2 address, `0x`-hex).
    DepositSent {
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        amount_sats: u64,
        #[serde(serialize_with = "as_display")]
        recipient: Address,
        treasury: bool,
    },
    /// An L2 block minted hBTC for a deposit (recorded by the sequencer).
    TunnelMinted {
        l2_number: u64,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        vout: u32,
        #[serde(serialize_with = "as_display")]
        recipient: Address,
        amount_sats: u64,
        btc_height: u32,
    },
    /// An L2 block burned hBTC: withdrawal `id` is owed on Bitcoin (recorded by the sequencer).
    TunnelBurned {
        l2_number: u64,
        id: u64,
        #[serde(serialize_with = "as_display")]
        from: Address,
        amount_sats: u64,
    },
    /// A holder sent a withdrawal (a burn) to the sequencer.
    WithdrawalRequested {
        #[serde(serialize_with = "as_display")]
        from: Address,
        amount_sats: u64,
        treasury: bool,
    },
    /// The vault operator broadcast the payout of a withdrawal (`superfinal`: its burning L2
    /// block was superfinal when paid).
    PayoutSent {
        id: u64,
        l2_number: u64,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        amount_sats: u64,
        fee_sats: u64,
        superfinal: bool,
    },
    /// A withdrawal is still unpaid after the grace period: challengeable.
    WithdrawalOverdue {
        id: u64,
        l2_number: u64,
        age_s: u64,
    },
    /// The auditor: a minted deposit's transaction left the main chain (hBTC now unbacked) ...
    DepositUnwound {
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        vout: u32,
        amount_sats: u64,
        l2_number: u64,
    },
    /// ... or came back.
    DepositRestored {
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        vout: u32,
        amount_sats: u64,
    },
    /// The auditor's books at an L2 block: the vault on the observer's Bitcoin chain against
    /// the L2's mints and burns and the payouts owed.
    TunnelLedger {
        l2_number: u64,
        locked_sats: u64,
        minted_sats: u64,
        burned_sats: u64,
        pending_sats: u64,
        unminted_sats: u64,
        unbacked_sats: u64,
        other_sats: u64,
    },
    /// The auditor found the tunnel's books broken: a safety violation.
    TunnelViolation {
        l2_number: u64,
        what: String,
    },
}

/// Writes a hash or id as its display form (hex in display order): observations carry typed
/// values, turned into text only when the trace is written.
fn as_display<T: std::fmt::Display, S: serde::Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
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
