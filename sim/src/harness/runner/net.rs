//! The runner's side of the network model (`[network]`): blocks a peer broadcasts enter the
//! relay engine (`harness::network`), whose events a pump task runs as simulated time passes,
//! handing each block to its peer when it arrives; at the end, each block's spread goes into the
//! trace and the report. Every other message keeps the runner's all-to-all links.

use super::{NETWORK, Shared, deliver, lock};
use crate::harness::network;
use crate::harness::network::relay::{FILL_TX_BYTES, RelayNet, Spread};
use crate::harness::world::ATTACKER;
use crate::scenario::NetworkConfig;
use hemisim_node::btc::sealed::SealedBlock;
use hemisim_node::events::{Input, Message, Observation};
use hemisim_reports::record::PropagationRow;
use madsim::time::sleep;
use std::sync::Arc;
use std::time::Duration;

/// The network model's state in a run: the relay engine, the blocks it carries (by its block
/// index) and the one pump task armed to wake before its next event.
pub(super) struct NetPump {
    net: RelayNet,
    blocks: Vec<Arc<SealedBlock>>,
    /// When the armed pump task wakes, if one is armed.
    armed_us: Option<u64>,
}

impl NetPump {
    /// The run's network over its peers (`names`, in peer order: the attacker never relays
    /// others' blocks) and the relay-only nodes.
    pub(super) fn new(config: &NetworkConfig, seed: u64, names: &[String]) -> Self {
        let relays_others = names.iter().map(|n| n != ATTACKER).collect();
        NetPump { net: network::build(config, seed, relays_others), blocks: Vec::new(), armed_us: None }
    }
}

/// Peer `i` broadcast a block (it mined or published it): it enters the network at `i`.
pub(super) fn announce(shared: &Arc<Shared>, i: usize, block: Arc<SealedBlock>) {
    let now = shared.now().as_us();
    if let Some(network) = &shared.network {
        let mut pump = lock(network);
        let fill = shared.block_fill_bytes;
        // Aggregate demand counts as the transactions it stands for (in its weight, and one
        // short id each in a compact block: every node knows the demand, as a mempool would).
        let bytes = block.weight().div_ceil(4) + fill;
        let demand = block.demand().map_or(0, |d| d.items.len() as u64);
        let txs = block.txs().len() as u64 + demand + fill / FILL_TX_BYTES;
        let index = pump.net.announce(now, i as u32, block.block_hash(), block.header.prev_blockhash, bytes, txs);
        if index as usize == pump.blocks.len() {
            pump.blocks.push(block);
        }
    }
    pump_network(shared);
}

/// Runs the network's events as far as is safe and arms the next wake.
///
/// Nothing announced at `now` or later reaches another node before `now + lookahead` (the
/// shortest message delay), so every event up to then is handled now; the blocks that reach
/// peers are delivered at their own times by one task. The pump then sleeps until one
/// lookahead before the next event (an announcement in between runs it at once). A block a
/// peer mines less than one lookahead after a competing block reached it in the model is
/// announced after that block was already relayed from its node: both are relayed (the model's
/// one approximation, under 10 ms with SimBlock's regions).
fn pump_network(shared: &Arc<Shared>) {
    let Some(network) = &shared.network else { return };
    let now = shared.now().as_us();
    let (deliveries, wake) = {
        let mut pump = lock(network);
        let lookahead = pump.net.lookahead_us();
        pump.net.advance(now + lookahead);
        let deliveries: Vec<Handover> = pump
            .net
            .take_deliveries()
            .into_iter()
            .map(|d| Handover {
                at_us: d.at_us,
                to: d.node as usize,
                from: pump.net.origin_of(d.block) as usize,
                block: pump.blocks[d.block as usize].clone(),
            })
            .collect();
        let wake = pump.net.next_event_us().map(|t| t.saturating_sub(lookahead).max(now));
        let arm = wake.filter(|&w| pump.armed_us.is_none_or(|armed| w < armed));
        if arm.is_some() {
            pump.armed_us = arm;
        }
        (deliveries, arm)
    };
    if !deliveries.is_empty() {
        deliver_blocks(shared, now, deliveries);
    }
    if let Some(wake) = wake {
        let shared = shared.clone();
        madsim::task::spawn(async move {
            sleep(Duration::from_micros(wake - now)).await;
            let network = shared.network.as_ref().expect("only a run with a network arms its pump");
            {
                let mut pump = lock(network);
                if pump.armed_us != Some(wake) {
                    return; // an earlier wake replaced this one and armed its own
                }
                pump.armed_us = None;
            }
            pump_network(&shared);
        });
    }
}

/// One task hands each block to its peer at its time, in time order (ties in the network's
/// order). The sender named is the block's miner (the relay-only nodes are not peers).
fn deliver_blocks(shared: &Arc<Shared>, now: u64, mut deliveries: Vec<Handover>) {
    deliveries.sort_by_key(|d| d.at_us);
    let shared = shared.clone();
    madsim::task::spawn(async move {
        let mut at = now;
        for d in deliveries {
            if d.at_us > at {
                sleep(Duration::from_micros(d.at_us - at)).await;
                at = d.at_us;
            }
            let from = shared.ids[d.from];
            deliver(&shared, d.to, Input::Deliver { from, message: Message::Block(d.block) });
        }
    });
}

/// A block the network brought to peer `to` at `at_us`, mined by peer `from`.
struct Handover {
    at_us: u64,
    to: usize,
    from: usize,
    block: Arc<SealedBlock>,
}

/// At the end of a run with a network: each block's spread into the trace, in announcement
/// order, under [`NETWORK`], and the rows the report shows of them (computed once for both).
pub(super) fn record_spreads(shared: &Arc<Shared>) -> Option<Vec<PropagationRow>> {
    let network = shared.network.as_ref()?;
    let (spreads, nodes) = {
        let pump = lock(network);
        (pump.net.spreads(), pump.net.nodes())
    };
    let now = shared.now();
    if let Some(recorder) = lock(&shared.recorder).as_mut() {
        for s in &spreads {
            let (hash, bytes, reached, to_50_us, to_90_us) = (s.hash, s.bytes, s.reached, s.to_50_us, s.to_90_us);
            recorder.observe(now, NETWORK, Observation::BlockSpread { hash, bytes, reached, to_50_us, to_90_us });
        }
    }
    Some(propagation_rows(spreads, nodes, &shared.names))
}

/// What the report shows of each block's spread: announcement, size and the times to reach
/// half and nine tenths of the network's `nodes`.
fn propagation_rows(spreads: Vec<Spread>, nodes: usize, names: &[String]) -> Vec<PropagationRow> {
    spreads
        .into_iter()
        .map(|s| PropagationRow {
            height: s.height,
            hash: s.hash.to_string(),
            origin: names.get(s.origin as usize).cloned().unwrap_or_default(),
            bytes: s.bytes,
            announced_at_us: s.announced_us,
            nodes: nodes as u32,
            reached: s.reached,
            to_50_us: s.to_50_us,
            to_90_us: s.to_90_us,
        })
        .collect()
}
