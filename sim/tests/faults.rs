//! Faults of peers and links: partitions, crashes, lossy and slow links, skewed clocks.
//!
//! - Validation: stale blocks of a partition of two groups for T seconds match the closed form of
//!   two independent Poisson chains (the heavier wins at the heal), at three parameter points.
//! - Convergence after every fault kind, on several seeds (the run's own liveness check fails a
//!   run that does not converge within the scenario's bound; here every run must pass it).
//! - A crash: what each duty keeps and loses, and a restarted wallet never spends twice.
//! - Determinism with faults, and bad fault tables refused with the key named.

mod common;

use common::*;
use hemisim::harness::runner::{RunOptions, run_once};
use hemisim::scenario::{FaultConfig, FaultKind, Scenario};
use hemisim_reports::record::RunRecord;
use hemisim_reports::theory;

fn partition(at_s: f64, for_s: f64, group: &[&str]) -> FaultConfig {
    FaultConfig {
        kind: FaultKind::Partition,
        at_s,
        for_s,
        peers: vec!["sequencer".into()],
        groups: vec![group.iter().map(|s| s.to_string()).collect()],
        probability: 0.0,
        extra_ms: 0.0,
        skew_ms: 0.0,
    }
}

/// A Bitcoin-only world of 8 equal miners with a short link delay, partitioned `count` times
/// (each `for_s` long, 3 hours apart), the first `split` miners against the rest.
fn partitioned(count: usize, for_s: f64, split: u32) -> Scenario {
    let period_s = for_s + 7_200.0;
    let sets = [
        "bitcoin.miners=8".to_string(),
        "bitcoin.propagation_delay_ms=100".to_string(),
        "bitcoin.propagation_jitter_ms=50".to_string(),
        format!("duration_s={}", (count as f64 * period_s + 7_200.0) as u64),
    ];
    let mut s = scenario("stale-rate", &sets.iter().map(String::as_str).collect::<Vec<_>>());
    let group = format!("miners:0..{split}");
    s.fault = (0..count).map(|i| partition(3_600.0 + i as f64 * period_s, for_s, &[group.as_str()])).collect();
    s
}

/// Stale blocks found inside each partition window (blocks outside them rarely go stale with a
/// 100 ms delay).
fn stale_per_partition(record: &RunRecord, s: &Scenario) -> Vec<f64> {
    s.fault
        .iter()
        .map(|f| {
            let (start, end) = ((f.at_s * 1e6) as u64, ((f.at_s + f.for_s) * 1e6) as u64);
            let stale = record.btc.blocks.iter().filter(|b| !b.main_chain && (start..end).contains(&b.found_at_us));
            stale.count() as f64
        })
        .collect()
}

#[test]
fn stale_blocks_of_a_partition_match_two_poisson_chains() {
    // (partitions, duration, miners in the first group, seed)
    let points = [(300, 3_600.0, 4, 61u64), (300, 3_600.0, 2, 62), (200, 7_200.0, 4, 63)];
    for (count, for_s, split, seed) in points {
        let s = partitioned(count, for_s, split);
        let record = run(&s, seed);
        let stale = stale_per_partition(&record, &s);
        let (mean, low, high) = mean_ci99(&stale);
        let per_miner = for_s / s.bitcoin.block_interval_s / f64::from(s.bitcoin.miners);
        let expected = theory::partition_stale_blocks(per_miner * f64::from(split), per_miner * f64::from(8 - split));
        println!(
            "partition {split}/{} for {for_s} s: stale {mean:.3} [{low:.3}, {high:.3}], expected {expected:.3}",
            8 - split
        );
        assert!(
            low <= expected && expected <= high,
            "split {split}, {for_s} s: expected {expected:.4} outside the 99% CI [{low:.4}, {high:.4}] (seed {seed})"
        );
        let faults = record.faults.as_ref().expect("faults recorded");
        assert_eq!(faults.faults.len(), count);
        assert!(faults.convergence_us().is_some_and(|c| c <= faults.bound_us), "{faults:?}");
    }
}

