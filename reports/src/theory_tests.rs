//! Tests of the closed forms against values computed independently: direct summation of the
//! defining series, numerical integration, value iteration on the underlying Markov chains, and
//! published tables.

use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// C(n, k) by the multiplicative formula.
fn binomial(n: u32, k: u32) -> f64 {
    (1..=k).fold(1.0, |c, i| c * f64::from(n + 1 - i) / f64::from(i))
}

/// Negative-binomial P(m) in log space with `lgamma`, independent of the ratio recursion (and
/// finite where the binomial coefficient alone would overflow).
fn p_m(q: f64, z: u32, m: u32) -> f64 {
    if z == 0 {
        return if m == 0 { 1.0 } else { 0.0 };
    }
    let (zf, mf) = (f64::from(z), f64::from(m));
    let log_binomial = libm::lgamma(mf + zf) - libm::lgamma(mf + 1.0) - libm::lgamma(zf);
    libm::exp(log_binomial + zf * libm::log(1.0 - q) + mf * libm::log(q))
}

/// `Σ_{m=0}^{M} P(m) win(m)` truncated at M = 2000: the terms decay like q^m, so the tail is
/// below 1e-100 for the q used here.
fn direct_sum(q: f64, z: u32, win: impl Fn(u32) -> f64) -> f64 {
    (0..2000).map(|m| p_m(q, z, m) * win(m)).sum()
}

const QS: [f64; 5] = [0.05, 0.1, 0.2, 0.3, 0.45];
const ZS: [u32; 6] = [0, 1, 2, 3, 6, 10];

#[test]
fn pow_u_is_repeated_multiplication() {
    assert_eq!(pow_u(2.0, 10), 1024.0);
    assert_eq!(pow_u(0.0, 0), 1.0);
    assert_eq!(pow_u(0.5, 3), 0.125);
}

#[test]
fn catch_up_equals_the_defining_series_and_the_finite_form() {
    for q in QS {
        let r = q / (1.0 - q);
        for z in ZS {
            let exact = double_spend_catch_up(q, z);
            let series = direct_sum(q, z, |m| if m >= z { 1.0 } else { r.powi((z - m) as i32) });
            assert!(close(exact, series, 1e-11 * series), "q={q} z={z}: {exact} vs {series}");
            if z > 0 {
                // 1 - Σ_{m=0}^{z} C(m+z-1, m)(p^z q^m - q^z p^m), as in docs/validation.md §1.
                let p = 1.0 - q;
                let pw = |x: f64, n: u32| x.powi(n as i32);
                let finite: f64 =
                    (0..=z).map(|m| binomial(m + z - 1, m) * (pw(p, z) * pw(q, m) - pw(q, z) * pw(p, m))).sum();
                assert!(close(exact, 1.0 - finite, 1e-12), "q={q} z={z}");
            }
        }
    }
}

/// Regularised incomplete beta `I_x(z, 1/2)` by Simpson's rule, with `B(z, 1/2)` from the
/// recursion `B(a+1, b) = B(a, b) a / (a + b)` and `B(1, 1/2) = 2`.
fn incomplete_beta_half(x: f64, z: u32) -> f64 {
    let f = |t: f64| t.powi(z as i32 - 1) / (1.0 - t).sqrt();
    let n = 200_000;
    let h = x / f64::from(n);
    let inner: f64 = (1..n).map(|i| f(f64::from(i) * h) * if i % 2 == 1 { 4.0 } else { 2.0 }).sum();
    let integral = (f(0.0) + f(x) + inner) * h / 3.0;
    let beta = (1..z).fold(2.0, |b, a| b * f64::from(a) / (f64::from(a) + 0.5));
    integral / beta
}

#[test]
fn catch_up_is_the_incomplete_beta_of_grunspan_and_perez_marco() {
    for q in [0.1, 0.25, 0.4] {
        for z in [1, 2, 4, 6] {
            let beta = incomplete_beta_half(4.0 * q * (1.0 - q), z);
            assert!(close(double_spend_catch_up(q, z), beta, 1e-8), "q={q} z={z}");
        }
    }
    // z = 1: the attacker needs one net block: 2q.
    assert!(close(double_spend_catch_up(0.1, 1), 0.2, 1e-15));
}

