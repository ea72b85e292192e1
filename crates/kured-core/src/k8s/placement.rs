//! Where DaemonSet pods run, and the nodes that run kured but no ready gate pod: on those
//! nodes the gated sentinel is never written, so kured never reboots them.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use crate::pdb::LabelSelector;
use crate::pdb::objects::Pod;

/// Why a DaemonSet's pods cannot be found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    #[error("the DaemonSet has no spec.selector, so its pods cannot be told apart")]
    NoSelector,
    #[error("the DaemonSet's spec.selector is invalid: {0}")]
    Selector(String),
    #[error("a pod could not be read: {0}")]
    Pod(String),
}

/// The label selector query (`a=b,c in (x)`) that lists a DaemonSet's pods.
pub fn daemonset_selector(daemonset: &Json) -> Result<String, PlacementError> {
    let selector = daemonset
        .pointer("/spec/selector")
        .filter(|s| !s.is_null())
        .ok_or(PlacementError::NoSelector)?;
    let selector =
        LabelSelector::from_json(selector).map_err(|e| PlacementError::Selector(e.to_string()))?;
    if selector.is_empty() {
        // An empty selector would select every pod of the namespace; the API server
        // refuses such a DaemonSet, so this is not one that runs.
        return Err(PlacementError::NoSelector);
    }
    Ok(selector.to_string())
}

/// The pods whose controller is `daemonset`, as the DaemonSet controller counts them:
/// an `ownerReferences` entry with `controller: true`, kind `DaemonSet` of group `apps`,
/// the DaemonSet's name and, when the DaemonSet has one (a live object always does), its
/// `uid`. A label selector alone also finds pods of another DaemonSet or workload that
/// share its labels, and pods nobody controls.
pub fn controlled_by<'a>(pods: &'a [Json], daemonset: &Json) -> Vec<&'a Json> {
    let name = daemonset.pointer("/metadata/name").and_then(Json::as_str);
    let uid = daemonset.pointer("/metadata/uid").and_then(Json::as_str);
    pods.iter()
        .filter(|pod| {
            let Some(owners) = pod
                .pointer("/metadata/ownerReferences")
                .and_then(Json::as_array)
            else {
                return false;
            };
            owners.iter().any(|owner| {
                let text = |key: &str| owner.get(key).and_then(Json::as_str);
                owner.get("controller").and_then(Json::as_bool) == Some(true)
                    && text("kind") == Some("DaemonSet")
                    && text("apiVersion").is_some_and(|v| v.starts_with("apps/"))
                    && name.is_some()
                    && text("name") == name
                    && uid.is_none_or(|uid| text("uid") == Some(uid))
            })
        })
        .collect()
}

/// A pod scheduled on a node, and whether it is Ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub node: String,
    pub ready: bool,
}

/// Where each scheduled pod runs; pods not yet scheduled are left out.
pub fn placements<'a>(
    pods: impl IntoIterator<Item = &'a Json>,
) -> Result<Vec<Placement>, PlacementError> {
    let mut out = Vec::new();
    for pod in pods {
        let Some(node) = pod.pointer("/spec/nodeName").and_then(Json::as_str) else {
            continue;
        };
        let parsed = Pod::from_json(pod).map_err(|e| PlacementError::Pod(e.to_string()))?;
        out.push(Placement {
            node: node.to_string(),
            ready: parsed.ready && !parsed.terminating,
        });
    }
    Ok(out)
}

/// Nodes with a kured pod and no ready gate pod, sorted.
pub fn nodes_without_gate(kured: &[Placement], gate: &[Placement]) -> Vec<String> {
    let gated: BTreeSet<&str> = gate
        .iter()
        .filter(|p| p.ready)
        .map(|p| p.node.as_str())
        .collect();
    let kured_nodes: BTreeSet<&str> = kured.iter().map(|p| p.node.as_str()).collect();
    kured_nodes
        .into_iter()
        .filter(|node| !gated.contains(node))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(node: Option<&str>, ready: bool) -> Json {
        let mut spec = json!({"containers": [{"name": "c"}]});
        if let Some(node) = node {
            spec["nodeName"] = json!(node);
        }
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "kube-system"},
            "spec": spec,
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
        })
    }

    #[test]
    fn finds_nodes_whose_gate_pod_is_missing_or_unready() {
        let kured = placements(&[
            pod(Some("a"), true),
            pod(Some("b"), true),
            pod(Some("c"), false),
            pod(None, false),
        ])
        .unwrap();
        let gate = placements(&[pod(Some("a"), true), pod(Some("b"), false)]).unwrap();
        assert_eq!(kured.len(), 3, "an unscheduled pod has no node");
        assert_eq!(
            nodes_without_gate(&kured, &gate),
            vec!["b".to_string(), "c".to_string()]
        );
        assert!(
            nodes_without_gate(&kured, &kured).len() == 1,
            "c's own pod is unready"
        );
    }

    #[test]
    fn only_pods_the_daemonset_controls_are_its_own() {
        let ds = json!({"metadata": {"name": "gate", "namespace": "kube-system", "uid": "u-gate"}});
        let owned = |kind: &str, name: &str, uid: &str, controller: bool| {
            json!({"metadata": {"name": format!("{name}-{uid}"), "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": uid, "controller": controller}
            ]}})
        };
        let pods = vec![
            owned("DaemonSet", "gate", "u-gate", true),
            owned("DaemonSet", "gate-copy", "u-copy", true),
            owned("DaemonSet", "gate", "u-old", true),
            owned("DaemonSet", "gate", "u-gate", false),
            owned("ReplicaSet", "gate", "u-gate", true),
            json!({"metadata": {"name": "orphan"}}),
        ];
        let mine = controlled_by(&pods, &ds);
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["metadata"]["name"], "gate-u-gate");
        // Without a uid (a manifest), the name decides.
        let no_uid = json!({"metadata": {"name": "gate"}});
        assert_eq!(controlled_by(&pods, &no_uid).len(), 2);
    }

    #[test]
    fn builds_the_selector_query_of_a_daemonset() {
        let ds = json!({"spec": {"selector": {"matchLabels": {"app": "kured"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["node"]}]}}});
        assert_eq!(daemonset_selector(&ds).unwrap(), "app=kured,tier in (node)");
        assert_eq!(
            daemonset_selector(&json!({"spec": {}})),
            Err(PlacementError::NoSelector)
        );
        assert_eq!(
            daemonset_selector(&json!({"spec": {"selector": {}}})),
            Err(PlacementError::NoSelector)
        );
        assert!(matches!(
            daemonset_selector(
                &json!({"spec": {"selector": {"matchExpressions": [{"key": "a", "operator": "Near"}]}}})
            ),
            Err(PlacementError::Selector(_))
        ));
    }
}
