//! The settlement layer: a mock Ethereum L1 and the OP-stack rules that tie the L2 to it, with
//! Hemi's values (each module's header names its sources). Sans-IO like the rest of the crate.
//!
//! - [`params`]: the `[ethereum]` scenario table's values, Hemi mainnet's by default.
//! - [`types`]: what travels on L1: blocks, portal deposits, batcher transactions and frames.
//! - [`chain`]: the L1 chain (slots, missed slots, the pending pool, heads by depth).
//! - [`network`]: the L1 as a participant of a run: the chain on its slot grid, with its
//!   [`background_deposits`] (the portal's Poisson load).
//! - [`metering`]: the portal's guaranteed-gas market (20M L2 gas of deposits per L1 block).
//! - [`portal`]: `OptimismPortal.depositTransaction`'s checks and its deposit events.
//! - [`deposit_tx`]: deposited transactions: source hashes, L2 hashes, the L1-info deposit.
//! - [`origin`]: the sequencer's L1-origin rule and drift, with an eager or a lagging policy.
//! - [`batcher`]: the sequencer's blocks to L1, as channels of frames in blob transactions.
//! - [`derivation`]: an L2 node's pipeline from L1 blocks to safe L2 payload attributes, with
//!   its stages [`channel_bank`] (frames to channels) and [`batch_check`] (batch validity), and
//!   [`consolidation`] (derived attributes against the oldest unsafe block).
//!

pub mod background_deposits;
pub mod batch_check;
pub mod batcher;
pub mod chain;
pub mod channel_bank;
pub mod consolidation;
pub mod deposit_tx;
pub mod derivation;
pub mod metering;
pub mod network;
pub mod origin;
pub mod params;
pub mod portal;
pub mod types;

#[cfg(test)]
mod chain_tests;
#[cfg(test)]
mod derivation_tests;
#[cfg(test)]
mod origin_tests;
#[cfg(test)]
mod settlement_tests;
#[cfg(test)]
pub(crate) mod test_l1;

pub use params::EthParams;
pub use types::*;
