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

/// The L2's liveness: after the quiet phase every verifier that never disagreed has verified
/// every produced block.
pub fn liveness(peers: &[&Peer]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let reports = || peers.iter().flat_map(|p| p.reports().map(move |r| (p, r)));
    let produced = reports().find_map(|(_, r)| match r {
        DutyReport::Sequencer(seq) => Some(seq.head_number()),
        _ => None,
    });
    let Some(produced) = produced else { return violations };
    for (peer, report) in reports() {
        if let DutyReport::Verifier(v) = report
            && v.verified < produced.0
            && v.mismatches == 0
        {
            violations.push(Violation::liveness(format!(
                "{} verified {} of the {produced} L2 blocks after the quiet phase",
                peer.name, v.verified
            )));
        }
    }
    violations
}
