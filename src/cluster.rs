//! Read-only access to a live Kubernetes cluster.
//!
//! - [`Cluster`] holds the settings and builds its `kube` client on first
//!   use, so stacks that never read the cluster never need one.
//! - Every request is a `GET` bounded by [`ClusterSettings::request_timeout`].
//! - Objects come back as JSON; callers parse them with their own slim types.
//! - [`REQUIRED_RULES`] is the read-only ClusterRole the reads need.

mod config;
mod error;
mod kinds;

use std::time::Duration;

use kube::core::params::{GetParams, ListParams};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::OnceCell;

pub use config::KubeEnvironment;
pub use error::{CLUSTER_ROLE_HINT, ClusterError};
pub use kinds::{ListKind, PolicyRule, REQUIRED_RULES, required_cluster_role_yaml};

/// Default for [`ClusterSettings::request_timeout`].
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Objects asked for per list request, as `kubectl`'s default chunk size.
pub const PAGE_SIZE: u32 = 500;

/// Beyond this many pages a list is abandoned: a server that keeps handing
/// out continue tokens would otherwise keep the provider busy for ever.
const MAX_PAGES: usize = 10_000;

/// How the provider finds and talks to the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSettings {
    /// A kubeconfig file; a leading `~/` means the home directory. When
    /// unset, `KUBECONFIG`, then `~/.kube/config`, then the pod's service
    /// account are tried.
    pub kubeconfig_path: Option<String>,
    /// The kubeconfig context; the file's current-context when unset.
    pub context: Option<String>,
    /// The longest any single request may take, connecting included.
    pub request_timeout: Duration,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        Self {
            kubeconfig_path: None,
            context: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// A lazily connected, read-only view of one Kubernetes cluster.
///
/// The client, once built, belongs to the Tokio runtime it was built on:
/// keep a `Cluster` within one runtime (the provider's server has one).
pub struct Cluster {
    settings: ClusterSettings,
    env: KubeEnvironment,
    connection: OnceCell<Connection>,
}

struct Connection {
    client: kube::Client,
    url: String,
    origin: String,
}

/// One request, kept to name it in errors.
struct Target<'a> {
    verb: &'static str,
    kind: ListKind,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
    page: usize,
}

impl Target<'_> {
    fn describe(&self) -> String {
        let mut text = format!("{} {}", self.verb, self.kind);
        if let Some(name) = self.name {
            text.push_str(&format!(" \"{name}\""));
        }
        match self.namespace {
            Some(ns) if self.kind.namespaced() => text.push_str(&format!(" in namespace \"{ns}\"")),
            None if self.kind.namespaced() => text.push_str(" in all namespaces"),
            _ => {}
        }
        if self.page > 1 {
            text.push_str(&format!(" (page {})", self.page));
        }
        text
    }

    fn scope(&self) -> String {
        match self.namespace {
            Some(ns) if self.kind.namespaced() => format!("in namespace \"{ns}\""),
            _ => "at the cluster scope".to_owned(),
        }
    }
}

/// The parts of a list response the pager needs; items stay raw JSON.
#[derive(Deserialize)]
struct ListPage {
    #[serde(default)]
    metadata: ListPageMeta,
    #[serde(default)]
    items: Option<Vec<Value>>,
}

#[derive(Deserialize, Default)]
struct ListPageMeta {
    #[serde(default, rename = "continue")]
    continue_token: Option<String>,
}

impl Cluster {
    /// A cluster described by `settings` and this process's environment.
    /// Reads no file and opens no connection.
    pub fn new(settings: ClusterSettings) -> Self {
        Self::with_environment(settings, KubeEnvironment::from_process())
    }

    /// Like [`Cluster::new`], with the environment given explicitly.
    pub fn with_environment(settings: ClusterSettings, env: KubeEnvironment) -> Self {
        Self {
            settings,
            env,
            connection: OnceCell::new(),
        }
    }

    /// The settings this cluster was made with.
    pub fn settings(&self) -> &ClusterSettings {
        &self.settings
    }

    /// Builds the client now instead of at the first read, to report a
    /// configuration error early. Sends no request.
    pub async fn connect(&self) -> Result<(), ClusterError> {
        self.connection().await.map(|_| ())
    }

