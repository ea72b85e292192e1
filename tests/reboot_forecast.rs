//! `kured_reboot_forecast` through the real Terraform, outcome by outcome and node by
//! node: the incident's cluster under each drain setting, its fix, spread constraints,
//! a lock TTL, concurrency, an exempt budget, a blocking pod, manifests with and without
//! node names, and a live (fake) cluster.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::fake_apiserver::FakeApiServer;
use support::forecast::{
    Objects, app, expect, fixed, forecast_block, incident, node, outcomes, postgres,
};
use support::kured::{example, live_stack, stack_with_files};

/// Applies a forecast of `cluster` and returns the outputs.
fn forecast(configuration: &str, extra: &str, cluster: &Objects) -> Value {
    let dir = stack_with_files(
        &forecast_block(configuration, extra),
        &[("cluster.json", &cluster.to_json())],
    );
    dir.apply()
        .assert_success("a forecast without fail_on never fails");
    dir.output_json()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_default())
        .collect()
}

#[test]
fn the_incident_without_a_drain_timeout_hangs_node_1_and_every_other_node_waits() {
    let out = forecast("", "", &incident());
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "hangs"),
            ("node-2", "waits"),
            ("node-3", "waits"),
            ("node-4", "waits"),
            ("node-5", "waits")
        ])
    );
    let first = node(&out, "node-1");
    assert_eq!(
        strings(&first["blocked_by"]),
        ["blog/anubis-1", "blog/anubis-6", "db/pg-primary"]
    );
    let reason = first["reason"].as_str().unwrap();
    assert!(reason.starts_with("the drain never returns (--drain-timeout 0): pod blog/anubis-1-6d4f8-0 is held by budget blog/anubis-1 (minAvailable 1 with 1 of 1 pods healthy, so it allows 0 evictions)"), "{reason}");
    assert!(
        reason.ends_with("the node stays cordoned and its kured pod keeps the lock."),
        "{reason}"
    );
    assert!(
        node(&out, "node-4")["reason"]
            .as_str()
            .unwrap()
            .starts_with("never gets the lock: node-1 holds it while its drain hangs")
    );
    assert_eq!(out["completes"]["value"], false);
    assert_eq!(out["windows"]["value"], Value::Null);
    assert_eq!(
        strings(&out["never"]["value"]),
        ["node-1", "node-2", "node-3", "node-4", "node-5"]
    );
}

#[test]
fn the_incident_with_a_30m_drain_timeout_never_reboots_any_node() {
    let out = forecast(r#"drainTimeout = "30m""#, "", &incident());
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "never-reboots"),
            ("node-2", "never-reboots"),
            ("node-3", "never-reboots"),
            ("node-4", "never-reboots"),
            ("node-5", "never-reboots")
        ])
    );
    let n5 = node(&out, "node-5");
    assert_eq!(strings(&n5["blocked_by"]), ["blog/anubis-5"]);
    assert_eq!(
        n5["reason"],
        "every drain times out after 30m0s: pod blog/anubis-5-6d4f8-0 is held by budget blog/anubis-5 (minAvailable 1 with 1 of 1 pods healthy, so it allows 0 evictions); kured uncordons the node and tries again, leaving it cordoned for 30m0s each time."
    );
    assert_eq!(out["completes"]["value"], false);
}

#[test]
fn the_incident_with_force_reboot_reboots_every_node_by_force() {
    let out = forecast(
        r#"drainTimeout = "30m", forceReboot = true"#,
        "",
        &incident(),
    );
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "forced"),
            ("node-2", "forced"),
            ("node-3", "forced"),
            ("node-4", "forced"),
            ("node-5", "forced")
        ])
    );
    assert_eq!(
        strings(&node(&out, "node-1")["blocked_by"]),
        ["blog/anubis-1", "blog/anubis-6", "db/pg-primary"]
    );
    assert_eq!(
        strings(&node(&out, "node-3")["blocked_by"]),
        ["blog/anubis-3", "blog/anubis-8"]
    );
    assert!(
        node(&out, "node-2")["reason"]
            .as_str()
            .unwrap()
            .starts_with("rebooted by --force-reboot after the drain timed out at 30m0s")
    );
    assert_eq!(out["completes"]["value"], true);
    assert_eq!(strings(&out["never"]["value"]), Vec::<&str>::new());
    // Five looks an hour apart; the last node back 30 min + 5 min + 1 min after its look.
    assert_eq!(out["duration"]["value"], "4h36m0s");
}

