//! The number tables of a run page: each area's headline metrics, and the validation table
//! (measured, 95% interval, closed form, inside or not). Read from `summary.json` as JSON by
//! dotted path, like `hemisim compare`, so a folder written by an older hemisim still renders.

use serde_json::Value;

use super::html::{Markup, element, metric_value, table};
use crate::compare::{METRICS, value_at};
use crate::plots::format::number;

/// The areas of `summary.json`, in page order: key, heading, and the prefix of its headline
/// line (`crate::headline::area_lines`), if it has one.
pub const AREAS: &[(&str, &str, Option<&str>)] = &[
    ("btc", "Bitcoin", Some("bitcoin: ")),
    ("attack", "Attack", Some("attack: ")),
    ("l2", "L2", Some("l2: ")),
    ("pop", "Proof-of-Proof", Some("pop: ")),
    ("tunnel", "BTC tunnel", Some("tunnel: ")),
    ("ethereum", "Ethereum (settlement L1)", Some("ethereum: ")),
    ("censorship", "Censorship and forced inclusion", Some("censorship: ")),
    ("faults", "Faults", None),
];

/// Counts that give the compared metrics ([`METRICS`]) their scale, shown before them.
const CONTEXT: &[&str] = &[
    "btc.blocks_total",
    "btc.blocks_main",
    "btc.block_interval_mean_s",
    "attack.trials",
    "attack.successes",
    "attack.revenue_share",
    "l2.blocks",
    "l2.txs_included",
    "l2.tx_inclusion_latency_p50_s",
    "l2.block_fullness_mean",
    "pop.keystones",
    "pop.keystones_published",
    "pop.publications",
    "pop.blocks_pending",
    "pop.superfinality_latency_s.p50",
    "tunnel.deposits",
    "tunnel.mints",
    "tunnel.withdrawals",
    "tunnel.payouts",
    "ethereum.blocks",
    "ethereum.batches",
    "ethereum.deposits",
    "censorship.txs_censored",
    "censorship.txs_forced",
    "faults.injected",
    "faults.partitions",
    "faults.crashes",
    "faults.convergence_s",
];

/// The headline metrics of `area` that `summary` has, in order: `CONTEXT`, then [`METRICS`].
pub fn headline_paths<'a>(summary: &'a Value, area: &'a str) -> impl Iterator<Item = &'static str> + 'a {
    let in_area = move |path: &&str| path.split('.').next() == Some(area);
    CONTEXT
        .iter()
        .copied()
        .chain(METRICS.iter().map(|m| m.path))
        .filter(in_area)
        .filter(move |path| value_at(summary, path).is_some_and(Value::is_number))
}

/// An area's table: metric path and value, each value carrying its exact number.
pub fn headline_table(summary: &Value, area: &str) -> Markup {
    let rows: Vec<Vec<Markup>> = headline_paths(summary, area)
        .filter_map(|path| Some(vec![element("code", path), value_cell(path, value_at(summary, path)?)?]))
        .collect();
    table("headline", &["metric (summary.json)", "value"], &rows)
}

/// A number of the summary for the page: `data-value` holds it exactly as `summary.json` does,
/// the text rounded for reading ([`readable`]). `None` for anything but a number.
pub fn value_cell(path: &str, value: &Value) -> Option<Markup> {
    let shown = readable(value)?;
    Some(metric_value(path, &value.to_string(), &shown))
}

/// A JSON number for reading: integers with thousands separators, other numbers with four
/// significant digits (all digits from 1,000 up).
pub fn readable(value: &Value) -> Option<String> {
    if let Some(n) = value.as_u64() {
        return Some(crate::plots::format::thousands(n));
    }
    let x = value.as_f64().filter(|x| x.is_finite())?;
    let magnitude = x.abs();
    let decimals = if magnitude == 0.0 || magnitude >= 1000.0 {
        0
    } else {
        (3.0 - libm::floor(libm::log10(magnitude))).clamp(0.0, 12.0) as usize
    };
    Some(number(x, decimals))
}