/// A run with every part of the stack (L2, PoP, settlement layer, users) and one fault table.
fn stack_with(fault: &str, seed: u64) -> RunRecord {
    let dir = scratch_dir(&format!("fault-{seed}-{}", fault.len()));
    let path = dir.join("world.toml");
    let text = format!(
        "name = \"faults\"\nseed = 1\nduration_s = 14400\n[bitcoin]\nminers = 6\nbackground_tx_rate_per_s = 0.05\n\
         [l2]\nblock_time_s = 12\nverifiers = 2\n[workload]\ntx_rate_per_s = 0.5\naccounts = 100\n[pop]\nminers = 2\n\
         [ethereum]\n[[fault]]\nat_s = 3600\nfor_s = 3600\n{fault}\n"
    );
    std::fs::write(&path, text).expect("scratch dir is writable");
    let s = Scenario::load(&path, &[]).expect("valid fault scenario");
    let out = run_once(&s, seed, RunOptions::default()).expect("run completes");
    assert!(out.violations.is_empty(), "seed {seed}, fault {fault}: {:?}", out.violations);
    out.record
}

#[test]
fn the_network_converges_after_every_fault_kind_on_several_seeds() {
    let faults = [
        "kind = \"partition\"\ngroups = [[\"miners:0..3\", \"sequencer\", \"verifier-0\", \"ethereum\"]]",
        "kind = \"crash\"\npeers = [\"sequencer\", \"verifier-1\", \"miners:50%\", \"pop-miner-0\"]",
        "kind = \"loss\"\nprobability = 0.3\npeers = [\"all\"]",
        "kind = \"slow\"\nextra_ms = 4000\npeers = [\"verifiers\", \"miners:0..2\"]",
        "kind = \"clock_skew\"\nskew_ms = -20000\npeers = [\"sequencer\", \"verifier-0\"]",
    ];
    for fault in faults {
        for seed in [1, 2, 3] {
            let record = stack_with(fault, seed);
            let f = record.faults.as_ref().expect("faults recorded");
            let convergence = f.convergence_us().expect("converged");
            assert!(convergence <= f.bound_us, "seed {seed}, {fault}: {convergence} us > {} us", f.bound_us);
            // Users kept going after the fault: their transactions were resent, not stuck.
            let l2 = record.l2.as_ref().expect("l2");
            let late = l2.blocks.iter().filter(|b| b.produced_at_us > 10_800_000_000).map(|b| b.tx_count).sum::<u32>();
            assert!(late > 500, "seed {seed}, {fault}: only {late} transactions in the last hour");
        }
    }
}

#[test]
fn a_crashed_sequencer_loses_its_mempool_and_keeps_its_chain() {
    let record = stack_with("kind = \"crash\"\npeers = [\"sequencer\"]", 4);
    let f = record.faults.as_ref().expect("a run with faults records them");
    assert_eq!(f.faults[0].peers, "sequencer");
    let l2 = record.l2.as_ref().expect("the stack runs an L2");
    // No block while it was down (3600 s to 7200 s), and the chain went on from where it was.
    let down = l2.blocks.iter().filter(|b| (3_600_000_000..7_200_000_000).contains(&b.produced_at_us)).count();
    assert_eq!(down, 0, "blocks produced while crashed");
    let numbers: Vec<u64> = l2.blocks.iter().map(|b| b.number).collect();
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "one chain, no gap in numbers");
    // The settlement chain's timestamps are its parent's plus the block time: it caught up.
    assert!(l2.blocks.len() > 1_150, "caught up the slots it missed: {}", l2.blocks.len());
    assert!(f.mempool_lost_txs > 0, "users' pending transactions were in its mempool");
}

#[test]
fn crashed_miners_stop_mining_and_restart_where_their_chain_was() {
    let record = stack_with("kind = \"crash\"\npeers = [\"miners:0..3\"]", 5);
    let crashed = ["miner-0", "miner-1", "miner-2"];
    let mined_while_down = record
        .btc
        .blocks
        .iter()
        .filter(|b| crashed.contains(&b.miner.as_str()) && (3_600_000_000..7_200_000_000).contains(&b.found_at_us));
    assert_eq!(mined_while_down.count(), 0);
    let after =
        record.btc.blocks.iter().filter(|b| crashed.contains(&b.miner.as_str()) && b.found_at_us > 7_200_000_000);
    assert!(after.count() > 0, "they mine again after the restart");
}

#[test]
fn restarted_pop_miners_publish_again_without_conflicts() {
    // Their wallets keep the coins of transactions they sent pending (a wallet is on disk), though
    // their nodes' mempools are gone: what they send after the restart spends other coins, so it
    // is published (a conflicting spend would be refused by every node and never confirm).
    let record = stack_with("kind = \"crash\"\npeers = [\"pop-miner-0\", \"pop-miner-1\"]", 6);
    let pop = record.pop.as_ref().expect("pop");
    let sent_after: Vec<_> = pop.sent.iter().filter(|t| t.sent_at_us > 7_200_000_000).collect();
    assert!(!sent_after.is_empty(), "they publish again");
    let published: std::collections::BTreeSet<&str> = pop.publications.iter().map(|p| p.txid.as_str()).collect();
    let confirmed = sent_after.iter().filter(|t| published.contains(t.txid.as_str())).count();
    assert!(confirmed * 10 >= sent_after.len() * 9, "{confirmed} of {} confirmed", sent_after.len());
    let mut txids: Vec<&str> = pop.sent.iter().map(|t| t.txid.as_str()).collect();
    let all = txids.len();
    txids.sort_unstable();
    txids.dedup();
    assert_eq!(txids.len(), all, "no transaction sent twice");
}

