//! A member of a sequencer set (`[sequencer] count > 1`) as a duty: the sequencer it runs, and
//! who of the set sequences: the conductor's leader ([`Conductor`]) or the member whose turn it
//! is ([`Rotation`]). Members follow each other's blocks (commits and gossip), so any of them can
//! continue from the head.
//!
//! On a settlement chain (conductor only) every member also derives from L1 (its safe and
//! finalized heads, forced blocks, unsafe reorgs), and the leader alone batches: it starts its
//! batcher at its safe head two L1 blocks after it became leader (by then L1 holds what the
//! last leader posted before it went), then feeds it each block its group commits.

use super::super::duty::{BitcoinChange, Ctx, Duty};
use super::super::report::DutyReport;
use super::super::{PeerId, PeerKind, refuse};
use super::l2::{post_batches, publish_production, record_l1_heads};
use crate::events::{Audience, Message, Observation, Timer};
use crate::l2::block::L2Block;
use crate::l2::chain::ImportError;
use crate::l2::conductor::{Conductor, ConductorMsg, ConductorOut, HEARTBEAT};
use crate::l2::rotation::Rotation;
use crate::l2::sequencer::{Production, Sequencer};
use crate::time::{SimDuration, SimTime};
use crate::units::{L1Number, L2Number};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Who of the set sequences.
#[derive(Debug)]
pub enum SetMode {
    Conductor(Box<Conductor>),
    Rotation(Rotation),
}

#[derive(Debug)]
pub struct SetMember {
    pub seq: Sequencer,
    me: u32,
    mode: SetMode,
    /// When this member's head last moved (the conductor's health check).
    head_advanced: SimTime,
    /// The block it built, waiting for its group (conductor).
    pending: Option<Production>,
    /// Others' blocks that could not be imported yet (a Bitcoin block or a parent missing).
    waiting: BTreeMap<L2Number, Arc<L2Block>>,
    /// The earliest conductor wake armed and not yet fired.
    armed: Option<SimTime>,
    /// The highest block it knows was gossiped (it gossiped it, or heard it).
    gossiped: L2Number,
    /// Its last request for missed blocks: after which head, when.
    asked: Option<(L2Number, SimTime)>,
    /// `rotation`: it builds nothing before this, having found itself behind (restarted, or a
    /// gap in the blocks it heard): long enough for the members it asked to answer.
    quiet_until: SimTime,
    /// Settlement chains: a new leader starts its batcher once it has read this L1 block.
    batch_from: Option<L1Number>,
}

/// L1 blocks a new leader waits before it starts batching from its safe head: a batcher
/// transaction the last leader posted just before it went reaches L1 in the next block, and
/// derivation makes its blocks safe, so they are not posted twice.
const BATCHER_START_L1_BLOCKS: u64 = 2;

impl SetMember {
    pub fn new(seq: Sequencer, me: u32, mode: SetMode) -> SetMember {
        // The group's first leader leads from the start (no election): it batches from the
        // first L1 block.
        let first_leader = matches!(&mode, SetMode::Conductor(c) if c.is_leader());
        let batch_from = (seq.settled() && first_leader).then_some(L1Number::ZERO);
        SetMember {
            seq,
            me,
            mode,
            head_advanced: SimTime::ZERO,
            pending: None,
            waiting: BTreeMap::new(),
            armed: None,
            gossiped: L2Number::ZERO,
            asked: None,
            quiet_until: SimTime::ZERO,
            batch_from,
        }
    }

    fn leads(&self) -> bool {
        match &self.mode {
            SetMode::Conductor(c) => c.is_leader(),
            SetMode::Rotation(_) => true,
        }
    }

    /// The block timer fires on a grid of block times shared by every member, so that turns and
    /// takeovers fall on the same slots whoever restarted when.
    fn arm_block_timer(&self, cx: &mut Ctx<'_>) {
        let bt = self.seq.block_time().as_us().max(1);
        cx.schedule(SimDuration(bt - cx.now.as_us() % bt), Timer::L2Block);
    }

