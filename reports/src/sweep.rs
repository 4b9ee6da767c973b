//! `hemisim sweep`'s outputs: `sweep.csv` (one row per cell of the grid), `sweep.json` (the grid,
//! the seeds, the fingerprint) and the `sweep_latency_cost` figure (`sweep_stale_rate` without
//! PoP metrics), as pure functions of what the cells recorded.
//!
//! A sweep runs every cell of a grid of scenario variants (the cartesian product of `--grid`
//! value lists) with `--runs N` replications each. Each cell's records give its pooled
//! `summary.json` ([`write_cell`]) and, per replication, the values of the [`METRICS`]: taken
//! from that replication's own summary converted to JSON, by dotted path. Reading the summary as
//! JSON keeps this module independent of the structs of each area: a metric the summary does not
//! have (a scenario without `[pop]`, say) is simply undefined, and its columns stay empty.
//!
//! Like every output, these are deterministic: the same cells give byte-identical files
//! whatever order they were run in. No wall-clock figure is written here. `reports/README.md`
//! documents every column and key.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::csv_out::{format_opt, save_csv, to_csv};
use crate::fingerprint::combine_hashes;
use crate::plots::{SweepLatencyCost, write_figure};
use crate::record::RunRecord;
use crate::stats::{Interval, mean, mean_ci95};
use crate::summary::{Summary, summarize};
use crate::{ReportError, atomic};

/// The metrics of `sweep.csv`, as dotted paths into a one-run `summary.json`, in column order.
pub const METRICS: [&str; 9] = [
    POP_LATENCY_P50,
    POP_LATENCY_P95,
    POP_FEES_PER_DAY,
    "pop.block_space_share",
    STALE_RATE,
    "l2.tps",
    "l2.tx_inclusion_latency_p50_s",
    // The tunnel's trade-off: deposits lost to reorgs against how long a mint takes.
    "tunnel.losses",
    "tunnel.mint_latency_s.p50",
];

/// Superfinality latency of L2 blocks, median (s).
pub const POP_LATENCY_P50: &str = "pop.superfinality_latency_s.p50";
/// Superfinality latency of L2 blocks, 95th percentile (s).
pub const POP_LATENCY_P95: &str = "pop.superfinality_latency_s.p95";
/// What Proof-of-Proof costs: PoP fees per simulated day (sat).
pub const POP_FEES_PER_DAY: &str = "pop.fees_sats_per_day";
/// Bitcoin blocks not on the final main chain / all blocks.
pub const STALE_RATE: &str = "btc.stale_rate";

/// Index of `path` in [`METRICS`].
pub(crate) fn metric_index(path: &str) -> usize {
    METRICS.iter().position(|m| *m == path).expect("only paths listed in METRICS are looked up")
}

/// The number at dotted `path` in `json` (`"a.b.c"` is `json["a"]["b"]["c"]`); `None` when a
/// step is missing, the value is `null` or not a number, or it is not finite.
pub fn metric_at(json: &Value, path: &str) -> Option<f64> {
    path.split('.').try_fold(json, |value, name| value.get(name))?.as_f64().filter(|x| x.is_finite())
}

/// One axis of the grid: a scenario key and its values as the user wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

/// The sweep as a whole, for `sweep.json` and the figure's title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepInfo {
    pub scenario_name: String,
    /// The scenario file as given on the command line.
    pub scenario_file: String,
    /// `--seed`, or the scenario's `seed`: every cell's seed is derived from it.
    pub base_seed: u64,
    /// Replications per cell (`--runs`).
    pub runs: u32,
    /// The `--set KEY=VALUE` overrides applied to every cell, in order.
    pub set: Vec<String>,
    /// The `--grid` axes, in the order given (the first is the outermost loop).
    pub grid: Vec<Axis>,
    /// One command line that runs the same sweep again.
    pub replay: String,
}

