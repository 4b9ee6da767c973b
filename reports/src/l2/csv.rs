//! The L2 CSV files: `l2_blocks.csv` (one row per L2 block), `l2_latency.csv` (the non-empty
//! buckets of the inclusion-latency histogram), `l2_reorgs.csv` (the sequencer's unsafe reorgs,
//! when there were any) and the `l2_*` columns of `runs.csv`.
//!
//! Same conventions as [`crate::csv_out`]: times formatted exactly from integer microseconds,
//! other floats in Rust's shortest round-trip form, undefined values empty. Every column is
//! documented in `reports/README.md`.

use std::path::{Path, PathBuf};

use crate::ReportError;
use crate::csv_out::{format_micros, format_opt, save_csv, to_csv};
use crate::record::{BlockSettlement, L2Record, L2ReorgRow, LatencyHistogram};
use crate::summary::Summary;

/// `l2_blocks.csv` text: every L2 block of the final chain, in order. A block without
/// transactions has empty latency fields (its latency is undefined, not 0). A settlement chain's
/// file has [`SETTLEMENT_COLUMNS`] besides; the last column is always `gap_s`, the time since the
/// block before (see [`L2Record::block_gaps_us`]).
pub fn l2_blocks_csv(l2: &L2Record) -> Result<Vec<u8>, csv::Error> {
    let mut header = vec![
        "number",
        "hash",
        "produced_at_s",
        "tx_count",
        "gas_used",
        "gas_limit_fraction",
        "btc_tip_height",
        "btc_headers_ingested",
        "backlog",
        "latency_mean_s",
        "latency_max_s",
        "state_root",
    ];
    let settled = l2.settlement.is_some();
    if settled {
        header.extend(SETTLEMENT_COLUMNS);
    }
    header.push("gap_s");
    let rows = l2.blocks.iter().zip(l2.block_gaps_us()).map(|(b, gap_us)| {
        let latency = |us: u64| {
            if b.tx_count > 0 { format_micros(us) } else { String::new() }
        };
        let mut row = vec![
            b.number.to_string(),
            b.hash.clone(),
            format_micros(b.produced_at_us),
            b.tx_count.to_string(),
            b.gas_used.to_string(),
            format_opt(b.fullness(l2.gas_limit)),
            b.btc_tip_height.to_string(),
            b.btc_headers_ingested.to_string(),
            b.backlog.to_string(),
            latency(b.latency_mean_us),
            latency(b.latency_max_us),
            b.state_root.clone(),
        ];
        if settled {
            row.extend(settlement_fields(b.settlement.as_ref()));
        }
        row.push(format_micros(gap_us));
        row
    });
    to_csv(&header, rows)
}

/// The columns `l2_blocks.csv` has on a settlement chain, after the others.
pub const SETTLEMENT_COLUMNS: [&str; 5] = ["timestamp_s", "l1_origin", "safe_at_s", "finalized_at_s", "forced"];

/// A block's [`SETTLEMENT_COLUMNS`]: empty where it is not yet safe or final (all empty for a
/// block the record knows nothing of on L1).
fn settlement_fields(s: Option<&BlockSettlement>) -> Vec<String> {
    let time = |us: Option<u64>| us.map(format_micros).unwrap_or_default();
    match s {
        None => vec![String::new(); SETTLEMENT_COLUMNS.len()],
        Some(s) => vec![
            format_micros(s.timestamp_us),
            s.l1_origin.to_string(),
            time(s.safe_at_us),
            time(s.finalized_at_us),
            s.forced.to_string(),
        ],
    }
}

/// `l2_latency.csv` text: the non-empty buckets of `histogram` only, in increasing latency, so
/// that millions of transactions still give a small file. The last bucket of the histogram is
/// open (it also counts every latency above its lower edge): its `bucket_high_s` is empty.
pub fn l2_latency_csv(histogram: &LatencyHistogram) -> Result<Vec<u8>, csv::Error> {
    let header = ["bucket_low_s", "bucket_high_s", "count", "cumulative_fraction"];
    let total = histogram.total();
    let last = histogram.counts.len().saturating_sub(1);
    let mut cumulative = 0u64;
    let rows = histogram.nonempty_buckets().map(|(i, count)| {
        cumulative += count;
        let high = (i < last).then(|| format_micros(histogram.bucket_high_us(i)));
        vec![
            format_micros(histogram.bucket_low_us(i)),
            high.unwrap_or_default(),
            count.to_string(),
            (cumulative as f64 / total as f64).to_string(),
        ]
    });
    to_csv(&header, rows)
}

