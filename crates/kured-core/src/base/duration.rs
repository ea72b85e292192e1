//! Go's `time.Duration`: parsed the way `time.ParseDuration` parses it and printed the way
//! `Duration.String` prints it.
//!
//! kured reads `--period`, `--drain-timeout`, `--lock-ttl` and friends with Go's parser, so
//! a value is valid for kured exactly when Go accepts it. The rules below follow Go's
//! `src/time/format.go` (checked against Go 1.2x), including its corner cases.

use std::fmt;
use std::str::FromStr;

/// A Go `time.Duration`: a signed count of nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub i64);

/// What made a duration string unacceptable to Go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationErrorKind {
    /// Nothing (or only a sign) was given.
    Empty,
    /// A component has no digits, or an unexpected character where a number should be.
    BadNumber,
    /// A number is not followed by a unit (`"30"`, `"1h30"`).
    MissingUnit,
    /// A unit other than ns, us, µs, μs, ms, s, m, h.
    UnknownUnit(String),
    /// The total does not fit in a signed 64-bit count of nanoseconds (about 292 years).
    Overflow,
}

impl fmt::Display for DurationErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationErrorKind::Empty => f.write_str("it is empty"),
            DurationErrorKind::BadNumber => {
                f.write_str("each part must be a number (digits, optionally with a fraction) followed by a unit")
            }
            DurationErrorKind::MissingUnit => f.write_str("a number has no unit"),
            DurationErrorKind::UnknownUnit(u) => {
                write!(f, "{u:?} is not a unit (use ns, us, µs, ms, s, m or h)")
            }
            DurationErrorKind::Overflow => {
                f.write_str("it exceeds Go's largest duration, 2562047h47m16.854775807s")
            }
        }
    }
}

/// Why a string is not a Go duration; carries the input as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a valid duration: {kind}; expected a Go duration such as 30m, 1h30m or 0"
)]
pub struct DurationError {
    /// The rejected text, unchanged.
    pub input: String,
    /// What was wrong with it.
    pub kind: DurationErrorKind,
}

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// 2^63: the magnitude of `i64::MIN`, the largest magnitude Go accumulates before the sign.
const LIMIT: u64 = 1 << 63;

fn unit_nanos(unit: &[u8]) -> Option<u64> {
    match unit {
        b"ns" => Some(NANOSECOND),
        // Go accepts both the micro sign (U+00B5) and the Greek mu (U+03BC).
        // (UTF-8 bytes of "µs" and "μs").
        b"us" | [0xc2, 0xb5, b's'] | [0xce, 0xbc, b's'] => Some(MICROSECOND),
        b"ms" => Some(MILLISECOND),
        b"s" => Some(SECOND),
        b"m" => Some(MINUTE),
        b"h" => Some(HOUR),
        _ => None,
    }
}

impl GoDuration {
    /// The zero duration, Go's `0s`.
    pub const ZERO: GoDuration = GoDuration(0);

    /// Builds a duration from a count of nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        GoDuration(nanos)
    }

    /// The duration as a count of nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whether the duration is zero; for kured's `--drain-timeout` and `--lock-ttl` that
    /// means "no limit".
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether the duration is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Parses `input` exactly as Go's `time.ParseDuration` does.
    pub fn parse(input: &str) -> Result<Self, DurationError> {
        let fail = |kind| DurationError {
            input: input.to_string(),
            kind,
        };
        let mut s = input.as_bytes();
        let mut negative = false;
        if let Some((&c, rest)) = s.split_first()
            && (c == b'-' || c == b'+')
        {
            negative = c == b'-';
            s = rest;
        }
        // Go special-cases a bare "0" (after an optional sign): no unit needed.
        if s == b"0" {
            return Ok(GoDuration::ZERO);
        }
        if s.is_empty() {
            return Err(fail(DurationErrorKind::Empty));
        }
        let mut total: u64 = 0;
        while !s.is_empty() {
            if !(s[0] == b'.' || s[0].is_ascii_digit()) {
                return Err(fail(DurationErrorKind::BadNumber));
            }
            let (whole, rest, had_whole) =
                leading_int(s).ok_or_else(|| fail(DurationErrorKind::Overflow))?;
            s = rest;
            let mut fraction = 0u64;
            let mut scale = 1f64;
            let mut had_fraction = false;
            if let Some((&b'.', rest)) = s.split_first() {
                let (f, sc, rest, consumed) = leading_fraction(rest);
                fraction = f;
                scale = sc;
                had_fraction = consumed;
                s = rest;
            }
            if !had_whole && !had_fraction {
                return Err(fail(DurationErrorKind::BadNumber));
            }
            let unit_len = s
                .iter()
                .position(|&c| c == b'.' || c.is_ascii_digit())
                .unwrap_or(s.len());
            if unit_len == 0 {
                return Err(fail(DurationErrorKind::MissingUnit));
            }
            let (unit_text, rest) = s.split_at(unit_len);
            s = rest;
            let unit = unit_nanos(unit_text).ok_or_else(|| {
                fail(DurationErrorKind::UnknownUnit(
                    String::from_utf8_lossy(unit_text).into_owned(),
                ))
            })?;
            if whole > LIMIT / unit {
                return Err(fail(DurationErrorKind::Overflow));
            }
            let mut value = whole * unit;
            if fraction > 0 {
                // Go goes through float64 here; doing the same keeps results bit-identical
                // (e.g. for fractions of hours that are not whole nanoseconds).
                value += (fraction as f64 * (unit as f64 / scale)) as u64;
                if value > LIMIT {
                    return Err(fail(DurationErrorKind::Overflow));
                }
            }
            // Both terms are at most 2^63, so the sum can reach exactly 2^64, which Go's
            // uint64 arithmetic wraps to 0 without noticing. Wrapping here reproduces
            // what kured would accept ("9223372036854775808ns" twice is 0 in Go).
            total = total.wrapping_add(value);
            if total > LIMIT {
                return Err(fail(DurationErrorKind::Overflow));
            }
        }
        if negative {
            // 2^63 becomes i64::MIN, the one magnitude only a negative value can have.
            return Ok(GoDuration((total as i64).wrapping_neg()));
        }
        if total > LIMIT - 1 {
            return Err(fail(DurationErrorKind::Overflow));
        }
        Ok(GoDuration(total as i64))
    }
}

