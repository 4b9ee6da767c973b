//! The sequencer as one member of a sequencer set (`[sequencer] count > 1`): while another
//! member sequences it follows that member's blocks, so that it can take over from the head; it
//! may have to drop a block it built that its group never committed.
//!
//! On a settlement chain every member derives from L1 as any L2 node does (its safe head is
//! its own), and the set has one batcher, the leader's (op-batcher follows the active
//! sequencer): a member that starts to lead starts a batcher at its L1-derived safe head and
//! feeds it its chain above, then every block its group commits; one that stops leading (steps
//! down, crashes) drops it with its open and in-flight channels.

use super::{SealedBlock, Sequencer, SequencerConfig};
use crate::btc::node::BitcoinNode;
use crate::eth::batcher::{BatchedBlock, Batcher};
use crate::l2::block::L2Block;
use crate::l2::chain::ImportError;
use crate::l2::hvm::Hvm;
use crate::time::SimTime;
use crate::units::{L1Number, L2Number};
use revm::primitives::B256;
use std::sync::Arc;

/// How many blocks a member can take back: a leader builds one block at a time before its group
/// commits it, so one is enough; the rest is margin.
const MEMBER_REWIND_DEPTH: usize = 8;

impl Sequencer {
    /// A member of a sequencer set. On a settlement chain it has no batcher until it leads
    /// ([`Sequencer::start_batcher`]).
    pub fn member(config: SequencerConfig, hvm: Hvm, btc_genesis: &SealedBlock, l2_genesis_hash: B256) -> Self {
        let mut seq = Self::with_rewind(config, hvm, btc_genesis, l2_genesis_hash, MEMBER_REWIND_DEPTH);
        seq.member = true;
        seq.batcher = None;
        seq
    }

    /// Whether the chain has a settlement layer (its node derives from L1).
    pub fn settled(&self) -> bool {
        self.config.settlement.is_some()
    }

    /// The safe head's number (the head itself without a settlement layer: nothing reorgs it).
    pub fn safe_number(&self) -> L2Number {
        self.node.safe_head().map_or(L2Number::ZERO, |safe| safe.number)
    }

    /// The latest L1 block heard of.
    pub fn l1_head(&self) -> L1Number {
        self.l1_head
    }

    /// A member that starts to lead becomes the set's batcher (settlement chains): from its
    /// L1-derived safe head, so that what the last batcher posted and L1 holds is not posted
    /// again, fed its chain above that through `through` (the blocks its group gossiped), as
    /// op-batcher loads the unsafe blocks from the safe head when it starts.
    pub fn start_batcher(&mut self, now: SimTime, through: L2Number) {
        let (Some(settlement), Some(safe)) = (&self.config.settlement, self.node.safe_head()) else { return };
        let mut batcher = Batcher::new(settlement.batcher.clone(), &safe);
        for block in self.node.unsafe_blocks().filter(|b| b.header.number <= through) {
            let batched = BatchedBlock::of(block).expect("a settlement chain's blocks have an L1 origin");
            batcher.add_block(now, batched).expect("the unsafe chain follows the safe head");
        }
        self.batcher = Some(batcher);
    }

    /// A member that stops leading (or crashes) is no longer the batcher: its open channel and
    /// the channels it posted that L1 does not hold yet are lost with it (the next leader posts
    /// their blocks again from its safe head).
    pub fn stop_batcher(&mut self) {
        self.batcher = None;
    }

    /// A block the group committed (the leader's own): to its batcher, when it is the batcher and
    /// the block follows what it was fed (a batcher started later loads it from the chain).
    pub fn batch_committed(&mut self, now: SimTime, block: &L2Block) {
        let Some(batcher) = &mut self.batcher else { return };
        if batcher.tip() == block.header.number.down(1).unwrap_or(L2Number::ZERO)
            && let Some(batched) = BatchedBlock::of(block)
        {
            // Contiguity checked: its parent is the batcher's tip on the member's own chain.
            let _ = batcher.add_block(now, batched);
        }
    }

    /// The head's number and hash.
    pub fn head(&self) -> (L2Number, B256) {
        let head = self.node.chain().head();
        (head.number, head.hash)
    }

    /// The hash of this member's block `number`, among the latest it holds.
    pub fn hash_at(&self, number: L2Number) -> Option<B256> {
        self.block_at(number).map(|b| b.hash())
    }

    /// This member's block `number`, among the latest it holds.
    pub fn block_at(&self, number: L2Number) -> Option<&Arc<L2Block>> {
        self.served.after(number.down(1)?).next().filter(|b| b.header.number == number)
    }

    /// Another member's block, next on this member's chain: imported as a verifier would, and
    /// kept (history, keystones, blocks to serve) as if built here. Returns the transactions it
    /// includes that this member had censored (another member included them).
    pub fn adopt(&mut self, block: &Arc<L2Block>, btc: &BitcoinNode) -> Result<Vec<B256>, ImportError> {
        self.node.import(block, &|h| btc.block(h).cloned())?;
        if let Some(history) = &mut self.history {
            history.record(block);
        }
        if let Some(maker) = &mut self.keystones {
            // The maker chains keystones: it must see every block, whoever built it.
            let _ = maker.on_block(block, crate::time::SimTime::ZERO);
        }
        self.served.record(block);
        self.mempool.remove_included(block.tx_hashes());
        let released: Vec<B256> = block.tx_hashes().iter().copied().filter(|h| self.censored.remove(h)).collect();
        Ok(released)
    }

    /// Takes back the blocks above `number` (a block the group never committed, or a rotating
    /// member's side of a fork): their transactions are lost with it, as the mempool it came
    /// from. Returns how many, or `None` (and changes nothing) when that is deeper than the undo
    /// it keeps, or (settlement chains) below its safe head, which only L1 moves: it stays on
    /// its chain.
    pub fn take_back_to(&mut self, number: L2Number) -> Option<u64> {
        let lost: u64 = self.served.after(number).map(|b| b.txs.len() as u64).sum();
        if self.settled() {
            if number < self.safe_number() {
                return None;
            }
            self.node.rewind_unsafe_to(number);
            // Lost with the blocks, not returned: they were the mempool the crash took.
            self.unsafe_txs.split_off(&number.next());
            if self.batcher.as_ref().is_some_and(|b| b.tip() > number) {
                self.stop_batcher();
            }
        } else {
            self.node.rewind_to(number).ok()?;
        }
        if let Some(history) = &mut self.history {
            history.rewind_to(number);
        }
        if let Some(maker) = &mut self.keystones {
            maker.rewind_to(number);
        }
        self.served.truncate_after(number);
        self.lost_in_crash += lost;
        Some(lost)
    }
}
