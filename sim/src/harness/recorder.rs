//! Writes every observation into the trace and hands it to its area's recorder
//! ([`crate::areas`]), which builds that area's part of the [`hemisim_reports::RunRecord`].

use super::trace::Trace;
use crate::areas::Recorders;
use crate::areas::tunnel::record::{AttackerDeposit, TunnelRecorder};
use crate::swarm::coverage::Coverage;
use hemisim_node::events::Observation;
use hemisim_node::time::SimTime;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
pub struct Recorder {
    pub trace: Trace,
    pub areas: Recorders,
    pub events: u64,
    /// The rare events the run exercised (the swarm's coverage; nothing of it reaches the trace).
    pub coverage: Coverage,
    progress_us: Option<Arc<AtomicU64>>,
}

impl Recorder {
    pub fn new(trace: Trace, progress_us: Option<Arc<AtomicU64>>) -> Self {
        Recorder { trace, areas: Recorders::default(), events: 0, coverage: Coverage::default(), progress_us }
    }

    /// Makes every race's payment also a tunnel deposit (see
    /// [`TunnelRecorder::with_attacker_deposits`]).
    pub fn with_attacker_deposits(mut self, deposit: Option<AttackerDeposit>) -> Self {
        self.areas.tunnel = TunnelRecorder::with_attacker_deposits(deposit);
        self
    }

    /// Records the faults of `recorder` and the convergence after them.
    pub fn with_faults(mut self, recorder: crate::areas::faults::record::FaultsRecorder) -> Self {
        self.areas.faults = recorder;
        self
    }

    /// One input handled by a peer (a timer or a delivered message).
    pub fn count_event(&mut self, at: SimTime) {
        self.events += 1;
        if let Some(p) = &self.progress_us {
            p.store(at.as_us(), Ordering::Relaxed);
        }
    }

    pub fn observe(&mut self, at: SimTime, peer: &str, observation: Observation) {
        self.trace.record(at, peer, &observation);
        self.coverage.observe(peer, &observation);
        self.areas.observe(at, peer, observation);
    }

    /// The trace hash (writing the trace file into place), the areas' recorders and the event
    /// count.
    pub fn finish(self) -> std::io::Result<(String, Recorders, u64)> {
        Ok((self.trace.finish()?, self.areas, self.events))
    }
}
