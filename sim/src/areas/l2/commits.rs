//! The conductor's promise, checked as the run goes: at most one gossiped unsafe block per
//! height. Its leaders report each block they gossip (`L2BlockCommitted`); a second, different
//! block at a height some leader already gossiped is an unsafe reorg the group let through.
//! On a settlement chain L1 may replace gossiped blocks (an unsafe reorg by derivation: a
//! forced block, an invalid batch): that is L1's decision, not the group's, and the heights a
//! sequencing member's reorg took back may be gossiped again.

use hemisim_node::events::Observation;
use hemisim_node::l2::tx::B256;
use hemisim_node::time::SimTime;
use hemisim_node::units::L2Number;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct CommitChecker {
    gossiped: BTreeMap<L2Number, (B256, String)>,
}

impl CommitChecker {
    /// A violation's message, if `observation` breaks the promise.
    pub fn check(&mut self, at: SimTime, peer: &str, observation: &Observation) -> Option<String> {
        if let Observation::L2Reorg { to, .. } = observation
            && (peer == "sequencer" || peer.starts_with("sequencer-"))
        {
            self.gossiped.split_off(&to.next());
            return None;
        }
        let Observation::L2BlockCommitted { number, hash, .. } = observation else { return None };
        match self.gossiped.get(number) {
            Some((first, by)) if first != hash => Some(format!(
                "two gossiped L2 blocks at height {number} under the conductor: {first} by {by}, then {hash} by {peer} at t={}s",
                at.as_us() as f64 / 1e6
            )),
            Some(_) => None,
            None => {
                self.gossiped.insert(*number, (*hash, peer.to_owned()));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_block_at_a_gossiped_height_is_a_violation() {
        let mut c = CommitChecker::default();
        let commit =
            |n: u64, h: u8| Observation::L2BlockCommitted { number: L2Number(n), hash: B256::repeat_byte(h), term: 1 };
        assert_eq!(c.check(SimTime(1), "sequencer", &commit(1, 1)), None);
        assert_eq!(c.check(SimTime(2), "sequencer-1", &commit(1, 1)), None, "the same block again");
        assert_eq!(c.check(SimTime(3), "sequencer-1", &commit(2, 2)), None);
        let v = c.check(SimTime(4_000_000), "sequencer-2", &commit(2, 3)).expect("a violation");
        assert!(v.starts_with("two gossiped L2 blocks at height 2"), "{v}");
    }
}
