//! Finding the cluster the way kubectl does, and turning the kubeconfig into a kube
//! `Config`, without touching the process environment directly so that tests can
//! describe any machine.
//!
//! The `Config` is built here rather than by `kube::Config::from_custom_kubeconfig`,
//! which reads `HTTPS_PROXY` and `NO_PROXY` itself (see `proxy`) and would run the exec
//! plugin itself (see `exec`). Everything else is read as kube reads it: the server,
//! `certificate-authority(-data)`, `insecure-skip-tls-verify`, `tls-server-name`,
//! `disable-compression`, the context's namespace, and the user's credentials, which
//! kube's client then uses (tokens, token files, client certificates, basic auth).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use kube::config::{AuthInfo, Kubeconfig, KubeconfigError};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use secrecy::ExposeSecret;

use super::ClusterError;
use super::exec::ExecPlugin;
use super::proxy::{self, ProxyEnv, Route};
use crate::provider::ProviderModel;

/// The parts of the process environment that decide which cluster is used and how it
/// is reached.
///
/// [`KubeEnvironment::from_process`] reads them once; tests build one by
/// hand instead of changing the (process-wide) environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeEnvironment {
    /// The value of `KUBECONFIG`: one or more paths joined by the platform's
    /// path separator (`:` on Unix).
    pub kubeconfig: Option<OsString>,
    /// The home directory, for `~/.kube/config` and a leading `~/` in
    /// `kubeconfig_path`.
    pub home: Option<PathBuf>,
    /// Whether `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` are
    /// both set, i.e. this runs inside a pod.
    pub in_cluster: bool,
    /// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`.
    pub proxy: ProxyEnv,
}

impl KubeEnvironment {
    /// Reads the environment of this process.
    pub fn from_process() -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        Self {
            kubeconfig: std::env::var_os("KUBECONFIG"),
            home: std::env::home_dir(),
            in_cluster: set("KUBERNETES_SERVICE_HOST") && set("KUBERNETES_SERVICE_PORT"),
            proxy: ProxyEnv::from_process(),
        }
    }
}

/// A resolved configuration, and what the logs and messages say about it.
pub(super) struct Resolved {
    /// kube's configuration: no exec plugin, the proxy already decided.
    pub config: kube::Config,
    /// Where it came from: a kubeconfig path, or the pod's service account.
    pub origin: String,
    /// The kubeconfig context used, if any.
    pub context: Option<String>,
    /// How requests reach the server.
    pub route: Route,
    /// The credential plugin to run before the first request, if the user has one.
    pub exec: Option<ExecPlugin>,
    /// What kind of credentials are used, never their values: for DEBUG logs.
    pub credentials: String,
}

