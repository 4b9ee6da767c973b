//! What the Proof-of-Proof figures share: a panel's axes ([`axes`], also what
//! [`super::l2_series::Panel`] draws its line charts on), for charts that need more than lines
//! (bars, markers, bands), the name of the replication a time series comes from, and the thinning
//! of long per-block series.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::l2_series::tick_label;
use super::{AXIS_PX, GRID, LABEL_PX};
use crate::record::RunRecord;

/// Per-block series longer than this are drawn as the envelope of windows of blocks.
pub const MAX_POINTS: usize = 3_000;

/// Points of a line, `(x, y)`.
pub type Points = Vec<(f64, f64)>;

/// A chart over `x` in `[0, x_max]` and `y` in `[0, y_max]`.
pub type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The axes of one panel: what [`axes`] draws.
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

/// A usable axis end: `v` if positive and finite, else 1.
pub fn axis_end(v: f64) -> f64 {
    if v > 0.0 && v.is_finite() { v } else { 1.0 }
}

/// Builds `area`'s chart with its mesh, labels and caption, as every panel draws them.
pub fn axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    a: &Axes,
) -> Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (x_max, y_max) = (axis_end(a.x_max), axis_end(a.y_max));
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(16)
        .margin_right(32)
        .x_label_area_size(64)
        .y_label_area_size(110);
    if let Some(caption) = a.caption {
        builder.caption(caption, ("sans-serif", AXIS_PX));
    }
    let mut chart = builder.build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    let x_ticks = |x: &f64| tick_label(*x, x_max);
    let y_ticks = |y: &f64| tick_label(*y, y_max);
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .x_desc(a.x_desc)
        .y_desc(a.y_desc)
        .axis_desc_style(("sans-serif", AXIS_PX))
        .label_style(("sans-serif", LABEL_PX))
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks);
    if !a.x_labels {
        mesh.x_labels(0).disable_x_mesh();
    }
    mesh.draw()?;
    Ok(chart)
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
    let group = points.len().div_ceil(MAX_POINTS).max(1);
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
        assert_eq!(
            (upper.as_slice(), lower.as_slice(), group),
            (&short[..], &short[..], 1)
        );
        let long: Vec<(f64, f64)> = (0..7_200)
            .map(|i| (f64::from(i), f64::from(i % 25)))
            .collect();
        let (upper, lower, group) = envelope(&long);
        assert_eq!((group, upper.len()), (3, 2_400));
        assert_eq!((upper[0], lower[0]), ((1.0, 2.0), (1.0, 0.0)));
        assert!(envelope(&[]).0.is_empty());
        assert_eq!(
            (axis_end(0.0), axis_end(f64::NAN), axis_end(2.5)),
            (1.0, 1.0, 2.5)
        );
    }
}
