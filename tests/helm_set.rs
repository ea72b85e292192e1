//! `set`, `set_list` and `set_sensitive` in the `kured` object, through the real
//! Terraform: the same answers as the equivalent values document in every sentinel band,
//! Helm's `--set` rules (escaped dots, list indices, `type = "string"`), `helm_release`'s
//! own shapes passed unchanged, errors on the entry at fault, and a sensitive value that
//! never shows.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::Value;
use support::diagnostics::{Diagnostic, line_of, plan_json};
use support::kured::stack;
use support::terraform::Workdir;

/// The incident's gate: a hostPath mount of the node's /var/run.
const GATE: &str = r#"
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
"#;

/// Every computed attribute of `kured_sentinel_paths`, as one output.
const PATHS_OUTPUT: &str = r#"
output "paths" {
  value = {
    kured_sentinel_host_path = data.kured_sentinel_paths.p.kured_sentinel_host_path
    kured_sentinel_chain     = data.kured_sentinel_paths.p.kured_sentinel_chain
    kured_app_version        = data.kured_sentinel_paths.p.kured_app_version
    gate_sentinel_host_path  = data.kured_sentinel_paths.p.gate_sentinel_host_path
    aligned                  = data.kured_sentinel_paths.p.aligned
  }
}
"#;

/// `kured_sentinel_paths` with `kured` = the given object body, and its outputs.
fn paths_stack(kured: &str) -> String {
    format!(
        "data \"kured_sentinel_paths\" \"p\" {{\n  kured {{\n{kured}\n  }}\n{GATE}}}\n{PATHS_OUTPUT}"
    )
}

/// `kured_gated_reboot_policy` with `kured` = the given object body.
fn policy_stack(kured: &str) -> String {
    format!(
        "resource \"kured_gated_reboot_policy\" \"p\" {{\n  kured {{\n{kured}\n  }}\n{GATE}}}\n"
    )
}

/// The paths a stack's data source reports (after an apply, which writes nothing).
fn paths(dir: &Workdir) -> Value {
    dir.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .assert_success("apply of a data source");
    dir.output_json()["paths"]["value"].clone()
}

