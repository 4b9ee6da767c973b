//! The Proof-of-Proof CSV files: `keystones.csv` (one row per keystone), `publications.csv` (one
//! row per main-chain publication, with its reward), `pop_txs.csv` (every PoP transaction sent)
//! and `superfinality.csv` (each advance of the superfinal frontier), and the `pop_*` columns of
//! `runs.csv`.
//!
//! Same conventions as [`crate::csv_out`]: times formatted exactly from integer microseconds,
//! other floats in Rust's shortest round-trip form, undefined values empty. Every column is
//! documented in `reports/README.md`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::ReportError;
use crate::csv_out::{format_micros, format_opt, save_csv, to_csv};
use crate::pop::metrics::{self, frontier, superfinal_at_us};
use crate::pop::summary::latency_curve;
use crate::record::{PopRecord, RunRecord};
use crate::summary::Summary;

/// `fee / vsize`, empty for a zero size.
fn fee_rate(fee_sats: u64, vsize: u64) -> String {
    format_opt((vsize > 0).then(|| fee_sats as f64 / vsize as f64))
}

fn micros_opt(us: Option<u64>) -> String {
    us.map(format_micros).unwrap_or_default()
}

/// `keystones.csv` text: every keystone, in L2 order, with its first main-chain publication and
/// when it became superfinal (empty fields when it never did).
pub fn keystones_csv(pop: &PopRecord) -> Result<Vec<u8>, csv::Error> {
    let header = [
        "l2_number",
        "keystone_hash",
        "l2_block_hash",
        "made_at_s",
        "first_published_height",
        "first_published_at_s",
        "publication_delay_s",
        "publications",
        "fees_sats",
        "superfinal_at_s",
        "superfinality_latency_s",
    ];
    let frontier = frontier(&pop.superfinal);
    let published = metrics::keystone_publications(pop);
    let rows = pop.keystones.iter().zip(published).map(|(k, p)| {
        let superfinal = superfinal_at_us(&frontier, k.l2_number);
        let since_made = |at: Option<u64>| micros_opt(at.map(|t| t.saturating_sub(k.made_at_us)));
        vec![
            k.l2_number.to_string(),
            k.hash.clone(),
            k.l2_block_hash.clone(),
            format_micros(k.made_at_us),
            p.first_height.map(|h| h.to_string()).unwrap_or_default(),
            micros_opt(p.first_found_at_us),
            since_made(p.first_found_at_us),
            p.publications.to_string(),
            p.fees_sats.to_string(),
            micros_opt(superfinal),
            since_made(superfinal),
        ]
    });
    to_csv(&header, rows)
}

/// `publications.csv` text: every main-chain publication, by Bitcoin height, with its score and
/// reward (`blocks_after_first` is x of docs/protocol.md §4).
pub fn publications_csv(pop: &PopRecord) -> Result<Vec<u8>, csv::Error> {
    let header = [
        "txid",
        "keystone_hash",
        "l2_number",
        "btc_height",
        "btc_block_hash",
        "btc_block_found_at_s",
        "miner",
        "fee_sats",
        "vsize",
        "fee_rate_sat_per_vb",
        "blocks_after_first",
        "score",
        "reward",
    ];
    let rewards = metrics::publication_rewards(pop);
    let rows = pop.publications.iter().zip(rewards).map(|(p, r)| {
        vec![
            p.txid.clone(),
            p.keystone_hash.clone(),
            p.l2_number.to_string(),
            p.btc_height.to_string(),
            p.btc_block_hash.clone(),
            format_micros(p.btc_block_found_at_us),
            p.miner.clone().unwrap_or_default(),
            p.fee_sats.to_string(),
            p.vsize.to_string(),
            fee_rate(p.fee_sats, p.vsize),
            r.blocks_after_first.to_string(),
            r.score.to_string(),
            r.reward.to_string(),
        ]
    });
    to_csv(&header, rows)
}

