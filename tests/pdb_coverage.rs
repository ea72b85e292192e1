//! `kured_pdb_coverage` through the real Terraform: the incident's budgets from manifests,
//! the same arithmetic from a live (fake) cluster, every way a read can fail, and the
//! hand-off of `drain_blockers` to `kured_gated_reboot_policy`.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::diagnostics::{line_of, plan_json};
use support::fake_apiserver::{FakeApiServer, Fault};
use support::kured::{HEADER, example, live_stack, stack_with_files};
use support::terraform::Output;

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected a list, got {value}"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("expected a string, got {v}"))
        })
        .collect()
}

/// The budget `ns/name` of an output holding the whole `budgets` list.
fn budget<'a>(budgets: &'a Value, ns: &str, name: &str) -> &'a Value {
    budgets
        .as_array()
        .expect("budgets is a list")
        .iter()
        .find(|b| b["namespace"] == ns && b["name"] == name)
        .unwrap_or_else(|| panic!("no budget {ns}/{name} in {budgets}"))
}

fn single_replica(name: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {name}}}}}
  template: {{metadata: {{labels: {{app: {name}}}}}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}, namespace: shop}}
spec:
  minAvailable: 1
  selector: {{matchLabels: {{app: {name}}}}}
"
    )
}

/// The rest of the incident: a selector needing a fourth label, pods under two budgets,
/// and PostgreSQL at 2 instances with minAvailable 1 (fine).
const INCIDENT_REST: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  template: {metadata: {labels: {app: api, tier: web, team: core}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: api, tier: web, team: core, track: stable}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: shop}
spec:
  replicas: 3
  template: {metadata: {labels: {app: worker, tier: backend}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: worker, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: worker}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: backend, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {tier: backend}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: db}
spec:
  replicas: 2
  template: {metadata: {labels: {app: postgres}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: postgres, namespace: db}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: postgres}}
";

const OUTPUTS: &str = r#"
output "budgets" { value = data.kured_pdb_coverage.audit.budgets }
output "drain_blockers" { value = data.kured_pdb_coverage.audit.drain_blockers }
output "orphaned_budgets" { value = data.kured_pdb_coverage.audit.orphaned_budgets }
output "multiply_covered_pods" { value = data.kured_pdb_coverage.audit.multiply_covered_pods }
output "unprotected_workloads" { value = data.kured_pdb_coverage.audit.unprotected_workloads }
"#;

#[test]
fn manifests_reproduce_the_incident() {
    let singles = ["cart", "checkout", "search"]
        .map(single_replica)
        .join("---\n");
    let dir = stack_with_files(
        &format!(
            r#"
data "kured_pdb_coverage" "audit" {{
  manifests = [file("singles.yaml"), file("rest.yaml")]
}}
{OUTPUTS}
"#
        ),
        &[("singles.yaml", &singles), ("rest.yaml", INCIDENT_REST)],
    );
    dir.apply()
        .assert_success("a report never fails without fail_on");
    let out = dir.output_json();
    assert_eq!(
        strings(&out["drain_blockers"]["value"]),
        [
            "shop/backend",
            "shop/cart",
            "shop/checkout",
            "shop/search",
            "shop/worker"
        ]
    );
    assert_eq!(strings(&out["orphaned_budgets"]["value"]), ["shop/api"]);
    assert_eq!(
        strings(&out["multiply_covered_pods"]["value"]),
        ["shop/worker (Deployment, 3 pods): backend, worker"]
    );
    assert_eq!(
        strings(&out["unprotected_workloads"]["value"]),
        ["Deployment shop/api"]
    );

    let budgets = &out["budgets"]["value"];
    assert_eq!(budgets.as_array().map(Vec::len), Some(7));
    assert_eq!(
        budget(budgets, "shop", "cart"),
        &json!({
            "namespace": "shop", "name": "cart", "selector": "app=cart",
            "min_available": "1", "max_unavailable": null,
            "matched_pods": 1, "expected_pods": 1, "healthy_pods": 1,
            "desired_healthy": 1, "disruptions_allowed": 0,
            "blocks_drain": true, "findings": ["drain-deadlock"], "exempt": null
        })
    );
    let api = budget(budgets, "shop", "api");
    assert_eq!(api["matched_pods"], 0);
    assert_eq!(api["findings"], json!(["no-matching-pods"]));
    assert_eq!(api["selector"], "app=api,team=core,tier=web,track=stable");
    let worker = budget(budgets, "shop", "worker");
    assert_eq!(worker["max_unavailable"], "1");
    assert_eq!(worker["min_available"], Value::Null);
    assert_eq!(worker["findings"], json!(["multiple-budgets"]));
    assert_eq!(
        budget(budgets, "db", "postgres"),
        &json!({
            "namespace": "db", "name": "postgres", "selector": "app=postgres",
            "min_available": "1", "max_unavailable": null,
            "matched_pods": 2, "expected_pods": 2, "healthy_pods": 2,
            "desired_healthy": 1, "disruptions_allowed": 1,
            "blocks_drain": false, "findings": [], "exempt": null
        })
    );
}

