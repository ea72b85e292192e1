//! Deterministic synthetic clusters, for the benchmarks and for any test that needs a
//! large, realistic inventory. Include it with `#[path = "../benches/support/synthetic.rs"] mod
//! synthetic;`.
//!
//! A cluster is `budgets / 10` namespaces, each with the same ten workloads (Deployments
//! with their ReplicaSets, StatefulSets), their pods, a Namespace object and ten
//! PodDisruptionBudgets written the ways teams write them: `matchLabels`,
//! `matchExpressions`, counts and percentages. Some budgets deadlock a drain (a single
//! replica under `minAvailable: 1`, `maxUnavailable: 0`), some select nothing (a stale
//! version label), some overlap another (one selecting every server of a namespace).
//! [`Cluster::expected`] says how many of each the coverage report must find, so a
//! benchmark also checks that it measured a correct run.
//!
//! The same inputs give the same bytes on every machine: no clock, no hash-map order,
//! and the little randomness (unready and pending pods) comes from a fixed-seed
//! xorshift generator.

// Each includer uses part of it.
#![allow(dead_code)]

use serde_json::{Map, Value as Json, json};

/// One workload of every namespace: name, kind, `app.kubernetes.io/component`, tier, and
/// its share of the namespace's pods (the shares add up to 100).
const WORKLOADS: [(&str, &str, &str, &str, usize); 10] = [
    ("api", "Deployment", "server", "backend", 15),
    ("web", "Deployment", "frontend", "frontend", 20),
    ("worker", "Deployment", "worker", "backend", 24),
    ("cache", "StatefulSet", "cache", "backend", 3),
    ("db", "StatefulSet", "database", "data", 2),
    ("search", "Deployment", "server", "backend", 12),
    ("mailer", "Deployment", "worker", "backend", 1),
    ("auth", "Deployment", "server", "backend", 10),
    ("billing", "Deployment", "server", "backend", 8),
    ("queue", "StatefulSet", "broker", "data", 5),
];

const PRODUCTS: [&str; 8] = [
    "shop", "payments", "identity", "catalog", "search", "media", "ledger", "support",
];

/// Nodes the pods of [`generate`] run on.
const NODES: usize = 64;

/// The findings a correct coverage run reports for a [`Cluster`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    /// Budgets in total.
    pub budgets: usize,
    /// Budgets with `blocks_drain` (deadlocked or overlapping).
    pub drain_blockers: usize,
    /// Budgets that select no pod.
    pub orphaned_budgets: usize,
    /// Pods (not bypassing budgets) that more than one budget selects.
    pub multiply_covered_pods: usize,
}

/// A generated cluster: its objects in the order `kubectl get -A -o yaml` would not
/// guarantee but a GitOps repository might hold them (per namespace, workloads first).
pub struct Cluster {
    /// Every object, each a complete Kubernetes object with `apiVersion` and `kind`.
    pub objects: Vec<Json>,
    /// What coverage must report.
    pub expected: Expected,
}

/// A fixed-seed xorshift64: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// True with probability 1/n.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

/// How a namespace's `auth` and `billing` budgets are written; varied by namespace so
/// orphaned and overlapping budgets occur in a fixed fraction of them.
fn orphaned_auth(ns_index: usize) -> bool {
    ns_index.is_multiple_of(3)
}

fn overlapping_servers(ns_index: usize) -> bool {
    ns_index % 4 == 1
}

/// Replicas per workload so that the namespace holds `pods` pods.
fn replicas_for(pods: usize) -> [usize; 10] {
    let mut out = [0; 10];
    let mut given = 0;
    for (slot, (_, _, _, _, share)) in out.iter_mut().zip(WORKLOADS) {
        *slot = pods * share / 100;
        given += *slot;
    }
    // Rounding leftovers go to the largest workload (worker).
    out[2] += pods - given;
    out
}

