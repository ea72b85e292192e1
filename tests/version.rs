//! `terraform-provider-kured --version`, and the version in the logs Terraform shows: what
//! a team checks to know which build answered.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-kured");
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn provider() -> Command {
    let mut cmd = Command::new(PROVIDER);
    cmd.env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER");
    cmd
}

#[test]
fn version_flag_prints_the_version_and_target_without_serving() {
    let out = provider()
        .arg("--version")
        .output()
        .expect("the provider runs");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(concat!(
            "terraform-provider-kured v",
            env!("CARGO_PKG_VERSION")
        )),
        "{stdout}"
    );
    assert!(lines.iter().any(|l| l.starts_with("commit: ")), "{stdout}");
    let target = lines
        .iter()
        .find_map(|l| l.strip_prefix("target: "))
        .expect("a target line");
    assert!(target.contains(std::env::consts::ARCH), "{stdout}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_start_and_socket_log_lines_name_the_version() {
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
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    for message in ["starting", "listening for Terraform"] {
        let log = logs
            .iter()
            .find(|l| l["@message"] == message)
            .unwrap_or_else(|| panic!("a {message:?} line in {stderr}"));
        let version = log["version"].as_str().expect("a version field");
        assert!(
            version.starts_with(concat!(env!("CARGO_PKG_VERSION"), " (")),
            "{version}"
        );
    }
}
