//! The process-level contract with go-plugin, through the example null provider
//! (`examples/null_provider.rs`): refuse to run without Terraform's cookie, announce a
//! well-formed handshake line promptly when started properly, log hclog JSON, and serve a
//! real Terraform in debug mode. The time to handshake is printed as a figure, never
//! asserted.
//!
//! This test binary doubles as the provider: started with `SERVE_NULL_PROVIDER` set, it
//! runs the example's `main` instead of the trials.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/null_provider.rs"]
mod null_provider;
// The Terraform harness is shared with the provider's own acceptance tests.
#[path = "../../../tests/support/terraform.rs"]
mod terraform;

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use terraform::{Mirror, Workdir};

/// Set in the environment of every child this binary starts as the provider.
const SERVE: &str = "SERVE_NULL_PROVIDER";

fn main() -> ExitCode {
    if std::env::var_os(SERVE).is_some() {
        return tfplugin::serve::main(
            null_provider::NullProvider,
            tfplugin::serve::ServeOptions::new(null_provider::ADDRESS),
        );
    }
    let trial = |name: &'static str, f: fn()| {
        Trial::test(name, move || {
            std::panic::catch_unwind(f).map_err(|_| Failed::from("panicked"))
        })
    };
    let trials = vec![
        trial(
            "refuses_to_run_without_the_cookie",
            refuses_to_run_without_the_cookie,
        ),
        trial(
            "refuses_a_terraform_without_protocol_6",
            refuses_a_terraform_without_protocol_6,
        ),
        trial(
            "announces_a_well_formed_handshake_line",
            announces_a_well_formed_handshake_line,
        ),
        trial("measures_start_to_handshake", measures_start_to_handshake),
        trial(
            "logs_are_hclog_json_lines_when_terraform_asks_for_them",
            logs_are_hclog_json_lines_when_terraform_asks_for_them,
        ),
        trial(
            "debug_mode_serves_terraform_through_tf_reattach_providers",
            debug_mode_serves_terraform_through_tf_reattach_providers,
        ),
    ];
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn provider() -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary's path"));
    cmd.env(SERVE, "1");
    cmd.env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER");
    cmd
}

fn refuses_to_run_without_the_cookie() {
    let out = provider().output().expect("the provider runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Terraform starts it itself"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one clear sentence: {stderr}");
    assert!(out.stdout.is_empty());
}

fn refuses_a_terraform_without_protocol_6() {
    let out = provider()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .expect("the provider runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 6"));
}

/// Starts the provider, reads its handshake line, kills it, and returns the line and the
/// time it took.
fn handshake(client_cert: Option<&str>) -> (String, Duration) {
    let mut cmd = provider();
    cmd.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(cert) = client_cert {
        cmd.env("PLUGIN_CLIENT_CERT", cert);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("the provider starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("a handshake line");
    let elapsed = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    (line.trim_end().to_string(), elapsed)
}

fn announces_a_well_formed_handshake_line() {
    let (line, _) = handshake(None);
    let parts: Vec<&str> = line.split('|').collect();
    assert_eq!(parts.len(), 5, "{line}");
    assert_eq!(&parts[..3], &["1", "6", "unix"], "{line}");
    assert_eq!(parts[4], "grpc");
    assert!(parts[3].starts_with('/'), "{line}");

    // With AutoMTLS the line carries the server certificate as unpadded base64 DER.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("a key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .expect("params")
        .self_signed(&key)
        .expect("a certificate");
    let (line, _) = handshake(Some(&cert.pem()));
    let parts: Vec<&str> = line.split('|').collect();
    assert_eq!(parts.len(), 6, "{line}");
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .expect("unpadded standard base64");
    assert_eq!(der.first(), Some(&0x30), "DER starts with a SEQUENCE");
}

fn measures_start_to_handshake() {
    let mut times: Vec<Duration> = (0..21).map(|_| handshake(None).1).collect();
    times.sort();
    let median = times[times.len() / 2];
    // A figure for the notes and docs/performance.md, not an assertion.
    println!(
        "start-to-handshake median of 21: {:.2} ms",
        median.as_secs_f64() * 1000.0
    );
}

fn logs_are_hclog_json_lines_when_terraform_asks_for_them() {
    let mut child = provider()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("TF_LOG_PROVIDER", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the provider starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("a handshake line");
    let _ = child.kill();
    let out = child.wait_with_output().expect("the provider stops");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let logs: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is a JSON log line"))
        .collect();
    let starting = logs
        .iter()
        .find(|l| l["@message"] == "starting")
        .unwrap_or_else(|| panic!("a start line in {stderr}"));
    assert_eq!(starting["@level"], "info", "{starting}");
    assert_eq!(
        starting["@module"], "null",
        "the provider's type name: {starting}"
    );
    let listening = logs
        .iter()
        .find(|l| l["@message"] == "listening for Terraform")
        .unwrap_or_else(|| panic!("a listening line in {stderr}"));
    assert_eq!(listening["@level"], "debug", "{listening}");
    assert!(
        listening["@timestamp"].is_string() && listening["socket"].is_string(),
        "{listening}"
    );
}

fn debug_mode_serves_terraform_through_tf_reattach_providers() {
    let mut child = provider()
        .arg("--debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the provider starts in debug mode");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut reattach = None;
    for _ in 0..20 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(rest) = line.trim().strip_prefix("export TF_REATTACH_PROVIDERS='") {
            reattach = rest.strip_suffix('\'').map(str::to_string);
            break;
        }
    }
    let reattach = reattach.expect("the provider prints TF_REATTACH_PROVIDERS");
    let mut dir = Workdir::new(&Mirror::new());
    dir.env("TF_REATTACH_PROVIDERS", &reattach);
    dir.write(
        "main.tf",
        r#"
terraform {
  required_providers {
    null = { source = "example/null" }
  }
}
data "null_greeting" "world" {
  name = "world"
}
resource "null_note" "kept" {
  text = "kept"
}
output "note" {
  value = null_note.kept.text
}
output "text" {
  value = data.null_greeting.world.text
}
output "upper" {
  value = provider::null::upper("loud")
}
"#,
    );
    dir.init()
        .assert_success("init with a reattached provider (an empty mirror)");
    dir.apply()
        .assert_success("apply through the debugged provider");
    let outputs = dir.output_json();
    assert_eq!(outputs["text"]["value"], "hello, world");
    assert_eq!(outputs["upper"]["value"], "LOUD");
    assert_eq!(outputs["note"]["value"], "kept");
    // Ctrl-C ends a provider in debug mode.
    let _ = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status();
    let stopped = Instant::now();
    loop {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(10),
            "debug mode stops on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
