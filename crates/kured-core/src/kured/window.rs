//! kured's reboot window (`--reboot-days`, `--start-time`, `--end-time`, `--time-zone`),
//! read the way kured reads it, so that a plan fails where kured would exit at start-up or
//! where the window can never open.
//!
//! Checked against kubereboot/kured `pkg/timewindow/{days,timewindow}.go` and
//! `cmd/kured/main.go`; the parsing logic is unchanged from 1.10.0 to 1.23.0 (only error
//! texts changed case). Flag defaults in every one of those versions: days
//! `su,mo,tu,we,th,fr,sa`, start `0:00`, end `23:59:59`, zone `UTC`. kured builds the
//! window once at start-up and exits on the first invalid value (days, then zone, then
//! start, then end); [`RebootWindow::parse`] instead reports every invalid field at once.
//!
//! How kured uses the window: every `--period` (after a random initial delay) it asks
//! whether "now" is inside. The window is a per-day test, not a span: on a listed day the
//! window is `[start, end]` on that day's wall clock, or, when start is after end, the two
//! pieces `[00:00, end]` and `[start, 24:00)` of that same day. So with `fri 22:00-02:00`
//! the early hours of Saturday are *outside* (Saturday is not listed) while the early hours
//! of Friday are inside. The end is inclusive to its last nanosecond (`23:59:59` covers
//! `23:59:59.999999999`), which also makes `start == end` a one-second window, never an
//! empty one.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use crate::base::duration::GoDuration;

/// kured's default for `--reboot-days`: every day.
pub const DEFAULT_REBOOT_DAYS: [&str; 7] = ["su", "mo", "tu", "we", "th", "fr", "sa"];
/// kured's default for `--start-time`.
pub const DEFAULT_START_TIME: &str = "0:00";
/// kured's default for `--end-time`.
pub const DEFAULT_END_TIME: &str = "23:59:59";
/// kured's default for `--time-zone`.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

const SECOND_NS: u64 = 1_000_000_000;
const DAY_NS: u64 = 86_400 * SECOND_NS;
const WEEK_NS: u64 = 7 * DAY_NS;

/// Which setting of the window a problem belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WindowField {
    /// `--reboot-days`
    Days,
    /// `--start-time`
    StartTime,
    /// `--end-time`
    EndTime,
    /// `--time-zone`
    TimeZone,
}

impl WindowField {
    /// The kured command-line flag that carries this setting.
    pub const fn flag(self) -> &'static str {
        match self {
            WindowField::Days => "--reboot-days",
            WindowField::StartTime => "--start-time",
            WindowField::EndTime => "--end-time",
            WindowField::TimeZone => "--time-zone",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Days
// ---------------------------------------------------------------------------------------

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
pub fn parse_day(entry: &str) -> Result<Weekday, WindowError> {
    if let Ok(n) = entry.parse::<i64>() {
        return match n {
            0 => Ok(Weekday::Sun),
            1..=6 => {
                Weekday::try_from((n - 1) as u8).map_err(|_| WindowError::DayNumberOutOfRange {
                    value: entry.to_string(),
                })
            }
            _ => Err(WindowError::DayNumberOutOfRange {
                value: entry.to_string(),
            }),
        };
    }
    day_by_name(&go_lower(entry)).ok_or_else(|| WindowError::UnknownDay {
        value: entry.to_string(),
    })
}

/// Reads the list of `--reboot-days` entries as kured does: empty entries are skipped,
/// duplicates are harmless, the first invalid entry is the error.
///
/// An empty result is *not* an error here (kured accepts it at start-up); it is the
/// window that never opens, reported by [`RebootWindow::parse`].
pub fn parse_days(days: &[String]) -> Result<Weekdays, WindowError> {
    let mut set = Weekdays::NONE;
    for entry in days.iter().filter(|e| !e.is_empty()) {
        set.insert(parse_day(entry)?);
    }
    Ok(set)
}

// ---------------------------------------------------------------------------------------
// The --reboot-days argument as text (pflag's StringSlice)
// ---------------------------------------------------------------------------------------

/// What made a `--reboot-days` argument unreadable as comma-separated values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsvProblem {
    /// A `"` inside an entry that does not start with one (`mo"n`).
    BareQuote,
    /// A quoted entry with no closing quote (`"mon`).
    QuoteNotClosed,
    /// Something other than a comma or the end follows a closing quote (`"mon"x`).
    TextAfterQuote,
    /// The value holds only line breaks, so there is no line to read.
    NoEntries,
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsvProblem::BareQuote => "a double quote appears inside an entry that is not quoted",
            CsvProblem::QuoteNotClosed => "a quoted entry has no closing double quote",
            CsvProblem::TextAfterQuote => "text follows the closing double quote of an entry",
            CsvProblem::NoEntries => "it holds nothing but line breaks",
        })
    }
}

