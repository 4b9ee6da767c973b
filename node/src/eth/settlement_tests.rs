//! The batcher and derivation end to end: a sequencer's blocks go through the batcher into the
//! blocks of a mini L1, and a verifier's derivation must reproduce every one, in order, with a
//! safe lag explained by the batcher's interval and L1 inclusion; with the batcher off, the
//! sequencing window forces deposit-only blocks that reorg the sequencer's.

use super::batcher::{Batcher, BatcherConfig, BatcherSubmission, CloseReason};
use super::consolidation::{Consolidation, Mismatch, UnsafeBlockContent, consolidate};
use super::derivation::{Derivation, DerivationConfig, DerivedAttributes};
use super::params::EthParams;
use super::test_l1::{MiniL1, MiniSequencer, SequencedBlock, derive_all, execute, l2_genesis};
use super::types::BatcherTx;
use crate::time::{SimDuration, SimTime};
use crate::units::L1Number;

/// One run's settings. Every period is a multiple of the 2 s step.
#[derive(Debug, Clone, Copy)]
struct Setup {
    slot_s: u64,
    l2_block_time_s: u64,
    interval_s: u64,
    seq_window_blocks: u64,
    /// Every n-th slot has no block (0: none missed).
    miss_every: u64,
    /// The batcher posts nothing during `[start, end)` seconds.
    outage: Option<(u64, u64)>,
    duration_s: u64,
}

const STEP_S: u64 = 2;
/// op-batcher's default `poll-interval`.
const POLL_S: u64 = 6;
const CONFS: u64 = 4;

impl Setup {
    fn hemi() -> Setup {
        Setup {
            slot_s: 12,
            l2_block_time_s: 12,
            interval_s: 60,
            seq_window_blocks: 3600,
            miss_every: 0,
            outage: None,
            duration_s: 7_200,
        }
    }

    fn params(&self) -> EthParams {
        EthParams {
            seq_window_blocks: self.seq_window_blocks,
            batcher_interval: SimDuration::from_secs(self.interval_s),
            ..EthParams::default()
        }
    }
}

/// A derived block and when (simulated seconds) the verifier derived it.
#[derive(Debug)]
struct Derived {
    attributes: DerivedAttributes,
    at_s: u64,
}

#[derive(Debug)]
struct Run {
    l1: MiniL1,
    produced: Vec<SequencedBlock>,
    derived: Vec<Derived>,
    submissions: Vec<BatcherSubmission>,
    derivation: Derivation,
}

/// Each 2 s step: the slot's L1 block (with the batcher transactions posted since the last one,
/// and a portal deposit in every fourth) and its derivation; the sequencer's block; the
/// batcher's poll.
fn run(setup: Setup) -> Run {
    let params = setup.params();
    let mut l1 = MiniL1::new(setup.slot_s);
    let genesis = l2_genesis(&l1);
    let mut sequencer = MiniSequencer::new(genesis, setup.l2_block_time_s, CONFS, 3);
    let mut batcher = Batcher::new(BatcherConfig::new(&params), &genesis);
    let mut derivation = Derivation::new(DerivationConfig::new(&params, setup.l2_block_time_s), genesis);
    let (mut mempool, mut produced, mut derived, mut submissions) = (Vec::<BatcherTx>::new(), vec![], vec![], vec![]);
    for t in (STEP_S..=setup.duration_s).step_by(STEP_S as usize) {
        let now = SimTime::ZERO + SimDuration::from_secs(t);
        if t.is_multiple_of(setup.slot_s) {
            let slot = t / setup.slot_s;
            if setup.miss_every > 0 && slot.is_multiple_of(setup.miss_every) {
                l1.miss_slot();
            } else {
                let block = l1.mine(std::mem::take(&mut mempool), u32::from(slot.is_multiple_of(4))).clone();
                derivation.on_l1_block(&block);
                derived
                    .extend(derive_all(&mut derivation).into_iter().map(|attributes| Derived { attributes, at_s: t }));
            }
        }
        if t.is_multiple_of(setup.l2_block_time_s) {
            let block = sequencer.build(&l1);
            batcher.add_block(now, block.batched.clone()).expect("the sequencer builds one chain");
            produced.push(block);
        }
        if t.is_multiple_of(POLL_S) {
            batcher.set_enabled(!setup.outage.is_some_and(|(start, end)| (start..end).contains(&t)));
            for submission in batcher.poll(now, l1.head().number) {
                mempool.push(submission.tx.clone());
                submissions.push(submission);
            }
        }
    }
    Run { l1, produced, derived, submissions, derivation }
}

impl Run {
    /// Every derived block is the sequencer's block at its height (consolidation matches), and
    /// all but the last `unposted_s` seconds of blocks were derived.
    fn assert_reproduces_the_sequencer(&self, unposted_s: u64) {
        for (derived, produced) in self.derived.iter().zip(&self.produced) {
            assert!(!derived.attributes.forced);
            assert_eq!(execute(&derived.attributes), produced.block);
            assert_eq!(consolidate(&derived.attributes, &unsafe_content(produced)), Consolidation::Matches);
        }
        let last_time = self.produced.last().expect("blocks produced").block.time_s;
        let due = self.produced.iter().filter(|block| block.block.time_s + unposted_s <= last_time).count();
        assert!(self.derived.len() >= due, "derived {} of {} blocks due", self.derived.len(), due);
        let stats = self.derivation.stats();
        assert!(stats.batches_dropped.is_empty() && stats.channels.channels_timed_out == 0 && stats.forced_blocks == 0);
        assert_eq!(stats.batches_past, 0);
    }