/// `failovers.csv` text: each time another member of the sequencer set began to sequence, and
/// the production gap it ended (empty: no block came after it).
pub fn failovers_csv(l2: &L2Record) -> Result<Vec<u8>, csv::Error> {
    let header = ["at_s", "member", "term", "reason", "gap_s"];
    let rows = l2.failovers.iter().map(|f| {
        vec![
            format_micros(f.at_us),
            f.member.to_string(),
            f.term.to_string(),
            f.reason.clone(),
            f.gap_us.map(format_micros).unwrap_or_default(),
        ]
    });
    to_csv(&header, rows)
}

/// `l2_reorgs.csv` text: every unsafe reorg of the sequencer's node, in order (an equivocating
/// sequencer's switch from the blocks it gossiped to those it batched included).
pub fn l2_reorgs_csv(reorgs: &[L2ReorgRow]) -> Result<Vec<u8>, csv::Error> {
    let header = ["at_s", "from", "to", "depth", "txs", "because"];
    let rows = reorgs.iter().map(|r| {
        vec![
            format_micros(r.at_us),
            r.from.to_string(),
            r.to.to_string(),
            r.depth().to_string(),
            r.txs.to_string(),
            r.because.clone(),
        ]
    });
    to_csv(&header, rows)
}

/// Writes `l2_blocks.csv` and `l2_latency.csv` into `dir`, `l2_reorgs.csv` when the
/// sequencer's node reorged and `failovers.csv` when the run had failovers, and returns their
/// paths.
pub fn write_l2_csvs(dir: &Path, l2: &L2Record) -> Result<Vec<PathBuf>, ReportError> {
    let mut paths = vec![
        save_csv(dir.join("l2_blocks.csv"), l2_blocks_csv(l2))?,
        save_csv(dir.join("l2_latency.csv"), l2_latency_csv(&l2.latency))?,
    ];
    if let Some(settlement) = l2.settlement.as_ref().filter(|s| !s.reorgs.is_empty()) {
        paths.push(save_csv(dir.join("l2_reorgs.csv"), l2_reorgs_csv(&settlement.reorgs))?);
    }
    if !l2.failovers.is_empty() {
        paths.push(save_csv(dir.join("failovers.csv"), failovers_csv(l2))?);
    }
    Ok(paths)
}

/// The `l2_*` columns appended to `runs.csv` when the runs have an L2 chain.
pub const RUNS_COLUMNS: [&str; 13] = [
    "l2_blocks",
    "l2_txs_included",
    "l2_tps",
    "l2_gas_used_per_s",
    "l2_block_fullness_mean",
    "l2_latency_p50_s",
    "l2_latency_p95_s",
    "l2_latency_p99_s",
    "l2_latency_mean_s",
    "l2_backlog_max",
    "l2_backlog_final",
    "l2_txs_rejected",
    "l2_state_root_mismatches",
];

