//! The histogram of transaction inclusion latencies the sequencer keeps: the one definition of
//! its buckets. The reports read it as data (`bucket_us` and the counts) and never bucket
//! latencies themselves.

use crate::time::SimDuration;

/// Width of a bucket: 100 ms.
pub const BUCKET_US: u64 = 100_000;
/// Number of buckets: 6 hours; the last one also holds everything longer.
pub const BUCKETS: usize = 216_000;

/// Counts of latencies: bucket i holds [i * BUCKET_US, (i + 1) * BUCKET_US); the last bucket
/// also holds everything above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram { counts: vec![0; BUCKETS] }
    }
}

impl LatencyHistogram {
    pub fn record(&mut self, latency: SimDuration) {
        let bucket = ((latency.as_us() / BUCKET_US) as usize).min(BUCKETS - 1);
        self.counts[bucket] += 1;
    }

    pub fn counts(&self) -> &[u64] {
        &self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_half_open_and_the_last_takes_everything_above() {
        let mut h = LatencyHistogram::default();
        h.record(SimDuration(99_999));
        h.record(SimDuration(100_000));
        h.record(SimDuration::from_secs(7 * 3600));
        assert_eq!((h.counts()[0], h.counts()[1], h.counts()[BUCKETS - 1]), (1, 1, 1));
        assert_eq!(h.counts().iter().sum::<u64>(), 3);
    }
}
