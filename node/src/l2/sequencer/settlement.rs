//! The sequencer on a settlement chain: what L1 blocks do to its chain (its own node derives the
//! safe chain; an unsafe reorg returns the reorged transactions to the mempool and puts the
//! batcher, the history and the keystones on the new chain), and its batcher.

use super::{KeystoneSource, L1Outcome, Sequencer};
use crate::btc::node::BitcoinNode;
use crate::eth::L1Block;
use crate::eth::batcher::{Batcher, BatcherSubmission};
use crate::l2::node::HeadEvent;
use crate::time::SimTime;
use crate::units::L2Number;
use std::sync::Arc;

impl Sequencer {
    pub fn batcher(&self) -> Option<&Batcher> {
        self.batcher.as_ref()
    }

    /// Turns the batcher's posting off or on (settlement chains; a batcher outage).
    pub fn set_batcher_enabled(&mut self, enabled: bool) {
        if let Some(batcher) = &mut self.batcher {
            batcher.set_enabled(enabled);
        }
    }

    /// An L1 block arrives (settlement chains; others ignore L1): read by the batcher, kept for the
    /// origin rule, and derived by the sequencer's own node, which may make blocks safe, final, or
    /// reorg the unsafe chain (its transactions then return to the mempool, as geth's pool
    /// re-injects a reorged block's transactions).
    pub fn on_l1_block(&mut self, block: Arc<L1Block>, now: SimTime, btc: &BitcoinNode) -> L1Outcome {
        // The batcher learns which of its transactions landed (and so which were lost).
        if let Some(batcher) = &mut self.batcher {
            batcher.on_l1_block(&block);
        }
        let Some(safe) = self.node.safe_head() else { return L1Outcome::default() };
        self.l1_head = self.l1_head.max(block.block.number);
        if block.block.number > safe.l1_origin.number {
            self.l1_blocks.insert(block.block.number, block.clone());
        }
        let heads = self.node.on_l1_block(&block, &|h| btc.block(h).cloned());
        self.after_heads(heads, now)
    }

    /// The sequencer's Bitcoin node moved: a derived payload waiting for a Bitcoin block may go on.
    pub fn on_bitcoin_change(&mut self, now: SimTime, btc: &BitcoinNode) -> L1Outcome {
        let heads = self.node.on_bitcoin_change(&|h| btc.block(h).cloned());
        self.after_heads(heads, now)
    }

    /// Follows the head moves: reorged transactions back to the mempool, the batcher, the
    /// history and the keystones onto the new chain.
    fn after_heads(&mut self, heads: Vec<HeadEvent>, now: SimTime) -> L1Outcome {
        let mut outcome = L1Outcome::default();
        for event in &heads {
            match event {
                HeadEvent::Reorg { to, .. } => {
                    self.return_txs(to.number, &mut outcome);
                    if let Some(history) = &mut self.history {
                        history.rewind_to(to.number);
                    }
                    if self.keystone_source() == KeystoneSource::Unsafe
                        && let Some(maker) = &mut self.keystones
                    {
                        maker.rewind_to(to.number);
                    }
                }
                HeadEvent::Safe { block, consolidated, .. } => {
                    let number = block.header.number;
                    self.unsafe_txs.retain(|&n, _| n > number);
                    let source = self.keystone_source();
                    if !consolidated {
                        // Derivation moved the head itself: the batcher restarts from it.
                        if let Some(batcher) = &mut self.batcher {
                            batcher.reset_to(&HeadEvent::safe_ref(block));
                        }
                        if let Some(history) = &mut self.history {
                            history.record(block);
                        }
                    }
                    // A keystone of every new head block (unsafe source), or of every block
                    // once safe.
                    if !consolidated || source == KeystoneSource::Safe {
                        outcome.keystones.extend(self.keystones.as_mut().and_then(|m| m.on_block(block, now)));
                    }
                }
                HeadEvent::Finalized { .. } | HeadEvent::Refused(_) => {}
            }
        }
        if let Some(safe) = self.node.safe_head() {
            self.l1_blocks.retain(|&number, _| number > safe.l1_origin.number);
        }
        outcome.heads = heads;
        outcome
    }

    /// The batcher's transactions to post at `now` (settlement chains).
    pub fn poll_batcher(&mut self, now: SimTime) -> Vec<BatcherSubmission> {
        let (Some(batcher), Some(settlement)) = (&mut self.batcher, &self.config.settlement) else {
            return Vec::new();
        };
        let down = settlement.batcher_down.iter().any(|(start, end)| *start <= now && now < *end);
        batcher.set_enabled(settlement.batcher.enabled && !down);
        batcher.poll(now, self.l1_head)
    }

    /// The transactions of the unsafe blocks above `safe`, taken back by a reorg, return to the
    /// mempool in their blocks' order (those it has no room for are refused, their senders told).
    pub(super) fn return_txs(&mut self, safe: L2Number, outcome: &mut L1Outcome) {
        let returned = self.unsafe_txs.split_off(&safe.next());
        for submission in returned.into_values().flatten() {
            self.reorged_txs += 1;
            outcome.returned_txs += 1;
            if let Err(refusal) = self.submit(submission) {
                outcome.refused.push(refusal);
            }
        }
    }
}
