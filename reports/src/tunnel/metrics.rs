//! BTC tunnel numbers derived from one record, shared by the summary ([`crate::tunnel::summary`]),
//! the CSVs ([`crate::tunnel::csv`]) and the figure: per-run totals, the two sides of the
//! auditor's books, and the latencies of mints, payouts and settlements.
//!
//! Definitions:
//! - **Mint latency**: from a deposit to the first mint with the same txid. A deposit never
//!   minted (double-spent, or too late in the run) has no latency and is left out.
//! - **Payout latency**: from a burn to the first payout with the same withdrawal id (when BTC
//!   first left the vault; a re-payment after a reorg does not restart it).
//! - **Settlement latency**: from a burn to the earliest `confirmed_at_us` of a payout with the
//!   same withdrawal id (when the final main chain's block holding it was found).
//!
//! Lookups use `BTreeMap`s; every output follows record order.

use std::collections::BTreeMap;

use crate::record::{Operation, TunnelLedgerRow, TunnelOp, TunnelOpKind, TunnelRecord};

/// The operations of one kind, in record order.
pub fn of_kind(t: &TunnelRecord, kind: TunnelOpKind) -> impl Iterator<Item = &TunnelOp> {
    t.operations.iter().filter(move |o| o.op.kind() == kind)
}

/// Mint latencies in µs, one per deposit that was minted, in deposit order.
pub fn mint_latencies_us(t: &TunnelRecord) -> Vec<u64> {
    let mut first_mint: BTreeMap<&str, u64> = BTreeMap::new();
    for o in &t.operations {
        if let Operation::Mint { txid, .. } = &o.op {
            first_mint.entry(txid).or_insert(o.at_us);
        }
    }
    let minted_after = |o: &TunnelOp| match &o.op {
        Operation::Deposit { txid, .. } => Some(first_mint.get(txid.as_str())?.saturating_sub(o.at_us)),
        _ => None,
    };
    t.operations.iter().filter_map(minted_after).collect()
}

/// For every burn, in burn order, the earliest `at(sent_us, confirmed_at_us)` over the payouts
/// of its withdrawal id, minus the burn's time; burns without such a payout are left out.
fn since_burn(t: &TunnelRecord, at: impl Fn(u64, Option<u64>) -> Option<u64>) -> Vec<u64> {
    let mut earliest: BTreeMap<u64, u64> = BTreeMap::new();
    for o in &t.operations {
        if let Operation::Payout { id, confirmed_at_us, .. } = o.op
            && let Some(at) = at(o.at_us, confirmed_at_us)
        {
            earliest.entry(id).and_modify(|e| *e = (*e).min(at)).or_insert(at);
        }
    }
    let since = |o: &TunnelOp| match o.op {
        Operation::Burn { id, .. } => Some(earliest.get(&id)?.saturating_sub(o.at_us)),
        _ => None,
    };
    t.operations.iter().filter_map(since).collect()
}

/// Payout latencies in µs: burn to the first payout broadcast, one per paid withdrawal.
pub fn payout_latencies_us(t: &TunnelRecord) -> Vec<u64> {
    since_burn(t, |sent_us, _| Some(sent_us))
}

/// Settlement latencies in µs: burn to the payout's confirmation on the final main chain.
pub fn settlement_latencies_us(t: &TunnelRecord) -> Vec<u64> {
    since_burn(t, |_, confirmed_at_us| confirmed_at_us)
}

/// The vault side of the books, `locked - other - unminted + lost_payouts` (signed: broken books
/// may go below 0).
pub fn vault_side_sats(row: &TunnelLedgerRow) -> i128 {
    i128::from(row.locked_sats) - i128::from(row.other_sats) - i128::from(row.unminted_sats)
        + i128::from(row.lost_payout_sats)
}

/// The L2 side of the books, `minted - burned + pending - unbacked`.
pub fn l2_side_sats(row: &TunnelLedgerRow) -> i128 {
    i128::from(row.minted_sats) - i128::from(row.burned_sats) + i128::from(row.pending_sats)
        - i128::from(row.unbacked_sats)
}

