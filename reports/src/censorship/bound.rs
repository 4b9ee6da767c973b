//! The bound within which a transaction forced through the Ethereum portal must be included,
//! computed from the L1 blocks the run observed (docs/protocol.md §7).
//!
//! Let `D` be the longest one-way message delay ([`BoundParams::delivery_us`]) and `N` the
//! first L1 block whose slot starts after the deposit reached the L1 (`time(N) > forced + D`):
//! the deposit is logged in `N` (the L1 builds a block at its slot's start from what it holds).
//!
//! - **Live sequencer** (`live`): it must adopt `N` as an L1 origin once `N` has
//!   `sequencer_l1_confs` blocks on top and it has heard of them, and at the latest when its
//!   L2 clock passes `time(N) + max_sequencer_drift_s`; the epoch's first L2 block executes the
//!   deposit and reaches the user one hop later:
//!   `max(time(N + confs) + D, time(N) + drift) + l2_block_time + D`.
//! - **Halted or withholding sequencer** (`window`, when a `[[fault]]` window overlaps
//!   `[forced, live bound]`): derivation forces epoch `N` once it reads the first L1 block past
//!   the sequencing window, `N + seq_window_blocks + 1`; the sequencer's node (or, halted, its
//!   derivation) then holds the deposit-only block, which reaches the user one hop later:
//!   `time(N + seq_window_blocks + 1) + D + l2_block_time + D`.
//!
//! Blocks past the end of the run are dated as if no slot were missed, the earliest they can
//! come. The delivery hops are the only slack: missed slots are in the observed block times.

use serde::{Deserialize, Serialize};

use super::record::{BoundParams, Outage};
use crate::record::L1BlockRow;

/// A forced transaction's bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bound {
    /// `live` (the sequencer's origin rule) or `window` (the sequencing window).
    pub kind: String,
    /// `N`, the L1 block the deposit lands in.
    pub l1_block: u64,
    /// The latest time the user may see it included.
    pub until_us: u64,
}

/// The bound of a transaction forced at `forced_at_us`, given the run's L1 blocks (in order)
/// and the sequencer's outages; `None` if the run has no L1 block after it (the deposit never
/// reached a block).
pub fn bound(forced_at_us: u64, params: &BoundParams, outages: &[Outage], l1: &[L1BlockRow]) -> Option<Bound> {
    let d = params.delivery_us;
    let n = l1.iter().find(|b| b.time_us > forced_at_us + d)?;
    let time_of = |number: u64| l1_time_us(l1, number, params.slot_s);
    let l2_block = params.l2_block_time_s * 1_000_000;
    let confirmed = time_of(n.number + params.sequencer_l1_confs) + d;
    let drifted = n.time_us + params.max_sequencer_drift_s * 1_000_000;
    let live_until = confirmed.max(drifted) + l2_block + d;
    let outage = outages.iter().any(|o| o.from_us <= live_until && forced_at_us <= o.until_us);
    let (kind, until_us) = if outage {
        ("window", time_of(n.number + params.seq_window_blocks + 1) + d + l2_block + d)
    } else {
        ("live", live_until)
    };
    Some(Bound { kind: kind.to_string(), l1_block: n.number, until_us })
}

