//! Values the chart would take silently but not as the user meant: a key the release does
//! not read (a typo, a key of another release, a key no release has), or a value whose type
//! makes Helm's templates do something else than it says (`"false"` in quotes is true).
//!
//! Each note names the `values` entry it came from and the dotted key, so the adapter can
//! put it on `values[i]` and say what to write instead. Keys below free-form sections
//! (`podAnnotations`, `extraArgs`...) are the user's own and never checked.

use serde_json::{Map, Value as Json};

use crate::base::version::Version;
use crate::base::yaml::parse_documents;
use crate::chart::keys::{self, HELM_KEYS, STRICT_SECTIONS};
use crate::chart::render::go_float;
use crate::chart::values::default_values;

/// One value the chart would take other than as meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesNote {
    /// The index of the `values` entry the key was written in.
    pub entry: usize,
    /// The dotted key as written: `configuration.rebootDay`.
    pub path: String,
    /// What is wrong with it.
    pub kind: NoteKind,
    /// The value written under it.
    pub value: Json,
}

/// What a [`ValuesNote`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// No modelled release reads this key; `suggestion` is the nearest key this release
    /// reads in the same section, when one is close.
    UnknownKey {
        /// The key probably meant, as a full dotted path.
        suggestion: Option<String>,
    },
    /// Other releases read this key, but not this one.
    NotInRelease {
        /// The first release that reads it.
        since: Version,
        /// The last release that reads it, when it was dropped.
        until: Option<Version>,
    },
    /// A string where the chart tests a boolean: Helm's `if` is true for any non-empty
    /// string, so `"false"` turns the setting on.
    QuotedBoolean {
        /// The string as written.
        text: String,
    },
    /// A number where the chart expects a string: Helm prints numbers as Go's float64,
    /// `1000000` as `1e+06`.
    NumberForString {
        /// What Helm prints.
        printed: String,
    },
    /// A single value where the chart ranges over a list.
    ScalarForList,
}

impl ValuesNote {
    /// A stable identifier for tests and `fail_on`-style filters.
    pub fn code(&self) -> &'static str {
        match self.kind {
            NoteKind::UnknownKey { .. } => "unknown-values-key",
            NoteKind::NotInRelease { .. } => "values-key-not-in-release",
            NoteKind::QuotedBoolean { .. } => "quoted-boolean",
            NoteKind::NumberForString { .. } => "number-for-string",
            NoteKind::ScalarForList => "scalar-for-list",
        }
    }

    /// One line: what Helm will do with it.
    pub fn summary(&self, chart: Version) -> String {
        let path = &self.path;
        match &self.kind {
            NoteKind::UnknownKey {
                suggestion: Some(s),
            } => {
                format!("chart {chart} has no value {path}; did you mean {s}?")
            }
            NoteKind::UnknownKey { suggestion: None } => {
                format!("chart {chart} has no value {path}, so Helm ignores it")
            }
            NoteKind::NotInRelease { since, until } => match until {
                Some(until) => {
                    format!("chart {chart} does not read {path}: only {since} through {until} do")
                }
                None => format!("chart {chart} does not read {path}: it came with {since}"),
            },
            NoteKind::QuotedBoolean { text } => {
                format!("{path} is the string {text:?}, which Helm's templates read as true")
            }
            NoteKind::NumberForString { printed } => {
                format!("{path} is a number, which Helm prints as {printed}")
            }
            NoteKind::ScalarForList => {
                format!("{path} is a single value where the chart expects a list")
            }
        }
    }

    /// Why it matters: what Helm does with the key or value as written.
    pub fn detail(&self, chart: Version) -> String {
        let path = &self.path;
        match &self.kind {
            NoteKind::UnknownKey {
                suggestion: Some(s),
            } => format!(
                "Helm passes values that no template reads through without a word, so {path} changes nothing and {s} keeps its default or the value another entry gives it."
            ),
            NoteKind::UnknownKey { suggestion: None } => format!(
                "No release of the kured chart reads {path} (the nearest keys of its section are too far from it to guess), and Helm passes values that no template reads through without a word: it changes nothing."
            ),
            NoteKind::NotInRelease { .. } => format!(
                "Chart {chart}'s templates never read {path}, and Helm passes such values through without a word: it changes nothing in this release."
            ),
            NoteKind::QuotedBoolean { text } => format!(
                "The chart tests {path} with Go's `if`, which is true for every non-empty string: {text:?} turns the setting on, the opposite of what it says."
            ),
            NoteKind::NumberForString { printed } => format!(
                "YAML reads the unquoted value as a number and Helm prints numbers as Go's float64, so kured is given {printed}."
            ),
            NoteKind::ScalarForList => format!(
                "The chart ranges over {path} as a list; a single value is not a list of one."
            ),
        }
    }

    /// What to write instead, when it can be said.
    pub fn fix(&self) -> Option<String> {
        let path = &self.path;
        let leaf = path.rsplit('.').next().unwrap_or(path);
        match &self.kind {
            NoteKind::UnknownKey { suggestion } => suggestion
                .as_ref()
                .map(|s| format!("Write {s} instead of {path}.")),
            NoteKind::NotInRelease { since, .. } => Some(format!(
                "Remove {path}, or use chart {since} or newer where it has an effect."
            )),
            NoteKind::QuotedBoolean { text } => {
                let meant = !matches!(
                    text.trim().to_ascii_lowercase().as_str(),
                    "false" | "no" | "off" | "0"
                );
                Some(format!("Write `{leaf}: {meant}` without quotes."))
            }
            NoteKind::NumberForString { .. } => Some(format!(
                "Quote the value (`{leaf}: \"...\"`) so Helm passes it as written."
            )),
            NoteKind::ScalarForList => Some(format!("Write it as a list: `{leaf}: [...]`.")),
        }
    }
}

