//! Issue 14: the history rewrite (`[attack] kind = "rewrite"`) against both fork choices, in
//! whole runs (docs/validation.md §9).
//!
//! Under `l2.fork_choice = "pop"` a rewrite whose honest keystone was first published d Bitcoin
//! blocks deep when the attacker's private branch started succeeds with probability
//! `theory::pop_rewrite_success(q, d)` = (q/p)^(d+1): checked at two (q, d) points within 99%
//! Wilson intervals, with enough trials that the nearest wrong form, (q/p)^d, falls outside.
//! Under `"derivation"` (as deployed) it succeeds whenever the Ethereum rules let it, whatever q.

mod common;

use common::*;
use hemisim::harness::replicate::run_replications;
use hemisim::harness::runner::RunOptions;
use hemisim::harness::sweep::Progress;
use hemisim::scenario::Scenario;
use hemisim_reports::record::{RewriteRecord, RunRecord};
use hemisim_reports::stats::wilson_interval_at;
use hemisim_reports::theory::pop_rewrite_success;

/// Two-sided 99% normal quantile.
const Z_99: f64 = 2.575_829;

/// A small world for many trials: the sequencer rewrites blocks 51 to 110 (keystones 75 and 100:
/// the rewritten history's first keystone and the next one are both replaced, so no honest
/// publication of its continuation endorses it) from just after t = 10 min; its batches are held
/// for an hour, so derivation reaches the rewritten history after the honest keystones are
/// published (the race of §9 starts from a published keystone); the attacker gives up `give_up`
/// blocks behind, where (q/p)^(give_up + 1) is negligible.
fn race_world(fork_choice: &str, q: f64, d: u32, give_up: u32) -> Scenario {
    let text = format!(
        r#"
name = "rewrite-race"
seed = 1
duration_s = 12600

[bitcoin]
miners = 4

[l2]
block_time_s = 12
verifiers = 1
fork_choice = "{fork_choice}"

[workload]
# Users, so that the rewritten blocks differ from the gossiped ones.
tx_rate_per_s = 0.2
accounts = 100

[pop]
miners = 1

[ethereum]
slot_s = 12

[attack]
kind = "rewrite"
at_s = 612
depth_l2_blocks = 60
hashrate_share = {q}
publication_depth_blocks = {d}
give_up_deficit_blocks = {give_up}
hold_batches_s = 3600
"#
    );
    Scenario::from_toml_str(&text, "rewrite-race.toml", &[]).expect("a valid scenario")
}

/// Each run's rewrite record, after checking that a run's only safety violations can be a
/// superfinal block reverted by a rewrite that won (BFG's rule does not see competing
/// keystones: under "pop" that is the violation it is, and the runs go on to measure).
fn rewrites(s: &Scenario, seed: u64, runs: u32) -> Vec<(RunRecord, RewriteRecord)> {
    let options = RunOptions { keep_going: true, ..RunOptions::default() };
    run_replications(s, seed, runs, &options, &Progress::new(2))
        .into_iter()
        .map(|out| {
            let out = out.expect("run completes");
            let rewrite = out.record.attack.as_ref().and_then(|a| a.rewrite.clone()).expect("a rewrite record");
            for v in &out.violations {
                let won = rewrite.race_end.as_deref() == Some("published");
                assert!(
                    won && v.message.starts_with("superfinal L2 block"),
                    "seed {}: {v:?} ({rewrite:?})",
                    out.record.meta.seed
                );
            }
            (out.record, rewrite)
        })
        .collect()
}

/// The trials of the race of §9: the sequencer rewrote, the race started with the honest
/// publication exactly d deep before derivation reached the rewritten history (the start depth
/// is known before the race, so keeping these trials biases nothing), and ended before the run.
fn decided_races(rewrites: &[(RunRecord, RewriteRecord)], d: u32) -> (u64, u64) {
    let derivation_from_us = (612 + 3600) * 1_000_000;
    let races = rewrites.iter().map(|(_, r)| r).filter(|r| {
        r.trials() == 1
            && r.race_start_depth == Some(d)
            && r.race_started_at_us.is_some_and(|t| t < derivation_from_us)
            && r.race_end.is_some()
    });
    races.fold((0, 0), |(n, k), r| (n + 1, k + r.successes()))
}

