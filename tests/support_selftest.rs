//! Checks the Terraform test support against Terraform's builtin
//! `terraform_data` resource and a stand-in provider, so that a failure here
//! points at the harness rather than at the provider.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use support::terraform::{Mirror, NO_EXIT_CODE, Workdir, normalize};

const DATA_STACK: &str = r#"
variable "greeting" {
  type    = string
  default = "hello"
}

resource "terraform_data" "example" {
  input = var.greeting
}

output "greeting" {
  value = terraform_data.example.output
}
"#;

#[test]
fn terraform_data_init_plan_apply_output_and_clean_replan() {
    let mirror = Mirror::new();
    let work = Workdir::new(&mirror);
    work.write("main.tf", DATA_STACK);

    work.init()
        .assert_success("init")
        .assert_contains("terraform.io/builtin/terraform is built in to Terraform")
        .assert_not_contains("Warning");
    work.validate().assert_success("validate");
    work.plan()
        .assert_success("plan")
        .assert_contains("Plan: 1 to add, 0 to change, 0 to destroy.");
    work.apply()
        .assert_success("apply")
        .assert_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");

    let outputs = work.output_json();
    assert_eq!(
        outputs["greeting"]["value"], "hello",
        "outputs: {outputs:#}"
    );

    work.plan_detailed()
        .assert_code(0, "re-plan after apply")
        .assert_contains("No changes.");
    work.state_show("terraform_data.example")
        .assert_success("state show")
        .assert_contains(r#"input = "hello""#);
    work.refresh().assert_success("refresh-only apply");
    work.destroy()
        .assert_success("destroy")
        .assert_contains("Resources: 1 destroyed.");
}

#[test]
fn wrapped_diagnostic_matches_after_normalizing() {
    let phrase = "needs an input longer than ten characters, and this configuration \
                  gives it a much shorter one";
    let mirror = Mirror::new();
    let work = Workdir::new(&mirror);
    work.write(
        "main.tf",
        &format!(
            r#"
variable "name" {{
  type    = string
  default = "short"
}}

resource "terraform_data" "guarded" {{
  input = var.name

  lifecycle {{
    precondition {{
      condition     = length(var.name) > 10
      error_message = "The guarded resource {phrase}."
    }}
  }}
}}
"#
        ),
    );
    work.init().assert_success("init");

    let out = work.plan_detailed();
    out.assert_code(1, "plan with a failing precondition")
        .assert_failure("plan with a failing precondition")
        .assert_contains("Resource precondition failed")
        .assert_contains(phrase);
    assert!(
        !out.combined().contains(phrase),
        "the phrase was expected to be wrapped across lines, so that this test \
         exercises the normalization:\n{}",
        out.report()
    );
}

#[test]
fn normalize_removes_box_drawing_and_line_breaks() {
    let text =
        "╷\n│ Error: Resource precondition failed\n│\n│ The guarded\n│ resource   fails.\n╵\n";
    assert_eq!(
        normalize(text),
        "Error: Resource precondition failed The guarded resource fails."
    );
    assert_eq!(normalize("  a \t b\n"), "a b");
}

#[test]
fn provider_missing_from_the_mirror_fails_init_quickly() {
    let mirror = Mirror::new();
    let work = Workdir::new(&mirror);
    work.write(
        "main.tf",
        r#"
terraform {
  required_providers {
    absent = {
      source  = "registry.terraform.io/example/absent"
      version = "1.0.0"
    }
  }
}
"#,
    );
    let started = Instant::now();
    work.init()
        .assert_failure("init without the provider in the mirror")
        .assert_contains("provider registry.terraform.io/example/absent was not found in any of the search locations")
        .assert_contains(&mirror.path().display().to_string());
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "init took {:?}; it must not wait on the network",
        started.elapsed()
    );
}

#[test]
fn hung_provider_is_killed_at_the_timeout() {
    let tools = tempfile::tempdir().expect("temporary directory");
    let seen_env = tools.path().join("provider-env");
    // A stand-in provider that records its environment and then never
    // completes the plugin handshake.
    let script = tools.path().join("hung-provider");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{}'\nexec sleep 600\n",
            seen_env.display()
        ),
    )
    .expect("write the stand-in provider");
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");

    let mirror = Mirror::new();
    mirror.add_provider("registry.terraform.io", "example", "hung", "0.1.0", &script);
    let mut work = Workdir::new(&mirror);
    work.env("KUBECONFIG", "/nonexistent/kubeconfig")
        .timeout(Duration::from_secs(3));
    work.write(
        "main.tf",
        r#"
terraform {
  required_providers {
    hung = {
      source  = "registry.terraform.io/example/hung"
      version = "0.1.0"
    }
  }
}

provider "hung" {}
"#,
    );
    work.init()
        .assert_success("init from the mirror")
        .assert_contains("Installing example/hung v0.1.0...");

    let started = Instant::now();
    let out = work.plan();
    assert_eq!(out.code, NO_EXIT_CODE, "{}", out.report());
    out.assert_contains("timed out after 3 s and was killed");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "plan took {:?}",
        started.elapsed()
    );

    let env = fs::read_to_string(&seen_env).expect("the provider was started");
    assert!(env.contains("TF_PLUGIN_MAGIC_COOKIE="), "{env}");
    assert!(env.contains("KUBECONFIG=/nonexistent/kubeconfig"), "{env}");
}
