//! Figures (PNG and SVG) of what a researcher looks at first.
//!
//! Each figure is a value implementing [`Figure`], drawn once on an SVG backend (rendered to a
//! string) and once on a bitmap backend (rendered to a temporary path, since the PNG encoder
//! insists on a path), both written atomically. Text needs a font, and a fresh machine may have
//! none: the DejaVu Sans font is embedded in the binary and registered once. Every plotting
//! failure, including a panic inside plotters, becomes a [`ReportError::Plot`] naming the file,
//! so a figure can never take a finished run's summary down with it.
//!
//! Runs with an L2 chain also get `l2_throughput`, `l2_fullness` and `l2_latency`: time series
//! of the first replication (see [`crate::l2::plots::series`]) and the latency distribution of all of them.
//! Settlement chains get `l2_heads`: the sequencer's node's heads over the first replication; runs
//! with an adversary's L2 reorg or a fork conflict get `l2_forks` (the competing forks and their
//! keystones' publications on Bitcoin).
//! Runs with Proof-of-Proof get `pop_superfinality` (the latency distribution, pooled, against
//! the closed form), `pop_timeline` and `pop_fees` (time series of the first replication; the
//! fees per miner pooled). Runs with a BTC tunnel get `tunnel` (the books over the first
//! replication, the mint, payout and settlement latencies pooled).
//! Runs with faults of peers and links get `faults_timeline`: the faults as bands over the Bitcoin
//! and L2 heads of the first replication.
//! `hemisim sweep` draws [`SweepLatencyCost`] over its cells, or [`SweepRewrite`] when they attack
//! with `kind = "rewrite"` (see [`crate::sweep`]).

pub(crate) mod axes;
pub(crate) mod format;
pub(crate) mod frame;
pub(crate) mod legend;
pub(crate) mod panel;
mod sweep;
mod sweep_rewrite;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

pub use crate::bitcoin::plots::{BlockIntervals, ReorgDepths};
pub use crate::l2::plots::{L2Forks, L2Fullness, L2Heads, L2Latency, L2Throughput};
pub use crate::pop::plots::{PopFees, PopSuperfinality, PopTimeline};
pub use crate::tunnel::plots::TunnelFigure;
pub use sweep::SweepLatencyCost;
pub use sweep_rewrite::SweepRewrite;

use crate::record::RunRecord;
use crate::{ReportError, atomic};

/// Pixel size of every figure (3:2, readable when scaled to one column of a paper).
pub const SIZE: (u32, u32) = (1200, 800);

/// DejaVu Sans (Bitstream Vera license, see `assets/DejaVuSans.LICENSE`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The font family of every text, as the SVGs name it: the embedded font the PNGs are drawn
/// with, then a generic fallback for a viewer without it. The embedded font is registered
/// under this name, so PNG and SVG agree.
pub(crate) const FONT: &str = "DejaVu Sans, sans-serif";

/// Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
pub(crate) const BLUE: RGBColor = RGBColor(0, 114, 178);
pub(crate) const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub(crate) const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub(crate) const GREEN: RGBColor = RGBColor(0, 158, 115);
pub(crate) const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);

/// Font sizes in pixels for a [`SIZE`] canvas.
pub(crate) const TITLE_PX: u32 = 34;
pub(crate) const AXIS_PX: u32 = 26;
pub(crate) const LABEL_PX: u32 = 20;

