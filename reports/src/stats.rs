//! Small, dependency-free statistics for the summary: proportions, means and percentiles.
//!
//! Every function is pure and uses only `+ - * /` and `sqrt` (correctly rounded by IEEE 754), so
//! the numbers written to `summary.json` are bit-identical on every machine. Undefined results
//! (no data) are `None`, never `NaN`, so callers have to decide what an empty sample means.

/// Two-sided 95% standard normal quantile, z such that P(|Z| <= z) = 0.95.
pub const Z_95: f64 = 1.959964;

/// A closed interval `[low, high]`, e.g. a 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// As a JSON-friendly `[low, high]` pair.
    pub fn to_array(self) -> [f64; 2] {
        [self.low, self.high]
    }
}

/// `successes / trials`, or `None` when there are no trials.
pub fn proportion(successes: u64, trials: u64) -> Option<f64> {
    (trials > 0).then(|| successes as f64 / trials as f64)
}

/// Wilson score 95% interval for a binomial proportion (Wilson 1927).
///
/// Chosen over the normal (Wald) interval because it stays inside [0, 1] and keeps its coverage
/// at 0 or n successes, which is common here (a 6-confirmation double spend rarely succeeds).
/// `None` when there are no trials. `successes` above `trials` is clamped to `trials`.
pub fn wilson_interval(successes: u64, trials: u64) -> Option<Interval> {
    wilson_interval_at(successes, trials, Z_95)
}

/// Wilson score interval at the two-sided normal quantile `z` (e.g. 2.575829 for 99%).
pub fn wilson_interval_at(successes: u64, trials: u64, z: f64) -> Option<Interval> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes.min(trials) as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 or n successes the bound is exactly 0 or 1; rounding would give 1e-17 or 1 - 1e-16.
    let low = if successes == 0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if successes >= trials { 1.0 } else { (centre + half).min(1.0) };
    Some(Interval { low, high })
}

