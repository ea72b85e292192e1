//! From a pod template to the node files kured and the sentinel gate use.
//!
//! kured's side combines the effective sentinel (flags, env, version) with the mounts;
//! the gate's side is the mounts alone. Both end in a canonical node path, so the caller
//! can compare them with aliases such as `/var/run` → `/run` applied.

use crate::base::node_path::HostPathAliases;
use crate::base::node_path::{clean, is_abs};
use crate::base::version::Version;
use crate::k8s::container::PodTemplate;
use crate::k8s::mounts::{
    DeclaredMount, Resolution, Unreachable, resolve_container_path, resolve_declared_mount,
};
use crate::kured::sentinel::{EffectiveSentinel, Sentinel, SentinelSource, effective_sentinel};

/// Why a resolution could not even start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The pod template has no container of that name.
    #[error("the pod has no container {name:?}; its containers are {}", quoted(.available))]
    ContainerNotFound {
        /// The name asked for.
        name: String,
        /// The containers that exist.
        available: Vec<String>,
    },
}

fn quoted(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    items
        .iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What kured checks on the node, with the whole chain of reasoning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KuredResolution {
    /// Every step: version, args, env, mounts, node path.
    pub steps: Vec<String>,
    /// The end of the chain.
    pub outcome: KuredOutcome,
}

/// Where kured's sentinel ends up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KuredOutcome {
    /// kured tests this node file.
    NodeFile {
        /// The node path, cleaned.
        node_path: String,
        /// The node path with host path aliases applied, for comparison.
        canonical: String,
        /// Where kured's sentinel path came from.
        source: SentinelSource,
    },
    /// kured runs a command instead of testing a file; no file to compare.
    Command {
        /// The command line.
        command: String,
    },
    /// Only the cluster knows the sentinel.
    Unknowable {
        /// What hides it.
        reason: String,
    },
    /// kured exits at start-up with this configuration.
    Rejected {
        /// What kured refuses.
        reason: String,
    },
    /// kured tests a path that is not a node file, so it never sees the node's sentinel.
    Unreachable(Unreachable),
}

/// Resolves the node file kured of `container_name` checks. `app_version` is kured's
/// version; `None` assumes the newest behaviour.
pub fn resolve_kured_sentinel(
    template: &PodTemplate,
    container_name: &str,
    app_version: Option<Version>,
    aliases: &HostPathAliases,
) -> Result<KuredResolution, ResolveError> {
    let container = find_container(template, container_name)?;
    let EffectiveSentinel {
        sentinel,
        mut steps,
    } = effective_sentinel(container, app_version);
    let outcome = match sentinel {
        Sentinel::Command { command } => KuredOutcome::Command { command },
        Sentinel::Unknowable { reason } => KuredOutcome::Unknowable { reason },
        Sentinel::Rejected { reason } => KuredOutcome::Rejected { reason },
        Sentinel::File {
            path,
            source,
            node_namespace: true,
        } => match node_namespace_path(&path, steps.clone()) {
            Ok(node_path) => {
                steps.push(format!("node path {node_path}"));
                node_file(node_path, source, aliases, &mut steps)
            }
            Err(unreachable) => KuredOutcome::Unreachable(unreachable),
        },
        Sentinel::File {
            path,
            source,
            node_namespace: false,
        } => match resolve_container_path(template, container, &path) {
            Ok(Resolution {
                node_path,
                steps: mount_steps,
                ..
            }) => {
                steps.extend(mount_steps);
                node_file(node_path, source, aliases, &mut steps)
            }
            Err(unreachable) => {
                steps.extend(unreachable.steps.iter().cloned());
                KuredOutcome::Unreachable(Unreachable {
                    steps: steps.clone(),
                    reason: unreachable.reason,
                })
            }
        },
    };
    Ok(KuredResolution { steps, outcome })
}

/// In the node's mount namespace the path needs no mount, but it must still be absolute.
fn node_namespace_path(path: &str, steps: Vec<String>) -> Result<String, Unreachable> {
    use crate::k8s::mounts::UnreachableReason;
    if path.is_empty() {
        return Err(Unreachable {
            steps,
            reason: UnreachableReason::EmptyPath,
        });
    }
    let cleaned = clean(path);
    if !is_abs(&cleaned) {
        return Err(Unreachable {
            steps,
            reason: UnreachableReason::RelativePath {
                path: path.to_string(),
            },
        });
    }
    Ok(cleaned)
}

fn node_file(
    node_path: String,
    source: SentinelSource,
    aliases: &HostPathAliases,
    steps: &mut Vec<String>,
) -> KuredOutcome {
    let canonical = aliases.canonical(&node_path);
    if canonical != node_path {
        steps.push(format!("same file as {canonical}"));
    }
    KuredOutcome::NodeFile {
        node_path,
        canonical,
        source,
    }
}

