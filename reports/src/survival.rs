//! The Kaplan–Meier estimator of a latency distribution when some samples are still waiting.
//!
//! At the end of a run some L2 blocks are not yet superfinal: their latency is only known to
//! exceed the time they have waited (they are *right-censored*). Dropping them biases the
//! distribution low (the slowest blocks are the ones still waiting); counting them as finished
//! does too. Kaplan & Meier (1958) use each censored sample for as long as it was observed: at
//! every distinct event time `t` the survival `S(t) = P(latency > t)` is multiplied by
//! `1 - d/n`, with `d` the samples finishing at `t` and `n` those still waiting just before `t`
//! (samples censored at `t` count as waiting at `t`, the usual convention). Without censoring
//! this is exactly the empirical distribution.
//!
//! Times are integer microseconds; survival is a product of ratios of integers, computed in one
//! fixed order, so every result is reproducible bit for bit.

/// Relative slack when comparing a survival with `1 - q`: a product of ratios that should equal
/// `1 - q` exactly (say 19/20 · 18/19 · ... = 0.05) may round a few ulps above it.
const QUANTILE_SLACK: f64 = 1e-9;

/// A Kaplan–Meier survival curve: a step function, right-continuous, starting at 1.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    /// `(t_us, S(t))` at every distinct time at which at least one sample finished, increasing;
    /// `S` is the survival from `t` on (until the next step).
    steps: Vec<(u64, f64)>,
    /// Samples, finished or censored.
    pub samples: u64,
    /// Samples whose latency was observed (not censored).
    pub events: u64,
    /// Largest time observed, finished or censored: where the curve stops being known.
    pub largest_us: u64,
}

impl KaplanMeier {
    /// The curve of `samples`, each `(time_us, finished)`: `finished` says the latency was
    /// observed to be `time_us`; otherwise the sample was still waiting after `time_us`
    /// (censored). Order does not matter. `None` for no samples.
    pub fn fit(samples: &[(u64, bool)]) -> Option<KaplanMeier> {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let largest_us = sorted.last()?.0;
        let events = sorted.iter().filter(|s| s.1).count() as u64;
        let mut at_risk = sorted.len() as u64;
        let mut survival = 1.0;
        let mut steps = Vec::new();
        for group in sorted.chunk_by(|a, b| a.0 == b.0) {
            let finished = group.iter().filter(|s| s.1).count() as u64;
            if finished > 0 {
                survival *= (at_risk - finished) as f64 / at_risk as f64;
                steps.push((group[0].0, survival));
            }
            at_risk -= group.len() as u64;
        }
        Some(KaplanMeier { steps, samples: sorted.len() as u64, events, largest_us })
    }

    /// `(t_us, S(t))` at every event time, increasing (the curve is 1 before the first).
    pub fn steps(&self) -> &[(u64, f64)] {
        &self.steps
    }

    /// `S(t) = P(latency > t)`. Beyond [`KaplanMeier::largest_us`] this is the last known value
    /// (the curve is not known there).
    pub fn survival(&self, t_us: u64) -> f64 {
        let i = self.steps.partition_point(|&(t, _)| t <= t_us);
        i.checked_sub(1).map_or(1.0, |i| self.steps[i].1)
    }

    /// The `q`-quantile: the smallest event time `t` with `S(t) <= 1 - q` (up to a relative
    /// 1e-9, so that rounding cannot skip an exact hit). `None` when the curve never falls that
    /// low: too many samples were still waiting. `q` is clamped to [0, 1]; `q = 0` gives 0.
    pub fn quantile_us(&self, q: f64) -> Option<u64> {
        let q = q.clamp(0.0, 1.0);
        if q == 0.0 {
            return Some(0);
        }
        let threshold = (1.0 - q) * (1.0 + QUANTILE_SLACK);
        self.steps.iter().find(|&&(_, s)| s <= threshold).map(|&(t, _)| t)
    }