/// hBTC in circulation at a ledger row: `minted - burned` (0 if the books say less).
pub fn supply_sats(row: &TunnelLedgerRow) -> u64 {
    row.minted_sats.saturating_sub(row.burned_sats)
}

/// One run's tunnel counts and sums (or several runs', added with [`Totals::pooled_with`]): the
/// first keys of summary.json's `tunnel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    /// Deposit transactions broadcast on Bitcoin.
    pub deposits: u64,
    /// Mints of hBTC on L2, and their amount.
    pub mints: u64,
    pub minted_sats: u64,
    /// The last ledger row's `locked_sats`.
    pub locked_sats: u64,
    /// Burns (withdrawals) on L2, and their amount.
    pub withdrawals: u64,
    pub burned_sats: u64,
    /// Payouts broadcast by the operator (a re-payment counts again), and those on the final
    /// main chain.
    pub payouts: u64,
    pub payouts_confirmed: u64,
    /// Sum of the confirmed payouts' amounts.
    pub paid_out_sats: u64,
    /// Payouts not `superfinal`: the burning L2 block was not superfinal when paid.
    pub payouts_before_superfinal: u64,
    pub exposed_sats: u64,
    /// Withdrawals still unpaid after the grace period.
    pub withdrawals_overdue: u64,
    /// The last ledger row's `pending_sats`.
    pub pending_sats_end: u64,
    /// Minted deposits the final main chain does not hold, and their amount.
    pub losses: u64,
    pub lost_sats: u64,
    /// Payouts on the final main chain whose burn an L2 reorg took away, and their amount (BTC
    /// paid for withdrawals the final L2 chain does not have).
    #[serde(default)]
    pub lost_payouts: u64,
    #[serde(default)]
    pub lost_payout_sats: u64,
    /// Times a minted deposit left the observer's main chain.
    pub unwound_events: u64,
    /// Largest `unbacked_sats` of any ledger row (pooled: the maximum, not a sum).
    pub unbacked_sats_max: u64,
    /// Broken rules of the books.
    pub invariant_violations: u64,
}

impl Totals {
    pub fn of(t: &TunnelRecord) -> Totals {
        let count = |kind| of_kind(t, kind).count() as u64;
        let amount = |kind| of_kind(t, kind).map(|o| o.op.amount_sats()).sum::<u64>();
        let confirmed =
            || t.operations.iter().filter(|o| matches!(o.op, Operation::Payout { confirmed_at_us: Some(_), .. }));
        let exposed = || t.operations.iter().filter(|o| matches!(o.op, Operation::Payout { superfinal: false, .. }));
        let last = t.ledger.last();
        Totals {
            deposits: count(TunnelOpKind::Deposit),
            mints: count(TunnelOpKind::Mint),
            minted_sats: amount(TunnelOpKind::Mint),
            locked_sats: last.map_or(0, |l| l.locked_sats),
            withdrawals: count(TunnelOpKind::Burn),
            burned_sats: amount(TunnelOpKind::Burn),
            payouts: count(TunnelOpKind::Payout),
            payouts_confirmed: confirmed().count() as u64,
            paid_out_sats: confirmed().map(|p| p.op.amount_sats()).sum(),
            payouts_before_superfinal: exposed().count() as u64,
            exposed_sats: exposed().map(|p| p.op.amount_sats()).sum(),
            withdrawals_overdue: count(TunnelOpKind::Overdue),
            pending_sats_end: last.map_or(0, |l| l.pending_sats),
            losses: t.losses.len() as u64,
            lost_sats: t.losses.iter().map(|l| l.amount_sats).sum(),
            lost_payouts: t.lost_payouts.len() as u64,
            lost_payout_sats: t.lost_payouts.iter().map(|l| l.amount_sats).sum(),
            unwound_events: count(TunnelOpKind::Unwound),
            unbacked_sats_max: t.ledger.iter().map(|l| l.unbacked_sats).max().unwrap_or(0),
            invariant_violations: t.violations.len() as u64,
        }
    }

