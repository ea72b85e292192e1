//! Fixes the user can paste, through the real Terraform: each finding class that knows the
//! right value prints it as a fragment (a values entry for a chart, a strategic-merge
//! patch of the DaemonSet for a manifest). Each test pastes the fragment as printed (one
//! more `values` entry, or the patch merged into the manifest) and plans again: the
//! finding must be gone.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::diagnostics::{Diagnostic, JsonPlan, plan_json};
use support::fixes::{
    GATE_PATCH_HEADING, PATCH_HEADING, VALUES_HEADING, fragment, strategic_merge, yaml,
};
use support::kured::{HEADER, stack_with_files};
use support::terraform::Workdir;

/// A policy whose kured is the chart with `values` (one file each) and `extra` arguments.
fn chart_policy(chart: &str, image_tag: Option<&str>, files: usize, extra: &str) -> String {
    let values: Vec<String> = (0..files)
        .map(|i| format!("file(\"values-{i}.yaml\")"))
        .collect();
    let tag = image_tag.map_or_else(String::new, |t| format!("image_tag = \"{t}\""));
    format!(
        r#"
resource "kured_gated_reboot_policy" "p" {{
  {extra}
  kured {{
    chart_version = "{chart}"
    {tag}
    values        = [{}]
  }}
  gate {{
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }}
}}
"#,
        values.join(", ")
    )
}

/// A workdir planning [`chart_policy`] over `entries`.
fn chart_stack(chart: &str, image_tag: Option<&str>, entries: &[&str], extra: &str) -> Workdir {
    let names: Vec<String> = (0..entries.len())
        .map(|i| format!("values-{i}.yaml"))
        .collect();
    let files: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(entries.iter().copied())
        .collect();
    stack_with_files(
        &chart_policy(chart, image_tag, entries.len(), extra),
        &files,
    )
}

/// Adds `entry` as the last values entry and plans again.
fn paste_values(
    dir: &Workdir,
    chart: &str,
    image_tag: Option<&str>,
    extra: &str,
    entry: &str,
) -> JsonPlan {
    let count = (0..)
        .take_while(|i| dir.path().join(format!("values-{i}.yaml")).exists())
        .count();
    dir.write(&format!("values-{count}.yaml"), entry);
    dir.write(
        "main.tf",
        &format!(
            "{HEADER}\n{}",
            chart_policy(chart, image_tag, count + 1, extra)
        ),
    );
    plan_json(dir)
}

/// The single diagnostic among `codes`.
fn one_of<'p>(plan: &'p JsonPlan, codes: &[&str]) -> &'p Diagnostic {
    let found: Vec<&Diagnostic> = plan
        .diagnostics
        .iter()
        .filter(|d| d.code.as_deref().is_some_and(|c| codes.contains(&c)))
        .collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!("expected one of {codes:?}: {:#?}", plan.diagnostics),
    }
}

const SENTINEL_CODES: [&str; 4] = [
    "sentinel-divergence",
    "kured-sentinel-unreachable",
    "gate-bypassed",
    "kured-path-mismatch",
];

#[test]
fn the_incident_fix_for_each_chart_band_and_kured_version_passes_once_pasted() {
    // The incident's values, under each way the chart and kured can handle the sentinel.
    let incident =
        "configuration:\n  rebootSentinel: /sentinel/gated-reboot-required\n  drainTimeout: 30m\n";
    let cases: [(&str, Option<&str>, &str); 6] = [
        ("5.11.0", None, "useRebootSentinelHostPath: true"),
        ("5.4.0", None, "\nuseRebootSentinelHostPath: true"),
        (
            "5.3.2",
            None,
            "rebootSentinel: \"/var/run/gated-reboot-required\"",
        ),
        // An old chart running a kured that checks inside its container needs a mount.
        ("5.3.2", Some("1.21.0"), "mountPath: /sentinel"),
        // A new chart running a kured that checks the node's filesystem needs none.
        ("5.11.0", Some("1.14.2"), "useRebootSentinelHostPath: false"),
        (
            "4.7.0",
            None,
            "rebootSentinel: \"/var/run/gated-reboot-required\"",
        ),
    ];
    for (chart, tag, expected) in cases {
        let dir = chart_stack(chart, tag, &[incident], "");
        let plan = plan_json(&dir);
        plan.output.assert_code(1, "the incident fails");
        let finding = one_of(&plan, &SENTINEL_CODES);
        assert_eq!(finding.severity, "error");
        assert!(
            finding.detail.contains(
                "Fix: set configuration.rebootSentinel to /var/run/gated-reboot-required."
            ),
            "{finding:#?}"
        );
        let pasted = fragment(finding, VALUES_HEADING);
        assert!(
            pasted.contains(expected),
            "chart {chart} kured {tag:?}: {pasted}"
        );
        assert!(
            !pasted.contains("spec:"),
            "a chart gets values, not a patch"
        );
        let replan = paste_values(&dir, chart, tag, "", &pasted);
        replan
            .output
            .assert_code(0, &format!("chart {chart} kured {tag:?} with\n{pasted}"));
        assert_eq!(
            replan
                .diagnostics
                .iter()
                .filter(|d| d.severity == "error")
                .count(),
            0,
            "{:#?}",
            replan.diagnostics
        );
    }
}

