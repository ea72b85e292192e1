//! Live mode over HTTPS with every kind of credential a kubeconfig carries, through the
//! real Terraform: certificate authorities as data and as files, IP and DNS names,
//! `tls-server-name`, `insecure-skip-tls-verify`, client certificates with RSA PKCS#1,
//! EC SEC1 and PKCS#8 keys, tokens and token files, and exec plugins shaped like those of
//! EKS, GKE and AKS; then what fails (TLS, rejected credentials, failing, slow,
//! prompting and interactive plugins), and a `TF_LOG=TRACE` run grepped for every
//! credential the file uses.
//!
//! Certificates are made by the test (`support/pki.rs`); the plugins are shell scripts
//! written into a directory put first on Terraform's `PATH`, named as the real ones.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::fake_apiserver::{Auth, FakeApiServer, Options, Tls};
use support::kured::{HEADER, mirror};
use support::pki::{Ca, Identity, KeyFormat, b64};
use support::proxies::Tinyproxy;
use support::terraform::{Output, Workdir};

const STATIC_TOKEN: &str = "st4tic-t0ken-5d1f";
const FILE_TOKEN: &str = "f1le-t0ken-7a3c";
const EKS_TOKEN: &str = "k8s-aws-v1.eks-t0ken-91b2";
const GKE_TOKEN: &str = "ya29.gke-t0ken-44e0";
const AKS_TOKEN: &str = "eyJ0eXAi.aks-t0ken-c3d9";
const INSECURE_TOKEN: &str = "1nsecure-t0ken-0b8e";
/// Handed to the EKS-shaped plugin in `exec.env`; must never be printed.
const EXEC_ENV_SECRET: &str = "aws-s3cret-access-key-2f9a";
/// Handed to the EKS-shaped plugin as an argument; must never be printed.
const EXEC_ARG_SECRET: &str = "arn:aws:iam::123456789012:role/s3cret-admin-role";
const PROXY_USER: &str = "alice";
const PROXY_PASSWORD: &str = "pr0xy-s3cret-61d7";

/// A namespace with one pod and the budget that blocks its drains.
fn objects() -> Vec<Value> {
    vec![
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "pg-0", "namespace": "db", "labels": {"app": "pg"}},
            "spec": {"nodeName": "node-1", "containers": [{"name": "pg"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        }),
        json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "pg", "namespace": "db"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "pg"}}}
        }),
    ]
}

/// The PKI of one test: the cluster CA, the client CA, and the HTTPS fake server
/// accepting the tokens above and any client certificate of the client CA.
struct Cluster {
    ca: Ca,
    client_ca: Ca,
    server: FakeApiServer,
}

fn https_cluster() -> Cluster {
    let ca = Ca::new("kubernetes-ca");
    let client_ca = Ca::new("kubernetes-client-ca");
    let identity = ca.server(&["127.0.0.1", "localhost", "kubernetes.default.svc"]);
    let server = FakeApiServer::start_with(
        objects(),
        Options {
            tls: Some(Tls {
                cert_chain_pem: identity.cert_pem,
                key_pem: identity.key_pem,
                client_ca_pem: Some(client_ca.pem.clone()),
            }),
            auth: Some(Auth {
                tokens: [
                    STATIC_TOKEN,
                    FILE_TOKEN,
                    EKS_TOKEN,
                    GKE_TOKEN,
                    AKS_TOKEN,
                    INSECURE_TOKEN,
                ]
                .map(str::to_owned)
                .to_vec(),
                client_certificates: true,
            }),
        },
    );
    Cluster {
        ca,
        client_ca,
        server,
    }
}

/// A kubeconfig with one context, `cluster` and `user` being the YAML lines (indented
/// by six spaces) under `cluster:` and `user:`.
fn kubeconfig(server: &str, cluster: &[String], user: &[String]) -> String {
    let lines = |items: &[String]| {
        if items.is_empty() {
            " {}".to_owned()
        } else {
            items.iter().map(|l| format!("\n      {l}")).collect()
        }
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n  - name: c\n    cluster:\n      server: {server}{}\nusers:\n  - name: u\n    user:{}\ncontexts:\n  - name: ctx\n    context: {{cluster: c, user: u, namespace: default}}\ncurrent-context: ctx\n",
        lines(cluster),
        lines(user)
    )
}

