//! The vocabulary between Bitcoin peers and the simulation harness: what a peer receives
//! ([`Input`]), what it asks for ([`Action`]) and what it reports ([`Observation`]).
//!
//! Peers never see the network or the clock: the harness delivers inputs with the current
//! simulated time and carries out the actions (relaying with link delays, arming timers,
//! recording observations into the trace).

use crate::btc::sealed::{SealedBlock, SealedTx};
use crate::eth::portal::PortalCall;
use crate::eth::{BatcherTx, L1Block};
use crate::l2::block::L2Block;
use crate::l2::tx::{Refusal, Submission};
use crate::peer::PeerId;
use crate::pop::keystone::KeystoneHash;
use crate::pop::maker::MadeKeystone;
use crate::time::SimDuration;
use crate::units::{Amount, BtcHeight, FeeRate, L1Number, L2Number};
use bitcoin::{BlockHash, Txid};
use revm::primitives::{Address, B256};
use serde::Serialize;
use std::sync::Arc;

/// How a forced transaction reached the L2 (`TxForced` / `ForcedTxIncluded`'s `via`): its
/// deposit through the Ethereum portal, or the sequencer included the original first.
pub const VIA_PORTAL: &str = "portal";
pub const VIA_SEQUENCER: &str = "sequencer";

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
    /// A new Ethereum block, from the L1 to the L2 nodes.
    L1Block(Arc<L1Block>),
    /// A batcher transaction, from the sequencer's batcher to the Ethereum L1 (sent to it only).
    BatcherTx(Arc<BatcherTx>),
    /// A call of the portal's `depositTransaction`, from an L1 account to the Ethereum L1 (sent
    /// to it only; a resend is the same L1 transaction again).
    PortalDeposit(Arc<PortalCall>),
    /// A node that lacks blocks asks a peer for them: its active chain as a locator (sent to one
    /// peer; see [`crate::btc::sync`]).
    GetBlocks(Arc<Vec<bitcoin::BlockHash>>),
    /// The answer: the peer's active chain after the last block they share, in order.
    Blocks(Arc<Vec<Arc<SealedBlock>>>),
    /// A node asks a peer for blocks by hash, on the active chain or not (Bitcoin's `getdata`:
    /// an L2 node needs the blocks L2 blocks name, which a reorg may have taken off every active
    /// chain). The answer is a [`Message::Blocks`] of those the peer has, in the order asked.
    GetBlockData(Arc<Vec<bitcoin::BlockHash>>),
    /// An L2 node or follower that missed blocks asks the sequencer for its chain after `after`.
    GetL2Blocks {
        requester: PeerId,
        after: L2Number,
    },
    /// An L2 node that missed L1 blocks asks the Ethereum peer for those after `after`.
    GetL1Blocks {
        requester: PeerId,
        after: L1Number,
    },
    /// Between the members of a conducted sequencer set (`[sequencer] ha = "conductor"`): the
    /// Raft group's heartbeats, commits, votes and handoffs.
    Conductor(Arc<crate::l2::conductor::ConductorMsg>),
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
    /// The L2 nodes (sequencer and verifiers): whoever follows the Ethereum L1.
    L1Followers,
    /// The Ethereum L1 itself (batcher transactions).
    L1,
}

