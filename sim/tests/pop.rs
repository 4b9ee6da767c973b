//! Proof-of-Proof end to end: superfinality latency against its closed form (docs/validation.md
//! §4), the fee spike's stall and recovery, and superfinality's safety
//! under Bitcoin reorgs.
//!
//! Statistical checks follow `validation.rs`: fixed seeds, independent replications, and the
//! expected value computed from the formula must lie in the replications' 99% t-interval. Run
//! with `--nocapture` to see the numbers.

mod common;

use common::*;
use hemisim_reports::pop::metrics::block_latencies;
use hemisim_reports::pop::summary::run_latency_stats;
use hemisim_reports::record::RunRecord;
use hemisim_reports::theory::{superfinality_latency, superfinality_latency_quantile};

/// One parameter point of the uncontended anchoring model.
struct Point {
    block_interval_s: f64,
    l2_block_time_s: f64,
    keystone_interval_blocks: u32,
    depth: u32,
}

impl Point {
    fn sets(&self, duration_s: u64) -> Vec<String> {
        vec![
            format!("duration_s={duration_s}"),
            format!("bitcoin.block_interval_s={}", self.block_interval_s),
            // Relay delays well under a second: the closed form has none.
            "bitcoin.propagation_delay_ms=100".into(),
            "bitcoin.background_tx_rate_per_s=0".into(),
            format!("l2.block_time_s={}", self.l2_block_time_s),
            format!("pop.keystone_interval_blocks={}", self.keystone_interval_blocks),
            format!("pop.superfinality_depth={}", self.depth),
            "pop.miners=2".into(),
        ]
    }

    fn period_s(&self) -> f64 {
        f64::from(self.keystone_interval_blocks) * self.l2_block_time_s
    }
}

/// Mean, SD and nearest-rank p95 of the latencies (s) of the L2 blocks produced before `until_us`:
/// blocks made early enough that every one of them is superfinal by the end (asserted), so the
/// sample is not censored.
fn uncensored_stats(record: &RunRecord, until_us: u64) -> (f64, f64, f64) {
    let mut xs: Vec<f64> = block_latencies(record)
        .into_iter()
        .filter(|b| b.produced_at_us <= until_us)
        .map(|b| {
            assert!(b.superfinal, "L2 block {} (seed {}) is not superfinal by the end", b.number, record.meta.seed);
            b.latency_us as f64 / 1e6
        })
        .collect();
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt();
    let p95 = xs[((0.95 * n).ceil() as usize).max(1) - 1];
    (mean, sd, p95)
}

fn check(label: &str, values: &[f64], expected: f64) {
    let (mean, low, high) = mean_ci99(values);
    println!("{label}: measured {mean:.1} s, 99% CI [{low:.1}, {high:.1}], expected {expected:.1} s");
    assert!(low <= expected && expected <= high, "{label}: expected {expected:.1} outside [{low:.1}, {high:.1}]");
}

fn validate(point: &Point, seed: u64, runs: u32) {
    let duration_s = 172_800;
    let sets = point.sets(duration_s);
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    let records = replications(&scenario("anchoring", &sets), seed, runs);
    let m = point.depth + 1;
    let moments = superfinality_latency(point.period_s(), m, point.block_interval_s);
    let p95 = superfinality_latency_quantile(0.95, point.period_s(), m, point.block_interval_s);
    // Blocks of the last P + 60 θ are left out: the chance that a block takes longer is e^-40-ish.
    let until_us = ((duration_s as f64 - point.period_s() - 60.0 * point.block_interval_s) * 1e6) as u64;
    let own: Vec<(f64, f64, f64)> = records.iter().map(|r| uncensored_stats(r, until_us)).collect();
    let km: Vec<_> = records.iter().map(run_latency_stats).collect();
    let name = format!("P = {} s, M = {m}, θ = {} s", point.period_s(), point.block_interval_s);
    check(&format!("{name}: mean"), &own.iter().map(|s| s.0).collect::<Vec<_>>(), moments.mean);
    check(&format!("{name}: SD"), &own.iter().map(|s| s.1).collect::<Vec<_>>(), moments.variance.sqrt());
    check(&format!("{name}: p95"), &own.iter().map(|s| s.2).collect::<Vec<_>>(), p95);
    // The summary's Kaplan–Meier estimates, over every block, censored ones included.
    check(
        &format!("{name}: Kaplan-Meier mean"),
        &km.iter().map(|s| s.mean.expect("a latency")).collect::<Vec<_>>(),
        moments.mean,
    );
    check(&format!("{name}: Kaplan-Meier p95"), &km.iter().map(|s| s.p95.expect("a p95")).collect::<Vec<_>>(), p95);
}

#[test]
fn superfinality_latency_matches_the_closed_form_with_hemis_depth() {
    // P = 50 s, M = 11: E[S] = 685 s.
    validate(&Point { block_interval_s: 60.0, l2_block_time_s: 2.0, keystone_interval_blocks: 25, depth: 10 }, 11, 12);
}

#[test]
fn superfinality_latency_matches_the_closed_form_with_long_keystone_periods() {
    // P = 300 s (comparable to M θ), M = 6: E[S] = 150 + 360 = 510 s.
    validate(&Point { block_interval_s: 60.0, l2_block_time_s: 3.0, keystone_interval_blocks: 100, depth: 5 }, 12, 12);
}

