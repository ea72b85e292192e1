//! Where each of kured's settings is written in the user's input, so that a finding about
//! a flag lands on the document that set it and its fix names the setting as the user
//! writes it: `values[1]` and `configuration.drainTimeout` in chart mode, the manifest and
//! `--drain-timeout` otherwise.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::finding::{Fix, KuredField};
use super::fragments;
use crate::base::version::Version;
use crate::chart::configuration_key;
use crate::chart::provenance::{ValuesEntry, ValuesProvenance};
use crate::k8s::container::Container;
use crate::kured::flags::FlagSource;
use crate::kured::settings::{Flag, KuredSettings};

/// The values keys through which the chart's sentinel volume and arguments are derived.
const SENTINEL_KEYS: [&str; 8] = [
    "configuration.rebootSentinel",
    "configuration.rebootSentinelCommand",
    "configuration.useRebootSentinelHostPath",
    "useRebootSentinelHostPath",
    "extraArgs.reboot-sentinel",
    "extraArgs.reboot-sentinel-command",
    "volumes",
    "volumeMounts",
];

/// Where kured's settings and sentinel are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingSources {
    /// Chart values: the entry behind each flag, when one is.
    Chart {
        /// The chart version whose keys apply.
        chart: Version,
        /// The values entry each flag comes from.
        entries: BTreeMap<Flag, ValuesEntry>,
        /// The values entry behind the sentinel's derivation.
        sentinel: Option<ValuesEntry>,
        /// The values entry that sets `extraEnvVars`.
        env: Option<ValuesEntry>,
        /// The flags kured reads from a `KURED_*` variable.
        env_flags: BTreeSet<Flag>,
    },
    /// A manifest (written, or read from the cluster).
    Manifest {
        /// The kured container as read, for patches of it; `None` when not known.
        container: Option<Box<Container>>,
        /// The flags kured reads from a `KURED_*` variable.
        env_flags: BTreeSet<Flag>,
    },
}

/// The flags `settings` took from a `KURED_*` variable.
fn env_flags(settings: Option<&KuredSettings>) -> BTreeSet<Flag> {
    settings
        .map(|settings| {
            Flag::ALL
                .iter()
                .copied()
                .filter(|flag| settings.source(*flag) == FlagSource::Env)
                .collect()
        })
        .unwrap_or_default()
}

