//! The settlement layer's parameters. Defaults are Hemi mainnet's (its `rollup.json`, the forks
//! of 2025-07-03).

use crate::time::SimDuration;

/// The `[ethereum]` scenario table.
#[derive(Debug, Clone, PartialEq)]
pub struct EthParams {
    /// Proof-of-stake slot length (12 s).
    pub slot: SimDuration,
    /// Share of slots without a block.
    pub missed_slot_rate: f64,
    /// A block is final when this many blocks are on top of it (64: two epochs).
    pub finality_depth_blocks: u64,
    /// The sequencing window, in L1 blocks (Hemi: 3600, 12 h).
    pub seq_window_blocks: u64,
    /// How far an L2 block's time may run ahead of its L1 origin's (1800 s since Hemi's
    /// 2025-07-03 fork; 600 before).
    pub max_sequencer_drift_s: u64,
    /// A channel not complete this many L1 blocks after its first frame is dropped (50; 300
    /// before the fork).
    pub channel_timeout_blocks: u64,
    /// The sequencer adopts an L1 block as origin only when it is this deep (4).
    pub sequencer_l1_confs: u64,
    /// `false`: the batcher posts nothing (failure scenarios).
    pub batcher_enabled: bool,
    /// How often the batcher closes a channel and posts it.
    pub batcher_interval: SimDuration,
    /// The batcher closes a channel before `oldest origin + seq_window - sub_safety_margin`
    /// (op-batcher's default: 10 L1 blocks).
    pub sub_safety_margin_blocks: u64,
    /// Background portal deposits per second (0: none).
    pub deposit_rate_per_s: f64,
}

impl Default for EthParams {
    fn default() -> Self {
        EthParams {
            slot: SimDuration::from_secs(12),
            missed_slot_rate: 0.0,
            finality_depth_blocks: 64,
            seq_window_blocks: 3600,
            max_sequencer_drift_s: 1800,
            channel_timeout_blocks: 50,
            sequencer_l1_confs: 4,
            batcher_enabled: true,
            batcher_interval: SimDuration::from_secs(60),
            sub_safety_margin_blocks: 10,
            deposit_rate_per_s: 0.0,
        }
    }
}
