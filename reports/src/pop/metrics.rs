//! Proof-of-Proof numbers derived from one record, shared by the summary ([`crate::pop::summary`]),
//! the CSVs ([`crate::pop::csv`]) and the figures: when each L2 block became superfinal, each
//! publication's reward, each keystone's first publication and each miner's totals.
//!
//! Definitions (docs/protocol.md §4):
//! - An L2 block is superfinal from the first [`SuperfinalityStep`] whose `l2_number` is at least
//!   its number (a later keystone's publication finalizes the blocks below it, even those whose
//!   own keystone was never published: inheritance). A block no step reached before the end of
//!   the run is still waiting: its latency is only known to exceed its wait (censored).
//! - A publication `x` Bitcoin blocks above its keystone's lowest main-chain publication scores
//!   `100000 / max(x, 1)²` for `x <= 8` and 0 from `x = 9`; the keystone's reward pool is split
//!   pro rata by score among its publications.
//!
//! Lookups use `BTreeMap`s keyed by hash; every output follows record order.

use std::collections::BTreeMap;

use crate::record::{PopRecord, RunRecord, SuperfinalityStep};

/// Publications more than this many Bitcoin blocks above the keystone's first score nothing.
pub const SCORED_BLOCKS_AFTER_FIRST: u32 = 8;

/// Score of a publication `x` blocks above its keystone's first publication:
/// `100000 / max(x, 1)²` up to [`SCORED_BLOCKS_AFTER_FIRST`], then 0. Not rounded
/// (Hemi's published list rounds them: 11111, 2778, ...; docs/protocol.md §4).
pub fn publication_score(blocks_after_first: u32) -> f64 {
    if blocks_after_first > SCORED_BLOCKS_AFTER_FIRST {
        return 0.0;
    }
    let x = f64::from(blocks_after_first.max(1));
    100_000.0 / (x * x)
}

/// The superfinal frontier as it rose: `(at_us, l2_number)` for every step that raised it above
/// all earlier ones, so both components increase. (Steps only ever grow by contract; a step
/// below the frontier would not make any block superfinal earlier, so it is skipped.)
pub fn frontier(steps: &[SuperfinalityStep]) -> Vec<(u64, u64)> {
    let mut raised: Vec<(u64, u64)> = Vec::new();
    for step in steps {
        if raised.last().is_none_or(|&(_, top)| step.l2_number > top) {
            raised.push((step.at_us, step.l2_number));
        }
    }
    raised
}

/// When L2 block `number` became superfinal: the time of the first frontier step at or above
/// it, or `None` if the frontier never reached it.
pub fn superfinal_at_us(frontier: &[(u64, u64)], number: u64) -> Option<u64> {
    let i = frontier.partition_point(|&(_, top)| top < number);
    frontier.get(i).map(|&(at_us, _)| at_us)
}

/// One L2 block's wait for superfinality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockLatency {
    pub number: u64,
    pub produced_at_us: u64,
    /// Superfinal: from production to superfinality. Otherwise: from production to the end of
    /// the run (a lower bound of its latency).
    pub latency_us: u64,
    pub superfinal: bool,
}

/// Every L2 block of `record` (in order) with its superfinality latency, or its censored wait
/// when no step reached it before `meta.sim_time_us`. Empty without an L2 chain or PoP.
pub fn block_latencies(record: &RunRecord) -> Vec<BlockLatency> {
    let (Some(l2), Some(pop)) = (&record.l2, &record.pop) else {
        return Vec::new();
    };
    let frontier = frontier(&pop.superfinal);
    l2.blocks
        .iter()
        .map(|b| {
            let at = superfinal_at_us(&frontier, b.number);
            BlockLatency {
                number: b.number,
                produced_at_us: b.produced_at_us,
                latency_us: at.unwrap_or(record.meta.sim_time_us).saturating_sub(b.produced_at_us),
                superfinal: at.is_some(),
            }
        })
        .collect()
}

/// Reward of one publication, aligned with [`PopRecord::publications`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublicationReward {
    /// `x`: its Bitcoin height minus its keystone's lowest main-chain publication height.
    pub blocks_after_first: u32,
    pub score: f64,
    /// Its share of the keystone's `reward_per_keystone`, pro rata by score.
    pub reward: f64,
}