#[test]
fn fail_on_names_every_offending_budget() {
    let singles = ["cart", "checkout", "search"]
        .map(single_replica)
        .join("---\n");
    let dir = stack_with_files(
        r#"
data "kured_pdb_coverage" "audit" {
  manifests = [file("singles.yaml"), file("rest.yaml")]
  fail_on   = ["drain-deadlock"]
}
"#,
        &[("singles.yaml", &singles), ("rest.yaml", INCIDENT_REST)],
    );
    dir.plan()
        .assert_failure("three budgets deadlock")
        .assert_contains(
            "3 PodDisruptionBudgets with finding drain-deadlock: shop/cart, shop/checkout, shop/search",
        )
        .assert_contains("- shop/cart: selector app=cart, minAvailable 1; 1 matched, 1 expected")
        .assert_contains("Run more replicas than minAvailable, or use maxUnavailable: 1")
        .assert_contains("fail_on")
        .assert_not_contains("shop/api")
        .assert_not_contains("db/postgres");

    // A code no budget has fails nothing.
    dir.write(
        "main.tf",
        &format!(
            r#"{HEADER}
data "kured_pdb_coverage" "audit" {{
  manifests = [file("rest.yaml")]
  fail_on   = ["drain-deadlock", "unhealthy-pods-block"]
}}
"#
        ),
    );
    dir.plan()
        .assert_success("no budget of rest.yaml deadlocks");
}

#[test]
fn an_unknown_fail_on_code_lists_the_valid_ones() {
    let dir = stack_with_files(
        r#"
data "kured_pdb_coverage" "audit" {
  manifests = []
  fail_on   = ["drain-deadlock", "deadlock"]
}
"#,
        &[],
    );
    dir.validate()
        .assert_failure("an unknown code")
        .assert_contains("fail_on[1]: unknown finding code \"deadlock\"")
        .assert_contains(
            "`no-matching-pods`, `drain-deadlock`, `multiple-budgets`, `currently-blocking`, `unhealthy-pods-block`",
        );
}

#[test]
fn malformed_yaml_names_the_manifest_and_the_line() {
    let dir = stack_with_files(
        r#"
data "kured_pdb_coverage" "audit" {
  manifests = [
    "kind: Pod\napiVersion: v1\nmetadata: {name: ok}\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n",
  ]
}
"#,
        &[],
    );
    // Manifests are read during plan, not validate: at cluster scale reading them takes
    // seconds, and Terraform would otherwise read them twice.
    dir.plan()
        .assert_failure("malformed YAML")
        .assert_contains("manifests[1] is not valid YAML or JSON")
        .assert_contains("YAML document 1, line")
        .assert_not_contains("manifests[0]");

    dir.write(
        "main.tf",
        &format!(
            r#"{HEADER}
data "kured_pdb_coverage" "audit" {{
  manifests = [
    "kind: Pod\napiVersion: v1\nmetadata: {{name: ok}}\n",
    "kind: Pod\napiVersion: v1\nmetadata: {{name: ok}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web, namespace: shop}}\nspec: {{minAvailable: many}}\n",
  ]
}}
"#
        ),
    );
    dir.plan()
        .assert_failure("a malformed budget")
        .assert_contains("manifests[1] holds an object that cannot be read")
        .assert_contains("document 2: PodDisruptionBudget shop/web: spec.minAvailable");
}

