//! Numbers and booleans written the way Go's `strconv` reads them, for kured's integer and
//! boolean flags.
//!
//! pflag reads an `int` flag with `strconv.ParseInt(s, 0, 64)` and a `bool` flag with
//! `strconv.ParseBool`; kured 1.16.2 and newer read an integer from a `KURED_*` variable
//! with `strconv.Atoi` (base 10) before handing it to the flag. Each is reproduced here,
//! accepting exactly what Go accepts.

use std::fmt;

/// Why Go's integer parser refuses a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntProblem {
    /// Not a number in the accepted syntax (`strconv.ErrSyntax`).
    Syntax,
    /// A number outside the 64-bit range (`strconv.ErrRange`).
    Range,
}

impl fmt::Display for IntProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IntProblem::Syntax => "it is not an integer",
            IntProblem::Range => "it does not fit in 64 bits",
        })
    }
}

/// Which integer syntax a value is read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntSyntax {
    /// `ParseInt(s, 0, 64)`, pflag's: an optional sign, then decimal, `0x`/`0X` hex,
    /// `0o`/`0O` or a leading `0` octal, `0b`/`0B` binary, with `_` allowed between digits
    /// and after a base prefix (`1_000`, `0x_ff`).
    GoLiteral,
    /// `Atoi`, base 10 only: an optional sign and decimal digits, no `_`.
    Decimal,
}

/// Reads a 64-bit integer exactly as Go's `strconv.ParseInt(s, base, 64)` does for base 0
/// ([`IntSyntax::GoLiteral`]) or 10 ([`IntSyntax::Decimal`]).
pub fn parse_int(s: &str, syntax: IntSyntax) -> Result<i64, IntProblem> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_unsigned(digits, syntax)?;
    if syntax == IntSyntax::GoLiteral && digits.contains('_') && !underscores_ok(s) {
        return Err(IntProblem::Syntax);
    }
    const LIMIT: u64 = 1 << 63;
    match (negative, magnitude) {
        (false, m) if m < LIMIT => Ok(m as i64),
        (true, m) if m <= LIMIT => Ok((m as i64).wrapping_neg()),
        _ => Err(IntProblem::Range),
    }
}

/// Go's `ParseUint` on the part after the sign.
fn parse_unsigned(s: &str, syntax: IntSyntax) -> Result<u64, IntProblem> {
    if s.is_empty() {
        return Err(IntProblem::Syntax);
    }
    let bytes = s.as_bytes();
    let (base, body): (u64, &[u8]) = match syntax {
        IntSyntax::Decimal => (10, bytes),
        IntSyntax::GoLiteral => match bytes {
            [b'0', p, rest @ ..] if bytes.len() >= 3 && matches!(p, b'b' | b'B') => (2, rest),
            [b'0', p, rest @ ..] if bytes.len() >= 3 && matches!(p, b'o' | b'O') => (8, rest),
            [b'0', p, rest @ ..] if bytes.len() >= 3 && matches!(p, b'x' | b'X') => (16, rest),
            // A lone `0` leaves no digits, which Go reads as zero.
            [b'0', rest @ ..] => (8, rest),
            _ => (10, bytes),
        },
    };
    let mut value: u64 = 0;
    for &c in body {
        if c == b'_' && syntax == IntSyntax::GoLiteral {
            continue;
        }
        let digit = match c {
            b'0'..=b'9' => u64::from(c - b'0'),
            b'a'..=b'z' => u64::from(c - b'a') + 10,
            b'A'..=b'Z' => u64::from(c - b'A') + 10,
            _ => return Err(IntProblem::Syntax),
        };
        if digit >= base {
            return Err(IntProblem::Syntax);
        }
        // Go stops at the first digit that overflows, before any later bad character.
        value = value
            .checked_mul(base)
            .and_then(|v| v.checked_add(digit))
            .ok_or(IntProblem::Range)?;
    }
    Ok(value)
}

