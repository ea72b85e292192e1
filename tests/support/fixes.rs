//! Fixes as the provider prints them, pasted as a user would: the fragment under its
//! heading in a diagnostic's detail, and a DaemonSet patch merged into a manifest.

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use serde_json::Value;

use super::diagnostics::Diagnostic;

pub const VALUES_HEADING: &str =
    "Paste as one more entry at the end of kured.values (Helm merges it last):";
pub const GATE_PATCH_HEADING: &str = "Patch the gate's DaemonSet with (kubectl patch --type strategic), or make the same change in its manifest:";
pub const PATCH_HEADING: &str = "Patch the kured DaemonSet with (kubectl patch --type strategic), or make the same change in its manifest:";

/// The fragment printed under `heading` in a diagnostic's detail, without its indent.
pub fn fragment(d: &Diagnostic, heading: &str) -> String {
    let mut lines = d.detail.lines().skip_while(|l| *l != heading);
    assert_eq!(lines.next(), Some(heading), "no fragment in {d:#?}");
    assert_eq!(lines.next(), Some(""), "{d:#?}");
    let text: Vec<&str> = lines
        .take_while(|l| !l.is_empty())
        .map(|l| {
            l.strip_prefix("  ")
                .unwrap_or_else(|| panic!("{l:?} is not indented"))
        })
        .collect();
    assert!(!text.is_empty(), "{d:#?}");
    text.join("\n") + "\n"
}

/// The one YAML document of `text`.
pub fn yaml(text: &str) -> Value {
    match kured_core::base::yaml::parse_documents(text)
        .unwrap()
        .as_slice()
    {
        [one] => one.clone(),
        other => panic!("{other:?}"),
    }
}

/// Merges `patch` into `target` as a strategic-merge patch of a DaemonSet does: maps
/// deep, lists of containers, env and volumes by `name`, volume mounts by `mountPath`,
/// any other list replaced.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let (Some(target), Some(patch)) = (target.as_object_mut(), patch.as_object()) else {
        return;
    };
    for (key, value) in patch {
        let merge_key = match key.as_str() {
            "containers" | "env" | "volumes" => Some("name"),
            "volumeMounts" => Some("mountPath"),
            _ => None,
        };
        match (target.get_mut(key), value, merge_key) {
            (Some(Value::Array(items)), Value::Array(patches), Some(merge_key)) => {
                for p in patches {
                    match items.iter_mut().find(|i| i[merge_key] == p[merge_key]) {
                        Some(item) => strategic_merge(item, p),
                        None => items.push(p.clone()),
                    }
                }
            }
            (Some(existing @ Value::Object(_)), Value::Object(_), _) => {
                strategic_merge(existing, value)
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}
