//! Sequencer censorship and forced inclusion in whole runs, read from the trace (issue 12): a
//! `drop` censor leaves exactly the censored transactions out and delays nothing else; users who
//! escape through the Ethereum portal are included within the bound of that path, eager origins
//! or origins postponed to the drift; a halted sequencer's deposits are forced by derivation
//! exactly one sequencing window after their L1 block, and the time that takes matches the
//! negative binomial of the missed slots; and the two new scenarios replay exactly.

mod common;

use common::trace::{Event, traced_run};
use common::*;
use std::collections::{BTreeMap, BTreeSet};

/// Hemi mainnet's values, as in scenarios/settlement.toml.
const SLOT_S: f64 = 12.0;
const L2_BLOCK_S: f64 = 12.0;
const CONFS: u64 = 4;
const DRIFT_S: f64 = 1800.0;
/// One link (every peer to every other): 2 s, no jitter; a little over for the microsecond
/// steps the simulator adds between events of one instant.
const LINK_S: f64 = 2.0;
const LINK_MAX_S: f64 = 2.1;

/// 10% of the users' accounts censored from 30 min for an hour, on the settlement scenario.
const CENSOR_SENDERS: [&str; 5] = [
    "censor.0.target=senders",
    "censor.0.share=0.1",
    "censor.0.mode=drop",
    "censor.0.start_s=1800",
    "censor.0.duration_s=3600",
];

/// 10% of the users' accounts censored for the whole run, their escapes after a minute, and a
/// short sequencing window and drift, so that the live bound falls inside a short run.
const ESCAPING_SOON: [&str; 6] = [
    "ethereum.seq_window_blocks=24",
    "ethereum.max_sequencer_drift_s=120",
    "workload.force_after_s=60",
    "censor.0.target=senders",
    "censor.0.share=0.1",
    "censor.0.mode=drop",
];

fn settlement(name: &str, sets: &[&str]) -> (Vec<Event>, serde_json::Value) {
    traced_run("scenarios/settlement.toml", name, sets)
}

fn with(base: &[&str], more: &[&str]) -> Vec<String> {
    base.iter().chain(more).map(|s| (*s).to_owned()).collect()
}

fn strs(sets: &[String]) -> Vec<&str> {
    sets.iter().map(String::as_str).collect()
}

fn of<'a>(events: &'a [Event], kind: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
    events.iter().filter(move |e| e.kind == kind)
}

/// The L1 blocks by number, as the `ethereum` peer proposed them (`at` = proposal time).
fn l1_blocks(events: &[Event]) -> BTreeMap<u64, &Event> {
    of(events, "l1-block").map(|e| (e.n("number"), e)).collect()
}

/// The sequencer's blocks by number (the last one made at each number, after any reorg).
fn produced(events: &[Event]) -> BTreeMap<u64, &Event> {
    of(events, "l2-block-produced").filter(|e| e.peer == "sequencer").map(|e| (e.n("number"), e)).collect()
}

/// The largest inclusion latency of any transaction in a block the sequencer built, in seconds.
fn max_latency_s(events: &[Event]) -> f64 {
    produced(events).values().map(|e| e.n("latency_max_us") as f64 / 1e6).fold(0.0, f64::max)
}

