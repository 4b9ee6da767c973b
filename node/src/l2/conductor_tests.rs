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
    let Some(ConductorOut::Broadcast(pre)) = o1.first().cloned() else { panic!("a pre-vote: {o1:?}") };
    assert_eq!(pre, ConductorMsg::PreVote { term: 2, candidate: 1, head: L2Number(0) });
    assert_eq!(next.term(), 1, "a pre-vote raises no term");
    o2.clear();
    other.on_message(at(2_550), &pre, HEAD, &mut o2);
    let Some(ConductorOut::Send(1, yes)) = o2.first().cloned() else { panic!("a pre-vote reply: {o2:?}") };
    assert_eq!(yes, ConductorMsg::PreVoteReply { term: 2, voter_term: 1, from: 2, granted: true });
    assert_eq!(other.term(), 1, "nor does granting one");
    o1.clear();
    next.on_message(at(2_580), &yes, HEAD, &mut o1);
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

/// Pre-vote: a member cut off from the group asks for pre-votes election after election without
/// raising its term, so at the heal the leader the others kept is not unseated by it (swarm
/// world 1878); it follows that leader.
#[test]
fn a_member_cut_off_from_the_group_raises_no_term_and_unseats_no_leader_at_the_heal() {
    let mut lone = Conductor::new(config(0));
    let mut out = Vec::new();
    let mut t = 0;
    for _ in 0..20 {
        t = lone.next_wake(at(t)).as_us() / 1_000 + 1;
        lone.wake(at(t), L2Number(5), at(0), &mut out);
    }
    assert!(!lone.is_leader(), "its lease ran out: {out:?}");
    assert!(out.iter().any(|o| matches!(o, ConductorOut::Broadcast(ConductorMsg::PreVote { .. }))), "{out:?}");
    assert!(!out.iter().any(|o| matches!(o, ConductorOut::Broadcast(ConductorMsg::RequestVote { .. }))), "{out:?}");
    assert_eq!(lone.term(), 1, "no pre-vote majority, no new term");
    // The heal: the leader the others elected meanwhile (member 1, term 2) is heard.
    let (mut o, mut lo) = (Vec::new(), Vec::new());
    let heartbeat = ConductorMsg::Heartbeat { term: 2, leader: 1, head: L2Number(9) };
    lone.on_message(at(t + 100), &heartbeat, (L2Number(5), B256::ZERO), &mut o);
    assert_eq!((lone.term(), lone.leader()), (2, Some(1)), "it follows: {o:?}");
    let Some(ConductorOut::Send(1, ack)) = o.first().cloned() else { panic!("an ack: {o:?}") };
    assert!(matches!(ack, ConductorMsg::Ack { term: 2, from: 0, .. }), "{ack:?}");
    // A pre-vote it sent just before the heal is refused by a member of the newer term, and
    // the answer brings it to that term without an election.
    let stale = ConductorMsg::PreVote { term: 2, candidate: 0, head: L2Number(5) };
    let mut voter = Conductor::new(config(2));
    voter.on_message(at(t), &ConductorMsg::Heartbeat { term: 2, leader: 1, head: L2Number(9) }, HEAD, &mut lo);
    lo.clear();
    voter.on_message(at(t + 200), &stale, (L2Number(9), B256::ZERO), &mut lo);
    assert_eq!(
        lo,
        [ConductorOut::Send(0, ConductorMsg::PreVoteReply { term: 2, voter_term: 2, from: 2, granted: false })]
    );
}

#[test]
fn a_pre_vote_is_refused_while_a_live_leader_is_heard_or_the_candidate_is_behind() {
    let mut follower = Conductor::new(config(2));
    let mut out = Vec::new();
    let heartbeat = ConductorMsg::Heartbeat { term: 1, leader: 0, head: L2Number(0) };
    follower.on_message(at(1_000), &heartbeat, HEAD, &mut out);
    out.clear();
    let pre = ConductorMsg::PreVote { term: 2, candidate: 1, head: L2Number(0) };
    follower.on_message(at(1_200), &pre, HEAD, &mut out);
    assert_eq!(
        out,
        [ConductorOut::Send(1, ConductorMsg::PreVoteReply { term: 2, voter_term: 1, from: 2, granted: false })]
    );
    out.clear();
    let behind = ConductorMsg::PreVote { term: 2, candidate: 1, head: L2Number(4) };
    follower.on_message(at(9_000), &behind, (L2Number(5), B256::ZERO), &mut out);
    assert!(
        out.contains(&ConductorOut::Send(
            1,
            ConductorMsg::PreVoteReply { term: 2, voter_term: 1, from: 2, granted: false }
        )),
        "{out:?}"
    );
    out.clear();
    follower.on_message(at(9_000), &behind, (L2Number(4), B256::ZERO), &mut out);
    assert!(
        out.contains(&ConductorOut::Send(
            1,
            ConductorMsg::PreVoteReply { term: 2, voter_term: 1, from: 2, granted: true }
        )),
        "{out:?}"
    );
}

