//! The L2 nodes as duties: the sequencer (with, on a settlement chain, its own derivation and
//! its batcher) and the verifiers, and how their head moves are recorded.

use super::super::duty::{BitcoinChange, Ctx, Duty};
use super::super::report::DutyReport;
use super::super::{PeerId, refuse};
use crate::events::{Audience, Message, Observation, Timer};
use crate::l2::block::L2Block;
use crate::l2::catch_up::BitcoinFetch;
use crate::l2::node::HeadEvent;
use crate::l2::sequencer::{L1Outcome, Production, Sequencer, Switch};
use crate::l2::verifier::{Verdict, Verifier};
use crate::pop::maker::MadeKeystone;
use crate::time::SimDuration;
use std::sync::Arc;

/// The L2's Bitcoin-Secure Sequencer (it reads Bitcoin through its peer's node), with, on a
/// settlement chain, its own derivation and its batcher (op-node, op-geth and op-batcher of the
/// sequencer's host).
impl Duty for Sequencer {
    fn audiences(&self) -> Vec<Audience> {
        // L1 blocks (`Message::L1Block`, only with an `[ethereum]` table): the origins to choose
        // from, and what derivation reads.
        vec![Audience::Sequencer, Audience::L1Followers]
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.block_time(), Timer::L2Block);
        if self.batcher().is_some() {
            cx.schedule(BATCHER_POLL, Timer::BatcherPoll);
        }
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        match message {
            Message::L2Tx(submission) => {
                if let Err(refusal) = self.submit(submission.clone()) {
                    refuse(refusal, cx);
                }
            }
            Message::L1Block(block) => {
                for block in self.l1_feed.on_block(cx, block) {
                    let outcome = self.on_l1_block(block, cx.now, cx.node);
                    record_l1_outcome(self, outcome, cx);
                }
            }
            Message::GetL2Blocks { requester, after } => self.served.answer(cx, *requester, *after),
            _ => {}
        }
    }

    fn restart(&mut self, cx: &mut Ctx<'_>) {
        let lost = self.restart();
        cx.observe(Observation::MempoolLost { txs: lost as u32 });
        self.start(cx);
    }

    fn on_connected(&mut self, cx: &mut Ctx<'_>, peer: PeerId) {
        if peer == PeerId::ETHEREUM {
            self.l1_feed.ask(cx);
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::L2Block => {
                if let Some(until) = self.halted_until(cx.now) {
                    // Halted: nothing until the halt ends (then it catches up).
                    cx.observe(Observation::SequencerHalted { until_us: until.as_us() });
                    cx.schedule(until.since(cx.now), Timer::L2Block);
                    return;
                }
                // A settlement chain's block is due at its parent's time plus the block time:
                // at once when the head is behind the clock, later when it caught up meanwhile.
                let wait = self.wait_for_next_block(cx.now);
                let after = if wait > SimDuration::ZERO {
                    wait
                } else if produce_l2_block(self, cx) {
                    self.delay_after_block(cx.now)
                } else {
                    self.block_time()
                };
                cx.schedule(after, Timer::L2Block);
            }
            Timer::BatcherPoll => post_batches(self, cx),
            _ => {}
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        // A derived payload may wait for exactly this block (settlement chains only).
        if change.stored_any {
            let outcome = self.on_bitcoin_change(cx.now, cx.node);
            record_l1_outcome(self, outcome, cx);
        }
    }

    fn report(&self) -> DutyReport<'_> {
        DutyReport::Sequencer(self)
    }
}

/// op-batcher's default `poll-interval`.
pub const BATCHER_POLL: SimDuration = SimDuration::from_secs(6);

/// The batcher's poll: what it posts goes to the `ethereum` peer (recorded), and the next poll
/// is armed.
pub(super) fn post_batches(seq: &mut Sequencer, cx: &mut Ctx<'_>) {
    for submission in seq.poll_batcher(cx.now) {
        cx.observe(Observation::BatchPosted {
            first: submission.l2_blocks.0,
            last: submission.l2_blocks.1,
            frames: submission.tx.frames.len() as u32,
            bytes: submission.tx.data_bytes() as u64,
            fee_wei: submission.fee.fee_wei,
            closed_by: submission.closed_by.as_str(),
        });
        cx.send_to(PeerId::ETHEREUM, Message::BatcherTx(Arc::new(submission.tx)));
    }
    cx.schedule(BATCHER_POLL, Timer::BatcherPoll);
}

