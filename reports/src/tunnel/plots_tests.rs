//! Tests of the tunnel figure on [`crate::testutil::tunnel_run`] and a realistic run.

use super::*;
use crate::plots::write_plots;
use crate::testutil::{l2_run, scratch_dir, synthetic_tunnel_run, tunnel_run};

const M: u64 = 1_000_000;

fn is_png(path: &std::path::Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 10_000)
}

fn svg(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("tunnel.svg")).expect("written")
}

#[test]
fn books_are_the_ledger_change_points_of_the_first_replication() {
    let mut second = tunnel_run(2);
    if let Some(t) = second.tunnel.as_mut() {
        t.ledger.clear();
    }
    let figure = TunnelFigure::from_records(&[tunnel_run(1), second]);
    assert!(figure.title.contains("seed 1 (first of 2 runs)"), "{}", figure.title);
    assert_eq!((figure.pooled.as_str(), figure.end_s), ("2 runs pooled", 10_800.0));
    let changes = |i: usize| figure.books[i].changes.clone();
    assert_eq!(changes(0), [(300.0, 70 * M), (6000.0, 45 * M), (8400.0, 16 * M)]);
    // Supply = minted − burned: 0, 50M, 70M, then 40M, 35M and 25M as burns come.
    assert_eq!(
        changes(1),
        [(300.0, 0), (3700.0, 50 * M), (4300.0, 70 * M), (5212.0, 40 * M), (5412.0, 35 * M), (9000.0, 25 * M)]
    );
    assert_eq!(changes(2)[1..3], [(5212.0, 30 * M), (5412.0, 35 * M)]);
    assert_eq!(changes(3), [(300.0, 0), (6000.0, 20 * M)]);
    assert_eq!((figure.unwound_s.as_slice(), figure.restored_s.len()), (&[6000.0][..], 0));
    // Latencies pool both replications: each minted A after 3600 s and B after 4100 s.
    let s = 1_000_000;
    assert_eq!(figure.latencies[0].sorted_us, [3600 * s, 3600 * s, 4100 * s, 4100 * s]);
    assert_eq!(figure.latencies[1].sorted_us, [88 * s, 88 * s, 1800 * s, 1800 * s]);
}

