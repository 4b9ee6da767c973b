//! Scenario files: the TOML schema, its defaults and its validation.
//!
//! A scenario is read from a TOML file, patched by `--set KEY=VALUE` overrides, checked key by key
//! against the schema (unknown keys, types, required keys), deserialised, then validated against
//! the range of every key. Every user mistake becomes a [`ScenarioError`] that names the file and
//! line (or the `--set KEY`), the key path and what was expected; nothing here panics on user
//! input.
//!
//! Every key has its unit last in its name; the reference of every key, with its default and
//! valid range, is `scenarios/README.md`.
//!
//! ```no_run
//! use hemisim::scenario::{Override, Scenario};
//! # fn main() -> Result<(), hemisim::scenario::ScenarioError> {
//! let overrides = [Override::parse("bitcoin.miners=16")?];
//! let scenario = Scenario::load("scenarios/quickstart.toml".as_ref(), &overrides)?;
//! println!("scenario {} hash {}", scenario.name, scenario.hash_hex());
//! # Ok(())
//! # }
//! ```
//!
//! Code map: `schema` reads the key layout from the serde derives below, `check` compares a
//! table with it, `validate` holds the ranges, `defaults` the defaults, `overrides` the `--set`
//! syntax, `source` the line numbers and `error` the message format; `ethereum` holds the
//! `[ethereum]` table (its defaults are the node crate's `EthParams::default()`).

mod adversary;
mod check;
pub mod defaults;
mod error;
mod ethereum;
#[cfg(test)]
mod fuzz_tests;
mod network;
#[cfg(test)]
mod network_tests;
mod overrides;
pub mod peers;
mod schema;
mod sequencer;
mod source;
#[cfg(test)]
mod tests;
mod validate;

use std::fmt;
use std::path::Path;

use bitcoin::hashes::{Hash, sha256};
use serde::{Deserialize, Serialize};

pub use crate::harness::network::regions::Region;
pub use crate::harness::network::relay::Relay;
pub use adversary::{CensorConfig, CensorMode, CensorTarget, FaultConfig, FaultKind, convergence_bound_s};
pub use error::{Origin, ScenarioError};
pub use ethereum::EthereumConfig;
pub use network::{NetworkConfig, RegionsConfig};
pub use overrides::Override;
pub use sequencer::{HaMode, SequencerSetConfig, sequencer_count};
use source::{Locator, SourceFile};
pub use validate::override_member;
pub use validate::parse_account;

/// The largest seed, 2^53 - 1: every seed the tool accepts, derives, prints or writes is in
/// `0..=SEED_MAX`, so it survives JSON tools that read numbers as doubles (jq, JavaScript) and
/// round-trips through `--seed` and `--set seed=`.
pub const SEED_MAX: u64 = (1 << 53) - 1;

/// A resolved scenario: what one run (or one set of replications) simulates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Names the output directory (`reports/out/<name>/`): letters, digits, `-` and `_`.
    pub name: String,
    /// Base seed of every random stream of the run, in `0..=SEED_MAX`.
    pub seed: u64,
    /// Simulated time to run, in seconds.
    pub duration_s: u64,
    /// The mock Bitcoin network (every key has a default: the table may be left out).
    #[serde(default)]
    pub bitcoin: BitcoinConfig,
    /// Optional adversary on the Bitcoin network.
    #[serde(default)]
    pub attack: Option<AttackConfig>,
    /// Optional Hemi L2: sequencer, hVM and verifiers.
    #[serde(default)]
    pub l2: Option<L2Config>,
    /// Optional L2 users (requires `[l2]`).
    #[serde(default)]
    pub workload: Option<WorkloadConfig>,
    /// Optional Proof-of-Proof: keystones, PoP miners, superfinality (requires `[l2]`).
    #[serde(default)]
    pub pop: Option<PopConfig>,
    /// Optional BTC tunnel: vault, deposits, mints, withdrawals, payouts (requires `[l2]`).
    #[serde(default)]
    pub tunnel: Option<TunnelConfig>,
    /// Optional settlement layer: a mock Ethereum L1 (requires `[l2]`). Left out of the resolved
    /// scenario when absent, so that the hash of every scenario without it stays what it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethereum: Option<EthereumConfig>,
    /// The sequencer set (`[sequencer]`, requires `[l2]`). Left out of the resolved scenario
    /// when absent, so that the hash of every scenario without it stays what it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequencer: Option<SequencerSetConfig>,
    /// The Bitcoin network's topology and bandwidth (`[network]`). Left out of the resolved
    /// scenario when absent, so that the hash of every scenario without it stays what it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkConfig>,
    /// The sequencer's censorship rules (`[[censor]]`, several allowed; requires `[l2]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub censor: Vec<CensorConfig>,
    /// Faults (`[[fault]]`, several allowed): of the sequencer, or of peers and their links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fault: Vec<FaultConfig>,
}

