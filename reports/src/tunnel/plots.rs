//! `tunnel.{png,svg}`: the BTC tunnel. Top: the auditor's books over the run (first
//! replication): BTC locked in the vault, the hBTC supply (minted − burned), payouts owed
//! (burned, not yet paid) and unbacked hBTC (minted deposits a reorg took away), each a step at
//! the L2 blocks where it changed, with every deposit unwound (and restored) marked. Bottom: the
//! cumulative distributions of the mint, payout and settlement latencies (every replication
//! pooled).
//!
//! Healthy books: the supply follows the locked BTC at a distance of the payouts owed; a step up
//! of the unbacked line, at an unwound mark, is a loss. A payout curve far left of the
//! settlement curve means BTC leaves the vault long before the payout is final.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::plots::axes::{Axes, axes, first_run_source};
use crate::plots::frame::{self, Axis, RightAxis, draw_line};
use crate::plots::panel::{Unit, thousands, two_panels, y_top};
use crate::plots::{BLUE, FONT, Figure, GREEN, LABEL_PX, ORANGE, PURPLE, VERMILLION, centred_note};
use crate::record::{RunRecord, TunnelLedgerRow, TunnelOpKind, TunnelRecord};
use crate::stats::percentile_nearest_rank;
use crate::tunnel::metrics::{self, of_kind, supply_sats};

/// A latency curve with more samples than this is drawn through every k-th step.
const MAX_STEPS: usize = 1_000;

/// Width of the column of keys right of each chart.
const KEY_COLUMN_PX: u32 = 360;

/// One line of the books: its change points `(at_s, sats)`, in time order.
#[derive(Debug, Clone, PartialEq)]
struct Book {
    label: &'static str,
    colour: RGBColor,
    changes: Vec<(f64, u64)>,
    /// The unbacked hBTC, which gets a right axis of its own when too small to see on the left.
    unbacked: bool,
}

/// One latency distribution, pooled: its name, what it measures and its sorted samples in µs.
#[derive(Debug, Clone, PartialEq)]
struct Latency {
    name: &'static str,
    what: &'static str,
    colour: RGBColor,
    sorted_us: Vec<u64>,
}

/// The data of the figure.
#[derive(Debug, Clone)]
pub struct TunnelFigure {
    title: String,
    pooled: String,
    /// End of the time axis: the first replication's simulated time, in seconds.
    end_s: f64,
    books: Vec<Book>,
    unwound_s: Vec<f64>,
    restored_s: Vec<f64>,
    latencies: Vec<Latency>,
}

/// The rows where `value` changed (and the first), as `(at_s, value)`: the books change at a few
/// blocks only, so a day of 12 s blocks draws as a few steps, not 7,200 points per line.
fn changes(ledger: &[TunnelLedgerRow], value: fn(&TunnelLedgerRow) -> u64) -> Vec<(f64, u64)> {
    let mut out: Vec<(f64, u64)> = Vec::new();
    for row in ledger {
        let v = value(row);
        if out.last().is_none_or(|&(_, last)| last != v) {
            out.push((row.at_us as f64 / 1e6, v));
        }
    }
    out
}

/// An amount unit for a peak of `sats`: BTC, mBTC (below 0.5 BTC) or sat (below 0.5 mBTC).
fn amount_unit(sats: u64) -> Unit {
    let (scale, name) = match sats {
        s if s >= 50_000_000 => (1e8, "BTC"),
        s if s >= 50_000 => (1e5, "mBTC"),
        _ => (1.0, "sat"),
    };
    Unit { scale, name }
}