#[test]
fn lists_and_files_with_a_byte_order_mark_and_crlf_are_read() {
    let list = "apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: web-1, namespace: shop, labels: {app: web}}
    status: {phase: Running, conditions: [{type: Ready, status: \"True\"}]}
  - apiVersion: v1
    kind: Pod
    metadata: {name: web-2, namespace: shop, labels: {app: web}}
    status: {phase: Running, conditions: [{type: Ready, status: \"False\"}]}
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web, namespace: shop}
    spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
";
    let windows = format!("\u{feff}{}", single_replica("cart").replace('\n', "\r\n"));
    let dir = stack_with_files(
        r#"
data "kured_pdb_coverage" "audit" {
  manifests = [file("list.yaml")]
}
data "kured_pdb_coverage" "windows" {
  manifests = [file("windows.yaml")]
}
output "web" { value = data.kured_pdb_coverage.audit.budgets[0] }
output "windows_blockers" { value = data.kured_pdb_coverage.windows.drain_blockers }
"#,
        &[("list.yaml", list), ("windows.yaml", &windows)],
    );
    dir.apply().assert_success("both inputs are readable");
    let out = dir.output_json();
    let web = &out["web"]["value"];
    assert_eq!(web["name"], "web");
    assert_eq!(web["matched_pods"], 2);
    assert_eq!(web["healthy_pods"], 1);
    assert_eq!(web["disruptions_allowed"], 0);
    assert_eq!(
        web["findings"],
        json!(["currently-blocking"]),
        "one of two pods is unready: {web}"
    );
    assert_eq!(strings(&out["windows_blockers"]["value"]), ["shop/cart"]);
}

/// `singles.yaml` (single-replica budgets) audited, and a policy fed its drain blockers
/// with these extra coverage arguments and these kured values.
fn audited_policy(coverage_args: &str, configuration: &str) -> String {
    format!(
        r#"
data "kured_pdb_coverage" "audit" {{
  manifests = [file("singles.yaml")]
  {coverage_args}
}}

resource "kured_gated_reboot_policy" "nodes" {{
  known_drain_blockers = data.kured_pdb_coverage.audit.drain_blockers
  kured {{
    chart_version = "5.11.0"
    values        = [yamlencode({{ configuration = {{ rebootSentinel = "/var/run/gated-reboot-required"{configuration} }} }})]
  }}
  gate {{
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
    sentinel_path = "/host/var-run/gated-reboot-required"
  }}
}}
"#
    )
}

#[test]
fn drain_blockers_fail_the_policy_unless_kured_forces_the_reboot() {
    let singles = ["cart", "checkout"].map(single_replica).join("---\n");
    let files = [("singles.yaml", singles.as_str())];
    let cases = [
        ("", false, "Finding code: drain-hangs"),
        (
            ", drainTimeout = \"30m\"",
            false,
            "Finding code: blocked-nodes-never-reboot",
        ),
        (
            ", drainTimeout = \"30m\", forceReboot = true",
            true,
            "Finding code: forced-reboot-violates-budgets",
        ),
    ];
    for (configuration, plans, code) in cases {
        let dir = stack_with_files(&audited_policy("", configuration), &files);
        let plan = dir.plan();
        if plans {
            plan.assert_success(configuration);
        } else {
            plan.assert_failure(configuration);
        }
        plan.assert_contains(code)
            .assert_contains("shop/cart, shop/checkout");
    }
}

#[test]
fn exempted_budgets_leave_drain_blockers_and_fail_on_with_their_reason() {
    let singles = ["cart", "checkout", "search"]
        .map(single_replica)
        .join("---\n");
    let files = [("singles.yaml", singles.as_str())];
    let exempt = r#"fail_on = ["drain-deadlock"]
  exempt_budgets = {
    "shop/cart"     = "the cart operator moves its leader before a drain"
    "shop/checkout" = "the checkout operator moves its leader before a drain"
  }"#;
    let dir = stack_with_files(&audited_policy(exempt, ", drainTimeout = \"30m\""), &files);
    dir.plan()
        .assert_failure("search is still a deadlock")
        .assert_contains("1 PodDisruptionBudget with finding drain-deadlock: shop/search")
        .assert_not_contains("shop/cart")
        .assert_not_contains("shop/checkout");

    let all = exempt.replace(
        "  }",
        "    \"shop/search\"   = \"the search operator moves its leader before a drain\"\n  }",
    );
    let dir = stack_with_files(
        &format!(
            "{}\n{OUTPUTS}",
            audited_policy(&all, ", drainTimeout = \"30m\"")
        ),
        &files,
    );
    dir.apply()
        .assert_success("every blocker exempted: no fail_on, no drain rule");
    let out = dir.output_json();
    assert_eq!(strings(&out["drain_blockers"]["value"]), Vec::<&str>::new());
    let cart = budget(&out["budgets"]["value"], "shop", "cart");
    assert_eq!(
        cart["exempt"],
        "the cart operator moves its leader before a drain"
    );
    assert_eq!(cart["findings"], json!(["drain-deadlock"]));
    assert_eq!(cart["blocks_drain"], true);
}

#[test]
fn exemption_keys_and_reasons_are_checked_on_their_key() {
    let dir = stack_with_files(
        r#"
data "kured_pdb_coverage" "audit" {
  manifests = [file("singles.yaml")]
  exempt_budgets = {
    "cart"          = "no namespace"
    "shop/checkout" = ""
    "shop/gone"     = "an old budget"
  }
}
"#,
        &[("singles.yaml", &single_replica("checkout"))],
    );
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "a bad key and an empty reason");
    let found: Vec<(&str, &str, Option<u64>)> = plan
        .diagnostics
        .iter()
        .map(|d| (d.severity.as_str(), d.summary.as_str(), d.line))
        .collect();
    assert_eq!(
        found,
        [
            (
                "error",
                "exempt_budgets: \"cart\" is not namespace/name",
                Some(line_of(&dir, "\"cart\""))
            ),
            (
                "error",
                "exempt_budgets: the reason for shop/checkout is empty",
                Some(line_of(&dir, "\"shop/checkout\""))
            ),
        ],
        "{:#?}",
        plan.diagnostics
    );

    let main = std::fs::read_to_string(dir.path().join("main.tf")).expect("main.tf");
    dir.write(
        "main.tf",
        &main
            .replace("    \"cart\"          = \"no namespace\"\n", "")
            .replace(
                "\"shop/checkout\" = \"\"",
                "\"shop/checkout\" = \"a reason\"",
            ),
    );
    let plan = plan_json(&dir);
    plan.output
        .assert_code(0, "a key that matches no budget is a warning");
    let stray: Vec<(&str, &str, Option<u64>)> = plan
        .diagnostics
        .iter()
        .map(|d| (d.severity.as_str(), d.summary.as_str(), d.line))
        .collect();
    assert_eq!(
        stray,
        [(
            "warning",
            "exempt_budgets: shop/gone matches no budget",
            Some(line_of(&dir, "\"shop/gone\""))
        )]
    );
}

#[test]
fn the_audit_example_reproduces_the_incident() {
    let dir = example("audit");
    dir.plan().assert_success("plan of examples/audit");
    dir.apply().assert_success("apply of examples/audit");
    let out = dir.output_json();
    let blockers = strings(&out["drain_blockers"]["value"]);
    for name in [
        "cart", "checkout", "images", "mailer", "payments", "reviews", "search", "sessions",
    ] {
        assert!(
            blockers.contains(&format!("shop/{name}").as_str()),
            "{name} is a single replica with minAvailable 1: {blockers:?}"
        );
    }
    assert!(blockers.contains(&"shop/worker") && blockers.contains(&"shop/backend"));
    assert_eq!(blockers.len(), 10, "{blockers:?}");
    assert_eq!(strings(&out["orphaned_budgets"]["value"]), ["shop/api"]);
    assert_eq!(
        strings(&out["multiply_covered_pods"]["value"]),
        ["shop/worker (Deployment, 3 pods): backend, worker"]
    );
    assert_eq!(
        strings(&out["unprotected_workloads"]["value"]),
        ["Deployment shop/api"]
    );
    let postgres = &out["postgres"]["value"];
    assert_eq!(postgres["disruptions_allowed"], 1);
    assert_eq!(postgres["findings"], json!([]));
}

#[test]
fn the_data_source_example_plans_without_a_cluster() {
    let dir = example("data-sources/kured_pdb_coverage");
    dir.plan()
        .assert_success("plan of examples/data-sources/kured_pdb_coverage");
    dir.apply().assert_success("apply");
    let out = dir.output_json();
    assert_eq!(strings(&out["drain_blockers"]["value"]), ["shop/web"]);
}

// Live mode, against the fake API server.

fn live_pod(
    ns: &str,
    name: &str,
    labels: Value,
    ready: bool,
    owner: Option<(&str, &str)>,
) -> Value {
    let mut metadata =
        json!({"namespace": ns, "name": name, "uid": format!("uid-{name}"), "labels": labels});
    if let Some((kind, owner)) = owner {
        let api_version = if kind == "ReplicationController" {
            "v1"
        } else {
            "apps/v1"
        };
        metadata["ownerReferences"] = json!([{
            "apiVersion": api_version, "kind": kind, "name": owner,
            "uid": format!("uid-{owner}"), "controller": true
        }]);
    }
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": metadata,
        "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": if ready { "True" } else { "False" }}
        ]}
    })
}