#[test]
fn the_fix_completes_in_one_window() {
    let out = forecast(
        r#"drainTimeout = "30m""#,
        r#"  exempt_budgets = { "db/pg-primary" = "CloudNativePG switches the primary over when its node is cordoned" }"#,
        &fixed(),
    );
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "reboots"),
            ("node-2", "reboots"),
            ("node-3", "reboots"),
            ("node-4", "reboots"),
            ("node-5", "reboots")
        ])
    );
    assert_eq!(out["completes"]["value"], true);
    assert_eq!(out["windows"]["value"], 1);
    assert_eq!(out["duration"]["value"], "4h6m30s");
    assert_eq!(out["alert_after"]["value"], "5h7m0s");
    let alert = out["alert"]["value"].as_str().unwrap();
    assert!(
        alert.contains("for: 5h7m\n") && alert.contains("expr: kured_reboot_required == 1"),
        "{alert}"
    );
    assert_eq!(node(&out, "node-1")["blocked_by"], json!([]));
}

#[test]
fn two_replicas_spread_on_two_nodes_wait_for_the_drained_node() {
    let spread = json!({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
        "whenUnsatisfiable": "DoNotSchedule", "labelSelector": app("web")}]});
    let cluster = Objects::default()
        .node("node-1")
        .node("node-2")
        .deployment("shop", "web", &["node-1", "node-2"], spread)
        .budget(
            "shop",
            "web",
            json!({"minAvailable": 1, "selector": app("web")}),
        );
    // Both at once: node-2's drain waits until node-1 is back and web runs there again.
    let out = forecast(r#"drainTimeout = "30m", concurrency = 2"#, "", &cluster);
    assert_eq!(
        outcomes(&out),
        expect(&[("node-1", "reboots"), ("node-2", "reboots")])
    );
    let reason = node(&out, "node-2")["reason"].as_str().unwrap();
    assert!(
        reason.contains("after its drain waited 7m30s on budgets"),
        "{reason}"
    );
    // A drain timeout shorter than node-1's reboot fails node-2's first drain; it reboots
    // at its next look, an hour later.
    let out = forecast(r#"drainTimeout = "5m", concurrency = 2"#, "", &cluster);
    assert_eq!(
        outcomes(&out),
        expect(&[("node-1", "reboots"), ("node-2", "reboots")])
    );
    assert!(
        node(&out, "node-2")["reason"]
            .as_str()
            .unwrap()
            .contains("back 1h6m30s after the rollout starts")
    );
}

#[test]
fn a_lock_ttl_lets_each_node_take_the_lock_and_hang_in_turn() {
    let out = forecast(r#"lockTtl = "30m""#, "", &incident());
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "hangs"),
            ("node-2", "hangs"),
            ("node-3", "hangs"),
            ("node-4", "hangs"),
            ("node-5", "hangs")
        ])
    );
}

#[test]
fn concurrency_two_hangs_two_nodes_and_the_rest_wait() {
    let out = forecast("concurrency = 2", "", &incident());
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "hangs"),
            ("node-2", "hangs"),
            ("node-3", "waits"),
            ("node-4", "waits"),
            ("node-5", "waits")
        ])
    );
    let reason = node(&out, "node-5")["reason"].as_str().unwrap();
    assert!(
        reason.contains("node-1 holds it while its drain hangs")
            && reason.contains("node-2 holds it while its drain hangs"),
        "{reason}"
    );
    assert!(
        reason.ends_with("(--concurrency 2, no --lock-ttl)."),
        "{reason}"
    );
}

