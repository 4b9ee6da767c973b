//! Turns the peers' observations into the trace and into the [`RunRecord`] the reports read.

use super::trace::Trace;
use super::world::{ATTACKER, OBSERVER};
use bitcoin::{BlockHash, Txid};
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::events::{Observation, TrialEnd};
use hemisim_node::time::SimTime;
use hemisim_reports::record::{
    BlockRow, FeeDeferralRow, KeystoneRow, L2BlockRow, PopTxRow, ReorgRow, SuperfinalityStep, TrialOutcome, TrialRow,
    TunnelLedgerRow, TunnelOpKind, TunnelOpRow, TunnelViolationRow,
};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the PoP participants reported during the run (publications are read from the final
/// chain afterwards).
#[derive(Debug, Default)]
pub struct PopObserved {
    pub keystones: Vec<KeystoneRow>,
    pub sent: Vec<PopTxRow>,
    pub superfinal: Vec<SuperfinalityStep>,
    pub fee_deferrals: Vec<FeeDeferralRow>,
}

/// The deposit every double-spend race pays when the attacker targets the tunnel
/// (`attack.target = "tunnel"`): what each race's payment deposits, and for whom on L2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackerDeposit {
    pub amount_sats: u64,
    pub recipient: String,
}

/// What the tunnel's participants and auditor reported (losses and payout confirmations are
/// judged on the final chain afterwards).
#[derive(Debug, Default)]
pub struct TunnelObserved {
    pub operations: Vec<TunnelOpRow>,
    pub ledger: Vec<TunnelLedgerRow>,
    pub violations: Vec<TunnelViolationRow>,
}

#[derive(Debug)]
pub struct Recorded {
    pub blocks: Vec<BlockRow>,
    pub reorgs: Vec<ReorgRow>,
    pub trials: Vec<TrialRow>,
    pub trace_hash: String,
    pub events: u64,
    pub l2_blocks: Vec<L2BlockRow>,
    pub pop: PopObserved,
    pub tunnel: TunnelObserved,
}

#[derive(Debug)]
pub struct Recorder {
    pub trace: Trace,
    /// Found blocks, with their hash kept typed for the main-chain judgement at the end.
    blocks: Vec<(BlockHash, BlockRow)>,
    reorgs: Vec<ReorgRow>,
    /// Races, with the conflict's txid kept typed for the outcome judged at the end.
    trials: Vec<(TrialRow, Txid, Option<TrialEnd>)>,
    l2_blocks: Vec<L2BlockRow>,
    pop: PopObserved,
    tunnel: TunnelObserved,
    /// Set when the attacker's payments are tunnel deposits.
    attacker_deposit: Option<AttackerDeposit>,
    /// The txids of those payments, to mark the rows of their mints, unwinds and restores.
    attacker_payments: BTreeSet<String>,
    pub events: u64,
    progress_us: Option<Arc<AtomicU64>>,
}

impl Recorder {
    pub fn new(trace: Trace, progress_us: Option<Arc<AtomicU64>>) -> Self {
        Recorder {
            trace,
            blocks: Vec::new(),
            reorgs: Vec::new(),
            trials: Vec::new(),
            l2_blocks: Vec::new(),
            pop: PopObserved::default(),
            tunnel: TunnelObserved::default(),
            attacker_deposit: None,
            attacker_payments: BTreeSet::new(),
            events: 0,
            progress_us,
        }
    }

    /// Makes every race's payment also a tunnel `deposit` row (marked as the attacker's): the
    /// attacker's deposits are deposits, counted with their mint latency and losses. The rows
    /// are derived from the `TrialStarted` observations, so the trace does not change.
    pub fn with_attacker_deposits(mut self, deposit: Option<AttackerDeposit>) -> Self {
        self.attacker_deposit = deposit;
        self
    }

    /// One input handled by a peer (a timer or a delivered message).
    pub fn count_event(&mut self, at: SimTime) {
        self.events += 1;
        if let Some(p) = &self.progress_us {
            p.store(at.as_us(), Ordering::Relaxed);
        }
    }

