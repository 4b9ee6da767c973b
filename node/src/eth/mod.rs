//! The settlement layer: a mock Ethereum L1 and the OP-stack rules that tie the L2 to it
//! (protocol.md §7). Sans-IO like the rest of the crate.
//!
//! - [`params`]: the `[ethereum]` scenario table's values, Hemi mainnet's by default.
//! - [`types`]: what travels on L1: blocks, portal deposits, batcher transactions and frames.
//!
//! The modules that act on them (the L1 chain, the portal, the sequencer's origin rule, the
//! batcher and derivation) each live in a file of their own here.

pub mod params;
pub mod types;

pub use params::EthParams;
pub use types::*;
