//! Where a legend goes so that it hides no data: the first corner (or middle of an edge) of the
//! plotting area that the data leave free, or else the top position that needs the least head
//! room, with the y axis raised by just that much. Pure geometry on the data, in the chart's own
//! coordinates, before anything is drawn (the axis range must be known before the chart is
//! built).

use plotters::element::MultiLineText;
use plotters::prelude::*;
use std::ops::Range;

use super::{FONT, LABEL_PX};

/// `draw_legend`'s margin inside the box and plotters' room for the sample of each line.
const BOX_MARGIN_PX: u32 = 12;
const SAMPLE_PX: u32 = 30;
/// plotters puts a legend this far from the edges of the plotting area.
const EDGE_PX: f64 = 5.0;
/// Room around the box for line widths and markers.
const PAD_PX: f64 = 10.0;

/// The pixel size of the legend box `draw_legend` draws for `labels` (an estimate from the
/// glyph advances when the font is not available).
pub fn box_size(labels: &[String]) -> (u32, u32) {
    let font = (FONT, LABEL_PX).into_font();
    let mut text = MultiLineText::<(i32, i32), &str>::new((0, 0), font);
    for label in labels {
        text.push_line(label.as_str());
    }
    let (w, h) = text.estimate_dimension().unwrap_or_else(|_| {
        let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let w = longest as f64 * 0.6 * f64::from(LABEL_PX);
        (w as i32, (labels.len() as f64 * 1.25 * f64::from(LABEL_PX)) as i32)
    });
    let (w, h) = (w.max(0) as u32, h.max(0) as u32);
    (w + SAMPLE_PX + 2 * BOX_MARGIN_PX, h + 2 * BOX_MARGIN_PX)
}

/// A chart's geometry: its plotting area in pixels and its ranges (linear in what is drawn).
#[derive(Debug, Clone)]
pub struct Plot {
    pub px: (u32, u32),
    pub x: Range<f64>,
    pub y: Range<f64>,
}

/// Where a legend can go: a corner, or the middle of the top or bottom edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
    UpperMiddle,
    LowerMiddle,
    /// The top-left corner of the box, in pixels from the plotting area's: in a gap between
    /// the data, when no corner is free.
    At(i32, i32),
}

impl Corner {
    const ALL: [Corner; 6] = [
        Corner::UpperLeft,
        Corner::UpperRight,
        Corner::LowerLeft,
        Corner::LowerRight,
        Corner::UpperMiddle,
        Corner::LowerMiddle,
    ];

    /// The same place for plotters.
    pub fn position(self) -> SeriesLabelPosition {
        SeriesLabelPosition::from(self)
    }

    fn is_upper(self) -> bool {
        matches!(self, Corner::UpperLeft | Corner::UpperMiddle | Corner::UpperRight)
    }

    /// Left, right or middle.
    fn column(self) -> Column {
        match self {
            Corner::UpperLeft | Corner::LowerLeft | Corner::At(..) => Column::Left,
            Corner::UpperRight | Corner::LowerRight => Column::Right,
            Corner::UpperMiddle | Corner::LowerMiddle => Column::Middle,
        }
    }

    /// The pixel rectangle `[x0, x1) × [y0, y1)` of a box of `size` here in a plot of `plot`
    /// pixels, as plotters lays it out.
    pub fn rect(self, size: (u32, u32), plot: (u32, u32)) -> (i32, i32, i32, i32) {
        let (w, h) = (size.0 as i32, size.1 as i32);
        let (x0, y0) = match self {
            Corner::At(x, y) => (x, y),
            c => (
                c.column().left(plot.0 as f64, f64::from(size.0)) as i32,
                if c.is_upper() { EDGE_PX as i32 } else { plot.1 as i32 - h - EDGE_PX as i32 },
            ),
        };
        (x0, x0 + w, y0, y0 + h)
    }
}

/// The three places a legend can stand across a plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Left,
    Right,
    Middle,
}

impl Column {
    /// The box's left edge in a plot `plot_w` wide.
    fn left(self, plot_w: f64, box_w: f64) -> f64 {
        match self {
            Column::Left => EDGE_PX,
            Column::Right => plot_w - box_w - EDGE_PX,
            Column::Middle => (plot_w - box_w) / 2.0,
        }
    }

    /// The pixels across that the box and its padding take.
    fn span(self, plot_w: f64, box_w: f64) -> (f64, f64) {
        let left = self.left(plot_w, box_w);
        (left - PAD_PX, left + box_w + PAD_PX)
    }
}

