//! Values that make a given kured chart version watch a given node file.
//!
//! Each sentinel band needs different keys (see [`SentinelBand`]): before 5.4.0 kured
//! (1.14 and older) checks the path in the node's mount namespace, so the node path is
//! given as is; from 5.4.0 kured checks inside its container and the chart must mount the
//! node directory, which 5.4.0 switches with a top-level key and later charts with a
//! `configuration` key.

use serde_json::Value as Json;

use crate::base::node_path as gopath;
use crate::base::version::Version;
use crate::chart::releases::resolve;
use crate::chart::{
    NEWEST_SUPPORTED, OLDEST_SUPPORTED, SENTINEL_MOUNT_PATH, SENTINEL_VOLUME, SentinelBand,
};
use crate::kured::sentinel::CONTAINER_CHECK_SINCE;

/// Why no values can be recommended.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecommendError {
    /// The chart version is older than the oldest modelled one.
    #[error(
        "chart version {requested} is not supported: only kured chart versions {oldest} through {newest} are modelled"
    )]
    Unsupported {
        /// The version asked for.
        requested: Version,
        /// The oldest supported version.
        oldest: Version,
        /// The newest modelled version.
        newest: Version,
    },
    /// The node path is relative.
    #[error(
        "the sentinel path {path:?} is relative; give the absolute path of the file on the node, e.g. \"/var/run/reboot-required\""
    )]
    NotAbsolute {
        /// The path given.
        path: String,
    },
    /// The node path names a directory (the root) rather than a file.
    #[error(
        "the sentinel path {path:?} names the root directory, not a file; give the file kured should watch, e.g. \"/var/run/reboot-required\""
    )]
    NotAFile {
        /// The path given.
        path: String,
    },
}

/// YAML values (to be applied last) that make kured of `chart_version` watch the node file
/// `node_sentinel_path`. Versions newer than the newest modelled one get its values.
pub fn recommended_values(
    chart_version: Version,
    node_sentinel_path: &str,
) -> Result<String, RecommendError> {
    recommended_values_for(chart_version, None, node_sentinel_path)
}

