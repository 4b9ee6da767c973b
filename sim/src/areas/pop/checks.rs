//! Proof-of-Proof's invariants. Safety, on every observation: the observer's superfinal
//! frontier never moves back. Liveness, after the quiet phase: a long enough run with PoP miners
//! made some L2 block superfinal.

use crate::harness::violation::Violation;
use crate::harness::world::OBSERVER;
use crate::scenario::PopConfig;
use hemisim_node::events::Observation;
use hemisim_node::time::SimTime;

/// The safety violation `observation` is, if it is one of Proof-of-Proof's. Only the observer's
/// frontier counts: a PoP miner's node may follow a reorg the observer never saw.
pub fn safety(at: SimTime, peer: &str, observation: &Observation) -> Option<String> {
    match observation {
        Observation::SuperfinalityReverted { from_l2_number, to_l2_number, tip_height } if peer == OBSERVER => {
            Some(format!(
                "superfinality reverted at t={at}s: L2 blocks {}..={from_l2_number} were superfinal and are not any more (Bitcoin tip {tip_height})",
                to_l2_number.next()
            ))
        }
        _ => None,
    }
}

/// Proof-of-Proof's liveness: when the run was long enough for a keystone to be made and
/// confirmed three times over (`2 P + 3 (depth + 1) θ`) and there are PoP miners, some L2 block
/// became superfinal.
pub fn liveness(
    superfinal_through: u64,
    pop: &PopConfig,
    block_time_s: f64,
    duration_s: u64,
    block_interval_s: f64,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    let period_s = f64::from(pop.keystone_interval_blocks) * block_time_s;
    let enough_s = 2.0 * period_s + 3.0 * f64::from(pop.superfinality_depth + 1) * block_interval_s;
    if pop.miners > 0 && duration_s as f64 >= enough_s && superfinal_through == 0 {
        violations.push(Violation::liveness(format!(
            "no L2 block became superfinal in {duration_s} s (expected within about {enough_s:.0} s)"
        )));
    }
    violations
}