/// A `drop` censor with users who never escape: after every block the sequencer's mempool holds
/// exactly the transactions it censored so far (so everything else that had arrived is in), every
/// included transaction waited at most one L2 block (as in the uncensored baseline: the L2 is far
/// from full), and no censored transaction is ever included.
#[test]
fn a_drop_censor_leaves_exactly_the_censored_transactions_out() {
    for seed in [1, 2] {
        let seed_set = format!("seed={seed}");
        let base = ["duration_s=7200", seed_set.as_str()];
        let (baseline, _) = settlement(&format!("censor-baseline-{seed}"), &base);
        let sets = with(&base, &CENSOR_SENDERS);
        let (events, summary) = settlement(&format!("censor-drop-{seed}"), &strs(&sets));
        assert_eq!(of(&events, "tx-forced").count(), 0, "nobody escapes (force_after_s = 0)");
        assert_eq!(of(&events, "censored-tx-included").count(), 0, "a dropped transaction is never included");
        let censored: Vec<&Event> = of(&events, "l2-tx-censored").collect();
        let hashes: BTreeSet<&str> = censored.iter().map(|e| e.text("hash")).collect();
        assert_eq!(hashes.len(), censored.len(), "each transaction is reported censored once");
        assert!(censored.len() > 30, "seed {seed}: {} censored", censored.len());
        for e in &censored {
            assert_eq!((e.peer.as_str(), e.n("rule")), ("sequencer", 0), "{}", e.line);
            // Held once the window has started, and sent before it ends.
            assert!(e.at >= 1800.0 && (e.n("submitted_us") as f64) / 1e6 < 5400.0, "{}", e.line);
        }
        for block in produced(&events).values() {
            let held = censored.iter().filter(|c| c.at <= block.at).count() as u64;
            assert_eq!(block.n("backlog"), held, "seed {seed}: pending after block {}", block.n("number"));
        }
        assert_eq!(summary["l2"]["backlog_final"], censored.len() as u64);
        // Arrival at the sequencer is one link after sending; the next block is at most one L2
        // block later.
        let (max, baseline_max) = (max_latency_s(&events), max_latency_s(&baseline));
        assert!(max <= L2_BLOCK_S + LINK_MAX_S, "seed {seed}: an uncensored transaction waited {max} s");
        assert!(max <= baseline_max + L2_BLOCK_S, "seed {seed}: {max} s against {baseline_max} s uncensored");
        eprintln!(
            "drop, seed {seed}: {} censored, left out: {}; inclusion latency max {max:.3} s (uncensored baseline {baseline_max:.3} s)",
            censored.len(),
            summary["l2"]["backlog_final"]
        );
    }
}

/// One escape through the portal: when the user sent it, the L1 block that carried it, and when
/// the sequencer included it.
struct Escape {
    forced_at: f64,
    l1: u64,
    l1_at: f64,
    included_at: f64,
    /// When L1 block N + `sequencer_l1_confs` reached the sequencer (N may become the origin).
    confirmed: f64,
    /// The bound of the portal path with a live sequencer.
    bound: f64,
}

/// Every escape of the run that was forced at least `margin_s` before its end, checked against
/// the trace: the carrier is the first L1 block after the deposit arrived, the including block
/// opens that L1 block's epoch, and the observer sees it one link after it was made.
fn escapes(events: &[Event], end_s: f64, margin_s: f64) -> Vec<Escape> {
    let l1 = l1_blocks(events);
    let blocks = produced(events);
    let included: BTreeMap<&str, &Event> = of(events, "forced-tx-included").map(|e| (e.text("hash"), e)).collect();
    let mut out = Vec::new();
    for forced in of(events, "tx-forced").filter(|e| e.at < end_s - margin_s) {
        assert_eq!(forced.text("via"), "portal");
        let seen = included.get(forced.text("hash")).unwrap_or_else(|| panic!("never included: {}", forced.line));
        let block = blocks[&seen.n("l2_number")];
        assert!((LINK_S..LINK_MAX_S).contains(&(seen.at - block.at)), "seen one link after: {}", seen.line);
        let n = block.n("l1_origin");
        assert!(block.n("deposits") > 0, "the including block executes deposits: {}", block.line);
        // The deposit reaches the L1 one link after it was sent; the next block proposed takes it.
        let arrived = forced.at + LINK_S;
        let carrier = l1.values().find(|b| b.at >= arrived).expect("an L1 block after the deposit");
        assert_eq!(carrier.n("number"), n, "carried by the first L1 block after {arrived} s: {}", forced.line);
        let l1_time = l1[&n].n("time_s") as f64;
        let confirmed = l1.get(&(n + CONFS)).map_or(f64::INFINITY, |b| b.at + LINK_MAX_S);
        out.push(Escape {
            forced_at: forced.at,
            l1: n,
            l1_at: l1_time,
            included_at: block.at,
            confirmed,
            bound: confirmed.max(l1_time + DRIFT_S) + L2_BLOCK_S + 0.1,
        });
    }
    out
}

fn stats(xs: &[f64]) -> (f64, f64, f64) {
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    (xs.iter().copied().fold(f64::INFINITY, f64::min), mean, xs.iter().copied().fold(0.0, f64::max))
}

