//! A conducted sequencer set on a settlement chain (`[sequencer] ha = "conductor"` with
//! `[ethereum]`, scenarios/failover-settlement.toml): every member derives from L1, the leader
//! alone batches.
//!
//! - After each failover the safe head keeps advancing, from the new leader's batches.
//! - Verifiers and members agree on the safe chain; every gossiped (committed) block becomes
//!   safe as it is: no gossiped unsafe block is replaced.
//! - No block is batched twice and none is skipped: the leaders' batches follow each other.
//! - A leader crashing with a batch on its way to L1, or with a long channel open, loses
//!   nothing: the next leader posts what L1 does not hold.
//! - Determinism; a rotating set on a settlement chain is refused with the key named.

mod common;

use common::trace::{Event, read_trace};
use common::*;
use hemisim::harness::runner::{RunOptions, run_once};
use hemisim::scenario::{FaultConfig, FaultKind, Override, Scenario};
use std::collections::BTreeMap;

/// The scenario's leaders' crashes (s): 2 h, 5 h (50 s into a channel), 8 h.
const CRASHES: [f64; 3] = [7_200.0, 18_050.0, 28_800.0];

/// Runs `s` with its trace; fails on any safety violation (the run's own checks: one gossiped
/// block per height, one safe chain, safe heads never back).
fn traced(s: &Scenario, seed: u64, name: &str) -> Vec<Event> {
    let path = scratch_dir(name).join("trace.jsonl");
    let options = RunOptions { trace_file: Some(path.clone()), ..RunOptions::default() };
    let out = run_once(s, seed, options).expect("run completes");
    assert!(out.violations.is_empty(), "seed {seed}: {:?}", out.violations);
    read_trace(&path)
}

fn of<'a>(events: &'a [Event], kind: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
    events.iter().filter(move |e| e.kind == kind)
}

fn is_member(peer: &str) -> bool {
    peer == "sequencer" || peer.starts_with("sequencer-")
}

/// Every batch posted, in order: (time, peer, first, last).
fn batches(events: &[Event]) -> Vec<(f64, String, u64, u64)> {
    of(events, "batch-posted").map(|e| (e.at, e.peer.clone(), e.n("first"), e.n("last"))).collect()
}

/// Each batch starts right after the last one ends: no block posted twice, none skipped.
fn assert_batches_follow_each_other(events: &[Event]) {
    let all = batches(events);
    assert!(!all.is_empty(), "no batch posted");
    let mut next = 1;
    for (at, peer, first, last) in &all {
        assert_eq!(*first, next, "batch {first}..={last} by {peer} at {at} s: expected it to start at block {next}");
        next = last + 1;
    }
}

/// The safe chain every node reports: one hash per height (the run checks it too), and each
/// committed block, once its height is safe, is that block.
fn assert_committed_blocks_became_safe(events: &[Event]) -> BTreeMap<u64, String> {
    let mut safe: BTreeMap<u64, String> = BTreeMap::new();
    for e in of(events, "l2-safe") {
        let hash = e.text("hash").to_owned();
        let first = safe.entry(e.n("number")).or_insert_with(|| hash.clone());
        assert_eq!(*first, hash, "two safe blocks at {} ({} at {} s)", e.n("number"), e.peer, e.at);
    }
    let mut committed = 0;
    for e in of(events, "l2-block-committed") {
        if let Some(hash) = safe.get(&e.n("number")) {
            assert_eq!(hash, e.text("hash"), "gossiped block {} replaced on the safe chain", e.n("number"));
            committed += 1;
        }
    }
    // Every safe block is one the group committed (none was derived in its place).
    assert_eq!(committed, safe.len(), "committed blocks among the safe ones");
    safe
}

