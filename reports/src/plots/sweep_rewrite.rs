//! `sweep_rewrite.{png,svg}`: what a history-rewrite sweep is run for (README "Can Hemi's history
//! be rewritten?"). x, the attacker's share of Bitcoin's hash rate q; y, the share of runs whose
//! rewritten history became the canonical chain, with its Wilson 95% interval as whiskers. One
//! line per fork choice and publication depth d (a colour per d; circles for `pop`, triangles
//! for `derivation`), and under `pop` the catch-up race's closed form (q/p)^(d+1) as a thin line
//! of the same colour (docs/validation.md §9). Cells without a decided rewrite are left out, and
//! the note below the chart says how many.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{self, Frame, Legend, XTicks};
use super::legend::Corner;
use super::{BLUE, FONT, Figure, GREEN, LABEL_PX, ORANGE, PURPLE, TITLE_PX, VERMILLION, centred_note, draw_legend};
use crate::sweep::{CellResult, SweepInfo};
use crate::theory::pop_rewrite_success;

/// Colours of the depths, in increasing d.
const DEPTH_COLOURS: [RGBColor; 5] = [BLUE, VERMILLION, GREEN, ORANGE, PURPLE];

/// Points on each closed-form curve.
const CURVE_POINTS: usize = 60;

/// The data of the figure.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRewrite {
    title: String,
    series: Vec<Series>,
    /// Under `pop`, one per depth.
    curves: Vec<ClosedForm>,
    x_max: f64,
    note: String,
}

/// The catch-up race's closed form at one publication depth, sampled along q.
#[derive(Debug, Clone, PartialEq)]
struct ClosedForm {
    depth: u32,
    colour: RGBColor,
    curve: Vec<(f64, f64)>,
}