/// Checks every `values` entry against release `chart` (the released version whose
/// templates apply). Entries that are not YAML maps are left to rendering to report.
pub fn check_values(chart: Version, entries: &[String]) -> Vec<ValuesNote> {
    let defaults = default_values(chart);
    let mut notes = Vec::new();
    for (entry, text) in entries.iter().enumerate() {
        let Ok(documents) = parse_documents(text) else {
            continue;
        };
        for document in documents {
            if let Json::Object(map) = document {
                check_section(chart, &defaults, entry, "", &map, &mut notes);
            }
        }
    }
    notes
}

fn check_section(
    chart: Version,
    defaults: &Json,
    entry: usize,
    section: &str,
    map: &Map<String, Json>,
    notes: &mut Vec<ValuesNote>,
) {
    let known = keys::keys_under(chart, section);
    for (name, value) in map {
        let path = if section.is_empty() {
            name.clone()
        } else {
            format!("{section}.{name}")
        };
        if section.is_empty() && HELM_KEYS.contains(&name.as_str()) {
            continue;
        }
        if !known.contains(&name.as_str()) {
            let kind = match keys::lookup(&path) {
                Some(key) => NoteKind::NotInRelease {
                    since: key.since,
                    until: key.until,
                },
                None => NoteKind::UnknownKey {
                    suggestion: nearest(name, &known).map(|leaf| {
                        if section.is_empty() {
                            leaf.to_string()
                        } else {
                            format!("{section}.{leaf}")
                        }
                    }),
                },
            };
            notes.push(ValuesNote {
                entry,
                path,
                kind,
                value: value.clone(),
            });
            continue;
        }
        if section.is_empty() {
            if let (true, Json::Object(children)) =
                (STRICT_SECTIONS.contains(&name.as_str()), value)
            {
                check_section(chart, defaults, entry, name, children, notes);
            }
        }
        if let Some(kind) = type_note(expected_default(defaults, &path), value) {
            notes.push(ValuesNote {
                entry,
                path,
                kind,
                value: value.clone(),
            });
        }
    }
}

/// The default a key is compared with: the chart's own, and for 5.4.0's top-level switch
/// (which values.yaml does not define) the boolean its template tests.
fn expected_default<'d>(defaults: &'d Json, path: &str) -> Option<&'d Json> {
    const SWITCH: Json = Json::Bool(true);
    if path == "useRebootSentinelHostPath" {
        return Some(&SWITCH);
    }
    path.split('.').try_fold(defaults, |at, part| at.get(part))
}

fn type_note(default: Option<&Json>, value: &Json) -> Option<NoteKind> {
    match (default?, value) {
        (Json::Bool(_), Json::String(text)) if !text.is_empty() => {
            let lower = text.trim().to_ascii_lowercase();
            matches!(lower.as_str(), "false" | "no" | "off" | "0")
                .then(|| NoteKind::QuotedBoolean { text: text.clone() })
        }
        // Only a number Helm prints other than as written (`1000000` as `1e+06`) changes
        // what kured is given; `0` or `30` reach it as written.
        (Json::String(_), Json::Number(n)) => {
            let printed = n.as_f64().map(go_float).unwrap_or_else(|| n.to_string());
            (printed != n.to_string()).then_some(NoteKind::NumberForString { printed })
        }
        (Json::Array(_), Json::String(_) | Json::Number(_) | Json::Bool(_)) => {
            Some(NoteKind::ScalarForList)
        }
        _ => None,
    }
}

