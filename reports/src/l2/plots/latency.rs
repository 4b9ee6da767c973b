//! `l2_latency.{png,svg}`: transaction inclusion latency, from submission to the block that
//! includes the transaction. Top: per-window mean and maximum over simulated time (first
//! replication). Bottom: the cumulative distribution from the latency histogram (every
//! replication pooled), with its 50th, 95th and 99th percentiles.
//!
//! Under light load the latency is spread over one block time (mean about half of it); once
//! blocks are full it grows with the backlog, and the CDF grows a long tail.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::series::L2Series;
use crate::l2::summary::pooled_latency;
use crate::plots::panel::{Corner, Line, Panel, Unit, thousands, two_panels, y_top};
use crate::plots::{BLUE, Figure, GREEN, ORANGE, PURPLE, VERMILLION, title};
use crate::record::{LatencyHistogram, RunRecord};

/// Points of the CDF drawn at most: the histogram's buckets are grouped beyond this.
const CDF_POINTS: usize = 1000;

/// The data of the figure.
#[derive(Debug, Clone)]
pub struct L2Latency {
    title: String,
    series: L2Series,
    /// Which runs the distribution pools: `seed 7` or `3 runs pooled`.
    pooled: String,
    cdf: Cdf,
}

/// The cumulative distribution of the pooled histogram, in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
struct Cdf {
    /// `(latency_s, fraction at or below)` at bucket edges, from 0 to `x_max_s`.
    points: Vec<(f64, f64)>,
    /// The upper edge of the bucket holding the 99.9th percentile: the axis stops there.
    x_max_s: f64,
    /// Exact largest latency (from the block rows), shown when the axis cuts it off.
    max_s: f64,
    total: u64,
    mean_s: Option<f64>,
    /// `(percent, upper edge in s)` for p50, p95 and p99.
    percentiles: Vec<(u32, f64)>,
}

impl Cdf {
    fn of(histogram: &LatencyHistogram, max_us: u64) -> Cdf {
        let total = histogram.total();
        if total == 0 {
            return Cdf::default();
        }
        // Nearest rank of the 99.9th percentile.
        let rank = (999 * u128::from(total)).div_ceil(1000).max(1);
        let mut seen = 0u128;
        let cut = histogram
            .counts
            .iter()
            .position(|&c| {
                seen += u128::from(c);
                seen >= rank
            })
            .unwrap_or(0);
        let group = (cut + 1).div_ceil(CDF_POINTS).max(1);
        let mut points = vec![(0.0, 0.0)];
        let mut cumulative = 0u64;
        for (i, &c) in histogram.counts.iter().enumerate().take(cut + 1) {
            cumulative += c;
            if (i + 1).is_multiple_of(group) || i == cut {
                let x = histogram.bucket_high_us(i) as f64 / 1e6;
                points.push((x, cumulative as f64 / total as f64));
            }
        }
        let percentile = |p| {
            let us = histogram.percentile_upper_us(p)?;
            Some((p, us as f64 / 1e6))
        };
        Cdf {
            points,
            x_max_s: histogram.bucket_high_us(cut) as f64 / 1e6,
            max_s: max_us as f64 / 1e6,
            total,
            mean_s: histogram.mean_midpoint_us().map(|us| us / 1e6),
            percentiles: [50, 95, 99].into_iter().filter_map(percentile).collect(),
        }
    }
}

