//! `hemisim compare BASELINE NEW`: reads two runs' output folders, compares their headline
//! metrics ([`hemisim_reports::compare`], where the statistics live), prints a table and exits 5
//! when a metric regressed.
//!
//! Two sweeps are compared cell by cell, cells matched by their `key=value` labels.
//!
//! Exit codes: 0 nothing regressed; 2 bad input (not a hemisim output folder, an incomplete one,
//! a run against a sweep, sweeps without a cell in common); 4 `--json` or `--junit` could not be
//! written; 5 a metric regressed (named on stderr).

use super::Exit;
use super::args::CompareArgs;
use super::console::{errln, outln};
use hemisim_reports::compare::{Comparison, METRICS, Replications, Row, Side, Verdict, compare_with, is_metric};
use hemisim_reports::output_dir::{MANIFEST, Manifest, ManifestRun};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn run(args: CompareArgs) -> Exit {
    if let Some(t) = args.tolerance.filter(|t| !(t.is_finite() && *t >= 0.0)) {
        errln!("error: --tolerance {t}: expected a percentage, 0 or more (e.g. --tolerance 5)");
        return Exit::BadInput;
    }
    let per_metric = match args.tolerances.as_deref().map(read_tolerances).transpose() {
        Ok(per_metric) => per_metric.unwrap_or_default(),
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let (mb, mn) = match manifests(&args.baseline, &args.new) {
        Ok(pair) => pair,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let (parts, unmatched) = match compare_parts(&args, &per_metric, &mb, &mn) {
        Ok(compared) => compared,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    outln!("hemisim compare: baseline {} ({})", args.baseline.display(), describe(&mb));
    outln!("             against new {} ({})", args.new.display(), describe(&mn));
    if let Some(note) = unmatched {
        outln!("{note}");
    }
    if mb.trace_hash == mn.trace_hash {
        outln!("identical: same trace hash {}, so every metric is the same", mb.trace_hash);
    } else {
        parts.iter().for_each(print);
        if let Some(first) = parts.first() {
            print_rules(&first.comparison);
        }
    }
    if let Err(e) = write_files(&args, &parts) {
        errln!("error: {e}");
        return Exit::Incomplete;
    }
    let regressed: Vec<String> = parts.iter().flat_map(Part::regressions).collect();
    if regressed.is_empty() {
        return Exit::Ok;
    }
    errln!("regression: {}", regressed.join(", "));
    Exit::Regression
}

/// One comparison of the command: the run itself, or one sweep cell (named by its label).
struct Part {
    cell: Option<String>,
    comparison: Comparison,
}

impl Part {
    /// Its regressed metrics, prefixed with the cell's label in a sweep.
    fn regressions(&self) -> Vec<String> {
        self.comparison.regressions().into_iter().map(|m| self.name(m)).collect()
    }

    fn name(&self, metric: &str) -> String {
        match &self.cell {
            Some(cell) => format!("{cell}: {metric}"),
            None => metric.to_owned(),
        }
    }
}

/// One run's (or sweep cell's) files: `summary.json` and, for `--runs N`, `runs.csv`.
struct Loaded {
    trace_hash: String,
    summary: Value,
    replications: Option<Replications>,
}

impl Loaded {
    fn side(&self) -> Side<'_> {
        Side { summary: &self.summary, trace_hash: &self.trace_hash, replications: self.replications.as_ref() }
    }
}

/// Both manifests, checked to be complete outputs of the same command before anything is read.
fn manifests(baseline: &Path, new: &Path) -> Result<(Manifest, Manifest), String> {
    let (mb, mn) = (manifest(baseline, "BASELINE")?, manifest(new, "NEW")?);
    if mb.command != mn.command {
        return Err(format!(
            "BASELINE {} is the output of `hemisim {}` and NEW {} of `hemisim {}`: compare like with like",
            baseline.display(),
            mb.command,
            new.display(),
            mn.command
        ));
    }
    Ok((mb, mn))
}

/// The folder's manifest, when it is a complete hemisim output (`which` names the argument in
/// messages: `BASELINE`, `DIR`).
pub(super) fn manifest(dir: &Path, which: &str) -> Result<Manifest, String> {
    let shown = dir.display();
    if !dir.is_dir() {
        return Err(format!(
            "{which} {shown}: not a folder; give the output folder of a `hemisim run` or `hemisim sweep` (its --out)"
        ));
    }
    let manifest = Manifest::read(dir).ok_or_else(|| {
        format!("{which} {shown}: not a hemisim output folder (no {MANIFEST} written by hemisim); give the --out folder of a `hemisim run` or `hemisim sweep`")
    })?;
    if !manifest.complete {
        return Err(format!(
            "{which} {shown}: an incomplete output ({MANIFEST} says \"complete\": false, the command did not finish); run it again"
        ));
    }
    Ok(manifest)
}

/// A run: one comparison. A sweep: one per cell that both sweeps have, matched by label
/// (`key=value` pairs), so a grid that grew or was reordered still compares its common cells;
/// in the baseline's order, with a note naming the cells only one sweep has.
fn compare_parts(
    args: &CompareArgs,
    per_metric: &BTreeMap<String, f64>,
    mb: &Manifest,
    mn: &Manifest,
) -> Result<(Vec<Part>, Option<String>), String> {
    let compare = |b: &Loaded, n: &Loaded| compare_with(&b.side(), &n.side(), args.tolerance, per_metric);
    if mb.command != "sweep" {
        let (b, n) = (load(&args.baseline, &mb.trace_hash)?, load(&args.new, &mn.trace_hash)?);
        return Ok((vec![Part { cell: None, comparison: compare(&b, &n) }], None));
    }
    let (cells_b, cells_n) = (cells(mb), cells(mn));
    let only = |a: &BTreeMap<String, &ManifestRun>, b: &BTreeMap<String, &ManifestRun>| {
        a.keys().filter(|k| !b.contains_key(*k)).cloned().collect::<Vec<_>>()
    };
    let (only_b, only_n) = (only(&cells_b, &cells_n), only(&cells_n, &cells_b));
    if only_b.len() == cells_b.len() {
        return Err(format!(
            "BASELINE {} and NEW {} have no sweep cell in common (cells are matched by their key=value labels; BASELINE has {}, NEW has {})",
            args.baseline.display(),
            args.new.display(),
            cells_b.keys().cloned().collect::<Vec<_>>().join(" "),
            cells_n.keys().cloned().collect::<Vec<_>>().join(" ")
        ));
    }
    let note = (!only_b.is_empty() || !only_n.is_empty()).then(|| {
        format!(
            "not compared: cells only in BASELINE: {}; only in NEW: {}",
            list_or_none(&only_b),
            list_or_none(&only_n)
        )
    });
    let mut parts = Vec::new();
    for run_b in &mb.runs {
        let label = cell_label(run_b);
        let Some(run_n) = cells_n.get(&label) else { continue };
        let b = load(&args.baseline.join(&run_b.dir), &run_b.trace_hash)?;
        let n = load(&args.new.join(&run_n.dir), &run_n.trace_hash)?;
        parts.push(Part { cell: Some(label), comparison: compare(&b, &n) });
    }
    Ok((parts, note))
}

/// A `--tolerances` file: TOML whose keys are metric paths (quoted, `"pop.superfinality_latency_s.mean"
/// = 5`, or as dotted keys and tables, which TOML nests) and whose values are percentages.
pub(super) fn read_tolerances(path: &Path) -> Result<BTreeMap<String, f64>, String> {
    let shown = path.display();
    let text = read(path).map_err(|e| format!("--tolerances {e}"))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        format!("--tolerances {shown}: not TOML: {}", e.message().split_whitespace().collect::<Vec<_>>().join(" "))
    })?;
    let mut tolerances = BTreeMap::new();
    flatten_tolerances(&table, "", &mut tolerances).map_err(|e| format!("--tolerances {shown}: {e}"))?;
    Ok(tolerances)
}