/// Writes `name` into `dir` and returns its path.
fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

/// An executable shell script `name` in `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = file(dir, name, &format!("#!/bin/sh\n{body}"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A plugin body that records its run (its parent, the provider, by pid) in `runs` and
/// prints an ExecCredential of `api_version` holding `token`.
fn token_plugin(runs: &Path, api_version: &str, token: &str, extra: &str) -> String {
    format!(
        "echo \"$PPID\" >> '{}'\n{extra}\ncat <<EOF\n{{\"apiVersion\": \"{api_version}\", \"kind\": \"ExecCredential\", \"status\": {{\"token\": \"{token}\", \"expirationTimestamp\": \"2099-01-01T00:00:00Z\"}}}}\nEOF\n",
        runs.display()
    )
}

/// One provider configuration per case, each with a `kured_pdb_coverage` of namespace
/// `db` and an output of its drain blockers.
fn stack(cases: &[(&str, PathBuf)], extra_provider_args: &str) -> String {
    let mut text = String::from(HEADER);
    for (alias, kubeconfig) in cases {
        text.push_str(&format!(
            "\nprovider \"kured\" {{\n  alias           = \"{alias}\"\n  kubeconfig_path = \"{}\"\n  request_timeout = \"5s\"\n{extra_provider_args}\n}}\n\ndata \"kured_pdb_coverage\" \"{alias}\" {{\n  provider   = kured.{alias}\n  namespaces = [\"db\"]\n}}\n\noutput \"{alias}\" {{ value = data.kured_pdb_coverage.{alias}.drain_blockers }}\n",
            kubeconfig.display()
        ));
    }
    text
}

/// An initialised workdir holding `main_tf`, with `bin` first on `PATH`.
fn workdir(main_tf: &str, bin: Option<&Path>) -> Workdir {
    let mut dir = Workdir::new(&mirror());
    dir.write("main.tf", main_tf);
    if let Some(bin) = bin {
        let path = std::env::var("PATH").unwrap_or_default();
        dir.env("PATH", &format!("{}:{path}", bin.display()));
    }
    dir.init().assert_success("terraform init from the mirror");
    dir
}

/// Every forms of HTTPS and credentials that works, each in its own provider.
struct Working {
    cluster: Cluster,
    cases: Vec<(&'static str, PathBuf)>,
    bin: PathBuf,
    runs: PathBuf,
    exec_info: PathBuf,
    client_keys: Vec<Identity>,
    _files: tempfile::TempDir,
}

fn working_cases() -> Working {
    let cluster = https_cluster();
    let files = tempfile::tempdir().expect("a directory for kubeconfigs");
    let dir = files.path();
    let url = cluster.server.url();
    let port = cluster.server.port();
    let ca_data = format!("certificate-authority-data: {}", b64(&cluster.ca.pem));
    let ca_file = file(dir, "ca.crt", &cluster.ca.pem);
    let token_file = file(dir, "token.txt", &format!("{FILE_TOKEN}\n"));
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).expect("a bin directory");
    let runs = dir.join("runs");
    let exec_info = dir.join("exec-info.json");

    let rsa = cluster.client_ca.client("rsa-user", KeyFormat::RsaPkcs1);
    let ec = cluster.client_ca.client("ec-user", KeyFormat::EcSec1);
    let pkcs8 = cluster.client_ca.client("pkcs8-user", KeyFormat::Pkcs8);
    let ec_cert = file(dir, "ec.crt", &ec.cert_pem);
    let ec_key = file(dir, "ec.key", &ec.key_pem);