/// The known key closest to `name` by edit distance (case-insensitive), if it is close
/// enough to be a slip of the keyboard: at most two edits, and fewer than a third of it.
fn nearest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (strsim::osa_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, k)| *d <= 2 && *d * 3 < k.len().max(3))
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V5_11: Version = Version::new(5, 11, 0);

    fn notes(chart: Version, entries: &[&str]) -> Vec<ValuesNote> {
        let entries: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
        check_values(chart, &entries)
    }

    fn codes(chart: Version, entries: &[&str]) -> Vec<(usize, String, &'static str)> {
        notes(chart, entries)
            .into_iter()
            .map(|n| (n.entry, n.path.clone(), n.code()))
            .collect()
    }

    #[test]
    fn a_typo_names_the_key_meant() {
        let found = notes(V5_11, &["configuration:\n  rebootDay: [mo]\n"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].kind,
            NoteKind::UnknownKey {
                suggestion: Some("configuration.rebootDays".into())
            }
        );
        assert_eq!(
            found[0].fix().unwrap(),
            "Write configuration.rebootDays instead of configuration.rebootDay."
        );
    }

    #[test]
    fn a_key_no_release_has_says_so_without_a_guess() {
        let found = notes(V5_11, &["configuration:\n  hostFilePath: /var/run\n"]);
        assert_eq!(found[0].kind, NoteKind::UnknownKey { suggestion: None });
        assert!(
            found[0]
                .summary(V5_11)
                .contains("has no value configuration.hostFilePath")
        );
    }

    #[test]
    fn keys_of_other_releases_name_the_releases() {
        assert_eq!(
            codes(Version::new(5, 1, 0), &["configuration: {concurrency: 2}"]),
            vec![(
                0,
                "configuration.concurrency".into(),
                "values-key-not-in-release"
            )]
        );
        // 5.4.0's top-level switch is read by 5.4.0 alone.
        assert_eq!(
            codes(V5_11, &["useRebootSentinelHostPath: true"]),
            vec![(
                0,
                "useRebootSentinelHostPath".into(),
                "values-key-not-in-release"
            )]
        );
        assert!(codes(Version::new(5, 4, 0), &["useRebootSentinelHostPath: true"]).is_empty());
    }

    #[test]
    fn quoted_false_is_true_to_helm() {
        let found = notes(
            V5_11,
            &["configuration:\n  useRebootSentinelHostPath: \"false\"\n"],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code(), "quoted-boolean");
        assert_eq!(
            found[0].fix().unwrap(),
            "Write `useRebootSentinelHostPath: false` without quotes."
        );
        // A quoted "true" means what it says; an unquoted false is fine.
        assert!(
            notes(
                V5_11,
                &["configuration: {forceReboot: \"true\", annotateNodes: false}"]
            )
            .is_empty()
        );
    }

    #[test]
    fn numbers_and_scalars_where_the_chart_wants_strings_and_lists() {
        let found = notes(
            V5_11,
            &["configuration: {drainTimeout: 1000000, rebootDays: mo}"],
        );
        let kinds: Vec<_> = found
            .iter()
            .map(|n| (n.path.as_str(), n.kind.clone()))
            .collect();
        assert!(kinds.contains(&(
            "configuration.drainTimeout",
            NoteKind::NumberForString {
                printed: "1e+06".into()
            }
        )));
        assert!(kinds.contains(&("configuration.rebootDays", NoteKind::ScalarForList)));
    }

    #[test]
    fn numbers_helm_prints_as_written_stay_silent() {
        assert!(notes(V5_11, &["configuration: {drainTimeout: 0, period: 60}"]).is_empty());
    }

    #[test]
    fn free_form_sections_and_helm_keys_stay_silent() {
        let values = "podAnnotations: {anything: goes}\nextraArgs: {whatever: x}\nnodeSelector: {a: b}\nglobal: {x: 1}\n";
        assert!(notes(V5_11, &[values]).is_empty());
        // A section of the chart's own is checked; its sibling entries point at their entry.
        assert_eq!(
            codes(V5_11, &["image: {tag: 1.21.0}", "image: {tagg: x}"]),
            vec![(1, "image.tagg".into(), "unknown-values-key")]
        );
    }

    #[test]
    fn unreadable_entries_are_left_to_rendering() {
        assert!(notes(V5_11, &["a: [unclosed", "- a list"]).is_empty());
    }

    #[test]
    fn nearest_allows_a_slip_of_the_keyboard_only() {
        assert_eq!(
            nearest("rebootDyas", &["rebootDays", "period"]),
            Some("rebootDays")
        );
        assert_eq!(nearest("Period", &["period", "endTime"]), Some("period"));
        assert_eq!(nearest("hostFilePath", &["rebootSentinel", "period"]), None);
    }
}
