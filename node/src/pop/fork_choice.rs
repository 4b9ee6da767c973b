//! PoP fork choice: which of two competing L2 forks Bitcoin's publications prefer, by the rule
//! Hemi documents ("a reorg is refused unless the new fork's PoP publications are in step with or
//! before the current chain's", docs/protocol.md §8) and VeriBlock implements
//! (`comparePopScoreImpl` in `alt-integration-cpp`'s `fork_resolution.hpp`). Library code only:
//! no L2 node calls it yet.
//!
//! **The rule.** Both forks start at their fork point. Each keystone K after it (every
//! `keystone_interval_blocks`, up to the fork's tip) is *endorsed* at the lowest Bitcoin
//! best-chain height holding a publication of K or of the keystone one interval above K on the
//! same fork (see the adaptation below); an unpublished keystone has no endorsement (VeriBlock's
//! infinite height). Walking the keystones in order, each fork keeps a score and may drop
//! *outside* finality, for good:
//! - a fork whose endorsement comes more than `finality_delay_blocks` after its previous
//!   keystone's goes outside (a gap in its keystones, or an unendorsed previous one, resets this);
//! - a keystone only one fork has (the other lacks it, or is outside) adds `score_table[0]` to
//!   that fork and puts the other outside; the walk ends early once that fork leads;
//! - otherwise, with `m` the earlier endorsement, each fork adds `score_table[its height - m]`
//!   (0 past the table), and a fork endorsed more than the delay after the other goes outside;
//! - the walk ends when both are outside or the keystones run out.
//!
//! The higher score wins; equal scores are a tie, which the node's own rule (derivation) decides.
//! A fork with keystones beats one without; two forks without keystones tie. The comparison is
//! symmetric ([`ForkComparison::reversed`]) but not transitive: compare each candidate against
//! the chain being followed.
//!
//! **Adapted from VeriBlock.** A VeriBlock header links two previous keystones, so endorsements of
//! blocks K to K + interval + 1 count for K. Hemi publishes only keystones, and a keystone links
//! one previous keystone (its previous-keystone hash), so here a publication counts for its own
//! keystone and for the one just below it: nothing through a second link. VeriBlock's other
//! refinements have no Hemi counterpart and are left out: the timestamp adjustment of an
//! endorsement, endorsements carried inside the protected chain, and finalized blocks.
//! Hemi's values ([`ForkChoiceParams::hemi`]): keystone interval 25, finality delay 10 (BFG's
//! superfinality depth; the whitepaper says 9), and scores from the PoP payout curve.

use super::index::KeystoneIndex;
use super::maker::MadeKeystone;
use crate::units::{BtcHeight, L2Number};
use std::collections::BTreeMap;
use std::num::NonZeroU32;

/// Hemi's keystone period in L2 blocks (`hemi.KeystoneHeaderPeriod`).
pub const HEMI_KEYSTONE_INTERVAL_BLOCKS: NonZeroU32 = NonZeroU32::new(25).expect("25 is not zero");

/// The default finality delay in Bitcoin blocks: BFG's superfinality depth
/// (`bfgapi.BitcoinSuperFinality`), the default of `pop.fork_finality_delay_blocks`.
pub const HEMI_FINALITY_DELAY_BLOCKS: u32 = 10;

/// Hemi's publication scores by Bitcoin blocks after the keystone's first publication: the
/// payout curve `100000 / max(x, 1)²` for x = 0..=8, rounded half up as Hemi lists it
/// (100000, 100000, 25000, 11111, 6250, 4000, 2778, 2041, 1563), and 0 from x = 9. The same
/// curve splits the rewards in the reports (`hemisim_reports::pop::metrics::publication_score`,
/// unrounded there), a crate this one does not depend on.
pub const HEMI_SCORE_TABLE: [u32; 9] = payout_curve();

const fn payout_curve() -> [u32; 9] {
    let mut table = [0; 9];
    let mut x = 0;
    while x < table.len() {
        let squared = if x == 0 { 1 } else { (x * x) as u32 };
        table[x] = (100_000 + squared / 2) / squared;
        x += 1;
    }
    table
}

/// What the comparison needs to know about the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkChoiceParams {
    /// L2 blocks between keystones.
    pub keystone_interval_blocks: NonZeroU32,
    /// A fork whose endorsement comes more than this many Bitcoin blocks after the reference
    /// (its own previous keystone's, or the other fork's for the same keystone) drops out.
    pub finality_delay_blocks: u32,
    /// Score of an endorsement by Bitcoin blocks after the earlier of the two; 0 past the end.
    pub score_table: Vec<u32>,
}

impl ForkChoiceParams {
    /// Hemi's values (see the module header); set `finality_delay_blocks` from the scenario.
    pub fn hemi() -> Self {
        ForkChoiceParams {
            keystone_interval_blocks: HEMI_KEYSTONE_INTERVAL_BLOCKS,
            finality_delay_blocks: HEMI_FINALITY_DELAY_BLOCKS,
            score_table: HEMI_SCORE_TABLE.to_vec(),
        }
    }

    fn interval(&self) -> u64 {
        u64::from(self.keystone_interval_blocks.get())
    }