fn check_point(q: f64, d: u32, runs: u32, seed: u64) {
    let (n, k) = decided_races(&rewrites(&race_world("pop", q, d, 6), seed, runs), d);
    let expected = pop_rewrite_success(q, d);
    let wrong = pop_rewrite_success(q, d - 1);
    let interval = wilson_interval_at(k, n, Z_99).expect("trials");
    println!(
        "(q, d) = ({q}, {d}): {k} of {n} rewrites succeeded, 99% [{:.4}, {:.4}]; theory {expected:.4}",
        interval.low, interval.high
    );
    assert!(n >= runs as u64 / 2, "({q}, {d}): only {n} of {runs} runs raced from depth {d}");
    assert!(
        interval.low <= expected && expected <= interval.high,
        "({q}, {d}): {k} of {n} succeeded, 99% interval [{}, {}] misses the closed form {expected}",
        interval.low,
        interval.high
    );
    // The test can fail: the form where a tie already wins lies outside this many trials' reach.
    let half = Z_99 * (expected * (1.0 - expected) / n as f64).sqrt();
    assert!(wrong > expected + half, "({q}, {d}): {n} trials cannot tell {expected} from {wrong}");
}

#[test]
fn under_pop_the_rewrite_succeeds_as_often_as_the_catch_up_race_says_at_q_0_3_d_1() {
    check_point(0.3, 1, 80, 1);
}

#[test]
fn under_pop_the_rewrite_succeeds_as_often_as_the_catch_up_race_says_at_q_0_25_d_2() {
    check_point(0.25, 2, 80, 2);
}

#[test]
fn under_derivation_the_rewrite_succeeds_whatever_the_attackers_hash_rate() {
    for q in [0.0, 0.3] {
        for (record, rewrite) in rewrites(&race_world("derivation", q, 1, 6), 3, 4) {
            let seed = record.meta.seed;
            assert_eq!(rewrite.trials(), 1, "q = {q}, seed {seed}: the sequencer rewrote");
            assert_eq!(rewrite.successes(), 1, "q = {q}, seed {seed}: {rewrite:?}");
        }
    }
}

fn summary_counts(name: &str, sets: &[&str], seed: u64) -> (u64, u64, u64) {
    let record = run(&scenario(name, sets), seed);
    let pop = record.pop.as_ref().expect("[pop]");
    let rewrite = record.attack.as_ref().and_then(|a| a.rewrite.as_ref()).expect("a rewrite record");
    (pop.superfinal_reverts, rewrite.trials(), rewrite.successes())
}

#[test]
fn history_rewrite_reverts_superfinal_blocks_under_derivation_and_none_under_pop() {
    for seed in [1, 2, 3] {
        let (reverts, trials, successes) = summary_counts("history-rewrite", &[], seed);
        assert!(reverts > 0, "seed {seed}: derivation reverted no superfinal block");
        assert_eq!((trials, successes), (1, 1), "seed {seed}: derivation lets the rewrite through");
        let (reverts, trials, successes) = summary_counts("history-rewrite", &["l2.fork_choice=pop"], seed);
        assert_eq!(reverts, 0, "seed {seed}: under pop");
        assert_eq!((trials, successes), (1, 0), "seed {seed}: under pop the honest publications came first");
    }
}

#[test]
fn history_rewrite_runs_are_deterministic_under_both_rules() {
    for sets in [&[][..], &["l2.fork_choice=pop"][..]] {
        let s = scenario("history-rewrite", sets);
        let (a, b) = (run(&s, 7), run(&s, 7));
        assert_eq!(a.meta.trace_hash, b.meta.trace_hash, "{sets:?}");
        assert_ne!(a.meta.trace_hash, run(&s, 8).meta.trace_hash, "{sets:?}: the seed matters");
    }
}

fn load_error(sets: &[&str]) -> String {
    let text = std::fs::read_to_string(scenario_path("history-rewrite")).expect("the scenario file");
    let overrides: Vec<_> =
        sets.iter().map(|s| hemisim::scenario::Override::parse(s).expect("valid override")).collect();
    Scenario::from_toml_str(&text, "t.toml", &overrides).expect_err("refused").to_string()
}

