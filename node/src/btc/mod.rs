//! The mock Bitcoin network's node logic: consensus, mempool, wallets, miners and attackers.
//!
//! Code map: [`params`] (rules and constants), [`build`] and [`genesis`] (blocks),
//! [`utxo`], [`mempool`] and [`node`] (a full node's state), [`sync`] (catching up with a peer), [`wallet`] and [`script`]
//! (spends), [`miner`] and [`background`] (who produces blocks and load; [`aggregate`] the load as shared demand), [`double_spend`] and
//! [`selfish`] (attackers). The peers that host these, and the events they exchange with the
//! harness, are [`crate::peer`] and [`crate::events`].

pub mod aggregate;
pub mod background;
pub mod build;
pub mod double_spend;
pub mod genesis;
pub mod mempool;
pub mod miner;
pub mod node;
pub mod params;
pub mod script;
pub mod sealed;
pub mod selfish;
pub mod sync;
pub mod utxo;
pub mod wallet;

#[cfg(test)]
mod node_tests;