impl SettingSources {
    /// Chart mode: finds, for each flag as kured read it, the values entry that set it.
    pub fn chart(
        provenance: &ValuesProvenance,
        chart: Version,
        settings: Option<&KuredSettings>,
    ) -> Self {
        let entries = settings
            .map(|settings| {
                Flag::ALL
                    .iter()
                    .filter_map(|flag| {
                        provenance
                            .entry_for_flag(flag.name(), settings.source(*flag), chart)
                            .map(|entry| (*flag, entry))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let sentinel = SENTINEL_KEYS
            .iter()
            .filter_map(|key| provenance.last_writer(key))
            .max();
        SettingSources::Chart {
            chart,
            entries,
            sentinel,
            env: provenance.last_writer("extraEnvVars"),
            env_flags: env_flags(settings),
        }
    }

    /// Manifest mode: `container` is kured's, as read.
    pub fn manifest(container: Option<&Container>, settings: Option<&KuredSettings>) -> Self {
        SettingSources::Manifest {
            container: container.cloned().map(Box::new),
            env_flags: env_flags(settings),
        }
    }

    /// The fix that sets `flag` to the concrete `value`, with the fragment to paste: a
    /// values entry for a chart, a DaemonSet patch for a manifest. No fragment where a
    /// chart's kured reads the flag from `extraEnvVars` (a list, which one entry cannot
    /// amend), or when kured's container is not known.
    pub fn fix(&self, flag: Flag, value: &str) -> Fix {
        let fragment = match self {
            SettingSources::Chart { env_flags, .. } if env_flags.contains(&flag) => None,
            SettingSources::Chart { .. } => {
                Some(fragments::values(&self.setting(flag), scalar(value)))
            }
            SettingSources::Manifest {
                container,
                env_flags,
            } => container.as_deref().map(|container| {
                fragments::flag_patch(container, flag.name(), value, env_flags.contains(&flag))
            }),
        };
        Fix::set(self.setting(flag), value).pasting(fragment)
    }

    /// The argument at fault for a finding about `flag`.
    pub fn field(&self, flag: Flag) -> KuredField {
        match self {
            SettingSources::Chart { entries, .. } => {
                KuredField::written_by(entries.get(&flag).copied())
            }
            SettingSources::Manifest { .. } => KuredField::Manifest,
        }
    }

    /// The argument at fault for a finding about kured's sentinel.
    pub fn sentinel_field(&self) -> KuredField {
        match self {
            SettingSources::Chart { sentinel, .. } => KuredField::written_by(*sentinel),
            SettingSources::Manifest { .. } => KuredField::Manifest,
        }
    }

    /// The argument that sets kured's `KURED_*` variables.
    pub fn env_field(&self) -> KuredField {
        match self {
            SettingSources::Chart { env, .. } => KuredField::written_by(*env),
            SettingSources::Manifest { .. } => KuredField::Manifest,
        }
    }

    /// The argument where kured is described as a whole.
    pub fn whole_field(&self) -> KuredField {
        match self {
            SettingSources::Chart { .. } => KuredField::Values(None),
            SettingSources::Manifest { .. } => KuredField::Manifest,
        }
    }

    /// `flag` as the user sets it: `configuration.drainTimeout` (or `extraArgs.<flag>`
    /// where the chart has no key for it) in chart mode, `--drain-timeout` otherwise.
    pub fn setting(&self, flag: Flag) -> String {
        match self {
            SettingSources::Chart { chart, .. } => match configuration_key(flag.name(), *chart) {
                Some(key) => format!("configuration.{key}"),
                None => format!("extraArgs.{}", flag.name()),
            },
            SettingSources::Manifest { .. } => flag.to_string(),
        }
    }
}

/// A value as the chart's values.yaml writes it: numbers and booleans bare, the rest as
/// strings (`30m`, `Europe/Berlin`).
fn scalar(value: &str) -> Json {
    match value {
        "true" => Json::Bool(true),
        "false" => Json::Bool(false),
        _ => value
            .parse::<i64>()
            .map_or_else(|_| Json::String(value.to_string()), Json::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::container::Container;
    use crate::kured::flags::KuredFlags;

    fn settings(args: &[&str], env: &[(&str, Option<&str>)]) -> KuredSettings {
        let version = Some(Version::new(1, 21, 0));
        let container = Container::for_test("kured", &[], args, env);
        match KuredFlags::read(&container, version) {
            Ok(flags) => KuredSettings::read(&flags, version),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn chart_findings_point_at_the_entry_that_set_the_flag() {
        let values: Vec<String> = [
            "configuration:\n  rebootSentinel: /var/run/g\n",
            "configuration:\n  drainTimeout: 30m\n",
            "extraEnvVars:\n  - {name: KURED_PERIOD, value: 2h}\n",
        ]
        .iter()
        .map(|v| v.to_string())
        .collect();
        let read = settings(&["--drain-timeout=30m"], &[("KURED_PERIOD", Some("2h"))]);
        let provenance = ValuesProvenance::new(&values);
        let sources = SettingSources::chart(&provenance, Version::new(5, 11, 0), Some(&read));
        assert_eq!(
            sources.field(Flag::DrainTimeout),
            KuredField::Values(Some(1))
        );
        assert_eq!(sources.field(Flag::Period), KuredField::Values(Some(2)));
        assert_eq!(sources.field(Flag::LockTtl), KuredField::Values(None));
        assert_eq!(sources.sentinel_field(), KuredField::Values(Some(0)));
        assert_eq!(sources.env_field(), KuredField::Values(Some(2)));
        assert_eq!(
            sources.setting(Flag::DrainTimeout),
            "configuration.drainTimeout"
        );
        let old = SettingSources::chart(&provenance, Version::new(5, 1, 0), Some(&read));
        assert_eq!(old.setting(Flag::Concurrency), "extraArgs.concurrency");
    }

    #[test]
    fn manifests_are_one_source() {
        let sources = SettingSources::manifest(None, None);
        assert_eq!(sources.field(Flag::DrainTimeout), KuredField::Manifest);
        assert_eq!(sources.sentinel_field(), KuredField::Manifest);
        assert_eq!(sources.setting(Flag::ForceReboot), "--force-reboot");
    }
}