/// `pop_txs.csv` text: every PoP transaction sent, in the order sent; `confirmed` says whether
/// its txid is among the main-chain publications.
pub fn pop_txs_csv(pop: &PopRecord) -> Result<Vec<u8>, csv::Error> {
    let header = [
        "sent_at_s",
        "miner",
        "keystone_hash",
        "l2_number",
        "txid",
        "fee_sats",
        "vsize",
        "fee_rate_sat_per_vb",
        "confirmed",
    ];
    let published: BTreeSet<&str> = pop.publications.iter().map(|p| p.txid.as_str()).collect();
    let rows = pop.sent.iter().map(|t| {
        vec![
            format_micros(t.sent_at_us),
            t.miner.clone(),
            t.keystone_hash.clone(),
            t.l2_number.to_string(),
            t.txid.clone(),
            t.fee_sats.to_string(),
            t.vsize.to_string(),
            t.fee_rate_sat_per_vb.to_string(),
            published.contains(t.txid.as_str()).to_string(),
        ]
    });
    to_csv(&header, rows)
}

/// `superfinality.csv` text: each advance of the superfinal frontier, in time order.
pub fn superfinality_csv(pop: &PopRecord) -> Result<Vec<u8>, csv::Error> {
    let header = ["at_s", "l2_number", "keystone_hash", "published_height", "tip_height"];
    let rows = pop.superfinal.iter().map(|s| {
        vec![
            format_micros(s.at_us),
            s.l2_number.to_string(),
            s.keystone_hash.clone(),
            s.published_height.to_string(),
            s.tip_height.to_string(),
        ]
    });
    to_csv(&header, rows)
}

/// Writes the four PoP files into `dir` and returns their paths.
pub fn write_pop_csvs(dir: &Path, pop: &PopRecord) -> Result<Vec<PathBuf>, ReportError> {
    Ok(vec![
        save_csv(dir.join("keystones.csv"), keystones_csv(pop))?,
        save_csv(dir.join("publications.csv"), publications_csv(pop))?,
        save_csv(dir.join("pop_txs.csv"), pop_txs_csv(pop))?,
        save_csv(dir.join("superfinality.csv"), superfinality_csv(pop))?,
    ])
}

/// The `pop_*` columns appended to `runs.csv` when the runs have Proof-of-Proof.
pub const RUNS_COLUMNS: [&str; 9] = [
    "pop_keystones",
    "pop_publications",
    "pop_keystones_superfinal",
    "pop_blocks_pending",
    "pop_superfinality_mean_s",
    "pop_superfinality_mean_is_lower_bound",
    "pop_superfinality_p50_s",
    "pop_superfinality_p95_s",
    "pop_fees_sats_per_day",
];