/// A `--reboot-days` argument that kured's flag parser rejects, making kured exit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "--reboot-days={value:?} cannot be read as a comma-separated list: {problem}; \
     write the days separated by commas without quotes, e.g. --reboot-days=mon,tue,wed"
)]
pub struct DaysFlagError {
    /// The argument's value as given.
    pub value: String,
    /// What was wrong with it.
    pub problem: CsvProblem,
}

/// Yields input lines the way Go's `encoding/csv` reads them: each with its `\n`, `\r\n`
/// turned into `\n`, and a `\r` right before the end of input dropped.
struct CsvLines<'a> {
    rest: &'a str,
}

impl CsvLines<'_> {
    fn next_line(&mut self) -> Option<String> {
        if self.rest.is_empty() {
            return None;
        }
        let (raw, rest) = match self.rest.find('\n') {
            Some(i) => self.rest.split_at(i + 1),
            None => (self.rest, ""),
        };
        self.rest = rest;
        let mut line = raw.to_string();
        if !line.ends_with('\n') && line.ends_with('\r') {
            line.pop();
        }
        if line.ends_with("\r\n") {
            line.truncate(line.len() - 2);
            line.push('\n');
        }
        Some(line)
    }
}

/// Splits one `--reboot-days` value into entries as kured's flag library does.
///
/// kured declares the flag as a pflag `StringSlice`, which reads the value as one record
/// of CSV with Go's `encoding/csv` defaults:
/// - `""` is no entry at all (pflag special-cases it), so `--reboot-days=` leaves kured
///   with no day;
/// - entries are separated by commas and kept verbatim, spaces included (`mon, tue` gives
///   `" tue"`, which kured then rejects);
/// - an entry may be quoted (`"mon","tue"`), with `""` standing for a quote inside it; a
///   quote anywhere else is an error;
/// - only the first line counts: empty lines before it are skipped and lines after it are
///   ignored.
pub fn parse_days_flag(value: &str) -> Result<Vec<String>, DaysFlagError> {
    let fail = |problem| DaysFlagError {
        value: value.to_string(),
        problem,
    };
    if value.is_empty() {
        return Ok(Vec::new());
    }
    let mut lines = CsvLines { rest: value };
    let mut line = loop {
        match lines.next_line() {
            None => return Err(fail(CsvProblem::NoEntries)),
            Some(l) if l.is_empty() || l == "\n" => continue,
            Some(l) => break l,
        }
    };
    let mut fields = Vec::new();
    loop {
        if let Some(quoted) = line.strip_prefix('"') {
            let mut rest = quoted.to_string();
            let mut field = String::new();
            loop {
                if let Some(i) = rest.find('"') {
                    field.push_str(&rest[..i]);
                    let after = &rest[i + 1..];
                    if let Some(more) = after.strip_prefix('"') {
                        field.push('"');
                        rest = more.to_string();
                    } else if let Some(more) = after.strip_prefix(',') {
                        fields.push(field);
                        line = more.to_string();
                        break;
                    } else if after.is_empty() || after == "\n" {
                        fields.push(field);
                        return Ok(fields);
                    } else {
                        return Err(fail(CsvProblem::TextAfterQuote));
                    }
                } else if !rest.is_empty() {
                    // The quoted entry goes on past the line break.
                    field.push_str(&rest);
                    rest = lines.next_line().unwrap_or_default();
                } else {
                    return Err(fail(CsvProblem::QuoteNotClosed));
                }
            }
        } else {
            let (field, more) = match line.find(',') {
                Some(i) => (&line[..i], Some(&line[i + 1..])),
                None => (line.strip_suffix('\n').unwrap_or(&line), None),
            };
            if field.contains('"') {
                return Err(fail(CsvProblem::BareQuote));
            }
            fields.push(field.to_string());
            match more {
                Some(more) => line = more.to_string(),
                None => return Ok(fields),
            }
        }
    }
}

