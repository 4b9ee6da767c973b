//! `l2_heads.{png,svg}` (settlement chains only): the sequencer's node's three heads over
//! simulated time (first replication). Top: the unsafe, safe and finalized head numbers, each a
//! step line; bottom: how many blocks the safe and finalized heads stand behind the unsafe one.
//! Every unsafe reorg is a marker: on top at the head it took back, below at its depth. A long
//! run is drawn over windows of steps (see `step_trace`).
//!
//! With a live batcher the safe head trails the unsafe one by about a batcher interval plus L1
//! inclusion, and the finalized head by the L1's finality depth on top of that: flat bands below.
//! A batcher outage shows as a safe gap climbing as a ramp until the sequencing window expires;
//! from then on derivation forces deposit-only blocks and the unsafe chain is reorged, one marker
//! per reorg, the safe gap pinned at the window.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plots::axes::{Axes, Points, axes_with_legend, envelope_of, first_run_source};
use crate::plots::frame::{Chart, Legend, draw_line};
use crate::plots::panel::{Corner, Unit, thousands, two_panels, y_top};
use crate::plots::{BLUE, Figure, GREEN, ORANGE, centred_note, draw_legend};
use crate::record::{L2Record, RunRecord};

/// A head's moves: `(at_s, number)`, one per time (the last move at that time), from genesis
/// (block 0 at time 0).
pub(crate) type Changes = Vec<(f64, f64)>;

/// An unsafe reorg: when, the head it took back and the safe head it went back to.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reorg {
    at_s: f64,
    from: f64,
    to: f64,
}

/// The data of the figure: the first replication, times in seconds.
#[derive(Debug, Clone)]
pub struct L2Heads {
    title: String,
    end_s: f64,
    unsafe_head: Changes,
    safe_head: Changes,
    finalized_head: Changes,
    reorgs: Vec<Reorg>,
}

/// `(at_us, number)` moves as [`Changes`]: seconds, genesis first, one point per time.
pub(crate) fn changes(moves: impl IntoIterator<Item = (u64, u64)>) -> Changes {
    let mut out: Changes = vec![(0.0, 0.0)];
    for (at_us, number) in moves {
        let point = (at_us as f64 / 1e6, number as f64);
        match out.last_mut() {
            Some(last) if last.0 == point.0 => *last = point,
            _ => out.push(point),
        }
    }
    out
}

/// The moves of the safe and finalized heads, from the rows of the final chain: each row holds
/// when the head reached it (safe blocks are never taken back).
pub(crate) fn row_moves(l2: &L2Record, at: fn(&crate::record::BlockSettlement) -> Option<u64>) -> Changes {
    changes(l2.blocks.iter().filter_map(|b| Some((at(b.settlement.as_ref()?)?, b.number))))
}

/// `a − b` at every time either changes, both read as steps.
fn gap(a: &[(f64, f64)], b: &[(f64, f64)]) -> Changes {
    let mut times: Vec<f64> = a.iter().chain(b).map(|p| p.0).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let value_at = |series: &[(f64, f64)], t: f64| {
        let i = series.partition_point(|p| p.0 <= t);
        i.checked_sub(1).map_or(0.0, |i| series[i].1)
    };
    times.into_iter().map(|t| (t, value_at(a, t) - value_at(b, t))).collect()
}

/// A step series longer than this is drawn as windows of steps, about one per pixel.
const STEP_POINTS: usize = 1_000;

/// How a step series is drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Trace {
    /// Its exact polyline, or for a long run of a head the upper envelope of its windows: a
    /// head climbs a block per block time, so a window's range is under a pixel.
    Line(Points),
    /// For a long run of a gap, which moves up and down faster than the pixels: the band between
    /// its windows' upper and lower envelopes.
    Band { upper: Points, lower: Points },
}

impl Trace {
    fn points(&self) -> Vec<&[(f64, f64)]> {
        match self {
            Trace::Line(line) => vec![line],
            Trace::Band { upper, lower } => vec![upper, lower],
        }
    }
}

