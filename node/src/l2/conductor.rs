//! op-conductor's Raft group, modelled at the level that matters for failover: who sequences,
//! when a block may be gossiped, and how long leadership takes to move.
//!
//! - **One leader per term.** A member votes once per term, for a candidate whose head is at
//!   least its own (Raft's up-to-date rule: a block a majority holds is on every possible winner),
//!   so the new leader continues from the committed head and no gossiped block is ever replaced.
//! - **Commit before gossip.** The leader sends each block it builds to the group and gossips it
//!   only once a majority (itself included) holds it; it builds nothing more until then.
//! - **Heartbeat and lease.** The leader sends a heartbeat every [`HEARTBEAT`]; members answer.
//!   A leader that has not heard a majority within [`HEARTBEAT`] + [`LEASE`] steps down (its lease
//!   ran out: the group may elect another). A follower that has not heard its leader within
//!   [`election_timeout`] starts an election. Raft randomises that timeout against split votes;
//!   here it is staggered deterministically by rank after the last leader (the next member first,
//!   one more heartbeat per rank), so the next live member wins.
//! - **Pre-vote** (hashicorp/raft since v1.7, on by default, which op-conductor runs): a member
//!   whose election timeout passes first asks the others whether they would vote for it in the
//!   next term, without raising its own; only with a majority's yes does it stand. A voter says
//!   yes under the same rules as a vote (no live leader heard, a head at least its own) and
//!   changes nothing. So a member cut off from the group (a partition, a lossy link) does not
//!   raise its term election after election, and at the heal its term does not unseat the
//!   leader the rest of the group kept (swarm world 1878: without it, a leader stepped down at
//!   the heal and the group took 7.6 s to elect another). A leadership transfer skips it.
//! - **Health check** (op-conductor's, every [`HEARTBEAT`]): the leader is unhealthy when its
//!   unsafe head has not advanced for `unsafe_interval` (counted from when it became leader, if
//!   later). It then steps down and hands leadership to the next member it heard from within its
//!   lease (Raft's leadership transfer). As hashicorp/raft's transfer does, the leader first
//!   builds nothing more and waits until the target holds its head (its pending block
//!   committed, the target's ack at least the leader's head), then sends `TimeoutNow`; it gives
//!   up after [`TRANSFER_TIMEOUT`] and keeps leading. Without the wait, a `TimeoutNow` that
//!   overtakes the leader's last commit on a reordering link leaves the target with a shorter
//!   head, which every voter refuses. Too few peers is the lease itself.
//! - **Scripted faults.** A bad handoff (`[[fault]] kind = "bad_handoff"`): at its start the
//!   leader hands leadership to the next member, which cannot build blocks for the fault's
//!   duration; its health check finds out and hands on. An operator override
//!   (`kind = "conductor_override"`): the named member sequences for the window without a quorum
//!   (op-conductor's `overrideLeader` with `sequencer_active`), what ends a stall of two of three.
//!
//! Not modelled: log replication beyond the head block (a member behind asks the leader for the
//! blocks it missed, as a verifier does), membership changes, snapshots.

use super::block::L2Block;
use crate::time::{SimDuration, SimTime};
use crate::units::L2Number;
use revm::primitives::B256;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// op-conductor's `raft.heartbeat-timeout` (1 s): the leader's heartbeat interval here.
pub const HEARTBEAT: SimDuration = SimDuration::from_secs(1);
/// op-conductor's `raft.lease-timeout` (500 ms).
pub const LEASE: SimDuration = SimDuration(500_000);

/// How long a follower of rank `rank` after the last leader (0: the next member) waits without
/// hearing it before it stands: a missed heartbeat and the lease, then one heartbeat per rank.
pub fn election_timeout(rank: u32) -> SimDuration {
    HEARTBEAT + LEASE + SimDuration(HEARTBEAT.as_us() * u64::from(rank))
}

