//! The output folder: it only ever holds one run's (or one sweep's) outputs, and it appears whole.
//!
//! [`Staging::begin`] runs before anything is simulated: it checks that the folder may be
//! replaced (absent, empty, or a previous hemisim output, recognised by its [`MANIFEST`]) and
//! creates a hidden sibling, `.<name>.hemisim-staging-<pid>`, in the same parent (so it is on
//! the same file system and can be renamed); an unwritable place fails there, in milliseconds.
//! Everything is written into the sibling. [`Staging::commit`] writes `manifest.json` (the run's
//! identity and every file), then swaps: the old folder renamed aside, the new one renamed in,
//! the old one removed. A reader finds the old complete folder or the new complete one, never a
//! mix of two runs, and no half-written file.
//!
//! A staging folder that is dropped uncommitted is removed; one a signal interrupts is removed by
//! [`abandon_all`]. Only SIGKILL (or a power cut) can leave a `.<name>.hemisim-*` sibling
//! behind; the folder itself is then still the old one.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::record::RunRecord;
use crate::sweep::{CellResult, SweepInfo};
use crate::{ReportError, atomic, run_dir};

/// The manifest's file name, at the top of every output folder.
pub const MANIFEST: &str = "manifest.json";
/// Bumped when the manifest's layout changes.
pub const MANIFEST_FORMAT: u32 = 1;
/// The `tool` field of every manifest: how a folder is recognised as a hemisim output.
pub const TOOL: &str = "hemisim";

/// `manifest.json`: which run wrote the folder, and what is in it. Deterministic: no wall-clock
/// time, no path outside the folder, so two runs of the same seed write the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`TOOL`].
    pub tool: String,
    pub format: u32,
    /// The hemisim version that wrote the folder.
    pub version: String,
    /// `run`, `sweep`, `swarm`, or `sweep-shard` / `swarm-shard` (a shard's partial directory).
    pub command: String,
    pub scenario: String,
    /// The run's seed (`--seed` or the file's); a sweep's base seed.
    pub seed: u64,
    /// As `summary.json`'s `trace_hash` (a run) or `sweep.json`'s `trace_fingerprint` (a sweep).
    pub trace_hash: String,
    /// `false` when an output could not be written or a sweep cell did not complete: the folder
    /// holds what was written, and the command exited with code 4.
    pub complete: bool,
    /// One entry per run (a sweep: per cell) whose outputs are in the folder.
    pub runs: Vec<ManifestRun>,
    /// Every file in the folder except the manifest, relative, `/`-separated, sorted.
    pub files: Vec<String>,
}

/// One run (or sweep cell) of a [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRun {
    /// Its folder, relative to the output folder: `.` for a single run, `runs/seed-<seed>` for a
    /// replication, `cells/<index>-<label>` for a sweep cell.
    pub dir: String,
    pub seed: u64,
    pub scenario_hash: String,
    /// The run's trace hash (a sweep cell: the combined fingerprint of its replications).
    pub trace_hash: String,
}

impl Manifest {
    /// The manifest of `hemisim run`'s records (one run, or replications in seed order). `files`
    /// is filled in by [`Staging::commit`].
    pub fn for_run(seed: u64, records: &[RunRecord], complete: bool) -> Manifest {
        let one = records.len() == 1;
        let runs = records
            .iter()
            .map(|r| ManifestRun {
                dir: if one { ".".to_owned() } else { relative(&run_dir(Path::new(""), r.meta.seed)) },
                seed: r.meta.seed,
                scenario_hash: r.meta.scenario_hash.clone(),
                trace_hash: r.meta.trace_hash.clone(),
            })
            .collect();
        let scenario = records.first().map(|r| r.meta.scenario_name.clone()).unwrap_or_default();
        let trace_hash = crate::summary::trace_fingerprint(records);
        Manifest::new("run", scenario, seed, trace_hash, complete, runs)
    }

    /// The manifest of a sweep whose completed cells are `cells`.
    pub fn for_sweep(info: &SweepInfo, cells: &[CellResult], complete: bool) -> Manifest {
        let runs = cells
            .iter()
            .map(|c| ManifestRun {
                dir: c.dir.clone(),
                seed: c.seed,
                scenario_hash: c.metrics.scenario_hash.clone(),
                trace_hash: c.metrics.trace_hash.clone(),
            })
            .collect();
        let trace_hash = crate::sweep::sweep_fingerprint(cells);
        Manifest::new("sweep", info.scenario_name.clone(), info.base_seed, trace_hash, complete, runs)
    }