/// Longest wait between two advances of the superfinal frontier (from the start of the run for
/// the first), as (from_us, to_us).
fn longest_stall(record: &RunRecord) -> (u64, u64) {
    let pop = record.pop.as_ref().expect("a [pop] run");
    let mut previous = 0;
    let mut longest = (0, 0);
    for step in &pop.superfinal {
        if step.at_us - previous > longest.1 - longest.0 {
            longest = (previous, step.at_us);
        }
        previous = step.at_us;
    }
    longest
}

#[test]
fn a_fee_spike_over_the_cap_stalls_superfinality_and_it_recovers() {
    const HOUR_US: u64 = 3_600_000_000;
    let spiked = run(&scenario("fee-spike", &[]), 1);
    let pop = spiked.pop.as_ref().expect("a [pop] run");
    let (spike_start, spike_end) = (6 * HOUR_US, 8 * HOUR_US);
    // The miners' estimates went over the cap, and only from the spike on.
    assert!(pop.fee_deferrals.len() > 100, "{} deferrals", pop.fee_deferrals.len());
    assert!(pop.fee_deferrals.iter().all(|d| d.at_us >= spike_start), "no deferral before the spike");
    // Superfinality stalled for hours, starting around the spike ...
    let (from, to) = longest_stall(&spiked);
    println!(
        "fee spike: superfinality stalled from {:.1} h to {:.1} h",
        from as f64 / HOUR_US as f64,
        to as f64 / HOUR_US as f64
    );
    assert!(to - from > 4 * HOUR_US, "a stall of {} s", (to - from) / 1_000_000);
    assert!(from >= spike_start - 3 * HOUR_US && from <= spike_end, "the stall starts with the spike");
    // ... and recovered: by the end, blocks made well after the spike are superfinal again.
    let last = pop.superfinal.last().expect("superfinality advanced");
    let l2 = spiked.l2.as_ref().expect("an [l2] run");
    let made_at = |number: u64| {
        l2.blocks.iter().find(|b| b.number == number).map(|b| b.produced_at_us).expect("a produced block")
    };
    assert!(made_at(last.l2_number) > to + HOUR_US, "superfinal through block {} only", last.l2_number);

    // Without the spike's expensive transactions, there is no stall of that kind.
    let calm = run(
        &scenario(
            "fee-spike",
            &[
                "bitcoin.fee_spike.fee_rate_min_sat_per_vb=1",
                "bitcoin.fee_spike.fee_rate_max_sat_per_vb=20",
                "bitcoin.fee_spike.tx_rate_per_s=0.3",
            ],
        ),
        1,
    );
    let (from, to) = longest_stall(&calm);
    assert!(calm.pop.as_ref().is_some_and(|p| p.fee_deferrals.is_empty()));
    assert!(to - from < 3 * HOUR_US, "calm run stalled from {from} to {to} µs");
}

/// Runs `btc-reorg-pop` with `sets` for `runs` seeds; returns each run's safety messages and the
/// number of publications its observer saw unwound.
fn reorg_runs(sets: &[&str], runs: u32) -> Vec<(u64, Vec<String>, usize)> {
    use hemisim::harness::runner::{RunOptions, run_once};
    use hemisim::harness::seeds::replication_seed;
    use hemisim::harness::violation::ViolationKind;
    let s = scenario("btc-reorg-pop", sets);
    let dir = scratch_dir(&format!("reorg-pop-{}", sets.len()));
    (0..runs)
        .map(|i| {
            let seed = replication_seed(1, i);
            let trace = dir.join(format!("trace-{seed}.jsonl"));
            let options = RunOptions { trace_file: Some(trace.clone()), ..RunOptions::default() };
            let out = run_once(&s, seed, options).expect("run completes");
            let safety =
                out.violations.iter().filter(|v| v.kind == ViolationKind::Safety).map(|v| v.message.clone()).collect();
            let unwound = std::fs::read_to_string(&trace)
                .expect("trace written")
                .matches("\"event\":\"publication-unwound\"")
                .count();
            (seed, safety, unwound)
        })
        .collect()
}

#[test]
fn bitcoin_reorgs_unwind_publications_but_never_superfinality() {
    let runs = reorg_runs(&["duration_s=86400"], 12);
    for (seed, safety, _) in &runs {
        assert!(
            safety.is_empty(),
            "seed {seed}: {safety:?}\n  replay: hemisim run scenarios/btc-reorg-pop.toml --seed {seed}"
        );
    }
    let unwound: usize = runs.iter().map(|r| r.2).sum();
    println!("{} runs, {unwound} publications unwound by reorgs, no superfinality revert", runs.len());
    assert!(
        runs.iter().all(|r| r.2 > 0),
        "every run's reorgs unwound publications: {:?}",
        runs.iter().map(|r| r.2).collect::<Vec<_>>()
    );
}

#[test]
fn the_revert_checker_fires_when_the_depth_is_shallower_than_the_reorgs() {
    let runs = reorg_runs(&["duration_s=86400", "pop.superfinality_depth=1"], 4);
    let reverted: Vec<u64> = runs.iter().filter(|r| !r.1.is_empty()).map(|r| r.0).collect();
    println!("depth 1: superfinality reverted in seeds {reverted:?}");
    assert!(!reverted.is_empty(), "a selfish pool's reorgs beat a depth of 1");
    assert!(runs.iter().flat_map(|r| &r.1).all(|m| m.starts_with("superfinality reverted")));
}
