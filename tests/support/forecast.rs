//! Clusters for `kured_reboot_forecast` stacks: the incident (five nodes, eight
//! single-replica Anubis deployments under `minAvailable: 1`, a three-instance
//! CloudNativePG PostgreSQL), its fix, and smaller ones, as JSON `kind: List` documents;
//! and readers of the data source's outputs.

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use serde_json::{Value, json};

/// The incident's nodes.
pub const NODES: [&str; 5] = ["node-1", "node-2", "node-3", "node-4", "node-5"];

/// A cluster's objects, as `kubectl get -A -o json` would list them.
#[derive(Default)]
pub struct Objects(pub Vec<Value>);

impl Objects {
    /// A Linux node.
    pub fn node(mut self, name: &str) -> Self {
        self.0.push(json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}));
        self
    }

    /// A Deployment with its ReplicaSet and one Ready pod on each of `nodes`; `spec`
    /// is merged into every pod's spec.
    pub fn deployment(mut self, ns: &str, name: &str, nodes: &[&str], spec: Value) -> Self {
        let labels = json!({"app": name});
        self.0
            .push(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": nodes.len(), "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}}}}));
        self.0.push(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("{name}-6d4f8"), "namespace": ns,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "controller": true}]},
            "spec": {"replicas": nodes.len(), "template": {"metadata": {"labels": labels}}}}));
        for (i, node) in nodes.iter().enumerate() {
            let mut pod_spec = spec.clone();
            pod_spec["nodeName"] = json!(node);
            pod_spec["containers"] = json!([{"name": name, "image": "registry.example/app:1"}]);
            self = self.pod(
                ns,
                &format!("{name}-6d4f8-{i}"),
                labels.clone(),
                Some(("apps/v1", "ReplicaSet", &format!("{name}-6d4f8"))),
                pod_spec,
            );
        }
        self
    }

    /// A Ready pod.
    pub fn pod(
        mut self,
        ns: &str,
        name: &str,
        labels: Value,
        owner: Option<(&str, &str, &str)>,
        spec: Value,
    ) -> Self {
        let mut metadata = json!({"name": name, "namespace": ns, "labels": labels});
        if let Some((api, kind, owner)) = owner {
            metadata["ownerReferences"] =
                json!([{"apiVersion": api, "kind": kind, "name": owner, "controller": true}]);
        }
        self.0.push(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec,
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}),
        );
        self
    }

    /// A PodDisruptionBudget.
    pub fn budget(mut self, ns: &str, name: &str, spec: Value) -> Self {
        self.0.push(
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}),
        );
        self
    }

    /// The objects as one `kind: List`.
    pub fn to_json(&self) -> String {
        json!({"apiVersion": "v1", "kind": "List", "items": self.0}).to_string()
    }
}

/// `matchLabels: {app: <app>}`.
pub fn app(app: &str) -> Value {
    json!({"matchLabels": {"app": app}})
}

/// A CloudNativePG cluster `db/pg` of three instances, the primary on node-1, with the
/// operator's two budgets: `pg-primary` (minAvailable 1 of the primary) and `pg`
/// (minAvailable instances - 2 of the replicas).
pub fn postgres(mut o: Objects) -> Objects {
    for (i, node) in ["node-1", "node-2", "node-3"].iter().enumerate() {
        let role = if i == 0 { "primary" } else { "replica" };
        o = o.pod(
            "db",
            &format!("pg-{}", i + 1),
            json!({"cnpg.io/cluster": "pg", "cnpg.io/instanceRole": role}),
            Some(("postgresql.cnpg.io/v1", "Cluster", "pg")),
            json!({"nodeName": node, "containers": [{"name": "postgres"}]}),
        );
    }
    o.budget(
        "db",
        "pg-primary",
        json!({"minAvailable": 1,
        "selector": {"matchLabels": {"cnpg.io/cluster": "pg", "cnpg.io/instanceRole": "primary"}}}),
    )
    .budget(
        "db",
        "pg",
        json!({"minAvailable": 1,
        "selector": {"matchLabels": {"cnpg.io/cluster": "pg", "cnpg.io/instanceRole": "replica"}}}),
    )
}

/// The incident's cluster: anubis-1..8 with one replica each, round robin over the five
/// nodes, each under `minAvailable: 1`; PostgreSQL as [`postgres`].
pub fn incident() -> Objects {
    let mut o = Objects::default();
    for n in NODES {
        o = o.node(n);
    }
    for i in 0..8 {
        let name = format!("anubis-{}", i + 1);
        o = o
            .deployment("blog", &name, &[NODES[i % 5]], json!({}))
            .budget(
                "blog",
                &name,
                json!({"minAvailable": 1, "selector": app(&name)}),
            );
    }
    postgres(o)
}

/// The fix: two replicas of each on different nodes, under `maxUnavailable: 1`.
pub fn fixed() -> Objects {
    let mut o = Objects::default();
    for n in NODES {
        o = o.node(n);
    }
    for i in 0..8 {
        let name = format!("anubis-{}", i + 1);
        o = o
            .deployment(
                "blog",
                &name,
                &[NODES[i % 5], NODES[(i + 1) % 5]],
                json!({}),
            )
            .budget(
                "blog",
                &name,
                json!({"maxUnavailable": 1, "selector": app(&name)}),
            );
    }
    postgres(o)
}

/// The data source's outputs every forecast stack declares.
pub const OUTPUTS: &str = r#"
output "nodes" { value = data.kured_reboot_forecast.f.nodes }
output "never" { value = data.kured_reboot_forecast.f.nodes_never_rebooting }
output "completes" { value = data.kured_reboot_forecast.f.completes }
output "windows" { value = data.kured_reboot_forecast.f.windows_needed }
output "duration" { value = data.kured_reboot_forecast.f.rollout_duration }
output "alert" { value = data.kured_reboot_forecast.f.backlog_alert }
output "alert_after" { value = data.kured_reboot_forecast.f.backlog_alert_after }
"#;

/// `data "kured_reboot_forecast" "f"` of chart 5.11.0 with `configuration` (HCL object
/// body, such as `drainTimeout = "30m"`), reading `cluster.json`, plus `extra` arguments.
pub fn forecast_block(configuration: &str, extra: &str) -> String {
    format!(
        r#"
data "kured_reboot_forecast" "f" {{
  kured {{
    chart_version = "5.11.0"
    values        = [yamlencode({{ configuration = {{ {configuration} }} }})]
  }}
  manifests = [file("cluster.json")]
{extra}
}}
{OUTPUTS}
"#
    )
}

/// `(name, outcome)` of every node of the `nodes` output.
pub fn outcomes(out: &Value) -> Vec<(String, String)> {
    out["nodes"]["value"]
        .as_array()
        .unwrap_or_else(|| panic!("nodes is not a list: {out}"))
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap_or_default().to_string(),
                n["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The `nodes` entry of `name`.
pub fn node<'a>(out: &'a Value, name: &str) -> &'a Value {
    out["nodes"]["value"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["name"] == name))
        .unwrap_or_else(|| panic!("no node {name} in {out}"))
}

/// Pairs of names and outcomes, for comparisons.
pub fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, o)| (n.to_string(), o.to_string()))
        .collect()
}
