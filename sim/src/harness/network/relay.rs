//! Hop-by-hop block relay over the peer graph: a discrete-event engine of its own, driven by the
//! harness (`advance` to a time, `announce` a block a peer mined or published).
//!
//! Per hop, `Relay::Standard` is inv -> getdata -> block; `Relay::Compact` is BIP 152: a node
//! pushes `cmpctblock` unasked to its first `HIGH_BANDWIDTH_PEERS` neighbours (high-bandwidth
//! mode; Core lets each node pick 3 such peers) and announces to the others, which ask with
//! getdata and get a `cmpctblock`; a receiver missing transactions asks `getblocktxn` and gets
//! `blocktxn` (one more round trip). Whether a reconstruction misses transactions is drawn per
//! receipt with SimBlock's measured rate for well-connected nodes (13%, missing 1% of the
//! block: `CBR_FAILURE_RATE_FOR_CONTROL_NODE` and its size distribution, after Imtiaz et al.,
//! "Churn in the Bitcoin network", 2019). Every block-carrying message leaves its sender one at
//! a time (an upload queue, as SimBlock's `sendNextBlockMessage`), taking size x 8 / bandwidth,
//! plus `PROCESSING_US` (SimBlock's 2 ms).
//!
//! A node relays a block it receives when the block raises its best height (a new tip; a
//! block of a branch that does not is kept and relayed with the descendant that does, as a
//! headers announcement lets peers fetch the missing ancestors); a miner always relays its own.
//! A node that does not relay others' blocks (the attacker) still receives them. Fetches go to
//! whoever announced first; nothing fails, so a fetch in progress is never repeated.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use bitcoin::BlockHash;
use hemisim_node::rng::Stream;
use serde::{Deserialize, Serialize};

use super::regions::Region;
use super::topology::Topology;

/// Neighbours a node pushes compact blocks to unasked (Bitcoin Core: 3).
pub const HIGH_BANDWIDTH_PEERS: usize = 3;
/// Time a node takes to handle a block message before sending (SimBlock's `processingTime`).
pub const PROCESSING_US: u64 = 2_000;
/// Share of compact-block receipts that miss transactions, and the share of the block missing.
pub const COMPACT_MISS_RATE: f64 = 0.13;
pub const COMPACT_MISSING_SHARE: f64 = 0.01;
/// Average size of a transaction standing in for `bitcoin.block_fill_bytes` (short ids per tx).
pub const FILL_TX_BYTES: u64 = 400;

/// How a block crosses one hop (`network.relay`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relay {
    /// inv, getdata, block.
    Standard,
    /// BIP 152 compact blocks (high-bandwidth to 3 peers), a round trip for missing transactions.
    #[default]
    Compact,
}

/// A block that reached a node the world runs as a peer (`node < real`), to hand to it at `at_us`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub at_us: u64,
    pub node: u32,
    pub block: u32,
}

/// How one block spread: from its announcement to half and nine tenths of all nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub hash: BlockHash,
    pub height: u32,
    pub origin: u32,
    pub bytes: u64,
    pub announced_us: u64,
    pub reached: u32,
    pub to_50_us: Option<u64>,
    pub to_90_us: Option<u64>,
}

const HAS: u8 = 1;
const FETCHING: u8 = 2;
const RELAYED: u8 = 4;
const TXN_ASKED: u8 = 8;

#[derive(Debug)]
struct BlockState {
    spread: Spread,
    parent: Option<u32>,
    /// Short ids and prefilled coinbase of its compact form.
    compact_bytes: u64,
    /// Per node: HAS | FETCHING | RELAYED | TXN_ASKED.
    state: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Inv { from: u32, to: u32, block: u32 },
    GetData { from: u32, to: u32, block: u32 },
    Cmpct { from: u32, to: u32, block: u32 },
    GetBlockTxn { from: u32, to: u32, block: u32 },
    Arrive { to: u32, block: u32 },
}

/// The network's state: graph, regions, blocks in flight and the event queue.
#[derive(Debug)]
pub struct RelayNet {
    topo: Topology,
    /// Mean latency between regions, microseconds.
    latency_us: Vec<Vec<f64>>,
    upload_bps: Vec<f64>,
    download_bps: Vec<f64>,
    relay: Relay,
    /// Nodes `0..real` are the world's peers; the rest relay only.
    real: u32,
    relays_others: Vec<bool>,
    best_height: Vec<u32>,
    upload_free_us: Vec<u64>,
    blocks: Vec<BlockState>,
    by_hash: HashMap<BlockHash, u32>,
    queue: BinaryHeap<Reverse<(u64, u64, Event)>>,
    seq: u64,
    latency_stream: Stream,
    compact_stream: Stream,
    deliveries: Vec<Delivery>,
    lookahead_us: u64,
}

