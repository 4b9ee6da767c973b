//! The settlement layer's heads in whole runs, read from the trace: OP's sequencing-window vector
//! (no batches ever posted: after every L1 block `h >= SWS` the safe head's L1 origin is exactly
//! `h - SWS`), the safe and finalized lags of a live batcher explained block by block, and a
//! batcher outage that reorgs the unsafe chain onto deposit-only blocks and recovers.

mod common;

use common::trace::{Event, traced_run};
use std::collections::BTreeMap;

/// Runs `scenarios/settlement.toml` with `sets`, with its trace; the trace and the summary.
fn settlement_run(name: &str, sets: &[&str]) -> (Vec<Event>, serde_json::Value) {
    traced_run("scenarios/settlement.toml", name, sets)
}

/// OP's vector: with no batch ever posted, once derivation has read L1 block `h >= SWS` the safe
/// head's origin is exactly `h - SWS` (every epoch is forced as its window closes), on every node.
fn check_window_vector(events: &[Event], sws: u64, peers: &[&str]) {
    for peer in peers {
        // The safe head's origin after derivation read each L1 block.
        let mut after: BTreeMap<u64, u64> = BTreeMap::new();
        for e in events.iter().filter(|e| e.kind == "l2-safe" && e.peer == *peer) {
            assert!(e.flag("forced"), "{peer}: with no batches every safe block is forced: {}", e.line);
            let origin = after.entry(e.n("derived_from")).or_default();
            *origin = (*origin).max(e.n("l1_origin"));
        }
        let last = *after.keys().next_back().expect("safe blocks");
        assert!(last > sws + 5, "{peer}: the run goes past the window ({last} L1 blocks read)");
        let mut origin = 0;
        for h in sws..=last {
            origin = after.get(&h).copied().unwrap_or(origin);
            assert_eq!(origin, h - sws, "{peer}: safe head's origin after L1 block {h}");
        }
    }
}

#[test]
fn with_no_batches_the_safe_head_trails_l1_by_exactly_the_window_at_24() {
    let sws = 24;
    let (events, summary) = settlement_run(
        "settlement-window-24",
        &["duration_s=1800", "ethereum.batcher_enabled=false", "ethereum.seq_window_blocks=24"],
    );
    check_window_vector(&events, sws, &["sequencer", "verifier-0", "verifier-1"]);
    // The unsafe chain the sequencer built is reorged onto the forced blocks, again and again.
    assert!(events.iter().any(|e| e.kind == "l2-reorg" && e.peer == "sequencer"), "unsafe reorgs");
    assert_eq!(summary["ethereum"]["batches"], 0);
}

#[test]
fn with_no_batches_the_safe_head_trails_l1_by_exactly_the_window_at_hemis_3600() {
    // Twelve hours and five minutes at Hemi's window, every slot proposed; no users and no
    // verifiers keep it quick (the sequencer rebuilds its 3600-block unsafe chain after every L1
    // block past the window).
    let sws = 3600;
    let sets = [
        "duration_s=43500",
        "ethereum.missed_slot_rate=0",
        "ethereum.batcher_enabled=false",
        "ethereum.deposit_rate_per_s=0.001",
        "l2.verifiers=0",
        "workload.tx_rate_per_s=0",
    ];
    let (events, _) = settlement_run("settlement-window-3600", &sets);
    check_window_vector(&events, sws, &["sequencer"]);
}

/// With a live batcher each block is safe when the L1 block carrying its batch reaches the node,
/// and final when the L1 block 64 above that one does; the lags follow.
#[test]
fn safe_and_finalized_lags_are_explained_block_by_block() {
    let (events, summary) = settlement_run("settlement-lags", &["duration_s=7200", "ethereum.missed_slot_rate=0.1"]);
    let l1: Vec<&Event> = events.iter().filter(|e| e.kind == "l1-block").collect();
    let posts: Vec<&Event> = events.iter().filter(|e| e.kind == "batch-posted").collect();
    let produced: BTreeMap<u64, f64> = events
        .iter()
        .filter(|e| e.kind == "l2-block-produced" && e.peer == "sequencer")
        .map(|e| (e.n("number"), e.at))
        .collect();
    let mut safe_lags = Vec::new();
    let mut finalized = 0;
    let safe_events: Vec<&Event> = events.iter().filter(|e| e.kind == "l2-safe" && e.peer == "sequencer").collect();
    assert!(safe_events.len() > 500, "{} safe blocks", safe_events.len());
    for e in &safe_events {
        let number = e.n("number");
        assert!(e.flag("consolidated") && !e.flag("forced"), "block {number} is its batch's: {}", e.line);
        // The batch of `number` was posted at `posted`; it is read from the first L1 block after.
        let post = posts.iter().find(|p| (p.n("first")..=p.n("last")).contains(&number)).expect("posted");
        let carrier = l1.iter().find(|b| b.at > post.at && b.n("batcher_txs") > 0).expect("an L1 block carries it");
        assert_eq!(e.n("derived_from"), carrier.n("number"), "block {number} derived from its batch's L1 block");
        // It reaches the sequencer over its link: 2 s plus a few milliseconds of jitter.
        let delivery = e.at - carrier.at;
        assert!((2.0..2.1).contains(&delivery), "block {number}: safe {delivery} s after its L1 block was proposed");
        safe_lags.push(e.at - produced[&number]);
    }
    // Final when an L1 block arrives 64 above the one it was derived from: each time an L1 block
    // F arrives, the finalized head becomes the newest safe block derived from F - 64 or below.
    for e in events.iter().filter(|e| e.kind == "l2-finalized" && e.peer == "sequencer") {
        let arrived = l1.iter().rev().find(|b| b.at < e.at).expect("an L1 block arrived");
        assert!((2.0..2.1).contains(&(e.at - arrived.at)), "finality moves when an L1 block arrives: {}", e.line);
        let final_l1 = arrived.n("number") - 64;
        let newest =
            safe_events.iter().filter(|s| s.at <= e.at && s.n("derived_from") <= final_l1).map(|s| s.n("number")).max();
        assert_eq!(Some(e.n("number")), newest, "finalized head when L1 block {} arrived", arrived.n("number"));
        finalized = e.n("number");
    }
    // The interval closes a channel at the first 6 s poll 60 s after it opened: a block waits at
    // most 66 s for its channel, then at most the slots to the next L1 block with one.
    let max = safe_lags.iter().copied().fold(0.0, f64::max);
    let mean = safe_lags.iter().sum::<f64>() / safe_lags.len() as f64;
    assert!(max < 66.0 + 12.0 * 4.0, "safe lag max {max} s");
    assert!((30.0..60.0).contains(&mean), "safe lag mean {mean} s");
    eprintln!("safe lag: mean {mean:.1} s, max {max:.1} s over {} blocks; {finalized} finalized", safe_lags.len());
    assert_eq!(summary["l2"]["state_root_mismatches"], 0);
}

