//! The kured settings a rollout depends on, typed, and read from kured's container the way
//! kured reads its flags (through [`KuredFlags`]: argv, `KURED_*` variables, version rules).
//!
//! Values are parsed as kured parses them: durations with Go's `time.ParseDuration`,
//! booleans with `strconv.ParseBool`, integers with pflag's `strconv.ParseInt(s, 0, 64)`,
//! pod selectors with `labels.Parse`, the window with kured's own rules. A value kured
//! would refuse at start-up, or one only the cluster knows, is a [`SettingProblem`].

use crate::base::duration::GoDuration;
use crate::base::version::Version;
use crate::forecast::label_query;
use crate::k8s::container::Container;
use crate::k8s::selector::LabelSelector;
use crate::kured::flags::{FlagValue, KuredFlags, ListValue};
use crate::kured::window::{self, RebootWindow};

/// The first kured release with `--concurrency` and `--drain-pod-selector`.
pub const CONCURRENCY_SINCE: Version = Version::new(1, 14, 0);

/// kured 1.13.x ran its blockers after taking the lock (cmd/kured/main.go 1.13.0).
const BLOCKERS_AFTER_LOCK: (Version, Version) = (Version::new(1, 13, 0), Version::new(1, 14, 0));

/// What the rollout simulation needs to know about kured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `--drain-timeout`; zero waits for ever.
    pub drain_timeout: GoDuration,
    /// `--force-reboot`: reboot even when the drain failed.
    pub force_reboot: bool,
    /// `--concurrency`: how many nodes may hold the lock (1 before kured 1.14.0).
    pub concurrency: u32,
    /// `--period`: how often each kured pod looks.
    pub period: GoDuration,
    /// `--lock-ttl`; zero never expires.
    pub lock_ttl: GoDuration,
    /// `--reboot-delay`: a sleep between the drain and the reboot.
    pub reboot_delay: GoDuration,
    /// `--drain-grace-period`; `None` (kured's -1) lets each pod use its own.
    pub drain_grace_period: Option<GoDuration>,
    /// `--drain-pod-selector`; `None` drains every pod.
    pub drain_pod_selector: Option<(String, LabelSelector)>,
    /// Every `--blocking-pod-selector`, as written and parsed; any match blocks.
    pub blocking_pod_selectors: Vec<(String, LabelSelector)>,
    /// `--prometheus-url`, when alerts can block reboots.
    pub prometheus_url: Option<String>,
    /// The reboot window.
    pub window: RebootWindow,
    /// kured 1.13.x takes the lock before asking its blockers, and keeps it while blocked.
    pub blockers_after_lock: bool,
}

impl Default for Settings {
    /// kured's defaults.
    fn default() -> Self {
        Settings {
            drain_timeout: GoDuration::ZERO,
            force_reboot: false,
            concurrency: 1,
            period: GoDuration::from_nanos(3_600_000_000_000),
            lock_ttl: GoDuration::ZERO,
            reboot_delay: GoDuration::ZERO,
            drain_grace_period: None,
            drain_pod_selector: None,
            blocking_pod_selectors: Vec::new(),
            prometheus_url: None,
            window: RebootWindow::kured_default(),
            blockers_after_lock: false,
        }
    }
}

/// A setting the forecast cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingProblem {
    /// The flag, without dashes (`drain-timeout`), or `reboot-window` for the four
    /// window flags together.
    pub flag: &'static str,
    /// What is wrong and what kured does with it.
    pub message: String,
}

