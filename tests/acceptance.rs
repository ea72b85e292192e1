//! The provider through the real Terraform: `init` from a filesystem mirror, then plans
//! and applies of stacks that repeat the incident, fix it, or break one rule each.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::diagnostics::{line_of, plan_json};
use support::kured::{HEADER, example, stack};
use support::terraform::Output;

/// A policy with the incident's gate and these kured values (YAML).
fn policy(extra: &str, values: &str) -> String {
    format!(
        r#"
resource "kured_gated_reboot_policy" "p" {{
  {extra}
  kured {{
    chart_version = "5.11.0"
    values        = [<<-YAML
{values}
YAML
    ]
  }}
  gate {{
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }}
}}
"#
    )
}

const GOOD_VALUES: &str =
    "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 30m\n";

#[test]
fn the_broken_incident_fails_plan_naming_both_node_paths() {
    let dir = example("incident/broken");
    dir.plan()
        .assert_failure("the incident must not plan")
        .assert_contains("kured watches /sentinel/gated-reboot-required but the gate writes /var/run/gated-reboot-required")
        .assert_contains("hostPath /sentinel")
        .assert_contains("hostPath /var/run")
        .assert_contains("on main.tf line")
        .assert_contains("Finding code: sentinel-divergence");
}

#[test]
fn the_fixed_incident_plans_applies_and_replans_clean() {
    let dir = example("incident/fixed");
    dir.plan()
        .assert_success("plan")
        .assert_contains("1 to add");
    dir.apply().assert_success("apply");
    let out = dir.output_json();
    assert_eq!(
        out["kured_sentinel_host_path"]["value"],
        "/var/run/gated-reboot-required"
    );
    assert_eq!(
        out["gate_sentinel_host_path"]["value"],
        "/var/run/gated-reboot-required"
    );
    assert_eq!(out["drain_timeout"]["value"], "30m0s");
    dir.plan_detailed()
        .assert_code(0, "a second plan shows no changes");
}

/// The chains and the recommended values are carried only when a warning leaves kured's
/// sentinel unchecked; with kured on the gate's file the two host paths say it all.
#[test]
fn chains_and_recommended_values_only_where_the_sentinel_is_unchecked() {
    let outputs = r#"
output "kured_chain" { value = kured_gated_reboot_policy.p.kured_sentinel_chain }
output "gate_chain" { value = kured_gated_reboot_policy.p.gate_sentinel_chain }
output "recommended" { value = kured_gated_reboot_policy.p.recommended_values }
output "warnings" { value = kured_gated_reboot_policy.p.warnings }
"#;
    let checked = stack(&format!("{}{outputs}", policy("", GOOD_VALUES)));
    checked.apply().assert_success("kured on the gate's file");
    let out = checked.output_json();
    for name in ["kured_chain", "gate_chain", "recommended"] {
        assert!(out[name]["value"].is_null(), "{name}: {:?}", out[name]);
    }

    let command = "configuration:\n  useRebootSentinelHostPath: false\n  rebootSentinelCommand: test -f /var/run/gated-reboot-required\n  drainTimeout: 30m\n";
    let unchecked = stack(&format!("{}{outputs}", policy("", command)));
    unchecked
        .apply()
        .assert_success("a sentinel command is a warning");
    let out = unchecked.output_json();
    let warnings = out["warnings"]["value"].to_string();
    assert!(warnings.contains("[sentinel-command]"), "{warnings}");
    let kured_chain = out["kured_chain"]["value"]
        .as_array()
        .expect("kured's chain");
    assert!(
        kured_chain
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.contains("command mode"))),
        "{kured_chain:?}"
    );
    let gate_chain = out["gate_chain"]["value"]
        .as_array()
        .expect("the gate's chain");
    assert!(!gate_chain.is_empty());
    let recommended = out["recommended"]["value"].as_str().expect("values");
    assert!(
        recommended.contains("rebootSentinel: \"/var/run/gated-reboot-required\""),
        "{recommended}"
    );
}

