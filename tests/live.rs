//! Live mode through the real Terraform, against the fake API server in `support/`. No
//! real cluster runs on these machines; the provider reaches the fake exactly as it would
//! reach a cluster, through a kubeconfig.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use support::diagnostics::{line_of, plan_json};
use support::fake_apiserver::{FakeApiServer, Fault, count_by_path};
use support::fixes::{PATCH_HEADING, fragment, strategic_merge, yaml};
use support::kured::{live_stack, live_stack_with};

fn kured_daemonset(host_path: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "kured", "namespace": "kube-system", "uid": uid("kured")},
        "spec": {
            "selector": {"matchLabels": {"app": "kured"}},
            "template": {
                "metadata": {"labels": {"app": "kured"}},
                "spec": {
                    "containers": [{
                        "name": "kured",
                        "image": "ghcr.io/kubereboot/kured:1.21.0",
                        "command": ["/usr/bin/kured"],
                        "args": ["--reboot-sentinel=/sentinel/gated-reboot-required", "--drain-timeout=30m"],
                        "volumeMounts": [{"name": "sentinel", "mountPath": "/sentinel", "readOnly": true}]
                    }],
                    "volumes": [{"name": "sentinel", "hostPath": {"path": host_path, "type": "Directory"}}]
                }
            }
        }
    })
}

/// The uid the API server gave object `name`, made up from its name.
fn uid(name: &str) -> String {
    format!("00000000-0000-4000-8000-{:0>12}", name.len())
        + &name.bytes().map(|b| format!("{b:02x}")).collect::<String>()
}

fn gate_daemonset() -> Value {
    named_gate_daemonset("sentinel-gate")
}

/// A gate DaemonSet called `name`, selecting `app: sentinel-gate` whatever its name.
fn named_gate_daemonset(name: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "kube-system", "uid": uid(name)},
        "spec": {
            "selector": {"matchLabels": {"app": "sentinel-gate"}},
            "template": {
                "metadata": {"labels": {"app": "sentinel-gate"}},
                "spec": {
                    "containers": [{
                        "name": "gate",
                        "image": "registry.example/gate:1",
                        "volumeMounts": [{"name": "var-run", "mountPath": "/host/var-run"}]
                    }],
                    "volumes": [{"name": "var-run", "hostPath": {"path": "/var/run"}}]
                }
            }
        }
    })
}

/// A pod labelled `app: <app>` that DaemonSet `app` controls.
fn pod(app: &str, node: &str, ready: bool) -> Value {
    owned_pod(app, "DaemonSet", app, node, ready)
}

/// A pod labelled `app: <app>` whose controller is `<kind> <owner>`.
fn owned_pod(app: &str, kind: &str, owner: &str, node: &str, ready: bool) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("{owner}-{node}"), "namespace": "kube-system", "labels": {"app": app},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": kind, "name": owner, "uid": uid(owner), "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {"nodeName": node, "containers": [{"name": "c"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
    })
}

fn cluster(kured_host_path: &str) -> FakeApiServer {
    let mut objects = vec![kured_daemonset(kured_host_path), gate_daemonset()];
    for node in ["node-1", "node-2", "node-3"] {
        objects.push(pod("kured", node, true));
    }
    objects.push(pod("sentinel-gate", "node-1", true));
    objects.push(pod("sentinel-gate", "node-2", false));
    FakeApiServer::start(objects)
}

const LIVE_PATHS: &str = r#"
data "kured_sentinel_paths" "live" {
  kured {
    namespace = "kube-system"
    name      = "kured"
  }
  gate {
    namespace     = "kube-system"
    name          = "sentinel-gate"
    sentinel_path = "/host/var-run/gated-reboot-required"
  }
}
output "aligned" { value = data.kured_sentinel_paths.live.aligned }
output "kured" { value = data.kured_sentinel_paths.live.kured_sentinel_host_path }
output "gate" { value = data.kured_sentinel_paths.live.gate_sentinel_host_path }
output "version" { value = data.kured_sentinel_paths.live.kured_app_version }
output "nodes_without_gate" { value = data.kured_sentinel_paths.live.nodes_without_gate }
"#;

