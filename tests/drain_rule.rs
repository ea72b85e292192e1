//! The drain rule of `kured_gated_reboot_policy` through the real Terraform: known drain
//! blockers fail the plan whatever `drainTimeout` is, unless kured forces the reboot, and
//! each combination says what kured's loop would do. Asserted by exit code, finding code
//! and the configuration line Terraform points at.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::diagnostics::{line_of, plan_json};
use support::kured::stack;

const BLOCKERS: &str = r#"known_drain_blockers = ["blog/anubis-blog", "db/pg-primary"]"#;

/// A chart-mode policy: the sentinel in `values[0]`, the drain settings in `values[1]`.
fn policy(blockers: &str, drain: &str) -> String {
    format!(
        r#"
resource "kured_gated_reboot_policy" "p" {{
  {blockers}
  kured {{
    chart_version = "5.11.0"
    values = [
      "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n",
      yamlencode({{ configuration = {drain} }}),
    ]
  }}
  gate {{
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }}
}}
output "warnings" {{ value = kured_gated_reboot_policy.p.warnings }}
"#
    )
}

#[test]
fn blockers_with_an_unbounded_drain_hang_and_hold_the_lock() {
    for drain in ["{ period = \"1h\" }", "{ forceReboot = true }"] {
        let dir = stack(&policy(BLOCKERS, drain));
        let plan = plan_json(&dir);
        plan.output
            .assert_code(1, "an unbounded drain with known blockers");
        let d = plan.only("drain-hangs");
        assert_eq!(d.severity, "error");
        assert_eq!(
            d.line,
            Some(line_of(&dir, "known_drain_blockers")),
            "{d:#?}"
        );
        assert!(
            d.summary.contains("blog/anubis-blog, db/pg-primary"),
            "{d:#?}"
        );
        assert_eq!(plan.codes(), ["drain-hangs"], "{drain}");
    }
}

#[test]
fn blockers_with_a_bounded_drain_and_no_force_never_reboot() {
    let dir = stack(&policy(BLOCKERS, "{ drainTimeout = \"30m\" }"));
    let plan = plan_json(&dir);
    plan.output.assert_code(
        1,
        "a drain timeout alone does not make blocked nodes reboot",
    );
    let d = plan.only("blocked-nodes-never-reboot");
    assert_eq!(d.severity, "error");
    assert_eq!(d.line, Some(line_of(&dir, "known_drain_blockers")));
    assert_eq!(plan.codes(), ["blocked-nodes-never-reboot"]);
}

#[test]
fn blockers_with_a_forced_bounded_drain_warn_naming_the_violated_budgets() {
    let dir = stack(&policy(
        BLOCKERS,
        "{ drainTimeout = \"30m\", forceReboot = true }",
    ));
    let plan = plan_json(&dir);
    plan.output
        .assert_code(0, "a forced reboot plans, with a warning");
    let d = plan.only("forced-reboot-violates-budgets");
    assert_eq!(d.severity, "warning");
    assert_eq!(d.line, Some(line_of(&dir, "known_drain_blockers")));
    assert!(
        d.summary.contains("blog/anubis-blog, db/pg-primary"),
        "{d:#?}"
    );
    dir.apply().assert_success("apply");
    let warnings = dir.output_json()["warnings"]["value"].clone();
    let listed = warnings.as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "{warnings}");
    assert!(
        listed[0]
            .as_str()
            .is_some_and(|w| w.starts_with("[forced-reboot-violates-budgets] ")),
        "{warnings}"
    );
}

#[test]
fn without_blockers_an_unbounded_drain_is_a_warning_on_the_entry_that_set_it() {
    let dir = stack(&policy("", "{ drainTimeout = \"0\" }"));
    let plan = plan_json(&dir);
    plan.output.assert_code(0, "no blockers: a warning only");
    let d = plan.only("drain-timeout-unbounded");
    assert_eq!(d.severity, "warning");
    assert_eq!(d.line, Some(line_of(&dir, "yamlencode(")), "{d:#?}");
    assert!(
        d.detail
            .contains("Fix: set configuration.drainTimeout to 30m."),
        "{}",
        d.detail
    );

    let bounded = stack(&policy("", "{ drainTimeout = \"30m\" }"));
    let plan = plan_json(&bounded);
    plan.output
        .assert_code(0, "a bounded drain and no blockers");
    assert_eq!(plan.codes(), Vec::<&str>::new());
}

#[test]
fn a_manifest_kured_gets_the_same_rule_on_known_drain_blockers() {
    let manifest = |args: &str| {
        format!(
            r#"
resource "kured_gated_reboot_policy" "p" {{
  {BLOCKERS}
  kured {{
    daemonset_manifest = yamlencode({{
      apiVersion = "apps/v1", kind = "DaemonSet", metadata = {{ name = "kured" }},
      spec = {{ template = {{ spec = {{
        containers = [{{
          name = "kured", image = "ghcr.io/kubereboot/kured:1.21.0",
          args = ["--reboot-sentinel=/var/run/gated-reboot-required", {args}],
          volumeMounts = [{{ name = "run", mountPath = "/var/run", readOnly = true }}],
        }}],
        volumes = [{{ name = "run", hostPath = {{ path = "/var/run" }} }}],
      }} }} }}
    }})
  }}
  gate {{
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }}
}}
"#
        )
    };
    let cases = [
        ("\"--concurrency=2\"", 1, "drain-hangs"),
        ("\"--drain-timeout=30m\"", 1, "blocked-nodes-never-reboot"),
        (
            "\"--drain-timeout=30m\", \"--force-reboot\"",
            0,
            "forced-reboot-violates-budgets",
        ),
    ];
    for (args, exit, code) in cases {
        let dir = stack(&manifest(args));
        let plan = plan_json(&dir);
        plan.output.assert_code(exit, args);
        let d = plan.only(code);
        assert_eq!(d.line, Some(line_of(&dir, "known_drain_blockers")));
    }
}
