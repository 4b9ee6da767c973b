//! The settlement layer's safety invariants on the L2 heads, checked as the run goes (they need
//! memory of what came before, unlike the stateless checks of [`super::checks`]):
//!
//! - every node's safe head moves one block at a time, and never back: no safe block is ever
//!   reorged (this model has no L1 reorgs), so an unsafe reorg never goes below the safe head;
//! - all L2 nodes agree on the safe chain: the safe block at each number has one hash;
//! - the safe chain executes every portal deposit exactly once, in order: its L1 origins go up
//!   by at most one per block, and the block that opens an epoch executes as many deposits as
//!   that L1 block logged (their log order is the chain's own check);
//! - the finalized head never passes the safe head, and never moves back.

use hemisim_node::events::Observation;
use hemisim_node::l2::tx::B256;
use hemisim_node::time::SimTime;
use hemisim_node::units::{L1Number, L2Number};
use std::collections::BTreeMap;

/// One node's heads as its observations tell them.
#[derive(Debug, Clone, Copy)]
struct NodeHeads {
    safe: L2Number,
    safe_origin: L1Number,
    finalized: L2Number,
}

impl Default for NodeHeads {
    fn default() -> Self {
        NodeHeads { safe: L2Number::ZERO, safe_origin: L1Number::ZERO, finalized: L2Number::ZERO }
    }
}

/// What an `L2Safe` observation says about the new safe block.
#[derive(Debug, Clone, Copy)]
struct SafeBlock {
    number: L2Number,
    hash: B256,
    origin: L1Number,
    opens_epoch: bool,
    deposits: u32,
}

#[derive(Debug, Default)]
pub struct HeadsChecker {
    nodes: BTreeMap<String, NodeHeads>,
    /// The safe chain: the hash of the safe block at each number, and who said it first.
    safe_chain: BTreeMap<L2Number, (B256, String)>,
    /// Deposits each L1 block logged.
    l1_deposits: BTreeMap<L1Number, u32>,
}

impl HeadsChecker {
    /// The violation `observation` is, if it breaks one of the invariants.
    pub fn check(&mut self, at: SimTime, peer: &str, observation: &Observation) -> Option<String> {
        match observation {
            Observation::L1Block { number, deposits, .. } => {
                self.l1_deposits.insert(*number, *deposits);
                None
            }
            Observation::L2Safe { number, hash, l1_origin, opens_epoch, deposits, .. } => {
                let block = SafeBlock {
                    number: *number,
                    hash: *hash,
                    origin: *l1_origin,
                    opens_epoch: *opens_epoch,
                    deposits: *deposits,
                };
                self.safe(at, peer, block)
            }
            Observation::L2Reorg { to, .. } => {
                let safe = self.nodes.get(peer).copied().unwrap_or_default().safe;
                (*to < safe).then(|| {
                    format!("{peer} reorged its L2 chain to block {to} at t={at}s, below its safe head {safe}")
                })
            }
            Observation::L2Finalized { number } => {
                let heads = self.nodes.entry(peer.to_owned()).or_default();
                let problem = if *number > heads.safe {
                    Some(format!("{peer}'s finalized head {number} passed its safe head {} at t={at}s", heads.safe))
                } else if *number < heads.finalized {
                    Some(format!("{peer}'s finalized head moved back from {} to {number} at t={at}s", heads.finalized))
                } else {
                    None
                };
                heads.finalized = *number;
                problem
            }
            _ => None,
        }
    }

