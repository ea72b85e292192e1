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
use crate::chart::{NEWEST_SUPPORTED, OLDEST_SUPPORTED, SentinelBand};

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
    let yaml = match SentinelBand::of(chart_version) {
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
        let rendered = render_kured(&ChartRequest {
            chart_version: chart.into(),
            values,
            release_name: "kured".into(),
            namespace: "kube-system".into(),
            ..Default::default()
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