    /// The API server URL, once the client has been built.
    pub fn server_url(&self) -> Option<&str> {
        self.connection.get().map(|c| c.url.as_str())
    }

    /// The `apps/v1` DaemonSet `namespace/name`, with `kind` and
    /// `apiVersion` set.
    pub async fn daemonset_json(&self, namespace: &str, name: &str) -> Result<Value, ClusterError> {
        self.get_json(ListKind::DaemonSets, Some(namespace), name)
            .await
    }

    /// One object of `kind`; `namespace` is ignored for cluster-scoped kinds
    /// and required for the others.
    pub async fn get_json(
        &self,
        kind: ListKind,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, ClusterError> {
        let namespace = match namespace {
            Some(ns) if kind.namespaced() => Some(valid_name("namespace", ns)?),
            None if kind.namespaced() => {
                return Err(ClusterError::InvalidName {
                    what: "namespace",
                    value: String::new(),
                });
            }
            _ => None,
        };
        let name = valid_name("name", name)?;
        let target = Target {
            verb: "get",
            kind,
            namespace,
            name: Some(name),
            page: 1,
        };
        let request = kube::core::Request::new(kind.collection_path(namespace))
            .get(name, &GetParams::default())
            .map_err(|e| ClusterError::InvalidName {
                what: "name",
                value: format!("{name} ({e})"),
            })?;
        let mut object: Value = self.send(request, &target).await?;
        fill_type(&mut object, kind).map_err(|reason| self.invalid(&target, reason))?;
        Ok(object)
    }

    /// Every object of `kind`, in `namespace` or in all namespaces, that
    /// matches `label_selector` (Kubernetes selector syntax); `namespace` is
    /// ignored for cluster-scoped kinds. Reads page by
    /// page, [`PAGE_SIZE`] objects a request; each item gets its `kind` and
    /// `apiVersion`, which list responses leave out.
    pub async fn list_json(
        &self,
        kind: ListKind,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>, ClusterError> {
        let namespace = match namespace {
            Some(ns) if kind.namespaced() => Some(valid_name("namespace", ns)?),
            _ => None,
        };
        let path = kind.collection_path(namespace);
        let mut params = ListParams {
            label_selector: label_selector.filter(|s| !s.is_empty()).map(str::to_owned),
            limit: Some(PAGE_SIZE),
            ..ListParams::default()
        };
        let mut objects = Vec::new();
        for page in 1..=MAX_PAGES {
            let target = Target {
                verb: "list",
                kind,
                namespace,
                name: None,
                page,
            };
            let request = kube::core::Request::new(&path)
                .list(&params)
                .map_err(|e| self.invalid(&target, format!("cannot build the request: {e}")))?;
            let body: ListPage = self.send(request, &target).await?;
            for mut item in body.items.unwrap_or_default() {
                fill_type(&mut item, kind).map_err(|reason| self.invalid(&target, reason))?;
                objects.push(item);
            }
            match body.metadata.continue_token.filter(|t| !t.is_empty()) {
                None => return Ok(objects),
                Some(token) if params.continue_token.as_deref() == Some(token.as_str()) => {
                    return Err(
                        self.invalid(&target, "the server repeated its continue token".into())
                    );
                }
                Some(token) => params.continue_token = Some(token),
            }
        }
        let target = Target {
            verb: "list",
            kind,
            namespace,
            name: None,
            page: MAX_PAGES,
        };
        Err(self.invalid(&target, format!("still more pages after {MAX_PAGES}")))
    }

    async fn connection(&self) -> Result<&Connection, ClusterError> {
        self.connection
            .get_or_try_init(|| async {
                let resolved = config::resolve(
                    self.settings.kubeconfig_path.as_deref(),
                    self.settings.context.as_deref(),
                    &self.env,
                )
                .await?;
                let mut config = resolved.config;
                config::apply_timeouts(&mut config, self.settings.request_timeout);
                let url = config.cluster_url.to_string();
                install_crypto_provider();
                let client =
                    kube::Client::try_from(config).map_err(|e| ClusterError::ClientSetup {
                        url: url.clone(),
                        reason: error_chain(&e),
                    })?;
                Ok(Connection {
                    client,
                    url,
                    origin: resolved.origin,
                })
            })
            .await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: http::Request<Vec<u8>>,
        target: &Target<'_>,
    ) -> Result<T, ClusterError> {
        let connection = self.connection().await?;
        let timeout = self.settings.request_timeout;
        let text =
            match tokio::time::timeout(timeout, connection.client.request_text(request)).await {
                Err(_elapsed) => {
                    return Err(ClusterError::Timeout {
                        url: connection.url.clone(),
                        request: target.describe(),
                        timeout,
                    });
                }
                Ok(Err(e)) => return Err(classify(e, target, connection, timeout)),
                Ok(Ok(text)) => text,
            };
        serde_json::from_str(&text)
            .map_err(|e| self.invalid(target, format!("the body is not the expected JSON: {e}")))
    }

    fn invalid(&self, target: &Target<'_>, reason: String) -> ClusterError {
        ClusterError::InvalidResponse {
            url: self.server_url().unwrap_or("the API server").to_owned(),
            request: target.describe(),
            reason,
        }
    }
}

/// rustls panics when it has to pick a crypto provider by itself and more or
/// fewer than one is compiled in; choosing one explicitly avoids that. An
/// error only means a provider is already installed, which is as good.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Refuses names that Kubernetes would refuse anyway, so that a `/` or `?`
/// can never change the request path.
fn valid_name<'a>(what: &'static str, value: &'a str) -> Result<&'a str, ClusterError> {
    let bytes = value.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= 253
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric);
    if ok {
        Ok(value)
    } else {
        Err(ClusterError::InvalidName {
            what,
            value: value.to_owned(),
        })
    }
}

/// Sets `kind` and `apiVersion` where the server left them out.
fn fill_type(object: &mut Value, kind: ListKind) -> Result<(), String> {
    let Value::Object(map) = object else {
        return Err(format!("a {} is not a JSON object", kind.kind()));
    };
    map.entry("kind")
        .or_insert_with(|| Value::from(kind.kind()));
    map.entry("apiVersion")
        .or_insert_with(|| Value::from(kind.api_version()));
    Ok(())
}

fn classify(
    error: kube::Error,
    target: &Target<'_>,
    connection: &Connection,
    timeout: Duration,
) -> ClusterError {
    let request = target.describe();
    let url = connection.url.as_str();
    match error {
        kube::Error::Api(status) => match status.code {
            401 => ClusterError::Unauthorized {
                url: url.to_owned(),
                origin: connection.origin.clone(),
                request,
                message: status.message,
            },
            403 => ClusterError::Forbidden {
                verb: target.verb,
                resource: target.kind.to_string(),
                scope: target.scope(),
                message: status.message,
                hint: CLUSTER_ROLE_HINT,
            },
            404 => match (target.name, target.namespace) {
                (Some(name), namespace) => ClusterError::NotFound {
                    kind: target.kind.kind(),
                    resource: target.kind.to_string(),
                    namespace: namespace.unwrap_or_default().to_owned(),
                    name: name.to_owned(),
                },
                (None, _) => ClusterError::NotServed {
                    api_version: target.kind.api_version(),
                    resource: target.kind.resource(),
                    path: target.kind.collection_path(target.namespace),
                },
            },
            code => ClusterError::Server {
                request,
                status: code,
                reason: status.reason,
                message: status.message,
            },
        },
        kube::Error::SerdeError(e) => ClusterError::InvalidResponse {
            url: url.to_owned(),
            request,
            reason: e.to_string(),
        },
        kube::Error::FromUtf8(e) => ClusterError::InvalidResponse {
            url: url.to_owned(),
            request,
            reason: e.to_string(),
        },
        kube::Error::Auth(e) => ClusterError::ClientSetup {
            url: url.to_owned(),
            reason: format!("cannot obtain credentials: {}", error_chain(&e)),
        },
        other => {
            // kube's own wrapper adds only a type name to the message.
            let reason = match &other {
                kube::Error::Service(inner) => error_chain(inner.as_ref()),
                kube::Error::HyperError(inner) => error_chain(inner),
                _ => error_chain(&other),
            };
            match transport_failure(&other) {
                Transport::Tls => ClusterError::Tls {
                    url: url.to_owned(),
                    request,
                    reason,
                },
                Transport::TimedOut => ClusterError::Timeout {
                    url: url.to_owned(),
                    request,
                    timeout,
                },
                Transport::Other => ClusterError::Unreachable {
                    url: url.to_owned(),
                    request,
                    reason,
                },
            }
        }
    }
}

enum Transport {
    Tls,
    TimedOut,
    Other,
}

/// Looks through the error's causes for a TLS error or a socket timeout.
fn transport_failure(error: &(dyn std::error::Error + 'static)) -> Transport {
    let mut timed_out = false;
    let mut current = Some(error);
    while let Some(err) = current {
        if err.is::<rustls::Error>() {
            return Transport::Tls;
        }
        current = err.source();
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            // tokio-rustls reports a peer that hung up mid-handshake as a
            // bare io error, recognisable only by its text.
            if io.to_string().starts_with("tls handshake") {
                return Transport::Tls;
            }
            timed_out |= io.kind() == std::io::ErrorKind::TimedOut;
            // An io::Error's source() skips the error it wraps; step into it.
            if let Some(inner) = io.get_ref() {
                current = Some(inner);
            }
        }
    }
    if timed_out {
        Transport::TimedOut
    } else {
        Transport::Other
    }
}

/// The error and its causes in one line, skipping causes whose text the
/// outer message already contains.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(err) = current {
        let part = err.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        current = err.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_change_the_path_are_refused() {
        for bad in [
            "",
            "a/b",
            "../x",
            "x?y",
            "UPPER",
            "-x",
            "x-",
            "a b",
            &"a".repeat(254),
        ] {
            assert!(valid_name("name", bad).is_err(), "{bad:?} accepted");
        }
        for good in ["kured", "kube-system", "a.b-c", "0"] {
            assert!(valid_name("name", good).is_ok(), "{good:?} refused");
        }
    }