/// `[tunnel]`: the BTC tunnel (Hemi's `SimpleBitcoinVault` defaults) and its users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TunnelConfig {
    /// Confirmations a deposit needs on the hVM's indexed view before it mints (Hemi: 4); the
    /// index trails the carried header tip by 2, so the deposit has at least this + 2 real ones.
    #[serde(default = "defaults::tunnel_deposit_confirmations")]
    pub deposit_confirmations: u32,
    /// When the vault operator pays a withdrawal: "superfinal" (its burning L2 block is
    /// superfinal) or "immediate" (unsafe: as soon as the burn is seen).
    #[serde(default = "defaults::tunnel_payout_policy")]
    pub payout_policy: PayoutPolicyConfig,
    /// A withdrawal unpaid this long after its burn is flagged overdue (Hemi: 12 h).
    #[serde(default = "defaults::tunnel_grace_period_s")]
    pub grace_period_s: f64,
    /// Confirmation target of the operator's payout fee estimate.
    #[serde(default = "defaults::tunnel_payout_fee_target_blocks")]
    pub payout_fee_target_blocks: u32,
    /// Background holders: L2 accounts that receive deposits and withdraw.
    #[serde(default = "defaults::tunnel_holders")]
    pub holders: u32,
    /// Poisson rate of background deposits.
    #[serde(default)]
    pub deposit_rate_per_s: f64,
    /// Background deposit amounts are log-uniform between this minimum ...
    #[serde(default = "defaults::tunnel_deposit_btc_min")]
    pub deposit_btc_min: f64,
    /// ... and this maximum.
    #[serde(default = "defaults::tunnel_deposit_btc_max")]
    pub deposit_btc_max: f64,
    /// Poisson rate of background withdrawals (a random holder burns 25-100% of its hBTC).
    #[serde(default)]
    pub withdraw_rate_per_s: f64,
    /// The treasury's deposit (0: no treasury).
    #[serde(default)]
    pub treasury_btc: f64,
    /// When the treasury deposits.
    #[serde(default)]
    pub treasury_deposit_at_s: f64,
    /// The treasury's withdrawal back to its wallet (0: none).
    #[serde(default)]
    pub treasury_withdraw_btc: f64,
    /// When the treasury withdraws.
    #[serde(default)]
    pub treasury_withdraw_at_s: f64,
    /// A holder whose withdrawal is not included this many seconds after it was sent re-sends it
    /// through the Ethereum portal (requires `[ethereum]`; 0: holders never escape). Left out of
    /// the resolved scenario at 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub force_after_s: f64,
}

/// `tunnel.payout_policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PayoutPolicyConfig {
    Superfinal,
    Immediate,
}

impl PayoutPolicyConfig {
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutPolicyConfig::Superfinal => "superfinal",
            PayoutPolicyConfig::Immediate => "immediate",
        }
    }
}

