//! The origin rule, first at its edges (confirmation depth, an origin from the future, the
//! drift's exact second, an L1 reorg), then driven over a seeded mock L1 with a portal deposit
//! before every slot: eager origins include a deposit `sequencer_l1_confs` blocks plus one L2
//! block after its L1 block (mean and p95 against the negative binomial law of missed slots),
//! and a sequencer that lags as far as the drift allows still includes every deposit within
//! `max_sequencer_drift_s` plus one slot.

use super::chain::L1Chain;
use super::origin::{L2HeadInfo, OriginChoice, OriginError, OriginPolicy, OriginRules, OriginViolation};
use super::params::EthParams;
use super::portal::DepositRequest;
use super::types::L1BlockRef;
use crate::rng::Stream;
use crate::time::SimTime;
use crate::units::L1Number;
use revm::primitives::{Address, B256, Bytes, U256};

const RULES: OriginRules = OriginRules { block_time_s: 12, max_sequencer_drift_s: 600, sequencer_l1_confs: 4 };

fn l1(number: u64, time_s: u64) -> L1BlockRef {
    let hash = |n: u64| B256::left_padding_from(&(n + 1).to_be_bytes());
    L1BlockRef { number: L1Number(number), hash: hash(number), parent_hash: hash(number.wrapping_sub(1)), time_s }
}

fn head(time_s: u64, origin: L1BlockRef, sequence_number: u64) -> L2HeadInfo {
    L2HeadInfo { time_s, origin, sequence_number }
}

#[test]
fn the_next_block_is_adopted_once_confirmed_deep_enough() {
    let (origin, next) = (l1(5, 60), l1(6, 72));
    let at = head(100, origin, 3);
    let stay = OriginChoice { origin, sequence_number: 4, deposits_only: false };
    assert_eq!(RULES.next_origin(OriginPolicy::Eager, &at, None, L1Number(20)), Ok(stay), "unknown: stay");
    assert_eq!(RULES.next_origin(OriginPolicy::Eager, &at, Some(&next), L1Number(9)), Ok(stay), "3 deep: stay");
    let adopted = RULES.next_origin(OriginPolicy::Eager, &at, Some(&next), L1Number(10)).expect("4 deep");
    assert_eq!(adopted, OriginChoice { origin: next, sequence_number: 0, deposits_only: false });
    assert!(adopted.opens_epoch() && !stay.opens_epoch());
}

#[test]
fn an_origin_is_never_adopted_before_its_time() {
    let (origin, next) = (l1(5, 60), l1(6, 120));
    // The next L2 block would be at 119 s, before the L1 block's 120 s.
    let early = RULES.next_origin(OriginPolicy::Eager, &head(107, origin, 0), Some(&next), L1Number(50));
    assert_eq!(early.map(|c| c.origin), Ok(origin));
    let on_time = RULES.next_origin(OriginPolicy::Eager, &head(108, origin, 0), Some(&next), L1Number(50));
    assert_eq!(on_time.map(|c| c.origin), Ok(next), "l2 time == origin time is allowed");
}

#[test]
fn the_drift_boundary_is_inclusive_to_the_second() {
    let origin = l1(5, 1_000);
    let limit = 1_000 + 600;
    assert_eq!(RULES.drift_limit_s(&origin), limit);
    // Exactly at the limit: transactions allowed, even with no next origin in sight.
    let at_limit = RULES.next_origin(OriginPolicy::Eager, &head(limit - 12, origin, 0), None, L1Number(5));
    assert_eq!(at_limit, Ok(OriginChoice { origin, sequence_number: 1, deposits_only: false }));
    // One second past it with no next origin known deep enough: op-node cannot build.
    let past = head(limit - 11, origin, 0);
    let not_ready = l1(6, limit + 100);
    assert_eq!(
        RULES.next_origin(OriginPolicy::Eager, &past, Some(&not_ready), L1Number(9)),
        Err(OriginError::NextOriginNotReady {
            l2_time_s: limit + 1,
            origin: L1Number(5),
            origin_time_s: 1_000,
            needed: L1Number(6)
        })
    );
    // Known but in the L2 block's future: stay, deposits only, to keep L2 time moving.
    let future = RULES.next_origin(OriginPolicy::Eager, &past, Some(&not_ready), L1Number(10));
    assert_eq!(future, Ok(OriginChoice { origin, sequence_number: 1, deposits_only: true }));
    // Adoptable: both policies must move on.
    let next = l1(6, limit);
    for policy in [OriginPolicy::Eager, OriginPolicy::DelayMax] {
        let moved = RULES.next_origin(policy, &past, Some(&next), L1Number(10));
        assert_eq!(moved, Ok(OriginChoice { origin: next, sequence_number: 0, deposits_only: false }), "{policy:?}");
    }
}