/// Verifiers and members derive the same: for each L1 block, the safe head it took each node
/// to is the same; and at the end every node's safe head is within a channel of the highest.
fn assert_nodes_agree_on_the_safe_head(events: &[Event]) {
    let mut by_l1: BTreeMap<u64, BTreeMap<String, u64>> = BTreeMap::new();
    let mut last: BTreeMap<String, u64> = BTreeMap::new();
    for e in of(events, "l2-safe") {
        let head = by_l1.entry(e.n("derived_from")).or_default().entry(e.peer.clone()).or_default();
        *head = (*head).max(e.n("number"));
        last.insert(e.peer.clone(), e.n("number"));
    }
    for (l1, heads) in &by_l1 {
        let first = heads.values().next().expect("one");
        assert!(heads.values().all(|h| h == first), "L1 block {l1} took the nodes to different safe heads: {heads:?}");
    }
    assert_eq!(last.keys().filter(|p| p.starts_with("verifier-")).count(), 2, "{last:?}");
    assert_eq!(last.keys().filter(|p| is_member(p)).count(), 3, "{last:?}");
    let top = last.values().copied().max().expect("safe blocks");
    assert!(last.values().all(|&h| h + 12 >= top), "safe heads at the end: {last:?}");
}

#[test]
fn after_each_failover_the_new_leader_batches_and_the_safe_head_advances() {
    let s = scenario("failover-settlement", &[]);
    let events = traced(&s, 1, "setl-failovers");
    let leaders: Vec<&Event> = of(&events, "sequencer-leader").collect();
    assert_eq!(leaders.len(), CRASHES.len(), "one election per crash");
    for (leader, crash) in leaders.iter().zip(CRASHES) {
        assert!(leader.at > crash && leader.at < crash + 3.0, "elected at {} after the crash at {crash}", leader.at);
        let name =
            if leader.n("member") == 0 { "sequencer".to_owned() } else { format!("sequencer-{}", leader.n("member")) };
        assert_eq!(leader.peer, name);
        // The safe head before the crash, and what it reaches within three minutes of it.
        let safe_at = |t: f64| of(&events, "l2-safe").filter(|e| e.at <= t).map(|e| e.n("number")).max().unwrap_or(0);
        let before = safe_at(crash);
        let after = safe_at(crash + 180.0);
        // 180 s are 15 blocks; the new leader's first batch lands within two L1 blocks, a
        // channel interval and a poll of its election.
        assert!(after >= before + 10, "safe head {before} at the crash at {crash} s, {after} three minutes later");
        // The batches after the election are the new leader's.
        let posted: Vec<_> =
            batches(&events).into_iter().filter(|b| b.0 > leader.at && b.0 < leader.at + 3_000.0).collect();
        assert!(!posted.is_empty() && posted.iter().all(|b| b.1 == name), "batches after {}: {posted:?}", leader.at);
        // The first one no sooner than two L1 blocks after the election (what the last leader
        // posted has landed by then), and within a channel interval, a poll and a slot more.
        let first = posted[0].0 - leader.at;
        assert!((12.0..=24.0 + 60.0 + 6.0 + 12.0).contains(&first), "first batch {first} s after the election");
    }
    assert_batches_follow_each_other(&events);
    let safe = assert_committed_blocks_became_safe(&events);
    assert!(safe.len() > 3_500, "{} safe blocks of 3 599", safe.len());
    assert_nodes_agree_on_the_safe_head(&events);
    assert_eq!(of(&events, "l2-reorg").count(), 0, "no unsafe reorg");
    let committed: Vec<u64> = of(&events, "l2-block-committed").map(|e| e.n("number")).collect();
    assert!(committed.windows(2).all(|w| w[1] == w[0] + 1), "committed heights go up one at a time");
}

/// failover-settlement.toml, three hours, with only the crash `fault`.
fn with_one_crash(fault: Option<FaultConfig>, sets: &[&str]) -> Scenario {
    let mut s = scenario("failover-settlement", sets);
    s.fault.clear();
    s.fault.extend(fault);
    s.duration_s = 10_800;
    s
}

