//! Closed forms a correct simulator must reproduce (docs/validation.md), next to the measured
//! values in `summary.json` and in the validation tests.
//!
//! All functions are pure. Powers use [`pow_u`] (repeated squaring) and `exp` comes from `libm`,
//! so an expectation written to `summary.json` is bit-identical on every machine. A parameter
//! outside its domain (a share outside [0, 1], a negative time) gives `NaN`, which the summary
//! writes as `null`: a nonsensical scenario must not crash a report.

/// `x^n` by repeated squaring: exact operation order, no platform `powi` intrinsic.
pub fn pow_u(x: f64, n: u32) -> f64 {
    let (mut base, mut exp, mut acc) = (x, n, 1.0);
    while exp > 0 {
        if exp & 1 == 1 {
            acc *= base;
        }
        base *= base;
        exp >>= 1;
    }
    acc
}

fn is_share(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

/// `x > 0`, false for NaN.
fn is_positive(x: f64) -> bool {
    x > 0.0
}

/// P(m) for m = 0..=z: the attacker's block count when the merchant accepts after `z`
/// confirmations, negative binomial `C(m + z - 1, m) p^z q^m` (each block is the attacker's with
/// probability q). Built by the ratio `P(m) / P(m-1) = q (m + z - 1) / m` to avoid factorials.
fn attacker_blocks_at_acceptance(q: f64, z: u32) -> Vec<f64> {
    let p = 1.0 - q;
    let mut probabilities = Vec::with_capacity(z as usize + 1);
    let mut pm = pow_u(p, z);
    probabilities.push(pm);
    for m in 1..=z {
        pm *= q * f64::from(m + z - 1) / f64::from(m);
        probabilities.push(pm);
    }
    probabilities
}

/// Sums `P(m) · win(m)` over every m, where every `m > z` is a win (the attacker's branch is
/// already strictly longer than the honest one at acceptance); `win` is only called for `m <= z`.
fn race_probability(q: f64, z: u32, win: impl Fn(u32) -> f64) -> f64 {
    let probabilities = attacker_blocks_at_acceptance(q, z);
    let decided: f64 = (0..=z).zip(&probabilities).map(|(m, pm)| pm * win(m)).sum();
    let ahead = if q < 0.5 {
        ahead_at_acceptance(q, z, probabilities.last().copied().unwrap_or(0.0))
    } else {
        // A large result: the complement is accurate here, and the series slow when q is near 1.
        1.0 - probabilities.iter().sum::<f64>()
    };
    (decided + ahead).clamp(0.0, 1.0)
}

/// `Σ_{m>z} P(m)`, summed directly rather than as `1 - Σ_{m<=z} P(m)`, which cancels to rounding
/// noise when the result is tiny (q = 0.1, z = 50 gives about 1e-30, the complement -1e-15).
///
/// Truncation: for `m > z` the term ratio `ρ_m = q (m + z - 1) / m` does not increase with m
/// (z >= 1; z = 0 has no tail), so everything after the term `t_m` is at most `t_m ρ / (1 - ρ)`
/// with `ρ = ρ_{m+1}`. The sum stops once that bound is below 1e-17 of the partial sum (under
/// half an ulp), or the terms underflow. Used for q < 1/2 only, where the ratios start below 2q
/// and tend to q, so this takes a few hundred steps for any practical z; a cap of 100 000 steps
/// guards against a pathological input.
fn ahead_at_acceptance(q: f64, z: u32, p_z: f64) -> f64 {
    let (mut term, mut sum) = (p_z, 0.0);
    for m in (z + 1..).take(100_000) {
        term *= q * f64::from(m + z - 1) / f64::from(m);
        sum += term;
        let next_ratio = q * f64::from(m + z) / f64::from(m + 1);
        if term == 0.0 || (next_ratio < 1.0 && term * next_ratio / (1.0 - next_ratio) <= 1e-17 * sum) {
            break;
        }
    }
    sum
}

/// Probability that an attacker with hash share `q` ever *catches up* (a tie counts) with an
/// honest chain after the merchant saw `z` confirmations (the including block counts as 1).
///
/// Exact form of Rosenfeld (2014) and Grunspan & Pérez-Marco (2017):
/// `Σ_m P(m) min(1, (q/p)^(z-m))`, equal to `I_{4pq}(z, 1/2)`. 1 when `q >= 1/2`.
pub fn double_spend_catch_up(q: f64, z: u32) -> f64 {
    if !is_share(q) {
        return f64::NAN;
    }
    if q >= 0.5 {
        return 1.0;
    }
    let r = q / (1.0 - q);
    race_probability(q, z, |m| pow_u(r, z - m))
}

/// Probability that the attacker's branch ever becomes *strictly longer* than the honest chain
/// (what makes nodes reorg, so what a simulated double spend needs):
/// `Σ_m P(m) min(1, (q/p)^(z-m+1))`. 1 when `q >= 1/2`.
pub fn double_spend_overtake(q: f64, z: u32) -> f64 {
    if !is_share(q) {
        return f64::NAN;
    }
    if q >= 0.5 {
        return 1.0;
    }
    let r = q / (1.0 - q);
    race_probability(q, z, |m| pow_u(r, z - m + 1))
}

/// [`double_spend_overtake`] for an attacker that gives up once, after the merchant accepted, the
/// honest chain leads its private branch by `give_up_deficit` blocks (what the simulated attacker
/// does, so the expectation its success rate is compared with).
///
/// With m attacker blocks at acceptance the deficit is `k = z - m`; `m >= z + 1` already wins and
/// `k >= D` gives up at once. Otherwise the deficit is a random walk (-1 w.p. q, +1 w.p. p) that
/// must reach -1 before D: gambler's ruin with two barriers, `(r^(k+1) - r^(D+1)) / (1 - r^(D+1))`
/// with `r = q/p`, or `1 - (k+1)/(D+1)` when `r = 1`. It tends to [`double_spend_overtake`] as D
/// grows (for q < 1/2). The sum over m is truncated as in [`double_spend_overtake`].
pub fn double_spend_overtake_with_give_up(q: f64, z: u32, give_up_deficit: u32) -> f64 {
    if !is_share(q) {
        return f64::NAN;
    }
    if q == 1.0 {
        // The honest chain never grows: the attacker wins every race.
        return 1.0;
    }
    let r = q / (1.0 - q);
    race_probability(q, z, |m| two_barrier_ruin(r, z - m, give_up_deficit))
}

/// Probability that a walk on the deficit starting at `k` reaches -1 before `d`.
fn two_barrier_ruin(r: f64, k: u32, d: u32) -> f64 {
    if k >= d {
        return 0.0;
    }
    if r == 1.0 {
        return 1.0 - f64::from(k + 1) / f64::from(d + 1);
    }
    let far = pow_u(r, d + 1);
    (pow_u(r, k + 1) - far) / (1.0 - far)
}

/// Nakamoto's own estimate (whitepaper §11), which approximates the attacker's progress by a
/// Poisson variable of mean `z q / p`. It is too low (about half the exact value at q = 0.1,
/// z = 6); kept only so tests and reports can show the difference.
pub fn nakamoto_attacker_success(q: f64, z: u32) -> f64 {
    if !is_share(q) {
        return f64::NAN;
    }
    if q >= 0.5 {
        return 1.0;
    }
    let p = 1.0 - q;
    let lambda = f64::from(z) * q / p;
    let mut poisson = libm::exp(-lambda);
    let mut sum = 1.0;
    for k in 0..=z {
        if k > 0 {
            poisson *= lambda / f64::from(k);
        }
        sum -= poisson * (1.0 - pow_u(q / p, z - k));
    }
    sum
}

/// Stale fraction of all blocks with block interval `interval_s` and a constant propagation
/// delay `delay_s` between miners: `(d/T) / (1 + d/T)` (Decker & Wattenhofer 2013).
pub fn stale_rate(delay_s: f64, interval_s: f64) -> f64 {
    if !(delay_s >= 0.0 && interval_s > 0.0) {
        return f64::NAN;
    }
    let x = delay_s / interval_s;
    x / (1.0 + x)
}

/// [`stale_rate`] for a finite set of miners with hash shares `shares` (normalised here).
///
/// While a block propagates, only *other* miners can fork it: its finder builds on it at once. A
/// block is found by miner i with probability s_i, and the others hold 1 - s_i of the hash rate,
/// so the delayed share is `1 - sum(s_i^2)` and the formula holds with `d * (1 - sum(s_i^2))` in
/// place of `d` (`d * (N-1)/N` for N equal miners). [`stale_rate`] is the limit of many small
/// miners. The simulator matches this form; with 16 equal miners and d/T = 0.1 the two differ by
/// 0.5 percentage points, which a long run resolves.
pub fn stale_rate_for_shares(delay_s: f64, interval_s: f64, shares: &[f64]) -> f64 {
    let total: f64 = shares.iter().sum();
    if shares.is_empty() || total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return f64::NAN;
    }
    let concentration: f64 = shares.iter().map(|s| (s / total) * (s / total)).sum();
    stale_rate(delay_s * (1.0 - concentration), interval_s)
}

