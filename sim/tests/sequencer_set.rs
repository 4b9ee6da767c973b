//! The sequencer set (`[sequencer]`): op-conductor's group and a rotating set.
//!
//! - Validation: the conductor's failover gaps on many leader crashes, and a bad handoff's, match
//!   the health-check arithmetic of docs/validation.md §10 (detection + election + next slot).
//! - Two of three down stalls until an operator override; a rotating set skips a missing member's
//!   slot after `slot_timeout_s`; a censoring member censors only in its turns.
//! - Determinism; `count = 1` is the lone sequencer, byte for byte; bad tables refused.

mod common;

use common::*;
use hemisim::harness::runner::{RunOptions, run_once};
use hemisim::scenario::{FaultConfig, FaultKind, Override, Scenario};
use hemisim_reports::record::{FailoverRow, RunRecord};

/// Block time and one-way link delay of the validation worlds, in µs.
const B: u64 = 12_000_000;
const D: u64 = 100_000;
/// What a hop takes besides the link delay (the simulator's delivery, measured at about 2 ms),
/// as a bound per hop.
const H: u64 = 3_000;

fn fault(kind: FaultKind, at_s: f64, for_s: f64, peer: &str) -> FaultConfig {
    FaultConfig {
        kind,
        at_s,
        for_s,
        peers: vec![peer.into()],
        groups: Vec::new(),
        probability: 0.0,
        extra_ms: 0.0,
        skew_ms: 0.0,
    }
}

/// failover.toml without users, verifiers or faults, `duration_s` long (set after loading: the
/// file's faults are checked against its own duration).
fn conducted(duration_s: u64) -> Scenario {
    let mut s =
        scenario("failover", &["l2.verifiers=0", "workload.tx_rate_per_s=0", "bitcoin.propagation_jitter_ms=0"]);
    s.fault.clear();
    s.duration_s = duration_s;
    s
}

fn record(s: &Scenario, seed: u64) -> RunRecord {
    run(s, seed)
}

fn failovers(r: &RunRecord) -> &[FailoverRow] {
    &r.l2.as_ref().expect("an L2").failovers
}

/// When the last block gossiped before `t` was gossiped (µs).
fn last_block_before(r: &RunRecord, t: u64) -> u64 {
    let blocks = &r.l2.as_ref().expect("an L2").blocks;
    blocks.iter().rev().find(|b| b.produced_at_us < t).expect("a block before").produced_at_us
}

fn ceil_to_slot(t: u64) -> u64 {
    t.div_ceil(B) * B
}

#[test]
fn conductor_failover_gaps_match_the_health_check_arithmetic_on_many_crashes() {
    // 48 leader crashes, 30 minutes apart, at fractional times (the golden-ratio sequence) so
    // that the heartbeat's phase at the crash is spread over the second.
    let crashes = 48;
    let mut s = conducted(1_800 * (crashes + 1));
    let mut times = Vec::new();
    for i in 0..crashes {
        let frac = (i as f64 * 0.618_033_988_75).fract();
        let at_s = 1_800.0 * (i + 1) as f64 + 7.0 * frac;
        times.push((at_s * 1e6).round() as u64);
        // The leader after i crashes is member i mod 3: the next member wins each election.
        let leader = ["sequencer", "sequencer-1", "sequencer-2"][(i % 3) as usize];
        s.fault.push(fault(FaultKind::Crash, at_s, 600.0, leader));
    }
    let r = record(&s, 1);
    let rows = failovers(&r);
    assert_eq!(rows.len(), crashes as usize, "one election per crash: {rows:?}");
    let mut detections = Vec::new();
    for (i, (row, &c)) in rows.iter().zip(&times).enumerate() {
        assert_eq!((row.member, row.reason.as_str()), (((i + 1) % 3) as u32, "election"), "crash {i}");
        // Detection and election: the last heartbeat heard (within a second before the crash, one
        // hop on), 1.5 s of silence, then a pre-vote round trip and a vote round trip.
        let elected = row.at_us - c;
        assert!(
            (5 * D + 500_000..=5 * (D + H) + 1_500_000).contains(&elected),
            "crash {i}: elected {elected} µs after"
        );
        detections.push((elected - 5 * D) as f64 / 1e6);
        // The gap: from the last block gossiped before the crash to the first block of the new
        // leader, built at the first slot after its election and gossiped a commit round trip on.
        let before = last_block_before(&r, c);
        let (earliest, latest) = (c + 5 * D + 500_000, c + 5 * (D + H) + 1_500_000);
        let gap = row.gap_us.expect("blocks after each failover");
        let lo = ceil_to_slot(earliest) + 2 * D - before;
        let hi = ceil_to_slot(latest) + 2 * D - before;
        assert!((lo..=hi + 2 * H).contains(&gap), "crash {i} at {c}: gap {gap} µs outside [{lo}, {hi}]");
        let first = ceil_to_slot(row.at_us) + 2 * D - before;
        assert!((first..=first + 2 * H).contains(&gap), "crash {i}: the first slot after the election");
    }
    // The heartbeat phase is uniform: detection is 1 s on average (1.5 s minus half a heartbeat).
    let mean = detections.iter().sum::<f64>() / detections.len() as f64;
    assert!((mean - 1.0).abs() < 0.15, "mean detection {mean} s");
}