#[test]
fn published_values_and_nakamoto_being_too_low() {
    // Rosenfeld (2014) / Grunspan & Pérez-Marco (2017): q = 10%, z = 6 gives 0.0591%.
    assert!(close(double_spend_catch_up(0.1, 6), 0.000591412, 1e-9));
    // Nakamoto's whitepaper table, q = 0.1 and q = 0.3.
    let table = [
        (0.1, 1, 0.2045873),
        (0.1, 6, 0.0002428),
        (0.1, 10, 0.0000012),
        (0.3, 5, 0.1773523),
        (0.3, 10, 0.0416605),
        (0.3, 50, 0.0000006),
    ];
    for (q, z, value) in table {
        assert!(close(nakamoto_attacker_success(q, z), value, 5e-8), "q={q} z={z}");
        // Nakamoto's Poisson approximation is slightly high for z <= 2, then too low.
        assert!(z < 3 || double_spend_catch_up(q, z) > nakamoto_attacker_success(q, z), "q={q} z={z}");
    }
    let ratio = double_spend_catch_up(0.1, 6) / nakamoto_attacker_success(0.1, 6);
    assert!((2.0..3.0).contains(&ratio), "about half: ratio {ratio}");
}

#[test]
fn overtake_equals_its_series_and_is_below_catch_up() {
    for q in QS {
        let r = q / (1.0 - q);
        for z in ZS {
            let exact = double_spend_overtake(q, z);
            let series = direct_sum(q, z, |m| if m > z { 1.0 } else { r.powi((z - m + 1) as i32) });
            assert!(close(exact, series, 1e-11 * series), "q={q} z={z}: {exact} vs {series}");
            assert!(exact < double_spend_catch_up(q, z));
        }
    }
    assert!(close(double_spend_overtake(0.1, 1), 0.0311111111111111, 1e-15));
    // Tiny probabilities keep their relative precision (a complement would give rounding noise).
    let (tiny, series) = (
        double_spend_overtake(0.1, 50),
        direct_sum(0.1, 50, |m| if m > 50 { 1.0 } else { (1.0f64 / 9.0).powi(51 - m as i32) }),
    );
    assert!(tiny > 0.0 && close(tiny, series, 1e-9 * series), "{tiny} vs {series}");
    assert_eq!(double_spend_overtake(0.5, 6), 1.0);
    assert_eq!(double_spend_overtake(0.0, 6), 0.0);
    assert!(double_spend_overtake(1.5, 6).is_nan());
}

/// Absorption probability at -1 (before `d`) of the deficit walk, by value iteration on states
/// -1..=d: independent of the gambler's-ruin closed form.
fn ruin_by_iteration(q: f64, k: u32, d: u32) -> f64 {
    if k >= d {
        return 0.0;
    }
    // v[i] = P(win | deficit i - 1), v[0] = 1 (won), v[d + 1] = 0 (gave up).
    let mut v = vec![0.0; d as usize + 2];
    v[0] = 1.0;
    for _ in 0..200_000 {
        for i in 1..=d as usize {
            v[i] = q * v[i - 1] + (1.0 - q) * v[i + 1];
        }
    }
    v[k as usize + 1]
}

#[test]
fn give_up_matches_value_iteration() {
    for (q, z, d) in [(0.1, 2, 3), (0.3, 3, 5), (0.45, 2, 4), (0.5, 2, 4), (0.6, 3, 2)] {
        let expected = direct_sum(q, z, |m| if m > z { 1.0 } else { ruin_by_iteration(q, z - m, d) });
        let got = double_spend_overtake_with_give_up(q, z, d);
        assert!(close(got, expected, 1e-9), "q={q} z={z} d={d}: {got} vs {expected}");
    }
}