/// `[pop]`: keystones and the miners that publish them on Bitcoin (Hemi's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopConfig {
    /// A keystone every this many L2 blocks (Hemi: 25).
    #[serde(default = "defaults::pop_keystone_interval_blocks")]
    pub keystone_interval_blocks: u32,
    /// Bitcoin blocks on top of the block holding a keystone's first publication that make it
    /// superfinal (Hemi's BFG: 10).
    #[serde(default = "defaults::pop_superfinality_depth")]
    pub superfinality_depth: u32,
    /// Independent PoP miners, each with its own funded wallet.
    #[serde(default = "defaults::pop_miners")]
    pub miners: u32,
    /// How often a miner re-reads the latest keystones (Hemi: 13 s); new keystones are mined as
    /// soon as their notice arrives.
    #[serde(default = "defaults::pop_poll_interval_s")]
    pub poll_interval_s: f64,
    /// How many of the latest keystones a miner considers (Hemi: 12).
    #[serde(default = "defaults::pop_keystones_polled")]
    pub keystones_polled: u32,
    /// Confirmation target of the miners' fee estimate (Hemi: 6 blocks).
    #[serde(default = "defaults::pop_fee_target_blocks")]
    pub fee_target_blocks: u32,
    /// Highest fee rate a miner pays (Hemi: 100 sat/vB).
    #[serde(default = "defaults::pop_fee_cap_sat_per_vb")]
    pub fee_cap_sat_per_vb: f64,
    /// Wait before trying again after an estimate over the cap (Hemi: 300 s).
    #[serde(default = "defaults::pop_fee_retry_s")]
    pub fee_retry_s: f64,
    /// Coins of 0.01 BTC each miner's wallet starts with.
    #[serde(default = "defaults::pop_wallet_coins")]
    pub wallet_coins: u32,
    /// Reward pool of one keystone, split among its publications by score (about 100 HEMI).
    #[serde(default = "defaults::pop_reward_per_keystone")]
    pub reward_per_keystone: f64,
    /// Which L2 blocks get keystones: "unsafe" (every keystone block as the sequencer builds it,
    /// as Hemi's popm reads the latest block) or "safe" (once derivation made it safe; needs an
    /// `[ethereum]` table). Left out of the resolved scenario at its default, so that scenario
    /// hashes from before the key existed stay the same.
    #[serde(default, skip_serializing_if = "KeystoneSourceConfig::is_unsafe")]
    pub keystone_source: KeystoneSourceConfig,
    /// The PoP fork choice's finality delay (`l2.fork_choice = "pop"`): a fork whose keystone is
    /// endorsed more than this many Bitcoin blocks after the reference drops out (BFG's
    /// superfinality: 10; the whitepaper says 9). Left out of the resolved scenario at its
    /// default, so that older scenario hashes stay the same.
    #[serde(
        default = "defaults::pop_fork_finality_delay_blocks",
        skip_serializing_if = "defaults::is_default_fork_finality_delay"
    )]
    pub fork_finality_delay_blocks: u32,
}

/// `pop.keystone_source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeystoneSourceConfig {
    #[default]
    Unsafe,
    Safe,
}

impl KeystoneSourceConfig {
    fn is_unsafe(&self) -> bool {
        *self == KeystoneSourceConfig::Unsafe
    }
}

/// `[bitcoin.fee_spike]`: a window during which the background load runs at another rate and
/// fee-rate range (a mempool congestion event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSpikeConfig {
    /// When the spike starts, in seconds from the start of the run.
    pub start_s: f64,
    /// How long it lasts.
    pub duration_s: f64,
    /// Background transactions per second during the spike.
    pub tx_rate_per_s: f64,
    /// Their fee rates, log-uniform between these bounds.
    pub fee_rate_min_sat_per_vb: f64,
    pub fee_rate_max_sat_per_vb: f64,
}

/// `[l2]`: the Bitcoin-Secure Sequencer and the verifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L2Config {
    /// Time between L2 blocks (Hemi mainnet: 12 s).
    #[serde(default = "defaults::l2_block_time_s")]
    pub block_time_s: f64,
    /// Gas limit of an L2 block (Hemi mainnet: 30,000,000).
    #[serde(default = "defaults::l2_gas_limit")]
    pub gas_limit: u64,
    /// Verifying nodes that re-execute every block.
    #[serde(default = "defaults::l2_verifiers")]
    pub verifiers: u32,
    /// Pending transactions the sequencer holds before refusing new ones.
    #[serde(default = "defaults::l2_mempool_capacity")]
    pub mempool_capacity: u64,
    /// Bitcoin headers one L2 block may ingest (Hemi: 3).
    #[serde(default = "defaults::l2_max_btc_headers_per_block")]
    pub max_btc_headers_per_block: u32,
    /// How the verifiers choose between their chain and the one derivation gives:
    /// "derivation" (as deployed) or "pop" (Hemi's documented rule, see ARCHITECTURE.md "PoP fork
    /// choice"). Left out of the resolved scenario at its default, so that older scenario hashes
    /// stay the same.
    #[serde(default, skip_serializing_if = "ForkChoiceConfig::is_derivation")]
    pub fork_choice: ForkChoiceConfig,
}

/// `l2.fork_choice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForkChoiceConfig {
    /// The chain derived from Ethereum wins, whatever Bitcoin says.
    #[default]
    Derivation,
    /// A node refuses a derived reorg that loses the PoP comparison of the two forks.
    Pop,
}

impl ForkChoiceConfig {
    fn is_derivation(&self) -> bool {
        *self == ForkChoiceConfig::Derivation
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ForkChoiceConfig::Derivation => "derivation",
            ForkChoiceConfig::Pop => "pop",
        }
    }
}

