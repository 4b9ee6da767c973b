//! `[ethereum]`: the settlement layer, a mock Ethereum L1 (requires `[l2]`). Every default is
//! Hemi mainnet's, read from [`EthParams::default`] (the one place they are written; see
//! `super::defaults`), and [`EthereumConfig::params`] turns the table back into [`EthParams`].

use hemisim_node::eth::EthParams;
use hemisim_node::time::SimDuration;
use serde::{Deserialize, Serialize};

use super::defaults;

/// `[ethereum]`: proof-of-stake slots, finality, the OP-stack windows and the portal's load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EthereumConfig {
    /// Proof-of-stake slot length (12 s); L1 block times are whole seconds.
    #[serde(default = "defaults::ethereum_slot_s")]
    pub slot_s: u64,
    /// Share of slots without a block.
    #[serde(default = "defaults::ethereum_missed_slot_rate")]
    pub missed_slot_rate: f64,
    /// A block is final when this many blocks are on top of it (64: two epochs).
    #[serde(default = "defaults::ethereum_finality_depth_blocks")]
    pub finality_depth_blocks: u64,
    /// The sequencing window, in L1 blocks (Hemi: 3600, 12 h).
    #[serde(default = "defaults::ethereum_seq_window_blocks")]
    pub seq_window_blocks: u64,
    /// How far an L2 block's time may run ahead of its L1 origin's (1800 s; 600 before Hemi's
    /// 2025-07-03 fork).
    #[serde(default = "defaults::ethereum_max_sequencer_drift_s")]
    pub max_sequencer_drift_s: u64,
    /// A channel not complete this many L1 blocks after its first frame is dropped (50; 300
    /// before the fork).
    #[serde(default = "defaults::ethereum_channel_timeout_blocks")]
    pub channel_timeout_blocks: u64,
    /// The sequencer adopts an L1 block as origin only when it is this deep (4).
    #[serde(default = "defaults::ethereum_sequencer_l1_confs")]
    pub sequencer_l1_confs: u64,
    /// `false`: the batcher posts nothing (failure scenarios).
    #[serde(default = "defaults::ethereum_batcher_enabled")]
    pub batcher_enabled: bool,
    /// How often the batcher closes a channel and posts it.
    #[serde(default = "defaults::ethereum_batcher_interval_s")]
    pub batcher_interval_s: f64,
    /// Poisson rate of background portal deposits (0: none).
    #[serde(default = "defaults::ethereum_deposit_rate_per_s")]
    pub deposit_rate_per_s: f64,
}

impl EthereumConfig {
    /// The node crate's parameters; what the table does not hold (the batcher's safety margin)
    /// keeps Hemi's default.
    pub fn params(&self) -> EthParams {
        EthParams {
            slot: SimDuration::from_secs(self.slot_s),
            missed_slot_rate: self.missed_slot_rate,
            finality_depth_blocks: self.finality_depth_blocks,
            seq_window_blocks: self.seq_window_blocks,
            max_sequencer_drift_s: self.max_sequencer_drift_s,
            channel_timeout_blocks: self.channel_timeout_blocks,
            sequencer_l1_confs: self.sequencer_l1_confs,
            batcher_enabled: self.batcher_enabled,
            batcher_interval: SimDuration::from_secs_f64(self.batcher_interval_s),
            deposit_rate_per_s: self.deposit_rate_per_s,
            ..EthParams::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty table is Hemi mainnet: exactly `EthParams::default()`.
    #[test]
    fn an_empty_table_is_hemi_mainnet() {
        let config: EthereumConfig = toml::from_str("").expect("every key has a default");
        assert_eq!(config.params(), EthParams::default());
    }
}