    /// The manifest of a sweep's partial directory (`hemisim sweep --shard`): a sweep's, over the
    /// shard's cells, with the command [`crate::shard::SHARD_COMMAND`] (so `compare` and a
    /// reader of sweeps do not take it for a whole sweep).
    pub fn for_sweep_shard(info: &SweepInfo, cells: &[CellResult], complete: bool) -> Manifest {
        let mut manifest = Manifest::for_sweep(info, cells, complete);
        manifest.command = crate::shard::SHARD_COMMAND.to_owned();
        manifest
    }

    fn new(
        command: &str,
        scenario: String,
        seed: u64,
        trace_hash: String,
        complete: bool,
        runs: Vec<ManifestRun>,
    ) -> Manifest {
        Manifest {
            tool: TOOL.to_owned(),
            format: MANIFEST_FORMAT,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            command: command.to_owned(),
            scenario,
            seed,
            trace_hash,
            complete,
            runs,
            files: Vec::new(),
        }
    }

    /// Pretty JSON ending with a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("strings, integers and lists always serialise");
        text.push('\n');
        text
    }

    /// The manifest of output folder `dir`, if it has one written by hemisim.
    pub fn read(dir: &Path) -> Option<Manifest> {
        let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
        serde_json::from_str::<Manifest>(&text).ok().filter(|m| m.tool == TOOL)
    }

    /// The entry of the run whose folder is `dir` (relative to the output folder, `.` for itself).
    pub fn run_in(&self, dir: &str) -> Option<&ManifestRun> {
        self.runs.iter().find(|r| r.dir == dir)
    }
}

/// Why an output folder could not be used.
#[derive(Debug, thiserror::Error)]
pub enum OutputDirError {
    /// The folder holds something that is not a hemisim output: never deleted (bad input).
    #[error(
        "output folder {}: not empty and not a hemisim output (no {MANIFEST}; it holds {entry:?}); refusing to replace it: give a new or empty folder, or delete this one",
        .path.display()
    )]
    Foreign { path: PathBuf, entry: String },
    /// The folder became foreign while the run was simulated: the new outputs are kept aside.
    #[error(
        "output folder {}: files that are not a hemisim output appeared in it during the run ({entry:?}); not replacing it: this run's outputs are in {}",
        .path.display(), .kept.display()
    )]
    ForeignAtCommit { path: PathBuf, entry: String, kept: PathBuf },
    #[error("output folder {}: exists and is not a folder", .path.display())]
    NotAFolder { path: PathBuf },
    /// The folder could not be created, written or swapped in (could not complete).
    #[error("output folder {}: {action}: {source}", .path.display())]
    Io { path: PathBuf, action: String, source: std::io::Error },
    #[error(transparent)]
    Report(#[from] ReportError),
}

impl OutputDirError {
    /// Whether the user's choice of folder is at fault (exit code 2) rather than the system
    /// (exit code 4).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, OutputDirError::Foreign { .. } | OutputDirError::NotAFolder { .. })
    }
}

/// Staging folders not yet committed or dropped, for [`abandon_all`]: (staging, target).
static STAGED: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

/// An output folder being written: a hidden sibling of the target, swapped in by [`commit`].
///
/// [`commit`]: Staging::commit
#[derive(Debug)]
pub struct Staging {
    /// The folder the user named, as they named it (for messages).
    shown: PathBuf,
    /// The same folder with symlinks resolved: what is replaced.
    target: PathBuf,
    /// Where everything is written until the swap.
    dir: PathBuf,
    /// Whether dropping removes `dir`: not once it is swapped in, nor when it holds the only
    /// copy of outputs that could not be swapped in.
    remove_on_drop: bool,
}

impl Staging {
    /// Checks that `out` may be replaced and creates its staging sibling (and `out`'s parents).
    pub fn begin(out: &Path) -> Result<Staging, OutputDirError> {
        let target = resolve(out)?;
        check_replaceable(&target, out)?;
        let dir = sibling(&target, "staging");
        let io = |action: String| move |source| OutputDirError::Io { path: out.to_path_buf(), action, source };
        if let Some(parent) = target.parent() {
            atomic::create_dir(parent)?;
        }
        // Our process id in the name: a folder of that name is a leftover of a dead process.
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).map_err(io(format!(
            "cannot create {} (outputs are staged beside the folder, then swapped in)",
            dir.display()
        )))?;
        lock_staged().push((dir.clone(), out.to_path_buf()));
        Ok(Staging { shown: out.to_path_buf(), target, dir, remove_on_drop: true })
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes `manifest` (its `files` filled in from what is staged) and swaps the staged folder
    /// in place of the target; returns the files listed.
    pub fn commit(mut self, mut manifest: Manifest) -> Result<Vec<String>, OutputDirError> {
        manifest.files = list_files(&self.dir).map_err(|source| OutputDirError::Io {
            path: self.shown.clone(),
            action: format!("cannot list {}", self.dir.display()),
            source,
        })?;
        atomic::write_file(&self.dir.join(MANIFEST), manifest.to_json().as_bytes())?;
        let swapped = atomic::while_open(&self.target, || Ok(self.swap()));
        match swapped? {
            Ok(()) => {
                self.remove_on_drop = false;
                Ok(manifest.files)
            }
            Err(OutputDirError::Foreign { path, entry }) => {
                // Someone put their own files at the target while we ran: keep our outputs aside.
                self.remove_on_drop = false;
                Err(OutputDirError::ForeignAtCommit { path, entry, kept: self.dir.clone() })
            }
            Err(e) => Err(e),
        }
    }

