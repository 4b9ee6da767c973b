//! hemisim's outputs: `summary.json`, per-entity CSVs and plots, as pure functions of what a run
//! recorded.
//!
//! The simulation harness fills one [`RunRecord`] per run and calls [`write_outputs`] with one
//! record, or with N replications in seed order. Nothing here knows madsim or the node logic, so
//! every output can be tested on hand-made records.
//!
//! **Architecture Invariant:** everything written, except the wall-clock figures (`wall_time_s`
//! and `perf` in `summary.json`), is a deterministic function of the records: the same records
//! give byte-identical files. No `HashMap` reaches an output, times are integer microseconds
//! until formatted, and the only transcendental functions come from `libm`.
//!
//! **Architecture Invariant:** every file is written atomically ([`atomic`]): an interrupted run
//! leaves each file either complete or as it was, never half-written. The whole output folder is
//! staged and swapped in at once ([`output_dir`]), with a `manifest.json`, so it only ever holds
//! one run's outputs.
//!
//! Map: one folder per area, each owning its part of the record, its summary object, its CSV
//! files and its figures: [`bitcoin`] (blocks, reorgs, attacks), [`l2`], [`pop`] (with
//! per-block superfinality latencies, rewards and per-miner totals in [`pop::metrics`]) and
//! [`tunnel`] (operations, the books, totals and latencies in [`tunnel::metrics`]) and
//! [`ethereum`] (the settlement layer's L1: blocks, missed slots, deposits, the batcher's
//! transactions). Shared:
//! [`record`] (the input, assembling the areas' records), [`summary`] (headline metrics pooled
//! over replications), [`csv_out`] (CSV formatting, `runs.csv`), [`plots`] (the figure
//! machinery: fonts, frames, legends, panels), [`stats`] (intervals and percentiles),
//! [`survival`] (the Kaplan–Meier estimator, for latencies of blocks still waiting at the end),
//! [`theory`] (closed forms the measurements are compared with), [`fingerprint`] (the combined
//! trace hash of replications), [`sweep`] (`hemisim sweep`'s table, index and figure), [`shard`]
//! (a sharded sweep's partial directory: `shard.json`).
//! `reports/README.md` documents every output key, column and figure.

pub mod atomic;
pub mod bitcoin;
pub mod censorship;
pub mod compare;
pub mod csv_out;
mod error;
pub mod ethereum;
pub mod faults;
pub mod fingerprint;
pub mod headline;
pub mod l2;
pub mod output_dir;
pub mod plots;
pub mod pop;
pub mod record;
pub mod report;
pub mod shard;
pub mod stats;
pub mod summary;
pub mod survival;
pub mod swarm;
pub mod swarm_shard;
pub mod sweep;
pub mod theory;
pub mod tunnel;

#[cfg(test)]
mod testutil;

use std::path::{Path, PathBuf};

pub use error::ReportError;
pub use record::RunRecord;
pub use summary::{Summary, summarize};

/// What [`write_outputs`] wrote: the summary (so a caller can print headlines without computing
/// it again) and the paths of every file, sorted.
#[derive(Debug, Clone)]
pub struct Written {
    pub summary: Summary,
    pub files: Vec<PathBuf>,
}

/// Writes every output of one run (`records.len() == 1`) or of N replications (in seed order)
/// into `dir`, creating it if needed.
///
/// One run: `summary.json`, `blocks.csv`, `reorgs.csv`, `attack_trials.csv` (with an attack),
/// `l2_blocks.csv` and `l2_latency.csv` (with an L2 chain; `l2_reorgs.csv` besides on a
/// settlement chain whose sequencer reorged), `keystones.csv`, `publications.csv`,
/// `pop_txs.csv` and `superfinality.csv` (with Proof-of-Proof), `tunnel.csv`,
/// `tunnel_ledger.csv` and `tunnel_losses.csv` (with a BTC tunnel), `ethereum_blocks.csv`,
/// `deposits.csv` and `batches.csv` (with an Ethereum L1), `censorship.csv` (with censorship, faults
/// or escaping users) and the plots. N runs:
/// `summary.json` pooled, `runs.csv` (one row per replication), each replication's CSVs under
/// `runs/seed-<seed>/`, and plots of the pooled data (the L2 and PoP time series: of the first
/// replication). The records are checked before anything is written; `summary.json` is written
/// first so that the headline numbers survive a later failure (a plot, say).
pub fn write_outputs(dir: &Path, records: &[RunRecord]) -> Result<Written, ReportError> {
    let summary = summarize(records)?;
    atomic::create_dir(dir)?;
    let summary_path = dir.join("summary.json");
    atomic::write_file(&summary_path, summary.to_json().as_bytes())?;
    let mut written = vec![summary_path];
    if let [one] = records {
        written.extend(csv_out::write_run_csvs(dir, one)?);
    } else {
        let runs = records
            .iter()
            .map(|r| Ok((r, summarize(std::slice::from_ref(r))?)))
            .collect::<Result<Vec<_>, ReportError>>()?;
        written.push(csv_out::save_csv(dir.join("runs.csv"), csv_out::runs_csv(&runs))?);
        for record in records {
            written.extend(csv_out::write_run_csvs(&run_dir(dir, record.meta.seed), record)?);
        }
    }
    written.extend(plots::write_plots(dir, records)?);
    written.sort();
    Ok(Written { summary, files: written })
}

