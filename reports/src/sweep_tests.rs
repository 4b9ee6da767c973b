//! Unit tests of the sweep outputs, on hand-made cells whose every number can be checked by hand.

use super::*;
use crate::testutil::{l2_run, sample_record, scratch_dir};
use serde_json::json;

/// A sweep of `runs` replications per cell over `l2.block_time_s` × `pop.keystone_interval_blocks`.
pub(crate) fn info(runs: u32) -> SweepInfo {
    SweepInfo {
        scenario_name: "unit".into(),
        scenario_file: "scenarios/unit.toml".into(),
        base_seed: 7,
        runs,
        set: vec!["duration_s=3600".into()],
        grid: vec![
            Axis { key: "l2.block_time_s".into(), values: vec!["6".into(), "12".into()] },
            Axis { key: "pop.keystone_interval_blocks".into(), values: vec!["25".into(), "50".into()] },
        ],
        replay: "hemisim sweep scenarios/unit.toml --seed 7".into(),
    }
}

/// A cell of two replications at 0.9 and 1.1 times the given values: `pop` is (p50, p95, fees
/// per day), `stale` the stale rate; `None` leaves the metrics undefined in both.
pub(crate) fn cell(index: usize, values: &[&str], pop: Option<[f64; 3]>, stale: Option<f64>) -> CellResult {
    let two = |x: Option<f64>| vec![x.map(|x| 0.9 * x), x.map(|x| 1.1 * x)];
    let mut metrics = vec![vec![None, None]; METRICS.len()];
    if let Some([p50, p95, fees]) = pop {
        metrics[metric_index(POP_LATENCY_P50)] = two(Some(p50));
        metrics[metric_index(POP_LATENCY_P95)] = two(Some(p95));
        metrics[metric_index(POP_FEES_PER_DAY)] = two(Some(fees));
    }
    metrics[metric_index(STALE_RATE)] = two(stale);
    let label: Vec<String> = ["l2.block_time_s", "pop.keystone_interval_blocks"]
        .iter()
        .zip(values)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    CellResult {
        index,
        values: values.iter().map(|v| v.to_string()).collect(),
        label: label.join(","),
        dir: format!("cells/{index}-{}", label.join(",")),
        seed: 100 + index as u64,
        metrics: CellMetrics {
            replication_seeds: vec![100 + index as u64, 200 + index as u64],
            scenario_hash: format!("{index:064x}"),
            trace_hash: format!("{:032x}", 0xab00 + index),
            values: metrics,
            rewrite: None,
        },
        violations: Vec::new(),
        replay: format!("hemisim run scenarios/unit.toml --seed {} --runs 2", 100 + index),
    }
}

#[test]
fn metrics_are_read_by_dotted_path_and_undefined_unless_finite_numbers() {
    let summary = json!({
        "btc": {"stale_rate": 0.25, "blocks_total": 8},
        "l2": {"tps": null},
        "pop": {"superfinality_latency_s": {"p50": 900.5, "p95": "x"}},
    });
    assert_eq!(metric_at(&summary, "btc.stale_rate"), Some(0.25));
    assert_eq!(metric_at(&summary, "btc.blocks_total"), Some(8.0));
    assert_eq!(metric_at(&summary, "pop.superfinality_latency_s.p50"), Some(900.5));
    assert_eq!(metric_at(&summary, "pop.superfinality_latency_s.p95"), None, "not a number");
    assert_eq!(metric_at(&summary, "l2.tps"), None, "null");
    assert_eq!(metric_at(&summary, "pop.fees_sats_per_day"), None, "absent");
    assert_eq!(metric_at(&summary, "btc"), None, "an object");
    assert_eq!(metric_at(&summary, "btc.stale_rate.more"), None);
}

#[test]
fn a_metric_is_the_mean_of_the_replications_that_define_it_with_a_t_interval() {
    let one = MetricStat::of(&[Some(2.0)]);
    assert_eq!((one.n, one.mean, one.ci95), (1, Some(2.0), None), "one value: no interval");
    let none = MetricStat::of(&[None, None]);
    assert_eq!((none.n, none.mean, none.ci95), (0, None, None));
    // 1 and 3: mean 2, s = sqrt(2), half-width t(0.975, 1) * s / sqrt(2) = 12.706204736.
    let two = MetricStat::of(&[Some(1.0), None, Some(3.0)]);
    assert_eq!((two.n, two.mean), (2, Some(2.0)));
    let ci = two.ci95.expect("two values");
    assert!((ci.low - (2.0 - 12.706204736)).abs() < 1e-9 && (ci.high - (2.0 + 12.706204736)).abs() < 1e-9);
}

