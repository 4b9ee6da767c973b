//! Scenario-style tests of a full node: forks, reorgs, orphans, invalid blocks, mempool.

use super::build::{CoinbaseTag, mine_block, simple_coinbase};
use super::genesis::{Allocation, genesis_block};
use super::node::BitcoinNode;
use super::params::{ChainParams, SUBSIDY};
use super::script::p2pkh_for;
use super::sealed::{SealedBlock, SealedTx};
use super::wallet::Wallet;
use crate::rng::Stream;
use crate::time::SimTime;
use crate::units::{BtcHeight, FeeRate};
use bitcoin::hashes::Hash;
use bitcoin::{Amount, BlockHash, Transaction, TxOut};
use std::sync::Arc;

const PARAMS: ChainParams = ChainParams { max_block_weight: 4_000_000 };

fn genesis() -> Arc<SealedBlock> {
    SealedBlock::seal(genesis_block(&[Allocation { script: p2pkh_for("alice"), value: Amount::ONE_BTC, count: 3 }]))
}

fn node_with(genesis: &Arc<SealedBlock>) -> BitcoinNode {
    BitcoinNode::new(PARAMS, genesis.clone(), &[p2pkh_for("alice")], 0.0, Stream::derive(0, "tie"))
}

/// A block on `parent` at `height` by `miner`, holding `txs`, claiming subsidy plus `fees`.
fn block_on(parent: BlockHash, height: u32, miner: &str, txs: Vec<Transaction>, fees: u64) -> Arc<SealedBlock> {
    let tag = CoinbaseTag { height, miner, extra_nonce: 0 };
    let mut txdata = vec![simple_coinbase(tag, p2pkh_for(miner), SUBSIDY + Amount::from_sat(fees))];
    txdata.extend(txs);
    SealedBlock::seal(mine_block(parent, SimTime(height as u64 * 600_000_000), txdata))
}

fn alice(node: &mut BitcoinNode) -> Wallet {
    let mut w = Wallet::new("alice");
    w.apply(&node.take_coin_deltas());
    w
}

fn chain(node: &mut BitcoinNode, from: BlockHash, from_height: u32, n: u32, miner: &str) -> Vec<Arc<SealedBlock>> {
    let mut parent = from;
    (1..=n)
        .map(|i| {
            let b = block_on(parent, from_height + i, miner, vec![], 0);
            node.receive_block(b.clone());
            parent = b.block_hash();
            b
        })
        .collect()
}

#[test]
fn longer_branch_wins_and_unwound_transactions_return_to_the_mempool() {
    let g = genesis();
    let mut node = node_with(&g);
    let w = alice(&mut node);
    let pay = w.spend_coin(
        w.clone().take_coin(Amount::ONE_BTC).expect("funded"),
        vec![TxOut { value: Amount::from_sat(10_000), script_pubkey: p2pkh_for("bob") }],
        FeeRate::from_sat_per_vb(2.0),
    );
    let fee = Amount::ONE_BTC - pay.output.iter().map(|o| o.value).sum::<Amount>();
    let a1 = block_on(g.block_hash(), 1, "a", vec![pay.clone()], fee.to_sat());
    node.receive_block(a1.clone());
    assert_eq!(node.tip(), a1.block_hash());
    assert!(node.mempool().is_empty());

    // A competing branch of two blocks without the payment.
    let b = chain(&mut node, g.block_hash(), 0, 2, "b");
    assert_eq!(node.tip(), b[1].block_hash(), "more work wins");
    assert!(node.mempool().contains(&pay.compute_txid()), "the unwound payment is pending again");
    assert!(node.utxo().get(&pay.input[0].previous_output).is_some(), "its input is unspent again");
    assert!(!node.is_active(&a1.block_hash()));
}

#[test]
fn a_transaction_arriving_before_its_parent_block_is_kept_and_accepted_later() {
    let g = genesis();
    let mut node = node_with(&g);
    let mut w = alice(&mut node);
    let split = w.self_split(FeeRate::from_sat_per_vb(2.0)).expect("funded");
    let fee = Amount::ONE_BTC - split.output.iter().map(|o| o.value).sum::<Amount>();
    let block = block_on(g.block_hash(), 1, "m", vec![split.clone()], fee.to_sat());
    let child_coin = (bitcoin::OutPoint { txid: split.compute_txid(), vout: 0 }, split.output[0].value);
    let child = SealedTx::seal(w.spend_coin(child_coin, vec![], FeeRate::from_sat_per_vb(2.0)));
    assert!(node.receive_tx(child.clone()).is_err(), "its input does not exist yet");
    node.receive_block(block);
    assert!(node.mempool().contains(&child.txid()), "retried once the parent block connected");
}

#[test]
fn equal_work_keeps_the_first_seen_tip() {
    let g = genesis();
    let mut node = node_with(&g);
    let first = chain(&mut node, g.block_hash(), 0, 1, "a");
    let report = node.receive_block(block_on(g.block_hash(), 1, "b", vec![], 0));
    assert!(report.tip_change.is_none());
    assert_eq!(node.tip(), first[0].block_hash());
}

