//! The conductor's rules on their own: who stands when, who wins, when a block is committed.

use super::*;
use crate::l2::block::{BtcAttributes, L2Header};

fn config(me: u32) -> ConductorConfig {
    ConductorConfig {
        me,
        members: 3,
        unsafe_interval: SimDuration::from_secs(24),
        bad_handoffs: Vec::new(),
        overrides: Vec::new(),
    }
}

fn at(ms: u64) -> SimTime {
    SimTime(ms * 1_000)
}

fn block(number: u64) -> Arc<L2Block> {
    let header = L2Header {
        number: L2Number(number),
        parent_hash: B256::ZERO,
        timestamp_s: number * 12,
        gas_limit: 1,
        gas_used: 0,
        state_root: B256::ZERO,
        transactions_root: B256::ZERO,
        withdrawals_root: B256::ZERO,
        btc_tip_height: crate::units::BtcHeight(0),
        btc_tip_hash: bitcoin::BlockHash::from_raw_hash(bitcoin::hashes::Hash::all_zeros()),
        l1_origin: None,
    };
    let attributes = BtcAttributes { fork_height: crate::units::BtcHeight(0), headers: Vec::new() };
    Arc::new(L2Block::seal_hashing(header, attributes, Vec::new()))
}

const HEAD: (L2Number, B256) = (L2Number(0), B256::ZERO);

#[test]
fn member_zero_leads_and_commits_with_one_ack_of_three() {
    let mut leader = Conductor::new(config(0));
    assert!(leader.is_leader() && leader.may_build(at(0)));
    let mut out = Vec::new();
    let b = block(1);
    leader.built(at(12_000), &b, &mut out);
    assert!(matches!(out[0], ConductorOut::Broadcast(ConductorMsg::Commit { .. })));
    assert!(!out.contains(&ConductorOut::Committed), "alone it is no majority");
    assert!(!leader.may_build(at(12_000)), "one block at a time");
    out.clear();
    let ack = ConductorMsg::Ack { term: 1, from: 2, head: L2Number(1), hash: b.hash() };
    leader.on_message(at(12_200), &ack, (L2Number(1), b.hash()), &mut out);
    assert_eq!(out, [ConductorOut::Committed]);
    assert!(leader.may_build(at(12_200)));
}

#[test]
fn the_next_member_stands_first_when_the_leader_falls_silent() {
    let mut next = Conductor::new(config(1));
    let mut other = Conductor::new(config(2));
    let heartbeat = ConductorMsg::Heartbeat { term: 1, leader: 0, head: L2Number(0) };
    let (mut o1, mut o2) = (Vec::new(), Vec::new());
    next.on_message(at(1_000), &heartbeat, HEAD, &mut o1);
    other.on_message(at(1_000), &heartbeat, HEAD, &mut o2);
    assert_eq!(next.next_wake(at(1_000)), at(2_500), "a heartbeat and the lease");
    assert_eq!(other.next_wake(at(1_000)), at(3_500), "one heartbeat later by rank");
    o1.clear();
    next.wake(at(2_500), L2Number(0), at(0), &mut o1);
    let Some(ConductorOut::Broadcast(request)) = o1.first().cloned() else { panic!("a vote request: {o1:?}") };
    assert!(matches!(request, ConductorMsg::RequestVote { term: 2, candidate: 1, .. }));
    o2.clear();
    other.on_message(at(2_600), &request, HEAD, &mut o2);
    let Some(ConductorOut::Send(1, vote)) = o2.first().cloned() else { panic!("a vote: {o2:?}") };
    assert_eq!(vote, ConductorMsg::Vote { term: 2, from: 2, granted: true });
    o1.clear();
    next.on_message(at(2_700), &vote, HEAD, &mut o1);
    assert_eq!(o1, [ConductorOut::BecameLeader { term: 2, reason: "election" }]);
}

#[test]
fn a_live_leader_keeps_its_followers_votes() {
    let mut follower = Conductor::new(config(2));
    let mut out = Vec::new();
    let heartbeat = ConductorMsg::Heartbeat { term: 1, leader: 0, head: L2Number(0) };
    follower.on_message(at(1_000), &heartbeat, HEAD, &mut out);
    out.clear();
    let request = ConductorMsg::RequestVote { term: 2, candidate: 1, head: L2Number(0), transfer: false };
    follower.on_message(at(1_200), &request, HEAD, &mut out);
    assert_eq!(out, [ConductorOut::Send(1, ConductorMsg::Vote { term: 1, from: 2, granted: false })]);
}

#[test]
fn a_candidate_behind_a_voters_head_is_refused() {
    let mut voter = Conductor::new(config(2));
    let mut out = Vec::new();
    let request = ConductorMsg::RequestVote { term: 2, candidate: 1, head: L2Number(4), transfer: true };
    voter.on_message(at(10_000), &request, (L2Number(5), B256::ZERO), &mut out);
    assert!(out.contains(&ConductorOut::Send(1, ConductorMsg::Vote { term: 2, from: 2, granted: false })), "{out:?}");
}

#[test]
fn an_unhealthy_leader_hands_on_to_the_next_live_member() {
    let mut leader = Conductor::new(config(0));
    let mut out = Vec::new();
    for s in 1..=24 {
        // Both followers answer every heartbeat; the head never moves.
        leader.wake(at(s * 1_000), L2Number(0), at(0), &mut out);
        for from in [1, 2] {
            let ack = ConductorMsg::Ack { term: 1, from, head: L2Number(0), hash: B256::ZERO };
            leader.on_message(at(s * 1_000 + 100), &ack, HEAD, &mut out);
        }
    }
    assert!(out.contains(&ConductorOut::SteppedDown { term: 1, reason: "health" }), "{out:?}");
    assert!(
        out.contains(&ConductorOut::Send(1, ConductorMsg::TimeoutNow { term: 1, to: 1, cannot_build_until: None }))
    );
    assert!(!leader.is_leader());
}

#[test]
fn a_leader_that_hears_no_majority_steps_down_when_its_lease_runs_out() {
    let mut leader = Conductor::new(config(0));
    let mut out = Vec::new();
    leader.wake(at(1_000), L2Number(0), at(0), &mut out);
    assert!(leader.is_leader());
    leader.wake(at(1_600), L2Number(0), at(0), &mut out);
    assert!(out.contains(&ConductorOut::SteppedDown { term: 1, reason: "lease" }), "{out:?}");
    // Alone it can never win again: it stands, and nobody answers.
    out.clear();
    let mut t = 1_600;
    for _ in 0..10 {
        t = leader.next_wake(at(t)).as_us() / 1_000;
        leader.wake(at(t), L2Number(0), at(0), &mut out);
    }
    assert!(!leader.is_leader() && !out.iter().any(|o| matches!(o, ConductorOut::BecameLeader { .. })));
}

#[test]
fn an_operator_override_makes_a_member_sequence_without_a_quorum() {
    let mut lone = Conductor::new(ConductorConfig { overrides: vec![(at(60_000), at(120_000))], ..config(2) });
    let mut out = Vec::new();
    assert_eq!(lone.next_wake(at(50_000)), at(50_000), "the election timeout is long past");
    lone.wake(at(60_000), L2Number(3), at(0), &mut out);
    assert!(lone.is_leader(), "{out:?}");
    let b = block(4);
    out.clear();
    lone.built(at(60_000), &b, &mut out);
    assert!(out.contains(&ConductorOut::Committed), "no quorum needed while overridden");
}
