//! kured's settings checked one by one: what kured does with each value that is wrong
//! (exit at start-up, fail every drain, block every reboot, never check inside its
//! window), reported on the document that set the flag, with the value that would be
//! right.

use super::finding::{Field, Finding, FindingKind, Fix};
use super::sources::SettingSources;
use crate::kured::settings::{Consequence, Flag, KuredSettings, Setting, SettingError};
use crate::kured::window::{WindowError, WindowField, ZoneError};

/// Every finding about kured's settings, except what known drain blockers do to the
/// drain (see [`super::drain`]).
pub fn check(settings: &KuredSettings, sources: &SettingSources) -> Vec<Finding> {
    let mut findings = Vec::new();
    let on = |flag: Flag| Field::Kured(sources.field(flag));
    for unknowable in &settings.unknowable {
        let flag = unknowable.flag;
        findings.push(
            Finding::new(
                FindingKind::SettingUnknowable,
                on(flag),
                format!("kured's {flag} cannot be checked"),
                unknowable.reason.clone(),
            )
            .about(flag),
        );
    }
    for (flag, variable) in &settings.ignored_env {
        findings.push(
            Finding::new(
                FindingKind::EnvIgnored,
                Field::Kured(sources.env_field()),
                format!("kured ignores {variable}"),
                format!(
                    "kured 1.16.2 and newer set flags from KURED_* variables by their type and have no case for {flag}, which may be given several times: the variable has no effect."
                ),
            )
            .about(*flag)
            .with_fix(Fix::set(
                sources.setting(*flag),
                "the selectors, one entry each, in place of the variable",
            )),
        );
    }
    if let Setting::Invalid(errors) = &settings.window {
        findings.extend(errors.iter().map(|e| window_finding(e, sources)));
    }
    findings.extend(
        settings
            .errors()
            .into_iter()
            .map(|e| setting_finding(e, sources)),
    );
    if let Some(period) = settings.period.known() {
        if period.is_zero() || period.is_negative() {
            findings.push(
                Finding::new(
                    FindingKind::PeriodNotPositive,
                    on(Flag::Period),
                    format!("kured's --period is {period}: kured checks once and never again"),
                    "kured waits for ticks of a Go ticker every --period; with 0 or less it gets one tick after it starts and then none, so a reboot needed later is never seen.",
                )
                .about(Flag::Period)
                .with_fix(sources.fix(Flag::Period, "1h")),
            );
        } else if let Some(window) = settings.window.known() {
            let opening = window.longest_opening();
            if opening < *period {
                findings.push(
                    Finding::new(
                        FindingKind::WindowShorterThanPeriod,
                        on(Flag::Period),
                        "kured may never look inside its reboot window",
                        format!(
                            "The window ({window}) is open for {opening} at a time but kured checks only every {period}, from a random moment after it starts; whether a check ever falls inside depends on when the pod started."
                        ),
                    )
                    .about(Flag::Period)
                    .with_fix(Fix::set(
                        sources.setting(Flag::Period),
                        format!("{opening} or less"),
                    )),
                );
            }
        }
    }
    if let Some(concurrency) = settings.concurrency.known() {
        if *concurrency < 1 {
            findings.push(
                Finding::new(
                    FindingKind::ConcurrencyBelowOne,
                    on(Flag::Concurrency),
                    format!("kured's --concurrency is {concurrency}: one node reboots at a time"),
                    "kured uses its single-holder lock for any --concurrency of 1 or less.",
                )
                .about(Flag::Concurrency)
                .with_fix(sources.fix(Flag::Concurrency, "1")),
            );
        }
    }
    if let Some(timeout) = settings.drain_timeout.known() {
        if timeout.is_negative() {
            findings.push(
                Finding::new(
                    FindingKind::DrainTimeoutNegative,
                    on(Flag::DrainTimeout),
                    format!("kured's --drain-timeout is {timeout}: every drain fails at once"),
                    "kubectl's drain helper runs its evictions under a deadline of --drain-timeout; a negative one has passed before the first eviction, so every drain of a node with pods to evict fails. Without --force-reboot such nodes never reboot; with it they reboot without being drained.",
                )
                .about(Flag::DrainTimeout)
                .with_fix(sources.fix(Flag::DrainTimeout, "30m")),
            );
        }
    }
    findings
}

