//! Sequencer, verifier and workload together, driven by hand like the harness drives them.

use super::block::{BtcAttributes, L2Block, L2Header};
use super::chain::{BlockInputs, Body, ChainRules, Head, HeaderField, ImportError, L2Chain, Mismatch, RewindError};
use super::genesis::L2GenesisSpec;
use super::genesis::{READER, TOKEN};
use super::hvm::contracts;
use super::sequencer::next_attributes;
use super::sequencer::{Sequencer, SequencerConfig};
use super::tx::{RefusalReason, Submission};
use super::verifier::{Verdict, Verifier};
use super::workload::{Workload, WorkloadConfig, account_address};
use crate::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
use crate::btc::genesis::genesis_block;
use crate::btc::node::BitcoinNode;
use crate::btc::params::{ChainParams, SUBSIDY};
use crate::btc::script::p2pkh_for;
use crate::btc::sealed::SealedBlock;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::units::{BtcHeight, L2Number};
use bitcoin::BlockHash;
use revm::primitives::{Address, B256};
use std::sync::Arc;

const PARAMS: ChainParams = ChainParams { max_block_weight: 4_000_000 };

struct World {
    btc_genesis: Arc<SealedBlock>,
    spec: L2GenesisSpec,
    l2_genesis: B256,
}

fn world(accounts: u32) -> World {
    let btc_genesis = SealedBlock::seal(genesis_block(&[]));
    let spec = L2GenesisSpec::new(accounts);
    let l2_genesis = spec.block(&spec.hvm(), &btc_genesis).hash();
    World { btc_genesis, spec, l2_genesis }
}

/// The Bitcoin attributes every block of a chain without a settlement layer has.
fn attributes(block: &L2Block) -> &BtcAttributes {
    block.attributes.as_ref().expect("a chain without a settlement layer: attributes in every block")
}

fn btc_node(w: &World) -> BitcoinNode {
    BitcoinNode::new(PARAMS, w.btc_genesis.clone(), &[], 0.0, Stream::derive(0, "tie"))
}

fn sequencer(w: &World, mempool_capacity: usize) -> Sequencer {
    let config = SequencerConfig {
        block_time: SimDuration::from_secs(12),
        gas_limit: 30_000_000,
        max_headers_per_block: 3,
        mempool_capacity,
        beneficiary: Address::ZERO,
        keystone_interval_blocks: None,
        tunnel: None,
        settlement: None,
        censorship: Default::default(),
        halts: Vec::new(),
    };
    Sequencer::new(config, w.spec.hvm(), &w.btc_genesis, w.l2_genesis)
}

fn verifier(w: &World) -> Verifier {
    Verifier::new(w.spec.hvm(), &w.btc_genesis, w.l2_genesis, 3, Address::ZERO, None)
}

/// Mines `n` blocks on `parent` by `miner`, feeding them to every node; returns them.
fn mine(
    nodes: &mut [&mut BitcoinNode],
    parent: BlockHash,
    from_height: u32,
    n: u32,
    miner: &str,
) -> Vec<Arc<SealedBlock>> {
    let mut parent = parent;
    (1..=n)
        .map(|i| {
            let tag = CoinbaseTag { height: from_height + i, miner, extra_nonce: 0 };
            let block = SealedBlock::seal(mine_block(
                parent,
                SimTime(i as u64),
                vec![simple_coinbase(tag, p2pkh_for(miner), SUBSIDY)],
            ));
            for node in nodes.iter_mut() {
                node.receive_block(block.clone());
            }
            parent = block.block_hash();
            block
        })
        .collect()
}

fn users(accounts: u32) -> Workload {
    users_escaping(accounts, None)
}

