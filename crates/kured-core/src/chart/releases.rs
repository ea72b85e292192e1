//! Every kured chart release the model knows, and the chart versions at which the chart
//! changed something the model renders. Everything version-dependent in the chart model,
//! the documentation's version tables and every description that names the supported range
//! is derived from this file, so a new chart release is one row here (CONTRIBUTING.md).
//!
//! Read from `Chart.yaml`, `values.yaml` and `templates/daemonset.yaml` of `charts/kured`
//! in kubereboot/charts at each release tag (docs/guides/kured-chart.md lists the commits).

use crate::base::version::Version;

/// A released chart version and the kured version (`appVersion`) its Chart.yaml names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Release {
    /// The chart's version.
    pub chart: Version,
    /// The chart's `appVersion`: the kured image tag it deploys by default.
    pub app: Version,
}

const fn release(chart: (u32, u32, u32), app: (u32, u32, u32)) -> Release {
    Release {
        chart: Version::new(chart.0, chart.1, chart.2),
        app: Version::new(app.0, app.1, app.2),
    }
}

/// Every released chart version from 4.0.0 on, oldest first. There is no 5.7.x.
pub const RELEASES: &[Release] = &[
    release((4, 0, 0), (1, 10, 2)),
    release((4, 0, 1), (1, 10, 2)),
    release((4, 0, 2), (1, 10, 2)),
    release((4, 0, 3), (1, 10, 2)),
    release((4, 0, 4), (1, 10, 2)),
    release((4, 1, 0), (1, 11, 0)),
    release((4, 2, 0), (1, 12, 0)),
    release((4, 2, 1), (1, 12, 0)),
    release((4, 3, 0), (1, 12, 0)),
    release((4, 4, 0), (1, 12, 1)),
    release((4, 4, 1), (1, 12, 1)),
    release((4, 4, 2), (1, 12, 2)),
    release((4, 5, 0), (1, 13, 0)),
    release((4, 5, 1), (1, 13, 1)),
    release((4, 6, 0), (1, 13, 1)),
    release((4, 7, 0), (1, 13, 2)),
    release((5, 0, 0), (1, 13, 2)),
    release((5, 1, 0), (1, 13, 2)),
    release((5, 2, 0), (1, 14, 0)),
    release((5, 3, 0), (1, 14, 1)),
    release((5, 3, 1), (1, 14, 1)),
    release((5, 3, 2), (1, 14, 2)),
    release((5, 4, 0), (1, 15, 0)),
    release((5, 4, 1), (1, 15, 0)),
    release((5, 4, 2), (1, 15, 0)),
    release((5, 4, 3), (1, 15, 0)),
    release((5, 4, 4), (1, 15, 0)),
    release((5, 4, 5), (1, 15, 1)),
    release((5, 5, 0), (1, 16, 0)),
    release((5, 5, 1), (1, 16, 1)),
    release((5, 5, 2), (1, 16, 2)),
    release((5, 6, 0), (1, 17, 0)),
    release((5, 6, 1), (1, 17, 1)),
    release((5, 6, 2), (1, 17, 1)),
    release((5, 8, 0), (1, 19, 0)),
    release((5, 9, 0), (1, 20, 0)),
    release((5, 10, 0), (1, 20, 0)),
    release((5, 11, 0), (1, 21, 0)),
    release((5, 12, 0), (1, 22, 0)),
    release((5, 12, 1), (1, 22, 1)),
    release((6, 0, 0), (1, 22, 1)),
    release((6, 1, 0), (1, 23, 0)),
];

/// The oldest chart version modelled.
pub const OLDEST_SUPPORTED: Version = RELEASES[0].chart;
/// The newest chart version modelled; newer versions are rendered as this one.
pub const NEWEST_SUPPORTED: Version = RELEASES[RELEASES.len() - 1].chart;

/// The chart versions at which the chart changed what the model renders. Each is a
/// release in [`RELEASES`] (a test checks it).
pub mod since {
    use crate::base::version::Version;

    /// 4.0.1 alone ships the old Docker Hub image repository `weaveworks/kured`.
    pub const DOCKER_HUB_IMAGE: Version = Version::new(4, 0, 1);
    /// `configuration.metricsPort` (default 8080) renders `--metrics-port`.
    pub const METRICS_PORT: Version = Version::new(4, 7, 0);
    /// `metricsHost`, `alertFilterMatchOnly`, `drainPodSelector` and `concurrency`
    /// (default 1) render their flags.
    pub const CONCURRENCY: Version = Version::new(5, 2, 0);
    /// The sentinel hostPath mount, switched by a top-level `useRebootSentinelHostPath`
    /// that values.yaml does not define; `drainDelay`, `rebootMethod`, `rebootSignal`.
    pub const SENTINEL_MOUNT: Version = Version::new(5, 4, 0);
    /// The sentinel mount switched by `configuration.useRebootSentinelHostPath` (default
    /// true), and `rebootSentinel` defaulting to `/var/run/reboot-required`.
    pub const SENTINEL_MOUNT_BY_CONFIGURATION: Version = Version::new(5, 4, 1);
    /// User `volumeMounts` rendered at the right indent beside the sentinel mount (5.4.0
    /// and 5.4.1 break the manifest).
    pub const VOLUME_MOUNTS_INDENTED: Version = Version::new(5, 4, 2);

    /// Every milestone above, for the test that ties them to releases.
    pub const ALL: &[Version] = &[
        DOCKER_HUB_IMAGE,
        METRICS_PORT,
        CONCURRENCY,
        SENTINEL_MOUNT,
        SENTINEL_MOUNT_BY_CONFIGURATION,
        VOLUME_MOUNTS_INDENTED,
    ];
}