/// A figure that can be drawn on any plotters backend.
pub trait Figure {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

/// Draws every figure of `records` (replications pooled; the L2 time series from the first
/// replication) into `dir`; returns the paths written. A figure is drawn only when the runs have
/// what it shows: the L2 figures when users offered the L2 transactions (an L2 without a
/// workload would give six empty files), `l2_heads` with a settlement layer, the PoP figures
/// with Proof-of-Proof (`pop_fees` only with PoP miners), the tunnel figure with a tunnel. A subject that is there but produced
/// nothing (transactions offered, none included) still gets its figure, with a note: that is a
/// finding.
pub fn write_plots(dir: &Path, records: &[RunRecord]) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = write_figure(dir, "block_intervals", &BlockIntervals::from_records(records))?;
    written.extend(write_figure(dir, "reorg_depths", &ReorgDepths::from_records(records))?);
    if has_l2_workload(records) {
        written.extend(write_figure(dir, "l2_throughput", &L2Throughput::from_records(records))?);
        written.extend(write_figure(dir, "l2_fullness", &L2Fullness::from_records(records))?);
        written.extend(write_figure(dir, "l2_latency", &L2Latency::from_records(records))?);
    }
    if records.first().and_then(|r| r.l2.as_ref()).is_some_and(|l2| l2.settlement.is_some()) {
        written.extend(write_figure(dir, "l2_heads", &L2Heads::from_records(records))?);
    }
    if crate::l2::plots::has_forks(records) {
        written.extend(write_figure(dir, "l2_forks", &L2Forks::from_records(records))?);
    }
    if records.first().is_some_and(|r| r.pop.is_some()) {
        written.extend(write_figure(dir, "pop_superfinality", &PopSuperfinality::from_records(records))?);
        written.extend(write_figure(dir, "pop_timeline", &PopTimeline::from_records(records))?);
    }
    if has_pop_miners(records) {
        written.extend(write_figure(dir, "pop_fees", &PopFees::from_records(records))?);
    }
    if records.first().is_some_and(|r| r.tunnel.is_some()) {
        written.extend(write_figure(dir, "tunnel", &TunnelFigure::from_records(records))?);
    }
    if records.first().is_some_and(|r| r.censorship.is_some()) {
        let figure = crate::censorship::plots::CensorshipLatency::from_records(records);
        written.extend(write_figure(dir, "censorship_latency", &figure)?);
    }
    if records.first().is_some_and(|r| r.faults.is_some()) {
        let figure = crate::faults::plots::FaultsTimeline::from_records(records);
        written.extend(write_figure(dir, "faults_timeline", &figure)?);
    }
    Ok(written)
}

/// Whether users offered the L2 any transaction (or one was included) in any replication.
fn has_l2_workload(records: &[RunRecord]) -> bool {
    records
        .iter()
        .filter_map(|r| r.l2.as_ref())
        .any(|l2| l2.txs_submitted > 0 || l2.blocks.iter().any(|b| b.tx_count > 0))
}

/// Whether the runs have Proof-of-Proof with at least one PoP miner to pay fees.
fn has_pop_miners(records: &[RunRecord]) -> bool {
    records.iter().filter_map(|r| r.pop.as_ref()).any(|pop| !pop.miners.is_empty())
}

/// Writes `<stem>.svg` and `<stem>.png` in `dir`.
pub fn write_figure(dir: &Path, stem: &str, figure: &impl Figure) -> Result<Vec<PathBuf>, ReportError> {
    let (svg_path, png_path) = (dir.join(format!("{stem}.svg")), dir.join(format!("{stem}.png")));
    ensure_font(&svg_path)?;
    let mut svg = String::new();
    guarded(&svg_path, || {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        figure.draw(&root)?;
        root.present()
    })?;
    atomic::write_file(&svg_path, svg.as_bytes())?;
    atomic::write_with(&png_path, |tmp| {
        guarded(&png_path, || {
            let root = BitMapBackend::new(tmp, SIZE).into_drawing_area();
            figure.draw(&root)?;
            root.present()
        })
    })?;
    Ok(vec![png_path, svg_path])
}

/// Registers the embedded font under [`FONT`] (and plotters' default `sans-serif`, for any text
/// it would draw with its default style), once per process.
pub(crate) fn ensure_font(path: &Path) -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        [FONT, "sans-serif"].iter().all(|family| register_font(family, FontStyle::Normal, DEJAVU_SANS).is_ok())
    });
    if ok {
        return Ok(());
    }
    let message = "the embedded DejaVu Sans font could not be parsed".to_string();
    Err(ReportError::Plot { path: path.to_path_buf(), message })
}

/// Runs a drawing, turning its error, or a panic inside plotters (which has internal
/// `unwrap`s), into a [`ReportError::Plot`] for `path`.
fn guarded<E: std::fmt::Display>(path: &Path, draw: impl FnOnce() -> Result<(), E>) -> Result<(), ReportError> {
    let plot_error = |message| ReportError::Plot { path: path.to_path_buf(), message };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(draw)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(plot_error(e.to_string())),
        Err(panic) => {
            let what =
                panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
            Err(plot_error(format!("the plotting library panicked: {}", what.unwrap_or_default())))
        }
    }
}

/// Title of a figure: what it shows, for which scenario, and how many runs are pooled.
pub(crate) fn title(what: &str, records: &[RunRecord]) -> String {
    let name = records.first().map_or("", |r| r.meta.scenario_name.as_str());
    match records {
        [one] => format!("{what} — {name}, seed {}", one.meta.seed),
        _ => format!("{what} — {name}, {} runs pooled", records.len()),
    }
}

