//! What a finished run leaves: the record the reports read, and the invariants checked on the
//! quiet world. The runner calls [`finish`] once, after the quiet phase.

use super::checks::{Violation, check, check_deposits_minted, check_l2, check_pop, check_tunnel};
use super::monitor::SafetyMonitor;
use super::recorder::{PopObserved, Recorded, Recorder, TunnelObserved};
use super::runner::{RunError, RunOutput};
use super::world::{OBSERVER, tunnel_params};
use super::world::{POP_COIN, pop_miner_name};
use crate::provenance::{Provenance, ProvenanceInput, build as build_provenance};
use crate::scenario::{AttackKind, Scenario};
use bitcoin::Txid;
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::l2::btc_view::INDEXER_TIP_LAG;
use hemisim_node::l2::sequencer::LATENCY_BUCKET_US;
use hemisim_node::peer::{DutyReport, Peer};
use hemisim_node::pop::index::publications_in;
use hemisim_node::tunnel::vault_script;
use hemisim_node::units::BtcHeight;
use hemisim_reports::record::{
    AttackKind as RecordAttackKind, AttackRecord, BlockRow, BtcRecord, L2BlockRow, L2Record, LatencyHistogram,
    PerfRecord, PopMinerRow, PopRecord, PopTxRow, PublicationRow, RunMeta, RunRecord, TunnelLossRow, TunnelOpKind,
    TunnelOpRow, TunnelRecord,
};
use std::collections::{BTreeMap, BTreeSet};

/// Collects the record and, unless the monitor stopped the run at a safety violation, checks
/// liveness on the quiet world.
pub(super) fn finish(
    recorder: Recorder,
    monitor: SafetyMonitor,
    peer_refs: &[&Peer],
    scenario: &Scenario,
    seed: u64,
) -> Result<RunOutput, RunError> {
    let observer = &peer_refs.iter().find(|p| p.name == OBSERVER).expect("every world has an observer").node;
    let recorded = recorder.finish(observer)?;
    let stopped_at = monitor.stopped_at();
    let mut violations = monitor.into_violations();
    if stopped_at.is_none() {
        violations.extend(liveness(peer_refs, observer, scenario, &recorded));
    }
    let tunnel =
        scenario.tunnel.as_ref().map(|t| tunnel_record(t, peer_refs, observer, &recorded.blocks, recorded.tunnel));
    let l2 = scenario.l2.as_ref().map(|l2| l2_record(l2, peer_refs, recorded.l2_blocks));
    let pop = scenario.pop.as_ref().map(|config| pop_record(config, observer, &recorded.blocks, recorded.pop));
    let attack = scenario.attack.as_ref().map(|a| AttackRecord {
        kind: match a.kind {
            AttackKind::DoubleSpend => RecordAttackKind::DoubleSpend,
            AttackKind::SelfishMining => RecordAttackKind::SelfishMining,
        },
        hashrate_share: a.hashrate_share,
        confirmations: match (a.target, &scenario.tunnel) {
            // Against the tunnel the attacker waits one block past the mint threshold.
            (crate::scenario::AttackTarget::Tunnel, Some(t)) => t.deposit_confirmations + INDEXER_TIP_LAG + 1,
            _ => a.confirmations,
        },
        give_up_deficit_blocks: a.give_up_deficit_blocks,
        gamma: a.gamma,
        trials: recorded.trials,
    });
    let meta = RunMeta {
        scenario_name: scenario.name.clone(),
        seed,
        scenario_hash: scenario.hash_hex(),
        trace_hash: recorded.trace_hash,
        // A run the monitor stopped simulated only up to its violation.
        sim_time_us: stopped_at.map_or(scenario.duration_s * 1_000_000, |at| at.as_us()),
    };
    let btc = BtcRecord {
        block_interval_target_s: scenario.bitcoin.block_interval_s,
        blocks: recorded.blocks,
        reorgs: recorded.reorgs,
    };
    let record = RunRecord {
        meta,
        btc,
        attack,
        l2,
        pop,
        tunnel,
        perf: PerfRecord { wall_time_s: 0.0, events: recorded.events },
    };
    let provenance = provenance(scenario, peer_refs, observer);
    Ok(RunOutput { record, violations, stopped_at, provenance })
}

