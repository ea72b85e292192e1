//! `--time-zone`: the zone kured reads the window's days and times in.

use std::fmt;

use chrono_tz::Tz;

/// A `--time-zone` Go cannot load, making kured exit at start-up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{value:?} is not a time zone kured can load{hint}; use an IANA name such as \
     Europe/Berlin or America/New_York, or UTC"
)]
pub struct ZoneError {
    /// The value as given.
    pub value: String,
    /// A suggestion (starts with " (" when present), or empty.
    pub hint: String,
}

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
pub fn parse_zone(value: &str) -> Result<WindowZone, ZoneError> {
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
    Err(ZoneError {
        value: value.to_string(),
        hint: suggestion
            .map(|s| format!(" (names are case-sensitive: did you mean {s}?)"))
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
                Err(ZoneError { value: v, hint: h }) => {
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
}
