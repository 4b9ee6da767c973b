//! `hemisim compare BASELINE NEW`: reads two runs' output folders, compares their headline
//! metrics ([`hemisim_reports::compare`], where the statistics live), prints a table and exits 5
//! when a metric regressed.
//!
//! Exit codes: 0 nothing regressed; 2 bad input (not a hemisim output folder, an incomplete one,
//! a run against a sweep, a sweep: not compared yet); 4 `--json` or `--junit` could not be
//! written; 5 a metric regressed (named on stderr).

use super::Exit;
use super::args::CompareArgs;
use super::console::{errln, outln};
use hemisim_reports::compare::{Comparison, Replications, Row, Side, Verdict, compare};
use hemisim_reports::output_dir::{MANIFEST, Manifest};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn run(args: CompareArgs) -> Exit {
    if let Some(t) = args.tolerance.filter(|t| !(t.is_finite() && *t >= 0.0)) {
        errln!("error: --tolerance {t}: expected a percentage, 0 or more (e.g. --tolerance 5)");
        return Exit::BadInput;
    }
    let loaded = load_both(&args.baseline, &args.new);
    let (base, new) = match loaded {
        Ok(pair) => pair,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let comparison = compare(&base.side(), &new.side(), args.tolerance);
    print(&args, &base, &new, &comparison);
    if let Err(e) = write_files(&args, &comparison) {
        errln!("error: {e}");
        return Exit::Incomplete;
    }
    match comparison.regressions().as_slice() {
        [] => Exit::Ok,
        regressed => {
            errln!("regression: {}", regressed.join(", "));
            Exit::Regression
        }
    }
}

/// One side's files: the manifest, `summary.json` and, for `--runs N`, `runs.csv`.
struct Loaded {
    manifest: Manifest,
    summary: Value,
    replications: Option<Replications>,
}

impl Loaded {
    fn side(&self) -> Side<'_> {
        Side { summary: &self.summary, trace_hash: &self.manifest.trace_hash, replications: self.replications.as_ref() }
    }
}

/// Both sides, checked to be complete runs (not sweeps) before anything is compared.
fn load_both(baseline: &Path, new: &Path) -> Result<(Loaded, Loaded), String> {
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
    if mb.command != "run" {
        return Err(format!(
            "BASELINE {} and NEW {} are sweeps: comparing sweeps is not supported yet; compare the outputs of two `hemisim run`s",
            baseline.display(),
            new.display()
        ));
    }
    Ok((load(baseline, mb)?, load(new, mn)?))
}

/// The folder's manifest, when it is a complete hemisim output.
fn manifest(dir: &Path, which: &str) -> Result<Manifest, String> {
    let shown = dir.display();
    if !dir.is_dir() {
        return Err(format!("{which} {shown}: not a folder; give the output folder of a `hemisim run` (its --out)"));
    }
    let manifest = Manifest::read(dir).ok_or_else(|| {
        format!("{which} {shown}: not a hemisim output folder (no {MANIFEST} written by hemisim); give the --out folder of a `hemisim run`")
    })?;
    if !manifest.complete {
        return Err(format!(
            "{which} {shown}: an incomplete output ({MANIFEST} says \"complete\": false, the run did not finish writing); run it again"
        ));
    }
    Ok(manifest)
}

fn load(dir: &Path, manifest: Manifest) -> Result<Loaded, String> {
    let summary_path = dir.join("summary.json");
    let text = read(&summary_path)?;
    let summary = serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", summary_path.display()))?;
    let runs_path = dir.join("runs.csv");
    let replications = if runs_path.is_file() {
        Some(Replications::parse(&read(&runs_path)?).map_err(|e| format!("{}: {e}", runs_path.display()))?)
    } else {
        None
    };
    Ok(Loaded { manifest, summary, replications })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

fn print(args: &CompareArgs, base: &Loaded, new: &Loaded, comparison: &Comparison) {
    outln!("hemisim compare: baseline {} ({})", args.baseline.display(), describe(base));
    outln!("             against new {} ({})", args.new.display(), describe(new));
    if comparison.identical {
        outln!("identical: same trace hash {}, so every metric is the same", base.manifest.trace_hash);
        return;
    }
    outln!("{:<36} {:>14} {:>14} {:>9}  {:<16} test", "metric", "baseline", "new", "change", "verdict");
    for row in &comparison.rows {
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

/// "scenario quickstart, seed 1, 4 runs".
fn describe(side: &Loaded) -> String {
    let m = &side.manifest;
    format!("scenario {}, seed {}, {}", m.scenario, m.seed, super::count(m.runs.len(), "run", "runs"))
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

fn write_files(args: &CompareArgs, comparison: &Comparison) -> Result<(), String> {
    let write = |path: &PathBuf, text: String| {
        hemisim_reports::atomic::write_file(path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
    };
    if let Some(path) = &args.json {
        let mut text = serde_json::to_string_pretty(comparison).map_err(|e| e.to_string())?;
        text.push('\n');
        write(path, text)?;
    }
    if let Some(path) = &args.junit {
        write(path, junit(comparison))?;
    }
    Ok(())
}

/// JUnit XML: one testcase per metric, a `<failure>` per regression, for CI dashboards.
pub fn junit(comparison: &Comparison) -> String {
    let failures = comparison.regressions().len();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"hemisim compare\" tests=\"{}\" failures=\"{failures}\">\n",
        comparison.rows.len()
    );
    for row in &comparison.rows {
        let name = escape(row.metric);
        let detail = escape(&format!(
            "{}: baseline {}, new {}, change {} ({})",
            row.verdict.as_str(),
            number(row.baseline),
            number(row.new),
            change(row),
            row.test
        ));
        if row.verdict == Verdict::Regressed {
            xml.push_str(&format!(
                "<testcase classname=\"hemisim.compare\" name=\"{name}\"><failure message=\"{detail}\"/></testcase>\n"
            ));
        } else {
            xml.push_str(&format!(
                "<testcase classname=\"hemisim.compare\" name=\"{name}\"><system-out>{detail}</system-out></testcase>\n"
            ));
        }
    }
    xml.push_str("</testsuite>\n</testsuites>\n");
    xml
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}
