//! The reboot window as a timeline: its weekly openings in the window's own wall clock,
//! with the rollout's clock starting when the window opens after its longest closed
//! stretch (a Monday morning under a Monday-to-Friday window), since that is when a
//! backlog of reboots meets the window.
//!
//! Daylight-saving shifts are ignored: every week is 168 hours of the window's wall clock.
//! kured compares wall-clock times too (see [`RebootWindow::contains`]), so only the week of
//! a shift can differ, by the length of the shift.

use crate::kured::window::RebootWindow;

const SECOND: i64 = 1_000_000_000;
const DAY: i64 = 86_400 * SECOND;
/// One week in nanoseconds.
pub const WEEK: i64 = 7 * DAY;

/// Where a moment falls among the openings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    /// The opening's number, from 1 for the first.
    pub number: u32,
    /// When it starts.
    pub start: i64,
    /// Whether the moment is inside it (else it is the next opening).
    pub inside: bool,
}

/// The window's openings, on the rollout's clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Openings {
    /// Half-open stretches of one week, from week time 0 (Monday 00:00), sorted and
    /// merged; the last may run past [`WEEK`] into the next week's first.
    pieces: Vec<(i64, i64)>,
    /// Week time at rollout time 0: the start of the opening after the longest gap.
    origin: i64,
    /// The longest closed stretch.
    longest_gap: i64,
}

