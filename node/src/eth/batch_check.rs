//! The batch-validity rules: whether a singular batch read from L1 may become the next safe L2
//! block.
//!
//! The single source of truth for these rules is OP's derivation spec (the OP specs' protocol
//! derivation page, "Batch Queue", and its Holocene page); op-node implements them in
//! `checkSingularBatch` (`op-node/rollup/derive/batches.go`). [`check_batch`] applies them in
//! that order, post-Holocene only (Hemi activated Holocene on 2025-07-03, before any run we
//! model): a batch from the future is dropped rather than buffered, and a batch from the past is
//! skipped without invalidating the rest of its channel. The pipeline ([`super::derivation`])
//! decides what follows from each verdict.
//!
//! Two rules of op-node hold here by construction and need no check: a batch's transactions are
//! never empty byte strings, and none has the deposit type (0x7E): [`SequencedTx`] is a Bitcoin-
//! attributes transaction (0x7C) or a user transaction, so a sequencer cannot embed a deposit.
//!
//! [`SequencedTx`]: super::types::SequencedTx

use super::derivation::DerivationConfig;
use super::types::{L1BlockRef, L2BlockRef, SingularBatch};
use crate::units::L1Number;

/// What the pipeline does with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchValidity {
    /// The next safe block.
    Accept,
    /// Its timestamp is at or before the safe head's: skip it, keep reading its channel.
    Past,
    /// Invalid: drop it (and, under Holocene, the rest of its channel).
    Drop(DropReason),
    /// Its validity depends on the L1 block after the current epoch, not yet seen: wait.
    Undecided,
}

/// Why a batch was dropped, one variant per rule, in the order the rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    /// Its timestamp is after the next expected one (Holocene: dropped, not buffered).
    FutureTimestamp,
    /// It does not build on the safe head.
    ParentMismatch,
    /// It was included after its epoch's sequencing window closed (`epoch + SWS < inclusion`).
    SequencingWindowExpired,
    /// Its epoch is older than the current epoch.
    EpochTooOld,
    /// Its epoch is more than one past the current epoch.
    EpochTooFarAhead,
    /// Its epoch hash is not the L1 block of its epoch number.
    EpochHashMismatch,
    /// Its timestamp is before its L1 origin's.
    TimestampBeforeOrigin,
    /// Past the drift with transactions: the sequencer had to adopt a new origin first.
    SequencerDriftExceeded,
    /// An empty batch past the drift that stays in its epoch although the next L1 block's time
    /// allowed adopting it.
    DriftWithoutAdoptingNextOrigin,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::FutureTimestamp => "future_timestamp",
            DropReason::ParentMismatch => "parent_mismatch",
            DropReason::SequencingWindowExpired => "sequencing_window_expired",
            DropReason::EpochTooOld => "epoch_too_old",
            DropReason::EpochTooFarAhead => "epoch_too_far_ahead",
            DropReason::EpochHashMismatch => "epoch_hash_mismatch",
            DropReason::TimestampBeforeOrigin => "timestamp_before_origin",
            DropReason::SequencerDriftExceeded => "sequencer_drift_exceeded",
            DropReason::DriftWithoutAdoptingNextOrigin => "drift_without_adopting_next_origin",
        }
    }
}

/// The L1 context a batch is checked in: the current epoch (the safe head's L1 origin, or the
/// block after it once empty batches moved past it), the L1 block after it when derivation has
/// seen it, and the L1 block the batch was read from.
#[derive(Debug, Clone, Copy)]
pub struct BatchContext<'a> {
    pub epoch: &'a L1BlockRef,
    pub next_epoch: Option<&'a L1BlockRef>,
    pub inclusion: L1Number,
}

