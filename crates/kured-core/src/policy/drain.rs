//! What known drain blockers do to kured's drains, as kured's loop runs them
//! (`rebootAsRequired` and `drain` in cmd/kured/main.go, every release from 1.10.0 to
//! 1.23.0, with kubectl's drain helper underneath):
//!
//! - kured cordons the node and evicts its pods; an eviction a budget refuses is retried
//!   until `--drain-timeout`, forever when it is 0.
//! - `--drain-timeout` 0: the drain never returns. The node stays cordoned and kured keeps
//!   the lock, so with one lock holder and no `--lock-ttl` no other node reboots either;
//!   `--force-reboot` changes nothing, since it acts only on a drain that failed.
//! - A bounded timeout without `--force-reboot`: the drain fails, kured releases the lock,
//!   uncordons the node and tries again at a later lock acquisition. The node never
//!   reboots and is cordoned for the timeout every period.
//! - A bounded timeout with `--force-reboot`: kured reboots the node anyway, so the pods
//!   the budget protects go down with it.
//!
//! So a known blocker is an error whatever the timeout, unless kured forces the reboot,
//! which is a warning naming the budgets it will violate.

use super::finding::{Field, Finding, FindingKind, Fix};
use super::sources::SettingSources;
use crate::base::duration::GoDuration;
use crate::kured::settings::{Flag, KuredSettings};

/// The finding for kured's drain given the budgets known to block every drain; nothing
/// when the drain timeout is not known (it is reported as such) or negative (reported
/// with the settings).
pub fn check(
    blockers: &[String],
    settings: &KuredSettings,
    sources: &SettingSources,
) -> Option<Finding> {
    let timeout = *settings.drain_timeout.known()?;
    if timeout.is_negative() {
        return None;
    }
    let timeout_setting = sources.setting(Flag::DrainTimeout);
    if blockers.is_empty() {
        return timeout.is_zero().then(|| {
            Finding::new(
                FindingKind::DrainTimeoutUnbounded,
                Field::Kured(sources.field(Flag::DrainTimeout)),
                "kured's drain timeout is unbounded",
                "With --drain-timeout 0 (the default) a drain that a PodDisruptionBudget refuses waits forever: the node stays cordoned, kured keeps the lock and no node reboots after it.",
            )
            .about(Flag::DrainTimeout)
            .with_fix(sources.fix(Flag::DrainTimeout, "30m"))
        });
    }
    let names = blockers.join(", ");
    let budgets_fix = || {
        Fix::set(
            format!("spec.maxUnavailable of PodDisruptionBudgets {names}"),
            "1 in place of minAvailable, with at least two replicas behind each",
        )
    };
    let force = settings.force_reboot.known().copied();
    let finding = if timeout.is_zero() {
        let mut detail = format!(
            "These budgets allow no eviction, and with --drain-timeout 0 kured's drain retries the refused eviction forever: the node that runs their pods stays cordoned and never reboots. {}",
            lock_consequence(settings)
        );
        if force == Some(true) {
            detail.push_str(
                "\n--force-reboot does not help: kured forces a reboot only when the drain fails or times out, and without a timeout it does neither.",
            );
        }
        detail.push_str(
            "\nSetting a drain timeout alone does not make these nodes reboot either: each drain would then time out and kured would retry it every period.",
        );
        Finding::new(
            FindingKind::DrainHangs,
            Field::KnownDrainBlockers,
            format!(
                "kured's drain hangs on {names}: the node stays cordoned and kured holds the lock"
            ),
            detail,
        )
        // The fragment is kured's part of the fix: the budgets are the user's own.
        .with_fix(
            budgets_fix()
                .and(timeout_setting, "30m")
                .pasting(sources.fix(Flag::DrainTimeout, "30m").fragment.map(|f| *f)),
        )
    } else {
        let period = settings
            .period
            .known()
            .map_or_else(|| "--period".to_string(), GoDuration::to_string);
        match force {
            Some(true) => Finding::new(
                FindingKind::ForcedRebootViolatesBudgets,
                Field::KnownDrainBlockers,
                format!(
                    "nodes running pods of {names} reboot by force after {timeout}: these budgets are violated"
                ),
                format!(
                    "The drain times out after {timeout} (--drain-timeout) and kured reboots anyway (--force-reboot), so the pods these budgets protect go down with the node."
                ),
            )
            .with_fix(budgets_fix()),
            Some(false) => Finding::new(
                FindingKind::BlockedNodesNeverReboot,
                Field::KnownDrainBlockers,
                format!(
                    "nodes running pods of {names} never reboot: every drain times out after {timeout}"
                ),
                format!(
                    "These budgets allow no eviction, so kured's drain times out after {timeout} (--drain-timeout). Without --force-reboot kured then releases the lock, uncordons the node and tries again at its next lock acquisition: the node never reboots, and every {period} it is cordoned for {timeout} for nothing.\nOnly the budgets can fix this; --force-reboot would reboot the nodes and violate them."
                ),
            )
            .with_fix(budgets_fix()),
            // Unknowable (reported as such) or invalid (kured exits, reported too).
            None => return None,
        }
    };
    Some(finding)
}

