//! The values a kured chart release renders with, computed as Helm computes them.
//!
//! Helm first merges the user's values files in order (maps merged key by key, anything
//! else replaced by the later file), applies the `--set` entries to that (here
//! `helm_release`'s `set`, `set_list` and `set_sensitive`, see [`super::set`]), then lays
//! the result over the chart's `values.yaml`: user keys win, maps are merged, and a user
//! `null` removes the key, default included.
//! Only the chart defaults that change kured's container are modelled here.

use serde_json::{Map, Value as Json, json};

use crate::base::version::Version;
use crate::base::yaml::{YamlError, parse_documents};
use crate::chart::provenance::{ValuesEntry, ValuesProvenance};
use crate::chart::releases::since;
use crate::chart::set::{self, SetEntry, SetError, SetNote};

/// Why the user's values could not be merged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValuesError {
    /// A values entry is not valid YAML.
    #[error("values[{index}] is not valid YAML: {source}")]
    Yaml {
        /// 0-based index into the `values` list, as Terraform shows it.
        index: usize,
        /// The parser's error, with the document and position within the entry.
        source: YamlError,
    },
    /// A YAML document in a values entry is not a map of keys to values.
    #[error(
        "values[{index}]: non-empty document {document} is {found}, but a values document must be a map of keys (for example `configuration:` with settings under it)"
    )]
    NotAMap {
        /// 0-based index into the `values` list.
        index: usize,
        /// 1-based position among the entry's non-empty documents.
        document: usize,
        /// What was found instead, e.g. `a list`.
        found: String,
    },
    /// A `set`, `set_list` or `set_sensitive` entry that Helm refuses.
    #[error(transparent)]
    Set(#[from] SetError),
}

/// Values after Helm's merge, with the notes Helm would print while merging.
#[derive(Clone, Debug, PartialEq)]
pub struct MergedValues {
    /// The merged values tree (always a JSON object).
    pub values: Json,
    /// Helm's merge warnings, e.g. a user map replacing a default scalar.
    pub warnings: Vec<String>,
    /// Which entry wrote which key, for findings about a setting.
    pub provenance: ValuesProvenance,
    /// `set` entries that apply but cannot have the effect they say.
    pub set_notes: Vec<SetNote>,
}

/// Merges `entries` (each a YAML string, possibly several documents applied in order)
/// and then the `set` entries `sets` over the defaults of the chart whose template is
/// `template_version`.
pub fn merge_values(
    template_version: Version,
    entries: &[String],
    sets: &[SetEntry],
) -> Result<MergedValues, ValuesError> {
    let mut provenance = ValuesProvenance::default();
    let mut user = user_values(entries, sets, &mut provenance)?;
    let set_notes = sets.iter().filter_map(set::note).collect();
    let mut warnings = Vec::new();
    let defaults = match default_values(template_version) {
        Json::Object(map) => map,
        _ => Map::new(),
    };
    coalesce(&mut user, defaults, "", &mut warnings);
    remove_nulls(&mut user);
    Ok(MergedValues {
        values: Json::Object(user),
        warnings,
        provenance,
        set_notes,
    })
}

/// The user's values as Helm hands them to the chart: the documents merged in order, then
/// the `set` entries applied, before the chart's defaults; recorded in `provenance`.
pub fn user_values(
    entries: &[String],
    sets: &[SetEntry],
    provenance: &mut ValuesProvenance,
) -> Result<Map<String, Json>, ValuesError> {
    let mut user = Map::new();
    for (index, entry) in entries.iter().enumerate() {
        let docs = parse_documents(entry).map_err(|source| ValuesError::Yaml { index, source })?;
        for (position, doc) in docs.into_iter().enumerate() {
            match doc {
                Json::Object(map) => {
                    provenance.record(ValuesEntry::Values(index), &map);
                    merge_user(&mut user, map);
                }
                other => {
                    return Err(ValuesError::NotAMap {
                        index,
                        document: position + 1,
                        found: describe(&other),
                    });
                }
            }
        }
    }
    for entry in set::in_helm_order(sets) {
        set::apply(&mut user, entry)?;
        provenance.record(
            ValuesEntry::Set(entry.attribute, entry.index),
            &set::written(entry),
        );
    }
    Ok(user)
}