    fn on_block_timer(&mut self, cx: &mut Ctx<'_>) {
        self.arm_block_timer(cx);
        if self.seq.halted_until(cx.now).is_some() {
            return;
        }
        let may_build = match &self.mode {
            SetMode::Conductor(c) => c.may_build(cx.now),
            SetMode::Rotation(_) if cx.now < self.quiet_until => false,
            SetMode::Rotation(r) => {
                let (head, _) = self.seq.head();
                let parent_at = self.head_made_at();
                let (designated, skipped) = r.designated(head.next(), parent_at, cx.now);
                if designated == self.me && skipped > 0 {
                    cx.observe(Observation::SequencerLeader { term: head.next().0, member: self.me, reason: "skip" });
                }
                designated == self.me
            }
        };
        if may_build {
            self.build(cx);
        }
    }

    /// Builds the next block (the member may): gossiped at once in a rotation, offered to the
    /// group under the conductor. On a settlement chain a block's time is its parent's plus the
    /// block time: nothing before that.
    fn build(&mut self, cx: &mut Ctx<'_>) {
        if self.seq.settled() && self.seq.wait_for_next_block(cx.now) > SimDuration::ZERO {
            return;
        }
        let produced = match self.seq.try_produce(cx.now, cx.node) {
            Ok(p) => p,
            Err(no_origin) => {
                cx.observe(Observation::L2SlotSkipped { what: no_origin.to_string() });
                return;
            }
        };
        self.head_advanced = cx.now;
        match &mut self.mode {
            SetMode::Rotation(_) => {
                self.seq.served.record(&produced.block);
                self.gossiped = produced.block.header.number;
                publish_production(&mut self.seq, produced, cx);
            }
            SetMode::Conductor(c) => {
                let mut out = Vec::new();
                c.built(cx.now, &produced.block, &mut out);
                self.pending = Some(produced);
                self.carry_out(cx, out);
            }
        }
    }

    /// When the head block was made (its timestamp; blocks without a settlement layer carry
    /// the whole second they were made in).
    fn head_made_at(&self) -> SimTime {
        let (head, _) = self.seq.head();
        let made_s = self.seq.served.after(head.down(1).unwrap_or(head)).next().map(|b| b.header.timestamp_s);
        let epoch = crate::btc::params::EPOCH_UNIX_S as u64;
        made_s.map_or(SimTime::ZERO, |s| SimTime::ZERO + SimDuration::from_secs(s.saturating_sub(epoch)))
    }

    /// Another member's block: imported in order (with those waiting behind it); a gap is asked
    /// of `from`.
    fn take_block(&mut self, cx: &mut Ctx<'_>, block: &Arc<L2Block>, from: Option<u32>) {
        let (head, _) = self.seq.head();
        let number = block.header.number;
        if number <= head {
            if !self.replaces_own(block, head) {
                return;
            }
            if !self.take_back(cx, number.down(1).unwrap_or(number)) {
                return;
            }
        }
        self.waiting.insert(number, block.clone());
        self.import_waiting(cx);
        let (head, _) = self.seq.head();
        if self.waiting.keys().next().is_some_and(|&n| n > head.next())
            && let Some(leader) = from
        {
            self.ask(cx, leader, head);
        }
    }

    /// Whether `block`, another member's at a height this member holds and on the same parent,
    /// replaces its own there. Under the conductor, always: the group's block replaces one it
    /// built and never had committed. In a rotation two members build the same block only when
    /// one's came later than the slot timeout (slow links, a partition): both keep the one made
    /// first (earlier timestamp, then lower hash), and only at the head (a longer chain wins in
    /// `import_waiting`), so the two converge on one chain.
    fn replaces_own(&self, block: &Arc<L2Block>, head: L2Number) -> bool {
        let number = block.header.number;
        let own = self.seq.block_at(number);
        if own.is_some_and(|own| own.hash() == block.hash())
            || self.seq.hash_at(number.down(1).unwrap_or(number)) != Some(block.header.parent_hash)
        {
            return false;
        }
        match (&self.mode, own) {
            // Its own block may be the uncommitted one, not yet among those it serves.
            (SetMode::Conductor(_), _) => true,
            (SetMode::Rotation(_), Some(own)) => {
                number == head && (block.header.timestamp_s, block.hash()) < (own.header.timestamp_s, own.hash())
            }
            (SetMode::Rotation(_), None) => false,
        }
    }

