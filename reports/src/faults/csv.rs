//! `faults.csv`: one row per fault of peers and links, in scenario order. Same conventions as
//! [`crate::csv_out`]; every column is documented in `reports/README.md`.

use std::path::{Path, PathBuf};

use super::record::FaultsRecord;
use crate::ReportError;
use crate::csv_out::{format_micros, save_csv, to_csv};
use crate::record::RunRecord;

/// `faults.csv` text of one run.
pub fn faults_csv(record: &FaultsRecord) -> Result<Vec<u8>, csv::Error> {
    let header = ["index", "kind", "start_s", "end_s", "peers"];
    let rows = record.faults.iter().map(|f| {
        vec![f.index.to_string(), f.kind.clone(), format_micros(f.start_us), format_micros(f.end_us), f.peers.clone()]
    });
    to_csv(&header, rows)
}

/// Writes `faults.csv` into `dir` if the run has faults of peers and links.
pub fn write_faults_csv(dir: &Path, record: &RunRecord) -> Result<Option<PathBuf>, ReportError> {
    let Some(f) = &record.faults else { return Ok(None) };
    Ok(Some(save_csv(dir.join("faults.csv"), faults_csv(f))?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::record::FaultRow;

    #[test]
    fn one_row_per_fault_with_times_in_seconds() {
        let record = FaultsRecord {
            faults: vec![FaultRow {
                index: 0,
                kind: "partition".into(),
                start_us: 3_600_000_000,
                end_us: 7_200_000_000,
                peers: "miner-0 miner-1 | miner-2".into(),
            }],
            healed_at_us: 7_200_000_000,
            btc_converged_at_us: Some(7_200_400_000),
            l2_converged_at_us: None,
            l2_converges: false,
            bound_us: 30_000_000,
            mempool_lost_txs: 0,
        };
        let text = String::from_utf8(faults_csv(&record).expect("renders")).expect("utf-8");
        assert_eq!(
            text,
            "index,kind,start_s,end_s,peers\n0,partition,3600.000000,7200.000000,miner-0 miner-1 | miner-2\n"
        );
        assert_eq!(record.convergence_us(), Some(400_000));
    }
}
