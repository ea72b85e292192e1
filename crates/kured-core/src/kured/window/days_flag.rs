//! One `--reboot-days` argument as text: kured declares the flag as a pflag string slice,
//! so each argument is a line of comma-separated values, and every argument adds to the
//! list.

use std::fmt;

use super::DEFAULT_REBOOT_DAYS;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn csv_never_panics(input in "[\"a-z,\r\n ]{0,16}") {
            let _ = parse_days_flag(&input);
        }
    }
}
