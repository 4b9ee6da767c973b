//! `pop_timeline.{png,svg}`: superfinality over the run (first replication). Top: each L2
//! block's superfinality latency against the time it was produced, blocks still waiting at the
//! end as a lower bound, and every fee deferral as a thin vertical line. Bottom: the fee rate of
//! every PoP transaction sent and every deferred estimate, under the miners' fee cap.
//!
//! In calm conditions the top curve is a sawtooth around the closed-form mean (each keystone
//! finalizes the blocks since the previous one). A fee spike above the cap shows as a band of
//! deferrals during which no keystone is published: the latency of the blocks produced then
//! climbs as a ramp, and drops back once a keystone is published after the spike and finalizes
//! all of them at once (inheritance).

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::plots::axes::{Axes, Points, axes_with_legend, envelope, first_run_source};
use crate::plots::frame::{self, Legend, draw_line};
use crate::plots::panel::{Corner, Unit, thousands, two_panels, y_top};
use crate::plots::{BLUE, Figure, ORANGE, VERMILLION, centred_note, draw_legend};
use crate::pop::metrics::block_latencies;
use crate::pop::summary::expected_latency;
use crate::record::RunRecord;

/// The data of the figure: the first replication, times in seconds.
#[derive(Debug, Clone)]
pub struct PopTimeline {
    title: String,
    /// `(produced_at_s, latency_s)` of the blocks that became superfinal, in block order.
    finished: Vec<(f64, f64)>,
    /// `(produced_at_s, waited_s)` of the blocks still waiting at the end.
    pending: Vec<(f64, f64)>,
    /// `(at_s, estimate in sat/vB)` of every fee deferral.
    deferrals: Vec<(f64, f64)>,
    /// `(sent_at_s, fee rate in sat/vB)` of every PoP transaction sent.
    sent: Vec<(f64, f64)>,
    fee_cap_sat_per_vb: f64,
    expected_mean_s: Option<f64>,
    /// End of the time axis: the run's simulated time.
    end_s: f64,
}

