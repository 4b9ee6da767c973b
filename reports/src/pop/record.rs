//! What a run recorded of Proof-of-Proof.

use serde::{Deserialize, Serialize};

/// Proof-of-Proof: the keystones the sequencer made, the PoP transactions miners sent, what the
/// observer's final main chain holds, and when L2 blocks became superfinal.
///
/// The superfinality rule is Hemi's BFG rule: a keystone's first publication on the canonical
/// Bitcoin chain with `tip height - publication height >= superfinality_depth` makes the
/// keystone, and every L2 block at or below it, superfinal (a later keystone's publication
/// finalizes its ancestors: inheritance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopRecord {
    /// `pop.keystone_interval_blocks`: a keystone every this many L2 blocks.
    pub keystone_interval_blocks: u32,
    /// `pop.superfinality_depth`: Bitcoin blocks needed on top of the publishing block.
    pub superfinality_depth: u32,
    /// `pop.fee_cap_sat_per_vb`: the most a PoP miner pays.
    pub fee_cap_sat_per_vb: f64,
    /// Reward pool of one keystone, split pro rata by publication score (docs/protocol.md §4).
    pub reward_per_keystone: f64,
    /// One row per PoP miner, in index order (`pop-miner-0`, `pop-miner-1`, ...).
    pub miners: Vec<PopMinerRow>,
    /// Every keystone the sequencer made, in L2 order.
    pub keystones: Vec<KeystoneRow>,
    /// Every PoP transaction a miner broadcast, in the order they were sent.
    pub sent: Vec<PopTxRow>,
    /// Every PoP publication on the observer's final main chain, by Bitcoin height then position
    /// in the block.
    pub publications: Vec<PublicationRow>,
    /// Each advance of the superfinal frontier seen by the observer, in time order.
    pub superfinal: Vec<SuperfinalityStep>,
    /// Fee estimates over the cap: a miner postponed a keystone (retrying 5 minutes later).
    pub fee_deferrals: Vec<FeeDeferralRow>,
    /// Keystone blocks the observer saw become superfinal that are not the verifiers' safe
    /// block at their number (an equivocating sequencer under `l2.fork_choice = "derivation"`).
    #[serde(default)]
    pub superfinal_reverts: u64,
}

/// A PoP miner and its wallet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopMinerRow {
    pub name: String,
    /// What its wallet held at genesis.
    pub funded_sats: u64,
}

/// One keystone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeystoneRow {
    pub l2_number: u64,
    /// Keystone hash (double SHA-256 of the 76-byte abbreviation), display order.
    pub hash: String,
    /// Hash of the L2 block it abbreviates, `0x`-prefixed.
    pub l2_block_hash: String,
    /// When the sequencer produced it.
    pub made_at_us: u64,
}

/// One PoP transaction broadcast by a miner (confirmed or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopTxRow {
    pub sent_at_us: u64,
    pub miner: String,
    pub keystone_hash: String,
    pub l2_number: u64,
    pub txid: String,
    pub fee_sats: u64,
    pub vsize: u64,
    /// The node's estimate for `pop.fee_target_blocks`, after the 1 sat/vB floor.
    pub fee_rate_sat_per_vb: f64,
}

/// One PoP publication on the final main chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationRow {
    pub txid: String,
    pub keystone_hash: String,
    pub l2_number: u64,
    pub btc_height: u32,
    pub btc_block_hash: String,
    /// When its block was found.
    pub btc_block_found_at_us: u64,
    /// The PoP miner that sent it (`None` if no miner of the run claims the txid).
    pub miner: Option<String>,
    pub fee_sats: u64,
    pub vsize: u64,
}

/// The superfinal frontier moved: every L2 block up to `l2_number` is superfinal from `at_us`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuperfinalityStep {
    pub at_us: u64,
    pub l2_number: u64,
    /// The keystone whose publication carries it (it may be above earlier keystones that were
    /// never published: they inherit).
    pub keystone_hash: String,
    /// Bitcoin height of that publication, and the observer's tip height at this moment.
    pub published_height: u32,
    pub tip_height: u32,
}

/// A PoP miner's fee estimate was above its cap: the keystone waits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeeDeferralRow {
    pub at_us: u64,
    pub miner: String,
    pub l2_number: u64,
    pub estimate_sat_per_vb: f64,
}
