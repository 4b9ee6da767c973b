//! A progress bar on stderr for runs that take more than a moment.
//!
//! The simulation threads publish how far they are (simulated microseconds) in atomics; this
//! thread polls them. The bar appears only after two seconds and only on a terminal, so short
//! runs and CI logs stay clean. Nothing here is seen by the simulation.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SHOW_AFTER: Duration = Duration::from_secs(2);

/// Polls `progress_us` (one per replication) until `done`, drawing a bar of simulated time.
pub fn watch(progress_us: &[Arc<AtomicU64>], total_us: u64, done: &AtomicBool) {
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let reached: u64 = progress_us.iter().map(|p| p.load(Ordering::Relaxed)).sum();
        if bar.is_none() && started.elapsed() >= SHOW_AFTER {
            let b = ProgressBar::new(total_us / 1_000_000);
            let style = ProgressStyle::with_template("{spinner} simulated {pos}/{len} s [{bar:40}] {percent}% eta {eta}")
                .expect("the template is valid")
                .progress_chars("=> ");
            b.set_style(style);
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_position(reached / 1_000_000);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}