    /// Mean latency **restricted to the largest observed time** τ = [`KaplanMeier::largest_us`]:
    /// the area under `S` from 0 to τ, in µs. It equals the sample mean when nothing is censored
    /// (or when the largest sample finished, so that `S(τ) = 0`); otherwise it is the mean of
    /// `min(latency, τ)`, a lower bound of the mean (the tail past τ is unknown).
    pub fn restricted_mean_us(&self) -> f64 {
        let (mut area, mut previous_t, mut previous_s) = (0.0, 0u64, 1.0);
        for &(t, s) in &self.steps {
            area += previous_s * (t - previous_t) as f64;
            (previous_t, previous_s) = (t, s);
        }
        area + previous_s * (self.largest_us - previous_t) as f64
    }

    /// The mean as far as the samples tell it: `None` when no sample finished (the curve never
    /// left 1, so the restricted mean would only be the longest wait, a number about nothing
    /// finished); else the restricted mean, flagged as a lower bound when the curve had not
    /// reached 0 at τ (the slowest samples were still waiting).
    pub fn mean_estimate_us(&self) -> Option<MeanEstimate> {
        (self.events > 0)
            .then(|| MeanEstimate { us: self.restricted_mean_us(), lower_bound: self.survival(self.largest_us) > 0.0 })
    }
}

