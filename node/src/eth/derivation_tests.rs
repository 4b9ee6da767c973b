//! Derivation's pipeline, driven by a mini L1: OP's sequencing-window vector, Holocene's channel
//! and batch ordering, the window boundary, rejected payloads and finality.

use super::batch_check::DropReason;
use super::derivation::{Derivation, DerivationConfig, DerivedAttributes};
use super::test_l1::{MiniL1, MiniSequencer, SequencedBlock, derive_all, execute, l2_genesis};
use super::types::{BatcherTx, ChannelContent, ChannelId, DataKind, Frame, L2BlockRef, SingularBatch};
use crate::units::L1Number;
use revm::primitives::B256;
use std::sync::Arc;

fn config(seq_window_blocks: u64, l2_block_time_s: u64) -> DerivationConfig {
    DerivationConfig { l2_block_time_s, seq_window_blocks, max_sequencer_drift_s: 1800, channel_timeout_blocks: 50 }
}

/// The frames of one channel holding `batches`, numbered in order, the last one marked.
fn channel_frames(id: u8, batches: Vec<SingularBatch>, frames: u16) -> Vec<Frame> {
    let content = Arc::new(ChannelContent { batches });
    (0..frames)
        .map(|number| Frame {
            channel: ChannelId([id; 16]),
            number,
            is_last: number + 1 == frames,
            size_bytes: 1_000,
            content: Arc::clone(&content),
        })
        .collect()
}

fn tx(frames: Vec<Frame>) -> BatcherTx {
    BatcherTx { frames, data_kind: DataKind::Blob }
}

fn batches(blocks: &[SequencedBlock]) -> Vec<SingularBatch> {
    blocks.iter().map(|block| block.batched.batch.clone()).collect()
}

fn hashes(derived: &[DerivedAttributes]) -> Vec<B256> {
    derived.iter().map(|attributes| execute(attributes).hash).collect()
}

/// Mines `blocks` L1 blocks (deposits in every fifth), none with batches, and checks after each
/// that the safe head's L1 origin is exactly `h - seq_window` (OP's action test
/// `TestL2Verifier_SequenceWindow`) and that forced blocks fill every epoch to the next L1 time.
fn sequencing_window_vector(seq_window: u64, slot_s: u64, l2_block_time_s: u64, miss_every: u64, blocks: u64) {
    let mut l1 = MiniL1::new(slot_s);
    let mut derivation = Derivation::new(config(seq_window, l2_block_time_s), l2_genesis(&l1));
    let mut deposits_derived = 0;
    for h in 1..=blocks {
        if miss_every > 0 && h.is_multiple_of(miss_every) {
            l1.miss_slot();
        }
        let block = l1.mine(vec![], u32::from(h.is_multiple_of(5))).clone();
        derivation.on_l1_block(&block);
        for attributes in derive_all(&mut derivation) {
            assert!(attributes.forced && attributes.sequenced.is_empty());
            assert!(attributes.l1_origin.time_s <= attributes.timestamp_s, "L2 time never behind its origin");
            let epoch_deposits = &l1.block(attributes.l1_origin.number).expect("a mined block").deposits;
            let expected: &[_] = if attributes.first_of_epoch() { epoch_deposits } else { &[] };
            assert_eq!(attributes.deposits, expected, "deposits in the first block of their epoch only");
            deposits_derived += attributes.deposits.len();
        }
        let safe = derivation.safe_head();
        assert_eq!(safe.l1_origin.number, L1Number(h.saturating_sub(seq_window)), "after L1 block {h}");
        if h >= seq_window {
            // Forced blocks fill the epoch up to the next L1 block's time.
            let next = l1.block(safe.l1_origin.number.next()).expect("mined").block;
            assert_eq!(safe.time_s + l2_block_time_s, next.time_s.div_ceil(l2_block_time_s) * l2_block_time_s);
        }
    }
    let deposits_due = (1..=blocks - seq_window).filter(|n| n.is_multiple_of(5)).count();
    assert_eq!(deposits_derived, deposits_due, "every deposit of a forced epoch, exactly once");
    assert_eq!(derivation.stats().forced_blocks, derivation.safe_head().number.0);
}

