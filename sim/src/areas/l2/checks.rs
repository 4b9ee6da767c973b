//! The L2's invariants. Safety, on every observation: no verifier disagrees with a block the
//! sequencer produced. Liveness, after the quiet phase: every verifier that never disagreed has
//! verified every produced block.

use crate::harness::violation::Violation;
use hemisim_node::events::Observation;
use hemisim_node::peer::{DutyReport, Peer};
use hemisim_node::time::SimTime;

/// The safety violation `observation` is, if it is one of the L2's.
pub fn safety(at: SimTime, peer: &str, observation: &Observation) -> Option<String> {
    match observation {
        Observation::L2Mismatch { number, what } => {
            Some(format!("{peer} disagrees with L2 block {number} at t={at}s: {what}"))
        }
        _ => None,
    }
}

/// The L2's liveness: after the quiet phase every verifier that never disagreed holds the
/// sequencer's chain up to its head; with a settlement layer (`seq_window_blocks`), every L2
/// node's derivation kept up with L1: its safe head's L1 origin is at most one sequencing
/// window (and the block being read) behind the last L1 block it read, whatever the batcher did.
pub fn liveness(peers: &[&Peer], seq_window_blocks: Option<u64>) -> Vec<Violation> {
    let mut violations = Vec::new();
    let reports = || peers.iter().flat_map(|p| p.reports().map(move |r| (p, r)));
    let sequencer = reports().find_map(|(_, r)| match r {
        DutyReport::Sequencer(seq) => Some(seq),
        _ => None,
    });
    let Some(sequencer) = sequencer else { return violations };
    let produced = sequencer.head_number();
    for (peer, report) in reports() {
        // A verifier whose PoP fork choice refused a derived reorg keeps its own fork, by design.
        if let DutyReport::Verifier(v) = report
            && v.node().unsafe_head() < produced
            && v.mismatches == 0
            && v.fork_conflicts == 0
        {
            violations.push(Violation::liveness(format!(
                "{} holds {} of the {produced} L2 blocks after the quiet phase",
                peer.name,
                v.node().unsafe_head()
            )));
        }
    }
    let Some(window) = seq_window_blocks else { return violations };
    // A refusing verifier's safe head waits at the fork point for good (its derivation holds the
    // payload it refused).
    let nodes = reports().filter_map(|(peer, report)| match report {
        DutyReport::Sequencer(seq) => Some((peer, seq.node())),
        DutyReport::Verifier(v) if v.fork_conflicts == 0 => Some((peer, v.node())),
        _ => None,
    });
    for (peer, node) in nodes {
        let (Some(safe), Some(read)) = (node.safe_head(), node.l1_read()) else { continue };
        if safe.l1_origin.number.0 + window + 1 < read.number.0 {
            violations.push(Violation::liveness(format!(
                "{}'s safe head {} has L1 origin {}, more than the sequencing window ({window}) behind L1 block {} it read",
                peer.name, safe.number, safe.l1_origin.number, read.number
            )));
        }
    }
    violations
}