impl RelayNet {
    /// `relays_others[i]` for each of the `real` peers; relay-only nodes all relay.
    pub fn new(topo: Topology, regions: &[Region], relay: Relay, relays_others: Vec<bool>, seed: u64) -> RelayNet {
        let nodes = topo.neighbors.len();
        let real = relays_others.len() as u32;
        let mut relays = relays_others;
        relays.resize(nodes, true);
        let min_ms = regions.iter().flat_map(|r| r.latency_ms.iter().copied()).fold(f64::INFINITY, f64::min);
        RelayNet {
            latency_us: regions.iter().map(|r| r.latency_ms.iter().map(|ms| ms * 1e3).collect()).collect(),
            upload_bps: regions.iter().map(|r| r.upload_mbps * 1e6).collect(),
            download_bps: regions.iter().map(|r| r.download_mbps * 1e6).collect(),
            relay,
            real,
            relays_others: relays,
            best_height: vec![0; nodes],
            upload_free_us: vec![0; nodes],
            blocks: Vec::new(),
            by_hash: HashMap::new(),
            queue: BinaryHeap::new(),
            seq: 0,
            latency_stream: Stream::derive(seed, "network/latency"),
            compact_stream: Stream::derive(seed, "network/compact"),
            deliveries: Vec::new(),
            // No message is faster than the smallest mean less 5 ms (the Pareto's scale).
            lookahead_us: ((min_ms - 5.0) * 1e3) as u64 - 1,
            topo,
        }
    }

    pub fn nodes(&self) -> usize {
        self.topo.neighbors.len()
    }

    /// How far past `now` events can be handled before anything announced at `now` or later
    /// can change them: the shortest one-way delay of any message.
    pub fn lookahead_us(&self) -> u64 {
        self.lookahead_us
    }