#[test]
fn live_sentinel_paths_aligned_and_nodes_without_gate() {
    let server = cluster("/var/run");
    let dir = live_stack(&server.url(), LIVE_PATHS);
    dir.apply().assert_success("apply");
    let out = dir.output_json();
    assert_eq!(out["aligned"]["value"], true);
    assert_eq!(out["kured"]["value"], "/var/run/gated-reboot-required");
    assert_eq!(out["version"]["value"], "1.21.0");
    assert_eq!(
        out["nodes_without_gate"]["value"],
        json!(["node-2", "node-3"])
    );
    assert!(
        server.requests().iter().all(|r| r.method == "GET"),
        "reads only"
    );
}

#[test]
fn live_sentinel_paths_diverged() {
    let server = cluster("/sentinel");
    let dir = live_stack(&server.url(), LIVE_PATHS);
    dir.apply()
        .assert_success("the data source reports, it does not judge");
    let out = dir.output_json();
    assert_eq!(out["aligned"]["value"], false);
    assert_eq!(out["kured"]["value"], "/sentinel/gated-reboot-required");
    assert_eq!(out["gate"]["value"], "/var/run/gated-reboot-required");
}

#[test]
fn the_live_policy_fails_on_divergence_and_on_ungated_nodes_unless_allowed() {
    let policy = |extra: &str| {
        format!(
            r#"
resource "kured_gated_reboot_policy" "p" {{
  {extra}
  kured {{
    namespace = "kube-system"
    name      = "kured"
  }}
  gate {{
    namespace     = "kube-system"
    name          = "sentinel-gate"
    sentinel_path = "/host/var-run/gated-reboot-required"
  }}
}}
"#
        )
    };
    let server = cluster("/sentinel");
    let dir = live_stack(&server.url(), &policy("allow_ungated_nodes = true"));
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "diverged live DaemonSets");
    let divergence = plan.only("sentinel-divergence");
    assert!(
        divergence.summary.contains(
            "kured watches /sentinel/gated-reboot-required but the gate writes /var/run/gated-reboot-required"
        ),
        "{divergence:#?}"
    );
    // The fix is a patch of the live DaemonSet; patched, the cluster passes.
    let patch = yaml(&fragment(divergence, PATCH_HEADING));
    let mut patched = kured_daemonset("/sentinel");
    strategic_merge(&mut patched, &patch);
    let mut objects = vec![patched, gate_daemonset()];
    for node in ["node-1", "node-2", "node-3"] {
        objects.push(pod("kured", node, true));
    }
    objects.push(pod("sentinel-gate", "node-1", true));
    let server = FakeApiServer::start(objects);
    let dir = live_stack(&server.url(), &policy("allow_ungated_nodes = true"));
    let replan = plan_json(&dir);
    replan
        .output
        .assert_code(0, "the patched DaemonSet meets the gate");
    assert_eq!(
        replan.codes(),
        ["nodes-without-gate"],
        "{:#?}",
        replan.diagnostics
    );

    // Aligned, but node-2's gate pod is not ready and node-3 has none.
    let server = cluster("/var/run");
    let dir = live_stack(&server.url(), &policy(""));
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "ungated nodes fail the plan");
    assert_eq!(
        plan.codes(),
        ["nodes-without-gate"],
        "{:#?}",
        plan.diagnostics
    );
    let ungated = plan.only("nodes-without-gate");
    assert_eq!(ungated.severity, "error");
    assert!(ungated.summary.contains("(node-2, node-3)"), "{ungated:#?}");
    // On the gate DaemonSet's name: it has no ready pod on those nodes.
    assert_eq!(
        ungated.line,
        Some(line_of(&dir, "\"sentinel-gate\"")),
        "{ungated:#?}"
    );

    let server = cluster("/var/run");
    let dir = live_stack(&server.url(), &policy("allow_ungated_nodes = true"));
    let plan = plan_json(&dir);
    plan.output
        .assert_code(0, "allow_ungated_nodes keeps it a warning");
    let ungated = plan.only("nodes-without-gate");
    assert_eq!(ungated.severity, "warning");
    assert!(ungated.summary.contains("(node-2, node-3)"), "{ungated:#?}");
}

