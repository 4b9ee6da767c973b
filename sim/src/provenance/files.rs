//! The provenance files, written atomically (a run killed half-way never leaves a truncated
//! bundle) and read back for verification:
//!
//! ```text
//! <out>/provenance/bitcoin_headers.txt     main chain's 80-byte headers, hex, line i = height i
//! <out>/provenance/deposits/<txid>.json    one bundle per minted deposit (see `bundle`)
//! ```

use super::Provenance;
use super::bundle::{DepositBundle, RunRef};
use super::verify::BadInput;
use bitcoin::Txid;
use bitcoin::block::Header;
use bitcoin::consensus::encode::serialize;
use bitcoin::hex::DisplayHex;
use hemisim_reports::ReportError;
use hemisim_reports::atomic::{create_dir, write_file};
use std::path::{Path, PathBuf};

pub const DIR: &str = "provenance";
pub const HEADERS_FILE: &str = "bitcoin_headers.txt";
pub const DEPOSITS_DIR: &str = "deposits";

/// Writes the headers file and every bundle, stamped with the `run` that made it, under
/// `<out_dir>/provenance/`; returns the paths written, sorted.
pub fn write(out_dir: &Path, provenance: &Provenance, run: &RunRef) -> Result<Vec<PathBuf>, ReportError> {
    let dir = out_dir.join(DIR);
    create_dir(&dir.join(DEPOSITS_DIR))?;
    let headers_path = dir.join(HEADERS_FILE);
    write_file(&headers_path, headers_text(&provenance.headers).as_bytes())?;
    let mut written = vec![headers_path];
    for (txid, bundle) in &provenance.deposits {
        let path = bundle_path(out_dir, txid);
        let bundle = DepositBundle { run: Some(run.clone()), ..bundle.clone() };
        let mut json = serde_json::to_string_pretty(&bundle).expect("a bundle is strings, numbers and lists");
        json.push('\n');
        write_file(&path, json.as_bytes())?;
        written.push(path);
    }
    written.sort();
    Ok(written)
}

/// The headers file's content: each header's 80 bytes in hex, one per line, line i = height i.
pub fn headers_text(headers: &[Header]) -> String {
    let mut text = String::with_capacity(161 * headers.len());
    for header in headers {
        text.push_str(&serialize(header).to_lower_hex_string());
        text.push('\n');
    }
    text
}

pub fn bundle_path(out_dir: &Path, txid: &Txid) -> PathBuf {
    out_dir.join(DIR).join(DEPOSITS_DIR).join(format!("{txid}.json"))
}

/// Reads the headers file and the bundle of `txid`, as text. Every failure is bad input that
/// says which file and what to do about it.
pub fn load(out_dir: &Path, txid: &Txid) -> Result<(String, String), BadInput> {
    if !out_dir.is_dir() {
        return Err(BadInput(format!(
            "{}: no such output directory (give the --out directory of a `hemisim run`)",
            out_dir.display()
        )));
    }
    let dir = out_dir.join(DIR);
    if !dir.is_dir() {
        return Err(BadInput(format!(
            "{}: missing; a run writes provenance/ when its scenario has a [tunnel] (and, with --runs, per replication)",
            dir.display()
        )));
    }
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))
    };
    let headers = read(&dir.join(HEADERS_FILE))?;
    let path = bundle_path(out_dir, txid);
    if !path.exists() {
        return Err(BadInput(format!(
            "deposit {txid} was not minted in this run (no {}); the txids of minted deposits are the `mint` rows of tunnel.csv",
            path.display()
        )));
    }
    Ok((headers, read(&path)?))
}
