//! Hand-made BTC tunnel records for the tests (re-exported by [`crate::testutil`]).

use crate::record::*;
use crate::testutil::{hash, l2_run};

const S: u64 = 1_000_000;

/// `op` at `at_s`.
fn at(at_s: u64, op: Operation) -> TunnelOp {
    TunnelOp { at_us: at_s * S, op }
}

/// A ledger row at `at_s`: `(l2, locked, minted, burned, pending, unminted, unbacked, other)`.
fn ledger(at_s: u64, v: [u64; 8]) -> TunnelLedgerRow {
    let [l2_number, locked_sats, minted_sats, burned_sats, pending_sats, unminted_sats] =
        [v[0], v[1], v[2], v[3], v[4], v[5]];
    TunnelLedgerRow {
        at_us: at_s * S,
        l2_number,
        locked_sats,
        minted_sats,
        burned_sats,
        pending_sats,
        unminted_sats,
        unbacked_sats: v[6],
        other_sats: v[7],
        lost_payout_sats: 0,
    }
}

/// A BTC tunnel run whose every derived number is checked by hand: [`l2_run`] without blocks,
/// 3 h long (10,800 s), policy `immediate`, 6 deposit confirmations, indexer lag 2, grace 900 s.
/// Deposit txids are `hash(0xd001..)`, payout txids `hash(0xe001..)`; times in s:
///
/// | at | kind | what |
/// |---|---|---|
/// | 100 | deposit | A, 50,000,000 sat to `0xaa`, treasury (flag) |
/// | 200 | deposit | B, 20,000,000 sat to `0xbb` |
/// | 3700 | mint | A (vout 0) in L2 block 308, Bitcoin height 108: mint latency 3600 s |
/// | 4300 | mint | B (vout 1) in L2 block 358, height 109: 4100 s |
/// | 5000 | deposit | C, 10,000,000 sat, never minted (no latency) |
/// | 5200 | withdrawal-request | `0xaa`, 30,000,000 sat, treasury |
/// | 5212 | burn | id 1, L2 block 434, 30,000,000 |
/// | 5400 | withdrawal-request | `0xbb`, 5,000,000 |
/// | 5412 | burn | id 2, L2 block 451, 5,000,000 |
/// | 5500 | payout | id 2, not superfinal (exposed), fee 1,000, confirmed at 6000 s |
/// | 6000 | unwound | B leaves the main chain: a loss of 20,000,000 |
/// | 7012 | payout | id 1, superfinal, fee 1,500, never confirmed (a reorg took it) |
/// | 7800 | payout | id 1 again (re-payment), superfinal, confirmed at 8400 s |
/// | 9000 | burn | id 3, L2 block 749, 10,000,000 (never paid) |
/// | 10000 | overdue | id 3, 1000 s after its burn |
///
/// Totals: 3 deposits, 2 mints (70,000,000 sat), 3 withdrawals (45,000,000), 3 payouts, 2
/// confirmed (35,000,000 paid out), 1 before superfinality (5,000,000 exposed), 1 overdue, 1
/// unwound event, 1 loss (20,000,000). Id 1 was first paid 1800 s after its burn and settled
/// after 3188 s, id 2 after 88 and 588 s. Mint latency mean 3850 s, p50 3600, p95 4100; payout
/// mean 944, p50 88, p95 1800; settlement mean 1888, p50 588, p95 3188. Nine balanced ledger
/// rows; the last: locked 16,000,000 (1,000,000 of it `other`), pending 10,000,000, unbacked
/// 20,000,000 (the maximum).
pub fn tunnel_run(seed: u64) -> RunRecord {
    use Operation::*;
    let mut record = l2_run(seed, &[]);
    record.meta.sim_time_us = 10_800 * S;
    let account = |a: &str| a.to_string();
    let deposit = |at_s, n: u64, to, amount_sats, treasury| {
        let txid = hash(0xd000 + n);
        at(at_s, Deposit { txid, recipient: account(to), amount_sats, treasury, attacker: false })
    };
    let mint = |at_s, n: u64, l2_number, btc_height, to, amount_sats| {
        let (txid, vout) = (hash(0xd000 + n), (n - 1) as u32);
        at(at_s, Mint { txid, vout, l2_number, recipient: account(to), amount_sats, btc_height, attacker: false })
    };
    let request =
        |at_s, from, amount_sats, treasury| at(at_s, WithdrawalRequest { from: account(from), amount_sats, treasury });
    let burn =
        |at_s, id, l2_number, from, amount_sats| at(at_s, Burn { l2_number, id, from: account(from), amount_sats });
    let payout = |at_s, n: u64, id, l2_number, amount_sats, fee_sats, superfinal, confirmed_s: Option<u64>| {
        let (txid, confirmed_at_us) = (hash(0xe000 + n), confirmed_s.map(|s| s * S));
        at(at_s, Payout { txid, l2_number, id, amount_sats, fee_sats, superfinal, confirmed_at_us })
    };
    let operations = vec![
        deposit(100, 1, "0xaa", 50_000_000, true),
        deposit(200, 2, "0xbb", 20_000_000, false),
        mint(3700, 1, 308, 108, "0xaa", 50_000_000),
        mint(4300, 2, 358, 109, "0xbb", 20_000_000),
        deposit(5000, 3, "0xcc", 10_000_000, false),
        request(5200, "0xaa", 30_000_000, true),
        burn(5212, 1, 434, "0xaa", 30_000_000),
        request(5400, "0xbb", 5_000_000, false),
        burn(5412, 2, 451, "0xbb", 5_000_000),
        payout(5500, 2, 2, 451, 5_000_000, 1_000, false, Some(6000)),
        at(6000, Unwound { txid: hash(0xd002), vout: 1, l2_number: 358, amount_sats: 20_000_000, attacker: false }),
        payout(7012, 1, 1, 434, 30_000_000, 1_500, true, None),
        payout(7800, 3, 1, 434, 30_000_000, 1_500, true, Some(8400)),
        burn(9000, 3, 749, "0xaa", 10_000_000),
        at(10_000, Overdue { l2_number: 749, id: 3, age_s: 1000 }),
    ];
    const M: u64 = 1_000_000;
    // (l2, locked, minted, burned, pending, unminted, unbacked, other), in sat.
    let ledger = vec![
        ledger(300, [25, 70 * M, 0, 0, 0, 70 * M, 0, 0]),
        ledger(3700, [308, 70 * M, 50 * M, 0, 0, 20 * M, 0, 0]),
        ledger(4300, [358, 70 * M, 70 * M, 0, 0, 0, 0, 0]),
        ledger(5212, [434, 70 * M, 70 * M, 30 * M, 30 * M, 0, 0, 0]),
        ledger(5412, [451, 70 * M, 70 * M, 35 * M, 35 * M, 0, 0, 0]),
        ledger(6000, [500, 45 * M, 70 * M, 35 * M, 30 * M, 0, 20 * M, 0]),
        ledger(8400, [700, 16 * M, 70 * M, 35 * M, 0, 0, 20 * M, M]),
        ledger(9000, [749, 16 * M, 70 * M, 45 * M, 10 * M, 0, 20 * M, M]),
        ledger(10_800, [900, 16 * M, 70 * M, 45 * M, 10 * M, 0, 20 * M, M]),
    ];
    record.tunnel = Some(TunnelRecord {
        deposit_confirmations: 6,
        indexer_lag: 2,
        payout_policy: "immediate".to_string(),
        grace_period_s: 900.0,
        operations,
        ledger,
        losses: vec![TunnelLossRow {
            txid: hash(0xd002),
            vout: 1,
            amount_sats: 20_000_000,
            l2_number: 358,
            minted_at_us: 4300 * S,
            unwound_at_us: 6000 * S,
        }],
        lost_payouts: Vec::new(),
        violations: Vec::new(),
    });
    record
}

