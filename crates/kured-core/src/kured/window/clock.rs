//! `--start-time` and `--end-time`: a wall-clock time of day read with the six Go time
//! layouts kured tries, in its order.

use std::fmt;
use std::str::FromStr;

/// A wall-clock time of day as kured reads `--start-time` / `--end-time`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    /// 0 to 23.
    pub hour: u8,
    /// 0 to 59.
    pub minute: u8,
    /// 0 to 59.
    pub second: u8,
    /// A fraction written after the seconds (`02:00:00.5`). kured ignores it for the
    /// window's bounds but it still decides whether start is after end, so it is kept.
    pub nanosecond: u32,
}

/// Why a `--start-time` / `--end-time` value is not a time kured accepts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{value:?} is not a time of day kured accepts{hint}; write it on a 24-hour clock as \
     15, 15:04 or 15:04:05 (e.g. 2, 02:30, 23:59:59) or on a 12-hour clock as 3pm, 03pm \
     or 03:04pm with lower-case am/pm (e.g. 2am, 10:30pm)"
)]
pub struct TimeError {
    /// The rejected value as given.
    pub value: String,
    /// A pointer at the likely mistake (starts with " (" when present), or empty.
    pub hint: String,
}

/// One element of a Go layout, reduced to what kured's six layouts use.
#[derive(Clone, Copy)]
enum Element {
    /// A literal byte that must match exactly.
    Literal(u8),
    /// Go's `15`: one or two digits, 0 to 23.
    Hour24,
    /// Go's `03` (two digits required) or `3` (one or two): 0 to 12. Zero is allowed;
    /// `0pm` is noon and `00am` midnight.
    Hour12 { two_digits: bool },
    /// Go's `04`: exactly two digits, 0 to 59.
    Minute,
    /// Go's `05`: exactly two digits, 0 to 59 (no leap second), optionally followed by a
    /// fraction, which Go accepts even when the layout has none.
    Second,
    /// Go's `pm`: exactly `am` or `pm`, lower case only (`PM` would need layout `PM`).
    AmPm,
}

use Element::*;

/// kured's layouts, in the order it tries them: `15:04`, `15:04:05`, `03:04pm`, `15`,
/// `03pm`, `3pm`. No value matches two of them, so the order never changes a result.
const LAYOUTS: [&[Element]; 6] = [
    &[Hour24, Literal(b':'), Minute],
    &[Hour24, Literal(b':'), Minute, Literal(b':'), Second],
    &[Hour12 { two_digits: true }, Literal(b':'), Minute, AmPm],
    &[Hour24],
    &[Hour12 { two_digits: true }, AmPm],
    &[Hour12 { two_digits: false }, AmPm],
];

/// Go's `getnum`: one digit, or two when two are there; `fixed` demands two. It never
/// reads a third digit, so `123` leaves `3` behind as extra text.
fn take_number(s: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    match s {
        [a, b, rest @ ..] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some((u32::from(a - b'0') * 10 + u32::from(b - b'0'), rest))
        }
        [a, rest @ ..] if a.is_ascii_digit() && !fixed => Some((u32::from(a - b'0'), rest)),
        _ => None,
    }
}

