//! `hemisim swarm`'s outputs: `swarm.csv` (one row per world) and `swarm.json` (the totals:
//! verdicts, failures with their replay lines, findings, coverage, worlds per wall minute).
//! Every column and key is documented in `reports/README.md`, "hemisim swarm".
//!
//! Everything but the measured figures (`wall_s`, `wall_time_s`, `worlds_per_minute`, `jobs`) is
//! a pure function of the seeds: the same seeds give the same rows and counts, whether one process
//! ran them or shards merged (`crate::swarm_shard`).

use crate::csv_out::{save_csv, to_csv};
use crate::fingerprint::combine_hashes;
use crate::output_dir::{MANIFEST_FORMAT, Manifest, TOOL};
use crate::{ReportError, atomic};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwarmRow {
    pub seed: u64,
    /// Empty when the generator failed on this seed.
    pub scenario_hash: String,
    /// Empty when the run did not complete.
    pub trace_hash: String,
    /// `ok`, `finding:<rule>`, `safety`, `liveness`, `could-not-complete`, `nondeterminism`,
    /// `generator-bug`.
    pub verdict: String,
    pub wall_s: f64,
    /// The rare events it exercised, by name.
    pub covered: Vec<String>,
    pub self_checked: bool,
}

/// A failing world, as `swarm.json` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwarmFailure {
    pub seed: u64,
    pub verdict: String,
    pub message: String,
    pub replay: String,
    /// The generated scenario, relative to the output folder.
    pub scenario_file: String,
    /// The smallest variant with the same violation (`--shrink`), relative to the output folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrunk_file: Option<String>,
}

/// The swarm as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwarmInfo {
    /// The seeds run, as `A..B` (B excluded).
    pub seeds: String,
    pub jobs: usize,
    pub wall_time_s: f64,
    /// Every coverage event, in order, so that one never reached shows with 0.
    pub events: Vec<String>,
    /// Rare events the simulator does not model yet.
    pub not_modelled: Vec<String>,
    pub replay: String,
}

#[derive(Serialize)]
struct SwarmJson<'a> {
    seeds: &'a str,
    worlds: usize,
    self_checked: usize,
    verdicts: BTreeMap<&'a str, usize>,
    failures: &'a [SwarmFailure],
    findings: BTreeMap<&'a str, usize>,
    wall_time_s: f64,
    worlds_per_minute: f64,
    jobs: usize,
    coverage: BTreeMap<&'a str, usize>,
    never_reached: Vec<&'a str>,
    not_modelled: &'a [String],
    replay: &'a str,
}

/// How many worlds reached each event of `events` (all of them, 0 included).
pub fn coverage_counts<'a>(events: &'a [String], rows: &[SwarmRow]) -> Vec<(&'a str, usize)> {
    events.iter().map(|e| (e.as_str(), rows.iter().filter(|r| r.covered.contains(e)).count())).collect()
}

/// Worlds per wall minute (`None` for no time at all).
pub fn worlds_per_minute(worlds: usize, wall_time_s: f64) -> Option<f64> {
    (wall_time_s > 0.0).then(|| worlds as f64 * 60.0 / wall_time_s)
}

/// `swarm.csv` text.
pub fn swarm_csv(rows: &[SwarmRow]) -> Result<Vec<u8>, csv::Error> {
    let header = ["seed", "scenario_hash", "trace_hash", "verdict", "wall_s", "covered", "self_checked"];
    to_csv(
        &header,
        rows.iter().map(|r| {
            vec![
                r.seed.to_string(),
                r.scenario_hash.clone(),
                r.trace_hash.clone(),
                r.verdict.clone(),
                format!("{:.3}", r.wall_s),
                r.covered.join(" "),
                r.self_checked.to_string(),
            ]
        }),
    )
}