#[test]
fn give_up_converges_to_overtake_as_the_deficit_grows() {
    for q in [0.1, 0.3, 0.45] {
        for z in [1, 6] {
            let target = double_spend_overtake(q, z);
            let gaps: Vec<f64> =
                [8, 16, 32, 64].iter().map(|&d| target - double_spend_overtake_with_give_up(q, z, d)).collect();
            assert!(gaps.iter().all(|g| *g >= 0.0), "giving up never helps: {gaps:?}");
            assert!(gaps.windows(2).all(|w| w[1] <= w[0]), "q={q} z={z}: {gaps:?}");
            assert!(close(double_spend_overtake_with_give_up(q, z, 1000), target, 1e-12));
        }
    }
    // D = 0: only an attacker already ahead at acceptance wins.
    let ahead = 1.0 - (0..=6).map(|m| p_m(0.3, 6, m)).sum::<f64>();
    assert!(close(double_spend_overtake_with_give_up(0.3, 6, 0), ahead, 1e-12));
}

#[test]
fn stale_rate_forms() {
    let (d, t) = (2.0, 600.0);
    assert!(close(stale_rate(d, t), d / (t + d), 1e-15));
    let bound = stale_rate_upper_bound(d, t);
    assert!(bound > stale_rate(d, t));
    // Both are d/T + O((d/T)^2).
    assert!(close(bound, stale_rate(d, t), (d / t) * (d / t)));
    assert_eq!(stale_rate(0.0, t), 0.0);
    assert!(stale_rate(d, 0.0).is_nan());
}

/// The pool's revenue share from the stationary distribution of Eyal & Sirer's state machine
/// (states 0, 0' and lead 1..=cap), found by power iteration: independent of their closed form.
fn selfish_revenue_by_markov_chain(a: f64, g: f64) -> f64 {
    const CAP: usize = 300; // (a/(1-a))^300 is negligible for a <= 0.45
    let b = 1.0 - a;
    // Index 0 is state 0', index i >= 1 is lead i - 1 (so index 1 is state 0).
    let mut pi = vec![0.0; CAP + 2];
    pi[1] = 1.0;
    for _ in 0..50_000 {
        let mut next = vec![0.0; CAP + 2];
        next[1] += pi[0] + b * pi[1] + b * pi[3]; // 0' resolves; honest block at 0; honest at lead 2
        next[2] += a * pi[1]; // pool finds at 0 -> lead 1
        next[0] += b * pi[2]; // honest at lead 1 -> race 0'
        for i in 2..=CAP + 1 {
            next[(i + 1).min(CAP + 1)] += a * pi[i]; // the top state holds its mass
            if i >= 4 {
                next[i - 1] += b * pi[i]; // lead >= 3 shrinks by one
            }
        }
        pi = next;
    }
    // Expected rewards per step, as in their paper's revenue analysis.
    let pool = pi[0] * (2.0 * a + g * b) + pi[3] * b * 2.0 + pi[4..].iter().sum::<f64>() * b;
    let honest = pi[0] * (g * b + 2.0 * (1.0 - g) * b) + pi[1] * b;
    pool / (pool + honest)
}

#[test]
fn selfish_mining_matches_the_markov_chain_and_the_thresholds() {
    for (a, g) in [(0.2, 0.0), (0.3, 0.5), (0.35, 0.0), (0.4, 1.0), (0.45, 0.25)] {
        let chain = selfish_revenue_by_markov_chain(a, g);
        assert!(close(selfish_mining_revenue(a, g), chain, 1e-9), "a={a} g={g}: {chain}");
    }
    assert!(close(selfish_mining_revenue(1.0 / 3.0, 0.0), 1.0 / 3.0, 1e-15));
    assert!(close(selfish_mining_revenue(0.25, 0.5), 0.25, 1e-15));
    assert!(close(selfish_mining_threshold(0.0), 1.0 / 3.0, 1e-15));
    assert!(close(selfish_mining_threshold(0.5), 0.25, 1e-15));
    for g in [0.0, 0.1, 0.5, 0.9] {
        let t = selfish_mining_threshold(g);
        assert!(close(selfish_mining_revenue(t, g), t, 1e-12), "R(threshold) = threshold at g={g}");
        assert!(selfish_mining_revenue(t + 0.01, g) > t + 0.01);
        assert!(selfish_mining_revenue(t - 0.01, g) < t - 0.01);
    }
    assert!(selfish_mining_revenue(0.6, 0.0).is_nan());
}