/// Produces the next L2 block, records it (with its tunnel operations and keystone) and sends
/// it; `false` when the slot passes without one (recorded, with why).
fn produce_l2_block(seq: &mut Sequencer, cx: &mut Ctx<'_>) -> bool {
    let produced = match seq.try_produce(cx.now, cx.node) {
        Ok(produced) => produced,
        Err(no_origin) => {
            cx.observe(Observation::L2SlotSkipped { what: no_origin.to_string() });
            return false;
        }
    };
    publish_production(seq, produced, cx);
    true
}

/// Records a block the sequencer built (with its tunnel operations, keystone, refusals and
/// censorship) and sends it: at once for a lone sequencer, once its group holds it for a member
/// of a conducted set.
pub(super) fn publish_production(seq: &mut Sequencer, produced: Production, cx: &mut Ctx<'_>) {
    let block = &produced.block;
    cx.observe(block_produced(block, produced.backlog, produced.latency_mean_us, produced.latency_max_us));
    let gossip_to = if produced.equivocating { seq.equivocation_gossip().map(<[PeerId]>::to_vec) } else { None };
    publish_new_head(seq, block, gossip_to.as_deref(), cx);
    if let Some(made) = produced.keystone {
        publish_keystone(made, block, cx);
    }
    for refusal in produced.dropped {
        refuse(refusal, cx);
    }
    for (submission, rule) in &produced.censored {
        cx.observe(Observation::L2TxCensored {
            hash: submission.hash,
            from: submission.tx.from,
            rule: *rule as u32,
            submitted_us: submission.submitted_at.as_us(),
        });
    }
    for submission in &produced.released {
        cx.observe(Observation::CensoredTxIncluded { hash: submission.hash, l2_number: block.header.number });
    }
    if let Some(switch) = seq.switch_to_batched(cx.now, cx.node) {
        record_switch(seq, switch, cx);
    }
}

/// The equivocating sequencer's switch to the blocks it batches: recorded as a reorg of its own
/// chain, then each block A' published like a built one (gossiped to every peer), with its
/// keystone.
fn record_switch(seq: &mut Sequencer, switch: Switch, cx: &mut Ctx<'_>) {
    let rewrite = seq.rewrites_history();
    let because = if rewrite {
        "rewrite: the sequencer takes back unbatched blocks and batches another history"
    } else {
        "equivocation: the sequencer batches other blocks than it gossiped"
    };
    cx.observe(Observation::L2Reorg {
        from: switch.dropped.last().map_or(switch.fork, |b| b.header.number),
        to: switch.fork,
        txs: switch.dropped.iter().map(|b| b.txs.len() as u32).sum(),
        because: because.to_owned(),
    });
    // The histories part at the first block that differs (without user transactions a block
    // A' can be A itself); none differs: nothing was rewritten.
    let parts = switch.rebuilt.iter().zip(&switch.dropped).position(|(other, a)| other.hash() != a.hash());
    if rewrite && let Some(i) = parts {
        cx.observe(Observation::HistoryRewritten {
            fork: switch.fork.up(i as u64),
            first: switch.rebuilt[i].hash(),
            blocks: (switch.rebuilt.len() - i) as u32,
        });
    }
    for block in &switch.rebuilt {
        cx.observe(block_produced(block, seq.backlog() as u64, 0, 0));
        publish_new_head(seq, block, None, cx);
        if let Some(made) = switch.keystones.iter().find(|k| k.l2_number() == block.header.number) {
            publish_keystone(made.clone(), block, cx);
        }
    }
    for refusal in switch.refused {
        refuse(refusal, cx);
    }
}

