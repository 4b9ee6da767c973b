//! `censorship.csv`: one row per transaction the sequencer held back or a user forced, in the
//! order the run first observed it. Same conventions as [`crate::csv_out`]; every column is
//! documented in `reports/README.md`.

use std::path::{Path, PathBuf};

use crate::ReportError;
use crate::csv_out::{format_micros, save_csv, to_csv};
use crate::ethereum::csv::format_gwei;
use crate::record::RunRecord;

/// `censorship.csv` text of one run (`end_us`: when it ended, for `within_bound`).
pub fn censorship_csv(record: &super::record::CensorshipRecord, end_us: u64) -> Result<Vec<u8>, csv::Error> {
    let header = [
        "hash",
        "from",
        "rule",
        "submitted_s",
        "held_s",
        "forced_s",
        "l1_fee_gwei",
        "included_s",
        "path",
        "l2_number",
        "latency_s",
        "bound",
        "bound_l1_block",
        "bound_s",
        "within_bound",
    ];
    let opt = |v: Option<u64>| v.map(format_micros).unwrap_or_default();
    let rows = record.txs.iter().map(|t| {
        let inclusion = t.inclusion.as_ref();
        let bound = t.bound.as_ref();
        vec![
            t.hash.clone(),
            t.from.clone(),
            t.rule.map(|r| r.to_string()).unwrap_or_default(),
            opt(t.submitted_at_us),
            opt(t.held_at_us),
            opt(t.forced_at_us),
            t.l1_fee_wei.map(format_gwei).unwrap_or_default(),
            opt(inclusion.map(|i| i.at_us)),
            inclusion.map(|i| i.path.clone()).unwrap_or_default(),
            inclusion.map(|i| i.l2_number.to_string()).unwrap_or_default(),
            opt(t.latency_us()),
            bound.map(|b| b.kind.clone()).unwrap_or_default(),
            bound.map(|b| b.l1_block.to_string()).unwrap_or_default(),
            opt(bound.map(|b| b.until_us)),
            bound.map(|_| (!t.violates_bound(end_us)).to_string()).unwrap_or_default(),
        ]
    });
    to_csv(&header, rows)
}

/// Writes `censorship.csv` into `dir` if the run has a censorship record.
pub fn write_censorship_csv(dir: &Path, record: &RunRecord) -> Result<Option<PathBuf>, ReportError> {
    let Some(c) = &record.censorship else { return Ok(None) };
    Ok(Some(save_csv(dir.join("censorship.csv"), censorship_csv(c, record.meta.sim_time_us))?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::censorship::testutil::censored_run;

    #[test]
    fn csv_snapshot() {
        let run = censored_run(7);
        let c = run.censorship.as_ref().expect("a record");
        let text = String::from_utf8(censorship_csv(c, run.meta.sim_time_us).expect("in memory")).expect("ASCII");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "hash,from,rule,submitted_s,held_s,forced_s,l1_fee_gwei,included_s,path,l2_number,latency_s,bound,bound_l1_block,bound_s,within_bound"
        );
        assert_eq!(lines[1], "0xa1,0xf1,0,10.000000,12.000000,,,40.000000,sequencer,3,30.000000,,,,");
        assert_eq!(
            lines[2],
            "0xa2,0xf2,0,20.000000,24.000000,80.000000,225000.000000000,120.000000,portal,10,100.000000,live,7,130.000000,true"
        );
        assert_eq!(lines[3], "0xa3,0xf3,1,30.000000,36.000000,90.000000,225000.000000000,,,,,live,8,140.000000,false");
        assert_eq!(
            lines[4],
            "0xa4,0xf4,,,,200.000000,225000.000000000,250.000000,portal,20,,window,17,900.000000,true"
        );
        assert_eq!(lines.len(), 5);
    }
}
