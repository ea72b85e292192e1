//! What can go wrong when reading the cluster, each with the way to fix it.

use std::time::Duration;

use thiserror::Error;

use super::exec::ExecError;
use super::size::ByteSize;
// Messages name the provider's arguments by the constants its schema is built from.
use crate::provider::ProviderModel;

/// Where the README shows the read-only ClusterRole; quoted in 403 messages.
pub const CLUSTER_ROLE_HINT: &str = "the read-only ClusterRole in the README (section \"Live mode\") grants exactly what the provider reads";

/// A failure to configure, reach or read the Kubernetes cluster.
///
/// Every message names what failed and how to fix it, because it reaches
/// the user as a Terraform diagnostic with no other context; [`ClusterError::title`]
/// is the diagnostic's summary. Errors are `Clone` because one failed read answers
/// every data source that waited for it.
#[derive(Debug, Clone, Error)]
pub enum ClusterError {
    /// No kubeconfig file exists where kubectl would look, and the provider
    /// does not run inside a cluster.
    #[error(
        "no Kubernetes configuration found; looked in: {}. Set the provider's {path}, point KUBECONFIG at a kubeconfig file, or run Terraform inside a pod with a service account",
        searched.join(", "),
        path = ProviderModel::kubeconfig_path
    )]
    NoKubeconfig {
        /// Every place that was tried, in order.
        searched: Vec<String>,
    },

    /// A kubeconfig was found but cannot be read or used.
    #[error(
        "invalid kubeconfig {origin}: {reason}; fix the file or set {path} to a working one",
        path = ProviderModel::kubeconfig_path
    )]
    InvalidKubeconfig {
        /// The file(s) the configuration came from.
        origin: String,
        /// Why it is unusable.
        reason: String,
    },

    /// The requested context (or the kubeconfig's current-context) does not
    /// exist in the kubeconfig.
    #[error(
        "kubeconfig {origin} has no context named \"{context}\"; known contexts: {}. Set the provider's {attr} to one of them",
        if available.is_empty() { "none".to_owned() } else { available.join(", ") },
        attr = ProviderModel::kubeconfig_context
    )]
    UnknownContext {
        /// The context that was asked for.
        context: String,
        /// The file(s) searched.
        origin: String,
        /// The contexts the kubeconfig does define.
        available: Vec<String>,
    },

    /// The kubeconfig selects no context and none was configured.
    #[error(
        "kubeconfig {origin} sets no current-context; set the provider's {attr} to one of: {}",
        if available.is_empty() { "none defined".to_owned() } else { available.join(", ") },
        attr = ProviderModel::kubeconfig_context
    )]
    NoContext {
        /// The file(s) searched.
        origin: String,
        /// The contexts the kubeconfig does define.
        available: Vec<String>,
    },

    /// Running inside a pod, but the service account files are unusable.
    #[error(
        "in-cluster configuration failed: {reason}; mount a service account token into the pod or set {path}",
        path = ProviderModel::kubeconfig_path
    )]
    InCluster {
        /// Why the in-cluster configuration could not be loaded.
        reason: String,
    },

    /// `proxy-url` in the kubeconfig, or `HTTPS_PROXY`/`HTTP_PROXY`, cannot be used.
    #[error("{reason}; fix the proxy setting, or add the API server to NO_PROXY")]
    Proxy {
        /// What is wrong, naming the setting (credentials removed).
        reason: String,
    },

    /// The kubeconfig's exec credential plugin gave no credential.
    #[error("{0}")]
    Exec(Box<ExecError>),

    /// The client could not be built from an otherwise valid configuration
    /// (for example a certificate in the kubeconfig that does not parse).
    #[error(
        "cannot set up a Kubernetes client for {url}: {reason}; check the certificates and credentials in the kubeconfig"
    )]
    ClientSetup {
        /// The API server URL.
        url: String,
        /// Why the client could not be built.
        reason: String,
    },

    /// A namespace or object name that Kubernetes would never accept; refused
    /// before any request so that it cannot change the request path.
    #[error(
        "{what} {value:?} is not a valid Kubernetes name: use lowercase letters, digits, '-' and '.' (at most 253 characters)"
    )]
    InvalidName {
        /// `namespace` or `name`.
        what: &'static str,
        /// The value given.
        value: String,
    },

    /// Nothing answered at the API server's address.
    #[error(
        "cannot reach the Kubernetes API server at {url} ({route}) to {request}: {reason}; check the server address in the kubeconfig, the proxy settings (HTTPS_PROXY, NO_PROXY, proxy-url), and that the cluster is running and reachable from here"
    )]
    Unreachable {
        /// The API server URL.
        url: String,
        /// How it was reached: directly, or through which proxy.
        route: String,
        /// The request that failed, e.g. `list pods in all namespaces`.
        request: String,
        /// The transport error.
        reason: String,
    },

    /// The TLS handshake with the API server failed.
    #[error(
        "TLS handshake with the Kubernetes API server at {url} failed while trying to {request}: {reason}; check the server URL (https vs http) and the certificate-authority data in the kubeconfig"
    )]
    Tls {
        /// The API server URL.
        url: String,
        /// The request that failed.
        request: String,
        /// The TLS error.
        reason: String,
    },

    /// HTTP 401: the credentials were rejected.
    #[error(
        "the Kubernetes API server at {url} rejected the credentials from {origin} (401 Unauthorized) when asked to {request}: {message}; renew them (log in again, or refresh the token or client certificate)"
    )]
    Unauthorized {
        /// The API server URL.
        url: String,
        /// Where the credentials came from (a kubeconfig path or the pod's
        /// service account).
        origin: String,
        /// The request that failed.
        request: String,
        /// The server's message.
        message: String,
    },

    /// HTTP 403: the identity lacks a permission.
    #[error(
        "permission denied (403 Forbidden): the provider's identity may not {verb} {resource} {scope}: {message}. Grant verbs get and list on {resource}; {hint}"
    )]
    Forbidden {
        /// The verb that was refused (`get` or `list`).
        verb: &'static str,
        /// The group-qualified resource, e.g. `daemonsets.apps`.
        resource: String,
        /// `in namespace "x"` or `at the cluster scope`.
        scope: String,
        /// The server's message.
        message: String,
        /// Where to find the role to grant.
        hint: &'static str,
    },

    /// HTTP 404 on a single object.
    #[error(
        "{kind} \"{name}\" not found in namespace \"{namespace}\"; check the namespace and name (kubectl get {resource} -n {namespace})"
    )]
    NotFound {
        /// The object's kind, e.g. `DaemonSet`.
        kind: &'static str,
        /// The resource name used by kubectl, e.g. `daemonsets.apps`.
        resource: String,
        /// The namespace searched.
        namespace: String,
        /// The name searched.
        name: String,
    },

    /// HTTP 404 on a collection: the cluster does not serve this API.
    #[error(
        "the Kubernetes API server does not serve {api_version} {resource} (404 on {path}); the cluster is too old or the API is disabled"
    )]
    NotServed {
        /// The API version asked for, e.g. `policy/v1`.
        api_version: &'static str,
        /// The resource, e.g. `poddisruptionbudgets`.
        resource: &'static str,
        /// The request path.
        path: String,
    },

    /// The request did not complete within the configured timeout.
    #[error(
        "request to {request} got no complete answer from {url} within {}; check that the API server is healthy, or raise the provider's {attr}",
        human_duration(*timeout),
        attr = ProviderModel::request_timeout
    )]
    Timeout {
        /// The API server URL.
        url: String,
        /// The request that timed out.
        request: String,
        /// The configured timeout.
        timeout: Duration,
    },

    /// HTTP 429 (or 503 with `Retry-After`) until `request_timeout` ran out.
    #[error(
        "the Kubernetes API server is throttling requests: it answered {status} to the request to {request} {attempts} time(s){}{}. Its API Priority and Fairness limits are reached; retry later, or ask the cluster's operators about the provider's priority level. Raising request_timeout only helps when Retry-After is shorter than it",
        retry_after.map(|r| format!(" (last Retry-After: {})", human_duration(r))).unwrap_or_else(|| " without Retry-After".to_owned()),
        if *gave_up_early { format!(", longer than what is left of request_timeout ({})", human_duration(*timeout)) } else { format!(" within request_timeout ({})", human_duration(*timeout)) }
    )]
    Throttled {
        /// The request that was throttled.
        request: String,
        /// The last status, `429 Too Many Requests` or `503 Service Unavailable`.
        status: String,
        /// Requests sent.
        attempts: u32,
        /// The last `Retry-After`, if the server sent one.
        retry_after: Option<Duration>,
        /// Whether the provider stopped because the wait would pass the deadline.
        gave_up_early: bool,
        /// The configured timeout.
        timeout: Duration,
    },

    /// A response larger than `max_response_size`.
    #[error(
        "the Kubernetes API server's answer to the request to {request} is larger than max_response_size ({limit}){}; the provider stopped reading it. Raise the provider's max_response_size if the cluster really holds objects this large, or read fewer objects (for kured_pdb_coverage, set namespaces)",
        announced.map(|a| format!(": it announced {a}")).unwrap_or_default()
    )]
    TooLarge {
        /// The request.
        request: String,
        /// The configured cap.
        limit: ByteSize,
        /// The `Content-Length`, when the server sent one.
        announced: Option<ByteSize>,
    },

    /// A 3xx answer. Redirects are not followed: an API server never sends one, so it
    /// comes from something in between (a login portal, a load balancer).
    #[error(
        "the request to {request} was redirected ({status}) to {}; the provider does not follow redirects, since a Kubernetes API server never sends one. Point the kubeconfig's server at the API server itself (something between, such as a login portal or load balancer, answered instead)",
        location.as_deref().unwrap_or("no Location")
    )]
    Redirected {
        /// The request.
        request: String,
        /// e.g. `302 Found`.
        status: String,
        /// The `Location` header.
        location: Option<String>,
    },

    /// HTTP 410 during a paged list, twice: the list changed faster than it could be read.
    #[error(
        "the list {request} expired twice while it was read page by page (410 Gone: {message}); the provider restarted it once from the first page, as kubectl does. The cluster's objects change faster than they can be listed: retry later"
    )]
    ListExpired {
        /// The list request.
        request: String,
        /// The server's message.
        message: String,
    },

    /// Any other error status from the server.
    #[error("the Kubernetes API server answered {status}{} to the request to {request}: {message}; retry later, and check the API server's health if it persists", if reason.is_empty() { String::new() } else { format!(" ({reason})") })]
    Server {
        /// The request that failed.
        request: String,
        /// HTTP status code (0 when the server sent none).
        status: u16,
        /// The machine-readable reason, e.g. `InternalError`.
        reason: String,
        /// The server's message.
        message: String,
    },

    /// The server answered 2xx with a body that is not the expected JSON.
    #[error(
        "unexpected answer from the Kubernetes API server to the request to {request}: {reason}; is {url} really a Kubernetes API server?"
    )]
    InvalidResponse {
        /// The API server URL.
        url: String,
        /// The request that failed.
        request: String,
        /// Why the body was rejected.
        reason: String,
    },
}