    pub fn observe(&mut self, at: SimTime, peer: &str, observation: Observation) {
        self.trace.record(at, peer, &observation);
        match observation {
            Observation::BlockFound { hash, parent, height, tx_count, weight, fees, .. } => {
                let row = BlockRow {
                    height: height.0,
                    hash: hash.to_string(),
                    parent_hash: parent.to_string(),
                    miner: peer.to_owned(),
                    found_at_us: at.as_us(),
                    main_chain: false,
                    tx_count,
                    weight,
                    fees_sats: fees.to_sat(),
                };
                self.blocks.push((hash, row))
            }
            Observation::TipChanged { old_tip, old_height, new_tip, new_height, disconnected, connected }
                if peer == OBSERVER && disconnected > 0 =>
            {
                self.reorgs.push(ReorgRow {
                    at_us: at.as_us(),
                    depth: disconnected,
                    connected,
                    old_tip: old_tip.to_string(),
                    old_height: old_height.0,
                    new_tip: new_tip.to_string(),
                    new_height: new_height.0,
                })
            }
            Observation::TrialStarted { payment_txid, conflict_txid } if peer == ATTACKER => {
                let payment_txid = payment_txid.to_string();
                self.record_attacker_deposit(at.as_us(), &payment_txid);
                self.trials.push((
                    TrialRow {
                        started_at_us: at.as_us(),
                        payment_txid,
                        conflict_txid: conflict_txid.to_string(),
                        ended_at_us: None,
                        outcome: TrialOutcome::Unfinished,
                    },
                    conflict_txid,
                    None,
                ))
            }
            Observation::TrialEnded { how, .. } if peer == ATTACKER => {
                if let Some((row, _, end)) = self.trials.last_mut() {
                    row.ended_at_us = Some(at.as_us());
                    *end = Some(how);
                }
            }
            Observation::L2BlockProduced {
                number,
                hash,
                state_root,
                tx_count,
                gas_used,
                btc_tip_height,
                btc_headers,
                backlog,
                latency_mean_us,
                latency_max_us,
            } => self.l2_blocks.push(L2BlockRow {
                number: number.0,
                hash: hash.to_string(),
                state_root: state_root.to_string(),
                produced_at_us: at.as_us(),
                tx_count,
                gas_used,
                btc_tip_height: btc_tip_height.0,
                btc_headers_ingested: btc_headers,
                backlog,
                latency_mean_us,
                latency_max_us,
            }),
            other => self.observe_pop(at, peer, other),
        }
    }

    /// A race started: its payment, broadcast now, is a deposit when the attacker pays the tunnel.
    fn record_attacker_deposit(&mut self, at_us: u64, payment_txid: &str) {
        let Some(deposit) = &self.attacker_deposit else { return };
        self.attacker_payments.insert(payment_txid.to_owned());
        self.tunnel.operations.push(TunnelOpRow {
            txid: Some(payment_txid.to_owned()),
            account: Some(deposit.recipient.clone()),
            amount_sats: deposit.amount_sats,
            attacker: true,
            ..empty_op(at_us, TunnelOpKind::Deposit)
        });
    }

    fn observe_pop(&mut self, at: SimTime, peer: &str, observation: Observation) {
        let at_us = at.as_us();
        let pop = &mut self.pop;
        match observation {
            Observation::KeystoneMade { l2_number, keystone, l2_block } => pop.keystones.push(KeystoneRow {
                l2_number: l2_number.0,
                hash: keystone.to_string(),
                l2_block_hash: l2_block.to_string(),
                made_at_us: at_us,
            }),
            Observation::PopTxSent { keystone, l2_number, txid, fee, vsize, fee_rate } => pop.sent.push(PopTxRow {
                sent_at_us: at_us,
                miner: peer.to_owned(),
                keystone_hash: keystone.to_string(),
                l2_number: l2_number.0,
                txid: txid.to_string(),
                fee_sats: fee.to_sat(),
                vsize,
                fee_rate_sat_per_vb: fee_rate.sat_per_vb(),
            }),
            Observation::PopFeeOverCap { l2_number, estimate } => pop.fee_deferrals.push(FeeDeferralRow {
                at_us,
                miner: peer.to_owned(),
                l2_number: l2_number.0,
                estimate_sat_per_vb: estimate.sat_per_vb(),
            }),
            Observation::Superfinal { l2_number, keystone, published_height, tip_height } if peer == OBSERVER => {
                pop.superfinal.push(SuperfinalityStep {
                    at_us,
                    l2_number: l2_number.0,
                    keystone_hash: keystone.to_string(),
                    published_height: published_height.0,
                    tip_height: tip_height.0,
                })
            }
            other => self.observe_tunnel(at_us, other),
        }
    }

