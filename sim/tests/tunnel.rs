//! The BTC tunnel end to end: the treasury's 100 BTC in and 10 BTC out; the auditor's books
//! hold across seeds, through a selfish pool's reorgs and a double-spending depositor; a shallow
//! confirmation depth loses deposits and the outputs say so; the unsafe payout policy pays
//! before anything anchors the burn.
//!
//! Every run goes through `common::run`, which fails on any safety or liveness violation
//! (conservation, double mint, payout without a burn, overdue withdrawal) with the seed and the
//! replay line.

mod common;

use common::*;
use hemisim_reports::record::{Operation, RunRecord, TrialOutcome, TunnelOp, TunnelOpKind, TunnelRecord};

fn tunnel(record: &RunRecord) -> &TunnelRecord {
    record.tunnel.as_ref().expect("the scenario has a [tunnel]")
}

fn ops(record: &RunRecord, kind: TunnelOpKind) -> Vec<&TunnelOp> {
    tunnel(record).operations.iter().filter(|o| o.op.kind() == kind).collect()
}

/// The payouts: each operation with its `superfinal` and `confirmed_at_us`.
fn payouts<'a>(record: &'a RunRecord) -> Vec<(&'a TunnelOp, bool, Option<u64>)> {
    let payout = |o: &'a TunnelOp| match o.op {
        Operation::Payout { superfinal, confirmed_at_us, .. } => Some((o, superfinal, confirmed_at_us)),
        _ => None,
    };
    tunnel(record).operations.iter().filter_map(payout).collect()
}

/// Every ledger row balances: vault side = L2 side.
fn assert_balanced(record: &RunRecord) {
    let t = tunnel(record);
    assert!(!t.ledger.is_empty(), "the auditor wrote its books (seed {})", record.meta.seed);
    for row in &t.ledger {
        let vault = row.locked_sats as i128 - row.other_sats as i128 - row.unminted_sats as i128;
        let l2 =
            row.minted_sats as i128 - row.burned_sats as i128 + row.pending_sats as i128 - row.unbacked_sats as i128;
        assert_eq!(vault, l2, "books at L2 block {} (seed {})", row.l2_number, record.meta.seed);
    }
    assert!(t.violations.is_empty(), "{:?}", t.violations);
}

#[test]
fn the_treasury_moves_100_btc_in_and_10_out() {
    let scenario = scenario("treasury", &[]);
    let record = run(&scenario, 1);
    assert_balanced(&record);
    let operations = &tunnel(&record).operations;
    let treasury_deposit = operations
        .iter()
        .find(|o| matches!(o.op, Operation::Deposit { treasury: true, .. }))
        .expect("the treasury deposits");
    assert_eq!(treasury_deposit.op.amount_sats(), 10_000_000_000);
    let mint = ops(&record, TunnelOpKind::Mint)
        .into_iter()
        .find(|o| o.op.txid() == treasury_deposit.op.txid())
        .expect("minted");
    assert_eq!(mint.op.amount_sats(), 10_000_000_000);
    let minted_after_s = (mint.at_us - treasury_deposit.at_us) as f64 / 1e6;
    // 6 real confirmations: an Erlang(6, 600 s) wait after the next block, give or take.
    assert!((1_200.0..=12_000.0).contains(&minted_after_s), "minted {minted_after_s} s after the deposit");

    let request = operations
        .iter()
        .find(|o| matches!(o.op, Operation::WithdrawalRequest { treasury: true, .. }))
        .expect("the treasury withdraws");
    let burn = ops(&record, TunnelOpKind::Burn)
        .into_iter()
        .find(|o| o.op.account() == request.op.account() && o.op.amount_sats() == 1_000_000_000)
        .expect("burned");
    let (payout, superfinal, confirmed_at_us) =
        payouts(&record).into_iter().find(|(p, ..)| p.op.withdrawal_id() == burn.op.withdrawal_id()).expect("paid");
    assert!(superfinal, "paid once the burning block was superfinal");
    assert!(confirmed_at_us.is_some(), "the payout is on the final main chain");
    let superfinal_at = record
        .pop
        .as_ref()
        .expect("pop")
        .superfinal
        .iter()
        .find(|s| s.l2_number >= burn.op.l2_number().unwrap_or(u64::MAX))
        .map(|s| s.at_us);
    // The operator judges on its own node; the observer hears of the same Bitcoin block one relay
    // delay (2 s) earlier or later.
    let relay_us = 2 * scenario.bitcoin.propagation_delay_ms * 1_000;
    assert!(
        superfinal_at.is_some_and(|at| at <= payout.at_us + relay_us),
        "never paid before the burn is superfinal: {superfinal_at:?} vs {}",
        payout.at_us
    );

    let every_payout_follows_a_burn = ops(&record, TunnelOpKind::Payout).iter().all(|p| {
        ops(&record, TunnelOpKind::Burn).iter().any(|b| {
            b.op.withdrawal_id() == p.op.withdrawal_id()
                && b.op.amount_sats() == p.op.amount_sats()
                && b.at_us <= p.at_us
        })
    });
    assert!(every_payout_follows_a_burn);
    assert!(tunnel(&record).losses.is_empty());
}

