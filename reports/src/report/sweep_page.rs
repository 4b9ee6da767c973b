//! The page of a sweep: what was swept and how to replay it, the grid as a table with each
//! cell's headline and a link to its own page, the sweep's figure, and links to its files.

use std::path::Path;

use serde_json::Value;

use super::PageError;
use super::figures::figures;
use super::html::{Markup, element, escape, link, page, section, table};
use super::read::{FolderFiles, json};
use super::tables::readable;
use crate::compare::value_at;
use crate::output_dir::MANIFEST;
use crate::sweep::METRICS;

/// One cell as `sweep.json` lists it, with its pooled `summary.json`.
struct Cell {
    index: String,
    values: Vec<String>,
    dir: String,
    seed: String,
    violations: Vec<Value>,
    summary: Option<Value>,
}

/// The HTML of the sweep page of `dir` (which holds `sweep.json`), and the folders of its cells
/// (relative), for their own pages.
pub fn sweep_page(dir: &Path) -> Result<(String, Vec<String>), PageError> {
    let sweep = json(dir, "sweep.json")?;
    let cells = cells(dir, &sweep);
    let name = string(&sweep, "scenario_name");
    let mut body = element("h1", &format!("hemisim sweep: {name}"));
    body.push(&section("sweep", "The sweep", &identity(&sweep)));
    body.push(&section("grid", "The grid", &grid_table(&sweep, &cells)));
    let violations = violations(&cells);
    if !violations.as_str().is_empty() {
        body.push(&section("violations", "Invariant violations", &violations));
    }
    let drawn = figures(dir, &FolderFiles::list(dir)?);
    if !drawn.as_str().is_empty() {
        body.push(&section("figures", "Figures", &drawn));
    }
    body.push(&section("files", "Data files", &files()));
    let dirs = cells.iter().filter(|c| c.summary.is_some()).map(|c| c.dir.clone()).collect();
    Ok((page(&format!("hemisim report: {name} sweep"), &body), dirs))
}

fn string(json: &Value, path: &str) -> String {
    value_at(json, path).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).unwrap_or_default()
}

fn cells(dir: &Path, sweep: &Value) -> Vec<Cell> {
    let listed = sweep.get("cells").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    listed
        .iter()
        .map(|c| {
            let dir_name = string(c, "dir");
            // A cell folder is `cells/<index>-<label>`: never a path out of the sweep's folder.
            let safe = !dir_name.is_empty() && !dir_name.split('/').any(|part| part == ".." || part.is_empty());
            Cell {
                index: string(c, "index"),
                values: c.get("values").and_then(Value::as_array).map_or_else(Vec::new, |v| {
                    v.iter().map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned)).collect()
                }),
                seed: string(c, "seed"),
                violations: c.get("violations").and_then(Value::as_array).cloned().unwrap_or_default(),
                summary: safe.then(|| json(&dir.join(&dir_name), "summary.json").ok()).flatten(),
                dir: dir_name,
            }
        })
        .collect()
}

fn identity(sweep: &Value) -> Markup {
    let code = |path: &str| element("code", &string(sweep, path));
    let set: Vec<&str> = sweep
        .get("set")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |s| s.iter().filter_map(Value::as_str).collect());
    let rows = vec![
        vec![Markup::text("scenario"), Markup::text(&string(sweep, "scenario_name"))],
        vec![Markup::text("scenario file"), code("scenario_file")],
        vec![Markup::text("base seed (each cell's seed derives from it)"), code("base_seed")],
        vec![Markup::text("replications per cell"), code("runs")],
        vec![
            Markup::text("--set on every cell"),
            Markup::text(&if set.is_empty() { "none".to_owned() } else { set.join(" ") }),
        ],
        vec![Markup::text("cells"), code("cells_total")],
        vec![Markup::text("trace fingerprint (all cells' runs)"), code("trace_fingerprint")],
        vec![Markup::text("replay (add --out DIR to write elsewhere)"), code("replay")],
    ];
    table("identity", &["", ""], &rows)
}

/// The metrics of [`METRICS`] that at least one cell's summary defines.
fn shown_metrics(cells: &[Cell]) -> Vec<&'static str> {
    METRICS
        .iter()
        .copied()
        .filter(|m| {
            cells.iter().filter_map(|c| c.summary.as_ref()).any(|s| value_at(s, m).is_some_and(Value::is_number))
        })
        .collect()
}

/// One row per cell: its page, its grid values, seed, violations, and its headline metrics
/// (from its pooled `summary.json`, each carrying its exact value and source file).
fn grid_table(sweep: &Value, cells: &[Cell]) -> Markup {
    let keys: Vec<String> = sweep
        .get("grid")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |axes| axes.iter().map(|a| string(a, "key")).collect());
    let metrics = shown_metrics(cells);
    let mut header: Vec<&str> = vec!["cell"];
    header.extend(keys.iter().map(String::as_str));
    header.extend(["seed", "violations"]);
    header.extend(metrics.iter().copied());
    let rows: Vec<Vec<Markup>> = cells.iter().map(|cell| cell_row(cell, &metrics)).collect();
    let mut html = element(
        "p",
        "Each cell's metrics are from its own summary.json (its replications pooled); sweep.csv has their means over replications with 95% intervals.",
    );
    html.push(&table("grid", &header, &rows));
    html
}

fn cell_row(cell: &Cell, metrics: &[&str]) -> Vec<Markup> {
    let page = if cell.summary.is_some() {
        link(&format!("{}/report.html", cell.dir), &cell.index)
    } else {
        Markup::text(&format!("{} (no summary)", cell.index))
    };
    let mut row = vec![page];
    row.extend(cell.values.iter().map(|v| Markup::text(v)));
    row.push(element("code", &cell.seed));
    row.push(Markup::text(&cell.violations.len().to_string()));
    let source = format!("{}/summary.json", cell.dir);
    for metric in metrics {
        let value = cell.summary.as_ref().and_then(|s| value_at(s, metric));
        row.push(match value.and_then(|v| Some((v, readable(v)?))) {
            Some((v, shown)) => Markup::trusted(format!(
                "<span data-metric=\"{}\" data-value=\"{}\" data-source=\"{}\">{}</span>",
                escape(metric),
                escape(&v.to_string()),
                escape(&source),
                escape(&shown)
            )),
            None => Markup::text("n/a"),
        });
    }
    row
}

fn violations(cells: &[Cell]) -> Markup {
    let rows: Vec<Vec<Markup>> = cells
        .iter()
        .flat_map(|cell| {
            cell.violations.iter().map(move |v| {
                vec![
                    Markup::text(&cell.index),
                    Markup::text(&string(v, "kind")),
                    element("code", &string(v, "seed")),
                    Markup::text(&string(v, "message")),
                    element("code", &string(v, "replay")),
                ]
            })
        })
        .collect();
    if rows.is_empty() {
        return Markup::default();
    }
    table("violations", &["cell", "kind", "seed", "message", "replay"], &rows)
}

fn files() -> Markup {
    let rows = vec![
        vec![link("sweep.csv", "sweep.csv"), Markup::text("one row per cell: means and 95% intervals of the metrics")],
        vec![
            link("sweep.json", "sweep.json"),
            Markup::text("the grid, every cell's seeds, hashes, violations and replay line"),
        ],
        vec![link("cells/", "cells/"), Markup::text("each cell's summary.json and page")],
        vec![link(MANIFEST, MANIFEST), Markup::text("the sweep's identity and every file of the folder")],
    ];
    table("files", &["file", "what"], &rows)
}