/// The day list kured ends up with from every `--reboot-days` argument, in order.
///
/// pflag's `StringSlice` does not let the last occurrence win: the first one replaces the
/// default and each further one *appends* (`--reboot-days=mon --reboot-days=fri` is
/// mon and fri; the kured Helm chart renders one argument per listed day). With no
/// occurrence the default, every day, applies.
pub fn days_from_flags(values: &[&str]) -> Result<Vec<String>, DaysFlagError> {
    if values.is_empty() {
        return Ok(DEFAULT_REBOOT_DAYS.iter().map(|d| d.to_string()).collect());
    }
    let mut days = Vec::new();
    for value in values {
        days.extend(parse_days_flag(value)?);
    }
    Ok(days)
}

// ---------------------------------------------------------------------------------------
// Times of day
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Time zone
// ---------------------------------------------------------------------------------------

/// The time zone the window is read in, as Go's `time.LoadLocation` resolves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WindowZone {
    /// `UTC` or the empty string.
    Utc,
    /// `Local`: the zone of kured's container. kured's image (Alpine) has no
    /// `/etc/localtime`, so this is UTC unless the pod sets `TZ` or mounts one.
    Local,
    /// An IANA zone name.
    Named(Tz),
}

impl fmt::Display for WindowZone {
    /// The name Go's `Location.String` gives: `UTC`, `Local` or the IANA name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowZone::Utc => f.write_str("UTC"),
            WindowZone::Local => f.write_str("Local"),
            WindowZone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

/// Resolves `--time-zone` as Go's `time.LoadLocation` does inside kured's image.
///
/// `""` and `UTC` are UTC and `Local` is the container's zone, all without any file.
/// Anything else is a file under the image's zoneinfo directory (kured's Alpine images
/// install `tzdata`, in every version from 1.10 on), so names are case-sensitive and
/// must be IANA names; here they are looked up in chrono-tz's copy of the same database.
/// Go refuses outright names containing `..` or starting with `/` or `\`.
pub fn parse_zone(value: &str) -> Result<WindowZone, WindowError> {
    match value {
        "" | "UTC" => return Ok(WindowZone::Utc),
        "Local" => return Ok(WindowZone::Local),
        _ => {}
    }
    let refused = value.contains("..") || value.starts_with('/') || value.starts_with('\\');
    if !refused && let Ok(tz) = value.parse::<Tz>() {
        return Ok(WindowZone::Named(tz));
    }
    let suggestion = if refused {
        None
    } else {
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .find(|name| name.eq_ignore_ascii_case(value))
            .map(str::to_string)
            .or_else(|| {
                value
                    .eq_ignore_ascii_case("local")
                    .then(|| "Local".to_string())
            })
    };
    Err(WindowError::TimeZone {
        value: value.to_string(),
        hint: suggestion
            .map(|s| format!(" (names are case-sensitive: did you mean {s}?)"))
            .unwrap_or_default(),
    })
}

// ---------------------------------------------------------------------------------------
// The window
// ---------------------------------------------------------------------------------------

/// A reason kured would refuse the window at start-up, or a window that never opens.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// A `--reboot-days` entry that is neither a day name nor a number.
    #[error(
        "--reboot-days: {value:?} is not a day; use su, mo, tu, we, th, fr, sa, the \
         three-letter or full English names in any case (mon, Monday), or a number from \
         0 (Sunday) to 6 (Saturday)"
    )]
    UnknownDay {
        /// The entry as given.
        value: String,
    },
    /// A `--reboot-days` number outside 0-6.
    #[error(
        "--reboot-days: day number {value} is out of range; numbers run from 0 (Sunday) to \
         6 (Saturday)"
    )]
    DayNumberOutOfRange {
        /// The entry as given.
        value: String,
    },
    /// `--reboot-days` was given but names no day. kured starts normally and then never
    /// reboots: an empty list means no day, not every day.
    #[error(
        "--reboot-days names no day, so kured's reboot window never opens and no node is \
         ever rebooted; list at least one day (e.g. mon,tue,wed,thu,fri) or leave \
         --reboot-days unset to allow every day"
    )]
    NeverOpens,
    /// An unreadable `--start-time`.
    #[error("--start-time: {0}")]
    StartTime(TimeError),
    /// An unreadable `--end-time`.
    #[error("--end-time: {0}")]
    EndTime(TimeError),
    /// A `--time-zone` Go cannot load.
    #[error(
        "--time-zone: {value:?} is not a time zone kured can load{hint}; use an IANA name \
         such as Europe/Berlin or America/New_York, or UTC"
    )]
    TimeZone {
        /// The value as given.
        value: String,
        /// A suggestion (starts with " (" when present), or empty.
        hint: String,
    },
}