/// Reads leading digits; `None` when the number exceeds 2^63 (Go reports that as invalid).
/// Also says whether any digit was read.
fn leading_int(s: &[u8]) -> Option<(u64, &[u8], bool)> {
    let mut x: u64 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if x > LIMIT / 10 {
            return None;
        }
        x = x * 10 + u64::from(s[i] - b'0');
        if x > LIMIT {
            return None;
        }
        i += 1;
    }
    Some((x, &s[i..], i > 0))
}

/// Reads the digits after a decimal point. Digits past 63 bits of precision are consumed
/// but ignored, as Go does, so a long fraction is never an error.
fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8], bool) {
    let mut x: u64 = 0;
    let mut scale = 1f64;
    let mut overflow = false;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if !overflow {
            if x > (LIMIT - 1) / 10 {
                overflow = true;
            } else {
                let y = x * 10 + u64::from(s[i] - b'0');
                if y > LIMIT {
                    overflow = true;
                } else {
                    x = y;
                    scale *= 10.0;
                }
            }
        }
        i += 1;
    }
    (x, scale, &s[i..], i > 0)
}

impl FromStr for GoDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GoDuration::parse(s)
    }
}

/// Writes `value / 10^precision` as a fraction (".5", ".25"), without trailing zeros and
/// without the point when the fraction is zero. Returns the whole part.
fn push_fraction(out: &mut Vec<u8>, mut value: u64, precision: u32) -> u64 {
    let mut printing = false;
    for _ in 0..precision {
        let digit = (value % 10) as u8;
        printing = printing || digit != 0;
        if printing {
            out.push(b'0' + digit);
        }
        value /= 10;
    }
    if printing {
        out.push(b'.');
    }
    value
}

fn push_int(out: &mut Vec<u8>, mut value: u64) {
    if value == 0 {
        out.push(b'0');
        return;
    }
    while value > 0 {
        out.push(b'0' + (value % 10) as u8);
        value /= 10;
    }
}

