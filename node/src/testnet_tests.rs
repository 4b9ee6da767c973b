//! Whole-node behaviour on the in-memory [`TestNet`]: peers with their real duties, exchanging
//! real messages, with zero delay.

use crate::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
use crate::btc::genesis::{Allocation, genesis_block};
use crate::btc::miner::Miner;
use crate::btc::node::BitcoinNode;
use crate::btc::params::{ChainParams, SUBSIDY};
use crate::btc::script::p2pkh_for;
use crate::btc::sealed::SealedBlock;
use crate::btc::wallet::Wallet;
use crate::events::{Message, Observation};
use crate::l2::genesis::L2GenesisSpec;
use crate::l2::sequencer::{Sequencer, SequencerConfig};
use crate::l2::verifier::Verifier;
use crate::peer::duty::{Ctx, Duty};
use crate::peer::{Peer, PeerId};
use crate::pop::finality::FinalityTracker;
use crate::pop::miner::{PopMiner, PopMinerConfig};
use crate::rng::Stream;
use crate::testnet::TestNet;
use crate::time::{SimDuration, SimTime};
use crate::units::{BtcHeight, FeeRate, L2Number};
use bitcoin::{Amount, BlockHash};
use revm::primitives::{Address, B256};
use std::sync::Arc;

const PARAMS: ChainParams = ChainParams { max_block_weight: 4_000_000 };

/// The chains every peer of a test starts from.
struct Genesis {
    btc: Arc<SealedBlock>,
    l2: L2GenesisSpec,
    l2_hash: B256,
}

fn genesis(allocations: &[Allocation]) -> Genesis {
    let btc = SealedBlock::seal(genesis_block(allocations));
    let l2 = L2GenesisSpec::new(0);
    let l2_hash = l2.block(&l2.hvm(), &btc).hash();
    Genesis { btc, l2, l2_hash }
}

fn node(g: &Genesis, id: PeerId, watch: &[bitcoin::ScriptBuf]) -> BitcoinNode {
    BitcoinNode::new(PARAMS, g.btc.clone(), watch, 0.0, Stream::derive(0, &format!("{id}/tie-break")))
}

fn sequencer(g: &Genesis, keystone_interval_blocks: Option<u32>) -> Sequencer {
    let config = SequencerConfig {
        block_time: SimDuration::from_secs(12),
        gas_limit: 30_000_000,
        max_headers_per_block: 3,
        mempool_capacity: 100,
        beneficiary: Address::ZERO,
        keystone_interval_blocks,
        tunnel: None,
        settlement: None,
        censorship: Default::default(),
        halts: Vec::new(),
    };
    Sequencer::new(config, g.l2.hvm(), &g.btc, g.l2_hash)
}

fn verifier(g: &Genesis, index: u32) -> Peer {
    let duty = Verifier::new(g.l2.hvm(), &g.btc, g.l2_hash, 3, Address::ZERO, None);
    Peer::new(PeerId::verifier(index), node(g, PeerId::verifier(index), &[]), vec![Box::new(duty)])
}

fn miner(g: &Genesis, index: u32, mean_interval_s: f64) -> Peer {
    let id = PeerId::miner(index);
    let duty = Miner::new(&id.to_string(), mean_interval_s, Stream::derive(7, &format!("{id}/mining")));
    Peer::new(id, node(g, id, &[]), vec![Box::new(duty)])
}

fn verified(net: &TestNet, id: PeerId) -> Vec<L2Number> {
    net.observed_by(id)
        .filter_map(|o| if let Observation::L2BlockVerified { number } = o { Some(*number) } else { None })
        .collect()
}

/// A duty that sends one message to one peer when its peer starts.
#[derive(Debug)]
struct SendOnStart {
    to: PeerId,
    message: Option<Message>,
}

impl Duty for SendOnStart {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        if let Some(message) = self.message.take() {
            cx.send_to(self.to, message);
        }
    }
}

#[test]
fn a_duty_can_send_a_message_to_one_peer_only() {
    let g = genesis(&[]);
    let block = sequencer(&g, None).produce(SimTime(12_000_000), &node(&g, PeerId::SEQUENCER, &[])).block;
    let sender = SendOnStart { to: PeerId::verifier(1), message: Some(Message::L2Block(block)) };
    let net = TestNet::new(vec![
        verifier(&g, 0),
        verifier(&g, 1),
        Peer::new(PeerId::SEQUENCER, node(&g, PeerId::SEQUENCER, &[]), vec![Box::new(sender)]),
    ]);
    assert_eq!(verified(&net, PeerId::verifier(1)), [L2Number(1)], "the addressee got block 1");
    assert_eq!(
        verified(&net, PeerId::verifier(0)),
        Vec::<L2Number>::new(),
        "the other verifier, in the same audience, did not"
    );
}

