//! The end of a whole sweep, whether it ran in one process (`hemisim sweep`) or was joined from
//! its shards (`hemisim merge`): the outputs derived from the cells' rows, the manifest, the swap
//! into place, and the lines that report them. Both commands end here, so a merged sweep is the
//! unsharded one byte for byte; and the rules they share (a violation's message, the exit code a
//! cell's violations give) live here once.

use super::console::{errln, outln};
use super::run::{kind_name, worse};
use super::{Exit, count, output};
use crate::harness::violation::ViolationKind;
use hemisim_reports::ReportError;
use hemisim_reports::output_dir::{Manifest, Staging};
use hemisim_reports::sweep::{CellResult, SweepInfo, ViolationNote, sweep_fingerprint, write_sweep};
use std::path::{Path, PathBuf};

/// Writes the sweep's outputs from `cells` (every cell of the grid, in grid order; their
/// summaries already staged) into `staging`, swaps it in place of `out_dir`, and prints what was
/// written. On failure the error has been printed; the result is the exit code.
pub(super) fn write_whole_sweep(
    staging: Staging,
    info: &SweepInfo,
    cells: &[CellResult],
    out_dir: &Path,
) -> Result<(), Exit> {
    let written = render_from_cells(staging.path(), info, cells).inspect_err(|e| output::report_error(e)).ok();
    let files = output::finish(staging, Manifest::for_sweep(info, cells, written.is_some()))?;
    if written.is_none() {
        return Err(Exit::Incomplete);
    }
    outln!(
        "wrote {} ({}) to {}",
        count(files, "file", "files"),
        count(cells.len(), "cell summary", "cell summaries"),
        out_dir.display()
    );
    outln!("trace fingerprint {}", sweep_fingerprint(cells));
    let violated = cells.iter().filter(|c| !c.violations.is_empty()).count();
    if violated > 0 {
        outln!(
            "{violated} of {} had invariant violations (see above, and sweep.json)",
            count(cells.len(), "cell", "cells")
        );
    }
    Ok(())
}

/// Every sweep output that is a function of the cells' rows: `sweep.csv`, `sweep.json`, the
/// figure, then the pages (`report.html` and each cell's), which show them. `hemisim merge` and
/// `hemisim sweep` both render here, so a merged sweep gets the same pages.
fn render_from_cells(dir: &Path, info: &SweepInfo, cells: &[CellResult]) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = write_sweep(dir, info, cells)?;
    written.extend(hemisim_reports::report::write_report(dir)?);
    written.sort();
    Ok(written)
}

/// The message of one violation in a cell, with its replication's replay line.
pub(super) fn violation_message(index: usize, label: &str, note: &ViolationNote) -> String {
    format!(
        "cell {index} ({label}): {} violation (seed {}): {}\n  replay: {}",
        note.kind, note.seed, note.message, note.replay
    )
}

/// Prints every violation of `cells`, in grid order.
pub(super) fn print_violations(cells: &[CellResult]) {
    for cell in cells {
        for note in &cell.violations {
            errln!("{}", violation_message(cell.index, &cell.label, note));
        }
    }
}

/// The exit code `violations` give: 1 if any broke safety, else 3 if any broke liveness, else 0.
pub(super) fn violations_exit(violations: &[ViolationNote]) -> Exit {
    violations.iter().fold(Exit::Ok, |exit, note| {
        let safety = note.kind == kind_name(ViolationKind::Safety);
        worse(exit, if safety { Exit::Safety } else { Exit::Liveness })
    })
}

/// The exit code of a sweep whose cells all completed.
pub(super) fn cells_exit(cells: &[CellResult]) -> Exit {
    cells.iter().fold(Exit::Ok, |exit, cell| worse(exit, violations_exit(&cell.violations)))
}
