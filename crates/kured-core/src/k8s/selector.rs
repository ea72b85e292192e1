//! Kubernetes label selectors (`metav1.LabelSelector`) as PodDisruptionBudgets use them.
//!
//! Reading follows apimachinery's `LabelSelectorAsSelector`: every key must be a qualified
//! name, every value a label value, `In`/`NotIn` need at least one value and
//! `Exists`/`DoesNotExist` none. Printing follows kubectl (`metav1.FormatLabelSelector`):
//! requirements sorted by key, `a=b,c in (x,y),!d`, and `<none>` when nothing restricts.
//!
//! A budget's *absent* selector is modelled as `Option::None` by the caller and matches
//! nothing; an empty selector (`{}`) matches every pod of the namespace.

use std::collections::BTreeMap;

use crate::base::text::{Labels, Text};
use std::fmt;

use serde_json::Value as Json;

/// The operator of one `matchExpressions` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// The label is present and its value is one of `values`.
    In,
    /// The label is absent, or present with a value outside `values`.
    NotIn,
    /// The label is present, whatever its value.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

impl Operator {
    /// The operators the API accepts, spelled as in manifests.
    pub const VALID: [&'static str; 4] = ["In", "NotIn", "Exists", "DoesNotExist"];

    /// The spelling used in manifests (`In`, `NotIn`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        }
    }

    fn parse(s: &str) -> Option<Operator> {
        // The API is case-sensitive here: `in` is rejected by the server, so reject it too.
        match s {
            "In" => Some(Operator::In),
            "NotIn" => Some(Operator::NotIn),
            "Exists" => Some(Operator::Exists),
            "DoesNotExist" => Some(Operator::DoesNotExist),
            _ => None,
        }
    }
}

