//! What a run with faults records: each fault, and the liveness phase after the last one ends.

use serde::{Deserialize, Serialize};

/// Present when the scenario has faults of peers and links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultsRecord {
    /// Each fault, in scenario order.
    pub faults: Vec<FaultRow>,
    /// When the last fault ended: the liveness phase starts there.
    pub healed_at_us: u64,
    /// The first moment from then on when every honest node had the same Bitcoin height
    /// (`None`: never by the end of the run).
    pub btc_converged_at_us: Option<u64>,
    /// The first moment from then on when every verifier had the block the sequencer was at when
    /// the last fault ended (`None`: never; absent without verifiers: see `l2_converges`).
    pub l2_converged_at_us: Option<u64>,
    /// Whether the run has verifiers whose convergence is measured.
    pub l2_converges: bool,
    /// The longest convergence the scenario allows (see `scenarios/README.md`, `[[fault]]`).
    pub bound_us: u64,
    /// Transactions restarts took from the sequencer's mempool.
    pub mempool_lost_txs: u64,
}

/// One fault as it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRow {
    /// Its index among the scenario's `[[fault]]` tables.
    pub index: u32,
    pub kind: String,
    pub start_us: u64,
    pub end_us: u64,
    /// The peers it hit, by name; for a partition, its groups (`|` between groups).
    pub peers: String,
}

impl FaultsRecord {
    /// How long after the last fault the network took to converge: the later of Bitcoin and the
    /// L2 (`None` if either never did).
    pub fn convergence_us(&self) -> Option<u64> {
        let btc = self.btc_converged_at_us?;
        let l2 = if self.l2_converges { self.l2_converged_at_us? } else { btc };
        Some(btc.max(l2).saturating_sub(self.healed_at_us))
    }
}
