//! The network model (`[network]`): 1,000 nodes x 1,000 blocks with topology and bandwidth,
//! SimBlock's setting (1,000 nodes, 535 kB blocks, SimBlock's 2019 regions), for issue 17's
//! target of under 6 s and half of SimBlock's time. Two forms: 16 miners and 983 relay-only
//! nodes plus the observer (the network's own cost: relay-only nodes are, like SimBlock's nodes,
//! relay state and no more), and 1,000 mining full nodes (every node also validates every block).

use criterion::{Criterion, criterion_group, criterion_main};
use hemisim::harness::runner::{RunOptions, run_once};
use hemisim::scenario::Scenario;
use std::time::Duration;

/// About 1,000 blocks (600,000 s at 600 s) over `miners` miners, the observer and `relays`
/// relay-only nodes.
fn network_scenario(miners: u32, relays: u32) -> Scenario {
    let text = format!(
        "name = \"bench\"\nseed = 1\nduration_s = 600000\n[bitcoin]\nminers = {miners}\nblock_fill_bytes = 535000\n\
         [network]\nnodes = {relays}\noutbound_peers = 8\nrelay = \"compact\"\nregions = \"simblock\"\n"
    );
    Scenario::from_toml_str(&text, "bench", &[]).expect("the benchmark scenario is valid")
}

fn network(c: &mut Criterion) {
    let mut group = c.benchmark_group("network");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    let relays = network_scenario(16, 983);
    group.bench_function("1000_nodes_1000_blocks_16_miners", |b| {
        b.iter(|| run_once(&relays, 1, RunOptions::default()).expect("runs"))
    });
    let miners = network_scenario(1000, 0);
    group.measurement_time(Duration::from_secs(90));
    group.bench_function("1000_miners_1000_blocks", |b| {
        b.iter(|| run_once(&miners, 1, RunOptions::default()).expect("runs"))
    });
    group.finish();
}

criterion_group!(benches, network);
criterion_main!(benches);
