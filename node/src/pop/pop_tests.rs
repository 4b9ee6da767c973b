//! Proof-of-Proof state machines on a hand-driven Bitcoin node: the PoP transaction's format,
//! the miner's policy (skip published keystones, fee cap and retry, the polled window), the
//! keystone index through a reorg, superfinality with inheritance and reverts, and the fork
//! records the PoP fork choice reads from the tracker's index.

use super::finality::FinalityTracker;
use super::fork_choice::{ForkChoiceParams, ForkRecord, ForkWinner, KeystoneRecord, compare_forks};
use super::index::KeystoneIndex;
use super::keystone::{AbbreviatedKeystone, KEYSTONE_VERSION, Keystone};
use super::maker::MadeKeystone;
use super::miner::{PopMiner, PopMinerConfig, pop_transaction};
use crate::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
use crate::btc::genesis::{Allocation, genesis_block};
use crate::btc::node::BitcoinNode;
use crate::btc::params::{ChainParams, SUBSIDY};
use crate::btc::script::p2pkh_for;
use crate::btc::sealed::{SealedBlock, SealedTx};
use crate::btc::wallet::Wallet;
use crate::events::{Action, Message, Observation, Timer};
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::units::{BtcHeight, FeeRate, L2Number};
use bitcoin::hashes::Hash;
use bitcoin::{Amount, BlockHash, Transaction};
use std::sync::Arc;

const PARAMS: ChainParams = ChainParams { max_block_weight: 4_000_000 };
const MINER: &str = "pop-miner-0";
const OTHER: &str = "pop-miner-1";

fn genesis() -> Arc<SealedBlock> {
    let coins = |name| Allocation { script: p2pkh_for(name), value: Amount::from_sat(1_000_000), count: 4 };
    SealedBlock::seal(genesis_block(&[coins(MINER), coins(OTHER)]))
}

fn node(genesis: &Arc<SealedBlock>) -> BitcoinNode {
    BitcoinNode::new(PARAMS, genesis.clone(), &[p2pkh_for(MINER), p2pkh_for(OTHER)], 0.0, Stream::derive(0, "tie"))
}

fn made(l2_number: u32) -> Arc<MadeKeystone> {
    let byte = l2_number as u8;
    let keystone = Keystone {
        version: KEYSTONE_VERSION,
        l1_block_number: 1,
        l2_block_number: l2_number,
        parent_hash: [byte; 32],
        prev_keystone_hash: [byte.wrapping_sub(1); 32],
        state_root: [byte ^ 0x55; 32],
        block_hash: [byte ^ 0xaa; 32],
    };
    Arc::new(MadeKeystone::new(keystone, SimTime(u64::from(l2_number))))
}

/// Mines a block on `parent` holding `txs` (fees left unclaimed) and gives it to `nodes`.
fn block_on(
    parent: BlockHash,
    height: u32,
    txs: Vec<Transaction>,
    tag: &str,
    nodes: &mut [&mut BitcoinNode],
) -> Arc<SealedBlock> {
    let coinbase = simple_coinbase(CoinbaseTag { height, miner: tag, extra_nonce: 0 }, p2pkh_for(tag), SUBSIDY);
    let mut txdata = vec![coinbase];
    txdata.extend(txs);
    let block = SealedBlock::seal(mine_block(parent, SimTime(u64::from(height) * 600_000_000), txdata));
    for node in nodes.iter_mut() {
        node.receive_block(block.clone());
    }
    block
}

/// Extends `node`'s tip by `n` empty blocks.
fn extend(node: &mut BitcoinNode, n: u32, tag: &str) {
    for _ in 0..n {
        let (tip, height) = (node.tip(), node.tip_height());
        block_on(tip, height.0 + 1, vec![], tag, &mut [node]);
    }
}

fn config() -> PopMinerConfig {
    PopMinerConfig {
        poll_interval: SimDuration::from_secs(13),
        keystones_polled: 12,
        fee_target_blocks: 6,
        fee_cap: FeeRate::from_sat_per_vb(100.0),
        fee_retry: SimDuration::from_secs(300),
        block_weight: PARAMS.max_block_weight,
    }
}

fn miner(node: &mut BitcoinNode, genesis: &Arc<SealedBlock>) -> PopMiner {
    named_miner(MINER, node, genesis)
}

fn named_miner(name: &str, node: &mut BitcoinNode, genesis: &Arc<SealedBlock>) -> PopMiner {
    let mut wallet = Wallet::new(name);
    wallet.apply(&node.take_coin_deltas());
    PopMiner::new(wallet, config(), genesis.block_hash(), SimDuration::from_secs(1))
}

