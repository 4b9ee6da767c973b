//! `pop_superfinality.{png,svg}`: the distribution of the per-L2-block superfinality latency
//! (every replication pooled) against the closed form `U(0, P) + Gamma(M, θ)`. Top: a histogram
//! as a density, with the closed-form density. Bottom: the Kaplan–Meier distribution function,
//! with the closed-form one and the measured p50 and p95.
//!
//! Both panels come from the Kaplan–Meier curve, so blocks still waiting at the end of the run
//! count for as long as they were seen: a bar is the curve's probability mass in the bin divided
//! by the bin width (the ordinary density histogram when nothing is censored). A curve to the
//! right of the closed form means publications wait for more Bitcoin blocks than M (fee
//! competition, deferrals); a longer tail, stalls.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plots::axes::{Axes, Points, axes_with_legend};
use crate::plots::frame::{Legend, draw_line};
use crate::plots::panel::{Corner, Line, Panel, Unit, thousands, two_panels};
use crate::plots::{BLUE, Figure, GREEN, ORANGE, VERMILLION, centred_note, draw_legend, title};
use crate::pop::summary::{closed_form_parameters, latency_curve};
use crate::record::RunRecord;
use crate::survival::KaplanMeier;
use crate::theory;

/// Points of a curve evaluated on a grid (the closed forms, or a long Kaplan–Meier curve).
const GRID_POINTS: u32 = 400;

/// The data of the figure.
#[derive(Debug, Clone)]
pub struct PopSuperfinality {
    title: String,
    /// Every replication's blocks; `None` without any L2 block.
    curve: Option<KaplanMeier>,
    /// The closed form's `(P, M, θ)`, from the first replication.
    params: (f64, u32, f64),
}

