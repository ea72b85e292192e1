//! Chart values Helm would take other than as meant, through the real Terraform: a typo, a
//! key the chart does not have, a quoted boolean, each a warning on the `values` entry
//! that holds it; keys of free-form sections stay silent; and what is said about the chart
//! version lands on `chart_version`. The same notes show in every object that renders
//! chart values: the resource and both data sources.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::diagnostics::{Diagnostic, JsonPlan, line_of, plan_json};
use support::forecast::{forecast_block, incident};
use support::kured::{stack, stack_with_files};

/// `(code, line)` of every warning with one of the strict-values codes.
fn strict_warnings(plan: &JsonPlan) -> Vec<(&str, Option<u64>)> {
    const CODES: [&str; 5] = [
        "unknown-values-key",
        "values-key-not-in-release",
        "quoted-boolean",
        "number-for-string",
        "scalar-for-list",
    ];
    plan.diagnostics
        .iter()
        .filter_map(|d| Some((d.code.as_deref().filter(|c| CODES.contains(c))?, d)))
        .map(|(code, d)| {
            assert_eq!(d.severity, "warning", "{d:#?}");
            (code, d.line)
        })
        .collect()
}

fn with_line<'p>(plan: &'p JsonPlan, code: &str, line: u64) -> &'p Diagnostic {
    plan.with_code(code)
        .into_iter()
        .find(|d| d.line == Some(line))
        .unwrap_or_else(|| panic!("no {code} on line {line}: {:#?}", plan.diagnostics))
}

#[test]
fn typos_unknown_keys_and_quoted_booleans_warn_on_their_values_entry() {
    let dir = stack(
        r#"
resource "kured_gated_reboot_policy" "p" {
  kured {
    chart_version = "5.11.0"
    values = [
      "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 30m\n  rebootDay: [mo, tu]\n",
      "configuration:\n  hostFilePath: /var/run\n",
      "configuration:\n  useRebootSentinelHostPath: \"false\"\n",
      "podAnnotations:\n  rebootDay: mo\nnodeSelector:\n  kubernetes.io/os: linux\n",
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
    // Warnings only: the quoted "false" leaves the mount on, which is what makes this
    // policy meet the gate.
    plan.output.assert_code(0, "warnings do not fail the plan");
    let typo = line_of(&dir, "rebootDay: [mo, tu]");
    let no_such_key = line_of(&dir, "hostFilePath");
    let quoted = line_of(&dir, "useRebootSentinelHostPath");
    assert_eq!(
        strict_warnings(&plan),
        [
            ("unknown-values-key", Some(typo)),
            ("unknown-values-key", Some(no_such_key)),
            ("quoted-boolean", Some(quoted)),
        ],
        "the podAnnotations and nodeSelector entry stays silent: {:#?}",
        plan.diagnostics
    );

    let typo = with_line(&plan, "unknown-values-key", typo);
    assert!(
        typo.summary
            .contains("did you mean configuration.rebootDays?"),
        "{typo:#?}"
    );
    assert!(
        typo.detail
            .contains("Fix: set configuration.rebootDays (in place of configuration.rebootDay) to [\"mo\",\"tu\"]."),
        "{typo:#?}"
    );
    let no_such_key = with_line(&plan, "unknown-values-key", no_such_key);
    assert!(
        no_such_key
            .summary
            .contains("chart 5.11.0 has no value configuration.hostFilePath"),
        "{no_such_key:#?}"
    );
    let quoted = plan.only("quoted-boolean");
    assert!(
        quoted
            .summary
            .contains("which Helm's templates read as true"),
        "{quoted:#?}"
    );
    assert!(
        quoted
            .detail
            .contains("Fix: set configuration.useRebootSentinelHostPath to false (unquoted)."),
        "{quoted:#?}"
    );
}

#[test]
fn both_data_sources_warn_too_and_the_version_note_lands_on_chart_version() {
    let sentinel_paths = r#"
data "kured_sentinel_paths" "s" {
  kured {
    chart_version = "6.2.0"
    values = [
      "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n",
      "configuration:\n  drainTimout: 30m\n",
    ]
  }
}
"#;
    let body = format!(
        "{sentinel_paths}{}",
        forecast_block("drainTimeout = \"30m\", rebootDay = [\"mo\"]", "")
    );
    let dir = stack_with_files(&body, &[("cluster.json", &incident().to_json())]);
    let plan = plan_json(&dir);
    plan.output
        .assert_code(0, "data sources report, they do not fail");
    let sentinel_typo = line_of(&dir, "drainTimout");
    let forecast_typo = line_of(&dir, "rebootDay = [\"mo\"]");
    let mut found = strict_warnings(&plan);
    found.sort();
    assert_eq!(
        found,
        [
            ("unknown-values-key", Some(sentinel_typo)),
            ("unknown-values-key", Some(forecast_typo)),
        ],
        "{:#?}",
        plan.diagnostics
    );
    assert!(
        with_line(&plan, "unknown-values-key", forecast_typo)
            .summary
            .contains("did you mean configuration.rebootDays?")
    );
    let version = plan.only("chart-version-not-modelled");
    assert_eq!(version.severity, "warning");
    assert_eq!(
        version.line,
        Some(line_of(&dir, "\"6.2.0\"")),
        "{version:#?}"
    );
}

#[test]
fn the_version_note_of_the_resource_lands_on_chart_version() {
    let dir = stack(
        r#"
resource "kured_gated_reboot_policy" "p" {
  kured {
    chart_version = "5.7.0"
    values = [
      "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 30m\n",
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
    plan.output
        .assert_code(0, "an unreleased version is a warning");
    let version = plan.only("chart-version-not-modelled");
    assert_eq!(
        version.line,
        Some(line_of(&dir, "chart_version")),
        "{version:#?}"
    );
    assert!(version.summary.contains("never released"), "{version:#?}");
}
