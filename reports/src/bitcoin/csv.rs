//! The Bitcoin network's CSV files: `blocks.csv`, `reorgs.csv` and `attack_trials.csv`.

use crate::csv_out::{format_micros, to_csv};
use crate::record::{BtcRecord, TrialOutcome, TrialRow};

/// `blocks.csv` text: every block mined, in the order found.
pub fn blocks_csv(btc: &BtcRecord) -> Result<Vec<u8>, csv::Error> {
    let header =
        ["height", "hash", "parent_hash", "miner", "found_at_s", "main_chain", "tx_count", "weight", "fees_sats"];
    let rows = btc.blocks.iter().map(|b| {
        vec![
            b.height.to_string(),
            b.hash.clone(),
            b.parent_hash.clone(),
            b.miner.clone(),
            format_micros(b.found_at_us),
            b.main_chain.to_string(),
            b.tx_count.to_string(),
            b.weight.to_string(),
            b.fees_sats.to_string(),
        ]
    });
    to_csv(&header, rows)
}

/// `propagation.csv` text (with `[network]`): how each block spread, in announcement order.
pub fn propagation_csv(btc: &BtcRecord) -> Result<Vec<u8>, csv::Error> {
    let header = ["height", "hash", "origin", "bytes", "announced_at_s", "nodes", "reached", "to_50_s", "to_90_s"];
    let rows = btc.propagation.iter().map(|p| {
        vec![
            p.height.to_string(),
            p.hash.clone(),
            p.origin.clone(),
            p.bytes.to_string(),
            format_micros(p.announced_at_us),
            p.nodes.to_string(),
            p.reached.to_string(),
            p.to_50_us.map(format_micros).unwrap_or_default(),
            p.to_90_us.map(format_micros).unwrap_or_default(),
        ]
    });
    to_csv(&header, rows)
}

/// `reorgs.csv` text: every reorg of the observer, in time order.
pub fn reorgs_csv(btc: &BtcRecord) -> Result<Vec<u8>, csv::Error> {
    let header = ["at_s", "depth", "connected", "old_tip", "old_height", "new_tip", "new_height"];
    let rows = btc.reorgs.iter().map(|r| {
        vec![
            format_micros(r.at_us),
            r.depth.to_string(),
            r.connected.to_string(),
            r.old_tip.clone(),
            r.old_height.to_string(),
            r.new_tip.clone(),
            r.new_height.to_string(),
        ]
    });
    to_csv(&header, rows)
}

/// `attack_trials.csv` text: every double-spend race, in the order started.
pub fn trials_csv(trials: &[TrialRow]) -> Result<Vec<u8>, csv::Error> {
    let header = ["started_at_s", "ended_at_s", "payment_txid", "conflict_txid", "outcome"];
    let rows = trials.iter().map(|t| {
        vec![
            format_micros(t.started_at_us),
            t.ended_at_us.map(format_micros).unwrap_or_default(),
            t.payment_txid.clone(),
            t.conflict_txid.clone(),
            outcome_name(t.outcome).to_string(),
        ]
    });
    to_csv(&header, rows)
}

fn outcome_name(outcome: TrialOutcome) -> &'static str {
    match outcome {
        TrialOutcome::Success => "success",
        TrialOutcome::Failure => "failure",
        TrialOutcome::Unfinished => "unfinished",
    }
}