#[test]
fn superfinality_moments_match_numerical_integration() {
    let (period, blocks, theta) = (300.0, 11u32, 600.0);
    let got = superfinality_latency(period, blocks, theta);
    // U(0, P) by the midpoint rule.
    let n = 100_000;
    let xs = (0..n).map(|i| (f64::from(i) + 0.5) * period / f64::from(n));
    let (m1, m2) = xs.fold((0.0, 0.0), |(s1, s2), x| (s1 + x / f64::from(n), s2 + x * x / f64::from(n)));
    // Exp(θ) moments by the midpoint rule up to 60θ; a Gamma(M, θ) is M independent of them.
    let h = theta / 1000.0;
    let (e1, e2) = (0..60_000).map(|i| (f64::from(i) + 0.5) * h).fold((0.0, 0.0), |(s1, s2), x| {
        let w = libm::exp(-x / theta) / theta * h;
        (s1 + x * w, s2 + x * x * w)
    });
    let (b, e_var) = (f64::from(blocks), e2 - e1 * e1);
    assert!(close(got.mean, m1 + b * e1, 1e-3 * got.mean));
    assert!(close(got.variance, (m2 - m1 * m1) + b * e_var, 1e-3 * got.variance));
    assert_eq!(got.mean, 150.0 + 11.0 * 600.0);
}

#[test]
fn stale_rate_for_shares_removes_the_finders_own_share() {
    // One miner never forks itself.
    assert_eq!(stale_rate_for_shares(30.0, 600.0, &[1.0]), 0.0);
    // N equal miners: d (N-1)/N.
    let sixteen = vec![1.0; 16];
    assert!((stale_rate_for_shares(30.0, 600.0, &sixteen) - stale_rate(30.0 * 15.0 / 16.0, 600.0)).abs() < 1e-15);
    // Many small miners tend to the plain form.
    let many = vec![1.0; 100_000];
    assert!((stale_rate_for_shares(30.0, 600.0, &many) - stale_rate(30.0, 600.0)).abs() < 1e-6);
    // Unequal shares: 1 - (0.5^2 + 0.25^2 + 0.25^2) = 0.625 of the delay.
    assert!((stale_rate_for_shares(60.0, 600.0, &[2.0, 1.0, 1.0]) - stale_rate(37.5, 600.0)).abs() < 1e-15);
}

#[test]
fn erlang_matches_its_elementary_forms_in_both_tails() {
    let theta = 600.0;
    for x in [1e-3, 1.0, 60.0, 600.0, 1800.0, 6000.0, 60_000.0] {
        let y: f64 = x / theta;
        let e = libm::exp(-y);
        let forms = [(1, 1.0 - e), (2, 1.0 - e * (1.0 + y)), (3, 1.0 - e * (1.0 + y + y * y / 2.0))];
        for (m, expected) in forms {
            let got = erlang_cdf(x, m, theta);
            // The elementary forms cancel for tiny x: compare absolutely there.
            assert!(close(got, expected, 1e-15 + 1e-12 * expected), "m {m}, x {x}: {got} vs {expected}");
        }
    }
    // A tiny probability keeps its digits: P(Gamma(3) <= 1e-3) = y^3/6 (1 - 3y/4 + ...).
    let y = 1e-3 / 600.0;
    let tiny = erlang_cdf(1e-3, 3, 600.0);
    assert!(close(tiny, y * y * y / 6.0 * (1.0 - 0.75 * y), 1e-12 * tiny));
    // Far in the upper tail e^-y underflows; the result is still 1, and a large shape near its
    // mean is a bit above 1/2 (the median of Gamma(n) is about n - 1/3).
    assert_eq!(erlang_cdf(1e6, 3, 1.0), 1.0);
    let near_mean = erlang_cdf(1000.0, 1000, 1.0);
    let expected = 0.5 + 1.0 / (3.0 * (2.0 * std::f64::consts::PI * 1000.0).sqrt());
    assert!(close(near_mean, expected, 1e-4), "{near_mean}");
    // Continuous where the summation switches from the upper tail to the complement.
    let (below, above) = (erlang_cdf(11.0 - 1e-9, 11, 1.0), erlang_cdf(11.0 + 1e-9, 11, 1.0));
    assert!(close(below, above, 1e-9));
    assert_eq!((erlang_cdf(0.0, 2, 1.0), erlang_cdf(-1.0, 2, 1.0)), (0.0, 0.0));
    assert_eq!((erlang_cdf(0.0, 0, 1.0), erlang_cdf(-1.0, 0, 1.0)), (1.0, 0.0));
    assert!(erlang_cdf(1.0, 2, 0.0).is_nan() && erlang_cdf(f64::NAN, 2, 1.0).is_nan());
    // The density is the derivative.
    for (x, m) in [(300.0, 1), (5000.0, 4), (7000.0, 11)] {
        let h = 1e-3;
        let slope = (erlang_cdf(x + h, m, theta) - erlang_cdf(x - h, m, theta)) / (2.0 * h);
        let pdf = erlang_pdf(x, m, theta);
        assert!(close(pdf, slope, 1e-7 * pdf), "m {m}: {pdf} vs {slope}");
    }
    assert_eq!((erlang_pdf(0.0, 1, 2.0), erlang_pdf(0.0, 2, 2.0)), (0.5, 0.0));
}