/// An invariant violation in one replication of a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationNote {
    /// `safety` or `liveness`.
    pub kind: String,
    /// Seed of the replication that broke it.
    pub seed: u64,
    pub message: String,
    /// `hemisim run ...` that replays that replication.
    pub replay: String,
}

/// What one cell recorded, reduced to what the sweep's outputs need (serialised in a shard's
/// `shard.json`, so that `hemisim merge` rebuilds the sweep's outputs from it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellMetrics {
    /// Seeds of the replications, in order.
    pub replication_seeds: Vec<u64>,
    /// The cell's scenario hash (as in its `summary.json`).
    pub scenario_hash: String,
    /// The run's trace hash, or the combined fingerprint of the replications.
    pub trace_hash: String,
    /// For each of [`METRICS`], its value in each replication (`None`: undefined there).
    pub values: Vec<Vec<Option<f64>>>,
}

/// A metric over a cell's replications: the mean of the replications where it is defined, and
/// a Student t 95% interval of that mean (with two such replications or more).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricStat {
    /// Replications where the metric is defined.
    pub n: usize,
    pub mean: Option<f64>,
    pub ci95: Option<Interval>,
}

impl MetricStat {
    pub fn of(values: &[Option<f64>]) -> MetricStat {
        let defined: Vec<f64> = values.iter().flatten().copied().collect();
        MetricStat { n: defined.len(), mean: mean(&defined), ci95: mean_ci95(&defined) }
    }
}

impl CellMetrics {
    /// Measures a cell's replications (in seed order); refuses records that cannot be pooled.
    pub fn from_records(records: &[RunRecord]) -> Result<CellMetrics, ReportError> {
        CellMetrics::measure(&summarize(records)?, records)
    }

    /// `pooled` is `summarize(records)`.
    fn measure(pooled: &Summary, records: &[RunRecord]) -> Result<CellMetrics, ReportError> {
        let mut values = vec![Vec::with_capacity(records.len()); METRICS.len()];
        for record in records {
            let json = serde_json::to_value(summarize(std::slice::from_ref(record))?)
                .expect("a summary has only string keys and plain values, so it always converts");
            for (column, path) in values.iter_mut().zip(METRICS) {
                column.push(metric_at(&json, path));
            }
        }
        Ok(CellMetrics {
            replication_seeds: records.iter().map(|r| r.meta.seed).collect(),
            scenario_hash: pooled.scenario_hash.clone(),
            trace_hash: pooled.trace_hash.clone(),
            values,
        })
    }

    /// The statistics of metric `path` (one of [`METRICS`]).
    pub fn stat(&self, path: &str) -> MetricStat {
        MetricStat::of(&self.values[metric_index(path)])
    }
}

/// Writes a cell's pooled `summary.json` into `dir` (created if needed) and measures the cell.
pub fn write_cell(dir: &Path, records: &[RunRecord]) -> Result<CellMetrics, ReportError> {
    let summary = summarize(records)?;
    let metrics = CellMetrics::measure(&summary, records)?;
    atomic::write_file(&dir.join("summary.json"), summary.to_json().as_bytes())?;
    Ok(metrics)
}

/// One cell of the grid, run and measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// Position in the grid, from 0 (first axis outermost).
    pub index: usize,
    /// One value per axis, as the user wrote it.
    pub values: Vec<String>,
    /// `key=value` pairs in grid order, joined by `,`.
    pub label: String,
    /// Where its `summary.json` is, relative to the sweep's directory (`cells/<index>-<label>`).
    pub dir: String,
    /// The cell's seed (replication 0 uses it).
    pub seed: u64,
    pub metrics: CellMetrics,
    pub violations: Vec<ViolationNote>,
    /// `hemisim run ...` that runs this cell again, all replications.
    pub replay: String,
}

impl CellResult {
    /// The values joined by `, `: a short label for a point on the figure.
    pub fn short_label(&self) -> String {
        self.values.join(", ")
    }
}

