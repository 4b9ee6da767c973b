//! `hemisim merge` of a sharded sweep's partial directories (`manifest.json` says `sweep-shard`,
//! `shard.json` reads): after the shared checks (`merge`), together they must hold every cell of
//! the grid once. Then the cells' files are copied into the staged output and the sweep ends as an
//! unsharded one does (`sweep_end::write_whole_sweep`): same rows, same function, same bytes.

use super::args::MergeArgs;
use super::console::{errln, outln};
use super::merge::{Part, copy_files, one_whole, out_is_not_a_part};
use super::sweep_end::{cells_exit, print_violations, write_whole_sweep};
use super::{Exit, count, out_flag, output};
use hemisim_reports::output_dir::Manifest;
use hemisim_reports::shard::{ShardManifest, shard_holds};
use hemisim_reports::sweep::CellResult;
use std::path::{Path, PathBuf};

/// One partial directory, read and checked on its own.
#[derive(Debug)]
struct Partial {
    dir: PathBuf,
    shard: ShardManifest,
    /// Its files under `cells/`, relative, as its manifest lists them.
    cell_files: Vec<String>,
}

pub(super) fn run(args: &MergeArgs) -> Exit {
    let partials = match read_all(args) {
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
    let staging = match output::begin(&out_dir) {
        Ok(staging) => staging,
        Err(exit) => return exit,
    };
    for partial in &partials {
        if let Err(e) = copy_files(&partial.dir, &partial.cell_files, staging.path()) {
            output::report_error(&e);
            return Exit::Incomplete;
        }
    }
    let mut cells: Vec<CellResult> = partials.iter().flat_map(|p| p.shard.cells.iter().cloned()).collect();
    cells.sort_by_key(|c| c.index);
    print_violations(&cells);
    if let Err(exit) = write_whole_sweep(staging, info, &cells, &out_dir) {
        return exit;
    }
    outln!("replay: {}{}", info.replay, out_flag(args.out.as_deref()));
    cells_exit(&cells)
}

/// Reads every partial directory and checks that together they are one whole sweep, sorted by
/// shard index.
fn read_all(args: &MergeArgs) -> Result<Vec<Partial>, String> {
    let mut partials = args.partials.iter().map(|dir| read_partial(dir)).collect::<Result<Vec<_>, _>>()?;
    let parts: Vec<Part> = partials
        .iter()
        .map(|p| Part { dir: &p.dir, index: p.shard.shard_index, count: p.shard.shard_count, id: &p.shard.sweep_id })
        .collect();
    out_is_not_a_part(args.out.as_deref(), &parts)?;
    let differs = |i: usize| what_differs(&partials[0].shard, &partials[i].shard);
    one_whole("sweep", &parts, differs, &partials[0].shard.sweep.replay)?;
    partials.sort_by_key(|p| p.shard.shard_index);
    every_cell_once(&partials)?;
    Ok(partials)
}

/// A partial directory whose manifest (if any) `merge` found to be a complete sweep shard's.
fn read_partial(dir: &Path) -> Result<Partial, String> {
    let shard = ShardManifest::read(dir).map_err(|e| e.to_string())?;
    let Some(manifest) = Manifest::read(dir) else {
        return Err(format!("{}: has shard.json but no hemisim manifest.json; run that shard again", dir.display()));
    };
    for cell in &shard.cells {
        let summary = format!("{}/summary.json", cell.dir);
        if !manifest.files.contains(&summary) || !dir.join(&summary).is_file() {
            return Err(format!("{}: {summary} is missing; run {} again", dir.display(), shard.name()));
        }
    }
    let cell_files = manifest.files.into_iter().filter(|f| f.starts_with("cells/")).collect();
    Ok(Partial { dir: dir.to_path_buf(), shard, cell_files })
}

/// The first thing that tells two sweeps apart, for the message.
fn what_differs(a: &ShardManifest, b: &ShardManifest) -> &'static str {
    let (x, y) = (&a.sweep, &b.sweep);
    if a.version != b.version {
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

/// Together the shards hold cells 0..cells_total, each once and in its own shard.
fn every_cell_once(partials: &[Partial]) -> Result<(), String> {
    let total = partials[0].shard.cells_total;
    let mut seen = vec![false; total];
    for p in partials {
        for cell in &p.shard.cells {
            let own = cell.index < total && shard_holds(cell.index as u64, p.shard.shard_index, p.shard.shard_count);
            if !own || std::mem::replace(&mut seen[cell.index], true) {
                return Err(format!(
                    "{}: shard.json lists cell {}, which is not {}'s; run that shard again",
                    p.dir.display(),
                    cell.index,
                    p.shard.name()
                ));
            }
        }
    }
    match seen.iter().position(|s| !s) {
        Some(index) => Err(format!(
            "cell {index} is in none of the shards ({} should hold it); run that shard again",
            partials[index % partials.len()].dir.display()
        )),
        None => Ok(()),
    }
}
