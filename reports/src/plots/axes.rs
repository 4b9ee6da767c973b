//! What the figures share: a panel's axes ([`axes`], also what
//! [`super::panel::Panel`] draws its line charts on), for charts that need more than lines
//! (bars, markers, bands), the name of the replication a time series comes from, and the thinning
//! of long per-block series.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::AXIS_PX;
pub use super::frame::Chart;
use super::frame::{self, Frame, Legend, XTicks};
use super::legend::Corner;
use crate::record::RunRecord;

/// Per-block series longer than this are drawn as the envelope of windows of blocks.
pub const MAX_POINTS: usize = 3_000;

/// Points of a line, `(x, y)`.
pub type Points = Vec<(f64, f64)>;

/// The axes of one panel: what [`axes`] draws, over `x` in `[0, x_max]` and `y` in `[0, y_max]`.
#[derive(Debug, Clone, Copy)]
pub struct Axes<'a> {
    pub caption: Option<&'a str>,
    pub x_max: f64,
    pub x_desc: &'a str,
    pub y_max: f64,
    pub y_desc: &'a str,
    /// Draw the x tick labels (off for a bar chart of named bars).
    pub x_labels: bool,
}

impl Axes<'_> {
    /// The frame of a panel: its margins, caption size and ranges (axis ends made usable).
    pub fn frame(&self) -> Frame<'_> {
        Frame {
            caption: self.caption.map(|c| (c, AXIS_PX)),
            margin: 16,
            x: 0.0..axis_end(self.x_max),
            y: 0.0..axis_end(self.y_max),
            x_desc: self.x_desc,
            y_desc: self.y_desc,
            x_ticks: if self.x_labels { XTicks::Round } else { XTicks::Hidden },
            y_log: false,
            right_px: 0,
        }
    }
}

/// A usable axis end: `v` if positive and finite, else 1.
pub fn axis_end(v: f64) -> f64 {
    if v > 0.0 && v.is_finite() { v } else { 1.0 }
}

/// Builds `area`'s chart with its mesh, labels and caption, as every panel draws them.
pub fn axes<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: &Axes,
) -> Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    Ok(frame::build(area, &a.frame(), None)?.0)
}

/// [`axes`] for a panel with a legend: the y axis is raised if the legend needs room, and the
/// position returned is where the legend hides no data.
pub fn axes_with_legend<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: &Axes,
    legend: &Legend,
) -> Result<(Chart<'a, DB>, Corner), DrawingAreaErrorKind<DB::ErrorType>> {
    frame::build(area, &a.frame(), Some(legend))
}

/// How a figure names the replication its time series come from: `seed 7`, or `seed 7 (first
/// of 3 runs)`.
pub fn first_run_source(records: &[RunRecord]) -> String {
    let seed = records.first().map_or(0, |r| r.meta.seed);
    match records.len() {
        0 | 1 => format!("seed {seed}"),
        n => format!("seed {seed} (first of {n} runs)"),
    }
}

/// The upper and lower envelopes of `points` (in x order) over windows of `group` consecutive
/// points, at each window's middle x; `group` is 1 (the points themselves) up to [`MAX_POINTS`].
pub fn envelope(points: &[(f64, f64)]) -> (Points, Points, usize) {
    envelope_of(points, MAX_POINTS)
}

/// [`envelope`] with at most `max_points` windows.
pub fn envelope_of(points: &[(f64, f64)], max_points: usize) -> (Points, Points, usize) {
    let group = points.len().div_ceil(max_points.max(1)).max(1);
    let (mut upper, mut lower) = (Vec::new(), Vec::new());
    for chunk in points.chunks(group) {
        let x = (chunk[0].0 + chunk[chunk.len() - 1].0) / 2.0;
        let ys = chunk.iter().map(|p| p.1);
        upper.push((x, ys.clone().fold(f64::NEG_INFINITY, f64::max)));
        lower.push((x, ys.fold(f64::INFINITY, f64::min)));
    }
    (upper, lower, group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_keeps_short_series_and_thins_long_ones() {
        let short = [(0.0, 1.0), (1.0, 3.0)];
        let (upper, lower, group) = envelope(&short);
        assert_eq!((upper.as_slice(), lower.as_slice(), group), (&short[..], &short[..], 1));
        let long: Vec<(f64, f64)> = (0..7_200).map(|i| (f64::from(i), f64::from(i % 25))).collect();
        let (upper, lower, group) = envelope(&long);
        assert_eq!((group, upper.len()), (3, 2_400));
        assert_eq!((upper[0], lower[0]), ((1.0, 2.0), (1.0, 0.0)));
        assert!(envelope(&[]).0.is_empty());
        assert_eq!((axis_end(0.0), axis_end(f64::NAN), axis_end(2.5)), (1.0, 1.0, 2.5));
    }
}
