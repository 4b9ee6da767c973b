//! The BTC tunnel CSV files: `tunnel.csv` (every operation), `tunnel_ledger.csv` (the auditor's
//! books at every L2 block, with both sides computed) and `tunnel_losses.csv` (minted deposits
//! the final main chain does not hold), and the `tunnel_*` columns of `runs.csv`.
//!
//! Same conventions as [`crate::csv_out`]: times formatted exactly from integer microseconds,
//! undefined values empty. Every column is documented in `reports/README.md`.

use std::path::{Path, PathBuf};

use crate::ReportError;
use crate::csv_out::{format_micros, save_csv, to_csv};
use crate::record::{Operation, RunRecord, TunnelOp, TunnelOpKind, TunnelRecord};
use crate::stats::percentile_nearest_rank;
use crate::tunnel::metrics::{self, Totals, l2_side_sats, vault_side_sats};

/// The kind as written in `tunnel.csv`: the record's own (serde) name.
pub fn kind_name(kind: TunnelOpKind) -> &'static str {
    match kind {
        TunnelOpKind::Deposit => "deposit",
        TunnelOpKind::Mint => "mint",
        TunnelOpKind::WithdrawalRequest => "withdrawal-request",
        TunnelOpKind::Burn => "burn",
        TunnelOpKind::Payout => "payout",
        TunnelOpKind::Overdue => "overdue",
        TunnelOpKind::Unwound => "unwound",
        TunnelOpKind::Restored => "restored",
    }
}

/// An optional value, empty when `None`.
fn opt<T: ToString>(x: Option<T>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}

/// `tunnel.csv` text: every operation, in record (time) order, flattened into the columns of
/// every kind (a column the kind has not is empty, or `false` for the booleans).
pub fn tunnel_csv(tunnel: &TunnelRecord) -> Result<Vec<u8>, csv::Error> {
    let header = [
        "at_s",
        "kind",
        "txid",
        "vout",
        "l2_number",
        "withdrawal_id",
        "account",
        "amount_sats",
        "fee_sats",
        "btc_height",
        "flag",
        "age_s",
        "confirmed_at_s",
        "attacker",
    ];
    let rows = tunnel.operations.iter().map(|TunnelOp { at_us, op }| {
        let [fee_sats, btc_height, flag, age_s, confirmed_at_s] = kind_columns(op);
        vec![
            format_micros(*at_us),
            kind_name(op.kind()).to_string(),
            opt(op.txid()),
            opt(op.vout()),
            opt(op.l2_number()),
            opt(op.withdrawal_id()),
            opt(op.account()),
            op.amount_sats().to_string(),
            fee_sats,
            btc_height,
            flag,
            age_s,
            confirmed_at_s,
            op.attacker().to_string(),
        ]
    });
    to_csv(&header, rows)
}

/// The columns of `tunnel.csv` that only one or two kinds have: `fee_sats` (payout),
/// `btc_height` (mint), `flag` (payout: superfinal; deposit, withdrawal-request: the treasury's;
/// false otherwise), `age_s` (overdue) and `confirmed_at_s` (payout).
fn kind_columns(op: &Operation) -> [String; 5] {
    let flag = |b: bool| b.to_string();
    let none = String::new;
    match op {
        Operation::Payout { fee_sats, superfinal, confirmed_at_us, .. } => {
            [fee_sats.to_string(), none(), flag(*superfinal), none(), opt(confirmed_at_us.map(format_micros))]
        }
        Operation::Mint { btc_height, .. } => [none(), btc_height.to_string(), flag(false), none(), none()],
        Operation::Deposit { treasury, .. } | Operation::WithdrawalRequest { treasury, .. } => {
            [none(), none(), flag(*treasury), none(), none()]
        }
        Operation::Overdue { age_s, .. } => [none(), none(), flag(false), age_s.to_string(), none()],
        Operation::Burn { .. } | Operation::Unwound { .. } | Operation::Restored { .. } => {
            [none(), none(), flag(false), none(), none()]
        }
    }
}