#[test]
fn the_data_source_example_reports_without_failing() {
    let dir = example("data-sources/kured_sentinel_paths");
    dir.apply().assert_success("apply");
    let out = dir.output_json();
    assert_eq!(out["aligned"]["value"], false);
    let recommended = out["recommended_values"]["value"]
        .as_str()
        .expect("the example's kured is a chart and it has a gate");
    assert!(
        recommended.contains("rebootSentinel: \"/var/run/gated-reboot-required\""),
        "{recommended}"
    );
}

#[test]
fn the_ungated_default_fails() {
    let dir = stack(&policy("", "configuration:\n  drainTimeout: 30m\n"));
    dir.plan()
        .assert_failure("kured on its default sentinel bypasses the gate")
        .assert_contains("kured watches the ungated sentinel /var/run/reboot-required")
        .assert_contains("Finding code: gate-bypassed");
}

#[test]
fn an_update_is_in_place_and_keeps_the_id() {
    let dir = stack(&policy("", GOOD_VALUES));
    dir.apply().assert_success("apply");
    let id = dir.state_show("kured_gated_reboot_policy.p").stdout;
    let first_id = id
        .lines()
        .find(|l| l.trim_start().starts_with("id "))
        .map(str::to_string);
    dir.write(
        "main.tf",
        &format!(
            "{HEADER}\n{}",
            policy("", &GOOD_VALUES.replace("30m", "45m"))
        ),
    );
    dir.plan()
        .assert_success("plan an update")
        .assert_contains("1 to change")
        .assert_contains("~ drain_timeout");
    dir.apply().assert_success("apply the update");
    let id = dir.state_show("kured_gated_reboot_policy.p").stdout;
    let second_id = id
        .lines()
        .find(|l| l.trim_start().starts_with("id "))
        .map(str::to_string);
    assert!(first_id.is_some());
    assert_eq!(first_id, second_id, "the id survives an update");
}

#[test]
fn unknown_inputs_are_checked_at_apply_before_anything_is_stored() {
    let dir = stack(&format!(
        r#"
resource "terraform_data" "sentinel" {{
  input = "/sentinel/gated-reboot-required"
}}
{}
"#,
        policy(
            "",
            "configuration:\n  rebootSentinel: ${terraform_data.sentinel.output}\n  drainTimeout: 30m\n"
        )
    ));
    dir.plan()
        .assert_success("the check waits for the unknown value")
        .assert_contains("kured_sentinel_host_path = (known after apply)");
    let apply = dir.apply();
    apply
        .assert_failure("apply runs the check once the value is known")
        .assert_contains("kured watches /sentinel/gated-reboot-required but the gate writes /var/run/gated-reboot-required")
        .assert_contains("Finding code: sentinel-divergence");
    let list = dir.run(&["state", "list"]);
    assert!(
        !list.stdout.contains("kured_gated_reboot_policy.p"),
        "nothing stored: {}",
        list.stdout
    );
}

fn assert_plan_error(body: &str, needles: &[&str]) -> Output {
    let dir = stack(body);
    let plan = dir.plan();
    plan.assert_failure(&format!("plan must fail: {needles:?}"));
    for needle in needles {
        plan.assert_contains(needle);
    }
    plan
}