impl fmt::Display for GoDuration {
    /// Formats like Go's `Duration.String`: `1h30m0s`, `2m0s`, `1.5s`, `500ms`, `1µs`,
    /// `0s`. Durations under a second use the largest sub-second unit that keeps the
    /// integer part non-zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Built back to front, then reversed: digits fall out least significant first.
        let mut rev: Vec<u8> = Vec::with_capacity(32);
        let mut u = self.0.unsigned_abs();
        if u < SECOND {
            let (unit, precision): (&str, u32) = if u == 0 {
                return f.write_str("0s");
            } else if u < MICROSECOND {
                ("ns", 0)
            } else if u < MILLISECOND {
                ("\u{b5}s", 3)
            } else {
                ("ms", 6)
            };
            rev.extend(unit.bytes().rev());
            u = push_fraction(&mut rev, u, precision);
            push_int(&mut rev, u);
        } else {
            rev.push(b's');
            u = push_fraction(&mut rev, u, 9);
            push_int(&mut rev, u % 60);
            u /= 60;
            if u > 0 {
                rev.push(b'm');
                push_int(&mut rev, u % 60);
                u /= 60;
                // Hours are the largest unit: days vary in length.
                if u > 0 {
                    rev.push(b'h');
                    push_int(&mut rev, u);
                }
            }
        }
        if self.0 < 0 {
            rev.push(b'-');
        }
        rev.reverse();
        f.write_str(&String::from_utf8_lossy(&rev))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_go_accepts() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("+0", 0),
            ("-0", 0),
            ("0s", 0),
            ("5s", 5 * SECOND as i64),
            ("30m", 30 * MINUTE as i64),
            ("1h30m", (HOUR + 30 * MINUTE) as i64),
            ("1h30m0s", (HOUR + 30 * MINUTE) as i64),
            ("1.5h", (HOUR + 30 * MINUTE) as i64),
            (".5s", 500 * MILLISECOND as i64),
            ("5.s", 5 * SECOND as i64),
            ("1.s", SECOND as i64),
            ("-1.5s", -1_500_000_000),
            ("+2m", 2 * MINUTE as i64),
            ("100ns", 100),
            ("3us", 3_000),
            ("3\u{b5}s", 3_000),
            ("3\u{3bc}s", 3_000),
            ("12ms", 12_000_000),
            ("1h1m1s1ms1us1ns", 3_661_001_001_001),
            ("1s1s", 2 * SECOND as i64),
            ("10m10m", 20 * MINUTE as i64),
            // Units may repeat and come in any order.
            ("1s1h", (HOUR + SECOND) as i64),
            ("0.0000000001s", 0),
            ("1.0000000001s", SECOND as i64),
            ("0.3333333333333333333h", 1_200_000_000_000),
            ("0.1234567890123456789012h", 444_444_440_444),
            ("5.999999999999999999999ns", 6),
            ("1.9999999999999999999h", 7_200_000_000_000),
            ("00001s", SECOND as i64),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775808s", i64::MIN),
            // Go's uint64 accumulator wraps at exactly 2^64 without noticing.
            ("9223372036854775808ns9223372036854775808ns", 0),
        ];
        for (input, want) in cases {
            assert_eq!(
                GoDuration::parse(input),
                Ok(GoDuration(*want)),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        use DurationErrorKind::*;
        let cases: &[(&str, DurationErrorKind)] = &[
            ("", Empty),
            ("+", Empty),
            ("-", Empty),
            ("3", MissingUnit),
            ("-3", MissingUnit),
            ("00", MissingUnit),
            ("1h30", MissingUnit),
            ("1.5", MissingUnit),
            (".", BadNumber),
            (".s", BadNumber),
            ("-.s", BadNumber),
            ("s", BadNumber),
            ("h1", BadNumber),
            (" 1s", BadNumber),
            ("--1s", BadNumber),
            ("+-1s", BadNumber),
            ("1s.", BadNumber),
            ("1d", UnknownUnit("d".into())),
            ("1H", UnknownUnit("H".into())),
            ("1 s", UnknownUnit(" s".into())),
            ("1s ", UnknownUnit("s ".into())),
            ("1sec", UnknownUnit("sec".into())),
            ("1h-30m", UnknownUnit("h-".into())),
            ("3\u{b5}", UnknownUnit("\u{b5}".into())),
            ("9223372036854775808ns", Overflow),
            ("-9223372036854775809ns", Overflow),
            ("2562048h", Overflow),
            ("9999999999999999999999s", Overflow),
            ("2562047h47m16.854775808s", Overflow),
            ("5124095576030431h", Overflow),
        ];
        for (input, kind) in cases {
            let err = GoDuration::parse(input).expect_err(input);
            assert_eq!(&err.kind, kind, "input {input:?}");
            assert_eq!(err.input, *input);
        }
    }

    #[test]
    fn error_message_names_input_and_valid_form() {
        let msg = GoDuration::parse("30").unwrap_err().to_string();
        assert!(msg.contains("\"30\""), "{msg}");
        assert!(msg.contains("a number has no unit"), "{msg}");
        assert!(msg.contains("such as 30m, 1h30m or 0"), "{msg}");
    }

    #[test]
    fn displays_like_go() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (999, "999ns"),
            (1_000, "1\u{b5}s"),
            (1_500, "1.5\u{b5}s"),
            (1_000_000, "1ms"),
            (500_000_000, "500ms"),
            (1_500_000_000, "1.5s"),
            (SECOND as i64, "1s"),
            (60 * SECOND as i64, "1m0s"),
            (-2 * MINUTE as i64, "-2m0s"),
            ((HOUR + 30 * MINUTE) as i64, "1h30m0s"),
            (HOUR as i64 + 1, "1h0m0.000000001s"),
            (-1, "-1ns"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for (nanos, want) in cases {
            assert_eq!(GoDuration(*nanos).to_string(), *want, "nanos {nanos}");
        }
    }

    #[test]
    fn display_round_trips_through_parse() {
        for nanos in [0, 1, 1_234, 86_400 * SECOND as i64, -7, i64::MAX, i64::MIN] {
            let d = GoDuration(nanos);
            assert_eq!(GoDuration::parse(&d.to_string()), Ok(d));
        }
    }

    #[test]
    fn predicates() {
        assert!(GoDuration::parse("0").unwrap().is_zero());
        assert!(GoDuration::parse("-0s").unwrap().is_zero());
        assert!(!GoDuration::parse("1ns").unwrap().is_zero());
        assert!(GoDuration::parse("-1ns").unwrap().is_negative());
        assert_eq!(
            "2m".parse::<GoDuration>().map(GoDuration::as_nanos),
            Ok(120_000_000_000)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn parse_never_panics(input in "[-+0-9.a-zµμ ]{0,24}") {
            let _ = GoDuration::parse(&input);
        }

        #[test]
        fn display_round_trips(nanos in proptest::num::i64::ANY) {
            let d = GoDuration(nanos);
            proptest::prop_assert_eq!(GoDuration::parse(&d.to_string()), Ok(d));
        }
    }
}
