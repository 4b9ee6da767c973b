//! `hemisim merge` of a sharded sweep's partial directories (`manifest.json` says `sweep-shard`,
//! `shard.json` reads as `hemisim_reports::shard::ShardManifest`): after the shared checks
//! (`merge_parts`: one sweep, every cell of the grid once), the cells' files are copied into the
//! staged output and the sweep ends as an unsharded one does (`sweep_end::write_whole_sweep`):
//! same rows, same function, same bytes.

use super::args::MergeArgs;
use super::console::{errln, outln};
use super::merge_parts::{Partial, ShardFile, read_all, read_manifest, stage_with_files};
use super::sweep_end::{cells_exit, print_violations, write_whole_sweep};
use super::{Exit, count, out_flag};
use hemisim_reports::shard::ShardManifest;
use hemisim_reports::sweep::CellResult;
use std::path::{Path, PathBuf};

impl ShardFile for ShardManifest {
    const KIND: &'static str = "sweep";
    const ITEM: &'static str = "cell";

    fn index(&self) -> u32 {
        self.shard_index
    }

    fn count(&self) -> u32 {
        self.shard_count
    }

    fn id(&self) -> &str {
        &self.sweep_id
    }

    fn replay(&self) -> &str {
        &self.sweep.replay
    }

    fn total(&self) -> u64 {
        self.cells_total as u64
    }

    fn positions(&self) -> Vec<u64> {
        self.cells.iter().map(|cell| cell.index as u64).collect()
    }

    fn label(&self, position: u64) -> u64 {
        position
    }

    fn what_differs(&self, other: &ShardManifest) -> &'static str {
        let (x, y) = (&self.sweep, &other.sweep);
        if self.version != other.version {
            "the hemisim version"
        } else if x.scenario_name != y.scenario_name || x.scenario_file != y.scenario_file {
            "the scenario"
        } else if x.grid != y.grid {
            "the grid"
        } else if x.base_seed != y.base_seed {
            "the base seed"
        } else if x.runs != y.runs {
            "--runs"
        } else if x.set != y.set {
            "--set"
        } else {
            "the scenario file's contents"
        }
    }
}

pub(super) fn run(args: &MergeArgs) -> Exit {
    let partials = match read_all(args, read_partial) {
        Ok(partials) => partials,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let first = &partials[0].shard;
    let info = &first.sweep;
    let out_dir =
        args.out.clone().unwrap_or_else(|| PathBuf::from("reports/out").join(format!("{}-sweep", info.scenario_name)));
    outln!(
        "hemisim merge: sweep {} of scenario {}, {} of {}",
        &first.sweep_id[..16],
        info.scenario_name,
        count(partials.len(), "shard", "shards"),
        count(first.cells_total, "cell", "cells")
    );
    let staging = match stage_with_files(&out_dir, &partials) {
        Ok(staging) => staging,
        Err(exit) => return exit,
    };
    let mut cells: Vec<CellResult> = partials.iter().flat_map(|p| p.shard.cells.iter().cloned()).collect();
    cells.sort_by_key(|c| c.index);
    print_violations(&cells);
    if let Err(exit) = write_whole_sweep(staging, info, &cells, &out_dir) {
        return exit;
    }
    outln!("replay: {}{}", info.replay, out_flag(args.out.as_deref()));
    cells_exit(&cells)
}

/// A partial directory whose manifest (if any) `merge` found to be a complete sweep shard's: its
/// `shard.json`, and every cell's files.
fn read_partial(dir: &Path) -> Result<Partial<ShardManifest>, String> {
    let shard = ShardManifest::read(dir).map_err(|e| e.to_string())?;
    let manifest = read_manifest(dir)?;
    for cell in &shard.cells {
        let summary = format!("{}/summary.json", cell.dir);
        if !manifest.files.contains(&summary) || !dir.join(&summary).is_file() {
            return Err(format!("{}: {summary} is missing; run {} again", dir.display(), shard.name()));
        }
    }
    let files = manifest.files.into_iter().filter(|f| f.starts_with("cells/")).collect();
    Ok(Partial { dir: dir.to_path_buf(), shard, files })
}