#[test]
fn the_books_balance_across_seeds_and_through_reorgs() {
    // A busy tunnel for 8 hours under a selfish pool (a third of the hash rate, gamma 0.5): many
    // Bitcoin reorgs, which deposits, mints and payouts must all survive.
    let sets = [
        "duration_s=28800",
        "tunnel.deposit_rate_per_s=0.01",
        "tunnel.withdraw_rate_per_s=0.005",
        "tunnel.payout_policy=immediate",
        "workload.tx_rate_per_s=0.2",
    ];
    let mut reorgs = 0;
    let mut payouts = 0;
    for seed in 1..=6 {
        let mut scenario = scenario("treasury", &sets);
        scenario.attack = scenario::selfish_pool();
        let record = run(&scenario, seed);
        assert_balanced(&record);
        reorgs += record.btc.reorgs.len();
        payouts += ops(&record, TunnelOpKind::Payout).len();
    }
    assert!(reorgs >= 6, "the selfish pool reorged the chain ({reorgs} reorgs)");
    assert!(payouts >= 60, "payouts were made through the reorgs ({payouts})");
}

#[test]
fn a_shallow_confirmation_depth_loses_deposits_and_the_outputs_report_it() {
    // A 30% attacker against a mint after 1 indexed confirmation (3 real ones, and the attacker
    // waits a 4th): about a quarter of its races win.
    let sets = ["duration_s=604800", "attack.hashrate_share=0.3", "tunnel.deposit_confirmations=1"];
    let record = run(&scenario("tunnel-reorg", &sets), 3);
    assert_balanced(&record);
    let t = tunnel(&record);
    assert!(!t.losses.is_empty(), "a 30% attacker wins some races at depth 1");
    println!("{} losses, {} sats", t.losses.len(), t.losses.iter().map(|l| l.amount_sats).sum::<u64>());
    let unwound = ops(&record, TunnelOpKind::Unwound).len();
    assert!(unwound >= t.losses.len(), "every loss was seen leaving the chain");
    for loss in &t.losses {
        let mint = ops(&record, TunnelOpKind::Mint)
            .into_iter()
            .find(|m| m.op.txid() == Some(loss.txid.as_str()))
            .expect("a loss was minted");
        assert_eq!(mint.op.amount_sats(), loss.amount_sats);
        assert!(loss.unwound_at_us > loss.minted_at_us, "unwound after its mint");
    }
    // Each loss is a race the attacker won (its conflicting spend is on the final main chain): the
    // tunnel's losses are the double-spend race's successes, whose rate validation.rs checks
    // against the closed form.
    let won =
        record.attack.as_ref().expect("attack").trials.iter().filter(|r| r.outcome == TrialOutcome::Success).count();
    assert_eq!(t.losses.len(), won, "one loss per race won");
    let last = t.ledger.last().expect("books");
    let lost: u64 = t.losses.iter().map(|l| l.amount_sats).sum();
    assert_eq!(last.unbacked_sats, lost, "the books end with the losses unbacked");
}

#[test]
fn the_immediate_policy_pays_before_the_burn_is_anchored() {
    let record = run(&scenario("treasury", &["duration_s=21600", "tunnel.payout_policy=immediate"]), 2);
    assert_balanced(&record);
    let payouts = payouts(&record);
    assert!(!payouts.is_empty());
    assert!(
        payouts.iter().all(|(_, superfinal, _)| !superfinal),
        "every payout went out before its burn was superfinal"
    );
    for (payout, ..) in payouts {
        let burn = ops(&record, TunnelOpKind::Burn)
            .into_iter()
            .find(|b| b.op.withdrawal_id() == payout.op.withdrawal_id())
            .expect("burned");
        assert!(payout.at_us - burn.at_us < 60_000_000, "paid within a minute of the burn");
    }
}

mod scenario {
    use hemisim::scenario::{AttackConfig, AttackKind, AttackTarget};

    /// A selfish pool with a third of the hash rate, gamma 0.5.
    pub fn selfish_pool() -> Option<AttackConfig> {
        Some(AttackConfig {
            kind: AttackKind::SelfishMining,
            hashrate_share: 0.33,
            confirmations: 6,
            give_up_deficit_blocks: 24,
            gamma: 0.5,
            target: AttackTarget::Merchant,
            at_s: 0.0,
            equivocate_blocks: 1,
            equivocate_peers: Vec::new(),
            hold_batches_s: 0.0,
            depth_l2_blocks: 100,
            publication_depth_blocks: 1,
        })
    }
}