#[test]
fn cell_metrics_come_from_each_replications_own_summary() {
    let records = [sample_record(7), sample_record(3)];
    let m = CellMetrics::from_records(&records).expect("poolable");
    assert_eq!(m.replication_seeds, [7, 3]);
    assert_eq!(m.values.len(), METRICS.len());
    assert_eq!(m.values[metric_index(STALE_RATE)], [Some(0.2), Some(0.2)], "1 of 5 blocks stale");
    assert_eq!(m.values[metric_index("l2.tps")], [None, None], "no L2");
    assert_eq!(m.values[metric_index(POP_LATENCY_P50)], [None, None], "no PoP");
    assert_eq!(m.trace_hash, crate::summary::trace_fingerprint(&records));
    assert_eq!(m.scenario_hash, format!("{:064x}", 0x5c));
    let l2 = CellMetrics::from_records(&[l2_run(1, &[(2, 15_000_000)])]).expect("one run");
    assert_eq!(l2.values[metric_index("l2.tps")], [Some(2.0 / 3600.0)]);
    assert_eq!(l2.trace_hash, l2_run(1, &[]).meta.trace_hash, "one run: its own trace hash");
    assert!(CellMetrics::from_records(&[sample_record(1), sample_record(1)]).is_err(), "duplicate seed");
}

#[test]
fn csv_has_one_row_per_cell_with_every_metric_column_even_when_empty() {
    let cells = [cell(0, &["6", "25"], None, Some(0.1)), cell(1, &["6", "50"], Some([300.0, 900.0, 5000.0]), None)];
    let text = String::from_utf8(sweep_csv(&info(2).grid, &cells).expect("renders")).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        "cell,l2.block_time_s,pop.keystone_interval_blocks,seed,runs,violations,trace_hash,\
         pop.superfinality_latency_s.p50_mean,pop.superfinality_latency_s.p50_ci95_low,pop.superfinality_latency_s.p50_ci95_high,\
         pop.superfinality_latency_s.p95_mean,pop.superfinality_latency_s.p95_ci95_low,pop.superfinality_latency_s.p95_ci95_high,\
         pop.fees_sats_per_day_mean,pop.fees_sats_per_day_ci95_low,pop.fees_sats_per_day_ci95_high,\
         pop.block_space_share_mean,pop.block_space_share_ci95_low,pop.block_space_share_ci95_high,\
         btc.stale_rate_mean,btc.stale_rate_ci95_low,btc.stale_rate_ci95_high,\
         l2.tps_mean,l2.tps_ci95_low,l2.tps_ci95_high,\
         l2.tx_inclusion_latency_p50_s_mean,l2.tx_inclusion_latency_p50_s_ci95_low,l2.tx_inclusion_latency_p50_s_ci95_high,\
         tunnel.losses_mean,tunnel.losses_ci95_low,tunnel.losses_ci95_high,\
         tunnel.mint_latency_s.p50_mean,tunnel.mint_latency_s.p50_ci95_low,tunnel.mint_latency_s.p50_ci95_high"
    );
    let fields: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(fields.len(), 7 + 3 * METRICS.len());
    assert_eq!(&fields[..7], ["0", "6", "25", "100", "2", "0", "0000000000000000000000000000ab00"]);
    assert!(fields[7..16].iter().all(|f| f.is_empty()), "no PoP: empty: {fields:?}");
    // 0.09 and 0.11: mean 0.1 (up to rounding), a t interval around it.
    let mean: f64 = fields[19].parse().expect("a number");
    assert!((mean - 0.1).abs() < 1e-15, "{mean}");
    let (low, high): (f64, f64) = (fields[20].parse().expect("low"), fields[21].parse().expect("high"));
    assert!(low < 0.09 && high > 0.11);
    let fields: Vec<&str> = lines[2].split(',').collect();
    let fees: f64 = fields[13].parse().expect("fees per day");
    assert!((fees - 5000.0).abs() < 1e-9, "the mean of 4500 and 5500: {fees}");
    assert!(fields[19..].iter().all(|f| f.is_empty()), "{fields:?}");
}

