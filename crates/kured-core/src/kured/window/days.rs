//! `--reboot-days` entries: which weekday each names, as kured's `pkg/timewindow` reads
//! them, and the set of days they make.

use std::fmt;

use chrono::Weekday;

/// A `--reboot-days` entry kured refuses, making it exit at start-up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DayError {
    /// An entry that is neither a day name nor a number.
    #[error(
        "{value:?} is not a day; use su, mo, tu, we, th, fr, sa, the three-letter or full \
         English names in any case (mon, Monday), or a number from 0 (Sunday) to 6 \
         (Saturday)"
    )]
    Unknown {
        /// The entry as given.
        value: String,
    },
    /// A number outside 0-6.
    #[error("day number {value} is out of range; numbers run from 0 (Sunday) to 6 (Saturday)")]
    NumberOutOfRange {
        /// The entry as given.
        value: String,
    },
}

/// A set of weekdays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Weekdays(u8);

/// Monday first: the order summaries are written in.
const WEEK_ORDER: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn day_bit(day: Weekday) -> u8 {
    1 << day.num_days_from_monday()
}

impl Weekdays {
    /// No day at all: a window with it never opens.
    pub const NONE: Weekdays = Weekdays(0);
    /// All seven days.
    pub const EVERY_DAY: Weekdays = Weekdays(0x7f);

    /// Whether `day` is in the set.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & day_bit(day) != 0
    }

    /// Adds `day` to the set.
    pub fn insert(&mut self, day: Weekday) {
        self.0 |= day_bit(day);
    }

    /// Whether the set has no day.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many distinct days the set holds.
    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    /// The days in the set, Monday first.
    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        WEEK_ORDER.into_iter().filter(move |d| self.contains(*d))
    }
}

impl fmt::Display for Weekdays {
    /// `every day`, `no day`, or the days Monday first (`mon,tue,sun`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Weekdays::EVERY_DAY {
            return f.write_str("every day");
        }
        if self.is_empty() {
            return f.write_str("no day");
        }
        for (i, day) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(&day.to_string().to_ascii_lowercase())?;
        }
        Ok(())
    }
}

/// Lower-cases the way Go's `strings.ToLower` does as far as day names can tell: ASCII
/// letters, plus U+0130 (capital I with dot), whose simple lower case in Go is a plain `i`
/// (so Go reads `FRİDAY` as `friday`). Every other non-ASCII character lower-cases to
/// something non-ASCII, which can never match a day name, so it is kept as is.
fn go_lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\u{130}' {
                'i'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn day_by_name(lower: &str) -> Option<Weekday> {
    Some(match lower {
        "su" | "sun" | "sunday" => Weekday::Sun,
        "mo" | "mon" | "monday" => Weekday::Mon,
        "tu" | "tue" | "tuesday" => Weekday::Tue,
        "we" | "wed" | "wednesday" => Weekday::Wed,
        "th" | "thu" | "thursday" => Weekday::Thu,
        "fr" | "fri" | "friday" => Weekday::Fri,
        "sa" | "sat" | "saturday" => Weekday::Sat,
        _ => return None,
    })
}

/// Reads one entry of `--reboot-days` as kured does.
///
/// - A number is tried first, as Go's `strconv.Atoi` reads it: an optional `+`/`-` and
///   decimal digits (`6`, `+6`, `-0`, `006`); 0 is Sunday and 6 Saturday; any other value
///   that fits in 64 bits is out of range. A number too large for 64 bits fails `Atoi` and
///   then fails the name lookup too.
/// - Otherwise a two-letter, three-letter or full English name, in any case. No other
///   spelling is accepted: no `tues`, `thurs`, `any`, `*`, `weekdays` or ranges such as
///   `mon-fri`, and no surrounding spaces (`mon, tue` has the entry `" tue"`).
pub fn parse_day(entry: &str) -> Result<Weekday, DayError> {
    if let Ok(n) = entry.parse::<i64>() {
        let out_of_range = || DayError::NumberOutOfRange {
            value: entry.to_string(),
        };
        return match n {
            0 => Ok(Weekday::Sun),
            1..=6 => Weekday::try_from((n - 1) as u8).map_err(|_| out_of_range()),
            _ => Err(out_of_range()),
        };
    }
    day_by_name(&go_lower(entry)).ok_or_else(|| DayError::Unknown {
        value: entry.to_string(),
    })
}

/// Reads the list of `--reboot-days` entries as kured does: empty entries are skipped,
/// duplicates are harmless, the first invalid entry is the error.
///
/// An empty result is *not* an error here (kured accepts it at start-up); it is the
/// window that never opens, reported by [`super::RebootWindow::parse`].
pub fn parse_days(days: &[String]) -> Result<Weekdays, DayError> {
    let mut set = Weekdays::NONE;
    for entry in days.iter().filter(|e| !e.is_empty()) {
        set.insert(parse_day(entry)?);
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kured::window::DEFAULT_REBOOT_DAYS;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn day_entries() {
        use Weekday::*;
        let ok: &[(&str, Weekday)] = &[
            ("su", Sun),
            ("sun", Sun),
            ("sunday", Sun),
            ("Sunday", Sun),
            ("SUNDAY", Sun),
            ("mo", Mon),
            ("Mon", Mon),
            ("monday", Mon),
            ("tu", Tue),
            ("tue", Tue),
            ("tuesday", Tue),
            ("we", Wed),
            ("wed", Wed),
            ("WeDnEsDaY", Wed),
            ("th", Thu),
            ("thu", Thu),
            ("thursday", Thu),
            ("fr", Fri),
            ("fri", Fri),
            ("friday", Fri),
            ("FR\u{130}DAY", Fri),
            ("sa", Sat),
            ("sat", Sat),
            ("saturday", Sat),
            ("0", Sun),
            ("1", Mon),
            ("5", Fri),
            ("6", Sat),
            ("+6", Sat),
            ("-0", Sun),
            ("006", Sat),
        ];
        for (entry, want) in ok {
            assert_eq!(parse_day(entry), Ok(*want), "entry {entry:?}");
        }
        let out_of_range = ["7", "-1", "10", "+7", "9223372036854775807"];
        for entry in out_of_range {
            assert!(
                matches!(parse_day(entry), Err(DayError::NumberOutOfRange { .. })),
                "entry {entry:?}"
            );
        }
        let unknown = [
            "s",
            "m",
            "tues",
            "thurs",
            "any",
            "*",
            "weekdays",
            "mon-fri",
            " mon",
            "mon ",
            "mon,tue",
            "+",
            "-",
            "1.0",
            "99999999999999999999",
            "monday.",
            "k",
        ];
        for entry in unknown {
            assert_eq!(
                parse_day(entry),
                Err(DayError::Unknown {
                    value: entry.into()
                }),
                "entry {entry:?}"
            );
        }
    }

    #[test]
    fn day_lists() {
        let cases: &[(&[&str], &str)] = &[
            (&DEFAULT_REBOOT_DAYS, "every day"),
            (&["mon", "tue", "wed", "thu", "fri"], "mon,tue,wed,thu,fri"),
            (&["sun", "sat"], "sat,sun"),
            (&["mon", "mo", "1", "Monday"], "mon"),
            (&["", "fri", ""], "fri"),
            (&[], "no day"),
            (&["", ""], "no day"),
        ];
        for (days, want) in cases {
            let set = parse_days(&strings(days)).unwrap();
            assert_eq!(set.to_string(), *want, "days {days:?}");
        }
        assert_eq!(
            parse_days(&strings(&["mon", "funday", "7"])),
            Err(DayError::Unknown {
                value: "funday".into()
            })
        );
    }
}
