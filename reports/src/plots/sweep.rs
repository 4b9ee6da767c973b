//! `sweep_latency_cost.{png,svg}`: the trade-off a parameter sweep is run for. One labelled
//! point per cell: x, what Proof-of-Proof costs (PoP fees per simulated day, sat); y, how long an
//! L2 block waits to become superfinal (p50 and p95 markers). Every coordinate is the mean over
//! the cell's replications, with its 95% interval as whiskers (vertical for the latency,
//! horizontal for the fees) when the cell has two replications or more.
//!
//! A sweep without PoP metrics (no `[pop]` table) gets `sweep_stale_rate.{png,svg}` instead, of
//! what it has: the Bitcoin stale rate against the first grid key (its values if all are
//! numbers, else the cell index; integer values get integer ticks), titled so that nobody
//! mistakes it for the trade-off. Cells where a coordinate is undefined are left out, and a note
//! below the chart says how many. Point labels are placed where they overlap neither each other,
//! the markers nor the legend, when the chart leaves such a place.

use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

use super::format::Unit;
use super::frame::{self, Frame, Legend, XTicks, text_width};
use super::legend::{self, Corner};
use super::{BLUE, FONT, Figure, GREEN, LABEL_PX, TITLE_PX, VERMILLION, centred_note, draw_legend};
use crate::sweep::{CellResult, MetricStat, POP_FEES_PER_DAY, POP_LATENCY_P50, POP_LATENCY_P95, STALE_RATE, SweepInfo};

/// Fees whose largest is this many times the smallest go on a log axis.
const LOG_SPAN: f64 = 30.0;

/// The data of the figure.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepLatencyCost {
    /// The file name without extension: what the figure shows.
    stem: &'static str,
    title: String,
    /// Integer ticks when every x is an integer (grid values 1, 2, 3 or cell indices), a log
    /// axis for fees spanning decades.
    x_ticks: XTicks,
    x_desc: String,
    y_desc: String,
    series: Vec<Series>,
    /// Below the chart: what the point labels are, and the cells left out.
    note: String,
    /// Centred in an empty chart.
    empty_note: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Series {
    name: String,
    colour: RGBColor,
    triangle: bool,
    /// Whether the points carry the cell labels (one series does, so each cell is named once).
    labelled: bool,
    points: Vec<Point>,
}

#[derive(Debug, Clone, PartialEq)]
struct Point {
    x: f64,
    x_ci: Option<(f64, f64)>,
    y: f64,
    y_ci: Option<(f64, f64)>,
    label: String,
}

/// A coordinate from a metric: its mean, and its interval if it has one, cut at 0 (every metric
/// plotted is a non-negative quantity; a t interval of few runs can reach below 0).
fn coordinate(stat: MetricStat) -> Option<(f64, Option<(f64, f64)>)> {
    let mean = stat.mean?;
    Some((mean, stat.ci95.map(|ci| (ci.low.max(0.0), ci.high))))
}

impl SweepLatencyCost {
    pub fn from_cells(info: &SweepInfo, cells: &[CellResult]) -> Self {
        let keys: Vec<&str> = info.grid.iter().map(|a| a.key.as_str()).collect();
        let title_tail = format!(
            "{}, {} cells × {} run{}",
            info.scenario_name,
            cells.len(),
            info.runs,
            if info.runs == 1 { "" } else { "s" }
        );
        let whiskers = if info.runs > 1 {
            format!("mean of {} runs, whiskers 95% CI", info.runs)
        } else {
            "one run per cell, no interval".to_string()
        };
        let labels = format!("Points labelled by {} ({whiskers})", keys.join(", "));
        let has_pop = cells
            .iter()
            .any(|c| c.metrics.stat(POP_FEES_PER_DAY).mean.is_some() && c.metrics.stat(POP_LATENCY_P50).mean.is_some());
        let mut figure =
            if has_pop { Self::pop(cells, &title_tail) } else { Self::stale_rate(info, cells, &title_tail) };
        let shown = figure.series.first().map_or(0, |s| s.points.len());
        figure.note = match cells.len() - shown {
            0 => labels,
            left_out => format!("{labels}; {left_out} of {} cells left out (undefined)", cells.len()),
        };
        figure
    }

