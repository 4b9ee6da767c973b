//! A progress bar on stderr for runs that take more than a moment, and the writer that keeps log
//! lines from tearing it.
//!
//! The simulation threads publish how far they are (simulated microseconds) in atomics; this
//! thread polls them. The bar appears only after two seconds and only on an interactive terminal
//! (not in a pipe, not under CI, not with `TERM=dumb`), so short runs and CI logs stay clean.
//! Nothing here is seen by the simulation.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SHOW_AFTER: Duration = Duration::from_secs(2);

/// The bar on screen, if any, so that log lines can be written around it.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Whether stderr is a terminal someone watches: CI services set `CI`, some give a pseudo-terminal.
fn interactive() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// Polls `progress_us` (one per replication or worker) until `done`, drawing a bar of simulated time.
pub fn watch(progress_us: &[Arc<AtomicU64>], total_us: u64, done: &AtomicBool) {
    if !interactive() {
        return;
    }
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let reached: u64 = progress_us.iter().map(|p| p.load(Ordering::Relaxed)).sum();
        if bar.is_none() && started.elapsed() >= SHOW_AFTER {
            let b = ProgressBar::new(total_us / 1_000_000);
            let style =
                ProgressStyle::with_template("{spinner} simulated {pos}/{len} s [{bar:40}] {percent}% eta {eta}")
                    .expect("the template is valid")
                    .progress_chars("=> ");
            b.set_style(style);
            set_shown(Some(b.clone()));
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_position(reached / 1_000_000);
        }
    }
    if let Some(b) = bar {
        set_shown(None);
        b.finish_and_clear();
    }
}

fn set_shown(bar: Option<ProgressBar>) {
    if let Ok(mut shown) = SHOWN.lock() {
        *shown = bar;
    }
}

/// stderr for log lines: while a bar is shown, it is cleared for the line and drawn again after.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let shown = SHOWN.lock().ok().and_then(|shown| shown.clone());
        match shown {
            Some(bar) => bar.suspend(|| std::io::stderr().write(buf)),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> LogWriter {
        LogWriter
    }
}
