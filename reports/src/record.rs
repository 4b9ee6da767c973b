//! What one simulated run recorded: the only input of every report.
//!
//! The simulation harness fills a [`RunRecord`]; this crate turns it into `summary.json`, CSVs
//! and plots. Nothing here knows madsim or the node logic, so every report is a pure function of
//! a record and can be tested on hand-made records.
//!
//! Times are integer microseconds of simulated time since the start of the run (`*_us`), so that
//! every derived number is computed from exact values. Hashes and txids are hex strings in
//! Bitcoin's display order (byte-reversed), as a block explorer shows them.

use serde::{Deserialize, Serialize};

pub use crate::bitcoin::record::*;
pub use crate::censorship::record::*;
pub use crate::ethereum::record::*;
pub use crate::faults::record::*;
pub use crate::l2::record::*;
pub use crate::pop::record::*;
pub use crate::tunnel::record::*;

/// Everything one run recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub meta: RunMeta,
    pub btc: BtcRecord,
    /// Present when the scenario has an `[attack]` table.
    pub attack: Option<AttackRecord>,
    /// Present when the scenario has an `[l2]` table.
    #[serde(default)]
    pub l2: Option<L2Record>,
    /// Present when the scenario has a `[pop]` table (which requires `[l2]`).
    #[serde(default)]
    pub pop: Option<PopRecord>,
    /// Present when the scenario has a `[tunnel]` table (which requires `[l2]`).
    #[serde(default)]
    pub tunnel: Option<TunnelRecord>,
    /// Present when the scenario has an `[ethereum]` table (which requires `[l2]`).
    #[serde(default)]
    pub ethereum: Option<EthereumRecord>,
    /// Present when the scenario has `[[censor]]` or `[[fault]]` tables or escaping users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub censorship: Option<CensorshipRecord>,
    /// Present when the scenario has faults of peers and links (`[[fault]]` partitions, crashes,
    /// lossy or slow links, skewed clocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<FaultsRecord>,
    pub perf: PerfRecord,
}

/// Identity of the run: what produced it and its fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub scenario_name: String,
    pub seed: u64,
    /// Hex SHA-256 of the resolved scenario (after `--set` overrides), see the `sim` crate.
    pub scenario_hash: String,
    /// Hex SHA-256 over every observable event of the run, in order.
    pub trace_hash: String,
    /// Simulated time the run covered.
    pub sim_time_us: u64,
}

/// Wall-clock figures. The only part of a record that differs between two runs of one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerfRecord {
    pub wall_time_s: f64,
    /// Node events handled (timers fired and messages delivered).
    pub events: u64,
}
