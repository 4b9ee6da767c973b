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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackKind {
    DoubleSpend,
    SelfishMining,
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

/// Wall-clock figures. The only part of a record that differs between two runs of one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerfRecord {
    pub wall_time_s: f64,
    /// Node events handled (timers fired and messages delivered).
    pub events: u64,
}

/// The L2 chain: what the sequencer built and the verifiers checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L2Record {
    /// `l2.block_time_s` and `l2.gas_limit` of the scenario.
    pub block_time_s: f64,
    pub gas_limit: u64,
    /// Every L2 block the sequencer produced, in order (genesis excluded).
    pub blocks: Vec<L2BlockRow>,
    /// Inclusion latency of every included transaction: from its submission by a user to the
    /// production of the block that includes it.
    pub latency: LatencyHistogram,
    /// Transactions users submitted (offered load), including those the sequencer refused.
    pub txs_submitted: u64,
    /// Refusals by the sequencer's mempool, by reason (sorted by reason).
    pub txs_rejected: Vec<(String, u64)>,
    /// Transactions a user could not send because all its accounts were waiting on a pending one.
    pub txs_deferred: u64,
    /// L2 blocks re-executed by verifiers (summed over verifiers), and how many disagreed with
    /// the sequencer (state root, transactions or Bitcoin attributes): a safety violation.
    pub blocks_verified: u64,
    pub state_root_mismatches: u64,
    /// Transactions executed: by the sequencer (those it included) plus each verifier's
    /// re-execution of them.
    #[serde(default)]
    pub txs_executed: u64,
    /// Largest mempool backlog (pending transactions) seen after building a block.
    pub backlog_max: u64,
}

/// One L2 block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2BlockRow {
    pub number: u64,
    /// Hex keccak-256 hashes, `0x`-prefixed.
    pub hash: String,
    pub state_root: String,
    pub produced_at_us: u64,
    pub tx_count: u32,
    pub gas_used: u64,
    /// Height of the canonical Bitcoin tip the block carries (its hVM view).
    pub btc_tip_height: u32,
    /// Bitcoin headers this block ingested (its Bitcoin-attributes transaction).
    pub btc_headers_ingested: u32,
    /// Pending transactions left in the sequencer's mempool after building it.
    pub backlog: u64,
    /// Mean and maximum inclusion latency of its transactions (0 when it has none).
    pub latency_mean_us: u64,
    pub latency_max_us: u64,
}

/// Counts of latencies in buckets of `bucket_us`: bucket i holds [i * bucket_us, (i+1) *
/// bucket_us); the last bucket also holds everything above.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyHistogram {
    pub bucket_us: u64,
    pub counts: Vec<u64>,
}

impl LatencyHistogram {
    /// Buckets of 100 ms up to 6 hours.
    pub fn standard() -> Self {
        LatencyHistogram { bucket_us: 100_000, counts: vec![0; 216_000] }
    }

