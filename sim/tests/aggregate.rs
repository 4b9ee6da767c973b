//! The aggregate background model against the per-transaction one (docs/validation.md §12):
//! the same world (`fee-spike.toml`'s first 12 hours: calm load, the spike, the drain, with PoP
//! miners whose fee estimates decide when they publish) under both models, over independent
//! seeds. For each measure, the aggregate model's mean over the seeds must lie in the
//! per-transaction model's 99% t-interval. Run with `--nocapture` to see the numbers.

mod common;

use common::*;
use hemisim_reports::record::RunRecord;
use std::collections::BTreeMap;

const SEEDS: std::ops::RangeInclusive<u64> = 1..=6;

fn runs(model: &str) -> Vec<RunRecord> {
    let sets = ["duration_s=43200".to_owned(), format!("bitcoin.background_model={model}")];
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    let scenario = scenario("fee-spike", &sets);
    SEEDS.map(|seed| run(&scenario, seed)).collect()
}

/// Nearest-rank quantile of a non-empty sample.
fn quantile(mut xs: Vec<f64>, q: f64) -> f64 {
    assert!(!xs.is_empty(), "a quantile of nothing");
    xs.sort_by(f64::total_cmp);
    xs[((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len()) - 1]
}

/// The PoP miners' fee estimates: the fee rates they sent at (estimates under their cap)
/// and the estimates they deferred on (over it).
fn sent_fee_rates(r: &RunRecord) -> Vec<f64> {
    r.pop.as_ref().expect("a [pop] run").sent.iter().map(|s| s.fee_rate_sat_per_vb).collect()
}

fn deferred_estimates(r: &RunRecord) -> Vec<f64> {
    r.pop.as_ref().expect("a [pop] run").fee_deferrals.iter().map(|d| d.estimate_sat_per_vb).collect()
}

/// Seconds from sending a PoP transaction to the finding of the main-chain block holding it.
fn inclusion_delays_s(r: &RunRecord) -> Vec<f64> {
    let pop = r.pop.as_ref().expect("a [pop] run");
    let found: BTreeMap<&str, u64> =
        pop.publications.iter().map(|p| (p.txid.as_str(), p.btc_block_found_at_us)).collect();
    pop.sent
        .iter()
        .filter_map(|s| found.get(s.txid.as_str()).map(|&at| at.saturating_sub(s.sent_at_us) as f64 / 1e6))
        .collect()
}

type Measure = (&'static str, fn(&RunRecord) -> f64);

const MEASURES: [Measure; 7] = [
    ("PoP fee rate sent, median (sat/vB)", |r| quantile(sent_fee_rates(r), 0.5)),
    ("PoP fee rate sent, p90 (sat/vB)", |r| quantile(sent_fee_rates(r), 0.9)),
    ("deferred estimate, median (sat/vB)", |r| quantile(deferred_estimates(r), 0.5)),
    ("deferrals", |r| deferred_estimates(r).len() as f64),
    ("PoP inclusion delay, median (s)", |r| quantile(inclusion_delays_s(r), 0.5)),
    ("PoP inclusion delay, p90 (s)", |r| quantile(inclusion_delays_s(r), 0.9)),
    ("PoP inclusion delay, mean (s)", |r| {
        let xs = inclusion_delays_s(r);
        xs.iter().sum::<f64>() / xs.len() as f64
    }),
];

#[test]
fn aggregate_demand_agrees_with_real_transactions_on_fee_estimates_and_pop_inclusion() {
    let (transactions, aggregate) = (runs("transactions"), runs("aggregate"));
    let mut disagreements = Vec::new();
    for (name, measure) in MEASURES {
        let per_tx: Vec<f64> = transactions.iter().map(measure).collect();
        let per_agg: Vec<f64> = aggregate.iter().map(measure).collect();
        let (mean, lo, hi) = mean_ci99(&per_tx);
        let (agg_mean, agg_lo, agg_hi) = mean_ci99(&per_agg);
        println!(
            "{name}: transactions {mean:.1} [{lo:.1}, {hi:.1}], aggregate {agg_mean:.1} [{agg_lo:.1}, {agg_hi:.1}]"
        );
        if !(lo..=hi).contains(&agg_mean) {
            disagreements.push(format!("{name}: aggregate mean {agg_mean:.2} outside [{lo:.2}, {hi:.2}]"));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
