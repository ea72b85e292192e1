//! Read-only access to a live Kubernetes cluster.
//!
//! - [`Cluster`] holds the settings and builds its `kube` client on first
//!   use, so stacks that never read the cluster never need one.
//! - Every request is a `GET` bounded by [`ClusterSettings::request_timeout`], and every
//!   answer by [`ClusterSettings::max_response_size`].
//! - Each read (a list per kind, namespace and selector; a get per object) is made once
//!   per provider process and shared by every data source that needs it.
//! - Objects come back as JSON; callers parse them with their own slim types.
//! - [`REQUIRED_RULES`] is the read-only ClusterRole the reads need.
//!
//! The modules below hold what kube 5.0 does differently from kubectl, or not at all:
//! `config` (kubeconfig to kube `Config`), `proxy` (HTTPS_PROXY, NO_PROXY, proxy-url),
//! `exec` (credential plugins), `transport` (timeouts, throttling, redirects, size cap),
//! `pager` (paged lists, 410), `shared` (one read per process).

mod config;
mod error;
mod exec;
mod kinds;
mod pager;
mod proxy;
mod shared;
mod size;
mod transport;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use kube::core::params::GetParams;
use serde_json::Value;

pub use config::KubeEnvironment;
pub use error::{CLUSTER_ROLE_HINT, ClusterError};
pub use exec::ExecError;
pub use kinds::{ListKind, PolicyRule, REQUIRED_RULES, required_cluster_role_yaml};
pub use proxy::ProxyEnv;
pub use size::{ByteSize, SizeError};

use shared::{Origin, Shared};
use transport::Limits;

/// Default for [`ClusterSettings::request_timeout`].
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Default for [`ClusterSettings::max_response_size`]. One list page of 500 pods as a
/// 1.33 API server returns them (managed fields, probes, environment, the projected
/// service account volume, a running container's status: about 8 KB a pod) measures
/// 3.8 MiB (`tests/cluster.rs`, `the_default_cap_holds_a_page_of_500_real_pods_many_times_over`);
/// 64 MiB holds such a page 16 times over, and pods four times as large (long
/// environments, big annotations) still four times, while the gigabyte answer of a
/// broken proxy is refused before the provider holds it in memory.
pub const DEFAULT_MAX_RESPONSE_SIZE: ByteSize = ByteSize(64 << 20);

/// Objects asked for per list request, as `kubectl`'s default chunk size.
pub const PAGE_SIZE: u32 = 500;

/// How the provider finds and talks to the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSettings {
    /// A kubeconfig file; a leading `~/` means the home directory. When
    /// unset, `KUBECONFIG`, then `~/.kube/config`, then the pod's service
    /// account are tried.
    pub kubeconfig_path: Option<String>,
    /// The kubeconfig context; the file's current-context when unset.
    pub context: Option<String>,
    /// The longest any single request may take: connecting, waiting out the server's
    /// `Retry-After`, reading the answer, and running an exec credential plugin.
    pub request_timeout: Duration,
    /// The largest answer the provider reads.
    pub max_response_size: ByteSize,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        Self {
            kubeconfig_path: None,
            context: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
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
    state: tokio::sync::Mutex<ConnectionState>,
    url: OnceLock<String>,
    lists: Shared<ListKey, Arc<Vec<Value>>>,
    objects: Shared<ObjectKey, Arc<Value>>,
}

/// The configuration, read once, and the client built from it. A failure is kept too:
/// a kubeconfig that cannot be used, or an exec plugin that failed, fails the same way
/// for every later read of this process instead of being retried by each data source.
#[derive(Default)]
struct ConnectionState {
    resolved: Option<Arc<config::Resolved>>,
    current: Option<Result<Arc<Connection>, ClusterError>>,
}

/// A client and what messages say about it.
struct Connection {
    client: kube::Client,
    url: String,
    origin: String,
    /// How requests reach the server (directly, or through which proxy), for messages.
    route: String,
    /// When the exec plugin's credential stops working; the client is then rebuilt.
    expires: Option<SystemTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ListKey {
    kind: ListKind,
    namespace: Option<String>,
    selector: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ObjectKey {
    kind: ListKind,
    namespace: Option<String>,
    name: String,
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
            state: tokio::sync::Mutex::new(ConnectionState::default()),
            url: OnceLock::new(),
            lists: Shared::default(),
            objects: Shared::default(),
        }
    }

    /// The settings this cluster was made with.
    pub fn settings(&self) -> &ClusterSettings {
        &self.settings
    }