/// A mean latency from a Kaplan–Meier curve ([`KaplanMeier::mean_estimate_us`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanEstimate {
    /// The restricted mean, in µs.
    pub us: f64,
    /// Samples were still waiting past the last event: the true mean is at least `us`.
    pub lower_bound: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::percentile_nearest_rank;

    /// Remission times in weeks of the 6-MP group of Freireich et al. (1963), the textbook
    /// Kaplan–Meier example (`false`: censored, written `6+` in the literature).
    fn six_mp() -> Vec<(u64, bool)> {
        let finished = [6, 6, 6, 7, 10, 13, 16, 22, 23];
        let censored = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35];
        let mut samples: Vec<(u64, bool)> = censored.iter().map(|&t| (t, false)).collect();
        samples.extend(finished.iter().map(|&t| (t, true)));
        samples
    }

    #[test]
    fn six_mp_by_hand() {
        let km = KaplanMeier::fit(&six_mp()).expect("21 samples");
        assert_eq!((km.samples, km.events, km.largest_us), (21, 9, 35));
        // At risk before each event time: 21 (3 finish at 6; one censored at 6 still counts),
        // 17, 15, 12, 11, 7, 6.
        let mut s = 1.0;
        let expected: Vec<(u64, f64)> = [(6, 21, 3), (7, 17, 1), (10, 15, 1), (13, 12, 1)]
            .into_iter()
            .chain([(16, 11, 1), (22, 7, 1), (23, 6, 1)])
            .map(|(t, n, d)| {
                s *= f64::from(n - d) / f64::from(n);
                (t, s)
            })
            .collect();
        assert_eq!(km.steps(), expected.as_slice());
        // The published curve, to 3 decimals: 0.857 0.807 0.753 0.690 0.627 0.538 0.448.
        let published = [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448];
        for (&(_, s), p) in km.steps().iter().zip(published) {
            assert!((s - p).abs() < 5e-4, "{s} vs {p}");
        }
        assert_eq!((km.survival(5), km.survival(6), km.survival(9)), (1.0, 6.0 / 7.0, km.steps()[1].1));
        assert_eq!(km.survival(100), km.steps()[6].1);
        // Median 23 weeks (published); S(10) = 0.753 > 0.75, so the 25th percentile is 13.
        assert_eq!(km.quantile_us(0.5), Some(23));
        assert_eq!(km.quantile_us(0.25), Some(13));
        assert_eq!(km.quantile_us(0.6), None, "the curve stops at 0.448");
        assert_eq!(km.quantile_us(0.0), Some(0));
        // Area under S up to 35 weeks: 23.287 (R: print(survfit(...), rmean = 35)).
        let st: Vec<f64> = km.steps().iter().map(|s| s.1).collect();
        let area = 6.0 + st[0] + 3.0 * st[1] + 3.0 * st[2] + 3.0 * st[3] + 6.0 * st[4] + st[5] + 12.0 * st[6];
        assert!((km.restricted_mean_us() - area).abs() < 1e-12);
        assert!((area - 23.287).abs() < 5e-4, "{area}");
    }

    #[test]
    fn without_censoring_it_is_the_empirical_distribution() {
        // 20 distinct latencies and one tie, in no particular order.
        let mut xs: Vec<u64> = (1..=20u64).map(|i| (i * 7919) % 101 * 1_000).collect();
        xs.push(xs[3]);
        let samples: Vec<(u64, bool)> = xs.iter().map(|&x| (x, true)).collect();
        let km = KaplanMeier::fit(&samples).expect("21 samples");
        xs.sort_unstable();
        for percent in [1, 5, 10, 25, 50, 51, 75, 90, 95, 99, 100] {
            let q = f64::from(percent) / 100.0;
            assert_eq!(km.quantile_us(q), percentile_nearest_rank(&xs, percent), "p{percent}");
        }
        let mean = xs.iter().sum::<u64>() as f64 / xs.len() as f64;
        assert!((km.restricted_mean_us() - mean).abs() < 1e-6 * mean);
        assert_eq!(km.steps().last().map(|s| s.1), Some(0.0));
        let estimate = km.mean_estimate_us().expect("samples finished");
        assert_eq!((estimate.us, estimate.lower_bound), (km.restricted_mean_us(), false));
    }

    #[test]
    fn censoring_keeps_samples_at_risk_until_they_leave() {
        // 10 finishes; 20 and 40 censored; 30 finishes; 50 censored.
        let km = KaplanMeier::fit(&[(40, false), (10, true), (30, true), (20, false), (50, false)]).expect("5 samples");
        // S(10) = 4/5; at 30 three are at risk (30, 40 and 50; 20 has left): 4/5 * 2/3.
        assert_eq!(km.steps(), [(10, 0.8), (30, 0.8 * (2.0 / 3.0))]);
        // Dropping the censored samples would give a median of 10 and a mean of 20.
        assert_eq!(km.quantile_us(0.5), None);
        assert_eq!(km.quantile_us(0.2), Some(10));
        let area = 10.0 + 0.8 * 20.0 + 0.8 * (2.0 / 3.0) * 20.0;
        assert!((km.restricted_mean_us() - area).abs() < 1e-12);
        assert_eq!(KaplanMeier::fit(&[]), None);
        let only_censored = KaplanMeier::fit(&[(7, false)]).expect("one sample");
        assert!(only_censored.steps().is_empty());
        assert_eq!((only_censored.quantile_us(0.5), only_censored.restricted_mean_us()), (None, 7.0));
    }

    #[test]
    fn a_mean_of_nothing_finished_is_none_and_a_censored_tail_a_lower_bound() {
        let only_censored = KaplanMeier::fit(&[(7, false), (9, false)]).expect("two samples");
        assert_eq!(only_censored.mean_estimate_us(), None, "9 would be the longest wait, not a mean");
        // 10 finishes, 50 still waits: the mean is at least the restricted 10 + 0.5 * 40.
        let censored_tail = KaplanMeier::fit(&[(10, true), (50, false)]).expect("two samples");
        assert_eq!(censored_tail.mean_estimate_us(), Some(MeanEstimate { us: 30.0, lower_bound: true }));
        // The slowest finished: the restricted mean is the mean, whatever waited before it.
        let finished_tail = KaplanMeier::fit(&[(10, false), (50, true)]).expect("two samples");
        assert_eq!(finished_tail.mean_estimate_us(), Some(MeanEstimate { us: 50.0, lower_bound: false }));
    }
}
