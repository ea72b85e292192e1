//! The values keys each kured chart release reads: the keys of its `values.yaml` and every
//! `.Values.*` its templates use, two levels deep in the sections the chart owns. Read from
//! `charts/kured` in kubereboot/charts at every release tag from 4.0.0 to 6.1.0; each key
//! appeared once and (but for one) never went away, so a key is its first release and, when
//! it was dropped, its last.
//!
//! Keys below a free-form section (`podAnnotations`, `nodeSelector`, `extraArgs`, probes,
//! security contexts...) are the user's own and are not listed.

use crate::base::version::Version;

/// A values key and the chart releases that read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartKey {
    /// Dotted path from the values root: `configuration.rebootSentinel`.
    pub path: &'static str,
    /// The first release that reads it.
    pub since: Version,
    /// The last release that reads it; `None` while the newest still does.
    pub until: Option<Version>,
}

impl ChartKey {
    /// Whether chart release `chart` reads this key.
    pub fn read_by(&self, chart: Version) -> bool {
        chart >= self.since && self.until.is_none_or(|until| chart <= until)
    }
}

const fn key(path: &'static str, since: Version) -> ChartKey {
    ChartKey {
        path,
        since,
        until: None,
    }
}

const fn key_until(path: &'static str, since: Version, until: Version) -> ChartKey {
    ChartKey {
        path,
        since,
        until: Some(until),
    }
}

/// The sections whose keys are the chart's own: a key under them that the chart does not
/// read is a mistake. Every other top-level map is free-form.
pub const STRICT_SECTIONS: &[&str] = &[
    "configuration",
    "image",
    "metrics",
    "podSecurityPolicy",
    "rbac",
    "service",
    "serviceAccount",
];

/// Top-level keys Helm itself gives meaning to, accepted for every chart.
pub const HELM_KEYS: &[&str] = &["global"];

/// Every key any modelled release reads, sorted by path.
pub const KEYS: &[ChartKey] = &[
    key("affinity", Version::new(4, 0, 0)),
    key("configuration", Version::new(4, 0, 0)),
    key("configuration.alertFilterMatchOnly", Version::new(5, 2, 0)),
    key("configuration.alertFilterRegexp", Version::new(4, 0, 0)),
    key("configuration.alertFiringOnly", Version::new(4, 0, 0)),
    key("configuration.annotateNodes", Version::new(4, 0, 0)),
    key("configuration.blockingPodSelector", Version::new(4, 0, 0)),
    key("configuration.concurrency", Version::new(5, 2, 0)),
    key("configuration.drainDelay", Version::new(5, 4, 0)),
    key("configuration.drainGracePeriod", Version::new(4, 0, 0)),
    key("configuration.drainPodSelector", Version::new(5, 2, 0)),
    key("configuration.drainTimeout", Version::new(4, 0, 0)),
    key("configuration.endTime", Version::new(4, 0, 0)),
    key("configuration.forceReboot", Version::new(4, 0, 0)),
    key("configuration.lockAnnotation", Version::new(4, 0, 0)),
    key("configuration.lockReleaseDelay", Version::new(4, 0, 0)),
    key("configuration.lockTtl", Version::new(4, 0, 0)),
    key("configuration.logFormat", Version::new(4, 0, 0)),
    key("configuration.messageTemplateDrain", Version::new(4, 0, 0)),
    key("configuration.messageTemplateReboot", Version::new(4, 0, 0)),
    key(
        "configuration.messageTemplateUncordon",
        Version::new(4, 0, 0),
    ),
    key("configuration.metricsHost", Version::new(5, 2, 0)),
    key("configuration.metricsPort", Version::new(4, 7, 0)),
    key("configuration.notifyUrl", Version::new(4, 0, 0)),
    key("configuration.period", Version::new(4, 0, 0)),
    key("configuration.postRebootNodeLabels", Version::new(4, 0, 0)),
    key("configuration.preRebootNodeLabels", Version::new(4, 0, 0)),
    key("configuration.preferNoScheduleTaint", Version::new(4, 0, 0)),
    key("configuration.prometheusUrl", Version::new(4, 0, 0)),
    key("configuration.rebootCommand", Version::new(4, 0, 0)),
    key("configuration.rebootDays", Version::new(4, 0, 0)),
    key("configuration.rebootDelay", Version::new(4, 0, 0)),
    key("configuration.rebootMethod", Version::new(5, 4, 0)),
    key("configuration.rebootSentinel", Version::new(4, 0, 0)),
    key("configuration.rebootSentinelCommand", Version::new(4, 0, 0)),
    key("configuration.rebootSignal", Version::new(5, 4, 0)),
    key(
        "configuration.skipWaitForDeleteTimeout",
        Version::new(4, 0, 0),
    ),
    key("configuration.slackChannel", Version::new(4, 0, 0)),
    key("configuration.slackHookUrl", Version::new(4, 0, 0)),
    key("configuration.slackUsername", Version::new(4, 0, 0)),
    key("configuration.startTime", Version::new(4, 0, 0)),
    key("configuration.timeZone", Version::new(4, 0, 0)),
    key(
        "configuration.useRebootSentinelHostPath",
        Version::new(5, 4, 0),
    ),
    key("containerSecurityContext", Version::new(4, 0, 0)),
    key("dsAnnotations", Version::new(4, 0, 0)),
    key("extraArgs", Version::new(4, 0, 0)),
    key("extraEnvVars", Version::new(4, 0, 0)),
    key("fullnameOverride", Version::new(4, 0, 0)),
    key("hostNetwork", Version::new(4, 0, 4)),
    key("image", Version::new(4, 0, 0)),
    key("image.pullPolicy", Version::new(4, 0, 0)),
    key("image.pullSecrets", Version::new(4, 0, 0)),
    key("image.repository", Version::new(4, 0, 0)),
    key("image.tag", Version::new(4, 0, 0)),
    key("initContainers", Version::new(4, 3, 0)),
    key("livenessProbe", Version::new(4, 6, 0)),
    key("maxUnavailable", Version::new(4, 0, 0)),
    key("metrics", Version::new(4, 0, 0)),
    key("metrics.create", Version::new(4, 0, 0)),
    key("metrics.interval", Version::new(4, 0, 0)),
    key("metrics.labels", Version::new(4, 0, 0)),
    key("metrics.namespace", Version::new(4, 0, 0)),
    key("metrics.scrapeTimeout", Version::new(4, 0, 0)),
    key("nameOverride", Version::new(4, 0, 0)),
    key("nodeSelector", Version::new(4, 0, 0)),
    key("podAnnotations", Version::new(4, 0, 0)),
    key("podLabels", Version::new(4, 0, 0)),
    key("podSecurityPolicy", Version::new(4, 0, 0)),
    key("podSecurityPolicy.create", Version::new(4, 0, 0)),
    key("priorityClassName", Version::new(4, 0, 0)),
    key("rbac", Version::new(4, 0, 0)),
    key("rbac.create", Version::new(4, 0, 0)),
    key("readinessProbe", Version::new(4, 6, 0)),
    key("resources", Version::new(4, 0, 0)),
    key("revisionHistoryLimit", Version::new(5, 1, 0)),
    key("service", Version::new(4, 0, 0)),
    key("service.annotations", Version::new(4, 0, 0)),
    key("service.create", Version::new(4, 0, 0)),
    key("service.name", Version::new(4, 0, 0)),
    key("service.nodePort", Version::new(4, 0, 0)),
    key("service.port", Version::new(4, 0, 0)),
    key("service.type", Version::new(4, 0, 0)),
    key("serviceAccount", Version::new(4, 0, 0)),
    key("serviceAccount.create", Version::new(4, 0, 0)),
    key("serviceAccount.extraAnnotations", Version::new(5, 10, 0)),
    key("serviceAccount.name", Version::new(4, 0, 0)),
    key("tolerations", Version::new(4, 0, 0)),
    key("updateStrategy", Version::new(4, 0, 0)),
    key_until(
        "useRebootSentinelHostPath",
        Version::new(5, 4, 0),
        Version::new(5, 4, 0),
    ),
    key("volumeMounts", Version::new(4, 0, 0)),
    key("volumes", Version::new(4, 0, 0)),
];

