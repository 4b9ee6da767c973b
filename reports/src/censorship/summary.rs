//! `summary.json`'s `censorship` object, pooled over replications (counts summed, latencies over
//! every transaction of every replication). Every key is defined in `reports/README.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::record::{CensoredTx, CensorshipRecord};
use crate::ethereum::summary::LatencySummary;
use crate::record::RunRecord;

/// `censorship.*`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CensorshipSummary {
    /// Transactions the sequencer held back at least once.
    pub txs_censored: u64,
    /// Held transactions the sequencer itself included later (a `delay` rule ran out).
    pub txs_included_by_sequencer: u64,
    /// Transactions users re-sent through the portal (censored or not).
    pub txs_escaped: u64,
    /// Transactions (censored or escaped) included through the portal (or Bitcoin).
    pub txs_forced: u64,
    /// Transactions (censored or escaped) never seen included by the end of the run.
    pub txs_never_included: u64,
    /// Censored transactions, submission to inclusion, whatever the path.
    pub latency_s: LatencySummary,
    /// The same per inclusion path (`sequencer`, `portal`).
    pub latency_by_path_s: BTreeMap<String, LatencySummary>,
    /// Escaped transactions, escape to inclusion.
    pub forced_latency_s: LatencySummary,
    /// Escaped transactions not included within their path's bound.
    pub bound_violations: u64,
    /// What the escapes paid on L1, in ETH (from the exact sum in wei).
    pub l1_fees_eth: f64,
}

/// The `censorship` object of `records`, or `None` for runs without censorship, faults or
/// escaping users.
pub fn censorship_summary(records: &[RunRecord]) -> Option<CensorshipSummary> {
    records.first()?.censorship.as_ref()?;
    let runs: Vec<(&CensorshipRecord, u64)> =
        records.iter().filter_map(|r| r.censorship.as_ref().map(|c| (c, r.meta.sim_time_us))).collect();
    let txs = || runs.iter().flat_map(|(c, _)| &c.txs);
    let count = |f: &dyn Fn(&CensoredTx) -> bool| txs().filter(|t| f(t)).count() as u64;
    let censored_latency = |path: Option<&str>| {
        let us = txs().filter(|t| path.is_none() || t.path() == path).filter_map(CensoredTx::latency_us).collect();
        LatencySummary::of_us(us)
    };
    let paths: std::collections::BTreeSet<&str> = txs().filter(|t| t.censored()).filter_map(CensoredTx::path).collect();
    Some(CensorshipSummary {
        txs_censored: count(&CensoredTx::censored),
        txs_included_by_sequencer: count(&|t| t.censored() && t.path() == Some("sequencer")),
        txs_escaped: count(&CensoredTx::forced),
        txs_forced: count(&|t| matches!(t.path(), Some("portal" | "bitcoin"))),
        txs_never_included: count(&|t| t.inclusion.is_none()),
        latency_s: censored_latency(None),
        latency_by_path_s: paths.into_iter().map(|p| (p.to_string(), censored_latency(Some(p)))).collect(),
        forced_latency_s: LatencySummary::of_us(txs().filter_map(CensoredTx::forced_latency_us).collect()),
        bound_violations: runs.iter().map(|(c, end)| c.bound_violations(*end).count() as u64).sum(),
        l1_fees_eth: txs().filter_map(|t| t.l1_fee_wei).sum::<u128>() as f64 / 1e18,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::censorship::testutil::censored_run;

    #[test]
    fn counts_latencies_per_path_fees_and_violations() {
        let s = censorship_summary(&[censored_run(7)]).expect("a censorship record");
        assert_eq!(
            (s.txs_censored, s.txs_included_by_sequencer, s.txs_escaped, s.txs_forced, s.txs_never_included),
            (3, 1, 3, 2, 1)
        );
        // Censored: released after 30 s; forced and included 100 s after submission.
        assert_eq!(s.latency_s.count, 2);
        assert_eq!((s.latency_s.p50, s.latency_s.max), (Some(30.0), Some(100.0)));
        assert_eq!(s.latency_by_path_s["sequencer"].max, Some(30.0));
        assert_eq!(s.latency_by_path_s["portal"].max, Some(100.0));
        // Escape to inclusion: 40 s (censored) and 50 s (an uncensored escape).
        assert_eq!((s.forced_latency_s.count, s.forced_latency_s.max), (2, Some(50.0)));
        // The one never included had its bound pass before the end.
        assert_eq!(s.bound_violations, 1);
        assert!((s.l1_fees_eth - 0.000675).abs() < 1e-15, "{}", s.l1_fees_eth);
        let pooled = censorship_summary(&[censored_run(7), censored_run(8)]).expect("records");
        assert_eq!((pooled.txs_censored, pooled.bound_violations, pooled.latency_s.count), (6, 2, 4));
        assert!(censorship_summary(&[crate::testutil::sample_record(7)]).is_none());
    }
}
