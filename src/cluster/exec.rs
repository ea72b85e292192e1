//! Exec credential plugins (`users[].user.exec` in a kubeconfig: `aws eks get-token`,
//! `gke-gcloud-auth-plugin`, `kubelogin`, ...), run by the provider instead of by kube.
//!
//! kube 5.0 runs the plugin on every client it builds (two or three times in a row),
//! with no time limit, hands it the provider's standard input, and on failure prints a
//! debug dump of the command with every `env` value and argument. Here the plugin:
//!
//! - runs at most once per provider process; its credential is reused until its
//!   `expirationTimestamp` (see `Cluster::connection`);
//! - runs under `request_timeout`, and is killed when that runs out;
//! - gets no standard input (Terraform gives providers no terminal), and
//!   `KUBERNETES_EXEC_INFO` saying so, as client-go does;
//! - is refused up front when its kubeconfig says `interactiveMode: Always`, with what to
//!   run first;
//! - is named in errors by its command only, with the last lines of its standard error;
//!   its arguments, its `env` values and its standard output (the credential) are never
//!   printed or logged.

use std::fmt;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use kube::config::{ExecConfig, ExecInteractiveMode};
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::error::human_duration;

/// The versions of the ExecCredential API that client-go still speaks.
const API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
];

/// How many lines of the plugin's standard error a diagnostic shows.
const STDERR_LINES: usize = 10;

/// Longest line of standard error shown; the rest is cut.
const STDERR_LINE_CHARS: usize = 300;

/// More output than this from a credential plugin is not a credential.
const MAX_OUTPUT: u64 = 4 << 20;

/// A credential plugin, ready to run.
pub(super) struct ExecPlugin {
    command: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    api_version: String,
    always_interactive: bool,
    install_hint: Option<String>,
    cluster_info: Option<serde_json::Value>,
    context: String,
}

/// What a plugin handed back. Its `Debug` shows no secret.
#[derive(Clone)]
pub(super) struct Credential {
    /// A bearer token.
    pub token: Option<String>,
    /// A client certificate and its key, both PEM.
    pub client_certificate: Option<(String, String)>,
    /// When the plugin said the credential stops working; `None` for never.
    pub expires: Option<SystemTime>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("token", &self.token.as_ref().map(|_| "(redacted)"))
            .field(
                "client_certificate",
                &self.client_certificate.as_ref().map(|_| "(redacted)"),
            )
            .field("expires", &self.expires)
            .finish()
    }
}

/// Whether a credential that expires at `expires` (`None`: never) can still be used at
/// `now`. client-go reuses a credential until its expiration has passed, with no margin;
/// so does this.
pub(super) fn still_valid(expires: Option<SystemTime>, now: SystemTime) -> bool {
    expires.is_none_or(|expires| now < expires)
}

/// Why a plugin gave no credential. Messages name the command, never its arguments or
/// environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// The kubeconfig's `exec` block cannot be used.
    #[error("the kubeconfig's exec credential plugin cannot be used: {0}")]
    Config(String),

    /// `interactiveMode: Always`: the plugin needs a terminal that a provider never has.
    #[error(
        "the exec credential plugin `{command}` is configured with interactiveMode: Always, so it needs a terminal, and Terraform gives providers none (their standard input is not a terminal). Log in first, in a terminal: {advice}. Then run Terraform again; the plugin will find its cached credentials"
    )]
    NeedsTerminal {
        /// The command, as the kubeconfig names it.
        command: String,
        /// What to run first.
        advice: String,
    },

    /// The command does not exist or cannot be started.
    #[error("cannot start the exec credential plugin `{command}`: {reason}{}", hint.as_deref().map(|h| format!(". The kubeconfig's installHint says: {h}")).unwrap_or_default())]
    Start {
        /// The command.
        command: String,
        /// Why it could not start.
        reason: String,
        /// The kubeconfig's `installHint`, if any.
        hint: Option<String>,
    },

    /// The plugin ran longer than `request_timeout` and was stopped.
    #[error(
        "the exec credential plugin `{command}` did not finish within {} (the provider's request_timeout) and was stopped{}. A plugin that waits is usually prompting, which it cannot do under Terraform: log in first in a terminal ({advice}), or raise request_timeout if it is only slow",
        human_duration(*timeout),
        stderr_block(stderr)
    )]
    TimedOut {
        /// The command.
        command: String,
        /// The time it was given.
        timeout: Duration,
        /// The last lines of its standard error.
        stderr: String,
        /// What to run first.
        advice: String,
    },

    /// The plugin exited unsuccessfully.
    #[error(
        "the exec credential plugin `{command}` failed ({status}){}. Its message usually says what to do; often the login it relies on has expired: {advice}",
        stderr_block(stderr)
    )]
    Failed {
        /// The command.
        command: String,
        /// How it exited, e.g. `exit status 255`.
        status: String,
        /// The last lines of its standard error.
        stderr: String,
        /// What to run first.
        advice: String,
    },

    /// The plugin succeeded but printed no usable ExecCredential.
    #[error("the exec credential plugin `{command}` printed no usable credential: {reason}")]
    Output {
        /// The command.
        command: String,
        /// What is wrong with the output (never the output itself).
        reason: String,
    },
}

