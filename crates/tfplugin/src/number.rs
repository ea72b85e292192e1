//! [`Number`]: cty's arbitrary-precision number, as an exact decimal.

use std::cmp::Ordering;
use std::fmt;

use super::value::ErrorKind;

/// Largest decimal exponent a [`Number`] may carry, in either direction.
/// Numbers are printed without an exponent (as cty does), so an unbounded
/// exponent would let a ten-byte input expand into gigabytes of digits.
pub const MAX_EXPONENT: i64 = 16_384;

/// A finite decimal number of any size or precision.
///
/// Stored as sign, decimal digits and a power of ten, normalised so that equal
/// numbers have equal representations: `1.0 == 1` and `1e2 == 100`. cty uses
/// 512-bit binary floats and compares them by their shortest decimal text, so
/// a decimal model is the one that agrees with Terraform on equality.
///
/// A number made from an `f64` is that float's shortest round-trip decimal
/// (`from_f64(0.1)` is exactly `0.1`), which is also what cty considers it
/// equal to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// ASCII digits without leading or trailing zeros; empty for zero.
    digits: String,
    /// The value is `digits × 10^exponent`.
    exponent: i64,
}

impl Number {
    /// Zero.
    pub fn zero() -> Self {
        Self {
            negative: false,
            digits: String::new(),
            exponent: 0,
        }
    }

    /// The number equal to `v`.
    pub fn from_i64(v: i64) -> Self {
        Self::from_integer(v < 0, v.unsigned_abs())
    }

    /// The number equal to `v`.
    pub fn from_u64(v: u64) -> Self {
        Self::from_integer(false, v)
    }

    fn from_integer(negative: bool, magnitude: u64) -> Self {
        Self::normalised(negative, magnitude.to_string().into_bytes(), 0)
    }

    /// The shortest decimal that reads back as `v`; `None` for NaN and infinities.
    pub fn from_f64(v: f64) -> Option<Self> {
        if !v.is_finite() {
            return None;
        }
        // `{:e}` prints the shortest round-trip digits, always in the
        // `d.ddde±x` form that `parse` accepts.
        Self::parse(&format!("{v:e}")).ok()
    }