/// `swarm.json` text.
pub fn swarm_json(info: &SwarmInfo, rows: &[SwarmRow], failures: &[SwarmFailure]) -> String {
    let mut verdicts = BTreeMap::new();
    let mut findings = BTreeMap::new();
    for row in rows {
        *verdicts.entry(row.verdict.as_str()).or_insert(0) += 1;
        if let Some(rule) = row.verdict.strip_prefix("finding:") {
            *findings.entry(rule).or_insert(0) += 1;
        }
    }
    let counts = coverage_counts(&info.events, rows);
    let json = SwarmJson {
        seeds: &info.seeds,
        worlds: rows.len(),
        self_checked: rows.iter().filter(|r| r.self_checked).count(),
        verdicts,
        failures,
        findings,
        wall_time_s: info.wall_time_s,
        worlds_per_minute: worlds_per_minute(rows.len(), info.wall_time_s).unwrap_or(0.0),
        jobs: info.jobs,
        never_reached: counts.iter().filter(|(_, n)| *n == 0).map(|(e, _)| *e).collect(),
        coverage: counts.into_iter().collect(),
        not_modelled: &info.not_modelled,
        replay: &info.replay,
    };
    let mut text = serde_json::to_string_pretty(&json).expect("plain numbers, strings and maps");
    text.push('\n');
    text
}

/// The manifest of a swarm's folder: command `swarm`, the first seed, and the combined
/// fingerprint of every world's trace hash, in seed order (worlds have no folders of their own).
pub fn manifest(first_seed: u64, rows: &[SwarmRow], complete: bool) -> Manifest {
    Manifest {
        tool: TOOL.to_owned(),
        format: MANIFEST_FORMAT,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        command: "swarm".to_owned(),
        scenario: "swarm".to_owned(),
        seed: first_seed,
        trace_hash: combine_hashes(rows.iter().map(|r| r.trace_hash.as_str())),
        complete,
        runs: Vec::new(),
        files: Vec::new(),
    }
}

/// Writes `swarm.csv` and `swarm.json` into `dir`, atomically; returns their paths.
pub fn write_swarm(
    dir: &Path,
    info: &SwarmInfo,
    rows: &[SwarmRow],
    failures: &[SwarmFailure],
) -> Result<Vec<PathBuf>, ReportError> {
    atomic::create_dir(dir)?;
    let csv = save_csv(dir.join("swarm.csv"), swarm_csv(rows))?;
    let json = dir.join("swarm.json");
    atomic::write_file(&json, swarm_json(info, rows, failures).as_bytes())?;
    Ok(vec![csv, json])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seed: u64, verdict: &str, covered: &[&str]) -> SwarmRow {
        SwarmRow {
            seed,
            scenario_hash: "ab".into(),
            trace_hash: "cd".into(),
            verdict: verdict.into(),
            wall_s: 0.5,
            covered: covered.iter().map(|s| s.to_string()).collect(),
            self_checked: seed == 2,
        }
    }

    #[test]
    fn the_csv_has_one_row_per_world_and_the_json_counts_them() {
        let rows = [row(1, "ok", &["mempool_full", "forced_block"]), row(2, "finding:deep", &["forced_block"])];
        let csv = String::from_utf8(swarm_csv(&rows).expect("renders")).expect("utf-8");
        assert_eq!(
            csv,
            "seed,scenario_hash,trace_hash,verdict,wall_s,covered,self_checked\n1,ab,cd,ok,0.500,mempool_full forced_block,false\n2,ab,cd,finding:deep,0.500,forced_block,true\n"
        );
        let events = vec!["mempool_full".to_owned(), "forced_block".to_owned(), "payout_repaid".to_owned()];
        let info = SwarmInfo {
            seeds: "1..3".into(),
            jobs: 1,
            wall_time_s: 2.0,
            events,
            not_modelled: vec![],
            replay: "hemisim swarm --seeds 1..3".into(),
        };
        let json: serde_json::Value = serde_json::from_str(&swarm_json(&info, &rows, &[])).expect("json");
        assert_eq!(json["worlds"], 2);
        assert_eq!(json["self_checked"], 1);
        assert_eq!(json["worlds_per_minute"], 60.0);
        assert_eq!(json["coverage"]["forced_block"], 2);
        assert_eq!(json["never_reached"], serde_json::json!(["payout_repaid"]));
        assert_eq!(json["findings"]["deep"], 1);
        assert_eq!(json["verdicts"]["ok"], 1);
    }
}
