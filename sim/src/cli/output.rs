//! The output folder of `run` and `sweep` (`hemisim_reports::output_dir`): checked and staged
//! before anything is simulated, swapped in whole at the end, and removed if a signal stops the
//! command, so the folder in place is always one complete run's outputs.

use super::Exit;
use super::console::errln;
use hemisim_reports::output_dir::{Manifest, OutputDirError, Staging};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the signal handler before it stops writing and removes the staged outputs.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Checks that `out` can be used and stages its replacement. On failure, prints one line and
/// returns the exit code: 2 for a folder that is not ours to replace, 4 for a place that cannot
/// be written.
pub fn begin(out: &Path) -> Result<Staging, Exit> {
    remove_staged_on_signals();
    Staging::begin(out).map_err(|e| failed(&e))
}

/// Swaps the staged folder in with `manifest`; returns how many files it holds (the manifest
/// aside). On failure, prints one line and returns the exit code.
pub fn finish(staging: Staging, manifest: Manifest) -> Result<usize, Exit> {
    let files = staging.commit(manifest).map_err(|e| failed(&e))?;
    for file in &files {
        tracing::debug!("wrote {file}");
    }
    Ok(files.len())
}

/// For a command that has finished: if a signal arrived, waits for its handler to end the
/// process. A command whose writes the handler stopped would otherwise exit first, with code 4,
/// while the handler is still removing the staged folder.
pub fn wait_if_interrupted() {
    if INTERRUPTED.load(Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
}

/// Prints an output error, unless a signal is stopping the command: then the writes fail
/// because of it, and the handler's one line says what happened.
pub fn report_error(e: &dyn std::fmt::Display) {
    if !INTERRUPTED.load(Ordering::SeqCst) {
        errln!("error: {e}");
    }
}

fn failed(e: &OutputDirError) -> Exit {
    report_error(e);
    if e.is_bad_input() { Exit::BadInput } else { Exit::Incomplete }
}

/// From now on SIGINT, SIGTERM and SIGHUP remove the staged outputs (the folder keeps its
/// previous contents) and end the process with 128 + the signal's number, as a shell reports a
/// program the signal killed: 130 for Ctrl-C, 143 for `kill`.
#[cfg(unix)]
fn remove_staged_on_signals() {
    use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGTERM};
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
            Ok(signals) => signals,
            Err(e) => {
                // The default action still stops the process; only the cleanup is lost.
                tracing::warn!("cannot handle signals ({e}): an interrupted run leaves its hidden staging folder");
                return;
            }
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                INTERRUPTED.store(true, Ordering::SeqCst);
                let name = match signal {
                    SIGINT => "SIGINT",
                    SIGTERM => "SIGTERM",
                    _ => "SIGHUP",
                };
                let abandoned = hemisim_reports::output_dir::abandon_all();
                let kept: Vec<String> = abandoned.iter().map(|t| t.display().to_string()).collect();
                if kept.is_empty() {
                    errln!("interrupted ({name})");
                } else {
                    errln!("interrupted ({name}): nothing written, {} left as it was", kept.join(", "));
                }
                std::process::exit(128 + signal);
            }
        });
    });
}

#[cfg(not(unix))]
fn remove_staged_on_signals() {}