/// What the members of the group send one another.
#[derive(Debug, Clone, PartialEq)]
pub enum ConductorMsg {
    Heartbeat {
        term: u64,
        leader: u32,
        head: L2Number,
    },
    /// A member's answer to a heartbeat or a commit: its term and head.
    Ack {
        term: u64,
        from: u32,
        head: L2Number,
        hash: B256,
    },
    /// The leader's new block, to hold before it is gossiped.
    Commit {
        term: u64,
        leader: u32,
        block: Arc<L2Block>,
    },
    RequestVote {
        term: u64,
        candidate: u32,
        head: L2Number,
        transfer: bool,
    },
    Vote {
        term: u64,
        from: u32,
        granted: bool,
    },
    /// Would you vote for `candidate` in `term` (its term + 1)? Nobody's term changes.
    PreVote {
        term: u64,
        candidate: u32,
        head: L2Number,
    },
    /// The answer to a pre-vote for `term`, with the voter's own term (`voter_term`).
    PreVoteReply {
        term: u64,
        voter_term: u64,
        from: u32,
        granted: bool,
    },
    /// Leadership transfer: `to` stands at once (and cannot build until `cannot_build_until`,
    /// a bad handoff).
    TimeoutNow {
        term: u64,
        to: u32,
        cannot_build_until: Option<SimTime>,
    },
}

/// What the conductor asks its member to do.
#[derive(Debug, Clone, PartialEq)]
pub enum ConductorOut {
    /// To every other member.
    Broadcast(ConductorMsg),
    /// To one member.
    Send(u32, ConductorMsg),
    BecameLeader {
        term: u64,
        reason: &'static str,
    },
    SteppedDown {
        term: u64,
        reason: &'static str,
    },
    /// The pending block is committed: gossip it.
    Committed,
}

#[derive(Debug, Clone)]
pub struct ConductorConfig {
    pub me: u32,
    pub members: u32,
    pub unsafe_interval: SimDuration,
    /// Bad handoffs, `[start, end)`: the leader at `start` hands on to a member that cannot build.
    pub bad_handoffs: Vec<(SimTime, SimTime)>,
    /// This member's operator overrides, `[start, end)`.
    pub overrides: Vec<(SimTime, SimTime)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Role {
    Follower,
    /// Asking for pre-votes for the next term; the term has not moved yet.
    PreCandidate {
        grants: BTreeSet<u32>,
    },
    Candidate {
        votes: BTreeSet<u32>,
    },
    Leader {
        since: SimTime,
        contacts: BTreeMap<u32, SimTime>,
        /// The head each member last acknowledged (what a transfer waits for).
        heads: BTreeMap<u32, L2Number>,
        next_heartbeat: SimTime,
        transfer: Option<Transfer>,
    },
}

/// A leadership transfer under way (hashicorp/raft's `LeadershipTransfer`): the leader builds
/// nothing more and sends `TimeoutNow` only once the target holds its head, so the target wins
/// the vote (a voter refuses a shorter head); it gives up at `deadline` and keeps leading.
#[derive(Debug, Clone, PartialEq)]
struct Transfer {
    to: u32,
    reason: &'static str,
    cannot_build_until: Option<SimTime>,
    deadline: SimTime,
}

/// How long a leader waits for the target of a transfer to catch up before it gives up:
/// hashicorp/raft bounds a transfer by its `ElectionTimeout`, here the next member's
/// [`election_timeout`].
pub const TRANSFER_TIMEOUT: SimDuration = SimDuration(HEARTBEAT.0 + LEASE.0);

/// One member's view of the group.
#[derive(Debug, Clone)]
pub struct Conductor {
    config: ConductorConfig,
    term: u64,
    voted: Option<(u64, u32)>,
    role: Role,
    leader: Option<u32>,
    last_contact: SimTime,
    /// The block waiting for a majority, with who holds it (leader only).
    pending: Option<(L2Number, B256, BTreeSet<u32>)>,
    cannot_build_until: SimTime,
    next_bad_handoff: usize,
    /// Why the current election started.
    standing_for: &'static str,
    next_health: SimTime,
}

impl Conductor {
    /// Member 0 leads term 1 from the start (the group's bootstrap).
    pub fn new(config: ConductorConfig) -> Conductor {
        let mut c = Conductor {
            term: 1,
            voted: Some((1, 0)),
            role: Role::Follower,
            leader: Some(0),
            last_contact: SimTime::ZERO,
            pending: None,
            cannot_build_until: SimTime::ZERO,
            next_bad_handoff: 0,
            standing_for: "election",
            next_health: SimTime::ZERO,
            config,
        };
        if c.config.me == 0 {
            c.role = c.leader_role(SimTime::ZERO);
        }
        c
    }

