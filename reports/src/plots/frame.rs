//! The frame every chart with continuous axes is drawn in: caption, axes with round ticks
//! ([`super::format::ticks`]) labelled with thousands separators, tick-label areas as wide as
//! their widest label (so a `7,000,000` never runs into the axis title), a right margin that the
//! last x tick label fits in, an optional log₁₀ y axis, and a y range raised when the legend
//! needs room ([`super::legend::place`]).

use plotters::chart::{DualCoordChartContext, SeriesAnno};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::ops::Range;

use super::format::{Ticks, log_label, log_ticks, ticks};
use super::legend::{self, Corner, Placement, Plot};
use super::{AXIS_PX, FONT, GRID, LABEL_PX};

/// A linear axis with the ticks we chose (plotters' own `WithKeyPoints` loses the formatting an
/// `f64` axis needs to draw a mesh).
#[derive(Debug, Clone)]
pub struct Axis {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Axis {
    pub fn new(range: Range<f64>, ticks: Vec<f64>) -> Axis {
        Axis { range, ticks }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.range.clone()).map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Bold lines at the ticks, no light ones.
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// A chart over two [`Axis`].
pub type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// Height of the x tick-label area: the labels and the axis title.
const X_LABEL_AREA_PX: u32 = 64;

/// How the x axis is ticked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum XTicks {
    /// Round values.
    Round,
    /// Round integers only: the axis shows a discrete quantity.
    Integers,
    /// No ticks and no vertical grid (a bar chart of named bars).
    Hidden,
    /// A log₁₀ axis: x values are log₁₀ of the data, the ticks read the data.
    Log,
}

/// What a frame shows; y values are log₁₀ of the data when `y_log` (the caller draws
/// `log10(v)`, the ticks read `v`).
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    /// The caption and its size in pixels.
    pub caption: Option<(&'a str, u32)>,
    pub margin: u32,
    pub x: Range<f64>,
    pub y: Range<f64>,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub x_ticks: XTicks,
    pub y_log: bool,
    /// Room right of the plot for a secondary axis, in pixels (see [`build_dual`]).
    pub right_px: u32,
}

/// A legend to keep clear of the data: its labels, the data in chart coordinates (polylines; a
/// single point is a marker) and the position preferred when several are free.
#[derive(Debug, Clone)]
pub struct Legend<'a> {
    pub labels: Vec<String>,
    pub data: Vec<&'a [(f64, f64)]>,
    pub prefer: Corner,
}

/// The pixel width of `text` at `px` (estimated from its length without the font).
pub fn text_width(text: &str, px: u32) -> u32 {
    (FONT, px).into_font().box_size(text).map_or((text.chars().count() as f64 * 0.6 * f64::from(px)) as u32, |b| b.0)
}

fn widest(labels: &[String]) -> u32 {
    labels.iter().map(|l| text_width(l, LABEL_PX)).max().unwrap_or(0)
}

/// Width of a y tick-label area: the rotated axis title, a gap, the widest label and the tick;
/// at least [`MIN_Y_LABEL_AREA_PX`], so that stacked panels line up unless a label is very wide.
pub fn y_label_area_px(labels: &[String]) -> u32 {
    label_area_px(labels).max(MIN_Y_LABEL_AREA_PX)
}

/// The room `labels` and an axis title need beside an axis.
fn label_area_px(labels: &[String]) -> u32 {
    AXIS_PX + 18 + widest(labels) + 14
}

/// Room for labels up to `7,000,000` at [`LABEL_PX`].
const MIN_Y_LABEL_AREA_PX: u32 = 150;

/// The ticks of a y axis over `y`, about one per 1.6 label heights of `plot_h` (10 at most).
fn y_ticks(y: &Range<f64>, log: bool, plot_h: u32) -> Ticks {
    let fit = ((f64::from(plot_h) / (1.6 * f64::from(LABEL_PX))) as usize).clamp(3, 11);
    if log {
        return Ticks { values: log_ticks(y.start, y.end, fit), decimals: 0 };
    }
    ticks(y.start, y.end, fit, false)
}

/// The ticks of an x axis over `x` whose labels, 30 px apart at least, fit in `plot_w`.
fn x_ticks(x: &Range<f64>, style: XTicks, plot_w: u32) -> Ticks {
    let mut count = 11;
    loop {
        let t = match style {
            XTicks::Hidden => return Ticks { values: Vec::new(), decimals: 0 },
            XTicks::Log => Ticks { values: log_ticks(x.start, x.end, count), decimals: 0 },
            _ => ticks(x.start, x.end, count, style == XTicks::Integers),
        };
        let room = widest(&tick_labels(&t, style == XTicks::Log)) + 30;
        if count <= 3 || t.values.len() as u32 * room <= plot_w {
            return t;
        }
        count -= 1;
    }
}

/// The labels of the ticks of an axis, log₁₀ or linear.
fn tick_labels(t: &Ticks, log: bool) -> Vec<String> {
    if log { t.values.iter().map(|&e| log_label(e)).collect() } else { t.labels() }
}

