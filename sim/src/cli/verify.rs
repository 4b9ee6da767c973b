//! `hemisim verify <OUT_DIR> <DEPOSIT_TXID>`: re-check one minted deposit's chain of trust from
//! the run's provenance files and print it, one numbered line per link.
//!
//! Exit codes: 0 every link holds and the deposit's L2 block is superfinal; 1 a link is broken
//! (named); 2 bad input; 3 nothing is wrong but the chain is incomplete (no covering keystone on
//! Bitcoin yet, or not yet superfinal). 1 and 3 reuse the run's "safety" and "liveness" codes:
//! a broken link is a safety failure of the chain, an incomplete one a liveness shortfall. A
//! bundle that another run wrote (its stamp is not the run the folder's manifest names) is bad
//! input, 2, whatever its links.

use super::Exit;
use super::args::VerifyArgs;
use super::console::{errln, out, outln};
use crate::provenance::{self, Verdict};
use bitcoin::Txid;
use std::path::{Path, PathBuf};

pub fn run(args: VerifyArgs) -> Exit {
    let txid = match args.deposit_txid.trim().parse::<Txid>() {
        Ok(txid) => txid,
        Err(e) => {
            errln!(
                "error: {:?} is not a txid ({e}); give 64 hex digits, as the `mint` rows of tunnel.csv show them",
                args.deposit_txid
            );
            return Exit::BadInput;
        }
    };
    if let Some(problem) = misplaced(&args.out_dir) {
        errln!("error: {problem}");
        return Exit::BadInput;
    }
    let checked = provenance::load(&args.out_dir, &txid).and_then(|(headers, bundle)| {
        let run =
            provenance::origin::check(&args.out_dir, &provenance::files::bundle_path(&args.out_dir, &txid), &bundle)?;
        Ok((run, provenance::verify(&headers, &bundle, &txid)?))
    });
    let (run, report) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    outln!("hemisim verify: deposit {txid} in {}", args.out_dir.display());
    if let Some(run) = run {
        outln!(
            "run: seed {}, trace hash {} (the folder's manifest.json; the bundle is this run's)",
            run.seed,
            run.trace_hash
        );
    }
    out!("{report}");
    match report.verdict {
        Verdict::Verified => Exit::Ok,
        Verdict::Incomplete(_) => Exit::Liveness,
        Verdict::Broken { link, reason } => {
            errln!("error: {link}: {reason}");
            Exit::Safety
        }
    }
}

/// What to give instead, when `path` is not a run's output directory but near one: a file or
/// folder inside one (tunnel.csv, provenance/), or the output of `--runs`, whose replications
/// each have their own provenance/ under runs/seed-<seed>/.
fn misplaced(path: &Path) -> Option<String> {
    let holds_provenance = |dir: &Path| dir.join(provenance::files::DIR).is_dir();
    if path.is_dir() && holds_provenance(path) {
        return None;
    }
    let shown = path.display();
    let what = if path.is_file() { "a file" } else { "a folder" };
    if let Some(run) = path.ancestors().skip(1).find(|dir| path.exists() && holds_provenance(dir)) {
        return Some(format!(
            "{shown} is {what} inside the output directory of a run; give that directory: {}",
            run.display()
        ));
    }
    let runs = if path.join("runs").is_dir() { path.join("runs") } else { path.to_owned() };
    if let Some(first) = replication_dirs(&runs).first() {
        return Some(format!(
            "{shown} holds the replications of a --runs run, each with its own provenance/: give one of {}/seed-*/ (e.g. {})",
            runs.display(),
            first.display()
        ));
    }
    path.is_file().then(|| format!("{shown} is a file; give the output directory of a `hemisim run` (the folder holding provenance/ and tunnel.csv)"))
}

/// The `seed-*` folders of a `runs/` folder that hold provenance, by name.
fn replication_dirs(runs: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(runs) else { return Vec::new() };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("seed-"))
                && p.join(provenance::files::DIR).is_dir()
        })
        .collect();
    dirs.sort();
    dirs
}