impl WindowError {
    /// The setting the error is about, for reporting it on the right attribute.
    pub fn field(&self) -> WindowField {
        match self {
            WindowError::UnknownDay { .. }
            | WindowError::DayNumberOutOfRange { .. }
            | WindowError::NeverOpens => WindowField::Days,
            WindowError::StartTime(_) => WindowField::StartTime,
            WindowError::EndTime(_) => WindowField::EndTime,
            WindowError::TimeZone { .. } => WindowField::TimeZone,
        }
    }
}

/// kured's reboot window: on which days, between which wall-clock times, in which zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RebootWindow {
    /// The days on which the window opens; never empty when built by [`Self::parse`].
    pub days: Weekdays,
    /// First second of the window on each listed day.
    pub start: TimeOfDay,
    /// Last second of the window (inclusive to its last nanosecond).
    pub end: TimeOfDay,
    /// The zone the days and times are read in.
    pub zone: WindowZone,
}

impl RebootWindow {
    /// The window kured uses when none of the four flags is given: always open.
    pub fn kured_default() -> Self {
        RebootWindow {
            days: Weekdays::EVERY_DAY,
            start: TimeOfDay::MIDNIGHT,
            end: TimeOfDay::new(23, 59, 59),
            zone: WindowZone::Utc,
        }
    }