/// One replication's values for [`RUNS_COLUMNS`], from its record and its one-run summary
/// (empty fields for a replication without PoP). The quantiles are latencies of whole blocks, in
/// whole microseconds, so they are formatted exactly, as times.
pub fn runs_columns(record: &RunRecord, summary: &Summary) -> Vec<String> {
    let Some(s) = summary.pop.as_ref() else {
        return vec![String::new(); RUNS_COLUMNS.len()];
    };
    let curve = latency_curve([record]);
    let quantile = |q| micros_opt(curve.as_ref().and_then(|km| km.quantile_us(q)));
    vec![
        s.keystones.to_string(),
        s.publications.to_string(),
        s.keystones_superfinal.to_string(),
        s.blocks_pending.to_string(),
        format_opt(s.superfinality_latency_s.mean),
        // Blocks still waiting at the end make the Kaplan–Meier mean a lower bound.
        s.superfinality_latency_s.mean_is_lower_bound.to_string(),
        quantile(0.50),
        quantile(0.95),
        format_opt(s.fees_sats_per_day),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{hash, keystone_hash, pop_run};

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("CSV of ASCII fields")
    }

    fn pop() -> PopRecord {
        pop_run(1).pop.expect("pop run")
    }

    #[test]
    fn keystones_csv_snapshot() {
        let got = text(keystones_csv(&pop()).expect("in memory"));
        let k = keystone_hash;
        let expected = format!(
            "l2_number,keystone_hash,l2_block_hash,made_at_s,first_published_height,\
             first_published_at_s,publication_delay_s,publications,fees_sats,superfinal_at_s,\
             superfinality_latency_s\n\
             2,{},0x02,400.000000,5,500.000000,100.000000,4,2800,700.500000,300.500000\n\
             4,{},0x04,800.000000,,,,0,0,1500.250000,700.250000\n\
             6,{},0x06,1200.000000,13,1300.000000,100.000000,2,600,1500.250000,300.250000\n\
             8,{},0x08,1600.000000,17,1700.000000,100.000000,1,300,,\n",
            k(2),
            k(4),
            k(6),
            k(8)
        );
        assert_eq!(got, expected);
    }

    #[test]
    fn publications_csv_snapshot() {
        let got = text(publications_csv(&pop()).expect("in memory"));
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(
            lines[0],
            "txid,keystone_hash,l2_number,btc_height,btc_block_hash,btc_block_found_at_s,miner,\
             fee_sats,vsize,fee_rate_sat_per_vb,blocks_after_first,score,reward"
        );
        let row = |i: u64, l2: u64, h: u64, miner: &str, rest: &str| {
            format!(
                "{},{},{l2},{h},{},{h}00.000000,{miner},{rest}",
                hash(0x7800 + i),
                keystone_hash(l2),
                hash(100_000_000 * h)
            )
        };
        let expected = [
            row(0, 2, 5, "pop-0", "1000,200,5,0,100000,40"),
            row(1, 2, 6, "pop-1", "800,200,4,1,100000,40"),
            row(2, 2, 7, "pop-0", "600,200,3,2,25000,10"),
            row(3, 6, 13, "pop-1", "500,300,1.6666666666666667,0,100000,45"),
            row(4, 2, 14, "pop-1", "400,200,2,9,0,0"),
            row(5, 6, 14, "", "100,300,0.3333333333333333,1,100000,45"),
            row(6, 8, 17, "pop-0", "300,300,1,0,100000,90"),
        ];
        assert_eq!(lines[1..], expected);
    }

    #[test]
    fn pop_txs_and_superfinality_csv_snapshot() {
        let mut pop = pop();
        pop.sent[0].vsize = 0;
        let got = text(pop_txs_csv(&pop).expect("in memory"));
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(
            lines[0],
            "sent_at_s,miner,keystone_hash,l2_number,txid,fee_sats,vsize,fee_rate_sat_per_vb,confirmed"
        );
        assert_eq!(lines[1], format!("410.000000,pop-0,{},2,{},1000,0,5,true", keystone_hash(2), hash(0x7800)));
        assert_eq!(lines[4], format!("1205.000000,pop-1,{},4,{},300,300,1,false", keystone_hash(4), hash(0x7900)));
        let confirmed: Vec<&str> = lines[1..].iter().filter_map(|l| l.rsplit(',').next()).collect();
        assert_eq!(confirmed, ["true", "true", "true", "false", "true", "true", "true", "false"]);
        let steps = text(superfinality_csv(&pop).expect("in memory"));
        assert_eq!(
            steps,
            format!(
                "at_s,l2_number,keystone_hash,published_height,tip_height\n\
                 700.500000,2,{},5,7\n1500.250000,6,{},13,15\n",
                keystone_hash(2),
                keystone_hash(6)
            )
        );
    }

    #[test]
    fn runs_columns_of_a_pop_run_and_of_one_without() {
        let record = pop_run(1);
        let summary = crate::summary::summarize(std::slice::from_ref(&record)).expect("ok");
        let got = runs_columns(&record, &summary);
        let mean = summary.pop.as_ref().and_then(|p| p.superfinality_latency_s.mean);
        let expected = ["4", "7", "3", "2", &format_opt(mean), "false", "500.500000", "900.250000", "185000"];
        assert_eq!(got, expected);
        // Without the second superfinality step the slowest blocks still wait at the end: the
        // mean is a lower bound, and the column says so.
        let mut censored = pop_run(1);
        if let Some(pop) = censored.pop.as_mut() {
            pop.superfinal.truncate(1);
        }
        let summary = crate::summary::summarize(std::slice::from_ref(&censored)).expect("ok");
        assert_eq!(runs_columns(&censored, &summary)[5], "true");
        let plain = crate::testutil::sample_record(1);
        let summary = crate::summary::summarize(std::slice::from_ref(&plain)).expect("ok");
        let columns = runs_columns(&plain, &summary);
        assert_eq!(columns.len(), RUNS_COLUMNS.len());
        assert!(columns.iter().all(String::is_empty));
    }
}