impl Openings {
    /// The openings of `window`.
    pub fn new(window: &RebootWindow) -> Openings {
        let start = i64::from(window.start.seconds_of_day()) * SECOND;
        // kured's window ends after the last nanosecond of its end second.
        let end = (i64::from(window.end.seconds_of_day()) + 1) * SECOND;
        let mut pieces = Vec::new();
        for day in window.days.iter() {
            let base = i64::from(day.num_days_from_monday()) * DAY;
            if window.wraps_midnight() {
                pieces.push((base, base + end));
                pieces.push((base + start, base + DAY));
            } else {
                pieces.push((base + start, base + end));
            }
        }
        pieces.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::new();
        for (s, e) in pieces {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        if merged.len() > 1
            && let (Some(first), Some(last)) = (merged.first().copied(), merged.last().copied())
            && first.0 == 0
            && last.1 == WEEK
        {
            merged.pop();
            merged[0] = (last.0, first.1 + WEEK);
            merged.rotate_left(1);
            merged.sort_unstable();
        }
        if merged.is_empty() {
            // RebootWindow::parse refuses a window with no day; stay total anyway.
            merged.push((0, WEEK));
        }
        // The gap before each opening, cyclically; the rollout starts after the longest.
        let mut best = (0usize, -1i64);
        for i in 0..merged.len() {
            let previous_end = if i == 0 {
                merged[merged.len() - 1].1 - WEEK
            } else {
                merged[i - 1].1
            };
            let gap = merged[i].0 - previous_end;
            if gap > best.1 {
                best = (i, gap);
            }
        }
        Openings {
            origin: merged[best.0].0,
            longest_gap: best.1.max(0),
            pieces: merged,
        }
    }

    /// Whether the window never closes.
    pub fn always_open(&self) -> bool {
        self.longest_gap == 0
    }

    /// The longest closed stretch, in nanoseconds.
    pub fn longest_gap(&self) -> i64 {
        self.longest_gap
    }

    /// The openings as rollout-time stretches, in order, from the first (which starts at
    /// 0), for as long as the caller iterates.
    pub fn iter(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        let first = self
            .pieces
            .iter()
            .position(|p| p.0 == self.origin)
            .unwrap_or(0);
        let n = self.pieces.len();
        (0..).map_while(move |k: usize| {
            let week = i64::try_from((first + k) / n).ok()?;
            let (s, e) = self.pieces[(first + k) % n];
            let offset = week.checked_mul(WEEK)?.checked_sub(self.origin)?;
            Some((s.checked_add(offset)?, e.checked_add(offset)?))
        })
    }

    /// The opening containing rollout time `t`, or else the next one.
    pub fn locate(&self, t: i64) -> Located {
        if self.always_open() {
            return Located {
                number: 1,
                start: 0,
                inside: true,
            };
        }
        for (k, (s, e)) in self.iter().enumerate() {
            let number = u32::try_from(k + 1).unwrap_or(u32::MAX);
            if t < e {
                return Located {
                    number,
                    start: s,
                    inside: t >= s,
                };
            }
        }
        Located {
            number: u32::MAX,
            start: i64::MAX,
            inside: false,
        }
    }

    /// Whether kured, looking at rollout time `t`, is inside its window.
    pub fn contains(&self, t: i64) -> bool {
        if self.always_open() {
            return true;
        }
        let w = (self.origin + t).rem_euclid(WEEK);
        self.pieces
            .iter()
            .any(|&(s, e)| (s <= w && w < e) || (e > WEEK && w < e - WEEK))
    }

    /// The start of the next opening at or after `t` (`t` itself when open).
    pub fn next_open(&self, t: i64) -> i64 {
        let found = self.locate(t);
        if found.inside { t } else { found.start }
    }

    /// How much of `[0, until)` the window is open.
    pub fn open_time(&self, until: i64) -> i64 {
        if self.always_open() {
            return until.max(0);
        }
        let mut total = 0i64;
        for (s, e) in self.iter() {
            if s >= until {
                break;
            }
            total = total.saturating_add(e.min(until) - s);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(days: &[&str], start: &str, end: &str) -> Openings {
        let days: Vec<String> = days.iter().map(|d| d.to_string()).collect();
        Openings::new(&RebootWindow::parse(&days, start, end, "UTC").unwrap())
    }

    const HOUR: i64 = 3_600 * SECOND;

    #[test]
    fn a_weekday_window_starts_on_monday_after_the_weekend() {
        let o = window(&["mo", "tu", "we", "th", "fr"], "09:00", "17:00");
        assert!(!o.always_open());
        // Friday 17:00:01 to Monday 09:00.
        assert_eq!(o.longest_gap(), 64 * HOUR - SECOND);
        let first: Vec<(i64, i64)> = o.iter().take(2).collect();
        assert_eq!(first[0], (0, 8 * HOUR + SECOND));
        assert_eq!(first[1], (24 * HOUR, 32 * HOUR + SECOND));
        assert!(o.contains(HOUR));
        assert!(!o.contains(9 * HOUR));
        assert_eq!(o.next_open(9 * HOUR), 24 * HOUR);
        assert_eq!(
            o.locate(25 * HOUR),
            Located {
                number: 2,
                start: 24 * HOUR,
                inside: true
            }
        );
        assert_eq!(
            o.locate(9 * HOUR),
            Located {
                number: 2,
                start: 24 * HOUR,
                inside: false
            }
        );
        // The sixth opening is the next Monday's.
        assert_eq!(o.iter().nth(5).map(|p| p.0), Some(WEEK));
        assert_eq!(o.open_time(48 * HOUR), 2 * (8 * HOUR + SECOND));
    }

    #[test]
    fn the_default_window_never_closes() {
        let o = Openings::new(&RebootWindow::kured_default());
        assert!(o.always_open());
        assert_eq!(
            o.locate(123 * HOUR),
            Located {
                number: 1,
                start: 0,
                inside: true
            }
        );
        assert_eq!(o.open_time(5 * HOUR), 5 * HOUR);
    }

    #[test]
    fn a_window_across_midnight_joins_the_days() {
        // Every night 22:00 to 06:00: seven openings of 8 hours, the week's joined.
        let o = window(
            &["su", "mo", "tu", "we", "th", "fr", "sa"],
            "22:00",
            "05:59:59",
        );
        assert_eq!(o.longest_gap(), 16 * HOUR);
        let lengths: Vec<i64> = o.iter().take(8).map(|(s, e)| e - s).collect();
        assert!(lengths.iter().all(|l| *l == 8 * HOUR), "{lengths:?}");
        assert!(o.contains(7 * HOUR) && !o.contains(9 * HOUR));
    }
}