/// The supported range as descriptions and messages state it: `4.0.0 through 6.1.0`.
pub fn supported_range() -> String {
    format!("{OLDEST_SUPPORTED} through {NEWEST_SUPPORTED}")
}

/// The releases grouped by `appVersion`, in order: each entry is the chart versions that
/// ship one kured version, for the documentation's table.
pub fn releases_by_app_version() -> Vec<(Vec<Version>, Version)> {
    let mut groups: Vec<(Vec<Version>, Version)> = Vec::new();
    for r in RELEASES {
        match groups.last_mut() {
            Some((charts, app)) if *app == r.app => charts.push(r.chart),
            _ => groups.push((vec![r.chart], r.app)),
        }
    }
    groups
}

/// How a chart version's template renders the sentinel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SentinelBand {
    /// 4.0.0 - 5.3.2: the raw value as the arg, no sentinel volume.
    NoMount,
    /// 5.4.0: the mount is switched by a top-level `useRebootSentinelHostPath`, which the
    /// chart's own values.yaml does not define.
    TopLevelSwitch,
    /// 5.4.1 and newer: the mount is switched by `configuration.useRebootSentinelHostPath`
    /// (default true).
    ConfigurationSwitch,
}

impl SentinelBand {
    /// The band a (supported) chart version falls in.
    pub fn of(chart: Version) -> Self {
        if chart < since::SENTINEL_MOUNT {
            SentinelBand::NoMount
        } else if chart < since::SENTINEL_MOUNT_BY_CONFIGURATION {
            SentinelBand::TopLevelSwitch
        } else {
            SentinelBand::ConfigurationSwitch
        }
    }

    /// The values key that switches the sentinel mount on, if the band has one.
    pub fn switch_key(self) -> Option<&'static str> {
        match self {
            SentinelBand::NoMount => None,
            SentinelBand::TopLevelSwitch => Some("useRebootSentinelHostPath"),
            SentinelBand::ConfigurationSwitch => Some("configuration.useRebootSentinelHostPath"),
        }
    }
}

/// The release a requested chart version is rendered as.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// The requested version, capped at the newest modelled one.
    pub modelled_as: Version,
    /// The released chart at or before `modelled_as`, whose template and defaults apply.
    pub template: Version,
    /// That release's appVersion.
    pub app_version: Version,
    pub warnings: Vec<String>,
}

/// Finds the release whose template and defaults apply to `requested`: a version newer
/// than the newest modelled one is capped (with a warning), and an unreleased version in
/// range falls back on the release before it (with a warning). `None` when `requested` is
/// older than [`OLDEST_SUPPORTED`]: the caller says so with the supported range.
pub(crate) fn resolve(requested: Version) -> Option<Resolved> {
    if requested < OLDEST_SUPPORTED {
        return None;
    }
    let mut warnings = Vec::new();
    let modelled_as = if requested > NEWEST_SUPPORTED {
        warnings.push(format!(
            "chart version {requested} is newer than the newest modelled version {NEWEST_SUPPORTED}; it is rendered as {NEWEST_SUPPORTED}, so check its daemonset template if the sentinel handling changed"
        ));
        NEWEST_SUPPORTED
    } else {
        requested
    };
    let release = RELEASES.iter().rev().find(|r| r.chart <= modelled_as)?;
    if release.chart != modelled_as {
        warnings.push(format!(
            "chart version {modelled_as} was never released; it is rendered as the release before it, {}",
            release.chart
        ));
    }
    Some(Resolved {
        modelled_as,
        template: release.chart,
        app_version: release.app,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_are_strictly_ordered() {
        for pair in RELEASES.windows(2) {
            assert!(
                pair[0].chart < pair[1].chart,
                "{:?} before {:?}",
                pair[0],
                pair[1]
            );
            assert!(
                pair[0].app <= pair[1].app,
                "appVersion goes back at {:?}",
                pair[1]
            );
        }
    }

    #[test]
    fn every_milestone_is_a_release() {
        for milestone in since::ALL {
            assert!(
                RELEASES.iter().any(|r| r.chart == *milestone),
                "{milestone} is not a released chart version"
            );
        }
    }

    #[test]
    fn bands_change_only_at_their_milestones() {
        assert_eq!(SentinelBand::of(OLDEST_SUPPORTED), SentinelBand::NoMount);
        assert_eq!(
            SentinelBand::of(since::SENTINEL_MOUNT),
            SentinelBand::TopLevelSwitch
        );
        assert_eq!(
            SentinelBand::of(since::SENTINEL_MOUNT_BY_CONFIGURATION),
            SentinelBand::ConfigurationSwitch
        );
        assert_eq!(
            SentinelBand::of(NEWEST_SUPPORTED),
            SentinelBand::ConfigurationSwitch
        );
    }

    #[test]
    fn grouping_by_app_version_keeps_every_release_once() {
        let groups = releases_by_app_version();
        let flat: Vec<Version> = groups.iter().flat_map(|(c, _)| c.clone()).collect();
        let all: Vec<Version> = RELEASES.iter().map(|r| r.chart).collect();
        assert_eq!(flat, all);
        for pair in groups.windows(2) {
            assert_ne!(pair[0].1, pair[1].1);
        }
    }

    #[test]
    fn resolves_unreleased_and_newer_versions_with_warnings() {
        let unreleased = resolve(Version::new(5, 7, 0)).unwrap();
        assert_eq!(unreleased.template, Version::new(5, 6, 2));
        assert_eq!(unreleased.warnings.len(), 1);
        let newer = resolve(Version::new(99, 0, 0)).unwrap();
        assert_eq!(newer.modelled_as, NEWEST_SUPPORTED);
        assert!(resolve(Version::new(3, 9, 9)).is_none());
    }
}
