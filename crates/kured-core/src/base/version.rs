//! A plain `major.minor.patch` version, enough for chart and kured versions.
//!
//! Pre-release and build suffixes (`1.15.0-rc1`, `v1.21.0`) are accepted and ignored for
//! ordering: kured's behaviour changes only at release boundaries.

use std::fmt;
use std::str::FromStr;

/// A release version such as `5.11.0` (chart) or `1.21.0` (kured).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

/// Why a version string could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a version of the form MAJOR.MINOR.PATCH (for example 5.11.0)")]
pub struct VersionError {
    pub input: String,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || VersionError {
            input: s.to_string(),
        };
        let trimmed = s.trim();
        let trimmed = trimmed.strip_prefix('v').unwrap_or(trimmed);
        // Drop "-rc1" / "+build" suffixes; they never change kured's behaviour.
        let core = trimmed.split(['-', '+']).next().unwrap_or_default();
        let mut parts = core.split('.');
        let mut next = |required: bool| -> Result<u32, VersionError> {
            match parts.next() {
                Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().map_err(|_| err())
                }
                None if !required => Ok(0),
                _ => Err(err()),
            }
        };
        let major = next(true)?;
        let minor = next(true)?;
        let patch = next(false)?;
        if parts.next().is_some() {
            return Err(err());
        }
        Ok(Version::new(major, minor, patch))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_prefixed_and_suffixed_versions() {
        let cases = [
            ("5.11.0", Some(Version::new(5, 11, 0))),
            ("v1.21.0", Some(Version::new(1, 21, 0))),
            ("1.15.0-rc1", Some(Version::new(1, 15, 0))),
            ("1.16", Some(Version::new(1, 16, 0))),
            ("", None),
            ("5", None),
            ("5.x.0", None),
            ("1.2.3.4", None),
            ("latest", None),
        ];
        for (input, want) in cases {
            assert_eq!(input.parse::<Version>().ok(), want, "input {input:?}");
        }
    }

    #[test]
    fn orders_numerically() {
        let a: Version = "5.4.1".parse().unwrap();
        let b: Version = "5.10.0".parse().unwrap();
        assert!(a < b);
    }
}
