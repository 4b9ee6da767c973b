//! `censorship_latency.{png,svg}`: inclusion-latency CDFs on a log₁₀ time axis. Every
//! transaction the sequencer included (the L2 latency histogram: submission to inclusion,
//! mostly uncensored); censored transactions by the path that included them (submission to
//! inclusion); escaped transactions from their escape to their inclusion, with the longest
//! bound of each kind (`live`, `window`) drawn as a dashed vertical line: an escape curve that
//! reaches 1 left of its bound kept it. Every replication pooled.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::record::CensoredTx;
use crate::l2::summary::pooled_latency;
use crate::plots::format::duration_label;
use crate::plots::frame::{self, Frame, Legend, XTicks, draw_line};
use crate::plots::legend::Corner;
use crate::plots::{BLUE, Figure, GREEN, ORANGE, PURPLE, TITLE_PX, VERMILLION, centred_note, draw_legend, title};
use crate::record::{LatencyHistogram, RunRecord};

/// Latencies below this are drawn at it (the log axis starts there).
const FLOOR_S: f64 = 0.1;

/// A labelled curve: `(log₁₀ latency_s, fraction at or below)` points.
type Curve = (String, RGBColor, Vec<(f64, f64)>);

/// The data of the figure.
#[derive(Debug, Clone)]
pub struct CensorshipLatency {
    title: String,
    curves: Vec<Curve>,
    /// `(label, log₁₀ s)` of each bound line.
    bounds: Vec<(String, RGBColor, f64)>,
}

/// The empirical CDF of `seconds` (steps at each value), on a log₁₀ x axis.
fn cdf(mut seconds: Vec<f64>) -> Vec<(f64, f64)> {
    seconds.sort_by(f64::total_cmp);
    let n = seconds.len() as f64;
    let mut points = Vec::with_capacity(2 * seconds.len());
    for (i, s) in seconds.iter().enumerate() {
        let x = s.max(FLOOR_S).log10();
        points.push((x, i as f64 / n));
        points.push((x, (i + 1) as f64 / n));
    }
    points
}

/// The CDF of a latency histogram at the upper edges of its non-empty buckets.
fn histogram_cdf(h: &LatencyHistogram) -> Vec<(f64, f64)> {
    let total = h.total();
    if total == 0 {
        return Vec::new();
    }
    let mut seen = 0u64;
    let mut points = Vec::new();
    for (i, &c) in h.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
        let x = (h.bucket_high_us(i) as f64 / 1e6).max(FLOOR_S).log10();
        points.push((x, seen as f64 / total as f64));
        seen += c;
        points.push((x, seen as f64 / total as f64));
    }
    points
}

impl CensorshipLatency {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let txs: Vec<&CensoredTx> = records.iter().filter_map(|r| r.censorship.as_ref()).flat_map(|c| &c.txs).collect();
        let seconds = |f: &dyn Fn(&CensoredTx) -> Option<u64>| -> Vec<f64> {
            txs.iter().filter_map(|t| f(t)).map(|us| us as f64 / 1e6).collect()
        };
        let mut curves = Vec::new();
        if let Some(h) = pooled_latency(records).filter(|h| h.total() > 0) {
            curves.push(("All included by the sequencer, from submission".to_string(), BLUE, histogram_cdf(&h)));
        }
        let by_path = [
            ("sequencer", "Censored, released by the sequencer", GREEN),
            ("portal", "Censored, forced through the portal", VERMILLION),
        ];
        for (path, label, colour) in by_path {
            let s = seconds(&|t| t.latency_us().filter(|_| t.path() == Some(path)));
            if !s.is_empty() {
                curves.push((format!("{label} ({})", s.len()), colour, cdf(s)));
            }
        }
        let escaped = seconds(&CensoredTx::forced_latency_us);
        if !escaped.is_empty() {
            let escapes = txs.iter().filter(|t| t.forced()).count();
            let label = format!("Escaped, from the escape ({} of {escapes} included)", escaped.len());
            curves.push((label, ORANGE, cdf(escaped)));
        }
        let mut bounds = Vec::new();
        for (kind, label, colour) in
            [("live", "Bound, live sequencer", PURPLE), ("window", "Bound, sequencing window", BLACK)]
        {
            let longest = txs
                .iter()
                .filter_map(|t| Some((t.bound.as_ref().filter(|b| b.kind == kind)?.until_us, t.forced_at_us?)))
                .map(|(until, forced)| until.saturating_sub(forced))
                .max();
            if let Some(us) = longest {
                let s = us as f64 / 1e6;
                bounds.push((format!("{label} ({})", duration_label(s)), colour, s.max(FLOOR_S).log10()));
            }
        }
        Self { title: title("Inclusion latency under censorship", records), curves, bounds }
    }

    /// The x range in log₁₀ seconds: from the decade below the shortest latency (the floor at
    /// the lowest) to a little past everything drawn.
    fn x_range(&self) -> std::ops::Range<f64> {
        let xs = || self.curves.iter().flat_map(|c| c.2.iter().map(|p| p.0)).chain(self.bounds.iter().map(|b| b.2));
        let lo = libm::floor(xs().fold(f64::INFINITY, f64::min)).max(FLOOR_S.log10());
        let hi = xs().fold(lo + 1.0, f64::max);
        lo..(hi + 0.15)
    }
}