#[test]
fn an_exempt_budget_lets_the_primary_node_reboot() {
    let mut cluster = Objects::default();
    for n in ["node-1", "node-2", "node-3"] {
        cluster = cluster.node(n);
    }
    let cluster = postgres(cluster);
    let out = forecast(r#"drainTimeout = "30m""#, "", &cluster);
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "never-reboots"),
            ("node-2", "reboots"),
            ("node-3", "reboots")
        ])
    );
    assert_eq!(
        strings(&node(&out, "node-1")["blocked_by"]),
        ["db/pg-primary"]
    );
    let out = forecast(
        r#"drainTimeout = "30m""#,
        r#"  exempt_budgets = { "db/pg-primary" = "CloudNativePG switches the primary over when its node is cordoned" }"#,
        &cluster,
    );
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "reboots"),
            ("node-2", "reboots"),
            ("node-3", "reboots")
        ])
    );
}

#[test]
fn a_blocking_pod_selector_keeps_kured_off_its_node() {
    let cluster = Objects::default()
        .node("node-1")
        .node("node-2")
        .node("node-3")
        .pod(
            "ops",
            "backup-0",
            json!({"app": "backup"}),
            Some(("apps/v1", "StatefulSet", "backup")),
            json!({"nodeName": "node-2"}),
        );
    let out = forecast(
        r#"drainTimeout = "30m", blockingPodSelector = ["app=backup"]"#,
        "",
        &cluster,
    );
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "reboots"),
            ("node-2", "blocked"),
            ("node-3", "reboots")
        ])
    );
    let blocked = node(&out, "node-2");
    assert_eq!(strings(&blocked["blocked_by"]), ["ops/backup-0"]);
    assert_eq!(
        blocked["reason"],
        "kured never tries: pod ops/backup-0 runs here and matches --blocking-pod-selector=app=backup."
    );
}

