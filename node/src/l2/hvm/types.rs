//! The values that cross the hVM's boundary: a block's environment, receipts, outcomes and the
//! reasons a transaction is refused.

use crate::units::L2Number;
use revm::primitives::{Address, B256, Bytes, Log, U256};

/// The environment of one L2 block, as the sequencer decides it and the verifiers replay it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockEnvSpec {
    pub number: L2Number,
    pub timestamp_s: u64,
    pub gas_limit: u64,
    /// Receives the fees (zero while gas is free: basefee 0 and, in the workload, gas price 0).
    pub beneficiary: Address,
}

/// What executing one included transaction produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub tx_hash: B256,
    /// False when the transaction reverted or halted; it is still included and pays its gas.
    pub success: bool,
    /// Gas charged to the block for this transaction (after refunds).
    pub gas_used: u64,
    /// Return data, revert data, or empty after a halt.
    pub output: Bytes,
    /// Events emitted (empty unless it succeeded: a revert discards them).
    pub logs: Vec<Log>,
}

/// A finished block: what a verifier compares with the sequencer's claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockOutcome {
    pub gas_used: u64,
    pub state_root: B256,
    pub receipts: Vec<Receipt>,
}

/// A transaction that cannot be included in the block being built; the state is untouched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("transaction {tx_hash} rejected: {reason}")]
pub struct TxRejected {
    pub tx_hash: B256,
    pub reason: RejectReason,
}

/// Why a transaction was refused, with the values compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectReason {
    #[error("nonce {got}, expected {expected}")]
    NonceMismatch { expected: u64, got: u64 },
    #[error("balance {available} cannot cover value plus gas_limit * gas_price = {needed}")]
    InsufficientBalance { needed: U256, available: U256 },
    #[error("gas limit {gas_limit} exceeds the block's remaining gas {remaining}")]
    BlockGasExceeded { gas_limit: u64, remaining: u64 },
    #[error("gas limit {gas_limit} exceeds the per-transaction cap {cap} (EIP-7825)")]
    TxGasCapExceeded { gas_limit: u64, cap: u64 },
    #[error("gas limit {gas_limit} is below the intrinsic gas {intrinsic}")]
    IntrinsicGasTooLow { intrinsic: u64, gas_limit: u64 },
    /// Any other check revm makes (for example a sender with code, EIP-3607).
    #[error("invalid transaction: {0}")]
    Invalid(String),
}
