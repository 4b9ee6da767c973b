//! A partial swarm directory: what `hemisim swarm --shard I/N` writes and `hemisim merge` joins.
//!
//! Shard I of N runs the worlds whose position in the seed range (seed − first seed) ≡ I (mod N),
//! the rule a sweep's shards use for cells. It writes each failing world's `failures/` files
//! exactly as the whole swarm would, a `manifest.json` whose command is [`SWARM_SHARD_COMMAND`],
//! and [`SHARD_FILE`](crate::shard::SHARD_FILE) ([`SwarmShard`]): which swarm (`swarm_id`), which shard, and the shard's
//! rows and failures. It has no `swarm.csv` or `swarm.json`: `merge` writes them from every
//! shard's rows with [`crate::swarm::write_swarm`], the function a whole swarm ends with.
//!
//! The merged folder is the unsharded swarm's byte for byte except the measured fields, which
//! differ between any two runs of the same swarm: `swarm.csv`'s `wall_s` (each world's, as its
//! shard measured it) and `swarm.json`'s `wall_time_s`, `worlds_per_minute` and `jobs`
//! ([`merged_info`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::ReportError;
use crate::output_dir::Manifest;
use crate::shard::{ShardReadError, read_shard_file, shard_holds, write_shard_file};
use crate::swarm::{SwarmFailure, SwarmInfo, SwarmRow, manifest};

/// Bumped when [`SwarmShard`]'s layout changes.
pub const SWARM_SHARD_FORMAT: u32 = 1;
/// `manifest.json`'s `command` in a partial swarm directory.
pub const SWARM_SHARD_COMMAND: &str = "swarm-shard";

/// `shard.json` of a partial swarm directory: one shard of a swarm, its rows and failures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwarmShard {
    /// Always `hemisim`.
    pub tool: String,
    pub format: u32,
    /// The hemisim version that ran the shard (part of `swarm_id` too).
    pub version: String,
    /// Equal for every shard of one swarm, different for any other: see `hemisim merge`.
    pub swarm_id: String,
    /// I of `--shard I/N`.
    pub shard_index: u32,
    /// N of `--shard I/N`.
    pub shard_count: u32,
    /// The first seed of the whole range.
    pub first_seed: u64,
    /// Worlds in the whole range (every shard's together).
    pub worlds_total: u64,
    /// The whole swarm's header, with this shard's `jobs` and `wall_time_s`.
    pub swarm: SwarmInfo,
    /// This shard's worlds, in seed order.
    pub rows: Vec<SwarmRow>,
    /// This shard's failing worlds, in seed order, as `swarm.json` lists them.
    pub failures: Vec<SwarmFailure>,
}

impl SwarmShard {
    /// The shard line of messages: `shard 1/3`.
    pub fn name(&self) -> String {
        format!("shard {}/{}", self.shard_index, self.shard_count)
    }

    /// Whether world `seed` is this shard's.
    pub fn holds(&self, seed: u64) -> bool {
        let position = seed.wrapping_sub(self.first_seed);
        position < self.worlds_total && shard_holds(position, self.shard_index, self.shard_count)
    }

    /// The partial directory's `manifest.json` (files filled in when it is committed): the whole
    /// swarm's, over this shard's rows, with the command [`SWARM_SHARD_COMMAND`].
    pub fn manifest(&self, complete: bool) -> Manifest {
        Manifest { command: SWARM_SHARD_COMMAND.to_owned(), ..manifest(self.first_seed, &self.rows, complete) }
    }

    /// Writes [`SHARD_FILE`](crate::shard::SHARD_FILE) into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), ReportError> {
        write_shard_file(dir, self)
    }

    /// Reads `dir`'s [`SHARD_FILE`](crate::shard::SHARD_FILE), checking that hemisim wrote it in this format.
    pub fn read(dir: &Path) -> Result<SwarmShard, ShardReadError> {
        read_shard_file(dir, "swarm", SWARM_SHARD_FORMAT, |m: &SwarmShard| {
            (m.tool.as_str(), m.format, m.shard_index, m.shard_count)
        })
    }
}

/// The merged swarm's header: the shards' (equal but for the measured fields), with `jobs` the
/// sum of the shards' threads and `wall_time_s` the longest shard's, the swarm's elapsed time when
/// the shards run at once, as a cluster runs them (so `worlds_per_minute` is the cluster's).
pub fn merged_info(shards: &[SwarmShard]) -> Option<SwarmInfo> {
    let first = shards.first()?;
    Some(SwarmInfo {
        jobs: shards.iter().map(|s| s.swarm.jobs).sum(),
        wall_time_s: shards.iter().map(|s| s.swarm.wall_time_s).fold(0.0, f64::max),
        ..first.swarm.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::scratch_dir;

    fn shard(index: u32, jobs: usize, wall_time_s: f64) -> SwarmShard {
        let row = |seed| SwarmRow {
            seed,
            scenario_hash: "ab".into(),
            trace_hash: "cd".into(),
            verdict: "safety".into(),
            wall_s: 0.1 + 0.2,
            covered: vec!["forced_block".into()],
            self_checked: false,
        };
        SwarmShard {
            tool: "hemisim".into(),
            format: SWARM_SHARD_FORMAT,
            version: "0.1.0".into(),
            swarm_id: "ef".repeat(32),
            shard_index: index,
            shard_count: 2,
            first_seed: 10,
            worlds_total: 5,
            swarm: SwarmInfo {
                seeds: "10..15".into(),
                jobs,
                wall_time_s,
                events: vec!["forced_block".into()],
                not_modelled: vec!["failover".into()],
                replay: "hemisim swarm --seeds 10..15".into(),
            },
            rows: vec![row(10 + u64::from(index))],
            failures: vec![SwarmFailure {
                seed: 10 + u64::from(index),
                verdict: "safety".into(),
                message: "m".into(),
                replay: "r".into(),
                scenario_file: "failures/seed-10.toml".into(),
                shrunk_file: None,
            }],
        }
    }

    #[test]
    fn a_swarm_shard_reads_back_and_holds_every_nth_world() {
        let dir = scratch_dir("swarm-shard-roundtrip");
        let written = shard(1, 2, 3.0);
        written.write(&dir).expect("writable");
        assert_eq!(SwarmShard::read(&dir).expect("readable"), written);
        let held: Vec<u64> = (8..17).filter(|&s| written.holds(s)).collect();
        assert_eq!(held, [11, 13], "positions 1 and 3 of seeds 10..15");
        assert_eq!(written.manifest(true).command, SWARM_SHARD_COMMAND);
        let mut wrong = written.clone();
        wrong.shard_index = 2;
        wrong.write(&dir).expect("writable");
        let error = SwarmShard::read(&dir).map(|_| ()).expect_err("refused").to_string();
        assert!(error.ends_with("shard.json is not a hemisim shard manifest of format 1: shard 2/2"), "{error}");
        let empty = scratch_dir("swarm-shard-none");
        let error = SwarmShard::read(&empty).map(|_| ()).expect_err("refused").to_string();
        assert!(
            error.ends_with("not a partial swarm directory (no shard.json; `hemisim swarm --shard I/N` writes one)")
        );
    }

    #[test]
    fn the_merged_header_sums_the_threads_and_takes_the_longest_shard() {
        let info = merged_info(&[shard(0, 2, 30.0), shard(1, 4, 45.5)]).expect("two shards");
        assert_eq!((info.jobs, info.wall_time_s, info.seeds.as_str()), (6, 45.5, "10..15"));
        assert_eq!(merged_info(&[]), None);
    }
}
