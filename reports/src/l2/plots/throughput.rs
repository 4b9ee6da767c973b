//! `l2_throughput.{png,svg}`: transactions per second (top) and gas used per second (bottom)
//! over simulated time, per window of blocks, with the `gas_limit / block_time` ceiling dashed.
//!
//! Below the ceiling the chain carries the offered load; a gas curve pressed against the dashed
//! line means blocks are full and the excess waits in the mempool (see `l2_fullness`).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::series::{L2Series, Window};
use crate::plots::panel::{Corner, Line, Panel, Unit, two_panels, y_top};
use crate::plots::{BLUE, Figure, VERMILLION};
use crate::record::RunRecord;

/// The data of the figure: the first replication's windows.
#[derive(Debug, Clone)]
pub struct L2Throughput {
    title: String,
    series: L2Series,
}

impl L2Throughput {
    pub fn from_records(records: &[RunRecord]) -> Self {
        let series = L2Series::from_records(records);
        Self { title: series.title("L2 throughput", records), series }
    }

    /// `gas_limit / block_time_s`, if defined.
    fn ceiling(&self) -> Option<f64> {
        let c = self.series.gas_limit as f64 / self.series.block_time_s;
        (c.is_finite() && c > 0.0).then_some(c)
    }
}

impl Figure for L2Throughput {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = two_panels(root, &self.title)?;
        let s = &self.series;
        let (x_max, x_desc) = s.time_axis();
        let window = s.window_label();
        let no_blocks = s.windows.is_empty().then_some("no L2 blocks produced");

        let no_txs = s.windows.iter().all(|w| w.txs == 0);
        let tps_note = no_blocks.or(no_txs.then_some("no transactions included"));
        let tps = s.points(Window::tps);
        let tps_lines = [Line {
            label: format!("Transactions per second (windows of {window})"),
            colour: BLUE,
            points: tps.clone(),
            dashed: false,
        }];
        Panel {
            caption: None,
            x_max,
            x_desc: &x_desc,
            y_max: y_top(tps.iter().map(|p| &p.1), 0.0),
            y_desc: "Transactions per second",
            lines: &tps_lines,
            note: tps_note,
            legend: Corner::UpperLeft,
        }
        .draw(&top)?;

        let gas = s.points(Window::gas_per_s);
        let ceiling = self.ceiling();
        let peak = gas.iter().map(|p| p.1).fold(ceiling.unwrap_or(0.0), f64::max);
        let unit = Unit::gas_rate(peak);
        let mut gas_lines = vec![Line {
            label: "Gas used per second".to_string(),
            colour: VERMILLION,
            points: gas.iter().map(|&(x, y)| (x, y / unit.scale)).collect(),
            dashed: false,
        }];
        if let Some(c) = ceiling {
            gas_lines.push(Line {
                label: format!("Ceiling: gas limit / block time = {:.3} {}", c / unit.scale, unit.name),
                colour: BLACK,
                points: vec![(0.0, c / unit.scale), (x_max, c / unit.scale)],
                dashed: true,
            });
        }
        let y_desc = format!("Gas used ({})", unit.name);
        Panel {
            caption: None,
            x_max,
            x_desc: &x_desc,
            y_max: y_top(&[peak / unit.scale], 0.0),
            y_desc: &y_desc,
            lines: &gas_lines,
            note: no_blocks,
            legend: Corner::UpperLeft,
        }
        .draw(&bottom)
    }
}
