//! The peer graph: each node opens `outbound_peers` connections to distinct nodes drawn uniformly
//! at random (Bitcoin Core picks outbound peers from its address manager; with every address
//! known, that is a uniform draw), refused by a node that already holds `INBOUND_MAX` inbound
//! connections (Core's default of 125 slots less its 10 outbound). Connections carry blocks both
//! ways. Regions are drawn from their shares. Everything comes from one stream, in node order.

use hemisim_node::rng::Stream;

/// Inbound connections a node accepts (Core: 125 slots, 8 full-relay + 2 block-relay outbound).
pub const INBOUND_MAX: usize = 115;

#[derive(Debug, Clone)]
pub struct Topology {
    /// Each node's region (index into the region table).
    pub region: Vec<u8>,
    /// Each node's neighbours: its outbound peers first, in the order drawn, then its inbound.
    pub neighbors: Vec<Vec<u32>>,
}

impl Topology {
    pub fn build(nodes: usize, outbound_peers: usize, shares: &[f64], stream: &mut Stream) -> Topology {
        let region = (0..nodes).map(|_| pick_region(shares, stream.unit())).collect();
        let mut neighbors: Vec<Vec<u32>> = vec![Vec::new(); nodes];
        let mut inbound = vec![0usize; nodes];
        let wanted = outbound_peers.min(nodes.saturating_sub(1));
        for i in 0..nodes {
            let mut opened = 0;
            // Bounded attempts: in a tiny or saturated network a node ends with fewer peers.
            let mut attempts = 0;
            while opened < wanted && attempts < 100 * wanted {
                attempts += 1;
                let j = stream.below_inclusive(nodes as u64 - 1) as usize;
                if j == i || inbound[j] >= INBOUND_MAX || neighbors[i].contains(&(j as u32)) {
                    continue;
                }
                neighbors[i].push(j as u32);
                neighbors[j].push(i as u32);
                inbound[j] += 1;
                opened += 1;
            }
        }
        Topology { region, neighbors }
    }
}

fn pick_region(shares: &[f64], u: f64) -> u8 {
    let total: f64 = shares.iter().sum();
    let mut acc = 0.0;
    for (i, s) in shares.iter().enumerate() {
        acc += s / total;
        if u < acc {
            return i as u8;
        }
    }
    (shares.len() - 1) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_opens_its_outbound_peers_to_distinct_others() {
        let mut stream = Stream::derive(7, "test/topology");
        let topo = Topology::build(200, 8, &[0.5, 0.5], &mut stream);
        for (i, peers) in topo.neighbors.iter().enumerate() {
            assert!(peers.len() >= 8, "node {i} has {} peers", peers.len());
            assert!(!peers.contains(&(i as u32)));
            let mut sorted = peers.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), peers.len(), "node {i} has a duplicate peer");
        }
        let edges: usize = topo.neighbors.iter().map(Vec::len).sum();
        assert_eq!(edges, 2 * 200 * 8, "each connection is counted at both ends");
    }
}