/// Escaping users with a live, eager sequencer and 10% missed slots: every forced transaction is
/// in the first L2 block of its L1 block's epoch, no later than max(the L1 block 4 deep reaching
/// the sequencer, its time + the drift) plus one L2 block; in practice about a minute.
#[test]
fn escaping_users_are_included_within_the_portal_bound() {
    let mut all = Vec::new();
    for seed in [1, 2, 3] {
        let seed_set = format!("seed={seed}");
        let base = ["duration_s=7200", "ethereum.missed_slot_rate=0.1", "workload.force_after_s=600", &seed_set];
        let sets = with(&base, &CENSOR_SENDERS);
        let (events, _) = settlement(&format!("censor-escape-{seed}"), &strs(&sets));
        let escapes = escapes(&events, 7200.0, 600.0);
        assert!(escapes.len() > 30, "seed {seed}: {} escapes", escapes.len());
        for e in &escapes {
            assert!(
                e.included_at <= e.bound,
                "seed {seed}: L1 block {} included at {} s > bound {}",
                e.l1,
                e.included_at,
                e.bound
            );
            // Eager origins: the drift term never binds; N is adopted by the first L2 block once
            // it is 4 deep at the sequencer.
            assert!(e.included_at <= e.confirmed + L2_BLOCK_S + 0.1, "seed {seed}: L1 block {} eager", e.l1);
        }
        let latencies: Vec<f64> = escapes.iter().map(|e| e.included_at - e.forced_at).collect();
        let (min, mean, max) = stats(&latencies);
        let slack =
            |limit: fn(&Escape) -> f64| escapes.iter().map(|e| limit(e) - e.included_at).fold(f64::INFINITY, f64::min);
        let (to_bound, to_confirmed) = (slack(|e| e.bound), slack(|e| e.confirmed + L2_BLOCK_S));
        eprintln!(
            "portal, eager, seed {seed}: {} escapes, forced -> included min {min:.1} s, mean {mean:.1} s, max {max:.1} s; least slack to the bound {to_bound:.1} s, to N + 4 deep + one L2 block {to_confirmed:.3} s",
            escapes.len()
        );
        all.extend(latencies);
    }
    let (_, mean, max) = stats(&all);
    // With eager origins the drift term never binds: 4 L1 blocks, missed slots, one L2 block.
    assert!(max < 300.0 && mean < 120.0, "forced -> included: mean {mean} s, max {max} s");
}

/// A sequencer that also censors deposits postpones its L1 origins as far as the drift allows:
/// each forced transaction is then included just under `max_sequencer_drift_s` after its L1
/// block (the origin moves only once the next L2 block would pass the drift of the previous
/// one), and never later than the bound.
#[test]
fn a_deposit_censor_postpones_forced_transactions_to_the_drift() {
    for seed in [1, 2] {
        let seed_set = format!("seed={seed}");
        let base = ["duration_s=9000", "ethereum.missed_slot_rate=0.1", "workload.force_after_s=600", &seed_set];
        // After the senders' rule (censor.0): an index names the tables so far, or one more.
        let mut sets = with(&base, &CENSOR_SENDERS);
        sets.push("censor.1.target=deposits".to_owned());
        let (events, _) = settlement(&format!("censor-deposits-{seed}"), &strs(&sets));
        let l1 = l1_blocks(&events);
        let escapes = escapes(&events, 9000.0, DRIFT_S + 600.0);
        assert!(escapes.len() > 30, "seed {seed}: {} escapes", escapes.len());
        let mut from_l1 = Vec::new();
        for e in &escapes {
            assert!(
                e.included_at <= e.bound,
                "seed {seed}: L1 block {} included at {} s > bound {}",
                e.l1,
                e.included_at,
                e.bound
            );
            // Origin N is adopted at the first L2 block past the drift of origin N - 1.
            let previous = l1.range(..e.l1).next_back().expect("a block before").1.n("time_s") as f64;
            let latency = e.included_at - e.l1_at;
            assert!(
                latency > DRIFT_S - (e.l1_at - previous) - 0.01,
                "seed {seed}: L1 block {} in after {latency} s",
                e.l1
            );
            from_l1.push(latency);
        }
        let (min, mean, max) = stats(&from_l1);
        assert!(mean > DRIFT_S - 2.0 * SLOT_S, "seed {seed}: L1 block -> included mean {mean} s, not near the drift");
        eprintln!(
            "portal, origins delayed to the drift ({DRIFT_S} s), seed {seed}: {} escapes, L1 block -> included min {min:.1} s, mean {mean:.1} s, max {max:.1} s",
            escapes.len()
        );
    }
}