impl From<Corner> for SeriesLabelPosition {
    fn from(corner: Corner) -> Self {
        match corner {
            Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
            Corner::UpperRight => SeriesLabelPosition::UpperRight,
            Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
            Corner::LowerRight => SeriesLabelPosition::LowerRight,
            Corner::UpperMiddle => SeriesLabelPosition::UpperMiddle,
            Corner::LowerMiddle => SeriesLabelPosition::LowerMiddle,
            Corner::At(x, y) => SeriesLabelPosition::Coordinate(x, y),
        }
    }
}

/// Where the legend goes and the top of the y axis that keeps the data out of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub corner: Corner,
    pub y_max: f64,
}

/// The y ranges `(lo, hi)` the polylines of `data` cover over `x` in `[a, b]`: one per segment
/// crossing it (clipped to it) and one per single point inside.
pub fn y_spans(data: &[&[(f64, f64)]], a: f64, b: f64) -> Vec<(f64, f64)> {
    let mut spans = Vec::new();
    let mut take = |y0: f64, y1: f64| {
        if y0.is_finite() && y1.is_finite() {
            spans.push((y0.min(y1), y0.max(y1)));
        }
    };
    for line in data {
        if let [(x, y)] = line
            && (a..=b).contains(x)
        {
            take(*y, *y);
        }
        for pair in line.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let (lo, hi) = (x0.min(x1), x0.max(x1));
            if hi < a || lo > b || !(x0.is_finite() && x1.is_finite()) {
                continue;
            }
            if x1 == x0 {
                take(y0, y1);
                continue;
            }
            // The segment is linear: over [a, b] it spans the values at its clipped ends.
            let at = |x: f64| y0 + (y1 - y0) * (x - x0) / (x1 - x0);
            take(at(lo.max(a)), at(hi.min(b)));
        }
    }
    spans
}

/// The lowest and highest y the polylines of `data` take over `x` in `[a, b]` (a single point
/// counts when inside), or `None` when no data are there.
pub fn y_extent(data: &[&[(f64, f64)]], a: f64, b: f64) -> Option<(f64, f64)> {
    y_spans(data, a, b).into_iter().reduce(|(lo, hi), (l, h)| (lo.min(l), hi.max(h)))
}

/// The top pixel row of the highest gap between the rows `taken` (each padded) where a box of
/// `box_h` fits inside a plot `plot_h` high.
fn highest_gap(mut taken: Vec<(f64, f64)>, box_h: f64, plot_h: f64) -> Option<f64> {
    taken.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut free_from = EDGE_PX;
    for (top, bottom) in taken.into_iter().map(|(t, b)| (t - PAD_PX, b + PAD_PX)) {
        if top - free_from >= box_h {
            break;
        }
        free_from = free_from.max(bottom);
    }
    (free_from + box_h <= plot_h - EDGE_PX).then_some(free_from)
}

