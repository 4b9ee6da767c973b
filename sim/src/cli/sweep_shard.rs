//! `hemisim sweep --shard I/N`: the identity of the whole sweep a shard belongs to, and the
//! partial directory it writes (`hemisim_reports::shard`), which `hemisim merge` joins.

use super::console::outln;
use super::shard::Shard;
use super::{Exit, count, output};
use crate::harness::sweep::Plan;
use bitcoin::hashes::{Hash, HashEngine, sha256};
use hemisim_reports::output_dir::{Manifest, Staging, TOOL};
use hemisim_reports::shard::{SHARD_FORMAT, ShardManifest};
use hemisim_reports::sweep::{CellResult, SweepInfo};
use std::path::{Path, PathBuf};

/// A shard of a sweep: which one, and of which sweep.
#[derive(Debug, Clone)]
pub(super) struct ShardRun {
    pub shard: Shard,
    pub sweep_id: String,
    pub cells_total: usize,
}

impl ShardRun {
    /// `shard` of the sweep `plan` (every cell, before the shard's are picked) with `info`.
    pub fn new(shard: Shard, plan: &Plan, info: &SweepInfo) -> ShardRun {
        ShardRun { shard, sweep_id: sweep_id(plan, info), cells_total: plan.cells.len() }
    }
}

/// SHA-256 over the hemisim version, `sweep.json`'s header (`info`: scenario, base seed, runs,
/// `--set`, grid, replay line) and every cell's index, label, seed and resolved scenario hash
/// (so the scenario file's contents count too), each length-prefixed: two shards belong to one
/// sweep exactly when their merged outputs would be that sweep's.
pub(super) fn sweep_id(plan: &Plan, info: &SweepInfo) -> String {
    let mut engine = sha256::Hash::engine();
    let mut text = |bytes: &[u8]| {
        engine.input(&(bytes.len() as u64).to_be_bytes());
        engine.input(bytes);
    };
    text(b"hemisim/sweep-id/v1");
    text(env!("CARGO_PKG_VERSION").as_bytes());
    text(serde_json::to_string(info).expect("strings and numbers always serialise").as_bytes());
    for cell in &plan.cells {
        text(&(cell.index as u64).to_be_bytes());
        text(cell.label.as_bytes());
        text(&cell.seed.to_be_bytes());
        text(cell.scenario.hash_hex().as_bytes());
    }
    sha256::Hash::from_engine(engine).to_string()
}

/// A shard's default folder: `reports/out/<scenario name>-sweep-shard-<I>-of-<N>`.
pub(super) fn default_out(scenario_name: &str, shard: Shard) -> PathBuf {
    PathBuf::from("reports/out").join(format!("{scenario_name}-sweep-shard-{}-of-{}", shard.index(), shard.count()))
}

/// Writes the partial directory: `shard.json` (when every cell completed) and the manifest, then
/// swaps it in. `cells` are the shard's completed cells, their summaries already staged.
pub(super) fn write_partial(
    staging: Staging,
    run: &ShardRun,
    info: &SweepInfo,
    cells: Vec<CellResult>,
    complete: bool,
    out_dir: &Path,
) -> Result<(), Exit> {
    let manifest = Manifest::for_sweep_shard(info, &cells, complete);
    let held = cells.len();
    let shard = ShardManifest {
        tool: TOOL.to_owned(),
        format: SHARD_FORMAT,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        sweep_id: run.sweep_id.clone(),
        shard_index: run.shard.index(),
        shard_count: run.shard.count(),
        cells_total: run.cells_total,
        sweep: info.clone(),
        cells,
    };
    let written =
        if complete { shard.write(staging.path()).inspect_err(|e| output::report_error(e)).is_ok() } else { false };
    let files = output::finish(staging, Manifest { complete: written, ..manifest })?;
    if !written {
        return Err(Exit::Incomplete);
    }
    outln!(
        "wrote {} ({} of {}) to {}: {} of sweep {}",
        count(files, "file", "files"),
        count(held, "cell summary", "cell summaries"),
        run.cells_total,
        out_dir.display(),
        shard.name(),
        &run.sweep_id[..16]
    );
    outln!("merge: hemisim merge <the {} shard folders> --out <DIR>", run.shard.count());
    Ok(())
}