/// `(1/P) ∫_0^min(s,P) G_M(s - u) du` by the composite Simpson rule: the defining integral of
/// the superfinality CDF, independent of the closed form (the integrand is smooth there).
fn superfinality_cdf_by_simpson(s: f64, p: f64, m: u32, theta: f64) -> f64 {
    let upper = s.min(p);
    let n = 2_000;
    let h = upper / f64::from(n);
    let sum: f64 = (0..=n)
        .map(|i| {
            let weight = match i {
                0 => 1.0,
                i if i == n => 1.0,
                i if i % 2 == 1 => 4.0,
                _ => 2.0,
            };
            weight * erlang_cdf(s - f64::from(i) * h, m, theta)
        })
        .sum();
    sum * h / 3.0 / p
}

#[test]
fn superfinality_cdf_is_the_integral_of_the_erlang_cdf_over_the_uniform() {
    for (p, m, theta) in [(300.0, 11, 600.0), (7200.0, 1, 600.0), (24.0, 3, 100.0)] {
        for s in [10.0, 150.0, 299.0, 301.0, 2000.0, 6600.0, 9000.0, 20_000.0] {
            let got = superfinality_latency_cdf(s, p, m, theta);
            let simpson = superfinality_cdf_by_simpson(s, p, m, theta);
            assert!(close(got, simpson, 1e-10), "P {p}, M {m}, s {s}: {got} vs {simpson}");
        }
    }
    assert_eq!(superfinality_latency_cdf(0.0, 300.0, 11, 600.0), 0.0);
    assert!(close(superfinality_latency_cdf(1e9, 300.0, 11, 600.0), 1.0, 1e-12));
    // M = 0 leaves the uniform delay alone.
    assert!(close(superfinality_latency_cdf(75.0, 300.0, 0, 600.0), 0.25, 1e-12));
    assert!(superfinality_latency_cdf(1.0, -1.0, 11, 600.0).is_nan());
    assert!(superfinality_latency_cdf(1.0, 300.0, 11, 0.0).is_nan());
}

#[test]
fn a_vanishing_keystone_period_reduces_to_erlang() {
    for s in [100.0, 3000.0, 6600.0, 12_000.0] {
        let erlang = erlang_cdf(s, 11, 600.0);
        assert_eq!(superfinality_latency_cdf(s, 0.0, 11, 600.0), erlang);
        for p in [1e-9, 1e-4, 1e-2] {
            let got = superfinality_latency_cdf(s, p, 11, 600.0);
            assert!(close(got, erlang, 1e-12 + p / 600.0), "P {p}, s {s}: {got} vs {erlang}");
        }
        // A period of 1 ms shifts the density by half of it; the difference quotient of the
        // Erlang CDF over 1 ms loses about 1e-13 to cancellation.
        let pdf = superfinality_latency_pdf(s, 1e-3, 11, 600.0);
        assert!(close(pdf, erlang_pdf(s - 5e-4, 11, 600.0), 1e-12 + 1e-7 * pdf), "{pdf}");
        assert!(close(superfinality_latency_pdf(s, 0.0, 11, 600.0), erlang_pdf(s, 11, 600.0), 0.0));
    }
}

