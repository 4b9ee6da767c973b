//! [`L2Follower`]: what a participant that follows the sequencer's gossiped blocks (users, the
//! tunnel's operator and auditor) needs to stay on the sequencer's chain when it reorgs.
//!
//! Blocks arrive in any order (links have jitter). The follower applies each block that extends
//! the chain it follows; a block at a number it already has, with another hash and a parent it
//! has, is a reorg: the blocks above that parent are reverted (newest first) and the new branch
//! applied. Blocks that do not connect yet wait. Without a settlement layer the sequencer never
//! reorgs, and the follower only orders blocks.

use super::block::L2Block;
use crate::units::L2Number;
use revm::primitives::B256;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// One step of following the chain, in the order to take them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowStep {
    /// Take this block back (the newest first).
    Revert(Arc<L2Block>),
    /// Apply this block (the next one of the chain).
    Apply(Arc<L2Block>),
}

/// The chain a follower follows.
#[derive(Debug)]
pub struct L2Follower {
    /// The last block applied.
    head: (L2Number, B256),
    /// The latest applied blocks, oldest first, at most `keep`: what a reorg can revert.
    recent: VecDeque<Arc<L2Block>>,
    keep: usize,
    /// Blocks that do not connect yet, by number (the latest received of each number).
    waiting: BTreeMap<L2Number, Arc<L2Block>>,
}

impl L2Follower {
    /// A follower at the L2 genesis, able to revert its latest `keep` blocks.
    pub fn new(l2_genesis_hash: B256, keep: usize) -> L2Follower {
        L2Follower { head: (L2Number::ZERO, l2_genesis_hash), recent: VecDeque::new(), keep, waiting: BTreeMap::new() }
    }

    pub fn head(&self) -> L2Number {
        self.head.0
    }

    /// The head to ask the sequencer to continue from: set when blocks wait above a hole.
    pub fn gap(&self) -> Option<L2Number> {
        let next = self.head.0.next();
        let hole = !self.waiting.contains_key(&next) && self.waiting.range(next..).next().is_some();
        hole.then_some(self.head.0)
    }

    /// The block to ask the sequencer to continue from when the block after the head names
    /// another parent: the follower may be on a branch the sequencer left (a late block of it
    /// made the follower switch to it after it had applied the live one), and every later block
    /// of the live chain forks below its head, so none connects. The sequencer's chain after the
    /// parent of its oldest kept block does: it holds the fork (reorgs are shallower than what it
    /// keeps).
    pub fn diverged(&self) -> Option<L2Number> {
        let next = self.waiting.get(&self.head.0.next())?;
        (next.header.parent_hash != self.head.1).then(|| self.floor())
    }

    /// A gossiped block arrives: the steps that bring the follower onto the chain it extends.
    pub fn on_block(&mut self, block: Arc<L2Block>) -> Vec<FollowStep> {
        let number = block.header.number;
        if self.hash_at(number) == Some(block.hash()) {
            return Vec::new();
        }
        if number > self.floor() {
            self.waiting.insert(number, block);
        }
        let mut steps = self.switch_branch();
        while let Some(next) = self.waiting.get(&self.head.0.next()).cloned() {
            if next.header.parent_hash != self.head.1 {
                break;
            }
            self.waiting.remove(&next.header.number);
            self.apply(next.clone());
            steps.push(FollowStep::Apply(next));
        }
        steps
    }

    /// The parent of the oldest kept block: blocks at or below this number can no longer be
    /// replaced (the block below it is forgotten), but the oldest kept one can, since its parent's
    /// hash is known. (Counting the oldest block itself as the floor left a follower unable to take
    /// back block 1 before it had `keep` blocks: the first block derivation forces on a chain whose
    /// batches never land replaces block 1, and its users waited on the old branch for good.)
    fn floor(&self) -> L2Number {
        self.recent.front().map_or(self.head.0, |oldest| L2Number(oldest.header.number.0.saturating_sub(1)))
    }

    /// The hash of the block at `number` on the followed chain, if it is still known.
    fn hash_at(&self, number: L2Number) -> Option<B256> {
        if number == self.head.0 {
            return Some(self.head.1);
        }
        let oldest = self.recent.front()?;
        if number.0 + 1 == oldest.header.number.0 {
            return Some(oldest.header.parent_hash);
        }
        let index = number.0.checked_sub(oldest.header.number.0)?;
        self.recent.get(index as usize).map(|b| b.hash())
    }

