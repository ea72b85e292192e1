//! Which values entry a kured flag comes from, so that a finding about a flag points at
//! the document that set it (`values[1]`), and how the chart spells the setting.
//!
//! A flag reaches the kured container through `configuration.<key>` (see
//! [`super::configuration_key`]), `extraArgs.<flag>`, or, as a `KURED_*` variable,
//! `extraEnvVars`. Helm merges the entries in order and a later entry that writes a key
//! (or replaces a map above it) wins, so the entry at fault is the last one that writes
//! one of those keys.

use serde_json::Value as Json;

use super::configuration_key;
use crate::base::version::Version;
use crate::base::yaml::parse_documents;
use crate::kured::flags::FlagSource;

/// The user's values entries, parsed once for provenance queries.
#[derive(Clone, Debug, Default)]
pub struct ValuesProvenance {
    /// Each entry's documents, in the order Helm applies them.
    entries: Vec<Vec<Json>>,
}

impl ValuesProvenance {
    /// Parses the entries; an entry that does not parse contributes nothing (rendering
    /// has already refused it).
    pub fn new(values: &[String]) -> Self {
        ValuesProvenance {
            entries: values
                .iter()
                .map(|entry| parse_documents(entry).unwrap_or_default())
                .collect(),
        }
    }

    /// The index of the last entry that writes `key` (dotted, such as
    /// `configuration.drainTimeout`), or replaces or removes a map above it.
    pub fn last_writer(&self, key: &str) -> Option<usize> {
        let path: Vec<&str> = key.split('.').collect();
        self.entries
            .iter()
            .enumerate()
            .rev()
            .find(|(_, documents)| documents.iter().any(|doc| writes(doc, &path)))
            .map(|(index, _)| index)
    }

    /// The entry that sets kured's `--flag` (name without dashes) as it was read: from
    /// chart arguments (`configuration.<key>`, `extraArgs.<flag>`) or from its variable
    /// (`extraEnvVars`). For a flag at its default, the entry that unset it, if any.
    pub fn entry_for_flag(&self, flag: &str, source: FlagSource, chart: Version) -> Option<usize> {
        let mut keys = Vec::new();
        match source {
            FlagSource::Env => keys.push("extraEnvVars".to_string()),
            FlagSource::Flag | FlagSource::Default => {
                if let Some(key) = configuration_key(flag, chart) {
                    keys.push(format!("configuration.{key}"));
                }
                keys.push(format!("extraArgs.{flag}"));
            }
        }
        keys.iter().filter_map(|key| self.last_writer(key)).max()
    }
}

/// Whether one document writes the key at `path`: sets it, or sets something other than
/// a map (null included) at a parent, which replaces the whole subtree.
fn writes(document: &Json, path: &[&str]) -> bool {
    let mut node = document;
    for (depth, segment) in path.iter().enumerate() {
        let Json::Object(map) = node else {
            // A scalar at a parent written by this document replaces the subtree, but
            // only when this document itself wrote that parent (depth > 0 means it did).
            return depth > 0;
        };
        match map.get(*segment) {
            None => return false,
            Some(child) => node = child,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance(entries: &[&str]) -> ValuesProvenance {
        ValuesProvenance::new(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>())
    }

    const CHART: Version = Version::new(5, 11, 0);

    #[test]
    fn the_last_entry_that_writes_the_key_is_at_fault() {
        let values = provenance(&[
            "configuration:\n  drainTimeout: 10m\n",
            "image:\n  tag: 1.21.0\n",
            "configuration:\n  drainTimeout: 30m\n  period: 1h\n",
            "configuration:\n  period: 2h\n",
        ]);
        assert_eq!(values.last_writer("configuration.drainTimeout"), Some(2));
        assert_eq!(values.last_writer("configuration.period"), Some(3));
        assert_eq!(values.last_writer("configuration.rebootDays"), None);
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Flag, CHART),
            Some(2)
        );
    }

    #[test]
    fn replacing_a_parent_writes_every_key_under_it() {
        let values = provenance(&[
            "configuration:\n  drainTimeout: 10m\n",
            "configuration: null\n",
            "---\nextraArgs:\n  drain-timeout: 5m\n",
        ]);
        assert_eq!(values.last_writer("configuration.drainTimeout"), Some(1));
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Flag, CHART),
            Some(2)
        );
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Default, CHART),
            Some(2)
        );
    }

    #[test]
    fn configuration_keys_follow_the_chart_version() {
        assert_eq!(
            configuration_key("drain-timeout", CHART),
            Some("drainTimeout")
        );
        assert_eq!(
            configuration_key("concurrency", Version::new(5, 1, 0)),
            None
        );
        assert_eq!(
            configuration_key("concurrency", Version::new(5, 2, 0)),
            Some("concurrency")
        );
        assert_eq!(configuration_key("no-such-flag", CHART), None);
    }

    #[test]
    fn a_variable_comes_from_extra_env_vars() {
        let values = provenance(&[
            "extraEnvVars:\n  - {name: KURED_DRAIN_TIMEOUT, value: 1m}\n",
            "configuration:\n  drainTimeout: 30m\n",
        ]);
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Env, CHART),
            Some(0)
        );
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Default, Version::new(4, 0, 0)),
            Some(1)
        );
        assert_eq!(
            provenance(&["a: 1\n"]).entry_for_flag("period", FlagSource::Default, CHART),
            None
        );
    }
}
