//! A partial sweep directory: what `hemisim sweep --shard I/N` writes and `hemisim merge` joins
//! (a swarm's is [`crate::swarm_shard`]; both keep their [`SHARD_FILE`] at the top).
//!
//! A shard runs the cells whose index ≡ I (mod N) and writes them exactly as the whole sweep
//! would (`cells/<index>-<label>/summary.json`), with a `manifest.json` whose command is
//! `sweep-shard` and [`SHARD_FILE`]: which sweep the shard belongs to (`sweep_id`), which shard
//! it is, and for each of its cells the row the sweep's outputs are made of ([`CellResult`]:
//! seeds, hashes, every replication's metric values, violations, replay line). It has no
//! `sweep.csv`, `sweep.json` or figure: `merge` writes them from every shard's rows through the
//! same function a whole sweep ends with, so the merged folder is the whole sweep's, byte for
//! byte. Metric values keep every digit through JSON (serde_json's `float_roundtrip`).

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::output_dir::TOOL;
use crate::sweep::{CellResult, SweepInfo};
use crate::{ReportError, atomic};

/// The shard manifest's file name, at the top of a partial directory.
pub const SHARD_FILE: &str = "shard.json";
/// Bumped when [`ShardManifest`]'s layout changes.
pub const SHARD_FORMAT: u32 = 1;
/// `manifest.json`'s `command` in a partial sweep directory.
pub const SHARD_COMMAND: &str = "sweep-shard";

/// The one sharding rule of sweeps and swarms: item `position` (a cell's index, a world's
/// position in the seed range) belongs to shard `index` of `count` when position ≡ index (mod
/// count). Round robin, so every shard gets cheap and dear items alike.
pub fn shard_holds(position: u64, index: u32, count: u32) -> bool {
    count > 0 && position % u64::from(count) == u64::from(index)
}

/// `shard.json`: one shard of a sweep and the rows of its cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    /// Always `hemisim`.
    pub tool: String,
    pub format: u32,
    /// The hemisim version that ran the shard (part of `sweep_id` too).
    pub version: String,
    /// SHA-256 over the hemisim version, the sweep's `sweep.json` header (scenario, base seed,
    /// runs, `--set`, grid, replay line) and every cell's index, label, seed and resolved
    /// scenario hash: equal for every shard of one sweep, different for any other sweep.
    pub sweep_id: String,
    /// I of `--shard I/N`.
    pub shard_index: u32,
    /// N of `--shard I/N`.
    pub shard_count: u32,
    /// Cells in the whole grid (every shard's together).
    pub cells_total: usize,
    pub sweep: SweepInfo,
    /// This shard's cells, in grid order.
    pub cells: Vec<CellResult>,
}

/// Why a folder could not be read as a partial directory. Each message is one line and starts
/// with the folder.
#[derive(Debug, thiserror::Error)]
pub enum ShardReadError {
    #[error("{}: not a partial {command} directory (no {SHARD_FILE}; `hemisim {command} --shard I/N` writes one)", .dir.display())]
    Missing { dir: std::path::PathBuf, command: &'static str },
    #[error("{}: cannot read {SHARD_FILE}: {source}", .dir.display())]
    Unreadable { dir: std::path::PathBuf, source: std::io::Error },
    #[error("{}: {SHARD_FILE} is not a hemisim shard manifest of format {format}: {reason}", .dir.display())]
    Malformed { dir: std::path::PathBuf, format: u32, reason: String },
}

impl ShardManifest {
    /// The shard line of messages: `shard 1/3`.
    pub fn name(&self) -> String {
        format!("shard {}/{}", self.shard_index, self.shard_count)
    }

    /// Writes [`SHARD_FILE`] into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), ReportError> {
        write_shard_file(dir, self)
    }

    /// Reads `dir`'s [`SHARD_FILE`], checking that hemisim wrote it in this format.
    pub fn read(dir: &Path) -> Result<ShardManifest, ShardReadError> {
        read_shard_file(dir, "sweep", SHARD_FORMAT, |m: &ShardManifest| {
            (m.tool.as_str(), m.format, m.shard_index, m.shard_count)
        })
    }
}