    /// Asks `leader` for its blocks after `head`: once per head, again only after a heartbeat's
    /// time (every block of a gap arriving must not ask again: the answers would multiply). A
    /// rotating member behind stays quiet until the answer can have come.
    fn ask(&mut self, cx: &mut Ctx<'_>, leader: u32, head: L2Number) {
        let due = match self.asked {
            Some((asked_head, at)) => asked_head != head || cx.now.since(at) >= HEARTBEAT,
            None => true,
        };
        if due {
            self.asked = Some((head, cx.now));
            self.stay_quiet(cx.now);
            cx.send_to(PeerId::sequencer(leader), Message::GetL2Blocks { requester: cx.me, after: head });
        }
    }

    fn import_waiting(&mut self, cx: &mut Ctx<'_>) {
        loop {
            let (head, _) = self.seq.head();
            self.waiting.retain(|&n, _| n > head);
            let Some(block) = self.waiting.get(&head.next()).cloned() else { return };
            match self.seq.adopt(&block, cx.node) {
                Ok(released) => {
                    self.head_advanced = cx.now;
                    for hash in released {
                        cx.observe(Observation::CensoredTxIncluded { hash, l2_number: block.header.number });
                    }
                }
                Err(ImportError::WaitForBitcoin(_)) => return,
                Err(_) if block.header.parent_hash != self.seq.head().1 && head > L2Number::ZERO => {
                    // The group's next block does not follow this member's head: its head is a
                    // block the group never committed (built before a crash or a lost lease), or
                    // (rotation) its side of a fork, shorter than the chain this block is on.
                    // Deeper than its undo, it stays on its chain and drops the block.
                    if !self.take_back(cx, head.down(1).unwrap_or(head)) {
                        self.waiting.remove(&head.next());
                        return;
                    }
                }
                Err(_) => {
                    // Not on this member's chain (another branch): dropped.
                    self.waiting.remove(&head.next());
                    return;
                }
            }
        }
    }

    fn on_conductor(&mut self, cx: &mut Ctx<'_>, msg: &ConductorMsg) {
        if let ConductorMsg::Commit { term, leader, block } = msg
            && let SetMode::Conductor(c) = &self.mode
            && *term >= c.term()
        {
            self.take_block(cx, block, Some(*leader));
        }
        if let ConductorMsg::Heartbeat { term, leader, head } = msg
            && let SetMode::Conductor(c) = &self.mode
            && *term >= c.term()
            && *head > self.seq.head().0
        {
            let after = self.seq.head().0;
            self.ask(cx, *leader, after);
        }
        let head = self.seq.head();
        let SetMode::Conductor(c) = &mut self.mode else { return };
        let mut out = Vec::new();
        c.on_message(cx.now, msg, head, &mut out);
        self.carry_out(cx, out);
    }

    fn wake(&mut self, cx: &mut Ctx<'_>) {
        if self.armed.is_some_and(|a| a <= cx.now) {
            self.armed = None;
        }
        let (head, _) = self.seq.head();
        let SetMode::Conductor(c) = &mut self.mode else { return };
        let mut out = Vec::new();
        c.wake(cx.now, head, self.head_advanced, &mut out);
        self.carry_out(cx, out);
    }