    /// Builds the client now instead of at the first read, to report a
    /// configuration error early. Sends no request to the API server (but runs the
    /// kubeconfig's exec credential plugin, if it has one).
    pub async fn connect(&self) -> Result<(), ClusterError> {
        self.connection().await.map(|_| ())
    }

    /// The API server URL, once the client has been built.
    pub fn server_url(&self) -> Option<&str> {
        self.url.get().map(String::as_str)
    }

    /// The `apps/v1` DaemonSet `namespace/name`, with `kind` and
    /// `apiVersion` set.
    pub async fn daemonset_json(&self, namespace: &str, name: &str) -> Result<Value, ClusterError> {
        self.get_json(ListKind::DaemonSets, Some(namespace), name)
            .await
    }

    /// One object of `kind`; `namespace` is ignored for cluster-scoped kinds
    /// and required for the others. Read once per process.
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
        let key = ObjectKey {
            kind,
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
        };
        let (answer, origin) = self
            .objects
            .get_or_read(key, || self.read_object(kind, namespace, name))
            .await;
        if origin == Origin::Reused {
            tracing::debug!(%kind, namespace, name, "reused an earlier read of this process");
        }
        answer.map(|object| Value::clone(&object))
    }

    /// Every object of `kind`, in `namespace` or in all namespaces, that
    /// matches `label_selector` (Kubernetes selector syntax); `namespace` is
    /// ignored for cluster-scoped kinds. Reads page by
    /// page, [`PAGE_SIZE`] objects a request; each item gets its `kind` and
    /// `apiVersion`, which list responses leave out. A copy of [`Cluster::list_shared`].
    pub async fn list_json(
        &self,
        kind: ListKind,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>, ClusterError> {
        self.list_shared(kind, namespace, label_selector)
            .await
            .map(|items| items.as_ref().clone())
    }

    /// Like [`Cluster::list_json`], without copying: the list is read once per provider
    /// process and shared by everything that asks for the same kind, namespace and
    /// selector, including callers that ask while it is being read.
    pub async fn list_shared(
        &self,
        kind: ListKind,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Arc<Vec<Value>>, ClusterError> {
        let namespace = match namespace {
            Some(ns) if kind.namespaced() => Some(valid_name("namespace", ns)?),
            _ => None,
        };
        let selector = label_selector.filter(|s| !s.is_empty());
        let key = ListKey {
            kind,
            namespace: namespace.map(str::to_owned),
            selector: selector.map(str::to_owned),
        };
        let (answer, origin) = self
            .lists
            .get_or_read(key, || self.read_list(kind, namespace, selector))
            .await;
        if origin == Origin::Reused {
            tracing::debug!(
                %kind,
                namespace = namespace.unwrap_or("*"),
                selector = selector.unwrap_or(""),
                "reused an earlier list of this process"
            );
        }
        answer
    }

    async fn read_object(
        &self,
        kind: ListKind,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Arc<Value>, ClusterError> {
        let started = Instant::now();
        let target = Target {
            verb: "get",
            kind,
            namespace,
            name: Some(name),
            page: 1,
        };
        let result = async {
            let request = kube::core::Request::new(kind.collection_path(namespace))
                .get(name, &GetParams::default())
                .map_err(|e| ClusterError::InvalidName {
                    what: "name",
                    value: format!("{name} ({e})"),
                })?;
            let connection = self.connection().await?;
            let body = transport::fetch(&connection, &request, &target, self.limits()).await?;
            let mut object: Value = serde_json::from_slice(&body).map_err(|e| {
                invalid(
                    &connection,
                    &target,
                    format!("the body is not the expected JSON: {e}"),
                )
            })?;
            fill_type(&mut object, kind).map_err(|reason| invalid(&connection, &target, reason))?;
            Ok(Arc::new(object))
        }
        .await;
        log_read(&target, result.as_ref().map(|_| (1, 1)), started);
        result
    }

    async fn read_list(
        &self,
        kind: ListKind,
        namespace: Option<&str>,
        selector: Option<&str>,
    ) -> Result<Arc<Vec<Value>>, ClusterError> {
        let started = Instant::now();
        let result = pager::list(self, kind, namespace, selector).await;
        let target = Target {
            verb: "list",
            kind,
            namespace,
            name: None,
            page: 1,
        };
        log_read(
            &target,
            result.as_ref().map(|list| (list.items.len(), list.pages)),
            started,
        );
        result.map(|list| Arc::new(list.items))
    }

    fn limits(&self) -> Limits {
        Limits {
            timeout: self.settings.request_timeout,
            max_response_size: self.settings.max_response_size,
        }
    }

    /// The client to send with: built on first use, rebuilt when the exec plugin's
    /// credential has expired. Callers wait on each other, so a plugin runs once even
    /// when many data sources start at the same moment.
    async fn connection(&self) -> Result<Arc<Connection>, ClusterError> {
        let mut state = self.state.lock().await;
        match &state.current {
            Some(Ok(c)) if exec::still_valid(c.expires, SystemTime::now()) => {
                return Ok(Arc::clone(c));
            }
            Some(Err(e)) => return Err(e.clone()),
            Some(Ok(_)) => tracing::debug!("the exec plugin's credential has expired; renewing it"),
            None => {}
        }
        let built = self.build(&mut state).await.map(Arc::new);
        state.current = Some(built.clone());
        built
    }

    async fn build(&self, state: &mut ConnectionState) -> Result<Connection, ClusterError> {
        let resolved = match &state.resolved {
            Some(resolved) => Arc::clone(resolved),
            None => {
                let resolved = Arc::new(config::resolve(
                    self.settings.kubeconfig_path.as_deref(),
                    self.settings.context.as_deref(),
                    &self.env,
                )?);
                tracing::debug!(
                    origin = %resolved.origin,
                    context = resolved.context.as_deref().unwrap_or("(none)"),
                    server = %resolved.config.cluster_url,
                    namespace = %resolved.config.default_namespace,
                    credentials = %resolved.credentials,
                    route = %resolved.route,
                    request_timeout_ms = u64::try_from(self.settings.request_timeout.as_millis()).unwrap_or(u64::MAX),
                    max_response_size = %self.settings.max_response_size,
                    "kubeconfig resolved"
                );
                state.resolved = Some(Arc::clone(&resolved));
                resolved
            }
        };
        let mut config = resolved.config.clone();
        config::apply_timeouts(&mut config, self.settings.request_timeout);
        let url = config.cluster_url.to_string();
        let mut expires = None;
        if let Some(plugin) = &resolved.exec {
            let started = Instant::now();
            tracing::debug!(
                command = plugin.command(),
                "running the exec credential plugin"
            );
            let credential = plugin
                .run(self.settings.request_timeout)
                .await
                .map_err(|e| ClusterError::Exec(Box::new(e)))?;
            tracing::info!(
                command = plugin.command(),
                kind = if credential.token.is_some() { "token" } else { "client certificate" },
                expires = ?credential.expires,
                ms = elapsed_ms(started),
                "exec credential plugin gave a credential"
            );
            expires = credential.expires;
            if let Some(token) = credential.token {
                config.auth_info.token = Some(token.into());
            }
            if let Some((cert, key)) = credential.client_certificate {
                let b64 = base64::engine::general_purpose::STANDARD;
                config.auth_info.client_certificate_data = Some(b64.encode(cert));
                config.auth_info.client_key_data = Some(b64.encode(key).into());
            }
        }
        install_crypto_provider();
        let client = kube::Client::try_from(config).map_err(|e| ClusterError::ClientSetup {
            url: url.clone(),
            reason: transport::error_chain(&e),
        })?;
        let _ = self.url.set(url.clone());
        Ok(Connection {
            client,
            url,
            origin: resolved.origin.clone(),
            route: resolved.route.to_string(),
            expires,
        })
    }
}

/// One INFO line per read that went to the server; failures at INFO too, since the
/// diagnostic says the rest.
fn log_read(target: &Target<'_>, outcome: Result<(usize, usize), &ClusterError>, started: Instant) {
    let ms = elapsed_ms(started);
    let kind = target.kind.to_string();
    let namespace = match target.namespace {
        Some(ns) if target.kind.namespaced() => ns,
        _ if target.kind.namespaced() => "*",
        _ => "",
    };
    match outcome {
        Ok((objects, pages)) => tracing::info!(
            verb = target.verb,
            kind = %kind,
            namespace,
            name = target.name.unwrap_or(""),
            objects,
            pages,
            ms,
            "cluster read: {}: {objects} object(s) in {pages} page(s), {ms} ms",
            target.describe()
        ),
        Err(err) => tracing::info!(
            verb = target.verb,
            kind = %kind,
            namespace,
            name = target.name.unwrap_or(""),
            ms,
            failure = %err.title(),
            "cluster read failed: {}: {}",
            target.describe(),
            err.title()
        ),
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn invalid(connection: &Connection, target: &Target<'_>, reason: String) -> ClusterError {
    ClusterError::InvalidResponse {
        url: connection.url.clone(),
        request: target.describe(),
        reason,
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