#[test]
fn cdf_steps_and_thinning() {
    let unit = Unit::time(10.0);
    let points = TunnelFigure::cdf(&[1_000_000, 2_000_000, 4_000_000, 4_000_000], unit, 5.0);
    assert_eq!(
        points,
        [
            (0.0, 0.0),
            (1.0, 0.0),
            (1.0, 0.25),
            (2.0, 0.25),
            (2.0, 0.5),
            (4.0, 0.5),
            (4.0, 0.75),
            (4.0, 0.75),
            (4.0, 1.0),
            (5.0, 1.0)
        ]
    );
    let many: Vec<u64> = (1..=2_500).collect();
    let points = TunnelFigure::cdf(&many, unit, 1.0);
    assert!(points.len() <= 2 * MAX_STEPS + 2, "{}", points.len());
    assert_eq!(points[points.len() - 2], (2_500e-6, 1.0), "the last sample always ends it");
    assert!(points.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
    assert!(TunnelFigure::cdf(&[], unit, 1.0).is_empty());
    let names = [0, 49_999, 50_000, 49_999_999, 50_000_000].map(|s| amount_unit(s).name);
    assert_eq!(names, ["sat", "sat", "mBTC", "mBTC", "BTC"]);
}

#[test]
fn the_figure_is_written_only_for_runs_with_a_tunnel() {
    let dir = scratch_dir("plots-tunnel");
    let written = write_plots(&dir, &[tunnel_run(1)]).expect("plots");
    assert!(written.contains(&dir.join("tunnel.png")) && written.contains(&dir.join("tunnel.svg")));
    assert!(is_png(&dir.join("tunnel.png")));
    let text = svg(&dir);
    for expected in [
        "BTC tunnel — unit, seed 1",
        "BTC locked in the vault",
        "Unbacked hBTC (losses)",
        "Deposit unwound by a reorg (1)",
        "Mint (n = 2)",
        "p50 60.0 min, p95 68.3 min",
        "Payout (n = 2)",
        // One unit per key, the axis' (not "88.0 s, p95 30.0 min").
        "p50 1.5 min, p95 30.0 min",
        "Latency (min)",
        "Amount (BTC)",
        "Simulated time (h)",
    ] {
        assert!(text.contains(expected), "{expected} missing");
    }
    let none = scratch_dir("plots-no-tunnel");
    write_plots(&none, &[l2_run(1, &[(1, 1)])]).expect("plots");
    assert!(!none.join("tunnel.png").exists() && !none.join("tunnel.svg").exists());
}

#[test]
fn an_empty_tunnel_gets_the_axes_and_notes() {
    let dir = scratch_dir("plots-tunnel-empty");
    let mut record = tunnel_run(1);
    if let Some(t) = record.tunnel.as_mut() {
        (t.operations, t.ledger) = (Vec::new(), Vec::new());
    }
    write_plots(&dir, &[record.clone()]).expect("plots of nothing");
    let text = svg(&dir);
    assert!(text.contains("no ledger rows recorded"));
    assert!(text.contains("no deposit minted and no withdrawal paid"));
    record.meta.sim_time_us = 0;
    write_plots(&dir, &[record]).expect("a run of no time");
    assert!(is_png(&dir.join("tunnel.png")));
}

#[test]
fn tunnel_plot_of_a_realistic_run() {
    // 24 h of 12 s L2 blocks, a ledger row each. Kept with HEMISIM_KEEP_TEST_OUTPUT=1, to look
    // at: plots-tunnel-realistic/ and plots-tunnel-pooled/.
    let dir = scratch_dir("plots-tunnel-realistic");
    let record = synthetic_tunnel_run(1, 24);
    assert_eq!(record.tunnel.as_ref().map(|t| t.ledger.len()), Some(7_200));
    write_plots(&dir, &[record]).expect("plots");
    assert!(is_png(&dir.join("tunnel.png")));
    let text = svg(&dir);
    // Only change points are drawn: 7,200 rows must not make a huge SVG.
    assert!(text.len() < 400_000, "{}", text.len());
    assert!(text.contains("Deposit unwound by a reorg (1)"));
    let pooled = scratch_dir("plots-tunnel-pooled");
    let records = [synthetic_tunnel_run(1, 24), synthetic_tunnel_run(2, 24)];
    write_plots(&pooled, &records).expect("plots");
    let text = svg(&pooled);
    assert!(text.contains("first of 2 runs") && text.contains("2 runs pooled"));
}

#[test]
fn a_loss_too_small_to_see_gets_its_own_axis() {
    // The run's loss is 20 BTC beside 70 BTC locked: visible on the shared axis.
    assert_eq!(TunnelFigure::from_records(&[tunnel_run(1)]).losses_axis(), None);
    // A 1 mBTC loss beside 0.07 BTC locked (tunnel-reorg: 10 mBTC beside 1.1 BTC) would be a
    // flat line at 0.
    let mut small = tunnel_run(1);
    if let Some(t) = small.tunnel.as_mut() {
        for row in &mut t.ledger {
            (row.locked_sats, row.unbacked_sats) = (row.locked_sats / 10, row.unbacked_sats / 200);
        }
    }
    let figure = TunnelFigure::from_records(std::slice::from_ref(&small));
    assert_eq!(figure.losses_axis().map(|u| u.name), Some("mBTC"));
    let dir = scratch_dir("plots-tunnel-small-loss");
    write_plots(&dir, &[small]).expect("plots");
    let text = svg(&dir);
    assert!(text.contains("Unbacked hBTC (mBTC)") && text.contains("right axis, in mBTC"), "{text:.300}");
    assert!(is_png(&dir.join("tunnel.png")));
    // No loss at all: no second axis.
    let mut none = tunnel_run(1);
    if let Some(t) = none.tunnel.as_mut() {
        t.ledger.iter_mut().for_each(|row| row.unbacked_sats = 0);
    }
    assert_eq!(TunnelFigure::from_records(&[none]).losses_axis(), None);
}