/// Close upper bound of [`stale_rate`]: `1 - exp(-d/T)`, the chance that another block is found
/// while one propagates.
pub fn stale_rate_upper_bound(delay_s: f64, interval_s: f64) -> f64 {
    if !(delay_s >= 0.0 && interval_s > 0.0) {
        return f64::NAN;
    }
    1.0 - libm::exp(-delay_s / interval_s)
}

/// Eyal & Sirer (2014): the selfish pool's share of main-chain blocks with hash share `a` and
/// tie-break share `g`,
/// `R = [a(1-a)^2 (4a + g(1-2a)) - a^3] / [1 - a(1 + (2-a)a)]`. Valid for `a < 1/2`.
pub fn selfish_mining_revenue(a: f64, g: f64) -> f64 {
    if !(is_share(a) && a < 0.5 && is_share(g)) {
        return f64::NAN;
    }
    let b = 1.0 - a;
    let numerator = a * b * b * (4.0 * a + g * (1.0 - 2.0 * a)) - a * a * a;
    numerator / (1.0 - a * (1.0 + (2.0 - a) * a))
}

/// Smallest hash share for which selfish mining pays: `(1-g) / (3-2g)` (1/3 at g = 0).
pub fn selfish_mining_threshold(g: f64) -> f64 {
    if !is_share(g) {
        return f64::NAN;
    }
    (1.0 - g) / (3.0 - 2.0 * g)
}

