//! The settlement layer: a mock Ethereum L1 and the OP-stack rules that tie the L2 to it
//! (protocol.md §7). Sans-IO like the rest of the crate.
//!
//! - [`params`]: the `[ethereum]` scenario table's values, Hemi mainnet's by default.
//! - [`types`]: what travels on L1: blocks, portal deposits, batcher transactions and frames.
//! - [`batcher`]: the sequencer's blocks to L1, as channels of frames in blob transactions.
//! - [`derivation`]: a verifier's pipeline from L1 blocks to safe L2 payload attributes, with
//!   its stages [`channel_bank`] (frames to channels) and [`batch_check`] (batch validity), and
//!   [`consolidation`] (derived attributes against the oldest unsafe block).
//!
//! The modules that act on them (the L1 chain, the portal, the sequencer's origin rule, the
//! batcher and derivation) each live in a file of their own here.

pub mod batch_check;
pub mod batcher;
pub mod channel_bank;
pub mod consolidation;
pub mod derivation;
#[cfg(test)]
mod derivation_tests;
pub mod params;
#[cfg(test)]
mod settlement_tests;
#[cfg(test)]
mod test_l1;
pub mod types;

pub use params::EthParams;
pub use types::*;