/// Users who escape through the portal after `force_after`.
fn users_escaping(accounts: u32, force_after: Option<SimDuration>) -> Workload {
    let address =
        bitcoin::Address::from_script(&p2pkh_for("miner-0"), bitcoin::Network::Regtest).expect("p2pkh").to_string();
    let config = WorkloadConfig {
        tx_rate_per_s: 10.0,
        mix: [1.0, 1.0, 1.0],
        gas_price: 0,
        token: TOKEN,
        token_transfer: contracts::token_transfer_calldata,
        reader: READER,
        reader_call: contracts::reader_calldata,
        btc_addresses: vec![address],
        force_after,
    };
    Workload::new(config, accounts, Stream::derive(1, "users"))
}

#[test]
fn blocks_ingest_three_headers_at_a_time_and_verifiers_agree() {
    let w = world(50);
    let mut btc = btc_node(&w);
    let mut seq = sequencer(&w, 1_000);
    let mut ver = verifier(&w);
    let mut users = users(50);
    mine(&mut [&mut btc], w.btc_genesis.block_hash(), 0, 7, "miner-0");
    for i in 0..30 {
        if let Some(s) = users.arrival(SimTime(i)) {
            seq.submit(s).expect("room in the mempool");
        }
    }
    let first = seq.produce(SimTime(12_000_000), &btc);
    assert_eq!(attributes(&first.block).headers.len(), 3, "at most 3 headers per block");
    assert_eq!(first.block.header.btc_tip_height, BtcHeight(3));
    assert_eq!(first.block.txs.len(), 30, "all fit");
    let second = seq.produce(SimTime(24_000_000), &btc);
    let third = seq.produce(SimTime(36_000_000), &btc);
    assert_eq!((second.block.header.btc_tip_height, third.block.header.btc_tip_height), (BtcHeight(6), BtcHeight(7)));
    for block in [&first.block, &second.block, &third.block] {
        users.on_block(block);
        assert_eq!(ver.on_block(block.clone(), &btc), vec![Verdict::Verified { number: block.header.number }]);
    }
}

#[test]
fn a_bitcoin_reorg_moves_the_carried_tip_and_verifiers_follow() {
    let w = world(10);
    let (mut btc, mut verifier_btc) = (btc_node(&w), btc_node(&w));
    let mut seq = sequencer(&w, 100);
    let mut ver = verifier(&w);
    let a = mine(&mut [&mut btc, &mut verifier_btc], w.btc_genesis.block_hash(), 0, 2, "miner-0");
    let first = seq.produce(SimTime(12_000_000), &btc);
    assert_eq!(first.block.header.btc_tip_hash, a[1].block_hash());
    // A longer branch from the genesis replaces it, first at the sequencer only.
    let b = mine(&mut [&mut btc], w.btc_genesis.block_hash(), 0, 3, "miner-1");
    let second = seq.produce(SimTime(24_000_000), &btc);
    assert_eq!(attributes(&second.block).fork_height, BtcHeight(0), "forks below the old carried tip");
    assert_eq!(second.block.header.btc_tip_hash, b[2].block_hash());
    assert_eq!(ver.on_block(first.block.clone(), &verifier_btc).len(), 1);
    assert!(ver.on_block(second.block.clone(), &verifier_btc).is_empty(), "waits for Bitcoin blocks it has not seen");
    for block in &b {
        verifier_btc.receive_block(block.clone());
    }
    assert_eq!(ver.on_bitcoin_change(&verifier_btc), vec![Verdict::Verified { number: L2Number(2) }]);
}

#[test]
fn a_tampered_state_root_is_a_mismatch() {
    let w = world(10);
    let btc = btc_node(&w);
    let mut seq = sequencer(&w, 100);
    let mut ver = verifier(&w);
    let good = seq.produce(SimTime(12_000_000), &btc).block;
    let header = L2Header { state_root: B256::repeat_byte(7), ..good.header.clone() };
    let forged = Arc::new(L2Block::seal_hashing(header, attributes(&good).clone(), good.txs.clone()));
    match ver.on_block(forged, &btc).as_slice() {
        [
            Verdict::Mismatch { number: L2Number(1), mismatch: Mismatch::Header { field: HeaderField::StateRoot, .. } },
        ] => {}
        other => panic!("expected a state-root mismatch, got {other:?}"),
    }
}

