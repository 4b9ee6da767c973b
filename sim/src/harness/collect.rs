//! What a finished run leaves: the record the reports read, and the invariants checked on the
//! quiet world. The runner calls `finish` once, after the quiet phase.

use super::monitor::SafetyMonitor;
use super::recorder::Recorder;
use super::runner::{RunError, RunOutput};
use super::world::{OBSERVER, tunnel_params};
use crate::areas::Recorded;
use crate::provenance::{Provenance, ProvenanceInput, build as build_provenance};
use crate::scenario::Scenario;
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::peer::{DutyReport, Peer};
use hemisim_reports::record::{PerfRecord, RunMeta, RunRecord};

/// Collects the record and, unless the monitor stopped the run at a safety violation, checks
/// liveness on the quiet world.
pub(super) fn finish(
    mut recorder: Recorder,
    monitor: SafetyMonitor,
    peer_refs: &[&Peer],
    scenario: &Scenario,
    seed: u64,
) -> Result<RunOutput, RunError> {
    let observer = &peer_refs.iter().find(|p| p.name == OBSERVER).expect("every world has an observer").node;
    let coverage = std::mem::take(&mut recorder.coverage);
    let (trace_hash, areas, events) = recorder.finish()?;
    let stopped_at = monitor.stopped_at();
    let mut violations = monitor.into_violations();
    if stopped_at.is_none() {
        violations.extend(areas.liveness(peer_refs, observer, scenario));
    }
    let Recorded { btc, attack, l2, pop, tunnel, ethereum, censorship, faults } =
        areas.finish(peer_refs, observer, scenario);
    let meta = RunMeta {
        scenario_name: scenario.name.clone(),
        seed,
        scenario_hash: scenario.hash_hex(),
        trace_hash,
        // A run the monitor stopped simulated only up to its violation.
        sim_time_us: stopped_at.map_or(scenario.duration_s * 1_000_000, |at| at.as_us()),
    };
    let perf = PerfRecord { wall_time_s: 0.0, events };
    let record = RunRecord { meta, btc, attack, l2, pop, tunnel, ethereum, censorship, faults, perf };
    let provenance = provenance(scenario, peer_refs, observer);
    let covered = coverage.finish(&record);
    Ok(RunOutput { record, violations, stopped_at, provenance, covered })
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
