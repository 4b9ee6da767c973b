//! The mock Bitcoin network's node logic: consensus, mempool, wallets, miners and attackers.
//!
//! Code map: [`params`] (rules and constants), [`build`] and [`genesis`] (blocks),
//! [`utxo`], [`mempool`] and [`node`] (a full node's state), [`wallet`] and [`script`]
//! (spends), [`miner`] and [`background`] (who produces blocks and load), [`double_spend`] and
//! [`selfish`] (attackers), [`events`] and [`peer`] (the interface the harness drives).

pub mod background;
pub mod build;
pub mod double_spend;
pub mod events;
pub mod genesis;
pub mod mempool;
pub mod miner;
pub mod node;
pub mod params;
pub mod peer;
pub mod script;
pub mod sealed;
pub mod selfish;
pub mod utxo;
pub mod wallet;

#[cfg(test)]
mod node_tests;