#[test]
fn drain_fixes_for_a_chart_are_values_entries() {
    let good = "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n";
    // Unbounded drain, no known blockers: a warning whose fix is a values entry.
    let dir = chart_stack("5.11.0", None, &[good], "");
    let plan = plan_json(&dir);
    plan.output.assert_code(0, "a warning");
    let unbounded = plan.only("drain-timeout-unbounded");
    let pasted = fragment(unbounded, VALUES_HEADING);
    assert_eq!(pasted, "configuration:\n  drainTimeout: 30m\n");
    let replan = paste_values(&dir, "5.11.0", None, "", &pasted);
    replan.output.assert_code(0, "fixed");
    assert!(
        replan.with_code("drain-timeout-unbounded").is_empty(),
        "{:#?}",
        replan.diagnostics
    );

    // Known blockers and no timeout: the drain hangs; kured's part of the fix is the
    // timeout, after which the blockers still stop those nodes (a different finding).
    let blockers = r#"known_drain_blockers = ["db/pg-primary"]"#;
    let dir = chart_stack("5.11.0", None, &[good], blockers);
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "the drain hangs");
    let hangs = plan.only("drain-hangs");
    assert!(
        hangs.detail.contains("Fix: set spec.maxUnavailable of PodDisruptionBudgets db/pg-primary to 1 in place of minAvailable, with at least two replicas behind each; and set configuration.drainTimeout to 30m."),
        "{hangs:#?}"
    );
    let pasted = fragment(hangs, VALUES_HEADING);
    assert_eq!(pasted, "configuration:\n  drainTimeout: 30m\n");
    let replan = paste_values(&dir, "5.11.0", None, blockers, &pasted);
    assert!(
        replan.with_code("drain-hangs").is_empty(),
        "{:#?}",
        replan.diagnostics
    );
    assert_eq!(replan.codes(), ["blocked-nodes-never-reboot"]);
}

#[test]
fn flag_fixes_with_a_concrete_value_are_values_entries() {
    let good =
        "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 30m\n";
    let bad = "configuration:\n  timeZone: europe/berlin\n  period: \"0\"\n";
    let dir = chart_stack("5.11.0", None, &[good, bad], "");
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "invalid zone and period");
    let mut fixes = String::new();
    for code in ["window-invalid", "period-not-positive"] {
        fixes.push_str(&fragment(plan.only(code), VALUES_HEADING));
    }
    assert_eq!(
        fixes,
        "configuration:\n  timeZone: Europe/Berlin\nconfiguration:\n  period: 1h\n"
    );
    // Two fragments, two entries.
    let zone = fragment(plan.only("window-invalid"), VALUES_HEADING);
    let period = fragment(plan.only("period-not-positive"), VALUES_HEADING);
    paste_values(&dir, "5.11.0", None, "", &zone);
    let replan = paste_values(&dir, "5.11.0", None, "", &period);
    replan.output.assert_code(0, "both fixed");
    assert!(replan.codes().is_empty(), "{:#?}", replan.diagnostics);
}

/// The incident's kured as a DaemonSet manifest: the chart's mount of the node's
/// `/sentinel`, and no drain timeout.
fn incident_manifest() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "kured", "namespace": "kube-system"},
        "spec": {"template": {"spec": {
            "containers": [{
                "name": "kured",
                "image": "ghcr.io/kubereboot/kured:1.21.0",
                "command": ["/usr/bin/kured"],
                "args": ["--ds-name=kured", "--reboot-sentinel=/sentinel/gated-reboot-required", "--period=1h"],
                "volumeMounts": [{"name": "sentinel", "mountPath": "/sentinel", "readOnly": true}]
            }],
            "volumes": [{"name": "sentinel", "hostPath": {"path": "/sentinel", "type": "Directory"}}]
        }}}
    })
}

const MANIFEST_POLICY: &str = r#"
resource "kured_gated_reboot_policy" "p" {
  kured {
    daemonset_manifest = file("kured.json")
  }
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}
"#;