    /// Replications pooled: everything summed but `unbacked_sats_max`, the largest of them.
    pub fn pooled_with(self, o: Totals) -> Totals {
        Totals {
            deposits: self.deposits + o.deposits,
            mints: self.mints + o.mints,
            minted_sats: self.minted_sats + o.minted_sats,
            locked_sats: self.locked_sats + o.locked_sats,
            withdrawals: self.withdrawals + o.withdrawals,
            burned_sats: self.burned_sats + o.burned_sats,
            payouts: self.payouts + o.payouts,
            payouts_confirmed: self.payouts_confirmed + o.payouts_confirmed,
            paid_out_sats: self.paid_out_sats + o.paid_out_sats,
            payouts_before_superfinal: self.payouts_before_superfinal + o.payouts_before_superfinal,
            exposed_sats: self.exposed_sats + o.exposed_sats,
            withdrawals_overdue: self.withdrawals_overdue + o.withdrawals_overdue,
            pending_sats_end: self.pending_sats_end + o.pending_sats_end,
            losses: self.losses + o.losses,
            lost_sats: self.lost_sats + o.lost_sats,
            lost_payouts: self.lost_payouts + o.lost_payouts,
            lost_payout_sats: self.lost_payout_sats + o.lost_payout_sats,
            unwound_events: self.unwound_events + o.unwound_events,
            unbacked_sats_max: self.unbacked_sats_max.max(o.unbacked_sats_max),
            invariant_violations: self.invariant_violations + o.invariant_violations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tunnel_run;

    fn tunnel() -> TunnelRecord {
        tunnel_run(1).tunnel.expect("tunnel run")
    }

    #[test]
    fn latencies_match_rows_by_txid_and_withdrawal_id() {
        let t = tunnel();
        // Deposit C was never minted: two latencies, not three.
        assert_eq!(mint_latencies_us(&t), [3_600_000_000, 4_100_000_000]);
        // Burn order (ids 1, 2, 3): id 1 first paid at 7012 s (its re-payment does not count),
        // id 2 at 5500 s, id 3 never.
        assert_eq!(payout_latencies_us(&t), [1_800_000_000, 88_000_000]);
        // id 1's first payout vanished; its re-payment confirmed at 8400 s.
        assert_eq!(settlement_latencies_us(&t), [3_188_000_000, 588_000_000]);
    }

    #[test]
    fn a_mint_without_its_deposit_row_and_payouts_of_unknown_ids_are_ignored() {
        let mut t = tunnel();
        t.operations.retain(|o| o.op.kind() != TunnelOpKind::Deposit);
        assert!(mint_latencies_us(&t).is_empty());
        t.operations.retain(|o| o.op.kind() != TunnelOpKind::Burn);
        assert!(payout_latencies_us(&t).is_empty() && settlement_latencies_us(&t).is_empty());
    }

    #[test]
    fn books_sides_and_totals() {
        let t = tunnel();
        assert!(t.ledger.iter().all(|r| vault_side_sats(r) == l2_side_sats(r)));
        let last = t.ledger.last().expect("rows");
        assert_eq!((vault_side_sats(last), supply_sats(last)), (15_000_000, 25_000_000));
        let broken = TunnelLedgerRow { locked_sats: 1, unminted_sats: 3, ..*last };
        assert_eq!(vault_side_sats(&broken), -1_000_002);
        let totals = Totals::of(&t);
        assert_eq!((totals.deposits, totals.mints, totals.minted_sats), (3, 2, 70_000_000));
        assert_eq!((totals.withdrawals, totals.burned_sats), (3, 45_000_000));
        assert_eq!((totals.payouts, totals.payouts_confirmed), (3, 2));
        // 5M (id 2) + 30M (id 1's re-payment); id 1's vanished payout is not paid out.
        assert_eq!(totals.paid_out_sats, 35_000_000);
        assert_eq!((totals.payouts_before_superfinal, totals.exposed_sats), (1, 5_000_000));
        let pooled = totals.pooled_with(Totals { unbacked_sats_max: 7, ..totals });
        assert_eq!((pooled.mints, pooled.unbacked_sats_max), (4, 20_000_000));
        assert_eq!(pooled.locked_sats, 32_000_000);
    }
}
