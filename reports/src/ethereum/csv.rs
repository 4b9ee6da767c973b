//! `ethereum_blocks.csv`: one row per L1 block; `deposits.csv`: one row per portal deposit executed
//! on L2; `batches.csv`: one row per batcher transaction. Same conventions as [`crate::csv_out`]; every
//! column is documented in `reports/README.md`.

use std::path::{Path, PathBuf};

use crate::ReportError;
use crate::csv_out::{format_micros, save_csv, to_csv};
use crate::record::EthereumRecord;

/// `ethereum_blocks.csv` text: every L1 block after genesis, in order.
pub fn ethereum_blocks_csv(eth: &EthereumRecord) -> Result<Vec<u8>, csv::Error> {
    let header = ["number", "hash", "parent_hash", "time_s", "deposits", "batcher_txs", "batch_bytes", "finalized"];
    let rows = eth.blocks.iter().map(|b| {
        vec![
            b.number.to_string(),
            b.hash.clone(),
            b.parent_hash.clone(),
            format_micros(b.time_us),
            b.deposits.to_string(),
            b.batcher_txs.to_string(),
            b.batch_bytes.to_string(),
            b.finalized.to_string(),
        ]
    });
    to_csv(&header, rows)
}

/// `deposits.csv` text: every portal deposit executed on L2, in order, with its latency.
pub fn deposits_csv(eth: &EthereumRecord) -> Result<Vec<u8>, csv::Error> {
    let header = ["l1_number", "log_index", "l1_time_s", "l2_number", "l2_time_s", "latency_s"];
    let rows = eth.deposit_latencies().into_iter().map(|d| {
        vec![
            d.deposit.l1_number.to_string(),
            d.deposit.log_index.to_string(),
            format_micros(d.l1_time_us),
            d.deposit.l2_number.to_string(),
            format_micros(d.deposit.l2_at_us),
            format_micros(d.latency_us),
        ]
    });
    to_csv(&header, rows)
}

/// `batches.csv` text: every transaction the sequencer's batcher posted, in order.
pub fn batches_csv(eth: &EthereumRecord) -> Result<Vec<u8>, csv::Error> {
    let header = ["posted_at_s", "first_l2", "last_l2", "frames", "bytes", "fee_gwei", "closed_by"];
    let rows = eth.batches_posted.iter().map(|b| {
        vec![
            format_micros(b.posted_at_us),
            b.first_l2.to_string(),
            b.last_l2.to_string(),
            b.frames.to_string(),
            b.bytes.to_string(),
            format_gwei(b.fee_wei),
            b.closed_by.clone(),
        ]
    });
    to_csv(&header, rows)
}

/// `wei` in gwei, exactly: nine decimals, as times have six.
pub fn format_gwei(wei: u128) -> String {
    const WEI_PER_GWEI: u128 = 1_000_000_000;
    format!("{}.{:09}", wei / WEI_PER_GWEI, wei % WEI_PER_GWEI)
}

/// Writes the L1's CSVs into `dir` and returns their paths.
pub fn write_ethereum_csvs(dir: &Path, eth: &EthereumRecord) -> Result<Vec<PathBuf>, ReportError> {
    Ok(vec![
        save_csv(dir.join("ethereum_blocks.csv"), ethereum_blocks_csv(eth))?,
        save_csv(dir.join("deposits.csv"), deposits_csv(eth))?,
        save_csv(dir.join("batches.csv"), batches_csv(eth))?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::eth_run;

    #[test]
    fn blocks_csv_snapshot() {
        let record = eth_run(7);
        let eth = record.ethereum.expect("an L1");
        let text = String::from_utf8(ethereum_blocks_csv(&eth).expect("in memory")).expect("ASCII");
        let h = |n: u64| format!("0x{n:064x}");
        let expected = format!(
            "number,hash,parent_hash,time_s,deposits,batcher_txs,batch_bytes,finalized\n\
             1,{},{},12.000000,2,0,0,0\n\
             2,{},{},36.000000,3,1,1000,0\n\
             3,{},{},48.000000,0,0,0,1\n",
            h(1),
            h(0),
            h(2),
            h(1),
            h(3),
            h(2)
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn batches_csv_snapshot_with_exact_fees() {
        let eth = eth_run(7).ethereum.expect("an L1");
        let text = String::from_utf8(batches_csv(&eth).expect("in memory")).expect("ASCII");
        assert_eq!(
            text,
            "posted_at_s,first_l2,last_l2,frames,bytes,fee_gwei,closed_by\n\
             30.000000,1,2,1,1000,63000.000131072,interval\n"
        );
        assert_eq!(format_gwei(0), "0.000000000");
        assert_eq!(format_gwei(999), "0.000000999");
        assert_eq!(format_gwei(u128::MAX), "340282366920938463463374607431.768211455");
    }
}