    pub fn record(&mut self, latency_us: u64) {
        let last = self.counts.len() - 1;
        let i = ((latency_us / self.bucket_us) as usize).min(last);
        self.counts[i] += 1;
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

impl L2Record {
    /// Transactions included in its blocks (sum of `tx_count`).
    pub fn txs_included(&self) -> u64 {
        self.blocks.iter().map(|b| u64::from(b.tx_count)).sum()
    }

    /// Gas used by all its blocks.
    pub fn gas_used(&self) -> u64 {
        self.blocks.iter().map(|b| b.gas_used).sum()
    }

    /// Refusals by the sequencer's mempool, all reasons together.
    pub fn txs_rejected_total(&self) -> u64 {
        self.txs_rejected.iter().map(|(_, n)| n).sum()
    }
}

impl L2BlockRow {
    /// `gas_used / gas_limit`, the block's fullness; `None` for a zero gas limit.
    pub fn fullness(&self, gas_limit: u64) -> Option<f64> {
        (gas_limit > 0).then(|| self.gas_used as f64 / gas_limit as f64)
    }
}

impl LatencyHistogram {
    /// Lower edge of bucket `i` in µs (saturating, so a corrupt record cannot overflow).
    pub fn bucket_low_us(&self, i: usize) -> u64 {
        self.bucket_us.saturating_mul(i as u64)
    }

    /// Upper edge of bucket `i` in µs. The last bucket also holds everything above its edge.
    pub fn bucket_high_us(&self, i: usize) -> u64 {
        self.bucket_us.saturating_mul(i as u64 + 1)
    }

    /// Nearest-rank percentile, as the upper edge (µs) of the bucket holding the sample of rank
    /// `ceil(percent / 100 * total)` (at least 1): an upper bound of the true percentile, within
    /// `bucket_us` of it (except in the open last bucket). `percent` is clamped to 0..=100;
    /// `None` when the histogram is empty.
    pub fn percentile_upper_us(&self, percent: u32) -> Option<u64> {
        let total = u128::from(self.total());
        if total == 0 {
            return None;
        }
        let rank = (u128::from(percent.min(100)) * total).div_ceil(100).max(1);
        let mut seen = 0u128;
        self.counts
            .iter()
            .position(|&c| {
                seen += u128::from(c);
                seen >= rank
            })
            .map(|i| self.bucket_high_us(i))
    }

    /// Mean latency in µs with every sample at its bucket's midpoint (exact to `bucket_us / 2`,
    /// except for samples in the open last bucket); `None` when the histogram is empty. Summed
    /// in integers, so the result does not depend on summation order.
    pub fn mean_midpoint_us(&self) -> Option<f64> {
        let total = self.total();
        let doubled: u128 =
            (0u128..).zip(&self.counts).map(|(i, &c)| u128::from(c) * (2 * i + 1) * u128::from(self.bucket_us)).sum();
        (total > 0).then(|| doubled as f64 / (2.0 * total as f64))
    }

    /// Non-empty buckets as `(index, count)`, in increasing latency.
    pub fn nonempty_buckets(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.counts.iter().copied().enumerate().filter(|&(_, c)| c > 0)
    }

    /// Adds `other`'s counts to this histogram's. The shapes must agree (same `bucket_us` and
    /// number of buckets; `summary::check_replications` refuses replications where they do not);
    /// otherwise nothing is added and `false` is returned.
    pub fn add(&mut self, other: &LatencyHistogram) -> bool {
        if self.bucket_us != other.bucket_us || self.counts.len() != other.counts.len() {
            return false;
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine = mine.saturating_add(*theirs);
        }
        true
    }
}

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

/// The BTC tunnel: every operation, as the participants and the auditor reported it, and what
/// the observer's final main chain holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TunnelRecord {
    /// `tunnel.deposit_confirmations`: confirmations on the hVM's indexed view before a mint.
    pub deposit_confirmations: u32,
    /// Blocks the hVM's index trails its header tip (Hemi: 2): real confirmations at the mint
    /// are at least `deposit_confirmations + indexer_lag`.
    pub indexer_lag: u32,
    /// `tunnel.payout_policy`: `superfinal` or `immediate`.
    pub payout_policy: String,
    /// `tunnel.grace_period_s`: a withdrawal unpaid this long after its burn is overdue.
    pub grace_period_s: f64,
    /// Every operation, in time order (ties in the order they happened).
    pub operations: Vec<TunnelOpRow>,
    /// The auditor's books at every L2 block, in L2 order.
    pub ledger: Vec<TunnelLedgerRow>,
    /// Minted deposits whose transaction is not on the observer's final main chain: hBTC that
    /// nothing backs.
    pub losses: Vec<TunnelLossRow>,
    /// Safety violations of the tunnel's books (each also fails the run).
    pub violations: Vec<TunnelViolationRow>,
}

/// What kind of tunnel operation a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TunnelOpKind {
    /// A deposit transaction was broadcast on Bitcoin.
    Deposit,
    /// An L2 block minted hBTC for a deposit.
    Mint,
    /// A holder asked to withdraw (an L2 transaction to hBTC).
    WithdrawalRequest,
    /// An L2 block burned hBTC (withdrawal `id`).
    Burn,
    /// The operator broadcast the payout of withdrawal `id`.
    Payout,
    /// Withdrawal `id` was still unpaid after the grace period.
    Overdue,
    /// A minted deposit's transaction left the observer's main chain ...
    Unwound,
    /// ... or came back.
    Restored,
}

/// One tunnel operation. Fields that do not apply to a kind are empty (`None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelOpRow {
    pub at_us: u64,
    pub kind: TunnelOpKind,
    /// Bitcoin transaction: the deposit (deposit, mint, unwound, restored) or the payout.
    pub txid: Option<String>,
    /// The deposit's output index (mint, unwound, restored).
    pub vout: Option<u32>,
    /// The L2 block: minting (mint, unwound), burning (burn, payout, overdue).
    pub l2_number: Option<u64>,
    /// The withdrawal id (burn, payout, overdue).
    pub withdrawal_id: Option<u64>,
    /// L2 address, `0x`-hex: the deposit's recipient, or the withdrawer.
    pub account: Option<String>,
    pub amount_sats: u64,
    /// Bitcoin fee of the payout (payout only; the withdrawer bears it).
    pub fee_sats: Option<u64>,
    /// Bitcoin height of the deposit in the minting block's view (mint).
    pub btc_height: Option<u32>,
    /// Payout: the burning L2 block was superfinal when paid. Deposit / request: the treasury's.
    pub flag: bool,
    /// Overdue: seconds since the burn.
    pub age_s: Option<u64>,
    /// Payout: whether the payout is on the observer's final main chain, and when its block was
    /// found (`None` if not).
    pub confirmed_at_us: Option<u64>,
    /// The row concerns a deposit of the double-spend attacker (`attack.target = "tunnel"`):
    /// the `deposit` row of each race's payment, and the `mint`, `unwound` and `restored` rows of
    /// that deposit. Its deposits are deposits like any other; this only tells them apart.
    #[serde(default)]
    pub attacker: bool,
}

/// The auditor's books at one L2 block (see `hemisim_node::tunnel::audit`): the vault side
/// `locked - other - unminted` equals the L2 side `minted - burned + pending - unbacked`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelLedgerRow {
    pub at_us: u64,
    pub l2_number: u64,
    pub locked_sats: u64,
    pub minted_sats: u64,
    pub burned_sats: u64,
    pub pending_sats: u64,
    pub unminted_sats: u64,
    pub unbacked_sats: u64,
    pub other_sats: u64,
}

/// A minted deposit that the final main chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelLossRow {
    pub txid: String,
    pub vout: u32,
    pub amount_sats: u64,
    /// The L2 block that minted it.
    pub l2_number: u64,
    /// When it was minted and when it first left the main chain.
    pub minted_at_us: u64,
    pub unwound_at_us: u64,
}

/// A broken rule of the tunnel's books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelViolationRow {
    pub at_us: u64,
    pub l2_number: u64,
    pub what: String,
}
