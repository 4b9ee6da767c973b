//! The Bitcoin network with topology and bandwidth (`[network]`), beside [`super::links`]'
//! all-to-all delays, which every other message keeps.
//!
//! [`topology`] draws the peer graph and places nodes in [`regions`]; [`relay`] moves blocks
//! across it hop by hop. The world's peers are nodes `0..peers` (same indices), followed by
//! `network.nodes` relay-only nodes, which the harness never runs: they live only here. The
//! runner hands the network every block a peer broadcasts and delivers to peers what reaches
//! them; see the runner's pump (`runner/net.rs`) for how the event queue keeps pace with simulated time.

pub mod regions;
pub mod relay;
pub mod topology;

use hemisim_node::rng::Stream;

use crate::scenario::NetworkConfig;
use relay::RelayNet;
use topology::Topology;

/// The network of one run: every peer (`relays_others[i]` false for a peer that never relays
/// others' blocks, the attacker) plus the relay-only nodes.
pub fn build(config: &NetworkConfig, seed: u64, relays_others: Vec<bool>) -> RelayNet {
    let regions = config.regions();
    let shares: Vec<f64> = regions.iter().map(|r| r.share).collect();
    let nodes = relays_others.len() + config.nodes as usize;
    let mut stream = Stream::derive(seed, "network/topology");
    let topo = Topology::build(nodes, config.outbound_peers as usize, &shares, &mut stream);
    RelayNet::new(topo, &regions, config.relay, relays_others, seed)
}

/// Simulated time after the run's end to let the last blocks reach every node.
pub const SETTLE_S: u64 = 120;