fn stderr_block(stderr: &str) -> String {
    if stderr.is_empty() {
        "; it wrote nothing to its standard error".to_owned()
    } else {
        format!("; the last lines of its standard error:\n{stderr}\n")
    }
}

impl ExecPlugin {
    /// Reads the kubeconfig's `exec` block. `cluster` is the kubeconfig cluster, handed
    /// to the plugin when it asks for it (`provideClusterInfo`).
    pub fn new(
        exec: &ExecConfig,
        cluster: &kube::config::Cluster,
        context: &str,
    ) -> Result<ExecPlugin, ExecError> {
        let command = exec
            .command
            .clone()
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| ExecError::Config("exec.command is not set".into()))?;
        let api_version = match exec.api_version.as_deref() {
            Some(v) if API_VERSIONS.contains(&v) => v.to_owned(),
            Some(other) => {
                return Err(ExecError::Config(format!(
                    "exec.apiVersion {other:?} is not supported; use {} (client.authentication.k8s.io/v1alpha1 was removed in Kubernetes 1.24)",
                    API_VERSIONS.join(" or ")
                )));
            }
            None => {
                return Err(ExecError::Config(format!(
                    "exec.apiVersion is not set; use {}",
                    API_VERSIONS.join(" or ")
                )));
            }
        };
        let mut env = Vec::new();
        for entry in exec.env.iter().flatten() {
            match (entry.get("name"), entry.get("value")) {
                (Some(name), Some(value)) => env.push((name.clone(), value.clone())),
                _ => {
                    return Err(ExecError::Config(
                        "every exec.env entry needs a name and a value".into(),
                    ));
                }
            }
        }
        let cluster_info = if exec.provide_cluster_info {
            let info = kube::config::ExecAuthCluster::try_from(cluster)
                .map_err(|e| ExecError::Config(format!("provideClusterInfo: {e}")))?;
            Some(
                serde_json::to_value(info)
                    .map_err(|e| ExecError::Config(format!("provideClusterInfo: {e}")))?,
            )
        } else {
            None
        };
        Ok(ExecPlugin {
            command,
            args: exec.args.clone().unwrap_or_default(),
            env,
            api_version,
            always_interactive: matches!(exec.interactive_mode, Some(ExecInteractiveMode::Always)),
            install_hint: exec.install_hint.clone(),
            cluster_info,
            context: context.to_owned(),
        })
    }

    /// The command as the kubeconfig names it, for logs.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Runs the plugin once, for at most `timeout`.
    pub async fn run(&self, timeout: Duration) -> Result<Credential, ExecError> {
        if self.always_interactive {
            return Err(ExecError::NeedsTerminal {
                command: self.command.clone(),
                advice: self.advice(),
            });
        }
        let mut spec = serde_json::json!({"interactive": false});
        if let Some(cluster) = &self.cluster_info {
            spec["cluster"] = cluster.clone();
        }
        let exec_info = serde_json::json!({
            "apiVersion": self.api_version,
            "kind": "ExecCredential",
            "spec": spec,
        });
        let mut command = tokio::process::Command::new(&self.command);
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("KUBERNETES_EXEC_INFO", exec_info.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| ExecError::Start {
            command: self.command.clone(),
            reason: match e.kind() {
                std::io::ErrorKind::NotFound => "no such command on PATH".to_owned(),
                std::io::ErrorKind::PermissionDenied => "it is not executable".to_owned(),
                _ => e.to_string(),
            },
            hint: self.install_hint.clone(),
        })?;
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let out_pipe = child.stdout.take();
        let err_pipe = child.stderr.take();
        let finished = tokio::time::timeout(timeout, async {
            let _ = tokio::join!(
                read_limited(out_pipe, &mut stdout),
                read_limited(err_pipe, &mut stderr)
            );
            child.wait().await
        })
        .await;
        let status = match finished {
            Err(_elapsed) => {
                // Its children may keep running; they no longer hold anything of ours.
                let _ = child.start_kill();
                return Err(ExecError::TimedOut {
                    command: self.command.clone(),
                    timeout,
                    stderr: stderr_tail(&stderr),
                    advice: self.advice(),
                });
            }
            Ok(Err(e)) => {
                return Err(ExecError::Start {
                    command: self.command.clone(),
                    reason: e.to_string(),
                    hint: None,
                });
            }
            Ok(Ok(status)) => status,
        };
        if !status.success() {
            return Err(ExecError::Failed {
                command: self.command.clone(),
                status: status.to_string(),
                stderr: stderr_tail(&stderr),
                advice: self.advice(),
            });
        }
        parse_credential(&stdout, &self.api_version).map_err(|reason| ExecError::Output {
            command: self.command.clone(),
            reason,
        })
    }

    /// What to run in a terminal so that the plugin has a cached login. Plugins known to
    /// cache get their own login command; every plugin can be given its chance to prompt
    /// through kubectl.
    fn advice(&self) -> String {
        let name = std::path::Path::new(&self.command)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kubectl = format!(
            "`kubectl --context {} get namespaces` lets the plugin prompt and cache its login",
            self.context
        );
        let own = match name.as_str() {
            "aws" | "aws-iam-authenticator" => {
                Some("`aws sso login` (with the same AWS_PROFILE) renews an AWS SSO session")
            }
            "gke-gcloud-auth-plugin" | "gcloud" => {
                Some("`gcloud auth login` renews a Google login")
            }
            "kubelogin" => {
                Some("`az login` renews an Azure CLI login (for kubelogin --login azurecli)")
            }
            _ => None,
        };
        match own {
            Some(own) => format!("{own}; otherwise {kubectl}"),
            None => kubectl,
        }
    }
}

