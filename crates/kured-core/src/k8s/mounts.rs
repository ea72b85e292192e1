//! Where a container path lands on the node.
//!
//! A container path is a node file only when a volume mount covers it and that mount's
//! volume is a hostPath. Resolution records each step it takes, so a plan can show the
//! whole chain (container path → mount → volume → node path) and the exact link that
//! breaks when the path never reaches the node.

use std::fmt;

use crate::base::node_path::{clean, is_abs, join, strip_parent};
use crate::k8s::container::{Container, PodTemplate, Volume, VolumeMount, VolumeSource};

/// A container path that reaches a node file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The node path, cleaned (aliases such as `/var/run` are not applied here).
    pub node_path: String,
    /// Whether the covering mount is read-only: the container can read the file but never
    /// create it.
    pub read_only: bool,
    /// The covering mount's `mountPath`, as written (its merge key in a patch).
    pub mount_path: String,
    /// The chain from container path to node path, one human-readable link per entry.
    pub steps: Vec<String>,
}

/// A container path that does not reach a node file, with the chain up to the break.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Unreachable {
    /// The links followed before the chain broke.
    pub steps: Vec<String>,
    /// Why the chain broke.
    pub reason: UnreachableReason,
}

/// Why a container path is not a node file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnreachableReason {
    /// The container path is empty.
    EmptyPath,
    /// The container path is relative, so it depends on the process's working directory.
    RelativePath {
        /// The path as given.
        path: String,
    },
    /// No volume mount covers the path: it is in the container's own filesystem.
    NoMount {
        /// The cleaned container path.
        path: String,
        /// The container's name.
        container: String,
    },
    /// Two mounts of the container share the covering mount path; Kubernetes rejects such
    /// a pod.
    DuplicateMountPath {
        /// The cleaned mount path.
        mount_path: String,
        /// The names of the mounts at that path.
        mounts: Vec<String>,
    },
    /// The covering mount names a volume the pod does not define.
    MissingVolume {
        /// The mount's volume name.
        volume: String,
        /// The mount path.
        mount_path: String,
    },
    /// The covering mount's volume is not a hostPath, so its files are not node files.
    NotHostPath {
        /// The volume's name.
        volume: String,
        /// The volume's source field (`emptyDir`, `configMap`, ...).
        source: String,
        /// The mount path.
        mount_path: String,
    },
    /// The mount's subPath is absolute or climbs with `..`; Kubernetes rejects it.
    InvalidSubPath {
        /// The subPath as given.
        sub_path: String,
    },
    /// The hostPath volume's path is not absolute (for example `.` rendered from an empty
    /// chart value), so it names no fixed node directory.
    RelativeHostPath {
        /// The volume's name.
        volume: String,
        /// The hostPath as given.
        path: String,
    },
}