/// What a hung drain does to the lock, for this kured's `--concurrency` and `--lock-ttl`.
fn lock_consequence(settings: &KuredSettings) -> String {
    let concurrency = settings.concurrency.known().copied().unwrap_or(1).max(1);
    match settings.lock_ttl.known() {
        Some(ttl) if !ttl.is_zero() && !ttl.is_negative() => format!(
            "After --lock-ttl ({ttl}) another node takes the lock and starts its own drain while this one stays cordoned, so cordoned nodes pile up (kubereboot/kured#63)."
        ),
        _ if concurrency == 1 => "kured keeps the lock for good, so with --concurrency 1 and no --lock-ttl no other node reboots either, window or not.".to_string(),
        _ => format!(
            "kured keeps one of its {concurrency} lock slots for good and has no --lock-ttl; once {concurrency} nodes hang this way, no node reboots."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::version::Version;
    use crate::k8s::container::Container;
    use crate::kured::flags::KuredFlags;
    use crate::policy::finding::Severity;

    fn settings(args: &[&str]) -> KuredSettings {
        let version = Some(Version::new(1, 21, 0));
        let container = Container::for_test("kured", &[], args, &[]);
        match KuredFlags::read(&container, version) {
            Ok(flags) => KuredSettings::read(&flags, version),
            Err(e) => panic!("{e}"),
        }
    }

    fn finding(args: &[&str], blockers: &[&str]) -> Option<Finding> {
        let blockers: Vec<String> = blockers.iter().map(|b| b.to_string()).collect();
        check(
            &blockers,
            &settings(args),
            &SettingSources::manifest(None, None),
        )
    }

    const BLOCKERS: [&str; 2] = ["blog/anubis-blog", "db/pg-primary"];

    #[test]
    fn every_combination_of_timeout_and_force() {
        use FindingKind::*;
        let cases: &[(&[&str], Option<FindingKind>)] = &[
            (&[], Some(DrainHangs)),
            (&["--force-reboot"], Some(DrainHangs)),
            (&["--drain-timeout=30m"], Some(BlockedNodesNeverReboot)),
            (
                &["--drain-timeout=30m", "--force-reboot"],
                Some(ForcedRebootViolatesBudgets),
            ),
            (&["--drain-timeout=-1s"], None),
            (&["--drain-timeout=30m", "--force-reboot=maybe"], None),
        ];
        for (args, want) in cases {
            let got = finding(args, &BLOCKERS);
            assert_eq!(got.as_ref().map(|f| f.kind), *want, "{args:?}: {got:#?}");
            if let Some(f) = got {
                assert_eq!(f.field, Field::KnownDrainBlockers);
                assert!(
                    f.summary.contains("blog/anubis-blog, db/pg-primary"),
                    "{}",
                    f.summary
                );
                let fix = f.fix.map(|fix| fix.to_string()).unwrap_or_default();
                assert!(
                    fix.starts_with(
                        "set spec.maxUnavailable of PodDisruptionBudgets blog/anubis-blog, db/pg-primary to 1"
                    ),
                    "{fix}"
                );
            }
        }
        assert_eq!(
            finding(&["--drain-timeout=30m", "--force-reboot"], &BLOCKERS).map(|f| f.severity()),
            Some(Severity::Warning)
        );
    }

    #[test]
    fn no_blockers_warn_only_about_an_unbounded_timeout() {
        assert_eq!(
            finding(&[], &[]).map(|f| (f.kind, f.flag)),
            Some((FindingKind::DrainTimeoutUnbounded, Some(Flag::DrainTimeout)))
        );
        assert_eq!(finding(&["--drain-timeout=30m"], &[]), None);
    }

    #[test]
    fn a_hung_drain_says_what_happens_to_the_lock() {
        let detail = |args: &[&str]| {
            finding(args, &BLOCKERS)
                .map(|f| f.detail)
                .unwrap_or_default()
        };
        assert!(
            detail(&[])
                .contains("with --concurrency 1 and no --lock-ttl no other node reboots either")
        );
        assert!(
            detail(&["--lock-ttl=2h"])
                .contains("After --lock-ttl (2h0m0s) another node takes the lock")
        );
        assert!(detail(&["--concurrency=3"]).contains("once 3 nodes hang this way"));
        assert!(detail(&["--force-reboot"]).contains("--force-reboot does not help"));
        let never = finding(&["--drain-timeout=30m", "--period=2h"], &BLOCKERS)
            .map(|f| f.detail)
            .unwrap_or_default();
        assert!(
            never.contains("every 2h0m0s it is cordoned for 30m0s"),
            "{never}"
        );
    }
}