#[test]
fn superfinality_distribution_has_the_closed_form_moments() {
    let (p, m, theta) = (300.0, 11, 600.0);
    let moments = superfinality_latency(p, m, theta);
    // E[S] = ∫ (1 - F), E[S²] = ∫ 2s (1 - F), midpoint rule up to 20 means; ∫ f = 1.
    let (h, n) = (1.0, 150_000);
    let (mut mean, mut second, mut mass) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let s = (f64::from(i) + 0.5) * h;
        let tail = 1.0 - superfinality_latency_cdf(s, p, m, theta);
        mean += tail * h;
        second += 2.0 * s * tail * h;
        mass += superfinality_latency_pdf(s, p, m, theta) * h;
    }
    assert!(close(mean, moments.mean, 1e-6 * moments.mean), "{mean}");
    assert!(close(second - mean * mean, moments.variance, 1e-5 * moments.variance));
    assert!(close(mass, 1.0, 1e-9), "{mass}");
    // The density is the derivative of the distribution function, also across s = P.
    for s in [100.0, 299.0, 301.0, 5000.0] {
        let d = 1e-3;
        let slope =
            (superfinality_latency_cdf(s + d, p, m, theta) - superfinality_latency_cdf(s - d, p, m, theta)) / (2.0 * d);
        let pdf = superfinality_latency_pdf(s, p, m, theta);
        assert!(close(pdf, slope, 1e-6 * pdf + 1e-15), "s {s}: {pdf} vs {slope}");
    }
}

#[test]
fn superfinality_quantiles_invert_the_cdf_and_the_median_is_bracketed() {
    for (p, m, theta) in [(300.0, 11, 600.0), (7200.0, 1, 600.0), (24.0, 3, 100.0)] {
        for q in [0.001, 0.1, 0.5, 0.95, 0.99, 0.999_999] {
            let s = superfinality_latency_quantile(q, p, m, theta);
            assert!(close(superfinality_latency_cdf(s, p, m, theta), q, 1e-12), "q {q}: {s}");
        }
        // Gamma(M, θ)'s median lies in ((M - 1/3)θ, Mθ) (Chen & Rubin 1986), and adding U(0, P)
        // moves it right by at most P.
        let median = superfinality_latency_quantile(0.5, p, m, theta);
        let mf = f64::from(m);
        assert!((mf - 1.0 / 3.0) * theta < median && median < mf * theta + p, "P {p}, M {m}: {median}");
    }
    assert_eq!(superfinality_latency_quantile(0.0, 300.0, 11, 600.0), 0.0);
    assert_eq!(superfinality_latency_quantile(1.0, 300.0, 11, 600.0), f64::INFINITY);
    assert!(superfinality_latency_quantile(1.5, 300.0, 11, 600.0).is_nan());
    assert!(superfinality_latency_quantile(0.5, 300.0, 11, -1.0).is_nan());
}

