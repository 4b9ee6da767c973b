//! `hemisim merge PARTIAL_DIR... --out DIR`: joins the partial directories of a sharded sweep
//! into the outputs of the whole sweep.
//!
//! Every partial directory is read and checked before anything is written: each must be a
//! complete shard (`manifest.json` says `sweep-shard`, complete; `shard.json` reads), all of
//! one sweep (one `sweep_id`) and one N, each shard once, none missing, and together they must
//! hold every cell of the grid once. Then the cells' files are copied into the staged output
//! and the sweep ends as an unsharded one does (`sweep_end::write_whole_sweep`): same rows, same
//! function, same bytes.

use super::args::MergeArgs;
use super::console::{errln, outln};
use super::sweep_end::{cells_exit, print_violations, write_whole_sweep};
use super::{Exit, count, out_flag, output};
use hemisim_reports::atomic;
use hemisim_reports::output_dir::Manifest;
use hemisim_reports::shard::{SHARD_COMMAND, ShardManifest};
use hemisim_reports::sweep::CellResult;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One partial directory, read and checked on its own.
#[derive(Debug)]
struct Partial {
    dir: PathBuf,
    shard: ShardManifest,
    /// Its files under `cells/`, relative, as its manifest lists them.
    cell_files: Vec<String>,
}

pub fn run(args: MergeArgs) -> Exit {
    let partials = match read_all(&args) {
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
        if let Err(e) = copy_cells(partial, staging.path()) {
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
    if let Some(out) = &args.out
        && let Some(p) = partials.iter().find(|p| same_folder(&p.dir, out))
    {
        return Err(format!(
            "--out {}: is the partial directory {}; give another folder",
            out.display(),
            p.dir.display()
        ));
    }
    for partial in &partials[1..] {
        one_sweep(&partials[0], partial)?;
    }
    let mut by_index: BTreeMap<u32, &Partial> = BTreeMap::new();
    for partial in &partials {
        if let Some(earlier) = by_index.insert(partial.shard.shard_index, partial) {
            return Err(format!(
                "{} and {} are both {}; give each shard once",
                earlier.dir.display(),
                partial.dir.display(),
                partial.shard.name()
            ));
        }
    }
    missing_shards(&partials[0].shard, &by_index)?;
    partials.sort_by_key(|p| p.shard.shard_index);
    every_cell_once(&partials)?;
    Ok(partials)
}

fn read_partial(dir: &Path) -> Result<Partial, String> {
    if !dir.is_dir() {
        return Err(format!(
            "{}: no such directory (expected a partial directory of `hemisim sweep --shard I/N`)",
            dir.display()
        ));
    }
    let manifest = Manifest::read(dir);
    match &manifest {
        Some(m) if m.command != SHARD_COMMAND => {
            return Err(format!(
                "{}: the output of a hemisim {}, not a partial directory (`hemisim sweep --shard I/N` writes one)",
                dir.display(),
                m.command
            ));
        }
        Some(m) if !m.complete => {
            return Err(format!(
                "{}: an incomplete shard (a run did not complete or a file could not be written; its manifest.json says \"complete\": false); run that shard again",
                dir.display()
            ));
        }
        _ => {}
    }
    let shard = ShardManifest::read(dir).map_err(|e| e.to_string())?;
    let Some(manifest) = manifest else {
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

/// Whether `a` and `b` name the same existing folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// `other` must be a shard of the same sweep as `first`, split the same way.
fn one_sweep(first: &Partial, other: &Partial) -> Result<(), String> {
    let (a, b) = (&first.shard, &other.shard);
    if a.sweep_id != b.sweep_id {
        return Err(format!(
            "{} and {} are shards of different sweeps ({} differs); merge the shards of one sweep",
            first.dir.display(),
            other.dir.display(),
            what_differs(a, b)
        ));
    }
    if a.shard_count != b.shard_count {
        return Err(format!(
            "{} is {} but {} is {}: the sweep was split in {} and in {} shards; merge the shards of one split",
            first.dir.display(),
            a.name(),
            other.dir.display(),
            b.name(),
            a.shard_count,
            b.shard_count
        ));
    }
    Ok(())
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

/// Every shard 0..N is given.
fn missing_shards(first: &ShardManifest, by_index: &BTreeMap<u32, &Partial>) -> Result<(), String> {
    let n = first.shard_count;
    let missing: Vec<String> = (0..n).filter(|i| !by_index.contains_key(i)).map(|i| format!("{i}/{n}")).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let given: Vec<String> = by_index.values().map(|p| format!("{} in {}", p.shard.name(), p.dir.display())).collect();
    Err(format!(
        "missing {} {} (the sweep has {n} shards; given: {}); run `{} --shard I/{n}` for each and merge its directory too",
        if missing.len() == 1 { "shard" } else { "shards" },
        missing.join(", "),
        given.join(", "),
        first.sweep.replay
    ))
}

/// Together the shards hold cells 0..cells_total, each once and in its own shard.
fn every_cell_once(partials: &[Partial]) -> Result<(), String> {
    let total = partials[0].shard.cells_total;
    let mut seen = vec![false; total];
    for p in partials {
        let n = p.shard.shard_count as usize;
        for cell in &p.shard.cells {
            let own = cell.index < total && cell.index % n == p.shard.shard_index as usize;
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

/// Copies a partial directory's cell files, byte for byte, into the staged output.
fn copy_cells(partial: &Partial, staging: &Path) -> Result<(), String> {
    for file in &partial.cell_files {
        let from = partial.dir.join(file);
        let bytes = std::fs::read(&from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        atomic::write_file(&staging.join(file), &bytes).map_err(|e| e.to_string())?;
    }
    Ok(())
}