/// The node file the gate writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatePath {
    /// The node path, cleaned.
    pub node_path: String,
    /// The node path with host path aliases applied, for comparison.
    pub canonical: String,
    /// Whether the gate's mount is read-only, in which case the gate cannot create the
    /// file; the caller should reject that.
    pub read_only: bool,
    /// Where the gate's file is mounted: the container and the mount's `mountPath` in a
    /// DaemonSet; `None` for a mount declared in the policy itself.
    pub mount: Option<GateMount>,
    /// The chain from container path to node path.
    pub steps: Vec<String>,
}

/// The gate container's mount that holds its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateMount {
    /// The container's name.
    pub container: String,
    /// The mount's `mountPath`, as written.
    pub mount_path: String,
}

/// Why the gate's file could not be placed on the node.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    /// The container does not exist.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// The gate's path is not a node file.
    #[error("the gate's file never reaches the node: {0}")]
    Unreachable(#[from] Unreachable),
}

/// Resolves the node file the gate's container `container_name` writes at
/// `container_path`.
pub fn resolve_gate_path(
    template: &PodTemplate,
    container_name: &str,
    container_path: &str,
    aliases: &HostPathAliases,
) -> Result<GatePath, GateError> {
    let container = find_container(template, container_name)?;
    let resolution = resolve_container_path(template, container, container_path)?;
    let mount = GateMount {
        container: container.name.clone(),
        mount_path: resolution.mount_path.clone(),
    };
    Ok(GatePath {
        mount: Some(mount),
        ..gate_path(resolution, aliases)
    })
}

/// Resolves the node file the gate writes at `container_path` through one declared
/// hostPath mount.
pub fn resolve_declared_gate_path(
    mount: &DeclaredMount,
    container_path: &str,
    aliases: &HostPathAliases,
) -> Result<GatePath, GateError> {
    let resolution = resolve_declared_mount(mount, container_path)?;
    Ok(gate_path(resolution, aliases))
}

fn gate_path(resolution: Resolution, aliases: &HostPathAliases) -> GatePath {
    let Resolution {
        node_path,
        read_only,
        mut steps,
        ..
    } = resolution;
    let canonical = aliases.canonical(&node_path);
    if canonical != node_path {
        steps.push(format!("same file as {canonical}"));
    }
    GatePath {
        node_path,
        canonical,
        read_only,
        mount: None,
        steps,
    }
}

fn find_container<'a>(
    template: &'a PodTemplate,
    name: &str,
) -> Result<&'a crate::k8s::container::Container, ResolveError> {
    template
        .container(name)
        .ok_or_else(|| ResolveError::ContainerNotFound {
            name: name.to_string(),
            available: template.containers.iter().map(|c| c.name.clone()).collect(),
        })
}

/// Why a hostPath derived from a sentinel value is not a usable node directory.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostPathError {
    /// The path is empty, `.` or otherwise relative (the chart's `dir` of an empty or
    /// relative sentinel), so the volume names no fixed node directory.
    #[error(
        "the hostPath {path:?} is not an absolute node directory (it comes from a sentinel path without a leading /); use an absolute sentinel path such as /var/run/reboot-required"
    )]
    NotAbsolute {
        /// The path as derived.
        path: String,
    },
}

