//! Catching up with a peer: what a node sends to ask for the blocks it lacks (a block locator,
//! as in Bitcoin's `getheaders`/`getblocks`) and what the peer answers (its active chain from the
//! last block they share).
//!
//! Relay is push-once (a miner sends its block to every peer); a node that was cut off, down or
//! lost a message asks a peer when a link comes up or when a block arrives whose parent it lacks.
//! The answer comes as one message holding the blocks in chain order (headers-first download
//! collapsed into one exchange), so it cannot arrive out of order.

use super::node::BitcoinNode;
use super::sealed::SealedBlock;
use bitcoin::BlockHash;
use std::sync::Arc;

/// The node's active chain as a locator: the ten last blocks, then exponentially sparser back to
/// genesis (Bitcoin Core's `GetLocator`).
pub fn locator(node: &BitcoinNode) -> Vec<BlockHash> {
    let chain = node.active_chain();
    let mut hashes = Vec::new();
    let mut height = chain.len() - 1;
    let mut step = 1;
    loop {
        hashes.push(chain[height]);
        if height == 0 {
            break;
        }
        if hashes.len() >= 10 {
            step *= 2;
        }
        height = height.saturating_sub(step);
    }
    hashes
}

/// The blocks of `node`'s active chain after the first locator entry it has on that chain, in
/// order (its whole chain past genesis if none is). Empty when the asker is not behind.
pub fn blocks_after(node: &BitcoinNode, locator: &[BlockHash]) -> Vec<Arc<SealedBlock>> {
    let fork = locator.iter().find(|h| node.is_active(h)).and_then(|h| node.height_of(h)).map_or(0, |h| h.0 as usize);
    node.active_chain()[fork + 1..]
        .iter()
        .map(|h| node.block(h).expect("active blocks are in the tree").clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
    use crate::btc::genesis::genesis_block;
    use crate::btc::params::{ChainParams, SUBSIDY};
    use crate::btc::script::p2pkh_for;
    use crate::rng::Stream;
    use crate::time::SimTime;

    fn node() -> BitcoinNode {
        let genesis = SealedBlock::seal(genesis_block(&[]));
        BitcoinNode::new(ChainParams { max_block_weight: 4_000_000 }, genesis, &[], 0.0, Stream::derive(0, "tie"))
    }

    /// `n` blocks by `miner` on `node`'s tip, each given to it; returns them in order.
    fn mine(node: &mut BitcoinNode, n: u32, miner: &str) -> Vec<Arc<SealedBlock>> {
        (0..n)
            .map(|_| {
                let height = node.tip_height().0 + 1;
                let tag = CoinbaseTag { height, miner, extra_nonce: 0 };
                let coinbase = simple_coinbase(tag, p2pkh_for(miner), SUBSIDY);
                let block = SealedBlock::seal(mine_block(node.tip(), SimTime(u64::from(height)), vec![coinbase]));
                node.receive_block(block.clone());
                block
            })
            .collect()
    }

    #[test]
    fn the_locator_is_dense_near_the_tip_and_ends_at_genesis() {
        let mut n = node();
        mine(&mut n, 40, "m");
        let heights: Vec<u32> =
            locator(&n).iter().map(|h| n.height_of(h).expect("the locator names active blocks").0).collect();
        assert_eq!(&heights[..10], &[40, 39, 38, 37, 36, 35, 34, 33, 32, 31]);
        assert_eq!(heights[10..], [29, 25, 17, 1, 0]);
    }

    #[test]
    fn a_peer_answers_with_its_chain_after_the_last_shared_block() {
        let (mut ahead, mut behind) = (node(), node());
        let blocks = mine(&mut ahead, 5, "m");
        for block in &blocks[..2] {
            behind.receive_block(block.clone());
        }
        let answer = blocks_after(&ahead, &locator(&behind));
        assert_eq!(answer, blocks[2..].to_vec());
        for block in answer {
            behind.receive_block(block);
        }
        assert_eq!(behind.tip(), ahead.tip());
        assert!(blocks_after(&ahead, &locator(&behind)).is_empty(), "nothing more to send");
        assert!(blocks_after(&behind, &locator(&ahead)).is_empty(), "nor the other way");
    }

    #[test]
    fn a_node_on_another_branch_gets_the_peers_branch_from_the_fork() {
        let (mut a, mut b) = (node(), node());
        let shared = mine(&mut a, 1, "a");
        b.receive_block(shared[0].clone());
        let a_branch = mine(&mut a, 3, "a");
        let b_branch = mine(&mut b, 1, "b");
        let answer = blocks_after(&a, &locator(&b));
        assert_eq!(answer, a_branch, "a's blocks after the shared one");
        for block in answer {
            b.receive_block(block);
        }
        assert_eq!(b.tip(), a.tip(), "the heavier branch wins");
        assert!(b.knows(&b_branch[0].block_hash()), "b keeps its stale block");
    }
}