#[test]
fn built_blocks_are_checked_against_the_drift_to_the_second() {
    let origin = l1(5, 1_000);
    let limit = 1_600;
    let parent_at = |t| head(t - 12, origin, 0);
    assert_eq!(RULES.check_block(&parent_at(limit), limit, &origin, true, None), Ok(()));
    assert_eq!(
        RULES.check_block(&parent_at(limit + 1), limit + 1, &origin, true, None),
        Err(OriginViolation::PastDriftWithTransactions { l2_time_s: limit + 1, max_s: limit })
    );
    let (future, adoptable) = (l1(6, limit + 2), l1(6, limit + 1));
    assert_eq!(RULES.check_block(&parent_at(limit + 1), limit + 1, &origin, false, Some(&future)), Ok(()));
    assert_eq!(
        RULES.check_block(&parent_at(limit + 1), limit + 1, &origin, false, Some(&adoptable)),
        Err(OriginViolation::PastDriftWithoutAdopting { l2_time_s: limit + 1, next_time_s: limit + 1 })
    );
}

#[test]
fn built_blocks_keep_time_and_step_origins_one_at_a_time() {
    let parent = head(200, l1(5, 150), 0);
    let check = |time, origin: L1BlockRef| RULES.check_block(&parent, time, &origin, true, None);
    assert_eq!(check(212, l1(6, 162)), Ok(()));
    assert_eq!(check(213, l1(5, 150)), Err(OriginViolation::WrongTimestamp { expected: 212, got: 213 }));
    assert_eq!(
        check(212, l1(7, 174)),
        Err(OriginViolation::OriginJump { parent_origin: L1Number(5), origin: L1Number(7) })
    );
    assert_eq!(
        check(212, l1(4, 140)),
        Err(OriginViolation::OriginJump { parent_origin: L1Number(5), origin: L1Number(4) })
    );
    assert_eq!(check(212, l1(6, 213)), Err(OriginViolation::BeforeOrigin { l2_time_s: 212, origin_time_s: 213 }));
    let stranger = L1BlockRef { parent_hash: B256::repeat_byte(9), ..l1(6, 162) };
    assert_eq!(check(212, stranger), Err(OriginViolation::NotChildOfParentOrigin { origin: L1Number(6) }));
    assert_eq!(
        RULES.next_origin(OriginPolicy::Eager, &parent, Some(&stranger), L1Number(20)),
        Err(OriginError::L1Reorg { number: L1Number(6), origin: L1Number(5) })
    );
}

#[test]
fn delay_max_stays_until_the_drift_forces_a_move() {
    let (origin, next) = (l1(5, 1_000), l1(6, 1_012));
    let policy = OriginPolicy::DelayMax;
    let stay = RULES.next_origin(policy, &head(1_588, origin, 49), Some(&next), L1Number(100));
    assert_eq!(stay, Ok(OriginChoice { origin, sequence_number: 50, deposits_only: false }), "next block at the limit");
    let moved = RULES.next_origin(policy, &head(1_589, origin, 49), Some(&next), L1Number(100));
    assert_eq!(moved.map(|c| c.origin), Ok(next), "next block one second past it");
}

/// A deposit's way through: its L1 block, when that block became `confs` deep, and the L2 block
/// that executed it.
#[derive(Debug, Clone, Copy)]
struct Inclusion {
    l1_time_s: u64,
    /// The time of the L1 block before the deposit's.
    parent_time_s: u64,
    confirmed_at_s: u64,
    l2_time_s: u64,
}

impl Inclusion {
    fn latency_s(&self) -> u64 {
        self.l2_time_s - self.l1_time_s
    }
}

struct Setup {
    block_time_s: u64,
    drift_s: u64,
    policy: OriginPolicy,
    missed_slot_rate: f64,
    /// L2 blocks are at `l2_offset_s + k * block_time_s`.
    l2_offset_s: u64,
    duration_s: u64,
    seed: u64,
}

struct Outcome {
    inclusions: Vec<Inclusion>,
    deposits_only_blocks: u64,
    max_origin_lag_s: u64,
}