    /// Parses decimal text: optional sign, digits with an optional point, an
    /// optional `e`/`E` exponent. This is the form cty accepts for numbers sent
    /// as strings; infinities and hexadecimal are rejected.
    pub fn parse(text: &str) -> Result<Self, ErrorKind> {
        let invalid = || ErrorKind::InvalidNumber(text.to_owned());
        let bytes = text.as_bytes();
        let mut pos = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                pos += 1;
                true
            }
            Some(b'+') => {
                pos += 1;
                false
            }
            _ => false,
        };
        let mut digits = Vec::new();
        let mut fraction_len: i64 = 0;
        let mut seen_point = false;
        let mut seen_digit = false;
        while let Some(&b) = bytes.get(pos) {
            match b {
                b'0'..=b'9' => {
                    seen_digit = true;
                    // Leading zeros carry no value; dropping them early keeps
                    // the buffer proportional to the significant digits.
                    if !(digits.is_empty() && b == b'0') {
                        digits.push(b);
                    }
                    if seen_point {
                        fraction_len += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => break,
            }
            pos += 1;
        }
        if !seen_digit {
            return Err(invalid());
        }
        let mut exponent: i64 = 0;
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            let exp_negative = match bytes.get(pos) {
                Some(b'-') => {
                    pos += 1;
                    true
                }
                Some(b'+') => {
                    pos += 1;
                    false
                }
                _ => false,
            };
            let start = pos;
            while let Some(&b) = bytes.get(pos) {
                if !b.is_ascii_digit() {
                    break;
                }
                // Saturate: anything this large is rejected by the range check.
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i64::from(b - b'0'));
                pos += 1;
            }
            if pos == start {
                return Err(invalid());
            }
            if exp_negative {
                exponent = -exponent;
            }
        }
        if pos != bytes.len() {
            return Err(invalid());
        }
        let n = Self::normalised(negative, digits, exponent.saturating_sub(fraction_len));
        let magnitude = n.exponent.saturating_add(n.digits.len() as i64);
        if !n.digits.is_empty() && (n.exponent < -MAX_EXPONENT || magnitude > MAX_EXPONENT) {
            return Err(ErrorKind::NumberOutOfRange(text.to_owned()));
        }
        Ok(n)
    }

    fn normalised(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Self {
        let leading = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..leading);
        while digits.last() == Some(&b'0') {
            digits.pop();
            exponent = exponent.saturating_add(1);
        }
        if digits.is_empty() {
            return Self::zero();
        }
        Self {
            negative,
            // Only ASCII digits are ever pushed.
            digits: String::from_utf8(digits).unwrap_or_default(),
            exponent,
        }
    }

    /// Whether the number has no fractional part.
    pub fn is_integer(&self) -> bool {
        self.exponent >= 0
    }

    /// Whether the number is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    fn integer_magnitude(&self) -> Option<u128> {
        if !self.is_integer() || self.digits.len() as i64 + self.exponent > 39 {
            return None;
        }
        let mut acc: u128 = 0;
        for d in self.digits.bytes() {
            acc = acc.checked_mul(10)?.checked_add(u128::from(d - b'0'))?;
        }
        for _ in 0..self.exponent {
            acc = acc.checked_mul(10)?;
        }
        Some(acc)
    }

    /// The number as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        let m = i128::try_from(self.integer_magnitude()?).ok()?;
        i64::try_from(if self.negative { -m } else { m }).ok()
    }

    /// The number as a `u64`, if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        if self.negative {
            return None;
        }
        u64::try_from(self.integer_magnitude()?).ok()
    }

    /// The number as an `f64`, if that float's shortest decimal is this number.
    ///
    /// So `0.1` gives `Some(0.1)`, while `2^53 + 1` and
    /// `0.1000000000000000000001` give `None`: the float would silently be a
    /// different number.
    pub fn as_f64(&self) -> Option<f64> {
        let f = self.nearest_f64()?;
        (Self::from_f64(f).as_ref() == Some(self)).then_some(f)
    }

    /// The `f64` nearest to this number; `None` if it would overflow.
    pub fn nearest_f64(&self) -> Option<f64> {
        let text = format!(
            "{}{}e{}",
            if self.negative { "-" } else { "" },
            if self.digits.is_empty() {
                "0"
            } else {
                &self.digits
            },
            self.exponent
        );
        text.parse::<f64>().ok().filter(|f| f.is_finite())
    }

    /// The `f64` whose exact binary value is this non-integer, if there is one.
    ///
    /// This is cty's test for sending a number as a msgpack float64: `0.5`
    /// qualifies, `0.1` does not (its float is only an approximation). Integers
    /// always give `None`: cty sends those as ints, or as strings when they
    /// miss the `i64` range, never as floats.
    pub fn exact_f64(&self) -> Option<f64> {
        if self.is_integer() {
            return None;
        }
        let f = self.nearest_f64()?;
        // f = m × 2^e with m odd. For e < 0 its exact decimal is
        // (m × 5^-e) × 10^e, whose last digit is 5, so it is already
        // normalised and can be compared digit for digit.
        let bits = f.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1u64 << 52) - 1);
        let (mut m, mut e) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1u64 << 52), biased - 1075)
        };
        if m == 0 {
            return None;
        }
        let shift = i64::from(m.trailing_zeros());
        m >>= shift;
        e += shift;
        if e >= 0 || e != self.exponent {
            return None;
        }
        (mul_pow5(m, e.unsigned_abs() as u32) == self.digits).then_some(f)
    }
}

