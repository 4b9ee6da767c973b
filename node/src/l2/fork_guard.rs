//! [`PopForkChoice`]: an L2 node's PoP fork choice (`l2.fork_choice = "pop"`), the gate a
//! verifier puts before every reorg derivation asks for ([`super::node::ReorgGate`]).
//!
//! The node keeps its own keystone index (the first publication of every keystone on its Bitcoin
//! node's best chain) and the keystones of its chain (made from its blocks as it adds them, with
//! the sequencer's [`KeystoneMaker`] rule, so their hashes are the ones PoP miners publish). When a
//! derived payload differs from its oldest unsafe block, it compares, from the fork point (its
//! safe head), its own fork (its unsafe blocks) with the derived one: the gossiped blocks it
//! holds that start with the payload's block and chain from it (without them: the payload's
//! block alone, with no keystone). It refuses the reorg exactly when its own fork wins
//! ([`compare_forks`]); a tie or a loss leaves the decision to derivation.

use super::block::L2Block;
use super::node::{ForkConflict, ReorgProposal, matches_payload};
use crate::btc::node::BitcoinNode;
use crate::pop::fork_choice::{ForkChoiceParams, ForkRecord, ForkWinner, compare_forks};
use crate::pop::index::KeystoneIndex;
use crate::pop::maker::{KeystoneMaker, MadeKeystone};
use crate::time::SimTime;
use crate::units::L2Number;
use revm::primitives::B256;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug)]
pub struct PopForkChoice {
    params: ForkChoiceParams,
    index: KeystoneIndex,
    /// Follows the node's chain: what a keystone of a new block chains to.
    maker: KeystoneMaker,
    /// The keystones of the node's chain, by number.
    made: BTreeMap<L2Number, MadeKeystone>,
}

impl PopForkChoice {
    pub fn new(params: ForkChoiceParams, btc_genesis: bitcoin::BlockHash, l2_genesis_hash: B256) -> Self {
        let maker = KeystoneMaker::new(params.keystone_interval_blocks.get(), l2_genesis_hash);
        PopForkChoice { params, index: KeystoneIndex::new(btc_genesis), maker, made: BTreeMap::new() }
    }

    /// The node's Bitcoin chain moved: its index follows.
    pub fn on_bitcoin(&mut self, node: &BitcoinNode) {
        self.index.sync(node);
    }

    /// A block joined the node's chain (in chain order).
    pub fn on_block(&mut self, block: &L2Block) {
        if let Some(made) = self.maker.on_block(block, SimTime::ZERO) {
            self.made.insert(made.l2_number(), made);
        }
    }

    /// The node's chain went back to `to`.
    pub fn on_reorg(&mut self, to: L2Number) {
        self.maker.rewind_to(to);
        self.made.split_off(&to.next());
    }

    /// The node's verdict on a derived reorg: `Some` refuses it (its fork wins).
    pub fn judge(
        &self,
        proposal: &ReorgProposal<'_>,
        gossiped: &BTreeMap<L2Number, Arc<L2Block>>,
    ) -> Option<ForkConflict> {
        let fork = proposal.fork_point.number;
        let current_tip = proposal.current.back()?;
        let current = ForkRecord::from_index(
            current_tip.header.number,
            self.made.range(fork.next()..).map(|(_, k)| k),
            &self.index,
        );
        let derived_blocks = derived_fork(fork, proposal, gossiped);
        let mut maker = self.maker.clone();
        maker.rewind_to(fork);
        let derived_keystones: Vec<MadeKeystone> =
            derived_blocks.iter().filter_map(|b| maker.on_block(b, SimTime::ZERO)).collect();
        let (derived_tip, derived_hash) =
            derived_blocks.last().map_or((fork.next(), B256::ZERO), |b| (b.header.number, b.hash()));
        let derived = ForkRecord::from_index(derived_tip, &derived_keystones, &self.index);
        let comparison = compare_forks(&self.params, fork, &current, &derived);
        (comparison.winner == ForkWinner::A).then(|| ForkConflict {
            fork_point: fork,
            current_tip: current_tip.header.number,
            current_hash: current_tip.hash(),
            derived_tip,
            derived_hash,
            current_score: comparison.score_a,
            derived_score: comparison.score_b,
        })
    }
}

/// The gossiped blocks that make the derived fork: the payload's own block after the fork point,
/// then each block whose parent is the one before.
fn derived_fork(
    fork: L2Number,
    proposal: &ReorgProposal<'_>,
    gossiped: &BTreeMap<L2Number, Arc<L2Block>>,
) -> Vec<Arc<L2Block>> {
    let mut blocks: Vec<Arc<L2Block>> = Vec::new();
    let Some(first) = gossiped.get(&fork.next()).filter(|b| matches_payload(b, proposal.derived)) else {
        return blocks;
    };
    blocks.push(first.clone());
    for (_, block) in gossiped.range(fork.next().next()..) {
        let parent = blocks.last().expect("starts with the first").hash();
        if block.header.parent_hash != parent {
            break;
        }
        blocks.push(block.clone());
    }
    blocks
}
