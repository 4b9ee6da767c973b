//! `l2_forks.{png,svg}`: the competing L2 forks of an adversary's reorg with their keystones'
//! publications on the Bitcoin timeline (first replication). Drawn only when the run had a
//! reorg made by an adversary (a history rewrite or an equivocation: its `because` starts with
//! `rewrite:` or `equivocation:`) or a fork conflict, so that no other run's outputs change.
//!
//! x is simulated time over the fork's window, y the L2 block number. The sequencer's node's
//! final chain is one line (each block at its production time), the blocks it took back another,
//! branching off at the fork point and cut where the reorg (a vertical line) took them back.
//! Every keystone in the window is a marker on the branch its block belongs to (by hash), joined
//! by a thin line to its first publication on the final Bitcoin main chain, a square labelled
//! with that block's height. Fork conflicts (reorgs the verifiers refused under
//! `l2.fork_choice = "pop"`; the record keeps their count, not their times) are counted in the
//! note below the chart.

use std::collections::{BTreeMap, BTreeSet};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plots::format::Unit;
use crate::plots::frame::{self, Frame, Legend, XTicks};
use crate::plots::legend::Corner;
use crate::plots::{BLUE, FONT, Figure, LABEL_PX, TITLE_PX, VERMILLION, draw_legend};
use crate::record::{L2ReorgRow, RunRecord};

/// Reasons of the reorgs an adversary makes (see `hemisim_node::peer::duties::l2`).
const ADVERSARY_REORGS: [&str; 2] = ["rewrite:", "equivocation:"];

/// Whether `records`' first replication had a reorg made by an adversary or a fork conflict:
/// the runs that get this figure.
pub fn has_forks(records: &[RunRecord]) -> bool {
    let Some(settlement) = records.first().and_then(|r| r.l2.as_ref()?.settlement.as_ref()) else { return false };
    settlement.fork_conflicts > 0 || settlement.reorgs.iter().any(is_adversarial)
}

fn is_adversarial(reorg: &L2ReorgRow) -> bool {
    ADVERSARY_REORGS.iter().any(|p| reorg.because.starts_with(p))
}

/// A keystone in the window: where it is on its branch, and its first publication.
#[derive(Debug, Clone, PartialEq)]
struct Keystone {
    made_at_s: f64,
    number: f64,
    /// On the final chain, or on the blocks taken back.
    canonical: bool,
    /// (found at, s; Bitcoin height) of its first publication on the final main chain.
    published: Option<(f64, u32)>,
}

/// The data of the figure, times in seconds.
#[derive(Debug, Clone)]
pub struct L2Forks {
    title: String,
    window: (f64, f64),
    canonical: Vec<(f64, f64)>,
    /// One line per adversarial reorg: the blocks it took back, from the fork point.
    taken_back: Vec<Vec<(f64, f64)>>,
    /// (at, from, to) of every reorg in the window.
    reorgs: Vec<(f64, f64, f64)>,
    keystones: Vec<Keystone>,
    note: String,
}

fn s(us: u64) -> f64 {
    us as f64 / 1e6
}

