//! What `hemisim merge` does alike for the partial directories of a sweep and of a swarm: read
//! them, check that they are the N shards of one whole that hold each of its items (cells or
//! worlds) once, and copy each shard's own files into the staged output. Each kind says what its
//! `shard.json` holds through [`ShardFile`] and what else its partial must have (`merge_sweep`,
//! `merge_swarm`).

use super::args::MergeArgs;
use super::{Exit, output};
use hemisim_reports::atomic;
use hemisim_reports::output_dir::{Manifest, Staging};
use hemisim_reports::shard::shard_holds;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `merge` reads of a partial directory's `shard.json`, whatever the whole is.
pub(super) trait ShardFile {
    /// The whole: "sweep" or "swarm".
    const KIND: &'static str;
    /// Its items: "cell" or "world".
    const ITEM: &'static str;
    /// I of `--shard I/N`.
    fn index(&self) -> u32;
    /// N of `--shard I/N`.
    fn count(&self) -> u32;
    /// The whole's id: equal for all shards of one.
    fn id(&self) -> &str;
    /// The whole's command line, to say how to run a missing shard.
    fn replay(&self) -> &str;
    /// Items in the whole (every shard's together).
    fn total(&self) -> u64;
    /// This shard's items as positions in the whole (an item before the whole's first wraps to a
    /// huge position, which no shard holds).
    fn positions(&self) -> Vec<u64>;
    /// How messages name the item at `position`: a cell's index, a world's seed.
    fn label(&self, position: u64) -> u64;
    /// The first thing that tells two wholes apart, for the message.
    fn what_differs(&self, other: &Self) -> &'static str;
}

/// One partial directory, read and checked on its own.
#[derive(Debug)]
pub(super) struct Partial<S> {
    pub dir: PathBuf,
    pub shard: S,
    /// Its own files (`cells/...`, `failures/...`), relative, as its manifest lists them.
    pub files: Vec<String>,
}

/// Reads every partial directory with `read_partial` and checks that together they are one
/// whole that holds each item once; sorted by shard index.
pub(super) fn read_all<S: ShardFile>(
    args: &MergeArgs,
    read_partial: impl Fn(&Path) -> Result<Partial<S>, String>,
) -> Result<Vec<Partial<S>>, String> {
    let mut partials = args.partials.iter().map(|dir| read_partial(dir)).collect::<Result<Vec<_>, _>>()?;
    let parts: Vec<Part> = partials
        .iter()
        .map(|p| Part { dir: &p.dir, index: p.shard.index(), count: p.shard.count(), id: p.shard.id() })
        .collect();
    out_is_not_a_part(args.out.as_deref(), &parts)?;
    let differs = |i: usize| partials[0].shard.what_differs(&partials[i].shard);
    one_whole(S::KIND, &parts, differs, partials[0].shard.replay())?;
    partials.sort_by_key(|p| p.shard.index());
    every_item_once(&partials)?;
    Ok(partials)
}

/// A partial directory's `manifest.json`, which a complete shard always has.
pub(super) fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    Manifest::read(dir)
        .ok_or_else(|| format!("{}: has shard.json but no hemisim manifest.json; run that shard again", dir.display()))
}

/// Stages `out_dir` (atomically, as every output) and copies each partial's own files into it.
pub(super) fn stage_with_files<S>(out_dir: &Path, partials: &[Partial<S>]) -> Result<Staging, Exit> {
    let staging = output::begin(out_dir)?;
    for partial in partials {
        if let Err(e) = copy_files(&partial.dir, &partial.files, staging.path()) {
            output::report_error(&e);
            return Err(Exit::Incomplete);
        }
    }
    Ok(staging)
}

/// What the shared checks need of a partial directory.
struct Part<'a> {
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
fn out_is_not_a_part(out: Option<&Path>, parts: &[Part]) -> Result<(), String> {
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
fn one_whole(kind: &str, parts: &[Part], differs: impl Fn(usize) -> &'static str, replay: &str) -> Result<(), String> {
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
fn copy_files(dir: &Path, files: &[String], staging: &Path) -> Result<(), String> {
    for file in files {
        let from = dir.join(file);
        let bytes = std::fs::read(&from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        atomic::write_file(&staging.join(file), &bytes).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Together the shards (all present, sorted by index) hold the whole's items, each once and in
/// its own shard.
fn every_item_once<S: ShardFile>(partials: &[Partial<S>]) -> Result<(), String> {
    let total = partials[0].shard.total();
    let mut seen = vec![false; total as usize];
    for p in partials {
        let (index, count) = (p.shard.index(), p.shard.count());
        for position in p.shard.positions() {
            let own = position < total && shard_holds(position, index, count);
            if !own || std::mem::replace(&mut seen[position as usize], true) {
                return Err(format!(
                    "{}: shard.json lists {} {}, which is not shard {index}/{count}'s; run that shard again",
                    p.dir.display(),
                    S::ITEM,
                    p.shard.label(position)
                ));
            }
        }
    }
    match seen.iter().position(|s| !s) {
        Some(position) => Err(format!(
            "{} {} is in none of the shards ({} should hold it); run that shard again",
            S::ITEM,
            partials[0].shard.label(position as u64),
            partials[position % partials.len()].dir.display()
        )),
        None => Ok(()),
    }
}