#[test]
fn manifests_without_nodes_take_them_from_the_pods_or_from_node_names() {
    let cluster = Objects::default().deployment("shop", "web", &["a", "b"], json!({}));
    let out = forecast(r#"drainTimeout = "30m""#, "", &cluster);
    assert_eq!(
        outcomes(&out),
        expect(&[("a", "reboots"), ("b", "reboots")])
    );
    let out = forecast(
        r#"drainTimeout = "30m""#,
        r#"  node_names = ["a", "b", "c"]"#,
        &cluster,
    );
    assert_eq!(
        outcomes(&out),
        expect(&[("a", "reboots"), ("b", "reboots"), ("c", "reboots")])
    );
    // A node the pods run on but the list leaves out is named in a warning.
    let dir = stack_with_files(
        &forecast_block(r#"drainTimeout = "30m""#, r#"  node_names = ["a"]"#),
        &[("cluster.json", &cluster.to_json())],
    );
    dir.plan()
        .assert_success("a warning only")
        .assert_contains("pods run on nodes outside the forecast")
        .assert_contains("so they are left out: b");
    // Node objects and node_names together are refused on node_names.
    let with_nodes = Objects::default().node("a");
    let dir = stack_with_files(
        &forecast_block("", r#"  node_names = ["a"]"#),
        &[("cluster.json", &with_nodes.to_json())],
    );
    dir.plan()
        .assert_failure("node_names with Node objects")
        .assert_contains("the forecast's nodes cannot be known")
        .assert_contains("node_names is not needed");
}

#[test]
fn fail_on_names_every_node_with_the_outcome() {
    let dir = stack_with_files(
        &forecast_block(
            r#"drainTimeout = "30m""#,
            r#"  fail_on = ["hangs", "never-reboots"]"#,
        ),
        &[("cluster.json", &incident().to_json())],
    );
    dir.plan()
        .assert_failure("every node never reboots")
        .assert_contains(
            "5 node(s) with outcome never-reboots: node-1, node-2, node-3, node-4, node-5",
        )
        .assert_contains("- node-4: every drain times out after 30m0s: pod blog/anubis-4-6d4f8-0")
        .assert_not_contains("outcome hangs");
}

#[test]
fn bad_arguments_are_refused_on_the_argument_with_the_valid_values() {
    let dir = stack_with_files(
        &forecast_block(
            "",
            r#"  fail_on              = ["never"]
  node_reboot_duration = "5"
  exempt_budgets       = { "pg-primary" = "operator" }"#,
        ),
        &[("cluster.json", &incident().to_json())],
    );
    dir.validate()
        .assert_failure("three bad arguments")
        .assert_contains("fail_on[0]: unknown outcome code \"never\"")
        .assert_contains("reboots, never-reboots, hangs, forced, waits, blocked, no-kured, ungated")
        .assert_contains("invalid node_reboot_duration")
        .assert_contains("exempt_budgets key \"pg-primary\" is not namespace/name");
}

#[test]
fn the_step_log_is_written_at_debug_level() {
    let mut dir = stack_with_files(
        &forecast_block("", ""),
        &[("cluster.json", &incident().to_json())],
    );
    dir.env("TF_LOG_PROVIDER", "debug");
    let plan = dir.plan();
    plan.assert_success("a forecast plans");
    assert!(
        plan.stderr
            .contains("node-1: eviction of blog/anubis-1-6d4f8-0 refused by blog/anubis-1"),
        "{}",
        plan.report()
    );
}

#[test]
fn the_example_forecasts_the_incident() {
    let dir = example("data-sources/kured_reboot_forecast");
    dir.apply().assert_success("the example applies as copied");
    let out = dir.output_json();
    assert_eq!(
        out["never_rebooting"]["value"],
        json!(["node-1", "node-2", "node-3"])
    );
}

fn live_cluster() -> FakeApiServer {
    let kured = json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "kured", "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": {"app": "kured"}},
            "template": {"metadata": {"labels": {"app": "kured"}}, "spec": {
                "containers": [{"name": "kured", "image": "ghcr.io/kubereboot/kured:1.21.0",
                    "command": ["/usr/bin/kured"],
                    "args": ["--reboot-sentinel=/sentinel/gated-reboot-required", "--drain-timeout=30m"],
                    "volumeMounts": [{"name": "sentinel", "mountPath": "/sentinel", "readOnly": true}]}],
                "volumes": [{"name": "sentinel", "hostPath": {"path": "/var/run", "type": "Directory"}}]}}
        }
    });
    let gate = json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "sentinel-gate", "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": {"app": "sentinel-gate"}},
            "template": {"metadata": {"labels": {"app": "sentinel-gate"}}, "spec": {
                "containers": [{"name": "gate", "image": "registry.example/gate:1",
                    "volumeMounts": [{"name": "var-run", "mountPath": "/host/var-run"}]}],
                "volumes": [{"name": "var-run", "hostPath": {"path": "/var/run"}}]}}
        }
    });
    let mut o = Objects(vec![kured, gate]);
    for n in ["node-1", "node-2", "node-3", "node-4"] {
        o = o.node(n);
    }
    let daemon = |o: Objects, app: &str, node: &str, ready: bool| {
        let o = o.pod(
            "kube-system",
            &format!("{app}-{node}"),
            json!({"app": app}),
            Some(("apps/v1", "DaemonSet", app)),
            json!({"nodeName": node}),
        );
        let mut objects = o.0;
        if !ready && let Some(last) = objects.last_mut() {
            last["status"]["conditions"][0]["status"] = json!("False");
        }
        Objects(objects)
    };
    // No kured pod on node-3; the gate pod on node-2 is not Ready.
    for n in ["node-1", "node-2", "node-4"] {
        o = daemon(o, "kured", n, true);
    }
    for n in ["node-1", "node-3", "node-4"] {
        o = daemon(o, "sentinel-gate", n, true);
    }
    o = daemon(o, "sentinel-gate", "node-2", false);
    let o = o
        .deployment("shop", "cart", &["node-1"], json!({}))
        .budget(
            "shop",
            "cart",
            json!({"minAvailable": 1, "selector": app("cart")}),
        )
        .deployment("shop", "web", &["node-1", "node-4"], json!({}))
        .budget(
            "shop",
            "web",
            json!({"maxUnavailable": 1, "selector": app("web")}),
        );
    FakeApiServer::start(o.0)
}