/// Runs the mock L1 (a deposit submitted before every slot that has none pending, so every
/// block carries exactly one) and a sequencer choosing origins by
/// `setup.policy`, second by second (an L1 slot before an L2 block of the same second); checks
/// every block against the rule as it is built.
fn simulate(setup: &Setup) -> Outcome {
    let params = EthParams {
        missed_slot_rate: setup.missed_slot_rate,
        max_sequencer_drift_s: setup.drift_s,
        ..EthParams::default()
    };
    let rules = OriginRules::new(&params, setup.block_time_s);
    let mut chain = L1Chain::new(&params, SimTime::ZERO);
    let mut rng = Stream::derive(setup.seed, "l1");
    let mut confirmed_at_s = vec![0u64];
    let mut head = L2HeadInfo { time_s: setup.l2_offset_s, origin: chain.latest(), sequence_number: 0 };
    let mut outcome = Outcome { inclusions: Vec::new(), deposits_only_blocks: 0, max_origin_lag_s: 0 };
    for t in 1..=setup.duration_s {
        if t == chain.next_slot_start().as_secs() {
            if chain.pending_deposits() == 0 {
                chain.submit_deposit(transfer(), SimTime::ZERO).expect("a valid deposit");
            }
            if let Some(new) = chain.on_slot(chain.next_slot_start(), &mut rng) {
                assert_eq!(new.block.deposits.len(), 1);
                confirmed_at_s.push(u64::MAX);
                if let Some(deep) = new.block.block.number.down(params.sequencer_l1_confs) {
                    confirmed_at_s[deep.0 as usize] = t;
                }
            }
        }
        if t > setup.l2_offset_s && (t - setup.l2_offset_s).is_multiple_of(setup.block_time_s) {
            let next = chain.block_ref(head.origin.number.next());
            let choice =
                rules.next_origin(setup.policy, &head, next.as_ref(), chain.latest_number()).expect("a live L1");
            let after_choice = chain.block_ref(choice.origin.number.next());
            rules
                .check_block(&head, t, &choice.origin, !choice.deposits_only, after_choice.as_ref())
                .expect("a valid block");
            if choice.opens_epoch() {
                let block = chain.block(choice.origin.number).expect("a known origin");
                let inclusion = Inclusion {
                    l1_time_s: block.block.time_s,
                    parent_time_s: head.origin.time_s,
                    confirmed_at_s: confirmed_at_s[choice.origin.number.0 as usize],
                    l2_time_s: t,
                };
                outcome.inclusions.extend(block.deposits.iter().map(|_| inclusion));
            }
            outcome.deposits_only_blocks += u64::from(choice.deposits_only);
            outcome.max_origin_lag_s = outcome.max_origin_lag_s.max(t - choice.origin.time_s);
            head = L2HeadInfo { time_s: t, origin: choice.origin, sequence_number: choice.sequence_number };
        }
    }
    outcome
}

fn transfer() -> DepositRequest {
    DepositRequest {
        l1_sender: Address::repeat_byte(1),
        sender_is_contract: false,
        to: Address::repeat_byte(2),
        mint: U256::from(1u64),
        value: U256::ZERO,
        gas_limit: 21_000,
        is_creation: false,
        data: Bytes::new(),
    }
}

#[test]
fn eager_origins_include_a_deposit_confs_blocks_and_one_l2_block_later() {
    for (block_time_s, l2_offset_s) in [(12, 0), (12, 5), (2, 0), (2, 1)] {
        let setup = Setup {
            block_time_s,
            drift_s: 1_800,
            policy: OriginPolicy::Eager,
            missed_slot_rate: 0.0,
            l2_offset_s,
            duration_s: 6 * 3_600,
            seed: 1,
        };
        let outcome = simulate(&setup);
        assert!(outcome.inclusions.len() > 1_700, "{}", outcome.inclusions.len());
        for inclusion in &outcome.inclusions {
            // The first L2 block at or after the moment the block is 4 deep, i.e. 4 slots later.
            assert_eq!(inclusion.confirmed_at_s, inclusion.l1_time_s + 4 * 12);
            let wait = (block_time_s - (inclusion.confirmed_at_s - l2_offset_s) % block_time_s) % block_time_s;
            assert_eq!(inclusion.l2_time_s, inclusion.confirmed_at_s + wait, "bt {block_time_s}, offset {l2_offset_s}");
            assert!((48..48 + block_time_s).contains(&inclusion.latency_s()));
        }
        assert_eq!(outcome.deposits_only_blocks, 0);
    }
}

/// `P(sum of 4 geometric gaps <= k slots)`: at least 4 blocks in `k` slots, each made with
/// probability `1 - m`.
fn negative_binomial_cdf(k: u64, m: f64) -> f64 {
    let p = 1.0 - m;
    let binomial = |n: u64, j: u64| (0..j).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64);
    (4..=k).map(|j| binomial(k, j) * p.powi(j as i32) * m.powi((k - j) as i32)).sum()
}