#[test]
fn op_vector_without_batches_the_safe_origin_is_the_head_minus_the_window_at_24() {
    sequencing_window_vector(24, 12, 12, 0, 24 * 3);
    sequencing_window_vector(24, 12, 2, 0, 24 * 3);
}

#[test]
fn op_vector_holds_with_missed_slots() {
    sequencing_window_vector(24, 12, 2, 7, 24 * 4);
    sequencing_window_vector(24, 12, 12, 3, 24 * 4);
}

#[test]
fn op_vector_at_hemis_window_of_3600() {
    sequencing_window_vector(3600, 12, 12, 0, 3600 * 2 + 50);
    sequencing_window_vector(3600, 12, 2, 0, 3600 * 2 + 50);
}

#[test]
fn forced_blocks_never_skip_an_epoch_even_when_l2_time_runs_ahead_of_l1() {
    // The L2 genesis is 100 s ahead of its L1 origin (within the drift): every forced block is
    // already past the next L1 block's time, yet each epoch gets its first block, with its
    // deposits (op-node's `firstOfEpoch`), and L2 time keeps its lead.
    let seq_window = 24;
    let mut l1 = MiniL1::new(12);
    let genesis = L2BlockRef { time_s: 100, ..l2_genesis(&l1) };
    let mut derivation = Derivation::new(config(seq_window, 12), genesis);
    let mut derived = Vec::new();
    for _ in 0..seq_window * 2 {
        let block = l1.mine(vec![], 1).clone();
        derivation.on_l1_block(&block);
        derived.extend(derive_all(&mut derivation));
    }
    let epochs: Vec<u64> = derived.iter().map(|attributes| attributes.l1_origin.number.0).collect();
    assert_eq!(epochs, (1..=seq_window).collect::<Vec<_>>(), "one block per epoch, none skipped");
    assert!(derived.iter().all(|attributes| attributes.deposits.len() == 1));
    assert!(derived.iter().all(|attributes| attributes.timestamp_s == attributes.l1_origin.time_s + 100));
}

/// An L1 with `empty` empty blocks, a sequencer (12 s blocks, origin 1 deep) that built `count`
/// blocks along it, and a derivation that has read those L1 blocks.
struct World {
    l1: MiniL1,
    derivation: Derivation,
    blocks: Vec<SequencedBlock>,
}

fn world(seq_window: u64, empty: u64, count: usize) -> World {
    let mut l1 = MiniL1::new(12);
    let genesis = l2_genesis(&l1);
    let mut derivation = Derivation::new(config(seq_window, 12), genesis);
    let mut sequencer = MiniSequencer::new(genesis, 12, 1, 2);
    let mut blocks = Vec::new();
    for _ in 0..empty {
        let block = l1.mine(vec![], 1).clone();
        derivation.on_l1_block(&block);
        assert!(derive_all(&mut derivation).is_empty());
        if blocks.len() < count {
            blocks.push(sequencer.build(&l1));
        }
    }
    World { l1, derivation, blocks }
}

impl World {
    /// Mines an L1 block carrying `txs` and derives what it allows.
    fn mine(&mut self, txs: Vec<BatcherTx>) -> Vec<DerivedAttributes> {
        let block = self.l1.mine(txs, 0).clone();
        self.derivation.on_l1_block(&block);
        derive_all(&mut self.derivation)
    }

    fn hashes(&self, range: std::ops::Range<usize>) -> Vec<B256> {
        self.blocks[range].iter().map(|block| block.block.hash).collect()
    }
}

#[test]
fn batches_become_the_sequencers_blocks_with_deposits_in_each_epochs_first() {
    let mut w = world(100, 6, 5);
    let derived = w.mine(vec![tx(channel_frames(1, batches(&w.blocks), 1))]);
    assert_eq!(hashes(&derived), w.hashes(0..5));
    assert!(derived.iter().all(|attributes| !attributes.forced));
    for attributes in &derived {
        assert_eq!(attributes.deposits.len(), usize::from(attributes.first_of_epoch()));
    }
    assert_eq!(w.derivation.stats().batches_accepted, 5);
}