/// `[workload]`: L2 users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadConfig {
    /// Poisson rate of L2 transactions offered by all users together.
    pub tx_rate_per_s: f64,
    /// Funded user accounts; each has at most one transaction in flight.
    #[serde(default = "defaults::workload_accounts")]
    pub accounts: u32,
    /// Relative weight of plain ETH transfers (21,000 gas).
    #[serde(default = "defaults::workload_mix_transfer")]
    pub mix_transfer: f64,
    /// Relative weight of ERC20-like token transfers.
    #[serde(default = "defaults::workload_mix_token")]
    pub mix_token: f64,
    /// Relative weight of contract calls that read Bitcoin through the hVM precompiles.
    #[serde(default = "defaults::workload_mix_hvm_call")]
    pub mix_hvm_call: f64,
    /// A user whose transaction is not included this many seconds after it was sent re-sends it
    /// through the Ethereum portal (requires `[ethereum]`; 0: users never escape). Left out of the
    /// resolved scenario at 0, so that older scenario hashes stay the same.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub force_after_s: f64,
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

/// `[bitcoin]`: the mock Bitcoin network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitcoinConfig {
    /// Mean time between blocks of the whole network (exponential inter-arrival).
    #[serde(default = "defaults::block_interval_s")]
    pub block_interval_s: f64,
    /// Number of honest miners.
    #[serde(default = "defaults::miners")]
    pub miners: u32,
    /// Relative hash rates of the honest miners (one per miner; normalised). Equal if absent.
    #[serde(default)]
    pub hashrate_shares: Option<Vec<f64>>,
    /// One-way delay of relaying a block or transaction between any two nodes (constant part).
    #[serde(default = "defaults::propagation_delay_ms")]
    pub propagation_delay_ms: u64,
    /// Plus a seeded uniform extra delay in [0, jitter] drawn per link and message.
    #[serde(default)]
    pub propagation_jitter_ms: u64,
    /// Block weight limit (BIP 141 weight units).
    #[serde(default = "defaults::max_block_weight")]
    pub max_block_weight: u64,
    /// Poisson rate of fee-paying background transactions competing for block space.
    #[serde(default)]
    pub background_tx_rate_per_s: f64,
    /// Background fee rates are log-uniform between this minimum ...
    #[serde(default = "defaults::background_fee_rate_min_sat_per_vb")]
    pub background_fee_rate_min_sat_per_vb: f64,
    /// ... and this maximum.
    #[serde(default = "defaults::background_fee_rate_max_sat_per_vb")]
    pub background_fee_rate_max_sat_per_vb: f64,
    /// Optional congestion window for the background load.
    #[serde(default)]
    pub fee_spike: Option<FeeSpikeConfig>,
    /// How the background load is simulated: real transactions relayed to every node, or one
    /// shared queue of block-space demand (`btc/aggregate.rs`). Left out of the resolved
    /// scenario at its default.
    #[serde(default, skip_serializing_if = "BackgroundModel::is_default")]
    pub background_model: BackgroundModel,
    /// With `[network]`: bytes added to every block's size on the wire, standing for
    /// transactions not simulated one by one (every mempool holds them, so compact blocks carry
    /// only their short ids). Left out of the resolved scenario when 0.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub block_fill_bytes: u64,
}

/// `bitcoin.background_model`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackgroundModel {
    /// `"transactions"`: every background transaction is a real transaction, relayed to and
    /// validated by every node.
    #[default]
    Transactions,
    /// `"aggregate"`: the same arrivals and fee rates as one shared fee-rate-ordered queue of
    /// demand that templates take from, read through each node's active chain; not relayed.
    Aggregate,
}

impl BackgroundModel {
    fn is_default(&self) -> bool {
        *self == BackgroundModel::default()
    }
}

fn is_zero_u64(value: &u64) -> bool {
    *value == 0
}

impl Default for BitcoinConfig {
    /// Every key at its default, as an empty `[bitcoin]` table reads (one place for the defaults).
    fn default() -> Self {
        toml::from_str("").expect("every [bitcoin] key has a default")
    }
}