#[test]
fn orphans_connect_when_their_parent_arrives() {
    let g = genesis();
    let mut source = node_with(&g);
    let blocks = chain(&mut source, g.block_hash(), 0, 3, "a");
    let mut node = node_with(&g);
    assert!(node.receive_block(blocks[2].clone()).orphaned);
    assert!(node.receive_block(blocks[1].clone()).orphaned);
    let report = node.receive_block(blocks[0].clone());
    assert_eq!(report.accepted.len(), 3);
    let change = report.tip_change.expect("tip moved");
    assert_eq!((change.new_height, change.disconnected, change.connected), (BtcHeight(3), 0, 3));
}

#[test]
fn a_block_that_creates_value_is_rejected_and_the_old_chain_kept() {
    let g = genesis();
    let mut node = node_with(&g);
    let good = chain(&mut node, g.block_hash(), 0, 1, "a");
    // Coinbase claims more than the subsidy with no fees to cover it.
    let greedy = block_on(g.block_hash(), 1, "b", vec![], 1);
    let greedy_child = block_on(greedy.block_hash(), 2, "b", vec![], 0);
    node.receive_block(greedy);
    let report = node.receive_block(greedy_child);
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    assert_eq!(node.tip(), good[0].block_hash());
    assert_eq!(node.tip_height(), BtcHeight(1));
}

#[test]
fn double_spends_are_first_seen_and_cleared_by_a_block() {
    let g = genesis();
    let mut node = node_with(&g);
    let mut w = alice(&mut node);
    let coin = w.take_coin(Amount::ONE_BTC).expect("funded");
    let pay = w.spend_coin(
        coin,
        vec![TxOut { value: Amount::from_sat(50_000), script_pubkey: p2pkh_for("bob") }],
        FeeRate::from_sat_per_vb(3.0),
    );
    let back = w.spend_coin(coin, vec![], FeeRate::from_sat_per_vb(3.0));
    node.receive_tx(SealedTx::seal(pay.clone())).expect("valid");
    assert!(node.receive_tx(SealedTx::seal(back.clone())).is_err(), "conflict refused");
    let fee = Amount::ONE_BTC - back.output.iter().map(|o| o.value).sum::<Amount>();
    node.receive_block(block_on(g.block_hash(), 1, "m", vec![back], fee.to_sat()));
    assert!(!node.mempool().contains(&pay.compute_txid()), "conflicting payment evicted");
}

#[test]
fn templates_prefer_fee_rate_and_respect_the_weight_limit() {
    let g = genesis();
    let mut node = node_with(&g);
    let mut w = alice(&mut node);
    for rate in [1.0, 9.0, 4.0] {
        node.receive_tx(SealedTx::seal(w.self_split(FeeRate::from_sat_per_vb(rate)).expect("funded"))).expect("valid");
    }
    let (txs, _) = node.mempool().select(4_000_000);
    assert_eq!(txs.len(), 3);
    let (two, _) = node.mempool().select(2 * txs[0].weight() + 10);
    assert_eq!(two.len(), 2, "third does not fit");
    assert!(
        node.mempool().estimate_fee_rate(1, 4_000_000).sat_per_vb() <= 1.0 + f64::EPSILON,
        "uncontended: minimum fee rate"
    );
    assert!(
        node.mempool().estimate_fee_rate(1, two[0].weight() + 1).sat_per_vb() > 9.0,
        "one slot, taken at 9 sat/vB: outbid it"
    );
}

#[test]
fn a_restart_forgets_the_mempool_and_orphans_but_not_the_chain_or_the_wallets_pending_coins() {
    let genesis = genesis();
    let mut node = node_with(&genesis);
    let mut wallet = alice(&mut node);
    let blocks = chain(&mut node, genesis.block_hash(), 0, 2, "m");
    let coin = wallet.take_coin(Amount::from_sat(1_000)).expect("alice has coins");
    let tx = wallet.spend_coin(
        coin,
        vec![TxOut { value: Amount::from_sat(500), script_pubkey: p2pkh_for("bob") }],
        FeeRate::from_sat_per_vb(1.0),
    );
    node.receive_tx(SealedTx::seal(tx)).expect("valid spend");
    let orphan = block_on(BlockHash::from_byte_array([7; 32]), 9, "m", vec![], 0);
    assert!(node.receive_block(orphan).orphaned);
    node.forget_volatile();
    assert!(node.mempool().is_empty(), "the mempool was in memory");
    assert_eq!(node.tip(), blocks[1].block_hash(), "the chain was on disk");
    assert_eq!(node.tip_height(), BtcHeight(2));
    // The wallet (on disk) still holds the coin pending: it never spends it again.
    for _ in 0..2 {
        let next = wallet.take_coin(Amount::from_sat(1_000)).expect("two more coins");
        assert_ne!(next.0, coin.0, "a pending coin is never taken twice");
    }
    assert!(wallet.take_coin(Amount::from_sat(1_000)).is_err(), "three coins, all pending now");
}
