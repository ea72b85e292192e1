//! kured's settings other than its sentinel, each read the way kured reads it: the reboot
//! window, the drain and lock durations, `--force-reboot`, `--concurrency`, the drain's
//! pod selector and grace period, and the blockers (pods and Prometheus alerts).
//!
//! Checked against kubereboot/kured `cmd/kured/main.go` (flag definitions and, from
//! 1.16.2, `LoadFromEnv`), `pkg/blockers` and kubectl's `pkg/drain`:
//! - pflag reads `int` flags with Go's `ParseInt(s, 0, 64)` (`010` is 8, `0x10` 16) and
//!   `bool` flags with `ParseBool`; from 1.16.2 an integer from a `KURED_*` variable goes
//!   through `Atoi` first, so it must be plain decimal (`010` is 10).
//! - `--alert-filter-regexp` is compiled while the flags are parsed: an invalid
//!   expression makes kured exit.
//! - `--drain-pod-selector` is parsed by kubectl's drain helper at every drain: an
//!   invalid one fails every drain. `--blocking-pod-selector` is sent to the API server
//!   at every check: an invalid one fails the query, which kured counts as blocking, and an
//!   empty one lists every pod of the node, kured's own included, which blocks too.
//! - `--prometheus-url` is queried at every check; a query that fails blocks the reboot.
//! - `--concurrency` at 1 or below means one lock holder.

use std::collections::BTreeMap;
use std::fmt;

use crate::base::duration::{DurationErrorKind, GoDuration};
use crate::base::go_regexp::{self, ClassNames, RegexpError};
use crate::base::strconv::{IntProblem, IntSyntax, parse_bool, parse_int};
use crate::base::version::Version;
use crate::k8s::label_query::{LabelQuery, LabelQueryError};
use crate::kured::flags::{FlagSource, FlagValue, KuredFlags, ListValue};
use crate::kured::window::{self, RebootWindow, WindowError, WindowField};

/// The first kured release built with Go 1.25, whose regexp parser knows loose Unicode
/// class names.
const LOOSE_CLASS_NAMES_SINCE: Version = Version::new(1, 22, 0);

/// A kured flag read here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    /// `--reboot-days`
    RebootDays,
    /// `--start-time`
    StartTime,
    /// `--end-time`
    EndTime,
    /// `--time-zone`
    TimeZone,
    /// `--period`
    Period,
    /// `--drain-timeout`
    DrainTimeout,
    /// `--lock-ttl`
    LockTtl,
    /// `--reboot-delay`
    RebootDelay,
    /// `--force-reboot`
    ForceReboot,
    /// `--concurrency`
    Concurrency,
    /// `--drain-grace-period`
    DrainGracePeriod,
    /// `--drain-pod-selector`
    DrainPodSelector,
    /// `--blocking-pod-selector`
    BlockingPodSelector,
    /// `--prometheus-url`
    PrometheusUrl,
    /// `--alert-filter-regexp`
    AlertFilterRegexp,
}

impl Flag {
    /// Every flag, in the order settings are reported.
    pub const ALL: [Flag; 15] = [
        Flag::RebootDays,
        Flag::StartTime,
        Flag::EndTime,
        Flag::TimeZone,
        Flag::Period,
        Flag::DrainTimeout,
        Flag::LockTtl,
        Flag::RebootDelay,
        Flag::ForceReboot,
        Flag::Concurrency,
        Flag::DrainGracePeriod,
        Flag::DrainPodSelector,
        Flag::BlockingPodSelector,
        Flag::PrometheusUrl,
        Flag::AlertFilterRegexp,
    ];