#[test]
fn the_live_policy_passes_when_every_kured_node_is_gated() {
    let body = r#"
resource "kured_gated_reboot_policy" "p" {
  kured {
    namespace = "kube-system"
    name      = "kured"
  }
  gate {
    namespace     = "kube-system"
    name          = "sentinel-gate"
    sentinel_path = "/host/var-run/gated-reboot-required"
  }
}
"#;
    let mut objects = vec![kured_daemonset("/var/run"), gate_daemonset()];
    for node in ["node-1", "node-2"] {
        objects.push(pod("kured", node, true));
        objects.push(pod("sentinel-gate", node, true));
    }
    let server = FakeApiServer::start(objects);
    live_stack(&server.url(), body)
        .plan()
        .assert_success("aligned and gated live DaemonSets")
        .assert_not_contains("nodes-without-gate");
}

#[test]
fn offline_stacks_never_touch_the_cluster() {
    // The kubeconfig names a port nothing listens on; chart mode must not care.
    let dir = live_stack(
        &FakeApiServer::closed_port(),
        r#"
resource "kured_gated_reboot_policy" "p" {
  kured {
    chart_version = "5.11.0"
    values        = [yamlencode({ configuration = { rebootSentinel = "/var/run/gated-reboot-required", drainTimeout = "30m" } })]
  }
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}
"#,
    );
    dir.plan().assert_success("no cluster needed");
}

/// Puts one fault into a fake server.
type Inject = Box<dyn Fn(&FakeApiServer)>;

#[test]
fn each_fault_is_a_clear_error_without_a_hang() {
    let body = LIVE_PATHS;
    let cases: Vec<(Inject, Vec<&str>)> = vec![
        (
            Box::new(|s: &FakeApiServer| {
                s.fault(
                    "/apis/apps/v1/namespaces/kube-system/daemonsets",
                    Fault::forbidden("ci", "get", "daemonsets", "apps", Some("kube-system")),
                )
            }),
            vec![
                "permission denied: the provider may not get daemonsets.apps",
                "Cannot read DaemonSet kube-system/kured",
                "ClusterRole",
            ],
        ),
        (
            Box::new(|s: &FakeApiServer| s.fault("/apis/apps/v1", Fault::internal("etcd is sad"))),
            vec![
                "the Kubernetes API server failed (500)",
                "Cannot read DaemonSet kube-system/kured",
            ],
        ),
        (
            Box::new(|s: &FakeApiServer| s.fault("/apis/apps/v1", Fault::unauthorized())),
            vec![
                "authentication failed: the Kubernetes API server rejected the credentials",
                "401",
            ],
        ),
        (
            Box::new(|s: &FakeApiServer| {
                s.fault(
                    "/apis/apps/v1",
                    Fault::Delay(std::time::Duration::from_secs(8)),
                )
            }),
            vec![
                "the Kubernetes API server did not answer in time",
                "Cannot read DaemonSet kube-system/kured",
                "2s",
            ],
        ),
        (
            Box::new(|s: &FakeApiServer| {
                s.fault(
                    "/api/v1/namespaces/kube-system/pods",
                    Fault::internal("pods are gone"),
                )
            }),
            vec![
                "cannot tell which nodes run this DaemonSet",
                "pods are gone",
            ],
        ),
    ];
    for (inject, needles) in cases {
        let server = cluster("/var/run");
        inject(&server);
        let dir = live_stack(&server.url(), body);
        let started = std::time::Instant::now();
        let plan = dir.plan();
        plan.assert_failure("a fault must fail the plan");
        for needle in &needles {
            plan.assert_contains(needle);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "no hang: {:?}",
            started.elapsed()
        );
        assert!(
            server.requests().iter().all(|r| r.method == "GET"),
            "reads only"
        );
    }
    let dir = live_stack(&FakeApiServer::closed_port(), body);
    dir.plan()
        .assert_failure("nothing listens")
        .assert_contains("cannot reach the Kubernetes API server")
        .assert_contains("Cannot read DaemonSet kube-system/kured");
}

