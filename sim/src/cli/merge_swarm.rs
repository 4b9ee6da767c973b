//! `hemisim merge` of a sharded swarm's partial directories (`manifest.json` says `swarm-shard`,
//! `shard.json` reads as `hemisim_reports::swarm_shard::SwarmShard`): after the shared checks
//! (`merge`), together they must hold every world of the seed range once. Then the failures'
//! files are copied into the staged output and the swarm ends as an unsharded one does
//! (`swarm_end::write_whole_swarm`): the same rows and failures in seed order, the same function.

use super::args::MergeArgs;
use super::console::{errln, outln};
use super::merge::{Part, copy_files, one_whole, out_is_not_a_part};
use super::swarm::MAX_WORLDS;
use super::swarm_end::{failure_lines, rows_exit, write_whole_swarm};
use super::{Exit, count, out_flag, output};
use hemisim_reports::output_dir::Manifest;
use hemisim_reports::swarm::{SwarmFailure, SwarmRow};
use hemisim_reports::swarm_shard::{SwarmShard, merged_info};
use std::path::{Path, PathBuf};

/// One partial directory, read and checked on its own.
#[derive(Debug)]
struct Partial {
    dir: PathBuf,
    shard: SwarmShard,
    /// Its files under `failures/`, relative, as its manifest lists them.
    failure_files: Vec<String>,
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
    let out_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("reports/out/swarm"));
    outln!(
        "hemisim merge: swarm {} of seeds {}, {} of {}",
        &first.swarm_id[..16],
        first.swarm.seeds,
        count(partials.len(), "shard", "shards"),
        count(first.worlds_total as usize, "world", "worlds")
    );
    let staging = match output::begin(&out_dir) {
        Ok(staging) => staging,
        Err(exit) => return exit,
    };
    for partial in &partials {
        if let Err(e) = copy_files(&partial.dir, &partial.failure_files, staging.path()) {
            output::report_error(&e);
            return Exit::Incomplete;
        }
    }
    let mut rows: Vec<SwarmRow> = partials.iter().flat_map(|p| p.shard.rows.iter().cloned()).collect();
    rows.sort_by_key(|r| r.seed);
    let mut failures: Vec<SwarmFailure> = partials.iter().flat_map(|p| p.shard.failures.iter().cloned()).collect();
    failures.sort_by_key(|f| f.seed);
    for line in failures.iter().flat_map(|f| failure_lines(f, &out_dir)) {
        errln!("{line}");
    }
    let shards: Vec<SwarmShard> = partials.iter().map(|p| p.shard.clone()).collect();
    let info = merged_info(&shards).expect("at least one partial directory (clap requires one)");
    if let Err(exit) = write_whole_swarm(staging, &info, first.first_seed, &rows, &failures, Ok(()), &out_dir) {
        return exit;
    }
    outln!("replay: {}{}", info.replay, out_flag(args.out.as_deref()));
    rows_exit(&rows)
}

/// Reads every partial directory and checks that together they are one whole swarm, sorted by
/// shard index.
fn read_all(args: &MergeArgs) -> Result<Vec<Partial>, String> {
    let mut partials = args.partials.iter().map(|dir| read_partial(dir)).collect::<Result<Vec<_>, _>>()?;
    let parts: Vec<Part> = partials
        .iter()
        .map(|p| Part { dir: &p.dir, index: p.shard.shard_index, count: p.shard.shard_count, id: &p.shard.swarm_id })
        .collect();
    out_is_not_a_part(args.out.as_deref(), &parts)?;
    let differs = |i: usize| what_differs(&partials[0].shard, &partials[i].shard);
    one_whole("swarm", &parts, differs, &partials[0].shard.swarm.replay)?;
    partials.sort_by_key(|p| p.shard.shard_index);
    every_world_once(&partials)?;
    Ok(partials)
}

/// A partial directory whose manifest `merge` found to be a complete swarm shard's: its
/// `shard.json`, and every file its failures name.
fn read_partial(dir: &Path) -> Result<Partial, String> {
    let shard = SwarmShard::read(dir).map_err(|e| e.to_string())?;
    let Some(manifest) = Manifest::read(dir) else {
        return Err(format!("{}: has shard.json but no hemisim manifest.json; run that shard again", dir.display()));
    };
    if shard.worlds_total == 0 || shard.worlds_total > MAX_WORLDS {
        return Err(format!(
            "{}: shard.json says the swarm has {} worlds, not 1 to {MAX_WORLDS}; run that shard again",
            dir.display(),
            shard.worlds_total
        ));
    }
    for failure in &shard.failures {
        if !shard.rows.iter().any(|r| r.seed == failure.seed && r.verdict == failure.verdict) {
            return Err(format!(
                "{}: shard.json lists a failure of world {} that its rows do not have; run {} again",
                dir.display(),
                failure.seed,
                shard.name()
            ));
        }
        // A world the generator could not draw has no scenario file.
        let scenario = (failure.verdict != "generator-bug").then_some(&failure.scenario_file);
        for file in scenario.into_iter().chain(&failure.shrunk_file) {
            if !manifest.files.contains(file) || !dir.join(file).is_file() {
                return Err(format!("{}: {file} is missing; run {} again", dir.display(), shard.name()));
            }
        }
    }
    let failure_files = manifest.files.into_iter().filter(|f| f.starts_with("failures/")).collect();
    Ok(Partial { dir: dir.to_path_buf(), shard, failure_files })
}

/// The first thing that tells two swarms apart, for the message.
fn what_differs(a: &SwarmShard, b: &SwarmShard) -> &'static str {
    let (x, y) = (&a.swarm, &b.swarm);
    if a.version != b.version {
        "the hemisim version"
    } else if x.seeds != y.seeds {
        "the seed range"
    } else if x.replay != y.replay {
        "--shrink"
    } else if x.events != y.events || x.not_modelled != y.not_modelled {
        "the coverage events"
    } else {
        "the generated worlds (another build of hemisim)"
    }
}

/// Together the shards hold the worlds of the seed range, each once and in its own shard.
fn every_world_once(partials: &[Partial]) -> Result<(), String> {
    let (first_seed, total) = (partials[0].shard.first_seed, partials[0].shard.worlds_total);
    let mut seen = vec![false; total as usize];
    for p in partials {
        for row in &p.shard.rows {
            if !p.shard.holds(row.seed) || std::mem::replace(&mut seen[(row.seed - first_seed) as usize], true) {
                return Err(format!(
                    "{}: shard.json lists world {}, which is not {}'s; run that shard again",
                    p.dir.display(),
                    row.seed,
                    p.shard.name()
                ));
            }
        }
    }
    match seen.iter().position(|s| !s) {
        Some(position) => Err(format!(
            "world {} is in none of the shards ({} should hold it); run that shard again",
            first_seed + position as u64,
            partials[position % partials.len()].dir.display()
        )),
        None => Ok(()),
    }
}