impl fmt::Display for UnreachableReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnreachableReason::EmptyPath => write!(
                f,
                "the container path is empty; give an absolute path such as /var/run/reboot-required"
            ),
            UnreachableReason::RelativePath { path } => write!(
                f,
                "container path {path:?} is relative, so it depends on the working directory; give an absolute path such as /var/run/reboot-required"
            ),
            UnreachableReason::NoMount { path, container } => write!(
                f,
                "no volume mount of container {container:?} covers {path}, so it is in the container's own filesystem and never a node file; mount a hostPath volume at {path} or one of its directories"
            ),
            UnreachableReason::DuplicateMountPath { mount_path, mounts } => write!(
                f,
                "volume mounts {} all mount at {mount_path}, which Kubernetes rejects; keep one mount per path",
                quoted_list(mounts)
            ),
            UnreachableReason::MissingVolume { volume, mount_path } => write!(
                f,
                "the volume mount at {mount_path} names volume {volume:?}, which the pod does not define; add the volume or fix the mount's name"
            ),
            UnreachableReason::NotHostPath {
                volume,
                source,
                mount_path,
            } => write!(
                f,
                "volume {volume:?} mounted at {mount_path} is not a hostPath but {source}, whose files exist only inside the pod, never on the node; use a hostPath volume"
            ),
            UnreachableReason::InvalidSubPath { sub_path } => write!(
                f,
                "subPath {sub_path:?} is absolute or contains \"..\", which Kubernetes rejects; give a relative path inside the volume"
            ),
            UnreachableReason::RelativeHostPath { volume, path } => write!(
                f,
                "hostPath volume {volume:?} has path {path:?}, which is not an absolute node directory; give an absolute path such as /var/run"
            ),
        }
    }
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves `path`, as seen by `container` of `template`, to a node path.
///
/// The covering mount is the one whose cleaned mountPath is the path or its longest
/// directory; its volume must be a hostPath.
pub fn resolve_container_path(
    template: &PodTemplate,
    container: &Container,
    path: &str,
) -> Result<Resolution, Unreachable> {
    let mut steps = Vec::new();
    let fail = |steps: Vec<String>, reason| Err(Unreachable { steps, reason });
    if path.is_empty() {
        return fail(steps, UnreachableReason::EmptyPath);
    }
    let cleaned = clean(path);
    steps.push(if cleaned == path {
        format!("container path {path}")
    } else {
        format!("container path {path} (cleaned: {cleaned})")
    });
    if !is_abs(&cleaned) {
        return fail(
            steps,
            UnreachableReason::RelativePath {
                path: path.to_string(),
            },
        );
    }

    let covering: Vec<(&VolumeMount, String, &str)> = container
        .volume_mounts
        .iter()
        .filter_map(|m| {
            let mount_path = clean(&m.mount_path);
            let rest = strip_parent(&cleaned, &mount_path)?;
            Some((m, mount_path, rest))
        })
        .collect();
    let Some(longest) = covering.iter().map(|(_, mp, _)| mp.len()).max() else {
        return fail(
            steps,
            UnreachableReason::NoMount {
                path: cleaned,
                container: container.name.clone(),
            },
        );
    };
    let winners: Vec<&(&VolumeMount, String, &str)> = covering
        .iter()
        .filter(|(_, mp, _)| mp.len() == longest)
        .collect();
    let (mount, mount_path, rest) = match winners.as_slice() {
        [only] => (only.0, only.1.as_str(), only.2),
        several => {
            let mount_path = several.first().map(|w| w.1.clone()).unwrap_or_default();
            return fail(
                steps,
                UnreachableReason::DuplicateMountPath {
                    mount_path,
                    mounts: several.iter().map(|w| w.0.name.clone()).collect(),
                },
            );
        }
    };

    let sub_path = mount.sub_path.as_deref().filter(|s| !s.is_empty());
    steps.push(describe_mount(mount, mount_path, sub_path));

    let Some(volume) = template.volume(&mount.name) else {
        return fail(
            steps,
            UnreachableReason::MissingVolume {
                volume: mount.name.clone(),
                mount_path: mount_path.to_string(),
            },
        );
    };
    let (host_path, kind) = match &volume.source {
        VolumeSource::HostPath { path, kind } => (path, kind),
        other => {
            steps.push(format!(
                "volume {:?} is {}",
                volume.name,
                other.field_name()
            ));
            return fail(
                steps,
                UnreachableReason::NotHostPath {
                    volume: volume.name.clone(),
                    source: other.field_name().to_string(),
                    mount_path: mount_path.to_string(),
                },
            );
        }
    };
    steps.push(match kind {
        Some(kind) if !kind.is_empty() => format!("hostPath {host_path} (type {kind})"),
        _ => format!("hostPath {host_path}"),
    });
    if !is_abs(host_path) {
        return fail(
            steps,
            UnreachableReason::RelativeHostPath {
                volume: volume.name.clone(),
                path: host_path.clone(),
            },
        );
    }
    if let Some(sub) = sub_path
        && (is_abs(sub) || sub.split('/').any(|c| c == ".."))
    {
        return fail(
            steps,
            UnreachableReason::InvalidSubPath {
                sub_path: sub.to_string(),
            },
        );
    }
    let node_path = join(&[host_path.as_str(), sub_path.unwrap_or(""), rest]);
    steps.push(format!("node path {node_path}"));
    Ok(Resolution {
        node_path,
        read_only: mount.read_only,
        mount_path: mount.mount_path.clone(),
        steps,
    })
}

fn describe_mount(mount: &VolumeMount, mount_path: &str, sub_path: Option<&str>) -> String {
    let mut text = format!("volumeMount {:?} at {mount_path}", mount.name);
    if let Some(sub) = sub_path {
        text.push_str(&format!(" subPath {sub:?}"));
    }
    if mount.read_only {
        text.push_str(" (read-only)");
    }
    text.push_str(&format!(" of volume {:?}", mount.name));
    text
}

