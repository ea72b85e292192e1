//! Which nodes run kured (and the gate): from their DaemonSet's scheduling evaluated
//! against each node (a manifest, or the chart's values), or from the pods a live
//! cluster runs. A node without a kured pod is never rebooted by kured.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json, json};

use crate::base::version::Version;
use crate::base::yaml::parse_documents;
use crate::forecast::cluster::{
    Effect, Node, Scheduling, Toleration, read_daemonset_scheduling, untolerated,
};

/// Where a DaemonSet's pods are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DaemonPlacement {
    /// Wherever its pod template's scheduling lets the DaemonSet controller put a pod.
    Rules(Scheduling),
    /// On these nodes, with a ready pod (read from a live cluster).
    Pods(BTreeSet<String>),
    /// On every node (nothing says otherwise).
    Everywhere,
}

/// The tolerations the DaemonSet controller adds to every DaemonSet pod
/// (pkg/controller/daemon/util `AddOrUpdateDaemonPodTolerations`), so cordoned, unready or
/// pressured nodes keep their DaemonSet pods.
pub fn daemonset_tolerations() -> Vec<Toleration> {
    vec![
        Toleration::of("node.kubernetes.io/not-ready", Effect::NoExecute),
        Toleration::of("node.kubernetes.io/unreachable", Effect::NoExecute),
        Toleration::of("node.kubernetes.io/disk-pressure", Effect::NoSchedule),
        Toleration::of("node.kubernetes.io/memory-pressure", Effect::NoSchedule),
        Toleration::of("node.kubernetes.io/pid-pressure", Effect::NoSchedule),
        Toleration::of("node.kubernetes.io/unschedulable", Effect::NoSchedule),
    ]
}

/// The nodes where the DaemonSet (`what`, such as `kured`) has no pod, each with why.
pub fn missing_on(
    nodes: &[Node],
    placement: &DaemonPlacement,
    what: &str,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for node in nodes {
        let why = match placement {
            DaemonPlacement::Everywhere => None,
            DaemonPlacement::Pods(ready) => (!ready.contains(node.name.as_str()))
                .then(|| format!("the cluster runs no ready {what} pod on it")),
            DaemonPlacement::Rules(s) => rule_misfit(node, s, what),
        };
        if let Some(why) = why {
            out.insert(node.name.to_string(), why);
        }
    }
    out
}

fn rule_misfit(node: &Node, s: &Scheduling, what: &str) -> Option<String> {
    for (key, value) in &s.node_selector {
        let found = node.labels.get(key);
        if found != Some(value) {
            let has = match found {
                Some(v) => format!("the node has {key}={v}"),
                None => format!("the node has no {key} label"),
            };
            return Some(format!(
                "the {what} DaemonSet's nodeSelector wants {key}={value}, and {has}"
            ));
        }
    }
    if !s.affinity.is_empty() && !s.affinity.iter().any(|t| t.matches(node)) {
        return Some(format!(
            "the {what} DaemonSet's required node affinity matches none of its terms here"
        ));
    }
    let mut tolerations = s.tolerations.clone();
    tolerations.extend(daemonset_tolerations());
    untolerated(&node.taints, &tolerations).map(|t| {
        format!(
            "the {what} DaemonSet does not tolerate the node's taint {}",
            t.describe()
        )
    })
}

/// The scheduling of the kured chart's DaemonSet: `nodeSelector`, `tolerations` and
/// `affinity` from the values, over the chart's defaults (kubereboot/charts
/// templates/daemonset.yaml, every chart version: without user tolerations it tolerates
/// the control-plane and master taints; from 5.0.0 `nodeSelector` defaults to
/// `kubernetes.io/os: linux`). Values errors are the chart renderer's to report, so a
/// shape this cannot read is returned as text for the caller to report.
pub fn chart_scheduling(chart_version: Version, values: &[String]) -> Result<Scheduling, String> {
    let mut node_selector: Map<String, Json> = Map::new();
    if chart_version >= Version::new(5, 0, 0) {
        node_selector.insert("kubernetes.io/os".into(), json!("linux"));
    }
    let mut tolerations = Json::Null;
    let mut affinity = Json::Null;
    for (index, entry) in values.iter().enumerate() {
        let docs = parse_documents(entry).map_err(|e| format!("values[{index}]: {e}"))?;
        for doc in docs {
            let Json::Object(doc) = doc else { continue };
            match doc.get("nodeSelector") {
                None => {}
                Some(Json::Null) => node_selector.clear(),
                Some(Json::Object(map)) => {
                    for (k, v) in map {
                        if v.is_null() {
                            // Helm drops a key set to null, default included.
                            node_selector.remove(k);
                        } else {
                            node_selector.insert(k.clone(), v.clone());
                        }
                    }
                }
                Some(other) => {
                    return Err(format!(
                        "values[{index}]: nodeSelector must be a map of labels, not {other}"
                    ));
                }
            }
            if let Some(t) = doc.get("tolerations") {
                tolerations = t.clone();
            }
            if let Some(a) = doc.get("affinity") {
                merge(&mut affinity, a);
            }
        }
    }
    let tolerations = match tolerations {
        Json::Array(list) if !list.is_empty() => Json::Array(list),
        _ => json!([
            {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
            {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}
        ]),
    };
    let daemonset = json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "kured"},
        "spec": {"template": {"spec": {
            "nodeSelector": node_selector, "tolerations": tolerations, "affinity": affinity
        }}}
    });
    read_daemonset_scheduling(&daemonset).map_err(|e| e.to_string())
}

