//! Superfinality, by Hemi's BFG rule, as seen from one Bitcoin node.
//!
//! A keystone is superfinal once its first canonical publication has `depth` blocks on top of
//! the block that holds it (`tip height - publication height >= depth`). A later keystone
//! commits to its whole ancestry (through the previous-keystone hash; the L2 chain here is a
//! single sequencer's, so every later keystone descends from every earlier one), so a keystone
//! also takes the confirmations of any later keystone's publication: finality is inherited. The
//! *superfinal frontier* is therefore the highest L2 number among known keystones whose first
//! publication is at or below `tip - depth`; every L2 block up to it is superfinal.
//!
//! The tracker reports each advance of the frontier to a new high (the first moment those L2
//! blocks are superfinal), and any retreat: a Bitcoin reorg deeper than `depth` that unwinds a
//! superfinal publication, which is a safety violation of the whole construction.
//!
//! Only keystones the L2 chain made count (the tracker learns them from the sequencer's notices):
//! a payload that parses but matches no L2 keystone proves nothing.

use super::index::{KeystoneIndex, Publication};
use super::keystone::KeystoneHash;
use super::maker::MadeKeystone;
use crate::btc::node::BitcoinNode;
use crate::events::Observation;
use crate::units::{BtcHeight, L2Number};
use std::collections::{BTreeMap, BTreeSet};

/// The frontier: an L2 number and the keystone whose publication carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frontier {
    l2_number: L2Number,
    keystone: KeystoneHash,
    published_height: BtcHeight,
}

#[derive(Debug)]
pub struct FinalityTracker {
    depth: u32,
    index: KeystoneIndex,
    /// Keystones the L2 chain made.
    known: BTreeSet<KeystoneHash>,
    /// Known keystones' first publications by height: (L2 number, keystone).
    by_height: BTreeMap<BtcHeight, BTreeSet<(L2Number, KeystoneHash)>>,
    /// The frontier now, and the highest L2 number it ever reached.
    frontier: Option<Frontier>,
    /// The best publication at or below a height limit, so that each new Bitcoin block scans only
    /// the heights it adds; dropped when a publication at or below the limit changes.
    cache: Option<(BtcHeight, Option<Frontier>)>,
    reported: L2Number,
    /// Retreats of the frontier below a reported high.
    pub reverts: u64,
}

impl FinalityTracker {
    pub fn new(depth: u32, btc_genesis: bitcoin::BlockHash) -> Self {
        FinalityTracker {
            depth,
            index: KeystoneIndex::new(btc_genesis),
            known: BTreeSet::new(),
            by_height: BTreeMap::new(),
            frontier: None,
            cache: None,
            reported: L2Number::ZERO,
            reverts: 0,
        }
    }

    /// Highest L2 number ever superfinal (0: none yet).
    pub fn superfinal_through(&self) -> L2Number {
        self.reported
    }

    /// The node's keystone index: every keystone's first publication on its best chain, what
    /// the PoP fork choice reads (`super::fork_choice::ForkRecord::from_index`).
    pub fn keystone_index(&self) -> &KeystoneIndex {
        &self.index
    }

    /// The sequencer made a keystone.
    pub fn on_keystone(&mut self, made: &MadeKeystone, node: &BitcoinNode) -> Vec<Observation> {
        if self.known.insert(made.hash)
            && let Some(publication) = self.index.first_publication(&made.hash)
        {
            // Its publication was indexed before the notice arrived.
            let publication = publication.clone();
            self.add(&publication);
        }
        self.evaluate(node.tip_height())
    }

    /// The node's chain changed.
    pub fn on_bitcoin_change(&mut self, node: &BitcoinNode) -> Vec<Observation> {
        let delta = self.index.sync(node);
        let mut out = Vec::new();
        for publication in &delta.removed {
            self.remove(publication);
            out.push(Observation::PublicationUnwound {
                keystone: publication.keystone,
                l2_number: publication.l2_number(),
                btc_height: publication.height,
            });
        }
        for publication in &delta.added {
            self.add(publication);
            out.push(Observation::KeystonePublished {
                keystone: publication.keystone,
                l2_number: publication.l2_number(),
                txid: publication.txid,
                btc_height: publication.height,
                btc_block: publication.block,
            });
        }
        out.extend(self.evaluate(node.tip_height()));
        out
    }

    fn add(&mut self, publication: &Publication) {
        if self.known.contains(&publication.keystone) {
            self.invalidate(publication.height);
            self.by_height
                .entry(publication.height)
                .or_default()
                .insert((publication.l2_number(), publication.keystone));
        }
    }

    fn remove(&mut self, publication: &Publication) {
        self.invalidate(publication.height);
        if let Some(set) = self.by_height.get_mut(&publication.height) {
            set.remove(&(publication.l2_number(), publication.keystone));
            if set.is_empty() {
                self.by_height.remove(&publication.height);
            }
        }
    }

    fn invalidate(&mut self, height: BtcHeight) {
        if self.cache.is_some_and(|(limit, _)| height <= limit) {
            self.cache = None;
        }
    }

    /// The best publication at or below `limit`: highest L2 number, then lowest height.
    fn best_up_to(&mut self, limit: BtcHeight) -> Option<Frontier> {
        let (from, mut best) = match self.cache {
            Some((cached, best)) if cached <= limit => (BtcHeight(cached.0.saturating_add(1)), best),
            _ => (BtcHeight::ZERO, None),
        };
        if from <= limit {
            for (&height, set) in self.by_height.range(from..=limit) {
                if let Some(&(l2_number, keystone)) = set.last()
                    && best.is_none_or(|b| l2_number > b.l2_number)
                {
                    best = Some(Frontier { l2_number, keystone, published_height: height });
                }
            }
        }
        self.cache = Some((limit, best));
        best
    }

    /// Recomputes the frontier at `tip`; reports a new high or a retreat.
    fn evaluate(&mut self, tip: BtcHeight) -> Vec<Observation> {
        let previous = self.frontier.map_or(L2Number::ZERO, |f| f.l2_number);
        let frontier = tip.down(self.depth).and_then(|limit| self.best_up_to(limit));
        self.frontier = frontier;
        let now = frontier.map_or(L2Number::ZERO, |f| f.l2_number);
        let mut out = Vec::new();
        if now < previous {
            self.reverts += 1;
            out.push(Observation::SuperfinalityReverted {
                from_l2_number: previous,
                to_l2_number: now,
                tip_height: tip,
            });
        }
        if let Some(f) = frontier.filter(|f| f.l2_number > self.reported) {
            self.reported = f.l2_number;
            out.push(Observation::Superfinal {
                l2_number: f.l2_number,
                keystone: f.keystone,
                published_height: f.published_height,
                tip_height: tip,
            });
        }
        out
    }
}
