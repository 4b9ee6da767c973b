//! `hemisim compare`: did a change make a run worse? A pure function of two runs' `summary.json`
//! (and, for `--runs N` outputs, their `runs.csv`), metric by metric over a curated list of
//! headline metrics ([`METRICS`]).
//!
//! The rules, in order, for each metric present in both runs:
//! 1. Identical trace hashes: the runs are the same, every metric is `identical`.
//! 2. Equal values: `unchanged`.
//! 3. A statistical test at level [`ALPHA`] (two-sided, 1%) where one applies: rates with pooled
//!    counts (stale rate, attack success rate, missed slots) get the two-proportion z-test;
//!    means over replications (both runs with `--runs` ≥ 2) get the paired t-test on the
//!    per-seed differences when both used the same seeds (common random numbers: the worlds
//!    differ only by the change), else Welch's t-test. Not significant: `not-significant`.
//!    A single run has no spread to test against: its latencies are judged by tolerance alone.
//! 4. A relative tolerance that the change must also exceed: `--tolerance PCT`, default
//!    [`DEFAULT_TOLERANCE_PCT`] for rates and means; counts are exact unless `--tolerance` is
//!    given; a per-metric tolerance (`--tolerances FILE`) replaces both for the metrics it names.
//!    Within it: `within-tolerance`.
//! 5. Otherwise the direction decides: `regressed` when the new value is worse ([`Worse`]),
//!    `improved` when better. Only `regressed` fails a comparison.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::stats::{Z_99, mean, sample_std, t_quantile_995};

/// Significance level of every test: two-sided, 1%.
pub const ALPHA: f64 = 0.01;
/// Relative tolerance (percent) for rates and means when `--tolerance` is not given.
pub const DEFAULT_TOLERANCE_PCT: f64 = 1.0;

/// Which direction of change is a regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Worse {
    /// Latencies, stale rate, mismatches, violations, losses, fees.
    Higher,
    /// Throughput.
    Lower,
}

/// How a metric is tested.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A share of trials: (successes, trials) pooled over replications, read from the summary.
    Rate { counts: fn(&Value) -> Option<(u64, u64)> },
    /// A mean (or percentile) with, for `--runs` outputs, one value per replication in this
    /// `runs.csv` column.
    Mean { column: Option<&'static str> },
    /// An integer count: exact unless a tolerance is given.
    Count,
}

/// One headline metric: its dotted path in `summary.json`, its test, and its bad direction.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub path: &'static str,
    pub kind: Kind,
    pub worse: Worse,
}

const fn rate(path: &'static str, counts: fn(&Value) -> Option<(u64, u64)>) -> Metric {
    Metric { path, kind: Kind::Rate { counts }, worse: Worse::Higher }
}
const fn mean_of(path: &'static str, column: &'static str, worse: Worse) -> Metric {
    Metric { path, kind: Kind::Mean { column: Some(column) }, worse }
}
/// A mean or percentile of a single summary, with no per-replication column: judged by
/// tolerance.
const fn summary_mean(path: &'static str, worse: Worse) -> Metric {
    Metric { path, kind: Kind::Mean { column: None }, worse }
}
const fn count(path: &'static str) -> Metric {
    Metric { path, kind: Kind::Count, worse: Worse::Higher }
}

fn stale_counts(s: &Value) -> Option<(u64, u64)> {
    let total = u64_at(s, "btc.blocks_total")?;
    Some((total.checked_sub(u64_at(s, "btc.blocks_main")?)?, total))
}
fn attack_counts(s: &Value) -> Option<(u64, u64)> {
    Some((u64_at(s, "attack.successes")?, u64_at(s, "attack.trials")?))
}
fn missed_slot_counts(s: &Value) -> Option<(u64, u64)> {
    Some((u64_at(s, "ethereum.missed_slots")?, u64_at(s, "ethereum.slots")?))
}