    // EKS: `aws eks get-token`, v1beta1, the profile in env, the role as an argument.
    script(
        &bin,
        "aws",
        &token_plugin(
            &runs,
            "client.authentication.k8s.io/v1beta1",
            EKS_TOKEN,
            &format!(
                "[ \"$AWS_PROFILE\" = prod ] && [ \"$AWS_SECRET_ACCESS_KEY\" = '{EXEC_ENV_SECRET}' ] || {{ echo 'env not passed' >&2; exit 3; }}\n[ \"$6\" = '{EXEC_ARG_SECRET}' ] || {{ echo \"args not passed: $*\" >&2; exit 4; }}"
            ),
        ),
    );
    // GKE: gke-gcloud-auth-plugin, v1beta1, provideClusterInfo, installHint.
    script(
        &bin,
        "gke-gcloud-auth-plugin",
        &token_plugin(
            &runs,
            "client.authentication.k8s.io/v1beta1",
            GKE_TOKEN,
            &format!(
                "printf '%s' \"$KUBERNETES_EXEC_INFO\" > '{}'",
                exec_info.display()
            ),
        ),
    );
    // AKS: kubelogin get-token --login azurecli, v1.
    script(
        &bin,
        "kubelogin",
        &token_plugin(&runs, "client.authentication.k8s.io/v1", AKS_TOKEN, ""),
    );

    let write = |name: &str, server: &str, cluster_lines: Vec<String>, user: Vec<String>| {
        file(dir, name, &kubeconfig(server, &cluster_lines, &user))
    };
    let cases = vec![
        (
            "token",
            write("token", &url, vec![ca_data.clone()], vec![format!("token: {STATIC_TOKEN}")]),
        ),
        (
            "token_file",
            write(
                "token_file",
                &url,
                vec![format!("certificate-authority: {}", ca_file.display())],
                vec![format!("tokenFile: {}", token_file.display())],
            ),
        ),
        (
            "dns_name",
            write(
                "dns_name",
                &format!("https://localhost:{port}"),
                vec![ca_data.clone()],
                vec![format!("token: {STATIC_TOKEN}")],
            ),
        ),
        (
            "tls_server_name",
            write(
                "tls_server_name",
                &url,
                vec![ca_data.clone(), "tls-server-name: kubernetes.default.svc".into()],
                vec![format!("token: {STATIC_TOKEN}")],
            ),
        ),
        (
            "insecure",
            write(
                "insecure",
                &url,
                vec!["insecure-skip-tls-verify: true".into()],
                vec![format!("token: {INSECURE_TOKEN}")],
            ),
        ),
        (
            "rsa_pkcs1",
            write(
                "rsa_pkcs1",
                &url,
                vec![ca_data.clone()],
                vec![
                    format!("client-certificate-data: {}", rsa.cert_b64()),
                    format!("client-key-data: {}", rsa.key_b64()),
                ],
            ),
        ),
        (
            "ec_sec1",
            write(
                "ec_sec1",
                &url,
                vec![ca_data.clone()],
                vec![
                    format!("client-certificate: {}", ec_cert.display()),
                    format!("client-key: {}", ec_key.display()),
                ],
            ),
        ),
        (
            "pkcs8",
            write(
                "pkcs8",
                &url,
                vec![ca_data.clone()],
                vec![
                    format!("client-certificate-data: {}", pkcs8.cert_b64()),
                    format!("client-key-data: {}", pkcs8.key_b64()),
                ],
            ),
        ),
        (
            "eks",
            write(
                "eks",
                &url,
                vec![ca_data.clone()],
                vec![
                    "exec:".into(),
                    "  apiVersion: client.authentication.k8s.io/v1beta1".into(),
                    "  command: aws".into(),
                    format!(
                        "  args: [--region, eu-west-1, eks, get-token, --role-arn, '{EXEC_ARG_SECRET}', --cluster-name, prod]"
                    ),
                    "  env:".into(),
                    "    - {name: AWS_PROFILE, value: prod}".into(),
                    format!("    - {{name: AWS_SECRET_ACCESS_KEY, value: {EXEC_ENV_SECRET}}}"),
                    "  interactiveMode: IfAvailable".into(),
                ],
            ),
        ),
        (
            "gke",
            write(
                "gke",
                &url,
                vec![ca_data.clone()],
                vec![
                    "exec:".into(),
                    "  apiVersion: client.authentication.k8s.io/v1beta1".into(),
                    "  command: gke-gcloud-auth-plugin".into(),
                    "  installHint: Install gke-gcloud-auth-plugin for use with kubectl by following https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin".into(),
                    "  provideClusterInfo: true".into(),
                    "  interactiveMode: IfAvailable".into(),
                ],
            ),
        ),
        (
            "aks",
            write(
                "aks",
                &url,
                vec![ca_data],
                vec![
                    "exec:".into(),
                    "  apiVersion: client.authentication.k8s.io/v1".into(),
                    "  command: kubelogin".into(),
                    "  args: [get-token, --login, azurecli, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]".into(),
                    "  interactiveMode: Never".into(),
                ],
            ),
        ),
    ];
    Working {
        cluster,
        cases,
        bin,
        runs,
        exec_info,
        client_keys: vec![rsa, ec, pkcs8],
        _files: files,
    }
}

