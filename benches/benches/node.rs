//! Node-level kernels: validating and connecting blocks, accepting transactions, building templates.

use bitcoin::hashes::Hash;
use bitcoin::{Amount, BlockHash};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hemisim_node::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
use hemisim_node::btc::genesis::{Allocation, genesis_block};
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::btc::params::{ChainParams, SUBSIDY};
use hemisim_node::btc::script::p2pkh_for;
use hemisim_node::btc::sealed::{SealedBlock, SealedTx};
use hemisim_node::btc::wallet::Wallet;
use hemisim_node::rng::Stream;
use hemisim_node::time::SimTime;
use hemisim_node::units::FeeRate;
use std::sync::Arc;

const TXS: usize = 2_000;

/// A node funded with `TXS` coins, and `TXS` one-input transactions spending them.
fn fixture() -> (BitcoinNode, Vec<Arc<SealedTx>>) {
    let script = p2pkh_for("bench");
    let genesis = SealedBlock::seal(genesis_block(&[Allocation {
        script: script.clone(),
        value: Amount::ONE_BTC,
        count: TXS as u32,
    }]));
    let mut node = BitcoinNode::new(
        ChainParams { max_block_weight: 4_000_000 },
        genesis,
        &[script],
        0.0,
        Stream::derive(0, "bench"),
    );
    let mut wallet = Wallet::new("bench");
    wallet.apply(&node.take_coin_deltas());
    let txs = (0..TXS)
        .map(|i| SealedTx::seal(wallet.self_split(FeeRate::from_sat_per_vb(1.0 + (i % 50) as f64)).expect("funded")))
        .collect();
    (node, txs)
}

fn node_kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("node");
    group.throughput(Throughput::Elements(TXS as u64));

    group.bench_function("mempool_accept_2000_txs", |b| {
        b.iter_batched(
            fixture,
            |(mut node, txs)| txs.into_iter().for_each(|tx| node.receive_tx(tx).expect("valid")),
            BatchSize::LargeInput,
        )
    });

    let (mut node, txs) = fixture();
    txs.iter().for_each(|tx| node.receive_tx(tx.clone()).expect("valid"));
    group.bench_function("template_select_from_2000", |b| b.iter(|| node.mempool().select(4_000_000 - 4_000)));

    group.bench_function("connect_block_2000_txs", |b| {
        b.iter_batched(
            || {
                let (node, txs) = fixture();
                let fees: Amount =
                    txs.iter().map(|t| Amount::ONE_BTC - t.output.iter().map(|o| o.value).sum::<Amount>()).sum();
                let tag = CoinbaseTag { height: 1, miner: "m", extra_nonce: 0 };
                let mut txdata = vec![simple_coinbase(tag, p2pkh_for("m"), SUBSIDY + fees)];
                txdata.extend(txs.iter().map(|t| t.tx().clone()));
                let parent: BlockHash = node.tip();
                (node, mine_block(parent, SimTime(600_000_000), txdata))
            },
            |(mut node, block)| {
                let report = node.receive_block(SealedBlock::seal(block));
                assert!(report.tip_change.is_some());
            },
            BatchSize::LargeInput,
        )
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("mine_empty_block", |b| {
        let tag = CoinbaseTag { height: 1, miner: "m", extra_nonce: 0 };
        b.iter(|| {
            mine_block(BlockHash::all_zeros(), SimTime::ZERO, vec![simple_coinbase(tag, p2pkh_for("m"), SUBSIDY)])
        })
    });
    group.finish();
}

criterion_group!(benches, node_kernels);
criterion_main!(benches);