/// The headline metrics, by area. A metric absent from both summaries (an area the scenario
/// does not have) is left out of the comparison.
pub const METRICS: &[Metric] = &[
    rate("btc.stale_rate", stale_counts),
    count("btc.reorgs"),
    count("btc.reorg_depth_max"),
    rate("attack.success_rate", attack_counts),
    mean_of("l2.tps", "l2_tps", Worse::Lower),
    mean_of("l2.tx_inclusion_latency_mean_s", "l2_latency_mean_s", Worse::Higher),
    mean_of("l2.tx_inclusion_latency_p95_s", "l2_latency_p95_s", Worse::Higher),
    count("l2.txs_rejected"),
    count("l2.state_root_mismatches"),
    mean_of("pop.superfinality_latency_s.mean", "pop_superfinality_mean_s", Worse::Higher),
    mean_of("pop.superfinality_latency_s.p95", "pop_superfinality_p95_s", Worse::Higher),
    mean_of("pop.fees_sats_per_day", "pop_fees_sats_per_day", Worse::Higher),
    count("pop.superfinal_reverts"),
    mean_of("tunnel.mint_latency_s.p50", "tunnel_mint_latency_p50_s", Worse::Higher),
    mean_of("tunnel.settlement_latency_s.p50", "tunnel_settlement_latency_p50_s", Worse::Higher),
    count("tunnel.losses"),
    count("tunnel.lost_sats"),
    count("tunnel.exposed_sats"),
    count("tunnel.withdrawals_overdue"),
    count("tunnel.invariant_violations"),
    rate("ethereum.missed_slot_rate", missed_slot_counts),
    count("ethereum.batcher_fees_gwei"),
    summary_mean("l2.safe_lag_s.mean", Worse::Higher),
    summary_mean("l2.safe_lag_s.p95", Worse::Higher),
    summary_mean("l2.finalized_lag_s.mean", Worse::Higher),
    summary_mean("l2.deposit_latency_s.mean", Worse::Higher),
    count("l2.unsafe_reorgs"),
    count("l2.forced_blocks"),
    summary_mean("censorship.latency_s.mean", Worse::Higher),
    count("censorship.txs_never_included"),
    count("censorship.bound_violations"),
];

/// The value at a dotted path of a summary.
pub fn value_at<'a>(summary: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(summary, |v, key| v.get(key))
}

fn u64_at(summary: &Value, path: &str) -> Option<u64> {
    value_at(summary, path)?.as_u64()
}

/// `runs.csv`: each replication's seed and its numeric columns (an empty cell is `None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replications {
    pub seeds: Vec<u64>,
    columns: BTreeMap<String, Vec<Option<f64>>>,
}

impl Replications {
    /// Parses the text of a `runs.csv` (no quoted fields: it holds numbers, hashes and booleans).
    pub fn parse(text: &str) -> Result<Replications, String> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
        let seed_col = header.iter().position(|h| *h == "seed").ok_or("no `seed` column")?;
        let mut reps = Replications::default();
        for (row, line) in lines.enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            if cells.len() != header.len() {
                return Err(format!("row {}: {} cells, the header has {}", row + 2, cells.len(), header.len()));
            }
            let seed = cells[seed_col].parse().map_err(|_| format!("row {}: seed {:?}", row + 2, cells[seed_col]))?;
            reps.seeds.push(seed);
            for (name, cell) in header.iter().zip(&cells) {
                reps.columns.entry((*name).to_owned()).or_default().push(cell.parse().ok());
            }
        }
        Ok(reps)
    }

    /// A column's values with their seeds, when every replication has one.
    fn column(&self, name: &str) -> Option<Vec<(u64, f64)>> {
        let values = self.columns.get(name)?;
        self.seeds.iter().zip(values).map(|(s, v)| v.map(|v| (*s, v))).collect()
    }
}

/// One run's side of a comparison.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub summary: &'a Value,
    pub trace_hash: &'a str,
    /// `runs.csv`, for `--runs N` outputs.
    pub replications: Option<&'a Replications>,
}

/// What the comparison says about one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Identical,
    Unchanged,
    NotSignificant,
    WithinTolerance,
    Improved,
    Regressed,
    /// In one summary only.
    Missing,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Identical => "identical",
            Verdict::Unchanged => "unchanged",
            Verdict::NotSignificant => "not-significant",
            Verdict::WithinTolerance => "within-tolerance",
            Verdict::Improved => "improved",
            Verdict::Regressed => "regressed",
            Verdict::Missing => "missing",
        }
    }
}

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub metric: &'static str,
    pub baseline: Option<f64>,
    pub new: Option<f64>,
    /// (new − baseline) / |baseline| in percent; `None` when the baseline is 0 and new is not.
    pub change_pct: Option<f64>,
    pub verdict: Verdict,
    /// Which test decided, e.g. `welch t=3.1 df=6 crit=3.71`, `count: exact`.
    pub test: String,
    pub worse: Worse,
}

