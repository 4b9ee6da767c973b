//! Crash-safe file writing: a file is either absent, its previous version, or complete.
//!
//! Every output is written to a hidden temporary file in the same directory, flushed and synced,
//! then renamed over the final name (a rename within one file system is atomic on POSIX), so a run
//! killed half-way never leaves a truncated `summary.json` that a script would then misread.
//!
//! A process that is interrupted calls [`stop_writing`] before it removes its staged outputs
//! ([`crate::output_dir`]): every write holds the gate for its whole duration, so once
//! `stop_writing` returns no write is half-done and none can start (a writer thread would
//! otherwise recreate the folder being removed).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use crate::ReportError;

/// `true` until [`stop_writing`]. Writers hold a read guard while they write.
static WRITES_OPEN: RwLock<bool> = RwLock::new(true);

/// Runs `write` unless writing has stopped (then: [`ReportError::Stopped`] naming `path`).
///
/// Never nest these: a read guard taken while another is held can wait forever behind a
/// pending [`stop_writing`].
pub(crate) fn while_open<T>(path: &Path, write: impl FnOnce() -> Result<T, ReportError>) -> Result<T, ReportError> {
    let open = WRITES_OPEN.read().unwrap_or_else(PoisonError::into_inner);
    if !*open {
        return Err(ReportError::Stopped { path: path.to_path_buf() });
    }
    write()
}

/// Waits for the writes in progress to finish, then makes every later write fail. For a process
/// that is about to exit on a signal.
pub fn stop_writing() {
    *WRITES_OPEN.write().unwrap_or_else(PoisonError::into_inner) = false;
}

/// The temporary name for `path`: `dir/.stem.tmp.ext` (`dir/.name.tmp` without extension).
///
/// The extension is kept last because the PNG encoder picks the image format from it.
pub fn temp_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!(".{stem}.tmp.{}", ext.to_string_lossy()),
        None => format!(".{stem}.tmp"),
    };
    path.with_file_name(name)
}

/// Creates `dir` and its parents if needed.
pub fn create_dir(dir: &Path) -> Result<(), ReportError> {
    while_open(dir, || create_dir_now(dir))
}

fn create_dir_now(dir: &Path) -> Result<(), ReportError> {
    fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir { path: dir.to_path_buf(), source })
}

/// Writes `bytes` to `path` atomically, creating the parent directory if needed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_with(path, |tmp| {
        let write = || -> std::io::Result<()> {
            let mut file = File::create(tmp)?;
            file.write_all(bytes)?;
            file.flush()
        };
        write().map_err(|source| ReportError::Write { path: path.to_path_buf(), source })
    })
}

/// Lets `render` write the temporary file (for backends that insist on a path), then syncs it
/// and renames it over `path`. On any failure the temporary file is removed and `path` is left
/// as it was.
pub fn write_with(path: &Path, render: impl FnOnce(&Path) -> Result<(), ReportError>) -> Result<(), ReportError> {
    while_open(path, || write_now(path, render))
}

fn write_now(path: &Path, render: impl FnOnce(&Path) -> Result<(), ReportError>) -> Result<(), ReportError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir_now(dir)?;
    }
    let tmp = temp_path(path);
    let result = render(&tmp).and_then(|()| {
        File::open(&tmp)
            .and_then(|file| file.sync_all())
            .and_then(|()| fs::rename(&tmp, path))
            .map_err(|source| ReportError::Write { path: path.to_path_buf(), source })
    });
    if result.is_err() {
        // Best effort: the temporary file may not exist if `render` failed early.
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(path);
    Ok(())
}

/// Makes the rename itself durable on POSIX; best effort, since some platforms cannot open a
/// directory and the file's content is already synced.
pub(crate) fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(handle) = File::open(dir)
    {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::scratch_dir;

    #[test]
    fn temp_name_keeps_the_extension_last() {
        assert_eq!(temp_path(Path::new("out/a.png")), Path::new("out/.a.tmp.png"));
        assert_eq!(temp_path(Path::new("out/README")), Path::new("out/.README.tmp"));
    }

    #[test]
    fn writes_replace_files_and_leave_no_temporary() {
        let dir = scratch_dir("atomic-write");
        let path = dir.join("nested/deeper/file.txt");
        write_file(&path, b"first").expect("writable temp dir");
        write_file(&path, b"second").expect("writable temp dir");
        assert_eq!(fs::read(&path).expect("just written"), b"second");
        let names: Vec<_> = fs::read_dir(path.parent().expect("has a parent"))
            .expect("exists")
            .map(|e| e.expect("readable entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("file.txt")]);
    }

    #[test]
    fn a_failed_render_keeps_the_old_file_and_removes_the_temporary() {
        let dir = scratch_dir("atomic-fail");
        let path = dir.join("plot.png");
        write_file(&path, b"old").expect("writable temp dir");
        let err = write_with(&path, |tmp| {
            fs::write(tmp, b"half").expect("writable temp dir");
            Err(ReportError::Plot { path: path.clone(), message: "renderer crashed".into() })
        })
        .expect_err("render failed");
        assert!(err.to_string().contains("plot.png"), "{err}");
        assert_eq!(fs::read(&path).expect("still there"), b"old");
        assert!(!temp_path(&path).exists());
    }
}
