//! Planted bugs: deliberate faults that only a test can switch on, to prove that the swarm
//! (`hemisim swarm`, `sim/src/swarm/`) finds and shrinks a real bug.
//!
//! There is no flag, environment variable or scenario key for them: the only way in is
//! [`arm_for_this_process`], a hidden function that nothing in the `hemisim` binary calls, so no
//! user can reach one by accident. A test that arms a bug must live in its own test binary
//! (`sim/tests/swarm_planted.rs`): the switch is process-wide, and once armed it stays armed.
//! Reading it is deterministic (it never changes during a run), so it leaves every trace hash of
//! an unarmed process exactly as it was.

use std::sync::atomic::{AtomicU8, Ordering};

/// The bugs that can be planted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PlantedBug {
    /// An L2 verifier re-executing a block whose Bitcoin attributes fork below the tip it
    /// carried (the block carries a Bitcoin reorg) keeps the reorged-out headers in its hVM view,
    /// so its state root differs from the sequencer's: a state-root mismatch, a safety violation.
    StaleReorgView = 1,
}

static ARMED: AtomicU8 = AtomicU8::new(0);

/// Arms `bug` for the rest of this process. For tests only (see the module header).
#[doc(hidden)]
pub fn arm_for_this_process(bug: PlantedBug) {
    ARMED.store(bug as u8, Ordering::SeqCst);
}

/// Whether `bug` is armed in this process.
pub(crate) fn armed(bug: PlantedBug) -> bool {
    ARMED.load(Ordering::Relaxed) == bug as u8
}
