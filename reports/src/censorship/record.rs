//! The censorship record: one row per transaction the sequencer held back or a user forced
//! through L1, in the order the run first observed it.

use serde::{Deserialize, Serialize};

/// Present when the scenario has `[[censor]]` or `[[fault]]` tables, or users who escape
/// (`workload.force_after_s` or `tunnel.force_after_s`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CensorshipRecord {
    /// What the bound of a forced transaction is computed from (`None` without `[ethereum]`:
    /// no portal, nothing can be forced).
    pub bounds: Option<BoundParams>,
    /// The sequencer's halts and batch withholdings (`[[fault]]`), in scenario order.
    pub outages: Vec<Outage>,
    pub txs: Vec<CensoredTx>,
}

/// The scenario's values a forced transaction's bound depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundParams {
    pub slot_s: u64,
    pub max_sequencer_drift_s: u64,
    pub sequencer_l1_confs: u64,
    pub seq_window_blocks: u64,
    /// The L2 block time (whole seconds on a settlement chain).
    pub l2_block_time_s: u64,
    /// The longest one-way message delay of the run (`bitcoin.propagation_delay_ms` plus its
    /// jitter): every hop of a forced transaction (user to L1, L1 to the sequencer, the L2 block
    /// back to the user) takes at most this.
    pub delivery_us: u64,
}

/// A window in which the sequencer was halted or withheld its batches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outage {
    /// `halt` or `withhold_batches`.
    pub kind: String,
    pub from_us: u64,
    pub until_us: u64,
}

/// A transaction the sequencer held back (`held_at_us`), a user forced (`forced_at_us`), or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CensoredTx {
    /// The transaction's hash (`0x`-hex), as the user submitted it.
    pub hash: String,
    pub from: String,
    /// The censor rule that held it (index in the scenario's `[[censor]]` list).
    pub rule: Option<u32>,
    /// When the user submitted it (known for held transactions).
    pub submitted_at_us: Option<u64>,
    /// When the sequencer first held it back.
    pub held_at_us: Option<u64>,
    /// When the user re-sent it through the portal, and the L1 fee it paid.
    pub forced_at_us: Option<u64>,
    pub l1_fee_wei: Option<u128>,
    /// Its first observed inclusion (`None`: never included by the end of the run).
    pub inclusion: Option<Inclusion>,
    /// A forced transaction's bound (see [`crate::censorship::bound`]).
    pub bound: Option<super::bound::Bound>,
}

/// How a transaction got into the L2 chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inclusion {
    pub at_us: u64,
    /// `sequencer` (it released a held transaction), `portal` (its forced deposit executed);
    /// `bitcoin` is reserved for forced inclusion through Bitcoin (not modelled yet).
    pub path: String,
    pub l2_number: u64,
}

impl CensoredTx {
    pub fn censored(&self) -> bool {
        self.held_at_us.is_some()
    }

    pub fn forced(&self) -> bool {
        self.forced_at_us.is_some()
    }

    /// Submission to inclusion (held transactions that were included).
    pub fn latency_us(&self) -> Option<u64> {
        Some(self.inclusion.as_ref()?.at_us.saturating_sub(self.submitted_at_us?))
    }

    /// Escape to inclusion (forced transactions that were included).
    pub fn forced_latency_us(&self) -> Option<u64> {
        Some(self.inclusion.as_ref()?.at_us.saturating_sub(self.forced_at_us?))
    }

    pub fn path(&self) -> Option<&str> {
        self.inclusion.as_ref().map(|i| i.path.as_str())
    }

    /// A forced transaction not included by its bound: included after it, or never included
    /// although the bound passed before `end_us` (the end of the run).
    pub fn violates_bound(&self, end_us: u64) -> bool {
        let Some(bound) = &self.bound else { return false };
        match &self.inclusion {
            Some(i) => i.at_us > bound.until_us,
            None => bound.until_us < end_us,
        }
    }
}

impl CensorshipRecord {
    /// Forced transactions that missed their bound in a run that ended at `end_us`.
    pub fn bound_violations(&self, end_us: u64) -> impl Iterator<Item = &CensoredTx> {
        self.txs.iter().filter(move |t| t.violates_bound(end_us))
    }
}