/// Mean and variance of a latency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub mean: f64,
    pub variance: f64,
}

/// Time from a random instant to superfinality: `S = U(0, P) + Gamma(M, θ)` with `P` the
/// keystone period, `M` the Bitcoin blocks found after the PoP transaction is broadcast and `θ`
/// the Bitcoin mean block interval. `E[S] = P/2 + Mθ`, `Var[S] = P²/12 + Mθ²`. Its distribution
/// function, density and quantiles: [`superfinality_latency_cdf`],
/// [`superfinality_latency_pdf`], [`superfinality_latency_quantile`].
pub fn superfinality_latency(keystone_period_s: f64, bitcoin_blocks: u32, interval_s: f64) -> Moments {
    let (p, m, theta) = (keystone_period_s, f64::from(bitcoin_blocks), interval_s);
    Moments { mean: p / 2.0 + m * theta, variance: p * p / 12.0 + m * theta * theta }
}

/// `P(Gamma(m, θ) <= x)`, the Erlang distribution function: the chance that `m` events of a
/// Poisson process of mean spacing θ have all happened by `x`, i.e. `P(Poisson(x/θ) >= m)`.
///
/// With `y = x/θ`, summed as the Poisson upper tail `Σ_{k>=m} e^-y y^k / k!` when `y < m` (its
/// terms fall from `k = m` on), and as `1 - Σ_{k<m}` otherwise, summed from `k = m - 1`
/// downwards (where they fall too): so a tiny probability keeps its relative accuracy and no
/// term is ever computed from an overflowing `y^k` or an underflowing `e^-y` (the first term comes
/// from its logarithm, with `libm::lgamma`). `m = 0` is a point mass at 0. `NaN` for `θ <= 0`.
pub fn erlang_cdf(x: f64, m: u32, interval_s: f64) -> f64 {
    if !is_positive(interval_s) || x.is_nan() {
        return f64::NAN;
    }
    if m == 0 {
        return if x >= 0.0 { 1.0 } else { 0.0 };
    }
    if x <= 0.0 {
        return 0.0;
    }
    if x == f64::INFINITY {
        return 1.0;
    }
    let (y, mf) = (x / interval_s, f64::from(m));
    let poisson_pmf = |k: f64| libm::exp(-y + k * libm::log(y) - libm::lgamma(k + 1.0));
    let small = |term: f64, sum: f64| term <= 1e-17 * sum || term == 0.0;
    let mut sum = 0.0;
    if y < mf {
        // Upper tail: the ratio of consecutive terms, y / (k + 1), is below 1.
        let mut term = poisson_pmf(mf);
        let mut k = mf;
        for _ in 0..1_000_000 {
            sum += term;
            k += 1.0;
            term *= y / k;
            if small(term, sum) {
                break;
            }
        }
        sum.min(1.0)
    } else {
        // Lower part, k = m - 1 down to 0: the ratio going down, k / y, is at most 1.
        let mut k = mf - 1.0;
        let mut term = poisson_pmf(k);
        loop {
            sum += term;
            if k == 0.0 {
                break;
            }
            term *= k / y;
            k -= 1.0;
            if small(term, sum) {
                break;
            }
        }
        (1.0 - sum).max(0.0)
    }
}