    /// Carries out the conductor's requests, then arms its next wake.
    fn carry_out(&mut self, cx: &mut Ctx<'_>, out: Vec<ConductorOut>) {
        let SetMode::Conductor(c) = &self.mode else { return };
        let (term, me) = (c.term(), self.me);
        let mut caught_up = true;
        for o in out {
            match o {
                ConductorOut::Broadcast(m) => cx.broadcast(Message::Conductor(Arc::new(m))),
                ConductorOut::Send(to, m) => cx.send_to(PeerId::sequencer(to), Message::Conductor(Arc::new(m))),
                ConductorOut::BecameLeader { term, reason } => {
                    cx.observe(Observation::SequencerLeader { term, member: me, reason });
                    self.head_advanced = self.head_advanced.max(cx.now);
                    // Blocks of its chain never gossiped (its own uncommitted ones, or the last
                    // leader's it holds but nobody outside saw) are rebuilt: the group's promise is
                    // about gossiped blocks, and a rebuilt one replaces nothing anyone outside holds
                    // (never below the safe head: L1 holds those).
                    self.pending = None;
                    let keep = self.gossiped.max(self.seq.safe_number());
                    if self.seq.head().0 > keep {
                        self.take_back(cx, keep);
                    }
                    if self.seq.settled() {
                        self.batch_from = Some(self.seq.l1_head().up(BATCHER_START_L1_BLOCKS));
                    }
                }
                ConductorOut::SteppedDown { term, reason } => {
                    cx.observe(Observation::SequencerSteppedDown { term, member: me, reason });
                    self.pending = None;
                    self.stop_batching();
                }
                ConductorOut::Committed => {
                    if let Some(produced) = self.pending.take() {
                        let (number, hash) = (produced.block.header.number, produced.block.hash());
                        cx.observe(Observation::L2BlockCommitted { number, hash, term });
                        // Served only once committed: nobody outside the group gets it before.
                        self.seq.served.record(&produced.block);
                        self.seq.batch_committed(cx.now, &produced.block);
                        publish_production(&mut self.seq, produced, cx);
                        self.gossiped = number;
                        caught_up = false;
                    }
                }
            }
        }
        self.arm_wake(cx);
        if !caught_up {
            self.catch_up(cx);
        }
    }

    /// A leader behind the clock (after a failover's missed slots, or an unsafe reorg onto
    /// back-dated blocks) builds the next block at once, as op-node does, rather than one per
    /// slot (settlement chains, where a block's time is its parent's plus the block time).
    fn catch_up(&mut self, cx: &mut Ctx<'_>) {
        let SetMode::Conductor(c) = &self.mode else { return };
        if self.seq.settled()
            && c.may_build(cx.now)
            && self.seq.halted_until(cx.now).is_none()
            && self.seq.wait_for_next_block(cx.now) == SimDuration::ZERO
        {
            self.build(cx);
        }
    }

    /// Not the batcher any more (stepped down, crashed): the next leader batches.
    fn stop_batching(&mut self) {
        self.batch_from = None;
        self.seq.stop_batcher();
    }

    /// L1 blocks in chain order: derived by the member's node; the leader publishes what
    /// derivation executed (a forced block), starts batching when due, and catches up after a
    /// reorg. A reorg takes the block it was building with it.
    fn on_l1(&mut self, cx: &mut Ctx<'_>, block: &Arc<crate::eth::L1Block>) {
        for block in self.seq.l1_feed.on_block(cx, block) {
            let number = block.block.number;
            let outcome = self.seq.on_l1_block(block, cx.now, cx.node);
            let leads = self.leads();
            if record_l1_heads(&mut self.seq, outcome, leads, cx) {
                self.pending = None;
                if let SetMode::Conductor(c) = &mut self.mode {
                    c.abandon_pending();
                }
                self.gossiped = self.gossiped.min(self.seq.head().0);
                if leads {
                    self.gossiped = self.seq.head().0;
                }
            }
            if leads && self.batch_from.is_some_and(|from| number >= from) {
                self.batch_from = None;
                self.seq.start_batcher(cx.now, self.gossiped);
            }
        }
        self.catch_up(cx);
    }

    /// Takes its chain back to `number`, the block it was building with it, and reports the
    /// transactions lost with the blocks taken; false (nothing changed) when that is deeper than
    /// the undo it keeps.
    fn take_back(&mut self, cx: &mut Ctx<'_>, number: L2Number) -> bool {
        let Some(lost) = self.seq.take_back_to(number) else { return false };
        cx.observe(Observation::MempoolLost { txs: lost as u32 });
        self.pending = None;
        true
    }