impl Message {
    pub fn audience(&self) -> Audience {
        match self {
            Message::Block(_) | Message::Tx(_) => Audience::Bitcoin,
            Message::L2Tx(_) => Audience::Sequencer,
            Message::L2Block(_) => Audience::L2Followers,
            Message::L2Refusal(_) => Audience::Users,
            Message::Keystone(_) => Audience::Keystones,
            Message::L1Block(_) => Audience::L1Followers,
            // Sent to the L1 peer directly; no audience listens for it.
            Message::BatcherTx(_) | Message::PortalDeposit(_) => Audience::L1,
            // Requests and answers go to one peer: no audience listens for them.
            Message::GetBlocks(_) | Message::Blocks(_) | Message::GetBlockData(_) => Audience::Bitcoin,
            Message::GetL2Blocks { .. } | Message::Conductor(_) => Audience::Sequencer,
            Message::GetL1Blocks { .. } => Audience::L1,
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
    /// The Ethereum L1's next slot starts.
    L1Slot,
    /// The sequencer's batcher polls: closes due channels and posts them (op-batcher's
    /// `poll-interval`, 6 s).
    BatcherPoll,
    /// A user's transaction may have waited long enough to escape through L1.
    UserEscape,
    /// Users look for transactions to send again (runs with faults).
    UserResend,
    /// A member of a conducted sequencer set wakes: a heartbeat, a health check, an election
    /// timeout or a scripted handoff is due.
    Conductor,
}

/// What the harness hands a peer.
#[derive(Debug, Clone)]
pub enum Input {
    /// A message from peer `from` arrived (a node asks its sender for what it lacks).
    Deliver {
        from: PeerId,
        message: Message,
    },
    Fire(Timer),
    /// A link to this peer came up: a partition healed, or one of the two restarted.
    Connected(PeerId),
    /// The peer restarts after a crash: it keeps what a node persists, forgets the rest, and
    /// re-arms its timers (its old ones died with it).
    Restart,
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
        height: BtcHeight,
        tx_count: u32,
        weight: u64,
        #[serde(rename = "fees_sats", with = "crate::units::sats")]
        fees: Amount,
        private: bool,
    },
    TipChanged {
        #[serde(serialize_with = "as_display")]
        old_tip: BlockHash,
        old_height: BtcHeight,
        #[serde(serialize_with = "as_display")]
        new_tip: BlockHash,
        new_height: BtcHeight,
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
        #[serde(rename = "fee_rate_sat_per_vb")]
        fee_rate: FeeRate,
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
    /// The rewriting sequencer (`[attack] kind = "rewrite"`) follows (and batches) a history that
    /// parts from the one it gossiped above `fork`, at the block `first` (`blocks` of them).
    HistoryRewritten {
        fork: L2Number,
        #[serde(serialize_with = "as_display")]
        first: B256,
        blocks: u32,
    },
    /// The rewrite attacker's colluding PoP miner sent the rewritten history's keystones in
    /// public (no Bitcoin hash rate).
    RewriteKeystonesSent {
        keystones: u32,
    },
    /// The rewrite attacker started its private Bitcoin branch on `fork_height`, below the
    /// honest keystone's first publication at `published_height`, then `depth` blocks deep.
    RewriteRaceStarted {
        fork_height: BtcHeight,
        published_height: BtcHeight,
        depth: u32,
        keystones: u32,
    },
    /// The rewrite attacker's race ended: its branch published (strictly longer) or given up.
    RewriteRaceEnded {
        how: TrialEnd,
        private_blocks: u32,
        honest_blocks: u32,
    },
    L2BlockProduced {
        number: L2Number,
        #[serde(serialize_with = "as_display")]
        hash: B256,
        #[serde(serialize_with = "as_display")]
        state_root: B256,
        tx_count: u32,
        gas_used: u64,
        btc_tip_height: BtcHeight,
        btc_headers: u32,
        backlog: u64,
        latency_mean_us: u64,
        latency_max_us: u64,
        /// The L1 origin's number (settlement chains only: absent, the line is as it always was).
        #[serde(skip_serializing_if = "Option::is_none")]
        l1_origin: Option<L1Number>,
        /// The portal deposits the block executes (settlement chains only).
        #[serde(skip_serializing_if = "Option::is_none")]
        deposits: Option<u32>,
    },
    /// A portal deposit was executed on L2: logged at `log_index` of L1 block `l1_number`,
    /// executed in L2 block `l2_number` (the first of that L1 block's epoch).
    L2DepositIncluded {
        l1_number: L1Number,
        log_index: u32,
        l2_number: L2Number,
    },
    /// The sequencer's slot passed without a block: no L1 origin was possible (why).
    L2SlotSkipped {
        what: String,
    },
    /// An L2 node's safe head moved to this block (settlement chains): derivation from L1
    /// confirmed its unsafe block (`consolidated`) or executed the block itself.
    L2Safe {
        number: L2Number,
        #[serde(serialize_with = "as_display")]
        hash: B256,
        l1_origin: L1Number,
        /// The block opens its L1 origin's epoch (and executes that L1 block's deposits).
        opens_epoch: bool,
        deposits: u32,
        /// The L1 block derivation had reached.
        derived_from: L1Number,
        /// A deposit-only block from sequencing-window expiry.
        forced: bool,
        consolidated: bool,
    },
    /// An L2 node's finalized head moved to this block: derived from a final L1 block.
    L2Finalized {
        number: L2Number,
    },
    /// An L2 node took back its unsafe blocks above `to` (its safe head), up to `from`: a
    /// derived payload differed from the oldest (`because`).
    L2Reorg {
        from: L2Number,
        to: L2Number,
        /// User transactions in the blocks taken back.
        txs: u32,
        because: String,
    },
    /// An L2 node's fork choice (`l2.fork_choice = "pop"`) refused the reorg derivation asked
    /// for: it keeps its fork (tip `current_tip`) against the derived one (`derived_hash` zero
    /// when it has no block of it), by these PoP scores from the fork point.
    L2ForkConflict {
        fork_point: L2Number,
        current_tip: L2Number,
        #[serde(serialize_with = "as_display")]
        current_hash: B256,
        derived_tip: L2Number,
        #[serde(serialize_with = "as_display")]
        derived_hash: B256,
        current_score: u64,
        derived_score: u64,
    },
    /// The censoring sequencer held a user's transaction back for the first time (by rule
    /// `rule`, counted from 0 in the scenario's order); it was submitted at `submitted_us`.
    L2TxCensored {
        #[serde(serialize_with = "as_display")]
        hash: B256,
        #[serde(serialize_with = "as_display")]
        from: Address,
        rule: u32,
        submitted_us: u64,
    },
    /// The sequencer included a transaction it had held back (its delay ran out).
    CensoredTxIncluded {
        #[serde(serialize_with = "as_display")]
        hash: B256,
        l2_number: L2Number,
    },
    /// The sequencer stopped producing blocks until `until_us` (a halt).
    SequencerHalted {
        until_us: u64,
    },
    /// A fault of the scenario began (`[[fault]]` number `index`), hitting `peers` peers.
    FaultStarted {
        index: u32,
        kind: &'static str,
        peers: u32,
    },
    /// It ended (a partition healed, crashed peers restarted, links and clocks back to normal).
    FaultEnded {
        index: u32,
        kind: &'static str,
    },
    /// With `[network]`, at the end of the run: how a block spread over the network model (its
    /// announcement to half and nine tenths of all nodes; `None`: never got there). Recorded by
    /// the harness, so relay-only nodes, which no peer observes, are in the trace hash too.
    BlockSpread {
        #[serde(serialize_with = "as_display")]
        hash: BlockHash,
        bytes: u64,
        reached: u32,
        to_50_us: Option<u64>,
        to_90_us: Option<u64>,
    },
    /// A restart after a crash lost the transactions of the sequencer's mempool.
    MempoolLost {
        txs: u32,
    },
    /// A member of the sequencer set became the one that sequences (conductor: it won term
    /// `term`'s election, `reason` "election", "handoff" or "override"; rotation: it took a
    /// missing member's slot, `reason` "skip", `term` the block number).
    SequencerLeader {
        term: u64,
        member: u32,
        reason: &'static str,
    },
    /// The conductor's leader stepped down (`reason` "health", "lease", "bad_handoff", "term").
    SequencerSteppedDown {
        term: u64,
        member: u32,
        reason: &'static str,
    },
    /// The conductor's leader gossips block `number`: a majority of the group holds it.
    L2BlockCommitted {
        number: L2Number,
        #[serde(serialize_with = "as_display")]
        hash: B256,
        term: u64,
    },
    /// A user gave up waiting for the sequencer and sent its transaction through L1 (`via`:
    /// "portal"), paying `l1_fee_wei`.
    TxForced {
        #[serde(serialize_with = "as_display")]
        hash: B256,
        #[serde(serialize_with = "as_display")]
        from: Address,
        via: &'static str,
        #[serde(serialize_with = "as_display")]
        l1_fee_wei: u128,
    },
    /// The portal refused a user's deposit (why).
    PortalDepositRefused {
        what: String,
    },
    /// A transaction forced through L1 was executed in L2 block `l2_number`.
    ForcedTxIncluded {
        #[serde(serialize_with = "as_display")]
        hash: B256,
        l2_number: L2Number,
        via: &'static str,
    },
    /// The sequencer's batcher posted a transaction to L1.
    BatchPosted {
        first: L2Number,
        last: L2Number,
        frames: u32,
        bytes: u64,
        #[serde(serialize_with = "as_display")]
        fee_wei: u128,
        closed_by: &'static str,
    },
    L2TxRefused {
        #[serde(serialize_with = "as_display")]
        hash: B256,
        reason: &'static str,
    },
    L2BlockVerified {
        number: L2Number,
    },
    L2Mismatch {
        number: L2Number,
        what: String,
    },
    /// The sequencer made a keystone (hashes: keystone in display order, L2 block `0x`-hex).
    KeystoneMade {
        l2_number: L2Number,
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        #[serde(serialize_with = "as_display")]
        l2_block: B256,
    },
    /// A PoP miner broadcast a PoP transaction.
    PopTxSent {
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        l2_number: L2Number,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        #[serde(rename = "fee_sats", with = "crate::units::sats")]
        fee: Amount,
        vsize: u64,
        #[serde(rename = "fee_rate_sat_per_vb")]
        fee_rate: FeeRate,
    },
    /// A PoP miner's fee estimate is over its cap: the keystone waits for the retry.
    PopFeeOverCap {
        l2_number: L2Number,
        #[serde(rename = "estimate_sat_per_vb")]
        estimate: FeeRate,
    },
    /// A PoP miner has no coin large enough to pay for a publication.
    PopWalletEmpty {
        l2_number: L2Number,
    },
    /// The finality tracker indexed a keystone's first canonical publication ...
    KeystonePublished {
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        l2_number: L2Number,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        btc_height: BtcHeight,
        #[serde(serialize_with = "as_display")]
        btc_block: BlockHash,
    },
    /// ... or lost it to a Bitcoin reorg.
    PublicationUnwound {
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        l2_number: L2Number,
        btc_height: BtcHeight,
    },
    /// Every L2 block up to `l2_number` is superfinal.
    Superfinal {
        l2_number: L2Number,
        #[serde(serialize_with = "as_display")]
        keystone: KeystoneHash,
        published_height: BtcHeight,
        tip_height: BtcHeight,
    },
    /// The superfinal frontier moved back: a safety violation (a reorg deeper than the
    /// superfinality depth unwound a superfinal publication).
    SuperfinalityReverted {
        from_l2_number: L2Number,
        to_l2_number: L2Number,
        tip_height: BtcHeight,
    },
    /// A depositor sent a deposit to the tunnel's vault (recipient: the L2 address, `0x`-hex).
    DepositSent {
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        #[serde(rename = "amount_sats", with = "crate::units::sats")]
        amount: Amount,
        #[serde(serialize_with = "as_display")]
        recipient: Address,
        treasury: bool,
    },
    /// An L2 block minted hBTC for a deposit (recorded by the sequencer).
    TunnelMinted {
        l2_number: L2Number,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        vout: u32,
        #[serde(serialize_with = "as_display")]
        recipient: Address,
        #[serde(rename = "amount_sats", with = "crate::units::sats")]
        amount: Amount,
        btc_height: BtcHeight,
    },
    /// An L2 block burned hBTC: withdrawal `id` is owed on Bitcoin (recorded by the sequencer).
    TunnelBurned {
        l2_number: L2Number,
        id: u64,
        #[serde(serialize_with = "as_display")]
        from: Address,
        #[serde(rename = "amount_sats", with = "crate::units::sats")]
        amount: Amount,
    },
    /// A holder sent a withdrawal (a burn) to the sequencer.
    WithdrawalRequested {
        #[serde(serialize_with = "as_display")]
        from: Address,
        #[serde(rename = "amount_sats", with = "crate::units::sats")]
        amount: Amount,
        treasury: bool,
    },
    /// The vault operator broadcast the payout of a withdrawal (`superfinal`: its burning L2
    /// block was superfinal when paid).
    PayoutSent {
        id: u64,
        l2_number: L2Number,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        #[serde(rename = "amount_sats", with = "crate::units::sats")]
        amount: Amount,
        #[serde(rename = "fee_sats", with = "crate::units::sats")]
        fee: Amount,
        superfinal: bool,
    },
    /// A withdrawal is still unpaid after the grace period: challengeable.
    WithdrawalOverdue {
        id: u64,
        l2_number: L2Number,
        age_s: u64,
    },
    /// The auditor: a minted deposit's transaction left the main chain (hBTC now unbacked) ...
    DepositUnwound {
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        vout: u32,
        #[serde(rename = "amount_sats", with = "crate::units::sats")]
        amount: Amount,
        l2_number: L2Number,
    },
    /// ... or came back.
    DepositRestored {
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        vout: u32,
        #[serde(rename = "amount_sats", with = "crate::units::sats")]
        amount: Amount,
    },
    /// The auditor: a payout on the main chain lost its burn (an L2 reorg took the burning block
    /// away, and no block of the new chain burns the same withdrawal): BTC left the vault for a
    /// withdrawal the L2 no longer has, a loss ...
    PayoutLost {
        id: u64,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
        #[serde(rename = "amount_sats", with = "crate::units::sats")]
        amount: Amount,
        /// The block that burned it, on the chain it left.
        l2_number: L2Number,
    },
    /// ... or no longer: it settles a burn again (the same withdrawal burned again under the
    /// same id), or it left the main chain itself.
    PayoutRecovered {
        id: u64,
        #[serde(serialize_with = "as_display")]
        txid: Txid,
    },
    /// The auditor's books at an L2 block: the vault on the observer's Bitcoin chain against
    /// the L2's mints and burns and the payouts owed.
    TunnelLedger {
        l2_number: L2Number,
        #[serde(rename = "locked_sats", with = "crate::units::sats")]
        locked: Amount,
        #[serde(rename = "minted_sats", with = "crate::units::sats")]
        minted: Amount,
        #[serde(rename = "burned_sats", with = "crate::units::sats")]
        burned: Amount,
        #[serde(rename = "pending_sats", with = "crate::units::sats")]
        pending: Amount,
        #[serde(rename = "unminted_sats", with = "crate::units::sats")]
        unminted: Amount,
        #[serde(rename = "unbacked_sats", with = "crate::units::sats")]
        unbacked: Amount,
        #[serde(rename = "other_sats", with = "crate::units::sats")]
        other: Amount,
        /// Payouts on the chain whose burn an L2 reorg took away (left out while 0, so runs
        /// without such a loss trace as before).
        #[serde(rename = "lost_payout_sats", with = "crate::units::sats", skip_serializing_if = "is_zero")]
        lost_payouts: Amount,
    },
    /// The auditor found the tunnel's books broken: a safety violation.
    TunnelViolation {
        l2_number: L2Number,
        what: String,
    },
    /// The Ethereum L1 proposed a block: its time (its slot's start, in whole seconds), its
    /// portal deposits and batcher transactions (with their bytes on L1), and the finalized
    /// head once it is the head.
    L1Block {
        number: L1Number,
        time_s: u64,
        #[serde(serialize_with = "as_display")]
        hash: B256,
        #[serde(serialize_with = "as_display")]
        parent: B256,
        deposits: u32,
        batcher_txs: u32,
        batch_bytes: u64,
        finalized: L1Number,
    },
    /// An Ethereum slot passed without a block (slots count from genesis's slot 0).
    L1SlotMissed {
        slot: u64,
    },
}

/// Writes a hash or id as its display form (hex in display order): observations carry typed
/// values, turned into text only when the trace is written.
fn is_zero(amount: &Amount) -> bool {
    *amount == Amount::ZERO
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;

    fn json(observation: &Observation) -> String {
        serde_json::to_string(observation).expect("observations serialize")
    }

    /// Typed heights, L2 numbers, amounts and fee rates write the bare numbers, under the keys
    /// the trace always had (`*_sats`, `*_sat_per_vb`): the trace hashes depend on it.
    #[test]
    fn typed_values_keep_the_traces_keys_and_bare_numbers() {
        let txid = Txid::all_zeros();
        let sent = Observation::PopTxSent {
            keystone: KeystoneHash(bitcoin::hashes::sha256d::Hash::all_zeros()),
            l2_number: L2Number(25),
            txid,
            fee: Amount::from_sat(855),
            vsize: 285,
            fee_rate: FeeRate::from_sat_per_vb(3.0),
        };
        assert_eq!(
            json(&sent),
            format!(
                r#"{{"event":"pop-tx-sent","keystone":"{zero}","l2_number":25,"txid":"{zero}","fee_sats":855,"vsize":285,"fee_rate_sat_per_vb":3.0}}"#,
                zero = "0".repeat(64)
            )
        );
        let ledger = Observation::TunnelLedger {
            l2_number: L2Number(7),
            locked: Amount::from_sat(1),
            minted: Amount::from_sat(2),
            burned: Amount::from_sat(3),
            pending: Amount::from_sat(4),
            unminted: Amount::from_sat(5),
            unbacked: Amount::from_sat(6),
            other: Amount::from_sat(7),
            lost_payouts: Amount::ZERO,
        };
        // No lost payout: the row traces as it did before the field existed.
        assert_eq!(
            json(&ledger),
            r#"{"event":"tunnel-ledger","l2_number":7,"locked_sats":1,"minted_sats":2,"burned_sats":3,"pending_sats":4,"unminted_sats":5,"unbacked_sats":6,"other_sats":7}"#
        );
        let Observation::TunnelLedger { l2_number, locked, minted, burned, pending, unminted, unbacked, other, .. } =
            ledger
        else {
            unreachable!("built above")
        };
        let lost = Amount::from_sat(8);
        let ledger = Observation::TunnelLedger {
            l2_number,
            locked,
            minted,
            burned,
            pending,
            unminted,
            unbacked,
            other,
            lost_payouts: lost,
        };
        assert!(json(&ledger).ends_with(r#""other_sats":7,"lost_payout_sats":8}"#), "{}", json(&ledger));
        let reverted = Observation::SuperfinalityReverted {
            from_l2_number: L2Number(50),
            to_l2_number: L2Number(25),
            tip_height: BtcHeight(812),
        };
        assert_eq!(
            json(&reverted),
            r#"{"event":"superfinality-reverted","from_l2_number":50,"to_l2_number":25,"tip_height":812}"#
        );
        let over = Observation::PopFeeOverCap { l2_number: L2Number(5), estimate: FeeRate::from_sat_per_vb(101.5) };
        assert_eq!(json(&over), r#"{"event":"pop-fee-over-cap","l2_number":5,"estimate_sat_per_vb":101.5}"#);
    }
}