    fn safe(&mut self, at: SimTime, peer: &str, block: SafeBlock) -> Option<String> {
        let SafeBlock { number, hash, origin, opens_epoch, deposits } = block;
        let heads = self.nodes.entry(peer.to_owned()).or_default();
        let before = *heads;
        heads.safe = number;
        heads.safe_origin = origin;
        if number != before.safe.next() {
            return Some(format!("{peer}'s safe head jumped from {} to {number} at t={at}s", before.safe));
        }
        let expected_open = origin != before.safe_origin;
        if origin < before.safe_origin || origin.0 > before.safe_origin.0 + 1 || opens_epoch != expected_open {
            return Some(format!(
                "{peer}'s safe block {number} has L1 origin {origin} after {} (opens its epoch: {opens_epoch}) at t={at}s",
                before.safe_origin
            ));
        }
        if opens_epoch
            && let Some(&logged) = self.l1_deposits.get(&origin)
            && logged != deposits
        {
            return Some(format!(
                "{peer}'s safe block {number} executes {deposits} deposits of L1 block {origin}, which logged {logged}"
            ));
        }
        match self.safe_chain.get(&number) {
            Some((first, first_peer)) if *first != hash => Some(format!(
                "{peer} and {first_peer} disagree on safe L2 block {number} at t={at}s: {hash} and {first}"
            )),
            Some(_) => None,
            None => {
                self.safe_chain.insert(number, (hash, peer.to_owned()));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe(number: u64, hash: u8, origin: u64, opens_epoch: bool, deposits: u32) -> Observation {
        Observation::L2Safe {
            number: L2Number(number),
            hash: B256::repeat_byte(hash),
            l1_origin: L1Number(origin),
            opens_epoch,
            deposits,
            derived_from: L1Number(origin + 10),
            forced: false,
            consolidated: true,
        }
    }

    fn l1(number: u64, deposits: u32) -> Observation {
        Observation::L1Block {
            number: L1Number(number),
            time_s: number * 12,
            hash: B256::ZERO,
            parent: B256::ZERO,
            deposits,
            batcher_txs: 0,
            batch_bytes: 0,
            finalized: L1Number(0),
        }
    }

    #[test]
    fn an_honest_safe_chain_passes() {
        let mut checker = HeadsChecker::default();
        let t = SimTime(1);
        assert_eq!(checker.check(t, "ethereum", &l1(1, 2)), None);
        for peer in ["sequencer", "verifier-0"] {
            assert_eq!(checker.check(t, peer, &safe(1, 1, 0, false, 0)), None);
            assert_eq!(checker.check(t, peer, &safe(2, 2, 1, true, 2)), None);
            assert_eq!(checker.check(t, peer, &safe(3, 3, 1, false, 0)), None);
            assert_eq!(checker.check(t, peer, &Observation::L2Finalized { number: L2Number(2) }), None);
            let reorg = Observation::L2Reorg { from: L2Number(5), to: L2Number(3), txs: 1, because: "x".into() };
            assert_eq!(checker.check(t, peer, &reorg), None);
        }
    }

    #[test]
    fn each_broken_invariant_is_named() {
        let t = SimTime(1);
        let run = |observations: &[(&str, Observation)]| {
            let mut checker = HeadsChecker::default();
            observations.iter().filter_map(|(peer, o)| checker.check(t, peer, o)).collect::<Vec<_>>()
        };
        let jumped = run(&[("v", safe(2, 2, 0, false, 0))]);
        assert!(jumped[0].contains("jumped from 0 to 2"), "{jumped:?}");
        let disagree = run(&[("a", safe(1, 1, 0, false, 0)), ("b", safe(1, 9, 0, false, 0))]);
        assert!(disagree[0].contains("b and a disagree on safe L2 block 1"), "{disagree:?}");
        let skipped_epoch = run(&[("a", safe(1, 1, 2, true, 0))]);
        assert!(skipped_epoch[0].contains("L1 origin 2 after 0"), "{skipped_epoch:?}");
        let lost_deposit = run(&[("ethereum", l1(1, 3)), ("a", safe(1, 1, 1, true, 2))]);
        assert!(lost_deposit[0].contains("executes 2 deposits of L1 block 1, which logged 3"), "{lost_deposit:?}");
        let deep = Observation::L2Reorg { from: L2Number(3), to: L2Number(0), txs: 0, because: "x".into() };
        let below_safe = run(&[("a", safe(1, 1, 0, false, 0)), ("a", deep)]);
        assert!(below_safe[0].contains("below its safe head 1"), "{below_safe:?}");
        let early = run(&[("a", Observation::L2Finalized { number: L2Number(1) })]);
        assert!(early[0].contains("passed its safe head 0"), "{early:?}");
    }
}