/// `changes` as the polyline of a step function held to `end`, in `unit`; a long one as a
/// [`Trace::Line`] of its upper envelope (`band`: false) or a [`Trace::Band`].
pub(crate) fn step_trace(changes: &[(f64, f64)], end: f64, unit: Unit, band: bool) -> Trace {
    let mut points: Points = Vec::with_capacity(2 * changes.len() + 1);
    for &(t, v) in changes {
        if let Some(&(_, before)) = points.last() {
            points.push((t / unit.scale, before));
        }
        points.push((t / unit.scale, v));
    }
    if let Some(&(t, v)) = points.last() {
        points.push(((end / unit.scale).max(t), v));
    }
    if points.len() <= STEP_POINTS {
        return Trace::Line(points);
    }
    let (upper, lower, _) = envelope_of(&points, STEP_POINTS);
    if band { Trace::Band { upper, lower } } else { Trace::Line(upper) }
}

/// One series of a panel: its label, colour and how it is drawn.
struct HeadLine {
    label: &'static str,
    colour: RGBColor,
    trace: Trace,
}

impl L2Heads {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let first = records.first();
        let l2 = first.and_then(|r| r.l2.as_ref());
        let settlement = l2.and_then(|l2| l2.settlement.as_ref());
        let name = first.map_or("", |r| r.meta.scenario_name.as_str());
        let s = |us: u64| us as f64 / 1e6;
        Self {
            title: format!("L2 heads of the sequencer's node — {name}, {}", first_run_source(records)),
            end_s: first.map_or(0.0, |r| s(r.meta.sim_time_us)),
            unsafe_head: changes(settlement.iter().flat_map(|st| st.unsafe_moves.iter().map(|m| (m.at_us, m.number)))),
            safe_head: l2.map_or_else(|| changes([]), |l2| row_moves(l2, |b| b.safe_at_us)),
            finalized_head: l2.map_or_else(|| changes([]), |l2| row_moves(l2, |b| b.finalized_at_us)),
            reorgs: settlement.map_or_else(Vec::new, |st| {
                st.reorgs.iter().map(|r| Reorg { at_s: s(r.at_us), from: r.from as f64, to: r.to as f64 }).collect()
            }),
        }
    }

    fn time_axis(&self) -> (Unit, String) {
        let unit = Unit::time(self.end_s);
        (unit, format!("Simulated time ({})", unit.name))
    }

    fn reorg_label(&self, what: &str) -> String {
        format!("Unsafe reorgs ({}): {what}", thousands(self.reorgs.len() as u64))
    }

    /// One panel: `heads` as step lines and the reorgs as markers at `marker(reorg)`.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        caption: &str,
        y_desc: &str,
        heads: &[HeadLine],
        markers: (String, Points),
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (time, x_desc) = self.time_axis();
        let peak = heads.iter().flat_map(|h| h.trace.points()).flatten().map(|p| p.1).fold(0.0, f64::max);
        let mut labels: Vec<String> = heads.iter().map(|h| h.label.to_string()).collect();
        let mut data: Vec<&[(f64, f64)]> = heads.iter().flat_map(|h| h.trace.points()).collect();
        let (marker_label, marks) = markers;
        if !marks.is_empty() {
            labels.push(marker_label);
            data.extend(marks.chunks(1));
        }
        let legend = Legend { labels, data, prefer: Corner::UpperLeft };
        let axes = Axes {
            caption: Some(caption),
            x_max: self.end_s / time.scale,
            x_desc: &x_desc,
            y_max: y_top(&[peak], 0.0),
            y_desc,
            x_labels: true,
        };
        let (mut chart, position) = axes_with_legend(area, &axes, &legend)?;
        for head in heads {
            draw_head(&mut chart, head)?;
        }
        if !marks.is_empty() {
            let mark = BLACK.mix(0.8).filled();
            let label = legend.labels.last().cloned().unwrap_or_default();
            chart
                .draw_series(marks.iter().map(|&p| TriangleMarker::new(p, 5, mark)))?
                .label(label)
                .legend(move |(x, y)| TriangleMarker::new((x + 9, y), 5, mark));
        }
        draw_legend(&mut chart, position)?;
        if self.unsafe_head.len() < 2 {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no L2 blocks produced")?;
        }
        Ok(())
    }
}