/// The observation of a block that became the sequencer's head.
fn block_produced(block: &L2Block, backlog: u64, latency_mean_us: u64, latency_max_us: u64) -> Observation {
    Observation::L2BlockProduced {
        number: block.header.number,
        hash: block.hash(),
        state_root: block.header.state_root,
        tx_count: block.txs.len() as u32,
        gas_used: block.header.gas_used,
        btc_tip_height: block.header.btc_tip_height,
        btc_headers: block.attributes.as_ref().map_or(0, |a| a.headers.len() as u32),
        backlog,
        latency_mean_us,
        latency_max_us,
        l1_origin: block.header.l1_origin.map(|o| o.block.number),
        deposits: block.header.l1_origin.map(|_| block.deposits.len() as u32),
    }
}

/// A block that became the sequencer's head (built, or derived after an unsafe reorg): its
/// deposits and tunnel operations recorded, the block sent to the L2's followers (and kept to
/// serve those that miss it, in runs with faults); `gossip_to`: only to these peers (an
/// equivocating sequencer's blocks A).
fn publish_new_head(seq: &mut Sequencer, block: &Arc<L2Block>, gossip_to: Option<&[PeerId]>, cx: &mut Ctx<'_>) {
    if cx.catch_up {
        seq.served.record(block);
    }
    let number = block.header.number;
    if let Some(origin) = block.header.l1_origin {
        for deposit in &block.deposits {
            cx.observe(Observation::L2DepositIncluded {
                l1_number: origin.block.number,
                log_index: deposit.log_index,
                l2_number: number,
            });
        }
    }
    for mint in &block.tunnel.mints {
        cx.observe(Observation::TunnelMinted {
            l2_number: number,
            txid: mint.outpoint.txid,
            vout: mint.outpoint.vout,
            recipient: mint.recipient,
            amount: mint.amount,
            btc_height: mint.btc_height,
        });
    }
    for w in &block.tunnel.withdrawals {
        cx.observe(Observation::TunnelBurned { l2_number: number, id: w.id, from: w.from, amount: w.amount });
    }
    match gossip_to {
        None => cx.broadcast(Message::L2Block(block.clone())),
        Some(peers) => {
            for &peer in peers {
                cx.send_to(peer, Message::L2Block(block.clone()));
            }
        }
    }
}

fn publish_keystone(made: MadeKeystone, block: &L2Block, cx: &mut Ctx<'_>) {
    cx.observe(Observation::KeystoneMade { l2_number: made.l2_number(), keystone: made.hash, l2_block: block.hash() });
    cx.broadcast(Message::Keystone(Arc::new(made)));
}

/// What an L1 block did to the sequencer's chain: head moves recorded; a block derivation
/// executed is the sequencer's new head, published like a built one; returned transactions the
/// mempool refused are answered.
fn record_l1_outcome(seq: &mut Sequencer, outcome: L1Outcome, cx: &mut Ctx<'_>) {
    let reorged = record_l1_heads(seq, outcome, true, cx);
    // After an unsafe reorg the sequencer catches up at once (op-node restarts sequencing on the
    // new head), so that its batcher can post the new blocks before their epochs' windows
    // close; its block timer keeps its rhythm.
    if reorged && seq.halted_until(cx.now).is_none() {
        while seq.wait_for_next_block(cx.now) == SimDuration::ZERO && produce_l2_block(seq, cx) {}
    }
}

/// Records what an L1 block did to `seq`'s node; with `publish`, a block derivation executed
/// is published as the new head (with the keystones made of them), as the sequencing node
/// does (a set member that does not lead only records its head moves). Returns whether the
/// unsafe chain reorged.
pub(super) fn record_l1_heads(seq: &mut Sequencer, outcome: L1Outcome, publish: bool, cx: &mut Ctx<'_>) -> bool {
    let reorged = outcome.heads.iter().any(|event| matches!(event, HeadEvent::Reorg { .. }));
    for event in &outcome.heads {
        record_head_event(event, cx);
        if publish && let HeadEvent::Safe { block, consolidated: false, .. } = event {
            // Derived from L1, not sequenced: no inclusion latencies.
            cx.observe(block_produced(block, seq.backlog() as u64, 0, 0));
            publish_new_head(seq, block, None, cx);
        }
    }
    for made in outcome.keystones.into_iter().filter(|_| publish) {
        let block = outcome.heads.iter().find_map(|event| match event {
            HeadEvent::Safe { block, .. } if block.header.number == made.l2_number() => Some(block.clone()),
            _ => None,
        });
        let block = block.expect("a keystone is made of a block that moved a head");
        publish_keystone(made, &block, cx);
    }
    for refusal in outcome.refused {
        refuse(refusal, cx);
    }
    reorged
}

