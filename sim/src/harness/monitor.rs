//! Safety invariants checked as the run goes: every observation passes through the monitor as
//! it is recorded, and the first one that breaks a safety invariant stops the run there (unless
//! the run keeps going, to count every violation), so a failing seed points at the moment things
//! went wrong rather than at the end of a long run.
//!
//! Safety here is what no honest execution may ever produce: a block refused by a peer (every
//! miner builds valid blocks, so a refusal is a consensus bug), a verifier disagreeing with an L2
//! block, the superfinal frontier moving back, the tunnel's books breaking. Liveness (did things
//! happen that should have) can only be judged on the quiet world at the end: see
//! each area's `checks` ([`crate::areas`]), which also define what breaks safety.

use super::violation::{Violation, ViolationKind};
use crate::areas::l2::commits::CommitChecker;
use crate::areas::l2::heads::HeadsChecker;
use crate::areas::pop::reverts::SuperfinalWatch;
use crate::areas::safety as violation;
use crate::areas::tunnel::payouts::SuperfinalPayoutWatch;
use hemisim_node::events::Observation;
use hemisim_node::time::SimTime;

#[derive(Debug)]
pub struct SafetyMonitor {
    keep_going: bool,
    /// The invariants that remember what came before (settlement chains' heads).
    heads: HeadsChecker,
    /// The conductor's one gossiped block per height.
    commits: CommitChecker,
    /// Under `l2.fork_choice = "pop"`: superfinal blocks must stay canonical.
    superfinal: Option<SuperfinalWatch>,
    /// Under `l2.fork_choice = "pop"`: no payout of a superfinal burn is lost.
    superfinal_payouts: Option<SuperfinalPayoutWatch>,
    violations: Vec<Violation>,
    stopped_at: Option<SimTime>,
}

impl SafetyMonitor {
    /// `keep_going`: record every violation instead of stopping at the first.
    pub fn new(keep_going: bool) -> Self {
        SafetyMonitor {
            keep_going,
            heads: HeadsChecker::default(),
            commits: CommitChecker::default(),
            superfinal: None,
            superfinal_payouts: None,
            violations: Vec::new(),
            stopped_at: None,
        }
    }

    /// Under the PoP fork choice a superfinal block that leaves the canonical chain is a safety
    /// violation (under derivation it is a measured finding, `pop.superfinal_reverts`), and so is
    /// a lost payout of a superfinal burn (under derivation a loss, `tunnel.lost_payouts`).
    pub fn with_pop_fork_choice(mut self) -> Self {
        self.superfinal = Some(SuperfinalWatch::default());
        self.superfinal_payouts = Some(SuperfinalPayoutWatch::default());
        self
    }

    /// Looks at one observation as it is recorded; true when the run must stop now.
    pub fn inspect(&mut self, at: SimTime, peer: &str, observation: &Observation) -> bool {
        let reverted = self.superfinal.as_mut().and_then(|w| w.observe(peer, observation));
        let lost = self.superfinal_payouts.as_mut().and_then(|w| w.observe(observation));
        let found = violation(at, peer, observation)
            .or_else(|| self.heads.check(at, peer, observation))
            .or_else(|| self.commits.check(at, peer, observation))
            .or_else(|| reverted.map(|r| format!("{r} at t={at}s under l2.fork_choice = \"pop\"")))
            .or_else(|| lost.map(|l| format!("{l} at t={at}s under l2.fork_choice = \"pop\"")));
        let Some(message) = found else { return false };
        self.violations.push(Violation { kind: ViolationKind::Safety, message });
        if self.keep_going || self.stopped_at.is_some() {
            return false;
        }
        self.stopped_at = Some(at);
        true
    }

    /// When the run stopped at a violation, if it did.
    pub fn stopped_at(&self) -> Option<SimTime> {
        self.stopped_at
    }

    /// The safety violations, in the order they happened.
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::world::OBSERVER;
    use hemisim_node::units::{BtcHeight, L2Number};

    fn refusal() -> Observation {
        Observation::BlockRejected { hash: block_hash(), reason: "bad".into() }
    }

    fn block_hash() -> bitcoin::BlockHash {
        use bitcoin::hashes::Hash;
        bitcoin::BlockHash::from_byte_array([0xab; 32])
    }

