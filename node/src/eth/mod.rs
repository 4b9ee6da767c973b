//! The settlement layer: a mock Ethereum L1 and the OP-stack rules that tie the L2 to it, with
//! Hemi's values (each module's header names its sources). Sans-IO like the rest of the crate.
//!
//! - [`params`]: the `[ethereum]` scenario table's values, Hemi mainnet's by default.
//! - [`types`]: what travels on L1: blocks, portal deposits, batcher transactions and frames.
//! - [`chain`]: the L1 chain (slots, missed slots, the pending pool, heads by depth).
//! - [`metering`]: the portal's guaranteed-gas market (20M L2 gas of deposits per L1 block).
//! - [`portal`]: `OptimismPortal.depositTransaction`'s checks and its deposit events.
//! - [`deposit_tx`]: deposited transactions: source hashes, L2 hashes, the L1-info deposit.
//! - [`origin`]: the sequencer's L1-origin rule and drift, with an eager or a lagging policy.
//!
//! The modules that act on them (the L1 chain, the portal, the sequencer's origin rule, the
//! batcher and derivation) each live in a file of their own here.

pub mod chain;
pub mod deposit_tx;
pub mod metering;
pub mod origin;
pub mod params;
pub mod portal;
pub mod types;

#[cfg(test)]
mod chain_tests;
#[cfg(test)]
mod origin_tests;

pub use params::EthParams;
pub use types::*;
