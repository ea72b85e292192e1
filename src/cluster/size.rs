//! Sizes of responses as users write them (`64MiB`, `512KiB`, `1GiB`, `1048576`) and as
//! messages print them.

use std::fmt;

/// A number of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

const UNITS: [(&str, u64); 7] = [
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
    ("KB", 1_000),
    ("B", 1),
];

/// Why a size cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a size: write a whole number followed by B, KiB, MiB or GiB (or KB, MB, GB), such as 64MiB"
)]
pub struct SizeError(pub String);

impl ByteSize {
    /// Parses `64MiB`, `64 MiB`, `1048576` or `1048576B`; units are case-sensitive, as
    /// `mb` and `Mb` would be ambiguous.
    pub fn parse(text: &str) -> Result<ByteSize, SizeError> {
        let fail = || SizeError(text.to_owned());
        let trimmed = text.trim();
        let digits_end = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(digits_end);
        let number: u64 = number.parse().map_err(|_| fail())?;
        let unit = unit.trim();
        let factor = match unit {
            "" => 1,
            unit => UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, f)| *f)
                .ok_or_else(fail)?,
        };
        number.checked_mul(factor).map(ByteSize).ok_or_else(fail)
    }
}

/// The largest binary unit that divides the size exactly, so `64MiB` prints as written;
/// other sizes print with one decimal (`1.5 MiB`) or in bytes.
impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0;
        for (name, factor) in &UNITS[..3] {
            if bytes >= *factor {
                if bytes.is_multiple_of(*factor) {
                    return write!(f, "{}{name}", bytes / factor);
                }
                let value = bytes as f64 / *factor as f64;
                return write!(f, "{value:.1}{name}");
            }
        }
        write!(f, "{bytes}B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_users_write() {
        assert_eq!(ByteSize::parse("64MiB"), Ok(ByteSize(64 << 20)));
        assert_eq!(ByteSize::parse(" 512 KiB "), Ok(ByteSize(512 << 10)));
        assert_eq!(ByteSize::parse("1GiB"), Ok(ByteSize(1 << 30)));
        assert_eq!(ByteSize::parse("2MB"), Ok(ByteSize(2_000_000)));
        assert_eq!(ByteSize::parse("1048576"), Ok(ByteSize(1 << 20)));
        assert_eq!(ByteSize::parse("10B"), Ok(ByteSize(10)));
        for bad in [
            "",
            "MiB",
            "64mib",
            "1.5MiB",
            "-1",
            "64 Mi",
            "99999999999999GiB",
        ] {
            assert!(ByteSize::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn prints_as_written_when_exact() {
        assert_eq!(ByteSize(64 << 20).to_string(), "64MiB");
        assert_eq!(ByteSize(1536 << 10).to_string(), "1.5MiB");
        assert_eq!(ByteSize(3 << 10).to_string(), "3KiB");
        assert_eq!(ByteSize(100).to_string(), "100B");
    }
}
