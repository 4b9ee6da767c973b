//! Proof-of-Proof: keystones and their publication on Bitcoin, and the superfinality it gives.
//!
//! [`keystone`] is Hemi's wire format, byte for byte (docs/protocol.md §3); [`maker`] turns every
//! keystone-interval L2 block into a keystone; [`miner`] is a PoP miner (Hemi's popm) that
//! publishes them in Bitcoin transactions; [`rewriter`] is the rewrite attacker's colluding PoP
//! miner and private branch; [`index`] finds publications on a node's canonical
//! chain (Hemi's tbc keystone index); [`finality`] derives superfinality from it (BFG's rule);
//! [`fork_choice`] compares competing L2 forks by their publications (Hemi's documented PoP fork
//! resolution, VeriBlock's algorithm; not wired into the L2 node yet).

pub mod finality;
pub mod fork_choice;
pub mod index;
pub mod keystone;
pub mod maker;
pub mod miner;
pub mod rewriter;

#[cfg(test)]
mod pop_tests;