    /// If a waiting block forks off the followed chain (its parent is on it, below the head),
    /// reverts the blocks above that parent.
    fn switch_branch(&mut self) -> Vec<FollowStep> {
        let fork = self.waiting.range(..=self.head.0).find_map(|(&number, block)| {
            let parent = number.down(1)?;
            let forks =
                self.hash_at(parent) == Some(block.header.parent_hash) && self.hash_at(number) != Some(block.hash());
            forks.then_some(parent)
        });
        let Some(fork) = fork else { return Vec::new() };
        let mut steps = Vec::new();
        while self.head.0 > fork {
            let block = self.recent.pop_back().expect("a block above the fork is kept");
            self.head = (L2Number(block.header.number.0 - 1), block.header.parent_hash);
            steps.push(FollowStep::Revert(block));
        }
        // What waits at or below the fork belongs to branches no longer followed.
        self.waiting.retain(|&number, _| number > fork);
        steps
    }

    fn apply(&mut self, block: Arc<L2Block>) {
        self.head = (block.header.number, block.hash());
        self.recent.push_back(block);
        if self.recent.len() > self.keep.max(1) {
            self.recent.pop_front();
            let floor = self.floor();
            self.waiting.retain(|&number, _| number > floor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::l2::block::{BtcAttributes, L2Header};
    use crate::units::BtcHeight;

    /// Block `number` on `parent`, told apart from its siblings by `branch`.
    fn block(number: u64, parent: B256, branch: u8) -> Arc<L2Block> {
        let header = L2Header {
            number: L2Number(number),
            parent_hash: parent,
            timestamp_s: number * 12,
            gas_limit: 30_000_000,
            gas_used: 0,
            state_root: B256::repeat_byte(branch),
            transactions_root: B256::ZERO,
            withdrawals_root: B256::ZERO,
            btc_tip_height: BtcHeight(0),
            btc_tip_hash: bitcoin::BlockHash::from_byte_array([0; 32]),
            l1_origin: None,
        };
        let attributes = BtcAttributes { fork_height: BtcHeight(0), headers: vec![] };
        Arc::new(L2Block::seal_hashing(header, attributes, vec![]))
    }

    /// `count` blocks after `parent` (at `first`), on branch `branch`.
    fn chain(first: u64, parent: B256, count: u64, branch: u8) -> Vec<Arc<L2Block>> {
        let mut blocks: Vec<Arc<L2Block>> = Vec::new();
        for number in first..first + count {
            let parent = blocks.last().map_or(parent, |b| b.hash());
            blocks.push(block(number, parent, branch));
        }
        blocks
    }

    fn applied(steps: &[FollowStep]) -> Vec<(char, u64)> {
        steps
            .iter()
            .map(|step| match step {
                FollowStep::Revert(b) => ('-', b.header.number.0),
                FollowStep::Apply(b) => ('+', b.header.number.0),
            })
            .collect()
    }

    use bitcoin::hashes::Hash;

    #[test]
    fn blocks_apply_in_order_whatever_order_they_arrive_in() {
        let genesis = B256::repeat_byte(0xee);
        let blocks = chain(1, genesis, 3, 1);
        let mut follower = L2Follower::new(genesis, 10);
        assert!(follower.on_block(blocks[1].clone()).is_empty(), "block 2 waits for block 1");
        assert_eq!(applied(&follower.on_block(blocks[0].clone())), vec![('+', 1), ('+', 2)]);
        assert!(follower.on_block(blocks[0].clone()).is_empty(), "a block seen twice is applied once");
        assert_eq!(applied(&follower.on_block(blocks[2].clone())), vec![('+', 3)]);
        assert_eq!(follower.head(), L2Number(3));
    }

    /// The sequencer reorgs at block 2: the new branch (2', 3') arrives with 3' first.
    #[test]
    fn a_new_branch_reverts_the_old_one_down_to_the_fork() {
        let genesis = B256::repeat_byte(0xee);
        let old = chain(1, genesis, 4, 1);
        let new = chain(2, old[0].hash(), 2, 2);
        let mut follower = L2Follower::new(genesis, 10);
        for b in &old {
            follower.on_block(b.clone());
        }
        assert!(follower.on_block(new[1].clone()).is_empty(), "3' does not connect to the followed chain");
        let steps = follower.on_block(new[0].clone());
        assert_eq!(applied(&steps), vec![('-', 4), ('-', 3), ('-', 2), ('+', 2), ('+', 3)]);
        assert_eq!(follower.head(), L2Number(3));
        assert!(follower.on_block(old[3].clone()).is_empty(), "the old branch arriving late changes nothing");
        assert_eq!(follower.head(), L2Number(3));
    }

    /// The follower is on a branch the sequencer left (blocks 2..4) and the live branch's next
    /// block (5', on 2'..4' it never had) waits: swarm world 340 stopped there for good. It asks
    /// for the sequencer's chain from its oldest kept block on, which brings it back.
    #[test]
    fn a_follower_on_a_dead_branch_asks_from_its_oldest_block_and_rejoins_the_live_chain() {
        let genesis = B256::repeat_byte(0xee);
        let dead = chain(1, genesis, 4, 1);
        let live = chain(2, dead[0].hash(), 4, 2);
        let mut follower = L2Follower::new(genesis, 10);
        for b in &dead {
            follower.on_block(b.clone());
        }
        assert_eq!(follower.diverged(), None);
        assert!(follower.on_block(live[3].clone()).is_empty(), "5' names 4', which it never had");
        assert_eq!(follower.gap(), None, "no hole: the block after its head is there");
        assert_eq!(follower.diverged(), Some(L2Number(0)), "ask from below its oldest kept block");
        // The sequencer's answer: its chain after block 0 (block 1 it already has).
        let steps: Vec<FollowStep> = live.iter().flat_map(|b| follower.on_block(b.clone())).collect();
        assert_eq!(applied(&steps), vec![('-', 4), ('-', 3), ('-', 2), ('+', 2), ('+', 3), ('+', 4), ('+', 5)]);
        assert_eq!((follower.head(), follower.diverged()), (L2Number(5), None));
    }

    #[test]
    fn blocks_below_what_it_keeps_cannot_reorg_it() {
        let genesis = B256::repeat_byte(0xee);
        let old = chain(1, genesis, 5, 1);
        let mut follower = L2Follower::new(genesis, 2);
        for b in &old {
            follower.on_block(b.clone());
        }
        let deep = chain(2, old[0].hash(), 1, 2);
        assert!(follower.on_block(deep[0].clone()).is_empty(), "block 1 is no longer known: no fork from it");
        let shallow = chain(5, old[3].hash(), 1, 2);
        assert_eq!(applied(&follower.on_block(shallow[0].clone())), vec![('-', 5), ('+', 5)]);
        // It keeps 2 blocks (4 and 5'), so it can take back both: 4' names block 3, 4's parent.
        let two = chain(4, old[2].hash(), 2, 3);
        assert!(follower.on_block(two[1].clone()).is_empty(), "5'' waits for 4''");
        assert_eq!(applied(&follower.on_block(two[0].clone())), vec![('-', 5), ('-', 4), ('+', 4), ('+', 5)]);
    }

    /// Swarm worlds 1503 and 67 (the batcher off): the first block derivation forces replaces
    /// block 1, the oldest a young follower holds; the new branch grows from the genesis, and
    /// the follower must take its whole chain back to follow it.
    #[test]
    fn a_young_follower_takes_back_its_whole_chain_down_to_the_genesis() {
        let genesis = B256::repeat_byte(0xee);
        let old = chain(1, genesis, 4, 1);
        let new = chain(1, genesis, 5, 2);
        let mut follower = L2Follower::new(genesis, 10);
        for b in &old {
            follower.on_block(b.clone());
        }
        assert!(follower.on_block(new[2].clone()).is_empty(), "3' waits for 1' and 2'");
        assert!(follower.on_block(new[1].clone()).is_empty(), "2' waits for 1'");
        let steps = follower.on_block(new[0].clone());
        assert_eq!(applied(&steps), vec![('-', 4), ('-', 3), ('-', 2), ('-', 1), ('+', 1), ('+', 2), ('+', 3)]);
        assert_eq!(applied(&follower.on_block(new[4].clone())), vec![]);
        assert_eq!(applied(&follower.on_block(new[3].clone())), vec![('+', 4), ('+', 5)]);
        assert_eq!(follower.head(), L2Number(5));
    }
}
