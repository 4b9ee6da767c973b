//! `hemisim sweep`'s outputs: `sweep.csv` (one row per cell of the grid), `sweep.json` (the grid,
//! the seeds, the fingerprint) and the `sweep_latency_cost` figure (`sweep_stale_rate` without
//! PoP metrics; the `sweep_rewrite` figure, and the rewrite's columns, when the cells attack with
//! `kind = "rewrite"`), as pure functions of what the cells recorded.
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
use crate::plots::{SweepLatencyCost, SweepRewrite, write_figure};
use crate::record::RunRecord;
use crate::stats::{Interval, mean, mean_ci95, proportion, wilson_interval};
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

/// A rewrite sweep's further metrics (cells with `[attack] kind = "rewrite"` only), as dotted
/// paths into a one-run `summary.json`, in column order after the rewrite's own columns.
pub const REWRITE_METRICS: [&str; 3] = [SUPERFINAL_REVERTS, "l2.fork_conflicts", "tunnel.lost_payouts"];

/// Superfinal L2 blocks that left the canonical chain (a finding under derivation, a violation
/// under pop).
pub const SUPERFINAL_REVERTS: &str = "pop.superfinal_reverts";

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
    /// The history rewrite's outcome, when the cell's attack is `kind = "rewrite"` (absent from
    /// `shard.json` otherwise, so other sweeps' shards are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<RewriteCell>,
}

/// What a cell of a rewrite sweep measured: its race's parameters as the runs recorded them
/// (whether swept, set or from the file), the rewrites pooled over its replications, and the
/// [`REWRITE_METRICS`] per replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewriteCell {
    /// `l2.fork_choice`: `derivation` or `pop`.
    pub fork_choice: String,
    /// `attack.hashrate_share`, q.
    pub hashrate_share: f64,
    /// `attack.publication_depth_blocks`, d: how deep the honest publication is when the race starts.
    pub publication_depth_blocks: u32,
    /// `attack.depth_l2_blocks`: how many L2 blocks the sequencer rewrites.
    pub depth_l2_blocks: u32,
    /// Rewrites made, over the replications (one per run at most).
    pub trials: u64,
    /// Rewrites whose history became the canonical chain.
    pub successes: u64,
    /// For each of [`REWRITE_METRICS`], its value in each replication.
    pub values: Vec<Vec<Option<f64>>>,
}

impl RewriteCell {
    /// The rewrite part of `records` (one-run summaries as JSON alongside), if they attack with
    /// `kind = "rewrite"`.
    fn measure(records: &[RunRecord], jsons: &[Value]) -> Option<RewriteCell> {
        let attack = records.first()?.attack.as_ref()?;
        let first = attack.rewrite.as_ref()?;
        let rewrites = || records.iter().filter_map(|r| r.attack.as_ref()?.rewrite.as_ref());
        Some(RewriteCell {
            fork_choice: first.fork_choice.clone(),
            hashrate_share: attack.hashrate_share,
            publication_depth_blocks: first.publication_depth_blocks,
            depth_l2_blocks: first.depth_l2_blocks,
            trials: rewrites().map(|r| r.trials()).sum(),
            successes: rewrites().map(|r| r.successes()).sum(),
            values: REWRITE_METRICS.iter().map(|path| jsons.iter().map(|j| metric_at(j, path)).collect()).collect(),
        })
    }

    /// Successes / trials.
    pub fn success_rate(&self) -> Option<f64> {
        proportion(self.successes, self.trials)
    }

    /// Wilson 95% interval of the success rate (a proportion of one-trial runs: a t interval
    /// over 0s and 1s would leave [0, 1] and say nothing at 0 or n successes).
    pub fn success_ci95(&self) -> Option<Interval> {
        wilson_interval(self.successes, self.trials)
    }

    /// The catch-up race's closed form under `pop`, (q/p)^(d+1) (docs/validation.md §9); `None`
    /// under `derivation`, where the rewrite succeeds whenever the Ethereum rules let it.
    pub fn closed_form(&self) -> Option<f64> {
        (self.fork_choice == "pop")
            .then(|| crate::theory::pop_rewrite_success(self.hashrate_share, self.publication_depth_blocks))
    }