    pub fn me(&self) -> u32 {
        self.config.me
    }

    pub fn term(&self) -> u64 {
        self.term
    }

    pub fn leader(&self) -> Option<u32> {
        self.leader
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader { .. })
    }

    /// Whether the leader may build a block now: nothing waits for a majority and it is not the
    /// victim of a bad handoff.
    pub fn may_build(&self, now: SimTime) -> bool {
        let transferring = matches!(self.role, Role::Leader { transfer: Some(_), .. });
        self.is_leader() && !transferring && self.pending.is_none() && now >= self.cannot_build_until
    }

    fn overridden(&self, now: SimTime) -> bool {
        self.config.overrides.iter().any(|(s, e)| *s <= now && now < *e)
    }

    fn majority(&self) -> usize {
        self.config.members as usize / 2 + 1
    }

    fn leader_role(&self, now: SimTime) -> Role {
        let contacts = (0..self.config.members).filter(|&m| m != self.config.me).map(|m| (m, now)).collect();
        Role::Leader { since: now, contacts, heads: BTreeMap::new(), next_heartbeat: now, transfer: None }
    }

    /// The leader built `number`: it waits for a majority (at once with an override or alone).
    pub fn built(&mut self, now: SimTime, block: &Arc<L2Block>, out: &mut Vec<ConductorOut>) {
        let number = block.header.number;
        self.pending = Some((number, block.hash(), BTreeSet::from([self.config.me])));
        out.push(ConductorOut::Broadcast(ConductorMsg::Commit {
            term: self.term,
            leader: self.config.me,
            block: block.clone(),
        }));
        self.check_commit(now, out);
    }

    /// The block waiting for its group is gone from the member's chain (an unsafe reorg by
    /// derivation took it): the leader stops waiting for it and may build on the new head.
    pub fn abandon_pending(&mut self) {
        self.pending = None;
    }

    fn check_commit(&mut self, now: SimTime, out: &mut Vec<ConductorOut>) {
        let Some((_, _, holders)) = &self.pending else { return };
        if holders.len() >= self.majority() || self.overridden(now) {
            self.pending = None;
            out.push(ConductorOut::Committed);
        }
    }