#[test]
fn an_invalid_batch_drops_the_rest_of_its_channel() {
    let mut w = world(100, 6, 3);
    let mut bad = w.blocks[0].batched.batch.clone();
    bad.epoch_hash = B256::repeat_byte(0xee);
    // The valid batches behind the bad one go with it.
    let flushed = [vec![bad], batches(&w.blocks)].concat();
    assert!(w.mine(vec![tx(channel_frames(1, flushed, 1))]).is_empty());
    let stats = w.derivation.stats();
    assert_eq!(stats.batches_dropped.get(&DropReason::EpochHashMismatch), Some(&1));
    assert_eq!((stats.batches_accepted, stats.channels_flushed), (0, 1));
    // The next channel is read afresh.
    assert_eq!(hashes(&w.mine(vec![tx(channel_frames(2, batches(&w.blocks), 1))])), w.hashes(0..3));
}

#[test]
fn a_future_batch_is_dropped_with_the_rest_of_its_channel() {
    let mut w = world(100, 6, 2);
    let reversed = vec![w.blocks[1].batched.batch.clone(), w.blocks[0].batched.batch.clone()];
    assert!(w.mine(vec![tx(channel_frames(1, reversed, 1))]).is_empty());
    assert_eq!(w.derivation.stats().batches_dropped.get(&DropReason::FutureTimestamp), Some(&1));
    assert_eq!(hashes(&w.mine(vec![tx(channel_frames(2, batches(&w.blocks), 1))])), w.hashes(0..2));
}

#[test]
fn a_past_batch_is_skipped_and_its_channel_read_on() {
    let mut w = world(100, 6, 3);
    let all = batches(&w.blocks);
    let with_repeat = vec![all[0].clone(), all[0].clone(), all[1].clone(), all[2].clone()];
    assert_eq!(hashes(&w.mine(vec![tx(channel_frames(1, with_repeat, 1))])), w.hashes(0..3));
    assert_eq!(w.derivation.stats().batches_past, 1);
}

#[test]
fn a_batch_on_another_parent_is_dropped() {
    let mut w = world(100, 6, 2);
    let mut orphan = w.blocks[0].batched.batch.clone();
    orphan.parent_hash = B256::repeat_byte(0x01);
    assert!(w.mine(vec![tx(channel_frames(1, vec![orphan], 1))]).is_empty());
    assert_eq!(w.derivation.stats().batches_dropped.get(&DropReason::ParentMismatch), Some(&1));
}

#[test]
fn a_channel_split_over_blocks_is_read_when_its_last_frame_lands() {
    let mut w = world(100, 6, 2);
    let frames = channel_frames(1, batches(&w.blocks), 3);
    assert!(w.mine(vec![tx(frames[..2].to_vec())]).is_empty());
    let derived = w.mine(vec![tx(frames[2..].to_vec())]);
    assert_eq!(hashes(&derived), w.hashes(0..2));
    assert_eq!(derived[0].derived_from, w.l1.head(), "safe from the block of the last frame");
}

#[test]
fn a_channel_completed_after_its_timeout_is_dropped() {
    for (gap, expect_derived) in [(50, true), (51, false)] {
        let mut w = world(3600, 6, 2);
        let frames = channel_frames(1, batches(&w.blocks), 2);
        w.mine(vec![tx(frames[..1].to_vec())]);
        for _ in 1..gap {
            assert!(w.mine(vec![]).is_empty());
        }
        let derived = w.mine(vec![tx(frames[1..].to_vec())]);
        assert_eq!(!derived.is_empty(), expect_derived, "last frame {gap} blocks after the first");
        assert_eq!(w.derivation.stats().channels.channels_timed_out, u64::from(!expect_derived));
    }
}

#[test]
fn frames_out_of_order_or_superseded_yield_nothing() {
    let mut w = world(100, 6, 2);
    let frames = channel_frames(1, batches(&w.blocks), 2);
    let reversed = vec![frames[1].clone(), frames[0].clone()];
    assert!(w.mine(vec![tx(reversed)]).is_empty(), "frame 1 before 0 is dropped; channel 1 stays open");
    // A new channel's first frame discards the incomplete one; channel 1's last frame then has
    // nothing to join, and channel 2 completes.
    let other = channel_frames(2, batches(&w.blocks), 1);
    let derived = w.mine(vec![tx(other), tx(vec![frames[1].clone()])]);
    assert_eq!(hashes(&derived), w.hashes(0..2));
    let channels = w.derivation.stats().channels;
    assert_eq!((channels.channels_superseded, channels.frames_dropped, channels.channels_completed), (1, 2, 1));
}

