//! An L2 verifier: imports every block the sequencer publishes into its own [`L2Chain`], which
//! re-executes it with the same code the sequencer built it with.
//!
//! Blocks are verified in order. A block whose Bitcoin attributes name a block this peer's
//! Bitcoin node has not seen yet is *waited for*, not held against the sequencer (the verifier
//! retries when its Bitcoin node moves). Any disagreement ([`Mismatch`]) is a safety violation:
//! the verifier reports it and stops verifying. (Its chain stays at the parent, so a verifier
//! that outlives a bad block, e.g. under equivocation, is a policy change here, not a rewrite.)

use super::block::L2Block;
use super::catch_up::{BitcoinFetch, L1Feed, L2CatchUp};
use super::chain::{ChainRules, ImportError, L2Chain, Mismatch};
use super::fork_guard::PopForkChoice;
use super::hvm::Hvm;
use super::node::{DerivationSetup, HeadEvent, L2Node};
use crate::btc::node::BitcoinNode;
use crate::btc::sealed::SealedBlock;
use crate::eth::L1Block;
use crate::tunnel::TunnelParams;
use crate::units::L2Number;
use bitcoin::BlockHash;
use revm::primitives::{Address, B256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What verifying the next block concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Verified {
        number: L2Number,
    },
    /// The block disagrees with this verifier.
    Mismatch {
        number: L2Number,
        mismatch: Mismatch,
    },
}

/// The most Bitcoin blocks it asks for at once (Bitcoin Core's `MAX_INV_SZ` is far larger; a few
/// L2 blocks' worth of headers is what a node that missed a reorg lacks).
const MAX_FETCH: usize = 64;

#[derive(Debug)]
pub struct Verifier {
    node: L2Node,
    /// Gossiped blocks not yet imported, by number (the latest received of each number).
    pending: BTreeMap<L2Number, Arc<L2Block>>,
    halted: bool,
    /// The Bitcoin block the next gossiped block names and this node lacks, if any.
    import_waits_for: Option<BlockHash>,
    /// Head moves (settlement chains) not yet taken by the caller.
    head_events: Vec<HeadEvent>,
    pub verified: u64,
    pub mismatches: u64,
    /// Transactions of the blocks it verified (each re-executed once).
    pub txs_verified: u64,
    /// Its requests for blocks it missed.
    pub catch_up: L2CatchUp,
    /// L1 blocks in chain order (settlement chains).
    pub l1_feed: L1Feed,
    /// Its requests for a Bitcoin block it waits for.
    pub bitcoin_fetch: BitcoinFetch,
    /// `l2.fork_choice = "pop"`: the gate before derived reorgs (`None`: derivation decides).
    fork_choice: Option<PopForkChoice>,
    /// Derived reorgs its fork choice refused (each fork once).
    pub fork_conflicts: u64,
}

impl Verifier {
    pub fn new(
        hvm: Hvm,
        btc_genesis: &SealedBlock,
        l2_genesis_hash: B256,
        max_headers_per_block: usize,
        beneficiary: Address,
        tunnel: Option<TunnelParams>,
    ) -> Self {
        let rules = ChainRules { max_headers_per_block, beneficiary, tunnel, rewind_depth: 0, settlement: None };
        Self::with_rules(rules, hvm, btc_genesis, l2_genesis_hash, None)
    }

    /// A verifier of a chain with these rules; on a settlement chain it derives with `setup`.
    pub fn with_rules(
        rules: ChainRules,
        hvm: Hvm,
        btc_genesis: &SealedBlock,
        l2_genesis_hash: B256,
        setup: Option<DerivationSetup>,
    ) -> Self {
        Verifier {
            node: L2Node::new(L2Chain::new(rules, hvm, btc_genesis, l2_genesis_hash), setup),
            pending: BTreeMap::new(),
            halted: false,
            import_waits_for: None,
            head_events: Vec::new(),
            verified: 0,
            mismatches: 0,
            txs_verified: 0,
            catch_up: L2CatchUp::default(),
            l1_feed: L1Feed::default(),
            bitcoin_fetch: BitcoinFetch::default(),
            fork_choice: None,
            fork_conflicts: 0,
        }
    }

    /// Makes the verifier refuse derived reorgs that lose the PoP comparison (`l2.fork_choice =
    /// "pop"`).
    pub fn with_pop_fork_choice(mut self, fork_choice: PopForkChoice) -> Self {
        self.fork_choice = Some(fork_choice);
        self
    }

    /// The head it would ask the sequencer to continue from: set when blocks wait above a hole
    /// (the next block after the head never came).
    pub fn gap(&self) -> Option<L2Number> {
        let head = self.node.chain().head().number;
        let hole = !self.pending.contains_key(&head.next()) && self.pending.range(head.next()..).next().is_some();
        hole.then_some(head)
    }

    /// The Bitcoin block it waits for to go on, if any (derivation's first, then the next
    /// import's).
    pub fn waits_for(&self) -> Option<BlockHash> {
        self.node.stalled_on().or(self.import_waits_for)
    }