/// Helm's merge of one user file over the earlier ones: a map merges into a map, any
/// other value (a `null` too) replaces what was there.
fn merge_user(into: &mut Map<String, Json>, from: Map<String, Json>) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Json::Object(existing)), Json::Object(new)) => merge_user(existing, new),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// Helm's coalescing of user values (`dst`) with chart defaults (`src`).
fn coalesce(
    dst: &mut Map<String, Json>,
    src: Map<String, Json>,
    prefix: &str,
    warnings: &mut Vec<String>,
) {
    for (key, default) in src {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match dst.get_mut(&key) {
            Some(Json::Null) => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, default);
            }
            Some(Json::Object(user_map)) => match default {
                Json::Object(default_map) => coalesce(user_map, default_map, &full, warnings),
                Json::Null => {}
                _ => warnings.push(format!(
                    "{full} is a map in the values but a single value in the chart's defaults; Helm keeps the map"
                )),
            },
            Some(_) => {
                if default.is_object() {
                    warnings.push(format!(
                        "{full} replaces a map of chart defaults with a single value; Helm keeps the single value"
                    ));
                }
            }
        }
    }
}

/// A `null` a user wrote for a key the chart has no default for also means "unset".
fn remove_nulls(map: &mut Map<String, Json>) {
    map.retain(|_, v| !v.is_null());
    for value in map.values_mut() {
        if let Json::Object(inner) = value {
            remove_nulls(inner);
        }
    }
}

/// Names a JSON value's kind for messages.
pub(crate) fn describe(value: &Json) -> String {
    match value {
        Json::Null => "null".to_string(),
        Json::Bool(b) => format!("the boolean {b}"),
        Json::Number(n) => format!("the number {n}"),
        Json::String(s) => format!("the string {s:?}"),
        Json::Array(_) => "a list".to_string(),
        Json::Object(_) => "a map".to_string(),
    }
}