    /// The flag's name without dashes, as kured defines it (`drain-timeout`).
    pub const fn name(self) -> &'static str {
        match self {
            Flag::RebootDays => "reboot-days",
            Flag::StartTime => "start-time",
            Flag::EndTime => "end-time",
            Flag::TimeZone => "time-zone",
            Flag::Period => "period",
            Flag::DrainTimeout => "drain-timeout",
            Flag::LockTtl => "lock-ttl",
            Flag::RebootDelay => "reboot-delay",
            Flag::ForceReboot => "force-reboot",
            Flag::Concurrency => "concurrency",
            Flag::DrainGracePeriod => "drain-grace-period",
            Flag::DrainPodSelector => "drain-pod-selector",
            Flag::BlockingPodSelector => "blocking-pod-selector",
            Flag::PrometheusUrl => "prometheus-url",
            Flag::AlertFilterRegexp => "alert-filter-regexp",
        }
    }

    /// kured's default, as text (the same in every release from 1.10.0 to 1.23.0).
    pub const fn default_value(self) -> &'static str {
        match self {
            Flag::RebootDays => "su,mo,tu,we,th,fr,sa",
            Flag::StartTime => window::DEFAULT_START_TIME,
            Flag::EndTime => window::DEFAULT_END_TIME,
            Flag::TimeZone => window::DEFAULT_TIME_ZONE,
            Flag::Period => "1h",
            Flag::DrainTimeout | Flag::LockTtl | Flag::RebootDelay => "0",
            Flag::ForceReboot => "false",
            Flag::Concurrency => "1",
            Flag::DrainGracePeriod => "-1",
            Flag::DrainPodSelector
            | Flag::BlockingPodSelector
            | Flag::PrometheusUrl
            | Flag::AlertFilterRegexp => "",
        }
    }
}

impl From<WindowField> for Flag {
    fn from(field: WindowField) -> Self {
        match field {
            WindowField::Days => Flag::RebootDays,
            WindowField::StartTime => Flag::StartTime,
            WindowField::EndTime => Flag::EndTime,
            WindowField::TimeZone => Flag::TimeZone,
        }
    }
}

/// `--drain-timeout` as written on kured's command line.
impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--{}", self.name())
    }
}

/// What kured does with a value it cannot use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consequence {
    /// kured exits at start-up, so no node reboots.
    ExitsAtStart,
    /// kured runs but every drain fails at once: without `--force-reboot` no node that
    /// runs a pod to evict reboots; with it, nodes reboot without being drained.
    EveryDrainFails,
    /// kured runs but a blocker always holds, so no node ever reboots.
    AlwaysBlocked,
}

/// What is wrong with one setting's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingProblem {
    /// Not a Go duration.
    Duration(DurationErrorKind),
    /// Not a boolean pflag accepts.
    Bool,
    /// Not an integer in the syntax kured reads it with.
    Int {
        /// What is wrong.
        problem: IntProblem,
        /// Go literal (flags) or plain decimal (a variable, from kured 1.16.2).
        syntax: IntSyntax,
    },
    /// Not a label selector.
    Selector(LabelQueryError),
    /// An empty blocking selector, which lists every pod of the node.
    EmptyBlockingSelector,
    /// Not a Go regular expression.
    Regexp(RegexpError),
    /// Not an address kured can query.
    PrometheusUrl(&'static str),
}

impl fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingProblem::Duration(kind) => write!(
                f,
                "not a Go duration: {kind}; write it as Go does, such as 30m, 1h30m or 0"
            ),
            SettingProblem::Bool => f.write_str(
                "not a boolean kured's flag parser accepts: use true or false (or 1, 0, t, f, TRUE, FALSE)",
            ),
            SettingProblem::Int {
                problem,
                syntax: IntSyntax::GoLiteral,
            } => write!(f, "{problem}; write a whole number"),
            SettingProblem::Int {
                problem,
                syntax: IntSyntax::Decimal,
            } => write!(
                f,
                "{problem} in base 10, which is how kured 1.16.2 and newer read a KURED_* integer; write plain digits"
            ),
            SettingProblem::Selector(err) => write!(f, "not a label selector: {err}"),
            SettingProblem::EmptyBlockingSelector => f.write_str(
                "an empty selector lists every running pod of the node, kured's own pod included, so every check finds a blocking pod",
            ),
            SettingProblem::Regexp(err) => write!(f, "not a Go regular expression: {err}"),
            SettingProblem::PrometheusUrl(reason) => write!(
                f,
                "{reason}; every query fails, and kured counts a failed query as an active alert. Write the address as http://prometheus.monitoring:9090"
            ),
        }
    }
}