#[test]
fn pods_of_another_controller_with_the_same_labels_do_not_count() {
    // The canary DaemonSet and a ReplicaSet put ready pods labelled app: sentinel-gate
    // on node-2 and node-3; only the gate DaemonSet's own pods make a node gated.
    let mut objects = vec![
        kured_daemonset("/var/run"),
        gate_daemonset(),
        named_gate_daemonset("sentinel-gate-canary"),
    ];
    for node in ["node-1", "node-2", "node-3"] {
        objects.push(pod("kured", node, true));
    }
    objects.push(pod("sentinel-gate", "node-1", true));
    objects.push(owned_pod(
        "sentinel-gate",
        "DaemonSet",
        "sentinel-gate-canary",
        "node-3",
        true,
    ));
    objects.push(owned_pod(
        "sentinel-gate",
        "ReplicaSet",
        "sentinel-gate-7d4b9",
        "node-2",
        true,
    ));
    let server = FakeApiServer::start(objects);
    let dir = live_stack(&server.url(), LIVE_PATHS);
    dir.apply().assert_success("apply");
    let out = dir.output_json();
    assert_eq!(
        out["nodes_without_gate"]["value"],
        json!(["node-2", "node-3"])
    );
    // The server returned all three gate-labelled pods for the selector.
    let listed = server.requests_to("/api/v1/namespaces/kube-system/pods");
    assert!(
        listed
            .iter()
            .any(|r| r.param("labelSelector").as_deref() == Some("app=sentinel-gate")),
        "{listed:?}"
    );
}

/// Budgets, workloads and 600 more pods (two pages) beside the kured and gate
/// DaemonSets.
fn busy_cluster() -> FakeApiServer {
    let mut objects = vec![kured_daemonset("/var/run"), gate_daemonset()];
    for node in ["node-1", "node-2", "node-3"] {
        objects.push(pod("kured", node, true));
    }
    objects.push(pod("sentinel-gate", "node-1", true));
    for i in 0..600 {
        objects.push(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-{i:03}"), "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"nodeName": "node-1", "containers": [{"name": "web"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        }));
    }
    objects.push(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 600, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}}}
    }));
    objects.push(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"minAvailable": 600, "selector": {"matchLabels": {"app": "web"}}}
    }));
    FakeApiServer::start(objects)
}

#[test]
fn forty_data_sources_in_one_plan_share_each_read() {
    let server = busy_cluster();
    let body = r#"
data "kured_pdb_coverage" "audit" {
  count = 30
}

data "kured_sentinel_paths" "live" {
  count = 10
  kured {
    namespace = "kube-system"
    name      = "kured"
  }
  gate {
    namespace     = "kube-system"
    name          = "sentinel-gate"
    sentinel_path = "/host/var-run/gated-reboot-required"
  }
}

output "blockers" { value = distinct([for d in data.kured_pdb_coverage.audit : d.drain_blockers]) }
output "ungated" { value = distinct([for d in data.kured_sentinel_paths.live : d.nodes_without_gate]) }
"#;
    let dir = live_stack(&server.url(), body);
    dir.apply().assert_success("forty live data sources");
    let out = dir.output_json();
    assert_eq!(out["blockers"]["value"], json!([["shop/web"]]));
    assert_eq!(out["ungated"]["value"], json!([["node-2", "node-3"]]));

    // One read per kind, namespace and selector (pods twice: 605 of them make two
    // pages), and one get per DaemonSet, for the whole plan.
    let counts = count_by_path(&server.requests());
    let expected: BTreeMap<String, usize> = [
        ("/api/v1/pods", 2),
        ("/apis/apps/v1/deployments", 1),
        ("/apis/apps/v1/statefulsets", 1),
        ("/apis/apps/v1/replicasets", 1),
        ("/api/v1/replicationcontrollers", 1),
        ("/apis/policy/v1/poddisruptionbudgets", 1),
        ("/apis/apps/v1/namespaces/kube-system/daemonsets/kured", 1),
        (
            "/apis/apps/v1/namespaces/kube-system/daemonsets/sentinel-gate",
            1,
        ),
        ("/api/v1/namespaces/kube-system/pods", 2),
    ]
    .into_iter()
    .map(|(path, n)| (path.to_owned(), n))
    .collect();
    assert_eq!(counts, expected);
    assert_eq!(counts.values().sum::<usize>(), 11);
}