/// Where a measurement's 95% interval is in `summary.json`.
#[derive(Debug, Clone, Copy)]
enum Interval {
    /// A `[low, high]` array at this path.
    Pair(&'static str),
    /// Two numbers at these paths.
    Bounds(&'static str, &'static str),
    /// No interval is computed for this measurement.
    None,
}

/// One row of the validation table: a measurement and the closed form it is compared with.
#[derive(Debug, Clone, Copy)]
struct Check {
    what: &'static str,
    measured: &'static str,
    interval: Interval,
    expected: &'static str,
    closed_form: &'static str,
    /// A flag of the summary that, when `true`, makes the measurement only a lower bound.
    lower_bound_if: Option<&'static str>,
}

/// Every measurement `summary.json` puts next to a closed form (docs/validation.md).
const CHECKS: &[Check] = &[
    Check {
        what: "Bitcoin block interval, mean (s)",
        measured: "btc.block_interval_mean_s",
        interval: Interval::Pair("btc.block_interval_ci95"),
        expected: "btc.block_interval_target_s",
        closed_form: "the target: exponential inter-arrival times",
        lower_bound_if: None,
    },
    Check {
        what: "double-spend success rate",
        measured: "attack.success_rate",
        interval: Interval::Bounds("attack.ci95_low", "attack.ci95_high"),
        expected: "attack.expected_success_rate",
        closed_form: "catch-up race with give-up (theory::double_spend_overtake_with_give_up)",
        lower_bound_if: None,
    },
    Check {
        what: "selfish mining revenue share",
        measured: "attack.revenue_share",
        interval: Interval::Pair("attack.revenue_share_ci95"),
        expected: "attack.expected_revenue_share",
        closed_form: "Eyal and Sirer (theory::selfish_mining_revenue)",
        lower_bound_if: None,
    },
    Check {
        what: "superfinality latency, mean (s)",
        measured: "pop.superfinality_latency_s.mean",
        interval: Interval::Pair("pop.superfinality_latency_ci95.mean"),
        expected: "pop.superfinality_latency_expected_s.mean",
        closed_form: "uncontended U(0, P) + Gamma(M, θ) (theory::superfinality_latency)",
        lower_bound_if: Some("pop.superfinality_latency_s.mean_is_lower_bound"),
    },
    Check {
        what: "superfinality latency, p95 (s)",
        measured: "pop.superfinality_latency_s.p95",
        interval: Interval::Pair("pop.superfinality_latency_ci95.p95"),
        expected: "pop.superfinality_latency_expected_s.p95",
        closed_form: "uncontended U(0, P) + Gamma(M, θ) (theory::superfinality_latency_quantile)",
        lower_bound_if: None,
    },
    Check {
        what: "Ethereum missed-slot rate",
        measured: "ethereum.missed_slot_rate",
        interval: Interval::Pair("ethereum.missed_slot_rate_ci95"),
        expected: "ethereum.missed_slot_rate_expected",
        closed_form: "the scenario's ethereum.missed_slot_rate",
        lower_bound_if: None,
    },
    Check {
        what: "portal deposits per second",
        measured: "ethereum.deposits_per_s",
        interval: Interval::None,
        expected: "ethereum.deposit_rate_per_s_expected",
        closed_form: "the scenario's ethereum.deposit_rate_per_s",
        lower_bound_if: None,
    },
];

/// The validation table of `summary`: one row per `CHECKS` entry whose measurement and closed
/// form the summary both has; `None` when it has none.
pub fn validation_table(summary: &Value) -> Option<Markup> {
    let rows: Vec<Vec<Markup>> = CHECKS.iter().filter_map(|check| validation_row(summary, check)).collect();
    (!rows.is_empty()).then(|| {
        table(
            "validation",
            &["measurement", "measured", "95% interval", "closed form", "inside the interval?", "closed form from"],
            &rows,
        )
    })
}

fn validation_row(summary: &Value, check: &Check) -> Option<Vec<Markup>> {
    let measured = value_at(summary, check.measured)?;
    let expected = value_at(summary, check.expected)?;
    let (mut measured_cell, expected_cell) =
        (value_cell(check.measured, measured)?, value_cell(check.expected, expected)?);
    if check.lower_bound_if.and_then(|flag| value_at(summary, flag)).and_then(Value::as_bool) == Some(true) {
        measured_cell.push(&Markup::text(" (a lower bound: the slowest blocks were still waiting)"));
    }
    let interval = interval(summary, check.interval);
    let (interval_text, verdict) = match (interval, expected.as_f64()) {
        (Some((low, high)), Some(e)) => {
            let inside = low <= e && e <= high;
            let verdict =
                if inside { "<span class=\"inside\">yes</span>" } else { "<span class=\"outside\">no</span>" };
            (format_interval(low, high), Markup::trusted(verdict.to_owned()))
        }
        _ => ("none".to_owned(), Markup::text("no interval (one run: use --runs for one)")),
    };
    Some(vec![
        Markup::text(check.what),
        measured_cell,
        Markup::text(&interval_text),
        expected_cell,
        verdict,
        Markup::text(check.closed_form),
    ])
}

fn interval(summary: &Value, at: Interval) -> Option<(f64, f64)> {
    let num = |path: &str| value_at(summary, path).and_then(Value::as_f64);
    match at {
        Interval::Pair(path) => {
            let pair = value_at(summary, path)?.as_array()?;
            Some((pair.first()?.as_f64()?, pair.get(1)?.as_f64()?))
        }
        Interval::Bounds(low, high) => Some((num(low)?, num(high)?)),
        Interval::None => None,
    }
}

fn format_interval(low: f64, high: f64) -> String {
    let text = |x: f64| readable(&Value::from(x)).unwrap_or_else(|| x.to_string());
    format!("[{}, {}]", text(low), text(high))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_read_with_four_significant_digits_and_keep_their_exact_value() {
        let shown = |v: Value| readable(&v).expect("a number");
        assert_eq!(shown(json!(161880)), "161,880");
        assert_eq!(shown(json!(0.012345678)), "0.01235");
        assert_eq!(shown(json!(6147.4)), "6,147");
        assert_eq!(shown(json!(8.125)), "8.125");
        assert_eq!(shown(json!(0.0)), "0");
        assert_eq!(readable(&json!(null)), None);
        let cell = value_cell("btc.stale_rate", &json!(0.012345678)).expect("a number");
        assert!(cell.as_str().contains("data-value=\"0.012345678\""), "{}", cell.as_str());
    }

    #[test]
    fn validation_says_whether_the_closed_form_is_inside_the_interval() {
        let summary = json!({
            "btc": {"block_interval_mean_s": 590.0, "block_interval_ci95": [560.0, 620.0], "block_interval_target_s": 600.0},
            "attack": {"success_rate": 0.2, "ci95_low": 0.1, "ci95_high": 0.15, "expected_success_rate": 0.3},
            "ethereum": {"deposits_per_s": 0.5, "deposit_rate_per_s_expected": 0.5},
            "pop": {"superfinality_latency_s": {"mean": null}, "superfinality_latency_expected_s": {"mean": 6750.0}}
        });
        let html = validation_table(&summary).expect("rows").as_str().to_owned();
        let rows: Vec<&str> = html.lines().filter(|l| l.starts_with("<tr><td>")).collect();
        assert_eq!(rows.len(), 3, "the undefined PoP mean gets no row: {html}");
        assert!(rows[0].contains("[560.0, 620.0]") && rows[0].contains("class=\"inside\">yes"), "{}", rows[0]);
        assert!(rows[1].contains("class=\"outside\">no"), "{}", rows[1]);
        assert!(rows[2].contains("no interval"), "{}", rows[2]);
        assert!(validation_table(&json!({"btc": {}})).is_none());
    }

    /// The summaries of the hand-checked records of every area, merged into one object.
    fn full_summary_json() -> Value {
        use crate::testutil::{pop_run, sample_record, settled_run};
        let records = [
            sample_record(1),
            settled_run(2),
            pop_run(3),
            crate::tunnel::testutil::tunnel_run(4),
            crate::censorship::testutil::censored_run(5),
        ];
        let mut merged = serde_json::Map::new();
        for record in &records {
            let summary = crate::summarize(std::slice::from_ref(record)).expect("a valid record");
            let json = serde_json::to_value(summary).expect("serialisable");
            merged.extend(json.as_object().expect("an object").clone());
        }
        let faults = crate::faults::summary::FaultsSummary {
            injected: 2,
            partitions: 1,
            crashes: 1,
            convergence_s: Some(30.0),
            btc_convergence_s: Some(20.0),
            l2_convergence_s: Some(30.0),
            convergence_bound_s: 600.0,
            mempool_lost_txs: 0,
        };
        merged.insert("faults".to_owned(), serde_json::to_value(faults).expect("serialisable"));
        Value::Object(merged)
    }

    #[test]
    fn every_headline_path_names_a_summary_key() {
        // A summary of every area, so that a renamed key cannot silently drop out of the page.
        let summary = full_summary_json();
        // (`compare::METRICS` is `hemisim compare`'s list, and may name metrics to come.)
        for path in CONTEXT {
            assert!(value_at(&summary, path).is_some(), "{path} is not in summary.json");
        }
        let areas: Vec<&str> = AREAS.iter().map(|(key, _, _)| *key).collect();
        for path in CONTEXT {
            assert!(areas.iter().any(|a| path.starts_with(&format!("{a}."))), "{path} has no area");
        }
    }
}
