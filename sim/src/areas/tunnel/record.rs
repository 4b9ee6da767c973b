//! Records the BTC tunnel: every operation the participants and the auditor reported, the
//! auditor's books at every L2 block and the violations it found; at the end, each payout's
//! confirmation on the observer's final main chain and the losses (minted deposits the final
//! main chain does not hold).
//!
//! Besides the report rows it keeps the typed facts the checks and the end-of-run judgement
//! read (minted outpoints, payout txids, overdue withdrawals), so nothing is parsed back from
//! text.

use crate::areas::bitcoin::record::FoundAt;
use crate::scenario::TunnelConfig;
use bitcoin::{OutPoint, Txid};
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::events::Observation;
use hemisim_node::l2::btc_view::INDEXER_TIP_LAG;
use hemisim_node::l2::tx::Address;
use hemisim_node::peer::{DutyReport, Peer};
use hemisim_node::time::SimTime;
use hemisim_node::units::L2Number;
use hemisim_reports::record::{
    Operation, TunnelLedgerRow, TunnelLossRow, TunnelLostPayoutRow, TunnelOp, TunnelRecord, TunnelViolationRow,
};
use std::collections::{BTreeMap, BTreeSet};

/// The deposit every double-spend race pays when the attacker targets the tunnel
/// (`attack.target = "tunnel"`): what each race's payment deposits, and for whom on L2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackerDeposit {
    pub amount_sats: u64,
    pub recipient: Address,
}

/// A withdrawal still unpaid past the grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overdue {
    pub id: u64,
    pub l2_number: u64,
    pub age_s: u64,
}

/// A mint: when, and in which L2 block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Minted {
    at_us: u64,
    l2_number: u64,
}

#[derive(Debug, Default)]
pub struct TunnelRecorder {
    operations: Vec<TunnelOp>,
    ledger: Vec<TunnelLedgerRow>,
    violations: Vec<TunnelViolationRow>,
    /// Set when the attacker's payments are tunnel deposits.
    attacker_deposit: Option<AttackerDeposit>,
    /// The txids of those payments, to mark the rows of their mints, unwinds and restores.
    attacker_payments: BTreeSet<Txid>,
    /// The latest mint of each deposit output.
    minted: BTreeMap<OutPoint, Minted>,
    /// The latest time each minted deposit left the observer's main chain.
    unwound_at_us: BTreeMap<OutPoint, u64>,
    /// Payouts (by index into `operations`) and their txids.
    payouts: Vec<(usize, Txid)>,
    overdue: Vec<Overdue>,
}

impl TunnelRecorder {
    /// Makes every race's payment also a tunnel `deposit` row (marked as the attacker's): the
    /// attacker's deposits are deposits, counted with their mint latency and losses. The rows
    /// are derived from the `TrialStarted` observations, so the trace does not change.
    pub fn with_attacker_deposits(deposit: Option<AttackerDeposit>) -> Self {
        TunnelRecorder { attacker_deposit: deposit, ..TunnelRecorder::default() }
    }

    /// A race started: its payment, broadcast now, is a deposit when the attacker pays the tunnel.
    pub fn attacker_payment(&mut self, at: SimTime, payment: Txid) {
        let Some(deposit) = &self.attacker_deposit else { return };
        let op = Operation::Deposit {
            txid: payment.to_string(),
            recipient: deposit.recipient.to_string(),
            amount_sats: deposit.amount_sats,
            treasury: false,
            attacker: true,
        };
        self.attacker_payments.insert(payment);
        self.operations.push(TunnelOp { at_us: at.as_us(), op });
    }

    /// Whether deposit `txid` is one of the attacker's payments.
    fn is_attackers(&self, txid: Txid) -> bool {
        self.attacker_payments.contains(&txid)
    }