/// A settlement chain whose every peer's clock runs 15 minutes ahead for a while (`peers`).
fn skewed_settlement(dir: &std::path::Path, peers: &str) -> Result<Scenario, String> {
    let path = dir.join(format!("skew-{}.toml", peers.len()));
    let text = format!(
        "name = \"skew\"\nseed = 1\nduration_s = 1800\n[bitcoin]\nminers = 4\n[l2]\nblock_time_s = 6\nverifiers = 1\n\
         [ethereum]\nslot_s = 6\n[[fault]]\nkind = \"clock_skew\"\nat_s = 600\nfor_s = 600\nskew_ms = 900000\npeers = {peers}\n"
    );
    std::fs::write(&path, text).expect("scratch dir is writable");
    Scenario::load(&path, &[]).map_err(|e| e.to_string())
}

#[test]
fn a_skewed_clock_never_hits_the_ethereum_l1_whose_slots_keep_true_time() {
    // World 679 of the swarm: a skewed `all` moved the L1's slot clock too, so it ran the slots
    // of 15 more minutes than the run (a liveness violation of its own slot count).
    let dir = scratch_dir("skew-ethereum");
    let s = skewed_settlement(&dir, "[\"all\"]").expect("valid scenario");
    let out = run_once(&s, 1, RunOptions::default()).expect("run completes");
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    let refused = skewed_settlement(&dir, "[\"ethereum\"]").expect_err("the L1 cannot be skewed");
    assert!(refused.contains("fault.0.peers") && refused.contains("beacon chain"), "{refused}");
}

#[test]
fn faults_are_deterministic_and_the_seed_matters() {
    let fault = "kind = \"loss\"\nprobability = 0.2\npeers = [\"all\"]";
    let (a, b, c) = (stack_with(fault, 7), stack_with(fault, 7), stack_with(fault, 8));
    assert_eq!(a.meta.trace_hash, b.meta.trace_hash);
    assert_ne!(a.meta.trace_hash, c.meta.trace_hash);
}

#[test]
fn bad_fault_tables_are_refused_naming_the_key() {
    let dir = scratch_dir("bad-faults");
    let cases = [
        ("kind = \"partition\"\nat_s = 10\nfor_s = 10\ngroups = []", "fault.0.groups"),
        ("kind = \"loss\"\nat_s = 10\nfor_s = 10\npeers = [\"all\"]\nprobability = 1.5", "fault.0.probability"),
        ("kind = \"crash\"\nat_s = 10\nfor_s = 10\npeers = [\"miners:5..9\"]", "bitcoin.miners = 8"),
        ("kind = \"crash\"\nat_s = 10\nfor_s = 10\npeers = [\"attacker\"]", "fault.0.peers"),
        ("kind = \"slow\"\nat_s = 10\nfor_s = 10\npeers = [\"all\"]\nextra_ms = 5\nskew_ms = 3", "fault.0.skew_ms"),
        ("kind = \"slow\"\nat_s = 10\nfor_s = 3600\npeers = [\"all\"]\nextra_ms = 5", "fault.0.for_s"),
        ("kind = \"clock_skew\"\nat_s = 10\nfor_s = 10\npeers = [\"nobody\"]\nskew_ms = 5", "expected a peer"),
    ];
    for (i, (fault, expected)) in cases.iter().enumerate() {
        let path = dir.join(format!("bad-{i}.toml"));
        let text = format!(
            "name = \"bad\"\nseed = 1\nduration_s = 3600\n[bitcoin]\nminers = 8\n[attack]\nkind = \"double-spend\"\nhashrate_share = 0.1\n[[fault]]\n{fault}\n"
        );
        std::fs::write(&path, text).expect("scratch dir is writable");
        let out = hemisim(&["run", path.to_str().expect("utf-8"), "--out", dir.join("out").to_str().expect("utf-8")]);
        let line = refused_line(&out, fault);
        assert!(line.contains(expected), "{fault}: {line}");
    }
}
