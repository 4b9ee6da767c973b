//! L2 execution: the sequencer's execution path against raw revm on the same transfers.
//!
//! Target (issue 3): our path (`BlockBuilder::apply_hashed` + the state commitment at `finish`)
//! reaches at least half of raw revm's transfer throughput (`transact_commit` on a `CacheDB`),
//! both measured here, on the same machine, in the same run.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hemisim_node::btc::genesis::genesis_block;
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::btc::params::ChainParams;
use hemisim_node::btc::sealed::SealedBlock;
use hemisim_node::l2::btc_view::{BtcView, IndexedTx, IndexedUtxo};
use hemisim_node::l2::genesis::L2GenesisSpec;
use hemisim_node::l2::hvm::{BlockEnvSpec, Hvm};
use hemisim_node::l2::sequencer::{Sequencer, SequencerConfig};
use hemisim_node::l2::tx::Submission;
use hemisim_node::l2::tx::{Address, Bytes, L2Tx, U256};
use hemisim_node::l2::workload::account_address;
use hemisim_node::rng::Stream;
use hemisim_node::time::{SimDuration, SimTime};
use hemisim_node::units::{BtcHeight, L2Number};
use revm::context::TxEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::TxKind;
use revm::state::AccountInfo;
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};

const ACCOUNTS: u32 = 1_000;
const ONE_ETH: u128 = 1_000_000_000_000_000_000;

/// A Bitcoin view with nothing in it: transfers never read Bitcoin.
struct NoBitcoin;

impl BtcView for NoBitcoin {
    fn header_tip(&self) -> Option<(BtcHeight, bitcoin::block::Header)> {
        None
    }
    fn header_at(&self, _: BtcHeight) -> Option<bitcoin::block::Header> {
        None
    }
    fn indexed_tip(&self) -> Option<BtcHeight> {
        None
    }
    fn utxos_of(&self, _: &bitcoin::ScriptBuf) -> Vec<IndexedUtxo> {
        Vec::new()
    }
    fn transaction(&self, _: &bitcoin::Txid) -> Option<IndexedTx> {
        None
    }
}

/// Account i sends 1 gwei to account i+1 (one transfer per sender, nonce 0).
fn transfers() -> Vec<L2Tx> {
    (0..ACCOUNTS)
        .map(|i| L2Tx {
            from: account_address(i),
            to: Some(account_address((i + 1) % ACCOUNTS)),
            nonce: 0,
            gas_limit: 21_000,
            gas_price: 0,
            value: U256::from(1_000_000_000u64),
            input: Bytes::new(),
        })
        .collect()
}

fn funded() -> Vec<(Address, U256)> {
    (0..ACCOUNTS).map(|i| (account_address(i), U256::from(ONE_ETH))).collect()
}

fn l2_execution(c: &mut Criterion) {
    let txs = transfers();
    let hashes: Vec<_> = txs.iter().map(L2Tx::hash).collect();
    let mut group = c.benchmark_group("l2");
    group.throughput(Throughput::Elements(ACCOUNTS as u64));

    group.bench_function("hvm_block_1000_transfers", |b| {
        b.iter_batched(
            || Hvm::genesis(43111, &funded(), &[]),
            |mut hvm| {
                let env = BlockEnvSpec {
                    number: L2Number(1),
                    timestamp_s: 1,
                    gas_limit: 30_000_000,
                    beneficiary: Address::ZERO,
                };
                let view = NoBitcoin;
                let mut block = hvm.begin_block(&env, &view);
                for (tx, hash) in txs.iter().zip(&hashes) {
                    block.apply_hashed(tx, *hash).expect("valid transfer");
                }
                block.finish()
            },
            BatchSize::LargeInput,
        )
    });

    group.bench_function("raw_revm_1000_transfers", |b| {
        b.iter_batched(
            || {
                let mut db = CacheDB::<EmptyDB>::default();
                for (address, balance) in funded() {
                    db.insert_account_info(address, AccountInfo { balance, ..Default::default() });
                }
                db
            },
            |db| {
                let mut evm = Context::mainnet()
                    .with_db(db)
                    .modify_cfg_chained(|cfg| cfg.disable_nonce_check = false)
                    .build_mainnet();
                for tx in &txs {
                    let env = TxEnv::builder()
                        .caller(tx.from)
                        .kind(TxKind::Call(tx.to.expect("transfer")))
                        .value(tx.value)
                        .gas_limit(tx.gas_limit)
                        .gas_price(0)
                        .nonce(tx.nonce)
                        .build()
                        .expect("a valid transaction environment");
                    evm.transact_commit(env).expect("valid transfer");
                }
                evm
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// The sequencer's whole block-building path: mempool in arrival order, Bitcoin attributes from
/// its node, execution, state root, sealing.
fn l2_block_building(c: &mut Criterion) {
    let btc_genesis = SealedBlock::seal(genesis_block(&[]));
    let spec = L2GenesisSpec::new(ACCOUNTS);
    let state = spec.hvm();
    let l2_genesis = spec.block(&state, &btc_genesis).hash();
    let btc = BitcoinNode::new(
        ChainParams { max_block_weight: 4_000_000 },
        btc_genesis.clone(),
        &[],
        0.0,
        Stream::derive(0, "bench"),
    );
    let config = SequencerConfig {
        block_time: SimDuration::from_secs(12),
        gas_limit: 30_000_000,
        max_headers_per_block: 3,
        keystone_interval_blocks: Some(25),
        mempool_capacity: 10_000,
        beneficiary: Address::ZERO,
        tunnel: None,
        settlement: None,
        censorship: Default::default(),
        halts: Vec::new(),
    };
    let submissions: Vec<_> = transfers().into_iter().map(|tx| Submission::new(tx, SimTime::ZERO)).collect();
    let mut group = c.benchmark_group("l2");
    group.throughput(Throughput::Elements(ACCOUNTS as u64));
    group.bench_function("sequencer_produce_block_1000_transfers", |b| {
        b.iter_batched(
            || {
                let mut seq = Sequencer::new(config.clone(), state.clone(), &btc_genesis, l2_genesis);
                submissions.iter().for_each(|s| seq.submit(s.clone()).expect("room"));
                seq
            },
            |mut seq| seq.produce(SimTime(12_000_000), &btc),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, l2_execution, l2_block_building);
criterion_main!(benches);