    fn observe_tunnel(&mut self, at_us: u64, observation: Observation) {
        let row = |kind| empty_op(at_us, kind);
        let tunnel = &mut self.tunnel;
        let op = match observation {
            Observation::DepositSent { txid, amount, recipient, treasury } => TunnelOpRow {
                txid: Some(txid.to_string()),
                account: Some(recipient.to_string()),
                amount_sats: amount.to_sat(),
                flag: treasury,
                ..row(TunnelOpKind::Deposit)
            },
            Observation::TunnelMinted { l2_number, txid, vout, recipient, amount, btc_height } => TunnelOpRow {
                txid: Some(txid.to_string()),
                vout: Some(vout),
                l2_number: Some(l2_number.0),
                account: Some(recipient.to_string()),
                amount_sats: amount.to_sat(),
                btc_height: Some(btc_height.0),
                ..row(TunnelOpKind::Mint)
            },
            Observation::WithdrawalRequested { from, amount, treasury } => TunnelOpRow {
                account: Some(from.to_string()),
                amount_sats: amount.to_sat(),
                flag: treasury,
                ..row(TunnelOpKind::WithdrawalRequest)
            },
            Observation::TunnelBurned { l2_number, id, from, amount } => TunnelOpRow {
                l2_number: Some(l2_number.0),
                withdrawal_id: Some(id),
                account: Some(from.to_string()),
                amount_sats: amount.to_sat(),
                ..row(TunnelOpKind::Burn)
            },
            Observation::PayoutSent { id, l2_number, txid, amount, fee, superfinal } => TunnelOpRow {
                txid: Some(txid.to_string()),
                l2_number: Some(l2_number.0),
                withdrawal_id: Some(id),
                amount_sats: amount.to_sat(),
                fee_sats: Some(fee.to_sat()),
                flag: superfinal,
                ..row(TunnelOpKind::Payout)
            },
            Observation::WithdrawalOverdue { id, l2_number, age_s } => TunnelOpRow {
                l2_number: Some(l2_number.0),
                withdrawal_id: Some(id),
                age_s: Some(age_s),
                ..row(TunnelOpKind::Overdue)
            },
            Observation::DepositUnwound { txid, vout, amount, l2_number } => TunnelOpRow {
                txid: Some(txid.to_string()),
                vout: Some(vout),
                l2_number: Some(l2_number.0),
                amount_sats: amount.to_sat(),
                ..row(TunnelOpKind::Unwound)
            },
            Observation::DepositRestored { txid, vout, amount } => TunnelOpRow {
                txid: Some(txid.to_string()),
                vout: Some(vout),
                amount_sats: amount.to_sat(),
                ..row(TunnelOpKind::Restored)
            },
            Observation::TunnelLedger { l2_number, locked, minted, burned, pending, unminted, unbacked, other } => {
                tunnel.ledger.push(TunnelLedgerRow {
                    at_us,
                    l2_number: l2_number.0,
                    locked_sats: locked.to_sat(),
                    minted_sats: minted.to_sat(),
                    burned_sats: burned.to_sat(),
                    pending_sats: pending.to_sat(),
                    unminted_sats: unminted.to_sat(),
                    unbacked_sats: unbacked.to_sat(),
                    other_sats: other.to_sat(),
                });
                return;
            }
            Observation::TunnelViolation { l2_number, what } => {
                tunnel.violations.push(TunnelViolationRow { at_us, l2_number: l2_number.0, what });
                return;
            }
            _ => return,
        };
        let attacker = matches!(op.kind, TunnelOpKind::Mint | TunnelOpKind::Unwound | TunnelOpKind::Restored)
            && op.txid.as_ref().is_some_and(|t| self.attacker_payments.contains(t));
        tunnel.operations.push(TunnelOpRow { attacker, ..op });
    }

    /// Blocks with their main-chain flag and trials with their outcome, judged on the
    /// observer's final chain; and the trace hash (writing the trace file into place).
    pub fn finish(self, observer: &BitcoinNode) -> std::io::Result<Recorded> {
        let trace_hash = self.trace.finish()?;
        let trials = self.trials;
        let blocks = self
            .blocks
            .into_iter()
            .map(|(hash, row)| BlockRow { main_chain: observer.is_active(&hash), ..row })
            .collect();
        let confirmed = if trials.is_empty() { HashSet::new() } else { main_chain_txids(observer) };
        let trials = trials
            .into_iter()
            .map(|(mut row, conflict, end)| {
                let reversed = confirmed.contains(&conflict);
                row.outcome = match (end, reversed) {
                    (Some(TrialEnd::Aborted), _) | (None, false) => TrialOutcome::Unfinished,
                    (_, true) => TrialOutcome::Success,
                    (Some(_), false) => TrialOutcome::Failure,
                };
                row
            })
            .collect();
        Ok(Recorded {
            blocks,
            reorgs: self.reorgs,
            trials,
            trace_hash,
            events: self.events,
            l2_blocks: self.l2_blocks,
            pop: self.pop,
            tunnel: self.tunnel,
        })
    }
}

/// A tunnel operation of `kind` at `at_us` with every optional field empty.
fn empty_op(at_us: u64, kind: TunnelOpKind) -> TunnelOpRow {
    TunnelOpRow {
        at_us,
        kind,
        txid: None,
        vout: None,
        l2_number: None,
        withdrawal_id: None,
        account: None,
        amount_sats: 0,
        fee_sats: None,
        btc_height: None,
        flag: false,
        age_s: None,
        confirmed_at_us: None,
        attacker: false,
    }
}

fn main_chain_txids(node: &BitcoinNode) -> HashSet<Txid> {
    node.active_chain().iter().filter_map(|h| node.block(h)).flat_map(|b| b.txs().iter().map(|tx| tx.txid())).collect()
}