#[test]
fn eager_deposit_latency_with_missed_slots_follows_its_closed_form() {
    let m = 0.2;
    let setup = Setup {
        block_time_s: 12,
        drift_s: 1_800,
        policy: OriginPolicy::Eager,
        missed_slot_rate: m,
        l2_offset_s: 0,
        duration_s: 250_000 * 12,
        seed: 7,
    };
    let outcome = simulate(&setup);
    let latencies: Vec<f64> = outcome.inclusions.iter().map(|i| i.latency_s() as f64).collect();
    let n = latencies.len() as f64;
    assert!(n > 150_000.0, "{n}");
    for inclusion in &outcome.inclusions {
        assert_eq!(inclusion.l2_time_s, inclusion.confirmed_at_s, "L2 blocks share the slot grid: no wait");
    }
    // Latency = 12 s x (sum of 4 geometric gaps between blocks, mean 1/(1-m) slots each).
    let mean = latencies.iter().sum::<f64>() / n;
    let expected_mean = 48.0 / (1.0 - m);
    // Neighbouring deposits share 3, 2, 1 of their 4 gaps: the mean's variance is 16 gap
    // variances (4 + 2 x (3 + 2 + 1)) x 144 / n.
    let gap_variance = m / ((1.0 - m) * (1.0 - m));
    let half_width = 2.576 * (16.0 * gap_variance * 144.0 / n).sqrt();
    assert!((mean - expected_mean).abs() <= half_width, "mean {mean}, expected {expected_mean} ± {half_width}");
    // p95: the smallest whole number of slots whose probability reaches 95%.
    let p95_slots = (4..).find(|&k| negative_binomial_cdf(k, m) >= 0.95).expect("the CDF reaches 1");
    let mut sorted = latencies.clone();
    sorted.sort_by(f64::total_cmp);
    let observed_p95 = sorted[(0.95 * n) as usize - 1];
    assert_eq!(
        observed_p95,
        12.0 * p95_slots as f64,
        "p95 slots: {p95_slots}, cdf there {}",
        negative_binomial_cdf(p95_slots, m)
    );
}

#[test]
fn delay_max_lags_origins_but_never_delays_a_deposit_beyond_drift_plus_one_slot() {
    for drift_s in [600, 1_800] {
        for block_time_s in [12, 2] {
            for missed_slot_rate in [0.0, 0.1] {
                let setup = Setup {
                    block_time_s,
                    drift_s,
                    policy: OriginPolicy::DelayMax,
                    missed_slot_rate,
                    l2_offset_s: 0,
                    duration_s: 8 * drift_s,
                    seed: 3,
                };
                let outcome = simulate(&setup);
                let case = format!("drift {drift_s}, bt {block_time_s}, missed {missed_slot_rate}");
                assert!(outcome.inclusions.len() as u64 > 7 * drift_s / 12 / 2, "{case}: {}", outcome.inclusions.len());
                for inclusion in &outcome.inclusions {
                    // The origin moves to block N in the first L2 block past block N-1's drift.
                    let forced_at = inclusion.parent_time_s + drift_s + 1;
                    let first_block_from = forced_at.div_ceil(block_time_s) * block_time_s;
                    assert_eq!(inclusion.l2_time_s, first_block_from, "{case}");
                    assert!(
                        inclusion.latency_s() <= drift_s + 12,
                        "{case}: a deposit waited {} s",
                        inclusion.latency_s()
                    );
                }
                let max = outcome.inclusions.iter().map(Inclusion::latency_s).max().expect("deposits included");
                assert!(max + 12 >= drift_s, "{case}: the policy lags, the longest wait is {max} s");
                assert!(
                    outcome.max_origin_lag_s > drift_s - block_time_s && outcome.max_origin_lag_s <= drift_s,
                    "{case}"
                );
                assert_eq!(outcome.deposits_only_blocks, 0, "{case}: a lagging sequencer still never passes the drift");
            }
        }
    }
}

#[test]
fn a_halted_l1_stops_the_sequencer_one_block_past_the_drift() {
    for block_time_s in [12, 2] {
        let params = EthParams { missed_slot_rate: 1.0, max_sequencer_drift_s: 600, ..EthParams::default() };
        let rules = OriginRules::new(&params, block_time_s);
        let genesis = L1Chain::new(&params, SimTime::ZERO).latest();
        let mut head = L2HeadInfo { time_s: 0, origin: genesis, sequence_number: 0 };
        let error = loop {
            match rules.next_origin(OriginPolicy::Eager, &head, None, L1Number::ZERO) {
                Ok(choice) => {
                    assert!(!choice.deposits_only);
                    head = L2HeadInfo { time_s: head.time_s + block_time_s, origin: choice.origin, ..head };
                }
                Err(error) => break error,
            }
        };
        assert_eq!(head.time_s, 600, "bt {block_time_s}: the last block sits exactly at the drift");
        assert!(matches!(error, OriginError::NextOriginNotReady { l2_time_s, .. } if l2_time_s == 600 + block_time_s));
    }
}
