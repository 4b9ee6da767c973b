//! The L2's adversaries and faults as scenario tables: `[[censor]]` (what a censoring sequencer
//! leaves out, how and when) and `[[fault]]` (a sequencer that halts or whose batches never
//! reach L1; partitions, crashes, lossy or slow links and skewed clocks). Several of each are allowed; every table is optional, and a scenario without them
//! resolves (and hashes) as before.

use serde::{Deserialize, Serialize};

/// `[[censor]]`: one censorship rule of the sequencer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CensorConfig {
    /// What is censored.
    pub target: CensorTarget,
    /// `senders`: the share of the workload's accounts censored, chosen by the seed.
    #[serde(default)]
    pub share: f64,
    /// `accounts`: the L2 addresses censored (`0x`-hex), or workload accounts by index
    /// (`"user:7"`).
    #[serde(default)]
    pub accounts: Vec<String>,
    /// `drop`: never include; `delay`: hold for `delay_s`.
    #[serde(default)]
    pub mode: CensorMode,
    /// `delay`: how long a transaction is held after it arrives.
    #[serde(default)]
    pub delay_s: f64,
    /// When the rule starts, in seconds from the start of the run.
    #[serde(default)]
    pub start_s: f64,
    /// How long it lasts (0: to the end of the run).
    #[serde(default)]
    pub duration_s: f64,
    /// With a sequencer set: the member that censors (only while it sequences); left out, every
    /// member does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequencer: Option<u32>,
}

/// `censor.target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CensorTarget {
    /// A share of the workload's senders, chosen by the seed.
    Senders,
    /// Named accounts.
    Accounts,
    /// Calls of the workload's hVM contract (transactions that read Bitcoin).
    HvmCalls,
    /// Tunnel burns: calls of hBTC's `withdraw`.
    TunnelBurns,
    /// Portal deposits: the sequencer postpones adopting L1 origins as far as the drift allows.
    Deposits,
    /// Every user transaction.
    All,
}

impl CensorTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            CensorTarget::Senders => "senders",
            CensorTarget::Accounts => "accounts",
            CensorTarget::HvmCalls => "hvm_calls",
            CensorTarget::TunnelBurns => "tunnel_burns",
            CensorTarget::Deposits => "deposits",
            CensorTarget::All => "all",
        }
    }
}

/// `censor.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CensorMode {
    #[default]
    Drop,
    Delay,
}

impl CensorMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CensorMode::Drop => "drop",
            CensorMode::Delay => "delay",
        }
    }
}

/// `[[fault]]`: a fault at a time, for a duration: of the sequencer (`halt`,
/// `withhold_batches`) or of peers and their links (`partition`, `crash`, `loss`, `slow`,
/// `clock_skew`). Who it hits is written with peer selectors (see [`super::peers`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    pub kind: FaultKind,
    /// When it starts, in seconds from the start of the run.
    pub at_s: f64,
    /// How long it lasts.
    pub for_s: f64,
    /// Who it hits (every kind but `partition`); the sequencer when left out.
    #[serde(default = "default_fault_peers")]
    pub peers: Vec<String>,
    /// `partition`: groups of peers that cannot reach one another; the peers named in no group
    /// form one more group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Vec<String>>,
    /// `loss`: the probability that each message to or from the peers is dropped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub probability: f64,
    /// `slow`: extra delay on every message to or from the peers, in milliseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extra_ms: f64,
    /// `clock_skew`: how far the peers' clocks are ahead (negative: behind), in milliseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skew_ms: f64,
}

fn default_fault_peers() -> Vec<String> {
    vec!["sequencer".to_owned()]
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// `fault.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The sequencer produces nothing (its batcher has nothing new to post).
    Halt,
    /// The sequencer keeps producing, and its batcher posts nothing.
    WithholdBatches,
    /// Groups of peers cannot reach one another; at the end they reconnect and catch up.
    Partition,
    /// The peers stop; at the end they restart with what a node persists (see ARCHITECTURE.md,
    /// "Faults").
    Crash,
    /// Each message to or from the peers is dropped with `probability`.
    Loss,
    /// Messages to or from the peers take `extra_ms` longer.
    Slow,
    /// The peers' clocks are `skew_ms` off.
    ClockSkew,
    /// Conductor: the leader hands leadership to the next member, which cannot build blocks
    /// for the fault's duration (its health check hands on).
    BadHandoff,
    /// Conductor: an operator makes the member named in `peers` sequence without a quorum.
    ConductorOverride,
}

impl FaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Halt => "halt",
            FaultKind::WithholdBatches => "withhold_batches",
            FaultKind::Partition => "partition",
            FaultKind::Crash => "crash",
            FaultKind::Loss => "loss",
            FaultKind::Slow => "slow",
            FaultKind::ClockSkew => "clock_skew",
            FaultKind::BadHandoff => "bad_handoff",
            FaultKind::ConductorOverride => "conductor_override",
        }
    }

    /// Faults of the sequencer's own behaviour, which its configuration carries; the others are
    /// the harness's (links, clocks, crashes).
    pub fn is_sequencers(self) -> bool {
        matches!(
            self,
            FaultKind::Halt | FaultKind::WithholdBatches | FaultKind::BadHandoff | FaultKind::ConductorOverride
        )
    }
}

/// How long after the last fault of peers and links ends the network must have converged (every
/// honest node at one Bitcoin height, every verifier at the sequencer's block of that moment):
/// a node asks a peer it reconnects to and gets the answer (two of the longest hops), one more
/// hop for a block found meanwhile, and a fourth for margin; L2 nodes that only lost messages
/// notice at the next L2 block (a block time) and may have to wait out a standing request (5 s),
/// or, lacking a Bitcoin block a reorg took off the active chain, 5 s before asking for it;
/// on a settlement chain, a missed L1 block shows at the next slot; and a message sent just before
/// a `slow` fault ends still takes its extra delay (the largest of the scenario's).
pub fn convergence_bound_s(s: &super::Scenario) -> f64 {
    let hop_s = (s.bitcoin.propagation_delay_ms + s.bitcoin.propagation_jitter_ms) as f64 / 1e3;
    let l2_s = s.l2.as_ref().map_or(0.0, |l2| l2.block_time_s + 5.0);
    let l1_s = s.ethereum.as_ref().map_or(0.0, |e| e.slot_s as f64);
    let slow_s = s.fault.iter().filter(|f| f.kind == FaultKind::Slow).map(|f| f.extra_ms / 1e3).fold(0.0, f64::max);
    4.0 * hop_s + l2_s + l1_s + slow_s + 1.0
}
