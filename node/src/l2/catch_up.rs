//! Catching up on the L2 and L1 chains after missed messages (a lost message, a partition, a
//! restart).
//!
//! - L2: a verifier or follower with a hole below the blocks it holds asks the sequencer for its
//!   chain after its own head, and the sequencer answers from the blocks it keeps to serve
//!   (op-node's request-response sync of unsafe blocks; derivation from L1 fills what the
//!   sequencer no longer keeps).
//! - Bitcoin: an L2 node that has waited a while for a Bitcoin block an L2 block (or a derived
//!   payload) names asks the sequencer's node for it by hash ([`BitcoinFetch`]): a block a reorg
//!   took off the active chain while the node was down or cut off never comes by gossip or by
//!   locator sync again (Hemi's TBC fetches the blocks it lacks from its Bitcoin peers).
//! - L1: derivation reads L1 blocks in chain order; an [`L1Feed`] hands them on in order and asks
//!   the Ethereum peer for the ones it missed (a node's L1 RPC is polled, not gossiped to: a
//!   missed head is fetched again).

use super::block::L2Block;
use crate::eth::L1Block;
use crate::events::Message;
use crate::peer::{Ctx, PeerId};
use crate::time::{SimDuration, SimTime};
use crate::units::{L1Number, L2Number};
use bitcoin::BlockHash;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How long an unanswered request stands before the same one is sent again.
const RETRY: SimDuration = SimDuration::from_secs(5);

/// The latest blocks the sequencer serves: about a day of 12-second blocks.
const SERVED_BLOCKS: usize = 8_192;

/// Requests for missed blocks: at most one per head per [`RETRY`], and none from a peer that does
/// not catch up at all (runs without faults).
#[derive(Debug, Clone)]
struct Requests<K = u64> {
    asked: Option<(K, SimTime)>,
}

impl<K> Default for Requests<K> {
    fn default() -> Self {
        Requests { asked: None }
    }
}

impl<K: PartialEq> Requests<K> {
    fn due(&mut self, cx: &Ctx<'_>, head: K) -> bool {
        if !cx.catch_up {
            return false;
        }
        if let Some((asked, at)) = &self.asked
            && *asked == head
            && cx.now.since(*at) < RETRY
        {
            return false;
        }
        self.asked = Some((head, cx.now));
        true
    }
}

/// An L2 node's or follower's requests to the sequencer: with a sequencer set, to its members
/// in turn (each request, a retry included, to the next one), so that any member that has the
/// blocks serves them and one that is down or behind costs one retry.
#[derive(Debug, Clone, Default)]
pub struct L2CatchUp {
    requests: Requests,
    /// Members of the set (0 or 1: the one sequencer).
    members: u32,
    /// Requests sent so far (the next goes to member `sent mod members`).
    sent: u32,
}

impl L2CatchUp {
    /// Requests that go round the `members` of a sequencer set.
    pub fn of_set(members: u32) -> L2CatchUp {
        L2CatchUp { members, ..L2CatchUp::default() }
    }

    /// Asks the sequencer (the next member) for its blocks after `head` (unless the same
    /// request stands).
    pub fn ask(&mut self, cx: &mut Ctx<'_>, head: L2Number) {
        if self.requests.due(cx, head.0) {
            let member = if self.members > 1 { self.sent % self.members } else { 0 };
            self.sent = self.sent.wrapping_add(1);
            cx.send_to(PeerId::sequencer(member), Message::GetL2Blocks { requester: cx.me, after: head });
        }
    }
}

/// How long an L2 node waits for a Bitcoin block by gossip before it asks for it: longer than a
/// block's propagation, so that the usual race (the L2 block before the Bitcoin block it names)
/// adds no request, and no longer than the standing request the convergence bound allows for
/// (`sim::scenario::convergence_bound_s`).
const BITCOIN_PATIENCE: SimDuration = SimDuration::from_secs(5);

