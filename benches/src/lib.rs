//! Shared fixtures of hemisim's criterion benchmarks (`benches/benches/*.rs`).
//!
//! Speed targets live here, in benchmarks, never in timed unit tests:
//! - a Bitcoin-only network of 8 miners simulates one year (about 52,560 blocks) in under 10 s
//!   of wall time on one core, release build (`simulate/btc_year_8_miners`);
//! - 100 Bitcoin nodes under 7 background tx/s simulate 30 days in under 60 s and 2 GB (issue 17;
//!   `simulate/btc_hour_100_nodes_7tx_per_s` runs one hour of it with real transactions;
//!   `simulate/btc_30_days_100_nodes_7tx_per_s_aggregate` the whole month under
//!   `bitcoin.background_model = "aggregate"`; see ARCHITECTURE.md, "Where time and memory go").

use hemisim::scenario::Scenario;

/// An honest Bitcoin-only network of `miners` miners for `duration_s`, with a background load.
pub fn bitcoin_scenario(miners: u32, duration_s: u64, background_tx_rate_per_s: f64) -> Scenario {
    let text = format!(
        "name = \"bench\"\nseed = 1\nduration_s = {duration_s}\n[bitcoin]\nminers = {miners}\nbackground_tx_rate_per_s = {background_tx_rate_per_s}\n"
    );
    Scenario::from_toml_str(&text, "bench", &[]).expect("the benchmark scenario is valid")
}