/// Checks `batch` against the safe head `safe`, applying the rules in the spec's order.
pub fn check_batch(
    config: &DerivationConfig,
    context: BatchContext<'_>,
    safe: &L2BlockRef,
    batch: &SingularBatch,
) -> BatchValidity {
    let next_timestamp = safe.time_s + config.l2_block_time_s;
    if batch.timestamp_s > next_timestamp {
        return BatchValidity::Drop(DropReason::FutureTimestamp);
    }
    if batch.timestamp_s < next_timestamp {
        return BatchValidity::Past;
    }
    // With the right timestamp, it must build on the safe head.
    if batch.parent_hash != safe.hash {
        return BatchValidity::Drop(DropReason::ParentMismatch);
    }
    if batch.epoch_num.0 + config.seq_window_blocks < context.inclusion.0 {
        return BatchValidity::Drop(DropReason::SequencingWindowExpired);
    }
    let origin = match batch_origin(context, batch.epoch_num) {
        Ok(origin) => origin,
        Err(verdict) => return verdict,
    };
    if batch.epoch_hash != origin.hash {
        return BatchValidity::Drop(DropReason::EpochHashMismatch);
    }
    if batch.timestamp_s < origin.time_s {
        return BatchValidity::Drop(DropReason::TimestampBeforeOrigin);
    }
    if batch.timestamp_s > origin.time_s + config.max_sequencer_drift_s {
        return check_past_drift(context, origin, batch);
    }
    BatchValidity::Accept
}

/// The batch's L1 origin: the current epoch or the next one (which must have been seen).
fn batch_origin<'a>(context: BatchContext<'a>, epoch_num: L1Number) -> Result<&'a L1BlockRef, BatchValidity> {
    let epoch = context.epoch;
    if epoch_num < epoch.number {
        Err(BatchValidity::Drop(DropReason::EpochTooOld))
    } else if epoch_num == epoch.number {
        Ok(epoch)
    } else if epoch_num == epoch.number.next() {
        context.next_epoch.ok_or(BatchValidity::Undecided)
    } else {
        Err(BatchValidity::Drop(DropReason::EpochTooFarAhead))
    }
}

/// A batch beyond `origin.time + max_sequencer_drift`: one with transactions is invalid (the
/// sequencer must adopt a new origin to include any); an empty one is valid if it advances the
/// epoch, or if it stays in the epoch only because the next L1 block is still later than it
/// (keeping L2 time >= L1 time). op-node's nuance: the empty batch is checked against the next
/// L1 block's time, so a sequencer cannot stall its origin by producing empty blocks.
fn check_past_drift(context: BatchContext<'_>, origin: &L1BlockRef, batch: &SingularBatch) -> BatchValidity {
    if !batch.transactions.is_empty() {
        return BatchValidity::Drop(DropReason::SequencerDriftExceeded);
    }
    if origin.number != context.epoch.number {
        return BatchValidity::Accept;
    }
    match context.next_epoch {
        None => BatchValidity::Undecided,
        Some(next) if batch.timestamp_s >= next.time_s => {
            BatchValidity::Drop(DropReason::DriftWithoutAdoptingNextOrigin)
        }
        Some(_) => BatchValidity::Accept,
    }
}

#[cfg(test)]
mod tests {
    //! One test per rule. Each builds a batch that passes every rule but the one under test and
    //! asserts the exact verdict, so removing or reordering a rule fails its test.

    use super::*;
    use crate::eth::types::SequencedTx;
    use crate::l2::block::BtcAttributes;
    use crate::units::L2Number;
    use revm::primitives::B256;

    const BLOCK_TIME: u64 = 2;
    const DRIFT: u64 = 600;
    const WINDOW: u64 = 24;

    fn config() -> DerivationConfig {
        DerivationConfig {
            l2_block_time_s: BLOCK_TIME,
            seq_window_blocks: WINDOW,
            max_sequencer_drift_s: DRIFT,
            channel_timeout_blocks: 50,
        }
    }

    fn l1(number: u64, time_s: u64) -> L1BlockRef {
        L1BlockRef {
            number: L1Number(number),
            hash: B256::with_last_byte(number as u8 + 1),
            parent_hash: B256::with_last_byte(number as u8),
            time_s,
        }
    }

