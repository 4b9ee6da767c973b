//! Whether a bundle was written by the run whose output folder it sits in.
//!
//! Every bundle names its run (seed and trace hash, stamped by [`super::write`]); the output
//! folder's `manifest.json` names the runs whose outputs it holds (`.` for a single run,
//! `runs/seed-<seed>` for each of `--runs`). A bundle of another run is bad input with a message
//! that says so, never a "broken link": its chain of trust may be sound, only not this run's.
//! Loose provenance files, with no manifest above them, are verified on their own.

use super::bundle::RunRef;
use super::verify::BadInput;
use hemisim_reports::output_dir::{MANIFEST, Manifest, ManifestRun};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How far above the folder given to `verify` its output folder can be (`<out>/runs/seed-<s>`).
const MAX_DEPTH: usize = 2;

/// The run of `out_dir` per its output folder's manifest, checked against the bundle's own
/// stamp: `Ok(None)` when no manifest lists `out_dir` (loose files, checked on their own).
pub fn check(out_dir: &Path, bundle_path: &Path, bundle_json: &str) -> Result<Option<ManifestRun>, BadInput> {
    let Some((manifest_path, run)) = run_of(out_dir) else {
        return Ok(None);
    };
    // Malformed JSON is reported, field by field, by verification itself.
    let Ok(Stamp { run: stamp }) = serde_json::from_str::<Stamp>(bundle_json) else {
        return Ok(None);
    };
    let folder = format!(
        "{} holds the outputs of the run with seed {}, trace hash {} (per {})",
        out_dir.display(),
        run.seed,
        run.trace_hash,
        manifest_path.display()
    );
    match stamp {
        Some(stamp) if stamp.trace_hash == run.trace_hash => Ok(Some(run)),
        Some(stamp) => Err(BadInput(format!(
            "{} is from another run (seed {}, trace hash {}), but {folder}: files of two runs were mixed; verify the deposit in its own run's folder",
            bundle_path.display(),
            stamp.seed,
            stamp.trace_hash
        ))),
        None => {
            Err(BadInput(format!("{} names no run, but {folder}: that run did not write it", bundle_path.display())))
        }
    }
}

/// The only field of a bundle read here.
#[derive(Deserialize)]
struct Stamp {
    #[serde(default)]
    run: Option<RunRef>,
}

/// The nearest manifest at or above `out_dir`, and its entry for `out_dir`.
fn run_of(out_dir: &Path) -> Option<(PathBuf, ManifestRun)> {
    let dir = std::fs::canonicalize(out_dir).ok()?;
    let (root, manifest) = dir.ancestors().take(MAX_DEPTH + 1).find_map(|a| Manifest::read(a).map(|m| (a, m)))?;
    let relative: Vec<String> =
        dir.strip_prefix(root).ok()?.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let relative = if relative.is_empty() { ".".to_owned() } else { relative.join("/") };
    Some((root.join(MANIFEST), manifest.run_in(&relative)?.clone()))
}
