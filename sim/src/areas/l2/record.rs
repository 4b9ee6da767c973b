//! Records the L2 chain: every block the sequencer produced, as observed, and at the end the
//! counters the sequencer, verifiers and users kept (their end-of-run duty reports).
//!
//! On a settlement chain it also follows the sequencer's node's heads (only the sequencer's:
//! verifiers report the same moves a little later): an unsafe reorg takes back the rows of the
//! blocks it dropped, so the rows end as the final chain, and each row learns when it became safe
//! and final. With a sequencer set, reorgs are the sequencing member's (the one whose blocks the
//! rows are), and a block is safe or final when the first member says so (one may be down).

use std::collections::BTreeMap;

use crate::harness::world::SEQUENCER;
use crate::scenario::L2Config;
use hemisim_node::btc::params::EPOCH_UNIX_S;
use hemisim_node::events::Observation;
use hemisim_node::l2::latency;
use hemisim_node::peer::{DutyReport, Peer, PeerId};
use hemisim_node::time::SimTime;
use hemisim_reports::record::{
    BlockSettlement, FailoverRow, HeadMove, L2BlockRow, L2Record, L2ReorgRow, L2Settlement, LatencyHistogram,
};

#[derive(Debug, Default)]
pub struct L2Recorder {
    /// The sequencer's chain as it stands: rows a reorg took back are gone.
    blocks: Vec<L2BlockRow>,
    /// Every block produced, taken back or not: what the sequencer executed.
    txs_produced: u64,
    backlog_max: u64,
    heads: Heads,
    /// With a sequencer set: each member that began to sequence (at, member, term, reason).
    leaders: Vec<(u64, u32, u64, &'static str)>,
}

/// The sequencer's node's heads, as observed (settlement chains only).
#[derive(Debug, Default)]
struct Heads {
    unsafe_moves: Vec<HeadMove>,
    reorgs: Vec<L2ReorgRow>,
    /// Each block the safe head reached, by number: when, its hash and whether it was forced.
    safe: BTreeMap<u64, SafeMark>,
    /// Every move of the finalized head, in order (it only advances).
    finalized: Vec<HeadMove>,
    /// Fork conflicts of every verifier (`L2ForkConflict` observations).
    fork_conflicts: u64,
}

#[derive(Debug)]
struct SafeMark {
    at_us: u64,
    hash: String,
    forced: bool,
}

impl L2Recorder {
    /// Takes the observation if it is the L2's; gives it back otherwise. Head moves of nodes
    /// other than the sequencer's are taken and dropped.
    pub fn observe(&mut self, at: SimTime, peer: &str, observation: Observation) -> Option<Observation> {
        let at_us = at.as_us();
        let sequencer = peer == SEQUENCER;
        // With a set: the member that leads now, and whether `peer` is any member.
        let leader = self.leaders.last().map(|&(_, m, _, _)| m);
        let sequencing = leader.map_or(sequencer, |m| PeerId::sequencer(m).to_string() == peer);
        let member = sequencer || peer.starts_with("sequencer-");
        match observation {
            Observation::SequencerLeader { term, member, reason } => {
                // The bootstrap leader of term 1 is no failover.
                self.leaders.push((at_us, member, term, reason));
            }
            Observation::L2BlockProduced {
                number,
                hash,
                state_root,
                tx_count,
                gas_used,
                btc_tip_height,
                btc_headers,
                backlog,
                latency_mean_us,
                latency_max_us,
                l1_origin,
                ..
            } => {
                // A block the group gossips again after a handoff is the same block.
                if self.blocks.last().is_some_and(|b| b.number >= number.0 && l1_origin.is_none()) {
                    return None;
                }
                self.txs_produced += u64::from(tx_count);
                self.backlog_max = self.backlog_max.max(backlog);
                if l1_origin.is_some() {
                    self.heads.unsafe_moves.push(HeadMove { at_us, number: number.0 });
                }
                self.blocks.push(L2BlockRow {
                    number: number.0,
                    hash: hash.to_string(),
                    state_root: state_root.to_string(),
                    produced_at_us: at_us,
                    tx_count,
                    gas_used,
                    btc_tip_height: btc_tip_height.0,
                    btc_headers_ingested: btc_headers,
                    backlog,
                    latency_mean_us,
                    latency_max_us,
                    settlement: l1_origin.map(|origin| BlockSettlement {
                        timestamp_us: 0,
                        l1_origin: origin.0,
                        safe_at_us: None,
                        finalized_at_us: None,
                        forced: false,
                    }),
                });
            }
            Observation::L2Reorg { from, to, txs, because } => {
                if sequencing {
                    self.reorg(L2ReorgRow { at_us, from: from.0, to: to.0, txs, because });
                }
            }
            Observation::L2Safe { number, hash, forced, .. } => {
                if member {
                    let mark = SafeMark { at_us, hash: hash.to_string(), forced };
                    self.heads.safe.entry(number.0).or_insert(mark);
                }
            }
            Observation::L2ForkConflict { .. } => self.heads.fork_conflicts += 1,
            Observation::L2Finalized { number } => {
                // The first member to finalize a block (its moves only go up).
                let first = self.heads.finalized.last().is_none_or(|f| f.number < number.0);
                if (sequencer && leader.is_none()) || (member && leader.is_some() && first) {
                    self.heads.finalized.push(HeadMove { at_us, number: number.0 });
                }
            }
            other => return Some(other),
        }
        None
    }