/// `values[3]`, `set[0]`, `set_list[1]`, `set_sensitive[2]` all read `<entry>`, so that
/// details naming the entry at fault compare equal across the two forms.
fn without_entries(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for name in ["set_sensitive[", "set_list[", "values[", "set["] {
            if let Some(after) = rest.strip_prefix(name) {
                let digits = after.chars().take_while(char::is_ascii_digit).count();
                if digits > 0 && after[digits..].starts_with(']') {
                    out.push_str("<entry>");
                    rest = &after[digits + 1..];
                    continue 'scan;
                }
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A diagnostic without the line it points at, and with entries normalised.
fn outline(d: &Diagnostic) -> (String, Option<String>, String, String) {
    (
        d.severity.clone(),
        d.code.clone(),
        without_entries(&d.summary),
        without_entries(&d.detail),
    )
}

/// The two forms of the same settings: a values document, and `set`/`set_list` entries.
fn forms(chart: &str, extra_yaml: &str, extra_set: &str) -> [String; 2] {
    let values = format!(
        "    chart_version = \"{chart}\"\n    values = [<<-YAML\n      configuration:\n        rebootSentinel: /sentinel/gated-reboot-required\n        drainTimeout: 0\n        period: 2h\n        rebootDays: [mo, fr]\n{extra_yaml}      YAML\n    ]"
    );
    let set = format!(
        r#"    chart_version = "{chart}"
    set {{
      name  = "configuration.rebootSentinel"
      value = "/sentinel/gated-reboot-required"
    }}
    set {{
      name  = "configuration.drainTimeout"
      value = "0"
    }}
    set {{
      name  = "configuration.period"
      value = "2h"
    }}{extra_set}
    set_list {{
      name  = "configuration.rebootDays"
      value = ["mo", "fr"]
    }}"#
    );
    [values, set]
}

#[test]
fn set_entries_answer_as_the_same_values_document_in_every_chart_band() {
    // One chart per band of chart/releases.rs: the raw arg with kured checking the node
    // (4.0.0) and the container (5.3.2 runs 1.14.2, still the node), 5.4.0's top-level
    // switch (set too), and the configuration switch from 5.4.1 on.
    let charts = [
        ("4.0.0", "", ""),
        ("5.3.2", "", ""),
        (
            "5.4.0",
            "      useRebootSentinelHostPath: true\n",
            "\n    set {\n      name  = \"useRebootSentinelHostPath\"\n      value = \"true\"\n    }",
        ),
        ("5.11.0", "", ""),
    ];
    for (chart, extra_yaml, extra_set) in charts {
        let [values, set] = forms(chart, extra_yaml, extra_set);
        let by_values = stack(&paths_stack(&values));
        let by_set = stack(&paths_stack(&set));
        let (from_values, from_set) = (paths(&by_values), paths(&by_set));
        assert_eq!(
            from_set, from_values,
            "chart {chart}: the data source's answers"
        );
        assert!(
            from_set["kured_sentinel_chain"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
        );

        by_values.write(
            "main.tf",
            &format!("{}\n{}", support::kured::HEADER, policy_stack(&values)),
        );
        by_set.write(
            "main.tf",
            &format!("{}\n{}", support::kured::HEADER, policy_stack(&set)),
        );
        let (plan_values, plan_set) = (plan_json(&by_values), plan_json(&by_set));
        let outlines = |p: &support::diagnostics::JsonPlan| -> Vec<_> {
            p.diagnostics.iter().map(outline).collect()
        };
        assert_eq!(
            outlines(&plan_set),
            outlines(&plan_values),
            "chart {chart}: the policy's findings"
        );
        assert_eq!(
            plan_set.output.code, plan_values.output.code,
            "chart {chart}"
        );
        assert!(
            !plan_set.diagnostics.is_empty(),
            "chart {chart}: the incident is found"
        );
        // A finding about the drain timeout points at the set entry that wrote it.
        let drain = plan_set.only("drain-timeout-unbounded");
        assert_eq!(
            drain.line,
            // The entry's value line, right under its name.
            Some(line_of(&by_set, "name  = \"configuration.drainTimeout\"") + 1),
            "chart {chart}: {drain:#?}"
        );
    }
}

#[test]
fn helm_set_rules_escaped_dots_list_indices_and_string_type() {
    // (kured object, the node file kured watches; null = none)
    let cases = [
        // A dot in the name is a path...
        (
            r#"chart_version = "5.11.0"
    set {
      name  = "configuration.rebootSentinel"
      value = "/var/run/gated-reboot-required"
    }"#,
            Value::from("/var/run/gated-reboot-required"),
        ),
        // ...and an escaped one is part of a top-level key the chart never reads.
        (
            r#"chart_version = "5.11.0"
    set {
      name  = "configuration\\.rebootSentinel"
      value = "/var/run/gated-reboot-required"
    }"#,
            Value::from("/var/run/reboot-required"),
        ),
        // List indices build extraEnvVars; kured 1.14 (chart 5.3.2) reads the variable
        // when no flag is given, and checks the node.
        (
            r#"chart_version = "5.3.2"
    set {
      name  = "extraEnvVars[0].name"
      value = "KURED_REBOOT_SENTINEL"
    }
    set {
      name  = "extraEnvVars[0].value"
      value = "/var/run/from-env"
    }"#,
            Value::from("/var/run/from-env"),
        ),
        // type = "string" keeps "false" a string, which Helm's `if` reads as true: the
        // sentinel mount stays...
        (
            r#"chart_version = "5.11.0"
    set {
      name  = "configuration.rebootSentinel"
      value = "/var/run/gated-reboot-required"
    }
    set {
      name  = "configuration.useRebootSentinelHostPath"
      value = "false"
      type  = "string"
    }"#,
            Value::from("/var/run/gated-reboot-required"),
        ),
        // ...while the typed false turns it off, and kured 1.21 looks inside its container.
        (
            r#"chart_version = "5.11.0"
    set {
      name  = "configuration.rebootSentinel"
      value = "/var/run/gated-reboot-required"
    }
    set {
      name  = "configuration.useRebootSentinelHostPath"
      value = "false"
    }"#,
            Value::Null,
        ),
    ];
    let dir = stack(&paths_stack(cases[0].0));
    for (kured, want) in cases {
        dir.write(
            "main.tf",
            &format!(
                "{}\n{}",
                support::kured::HEADER,
                paths_stack(&format!("    {kured}"))
            ),
        );
        assert_eq!(paths(&dir)["kured_sentinel_host_path"], want, "{kured}");
    }
}

#[test]
fn helm_release_lists_pass_through_dynamic_blocks_and_set_list_sets_the_window() {
    // What `helm_release.kured.set` holds: helm provider 2.x, a set of objects with
    // `type = ""`; 3.x, a list whose `value` may be null. A `dynamic` block hands either
    // to the policy's blocks.
    let body = r#"
locals {
  helm_v2_set = toset([
    { name = "configuration.rebootSentinel", value = "/var/run/gated-reboot-required", type = "" },
    { name = "configuration.drainTimeout", value = "30m", type = "" },
  ])
  helm_v3_set_list = [{ name = "configuration.rebootDays", value = ["mo", "fr"] }]
  helm_v3_set      = [{ name = "configuration.startTime", value = null, type = "auto" }]
}

resource "kured_gated_reboot_policy" "p" {
  kured {
    chart_version = "5.11.0"
    dynamic "set" {
      for_each = local.helm_v2_set
      content {
        name  = set.value.name
        value = set.value.value
        type  = set.value.type
      }
    }
    dynamic "set_list" {
      for_each = local.helm_v3_set_list
      content {
        name  = set_list.value.name
        value = set_list.value.value
      }
    }
  }
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}

resource "kured_gated_reboot_policy" "v3" {
  kured {
    chart_version = "5.11.0"
    values        = ["configuration: {rebootSentinel: /var/run/gated-reboot-required, drainTimeout: 30m, startTime: '2:00'}"]
    dynamic "set" {
      for_each = local.helm_v3_set
      content {
        name  = set.value.name
        value = set.value.value
        type  = set.value.type
      }
    }
  }
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}

output "window" { value = kured_gated_reboot_policy.p.reboot_window }
output "v3_window" { value = kured_gated_reboot_policy.v3.reboot_window }
"#;
    let dir = stack(body);
    dir.apply().assert_success("apply");
    let out = dir.output_json();
    assert_eq!(out["window"]["value"], "mon,fri 00:00:00-23:59:59 UTC");
    // A null value is the empty string, as the helm provider makes it: the chart's
    // default start time.
    assert_eq!(out["v3_window"]["value"], "every day 00:00:00-23:59:59 UTC");
    dir.plan_detailed()
        .assert_code(0, "a second plan shows no changes");
}

#[test]
fn a_sensitive_value_never_shows_in_plans_logs_or_computed_attributes() {
    let secret = "https://hooks.example.invalid/T0-s3cr3t-token";
    // The values come from sensitive variables, as from helm_release.kured.set_sensitive:
    // a literal in main.tf would show in the source lines Terraform quotes.
    let variables = format!(
        "variable \"hook\" {{\n  sensitive = true\n  default   = \"{secret}\"\n}}\nvariable \"sentinel\" {{\n  sensitive = true\n  default   = \"/var/run/s3cr3t-gated\"\n}}\nvariable \"malformed\" {{\n  sensitive = true\n  default   = \"a,s3cr3t\"\n}}\n"
    );
    let passing = variables.clone()
        + &policy_stack(
            r#"    chart_version = "5.11.0"
    values        = ["configuration: {rebootSentinel: /var/run/gated-reboot-required, drainTimeout: 30m}"]
    set_sensitive {
      name  = "configuration.slackHookUrl"
      value = var.hook
    }"#,
        );
    let mut dir = stack(&passing);
    dir.env("TF_LOG", "TRACE");
    let plan = dir.plan();
    plan.assert_success("plan")
        .assert_contains("(sensitive value)");
    assert!(
        !plan.combined().contains(secret),
        "the plan or its TRACE log shows the secret"
    );
    let apply = dir.apply();
    apply.assert_success("apply");
    assert!(
        !apply.combined().contains(secret),
        "apply or its TRACE log shows the secret"
    );
    dir.env("TF_LOG", "");
    let shown = dir.run(&["show", "-json", "-no-color"]);
    shown.assert_success("show -json");
    let state: Value = serde_json::from_str(&shown.stdout).unwrap();
    let resource = &state["values"]["root_module"]["resources"][0];
    // Terraform keeps every argument in state, as it does helm_release's set_sensitive:
    // the value is there once, marked sensitive, and nowhere the provider computes.
    assert_eq!(
        resource["sensitive_values"]["kured"]["set_sensitive"][0]["value"],
        true
    );
    let mut values = resource["values"].clone();
    values["kured"]["set_sensitive"][0]["value"] = Value::Null;
    assert!(!values.to_string().contains(secret), "{values:#}");
    assert!(!values.to_string().contains("s3cr3t"));

    // A sensitive rebootSentinel reaches the paths and the findings: they say
    // "(sensitive value)" in its place, and the error names the entry's name only.
    let failing = variables.clone()
        + &policy_stack(
            r#"    chart_version = "5.11.0"
    values        = ["configuration: {drainTimeout: 30m}"]
    set_sensitive {
      name  = "configuration.rebootSentinel"
      value = var.sentinel
    }"#,
        );
    let dir = stack(&failing);
    let plan = plan_json(&dir);
    plan.output.assert_failure("kured watches another file");
    let divergence = plan.only("sentinel-divergence");
    assert!(
        divergence.detail.contains("(sensitive value)"),
        "{divergence:#?}"
    );
    assert!(
        !plan.output.combined().contains("s3cr3t"),
        "{}",
        plan.output.report()
    );
    assert_eq!(divergence.line, Some(line_of(&dir, "value = var.sentinel")));

    // A malformed sensitive value fails without showing any part of it.
    let malformed = variables
        + &policy_stack(
            r#"    chart_version = "5.11.0"
    set_sensitive {
      name  = "configuration.slackHookUrl"
      value = var.malformed
    }"#,
        );
    let dir = stack(&malformed);
    let plan = plan_json(&dir);
    let error = plan.only("chart-values-invalid");
    assert!(
        error.detail.starts_with("set_sensitive[0].value: "),
        "{error:#?}"
    );
    assert!(
        !plan.output.combined().contains("s3cr3t"),
        "{}",
        plan.output.report()
    );
}

#[test]
fn entries_helm_refuses_fail_on_the_entry_at_fault() {
    let dir = stack(&policy_stack(
        r#"    chart_version = "5.11.0"
    values        = ["configuration: {rebootSentinel: /var/run/gated-reboot-required, drainTimeout: 30m}"]
    set {
      name  = "configuration.period"
      value = "1h"
    }
    set {
      name  = "volumes[x].name"
      value = "v"
    }"#,
    ));
    let plan = plan_json(&dir);
    plan.output.assert_failure("a malformed name");
    let error = plan.only("chart-values-invalid");
    assert!(error.detail.starts_with("set[1].name: "), "{error:#?}");
    assert!(error.detail.contains("[x]"), "{error:#?}");
    assert_eq!(error.line, Some(line_of(&dir, "volumes[x].name")));

    // A name that goes on below a key an earlier document made a string.
    dir.write(
        "main.tf",
        &format!(
            "{}\n{}",
            support::kured::HEADER,
            policy_stack(
                r#"    chart_version = "5.11.0"
    values        = ["configuration: none"]
    set {
      name  = "configuration.rebootSentinel"
      value = "/var/run/gated-reboot-required"
    }"#
            )
        ),
    );
    let plan = plan_json(&dir);
    let error = plan.only("chart-values-invalid");
    assert!(error.detail.starts_with("set[0].name: "), "{error:#?}");
    assert!(error.detail.contains("the string \"none\""), "{error:#?}");

    // Helm applies a literal with a dotted name, as one top-level key the chart never
    // reads: a warning on the entry, not silence.
    dir.write(
        "main.tf",
        &format!(
            "{}\n{}",
            support::kured::HEADER,
            policy_stack(
                r#"    chart_version = "5.11.0"
    values        = ["configuration: {rebootSentinel: /var/run/gated-reboot-required}"]
    set {
      name  = "configuration.drainTimeout"
      value = "30m"
      type  = "literal"
    }
    set {
      name  = "configuration.drainTimeout"
      value = "30m"
    }"#
            )
        ),
    );
    let plan = plan_json(&dir);
    plan.output
        .assert_success("a literal entry plans, with a warning");
    let note = plan.only("chart-note");
    assert_eq!(note.severity, "warning");
    assert!(
        note.detail.starts_with("set[0] has type \"literal\""),
        "{note:#?}"
    );
    assert_eq!(note.line, Some(line_of(&dir, "type  = \"literal\"")));
}

#[test]
fn a_wrong_type_and_set_without_a_chart_are_refused_on_their_attribute() {
    let dir = stack(&policy_stack(
        r#"    chart_version = "5.11.0"
    set {
      name  = "configuration.drainTimeout"
      value = "30m"
    }
    set {
      name  = "configuration.forceReboot"
      value = "true"
      type  = "bool"
    }"#,
    ));
    let plan = dir.plan();
    plan.assert_failure("an unknown type")
        .assert_contains("kured.set[1].type is not a type the helm provider accepts")
        .assert_contains("\"auto\" (or empty), \"string\" or \"literal\"");
    assert!(
        plan.contains(&format!(
            "on main.tf line {}",
            line_of(&dir, "type  = \"bool\"")
        )),
        "{}",
        plan.report()
    );

    dir.write(
        "main.tf",
        &format!(
            "{}\n{}",
            support::kured::HEADER,
            policy_stack(
                r#"    daemonset_manifest = "kind: DaemonSet"
    set_list {
      name  = "configuration.rebootDays"
      value = ["mo"]
    }"#
            )
        ),
    );
    dir.plan()
        .assert_failure("set_list without a chart")
        .assert_contains("kured.set_list goes with chart_version");
}

#[test]
fn the_forecast_reads_set_entries_as_it_reads_values() {
    use support::forecast::{OUTPUTS, fixed, outcomes};
    use support::kured::stack_with_files;
    let block = |kured: &str| {
        format!(
            "data \"kured_reboot_forecast\" \"f\" {{\n  kured {{\n    chart_version = \"5.11.0\"\n{kured}\n  }}\n  manifests = [file(\"cluster.json\")]\n  exempt_budgets = {{ \"db/pg-primary\" = \"switches over\" }}\n}}\n{OUTPUTS}"
        )
    };
    let by_values = block(
        r#"    values = [yamlencode({ configuration = { drainTimeout = "30m" }, nodeSelector = { "kubernetes.io/hostname" = "node-2" } })]"#,
    );
    let by_set = block(
        r#"    set {
      name  = "configuration.drainTimeout"
      value = "30m"
    }
    set {
      name  = "nodeSelector.kubernetes\\.io/hostname"
      value = "node-2"
    }"#,
    );
    let cluster = fixed().to_json();
    let run = |body: &str| {
        let dir = stack_with_files(body, &[("cluster.json", &cluster)]);
        dir.apply().assert_success("a forecast");
        dir.output_json()
    };
    let (from_values, from_set) = (run(&by_values), run(&by_set));
    assert_eq!(outcomes(&from_set), outcomes(&from_values));
    assert_eq!(from_set["nodes"], from_values["nodes"]);
    // The selector took: kured runs on node-2 alone, so the others are not rebooted.
    let rebooting: Vec<String> = outcomes(&from_set)
        .into_iter()
        .filter(|(_, outcome)| outcome == "reboots")
        .map(|(name, _)| name)
        .collect();
    assert_eq!(rebooting, ["node-2"], "{:#}", from_set["nodes"]);
}