    /// `rotation`: no block for two slot timeouts (a request and its answer, each within one:
    /// the scenario refuses links slower than the timeout).
    fn stay_quiet(&mut self, now: SimTime) {
        if let SetMode::Rotation(r) = &self.mode {
            self.quiet_until = self.quiet_until.max(now + r.slot_timeout + r.slot_timeout);
        }
    }

    fn arm_wake(&mut self, cx: &mut Ctx<'_>) {
        let SetMode::Conductor(c) = &self.mode else { return };
        let at = c.next_wake(cx.now);
        if self.armed.is_none_or(|a| at < a) {
            self.armed = Some(at);
            cx.schedule(at.since(cx.now), Timer::Conductor);
        }
    }
}

impl Duty for SetMember {
    fn audiences(&self) -> Vec<Audience> {
        // Sequencer: users' transactions and the group's messages; L2 followers: the blocks the
        // others gossip; L1 followers: L1 blocks (settlement chains).
        vec![Audience::Sequencer, Audience::L2Followers, Audience::L1Followers]
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        self.arm_block_timer(cx);
        self.armed = None;
        self.arm_wake(cx);
        if self.seq.settled() {
            cx.schedule(super::l2::BATCHER_POLL, Timer::BatcherPoll);
        }
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        match message {
            Message::L2Tx(submission) => {
                // Users' transactions reach the sequencing member (op-conductor's proxy routes
                // them to the leader); a conductor's follower drops them.
                if self.leads()
                    && let Err(refusal) = self.seq.submit(submission.clone())
                {
                    refuse(refusal, cx);
                }
            }
            Message::L2Block(block) => {
                self.gossiped = self.gossiped.max(block.header.number);
                let leader = match &self.mode {
                    SetMode::Conductor(c) => c.leader(),
                    SetMode::Rotation(r) => Some(r.owner(block.header.number)),
                };
                self.take_block(cx, block, leader.filter(|&l| l != self.me));
            }
            Message::GetL2Blocks { requester, after } => self.seq.served.answer(cx, *requester, *after),
            Message::Conductor(msg) => self.on_conductor(cx, msg),
            Message::L1Block(block) => self.on_l1(cx, block),
            _ => {}
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::L2Block => self.on_block_timer(cx),
            Timer::Conductor => self.wake(cx),
            // Only the leader has a batcher; the others' polls post nothing.
            Timer::BatcherPoll => post_batches(&mut self.seq, cx),
            _ => {}
        }
    }

    fn restart(&mut self, cx: &mut Ctx<'_>) {
        let lost = self.seq.restart();
        cx.observe(Observation::MempoolLost { txs: lost as u32 });
        self.waiting.clear();
        self.stop_batching();
        // A rotating member back from a crash is behind: it asks the others (as they connect)
        // and builds nothing before they can have answered, or it would fork the chain at its
        // old head in what it takes for its turn.
        self.stay_quiet(cx.now);
        if let SetMode::Conductor(c) = &mut self.mode {
            c.restart(cx.now);
        }
        self.start(cx);
    }

    fn on_connected(&mut self, cx: &mut Ctx<'_>, peer: PeerId) {
        if peer == PeerId::ETHEREUM {
            self.seq.l1_feed.ask(cx);
        }
        if matches!(self.mode, SetMode::Rotation(_)) && cx.now < self.quiet_until && peer.kind == PeerKind::Sequencer {
            let (head, _) = self.seq.head();
            cx.send_to(peer, Message::GetL2Blocks { requester: cx.me, after: head });
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.stored_any && !self.waiting.is_empty() {
            self.import_waiting(cx);
        }
        // A derived payload may wait for exactly this block (settlement chains only).
        if change.stored_any && self.seq.settled() {
            let outcome = self.seq.on_bitcoin_change(cx.now, cx.node);
            let leads = self.leads();
            if record_l1_heads(&mut self.seq, outcome, leads, cx) {
                self.pending = None;
                if let SetMode::Conductor(c) = &mut self.mode {
                    c.abandon_pending();
                }
            }
        }
    }

    fn report(&self) -> DutyReport<'_> {
        DutyReport::Sequencer(&self.seq)
    }
}