/// With faults (resends on), an escape whose deposit has not executed is sent to the L1 again
/// every `resend_after`, as the same L1 transaction (the escape's message can be lost like any
/// other); the sequencer is not sent a forced transaction again.
#[test]
fn an_escape_not_executed_is_resent_to_the_l1_as_the_same_transaction() {
    let s = SimDuration::from_secs;
    let mut users = users_escaping(2, Some(s(60))).with_resend(s(30));
    let t = |secs: u64| SimTime::ZERO + s(secs);
    let first = users.arrival(t(0)).expect("an idle account");
    let escapes = users.escapes(t(60));
    assert_eq!(escapes.len(), 1);
    assert!(users.resends(t(100)).is_empty(), "forced: the portal's now, not the sequencer's");
    assert!(users.escape_resends(t(89)).is_empty(), "sent 29 s ago");
    let again = users.escape_resends(t(90));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].call(), escapes[0].call(), "the same L1 transaction");
    assert_eq!(again[0].call().l1_tx, first.hash);
    assert_eq!(users.escape_resends(t(120)).len(), 1, "every 30 s until its deposit executes");
    assert_eq!(users.escapes_resent, 2);
    // Without resends (no faults), an escape is sent once, as before.
    let mut once = users_escaping(2, Some(s(60)));
    once.arrival(t(0)).expect("an idle account");
    assert_eq!(once.escapes(t(60)).len(), 1);
    assert!(once.escape_resends(t(1_000)).is_empty());
}

#[test]
fn a_full_mempool_refuses_with_a_reason_and_the_sender_can_retry() {
    let w = world(10);
    let mut seq = sequencer(&w, 2);
    let mut users = users(10);
    let subs: Vec<Arc<Submission>> = (0..3).filter_map(|i| users.arrival(SimTime(i))).collect();
    assert!(seq.submit(subs[0].clone()).is_ok() && seq.submit(subs[1].clone()).is_ok());
    let refusal = seq.submit(subs[2].clone()).expect_err("the mempool holds 2");
    assert_eq!(refusal.reason, RefusalReason::MempoolFull);
    assert_eq!(seq.submit(subs[0].clone()).expect_err("pending").reason, RefusalReason::Duplicate);
    users.on_refusal(&refusal);
    assert_eq!(seq.refused.get(&RefusalReason::MempoolFull), Some(&1));
    assert_eq!(account_address(0), account_address(0), "addresses are derived, not random");
}

#[test]
fn a_transaction_too_big_for_any_block_is_dropped_not_left_blocking() {
    let w = world(10);
    let btc = btc_node(&w);
    let config = SequencerConfig {
        block_time: SimDuration::from_secs(12),
        gas_limit: 50_000,
        max_headers_per_block: 3,
        mempool_capacity: 100,
        beneficiary: Address::ZERO,
        keystone_interval_blocks: None,
        tunnel: None,
        settlement: None,
        censorship: Default::default(),
        halts: Vec::new(),
    };
    let mut seq = Sequencer::new(config, w.spec.hvm(), &w.btc_genesis, w.l2_genesis);
    let huge = super::tx::L2Tx {
        from: account_address(0),
        to: Some(account_address(1)),
        nonce: 0,
        gas_limit: 60_000,
        gas_price: 0,
        value: revm::primitives::U256::from(1u64),
        input: Default::default(),
    };
    let small = super::tx::L2Tx { from: account_address(1), gas_limit: 21_000, ..huge.clone() };
    seq.submit(Submission::new(huge, SimTime(0))).expect("room");
    seq.submit(Submission::new(small, SimTime(1))).expect("room");
    let produced = seq.produce(SimTime(12_000_000), &btc);
    assert_eq!(produced.dropped.len(), 1, "the 60k-gas transaction can never fit a 50k block");
    assert_eq!(produced.dropped[0].reason, RefusalReason::Invalid);
    assert_eq!(produced.block.txs.len(), 1, "the one behind it is included");
}