/// Builds the chart of `frame` in `area` (drawing its caption and mesh) and places `legend`,
/// raising the top of the y axis if the legend needs it. Returns the chart and where the legend
/// goes (`UpperLeft` without a legend).
pub fn build<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    frame: &Frame,
    legend: Option<&Legend>,
) -> Result<(Chart<'a, DB>, Corner), DrawingAreaErrorKind<DB::ErrorType>> {
    let (mut chart, corner, ticks) = layout(area, frame, legend)?;
    draw_mesh(&mut chart, frame, &ticks)?;
    Ok((chart, corner))
}

/// A chart with a second y axis on the right.
pub type DualChart<'a, DB> = DualCoordChartContext<'a, DB, Cartesian2d<Axis, Axis>, Cartesian2d<Axis, Axis>>;

/// A y axis on the right, for a quantity too small to see on the left one: its range, its title
/// and the colour of that title (the colour of what it measures).
#[derive(Debug, Clone)]
pub struct RightAxis<'a> {
    pub y: Range<f64>,
    pub desc: &'a str,
    pub colour: RGBColor,
}

/// [`build`] (without a legend) with a second y axis on the right, drawn with its own ticks; draw
/// on it with `draw_secondary_series`.
pub fn build_dual<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    frame: &Frame,
    right: &RightAxis,
) -> Result<DualChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let rt = ticks(right.y.start, right.y.end, 6, false);
    let frame = Frame { right_px: label_area_px(&rt.labels()), ..frame.clone() };
    let (chart, _, ticks) = layout(area, &frame, None)?;
    let x = chart.as_coord_spec().get_x_range();
    // The label areas right of the plot go to the secondary axis: the primary mesh is drawn after.
    let mut chart = chart.set_secondary_coord(Axis::new(x, Vec::new()), Axis::new(right.y.clone(), rt.values.clone()));
    draw_mesh(&mut chart, &frame, &ticks)?;
    let label = |v: &f64| rt.label(*v);
    chart
        .configure_secondary_axes()
        .y_desc(right.desc)
        .axis_desc_style((FONT, AXIS_PX).into_font().color(&right.colour))
        .label_style((FONT, LABEL_PX))
        .y_label_formatter(&label)
        .draw()?;
    Ok(chart)
}

/// The ticks of a built chart's x and y axes.
struct FrameTicks {
    x: Ticks,
    y: Ticks,
}

/// Lays the chart of `frame` out in `area` (drawing its caption, not its mesh), as [`build`]
/// describes.
fn layout<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    frame: &Frame,
    legend: Option<&Legend>,
) -> Result<(Chart<'a, DB>, Corner, FrameTicks), DrawingAreaErrorKind<DB::ErrorType>> {
    let m = frame.margin;
    let mut inner = area.margin(m, m, m, m);
    if let Some((caption, px)) = frame.caption {
        inner = inner.titled(caption, (FONT, px))?;
    }
    let (inner_w, inner_h) = inner.dim_in_pixel();
    let plot_h = inner_h.saturating_sub(X_LABEL_AREA_PX);
    let mut y = frame.y.clone();
    let y_area = y_label_area_px(&tick_labels(&y_ticks(&y, frame.y_log, plot_h), frame.y_log));
    let plot_w = inner_w.saturating_sub(y_area + frame.right_px);
    let xt = x_ticks(&frame.x, frame.x_ticks, plot_w);
    let placement = legend.map_or(Placement { corner: Corner::UpperLeft, y_max: y.end }, |l| {
        let plot = Plot { px: (plot_w, plot_h), x: frame.x.clone(), y: y.clone() };
        legend::place(legend::box_size(&l.labels), &plot, &l.data, l.prefer)
    });
    y.end = placement.y_max;
    let yt = y_ticks(&y, frame.y_log, plot_h);
    let y_area = y_label_area_px(&tick_labels(&yt, frame.y_log));
    // The last x label is centred on its tick: the margin right of the plot must hold its half.
    let overflow = last_label_overflow(&xt, frame.x_ticks == XTicks::Log, &frame.x, plot_w);
    let inner = inner.margin(0, 0, 0, overflow.saturating_sub(m + frame.right_px));
    let chart = ChartBuilder::on(&inner)
        .x_label_area_size(X_LABEL_AREA_PX)
        .y_label_area_size(y_area)
        .right_y_label_area_size(frame.right_px)
        .build_cartesian_2d(Axis::new(frame.x.clone(), xt.values.clone()), Axis::new(y, yt.values.clone()))?;
    Ok((chart, placement.corner, FrameTicks { x: xt, y: yt }))
}

/// Draws the grid, the axes, their tick labels and titles.
fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    frame: &Frame,
    ticks: &FrameTicks,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let x_log = frame.x_ticks == XTicks::Log;
    let x_label = |v: &f64| if x_log { log_label(*v) } else { ticks.x.label(*v) };
    let y_label = |v: &f64| if frame.y_log { log_label(*v) } else { ticks.y.label(*v) };
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .x_desc(frame.x_desc)
        .y_desc(frame.y_desc)
        .axis_desc_style((FONT, AXIS_PX))
        .label_style((FONT, LABEL_PX))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label);
    if frame.x_ticks == XTicks::Hidden {
        mesh.disable_x_mesh();
    }
    mesh.draw()
}

