//! The kinds the provider reads and the RBAC rules that reading them needs.

use std::fmt;

/// A kind of Kubernetes object the provider can list.
///
/// Each variant fixes its API group, version and resource name, so a request
/// path is always built from this table and never from caller input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// `v1` Pods.
    Pods,
    /// `v1` Nodes (cluster-scoped).
    Nodes,
    /// `apps/v1` DaemonSets.
    DaemonSets,
    /// `apps/v1` Deployments.
    Deployments,
    /// `apps/v1` StatefulSets.
    StatefulSets,
    /// `apps/v1` ReplicaSets.
    ReplicaSets,
    /// `v1` ReplicationControllers.
    ReplicationControllers,
    /// `policy/v1` PodDisruptionBudgets.
    PodDisruptionBudgets,
}

impl ListKind {
    /// Every kind, in a stable order.
    pub const ALL: [ListKind; 8] = [
        ListKind::Pods,
        ListKind::Nodes,
        ListKind::DaemonSets,
        ListKind::Deployments,
        ListKind::StatefulSets,
        ListKind::ReplicaSets,
        ListKind::ReplicationControllers,
        ListKind::PodDisruptionBudgets,
    ];

    /// The API group (`""` for the core group).
    pub const fn group(self) -> &'static str {
        match self {
            ListKind::Pods | ListKind::Nodes | ListKind::ReplicationControllers => "",
            ListKind::DaemonSets
            | ListKind::Deployments
            | ListKind::StatefulSets
            | ListKind::ReplicaSets => "apps",
            ListKind::PodDisruptionBudgets => "policy",
        }
    }

    /// The `apiVersion` of objects of this kind, e.g. `apps/v1`.
    pub const fn api_version(self) -> &'static str {
        match self.group().as_bytes() {
            b"" => "v1",
            b"apps" => "apps/v1",
            _ => "policy/v1",
        }
    }

    /// The `kind` of one object, e.g. `DaemonSet`.
    pub const fn kind(self) -> &'static str {
        match self {
            ListKind::Pods => "Pod",
            ListKind::Nodes => "Node",
            ListKind::DaemonSets => "DaemonSet",
            ListKind::Deployments => "Deployment",
            ListKind::StatefulSets => "StatefulSet",
            ListKind::ReplicaSets => "ReplicaSet",
            ListKind::ReplicationControllers => "ReplicationController",
            ListKind::PodDisruptionBudgets => "PodDisruptionBudget",
        }
    }

    /// The resource name used in URLs and RBAC rules, e.g. `daemonsets`.
    pub const fn resource(self) -> &'static str {
        match self {
            ListKind::Pods => "pods",
            ListKind::Nodes => "nodes",
            ListKind::DaemonSets => "daemonsets",
            ListKind::Deployments => "deployments",
            ListKind::StatefulSets => "statefulsets",
            ListKind::ReplicaSets => "replicasets",
            ListKind::ReplicationControllers => "replicationcontrollers",
            ListKind::PodDisruptionBudgets => "poddisruptionbudgets",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub const fn namespaced(self) -> bool {
        !matches!(self, ListKind::Nodes)
    }

    /// The URL path of the collection, cluster-wide when `namespace` is
    /// `None` or the kind is cluster-scoped. `namespace` must already be
    /// validated.
    pub(super) fn collection_path(self, namespace: Option<&str>) -> String {
        let root = match self.group() {
            "" => "/api/v1".to_owned(),
            group => format!("/apis/{group}/v1"),
        };
        match namespace {
            Some(ns) if self.namespaced() => {
                format!("{root}/namespaces/{ns}/{}", self.resource())
            }
            _ => format!("{root}/{}", self.resource()),
        }
    }
}

/// Shown in messages as the group-qualified resource, the way `kubectl`
/// and RBAC errors name it: `pods`, `daemonsets.apps`.
impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.group() {
            "" => f.write_str(self.resource()),
            group => write!(f, "{}.{group}", self.resource()),
        }
    }
}