/// Draws `head`: its line (3 px), or its band (filled, edged with 1 px lines, which need no
/// cutting at turns), labelled.
fn draw_head<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    head: &HeadLine,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let stroke = head.colour.stroke_width(3);
    let series = match &head.trace {
        Trace::Line(line) => draw_line(chart, line, stroke)?,
        Trace::Band { upper, lower } => {
            let outline: Points = upper.iter().chain(lower.iter().rev()).copied().collect();
            chart.draw_series(std::iter::once(Polygon::new(outline, head.colour.mix(0.45).filled())))?;
            let edge = head.colour.stroke_width(1);
            chart.draw_series([PathElement::new(upper.clone(), edge), PathElement::new(lower.clone(), edge)])?
        }
    };
    series.label(head.label).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], stroke));
    Ok(())
}

impl Figure for L2Heads {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = two_panels(root, &self.title)?;
        let (time, _) = self.time_axis();
        let line = |head: &Changes| step_trace(head, self.end_s, time, false);
        let heads = [
            HeadLine { label: "Unsafe head: built by the sequencer", colour: BLUE, trace: line(&self.unsafe_head) },
            HeadLine { label: "Safe head: derived from L1", colour: ORANGE, trace: line(&self.safe_head) },
            HeadLine {
                label: "Finalized head: from final L1 blocks",
                colour: GREEN,
                trace: line(&self.finalized_head),
            },
        ];
        let taken_back = self.reorgs.iter().map(|r| (r.at_s / time.scale, r.from)).collect();
        let label = self.reorg_label("the unsafe head taken back");
        self.draw_panel(&top, "Head block numbers", "L2 block number", &heads, (label, taken_back))?;
        let band = |head: &Changes| step_trace(&gap(&self.unsafe_head, head), self.end_s, time, true);
        let behind = [
            HeadLine { label: "Safe head behind the unsafe head", colour: ORANGE, trace: band(&self.safe_head) },
            HeadLine {
                label: "Finalized head behind the unsafe head",
                colour: GREEN,
                trace: band(&self.finalized_head),
            },
        ];
        let depths = self.reorgs.iter().map(|r| (r.at_s / time.scale, r.from - r.to)).collect();
        let label = self.reorg_label("blocks taken back");
        self.draw_panel(&bottom, "Distance behind the unsafe head", "L2 blocks", &behind, (label, depths))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_keep_the_last_move_at_each_time_from_genesis() {
        let c = changes([(12_000_000, 1), (24_000_000, 2), (24_000_000, 1), (24_000_000, 2), (36_000_000, 3)]);
        assert_eq!(c, [(0.0, 0.0), (12.0, 1.0), (24.0, 2.0), (36.0, 3.0)]);
    }

    #[test]
    fn gaps_read_both_heads_as_steps() {
        let unsafe_head = [(0.0, 0.0), (12.0, 1.0), (24.0, 2.0), (36.0, 3.0)];
        let safe_head = [(0.0, 0.0), (30.0, 2.0)];
        assert_eq!(gap(&unsafe_head, &safe_head), [(0.0, 0.0), (12.0, 1.0), (24.0, 2.0), (30.0, 0.0), (36.0, 1.0)]);
    }

    #[test]
    fn steps_hold_each_value_to_the_next_change_and_long_runs_are_windowed() {
        let unit = Unit::time(60.0);
        let trace = step_trace(&[(0.0, 0.0), (12.0, 1.0), (24.0, 2.0)], 60.0, unit, true);
        let exact = vec![(0.0, 0.0), (12.0, 0.0), (12.0, 1.0), (24.0, 1.0), (24.0, 2.0), (60.0, 2.0)];
        assert_eq!(trace, Trace::Line(exact));
        // A day of 12 s blocks: a head as one line, a gap as a band, of at most 1,000 windows.
        let day: Changes = (0..7_200).map(|i| (12.0 * f64::from(i), f64::from(i))).collect();
        let unit = Unit::time(86_400.0);
        let Trace::Line(line) = step_trace(&day, 86_400.0, unit, false) else { panic!("a head is a line") };
        assert!(line.len() <= STEP_POINTS && line.windows(2).all(|w| w[0].1 <= w[1].1), "{}", line.len());
        let Trace::Band { upper, lower } = step_trace(&day, 86_400.0, unit, true) else { panic!("a gap is a band") };
        assert!(upper.len() <= STEP_POINTS && upper.len() == lower.len());
        assert!(upper.iter().zip(&lower).all(|(u, l)| u.0 == l.0 && u.1 >= l.1));
    }
}