/// Parses `value` against one layout the way Go's `time.Parse` does; trailing text fails.
fn parse_with_layout(layout: &[Element], value: &str) -> Option<TimeOfDay> {
    let mut s = value.as_bytes();
    let (mut hour, mut minute, mut second, mut nanosecond) = (0u32, 0u32, 0u32, 0u32);
    let (mut am, mut pm) = (false, false);
    for element in layout {
        match *element {
            Literal(c) => s = s.strip_prefix(&[c])?,
            Hour24 => {
                (hour, s) = take_number(s, false)?;
                if hour >= 24 {
                    return None;
                }
            }
            Hour12 { two_digits } => {
                (hour, s) = take_number(s, two_digits)?;
                if hour > 12 {
                    return None;
                }
            }
            Minute => {
                (minute, s) = take_number(s, true)?;
                if minute >= 60 {
                    return None;
                }
            }
            Second => {
                (second, s) = take_number(s, true)?;
                if second >= 60 {
                    return None;
                }
                if let [b'.' | b',', d, ..] = s
                    && d.is_ascii_digit()
                {
                    let digits = s[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    // Go keeps nine digits (nanoseconds) and drops the rest.
                    let kept = &s[1..1 + digits.min(9)];
                    let mut ns = kept.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0'));
                    for _ in kept.len()..9 {
                        ns *= 10;
                    }
                    nanosecond = ns;
                    s = &s[1 + digits..];
                }
            }
            AmPm => {
                let (marker, rest) = s.split_at_checked(2)?;
                match marker {
                    b"am" => am = true,
                    b"pm" => pm = true,
                    _ => return None,
                }
                s = rest;
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    Some(TimeOfDay {
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        nanosecond,
    })
}

fn parse_any_layout(value: &str) -> Option<TimeOfDay> {
    LAYOUTS
        .iter()
        .find_map(|layout| parse_with_layout(layout, value))
}

/// Finds the likely mistake in a value no layout accepts, for the error message.
fn time_hint(value: &str) -> String {
    if value.trim() != value && parse_any_layout(value.trim()).is_some() {
        return " (remove the spaces around it)".into();
    }
    if parse_any_layout(&value.to_ascii_lowercase()).is_some() {
        return " (am and pm must be lower case)".into();
    }
    if value.as_bytes().get(1) == Some(&b':') && parse_any_layout(&format!("0{value}")).is_some() {
        return format!(" (with minutes the 12-hour form needs a two-digit hour: 0{value})");
    }
    if value.starts_with("24") {
        return " (hours run from 0 to 23; for the end of the day use 23:59:59)".into();
    }
    let bytes = value.as_bytes();
    let short_part = bytes.windows(2).enumerate().any(|(i, w)| {
        w[0] == b':' && w[1].is_ascii_digit() && !bytes.get(i + 2).is_some_and(u8::is_ascii_digit)
    });
    if short_part {
        return " (minutes and seconds need two digits, e.g. 7:05)".into();
    }
    String::new()
}

impl TimeOfDay {
    /// Midnight, `00:00:00`.
    pub const MIDNIGHT: TimeOfDay = TimeOfDay::new(0, 0, 0);

    /// A whole-second time of day; values are taken as given.
    pub const fn new(hour: u8, minute: u8, second: u8) -> Self {
        TimeOfDay {
            hour,
            minute,
            second,
            nanosecond: 0,
        }
    }

    /// Seconds since midnight, ignoring any fraction.
    pub const fn seconds_of_day(self) -> u32 {
        self.hour as u32 * 3600 + self.minute as u32 * 60 + self.second as u32
    }

    /// Parses a value as kured does: the first of its six Go layouts that accepts it.
    ///
    /// Go's rules for those layouts, all exact (no trimming, no trailing text):
    /// - `15`: hour of one or two digits, 0-23 (`7`, `07`, `23`; not `24`, not `007`).
    /// - `04` / `05`: minute / second of exactly two digits, 0-59 (`7:05`, not `7:5`).
    /// - `03`: hour of exactly two digits, 0-12; `3`: one or two digits, 0-12.
    /// - `pm`: exactly `am` or `pm`; `PM`, `p.m.` and a space before it are rejected.
    ///   `12am` is midnight, `12pm` noon, and `0pm`/`00pm` are noon too.
    /// - After the seconds Go also takes a fraction (`02:00:00.5`, `02:00:00,5`).
    pub fn parse_kured(value: &str) -> Result<Self, TimeError> {
        parse_any_layout(value).ok_or_else(|| TimeError {
            value: value.to_string(),
            hint: time_hint(value),
        })
    }
}

impl FromStr for TimeOfDay {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimeOfDay::parse_kured(s)
    }
}

impl fmt::Display for TimeOfDay {
    /// `HH:MM:SS`; a fraction is not shown, as kured ignores it for the bounds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_accepted() {
        type HourMinuteSecondNano = (u8, u8, u8, u32);
        let cases: &[(&str, HourMinuteSecondNano)] = &[
            // 15:04
            ("0:00", (0, 0, 0, 0)),
            ("2:00", (2, 0, 0, 0)),
            ("02:30", (2, 30, 0, 0)),
            ("23:59", (23, 59, 0, 0)),
            // 15:04:05
            ("23:59:59", (23, 59, 59, 0)),
            ("7:05:09", (7, 5, 9, 0)),
            ("02:00:00.5", (2, 0, 0, 500_000_000)),
            ("02:00:00,25", (2, 0, 0, 250_000_000)),
            ("02:00:00.1234567891", (2, 0, 0, 123_456_789)),
            // 03:04pm
            ("05:30pm", (17, 30, 0, 0)),
            ("12:15am", (0, 15, 0, 0)),
            ("12:15pm", (12, 15, 0, 0)),
            ("00:10am", (0, 10, 0, 0)),
            // 15
            ("0", (0, 0, 0, 0)),
            ("7", (7, 0, 0, 0)),
            ("07", (7, 0, 0, 0)),
            ("23", (23, 0, 0, 0)),
            // 03pm and 3pm
            ("03pm", (15, 0, 0, 0)),
            ("3pm", (15, 0, 0, 0)),
            ("9am", (9, 0, 0, 0)),
            ("11pm", (23, 0, 0, 0)),
            ("12am", (0, 0, 0, 0)),
            ("12pm", (12, 0, 0, 0)),
            ("0pm", (12, 0, 0, 0)),
            ("00am", (0, 0, 0, 0)),
            ("00:00am", (0, 0, 0, 0)),
            ("01:00am", (1, 0, 0, 0)),
            ("1:00:00", (1, 0, 0, 0)),
        ];
        for (value, (h, m, s, ns)) in cases {
            let want = TimeOfDay {
                hour: *h,
                minute: *m,
                second: *s,
                nanosecond: *ns,
            };
            assert_eq!(TimeOfDay::parse_kured(value), Ok(want), "value {value:?}");
        }
    }

    #[test]
    fn times_rejected() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("24:00", "hours run from 0 to 23"),
            ("24", "hours run from 0 to 23"),
            ("7:5", "two digits"),
            ("7:05:9", "two digits"),
            ("3PM", "lower case"),
            ("03:04Am", "lower case"),
            ("3:04pm", "03:04pm"),
            ("3:04PM", ""),
            (" 2:00", "spaces"),
            ("2:00 ", "spaces"),
            ("3 pm", ""),
            ("13pm", ""),
            ("13:00pm", ""),
            ("007", ""),
            ("2:60", ""),
            ("2:00:60", ""),
            ("2:00.5", ""),
            ("02:00:00.", ""),
            ("02:00:00.5x", ""),
            ("2:00:00:00", ""),
            ("2h", ""),
            ("12:60pm", ""),
            ("noon", ""),
            ("-1", ""),
            ("+2", ""),
            ("\u{661}", ""),
            ("2:00\u{e9}", ""),
        ];
        for (value, hint) in cases {
            let err = TimeOfDay::parse_kured(value).expect_err(value);
            assert_eq!(err.value, *value);
            if hint.is_empty() {
                assert_eq!(err.hint, "", "value {value:?}");
            } else {
                assert!(
                    err.hint.contains(hint),
                    "value {value:?}: hint {:?}",
                    err.hint
                );
            }
        }
    }
}