/// The batcher stops for 30 minutes with a 6-minute window: the safe head stalls, then is forced
/// onto deposit-only blocks that reorg the unsafe chain; when the batcher is back the chain
/// recovers (no reorg after it), and every node agrees on the safe chain throughout (the run's
/// safety checks would stop it otherwise).
#[test]
fn a_batcher_outage_longer_than_the_window_forces_reorgs_then_recovers() {
    let sets = [
        "duration_s=7200",
        "ethereum.seq_window_blocks=30",
        "fault.0.kind=withhold_batches",
        "fault.0.at_s=1200",
        "fault.0.for_s=1800",
    ];
    let (events, _) = settlement_run("settlement-outage", &sets);
    let reorgs: Vec<&Event> = events.iter().filter(|e| e.kind == "l2-reorg" && e.peer == "sequencer").collect();
    assert!(!reorgs.is_empty(), "the outage reorgs the unsafe chain");
    let first = reorgs.first().expect("checked").at;
    let last = reorgs.last().expect("checked").at;
    // The first unbatched block is from about 1140 s (the last channel closed before the outage);
    // its epoch's window (30 slots, 360 s) closes with the first L1 block past its origin + 30.
    assert!((1200.0 + 300.0 - 120.0..1200.0 + 360.0 + 120.0).contains(&first), "first reorg at {first} s");
    assert!(last <= 3000.0 + 24.0, "no reorg once the batcher is back (last at {last} s)");
    let forced = events.iter().filter(|e| e.kind == "l2-safe" && e.peer == "sequencer" && e.flag("forced")).count();
    assert!(forced > 100, "{forced} forced blocks");
    // After recovery blocks are safe from their batches again.
    let late_safe = events.iter().filter(|e| e.kind == "l2-safe" && e.peer == "sequencer" && e.at > 3600.0);
    assert!(late_safe.clone().count() > 200 && late_safe.clone().all(|e| !e.flag("forced")), "recovered");
}

/// A partition cuts the sequencer from everyone, the `ethereum` peer included, for 90 s, far
/// less than the 30-slot window: the batches it posts meanwhile are lost. The batcher sees them
/// missing from L1 two minutes (of L1 time) after posting them and posts them again, one channel
/// at a time, in time: nothing is forced, nothing reorgs, and the safe head catches up. (Before
/// the batcher resubmitted, the window of the lost blocks closed and derivation forced them.)
#[test]
fn batches_lost_in_a_partition_from_l1_are_resubmitted_and_nothing_is_forced() {
    let sets = [
        "duration_s=2400",
        "ethereum.seq_window_blocks=30",
        "fault.0.kind=partition",
        "fault.0.at_s=1200",
        "fault.0.for_s=90",
        "fault.0.groups=[[\"sequencer\"]]",
    ];
    let (events, summary) = settlement_run("settlement-lost-batches", &sets);
    let resubmitted: Vec<&Event> =
        events.iter().filter(|e| e.kind == "batch-posted" && e.text("closed_by") == "resubmitted").collect();
    assert!(!resubmitted.is_empty(), "the lost batches are posted again");
    assert!(resubmitted.iter().all(|e| (1290.0..1500.0).contains(&e.at)), "after the heal, within the window");
    assert!(!events.iter().any(|e| e.kind == "l2-safe" && e.flag("forced")), "no block forced");
    assert!(!events.iter().any(|e| e.kind == "l2-reorg"), "no reorg");
    assert_eq!(summary["l2"]["forced_blocks"], 0);
    // The safe head catches up: the last safe block is within two channels of the last produced.
    let last =
        |kind: &str| events.iter().filter(|e| e.kind == kind && e.peer == "sequencer").map(|e| e.n("number")).max();
    let (safe, produced) = (last("l2-safe").expect("safe blocks"), last("l2-block-produced").expect("blocks"));
    assert!(safe + 12 >= produced, "safe head {safe} far behind the unsafe head {produced}");
}
