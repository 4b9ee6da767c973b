//! [`Censorship`]: what a censoring sequencer leaves out of its blocks, and when.
//!
//! Each [`CensorRule`] names a target (senders, hVM calls, tunnel burns, portal deposits, or
//! everything), a mode and a window of time:
//! - `Drop`: a matching transaction still pending once the window has started, and submitted
//!   before it ends, is never included (it stays in the mempool, and its sender's later
//!   transactions behind it: the sender can only escape through L1);
//! - `Delay(d)`: a matching transaction submitted during the window is held until `d` after its
//!   arrival.
//!
//! Portal deposits cannot be left out: derivation would force them. A sequencer censoring them
//! can only postpone adopting L1 origins, as far as the drift rule lets it
//! ([`crate::eth::origin::OriginPolicy::DelayMax`]): the bound is the rule's, not a choice here.

use super::hvm::hbtc;
use super::tx::{L2Tx, Submission};
use crate::time::{SimDuration, SimTime};
use crate::tunnel::HBTC;
use revm::primitives::Address;
use std::collections::BTreeSet;

/// What a rule censors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CensorTarget {
    /// Transactions from these senders.
    Senders(BTreeSet<Address>),
    /// Calls of this contract (the workload's hVM reader: transactions that read Bitcoin).
    Calls(Address),
    /// hBTC `withdraw` calls: the tunnel's burns.
    TunnelBurns,
    /// Portal deposits (by postponing L1 origins).
    Deposits,
    /// Every user transaction.
    All,
}

impl CensorTarget {
    fn matches(&self, tx: &L2Tx) -> bool {
        match self {
            CensorTarget::Senders(senders) => senders.contains(&tx.from),
            CensorTarget::Calls(contract) => tx.to == Some(*contract),
            CensorTarget::TunnelBurns => tx.to == Some(HBTC) && tx.input.starts_with(&hbtc::withdraw_selector()),
            CensorTarget::Deposits => false,
            CensorTarget::All => true,
        }
    }
}

/// How a rule censors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CensorMode {
    Drop,
    Delay(SimDuration),
}

/// One rule: a target, a mode and the window `[start, end)` it applies in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CensorRule {
    pub target: CensorTarget,
    pub mode: CensorMode,
    pub start: SimTime,
    /// `None`: to the end of the run.
    pub end: Option<SimTime>,
}

impl CensorRule {
    fn active_at(&self, t: SimTime) -> bool {
        self.start <= t && self.end.is_none_or(|end| t < end)
    }

    /// Whether the rule holds `submission` back from a block built at `now`.
    fn holds(&self, now: SimTime, submission: &Submission) -> bool {
        if !self.target.matches(&submission.tx) {
            return false;
        }
        match self.mode {
            CensorMode::Drop => now >= self.start && self.end.is_none_or(|end| submission.submitted_at < end),
            CensorMode::Delay(delay) => {
                self.active_at(submission.submitted_at) && now < submission.submitted_at + delay
            }
        }
    }
}

/// The sequencer's censorship rules (none: an honest sequencer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Censorship {
    rules: Vec<CensorRule>,
}

impl Censorship {
    pub fn new(rules: Vec<CensorRule>) -> Censorship {
        Censorship { rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first rule that holds `submission` back from a block built at `now`, by its index.
    pub fn holding(&self, now: SimTime, submission: &Submission) -> Option<usize> {
        self.rules.iter().position(|rule| rule.holds(now, submission))
    }

    /// Whether the sequencer postpones L1 origins at `now` (a rule censors deposits).
    pub fn delays_deposits(&self, now: SimTime) -> bool {
        self.rules.iter().any(|rule| rule.target == CensorTarget::Deposits && rule.active_at(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::primitives::{Bytes, U256};
    use std::sync::Arc;

    fn submission(from: u8, to: Address, input: Bytes, at_s: u64) -> Arc<Submission> {
        let tx = L2Tx {
            from: Address::with_last_byte(from),
            to: Some(to),
            nonce: 0,
            gas_limit: 100_000,
            gas_price: 1,
            value: U256::ZERO,
            input,
        };
        Submission::new(tx, SimTime::ZERO + SimDuration::from_secs(at_s))
    }

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    fn rule(target: CensorTarget, mode: CensorMode) -> CensorRule {
        CensorRule { target, mode, start: at(100), end: Some(at(200)) }
    }

    #[test]
    fn drop_holds_what_is_pending_in_the_window_forever() {
        let senders = CensorTarget::Senders(BTreeSet::from([Address::with_last_byte(1)]));
        let censor = Censorship::new(vec![rule(senders, CensorMode::Drop)]);
        let early = submission(1, Address::ZERO, Bytes::new(), 50);
        assert_eq!(censor.holding(at(60), &early), None, "before the window: included");
        assert_eq!(censor.holding(at(150), &early), Some(0), "still pending in the window: held");
        assert_eq!(censor.holding(at(10_000), &early), Some(0), "and never included");
        let late = submission(1, Address::ZERO, Bytes::new(), 250);
        assert_eq!(censor.holding(at(260), &late), None, "submitted after the window: included");
        let other = submission(2, Address::ZERO, Bytes::new(), 150);
        assert_eq!(censor.holding(at(150), &other), None, "another sender");
    }

    #[test]
    fn delay_holds_for_its_delay_after_arrival() {
        let censor = Censorship::new(vec![rule(CensorTarget::All, CensorMode::Delay(SimDuration::from_secs(30)))]);
        let s = submission(1, Address::ZERO, Bytes::new(), 150);
        assert_eq!(censor.holding(at(179), &s), Some(0));
        assert_eq!(censor.holding(at(180), &s), None);
        let before = submission(1, Address::ZERO, Bytes::new(), 90);
        assert_eq!(censor.holding(at(110), &before), None, "arrived before the window");
    }

    #[test]
    fn targets_name_calls_burns_and_deposits() {
        let reader = Address::with_last_byte(0x72);
        let censor = Censorship::new(vec![
            rule(CensorTarget::Calls(reader), CensorMode::Drop),
            rule(CensorTarget::TunnelBurns, CensorMode::Drop),
            rule(CensorTarget::Deposits, CensorMode::Drop),
        ]);
        assert_eq!(censor.holding(at(150), &submission(1, reader, Bytes::new(), 150)), Some(0));
        let burn = Bytes::from(hbtc::withdraw_selector().to_vec());
        assert_eq!(censor.holding(at(150), &submission(1, HBTC, burn, 150)), Some(1));
        assert_eq!(censor.holding(at(150), &submission(1, HBTC, Bytes::new(), 150)), None, "not a burn");
        assert!(censor.delays_deposits(at(150)) && !censor.delays_deposits(at(200)));
    }
}