/// The two-sided 99% interval of a negative binomial: failures before `r` successes, each trial
/// failing with probability `p`.
fn negative_binomial_99(r: u64, p: f64) -> (u64, u64) {
    let mut pmf = (1.0 - p).powf(r as f64);
    let (mut cdf, mut k, mut low) = (0.0, 0u64, None);
    loop {
        cdf += pmf;
        if low.is_none() && cdf >= 0.005 {
            low = Some(k);
        }
        if cdf >= 0.995 {
            return (low.expect("set before"), k);
        }
        pmf *= (k + r) as f64 / (k + 1) as f64 * p;
        k += 1;
    }
}

/// A halted sequencer: derivation forces the epoch of every L1 block N exactly when L1 block
/// N + window reaches a node, with N's portal deposits (the users' escapes among them). The time
/// that takes is the window's blocks plus the slots missed on the way: summed over disjoint
/// windows of several seeds, the missed slots fall in the 99% interval of their negative binomial.
#[test]
fn a_halted_sequencers_deposits_are_forced_after_exactly_the_window() {
    const P: f64 = 0.1;
    const HALT: (f64, f64) = (600.0, 4200.0);
    for sws in [24u64, 60] {
        let (mut windows, mut missed, mut deposits) = (0u64, 0u64, 0usize);
        // Generously long for a window (twice the 99.5% quantile of its missed slots): a window
        // starting later might close after the halt.
        let longest_s = (sws + negative_binomial_99(sws, P).1 * 2) as f64 * SLOT_S;
        for seed in 1..=6 {
            let sets = [
                "duration_s=4800".to_owned(),
                format!("seed={seed}"),
                format!("ethereum.seq_window_blocks={sws}"),
                format!("ethereum.missed_slot_rate={P}"),
                "workload.force_after_s=300".to_owned(),
                "fault.0.kind=halt".to_owned(),
                format!("fault.0.at_s={}", HALT.0),
                format!("fault.0.for_s={}", HALT.1 - HALT.0),
            ];
            let (events, _) = settlement(&format!("censor-halt-{sws}-{seed}"), &strs(&sets));
            let l1 = l1_blocks(&events);
            // Every forced block is derived from its origin + the window, when that block arrives.
            let safe: BTreeMap<u64, &Event> =
                of(&events, "l2-safe").filter(|e| e.peer == "sequencer").map(|e| (e.n("number"), e)).collect();
            let forced_epochs: BTreeMap<u64, &Event> = safe
                .values()
                .filter(|e| e.flag("forced") && e.flag("opens_epoch"))
                .map(|e| (e.n("l1_origin"), *e))
                .collect();
            for e in forced_epochs.values() {
                let from = e.n("derived_from");
                assert_eq!(from, e.n("l1_origin") + sws, "seed {seed}: {}", e.line);
                assert!((LINK_S..LINK_MAX_S).contains(&(e.at - l1[&from].at)), "seed {seed}: {}", e.line);
            }
            // Each deposit of an L1 block in the halt is executed when that block's window closes.
            for d in of(&events, "l2-deposit-included").filter(|d| d.peer == "sequencer" && d.at < HALT.1) {
                let n = d.n("l1_number");
                if l1[&n].at < HALT.0 + 120.0 {
                    continue;
                }
                assert!(forced_epochs.contains_key(&n), "seed {seed}: deposit of L1 block {n} forced: {}", d.line);
                assert!((LINK_S..LINK_MAX_S).contains(&(d.at - l1[&(n + sws)].at)), "seed {seed}: {}", d.line);
                deposits += 1;
            }
            // The users' escapes during the halt are among them.
            for seen in of(&events, "forced-tx-included").filter(|e| e.at < HALT.1) {
                let block = safe.get(&seen.n("l2_number")).expect("a safe block");
                assert!(block.flag("forced"), "seed {seed}: {}", seen.line);
            }
            // Disjoint windows chosen by position alone (from 2 minutes into the halt, and early
            // enough to end before it with room to spare), so that how long they took does not
            // select them.
            let mut n = l1.values().find(|b| b.at >= HALT.0 + 120.0).expect("blocks").n("number");
            while l1[&n].at + longest_s < HALT.1 {
                assert!(forced_epochs.contains_key(&n), "seed {seed}: epoch {n} forced");
                let slots = (l1[&(n + sws)].n("time_s") - l1[&n].n("time_s")) / SLOT_S as u64;
                missed += slots - sws;
                windows += 1;
                n += sws;
            }
        }
        let (low, high) = negative_binomial_99(windows * sws, P);
        let mean_s = (sws as f64 + missed as f64 / windows as f64) * SLOT_S;
        eprintln!(
            "halt, window {sws}: {deposits} deposits forced at exactly the window; {windows} disjoint windows took {missed} missed slots (99% interval {low}..={high}), mean {mean_s:.1} s against {:.1} s expected",
            sws as f64 / (1.0 - P) * SLOT_S
        );
        assert!(windows >= 12, "{windows} windows");
        assert!((low..=high).contains(&missed), "window {sws}: {missed} missed slots outside {low}..={high}");
    }
}