/// Helm's merge of one values document into another: maps key by key, a null removes.
fn merge(into: &mut Json, from: &Json) {
    match (into, from) {
        (Json::Object(a), Json::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(k);
                } else {
                    merge(a.entry(k.clone()).or_insert(Json::Null), v);
                }
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

/// The scheduling of the one DaemonSet in a manifest.
pub fn manifest_scheduling(text: &str) -> Result<Scheduling, String> {
    let docs = parse_documents(text).map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    for doc in &docs {
        match doc.get("kind").and_then(Json::as_str) {
            Some("List") => {
                if let Some(Json::Array(items)) = doc.get("items") {
                    found.extend(
                        items
                            .iter()
                            .filter(|i| i.get("kind").and_then(Json::as_str) == Some("DaemonSet")),
                    );
                }
            }
            Some("DaemonSet") => found.push(doc),
            _ => {}
        }
    }
    match found.as_slice() {
        [one] => read_daemonset_scheduling(one).map_err(|e| e.to_string()),
        _ => Err(format!(
            "the manifest holds {} DaemonSets; it must hold exactly one",
            found.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::cluster::Taint;

    fn nodes() -> Vec<Node> {
        let mut windows = Node::named("win-1");
        windows.labels = [
            ("kubernetes.io/hostname", "win-1"),
            ("kubernetes.io/os", "windows"),
        ]
        .into_iter()
        .collect();
        let mut gpu = Node::named("gpu-1");
        gpu.taints.push(Taint {
            key: "dedicated".into(),
            value: "gpu".into(),
            effect: Effect::NoSchedule,
        });
        let mut control = Node::named("cp-1");
        control.taints.push(Taint {
            key: "node-role.kubernetes.io/control-plane".into(),
            value: String::new(),
            effect: Effect::NoSchedule,
        });
        let mut cordoned = Node::named("cordoned-1");
        cordoned.unschedulable = true;
        cordoned.taints.push(Taint {
            key: "node.kubernetes.io/unschedulable".into(),
            value: String::new(),
            effect: Effect::NoSchedule,
        });
        vec![Node::named("linux-1"), windows, gpu, control, cordoned]
    }

    #[test]
    fn the_chart_defaults_keep_kured_off_windows_and_tainted_nodes() {
        let s = chart_scheduling(Version::new(5, 11, 0), &[]).unwrap();
        let missing = missing_on(&nodes(), &DaemonPlacement::Rules(s), "kured");
        let names: Vec<&str> = missing.keys().map(String::as_str).collect();
        assert_eq!(names, ["gpu-1", "win-1"]);
        assert_eq!(
            missing["win-1"],
            "the kured DaemonSet's nodeSelector wants kubernetes.io/os=linux, and the node has kubernetes.io/os=windows"
        );
        assert_eq!(
            missing["gpu-1"],
            "the kured DaemonSet does not tolerate the node's taint dedicated=gpu:NoSchedule"
        );
        // Chart 4.x has no nodeSelector default.
        let old = chart_scheduling(Version::new(4, 7, 0), &[]).unwrap();
        assert!(!missing_on(&nodes(), &DaemonPlacement::Rules(old), "kured").contains_key("win-1"));
    }

    #[test]
    fn user_values_replace_tolerations_and_can_drop_the_default_selector() {
        let values = vec![
            "tolerations: [{operator: Exists}]\n".to_string(),
            "nodeSelector: {kubernetes.io/os: null}\n".to_string(),
        ];
        let s = chart_scheduling(Version::new(5, 11, 0), &values).unwrap();
        assert!(missing_on(&nodes(), &DaemonPlacement::Rules(s), "kured").is_empty());
        let bad = chart_scheduling(
            Version::new(5, 11, 0),
            &["nodeSelector: linux\n".to_string()],
        );
        assert!(bad.unwrap_err().contains("nodeSelector must be a map"));
    }

    #[test]
    fn live_pods_and_manifests_place_daemonsets() {
        let ready: BTreeSet<String> = ["linux-1".to_string()].into();
        let missing = missing_on(&nodes(), &DaemonPlacement::Pods(ready), "gate");
        assert_eq!(missing.len(), 4);
        assert_eq!(missing["cp-1"], "the cluster runs no ready gate pod on it");
        let manifest = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: kured}\nspec:\n  template:\n    spec:\n      nodeSelector: {kubernetes.io/os: linux}\n      containers: [{name: kured}]\n";
        let s = manifest_scheduling(manifest).unwrap();
        let missing = missing_on(&nodes(), &DaemonPlacement::Rules(s), "kured");
        let names: Vec<&str> = missing.keys().map(String::as_str).collect();
        assert_eq!(names, ["cp-1", "gpu-1", "win-1"]);
    }
}