fn workload(kind: &str, ns: &str, name: &str, replicas: u32, labels: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": kind,
        "metadata": {"namespace": ns, "name": name, "uid": format!("uid-{name}")},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}}}
    })
}

fn pdb(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": {"namespace": ns, "name": name}, "spec": spec})
}

/// A Deployment `front` of 3 with one unready pod, a single-replica `solo`, and a
/// StatefulSet `pg` of 2 that is healthy.
fn live_fixtures() -> Vec<Value> {
    let mut objects = vec![
        workload("Deployment", "web", "front", 3, json!({"app": "front"})),
        json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"namespace": "web", "name": "front-7f9", "uid": "uid-front-7f9",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": "front", "uid": "uid-front", "controller": true}]},
            "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "front"}}}}
        }),
        pdb(
            "web",
            "front",
            json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "front"}}}),
        ),
        workload("Deployment", "web", "solo", 1, json!({"app": "solo"})),
        json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"namespace": "web", "name": "solo-5c2", "uid": "uid-solo-5c2",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": "solo", "uid": "uid-solo", "controller": true}]},
            "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "solo"}}}}
        }),
        live_pod(
            "web",
            "solo-5c2-a",
            json!({"app": "solo"}),
            true,
            Some(("ReplicaSet", "solo-5c2")),
        ),
        pdb(
            "web",
            "solo",
            json!({"minAvailable": 1, "selector": {"matchLabels": {"app": "solo"}}}),
        ),
        workload("StatefulSet", "db", "pg", 2, json!({"app": "pg"})),
        live_pod(
            "db",
            "pg-0",
            json!({"app": "pg"}),
            true,
            Some(("StatefulSet", "pg")),
        ),
        live_pod(
            "db",
            "pg-1",
            json!({"app": "pg"}),
            true,
            Some(("StatefulSet", "pg")),
        ),
        pdb(
            "db",
            "pg",
            json!({"minAvailable": 1, "selector": {"matchLabels": {"app": "pg"}}}),
        ),
    ];
    for (i, ready) in [true, true, false].into_iter().enumerate() {
        objects.push(live_pod(
            "web",
            &format!("front-7f9-{i}"),
            json!({"app": "front"}),
            ready,
            Some(("ReplicaSet", "front-7f9")),
        ));
    }
    objects
}

