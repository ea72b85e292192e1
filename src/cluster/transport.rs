//! One request to the API server and its answer, within `request_timeout`:
//!
//! - the whole exchange, connecting, waiting for `Retry-After` and reading the body, has
//!   one deadline;
//! - `429 Too Many Requests` (and `503` with `Retry-After`) is retried after the wait the
//!   server asks for, while that fits before the deadline, as client-go retries it; when
//!   it does not, the error says the server is throttling;
//! - a redirect is reported with its status and target, never followed;
//! - a body larger than `max_response_size` is refused, from its `Content-Length` when it
//!   has one and as soon as it grows past the cap otherwise;
//! - every other status becomes the [`ClusterError`] that names it.

use std::time::Duration;

use http::{HeaderMap, Response, StatusCode};
use http_body_util::BodyExt;
use kube::client::Body;
use serde::Deserialize;
use tokio::time::Instant;

use super::size::ByteSize;
use super::{CLUSTER_ROLE_HINT, ClusterError, Connection, Target};

/// client-go's limit on retries of one request.
const MAX_ATTEMPTS: u32 = 10;

/// Error bodies are short `Status` objects; more is not read.
const MAX_ERROR_BODY: u64 = 64 << 10;

/// How long to wait when a 429 carries a `Retry-After` that is not a number of seconds.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The limits every request runs under.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub timeout: Duration,
    pub max_response_size: ByteSize,
}

