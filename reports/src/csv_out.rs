//! Per-entity CSV files: one row per block, reorg, double-spend race or replication.
//!
//! Rows follow record order; times are seconds formatted from integer microseconds with integer
//! arithmetic (`12.000345`), so a CSV never depends on float formatting. Floats that are not
//! times (rates in `runs.csv`) use Rust's shortest round-trip form; undefined values are empty.
//! The L2 files and columns are in [`crate::l2::csv`], the Proof-of-Proof ones in
//! [`crate::pop::csv`], the tunnel ones in [`crate::tunnel::csv`], the L1's in
//! [`crate::ethereum::csv`]. Every column is documented in `reports/README.md`.

use std::path::{Path, PathBuf};

use crate::record::RunRecord;
use crate::summary::Summary;
use crate::{ReportError, atomic, bitcoin, ethereum, l2, pop, tunnel};

/// `12345` µs -> `"0.012345"`: exact, always six decimals.
pub fn format_micros(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// A float in Rust's shortest round-trip form; `None` (undefined) is an empty field.
pub(crate) fn format_opt(x: Option<f64>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}

/// Renders a header and rows to CSV text (`\n` line ends, quoting only where needed).
pub(crate) fn to_csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// Writes rendered CSV text to `path` atomically; a rendering error names the file.
pub fn save_csv(path: PathBuf, rendered: Result<Vec<u8>, csv::Error>) -> Result<PathBuf, ReportError> {
    let bytes = rendered.map_err(|source| ReportError::Csv { path: path.clone(), source })?;
    atomic::write_file(&path, &bytes)?;
    Ok(path)
}

/// `runs.csv` text: one row per replication, from its own one-run summary. Wall-clock figures
/// are left out on purpose so that the file is identical across reruns of the same seeds.
/// Runs with an L2 chain get the [`l2::csv::RUNS_COLUMNS`] too, and runs with Proof-of-Proof the
/// [`pop::csv::RUNS_COLUMNS`], and runs with a tunnel the [`tunnel::csv::RUNS_COLUMNS`] (runs
/// without do not, so their file is unchanged).
pub fn runs_csv(runs: &[(&RunRecord, Summary)]) -> Result<Vec<u8>, csv::Error> {
    let with_l2 = runs.iter().any(|(_, s)| s.l2.is_some());
    let with_pop = runs.iter().any(|(_, s)| s.pop.is_some());
    let with_tunnel = runs.iter().any(|(_, s)| s.tunnel.is_some());
    let mut header = vec![
        "seed",
        "trace_hash",
        "sim_time_s",
        "events",
        "blocks_total",
        "blocks_main",
        "stale_rate",
        "reorgs",
        "reorg_depth_max",
        "block_interval_mean_s",
        "attack_trials",
        "attack_successes",
        "attack_success_rate",
        "attack_revenue_share",
    ];
    if with_l2 {
        header.extend(l2::csv::RUNS_COLUMNS);
    }
    if with_pop {
        header.extend(pop::csv::RUNS_COLUMNS);
    }
    if with_tunnel {
        header.extend(tunnel::csv::RUNS_COLUMNS);
    }
    let rows = runs.iter().map(|(record, s)| {
        let attack = s.attack.as_ref();
        let mut row = vec![
            record.meta.seed.to_string(),
            record.meta.trace_hash.clone(),
            format_micros(record.meta.sim_time_us),
            record.perf.events.to_string(),
            s.btc.blocks_total.to_string(),
            s.btc.blocks_main.to_string(),
            format_opt(s.btc.stale_rate),
            s.btc.reorgs.to_string(),
            s.btc.reorg_depth_max.to_string(),
            format_opt(s.btc.block_interval_mean_s),
            attack.map(|a| a.trials.to_string()).unwrap_or_default(),
            attack.map(|a| a.successes.to_string()).unwrap_or_default(),
            format_opt(attack.and_then(|a| a.success_rate)),
            format_opt(attack.and_then(|a| a.revenue_share)),
        ];
        if with_l2 {
            row.extend(l2::csv::runs_columns(record.l2.as_ref(), s));
        }
        if with_pop {
            row.extend(pop::csv::runs_columns(record, s));
        }
        if with_tunnel {
            row.extend(tunnel::csv::runs_columns(record));
        }
        row
    });
    to_csv(&header, rows)
}

/// Writes one run's per-entity CSVs into `dir` (the L2 ones too when it has an L2 chain, the
/// PoP ones when it has Proof-of-Proof, the tunnel ones when it has a tunnel, the L1's when it
/// has an Ethereum L1) and returns their paths.
pub fn write_run_csvs(dir: &Path, record: &RunRecord) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = vec![
        save_csv(dir.join("blocks.csv"), bitcoin::csv::blocks_csv(&record.btc))?,
        save_csv(dir.join("reorgs.csv"), bitcoin::csv::reorgs_csv(&record.btc))?,
    ];
    if !record.btc.propagation.is_empty() {
        written.push(save_csv(dir.join("propagation.csv"), bitcoin::csv::propagation_csv(&record.btc))?);
    }
    if let Some(attack) = &record.attack {
        written.push(save_csv(dir.join("attack_trials.csv"), bitcoin::csv::trials_csv(&attack.trials))?);
    }
    if let Some(l2) = &record.l2 {
        written.extend(l2::csv::write_l2_csvs(dir, l2)?);
    }
    if let Some(pop) = &record.pop {
        written.extend(pop::csv::write_pop_csvs(dir, pop)?);
    }
    if let Some(tunnel) = &record.tunnel {
        written.extend(tunnel::csv::write_tunnel_csvs(dir, tunnel)?);
    }
    if let Some(eth) = &record.ethereum {
        written.extend(ethereum::csv::write_ethereum_csvs(dir, eth)?);
    }
    written.extend(crate::censorship::csv::write_censorship_csv(dir, record)?);
    written.extend(crate::faults::csv::write_faults_csv(dir, record)?);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitcoin::csv::{blocks_csv, reorgs_csv, trials_csv};
    use crate::testutil::sample_record;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("CSV of ASCII fields")
    }

    #[test]
    fn micros_format_exactly() {
        assert_eq!(format_micros(12_000_345), "12.000345");
        assert_eq!(format_micros(0), "0.000000");
        assert_eq!(format_micros(u64::MAX), "18446744073709.551615");
    }

    #[test]
    fn blocks_csv_snapshot() {
        let mut record = sample_record(7);
        record.btc.blocks.truncate(2);
        record.btc.blocks[1].hash = "ab".into();
        record.btc.blocks[1].miner = "miner,\"1\"".into();
        let got = text(blocks_csv(&record.btc).expect("in memory"));
        let h = |n: u64| format!("{n:064x}");
        let expected = format!(
            "height,hash,parent_hash,miner,found_at_s,main_chain,tx_count,weight,fees_sats\n\
             1,{},{},miner-0,600.000000,true,2,1000,100\n\
             2,ab,{},\"miner,\"\"1\"\"\",1200.500000,true,3,2000,200\n",
            h(600_000_000),
            h(1),
            h(2)
        );
        assert_eq!(got, expected);
    }

    #[test]
    fn reorgs_and_trials_csv_snapshot() {
        let record = sample_record(7);
        let reorgs = text(reorgs_csv(&record.btc).expect("in memory"));
        let (old, new) = (format!("{:064x}", 3), format!("{:064x}", 4));
        assert_eq!(
            reorgs,
            format!("at_s,depth,connected,old_tip,old_height,new_tip,new_height\n1800.400000,1,2,{old},3,{new},4\n")
        );
        let attack = record.attack.expect("sample has an attack");
        let trials = text(trials_csv(&attack.trials[1..]).expect("in memory"));
        let tx = |n: u64| format!("{n:064x}");
        let expected = format!(
            "started_at_s,ended_at_s,payment_txid,conflict_txid,outcome\n\
             2600.000000,3000.500000,{},{},failure\n\
             3100.000000,,{},{},unfinished\n",
            tx(0xa0 + 2600),
            tx(0xb0 + 2600),
            tx(0xa0 + 3100),
            tx(0xb0 + 3100)
        );
        assert_eq!(trials, expected);
    }

    #[test]
    fn runs_csv_has_one_row_per_replication_and_no_wall_clock() {
        let records = [sample_record(7), sample_record(9)];
        let runs: Vec<_> =
            records.iter().map(|r| (r, crate::summary::summarize(std::slice::from_ref(r)).expect("ok"))).collect();
        let got = text(runs_csv(&runs).expect("in memory"));
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], format!("7,{:064x},3600.000000,1000,5,4,0.2,1,1,633.3333333333334,2,1,0.5,0.25", 0x7007));
        assert!(lines[2].starts_with("9,"));
    }
}