fn crash(at_s: f64, peer: &str) -> FaultConfig {
    FaultConfig {
        kind: FaultKind::Crash,
        at_s,
        for_s: 600.0,
        peers: vec![peer.into()],
        groups: Vec::new(),
        probability: 0.0,
        extra_ms: 0.0,
        skew_ms: 0.0,
    }
}

#[test]
fn a_leader_crashing_with_a_batch_on_its_way_to_l1_loses_nothing_and_posts_nothing_twice() {
    // A run without the crash finds a batch the leader posts after an hour; the same world
    // (same seed: identical until the crash) then crashes the leader 50 ms after it posted,
    // with the batch still on its 100 ms way to L1.
    let quiet = traced(&with_one_crash(None, &[]), 3, "setl-inflight-quiet");
    let (posted_at, ..) = batches(&quiet).into_iter().find(|b| b.0 > 3_600.0).expect("a batch after an hour");
    let events = traced(&with_one_crash(Some(crash(posted_at + 0.05, "sequencer")), &[]), 3, "setl-inflight");
    assert_eq!(of(&events, "sequencer-leader").count(), 1);
    assert_batches_follow_each_other(&events);
    assert_committed_blocks_became_safe(&events);
    assert_nodes_agree_on_the_safe_head(&events);
    assert_eq!(of(&events, "l2-reorg").count(), 0);
}

#[test]
fn a_leader_crashing_with_a_long_channel_open_loses_it_and_the_next_leader_posts_its_blocks() {
    // Channels of ten minutes: the crash at 1 h 25 min finds one open for five minutes, lost
    // with the leader; the next leader posts its blocks from its safe head, once.
    let s = with_one_crash(Some(crash(5_100.0, "sequencer")), &["ethereum.batcher_interval_s=600"]);
    let events = traced(&s, 1, "setl-open-channel");
    let all = batches(&events);
    let old: Vec<_> = all.iter().filter(|b| b.1 == "sequencer" && b.0 < 5_100.0).collect();
    let new: Vec<_> = all.iter().filter(|b| b.1 == "sequencer-1").collect();
    let (last_old, first_new) = (old.last().expect("the first leader batched"), new.first().expect("the next batches"));
    // The open channel held the blocks after the last batch: none of them was posted before
    // the crash, and the next leader's first batch starts right after the last one that was.
    assert_eq!(first_new.2, last_old.3 + 1, "{last_old:?} then {first_new:?}");
    assert!(first_new.3 > last_old.3 + 20, "the open channel's blocks are in the next leader's batch: {first_new:?}");
    assert_batches_follow_each_other(&events);
    assert_committed_blocks_became_safe(&events);
    assert_nodes_agree_on_the_safe_head(&events);
}

#[test]
fn a_settled_set_run_is_deterministic_and_the_seed_matters() {
    let s = with_one_crash(Some(crash(3_600.0, "sequencer")), &[]);
    let hash = |seed: u64| run(&s, seed).meta.trace_hash;
    assert_eq!(hash(5), hash(5));
    assert_ne!(hash(5), hash(6));
}

#[test]
fn a_rotating_set_on_a_settlement_chain_is_refused_naming_what_is_supported() {
    let overrides: Vec<Override> =
        ["sequencer.ha=\"rotation\""].iter().map(|s| Override::parse(s).expect("ok")).collect();
    let e = Scenario::load(&scenario_path("failover-settlement"), &overrides).expect_err("refused").to_string();
    assert!(e.contains("sequencer.ha") && e.contains("\"conductor\"") && e.contains("[ethereum]"), "{e}");
}

/// The `to` height of each unsafe reorg `peer` made, in order.
fn reorg_targets(events: &[Event], peer: &str) -> Vec<u64> {
    of(events, "l2-reorg").filter(|e| e.peer == peer).map(|e| e.n("to")).collect()
}