    /// The member's head is `head` (hash `hash`) after handling `msg` (the caller imports commits
    /// first). Returns what to do.
    pub fn on_message(
        &mut self,
        now: SimTime,
        msg: &ConductorMsg,
        head: (L2Number, B256),
        out: &mut Vec<ConductorOut>,
    ) {
        match *msg {
            ConductorMsg::Heartbeat { term, leader, .. } | ConductorMsg::Commit { term, leader, .. } => {
                if term < self.term {
                    out.push(ConductorOut::Send(leader, self.ack(head)));
                    return;
                }
                self.follow(now, term, leader, out);
                out.push(ConductorOut::Send(leader, self.ack(head)));
            }
            ConductorMsg::Ack { term, from, head: their_head, hash } => {
                if term > self.term {
                    self.step_down(now, term, "term", out);
                    return;
                }
                if let Role::Leader { contacts, heads, .. } = &mut self.role
                    && term == self.term
                {
                    contacts.insert(from, now);
                    heads.insert(from, their_head);
                    if let Some((number, block_hash, holders)) = &mut self.pending
                        && (*number, *block_hash) == (their_head, hash)
                    {
                        holders.insert(from);
                    }
                    self.check_commit(now, out);
                    self.try_transfer(now, head.0, out);
                }
            }
            ConductorMsg::RequestVote { term, candidate, head: their_head, transfer } => {
                self.on_vote_request(now, term, candidate, their_head, transfer, head.0, out);
            }
            ConductorMsg::Vote { term, from, granted } => {
                if term > self.term {
                    self.step_down(now, term, "term", out);
                    return;
                }
                if let Role::Candidate { votes } = &mut self.role
                    && term == self.term
                    && granted
                {
                    votes.insert(from);
                    if votes.len() >= self.majority() {
                        self.win(now, out);
                    }
                }
            }
            ConductorMsg::PreVote { term, candidate, head: their_head } => {
                let granted = term > self.term && self.would_vote(now, their_head, head.0);
                out.push(ConductorOut::Send(
                    candidate,
                    ConductorMsg::PreVoteReply { term, voter_term: self.term, from: self.config.me, granted },
                ));
            }
            ConductorMsg::PreVoteReply { term, voter_term, from, granted } => {
                if voter_term > self.term {
                    self.step_down(now, voter_term, "term", out);
                    return;
                }
                if let Role::PreCandidate { grants } = &mut self.role
                    && term == self.term + 1
                    && granted
                {
                    grants.insert(from);
                    if grants.len() >= self.majority() {
                        self.stand(now, "election", false, head.0, out);
                    }
                }
            }
            ConductorMsg::TimeoutNow { term, to, cannot_build_until } => {
                if to == self.config.me && term >= self.term {
                    self.term = term;
                    if let Some(until) = cannot_build_until {
                        self.cannot_build_until = self.cannot_build_until.max(until);
                    }
                    self.stand(now, "handoff", true, head.0, out);
                }
            }
        }
    }

