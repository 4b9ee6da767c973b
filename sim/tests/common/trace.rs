//! Reading a run's `trace.jsonl` (`hemisim run --trace`): one observation a line.

use std::path::Path;

/// One observation of the trace, as the tests read it.
#[derive(Debug, Clone)]
pub struct Event {
    /// Simulated seconds from the start of the run.
    pub at: f64,
    pub peer: String,
    pub kind: String,
    pub line: serde_json::Value,
}

impl Event {
    /// An integer field.
    pub fn n(&self, key: &str) -> u64 {
        self.line[key].as_u64().unwrap_or_else(|| panic!("{key} in {}", self.line))
    }

    pub fn flag(&self, key: &str) -> bool {
        self.line[key].as_bool().unwrap_or_else(|| panic!("{key} in {}", self.line))
    }

    /// A string field (hashes, addresses).
    pub fn text(&self, key: &str) -> &str {
        self.line[key].as_str().unwrap_or_else(|| panic!("{key} in {}", self.line))
    }
}

pub fn read_trace(path: &Path) -> Vec<Event> {
    let text = std::fs::read_to_string(path).expect("the run wrote its trace");
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("trace lines are JSON");
            Event {
                at: v["t"].as_str().map_or(0.0, |t| t.parse().expect("a time")),
                peer: v["peer"].as_str().expect("a peer").to_owned(),
                kind: v["event"].as_str().expect("an event").to_owned(),
                line: v,
            }
        })
        .collect()
}

/// Runs the real binary on `scenario` (a path from the repository root) with `--set` overrides
/// and `--trace`, into a scratch directory called `name`; the trace and summary.json.
pub fn traced_run(scenario: &str, name: &str, sets: &[&str]) -> (Vec<Event>, serde_json::Value) {
    let dir = super::scratch_dir(name);
    let out = dir.to_str().expect("utf-8");
    let mut args = vec!["run", scenario, "--out", out, "--trace"];
    for set in sets {
        args.extend(["--set", set]);
    }
    let output = super::hemisim(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    (read_trace(&dir.join("trace.jsonl")), serde_json::from_str(&summary).expect("JSON"))
}