/// One head move of an L2 node, as an observation.
fn record_head_event(event: &HeadEvent, cx: &mut Ctx<'_>) {
    cx.observe(match event {
        HeadEvent::Safe { block, derived_from, forced, consolidated } => {
            let origin = block.header.l1_origin.expect("a settlement chain's blocks have an L1 origin");
            Observation::L2Safe {
                number: block.header.number,
                hash: block.hash(),
                l1_origin: origin.block.number,
                opens_epoch: origin.sequence_number == 0,
                deposits: block.deposits.len() as u32,
                derived_from: derived_from.number,
                forced: *forced,
                consolidated: *consolidated,
            }
        }
        HeadEvent::Finalized { block } => Observation::L2Finalized { number: block.number },
        HeadEvent::Reorg { to, dropped, because } => Observation::L2Reorg {
            from: dropped.last().map_or(to.number, |b| b.header.number),
            to: to.number,
            txs: dropped.iter().map(|b| b.txs.len() as u32).sum(),
            because: because.to_string(),
        },
        HeadEvent::Refused(c) => Observation::L2ForkConflict {
            fork_point: c.fork_point,
            current_tip: c.current_tip,
            current_hash: c.current_hash,
            derived_tip: c.derived_tip,
            derived_hash: c.derived_hash,
            current_score: c.current_score,
            derived_score: c.derived_score,
        },
    });
}

/// An L2 verifier (it checks Bitcoin attributes against its peer's node and, on a settlement
/// chain, derives the safe chain from L1).
impl Duty for Verifier {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::L2Followers, Audience::L1Followers]
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        let verdicts = match message {
            Message::L2Block(block) => self.on_block(block.clone(), cx.node),
            Message::L1Block(block) => {
                let ready = self.l1_feed.on_block(cx, block);
                ready.iter().flat_map(|block| self.on_l1_block(block, cx.node)).collect()
            }
            _ => return,
        };
        record_verdicts(self, verdicts, cx);
        if let Some(head) = self.gap() {
            self.catch_up.ask(cx, head);
        }
        fetch_missing_bitcoin(self, cx);
    }

    fn restart(&mut self, _cx: &mut Ctx<'_>) {
        self.forget_pending();
    }

    fn on_connected(&mut self, cx: &mut Ctx<'_>, peer: PeerId) {
        if peer == PeerId::SEQUENCER {
            let head = self.head();
            self.catch_up.ask(cx, head);
        }
        if peer == PeerId::ETHEREUM {
            self.l1_feed.ask(cx);
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        // It may be waiting for exactly this block, active or not.
        if change.stored_any {
            let verdicts = self.on_bitcoin_change(cx.node);
            record_verdicts(self, verdicts, cx);
        }
        fetch_missing_bitcoin(self, cx);
    }

    fn report(&self) -> DutyReport<'_> {
        DutyReport::Verifier(self)
    }
}

/// Asks for the Bitcoin blocks it has waited for too long (see [`crate::l2::catch_up::BitcoinFetch`]).
fn fetch_missing_bitcoin(verifier: &mut Verifier, cx: &mut Ctx<'_>) {
    if verifier.bitcoin_fetch.due(cx, verifier.waits_for()) {
        BitcoinFetch::ask(cx, verifier.missing_bitcoin(cx.node));
    }
}

fn record_verdicts(verifier: &mut Verifier, verdicts: Vec<Verdict>, cx: &mut Ctx<'_>) {
    for event in verifier.take_head_events() {
        record_head_event(&event, cx);
    }
    for verdict in verdicts {
        cx.observe(match verdict {
            Verdict::Verified { number } => Observation::L2BlockVerified { number },
            Verdict::Mismatch { number, mismatch } => Observation::L2Mismatch { number, what: mismatch.to_string() },
        });
    }
}
