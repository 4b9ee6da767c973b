//! The sequencer's bounded mempool: pending transactions in arrival order.
//!
//! Bounded on purpose: under overload the backlog grows to `capacity`, then new transactions are
//! refused with [`RefusalReason::MempoolFull`] (counted and answered, never dropped silently).

use super::tx::{RefusalReason, Submission};
use crate::hashing::IdSet;
use revm::primitives::B256;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug)]
pub struct L2Mempool {
    by_arrival: BTreeMap<u64, Arc<Submission>>,
    hashes: IdSet<B256>,
    capacity: usize,
    next_seq: u64,
}

impl L2Mempool {
    pub fn new(capacity: usize) -> Self {
        L2Mempool { by_arrival: BTreeMap::new(), hashes: IdSet::default(), capacity, next_seq: 0 }
    }

    pub fn len(&self) -> usize {
        self.by_arrival.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_arrival.is_empty()
    }

    pub fn accept(&mut self, submission: Arc<Submission>) -> Result<(), RefusalReason> {
        if self.hashes.contains(&submission.hash) {
            return Err(RefusalReason::Duplicate);
        }
        if self.by_arrival.len() >= self.capacity {
            return Err(RefusalReason::MempoolFull);
        }
        self.hashes.insert(submission.hash);
        self.by_arrival.insert(self.next_seq, submission);
        self.next_seq += 1;
        Ok(())
    }

    /// Pending transactions, oldest first, with their arrival sequence numbers.
    pub fn in_arrival_order(&self) -> impl Iterator<Item = (u64, &Arc<Submission>)> {
        self.by_arrival.iter().map(|(seq, s)| (*seq, s))
    }

    /// Drops the pending transactions among `included` (another member of a rotating set
    /// included them).
    pub fn remove_included(&mut self, included: &[B256]) {
        if included.iter().any(|h| self.hashes.contains(h)) {
            let gone: IdSet<B256> = included.iter().copied().collect();
            self.by_arrival.retain(|_, s| !gone.contains(&s.hash));
            for h in included {
                self.hashes.remove(h);
            }
        }
    }

    pub fn remove(&mut self, seq: u64) -> Option<Arc<Submission>> {
        let submission = self.by_arrival.remove(&seq)?;
        self.hashes.remove(&submission.hash);
        Some(submission)
    }
}