/// The whole comparison (`--json` writes it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The trace hashes are equal: the runs are the same.
    pub identical: bool,
    pub alpha: f64,
    /// For rates and means.
    pub tolerance_pct: f64,
    /// For counts: `None` (exact) unless a tolerance was given.
    pub count_tolerance_pct: Option<f64>,
    /// Per-metric tolerances (`--tolerances FILE`), replacing the two above for these metrics.
    pub metric_tolerance_pct: BTreeMap<String, f64>,
    pub rows: Vec<Row>,
}

impl Comparison {
    /// The metrics that regressed, in table order.
    pub fn regressions(&self) -> Vec<&'static str> {
        self.rows.iter().filter(|r| r.verdict == Verdict::Regressed).map(|r| r.metric).collect()
    }
}

/// Compares `new` against `baseline` over [`METRICS`]. `tolerance_pct` is `--tolerance`.
pub fn compare(baseline: &Side, new: &Side, tolerance_pct: Option<f64>) -> Comparison {
    compare_with(baseline, new, tolerance_pct, &BTreeMap::new())
}

/// Whether `path` is one of the compared metrics ([`METRICS`]).
pub fn is_metric(path: &str) -> bool {
    METRICS.iter().any(|m| m.path == path)
}

/// [`compare`] with per-metric tolerances (percent, by metric path), which replace
/// `tolerance_pct` (and exactness for counts) for the metrics they name. The caller checks the
/// paths with [`is_metric`]: a path that is not a metric is not used.
pub fn compare_with(
    baseline: &Side,
    new: &Side,
    tolerance_pct: Option<f64>,
    per_metric: &BTreeMap<String, f64>,
) -> Comparison {
    let identical = baseline.trace_hash == new.trace_hash;
    let tolerance = tolerance_pct.unwrap_or(DEFAULT_TOLERANCE_PCT);
    let rows = METRICS
        .iter()
        .filter_map(|m| {
            let b = value_at(baseline.summary, m.path).and_then(Value::as_f64);
            let n = value_at(new.summary, m.path).and_then(Value::as_f64);
            let (b, n) = match (b, n) {
                (None, None) => return None,
                (Some(b), Some(n)) => (b, n),
                (b, n) => return Some(row(m, b, n, Verdict::Missing, "in one run only".to_owned())),
            };
            if identical {
                return Some(row(m, Some(b), Some(n), Verdict::Identical, "same trace hash".to_owned()));
            }
            let tol = match (per_metric.get(m.path), m.kind) {
                (Some(t), _) => Some(*t),
                (None, Kind::Count) => tolerance_pct,
                (None, _) => Some(tolerance),
            };
            let (verdict, test) = judge(m, baseline, new, b, n, tol);
            Some(row(m, Some(b), Some(n), verdict, test))
        })
        .collect();
    Comparison {
        identical,
        alpha: ALPHA,
        tolerance_pct: tolerance,
        count_tolerance_pct: tolerance_pct,
        metric_tolerance_pct: per_metric.clone(),
        rows,
    }
}

fn row(m: &Metric, baseline: Option<f64>, new: Option<f64>, verdict: Verdict, test: String) -> Row {
    let change_pct = match (baseline, new) {
        (Some(b), Some(n)) => change_pct(b, n),
        _ => None,
    };
    Row { metric: m.path, baseline, new, change_pct, verdict, test, worse: m.worse }
}

fn change_pct(b: f64, n: f64) -> Option<f64> {
    if b == n {
        Some(0.0)
    } else if b == 0.0 {
        None
    } else {
        Some((n - b) / b.abs() * 100.0)
    }
}

/// The verdict on two different values of metric `m` (rules 2 to 5 of the module doc).
fn judge(m: &Metric, baseline: &Side, new: &Side, b: f64, n: f64, tol: Option<f64>) -> (Verdict, String) {
    if b == n {
        return (Verdict::Unchanged, "equal".to_owned());
    }
    let test = significance(m, baseline, new);
    if let Some(Test { significant: false, .. }) = test {
        return (Verdict::NotSignificant, test.map(|t| t.text).unwrap_or_default());
    }
    let mut text = test.map(|t| t.text).unwrap_or_else(|| match m.kind {
        Kind::Count => "count".to_owned(),
        _ => "no per-replication values: tolerance only".to_owned(),
    });
    let tol_pct = tol.unwrap_or(0.0);
    text.push_str(&if tol.is_some() { format!("; tolerance {tol_pct}%") } else { "; exact".to_owned() });
    let beyond = change_pct(b, n).is_none_or(|c| c.abs() > tol_pct);
    let worse = match m.worse {
        Worse::Higher => n > b,
        Worse::Lower => n < b,
    };
    let verdict = match (beyond, worse) {
        (false, _) => Verdict::WithinTolerance,
        (true, true) => Verdict::Regressed,
        (true, false) => Verdict::Improved,
    };
    (verdict, text)
}