#[test]
fn each_bad_input_gets_its_error() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            policy(
                "",
                "configuration:\n  rebootSentinel: \"\"\n  drainTimeout: 5m\n",
            ),
            vec!["hostPath \".\"", "Finding code: host-path-not-absolute"],
        ),
        (
            policy(
                "",
                "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 5m\n  startTime: \"25:00\"\n",
            ),
            vec!["Finding code: window-invalid", "--start-time"],
        ),
        (
            policy(
                "",
                "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 5m\n  timeZone: Mars/Olympus\n",
            ),
            vec!["Finding code: window-invalid", "Mars/Olympus"],
        ),
        (
            policy(
                "",
                "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: half an hour\n",
            ),
            vec!["Finding code: flag-invalid", "--drain-timeout"],
        ),
        (
            policy(
                "",
                "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 5m\n  rebootDays: [mo, funday]\n",
            ),
            vec!["Finding code: window-invalid", "funday"],
        ),
        (
            policy("", "configuration: [unclosed\n"),
            vec![
                "Finding code: chart-values-invalid",
                "values[0] is not valid YAML",
                "YAML document 1, line",
            ],
        ),
        (
            policy("", GOOD_VALUES).replace("5.11.0", "3.9.0"),
            vec!["Finding code: chart-version-unsupported", "4.0.0"],
        ),
        (
            policy("", GOOD_VALUES).replace(
                "mount_path    = \"/host/var-run\"",
                "mount_path    = \"/host/var-run\"\n    read_only     = true",
            ),
            vec!["Finding code: gate-read-only"],
        ),
        (
            policy("sentinel_host_path = \"/var/lib/gate/reboot\"", GOOD_VALUES),
            vec![
                "Finding code: kured-path-mismatch",
                "Finding code: gate-path-mismatch",
            ],
        ),
    ];
    for (body, needles) in cases {
        assert_plan_error(&body, &needles);
    }
}

#[test]
fn flag_findings_land_on_the_values_entry_that_set_the_flag() {
    let dir = stack(
        r#"
resource "kured_gated_reboot_policy" "p" {
  kured {
    chart_version = "5.11.0"
    values = [
      "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 30m\n",
      "configuration:\n  startTime: \"25:00\"\n",
      yamlencode({ configuration = { timeZone = "europe/berlin", concurrency = "two" } }),
    ]
  }
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}
"#,
    );
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "invalid flags");
    let start = line_of(&dir, "startTime");
    let zone_and_concurrency = line_of(&dir, "yamlencode(");
    let found: Vec<(&str, Option<u64>, bool)> = plan
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code.as_deref().unwrap_or_default(),
                d.line,
                d.detail.contains("\n\nFix: set configuration."),
            )
        })
        .collect();
    assert_eq!(
        found,
        // kured's own order: the window's zone, then its start; then the other flags.
        [
            ("window-invalid", Some(zone_and_concurrency), true),
            ("window-invalid", Some(start), true),
            ("flag-invalid", Some(zone_and_concurrency), true),
        ],
        "{:#?}",
        plan.diagnostics
    );
    assert!(
        plan.diagnostics[0]
            .detail
            .contains("Fix: set configuration.timeZone to Europe/Berlin.")
    );
}

#[test]
fn configuration_shape_errors_show_at_validate() {
    let dir = stack(
        r#"
resource "kured_gated_reboot_policy" "p" {
  kured {
    chart_version      = "5.11.0"
    daemonset_manifest = "kind: DaemonSet"
  }
  gate {
    sentinel_path = "/host/x"
    host_path     = "/var/run"
  }
}
"#,
    );
    dir.validate()
        .assert_failure("validate")
        .assert_contains("kured is described more than one way: chart_version (with values) and daemonset_manifest")
        .assert_contains("gate.mount_path is missing");
}

#[test]
fn a_manifest_described_kured_is_checked_too() {
    let manifest = r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kured
  namespace: kube-system
spec:
  template:
    spec:
      containers:
        - name: kured
          image: ghcr.io/kubereboot/kured:1.21.0
          command: ["/usr/bin/kured"]
          args: ["--reboot-sentinel=/sentinel/gated-reboot-required", "--drain-timeout=30m"]
          volumeMounts:
            - {name: sentinel, mountPath: /sentinel, readOnly: true}
      volumes:
        - {name: sentinel, hostPath: {path: /var/run, type: Directory}}
"#;
    let dir = stack(&format!(
        r#"
resource "kured_gated_reboot_policy" "p" {{
  kured {{
    daemonset_manifest = <<-YAML
{manifest}
YAML
  }}
  gate {{
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }}
}}
output "kured" {{ value = kured_gated_reboot_policy.p.kured_sentinel_host_path }}
output "version" {{ value = kured_gated_reboot_policy.p.kured_app_version }}
"#
    ));
    dir.apply()
        .assert_success("a manifest that mounts /var/run at /sentinel is aligned");
    let out = dir.output_json();
    assert_eq!(out["kured"]["value"], "/var/run/gated-reboot-required");
    assert_eq!(out["version"]["value"], "1.21.0");
}