impl L2Latency {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let series = L2Series::from_records(records);
        let max_us = records
            .iter()
            .filter_map(|r| r.l2.as_ref())
            .flat_map(|l2| l2.blocks.iter().filter(|b| b.tx_count > 0))
            .map(|b| b.latency_max_us)
            .max()
            .unwrap_or(0);
        let cdf = pooled_latency(records).map(|h| Cdf::of(&h, max_us)).unwrap_or_default();
        let pooled = match records {
            [one] => format!("seed {}", one.meta.seed),
            _ => format!("{} runs pooled", records.len()),
        };
        Self { title: title("L2 transaction inclusion latency", records), series, pooled, cdf }
    }

    fn draw_over_time<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let s = &self.series;
        let (x_max, x_desc) = s.time_axis();
        let mean = s.points(|w| w.latency_mean_us().map(|us| us / 1e6));
        let max = s.points(|w| (w.txs > 0).then(|| w.latency_max_us as f64 / 1e6));
        let peak = max.iter().chain(&mean).map(|p| p.1).fold(0.0, f64::max);
        let unit = Unit::time(peak);
        let scaled = |points: Vec<(f64, f64)>| -> Vec<(f64, f64)> {
            points.into_iter().map(|(x, y)| (x, y / unit.scale)).collect()
        };
        let lines = [
            Line {
                label: format!("Maximum per window of {}", s.window_label()),
                colour: VERMILLION,
                points: scaled(max),
                dashed: false,
            },
            Line { label: "Mean per window".to_string(), colour: BLUE, points: scaled(mean), dashed: false },
        ];
        let note = if s.windows.is_empty() {
            Some("no L2 blocks produced")
        } else if lines[1].points.is_empty() {
            Some("no transactions included")
        } else {
            None
        };
        let caption = format!("Over simulated time, {}", s.source);
        let y_desc = format!("Latency ({})", unit.name);
        Panel {
            caption: Some(&caption),
            x_max,
            x_desc: &x_desc,
            y_max: y_top(&[peak / unit.scale], 0.0),
            y_desc: &y_desc,
            lines: &lines,
            note,
            legend: Corner::UpperLeft,
        }
        .draw(area)
    }

    fn draw_distribution<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let cdf = &self.cdf;
        let unit = Unit::time(cdf.x_max_s);
        let x_max = cdf.x_max_s / unit.scale;
        let mean = cdf.mean_s.map_or(String::new(), |m| format!(", mean {}", unit.format(m)));
        let mut lines = vec![Line {
            label: format!("Included within x: n = {} transactions{mean}", thousands(cdf.total)),
            colour: BLUE,
            points: cdf.points.iter().map(|&(x, y)| (x / unit.scale, y)).collect(),
            dashed: false,
        }];
        for (&(p, s), colour) in cdf.percentiles.iter().zip([ORANGE, GREEN, PURPLE]) {
            let x = s / unit.scale;
            lines.push(Line {
                label: format!("p{p} ≤ {}", unit.format(s)),
                colour,
                // A drop line from the axis to the level of the percentile.
                points: vec![(x, 0.0), (x, f64::from(p) / 100.0)],
                dashed: true,
            });
        }
        let cut = cdf.max_s > cdf.x_max_s;
        let x_desc = if cut {
            format!("Inclusion latency ({}), cut at the 99.9th percentile (max {})", unit.name, unit.format(cdf.max_s))
        } else {
            format!("Inclusion latency ({})", unit.name)
        };
        let caption = format!("Cumulative distribution, {}", self.pooled);
        let empty = cdf.total == 0;
        Panel {
            caption: Some(&caption),
            x_max,
            x_desc: &x_desc,
            y_max: 1.05,
            y_desc: "Share of transactions",
            lines: &lines,
            note: empty.then_some("no transactions included"),
            legend: Corner::UpperLeft, // a CDF leaves the upper left empty
        }
        .draw(area)
    }
}

impl Figure for L2Latency {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = two_panels(root, &self.title)?;
        self.draw_over_time(&top)?;
        self.draw_distribution(&bottom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_reaches_one_at_the_cut_and_groups_buckets() {
        let mut h = LatencyHistogram::standard();
        for us in (0..10_000u64).map(|i| i * 1_000) {
            h.record(us);
        }
        h.record(3_600_000_000);
        let cdf = Cdf::of(&h, 3_600_000_000);
        assert_eq!(cdf.total, 10_001);
        // Rank 9,991 of 10,001 is 9.990 s: bucket [9.9, 10.0).
        assert_eq!(cdf.x_max_s, 10.0);
        assert_eq!(cdf.points.len(), 101, "0 and one point per bucket: {:?}", cdf.points);
        let last = cdf.points.last().copied().unwrap_or_default();
        assert_eq!(last, (10.0, 10_000.0 / 10_001.0));
        assert!(cdf.points.windows(2).all(|w| w[0].1 <= w[1].1));
        assert_eq!(cdf.percentiles.iter().map(|p| p.1).collect::<Vec<_>>(), [5.1, 9.6, 10.0]);
        let mut wide = LatencyHistogram::standard();
        wide.record(0);
        wide.record(20_000_000_000);
        let cdf = Cdf::of(&wide, 20_000_000_000);
        assert!(cdf.points.len() <= CDF_POINTS + 2, "{}", cdf.points.len());
        assert_eq!(Cdf::of(&LatencyHistogram::standard(), 0), Cdf::default());
    }
}
