//! Records every transaction the sequencer held back (`L2TxCensored`) or a user forced through
//! the Ethereum portal (`TxForced`, censored or not), and its first observed inclusion: by the
//! sequencer (`CensoredTxIncluded`) or through the portal (`ForcedTxIncluded`). Rows keep the
//! order of first observation; lookups go through a `BTreeMap` by hash.

use std::collections::BTreeMap;

use crate::harness::world::USER_RESEND_AFTER;
use crate::scenario::{FaultConfig, FaultKind, Scenario};
use hemisim_node::events::Observation;
use hemisim_node::l2::tx::B256;
use hemisim_node::time::SimTime;
use hemisim_reports::censorship::bound::bound;
use hemisim_reports::record::{BoundParams, CensoredTx, CensorshipRecord, Inclusion, L1BlockRow, Outage};

#[derive(Debug, Default)]
pub struct CensorshipRecorder {
    txs: Vec<CensoredTx>,
    by_hash: BTreeMap<B256, usize>,
}

/// Whether the scenario has anything this area records: censor rules, the sequencer's faults or users
/// who escape. Without, the run's record and outputs are as they always were.
pub fn active(scenario: &Scenario) -> bool {
    let escapes = scenario.workload.as_ref().is_some_and(|w| w.force_after_s > 0.0)
        || scenario.tunnel.as_ref().is_some_and(|t| t.force_after_s > 0.0);
    !scenario.censor.is_empty() || scenario.fault.iter().any(|f| f.kind.is_sequencers()) || escapes
}

impl CensorshipRecorder {
    /// Takes the observation if it is the area's; gives it back otherwise.
    pub fn observe(&mut self, at: SimTime, observation: Observation) -> Option<Observation> {
        let at_us = at.as_us();
        match observation {
            Observation::L2TxCensored { hash, from, rule, submitted_us } => {
                let tx = self.row(hash, from.to_string());
                if tx.held_at_us.is_none() {
                    (tx.held_at_us, tx.rule, tx.submitted_at_us) = (Some(at_us), Some(rule), Some(submitted_us));
                }
            }
            Observation::TxForced { hash, from, l1_fee_wei, .. } => {
                let tx = self.row(hash, from.to_string());
                if tx.forced_at_us.is_none() {
                    (tx.forced_at_us, tx.l1_fee_wei) = (Some(at_us), Some(l1_fee_wei));
                }
            }
            Observation::CensoredTxIncluded { hash, l2_number } => self.included(hash, at_us, "sequencer", l2_number.0),
            Observation::ForcedTxIncluded { hash, l2_number, via } => self.included(hash, at_us, via, l2_number.0),
            other => return Some(other),
        }
        None
    }

    fn row(&mut self, hash: B256, from: String) -> &mut CensoredTx {
        let txs = &mut self.txs;
        let i = *self.by_hash.entry(hash).or_insert_with(|| {
            txs.push(CensoredTx {
                hash: hash.to_string(),
                from,
                rule: None,
                submitted_at_us: None,
                held_at_us: None,
                forced_at_us: None,
                l1_fee_wei: None,
                inclusion: None,
                bound: None,
            });
            txs.len() - 1
        });
        &mut self.txs[i]
    }

    /// The first inclusion of a recorded transaction counts (a later one is the same
    /// transaction again, after a reorg or through its other path).
    fn included(&mut self, hash: B256, at_us: u64, path: &str, l2_number: u64) {
        let Some(&i) = self.by_hash.get(&hash) else { return };
        let tx = &mut self.txs[i];
        if tx.inclusion.is_none() {
            tx.inclusion = Some(Inclusion { at_us, path: path.to_string(), l2_number });
        }
    }

    /// The area's record: every row with its bound (forced rows of a settlement chain), from the
    /// L1 blocks the run observed.
    pub fn record(&self, scenario: &Scenario, l1: &[L1BlockRow]) -> CensorshipRecord {
        let bounds = bound_params(scenario);
        let outages = outages(scenario);
        let path = escape_path_faults(scenario);
        let mut txs = self.txs.clone();
        if let Some(params) = &bounds {
            for tx in &mut txs {
                tx.bound = tx.forced_at_us.and_then(|at| bound_through(at, params, &outages, &path, l1));
            }
        }
        CensorshipRecord { bounds, outages, txs }
    }
}

/// The bound of an escape sent at `forced_us` whose way can be cut by the faults in `path`: a
/// fault overlapping the wait (from the send to the bound) may have lost the escape on its way
/// to the L1 or the block that includes it on its way back, so the wait starts again when the
/// fault heals, plus [`USER_RESEND_AFTER`]: by then the user has sent it again (and its
/// follower asked for the blocks it missed). Outside such faults, the bound of [`bound`].
fn bound_through(
    forced_us: u64,
    params: &BoundParams,
    outages: &[Outage],
    path: &[(u64, u64)],
    l1: &[L1BlockRow],
) -> Option<hemisim_reports::censorship::bound::Bound> {
    let mut start = forced_us;
    loop {
        let b = bound(start, params, outages, l1)?;
        let cut =
            path.iter().filter(|&&(from, until)| from <= b.until_us && start <= until).map(|&(_, until)| until).max();
        match cut {
            Some(until) if until + USER_RESEND_AFTER.as_us() > start => start = until + USER_RESEND_AFTER.as_us(),
            _ => return Some(b),
        }
    }
}

