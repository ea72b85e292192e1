//! Which values entry a kured flag comes from, so that a finding about a flag points at
//! the document or `set` entry that set it (`values[1]`, `set[0]`), and how the chart
//! spells the setting.
//!
//! A flag reaches the kured container through `configuration.<key>` (see
//! [`super::configuration_key`]), `extraArgs.<flag>`, or, as a `KURED_*` variable,
//! `extraEnvVars`. Helm applies the `values` documents in order, then the `set`,
//! `set_list` and `set_sensitive` entries (see [`super::set`]), and a later entry that
//! writes a key (or replaces a map above it) wins, so the entry at fault is the last one
//! that writes one of those keys.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json};

use super::configuration_key;
use super::set::SetAttribute;
use crate::base::version::Version;
use crate::base::yaml::parse_documents;
use crate::kured::flags::FlagSource;

/// The maps whose keys are tracked one by one; any other key is tracked as a whole.
const TRACKED_MAPS: [&str; 2] = ["configuration", "extraArgs"];

/// What one values entry writes under a tracked map.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Under {
    /// Something other than a map (null included): the whole subtree is replaced.
    Replaced,
    /// A map with these keys.
    Keys(BTreeSet<String>),
}

/// What one values entry writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Writes {
    /// Every top-level key.
    top: BTreeSet<String>,
    /// For the tracked maps, what is written under them.
    under: BTreeMap<String, Under>,
}

/// One of the user's inputs that write values; ordered as Helm applies them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValuesEntry {
    /// `values[i]`.
    Values(usize),
    /// `set[i]`, `set_list[i]` or `set_sensitive[i]`.
    Set(SetAttribute, usize),
}

impl std::fmt::Display for ValuesEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValuesEntry::Values(index) => write!(f, "values[{index}]"),
            ValuesEntry::Set(attribute, index) => write!(f, "{attribute}[{index}]"),
        }
    }
}

/// Which keys each of the user's values entries writes, recorded while Helm's merge
/// reads them (see [`super::values::merge_values`]), so no entry is parsed twice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValuesProvenance {
    /// In the order Helm applies them.
    entries: Vec<(ValuesEntry, Writes)>,
}

impl ValuesProvenance {
    /// Parses the entries and records them; an entry that does not parse records
    /// nothing. Rendering records them as it merges; this is for callers without a render.
    pub fn new(values: &[String]) -> Self {
        let mut provenance = ValuesProvenance::default();
        for (index, entry) in values.iter().enumerate() {
            for document in parse_documents(entry).unwrap_or_default() {
                if let Json::Object(map) = &document {
                    provenance.record(ValuesEntry::Values(index), map);
                }
            }
        }
        provenance
    }

    /// Records one document of `entry`, which Helm applies after every entry recorded
    /// so far (or is the one recorded last, for a further document of the same entry).
    pub(crate) fn record(&mut self, entry: ValuesEntry, document: &Map<String, Json>) {
        if self.entries.last().is_none_or(|(last, _)| *last != entry) {
            self.entries.push((entry, Writes::default()));
        }
        let Some((_, writes)) = self.entries.last_mut() else {
            return;
        };
        for (key, value) in document {
            writes.top.insert(key.clone());
            if !TRACKED_MAPS.contains(&key.as_str()) {
                continue;
            }
            let under = match value {
                Json::Object(map) => Under::Keys(map.keys().cloned().collect()),
                _ => Under::Replaced,
            };
            match (writes.under.get_mut(key), under) {
                (Some(Under::Keys(known)), Under::Keys(more)) => known.extend(more),
                (Some(Under::Replaced), _) => {}
                (_, under) => {
                    writes.under.insert(key.clone(), under);
                }
            }
        }
    }

