//! `hemisim swarm --shard I/N`: the identity of the whole swarm a shard belongs to, and the partial
//! directory it writes (`hemisim_reports::swarm_shard`), which `hemisim merge` joins.

use super::console::outln;
use super::shard::Shard;
use super::swarm_end::summarize;
use super::{Exit, count, output};
use crate::swarm::generate::generate;
use bitcoin::hashes::{Hash, HashEngine, sha256};
use hemisim_reports::ReportError;
use hemisim_reports::output_dir::{Staging, TOOL};
use hemisim_reports::swarm::{SwarmFailure, SwarmInfo, SwarmRow};
use hemisim_reports::swarm_shard::{SWARM_SHARD_FORMAT, SwarmShard};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A shard of a swarm: which one, and of which swarm.
#[derive(Debug, Clone)]
pub(super) struct SwarmShardRun {
    pub shard: Shard,
    pub swarm_id: String,
    pub seeds: Range<u64>,
}

impl SwarmShardRun {
    /// `shard` of the swarm over `seeds` whose header is `whole` (its measured fields aside).
    pub fn new(shard: Shard, seeds: Range<u64>, whole: &SwarmInfo) -> SwarmShardRun {
        SwarmShardRun { shard, swarm_id: swarm_id(&seeds, whole), seeds }
    }

    /// Whether world `seed` is this shard's: its position in the range ≡ I (mod N).
    pub fn holds(&self, seed: u64) -> bool {
        self.seeds.contains(&seed) && self.shard.holds((seed - self.seeds.start) as usize)
    }
}

/// SHA-256 over the hemisim version, the swarm's deterministic header (seed range, replay line,
/// which carries `--shrink`, the coverage events and those not modelled) and the scenario hash of
/// the range's first world, each length-prefixed. The first world stands for the generator: a
/// build that draws other worlds (even under the same version number) gives another id, so
/// `merge` refuses to join its shards with this build's.
pub(super) fn swarm_id(seeds: &Range<u64>, whole: &SwarmInfo) -> String {
    let mut engine = sha256::Hash::engine();
    let mut text = |bytes: &[u8]| {
        engine.input(&(bytes.len() as u64).to_be_bytes());
        engine.input(bytes);
    };
    text(b"hemisim/swarm-id/v1");
    text(env!("CARGO_PKG_VERSION").as_bytes());
    text(&seeds.start.to_be_bytes());
    text(&seeds.end.to_be_bytes());
    text(whole.seeds.as_bytes());
    text(whole.replay.as_bytes());
    for event in whole.events.iter().chain(&whole.not_modelled) {
        text(event.as_bytes());
    }
    let probe = generate(seeds.start).map_or_else(|e| format!("invalid: {e}"), |w| w.scenario.hash_hex());
    text(probe.as_bytes());
    sha256::Hash::from_engine(engine).to_string()
}

/// A shard's default folder: `reports/out/swarm-shard-<I>-of-<N>`.
pub(super) fn default_out(shard: Shard) -> PathBuf {
    PathBuf::from("reports/out").join(format!("swarm-shard-{}-of-{}", shard.index(), shard.count()))
}

/// What a shard ran, for its partial directory.
pub(super) struct ShardResult {
    pub info: SwarmInfo,
    pub rows: Vec<SwarmRow>,
    pub failures: Vec<SwarmFailure>,
    /// Whether the failures' files were staged.
    pub staged: Result<(), ReportError>,
}

/// Writes the partial directory: `shard.json` (when the failures' files were written) and the
/// manifest, then swaps it in and prints the shard's summary.
pub(super) fn write_partial(
    staging: Staging,
    run: &SwarmShardRun,
    result: ShardResult,
    out_dir: &Path,
) -> Result<(), Exit> {
    let failures = result.failures.len();
    let shard = SwarmShard {
        tool: TOOL.to_owned(),
        format: SWARM_SHARD_FORMAT,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        swarm_id: run.swarm_id.clone(),
        shard_index: run.shard.index(),
        shard_count: run.shard.count(),
        first_seed: run.seeds.start,
        worlds_total: run.seeds.end - run.seeds.start,
        swarm: result.info,
        rows: result.rows,
        failures: result.failures,
    };
    let written = result.staged.and_then(|()| shard.write(staging.path()));
    if let Err(e) = &written {
        output::report_error(e);
    }
    let files = output::finish(staging, shard.manifest(written.is_ok()))?;
    if written.is_err() {
        return Err(Exit::Incomplete);
    }
    summarize(&shard.swarm, &shard.rows, failures);
    outln!(
        "wrote {} ({} of {}) to {}: {} of swarm {}",
        count(files, "file", "files"),
        count(shard.rows.len(), "world", "worlds"),
        shard.worlds_total,
        out_dir.display(),
        shard.name(),
        &run.swarm_id[..16]
    );
    outln!("merge: hemisim merge <the {} shard folders> --out <DIR>", run.shard.count());
    Ok(())
}
