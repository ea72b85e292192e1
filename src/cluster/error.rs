//! What can go wrong when reading the cluster, each with the way to fix it.

use std::time::Duration;

use thiserror::Error;

// Messages name the provider's arguments by the constants its schema is built from.
use crate::provider::ProviderModel;

/// Where the README shows the read-only ClusterRole; quoted in 403 messages.
pub const CLUSTER_ROLE_HINT: &str = "the read-only ClusterRole in the README (section \"Live mode\") grants exactly what the provider reads";

/// A failure to configure, reach or read the Kubernetes cluster.
///
/// Every message names what failed and how to fix it, because it reaches
/// the user as a Terraform diagnostic with no other context.
#[derive(Debug, Error)]
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
        "cannot reach the Kubernetes API server at {url} to {request}: {reason}; check the server address in the kubeconfig and that the cluster is running and reachable from here"
    )]
    Unreachable {
        /// The API server URL.
        url: String,
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

/// Formats a timeout the way a user wrote it: `30s`, `1.5s`, `250ms`.
fn human_duration(d: Duration) -> String {
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
