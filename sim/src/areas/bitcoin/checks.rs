//! Bitcoin's invariants. Safety, checked on every observation: no peer refuses a block (every
//! miner builds valid blocks, so a refusal is a consensus bug). Liveness, judged on the quiet
//! world when a run ends: the chain grew, when the run was long enough for that to be all but
//! certain (30 mean block intervals: the chance of no block at all is e^-30); and all honest nodes
//! and the observer agree on the most-work height (they may still sit on two tips of equal work:
//! first-seen ties only break with the next block).
//!
//! The run ends with a quiet phase first: mining and load stop, and every message still in
//! flight is delivered, including an attacker's reaction to a late block (two of the longest link
//! delays, plus a margin).

use crate::harness::violation::Violation;
use hemisim_node::events::Observation;
use hemisim_node::peer::Peer;
use hemisim_node::time::SimTime;

/// The safety violation `observation` is, if it is one of Bitcoin's.
pub fn safety(at: SimTime, peer: &str, observation: &Observation) -> Option<String> {
    match observation {
        Observation::BlockRejected { hash, reason } => {
            Some(format!("{peer} refused block {hash} at t={at}s: {reason}"))
        }
        _ => None,
    }
}

/// Liveness after the quiet phase: honest nodes converged, and the chain grew.
pub fn liveness(peers: &[&Peer], duration_s: u64, block_interval_s: f64) -> Vec<Violation> {
    let mut violations = Vec::new();
    let honest: Vec<&&Peer> = peers.iter().filter(|p| p.id.is_honest()).collect();
    let heights: Vec<(String, u32)> = honest.iter().map(|p| (p.name.clone(), p.node.tip_height().0)).collect();
    let (lowest, highest) = (heights.iter().map(|h| h.1).min(), heights.iter().map(|h| h.1).max());
    if lowest != highest {
        let listing: Vec<String> = heights.iter().map(|(n, h)| format!("{n}={h}")).collect();
        violations.push(Violation::liveness(format!(
            "honest nodes did not converge after the quiet phase: heights {}",
            listing.join(", ")
        )));
    }
    if duration_s as f64 >= 30.0 * block_interval_s && highest.unwrap_or(0) == 0 {
        violations.push(Violation::liveness(format!(
            "no block joined the chain in {duration_s} s (30 mean intervals or more)"
        )));
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::violation::ViolationKind;
    use bitcoin::Amount;
    use hemisim_node::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
    use hemisim_node::btc::genesis::genesis_block;
    use hemisim_node::btc::node::BitcoinNode;
    use hemisim_node::btc::params::{ChainParams, SUBSIDY};
    use hemisim_node::btc::script::p2pkh_for;
    use hemisim_node::btc::sealed::SealedBlock;
    use hemisim_node::peer::PeerId;
    use hemisim_node::rng::Stream;
    use hemisim_node::time::SimTime;

    fn peer_at_height(id: PeerId, height: u32) -> Peer {
        let name = &id.to_string();
        let genesis = SealedBlock::seal(genesis_block(&[]));
        let mut node =
            BitcoinNode::new(ChainParams { max_block_weight: 4_000_000 }, genesis, &[], 0.0, Stream::derive(0, name));
        for h in 1..=height {
            let tag = CoinbaseTag { height: h, miner: "m", extra_nonce: 0 };
            let block = mine_block(
                node.tip(),
                SimTime(h as u64),
                vec![simple_coinbase(tag, p2pkh_for("m"), SUBSIDY + Amount::ZERO)],
            );
            node.receive_block(SealedBlock::seal(block));
        }
        Peer::new(id, node, Vec::new())
    }

    #[test]
    fn converged_nodes_pass() {
        let (a, b) = (peer_at_height(PeerId::miner(0), 3), peer_at_height(PeerId::OBSERVER, 3));
        assert!(liveness(&[&a, &b], 86_400, 600.0).is_empty());
    }

    #[test]
    fn diverging_heights_fail_liveness_but_a_lagging_attacker_does_not() {
        let (a, b) = (peer_at_height(PeerId::miner(0), 3), peer_at_height(PeerId::OBSERVER, 2));
        let violations = liveness(&[&a, &b], 86_400, 600.0);
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].kind, ViolationKind::Liveness);
        assert!(violations[0].message.contains("miner-0=3, observer=2"), "{}", violations[0].message);
        let attacker = peer_at_height(PeerId::ATTACKER, 0);
        assert!(liveness(&[&a, &attacker], 86_400, 600.0).is_empty());
    }

    #[test]
    fn no_growth_in_a_long_enough_run_is_a_liveness_violation() {
        let a = peer_at_height(PeerId::miner(0), 0);
        let violations = liveness(&[&a], 30 * 600, 600.0);
        let kinds: Vec<ViolationKind> = violations.iter().map(|v| v.kind).collect();
        assert_eq!(kinds, [ViolationKind::Liveness]);
        assert!(liveness(&[&a], 29 * 600, 600.0).is_empty(), "too short to expect a block");
    }
}