impl ClosedForm {
    /// Its legend entry (the same text the legend's placement measures).
    fn name(&self) -> String {
        format!("pop closed form (q/p)^{}, d = {}", self.depth + 1, self.depth)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Series {
    fork_choice: String,
    depth: u32,
    colour: RGBColor,
    /// (q, success rate, Wilson 95% interval), in increasing q.
    points: Vec<(f64, f64, (f64, f64))>,
}

impl Series {
    fn name(&self) -> String {
        format!("{}, d = {}", self.fork_choice, self.depth)
    }
}

impl SweepRewrite {
    /// The file name of the figure, without extension.
    pub const STEM: &'static str = "sweep_rewrite";

    pub fn from_cells(info: &SweepInfo, cells: &[CellResult]) -> Self {
        let rewrites: Vec<_> = cells.iter().filter_map(|c| c.metrics.rewrite.as_ref()).collect();
        let mut depths: Vec<u32> = rewrites.iter().map(|r| r.publication_depth_blocks).collect();
        depths.sort_unstable();
        depths.dedup();
        let colour = |d: u32| {
            let at = depths.iter().position(|&x| x == d).unwrap_or(0);
            DEPTH_COLOURS[at % DEPTH_COLOURS.len()]
        };
        let mut series: Vec<Series> = Vec::new();
        let mut shown = 0;
        for r in &rewrites {
            let (Some(rate), Some(ci)) = (r.success_rate(), r.success_ci95()) else { continue };
            shown += 1;
            let point = (r.hashrate_share, rate, (ci.low, ci.high));
            match series.iter_mut().find(|s| s.fork_choice == r.fork_choice && s.depth == r.publication_depth_blocks) {
                Some(s) => s.points.push(point),
                None => series.push(Series {
                    fork_choice: r.fork_choice.clone(),
                    depth: r.publication_depth_blocks,
                    colour: colour(r.publication_depth_blocks),
                    points: vec![point],
                }),
            }
        }
        // Rules in name order (derivation, pop), depths increasing; points along q.
        series.sort_by(|a, b| (a.fork_choice.as_str(), a.depth).cmp(&(b.fork_choice.as_str(), b.depth)));
        for s in &mut series {
            s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let x_max = rewrites.iter().map(|r| r.hashrate_share).fold(0.0, f64::max);
        let mut pop_depths: Vec<u32> = series.iter().filter(|s| s.fork_choice == "pop").map(|s| s.depth).collect();
        pop_depths.dedup();
        let curves = pop_depths
            .into_iter()
            .map(|d| {
                let curve = (0..=CURVE_POINTS)
                    .map(|i| {
                        let q = x_max * i as f64 / CURVE_POINTS as f64;
                        (q, pop_rewrite_success(q, d).min(1.0))
                    })
                    .collect();
                ClosedForm { depth: d, colour: colour(d), curve }
            })
            .collect();
        let runs = if info.runs == 1 { "1 run".to_string() } else { format!("{} runs", info.runs) };
        let left_out = cells.len() - shown;
        let mut note = format!(
            "Share of runs whose rewritten history became canonical; whiskers: Wilson 95% interval ({runs} per cell)"
        );
        if left_out > 0 {
            note.push_str(&format!("; {left_out} of {} cells left out (no rewrite)", cells.len()));
        }
        Self {
            title: format!(
                "History rewrite success vs attacker hash rate — {}, {} cell{}",
                info.scenario_name,
                cells.len(),
                if cells.len() == 1 { "" } else { "s" }
            ),
            series,
            curves,
            x_max,
            note,
        }
    }
}

impl Figure for SweepRewrite {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let (_, h) = root.dim_in_pixel();
        let (area, footer) = root.split_vertically(h.saturating_sub(44));
        let span = if self.x_max > 0.0 { self.x_max } else { 0.5 };
        let lines: Vec<Vec<(f64, f64)>> =
            self.series.iter().map(|s| s.points.iter().map(|&(q, y, _)| (q, y)).collect()).collect();
        let whisker_ends: Vec<Vec<(f64, f64)>> = self
            .series
            .iter()
            .map(|s| s.points.iter().flat_map(|&(q, _, (lo, hi))| [(q, lo), (q, hi)]).collect())
            .collect();
        let mut labels: Vec<String> = self.series.iter().map(Series::name).collect();
        labels.extend(self.curves.iter().map(ClosedForm::name));
        let mut data: Vec<&[(f64, f64)]> = lines.iter().map(Vec::as_slice).collect();
        data.extend(whisker_ends.iter().flat_map(|w| w.chunks(1)));
        data.extend(self.curves.iter().map(|c| c.curve.as_slice()));
        let legend = Legend { labels, data, prefer: Corner::UpperLeft };
        let frame = Frame {
            caption: Some((&self.title, TITLE_PX)),
            margin: 24,
            x: -0.04 * span..1.06 * span,
            y: -0.03..1.08,
            x_desc: "Attacker's share of Bitcoin hash rate q",
            y_desc: "Rewrite success rate",
            x_ticks: XTicks::Round,
            y_log: false,
            right_px: 0,
        };
        let (mut chart, position) = frame::build(&area, &frame, Some(&legend))?;
        let spread = self.series.len() as i32 - 1;
        for (i, s) in self.series.iter().enumerate() {
            let colour = s.colour;
            let style = colour.stroke_width(if s.fork_choice == "pop" { 3 } else { 2 });
            // Series side by side, a few pixels apart, so that equal rates (every derivation
            // line at 1) and overlapping intervals stay visible.
            let dx = 6 * i as i32 - 3 * spread;
            let whiskers = s.points.iter().map(|&(q, y, (lo, hi))| {
                let coords = chart.as_coord_spec();
                let (y0, y_lo, y_hi) =
                    (coords.translate(&(q, y)).1, coords.translate(&(q, lo)).1, coords.translate(&(q, hi)).1);
                let (lo, hi) = (y_lo - y0, y_hi - y0);
                let path = vec![(dx - 6, lo), (dx + 6, lo), (dx, lo), (dx, hi), (dx - 6, hi), (dx + 6, hi)];
                EmptyElement::at((q, y)) + PathElement::new(path, colour.stroke_width(2))
            });
            let whiskers: Vec<_> = whiskers.collect();
            chart.draw_series(whiskers)?;
            let line: Vec<(f64, f64)> = s.points.iter().map(|&(q, y, _)| (q, y)).collect();
            frame::draw_line(&mut chart, &line, style)?;
            let fill = colour.filled();
            if s.fork_choice == "pop" {
                let markers =
                    s.points.iter().map(|&(q, y, _)| EmptyElement::at((q, y)) + Circle::new((dx, 0), 7, fill));
                chart
                    .draw_series(markers)?
                    .label(s.name())
                    .legend(move |(x, y)| Circle::new((x + 12, y), 7, colour.filled()));
            } else {
                let markers =
                    s.points.iter().map(|&(q, y, _)| EmptyElement::at((q, y)) + TriangleMarker::new((dx, 0), 9, fill));
                chart
                    .draw_series(markers)?
                    .label(s.name())
                    .legend(move |(x, y)| TriangleMarker::new((x + 12, y), 9, colour.filled()));
            }
        }
        for closed_form in &self.curves {
            let colour = closed_form.colour;
            let thin = colour.mix(0.6).stroke_width(1);
            frame::draw_line(&mut chart, &closed_form.curve, thin)?
                .label(closed_form.name())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour.mix(0.6).stroke_width(1)));
        }
        draw_legend(&mut chart, position)?;
        if self.series.is_empty() {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no cell made a rewrite")?;
        }
        let note_style = (FONT, LABEL_PX).into_font().color(&BLACK.mix(0.7));
        footer.draw_text(&self.note, &note_style, (24, 8))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::RewriteCell;
    use crate::sweep::tests::{cell, info};

    fn rewrite_cell(index: usize, rule: &str, q: f64, d: u32, successes: u64) -> CellResult {
        let mut c = cell(index, &["12", "25"], None, Some(0.01));
        c.metrics.rewrite = Some(RewriteCell {
            fork_choice: rule.to_string(),
            hashrate_share: q,
            publication_depth_blocks: d,
            depth_l2_blocks: 100,
            trials: 20,
            successes,
            values: vec![vec![Some(0.0), Some(1.0)]; 3],
        });
        c
    }

    #[test]
    fn one_line_per_rule_and_depth_with_the_closed_form_under_pop() {
        let cells = [
            rewrite_cell(0, "pop", 0.25, 2, 1),
            rewrite_cell(1, "pop", 0.0, 2, 0),
            rewrite_cell(2, "derivation", 0.0, 2, 20),
            rewrite_cell(3, "pop", 0.25, 1, 2),
            cell(4, &["6", "25"], None, Some(0.01)),
        ];
        let figure = SweepRewrite::from_cells(&info(20), &cells);
        let names: Vec<String> = figure.series.iter().map(Series::name).collect();
        assert_eq!(names, ["derivation, d = 2", "pop, d = 1", "pop, d = 2"]);
        assert_eq!(figure.series[2].points.iter().map(|p| p.0).collect::<Vec<_>>(), [0.0, 0.25], "along q");
        assert_eq!(figure.series[0].points[0].1, 1.0);
        let depths: Vec<u32> = figure.curves.iter().map(|c| c.depth).collect();
        assert_eq!(depths, [1, 2], "a closed form per pop depth, none for derivation");
        let end = figure.curves[1].curve.last().expect("points");
        assert_eq!(end.0, 0.25);
        assert!((end.1 - (1.0f64 / 3.0).powi(3)).abs() < 1e-12, "{end:?}");
        assert!(figure.note.ends_with("1 of 5 cells left out (no rewrite)"), "{}", figure.note);
        // It draws, with its legend.
        super::super::ensure_font(std::path::Path::new("test.svg")).expect("font");
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, super::super::SIZE).into_drawing_area();
            figure.draw(&root).expect("drawable");
            root.present().expect("presentable");
        }
        assert!(svg.contains("pop closed form (q/p)^3, d = 2"), "{svg:.300}");
    }
}