    /// The score of an endorsement `blocks_after` the earlier one (`None`: it has none).
    fn score(&self, blocks_after: Option<u32>) -> u64 {
        blocks_after.and_then(|x| self.score_table.get(x as usize)).map_or(0, |&s| u64::from(s))
    }

    /// VeriBlock's `publicationViolatesFinality`: `endorsement` comes more than the delay after
    /// `reference`, an absent endorsement being infinitely late (so never late after an absent
    /// reference).
    fn too_late(&self, endorsement: Endorsement, reference: Endorsement) -> bool {
        match (endorsement, reference) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(e), Some(r)) => e.blocks_above(r) > self.finality_delay_blocks,
        }
    }
}

/// The lowest Bitcoin best-chain height that endorses a keystone; `None`: none does.
pub type Endorsement = Option<BtcHeight>;

/// The earlier of two endorsements (an absent one is infinitely late).
fn earlier(a: Endorsement, b: Endorsement) -> Endorsement {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// How many Bitcoin blocks `endorsement` comes after `earliest`, the earlier of two (`None`: it
/// scores nothing). Two absent endorsements are, as in VeriBlock, both at the same infinite
/// height, 0 apart: both score `score_table[0]`, which changes no difference.
fn blocks_after(endorsement: Endorsement, earliest: Endorsement) -> Option<u32> {
    match (endorsement, earliest) {
        (Some(e), Some(m)) => Some(e.blocks_above(m)),
        (None, None) => Some(0),
        _ => None,
    }
}

/// One keystone of a fork: its L2 number and the Bitcoin best-chain height of its own first
/// publication, if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeystoneRecord {
    pub l2_number: L2Number,
    pub first_publication: Option<BtcHeight>,
}

/// One fork after the fork point: its tip and its keystones above the fork point (in any order;
/// numbers off the keystone grid or above the tip are never consulted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForkRecord {
    pub tip: L2Number,
    pub keystones: Vec<KeystoneRecord>,
}

impl ForkRecord {
    /// The record of a fork whose keystones are `keystones`, with their first publications as
    /// `index` (a node's keystone index, e.g. [`super::finality::FinalityTracker::keystone_index`])
    /// knows them.
    pub fn from_index<'a>(
        tip: L2Number,
        keystones: impl IntoIterator<Item = &'a MadeKeystone>,
        index: &KeystoneIndex,
    ) -> ForkRecord {
        let keystones = keystones
            .into_iter()
            .map(|made| KeystoneRecord {
                l2_number: made.l2_number(),
                first_publication: index.first_publication(&made.hash).map(|p| p.height),
            })
            .collect();
        ForkRecord { tip, keystones }
    }

    /// The fork's keystones as the comparison sees them: each endorsed by its own publication or
    /// its successor's on the same fork (Hemi's one previous-keystone link).
    pub fn view(&self, fork_point: L2Number, params: &ForkChoiceParams) -> PublicationView {
        let interval = params.interval();
        let published: BTreeMap<L2Number, Endorsement> =
            self.keystones.iter().map(|k| (k.l2_number, k.first_publication)).collect();
        let first = L2Number((fork_point.0 / interval + 1) * interval);
        let contexts = (first.0..=self.tip.0).step_by(interval as usize).map(L2Number).filter_map(|k| {
            let own = *published.get(&k)?;
            let successor = published.get(&k.up(interval)).filter(|_| k.up(interval) <= self.tip);
            Some(KeystoneContext { l2_number: k, endorsed_at: earlier(own, successor.copied().flatten()) })
        });
        PublicationView::new(contexts)
    }
}

/// A keystone as the comparison sees it (VeriBlock's `KeystoneContext`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeystoneContext {
    pub l2_number: L2Number,
    pub endorsed_at: Endorsement,
}

/// A fork's keystone contexts, from its first keystone to its last (VeriBlock's
/// `ReducedPublicationView`); a keystone missing in between is a gap, which the comparison
/// treats as VeriBlock does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicationView {
    contexts: BTreeMap<L2Number, Endorsement>,
}

impl PublicationView {
    pub fn new(contexts: impl IntoIterator<Item = KeystoneContext>) -> Self {
        PublicationView { contexts: contexts.into_iter().map(|c| (c.l2_number, c.endorsed_at)).collect() }
    }

    pub fn is_empty(&self) -> bool {
        self.contexts.is_empty()
    }

    /// The keystone at `l2_number`: `None` when the fork has none there.
    fn at(&self, l2_number: L2Number) -> Option<Endorsement> {
        self.contexts.get(&l2_number).copied()
    }

    fn first(&self) -> Option<L2Number> {
        self.contexts.keys().next().copied()
    }

    fn last(&self) -> Option<L2Number> {
        self.contexts.keys().next_back().copied()
    }
}

/// Which fork the comparison prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkWinner {
    /// Fork A (by convention the chain the node follows: keep it).
    A,
    /// Fork B (the candidate: switch to it).
    B,
    /// Neither: the node's own rule (derivation) decides.
    Tie,
}

