//! The Hemi L2: transactions, the Bitcoin view the L2 chain carries, the hVM, the sequencer and
//! verifiers. Sans-IO like the rest of this crate.

pub mod block;
pub mod btc_view;
pub mod catch_up;
pub mod censor;
pub mod chain;
pub mod conductor;
pub mod follower;
pub mod fork_guard;
pub mod genesis;
pub mod history;
pub mod hvm;
pub mod indexer;
pub mod latency;
pub mod mempool;
pub mod node;
pub mod rotation;
pub mod sequencer;
pub mod tx;
pub mod verifier;
pub mod workload;

#[cfg(test)]
mod deposit_tests;
#[cfg(test)]
mod indexer_tests;
#[cfg(test)]
mod l2_tests;
#[cfg(test)]
mod sequencer_tests;