/// A value kured cannot use, with the flag it was given for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{flag}={value:?}: {problem}")]
pub struct SettingError {
    /// The flag.
    pub flag: Flag,
    /// The value as kured receives it.
    pub value: String,
    /// What is wrong with it.
    pub problem: SettingProblem,
}

impl SettingError {
    /// What kured does with this value.
    pub fn consequence(&self) -> Consequence {
        match (&self.problem, self.flag) {
            (SettingProblem::Selector(_), Flag::DrainPodSelector) => Consequence::EveryDrainFails,
            (
                SettingProblem::Selector(_)
                | SettingProblem::EmptyBlockingSelector
                | SettingProblem::PrometheusUrl(_),
                _,
            ) => Consequence::AlwaysBlocked,
            (
                SettingProblem::Duration(_)
                | SettingProblem::Bool
                | SettingProblem::Int { .. }
                | SettingProblem::Regexp(_),
                _,
            ) => Consequence::ExitsAtStart,
        }
    }
}

/// One setting as kured ends up with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting<T, E = SettingError> {
    /// The value kured runs with.
    Known(T),
    /// A value kured cannot use; the error says what kured does then.
    Invalid(E),
    /// The value depends on something only the cluster knows; the reason is in
    /// [`KuredSettings::unknowable`].
    Unknowable,
}

impl<T, E> Setting<T, E> {
    /// The value, when known and valid.
    pub fn known(&self) -> Option<&T> {
        match self {
            Setting::Known(value) => Some(value),
            _ => None,
        }
    }

    /// The problem, when the value is invalid.
    pub fn invalid(&self) -> Option<&E> {
        match self {
            Setting::Invalid(error) => Some(error),
            _ => None,
        }
    }
}

/// A flag whose value only the cluster knows, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknowable {
    /// The flag.
    pub flag: Flag,
    /// What hides its value.
    pub reason: String,
}

/// kured's settings, each as kured would read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KuredSettings {
    /// `--reboot-days`, `--start-time`, `--end-time`, `--time-zone`; every problem found,
    /// each naming its flag.
    pub window: Setting<RebootWindow, Vec<WindowError>>,
    /// `--period`: how often kured checks.
    pub period: Setting<GoDuration>,
    /// `--drain-timeout`: 0 waits forever; a negative one fails every drain at once.
    pub drain_timeout: Setting<GoDuration>,
    /// `--lock-ttl`: 0 never expires.
    pub lock_ttl: Setting<GoDuration>,
    /// `--reboot-delay`: a pause between drain and reboot; 0 or less is none.
    pub reboot_delay: Setting<GoDuration>,
    /// `--force-reboot`: reboot even when the drain fails or times out.
    pub force_reboot: Setting<bool>,
    /// `--concurrency`: how many nodes may hold the lock; 1 or less is one.
    pub concurrency: Setting<i64>,
    /// `--drain-grace-period` in seconds; negative means each pod's own.
    pub drain_grace_period: Setting<i64>,
    /// `--drain-pod-selector`: the pods a drain evicts; everything when empty.
    pub drain_pod_selector: Setting<LabelQuery>,
    /// `--blocking-pod-selector`, each occurrence one selector (ORed); none by default.
    pub blocking_pod_selectors: Setting<Vec<LabelQuery>>,
    /// `--prometheus-url`; `None` when unset (no alert blocker).
    pub prometheus_url: Setting<Option<String>>,
    /// `--alert-filter-regexp`; `None` when unset.
    pub alert_filter_regexp: Setting<Option<String>>,
    /// Flags whose value only the cluster knows.
    pub unknowable: Vec<Unknowable>,
    /// `KURED_*` variables that are set but that kured ignores, with their flag.
    pub ignored_env: Vec<(Flag, String)>,
    sources: BTreeMap<Flag, FlagSource>,
}