    #[test]
    fn list_items_get_their_type_without_overwriting() {
        let mut pod = serde_json::json!({"metadata": {"name": "p"}});
        fill_type(&mut pod, ListKind::Pods).expect("an object");
        assert_eq!(pod["kind"], "Pod");
        assert_eq!(pod["apiVersion"], "v1");
        let mut odd = serde_json::json!({"kind": "Other", "apiVersion": "x/v9"});
        fill_type(&mut odd, ListKind::PodDisruptionBudgets).expect("an object");
        assert_eq!(odd["kind"], "Other");
        assert!(fill_type(&mut Value::Null, ListKind::Pods).is_err());
    }

    #[test]
    fn requests_are_described_by_scope() {
        let t = Target {
            verb: "list",
            kind: ListKind::Pods,
            namespace: None,
            name: None,
            page: 2,
        };
        assert_eq!(t.describe(), "list pods in all namespaces (page 2)");
        assert_eq!(t.scope(), "at the cluster scope");
        let t = Target {
            verb: "get",
            kind: ListKind::DaemonSets,
            namespace: Some("kube-system"),
            name: Some("kured"),
            page: 1,
        };
        assert_eq!(
            t.describe(),
            "get daemonsets.apps \"kured\" in namespace \"kube-system\""
        );
        let t = Target {
            verb: "list",
            kind: ListKind::Nodes,
            namespace: Some("ignored"),
            name: None,
            page: 1,
        };
        assert_eq!(t.describe(), "list nodes");
    }

    #[test]
    fn a_cluster_can_be_shared_across_tasks() {
        fn send_sync<T: Send + Sync>(_: &T) {}
        fn send<T: Send>(_: &T) {}
        let cluster =
            Cluster::with_environment(ClusterSettings::default(), KubeEnvironment::default());
        send_sync(&cluster);
        send(&cluster.list_json(ListKind::Pods, None, None));
        send(&cluster.daemonset_json("a", "b"));
    }

    #[test]
    fn new_neither_reads_files_nor_connects() {
        let cluster = Cluster::with_environment(
            ClusterSettings {
                kubeconfig_path: Some("/nonexistent/kubeconfig".into()),
                ..ClusterSettings::default()
            },
            KubeEnvironment::default(),
        );
        assert!(cluster.server_url().is_none());
    }
}