fn sent_txs(out: &[Action]) -> Vec<Arc<SealedTx>> {
    out.iter()
        .filter_map(|a| match a {
            Action::Broadcast(Message::Tx(tx)) => Some(tx.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_pop_transaction_is_hemis_layout_and_pays_its_fee_rate() {
    let k = made(25);
    let coin =
        (bitcoin::OutPoint { txid: bitcoin::Txid::from_byte_array([7; 32]), vout: 1 }, Amount::from_sat(1_000_000));
    let tx = pop_transaction(&k, coin, &p2pkh_for(MINER), FeeRate::from_sat_per_vb(3.0), BtcHeight(812_345));
    assert_eq!(tx.version, bitcoin::transaction::Version::TWO);
    assert_eq!(tx.lock_time.to_consensus_u32(), 812_345, "lock time = the Bitcoin tip height");
    assert_eq!(tx.input.len(), 1);
    assert_eq!(tx.output.len(), 2, "change, then the OP_RETURN");
    assert_eq!(tx.output[0].script_pubkey, p2pkh_for(MINER));
    assert_eq!(tx.output[1].value, Amount::ZERO);
    assert_eq!(tx.output[1].script_pubkey.len(), 83);
    assert_eq!(AbbreviatedKeystone::from_pop_transaction(&tx), Ok(k.keystone.abbreviate()));
    let fee = 1_000_000 - tx.output[0].value.to_sat();
    assert_eq!(fee, (3.0 * tx.vsize() as f64).ceil() as u64);
    assert!((280..=300).contains(&tx.vsize()), "about 285 vB (docs/protocol.md §3), got {}", tx.vsize());
    let dusty = pop_transaction(
        &k,
        (bitcoin::OutPoint::null(), Amount::from_sat(1_000)),
        &p2pkh_for(MINER),
        FeeRate::from_sat_per_vb(3.0),
        BtcHeight(1),
    );
    assert_eq!(dusty.output.len(), 1, "change below dust is dropped: only the OP_RETURN is left");
}

#[test]
fn a_miner_publishes_new_keystones_once_and_skips_those_already_in_a_block() {
    let g = genesis();
    let mut n = node(&g);
    let mut pm = miner(&mut n, &g);
    let mut out = Vec::new();
    pm.on_keystone(SimTime(0), made(25), &mut n, &mut out);
    let sent = sent_txs(&out);
    assert_eq!(sent.len(), 1);
    assert!(out.iter().any(|a| matches!(a, Action::Observe(Observation::PopTxSent { l2_number: L2Number(25), .. }))));
    // Polling again does not send twice: the keystone waits for its publication.
    let mut again = Vec::new();
    pm.on_poll(SimTime(13_000_000), &mut n, &mut again);
    assert!(sent_txs(&again).is_empty());
    assert!(again.iter().any(|a| matches!(a, Action::Schedule { timer: Timer::PopPoll, .. })));

    // Someone else publishes keystone 50 before this miner hears of it: it is skipped.
    let mut other_node = node(&g);
    let mut other = named_miner(OTHER, &mut other_node, &g);
    let mut other_out = Vec::new();
    other.on_keystone(SimTime(0), made(50), &mut other_node, &mut other_out);
    let theirs = sent_txs(&other_out);
    let tip = n.tip();
    block_on(tip, 1, vec![sent[0].tx().clone(), theirs[0].tx().clone()], "m", &mut [&mut n]);
    let mut late = Vec::new();
    pm.on_keystone(SimTime(20_000_000), made(50), &mut n, &mut late);
    assert!(sent_txs(&late).is_empty(), "keystone 50 is already in a block");
    assert!(pm.sees_published(&made(50).hash));
}

#[test]
fn an_estimate_over_the_cap_postpones_the_keystone_by_the_retry_time() {
    let g = genesis();
    let mut n = node(&g);
    let mut pm = PopMiner::new(
        Wallet::new(MINER),
        PopMinerConfig { fee_cap: FeeRate::from_sat_per_vb(0.5), ..config() },
        g.block_hash(),
        SimDuration::ZERO,
    );
    pm.wallet.apply(&n.take_coin_deltas());
    let mut out = Vec::new();
    pm.on_keystone(SimTime(0), made(25), &mut n, &mut out);
    assert!(sent_txs(&out).is_empty());
    assert!(
        out.iter().any(|a| matches!(a, Action::Observe(Observation::PopFeeOverCap { l2_number: L2Number(25), .. })))
    );
    // Before the retry time nothing is tried; at it, it is tried again (and deferred again).
    let mut early = Vec::new();
    pm.on_poll(SimTime(299_000_000), &mut n, &mut early);
    assert!(!early.iter().any(|a| matches!(a, Action::Observe(Observation::PopFeeOverCap { .. }))));
    let mut due = Vec::new();
    pm.on_poll(SimTime(300_000_000), &mut n, &mut due);
    assert!(due.iter().any(|a| matches!(a, Action::Observe(Observation::PopFeeOverCap { .. }))));
}

#[test]
fn only_the_latest_polled_keystones_are_kept() {
    let g = genesis();
    let mut n = node(&g);
    let mut pm = PopMiner::new(
        Wallet::new(MINER),
        PopMinerConfig { keystones_polled: 2, fee_cap: FeeRate::from_sat_per_vb(0.5), ..config() },
        g.block_hash(),
        SimDuration::ZERO,
    );
    let mut out = Vec::new();
    for k in [25, 50, 75] {
        pm.on_keystone(SimTime(0), made(k), &mut n, &mut out);
    }
    let mut retry = Vec::new();
    pm.on_poll(SimTime(400_000_000), &mut n, &mut retry);
    let retried: Vec<L2Number> = retry
        .iter()
        .filter_map(|a| match a {
            Action::Observe(Observation::PopFeeOverCap { l2_number, .. }) => Some(*l2_number),
            _ => None,
        })
        .collect();
    assert_eq!(retried, [L2Number(50), L2Number(75)], "keystone 25 fell out of the window");
}

#[test]
fn the_index_keeps_the_lowest_publication_and_unwinds_it_with_its_block() {
    let g = genesis();
    let mut n = node(&g);
    let mut pm = miner(&mut n, &g);
    let mut out = Vec::new();
    pm.on_keystone(SimTime(0), made(25), &mut n, &mut out);
    let tx = sent_txs(&out)[0].tx().clone();
    let mut index = KeystoneIndex::new(g.block_hash());
    let a1 = block_on(g.block_hash(), 1, vec![tx.clone()], "a", &mut [&mut n]);
    let a2 = block_on(a1.block_hash(), 2, vec![], "a", &mut [&mut n]);
    let delta = index.sync(&n);
    assert_eq!(delta.added.len(), 1);
    assert_eq!(index.first_publication(&made(25).hash).map(|p| p.height), Some(BtcHeight(1)));
    // A longer branch without it (3 blocks from genesis) unwinds the publication; the
    // transaction returns to the mempool and the branch's next block carries it at height 4.
    let b1 = block_on(g.block_hash(), 1, vec![], "b", &mut [&mut n]);
    let b2 = block_on(b1.block_hash(), 2, vec![], "b", &mut [&mut n]);
    let b3 = block_on(b2.block_hash(), 3, vec![], "b", &mut [&mut n]);
    assert_eq!(n.tip(), b3.block_hash());
    let delta = index.sync(&n);
    assert_eq!(delta.removed.len(), 1);
    assert!(!index.contains(&made(25).hash));
    assert!(n.mempool().contains(&tx.compute_txid()));
    block_on(b3.block_hash(), 4, vec![tx], "b", &mut [&mut n]);
    index.sync(&n);
    assert_eq!(index.first_publication(&made(25).hash).map(|p| p.height), Some(BtcHeight(4)));
    assert_ne!(a2.block_hash(), n.tip());
}

/// Publishes keystones `numbers` in one block on `node`'s tip; returns the block.
fn publish(node: &mut BitcoinNode, pm: &mut PopMiner, numbers: &[u32], tag: &str) -> Arc<SealedBlock> {
    let mut out = Vec::new();
    for &k in numbers {
        pm.on_keystone(SimTime(0), made(k), node, &mut out);
    }
    let txs = sent_txs(&out).iter().map(|t| t.tx().clone()).collect();
    let (tip, height) = (node.tip(), node.tip_height());
    block_on(tip, height.0 + 1, txs, tag, &mut [node])
}

fn superfinal(obs: &[Observation]) -> Vec<L2Number> {
    obs.iter()
        .filter_map(|o| match o {
            Observation::Superfinal { l2_number, .. } => Some(*l2_number),
            _ => None,
        })
        .collect()
}

#[test]
fn a_keystone_is_superfinal_at_depth_and_earlier_ones_inherit_it() {
    let g = genesis();
    let mut n = node(&g);
    let mut pm = miner(&mut n, &g);
    let mut tracker = FinalityTracker::new(3, g.block_hash());
    for k in [25, 50, 75] {
        assert!(tracker.on_keystone(&made(k), &n).is_empty());
    }
    // Keystone 50 alone is published (25 never is); 75 is published a block later.
    publish(&mut n, &mut pm, &[50], "m");
    assert!(superfinal(&tracker.on_bitcoin_change(&n)).is_empty());
    publish(&mut n, &mut pm, &[75], "m");
    extend(&mut n, 1, "m");
    assert!(superfinal(&tracker.on_bitcoin_change(&n)).is_empty(), "tip 3, publication at 1: 2 on top");
    extend(&mut n, 1, "m");
    assert_eq!(superfinal(&tracker.on_bitcoin_change(&n)), [L2Number(50)], "3 on top: 50 and, by inheritance, 25");
    extend(&mut n, 1, "m");
    assert_eq!(superfinal(&tracker.on_bitcoin_change(&n)), [L2Number(75)]);
    assert_eq!(tracker.superfinal_through(), L2Number(75));
    extend(&mut n, 1, "m");
    assert!(tracker.on_bitcoin_change(&n).is_empty(), "nothing new");
}

#[test]
fn a_reorg_deeper_than_the_depth_reverts_superfinality_and_is_reported() {
    let g = genesis();
    let mut n = node(&g);
    let mut pm = miner(&mut n, &g);
    let mut tracker = FinalityTracker::new(1, g.block_hash());
    tracker.on_keystone(&made(25), &n);
    publish(&mut n, &mut pm, &[25], "a");
    extend(&mut n, 1, "a");
    assert_eq!(superfinal(&tracker.on_bitcoin_change(&n)), [L2Number(25)]);
    // A 3-block branch from genesis without the publication (its transaction is left out).
    let b1 = block_on(g.block_hash(), 1, vec![], "b", &mut [&mut n]);
    let b2 = block_on(b1.block_hash(), 2, vec![], "b", &mut [&mut n]);
    block_on(b2.block_hash(), 3, vec![], "b", &mut [&mut n]);
    let obs = tracker.on_bitcoin_change(&n);
    assert!(obs.iter().any(|o| matches!(o, Observation::PublicationUnwound { l2_number: L2Number(25), .. })));
    assert!(
        obs.iter().any(|o| matches!(
            o,
            Observation::SuperfinalityReverted { from_l2_number: L2Number(25), to_l2_number: L2Number(0), .. }
        )),
        "{obs:?}"
    );
    assert_eq!(tracker.reverts, 1);
    // Republished and confirmed again: no new "superfinal" (it was already reported), no revert.
    let (tip, height) = (n.tip(), n.tip_height());
    let pending: Vec<Transaction> =
        n.mempool().select(PARAMS.max_block_weight).0.iter().map(|t| t.tx().clone()).collect();
    block_on(tip, height.0 + 1, pending, "b", &mut [&mut n]);
    extend(&mut n, 1, "b");
    let obs = tracker.on_bitcoin_change(&n);
    assert!(obs.iter().any(|o| matches!(o, Observation::KeystonePublished { l2_number: L2Number(25), .. })));
    assert!(superfinal(&obs).is_empty());
    assert_eq!(tracker.reverts, 1);
}

/// A keystone of a competing fork at `l2_number`: another block, so another hash.
fn rival(l2_number: u32) -> Arc<MadeKeystone> {
    let mut keystone = made(l2_number).keystone;
    keystone.state_root = [0xee; 32];
    Arc::new(MadeKeystone::new(keystone, SimTime(u64::from(l2_number))))
}

#[test]
fn fork_records_come_from_the_trackers_index_and_feed_the_fork_choice() {
    let g = genesis();
    let mut n = node(&g);
    let mut pm = miner(&mut n, &g);
    // Its coins come from a node of its own: `pm` already took `n`'s coin deltas.
    let mut colluding = named_miner(OTHER, &mut node(&g), &g);
    let mut tracker = FinalityTracker::new(10, g.block_hash());
    let honest = [made(25), made(50)];
    let attacker = [rival(25), rival(50)];
    // Honest 25 at height 1, the attacker's 25 at height 2 (by another miner: one miner tracks
    // one keystone per L2 number); honest 50 at height 3 and the attacker's 50 never: its fork
    // drops out at keystone 50.
    publish(&mut n, &mut pm, &[25], "m");
    let mut out = Vec::new();
    colluding.on_keystone(SimTime(0), attacker[0].clone(), &mut n, &mut out);
    let txs = sent_txs(&out).iter().map(|t| t.tx().clone()).collect();
    let (tip, height) = (n.tip(), n.tip_height());
    block_on(tip, height.0 + 1, txs, "m", &mut [&mut n]);
    publish(&mut n, &mut pm, &[50], "m");
    tracker.on_bitcoin_change(&n);
    let index = tracker.keystone_index();
    let honest_fork = ForkRecord::from_index(L2Number(60), honest.iter().map(|k| k.as_ref()), index);
    let attacker_fork = ForkRecord::from_index(L2Number(60), attacker.iter().map(|k| k.as_ref()), index);
    let record = |k, h: Option<u32>| KeystoneRecord { l2_number: L2Number(k), first_publication: h.map(BtcHeight) };
    assert_eq!(honest_fork.keystones, [record(25, Some(1)), record(50, Some(3))]);
    assert_eq!(attacker_fork.keystones, [record(25, Some(2)), record(50, None)]);
    let result = compare_forks(&ForkChoiceParams::hemi(), L2Number(10), &honest_fork, &attacker_fork);
    assert_eq!((result.winner, result.score_a, result.score_b), (ForkWinner::A, 200_000, 100_000));
}