/// Lowest main-chain publication height of every published keystone, by keystone hash.
pub fn first_publication_heights(pop: &PopRecord) -> BTreeMap<&str, u32> {
    let mut first: BTreeMap<&str, u32> = BTreeMap::new();
    for p in &pop.publications {
        let height = first.entry(p.keystone_hash.as_str()).or_insert(p.btc_height);
        *height = (*height).min(p.btc_height);
    }
    first
}

/// The reward of every publication of `pop`, in publication order.
pub fn publication_rewards(pop: &PopRecord) -> Vec<PublicationReward> {
    let first = first_publication_heights(pop);
    let scored: Vec<(u32, f64)> = pop
        .publications
        .iter()
        .map(|p| {
            let h0 = first.get(p.keystone_hash.as_str()).copied().unwrap_or(p.btc_height);
            let x = p.btc_height.saturating_sub(h0);
            (x, publication_score(x))
        })
        .collect();
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    for (p, &(_, score)) in pop.publications.iter().zip(&scored) {
        *totals.entry(p.keystone_hash.as_str()).or_insert(0.0) += score;
    }
    pop.publications
        .iter()
        .zip(scored)
        .map(|(p, (x, score))| {
            let total = totals.get(p.keystone_hash.as_str()).copied().unwrap_or(0.0);
            let reward = if total > 0.0 { pop.reward_per_keystone * score / total } else { 0.0 };
            PublicationReward { blocks_after_first: x, score, reward }
        })
        .collect()
}

/// One keystone's publications on the main chain, aligned with [`PopRecord::keystones`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeystonePublications {
    /// Lowest Bitcoin height holding it, and when that block was found (`None`: unpublished).
    pub first_height: Option<u32>,
    pub first_found_at_us: Option<u64>,
    pub publications: u64,
    pub fees_sats: u64,
}

/// The main-chain publications of every keystone of `pop`, in keystone order.
pub fn keystone_publications(pop: &PopRecord) -> Vec<KeystonePublications> {
    let mut by_hash: BTreeMap<&str, KeystonePublications> = BTreeMap::new();
    for p in &pop.publications {
        let k = by_hash.entry(p.keystone_hash.as_str()).or_default();
        if k.first_height.is_none_or(|h| p.btc_height < h) {
            k.first_height = Some(p.btc_height);
            k.first_found_at_us = Some(p.btc_block_found_at_us);
        }
        k.publications += 1;
        k.fees_sats += p.fee_sats;
    }
    pop.keystones.iter().map(|k| by_hash.get(k.hash.as_str()).copied().unwrap_or_default()).collect()
}

/// What one PoP miner sent, published, paid and earned in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct MinerTotals {
    pub name: String,
    pub txs_sent: u64,
    /// Its publications on the main chain, and their fees.
    pub publications: u64,
    pub fees_sats: u64,
    pub reward: f64,
}

/// Totals of every miner of `pop`, in the record's miner order. Publications no miner claims
/// count in no row (but in [`rewards_paid`]).
pub fn miner_totals(pop: &PopRecord) -> Vec<MinerTotals> {
    let rewards = publication_rewards(pop);
    pop.miners
        .iter()
        .map(|m| {
            let mine =
                pop.publications.iter().zip(&rewards).filter(|(p, _)| p.miner.as_deref() == Some(m.name.as_str()));
            let (mut publications, mut fees_sats, mut reward) = (0, 0, 0.0);
            for (p, r) in mine {
                publications += 1;
                fees_sats += p.fee_sats;
                reward += r.reward;
            }
            MinerTotals {
                name: m.name.clone(),
                txs_sent: pop.sent.iter().filter(|t| t.miner == m.name).count() as u64,
                publications,
                fees_sats,
                reward,
            }
        })
        .collect()
}

/// Sum of every publication's reward: the pools of the published keystones.
pub fn rewards_paid(pop: &PopRecord) -> f64 {
    // Folded from +0.0: `Sum` for floats starts at -0.0, which an empty run would write as `-0.0`.
    publication_rewards(pop).iter().fold(0.0, |sum, r| sum + r.reward)
}

/// Fees of the main-chain publications, in satoshis.
pub fn fees_sats(pop: &PopRecord) -> u64 {
    pop.publications.iter().map(|p| p.fee_sats).sum()
}

/// Block space the main-chain publications take, in weight units (`4 × vsize` each).
pub fn publications_weight(pop: &PopRecord) -> u64 {
    pop.publications.iter().map(|p| 4 * p.vsize).sum()
}