/// The defaults of the chart's `values.yaml` that reach the kured container, for the
/// chart release whose daemonset template is `template_version`.
pub fn default_values(template_version: Version) -> Json {
    let at_least = |milestone: Version| template_version >= milestone;
    let mut configuration = json!({
        "lockTtl": 0,
        "alertFilterRegexp": "",
        "alertFiringOnly": false,
        "blockingPodSelector": [],
        "endTime": "",
        "lockAnnotation": "",
        "period": "",
        "forceReboot": false,
        "drainGracePeriod": "",
        "drainTimeout": "",
        "skipWaitForDeleteTimeout": "",
        "prometheusUrl": "",
        "rebootDays": [],
        "rebootSentinel": "",
        "rebootSentinelCommand": "",
        "rebootCommand": "/bin/systemctl reboot",
        "rebootDelay": "",
        "slackChannel": "",
        "slackHookUrl": "",
        "slackUsername": "",
        "notifyUrl": "",
        "messageTemplateDrain": "",
        "messageTemplateReboot": "",
        "messageTemplateUncordon": "",
        "startTime": "",
        "timeZone": "",
        "annotateNodes": false,
        "lockReleaseDelay": 0,
        "preferNoScheduleTaint": "",
        "logFormat": "text",
        "preRebootNodeLabels": [],
        "postRebootNodeLabels": [],
    });
    if let Json::Object(c) = &mut configuration {
        if at_least(since::METRICS_PORT) {
            c.insert("metricsPort".into(), json!(8080));
        }
        if at_least(since::CONCURRENCY) {
            c.insert("metricsHost".into(), json!(""));
            c.insert("alertFilterMatchOnly".into(), json!(false));
            c.insert("drainPodSelector".into(), json!(""));
            c.insert("concurrency".into(), json!(1));
        }
        if at_least(since::SENTINEL_MOUNT) {
            // Defined under `configuration` from 5.4.0, though 5.4.0's template reads a
            // top-level key of the same name.
            c.insert("useRebootSentinelHostPath".into(), json!(true));
            c.insert("drainDelay".into(), json!(0));
            c.insert("rebootMethod".into(), json!(""));
            c.insert("rebootSignal".into(), json!(""));
        }
        if at_least(since::SENTINEL_MOUNT_BY_CONFIGURATION) {
            c.insert("rebootSentinel".into(), json!("/var/run/reboot-required"));
        }
    }
    // 4.0.1 alone shipped the old Docker Hub repository.
    let repository = if template_version == since::DOCKER_HUB_IMAGE {
        "weaveworks/kured"
    } else {
        "ghcr.io/kubereboot/kured"
    };
    json!({
        "image": {
            "repository": repository,
            "tag": "",
            "pullPolicy": "IfNotPresent",
            "pullSecrets": [],
        },
        "extraArgs": {},
        "extraEnvVars": null,
        "configuration": configuration,
        "volumeMounts": [],
        "volumes": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(version: Version, entries: &[&str]) -> Result<Json, ValuesError> {
        let entries: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
        merge_values(version, &entries, &[]).map(|m| m.values)
    }

    const V5_11: Version = Version::new(5, 11, 0);

    #[test]
    fn merges_like_helm() {
        // (entries, JSON pointer, expected value; None = key absent)
        let cases: Vec<(Vec<&str>, &str, Option<Json>)> = vec![
            // Defaults apply when nothing is given.
            (
                vec![],
                "/configuration/rebootSentinel",
                Some(json!("/var/run/reboot-required")),
            ),
            (vec![], "/configuration/concurrency", Some(json!(1))),
            // Maps merge: a sibling default survives.
            (
                vec!["configuration:\n  rebootSentinel: /x\n"],
                "/configuration/logFormat",
                Some(json!("text")),
            ),
            // Later entries win.
            (
                vec!["configuration: {period: 1h}", "configuration: {period: 2h}"],
                "/configuration/period",
                Some(json!("2h")),
            ),
            // Documents within one entry apply in order.
            (
                vec!["configuration: {period: 1h}\n---\nconfiguration: {period: 3h}\n"],
                "/configuration/period",
                Some(json!("3h")),
            ),
            // A null removes a default.
            (
                vec!["configuration: {rebootSentinel: null}"],
                "/configuration/rebootSentinel",
                None,
            ),
            // A null removes a key set by an earlier entry.
            (
                vec!["extraArgs: {a: x}", "extraArgs: {a: null}"],
                "/extraArgs/a",
                None,
            ),
            // A later entry can set again what an earlier one nulled.
            (
                vec![
                    "configuration: {rebootSentinel: null}",
                    "configuration: {rebootSentinel: /y}",
                ],
                "/configuration/rebootSentinel",
                Some(json!("/y")),
            ),
            // Lists replace, they do not append.
            (
                vec![
                    "configuration: {rebootDays: [mo, tu]}",
                    "configuration: {rebootDays: [fr]}",
                ],
                "/configuration/rebootDays",
                Some(json!(["fr"])),
            ),
            // A nulled map set again later is merged with the defaults once more.
            (
                vec!["image: null", "image: {tag: 1.2.3}"],
                "/image/repository",
                Some(json!("ghcr.io/kubereboot/kured")),
            ),
            // Empty entries change nothing.
            (
                vec!["", "# nothing\n"],
                "/configuration/logFormat",
                Some(json!("text")),
            ),
        ];
        for (entries, pointer, want) in cases {
            let got = merged(V5_11, &entries).unwrap();
            assert_eq!(
                got.pointer(pointer).cloned(),
                want,
                "entries {entries:?} at {pointer}"
            );
        }
    }

    #[test]
    fn defaults_follow_the_chart_version() {
        let cases = [
            (
                Version::new(4, 0, 0),
                "/configuration/rebootSentinel",
                Some(json!("")),
            ),
            (Version::new(4, 0, 0), "/configuration/metricsPort", None),
            (
                Version::new(4, 7, 0),
                "/configuration/metricsPort",
                Some(json!(8080)),
            ),
            (Version::new(5, 1, 0), "/configuration/concurrency", None),
            (
                Version::new(5, 2, 0),
                "/configuration/concurrency",
                Some(json!(1)),
            ),
            (
                Version::new(5, 3, 2),
                "/configuration/useRebootSentinelHostPath",
                None,
            ),
            (
                Version::new(5, 4, 0),
                "/configuration/useRebootSentinelHostPath",
                Some(json!(true)),
            ),
            (
                Version::new(5, 4, 0),
                "/configuration/rebootSentinel",
                Some(json!("")),
            ),
            (Version::new(5, 4, 0), "/useRebootSentinelHostPath", None),
            (
                Version::new(5, 4, 1),
                "/configuration/rebootSentinel",
                Some(json!("/var/run/reboot-required")),
            ),
            (
                Version::new(4, 0, 1),
                "/image/repository",
                Some(json!("weaveworks/kured")),
            ),
            (Version::new(6, 1, 0), "/extraEnvVars", None),
        ];
        for (version, pointer, want) in cases {
            let got = merged(version, &[]).unwrap();
            assert_eq!(
                got.pointer(pointer).cloned(),
                want,
                "chart {version} at {pointer}"
            );
        }
    }

    #[test]
    fn set_entries_apply_after_every_document_and_before_the_defaults() {
        use crate::chart::set::{SetAttribute, SetEntry, SetType, SetValue};
        let set = |index, name: &str, value: &str| SetEntry {
            attribute: SetAttribute::Set,
            index,
            name: name.to_string(),
            value: SetValue::Text(value.to_string()),
            kind: SetType::Auto,
        };
        let entries = vec!["configuration: {period: 1h, drainTimeout: 5m}".to_string()];
        let sets = [
            set(0, "configuration.period", "2h"),
            // A typed null removes the chart's default, as a null in a document does.
            set(1, "configuration.rebootSentinel", "null"),
            set(2, "configuration.drainTimeout", "null"),
        ];
        let got = merge_values(V5_11, &entries, &sets).unwrap();
        assert_eq!(
            got.values.pointer("/configuration/period"),
            Some(&json!("2h"))
        );
        assert_eq!(got.values.pointer("/configuration/rebootSentinel"), None);
        assert_eq!(got.values.pointer("/configuration/drainTimeout"), None);
        assert_eq!(
            got.values.pointer("/configuration/logFormat"),
            Some(&json!("text"))
        );
        assert_eq!(
            got.provenance.last_writer("configuration.period"),
            Some(ValuesEntry::Set(SetAttribute::Set, 0))
        );
        // An entry Helm refuses is an error of the merge.
        let refused = merge_values(V5_11, &entries, &[set(0, "configuration[0]", "x")]);
        assert!(matches!(refused, Err(ValuesError::Set(_))), "{refused:?}");
    }

    #[test]
    fn type_clashes_keep_the_user_value_with_a_warning() {
        let entries = vec!["image: latest".to_string()];
        let got = merge_values(V5_11, &entries, &[]).unwrap();
        assert_eq!(got.values.pointer("/image"), Some(&json!("latest")));
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
        assert!(got.warnings[0].starts_with("image "), "{:?}", got.warnings);
    }

    #[test]
    fn errors_name_the_entry_and_position() {
        let err = merged(V5_11, &["a: 1", "a: 1\n---\nb: [unclosed\n"]).unwrap_err();
        match &err {
            ValuesError::Yaml { index, source } => {
                assert_eq!(*index, 1);
                assert_eq!(source.document, 2);
                assert!(source.position.is_some());
            }
            other => panic!("unexpected {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.starts_with("values[1] is not valid YAML: YAML document 2, line"),
            "{text}"
        );
    }

    #[test]
    fn documents_must_be_maps() {
        let cases = [
            ("- a\n- b\n", 0, 1, "a list"),
            ("a: 1\n---\nplain\n", 0, 2, "the string \"plain\""),
            ("42", 0, 1, "the number 42"),
        ];
        for (entry, index, document, found) in cases {
            let err = merged(V5_11, &[entry]).unwrap_err();
            assert_eq!(
                err,
                ValuesError::NotAMap {
                    index,
                    document,
                    found: found.to_string()
                },
                "entry {entry:?}"
            );
            assert!(err.to_string().contains("must be a map"), "{err}");
        }
    }
}
