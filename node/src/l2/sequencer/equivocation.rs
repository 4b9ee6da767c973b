//! The equivocating sequencer (`[attack] kind = "equivocate"`): from a chosen time it builds a
//! run of blocks A as usual (gossiped, keystones made and announced, so PoP miners publish them)
//! but keeps them from its batcher; after the run it takes them back and builds blocks A' at the
//! same heights from the same inputs (timestamp, L1 origin and deposits, Bitcoin attributes) with
//! another transaction set (none: A's transactions return to the mempool and go into later
//! blocks), batches A' and goes on on A'. Nodes that took A reorg when derivation reaches A'
//! (under `l2.fork_choice = "derivation"`), or refuse to (under `"pop"`, when A's keystones were
//! published first).

use super::{KeystoneSource, L1Outcome, Sequencer};
use crate::btc::node::BitcoinNode;
use crate::eth::batcher::BatchedBlock;
use crate::l2::block::L2Block;
use crate::l2::chain::{BlockInputs, Body, L1Inputs};
use crate::l2::tx::Refusal;
use crate::peer::PeerId;
use crate::pop::maker::MadeKeystone;
use crate::time::SimTime;
use crate::units::L2Number;
use std::sync::Arc;

/// When and how the sequencer equivocates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquivocationPlan {
    /// The first block built at or after this time starts the run.
    pub start: SimTime,
    /// Blocks in the run (at least 1).
    pub blocks: u32,
    /// The peers blocks A go to (`None`: every peer, as a broadcast).
    pub gossip_to: Option<Vec<PeerId>>,
    /// `[attack] kind = "rewrite"`: the same moves, made to rewrite history (a colluding PoP
    /// miner publishes the keystones of A'); only what the switch is reported as differs.
    pub rewrite: bool,
}

#[derive(Debug)]
pub(super) struct Equivocation {
    plan: EquivocationPlan,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Waiting,
    /// Building blocks A on top of `fork`.
    Running {
        fork: L2Number,
        built: u32,
    },
    Done,
}

/// What the switch from A to A' did.
#[derive(Debug)]
pub struct Switch {
    /// The last block both chains share.
    pub fork: L2Number,
    /// Blocks A, taken back, oldest first.
    pub dropped: Vec<Arc<L2Block>>,
    /// Blocks A', built and batched, oldest first.
    pub rebuilt: Vec<Arc<L2Block>>,
    /// Keystones of blocks A' (unsafe keystone source).
    pub keystones: Vec<MadeKeystone>,
    /// Transactions of A back in the mempool, and those it had no room for.
    pub returned_txs: u64,
    pub refused: Vec<Refusal>,
}

impl Sequencer {
    /// Makes this sequencer equivocate by `plan`.
    pub fn equivocate(&mut self, plan: EquivocationPlan) {
        self.equivocation = Some(Equivocation { plan, state: State::Waiting });
    }

    /// Whether the sequencer's equivocation is a history rewrite (`[attack] kind = "rewrite"`).
    pub fn rewrites_history(&self) -> bool {
        self.equivocation.as_ref().is_some_and(|eq| eq.plan.rewrite)
    }

    /// The peers blocks A go to while the sequencer equivocates (`None`: every peer).
    pub fn equivocation_gossip(&self) -> Option<&[PeerId]> {
        self.equivocation.as_ref()?.plan.gossip_to.as_deref()
    }

    /// Whether the block about to be built at `now` is a block A (starting the run if due).
    pub(super) fn equivocates(&mut self, now: SimTime) -> bool {
        let head = self.node.unsafe_head();
        let Some(eq) = &mut self.equivocation else { return false };
        match eq.state {
            State::Waiting if now >= eq.plan.start => {
                eq.state = State::Running { fork: head, built: 1 };
                true
            }
            State::Running { fork, built } if built < eq.plan.blocks => {
                eq.state = State::Running { fork, built: built + 1 };
                true
            }
            _ => false,
        }
    }

    /// After the run's last block A: takes the run back and builds, batches and heads onto A'
    /// (`None` before that, or if derivation already made part of the run safe).
    pub fn switch_to_batched(&mut self, now: SimTime, btc: &BitcoinNode) -> Option<Switch> {
        let eq = self.equivocation.as_mut()?;
        let State::Running { fork, built } = eq.state else { return None };
        if built < eq.plan.blocks {
            return None;
        }
        eq.state = State::Done;
        let dropped = self.node.rewind_unsafe_to(fork);
        if dropped.is_empty() {
            return None;
        }
        let mut outcome = L1Outcome::default();
        self.return_txs(fork, &mut outcome);
        if let Some(history) = &mut self.history {
            history.rewind_to(fork);
        }
        let unsafe_source = self.keystone_source() == KeystoneSource::Unsafe;
        if unsafe_source && let Some(maker) = &mut self.keystones {
            maker.rewind_to(fork);
        }
        let mut switch = Switch {
            fork,
            rebuilt: Vec::new(),
            keystones: Vec::new(),
            returned_txs: outcome.returned_txs,
            refused: outcome.refused,
            dropped,
        };
        for a in &switch.dropped {
            let block = self.build_other(a, btc);
            if let Some(history) = &mut self.history {
                history.record(&block);
            }
            if let Some(batcher) = &mut self.batcher {
                let batched = BatchedBlock::of(&block).expect("a settlement chain's blocks have an L1 origin");
                batcher.add_block(now, batched).expect("the batcher follows the sequencer's head");
            }
            self.unsafe_txs.insert(block.header.number, Vec::new());
            if unsafe_source && let Some(made) = self.keystones.as_mut().and_then(|m| m.on_block(&block, now)) {
                switch.keystones.push(made);
            }
            switch.rebuilt.push(block);
        }
        Some(switch)
    }

    /// Block A' at A's height: A's inputs, no user transactions.
    fn build_other(&mut self, a: &L2Block, btc: &BitcoinNode) -> Arc<L2Block> {
        let inputs = BlockInputs {
            timestamp_s: a.header.timestamp_s,
            gas_limit: a.header.gas_limit,
            l1: a.header.l1_origin.map(|o| L1Inputs { origin: o.block, deposits: a.deposits.clone() }),
            attributes: a.attributes.clone(),
        };
        self.node
            .build(inputs, &|h| btc.block(h).cloned(), |_| Body::default())
            .expect("A's inputs built A on the same parent: they build A' too")
    }
}
