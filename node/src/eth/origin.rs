//! The sequencer's L1-origin rule: which L1 block the next L2 block names as its origin.
//!
//! Rule (op-node `origin_selector.go` and `conf_depth.go`, OP specs' derivation page; the team's
//! protocol notes, settlement layer): each L2 block has one L1 origin and the origin advances by at
//! most one block per L2 block. The sequencer may adopt the next L1 block once it is
//! `sequencer_l1_confs` blocks deep (`number + confs <= L1 head`) and `l2_head.time + block_time >=
//! next.time` (an L2 block never predates its origin). An L2 block's time is its parent's plus
//! `block_time`, and it must satisfy `origin.time <= l2.time <= max(origin.time +
//! max_sequencer_drift, parent.time + block_time)`: past `origin.time + drift` the sequencer must
//! move to the next origin as soon as it can, and until it can, it may build only blocks without
//! sequenced transactions (deposits only). Past the drift with the next origin not known `confs`
//! deep, op-node cannot build at all: an error here.
//!
//! The drift boundary is inclusive: a block exactly `drift` seconds after its origin may still
//! carry transactions (op-node sets `NoTxPool` when `l2.time > origin.time + drift`).
//!
//! Policy: op-node adopts the next origin as soon as the rule allows ([`OriginPolicy::Eager`]).
//! A sequencer is free to lag ([`OriginPolicy::DelayMax`]: stay on the current origin until the
//! next block would pass its drift), which postpones the deposits of later L1 blocks as far as
//! the rule allows (a deposit of L1 block N is executed in the first L2 block with origin N): a
//! live sequencer can postpone a deposit by at most about `drift` seconds plus one slot.

use super::params::EthParams;
use super::types::L1BlockRef;
use crate::units::L1Number;
use thiserror::Error;

/// How eagerly the sequencer moves its origin forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OriginPolicy {
    /// As soon as the rule allows (op-node).
    #[default]
    Eager,
    /// Only when staying would pass the drift: origins (and deposits) lag as far as allowed.
    DelayMax,
}

/// What the origin rule needs to know about the L2 head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L2HeadInfo {
    pub time_s: u64,
    pub origin: L1BlockRef,
    /// The head's place in its epoch (0 for an epoch's first L2 block).
    pub sequence_number: u64,
}

/// The next L2 block's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginChoice {
    pub origin: L1BlockRef,
    /// 0 when the block opens a new epoch (and carries that L1 block's deposits).
    pub sequence_number: u64,
    /// The block is past its origin's drift: deposits only, no sequenced transactions (in Hemi,
    /// not even the Bitcoin attributes).
    pub deposits_only: bool,
}

impl OriginChoice {
    /// Whether the block is the first of its epoch, the one that executes the origin's deposits.
    pub fn opens_epoch(&self) -> bool {
        self.sequence_number == 0
    }
}

/// Why the sequencer cannot build the next block now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum OriginError {
    #[error(
        "the L2 block at {l2_time_s} s is past the drift of its origin {origin} ({origin_time_s} s) and L1 block {needed} is not yet known deep enough to move on"
    )]
    NextOriginNotReady { l2_time_s: u64, origin: L1Number, origin_time_s: u64, needed: L1Number },
    #[error("L1 block {number} does not build on the origin {origin}: L1 reorganised")]
    L1Reorg { number: L1Number, origin: L1Number },
}

/// How an L2 block's origin breaks the rule (a consistency check of built blocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum OriginViolation {
    #[error("L2 time {got} s, expected the parent's plus the block time: {expected} s")]
    WrongTimestamp { expected: u64, got: u64 },
    #[error("origin {origin} after the parent's origin {parent_origin}: it advances by at most one")]
    OriginJump { parent_origin: L1Number, origin: L1Number },
    #[error("origin {origin} does not build on the parent's origin")]
    NotChildOfParentOrigin { origin: L1Number },
    #[error("L2 time {l2_time_s} s before its origin's time {origin_time_s} s")]
    BeforeOrigin { l2_time_s: u64, origin_time_s: u64 },
    #[error("L2 time {l2_time_s} s past the drift limit {max_s} s with sequenced transactions")]
    PastDriftWithTransactions { l2_time_s: u64, max_s: u64 },
    #[error(
        "L2 time {l2_time_s} s past the drift limit on the old origin though the next one ({next_time_s} s) was adoptable"
    )]
    PastDriftWithoutAdopting { l2_time_s: u64, next_time_s: u64 },
}