    /// Takes the observation if it is the tunnel's; gives it back otherwise.
    pub fn observe(&mut self, at: SimTime, observation: Observation) -> Option<Observation> {
        let at_us = at.as_us();
        let op = match observation {
            Observation::DepositSent { txid, amount, recipient, treasury } => Operation::Deposit {
                txid: txid.to_string(),
                recipient: recipient.to_string(),
                amount_sats: amount.to_sat(),
                treasury,
                attacker: false,
            },
            Observation::TunnelMinted { l2_number, txid, vout, recipient, amount, btc_height } => {
                self.minted.insert(OutPoint { txid, vout }, Minted { at_us, l2_number: l2_number.0 });
                Operation::Mint {
                    txid: txid.to_string(),
                    vout,
                    l2_number: l2_number.0,
                    recipient: recipient.to_string(),
                    amount_sats: amount.to_sat(),
                    btc_height: btc_height.0,
                    attacker: self.is_attackers(txid),
                }
            }
            Observation::WithdrawalRequested { from, amount, treasury } => {
                Operation::WithdrawalRequest { from: from.to_string(), amount_sats: amount.to_sat(), treasury }
            }
            Observation::TunnelBurned { l2_number, id, from, amount } => {
                Operation::Burn { l2_number: l2_number.0, id, from: from.to_string(), amount_sats: amount.to_sat() }
            }
            Observation::PayoutSent { id, l2_number, txid, amount, fee, superfinal } => {
                self.payouts.push((self.operations.len(), txid));
                // Confirmed (or not) on the final main chain: filled in by `finish`.
                let confirmed_at_us = None;
                Operation::Payout {
                    txid: txid.to_string(),
                    l2_number: l2_number.0,
                    id,
                    amount_sats: amount.to_sat(),
                    fee_sats: fee.to_sat(),
                    superfinal,
                    confirmed_at_us,
                }
            }
            Observation::WithdrawalOverdue { id, l2_number, age_s } => {
                self.overdue.push(Overdue { id, l2_number: l2_number.0, age_s });
                Operation::Overdue { l2_number: l2_number.0, id, age_s }
            }
            Observation::DepositUnwound { txid, vout, amount, l2_number } => {
                self.unwound_at_us.insert(OutPoint { txid, vout }, at_us);
                let attacker = self.is_attackers(txid);
                Operation::Unwound {
                    txid: txid.to_string(),
                    vout,
                    l2_number: l2_number.0,
                    amount_sats: amount.to_sat(),
                    attacker,
                }
            }
            Observation::DepositRestored { txid, vout, amount } => {
                let attacker = self.is_attackers(txid);
                Operation::Restored { txid: txid.to_string(), vout, amount_sats: amount.to_sat(), attacker }
            }
            Observation::TunnelLedger {
                l2_number,
                locked,
                minted,
                burned,
                pending,
                unminted,
                unbacked,
                other,
                lost_payouts,
            } => {
                self.ledger.push(TunnelLedgerRow {
                    at_us,
                    l2_number: l2_number.0,
                    locked_sats: locked.to_sat(),
                    minted_sats: minted.to_sat(),
                    burned_sats: burned.to_sat(),
                    pending_sats: pending.to_sat(),
                    unminted_sats: unminted.to_sat(),
                    unbacked_sats: unbacked.to_sat(),
                    other_sats: other.to_sat(),
                    lost_payout_sats: lost_payouts.to_sat(),
                });
                return None;
            }
            // Judged at the end from the auditor's lost payouts (and, under the PoP fork choice,
            // by the safety monitor as they happen).
            Observation::PayoutLost { .. } | Observation::PayoutRecovered { .. } => return None,
            Observation::TunnelViolation { l2_number, what } => {
                self.violations.push(TunnelViolationRow { at_us, l2_number: l2_number.0, what });
                return None;
            }
            other => return Some(other),
        };
        self.operations.push(TunnelOp { at_us, op });
        None
    }