#[test]
fn superfinality_distribution_matches_a_monte_carlo_sample() {
    // S = U(0, P) + the sum of M Exp(θ), from a fixed 64-bit linear congruential generator.
    let (p, m, theta) = (1800.0, 4, 600.0);
    let mut state: u64 = 0x5eed;
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let n = 200_000;
    let mut samples: Vec<f64> = (0..n)
        .map(|_| {
            let waiting: f64 = (0..m).map(|_| -theta * libm::log(uniform())).sum();
            p * uniform() + waiting
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    for q in [0.05, 0.25, 0.5, 0.75, 0.95, 0.99] {
        let empirical = samples[(q * f64::from(n)) as usize];
        // The closed-form CDF at the sample quantile is q, within 5 binomial standard errors.
        let f = superfinality_latency_cdf(empirical, p, m, theta);
        let se = (q * (1.0 - q) / f64::from(n)).sqrt();
        assert!(close(f, q, 5.0 * se), "q {q}: F = {f}");
        let s = superfinality_latency_quantile(q, p, m, theta);
        assert!(close(s, empirical, 0.01 * s), "q {q}: {s} vs {empirical}");
    }
}

#[test]
fn partition_stale_blocks_is_the_mean_of_the_smaller_of_two_poisson_counts() {
    // Exact small cases: with one side certain to find nothing, nothing goes stale.
    assert_eq!(partition_stale_blocks(0.0, 3.0), 0.0);
    // Against a direct double sum of min(x, y) P(x) P(y).
    let direct = |a: f64, b: f64| {
        let pmf = |m: f64, k: u32| (-m).exp() * m.powi(k as i32) / (1..=k).map(f64::from).product::<f64>();
        (0..60u32)
            .flat_map(|x| (0..60u32).map(move |y| (x, y)))
            .map(|(x, y)| f64::from(x.min(y)) * pmf(a, x) * pmf(b, y))
            .sum::<f64>()
    };
    for (a, b) in [(3.0, 3.0), (1.5, 4.5), (6.0, 6.0), (0.5, 0.5)] {
        assert!((partition_stale_blocks(a, b) - direct(a, b)).abs() < 1e-9, "{a} {b}");
    }
    // Symmetric, and below the smaller mean.
    assert_eq!(partition_stale_blocks(1.5, 4.5), partition_stale_blocks(4.5, 1.5));
    assert!(partition_stale_blocks(3.0, 3.0) < 3.0);
}

#[test]
fn gamblers_ruin_and_the_pop_rewrite_closed_forms() {
    assert_eq!(gamblers_ruin(0.25, 3), 1.0 / 27.0);
    assert_eq!(gamblers_ruin(0.5, 3), 1.0);
    assert_eq!(gamblers_ruin(0.7, 3), 1.0);
    assert_eq!(gamblers_ruin(0.3, 0), 1.0);
    assert!(gamblers_ruin(-0.1, 1).is_nan());
    // One confirmation: the attacker needs two blocks before the honest chain's next.
    assert!(close(pop_rewrite_success(0.1, 1), 1.0 / 81.0, 1e-15));
    assert_eq!(pop_rewrite_success(0.5, 6), 1.0);
    // Deeper publications are safer, and attacking from the start (the double-spend race) is
    // easier than attacking after the fact.
    for q in QS {
        for z in 1..10 {
            assert!(pop_rewrite_success(q, z + 1) < pop_rewrite_success(q, z), "q={q} z={z}");
            assert!(pop_rewrite_success(q, z) <= double_spend_overtake(q, z), "q={q} z={z}");
        }
    }
}

#[test]
fn pop_rewrite_success_matches_a_monte_carlo_race() {
    // Each block is the attacker's with probability q; the honest lead starts at the honest
    // publication's confirmations and the rewrite succeeds when it reaches -1. A race whose lead
    // grew by 40 is abandoned: the attacker's chance from there, (q/p)^(lead + 1), is at most 3e-4
    // here (q = 0.45), a tenth of a standard error.
    let mut uniform = crate::testutil::lcg_uniform(0x5eed_0014);
    let n = 50_000u32;
    for (q, confirmations) in [(0.1, 1), (0.25, 2), (0.3, 3), (0.4, 6), (0.45, 2)] {
        let give_up = i64::from(confirmations) + 40;
        let wins = (0..n)
            .filter(|_| {
                let mut lead = i64::from(confirmations);
                while (0..give_up).contains(&lead) {
                    lead += if uniform() < q { -1 } else { 1 };
                }
                lead < 0
            })
            .count();
        let measured = wins as f64 / f64::from(n);
        let expected = pop_rewrite_success(q, confirmations);
        // Within 5 binomial standard errors (the 99% interval is 2.6).
        let se = (expected * (1.0 - expected) / f64::from(n)).sqrt();
        assert!(close(measured, expected, 5.0 * se), "q {q}, {confirmations} confirmations: {measured} vs {expected}");
        // The race is told apart from one where a tie already wins, (q/p)^d.
        let tie_wins = gamblers_ruin(q, confirmations);
        assert!(!close(measured, tie_wins, 5.0 * se), "q {q}, {confirmations} confirmations: {measured} vs {tie_wins}");
    }
}