/// The liveness phase: what should have happened by the end of a run that was not stopped.
fn liveness(peer_refs: &[&Peer], observer: &BitcoinNode, scenario: &Scenario, recorded: &Recorded) -> Vec<Violation> {
    let mut violations = check(peer_refs, scenario.duration_s, scenario.bitcoin.block_interval_s);
    violations.extend(check_l2(peer_refs));
    if let (Some(pop), Some(l2)) = (&scenario.pop, &scenario.l2) {
        let through = recorded.pop.superfinal.last().map_or(0, |s| s.l2_number);
        violations.extend(check_pop(
            through,
            pop,
            l2.block_time_s,
            scenario.duration_s,
            scenario.bitcoin.block_interval_s,
        ));
    }
    if let Some(t) = &scenario.tunnel {
        violations.extend(check_tunnel(&recorded.tunnel.operations));
        violations.extend(check_deposits_minted(
            observer,
            &vault_script(),
            t.deposit_confirmations,
            &recorded.tunnel.operations,
        ));
    }
    violations
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
    for report in peers.iter().flat_map(|p| p.reports()) {
        match report {
            DutyReport::Sequencer(seq) => {
                record.latency.counts = seq.latency_counts.clone();
                record.txs_rejected = seq.refused.iter().map(|(reason, n)| (reason.as_str().to_owned(), *n)).collect();
                record.txs_rejected.sort();
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
    record
}

/// The PoP part of the record: what the participants reported, and every publication on the
/// observer's final main chain (with its sender's fee, when a miner of the run sent it).
fn pop_record(
    config: &crate::scenario::PopConfig,
    observer: &BitcoinNode,
    blocks: &[BlockRow],
    observed: PopObserved,
) -> PopRecord {
    let sent: BTreeMap<&str, &PopTxRow> = observed.sent.iter().map(|row| (row.txid.as_str(), row)).collect();
    let found_at: BTreeMap<&str, u64> = blocks.iter().map(|b| (b.hash.as_str(), b.found_at_us)).collect();
    let mut publications = Vec::new();
    for (height, hash) in observer.active_chain().iter().enumerate() {
        let Some(block) = observer.block(hash) else { continue };
        for publication in publications_in(block, BtcHeight(height as u32)) {
            let txid = publication.txid.to_string();
            let block_hash = publication.block.to_string();
            let by = sent.get(txid.as_str());
            publications.push(PublicationRow {
                keystone_hash: publication.keystone.to_string(),
                l2_number: publication.l2_number().0,
                btc_height: publication.height.0,
                btc_block_found_at_us: found_at.get(block_hash.as_str()).copied().unwrap_or(0),
                btc_block_hash: block_hash,
                miner: by.map(|row| row.miner.clone()),
                fee_sats: by.map_or(0, |row| row.fee_sats),
                vsize: block.txs()[publication.position as usize].vsize(),
                txid,
            });
        }
    }
    PopRecord {
        keystone_interval_blocks: config.keystone_interval_blocks,
        superfinality_depth: config.superfinality_depth,
        fee_cap_sat_per_vb: config.fee_cap_sat_per_vb,
        reward_per_keystone: config.reward_per_keystone,
        miners: (0..config.miners)
            .map(|i| PopMinerRow {
                name: pop_miner_name(i),
                funded_sats: POP_COIN.to_sat() * u64::from(config.wallet_coins),
            })
            .collect(),
        keystones: observed.keystones,
        sent: observed.sent,
        publications,
        superfinal: observed.superfinal,
        fee_deferrals: observed.fee_deferrals,
    }
}

/// The tunnel part of the record: the operations and the auditor's books as reported, each
/// payout's confirmation on the final main chain, and the losses: minted deposits the final
/// main chain does not hold (the auditor's view once the world is quiet).
fn tunnel_record(
    config: &crate::scenario::TunnelConfig,
    peers: &[&Peer],
    observer: &BitcoinNode,
    blocks: &[BlockRow],
    observed: TunnelObserved,
) -> TunnelRecord {
    let TunnelObserved { mut operations, ledger, violations } = observed;
    let found_at: BTreeMap<&str, u64> = blocks.iter().map(|b| (b.hash.as_str(), b.found_at_us)).collect();
    let payouts: BTreeSet<Txid> = operations
        .iter()
        .filter(|o| o.kind == TunnelOpKind::Payout)
        .filter_map(|o| o.txid.as_deref()?.parse().ok())
        .collect();
    let mut confirmed_at = BTreeMap::new();
    for hash in observer.active_chain() {
        let Some(block) = observer.block(hash) else { continue };
        for tx in block.txs().iter().filter(|tx| payouts.contains(&tx.txid())) {
            confirmed_at.insert(tx.txid().to_string(), found_at.get(hash.to_string().as_str()).copied().unwrap_or(0));
        }
    }
    for op in operations.iter_mut().filter(|o| o.kind == TunnelOpKind::Payout) {
        op.confirmed_at_us = op.txid.as_ref().and_then(|t| confirmed_at.get(t).copied());
    }
    let auditor = peers.iter().flat_map(|p| p.reports()).find_map(|r| match r {
        DutyReport::Auditor(a) => Some(a),
        _ => None,
    });
    let losses = auditor
        .map_or_else(Vec::new, |a| a.unbacked())
        .into_iter()
        .map(|(outpoint, amount)| loss_row(&operations, outpoint, amount.to_sat()))
        .collect();
    TunnelRecord {
        deposit_confirmations: config.deposit_confirmations,
        indexer_lag: INDEXER_TIP_LAG,
        payout_policy: config.payout_policy.as_str().to_owned(),
        grace_period_s: config.grace_period_s,
        operations,
        ledger,
        losses,
        violations,
    }
}

/// A loss, dated by its mint and by the last time it left the main chain.
fn loss_row(operations: &[TunnelOpRow], outpoint: bitcoin::OutPoint, amount_sats: u64) -> TunnelLossRow {
    let txid = outpoint.txid.to_string();
    let of = |kind| {
        operations
            .iter()
            .rev()
            .find(|o| o.kind == kind && o.txid.as_deref() == Some(txid.as_str()) && o.vout == Some(outpoint.vout))
    };
    let mint = of(TunnelOpKind::Mint);
    TunnelLossRow {
        vout: outpoint.vout,
        amount_sats,
        l2_number: mint.and_then(|m| m.l2_number).unwrap_or(0),
        minted_at_us: mint.map_or(0, |m| m.at_us),
        unwound_at_us: of(TunnelOpKind::Unwound).map_or(0, |u| u.at_us),
        txid,
    }
}

/// The provenance bundles of a tunnel run: every minted deposit's chain of trust, from the
/// sequencer's history and the observer's final main chain.
fn provenance(scenario: &Scenario, peers: &[&Peer], observer: &BitcoinNode) -> Option<Provenance> {
    let tunnel = tunnel_params(scenario)?;
    let history = peers.iter().flat_map(|p| p.reports()).find_map(|r| match r {
        DutyReport::Sequencer(seq) => seq.history.as_ref(),
        _ => None,
    })?;
    // Block 1's parent is the L2 genesis; without blocks there is nothing to prove.
    let l2_genesis_hash = history.headers.first()?.parent_hash;
    let input = ProvenanceInput {
        history,
        bitcoin: observer,
        l2_genesis_hash,
        tunnel: &tunnel,
        keystone_interval_blocks: scenario.pop.as_ref().map(|p| p.keystone_interval_blocks),
        superfinality_depth: scenario.pop.as_ref().map_or(0, |p| p.superfinality_depth),
    };
    Some(build_provenance(&input))
}