/// Reads the settings from kured's container. Every problem is returned, not just the
/// first, so one plan names them all.
pub fn read_settings(
    container: &Container,
    app_version: Option<Version>,
) -> Result<Settings, Vec<SettingProblem>> {
    let flags = KuredFlags::read(container, app_version).map_err(|e| {
        vec![SettingProblem {
            flag: "args",
            message: format!("kured's arguments cannot be read: {e}"),
        }]
    })?;
    let mut reader = Reader {
        flags: &flags,
        problems: Vec::new(),
    };
    let modern = app_version.is_none_or(|v| v >= CONCURRENCY_SINCE);
    let defaults = Settings::default();
    let period = reader.duration("period", "1h").unwrap_or(defaults.period);
    if period.is_zero() || period.is_negative() {
        reader.problems.push(SettingProblem {
            flag: "period",
            message: format!(
                "--period is {period}: Go's time.Tick returns no ticker for a period that is not positive, so kured never looks for a reboot; use a positive duration such as 1h"
            ),
        });
    }
    let drain_timeout = reader
        .duration("drain-timeout", "0")
        .unwrap_or(GoDuration::ZERO);
    if drain_timeout.is_negative() {
        reader.problems.push(SettingProblem {
            flag: "drain-timeout",
            message: format!(
                "--drain-timeout is {drain_timeout}: a negative timeout ends every drain before it starts; use 0 (no limit) or a positive duration such as 30m"
            ),
        });
    }
    let grace = reader.integer("drain-grace-period", "-1").unwrap_or(-1);
    let settings = Settings {
        drain_timeout,
        force_reboot: reader.boolean("force-reboot").unwrap_or(false),
        concurrency: if modern {
            // kured uses the single-holder lock for any value below 2.
            reader.integer("concurrency", "1").map_or(1, |n| {
                u32::try_from(n.clamp(1, i64::from(u32::MAX))).unwrap_or(1)
            })
        } else {
            1
        },
        period,
        lock_ttl: reader
            .duration("lock-ttl", "0")
            .filter(|d| !d.is_negative())
            .unwrap_or(GoDuration::ZERO),
        reboot_delay: reader
            .duration("reboot-delay", "0")
            .filter(|d| !d.is_negative())
            .unwrap_or(GoDuration::ZERO),
        drain_grace_period: (grace >= 0)
            .then(|| GoDuration::from_nanos(grace.saturating_mul(1_000_000_000))),
        drain_pod_selector: if modern {
            reader.selector("drain-pod-selector")
        } else {
            None
        },
        blocking_pod_selectors: reader.selectors("blocking-pod-selector"),
        prometheus_url: reader.text("prometheus-url", "").filter(|u| !u.is_empty()),
        window: reader.window(),
        blockers_after_lock: app_version
            .is_some_and(|v| v >= BLOCKERS_AFTER_LOCK.0 && v < BLOCKERS_AFTER_LOCK.1),
    };
    if reader.problems.is_empty() {
        Ok(settings)
    } else {
        Err(reader.problems)
    }
}

struct Reader<'a> {
    flags: &'a KuredFlags,
    problems: Vec<SettingProblem>,
}