/// Where a legend of `box_px` goes in `plot` over `data`: `prefer` if the data leave it free,
/// else the first free one of the corners and the middles of the top and bottom edges, else the
/// highest gap between the data on the left, right or middle, else the top position needing the
/// least head room, with `y_max` raised to give it.
pub fn place(box_px: (u32, u32), plot: &Plot, data: &[&[(f64, f64)]], prefer: Corner) -> Placement {
    let (w, h) = (f64::from(plot.px.0.max(1)), f64::from(plot.px.1.max(1)));
    let (x0, x1, y0, y1) = (plot.x.start, plot.x.end, plot.y.start, plot.y.end);
    let keep = Placement { corner: prefer, y_max: y1 };
    let (box_w, box_h) = (f64::from(box_px.0), f64::from(box_px.1));
    // Share of the height the box takes, from its edge.
    let f = (EDGE_PX + box_h + PAD_PX) / h;
    if f >= 0.9 || !(x1 > x0 && y1 > y0) {
        return keep;
    }
    let to_x = |px: f64| x0 + px / w * (x1 - x0);
    let spans = |column: Column| {
        let (a, b) = column.span(w, box_w);
        y_spans(data, to_x(a), to_x(b))
    };
    let mut best: Option<Placement> = None;
    let others = Corner::ALL.into_iter().filter(|&c| c != prefer);
    for corner in std::iter::once(prefer).chain(others) {
        let (a, b) = corner.column().span(w, box_w);
        let extent = y_extent(data, to_x(a), to_x(b));
        let y_max = match (extent, corner.is_upper()) {
            (None, _) => y1,
            (Some((_, hi)), true) if hi <= y0 + (1.0 - f) * (y1 - y0) => y1,
            (Some((_, hi)), true) => y0 + (hi - y0) / (1.0 - f),
            (Some((lo, _)), false) if lo >= y0 + f * (y1 - y0) => y1,
            (Some(_), false) => continue,
        };
        if y_max == y1 {
            return Placement { corner, y_max };
        }
        if best.is_none_or(|b| y_max < b.y_max) {
            best = Some(Placement { corner, y_max });
        }
    }
    let row = |y: f64| (y1 - y) / (y1 - y0) * h;
    for column in [prefer.column(), Column::Left, Column::Right, Column::Middle] {
        let taken = spans(column).into_iter().map(|(lo, hi)| (row(hi), row(lo))).collect();
        if let Some(top) = highest_gap(taken, box_h, h) {
            let left = column.left(w, box_w);
            return Placement { corner: Corner::At(left as i32, top as i32), y_max: y1 };
        }
    }
    best.unwrap_or(keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Corner::*;

    fn plot() -> Plot {
        Plot { px: (1000, 300), x: 0.0..100.0, y: 0.0..10.0 }
    }

    #[test]
    fn extents_of_lines_points_and_vertical_markers() {
        let line = [(0.0, 0.0), (100.0, 10.0)];
        assert_eq!(y_extent(&[&line], 20.0, 40.0), Some((2.0, 4.0)));
        let marker = [(50.0, 0.0), (50.0, 1.0)];
        assert_eq!(y_extent(&[&marker], 40.0, 60.0), Some((0.0, 1.0)));
        assert_eq!(y_extent(&[&marker], 60.0, 70.0), None);
        assert_eq!(y_extent(&[&[(5.0, 3.0)][..]], 0.0, 10.0), Some((3.0, 3.0)));
        // A horizontal line of two points crosses the box though no point is inside.
        assert_eq!(y_extent(&[&[(0.0, 9.0), (100.0, 9.0)][..]], 80.0, 90.0), Some((9.0, 9.0)));
    }

    #[test]
    fn a_legend_goes_where_the_data_leave_room() {
        let box_px = (300, 80);
        // A curve high on the left and low on the right: upper right is free.
        let falling = [(0.0, 9.5), (30.0, 9.5), (60.0, 1.0), (100.0, 1.0)];
        let p = place(box_px, &plot(), &[&falling], UpperLeft);
        assert_eq!((p.corner, p.y_max), (UpperRight, 10.0));
        // A flat line at the top: a lower corner is free, and the axis keeps its range.
        let flat = [(0.0, 9.5), (100.0, 9.5)];
        let p = place(box_px, &plot(), &[&flat], UpperLeft);
        assert_eq!((p.corner, p.y_max), (LowerLeft, 10.0));
        // Flat near the top and at the bottom: in the gap between them, below the top line.
        let floor = [(0.0, 0.2), (100.0, 0.2)];
        let p = place(box_px, &plot(), &[&flat, &floor], UpperLeft);
        let below_top_line = (10.0 - 9.5) / 10.0 * 300.0 + PAD_PX;
        assert_eq!((p.corner, p.y_max), (At(EDGE_PX as i32, below_top_line as i32), 10.0));
        // A zigzag filling the plot: the axis grows so that the top-left box clears it.
        let zigzag: Vec<(f64, f64)> = (0..=100).map(|i| (f64::from(i), if i % 2 == 0 { 0.0 } else { 9.5 })).collect();
        let p = place(box_px, &plot(), &[&zigzag], UpperLeft);
        assert_eq!(p.corner, UpperLeft);
        let f = (EDGE_PX + 80.0 + PAD_PX) / 300.0;
        assert!((p.y_max - 9.5 / (1.0 - f)).abs() < 1e-9, "{}", p.y_max);
        // Nothing drawn: the preferred corner.
        assert_eq!(place(box_px, &plot(), &[], LowerRight).corner, LowerRight);
        // A box taller than the plot cannot be fitted: left where asked.
        let p = place((300, 400), &plot(), &[&flat], UpperRight);
        assert_eq!((p.corner, p.y_max), (UpperRight, 10.0));
    }

    #[test]
    fn box_size_grows_with_the_labels() {
        super::super::ensure_font(std::path::Path::new("test.svg")).expect("font");
        let one = box_size(&["p50".to_string()]);
        let two = box_size(&["p50".to_string(), "a much longer label".to_string()]);
        assert!(two.0 > one.0 + 100 && two.1 > one.1 + 15, "{one:?} {two:?}");
    }
}