    /// Epoch 10 at time 120, epoch 11 at time 132; the safe head is at time 130 in epoch 10.
    struct World {
        epoch: L1BlockRef,
        next: L1BlockRef,
        safe: L2BlockRef,
    }

    fn world() -> World {
        let epoch = l1(10, 120);
        let safe = L2BlockRef { number: L2Number(50), hash: B256::repeat_byte(0xaa), time_s: 130, l1_origin: epoch };
        World { epoch, next: l1(11, 132), safe }
    }

    fn some_tx() -> Vec<SequencedTx> {
        vec![SequencedTx::BtcAttributes(BtcAttributes { fork_height: crate::units::BtcHeight(1), headers: vec![] })]
    }

    impl World {
        /// The valid next batch, in the current epoch.
        fn batch(&self) -> SingularBatch {
            SingularBatch {
                parent_hash: self.safe.hash,
                epoch_num: self.epoch.number,
                epoch_hash: self.epoch.hash,
                timestamp_s: self.safe.time_s + BLOCK_TIME,
                transactions: some_tx(),
            }
        }

        fn check(&self, batch: &SingularBatch) -> BatchValidity {
            self.check_in(batch, Some(&self.next), L1Number(20))
        }

        fn check_in(&self, batch: &SingularBatch, next: Option<&L1BlockRef>, inclusion: L1Number) -> BatchValidity {
            let context = BatchContext { epoch: &self.epoch, next_epoch: next, inclusion };
            check_batch(&config(), context, &self.safe, batch)
        }
    }

    #[test]
    fn the_next_batch_in_the_current_or_the_next_epoch_is_accepted() {
        let w = world();
        assert_eq!(w.check(&w.batch()), BatchValidity::Accept);
        let advancing = SingularBatch { epoch_num: w.next.number, epoch_hash: w.next.hash, ..w.batch() };
        assert_eq!(w.check(&advancing), BatchValidity::Accept);
    }

    #[test]
    fn a_future_batch_is_dropped_even_when_otherwise_valid() {
        let w = world();
        let future = SingularBatch { timestamp_s: w.safe.time_s + 2 * BLOCK_TIME, ..w.batch() };
        assert_eq!(w.check(&future), BatchValidity::Drop(DropReason::FutureTimestamp));
    }

    #[test]
    fn a_past_batch_is_skipped_not_dropped_even_with_a_wrong_parent() {
        let w = world();
        let past = SingularBatch { timestamp_s: w.safe.time_s, parent_hash: B256::ZERO, ..w.batch() };
        assert_eq!(w.check(&past), BatchValidity::Past);
    }

    #[test]
    fn a_batch_on_another_parent_is_dropped() {
        let w = world();
        let orphan = SingularBatch { parent_hash: B256::repeat_byte(0xbb), ..w.batch() };
        assert_eq!(w.check(&orphan), BatchValidity::Drop(DropReason::ParentMismatch));
    }

    #[test]
    fn a_batch_included_after_its_window_is_dropped_and_one_at_its_last_block_is_not() {
        let w = world();
        let last_block = L1Number(10 + WINDOW);
        assert_eq!(w.check_in(&w.batch(), Some(&w.next), last_block), BatchValidity::Accept);
        assert_eq!(
            w.check_in(&w.batch(), Some(&w.next), last_block.next()),
            BatchValidity::Drop(DropReason::SequencingWindowExpired)
        );
    }

    #[test]
    fn a_batch_of_an_older_epoch_is_dropped() {
        let w = world();
        let old = l1(9, 108);
        let stale = SingularBatch { epoch_num: old.number, epoch_hash: old.hash, ..w.batch() };
        assert_eq!(w.check(&stale), BatchValidity::Drop(DropReason::EpochTooOld));
    }

