//! `hemisim merge PARTIAL_DIR... --out DIR`: joins the partial directories of a sharded sweep
//! (`merge_sweep`) or swarm (`merge_swarm`) into the outputs of the whole.
//!
//! The kind comes from each folder's `manifest.json` (`sweep-shard` or `swarm-shard`); every
//! folder must be of one kind. Every partial directory is read and checked before anything is
//! written: each must be a complete shard, all of one sweep or swarm (one id) and one N, each
//! shard once and none missing, and together they must hold every cell or world once (the checks
//! of `merge_parts`, shared by both kinds).

use super::Exit;
use super::args::MergeArgs;
use super::console::errln;
use super::merge_swarm;
use super::merge_sweep;
use hemisim_reports::output_dir::Manifest;
use hemisim_reports::shard::SHARD_COMMAND;
use hemisim_reports::swarm_shard::SWARM_SHARD_COMMAND;
use std::path::Path;

/// What a partial directory is a part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sweep,
    Swarm,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Sweep => "sweep",
            Kind::Swarm => "swarm",
        }
    }
}

pub fn run(args: MergeArgs) -> Exit {
    match kind_of_all(&args) {
        Ok(Kind::Sweep) => merge_sweep::run(&args),
        Ok(Kind::Swarm) => merge_swarm::run(&args),
        Err(e) => {
            errln!("error: {e}");
            Exit::BadInput
        }
    }
}

/// The kind of every folder, which must be one.
fn kind_of_all(args: &MergeArgs) -> Result<Kind, String> {
    let mut first: Option<(&Path, Kind)> = None;
    for dir in &args.partials {
        let kind = kind_of(dir)?;
        match first {
            None => first = Some((dir, kind)),
            Some((first_dir, first_kind)) if first_kind != kind => {
                return Err(format!(
                    "{} is a partial directory of a {} but {} of a {}; merge the shards of one {} (or of one {})",
                    first_dir.display(),
                    first_kind.name(),
                    dir.display(),
                    kind.name(),
                    first_kind.name(),
                    kind.name()
                ));
            }
            Some(_) => {}
        }
    }
    Ok(first.map_or(Kind::Sweep, |(_, kind)| kind))
}

/// A folder's kind, as far as its manifest tells; a folder without one is taken for a sweep's
/// (whose reader then names what is missing).
fn kind_of(dir: &Path) -> Result<Kind, String> {
    if !dir.is_dir() {
        return Err(format!(
            "{}: no such directory (expected a partial directory of `hemisim sweep --shard I/N` or `hemisim swarm --shard I/N`)",
            dir.display()
        ));
    }
    let Some(manifest) = Manifest::read(dir) else {
        return Ok(Kind::Sweep);
    };
    let kind = match manifest.command.as_str() {
        SHARD_COMMAND => Kind::Sweep,
        SWARM_SHARD_COMMAND => Kind::Swarm,
        other => {
            let writer = if other == "swarm" { "swarm" } else { "sweep" };
            return Err(format!(
                "{}: the output of a hemisim {other}, not a partial directory (`hemisim {writer} --shard I/N` writes one)",
                dir.display()
            ));
        }
    };
    if !manifest.complete {
        return Err(format!(
            "{}: an incomplete shard (a run did not complete or a file could not be written; its manifest.json says \"complete\": false); run that shard again",
            dir.display()
        ));
    }
    Ok(kind)
}
