//! Statistical validation: the mock Bitcoin network reproduces the closed forms of
//! docs/validation.md (§1, §2, §3, §5), each at three or more parameter points.
//!
//! Every expected value is computed here from the formula (`hemisim_reports::theory`), never
//! hard-coded. Each check states the measurement with its 99% confidence interval and asserts the
//! expected value lies inside it. The seeds are fixed, so a run is exactly reproducible; 99%
//! rather than 95% intervals keep a harmless change of sample paths from tripping one check in
//! twenty. Run with `--nocapture` to see every measurement next to its expectation.

mod common;

use common::*;
use hemisim_reports::record::TrialOutcome;
use hemisim_reports::stats::wilson_interval_at;
use hemisim_reports::theory;

fn check(what: &str, expected: f64, measured: f64, low: f64, high: f64) {
    println!("{what}: measured {measured:.5}, 99% CI [{low:.5}, {high:.5}], expected {expected:.5}");
    assert!(
        low <= expected && expected <= high,
        "{what}: expected {expected:.5} outside the 99% CI [{low:.5}, {high:.5}] (measured {measured:.5})"
    );
}

/// Double-spend races, overtake criterion (the attacker publishes only a strictly longer branch),
/// with the give-up rule of `attack.give_up_deficit_blocks` in the closed form. At q = 0.35, z = 2
/// the catch-up form (a tie counts as success) is also shown to be *outside* the interval: the
/// simulation tells the two criteria apart.
#[test]
fn double_spend_success_matches_the_exact_overtake_probability() {
    let points = [(0.1, 1, 41u64, 200u32), (0.2, 2, 42, 250), (0.3, 3, 43, 300), (0.35, 2, 44, 250)];
    for (q, z, seed, days) in points {
        let sets = [
            format!("attack.hashrate_share={q}"),
            format!("attack.confirmations={z}"),
            format!("duration_s={}", days * 86_400),
        ];
        let s = scenario("double-spend", &sets.iter().map(String::as_str).collect::<Vec<_>>());
        let record = run(&s, seed);
        let trials = &record.attack.as_ref().expect("attack recorded").trials;
        let decided: Vec<_> = trials.iter().filter(|t| t.outcome != TrialOutcome::Unfinished).collect();
        let won = decided.iter().filter(|t| t.outcome == TrialOutcome::Success).count() as u64;
        let n = decided.len() as u64;
        assert!(n >= 1_000, "too few races for the claimed precision: {n}");
        let ci = wilson_interval_at(won, n, Z_99).expect("races happened");
        let d = s.attack.as_ref().expect("attack").give_up_deficit_blocks;
        let expected = theory::double_spend_overtake_with_give_up(q, z, d);
        check(&format!("double spend q={q} z={z} ({n} races)"), expected, won as f64 / n as f64, ci.low, ci.high);
        if (q, z) == (0.35, 2) {
            let catch_up = theory::double_spend_catch_up(q, z);
            assert!(catch_up > ci.high, "catch-up probability {catch_up:.4} should lie above the overtake CI {ci:?}");
        }
    }
}

/// Selfish mining (Eyal & Sirer 2014): the pool's share of main-chain blocks, R(a, g). Blocks of
/// one run are strongly correlated, so the interval comes from independent replications.
#[test]
fn selfish_mining_revenue_matches_eyal_sirer() {
    let points = [(0.2, 0.0, 51u64), (0.3, 0.5, 52), (0.4, 1.0, 53)];
    for (a, g, seed) in points {
        let sets = [format!("attack.hashrate_share={a}"), format!("attack.gamma={g}"), "duration_s=2592000".to_owned()];
        let s = scenario("selfish-mining", &sets.iter().map(String::as_str).collect::<Vec<_>>());
        let shares: Vec<f64> = replications(&s, seed, 8)
            .iter()
            .map(|r| {
                let main: Vec<_> = r.btc.blocks.iter().filter(|b| b.main_chain).collect();
                main.iter().filter(|b| b.miner == "attacker").count() as f64 / main.len() as f64
            })
            .collect();
        let (mean, low, high) = mean_ci99(&shares);
        check(
            &format!("selfish mining a={a} g={g} (8 x 30 days)"),
            theory::selfish_mining_revenue(a, g),
            mean,
            low,
            high,
        );
    }
}