    /// The Bitcoin blocks it lacks to go on: those it waits for, then those the other waiting
    /// blocks name (at most [`MAX_FETCH`]).
    pub fn missing_bitcoin(&self, btc: &BitcoinNode) -> Vec<BlockHash> {
        let waits = self.node.stalled_on().into_iter().chain(self.import_waits_for);
        let named = self.pending.values().filter_map(|b| b.attributes.as_ref()).flat_map(|a| &a.headers);
        let later = named.map(|h| h.block_hash()).filter(|h| btc.block(h).is_none());
        let mut missing = Vec::new();
        for hash in waits.chain(later) {
            if missing.len() == MAX_FETCH {
                break;
            }
            if !missing.contains(&hash) {
                missing.push(hash);
            }
        }
        missing
    }

    /// The head of its chain.
    pub fn head(&self) -> L2Number {
        self.node.chain().head().number
    }

    /// A restart: gossiped blocks waiting in memory are gone (the chain was on disk).
    pub fn forget_pending(&mut self) {
        self.pending.clear();
    }

    pub fn node(&self) -> &L2Node {
        &self.node
    }

    /// The head moves since the last call, in order.
    pub fn take_head_events(&mut self) -> Vec<HeadEvent> {
        std::mem::take(&mut self.head_events)
    }

    /// A block arrives (possibly ahead of its parent): verify what can be. On a settlement chain
    /// a block above the safe head is kept even if it does not follow the unsafe head: it may
    /// after the unsafe chain reorgs.
    pub fn on_block(&mut self, block: Arc<L2Block>, btc: &BitcoinNode) -> Vec<Verdict> {
        let floor = self.node.safe_head().map_or(self.node.unsafe_head(), |safe| safe.number);
        if block.header.number > floor {
            self.pending.insert(block.header.number, block);
        }
        self.advance(btc)
    }

    /// The verifier's Bitcoin node moved: a block (or a derived payload) it was waiting for may
    /// be there now.
    pub fn on_bitcoin_change(&mut self, btc: &BitcoinNode) -> Vec<Verdict> {
        let Verifier { node, fork_choice, pending, .. } = self;
        let events = match fork_choice {
            None => node.on_bitcoin_change(&|h| btc.block(h).cloned()),
            Some(choice) => {
                choice.on_bitcoin(btc);
                node.on_bitcoin_change_gated(&|h| btc.block(h).cloned(), &mut |p| choice.judge(p, pending))
            }
        };
        self.after_heads(events);
        self.advance(btc)
    }

    /// The next L1 block (settlement chains): derivation moves the safe and finalized heads,
    /// and may reorg the unsafe chain; gossiped blocks then import on the new head.
    pub fn on_l1_block(&mut self, block: &L1Block, btc: &BitcoinNode) -> Vec<Verdict> {
        let Verifier { node, fork_choice, pending, .. } = self;
        let events = match fork_choice {
            None => node.on_l1_block(block, &|h| btc.block(h).cloned()),
            Some(choice) => {
                node.on_l1_block_gated(block, &|h| btc.block(h).cloned(), &mut |p| choice.judge(p, pending))
            }
        };
        self.after_heads(events);
        self.advance(btc)
    }

    fn after_heads(&mut self, events: Vec<HeadEvent>) {
        if let Some(safe) = self.node.safe_head() {
            self.pending.retain(|&number, _| number > safe.number);
        }
        for event in &events {
            match event {
                HeadEvent::Refused(_) => self.fork_conflicts += 1,
                HeadEvent::Reorg { to, .. } => {
                    if let Some(choice) = &mut self.fork_choice {
                        choice.on_reorg(to.number);
                    }
                }
                HeadEvent::Safe { block, consolidated: false, .. } => {
                    if let Some(choice) = &mut self.fork_choice {
                        choice.on_block(block);
                    }
                }
                _ => {}
            }
        }
        self.head_events.extend(events);
    }

    fn advance(&mut self, btc: &BitcoinNode) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        self.import_waits_for = None;
        while !self.halted {
            let head = self.node.chain().head();
            let Some(block) = self.pending.get(&head.number.next()).cloned() else { break };
            // A block of another branch waits: derivation decides between branches.
            if self.node.safe_head().is_some() && block.header.parent_hash != head.hash {
                break;
            }
            let number = block.header.number;
            match self.node.import(&block, &|h| btc.block(h).cloned()) {
                Err(ImportError::WaitForBitcoin(missing)) => {
                    self.import_waits_for = Some(missing);
                    break;
                }
                Err(ImportError::Mismatch(mismatch)) => {
                    self.pending.remove(&number);
                    self.mismatches += 1;
                    // Its chain is still at the parent, but a sequencer that sent one bad block
                    // is no longer trusted: the run reports the mismatch as a safety violation.
                    self.halted = true;
                    verdicts.push(Verdict::Mismatch { number, mismatch });
                }
                Ok(()) => {
                    self.pending.remove(&number);
                    if let Some(choice) = &mut self.fork_choice {
                        choice.on_block(&block);
                    }
                    self.verified += 1;
                    self.txs_verified += block.txs.len() as u64;
                    verdicts.push(Verdict::Verified { number });
                }
            }
        }
        verdicts
    }
}
