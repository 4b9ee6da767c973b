//! Whole-network simulation speed: simulated time per wall time, madsim included.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hemisim::harness::runner::{RunOptions, run_once};
use hemisim::scenario::BackgroundModel;
use hemisim_benches::bitcoin_scenario;
use std::time::Duration;

fn simulate(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);

    let day = bitcoin_scenario(8, 86_400, 0.5);
    group.throughput(Throughput::Elements(86_400));
    group.bench_function("btc_day_8_miners_0.5tx_per_s", |b| {
        b.iter(|| run_once(&day, 1, RunOptions::default()).expect("runs"))
    });

    // Issue 17's load: 100 Bitcoin nodes under Bitcoin's real 7 tx/s. One simulated hour, not the
    // issue's 30 days (one iteration of those would take hours today: every background
    // transaction is delivered to and validated by every node; ARCHITECTURE.md, "Where time and
    // memory go"). Target: 30 days in under 60 s, i.e. this hour in under 0.083 s.
    let load = bitcoin_scenario(100, 3_600, 7.0);
    group.throughput(Throughput::Elements(3_600));
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("btc_hour_100_nodes_7tx_per_s", |b| {
        b.iter(|| run_once(&load, 1, RunOptions::default()).expect("runs"))
    });

    // Issue 17's target under the aggregate background model: 30 days of it, under 60 s and 2 GB
    // (peak memory measured with `/usr/bin/time -v`, ARCHITECTURE.md "Where time and memory go").
    let month = aggregate(bitcoin_scenario(100, 30 * 86_400, 7.0));
    group.throughput(Throughput::Elements(30 * 86_400));
    group.measurement_time(Duration::from_secs(600));
    group.bench_function("btc_30_days_100_nodes_7tx_per_s_aggregate", |b| {
        b.iter(|| run_once(&month, 1, RunOptions::default()).expect("runs"))
    });

    // Target: under 10 s per iteration (one simulated year, ~52,560 blocks, 8 miners).
    let year = bitcoin_scenario(8, 365 * 86_400, 0.0);
    group.throughput(Throughput::Elements(365 * 86_400));
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("btc_year_8_miners", |b| b.iter(|| run_once(&year, 1, RunOptions::default()).expect("runs")));
    group.finish();
}

/// The scenario with its background load as aggregate demand.
fn aggregate(mut scenario: hemisim::scenario::Scenario) -> hemisim::scenario::Scenario {
    scenario.bitcoin.background_model = BackgroundModel::Aggregate;
    scenario
}

criterion_group!(benches, simulate);
criterion_main!(benches);