/// The Erlang density `x^(m-1) e^(-x/θ) / (θ^m (m-1)!)` of [`erlang_cdf`] (from its logarithm,
/// so large `m` neither overflows nor underflows on the way). `NaN` for `m = 0` or `θ <= 0`.
pub fn erlang_pdf(x: f64, m: u32, interval_s: f64) -> f64 {
    if m == 0 || !is_positive(interval_s) || x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 || x == f64::INFINITY {
        return 0.0;
    }
    if x == 0.0 {
        return if m == 1 { 1.0 / interval_s } else { 0.0 };
    }
    let (y, k) = (x / interval_s, f64::from(m - 1));
    libm::exp(-y + k * libm::log(y) - libm::lgamma(k + 1.0)) / interval_s
}

/// Below this ratio of the keystone period to the time scale (`max(s, Mθ)`), the closed forms
/// would lose digits to cancellation (`H(s) - H(s - P)`), and the uniform delay is replaced by
/// its midpoint, `P/2`: the error is then `O(P²/θ²)`, below 1e-12.
const NARROW_PERIOD: f64 = 1e-6;

/// `P(S <= s)` for the superfinality latency `S = U(0, P) + Gamma(M, θ)` of
/// [`superfinality_latency`] (docs/validation.md §4).
///
/// Exact: `F(s) = (1/P) ∫_{s-P}^{s} G(v) dv` with `G` the Erlang CDF [`erlang_cdf`], and
/// `∫_0^x G(v) dv = x G_M(x) - Mθ G_{M+1}(x)` (by parts, since `v g_M(v) = Mθ g_{M+1}(v)`), so
/// `F(s) = (H(s) - H(s - P)) / P` with `H(x) = x G_M(x) - Mθ G_{M+1}(x)` for `x > 0`, 0 below.
/// `P = 0` (or a period negligible next to the time scale, see `NARROW_PERIOD`) is the Erlang
/// distribution itself. `NaN` for `P < 0` or `θ <= 0`.
pub fn superfinality_latency_cdf(s: f64, keystone_period_s: f64, bitcoin_blocks: u32, interval_s: f64) -> f64 {
    let (p, m, theta) = (keystone_period_s, bitcoin_blocks, interval_s);
    if !(p >= 0.0 && theta > 0.0) || s.is_nan() {
        return f64::NAN;
    }
    if s <= 0.0 {
        return 0.0;
    }
    if p <= NARROW_PERIOD * s.max(f64::from(m) * theta) {
        return erlang_cdf(s - p / 2.0, m, theta);
    }
    let h = |x: f64| {
        if x <= 0.0 { 0.0 } else { x * erlang_cdf(x, m, theta) - f64::from(m) * theta * erlang_cdf(x, m + 1, theta) }
    };
    ((h(s) - h(s - p)) / p).clamp(0.0, 1.0)
}

