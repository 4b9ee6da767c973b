//! `hemisim merge PARTIAL_DIR... --out DIR`: joins the partial directories of a sharded sweep
//! (`merge_sweep`) or swarm (`merge_swarm`) into the outputs of the whole.
//!
//! The kind comes from each folder's `manifest.json` (`sweep-shard` or `swarm-shard`); every
//! folder must be of one kind. Every partial directory is read and checked before anything is
//! written: each must be a complete shard, all of one sweep or swarm (one id) and one N, each
//! shard once and none missing (the checks here, shared by both kinds), and together they must
//! hold every cell or world once (each kind's own check).

use super::Exit;
use super::args::MergeArgs;
use super::console::errln;
use super::merge_swarm;
use super::merge_sweep;
use hemisim_reports::atomic;
use hemisim_reports::output_dir::Manifest;
use hemisim_reports::shard::SHARD_COMMAND;
use hemisim_reports::swarm_shard::SWARM_SHARD_COMMAND;
use std::collections::BTreeMap;
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

/// What the shared checks need of a partial directory.
pub(super) struct Part<'a> {
    pub dir: &'a Path,
    pub index: u32,
    pub count: u32,
    /// The sweep's or swarm's id: equal for all shards of one.
    pub id: &'a str,
}

impl Part<'_> {
    fn name(&self) -> String {
        format!("shard {}/{}", self.index, self.count)
    }
}

/// `--out` must not be one of the partial directories.
pub(super) fn out_is_not_a_part(out: Option<&Path>, parts: &[Part]) -> Result<(), String> {
    if let Some(out) = out
        && let Some(p) = parts.iter().find(|p| same_folder(p.dir, out))
    {
        return Err(format!(
            "--out {}: is the partial directory {}; give another folder",
            out.display(),
            p.dir.display()
        ));
    }
    Ok(())
}

/// Whether `a` and `b` name the same existing folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// The parts (in the order given) are the N shards of one `kind` (`sweep`, `swarm`), each once:
/// one id (else `differs(i)` names what tells part `i` from the first), one N, no shard twice,
/// none missing (`replay`, the whole's command line, says how to run it).
pub(super) fn one_whole(
    kind: &str,
    parts: &[Part],
    differs: impl Fn(usize) -> &'static str,
    replay: &str,
) -> Result<(), String> {
    let first = &parts[0];
    for (i, other) in parts.iter().enumerate().skip(1) {
        if first.id != other.id {
            return Err(format!(
                "{} and {} are shards of different {kind}s ({} differs); merge the shards of one {kind}",
                first.dir.display(),
                other.dir.display(),
                differs(i)
            ));
        }
        if first.count != other.count {
            return Err(format!(
                "{} is {} but {} is {}: the {kind} was split in {} and in {} shards; merge the shards of one split",
                first.dir.display(),
                first.name(),
                other.dir.display(),
                other.name(),
                first.count,
                other.count
            ));
        }
    }
    let mut by_index: BTreeMap<u32, &Part> = BTreeMap::new();
    for part in parts {
        if let Some(earlier) = by_index.insert(part.index, part) {
            return Err(format!(
                "{} and {} are both {}; give each shard once",
                earlier.dir.display(),
                part.dir.display(),
                part.name()
            ));
        }
    }
    let n = first.count;
    let missing: Vec<String> = (0..n).filter(|i| !by_index.contains_key(i)).map(|i| format!("{i}/{n}")).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let given: Vec<String> = by_index.values().map(|p| format!("{} in {}", p.name(), p.dir.display())).collect();
    Err(format!(
        "missing {} {} (the {kind} has {n} shards; given: {}); run `{replay} --shard I/{n}` for each and merge its directory too",
        if missing.len() == 1 { "shard" } else { "shards" },
        missing.join(", "),
        given.join(", "),
    ))
}

/// Copies `files` (relative) of partial directory `dir`, byte for byte, into the staged output.
pub(super) fn copy_files(dir: &Path, files: &[String], staging: &Path) -> Result<(), String> {
    for file in files {
        let from = dir.join(file);
        let bytes = std::fs::read(&from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        atomic::write_file(&staging.join(file), &bytes).map_err(|e| e.to_string())?;
    }
    Ok(())
}