#[test]
fn a_bad_handoff_is_found_by_the_health_check_after_unsafe_interval_and_handed_on() {
    let mut s = conducted(7_200);
    let t_b = [1_000.0, 3_003.5, 5_010.25];
    for &at in &t_b {
        s.fault.push(fault(FaultKind::BadHandoff, at, 600.0, "sequencer"));
    }
    let r = record(&s, 3);
    let rows = failovers(&r);
    assert_eq!(rows.len(), 2 * t_b.len(), "to the member that cannot build, then on: {rows:?}");
    let u = 24_000_000;
    for (k, &at) in t_b.iter().enumerate() {
        let t = (at * 1e6) as u64;
        let (broken, healthy) = (&rows[2 * k], &rows[2 * k + 1]);
        assert_eq!(broken.reason, "handoff");
        let took = broken.at_us - t;
        assert!((3 * D..=3 * (D + H)).contains(&took), "handoff {k}: TimeoutNow and a vote round trip: {broken:?}");
        // Detection at exactly unsafe_interval after it took over, then one more handoff.
        let then = healthy.at_us - broken.at_us;
        assert!((u + 3 * D..=u + 3 * (D + H)).contains(&then), "{healthy:?}");
        let expected = ceil_to_slot(healthy.at_us) + 2 * D - last_block_before(&r, t);
        let gap = healthy.gap_us.expect("blocks after it");
        assert!((expected..=expected + 2 * H).contains(&gap), "bad handoff {k}: gap {gap}, expected {expected}");
        assert!(expected >= u, "the gap is at least unsafe_interval_s");
    }
}

#[test]
fn two_of_three_down_stalls_until_an_operator_override() {
    let mut s = conducted(7_200);
    s.fault.push(fault(FaultKind::Crash, 1_200.0, 3_000.0, "sequencer-1"));
    s.fault.push(fault(FaultKind::Crash, 1_200.0, 3_000.0, "sequencer-2"));
    // The leader alone loses its lease; nobody can be elected; at 40 min the operator overrides.
    s.fault.push(fault(FaultKind::ConductorOverride, 2_400.0, 2_400.0, "sequencer"));
    let r = record(&s, 5);
    let blocks = &r.l2.as_ref().expect("an L2").blocks;
    let stalled = blocks.iter().filter(|b| (1_201_000_000..2_400_000_000).contains(&b.produced_at_us)).count();
    assert_eq!(stalled, 0, "no quorum, no block");
    let rows = failovers(&r);
    assert_eq!((rows[0].member, rows[0].reason.as_str()), (0, "override"), "{rows:?}");
    assert!(rows[0].at_us >= 2_400_000_000 && rows[0].at_us < 2_401_000_000);
    let after = blocks.iter().filter(|b| (2_400_000_000..4_200_000_000).contains(&b.produced_at_us)).count();
    assert!(after >= 149, "the override sequences alone: {after} blocks in 30 min");
    assert!(blocks.last().expect("blocks").produced_at_us > 7_000_000_000, "the group goes on after both restart");
}

/// rotation.toml without verifiers, `duration_s` long, with `sets` (its fault is left out).
fn rotating(duration_s: u64, sets: &[&str]) -> Scenario {
    let mut all = vec!["l2.verifiers=0", "bitcoin.propagation_jitter_ms=0"];
    all.extend(sets);
    let mut s = scenario("rotation", &all);
    s.fault.clear();
    s.duration_s = duration_s;
    s
}

