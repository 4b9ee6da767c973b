//! Whole-network simulation speed: simulated time per wall time, madsim included.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hemisim::harness::runner::{RunOptions, run_once};
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

    // Target: under 10 s per iteration (one simulated year, ~52,560 blocks, 8 miners).
    let year = bitcoin_scenario(8, 365 * 86_400, 0.0);
    group.throughput(Throughput::Elements(365 * 86_400));
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("btc_year_8_miners", |b| b.iter(|| run_once(&year, 1, RunOptions::default()).expect("runs")));
    group.finish();
}

criterion_group!(benches, simulate);
criterion_main!(benches);