#[test]
fn live_mode_reads_nodes_pods_and_budgets_and_the_daemonsets_pods() {
    let server = live_cluster();
    let dir = live_stack(
        &server.url(),
        &format!(
            r#"
data "kured_reboot_forecast" "f" {{
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
{}"#,
            support::forecast::OUTPUTS
        ),
    );
    dir.apply().assert_success("apply");
    let out = dir.output_json();
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("node-1", "never-reboots"),
            ("node-2", "ungated"),
            ("node-3", "no-kured"),
            ("node-4", "reboots")
        ])
    );
    assert_eq!(
        node(&out, "node-3")["reason"],
        "no kured pod runs here: the cluster runs no ready kured pod on it."
    );
    assert_eq!(
        node(&out, "node-2")["reason"],
        "the gated sentinel is never written here: the cluster runs no ready gate pod on it."
    );
    assert_eq!(strings(&node(&out, "node-1")["blocked_by"]), ["shop/cart"]);
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "reads only");
    assert!(
        requests.iter().any(|r| r.path == "/api/v1/nodes"),
        "lists the nodes"
    );
}

#[test]
fn nodes_kured_or_the_gate_never_reach_say_so() {
    let mut windows = Objects::default().node("win-1").0;
    windows[0]["metadata"]["labels"]["kubernetes.io/os"] = json!("windows");
    let mut gpu = Objects::default().node("gpu-1").0;
    gpu[0]["spec"] =
        json!({"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]});
    let cluster = Objects([Objects::default().node("linux-1").0, windows, gpu].concat());
    let gate = r#"  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }"#;
    // The chart's kured watches /var/run/reboot-required: the gate's file is never seen.
    let out = forecast(r#"drainTimeout = "30m""#, gate, &cluster);
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("gpu-1", "no-kured"),
            ("linux-1", "ungated"),
            ("win-1", "no-kured")
        ])
    );
    assert_eq!(
        node(&out, "linux-1")["reason"],
        "the gated sentinel is never written here: kured watches /var/run/reboot-required but the gate writes /var/run/gated-reboot-required."
    );
    assert_eq!(
        node(&out, "win-1")["reason"],
        "no kured pod runs here: the kured DaemonSet's nodeSelector wants kubernetes.io/os=linux, and the node has kubernetes.io/os=windows."
    );
    assert_eq!(
        node(&out, "gpu-1")["reason"],
        "no kured pod runs here: the kured DaemonSet does not tolerate the node's taint dedicated=gpu:NoSchedule."
    );
    // Pointed at the gate's file, kured reboots the Linux node.
    let out = forecast(
        r#"drainTimeout = "30m", rebootSentinel = "/var/run/gated-reboot-required""#,
        gate,
        &cluster,
    );
    assert_eq!(
        outcomes(&out),
        expect(&[
            ("gpu-1", "no-kured"),
            ("linux-1", "reboots"),
            ("win-1", "no-kured")
        ])
    );
}

#[test]
fn a_workload_without_pods_is_named_with_what_it_means() {
    let mut cluster = Objects::default().node("node-1");
    cluster.0.push(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "web"}}}}}));
    let cluster = cluster.budget(
        "shop",
        "web",
        json!({"minAvailable": 1, "selector": app("web")}),
    );
    let dir = stack_with_files(
        &forecast_block(r#"drainTimeout = "30m""#, ""),
        &[("cluster.json", &cluster.to_json())],
    );
    dir.plan()
        .assert_success("a warning, not an error")
        .assert_contains("1 workload(s) have no pods, so their nodes are unknown")
        .assert_contains("Deployment shop/web (1 replica) has no pod")
        .assert_contains("whichever node runs it never finishes a drain");
}
