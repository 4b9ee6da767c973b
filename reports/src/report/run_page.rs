//! The page of one run (or of `--runs N` pooled, or of one sweep cell): identity and replay,
//! each area's headline, the validation table, every figure, links to the data, the scenario.

use std::path::Path;

use serde_json::Value;

use super::PageError;
use super::figures::figures;
use super::html::{Markup, element, link, page, section, table};
use super::read::{FolderFiles, SCENARIO_FILE, ScenarioText, json};
use super::tables::{AREAS, headline_table, validation_table};
use crate::compare::value_at;
use crate::output_dir::MANIFEST;

/// Where a run page sits: a folder of its own, or a cell of a sweep (which links back up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Run,
    SweepCell,
}

/// The HTML of the run page of `dir` (which holds `summary.json`).
pub fn run_page(dir: &Path, place: Place) -> Result<String, PageError> {
    let summary = json(dir, "summary.json")?;
    let files = FolderFiles::list(dir)?;
    let scenario = ScenarioText::read(dir);
    let name = text_at(&summary, "scenario_name");
    let mut body = Markup::default();
    if place == Place::SweepCell {
        body.push(&Markup::trusted(format!("<p>{}</p>\n", link("../../report.html", "back to the sweep").as_str())));
    }
    body.push(&element("h1", &format!("hemisim run: {name}")));
    // (id, heading, content), in page order: the table of contents links exactly these.
    let mut sections = vec![("run", "The run", identity(&summary, &scenario))];
    for (key, heading, prefix) in AREAS {
        if summary.get(key).is_some_and(Value::is_object) {
            sections.push((key, heading, area(&summary, key, *prefix)));
        }
    }
    sections.push(("validation", "Validation against closed forms", validation(&summary)));
    let drawn = figures(dir, &files);
    if !drawn.as_str().is_empty() {
        sections.push(("figures", "Figures", drawn));
    }
    sections.push(("files", "Data files", data_files(dir, &files, place)));
    sections.push(("scenario", "The resolved scenario", scenario_block(&scenario)));
    let links: Vec<String> =
        sections.iter().map(|(id, heading, _)| link(&format!("#{id}"), heading).as_str().to_owned()).collect();
    body.push(&Markup::trusted(format!("<nav>{}</nav>\n", links.join(" "))));
    for (id, heading, content) in &sections {
        body.push(&section(id, heading, content));
    }
    Ok(page(&format!("hemisim report: {name}"), &body))
}

/// A string of the summary, or "" (names are strings; a missing one shows as empty).
fn text_at(summary: &Value, path: &str) -> String {
    value_at(summary, path).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).unwrap_or_default()
}

/// Seed, runs, hashes and the replay line.
fn identity(summary: &Value, scenario: &ScenarioText) -> Markup {
    let row = |what: &str, value: Markup| vec![Markup::text(what), value];
    let code = |path: &str| element("code", &text_at(summary, path));
    let mut rows = vec![
        row("scenario", Markup::text(&text_at(summary, "scenario_name"))),
        row("seed", code("seed")),
        row("replications pooled", code("runs")),
        row("simulated time (s, summed over replications)", code("sim_time_s")),
        row("scenario hash", code("scenario_hash")),
        row("trace hash", code("trace_hash")),
    ];
    let replay = scenario.replay.as_deref().map_or_else(
        || Markup::text("not recorded in this folder (no scenario.toml: written by an older hemisim)"),
        |line| element("code", line),
    );
    rows.push(row("replay (add --out DIR to write elsewhere)", replay));
    let mut html = table("identity", &["", ""], &rows);
    html.push(&element(
        "p",
        "Same scenario and seed give the same trace hash and the same files, byte for byte: run the replay line to get this run again.",
    ));
    html
}

/// An area: its headline line (as `hemisim run` prints it) and its table of metrics.
fn area(summary: &Value, key: &str, prefix: Option<&str>) -> Markup {
    let mut html = Markup::default();
    let line = prefix.and_then(|prefix| headline_line(summary, prefix));
    if let Some(line) = line {
        html.push(&Markup::trusted(format!("<p class=\"headline\">{}</p>\n", Markup::text(&line).as_str())));
    }
    html.push(&headline_table(summary, key));
    html
}

/// The line of `crate::headline::area_lines` that starts with `prefix`, without it; `None` if the
/// summary is not one this hemisim can read as its own type (an older folder).
fn headline_line(summary: &Value, prefix: &str) -> Option<String> {
    let typed: crate::Summary = serde_json::from_value(summary.clone()).ok()?;
    crate::headline::area_lines(&typed).into_iter().find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
}

fn validation(summary: &Value) -> Markup {
    validation_table(summary).unwrap_or_else(|| {
        element("p", "This run measures nothing that has a closed form (no attack, PoP or settlement L1).")
    })
}

/// Links to the folder's own files (CSVs first), and to each replication's folder.
fn data_files(dir: &Path, files: &FolderFiles, place: Place) -> Markup {
    let mut rows: Vec<Vec<Markup>> =
        files.csvs().map(|name| vec![link(name, name), Markup::text("CSV; columns in reports/README.md")]).collect();
    for (name, what) in [
        ("summary.json", "every headline metric, keys in reports/README.md"),
        (SCENARIO_FILE, "the resolved scenario, with its replay line"),
        ("trace.jsonl", "every event of the (first) run, one JSON line each (--trace)"),
        ("provenance/", "what `hemisim verify` re-checks for each minted deposit"),
    ] {
        if dir.join(name).exists() {
            rows.push(vec![link(name, name), Markup::text(what)]);
        }
    }
    // Written when the folder is swapped in, after the page: listed whether or not it is there
    // yet, so that `hemisim report` later writes the same page.
    if place == Place::Run {
        rows.push(vec![link(MANIFEST, MANIFEST), Markup::text("the run's identity and every file of the folder")]);
    }
    for run in replication_dirs(dir) {
        rows.push(vec![link(&format!("{run}/"), &format!("{run}/")), Markup::text("one replication's CSV files")]);
    }
    table("files", &["file", "what"], &rows)
}

/// `runs/seed-<seed>` folders of a `--runs N` output, sorted.
fn replication_dirs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("runs")) else {
        return Vec::new();
    };
    let mut dirs: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| format!("runs/{}", e.file_name().to_string_lossy()))
        .collect();
    dirs.sort();
    dirs
}

fn scenario_block(scenario: &ScenarioText) -> Markup {
    match &scenario.toml {
        Some(toml) => Markup::trusted(format!(
            "<p>{}</p>\n<pre>{}</pre>\n",
            link(SCENARIO_FILE, SCENARIO_FILE).as_str(),
            Markup::text(toml).as_str()
        )),
        None => element("p", "Not in this folder: it was written by a hemisim that did not record its scenario."),
    }
}
