//! Each state machine of the crate as a [`Duty`]: what it listens to, which inputs it takes and
//! how it reports. The state machines themselves stay plain types with their own methods; this
//! is only their wiring, in one place.

use super::duty::{BitcoinChange, Ctx, Duty};
use super::report::DutyReport;
use super::{PeerId, publish_own, refuse};
use crate::btc::background::BackgroundLoad;
use crate::btc::double_spend::DoubleSpender;
use crate::btc::miner::Miner;
use crate::btc::selfish::SelfishMiner;
use crate::btc::wallet::Wallet;
use crate::eth::chain::NewBlock;
use crate::eth::network::{L1Network, Slot};
use crate::events::{Audience, Message, Observation, Timer};
use crate::l2::block::L2Block;
use crate::l2::follower::{FollowStep, L2Follower};
use crate::l2::node::HeadEvent;
use crate::l2::sequencer::{L1Outcome, Sequencer};
use crate::l2::verifier::{Verdict, Verifier};
use crate::l2::workload::Workload;
use crate::pop::finality::FinalityTracker;
use crate::pop::maker::MadeKeystone;
use crate::pop::miner::PopMiner;
use crate::time::{SimDuration, SimTime};
use crate::tunnel::audit::TunnelAuditor;
use crate::tunnel::operator::Operator;
use crate::tunnel::users::TunnelUsers;
use std::sync::Arc;

/// An honest miner: mines on its best tip and publishes at once.
impl Duty for Miner {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.next_find_delay(), Timer::Mine);
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Mine {
            let (block, fees) = self.mine_on_tip(cx.node, cx.now);
            publish_own(cx.node, block, fees, cx.out);
            cx.schedule(self.next_find_delay(), Timer::Mine);
        }
    }
}

impl Duty for DoubleSpender {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.miner.next_find_delay(), Timer::Mine);
        self.start_race(cx.node, cx.out);
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Mine {
            self.on_mine(cx.node, cx.now, cx.out);
            cx.schedule(self.miner.next_find_delay(), Timer::Mine);
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            self.on_public_change(cx.node, cx.out);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.wallet]
    }
}