    /// The sequencer took back its L2 blocks above `to` (an unsafe reorg): their mints and burns
    /// are no longer the chain's (the blocks that replace them report theirs).
    pub fn l2_reorg(&mut self, to: L2Number) {
        let reverted = |op: &Operation| match op {
            Operation::Mint { l2_number, .. } | Operation::Burn { l2_number, .. } => *l2_number > to.0,
            _ => false,
        };
        self.operations.retain(|op| !reverted(&op.op));
        self.minted.retain(|_, minted| minted.l2_number <= to.0);
        // Payouts stay, in order; their places in the operations moved.
        let places = self.operations.iter().enumerate().filter(|(_, op)| matches!(op.op, Operation::Payout { .. }));
        let places: Vec<usize> = places.map(|(index, _)| index).collect();
        for ((index, _), place) in self.payouts.iter_mut().zip(places) {
            *index = place;
        }
    }

    /// Every deposit output minted so far.
    pub fn minted(&self) -> BTreeSet<OutPoint> {
        self.minted.keys().copied().collect()
    }

    /// Withdrawals reported overdue, in order.
    pub fn overdue(&self) -> &[Overdue] {
        &self.overdue
    }

    /// The tunnel part of the record: the operations and books as reported, each payout's
    /// confirmation on the final main chain, and the losses, as the auditor judges them once the
    /// world is quiet.
    pub fn finish(
        mut self,
        config: &TunnelConfig,
        peers: &[&Peer],
        observer: &BitcoinNode,
        found_at: &FoundAt,
    ) -> TunnelRecord {
        let payouts: BTreeSet<Txid> = self.payouts.iter().map(|(_, txid)| *txid).collect();
        let mut confirmed_at = BTreeMap::new();
        for hash in observer.active_chain() {
            let Some(block) = observer.block(hash) else { continue };
            for tx in block.txs().iter().filter(|tx| payouts.contains(&tx.txid())) {
                confirmed_at.insert(tx.txid(), found_at.get(hash).copied().unwrap_or(0));
            }
        }
        for (index, txid) in &self.payouts {
            if let Some(TunnelOp { op: Operation::Payout { confirmed_at_us, .. }, .. }) =
                self.operations.get_mut(*index)
            {
                *confirmed_at_us = confirmed_at.get(txid).copied();
            }
        }
        let auditor = peers.iter().flat_map(|p| p.reports()).find_map(|r| match r {
            DutyReport::Auditor(a) => Some(a),
            _ => None,
        });
        let lost_payouts = auditor.map_or_else(Vec::new, |a| a.lost_payouts());
        let lost_payouts = lost_payouts
            .into_iter()
            .map(|l| TunnelLostPayoutRow {
                txid: l.txid.to_string(),
                id: l.id,
                amount_sats: l.amount.to_sat(),
                l2_number: l.l2_number.0,
            })
            .collect();
        let losses = auditor
            .map_or_else(Vec::new, |a| a.unbacked())
            .into_iter()
            .map(|(outpoint, amount)| self.loss_row(outpoint, amount.to_sat()))
            .collect();
        TunnelRecord {
            deposit_confirmations: config.deposit_confirmations,
            indexer_lag: INDEXER_TIP_LAG,
            payout_policy: config.payout_policy.as_str().to_owned(),
            grace_period_s: config.grace_period_s,
            operations: self.operations,
            ledger: self.ledger,
            losses,
            lost_payouts,
            violations: self.violations,
        }
    }

    /// A loss, dated by its (latest) mint and by the last time it left the main chain.
    fn loss_row(&self, outpoint: OutPoint, amount_sats: u64) -> TunnelLossRow {
        let mint = self.minted.get(&outpoint);
        TunnelLossRow {
            txid: outpoint.txid.to_string(),
            vout: outpoint.vout,
            amount_sats,
            l2_number: mint.map_or(0, |m| m.l2_number),
            minted_at_us: mint.map_or(0, |m| m.at_us),
            unwound_at_us: self.unwound_at_us.get(&outpoint).copied().unwrap_or(0),
        }
    }
}
