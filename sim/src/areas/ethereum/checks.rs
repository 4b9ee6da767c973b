//! The Ethereum L1's invariants. Safety: none yet (the L1 has no reorgs, so nothing it does can
//! break one). Liveness, after the quiet phase: the L1 ran every slot of the run, and its
//! finalized head kept `finality_depth_blocks` behind its head.

use super::record::EthereumRecorder;
use crate::harness::violation::Violation;
use crate::scenario::EthereumConfig;

/// Slots after genesis's (slot 0, at time 0) that start before the end of the run: the L1's
/// timer, like every timer, fires only before `duration_s`.
pub fn expected_slots(config: &EthereumConfig, duration_s: u64) -> u64 {
    duration_s.saturating_sub(1) / config.slot_s
}

/// The L1's liveness on the quiet world.
pub fn liveness(recorded: &EthereumRecorder, config: &EthereumConfig, duration_s: u64) -> Vec<Violation> {
    let mut violations = Vec::new();
    let expected = expected_slots(config, duration_s);
    if recorded.slots() != expected {
        violations.push(Violation::liveness(format!(
            "the Ethereum L1 ran {} of the {expected} slots of the run",
            recorded.slots()
        )));
    }
    if let Some(head) = recorded.blocks().last() {
        let expected = head.number.saturating_sub(config.finality_depth_blocks);
        if head.finalized != expected {
            violations.push(Violation::liveness(format!(
                "the Ethereum L1's finalized head is block {} at head {}, expected {expected} ({} deep)",
                head.finalized, head.number, config.finality_depth_blocks
            )));
        }
    }
    violations
}