    fn pop(cells: &[CellResult], title_tail: &str) -> Self {
        let series = |name: &str, path: &str, colour: RGBColor, triangle: bool, labelled: bool| Series {
            name: name.to_string(),
            colour,
            triangle,
            labelled,
            points: cells
                .iter()
                .filter_map(|c| {
                    let (x, x_ci) = coordinate(c.metrics.stat(POP_FEES_PER_DAY))?;
                    let (y, y_ci) = coordinate(c.metrics.stat(path))?;
                    Some(Point { x, x_ci, y, y_ci, label: c.short_label() })
                })
                .collect(),
        };
        let mut figure = Self {
            stem: "sweep_latency_cost",
            x_ticks: XTicks::Round,
            title: format!("Superfinality latency vs PoP cost — {title_tail}"),
            x_desc: "PoP fees per day (sat)".to_string(),
            y_desc: String::new(),
            series: vec![
                series("p50 latency", POP_LATENCY_P50, BLUE, false, true),
                series("p95 latency", POP_LATENCY_P95, VERMILLION, true, false),
            ],
            note: String::new(),
            empty_note: "no cell has PoP metrics".to_string(),
        };
        // Latencies in the time unit that suits the largest.
        let unit = Unit::time(figure.extents().1.into_iter().fold(0.0, f64::max));
        figure.y_desc = format!("Superfinality latency ({})", unit.name);
        figure.map_points(|p| {
            p.y /= unit.scale;
            p.y_ci = p.y_ci.map(|(lo, hi)| (lo / unit.scale, hi / unit.scale));
        });
        // Fees that span decades (keystones every 5 or every 100 blocks) go on a log axis, or the
        // cheap cells would crowd into one corner.
        let fees: Vec<f64> = figure.series.iter().flat_map(|s| &s.points).map(|p| p.x).collect();
        let (lo, hi) = fees.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        if lo > 0.0 && hi / lo >= LOG_SPAN {
            figure.x_ticks = XTicks::Log;
            figure.x_desc = "PoP fees per day (sat, log scale)".to_string();
            // A whisker cut at 0 stops a decade below the cheapest cell.
            let floor = lo / 10.0;
            figure.map_points(|p| {
                p.x = libm::log10(p.x);
                p.x_ci = p.x_ci.map(|(a, b)| (libm::log10(a.max(floor)), libm::log10(b.max(floor))));
            });
        }
        figure
    }

    fn map_points(&mut self, f: impl Fn(&mut Point)) {
        self.series.iter_mut().flat_map(|s| &mut s.points).for_each(f);
    }

    fn stale_rate(info: &SweepInfo, cells: &[CellResult], title_tail: &str) -> Self {
        let first = info.grid.first();
        let numeric: Option<Vec<f64>> =
            cells.iter().map(|c| c.values.first()?.parse::<f64>().ok().filter(|x| x.is_finite())).collect();
        let (xs, x_desc) = match (numeric, first) {
            (Some(xs), Some(axis)) => (xs, axis.key.clone()),
            _ => (cells.iter().map(|c| c.index as f64).collect(), "cell index".to_string()),
        };
        let x_ticks = if xs.iter().all(|x| x.fract() == 0.0) { XTicks::Integers } else { XTicks::Round };
        let points = cells
            .iter()
            .zip(xs)
            .filter_map(|(c, x)| {
                let (y, y_ci) = coordinate(c.metrics.stat(STALE_RATE))?;
                Some(Point { x, x_ci: None, y, y_ci, label: c.short_label() })
            })
            .collect();
        Self {
            stem: "sweep_stale_rate",
            x_ticks,
            title: format!("Stale rate (no PoP metrics in this sweep) — {title_tail}"),
            x_desc,
            y_desc: "Bitcoin stale rate (stale / all blocks)".to_string(),
            series: vec![Series {
                name: "stale rate".to_string(),
                colour: GREEN,
                triangle: false,
                labelled: true,
                points,
            }],
            note: String::new(),
            empty_note: "no cell has a stale rate (no blocks)".to_string(),
        }
    }