/// One rule of a ClusterRole: these verbs on these resources of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyRule {
    /// The API group (`""` for the core group).
    pub api_group: &'static str,
    /// Resource names within the group.
    pub resources: &'static [&'static str],
    /// Allowed verbs; only reads.
    pub verbs: &'static [&'static str],
}

/// The verbs the provider ever uses.
const READ_VERBS: &[&str] = &["get", "list"];

/// The minimal rules of a read-only ClusterRole that lets the provider read
/// everything it reads in live mode.
pub const REQUIRED_RULES: &[PolicyRule] = &[
    PolicyRule {
        api_group: "",
        resources: &["nodes", "pods", "replicationcontrollers"],
        verbs: READ_VERBS,
    },
    PolicyRule {
        api_group: "apps",
        resources: &["daemonsets", "deployments", "replicasets", "statefulsets"],
        verbs: READ_VERBS,
    },
    PolicyRule {
        api_group: "policy",
        resources: &["poddisruptionbudgets"],
        verbs: READ_VERBS,
    },
];

/// Renders [`REQUIRED_RULES`] as a ClusterRole manifest named `name`, for
/// the README and for error messages that point at it.
pub fn required_cluster_role_yaml(name: &str) -> String {
    let mut out = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\nrules:\n"
    );
    for rule in REQUIRED_RULES {
        out.push_str(&format!(
            "  - apiGroups: [\"{}\"]\n    resources: [{}]\n    verbs: [{}]\n",
            rule.api_group,
            quoted_list(rule.resources),
            quoted_list(rule.verbs),
        ));
    }
    out
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("\"{item}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ClusterRole users are told to grant (README, permission errors) must let the
    /// provider get and list every kind it reads.
    #[test]
    fn every_kind_is_readable_under_the_cluster_role_users_grant() {
        let yaml = required_cluster_role_yaml("reader");
        let documents = kured_core::base::yaml::parse_documents(&yaml).unwrap_or_default();
        let rules = documents
            .first()
            .and_then(|role| role["rules"].as_array())
            .cloned()
            .unwrap_or_default();
        let listed = |rule: &serde_json::Value, field: &str, item: &str| {
            rule[field]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i == item))
        };
        for kind in ListKind::ALL {
            for verb in ["get", "list"] {
                assert!(
                    rules
                        .iter()
                        .any(|rule| listed(rule, "apiGroups", kind.group())
                            && listed(rule, "resources", kind.resource())
                            && listed(rule, "verbs", verb)),
                    "{kind} lacks {verb} in:\n{yaml}"
                );
            }
        }
    }

    #[test]
    fn required_rules_grant_no_write_verb() {
        for rule in REQUIRED_RULES {
            for verb in rule.verbs {
                assert!(matches!(*verb, "get" | "list"), "unexpected verb {verb}");
            }
        }
    }

    #[test]
    fn collection_paths_follow_the_api_layout() {
        assert_eq!(ListKind::Pods.collection_path(None), "/api/v1/pods");
        assert_eq!(
            ListKind::DaemonSets.collection_path(Some("kube-system")),
            "/apis/apps/v1/namespaces/kube-system/daemonsets"
        );
        assert_eq!(
            ListKind::PodDisruptionBudgets.collection_path(None),
            "/apis/policy/v1/poddisruptionbudgets"
        );
        assert_eq!(ListKind::Nodes.collection_path(Some("x")), "/api/v1/nodes");
    }

    #[test]
    fn cluster_role_yaml_names_every_rule() {
        let yaml = required_cluster_role_yaml("kured-provider-read");
        assert!(yaml.contains("name: kured-provider-read"));
        assert!(yaml.contains("apiGroups: [\"policy\"]"));
        assert!(yaml.contains("\"poddisruptionbudgets\""));
        assert!(yaml.contains("verbs: [\"get\", \"list\"]"));
    }
}
