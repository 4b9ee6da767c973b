//! What the L2 figures share: blocks aggregated into windows of time (the panels themselves are
//! `crate::plots::panel`'s).
//!
//! The time series come from the **first replication** only: replications end at slightly
//! different times, so averaging their windows would blur the ramp-ups a researcher looks for.
//! Distributions (the latency CDF) pool every replication.

use crate::plots::format::{Unit, duration_label};
use crate::record::{L2BlockRow, L2Record, RunRecord};

/// About this many windows per run; a window holds at least one block.
pub const WINDOWS: usize = 100;

/// Consecutive L2 blocks of one run, aggregated. A window covers the time from the previous
/// window's last block (0 for the first) to its own last block, so rates over it count every
/// transaction exactly once and a gap without blocks lowers the rate instead of vanishing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    pub start_us: u64,
    pub end_us: u64,
    pub blocks: u64,
    pub txs: u64,
    pub gas_used: u64,
    pub backlog_max: u64,
    /// Sum over blocks of `latency_mean_us * tx_count` (the latency of every transaction).
    pub latency_sum_us: u128,
    pub latency_max_us: u64,
}

impl Window {
    fn of(start_us: u64, blocks: &[L2BlockRow]) -> Window {
        let mut w =
            Window { start_us, end_us: blocks.last().map_or(start_us, |b| b.produced_at_us), ..Window::default() };
        for b in blocks {
            w.blocks += 1;
            w.txs += u64::from(b.tx_count);
            w.gas_used += b.gas_used;
            w.backlog_max = w.backlog_max.max(b.backlog);
            w.latency_sum_us += u128::from(b.latency_mean_us) * u128::from(b.tx_count);
            if b.tx_count > 0 {
                w.latency_max_us = w.latency_max_us.max(b.latency_max_us);
            }
        }
        w
    }

    /// Middle of the window, in seconds.
    pub fn mid_s(&self) -> f64 {
        (self.start_us as f64 + self.end_us as f64) / 2e6
    }

    fn per_s(&self, x: u64) -> Option<f64> {
        let span_us = self.end_us.saturating_sub(self.start_us);
        (span_us > 0).then(|| x as f64 / (span_us as f64 / 1e6))
    }

    pub fn tps(&self) -> Option<f64> {
        self.per_s(self.txs)
    }

    pub fn gas_per_s(&self) -> Option<f64> {
        self.per_s(self.gas_used)
    }

    /// Gas used / (blocks × gas limit): the mean fullness of its blocks.
    pub fn fullness(&self, gas_limit: u64) -> Option<f64> {
        let capacity = self.blocks as f64 * gas_limit as f64;
        (capacity > 0.0).then(|| self.gas_used as f64 / capacity)
    }

    /// Mean inclusion latency of its transactions, in µs (`None` without transactions).
    pub fn latency_mean_us(&self) -> Option<f64> {
        (self.txs > 0).then(|| self.latency_sum_us as f64 / self.txs as f64)
    }
}

/// Blocks of `l2` in about [`WINDOWS`] windows of equal block count.
pub fn windows(l2: &L2Record) -> Vec<Window> {
    let per_window = l2.blocks.len().div_ceil(WINDOWS).max(1);
    let mut start_us = 0;
    l2.blocks
        .chunks(per_window)
        .map(|chunk| {
            let w = Window::of(start_us, chunk);
            start_us = w.end_us;
            w
        })
        .collect()
}

/// The time-series data of the L2 figures: the first replication's windows.
#[derive(Debug, Clone)]
pub struct L2Series {
    pub windows: Vec<Window>,
    pub blocks_per_window: usize,
    /// End of the time axis: the run's simulated time, or its last block if later.
    pub end_us: u64,
    pub block_time_s: f64,
    pub gas_limit: u64,
    /// How the figure names its source: `seed 7`, or `seed 7 (first of 3 runs)`.
    pub source: String,
}