impl PopTimeline {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let first = records.first();
        let pop = first.and_then(|r| r.pop.as_ref());
        let blocks = first.map(block_latencies).unwrap_or_default();
        let point = |b: &crate::pop::metrics::BlockLatency| (b.produced_at_us as f64 / 1e6, b.latency_us as f64 / 1e6);
        let s = |us: u64| us as f64 / 1e6;
        let expected_mean_s = first.zip(pop).and_then(|(r, p)| expected_latency(r, p).mean);
        let name = first.map_or("", |r| r.meta.scenario_name.as_str());
        Self {
            title: format!("PoP superfinality over time — {name}, {}", first_run_source(records)),
            finished: blocks.iter().filter(|b| b.superfinal).map(point).collect(),
            pending: blocks.iter().filter(|b| !b.superfinal).map(point).collect(),
            deferrals: pop.map_or_else(Vec::new, |p| {
                p.fee_deferrals.iter().map(|d| (s(d.at_us), d.estimate_sat_per_vb)).collect()
            }),
            sent: pop
                .map_or_else(Vec::new, |p| p.sent.iter().map(|t| (s(t.sent_at_us), t.fee_rate_sat_per_vb)).collect()),
            fee_cap_sat_per_vb: pop.map_or(f64::NAN, |p| p.fee_cap_sat_per_vb),
            expected_mean_s,
            end_s: first.map_or(0.0, |r| s(r.meta.sim_time_us)),
        }
    }

    /// The shared time axis: its unit and the label `what (unit)`.
    fn time_axis(&self, what: &str) -> (Unit, String) {
        let unit = Unit::time(self.end_s);
        (unit, format!("{what} ({})", unit.name))
    }

    fn draw_latency<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (time, x_desc) = self.time_axis("Simulated time the L2 block was produced");
        let peak =
            self.finished.iter().chain(&self.pending).map(|p| p.1).chain(self.expected_mean_s).fold(0.0, f64::max);
        let unit = Unit::time(peak);
        let scale = |points: &[(f64, f64)]| -> Vec<(f64, f64)> {
            points.iter().map(|&(x, y)| (x / time.scale, y / unit.scale)).collect()
        };
        let (upper, lower, group) = envelope(&scale(&self.finished));
        let pending = envelope(&scale(&self.pending)).0;
        let x_end = self.end_s / time.scale;
        let mean = self.expected_mean_s.map(|m| (m, [(0.0, m / unit.scale), (x_end, m / unit.scale)]));
        // The labels in drawing order; the deferrals are a background band, not data to keep
        // clear of the legend.
        let mut labels = Vec::new();
        if !self.deferrals.is_empty() {
            labels.push(format!("Fee deferrals ({}): estimate above the cap", thousands(self.deferrals.len() as u64)));
        }
        labels.push(match group {
            1 => "Superfinal: latency per block".to_string(),
            g => format!("Superfinal: max and min per {g} blocks"),
        });
        if !pending.is_empty() {
            labels.push("Still waiting at the end (a lower bound)".to_string());
        }
        let mut data: Vec<&[(f64, f64)]> = vec![&upper, &lower, &pending];
        if let Some((m, line)) = &mean {
            labels.push(format!("Closed-form mean {}", unit.format(*m)));
            data.push(line);
        }
        let y_desc = format!("Superfinality latency ({})", unit.name);
        let legend = Legend { labels, data, prefer: Corner::UpperLeft };
        let (mut chart, position) = axes_with_legend(
            area,
            &Axes {
                caption: Some("Latency of each L2 block"),
                x_max: x_end,
                x_desc: &x_desc,
                y_max: y_top(&[peak / unit.scale], 0.0),
                y_desc: &y_desc,
                x_labels: true,
            },
            &legend,
        )?;
        let mut labels = legend.labels.iter().cloned();
        let mut label = || labels.next().unwrap_or_default();
        if !self.deferrals.is_empty() {
            let y_max = chart.as_coord_spec().get_y_range().end;
            let band = VERMILLION.mix(0.3).stroke_width(1);
            let lines = self.deferrals.iter().map(|&(t, _)| {
                let x = t / time.scale;
                PathElement::new(vec![(x, 0.0), (x, y_max)], band)
            });
            let solid = VERMILLION.mix(0.6).stroke_width(3);
            chart
                .draw_series(lines)?
                .label(label())
                .legend(move |(x, y)| PathElement::new(vec![(x + 9, y - 9), (x + 9, y + 9)], solid));
        }
        let stroke = BLUE.stroke_width(2);
        let superfinal = label();
        if group > 1 {
            draw_line(&mut chart, &lower, stroke)?;
        }
        draw_line(&mut chart, &upper, stroke)?
            .label(superfinal)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], stroke));
        if !pending.is_empty() {
            let stroke = ORANGE.stroke_width(3);
            draw_line(&mut chart, &pending, stroke)?
                .label(label())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], stroke));
        }
        if let Some((_, line)) = mean {
            let style = BLACK.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(line, 14, 8, style))?
                .label(label())
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 18, y)], 6, 4, style));
        }
        draw_legend(&mut chart, position)?;
        if self.finished.is_empty() && self.pending.is_empty() {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no L2 blocks produced")?;
        }
        Ok(())
    }

    /// The fee panel's y range in log₁₀(sat/vB): from a little below the smallest positive rate
    /// (or the cap) to a little above the largest, so that 1 sat/vB stands clear of the axis.
    fn fee_range(&self) -> std::ops::Range<f64> {
        let rates = self.sent.iter().chain(&self.deferrals).map(|p| p.1);
        let positive: Vec<f64> =
            rates.chain(Some(self.fee_cap_sat_per_vb)).filter(|r| r.is_finite() && *r > 0.0).map(libm::log10).collect();
        let lo = positive.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = positive.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if lo > hi {
            return 0.0..1.0;
        }
        let pad = (0.08 * (hi - lo)).max(0.15);
        (lo - pad)..(hi + pad)
    }

    fn draw_fees<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (time, x_desc) = self.time_axis("Simulated time");
        let cap = Some(self.fee_cap_sat_per_vb).filter(|c| c.is_finite() && *c > 0.0);
        let x_max = self.end_s / time.scale;
        let range = self.fee_range();
        // Rates on a log axis: each point at log₁₀ of its rate (a rate of 0 on the axis' floor).
        let log = |r: f64| if r > 0.0 { libm::log10(r).max(range.start) } else { range.start };
        let at = |points: &[(f64, f64)]| -> Points { points.iter().map(|&(t, r)| (t / time.scale, log(r))).collect() };
        let (sent, deferred) = (at(&self.sent), at(&self.deferrals));
        let cap_line = cap.map(|c| [(0.0, log(c)), (x_max, log(c))]);
        let mut labels = vec![
            format!("Sent ({}): fee rate paid", thousands(self.sent.len() as u64)),
            format!("Deferred ({}): the node's estimate", thousands(self.deferrals.len() as u64)),
        ];
        let mut data: Vec<&[(f64, f64)]> = sent.chunks(1).chain(deferred.chunks(1)).collect();
        if let (Some(c), Some(line)) = (cap, &cap_line) {
            labels.push(format!("Fee cap {c} sat/vB"));
            data.push(line);
        }
        let legend = Legend { labels, data, prefer: Corner::UpperLeft };
        let axes = Axes {
            caption: Some("Fee rates of PoP transactions"),
            x_max,
            x_desc: &x_desc,
            y_max: 1.0,
            y_desc: "Fee rate (sat/vB, log scale)",
            x_labels: true,
        };
        let mut frame = axes.frame();
        (frame.y, frame.y_log) = (range, true);
        let (mut chart, position) = frame::build(area, &frame, Some(&legend))?;
        let mut labels = legend.labels.iter().cloned();
        let mut label = || labels.next().unwrap_or_default();
        let dot = BLUE.mix(0.8).filled();
        chart
            .draw_series(sent.iter().map(|&p| Circle::new(p, 3, dot)))?
            .label(label())
            .legend(move |(x, y)| Circle::new((x + 9, y), 4, dot));
        let mark = VERMILLION.filled();
        chart
            .draw_series(deferred.iter().map(|&p| TriangleMarker::new(p, 6, mark)))?
            .label(label())
            .legend(move |(x, y)| TriangleMarker::new((x + 9, y), 6, mark));
        if let Some(line) = cap_line {
            let style = BLACK.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(line, 14, 8, style))?
                .label(label())
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 18, y)], 6, 4, style));
        }
        draw_legend(&mut chart, position)?;
        if self.sent.is_empty() && self.deferrals.is_empty() {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no PoP transactions sent")?;
        }
        Ok(())
    }
}

