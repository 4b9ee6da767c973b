//! Censorship's invariant. Liveness, at the end: every transaction a user forced through the
//! Ethereum portal was included within the bound of its path (`hemisim_reports::censorship::bound`:
//! the sequencer's origin rule with a live sequencer, the sequencing window with a halted or
//! withholding one); one never included is a violation only once its bound passed before the end.

use crate::harness::violation::Violation;
use hemisim_reports::record::CensorshipRecord;
use hemisim_reports::summary::micros_to_s;

/// The liveness violation of `record` in a run that ended at `end_us`, if any transaction
/// missed its bound.
pub fn liveness(record: &CensorshipRecord, end_us: u64) -> Option<Violation> {
    let missed: Vec<String> = record
        .bound_violations(end_us)
        .map(|t| {
            let bound = t.bound.as_ref().map_or(0.0, |b| micros_to_s(b.until_us));
            let kind = t.bound.as_ref().map_or("", |b| b.kind.as_str());
            let forced = micros_to_s(t.forced_at_us.unwrap_or(0));
            match &t.inclusion {
                Some(i) => format!(
                    "{} forced at t={forced}s, included at t={}s after its {kind} bound t={bound}s",
                    t.hash,
                    micros_to_s(i.at_us)
                ),
                None => format!("{} forced at t={forced}s, never included (its {kind} bound t={bound}s)", t.hash),
            }
        })
        .collect();
    let first = missed.first()?;
    let more = missed.len().saturating_sub(1);
    let others = if more > 0 { format!(" (and {more} more)") } else { String::new() };
    Some(Violation::liveness(format!(
        "{} forced transaction(s) missed their inclusion bound: {first}{others}",
        missed.len()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hemisim_reports::censorship::bound::Bound;
    use hemisim_reports::record::{CensoredTx, Inclusion};

    fn forced(hash: &str, included_s: Option<u64>, until_s: u64) -> CensoredTx {
        CensoredTx {
            hash: hash.to_string(),
            from: "0xf".to_string(),
            rule: None,
            submitted_at_us: None,
            held_at_us: None,
            forced_at_us: Some(100_000_000),
            l1_fee_wei: Some(1),
            inclusion: included_s.map(|s| Inclusion { at_us: s * 1_000_000, path: "portal".to_string(), l2_number: 9 }),
            bound: Some(Bound { kind: "live".to_string(), l1_block: 9, until_us: until_s * 1_000_000 }),
        }
    }

    #[test]
    fn late_or_missing_inclusions_past_their_bound_are_violations() {
        let record = |txs| CensorshipRecord { bounds: None, outages: Vec::new(), txs };
        // Within the bound, or not included but the bound is still ahead at the end: fine.
        let fine = record(vec![forced("0xa", Some(180), 182), forced("0xb", None, 500)]);
        assert!(liveness(&fine, 400_000_000).is_none());
        let late = record(vec![forced("0xa", Some(183), 182), forced("0xb", None, 300), forced("0xc", Some(1), 2)]);
        let v = liveness(&late, 400_000_000).expect("two missed");
        assert_eq!(
            v.message,
            "2 forced transaction(s) missed their inclusion bound: 0xa forced at t=100s, included at t=183s after its live bound t=182s (and 1 more)"
        );
    }
}