/// Where replication `seed`'s per-entity CSVs go: `<dir>/runs/seed-<seed>/`.
pub fn run_dir(dir: &Path, seed: u64) -> PathBuf {
    dir.join("runs").join(format!("seed-{seed}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{l2_run, pop_run, sample_record, scratch_dir};

    /// Every file under `dir`, relative, sorted.
    pub(super) fn tree(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            for entry in std::fs::read_dir(&d).expect("listable") {
                let path = entry.expect("readable entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    files.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
                }
            }
        }
        files.sort();
        files
    }

    pub(super) fn names(paths: &[PathBuf]) -> Vec<String> {
        paths.iter().map(|p| p.to_string_lossy().replace('\\', "/")).collect()
    }

    #[test]
    fn one_run_writes_summary_csvs_and_plots() {
        let dir = scratch_dir("outputs-one");
        let written = write_outputs(&dir, &[sample_record(7)]).expect("writable").files;
        let expected = [
            "attack_trials.csv",
            "block_intervals.png",
            "block_intervals.svg",
            "blocks.csv",
            "reorg_depths.png",
            "reorg_depths.svg",
            "reorgs.csv",
            "summary.json",
        ];
        assert_eq!(names(&tree(&dir)), expected);
        let relative: Vec<PathBuf> =
            written.iter().map(|p| p.strip_prefix(&*dir).expect("in dir").to_path_buf()).collect();
        assert_eq!(relative, tree(&dir), "returns every file written, sorted");
    }

    #[test]
    fn replications_get_runs_csv_and_per_seed_folders() {
        let dir = scratch_dir("outputs-many");
        write_outputs(&dir, &[sample_record(7), sample_record(3)]).expect("writable");
        let files = names(&tree(&dir));
        for f in ["runs.csv", "runs/seed-7/blocks.csv", "runs/seed-3/attack_trials.csv", "summary.json"] {
            assert!(files.iter().any(|x| x == f), "{f} missing from {files:?}");
        }
        assert!(!files.iter().any(|f| f == "blocks.csv"), "no top-level per-entity CSV for N > 1");
        assert!(!files.iter().any(|f| f.contains(".tmp")), "no temporary left: {files:?}");
        let summary = std::fs::read_to_string(dir.join("summary.json")).expect("written");
        assert!(summary.contains("\"runs\": 2"));
    }

    #[test]
    fn same_records_give_identical_files() {
        let records = [sample_record(7), sample_record(8)];
        let (a, b) = (scratch_dir("outputs-det-a"), scratch_dir("outputs-det-b"));
        write_outputs(&a, &records).expect("writable");
        write_outputs(&b, &records).expect("writable");
        assert_eq!(tree(&a), tree(&b));
        for file in tree(&a) {
            let same = std::fs::read(a.join(&file)).ok() == std::fs::read(b.join(&file)).ok();
            assert!(same, "{} differs", file.display());
        }
        let l2 = [l2_run(7, &[(2, 15_000_000), (0, 0)]), l2_run(8, &[(3, 1)])];
        let (a, b) = (scratch_dir("outputs-det-l2-a"), scratch_dir("outputs-det-l2-b"));
        write_outputs(&a, &l2).expect("writable");
        write_outputs(&b, &l2).expect("writable");
        assert_eq!(tree(&a), tree(&b));
        for file in tree(&a) {
            let same = std::fs::read(a.join(&file)).ok() == std::fs::read(b.join(&file)).ok();
            assert!(same, "{} differs", file.display());
        }
    }

    #[test]
    fn l2_runs_get_l2_csvs_figures_and_runs_columns() {
        let dir = scratch_dir("outputs-l2-one");
        write_outputs(&dir, &[l2_run(7, &[(2, 15_000_000)])]).expect("writable");
        let files = names(&tree(&dir));
        for f in ["l2_blocks.csv", "l2_latency.csv", "l2_throughput.png", "l2_fullness.svg", "l2_latency.png"] {
            assert!(files.iter().any(|x| x == f), "{f} missing from {files:?}");
        }
        let summary = std::fs::read_to_string(dir.join("summary.json")).expect("written");
        assert!(summary.contains("\"l2\": {"));

        let dir = scratch_dir("outputs-l2-many");
        let records = [l2_run(7, &[(2, 15_000_000)]), l2_run(3, &[(0, 0)])];
        write_outputs(&dir, &records).expect("writable");
        let files = names(&tree(&dir));
        for f in ["runs/seed-7/l2_blocks.csv", "runs/seed-3/l2_latency.csv"] {
            assert!(files.iter().any(|x| x == f), "{f} missing from {files:?}");
        }
        assert!(!files.iter().any(|f| f == "l2_blocks.csv"));
        let runs = std::fs::read_to_string(dir.join("runs.csv")).expect("written");
        let lines: Vec<&str> = runs.lines().collect();
        assert!(
            lines[0].ends_with(
                ",attack_revenue_share,l2_blocks,l2_txs_included,l2_tps,l2_gas_used_per_s,\
                 l2_block_fullness_mean,l2_latency_p50_s,l2_latency_p95_s,l2_latency_p99_s,\
                 l2_latency_mean_s,l2_backlog_max,l2_backlog_final,l2_txs_rejected,\
                 l2_state_root_mismatches"
            ),
            "{runs}"
        );
        // 2 transactions and 15M gas over 3600 s; latencies 0.5 and 11.5 s.
        let l2 = "1,2,0.0005555555555555556,4166.666666666667,0.5,0.600000,11.600000,11.600000,6.05,0,0,5,0";
        assert!(lines[1].ends_with(&format!(",,,,{l2}")), "{runs}");
        assert!(lines[2].ends_with(",,,,1,0,0,0,0,,,,,0,0,5,0"), "{runs}");
    }

    #[test]
    fn pop_runs_get_pop_csvs_figures_and_runs_columns() {
        let dir = scratch_dir("outputs-pop-one");
        let written = write_outputs(&dir, &[pop_run(7)]).expect("writable").files;
        let expected = [
            "block_intervals.png",
            "block_intervals.svg",
            "blocks.csv",
            "keystones.csv",
            "l2_blocks.csv",
            "l2_fullness.png",
            "l2_fullness.svg",
            "l2_latency.csv",
            "l2_latency.png",
            "l2_latency.svg",
            "l2_throughput.png",
            "l2_throughput.svg",
            "pop_fees.png",
            "pop_fees.svg",
            "pop_superfinality.png",
            "pop_superfinality.svg",
            "pop_timeline.png",
            "pop_timeline.svg",
            "pop_txs.csv",
            "publications.csv",
            "reorg_depths.png",
            "reorg_depths.svg",
            "reorgs.csv",
            "summary.json",
            "superfinality.csv",
        ];
        assert_eq!(names(&tree(&dir)), expected);
        assert_eq!(written.len(), expected.len());
        let summary = std::fs::read_to_string(dir.join("summary.json")).expect("written");
        assert!(summary.contains("\"pop\": {"));

        let dir = scratch_dir("outputs-pop-many");
        let mut other = pop_run(3);
        if let Some(pop) = other.pop.as_mut() {
            pop.publications.clear();
            pop.superfinal.clear();
        }
        write_outputs(&dir, &[pop_run(7), other]).expect("writable");
        let files = names(&tree(&dir));
        for f in ["runs/seed-7/keystones.csv", "runs/seed-3/superfinality.csv"] {
            assert!(files.iter().any(|x| x == f), "{f} missing from {files:?}");
        }
        assert!(!files.iter().any(|f| f == "keystones.csv"));
        let runs = std::fs::read_to_string(dir.join("runs.csv")).expect("written");
        let lines: Vec<&str> = runs.lines().collect();
        assert!(
            lines[0].ends_with(
                ",l2_state_root_mismatches,pop_keystones,pop_publications,\
                 pop_keystones_superfinal,pop_blocks_pending,pop_superfinality_mean_s,\
                 pop_superfinality_mean_is_lower_bound,pop_superfinality_p50_s,pop_superfinality_p95_s,pop_fees_sats_per_day"
            ),
            "{runs}"
        );
        assert!(lines[1].ends_with(",4,7,3,2,550.3303571428572,false,500.500000,900.250000,185000"), "{runs}");
        // Nothing published: every block still waiting, so no mean (the longest wait, 1528 s,
        // is not one) and no percentile.
        assert!(lines[2].ends_with(",4,0,0,8,,false,,,0"), "{runs}");
    }

    #[test]
    fn pop_outputs_are_deterministic() {
        let records = [pop_run(7), pop_run(8)];
        let (a, b) = (scratch_dir("outputs-det-pop-a"), scratch_dir("outputs-det-pop-b"));
        write_outputs(&a, &records).expect("writable");
        write_outputs(&b, &records).expect("writable");
        assert_eq!(tree(&a), tree(&b));
        assert!(tree(&a).iter().any(|f| f.ends_with("pop_timeline.svg")));
        for file in tree(&a) {
            let same = std::fs::read(a.join(&file)).ok() == std::fs::read(b.join(&file)).ok();
            assert!(same, "{} differs", file.display());
        }
    }

    #[test]
    fn ethereum_runs_get_the_l1_csv_and_summary_object() {
        use crate::testutil::eth_run;
        let dir = scratch_dir("outputs-eth-one");
        write_outputs(&dir, &[eth_run(7)]).expect("writable");
        let files = names(&tree(&dir));
        assert!(files.iter().any(|f| f == "ethereum_blocks.csv"), "{files:?}");
        let summary = std::fs::read_to_string(dir.join("summary.json")).expect("written");
        assert!(summary.contains("\"ethereum\": {"), "{summary}");

        let dir = scratch_dir("outputs-eth-many");
        write_outputs(&dir, &[eth_run(7), eth_run(3)]).expect("writable");
        let files = names(&tree(&dir));
        assert!(files.iter().any(|f| f == "runs/seed-3/ethereum_blocks.csv"), "{files:?}");
        let err = write_outputs(&scratch_dir("outputs-eth-mixed"), &[eth_run(7), sample_record(3)]);
        assert!(matches!(err, Err(ReportError::Inconsistent { field: "ethereum", .. })), "{err:?}");
    }

    #[test]
    fn settlement_runs_get_batches_and_the_heads_figure() {
        use crate::testutil::{eth_run, settled_run};
        let dir = scratch_dir("outputs-settled");
        write_outputs(&dir, &[settled_run(7)]).expect("writable");
        let files = names(&tree(&dir));
        for file in
            ["batches.csv", "deposits.csv", "ethereum_blocks.csv", "l2_blocks.csv", "l2_heads.png", "l2_heads.svg"]
        {
            assert!(files.iter().any(|f| f == file), "{file} in {files:?}");
        }
        let svg = std::fs::read_to_string(dir.join("l2_heads.svg")).expect("written");
        for text in ["Unsafe head", "Safe head", "Finalized head", "Unsafe reorgs (1)", "seed 7"] {
            assert!(svg.contains(text), "{text} in the figure");
        }
        // An L1 without a settlement record on the L2 (or no L2) draws no heads.
        let dir = scratch_dir("outputs-eth-no-heads");
        write_outputs(&dir, &[eth_run(7)]).expect("writable");
        assert!(!names(&tree(&dir)).iter().any(|f| f.starts_with("l2_heads")));
    }

    #[test]
    fn bitcoin_only_runs_csv_is_unchanged() {
        let dir = scratch_dir("outputs-btc-runs");
        write_outputs(&dir, &[sample_record(7), sample_record(3)]).expect("writable");
        let runs = std::fs::read_to_string(dir.join("runs.csv")).expect("written");
        assert_eq!(runs, include_str!("testdata/bitcoin_only_runs.csv"));
        let files = names(&tree(&dir));
        assert!(!files.iter().any(|f| f.contains("l2")), "{files:?}");
    }

    #[test]
    fn bad_records_write_nothing() {
        let scratch = scratch_dir("outputs-bad");
        let dir = scratch.join("out");
        let err = write_outputs(&dir, &[sample_record(1), sample_record(1)]).expect_err("duplicate seed");
        assert!(matches!(err, ReportError::DuplicateSeed { seed: 1 }));
        assert!(!dir.exists());
    }
}
