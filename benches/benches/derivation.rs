//! Derivation of one L1 block that carries a full channel: frames to channel, every batch
//! checked, attributes handed out and the derived blocks reported back (execution excluded: the
//! caller's work). A full channel is what the batcher closes at its size target: the default one
//! blob (97 blocks of 20 transfers), and six blobs (100 blocks of 120 transfers).
//!
//! Target (issue 11): a day of `settlement.toml` in under 10 s wall, of which each verifier
//! derives about 7,200 blocks: deriving a full blob's 97 blocks should take well under a
//! millisecond.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hemisim_node::eth::EthParams;
use hemisim_node::eth::batcher::{BatchedBlock, Batcher, BatcherConfig, CloseReason};
use hemisim_node::eth::derivation::{Derivation, DerivationConfig};
use hemisim_node::eth::types::{L1Block, L1BlockRef, L2BlockRef, SequencedTx, SingularBatch};
use hemisim_node::l2::tx::{Address, Bytes, L2Tx, U256};
use hemisim_node::time::SimTime;
use hemisim_node::units::{L1Number, L2Number};
use revm::primitives::B256;
use std::hint::black_box;
use std::sync::Arc;

const BLOCK_TIME_S: u64 = 12;

/// A derivation at the L2 genesis, the L1 block carrying the batcher's first full channel of
/// `blobs` blobs, and the hashes of the blocks in it (what execution would report). Blocks of
/// `txs_per_block` transfers, all in the genesis epoch (so at most 150 of them, within the drift).
struct Fixture {
    derivation: Derivation,
    block: L1Block,
    hashes: Vec<B256>,
}

fn block_hash(number: u64) -> B256 {
    B256::from(U256::from(number + 1))
}

fn fixture(blobs: usize, txs_per_block: u64) -> Fixture {
    let params = EthParams::default();
    let l1_genesis = L1BlockRef { number: L1Number(0), hash: B256::repeat_byte(1), parent_hash: B256::ZERO, time_s: 0 };
    let genesis = L2BlockRef { number: L2Number(0), hash: block_hash(0), time_s: 0, l1_origin: l1_genesis };
    let config = BatcherConfig { target_frames: blobs, ..BatcherConfig::new(&params) };
    let mut batcher = Batcher::new(config, &genesis);
    let mut nonce = 0;
    let mut number = 0;
    let channel = loop {
        number += 1;
        let transactions = (0..txs_per_block)
            .map(|_| {
                nonce += 1;
                SequencedTx::User(Arc::new(transfer(nonce)))
            })
            .collect();
        let batch = SingularBatch {
            parent_hash: block_hash(number - 1),
            epoch_num: l1_genesis.number,
            epoch_hash: l1_genesis.hash,
            timestamp_s: number * BLOCK_TIME_S,
            transactions,
        };
        let block = BatchedBlock { number: L2Number(number), hash: block_hash(number), batch };
        batcher.add_block(SimTime::ZERO, block).expect("one chain");
        let posted = batcher.poll(SimTime::ZERO, l1_genesis.number);
        if !posted.is_empty() {
            assert!(posted.iter().all(|s| s.closed_by == CloseReason::Full));
            break posted;
        }
    };
    let l1_block =
        L1BlockRef { number: L1Number(1), hash: B256::repeat_byte(2), parent_hash: l1_genesis.hash, time_s: 12 };
    let block = L1Block { block: l1_block, deposits: vec![], batcher_txs: channel.into_iter().map(|s| s.tx).collect() };
    let hashes = (1..number).map(block_hash).collect();
    Fixture { derivation: Derivation::new(DerivationConfig::new(&params, BLOCK_TIME_S), genesis), block, hashes }
}

fn transfer(nonce: u64) -> L2Tx {
    L2Tx {
        from: Address::with_last_byte(1),
        to: Some(Address::with_last_byte(2)),
        nonce,
        gas_limit: 21_000,
        gas_price: 1_000_000_000,
        value: U256::from(nonce),
        input: Bytes::new(),
    }
}

/// Feeds the block and derives every batch in it; returns how many blocks were derived.
fn derive_block(mut derivation: Derivation, block: &L1Block, hashes: &[B256]) -> usize {
    derivation.on_l1_block(block);
    let mut derived = 0;
    while let Some(attributes) = derivation.next_attributes() {
        let number = attributes.parent.number.next();
        let hash = hashes[derived];
        derivation.on_block_derived(L2BlockRef {
            number,
            hash,
            time_s: attributes.timestamp_s,
            l1_origin: attributes.l1_origin,
        });
        black_box(&attributes.sequenced);
        derived += 1;
    }
    derived
}

fn derivation_of_a_full_channel(c: &mut Criterion) {
    let mut group = c.benchmark_group("derivation");
    for (blobs, txs_per_block) in [(1, 20), (6, 120)] {
        let fixture = fixture(blobs, txs_per_block);
        let blocks = derive_block(fixture.derivation.clone(), &fixture.block, &fixture.hashes);
        assert_eq!(blocks, fixture.hashes.len(), "every block of the channel derived");
        group.throughput(Throughput::Elements(blocks as u64));
        group.bench_function(format!("l1_block_with_full_{blobs}_blob_channel_{blocks}_l2_blocks"), |b| {
            b.iter_batched(
                || fixture.derivation.clone(),
                |derivation| derive_block(derivation, &fixture.block, &fixture.hashes),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, derivation_of_a_full_channel);
criterion_main!(benches);