/// The faults that can lose or hold up an escape on its way to the L1, or the L2 block that
/// includes it on its way back to the user, in microseconds: a partition that puts the users
/// (the observer) apart from the L1 (`ethereum`) or the sequencer, and a loss, crash or slow
/// link hitting the users, the L1 or the sequencer. The sequencer's node is on the way: it
/// derives the forced block from L1 and is the users' only source of L2 blocks, so while it is
/// down or its links drop its L1 reads and its blocks (a 70% loss: its derivation read one L1
/// block in ten minutes, world 1503; a crash of 3 500 s, world 1784), the deposit-only block the
/// window forces (docs/protocol.md §7: "L1 block N + SWS plus derivation") is derived only
/// once it is back. Empty without faults of peers and links (users then send an escape once:
/// nothing loses it).
fn escape_path_faults(scenario: &Scenario) -> Vec<(u64, u64)> {
    let us = |s: f64| (s * 1e6) as u64;
    scenario.fault.iter().filter(|f| cuts_escape_path(f)).map(|f| (us(f.at_s), us(f.at_s + f.for_s))).collect()
}

/// Whether `f` can lose or hold up an escape or its inclusion (see [`escape_path_faults`]).
fn cuts_escape_path(f: &FaultConfig) -> bool {
    let names_path =
        f.peers.iter().any(|p| matches!(p.as_str(), "observer" | "ethereum" | "sequencer" | "sequencers" | "all"));
    match f.kind {
        FaultKind::Partition => {
            let users = group_of(f, "observer");
            users != group_of(f, "ethereum") || users != group_of(f, "sequencer")
        }
        FaultKind::Loss | FaultKind::Crash | FaultKind::Slow => names_path,
        _ => false,
    }
}

/// Which of a partition's groups names `peer` (`None`: the group of the peers named in none).
fn group_of(partition: &FaultConfig, peer: &str) -> Option<usize> {
    let names = |selector: &str| selector == peer || selector == "all" || selector.starts_with(&format!("{peer}s"));
    partition.groups.iter().position(|group| group.iter().any(|s| names(s)))
}

/// The bound's parameters, with an `[ethereum]` table and an L2.
fn bound_params(scenario: &Scenario) -> Option<BoundParams> {
    let (e, l2) = (scenario.ethereum.as_ref()?, scenario.l2.as_ref()?);
    let b = &scenario.bitcoin;
    Some(BoundParams {
        slot_s: e.slot_s,
        max_sequencer_drift_s: e.max_sequencer_drift_s,
        sequencer_l1_confs: e.sequencer_l1_confs,
        seq_window_blocks: e.seq_window_blocks,
        // Whole seconds on a settlement chain (the scenario refuses any other).
        l2_block_time_s: l2.block_time_s as u64,
        delivery_us: (b.propagation_delay_ms + b.propagation_jitter_ms) * 1_000,
    })
}

