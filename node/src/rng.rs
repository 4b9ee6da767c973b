//! Seeded random streams: one ChaCha stream per component, derived from the run's seed.
//!
//! Every random decision in a run comes from a [`Stream`] derived as `Stream::derive(seed,
//! label)`, where the label names the component ("miner-3/mining"). Adding a component or a draw
//! in one component therefore never shifts the numbers another component sees. The few
//! distributions the simulator needs are written here with `libm`, a pure-Rust libm, so that the
//! same seed gives bit-identical samples on every platform (the system libm may differ in the
//! last bit between machines).

use bitcoin::hashes::{Hash, HashEngine, sha256};
use rand_chacha::ChaCha12Rng;
use rand_core::{Rng, SeedableRng};

/// A deterministic random stream owned by one component.
#[derive(Debug, Clone)]
pub struct Stream {
    rng: ChaCha12Rng,
}

impl Stream {
    /// The stream of component `label` in the run seeded with `seed`: SHA-256(seed || label) keys
    /// a ChaCha12 generator.
    pub fn derive(seed: u64, label: &str) -> Self {
        let mut engine = sha256::Hash::engine();
        engine.input(b"hemisim/stream/v1\0");
        engine.input(&seed.to_be_bytes());
        engine.input(label.as_bytes());
        let key = sha256::Hash::from_engine(engine).to_byte_array();
        Stream { rng: ChaCha12Rng::from_seed(key) }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    pub fn unit_open_low(&mut self) -> f64 {
        1.0 - self.unit()
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(self.unit_open_low())
    }

    /// True with probability `p` (clamped to [0, 1]).
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform integer in `0..=max`, without modulo bias (Lemire's method with rejection).
    pub fn below_inclusive(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            return self.next_u64();
        }
        let range = max + 1;
        let zone = u64::MAX - (u64::MAX - range + 1) % range;
        loop {
            let x = self.next_u64();
            if x <= zone {
                return x % range;
            }
        }
    }

    /// Log-uniform in [lo, hi] (lo > 0): every order of magnitude equally likely.
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            return lo;
        }
        libm::exp(libm::log(lo) + self.unit() * (libm::log(hi) - libm::log(lo)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let mut a = Stream::derive(7, "miner-0");
        let mut b = Stream::derive(7, "miner-0");
        let mut c = Stream::derive(7, "miner-1");
        let mut d = Stream::derive(8, "miner-0");
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        assert_eq!(xs, (0..4).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(xs, (0..4).map(|_| c.next_u64()).collect::<Vec<_>>());
        assert_ne!(xs, (0..4).map(|_| d.next_u64()).collect::<Vec<_>>());
    }

    #[test]
    fn exponential_mean_and_tail_match() {
        let mut s = Stream::derive(1, "test");
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| s.exponential(600.0)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        // Standard error of the mean is 600 / sqrt(n) = 1.34; allow 5 of them.
        assert!((mean - 600.0).abs() < 5.0 * 600.0 / (n as f64).sqrt(), "mean {mean}");
        let above = xs.iter().filter(|&&x| x > 600.0).count() as f64 / n as f64;
        let p = (-1.0f64).exp();
        assert!((above - p).abs() < 5.0 * (p * (1.0 - p) / n as f64).sqrt(), "tail {above}");
    }

    #[test]
    fn bounded_integers_cover_the_range_only() {
        let mut s = Stream::derive(3, "test");
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            seen[s.below_inclusive(4) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 1_800), "{seen:?}");
        assert_eq!(Stream::derive(3, "x").below_inclusive(0), 0);
    }
}
