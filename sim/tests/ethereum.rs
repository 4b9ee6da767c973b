//! The settlement layer's Ethereum L1 in a run (`[ethereum]`): a day of `scenarios/settlement.toml`
//! checked against its parameters (every slot of the grid, the missed-slot share and the deposit
//! count inside 99% intervals computed here, finality at exactly the configured depth, blocks
//! chained on the slot grid), and determinism.

mod common;

use common::*;
use hemisim_reports::record::EthereumRecord;

fn l1(record: &hemisim_reports::RunRecord) -> &EthereumRecord {
    record.ethereum.as_ref().expect("a run with [ethereum] records its L1")
}

/// A 99% interval of a binomial count of `n` trials at `p` (normal approximation; n p is large).
fn binomial_99(n: u64, p: f64) -> (f64, f64) {
    let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
    (mean - Z_99 * sd, mean + Z_99 * sd)
}

/// A 99% interval of a Poisson count of mean `mean` (normal approximation; the mean is large).
fn poisson_99(mean: f64) -> (f64, f64) {
    (mean - Z_99 * mean.sqrt(), mean + Z_99 * mean.sqrt())
}

#[test]
fn a_day_of_l1_matches_its_parameters() {
    // 5% missed slots and 0.05 deposits/s: enough of each for tight intervals over a day.
    let s = scenario("settlement", &["ethereum.missed_slot_rate=0.05", "ethereum.deposit_rate_per_s=0.05"]);
    let config = s.ethereum.clone().expect("settlement has [ethereum]");
    let record = run(&s, s.seed);
    let eth = l1(&record);

    // Every slot of the grid ran: genesis's slot 0 and one at every 12 s before the end.
    assert_eq!(eth.slots() + 1, s.duration_s / config.slot_s);

    let missed = eth.missed_slots.len() as f64;
    let (low, high) = binomial_99(eth.slots(), config.missed_slot_rate);
    assert!((low..=high).contains(&missed), "{missed} missed of {} slots, 99% interval [{low}, {high}]", eth.slots());

    // A deposit is logged by the first block after it arrives: those included are exactly the
    // arrivals before the last block's time, a Poisson count of mean rate x that time (rate x
    // duration, less the deposits of the last slot or two).
    let last = eth.blocks.last().expect("blocks");
    let (low, high) = poisson_99(config.deposit_rate_per_s * last.time_us as f64 / 1e6);
    let deposits = eth.deposits() as f64;
    assert!((low..=high).contains(&deposits), "{deposits} deposits, 99% interval [{low}, {high}]");

    let mut previous: Option<&hemisim_reports::record::L1BlockRow> = None;
    for block in &eth.blocks {
        assert_eq!(block.finalized, block.number.saturating_sub(64), "finality 64 deep at block {}", block.number);
        assert_eq!(block.time_us % (config.slot_s * 1_000_000), 0, "block {} on the slot grid", block.number);
        if let Some(prev) = previous {
            assert_eq!(block.number, prev.number + 1);
            assert_eq!(block.parent_hash, prev.hash, "block {} extends its predecessor", block.number);
            assert!(block.time_us > prev.time_us);
        }
        previous = Some(block);
    }
    assert_eq!(last.finalized, last.number - 64, "the finalized head is the head - 64");
    assert_eq!((eth.batches(), eth.batch_bytes(), eth.batcher_fees_gwei), (0, 0, 0), "no batcher yet");
    // The L2 runs as without the table (the L1 blocks reach its nodes, which ignore them).
    let l2 = record.l2.as_ref().expect("an L2");
    assert_eq!(l2.blocks.len() as u64, s.duration_s / 12 - 1);
    assert_eq!(l2.state_root_mismatches, 0);
}

#[test]
fn same_seed_same_trace_other_seed_other_trace() {
    let s = scenario("settlement", &["duration_s=7200"]);
    let a = run(&s, 5);
    let b = run(&s, 5);
    let c = run(&s, 6);
    assert_eq!(a.meta.trace_hash, b.meta.trace_hash);
    assert_eq!(l1(&a), l1(&b));
    assert_ne!(a.meta.trace_hash, c.meta.trace_hash);
    assert_ne!(l1(&a).blocks, l1(&c).blocks, "another seed, other missed slots and deposits");
}

/// The L1's streams are its own: a deposit rate moves no missed slot.
#[test]
fn the_deposit_rate_does_not_move_the_missed_slots() {
    let missed = |rate: &str| {
        let s = scenario("settlement", &["duration_s=7200", "ethereum.missed_slot_rate=0.2", rate]);
        l1(&run(&s, 9)).missed_slots.clone()
    };
    assert_eq!(missed("ethereum.deposit_rate_per_s=0"), missed("ethereum.deposit_rate_per_s=1"));
}