/// Decimal digits of `m × 5^k`, via base-10^9 limbs.
fn mul_pow5(m: u64, k: u32) -> String {
    const BASE: u64 = 1_000_000_000;
    let mut limbs: Vec<u64> = vec![m % BASE, (m / BASE) % BASE, m / BASE / BASE];
    let mut remaining = k;
    while remaining > 0 {
        let step = remaining.min(13);
        let factor = 5u64.pow(step);
        let mut carry = 0u64;
        for limb in &mut limbs {
            let v = *limb * factor + carry;
            *limb = v % BASE;
            carry = v / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
        remaining -= step;
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut out = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            out.push_str(&limb.to_string());
        } else {
            out.push_str(&format!("{limb:09}"));
        }
    }
    out
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |n: &Number| match (n.digits.is_empty(), n.negative) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        };
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        // Same sign: compare magnitudes by the position of the leading digit,
        // then digit by digit (missing digits count as zeros).
        let magnitude = (self.digits.len() as i64 + self.exponent)
            .cmp(&(other.digits.len() as i64 + other.exponent))
            .then_with(|| self.digits.as_bytes().cmp(other.digits.as_bytes()));
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Plain decimal without an exponent, as cty writes numbers (`Text('f', -1)`).
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        if self.exponent >= 0 {
            f.write_str(&self.digits)?;
            for _ in 0..self.exponent {
                f.write_str("0")?;
            }
            return Ok(());
        }
        let point = self.digits.len() as i64 + self.exponent;
        if point > 0 {
            let (int, frac) = self.digits.split_at(point as usize);
            write!(f, "{int}.{frac}")
        } else {
            f.write_str("0.")?;
            for _ in 0..-point {
                f.write_str("0")?;
            }
            f.write_str(&self.digits)
        }
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Self::from_i64(v)
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Self {
        Self::from_u64(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).expect("valid number")
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(n("1.0"), n("1"));
        assert_eq!(n("1e2"), n("100"));
        assert_eq!(n("-0"), Number::zero());
        assert_eq!(n("0.0010"), n("1e-3"));
        assert!(n("-2") < n("-1.5"));
        assert!(n("0.09") < n("0.1"));
        assert!(n("99") < n("100"));
        assert!(n("-100") < n("-99"));
    }

    #[test]
    fn numbers_print_without_exponent() {
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n("-1.25e-3").to_string(), "-0.00125");
        assert_eq!(n("12.5").to_string(), "12.5");
        assert_eq!(
            Number::from_f64(0.1).map(|x| x.to_string()),
            Some("0.1".into())
        );
    }

    #[test]
    fn number_conversions() {
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551615").as_i64(), None);
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(n("0.1").as_f64(), Some(0.1));
        assert_eq!(n("9007199254740993").as_f64(), None);
        assert_eq!(n("0.5").exact_f64(), Some(0.5));
        assert_eq!(n("0.1").exact_f64(), None);
        assert_eq!(n("5e-324").exact_f64(), None);
        assert_eq!(Number::from_f64(f64::NAN), None);
        let tiny = Number::from_f64(f64::from_bits(1)).expect("finite");
        assert_eq!(tiny.as_f64(), Some(f64::from_bits(1)));
    }

    #[test]
    fn number_parse_rejects_garbage_and_huge_exponents() {
        for bad in [
            "", "-", ".", "1e", "1e+", "0x10", "Inf", "1.2.3", " 1", "1 ",
        ] {
            assert!(Number::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Number::parse("1e99999999999999999999999"),
            Err(ErrorKind::NumberOutOfRange(_))
        ));
        assert_eq!(n("0e99999999999999999999999"), Number::zero());
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use crate::value::strategies;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn order_agrees_with_f64(a in any::<f64>(), b in any::<f64>()) {
            prop_assume!(a.is_finite() && b.is_finite());
            let (na, nb) = (Number::from_f64(a), Number::from_f64(b));
            if let (Some(na), Some(nb)) = (na, nb) {
                prop_assert_eq!(Some(na.cmp(&nb)), a.partial_cmp(&b));
                prop_assert_eq!(na.as_f64(), Some(a));
            }
        }

        #[test]
        fn display_parses_back(n in strategies::arb_number()) {
            prop_assert_eq!(Number::parse(&n.to_string()).ok(), Some(n));
        }

        #[test]
        fn integers_round_trip(i in any::<i64>(), u in any::<u64>()) {
            prop_assert_eq!(Number::from_i64(i).as_i64(), Some(i));
            prop_assert_eq!(Number::from_u64(u).as_u64(), Some(u));
        }

        #[test]
        fn dyadic_fractions_are_exact_floats(k in (0u64..(1 << 39)).prop_map(|x| 2 * x + 1), j in 1u32..30) {
            // k / 2^j written out exactly: k × 5^j, point j digits from the right.
            let digits = (u128::from(k) * 5u128.pow(j)).to_string();
            let padded = format!("{digits:0>width$}", width = j as usize + 1);
            let (int, frac) = padded.split_at(padded.len() - j as usize);
            let text = format!("{int}.{frac}");
            let x = k as f64 / 2f64.powi(j as i32);
            let n = Number::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(n.exact_f64(), Some(x));
        }
    }
}