    #[test]
    fn a_batch_two_epochs_ahead_is_dropped() {
        let w = world();
        let far = l1(12, 124);
        let ahead = SingularBatch { epoch_num: far.number, epoch_hash: far.hash, ..w.batch() };
        assert_eq!(w.check(&ahead), BatchValidity::Drop(DropReason::EpochTooFarAhead));
    }

    #[test]
    fn a_batch_for_the_next_epoch_waits_until_that_block_is_seen() {
        let w = world();
        let advancing = SingularBatch { epoch_num: w.next.number, epoch_hash: w.next.hash, ..w.batch() };
        assert_eq!(w.check_in(&advancing, None, L1Number(11)), BatchValidity::Undecided);
    }

    #[test]
    fn a_batch_naming_another_l1_block_is_dropped() {
        let w = world();
        let fork = SingularBatch { epoch_hash: B256::repeat_byte(0xcc), ..w.batch() };
        assert_eq!(w.check(&fork), BatchValidity::Drop(DropReason::EpochHashMismatch));
    }

    #[test]
    fn a_batch_older_than_its_origin_is_dropped() {
        // The next epoch's block is at 140, after the batch's time 132.
        let w = world();
        let next = l1(11, 140);
        let early = SingularBatch { epoch_num: next.number, epoch_hash: next.hash, ..w.batch() };
        assert_eq!(
            w.check_in(&early, Some(&next), L1Number(20)),
            BatchValidity::Drop(DropReason::TimestampBeforeOrigin)
        );
    }

    /// The safe head sits at the drift limit: the next batch is one block time past it.
    fn world_at_drift() -> World {
        let mut w = world();
        w.safe.time_s = w.epoch.time_s + DRIFT;
        w.next = l1(11, w.safe.time_s + BLOCK_TIME);
        w
    }

    #[test]
    fn a_batch_with_transactions_past_the_drift_is_dropped() {
        let w = world_at_drift();
        assert_eq!(w.check(&w.batch()), BatchValidity::Drop(DropReason::SequencerDriftExceeded));
        // At the limit itself it is fine.
        let mut at_limit = world_at_drift();
        at_limit.safe.time_s -= BLOCK_TIME;
        assert_eq!(at_limit.check(&at_limit.batch()), BatchValidity::Accept);
    }

    #[test]
    fn an_empty_batch_past_the_drift_is_dropped_when_the_next_origin_was_adoptable() {
        let w = world_at_drift();
        let empty = SingularBatch { transactions: vec![], ..w.batch() };
        // The next L1 block's time equals the batch's: it should have been adopted.
        assert_eq!(w.check(&empty), BatchValidity::Drop(DropReason::DriftWithoutAdoptingNextOrigin));
    }

    #[test]
    fn an_empty_batch_past_the_drift_is_valid_while_the_next_origin_is_later() {
        let mut w = world_at_drift();
        w.next.time_s += 1;
        let empty = SingularBatch { transactions: vec![], ..w.batch() };
        assert_eq!(w.check(&empty), BatchValidity::Accept);
        // Not knowing the next L1 block yet, it cannot be decided.
        assert_eq!(w.check_in(&empty, None, L1Number(20)), BatchValidity::Undecided);
    }

    #[test]
    fn an_empty_batch_past_the_drift_that_adopts_the_next_epoch_is_valid() {
        // The next origin is late too: its own drift is exceeded, but it advances the epoch.
        let mut w = world_at_drift();
        w.next = l1(11, w.epoch.time_s + 1);
        w.safe.time_s = w.next.time_s + DRIFT;
        let empty =
            SingularBatch { transactions: vec![], epoch_num: w.next.number, epoch_hash: w.next.hash, ..w.batch() };
        assert_eq!(w.check(&empty), BatchValidity::Accept);
        let full = SingularBatch { transactions: some_tx(), ..empty };
        assert_eq!(w.check(&full), BatchValidity::Drop(DropReason::SequencerDriftExceeded));
    }
}
