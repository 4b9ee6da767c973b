use super::*;
use crate::stats::wilson_interval_at;
use serde_json::json;

/// A small deterministic generator (SplitMix64) for the tests' samples.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn binomial(&mut self, n: u64, p: f64) -> u64 {
        (0..n).filter(|_| self.uniform() < p).count() as u64
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

/// Asserts that `rejections` out of `trials` is a false-positive rate compatible with [`ALPHA`]:
/// its 99% Wilson interval holds ALPHA.
fn assert_rate_is_alpha(rejections: u64, trials: u64, what: &str) {
    let ci = wilson_interval_at(rejections, trials, Z_99).expect("trials > 0");
    println!("{what}: {rejections}/{trials} false positives, 99% interval [{:.4}, {:.4}]", ci.low, ci.high);
    assert!(
        ci.low <= ALPHA && ALPHA <= ci.high,
        "{what}: {rejections}/{trials} false positives, 99% interval [{:.4}, {:.4}] misses {ALPHA}",
        ci.low,
        ci.high
    );
}

#[test]
fn the_two_proportion_test_rejects_same_distribution_samples_at_its_level() {
    let trials = 20_000;
    let mut rng = Rng(1);
    let rejections = (0..trials)
        .filter(|_| {
            let (x1, x2) = (rng.binomial(1000, 0.1), rng.binomial(1000, 0.1));
            two_proportion_z(x1, 1000, x2, 1000).is_some_and(|z| z.abs() > Z_99)
        })
        .count() as u64;
    assert_rate_is_alpha(rejections, trials, "two-proportion z");
}

#[test]
fn the_t_tests_reject_same_distribution_samples_at_their_level() {
    let trials = 20_000;
    let mut rng = Rng(2);
    let (mut welch, mut paired) = (0, 0);
    for _ in 0..trials {
        let a: Vec<f64> = (0..8).map(|_| 100.0 + 10.0 * rng.normal()).collect();
        let b: Vec<f64> = (0..8).map(|_| 100.0 + 10.0 * rng.normal()).collect();
        let w = welch_t(&a, &b).expect("8 values a side");
        welch += u64::from(w.t.abs() > t_quantile_995(w.df.floor() as u64));
        let diffs: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
        let p = paired_t(&diffs).expect("8 differences");
        paired += u64::from(p.t.abs() > t_quantile_995(p.df as u64));
    }
    assert_rate_is_alpha(paired, trials, "paired t");
    // Rounding the Welch–Satterthwaite df down makes the test a little conservative: at most ALPHA.
    let ci = wilson_interval_at(welch, trials, Z_99).expect("trials > 0");
    println!("welch t: {welch}/{trials} false positives, 99% interval [{:.4}, {:.4}]", ci.low, ci.high);
    assert!(ci.low <= ALPHA && ci.high >= ALPHA / 2.0, "welch: {welch}/{trials}");
}