/// Block intervals with no propagation delay are exponential with the scenario's mean: the mean,
/// and the share of intervals longer than the mean (e^-1), at three intervals.
#[test]
fn block_intervals_are_exponential() {
    for (interval_s, seed) in [(600.0, 61u64), (150.0, 62), (30.0, 63)] {
        let days = (interval_s * 8_000.0 / 86_400.0_f64).ceil() as u64;
        // Bitcoin only, 8 equal miners, no relay delay (so no stale block shortens an interval).
        let text = format!(
            "name = \"intervals\"\nseed = {seed}\nduration_s = {}\n[bitcoin]\nblock_interval_s = {interval_s}\nminers = 8\npropagation_delay_ms = 0\n",
            days * 86_400
        );
        let s = hemisim::scenario::Scenario::from_toml_str(&text, "intervals", &[]).expect("valid scenario");
        let record = run(&s, seed);
        let mut times: Vec<u64> = record.btc.blocks.iter().filter(|b| b.main_chain).map(|b| b.found_at_us).collect();
        times.sort_unstable();
        let intervals: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]) as f64 / 1e6).collect();
        let n = intervals.len() as f64;
        let mean = intervals.iter().sum::<f64>() / n;
        let sd = (intervals.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt();
        let half = Z_99 * sd / n.sqrt();
        check(
            &format!("block interval mean, T={interval_s}s ({n} intervals)"),
            interval_s,
            mean,
            mean - half,
            mean + half,
        );
        let above = intervals.iter().filter(|&&x| x > interval_s).count() as u64;
        let ci = wilson_interval_at(above, intervals.len() as u64, Z_99).expect("intervals");
        check(
            &format!("share of intervals above the mean, T={interval_s}s"),
            (-1.0f64).exp(),
            above as f64 / n,
            ci.low,
            ci.high,
        );
    }
}

/// Stale rate against propagation delay with 16 equal miners and first-seen tie-breaking, at three
/// delays. Expected: (d'/T)/(1 + d'/T) with d' = d (1 - sum s_i^2), the finite-miner form of
/// Decker & Wattenhofer's (see `theory::stale_rate_for_shares`). At d = 60 s the many-miner limit
/// (d' = d) is shown to lie outside the interval: the simulator resolves the finder's own share.
#[test]
fn stale_rate_matches_the_propagation_delay_formula() {
    for (delay_ms, seed, days) in [(6_000u64, 71u64, 60u64), (30_000, 72, 60), (60_000, 73, 100)] {
        let sets = [format!("bitcoin.propagation_delay_ms={delay_ms}"), format!("duration_s={}", days * 86_400)];
        let s = scenario("stale-rate", &[&sets[0], &sets[1]]);
        let (stale, total) =
            replications(&s, seed, 4).iter().map(stale_and_total).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let ci = wilson_interval_at(stale, total, Z_99).expect("blocks were mined");
        let shares = vec![1.0; s.bitcoin.miners as usize];
        let (d, t) = (delay_ms as f64 / 1e3, s.bitcoin.block_interval_s);
        check(
            &format!("stale rate d={d}s, 16 miners ({total} blocks)"),
            theory::stale_rate_for_shares(d, t, &shares),
            stale as f64 / total as f64,
            ci.low,
            ci.high,
        );
        if delay_ms == 60_000 {
            let limit = theory::stale_rate(d, t);
            assert!(limit > ci.high, "the many-miner limit {limit:.5} should lie above the 16-miner CI {ci:?}");
        }
    }
}