impl Duty for SelfishMiner {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.miner.next_find_delay(), Timer::Mine);
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Mine {
            self.on_mine(cx.node, cx.now, cx.out);
            cx.schedule(self.miner.next_find_delay(), Timer::Mine);
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            self.on_public_change(cx.node, cx.out);
        }
    }
}

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
                let outcome = self.on_l1_block(block.clone(), cx.now, cx.node);
                record_l1_outcome(self, outcome, cx);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::L2Block => {
                // A settlement chain's block is due at its parent's time plus the block time:
                // at once when the head is behind the clock, later when it caught up meanwhile.
                let wait = self.next_block_delay(cx.now, false);
                let after = if wait > SimDuration::ZERO {
                    wait
                } else if produce_l2_block(self, cx) {
                    self.next_block_delay(cx.now, true)
                } else {
                    self.block_time()
                };
                cx.schedule(after, Timer::L2Block);
            }
            Timer::BatcherPoll => {
                for submission in self.poll_batcher(cx.now) {
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
const BATCHER_POLL: SimDuration = SimDuration::from_secs(6);

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
    let block = &produced.block;
    cx.observe(Observation::L2BlockProduced {
        number: block.header.number,
        hash: block.hash(),
        state_root: block.header.state_root,
        tx_count: block.txs.len() as u32,
        gas_used: block.header.gas_used,
        btc_tip_height: block.header.btc_tip_height,
        btc_headers: block.attributes.as_ref().map_or(0, |a| a.headers.len() as u32),
        backlog: produced.backlog,
        latency_mean_us: produced.latency_mean_us,
        latency_max_us: produced.latency_max_us,
        l1_origin: block.header.l1_origin.map(|o| o.block.number),
        deposits: block.header.l1_origin.map(|_| block.deposits.len() as u32),
    });
    publish_new_head(block, cx);
    if let Some(made) = produced.keystone {
        publish_keystone(made, block, cx);
    }
    for refusal in produced.dropped {
        refuse(refusal, cx);
    }
    true
}

/// A block that became the sequencer's head (built, or derived after an unsafe reorg): its
/// deposits and tunnel operations recorded, the block sent to the L2's followers.
fn publish_new_head(block: &Arc<L2Block>, cx: &mut Ctx<'_>) {
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
    cx.broadcast(Message::L2Block(block.clone()));
}

fn publish_keystone(made: MadeKeystone, block: &L2Block, cx: &mut Ctx<'_>) {
    cx.observe(Observation::KeystoneMade { l2_number: made.l2_number(), keystone: made.hash, l2_block: block.hash() });
    cx.broadcast(Message::Keystone(Arc::new(made)));
}

/// What an L1 block did to the sequencer's chain: head moves recorded; a block derivation
/// executed is the sequencer's new head, published like a built one; returned transactions the
/// mempool refused are answered.
fn record_l1_outcome(seq: &mut Sequencer, outcome: L1Outcome, cx: &mut Ctx<'_>) {
    let reorged = outcome.heads.iter().any(|event| matches!(event, HeadEvent::Reorg { .. }));
    for event in &outcome.heads {
        record_head_event(event, cx);
        if let HeadEvent::Safe { block, consolidated: false, .. } = event {
            cx.observe(Observation::L2BlockProduced {
                number: block.header.number,
                hash: block.hash(),
                state_root: block.header.state_root,
                tx_count: block.txs.len() as u32,
                gas_used: block.header.gas_used,
                btc_tip_height: block.header.btc_tip_height,
                btc_headers: block.attributes.as_ref().map_or(0, |a| a.headers.len() as u32),
                backlog: seq.backlog() as u64,
                latency_mean_us: 0,
                latency_max_us: 0,
                l1_origin: block.header.l1_origin.map(|o| o.block.number),
                deposits: Some(block.deposits.len() as u32),
            });
            publish_new_head(block, cx);
        }
    }
    for made in outcome.keystones {
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
    // After an unsafe reorg the sequencer catches up at once (op-node restarts sequencing on the
    // new head), so that its batcher can post the new blocks before their epochs' windows
    // close; its block timer keeps its rhythm.
    if reorged {
        while seq.next_block_delay(cx.now, false) == SimDuration::ZERO && produce_l2_block(seq, cx) {}
    }
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
            Message::L1Block(block) => self.on_l1_block(block, cx.node),
            _ => return,
        };
        record_verdicts(self, verdicts, cx);
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        // It may be waiting for exactly this block, active or not.
        if change.stored_any {
            let verdicts = self.on_bitcoin_change(cx.node);
            record_verdicts(self, verdicts, cx);
        }
    }

    fn report(&self) -> DutyReport<'_> {
        DutyReport::Verifier(self)
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

/// A Proof-of-Proof miner: publishes keystones in Bitcoin transactions from its wallet.
impl Duty for PopMiner {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::Keystones]
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.first_poll_delay(), Timer::PopPoll);
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        if let Message::Keystone(made) = message {
            self.on_keystone(cx.now, made.clone(), cx.node, cx.out);
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::PopPoll {
            self.on_poll(cx.now, cx.node, cx.out);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.wallet]
    }
}

/// The BTC tunnel's vault operator: pays out withdrawals from the vault.
impl Duty for Operator {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::L2Followers, Audience::Keystones]
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        match message {
            Message::L2Block(block) => self.on_l2_block(cx.now, block, cx.node, cx.out),
            Message::Keystone(made) => self.on_keystone(cx.now, made, cx.node, cx.out),
            _ => {}
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            self.on_bitcoin_change(cx.now, cx.node, cx.out);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.vault]
    }
}

/// The fee-paying Bitcoin background load.
impl Duty for BackgroundLoad {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        if let Some(after) = self.next_delay(SimTime::ZERO) {
            cx.schedule(after, Timer::Background);
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Background {
            BackgroundLoad::on_timer(self, cx.now, cx.node, cx.out);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.wallet]
    }
}

/// The L2 users: send transactions to the sequencer, follow blocks and refusals.
impl Duty for Workload {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::L2Followers, Audience::Users]
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.next_delay(), Timer::Workload);
    }

    fn on_message(&mut self, _cx: &mut Ctx<'_>, message: &Message) {
        match message {
            Message::L2Block(block) => self.on_block(block),
            Message::L2Refusal(refusal) => self.on_refusal(refusal),
            _ => {}
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Workload {
            if let Some(submission) = self.arrival(cx.now) {
                cx.broadcast(Message::L2Tx(submission));
            }
            cx.schedule(self.next_delay(), Timer::Workload);
        }
    }

    fn report(&self) -> DutyReport<'_> {
        DutyReport::Users(self)
    }
}

/// BFG's superfinality rule on its peer's chain.
impl Duty for FinalityTracker {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::Keystones]
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        if let Message::Keystone(made) = message {
            let observations = self.on_keystone(made, cx.node);
            cx.observe_all(observations);
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            let observations = self.on_bitcoin_change(cx.node);
            cx.observe_all(observations);
        }
    }
}

