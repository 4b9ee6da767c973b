//! Liveness after faults: once the last fault has ended, every honest node reaches one Bitcoin
//! height and every verifier the sequencer's block of that moment, within the scenario's bound
//! ([`crate::scenario::convergence_bound_s`]).

use crate::harness::violation::Violation;
use hemisim_reports::csv_out::format_micros;
use hemisim_reports::record::FaultsRecord;

pub fn liveness(record: &FaultsRecord) -> Vec<Violation> {
    let healed = format_micros(record.healed_at_us);
    let bound = format_micros(record.bound_us);
    let mut violations = Vec::new();
    let mut judge = |what: &str, converged: Option<u64>| match converged {
        None => violations.push(Violation::liveness(format!(
            "{what} never converged after the last fault ended at t={healed}s (bound {bound} s)"
        ))),
        Some(at) if at - record.healed_at_us > record.bound_us => violations.push(Violation::liveness(format!(
            "{what} converged {} s after the last fault ended at t={healed}s, beyond the bound of {bound} s",
            format_micros(at - record.healed_at_us)
        ))),
        Some(_) => {}
    };
    judge("the honest nodes' Bitcoin heights", record.btc_converged_at_us);
    if record.l2_converges {
        judge("the verifiers' L2 heads", record.l2_converged_at_us);
    }
    violations
}