    /// The rename dance, with writing held open so that a signal cannot cut it in half.
    fn swap(&self) -> Result<(), OutputDirError> {
        check_replaceable(&self.target, &self.shown)?;
        let old = sibling(&self.target, "old");
        let _ = fs::remove_dir_all(&old);
        let io =
            |action: &str, source| OutputDirError::Io { path: self.shown.clone(), action: action.to_owned(), source };
        let had_old = match fs::rename(&self.target, &old) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io("cannot move the previous outputs aside", e)),
        };
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            if had_old {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(io("cannot move the new outputs into place", e));
        }
        unregister(&self.dir);
        atomic::sync_dir(&self.target);
        if had_old {
            // Best effort: the new folder is in place; a leftover hidden sibling harms nothing.
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.remove_on_drop {
            let _ = fs::remove_dir_all(&self.dir);
        }
        unregister(&self.dir);
    }
}

/// For a process exiting on a signal: stops all writing (waiting for writes and swaps in
/// progress), removes every staging folder, and returns the targets they were for (each still
/// holds what it held before).
pub fn abandon_all() -> Vec<PathBuf> {
    atomic::stop_writing();
    let staged = std::mem::take(&mut *lock_staged());
    staged
        .into_iter()
        .map(|(dir, target)| {
            let _ = fs::remove_dir_all(dir);
            target
        })
        .collect()
}

fn lock_staged() -> std::sync::MutexGuard<'static, Vec<(PathBuf, PathBuf)>> {
    STAGED.lock().unwrap_or_else(PoisonError::into_inner)
}

fn unregister(dir: &Path) {
    lock_staged().retain(|(d, _)| d != dir);
}

/// `out` with symlinks, `.` and `..` resolved when it exists (so that the swap replaces the
/// folder, not a link to it), else made absolute.
fn resolve(out: &Path) -> Result<PathBuf, OutputDirError> {
    let resolved = if fs::symlink_metadata(out).is_ok() { fs::canonicalize(out) } else { std::path::absolute(out) };
    let resolved = resolved.map_err(|source| OutputDirError::Io {
        path: out.to_path_buf(),
        action: "cannot resolve the path".to_owned(),
        source,
    })?;
    if resolved.file_name().is_none() {
        let source = std::io::Error::new(std::io::ErrorKind::InvalidInput, "it has no name");
        return Err(OutputDirError::Io { path: out.to_path_buf(), action: "cannot be replaced".to_owned(), source });
    }
    Ok(resolved)
}

/// The target may be replaced: it is absent, an empty folder, or a hemisim output.
fn check_replaceable(target: &Path, shown: &Path) -> Result<(), OutputDirError> {
    let Ok(meta) = fs::metadata(target) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return Err(OutputDirError::NotAFolder { path: shown.to_path_buf() });
    }
    if Manifest::read(target).is_some() {
        return Ok(());
    }
    let entries = fs::read_dir(target).map_err(|source| OutputDirError::Io {
        path: shown.to_path_buf(),
        action: "cannot read the folder".to_owned(),
        source,
    })?;
    let mut names: Vec<OsString> = entries.filter_map(|e| e.ok().map(|e| e.file_name())).collect();
    names.sort();
    match names.first() {
        None => Ok(()),
        Some(name) => {
            Err(OutputDirError::Foreign { path: shown.to_path_buf(), entry: name.to_string_lossy().into_owned() })
        }
    }
}

/// `parent/.<name>.hemisim-<role>-<pid>`.
fn sibling(target: &Path, role: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    target.with_file_name(format!(".{name}.hemisim-{role}-{}", std::process::id()))
}

/// Every file under `dir` except the manifest, relative and `/`-separated, sorted.
fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                files.push(relative(rel));
            }
        }
    }
    files.retain(|f| f != MANIFEST);
    files.sort();
    Ok(files)
}

/// A relative path with `/` separators, as manifests write them.
pub fn relative(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
#[path = "output_dir_tests.rs"]
mod tests;