    /// The file name of the figure, without extension: `sweep_latency_cost` for the trade-off,
    /// `sweep_stale_rate` for a sweep without PoP metrics.
    pub fn stem(&self) -> &'static str {
        self.stem
    }

    /// The labels of the labelled series, one per position: cells at the same point (equal
    /// means) share one label, `a; b`, rather than print over each other.
    fn labels(&self) -> Vec<((f64, f64), String)> {
        let mut labels: Vec<((f64, f64), String)> = Vec::new();
        for p in self.series.iter().filter(|s| s.labelled).flat_map(|s| &s.points) {
            match labels.iter_mut().find(|(at, _)| *at == (p.x, p.y)) {
                Some((_, label)) => *label = format!("{label}; {}", p.label),
                None => labels.push(((p.x, p.y), p.label.clone())),
            }
        }
        labels
    }

    /// Every value a whisker or marker reaches, along x and along y.
    fn extents(&self) -> (Vec<f64>, Vec<f64>) {
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for p in self.series.iter().flat_map(|s| &s.points) {
            xs.push(p.x);
            ys.push(p.y);
            if let Some((lo, hi)) = p.x_ci {
                xs.extend([lo, hi]);
            }
            if let Some((lo, hi)) = p.y_ci {
                ys.extend([lo, hi]);
            }
        }
        (xs, ys)
    }
}

/// An axis range covering `values` with a margin (`right` extra on the high side, for labels);
/// `0..1` when there is nothing to show, a unit-wide range around a single value.
fn padded(values: &[f64], right: f64) -> Range<f64> {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return 0.0..1.0;
    }
    let span = if hi > lo { hi - lo } else { (hi.abs() * 0.2).max(1e-9).max(if hi == 0.0 { 1.0 } else { 0.0 }) };
    // Non-negative data keep the axis from reaching far below 0.
    let start = if lo >= 0.0 { (lo - 0.08 * span).max(-0.02 * span) } else { lo - 0.08 * span };
    start..(hi + (0.08 + right) * span)
}

/// Offsets (from a point, in pixels) of the near end and the middle height of a label, tried
/// in turn: above right, below right, above left, below left, right, left, then the same
/// farther out.
const LABEL_SPOTS: [(i32, i32); 12] = [
    (14, -22),
    (14, 22),
    (-14, -22),
    (-14, 22),
    (16, 0),
    (-16, 0),
    (24, -44),
    (24, 44),
    (-24, -44),
    (-24, 44),
    (36, 0),
    (-36, 0),
];

/// A rectangle in pixels, `[x0, x1) × [y0, y1)`.
type Rect = (i32, i32, i32, i32);

/// The pixels two rectangles share.
fn overlap_area(a: Rect, b: Rect) -> i64 {
    let w = (a.1.min(b.1) - a.0.max(b.0)).max(0);
    let h = (a.3.min(b.3) - a.2.max(b.2)).max(0);
    i64::from(w) * i64::from(h)
}

/// A label to place: its point and its size, in pixels.
type LabelAt = ((i32, i32), (i32, i32));

/// Places labels of `size` next to their points (pixels) so that they overlap neither one another
/// nor `obstacles` and stay `within`; a label with no free spot takes the one it overlaps least.
/// Returns each label's top-left corner.
fn place_labels(points: &[LabelAt], obstacles: &[Rect], within: Rect) -> Vec<(i32, i32)> {
    let mut taken: Vec<Rect> = obstacles.to_vec();
    points
        .iter()
        .map(|&((px, py), (w, h))| {
            let rect_at = |(dx, dy): (i32, i32)| {
                let x0 = if dx >= 0 { px + dx } else { px + dx - w };
                let y0 = py + dy - h / 2;
                (x0, x0 + w, y0, y0 + h)
            };
            // Pixels overlapped, with leaving the plot as bad as covering the whole label.
            let cost = |r: Rect| -> i64 {
                let inside = r.0 >= within.0 && r.1 <= within.1 && r.2 >= within.2 && r.3 <= within.3;
                let area = i64::from(r.1 - r.0) * i64::from(r.3 - r.2);
                let covered: i64 = taken.iter().map(|&t| overlap_area(r, t)).sum();
                covered + if inside { 0 } else { area }
            };
            let spots = LABEL_SPOTS.into_iter().map(rect_at);
            // The first free spot, else the least overlapped (the first of equals).
            let rect = spots.clone().find(|&r| cost(r) == 0).unwrap_or_else(|| {
                spots
                    .fold(
                        (i64::MAX, rect_at(LABEL_SPOTS[0])),
                        |best, r| if cost(r) < best.0 { (cost(r), r) } else { best },
                    )
                    .1
            });
            taken.push(rect);
            (rect.0, rect.2)
        })
        .collect()
}