impl PopSuperfinality {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let first = records.first();
        let params =
            first.and_then(|r| Some(closed_form_parameters(r, r.pop.as_ref()?))).unwrap_or((f64::NAN, 1, f64::NAN));
        Self { title: title("PoP superfinality latency per L2 block", records), curve: latency_curve(records), params }
    }

    fn theory_valid(&self) -> bool {
        let (p, _, theta) = self.params;
        p >= 0.0 && theta > 0.0
    }

    fn cdf(&self, s: f64) -> f64 {
        let (p, m, theta) = self.params;
        theory::superfinality_latency_cdf(s, p, m, theta)
    }

    fn pdf(&self, s: f64) -> f64 {
        let (p, m, theta) = self.params;
        theory::superfinality_latency_pdf(s, p, m, theta)
    }

    /// End of the x axis in seconds: the closed form's 99.9th percentile or the measured 99th
    /// (the largest wait if the curve never gets there), whichever is larger.
    fn x_max_s(&self) -> f64 {
        let (p, m, theta) = self.params;
        let expected = theory::superfinality_latency_quantile(0.999, p, m, theta);
        let measured = self.curve.as_ref().map(|km| km.quantile_us(0.99).unwrap_or(km.largest_us) as f64 / 1e6);
        let end = [expected, measured.unwrap_or(0.0)].into_iter().filter(|x| x.is_finite()).fold(0.0, f64::max);
        if end > 0.0 { end } else { 1.0 }
    }

    /// `(left, right, density)` bars in display units: about √n bins (10 to 60) over the axis.
    fn bars(&self, x_max_s: f64, unit: Unit) -> Vec<(f64, f64, f64)> {
        let Some(km) = &self.curve else {
            return Vec::new();
        };
        let bins = (libm::ceil(libm::sqrt(km.samples as f64)) as u32).clamp(10, 60);
        let width_s = x_max_s / f64::from(bins);
        let survival_at = |s: f64| km.survival((s * 1e6) as u64);
        (0..bins)
            .map(|i| {
                let (a, b) = (f64::from(i) * width_s, f64::from(i + 1) * width_s);
                let mass = survival_at(a) - survival_at(b);
                (a / unit.scale, b / unit.scale, mass / (width_s / unit.scale))
            })
            .collect()
    }

    fn measured_label(&self) -> String {
        let Some(km) = &self.curve else {
            return "Simulated: no L2 blocks".to_string();
        };
        // No mean of nothing finished; a mean cut short by blocks still waiting says so.
        let mean = match km.mean_estimate_us() {
            None => format!("none superfinal (longest wait {})", self.unit().format(km.largest_us as f64 / 1e6)),
            Some(m) if m.lower_bound => format!("mean ≥ {} (a lower bound)", self.unit().format(m.us / 1e6)),
            // In the axis' unit, like the closed form's legend.
            Some(m) => format!("mean {}", self.unit().format(m.us / 1e6)),
        };
        format!(
            "Simulated (Kaplan–Meier): {} blocks, {} still waiting, {mean}",
            thousands(km.samples),
            thousands(km.samples - km.events),
        )
    }

    fn theory_label(&self) -> String {
        let (p, m, theta) = self.params;
        // P and θ in one unit, the one that suits the larger.
        let unit = Unit::time(p.max(theta));
        format!("Closed form U(0, P) + Gamma(M, θ): P = {}, M = {m}, θ = {}", unit.format(p), unit.format(theta))
    }

    /// The unit of the latency axis, which every latency in a legend speaks too.
    fn unit(&self) -> Unit {
        Unit::time(self.x_max_s())
    }

    fn draw_histogram<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x_max_s: f64,
        unit: Unit,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let bars = self.bars(x_max_s, unit);
        let x_max = x_max_s / unit.scale;
        let theory: Vec<(f64, f64)> = if self.theory_valid() {
            (0..=GRID_POINTS)
                .map(|i| f64::from(i) * x_max / f64::from(GRID_POINTS))
                .map(|x| (x, self.pdf(x * unit.scale) * unit.scale))
                .filter(|p| p.1.is_finite())
                .collect()
        } else {
            Vec::new()
        };
        let peak = bars.iter().map(|b| b.2).chain(theory.iter().map(|p| p.1)).fold(0.0, f64::max);
        let y_desc = format!("Probability density (per {})", unit.name);
        let x_desc = format!("Superfinality latency ({})", unit.name);
        let outlines: Vec<Points> = bars.iter().map(|&(l, r, d)| vec![(l, 0.0), (l, d), (r, d), (r, 0.0)]).collect();
        let mut data: Vec<&[(f64, f64)]> = outlines.iter().map(Vec::as_slice).collect();
        data.push(&theory);
        let legend =
            Legend { labels: vec![self.measured_label(), self.theory_label()], data, prefer: Corner::UpperRight };
        let (mut chart, position) = axes_with_legend(
            area,
            &Axes {
                caption: Some("Density"),
                x_max,
                x_desc: &x_desc,
                y_max: peak * 1.08,
                y_desc: &y_desc,
                x_labels: true,
            },
            &legend,
        )?;
        let fill = BLUE.mix(0.55).filled();
        chart
            .draw_series(bars.iter().map(|&(l, r, d)| Rectangle::new([(l, 0.0), (r, d)], fill)))?
            .label(self.measured_label())
            .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], fill));
        let stroke = VERMILLION.stroke_width(3);
        draw_line(&mut chart, &theory, stroke)?
            .label(self.theory_label())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], stroke));
        draw_legend(&mut chart, position)?;
        if self.curve.is_none() {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no L2 blocks produced")?;
        }
        Ok(())
    }

    /// The Kaplan–Meier distribution function `1 - S` in display units, up to `x_max_s` or the
    /// largest observed time: exact steps when there are few, else sampled on a grid.
    fn measured_cdf(&self, x_max_s: f64, unit: Unit) -> Vec<(f64, f64)> {
        let Some(km) = &self.curve else {
            return Vec::new();
        };
        let end_s = (km.largest_us as f64 / 1e6).min(x_max_s);
        let mut points = vec![(0.0, 0.0)];
        if km.steps().len() <= 2 * GRID_POINTS as usize {
            let mut before = 0.0;
            for &(t_us, s) in km.steps() {
                let x = t_us as f64 / 1e6;
                if x > end_s {
                    break;
                }
                points.extend([(x / unit.scale, before), (x / unit.scale, 1.0 - s)]);
                before = 1.0 - s;
            }
            points.push((end_s / unit.scale, before));
        } else {
            points.extend((1..=GRID_POINTS).map(|i| {
                let s = f64::from(i) * end_s / f64::from(GRID_POINTS);
                (s / unit.scale, 1.0 - km.survival((s * 1e6) as u64))
            }));
        }
        points
    }

    fn draw_cdf<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x_max_s: f64,
        unit: Unit,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let x_max = x_max_s / unit.scale;
        let mut lines = vec![Line {
            label: "Simulated (Kaplan–Meier)".to_string(),
            colour: BLUE,
            points: self.measured_cdf(x_max_s, unit),
            dashed: false,
        }];
        if self.theory_valid() {
            lines.push(Line {
                label: "Closed form".to_string(),
                colour: VERMILLION,
                points: (0..=GRID_POINTS)
                    .map(|i| f64::from(i) * x_max / f64::from(GRID_POINTS))
                    .map(|x| (x, self.cdf(x * unit.scale)))
                    .collect(),
                dashed: false,
            });
        }
        let (p, m, theta) = self.params;
        for (q, colour) in [(0.5, ORANGE), (0.95, GREEN)] {
            let Some(us) = self.curve.as_ref().and_then(|km| km.quantile_us(q)) else {
                continue;
            };
            let x = us as f64 / 1e6;
            let expected = theory::superfinality_latency_quantile(q, p, m, theta);
            let expected =
                if expected.is_finite() { format!(" (closed form {})", unit.format(expected)) } else { String::new() };
            lines.push(Line {
                label: format!("p{:.0} = {}{expected}", q * 100.0, unit.format(x)),
                colour,
                // A drop line from the axis to the level of the quantile.
                points: vec![(x / unit.scale, 0.0), (x / unit.scale, q)],
                dashed: true,
            });
        }
        let x_desc = format!("Superfinality latency ({})", unit.name);
        Panel {
            caption: Some("Cumulative distribution"),
            x_max,
            x_desc: &x_desc,
            y_max: 1.05,
            y_desc: "Share of L2 blocks superfinal",
            lines: &lines,
            note: self.curve.is_none().then_some("no L2 blocks produced"),
            legend: Corner::LowerRight,
        }
        .draw(area)
    }
}