/// The two scenarios replay exactly, and another seed is another run.
#[test]
fn the_censorship_scenarios_replay_exactly() {
    for name in ["censorship", "sequencer-halt"] {
        let s = scenario(name, &["duration_s=14400"]);
        let (a, b, other) = (run(&s, s.seed), run(&s, s.seed), run(&s, s.seed + 1));
        assert_eq!(a.meta.trace_hash, b.meta.trace_hash, "{name}: same seed, same trace");
        assert_ne!(a.meta.trace_hash, other.meta.trace_hash, "{name}: another seed, another trace");
    }
}

/// Swarm worlds 67, 344 and 1503: with the batcher off, the first block derivation forces
/// replaces block 1, and a follower of the sequencer's chain that held fewer blocks than it keeps
/// could not take back its oldest (block 1): it waited on the dead branch for good, and no escape
/// after that was ever seen included (137 bound violations here before the fix). Users follow
/// through an `L2Follower` in runs with faults: a harmless one (a light loss on one miner's links
/// near the end) gives them one. Short drift, so that the live bound falls inside the run.
#[test]
fn with_the_batcher_off_users_follow_the_chain_the_first_forced_block_starts() {
    let sets = with(
        &ESCAPING_SOON,
        &[
            "duration_s=1200",
            "ethereum.batcher_enabled=false",
            "fault.0.kind=loss",
            "fault.0.peers=[\"miners:0\"]",
            "fault.0.at_s=1100",
            "fault.0.for_s=50",
            "fault.0.probability=0.1",
        ],
    );
    // traced_run asserts the run passed its checks: no escape missed its bound.
    let (events, summary) = settlement("censor-batcher-off", &strs(&sets));
    let first_forced = of(&events, "l2-reorg")
        .find(|e| e.peer == "sequencer" && e.n("to") == 0)
        .expect("the first forced block replaced block 1")
        .at;
    let seen_after = of(&events, "forced-tx-included").filter(|e| e.at > first_forced + 60.0).count();
    assert!(seen_after >= 20, "escapes seen included after the first forced block: {seen_after}");
    let c = &summary["censorship"];
    assert_eq!(c["bound_violations"], 0, "{c}");
    assert!(c["txs_never_included"].as_u64().is_some_and(|n| n <= 10), "only the last minute's escapes: {c}");
}

/// Swarm worlds 1784 (the sequencer crashed for 3 500 s) and 1503 (its links lost 70% for
/// 2 120 s): users see the L2 through the sequencer's node, which derives the forced blocks, so
/// an escape waiting through its crash is seen only after the heal; its bound starts again at the
/// heal plus a resend (docs/protocol.md §7), where it was the sequencing window's (92 violations
/// here before). Every escape is still seen within that bound, and within a minute of the heal.
#[test]
fn escapes_waiting_through_a_sequencer_crash_are_owed_their_bound_from_the_heal() {
    const HEAL_S: f64 = 1000.0;
    let sets = with(
        &ESCAPING_SOON,
        &[
            "duration_s=1800",
            "fault.0.kind=crash",
            "fault.0.peers=[\"sequencer\"]",
            "fault.0.at_s=400",
            "fault.0.for_s=600",
        ],
    );
    // traced_run asserts the run passed its checks: no escape missed its bound.
    let (events, summary) = settlement("censor-sequencer-crash", &strs(&sets));
    let forced: BTreeMap<&str, f64> = of(&events, "tx-forced").map(|e| (e.text("hash"), e.at)).collect();
    let through: Vec<f64> = of(&events, "forced-tx-included")
        .filter(|e| forced.get(e.text("hash")).is_some_and(|&at| at > 400.0 && at < HEAL_S - 300.0))
        .map(|e| e.at)
        .collect();
    assert!(through.len() >= 20, "escapes sent in the crash and seen included: {}", through.len());
    assert!(through.iter().all(|&at| (HEAL_S..HEAL_S + 60.0).contains(&at)), "seen after the heal: {through:?}");
    assert_eq!(summary["censorship"]["bound_violations"], 0);
}