fn hash_of(seed: usize) -> String {
    // pod-template-hash values are ten lowercase alphanumerics.
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut x = (seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..10)
        .map(|_| {
            x ^= x >> 29;
            x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
            ALPHABET[(x % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

fn uid(kind: &str, index: usize) -> String {
    let k = kind
        .bytes()
        .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!(
        "{k:08x}-{:04x}-4{:03x}-8000-{index:012x}",
        index % 0xffff,
        index % 0xfff
    )
}

/// Generates a cluster of about `pods` pods and exactly `budgets` budgets (rounded up to
/// a multiple of ten), on 64 nodes.
pub fn generate(pods: usize, budgets: usize) -> Cluster {
    generate_on(pods, budgets, NODES)
}

/// [`generate`] with the pods spread over `nodes` nodes (`node-000`, `node-001`, ...;
/// the Node objects themselves are not generated).
pub fn generate_on(pods: usize, budgets: usize, nodes: usize) -> Cluster {
    let nodes = nodes.max(1);
    let namespaces = budgets.div_ceil(10).max(1);
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut objects = Vec::with_capacity(pods + pods / 4 + budgets);
    let mut expected = Expected::default();
    let mut serial = 0usize;
    let mut next_uid = |kind: &str| {
        serial += 1;
        uid(kind, serial)
    };

    for ns_index in 0..namespaces {
        let product = PRODUCTS[ns_index % PRODUCTS.len()];
        let ns = format!("{product}-{ns_index:04}");
        let team = format!("team-{}", ns_index % 37);
        // Spread the remainder so the total is exactly `pods`.
        let ns_pods = pods / namespaces + usize::from(ns_index < pods % namespaces);
        let replicas = replicas_for(ns_pods);
        objects.push(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns, "team": team}}
        }));

        // Per workload, whether each pod bypasses budgets, for the expected findings.
        let mut pod_states: Vec<Vec<bool>> = Vec::with_capacity(10);
        for (w, (app, kind, component, tier, _)) in WORKLOADS.iter().enumerate() {
            let n = replicas[w];
            let version = format!("1.{}.{}", (ns_index + w) % 9, ns_index % 5);
            let instance = format!("{app}-{ns}");
            let mut labels = Map::new();
            for (k, v) in [
                ("app.kubernetes.io/name", *app),
                ("app.kubernetes.io/instance", instance.as_str()),
                ("app.kubernetes.io/component", *component),
                ("app.kubernetes.io/part-of", product),
                ("app.kubernetes.io/managed-by", "Helm"),
                ("app.kubernetes.io/version", version.as_str()),
                ("tier", *tier),
                ("team", team.as_str()),
            ] {
                labels.insert(k.to_owned(), Json::String(v.to_owned()));
            }
            let selector = json!({"matchLabels": {
                "app.kubernetes.io/name": app, "app.kubernetes.io/instance": instance}});
            let image = format!("registry.example.com/{product}/{app}:{version}");
            let template = |labels: &Map<String, Json>| {
                json!({
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": app, "image": image,
                        "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]}
                })
            };
            let owner_uid = next_uid(kind);
            objects.push(json!({
                "apiVersion": "apps/v1", "kind": kind,
                "metadata": {"name": app, "namespace": ns, "uid": owner_uid,
                             "labels": labels, "generation": 3},
                "spec": {"replicas": n, "selector": selector, "template": template(&labels)}
            }));

            let (owner_kind, owner_name, owner_ref_uid, mut pod_labels) = if *kind == "Deployment" {
                let hash = hash_of(ns_index * 10 + w);
                let rs_name = format!("{app}-{hash}");
                let rs_uid = next_uid("ReplicaSet");
                let mut rs_labels = labels.clone();
                rs_labels.insert("pod-template-hash".into(), Json::String(hash.clone()));
                let rs_of = |name: &str, uid: &str, replicas: usize, labels: &Map<String, Json>| {
                    json!({
                        "apiVersion": "apps/v1", "kind": "ReplicaSet",
                        "metadata": {"name": name, "namespace": ns, "uid": uid, "labels": labels,
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                "name": app, "uid": owner_uid, "controller": true,
                                "blockOwnerDeletion": true}]},
                        "spec": {"replicas": replicas, "template": template(labels)}
                    })
                };
                objects.push(rs_of(&rs_name, &rs_uid, n, &rs_labels));
                // Half the Deployments keep the ReplicaSet of their previous rollout.
                if (ns_index + w) % 2 == 0 {
                    let old_hash = hash_of(ns_index * 10 + w + 1_000_000);
                    let mut old_labels = labels.clone();
                    old_labels.insert("pod-template-hash".into(), Json::String(old_hash.clone()));
                    let old_uid = next_uid("ReplicaSet");
                    objects.push(rs_of(
                        &format!("{app}-{old_hash}"),
                        &old_uid,
                        0,
                        &old_labels,
                    ));
                }
                ("ReplicaSet", rs_name, rs_uid, rs_labels)
            } else {
                let mut sts_labels = labels.clone();
                sts_labels.insert(
                    "controller-revision-hash".into(),
                    Json::String(format!("{app}-{}", &hash_of(ns_index * 10 + w)[..8])),
                );
                (
                    "StatefulSet",
                    (*app).to_owned(),
                    owner_uid.clone(),
                    sts_labels,
                )
            };

            let mut states = Vec::with_capacity(n);
            for p in 0..n {
                let name = if owner_kind == "StatefulSet" {
                    format!("{app}-{p}")
                } else {
                    format!(
                        "{owner_name}-{}",
                        &hash_of((ns_index * 10 + w) * 100_000 + p)[..5]
                    )
                };
                if owner_kind == "StatefulSet" {
                    pod_labels.insert(
                        "statefulset.kubernetes.io/pod-name".into(),
                        Json::String(name.clone()),
                    );
                }
                // One canary pod in each larger search Deployment, for the NotIn selector.
                let canary = *app == "search" && p == 0 && n > 2;
                let mut labels_here = pod_labels.clone();
                labels_here.insert(
                    "track".into(),
                    Json::String(if canary { "canary" } else { "stable" }.into()),
                );
                let pending = rng.one_in(200);
                let terminating = !pending && rng.one_in(500);
                let ready = !pending && !rng.one_in(50);
                let phase = if pending { "Pending" } else { "Running" };
                let flag = |b: bool| if b { "True" } else { "False" };
                let mut metadata = json!({
                    "name": name, "namespace": ns, "uid": next_uid("Pod"),
                    "labels": labels_here,
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner_kind,
                        "name": owner_name, "uid": owner_ref_uid, "controller": true,
                        "blockOwnerDeletion": true}],
                    "creationTimestamp": "2025-03-01T08:00:00Z"
                });
                if terminating {
                    metadata["deletionTimestamp"] = json!("2025-03-02T09:30:00Z");
                }
                let node = format!("node-{:03}", (ns_index * 7 + w * 3 + p) % nodes);
                objects.push(json!({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": metadata,
                    "spec": {
                        "nodeName": if pending { Json::Null } else { Json::String(node) },
                        "serviceAccountName": app,
                        "containers": [{"name": app, "image": image,
                            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]
                    },
                    "status": {
                        "phase": phase,
                        "conditions": [
                            {"type": "PodScheduled", "status": flag(!pending)},
                            {"type": "Ready", "status": flag(ready)},
                            {"type": "ContainersReady", "status": flag(ready)}
                        ],
                        "podIP": format!("10.{}.{}.{}", ns_index % 250, w * 20 + p / 250, p % 250 + 1)
                    }
                }));
                states.push(pending || terminating);
            }
            pod_states.push(states);
        }

        // Ten budgets, one per workload, written in the styles teams use.
        let name_is = |app: &str| json!({"matchLabels": {"app.kubernetes.io/name": app}});
        let instance_of = |app: &str| format!("{app}-{ns}");
        let budget_specs: [(String, Json); 10] = [
            (
                "api".into(),
                json!({"maxUnavailable": 1, "selector": {"matchLabels": {
                    "app.kubernetes.io/name": "api",
                    "app.kubernetes.io/instance": instance_of("api")}}}),
            ),
            (
                "web".into(),
                json!({"minAvailable": "50%", "selector": name_is("web")}),
            ),
            (
                "worker".into(),
                json!({"maxUnavailable": "25%", "selector": {"matchExpressions": [
                    {"key": "app.kubernetes.io/name", "operator": "In", "values": ["worker"]},
                    {"key": "tier", "operator": "In", "values": ["backend", "batch"]}]}}),
            ),
            // A cache of three that insists on three: deadlocked.
            (
                "cache".into(),
                json!({"minAvailable": replicas[3], "selector": name_is("cache")}),
            ),
            // maxUnavailable 0: deadlocked.
            (
                "db".into(),
                json!({"maxUnavailable": 0, "selector": name_is("db")}),
            ),
            (
                "search".into(),
                json!({"minAvailable": "60%", "selector": {
                    "matchLabels": {"app.kubernetes.io/part-of": product},
                    "matchExpressions": [
                        {"key": "app.kubernetes.io/name", "operator": "In", "values": ["search", "search-v2"]},
                        {"key": "track", "operator": "NotIn", "values": ["canary"]}]}}),
            ),
            // One replica under minAvailable 1: deadlocked.
            (
                "mailer".into(),
                json!({"minAvailable": 1, "selector": name_is("mailer")}),
            ),
            (
                "auth".into(),
                if orphaned_auth(ns_index) {
                    // Pinned to a version no pod runs any more: selects nothing.
                    json!({"maxUnavailable": 1, "selector": {"matchLabels": {
                        "app.kubernetes.io/name": "auth", "app.kubernetes.io/version": "0.9.0"}}})
                } else {
                    json!({"maxUnavailable": 1, "selector": name_is("auth")})
                },
            ),
            (
                if overlapping_servers(ns_index) {
                    "servers"
                } else {
                    "billing"
                }
                .into(),
                if overlapping_servers(ns_index) {
                    // Every server of the namespace: overlaps api, search, auth (and billing).
                    json!({"maxUnavailable": "10%", "selector": {"matchExpressions": [
                        {"key": "app.kubernetes.io/component", "operator": "In", "values": ["server"]},
                        {"key": "tier", "operator": "Exists"}]}})
                } else {
                    json!({"maxUnavailable": 1, "selector": name_is("billing")})
                },
            ),
            (
                "queue".into(),
                json!({"minAvailable": 2, "unhealthyPodEvictionPolicy": "AlwaysAllow",
                       "selector": {"matchExpressions": [
                        {"key": "app.kubernetes.io/name", "operator": "In", "values": ["queue"]},
                        {"key": "statefulset.kubernetes.io/pod-name", "operator": "Exists"}]}}),
            ),
        ];
        for (name, spec) in budget_specs {
            objects.push(json!({
                "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": name, "namespace": ns, "labels": {"team": team}},
                "spec": spec
            }));
        }

        expected.budgets += 10;
        let overlap = overlapping_servers(ns_index);
        let auth_orphaned = orphaned_auth(ns_index);
        let has_pods = |w: usize| replicas[w] > 0;
        // Budgets that select nothing: the stale auth one, and any whose workload has no
        // pods (only in clusters of under a hundred pods a namespace).
        for w in 0..10 {
            let servers = w == 8 && overlap;
            if (w == 7 && auth_orphaned) || (!has_pods(w) && !servers) {
                expected.orphaned_budgets += 1;
            }
        }
        // Deadlocks: cache (minAvailable = replicas), db (maxUnavailable 0), and mailer
        // while it runs a single replica under minAvailable 1.
        let mut blockers = usize::from(has_pods(3)) + usize::from(has_pods(4));
        blockers += usize::from(replicas[6] == 1);
        if overlap {
            // The servers budget shares the pods of api, search (but its canary) and auth
            // (unless that budget is the stale one) with their own budgets.
            let evictable = |w: usize| pod_states[w].iter().filter(|bypass| !**bypass).count();
            let canary = usize::from(replicas[5] > 2 && !pod_states[5][0]);
            let shared = [
                evictable(0),
                evictable(5) - canary,
                if auth_orphaned { 0 } else { evictable(7) },
            ];
            let total: usize = shared.iter().sum();
            blockers += shared.iter().filter(|n| **n > 0).count() + usize::from(total > 0);
            expected.multiply_covered_pods += total;
        }
        expected.drain_blockers += blockers;
    }
    Cluster { objects, expected }
}

