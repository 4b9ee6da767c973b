//! A progress bar on stderr for runs that take more than a moment, and the writer that keeps log
//! lines from tearing it.
//!
//! The simulation threads publish how far they are (simulated microseconds) in atomics; this
//! thread polls them. The bar appears only after two seconds and only on an interactive terminal
//! (not in a pipe, not under CI, not with `TERM=dumb`), so short runs and CI logs stay clean.
//! Nothing here is seen by the simulation.
//!
//! A sweep's progress ([`CellProgress`]) counts cells: its bar shows cells done and failed with
//! the time left (from simulated time covered), and for schedulers' logs `--progress lines` or
//! `--progress json` print one line per finished cell instead; `--quiet` prints none of it
//! ([`ProgressArgs`], for every command that runs many cells or worlds: a swarm counts worlds).

use super::console::errln;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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
    draw("{spinner} simulated {pos}/{len} s [{bar:40}] {percent}% eta {eta}", progress_us, total_us, done, || {
        String::new()
    });
}

/// The bar of [`watch`] with `template`, whose `{msg}` is `message()` at each redraw.
fn draw(
    template: &str,
    progress_us: &[Arc<AtomicU64>],
    total_us: u64,
    done: &AtomicBool,
    message: impl Fn() -> String,
) {
    if !interactive() {
        return;
    }
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if bar.is_none() && started.elapsed() >= SHOW_AFTER {
            let b = ProgressBar::new(total_us / 1_000_000);
            let style = ProgressStyle::with_template(template).expect("the template is valid").progress_chars("=> ");
            b.set_style(style);
            set_shown(Some(b.clone()));
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_message(message());
            b.set_position(reached_us(progress_us) / 1_000_000);
        }
    }
    if let Some(b) = bar {
        set_shown(None);
        b.finish_and_clear();
    }
}

/// Simulated time covered so far: the sum of the counters.
fn reached_us(progress_us: &[Arc<AtomicU64>]) -> u64 {
    progress_us.iter().map(|p| p.load(Ordering::Relaxed)).sum()
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

/// How a command that runs many cells shows its progress on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar (cells or worlds done, failures, time left), only on an interactive terminal and
    /// after two seconds; nothing in a pipe or under CI.
    #[default]
    Bar,
    /// One line of text per finished cell (a swarm: world), for a log a person reads.
    Lines,
    /// One JSON object per finished cell (world): done, total, failures, elapsed_s, eta_s.
    Json,
}

/// `--quiet` and `--progress`, for every command that runs many cells (or worlds).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProgressArgs {
    /// No progress bar and no per-cell (per-world) lines, not even -v's; errors, violations and
    /// the final lines still print.
    #[arg(long, short = 'q', conflicts_with = "progress")]
    pub quiet: bool,
    /// Progress on stderr: `bar` on a terminal only; `lines`, one line per finished cell (world);
    /// `json`, one object per finished cell (world) for a scheduler's log, e.g.
    /// {"done":3,"total":9,"failures":0,"elapsed_s":41.2,"eta_s":82.5}.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = ProgressMode::Bar)]
    pub progress: ProgressMode,
}

/// A sweep's progress, shared by the workers (which report each finished cell) and the thread
/// that draws the bar.
#[derive(Debug)]
pub struct CellProgress {
    /// `None` with `--quiet`.
    mode: Option<ProgressMode>,
    /// What is counted: `cell` (a sweep's), `world` (a swarm's).
    noun: &'static str,
    total: usize,
    done: AtomicUsize,
    failures: AtomicUsize,
    started: Instant,
    /// Simulated microseconds covered, per worker and finished (`harness::sweep::Progress`).
    progress_us: Vec<Arc<AtomicU64>>,
    total_us: u64,
}

impl CellProgress {
    /// Progress over `total` cells, whose runs together simulate `total_us`.
    pub fn new(args: &ProgressArgs, total: usize, progress_us: Vec<Arc<AtomicU64>>, total_us: u64) -> Self {
        CellProgress {
            mode: (!args.quiet).then_some(args.progress),
            noun: "cell",
            total,
            done: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
            started: Instant::now(),
            progress_us,
            total_us,
        }
    }

