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
//!
//! The parsers, one module per flag: [`days`] (`--reboot-days` entries), [`days_flag`]
//! (one `--reboot-days` argument as pflag splits it), [`clock`] (`--start-time`,
//! `--end-time`) and [`zone`] (`--time-zone`); this module puts them together.

pub mod clock;
pub mod days;
pub mod days_flag;
pub mod zone;

use std::fmt;

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};

use crate::base::duration::GoDuration;

pub use clock::{TimeError, TimeOfDay};
pub use days::{DayError, Weekdays, parse_day, parse_days};
pub use days_flag::{CsvProblem, DaysFlagError, days_from_flags, parse_days_flag};
pub use zone::{WindowZone, ZoneError, parse_zone};

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

/// A reason kured would refuse the window at start-up, or a window that never opens; each
/// names the flag at fault ([`WindowError::field`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// A `--reboot-days` entry that is not a day.
    #[error("--reboot-days: {0}")]
    Day(#[source] DayError),
    /// A `--reboot-days` argument that is not a comma-separated list.
    #[error(transparent)]
    DaysFlag(DaysFlagError),
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
    StartTime(#[source] TimeError),
    /// An unreadable `--end-time`.
    #[error("--end-time: {0}")]
    EndTime(#[source] TimeError),
    /// A `--time-zone` Go cannot load.
    #[error("--time-zone: {0}")]
    TimeZone(#[source] ZoneError),
}

impl WindowError {
    /// The setting the error is about, for reporting it on the right attribute.
    pub fn field(&self) -> WindowField {
        match self {
            WindowError::Day(_) | WindowError::DaysFlag(_) | WindowError::NeverOpens => {
                WindowField::Days
            }
            WindowError::StartTime(_) => WindowField::StartTime,
            WindowError::EndTime(_) => WindowField::EndTime,
            WindowError::TimeZone(_) => WindowField::TimeZone,
        }
    }

    /// Whether kured exits at start-up on it; the only other outcome is a window that
    /// never opens, with which kured runs and never reboots.
    pub fn exits_at_start(&self) -> bool {
        !matches!(self, WindowError::NeverOpens)
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
                errors.push(WindowError::Day(e));
                None
            }
        };
        let zone = parse_zone(time_zone)
            .map_err(|e| errors.push(WindowError::TimeZone(e)))
            .ok();
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

    /// Reads the window from kured's arguments: every `--reboot-days` argument kured
    /// applies, in order (none for its default), and the other three flags' values. A
    /// `--reboot-days` argument that is not a comma-separated list is reported with the
    /// other fields' problems, as [`Self::parse`] reports them.
    pub fn from_flags(
        days_arguments: &[&str],
        start_time: &str,
        end_time: &str,
        time_zone: &str,
    ) -> Result<Self, Vec<WindowError>> {
        match days_from_flags(days_arguments) {
            Ok(days) => Self::parse(&days, start_time, end_time, time_zone),
            Err(unreadable) => {
                // Any day stands in for the unreadable list, so that only the other
                // fields' own problems are added.
                let one_day = [DEFAULT_REBOOT_DAYS[0].to_string()];
                let others = Self::parse(&one_day, start_time, end_time, time_zone).err();
                let mut errors = vec![WindowError::DaysFlag(unreadable)];
                errors.extend(others.unwrap_or_default());
                Err(errors)
            }
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

    #[test]
    fn from_flags_types_an_unreadable_day_argument_with_the_other_fields() {
        let errors = RebootWindow::from_flags(&["mon", "\"tue"], "2", "25:00", "UTC")
            .expect_err("an unclosed quote and hour 25");
        let fields: Vec<WindowField> = errors.iter().map(WindowError::field).collect();
        assert_eq!(fields, [WindowField::Days, WindowField::EndTime]);
        assert!(matches!(
            &errors[0],
            WindowError::DaysFlag(DaysFlagError {
                problem: CsvProblem::QuoteNotClosed,
                ..
            })
        ));
        assert!(errors.iter().all(WindowError::exits_at_start));
        let window = RebootWindow::from_flags(&["mon", "fri"], "2", "5", "UTC");
        assert_eq!(
            window.map(|w| w.summary()).as_deref(),
            Ok("mon,fri 02:00:00-05:00:00 UTC")
        );
        assert_eq!(
            RebootWindow::from_flags(&[], "0:00", "23:59:59", "UTC"),
            Ok(RebootWindow::kured_default())
        );
        let never = RebootWindow::from_flags(&[""], "2", "5", "UTC").expect_err("no day");
        assert_eq!(never, vec![WindowError::NeverOpens]);
        assert!(!never[0].exits_at_start());
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