/// Draws a chart's legend at `position`, in the one style every figure uses.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: impl Into<SeriesLabelPosition>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position.into())
        .label_font((FONT, LABEL_PX))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .margin(12)
        .draw()
}

/// Draws `note` centred in `area` (used for an empty chart, which must still say why).
pub(crate) fn centred_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    note: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, h) = area.dim_in_pixel();
    let centre = Pos::new(HPos::Center, VPos::Center);
    let style = (FONT, AXIS_PX).into_font().color(&BLACK.mix(0.6)).pos(centre);
    area.draw_text(note, &style, ((w / 2) as i32, (h / 2) as i32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{
        empty_record, faulted_run, l2_run, pop_run, sample_record, scratch_dir, synthetic_l2_run, synthetic_pop_run,
        synthetic_record, synthetic_settled_run,
    };

    fn is_png(path: &Path) -> bool {
        std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 10_000)
    }

    #[test]
    fn plots_are_written_for_a_normal_run() {
        let dir = scratch_dir("plots-normal");
        let written = write_plots(&dir, &[sample_record(1), sample_record(2)]).expect("plots");
        assert_eq!(written.len(), 4);
        assert!(is_png(&dir.join("block_intervals.png")) && is_png(&dir.join("reorg_depths.png")));
        let svg = std::fs::read_to_string(dir.join("block_intervals.svg")).expect("written");
        assert!(svg.starts_with("<svg") && svg.contains("Exponential"), "{svg:.200}");
    }

    #[test]
    fn plots_of_a_realistic_run() {
        // Left in the temp dir on purpose, to look at: hemisim-reports-<pid>-plots-realistic/.
        let dir = scratch_dir("plots-realistic");
        let records = [synthetic_record(1, 700), synthetic_record(2, 700)];
        write_plots(&dir, &records).expect("plots");
        assert!(is_png(&dir.join("block_intervals.png")) && is_png(&dir.join("reorg_depths.png")));
    }

    #[test]
    fn empty_runs_still_get_charts_with_a_note() {
        let dir = scratch_dir("plots-empty");
        write_plots(&dir, &[empty_record(1)]).expect("plots of nothing");
        let svg = std::fs::read_to_string(dir.join("reorg_depths.svg")).expect("written");
        assert!(svg.contains("no reorgs"));
        let svg = std::fs::read_to_string(dir.join("block_intervals.svg")).expect("written");
        assert!(svg.contains("no main-chain block intervals"));
        assert!(is_png(&dir.join("block_intervals.png")));
    }

    const L2_FIGURES: [&str; 3] = ["l2_throughput", "l2_fullness", "l2_latency"];

    #[test]
    fn l2_plots_of_a_realistic_run() {
        // 24 h of 12 s blocks; the load passes the gas limit half-way. Kept with
        // HEMISIM_KEEP_TEST_OUTPUT=1, to look at.
        let dir = scratch_dir("plots-l2-realistic");
        let one = [synthetic_l2_run(1, 7_200)];
        let written = write_plots(&dir, &one).expect("plots");
        assert_eq!(written.len(), 10);
        for stem in L2_FIGURES {
            assert!(is_png(&dir.join(format!("{stem}.png"))), "{stem}");
            let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).expect("written");
            assert!(svg.starts_with("<svg") && svg.len() < 400_000, "{stem}: {}", svg.len());
        }
        let pooled = scratch_dir("plots-l2-pooled");
        write_plots(&pooled, &[synthetic_l2_run(1, 7_200), synthetic_l2_run(2, 7_200)]).expect("plots");
        let svg = std::fs::read_to_string(pooled.join("l2_latency.svg")).expect("written");
        assert!(svg.contains("first of 2 runs") && svg.contains("2 runs pooled"));
    }

    #[test]
    fn l2_plots_of_a_run_without_transactions_or_blocks() {
        let dir = scratch_dir("plots-l2-empty");
        write_plots(&dir, &[l2_run(1, &[(0, 0), (0, 0), (0, 0)])]).expect("plots of nothing");
        for stem in L2_FIGURES {
            assert!(is_png(&dir.join(format!("{stem}.png"))), "{stem}");
        }
        let svg = std::fs::read_to_string(dir.join("l2_latency.svg")).expect("written");
        assert!(svg.contains("no transactions included"));
        let svg = std::fs::read_to_string(dir.join("l2_throughput.svg")).expect("written");
        assert!(svg.contains("no transactions included"));
        let no_block = scratch_dir("plots-l2-no-block");
        write_plots(&no_block, &[l2_run(1, &[])]).expect("plots of no block");
        let svg = std::fs::read_to_string(no_block.join("l2_throughput.svg")).expect("written");
        assert!(svg.contains("no L2 blocks produced"));
        let mut zero = l2_run(1, &[(0, 0)]);
        zero.meta.sim_time_us = 0;
        if let Some(l2) = zero.l2.as_mut() {
            (l2.block_time_s, l2.gas_limit, l2.blocks[0].produced_at_us) = (0.0, 0, 0);
        }
        write_plots(&no_block, &[zero]).expect("degenerate parameters");
    }

    #[test]
    fn faults_are_drawn_over_the_chains() {
        // Kept with HEMISIM_KEEP_TEST_OUTPUT=1, to look at: plots-faults/.
        let dir = scratch_dir("plots-faults");
        let written = write_plots(&dir, &[faulted_run(1)]).expect("plots");
        assert!(written.contains(&dir.join("faults_timeline.png")), "{written:?}");
        assert!(is_png(&dir.join("faults_timeline.png")));
        let svg = std::fs::read_to_string(dir.join("faults_timeline.svg")).expect("written");
        for text in ["crash: sequencer", "partition", "Converged after the last fault", "Stale block (orphaned)"] {
            assert!(svg.contains(text), "{text}");
        }
        // Without faults: no timeline.
        let plain = scratch_dir("plots-no-faults");
        write_plots(&plain, &[synthetic_settled_run(1, 100)]).expect("plots");
        assert!(!plain.join("faults_timeline.png").exists());
    }

    #[test]
    fn l2_heads_of_a_realistic_day() {
        // Kept with HEMISIM_KEEP_TEST_OUTPUT=1, to look at: plots-l2-heads/.
        let dir = scratch_dir("plots-l2-heads");
        let written = write_plots(&dir, &[synthetic_settled_run(1, 7_200)]).expect("plots");
        assert_eq!(written.len(), 12, "the L2 figures and the heads");
        assert!(is_png(&dir.join("l2_heads.png")));
        let svg = std::fs::read_to_string(dir.join("l2_heads.svg")).expect("written");
        assert!(svg.len() < 400_000, "{}", svg.len());
        assert!(svg.contains("Unsafe reorgs (7)") && svg.contains("Distance behind the unsafe head"));
        // Without a settlement layer: no heads figure.
        let plain = scratch_dir("plots-l2-no-heads");
        write_plots(&plain, &[synthetic_l2_run(1, 100)]).expect("plots");
        assert!(!plain.join("l2_heads.png").exists() && !plain.join("l2_heads.svg").exists());
    }

    const POP_FIGURES: [&str; 3] = ["pop_superfinality", "pop_timeline", "pop_fees"];

    #[test]
    fn pop_plots_of_a_realistic_run() {
        // 24 h with a fee spike from 9.6 h to 12 h. Kept with HEMISIM_KEEP_TEST_OUTPUT=1, to look
        // at: plots-pop-realistic/ and plots-pop-pooled/.
        let dir = scratch_dir("plots-pop-realistic");
        let written = write_plots(&dir, &[synthetic_pop_run(1, 24)]).expect("plots");
        assert_eq!(written.len(), 16, "Bitcoin, L2 and PoP figures");
        for stem in POP_FIGURES {
            assert!(is_png(&dir.join(format!("{stem}.png"))), "{stem}");
            let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).expect("written");
            assert!(svg.starts_with("<svg") && svg.len() < 400_000, "{stem}: {}", svg.len());
        }
        let svg = std::fs::read_to_string(dir.join("pop_superfinality.svg")).expect("written");
        assert!(svg.contains("Kaplan–Meier") && svg.contains("Closed form"), "{svg:.300}");
        let svg = std::fs::read_to_string(dir.join("pop_timeline.svg")).expect("written");
        assert!(svg.contains("Fee deferrals") && svg.contains("Fee cap 20 sat/vB"));
        let pooled = scratch_dir("plots-pop-pooled");
        let records = [synthetic_pop_run(1, 24), synthetic_pop_run(2, 24)];
        write_plots(&pooled, &records).expect("plots");
        let read = |stem: &str| std::fs::read_to_string(pooled.join(format!("{stem}.svg")));
        assert!(read("pop_superfinality").expect("written").contains("2 runs pooled"));
        assert!(read("pop_timeline").expect("written").contains("first of 2 runs"));
        let fees = read("pop_fees").expect("written");
        assert!(fees.contains("first of 2 runs") && fees.contains("% of rewards"));
    }

    #[test]
    fn pop_plots_of_runs_without_blocks_or_publications() {
        let dir = scratch_dir("plots-pop-empty");
        let mut record = pop_run(1);
        if let Some(l2) = record.l2.as_mut() {
            l2.blocks.clear();
        }
        if let Some(pop) = record.pop.as_mut() {
            (pop.publications, pop.sent, pop.fee_deferrals) = (Vec::new(), Vec::new(), Vec::new());
        }
        write_plots(&dir, &[record.clone()]).expect("plots of nothing");
        for stem in POP_FIGURES {
            assert!(is_png(&dir.join(format!("{stem}.png"))), "{stem}");
        }
        let read = |stem: &str| std::fs::read_to_string(dir.join(format!("{stem}.svg")));
        assert!(read("pop_superfinality").expect("written").contains("no L2 blocks produced"));
        assert!(read("pop_timeline").expect("written").contains("no PoP transactions sent"));
        assert!(read("pop_fees").expect("written").contains("no PoP publication"));
        record.meta.sim_time_us = 0;
        record.btc.block_interval_target_s = 0.0;
        write_plots(&dir, &[record]).expect("degenerate parameters");
    }

    #[test]
    fn bitcoin_only_runs_get_no_l2_figure() {
        let dir = scratch_dir("plots-no-l2");
        let written = write_plots(&dir, &[sample_record(1)]).expect("plots");
        assert_eq!(written.len(), 4);
        assert!(!dir.join("l2_throughput.png").exists());
        let l2_only = scratch_dir("plots-no-pop");
        let written = write_plots(&l2_only, &[l2_run(1, &[(1, 1)])]).expect("plots");
        assert_eq!(written.len(), 10);
        assert!(!l2_only.join("pop_timeline.png").exists());
    }

    #[test]
    fn figures_without_data_are_not_written() {
        // An L2 without users (anchoring, tunnel-reorg): six empty files before, none now.
        let dir = scratch_dir("plots-no-workload");
        let mut idle = l2_run(1, &[(0, 0); 3]);
        if let Some(l2) = idle.l2.as_mut() {
            l2.txs_submitted = 0;
        }
        let written = write_plots(&dir, &[idle.clone(), idle]).expect("plots");
        assert_eq!(written.len(), 4, "{written:?}");
        for stem in L2_FIGURES {
            assert!(!dir.join(format!("{stem}.png")).exists() && !dir.join(format!("{stem}.svg")).exists());
        }
        // PoP without miners: the latency figures (every block waits), no fee figure.
        let no_miners = scratch_dir("plots-no-pop-miners");
        let mut record = pop_run(1);
        if let Some(pop) = record.pop.as_mut() {
            pop.miners.clear();
        }
        let written = write_plots(&no_miners, &[record]).expect("plots");
        assert!(written.contains(&no_miners.join("pop_timeline.svg")));
        assert!(!no_miners.join("pop_fees.png").exists() && !no_miners.join("pop_fees.svg").exists());
        assert_eq!(written.len(), 14);
    }

    #[test]
    fn svgs_name_the_embedded_font() {
        let dir = scratch_dir("plots-font");
        let written = write_plots(&dir, &[synthetic_pop_run(1, 2)]).expect("plots");
        for svg in written.iter().filter(|p| p.extension().is_some_and(|e| e == "svg")) {
            let text = std::fs::read_to_string(svg).expect("written");
            assert!(text.contains("font-family=\"DejaVu Sans, sans-serif\""), "{}", svg.display());
            assert!(!text.contains("font-family=\"sans-serif\""), "{}", svg.display());
        }
    }

    #[test]
    fn an_unwritable_directory_is_an_error_not_a_panic() {
        let dir = scratch_dir("plots-blocked");
        let blocker = dir.join("not-a-dir");
        std::fs::write(&blocker, b"file").expect("writable temp dir");
        let err = write_plots(&blocker, &[sample_record(1)]).expect_err("cannot write into a file");
        assert!(err.to_string().contains("not-a-dir"), "{err}");
    }
}