impl Cluster {
    /// The objects as one multi-document YAML stream, as a GitOps repository holds them.
    pub fn to_yaml(&self) -> String {
        let mut out = String::with_capacity(self.objects.len() * 900);
        for object in &self.objects {
            out.push_str("---\n");
            write_block(&mut out, object, 0);
        }
        out
    }

    /// The objects as one JSON `List`, as `kubectl get -o json` prints it.
    pub fn to_json_list(&self) -> String {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": self.objects});
        serde_json::to_string(&list).expect("JSON values always serialize")
    }
}

/// Block-style YAML of a JSON value at `indent`, as kubectl writes it.
fn write_block(out: &mut String, value: &Json, indent: usize) {
    match value {
        Json::Object(map) if !map.is_empty() => {
            for (i, (key, item)) in map.iter().enumerate() {
                // A list item's first key sits on the `- ` line, already indented.
                if i > 0 || !out.ends_with("- ") {
                    pad(out, indent);
                }
                write_scalar_key(out, key);
                out.push(':');
                write_child(out, item, indent + 2);
            }
        }
        Json::Array(items) if !items.is_empty() => {
            for item in items {
                pad(out, indent);
                out.push_str("- ");
                match item {
                    Json::Object(m) if !m.is_empty() => write_block(out, item, indent + 2),
                    Json::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        write_block(out, item, indent + 2);
                    }
                    _ => {
                        write_scalar(out, item);
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            pad(out, indent);
            write_scalar(out, other);
            out.push('\n');
        }
    }
}

fn write_child(out: &mut String, value: &Json, indent: usize) {
    match value {
        Json::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_block(out, value, indent);
        }
        // kubectl does not indent a list under its key.
        Json::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_block(out, value, indent - 2);
        }
        _ => {
            out.push(' ');
            write_scalar(out, value);
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn plain_safe(s: &str) -> bool {
    let mut bytes = s.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    first_ok
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'-' | b'_'))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
}

fn write_scalar_key(out: &mut String, key: &str) {
    if plain_safe(key) {
        out.push_str(key);
    } else {
        out.push_str(&Json::String(key.to_owned()).to_string());
    }
}

fn write_scalar(out: &mut String, value: &Json) {
    match value {
        Json::String(s) if plain_safe(s) => out.push_str(s),
        Json::Object(_) => out.push_str("{}"),
        Json::Array(_) => out.push_str("[]"),
        // JSON's string, number, bool and null forms are all valid YAML flow scalars.
        other => out.push_str(&other.to_string()),
    }
}