/// A test's outcome and how to show it.
#[derive(Debug, Clone, PartialEq)]
struct Test {
    significant: bool,
    text: String,
}

/// The statistical test metric `m` gets, or `None` when none applies (a count, a single run).
fn significance(m: &Metric, baseline: &Side, new: &Side) -> Option<Test> {
    match m.kind {
        Kind::Count => None,
        Kind::Rate { counts } => {
            let ((x1, n1), (x2, n2)) = (counts(baseline.summary)?, counts(new.summary)?);
            let z = two_proportion_z(x1, n1, x2, n2);
            Some(Test {
                significant: z.is_some_and(|z| z.abs() > Z_99),
                text: format!("two-proportion z={} crit={Z_99:.2}", z.map_or("n/a".to_owned(), |z| format!("{z:.2}"))),
            })
        }
        Kind::Mean { column } => {
            let column = column?;
            let (a, b) = (baseline.replications?.column(column)?, new.replications?.column(column)?);
            let seeds = |xs: &[(u64, f64)]| xs.iter().map(|x| x.0).collect::<Vec<_>>();
            let values = |xs: &[(u64, f64)]| xs.iter().map(|x| x.1).collect::<Vec<_>>();
            let (name, t) = if seeds(&a) == seeds(&b) {
                let diffs: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y.1 - x.1).collect();
                ("paired t", paired_t(&diffs)?)
            } else {
                ("welch t", welch_t(&values(&a), &values(&b))?)
            };
            let crit = t_quantile_995(t.df.floor().max(0.0) as u64);
            Some(Test {
                significant: t.t.abs() > crit,
                text: format!("{name}={:.2} df={:.1} crit={crit:.2}", t.t, t.df),
            })
        }
    }
}

/// The two-proportion z statistic (pooled variance) of x1/n1 against x2/n2; `None` when it is
/// undefined (no trials on a side, or a pooled rate of 0 or 1, where both rates are equal).
pub fn two_proportion_z(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<f64> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (x1, n1, x2, n2) = (x1 as f64, n1 as f64, x2 as f64, n2 as f64);
    let pooled = (x1 + x2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    (se > 0.0).then(|| (x2 / n2 - x1 / n1) / se)
}

/// A t statistic and its degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TStat {
    pub t: f64,
    pub df: f64,
}

/// Welch's t of `b` against `a` (Welch–Satterthwaite degrees of freedom); `None` with fewer
/// than 2 values on a side. Zero spread on both sides: equal means give `None`, different ones
/// an infinite t (deterministic values that differ).
pub fn welch_t(a: &[f64], b: &[f64]) -> Option<TStat> {
    let (ma, mb, sa, sb) = (mean(a)?, mean(b)?, sample_std(a)?, sample_std(b)?);
    let (va, vb) = (sa * sa / a.len() as f64, sb * sb / b.len() as f64);
    let se2 = va + vb;
    if se2 == 0.0 {
        let df = (a.len() + b.len() - 2) as f64;
        return (ma != mb).then_some(TStat { t: f64::INFINITY, df });
    }
    let df = se2 * se2 / (va * va / (a.len() - 1) as f64 + vb * vb / (b.len() - 1) as f64);
    Some(TStat { t: (mb - ma) / se2.sqrt(), df })
}

/// The paired t of per-seed differences (new − baseline); `None` with fewer than 2.
pub fn paired_t(diffs: &[f64]) -> Option<TStat> {
    let (m, s) = (mean(diffs)?, sample_std(diffs)?);
    let df = (diffs.len() - 1) as f64;
    if s == 0.0 {
        return (m != 0.0).then_some(TStat { t: f64::INFINITY, df });
    }
    Some(TStat { t: m / (s / (diffs.len() as f64).sqrt()), df })
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
