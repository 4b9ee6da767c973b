//! A rotating sequencer set (`[sequencer] ha = "rotation"`): a decentralized set of members,
//! each with its own identity, taking turns by epochs of `rotation_blocks` blocks. Block `n`
//! (from 1) is member `((n - 1) / rotation_blocks) mod count`'s. When the owner of the next block
//! has not made it `slot_timeout` after it was due (its parent's time plus the block time), the
//! next member may, and so on: a missing member's slot is skipped, one member per timeout. Every
//! member reads the same chain and clock, so they agree on who builds without messages.

use crate::time::{SimDuration, SimTime};
use crate::units::L2Number;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    pub members: u32,
    pub rotation_blocks: u64,
    pub slot_timeout: SimDuration,
    pub block_time: SimDuration,
}

impl Rotation {
    /// The member whose turn block `number` is.
    pub fn owner(&self, number: L2Number) -> u32 {
        ((number.0.saturating_sub(1) / self.rotation_blocks) % u64::from(self.members)) as u32
    }

    /// Who may build block `next` at `now` when its parent was made at `parent_at`, and how many
    /// members were skipped to get there (0: the owner).
    pub fn designated(&self, next: L2Number, parent_at: SimTime, now: SimTime) -> (u32, u32) {
        let due = parent_at + self.block_time;
        let late = now.since(due).as_us();
        let skipped = (late / self.slot_timeout.as_us().max(1)) as u32 % self.members;
        ((self.owner(next) + skipped) % self.members, skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rotation() -> Rotation {
        Rotation {
            members: 5,
            rotation_blocks: 25,
            slot_timeout: SimDuration::from_secs(12),
            block_time: SimDuration::from_secs(12),
        }
    }

    #[test]
    fn turns_go_round_by_epochs_of_rotation_blocks() {
        let r = rotation();
        let owners: Vec<u32> = [1, 25, 26, 50, 51, 125, 126].iter().map(|&n| r.owner(L2Number(n))).collect();
        assert_eq!(owners, [0, 0, 1, 1, 2, 4, 0]);
    }

    #[test]
    fn a_missing_owner_is_skipped_one_member_per_timeout() {
        let r = rotation();
        let parent = SimTime(120_000_000);
        let at = |s: u64| SimTime(parent.0 + s * 1_000_000);
        assert_eq!(r.designated(L2Number(26), parent, at(12)), (1, 0), "due: the owner");
        assert_eq!(r.designated(L2Number(26), parent, at(23)), (1, 0), "still the owner's slot");
        assert_eq!(r.designated(L2Number(26), parent, at(24)), (2, 1), "one timeout late: the next");
        assert_eq!(r.designated(L2Number(26), parent, at(36)), (3, 2));
    }
}