/// Picks the configuration in kubectl's order: an explicit file, else the
/// files in `KUBECONFIG`, else `~/.kube/config`, else the pod's service
/// account. Only files are read; nothing is contacted.
pub(super) fn resolve(
    kubeconfig_path: Option<&str>,
    context: Option<&str>,
    env: &KubeEnvironment,
) -> Result<Resolved, ClusterError> {
    let context = context.filter(|c| !c.is_empty());

    if let Some(raw) = kubeconfig_path.filter(|p| !p.is_empty()) {
        let path = expand_home(raw, env.home.as_deref());
        if !path.exists() {
            return Err(ClusterError::NoKubeconfig {
                searched: vec![format!(
                    "{} ({}; no such file)",
                    path.display(),
                    ProviderModel::kubeconfig_path
                )],
            });
        }
        let origin = path.display().to_string();
        let kubeconfig = read_file(&path)?;
        return from_kubeconfig(kubeconfig, origin, context, &env.proxy);
    }

    let mut searched = Vec::new();
    match env.kubeconfig.as_ref().filter(|v| !v.is_empty()) {
        Some(value) => {
            // kubectl skips missing entries of KUBECONFIG and never falls back
            // to ~/.kube/config while the variable is set.
            let existing: Vec<PathBuf> = std::env::split_paths(value)
                .filter(|p| !p.as_os_str().is_empty() && p.exists())
                .collect();
            if existing.is_empty() {
                searched.push(format!(
                    "KUBECONFIG={} (no such file)",
                    value.to_string_lossy()
                ));
            } else {
                let origin = existing
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(":");
                let mut merged = Kubeconfig::default();
                for path in &existing {
                    let next = read_file(path)?;
                    merged = merged
                        .merge(next)
                        .map_err(|e| ClusterError::InvalidKubeconfig {
                            origin: origin.clone(),
                            reason: e.to_string(),
                        })?;
                }
                return from_kubeconfig(
                    merged,
                    format!("from KUBECONFIG ({origin})"),
                    context,
                    &env.proxy,
                );
            }
        }
        None => match env.home.as_deref() {
            Some(home) => {
                let path = home.join(".kube").join("config");
                if path.exists() {
                    let kubeconfig = read_file(&path)?;
                    return from_kubeconfig(
                        kubeconfig,
                        path.display().to_string(),
                        context,
                        &env.proxy,
                    );
                }
                searched.push(format!("{} (no such file)", path.display()));
            }
            None => searched.push("~/.kube/config (no home directory)".to_owned()),
        },
    }

    match (env.in_cluster, context) {
        (true, None) => {
            let mut config = kube::Config::incluster().map_err(|e| ClusterError::InCluster {
                reason: e.to_string(),
            })?;
            // client-go applies the proxy variables to the in-cluster address too.
            let route = proxy::route(&config.cluster_url, None, &env.proxy).map_err(|e| {
                ClusterError::Proxy {
                    reason: e.to_string(),
                }
            })?;
            config.proxy_url = route.proxy_url().cloned();
            config.default_retry = false;
            Ok(Resolved {
                config,
                origin: "the pod's service account".to_owned(),
                context: None,
                route,
                exec: None,
                credentials: "the service account token".to_owned(),
            })
        }
        (true, Some(c)) => {
            searched.push(format!(
                "in-cluster service account (not used: {} \"{c}\" needs a kubeconfig)",
                ProviderModel::kubeconfig_context
            ));
            Err(ClusterError::NoKubeconfig { searched })
        }
        (false, _) => {
            searched
                .push("in-cluster service account (KUBERNETES_SERVICE_HOST is not set)".to_owned());
            Err(ClusterError::NoKubeconfig { searched })
        }
    }
}

/// Applies `timeout` to connecting, reading and writing, so that a stalled
/// socket fails as fast as the overall per-request deadline.
pub(super) fn apply_timeouts(config: &mut kube::Config, timeout: Duration) {
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
}

fn expand_home(raw: &str, home: Option<&Path>) -> PathBuf {
    match (raw.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(raw),
    }
}

fn read_file(path: &Path) -> Result<Kubeconfig, ClusterError> {
    Kubeconfig::read_from(path).map_err(|e| ClusterError::InvalidKubeconfig {
        origin: path.display().to_string(),
        reason: match e {
            // kube's message repeats the path in Debug form; ours already has it.
            KubeconfigError::ReadConfig(io, _) => format!("cannot read it: {io}"),
            other => other.to_string(),
        },
    })
}