    /// Counts `noun`s (`world`) instead of cells, in lines and on the bar.
    pub fn counting(self, noun: &'static str) -> Self {
        CellProgress { noun, ..self }
    }

    /// Whether per-cell lines (and -v's per-cell logs) may be printed.
    pub fn per_cell_lines(&self) -> bool {
        self.mode.is_some()
    }

    /// Counts a finished cell (`failed`: a violation, or a run that did not complete) and, in
    /// `lines` or `json` mode, prints its line.
    pub fn cell_finished(&self, label: &str, failed: bool) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let failures = self.failures.fetch_add(usize::from(failed), Ordering::SeqCst) + usize::from(failed);
        let elapsed_s = self.started.elapsed().as_secs_f64();
        let eta_s = self.eta_s(elapsed_s, done);
        match self.mode {
            Some(ProgressMode::Json) => {
                let tenths = |x: f64| (x * 10.0).round() / 10.0;
                let line = serde_json::json!({
                    "done": done, "total": self.total, "failures": failures,
                    "elapsed_s": tenths(elapsed_s), "eta_s": eta_s.map(tenths),
                });
                errln!("{line}");
            }
            Some(ProgressMode::Lines) => {
                let left = eta_s.map_or_else(|| "unknown".to_owned(), |s| format!("about {}", duration(s)));
                errln!(
                    "{} {done}/{} done ({label}): {failures} failed so far, {} elapsed, {left} left",
                    self.noun,
                    self.total,
                    duration(elapsed_s)
                );
            }
            Some(ProgressMode::Bar) | None => {}
        }
    }

    /// Seconds left, from the share of simulated time covered (cells can differ in length);
    /// `None` before anything is covered.
    fn eta_s(&self, elapsed_s: f64, done: usize) -> Option<f64> {
        if done >= self.total {
            return Some(0.0);
        }
        let reached = reached_us(&self.progress_us).min(self.total_us);
        (reached > 0).then(|| elapsed_s * (self.total_us - reached) as f64 / reached as f64)
    }

    /// Draws the bar until `done`, in `bar` mode on a terminal.
    pub fn watch(&self, done: &AtomicBool) {
        if self.mode != Some(ProgressMode::Bar) {
            return;
        }
        // The bar and its percentage are of simulated time (cells can differ in length).
        let template = format!("{{spinner}} {}s {{msg}} [{{bar:30}}] {{percent}}% eta {{eta}}", self.noun);
        draw(&template, &self.progress_us, self.total_us, done, || {
            let failures = self.failures.load(Ordering::Relaxed);
            format!("{}/{}, {failures} failed", self.done.load(Ordering::Relaxed), self.total)
        });
    }
}

/// `1h02m`, `3m05s`, `42s`: a wall-clock duration for a log line.
fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_would_write_them() {
        assert_eq!([duration(0.4), duration(42.0), duration(185.0), duration(3725.0)], ["0s", "42s", "3m05s", "1h02m"]);
    }

    #[test]
    fn time_left_follows_the_simulated_time_covered() {
        let covered = Arc::new(AtomicU64::new(0));
        let args = ProgressArgs { quiet: true, progress: ProgressMode::Json };
        let progress = CellProgress::new(&args, 4, vec![covered.clone()], 400);
        assert!(!progress.per_cell_lines(), "--quiet");
        assert_eq!(progress.eta_s(10.0, 1), None, "nothing covered yet");
        covered.store(100, Ordering::Relaxed);
        assert_eq!(progress.eta_s(10.0, 1), Some(30.0), "a quarter in 10 s: 30 s left");
        assert_eq!(progress.eta_s(10.0, 4), Some(0.0), "every cell done");
        progress.cell_finished("a=1", true);
        progress.cell_finished("a=2", false);
        assert_eq!((progress.done.load(Ordering::SeqCst), progress.failures.load(Ordering::SeqCst)), (2, 1));
    }
}