/// Go's `underscoreOK`: an underscore must sit between digits, or between a base prefix
/// and a digit.
fn underscores_ok(s: &str) -> bool {
    let mut bytes = s.as_bytes();
    if let [b'+' | b'-', rest @ ..] = bytes {
        bytes = rest;
    }
    // What the last character was: a digit or prefix, an underscore, or anything else.
    #[derive(PartialEq)]
    enum Saw {
        Start,
        Digit,
        Underscore,
        Other,
    }
    let mut saw = Saw::Start;
    let mut hex = false;
    let mut i = 0;
    if bytes.len() >= 2 && bytes[0] == b'0' && matches!(bytes[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = Saw::Digit;
        hex = bytes[1] | 0x20 == b'x';
    }
    for &c in &bytes[i..] {
        if c.is_ascii_digit() || (hex && (c | 0x20).is_ascii_hexdigit()) {
            saw = Saw::Digit;
            continue;
        }
        if c == b'_' {
            if saw != Saw::Digit {
                return false;
            }
            saw = Saw::Underscore;
            continue;
        }
        if saw == Saw::Underscore {
            return false;
        }
        saw = Saw::Other;
    }
    saw != Saw::Underscore
}

/// Reads a boolean exactly as Go's `strconv.ParseBool` does: `1 t T TRUE true True` and
/// `0 f F FALSE false False`, nothing else (no `yes`, no `on`, no surrounding spaces).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_literals() {
        use IntProblem::*;
        let cases: &[(&str, Result<i64, IntProblem>)] = &[
            ("0", Ok(0)),
            ("1", Ok(1)),
            ("-1", Ok(-1)),
            ("+7", Ok(7)),
            ("010", Ok(8)),
            ("0x10", Ok(16)),
            ("0X1f", Ok(31)),
            ("0o17", Ok(15)),
            ("0b101", Ok(5)),
            ("1_000", Ok(1000)),
            ("0x_ff", Ok(255)),
            ("0_7", Ok(7)),
            ("-0b1", Ok(-1)),
            ("9223372036854775807", Ok(i64::MAX)),
            ("-9223372036854775808", Ok(i64::MIN)),
            ("9223372036854775808", Err(Range)),
            ("99999999999999999999", Err(Range)),
            ("99999999999999999999x", Err(Range)),
            ("", Err(Syntax)),
            ("-", Err(Syntax)),
            ("0x", Err(Syntax)),
            ("08", Err(Syntax)),
            ("1_", Err(Syntax)),
            ("_1", Err(Syntax)),
            ("1__0", Err(Syntax)),
            ("0x_", Err(Syntax)),
            (" 1", Err(Syntax)),
            ("1.0", Err(Syntax)),
            ("1e3", Err(Syntax)),
            ("two", Err(Syntax)),
            ("--1", Err(Syntax)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_int(input, IntSyntax::GoLiteral), *want, "{input:?}");
        }
    }

    #[test]
    fn decimals_as_atoi_reads_them() {
        use IntProblem::*;
        let cases: &[(&str, Result<i64, IntProblem>)] = &[
            ("010", Ok(10)),
            ("-3", Ok(-3)),
            ("+3", Ok(3)),
            ("0x10", Err(Syntax)),
            ("1_000", Err(Syntax)),
            ("", Err(Syntax)),
            ("9223372036854775808", Err(Range)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_int(input, IntSyntax::Decimal), *want, "{input:?}");
        }
    }

    #[test]
    fn booleans() {
        for t in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        for bad in ["", "yes", "on", "tRUE", " true", "2"] {
            assert_eq!(parse_bool(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decimal_numbers_read_back(n in proptest::num::i64::ANY) {
            proptest::prop_assert_eq!(parse_int(&n.to_string(), IntSyntax::GoLiteral), Ok(n));
            proptest::prop_assert_eq!(parse_int(&n.to_string(), IntSyntax::Decimal), Ok(n));
        }

        #[test]
        fn never_panics(s in "[-+0-9a-zA-Z_]{0,24}") {
            let _ = parse_int(&s, IntSyntax::GoLiteral);
            let _ = parse_int(&s, IntSyntax::Decimal);
        }
    }
}