/// How far the last x tick label reaches right of the plot, in pixels, plus a small gap.
fn last_label_overflow(xt: &Ticks, log: bool, x: &Range<f64>, plot_w: u32) -> u32 {
    let Some(&last) = xt.values.last() else {
        return 0;
    };
    let span = x.end - x.start;
    let at = if span > 0.0 { (last - x.start) / span * f64::from(plot_w) } else { 0.0 };
    let label = tick_labels(&Ticks { values: vec![last], decimals: xt.decimals }, log);
    let reach = at + f64::from(widest(&label)) / 2.0 + 6.0;
    (reach - f64::from(plot_w)).max(0.0) as u32
}

/// `points` as pieces of line to draw: consecutive points on the same pixel are dropped, and the
/// line is cut where it turns back on itself (by more than a right angle, in pixels). plotters'
/// bitmap backend joins a thick line's segments at such a turn with a spike that can run across
/// the figure (the inner corner of a near-reversal is not capped); pieces have no such joins.
pub fn pieces(points: &[(f64, f64)], to_px: impl Fn(&(f64, f64)) -> (i32, i32)) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut piece: Vec<(f64, f64)> = Vec::new();
    let mut px: Vec<(i32, i32)> = Vec::new();
    for p in points {
        let at = to_px(p);
        if px.last() == Some(&at) {
            continue;
        }
        if let [.., a, b] = px[..] {
            let (d1, d2) = ((b.0 - a.0, b.1 - a.1), (at.0 - b.0, at.1 - b.1));
            if i64::from(d1.0) * i64::from(d2.0) + i64::from(d1.1) * i64::from(d2.1) < 0 {
                let last = *piece.last().unwrap_or(p);
                out.push(std::mem::replace(&mut piece, vec![last]));
                px = vec![b];
            }
        }
        piece.push(*p);
        px.push(at);
    }
    if !piece.is_empty() {
        out.push(piece);
    }
    out
}

/// Draws `points` as a line of `style` on `chart`, in [`pieces`]; returns the series, for its
/// legend entry.
pub fn draw_line<'a, 'b, DB: DrawingBackend>(
    chart: &'b mut Chart<'a, DB>,
    points: &[(f64, f64)],
    style: ShapeStyle,
) -> Result<&'b mut SeriesAnno<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let coords = chart.as_coord_spec().clone();
    let lines = pieces(points, |p| coords.translate(p));
    chart.draw_series(lines.into_iter().map(move |piece| PathElement::new(piece, style)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_where_they_turn_back() {
        let to_px = |p: &(f64, f64)| ((p.0 * 10.0) as i32, (p.1 * 10.0) as i32);
        // Up, then straight back down: two pieces sharing the turning point.
        let spike = [(0.0, 0.0), (1.0, 0.0), (1.0, 5.0), (1.0, 4.0), (2.0, 4.0)];
        let cut = pieces(&spike, to_px);
        assert_eq!(cut, [vec![(0.0, 0.0), (1.0, 0.0), (1.0, 5.0)], vec![(1.0, 5.0), (1.0, 4.0), (2.0, 4.0)]]);
        // Steps (right angles) stay one piece; points on one pixel count once.
        let steps = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (1.01, 1.0), (2.0, 1.0)];
        assert_eq!(pieces(&steps, to_px), [vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (2.0, 1.0)]]);
        assert!(pieces(&[], to_px).is_empty());
        assert_eq!(pieces(&[(3.0, 3.0)], to_px), [vec![(3.0, 3.0)]]);
    }

    #[test]
    fn label_areas_grow_with_their_labels() {
        super::super::ensure_font(std::path::Path::new("test.svg")).expect("font");
        // Stacked panels line up: short labels take the same room as up to `7,000,000`.
        let narrow = y_label_area_px(&["0".to_string(), "1".to_string()]);
        let wide = y_label_area_px(&["0".to_string(), "7,000,000".to_string()]);
        assert_eq!(narrow, wide);
        let huge = y_label_area_px(&["0".to_string(), "70,000,000,000".to_string()]);
        assert!(huge > narrow + 30, "{narrow} {huge}");
        let xt = ticks(0.0, 2_500_000.0, 6, false);
        assert_eq!(xt.labels().last().map(String::as_str), Some("2,500,000"));
        assert!(last_label_overflow(&xt, false, &(0.0..2_500_000.0), 1000) > 40);
        assert_eq!(last_label_overflow(&xt, false, &(0.0..3_000_000.0), 1000), 0);
        // Wide labels get fewer ticks than a narrow axis would.
        let t = x_ticks(&(0.0..9_000_000.0), XTicks::Round, 500);
        assert!(t.values.len() * (widest(&t.labels()) as usize + 30) <= 500, "{t:?}");
    }
}