/// The key at `path`, whichever releases read it.
pub fn lookup(path: &str) -> Option<&'static ChartKey> {
    KEYS.binary_search_by(|k| k.path.cmp(path))
        .ok()
        .and_then(|i| KEYS.get(i))
}

/// The keys release `chart` reads directly under `section` (`""` for the top level), as
/// their last path segment.
pub fn keys_under(chart: Version, section: &str) -> Vec<&'static str> {
    KEYS.iter()
        .filter(|k| k.read_by(chart))
        .filter_map(|k| match k.path.rsplit_once('.') {
            Some((parent, leaf)) if parent == section => Some(leaf),
            None if section.is_empty() => Some(k.path),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::releases::{NEWEST_SUPPORTED, OLDEST_SUPPORTED, RELEASES};

    #[test]
    fn the_table_is_sorted_for_lookup() {
        for pair in KEYS.windows(2) {
            assert!(
                pair[0].path < pair[1].path,
                "{} before {}",
                pair[0].path,
                pair[1].path
            );
        }
    }

    #[test]
    fn every_bound_is_a_release_in_range() {
        for k in KEYS {
            assert!(RELEASES.iter().any(|r| r.chart == k.since), "{}", k.path);
            if let Some(until) = k.until {
                assert!(RELEASES.iter().any(|r| r.chart == until), "{}", k.path);
                assert!(
                    until < NEWEST_SUPPORTED,
                    "{} ends at the newest: use None",
                    k.path
                );
            }
        }
        assert!(KEYS.iter().all(|k| k.since >= OLDEST_SUPPORTED));
    }

    #[test]
    fn every_modelled_default_is_a_key_of_its_release() {
        for release in RELEASES {
            let defaults = crate::chart::values::default_values(release.chart);
            let configuration = defaults["configuration"].as_object().unwrap();
            for name in configuration.keys() {
                let path = format!("configuration.{name}");
                let key = lookup(&path).unwrap_or_else(|| panic!("{path} is not in KEYS"));
                assert!(key.read_by(release.chart), "{path} at {}", release.chart);
            }
        }
    }

    #[test]
    fn the_top_level_sentinel_switch_is_read_by_5_4_0_alone() {
        let key = lookup("useRebootSentinelHostPath").unwrap();
        assert!(key.read_by(Version::new(5, 4, 0)));
        assert!(!key.read_by(Version::new(5, 4, 1)));
        assert!(!key.read_by(Version::new(5, 3, 2)));
        assert!(keys_under(Version::new(5, 11, 0), "configuration").contains(&"rebootSentinel"));
        assert!(!keys_under(Version::new(5, 1, 0), "configuration").contains(&"concurrency"));
    }
}