/// A flag's raw value, or `None` when only the cluster knows it.
type Raw = Option<(String, FlagSource)>;

impl KuredSettings {
    /// Reads every setting from kured's flags. `app_version` is kured's version, `None`
    /// when unknown (the newest behaviour is assumed, as [`KuredFlags::read`] does).
    pub fn read(flags: &KuredFlags, app_version: Option<Version>) -> KuredSettings {
        let mut reader = Reader {
            flags,
            unknowable: Vec::new(),
            sources: BTreeMap::new(),
        };
        let window = reader.window();
        let duration = |reader: &mut Reader<'_>, flag| {
            let raw = reader.raw(flag);
            parse(raw, flag, |v, _| {
                GoDuration::parse(v).map_err(|e| SettingProblem::Duration(e.kind))
            })
        };
        let period = duration(&mut reader, Flag::Period);
        let drain_timeout = duration(&mut reader, Flag::DrainTimeout);
        let lock_ttl = duration(&mut reader, Flag::LockTtl);
        let reboot_delay = duration(&mut reader, Flag::RebootDelay);
        let force_reboot = parse(reader.raw(Flag::ForceReboot), Flag::ForceReboot, |v, _| {
            parse_bool(v).ok_or(SettingProblem::Bool)
        });
        let env_overrides = flags.env_overrides();
        let int = |reader: &mut Reader<'_>, flag| {
            parse(reader.raw(flag), flag, |v, source| {
                // kured 1.16.2+ checks a variable with Atoi before setting the flag.
                let syntax = if source == FlagSource::Env && env_overrides {
                    IntSyntax::Decimal
                } else {
                    IntSyntax::GoLiteral
                };
                parse_int(v, syntax).map_err(|problem| SettingProblem::Int { problem, syntax })
            })
        };
        let concurrency = int(&mut reader, Flag::Concurrency);
        let drain_grace_period = int(&mut reader, Flag::DrainGracePeriod);
        let drain_pod_selector = parse(
            reader.raw(Flag::DrainPodSelector),
            Flag::DrainPodSelector,
            |v, _| LabelQuery::parse(v).map_err(SettingProblem::Selector),
        );
        let (blocking_pod_selectors, ignored_env) = reader.blocking_selectors();
        let prometheus_url = parse(
            reader.raw(Flag::PrometheusUrl),
            Flag::PrometheusUrl,
            |v, _| match v {
                "" => Ok(None),
                url => prometheus_url_problem(url).map_or(Ok(Some(url.to_string())), |p| {
                    Err(SettingProblem::PrometheusUrl(p))
                }),
            },
        );
        let names = if app_version.is_none_or(|v| v >= LOOSE_CLASS_NAMES_SINCE) {
            ClassNames::Loose
        } else {
            ClassNames::Exact
        };
        let alert_filter_regexp = parse(
            reader.raw(Flag::AlertFilterRegexp),
            Flag::AlertFilterRegexp,
            |v, _| match v {
                "" => Ok(None),
                pattern => go_regexp::check(pattern, names)
                    .map(|()| Some(pattern.to_string()))
                    .map_err(SettingProblem::Regexp),
            },
        );
        KuredSettings {
            window,
            period,
            drain_timeout,
            lock_ttl,
            reboot_delay,
            force_reboot,
            concurrency,
            drain_grace_period,
            drain_pod_selector,
            blocking_pod_selectors,
            prometheus_url,
            alert_filter_regexp,
            unknowable: reader.unknowable,
            ignored_env,
            sources: reader.sources,
        }
    }

    /// Where a flag's value came from; [`FlagSource::Default`] also for a flag whose
    /// value only the cluster knows.
    pub fn source(&self, flag: Flag) -> FlagSource {
        self.sources
            .get(&flag)
            .copied()
            .unwrap_or(FlagSource::Default)
    }

    /// Every problem found, each with its flag: the window's, then the other settings' in
    /// the order of [`Flag::ALL`].
    pub fn errors(&self) -> Vec<&SettingError> {
        [
            self.period.invalid(),
            self.drain_timeout.invalid(),
            self.lock_ttl.invalid(),
            self.reboot_delay.invalid(),
            self.force_reboot.invalid(),
            self.concurrency.invalid(),
            self.drain_grace_period.invalid(),
            self.drain_pod_selector.invalid(),
            self.blocking_pod_selectors.invalid(),
            self.prometheus_url.invalid(),
            self.alert_filter_regexp.invalid(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Parses a raw value; `check` gets the value and where it came from.
fn parse<T>(
    raw: Raw,
    flag: Flag,
    check: impl FnOnce(&str, FlagSource) -> Result<T, SettingProblem>,
) -> Setting<T> {
    let Some((value, source)) = raw else {
        return Setting::Unknowable;
    };
    match check(&value, source) {
        Ok(parsed) => Setting::Known(parsed),
        Err(problem) => Setting::Invalid(SettingError {
            flag,
            value,
            problem,
        }),
    }
}

struct Reader<'a> {
    flags: &'a KuredFlags,
    unknowable: Vec<Unknowable>,
    sources: BTreeMap<Flag, FlagSource>,
}

impl Reader<'_> {
    fn raw(&mut self, flag: Flag) -> Raw {
        // The steps explain the sentinel; settings are reported by flag instead.
        let mut steps = Vec::new();
        match self
            .flags
            .value(flag.name(), flag.default_value(), &mut steps)
        {
            FlagValue::Known { value, source } => {
                self.sources.insert(flag, source);
                Some((value, source))
            }
            FlagValue::Unknown { reason } => {
                self.unknowable.push(Unknowable { flag, reason });
                None
            }
        }
    }

    fn window(&mut self) -> Setting<RebootWindow, Vec<WindowError>> {
        let mut steps = Vec::new();
        let days = match self.flags.list(Flag::RebootDays.name(), &mut steps) {
            ListValue::Known { values, source } => {
                self.sources.insert(Flag::RebootDays, source);
                Some(values)
            }
            ListValue::Unknown { reason } => {
                self.unknowable.push(Unknowable {
                    flag: Flag::RebootDays,
                    reason,
                });
                None
            }
        };
        let start = self.raw(Flag::StartTime);
        let end = self.raw(Flag::EndTime);
        let zone = self.raw(Flag::TimeZone);
        let (Some(days), Some((start, _)), Some((end, _)), Some((zone, _))) =
            (days, start, end, zone)
        else {
            return Setting::Unknowable;
        };
        let days: Vec<&str> = days.iter().map(String::as_str).collect();
        match RebootWindow::from_flags(&days, &start, &end, &zone) {
            Ok(window) => Setting::Known(window),
            Err(errors) => Setting::Invalid(errors),
        }
    }

    fn blocking_selectors(&mut self) -> (Setting<Vec<LabelQuery>>, Vec<(Flag, String)>) {
        let flag = Flag::BlockingPodSelector;
        let read = self.flags.array(flag.name(), &mut Vec::new());
        let ignored = read
            .ignored_env
            .map(|env| (flag, env))
            .into_iter()
            .collect();
        let setting = match read.value {
            ListValue::Unknown { reason } => {
                self.unknowable.push(Unknowable { flag, reason });
                Setting::Unknowable
            }
            ListValue::Known { values, source } => {
                self.sources.insert(flag, source);
                let mut selectors = Vec::new();
                let mut problem = None;
                for value in &values {
                    let parsed = match LabelQuery::parse(value) {
                        Ok(query) if query.selects_everything() => {
                            Err(SettingProblem::EmptyBlockingSelector)
                        }
                        Ok(query) => Ok(query),
                        Err(err) => Err(SettingProblem::Selector(err)),
                    };
                    match parsed {
                        Ok(query) => selectors.push(query),
                        Err(p) => {
                            problem.get_or_insert((value.clone(), p));
                        }
                    }
                }
                match problem {
                    None => Setting::Known(selectors),
                    Some((value, problem)) => Setting::Invalid(SettingError {
                        flag,
                        value,
                        problem,
                    }),
                }
            }
        };
        (setting, ignored)
    }
}

/// Why kured cannot query a Prometheus address, if it cannot: client_golang parses it with
/// Go's `url.Parse` and Go's HTTP client only speaks `http` and `https` to a host.
fn prometheus_url_problem(url: &str) -> Option<&'static str> {
    if url.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Some("it contains a space or a control character, which Go's URL parser refuses");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Some("it has no http:// or https:// scheme");
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Some("its scheme is not http or https, the only ones Go's HTTP client speaks");
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    if host.is_empty() || host.starts_with(':') {
        return Some("it names no host");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::container::Container;

    fn settings(args: &[&str], env: &[(&str, Option<&str>)], version: &str) -> KuredSettings {
        let version: Option<Version> = version.parse().ok();
        let container = Container::for_test("kured", &["/usr/bin/kured"], args, env);
        match KuredFlags::read(&container, version) {
            Ok(flags) => KuredSettings::read(&flags, version),
            Err(e) => panic!("flags unreadable: {e}"),
        }
    }

    fn error<T: fmt::Debug>(setting: &Setting<T>) -> &SettingError {
        match setting {
            Setting::Invalid(err) => err,
            other => panic!("expected an invalid setting, got {other:?}"),
        }
    }

    fn problem<T: fmt::Debug>(setting: &Setting<T>) -> &SettingProblem {
        &error(setting).problem
    }

    #[test]
    fn defaults_are_kured_s() {
        let s = settings(&[], &[], "1.21.0");
        assert_eq!(s.window, Setting::Known(RebootWindow::kured_default()));
        assert_eq!(
            s.period,
            Setting::Known(GoDuration::from_nanos(3_600_000_000_000))
        );
        assert_eq!(s.drain_timeout, Setting::Known(GoDuration::ZERO));
        assert_eq!(s.lock_ttl, Setting::Known(GoDuration::ZERO));
        assert_eq!(s.reboot_delay, Setting::Known(GoDuration::ZERO));
        assert_eq!(s.force_reboot, Setting::Known(false));
        assert_eq!(s.concurrency, Setting::Known(1));
        assert_eq!(s.drain_grace_period, Setting::Known(-1));
        assert!(
            s.drain_pod_selector
                .known()
                .is_some_and(LabelQuery::selects_everything)
        );
        assert_eq!(s.blocking_pod_selectors, Setting::Known(vec![]));
        assert_eq!(s.prometheus_url, Setting::Known(None));
        assert_eq!(s.alert_filter_regexp, Setting::Known(None));
        assert!(s.errors().is_empty() && s.unknowable.is_empty());
        for flag in Flag::ALL {
            assert_eq!(s.source(flag), FlagSource::Default, "{flag}");
        }
    }

    #[test]
    fn each_flag_is_read_as_kured_parses_it() {
        let s = settings(
            &[
                "--force-reboot",
                "--concurrency=0x2",
                "--drain-grace-period=010",
                "--reboot-delay=90s",
                "--drain-pod-selector=app notin (db)",
                "--blocking-pod-selector=hold=yes,tier in (a,b)",
                "--blocking-pod-selector=critical",
                "--prometheus-url=http://prometheus:9090",
                "--alert-filter-regexp=^(Watchdog|InfoInhibitor)$",
            ],
            &[],
            "1.21.0",
        );
        assert_eq!(s.force_reboot, Setting::Known(true));
        assert_eq!(s.concurrency, Setting::Known(2));
        assert_eq!(s.drain_grace_period, Setting::Known(8));
        assert_eq!(
            s.reboot_delay,
            Setting::Known(GoDuration::from_nanos(90_000_000_000))
        );
        assert_eq!(
            s.drain_pod_selector.known().map(ToString::to_string),
            Some("app notin (db)".to_string())
        );
        let blocking: Vec<String> = s
            .blocking_pod_selectors
            .known()
            .map(|all| all.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        assert_eq!(blocking, ["hold=yes,tier in (a,b)", "critical"]);
        assert_eq!(
            s.prometheus_url,
            Setting::Known(Some("http://prometheus:9090".into()))
        );
        assert!(matches!(s.alert_filter_regexp, Setting::Known(Some(_))));
        assert_eq!(s.source(Flag::ForceReboot), FlagSource::Flag);
        assert!(s.errors().is_empty(), "{:?}", s.errors());
    }

    #[test]
    fn force_reboot_follows_pflag_s_booleans() {
        assert_eq!(
            settings(&["--force-reboot=false"], &[], "1.21.0").force_reboot,
            Setting::Known(false)
        );
        // A bool flag never takes the next argument: `false` is a positional argument.
        assert_eq!(
            settings(&["--force-reboot", "false"], &[], "1.21.0").force_reboot,
            Setting::Known(true)
        );
        let s = settings(&["--force-reboot=yes"], &[], "1.21.0");
        assert_eq!(problem(&s.force_reboot), &SettingProblem::Bool);
        assert_eq!(
            error(&s.force_reboot).consequence(),
            Consequence::ExitsAtStart
        );
        let from_env = settings(&[], &[("KURED_FORCE_REBOOT", Some("True"))], "1.21.0");
        assert_eq!(from_env.force_reboot, Setting::Known(true));
        assert_eq!(from_env.source(Flag::ForceReboot), FlagSource::Env);
        // From 1.16.2 an empty variable is applied, and ParseBool refuses it.
        let empty = settings(&[], &[("KURED_FORCE_REBOOT", Some(""))], "1.21.0");
        assert_eq!(problem(&empty.force_reboot), &SettingProblem::Bool);
    }

    #[test]
    fn integers_from_a_variable_are_decimal_from_1_16_2() {
        let flag = settings(&["--concurrency=010"], &[], "1.21.0");
        assert_eq!(flag.concurrency, Setting::Known(8));
        let new_env = settings(&[], &[("KURED_CONCURRENCY", Some("010"))], "1.21.0");
        assert_eq!(new_env.concurrency, Setting::Known(10));
        let old_env = settings(&[], &[("KURED_CONCURRENCY", Some("010"))], "1.16.1");
        assert_eq!(old_env.concurrency, Setting::Known(8));
        let hex_env = settings(&[], &[("KURED_CONCURRENCY", Some("0x2"))], "1.21.0");
        assert_eq!(
            problem(&hex_env.concurrency),
            &SettingProblem::Int {
                problem: IntProblem::Syntax,
                syntax: IntSyntax::Decimal
            }
        );
        let bad = settings(&["--drain-grace-period=30s"], &[], "1.21.0");
        let err = bad.drain_grace_period.invalid().map(ToString::to_string);
        assert_eq!(
            err.as_deref(),
            Some("--drain-grace-period=\"30s\": it is not an integer; write a whole number")
        );
    }

    #[test]
    fn durations_name_their_flag() {
        let s = settings(
            &["--reboot-delay=5 minutes", "--lock-ttl=1d"],
            &[],
            "1.21.0",
        );
        let flags: Vec<Flag> = s.errors().iter().map(|e| e.flag).collect();
        assert_eq!(flags, [Flag::LockTtl, Flag::RebootDelay]);
        assert!(
            s.errors()
                .iter()
                .all(|e| e.consequence() == Consequence::ExitsAtStart)
        );
    }

    #[test]
    fn selectors_that_block_or_fail_every_drain() {
        let s = settings(
            &[
                "--drain-pod-selector=app in (a",
                "--blocking-pod-selector=ok=1",
                "--blocking-pod-selector=",
            ],
            &[],
            "1.21.0",
        );
        assert!(matches!(
            problem(&s.drain_pod_selector),
            SettingProblem::Selector(_)
        ));
        assert_eq!(
            error(&s.drain_pod_selector).consequence(),
            Consequence::EveryDrainFails
        );
        assert_eq!(
            problem(&s.blocking_pod_selectors),
            &SettingProblem::EmptyBlockingSelector
        );
        let invalid = settings(&["--blocking-pod-selector=a=(b)"], &[], "1.21.0");
        assert_eq!(
            error(&invalid.blocking_pod_selectors).consequence(),
            Consequence::AlwaysBlocked
        );
    }

    #[test]
    fn a_blocking_selector_variable_is_ignored_from_1_16_2() {
        let env = [("KURED_BLOCKING_POD_SELECTOR", Some("hold=yes"))];
        let new = settings(&[], &env, "1.21.0");
        assert_eq!(new.blocking_pod_selectors, Setting::Known(vec![]));
        assert_eq!(
            new.ignored_env,
            [(
                Flag::BlockingPodSelector,
                "KURED_BLOCKING_POD_SELECTOR".to_string()
            )]
        );
        let old = settings(&[], &env, "1.16.1");
        assert_eq!(old.blocking_pod_selectors.known().map(Vec::len), Some(1));
        assert!(old.ignored_env.is_empty());
    }

    #[test]
    fn prometheus_addresses_kured_can_query() {
        for ok in [
            "http://prometheus:9090",
            "https://user:pw@prom.example.com/prefix",
            "HTTP://prom",
        ] {
            assert_eq!(prometheus_url_problem(ok), None, "{ok}");
        }
        for bad in [
            "prometheus:9090",
            "prometheus.monitoring.svc",
            "ftp://prom",
            "http://",
            "http://:9090",
            "http://prom metheus",
        ] {
            assert!(prometheus_url_problem(bad).is_some(), "{bad}");
        }
        let s = settings(&["--prometheus-url=prometheus:9090"], &[], "1.21.0");
        assert_eq!(
            error(&s.prometheus_url).consequence(),
            Consequence::AlwaysBlocked
        );
    }

    #[test]
    fn alert_filters_compile_as_go_s_regexp_for_that_kured() {
        let s = settings(&["--alert-filter-regexp=(Watchdog"], &[], "1.21.0");
        assert!(matches!(
            problem(&s.alert_filter_regexp),
            SettingProblem::Regexp(_)
        ));
        let loose = ["--alert-filter-regexp=\\p{Letter}+"];
        assert!(matches!(
            settings(&loose, &[], "1.22.0").alert_filter_regexp,
            Setting::Known(Some(_))
        ));
        assert!(matches!(
            settings(&loose, &[], "1.21.0").alert_filter_regexp,
            Setting::Invalid(_)
        ));
    }

    #[test]
    fn window_errors_keep_their_flag() {
        let s = settings(
            &["--reboot-days=mon,funday", "--end-time=25:00"],
            &[],
            "1.21.0",
        );
        let Setting::Invalid(errors) = &s.window else {
            panic!("{:?}", s.window);
        };
        let flags: Vec<Flag> = errors.iter().map(|e| Flag::from(e.field())).collect();
        assert_eq!(flags, [Flag::RebootDays, Flag::EndTime]);
        assert_eq!(s.source(Flag::EndTime), FlagSource::Flag);
        assert_eq!(s.source(Flag::StartTime), FlagSource::Default);
    }

    #[test]
    fn hidden_values_are_unknowable_with_their_flag() {
        let s = settings(
            &[],
            &[("KURED_DRAIN_TIMEOUT", None), ("KURED_TIME_ZONE", None)],
            "1.21.0",
        );
        assert_eq!(s.drain_timeout, Setting::Unknowable);
        assert_eq!(s.window, Setting::Unknowable);
        let flags: Vec<Flag> = s.unknowable.iter().map(|u| u.flag).collect();
        assert_eq!(flags, [Flag::TimeZone, Flag::DrainTimeout]);
    }
}