#[test]
fn after_an_outage_longer_than_the_window_with_a_leader_crash_members_reorg_as_verifiers_do() {
    // Batches withheld for 2 h against a 300-block (1 h) window, the leader crashing in the
    // middle of it: from an hour into the outage every L1 block forces one more epoch, and the
    // leader's unsafe blocks above it are replaced. Before the fix (the new leader kept waiting
    // for a pending block a derivation reorg had taken) the members reorged 460 times on their
    // own, the verifiers once, and the new leader committed 23 blocks and posted nothing.
    const OUTAGE: (f64, f64) = (1_800.0, 7_200.0);
    let mut s = with_one_crash(Some(crash(5_000.0, "sequencer")), &["ethereum.seq_window_blocks=300"]);
    s.fault.push(FaultConfig {
        kind: FaultKind::WithholdBatches,
        at_s: OUTAGE.0,
        for_s: OUTAGE.1,
        peers: vec!["sequencer".into()],
        ..crash(0.0, "sequencer")
    });
    let events = traced(&s, 1, "setl-forced");
    let (end, last) = (OUTAGE.0 + OUTAGE.1, s.duration_s as f64);

    // Forced blocks are derived, and each member's unsafe reorgs are the verifiers': the same
    // heights in the same order (no reorg a member makes on its own).
    assert!(of(&events, "l2-safe").any(|e| e.flag("forced")), "the window ran out: forced blocks");
    let verifier = reorg_targets(&events, "verifier-0");
    assert!(!verifier.is_empty(), "the forced blocks reorged the verifiers");
    for peer in ["verifier-1", "sequencer-1", "sequencer-2"] {
        assert_eq!(reorg_targets(&events, peer), verifier, "{peer}'s reorgs against verifier-0's");
    }
    // At most one forced reorg per L1 block.
    let l1_blocks = of(&events, "l1-block").count();
    assert!(verifier.len() <= l1_blocks, "{} reorgs in {l1_blocks} L1 blocks", verifier.len());

    // The new leader keeps committing, before and after the outage ends, and batches after it.
    let by_new_leader = |from: f64, to: f64| {
        of(&events, "l2-block-committed").filter(|e| e.peer == "sequencer-1" && e.at > from && e.at < to).count()
    };
    assert!(by_new_leader(5_000.0, end) > 300, "new leader's commits in the outage: {}", by_new_leader(5_000.0, end));
    assert!(by_new_leader(end, last) > 100, "new leader's commits after it");
    let posted_after = batches(&events).iter().filter(|(at, peer, ..)| *at > end && peer == "sequencer-1").count();
    assert!(posted_after > 10, "new leader's batches after the outage: {posted_after}");

    // The safe head advances after the outage, on the leader's batches (not forced blocks).
    let safe_at = |t: f64| {
        of(&events, "l2-safe").filter(|e| e.peer == "verifier-0" && e.at <= t).map(|e| e.n("number")).max().unwrap_or(0)
    };
    let unforced_after =
        of(&events, "l2-safe").filter(|e| e.peer == "verifier-0" && e.at > end && !e.flag("forced")).count();
    assert!(
        safe_at(last) > safe_at(end) + 100,
        "safe head {} at the end, {} at the outage's end",
        safe_at(last),
        safe_at(end)
    );
    assert!(unforced_after > 100, "batched safe blocks after the outage: {unforced_after}");
    // The blocks the outage forced were derived, not batched: the new leader's batches start
    // right above the safe head they found and skip nothing (the batch racing the last forced
    // reorg is posted again from the forced block up, so ranges may overlap there).
    let after: Vec<_> = batches(&events).into_iter().filter(|(at, ..)| *at > end).collect();
    let mut next = safe_at(after[0].0) + 1;
    for (at, peer, first, last) in &after {
        assert!(*first <= next, "batch {first}..={last} by {peer} at {at} s: block {next} skipped");
        next = next.max(last + 1);
    }
}