fn assert_only_gets(server: &FakeApiServer) {
    let requests = server.requests();
    for request in &requests {
        assert_eq!(request.method, "GET", "unexpected request {request:?}");
    }
}

#[test]
fn live_budgets_come_from_the_cluster() {
    let server = FakeApiServer::start(live_fixtures());
    let dir = live_stack(
        &server.url(),
        r#"
data "kured_pdb_coverage" "audit" {}
data "kured_pdb_coverage" "db" {
  namespaces = ["db"]
}
output "budgets" { value = data.kured_pdb_coverage.audit.budgets }
output "drain_blockers" { value = data.kured_pdb_coverage.audit.drain_blockers }
output "db_budgets" { value = [for b in data.kured_pdb_coverage.db.budgets : "${b.namespace}/${b.name}"] }
"#,
    );
    dir.apply().assert_success("apply against the fake cluster");
    let out = dir.output_json();
    let budgets = &out["budgets"]["value"];
    let front = budget(budgets, "web", "front");
    assert_eq!(
        (
            &front["matched_pods"],
            &front["expected_pods"],
            &front["healthy_pods"],
            &front["desired_healthy"],
            &front["disruptions_allowed"],
        ),
        (&json!(3), &json!(3), &json!(2), &json!(2), &json!(0)),
        "{front}"
    );
    assert_eq!(front["findings"], json!(["currently-blocking"]));
    assert_eq!(front["blocks_drain"], false);
    assert_eq!(
        budget(budgets, "web", "solo")["findings"],
        json!(["drain-deadlock"])
    );
    assert_eq!(budget(budgets, "db", "pg")["disruptions_allowed"], 1);
    assert_eq!(strings(&out["drain_blockers"]["value"]), ["web/solo"]);
    assert_eq!(strings(&out["db_budgets"]["value"]), ["db/pg"]);

    // With namespaces set, every kind is listed in that namespace only.
    for path in [
        "/api/v1/namespaces/db/pods",
        "/apis/apps/v1/namespaces/db/deployments",
        "/apis/apps/v1/namespaces/db/statefulsets",
        "/apis/apps/v1/namespaces/db/replicasets",
        "/api/v1/namespaces/db/replicationcontrollers",
        "/apis/policy/v1/namespaces/db/poddisruptionbudgets",
    ] {
        assert!(!server.requests_to(path).is_empty(), "no request to {path}");
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.path.contains("/namespaces/") || r.path.contains("/namespaces/db/")),
        "only db is listed per namespace"
    );
    assert_only_gets(&server);
}

