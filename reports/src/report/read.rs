//! What a page is made from: the files an output folder holds, read once, in a fixed order.

use std::path::Path;

use serde_json::Value;

use super::PageError;

/// The resolved scenario, as `hemisim run` writes it beside the outputs.
pub const SCENARIO_FILE: &str = "scenario.toml";
/// The comment line of [`SCENARIO_FILE`] that holds the command replaying the run.
pub const REPLAY_PREFIX: &str = "# replay: ";

/// The names of the files directly in a folder, sorted (so pages do not depend on the order
/// the file system lists them in).
#[derive(Debug, Clone, Default)]
pub struct FolderFiles {
    names: Vec<String>,
}

impl FolderFiles {
    pub fn list(dir: &Path) -> Result<FolderFiles, PageError> {
        let entries = std::fs::read_dir(dir).map_err(|e| PageError::read(dir, &e))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(FolderFiles { names })
    }

    /// The `.csv` files.
    pub fn csvs(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str).filter(|n| n.ends_with(".csv"))
    }

    /// The names of the `.svg` figures, without the extension.
    pub fn svg_stems(&self) -> impl Iterator<Item = &str> {
        self.names.iter().filter_map(|n| n.strip_suffix(".svg"))
    }
}

/// A JSON file of the folder (`summary.json`, `sweep.json`), parsed.
pub fn json(dir: &Path, name: &str) -> Result<Value, PageError> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| PageError::read(&path, &e))?;
    serde_json::from_str(&text).map_err(|e| PageError::Parse { path, message: e.to_string() })
}

/// The resolved scenario of a run folder and the replay line its header names, if the folder
/// has them (folders written before hemisim wrote `scenario.toml` do not).
#[derive(Debug, Clone, Default)]
pub struct ScenarioText {
    pub toml: Option<String>,
    pub replay: Option<String>,
}

impl ScenarioText {
    pub fn read(dir: &Path) -> ScenarioText {
        let toml = std::fs::read_to_string(dir.join(SCENARIO_FILE)).ok();
        let replay = toml
            .as_deref()
            .and_then(|t| t.lines().find_map(|l| l.strip_prefix(REPLAY_PREFIX)))
            .map(|l| l.trim().to_owned());
        ScenarioText { toml, replay }
    }
}

/// The text of [`SCENARIO_FILE`]: a header saying what it is, the replay line, then the scenario.
pub fn scenario_file_text(resolved_toml: &str, replay: &str) -> String {
    format!(
        "# The resolved scenario of this run: every key, after --set and --seed (scenarios/README.md).\n\
         # `hemisim run` on this file runs the same scenario (same scenario hash); the line below\n\
         # replays the whole command.\n{REPLAY_PREFIX}{replay}\n\n{resolved_toml}"
    )
}