async fn read_limited(pipe: Option<impl AsyncRead + Unpin>, into: &mut Vec<u8>) {
    if let Some(pipe) = pipe {
        let _ = pipe.take(MAX_OUTPUT).read_to_end(into).await;
    }
}

/// The last lines of standard error, trimmed and without control characters, so that a
/// diagnostic stays readable.
fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_control() || *c == '\t')
                .take(STDERR_LINE_CHARS)
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .filter(|line| !line.trim().is_empty())
        .collect();
    let start = lines.len().saturating_sub(STDERR_LINES);
    lines[start..]
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Deserialize)]
struct ExecCredentialOut {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    status: Option<StatusOut>,
}

#[derive(Deserialize)]
struct StatusOut {
    token: Option<String>,
    #[serde(rename = "clientCertificateData")]
    client_certificate_data: Option<String>,
    #[serde(rename = "clientKeyData")]
    client_key_data: Option<String>,
    #[serde(rename = "expirationTimestamp")]
    expiration_timestamp: Option<String>,
}

/// Reads the plugin's standard output. Errors describe its shape only: the output holds
/// the credential.
fn parse_credential(stdout: &[u8], api_version: &str) -> Result<Credential, String> {
    let out: ExecCredentialOut = serde_json::from_slice(stdout).map_err(|e| {
        format!(
            "its standard output is not an ExecCredential JSON object (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    if out.kind.as_deref().is_some_and(|k| k != "ExecCredential") {
        return Err("its output's kind is not ExecCredential".into());
    }
    match out.api_version.as_deref() {
        Some(v) if v == api_version => {}
        Some(v) => {
            return Err(format!(
                "it answered with apiVersion {v:?}, but the kubeconfig asked for {api_version:?}"
            ));
        }
        None => return Err("its output has no apiVersion".into()),
    }
    let status = out.status.ok_or("its output has no status")?;
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let token = nonempty(status.token);
    let client_certificate = match (
        nonempty(status.client_certificate_data),
        nonempty(status.client_key_data),
    ) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => {
            return Err(
                "status has only one of clientCertificateData and clientKeyData; both are needed"
                    .into(),
            );
        }
    };
    if token
        .as_deref()
        .is_some_and(|t| !super::config::valid_bearer(t))
    {
        return Err(
            "status.token holds characters an HTTP header cannot carry (a line break or control character)"
                .into(),
        );
    }
    if token.is_none() && client_certificate.is_none() {
        return Err("status has neither a token nor a client certificate".into());
    }
    let expires = match status.expiration_timestamp.filter(|t| !t.is_empty()) {
        None => None,
        Some(raw) => Some(
            raw.parse::<k8s_openapi::jiff::Timestamp>()
                .map(SystemTime::from)
                .map_err(|_| {
                    format!("status.expirationTimestamp {raw:?} is not an RFC 3339 time")
                })?,
        ),
    };
    Ok(Credential {
        token,
        client_certificate,
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "client.authentication.k8s.io/v1";

    #[test]
    fn a_token_with_an_expiry_is_read_and_expires() {
        let out = br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t0k3n","expirationTimestamp":"2030-01-02T03:04:05Z"}}"#;
        let cred = parse_credential(out, V1).expect("a credential");
        assert_eq!(cred.token.as_deref(), Some("t0k3n"));
        let expires = cred.expires.expect("an expiry");
        assert!(still_valid(cred.expires, expires - Duration::from_secs(1)));
        assert!(!still_valid(cred.expires, expires));
        assert!(still_valid(
            None,
            SystemTime::now() + Duration::from_secs(1 << 30)
        ));
        assert!(!format!("{cred:?}").contains("t0k3n"));
    }

    #[test]
    fn errors_describe_the_output_without_repeating_it() {
        let cases: &[(&[u8], &str)] = &[
            (b"token: s3cret", "not an ExecCredential JSON"),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"s3cret"}}"#,
                "asked for",
            ),
            (br#"{"apiVersion":"client.authentication.k8s.io/v1"}"#, "no status"),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1","status":{}}"#,
                "neither a token",
            ),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1","status":{"clientKeyData":"s3cret"}}"#,
                "both are needed",
            ),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"s3cret","expirationTimestamp":"soon"}}"#,
                "RFC 3339",
            ),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"s3cret\nmore"}}"#,
                "an HTTP header cannot carry",
            ),
        ];
        for (out, needle) in cases {
            let err = parse_credential(out, V1).expect_err("unusable");
            assert!(err.contains(needle), "{err}");
            assert!(!err.contains("s3cret"), "{err}");
        }
    }

    #[test]
    fn the_tail_of_stderr_is_kept_readable() {
        let mut text = String::new();
        for i in 0..30 {
            text.push_str(&format!("line {i}\n"));
        }
        text.push_str("\u{1b}[31mError: the SSO session has expired\u{1b}[0m\n\n");
        let tail = stderr_tail(text.as_bytes());
        assert_eq!(tail.lines().count(), STDERR_LINES);
        assert!(
            tail.ends_with("[31mError: the SSO session has expired[0m"),
            "{tail}"
        );
        assert!(!tail.contains("line 20\n"), "{tail}");
        assert_eq!(stderr_tail(b""), "");
    }

    fn plugin(command: &str, mode: Option<ExecInteractiveMode>) -> ExecPlugin {
        let exec = ExecConfig {
            api_version: Some(V1.into()),
            command: Some(command.into()),
            args: Some(vec!["--secret-arg".into()]),
            interactive_mode: mode,
            ..ExecConfig::default()
        };
        ExecPlugin::new(&exec, &kube::config::Cluster::default(), "prod").expect("valid")
    }

    #[tokio::test]
    async fn always_interactive_plugins_are_refused_before_running() {
        let err = plugin("/usr/local/bin/aws", Some(ExecInteractiveMode::Always))
            .run(Duration::from_secs(1))
            .await
            .expect_err("no terminal");
        let text = err.to_string();
        assert!(matches!(err, ExecError::NeedsTerminal { .. }), "{text}");
        assert!(text.contains("aws sso login"), "{text}");
        assert!(text.contains("kubectl --context prod"), "{text}");
        assert!(!text.contains("--secret-arg"), "{text}");
    }

    #[tokio::test]
    async fn a_missing_command_says_so_with_its_install_hint() {
        let exec = ExecConfig {
            api_version: Some(V1.into()),
            command: Some("kured-test-no-such-plugin".into()),
            install_hint: Some("install it from the vendor".into()),
            ..ExecConfig::default()
        };
        let err = ExecPlugin::new(&exec, &kube::config::Cluster::default(), "c")
            .expect("valid")
            .run(Duration::from_secs(5))
            .await
            .expect_err("not found");
        let text = err.to_string();
        assert!(text.contains("no such command on PATH"), "{text}");
        assert!(text.contains("install it from the vendor"), "{text}");
    }

    #[test]
    fn unsupported_configurations_are_named() {
        let base = ExecConfig {
            api_version: Some("client.authentication.k8s.io/v1alpha1".into()),
            command: Some("x".into()),
            ..ExecConfig::default()
        };
        let cluster = kube::config::Cluster::default();
        let err = ExecPlugin::new(&base, &cluster, "c")
            .err()
            .expect("v1alpha1");
        assert!(err.to_string().contains("v1alpha1 was removed"), "{err}");
        let no_command = ExecConfig {
            command: None,
            ..base.clone()
        };
        assert!(ExecPlugin::new(&no_command, &cluster, "c").is_err());
        let mut half_env = std::collections::HashMap::new();
        half_env.insert("name".to_owned(), "AWS_PROFILE".to_owned());
        let bad_env = ExecConfig {
            api_version: Some(V1.into()),
            env: Some(vec![half_env]),
            ..base
        };
        assert!(ExecPlugin::new(&bad_env, &cluster, "c").is_err());
    }
}