/// Checks that every case read the budget, each with its own credential.
fn assert_every_case_read(working: &Working, dir: &Workdir) {
    let out = dir.output_json();
    for (alias, _) in &working.cases {
        assert_eq!(out[*alias]["value"], json!(["db/pg"]), "case {alias}");
    }
    let requests = working.cluster.server.requests();
    let tokens: BTreeSet<String> = requests
        .iter()
        .filter_map(|r| r.authorization.as_deref())
        .filter_map(|a| a.strip_prefix("Bearer "))
        .map(str::to_owned)
        .collect();
    for token in [
        STATIC_TOKEN,
        FILE_TOKEN,
        EKS_TOKEN,
        GKE_TOKEN,
        AKS_TOKEN,
        INSECURE_TOKEN,
    ] {
        assert!(tokens.contains(token), "{token} never sent: {tokens:?}");
    }
    let users: BTreeSet<String> = requests
        .iter()
        .filter_map(|r| r.client_certificate.clone())
        .collect();
    assert_eq!(
        users,
        ["ec-user", "pkcs8-user", "rsa-user"]
            .map(str::to_owned)
            .into_iter()
            .collect()
    );
}

/// The provider processes that ran a plugin, with how often each did.
fn plugin_runs(runs: &Path) -> Vec<(String, usize)> {
    let text = std::fs::read_to_string(runs).unwrap_or_default();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for pid in text.lines() {
        match counts.iter_mut().find(|(p, _)| p == pid) {
            Some((_, n)) => *n += 1,
            None => counts.push((pid.to_owned(), 1)),
        }
    }
    counts
}

#[test]
fn every_kubeconfig_shape_reads_the_cluster_over_https() {
    let working = working_cases();
    let dir = workdir(&stack(&working.cases, ""), Some(&working.bin));
    dir.apply().assert_success("every working shape");
    assert_every_case_read(&working, &dir);

    // Three plugins, each run once by the provider process that needed it.
    let runs = plugin_runs(&working.runs);
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert!(
        runs.iter().all(|(_, n)| *n == 1),
        "a plugin ran twice in one process: {runs:?}"
    );

    // provideClusterInfo: the GKE plugin got the cluster and was told it has no terminal.
    let info: Value = serde_json::from_str(
        &std::fs::read_to_string(&working.exec_info).expect("the GKE plugin wrote its input"),
    )
    .expect("KUBERNETES_EXEC_INFO is JSON");
    assert_eq!(info["apiVersion"], "client.authentication.k8s.io/v1beta1");
    assert_eq!(info["kind"], "ExecCredential");
    assert_eq!(info["spec"]["interactive"], false);
    assert_eq!(
        info["spec"]["cluster"]["server"],
        working.cluster.server.url()
    );
    assert!(info["spec"]["cluster"]["certificate-authority-data"].is_string());
}

