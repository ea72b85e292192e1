//! Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1e9`), read the way
//! apimachinery's `resource.ParseQuantity` reads them, as far as the forecast needs: CPU in
//! millicores and memory or pod counts in whole units, both rounded up as the scheduler's
//! `MilliValue`/`Value` round.

/// Why a quantity string is not one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a Kubernetes quantity: {reason}; expected a number with an optional suffix, such as 500m, 2, 1.5Gi or 1e9"
)]
pub struct QuantityError {
    /// The text given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A non-negative quantity as an exact fraction: `numerator / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    numerator: u128,
    scale: u32,
}

/// More digits than any real quantity has; beyond this the arithmetic could overflow.
const MAX_DIGITS: usize = 30;

impl Quantity {
    /// Parses a quantity; negative quantities are refused, as no request or capacity is.
    pub fn parse(input: &str) -> Result<Quantity, QuantityError> {
        let fail = |reason| QuantityError {
            input: input.to_string(),
            reason,
        };
        let text = input.strip_prefix('+').unwrap_or(input);
        if text.starts_with('-') {
            return Err(fail("it is negative"));
        }
        let number_end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(number_end);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(fail("it has no digits"));
        }
        if fraction.contains('.') {
            return Err(fail("it has two decimal points"));
        }
        let digits: String = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > MAX_DIGITS {
            return Err(fail("it has too many digits"));
        }
        let mut numerator: u128 = 0;
        for d in digits.bytes() {
            numerator = numerator * 10 + u128::from(d - b'0');
        }
        let mut q = Quantity {
            numerator,
            scale: u32::try_from(fraction.len()).map_err(|_| fail("it has too many digits"))?,
        };
        let (binary, decimal): (u32, i32) = match suffix {
            "" => (0, 0),
            "Ki" => (10, 0),
            "Mi" => (20, 0),
            "Gi" => (30, 0),
            "Ti" => (40, 0),
            "Pi" => (50, 0),
            "Ei" => (60, 0),
            "n" => (0, -9),
            "u" => (0, -6),
            "m" => (0, -3),
            "k" => (0, 3),
            "M" => (0, 6),
            "G" => (0, 9),
            "T" => (0, 12),
            "P" => (0, 15),
            "E" => (0, 18),
            other => match other.strip_prefix(['e', 'E']) {
                Some(exp) => {
                    let body = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(fail("its exponent is not a whole number"));
                    }
                    let value: i32 = exp.parse().map_err(|_| fail("its exponent is too large"))?;
                    if value.abs() > 30 {
                        return Err(fail("its exponent is too large"));
                    }
                    (0, value)
                }
                None => {
                    return Err(fail(
                        "its suffix is not one of n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent",
                    ));
                }
            },
        };
        q.numerator = q
            .numerator
            .checked_shl(binary)
            .filter(|n| n >> binary == q.numerator)
            .ok_or_else(|| fail("it is too large"))?;
        if decimal >= 0 {
            let shift = decimal.unsigned_abs();
            if shift >= q.scale {
                let factor = 10u128
                    .checked_pow(shift - q.scale)
                    .ok_or_else(|| fail("it is too large"))?;
                q.numerator = q
                    .numerator
                    .checked_mul(factor)
                    .ok_or_else(|| fail("it is too large"))?;
                q.scale = 0;
            } else {
                q.scale -= shift;
            }
        } else {
            q.scale += decimal.unsigned_abs();
        }
        Ok(q)
    }

    /// The value in thousandths, rounded up (CPU in millicores).
    pub fn milli_ceil(self) -> u64 {
        self.scaled_ceil(3)
    }

    /// The value in whole units, rounded up (bytes, pods).
    pub fn units_ceil(self) -> u64 {
        self.scaled_ceil(0)
    }

    fn scaled_ceil(self, digits: u32) -> u64 {
        let value = if self.scale <= digits {
            10u128
                .checked_pow(digits - self.scale)
                .and_then(|f| self.numerator.checked_mul(f))
        } else {
            10u128
                .checked_pow(self.scale - digits)
                .map(|f| self.numerator.div_ceil(f))
                // A divisor beyond u128 leaves less than one unit: round up to one.
                .or(Some(u128::from(self.numerator > 0)))
        };
        value.map_or(u64::MAX, |v| u64::try_from(v).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_kubernetes_accepts() {
        // (input, milli, units)
        let cases = [
            ("100m", 100, 1),
            ("1", 1000, 1),
            ("1.5", 1500, 2),
            ("0.1", 100, 1),
            (".5", 500, 1),
            ("128Mi", 128 * 1024 * 1024 * 1000, 128 * 1024 * 1024),
            ("1Gi", 1000 << 30, 1 << 30),
            ("1e3", 1_000_000, 1000),
            ("1E-3", 1, 1),
            ("500M", 500_000_000_000, 500_000_000),
            ("1k", 1_000_000, 1000),
            ("250u", 1, 1),
            ("0", 0, 0),
            ("+2", 2000, 2),
        ];
        for (input, milli, units) in cases {
            let q = Quantity::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(q.milli_ceil(), milli, "{input} milli");
            assert_eq!(q.units_ceil(), units, "{input} units");
        }
    }

    #[test]
    fn refuses_what_kubernetes_refuses() {
        for bad in [
            "", "m", "-1", "1.2.3", "1x", "1Ki5", "1e", "1e1.5", "abc", "1 Gi",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad} should be refused");
        }
        let err = Quantity::parse("1x").unwrap_err().to_string();
        assert!(err.contains("\"1x\""), "{err}");
    }

    #[test]
    fn huge_values_saturate_rather_than_wrap() {
        let q = Quantity::parse("999999999999999E").expect("a quantity");
        assert_eq!(q.units_ceil(), u64::MAX);
    }
}