/// One entry of `matchExpressions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The label key the expression tests.
    pub key: String,
    /// How the key and values are compared.
    pub operator: Operator,
    /// The values for `In`/`NotIn`; empty for `Exists`/`DoesNotExist`.
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether a pod with these labels satisfies this requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        let listed = |v: &Text| self.values.iter().any(|x| v == x);
        match self.operator {
            Operator::In => value.is_some_and(listed),
            Operator::NotIn => value.is_none_or(|v| !listed(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A present (non-null) label selector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// `matchLabels`: each key must carry exactly this value.
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`: each must hold as well.
    pub match_expressions: Vec<Requirement>,
}

/// Why a label selector was refused. `path` is the field inside the selector, such as
/// `matchExpressions[1].values`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// A field holds the wrong JSON type.
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        /// Where in the selector, such as `matchExpressions[0].values`.
        path: String,
        /// What the field should hold.
        expected: &'static str,
        /// What it holds.
        found: String,
    },
    /// An expression has no `key`.
    #[error("{path}: a key is required")]
    MissingKey {
        /// Where in the selector.
        path: String,
    },
    /// An operator outside the four the API knows.
    #[error(
        "{path}: {operator:?} is not a label selector operator; use one of In, NotIn, Exists, DoesNotExist"
    )]
    UnknownOperator {
        /// Where in the selector.
        path: String,
        /// The operator given.
        operator: String,
    },
    /// `In`/`NotIn` without values: such an expression could never match.
    #[error("{path}: operator {operator} needs at least one value")]
    ValuesRequired {
        /// Where in the selector, such as `matchExpressions[0].values`.
        path: String,
        /// The operator of the expression.
        operator: &'static str,
    },
    /// `Exists`/`DoesNotExist` with values, which the API rejects.
    #[error("{path}: operator {operator} takes no values; remove them or use In/NotIn")]
    ValuesForbidden {
        /// Where in the selector, such as `matchExpressions[0].values`.
        path: String,
        /// The operator of the expression.
        operator: &'static str,
    },
    /// A key that is not a qualified name (`[prefix/]name`).
    #[error("{path}: {key:?} is not a valid label key: {reason}")]
    InvalidKey {
        /// Where in the selector, such as `matchExpressions[0].values`.
        path: String,
        /// The key given.
        key: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A value that is not a valid label value.
    #[error("{path}: {value:?} is not a valid label value: {reason}")]
    InvalidValue {
        /// Where in the selector, such as `matchExpressions[0].values`.
        path: String,
        /// The value given.
        value: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
}

impl LabelSelector {
    /// Reads a selector object (`{matchLabels: ..., matchExpressions: [...]}`) and validates
    /// it as the API server would. A JSON `null` is not accepted here: the caller decides
    /// what an absent selector means.
    pub fn from_json(value: &Json) -> Result<LabelSelector, SelectorError> {
        let object = value.as_object().ok_or_else(|| SelectorError::WrongType {
            path: "selector".into(),
            expected: "an object",
            found: json_type(value),
        })?;
        let mut selector = LabelSelector::default();
        match object.get("matchLabels") {
            None | Some(Json::Null) => {}
            Some(Json::Object(map)) => {
                for (key, value) in map {
                    let path = format!("matchLabels.{key}");
                    let value = value.as_str().ok_or_else(|| SelectorError::WrongType {
                        path: path.clone(),
                        expected: "a string",
                        found: json_type(value),
                    })?;
                    selector.match_labels.insert(key.clone(), value.to_string());
                }
            }
            Some(other) => {
                return Err(SelectorError::WrongType {
                    path: "matchLabels".into(),
                    expected: "a map of strings",
                    found: json_type(other),
                });
            }
        }
        match object.get("matchExpressions") {
            None | Some(Json::Null) => {}
            Some(Json::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    let path = format!("matchExpressions[{index}]");
                    selector
                        .match_expressions
                        .push(read_requirement(item, &path)?);
                }
            }
            Some(other) => {
                return Err(SelectorError::WrongType {
                    path: "matchExpressions".into(),
                    expected: "a list",
                    found: json_type(other),
                });
            }
        }
        selector.validate()?;
        Ok(selector)
    }

    /// Checks keys, values and operator arity as `LabelSelectorAsSelector` does.
    pub fn validate(&self) -> Result<(), SelectorError> {
        for (key, value) in &self.match_labels {
            let path = format!("matchLabels.{key}");
            check_key(key, &path)?;
            check_value(value, &path)?;
        }
        for (index, requirement) in self.match_expressions.iter().enumerate() {
            let path = format!("matchExpressions[{index}]");
            check_key(&requirement.key, &format!("{path}.key"))?;
            let values_path = format!("{path}.values");
            match requirement.operator {
                Operator::In | Operator::NotIn if requirement.values.is_empty() => {
                    return Err(SelectorError::ValuesRequired {
                        path: values_path,
                        operator: requirement.operator.as_str(),
                    });
                }
                Operator::Exists | Operator::DoesNotExist if !requirement.values.is_empty() => {
                    return Err(SelectorError::ValuesForbidden {
                        path: values_path,
                        operator: requirement.operator.as_str(),
                    });
                }
                _ => {}
            }
            for (i, value) in requirement.values.iter().enumerate() {
                check_value(value, &format!("{values_path}[{i}]"))?;
            }
        }
        Ok(())
    }

    /// True when the selector has no requirement at all and so selects every pod.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether a pod with these labels is selected (all requirements hold).
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k).is_some_and(|x| x == v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }
}

fn read_requirement(item: &Json, path: &str) -> Result<Requirement, SelectorError> {
    let object = item.as_object().ok_or_else(|| SelectorError::WrongType {
        path: path.to_string(),
        expected: "an object with key, operator and values",
        found: json_type(item),
    })?;
    let key = match object.get("key") {
        Some(Json::String(s)) => s.clone(),
        None | Some(Json::Null) => {
            return Err(SelectorError::MissingKey {
                path: format!("{path}.key"),
            });
        }
        Some(other) => {
            return Err(SelectorError::WrongType {
                path: format!("{path}.key"),
                expected: "a string",
                found: json_type(other),
            });
        }
    };
    let operator = match object.get("operator") {
        Some(Json::String(s)) => {
            Operator::parse(s).ok_or_else(|| SelectorError::UnknownOperator {
                path: format!("{path}.operator"),
                operator: s.clone(),
            })?
        }
        None | Some(Json::Null) => {
            return Err(SelectorError::UnknownOperator {
                path: format!("{path}.operator"),
                operator: String::new(),
            });
        }
        Some(other) => {
            return Err(SelectorError::WrongType {
                path: format!("{path}.operator"),
                expected: "a string",
                found: json_type(other),
            });
        }
    };
    let mut values = Vec::new();
    match object.get("values") {
        None | Some(Json::Null) => {}
        Some(Json::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                let s = v.as_str().ok_or_else(|| SelectorError::WrongType {
                    path: format!("{path}.values[{i}]"),
                    expected: "a string",
                    found: json_type(v),
                })?;
                values.push(s.to_string());
            }
        }
        Some(other) => {
            return Err(SelectorError::WrongType {
                path: format!("{path}.values"),
                expected: "a list of strings",
                found: json_type(other),
            });
        }
    }
    Ok(Requirement {
        key,
        operator,
        values,
    })
}

/// kubectl's rendering: one requirement per key-sorted entry, values sorted.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Go sorts requirements by key only; a stable sort with matchLabels first is one
        // of the orders it can produce and keeps our output deterministic.
        let mut parts: Vec<(&str, String)> = self
            .match_labels
            .iter()
            .map(|(k, v)| (k.as_str(), format!("{k}={v}")))
            .collect();
        for r in &self.match_expressions {
            let mut values: Vec<&str> = r.values.iter().map(String::as_str).collect();
            values.sort_unstable();
            let text = match r.operator {
                Operator::In => format!("{} in ({})", r.key, values.join(",")),
                Operator::NotIn => format!("{} notin ({})", r.key, values.join(",")),
                Operator::Exists => r.key.clone(),
                Operator::DoesNotExist => format!("!{}", r.key),
            };
            parts.push((r.key.as_str(), text));
        }
        parts.sort_by(|a, b| a.0.cmp(b.0));
        if parts.is_empty() {
            return f.write_str("<none>");
        }
        for (i, (_, text)) in parts.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(text)?;
        }
        Ok(())
    }
}

/// Names a JSON value's type for error messages, with a short excerpt for scalars.
pub(crate) fn json_type(value: &Json) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => format!("the boolean {b}"),
        Json::Number(n) => format!("the number {n}"),
        Json::String(s) => {
            let short: String = s.chars().take(40).collect();
            format!("the string {short:?}")
        }
        Json::Array(_) => "a list".into(),
        Json::Object(_) => "an object".into(),
    }
}

/// A label key is `[prefix/]name`: the prefix a DNS subdomain, the name a label name.
pub(crate) fn check_key(key: &str, path: &str) -> Result<(), SelectorError> {
    let fail = |reason| {
        Err(SelectorError::InvalidKey {
            path: path.to_string(),
            key: key.to_string(),
            reason,
        })
    };
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if name.contains('/') {
        return fail("it may contain at most one '/' (prefix/name)");
    }
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return fail("the prefix before '/' must not be empty");
        }
        if prefix.len() > 253 {
            return fail("the prefix must be at most 253 characters");
        }
        if !is_dns_subdomain(prefix) {
            return fail(
                "the prefix must be a lowercase DNS subdomain (a-z, 0-9, '-', '.', alphanumeric at both ends)",
            );
        }
    }
    if name.is_empty() {
        return fail("the name part must not be empty");
    }
    if name.len() > 63 {
        return fail("the name part must be at most 63 characters");
    }
    if !is_label_name(name) {
        return fail(
            "the name part may hold only A-Z, a-z, 0-9, '-', '_' and '.', and must start and end with a letter or digit",
        );
    }
    Ok(())
}

pub(crate) fn check_value(value: &str, path: &str) -> Result<(), SelectorError> {
    let fail = |reason| {
        Err(SelectorError::InvalidValue {
            path: path.to_string(),
            value: value.to_string(),
            reason,
        })
    };
    if value.len() > 63 {
        return fail("it must be at most 63 characters");
    }
    if !value.is_empty() && !is_label_name(value) {
        return fail(
            "it may hold only A-Z, a-z, 0-9, '-', '_' and '.', and must start and end with a letter or digit",
        );
    }
    Ok(())
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, non-empty.
fn is_label_name(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Dot-separated lowercase RFC 1123 labels.
fn is_dns_subdomain(s: &str) -> bool {
    s.split('.').all(|part| {
        let bytes = part.as_bytes();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                (first.is_ascii_lowercase() || first.is_ascii_digit())
                    && (last.is_ascii_lowercase() || last.is_ascii_digit())
                    && bytes
                        .iter()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (*k, *v)).collect()
    }

    #[test]
    fn matches_each_operator() {
        let pod_web = labels(&[("app", "web"), ("tier", "front")]);
        let pod_db = labels(&[("app", "db")]);
        let bare = labels(&[]);
        // (selector, matches pod_web, matches pod_db, matches bare)
        let cases = [
            (json!({}), true, true, true),
            (json!({"matchLabels": {"app": "web"}}), true, false, false),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "x"]}]}),
                true,
                false,
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}),
                false,
                true,
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}),
                true,
                false,
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist", "values": null}]}),
                false,
                true,
                true,
            ),
            (
                json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}),
                false,
                false,
                false,
            ),
        ];
        for (raw, web, db, none) in cases {
            let s = LabelSelector::from_json(&raw).unwrap();
            assert_eq!(s.matches(&pod_web), web, "{raw} vs web");
            assert_eq!(s.matches(&pod_db), db, "{raw} vs db");
            assert_eq!(s.matches(&bare), none, "{raw} vs no labels");
        }
    }

    #[test]
    fn formats_like_kubectl() {
        let cases = [
            (json!({}), "<none>"),
            (json!({"matchLabels": {"b": "2", "a": "1"}}), "a=1,b=2"),
            (
                json!({"matchLabels": {"a": "b"}, "matchExpressions": [
                    {"key": "d", "operator": "DoesNotExist"},
                    {"key": "c", "operator": "In", "values": ["y", "x"]},
                    {"key": "e", "operator": "NotIn", "values": ["z"]},
                    {"key": "b", "operator": "Exists"}
                ]}),
                "a=b,b,c in (x,y),!d,e notin (z)",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(LabelSelector::from_json(&raw).unwrap().to_string(), want);
        }
    }

    #[test]
    fn rejects_what_the_api_rejects() {
        let cases: [(Json, &str); 11] = [
            (
                json!({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]}),
                "\"Equals\" is not a label selector operator; use one of In, NotIn, Exists, DoesNotExist",
            ),
            (
                json!({"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]}),
                "\"in\" is not a label selector operator",
            ),
            (
                json!({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}),
                "matchExpressions[0].values: operator In needs at least one value",
            ),
            (
                json!({"matchExpressions": [{"key": "a", "operator": "NotIn"}]}),
                "operator NotIn needs at least one value",
            ),
            (
                json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}),
                "operator Exists takes no values",
            ),
            (
                json!({"matchExpressions": [{"key": "a", "operator": "DoesNotExist", "values": ["x"]}]}),
                "operator DoesNotExist takes no values",
            ),
            (
                json!({"matchLabels": {"bad key": "x"}}),
                "\"bad key\" is not a valid label key",
            ),
            (
                json!({"matchLabels": {"Example.com/a": "x"}}),
                "prefix must be a lowercase DNS subdomain",
            ),
            (
                json!({"matchLabels": {"a": "-x"}}),
                "\"-x\" is not a valid label value",
            ),
            (
                json!({"matchLabels": {"a": 3}}),
                "matchLabels.a: expected a string, found the number 3",
            ),
            (
                json!({"matchExpressions": {"key": "a"}}),
                "matchExpressions: expected a list, found an object",
            ),
        ];
        for (raw, want) in cases {
            let err = LabelSelector::from_json(&raw).unwrap_err().to_string();
            assert!(err.contains(want), "{raw}: got {err:?}, want {want:?}");
        }
    }

    #[test]
    fn accepts_valid_keys_and_values() {
        for key in [
            "app",
            "app.kubernetes.io/name",
            "a/b",
            "x_y.z-1",
            &"k".repeat(63),
        ] {
            assert!(check_key(key, "k").is_ok(), "{key}");
        }
        for key in ["/a", "a/", "a/b/c", "-a", &"k".repeat(64), "UP.com/a"] {
            assert!(check_key(key, "k").is_err(), "{key}");
        }
        for value in ["", "v", "v1.2_3-x", &"v".repeat(63)] {
            assert!(check_value(value, "v").is_ok(), "{value}");
        }
        for value in ["a b", "x.", &"v".repeat(64)] {
            assert!(check_value(value, "v").is_err(), "{value}");
        }
    }
}
