//! `sweep_latency_cost.{png,svg}`: the trade-off a parameter sweep is run for. One labelled
//! point per cell: x, what Proof-of-Proof costs (PoP fees per simulated day, sat); y, how long an
//! L2 block waits to become superfinal (p50 and p95 markers). Every coordinate is the mean over
//! the cell's replications, with its 95% interval as whiskers (vertical for the latency,
//! horizontal for the fees) when the cell has two replications or more.
//!
//! A sweep without PoP metrics (no `[pop]` table) still gets the figure, of what it has: the
//! Bitcoin stale rate against the first grid key (its values if all are numbers, else the cell
//! index), titled so that nobody mistakes it for the trade-off. Cells where a coordinate is
//! undefined are left out, and a note below the chart says how many.

use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

use super::{
    AXIS_PX, BLUE, Figure, GREEN, GRID, LABEL_PX, TITLE_PX, VERMILLION, centred_note, draw_legend,
};
use crate::sweep::{
    CellResult, MetricStat, POP_FEES_PER_DAY, POP_LATENCY_P50, POP_LATENCY_P95, STALE_RATE,
    SweepInfo,
};

/// The data of the figure.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepLatencyCost {
    title: String,
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
        let has_pop = cells.iter().any(|c| {
            c.metrics.stat(POP_FEES_PER_DAY).mean.is_some()
                && c.metrics.stat(POP_LATENCY_P50).mean.is_some()
        });
        let mut figure = if has_pop {
            Self::pop(cells, &title_tail)
        } else {
            Self::stale_rate(info, cells, &title_tail)
        };
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
        Self {
            title: format!("Superfinality latency vs PoP cost — {title_tail}"),
            x_desc: "PoP fees per day (sat)".to_string(),
            y_desc: "Superfinality latency (s)".to_string(),
            series: vec![
                series("p50 latency", POP_LATENCY_P50, BLUE, false, true),
                series("p95 latency", POP_LATENCY_P95, VERMILLION, true, false),
            ],
            note: String::new(),
            empty_note: "no cell has PoP metrics".to_string(),
        }
    }

    fn stale_rate(info: &SweepInfo, cells: &[CellResult], title_tail: &str) -> Self {
        let first = info.grid.first();
        let numeric: Option<Vec<f64>> = cells
            .iter()
            .map(|c| c.values.first()?.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        let (xs, x_desc) = match (numeric, first) {
            (Some(xs), Some(axis)) => (xs, axis.key.clone()),
            _ => (cells.iter().map(|c| c.index as f64).collect(), "cell index".to_string()),
        };
        let points = cells
            .iter()
            .zip(xs)
            .filter_map(|(c, x)| {
                let (y, y_ci) = coordinate(c.metrics.stat(STALE_RATE))?;
                Some(Point { x, x_ci: None, y, y_ci, label: c.short_label() })
            })
            .collect();
        Self {
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
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo > hi {
        return 0.0..1.0;
    }
    let span = if hi > lo {
        hi - lo
    } else {
        (hi.abs() * 0.2).max(1e-9).max(if hi == 0.0 { 1.0 } else { 0.0 })
    };
    // Non-negative data keep the axis from reaching far below 0.
    let start = if lo >= 0.0 { (lo - 0.08 * span).max(-0.02 * span) } else { lo - 0.08 * span };
    start..(hi + (0.08 + right) * span)
}

/// A tick label with as many decimals as an axis spanning `span` needs.
fn tick(v: f64, span: f64) -> String {
    let decimals = if span >= 50.0 {
        0
    } else {
        (1.0 - libm::floor(libm::log10(span.max(1e-9)))).clamp(0.0, 6.0) as usize
    };
    format!("{v:.decimals$}")
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
        let (x_range, y_range) = (padded(&xs, 0.25), padded(&ys, 0.12));
        let (x_span, y_span) = (x_range.end - x_range.start, y_range.end - y_range.start);
        let mut chart = ChartBuilder::on(&area)
            .caption(&self.title, ("sans-serif", TITLE_PX))
            .margin(24)
            .x_label_area_size(90)
            .y_label_area_size(120)
            .build_cartesian_2d(x_range, y_range)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style(("sans-serif", AXIS_PX))
            .label_style(("sans-serif", LABEL_PX))
            .x_label_formatter(&|x| tick(*x, x_span))
            .y_label_formatter(&|y| tick(*y, y_span))
            .draw()?;
        let coords = chart.as_coord_spec().clone();
        let pixel_y = |x: f64, y: f64| coords.translate(&(x, y)).1;
        let spread = self.series.len() as i32 - 1;
        for (i, s) in self.series.iter().enumerate() {
            let whisker = s.colour.stroke_width(2);
            let faint = s.colour.mix(0.5).stroke_width(2);
            // Series side by side, a few pixels apart, so that overlapping intervals stay visible.
            let dx = 10 * i as i32 - 5 * spread;
            let vertical = s.points.iter().filter_map(|p| {
                let (lo, hi) = p.y_ci?;
                let (y0, y_lo, y_hi) = (pixel_y(p.x, p.y), pixel_y(p.x, lo), pixel_y(p.x, hi));
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
                let markers = s.points.iter().map(|p| EmptyElement::at((p.x, p.y)) + TriangleMarker::new((dx, 0), 9, fill));
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
        let font = ("sans-serif", LABEL_PX).into_font().color(&BLACK);
        chart.draw_series(self.labels().into_iter().map(|(at, label)| {
            EmptyElement::at(at) + Text::new(label, (20, -30), font.clone())
        }))?;
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        if self.series.iter().all(|s| s.points.is_empty()) {
            centred_note(&chart.plotting_area().strip_coord_spec(), &self.empty_note)?;
        }
        let note_style = ("sans-serif", LABEL_PX).into_font().color(&BLACK.mix(0.7));
        footer.draw_text(&self.note, &note_style, (24, 8))?;
        Ok(())
    }
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
        let same = [cell(0, &["12", "25"], None, Some(0.0)), cell(1, &["12", "50"], None, Some(0.0)), cell(2, &["6", "50"], None, Some(0.0))];
        let labels = SweepLatencyCost::from_cells(&info(1), &same).labels();
        assert_eq!(labels, [((12.0, 0.0), "12, 25; 12, 50".to_string()), ((6.0, 0.0), "6, 50".to_string())]);
        let words = [cell(0, &["double-spend"], None, Some(0.1)), cell(1, &["selfish-mining"], None, Some(0.2))];
        let figure = SweepLatencyCost::from_cells(&info(2), &words);
        assert_eq!(figure.x_desc, "cell index");
        assert_eq!(figure.series[0].points[1].x, 1.0);
    }

    #[test]
    fn axis_ranges_survive_one_point_and_none() {
        assert_eq!(padded(&[], 0.0), 0.0..1.0);
        let one = padded(&[0.0], 0.0);
        assert!(one.start < 0.0 && one.end > 0.0);
        let same = padded(&[5.0, 5.0], 0.0);
        assert!(same.start < 5.0 && same.end > 5.0);
        assert!(padded(&[f64::NAN, 1.0, 3.0], 0.25).end > 3.5);
        assert_eq!(tick(1234.4, 2000.0), "1234");
        assert_eq!(tick(0.0123, 0.02), "0.012");
        assert_eq!(tick(6.0, 8.4), "6.0");
    }
}