/// A realistic tunnel for the figure: `hours` of 12 s L2 blocks (a ledger row each), a deposit
/// of 0.05 to 2 BTC every ~20 min minted 8 Bitcoin blocks (Exp(600 s) each) later, a withdrawal
/// of half a deposit every ~30 min paid out after a superfinality wait of 25 to 60 min and
/// confirmed ~10 min later, and, 60% into the run, a reorg that unwinds the last minted deposit.
/// Randomness from a fixed linear congruential generator.
pub fn synthetic_tunnel_run(seed: u64, hours: u64) -> RunRecord {
    use Operation::*;
    let mut state = seed.wrapping_mul(0x2545_f491_4f6c_dd1d).wrapping_add(7);
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let exp = |mean_s: f64, u: f64| (-libm::log(u) * mean_s * 1e6) as u64;
    let end_us = hours * 3_600 * S;
    let mut ops: Vec<TunnelOp> = Vec::new();
    let mut push = |at_us, op| ops.push(TunnelOp { at_us, op });
    let mut t = 0;
    for n in 0.. {
        t += exp(1_200.0, uniform());
        if t >= end_us {
            break;
        }
        let amount_sats = 5_000_000 + (uniform() * 195_000_000.0) as u64;
        let (txid, recipient) = (hash(0xd000_0000 + n), String::new());
        push(
            t,
            Deposit { txid: txid.clone(), recipient: recipient.clone(), amount_sats, treasury: false, attacker: false },
        );
        let wait: u64 = (0..8).map(|_| exp(600.0, uniform())).sum();
        let (vout, l2_number, btc_height, attacker) = (0, 0, 0, false);
        push(t + wait, Mint { txid, vout, l2_number, recipient, amount_sats, btc_height, attacker });
        if uniform() < 0.6 {
            let (burn_at, amount_sats) = (t + wait + exp(1_800.0, uniform()), amount_sats / 2);
            push(burn_at, Burn { l2_number, id: n, from: String::new(), amount_sats });
            let paid_at = burn_at + ((25.0 + 35.0 * uniform()) * 60e6) as u64;
            let confirmed = paid_at + exp(600.0, uniform());
            let confirmed_at_us = (confirmed < end_us).then_some(confirmed);
            let txid = hash(0xe000_0000 + n);
            push(
                paid_at,
                Payout { txid, l2_number, id: n, amount_sats, fee_sats: 0, superfinal: true, confirmed_at_us },
            );
        }
    }
    ops.retain(|o| o.at_us < end_us);
    ops.sort_by_key(|o| o.at_us);
    let reorg_at = end_us * 3 / 5;
    let unwound = ops.iter().rev().filter(|o| o.at_us < reorg_at).find_map(|o| match &o.op {
        Mint { txid, vout, l2_number, amount_sats, .. } => {
            let (txid, vout, l2_number, amount_sats) = (txid.clone(), *vout, *l2_number, *amount_sats);
            Some(TunnelOp { at_us: reorg_at, op: Unwound { txid, vout, l2_number, amount_sats, attacker: false } })
        }
        _ => None,
    });
    let lost = unwound.as_ref().map_or(0, |u| u.op.amount_sats());
    ops.extend(unwound);
    ops.sort_by_key(|o| o.at_us);
    let mut record = l2_run(seed, &[]);
    record.meta.sim_time_us = end_us;
    let mut ledger = Vec::new();
    let mut next = 0;
    let mut row = TunnelLedgerRow {
        at_us: 0,
        l2_number: 0,
        locked_sats: 0,
        minted_sats: 0,
        burned_sats: 0,
        pending_sats: 0,
        unminted_sats: 0,
        unbacked_sats: 0,
        other_sats: 0,
        lost_payout_sats: 0,
    };
    for number in 1..=end_us / (12 * S) {
        row.at_us = number * 12 * S;
        row.l2_number = number;
        while let Some(op) = ops.get(next).filter(|o| o.at_us <= row.at_us) {
            let a = op.op.amount_sats();
            match op.op {
                Deposit { .. } => (row.locked_sats, row.unminted_sats) = (row.locked_sats + a, row.unminted_sats + a),
                Mint { .. } => (row.minted_sats, row.unminted_sats) = (row.minted_sats + a, row.unminted_sats - a),
                Burn { .. } => (row.burned_sats, row.pending_sats) = (row.burned_sats + a, row.pending_sats + a),
                Payout { .. } => (row.locked_sats, row.pending_sats) = (row.locked_sats - a, row.pending_sats - a),
                Unwound { .. } => {
                    (row.locked_sats, row.unbacked_sats) = (row.locked_sats - a, row.unbacked_sats + lost)
                }
                _ => {}
            }
            next += 1;
        }
        ledger.push(row);
    }
    record.tunnel = Some(TunnelRecord {
        deposit_confirmations: 6,
        indexer_lag: 2,
        payout_policy: "superfinal".to_string(),
        grace_period_s: 43_200.0,
        operations: ops,
        ledger,
        losses: Vec::new(),
        lost_payouts: Vec::new(),
        violations: Vec::new(),
    });
    record
}
