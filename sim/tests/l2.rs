//! The L2 in whole runs: verifiers agree with the sequencer through Bitcoin reorgs, and at
//! saturation throughput is the gas limit per block time.

mod common;

use common::*;

/// Several seeds of the reorg scenario: every verifier re-executes every block to the
/// sequencer's state root. The runs must really exercise reorgs and hVM reads, or the test
/// would prove nothing.
#[test]
fn verifiers_agree_on_every_state_root_through_bitcoin_reorgs() {
    for seed in [1u64, 2, 3, 4] {
        let s = scenario("l2-btc-reorg", &["duration_s=21600"]);
        let record = run(&s, seed);
        let l2 = record.l2.as_ref().expect("the scenario has an L2");
        let blocks = l2.blocks.len() as u64;
        println!(
            "seed {seed}: {blocks} L2 blocks, {} Bitcoin reorgs, {} txs, {} verified",
            record.btc.reorgs.len(),
            l2.latency.total(),
            l2.blocks_verified
        );
        assert_eq!(l2.state_root_mismatches, 0, "seed {seed}");
        assert_eq!(l2.blocks_verified, 2 * blocks, "both verifiers verified every block (seed {seed})");
        assert!(record.btc.reorgs.len() >= 5, "seed {seed}: the scenario must reorg Bitcoin");
        let reorged_l2 = l2
            .blocks
            .windows(2)
            .filter(|w| w[1].btc_tip_height < w[0].btc_tip_height + w[1].btc_headers_ingested)
            .count();
        assert!(reorged_l2 > 0, "seed {seed}: some L2 block must carry a Bitcoin reorg");
        assert!(l2.latency.total() > 1_000, "seed {seed}: users must have transacted");
    }
}

/// Offered load twice the ceiling: gas used per second equals gas_limit / block_time within 1%,
/// the backlog grows to the mempool's capacity, and latency climbs.
#[test]
fn at_saturation_gas_per_second_is_the_gas_limit_per_block_time() {
    let s = scenario("l2-throughput", &[]);
    let record = run(&s, 1);
    let l2 = record.l2.as_ref().expect("the scenario has an L2");
    let config = s.l2.as_ref().expect("[l2]");
    // Measure over the produced blocks: each block accounts for one block time.
    let gas: u64 = l2.blocks.iter().map(|b| b.gas_used).sum();
    let gas_per_s = gas as f64 / (l2.blocks.len() as f64 * config.block_time_s);
    let ceiling = config.gas_limit as f64 / config.block_time_s;
    println!("gas/s {gas_per_s:.0} vs ceiling {ceiling:.0} ({:.3}%)", 100.0 * (gas_per_s / ceiling - 1.0));
    assert!((gas_per_s / ceiling - 1.0).abs() < 0.01, "gas per second {gas_per_s:.0} is not within 1% of {ceiling:.0}");
    let capacity = config.mempool_capacity;
    assert!(l2.backlog_max >= capacity * 9 / 10, "the backlog should reach the mempool's capacity: {}", l2.backlog_max);
    assert!(l2.txs_rejected.iter().any(|(reason, n)| reason == "mempool-full" && *n > 0), "{:?}", l2.txs_rejected);
    // Latency climbs with the backlog: within a block time or two at first, then rising from
    // each third of the run to the next.
    let third = l2.blocks.len() / 3;
    let mean_latency = |rows: &[hemisim_reports::record::L2BlockRow]| {
        rows.iter().map(|b| b.latency_mean_us).sum::<u64>() / rows.len() as u64
    };
    let first_block_s = l2.blocks[0].latency_mean_us as f64 / 1e6;
    assert!(first_block_s <= 2.0 * config.block_time_s, "the first block's latency should be short: {first_block_s} s");
    let (early, middle, late) = (
        mean_latency(&l2.blocks[..third]),
        mean_latency(&l2.blocks[third..2 * third]),
        mean_latency(&l2.blocks[2 * third..]),
    );
    println!("mean latency by third: {early} us, {middle} us, {late} us");
    assert!(early < middle && middle < late, "latency should climb with the backlog: {early}, {middle}, {late} us");
    assert_eq!(l2.state_root_mismatches, 0);
}
