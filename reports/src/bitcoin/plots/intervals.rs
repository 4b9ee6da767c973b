//! `block_intervals.{png,svg}`: histogram of main-chain block intervals as a density, with the
//! exponential density of the target interval θ on top.
//!
//! Block arrivals are a Poisson process, so intervals should be Exp(θ); a misplaced mass (too few
//! short intervals, a heavy tail) shows a bug in the miners' clocks or in the fork choice. The
//! histogram is normalised by the total count (including intervals beyond the drawn range), so
//! each bar estimates the true density and is comparable with the line.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::bitcoin::summary::main_chain_intervals_s;
use crate::plots::format::{number, thousands};
use crate::plots::frame::{self, Frame, Legend, XTicks, draw_line};
use crate::plots::legend::Corner;
use crate::plots::{BLUE, Figure, TITLE_PX, VERMILLION, centred_note, draw_legend, title};
use crate::record::RunRecord;
use crate::stats;

/// The data of the figure: pooled intervals and the target mean.
#[derive(Debug, Clone)]
pub struct BlockIntervals {
    title: String,
    /// Finite intervals in seconds, all replications pooled.
    intervals_s: Vec<f64>,
    /// θ, the scenario's mean block interval (falls back to the sample mean if unusable).
    theta_s: f64,
}

/// Histogram bars: `[left, right)` edges in seconds and density in 1/s.
struct Bars {
    x_max: f64,
    bars: Vec<(f64, f64, f64)>,
}

impl BlockIntervals {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let intervals_s: Vec<f64> =
            records.iter().flat_map(|r| main_chain_intervals_s(&r.btc)).filter(|x| x.is_finite()).collect();
        let target = records.first().map_or(f64::NAN, |r| r.btc.block_interval_target_s);
        let theta_s = [target, stats::mean(&intervals_s).unwrap_or(f64::NAN), 1.0]
            .into_iter()
            .find(|t| t.is_finite() && *t > 0.0)
            .unwrap_or(1.0);
        let title = title("Main-chain block intervals", records);
        Self { title, intervals_s, theta_s }
    }

    /// Bins over [0, x_max]: x_max shows the Exp(θ) tail to 6θ (0.25% beyond) or the sample's
    /// 99th percentile if larger; about sqrt(n) bins, between 10 and 60.
    fn bars(&self) -> Bars {
        let mut sorted = self.intervals_s.clone();
        sorted.sort_by(f64::total_cmp);
        let p99 = stats::percentile_nearest_rank(&sorted, 99).unwrap_or(0.0);
        let x_max = (6.0 * self.theta_s).max(p99);
        let n = sorted.len();
        let bins = ((n as f64).sqrt().ceil() as usize).clamp(10, 60);
        let width = x_max / bins as f64;
        let mut counts = vec![0u64; bins];
        for x in &sorted {
            let i = (x / width) as usize;
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
        let density = |c: u64| {
            if n == 0 { 0.0 } else { c as f64 / (n as f64 * width) }
        };
        let bars =
            counts.iter().enumerate().map(|(i, &c)| (i as f64 * width, (i + 1) as f64 * width, density(c))).collect();
        Bars { x_max, bars }
    }

    fn histogram_label(&self) -> String {
        let n = self.intervals_s.len();
        match (stats::mean(&self.intervals_s), stats::mean_ci95(&self.intervals_s)) {
            (Some(m), Some(ci)) => format!(
                "Simulated: n = {}, mean {} s (95% CI {}–{} s)",
                thousands(n as u64),
                number(m, 1),
                number(ci.low, 1),
                number(ci.high, 1)
            ),
            (Some(m), None) => format!("Simulated: n = {}, mean {} s", thousands(n as u64), number(m, 1)),
            _ => "Simulated: no intervals".to_string(),
        }
    }
}

/// Power of ten that brings `max` into [1, 10): densities in 1/s are tiny numbers (1/600 s),
/// so the axis shows them scaled, e.g. in units of 10⁻³ s⁻¹.
fn scale_exponent(max: f64) -> i32 {
    if max > 0.0 && max.is_finite() { libm::floor(libm::log10(max)) as i32 } else { 0 }
}

fn superscript(n: i32) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'][d.to_digit(10).unwrap_or(0) as usize],
        })
        .collect()
}

impl Figure for BlockIntervals {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let Bars { x_max, bars } = self.bars();
        let theta = self.theta_s;
        let pdf = |x: f64| libm::exp(-x / theta) / theta;
        let peak = bars.iter().map(|b| b.2).fold(pdf(0.0), f64::max);
        let exponent = scale_exponent(peak);
        let scale = libm::pow(10.0, -f64::from(exponent));
        let y_max = peak * scale * 1.08;
        let bar_outlines: Vec<Vec<(f64, f64)>> =
            bars.iter().map(|&(l, r, d)| vec![(l, 0.0), (l, d * scale), (r, d * scale), (r, 0.0)]).collect();
        let line: Vec<(f64, f64)> =
            (0..=400).map(|i| f64::from(i) * x_max / 400.0).map(|x| (x, pdf(x) * scale)).collect();
        let mut data: Vec<&[(f64, f64)]> = bar_outlines.iter().map(Vec::as_slice).collect();
        data.push(&line);
        let theory_label = format!("Exponential with mean θ = {} s (theory)", number(theta, 0));
        let legend =
            Legend { labels: vec![self.histogram_label(), theory_label.clone()], data, prefer: Corner::UpperRight };
        let y_desc = format!("Probability density (10{} s⁻¹)", superscript(exponent));
        let frame = Frame {
            caption: Some((&self.title, TITLE_PX)),
            margin: 24,
            x: 0.0..x_max,
            y: 0.0..y_max,
            x_desc: "Interval between consecutive main-chain blocks (s)",
            y_desc: &y_desc,
            x_ticks: XTicks::Round,
            y_log: false,
            right_px: 0,
        };
        let (mut chart, position) = frame::build(root, &frame, Some(&legend))?;
        let fill = BLUE.mix(0.55).filled();
        chart
            .draw_series(bars.iter().map(|&(l, r, d)| Rectangle::new([(l, 0.0), (r, d * scale)], fill)))?
            .label(self.histogram_label())
            .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], fill));
        let stroke = VERMILLION.stroke_width(3);
        draw_line(&mut chart, &line, stroke)?
            .label(theory_label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], stroke));
        draw_legend(&mut chart, position)?;
        if self.intervals_s.is_empty() {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no main-chain block intervals recorded")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::sample_record;

    #[test]
    fn bars_integrate_to_the_share_drawn() {
        let figure = BlockIntervals::from_records(&[sample_record(1)]);
        let Bars { x_max, bars } = figure.bars();
        assert_eq!(x_max, 3600.0);
        let area: f64 = bars.iter().map(|(l, r, d)| (r - l) * d).sum();
        assert!((area - 1.0).abs() < 1e-12, "all three intervals are under 6θ: {area}");
    }

    #[test]
    fn axis_scaling() {
        assert_eq!(scale_exponent(1.0 / 600.0), -3);
        assert_eq!(scale_exponent(0.0), 0);
        assert_eq!(superscript(-3), "⁻³");
        assert_eq!(superscript(12), "¹²");
    }
}
