//! `faults_timeline.{png,svg}`: what the network did while faults ran (first replication).
//! Top: the Bitcoin best chain's height as blocks were found, and each stale block as a cross
//! at its height; bottom: the sequencer's L2 head (and the safe head on a settlement chain).
//! Every fault is a shaded band over both panels, named at the top; a dashed line marks the
//! moment the whole network had converged after the last one.
//!
//! What to look for: during a partition both sides mine, so stale crosses gather inside the band
//! (the lighter side's blocks, orphaned at the heal); a crashed sequencer is a flat L2 head across
//! its band, and the head goes on from the same number at restart (its chain persisted); the
//! convergence line sits just after the last band's end (within `faults.convergence_bound_s`).

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::record::FaultsRecord;
use crate::l2::plots::{Changes, Trace, changes, row_moves, step_trace};
use crate::plots::axes::{Axes, Points, axes_with_legend, first_run_source};
use crate::plots::frame::{Chart, Legend, draw_line};
use crate::plots::panel::{Corner, Unit, two_panels, y_top};
use crate::plots::{BLUE, FONT, Figure, LABEL_PX, ORANGE, VERMILLION, centred_note, draw_legend};
use crate::record::RunRecord;

/// The top panel's y axis reaches this factor above its data: the strip for the faults' names.
const NAME_STRIP: f64 = 1.3;
/// Rows of names in that strip (the names of more overlapping faults share rows).
const NAME_ROWS: usize = 3;

/// One fault as drawn: its time span (seconds) and its name.
#[derive(Debug, Clone, PartialEq)]
struct Band {
    start_s: f64,
    end_s: f64,
    label: String,
}

/// The data of the figure: the first replication, times in seconds.
#[derive(Debug, Clone)]
pub struct FaultsTimeline {
    title: String,
    end_s: f64,
    bands: Vec<Band>,
    /// When the network had converged after the last fault (`None`: it never did).
    converged_s: Option<f64>,
    btc_height: Changes,
    stale_blocks: Points,
    l2_unsafe: Changes,
    /// Only on a settlement chain.
    l2_safe: Option<Changes>,
}

/// A band's name: the kind, and the peers it hit when they are few enough to read.
fn band_label(kind: &str, peers: &str) -> String {
    const READABLE: usize = 28;
    if peers.is_empty() || peers.len() > READABLE { kind.to_owned() } else { format!("{kind}: {peers}") }
}

fn bands_of(faults: &FaultsRecord) -> Vec<Band> {
    let s = |us: u64| us as f64 / 1e6;
    faults
        .faults
        .iter()
        .map(|f| Band { start_s: s(f.start_us), end_s: s(f.end_us), label: band_label(&f.kind, &f.peers) })
        .collect()
}