/// One replication's values for [`RUNS_COLUMNS`], from its record and its one-run summary
/// (empty fields for a replication without an L2 chain). Percentiles are bucket edges in whole
/// microseconds, so they are formatted exactly, as times.
pub fn runs_columns(l2: Option<&L2Record>, summary: &Summary) -> Vec<String> {
    let (Some(l2), Some(s)) = (l2, summary.l2.as_ref()) else {
        return vec![String::new(); RUNS_COLUMNS.len()];
    };
    let percentile = |p| l2.latency.percentile_upper_us(p).map(format_micros).unwrap_or_default();
    vec![
        s.blocks.to_string(),
        s.txs_included.to_string(),
        format_opt(s.tps),
        format_opt(s.gas_used_per_s),
        format_opt(s.block_fullness_mean),
        percentile(50),
        percentile(95),
        percentile(99),
        format_opt(s.tx_inclusion_latency_mean_s),
        s.backlog_max.map(|b| b.to_string()).unwrap_or_default(),
        s.backlog_final.map(|b| b.to_string()).unwrap_or_default(),
        s.txs_rejected.to_string(),
        s.state_root_mismatches.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::l2_record;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("CSV of ASCII fields")
    }

    #[test]
    fn l2_blocks_csv_snapshot() {
        let mut l2 = l2_record(&[(2, 15_000_000), (0, 0), (3, 45_000_000)]);
        l2.blocks[2].backlog = 2;
        l2.blocks[2].state_root = "0xr\"3\"".into();
        let got = text(l2_blocks_csv(&l2).expect("in memory"));
        let expected = "number,hash,produced_at_s,tx_count,gas_used,gas_limit_fraction,\
             btc_tip_height,btc_headers_ingested,backlog,latency_mean_s,latency_max_s,state_root,gap_s\n\
             1,0x01,12.000000,2,15000000,0.5,100,1,0,6.000000,11.500000,0xr1,12.000000\n\
             2,0x02,24.000001,0,0,0,100,0,0,,,0xr2,12.000001\n\
             3,0x03,36.000002,3,45000000,1.5,101,1,2,6.000000,11.500000,\"0xr\"\"3\"\"\",12.000001\n";
        assert_eq!(got, expected);
    }

    #[test]
    fn settlement_chains_get_the_heads_columns() {
        let record = crate::testutil::settled_run(7);
        let got = text(l2_blocks_csv(record.l2.as_ref().expect("an L2")).expect("in memory"));
        let mut lines = got.lines();
        let header = lines.next().expect("a header");
        assert!(
            header.ends_with(",state_root,timestamp_s,l1_origin,safe_at_s,finalized_at_s,forced,gap_s"),
            "{header}"
        );
        let tails: Vec<String> = lines.map(|l| l.split(',').skip(12).collect::<Vec<_>>().join(",")).collect();
        assert_eq!(
            tails,
            [
                "12.000000,0,50.000000,70.000000,false,12.000000",
                "24.000000,0,55.000000,80.000000,false,12.000001",
                "36.000000,1,60.000000,80.000000,true,12.000001",
                "48.000000,1,,,false,12.000001",
            ]
        );
        // Without a settlement layer, the header and rows of before.
        let plain = text(l2_blocks_csv(&l2_record(&[(1, 1)])).expect("in memory"));
        assert!(plain.starts_with("number,") && plain.lines().all(|l| l.split(',').count() == 13), "{plain}");
    }

    #[test]
    fn a_zero_gas_limit_leaves_the_fraction_empty() {
        let mut l2 = l2_record(&[(1, 21_000)]);
        l2.gas_limit = 0;
        let got = text(l2_blocks_csv(&l2).expect("in memory"));
        assert!(got.lines().nth(1).is_some_and(|l| l.contains(",21000,,")), "{got}");
    }

    #[test]
    fn latency_csv_lists_only_non_empty_buckets() {
        let histogram = LatencyHistogram { bucket_us: 100_000, counts: vec![0, 3, 0, 0, 1, 0, 0, 4] };
        let got = text(l2_latency_csv(&histogram).expect("in memory"));
        assert_eq!(
            got,
            "bucket_low_s,bucket_high_s,count,cumulative_fraction\n\
             0.100000,0.200000,3,0.375\n\
             0.400000,0.500000,1,0.5\n\
             0.700000,,4,1\n"
        );
        let mut big = LatencyHistogram::standard();
        for us in [50_000, 50_000, 12_000_000, 30_000_000_000] {
            big.record(us);
        }
        let got = text(l2_latency_csv(&big).expect("in memory"));
        assert_eq!(got.lines().count(), 4, "{got}");
        let empty = text(l2_latency_csv(&LatencyHistogram::standard()).expect("in memory"));
        assert_eq!(empty.lines().count(), 1, "header only");
    }

    #[test]
    fn runs_columns_are_empty_without_l2() {
        let record = crate::testutil::sample_record(1);
        let summary = crate::summary::summarize(std::slice::from_ref(&record)).expect("ok");
        let columns = runs_columns(None, &summary);
        assert_eq!(columns.len(), RUNS_COLUMNS.len());
        assert!(columns.iter().all(String::is_empty));
    }
}