/// Arithmetic mean, summed in slice order (so the result is reproducible), or `None` if empty.
pub fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Sample standard deviation (Bessel's n - 1 denominator), or `None` with fewer than 2 values.
pub fn sample_std(xs: &[f64]) -> Option<f64> {
    let m = mean(xs)?;
    if xs.len() < 2 {
        return None;
    }
    let squares: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    Some((squares / (xs.len() - 1) as f64).sqrt())
}

/// Mean with a two-sided 95% confidence interval, `mean ± t(0.975, n-1) · s / sqrt(n)`.
///
/// Student's t makes the interval honest for the few replications of a `--runs 5` study; it
/// tends to the normal interval as n grows. `None` with fewer than 2 values (no spread known).
pub fn mean_ci95(xs: &[f64]) -> Option<Interval> {
    let m = mean(xs)?;
    let s = sample_std(xs)?;
    let n = xs.len() as f64;
    let half = t_quantile_975(xs.len() as u64 - 1) * s / n.sqrt();
    Some(Interval { low: m - half, high: m + half })
}

/// Exact 0.975 quantiles of Student's t for 1..=30 degrees of freedom (computed by numerical
/// integration of the density; they agree with every published table to 9 decimals).
const T_975: [f64; 30] = [
    12.706204736,
    4.302652730,
    3.182446305,
    2.776445105,
    2.570581836,
    2.446911851,
    2.364624252,
    2.306004135,
    2.262157163,
    2.228138852,
    2.200985160,
    2.178812830,
    2.160368656,
    2.144786688,
    2.131449546,
    2.119905299,
    2.109815578,
    2.100922040,
    2.093024054,
    2.085963447,
    2.079613845,
    2.073873068,
    2.068657610,
    2.063898562,
    2.059538553,
    2.055529439,
    2.051830516,
    2.048407142,
    2.045229642,
    2.042272456,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom (`df = 0` gives infinity).
///
/// A table up to 30 degrees of freedom, then the Cornish–Fisher expansion of t around the normal
/// quantile (Abramowitz & Stegun 26.7.5), accurate to better than 1e-6 from df = 30 on and equal
/// to [`Z_95`] in the limit.
pub fn t_quantile_975(df: u64) -> f64 {
    match df {
        0 => f64::INFINITY,
        1..=30 => T_975[(df - 1) as usize],
        _ => cornish_fisher_t(Z_95, df as f64),
    }
}

/// The two-sided 1% point of the standard normal: its 0.995 quantile.
pub const Z_99: f64 = 2.575829304;

/// Student's t 0.995 quantiles for 1..=30 degrees of freedom.
const T_995: [f64; 30] = [
    63.65674, 9.924843, 5.840909, 4.604095, 4.032143, 3.707428, 3.499483, 3.355387, 3.249836, 3.169273, 3.105807,
    3.054540, 3.012276, 2.976843, 2.946713, 2.920782, 2.898231, 2.878440, 2.860935, 2.845340, 2.831360, 2.818756,
    2.807336, 2.796940, 2.787436, 2.778715, 2.770683, 2.763262, 2.756386, 2.749996,
];

/// The 0.995 quantile of Student's t with `df` degrees of freedom (`df = 0` gives infinity): the
/// critical value of a two-sided test at the 1% level. As [`t_quantile_975`], a table then the
/// Cornish–Fisher expansion (within 1e-4 from df = 30 on).
pub fn t_quantile_995(df: u64) -> f64 {
    match df {
        0 => f64::INFINITY,
        1..=30 => T_995[(df - 1) as usize],
        _ => cornish_fisher_t(Z_99, df as f64),
    }
}

fn cornish_fisher_t(z: f64, v: f64) -> f64 {
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v)
}

/// Nearest-rank percentile of an ascending slice: the smallest value such that at least
/// `percent`% of the sample is at or below it. `percent` is clamped to 0..=100; 0 gives the
/// minimum. Integer arithmetic picks the rank, so p50 of an even sample is never interpolated
/// and no float rounding can move a rank. `None` when the slice is empty.
pub fn percentile_nearest_rank<T: Copy>(sorted: &[T], percent: u32) -> Option<T> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    let rank = (u64::from(percent.min(100)) * n).div_ceil(100).max(1);
    sorted.get((rank - 1) as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn wilson_matches_known_intervals() {
        // 0 of 10: the upper bound is z^2 / (n + z^2) in closed form.
        let i = wilson_interval(0, 10).expect("10 trials");
        assert_eq!(i.low, 0.0);
        assert!(close(i.high, Z_95 * Z_95 / (10.0 + Z_95 * Z_95), 1e-12));
        assert!(close(i.high, 0.27753, 1e-5));
        // 5 of 10: symmetric around 1/2 (Newcombe 1998 lists 0.2366-0.7634).
        let i = wilson_interval(5, 10).expect("10 trials");
        assert!(close(i.low, 0.2366, 1e-4) && close(i.high, 0.7634, 1e-4));
        assert!(close(i.low + i.high, 1.0, 1e-12));
        // 81 of 263 (Newcombe 1998, example): 0.2553-0.3662.
        let i = wilson_interval(81, 263).expect("263 trials");
        assert!(close(i.low, 0.2553, 1e-4) && close(i.high, 0.3662, 1e-4));
        assert_eq!(wilson_interval(0, 0), None);
        assert_eq!(wilson_interval(10, 10).map(|i| i.high), Some(1.0));
    }

    #[test]
    fn proportion_of_nothing_is_undefined() {
        assert_eq!(proportion(0, 0), None);
        assert_eq!(proportion(1, 4), Some(0.25));
    }

    #[test]
    fn mean_and_std_of_a_textbook_sample() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&xs), Some(5.0));
        // Sum of squared deviations is 32, so s = sqrt(32 / 7).
        assert!(close(sample_std(&xs).expect("8 values"), (32.0f64 / 7.0).sqrt(), 1e-12));
        assert_eq!(mean(&[]), None);
        assert_eq!(sample_std(&[1.0]), None);
    }

    #[test]
    fn mean_ci_uses_student_t() {
        let xs = [1.0, 2.0, 3.0];
        let i = mean_ci95(&xs).expect("3 values");
        // mean 2, s = 1, n = 3, t(0.975, 2) = 4.302652730.
        let half = 4.302652730 / 3f64.sqrt();
        assert!(close(i.low, 2.0 - half, 1e-9) && close(i.high, 2.0 + half, 1e-9));
        assert_eq!(mean_ci95(&[5.0]), None);
    }

    #[test]
    fn t_quantiles_join_the_table_and_tend_to_normal() {
        assert!(close(cornish_fisher_t(Z_95, 30.0), T_975[29], 1e-6));
        // Published values for 40, 60 and 120 degrees of freedom.
        assert!(close(t_quantile_975(40), 2.021075390, 1e-7));
        assert!(close(t_quantile_975(60), 2.000297822, 1e-7));
        assert!(close(t_quantile_975(120), 1.979930405, 1e-7));
        assert!(close(t_quantile_975(1_000_000_000), Z_95, 1e-8));
        assert!(t_quantile_975(0).is_infinite());
    }

    #[test]
    fn t_quantiles_at_the_one_percent_level() {
        assert!(close(cornish_fisher_t(Z_99, 30.0), T_995[29], 1e-4));
        // Published values for 40 and 120 degrees of freedom.
        assert!(close(t_quantile_995(40), 2.704459, 1e-4));
        assert!(close(t_quantile_995(120), 2.617421, 1e-5));
        assert!(close(t_quantile_995(1_000_000_000), Z_99, 1e-8));
        assert!(t_quantile_995(0).is_infinite());
    }

    #[test]
    fn nearest_rank_percentiles() {
        // The worked example of the nearest-rank method on Wikipedia.
        let xs = [15, 20, 35, 40, 50];
        let p = |q| percentile_nearest_rank(&xs, q);
        assert_eq!(
            (p(0), p(5), p(30), p(40), p(50), p(100)),
            (Some(15), Some(15), Some(20), Some(20), Some(35), Some(50))
        );
        assert_eq!(percentile_nearest_rank::<f64>(&[], 50), None);
        assert_eq!(percentile_nearest_rank(&[1.5], 99), Some(1.5));
        assert_eq!(percentile_nearest_rank(&[1, 2, 3, 4], 150), Some(4));
    }
}