    fn ack(&self, head: (L2Number, B256)) -> ConductorMsg {
        ConductorMsg::Ack { term: self.term, from: self.config.me, head: head.0, hash: head.1 }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_vote_request(
        &mut self,
        now: SimTime,
        term: u64,
        candidate: u32,
        their_head: L2Number,
        transfer: bool,
        my_head: L2Number,
        out: &mut Vec<ConductorOut>,
    ) {
        if term < self.term || (!transfer && self.sticks_to_leader(now)) {
            out.push(ConductorOut::Send(
                candidate,
                ConductorMsg::Vote { term: self.term, from: self.config.me, granted: false },
            ));
            return;
        }
        if term > self.term {
            self.step_down(now, term, "term", out);
        }
        let free = self.voted.is_none_or(|(t, c)| t < term || c == candidate);
        let granted = free && their_head >= my_head;
        if granted {
            self.voted = Some((term, candidate));
            self.last_contact = now;
        }
        out.push(ConductorOut::Send(candidate, ConductorMsg::Vote { term: self.term, from: self.config.me, granted }));
    }

    /// Leader stickiness: while a live leader is heard (or this member leads with its lease),
    /// only a transfer may unseat it.
    fn sticks_to_leader(&self, now: SimTime) -> bool {
        let heard_leader = self.leader.is_some() && now.since(self.last_contact) < HEARTBEAT + LEASE;
        heard_leader || (self.is_leader() && !self.lease_expired(now))
    }

    /// Whether this member would grant a pre-vote to a candidate with head `their_head`: no
    /// live leader heard, and the candidate's head at least its own (the vote's rules, except
    /// the one vote per term, which a pre-vote does not spend).
    fn would_vote(&self, now: SimTime, their_head: L2Number, my_head: L2Number) -> bool {
        !self.sticks_to_leader(now) && their_head >= my_head
    }

    /// An election timeout passed: asks for pre-votes for the next term (standing at once when
    /// alone is a majority).
    fn pre_stand(&mut self, now: SimTime, head: L2Number, out: &mut Vec<ConductorOut>) {
        if self.majority() <= 1 {
            self.stand(now, "election", false, head, out);
            return;
        }
        self.role = Role::PreCandidate { grants: BTreeSet::from([self.config.me]) };
        self.pending = None;
        self.last_contact = now;
        out.push(ConductorOut::Broadcast(ConductorMsg::PreVote {
            term: self.term + 1,
            candidate: self.config.me,
            head,
        }));
    }

    fn follow(&mut self, now: SimTime, term: u64, leader: u32, out: &mut Vec<ConductorOut>) {
        if term > self.term || !matches!(self.role, Role::Follower) {
            if self.is_leader() {
                out.push(ConductorOut::SteppedDown { term: self.term, reason: "term" });
                self.pending = None;
            }
            self.role = Role::Follower;
        }
        self.term = term;
        self.leader = Some(leader);
        self.last_contact = now;
    }

    fn step_down(&mut self, now: SimTime, term: u64, reason: &'static str, out: &mut Vec<ConductorOut>) {
        if self.is_leader() {
            out.push(ConductorOut::SteppedDown { term: self.term, reason });
        }
        self.pending = None;
        self.role = Role::Follower;
        if term > self.term {
            self.term = term;
            self.leader = None;
        }
        self.last_contact = now;
    }

    /// Starts an election for the next term.
    fn stand(&mut self, now: SimTime, why: &'static str, transfer: bool, head: L2Number, out: &mut Vec<ConductorOut>) {
        if self.is_leader() {
            out.push(ConductorOut::SteppedDown { term: self.term, reason: "term" });
        }
        self.term += 1;
        self.voted = Some((self.term, self.config.me));
        self.role = Role::Candidate { votes: BTreeSet::from([self.config.me]) };
        self.standing_for = why;
        self.pending = None;
        self.last_contact = now;
        out.push(ConductorOut::Broadcast(ConductorMsg::RequestVote {
            term: self.term,
            candidate: self.config.me,
            head,
            transfer,
        }));
        if self.majority() <= 1 {
            self.win(now, out);
        }
    }

    fn win(&mut self, now: SimTime, out: &mut Vec<ConductorOut>) {
        self.role = self.leader_role(now);
        self.leader = Some(self.config.me);
        self.next_health = now + HEARTBEAT;
        out.push(ConductorOut::BecameLeader { term: self.term, reason: self.standing_for });
    }

    fn lease_expired(&self, now: SimTime) -> bool {
        let Role::Leader { contacts, .. } = &self.role else { return false };
        if self.overridden(now) {
            return false;
        }
        // The (majority - 1)-th most recent contact: when a majority was last heard together.
        let mut times: Vec<SimTime> = contacts.values().copied().collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        let need = self.majority() - 1;
        let quorum_at = if need == 0 { now } else { times.get(need - 1).copied().unwrap_or(SimTime::ZERO) };
        now.since(quorum_at) > HEARTBEAT + LEASE
    }

    /// Time passed to `now` (the member's wake timer): heartbeats, lease, health check, elections
    /// and scripted faults. `head_advanced` is when the member's unsafe head last moved.
    pub fn wake(&mut self, now: SimTime, head: L2Number, head_advanced: SimTime, out: &mut Vec<ConductorOut>) {
        if self.overridden(now) && !self.is_leader() {
            // The operator makes this member sequence, whatever the group says.
            self.term += 1;
            self.voted = Some((self.term, self.config.me));
            self.standing_for = "override";
            self.pending = None;
            self.win(now, out);
        }
        while let Some(&(start, end)) = self.config.bad_handoffs.get(self.next_bad_handoff)
            && start <= now
        {
            self.next_bad_handoff += 1;
            if self.is_leader() {
                self.hand_off(now, "bad_handoff", Some(end), head, out);
            }
        }
        match &mut self.role {
            Role::Leader { since, next_heartbeat, transfer, .. } => {
                let since = *since;
                if transfer.as_ref().is_some_and(|t| now >= t.deadline) {
                    // The target did not catch up in time: the leader keeps leading (hashicorp's
                    // transfer fails with ErrLeadershipTransferTimeout); the health check may
                    // try again.
                    *transfer = None;
                }
                let transferring = transfer.is_some();
                if now >= *next_heartbeat {
                    *next_heartbeat = now + HEARTBEAT;
                    out.push(ConductorOut::Broadcast(ConductorMsg::Heartbeat {
                        term: self.term,
                        leader: self.config.me,
                        head,
                    }));
                }
                if self.lease_expired(now) {
                    self.step_down(now, self.term, "lease", out);
                    self.leader = None;
                } else if now >= self.next_health && !transferring {
                    self.next_health = now + HEARTBEAT;
                    let stalled_since = head_advanced.max(since);
                    if now.since(stalled_since) >= self.config.unsafe_interval && !self.overridden(now) {
                        self.hand_off(now, "health", None, head, out);
                    }
                }
            }
            Role::Follower | Role::PreCandidate { .. } | Role::Candidate { .. } => {
                if now >= self.election_at() {
                    self.pre_stand(now, head, out);
                }
            }
        }
    }

    /// Hands leadership to the next member heard within the lease, once it holds the leader's
    /// head `head` (at once when it already does); steps down at once when nobody is live.
    fn hand_off(
        &mut self,
        now: SimTime,
        reason: &'static str,
        cannot_build_until: Option<SimTime>,
        head: L2Number,
        out: &mut Vec<ConductorOut>,
    ) {
        let term = self.term;
        let me = self.config.me;
        let n = self.config.members;
        let Role::Leader { contacts, transfer, .. } = &mut self.role else { return };
        let live = |m: &u32| contacts.get(m).is_some_and(|t| now.since(*t) <= HEARTBEAT + LEASE);
        let Some(to) = (1..n).map(|k| (me + k) % n).find(|m| live(m)) else {
            out.push(ConductorOut::SteppedDown { term, reason });
            self.role = Role::Follower;
            self.pending = None;
            self.last_contact = now;
            return;
        };
        *transfer = Some(Transfer { to, reason, cannot_build_until, deadline: now + TRANSFER_TIMEOUT });
        self.try_transfer(now, head, out);
        if self.is_leader() {
            // The target is behind (or its head unknown): a heartbeat asks for its head, and a
            // target behind fetches what it misses from the leader, as a verifier does.
            out.push(ConductorOut::Send(to, ConductorMsg::Heartbeat { term, leader: me, head }));
        }
    }

    /// A transfer under way completes once nothing waits for a majority and the target has
    /// acknowledged a head at least the leader's `head`: the leader steps down and sends
    /// `TimeoutNow` (a vote round trip later the target leads).
    fn try_transfer(&mut self, now: SimTime, head: L2Number, out: &mut Vec<ConductorOut>) {
        let Role::Leader { heads, transfer: Some(t), .. } = &self.role else { return };
        if self.pending.is_some() || heads.get(&t.to).is_none_or(|h| *h < head) {
            return;
        }
        let t = t.clone();
        out.push(ConductorOut::SteppedDown { term: self.term, reason: t.reason });
        self.role = Role::Follower;
        self.last_contact = now;
        self.leader = Some(t.to);
        out.push(ConductorOut::Send(
            t.to,
            ConductorMsg::TimeoutNow { term: self.term, to: t.to, cannot_build_until: t.cannot_build_until },
        ));
    }

    fn election_at(&self) -> SimTime {
        let n = self.config.members;
        let after = self.leader.unwrap_or(self.config.me);
        // Rank after the last leader: the next member first; the leader itself last.
        let rank = (self.config.me + n - after + n - 1) % n;
        self.last_contact + election_timeout(rank)
    }

    /// When the member must wake next.
    pub fn next_wake(&self, now: SimTime) -> SimTime {
        let mut at = match &self.role {
            Role::Leader { next_heartbeat, .. } => (*next_heartbeat).min(self.next_health),
            _ => self.election_at(),
        };
        if let Some(&(start, _)) = self.config.bad_handoffs.get(self.next_bad_handoff) {
            at = at.min(start);
        }
        if let Some(&(start, _)) = self.config.overrides.iter().find(|(s, _)| *s > now) {
            at = at.min(start);
        }
        at.max(now)
    }

    /// The member restarts after a crash: it knows the term it had (Raft persists it) and
    /// follows whoever it hears from next.
    pub fn restart(&mut self, now: SimTime) {
        self.role = Role::Follower;
        self.pending = None;
        self.leader = None;
        self.last_contact = now;
    }
}

#[cfg(test)]
#[path = "conductor_tests.rs"]
mod tests;