/// The tunnel's depositors and holders.
impl Duty for TunnelUsers {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::L2Followers, Audience::Users]
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        if let Some(after) = TunnelUsers::start(self) {
            cx.schedule(after, Timer::Tunnel);
        }
    }

    fn on_message(&mut self, _cx: &mut Ctx<'_>, message: &Message) {
        match message {
            Message::L2Block(block) => self.on_block(block),
            Message::L2Refusal(refusal) => self.on_refusal(refusal),
            _ => {}
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Tunnel
            && let Some(after) = TunnelUsers::on_timer(self, cx.now, cx.node, cx.out)
        {
            cx.schedule(after, Timer::Tunnel);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.wallet, &mut self.treasury_wallet]
    }
}

/// The tunnel's books at every L2 block, on its peer's Bitcoin chain.
impl Duty for TunnelAuditor {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::L2Followers]
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        if let Message::L2Block(block) = message {
            let observations = self.on_l2_block(block.clone(), cx.node);
            cx.observe_all(observations);
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            let observations = self.on_bitcoin_change(cx.node);
            cx.observe_all(observations);
        }
    }

    fn report(&self) -> DutyReport<'_> {
        DutyReport::Auditor(self)
    }
}

/// The Ethereum L1: at every slot a block, recorded and sent to the L2 nodes, or a missed slot.
impl Duty for L1Network {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.until_next_slot(cx.now), Timer::L1Slot);
    }

    fn on_message(&mut self, _cx: &mut Ctx<'_>, message: &Message) {
        if let Message::BatcherTx(tx) = message {
            self.submit_batcher_tx((**tx).clone());
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::L1Slot {
            match self.on_slot() {
                Slot::Block(new) => {
                    cx.observe(l1_block_observation(&new, self));
                    cx.broadcast(Message::L1Block(new.block));
                }
                Slot::Missed { slot } => cx.observe(Observation::L1SlotMissed { slot }),
            }
            cx.schedule(self.until_next_slot(cx.now), Timer::L1Slot);
        }
    }
}

fn l1_block_observation(new: &NewBlock, network: &L1Network) -> Observation {
    let block = &new.block;
    Observation::L1Block {
        number: block.block.number,
        time_s: network.chain().run_time_s(&block.block),
        hash: block.block.hash,
        parent: block.block.parent_hash,
        deposits: block.deposits.len() as u32,
        batcher_txs: block.batcher_txs.len() as u32,
        batch_bytes: block.batcher_txs.iter().map(|tx| tx.data_bytes() as u64).sum(),
        finalized: network.chain().finalized().number,
    }
}

/// A duty that follows the sequencer's gossiped blocks and can take one back (settlement chains,
/// where the sequencer's unsafe chain reorgs).
pub trait RevertsL2Blocks: Duty {
    /// `block`, the last one handed to the duty, is no longer on the sequencer's chain.
    fn revert_l2_block(&mut self, cx: &mut Ctx<'_>, block: &Arc<L2Block>);
}

/// `duty` behind an [`L2Follower`]: it is handed the sequencer's blocks in chain order, and told
/// to take back those an unsafe reorg replaced before it is handed their replacements.
#[derive(Debug)]
pub struct Following<D> {
    pub duty: D,
    follower: L2Follower,
}

impl<D> Following<D> {
    pub fn new(duty: D, follower: L2Follower) -> Self {
        Following { duty, follower }
    }
}

impl<D: RevertsL2Blocks> Duty for Following<D> {
    fn audiences(&self) -> Vec<Audience> {
        self.duty.audiences()
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        self.duty.start(cx);
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        let Message::L2Block(block) = message else { return self.duty.on_message(cx, message) };
        for step in self.follower.on_block(block.clone()) {
            match step {
                FollowStep::Apply(block) => self.duty.on_message(cx, &Message::L2Block(block)),
                FollowStep::Revert(block) => self.duty.revert_l2_block(cx, &block),
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        self.duty.on_timer(cx, timer);
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        self.duty.on_bitcoin(cx, change);
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        self.duty.wallets()
    }

    fn report(&self) -> DutyReport<'_> {
        self.duty.report()
    }
}

impl RevertsL2Blocks for TunnelAuditor {
    fn revert_l2_block(&mut self, _cx: &mut Ctx<'_>, block: &Arc<L2Block>) {
        TunnelAuditor::revert_l2_block(self, block);
    }
}

impl RevertsL2Blocks for Operator {
    fn revert_l2_block(&mut self, _cx: &mut Ctx<'_>, block: &Arc<L2Block>) {
        Operator::revert_l2_block(self, block);
    }
}

impl RevertsL2Blocks for TunnelUsers {
    fn revert_l2_block(&mut self, _cx: &mut Ctx<'_>, block: &Arc<L2Block>) {
        self.revert_block(block);
    }
}
