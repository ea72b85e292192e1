//! The sentinel a kured container actually checks, from its args, env and version.
//!
//! How kured reads its flags and env lives in [`crate::kured::flags`]; this module adds
//! what kured does with the two sentinel flags, checked against kubereboot/kured:
//! - A non-empty `--reboot-sentinel-command` wins over the `--reboot-sentinel` file.
//! - Up to 1.14.x the file check runs `test -f` through `nsenter` into the node's mount
//!   namespace (the path is a node path); from 1.15.0 it runs inside the container.

use crate::base::version::Version;
use crate::k8s::container::Container;
use crate::kured::flags::{FlagSource, FlagValue, FlagsError, KuredFlags};

pub use crate::kured::flags::ENV_OVERRIDES_SINCE;

/// kured's default sentinel file.
pub const DEFAULT_SENTINEL: &str = "/var/run/reboot-required";
/// The sentinel file flag.
pub const SENTINEL_FLAG: &str = "reboot-sentinel";
/// The sentinel command flag.
pub const COMMAND_FLAG: &str = "reboot-sentinel-command";
/// The env var kured reads for [`SENTINEL_FLAG`].
pub const SENTINEL_ENV: &str = "KURED_REBOOT_SENTINEL";
/// The env var kured reads for [`COMMAND_FLAG`].
pub const COMMAND_ENV: &str = "KURED_REBOOT_SENTINEL_COMMAND";
/// The last kured release whose file check runs in the node's mount namespace is below
/// this one.
pub const CONTAINER_CHECK_SINCE: Version = Version::new(1, 15, 0);

/// Where a sentinel file path came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SentinelSource {
    /// The `--reboot-sentinel` argument.
    Flag,
    /// The `KURED_REBOOT_SENTINEL` variable.
    Env,
    /// kured's default, `/var/run/reboot-required`.
    Default,
}

impl From<FlagSource> for SentinelSource {
    fn from(source: FlagSource) -> Self {
        match source {
            FlagSource::Flag => SentinelSource::Flag,
            FlagSource::Env => SentinelSource::Env,
            FlagSource::Default => SentinelSource::Default,
        }
    }
}

/// What kured checks to decide that a node needs a reboot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sentinel {
    /// kured tests for this file.
    File {
        /// The path as kured receives it.
        path: String,
        /// Where the path came from.
        source: SentinelSource,
        /// True for kured 1.14.x and older, which checks the path in the node's mount
        /// namespace: the path is then a node path, not a container path.
        node_namespace: bool,
    },
    /// kured runs this command on the node instead of testing a file.
    Command {
        /// The command line as given.
        command: String,
    },
    /// The sentinel depends on something only the cluster knows (a `valueFrom` variable,
    /// a shell wrapper).
    Unknowable {
        /// What hides it.
        reason: String,
    },
    /// kured exits at start-up with these arguments, so it checks nothing.
    Rejected {
        /// What kured refuses.
        reason: String,
    },
}

/// The effective sentinel and how it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectiveSentinel {
    /// The outcome.
    pub sentinel: Sentinel,
    /// One line per decision, in order.
    pub steps: Vec<String>,
}

