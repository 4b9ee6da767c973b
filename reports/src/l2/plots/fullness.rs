//! `l2_fullness.{png,svg}`: block fullness (gas used / gas limit, top) and the sequencer's
//! mempool backlog (bottom) over simulated time, per window of blocks.
//!
//! Fullness below 1 with no backlog: the chain keeps up. Fullness at 1 with a growing backlog:
//! the offered load exceeds the gas limit, and inclusion latency grows with the backlog.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::series::{L2Series, Window};
use crate::plots::panel::{Corner, Line, Panel, two_panels, y_top};
use crate::plots::{BLUE, Figure, VERMILLION};
use crate::record::RunRecord;

/// The data of the figure: the first replication's windows.
#[derive(Debug, Clone)]
pub struct L2Fullness {
    title: String,
    series: L2Series,
}

impl L2Fullness {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let series = L2Series::from_records(records);
        Self { title: series.title("L2 block fullness and backlog", records), series }
    }
}

impl Figure for L2Fullness {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = two_panels(root, &self.title)?;
        let s = &self.series;
        let (x_max, x_desc) = s.time_axis();
        let window = s.window_label();
        let no_blocks = s.windows.is_empty().then_some("no L2 blocks produced");

        let gas_limit = s.gas_limit;
        let fullness = s.points(|w| w.fullness(gas_limit));
        let lines = [
            Line {
                label: format!("Gas used / gas limit (mean over windows of {window})"),
                colour: BLUE,
                points: fullness.clone(),
                dashed: false,
            },
            Line {
                label: "Full block".to_string(),
                colour: BLACK,
                points: vec![(0.0, 1.0), (x_max, 1.0)],
                dashed: true,
            },
        ];
        Panel {
            caption: None,
            x_max,
            x_desc: &x_desc,
            y_max: y_top(fullness.iter().map(|p| &p.1), 1.0),
            y_desc: "Block fullness",
            lines: &lines,
            note: no_blocks,
            // Fullness sits at the top under load: keep the legend out of its way.
            legend: Corner::LowerRight,
        }
        .draw(&top)?;

        let backlog = s.points(|w: &Window| Some(w.backlog_max as f64));
        let lines = [Line {
            label: "Largest backlog in the window".to_string(),
            colour: VERMILLION,
            points: backlog.clone(),
            dashed: false,
        }];
        Panel {
            caption: None,
            x_max,
            x_desc: &x_desc,
            y_max: y_top(backlog.iter().map(|p| &p.1), 16.0),
            y_desc: "Pending transactions",
            lines: &lines,
            note: no_blocks,
            legend: Corner::UpperLeft,
        }
        .draw(&bottom)
    }
}