impl TunnelFigure {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let first = records.first();
        let tunnel = first.and_then(|r| r.tunnel.as_ref());
        let ledger = tunnel.map_or(&[][..], |t| &t.ledger[..]);
        let book = |label, colour, value| Book { label, colour, changes: changes(ledger, value), unbacked: false };
        let times = |kind| -> Vec<f64> {
            tunnel.map_or_else(Vec::new, |t| of_kind(t, kind).map(|o| o.at_us as f64 / 1e6).collect())
        };
        let runs: Vec<&TunnelRecord> = records.iter().filter_map(|r| r.tunnel.as_ref()).collect();
        let latency = |name, what, colour, f: fn(&TunnelRecord) -> Vec<u64>| {
            let mut sorted_us: Vec<u64> = runs.iter().flat_map(|t| f(t)).collect();
            sorted_us.sort_unstable();
            Latency { name, what, colour, sorted_us }
        };
        let name = first.map_or("", |r| r.meta.scenario_name.as_str());
        Self {
            title: format!("BTC tunnel — {name}, {}", first_run_source(records)),
            pooled: match records {
                [one] => format!("seed {}", one.meta.seed),
                _ => format!("{} runs pooled", records.len()),
            },
            end_s: first.map_or(0.0, |r| r.meta.sim_time_us as f64 / 1e6),
            books: vec![
                book("BTC locked in the vault", BLUE, |l| l.locked_sats),
                book("hBTC supply: minted − burned", ORANGE, supply_sats),
                book("Payouts owed: burned, unpaid", GREEN, |l| l.pending_sats),
                Book { unbacked: true, ..book("Unbacked hBTC (losses)", VERMILLION, |l| l.unbacked_sats) },
            ],
            unwound_s: times(TunnelOpKind::Unwound),
            restored_s: times(TunnelOpKind::Restored),
            latencies: vec![
                latency("Mint", "deposit sent → hBTC minted", BLUE, metrics::mint_latencies_us),
                latency("Payout", "burn → payout sent", ORANGE, metrics::payout_latencies_us),
                latency("Settlement", "burn → payout confirmed", GREEN, metrics::settlement_latencies_us),
            ],
        }
    }

    /// The peak of the books drawn on the left axis (every book, or all but the unbacked one
    /// when it has its own axis) and of the unbacked hBTC.
    fn peaks(&self) -> (u64, u64) {
        let peak = |b: &Book| b.changes.iter().map(|c| c.1).max().unwrap_or(0);
        let unbacked = self.books.iter().find(|b| b.unbacked).map_or(0, peak);
        let others = self.books.iter().filter(|b| !b.unbacked).map(peak).max().unwrap_or(0);
        (others, unbacked)
    }

    /// The unit of a right axis for the unbacked hBTC, when there is some and it would be lost
    /// on the left axis (under 5% of the books' peak: a 0.01 BTC loss beside 1.4 BTC locked).
    fn losses_axis(&self) -> Option<Unit> {
        let (others, unbacked) = self.peaks();
        (unbacked > 0 && unbacked.saturating_mul(20) < others).then(|| amount_unit(unbacked))
    }

    fn draw_books<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (plot, side) = with_key_column(area);
        let time = Unit::time(self.end_s);
        let losses_axis = self.losses_axis();
        let (others, unbacked) = self.peaks();
        let peak = if losses_axis.is_some() { others } else { others.max(unbacked) };
        let amount = amount_unit(peak);
        let y_desc = format!("Amount ({})", amount.name);
        let x_desc = format!("Simulated time ({})", time.name);
        let y_max = y_top(&[peak as f64 / amount.scale], 0.0);
        let x_max = self.end_s / time.scale;
        let axes = Axes {
            caption: Some("The tunnel's books at every L2 block"),
            x_max,
            x_desc: &x_desc,
            y_max,
            y_desc: &y_desc,
            x_labels: true,
        };
        let right_desc = losses_axis.map(|unit| format!("Unbacked hBTC ({})", unit.name));
        let right = losses_axis.zip(right_desc.as_deref()).map(|(unit, desc)| RightAxis {
            y: 0.0..y_top(&[unbacked as f64 / unit.scale], 0.0),
            desc,
            colour: VERMILLION,
        });
        let frame = axes.frame();
        // Always two y axes (the right one drawn only when the losses need it), so that one
        // chart type serves both.
        let mut chart = match &right {
            Some(right) => frame::build_dual(&plot, &frame, right)?,
            None => frame::build(&plot, &frame, None)?
                .0
                .set_secondary_coord(Axis::new(0.0..1.0, Vec::new()), Axis::new(0.0..1.0, Vec::new())),
        };
        let mut keys = Vec::new();
        let marks =
            [(&self.unwound_s, PURPLE, "Deposit unwound by a reorg"), (&self.restored_s, BLACK, "Deposit restored")];
        for (times, colour, what) in marks.into_iter().filter(|m| !m.0.is_empty()) {
            let style = colour.mix(0.7).stroke_width(2);
            chart.draw_series(times.iter().map(|&t| {
                let x = t / time.scale;
                DashedPathElement::new(vec![(x, 0.0), (x, y_max)], 10, 6, style)
            }))?;
            let count = thousands(times.len() as u64);
            keys.push(Key::mark(colour, format!("{what} ({count})")));
        }
        // The vault first and wider, so it shows around a line drawn on top of it.
        for (i, book) in self.books.iter().enumerate() {
            let style = book.colour.stroke_width(if i == 0 { 5 } else { 3 });
            let own_axis = book.unbacked.then_some(losses_axis).flatten();
            let scale = own_axis.map_or(amount.scale, |u| u.scale);
            let mut points = Vec::new();
            for (k, &(t, v)) in book.changes.iter().enumerate() {
                // Steps: each value holds until the next change, the last one until the end.
                let until = book.changes.get(k + 1).map_or(self.end_s.max(t), |n| n.0);
                let y = v as f64 / scale;
                points.extend([(t / time.scale, y), (until / time.scale, y)]);
            }
            let mut text = vec![book.label.to_string()];
            if let Some(unit) = own_axis {
                let coords = chart.borrow_secondary().as_coord_spec().clone();
                let lines = frame::pieces(&points, |p| coords.translate(p));
                chart.draw_secondary_series(lines.into_iter().map(|piece| PathElement::new(piece, style)))?;
                text.push(format!("right axis, in {}", unit.name));
            } else {
                draw_line(&mut chart, &points, style)?;
            }
            keys.insert(i, Key::line(book.colour, text));
        }
        draw_keys(&side, &keys)?;
        if self.books.iter().all(|b| b.changes.is_empty()) {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no ledger rows recorded")?;
        }
        Ok(())
    }

    /// The empirical distribution function of `sorted_us` as steps, in `unit`, up to `x_max`.
    fn cdf(sorted_us: &[u64], unit: Unit, x_max: f64) -> Vec<(f64, f64)> {
        let n = sorted_us.len();
        if n == 0 {
            return Vec::new();
        }
        let stride = n.div_ceil(MAX_STEPS);
        let mut points = vec![(0.0, 0.0)];
        let mut below = 0.0;
        let last = (!n.is_multiple_of(stride)).then_some(n - 1);
        for i in (stride - 1..n).step_by(stride).chain(last) {
            let x = sorted_us[i] as f64 / 1e6 / unit.scale;
            let share = (i + 1) as f64 / n as f64;
            points.extend([(x, below), (x, share)]);
            below = share;
        }
        points.push((x_max, 1.0));
        points
    }

    fn draw_latencies<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (plot, side) = with_key_column(area);
        let longest_us = self.latencies.iter().filter_map(|l| l.sorted_us.last()).max();
        let x_max_s = longest_us.map_or(1.0, |&us| us as f64 / 1e6 * 1.05);
        let unit = latency_unit(x_max_s);
        let x_max = x_max_s / unit.scale;
        let caption = format!("Latency distributions ({})", self.pooled);
        let x_desc = format!("Latency ({})", unit.name);
        let mut chart = axes(
            &plot,
            &Axes {
                caption: Some(&caption),
                x_max,
                x_desc: &x_desc,
                y_max: 1.05,
                y_desc: "Share of operations within x",
                x_labels: true,
            },
        )?;
        let mut keys = Vec::new();
        for l in self.latencies.iter().filter(|l| !l.sorted_us.is_empty()) {
            let style = l.colour.stroke_width(3);
            draw_line(&mut chart, &Self::cdf(&l.sorted_us, unit, x_max), style)?;
            let p = |q| percentile_nearest_rank(&l.sorted_us, q).map_or(0.0, |us| us as f64 / 1e6);
            let n = thousands(l.sorted_us.len() as u64);
            keys.push(Key::line(
                l.colour,
                vec![
                    format!("{} (n = {n})", l.name),
                    l.what.to_string(),
                    format!("p50 {}, p95 {}", unit.format(p(50)), unit.format(p(95))),
                ],
            ));
        }
        draw_keys(&side, &keys)?;
        if keys.is_empty() {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no deposit minted and no withdrawal paid")?;
        }
        Ok(())
    }
}