/// Works out what a kured container checks. `app_version` is kured's version; `None`
/// (unknown) assumes the newest behaviour and says so in the steps.
pub fn effective_sentinel(
    container: &Container,
    app_version: Option<Version>,
) -> EffectiveSentinel {
    let flags = match KuredFlags::read(container, app_version) {
        Ok(flags) => flags,
        Err(FlagsError::Unknowable { reason, steps }) => {
            return EffectiveSentinel {
                sentinel: Sentinel::Unknowable { reason },
                steps,
            };
        }
        Err(FlagsError::Rejected { reason, steps }) => {
            return EffectiveSentinel {
                sentinel: Sentinel::Rejected { reason },
                steps,
            };
        }
    };
    let mut steps = flags.steps().to_vec();
    let command = flags.value(COMMAND_FLAG, "", &mut steps);
    let file = flags.value(SENTINEL_FLAG, DEFAULT_SENTINEL, &mut steps);

    let sentinel = match (command, file) {
        (FlagValue::Unknown { reason }, _) => Sentinel::Unknowable { reason },
        (FlagValue::Known { value: command, .. }, _) if !command.is_empty() => {
            steps.push("a non-empty sentinel command wins over the file: command mode".to_string());
            Sentinel::Command { command }
        }
        (FlagValue::Known { .. }, FlagValue::Unknown { reason }) => Sentinel::Unknowable { reason },
        (
            FlagValue::Known { .. },
            FlagValue::Known {
                value: path,
                source,
            },
        ) => {
            // An unknown version is taken as the newest, which checks inside the container.
            let node_namespace = app_version.is_some_and(|v| v < CONTAINER_CHECK_SINCE);
            let assumed = if app_version.is_none() {
                "assumed "
            } else {
                ""
            };
            steps.push(if node_namespace {
                format!("kured < {CONTAINER_CHECK_SINCE} tests {path} in the node's mount namespace: a node path")
            } else {
                format!("{assumed}kured >= {CONTAINER_CHECK_SINCE} tests {path} inside the container: a container path")
            });
            Sentinel::File {
                path,
                source: source.into(),
                node_namespace,
            }
        }
    };
    EffectiveSentinel { sentinel, steps }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kured::flags::env_name;

    fn kured(command: &[&str], args: &[&str], env: &[(&str, Option<&str>)]) -> Container {
        Container::for_test("kured", command, args, env)
    }

    fn v(s: &str) -> Option<Version> {
        Some(s.parse().unwrap())
    }

    fn file(path: &str, source: SentinelSource, node_namespace: bool) -> Sentinel {
        Sentinel::File {
            path: path.into(),
            source,
            node_namespace,
        }
    }

    use SentinelSource::{Default as Dflt, Env, Flag};

    #[test]
    fn finds_the_effective_sentinel() {
        let cases: Vec<(&str, Container, Option<Version>, Sentinel)> = vec![
            (
                "default",
                kured(&[], &[], &[]),
                v("1.21.0"),
                file(DEFAULT_SENTINEL, Dflt, false),
            ),
            (
                "equals form",
                kured(&[], &["--reboot-sentinel=/s/x"], &[]),
                v("1.21.0"),
                file("/s/x", Flag, false),
            ),
            (
                "space form",
                kured(&[], &["--period", "1h", "--reboot-sentinel", "/s/x"], &[]),
                v("1.21.0"),
                file("/s/x", Flag, false),
            ),
            (
                "empty value",
                kured(&[], &["--reboot-sentinel="], &[]),
                v("1.21.0"),
                file("", Flag, false),
            ),
            (
                "last wins",
                kured(
                    &[],
                    &["--reboot-sentinel=/a", "--reboot-sentinel", "/b"],
                    &[],
                ),
                v("1.21.0"),
                file("/b", Flag, false),
            ),
            (
                "command then args",
                kured(
                    &["/usr/bin/kured", "--reboot-sentinel=/a"],
                    &["--reboot-sentinel=/b"],
                    &[],
                ),
                v("1.21.0"),
                file("/b", Flag, false),
            ),
            (
                "after -- is positional",
                kured(&[], &["--", "--reboot-sentinel=/a"], &[]),
                v("1.21.0"),
                file(DEFAULT_SENTINEL, Dflt, false),
            ),
            (
                "value of another flag",
                kured(&[], &["--drain-pod-selector", "--reboot-sentinel=/a"], &[]),
                v("1.21.0"),
                file(DEFAULT_SENTINEL, Dflt, false),
            ),
            (
                "bool flag takes no value",
                kured(&[], &["--force-reboot", "--reboot-sentinel=/a"], &[]),
                v("1.21.0"),
                file("/a", Flag, false),
            ),
            (
                "positional then flag",
                kured(&[], &["stray", "--reboot-sentinel=/a"], &[]),
                v("1.21.0"),
                file("/a", Flag, false),
            ),
            (
                "value taken even if dashed",
                kured(&[], &["--reboot-sentinel", "--period=1h"], &[]),
                v("1.21.0"),
                file("--period=1h", Flag, false),
            ),
            (
                "env overrides flag in 1.16.2",
                kured(
                    &[],
                    &["--reboot-sentinel=/flag"],
                    &[(SENTINEL_ENV, Some("/env"))],
                ),
                v("1.16.2"),
                file("/env", Env, false),
            ),
            (
                "flag beats env in 1.16.1",
                kured(
                    &[],
                    &["--reboot-sentinel=/flag"],
                    &[(SENTINEL_ENV, Some("/env"))],
                ),
                v("1.16.1"),
                file("/flag", Flag, false),
            ),
            (
                "env without flag in 1.16.1",
                kured(&[], &[], &[(SENTINEL_ENV, Some("/env"))]),
                v("1.16.1"),
                file("/env", Env, false),
            ),
            (
                "empty env unset for viper",
                kured(&[], &[], &[(SENTINEL_ENV, Some(""))]),
                v("1.16.1"),
                file(DEFAULT_SENTINEL, Dflt, false),
            ),
            (
                "empty env set in 1.16.2",
                kured(
                    &[],
                    &["--reboot-sentinel=/flag"],
                    &[(SENTINEL_ENV, Some(""))],
                ),
                v("1.16.2"),
                file("", Env, false),
            ),
            (
                "duplicate env: last wins",
                kured(
                    &[],
                    &[],
                    &[(SENTINEL_ENV, Some("/a")), (SENTINEL_ENV, Some("/b"))],
                ),
                v("1.21.0"),
                file("/b", Env, false),
            ),
            (
                "unknown version: env wins",
                kured(
                    &[],
                    &["--reboot-sentinel=/flag"],
                    &[(SENTINEL_ENV, Some("/env"))],
                ),
                None,
                file("/env", Env, false),
            ),
            (
                "node namespace in 1.14.2",
                kured(&[], &["--reboot-sentinel=/var/run/x"], &[]),
                v("1.14.2"),
                file("/var/run/x", Flag, true),
            ),
            (
                "container in 1.15.0",
                kured(&[], &["--reboot-sentinel=/var/run/x"], &[]),
                v("1.15.0"),
                file("/var/run/x", Flag, false),
            ),
            (
                "unknown value of another flag is harmless",
                kured(
                    &[],
                    &["--node-id", "$(P)", "--reboot-sentinel=/a"],
                    &[("P", None)],
                ),
                v("1.21.0"),
                file("/a", Flag, false),
            ),
            (
                "unknown inline value of another flag is harmless",
                kured(
                    &[],
                    &["--node-id=$(P)", "--reboot-sentinel=/a"],
                    &[("P", None)],
                ),
                v("1.21.0"),
                file("/a", Flag, false),
            ),
            (
                "arg expansion",
                kured(
                    &[],
                    &["--reboot-sentinel=$(DIR)/x"],
                    &[("DIR", Some("/var/run"))],
                ),
                v("1.21.0"),
                file("/var/run/x", Flag, false),
            ),
            (
                "escaped and undefined refs stay",
                kured(&[], &["--reboot-sentinel=/a$$(B)/$(NOPE)"], &[]),
                v("1.21.0"),
                file("/a$(B)/$(NOPE)", Flag, false),
            ),
            (
                "env value expansion",
                kured(
                    &[],
                    &[],
                    &[("D", Some("/run")), (SENTINEL_ENV, Some("$(D)/x"))],
                ),
                v("1.21.0"),
                file("/run/x", Env, false),
            ),
            (
                "valueFrom ignored beside flag in 1.16.1",
                kured(&[], &["--reboot-sentinel=/flag"], &[(SENTINEL_ENV, None)]),
                v("1.16.1"),
                file("/flag", Flag, false),
            ),
            (
                "command mode",
                kured(
                    &[],
                    &[
                        "--reboot-sentinel=/x",
                        "--reboot-sentinel-command=test -f /x",
                    ],
                    &[],
                ),
                v("1.21.0"),
                Sentinel::Command {
                    command: "test -f /x".into(),
                },
            ),
            (
                "command from env",
                kured(&[], &[], &[(COMMAND_ENV, Some("/bin/check"))]),
                v("1.21.0"),
                Sentinel::Command {
                    command: "/bin/check".into(),
                },
            ),
            (
                "empty command is file mode",
                kured(&[], &["--reboot-sentinel-command="], &[]),
                v("1.21.0"),
                file(DEFAULT_SENTINEL, Dflt, false),
            ),
        ];
        for (name, container, version, want) in cases {
            let got = effective_sentinel(&container, version);
            assert_eq!(got.sentinel, want, "{name}: steps {:#?}", got.steps);
        }
    }

    #[test]
    fn knows_what_it_cannot_know_or_kured_refuses() {
        type Check = fn(&Sentinel) -> bool;
        let unknowable: Check = |s| matches!(s, Sentinel::Unknowable { .. });
        let rejected: Check = |s| matches!(s, Sentinel::Rejected { .. });
        let cases: Vec<(&str, Container, Option<Version>, Check, &str)> = vec![
            (
                "valueFrom env 1.16.2",
                kured(&[], &["--reboot-sentinel=/x"], &[(SENTINEL_ENV, None)]),
                v("1.16.2"),
                unknowable,
                "valueFrom",
            ),
            (
                "valueFrom env without flag 1.16.1",
                kured(&[], &[], &[(SENTINEL_ENV, None)]),
                v("1.16.1"),
                unknowable,
                "valueFrom",
            ),
            (
                "valueFrom command env",
                kured(&[], &[], &[(COMMAND_ENV, None)]),
                v("1.21.0"),
                unknowable,
                COMMAND_ENV,
            ),
            (
                "arg refers to valueFrom",
                kured(&[], &["--reboot-sentinel=$(P)/x"], &[("P", None)]),
                v("1.21.0"),
                unknowable,
                "$(P)",
            ),
            (
                "value refers to valueFrom",
                kured(&[], &["--reboot-sentinel", "$(P)"], &[("P", None)]),
                v("1.21.0"),
                unknowable,
                "is the value of --reboot-sentinel",
            ),
            (
                "shell wrapper",
                kured(&["/bin/sh", "-c"], &["kured --reboot-sentinel=/x"], &[]),
                v("1.21.0"),
                unknowable,
                "script",
            ),
            (
                "single dash",
                kured(&[], &["-reboot-sentinel=/x"], &[]),
                v("1.21.0"),
                rejected,
                "single dash",
            ),
            (
                "single dash old",
                kured(&[], &["-reboot-sentinel", "/x"], &[]),
                v("1.13.0"),
                rejected,
                "write --reboot-sentinel",
            ),
            (
                "help",
                kured(&[], &["--help"], &[]),
                v("1.21.0"),
                rejected,
                "help",
            ),
            (
                "another flag missing its value",
                kured(&[], &["--reboot-sentinel=/x", "--period"], &[]),
                v("1.21.0"),
                rejected,
                "no value",
            ),
            (
                "missing value",
                kured(&[], &["--reboot-sentinel"], &[]),
                v("1.21.0"),
                rejected,
                "no value",
            ),
        ];
        for (name, container, version, check, text) in cases {
            let got = effective_sentinel(&container, version);
            assert!(check(&got.sentinel), "{name}: {:?}", got.sentinel);
            let reason = match &got.sentinel {
                Sentinel::Unknowable { reason } | Sentinel::Rejected { reason } => reason.clone(),
                _ => String::new(),
            };
            assert!(reason.contains(text), "{name}: {reason}");
        }
    }

    #[test]
    fn explains_each_decision() {
        let cases: Vec<(Container, Option<Version>, &str)> = vec![
            (
                kured(
                    &[],
                    &["--reboot-sentinel=/a", "--reboot-sentinel=/sentinel/x"],
                    &[],
                ),
                v("1.21.0"),
                "arg --reboot-sentinel=/sentinel/x (last of 2)",
            ),
            (
                kured(&[], &["--reboot-sentinel", "/b"], &[]),
                v("1.21.0"),
                "arg --reboot-sentinel /b",
            ),
            (
                kured(
                    &[],
                    &["--reboot-sentinel=/f"],
                    &[(SENTINEL_ENV, Some("/e"))],
                ),
                v("1.16.2"),
                "env KURED_REBOOT_SENTINEL=/e overrides the flag (kured >= 1.16.2)",
            ),
            (
                kured(
                    &[],
                    &["--reboot-sentinel=/f"],
                    &[(SENTINEL_ENV, Some("/e"))],
                ),
                v("1.16.1"),
                "env KURED_REBOOT_SENTINEL ignored: the flag is given (kured < 1.16.2)",
            ),
            (
                kured(&[], &[], &[]),
                None,
                "kured version unknown: assuming the newest behaviour",
            ),
            (
                kured(&[], &[], &[]),
                v("1.14.2"),
                "in the node's mount namespace",
            ),
            (kured(&[], &[], &[]), v("1.15.0"), "inside the container"),
            (
                kured(&[], &[], &[]),
                v("1.21.0"),
                "no --reboot-sentinel given: kured's default /var/run/reboot-required",
            ),
        ];
        for (container, version, want) in cases {
            let got = effective_sentinel(&container, version);
            assert!(
                got.steps.iter().any(|s| s.contains(want)),
                "want {want:?} in {:#?}",
                got.steps
            );
        }
    }

    #[test]
    fn env_constants_follow_kureds_naming() {
        assert_eq!(env_name(SENTINEL_FLAG), SENTINEL_ENV);
        assert_eq!(env_name(COMMAND_FLAG), COMMAND_ENV);
    }
}
