//! `pop_fees.{png,svg}`: what Proof-of-Proof costs in Bitcoin fees. Top: fees per simulated day
//! over the run (first replication), in bins of simulated time, for every PoP miner and in
//! total, counted when the publishing Bitcoin block was found. Bottom: each miner's fees per day
//! over every replication pooled, with its share of the PoP rewards.
//!
//! A fee spike shows as a bump in the top panel (or a gap, if the miners defer instead of
//! paying); the bottom panel puts each miner's cost next to what it earned.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plots::axes::{Axes, axes, first_run_source};
use crate::plots::panel::{Corner, Line, Panel, Unit, thousands, two_panels, y_top};
use crate::plots::{BLUE, FONT, Figure, GREEN, LABEL_PX, ORANGE, PURPLE, VERMILLION, centred_note};
use crate::pop::summary::pop_summary;
use crate::record::RunRecord;

/// Bin widths to choose from (1 min to 1 week) and their names: the first giving at most
/// [`MAX_BINS`] bins.
const BIN_WIDTHS_S: [(u64, &str); 6] =
    [(60, "1 min"), (600, "10 min"), (3_600, "1 h"), (21_600, "6 h"), (86_400, "1 day"), (604_800, "1 week")];
const MAX_BINS: u64 = 100;
const DAY_S: f64 = 86_400.0;
const MINER_COLOURS: [RGBColor; 5] = [BLUE, ORANGE, GREEN, PURPLE, VERMILLION];

/// One line of the top panel: a name and its fees per day in every bin.
#[derive(Debug, Clone, PartialEq)]
struct Series {
    name: String,
    per_day: Vec<f64>,
}

/// One bar of the bottom panel.
#[derive(Debug, Clone, PartialEq)]
struct Bar {
    /// Lines of text above the bar, top first.
    label: Vec<String>,
    sats_per_day: f64,
}

/// The data of the figure.
#[derive(Debug, Clone)]
pub struct PopFees {
    title: String,
    source: String,
    pooled: String,
    /// `[start, end)` of every bin, in seconds (the last one ends with the run).
    bins: Vec<(f64, f64)>,
    /// The bins' width, as named in [`BIN_WIDTHS_S`].
    bin_width: &'static str,
    /// The total first, then every miner in record order.
    series: Vec<Series>,
    bars: Vec<Bar>,
}

/// Bins of a run of `end_us`: the smallest width of [`BIN_WIDTHS_S`] giving at most
/// [`MAX_BINS`] (the largest otherwise), its name, and the bins' edges in seconds.
fn bins(end_us: u64) -> (u64, &'static str, Vec<(f64, f64)>) {
    let end_s = end_us as f64 / 1e6;
    let (width, name) = BIN_WIDTHS_S
        .into_iter()
        .find(|&(w, _)| end_us.div_ceil(w * 1_000_000) <= MAX_BINS)
        .unwrap_or(BIN_WIDTHS_S[BIN_WIDTHS_S.len() - 1]);
    let count = end_us.div_ceil(width * 1_000_000);
    let edges = (0..count).map(|i| ((i * width) as f64, (((i + 1) * width) as f64).min(end_s))).collect();
    (width, name, edges)
}

