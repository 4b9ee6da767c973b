//! Hemi's Bitcoin precompiles 0x40–0x46 ("hVM phase 0"), reimplemented byte for byte.
//!
//! Source followed: `hemilabs/op-geth` `core/vm/contracts.go`, the 2025 version that also has
//! 0x47–0x49 (`MIN_BTC_ADDRESS_LENGTH = 24`, `BTC_TXID_LENGTH_BYTES = 32`; functions
//! `btcBalAddr.Run`, `btcUtxosAddrList.Run`, `btcTxByTxid.Run`, `btcTxConfirmations.Run`,
//! `btcLastHeader.Run`, `btcHeaderN.Run`, `btcAddrToScript.Run`), its gas table
//! `params/protocol_params.go` (`BtcAddrBal` … `BtcAddrToScript`), and the edge behaviour its
//! own tests pin as deployed (`core/vm/contracts_hvm_test.go`,
//! `core/vm/tbc_fullnode_synthetic_test.go`, and the `miner` regression tests of PR #1073).
//! The October 2024 branch `max/hvmphase0` (lines 837–1486 of that file) has an older 0x42
//! layout; where they differ, the newer one is followed (see [`tx::TxFields`]). Common rules:
//!
//! - Raw bytes in, raw bytes out (not ABI). Integers big-endian. Every hash (txid, block hash,
//!   merkle root) is in display order, i.e. byte-reversed from its internal order.
//! - Gas is a fixed constant per precompile, charged before anything else; too little gas is an
//!   out-of-gas halt.
//! - Malformed input (wrong length, undecodable address for 0x40/0x41, unknown tx for 0x42, a
//!   height outside the view for 0x45) returns **empty output with success**: the call costs the
//!   precompile's gas and nothing more (Hemi's `ErrHVMInvalidPrecompileInput` no-op).
//! - Two cases Hemi deliberately keeps as *failures* (a raw error: the call fails and burns all
//!   the gas it was given), frozen as deployed: 0x43 with a txid that is not indexed, and 0x46
//!   with an address that does not decode. See [`Answer::Fail`].
//! - Each reads only the [`BtcView`] pinned for the block: headers up to the L2 chain's
//!   Bitcoin tip, transactions and UTXOs up to the indexed tip (header tip − 2).

mod address;
mod balance;
mod headers;
mod provider;
mod tx;

pub use address::script_for_address;
pub use balance::UTXO_ENTRY_LEN;
pub use headers::{HEADER_OUTPUT_LEN, encode_header};
pub use provider::HvmPrecompiles;
pub use tx::{TxFields, is_unspendable};

use crate::l2::btc_view::BtcView;
use revm::primitives::Address;

/// Shortest input Hemi accepts as a Bitcoin address string (`MIN_BTC_ADDRESS_LENGTH`).
pub const MIN_ADDRESS_LEN: usize = 24;

/// The seven phase-0 precompiles, by address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BtcPrecompile {
    BalAddr = 0x40,
    UtxosAddrList = 0x41,
    TxByTxid = 0x42,
    TxConfirmations = 0x43,
    LastHeader = 0x44,
    HeaderN = 0x45,
    AddrToScript = 0x46,
}

/// What a precompile answers, before gas is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A successful call returning these bytes; empty for invalid input.
    Return(Vec<u8>),
    /// Hemi returns a raw error here: the call fails and consumes all the gas it was given.
    Fail(&'static str),
}

impl Answer {
    /// Hemi's invalid-input no-op: success, no output.
    pub fn invalid() -> Self {
        Answer::Return(Vec::new())
    }
}

impl BtcPrecompile {
    pub const ALL: [BtcPrecompile; 7] = [
        BtcPrecompile::BalAddr,
        BtcPrecompile::UtxosAddrList,
        BtcPrecompile::TxByTxid,
        BtcPrecompile::TxConfirmations,
        BtcPrecompile::LastHeader,
        BtcPrecompile::HeaderN,
        BtcPrecompile::AddrToScript,
    ];

    /// The 20-byte address, `0x00…00XX`.
    pub fn address(self) -> Address {
        let mut bytes = [0u8; 20];
        bytes[19] = self as u8;
        Address::from(bytes)
    }

    pub fn from_address(address: &Address) -> Option<Self> {
        let (zeros, last) = address.as_slice().split_at(19);
        if zeros.iter().any(|b| *b != 0) {
            return None;
        }
        Self::ALL.into_iter().find(|p| *p as u8 == last[0])
    }

    /// Gas charged per call, whatever the input (op-geth `params.Btc*`).
    pub const fn gas(self) -> u64 {
        match self {
            BtcPrecompile::BalAddr => 50_000,
            BtcPrecompile::UtxosAddrList => 100_000,
            BtcPrecompile::TxByTxid => 25_000,
            BtcPrecompile::TxConfirmations => 5_000,
            BtcPrecompile::LastHeader => 5_000,
            BtcPrecompile::HeaderN => 6_000,
            BtcPrecompile::AddrToScript => 25_000,
        }
    }

    /// Runs the precompile on `input` against the block's Bitcoin view. Never panics.
    pub fn run(self, input: &[u8], view: &dyn BtcView) -> Answer {
        match self {
            BtcPrecompile::BalAddr => balance::bal_addr(input, view),
            BtcPrecompile::UtxosAddrList => balance::utxos_addr_list(input, view),
            BtcPrecompile::TxByTxid => tx::tx_by_txid(input, view),
            BtcPrecompile::TxConfirmations => tx::tx_confirmations(input, view),
            BtcPrecompile::LastHeader => headers::last_header(input, view),
            BtcPrecompile::HeaderN => headers::header_n(input, view),
            BtcPrecompile::AddrToScript => balance::addr_to_script(input),
        }
    }
}

/// A 32-byte hash as the precompiles show it: internal byte order reversed.
fn display_order(internal: [u8; 32]) -> [u8; 32] {
    let mut bytes = internal;
    bytes.reverse();
    bytes
}
