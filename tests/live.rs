//! Live mode through the real Terraform, against the fake API server in `support/`. No
//! real cluster runs on these machines; the provider reaches the fake exactly as it would
//! reach a cluster, through a kubeconfig.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::fake_apiserver::{FakeApiServer, Fault};
use support::kured::live_stack;

fn kured_daemonset(host_path: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "kured", "namespace": "kube-system"},
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

fn gate_daemonset() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "sentinel-gate", "namespace": "kube-system"},
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

fn pod(app: &str, node: &str, ready: bool) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{app}-{node}"), "namespace": "kube-system", "labels": {"app": app}},
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
  kured = {
    namespace = "kube-system"
    name      = "kured"
  }
  gate = {
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
fn the_live_policy_fails_on_divergence_and_warns_about_ungated_nodes() {
    let body = r#"
resource "kured_gated_reboot_policy" "p" {
  kured = {
    namespace = "kube-system"
    name      = "kured"
  }
  gate = {
    namespace     = "kube-system"
    name          = "sentinel-gate"
    sentinel_path = "/host/var-run/gated-reboot-required"
  }
}
"#;
    let server = cluster("/sentinel");
    live_stack(&server.url(), body)
        .plan()
        .assert_failure("diverged live DaemonSets")
        .assert_contains("kured watches /sentinel/gated-reboot-required but the gate writes /var/run/gated-reboot-required");
    let server = cluster("/var/run");
    live_stack(&server.url(), body)
        .plan()
        .assert_success("aligned live DaemonSets")
        .assert_contains("2 node(s) run kured but no ready gate pod")
        .assert_contains("Finding code: nodes-without-gate")
        .assert_contains("node-2, node-3");
}

#[test]
fn offline_stacks_never_touch_the_cluster() {
    // The kubeconfig names a port nothing listens on; chart mode must not care.
    let dir = live_stack(
        &FakeApiServer::closed_port(),
        r#"
resource "kured_gated_reboot_policy" "p" {
  kured = {
    chart_version = "5.11.0"
    values        = [yamlencode({ configuration = { rebootSentinel = "/var/run/gated-reboot-required", drainTimeout = "30m" } })]
  }
  gate = {
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
                "cannot read DaemonSet kube-system/kured",
                "get",
                "daemonsets",
                "ClusterRole",
            ],
        ),
        (
            Box::new(|s: &FakeApiServer| s.fault("/apis/apps/v1", Fault::internal("etcd is sad"))),
            vec!["cannot read DaemonSet kube-system/kured", "500"],
        ),
        (
            Box::new(|s: &FakeApiServer| s.fault("/apis/apps/v1", Fault::unauthorized())),
            vec!["cannot read DaemonSet kube-system/kured", "401"],
        ),
        (
            Box::new(|s: &FakeApiServer| {
                s.fault(
                    "/apis/apps/v1",
                    Fault::Delay(std::time::Duration::from_secs(8)),
                )
            }),
            vec!["cannot read DaemonSet kube-system/kured", "2s"],
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
        .assert_contains("cannot read DaemonSet kube-system/kured");
}
