//! Superfinal reverts: a keystone block the observer saw become superfinal (BFG's rule) that is
//! not the block the verifiers' safe chain holds at its number. The verifiers' safe chain is the
//! canonical history as the verifiers' fork choice makes it (every node agrees on it:
//! [`crate::areas::l2::heads`]): under `l2.fork_choice = "derivation"` derivation's, so an
//! equivocating sequencer that batches other blocks than it gossiped reverts superfinal blocks
//! (a measured finding, `pop.superfinal_reverts`); under `"pop"` a verifier refuses such a reorg
//! when the keystones of its fork were published first, and a revert is a safety violation.

use crate::harness::world::OBSERVER;
use hemisim_node::events::Observation;
use hemisim_node::l2::tx::B256;
use hemisim_node::pop::keystone::KeystoneHash;
use hemisim_node::units::L2Number;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
pub struct SuperfinalWatch {
    /// The block of every keystone the sequencer made.
    keystone_blocks: BTreeMap<KeystoneHash, (L2Number, B256)>,
    /// The superfinal keystone blocks, by number (several when an equivocation made two).
    superfinal: BTreeMap<L2Number, BTreeSet<B256>>,
    /// The verifiers' safe chain (the first hash each number got).
    safe: BTreeMap<L2Number, B256>,
    /// Superfinal blocks found off the safe chain.
    reverted: BTreeSet<(L2Number, B256)>,
}

impl SuperfinalWatch {
    /// Superfinal blocks found off the canonical chain so far.
    pub fn reverts(&self) -> u64 {
        self.reverted.len() as u64
    }

    /// Looks at one observation; returns the message of each new revert it reveals.
    pub fn observe(&mut self, peer: &str, observation: &Observation) -> Option<String> {
        match observation {
            Observation::KeystoneMade { l2_number, keystone, l2_block } => {
                self.keystone_blocks.insert(*keystone, (*l2_number, *l2_block));
                None
            }
            Observation::Superfinal { keystone, .. } if peer == OBSERVER => {
                let &(number, block) = self.keystone_blocks.get(keystone)?;
                self.superfinal.entry(number).or_default().insert(block);
                self.check(number)
            }
            Observation::L2Safe { number, hash, .. } if peer.starts_with("verifier-") => {
                self.safe.entry(*number).or_insert(*hash);
                self.check(*number)
            }
            _ => None,
        }
    }

    fn check(&mut self, number: L2Number) -> Option<String> {
        let safe = *self.safe.get(&number)?;
        let off = self
            .superfinal
            .get(&number)?
            .iter()
            .copied()
            .find(|b| *b != safe && !self.reverted.contains(&(number, *b)))?;
        self.reverted.insert((number, off));
        Some(format!(
            "superfinal L2 block {number} ({off}) left the canonical chain: the verifiers' safe block {number} is {safe}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::{Hash, sha256d};
    use hemisim_node::units::{BtcHeight, L1Number};

    fn made(n: u64, key: u8, block: u8) -> Observation {
        Observation::KeystoneMade {
            l2_number: L2Number(n),
            keystone: KeystoneHash(sha256d::Hash::from_byte_array([key; 32])),
            l2_block: B256::repeat_byte(block),
        }
    }

    fn superfinal(n: u64, key: u8) -> Observation {
        Observation::Superfinal {
            l2_number: L2Number(n),
            keystone: KeystoneHash(sha256d::Hash::from_byte_array([key; 32])),
            published_height: BtcHeight(1),
            tip_height: BtcHeight(11),
        }
    }

    fn safe(n: u64, block: u8) -> Observation {
        Observation::L2Safe {
            number: L2Number(n),
            hash: B256::repeat_byte(block),
            l1_origin: L1Number(1),
            opens_epoch: false,
            deposits: 0,
            derived_from: L1Number(2),
            forced: false,
            consolidated: false,
        }
    }

    #[test]
    fn a_superfinal_block_off_the_safe_chain_is_a_revert_whichever_comes_first() {
        let mut watch = SuperfinalWatch::default();
        assert_eq!(watch.observe("sequencer", &made(25, 1, 0xa)), None);
        assert_eq!(watch.observe("sequencer", &made(50, 2, 0xb)), None);
        assert_eq!(watch.observe(OBSERVER, &superfinal(25, 1)), None, "not safe yet");
        assert_eq!(watch.observe("sequencer", &safe(25, 0xc)), None, "only verifiers make the canonical chain");
        let message = watch.observe("verifier-1", &safe(25, 0xc)).expect("a revert");
        assert!(message.starts_with("superfinal L2 block 25 "), "{message}");
        assert_eq!(watch.observe("verifier-0", &safe(25, 0xc)), None, "each block once");
        assert_eq!(watch.observe("verifier-0", &safe(50, 0xb)), None, "the superfinal block itself");
        assert_eq!(watch.observe(OBSERVER, &superfinal(50, 2)), None);
        assert_eq!(watch.reverts(), 1);
    }
}
