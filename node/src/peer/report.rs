//! [`DutyReport`]: what a duty hands the run's record at the end, typed, so the harness never
//! has to know a peer's role to read its counters.

use crate::l2::sequencer::Sequencer;
use crate::l2::verifier::Verifier;
use crate::l2::workload::Workload;
use crate::tunnel::audit::TunnelAuditor;

/// A duty's end-of-run report.
#[derive(Debug, Clone, Copy)]
pub enum DutyReport<'a> {
    /// Nothing the record reads.
    Nothing,
    /// Its blocks' latency histogram, refusals by reason, and (with a tunnel) the history that
    /// provenance needs.
    Sequencer(&'a Sequencer),
    /// Blocks and transactions verified, mismatches.
    Verifier(&'a Verifier),
    /// Transactions submitted and deferred.
    Users(&'a Workload),
    /// Minted deposits a reorg took away.
    Auditor(&'a TunnelAuditor),
}
