//! What the L2 figures share: blocks aggregated into windows of time, unit choices, and one
//! time-series panel drawn the same way in every figure.
//!
//! The time series come from the **first replication** only: replications end at slightly
//! different times, so averaging their windows would blur the ramp-ups a researcher looks for.
//! Distributions (the latency CDF) pool every replication.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

pub use super::format::{Unit, duration_label, thousands};
use super::frame::{Legend, draw_line};
pub use super::legend::Corner;
use super::pop_common::{Axes, axes_with_legend, axis_end};
use super::{FONT, centred_note, draw_legend};
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

/// The top and bottom halves of a figure.
pub type Halves<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);

/// The frame of a two-panel figure: a white page, the title, and the top and bottom halves.
pub fn two_panels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<Halves<DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let area = root.titled(title, (FONT, super::TITLE_PX))?;
    Ok(area.split_vertically(area.dim_in_pixel().1 / 2))
}

/// Upper end of a y axis showing `values` (at least `floor`), a little above the highest (the
/// legend finds its own room: see [`super::legend`]).
pub fn y_top<'a>(values: impl IntoIterator<Item = &'a f64>, floor: f64) -> f64 {
    let peak = values.into_iter().copied().fold(floor, f64::max);
    if peak > 0.0 && peak.is_finite() { peak * 1.08 } else { 1.0 }
}

/// One line of a panel.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub colour: RGBColor,
    pub points: Vec<(f64, f64)>,
    pub dashed: bool,
}

/// A panel of lines over `x` in `[0, x_max]` and `y` in `[0, y_max]`, with a legend, or with
/// `note` centred instead when it has nothing to show.
pub struct Panel<'a> {
    pub caption: Option<&'a str>,
    pub x_max: f64,
    pub x_desc: &'a str,
    pub y_max: f64,
    pub y_desc: &'a str,
    pub lines: &'a [Line],
    pub note: Option<&'a str>,
    /// Where the legend goes if the data leave it free (else where they do).
    pub legend: Corner,
}

impl std::fmt::Debug for Panel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Panel").field("y_desc", &self.y_desc).finish()
    }
}

impl Panel<'_> {
    pub fn draw<DB: DrawingBackend>(
        self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let y_max = axis_end(self.y_max);
        let lines = merge_coinciding(self.lines);
        let clipped: Vec<Vec<(f64, f64)>> =
            lines.iter().map(|l| l.points.iter().map(|&(x, y)| (x, y.min(y_max))).collect()).collect();
        let legend = Legend {
            labels: lines.iter().map(|l| l.label.clone()).collect(),
            data: clipped.iter().map(Vec::as_slice).collect(),
            prefer: self.legend,
        };
        let axes = Axes {
            caption: self.caption,
            x_max: self.x_max,
            x_desc: self.x_desc,
            y_max: self.y_max,
            y_desc: self.y_desc,
            x_labels: true,
        };
        let (mut chart, position) = axes_with_legend(area, &axes, &legend)?;
        for ((line, points), width) in lines.iter().zip(clipped).zip(stroke_widths(&lines)) {
            let style = line.colour.stroke_width(width);
            if line.dashed {
                chart
                    .draw_series(DashedLineSeries::new(points, 14, 8, style))?
                    .label(&line.label)
                    .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 18, y)], 6, 4, style));
            } else {
                draw_line(&mut chart, &points, style)?
                    .label(&line.label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            }
        }
        if self.note.is_none() && !lines.is_empty() {
            draw_legend(&mut chart, position)?;
        }
        if let Some(note) = self.note {
            centred_note(&chart.plotting_area().strip_coord_spec(), note)?;
        }
        Ok(())
    }
}

/// Stroke widths of `lines`, drawn in order: 3 px, plus 2 px for every later line that shares
/// at least a fifth of a line's points, so that where lines run together each shows as a band
/// around the ones drawn over it (miners paying the same fees in most hours but not all).
pub fn stroke_widths(lines: &[Line]) -> Vec<u32> {
    let shares = |a: &Line, b: &Line| {
        let common = a.points.iter().filter(|p| b.points.contains(p)).count();
        !a.dashed && !b.dashed && common > 0 && 5 * common >= a.points.len()
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, a)| 3 + 2 * lines[i + 1..].iter().filter(|b| shares(a, b)).count() as u32)
        .collect()
}

/// `lines` with every line that another one drawn before it would hide (the same points and
/// style) folded into that one, whose label then names them all: `a = b = c (lines coincide)`.
/// Three miners publishing every keystone pay the same fees; drawn one over the other, two of
/// them would vanish without a word.
pub fn merge_coinciding(lines: &[Line]) -> Vec<Line> {
    let mut kept: Vec<(Line, Vec<&str>)> = Vec::new();
    for line in lines {
        let twin = kept
            .iter_mut()
            .find(|(k, _)| !line.points.is_empty() && k.points == line.points && k.dashed == line.dashed);
        match twin {
            Some((_, names)) => names.push(&line.label),
            None => kept.push((line.clone(), vec![&line.label])),
        }
    }
    kept.into_iter()
        .map(|(mut line, names)| {
            if names.len() > 1 {
                line.label = format!("{} (lines coincide)", names.join(" = "));
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::BLUE;
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

    #[test]
    fn coinciding_lines_are_drawn_once_and_named_together() {
        let line = |label: &str, points: &[(f64, f64)]| Line {
            label: label.to_string(),
            colour: BLUE,
            points: points.to_vec(),
            dashed: false,
        };
        let same = [(0.0, 1.0), (1.0, 2.0)];
        let lines = [
            line("All miners", &[(0.0, 3.0), (1.0, 6.0)]),
            line("pop-miner-0", &same),
            line("pop-miner-1", &same),
            line("pop-miner-2", &same),
            line("empty", &[]),
            line("also empty", &[]),
        ];
        let merged = merge_coinciding(&lines);
        let labels: Vec<&str> = merged.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            ["All miners", "pop-miner-0 = pop-miner-1 = pop-miner-2 (lines coincide)", "empty", "also empty"]
        );
        assert_eq!(merged[1].points, same);
        // Lines that share most points but not all: the earlier ones wider, each visible.
        let mostly = [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (4.0, 1.0)];
        let mut off = mostly;
        off[2].1 = 4.0;
        let lines =
            [line("All", &[(0.0, 9.0), (4.0, 9.0)]), line("a", &mostly), line("b", &off), line("c", &mostly[..2])];
        assert_eq!(stroke_widths(&lines), [3, 7, 5, 3]);
        let mut dashed = line("ceiling", &mostly);
        dashed.dashed = true;
        assert_eq!(stroke_widths(&[line("a", &mostly), dashed]), [3, 3], "a dashed line is told apart by its dashes");
    }

    #[test]
    fn units() {
        assert_eq!(Unit::time(86_400.0).name, "h");
        assert_eq!(Unit::time(600.0).name, "min");
        assert_eq!(Unit::time(36.0).name, "s");
        assert_eq!(Unit::gas_rate(2.5e6).name, "Mgas/s");
        assert_eq!(Unit::gas_rate(0.0).name, "gas/s");
        assert_eq!(super::super::format::number(250_000.0, 0), "250,000");
        assert_eq!(duration_label(8.26), "8.3 s");
        assert_eq!(duration_label(1326.0), "22.1 min");
        assert_eq!(thousands(6_882_625), "6,882,625");
        assert_eq!((thousands(0), thousands(999), thousands(1000)), ("0".into(), "999".into(), "1,000".into()));
    }
}
