//! The carried Bitcoin view: ingesting headers, the index lag, and unwinding on a reorg.

use super::block::BtcAttributes;
use super::btc_view::BtcView;
use super::indexer::{AttributesError, BtcIndexer};
use crate::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
use crate::btc::genesis::{Allocation, genesis_block};
use crate::btc::params::SUBSIDY;
use crate::btc::script::p2pkh_for;
use crate::btc::sealed::SealedBlock;
use crate::btc::utxo::CoinDelta;
use crate::btc::wallet::Wallet;
use crate::time::SimTime;
use crate::units::{BtcHeight, FeeRate};
use bitcoin::{Amount, BlockHash, OutPoint, Transaction, TxOut};
use std::collections::BTreeMap;
use std::sync::Arc;

struct Chain {
    blocks: BTreeMap<BlockHash, Arc<SealedBlock>>,
}

impl Chain {
    fn add(&mut self, parent: BlockHash, height: u32, miner: &str, txs: Vec<Transaction>) -> Arc<SealedBlock> {
        let tag = CoinbaseTag { height, miner, extra_nonce: 0 };
        let mut txdata = vec![simple_coinbase(tag, p2pkh_for(miner), SUBSIDY)];
        txdata.extend(txs);
        let block = SealedBlock::seal(mine_block(parent, SimTime(height as u64), txdata));
        self.blocks.insert(block.block_hash(), block.clone());
        block
    }

    fn source(&self) -> impl Fn(&BlockHash) -> Option<Arc<SealedBlock>> + '_ {
        |h| self.blocks.get(h).cloned()
    }
}

fn attributes(fork_height: u32, blocks: &[&Arc<SealedBlock>]) -> BtcAttributes {
    BtcAttributes { fork_height: BtcHeight(fork_height), headers: blocks.iter().map(|b| b.header).collect() }
}

#[test]
fn the_index_trails_the_headers_and_unwinds_on_a_carried_reorg() {
    let genesis = SealedBlock::seal(genesis_block(&[Allocation {
        script: p2pkh_for("alice"),
        value: Amount::ONE_BTC,
        count: 1,
    }]));
    let mut chain = Chain { blocks: BTreeMap::from([(genesis.block_hash(), genesis.clone())]) };
    let coin = (OutPoint { txid: genesis.txs()[0].txid(), vout: 0 }, Amount::ONE_BTC);
    let mut alice = Wallet::new("alice");
    alice.apply(&[CoinDelta::Added {
        outpoint: coin.0,
        output: TxOut { value: coin.1, script_pubkey: p2pkh_for("alice") },
    }]);
    let pay = alice.spend_coin(
        coin,
        vec![TxOut { value: Amount::from_sat(5_000), script_pubkey: p2pkh_for("bob") }],
        FeeRate::from_sat_per_vb(1.0),
    );
    let b1 = chain.add(genesis.block_hash(), 1, "m", vec![pay.clone()]);
    let b2 = chain.add(b1.block_hash(), 2, "m", vec![]);
    let b3 = chain.add(b2.block_hash(), 3, "m", vec![]);

    let mut view = BtcIndexer::new(&genesis);
    view.apply(&attributes(0, &[&b1, &b2, &b3]), 3, &chain.source()).expect("valid");
    assert_eq!(view.tip(), (BtcHeight(3), b3.block_hash()));
    assert_eq!(view.indexed_tip(), Some(BtcHeight(1)), "two blocks behind the header tip");
    assert_eq!(view.utxos_of(&p2pkh_for("bob")).len(), 1);
    assert_eq!(view.balance_of(&p2pkh_for("bob")), Amount::from_sat(5_000), "kept total");
    assert_eq!(view.transaction(&pay.compute_txid()).map(|t| t.block_height), Some(BtcHeight(1)));
    assert!(view.utxos_of(&p2pkh_for("alice")).iter().all(|u| u.txid != coin.0.txid), "spent");

    // A competing branch from the genesis without the payment: carried two headers at a time.
    let c1 = chain.add(genesis.block_hash(), 1, "x", vec![]);
    let c2 = chain.add(c1.block_hash(), 2, "x", vec![]);
    view.apply(&attributes(0, &[&c1, &c2]), 3, &chain.source()).expect("valid");
    assert_eq!(view.tip(), (BtcHeight(2), c2.block_hash()));
    assert_eq!(view.indexed_tip(), Some(BtcHeight(0)));
    assert!(view.utxos_of(&p2pkh_for("bob")).is_empty(), "the payment was unwound");
    assert_eq!(view.balance_of(&p2pkh_for("bob")), Amount::ZERO);
    assert_eq!(view.balance_of(&p2pkh_for("alice")), Amount::ONE_BTC);
    assert!(view.transaction(&pay.compute_txid()).is_none());
    assert_eq!(view.utxos_of(&p2pkh_for("alice")).len(), 1, "alice's coin is back");
}