/// Like [`recommended_values`], for the kured version the pods run (`image.tag` or the
/// provider's `image_tag` can differ from the chart's appVersion; `None` is the chart's
/// own). Where kured checks the file decides the values, not the chart alone: kured 1.14
/// and older need the node path and no sentinel mount, 1.15 and newer a mount, which the
/// charts before 5.4.0 only render from the user's own `volumes` and `volumeMounts`.
pub fn recommended_values_for(
    chart_version: Version,
    kured_version: Option<Version>,
    node_sentinel_path: &str,
) -> Result<String, RecommendError> {
    if chart_version < OLDEST_SUPPORTED {
        return Err(RecommendError::Unsupported {
            requested: chart_version,
            oldest: OLDEST_SUPPORTED,
            newest: NEWEST_SUPPORTED,
        });
    }
    if !node_sentinel_path.starts_with('/') {
        return Err(RecommendError::NotAbsolute {
            path: node_sentinel_path.to_string(),
        });
    }
    let path = gopath::clean(node_sentinel_path);
    if path == "/" {
        return Err(RecommendError::NotAFile {
            path: node_sentinel_path.to_string(),
        });
    }
    // JSON string syntax is valid YAML and escapes anything unusual in the path.
    let quoted = Json::String(path.clone()).to_string();
    let parent = Json::String(gopath::dir(&path)).to_string();
    // An empty command, since a command wins over the file wherever the chart passes it.
    let body = format!("  rebootSentinel: {quoted}\n  rebootSentinelCommand: \"\"\n");
    let band = SentinelBand::of(chart_version);
    let kured_version = kured_version.or_else(|| resolve(chart_version).map(|r| r.app_version));
    // An unknown version is taken as the newest, as everywhere else.
    let in_container = kured_version.is_none_or(|v| v >= CONTAINER_CHECK_SINCE);
    let kured = kured_version.map_or_else(|| "kured".to_string(), |v| format!("kured {v}"));
    let yaml = match band {
        SentinelBand::NoMount if in_container => {
            let base =
                Json::String(format!("{SENTINEL_MOUNT_PATH}/{}", gopath::base(&path))).to_string();
            format!(
                "# {kured} checks the sentinel inside its container, and chart {chart_version} mounts\n\
                 # nothing for it: mount the node directory {parent} read-only at {SENTINEL_MOUNT_PATH}.\n\
                 # Helm replaces lists: keep any volumes and volumeMounts of your own in these.\n\
                 configuration:\n  rebootSentinel: {base}\n  rebootSentinelCommand: \"\"\n\
                 volumes:\n  - name: {SENTINEL_VOLUME}\n    hostPath:\n      path: {parent}\n      type: Directory\n\
                 volumeMounts:\n  - name: {SENTINEL_VOLUME}\n    mountPath: {SENTINEL_MOUNT_PATH}\n    readOnly: true\n"
            )
        }
        SentinelBand::TopLevelSwitch | SentinelBand::ConfigurationSwitch if !in_container => {
            let switch = match band {
                SentinelBand::TopLevelSwitch => {
                    "useRebootSentinelHostPath: false\nconfiguration:\n".to_string()
                }
                _ => "configuration:\n  useRebootSentinelHostPath: false\n".to_string(),
            };
            format!(
                "# {kured} checks the sentinel in the node's filesystem: no mount, the node path itself.\n\
                 {switch}{body}"
            )
        }
        SentinelBand::NoMount => format!(
            "# kured 1.14 and older check the sentinel in the node's filesystem: give the node path.\n\
             configuration:\n{body}"
        ),
        SentinelBand::TopLevelSwitch => format!(
            "# Chart 5.4.0 mounts the sentinel's node directory ({parent}) only when this\n\
             # top-level key is set, although its values.yaml puts the switch under configuration.\n\
             useRebootSentinelHostPath: true\n\
             configuration:\n{body}"
        ),
        SentinelBand::ConfigurationSwitch => format!(
            "# The chart mounts the node directory {parent} read-only at /sentinel and points kured\n\
             # at the file's name there.\n\
             configuration:\n  useRebootSentinelHostPath: true\n{body}"
        ),
    };
    Ok(yaml)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{ChartRequest, render_kured};
    use crate::k8s::container::VolumeSource;

    /// The node file kured of a rendered chart watches, resolved by hand: through the
    /// longest mount that holds the arg's path and its hostPath volume, or, for kured 1.14
    /// and older, the arg itself.
    fn watched_node_file(chart: &str, values: Vec<String>) -> String {
        watched_node_file_of(chart, None, values)
    }

    /// [`watched_node_file`] with the image tag `image_tag` in place of the chart's own.
    fn watched_node_file_of(chart: &str, image_tag: Option<&str>, values: Vec<String>) -> String {
        let rendered = render_kured(&ChartRequest {
            chart_version: chart.into(),
            values,
            image_tag: image_tag.map(str::to_string),
            release_name: "kured".into(),
            namespace: "kube-system".into(),
            ..ChartRequest::default()
        })
        .unwrap();
        let kured = rendered.template.container("kured").unwrap();
        let arg = kured
            .args
            .iter()
            .rev()
            .find_map(|a| a.strip_prefix("--reboot-sentinel="))
            .unwrap()
            .to_string();
        if rendered.app_version.unwrap() < Version::new(1, 15, 0) {
            return arg;
        }
        let mount = kured
            .volume_mounts
            .iter()
            .filter(|m| arg.starts_with(&format!("{}/", m.mount_path)))
            .max_by_key(|m| m.mount_path.len())
            .unwrap();
        let rest = &arg[mount.mount_path.len()..];
        match &rendered.template.volume(&mount.name).unwrap().source {
            VolumeSource::HostPath { path, .. } => format!("{}{rest}", path.trim_end_matches('/')),
            other => panic!("sentinel mounted from {other:?}"),
        }
    }

    #[test]
    fn recommended_values_make_each_band_watch_the_node_file() {
        let charts = [
            "4.0.0", "4.7.0", "5.0.0", "5.3.2", "5.4.0", "5.4.1", "5.4.2", "5.11.0", "6.1.0",
            "7.0.0",
        ];
        let nodes = [
            "/var/run/gated-reboot-required",
            "/var/run/reboot-required",
            "/opt/x/y/flag",
        ];
        for chart in charts {
            for node in nodes {
                let recommended = recommended_values(chart.parse().unwrap(), node).unwrap();
                // Recommended values go last, after whatever the user already had.
                let user = "configuration:\n  rebootSentinel: /sentinel/gated-reboot-required\n"
                    .to_string();
                let got = watched_node_file(chart, vec![user, recommended.clone()]);
                assert_eq!(got, node, "chart {chart}, values:\n{recommended}");
            }
        }
    }

    #[test]
    fn recommended_values_follow_the_kured_version_the_pods_run() {
        // Old charts running a new kured need a mount; new charts running an old kured
        // need the mount off. Both with and without a mount of the user's own before.
        let cases = [
            ("4.7.0", "1.21.0"),
            ("5.3.2", "1.15.0"),
            ("5.4.0", "1.14.2"),
            ("5.11.0", "1.14.2"),
            ("5.11.0", "1.10.2"),
            ("5.3.2", "1.14.2"),
        ];
        let users = [
            "configuration:\n  rebootSentinel: /sentinel/gated-reboot-required\n",
            "useRebootSentinelHostPath: true\nconfiguration:\n  useRebootSentinelHostPath: true\n  rebootSentinel: /x/y\n",
        ];
        for (chart, tag) in cases {
            let recommended = recommended_values_for(
                chart.parse().unwrap(),
                Some(tag.parse().unwrap()),
                "/var/run/gated-reboot-required",
            )
            .unwrap();
            for user in users {
                let got = watched_node_file_of(
                    chart,
                    Some(tag),
                    vec![user.to_string(), recommended.clone()],
                );
                assert_eq!(
                    got, "/var/run/gated-reboot-required",
                    "chart {chart} kured {tag}, values:\n{recommended}"
                );
            }
        }
    }

    #[test]
    fn recommended_values_per_band() {
        let node = "/var//run/gated-reboot-required/";
        let cases = [
            (
                "5.3.2",
                "configuration:\n  rebootSentinel: \"/var/run/gated-reboot-required\"\n",
            ),
            ("5.4.0", "useRebootSentinelHostPath: true\nconfiguration:\n"),
            (
                "5.4.1",
                "configuration:\n  useRebootSentinelHostPath: true\n",
            ),
        ];
        for (chart, want) in cases {
            let got = recommended_values(chart.parse().unwrap(), node).unwrap();
            assert!(got.contains(want), "chart {chart}: {got}");
        }
    }

    #[test]
    fn refuses_bad_input() {
        let cases = [
            ("3.9.9", "/var/run/x", "not supported"),
            ("5.11.0", "var/run/x", "relative"),
            ("5.11.0", "", "relative"),
            ("5.11.0", "//", "root directory"),
            ("5.11.0", "/..", "root directory"),
        ];
        for (chart, node, want) in cases {
            let err = recommended_values(chart.parse().unwrap(), node).unwrap_err();
            assert!(err.to_string().contains(want), "{chart} {node:?}: {err}");
        }
    }
}