/// `tunnel_ledger.csv` text: the auditor's books at every L2 block, in L2 order, with both sides
/// of the equation and whether they agree.
pub fn ledger_csv(tunnel: &TunnelRecord) -> Result<Vec<u8>, csv::Error> {
    let header = [
        "at_s",
        "l2_number",
        "locked_sats",
        "minted_sats",
        "burned_sats",
        "pending_sats",
        "unminted_sats",
        "unbacked_sats",
        "other_sats",
        "lost_payout_sats",
        "vault_side_sats",
        "l2_side_sats",
        "balanced",
    ];
    let rows = tunnel.ledger.iter().map(|l| {
        let (vault, l2) = (vault_side_sats(l), l2_side_sats(l));
        vec![
            format_micros(l.at_us),
            l.l2_number.to_string(),
            l.locked_sats.to_string(),
            l.minted_sats.to_string(),
            l.burned_sats.to_string(),
            l.pending_sats.to_string(),
            l.unminted_sats.to_string(),
            l.unbacked_sats.to_string(),
            l.other_sats.to_string(),
            l.lost_payout_sats.to_string(),
            vault.to_string(),
            l2.to_string(),
            (vault == l2).to_string(),
        ]
    });
    to_csv(&header, rows)
}

/// `tunnel_losses.csv` text: every minted deposit the final main chain does not hold.
pub fn losses_csv(tunnel: &TunnelRecord) -> Result<Vec<u8>, csv::Error> {
    let header = ["txid", "vout", "amount_sats", "l2_number", "minted_at_s", "unwound_at_s"];
    let rows = tunnel.losses.iter().map(|l| {
        vec![
            l.txid.clone(),
            l.vout.to_string(),
            l.amount_sats.to_string(),
            l.l2_number.to_string(),
            format_micros(l.minted_at_us),
            format_micros(l.unwound_at_us),
        ]
    });
    to_csv(&header, rows)
}

/// Writes the three tunnel files into `dir` and returns their paths.
pub fn write_tunnel_csvs(dir: &Path, tunnel: &TunnelRecord) -> Result<Vec<PathBuf>, ReportError> {
    Ok(vec![
        save_csv(dir.join("tunnel.csv"), tunnel_csv(tunnel))?,
        save_csv(dir.join("tunnel_ledger.csv"), ledger_csv(tunnel))?,
        save_csv(dir.join("tunnel_losses.csv"), losses_csv(tunnel))?,
    ])
}

/// The `tunnel_*` columns appended to `runs.csv` when the runs have a tunnel.
pub const RUNS_COLUMNS: [&str; 13] = [
    "tunnel_deposits",
    "tunnel_minted_sats",
    "tunnel_locked_sats",
    "tunnel_burned_sats",
    "tunnel_paid_out_sats",
    "tunnel_payouts_before_superfinal",
    "tunnel_exposed_sats",
    "tunnel_losses",
    "tunnel_lost_sats",
    "tunnel_invariant_violations",
    "tunnel_mint_latency_p50_s",
    "tunnel_payout_latency_p50_s",
    "tunnel_settlement_latency_p50_s",
];

/// One replication's values for [`RUNS_COLUMNS`] (empty fields for a replication without a
/// tunnel). The medians are latencies in whole microseconds, so they are formatted exactly, as
/// times (empty without a sample).
pub fn runs_columns(record: &RunRecord) -> Vec<String> {
    let Some(t) = record.tunnel.as_ref() else {
        return vec![String::new(); RUNS_COLUMNS.len()];
    };
    let totals = Totals::of(t);
    let median = |f: fn(&TunnelRecord) -> Vec<u64>| {
        let mut us = f(t);
        us.sort_unstable();
        opt(percentile_nearest_rank(&us, 50).map(format_micros))
    };
    vec![
        totals.deposits.to_string(),
        totals.minted_sats.to_string(),
        totals.locked_sats.to_string(),
        totals.burned_sats.to_string(),
        totals.paid_out_sats.to_string(),
        totals.payouts_before_superfinal.to_string(),
        totals.exposed_sats.to_string(),
        totals.losses.to_string(),
        totals.lost_sats.to_string(),
        totals.invariant_violations.to_string(),
        median(metrics::mint_latencies_us),
        median(metrics::payout_latencies_us),
        median(metrics::settlement_latencies_us),
    ]
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