impl PopFees {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let first = records.first();
        let pop = first.and_then(|r| r.pop.as_ref());
        let (bin_width_s, bin_width, edges) = bins(first.map_or(0, |r| r.meta.sim_time_us));
        let mut names = vec![("All miners".to_string(), None)];
        if let Some(pop) = pop {
            names.extend(pop.miners.iter().map(|m| (m.name.clone(), Some(m.name.as_str()))));
        }
        let series = names
            .into_iter()
            .map(|(name, miner)| {
                let mut fees = vec![0u64; edges.len()];
                let publications = pop.map_or(&[][..], |p| &p.publications[..]);
                let by = publications.iter().filter(|p| miner.is_none() || p.miner.as_deref() == miner);
                for p in by {
                    let i = (p.btc_block_found_at_us / (bin_width_s * 1_000_000)) as usize;
                    if let Some(f) = fees.get_mut(i.min(edges.len().saturating_sub(1))) {
                        *f += p.fee_sats;
                    }
                }
                let per_day = fees
                    .iter()
                    .zip(&edges)
                    .map(|(&f, &(a, b))| if b > a { f as f64 * DAY_S / (b - a) } else { 0.0 })
                    .collect();
                Series { name, per_day }
            })
            .collect();
        Self {
            title: crate::plots::title("PoP fees", records),
            source: first_run_source(records),
            pooled: match records {
                [one] => format!("seed {}", one.meta.seed),
                _ => format!("{} runs pooled", records.len()),
            },
            bins: edges,
            bin_width,
            series,
            bars: pooled_bars(records),
        }
    }

    fn draw_over_time<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let end_s = self.bins.last().map_or(0.0, |b| b.1);
        let time = Unit::time(end_s);
        let colours = std::iter::once(BLACK).chain(MINER_COLOURS.into_iter().cycle());
        let lines: Vec<Line> = self
            .series
            .iter()
            .zip(colours)
            .map(|(s, colour)| Line {
                label: s.name.clone(),
                colour,
                points: self
                    .bins
                    .iter()
                    .zip(&s.per_day)
                    .flat_map(|(&(a, b), &v)| [(a / time.scale, v), (b / time.scale, v)])
                    .collect(),
                dashed: false,
            })
            .collect();
        let peak = self.series.iter().flat_map(|s| s.per_day.iter().copied()).fold(0.0, f64::max);
        let caption = format!("Fees per day, in bins of {}, {}", self.bin_width, self.source);
        let x_desc = format!("Simulated time the publishing Bitcoin block was found ({})", time.name);
        let nothing = self.series.first().is_none_or(|s| s.per_day.iter().all(|&v| v == 0.0));
        Panel {
            caption: Some(&caption),
            x_max: end_s / time.scale,
            x_desc: &x_desc,
            y_max: y_top(&[peak], 0.0),
            y_desc: "PoP fees (sat/day)",
            lines: &lines,
            note: nothing.then_some("no PoP publication on the main chain"),
            legend: Corner::UpperLeft,
        }
        .draw(area)
    }

    fn draw_per_miner<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let peak = self.bars.iter().map(|b| b.sats_per_day).fold(0.0, f64::max);
        let caption = format!("Fees per day and share of the rewards, {}", self.pooled);
        let mut chart = axes(
            area,
            &Axes {
                caption: Some(&caption),
                x_max: self.bars.len().max(1) as f64,
                x_desc: "PoP miner",
                // Head room for the lines of text above the tallest bar.
                y_max: peak * 1.5,
                y_desc: "PoP fees (sat/day)",
                x_labels: false,
            },
        )?;
        let colours = std::iter::once(BLACK).chain(MINER_COLOURS.into_iter().cycle());
        let bars = self.bars.iter().zip(colours).enumerate().map(|(i, (b, colour))| {
            let x = i as f64;
            Rectangle::new([(x + 0.2, 0.0), (x + 0.8, b.sats_per_day)], colour.mix(0.75).filled())
        });
        chart.draw_series(bars)?;
        let above = (FONT, LABEL_PX).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
        // Lines of text stacked upwards from the top of each bar, `line_px` apart.
        let line_px = LABEL_PX as i32 + 4;
        let texts = self.bars.iter().enumerate().flat_map(|(i, b)| {
            let at = (i as f64 + 0.5, b.sats_per_day);
            let above = above.clone();
            b.label.iter().rev().zip(0..).map(move |(text, k)| {
                EmptyElement::at(at) + Text::new(text.clone(), (0, -4 - k * line_px), above.clone())
            })
        });
        chart.draw_series(texts)?;
        if peak == 0.0 {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no PoP fees paid")?;
        }
        Ok(())
    }
}

/// The bars: every miner's fees per day over all replications (and the total first), labelled
/// with the fees and the share of the rewards.
fn pooled_bars(records: &[RunRecord]) -> Vec<Bar> {
    let Some(summary) = pop_summary(records) else {
        return Vec::new();
    };
    let days = records.iter().map(|r| r.meta.sim_time_us).sum::<u64>() as f64 / 1e6 / DAY_S;
    let per_day = |sats: u64| if days > 0.0 { sats as f64 / days } else { 0.0 };
    let total = per_day(summary.fees_sats_total);
    let sats = |x: f64| format!("{} sat/day", thousands(libm::round(x) as u64));
    let mut bars = vec![Bar { label: vec!["All miners".to_string(), sats(total)], sats_per_day: total }];
    bars.extend(summary.miners.iter().map(|m| {
        let fees = per_day(m.fees_sats);
        let share = m.reward_share.map_or("no rewards paid".to_string(), |s| format!("{:.0}% of rewards", s * 100.0));
        Bar { label: vec![m.name.clone(), sats(fees), share], sats_per_day: fees }
    }));
    bars
}

impl Figure for PopFees {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = two_panels(root, &self.title)?;
        self.draw_over_time(&top)?;
        self.draw_per_miner(&bottom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::pop_run;

    #[test]
    fn bins_and_fees_per_day_by_hand() {
        // 1728 s: 29 bins of 1 min (the last of 48 s).
        let (width, name, edges) = bins(1_728_000_000);
        assert_eq!((width, name, edges.len()), (60, "1 min", 29));
        assert_eq!(edges[28], (1680.0, 1728.0));
        assert_eq!(bins(86_400_000_000).1, "1 h", "one day: 24 bins of an hour");
        assert!(bins(0).2.is_empty());
        assert_eq!(bins(u64::MAX).1, "1 week");
        let figure = PopFees::from_records(&[pop_run(1)]);
        let names: Vec<&str> = figure.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["All miners", "pop-0", "pop-1"]);
        // Height 14 (found at 1400 s, bin 23) holds pop-1's 400 sat and 100 sat of no miner.
        assert_eq!(figure.series[0].per_day[23], 500.0 * 1_440.0);
        assert_eq!(figure.series[2].per_day[23], 400.0 * 1_440.0);
        assert_eq!(figure.series[1].per_day[23], 0.0);
        // Height 17 (1700 s) falls in the short last bin.
        assert_eq!(figure.series[1].per_day[28], 300.0 * 86_400.0 / 48.0);
        let total: f64 = figure.series[0].per_day.iter().zip(&figure.bins).map(|(v, (a, b))| v * (b - a)).sum();
        assert!((total / 86_400.0 - 3_700.0).abs() < 1e-9);
        let labels: Vec<String> = figure.bars.iter().map(|b| b.label.join(" | ")).collect();
        assert_eq!(
            labels,
            [
                "All miners | 185,000 sat/day",
                "pop-0 | 95,000 sat/day | 52% of rewards",
                "pop-1 | 85,000 sat/day | 31% of rewards"
            ]
        );
    }
}