/// When L1 block `number` was proposed: observed, or, past the last block of the run, as early
/// as it could come (one per slot).
fn l1_time_us(l1: &[L1BlockRow], number: u64, slot_s: u64) -> u64 {
    match l1.binary_search_by_key(&number, |b| b.number) {
        Ok(i) => l1[i].time_us,
        Err(_) => {
            let last = l1.last().map_or((0, 0), |b| (b.number, b.time_us));
            last.1 + number.saturating_sub(last.0) * slot_s * 1_000_000
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// L1 blocks 1.. at 12 s slots, with slot `missed` left empty (later blocks shift by a slot).
    fn l1(count: u64, missed: Option<u64>) -> Vec<L1BlockRow> {
        (1..=count)
            .map(|number| {
                let slot = if missed.is_some_and(|m| number >= m) { number + 1 } else { number };
                L1BlockRow {
                    number,
                    hash: String::new(),
                    parent_hash: String::new(),
                    time_us: slot * 12_000_000,
                    deposits: 0,
                    batcher_txs: 0,
                    batch_bytes: 0,
                    finalized: 0,
                }
            })
            .collect()
    }

    fn params() -> BoundParams {
        BoundParams {
            slot_s: 12,
            max_sequencer_drift_s: 60,
            sequencer_l1_confs: 4,
            seq_window_blocks: 10,
            l2_block_time_s: 12,
            delivery_us: 2_000_000,
        }
    }

    const S: u64 = 1_000_000;

    #[test]
    fn live_bound_is_the_later_of_confirmations_and_drift_plus_a_block_and_two_hops() {
        // Forced at 100 s: reaches L1 at 102 s, lands in block 9 (108 s); drift 60 s gives
        // 168 s, later than block 13 (156 s) + 2 s.
        let b = bound(100 * S, &params(), &[], &l1(100, None)).expect("a block after");
        assert_eq!((b.kind.as_str(), b.l1_block, b.until_us), ("live", 9, (168 + 12 + 2) * S));
        // With a long drift allowance the confirmations do not matter; with none they do.
        let p = BoundParams { max_sequencer_drift_s: 0, ..params() };
        assert_eq!(bound(100 * S, &p, &[], &l1(100, None)).expect("a block").until_us, (156 + 2 + 12 + 2) * S);
    }

    #[test]
    fn a_deposit_arriving_at_a_slots_start_lands_in_the_next_block() {
        // Forced at 106 s, arrives at 108 s exactly: block 9 is already built.
        let b = bound(106 * S, &params(), &[], &l1(100, None)).expect("a block after");
        assert_eq!(b.l1_block, 10);
    }

    #[test]
    fn missed_slots_push_the_bound_by_the_observed_block_times() {
        let p = BoundParams { max_sequencer_drift_s: 0, ..params() };
        // Slot 11 is missed: block 11 comes at 144 s, block 13 at 168 s instead of 156 s.
        let b = bound(100 * S, &p, &[], &l1(100, Some(11))).expect("a block after");
        assert_eq!(b.until_us, (168 + 2 + 12 + 2) * S);
    }

    #[test]
    fn an_outage_overlapping_the_wait_gives_the_sequencing_window_bound() {
        let halt = Outage { kind: "halt".to_string(), from_us: 150 * S, until_us: 400 * S };
        // N = 9; N + 10 + 1 = block 20 at 240 s.
        let b = bound(100 * S, &params(), std::slice::from_ref(&halt), &l1(100, None)).expect("a block");
        assert_eq!((b.kind.as_str(), b.until_us), ("window", (240 + 2 + 12 + 2) * S));
        // An outage that ended before the user escaped, or starts after the live bound, does not.
        let before = Outage { kind: "halt".to_string(), from_us: 0, until_us: 99 * S };
        let after = Outage { kind: "withhold_batches".to_string(), from_us: 183 * S, until_us: 999 * S };
        let b = bound(100 * S, &params(), &[before, after], &l1(100, None)).expect("a block");
        assert_eq!(b.kind, "live");
    }

    #[test]
    fn blocks_past_the_run_are_dated_one_per_slot_and_no_block_after_means_no_bound() {
        // Only 10 blocks (to 120 s): block 20 would come at 240 s at the earliest.
        let halt = Outage { kind: "halt".to_string(), from_us: 0, until_us: 999 * S };
        let b = bound(100 * S, &params(), &[halt], &l1(10, None)).expect("a block after");
        assert_eq!(b.until_us, (240 + 2 + 12 + 2) * S);
        assert!(bound(119 * S, &params(), &[], &l1(10, None)).is_none());
    }
}