/// The origin rule's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginRules {
    pub block_time_s: u64,
    pub max_sequencer_drift_s: u64,
    pub sequencer_l1_confs: u64,
}

impl OriginRules {
    pub fn new(params: &EthParams, block_time_s: u64) -> Self {
        OriginRules {
            block_time_s,
            max_sequencer_drift_s: params.max_sequencer_drift_s,
            sequencer_l1_confs: params.sequencer_l1_confs,
        }
    }

    /// Whether L1 block `number` is deep enough for the sequencer with `l1_head` as its head.
    pub fn is_confirmed(&self, number: L1Number, l1_head: L1Number) -> bool {
        number == L1Number::ZERO || number.up(self.sequencer_l1_confs) <= l1_head
    }

    /// The latest time an L2 block with origin `origin` may have and still carry transactions.
    pub fn drift_limit_s(&self, origin: &L1BlockRef) -> u64 {
        origin.time_s.saturating_add(self.max_sequencer_drift_s)
    }

    /// The origin of the block after `head`. `next` is the L1 block after the head's origin if
    /// the sequencer knows it (it must be that block), `l1_head` the sequencer's L1 head.
    pub fn next_origin(
        &self,
        policy: OriginPolicy,
        head: &L2HeadInfo,
        next: Option<&L1BlockRef>,
        l1_head: L1Number,
    ) -> Result<OriginChoice, OriginError> {
        let l2_time_s = head.time_s + self.block_time_s;
        let current = head.origin;
        let past_drift = l2_time_s > self.drift_limit_s(&current);
        let stay =
            OriginChoice { origin: current, sequence_number: head.sequence_number + 1, deposits_only: past_drift };
        let Some(next) = next.filter(|n| self.is_confirmed(n.number, l1_head)) else {
            if past_drift {
                let needed = current.number.next();
                return Err(OriginError::NextOriginNotReady {
                    l2_time_s,
                    origin: current.number,
                    origin_time_s: current.time_s,
                    needed,
                });
            }
            return Ok(stay);
        };
        assert_eq!(next.number, current.number.next(), "the candidate origin is the block after the head's origin");
        if next.parent_hash != current.hash {
            return Err(OriginError::L1Reorg { number: next.number, origin: current.number });
        }
        let adoptable = l2_time_s >= next.time_s;
        let wanted = match policy {
            OriginPolicy::Eager => true,
            OriginPolicy::DelayMax => past_drift,
        };
        if !(adoptable && wanted) {
            return Ok(stay);
        }
        Ok(OriginChoice { origin: *next, sequence_number: 0, deposits_only: l2_time_s > self.drift_limit_s(next) })
    }

    /// Checks a built block against the rule: its time, its origin's step from the parent's,
    /// and the drift (`next` is the L1 block after the block's origin, if known: past the drift
    /// a deposit-only block on an old origin is allowed only while that one is in its future).
    pub fn check_block(
        &self,
        parent: &L2HeadInfo,
        l2_time_s: u64,
        origin: &L1BlockRef,
        has_sequenced_txs: bool,
        next: Option<&L1BlockRef>,
    ) -> Result<(), OriginViolation> {
        let expected = parent.time_s + self.block_time_s;
        if l2_time_s != expected {
            return Err(OriginViolation::WrongTimestamp { expected, got: l2_time_s });
        }
        let parent_origin = parent.origin.number;
        if origin.number != parent_origin && origin.number != parent_origin.next() {
            return Err(OriginViolation::OriginJump { parent_origin, origin: origin.number });
        }
        if origin.number == parent_origin.next() && origin.parent_hash != parent.origin.hash {
            return Err(OriginViolation::NotChildOfParentOrigin { origin: origin.number });
        }
        if l2_time_s < origin.time_s {
            return Err(OriginViolation::BeforeOrigin { l2_time_s, origin_time_s: origin.time_s });
        }
        let max_s = self.drift_limit_s(origin);
        if l2_time_s <= max_s {
            return Ok(());
        }
        if has_sequenced_txs {
            return Err(OriginViolation::PastDriftWithTransactions { l2_time_s, max_s });
        }
        match next {
            Some(next) if origin.number == parent_origin && next.time_s <= l2_time_s => {
                Err(OriginViolation::PastDriftWithoutAdopting { l2_time_s, next_time_s: next.time_s })
            }
            _ => Ok(()),
        }
    }
}
