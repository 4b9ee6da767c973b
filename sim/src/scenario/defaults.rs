//! Defaults: Hemi's reference configuration (docs/protocol.md §2) and today's Bitcoin.

pub fn block_interval_s() -> f64 {
    600.0
}
pub fn miners() -> u32 {
    8
}
pub fn propagation_delay_ms() -> u64 {
    2000
}
pub fn max_block_weight() -> u64 {
    4_000_000
}
pub fn background_fee_rate_min_sat_per_vb() -> f64 {
    1.0
}
pub fn background_fee_rate_max_sat_per_vb() -> f64 {
    50.0
}
pub fn confirmations() -> u32 {
    6
}
pub fn give_up_deficit_blocks() -> u32 {
    24
}
pub fn l2_block_time_s() -> f64 {
    12.0
}
pub fn l2_gas_limit() -> u64 {
    30_000_000
}
pub fn l2_verifiers() -> u32 {
    2
}
pub fn l2_mempool_capacity() -> u64 {
    100_000
}
pub fn l2_max_btc_headers_per_block() -> u32 {
    3
}
pub fn workload_accounts() -> u32 {
    10_000
}
pub fn workload_mix_transfer() -> f64 {
    0.6
}
pub fn workload_mix_token() -> f64 {
    0.3
}
pub fn workload_mix_hvm_call() -> f64 {
    0.1
}
pub fn pop_keystone_interval_blocks() -> u32 {
    25
}
pub fn pop_superfinality_depth() -> u32 {
    10
}
pub fn pop_miners() -> u32 {
    3
}
pub fn pop_poll_interval_s() -> f64 {
    13.0
}
pub fn pop_keystones_polled() -> u32 {
    12
}
pub fn pop_fee_target_blocks() -> u32 {
    6
}
pub fn pop_fee_cap_sat_per_vb() -> f64 {
    100.0
}
pub fn pop_fee_retry_s() -> f64 {
    300.0
}
pub fn pop_wallet_coins() -> u32 {
    200
}
pub fn pop_reward_per_keystone() -> f64 {
    100.0
}
pub fn attack_target() -> super::AttackTarget {
    super::AttackTarget::Merchant
}
pub fn tunnel_deposit_confirmations() -> u32 {
    4
}
pub fn tunnel_payout_policy() -> super::PayoutPolicyConfig {
    super::PayoutPolicyConfig::Superfinal
}
pub fn tunnel_grace_period_s() -> f64 {
    43_200.0
}
pub fn tunnel_payout_fee_target_blocks() -> u32 {
    6
}
pub fn tunnel_holders() -> u32 {
    50
}
pub fn tunnel_deposit_btc_min() -> f64 {
    0.01
}
pub fn tunnel_deposit_btc_max() -> f64 {
    2.0
}

// `[ethereum]`: Hemi mainnet's values, written once in `EthParams::default()`.
fn eth() -> hemisim_node::eth::EthParams {
    hemisim_node::eth::EthParams::default()
}
pub fn ethereum_slot_s() -> u64 {
    eth().slot.as_us() / 1_000_000
}
pub fn ethereum_missed_slot_rate() -> f64 {
    eth().missed_slot_rate
}
pub fn ethereum_finality_depth_blocks() -> u64 {
    eth().finality_depth_blocks
}
pub fn ethereum_seq_window_blocks() -> u64 {
    eth().seq_window_blocks
}
pub fn ethereum_max_sequencer_drift_s() -> u64 {
    eth().max_sequencer_drift_s
}
pub fn ethereum_channel_timeout_blocks() -> u64 {
    eth().channel_timeout_blocks
}
pub fn ethereum_sequencer_l1_confs() -> u64 {
    eth().sequencer_l1_confs
}
pub fn ethereum_batcher_enabled() -> bool {
    eth().batcher_enabled
}
pub fn ethereum_batcher_interval_s() -> f64 {
    eth().batcher_interval.as_secs_f64()
}
pub fn ethereum_deposit_rate_per_s() -> f64 {
    eth().deposit_rate_per_s
}
pub fn pop_fork_finality_delay_blocks() -> u32 {
    10
}
pub fn is_default_fork_finality_delay(blocks: &u32) -> bool {
    *blocks == pop_fork_finality_delay_blocks()
}
pub fn depth_l2_blocks() -> u32 {
    100
}
pub fn publication_depth_blocks() -> u32 {
    1
}
pub fn equivocate_blocks() -> u32 {
    1
}