#[test]
fn statistics_of_textbook_cases() {
    // 10/100 against 20/100: pooled 0.15, se = sqrt(0.15 * 0.85 * 0.02) = 0.050498.
    let z = two_proportion_z(10, 100, 20, 100).expect("defined");
    assert!((z - 1.980295).abs() < 1e-5, "{z}");
    assert_eq!(two_proportion_z(0, 100, 0, 50), None);
    assert_eq!(two_proportion_z(1, 0, 0, 50), None);
    // Welch: means 2 and 5, variances 1 and 4, n = 3 each: se² = 5/3, df = (5/3)² / ((1/9 + 16/9) / 2).
    let w = welch_t(&[1.0, 2.0, 3.0], &[3.0, 5.0, 7.0]).expect("3 a side");
    assert!((w.t - 3.0 / (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
    assert!((w.df - (25.0 / 9.0) / (17.0 / 18.0)).abs() < 1e-12);
    assert_eq!(welch_t(&[1.0, 1.0], &[1.0, 1.0]), None);
    assert!(welch_t(&[1.0, 1.0], &[2.0, 2.0]).expect("differ").t.is_infinite());
    assert_eq!(welch_t(&[1.0], &[2.0, 3.0]), None);
    let p = paired_t(&[1.0, 2.0, 3.0]).expect("3 differences");
    assert!((p.t - 2.0 / (1.0 / 3f64.sqrt())).abs() < 1e-12 && p.df == 2.0);
}

fn summary(stale: (u64, u64), latency: f64, mismatches: u64, tps: f64) -> Value {
    json!({
        "btc": {"blocks_total": stale.1, "blocks_main": stale.1 - stale.0,
                "stale_rate": stale.0 as f64 / stale.1 as f64, "reorgs": 0},
        "l2": {"tps": tps, "state_root_mismatches": mismatches},
        "pop": {"superfinality_latency_s": {"mean": latency}},
    })
}

fn side<'a>(summary: &'a Value, hash: &'a str, reps: Option<&'a Replications>) -> Side<'a> {
    Side { summary, trace_hash: hash, replications: reps }
}

fn verdict(c: &Comparison, metric: &str) -> Verdict {
    c.rows.iter().find(|r| r.metric == metric).unwrap_or_else(|| panic!("{metric} in {c:?}")).verdict
}

#[test]
fn identical_trace_hashes_make_every_metric_identical() {
    let s = summary((1, 100), 6000.0, 0, 1.0);
    let c = compare(&side(&s, "h", None), &side(&s, "h", None), None);
    assert!(c.identical && c.regressions().is_empty());
    assert!(c.rows.iter().all(|r| r.verdict == Verdict::Identical), "{c:?}");
    // Metrics of areas the summaries lack are left out.
    assert!(c.rows.iter().all(|r| !r.metric.starts_with("tunnel.")));
}

#[test]
fn single_runs_judge_latencies_by_tolerance_and_counts_exactly() {
    let base = summary((1, 100), 6000.0, 0, 1.0);
    let worse = summary((1, 100), 6150.0, 1, 1.0);
    let c = compare(&side(&base, "a", None), &side(&worse, "b", None), None);
    assert_eq!(verdict(&c, "pop.superfinality_latency_s.mean"), Verdict::Regressed);
    assert_eq!(verdict(&c, "l2.state_root_mismatches"), Verdict::Regressed);
    assert_eq!(verdict(&c, "btc.stale_rate"), Verdict::Unchanged);
    assert_eq!(c.regressions(), vec!["l2.state_root_mismatches", "pop.superfinality_latency_s.mean"]);
    // 2.5% is within a 3% tolerance, which also applies to counts once given (0 → 1 is beyond any).
    let c = compare(&side(&base, "a", None), &side(&worse, "b", None), Some(3.0));
    assert_eq!(verdict(&c, "pop.superfinality_latency_s.mean"), Verdict::WithinTolerance);
    assert_eq!(verdict(&c, "l2.state_root_mismatches"), Verdict::Regressed);
    // Lower latency and higher throughput are improvements.
    let better = summary((1, 100), 5000.0, 0, 1.5);
    let c = compare(&side(&base, "a", None), &side(&better, "b", None), None);
    assert_eq!(verdict(&c, "pop.superfinality_latency_s.mean"), Verdict::Improved);
    assert_eq!(verdict(&c, "l2.tps"), Verdict::Improved);
    assert!(c.regressions().is_empty());
    let slower = summary((1, 100), 6000.0, 0, 0.5);
    let c = compare(&side(&base, "a", None), &side(&slower, "b", None), None);
    assert_eq!(c.regressions(), vec!["l2.tps"]);
}

#[test]
fn rates_need_a_significant_difference() {
    let base = summary((1, 100), 6000.0, 0, 1.0);
    let noise = summary((3, 100), 6000.0, 0, 1.0);
    let c = compare(&side(&base, "a", None), &side(&noise, "b", None), None);
    assert_eq!(verdict(&c, "btc.stale_rate"), Verdict::NotSignificant);
    let real = summary((30, 100), 6000.0, 0, 1.0);
    let c = compare(&side(&base, "a", None), &side(&real, "b", None), None);
    assert_eq!(c.regressions(), vec!["btc.stale_rate"]);
}

fn runs_csv(rows: &[(u64, f64)]) -> Replications {
    let mut text = "seed,trace_hash,pop_superfinality_mean_s,l2_tps\n".to_owned();
    for (seed, latency) in rows {
        text.push_str(&format!("{seed},h{seed},{latency},\n"));
    }
    Replications::parse(&text).expect("well-formed")
}

#[test]
fn replications_are_paired_by_seed_or_compared_with_welch() {
    let base_reps = runs_csv(&[(1, 5900.0), (2, 6400.0), (3, 8300.0), (4, 6200.0)]);
    // The same seeds, each about 150 s later: a small shift, clear when paired.
    let shifted = runs_csv(&[(1, 6050.0), (2, 6560.0), (3, 8440.0), (4, 6370.0)]);
    let (b, n) = (summary((0, 100), 6700.0, 0, 1.0), summary((0, 100), 6855.0, 0, 1.0));
    let c = compare(&side(&b, "a", Some(&base_reps)), &side(&n, "b", Some(&shifted)), None);
    let row = c.rows.iter().find(|r| r.metric == "pop.superfinality_latency_s.mean").expect("row");
    assert_eq!(row.verdict, Verdict::Regressed, "{row:?}");
    assert!(row.test.starts_with("paired t="), "{}", row.test);
    // Other seeds: Welch's test sees the shift drown in the spread between worlds.
    let other = runs_csv(&[(5, 6050.0), (6, 6560.0), (7, 8440.0), (8, 6370.0)]);
    let c = compare(&side(&b, "a", Some(&base_reps)), &side(&n, "b", Some(&other)), None);
    let row = c.rows.iter().find(|r| r.metric == "pop.superfinality_latency_s.mean").expect("row");
    assert_eq!(row.verdict, Verdict::NotSignificant, "{row:?}");
    assert!(row.test.starts_with("welch t="), "{}", row.test);
    // An empty column (l2_tps here) leaves the metric to the tolerance.
    assert!(c.rows.iter().any(|r| r.metric == "l2.tps" && r.verdict == Verdict::Unchanged));
}

#[test]
fn runs_csv_parsing_names_its_problems() {
    assert_eq!(Replications::parse("").expect_err("malformed"), "empty file");
    assert_eq!(Replications::parse("a,b\n1,2\n").expect_err("malformed"), "no `seed` column");
    assert_eq!(Replications::parse("seed,a\n1,2,3\n").expect_err("malformed"), "row 2: 3 cells, the header has 2");
    let reps = Replications::parse("seed,a\n7,2.5\n9,\n").expect("ok");
    assert_eq!(reps.seeds, vec![7, 9]);
    assert_eq!(reps.column("a"), None);
    assert_eq!(reps.column("seed"), Some(vec![(7, 7.0), (9, 9.0)]));
}

#[test]
fn per_metric_tolerances_replace_the_global_one_for_the_metrics_they_name() {
    let base = summary((1, 100), 6000.0, 0, 1.0);
    let worse = summary((1, 100), 6150.0, 1, 0.97);
    let per_metric: BTreeMap<String, f64> =
        [("pop.superfinality_latency_s.mean".to_owned(), 5.0), ("l2.state_root_mismatches".to_owned(), 200.0)].into();
    assert!(per_metric.keys().all(|k| is_metric(k)) && !is_metric("pop.superfinality_latency_s"));
    let c = compare_with(&side(&base, "a", None), &side(&worse, "b", None), None, &per_metric);
    // 2.5% later superfinality is inside its own 5%; a count with a tolerance is no longer exact
    // (0 → 1 has no relative change, so it is still beyond it); l2.tps keeps the default 1%.
    assert_eq!(verdict(&c, "pop.superfinality_latency_s.mean"), Verdict::WithinTolerance);
    assert_eq!(c.regressions(), vec!["l2.tps", "l2.state_root_mismatches"]);
    let row = c.rows.iter().find(|r| r.metric == "pop.superfinality_latency_s.mean").expect("row");
    assert!(row.test.ends_with("; tolerance 5%"), "{}", row.test);
    assert_eq!(c.metric_tolerance_pct, per_metric);
    // A per-metric tolerance is also tighter than the global one when it says so.
    let tight: BTreeMap<String, f64> = [("pop.superfinality_latency_s.mean".to_owned(), 1.0)].into();
    let c = compare_with(&side(&base, "a", None), &side(&worse, "b", None), Some(10.0), &tight);
    assert_eq!(verdict(&c, "pop.superfinality_latency_s.mean"), Verdict::Regressed);
    assert_eq!(verdict(&c, "l2.tps"), Verdict::WithinTolerance);
}

#[test]
fn wall_clock_figures_are_never_compared() {
    // Baselines store summary.json with them zeroed, and they differ between two runs of one seed.
    assert!(METRICS.iter().all(|m| !m.path.starts_with("perf.") && !m.path.contains("wall")));
    let mut base = summary((1, 100), 6000.0, 0, 1.0);
    let mut new = base.clone();
    base["wall_time_s"] = json!(1.0);
    new["wall_time_s"] = json!(0.0);
    new["perf"] = json!({"wall_time_s": 0.0, "events_per_wall_second": null});
    let c = compare(&side(&base, "a", None), &side(&new, "b", None), None);
    assert!(c.rows.iter().all(|r| r.verdict == Verdict::Unchanged && !r.metric.contains("wall")), "{c:?}");
}