/// Checks that a derived hostPath names an absolute node directory.
pub fn check_host_path_dir(path: &str) -> Result<(), HostPathError> {
    if is_abs(&clean(path)) {
        Ok(())
    } else {
        Err(HostPathError::NotAbsolute {
            path: path.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::container::{Container, Volume, VolumeMount, VolumeSource};
    use crate::k8s::manifest::parse_daemonset;
    use crate::k8s::mounts::UnreachableReason;

    fn v(s: &str) -> Option<Version> {
        Some(s.parse().unwrap())
    }

    fn template(
        args: &[&str],
        mounts: &[(&str, &str, Option<&str>, bool)],
        volumes: &[(&str, Option<&str>)],
    ) -> PodTemplate {
        PodTemplate {
            containers: vec![Container {
                name: "kured".into(),
                args: args.iter().map(|s| s.to_string()).collect(),
                volume_mounts: mounts
                    .iter()
                    .map(|(name, at, sub, ro)| VolumeMount {
                        name: name.to_string(),
                        mount_path: at.to_string(),
                        sub_path: sub.map(Into::into),
                        read_only: *ro,
                    })
                    .collect(),
                ..Container::default()
            }],
            volumes: volumes
                .iter()
                .map(|(name, host)| Volume {
                    name: name.to_string(),
                    source: match host {
                        Some(path) => VolumeSource::HostPath {
                            path: path.to_string(),
                            kind: Some("Directory".into()),
                        },
                        None => VolumeSource::EmptyDir,
                    },
                })
                .collect(),
        }
    }

    /// The expected end of a kured resolution: a canonical node path or a marker.
    fn outcome_key(outcome: &KuredOutcome) -> String {
        match outcome {
            KuredOutcome::NodeFile { canonical, .. } => canonical.clone(),
            KuredOutcome::Command { .. } => "command".into(),
            KuredOutcome::Unknowable { .. } => "unknowable".into(),
            KuredOutcome::Rejected { .. } => "rejected".into(),
            KuredOutcome::Unreachable(u) => {
                format!("unreachable: {:?}", std::mem::discriminant(&u.reason))
            }
        }
    }

    #[test]
    fn resolves_kured_sentinels() {
        let unreachable_nomount = format!(
            "unreachable: {:?}",
            std::mem::discriminant(&UnreachableReason::NoMount {
                path: String::new(),
                container: String::new()
            })
        );
        let unreachable_relative = format!(
            "unreachable: {:?}",
            std::mem::discriminant(&UnreachableReason::RelativePath {
                path: String::new()
            })
        );
        let unreachable_emptydir = format!(
            "unreachable: {:?}",
            std::mem::discriminant(&UnreachableReason::NotHostPath {
                volume: String::new(),
                source: String::new(),
                mount_path: String::new()
            })
        );
        let chart = [("sentinel", "/sentinel", None, true)];
        let cases: Vec<(&str, PodTemplate, Option<Version>, String)> = vec![
            (
                "chart 5.11 default",
                template(
                    &["--reboot-sentinel=/sentinel/reboot-required"],
                    &chart,
                    &[("sentinel", Some("/var/run"))],
                ),
                v("1.21.0"),
                "/run/reboot-required".into(),
            ),
            (
                "subPath",
                template(
                    &["--reboot-sentinel=/sentinel/reboot-required"],
                    &[("sentinel", "/sentinel", Some("run"), true)],
                    &[("sentinel", Some("/var"))],
                ),
                v("1.21.0"),
                "/run/reboot-required".into(),
            ),
            (
                "1.14.2 uses the node path",
                template(&["--reboot-sentinel=/var/run/x"], &[], &[]),
                v("1.14.2"),
                "/run/x".into(),
            ),
            (
                "1.15.0 needs a mount",
                template(&["--reboot-sentinel=/var/run/x"], &[], &[]),
                v("1.15.0"),
                unreachable_nomount.clone(),
            ),
            (
                "1.14.2 relative path",
                template(&["--reboot-sentinel=x"], &[], &[]),
                v("1.14.2"),
                unreachable_relative.clone(),
            ),
            (
                "relative path",
                template(
                    &["--reboot-sentinel=sentinel/x"],
                    &chart,
                    &[("sentinel", Some("/var/run"))],
                ),
                v("1.21.0"),
                unreachable_relative,
            ),
            (
                "emptyDir",
                template(
                    &["--reboot-sentinel=/sentinel/x"],
                    &chart,
                    &[("sentinel", None)],
                ),
                v("1.21.0"),
                unreachable_emptydir,
            ),
            (
                "default without mount",
                template(&[], &[], &[]),
                None,
                unreachable_nomount,
            ),
            (
                "command mode",
                template(&["--reboot-sentinel-command=/bin/true"], &[], &[]),
                v("1.21.0"),
                "command".into(),
            ),
            (
                "single dash",
                template(&["-reboot-sentinel=/x"], &[], &[]),
                v("1.21.0"),
                "rejected".into(),
            ),
        ];
        for (name, template, version, want) in cases {
            let got =
                resolve_kured_sentinel(&template, "kured", version, &HostPathAliases::default())
                    .unwrap();
            assert_eq!(outcome_key(&got.outcome), want, "{name}: {:#?}", got.steps);
        }
    }

    #[test]
    fn unknown_container_lists_the_others() {
        let t = template(&[], &[], &[]);
        let err =
            resolve_kured_sentinel(&t, "nope", None, &HostPathAliases::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the pod has no container \"nope\"; its containers are \"kured\""
        );
        let err = resolve_gate_path(&t, "gate", "/x", &HostPathAliases::default()).unwrap_err();
        assert!(matches!(err, GateError::Resolve(_)), "{err}");
    }

    #[test]
    fn gate_paths_report_read_only_and_aliases() {
        let cases = [
            (
                "/var/run",
                "/host/var-run",
                false,
                "/host/var-run/gated-reboot-required",
                "/var/run/gated-reboot-required",
                "/run/gated-reboot-required",
            ),
            ("/run", "/host/run", true, "/host/run/g", "/run/g", "/run/g"),
            (
                "/",
                "/host",
                false,
                "/host/var/lock/g",
                "/var/lock/g",
                "/run/lock/g",
            ),
        ];
        for (host_path, mount_path, read_only, path, node_path, canonical) in cases {
            let mount = DeclaredMount {
                host_path: host_path.into(),
                mount_path: mount_path.into(),
                sub_path: None,
                read_only,
            };
            let got =
                resolve_declared_gate_path(&mount, path, &HostPathAliases::default()).unwrap();
            assert_eq!(
                (
                    got.node_path.as_str(),
                    got.canonical.as_str(),
                    got.read_only
                ),
                (node_path, canonical, read_only)
            );
        }
        let mount = DeclaredMount {
            host_path: "/var/run".into(),
            mount_path: "/host".into(),
            sub_path: None,
            read_only: false,
        };
        let err =
            resolve_declared_gate_path(&mount, "/tmp/x", &HostPathAliases::default()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the gate's file never reaches the node: no volume mount"),
            "{err}"
        );
    }

    #[test]
    fn host_path_dirs_must_be_absolute() {
        let cases = [
            ("/var/run", true),
            ("/", true),
            ("/var//run/", true),
            (".", false),
            ("", false),
            ("sentinel", false),
            ("../var/run", false),
        ];
        for (path, ok) in cases {
            assert_eq!(check_host_path_dir(path).is_ok(), ok, "{path:?}");
        }
    }

    /// The incident: kured 1.21.0 (chart 5.11.0) looked at the node's /sentinel while the
    /// gate wrote into the node's /var/run; both reported success for six days.
    #[test]
    fn the_incident_is_two_different_node_files() {
        let kured = parse_daemonset(
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kured, namespace: kube-system}
spec:
  template:
    spec:
      containers:
        - name: kured
          image: ghcr.io/kubereboot/kured:1.21.0
          command: [/usr/bin/kured]
          args: [--reboot-sentinel=/sentinel/gated-reboot-required, --period=1h]
          volumeMounts: [{name: sentinel, mountPath: /sentinel, readOnly: true}]
      volumes:
        - name: sentinel
          hostPath: {path: /sentinel, type: Directory}
"#,
        )
        .unwrap();
        let gate = parse_daemonset(
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: sentinel-gate}
spec:
  template:
    spec:
      containers:
        - name: gate
          volumeMounts: [{name: var-run, mountPath: /host/var-run}]
      volumes:
        - name: var-run
          hostPath: {path: /var/run, type: Directory}
"#,
        )
        .unwrap();
        let aliases = HostPathAliases::default();
        let kured_side =
            resolve_kured_sentinel(&kured.template, "kured", v("1.21.0"), &aliases).unwrap();
        let gate_side = resolve_gate_path(
            &gate.template,
            "gate",
            "/host/var-run/gated-reboot-required",
            &aliases,
        )
        .unwrap();

        let KuredOutcome::NodeFile {
            node_path,
            canonical,
            source,
        } = &kured_side.outcome
        else {
            panic!("{:?}", kured_side.outcome);
        };
        assert_eq!(node_path, "/sentinel/gated-reboot-required");
        assert_eq!(*source, SentinelSource::Flag);
        assert_eq!(gate_side.node_path, "/var/run/gated-reboot-required");
        assert!(!gate_side.read_only);
        assert!(!aliases.same_file(node_path, &gate_side.node_path));
        assert_ne!(canonical, &gate_side.canonical);
        assert_eq!(
            kured_side.steps,
            vec![
                "kured 1.21.0",
                "command /usr/bin/kured: kured's arguments are the rest of command, then args",
                "arg --reboot-sentinel=/sentinel/gated-reboot-required",
                "kured >= 1.15.0 tests /sentinel/gated-reboot-required inside the container: a container path",
                "container path /sentinel/gated-reboot-required",
                "volumeMount \"sentinel\" at /sentinel (read-only) of volume \"sentinel\"",
                "hostPath /sentinel (type Directory)",
                "node path /sentinel/gated-reboot-required",
            ]
        );

        // The fix: rebootSentinel=/var/run/gated-reboot-required, so the chart mounts /var/run.
        let fixed = PodTemplate {
            volumes: vec![Volume {
                name: "sentinel".into(),
                source: VolumeSource::HostPath {
                    path: "/var/run".into(),
                    kind: Some("Directory".into()),
                },
            }],
            ..kured.template.clone()
        };
        let fixed_side = resolve_kured_sentinel(&fixed, "kured", v("1.21.0"), &aliases).unwrap();
        let KuredOutcome::NodeFile { canonical, .. } = &fixed_side.outcome else {
            panic!("{:?}", fixed_side.outcome);
        };
        assert_eq!(canonical, &gate_side.canonical);
    }
}