impl Figure for SweepLatencyCost {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let (_, h) = root.dim_in_pixel();
        let (area, footer) = root.split_vertically(h.saturating_sub(44));
        let (xs, ys) = self.extents();
        let (x_range, y_range) = (padded(&xs, 0.12), padded(&ys, 0.12));
        // The legend keeps clear of every marker and whisker end.
        let reach: Vec<(f64, f64)> = self
            .series
            .iter()
            .flat_map(|s| &s.points)
            .flat_map(|p| {
                let (x_lo, x_hi) = p.x_ci.unwrap_or((p.x, p.x));
                let (y_lo, y_hi) = p.y_ci.unwrap_or((p.y, p.y));
                [(x_lo, p.y), (x_hi, p.y), (p.x, y_lo), (p.x, y_hi)]
            })
            .collect();
        let legend = Legend {
            labels: self.series.iter().map(|s| s.name.clone()).collect(),
            data: reach.chunks(1).collect(),
            prefer: Corner::UpperRight,
        };
        let frame = Frame {
            caption: Some((&self.title, TITLE_PX)),
            margin: 24,
            x: x_range,
            y: y_range,
            x_desc: &self.x_desc,
            y_desc: &self.y_desc,
            x_ticks: self.x_ticks,
            y_log: false,
            right_px: 0,
        };
        let (mut chart, position) = frame::build(&area, &frame, Some(&legend))?;
        let coords = chart.as_coord_spec().clone();
        let pixel = |x: f64, y: f64| coords.translate(&(x, y));
        let spread = self.series.len() as i32 - 1;
        let mut obstacles: Vec<Rect> = Vec::new();
        for (i, s) in self.series.iter().enumerate() {
            let whisker = s.colour.stroke_width(2);
            let faint = s.colour.mix(0.5).stroke_width(2);
            // Series side by side, a few pixels apart, so that overlapping intervals stay visible.
            let dx = 10 * i as i32 - 5 * spread;
            for p in &s.points {
                // The marker, and each whisker as the thin line it is (a label may cross one if
                // it must, but never a marker).
                let (px, py) = pixel(p.x, p.y);
                let x = px + dx;
                obstacles.push((x - 10, x + 10, py - 10, py + 10));
                if let Some((lo, hi)) = p.y_ci {
                    let (lo, hi) = (pixel(p.x, lo).1, pixel(p.x, hi).1);
                    obstacles.extend([
                        (x - 3, x + 3, hi, lo),
                        (x - 8, x + 8, hi - 3, hi + 3),
                        (x - 8, x + 8, lo - 3, lo + 3),
                    ]);
                }
                if let Some((lo, hi)) = p.x_ci {
                    obstacles.push((pixel(lo, p.y).0, pixel(hi, p.y).0, py - 3, py + 3));
                }
            }
            let vertical = s.points.iter().filter_map(|p| {
                let (lo, hi) = p.y_ci?;
                let (y0, y_lo, y_hi) = (pixel(p.x, p.y).1, pixel(p.x, lo).1, pixel(p.x, hi).1);
                let (lo, hi) = (y_lo - y0, y_hi - y0);
                let path = vec![(dx - 7, lo), (dx + 7, lo), (dx, lo), (dx, hi), (dx - 7, hi), (dx + 7, hi)];
                Some(EmptyElement::at((p.x, p.y)) + PathElement::new(path, whisker))
            });
            chart.draw_series(vertical)?;
            let horizontal = s.points.iter().filter_map(|p| {
                let (lo, hi) = p.x_ci?;
                Some(PathElement::new(vec![(lo, p.y), (hi, p.y)], faint))
            });
            chart.draw_series(horizontal)?;
            let (colour, name) = (s.colour, s.name.as_str());
            let fill = colour.filled();
            if s.triangle {
                let markers =
                    s.points.iter().map(|p| EmptyElement::at((p.x, p.y)) + TriangleMarker::new((dx, 0), 9, fill));
                chart
                    .draw_series(markers)?
                    .label(name)
                    .legend(move |(x, y)| TriangleMarker::new((x + 12, y), 9, colour.filled()));
            } else {
                let markers = s.points.iter().map(|p| EmptyElement::at((p.x, p.y)) + Circle::new((dx, 0), 7, fill));
                chart
                    .draw_series(markers)?
                    .label(name)
                    .legend(move |(x, y)| Circle::new((x + 12, y), 7, colour.filled()));
            }
        }
        let (x_px, y_px) = chart.plotting_area().get_pixel_range();
        let within = (x_px.start, x_px.end, y_px.start, y_px.end);
        obstacles.push(legend_rect(position, legend::box_size(&legend.labels), within));
        let labels = self.labels();
        let sized: Vec<LabelAt> = labels
            .iter()
            .map(|((x, y), text)| (pixel(*x, *y), (text_width(text, LABEL_PX) as i32, LABEL_PX as i32)))
            .collect();
        let font = (FONT, LABEL_PX).into_font().color(&BLACK);
        for ((_, text), at) in labels.iter().zip(place_labels(&sized, &obstacles, within)) {
            root.draw_text(text, &font, at)?;
        }
        draw_legend(&mut chart, position)?;
        if self.series.iter().all(|s| s.points.is_empty()) {
            centred_note(&chart.plotting_area().strip_coord_spec(), &self.empty_note)?;
        }
        let note_style = (FONT, LABEL_PX).into_font().color(&BLACK.mix(0.7));
        footer.draw_text(&self.note, &note_style, (24, 8))?;
        Ok(())
    }
}

