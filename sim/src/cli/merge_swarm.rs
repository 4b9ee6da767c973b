//! `hemisim merge` of a sharded swarm's partial directories (`manifest.json` says `swarm-shard`,
//! `shard.json` reads as `hemisim_reports::swarm_shard::SwarmShard`): after the shared checks
//! (`merge_parts`: one swarm, every world of the seed range once), the failures' files are
//! copied into the staged output and the swarm ends as an unsharded one does
//! (`swarm_end::write_whole_swarm`): the same rows and failures in seed order, the same function.

use super::args::MergeArgs;
use super::console::{errln, outln};
use super::merge_parts::{Partial, ShardFile, read_all, read_manifest, stage_with_files};
use super::swarm::MAX_WORLDS;
use super::swarm_end::{failure_lines, rows_exit, write_whole_swarm};
use super::{Exit, count, out_flag};
use hemisim_reports::swarm::{SwarmFailure, SwarmRow};
use hemisim_reports::swarm_shard::{SwarmShard, merged_info};
use std::path::{Path, PathBuf};

impl ShardFile for SwarmShard {
    const KIND: &'static str = "swarm";
    const ITEM: &'static str = "world";

    fn index(&self) -> u32 {
        self.shard_index
    }

    fn count(&self) -> u32 {
        self.shard_count
    }

    fn id(&self) -> &str {
        &self.swarm_id
    }

    fn replay(&self) -> &str {
        &self.swarm.replay
    }

    fn total(&self) -> u64 {
        self.worlds_total
    }

    fn positions(&self) -> Vec<u64> {
        self.rows.iter().map(|row| row.seed.wrapping_sub(self.first_seed)).collect()
    }

    fn label(&self, position: u64) -> u64 {
        self.first_seed.wrapping_add(position)
    }

    fn what_differs(&self, other: &SwarmShard) -> &'static str {
        let (x, y) = (&self.swarm, &other.swarm);
        if self.version != other.version {
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
    let out_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("reports/out/swarm"));
    outln!(
        "hemisim merge: swarm {} of seeds {}, {} of {}",
        &first.swarm_id[..16],
        first.swarm.seeds,
        count(partials.len(), "shard", "shards"),
        count(first.worlds_total as usize, "world", "worlds")
    );
    let staging = match stage_with_files(&out_dir, &partials) {
        Ok(staging) => staging,
        Err(exit) => return exit,
    };
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

/// A partial directory whose manifest `merge` found to be a complete swarm shard's: its
/// `shard.json`, and every file its failures name.
fn read_partial(dir: &Path) -> Result<Partial<SwarmShard>, String> {
    let shard = SwarmShard::read(dir).map_err(|e| e.to_string())?;
    let manifest = read_manifest(dir)?;
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
    let files = manifest.files.into_iter().filter(|f| f.starts_with("failures/")).collect();
    Ok(Partial { dir: dir.to_path_buf(), shard, files })
}