#[test]
fn a_manifest_gets_daemonset_patches_never_helm_keys() {
    let manifest = incident_manifest();
    let dir = stack_with_files(MANIFEST_POLICY, &[("kured.json", &manifest.to_string())]);
    let plan = plan_json(&dir);
    plan.output
        .assert_code(1, "the incident as a manifest fails");
    let divergence = plan.only("sentinel-divergence");
    let unbounded = plan.only("drain-timeout-unbounded");
    for d in [divergence, unbounded] {
        assert!(!d.detail.contains("configuration."), "no Helm key: {d:#?}");
    }
    assert!(
        unbounded
            .detail
            .contains("Fix: set --drain-timeout to 30m."),
        "{unbounded:#?}"
    );

    // The sentinel patch, as printed.
    let sentinel: Value = yaml(&fragment(divergence, PATCH_HEADING));
    let spec = &sentinel["spec"]["template"]["spec"];
    assert_eq!(spec["volumes"][0]["hostPath"]["path"], "/var/run");
    assert_eq!(
        spec["containers"][0]["args"],
        json!([
            "--ds-name=kured",
            "--period=1h",
            "--reboot-sentinel=/sentinel/gated-reboot-required"
        ])
    );
    let mut patched = manifest.clone();
    strategic_merge(&mut patched, &sentinel);
    dir.write("kured.json", &patched.to_string());
    let replan = plan_json(&dir);
    replan
        .output
        .assert_code(0, "the sentinel is fixed; the drain is a warning");
    assert_eq!(
        replan.codes(),
        ["drain-timeout-unbounded"],
        "{:#?}",
        replan.diagnostics
    );

    // The drain patch of the patched manifest keeps the sentinel fix.
    let unbounded = replan.only("drain-timeout-unbounded");
    let drain: Value = yaml(&fragment(unbounded, PATCH_HEADING));
    assert_eq!(
        drain["spec"]["template"]["spec"]["containers"][0]["args"],
        json!([
            "--ds-name=kured",
            "--period=1h",
            "--reboot-sentinel=/sentinel/gated-reboot-required",
            "--drain-timeout=30m"
        ])
    );
    strategic_merge(&mut patched, &drain);
    dir.write("kured.json", &patched.to_string());
    let clean = plan_json(&dir);
    clean.output.assert_code(0, "fixed");
    assert!(clean.codes().is_empty(), "{:#?}", clean.diagnostics);
}

#[test]
fn a_variable_is_patched_where_kured_reads_it() {
    // kured 1.21 reads KURED_DRAIN_TIMEOUT over the flag: the patch sets the variable.
    let mut manifest = incident_manifest();
    let kured = &mut manifest["spec"]["template"]["spec"]["containers"][0];
    kured["args"] = json!([
        "--reboot-sentinel=/sentinel/gated-reboot-required",
        "--drain-timeout=30m"
    ]);
    kured["env"] = json!([{"name": "KURED_DRAIN_TIMEOUT", "value": "-5m"}]);
    manifest["spec"]["template"]["spec"]["volumes"][0]["hostPath"]["path"] = json!("/var/run");
    let dir = stack_with_files(MANIFEST_POLICY, &[("kured.json", &manifest.to_string())]);
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "a negative drain timeout");
    let negative = plan.only("drain-timeout-negative");
    let patch: Value = yaml(&fragment(negative, PATCH_HEADING));
    let container = &patch["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["env"],
        json!([{"name": "KURED_DRAIN_TIMEOUT", "value": "30m"}])
    );
    assert!(container.get("args").is_none(), "{container}");
    strategic_merge(&mut manifest, &patch);
    dir.write("kured.json", &manifest.to_string());
    let replan = plan_json(&dir);
    replan.output.assert_code(0, "fixed");
    assert!(replan.codes().is_empty(), "{:#?}", replan.diagnostics);
}

#[test]
fn a_read_only_gate_gets_a_patch_of_its_own_daemonset() {
    let gate = json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "sentinel-gate", "namespace": "kube-system"},
        "spec": {"template": {"spec": {
            "containers": [{
                "name": "gate",
                "image": "registry.example/gate:1",
                "volumeMounts": [{"name": "var-run", "mountPath": "/host/var-run/", "readOnly": true}]
            }],
            "volumes": [{"name": "var-run", "hostPath": {"path": "/var/run"}}]
        }}}
    });
    let body = r#"
resource "kured_gated_reboot_policy" "p" {
  kured {
    chart_version = "5.11.0"
    values        = ["configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 30m\n"]
  }
  gate {
    daemonset_manifest = file("gate.json")
    sentinel_path      = "/host/var-run/gated-reboot-required"
  }
}
"#;
    let dir = stack_with_files(body, &[("gate.json", &gate.to_string())]);
    let plan = plan_json(&dir);
    plan.output.assert_code(1, "a read-only gate");
    let read_only = plan.only("gate-read-only");
    assert_eq!(
        read_only.line,
        Some(support::diagnostics::line_of(&dir, "daemonset_manifest")),
        "on the gate's manifest: {read_only:#?}"
    );
    assert!(
        read_only.detail.contains(
            "Fix: set readOnly of the volumeMount at /host/var-run/ of container \"gate\" to false."
        ),
        "{read_only:#?}"
    );
    let patch = yaml(&fragment(read_only, GATE_PATCH_HEADING));
    let mut patched = gate.clone();
    strategic_merge(&mut patched, &patch);
    dir.write("gate.json", &patched.to_string());
    let replan = plan_json(&dir);
    replan.output.assert_code(0, "writable");
    assert!(replan.codes().is_empty(), "{:#?}", replan.diagnostics);
}