fn window_finding(error: &WindowError, sources: &SettingSources) -> Finding {
    let flag = Flag::from(error.field());
    let (kind, summary) = if error.exits_at_start() {
        (
            FindingKind::WindowInvalid,
            format!("kured's {flag} is invalid: kured would exit at start-up"),
        )
    } else {
        (
            FindingKind::WindowNeverOpens,
            "kured's reboot window never opens: no node is ever rebooted".to_string(),
        )
    };
    let chart = matches!(sources, SettingSources::Chart { .. });
    let suggested_zone = match error {
        WindowError::TimeZone(ZoneError { hint, .. }) if !hint.is_empty() => hint
            .split("did you mean ")
            .nth(1)
            .map(|s| s.trim_end_matches(['?', ')']).to_string()),
        _ => None,
    };
    let value = match (error, error.field()) {
        _ if suggested_zone.is_some() => suggested_zone.clone().unwrap_or_default(),
        (_, WindowField::Days) if chart => "a list of days such as [mo, tu, we, th, fr]".into(),
        (_, WindowField::Days) => "days such as mo,tu,we,th,fr".into(),
        (_, WindowField::StartTime) => "a time of day such as 02:00".into(),
        (_, WindowField::EndTime) => "a time of day such as 05:00".into(),
        (_, WindowField::TimeZone) => "an IANA zone name such as Europe/Berlin".into(),
    };
    let fix = match &suggested_zone {
        Some(zone) => sources.fix(flag, zone),
        None => Fix::set(sources.setting(flag), value),
    };
    Finding::new(
        kind,
        Field::Kured(sources.field(flag)),
        summary,
        error.to_string(),
    )
    .about(flag)
    .with_fix(fix)
}