impl Figure for CensorshipLatency {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let bound_lines: Vec<Vec<(f64, f64)>> = self.bounds.iter().map(|b| vec![(b.2, 0.0), (b.2, 1.0)]).collect();
        let legend = Legend {
            labels: self.curves.iter().map(|c| c.0.clone()).chain(self.bounds.iter().map(|b| b.0.clone())).collect(),
            data: self.curves.iter().map(|c| c.2.as_slice()).chain(bound_lines.iter().map(Vec::as_slice)).collect(),
            prefer: Corner::UpperLeft,
        };
        let frame = Frame {
            caption: Some((&self.title, TITLE_PX)),
            margin: 24,
            x: self.x_range(),
            y: 0.0..1.0,
            x_desc: "Latency (s, log scale)",
            y_desc: "Fraction of transactions at or below",
            x_ticks: XTicks::Log,
            y_log: false,
            right_px: 0,
        };
        let (mut chart, position) = frame::build(root, &frame, Some(&legend))?;
        for (label, colour, points) in &self.curves {
            let style = colour.stroke_width(3);
            draw_line(&mut chart, points, style)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        for ((label, colour, _), points) in self.bounds.iter().zip(bound_lines) {
            let style = colour.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(points, 12, 8, style))?
                .label(label)
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 18, y)], 6, 4, style));
        }
        if self.curves.is_empty() {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no transaction included")?;
        } else {
            draw_legend(&mut chart, position)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::censorship::testutil::censored_run;
    use crate::testutil::scratch_dir;

    #[test]
    fn curves_per_path_and_the_longest_bound_of_each_kind() {
        let figure = CensorshipLatency::from_records(&[censored_run(7)]);
        let labels: Vec<&str> = figure.curves.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Censored, released by the sequencer (1)",
                "Censored, forced through the portal (1)",
                "Escaped, from the escape (2 of 3 included)"
            ]
        );
        // Live: 140 - 90 = 50 s is the longer of 50 and 50 (130 - 80); window: 900 - 200.
        let bounds: Vec<(&str, f64)> = figure.bounds.iter().map(|b| (b.0.as_str(), b.2)).collect();
        assert_eq!(bounds[0].1, 50f64.log10());
        assert_eq!(bounds[1].1, 700f64.log10());
        // A CDF ends at 1 and steps at each value.
        assert_eq!(
            figure.curves[2].2,
            [(40f64.log10(), 0.0), (40f64.log10(), 0.5), (50f64.log10(), 0.5), (50f64.log10(), 1.0)]
        );
        let dir = scratch_dir("censorship-figure");
        let files = crate::plots::write_figure(&dir, "censorship_latency", &figure).expect("drawn");
        assert_eq!(files.len(), 2);
    }
}