/// The pixel rectangle of a legend of `size` at `corner` of the plotting area `plot`.
fn legend_rect(corner: Corner, size: (u32, u32), plot: Rect) -> Rect {
    let dims = ((plot.1 - plot.0).max(0) as u32, (plot.3 - plot.2).max(0) as u32);
    let (x0, x1, y0, y1) = corner.rect(size, dims);
    (plot.0 + x0, plot.0 + x1, plot.2 + y0, plot.2 + y1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::tests::{cell, info};

    #[test]
    fn pop_metrics_give_the_trade_off_with_p50_and_p95() {
        let cells = [
            cell(0, &["12", "25"], Some([300.0, 900.0, 5000.0]), Some(0.01)),
            cell(1, &["12", "50"], Some([600.0, 1500.0, 2500.0]), Some(0.02)),
        ];
        let figure = SweepLatencyCost::from_cells(&info(2), &cells);
        assert!(figure.title.starts_with("Superfinality latency vs PoP cost — unit, 2 cells × 2 runs"));
        assert_eq!(figure.series.len(), 2);
        let p95 = &figure.series[1].points[1];
        assert_eq!((p95.x, p95.label.as_str()), (2500.0, "12, 50"));
        assert!(p95.y_ci.is_some() && p95.x_ci.is_some(), "two runs give intervals");
        assert_eq!(
            figure.note,
            "Points labelled by l2.block_time_s, pop.keystone_interval_blocks (mean of 2 runs, whiskers 95% CI)"
        );
    }

    #[test]
    fn without_pop_metrics_the_stale_rate_is_plotted_against_the_first_key() {
        let cells = [
            cell(0, &["12", "25"], None, Some(0.01)),
            cell(1, &["6", "25"], None, None),
            cell(2, &["3", "25"], None, Some(0.03)),
        ];
        let figure = SweepLatencyCost::from_cells(&info(2), &cells);
        assert!(figure.title.starts_with("Stale rate (no PoP metrics in this sweep)"));
        assert_eq!(figure.x_desc, "l2.block_time_s");
        let xs: Vec<f64> = figure.series[0].points.iter().map(|p| p.x).collect();
        assert_eq!(xs, [12.0, 3.0]);
        assert!(figure.note.ends_with("; 1 of 3 cells left out (undefined)"), "{}", figure.note);
        let same = [
            cell(0, &["12", "25"], None, Some(0.0)),
            cell(1, &["12", "50"], None, Some(0.0)),
            cell(2, &["6", "50"], None, Some(0.0)),
        ];
        let labels = SweepLatencyCost::from_cells(&info(1), &same).labels();
        assert_eq!(labels, [((12.0, 0.0), "12, 25; 12, 50".to_string()), ((6.0, 0.0), "6, 50".to_string())]);
        let words = [cell(0, &["double-spend"], None, Some(0.1)), cell(1, &["selfish-mining"], None, Some(0.2))];
        let figure = SweepLatencyCost::from_cells(&info(2), &words);
        assert_eq!(figure.x_desc, "cell index");
        assert_eq!(figure.series[0].points[1].x, 1.0);
    }

    #[test]
    fn integer_keys_get_integer_ticks_and_wide_fees_a_log_axis() {
        let ints = [cell(0, &["3", "25"], None, Some(0.01)), cell(1, &["6", "25"], None, Some(0.03))];
        let figure = SweepLatencyCost::from_cells(&info(2), &ints);
        assert_eq!((figure.stem(), figure.x_ticks), ("sweep_stale_rate", XTicks::Integers));
        let reals = [cell(0, &["0.5", "25"], None, Some(0.01)), cell(1, &["2", "25"], None, Some(0.03))];
        assert_eq!(SweepLatencyCost::from_cells(&info(2), &reals).x_ticks, XTicks::Round);
        // The SVG of the integer grid has no tick between 3 and 6 but 4 and 5.
        super::super::ensure_font(std::path::Path::new("test.svg")).expect("font");
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, super::super::SIZE).into_drawing_area();
            figure.draw(&root).expect("drawable");
            root.present().expect("presentable");
        }
        assert!(svg.contains(">\n4\n</text>") && svg.contains(">\n5\n</text>"), "{svg:.300}");
        for half in [">\n3.5\n</text>", ">\n4.5\n</text>", ">\n5.5\n</text>"] {
            assert!(!svg.contains(half), "{half}");
        }
        // Keystones every 5 to every 100 blocks: fees 60 times apart, on a log axis.
        let pop = [
            cell(0, &["12", "5"], Some([300.0, 900.0, 6_000_000.0]), None),
            cell(1, &["12", "100"], Some([600.0, 1500.0, 100_000.0]), None),
        ];
        let figure = SweepLatencyCost::from_cells(&info(2), &pop);
        assert_eq!((figure.stem(), figure.x_ticks), ("sweep_latency_cost", XTicks::Log));
        assert_eq!(figure.series[0].points[1].x, 5.0, "log10 of 100,000 sat/day");
        assert_eq!(figure.y_desc, "Superfinality latency (min)");
    }

    #[test]
    fn labels_keep_off_each_other_and_the_obstacles() {
        let within = (0, 1000, 0, 600);
        // Two points close together: the second label moves rather than cover the first.
        let points = [((500, 300), (60, 20)), ((505, 300), (60, 20))];
        let at = place_labels(&points, &[], within);
        let rect = |(x, y): (i32, i32)| (x, x + 60, y, y + 20);
        assert_eq!(overlap_area(rect(at[0]), rect(at[1])), 0, "{at:?}");
        // A point at the right edge: its label goes left, inside the plot.
        let at = place_labels(&[((990, 300), (60, 20))], &[], within);
        assert!(at[0].0 + 60 <= 1000, "{at:?}");
        // Boxed in: the least-covered spot, never a panic.
        assert_eq!(place_labels(&[((500, 300), (60, 20))], &[within], within).len(), 1);
    }

    #[test]
    fn axis_ranges_survive_one_point_and_none() {
        assert_eq!(padded(&[], 0.0), 0.0..1.0);
        let one = padded(&[0.0], 0.0);
        assert!(one.start < 0.0 && one.end > 0.0);
        let same = padded(&[5.0, 5.0], 0.0);
        assert!(same.start < 5.0 && same.end > 5.0);
        assert!(padded(&[f64::NAN, 1.0, 3.0], 0.25).end > 3.5);
    }
}