/// The density of [`superfinality_latency_cdf`]: `(G_M(s) - G_M(s - P)) / P` (the Erlang
/// density itself for a negligible period). `NaN` for `P < 0`, `θ <= 0` or `M = 0` with `P = 0`.
pub fn superfinality_latency_pdf(s: f64, keystone_period_s: f64, bitcoin_blocks: u32, interval_s: f64) -> f64 {
    let (p, m, theta) = (keystone_period_s, bitcoin_blocks, interval_s);
    if !(p >= 0.0 && theta > 0.0) || s.is_nan() {
        return f64::NAN;
    }
    if p <= NARROW_PERIOD * s.abs().max(f64::from(m) * theta) {
        return erlang_pdf(s - p / 2.0, m, theta);
    }
    ((erlang_cdf(s, m, theta) - erlang_cdf(s - p, m, theta)) / p).max(0.0)
}

/// The `q`-quantile of [`superfinality_latency_cdf`]: the smallest `s` with `F(s) >= q`, by
/// bisection to the resolution of a double (the bracket starts at `[0, P + Mθ]` and doubles
/// until it holds the quantile). 0 for `q = 0`, infinity for `q = 1`; `NaN` for `q` outside
/// [0, 1] or invalid parameters.
pub fn superfinality_latency_quantile(q: f64, keystone_period_s: f64, bitcoin_blocks: u32, interval_s: f64) -> f64 {
    let cdf = |s| superfinality_latency_cdf(s, keystone_period_s, bitcoin_blocks, interval_s);
    if !(0.0..=1.0).contains(&q) || cdf(1.0).is_nan() {
        return f64::NAN;
    }
    if q == 0.0 {
        return 0.0;
    }
    if q == 1.0 {
        return f64::INFINITY;
    }
    let (mut low, mut high) = (0.0, keystone_period_s + f64::from(bitcoin_blocks) * interval_s);
    if !is_positive(high) {
        high = interval_s;
    }
    for _ in 0..2_000 {
        if cdf(high) >= q {
            break;
        }
        (low, high) = (high, high * 2.0);
    }
    for _ in 0..2_000 {
        let mid = low + (high - low) / 2.0;
        if mid <= low || mid >= high {
            break;
        }
        if cdf(mid) < q {
            low = mid;
        } else {
            high = mid;
        }
    }
    high
}

