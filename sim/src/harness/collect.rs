//! What a finished run leaves: the record the reports read, and the invariants checked on the
//! quiet world. The runner calls [`finish`] once, after the quiet phase.

use super::checks::{check, check_l2};
use super::recorder::Recorder;
use super::runner::{RunError, RunOutput};
use super::world::OBSERVER;
use crate::scenario::{AttackKind, Scenario};
use hemisim_node::l2::sequencer::LATENCY_BUCKET_US;
use hemisim_node::peer::{Peer, Role};
use hemisim_reports::record::{AttackKind as RecordAttackKind, AttackRecord, BtcRecord, L2BlockRow, L2Record, LatencyHistogram, PerfRecord, RunMeta, RunRecord};

/// Collects the record and checks the invariants once the world is quiet.
pub(super) fn finish(recorder: Recorder, peer_refs: &[&Peer], scenario: &Scenario, seed: u64) -> Result<RunOutput, RunError> {
    let observer = &peer_refs.iter().find(|p| p.name == OBSERVER).expect("every world has an observer").node;
    let recorded = recorder.finish(observer)?;
    let mut violations = check(peer_refs, &recorded.rejections, scenario.duration_s, scenario.bitcoin.block_interval_s);
    violations.extend(check_l2(peer_refs, &recorded.l2_mismatches));
    let l2 = scenario.l2.as_ref().map(|l2| l2_record(l2, peer_refs, recorded.l2_blocks));
    let pop = None;
    let attack = scenario.attack.as_ref().map(|a| AttackRecord {
        kind: match a.kind {
            AttackKind::DoubleSpend => RecordAttackKind::DoubleSpend,
            AttackKind::SelfishMining => RecordAttackKind::SelfishMining,
        },
        hashrate_share: a.hashrate_share,
        confirmations: a.confirmations,
        give_up_deficit_blocks: a.give_up_deficit_blocks,
        gamma: a.gamma,
        trials: recorded.trials,
    });
    let meta = RunMeta {
        scenario_name: scenario.name.clone(),
        seed,
        scenario_hash: scenario.hash_hex(),
        trace_hash: recorded.trace_hash,
        sim_time_us: scenario.duration_s * 1_000_000,
    };
    let btc = BtcRecord { block_interval_target_s: scenario.bitcoin.block_interval_s, blocks: recorded.blocks, reorgs: recorded.reorgs };
    let record = RunRecord { meta, btc, attack, l2, pop, perf: PerfRecord { wall_time_s: 0.0, events: recorded.events } };
    Ok(RunOutput { record, violations })
}


/// The L2 part of the record: the produced blocks as observed, and the counters the sequencer,
/// verifiers and users kept.
fn l2_record(config: &crate::scenario::L2Config, peers: &[&Peer], blocks: Vec<L2BlockRow>) -> L2Record {
    let mut record = L2Record {
        block_time_s: config.block_time_s,
        gas_limit: config.gas_limit,
        backlog_max: blocks.iter().map(|b| b.backlog).max().unwrap_or(0),
        blocks,
        latency: LatencyHistogram { bucket_us: LATENCY_BUCKET_US, counts: Vec::new() },
        txs_submitted: 0,
        txs_rejected: Vec::new(),
        txs_deferred: 0,
        blocks_verified: 0,
        state_root_mismatches: 0,
        txs_executed: 0,
    };
    record.txs_executed = record.blocks.iter().map(|b| u64::from(b.tx_count)).sum();
    for peer in peers {
        match &peer.role {
            Role::Sequencer(seq) => {
                record.latency.counts = seq.latency_counts.clone();
                record.txs_rejected = seq.refused.iter().map(|(reason, n)| (reason.as_str().to_owned(), *n)).collect();
                record.txs_rejected.sort();
            }
            Role::Verifier(v) => {
                record.blocks_verified += v.verified;
                record.txs_executed += v.txs_verified;
                record.state_root_mismatches += v.mismatches;
            }
            Role::Observer { users: Some(users), .. } => {
                record.txs_submitted = users.submitted;
                record.txs_deferred = users.deferred;
            }
            _ => {}
        }
    }
    record
}
