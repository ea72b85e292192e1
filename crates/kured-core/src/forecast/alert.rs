//! The backlog alert: a prometheus-operator `PrometheusRule` whose `KuredRebootBacklog`
//! fires on `kured_reboot_required == 1` (kured's gauge, one series per node, refreshed
//! every minute whatever the window or lock) only once a reboot has waited longer than a
//! rollout can take.
//!
//! A node's reboot may become due just after the window closes. It then waits out the
//! longest closed stretch, the rollout runs from the window's opening (this node last),
//! and kured's first look inside the window may come up to one `--period` late. The sum,
//! rounded up to whole minutes, is the alert's `for:`. A fixed 24 h is wrong both ways:
//! it fires every weekend under a Monday-to-Friday window, and stays silent for a week
//! while a large cluster's rollout is stuck.

use crate::base::duration::GoDuration;

const MINUTE: i64 = 60_000_000_000;

/// What the alert's `for:` is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derivation {
    /// The window as kured reads it, for the comment.
    pub window: String,
    /// The longest stretch the window stays closed.
    pub longest_gap: GoDuration,
    /// From the window's opening until the last node that reboots is back.
    pub rollout: GoDuration,
    /// kured's `--period`.
    pub period: GoDuration,
    /// Nodes the forecast says never reboot, for the comment.
    pub never_rebooting: usize,
}

/// `longest_gap + rollout + period`, each rounded up to whole minutes so the comment's
/// sum is exact.
pub fn backlog_alert_after(d: &Derivation) -> GoDuration {
    let total = [d.longest_gap, d.rollout, d.period]
        .into_iter()
        .map(|part| round_up(part).as_nanos())
        .fold(0i64, i64::saturating_add);
    GoDuration::from_nanos(total.max(MINUTE))
}

/// A duration of whole minutes as Prometheus writes one: `70h12m`, `45m`.
pub fn prometheus_duration(d: GoDuration) -> String {
    let minutes = d.as_nanos().max(0) / MINUTE;
    let (hours, minutes) = (minutes / 60, minutes % 60);
    match (hours, minutes) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

/// The PrometheusRule, with a comment saying how `for:` was derived.
pub fn backlog_alert(d: &Derivation, namespace: &str) -> String {
    let after = backlog_alert_after(d);
    let pd = prometheus_duration;
    let mut out = String::new();
    out.push_str(
        "# KuredRebootBacklog fires for a node whose reboot has waited longer than a whole\n",
    );
    out.push_str("# kured rollout can take. Derived by the kured_reboot_forecast data source:\n");
    out.push_str(&format!(
        "#     {:>9}  longest stretch the reboot window ({}) stays closed\n",
        pd(round_up(d.longest_gap)),
        d.window
    ));
    out.push_str(&format!(
        "#   + {:>9}  forecast rollout, from the window's opening to the last node back\n",
        pd(round_up(d.rollout))
    ));
    out.push_str(&format!(
        "#   + {:>9}  one --period, as kured's first look in the window may come that late\n",
        pd(round_up(d.period))
    ));
    out.push_str(&format!(
        "#   = {:>9}  (each part rounded up to whole minutes; the window's wall clock, daylight-saving shifts aside)\n",
        pd(after)
    ));
    if d.never_rebooting > 0 {
        out.push_str(&format!(
            "# The forecast says {} node(s) never reboot: this alert fires for them once that time has passed.\n",
            d.never_rebooting
        ));
    }
    out.push_str(&format!(
        "apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: kured-reboot-backlog
  namespace: {namespace}
spec:
  groups:
    - name: kured
      rules:
        - alert: KuredRebootBacklog
          expr: kured_reboot_required == 1
          for: {}
          labels:
            severity: warning
          annotations:
            summary: Node {{{{ $labels.node }}}} has needed a reboot for longer than a kured rollout takes.
            description: kured has reported a pending reboot on {{{{ $labels.node }}}} for more than {} (the longest closed window, a whole forecast rollout and one period). Look for a drain that fails or hangs, a blocking pod, or a node kured does not run on.
",
        pd(after),
        pd(after)
    ));
    out
}

fn round_up(d: GoDuration) -> GoDuration {
    let n = d.as_nanos().max(0);
    let minutes = n.div_euclid(MINUTE) + i64::from(n.rem_euclid(MINUTE) > 0);
    GoDuration::from_nanos(minutes.saturating_mul(MINUTE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(h: i64) -> GoDuration {
        GoDuration::from_nanos(h * 60 * MINUTE)
    }

    #[test]
    fn a_weekday_window_waits_out_the_weekend() {
        let d = Derivation {
            window: "mon,tue,wed,thu,fri 09:00:00-17:00:00 UTC".into(),
            longest_gap: GoDuration::from_nanos(64 * 60 * MINUTE - 1_000_000_000),
            rollout: GoDuration::from_nanos(5 * 60 * MINUTE + 12 * MINUTE + 30_000_000_000),
            period: hours(1),
            never_rebooting: 0,
        };
        let after = backlog_alert_after(&d);
        // 64h (63h59m59s rounded up) + 5h13m + 1h.
        assert_eq!(after.to_string(), "70h13m0s");
        assert!(after > hours(24), "a fixed 24h would fire every weekend");
        let yaml = backlog_alert(&d, "kube-system");
        assert!(yaml.contains("for: 70h13m\n"), "{yaml}");
        assert!(yaml.contains("#           64h  longest stretch"), "{yaml}");
        assert!(yaml.contains("#   +     5h13m  forecast rollout"), "{yaml}");
        assert!(yaml.contains("expr: kured_reboot_required == 1"), "{yaml}");
        assert!(yaml.contains("{{ $labels.node }}"), "{yaml}");
        let docs: serde_json::Value = serde_yaml_ng::from_str(&yaml).expect("valid YAML");
        assert_eq!(docs["spec"]["groups"][0]["rules"][0]["for"], "70h13m");
        assert_eq!(docs["metadata"]["namespace"], "kube-system");
    }

    #[test]
    fn prometheus_durations_drop_zero_parts() {
        assert_eq!(prometheus_duration(hours(65)), "65h");
        assert_eq!(
            prometheus_duration(GoDuration::from_nanos(45 * MINUTE)),
            "45m"
        );
        assert_eq!(
            prometheus_duration(GoDuration::from_nanos(61 * MINUTE)),
            "1h1m"
        );
    }

    #[test]
    fn never_completing_rollouts_say_the_alert_will_fire() {
        let d = Derivation {
            window: "every day".into(),
            longest_gap: GoDuration::ZERO,
            rollout: GoDuration::ZERO,
            period: hours(1),
            never_rebooting: 2,
        };
        assert_eq!(backlog_alert_after(&d), hours(1));
        assert!(backlog_alert(&d, "ops").contains("2 node(s) never reboot"));
    }
}
