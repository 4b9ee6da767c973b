//! What a run recorded of the L2 chain.

use serde::{Deserialize, Serialize};

/// The L2 chain: what the sequencer built and the verifiers checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L2Record {
    /// `l2.block_time_s` and `l2.gas_limit` of the scenario.
    pub block_time_s: f64,
    pub gas_limit: u64,
    /// Every L2 block of the sequencer's final chain, in order (genesis excluded): on a
    /// settlement chain, the blocks an unsafe reorg took back are replaced by those that
    /// replaced them.
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
    /// The sequencer node's heads on a settlement chain (`None` without `[ethereum]`: the
    /// record, and every output of it, is then as it always was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<L2Settlement>,
    /// With a sequencer set: every change of the member that sequences (none otherwise: the
    /// record is then as it always was).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failovers: Vec<FailoverRow>,
}

/// A member of the sequencer set began to sequence at `at_us`: the conductor's new leader of
/// term `term`, or a rotating member taking the slot of block `term` from a missing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverRow {
    pub at_us: u64,
    pub member: u32,
    pub term: u64,
    /// "election", "handoff", "override" (conductor) or "skip" (rotation).
    pub reason: String,
    /// The gap in block production it ended: from the last block before it to the first block
    /// after it (`None`: no block came after it).
    pub gap_us: Option<u64>,
}

/// What the sequencer's node went through on a settlement chain, besides its blocks' own heads
/// (`L2BlockRow::settlement`): every move of its unsafe head and every unsafe reorg.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Settlement {
    /// Every move of the unsafe head, in order: a block produced (or derived after a reorg) at
    /// `at_us` becomes the head, or a reorg takes it back to the safe head.
    pub unsafe_moves: Vec<HeadMove>,
    /// Every unsafe reorg, in order.
    pub reorgs: Vec<L2ReorgRow>,
    /// Derived reorgs the verifiers' fork choice refused (`l2.fork_choice = "pop"`).
    #[serde(default)]
    pub fork_conflicts: u64,
}

/// A head of an L2 node moved to block `number` at `at_us` (simulated time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadMove {
    pub at_us: u64,
    pub number: u64,
}

/// An unsafe reorg: the node took back its unsafe blocks `to + 1..=from` (`to` is its safe
/// head), holding `txs` user transactions, because derivation gave another block (`because`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2ReorgRow {
    pub at_us: u64,
    pub from: u64,
    pub to: u64,
    pub txs: u32,
    pub because: String,
}

impl L2ReorgRow {
    /// Blocks taken back.
    pub fn depth(&self) -> u64 {
        self.from.saturating_sub(self.to)
    }
}

/// Where one block of a settlement chain stands: its timestamp and L1 origin, and when the
/// sequencer's node made it safe and finalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSettlement {
    /// The header's timestamp, as simulated time (the L2's Unix seconds less the run's start).
    pub timestamp_us: u64,
    pub l1_origin: u64,
    /// When the node's safe head reached this block (`None`: not safe at the end).
    pub safe_at_us: Option<u64>,
    /// When the node's finalized head reached it or passed it (`None`: not final at the end).
    pub finalized_at_us: Option<u64>,
    /// A deposit-only block derivation generated when the sequencing window expired.
    pub forced: bool,
}

impl BlockSettlement {
    /// From the block's timestamp to its being safe, if it is.
    pub fn safe_lag_us(&self) -> Option<u64> {
        self.safe_at_us.map(|at| at.saturating_sub(self.timestamp_us))
    }

    /// From the block's timestamp to its being final, if it is.
    pub fn finalized_lag_us(&self) -> Option<u64> {
        self.finalized_at_us.map(|at| at.saturating_sub(self.timestamp_us))
    }
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
    /// On a settlement chain only (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<BlockSettlement>,
}

/// Counts of latencies in buckets of `bucket_us`: bucket i holds [i * bucket_us, (i+1) *
/// bucket_us); the last bucket also holds everything above.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyHistogram {
    pub bucket_us: u64,
    pub counts: Vec<u64>,
}

/// Hand-made histograms for the tests, bucketed as the sequencer's (`hemisim_node::l2::latency`,
/// the one definition: outside tests the reports only read histograms).
#[cfg(test)]
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
}

impl LatencyHistogram {
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

    /// Each block's gap: from the production of the block before it (the run's start for the
    /// first) to its own. A halted or crashed sequencer shows as one long gap.
    pub fn block_gaps_us(&self) -> impl Iterator<Item = u64> + '_ {
        let before = std::iter::once(0).chain(self.blocks.iter().map(|b| b.produced_at_us));
        self.blocks.iter().zip(before).map(|(b, before)| b.produced_at_us.saturating_sub(before))
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