fn from_kubeconfig(
    kubeconfig: Kubeconfig,
    origin: String,
    context: Option<&str>,
    proxy_env: &ProxyEnv,
) -> Result<Resolved, ClusterError> {
    let available: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    // Checked here rather than left to kube so the message can list the
    // contexts that do exist.
    let chosen = match context
        .map(str::to_owned)
        .or_else(|| kubeconfig.current_context.clone().filter(|c| !c.is_empty()))
    {
        Some(name) => name,
        None => return Err(ClusterError::NoContext { origin, available }),
    };
    let Some(selected) = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == chosen)
        .and_then(|c| c.context.clone())
    else {
        return Err(ClusterError::UnknownContext {
            context: chosen,
            origin,
            available,
        });
    };
    let invalid = |reason: String| ClusterError::InvalidKubeconfig {
        origin: origin.clone(),
        reason: format!("context \"{chosen}\": {reason}"),
    };
    let cluster = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == selected.cluster)
        .and_then(|c| c.cluster.clone())
        .ok_or_else(|| {
            invalid(format!(
                "it names cluster \"{}\", which is not defined",
                selected.cluster
            ))
        })?;
    // client-go does not fail on a missing user, and neither does kube.
    let mut user = selected
        .user
        .as_ref()
        .and_then(|name| kubeconfig.auth_infos.iter().find(|u| &u.name == name))
        .and_then(|u| u.auth_info.clone())
        .unwrap_or_default();
    let server = cluster
        .server
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid(format!("cluster \"{}\" has no server", selected.cluster)))?;
    let cluster_url: http::Uri = server
        .trim()
        .parse()
        .map_err(|e| invalid(format!("server {server:?} is not a URL: {e}")))?;
    let route =
        proxy::route(&cluster_url, cluster.proxy_url.as_deref(), proxy_env).map_err(|e| {
            ClusterError::Proxy {
                reason: e.to_string(),
            }
        })?;
    let exec = match user.exec.take() {
        Some(exec) => Some(
            ExecPlugin::new(&exec, &cluster, &chosen)
                .map_err(|e| ClusterError::Exec(Box::new(e)))?,
        ),
        None => None,
    };
    let credentials = describe_credentials(&user, exec.as_ref());
    if user.token.is_none()
        && let Some(path) = user.token_file.take()
    {
        // client-go trims the file (tokens written by `echo` end in a newline); kube
        // would send the newline and fail with "invalid bearer token". A provider
        // process lives for one Terraform command, so reading it once is enough.
        let token = std::fs::read_to_string(&path)
            .map_err(|e| invalid(format!("cannot read tokenFile {path}: {e}")))?;
        let token = token.trim();
        if token.is_empty() {
            return Err(invalid(format!("tokenFile {path} is empty")));
        }
        user.token = Some(token.to_owned().into());
    }
    if let Some(token) = &user.token
        && !valid_bearer(token.expose_secret())
    {
        return Err(invalid(
            "the user's token holds characters an HTTP header cannot carry (a line break or control character); check the token or tokenFile"
                .to_owned(),
        ));
    }

    let mut config = kube::Config::new(cluster_url);
    config.default_namespace = selected
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_owned());
    config.root_cert = certificate_authority(&cluster).map_err(invalid)?;
    config.accept_invalid_certs = cluster.insecure_skip_tls_verify.unwrap_or(false);
    config.disable_compression = cluster.disable_compression.unwrap_or(false);
    config.tls_server_name = cluster.tls_server_name.clone();
    config.proxy_url = route.proxy_url().cloned();
    config.auth_info = user;
    // 429 and 503 are retried by the provider itself, within request_timeout, so that it
    // can say when the server is throttling; kube's own retries would hide that.
    config.default_retry = false;
    Ok(Resolved {
        config,
        origin,
        context: Some(chosen),
        route,
        exec,
        credentials,
    })
}

/// Whether `token` can be sent as `Authorization: Bearer <token>`; kube panics on one
/// that cannot.
pub(super) fn valid_bearer(token: &str) -> bool {
    http::HeaderValue::from_str(&format!("Bearer {token}")).is_ok()
}

/// The certificate authorities of `certificate-authority-data` (which wins) or
/// `certificate-authority`, as DER.
fn certificate_authority(cluster: &kube::config::Cluster) -> Result<Option<Vec<Vec<u8>>>, String> {
    let pem = match (
        &cluster.certificate_authority_data,
        &cluster.certificate_authority,
    ) {
        (Some(data), _) => base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| format!("certificate-authority-data is not base64: {e}"))?,
        (None, Some(path)) => std::fs::read(path)
            .map_err(|e| format!("cannot read certificate-authority {path}: {e}"))?,
        (None, None) => return Ok(None),
    };
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(&pem)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the certificate authority is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err("the certificate authority holds no PEM CERTIFICATE".to_owned());
    }
    Ok(Some(certs))
}

/// Names the kinds of credentials in use, for DEBUG logs; never a value.
fn describe_credentials(user: &AuthInfo, exec: Option<&ExecPlugin>) -> String {
    let mut kinds = Vec::new();
    if let Some(exec) = exec {
        kinds.push(format!("exec plugin `{}`", exec.command()));
    }
    if user.token.is_some() {
        kinds.push("a bearer token".to_owned());
    } else if let Some(file) = &user.token_file {
        kinds.push(format!("the token file {file}"));
    }
    if user.client_certificate_data.is_some() || user.client_certificate.is_some() {
        kinds.push("a client certificate".to_owned());
    }
    if user.username.is_some() {
        kinds.push("a username and password".to_owned());
    }
    if let Some(provider) = &user.auth_provider {
        kinds.push(format!("auth-provider {}", provider.name));
    }
    if kinds.is_empty() {
        "no credentials".to_owned()
    } else {
        kinds.join(" and ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_expands_only_with_a_home() {
        let home = Path::new("/home/op");
        assert_eq!(
            expand_home("~/.kube/x", Some(home)),
            PathBuf::from("/home/op/.kube/x")
        );
        assert_eq!(expand_home("~/.kube/x", None), PathBuf::from("~/.kube/x"));
        assert_eq!(expand_home("/etc/kc", Some(home)), PathBuf::from("/etc/kc"));
    }
}