#[test]
fn live_pods_are_read_page_by_page() {
    let mut objects: Vec<Value> = (0..1200)
        .map(|i| {
            live_pod(
                "load",
                &format!("p-{i:04}"),
                json!({"app": "load"}),
                true,
                None,
            )
        })
        .collect();
    objects.push(pdb(
        "load",
        "load",
        json!({"minAvailable": 1100, "selector": {"matchLabels": {"app": "load"}}}),
    ));
    let server = FakeApiServer::start(objects);
    let dir = live_stack(
        &server.url(),
        r#"
data "kured_pdb_coverage" "audit" {}
output "load" { value = data.kured_pdb_coverage.audit.budgets[0] }
"#,
    );
    // Terraform reads the data source once per plan.
    dir.plan().assert_success("plan against 1,200 pods");
    assert_eq!(
        server.requests_to("/api/v1/pods").len(),
        3,
        "1,200 pods at 500 a page"
    );
    dir.apply().assert_success("apply against 1,200 pods");
    let load = &dir.output_json()["load"]["value"];
    assert_eq!(load["matched_pods"], 1200);
    assert_eq!(load["disruptions_allowed"], 100);
    assert_only_gets(&server);
}

/// Plans against a fake cluster with `fault` under `prefix` (or against nothing at all)
/// and returns the failed plan and how long it took.
fn failing_plan(
    server: Option<&FakeApiServer>,
    prefix: &str,
    fault: Option<Fault>,
) -> (Output, Duration) {
    let url = match server {
        Some(server) => {
            if let Some(fault) = fault {
                server.fault(prefix, fault);
            }
            server.url()
        }
        None => FakeApiServer::closed_port(),
    };
    let dir = live_stack(&url, "data \"kured_pdb_coverage\" \"audit\" {}\n");
    let started = Instant::now();
    let plan = dir.plan();
    let took = started.elapsed();
    plan.assert_failure("a cluster that cannot be read fails the plan");
    if let Some(server) = server {
        assert_only_gets(server);
    }
    (plan, took)
}