impl L2Series {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let first = records.first();
        let l2 = first.and_then(|r| r.l2.as_ref());
        let empty = Vec::new();
        let blocks = l2.map_or(&empty, |l2| &l2.blocks);
        let last_block_us = blocks.iter().map(|b| b.produced_at_us).max().unwrap_or(0);
        let seed = first.map_or(0, |r| r.meta.seed);
        Self {
            windows: l2.map(windows).unwrap_or_default(),
            blocks_per_window: blocks.len().div_ceil(WINDOWS).max(1),
            end_us: first.map_or(0, |r| r.meta.sim_time_us).max(last_block_us),
            block_time_s: l2.map_or(0.0, |l2| l2.block_time_s),
            gas_limit: l2.map_or(0, |l2| l2.gas_limit),
            source: match records.len() {
                0 | 1 => format!("seed {seed}"),
                n => format!("seed {seed} (first of {n} runs)"),
            },
        }
    }

    /// Figure title: what it shows, the scenario and the replication drawn.
    pub fn title(&self, what: &str, records: &[RunRecord]) -> String {
        let name = records.first().map_or("", |r| r.meta.scenario_name.as_str());
        format!("{what} — {name}, {}", self.source)
    }

    /// The time axis unit for this run.
    pub fn time_unit(&self) -> Unit {
        Unit::time(self.end_us as f64 / 1e6)
    }

    /// The shared time axis of the L2 figures: its end in [`L2Series::time_unit`], and its label.
    pub fn time_axis(&self) -> (f64, String) {
        let time = self.time_unit();
        (self.end_us as f64 / 1e6 / time.scale, format!("Simulated time ({})", time.name))
    }

    /// `(x, f(window))` for every window where `f` is defined, x in `unit`.
    pub fn points(&self, f: impl Fn(&Window) -> Option<f64>) -> Vec<(f64, f64)> {
        let unit = self.time_unit();
        self.windows
            .iter()
            .filter_map(|w| Some((w.mid_s() / unit.scale, f(w)?)))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect()
    }

    /// Length of a window in the middle of the run, for the legends: `72 blocks, 14.4 min`.
    pub fn window_label(&self) -> String {
        let blocks = self.blocks_per_window;
        let s =
            self.windows.get(self.windows.len() / 2).map_or(0.0, |w| w.end_us.saturating_sub(w.start_us) as f64 / 1e6);
        let plural = if blocks == 1 { "" } else { "s" };
        format!("{blocks} block{plural}, {}", duration_label(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{l2_record, l2_run};

    #[test]
    fn windows_cover_the_run_once() {
        let l2 = l2_record(&[(2, 15_000_000); 250]);
        let ws = windows(&l2);
        // 250 blocks in windows of 3: 83 full windows and one of 1.
        assert_eq!(ws.len(), 84);
        assert_eq!(ws.iter().map(|w| w.blocks).sum::<u64>(), 250);
        assert_eq!(ws.iter().map(|w| w.txs).sum::<u64>(), 500);
        assert!(ws.windows(2).all(|p| p[0].end_us == p[1].start_us));
        let first = &ws[0];
        // Blocks at 12 s, 24 s + 1 µs, 36 s + 2 µs: 6 transactions over 36.000002 s.
        assert_eq!((first.start_us, first.end_us), (0, 36_000_002));
        assert_eq!(first.tps(), Some(6.0 / 36.000002));
        assert_eq!(first.fullness(30_000_000), Some(0.5));
        assert_eq!(first.latency_mean_us(), Some(6_000_000.0));
        assert_eq!(first.latency_max_us, 11_500_000);
    }

    #[test]
    fn few_blocks_give_one_block_per_window_and_none_give_none() {
        assert_eq!(windows(&l2_record(&[(1, 1); 7])).len(), 7);
        assert!(windows(&l2_record(&[])).is_empty());
        let series = L2Series::from_records(&[l2_run(3, &[]), l2_run(4, &[])]);
        assert_eq!(series.source, "seed 3 (first of 2 runs)");
        assert!(series.points(Window::tps).is_empty());
    }
}