/// Losses per race against the closed form: the tunnel attacker's race is a double-spend race
/// whose merchant waits z = deposit_confirmations + 3 blocks (the mint threshold, plus the block
/// the attacker waits past it), so its losses per race follow the overtake probability with
/// give-up (docs/validation.md §1 and §6), within a 99% Wilson interval.
#[test]
fn losses_per_race_match_the_double_spend_closed_form() {
    use hemisim_reports::stats::wilson_interval_at;
    use hemisim_reports::theory::double_spend_overtake_with_give_up;
    for (q, confirmations, seed) in [(0.3, 1u32, 61u64), (0.25, 2, 62)] {
        let sets = [
            format!("attack.hashrate_share={q}"),
            format!("tunnel.deposit_confirmations={confirmations}"),
            // Short races (give up 6 blocks behind) and 60 s L2 blocks: many races, quickly.
            "attack.give_up_deficit_blocks=6".to_owned(),
            "l2.block_time_s=60".to_owned(),
            format!("duration_s={}", 250 * 86_400),
        ];
        let record = run(&scenario("tunnel-reorg", &sets.iter().map(String::as_str).collect::<Vec<_>>()), seed);
        let races = record
            .attack
            .as_ref()
            .expect("attack")
            .trials
            .iter()
            .filter(|t| t.outcome != TrialOutcome::Unfinished)
            .count() as u64;
        let losses = tunnel(&record).losses.len() as u64;
        assert!(races >= 1_000, "too few races for the claimed precision: {races}");
        let ci = wilson_interval_at(losses, races, Z_99).expect("races happened");
        let z = confirmations + 3;
        let expected = double_spend_overtake_with_give_up(q, z, 6);
        println!(
            "tunnel losses q={q} z={z}: {losses} of {races} races, 99% CI [{:.4}, {:.4}], expected {expected:.4}",
            ci.low, ci.high
        );
        assert!(
            ci.low <= expected && expected <= ci.high,
            "expected {expected:.4} outside [{:.4}, {:.4}] (seed {seed})",
            ci.low,
            ci.high
        );
    }
}

/// Mint latency against its closed form: a deposit broadcast at a random instant waits Exp(θ)
/// for its block (memorylessness), then `deposit_confirmations + 2 - 1` more blocks, so the wait
/// to the mint threshold is Gamma(deposit_confirmations + 2, θ); the L2 block that mints adds
/// half an L2 block time and the relay delays on top. Mean and SD of each run's mint latencies
/// against that, in 99% t-intervals over independent replications (θ = 60 s so the test is
/// quick; the model is scale-free).
#[test]
fn mint_latency_is_erlang_in_the_real_confirmations() {
    let sets = [
        "duration_s=86400",
        "bitcoin.block_interval_s=60",
        "bitcoin.propagation_delay_ms=100",
        "bitcoin.background_tx_rate_per_s=0",
        "l2.block_time_s=2",
        "l2.verifiers=0",
        "tunnel.payout_policy=immediate",
        "tunnel.deposit_rate_per_s=0.02",
        "tunnel.withdraw_rate_per_s=0",
        "tunnel.treasury_btc=0",
        "tunnel.treasury_withdraw_btc=0",
    ];
    let mut scenario = scenario("treasury", &sets);
    scenario.pop = None;
    scenario.workload = None;
    let confirmations = scenario.tunnel.as_ref().expect("tunnel").deposit_confirmations;
    let (mut means, mut sds) = (Vec::new(), Vec::new());
    for record in replications(&scenario, 71, 8) {
        let deposits = ops(&record, TunnelOpKind::Deposit);
        let latencies: Vec<f64> = ops(&record, TunnelOpKind::Mint)
            .iter()
            .filter_map(|m| {
                deposits.iter().find(|d| d.op.txid() == m.op.txid()).map(|d| (m.at_us - d.at_us) as f64 / 1e6)
            })
            .collect();
        assert!(latencies.len() > 1_000, "{} mints", latencies.len());
        let n = latencies.len() as f64;
        let mean = latencies.iter().sum::<f64>() / n;
        means.push(mean);
        sds.push((latencies.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt());
    }
    let stages = f64::from(confirmations + 2);
    // Overheads: tx and block relay (0.1 s each) and waiting for the next 2 s L2 block (1 s).
    let expected_mean = stages * 60.0 + 1.2;
    let expected_sd = stages.sqrt() * 60.0;
    let (mean, low, high) = mean_ci99(&means);
    println!("mint latency mean {mean:.1} s [{low:.1}, {high:.1}], expected {expected_mean:.1}");
    assert!(low <= expected_mean && expected_mean <= high, "mean {expected_mean} outside [{low}, {high}]");
    let (sd, low, high) = mean_ci99(&sds);
    println!("mint latency sd {sd:.1} s [{low:.1}, {high:.1}], expected {expected_sd:.1}");
    assert!(low <= expected_sd && expected_sd <= high, "sd {expected_sd} outside [{low}, {high}]");
}
