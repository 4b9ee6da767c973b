//! The sequencer as one member of a sequencer set (`[sequencer] count > 1`): while another
//! member sequences it follows that member's blocks, so that it can take over from the head; it
//! may have to drop a block it built that its group never committed.

use super::{SealedBlock, Sequencer, SequencerConfig};
use crate::btc::node::BitcoinNode;
use crate::l2::block::L2Block;
use crate::l2::chain::ImportError;
use crate::l2::hvm::Hvm;
use crate::units::L2Number;
use revm::primitives::B256;
use std::sync::Arc;

/// How many blocks a member can take back: a leader builds one block at a time before its group
/// commits it, so one is enough; the rest is margin.
const MEMBER_REWIND_DEPTH: usize = 8;

impl Sequencer {
    /// A member of a sequencer set (chains without a settlement layer only).
    pub fn member(config: SequencerConfig, hvm: Hvm, btc_genesis: &SealedBlock, l2_genesis_hash: B256) -> Self {
        Self::with_rewind(config, hvm, btc_genesis, l2_genesis_hash, MEMBER_REWIND_DEPTH)
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
    /// it keeps: it stays on its chain.
    pub fn take_back_to(&mut self, number: L2Number) -> Option<u64> {
        let lost: u64 = self.served.after(number).map(|b| b.txs.len() as u64).sum();
        self.node.rewind_to(number).ok()?;
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