impl FaultsTimeline {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let first = records.first();
        let name = first.map_or("", |r| r.meta.scenario_name.as_str());
        let faults = first.and_then(|r| r.faults.as_ref());
        let l2 = first.and_then(|r| r.l2.as_ref());
        let s = |us: u64| us as f64 / 1e6;
        let (mut main, mut stale): (Vec<_>, Vec<_>) =
            first.map_or(&[][..], |r| &r.btc.blocks[..]).iter().partition(|b| b.main_chain);
        main.sort_by_key(|b| (b.found_at_us, b.height));
        stale.sort_by_key(|b| (b.found_at_us, b.height));
        Self {
            title: format!("Faults over the chains — {name}, {}", first_run_source(records)),
            end_s: first.map_or(0.0, |r| s(r.meta.sim_time_us)),
            bands: faults.map_or_else(Vec::new, bands_of),
            converged_s: faults.and_then(|f| Some(s(f.healed_at_us + f.convergence_us()?))),
            btc_height: changes(main.iter().map(|b| (b.found_at_us, u64::from(b.height)))),
            stale_blocks: stale.iter().map(|b| (s(b.found_at_us), f64::from(b.height))).collect(),
            l2_unsafe: changes(l2.map_or(&[][..], |l2| &l2.blocks[..]).iter().map(|b| (b.produced_at_us, b.number))),
            l2_safe: l2.filter(|l2| l2.settlement.is_some()).map(|l2| row_moves(l2, |b| b.safe_at_us)),
        }
    }

    /// Where each band's name goes: at its start, in rows from the top of the strip (`top`: the
    /// y axis's end), so that the names of overlapping faults do not cover each other.
    fn name_anchors(&self, time: Unit, top: f64) -> Points {
        let row = top * (1.0 - 1.0 / NAME_STRIP) / NAME_ROWS as f64;
        self.bands
            .iter()
            .enumerate()
            .map(|(i, b)| (b.start_s / time.scale, top - row * (i % NAME_ROWS) as f64))
            .collect()
    }

    fn time_unit(&self) -> Unit {
        Unit::time(self.end_s)
    }

    /// One panel: the fault bands (named when `names`), `lines` as step lines, `crosses` as
    /// markers and the convergence line.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: PanelData<'_>,
        names: bool,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let time = self.time_unit();
        let x_desc = format!("Simulated time ({})", time.name);
        let traces: Vec<(&str, RGBColor, Points)> = panel
            .lines
            .iter()
            .map(|(label, colour, steps)| (*label, *colour, line_points(step_trace(steps, self.end_s, time, false))))
            .collect();
        let crosses: Points = panel.crosses.1.iter().map(|&(t, y)| (t / time.scale, y)).collect();
        let peak = traces.iter().flat_map(|t| &t.2).chain(&crosses).map(|p| p.1).fold(0.0, f64::max);
        let mut labels: Vec<String> = traces.iter().map(|t| t.0.to_owned()).collect();
        let mut data: Vec<&[(f64, f64)]> = traces.iter().map(|t| t.2.as_slice()).collect();
        if !crosses.is_empty() {
            labels.push(panel.crosses.0.to_owned());
            data.extend(crosses.chunks(1));
        }
        // The names of the faults get a strip above the data, which the legend keeps clear of.
        let y_max = if names { y_top(&[peak], 1.0) * NAME_STRIP } else { y_top(&[peak], 1.0) };
        let name_points: Points = self.name_anchors(time, y_max);
        if names && !name_points.is_empty() {
            labels.push(String::new());
            data.push(&name_points);
        }
        let legend = Legend { labels, data, prefer: Corner::LowerRight };
        let axes = Axes {
            caption: Some(panel.caption),
            x_max: self.end_s / time.scale,
            x_desc: &x_desc,
            y_max,
            y_desc: panel.y_desc,
            x_labels: true,
        };
        let (mut chart, position) = axes_with_legend(area, &axes, &legend)?;
        self.draw_bands(&mut chart, time, names)?;
        for (label, colour, points) in &traces {
            let stroke = colour.stroke_width(3);
            draw_line(&mut chart, points, stroke)?
                .label(*label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], stroke));
        }
        if !crosses.is_empty() {
            let style = VERMILLION.stroke_width(2);
            chart
                .draw_series(crosses.iter().map(|&p| Cross::new(p, 6, style)))?
                .label(panel.crosses.0)
                .legend(move |(x, y)| Cross::new((x + 9, y), 6, style));
        }
        draw_legend(&mut chart, position)?;
        if traces.iter().all(|t| t.2.len() < 3) && crosses.is_empty() {
            centred_note(&chart.plotting_area().strip_coord_spec(), panel.empty_note)?;
        }
        Ok(())
    }

    /// The shaded band of every fault, its name stacked at the top (when `names`), and the
    /// dashed convergence line.
    fn draw_bands<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        time: Unit,
        names: bool,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let y = chart.as_coord_spec().get_y_range();
        let (lo, hi) = (y.start, y.end);
        let shade = VERMILLION.mix(0.12).filled();
        chart.draw_series(self.bands.iter().map(|b| {
            let (x0, x1) = (b.start_s / time.scale, b.end_s / time.scale);
            Rectangle::new([(x0, lo), (x1.max(x0), hi)], shade)
        }))?;
        if names {
            let style = (FONT, LABEL_PX).into_font().color(&VERMILLION.mix(0.9)).pos(Pos::new(HPos::Left, VPos::Top));
            let anchors = self.name_anchors(time, hi);
            chart.draw_series(
                self.bands.iter().zip(anchors).map(|(b, at)| Text::new(b.label.clone(), at, style.clone())),
            )?;
        }
        if let Some(at) = self.converged_s {
            let x = at / time.scale;
            let dash = BLACK.mix(0.7).stroke_width(2);
            chart
                .draw_series(std::iter::once(DashedPathElement::new(vec![(x, lo), (x, hi)], 8, 6, dash)))?
                .label("Converged after the last fault")
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 18, y)], 6, 4, dash));
        }
        Ok(())
    }
}

/// What one panel shows.
struct PanelData<'a> {
    caption: &'a str,
    y_desc: &'a str,
    lines: Vec<(&'a str, RGBColor, &'a Changes)>,
    crosses: (&'a str, &'a Points),
    empty_note: &'a str,
}

/// A head as one line: its exact steps, or the upper envelope of a long run.
fn line_points(trace: Trace) -> Points {
    match trace {
        Trace::Line(points) => points,
        Trace::Band { upper, .. } => upper,
    }
}

impl Figure for FaultsTimeline {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = two_panels(root, &self.title)?;
        let bitcoin = PanelData {
            caption: "Bitcoin: the best chain and the blocks it orphaned",
            y_desc: "Bitcoin height",
            lines: vec![("Best chain: height as its blocks were found", BLUE, &self.btc_height)],
            crosses: ("Stale block (orphaned)", &self.stale_blocks),
            empty_note: "no Bitcoin blocks found",
        };
        self.draw_panel(&top, bitcoin, true)?;
        let mut lines = vec![("Unsafe head: built by the sequencer", BLUE, &self.l2_unsafe)];
        if let Some(safe) = &self.l2_safe {
            lines.push(("Safe head: derived from L1", ORANGE, safe));
        }
        let none = Points::new();
        let l2 = PanelData {
            caption: "L2: the sequencer's heads",
            y_desc: "L2 block number",
            lines,
            crosses: ("", &none),
            empty_note: "no L2 in this scenario",
        };
        self.draw_panel(&bottom, l2, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_name_their_kind_and_few_peers() {
        assert_eq!(band_label("crash", "sequencer"), "crash: sequencer");
        assert_eq!(band_label("partition", "miner-0 miner-1 miner-2 | miner-3 miner-4 miner-5"), "partition");
        assert_eq!(band_label("loss", ""), "loss");
    }
}