#[test]
fn one_plugin_run_serves_every_data_source_of_a_provider() {
    let working = working_cases();
    let (_, eks) = working
        .cases
        .iter()
        .find(|(alias, _)| *alias == "eks")
        .expect("the EKS case");
    let mut main_tf = stack(&[("eks", eks.clone())], "");
    for i in 0..8 {
        main_tf.push_str(&format!(
            "data \"kured_pdb_coverage\" \"more_{i}\" {{\n  provider = kured.eks\n}}\n"
        ));
    }
    let dir = workdir(&main_tf, Some(&working.bin));
    dir.plan().assert_success("nine data sources, one plugin");
    let runs = plugin_runs(&working.runs);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].1, 1, "{runs:?}");
}

/// The diagnostics of `terraform plan -json`, with the resource each belongs to.
fn plan_diagnostics(dir: &Workdir) -> (Output, Vec<Value>) {
    let out = dir.run(&["plan", "-json", "-input=false", "-no-color"]);
    let diagnostics = out
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|v| v["type"] == "diagnostic")
        .map(|v| v["diagnostic"].clone())
        .collect();
    (out, diagnostics)
}

/// The error diagnostic of data source `alias`.
fn error_of<'a>(diagnostics: &'a [Value], alias: &str, out: &Output) -> &'a Value {
    let address = format!("data.kured_pdb_coverage.{alias}");
    diagnostics
        .iter()
        .find(|d| d["severity"] == "error" && d["address"] == address.as_str())
        .unwrap_or_else(|| panic!("no error for {address}:\n{}", out.report()))
}