#[test]
fn bad_rewrite_keys_are_refused_with_the_key_and_what_was_expected() {
    let refusals = [
        (&["attack.hashrate_share=1"][..], "attack.hashrate_share: expected a number in [0, 1) for kind = \"rewrite\""),
        (&["attack.depth_l2_blocks=10"][..], "attack.depth_l2_blocks: expected an integer in 25..=10000"),
        (&["attack.publication_depth_blocks=0"][..], "attack.publication_depth_blocks: expected an integer in 1..=100"),
        (&["attack.give_up_deficit_blocks=3"][..], "attack.give_up_deficit_blocks: expected an integer in 4..=1000"),
        (&["attack.at_s=99999"][..], "attack.at_s: expected a finite number in [0, 21600]"),
        (&["attack.equivocate_blocks=5"][..], "only used by kind = \"equivocate\""),
        (&["attack.gamma=0.5"][..], "only used by kind = \"selfish-mining\""),
    ];
    for (sets, expected) in refusals {
        let message = load_error(sets);
        assert!(message.contains(expected), "{sets:?}: {message}");
    }
    let no_pop = std::fs::read_to_string(scenario_path("history-rewrite"))
        .expect("the scenario file")
        .replace("[pop]\nminers = 2\n", "");
    let message = Scenario::from_toml_str(&no_pop, "t.toml", &[]).expect_err("refused").to_string();
    assert!(message.contains("expected [l2], [ethereum] and [pop] tables for \"rewrite\""), "{message}");
}

/// history-rewrite has no tunnel; this variant adds one whose treasury burns 10 hBTC inside the
/// rewritten window (blocks A, t = 30 to 50 min; A' carries no user transaction, so the burn
/// is not in it), paid under the `superfinal` policy: the payout can go out for a burn the
/// rewrite then removes.
fn history_rewrite_with_tunnel(sets: &[&str]) -> Scenario {
    let text = std::fs::read_to_string(scenario_path("history-rewrite")).expect("the scenario file")
        + r#"
[tunnel]
deposit_confirmations = 1
payout_policy = "superfinal"
holders = 5
treasury_btc = 100
treasury_deposit_at_s = 0
treasury_withdraw_btc = 10
treasury_withdraw_at_s = 2400
"#;
    let overrides: Vec<_> =
        sets.iter().map(|s| hemisim::scenario::Override::parse(s).expect("valid override")).collect();
    Scenario::from_toml_str(&text, "history-rewrite-tunnel.toml", &overrides).expect("a valid scenario")
}

/// Over seeds 1 to 3 under both rules, the tunnel's books balance at every row (a payout whose
/// burn the rewrite removed is counted as the loss it is, `lost_payout_sats`, on the vault
/// side), the auditor reports no violation, and no run has a safety violation but the one a
/// won race is under pop (see `rewrites`).
#[test]
fn history_rewrite_keeps_the_tunnel_books_balanced_under_both_rules() {
    let options = RunOptions { keep_going: true, ..RunOptions::default() };
    for sets in [&[][..], &["l2.fork_choice=pop"][..]] {
        let s = history_rewrite_with_tunnel(sets);
        let mut lost = 0;
        for out in run_replications(&s, 1, 3, &options, &Progress::new(2)) {
            let out = out.expect("run completes");
            let seed = out.record.meta.seed;
            let tunnel = out.record.tunnel.as_ref().expect("[tunnel]");
            assert!(!tunnel.ledger.is_empty(), "{sets:?} seed {seed}: the auditor wrote its books");
            for row in &tunnel.ledger {
                let vault = i128::from(row.locked_sats) - i128::from(row.other_sats) - i128::from(row.unminted_sats)
                    + i128::from(row.lost_payout_sats);
                let l2 = i128::from(row.minted_sats) - i128::from(row.burned_sats) + i128::from(row.pending_sats)
                    - i128::from(row.unbacked_sats);
                assert_eq!(vault, l2, "{sets:?} seed {seed}: books at L2 block {}", row.l2_number);
            }
            assert!(tunnel.violations.is_empty(), "{sets:?} seed {seed}: {:?}", tunnel.violations);
            let rewrite = out.record.attack.as_ref().and_then(|a| a.rewrite.clone()).expect("a rewrite record");
            for v in &out.violations {
                let won = rewrite.race_end.as_deref() == Some("published");
                assert!(won && v.message.starts_with("superfinal L2 block"), "{sets:?} seed {seed}: {v:?}");
            }
            lost += tunnel.lost_payouts.len();
        }
        println!("{sets:?}: {lost} lost payouts over seeds 1 to 3");
    }
}