/// Expected stale blocks of one partition of the miners into two groups for a while, healed
/// afterwards: each group mines its own branch, a Poisson process with mean `mean_a` and `mean_b`
/// blocks over the partition (hash-rate share x duration / block interval); at the heal the
/// heavier branch wins and the other's blocks go stale (on a tie one of the two, after the next
/// block), so the stale count is min(X, Y) for independent X ~ Poisson(mean_a), Y ~
/// Poisson(mean_b), and its mean is the sum over k >= 1 of P(X >= k) P(Y >= k). Also the depth of
/// the reorg the lighter group's nodes go through at the heal.
pub fn partition_stale_blocks(mean_a: f64, mean_b: f64) -> f64 {
    // P(X >= k) = 1 - P(X <= k - 1), summed until both tails are negligible.
    let (mut cdf_a, mut cdf_b) = (0.0, 0.0);
    let (mut pmf_a, mut pmf_b) = ((-mean_a).exp(), (-mean_b).exp());
    let mut expected = 0.0;
    for k in 1..10_000u32 {
        cdf_a += pmf_a;
        cdf_b += pmf_b;
        let term = (1.0 - cdf_a).max(0.0) * (1.0 - cdf_b).max(0.0);
        expected += term;
        if term < 1e-15 {
            break;
        }
        pmf_a *= mean_a / f64::from(k);
        pmf_b *= mean_b / f64::from(k);
    }
    expected
}

/// Gambler's ruin against an unbounded opponent: the probability that a walk that moves one step
/// down with probability `q` and one up otherwise ever falls `steps` below its start, `(q/p)^steps`
/// with `p = 1 - q`, or 1 when `q >= 1/2`. With each block the attacker's with probability q, the
/// chance that an attacker ever gains `steps` blocks on the honest chain. `NaN` for `q` outside
/// [0, 1].
pub fn gamblers_ruin(q: f64, steps: u32) -> f64 {
    if !is_share(q) {
        return f64::NAN;
    }
    if q >= 0.5 {
        return 1.0;
    }
    pow_u(q / (1.0 - q), steps)
}

/// Probability that an attacker with Bitcoin hash share `q` rewrites L2 history under the PoP
/// fork choice (`hemisim_node::pop::fork_choice`) once the honest fork's first keystone after
/// the fork point has its first publication `confirmations` Bitcoin blocks deep (the including
/// block counts as 1): `(q/p)^(confirmations + 1)`, 1 when `q >= 1/2` (docs/validation.md §9).
///
/// Derivation. The honest publication is in block h; the tip is h + confirmations - 1. The
/// attacker starts now a private Bitcoin branch on block h - 1 whose first block carries its own
/// fork's keystones (the alternative history is ready) and none of the honest publications.
/// - While the honest branch is the best chain, the attacker's fork has no endorsement where the
///   honest one has the earliest: it drops out and loses.
/// - Once the attacker's branch is the best chain, its keystones are endorsed at h and the honest
///   ones, unwound, can only be published again above the branch's tip, at least
///   `confirmations + 1 >= 2` blocks later, where they score less (Hemi's table: 25 000 or less
///   against 100 000; nothing from 9 blocks on): the attacker's fork wins every keystone.
///
/// So the rewrite succeeds exactly when the private branch becomes the best chain, i.e. strictly
/// longer (first-seen tie-break): the honest lead starts at `confirmations` and must fall to -1,
/// a gambler's ruin of `confirmations + 1` steps ([`gamblers_ruin`]).
///
/// Assumptions: block arrivals are one Poisson process, each block the attacker's with
/// probability q (propagation delays negligible); honest miners never build on the attacker's
/// branch before it is longer (no tie-break share: with ties going to the attacker the exponent
/// would be `confirmations`); the attacker never gives up; the L2 side (Ethereum derivation)
/// lets the rewritten history through, and the later keystones of both forks are published no
/// later than the first. An attacker that started its branch when the honest keystone was first
/// published, rather than after, runs the double-spend race instead:
/// [`double_spend_overtake`]`(q, confirmations)`.
pub fn pop_rewrite_success(q: f64, confirmations: u32) -> f64 {
    gamblers_ruin(q, confirmations.saturating_add(1))
}

#[cfg(test)]
#[path = "theory_tests.rs"]
mod tests;