impl L2Forks {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let title =
            crate::plots::title("Competing L2 forks and their keystones on Bitcoin", &records[..1.min(records.len())]);
        let mut figure = L2Forks {
            title,
            window: (0.0, 1.0),
            canonical: Vec::new(),
            taken_back: Vec::new(),
            reorgs: Vec::new(),
            keystones: Vec::new(),
            note: String::new(),
        };
        let Some(record) = records.first() else { return figure };
        let Some(l2) = record.l2.as_ref() else { return figure };
        let Some(settlement) = l2.settlement.as_ref() else { return figure };
        let produced: BTreeMap<u64, f64> = l2.blocks.iter().map(|b| (b.number, s(b.produced_at_us))).collect();
        let adversarial: Vec<&L2ReorgRow> = settlement.reorgs.iter().filter(|r| is_adversarial(r)).collect();
        // The fork's heights, with a keystone interval's margin either side, and its times.
        let (low, high) = adversarial.iter().fold((u64::MAX, 0), |(lo, hi), r| (lo.min(r.to), hi.max(r.from)));
        let (low, high) = if low > high { (0, l2.blocks.last().map_or(1, |b| b.number)) } else { (low, high) };
        let (low, high) = (low.saturating_sub(25), high + 25);
        let in_heights = |n: u64| (low..=high).contains(&n);
        let final_hashes: BTreeSet<&str> = l2.blocks.iter().map(|b| b.hash.as_str()).collect();
        if let Some(pop) = record.pop.as_ref() {
            let mut first: BTreeMap<&str, (u32, u64)> = BTreeMap::new();
            for p in &pop.publications {
                let entry = first.entry(p.keystone_hash.as_str()).or_insert((p.btc_height, p.btc_block_found_at_us));
                *entry = (*entry).min((p.btc_height, p.btc_block_found_at_us));
            }
            figure.keystones = pop
                .keystones
                .iter()
                .filter(|k| in_heights(k.l2_number))
                .map(|k| Keystone {
                    made_at_s: s(k.made_at_us),
                    number: k.l2_number as f64,
                    canonical: final_hashes.contains(k.l2_block_hash.as_str()),
                    published: first.get(k.hash.as_str()).map(|&(h, at)| (s(at), h)),
                })
                .collect();
        }
        for r in &adversarial {
            let fork_at = produced.get(&r.to).copied().unwrap_or(0.0);
            let mut line = vec![(fork_at, r.to as f64)];
            line.extend(
                settlement
                    .unsafe_moves
                    .iter()
                    .filter(|m| s(m.at_us) > fork_at && m.at_us < r.at_us && m.number > r.to && m.number <= r.from)
                    .map(|m| (s(m.at_us), m.number as f64)),
            );
            figure.taken_back.push(line);
        }
        let mut times: Vec<f64> = adversarial.iter().map(|r| s(r.at_us)).collect();
        times.extend(adversarial.iter().filter_map(|r| produced.get(&r.to).copied()));
        times.extend(figure.keystones.iter().flat_map(|k| [Some(k.made_at_s), k.published.map(|p| p.0)]).flatten());
        let (t0, t1) = times.iter().fold((f64::INFINITY, 0.0_f64), |(a, b), &t| (a.min(t), b.max(t)));
        let (t0, t1) = if t0 <= t1 { (t0, t1) } else { (0.0, s(record.meta.sim_time_us)) };
        let pad = ((t1 - t0) * 0.05).max(60.0);
        figure.window = ((t0 - pad).max(0.0), t1 + pad);
        let in_window = |t: f64| t >= figure.window.0 && t <= figure.window.1;
        figure.canonical = l2
            .blocks
            .iter()
            .map(|b| (s(b.produced_at_us), b.number as f64))
            .filter(|&(t, n)| in_window(t) && in_heights(n as u64))
            .collect();
        figure.reorgs = settlement
            .reorgs
            .iter()
            .filter(|r| in_window(s(r.at_us)))
            .map(|r| (s(r.at_us), r.from as f64, r.to as f64))
            .collect();
        figure.note = format!(
            "{} reorg{} in the window ({} by the adversary); fork conflicts (reorgs verifiers refused): {}",
            figure.reorgs.len(),
            if figure.reorgs.len() == 1 { "" } else { "s" },
            adversarial.len(),
            settlement.fork_conflicts
        );
        figure
    }
}