impl ClusterError {
    /// Whether the failure belongs to one request (so a summary may name it), rather
    /// than to the configuration every request shares.
    pub fn is_per_request(&self) -> bool {
        matches!(
            self,
            ClusterError::Unreachable { .. }
                | ClusterError::Tls { .. }
                | ClusterError::Timeout { .. }
                | ClusterError::Throttled { .. }
                | ClusterError::TooLarge { .. }
                | ClusterError::Redirected { .. }
                | ClusterError::ListExpired { .. }
                | ClusterError::Server { .. }
                | ClusterError::InvalidResponse { .. }
                | ClusterError::NotServed { .. }
                | ClusterError::Unauthorized { .. }
        )
    }

    /// The diagnostic's summary: what failed, in a few words.
    pub fn title(&self) -> String {
        match self {
            ClusterError::NoKubeconfig { .. }
            | ClusterError::InvalidKubeconfig { .. }
            | ClusterError::UnknownContext { .. }
            | ClusterError::NoContext { .. }
            | ClusterError::InCluster { .. }
            | ClusterError::ClientSetup { .. } => {
                "cannot configure access to the Kubernetes cluster".to_owned()
            }
            ClusterError::Proxy { .. } => "the proxy setting cannot be used".to_owned(),
            ClusterError::Exec(_) => {
                "authentication failed: the exec credential plugin gave no credential".to_owned()
            }
            ClusterError::InvalidName { what, .. } => format!("invalid Kubernetes {what}"),
            ClusterError::Unreachable { .. } => "cannot reach the Kubernetes API server".to_owned(),
            ClusterError::Tls { .. } => {
                "TLS handshake with the Kubernetes API server failed".to_owned()
            }
            ClusterError::Unauthorized { .. } => {
                "authentication failed: the Kubernetes API server rejected the credentials"
                    .to_owned()
            }
            ClusterError::Forbidden { verb, resource, .. } => {
                format!("permission denied: the provider may not {verb} {resource}")
            }
            ClusterError::NotFound {
                kind,
                namespace,
                name,
                ..
            } => format!("{kind} {namespace}/{name} not found"),
            ClusterError::NotServed { resource, .. } => {
                format!("the cluster does not serve {resource}")
            }
            ClusterError::Timeout { .. } => {
                "the Kubernetes API server did not answer in time".to_owned()
            }
            ClusterError::Throttled { .. } => {
                "throttled: the Kubernetes API server is rate-limiting the provider".to_owned()
            }
            ClusterError::TooLarge { .. } => {
                "response too large: the answer exceeds max_response_size".to_owned()
            }
            ClusterError::Redirected { .. } => {
                "redirected: something other than the API server answered".to_owned()
            }
            ClusterError::ListExpired { .. } => {
                "the list expired while it was read (410 Gone)".to_owned()
            }
            ClusterError::Server { status, .. } => {
                format!("the Kubernetes API server failed ({status})")
            }
            ClusterError::InvalidResponse { .. } => {
                "unexpected answer from the Kubernetes API server".to_owned()
            }
        }
    }
}

/// Formats a timeout the way a user wrote it: `30s`, `1.5s`, `250ms`.
pub(super) fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.3}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_terraform_values() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.500s");
    }

    #[test]
    fn unknown_context_lists_the_known_ones() {
        let err = ClusterError::UnknownContext {
            context: "prod".into(),
            origin: "/tmp/kc".into(),
            available: vec!["dev".into(), "staging".into()],
        };
        let text = err.to_string();
        assert!(text.contains("\"prod\""), "{text}");
        assert!(text.contains("dev, staging"), "{text}");
        assert!(
            text.contains("Set the provider's kubeconfig_context to one of them"),
            "{text}"
        );
    }
}
