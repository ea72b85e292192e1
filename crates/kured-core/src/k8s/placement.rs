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

/// A pod scheduled on a node, and whether it is Ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub node: String,
    pub ready: bool,
}

/// Where each scheduled pod runs; pods not yet scheduled are left out.
pub fn placements(pods: &[Json]) -> Result<Vec<Placement>, PlacementError> {
    let mut out = Vec::with_capacity(pods.len());
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
