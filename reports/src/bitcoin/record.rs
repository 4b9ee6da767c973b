//! What a run recorded of the mock Bitcoin network and the attacks on it.

use serde::{Deserialize, Serialize};

/// The mock Bitcoin network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BtcRecord {
    /// Mean block interval the scenario asked for (`bitcoin.block_interval_s`).
    pub block_interval_target_s: f64,
    /// Every block mined during the run, honest or not, published or withheld, in the order
    /// they were found. `main_chain` says whether it is on the observer's final best chain.
    pub blocks: Vec<BlockRow>,
    /// Every reorg the observer node went through, in time order.
    pub reorgs: Vec<ReorgRow>,
    /// With `[network]`: how each block spread over the network, in announcement order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub propagation: Vec<PropagationRow>,
}

/// One block's spread over the network model (`[network]`): times from its announcement by the
/// peer that mined or published it to half and nine tenths of all nodes holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropagationRow {
    pub height: u32,
    pub hash: String,
    /// The peer that announced it.
    pub origin: String,
    /// Its size on the wire (virtual size plus `bitcoin.block_fill_bytes`).
    pub bytes: u64,
    pub announced_at_us: u64,
    /// Nodes in the network (peers and relay-only nodes).
    pub nodes: u32,
    /// Nodes that held it at the end.
    pub reached: u32,
    /// `None`: never reached that share (a stale block's branch stops spreading).
    pub to_50_us: Option<u64>,
    pub to_90_us: Option<u64>,
}

/// One mined block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRow {
    pub height: u32,
    pub hash: String,
    pub parent_hash: String,
    /// Name of the miner that found it: `miner-0`, `miner-1`, ... or `attacker`.
    pub miner: String,
    /// When it was found (not when the observer received it).
    pub found_at_us: u64,
    /// On the observer node's best chain at the end of the run.
    pub main_chain: bool,
    /// Including the coinbase.
    pub tx_count: u32,
    /// Block weight in weight units (BIP 141), header and coinbase included.
    pub weight: u64,
    /// Sum of the fees of the non-coinbase transactions, in satoshis.
    pub fees_sats: u64,
}

/// One reorg seen by the observer: its tip moved to a block that does not descend from the old tip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReorgRow {
    pub at_us: u64,
    /// Blocks disconnected from the old best chain.
    pub depth: u32,
    /// Blocks connected from the new branch.
    pub connected: u32,
    pub old_tip: String,
    pub old_height: u32,
    pub new_tip: String,
    pub new_height: u32,
}

/// What the attacker did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackRecord {
    pub kind: AttackKind,
    /// The attacker's share of the total hash rate.
    pub hashrate_share: f64,
    /// Double-spend: confirmations the merchant waits for (the including block counts as 1).
    /// Needed for the closed-form expectation next to the measured success rate.
    pub confirmations: u32,
    /// Double-spend: the attacker abandons a race when, after the merchant accepted, the honest
    /// chain leads its private branch by this many blocks.
    pub give_up_deficit_blocks: u32,
    /// Selfish mining: share of honest hash rate that builds on the attacker's block in a tie.
    pub gamma: f64,
    /// Double-spend races, in the order they started (empty for selfish mining).
    pub trials: Vec<TrialRow>,
    /// Rewrite only: the history rewrite, its race and whether it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<RewriteRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackKind {
    DoubleSpend,
    SelfishMining,
    /// `[attack] kind = "rewrite"`: the sequencer rewrites L2 history; its colluding PoP miner
    /// (and optional Bitcoin hash rate) publishes the new history's keystones.
    Rewrite,
}

/// One history rewrite (`[attack] kind = "rewrite"`; one per run). A trial is a rewrite the
/// sequencer made; it succeeds when the rewritten history becomes the canonical chain past the
/// fork point: the first rewritten block is the block `verifier-0` holds safe at its number (safe
/// blocks never leave the chain without an L1 reorg, so it stays).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewriteRecord {
    /// `attack.depth_l2_blocks`.
    pub depth_l2_blocks: u32,
    /// `attack.publication_depth_blocks`: d of the race (docs/validation.md §9).
    pub publication_depth_blocks: u32,
    /// `l2.fork_choice` the verifiers ran (`derivation` or `pop`): what a sweep groups by.
    #[serde(default)]
    pub fork_choice: String,
    /// The last block both histories share (`None`: the sequencer never rewrote).
    pub fork_l2: Option<u64>,
    /// When the sequencer switched to the rewritten history.
    pub rewritten_at_us: Option<u64>,
    /// When the private Bitcoin branch started (`None`: no race).
    pub race_started_at_us: Option<u64>,
    /// The depth of the honest publication when the race started (the deficit it starts with).
    pub race_start_depth: Option<u32>,
    /// `published` (the branch overtook) or `gave-up`; `None`: no race, or the run ended first.
    pub race_end: Option<String>,
    /// When `verifier-0` first held the rewritten block safe (`None`: the rewrite failed).
    pub succeeded_at_us: Option<u64>,
}

impl RewriteRecord {
    /// 1 if the sequencer rewrote, else 0.
    pub fn trials(&self) -> u64 {
        u64::from(self.fork_l2.is_some())
    }

    /// 1 if the rewrite succeeded, else 0.
    pub fn successes(&self) -> u64 {
        u64::from(self.fork_l2.is_some() && self.succeeded_at_us.is_some())
    }
}

/// One double-spend race.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialRow {
    pub started_at_us: u64,
    /// The payment to the merchant, broadcast to the honest network.
    pub payment_txid: String,
    /// The conflicting transaction in the attacker's private branch.
    pub conflict_txid: String,
    /// When the attacker published its branch or gave up; `None` if the run ended first.
    pub ended_at_us: Option<u64>,
    pub outcome: TrialOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrialOutcome {
    /// The conflicting transaction is on the final main chain: the payment was reversed.
    Success,
    /// The payment stayed on the main chain (the attacker gave up, or published and lost).
    Failure,
    /// The run ended before the race was decided; not counted as a trial.
    Unfinished,
}
