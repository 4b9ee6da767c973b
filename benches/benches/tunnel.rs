//! The tunnel's per-block cost does not grow with its history: an L2 block (sequencer side: the
//! mint book) and its audit (observer side: the books) cost the same after 0 or 2,000 minted
//! deposits, because the book keeps a settled cursor and the auditor works by deltas.
//!
//! Target: `after_2000_deposits` within 1.5x of `after_0_deposits` for both.

use bitcoin::{Amount, Transaction};
use criterion::{Criterion, criterion_group, criterion_main};
use hemisim_node::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
use hemisim_node::btc::genesis::{Allocation, genesis_block};
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::btc::params::{ChainParams, SUBSIDY};
use hemisim_node::btc::script::p2pkh_for;
use hemisim_node::btc::sealed::SealedBlock;
use hemisim_node::btc::wallet::Wallet;
use hemisim_node::events::Observation;
use hemisim_node::l2::genesis::L2GenesisSpec;
use hemisim_node::l2::sequencer::{Sequencer, SequencerConfig};
use hemisim_node::l2::tx::Address;
use hemisim_node::rng::Stream;
use hemisim_node::time::{SimDuration, SimTime};
use hemisim_node::tunnel::audit::TunnelAuditor;
use hemisim_node::tunnel::deposit::deposit_outputs;
use hemisim_node::tunnel::{TunnelParams, vault_script};
use hemisim_node::units::FeeRate;
use std::hint::black_box;

const PER_BLOCK: usize = 100;

/// A sequencer and an auditor that have seen `deposits` deposits mined and minted.
struct Tunnel {
    node: BitcoinNode,
    sequencer: Sequencer,
    auditor: TunnelAuditor,
    now: SimTime,
}

impl Tunnel {
    fn with_history(deposits: usize) -> Tunnel {
        let mut wallet = Wallet::new("depositor");
        let coins = deposits.max(1) as u32;
        let genesis = SealedBlock::seal(genesis_block(&[Allocation {
            script: wallet.script().clone(),
            value: Amount::from_sat(2_000_000),
            count: coins,
        }]));
        let mut node = BitcoinNode::new(
            ChainParams { max_block_weight: 4_000_000 },
            genesis.clone(),
            &[wallet.script().clone()],
            0.0,
            Stream::derive(0, "tie"),
        );
        wallet.apply(&node.take_coin_deltas());
        let spec = L2GenesisSpec::new(0);
        let params = TunnelParams { vault: vault_script(), deposit_confirmations: 4 };
        let config = SequencerConfig {
            block_time: SimDuration::from_secs(12),
            gas_limit: 30_000_000,
            max_headers_per_block: 3,
            mempool_capacity: 100,
            beneficiary: Address::ZERO,
            keystone_interval_blocks: None,
            tunnel: Some(params),
            settlement: None,
            censorship: Default::default(),
            halts: Vec::new(),
        };
        let l2_genesis = spec.block(&spec.hvm(), &genesis).hash();
        let sequencer = Sequencer::new(config, spec.hvm(), &genesis, l2_genesis);
        let auditor = TunnelAuditor::new(vault_script(), genesis.block_hash());
        let mut tunnel = Tunnel { node, sequencer, auditor, now: SimTime::ZERO };
        let mut height = 0;
        let mut pending: Vec<Transaction> = (0..deposits)
            .map(|i| {
                let coin = wallet.take_coin(Amount::from_sat(1_500_000)).expect("one coin per deposit");
                wallet.spend_coin(
                    coin,
                    deposit_outputs(&vault_script(), Amount::from_sat(1_000_000), Address::with_last_byte(i as u8)),
                    FeeRate::from_sat_per_vb(1.0),
                )
            })
            .collect();
        // The deposits in blocks of 100, then enough empty blocks for all of them to mint.
        while !pending.is_empty() || height < deposits.div_ceil(PER_BLOCK) as u32 + 8 {
            let batch: Vec<Transaction> = pending.drain(..pending.len().min(PER_BLOCK)).collect();
            height += 1;
            let mut txs =
                vec![simple_coinbase(CoinbaseTag { height, miner: "m", extra_nonce: 0 }, p2pkh_for("m"), SUBSIDY)];
            txs.extend(batch);
            tunnel.node.receive_block(SealedBlock::seal(mine_block(
                tunnel.node.tip(),
                SimTime(u64::from(height)),
                txs,
            )));
            tunnel.l2_block();
        }
        for _ in 0..8 {
            tunnel.l2_block();
        }
        tunnel.now = tunnel.now + SimDuration::from_secs(12);
        let block = tunnel.sequencer.produce(tunnel.now, &tunnel.node).block;
        let minted = tunnel.auditor.on_l2_block(block, &tunnel.node).into_iter().find_map(|o| match o {
            Observation::TunnelLedger { minted, .. } => Some(minted.to_sat()),
            _ => None,
        });
        assert_eq!(minted, Some(deposits as u64 * 1_000_000), "every deposit of the history minted");
        tunnel
    }

    /// One L2 block, produced and audited.
    fn l2_block(&mut self) {
        self.now = self.now + SimDuration::from_secs(12);
        let block = self.sequencer.produce(self.now, &self.node).block;
        black_box(self.auditor.on_l2_block(block, &self.node));
    }
}

fn per_block_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("tunnel");
    for deposits in [0, 2_000] {
        let mut tunnel = Tunnel::with_history(deposits);
        group.bench_function(format!("l2_block_and_audit_after_{deposits}_deposits"), |b| b.iter(|| tunnel.l2_block()));
    }
    group.finish();
}

criterion_group!(benches, per_block_cost);
criterion_main!(benches);