/// A single hostPath mount described directly, without a pod: what the Terraform
/// resource accepts when the user states how the gate mounts the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredMount {
    /// The node directory (or file) the hostPath volume exposes.
    pub host_path: String,
    /// Where the container sees it.
    pub mount_path: String,
    /// A path inside the volume to mount instead of its root.
    pub sub_path: Option<String>,
    /// Whether the mount is read-only.
    pub read_only: bool,
}

/// The name given to the volume and container built for a [`DeclaredMount`]; it shows
/// in the steps.
pub const DECLARED_NAME: &str = "declared";

/// Resolves `path` through one declared hostPath mount, by the same rules as a pod.
pub fn resolve_declared_mount(
    mount: &DeclaredMount,
    path: &str,
) -> Result<Resolution, Unreachable> {
    let template = PodTemplate {
        containers: vec![Container {
            name: DECLARED_NAME.to_string(),
            volume_mounts: vec![VolumeMount {
                name: DECLARED_NAME.to_string(),
                mount_path: mount.mount_path.clone(),
                sub_path: mount.sub_path.clone(),
                read_only: mount.read_only,
            }],
            ..Container::default()
        }],
        volumes: vec![Volume {
            name: DECLARED_NAME.to_string(),
            source: VolumeSource::HostPath {
                path: mount.host_path.clone(),
                kind: None,
            },
        }],
    };
    let container = template.containers.first().cloned().unwrap_or_default();
    resolve_container_path(&template, &container, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(name: &str, at: &str, sub: Option<&str>, ro: bool) -> VolumeMount {
        VolumeMount {
            name: name.into(),
            mount_path: at.into(),
            sub_path: sub.map(Into::into),
            read_only: ro,
        }
    }

    fn host(name: &str, path: &str) -> Volume {
        Volume {
            name: name.into(),
            source: VolumeSource::HostPath {
                path: path.into(),
                kind: Some("Directory".into()),
            },
        }
    }

    fn other(name: &str, source: VolumeSource) -> Volume {
        Volume {
            name: name.into(),
            source,
        }
    }

    fn pod(mounts: Vec<VolumeMount>, volumes: Vec<Volume>) -> PodTemplate {
        PodTemplate {
            containers: vec![Container {
                name: "c".into(),
                volume_mounts: mounts,
                ..Container::default()
            }],
            volumes,
        }
    }

    fn run(template: &PodTemplate, path: &str) -> Result<Resolution, Unreachable> {
        let container = template.container("c").cloned().unwrap();
        resolve_container_path(template, &container, path)
    }

    #[test]
    fn resolves_to_node_paths() {
        let cases: Vec<(&str, PodTemplate, &str, &str, bool)> = vec![
            (
                "exact file under a directory mount",
                pod(
                    vec![mount("sentinel", "/sentinel", None, true)],
                    vec![host("sentinel", "/var/run")],
                ),
                "/sentinel/gated-reboot-required",
                "/var/run/gated-reboot-required",
                true,
            ),
            (
                "unclean container and mount paths",
                pod(
                    vec![mount("v", "/host//var-run/", None, false)],
                    vec![host("v", "/var/run/")],
                ),
                "/host/var-run/./x",
                "/var/run/x",
                false,
            ),
            (
                "longest mount wins",
                pod(
                    vec![
                        mount("root", "/host", None, true),
                        mount("run", "/host/var-run", None, false),
                    ],
                    vec![host("root", "/"), host("run", "/var/run")],
                ),
                "/host/var-run/x",
                "/var/run/x",
                false,
            ),
            (
                "shorter mount covers the rest",
                pod(
                    vec![
                        mount("root", "/host", None, true),
                        mount("run", "/host/var-run", None, false),
                    ],
                    vec![host("root", "/"), host("run", "/var/run")],
                ),
                "/host/var-runx/x",
                "/var-runx/x",
                true,
            ),
            (
                "subPath",
                pod(
                    vec![mount("v", "/sentinel", Some("run"), false)],
                    vec![host("v", "/var")],
                ),
                "/sentinel/reboot-required",
                "/var/run/reboot-required",
                false,
            ),
            (
                "mount of the file itself",
                pod(
                    vec![mount("v", "/flag", None, false)],
                    vec![host("v", "/var/run/reboot-required")],
                ),
                "/flag",
                "/var/run/reboot-required",
                false,
            ),
        ];
        for (name, template, path, want, read_only) in cases {
            let got = run(&template, path).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got.node_path, want, "{name}");
            assert_eq!(got.read_only, read_only, "{name}");
            assert_eq!(
                got.steps.last().unwrap(),
                &format!("node path {want}"),
                "{name}"
            );
        }
    }

    #[test]
    fn steps_read_as_a_chain() {
        let template = pod(
            vec![mount("sentinel", "/sentinel", None, true)],
            vec![host("sentinel", "/var/run")],
        );
        let got = run(&template, "/sentinel/gated-reboot-required").unwrap();
        assert_eq!(
            got.steps,
            vec![
                "container path /sentinel/gated-reboot-required",
                "volumeMount \"sentinel\" at /sentinel (read-only) of volume \"sentinel\"",
                "hostPath /var/run (type Directory)",
                "node path /var/run/gated-reboot-required",
            ]
        );
    }

    #[test]
    fn reports_why_a_path_is_unreachable() {
        type Check = fn(&UnreachableReason) -> bool;
        let cases: Vec<(&str, PodTemplate, &str, Check, &str)> = vec![
            (
                "empty",
                pod(vec![], vec![]),
                "",
                |r| matches!(r, UnreachableReason::EmptyPath),
                "is empty",
            ),
            (
                "relative",
                pod(vec![mount("v", "/", None, false)], vec![host("v", "/")]),
                "sentinel/x",
                |r| matches!(r, UnreachableReason::RelativePath { .. }),
                "is relative",
            ),
            (
                "no mount",
                pod(
                    vec![mount("v", "/other", None, false)],
                    vec![host("v", "/")],
                ),
                "/sentinel/x",
                |r| matches!(r, UnreachableReason::NoMount { .. }),
                "container's own filesystem",
            ),
            (
                "prefix that is not a directory",
                pod(
                    vec![mount("v", "/var/run", None, false)],
                    vec![host("v", "/run")],
                ),
                "/var/runx/y",
                |r| matches!(r, UnreachableReason::NoMount { .. }),
                "own filesystem",
            ),
            (
                "emptyDir",
                pod(
                    vec![mount("v", "/sentinel", None, false)],
                    vec![other("v", VolumeSource::EmptyDir)],
                ),
                "/sentinel/x",
                |r| matches!(r, UnreachableReason::NotHostPath { source, .. } if source == "emptyDir"),
                "not a hostPath but emptyDir",
            ),
            (
                "configMap",
                pod(
                    vec![mount("v", "/sentinel", None, true)],
                    vec![other("v", VolumeSource::ConfigMap)],
                ),
                "/sentinel/x",
                |r| matches!(r, UnreachableReason::NotHostPath { source, .. } if source == "configMap"),
                "configMap",
            ),
            (
                "missing volume",
                pod(vec![mount("gone", "/sentinel", None, true)], vec![]),
                "/sentinel/x",
                |r| matches!(r, UnreachableReason::MissingVolume { .. }),
                "does not define",
            ),
            (
                "duplicate mount path",
                pod(
                    vec![mount("a", "/s", None, true), mount("b", "/s/", None, true)],
                    vec![host("a", "/a"), host("b", "/b")],
                ),
                "/s/x",
                |r| matches!(r, UnreachableReason::DuplicateMountPath { mounts, .. } if mounts.len() == 2),
                "\"a\", \"b\"",
            ),
            (
                "climbing subPath",
                pod(
                    vec![mount("v", "/s", Some("../etc"), true)],
                    vec![host("v", "/var")],
                ),
                "/s/x",
                |r| matches!(r, UnreachableReason::InvalidSubPath { .. }),
                "subPath",
            ),
            (
                "relative hostPath",
                pod(
                    vec![mount("v", "/sentinel", None, true)],
                    vec![host("v", ".")],
                ),
                "/sentinel/x",
                |r| matches!(r, UnreachableReason::RelativeHostPath { .. }),
                "not an absolute node directory",
            ),
        ];
        for (name, template, path, check, text) in cases {
            let err = run(&template, path).expect_err(name);
            assert!(check(&err.reason), "{name}: {:?}", err.reason);
            assert!(err.to_string().contains(text), "{name}: {err}");
        }
    }

    #[test]
    fn unreachable_keeps_the_steps_so_far() {
        let template = pod(
            vec![mount("v", "/sentinel", None, false)],
            vec![other("v", VolumeSource::EmptyDir)],
        );
        let err = run(&template, "/sentinel/x").unwrap_err();
        assert_eq!(
            err.steps,
            vec![
                "container path /sentinel/x",
                "volumeMount \"v\" at /sentinel of volume \"v\"",
                "volume \"v\" is emptyDir",
            ]
        );
    }

    #[test]
    fn declared_mount_follows_the_same_rules() {
        let cases = [
            (
                "/var/run",
                "/host/var-run",
                None,
                "/host/var-run/gated-reboot-required",
                Ok("/var/run/gated-reboot-required"),
            ),
            ("/var", "/host", Some("run"), "/host/x", Ok("/var/run/x")),
            (
                "/var/run",
                "/host/var-run",
                None,
                "/elsewhere/x",
                Err("own filesystem"),
            ),
            (
                "sentinel",
                "/sentinel",
                None,
                "/sentinel/x",
                Err("not an absolute"),
            ),
        ];
        for (host_path, mount_path, sub, path, want) in cases {
            let declared = DeclaredMount {
                host_path: host_path.into(),
                mount_path: mount_path.into(),
                sub_path: sub.map(Into::into),
                read_only: false,
            };
            match (resolve_declared_mount(&declared, path), want) {
                (Ok(got), Ok(want)) => assert_eq!(got.node_path, want),
                (Err(err), Err(text)) => assert!(err.to_string().contains(text), "{err}"),
                (got, want) => panic!("{path}: got {got:?}, want {want:?}"),
            }
        }
    }

    /// Paths built from the components that make resolution interesting: empty ones,
    /// `.`, `..`, repeated slashes and names shared between mount and container paths.
    fn any_path() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let part = prop_oneof![
            Just(String::new()),
            Just(".".to_string()),
            Just("..".to_string()),
            Just("var".to_string()),
            Just("run".to_string()),
            "[a-c]{1,2}",
        ];
        (any::<bool>(), prop::collection::vec(part, 0..6)).prop_map(|(rooted, parts)| {
            let joined = parts.join("/");
            if rooted { format!("/{joined}") } else { joined }
        })
    }

    fn assert_under(node_path: &str, host_path: &str) {
        let host = clean(host_path);
        assert!(
            strip_parent(node_path, &host).is_some(),
            "{node_path} is outside hostPath {host}"
        );
        assert!(
            is_abs(node_path) && !node_path.split('/').any(|c| c == ".." || c == "."),
            "{node_path} is not a clean absolute path"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn a_declared_mount_never_resolves_outside_its_host_path(
            host_path in any_path(),
            mount_path in any_path(),
            sub_path in proptest::option::of(any_path()),
            path in any_path(),
            below_mount in proptest::prelude::any::<bool>(),
        ) {
            let declared = DeclaredMount { host_path: host_path.clone(), mount_path: mount_path.clone(), sub_path, read_only: false };
            // Half the paths start at the mount, so most of them are covered at all.
            let path = if below_mount { format!("{mount_path}/{path}") } else { path };
            if let Ok(resolution) = resolve_declared_mount(&declared, &path) {
                assert_under(&resolution.node_path, &host_path);
            }
        }

        #[test]
        fn a_pod_mount_never_resolves_outside_its_host_path(
            mounts in proptest::collection::vec((any_path(), proptest::option::of(any_path()), any_path()), 1..4),
            path in any_path(),
        ) {
            let names: Vec<String> = (0..mounts.len()).map(|i| format!("v{i}")).collect();
            let container = Container {
                name: "c".into(),
                volume_mounts: mounts
                    .iter()
                    .zip(&names)
                    .map(|((at, sub, _), name)| mount(name, at, sub.as_deref(), false))
                    .collect(),
                ..Container::default()
            };
            let template = PodTemplate {
                containers: vec![container.clone()],
                volumes: mounts.iter().zip(&names).map(|((_, _, hp), name)| host(name, hp)).collect(),
            };
            if let Ok(resolution) = resolve_container_path(&template, &container, &path) {
                let under_some = mounts.iter().any(|(_, _, hp)| {
                    is_abs(hp) && strip_parent(&resolution.node_path, &clean(hp)).is_some()
                });
                proptest::prop_assert!(under_some, "{path} resolved to {}", resolution.node_path);
                assert_under(&resolution.node_path, "/");
            }
        }
    }
}
