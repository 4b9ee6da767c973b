//! A hasher for maps keyed by Bitcoin hashes (txids, block hashes, outpoints).
//!
//! Those keys are already uniformly random 256-bit values, so hashing them again with SipHash
//! spends time for nothing; [`IdHasher`] folds the bytes it is given into a `u64` with a cheap
//! mix instead. It is also unseeded: such maps behave the same in every process, not only under
//! madsim's seeded `RandomState` (they are still never iterated where order could leak). Not for
//! keys an adversary chooses: there is no adversary inside a simulation.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Folds written bytes 8 at a time with a multiply-xorshift mix.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher {
    state: u64,
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.mix(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn finish(&self) -> u64 {
        self.state
    }
}

impl IdHasher {
    fn mix(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub type IdBuildHasher = BuildHasherDefault<IdHasher>;
/// A `HashMap` keyed by hashes or outpoints.
pub type IdMap<K, V> = HashMap<K, V, IdBuildHasher>;
/// A `HashSet` of hashes or outpoints.
pub type IdSet<K> = HashSet<K, IdBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;
    use bitcoin::{OutPoint, Txid};
    use std::hash::BuildHasher;

    #[test]
    fn outpoints_of_one_transaction_hash_apart() {
        let txid = Txid::from_byte_array([7; 32]);
        let build = IdBuildHasher::default();
        let a = build.hash_one(OutPoint { txid, vout: 0 });
        let b = build.hash_one(OutPoint { txid, vout: 1 });
        assert_ne!(a, b);
        assert_eq!(a, IdBuildHasher::default().hash_one(OutPoint { txid, vout: 0 }), "unseeded: stable");
    }
}
