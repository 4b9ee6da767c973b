//! `report.html`: one self-contained page per output folder that puts a run (or a sweep)
//! together for a reader: its identity and replay line, each area's headline, the validation
//! table, every figure inline (the SVGs the run drew) with a caption saying what to look for,
//! links to the CSVs, and the resolved scenario. A sweep's page has the grid as a table, each
//! cell linking to its own page (`cells/<dir>/report.html`).
//!
//! A page is a pure function of the files in the folder ([`write_report`]), so `hemisim run`,
//! `hemisim sweep` and `hemisim report DIR` write the same bytes for the same folder, and two
//! runs of one seed the same page (no time, no absolute path, no wall-clock figure in it). It
//! fetches nothing: no script, no external style, font or image; links are relative.

mod figures;
pub mod html;
pub mod read;
mod run_page;
mod sweep_page;
pub mod tables;

use std::path::{Path, PathBuf};

use crate::{ReportError, atomic};

pub use read::{SCENARIO_FILE, scenario_file_text};

/// The page's file name, in every output folder (and every sweep cell's folder).
pub const REPORT_FILE: &str = "report.html";

/// Why a page could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The folder holds neither `summary.json` (a run) nor `sweep.json` (a sweep).
    #[error(
        "{}: neither a run nor a sweep output folder (no summary.json or sweep.json in it); give the --out folder of a `hemisim run` or `hemisim sweep`",
        .path.display()
    )]
    NotAnOutput { path: PathBuf },
    #[error("{}: cannot read: {message}", .path.display())]
    Read { path: PathBuf, message: String },
    #[error("{}: not the JSON hemisim writes: {message}", .path.display())]
    Parse { path: PathBuf, message: String },
    #[error(transparent)]
    Write(#[from] ReportError),
}

impl PageError {
    pub(crate) fn read(path: &Path, e: &std::io::Error) -> PageError {
        PageError::Read { path: path.to_path_buf(), message: e.to_string() }
    }

    /// Whether the folder given is at fault (exit code 2) rather than the system (exit code 4).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, PageError::Write(_))
    }
}

/// Writes `dir/report.html` for the run or sweep whose outputs `dir` holds (a sweep: also each
/// cell's page), atomically; returns the paths written, sorted.
pub fn write_report(dir: &Path) -> Result<Vec<PathBuf>, PageError> {
    let mut written = Vec::new();
    if dir.join("sweep.json").is_file() {
        let (html, cells) = sweep_page::sweep_page(dir)?;
        written.push(write_page(dir, &html)?);
        for cell in cells {
            let cell_dir = dir.join(&cell);
            written.push(write_page(&cell_dir, &run_page::run_page(&cell_dir, run_page::Place::SweepCell)?)?);
        }
    } else if dir.join("summary.json").is_file() {
        written.push(write_page(dir, &run_page::run_page(dir, run_page::Place::Run)?)?);
    } else {
        return Err(PageError::NotAnOutput { path: dir.to_path_buf() });
    }
    written.sort();
    Ok(written)
}

impl From<PageError> for ReportError {
    /// For the commands that write a page into outputs they have just written: a write error
    /// stays itself, anything else is reported as the page's failure.
    fn from(e: PageError) -> ReportError {
        match e {
            PageError::Write(e) => e,
            other => ReportError::Page { message: other.to_string() },
        }
    }
}

fn write_page(dir: &Path, html: &str) -> Result<PathBuf, ReportError> {
    let path = dir.join(REPORT_FILE);
    atomic::write_file(&path, html.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