/// A chain that builds blocks directly (no sequencer), keeping `rewind_depth` blocks of undo.
fn chain(w: &World, rewind_depth: usize) -> L2Chain {
    let rules = ChainRules {
        max_headers_per_block: 3,
        beneficiary: Address::ZERO,
        tunnel: None,
        rewind_depth,
        settlement: None,
    };
    L2Chain::new(rules, w.spec.hvm(), &w.btc_genesis, w.l2_genesis)
}

/// Builds the next block of `chain` with `n` of the users' transactions.
fn build(chain: &mut L2Chain, btc: &BitcoinNode, users: &mut Workload, n: u64) -> Arc<L2Block> {
    let number = chain.head().number.0 + 1;
    let submissions: Vec<_> = (0..n).filter_map(|i| users.arrival(SimTime(number * 1_000 + i))).collect();
    let attributes = next_attributes(chain.view(), btc, 3);
    let block = chain
        .build(BlockInputs::bitcoin_only(number * 12, 30_000_000, attributes), &|h| btc.block(h).cloned(), |builder| {
            let mut body = Body::default();
            for s in &submissions {
                if builder.apply_hashed(&s.tx, s.hash).is_ok() {
                    body.txs.push(s.tx.clone());
                    body.tx_hashes.push(s.hash);
                }
            }
            body
        })
        .expect("the node has every block");
    users.on_block(&block);
    block
}

/// What identifies a chain's position: head, state root (incremental and recomputed from
/// scratch) and the Bitcoin view's tip.
fn position(chain: &L2Chain) -> (Head, B256, B256, (BtcHeight, BlockHash)) {
    (chain.head(), chain.hvm().state_root(), chain.hvm().recompute_state_root(), chain.view().tip())
}

#[test]
fn a_rewound_chain_is_exactly_where_it_was_and_reimports_the_same_blocks() {
    let w = world(50);
    let mut btc = btc_node(&w);
    let mut users = users(50);
    let mut builder = chain(&w, 8);
    mine(&mut [&mut btc], w.btc_genesis.block_hash(), 0, 7, "miner-0");
    let mut blocks = Vec::new();
    let mut positions = vec![position(&builder)];
    for n in 0..6 {
        if n == 3 {
            // A longer Bitcoin branch: the next blocks carry a reorg of the view.
            mine(&mut [&mut btc], w.btc_genesis.block_hash(), 0, 9, "miner-1");
        }
        blocks.push(build(&mut builder, &btc, &mut users, 20));
        positions.push(position(&builder));
    }
    assert_eq!(attributes(&blocks[3]).fork_height, BtcHeight(0), "block 4 carries the Bitcoin reorg");
    builder.rewind_to(L2Number(2)).expect("within the rewind depth");
    assert_eq!(position(&builder), positions[2], "state, view and head as they were at block 2");
    for block in &blocks[2..] {
        builder.import(block, &|h| btc.block(h).cloned()).expect("the same blocks import again");
    }
    assert_eq!(position(&builder), positions[6]);
    builder.rewind_to(L2Number(0)).expect("six blocks back");
    assert_eq!(position(&builder), positions[0], "back at the genesis");
    assert_eq!(builder.rewind_to(L2Number(1)), Err(RewindError::AboveHead { target: L2Number(1), head: L2Number(0) }));
}

#[test]
fn rewinds_are_bounded_by_the_rewind_depth() {
    let w = world(10);
    let mut btc = btc_node(&w);
    let mut users = users(10);
    let mut shallow = chain(&w, 2);
    mine(&mut [&mut btc], w.btc_genesis.block_hash(), 0, 4, "miner-0");
    for _ in 0..5 {
        build(&mut shallow, &btc, &mut users, 3);
    }
    assert_eq!(
        shallow.rewind_to(L2Number(2)),
        Err(RewindError::TooDeep { target: L2Number(2), head: L2Number(5), kept: 2 })
    );
    assert_eq!(shallow.head().number, L2Number(5), "a refused rewind changes nothing");
    shallow.rewind_to(L2Number(3)).expect("two blocks back");
    assert_eq!(shallow.head().number, L2Number(3));
}