fn is_timeout_now(o: &ConductorOut) -> bool {
    matches!(o, ConductorOut::Send(_, ConductorMsg::TimeoutNow { .. }))
}

/// A bad handoff at the instant the leader built a block (failover.toml at 36 000 s): the
/// leader sends `TimeoutNow` only once its block is committed and the target holds it, so the
/// `TimeoutNow` cannot overtake the commit and leave the target with a shorter head.
#[test]
fn a_transfer_waits_until_the_target_holds_the_leaders_head() {
    let mut leader = Conductor::new(ConductorConfig { bad_handoffs: vec![(at(5_000), at(60_000))], ..config(0) });
    let mut out = Vec::new();
    for from in [1, 2] {
        let ack = ConductorMsg::Ack { term: 1, from, head: L2Number(0), hash: B256::ZERO };
        leader.on_message(at(4_900), &ack, HEAD, &mut out);
    }
    let b = block(1);
    leader.built(at(5_000), &b, &mut out);
    out.clear();
    leader.wake(at(5_000), L2Number(1), at(5_000), &mut out);
    assert!(leader.is_leader(), "its block is not committed yet: {out:?}");
    assert!(!out.iter().any(is_timeout_now), "{out:?}");
    assert!(!leader.may_build(at(5_000)), "a transfer under way builds nothing");
    let own = (L2Number(1), b.hash());
    let ack = |from| ConductorMsg::Ack { term: 1, from, head: L2Number(1), hash: b.hash() };
    out.clear();
    leader.on_message(at(5_150), &ack(2), own, &mut out);
    assert_eq!(out, [ConductorOut::Committed], "committed, but the target (1) has not acked block 1");
    assert!(leader.is_leader());
    out.clear();
    leader.on_message(at(5_200), &ack(1), own, &mut out);
    assert_eq!(
        out,
        [
            ConductorOut::SteppedDown { term: 1, reason: "bad_handoff" },
            ConductorOut::Send(1, ConductorMsg::TimeoutNow { term: 1, to: 1, cannot_build_until: Some(at(60_000)) }),
        ]
    );
    assert!(!leader.is_leader());
}

/// A target that never catches up: the leader gives the transfer up after
/// [`TRANSFER_TIMEOUT`] (hashicorp's ElectionTimeout) and keeps leading and building.
#[test]
fn a_transfer_the_target_never_catches_up_for_is_given_up_and_the_leader_keeps_leading() {
    let mut leader = Conductor::new(ConductorConfig { bad_handoffs: vec![(at(5_000), at(60_000))], ..config(0) });
    let mut out = Vec::new();
    for from in [1, 2] {
        let ack = ConductorMsg::Ack { term: 1, from, head: L2Number(3), hash: B256::ZERO };
        leader.on_message(at(4_900), &ack, HEAD, &mut out);
    }
    out.clear();
    leader.wake(at(5_000), L2Number(4), at(4_000), &mut out);
    assert!(
        out.contains(&ConductorOut::Send(1, ConductorMsg::Heartbeat { term: 1, leader: 0, head: L2Number(4) })),
        "the target is asked for its head: {out:?}"
    );
    let behind = ConductorMsg::Ack { term: 1, from: 1, head: L2Number(3), hash: B256::ZERO };
    leader.on_message(at(5_200), &behind, (L2Number(4), B256::ZERO), &mut out);
    leader.on_message(
        at(5_200),
        &ConductorMsg::Ack { term: 1, from: 2, head: L2Number(4), hash: B256::ZERO },
        (L2Number(4), B256::ZERO),
        &mut out,
    );
    assert!(leader.is_leader() && !leader.may_build(at(5_200)), "{out:?}");
    let give_up = at(5_000) + TRANSFER_TIMEOUT;
    leader.wake(give_up, L2Number(4), at(4_000), &mut out);
    assert!(leader.is_leader() && leader.may_build(give_up), "{out:?}");
    assert!(!out.iter().any(is_timeout_now), "{out:?}");
    // A late ack of the head after giving up transfers nothing.
    let caught_up = ConductorMsg::Ack { term: 1, from: 1, head: L2Number(4), hash: B256::ZERO };
    leader.on_message(give_up + SimDuration(1_000), &caught_up, (L2Number(4), B256::ZERO), &mut out);
    assert!(leader.is_leader() && !out.iter().any(is_timeout_now), "{out:?}");
}