/// `sweep.csv` text: the header, then one row per cell in grid order.
pub fn sweep_csv(grid: &[Axis], cells: &[CellResult]) -> Result<Vec<u8>, csv::Error> {
    let mut header: Vec<String> = vec!["cell".into()];
    header.extend(grid.iter().map(|axis| axis.key.clone()));
    header.extend(["seed", "runs", "violations", "trace_hash"].map(String::from));
    for metric in METRICS {
        for suffix in ["mean", "ci95_low", "ci95_high"] {
            header.push(format!("{metric}_{suffix}"));
        }
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = cells.iter().map(|cell| {
        let mut row = vec![cell.index.to_string()];
        row.extend(cell.values.iter().cloned());
        row.push(cell.seed.to_string());
        row.push(cell.metrics.replication_seeds.len().to_string());
        row.push(cell.violations.len().to_string());
        row.push(cell.metrics.trace_hash.clone());
        for metric in METRICS {
            let stat = cell.metrics.stat(metric);
            row.push(format_opt(stat.mean));
            row.push(format_opt(stat.ci95.map(|ci| ci.low)));
            row.push(format_opt(stat.ci95.map(|ci| ci.high)));
        }
        row
    });
    to_csv(&header, rows)
}

/// The fingerprint of the whole sweep: the cells' trace hashes combined in grid order.
pub fn sweep_fingerprint(cells: &[CellResult]) -> String {
    combine_hashes(cells.iter().map(|c| c.metrics.trace_hash.as_str()))
}

#[derive(Serialize)]
struct SweepJson<'a> {
    #[serde(flatten)]
    info: &'a SweepInfo,
    cells_total: usize,
    trace_fingerprint: String,
    metrics: [&'static str; METRICS.len()],
    cells: Vec<CellJson<'a>>,
}

#[derive(Serialize)]
struct CellJson<'a> {
    index: usize,
    label: &'a str,
    values: &'a [String],
    dir: &'a str,
    seed: u64,
    replication_seeds: &'a [u64],
    scenario_hash: &'a str,
    trace_hash: &'a str,
    violations: &'a [ViolationNote],
    replay: &'a str,
}

/// `sweep.json` text (pretty, ending with a newline).
pub fn sweep_json(info: &SweepInfo, cells: &[CellResult]) -> String {
    let json = SweepJson {
        info,
        cells_total: cells.len(),
        trace_fingerprint: sweep_fingerprint(cells),
        metrics: METRICS,
        cells: cells
            .iter()
            .map(|c| CellJson {
                index: c.index,
                label: &c.label,
                values: &c.values,
                dir: &c.dir,
                seed: c.seed,
                replication_seeds: &c.metrics.replication_seeds,
                scenario_hash: &c.metrics.scenario_hash,
                trace_hash: &c.metrics.trace_hash,
                violations: &c.violations,
                replay: &c.replay,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&json).expect("strings, integers and plain structs always serialise");
    text.push('\n');
    text
}

/// Writes `sweep.csv`, `sweep.json` and the figure (`sweep_latency_cost.{png,svg}`, or
/// `sweep_stale_rate.{png,svg}` without PoP metrics) into `dir`, in that order (the table
/// survives a failing figure); returns the paths written, sorted.
pub fn write_sweep(dir: &Path, info: &SweepInfo, cells: &[CellResult]) -> Result<Vec<PathBuf>, ReportError> {
    atomic::create_dir(dir)?;
    let mut written = vec![save_csv(dir.join("sweep.csv"), sweep_csv(&info.grid, cells))?];
    let json_path = dir.join("sweep.json");
    atomic::write_file(&json_path, sweep_json(info, cells).as_bytes())?;
    written.push(json_path);
    let figure = SweepLatencyCost::from_cells(info, cells);
    written.extend(write_figure(dir, figure.stem(), &figure)?);
    written.sort();
    Ok(written)
}

#[cfg(test)]
#[path = "sweep_tests.rs"]
pub(crate) mod tests;