    /// Reads the four settings as kured does and also rejects a day list that names no
    /// day. Returns every problem found, one per setting, in kured's order (days, zone,
    /// start, end); the list is never empty on `Err`.
    pub fn parse(
        days: &[String],
        start_time: &str,
        end_time: &str,
        time_zone: &str,
    ) -> Result<Self, Vec<WindowError>> {
        let mut errors = Vec::new();
        let days = match parse_days(days) {
            Ok(set) if set.is_empty() => {
                errors.push(WindowError::NeverOpens);
                None
            }
            Ok(set) => Some(set),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let zone = parse_zone(time_zone).map_err(|e| errors.push(e)).ok();
        let start = TimeOfDay::parse_kured(start_time)
            .map_err(|e| errors.push(WindowError::StartTime(e)))
            .ok();
        let end = TimeOfDay::parse_kured(end_time)
            .map_err(|e| errors.push(WindowError::EndTime(e)))
            .ok();
        match (days, start, end, zone) {
            (Some(days), Some(start), Some(end), Some(zone)) if errors.is_empty() => {
                Ok(RebootWindow {
                    days,
                    start,
                    end,
                    zone,
                })
            }
            _ => Err(errors),
        }
    }

    /// One line for plans and logs: `mon,tue,wed,thu,fri 02:00:00-05:00:00 Europe/Berlin`.
    pub fn summary(&self) -> String {
        format!("{} {}-{} {}", self.days, self.start, self.end, self.zone)
    }

    /// Whether start is after end, so each listed day's window is `[00:00, end]` plus
    /// `[start, 24:00)`. kured compares the parsed times including any fraction.
    pub fn wraps_midnight(&self) -> bool {
        self.start > self.end
    }

    /// Whether kured, checking at `at`, finds itself inside the window.
    ///
    /// Compares wall-clock times in the window's zone (`Local` is taken as UTC, as in
    /// kured's image). kured builds the bounds as instants on the current date instead, so
    /// on the day of a daylight-saving shift its answer can differ for up to the length of
    /// the shift near the bounds; on every other day the two agree.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        match self.zone {
            WindowZone::Utc | WindowZone::Local => self.contains_wall_clock(at),
            WindowZone::Named(tz) => {
                self.contains_wall_clock(tz.from_utc_datetime(&at.naive_utc()))
            }
        }
    }

    fn contains_wall_clock<T: Datelike + Timelike>(&self, local: T) -> bool {
        if !self.days.contains(local.weekday()) {
            return false;
        }
        // chrono reports a leap second as nanosecond >= 1e9; clamp it into its second.
        let now = u64::from(local.num_seconds_from_midnight()) * SECOND_NS
            + u64::from(local.nanosecond().min(999_999_999));
        let (start, end_exclusive) = self.bounds_ns();
        if self.wraps_midnight() {
            now < end_exclusive || now >= start
        } else {
            now >= start && now < end_exclusive
        }
    }

    /// The window's bounds on a day, in nanoseconds after midnight: kured starts at the
    /// start's whole second and ends after the end's last nanosecond.
    fn bounds_ns(&self) -> (u64, u64) {
        (
            u64::from(self.start.seconds_of_day()) * SECOND_NS,
            (u64::from(self.end.seconds_of_day()) + 1) * SECOND_NS,
        )
    }

    /// The stretches of a week (nanoseconds from Monday 00:00, half-open) during which the
    /// window is open, merged, with a stretch across Sunday midnight joined to Monday's.
    fn openings(&self) -> Vec<(u64, u64)> {
        let (start, end_exclusive) = self.bounds_ns();
        let mut pieces = Vec::new();
        for day in self.days.iter() {
            let base = u64::from(day.num_days_from_monday()) * DAY_NS;
            if self.wraps_midnight() {
                pieces.push((base, base + end_exclusive));
                pieces.push((base + start, base + DAY_NS));
            } else {
                pieces.push((base + start, base + end_exclusive));
            }
        }
        pieces.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (s, e) in pieces {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        if let [first, .., last] = merged.as_slice()
            && first.0 == 0
            && last.1 == WEEK_NS
        {
            let joined = (last.0, first.1 + WEEK_NS);
            merged.pop();
            if let Some(head) = merged.first_mut() {
                *head = joined;
            }
        }
        merged
    }

    /// Whether the window never closes (every day, covering the whole day).
    pub fn is_always_open(&self) -> bool {
        matches!(self.openings().as_slice(), [(0, WEEK_NS)])
    }

    /// The longest uninterrupted time the window stays open in a week; one week when it
    /// never closes, zero when it never opens.
    ///
    /// kured looks at the window only once per `--period`, at a phase set by a random
    /// start-up delay. If this is shorter than the period, a check may never fall inside
    /// the window, and whether one does depends on when the pod started.
    pub fn longest_opening(&self) -> GoDuration {
        let longest = self
            .openings()
            .iter()
            .map(|(s, e)| e - s)
            .max()
            .unwrap_or(0)
            .min(WEEK_NS);
        GoDuration::from_nanos(i64::try_from(longest).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for RebootWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Days, start, end, zone, and what is expected of that window.
    type Case<'a, T> = (&'a [&'a str], &'a str, &'a str, &'a str, T);
    /// The same with a moment to test and whether the window holds it.
    type AtCase<'a> = (&'a [&'a str], &'a str, &'a str, &'a str, &'a str, bool);

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
                matches!(
                    parse_day(entry),
                    Err(WindowError::DayNumberOutOfRange { .. })
                ),
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
                Err(WindowError::UnknownDay {
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
            Err(WindowError::UnknownDay {
                value: "funday".into()
            })
        );
    }

    #[test]
    fn days_flag_values() {
        let cases: &[(&str, &[&str])] = &[
            ("mon,fri", &["mon", "fri"]),
            ("mon", &["mon"]),
            ("", &[]),
            (",", &["", ""]),
            ("mon,", &["mon", ""]),
            ("mon, tue", &["mon", " tue"]),
            ("\"mon\",\"tue\"", &["mon", "tue"]),
            ("\"mon,tue\"", &["mon,tue"]),
            ("\"\"", &[""]),
            ("\"a\"\"b\"", &["a\"b"]),
            ("mon\nfri", &["mon"]),
            ("\n\nmon", &["mon"]),
            ("\r\nmon", &["mon"]),
            ("mon\r\n", &["mon"]),
            ("mon\r", &["mon"]),
            ("mo\rn", &["mo\rn"]),
            ("\"mo\nn\"", &["mo\nn"]),
            ("\"mon\"\n", &["mon"]),
            ("\"mo\r\nn\"", &["mo\nn"]),
            ("\"mon\"\r", &["mon"]),
        ];
        for (value, want) in cases {
            assert_eq!(parse_days_flag(value), Ok(strings(want)), "value {value:?}");
        }
        let bad: &[(&str, CsvProblem)] = &[
            ("mo\"n", CsvProblem::BareQuote),
            ("mon,t\"ue", CsvProblem::BareQuote),
            (" \"mon\"", CsvProblem::BareQuote),
            ("\"mon", CsvProblem::QuoteNotClosed),
            ("\"mon\n", CsvProblem::QuoteNotClosed),
            ("\"mon\"x", CsvProblem::TextAfterQuote),
            ("a,\"b", CsvProblem::QuoteNotClosed),
            ("\"mon\" ,tue", CsvProblem::TextAfterQuote),
            ("\n", CsvProblem::NoEntries),
            ("\r\n\n", CsvProblem::NoEntries),
            ("\r", CsvProblem::NoEntries),
        ];
        for (value, problem) in bad {
            let err = parse_days_flag(value).expect_err(value);
            assert_eq!(&err.problem, problem, "value {value:?}");
        }
    }

    #[test]
    fn days_flag_occurrences_append() {
        assert_eq!(days_from_flags(&[]), Ok(strings(&DEFAULT_REBOOT_DAYS)));
        assert_eq!(
            days_from_flags(&["mon", "fri"]),
            Ok(strings(&["mon", "fri"]))
        );
        assert_eq!(
            days_from_flags(&["mon,tue", "", "sat"]),
            Ok(strings(&["mon", "tue", "sat"]))
        );
        assert_eq!(days_from_flags(&[""]), Ok(vec![]));
        assert!(days_from_flags(&["mon", "\"x"]).is_err());
    }

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

    #[test]
    fn zones() {
        let ok: &[(&str, &str)] = &[
            ("", "UTC"),
            ("UTC", "UTC"),
            ("Local", "Local"),
            ("Europe/Berlin", "Europe/Berlin"),
            ("America/New_York", "America/New_York"),
            ("Etc/UTC", "Etc/UTC"),
            ("US/Eastern", "US/Eastern"),
            ("EST5EDT", "EST5EDT"),
        ];
        for (value, name) in ok {
            assert_eq!(
                parse_zone(value).map(|z| z.to_string()),
                Ok(name.to_string())
            );
        }
        let bad: &[(&str, &str)] = &[
            ("utc", "did you mean UTC?"),
            ("europe/berlin", "did you mean Europe/Berlin?"),
            ("local", "did you mean Local?"),
            ("Europe/Berlinn", ""),
            ("CEST", ""),
            ("+02:00", ""),
            ("/etc/localtime", ""),
            ("../UTC", ""),
            ("\\UTC", ""),
            (" UTC", ""),
            ("Europe", ""),
        ];
        for (value, hint) in bad {
            match parse_zone(value) {
                Err(WindowError::TimeZone { value: v, hint: h }) => {
                    assert_eq!(v, *value);
                    assert!(
                        h.contains(hint) && (hint.is_empty() == h.is_empty()),
                        "{value:?}: {h:?}"
                    );
                }
                other => panic!("{value:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn whole_windows_and_summaries() {
        let cases: &[Case<&str>] = &[
            (
                &["mon", "tue", "wed", "thu", "fri"],
                "2am",
                "5:00",
                "Europe/Berlin",
                "mon,tue,wed,thu,fri 02:00:00-05:00:00 Europe/Berlin",
            ),
            (
                &DEFAULT_REBOOT_DAYS,
                DEFAULT_START_TIME,
                DEFAULT_END_TIME,
                DEFAULT_TIME_ZONE,
                "every day 00:00:00-23:59:59 UTC",
            ),
            (
                &["sa", "su"],
                "22",
                "06:00",
                "",
                "sat,sun 22:00:00-06:00:00 UTC",
            ),
        ];
        for (days, start, end, zone, want) in cases {
            let w = RebootWindow::parse(&strings(days), start, end, zone).unwrap();
            assert_eq!(w.summary(), *want);
            assert_eq!(w.to_string(), *want);
        }
        let default = RebootWindow::parse(
            &strings(&DEFAULT_REBOOT_DAYS),
            DEFAULT_START_TIME,
            DEFAULT_END_TIME,
            DEFAULT_TIME_ZONE,
        );
        assert_eq!(default, Ok(RebootWindow::kured_default()));
    }

    #[test]
    fn errors_per_field() {
        let cases: &[Case<&[WindowField]>] = &[
            (&["mon"], "2", "5", "UTC", &[]),
            (&["funday"], "2", "5", "UTC", &[WindowField::Days]),
            (&[], "2", "5", "UTC", &[WindowField::Days]),
            (&[""], "2", "5", "UTC", &[WindowField::Days]),
            (&["mon"], "2PM", "5", "UTC", &[WindowField::StartTime]),
            (&["mon"], "2", "24:00", "UTC", &[WindowField::EndTime]),
            (&["mon"], "2", "5", "Mars/Olympus", &[WindowField::TimeZone]),
            (
                &["8"],
                "x",
                "y",
                "z",
                &[
                    WindowField::Days,
                    WindowField::TimeZone,
                    WindowField::StartTime,
                    WindowField::EndTime,
                ],
            ),
        ];
        for (days, start, end, zone, fields) in cases {
            let got: Vec<WindowField> = match RebootWindow::parse(&strings(days), start, end, zone)
            {
                Ok(_) => vec![],
                Err(errors) => errors.iter().map(WindowError::field).collect(),
            };
            assert_eq!(&got, fields, "{days:?} {start} {end} {zone}");
        }
    }

    #[test]
    fn error_messages_name_flags() {
        let errors = RebootWindow::parse(&strings(&["8"]), "x", "y", "z").unwrap_err();
        let flags = ["--reboot-days", "--time-zone", "--start-time", "--end-time"];
        for (error, flag) in errors.iter().zip(flags) {
            assert!(error.to_string().starts_with(flag), "{error}");
            assert_eq!(error.field().flag(), flag);
        }
        let never = RebootWindow::parse(&[], "2", "5", "UTC").unwrap_err();
        assert_eq!(never, vec![WindowError::NeverOpens]);
        assert!(never[0].to_string().contains("never opens"));
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn contains_times() {
        // 2024-01-05 is a Friday, 2024-01-06 a Saturday, 2024-01-04 a Thursday.
        let cases: &[AtCase] = &[
            (&["fri"], "2", "5", "UTC", "2024-01-05T02:00:00Z", true),
            (&["fri"], "2", "5", "UTC", "2024-01-05T01:59:59.999Z", false),
            (&["fri"], "2", "5", "UTC", "2024-01-05T05:00:59.999Z", false),
            (
                &["fri"],
                "2",
                "5:00",
                "UTC",
                "2024-01-05T05:00:00.999Z",
                true,
            ),
            (&["fri"], "2", "5:00", "UTC", "2024-01-05T05:00:01Z", false),
            (&["fri"], "2", "5", "UTC", "2024-01-06T03:00:00Z", false),
            // Wrap past midnight: a listed day holds [00:00, end] and [start, 24:00).
            (
                &["fri"],
                "22:00",
                "02:00",
                "UTC",
                "2024-01-05T23:00:00Z",
                true,
            ),
            (
                &["fri"],
                "22:00",
                "02:00",
                "UTC",
                "2024-01-05T01:00:00Z",
                true,
            ),
            (
                &["fri"],
                "22:00",
                "02:00",
                "UTC",
                "2024-01-05T12:00:00Z",
                false,
            ),
            (
                &["fri"],
                "22:00",
                "02:00",
                "UTC",
                "2024-01-06T01:00:00Z",
                false,
            ),
            (
                &["fri"],
                "22:00",
                "02:00",
                "UTC",
                "2024-01-04T23:00:00Z",
                false,
            ),
            // start == end is one second, not empty and not the whole day.
            (
                &["fri"],
                "3:00",
                "3:00",
                "UTC",
                "2024-01-05T03:00:00.5Z",
                true,
            ),
            (
                &["fri"],
                "3:00",
                "3:00",
                "UTC",
                "2024-01-05T03:00:01Z",
                false,
            ),
            // A fraction on the start makes it "after" the end: the whole day is open.
            (
                &["fri"],
                "03:00:00.5",
                "03:00:00",
                "UTC",
                "2024-01-05T12:00:00Z",
                true,
            ),
            // Zones: 02:00 in Berlin (UTC+1 in winter) is 01:00 UTC.
            (
                &["fri"],
                "2",
                "3",
                "Europe/Berlin",
                "2024-01-05T01:30:00Z",
                true,
            ),
            (
                &["fri"],
                "2",
                "3",
                "Europe/Berlin",
                "2024-01-05T02:30:00Z",
                false,
            ),
            (
                &["fri"],
                "2",
                "3",
                "Europe/Berlin",
                "2024-07-05T00:30:00Z",
                true,
            ),
            // The weekday is the zone's: 04:30 UTC on Saturday is still Friday in New York.
            (
                &["fri"],
                "23:00",
                "23:59:59",
                "America/New_York",
                "2024-01-06T04:30:00Z",
                true,
            ),
            (
                &["fri"],
                "0",
                "1",
                "America/New_York",
                "2024-01-06T05:30:00Z",
                false,
            ),
            (
                &["fri"],
                "0",
                "1",
                "America/New_York",
                "2024-01-05T05:30:00Z",
                true,
            ),
            (&["fri"], "0", "1", "Local", "2024-01-05T00:30:00Z", true),
        ];
        for (days, start, end, zone, when, want) in cases {
            let w = RebootWindow::parse(&strings(days), start, end, zone).unwrap();
            assert_eq!(w.contains(at(when)), *want, "{} at {when}", w.summary());
        }
    }

    #[test]
    fn openings() {
        const H: i64 = 3_600_000_000_000;
        const S: i64 = 1_000_000_000;
        let cases: &[(&[&str], &str, &str, i64, bool)] = &[
            (&DEFAULT_REBOOT_DAYS, "0:00", "23:59:59", 168 * H, true),
            (&["mon"], "0:00", "23:59:59", 24 * H, false),
            (&["mon"], "2", "5", 3 * H + S, false),
            (&["mon"], "3:00", "3:00", S, false),
            // Wrap on consecutive days joins the night hours: Mon 22:00 to Tue 02:00:00.999.
            (&["mon", "tue"], "22:00", "02:00", 4 * H + S, false),
            // Sunday night joins Monday morning across the week boundary.
            (&["sun", "mon"], "22:00", "02:00", 4 * H + S, false),
            // Without the next day the night is cut at midnight.
            (&["mon"], "22:00", "02:00", 2 * H + S, false),
            (&["sat", "sun"], "0", "23:59:59", 48 * H, false),
            (&["sun", "mon"], "0", "23:59:59", 48 * H, false),
            (&DEFAULT_REBOOT_DAYS, "22:00", "21:59:59", 168 * H, true),
            (&["fri"], "03:00:00.5", "03:00:00", 24 * H, false),
        ];
        for (days, start, end, want, always) in cases {
            let w = RebootWindow::parse(&strings(days), start, end, "UTC").unwrap();
            assert_eq!(w.longest_opening(), GoDuration(*want), "{}", w.summary());
            assert_eq!(w.is_always_open(), *always, "{}", w.summary());
        }
        let never = RebootWindow {
            days: Weekdays::NONE,
            ..RebootWindow::kured_default()
        };
        assert_eq!(never.longest_opening(), GoDuration::ZERO);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn parsers_never_panic(input in "\\PC{0,12}|[0-9:.,apmAPM ]{0,10}") {
            let _ = TimeOfDay::parse_kured(&input);
            let _ = parse_day(&input);
            let _ = parse_zone(&input);
            let _ = parse_days_flag(&input);
        }

        #[test]
        fn csv_never_panics(input in "[\"a-z,\r\n ]{0,16}") {
            let _ = parse_days_flag(&input);
        }

        #[test]
        fn contains_never_panics(
            secs in -8_000_000_000i64..8_000_000_000i64,
            start in "[0-9]{1,2}:[0-5][0-9]",
            end in "[0-9]{1,2}:[0-5][0-9]",
        ) {
            let when = DateTime::from_timestamp(secs, 0).unwrap_or_default();
            if let Ok(w) = RebootWindow::parse(&strings(&["mon", "thu"]), &start, &end, "Europe/Berlin") {
                let _ = w.contains(when);
                let longest = w.longest_opening();
                proptest::prop_assert!(longest >= GoDuration(1_000_000_000));
            }
        }
    }
}
