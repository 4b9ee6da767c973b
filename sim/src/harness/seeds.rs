//! Seeds derived from the base seed: one per replication, stable whatever order they run in.
//! Every derived seed is in `0..=SEED_MAX` (2^53 - 1), like the seeds a user may give, so each
//! one printed or written can be given back to `--seed` or `--set seed=` and survives JSON tools.

use crate::scenario::SEED_MAX;
use bitcoin::hashes::{Hash, HashEngine, sha256};

/// A seed from a finished SHA-256 engine: the digest's first 8 bytes, big-endian, with the bits
/// above [`SEED_MAX`] cleared.
pub fn seed_from(engine: sha256::HashEngine) -> u64 {
    let digest = sha256::Hash::from_engine(engine).to_byte_array();
    u64::from_be_bytes(digest[..8].try_into().expect("8 of 32 bytes")) & SEED_MAX
}

/// Seed of replication `index` (0-based) of a run with base seed `base`. Replication 0 uses the
/// base seed itself, so `--runs 1` and a plain run are the same run.
pub fn replication_seed(base: u64, index: u32) -> u64 {
    if index == 0 {
        return base;
    }
    let mut engine = sha256::Hash::engine();
    engine.input(b"hemisim/replication/v1\0");
    engine.input(&base.to_be_bytes());
    engine.input(&index.to_be_bytes());
    seed_from(engine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_seeds_are_distinct_and_stable() {
        assert_eq!(replication_seed(42, 0), 42);
        let seeds: Vec<u64> = (0..100).map(|i| replication_seed(42, i)).collect();
        let mut unique = seeds.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 100);
        assert_eq!(replication_seed(42, 7), seeds[7]);
        assert!(seeds.iter().all(|&s| s <= SEED_MAX), "derived seeds stay JSON-safe");
        assert!(seeds.iter().any(|&s| s > SEED_MAX >> 8), "the high bits below SEED_MAX are used");
    }
}
