//! The one error type of the crate: what failed, and on which file.

use std::path::PathBuf;

/// Why a report could not be written. Messages name the file or the record that failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no run records to report")]
    NoRecords,
    #[error("replications disagree on {field}: {first:?} (seed {first_seed}) vs {other:?} (seed {other_seed})")]
    Inconsistent { field: &'static str, first: String, first_seed: u64, other: String, other_seed: u64 },
    #[error("two replications have the same seed {seed}: their files would overwrite each other")]
    DuplicateSeed { seed: u64 },
    #[error("cannot create directory {}: {source}", .path.display())]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", .path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot write CSV {}: {source}", .path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot draw plot {}: {message}", .path.display())]
    Plot { path: PathBuf, message: String },
    /// A report page could not be made from the folder's files (they are hemisim's own, so this
    /// is not expected).
    #[error("cannot write report.html: {message}")]
    Page { message: String },
    #[error("did not write {}: the program is stopping (interrupted)", .path.display())]
    Stopped { path: PathBuf },
}
