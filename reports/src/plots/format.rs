//! How every figure writes numbers: one formatter with thousands separators ([`number`]), tick
//! positions at round values that an axis of integers keeps at integers ([`ticks`]), and one
//! unit chooser for durations ([`Unit::time`]) whose [`Unit::format`] lets every duration of a
//! legend speak the unit of its axis (`p50 = 1.9 h (closed form 1.8 h)`, never `2.2 h (closed
//! form 109.2 min)`).

/// A display unit: values are divided by `scale` and labelled `name`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub scale: f64,
    pub name: &'static str,
}

impl Unit {
    /// Seconds, minutes or hours, so that a span of `max_s` reads in at most a few hundred.
    pub fn time(max_s: f64) -> Unit {
        let (scale, name) = if max_s >= 7200.0 {
            (3600.0, "h")
        } else if max_s >= 120.0 {
            (60.0, "min")
        } else {
            (1.0, "s")
        };
        Unit { scale, name }
    }

    /// gas/s, kgas/s, Mgas/s or Ggas/s for rates up to `max`.
    pub fn gas_rate(max: f64) -> Unit {
        let (scale, name) = if max >= 1e9 {
            (1e9, "Ggas/s")
        } else if max >= 1e6 {
            (1e6, "Mgas/s")
        } else if max >= 1e3 {
            (1e3, "kgas/s")
        } else {
            (1.0, "gas/s")
        };
        Unit { scale, name }
    }

    /// `value` (in the base unit, e.g. seconds) in this unit with its name: `1.9 h`, `0.083 h`,
    /// `1,250 min`.
    pub fn format(&self, value: f64) -> String {
        format!("{} {}", significant(value / self.scale), self.name)
    }
}

/// `seconds` in the unit that suits it alone, e.g. `8.3 s`, `22.1 min`: for a duration that is
/// compared with nothing else in its legend (use the axis' [`Unit::format`] otherwise).
pub fn duration_label(seconds: f64) -> String {
    Unit::time(seconds).format(seconds)
}

/// A value for a legend: one decimal from 1 to 1,000, none above, and two significant digits
/// below 1 (`0.083`), so that a small value never reads as 0.
pub fn significant(v: f64) -> String {
    let magnitude = v.abs();
    let decimals = if !magnitude.is_finite() || magnitude == 0.0 || magnitude >= 1000.0 {
        0
    } else if magnitude >= 1.0 {
        1
    } else {
        (1.0 - libm::floor(libm::log10(magnitude))).clamp(1.0, 6.0) as usize
    };
    number(v, decimals)
}

/// An integer with comma thousands separators: `6,882,625`.
pub fn thousands(n: u64) -> String {
    group_digits(&n.to_string())
}

/// `v` with `decimals` decimals and comma thousands separators: `1,234.5`, `-0.25`, `7,000,000`.
pub fn number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let text = format!("{:.decimals$}", v.abs());
    let (whole, fraction) = text.split_at(text.find('.').unwrap_or(text.len()));
    // `-0.0` and values that round to zero print without a sign.
    let negative = v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    format!("{}{}{fraction}", if negative { "-" } else { "" }, group_digits(whole))
}

fn group_digits(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Tick positions of an axis and the decimals their labels need.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    pub values: Vec<f64>,
    pub decimals: usize,
}

impl Ticks {
    /// The label of a tick (or any value on this axis).
    pub fn label(&self, v: f64) -> String {
        // A tick computed as `k * step` may land a rounding error below 0.
        let v = if v.abs() < 1e-12 { 0.0 } else { v };
        number(v, self.decimals)
    }

    /// The labels of every tick, in order.
    pub fn labels(&self) -> Vec<String> {
        self.values.iter().map(|&v| self.label(v)).collect()
    }
}

/// At most `max_count` ticks (at least 2 when the range allows) over `[lo, hi]`, at multiples of
/// a step of 1, 2 or 5 times a power of ten; with `integers`, the step is at least 1, so an axis
/// of integer values (a grid key of 1, 2, 3) never gets a tick at 4.5.
pub fn ticks(lo: f64, hi: f64, max_count: usize, integers: bool) -> Ticks {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        let v = if lo.is_finite() { lo } else { 0.0 };
        return Ticks { values: vec![v], decimals: 0 };
    }
    let max_count = max_count.max(2);
    let raw = (hi - lo) / (max_count - 1) as f64;
    let power = libm::pow(10.0, libm::floor(libm::log10(raw)));
    let step =
        [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|&s| s >= raw * (1.0 - 1e-9)).unwrap_or(10.0 * power);
    let step = if integers { libm::ceil(step.max(1.0)) } else { step };
    let first = libm::ceil(lo / step - 1e-9);
    let values: Vec<f64> = (0..)
        .map(|k| (first + f64::from(k)) * step)
        .take_while(|&v| v <= hi + step * 1e-9)
        .take(max_count + 1)
        .collect();
    let decimals =
        if integers || step >= 1.0 { 0 } else { (-libm::floor(libm::log10(step) + 1e-9)).clamp(0.0, 9.0) as usize };
    Ticks { values, decimals }
}