#[test]
fn info_logs_say_what_was_read_and_resolved_and_debug_leaves_out_the_wire() {
    let server = cluster("/var/run");
    let mut dir = live_stack(&server.url(), LIVE_PATHS);
    dir.env("TF_LOG_PROVIDER", "INFO");
    let plan = dir.plan();
    plan.assert_success("plan with INFO logs");
    plan.assert_contains(
        "cluster read: get daemonsets.apps \"kured\" in namespace \"kube-system\": 1 object(s) in 1 page(s)",
    )
    .assert_contains(
        "cluster read: list pods in namespace \"kube-system\": 3 object(s) in 1 page(s)",
    )
    .assert_contains(
        "live inputs resolved: kured DaemonSet kube-system/kured from the cluster, gate DaemonSet kube-system/sentinel-gate from the cluster; 2 node(s) run kured but no ready gate pod",
    )
    .assert_not_contains("kubeconfig resolved");

    dir.env("TF_LOG_PROVIDER", "DEBUG");
    let plan = dir.plan();
    plan.assert_success("plan with DEBUG logs");
    plan.assert_contains("kubeconfig resolved")
        .assert_contains("directly (no proxy configured)")
        .assert_contains("credentials=\"a bearer token\"")
        .assert_contains("pods of the DaemonSet")
        // HTTP/2 frames of the plugin connection and hyper's pool are TRACE material.
        .assert_not_contains("frame=")
        .assert_not_contains("fake-token");
}

#[test]
fn each_new_fault_gets_a_title_saying_what_failed() {
    let cases: Vec<(Inject, &str, Vec<&str>)> = vec![
        (
            Box::new(|s: &FakeApiServer| {
                s.fault(
                    "/apis/apps/v1",
                    Fault::Throttle {
                        retry_after: Some(30),
                    },
                )
            }),
            "",
            vec![
                "throttled: the Kubernetes API server is rate-limiting the provider",
                "last Retry-After: 30s",
            ],
        ),
        (
            Box::new(|s: &FakeApiServer| {
                s.fault(
                    "/apis/apps/v1",
                    Fault::Redirect {
                        code: 307,
                        location: "https://sso.example/login".into(),
                    },
                )
            }),
            "",
            vec![
                "redirected: something other than the API server answered",
                "307 Temporary Redirect",
                "https://sso.example/login",
            ],
        ),
        (
            Box::new(|s: &FakeApiServer| {
                s.fault(
                    "/apis/apps/v1",
                    Fault::Huge {
                        bytes: 200 << 20,
                        announced: true,
                    },
                )
            }),
            "  max_response_size = \"1MiB\"",
            vec![
                "response too large: the answer exceeds max_response_size",
                "larger than max_response_size (1MiB): it announced 200MiB",
            ],
        ),
    ];
    for (inject, provider_args, needles) in cases {
        let server = cluster("/var/run");
        inject(&server);
        let dir = live_stack_with(&server.url(), provider_args, LIVE_PATHS);
        let plan = dir.plan();
        plan.assert_failure("a fault must fail the plan");
        for needle in &needles {
            plan.assert_contains(needle);
        }
    }
}

#[test]
fn max_response_size_is_checked_on_its_attribute() {
    for (value, needle) in [
        ("64mb", "is not a size"),
        ("1.5GiB", "is not a size"),
        ("1KiB", "max_response_size is too small"),
    ] {
        let dir = live_stack_with(
            &FakeApiServer::closed_port(),
            &format!("  max_response_size = \"{value}\""),
            "data \"kured_pdb_coverage\" \"audit\" {}\n",
        );
        dir.plan()
            .assert_failure("an invalid size")
            .assert_contains(needle)
            .assert_contains("max_response_size");
    }
}