#[test]
fn a_batch_in_the_last_block_of_its_window_counts_and_one_block_later_it_is_dropped() {
    // The sequencer's first block keeps the genesis origin 0: its window is L1 blocks [0, 10].
    let window = 10;
    for late_by in [0, 1] {
        let mut w = world(window, 1, 1);
        assert_eq!(w.blocks[0].block.l1_origin.number, L1Number(0));
        while w.l1.head().number.next() < L1Number(window + late_by) {
            assert!(w.mine(vec![]).is_empty(), "no forced block: the genesis fills epoch 0");
        }
        let derived = w.mine(vec![tx(channel_frames(1, batches(&w.blocks), 1))]);
        let dropped = w.derivation.stats().batches_dropped.get(&DropReason::SequencingWindowExpired).copied();
        if late_by == 0 {
            assert_eq!(hashes(&derived[..1]), w.hashes(0..1));
            assert_eq!(dropped, None);
        } else {
            // Epoch 0 closed at block 10 with nothing to force; at 11 the batch is too late,
            // and epoch 1's window closes too: its first block is forced at the batch's time.
            assert_eq!(dropped, Some(1));
            assert!(derived[0].forced && derived[0].l1_origin.number == L1Number(1));
            assert_eq!(derived[0].timestamp_s, w.blocks[0].block.time_s);
        }
    }
}

#[test]
fn a_rejected_payload_becomes_deposit_only_and_flushes_its_channel() {
    let mut w = world(100, 6, 3);
    let block = w.l1.mine(vec![tx(channel_frames(1, batches(&w.blocks), 1))], 0).clone();
    w.derivation.on_l1_block(&block);
    let first = w.derivation.next_attributes().expect("the first batch");
    assert!(!first.sequenced.is_empty());
    let replacement = w.derivation.on_attributes_invalid();
    assert_eq!(replacement, DerivedAttributes { sequenced: vec![], ..first });
    w.derivation.on_block_derived(execute(&replacement));
    // The channel's other batches build on the rejected block: gone with the flush.
    assert_eq!(w.derivation.next_attributes(), None);
    assert_eq!(w.derivation.stats().channels_flushed, 1);
}

#[test]
fn blocks_are_final_when_the_l1_blocks_they_were_derived_from_are() {
    let mut w = world(100, 6, 4);
    let posted_in = w.l1.head().number.next();
    let early = w.mine(vec![tx(channel_frames(1, batches(&w.blocks[..2]), 1))]);
    let late = w.mine(vec![tx(channel_frames(2, batches(&w.blocks[2..]), 1))]);
    assert_eq!((early.len(), late.len()), (2, 2));
    assert_eq!(w.derivation.on_l1_finalized(L1Number(posted_in.0 - 1)), None);
    assert_eq!(w.derivation.finalized_head(), l2_genesis(&w.l1));
    let second: L2BlockRef = execute(&early[1]);
    assert_eq!(w.derivation.on_l1_finalized(posted_in), Some(second));
    assert_eq!(w.derivation.on_l1_finalized(posted_in), None, "no move, no news");
    assert_eq!(w.derivation.on_l1_finalized(posted_in.next()), Some(w.derivation.safe_head()));
    assert_eq!(w.derivation.finalized_head().hash, w.blocks[3].block.hash);
}

#[test]
#[should_panic(expected = "chain order")]
fn a_gap_in_the_l1_blocks_fed_is_a_caller_bug() {
    let mut l1 = MiniL1::new(12);
    let mut derivation = Derivation::new(config(10, 12), l2_genesis(&l1));
    l1.mine(vec![], 0);
    let second = l1.mine(vec![], 0).clone();
    derivation.on_l1_block(&second);
}
