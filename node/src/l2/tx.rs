//! L2 transactions: what users submit and the sequencer orders.
//!
//! An L2 transaction is an EVM message (sender, nonce, gas, value, call data, optional recipient)
//! and is identified by the keccak-256 of its canonical encoding. Signatures are not modelled: the
//! sender is given, as the mock Bitcoin chain leaves scripts unchecked.

pub use revm::primitives::{Address, B256, Bytes, U256, keccak256};

/// One L2 transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2Tx {
    pub from: Address,
    /// `None` creates a contract.
    pub to: Option<Address>,
    pub nonce: u64,
    pub gas_limit: u64,
    /// Wei per gas (legacy pricing; the sequencer orders by arrival, not by price).
    pub gas_price: u128,
    pub value: U256,
    pub input: Bytes,
}

impl L2Tx {
    /// Canonical encoding: fixed-width big-endian fields, then the call data.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + 21 + 8 + 8 + 16 + 32 + self.input.len());
        out.extend_from_slice(self.from.as_slice());
        match self.to {
            Some(to) => {
                out.push(1);
                out.extend_from_slice(to.as_slice());
            }
            None => out.push(0),
        }
        out.extend_from_slice(&self.nonce.to_be_bytes());
        out.extend_from_slice(&self.gas_limit.to_be_bytes());
        out.extend_from_slice(&self.gas_price.to_be_bytes());
        out.extend_from_slice(&self.value.to_be_bytes::<32>());
        out.extend_from_slice(&self.input);
        out
    }

    pub fn hash(&self) -> B256 {
        keccak256(self.encode())
    }
}

/// A transaction as a user submits it: simulation metadata travels with it (the sequencer uses
/// `submitted_at` only to measure inclusion latency; it is not part of the transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Shared with the block that includes it: no copy on inclusion.
    pub tx: std::sync::Arc<L2Tx>,
    pub hash: B256,
    pub submitted_at: crate::time::SimTime,
}

impl Submission {
    pub fn new(tx: L2Tx, submitted_at: crate::time::SimTime) -> std::sync::Arc<Submission> {
        std::sync::Arc::new(Submission { hash: tx.hash(), tx: std::sync::Arc::new(tx), submitted_at })
    }
}

/// The sequencer's answer to a transaction it will not include, sent back to its submitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub hash: B256,
    pub from: Address,
    pub nonce: u64,
    pub reason: RefusalReason,
}

/// Why the sequencer refused or dropped a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefusalReason {
    /// The bounded mempool was full.
    MempoolFull,
    /// Already pending.
    Duplicate,
    /// The hVM refused it (nonce already used, balance too low, gas limit above the block's).
    Invalid,
}

impl RefusalReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::MempoolFull => "mempool-full",
            RefusalReason::Duplicate => "duplicate",
            RefusalReason::Invalid => "invalid",
        }
    }
}