/// At most `max_count` ticks of a log₁₀ axis over `[lo_exp, hi_exp]` (exponents): 1, 2 and 5
/// times every power of ten if they fit, else the powers of ten (every other one, or fewer, if
/// even those do not). Values are exponents; [`log_label`] writes them.
pub fn log_ticks(lo_exp: f64, hi_exp: f64, max_count: usize) -> Vec<f64> {
    let (first, last) = (libm::floor(lo_exp) as i32, libm::ceil(hi_exp) as i32);
    let inside = |v: &f64| *v >= lo_exp - 1e-9 && *v <= hi_exp + 1e-9;
    let dense: Vec<f64> =
        (first..=last).flat_map(|e| [1.0, 2.0, 5.0].map(|m| libm::log10(m) + f64::from(e))).filter(inside).collect();
    if dense.len() <= max_count.max(2) {
        return dense;
    }
    let decades: Vec<f64> = (first..=last).map(f64::from).filter(inside).collect();
    let every = decades.len().div_ceil(max_count.max(2)).max(1);
    decades.into_iter().step_by(every).collect()
}

/// The label of a log₁₀ axis position `exp`: the value 10^exp, with the decimals it needs.
pub fn log_label(exp: f64) -> String {
    let v = libm::pow(10.0, exp);
    let decimals = (-libm::floor(exp + 1e-9)).clamp(0.0, 9.0) as usize;
    number(v, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_thousands_separators_and_their_decimals() {
        assert_eq!(thousands(6_882_625), "6,882,625");
        assert_eq!((thousands(0), thousands(999), thousands(1000)), ("0".into(), "999".into(), "1,000".into()));
        assert_eq!(number(7_000_000.0, 0), "7,000,000");
        assert_eq!(number(1234.5, 1), "1,234.5");
        assert_eq!(number(-1234.56, 2), "-1,234.56");
        assert_eq!(number(-0.001, 2), "0.00");
        assert_eq!(number(999.96, 1), "1,000.0");
        assert_eq!(number(0.25, 2), "0.25");
        assert_eq!(number(f64::NAN, 1), "NaN");
        assert_eq!(significant(0.0833), "0.083");
        assert_eq!(significant(113.4), "113.4");
        assert_eq!(significant(12_345.6), "12,346");
        assert_eq!(significant(0.0), "0");
    }

    #[test]
    fn one_unit_per_legend() {
        assert_eq!(Unit::time(86_400.0).name, "h");
        assert_eq!(Unit::time(600.0).name, "min");
        assert_eq!(Unit::time(36.0).name, "s");
        assert_eq!(Unit::gas_rate(2.5e6).name, "Mgas/s");
        assert_eq!(Unit::gas_rate(0.0).name, "gas/s");
        assert_eq!(duration_label(8.26), "8.3 s");
        assert_eq!(duration_label(1326.0), "22.1 min");
        // The legend: a p50 of 2.2 h next to a closed form of 109.2 min, now both in the
        // axis' unit.
        let axis = Unit::time(4.0 * 3600.0);
        assert_eq!((axis.format(7_920.0), axis.format(6_552.0)), ("2.2 h".into(), "1.8 h".into()));
        assert_eq!(axis.format(300.0), "0.083 h");
    }

    #[test]
    fn ticks_are_round_and_integer_axes_stay_integer() {
        let t = ticks(0.0, 72.0, 10, false);
        assert_eq!(t.values, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]);
        assert_eq!(t.decimals, 0);
        let t = ticks(0.0, 1.05, 12, false);
        assert_eq!((t.values.len(), t.decimals, t.label(t.values[3])), (11, 1, "0.3".into()));
        let t = ticks(0.0, 7_500_000.0, 8, false);
        assert_eq!(t.labels().last().map(String::as_str), Some("6,000,000"));
        // Grid values 3, 4, 5, 6: a real-valued axis would tick at 3.5, 4.5; an integer one not.
        assert!(ticks(2.8, 6.2, 10, false).values.contains(&4.5));
        let t = ticks(2.8, 6.2, 10, true);
        assert_eq!((t.values.as_slice(), t.decimals), (&[3.0, 4.0, 5.0, 6.0][..], 0));
        assert_eq!(ticks(-0.5, 0.5, 10, false).label(-1e-17), "0.0");
        assert_eq!(ticks(5.0, 5.0, 10, false).values, [5.0]);
        assert!(ticks(0.0, 1e-300, 10, false).values.len() <= 11);
    }

    #[test]
    fn log_ticks_cover_small_and_large_values() {
        let labels = |t: Vec<f64>| -> Vec<String> { t.iter().map(|&e| log_label(e)).collect() };
        let t = log_ticks(0.0, libm::log10(500.0), 10);
        assert_eq!(labels(t), ["1", "2", "5", "10", "20", "50", "100", "200", "500"]);
        let wide = log_ticks(-1.0, 5.0, 10);
        assert_eq!(labels(wide), ["0.1", "1", "10", "100", "1,000", "10,000", "100,000"]);
        assert_eq!(labels(log_ticks(-1.0, 5.0, 4)), ["0.1", "10", "1,000", "100,000"]);
    }
}