#[test]
fn what_fails_is_named_in_the_title() {
    let cluster = https_cluster();
    let files = tempfile::tempdir().expect("a directory");
    let dir = files.path();
    let url = cluster.server.url();
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).expect("a bin directory");
    let runs = dir.join("runs");
    let ca_data = format!("certificate-authority-data: {}", b64(&cluster.ca.pem));
    let other_ca = Ca::new("someone-else");
    let stranger = other_ca.client("stranger", KeyFormat::Pkcs8);
    let only_svc = {
        let ca = Ca::new("svc-only-ca");
        let identity = ca.server(&["kubernetes.default.svc"]);
        let server = FakeApiServer::start_with(
            objects(),
            Options {
                tls: Some(Tls {
                    cert_chain_pem: identity.cert_pem,
                    key_pem: identity.key_pem,
                    client_ca_pem: None,
                }),
                auth: None,
            },
        );
        (ca, server)
    };

    script(
        &bin,
        "aws",
        &format!(
            "echo \"$PPID\" >> '{}'\necho 'Error when retrieving token from sso: Token has expired and refresh failed' >&2\nexit 255\n",
            runs.display()
        ),
    );
    script(&bin, "slow-plugin", "exec sleep 30\n");
    script(
        &bin,
        "mfa-plugin",
        "printf 'Enter MFA code for arn:aws:iam::123456789012:mfa/ops: ' >&2\nread code || { echo >&2; echo 'no MFA code given' >&2; exit 1; }\n",
    );
    script(
        &bin,
        "kubelogin",
        &format!("echo \"$PPID\" >> '{}'\n", runs.display()),
    );
    let exec = |command: &str, mode: &str, extra: &[String]| {
        let mut lines = vec![
            "exec:".to_owned(),
            "  apiVersion: client.authentication.k8s.io/v1beta1".to_owned(),
            format!("  command: {command}"),
            format!("  interactiveMode: {mode}"),
        ];
        lines.extend_from_slice(extra);
        lines
    };
    let write = |name: &str, server: &str, cluster_lines: Vec<String>, user: Vec<String>| {
        file(dir, name, &kubeconfig(server, &cluster_lines, &user))
    };
    let cases: Vec<(&str, PathBuf, Vec<&str>)> = vec![
        (
            "unknown_ca",
            write(
                "unknown_ca",
                &url,
                vec![format!(
                    "certificate-authority-data: {}",
                    b64(&other_ca.pem)
                )],
                vec![format!("token: {STATIC_TOKEN}")],
            ),
            vec![
                "TLS handshake with the Kubernetes API server failed",
                "UnknownIssuer",
            ],
        ),
        (
            "wrong_name",
            write(
                "wrong_name",
                &only_svc.1.url(),
                vec![format!(
                    "certificate-authority-data: {}",
                    b64(&only_svc.0.pem)
                )],
                vec![format!("token: {STATIC_TOKEN}")],
            ),
            vec![
                "TLS handshake with the Kubernetes API server failed",
                "certificate not valid for name \"127.0.0.1\"",
            ],
        ),
        (
            "foreign_client_cert",
            write(
                "foreign_client_cert",
                &url,
                vec![ca_data.clone()],
                vec![
                    format!("client-certificate-data: {}", stranger.cert_b64()),
                    format!("client-key-data: {}", stranger.key_b64()),
                ],
            ),
            vec!["TLS handshake with the Kubernetes API server failed"],
        ),
        (
            "wrong_token",
            write(
                "wrong_token",
                &url,
                vec![ca_data.clone()],
                vec!["token: expired-t0ken".into()],
            ),
            vec![
                "authentication failed: the Kubernetes API server rejected the credentials",
                "401 Unauthorized",
            ],
        ),
        (
            "expired_sso",
            write(
                "expired_sso",
                &url,
                vec![ca_data.clone()],
                exec(
                    "aws",
                    "IfAvailable",
                    &[
                        format!("  args: [eks, get-token, --role-arn, '{EXEC_ARG_SECRET}']"),
                        format!(
                            "  env: [{{name: AWS_SECRET_ACCESS_KEY, value: {EXEC_ENV_SECRET}}}]"
                        ),
                    ],
                ),
            ),
            vec![
                "authentication failed: the exec credential plugin gave no credential",
                "the exec credential plugin `aws` failed (exit status: 255)",
                "Error when retrieving token from sso: Token has expired and refresh failed",
                "aws sso login",
            ],
        ),
        (
            "slow_plugin",
            write(
                "slow_plugin",
                &url,
                vec![ca_data.clone()],
                exec("slow-plugin", "Never", &[]),
            ),
            vec![
                "authentication failed: the exec credential plugin gave no credential",
                "did not finish within 2s",
            ],
        ),
        (
            "prompting_plugin",
            write(
                "prompting_plugin",
                &url,
                vec![ca_data.clone()],
                exec("mfa-plugin", "IfAvailable", &[]),
            ),
            vec![
                "Enter MFA code for arn:aws:iam::123456789012:mfa/ops:",
                "no MFA code given",
            ],
        ),
        (
            "always_interactive",
            write(
                "always_interactive",
                &url,
                vec![ca_data.clone()],
                exec("kubelogin", "Always", &[]),
            ),
            vec![
                "interactiveMode: Always",
                "Terraform gives providers none",
                "az login",
                "kubectl --context ctx get namespaces",
            ],
        ),
        (
            "missing_plugin",
            write(
                "missing_plugin",
                &url,
                vec![ca_data],
                // Named so that no machine has it (this one has a real gke-gcloud-auth-plugin).
                exec(
                    "kured-test-missing-auth-plugin",
                    "IfAvailable",
                    &[
                        "  installHint: Install the plugin with gcloud components install"
                            .to_owned(),
                    ],
                ),
            ),
            vec![
                "no such command on PATH",
                "Install the plugin with gcloud components install",
            ],
        ),
    ];
    let aliases: Vec<(&str, PathBuf)> = cases
        .iter()
        .map(|(alias, path, _)| (*alias, path.clone()))
        .collect();
    let mut main_tf =
        stack(&aliases, "").replace("request_timeout = \"5s\"", "request_timeout = \"2s\"");
    // An unknown context is named by the provider argument that chose it.
    let unknown_context = file(
        dir,
        "unknown_context",
        &kubeconfig(&url, &[], &[format!("token: {STATIC_TOKEN}")]),
    );
    main_tf.push_str(&format!(
        "\nprovider \"kured\" {{\n  alias              = \"unknown_context\"\n  kubeconfig_path    = \"{}\"\n  kubeconfig_context = \"prod\"\n}}\n\ndata \"kured_pdb_coverage\" \"unknown_context\" {{\n  provider = kured.unknown_context\n}}\n",
        unknown_context.display()
    ));
    let wd = workdir(&main_tf, Some(&bin));
    let (out, diagnostics) = plan_diagnostics(&wd);
    out.assert_failure("every case fails");
    for (alias, _, needles) in &cases {
        let diagnostic = error_of(&diagnostics, alias, &out);
        let text = format!(
            "{}\n{}",
            diagnostic["summary"].as_str().unwrap_or_default(),
            diagnostic["detail"].as_str().unwrap_or_default()
        );
        for needle in needles {
            assert!(
                support::terraform::normalize(&text)
                    .contains(&support::terraform::normalize(needle)),
                "case {alias}: {needle:?} missing from:\n{text}"
            );
        }
        assert!(
            !text.contains(EXEC_ENV_SECRET) && !text.contains(EXEC_ARG_SECRET),
            "{text}"
        );
    }
    let context = error_of(&diagnostics, "unknown_context", &out);
    assert_eq!(
        context["summary"],
        "cannot configure access to the Kubernetes cluster"
    );
    let detail = context["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("no context named \"prod\"")
            && detail.contains("Set the provider's kubeconfig_context to one of them"),
        "{detail}"
    );
    // The expired-SSO plugin ran once; the interactive one never ran.
    let runs = plugin_runs(&runs);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].1, 1, "{runs:?}");
}

