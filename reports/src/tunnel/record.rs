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
    pub operations: Vec<TunnelOp>,
    /// The auditor's books at every L2 block, in L2 order.
    pub ledger: Vec<TunnelLedgerRow>,
    /// Minted deposits whose transaction is not on the observer's final main chain: hBTC that
    /// nothing backs.
    pub losses: Vec<TunnelLossRow>,
    /// Payouts on the observer's final main chain whose burn an L2 reorg took away: BTC paid for
    /// withdrawals the final L2 chain does not have.
    #[serde(default)]
    pub lost_payouts: Vec<TunnelLostPayoutRow>,
    /// Safety violations of the tunnel's books (each also fails the run).
    pub violations: Vec<TunnelViolationRow>,
}

/// What kind of tunnel operation a row is: [`Operation`] without its fields, to filter by.
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

/// One tunnel operation and when it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelOp {
    pub at_us: u64,
    #[serde(flatten)]
    pub op: Operation,
}

/// What happened, with the fields of its kind. Txids are hex, L2 addresses `0x`-hex. `attacker`:
/// the operation concerns a deposit of the double-spend attacker (`attack.target = "tunnel"`):
/// the deposit of each race's payment, and the mint, unwinds and restores of that deposit. Its
/// deposits are deposits like any other; this only tells them apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Operation {
    /// A deposit transaction was broadcast on Bitcoin, for `recipient` on L2; `treasury`: the
    /// treasury's.
    Deposit { txid: String, recipient: String, amount_sats: u64, treasury: bool, attacker: bool },
    /// L2 block `l2_number` minted hBTC for output `vout` of deposit `txid`, which was at Bitcoin
    /// height `btc_height` in that block's view.
    Mint {
        txid: String,
        vout: u32,
        l2_number: u64,
        recipient: String,
        amount_sats: u64,
        btc_height: u32,
        attacker: bool,
    },
    /// `from` asked to withdraw (an L2 transaction to hBTC); `treasury`: the treasury did.
    WithdrawalRequest { from: String, amount_sats: u64, treasury: bool },
    /// L2 block `l2_number` burned `from`'s hBTC: withdrawal `id`.
    Burn { l2_number: u64, id: u64, from: String, amount_sats: u64 },
    /// The operator broadcast payout `txid` of withdrawal `id` (burned in L2 block `l2_number`),
    /// paying the Bitcoin fee `fee_sats` out of the amount. `superfinal`: the burning block was
    /// superfinal when paid. `confirmed_at_us`: when the observer's final main chain's block
    /// holding the payout was found (`None` if no such block holds it).
    Payout {
        txid: String,
        l2_number: u64,
        id: u64,
        amount_sats: u64,
        fee_sats: u64,
        superfinal: bool,
        confirmed_at_us: Option<u64>,
    },
    /// Withdrawal `id`, burned in L2 block `l2_number`, was still unpaid `age_s` seconds after its
    /// burn (past the grace period).
    Overdue { l2_number: u64, id: u64, age_s: u64 },
    /// The deposit output minted in L2 block `l2_number` left the observer's main chain ...
    Unwound { txid: String, vout: u32, l2_number: u64, amount_sats: u64, attacker: bool },
    /// ... or came back.
    Restored { txid: String, vout: u32, amount_sats: u64, attacker: bool },
}

impl Operation {
    pub fn kind(&self) -> TunnelOpKind {
        match self {
            Operation::Deposit { .. } => TunnelOpKind::Deposit,
            Operation::Mint { .. } => TunnelOpKind::Mint,
            Operation::WithdrawalRequest { .. } => TunnelOpKind::WithdrawalRequest,
            Operation::Burn { .. } => TunnelOpKind::Burn,
            Operation::Payout { .. } => TunnelOpKind::Payout,
            Operation::Overdue { .. } => TunnelOpKind::Overdue,
            Operation::Unwound { .. } => TunnelOpKind::Unwound,
            Operation::Restored { .. } => TunnelOpKind::Restored,
        }
    }

    /// The Bitcoin transaction: the deposit (deposit, mint, unwound, restored) or the payout.
    pub fn txid(&self) -> Option<&str> {
        match self {
            Operation::Deposit { txid, .. }
            | Operation::Mint { txid, .. }
            | Operation::Payout { txid, .. }
            | Operation::Unwound { txid, .. }
            | Operation::Restored { txid, .. } => Some(txid),
            Operation::WithdrawalRequest { .. } | Operation::Burn { .. } | Operation::Overdue { .. } => None,
        }
    }

    /// The deposit's output index (mint, unwound, restored).
    pub fn vout(&self) -> Option<u32> {
        match *self {
            Operation::Mint { vout, .. } | Operation::Unwound { vout, .. } | Operation::Restored { vout, .. } => {
                Some(vout)
            }
            _ => None,
        }
    }

    /// The L2 block: minting (mint, unwound) or burning (burn, payout, overdue).
    pub fn l2_number(&self) -> Option<u64> {
        match *self {
            Operation::Mint { l2_number, .. }
            | Operation::Unwound { l2_number, .. }
            | Operation::Burn { l2_number, .. }
            | Operation::Payout { l2_number, .. }
            | Operation::Overdue { l2_number, .. } => Some(l2_number),
            _ => None,
        }
    }

    /// The withdrawal id (burn, payout, overdue).
    pub fn withdrawal_id(&self) -> Option<u64> {
        match *self {
            Operation::Burn { id, .. } | Operation::Payout { id, .. } | Operation::Overdue { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The L2 account: the deposit's recipient (deposit, mint) or the withdrawer (request, burn).
    pub fn account(&self) -> Option<&str> {
        match self {
            Operation::Deposit { recipient, .. } | Operation::Mint { recipient, .. } => Some(recipient),
            Operation::WithdrawalRequest { from, .. } | Operation::Burn { from, .. } => Some(from),
            _ => None,
        }
    }

    /// The amount deposited, minted, requested, burned, paid, unwound or restored (0 for overdue).
    pub fn amount_sats(&self) -> u64 {
        match *self {
            Operation::Deposit { amount_sats, .. }
            | Operation::Mint { amount_sats, .. }
            | Operation::WithdrawalRequest { amount_sats, .. }
            | Operation::Burn { amount_sats, .. }
            | Operation::Payout { amount_sats, .. }
            | Operation::Unwound { amount_sats, .. }
            | Operation::Restored { amount_sats, .. } => amount_sats,
            Operation::Overdue { .. } => 0,
        }
    }

    /// The operation concerns a deposit of the double-spend attacker (always `false` for the
    /// kinds about withdrawals).
    pub fn attacker(&self) -> bool {
        match *self {
            Operation::Deposit { attacker, .. }
            | Operation::Mint { attacker, .. }
            | Operation::Unwound { attacker, .. }
            | Operation::Restored { attacker, .. } => attacker,
            _ => false,
        }
    }
}

/// The auditor's books at one L2 block (see `hemisim_node::tunnel::audit`): the vault side
/// `locked - other - unminted + lost_payouts` equals the L2 side `minted - burned + pending -
/// unbacked`.
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
    /// Payouts on the main chain whose burn an L2 reorg took away.
    #[serde(default)]
    pub lost_payout_sats: u64,
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

/// A payout whose burn an L2 reorg took away, at the end of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelLostPayoutRow {
    pub txid: String,
    /// The withdrawal it paid.
    pub id: u64,
    pub amount_sats: u64,
    /// The L2 block that burned it, on the chain that block left.
    pub l2_number: u64,
}

/// A broken rule of the tunnel's books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelViolationRow {
    pub at_us: u64,
    pub l2_number: u64,
    pub what: String,
}