    /// Time of the next event, if any.
    pub fn next_event_us(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse((t, _, _))| *t)
    }

    /// Node `origin` (a peer) has block `hash` at `now_us` (it mined or published it) and relays
    /// it. Returns the block's index (the same for a block seen before).
    pub fn announce(
        &mut self,
        now_us: u64,
        origin: u32,
        hash: BlockHash,
        parent: BlockHash,
        bytes: u64,
        txs: u64,
    ) -> u32 {
        let block = match self.by_hash.get(&hash) {
            Some(&b) => b,
            None => self.register(now_us, origin, hash, parent, bytes, txs),
        };
        let first = self.blocks[block as usize].state[origin as usize] & HAS == 0;
        if first {
            self.receive(now_us, origin, block, true);
        }
        block
    }

    /// Handles every event up to `until_us` (in time order, ties in the order they were queued).
    pub fn advance(&mut self, until_us: u64) {
        while let Some(Reverse((t, _, _))) = self.queue.peek() {
            if *t > until_us {
                break;
            }
            let Some(Reverse((t, _, event))) = self.queue.pop() else { break };
            self.handle(t, event);
        }
    }

    /// The peer that announced block `block` first.
    pub fn origin_of(&self, block: u32) -> u32 {
        self.blocks[block as usize].spread.origin
    }

    /// Blocks that reached peers since the last call.
    pub fn take_deliveries(&mut self) -> Vec<Delivery> {
        std::mem::take(&mut self.deliveries)
    }

    /// How every block announced so far spread, in announcement order.
    pub fn spreads(&self) -> Vec<Spread> {
        self.blocks.iter().map(|b| b.spread.clone()).collect()
    }

    fn register(&mut self, now_us: u64, origin: u32, hash: BlockHash, parent: BlockHash, bytes: u64, txs: u64) -> u32 {
        let parent = self.by_hash.get(&parent).copied();
        let height = parent.map_or(1, |p| self.blocks[p as usize].spread.height + 1);
        let index = self.blocks.len() as u32;
        // BIP 152: header 80, nonce 8, counts, 6-byte short ids, the coinbase prefilled (~250).
        let compact_bytes = 80 + 8 + 3 + 6 * txs + 250;
        self.blocks.push(BlockState {
            spread: Spread {
                hash,
                height,
                origin,
                bytes,
                announced_us: now_us,
                reached: 0,
                to_50_us: None,
                to_90_us: None,
            },
            parent,
            compact_bytes,
            state: vec![0; self.nodes()],
        });
        self.by_hash.insert(hash, index);
        index
    }

    fn handle(&mut self, t: u64, event: Event) {
        match event {
            Event::Inv { from, to, block } => {
                if self.state(block, to) & (HAS | FETCHING) == 0 {
                    self.set(block, to, FETCHING);
                    let at = t + self.latency(to, from);
                    self.push(at, Event::GetData { from: to, to: from, block });
                }
            }
            Event::GetData { from, to, block } => {
                let (bytes, event) = match self.relay {
                    Relay::Standard => (self.blocks[block as usize].spread.bytes, Event::Arrive { to: from, block }),
                    Relay::Compact => {
                        (self.blocks[block as usize].compact_bytes, Event::Cmpct { from: to, to: from, block })
                    }
                };
                let at = self.upload(t, to, from, bytes);
                self.push(at, event);
            }
            Event::Cmpct { from, to, block } => {
                if self.state(block, to) & (HAS | TXN_ASKED) != 0 {
                    return;
                }
                if self.compact_stream.bernoulli(COMPACT_MISS_RATE) {
                    self.set(block, to, FETCHING | TXN_ASKED);
                    let at = t + self.latency(to, from);
                    self.push(at, Event::GetBlockTxn { from: to, to: from, block });
                } else {
                    self.receive(t, to, block, false);
                }
            }
            Event::GetBlockTxn { from, to, block } => {
                let missing = (self.blocks[block as usize].spread.bytes as f64 * COMPACT_MISSING_SHARE) as u64;
                let at = self.upload(t, to, from, missing.max(1));
                self.push(at, Event::Arrive { to: from, block });
            }
            Event::Arrive { to, block } => self.receive(t, to, block, false),
        }
    }

    /// `node` holds `block` from `t`: count it, hand it to a peer, relay it if it is a new tip.
    fn receive(&mut self, t: u64, node: u32, block: u32, own: bool) {
        if self.state(block, node) & HAS != 0 {
            return;
        }
        self.set(block, node, HAS);
        self.count(t, block);
        if node < self.real && !own {
            self.deliveries.push(Delivery { at_us: t, node, block });
        }
        let height = self.blocks[block as usize].spread.height;
        let new_tip = height > self.best_height[node as usize];
        if new_tip {
            self.best_height[node as usize] = height;
        }
        if own && !new_tip {
            self.announce_to_neighbors(t, node, block);
        } else if new_tip && (own || self.relays_others[node as usize]) {
            // The new tip and the ancestors this node kept without relaying, oldest first.
            let mut chain = vec![block];
            let mut cursor = self.blocks[block as usize].parent;
            while let Some(p) = cursor {
                let s = self.state(p, node);
                if s & HAS == 0 || s & RELAYED != 0 {
                    break;
                }
                chain.push(p);
                cursor = self.blocks[p as usize].parent;
            }
            for &b in chain.iter().rev() {
                self.announce_to_neighbors(t, node, b);
            }
        }
    }

    fn announce_to_neighbors(&mut self, t: u64, node: u32, block: u32) {
        self.set(block, node, RELAYED);
        let count = self.topo.neighbors[node as usize].len();
        for k in 0..count {
            let m = self.topo.neighbors[node as usize][k];
            if self.state(block, m) & (HAS | FETCHING) != 0 {
                continue; // it holds or is fetching the block already: the announcement changes nothing
            }
            if self.relay == Relay::Compact && k < HIGH_BANDWIDTH_PEERS {
                let at = self.upload(t, node, m, self.blocks[block as usize].compact_bytes);
                self.push(at, Event::Cmpct { from: node, to: m, block });
            } else {
                let at = t + self.latency(node, m);
                self.push(at, Event::Inv { from: node, to: m, block });
            }
        }
    }

    fn count(&mut self, t: u64, block: u32) {
        let nodes = self.nodes() as u32;
        let spread = &mut self.blocks[block as usize].spread;
        spread.reached += 1;
        let since = t.saturating_sub(spread.announced_us);
        if spread.to_50_us.is_none() && 2 * spread.reached >= nodes {
            spread.to_50_us = Some(since);
        }
        if spread.to_90_us.is_none() && 10 * spread.reached >= 9 * nodes {
            spread.to_90_us = Some(since);
        }
    }

    /// When `bytes` sent from `from` at `t` reach `to`: after the sender's earlier uploads, the
    /// transmission at the link's bandwidth, the processing time and the latency.
    fn upload(&mut self, t: u64, from: u32, to: u32, bytes: u64) -> u64 {
        let (rf, rt) = (self.topo.region[from as usize] as usize, self.topo.region[to as usize] as usize);
        let bps = self.upload_bps[rf].min(self.download_bps[rt]);
        let transmit = (bytes as f64 * 8.0 / bps * 1e6).ceil() as u64;
        let start = t.max(self.upload_free_us[from as usize]);
        let done = start + transmit + PROCESSING_US;
        self.upload_free_us[from as usize] = done;
        done + self.latency(from, to)
    }

    /// One message's delay, SimBlock's Pareto draw (see `regions`).
    fn latency(&mut self, from: u32, to: u32) -> u64 {
        let (rf, rt) = (self.topo.region[from as usize] as usize, self.topo.region[to as usize] as usize);
        let mean = self.latency_us[rf][rt];
        let shape = 0.2 * mean / 1e3;
        let scale = mean - 5e3;
        (scale / libm::pow(self.latency_stream.unit_open_low(), 1.0 / shape)).round() as u64
    }

    fn push(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, event)));
    }

    fn state(&self, block: u32, node: u32) -> u8 {
        self.blocks[block as usize].state[node as usize]
    }

    fn set(&mut self, block: u32, node: u32, bits: u8) {
        self.blocks[block as usize].state[node as usize] |= bits;
    }
}