impl Reader<'_> {
    fn text(&mut self, flag: &'static str, default: &str) -> Option<String> {
        match self.flags.value(flag, default, &mut Vec::new()) {
            FlagValue::Known { value, .. } => Some(value),
            FlagValue::Unknown { reason } => {
                self.problems.push(SettingProblem {
                    flag,
                    message: format!(
                        "--{flag} cannot be known before the cluster runs kured: {reason}"
                    ),
                });
                None
            }
        }
    }

    fn duration(&mut self, flag: &'static str, default: &str) -> Option<GoDuration> {
        let value = self.text(flag, default)?;
        match GoDuration::parse(&value) {
            Ok(d) => Some(d),
            Err(e) => {
                self.problems.push(SettingProblem {
                    flag,
                    message: format!("--{flag}: {e}; kured would exit at start-up"),
                });
                None
            }
        }
    }

    fn boolean(&mut self, flag: &'static str) -> Option<bool> {
        let value = self.text(flag, "false")?;
        match parse_go_bool(&value) {
            Some(b) => Some(b),
            None => {
                self.problems.push(SettingProblem {
                    flag,
                    message: format!(
                        "--{flag}={value} is not a boolean kured accepts (true, false, 1, 0, t, f); kured would exit at start-up"
                    ),
                });
                None
            }
        }
    }

    fn integer(&mut self, flag: &'static str, default: &str) -> Option<i64> {
        let value = self.text(flag, default)?;
        match parse_go_int(&value) {
            Some(n) => Some(n),
            None => {
                self.problems.push(SettingProblem {
                    flag,
                    message: format!(
                        "--{flag}={value} is not a whole number; kured would exit at start-up"
                    ),
                });
                None
            }
        }
    }

    fn selector(&mut self, flag: &'static str) -> Option<(String, LabelSelector)> {
        let value = self.text(flag, "")?;
        if value.is_empty() {
            return None;
        }
        self.parse_selector(flag, value)
    }

    fn parse_selector(
        &mut self,
        flag: &'static str,
        value: String,
    ) -> Option<(String, LabelSelector)> {
        match label_query::parse(&value) {
            Ok(selector) => Some((value, selector)),
            Err(e) => {
                self.problems.push(SettingProblem {
                    flag,
                    message: format!("--{flag}: {e}; kured's drain or blocker check fails on it"),
                });
                None
            }
        }
    }

    fn list(&mut self, flag: &'static str) -> Option<Vec<String>> {
        match self.flags.list(flag, &mut Vec::new()) {
            ListValue::Known { values, .. } => Some(values),
            ListValue::Unknown { reason } => {
                self.problems.push(SettingProblem {
                    flag,
                    message: format!(
                        "--{flag} cannot be known before the cluster runs kured: {reason}"
                    ),
                });
                None
            }
        }
    }

    /// `--blocking-pod-selector` is a pflag StringArray: each occurrence is one whole
    /// selector, commas included, and an empty one is skipped by kured.
    fn selectors(&mut self, flag: &'static str) -> Vec<(String, LabelSelector)> {
        let values = self.list(flag).unwrap_or_default();
        values
            .into_iter()
            .filter(|v| !v.is_empty())
            .filter_map(|v| self.parse_selector(flag, v))
            .collect()
    }

    fn window(&mut self) -> RebootWindow {
        let start = self.text("start-time", window::DEFAULT_START_TIME);
        let end = self.text("end-time", window::DEFAULT_END_TIME);
        let zone = self.text("time-zone", window::DEFAULT_TIME_ZONE);
        let days = self.list("reboot-days").map(|values| {
            let raw: Vec<&str> = values.iter().map(String::as_str).collect();
            window::days_from_flags(&raw).map_err(|e| e.to_string())
        });
        let parsed = match (days, start, end, zone) {
            (Some(Ok(days)), Some(start), Some(end), Some(zone)) => {
                RebootWindow::parse(&days, &start, &end, &zone).map_err(|errors| {
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
            }
            (Some(Err(e)), ..) => Err(e),
            // An unknowable flag was reported by `text` or `list` already.
            _ => return RebootWindow::kured_default(),
        };
        parsed.unwrap_or_else(|message| {
            self.problems.push(SettingProblem {
                flag: "reboot-window",
                message: format!("kured's reboot window is invalid: {message}"),
            });
            RebootWindow::kured_default()
        })
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`, as pflag's int flags use it: a sign, then decimal,
/// `0x`, `0o`, `0b` or a leading-zero octal, with underscores only after a prefix.
fn parse_go_int(value: &str) -> Option<i64> {
    let (negative, body) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest.to_string(), true)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest.to_string(), true)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    if digits.contains('_') && !prefixed {
        return None;
    }
    let digits = digits.replace('_', "");
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(&digits, radix).ok()?;
    let signed = if negative { -magnitude } else { magnitude };
    i64::try_from(signed).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::container::EnvVar;

    fn kured(args: &[&str], env: &[(&str, &str)]) -> Container {
        Container {
            name: "kured".into(),
            image: Some("ghcr.io/kubereboot/kured:1.21.0".into()),
            command: vec!["/usr/bin/kured".into()],
            args: args.iter().map(|a| a.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| EnvVar {
                    name: k.to_string(),
                    value: Some(v.to_string()),
                })
                .collect(),
            volume_mounts: Vec::new(),
        }
    }

    const V1_21: Option<Version> = Some(Version::new(1, 21, 0));

    #[test]
    fn kured_defaults_when_nothing_is_set() {
        let s = read_settings(&kured(&[], &[]), V1_21).unwrap();
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn reads_every_setting_as_kured_does() {
        let s = read_settings(
            &kured(
                &[
                    "--drain-timeout=30m",
                    "--force-reboot",
                    "--concurrency=0x2",
                    "--period=10m",
                    "--lock-ttl=2h",
                    "--reboot-delay=90s",
                    "--drain-grace-period=30",
                    "--drain-pod-selector=app!=critical",
                    "--blocking-pod-selector=app=backup,tier=db",
                    "--blocking-pod-selector=job",
                    "--prometheus-url=http://prom:9090",
                    "--reboot-days=mo,tu",
                    "--start-time=2am",
                    "--end-time=5am",
                    "--time-zone=Europe/Berlin",
                ],
                &[],
            ),
            V1_21,
        )
        .unwrap();
        assert_eq!(s.drain_timeout.to_string(), "30m0s");
        assert!(s.force_reboot);
        assert_eq!(s.concurrency, 2);
        assert_eq!(s.period.to_string(), "10m0s");
        assert_eq!(s.lock_ttl.to_string(), "2h0m0s");
        assert_eq!(s.reboot_delay.to_string(), "1m30s");
        assert_eq!(
            s.drain_grace_period.map(|d| d.to_string()).as_deref(),
            Some("30s")
        );
        assert_eq!(
            s.drain_pod_selector.as_ref().map(|(t, _)| t.as_str()),
            Some("app!=critical")
        );
        let blocking: Vec<&str> = s
            .blocking_pod_selectors
            .iter()
            .map(|(t, _)| t.as_str())
            .collect();
        assert_eq!(
            blocking,
            ["app=backup,tier=db", "job"],
            "a StringArray keeps commas"
        );
        assert_eq!(s.prometheus_url.as_deref(), Some("http://prom:9090"));
        assert_eq!(
            s.window.summary(),
            "mon,tue 02:00:00-05:00:00 Europe/Berlin"
        );
    }

    #[test]
    fn env_overrides_flags_from_1_16_2() {
        let c = kured(&["--drain-timeout=30m"], &[("KURED_DRAIN_TIMEOUT", "1h")]);
        assert_eq!(
            read_settings(&c, V1_21).unwrap().drain_timeout.to_string(),
            "1h0m0s"
        );
        let old = read_settings(&c, Some(Version::new(1, 15, 0))).unwrap();
        assert_eq!(old.drain_timeout.to_string(), "30m0s");
    }

    #[test]
    fn old_kured_has_one_lock_holder_and_1_13_blocks_after_locking() {
        let c = kured(&["--concurrency=3"], &[]);
        assert_eq!(
            read_settings(&c, Some(Version::new(1, 12, 0)))
                .unwrap()
                .concurrency,
            1
        );
        let s = read_settings(&c, Some(Version::new(1, 13, 2))).unwrap();
        assert!(s.blockers_after_lock);
        assert!(!read_settings(&c, V1_21).unwrap().blockers_after_lock);
    }

    #[test]
    fn every_bad_value_is_reported_with_its_flag() {
        let c = kured(
            &[
                "--drain-timeout=30",
                "--force-reboot=yes",
                "--concurrency=two",
                "--period=0",
                "--drain-pod-selector=a b",
                "--start-time=25:00",
            ],
            &[],
        );
        let problems = read_settings(&c, V1_21).unwrap_err();
        let flags: Vec<&str> = problems.iter().map(|p| p.flag).collect();
        assert_eq!(
            flags,
            [
                "period",
                "drain-timeout",
                "force-reboot",
                "concurrency",
                "drain-pod-selector",
                "reboot-window"
            ]
        );
        assert!(
            problems[0].message.contains("never looks"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn integers_follow_strconv_base_zero() {
        for (text, want) in [
            ("12", Some(12)),
            ("-1", Some(-1)),
            ("0x1f", Some(31)),
            ("010", Some(8)),
            ("0b11", Some(3)),
            ("0x_1", Some(1)),
            ("1_0", None),
            ("", None),
            ("--1", None),
            ("9223372036854775808", None),
        ] {
            assert_eq!(parse_go_int(text), want, "{text}");
        }
    }
}