    /// The last entry that writes `key`: a top-level key (`extraEnvVars`), or a key under
    /// `configuration` or `extraArgs` (`configuration.drainTimeout`), which replacing or
    /// removing that map writes too.
    pub fn last_writer(&self, key: &str) -> Option<ValuesEntry> {
        let (top, rest) = match key.split_once('.') {
            Some((top, rest)) => (top, Some(rest)),
            None => (key, None),
        };
        self.entries
            .iter()
            .rev()
            .find(|(_, writes)| match (rest, writes.under.get(top)) {
                (None, _) => writes.top.contains(top),
                (Some(_), Some(Under::Replaced)) => true,
                (Some(rest), Some(Under::Keys(keys))) => keys.contains(rest),
                (Some(_), None) => false,
            })
            .map(|(entry, _)| *entry)
    }

    /// The entry that sets kured's `--flag` (name without dashes) as it was read: from
    /// chart arguments (`configuration.<key>`, `extraArgs.<flag>`) or from its variable
    /// (`extraEnvVars`). For a flag at its default, the entry that unset it, if any.
    pub fn entry_for_flag(
        &self,
        flag: &str,
        source: FlagSource,
        chart: Version,
    ) -> Option<ValuesEntry> {
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
        assert_eq!(
            values.last_writer("configuration.drainTimeout"),
            Some(ValuesEntry::Values(2))
        );
        assert_eq!(
            values.last_writer("configuration.period"),
            Some(ValuesEntry::Values(3))
        );
        assert_eq!(values.last_writer("configuration.rebootDays"), None);
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Flag, CHART),
            Some(ValuesEntry::Values(2))
        );
    }

    #[test]
    fn replacing_a_parent_writes_every_key_under_it() {
        let values = provenance(&[
            "configuration:\n  drainTimeout: 10m\n",
            "configuration: null\n",
            "---\nextraArgs:\n  drain-timeout: 5m\n",
        ]);
        assert_eq!(
            values.last_writer("configuration.drainTimeout"),
            Some(ValuesEntry::Values(1))
        );
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Flag, CHART),
            Some(ValuesEntry::Values(2))
        );
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Default, CHART),
            Some(ValuesEntry::Values(2))
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
    fn a_set_entry_applied_after_the_documents_is_at_fault() {
        use crate::chart::set::{SetEntry, SetType, SetValue, written};
        let mut values = provenance(&["configuration:\n  drainTimeout: 10m\n  period: 1h\n"]);
        for (attribute, index, name) in [
            (SetAttribute::Set, 0, "configuration.drainTimeout"),
            (SetAttribute::Set, 1, r"extraArgs.reboot-sentinel"),
            (SetAttribute::SetSensitive, 0, "configuration.drainTimeout"),
        ] {
            let entry = SetEntry {
                attribute,
                index,
                name: name.to_string(),
                value: SetValue::Text("x".to_string()),
                kind: SetType::Auto,
            };
            values.record(ValuesEntry::Set(attribute, index), &written(&entry));
        }
        assert_eq!(
            values.last_writer("configuration.drainTimeout"),
            Some(ValuesEntry::Set(SetAttribute::SetSensitive, 0))
        );
        assert_eq!(
            values.last_writer("configuration.period"),
            Some(ValuesEntry::Values(0))
        );
        assert_eq!(
            values.entry_for_flag("reboot-sentinel", FlagSource::Flag, CHART),
            Some(ValuesEntry::Set(SetAttribute::Set, 1))
        );
        assert_eq!(
            ValuesEntry::Set(SetAttribute::SetList, 4).to_string(),
            "set_list[4]"
        );
    }

    #[test]
    fn a_variable_comes_from_extra_env_vars() {
        let values = provenance(&[
            "extraEnvVars:\n  - {name: KURED_DRAIN_TIMEOUT, value: 1m}\n",
            "configuration:\n  drainTimeout: 30m\n",
        ]);
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Env, CHART),
            Some(ValuesEntry::Values(0))
        );
        assert_eq!(
            values.entry_for_flag("drain-timeout", FlagSource::Default, Version::new(4, 0, 0)),
            Some(ValuesEntry::Values(1))
        );
        assert_eq!(
            provenance(&["a: 1\n"]).entry_for_flag("period", FlagSource::Default, CHART),
            None
        );
    }
}
