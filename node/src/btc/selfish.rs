//! The Eyal–Sirer selfish miner (2014), Algorithm 1.
//!
//! The pool keeps the blocks it finds private and reveals them only to override honest blocks:
//! with a lead of 2 it reveals everything when the honest network finds a block (and wins); with
//! a lead of 1 it reveals its block to force a 1-vs-1 race (in which a share `gamma` of honest
//! hash rate builds on its block: see [`super::node::BitcoinNode`]'s tie rule); with a larger lead
//! it reveals just enough to match the honest height. If it finds a block during a race, it
//! reveals it at once and wins. When the honest chain is longer, it adopts it.
//!
//! Its own node stands for the public chain: it receives honest blocks and the pool's blocks
//! once revealed, and never the private ones.

use super::miner::Miner;
use super::node::BitcoinNode;
use super::params::SUBSIDY;
use super::sealed::SealedBlock;
use crate::events::{Action, Observation};
use crate::time::SimTime;
use crate::units::BtcHeight;
use bitcoin::{Amount, BlockHash};
use std::sync::Arc;

#[derive(Debug)]
pub struct SelfishMiner {
    pub miner: Miner,
    fork: BlockHash,
    fork_height: BtcHeight,
    /// Blocks found on top of `fork`, oldest first; the first `published` of them are revealed.
    private: Vec<Arc<SealedBlock>>,
    published: usize,
}

impl SelfishMiner {
    pub fn new(miner: Miner, node: &BitcoinNode) -> Self {
        SelfishMiner { miner, fork: node.tip(), fork_height: node.tip_height(), private: Vec::new(), published: 0 }
    }

    fn private_tip_height(&self) -> BtcHeight {
        self.fork_height.up(self.private.len() as u32)
    }

    /// How many blocks the private tip is ahead of the public tip (negative: behind).
    fn lead_over(&self, public_height: BtcHeight) -> i64 {
        i64::from(self.private_tip_height().0) - i64::from(public_height.0)
    }

    /// The pool found a block on its private tip.
    pub fn on_mine(&mut self, node: &mut BitcoinNode, now: SimTime, out: &mut Vec<Action>) {
        let previous_lead = self.lead_over(node.tip_height());
        let parent = self.private.last().map_or(self.fork, |b| b.block_hash());
        let height = self.private_tip_height().next();
        let block = self.miner.mine_on(parent, height, now, SUBSIDY, vec![]);
        out.push(Action::Observe(crate::peer::found(&block, height, Amount::ZERO, true)));
        self.private.push(block);
        // In a 1-vs-1 race (lead 0 with our block revealed): reveal the new block and win.
        if previous_lead == 0 && self.published > 0 {
            self.publish_up_to(BtcHeight(u32::MAX), node, out);
            self.restart_from_own_tip();
        }
    }

    /// The public chain moved because of someone else's block.
    pub fn on_public_change(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let public_height = node.tip_height();
        let lead = self.lead_over(public_height);
        match lead {
            _ if self.private.is_empty() || lead < 0 => self.adopt(node),
            0 => self.publish_up_to(BtcHeight(u32::MAX), node, out),
            1 => {
                self.publish_up_to(BtcHeight(u32::MAX), node, out);
                self.restart_from_own_tip();
            }
            _ => self.publish_up_to(public_height, node, out),
        }
    }

    fn adopt(&mut self, node: &BitcoinNode) {
        self.fork = node.tip();
        self.fork_height = node.tip_height();
        self.private.clear();
        self.published = 0;
    }

    fn restart_from_own_tip(&mut self) {
        if let Some(last) = self.private.last() {
            self.fork = last.block_hash();
            self.fork_height = self.private_tip_height();
        }
        self.private.clear();
        self.published = 0;
    }

    /// Reveals the unrevealed private blocks at heights up to `max_height`.
    fn publish_up_to(&mut self, max_height: BtcHeight, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let first = self.published;
        while self.published < self.private.len() && self.fork_height.up(self.published as u32) < max_height {
            let block = self.private[self.published].clone();
            crate::peer::relay_own(node, block, out);
            self.published += 1;
        }
        if self.published > first {
            let lead = self.lead_over(node.tip_height());
            out.push(Action::Observe(Observation::Published { blocks: (self.published - first) as u32, lead }));
        }
    }
}
