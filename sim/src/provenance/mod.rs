//! Provenance: after a run, each minted deposit's chain of trust as raw bytes, so that anyone can
//! re-check it with `hemisim verify` without trusting the simulator's verdicts.
//!
//! ```text
//!  deposit tx ─merkle proof─► main-chain Bitcoin block (headers file: linked, proof of work)
//!      └─► mint in L2 block m (transactions root over attributes, mints, tx hashes)
//!            └─► L2 headers m ..= k, chained by parent hash ─► keystone of block k
//!                  └─► PoP tx carrying it ─merkle proof─► main-chain block ─► confirmations,
//!                                                                            superfinality
//! ```
//!
//! - [`collect`]: [`build`], from the sequencer's history and the observer's node.
//! - [`bundle`]: the JSON bundle's layout and the byte codecs.
//! - [`files`]: [`write`](fn@write) and [`load`]ing the files back; [`decode`]: their text to bytes.
//! - [`verify`](mod@verify) and [`anchor`]: recomputing every link from the files.
//! - [`origin`]: that a bundle was written by the run whose folder it sits in.

pub mod anchor;
pub mod bundle;
pub mod collect;
pub mod decode;
pub mod files;
pub mod origin;
pub mod verify;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;

use bitcoin::Txid;
use bitcoin::block::Header;
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::l2::history::L2History;
use hemisim_node::l2::tx::B256;
use hemisim_node::tunnel::TunnelParams;
use std::collections::BTreeMap;

pub use bundle::{DepositBundle, RunRef};
pub use collect::build;
pub use files::{load, write};
pub use verify::{BadInput, Link, Mark, Report, Verdict, verify};

/// What [`build`] reads at the end of a run.
#[derive(Debug, Clone, Copy)]
pub struct ProvenanceInput<'a> {
    pub history: &'a L2History,
    /// The observer's node: its active chain is the run's main chain.
    pub bitcoin: &'a BitcoinNode,
    pub l2_genesis_hash: B256,
    pub tunnel: &'a TunnelParams,
    /// `None`: the run has no Proof-of-Proof.
    pub keystone_interval_blocks: Option<u32>,
    pub superfinality_depth: u32,
}

/// The main chain's headers (index = height) and one bundle per minted deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub headers: Vec<Header>,
    pub deposits: BTreeMap<Txid, DepositBundle>,
}

/// The keystone of a block, from its header alone: the sequencer's own definition.
pub use hemisim_node::pop::maker::keystone_of;