#[test]
fn rotation_skips_a_missing_members_slots_after_slot_timeout() {
    let mut s = rotating(3_600, &["workload.tx_rate_per_s=0"]);
    s.censor.clear();
    s.fault = vec![fault(FaultKind::Crash, 900.0, 1_800.0, "sequencer-3")];
    let r = record(&s, 2);
    let blocks = &r.l2.as_ref().expect("an L2").blocks;
    for pair in blocks.windows(2) {
        let (b, prev) = (&pair[1], &pair[0]);
        let owner = ((b.number - 1) / 25) % 5;
        // Down from 900 s; back at 2 700 s it builds nothing for two slot timeouts (24 s): its
        // slot due at 2 712 s still passes (at 2 724 s and a few µs), the next is its own.
        let down = (900_000_000..2_730_000_000).contains(&b.produced_at_us);
        let gap = b.produced_at_us - prev.produced_at_us;
        // The missing member's slot passes after slot_timeout_s (12 s): one slot late.
        let expected = if owner == 3 && down { 2 * B } else { B };
        assert!(
            gap.abs_diff(expected) <= 1,
            "block {} (member {owner}'s turn) at {} µs: gap {gap}",
            b.number,
            b.produced_at_us
        );
    }
    let skips = failovers(&r);
    assert!(!skips.is_empty() && skips.iter().all(|f| f.reason == "skip" && f.member == 4), "{skips:?}");
}

#[test]
fn a_censoring_member_censors_only_in_its_own_turns() {
    let s = rotating(3_600, &[]);
    let dir = scratch_dir("rotation-censor");
    let trace = dir.join("trace.jsonl");
    let options = RunOptions { trace_file: Some(trace.clone()), ..RunOptions::default() };
    let out = run_once(&s, 1, options).expect("run completes");
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    let events = common::trace::read_trace(&trace);
    let held: Vec<_> = events.iter().filter(|e| e.kind == "l2-tx-censored").collect();
    assert!(held.len() > 10, "member 2 held transactions back: {}", held.len());
    assert!(held.iter().all(|e| e.peer == "sequencer-2"), "only member 2 censors");
    // A censored transaction is included by the next member: at the latest a turn after it.
    let turn_s = 25.0 * 12.0;
    for e in events.iter().filter(|e| e.kind == "censored-tx-included") {
        let number = e.n("l2_number");
        assert_ne!(((number - 1) / 25) % 5, 2, "never in member 2's own turn: block {number}");
        let hash = e.text("hash");
        let h = held.iter().find(|h| h.text("hash") == hash).expect("held first");
        assert!(e.at - h.n("submitted_us") as f64 / 1e6 <= turn_s + 15.0, "{hash}: a turn at most");
    }
    let summary = out.record.censorship.expect("censorship recorded");
    assert!(summary.txs.iter().all(|t| t.inclusion.is_some()), "every held transaction is included");
}

#[test]
fn a_set_run_is_deterministic_and_the_seed_matters() {
    let mut s = scenario("failover", &[]);
    s.duration_s = 10_800;
    s.fault.truncate(1);
    s.fault.push(fault(FaultKind::BadHandoff, 9_000.0, 300.0, "sequencer"));
    let hash = |seed| run_once(&s, seed, RunOptions::default()).expect("run").record.meta.trace_hash;
    assert_eq!(hash(1), hash(1));
    assert_ne!(hash(1), hash(2));
}

#[test]
fn a_set_of_one_is_the_lone_sequencer_byte_for_byte() {
    let plain = scenario("quickstart", &["duration_s=3600"]);
    let one = scenario("quickstart", &["duration_s=3600", "sequencer.count=1", "sequencer.ha=\"none\""]);
    assert!(one.sequencer.is_some());
    let hash = |s: &Scenario| run_once(s, 1, RunOptions::default()).expect("run").record.meta.trace_hash;
    assert_eq!(hash(&plain), hash(&one));
}

#[test]
fn bad_sequencer_tables_are_refused_with_the_key_named() {
    let refused = |name: &str, sets: &[&str]| {
        let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).expect("override")).collect();
        Scenario::load(&scenario_path(name), &overrides).expect_err("refused").to_string()
    };
    let e = refused("failover", &["sequencer.ha=\"none\""]);
    assert!(e.contains("sequencer.ha") && e.contains("count = 3"), "{e}");
    let e = refused("failover", &["sequencer.count=1"]);
    assert!(e.contains("sequencer.count") && e.contains("at least 2"), "{e}");
    let e = refused("failover", &["sequencer.leader=1"]);
    assert!(e.contains("sequencer.leader"), "{e}");
    let e = refused("failover", &["sequencer.unsafe_interval_s=5"]);
    assert!(e.contains("sequencer.unsafe_interval_s"), "{e}");
    let e = refused("settlement", &["sequencer.count=3", "sequencer.ha=\"rotation\""]);
    assert!(e.contains("sequencer.ha") && e.contains("[ethereum]") && e.contains("\"conductor\""), "{e}");
    let e = refused("rotation", &["censor.0.sequencer=5"]);
    assert!(e.contains("censor.0.sequencer"), "{e}");
    let e = refused("rotation", &["fault.0.kind=\"bad_handoff\"", "fault.0.peers=[\"sequencer\"]"]);
    assert!(e.contains("fault.0.kind") && e.contains("conductor"), "{e}");
}