#[test]
fn a_block_that_does_not_import_leaves_the_chain_unchanged() {
    let w = world(10);
    let mut btc = btc_node(&w);
    let mut users = users(10);
    let mut builder = chain(&w, 0);
    let mut importer = chain(&w, 0);
    mine(&mut [&mut btc], w.btc_genesis.block_hash(), 0, 5, "miner-0");
    let good = build(&mut builder, &btc, &mut users, 5);
    let before = position(&importer);
    let forge = |header: L2Header| L2Block::seal_hashing(header, attributes(&good).clone(), good.txs.clone());
    let forged_root = forge(L2Header { state_root: B256::repeat_byte(7), ..good.header.clone() });
    let forged_gas = forge(L2Header { gas_used: good.header.gas_used + 1, ..good.header.clone() });
    let orphan = forge(L2Header { parent_hash: B256::repeat_byte(1), ..good.header.clone() });
    let source = |h: &BlockHash| btc.block(h).cloned();
    assert!(matches!(
        importer.import(&forged_root, &source),
        Err(ImportError::Mismatch(Mismatch::Header { field: HeaderField::StateRoot, .. }))
    ));
    assert!(matches!(
        importer.import(&forged_gas, &source),
        Err(ImportError::Mismatch(Mismatch::Header { field: HeaderField::GasUsed, .. }))
    ));
    assert!(matches!(importer.import(&orphan, &source), Err(ImportError::Mismatch(Mismatch::Parent { .. }))));
    assert_eq!(position(&importer), before, "state, view and head untouched");
    importer.import(&good, &source).expect("the real block still imports");
    assert_eq!(position(&importer), position(&builder));
}

/// Blocks of a chain without a settlement layer hash exactly as they did before L1 origins and
/// deposits existed (hashes computed with the code of that time): header encoding, transactions
/// root and state root unchanged, so every trace keeps its hash.
#[test]
fn blocks_without_a_settlement_layer_hash_as_before_deposits_existed() {
    let w = world(20);
    let mut btc = btc_node(&w);
    let mut users = users(20);
    let mut builder = chain(&w, 0);
    mine(&mut [&mut btc], w.btc_genesis.block_hash(), 0, 5, "miner-0");
    let hash = |hex: &str| hex.parse::<B256>().expect("32-byte hex");
    assert_eq!(w.l2_genesis, hash("2af57a70b0d21e295e63caf87744b000c476892fa16193357477bba7746425e4"));
    let pinned = [
        (
            "dcd1b9c7f2599ea376ae95f7785d6ab6815d7dff7f14708acacce528e310cde8",
            "97330be093b66029031e511d79b395020033c09a468a0df7e0e1adb5f1c9e5a4",
        ),
        (
            "fe8b77140837f17605cbb5c4ff8992f81d61880a6e7765e610d3db358c634abf",
            "3b4f36beb8f35e132eade5c5df540eff27fb67ee5472517cb3a86a8c97c778d7",
        ),
        (
            "c033bbf1903a95712b156ce0d38640c299fbd9cd5d778bdccb394982f6babb90",
            "39eca5395910ba4091da6a55f52f7d720587fe57df57d9cbf204260a3713542a",
        ),
    ];
    for (block_hash, transactions_root) in pinned {
        let block = build(&mut builder, &btc, &mut users, 10);
        assert_eq!(block.header.transactions_root, hash(transactions_root), "block {}", block.header.number);
        assert_eq!(block.hash(), hash(block_hash), "block {}", block.header.number);
    }
}