/// Keystones at or below the final superfinal frontier (their own publication or a later one's).
pub fn keystones_superfinal(pop: &PopRecord) -> u64 {
    let top = frontier(&pop.superfinal).last().map(|&(_, n)| n);
    let reached = |k: &&crate::record::KeystoneRow| top.is_some_and(|t| k.l2_number <= t);
    pop.keystones.iter().filter(reached).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{pop_run, pop_step};

    #[test]
    fn scores_follow_protocol_md() {
        let scores: Vec<u64> = (0..=9).map(|x| libm::round(publication_score(x)) as u64).collect();
        assert_eq!(scores, [100_000, 100_000, 25_000, 11_111, 6_250, 4_000, 2_778, 2_041, 1_563, 0]);
        assert_eq!(publication_score(u32::MAX), 0.0);
    }

    #[test]
    fn latencies_with_inheritance_and_censoring() {
        // See `pop_run`: steps at 700.5 s (to block 2) and 1500.25 s (to block 6, across the
        // unpublished keystone of block 4); blocks at 200 i s; the run ends at 1728 s.
        let got = block_latencies(&pop_run(1));
        let expected = [
            (1, 500_500_000, true),
            (2, 300_500_000, true),
            (3, 900_250_000, true),
            (4, 700_250_000, true),
            (5, 500_250_000, true),
            (6, 300_250_000, true),
            (7, 328_000_000, false),
            (8, 128_000_000, false),
        ];
        let got: Vec<(u64, u64, bool)> = got.iter().map(|b| (b.number, b.latency_us, b.superfinal)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn frontier_keeps_only_the_steps_that_raise_it() {
        let steps = [pop_step(10, 4, 1), pop_step(20, 4, 1), pop_step(30, 2, 1), pop_step(40, 8, 2)];
        let f = frontier(&steps);
        assert_eq!(f, [(10, 4), (40, 8)]);
        assert_eq!([1, 4, 5, 8, 9].map(|n| superfinal_at_us(&f, n)), [Some(10), Some(10), Some(40), Some(40), None]);
        assert!(frontier(&[]).is_empty());
    }

    #[test]
    fn rewards_split_by_score() {
        let record = pop_run(1);
        let pop = record.pop.as_ref().expect("pop run");
        let got: Vec<(u32, f64, f64)> =
            publication_rewards(pop).iter().map(|r| (r.blocks_after_first, r.score, r.reward)).collect();
        // Keystone of block 2: x = 0, 1, 2 and 9 share 90 as 100000 : 100000 : 25000 : 0.
        // Keystone of block 6: two publications of x = 0 and 1; keystone of block 8: one.
        let expected = [
            (0, 100_000.0, 40.0),
            (1, 100_000.0, 40.0),
            (2, 25_000.0, 10.0),
            (0, 100_000.0, 45.0),
            (9, 0.0, 0.0),
            (1, 100_000.0, 45.0),
            (0, 100_000.0, 90.0),
        ];
        assert_eq!(got, expected);
        assert_eq!(rewards_paid(pop), 270.0);
        let miners: Vec<(String, u64, u64, u64, f64)> = miner_totals(pop)
            .into_iter()
            .map(|m| (m.name, m.txs_sent, m.publications, m.fees_sats, m.reward))
            .collect();
        assert_eq!(miners, [("pop-0".to_string(), 4, 3, 1_900, 140.0), ("pop-1".to_string(), 4, 3, 1_700, 85.0)]);
        assert_eq!((fees_sats(pop), publications_weight(pop)), (3_700, 6_800));
        assert_eq!(keystones_superfinal(pop), 3);
    }

    #[test]
    fn keystone_first_publications() {
        let record = pop_run(1);
        let pop = record.pop.as_ref().expect("pop run");
        let got = keystone_publications(pop);
        let published = |h, at_s: u64, n, fees| KeystonePublications {
            first_height: Some(h),
            first_found_at_us: Some(at_s * 1_000_000),
            publications: n,
            fees_sats: fees,
        };
        assert_eq!(
            got,
            [
                published(5, 500, 4, 2_800),
                KeystonePublications::default(),
                published(13, 1_300, 2, 600),
                published(17, 1_700, 1, 300),
            ]
        );
    }
}