#[test]
fn json_lists_the_grid_the_seeds_and_the_combined_fingerprint() {
    let mut cells = vec![cell(0, &["6", "25"], None, Some(0.1)), cell(1, &["6", "50"], None, Some(0.1))];
    cells[1].violations.push(ViolationNote {
        kind: "liveness".into(),
        seed: 201,
        message: "honest nodes did not converge".into(),
        replay: "hemisim run scenarios/unit.toml --seed 201".into(),
    });
    let text = sweep_json(&info(2), &cells);
    assert!(text.ends_with("}\n"));
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(json["base_seed"], 7);
    assert_eq!(json["grid"][1]["key"], "pop.keystone_interval_blocks");
    assert_eq!(json["grid"][0]["values"], json!(["6", "12"]));
    assert_eq!(json["set"], json!(["duration_s=3600"]));
    assert_eq!(json["cells_total"], 2);
    assert_eq!(json["cells"][1]["seed"], 101);
    assert_eq!(json["cells"][1]["replication_seeds"], json!([101, 201]));
    assert_eq!(json["cells"][1]["label"], "l2.block_time_s=6,pop.keystone_interval_blocks=50");
    assert_eq!(json["cells"][1]["violations"][0]["seed"], 201);
    assert_eq!(json["metrics"][4], "btc.stale_rate");
    let fingerprint = combine_hashes([format!("{:032x}", 0xab00).as_str(), &format!("{:032x}", 0xab01)]);
    assert_eq!(json["trace_fingerprint"], fingerprint.as_str());
    assert_eq!(sweep_json(&info(2), &cells), text, "deterministic");
    cells.swap(0, 1);
    assert_ne!(sweep_fingerprint(&cells), fingerprint, "order matters");
}

#[test]
fn a_sweep_writes_its_table_index_figure_and_cell_summaries() {
    let dir = scratch_dir("sweep-write");
    let m = write_cell(&dir.join("cells/0-a=1"), &[sample_record(7), sample_record(3)]).expect("writable");
    assert_eq!(m, CellMetrics::from_records(&[sample_record(7), sample_record(3)]).expect("poolable"));
    let summary = std::fs::read_to_string(dir.join("cells/0-a=1/summary.json")).expect("written");
    assert!(summary.contains("\"runs\": 2"), "pooled: {summary:.300}");

    let cells = [
        cell(0, &["6", "25"], Some([300.0, 900.0, 5000.0]), Some(0.01)),
        cell(1, &["6", "50"], Some([600.0, 1500.0, 2500.0]), Some(0.02)),
        cell(2, &["12", "25"], Some([400.0, 1200.0, 4000.0]), None),
        cell(3, &["12", "50"], None, None),
    ];
    let written = write_sweep(&dir, &info(2), &cells).expect("writable");
    let names: Vec<String> =
        written.iter().map(|p| p.file_name().expect("a file").to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["sweep.csv", "sweep.json", "sweep_latency_cost.png", "sweep_latency_cost.svg"]);
    let svg = std::fs::read_to_string(dir.join("sweep_latency_cost.svg")).expect("written");
    assert!(svg.contains("Superfinality latency vs PoP cost") && svg.contains("12, 25"), "{svg:.300}");
    assert!(svg.contains("1 of 4 cells left out"));
    let again = scratch_dir("sweep-write-again");
    write_sweep(&again, &info(2), &cells).expect("writable");
    for name in &names {
        assert_eq!(std::fs::read(dir.join(name)).ok(), std::fs::read(again.join(name)).ok(), "{name} differs");
    }
}

#[test]
fn figures_of_sweeps_without_pop_or_without_any_data_do_not_fail() {
    let dir = scratch_dir("sweep-figure-fallback");
    let stale = [cell(0, &["6", "25"], None, Some(0.01)), cell(1, &["12", "25"], None, Some(0.03))];
    let written = write_sweep(&dir, &info(1), &stale).expect("writable");
    // Without PoP the figure is not the latency-cost trade-off, and is not named after it.
    assert!(
        written.contains(&dir.join("sweep_stale_rate.png")) && written.contains(&dir.join("sweep_stale_rate.svg")),
        "{written:?}"
    );
    assert!(!dir.join("sweep_latency_cost.png").exists() && !dir.join("sweep_latency_cost.svg").exists());
    let svg = std::fs::read_to_string(dir.join("sweep_stale_rate.svg")).expect("written");
    assert!(svg.contains("Stale rate (no PoP metrics in this sweep)"), "{svg:.300}");
    let nothing = [cell(0, &["6", "25"], None, None)];
    write_sweep(&dir, &info(1), &nothing).expect("writable");
    let svg = std::fs::read_to_string(dir.join("sweep_stale_rate.svg")).expect("written");
    assert!(svg.contains("no cell has a stale rate"), "{svg:.300}");
    write_sweep(&dir, &info(1), &[]).expect("an empty sweep still writes");
}