#[test]
fn a_forbidden_list_names_the_resource_and_the_cluster_role() {
    let server = FakeApiServer::start(live_fixtures());
    let (plan, _) = failing_plan(
        Some(&server),
        "/api/v1/pods",
        Some(Fault::forbidden(
            "system:serviceaccount:ci:terraform",
            "list",
            "pods",
            "",
            None,
        )),
    );
    plan.assert_contains("permission denied: the provider may not list pods")
        .assert_contains("may not list pods at the cluster scope")
        .assert_contains(
            "User \"system:serviceaccount:ci:terraform\" cannot list resource \"pods\"",
        )
        .assert_contains("Grant verbs get and list on pods")
        .assert_contains("kind: ClusterRole")
        .assert_contains("name: kured-provider-read");
}

#[test]
fn a_server_error_is_reported() {
    let server = FakeApiServer::start(live_fixtures());
    let (plan, _) = failing_plan(
        Some(&server),
        "/apis/policy/v1/poddisruptionbudgets",
        Some(Fault::internal("etcdserver: leader changed")),
    );
    plan.assert_contains(
        "the Kubernetes API server failed (500): listing poddisruptionbudgets.policy",
    )
    .assert_contains("answered 500")
    .assert_contains("etcdserver: leader changed");
}

#[test]
fn a_slow_server_times_out_at_request_timeout() {
    let server = FakeApiServer::start(live_fixtures());
    let (plan, took) = failing_plan(
        Some(&server),
        "/api/v1/pods",
        Some(Fault::Delay(Duration::from_secs(60))),
    );
    plan.assert_contains("the Kubernetes API server did not answer in time: listing pods")
        .assert_contains("within 2s")
        .assert_contains("request_timeout");
    assert!(
        took < Duration::from_secs(45),
        "the plan took {took:?}: the 2s request timeout did not hold"
    );
}

#[test]
fn an_unreachable_server_is_reported() {
    let (plan, took) = failing_plan(None, "", None);
    plan.assert_contains("cannot reach the Kubernetes API server")
        .assert_contains("check the server address in the kubeconfig");
    assert!(took < Duration::from_secs(45), "the plan took {took:?}");
}

#[test]
fn rejected_credentials_are_reported() {
    let server = FakeApiServer::start(live_fixtures());
    let (plan, _) = failing_plan(Some(&server), "/api/v1/pods", Some(Fault::unauthorized()));
    plan.assert_contains(
        "authentication failed: the Kubernetes API server rejected the credentials",
    )
    .assert_contains("401 Unauthorized");
}
