//! `summary.json`'s `faults` object, pooled over replications (counts summed, convergence times
//! over every replication). Every key is defined in `reports/README.md`.

use serde::{Deserialize, Serialize};

use crate::record::RunRecord;
use crate::summary::micros_to_s;

/// `faults.*`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultsSummary {
    /// Faults that ran (every replication's).
    pub injected: u64,
    pub partitions: u64,
    pub crashes: u64,
    /// From the last fault's end to convergence (Bitcoin height and L2 heads), worst over the
    /// replications; `null` if one never converged.
    pub convergence_s: Option<f64>,
    /// The same for Bitcoin alone and the L2 alone.
    pub btc_convergence_s: Option<f64>,
    pub l2_convergence_s: Option<f64>,
    /// The longest convergence the scenario allows.
    pub convergence_bound_s: f64,
    /// Transactions lost from the sequencer's mempool by crashes.
    pub mempool_lost_txs: u64,
}

/// The `faults` object of `records`, or `None` for runs without faults of peers and links.
pub fn faults_summary(records: &[RunRecord]) -> Option<FaultsSummary> {
    let faults: Vec<_> = records.iter().filter_map(|r| r.faults.as_ref()).collect();
    let first = faults.first()?;
    let count = |kind: &str| faults.iter().map(|f| f.faults.iter().filter(|x| x.kind == kind).count() as u64).sum();
    // The worst replication, or `None` if any never converged.
    let worst = |f: &dyn Fn(&super::record::FaultsRecord) -> Option<u64>| -> Option<f64> {
        faults.iter().map(|r| f(r)).collect::<Option<Vec<u64>>>()?.into_iter().max().map(micros_to_s)
    };
    Some(FaultsSummary {
        injected: faults.iter().map(|f| f.faults.len() as u64).sum(),
        partitions: count("partition"),
        crashes: count("crash"),
        convergence_s: worst(&|r| r.convergence_us()),
        btc_convergence_s: worst(&|r| r.btc_converged_at_us.map(|t| t.saturating_sub(r.healed_at_us))),
        l2_convergence_s: if first.l2_converges {
            worst(&|r| r.l2_converged_at_us.map(|t| t.saturating_sub(r.healed_at_us)))
        } else {
            None
        },
        convergence_bound_s: micros_to_s(first.bound_us),
        mempool_lost_txs: faults.iter().map(|f| f.mempool_lost_txs).sum(),
    })
}