/// rotation.toml with its verifiers, one hour, without users.
fn rotating_verified(sets: &[&str]) -> Scenario {
    let mut all = vec!["workload.tx_rate_per_s=0", "bitcoin.propagation_jitter_ms=0"];
    all.extend(sets);
    let mut s = scenario("rotation", &all);
    s.fault.clear();
    s.censor.clear();
    s.duration_s = 3_600;
    s
}

#[test]
fn a_rotating_member_back_from_a_crash_catches_up_before_it_builds() {
    // Swarm worlds 35, 79, 94 (rotation drawn): a member back from a crash took the stale head
    // it restarted with for its turn and forked the chain: the others ran out of undo taking
    // theirs back (TooDeep, a panic) or verifiers refused the fork. Several members and crash
    // lengths (short and long against the turn), on fast and slower links.
    for (member, for_s, delay_ms) in [
        ("sequencer-4", 140.0, 100),
        ("sequencer-1", 40.0, 4_000),
        ("sequencer", 260.0, 2_000),
        ("sequencer-2", 95.0, 900),
    ] {
        let delay = format!("bitcoin.propagation_delay_ms={delay_ms}");
        let mut s = rotating_verified(&[
            &delay,
            "l2.block_time_s=5",
            "sequencer.slot_timeout_s=10",
            "sequencer.rotation_blocks=3",
        ]);
        s.fault = vec![fault(FaultKind::Crash, 500.0, for_s, member)];
        let r = run(&s, 3);
        let blocks = &r.l2.as_ref().expect("an L2").blocks;
        assert!(blocks.len() > 600, "{member}: the chain goes on ({} blocks)", blocks.len());
        for pair in blocks.windows(2) {
            assert_eq!(pair[1].number, pair[0].number + 1, "{member}: one chain, no block built twice");
        }
    }
}

#[test]
fn a_halt_stops_one_named_member_or_the_whole_set() {
    let mut s = rotating_verified(&[]);
    s.fault = vec![fault(FaultKind::Halt, 900.0, 1_200.0, "sequencer-3")];
    let r = run(&s, 2);
    let skips = failovers(&r);
    // Member 3's slots pass to member 4 after slot_timeout_s, while the others' go on as usual.
    assert!(!skips.is_empty() && skips.iter().all(|f| f.reason == "skip" && f.member == 4), "{skips:?}");
    let blocks = &r.l2.as_ref().expect("an L2").blocks;
    let in_window = blocks.iter().filter(|b| (900_000_000..2_100_000_000).contains(&b.produced_at_us)).count();
    // 20 minutes hold one turn of member 3 at most (25 blocks, each a slot late: 600 s) and
    // 600 s of the others' blocks (50).
    assert!(in_window >= 75, "the set goes on without member 3: {in_window} blocks in 20 min");

    // "sequencer" (as before sets) halts every member: no block in the window.
    s.fault = vec![fault(FaultKind::Halt, 900.0, 1_200.0, "sequencer")];
    let r = run(&s, 2);
    let blocks = &r.l2.as_ref().expect("an L2").blocks;
    let in_window = blocks.iter().filter(|b| (901_000_000..2_100_000_000).contains(&b.produced_at_us)).count();
    assert_eq!(in_window, 0, "the whole set halts");
    assert!(blocks.last().expect("blocks").produced_at_us > 2_100_000_000, "and resumes");
}

#[test]
fn rotation_refuses_a_slot_timeout_a_block_on_time_may_miss_and_bad_halt_members() {
    let refused = |sets: &[&str]| {
        let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).expect("override")).collect();
        Scenario::load(&scenario_path("rotation"), &overrides).expect_err("refused").to_string()
    };
    let e = refused(&["bitcoin.propagation_delay_ms=5500"]);
    assert!(e.contains("sequencer.slot_timeout_s") && e.contains("link delay"), "{e}");
    let e = refused(&["fault.0.kind=\"halt\"", "fault.0.peers=[\"sequencer-5\"]"]);
    assert!(e.contains("fault.0.peers") && e.contains("sequencer-4"), "{e}");
}