/// `[attack]`: an adversarial miner.
///
/// Serialised (for [`Scenario::to_toml_string`] and [`Scenario::hash_hex`]) without the keys its
/// kind does not read, since a file may not set them: the resolved scenario loads back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttackConfig {
    /// The attacker's strategy.
    pub kind: AttackKind,
    /// The attacker's share of the total hash rate; the honest miners share the rest (0 for
    /// "equivocate": the equivocating sequencer mines no Bitcoin).
    pub hashrate_share: f64,
    /// Double-spend: confirmations the merchant waits for (the including block counts as 1).
    #[serde(default = "defaults::confirmations")]
    pub confirmations: u32,
    /// Double-spend: the attacker abandons a race when the honest chain leads its private branch
    /// by this many blocks (after the merchant accepted the payment).
    #[serde(default = "defaults::give_up_deficit_blocks")]
    pub give_up_deficit_blocks: u32,
    /// Selfish mining: share of honest hash rate that builds on the attacker's block in a tie.
    #[serde(default)]
    pub gamma: f64,
    /// Double-spend: whom the attacker pays: "merchant", or "tunnel" (a deposit to the vault,
    /// double-spent once minted; the attacker then waits until one block past the mint threshold,
    /// `tunnel.deposit_confirmations` + 3 confirmations, instead of `confirmations`).
    #[serde(default = "defaults::attack_target")]
    pub target: AttackTarget,
    /// Equivocate: when the sequencer starts gossiping blocks it does not batch (seconds).
    /// Rewrite: when the sequencer builds the first block of the history it will rewrite.
    #[serde(default)]
    pub at_s: f64,
    /// Equivocate: how many consecutive L2 blocks it gossips as A before batching A' instead.
    #[serde(default = "defaults::equivocate_blocks")]
    pub equivocate_blocks: u32,
    /// Equivocate: the peers the blocks A go to (names, groups or ranges; empty: every peer).
    #[serde(default)]
    pub equivocate_peers: Vec<String>,
    /// Equivocate and rewrite: its batcher posts nothing from `at_s` for this long, so derivation
    /// reaches A' only then (0: it batches A' at once).
    #[serde(default)]
    pub hold_batches_s: f64,
    /// Rewrite: how many L2 blocks the sequencer builds (gossiped, keystones published, kept from
    /// its batcher) before it takes them back and builds, batches and follows another history.
    #[serde(default = "defaults::depth_l2_blocks")]
    pub depth_l2_blocks: u32,
    /// Rewrite: the attacker starts its private Bitcoin branch once the first publication of the
    /// honest fork's first keystone after the fork point is this deep (the including block
    /// counts as 1): d of docs/validation.md §9.
    #[serde(default = "defaults::publication_depth_blocks")]
    pub publication_depth_blocks: u32,
}

/// `attack.target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackTarget {
    Merchant,
    Tunnel,
}

impl Serialize for AttackConfig {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // Exhaustive on purpose: a new field must be added here too.
        let AttackConfig {
            kind,
            hashrate_share,
            confirmations,
            give_up_deficit_blocks,
            gamma,
            target,
            at_s,
            equivocate_blocks,
            equivocate_peers,
            hold_batches_s,
            depth_l2_blocks,
            publication_depth_blocks,
        } = self;
        let mut table = serializer.serialize_struct("AttackConfig", 12)?;
        table.serialize_field("kind", kind)?;
        table.serialize_field("hashrate_share", hashrate_share)?;
        if kind.reads("confirmations") {
            table.serialize_field("confirmations", confirmations)?;
        }
        if kind.reads("give_up_deficit_blocks") {
            table.serialize_field("give_up_deficit_blocks", give_up_deficit_blocks)?;
        }
        if kind.reads("gamma") {
            table.serialize_field("gamma", gamma)?;
        }
        if kind.reads("target") {
            table.serialize_field("target", target)?;
        }
        if *kind == AttackKind::Equivocate {
            table.serialize_field("at_s", at_s)?;
            table.serialize_field("equivocate_blocks", equivocate_blocks)?;
            table.serialize_field("equivocate_peers", equivocate_peers)?;
            table.serialize_field("hold_batches_s", hold_batches_s)?;
        }
        if *kind == AttackKind::Rewrite {
            table.serialize_field("at_s", at_s)?;
            table.serialize_field("hold_batches_s", hold_batches_s)?;
            table.serialize_field("depth_l2_blocks", depth_l2_blocks)?;
            table.serialize_field("publication_depth_blocks", publication_depth_blocks)?;
        }
        table.end()
    }
}