#[test]
fn no_credential_reaches_trace_logs_or_the_state() {
    let working = working_cases();
    let proxy = Tinyproxy::start(Some((PROXY_USER, PROXY_PASSWORD)));
    // One more case: a kubeconfig proxy-url with credentials, through tinyproxy.
    let (_, token_kubeconfig) = working.cases[0].clone();
    let proxied = token_kubeconfig.with_file_name("proxied");
    let text = std::fs::read_to_string(&token_kubeconfig)
        .expect("the token kubeconfig")
        .replace(
            "      server:",
            &format!(
                "      proxy-url: {}\n      server:",
                proxy.url_with(PROXY_USER, PROXY_PASSWORD)
            ),
        );
    std::fs::write(&proxied, text).expect("write the proxied kubeconfig");
    let mut cases = working.cases.clone();
    cases.push(("proxied", proxied));

    let mut dir = workdir(&stack(&cases, ""), Some(&working.bin));
    dir.env("TF_LOG", "TRACE");
    let apply = dir.apply();
    apply.assert_success("apply with TRACE logs");
    assert!(
        !proxy.connects().is_empty(),
        "the proxied case did not go through tinyproxy:\n{}",
        proxy.log_text()
    );
    assert!(
        apply.stderr.contains("provider.terraform-provider-kured"),
        "no provider logs captured"
    );

    let mut secrets: Vec<String> = [
        STATIC_TOKEN,
        FILE_TOKEN,
        EKS_TOKEN,
        GKE_TOKEN,
        AKS_TOKEN,
        INSECURE_TOKEN,
        EXEC_ENV_SECRET,
        EXEC_ARG_SECRET,
        PROXY_PASSWORD,
    ]
    .map(str::to_owned)
    .to_vec();
    secrets.push(b64(&format!("{PROXY_USER}:{PROXY_PASSWORD}")));
    for key in &working.client_keys {
        secrets.push(key.key_b64());
        // Every line of the key's PEM body, so that no fragment of it slips through.
        secrets.extend(
            key.key_pem
                .lines()
                .filter(|l| !l.starts_with("-----") && l.len() > 16)
                .map(str::to_owned),
        );
    }
    let state = std::fs::read_to_string(dir.path().join("terraform.tfstate")).expect("state");
    for secret in &secrets {
        for (what, text) in [
            ("stdout", &apply.stdout),
            ("stderr (TF_LOG=TRACE)", &apply.stderr),
            ("terraform.tfstate", &state),
        ] {
            assert!(
                !text.contains(secret.as_str()),
                "{what} holds a credential: {secret}"
            );
        }
    }
}