#[test]
fn every_block_the_sequencer_produces_is_verified_by_every_verifier() {
    let g = genesis(&[]);
    let seq = Peer::new(PeerId::SEQUENCER, node(&g, PeerId::SEQUENCER, &[]), vec![Box::new(sequencer(&g, None))]);
    let mut net = TestNet::new(vec![miner(&g, 0, 60.0), seq, verifier(&g, 0), verifier(&g, 1)]);
    net.run_until(SimTime(600_000_000));
    let produced: Vec<L2Number> = net
        .observed_by(PeerId::SEQUENCER)
        .filter_map(|o| if let Observation::L2BlockProduced { number, .. } = o { Some(*number) } else { None })
        .collect();
    assert_eq!(produced, (1..=50).map(L2Number).collect::<Vec<_>>(), "one block every 12 s for 600 s");
    let carried = net
        .observed_by(PeerId::SEQUENCER)
        .filter_map(|o| {
            if let Observation::L2BlockProduced { btc_tip_height, .. } = o { Some(*btc_tip_height) } else { None }
        })
        .max();
    assert!(carried > Some(BtcHeight(3)), "the blocks carried the Bitcoin chain as it grew: {carried:?}");
    for v in [PeerId::verifier(0), PeerId::verifier(1)] {
        assert_eq!(verified(&net, v), produced, "{v} verified every block, in order");
        assert!(!net.observed_by(v).any(|o| matches!(o, Observation::L2Mismatch { .. })));
    }
}

#[test]
fn keystones_are_published_on_bitcoin_and_become_superfinal() {
    let pop_id = PeerId::pop_miner(0);
    let pop_script = p2pkh_for(&pop_id.to_string());
    let g = genesis(&[Allocation { script: pop_script.clone(), value: Amount::from_sat(1_000_000), count: 20 }]);
    let seq = Peer::new(PeerId::SEQUENCER, node(&g, PeerId::SEQUENCER, &[]), vec![Box::new(sequencer(&g, Some(5)))]);
    let config = PopMinerConfig {
        poll_interval: SimDuration::from_secs(13),
        keystones_polled: 12,
        fee_target_blocks: 6,
        fee_cap: FeeRate::from_sat_per_vb(100.0),
        fee_retry: SimDuration::from_secs(300),
        block_weight: PARAMS.max_block_weight,
    };
    let pop = PopMiner::new(Wallet::new(&pop_id.to_string()), config, g.btc.block_hash(), SimDuration::from_secs(5));
    let pop = Peer::new(pop_id, node(&g, pop_id, &[pop_script]), vec![Box::new(pop)]);
    let tracker = FinalityTracker::new(2, g.btc.block_hash());
    let observer = Peer::new(PeerId::OBSERVER, node(&g, PeerId::OBSERVER, &[]), vec![Box::new(tracker)]);
    let mut net = TestNet::new(vec![miner(&g, 0, 60.0), seq, pop, observer]);
    net.run_until(SimTime(3_600_000_000));
    let published =
        net.observed_by(PeerId::OBSERVER).filter(|o| matches!(o, Observation::KeystonePublished { .. })).count();
    let superfinal = net
        .observed_by(PeerId::OBSERVER)
        .filter_map(|o| if let Observation::Superfinal { l2_number, .. } = o { Some(*l2_number) } else { None })
        .max();
    assert!(published > 10, "keystones of every 5th block, an hour long: {published} published");
    assert!(superfinal.is_some_and(|n| n >= L2Number(100)), "superfinal through {superfinal:?}");
    assert!(net.observed_by(pop_id).any(|o| matches!(o, Observation::PopTxSent { .. })));
}

/// A Bitcoin block on `parent` at `height`, found by `miner` (a distinct block per miner).
fn btc_block(parent: BlockHash, height: u32, miner: &str) -> Arc<SealedBlock> {
    let tag = CoinbaseTag { height, miner, extra_nonce: 0 };
    let coinbase = simple_coinbase(tag, p2pkh_for(miner), SUBSIDY);
    SealedBlock::seal(mine_block(parent, SimTime(u64::from(height) * 600_000_000), vec![coinbase]))
}

#[test]
fn a_verifier_fetches_a_bitcoin_block_a_reorg_took_away_before_it_ever_saw_it() {
    let g = genesis(&[]);
    let seq = Peer::new(PeerId::SEQUENCER, node(&g, PeerId::SEQUENCER, &[]), vec![Box::new(sequencer(&g, None))]);
    let mut net = TestNet::new(vec![seq.with_catch_up(), verifier(&g, 0).with_catch_up()]);
    // Only the sequencer's node sees block A (the verifier is down, say); L2 block 1 carries it.
    let a = btc_block(g.btc.block_hash(), 1, "a");
    net.peer_mut(PeerId::SEQUENCER).node.receive_block(a.clone());
    net.run_until(SimTime(12_000_000));
    assert_eq!(verified(&net, PeerId::verifier(0)), [], "block 1 waits for Bitcoin block A");
    // A branch with more work replaces A everywhere: no node will gossip or sync A again.
    let b1 = btc_block(g.btc.block_hash(), 1, "b");
    let b2 = btc_block(b1.block_hash(), 2, "b");
    for id in [PeerId::SEQUENCER, PeerId::verifier(0)] {
        for block in [&b1, &b2] {
            net.peer_mut(id).node.receive_block(block.clone());
        }
    }
    assert_eq!(net.peer(PeerId::SEQUENCER).node.tip(), b2.block_hash(), "A is off the active chain");
    // L2 block 2 (carrying the reorg to B) arrives 12 s into the wait: the verifier asks the
    // sequencer's node for A by hash and verifies both.
    net.run_until(SimTime(24_000_000));
    assert_eq!(verified(&net, PeerId::verifier(0)), [L2Number(1), L2Number(2)]);
    let verifier_btc = &net.peer(PeerId::verifier(0)).node;
    assert!(verifier_btc.knows(&a.block_hash()), "A was fetched");
    assert_eq!(verifier_btc.tip(), b2.block_hash(), "and stays off its active chain");
}