/// The sequencer's outage windows (`[[fault]]`), in microseconds: its own faults, and faults of
/// peers and links that can cut it from L1 or its users (any partition; a crash, lossy or slow
/// link or skewed clock naming it). During one, a forced transaction is owed only the
/// sequencing-window bound: a sequencer that cannot see L1 cannot include its deposits early.
fn outages(scenario: &Scenario) -> Vec<Outage> {
    let us = |s: f64| (s * 1e6) as u64;
    let names_sequencer =
        |f: &&FaultConfig| f.peers.iter().any(|p| matches!(p.as_str(), "sequencer" | "sequencers" | "all"));
    scenario
        .fault
        .iter()
        .filter(|f| f.kind.is_sequencers() || f.kind == FaultKind::Partition || names_sequencer(f))
        .map(|f| Outage { kind: f.kind.as_str().to_string(), from_us: us(f.at_s), until_us: us(f.at_s + f.for_s) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hemisim_node::l2::tx::Address;
    use hemisim_node::units::L2Number;

    fn h(n: u8) -> B256 {
        B256::repeat_byte(n)
    }

    fn at(s: u64) -> SimTime {
        SimTime(s * 1_000_000)
    }

    fn fault(kind: FaultKind, peers: &[&str], groups: &[&[&str]]) -> FaultConfig {
        FaultConfig {
            kind,
            at_s: 100.0,
            for_s: 200.0,
            peers: peers.iter().map(|p| p.to_string()).collect(),
            groups: groups.iter().map(|g| g.iter().map(|p| p.to_string()).collect()).collect(),
            probability: 0.5,
            extra_ms: 0.0,
            skew_ms: 0.0,
        }
    }

    /// Faults that can lose the users' escape or the block that includes it, and those that
    /// cannot.
    #[test]
    fn the_escape_path_is_cut_by_faults_between_the_users_and_the_l1_or_the_sequencer() {
        assert!(cuts_escape_path(&fault(FaultKind::Loss, &["observer"], &[])));
        assert!(cuts_escape_path(&fault(FaultKind::Crash, &["ethereum"], &[])));
        assert!(cuts_escape_path(&fault(FaultKind::Loss, &["all"], &[])));
        assert!(cuts_escape_path(&fault(FaultKind::Loss, &["sequencer"], &[])), "its derivation and its blocks");
        assert!(cuts_escape_path(&fault(FaultKind::Crash, &["sequencer"], &[])));
        assert!(!cuts_escape_path(&fault(FaultKind::Loss, &["miners:0"], &[])));
        assert!(!cuts_escape_path(&fault(FaultKind::Crash, &["verifiers"], &[])));
        assert!(!cuts_escape_path(&fault(FaultKind::ClockSkew, &["observer"], &[])));
        let cut_off = fault(FaultKind::Partition, &[], &[&["miners:0..1", "sequencer"], &["verifiers"]]);
        assert!(cuts_escape_path(&cut_off), "the sequencer apart from the users: blocks cannot reach them");
        let aside = fault(FaultKind::Partition, &[], &[&["miners:0..1"], &["verifiers"]]);
        assert!(!cuts_escape_path(&aside), "the users, the L1 and the sequencer together (the rest)");
    }

    /// An escape sent during a fault of its path (or waiting through one) is owed its bound from
    /// the fault's heal plus a resend; without one, the bound of `bound`.
    #[test]
    fn a_fault_on_the_escape_path_restarts_the_wait_at_its_heal_plus_a_resend() {
        let params = BoundParams {
            slot_s: 12,
            max_sequencer_drift_s: 60,
            sequencer_l1_confs: 4,
            seq_window_blocks: 10,
            l2_block_time_s: 12,
            delivery_us: 2_000_000,
        };
        let l1: Vec<L1BlockRow> = (1..=200)
            .map(|number| L1BlockRow {
                number,
                hash: String::new(),
                parent_hash: String::new(),
                time_us: number * 12_000_000,
                deposits: 0,
                batcher_txs: 0,
                batch_bytes: 0,
                finalized: 0,
            })
            .collect();
        let s = |secs: u64| secs * 1_000_000;
        let plain = bound(s(150), &params, &[], &l1).expect("a block after");
        assert_eq!(bound_through(s(150), &params, &[], &[], &l1), Some(plain.clone()));
        // Sent at 100 s during a fault of 90..300 s: owed the bound of a send at 330 s.
        let healed = bound(s(330), &params, &[], &l1).expect("a block after");
        assert_eq!(bound_through(s(100), &params, &[], &[(s(90), s(300))], &l1), Some(healed.clone()));
        // Sent at 150 s, before a fault that starts while it waits (its block back may be lost).
        assert_eq!(bound_through(s(150), &params, &[], &[(s(200), s(300))], &l1), Some(healed));
        // A fault that ended before it was sent, or starts after its bound, changes nothing.
        let apart = [(s(10), s(140)), (plain.until_us + 1, s(2_000))];
        assert_eq!(bound_through(s(150), &params, &[], &apart, &l1), Some(plain));
    }

    #[test]
    fn rows_follow_first_observation_and_keep_the_first_inclusion() {
        let mut r = CensorshipRecorder::default();
        let from = Address::repeat_byte(9);
        let censored = |n, submitted_s: u64| Observation::L2TxCensored {
            hash: h(n),
            from,
            rule: 1,
            submitted_us: submitted_s * 1_000_000,
        };
        let forced = |n| Observation::TxForced { hash: h(n), from, via: "portal", l1_fee_wei: 7 };
        let portal = |n, l2| Observation::ForcedTxIncluded { hash: h(n), l2_number: L2Number(l2), via: "portal" };
        let observations = [
            (12, censored(2, 10)),
            (24, censored(1, 20)),
            (36, censored(2, 10)),
            (70, forced(3)),
            (610, forced(2)),
            (700, portal(2, 58)),
            (701, Observation::CensoredTxIncluded { hash: h(2), l2_number: L2Number(59) }),
            (800, portal(4, 66)),
        ];
        for (s, o) in observations {
            assert!(r.observe(at(s), o).is_none());
        }
        assert!(r.observe(at(1), Observation::SequencerHalted { until_us: 5 }).is_some(), "not the area's");
        let hashes: Vec<B256> = r.txs.iter().map(|t| t.hash.parse().expect("hex")).collect();
        assert_eq!(hashes, [h(2), h(1), h(3)], "order of first observation; an unknown inclusion is ignored");
        let two = &r.txs[0];
        assert_eq!((two.held_at_us, two.submitted_at_us, two.rule), (Some(12_000_000), Some(10_000_000), Some(1)));
        assert_eq!((two.forced_at_us, two.l1_fee_wei), (Some(610_000_000), Some(7)));
        let inclusion = two.inclusion.as_ref().expect("included");
        assert_eq!((inclusion.at_us, inclusion.path.as_str(), inclusion.l2_number), (700_000_000, "portal", 58));
        assert!(r.txs[1].inclusion.is_none() && r.txs[2].held_at_us.is_none());
    }
}