/// Latencies in seconds below 2 minutes, else in minutes (even past 2 hours: a tunnel's waits
/// read best against Bitcoin's 10-minute blocks).
fn latency_unit(max_s: f64) -> Unit {
    match Unit::time(max_s) {
        Unit { name: "s", .. } => Unit::time(max_s),
        _ => Unit { scale: 60.0, name: "min" },
    }
}

/// A panel's chart area and, right of it, the column of its keys: the keys never hide data,
/// whatever the shape of the curves.
fn with_key_column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let width = area.dim_in_pixel().0;
    area.split_horizontally(width - KEY_COLUMN_PX)
}

/// One entry of a key column: a sample of its line (or of a dashed mark) and its text, the
/// first line in black and the others, details, in grey.
#[derive(Debug, Clone)]
struct Key {
    colour: RGBColor,
    mark: bool,
    text: Vec<String>,
}

impl Key {
    fn line(colour: RGBColor, text: Vec<String>) -> Key {
        Key { colour, mark: false, text }
    }

    fn mark(colour: RGBColor, text: String) -> Key {
        Key { colour, mark: true, text: vec![text] }
    }
}

/// Draws `keys` top down in `column`, starting level with the top of the chart beside it.
fn draw_keys<DB: DrawingBackend>(
    column: &DrawingArea<DB, Shift>,
    keys: &[Key],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let line_px = LABEL_PX as i32 + 5;
    let mut y = 56;
    for key in keys {
        let mid = y + LABEL_PX as i32 / 2;
        if key.mark {
            let style = key.colour.mix(0.7).stroke_width(2);
            column.draw(&DashedPathElement::new(vec![(20, mid - 10), (20, mid + 10)], 4, 3, style))?;
        } else {
            let style = key.colour.stroke_width(4);
            column.draw(&PathElement::new(vec![(4, mid), (36, mid)], style))?;
        }
        for (i, text) in key.text.iter().enumerate() {
            let colour = BLACK.mix(if i == 0 { 1.0 } else { 0.6 });
            let font = (FONT, LABEL_PX).into_font().color(&colour);
            column.draw(&Text::new(text.clone(), (46, y + i as i32 * line_px), font))?;
        }
        y += key.text.len() as i32 * line_px + 12;
    }
    Ok(())
}

impl Figure for TunnelFigure {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = two_panels(root, &self.title)?;
        self.draw_books(&top)?;
        self.draw_latencies(&bottom)
    }
}

#[cfg(test)]
#[path = "plots_tests.rs"]
mod tests;
