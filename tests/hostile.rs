//! Hostile input through the real Terraform: huge, explosive, deeply nested or malformed
//! documents each end in one diagnostic that names the problem, never in a crashed plugin,
//! and well before the support module's timeout. A byte-order mark with CRLF line ends is
//! not hostile at all and must simply work.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use support::kured::stack;
use support::terraform::{DEFAULT_TIMEOUT, Output, Workdir};

/// Words that mean the provider failed rather than the input: a Rust panic, go-plugin's
/// report of a dead plugin, or a diagnostic with no content.
const CRASH_WORDS: [&str; 3] = ["panic", "plugin crashed", "internal error"];

/// A run this much faster than the timeout leaves room for a slow machine and still
/// catches a provider that chews on its input for minutes.
const WELL_WITHIN: Duration = Duration::from_secs(DEFAULT_TIMEOUT.as_secs() / 3);

/// A policy whose kured is the chart with `values` (an HCL expression of one string).
fn chart_policy(values: &str) -> String {
    format!(
        r#"
resource "kured_gated_reboot_policy" "p" {{
  kured {{
    chart_version = "5.11.0"
    values        = [{values}]
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

/// A policy whose kured is the DaemonSet manifest `manifest` (an HCL expression).
fn manifest_policy(manifest: &str) -> String {
    format!(
        r#"
resource "kured_gated_reboot_policy" "p" {{
  kured {{
    daemonset_manifest = {manifest}
  }}
  gate {{
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }}
}}
output "kured" {{ value = kured_gated_reboot_policy.p.kured_sentinel_host_path }}
"#
    )
}

/// Runs `plan` and checks it failed with exit code 1, quickly, without a crash, and
/// with every one of `expected` in its output.
#[track_caller]
fn plan_fails_cleanly(dir: &Workdir, what: &str, expected: &[&str]) -> Duration {
    let started = Instant::now();
    let out = dir.plan();
    let took = started.elapsed();
    out.assert_code(1, what);
    for needle in expected {
        out.assert_contains(needle);
    }
    assert_no_crash(&out, what);
    assert!(took < WELL_WITHIN, "{what}: plan took {took:?}");
    took
}

#[track_caller]
fn assert_no_crash(out: &Output, what: &str) {
    let all = out.combined().to_lowercase();
    for word in CRASH_WORDS {
        assert!(
            !all.contains(word),
            "{what}: the output mentions {word:?}\n{}",
            out.report()
        );
    }
}

/// The kured DaemonSet of the incident, fixed: `/var/run` mounted at `/sentinel`.
const KURED_DAEMONSET: &str = "apiVersion: apps/v1
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
          command: [/usr/bin/kured]
          args:
            - --reboot-sentinel=/sentinel/gated-reboot-required
            - --drain-timeout=30m
          volumeMounts:
            - {name: sentinel, mountPath: /sentinel, readOnly: true}
      volumes:
        - {name: sentinel, hostPath: {path: /var/run, type: Directory}}
";

#[test]
fn a_twenty_megabyte_values_document_is_read_and_checked() {
    // Realistic bulk (thousands of pod annotations) around a sentinel the gate does not
    // write: the size must not hide the one mistake that matters.
    let mut values =
        String::from("configuration:\n  rebootSentinel: /var/run/other-file\npodAnnotations:\n");
    let mut i = 0;
    while values.len() < 20 * 1024 * 1024 {
        values.push_str(&format!(
            "  example.com/note-{i}: \"{}\"\n",
            "x".repeat(200)
        ));
        i += 1;
    }
    let dir = stack(&chart_policy(r#"file("${path.module}/values.yaml")"#));
    dir.write("values.yaml", &values);
    let took = plan_fails_cleanly(
        &dir,
        "a 20 MB values document",
        &["kured watches /var/run/other-file but the gate writes /var/run/gated-reboot-required"],
    );
    eprintln!("20 MB values document: plan failed in {took:?}");
}

#[test]
fn a_yaml_alias_bomb_in_values_is_refused() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    let mut previous = 'a';
    for name in 'b'..='m' {
        let refs = vec![format!("*{previous}"); 9].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        previous = name;
    }
    let dir = stack(&chart_policy(r#"file("${path.module}/bomb.yaml")"#));
    dir.write("bomb.yaml", &bomb);
    plan_fails_cleanly(
        &dir,
        "an alias bomb in values",
        &["values[0] is not valid YAML", "repetition limit exceeded"],
    );
}

#[test]
fn values_nested_ten_thousand_levels_deep_are_refused() {
    let deep = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let dir = stack(&chart_policy(r#"file("${path.module}/deep.yaml")"#));
    dir.write("deep.yaml", &deep);
    plan_fails_cleanly(
        &dir,
        "values nested 10,000 deep",
        &["values[0] is not valid YAML", "recursion limit exceeded"],
    );
}

#[test]
fn a_manifest_nested_ten_thousand_levels_deep_is_refused() {
    let mut deep = String::from(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: kured\n  labels:\n    deep: ",
    );
    deep.push_str(&"{a: ".repeat(10_000));
    deep.push('1');
    deep.push_str(&"}".repeat(10_000));
    deep.push('\n');
    let dir = stack(&manifest_policy(r#"file("${path.module}/deep.yaml")"#));
    dir.write("deep.yaml", &deep);
    plan_fails_cleanly(
        &dir,
        "a manifest nested 10,000 deep",
        &[
            "the kured DaemonSet manifest cannot be read",
            "recursion limit exceeded",
        ],
    );
}

#[test]
fn a_manifest_with_a_byte_order_mark_and_crlf_line_ends_works() {
    let manifest = format!("\u{feff}{}", KURED_DAEMONSET.replace('\n', "\r\n"));
    let dir = stack(&manifest_policy(r#"file("${path.module}/kured.yaml")"#));
    dir.write("kured.yaml", &manifest);
    let out = dir.apply();
    out.assert_success("a manifest with a BOM and CRLF line ends");
    assert_no_crash(&out, "BOM and CRLF");
    assert_eq!(
        dir.output_json()["kured"]["value"],
        "/var/run/gated-reboot-required"
    );
}

#[test]
fn a_manifest_of_the_wrong_kind_is_refused() {
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: kured-metrics\n";
    let dir = stack(&manifest_policy(r#"file("${path.module}/svc.yaml")"#));
    dir.write("svc.yaml", service);
    plan_fails_cleanly(
        &dir,
        "a Service as kured's manifest",
        &[
            "the kured DaemonSet manifest cannot be read",
            "the manifest is a Service (kured-metrics), not a DaemonSet",
        ],
    );
}

#[test]
fn a_daemonset_without_containers_is_refused() {
    let empty = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: kured\nspec:\n  template:\n    spec:\n      containers: []\n";
    let dir = stack(&manifest_policy(r#"file("${path.module}/ds.yaml")"#));
    dir.write("ds.yaml", empty);
    plan_fails_cleanly(
        &dir,
        "a DaemonSet without containers",
        &[
            "the kured DaemonSet manifest cannot be read",
            "DaemonSet kured has no containers",
        ],
    );
}

#[test]
fn a_budget_selector_with_an_unknown_operator_is_refused() {
    let dir = stack(
        r#"
data "kured_pdb_coverage" "planned" {
  manifests = [yamlencode({
    apiVersion = "policy/v1"
    kind       = "PodDisruptionBudget"
    metadata   = { name = "web", namespace = "shop" }
    spec = {
      minAvailable = 1
      selector = {
        matchExpressions = [{ key = "app", operator = "Matches", values = ["web"] }]
      }
    }
  })]
}
"#,
    );
    plan_fails_cleanly(
        &dir,
        "a selector with operator Matches",
        &[
            "\"Matches\" is not a label selector operator",
            "use one of In, NotIn, Exists, DoesNotExist",
        ],
    );
}