#[test]
fn bad_or_unavailable_attributes_change_nothing() {
    let genesis = SealedBlock::seal(genesis_block(&[]));
    let mut chain = Chain { blocks: BTreeMap::from([(genesis.block_hash(), genesis.clone())]) };
    let b1 = chain.add(genesis.block_hash(), 1, "m", vec![]);
    let b2 = chain.add(b1.block_hash(), 2, "m", vec![]);
    let b3 = chain.add(b2.block_hash(), 3, "m", vec![]);
    let mut view = BtcIndexer::new(&genesis);
    let skipping = attributes(0, &[&b2]);
    assert_eq!(view.apply(&skipping, 3, &chain.source()).err(), Some(AttributesError::Disconnected { index: 0 }));
    assert!(matches!(
        view.apply(&attributes(0, &[&b1, &b2, &b3]), 2, &chain.source()),
        Err(AttributesError::TooManyHeaders { .. })
    ));
    let only_headers = |h: &BlockHash| if *h == genesis.block_hash() { Some(genesis.clone()) } else { None };
    assert!(
        matches!(view.apply(&attributes(0, &[&b1, &b2, &b3]), 3, &only_headers), Err(AttributesError::MissingBlock(_))),
        "block 1 must be indexed and is missing"
    );
    assert_eq!(view.tip(), (BtcHeight(0), genesis.block_hash()), "unchanged");
}

/// A coin created and spent in the same block (a chain of payments confirmed together) must not
/// come back when the block is unindexed: before the fix, unindexing put every spent coin back,
/// this one too, so a node that rewound over such a block reported a higher balance to the hVM
/// precompiles than one that never indexed it (issue 15: worlds 1470, 1537, 1639 state roots).
#[test]
fn unindexing_a_block_forgets_a_coin_created_and_spent_inside_it() {
    let genesis = SealedBlock::seal(genesis_block(&[Allocation {
        script: p2pkh_for("alice"),
        value: Amount::ONE_BTC,
        count: 1,
    }]));
    let mut chain = Chain { blocks: BTreeMap::from([(genesis.block_hash(), genesis.clone())]) };
    let coin = (OutPoint { txid: genesis.txs()[0].txid(), vout: 0 }, Amount::ONE_BTC);
    let mut alice = Wallet::new("alice");
    alice.apply(&[CoinDelta::Added {
        outpoint: coin.0,
        output: TxOut { value: coin.1, script_pubkey: p2pkh_for("alice") },
    }]);
    let to_bob = TxOut { value: Amount::from_sat(50_000), script_pubkey: p2pkh_for("bob") };
    let pay = alice.spend_coin(coin, vec![to_bob], FeeRate::from_sat_per_vb(1.0));
    let bob_coin = (OutPoint { txid: pay.compute_txid(), vout: 0 }, Amount::from_sat(50_000));
    let to_carol = TxOut { value: Amount::from_sat(20_000), script_pubkey: p2pkh_for("carol") };
    let forward = Wallet::new("bob").spend_coin(bob_coin, vec![to_carol], FeeRate::from_sat_per_vb(1.0));
    let b1 = chain.add(genesis.block_hash(), 1, "m", vec![pay, forward]);
    let b2 = chain.add(b1.block_hash(), 2, "m", vec![]);
    let b3 = chain.add(b2.block_hash(), 3, "m", vec![]);
    let mut view = BtcIndexer::new(&genesis);
    let before = (view.balance_of(&p2pkh_for("alice")), view.balance_of(&p2pkh_for("bob")));
    let undo = view.apply(&attributes(0, &[&b1, &b2, &b3]), 3, &chain.source()).expect("valid");
    assert_eq!(view.indexed_tip(), Some(BtcHeight(1)));
    let bob_utxos = view.utxos_of(&p2pkh_for("bob"));
    assert!(bob_utxos.iter().all(|u| (u.txid, u.vout) != (bob_coin.0.txid, 0)), "spent in block 1");
    assert_eq!(bob_utxos.len(), 1, "only bob's change");
    assert_eq!(view.balance_of(&p2pkh_for("carol")), Amount::from_sat(20_000));

    // Undone (an L2 rewind): the view is the genesis view again.
    view.undo(undo);
    assert_eq!((view.balance_of(&p2pkh_for("alice")), view.balance_of(&p2pkh_for("bob"))), before);
    assert!(view.utxos_of(&p2pkh_for("bob")).is_empty(), "bob's coin never existed before block 1");
    assert_eq!(view.balance_of(&p2pkh_for("carol")), Amount::ZERO);

    // Reorged out by a Bitcoin branch without the payments: the same.
    view.apply(&attributes(0, &[&b1, &b2, &b3]), 3, &chain.source()).expect("valid");
    let c1 = chain.add(genesis.block_hash(), 1, "x", vec![]);
    let c2 = chain.add(c1.block_hash(), 2, "x", vec![]);
    view.apply(&attributes(0, &[&c1, &c2]), 3, &chain.source()).expect("valid");
    assert_eq!(view.indexed_tip(), Some(BtcHeight(0)));
    assert!(view.utxos_of(&p2pkh_for("bob")).is_empty(), "bob's coin is gone with block 1");
    assert_eq!(view.balance_of(&p2pkh_for("bob")), Amount::ZERO);
    assert_eq!(view.balance_of(&p2pkh_for("alice")), Amount::ONE_BTC, "alice's coin is back");
}