/// The numbers of `table` by dotted path, each checked to be a metric and a percentage.
fn flatten_tolerances(table: &toml::Table, prefix: &str, into: &mut BTreeMap<String, f64>) -> Result<(), String> {
    for (key, value) in table {
        let path = format!("{prefix}{key}");
        let pct = match value {
            toml::Value::Table(inner) => {
                flatten_tolerances(inner, &format!("{path}."), into)?;
                continue;
            }
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            other => return Err(format!("key \"{path}\": {other} is not a percentage (e.g. \"{path}\" = 5)")),
        };
        if !is_metric(&path) {
            let valid: Vec<&str> = METRICS.iter().map(|m| m.path).collect();
            return Err(format!("key \"{path}\" is not a compared metric; the metrics are {}", valid.join(" ")));
        }
        if !(pct.is_finite() && pct >= 0.0) {
            return Err(format!("key \"{path}\": {pct} is not a percentage, 0 or more"));
        }
        if into.insert(path.clone(), pct).is_some() {
            return Err(format!("key \"{path}\" is given twice"));
        }
    }
    Ok(())
}

/// A sweep's cells by label: `cells/<index>-<label>` without the folder and index.
fn cells(manifest: &Manifest) -> BTreeMap<String, &ManifestRun> {
    manifest.runs.iter().map(|run| (cell_label(run), run)).collect()
}

fn cell_label(run: &ManifestRun) -> String {
    let name = run.dir.strip_prefix("cells/").unwrap_or(&run.dir);
    name.split_once('-').map_or(name, |(_, label)| label).to_owned()
}