    /// An unsafe reorg of the sequencer's node: the rows above its safe head go (the blocks that
    /// replace them come as new productions).
    fn reorg(&mut self, reorg: L2ReorgRow) {
        let kept = self.blocks.partition_point(|b| b.number <= reorg.to);
        self.blocks.truncate(kept);
        self.heads.unsafe_moves.push(HeadMove { at_us: reorg.at_us, number: reorg.to });
        self.heads.reorgs.push(reorg);
    }

    /// The L2 part of the record: the final chain's blocks and the duties' counters; with
    /// `settled` (the run has a settlement layer), the sequencer's node's heads.
    pub fn finish(self, config: &L2Config, settled: bool, peers: &[&Peer]) -> L2Record {
        let mut blocks = self.blocks;
        let mut record = L2Record {
            block_time_s: config.block_time_s,
            gas_limit: config.gas_limit,
            backlog_max: self.backlog_max,
            txs_executed: self.txs_produced,
            blocks: Vec::new(),
            latency: LatencyHistogram { bucket_us: latency::BUCKET_US, counts: Vec::new() },
            txs_submitted: 0,
            txs_rejected: Vec::new(),
            txs_deferred: 0,
            blocks_verified: 0,
            state_root_mismatches: 0,
            settlement: None,
            failovers: failovers(&self.leaders, &blocks),
        };
        let mut refused: BTreeMap<String, u64> = BTreeMap::new();
        for report in peers.iter().flat_map(|p| p.reports()) {
            match report {
                DutyReport::Sequencer(seq) => {
                    // Summed over the members of a set (one sequencer otherwise).
                    let counts = seq.latencies.counts();
                    let merged = &mut record.latency.counts;
                    merged.resize(merged.len().max(counts.len()), 0);
                    for (sum, n) in merged.iter_mut().zip(counts) {
                        *sum += n;
                    }
                    for (reason, n) in &seq.refused {
                        *refused.entry(reason.as_str().to_owned()).or_default() += n;
                    }
                    record.txs_rejected = refused.iter().map(|(r, n)| (r.clone(), *n)).collect();
                    if let Some(head) = seq.node().chain().head_ref() {
                        let block_time_s = config.block_time_s as u64;
                        let clock = Clock { head_number: head.number.0, head_time_s: head.time_s, block_time_s };
                        stamp(&mut blocks, &clock);
                    }
                }
                DutyReport::Verifier(v) => {
                    record.blocks_verified += v.verified;
                    record.txs_executed += v.txs_verified;
                    record.state_root_mismatches += v.mismatches;
                }
                DutyReport::Users(users) => {
                    record.txs_submitted = users.submitted;
                    record.txs_deferred = users.deferred;
                }
                DutyReport::Auditor(_) | DutyReport::Nothing => {}
            }
        }
        if settled {
            self.heads.settle(&mut blocks);
            record.settlement = Some(L2Settlement {
                unsafe_moves: self.heads.unsafe_moves,
                reorgs: self.heads.reorgs,
                fork_conflicts: self.heads.fork_conflicts,
            });
        }
        record.blocks = blocks;
        record
    }
}

/// Each change of sequencing member with the production gap it ended: from the last block
/// before it to the first after it.
fn failovers(leaders: &[(u64, u32, u64, &'static str)], blocks: &[L2BlockRow]) -> Vec<FailoverRow> {
    leaders
        .iter()
        .filter(|(_, _, term, reason)| !(*term == 1 && *reason == "election"))
        .map(|&(at_us, member, term, reason)| {
            let after = blocks.partition_point(|b| b.produced_at_us < at_us);
            let before = after.checked_sub(1).map_or(0, |i| blocks[i].produced_at_us);
            let gap_us = blocks.get(after).map(|b| b.produced_at_us - before);
            FailoverRow { at_us, member, term, reason: reason.to_owned(), gap_us }
        })
        .collect()
}

/// The L2's clock at the end of a run: the sequencer's head and its timestamp. Every block of a
/// settlement chain is timed its parent's time plus the block time (OP's rule, which every node
/// checks on import), so the head's timestamp times them all.
struct Clock {
    head_number: u64,
    head_time_s: u64,
    /// Whole seconds on a settlement chain (the scenario refuses any other).
    block_time_s: u64,
}

impl Clock {
    /// Block `number`'s timestamp as simulated time (L2 timestamps are Unix seconds from
    /// [`EPOCH_UNIX_S`], the run's start).
    fn timestamp_us(&self, number: u64) -> u64 {
        let back_s = self.head_number.saturating_sub(number).saturating_mul(self.block_time_s);
        let unix_s = self.head_time_s.saturating_sub(back_s);
        unix_s.saturating_sub(u64::from(EPOCH_UNIX_S)).saturating_mul(1_000_000)
    }
}

/// Gives each settlement row its timestamp.
fn stamp(blocks: &mut [L2BlockRow], clock: &Clock) {
    for b in blocks {
        if let Some(s) = b.settlement.as_mut() {
            s.timestamp_us = clock.timestamp_us(b.number);
        }
    }
}

impl Heads {
    /// Gives each row of the final chain when it became safe (if the safe head reached this very
    /// block: same hash) and final (the first finalized move to it or above).
    fn settle(&self, blocks: &mut [L2BlockRow]) {
        let mut finalized = self.finalized.iter().peekable();
        for b in blocks {
            let Some(s) = b.settlement.as_mut() else { continue };
            if let Some(mark) = self.safe.get(&b.number).filter(|m| m.hash == b.hash) {
                (s.safe_at_us, s.forced) = (Some(mark.at_us), mark.forced);
            }
            while finalized.next_if(|f| f.number < b.number).is_some() {}
            s.finalized_at_us = finalized.peek().map(|f| f.at_us);
        }
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