    /// Seconds from each derived block's timestamp to its derivation.
    fn safe_lags_s(&self) -> Vec<u64> {
        self.derived.iter().map(|derived| derived.at_s - derived.attributes.timestamp_s).collect()
    }
}

fn unsafe_content(block: &SequencedBlock) -> UnsafeBlockContent<'_> {
    UnsafeBlockContent {
        parent_hash: block.batched.batch.parent_hash,
        timestamp_s: block.block.time_s,
        l1_origin: &block.block.l1_origin,
        deposits: &block.deposits,
        sequenced: &block.batched.batch.transactions,
    }
}

fn mean(values: &[u64]) -> f64 {
    values.iter().sum::<u64>() as f64 / values.len() as f64
}

#[test]
fn a_live_batcher_every_block_derived_in_order_safe_lag_is_interval_plus_inclusion() {
    let setup = Setup::hemi();
    let run = run(setup);
    run.assert_reproduces_the_sequencer(setup.interval_s + 2 * setup.slot_s);
    assert!(run.derived.len() > 500);
    // A channel opens with a block at t0 and closes at the poll at t0 + 60; the next L1 block
    // (t0 + 72) carries it. Its blocks t0, t0 + 12, ..., t0 + 60 are safe 72 ... 12 s after
    // their time: at most interval + slot, on average interval / 2 + slot.
    let lags = run.safe_lags_s();
    assert_eq!(lags.iter().max(), Some(&(setup.interval_s + setup.slot_s)));
    assert_eq!(lags.iter().min(), Some(&setup.slot_s));
    assert_eq!(mean(&lags), (setup.interval_s / 2 + setup.slot_s) as f64);
    assert!(run.submissions.iter().all(|s| s.closed_by == CloseReason::Interval && s.tx.frames.len() == 1));
    // Epochs open with their deposits: one every fourth slot, all inside derived epochs.
    let deposits: usize = run.derived.iter().map(|d| d.attributes.deposits.len()).sum();
    let last_origin = run.derived.last().expect("derived").attributes.l1_origin.number;
    assert_eq!(deposits as u64, last_origin.0 / 4);
}

#[test]
fn two_second_blocks_with_missed_slots_are_all_derived_within_interval_poll_and_two_slots() {
    let setup = Setup { l2_block_time_s: 2, miss_every: 5, ..Setup::hemi() };
    let run = run(setup);
    run.assert_reproduces_the_sequencer(setup.interval_s + 3 * setup.slot_s);
    let lags = run.safe_lags_s();
    let max = *lags.iter().max().expect("derived");
    assert!(max >= setup.interval_s + setup.slot_s, "some channel waited for a missed slot: {max}");
    assert!(max <= setup.interval_s + POLL_S + 2 * setup.slot_s, "lag {max}");
    let expected_mean = (setup.interval_s / 2 + setup.slot_s) as f64;
    assert!((mean(&lags) - expected_mean).abs() < 6.0, "mean lag {} vs {expected_mean}", mean(&lags));
}

#[test]
fn a_small_window_closes_channels_at_the_margin_and_they_land_in_time() {
    let setup = Setup { interval_s: 86_400, seq_window_blocks: 24, ..Setup::hemi() };
    let run = run(setup);
    run.assert_reproduces_the_sequencer(setup.seq_window_blocks * setup.slot_s);
    assert!(run.submissions.len() > 10);
    assert!(run.submissions.iter().all(|s| s.closed_by == CloseReason::SequencingWindow));
}

#[test]
fn a_short_outage_delays_the_safe_head_and_the_backlog_lands() {
    let setup = Setup { outage: Some((1_200, 2_400)), ..Setup::hemi() };
    let run = run(setup);
    run.assert_reproduces_the_sequencer(setup.interval_s + 2 * setup.slot_s);
    let max = *run.safe_lags_s().iter().max().expect("derived");
    assert!(max >= 1_200, "blocks of the outage waited for it to end: {max}");
    assert!(max <= 1_200 + setup.interval_s + 2 * setup.slot_s, "lag {max}");
}

#[test]
fn with_the_batcher_off_the_window_forces_deposit_only_blocks_that_reorg_the_sequencers() {
    let setup = Setup { seq_window_blocks: 24, outage: Some((0, u64::MAX)), duration_s: 12 * 24 * 4, ..Setup::hemi() };
    let run = run(setup);
    assert!(run.submissions.is_empty());
    assert!(!run.derived.is_empty() && run.derived.iter().all(|d| d.attributes.forced));
    // OP's vector with a live sequencer: the safe origin is exactly the window behind L1.
    let head = run.l1.head().number;
    assert_eq!(run.derivation.safe_head().l1_origin.number, L1Number(head.0 - setup.seq_window_blocks));
    // The first forced block replaces the sequencer's first block: forced, it adopts epoch 1 at
    // once (the genesis filled epoch 0), where the sequencer waited for 4 confirmations. Every
    // later forced block differs from the sequencer's block at its height too (their parents
    // already differ): the unsafe chain is reorged onto the forced one.
    let verdict = consolidate(&run.derived[0].attributes, &unsafe_content(&run.produced[0]));
    assert_eq!(verdict, Consolidation::Reorg(Mismatch::L1Origin));
    for (derived, produced) in run.derived.iter().zip(&run.produced).skip(1) {
        assert_eq!(consolidate(&derived.attributes, &unsafe_content(produced)), Consolidation::Reorg(Mismatch::Parent));
    }
    // Forced blocks were safe exactly when their epoch's window closed.
    for derived in &run.derived {
        let closes = derived.attributes.l1_origin.number.up(setup.seq_window_blocks);
        assert!(derived.attributes.derived_from.number >= closes);
    }
}