#[test]
fn functions_answer_through_terraform() {
    let dir = example("functions/sentinel_host_path");
    dir.apply().assert_success("apply");
    assert_eq!(
        dir.output_json()["kured_watches"]["value"],
        "/var/run/gated-reboot-required"
    );
    let dir = example("functions/node_path");
    dir.apply().assert_success("apply");
    assert_eq!(
        dir.output_json()["gate_writes"]["value"],
        "/var/run/gated-reboot-required"
    );
}

#[test]
fn function_errors_name_the_argument() {
    let dir = stack(
        r#"
output "x" {
  value = provider::kured::sentinel_host_path("3.1.0", [])
}
"#,
    );
    dir.plan()
        .assert_failure("an unsupported chart version")
        .assert_contains("Invalid value for \"chart_version\" parameter")
        .assert_contains("4.0.0");
    let dir = stack(
        r#"
output "x" {
  value = provider::kured::node_path(yamlencode({
    apiVersion = "apps/v1", kind = "DaemonSet", metadata = { name = "g" },
    spec = { template = { spec = { containers = [{ name = "g" }] } } }
  }), "g", "/host/var-run/x")
}
"#,
    );
    dir.plan()
        .assert_failure("a path that reaches no node file")
        .assert_contains("Invalid value for \"container_path\" parameter")
        .assert_contains("own filesystem");
}

/// The source line Terraform shows under each diagnostic, by summary, from `validate -json`.
fn validate_lines(dir: &support::terraform::Workdir) -> Vec<(String, String)> {
    let out = dir.run(&["validate", "-json", "-no-color"]);
    out.assert_failure("validate");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("validate -json");
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let code = d["snippet"]["code"].as_str().unwrap_or_default();
            (
                d["summary"].as_str().unwrap_or_default().to_string(),
                code.trim().to_string(),
            )
        })
        .collect()
}

#[test]
fn invalid_nested_values_are_reported_on_their_own_line() {
    // Terraform points each diagnostic at the source its attribute path leads to, so the
    // line shown proves the path: an entry of a list, an attribute of a nested object.
    let dir = stack(
        r#"
resource "kured_gated_reboot_policy" "p" {
  known_drain_blockers = [
    "shop/web",
    "web",
  ]
  kured {
    chart_version = "5.11.0"
  }
  gate {
    sentinel_path = "/host/x"
    namespace     = "Kube_System"
    name          = "gate"
  }
}
"#,
    );
    let mut lines = validate_lines(&dir);
    lines.sort();
    assert_eq!(
        lines,
        [
            (
                "\"Kube_System\" is not a valid namespace name".to_string(),
                "namespace     = \"Kube_System\"".to_string()
            ),
            (
                "\"web\" is not namespace/name".to_string(),
                "\"web\",".to_string()
            ),
        ]
    );
    // A null entry is refused while the configuration is decoded, before any check.
    let dir = stack(
        r#"
resource "kured_gated_reboot_policy" "p" {
  kured {
    chart_version = "5.11.0"
    values = [
      "a: 1",
      null,
    ]
  }
  gate {
    sentinel_path = "/host/x"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}
"#,
    );
    assert_eq!(
        validate_lines(&dir),
        [("kured.values[1] is null".to_string(), "null,".to_string())]
    );
}