/// What decided the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    /// Neither fork has a keystone after the fork point: a tie.
    NoKeystones,
    /// Only one fork has keystones after the fork point: it wins.
    KeystonesOnOneSide,
    /// The scores of the keystone walk.
    PopScore,
}

/// The outcome of [`compare_forks`]. Scores are as VeriBlock's walk leaves them (it may stop
/// early once the result is certain), so only their order is meaningful.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForkComparison {
    pub winner: ForkWinner,
    pub decided_by: DecidedBy,
    pub score_a: u64,
    pub score_b: u64,
}

impl ForkComparison {
    /// The same comparison with A and B swapped.
    pub fn reversed(self) -> ForkComparison {
        let winner = match self.winner {
            ForkWinner::A => ForkWinner::B,
            ForkWinner::B => ForkWinner::A,
            ForkWinner::Tie => ForkWinner::Tie,
        };
        ForkComparison { winner, decided_by: self.decided_by, score_a: self.score_b, score_b: self.score_a }
    }
}

/// Compares forks `a` and `b` that part at `fork_point` (module header).
pub fn compare_forks(
    params: &ForkChoiceParams,
    fork_point: L2Number,
    a: &ForkRecord,
    b: &ForkRecord,
) -> ForkComparison {
    compare_views(params, &a.view(fork_point, params), &b.view(fork_point, params))
}

/// Compares two forks' publication views: VeriBlock's `comparePopScoreImpl`. Both views'
/// keystones lie on one grid (one fork point, one interval), as [`ForkRecord::view`] makes them.
pub fn compare_views(params: &ForkChoiceParams, a: &PublicationView, b: &PublicationView) -> ForkComparison {
    let (Some(first_a), Some(first_b), Some(last_a), Some(last_b)) = (a.first(), b.first(), a.last(), b.last()) else {
        return one_side_or_none(a, b);
    };
    let (first, last) = (first_a.min(first_b), last_a.max(last_b));
    let (mut side_a, mut side_b) = (Side::default(), Side::default());
    for k in (first.0..=last.0).step_by(params.interval() as usize).map(L2Number) {
        let at_a = side_a.admit(a.at(k), params);
        let at_b = side_b.admit(b.at(k), params);
        match (at_a, at_b) {
            (None, None) if side_a.outside && side_b.outside => break,
            (None, None) => {}
            (Some(_), None) => {
                if side_a.alone(&mut side_b, params) {
                    break;
                }
            }
            (None, Some(_)) => {
                if side_b.alone(&mut side_a, params) {
                    break;
                }
            }
            (Some(ea), Some(eb)) => {
                let earliest = earlier(ea, eb);
                side_a.score += params.score(blocks_after(ea, earliest));
                side_b.score += params.score(blocks_after(eb, earliest));
                side_a.outside |= params.too_late(ea, eb);
                side_b.outside |= params.too_late(eb, ea);
            }
        }
    }
    let winner = match side_a.score.cmp(&side_b.score) {
        std::cmp::Ordering::Greater => ForkWinner::A,
        std::cmp::Ordering::Less => ForkWinner::B,
        std::cmp::Ordering::Equal => ForkWinner::Tie,
    };
    ForkComparison { winner, decided_by: DecidedBy::PopScore, score_a: side_a.score, score_b: side_b.score }
}

/// At least one view is empty: the other wins if it has keystones, else a tie.
fn one_side_or_none(a: &PublicationView, b: &PublicationView) -> ForkComparison {
    let (winner, decided_by) = match (a.is_empty(), b.is_empty()) {
        (true, true) => (ForkWinner::Tie, DecidedBy::NoKeystones),
        (false, _) => (ForkWinner::A, DecidedBy::KeystonesOnOneSide),
        (true, false) => (ForkWinner::B, DecidedBy::KeystonesOnOneSide),
    };
    ForkComparison { winner, decided_by, score_a: 0, score_b: 0 }
}

/// One fork's state in the walk.
#[derive(Debug, Default)]
struct Side {
    score: u64,
    /// Dropped out of finality: it scores nothing more.
    outside: bool,
    /// The previous keystone's endorsement (`None` after a gap or an unendorsed keystone).
    previous: Endorsement,
}

impl Side {
    /// This fork's keystone `context` (`None`: it has none here), or `None` when the fork is
    /// outside or drops out now because the endorsement comes too late after the previous one.
    fn admit(&mut self, context: Option<Endorsement>, params: &ForkChoiceParams) -> Option<Endorsement> {
        let context = context.filter(|_| !self.outside);
        let endorsement = context.flatten();
        let reference = std::mem::replace(&mut self.previous, endorsement);
        if context.is_some() && params.too_late(endorsement, reference) {
            self.outside = true;
            return None;
        }
        context
    }

    /// Only this fork has the keystone: it scores the top of the table and the other drops out.
    /// True when the walk can stop (this fork leads and the other's score is final).
    fn alone(&mut self, other: &mut Side, params: &ForkChoiceParams) -> bool {
        self.score += params.score(Some(0));
        other.outside = true;
        self.score > other.score
    }
}

#[cfg(test)]
#[path = "fork_choice_tests.rs"]
mod tests;