    /// The statistics of metric `path` (one of [`REWRITE_METRICS`]).
    pub fn stat(&self, path: &str) -> MetricStat {
        let index = REWRITE_METRICS.iter().position(|m| *m == path).expect("only paths listed in REWRITE_METRICS");
        MetricStat::of(&self.values[index])
    }
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
        let mut jsons = Vec::with_capacity(records.len());
        for record in records {
            let json = serde_json::to_value(summarize(std::slice::from_ref(record))?)
                .expect("a summary has only string keys and plain values, so it always converts");
            for (column, path) in values.iter_mut().zip(METRICS) {
                column.push(metric_at(&json, path));
            }
            jsons.push(json);
        }
        Ok(CellMetrics {
            replication_seeds: records.iter().map(|r| r.meta.seed).collect(),
            scenario_hash: pooled.scenario_hash.clone(),
            trace_hash: pooled.trace_hash.clone(),
            values,
            rewrite: RewriteCell::measure(records, &jsons),
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

/// The columns a rewrite sweep adds after [`METRICS`]' (before [`REWRITE_METRICS`]' three each).
pub const REWRITE_COLUMNS: [&str; 10] = [
    "rewrite_fork_choice",
    "rewrite_hashrate_share",
    "rewrite_publication_depth_blocks",
    "rewrite_depth_l2_blocks",
    "rewrite_trials",
    "rewrite_successes",
    "rewrite_success_rate",
    "rewrite_success_rate_ci95_low",
    "rewrite_success_rate_ci95_high",
    "rewrite_closed_form",
];

/// Whether any cell attacks with `kind = "rewrite"`: then `sweep.csv` has the rewrite's columns
/// and the figure is [`SweepRewrite`].
pub fn is_rewrite_sweep(cells: &[CellResult]) -> bool {
    cells.iter().any(|c| c.metrics.rewrite.is_some())
}

/// A cell's values in the rewrite columns (all empty for a cell without a rewrite).
fn rewrite_row(rewrite: Option<&RewriteCell>) -> Vec<String> {
    let Some(r) = rewrite else {
        return vec![String::new(); REWRITE_COLUMNS.len() + 3 * REWRITE_METRICS.len()];
    };
    let ci = r.success_ci95();
    let mut row = vec![
        r.fork_choice.clone(),
        r.hashrate_share.to_string(),
        r.publication_depth_blocks.to_string(),
        r.depth_l2_blocks.to_string(),
        r.trials.to_string(),
        r.successes.to_string(),
        format_opt(r.success_rate()),
        format_opt(ci.map(|ci| ci.low)),
        format_opt(ci.map(|ci| ci.high)),
        format_opt(r.closed_form()),
    ];
    for metric in REWRITE_METRICS {
        row.extend(stat_columns(r.stat(metric)));
    }
    row
}

/// A metric's mean and 95% interval, as three columns.
fn stat_columns(stat: MetricStat) -> [String; 3] {
    [format_opt(stat.mean), format_opt(stat.ci95.map(|ci| ci.low)), format_opt(stat.ci95.map(|ci| ci.high))]
}

/// `sweep.csv` text: the header, then one row per cell in grid order.
pub fn sweep_csv(grid: &[Axis], cells: &[CellResult]) -> Result<Vec<u8>, csv::Error> {
    let mut header: Vec<String> = vec!["cell".into()];
    header.extend(grid.iter().map(|axis| axis.key.clone()));
    header.extend(["seed", "runs", "violations", "trace_hash"].map(String::from));
    let rewrite = is_rewrite_sweep(cells);
    let stat_header = |metric: &str| ["mean", "ci95_low", "ci95_high"].map(|suffix| format!("{metric}_{suffix}"));
    header.extend(METRICS.into_iter().flat_map(stat_header));
    if rewrite {
        header.extend(REWRITE_COLUMNS.map(String::from));
        header.extend(REWRITE_METRICS.into_iter().flat_map(stat_header));
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
            row.extend(stat_columns(cell.metrics.stat(metric)));
        }
        if rewrite {
            row.extend(rewrite_row(cell.metrics.rewrite.as_ref()));
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
    /// Only in a rewrite sweep: the rewrite's columns and further metrics of `sweep.csv`.
    #[serde(skip_serializing_if = "Option::is_none")]
    rewrite_columns: Option<[&'static str; REWRITE_COLUMNS.len()]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rewrite_metrics: Option<[&'static str; REWRITE_METRICS.len()]>,
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
        rewrite_columns: is_rewrite_sweep(cells).then_some(REWRITE_COLUMNS),
        rewrite_metrics: is_rewrite_sweep(cells).then_some(REWRITE_METRICS),
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

/// Writes `sweep.csv`, `sweep.json` and the figure (`sweep_rewrite.{png,svg}` for a rewrite
/// sweep, else `sweep_latency_cost.{png,svg}`, or `sweep_stale_rate.{png,svg}` without PoP
/// metrics) into `dir`, in that order (the table survives a failing figure); returns the paths
/// written, sorted.
pub fn write_sweep(dir: &Path, info: &SweepInfo, cells: &[CellResult]) -> Result<Vec<PathBuf>, ReportError> {
    atomic::create_dir(dir)?;
    let mut written = vec![save_csv(dir.join("sweep.csv"), sweep_csv(&info.grid, cells))?];
    let json_path = dir.join("sweep.json");
    atomic::write_file(&json_path, sweep_json(info, cells).as_bytes())?;
    written.push(json_path);
    if is_rewrite_sweep(cells) {
        written.extend(write_figure(dir, SweepRewrite::STEM, &SweepRewrite::from_cells(info, cells))?);
    } else {
        let figure = SweepLatencyCost::from_cells(info, cells);
        written.extend(write_figure(dir, figure.stem(), &figure)?);
    }
    written.sort();
    Ok(written)
}

#[cfg(test)]
#[path = "sweep_tests.rs"]
pub(crate) mod tests;