/// Sends `request` (a `GET` built by the caller) and returns the body of a 2xx answer.
pub(super) async fn fetch(
    connection: &Connection,
    request: &http::Request<Vec<u8>>,
    target: &Target<'_>,
    limits: Limits,
) -> Result<Vec<u8>, ClusterError> {
    let deadline = Instant::now() + limits.timeout;
    let timed_out = || ClusterError::Timeout {
        url: connection.url.clone(),
        request: target.describe(),
        timeout: limits.timeout,
    };
    let mut attempts = 0;
    loop {
        attempts += 1;
        let sent = connection.client.send(copy(request));
        let response = match tokio::time::timeout_at(deadline, sent).await {
            Err(_elapsed) => return Err(timed_out()),
            Ok(Err(e)) => return Err(transport_error(e, target, connection, limits.timeout)),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status.is_success() {
            return read_body(
                response,
                limits.max_response_size,
                deadline,
                target,
                connection,
            )
            .await
            .map_err(|e| e.into_error(target, connection, limits));
        }
        if status.is_redirection() {
            return Err(ClusterError::Redirected {
                request: target.describe(),
                status: status_text(status),
                location: header(response.headers(), http::header::LOCATION),
            });
        }
        let retry_after =
            header(response.headers(), http::header::RETRY_AFTER).map(|v| parse_retry_after(&v));
        let throttled = status == StatusCode::TOO_MANY_REQUESTS
            || (status == StatusCode::SERVICE_UNAVAILABLE && retry_after.is_some());
        if throttled {
            match retry_after {
                Some(wait) if attempts < MAX_ATTEMPTS && Instant::now() + wait < deadline => {
                    tracing::debug!(
                        request = %target.describe(),
                        status = status.as_u16(),
                        retry_after_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        attempt = attempts,
                        "the API server asked to retry later; waiting"
                    );
                    tokio::time::sleep(wait).await;
                    continue;
                }
                _ => {
                    return Err(ClusterError::Throttled {
                        request: target.describe(),
                        status: status_text(status),
                        attempts,
                        retry_after,
                        gave_up_early: retry_after.is_some() && attempts < MAX_ATTEMPTS,
                        timeout: limits.timeout,
                    });
                }
            }
        }
        let cap = ByteSize(MAX_ERROR_BODY.min(limits.max_response_size.0));
        let body = read_body(response, cap, deadline, target, connection)
            .await
            .unwrap_or_default();
        return Err(status_error(status, &body, target, connection));
    }
}

/// `http::Request` is not `Clone`; a retry sends a copy of the first.
fn copy(request: &http::Request<Vec<u8>>) -> http::Request<Body> {
    let mut copy = http::Request::new(Body::from(request.body().clone()));
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

fn header(headers: &HeaderMap, name: http::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// `Retry-After` in seconds, as the API server sends it; an HTTP date, which it never
/// sends, counts as one second.
fn parse_retry_after(value: &str) -> Duration {
    value
        .parse::<u64>()
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_RETRY_AFTER)
}

/// Why a body could not be read.
enum BodyError {
    TooLarge { announced: Option<ByteSize> },
    TimedOut,
    Transport(kube::Error),
}

impl BodyError {
    fn into_error(
        self,
        target: &Target<'_>,
        connection: &Connection,
        limits: Limits,
    ) -> ClusterError {
        match self {
            BodyError::TooLarge { announced } => ClusterError::TooLarge {
                request: target.describe(),
                limit: limits.max_response_size,
                announced,
            },
            BodyError::TimedOut => ClusterError::Timeout {
                url: connection.url.clone(),
                request: target.describe(),
                timeout: limits.timeout,
            },
            BodyError::Transport(e) => transport_error(e, target, connection, limits.timeout),
        }
    }
}

async fn read_body(
    response: Response<Body>,
    cap: ByteSize,
    deadline: Instant,
    target: &Target<'_>,
    connection: &Connection,
) -> Result<Vec<u8>, BodyError> {
    let announced = header(response.headers(), http::header::CONTENT_LENGTH)
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = announced.filter(|l| *l > cap.0) {
        return Err(BodyError::TooLarge {
            announced: Some(ByteSize(length)),
        });
    }
    let capacity = usize::try_from(announced.unwrap_or(0).min(cap.0)).unwrap_or(0);
    let mut body = response.into_body();
    let mut bytes = Vec::with_capacity(capacity);
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_elapsed) => return Err(BodyError::TimedOut),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(BodyError::Transport(e)),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if bytes.len() as u64 + data.len() as u64 > cap.0 {
                tracing::debug!(
                    request = %target.describe(),
                    server = %connection.url,
                    read = bytes.len() + data.len(),
                    "response larger than the cap; stopped reading"
                );
                return Err(BodyError::TooLarge { announced: None });
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

/// The `Status` object an API server sends with an error.
#[derive(Deserialize, Default)]
struct StatusBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
}

fn status_error(
    status: StatusCode,
    body: &[u8],
    target: &Target<'_>,
    connection: &Connection,
) -> ClusterError {
    let parsed: StatusBody = serde_json::from_slice(body).unwrap_or_else(|_| StatusBody {
        reason: String::new(),
        // Not a Status: something else answered (a proxy, a load balancer). Show its start.
        message: String::from_utf8_lossy(body)
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect(),
    });
    let request = target.describe();
    match status.as_u16() {
        401 => ClusterError::Unauthorized {
            url: connection.url.clone(),
            origin: connection.origin.clone(),
            request,
            message: parsed.message,
        },
        403 => ClusterError::Forbidden {
            verb: target.verb,
            resource: target.kind.to_string(),
            scope: target.scope(),
            message: parsed.message,
            hint: CLUSTER_ROLE_HINT,
        },
        404 => match target.name {
            Some(name) => ClusterError::NotFound {
                kind: target.kind.kind(),
                resource: target.kind.to_string(),
                namespace: target.namespace.unwrap_or_default().to_owned(),
                name: name.to_owned(),
            },
            None => ClusterError::NotServed {
                api_version: target.kind.api_version(),
                resource: target.kind.resource(),
                path: target.kind.collection_path(target.namespace),
            },
        },
        code => ClusterError::Server {
            request,
            status: code,
            reason: parsed.reason,
            message: parsed.message,
        },
    }
}

/// A failure below HTTP: connecting, the proxy, TLS, or the credentials kube loads.
fn transport_error(
    error: kube::Error,
    target: &Target<'_>,
    connection: &Connection,
    timeout: Duration,
) -> ClusterError {
    let request = target.describe();
    let url = connection.url.clone();
    if let Some(auth) = auth_failure(&error) {
        return ClusterError::ClientSetup {
            url,
            reason: format!("cannot obtain credentials: {}", error_chain(auth)),
        };
    }
    // kube's own wrapper adds only a type name to the message.
    let reason = match &error {
        kube::Error::Service(inner) => error_chain(inner.as_ref()),
        kube::Error::HyperError(inner) => error_chain(inner),
        other => error_chain(other),
    };
    match transport_failure(&error) {
        Transport::Tls => ClusterError::Tls {
            url,
            request,
            reason,
        },
        Transport::TimedOut => ClusterError::Timeout {
            url,
            request,
            timeout,
        },
        Transport::Other => {
            // hyper-util says only "tunnel error: unsuccessful" when the proxy answers
            // CONNECT with anything but 200; say what that usually means.
            let reason = if reason.contains("tunnel error") {
                format!(
                    "{reason} (the proxy refused to open a connection to the API server: check the credentials in the proxy URL, user:password@host, and that the proxy allows CONNECT to this port)"
                )
            } else {
                reason
            };
            ClusterError::Unreachable {
                url,
                route: connection.route.clone(),
                request,
                reason,
            }
        }
    }
}

/// kube's credential layer (token files, client certificates) reports through the
/// service stack, so its errors can sit anywhere in the chain.
fn auth_failure(error: &kube::Error) -> Option<&(dyn std::error::Error + 'static)> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(err) = current {
        if err.is::<kube::client::AuthError>() {
            return Some(err);
        }
        current = err.source();
    }
    None
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
pub(super) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
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
    fn retry_after_is_read_in_seconds() {
        assert_eq!(parse_retry_after("3"), Duration::from_secs(3));
        assert_eq!(parse_retry_after("0"), Duration::ZERO);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            DEFAULT_RETRY_AFTER
        );
    }

    #[test]
    fn statuses_read_as_users_know_them() {
        assert_eq!(status_text(StatusCode::FOUND), "302 Found");
        assert_eq!(
            status_text(StatusCode::TOO_MANY_REQUESTS),
            "429 Too Many Requests"
        );
    }
}