fn list_or_none(labels: &[String]) -> String {
    if labels.is_empty() { "none".to_owned() } else { labels.join(" ") }
}

fn load(dir: &Path, trace_hash: &str) -> Result<Loaded, String> {
    let summary_path = dir.join("summary.json");
    let text = read(&summary_path)?;
    let summary = serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", summary_path.display()))?;
    let runs_path = dir.join("runs.csv");
    let replications = if runs_path.is_file() {
        Some(Replications::parse(&read(&runs_path)?).map_err(|e| format!("{}: {e}", runs_path.display()))?)
    } else {
        None
    };
    Ok(Loaded { trace_hash: trace_hash.to_owned(), summary, replications })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

fn print(part: &Part) {
    if let Some(cell) = &part.cell {
        outln!("cell {cell}:");
    }
    if part.comparison.identical {
        outln!("identical: same trace hash, so every metric is the same");
        return;
    }
    outln!("{:<36} {:>14} {:>14} {:>9}  {:<16} test", "metric", "baseline", "new", "change", "verdict");
    for row in &part.comparison.rows {
        outln!(
            "{:<36} {:>14} {:>14} {:>9}  {:<16} {}",
            row.metric,
            number(row.baseline),
            number(row.new),
            change(row),
            row.verdict.as_str(),
            row.test
        );
    }
}

/// The level and tolerances every verdict used.
fn print_rules(comparison: &Comparison) {
    let counts = match comparison.count_tolerance_pct {
        Some(t) => format!("counts {t}%"),
        None => "counts exact".to_owned(),
    };
    outln!(
        "tests two-sided at alpha = {}; tolerance {}% for rates and means, {counts}",
        comparison.alpha,
        comparison.tolerance_pct
    );
}

/// "scenario quickstart, seed 1, 4 runs" (a sweep: its cells).
fn describe(m: &Manifest) -> String {
    let what = if m.command == "sweep" {
        super::count(m.runs.len(), "cell", "cells")
    } else {
        super::count(m.runs.len(), "run", "runs")
    };
    format!("{} of scenario {}, seed {}, {what}", m.command, m.scenario, m.seed)
}

fn number(x: Option<f64>) -> String {
    match x {
        None => "-".to_owned(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) if x.abs() < 1.0 => format!("{x:.5}"),
        Some(x) => format!("{x:.2}"),
    }
}

fn change(row: &Row) -> String {
    match (row.change_pct, row.verdict) {
        (_, Verdict::Missing) => "-".to_owned(),
        (Some(c), _) => format!("{c:+.2}%"),
        (None, _) => "new".to_owned(),
    }
}

fn write_files(args: &CompareArgs, parts: &[Part]) -> Result<(), String> {
    let write = |path: &PathBuf, text: String| {
        hemisim_reports::atomic::write_file(path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
    };
    if let Some(path) = &args.json {
        write(path, json(parts))?;
    }
    if let Some(path) = &args.junit {
        write(path, junit(parts))?;
    }
    Ok(())
}

/// A run's comparison as it is; a sweep's as `{"cells": [...]}`, each with its `cell` label.
fn json(parts: &[Part]) -> String {
    let value = match parts {
        [Part { cell: None, comparison }] => serde_json::to_value(comparison),
        _ => parts
            .iter()
            .map(|p| {
                serde_json::to_value(&p.comparison).map(|mut v| {
                    v["cell"] = p.cell.clone().into();
                    v
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|cells| serde_json::json!({ "cells": cells })),
    };
    let mut text = value.and_then(|v| serde_json::to_string_pretty(&v)).expect("numbers and strings serialise");
    text.push('\n');
    text
}

/// JUnit XML: one testcase per metric (and cell), a `<failure>` per regression, for CI dashboards.
fn junit(parts: &[Part]) -> String {
    let rows: Vec<(String, &Row)> =
        parts.iter().flat_map(|p| p.comparison.rows.iter().map(move |row| (p.name(row.metric), row))).collect();
    let failures = rows.iter().filter(|(_, row)| row.verdict == Verdict::Regressed).count();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"hemisim compare\" tests=\"{}\" failures=\"{failures}\">\n",
        rows.len()
    );
    for (name, row) in rows {
        let name = escape(&name);
        let detail = escape(&format!(
            "{}: baseline {}, new {}, change {} ({})",
            row.verdict.as_str(),
            number(row.baseline),
            number(row.new),
            change(row),
            row.test
        ));
        let body = if row.verdict == Verdict::Regressed {
            format!("<failure message=\"{detail}\"/>")
        } else {
            format!("<system-out>{detail}</system-out>")
        };
        xml.push_str(&format!("<testcase classname=\"hemisim.compare\" name=\"{name}\">{body}</testcase>\n"));
    }
    xml.push_str("</testsuite>\n</testsuites>\n");
    xml
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}