/// Writes `shard` (a sweep's or a swarm's) into `dir` as [`SHARD_FILE`]: pretty JSON ending
/// with a newline, written atomically.
pub(crate) fn write_shard_file<T: Serialize>(dir: &Path, shard: &T) -> Result<(), ReportError> {
    let mut text = serde_json::to_string_pretty(shard).expect("strings, numbers and plain structs always serialise");
    text.push('\n');
    atomic::write_file(&dir.join(SHARD_FILE), text.as_bytes())
}

/// Reads `dir`'s [`SHARD_FILE`] as the partial directory of `hemisim <command> --shard`, checking
/// its `tool`, `format` (`header` gives them, with I and N) and that I < N.
pub(crate) fn read_shard_file<T: DeserializeOwned>(
    dir: &Path,
    command: &'static str,
    format: u32,
    header: impl Fn(&T) -> (&str, u32, u32, u32),
) -> Result<T, ShardReadError> {
    let path = dir.join(SHARD_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ShardReadError::Missing { dir: dir.to_path_buf(), command },
        _ => ShardReadError::Unreadable { dir: dir.to_path_buf(), source },
    })?;
    let malformed = |reason: String| ShardReadError::Malformed { dir: dir.to_path_buf(), format, reason };
    let manifest: T = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    let (tool, found, index, count) = header(&manifest);
    if tool != TOOL || found != format {
        return Err(malformed(format!("tool {tool:?}, format {found}")));
    }
    if count == 0 || index >= count {
        return Err(malformed(format!("shard {index}/{count}")));
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::tests::{cell, info};
    use crate::testutil::scratch_dir;

    fn manifest() -> ShardManifest {
        let mut first = cell(1, &["6", "50"], Some([700.1, 1000.3, 0.1 + 0.2]), Some(1e-300));
        // Values whose shortest decimal needs all 17 digits must come back bit for bit.
        first.metrics.values[0] = vec![Some(0.1 + 0.7), Some(f64::MIN_POSITIVE), None];
        ShardManifest {
            tool: TOOL.into(),
            format: SHARD_FORMAT,
            version: "0.1.0".into(),
            sweep_id: "ab".repeat(32),
            shard_index: 1,
            shard_count: 2,
            cells_total: 4,
            sweep: info(2),
            cells: vec![first, cell(3, &["12", "50"], None, Some(0.25))],
        }
    }

    #[test]
    fn a_shard_manifest_reads_back_to_the_same_rows_bit_for_bit() {
        let dir = scratch_dir("shard-roundtrip");
        let written = manifest();
        written.write(&dir).expect("writable");
        let read = ShardManifest::read(&dir).expect("readable");
        assert_eq!(read, written);
        let bits = |m: &ShardManifest| -> Vec<Option<u64>> {
            m.cells[0].metrics.values.iter().flatten().map(|v| v.map(f64::to_bits)).collect()
        };
        assert_eq!(bits(&read), bits(&written));
        assert_eq!(read.name(), "shard 1/2");
    }

    #[test]
    fn what_is_not_a_shard_manifest_is_named() {
        let dir = scratch_dir("shard-bad");
        let error = |dir: &Path| ShardManifest::read(dir).map(|_| ()).expect_err("refused").to_string();
        assert!(
            error(&dir)
                .ends_with("not a partial sweep directory (no shard.json; `hemisim sweep --shard I/N` writes one)")
        );
        std::fs::write(dir.join(SHARD_FILE), "{}").expect("writable");
        assert!(error(&dir).contains("shard.json is not a hemisim shard manifest of format 1: missing field"));
        let mut wrong = manifest();
        wrong.shard_index = 2;
        wrong.write(&dir).expect("writable");
        assert!(error(&dir).ends_with("format 1: shard 2/2"), "{}", error(&dir));
        wrong.tool = "other".into();
        wrong.write(&dir).expect("writable");
        assert!(error(&dir).ends_with("format 1: tool \"other\", format 1"), "{}", error(&dir));
    }
}
