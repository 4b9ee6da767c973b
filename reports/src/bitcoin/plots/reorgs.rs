//! `reorg_depths.{png,svg}`: how many reorgs the observer went through at each depth.
//!
//! Depth is the number of blocks disconnected. With honest miners and a short propagation delay
//! nearly all reorgs have depth 1; deeper ones come from attacks or partitions. A run without
//! any reorg still gets a chart (empty, with a note), so a missing file always means a failure.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DiscreteRanged, SegmentValue};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plots::format::thousands;
use crate::plots::{AXIS_PX, BLUE, FONT, Figure, GRID, LABEL_PX, TITLE_PX, centred_note, draw_legend, title};
use crate::record::RunRecord;

/// The data of the figure: the number of reorgs at each depth, all replications pooled.
#[derive(Debug, Clone)]
pub struct ReorgDepths {
    title: String,
    /// `(depth, count)` for every depth from 1 to the deepest seen, zeros included.
    counts: Vec<(u32, u32)>,
}

impl ReorgDepths {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let depths: Vec<u32> = records.iter().flat_map(|r| r.btc.reorgs.iter().map(|g| g.depth)).collect();
        let deepest = depths.iter().copied().max().unwrap_or(0);
        let counts = (1..=deepest).map(|d| (d, depths.iter().filter(|&&x| x == d).count() as u32)).collect();
        Self { title: title("Reorg depths seen by the observer", records), counts }
    }

    fn total(&self) -> u32 {
        self.counts.iter().map(|c| c.1).sum()
    }
}

impl Figure for ReorgDepths {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        // An empty chart keeps a readable axis: depths 1 to 3, counts 0 to 1.
        let deepest = self.counts.last().map_or(3, |c| c.0.max(3));
        let highest = self.counts.iter().map(|c| c.1).max().unwrap_or(0).max(1);
        // Head room for the count printed above the tallest bar.
        let y_max = highest + highest.div_ceil(8).max(1);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE_PX))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(100)
            .build_cartesian_2d((1..deepest).into_segmented(), 0..y_max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_desc("Reorg depth (blocks disconnected)")
            .y_desc("Reorgs (count)")
            .axis_desc_style((FONT, AXIS_PX))
            .label_style((FONT, LABEL_PX))
            .y_label_formatter(&|y| thousands(u64::from(*y)))
            .draw()?;
        let fill = BLUE.mix(0.75).filled();
        let total = self.total();
        let deepest_seen = self.counts.last().map_or(0, |c| c.0);
        // The bars `Histogram::vertical(..).margin(16)` would draw, in depth order: plotters'
        // `Histogram` collects its data in a `HashMap`, so its SVG element order changed from one
        // process to the next.
        let x_spec = chart.as_coord_spec().x_spec().clone();
        let bars = self.counts.iter().filter_map(|&(depth, count)| {
            let i = x_spec.index_of(&SegmentValue::Exact(depth))?;
            let (left, right) = (x_spec.from_index(i)?, x_spec.from_index(i + 1)?);
            let mut bar = Rectangle::new([(left, count), (right, 0)], fill);
            bar.set_margin(0, 0, 16, 16);
            Some(bar)
        });
        chart
            .draw_series(bars)?
            .label(match total {
                0 => "Reorgs: none".to_string(),
                _ => format!("Reorgs: n = {}, deepest {deepest_seen}", thousands(u64::from(total))),
            })
            .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], fill));
        let above = (FONT, LABEL_PX).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
        let labels = self.counts.iter().filter(|c| c.1 > 0);
        chart.draw_series(
            labels.map(|&(d, c)| Text::new(thousands(u64::from(c)), (SegmentValue::CenterOf(d), c), above.clone())),
        )?;
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        if total == 0 {
            centred_note(&chart.plotting_area().strip_coord_spec(), "no reorgs recorded")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::sample_record;

    #[test]
    fn counts_include_every_depth_up_to_the_deepest() {
        let mut record = sample_record(1);
        let mut deep = record.btc.reorgs[0].clone();
        deep.depth = 3;
        record.btc.reorgs.push(deep);
        let figure = ReorgDepths::from_records(&[record.clone(), record]);
        assert_eq!(figure.counts, vec![(1, 2), (2, 0), (3, 2)]);
        assert_eq!(figure.total(), 4);
    }

    #[test]
    fn svg_is_the_same_every_time() {
        let mut record = sample_record(1);
        for depth in [2, 3, 5, 3, 4] {
            let mut deep = record.btc.reorgs[0].clone();
            deep.depth = depth;
            record.btc.reorgs.push(deep);
        }
        let figure = ReorgDepths::from_records(&[record]);
        let svg = || {
            crate::plots::ensure_font(std::path::Path::new("test.svg")).expect("font");
            let mut out = String::new();
            {
                let root = SVGBackend::with_string(&mut out, crate::plots::SIZE).into_drawing_area();
                figure.draw(&root).expect("drawable");
                root.present().expect("presentable");
            }
            out
        };
        let first = svg();
        // plotters' `Histogram` iterated a fresh `HashMap` each time, so 5 bars came out in a
        // different order within a few draws.
        for _ in 0..8 {
            assert_eq!(svg(), first);
        }
    }
}
