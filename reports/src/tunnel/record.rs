//! What a run recorded of the BTC tunnel.

use serde::{Deserialize, Serialize};

/// The BTC tunnel: every operation, as the participants and the auditor reported it, and what
/// the observer's final main chain holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TunnelRecord {
    /// `tunnel.deposit_confirmations`: confirmations on the hVM's indexed view before a mint.
    pub deposit_confirmations: u32,
    /// Blocks the hVM's index trails its header tip (Hemi: 2): real confirmations at the mint
    /// are at least `deposit_confirmations + indexer_lag`.
    pub indexer_lag: u32,
    /// `tunnel.payout_policy`: `superfinal` or `immediate`.
    pub payout_policy: String,
    /// `tunnel.grace_period_s`: a withdrawal unpaid this long after its burn is overdue.
    pub grace_period_s: f64,
    /// Every operation, in time order (ties in the order they happened).
    pub operations: Vec<TunnelOpRow>,
    /// The auditor's books at every L2 block, in L2 order.
    pub ledger: Vec<TunnelLedgerRow>,
    /// Minted deposits whose transaction is not on the observer's final main chain: hBTC that
    /// nothing backs.
    pub losses: Vec<TunnelLossRow>,
    /// Safety violations of the tunnel's books (each also fails the run).
    pub violations: Vec<TunnelViolationRow>,
}

/// What kind of tunnel operation a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TunnelOpKind {
    /// A deposit transaction was broadcast on Bitcoin.
    Deposit,
    /// An L2 block minted hBTC for a deposit.
    Mint,
    /// A holder asked to withdraw (an L2 transaction to hBTC).
    WithdrawalRequest,
    /// An L2 block burned hBTC (withdrawal `id`).
    Burn,
    /// The operator broadcast the payout of withdrawal `id`.
    Payout,
    /// Withdrawal `id` was still unpaid after the grace period.
    Overdue,
    /// A minted deposit's transaction left the observer's main chain ...
    Unwound,
    /// ... or came back.
    Restored,
}

/// One tunnel operation. Fields that do not apply to a kind are empty (`None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelOpRow {
    pub at_us: u64,
    pub kind: TunnelOpKind,
    /// Bitcoin transaction: the deposit (deposit, mint, unwound, restored) or the payout.
    pub txid: Option<String>,
    /// The deposit's output index (mint, unwound, restored).
    pub vout: Option<u32>,
    /// The L2 block: minting (mint, unwound), burning (burn, payout, overdue).
    pub l2_number: Option<u64>,
    /// The withdrawal id (burn, payout, overdue).
    pub withdrawal_id: Option<u64>,
    /// L2 address, `0x`-hex: the deposit's recipient, or the withdrawer.
    pub account: Option<String>,
    pub amount_sats: u64,
    /// Bitcoin fee of the payout (payout only; the withdrawer bears it).
    pub fee_sats: Option<u64>,
    /// Bitcoin height of the deposit in the minting block's view (mint).
    pub btc_height: Option<u32>,
    /// Payout: the burning L2 block was superfinal when paid. Deposit / request: the treasury's.
    pub flag: bool,
    /// Overdue: seconds since the burn.
    pub age_s: Option<u64>,
    /// Payout: whether the payout is on the observer's final main chain, and when its block was
    /// found (`None` if not).
    pub confirmed_at_us: Option<u64>,
    /// The row concerns a deposit of the double-spend attacker (`attack.target = "tunnel"`):
    /// the `deposit` row of each race's payment, and the `mint`, `unwound` and `restored` rows of
    /// that deposit. Its deposits are deposits like any other; this only tells them apart.
    #[serde(default)]
    pub attacker: bool,
}

/// The auditor's books at one L2 block (see `hemisim_node::tunnel::audit`): the vault side
/// `locked - other - unminted` equals the L2 side `minted - burned + pending - unbacked`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelLedgerRow {
    pub at_us: u64,
    pub l2_number: u64,
    pub locked_sats: u64,
    pub minted_sats: u64,
    pub burned_sats: u64,
    pub pending_sats: u64,
    pub unminted_sats: u64,
    pub unbacked_sats: u64,
    pub other_sats: u64,
}

/// A minted deposit that the final main chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelLossRow {
    pub txid: String,
    pub vout: u32,
    pub amount_sats: u64,
    /// The L2 block that minted it.
    pub l2_number: u64,
    /// When it was minted and when it first left the main chain.
    pub minted_at_us: u64,
    pub unwound_at_us: u64,
}

/// A broken rule of the tunnel's books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelViolationRow {
    pub at_us: u64,
    pub l2_number: u64,
    pub what: String,
}