    #[test]
    fn the_first_safety_violation_stops_the_run_at_its_time() {
        let mut monitor = SafetyMonitor::new(false);
        assert!(!monitor.inspect(SimTime(1), "miner-0", &Observation::L2BlockVerified { number: L2Number(1) }));
        assert!(monitor.inspect(SimTime(5_000_000), "miner-1", &refusal()));
        assert!(!monitor.inspect(SimTime(5_000_000), "miner-2", &refusal()), "stopped once");
        assert_eq!(monitor.stopped_at(), Some(SimTime(5_000_000)));
        let violations = monitor.into_violations();
        assert_eq!(violations.len(), 2, "what happened at the same instant is kept");
        assert_eq!(violations[0].kind, ViolationKind::Safety);
        assert_eq!(violations[0].message, format!("miner-1 refused block {} at t=5.000000s: bad", block_hash()));
    }

    #[test]
    fn keep_going_records_every_violation_without_stopping() {
        let mut monitor = SafetyMonitor::new(true);
        let mismatch = Observation::L2Mismatch { number: L2Number(42), what: "state root differs".into() };
        assert!(!monitor.inspect(SimTime(7_000_000), "verifier-1", &mismatch));
        assert!(!monitor.inspect(SimTime(8_000_000), "miner-1", &refusal()));
        assert_eq!(monitor.stopped_at(), None);
        let messages: Vec<String> = monitor.into_violations().into_iter().map(|v| v.message).collect();
        let refused = format!("miner-1 refused block {} at t=8.000000s: bad", block_hash());
        assert_eq!(
            messages,
            ["verifier-1 disagrees with L2 block 42 at t=7.000000s: state root differs", refused.as_str()]
        );
    }

    #[test]
    fn a_revert_counts_only_on_the_observer_and_books_name_their_block() {
        let revert = Observation::SuperfinalityReverted {
            from_l2_number: L2Number(50),
            to_l2_number: L2Number(25),
            tip_height: BtcHeight(9),
        };
        assert_eq!(violation(SimTime(1), "pop-miner-0", &revert), None);
        let message = violation(SimTime(2_000_000), OBSERVER, &revert).expect("a violation");
        assert!(message.starts_with("superfinality reverted at t=2.000000s: L2 blocks 26..=50"), "{message}");
        let books = Observation::TunnelViolation { l2_number: L2Number(7), what: "unbacked".into() };
        assert_eq!(
            violation(SimTime(3_000_000), OBSERVER, &books).as_deref(),
            Some("tunnel books broken at L2 block 7 (t=3s): unbacked")
        );
    }

    #[test]
    fn under_pop_a_superfinal_block_off_the_verifiers_safe_chain_stops_the_run() {
        use bitcoin::hashes::{Hash, sha256d};
        use hemisim_node::l2::tx::B256;
        use hemisim_node::pop::keystone::KeystoneHash;
        use hemisim_node::units::L1Number;
        let keystone = KeystoneHash(sha256d::Hash::from_byte_array([7; 32]));
        let made = Observation::KeystoneMade { l2_number: L2Number(1), keystone, l2_block: B256::repeat_byte(0xa) };
        let superfinal = Observation::Superfinal {
            l2_number: L2Number(1),
            keystone,
            published_height: BtcHeight(3),
            tip_height: BtcHeight(13),
        };
        // The verifier's first safe block (the heads checker sees nothing wrong with it).
        let safe = Observation::L2Safe {
            number: L2Number(1),
            hash: B256::repeat_byte(0xb),
            l1_origin: L1Number(1),
            opens_epoch: true,
            deposits: 0,
            derived_from: L1Number(9),
            forced: false,
            consolidated: false,
        };
        let mut derivation = SafetyMonitor::new(false);
        let mut pop = SafetyMonitor::new(false).with_pop_fork_choice();
        for monitor in [&mut derivation, &mut pop] {
            assert!(!monitor.inspect(SimTime(1), "sequencer", &made));
            assert!(!monitor.inspect(SimTime(2), OBSERVER, &superfinal));
        }
        assert!(!derivation.inspect(SimTime(3_000_000), "verifier-0", &safe), "a finding under derivation");
        assert!(pop.inspect(SimTime(3_000_000), "verifier-0", &safe), "a violation under pop");
        let message = &pop.into_violations()[0].message;
        assert!(message.starts_with("superfinal L2 block 1 "), "{message}");
        assert!(message.ends_with("at t=3.000000s under l2.fork_choice = \"pop\""), "{message}");
    }
}
