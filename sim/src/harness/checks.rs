//! Invariants watched from outside the peers, checked when a run ends.
//!
//! The run ends with a quiet phase: mining and load stop, and every message still in flight is
//! delivered (the longest link delay, plus a margin). Then:
//! - **safety**: no peer refused a block (every miner here builds valid blocks, so a refusal is a
//!   consensus bug); every honest node's chain is valid by construction of the node.
//! - **liveness**: the chain grew, when the run was long enough for that to be all but certain
//!   (30 mean block intervals: the chance of no block at all is e^-30); and all honest nodes and
//!   the observer agree on the most-work height (they may still sit on two tips of equal work:
//!   first-seen ties only break with the next block).

use super::recorder::Rejection;
use super::world::ATTACKER;
use hemisim_node::btc::peer::Peer;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    Safety,
    Liveness,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub kind: ViolationKind,
    pub message: String,
}

pub fn check(peers: &[&Peer], rejections: &[Rejection], duration_s: u64, block_interval_s: f64) -> Vec<Violation> {
    let mut violations: Vec<Violation> = rejections
        .iter()
        .map(|r| Violation { kind: ViolationKind::Safety, message: format!("{} refused block {} at t={}s: {}", r.peer, r.hash, r.at, r.reason) })
        .collect();
    let honest: Vec<&&Peer> = peers.iter().filter(|p| p.name != ATTACKER).collect();
    let heights: Vec<(String, u32)> = honest.iter().map(|p| (p.name.clone(), p.node.tip_height())).collect();
    let (lowest, highest) = (heights.iter().map(|h| h.1).min(), heights.iter().map(|h| h.1).max());
    if lowest != highest {
        let listing: Vec<String> = heights.iter().map(|(n, h)| format!("{n}={h}")).collect();
        violations.push(Violation { kind: ViolationKind::Liveness, message: format!("honest nodes did not converge after the quiet phase: heights {}", listing.join(", ")) });
    }
    if duration_s as f64 >= 30.0 * block_interval_s && highest.unwrap_or(0) == 0 {
        violations.push(Violation { kind: ViolationKind::Liveness, message: format!("no block joined the chain in {duration_s} s (30 mean intervals or more)") });
    }
    violations
}