impl Figure for L2Forks {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let (_, h) = root.dim_in_pixel();
        let (area, footer) = root.split_vertically(h.saturating_sub(44));
        let unit = Unit::time(self.window.1);
        let x = |t: f64| t / unit.scale;
        let canonical: Vec<(f64, f64)> = self.canonical.iter().map(|&(t, n)| (x(t), n)).collect();
        let taken: Vec<Vec<(f64, f64)>> =
            self.taken_back.iter().map(|l| l.iter().map(|&(t, n)| (x(t), n)).collect()).collect();
        let ks: Vec<(f64, f64)> = self.keystones.iter().map(|k| (x(k.made_at_s), k.number)).collect();
        let pubs: Vec<(f64, f64)> =
            self.keystones.iter().filter_map(|k| k.published.map(|(t, _)| (x(t), k.number))).collect();
        let numbers = canonical.iter().chain(taken.iter().flatten()).chain(&ks).map(|p| p.1);
        let (lo, hi) = numbers.fold((f64::INFINITY, 0.0_f64), |(a, b), n| (a.min(n), b.max(n)));
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 1.0) };
        let span = (hi - lo).max(1.0);
        let labels = vec![
            "sequencer's final chain".to_string(),
            "blocks it took back".to_string(),
            "keystone (on its branch)".to_string(),
            "its first Bitcoin publication (height)".to_string(),
            "reorg".to_string(),
        ];
        let mut data: Vec<&[(f64, f64)]> = vec![&canonical, &pubs, &ks];
        data.extend(taken.iter().map(Vec::as_slice));
        let legend = Legend { labels, data, prefer: Corner::UpperLeft };
        let x_desc = format!("Simulated time ({})", unit.name);
        let frame = Frame {
            caption: Some((&self.title, TITLE_PX)),
            margin: 24,
            x: x(self.window.0)..x(self.window.1),
            y: (lo - 0.05 * span).max(0.0)..hi + 0.1 * span,
            x_desc: &x_desc,
            y_desc: "L2 block number",
            x_ticks: XTicks::Round,
            y_log: false,
            right_px: 0,
        };
        let (mut chart, position) = frame::build(&area, &frame, Some(&legend))?;
        frame::draw_line(&mut chart, &canonical, BLUE.stroke_width(3))?
            .label("sequencer's final chain")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLUE.stroke_width(3)));
        for (i, line) in taken.iter().enumerate() {
            let series = frame::draw_line(&mut chart, line, VERMILLION.stroke_width(3))?;
            if i == 0 {
                series
                    .label("blocks it took back")
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], VERMILLION.stroke_width(3)));
            }
        }
        let grey = BLACK.mix(0.5);
        chart.draw_series(self.keystones.iter().filter_map(|k| {
            Some(PathElement::new(vec![(x(k.made_at_s), k.number), (x(k.published?.0), k.number)], grey))
        }))?;
        let colour = |k: &Keystone| if k.canonical { BLUE } else { VERMILLION };
        chart
            .draw_series(self.keystones.iter().map(|k| Circle::new((x(k.made_at_s), k.number), 7, colour(k).filled())))?
            .label("keystone (on its branch)")
            .legend(|(x, y)| Circle::new((x + 12, y), 7, BLACK.mix(0.6).filled()));
        chart
            .draw_series(self.keystones.iter().filter_map(|k| {
                let (t, height) = k.published?;
                let at = (x(t), k.number);
                let c = colour(k);
                Some(
                    EmptyElement::at(at)
                        + Rectangle::new([(-6, -6), (6, 6)], c.filled())
                        + Text::new(format!("{height}"), (8, -22), (FONT, LABEL_PX).into_font().color(&c)),
                )
            }))?
            .label("its first Bitcoin publication (height)")
            .legend(|(x, y)| Rectangle::new([(x + 6, y - 6), (x + 18, y + 6)], BLACK.mix(0.6).filled()));
        chart
            .draw_series(
                self.reorgs
                    .iter()
                    .map(|&(t, from, to)| PathElement::new(vec![(x(t), from), (x(t), to)], BLACK.stroke_width(2))),
            )?
            .label("reorg")
            .legend(|(x, y)| PathElement::new(vec![(x + 12, y - 8), (x + 12, y + 8)], BLACK.stroke_width(2)));
        draw_legend(&mut chart, position)?;
        let note_style = (FONT, LABEL_PX).into_font().color(&BLACK.mix(0.7));
        footer.draw_text(&self.note, &note_style, (24, 8))?;
        Ok(())
    }
}