impl Figure for PopTimeline {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = two_panels(root, &self.title)?;
        self.draw_latency(&top)?;
        self.draw_fees(&bottom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::pop_run;

    #[test]
    fn series_of_the_first_replication() {
        let figure = PopTimeline::from_records(&[pop_run(1), pop_run(2)]);
        assert!(figure.title.contains("seed 1 (first of 2 runs)"), "{}", figure.title);
        assert_eq!(figure.finished.len(), 6);
        assert_eq!(figure.finished[0], (200.0, 500.5));
        assert_eq!(figure.pending, [(1400.0, 328.0), (1600.0, 128.0)]);
        assert_eq!(figure.deferrals, [(805.0, 12.5), (1105.0, 11.0)]);
        assert_eq!((figure.sent.len(), figure.sent[0]), (8, (410.0, 5.0)));
        assert_eq!((figure.expected_mean_s, figure.end_s), (Some(500.0), 1728.0));
    }

    #[test]
    fn fee_rates_go_on_a_log_axis_that_keeps_1_sat_clear_of_the_floor() {
        let mut figure = PopTimeline::from_records(&[pop_run(1)]);
        figure.sent = vec![(10.0, 1.0), (20.0, 1.0)];
        figure.deferrals = vec![(30.0, 300.0)];
        figure.fee_cap_sat_per_vb = 100.0;
        let range = figure.fee_range();
        // 1 sat/vB is log 0: above the bottom of the axis, not on it.
        assert!(range.start < -0.1 && range.end > libm::log10(300.0), "{range:?}");
        figure.sent.clear();
        figure.deferrals.clear();
        figure.fee_cap_sat_per_vb = f64::NAN;
        assert_eq!(figure.fee_range(), 0.0..1.0);
    }
}