/// A value kured cannot use, by what kured then does.
fn setting_finding(error: &SettingError, sources: &SettingSources) -> Finding {
    let flag = error.flag;
    let (kind, summary) = match error.consequence() {
        Consequence::ExitsAtStart => (
            FindingKind::FlagInvalid,
            format!("kured's {flag} is invalid: kured would exit at start-up"),
        ),
        Consequence::EveryDrainFails => (
            FindingKind::DrainSelectorInvalid,
            format!("kured's {flag} is not a label selector: every drain fails"),
        ),
        Consequence::AlwaysBlocked => (
            FindingKind::BlockerAlwaysHolds,
            format!("kured's {flag} blocks every reboot"),
        ),
    };
    let value = match flag {
        Flag::Period => "1h",
        Flag::DrainTimeout => "30m",
        Flag::LockTtl | Flag::RebootDelay => "a Go duration such as 0 or 30m",
        Flag::ForceReboot => "true or false",
        Flag::Concurrency => "1",
        Flag::DrainGracePeriod => "a whole number of seconds, or -1 for each pod's own",
        Flag::DrainPodSelector | Flag::BlockingPodSelector => {
            "a label selector such as app=web or tier in (a,b)"
        }
        Flag::PrometheusUrl => "http://prometheus.monitoring:9090 (your Prometheus service)",
        Flag::AlertFilterRegexp => "a Go regular expression such as ^(Watchdog|InfoInhibitor)$",
        Flag::RebootDays | Flag::StartTime | Flag::EndTime | Flag::TimeZone => {
            "a valid value (see above)"
        }
    };
    let detail = match error.consequence() {
        Consequence::ExitsAtStart => format!("{error}."),
        Consequence::EveryDrainFails => format!(
            "{error}. kubectl's drain helper parses it at every drain and fails: without --force-reboot no node ever reboots; with it, nodes reboot without being drained."
        ),
        Consequence::AlwaysBlocked => format!(
            "{error}. kured checks its blockers before every reboot and treats a failed check as blocking, so no node ever reboots."
        ),
    };
    let fix = match flag {
        Flag::Period | Flag::DrainTimeout | Flag::Concurrency => sources.fix(flag, value),
        _ => Fix::set(sources.setting(flag), value),
    };
    Finding::new(kind, Field::Kured(sources.field(flag)), summary, detail)
        .about(flag)
        .with_fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::version::Version;
    use crate::k8s::container::Container;
    use crate::kured::flags::KuredFlags;
    use crate::policy::finding::KuredField;

    fn findings(args: &[&str], env: &[(&str, Option<&str>)]) -> Vec<Finding> {
        let version = Some(Version::new(1, 21, 0));
        let container = Container::for_test("kured", &[], args, env);
        let settings = match KuredFlags::read(&container, version) {
            Ok(flags) => KuredSettings::read(&flags, version),
            Err(e) => panic!("{e}"),
        };
        check(&settings, &SettingSources::manifest(None, None))
    }

    /// A finding's identity: its kind and the flag it is about.
    type Identity = (FindingKind, Option<Flag>);

    fn kinds(found: &[Finding]) -> Vec<Identity> {
        found.iter().map(|f| (f.kind, f.flag)).collect()
    }

    #[test]
    fn good_settings_find_nothing() {
        assert_eq!(findings(&["--drain-timeout=30m"], &[]), vec![]);
    }

    #[test]
    fn each_problem_has_its_kind_and_flag() {
        use FindingKind::*;
        let cases: Vec<(Vec<&str>, Vec<Identity>)> = vec![
            (
                vec!["--start-time=25:00", "--time-zone=utc"],
                vec![
                    (WindowInvalid, Some(Flag::TimeZone)),
                    (WindowInvalid, Some(Flag::StartTime)),
                ],
            ),
            (
                vec!["--reboot-days="],
                vec![(WindowNeverOpens, Some(Flag::RebootDays))],
            ),
            (
                vec!["--force-reboot=yes"],
                vec![(FlagInvalid, Some(Flag::ForceReboot))],
            ),
            (
                vec!["--drain-pod-selector=app in"],
                vec![(DrainSelectorInvalid, Some(Flag::DrainPodSelector))],
            ),
            (
                vec!["--blocking-pod-selector="],
                vec![(BlockerAlwaysHolds, Some(Flag::BlockingPodSelector))],
            ),
            (
                vec!["--prometheus-url=prometheus:9090"],
                vec![(BlockerAlwaysHolds, Some(Flag::PrometheusUrl))],
            ),
            (
                vec!["--period=0"],
                vec![(PeriodNotPositive, Some(Flag::Period))],
            ),
            (
                vec![
                    "--period=2h",
                    "--reboot-days=mo",
                    "--start-time=2",
                    "--end-time=3",
                ],
                vec![(WindowShorterThanPeriod, Some(Flag::Period))],
            ),
            (
                vec!["--concurrency=0"],
                vec![(ConcurrencyBelowOne, Some(Flag::Concurrency))],
            ),
            (
                vec!["--drain-timeout=-1s"],
                vec![(DrainTimeoutNegative, Some(Flag::DrainTimeout))],
            ),
        ];
        for (args, want) in cases {
            let found = findings(&args, &[]);
            assert_eq!(kinds(&found), want, "{args:?}: {found:#?}");
            assert!(
                found
                    .iter()
                    .all(|f| f.field == Field::Kured(KuredField::Manifest) && f.fix.is_some()),
                "{found:#?}"
            );
        }
    }

    #[test]
    fn fixes_name_the_setting_and_a_right_value() {
        let found = findings(&["--time-zone=europe/berlin"], &[]);
        let fix = found[0].fix.as_ref().map(ToString::to_string);
        assert_eq!(fix.as_deref(), Some("set --time-zone to Europe/Berlin"));
    }

    #[test]
    fn hidden_and_ignored_variables_are_warnings() {
        use FindingKind::*;
        let found = findings(
            &[],
            &[
                ("KURED_FORCE_REBOOT", None),
                ("KURED_BLOCKING_POD_SELECTOR", Some("hold=yes")),
            ],
        );
        assert_eq!(
            kinds(&found),
            [
                (SettingUnknowable, Some(Flag::ForceReboot)),
                (EnvIgnored, Some(Flag::BlockingPodSelector)),
            ]
        );
    }
}