/// The Bitcoin blocks an L2 node waits for, asked of the sequencer's node (all it lacks, in
/// one request) once it has waited [`BITCOIN_PATIENCE`], then at once for the next block it
/// waits for, and again every [`RETRY`] for the same one, while it keeps waiting.
#[derive(Debug, Clone, Default)]
pub struct BitcoinFetch {
    /// Since when the node has waited for one block or the next without a break.
    waiting_since: Option<SimTime>,
    requests: Requests<BlockHash>,
}

impl BitcoinFetch {
    /// After each input: `waits_for` is the block the node waits for now, if any; `true` when
    /// it is time to ask for it (with [`BitcoinFetch::ask`]).
    pub fn due(&mut self, cx: &Ctx<'_>, waits_for: Option<BlockHash>) -> bool {
        let Some(first) = waits_for else {
            self.waiting_since = None;
            return false;
        };
        let since = *self.waiting_since.get_or_insert(cx.now);
        cx.now.since(since) >= BITCOIN_PATIENCE && self.requests.due(cx, first)
    }

    /// Asks the sequencer's node for `missing`, the block waited for first.
    pub fn ask(cx: &mut Ctx<'_>, missing: Vec<BlockHash>) {
        cx.send_to(PeerId::SEQUENCER, Message::GetBlockData(Arc::new(missing)));
    }
}

/// L1 blocks as derivation reads them: in chain order, each once; the missed ones asked for.
#[derive(Debug, Clone)]
pub struct L1Feed {
    /// The last block handed on (the L1 genesis at first: the chain's origin).
    head: L1Number,
    /// Blocks ahead of a hole, by number.
    waiting: BTreeMap<L1Number, Arc<L1Block>>,
    requests: Requests,
}

impl Default for L1Feed {
    fn default() -> Self {
        L1Feed { head: L1Number(0), waiting: BTreeMap::new(), requests: Requests::default() }
    }
}

impl L1Feed {
    /// A block arrives: the blocks to hand on, in order (none while a hole waits to be filled,
    /// which it asks the Ethereum peer for).
    pub fn on_block(&mut self, cx: &mut Ctx<'_>, block: &Arc<L1Block>) -> Vec<Arc<L1Block>> {
        if block.block.number > self.head {
            self.waiting.insert(block.block.number, block.clone());
        }
        let mut ready = Vec::new();
        while let Some(next) = self.waiting.remove(&self.head.next()) {
            self.head = next.block.number;
            ready.push(next);
        }
        if !self.waiting.is_empty() {
            self.ask(cx);
        }
        ready
    }

    /// Asks the Ethereum peer for its blocks after the last one handed on.
    pub fn ask(&mut self, cx: &mut Ctx<'_>) {
        if self.requests.due(cx, self.head.0) {
            cx.send_to(PeerId::ETHEREUM, Message::GetL1Blocks { requester: cx.me, after: self.head });
        }
    }
}

/// The sequencer's latest blocks, by number, as it made them its head (a reorg replaces the
/// blocks above the new one's parent).
#[derive(Debug, Clone, Default)]
pub struct ServedBlocks {
    blocks: BTreeMap<L2Number, Arc<L2Block>>,
}

impl ServedBlocks {
    /// `block` became the head: it replaces every block from its number on.
    pub fn record(&mut self, block: &Arc<L2Block>) {
        self.blocks.split_off(&block.header.number);
        self.blocks.insert(block.header.number, block.clone());
        while self.blocks.len() > SERVED_BLOCKS {
            self.blocks.pop_first();
        }
    }

    /// Forgets the blocks after `number` (taken back).
    pub fn truncate_after(&mut self, number: L2Number) {
        self.blocks.split_off(&number.next());
    }

    /// The blocks after `after`, in order.
    pub fn after(&self, after: L2Number) -> impl Iterator<Item = &Arc<L2Block>> {
        self.blocks.range(after.next()..).map(|(_, b)| b)
    }

    /// Answers a request: each block after `after`, sent to `requester`.
    pub fn answer(&self, cx: &mut Ctx<'_>, requester: PeerId, after: L2Number) {
        for block in self.after(after) {
            cx.send_to(requester, Message::L2Block(block.clone()));
        }
    }
}