impl Figure for PopSuperfinality {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = two_panels(root, &self.title)?;
        let x_max_s = self.x_max_s();
        let unit = Unit::time(x_max_s);
        self.draw_histogram(&top, x_max_s, unit)?;
        self.draw_cdf(&bottom, x_max_s, unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::pop_run;

    #[test]
    fn bars_carry_the_kaplan_meier_mass() {
        let figure = PopSuperfinality::from_records(&[pop_run(1)]);
        let unit = Unit::time(1.0);
        // Ten bins of 100 s: the finished blocks fall in [300, 400), [500, 600), [700, 800) and
        // [900, 1000), carrying 2/7, 5/14, 5/28 and 5/28 of the mass: all of it, as the slowest
        // block finished (the two still waiting only hold others at risk).
        let bars = figure.bars(1000.0, unit);
        assert_eq!(bars.len(), 10);
        let area: f64 = bars.iter().map(|(l, r, d)| (r - l) * d).sum();
        assert!((area - 1.0).abs() < 1e-12, "{area}");
        let nonzero: Vec<usize> = (0..10).filter(|&i| bars[i].2 > 0.0).collect();
        assert_eq!(nonzero, [3, 5, 7, 9]);
        assert!((bars[3].2 * 100.0 - 2.0 / 7.0).abs() < 1e-12);
        let cdf = figure.measured_cdf(1000.0, unit);
        assert_eq!(cdf.first(), Some(&(0.0, 0.0)));
        assert_eq!(cdf.last(), Some(&(900.25, 1.0)));
        assert!(cdf.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        // P = 400 s, M = 3, θ = 100 s: the axis reaches the closed form's 99.9th percentile.
        let expected = theory::superfinality_latency_quantile(0.999, 400.0, 3, 100.0);
        assert_eq!(figure.x_max_s(), expected.max(900.25));
    }

    #[test]
    fn the_legend_gives_no_mean_when_no_block_is_superfinal() {
        let mut record = pop_run(1);
        if let Some(pop) = record.pop.as_mut() {
            pop.superfinal.clear();
        }
        let label = PopSuperfinality::from_records(&[record.clone()]).measured_label();
        assert!(label.contains("8 blocks, 8 still waiting, none superfinal (longest wait"), "{label}");
        assert!(!label.contains("mean"), "{label}");
        // Only the first step: the slowest blocks still wait, so the mean is a lower bound.
        if let Some(pop) = record.pop.as_mut() {
            pop.superfinal = pop_run(1).pop.expect("PoP").superfinal;
            pop.superfinal.truncate(1);
        }
        let label = PopSuperfinality::from_records(&[record]).measured_label();
        assert!(label.contains("6 still waiting, mean ≥ ") && label.ends_with("(a lower bound)"), "{label}");
        let label = PopSuperfinality::from_records(&[pop_run(1)]).measured_label();
        assert!(label.contains("mean ") && !label.contains('≥'), "the slowest block finished: {label}");
    }
}