/// `attack.kind`: which strategy the attacker plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackKind {
    /// `"double-spend"`: pay a merchant, mine a private branch without the payment, publish it
    /// if it overtakes the honest chain after the merchant accepted.
    DoubleSpend,
    /// `"selfish-mining"`: withhold found blocks and publish them to orphan honest blocks
    /// (Eyal and Sirer 2014).
    SelfishMining,
    /// `"equivocate"`: the sequencer gossips blocks A and batches other blocks A' at the same
    /// heights, then goes on on A' (no attacker peer: the sequencer is the attacker).
    Equivocate,
    /// `"rewrite"`: the sequencer rewrites its last `depth_l2_blocks` blocks (unbatched), a
    /// colluding PoP miner publishes the new history's keystones, and with `hashrate_share > 0`
    /// mines them on a private Bitcoin branch below the honest publications (docs/validation.md §9).
    Rewrite,
}

use AttackKind::{DoubleSpend, Equivocate, Rewrite, SelfishMining};

/// The `[attack]` keys that only some kinds read (the others are read by every kind).
const KIND_SPECIFIC_KEYS: [(&str, &[AttackKind]); 10] = [
    ("confirmations", &[DoubleSpend]),
    ("give_up_deficit_blocks", &[DoubleSpend, Rewrite]),
    ("target", &[DoubleSpend]),
    ("gamma", &[SelfishMining]),
    ("at_s", &[Equivocate, Rewrite]),
    ("equivocate_blocks", &[Equivocate]),
    ("equivocate_peers", &[Equivocate]),
    ("hold_batches_s", &[Equivocate, Rewrite]),
    ("depth_l2_blocks", &[Rewrite]),
    ("publication_depth_blocks", &[Rewrite]),
];

impl AttackKind {
    /// The kinds that read this `[attack]` key, if only some do.
    pub fn kinds_reading(key: &str) -> Option<&'static [AttackKind]> {
        KIND_SPECIFIC_KEYS.iter().find(|(k, _)| *k == key).map(|&(_, kinds)| kinds)
    }

    /// Whether this kind reads this `[attack]` key.
    pub fn reads(self, key: &str) -> bool {
        AttackKind::kinds_reading(key).is_none_or(|kinds| kinds.contains(&self))
    }

    /// The spelling used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            AttackKind::DoubleSpend => "double-spend",
            AttackKind::SelfishMining => "selfish-mining",
            AttackKind::Equivocate => "equivocate",
            AttackKind::Rewrite => "rewrite",
        }
    }

    /// Whether the attacker is a peer of its own (a Bitcoin miner, or the rewrite's colluding PoP
    /// miner, which mines only with `hashrate_share > 0`), not just the sequencer.
    pub fn mines_bitcoin(self) -> bool {
        self != AttackKind::Equivocate
    }
}

impl fmt::Display for AttackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Scenario {
    /// Reads, patches (`--set` overrides, in order) and validates a scenario file.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            let reason = error::lower_first(&e.to_string());
            ScenarioError::file(&name, None, None, format!("cannot read the scenario file: {reason}"))
        })?;
        Scenario::from_toml_str(&text, &name, overrides)
    }

    /// Like [`Scenario::load`] on TOML text; `source_name` stands for the file in errors.
    pub fn from_toml_str(text: &str, source_name: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let file = SourceFile::parse(text, source_name)?;
        let schema = schema::scenario();
        let mut table = file.table.clone();
        for set in overrides {
            set.apply(&mut table, schema)?;
        }
        let locate = Locator { file: &file, overrides };
        if let schema::Shape::Table(fields) = schema {
            check::check_table(&table, fields, "").map_err(|e| locate.error(e))?;
        }
        let scenario = Scenario::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| locate.error(error::Invalid::new("", error::lower_first(e.message()))))?;
        validate::scenario(&scenario, &table).map_err(|e| locate.error(e))?;
        Ok(scenario)
    }

    /// Hex SHA-256 of the canonical JSON of the resolved scenario (defaults filled in, overrides
    /// applied, `[attack]` keys its kind does not read left out; `seed` included): two runs with
    /// the same hash simulated the same configuration.
    pub fn hash_hex(&self) -> String {
        let json = serde_json::to_vec(self)
            .expect("a Scenario is plain structs, numbers and strings: JSON serialisation cannot fail");
        sha256::Hash::hash(&json).to_string()
    }

    /// The resolved scenario as TOML (printed at the start of a run). Fails only for a `seed`
    /// above `i64::MAX`, which TOML cannot write (loading refuses any above [`SEED_MAX`]).
    pub fn to_toml_string(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}
