//! A fake Kubernetes API server on loopback, for tests of live mode.
//!
//! - [`FakeApiServer::start`] serves fixture objects over plain HTTP/1.1 on
//!   `127.0.0.1` and an ephemeral port, from its own threads, so it keeps
//!   answering while a test waits on a `terraform` child process.
//!   [`FakeApiServer::start_with`] serves HTTPS instead ([`Tls`]: a certificate from a
//!   test CA, and client certificates checked against a CA) and checks credentials
//!   ([`Auth`]: bearer tokens, client certificates), answering 401 otherwise.
//! - It answers discovery (`/version`, `/api`, `/apis`, group versions) and
//!   `GET` list/get of the kinds the provider reads, cluster-wide and per
//!   namespace, with label selectors and `limit`/`continue` paging.
//! - [`FakeApiServer::fault`] makes every request under a path prefix fail:
//!   an error status with a Kubernetes `Status` body, a delay, a hang, a
//!   connection closed without an answer, throttling with `Retry-After`, `410 Gone`,
//!   a redirect, or a huge body. [`FakeApiServer::fault_when`] limits a fault to
//!   the first few requests, or to requests that carry a continue token.
//! - Every request is recorded ([`FakeApiServer::requests`]) so a test can
//!   count pages, check that no write verb was sent, and see which credential and
//!   which proxy (`Via`) it came with.
//! - [`write_kubeconfig`] writes a kubeconfig pointing at the server, and
//!   [`FakeApiServer::closed_port`] gives a URL nothing listens on.
//!
//! The server stops when dropped.

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Map, Value, json};

/// The `resourceVersion` every list answers with.
pub const RESOURCE_VERSION: &str = "424242";

/// Longest request head the server reads; anything longer is dropped.
const MAX_HEAD: usize = 64 * 1024;

/// How long a connection may sit idle before its thread gives up on it.
const IDLE: Duration = Duration::from_secs(10);

/// One served kind: API group, version, resource, kind, namespaced.
struct Served {
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
}

const SERVED: &[Served] = &[
    Served {
        group: "",
        version: "v1",
        resource: "pods",
        kind: "Pod",
        namespaced: true,
    },
    Served {
        group: "",
        version: "v1",
        resource: "nodes",
        kind: "Node",
        namespaced: false,
    },
    Served {
        group: "",
        version: "v1",
        resource: "replicationcontrollers",
        kind: "ReplicationController",
        namespaced: true,
    },
    Served {
        group: "apps",
        version: "v1",
        resource: "daemonsets",
        kind: "DaemonSet",
        namespaced: true,
    },
    Served {
        group: "apps",
        version: "v1",
        resource: "deployments",
        kind: "Deployment",
        namespaced: true,
    },
    Served {
        group: "apps",
        version: "v1",
        resource: "statefulsets",
        kind: "StatefulSet",
        namespaced: true,
    },
    Served {
        group: "apps",
        version: "v1",
        resource: "replicasets",
        kind: "ReplicaSet",
        namespaced: true,
    },
    Served {
        group: "policy",
        version: "v1",
        resource: "poddisruptionbudgets",
        kind: "PodDisruptionBudget",
        namespaced: true,
    },
];

impl Served {
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn holds(&self, object: &Value) -> bool {
        object["kind"] == self.kind && object["apiVersion"] == self.api_version().as_str()
    }
}

/// What to do instead of answering normally.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this HTTP status and a Kubernetes `Status` body.
    Status {
        /// HTTP status code, repeated in the body's `code`.
        code: u16,
        /// The body's `reason`, e.g. `Forbidden`.
        reason: String,
        /// The body's `message`.
        message: String,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Never answer; the connection stays open until the server stops.
    Hang,
    /// Close the connection without answering.
    Close,
    /// `429 Too Many Requests`, with `Retry-After: <seconds>` when given, as API
    /// Priority and Fairness answers.
    Throttle {
        /// The `Retry-After` header, in seconds.
        retry_after: Option<u64>,
    },
    /// A redirect with this status and `Location`, as a login portal answers.
    Redirect {
        /// e.g. 302.
        code: u16,
        /// The `Location` header.
        location: String,
    },
    /// `200 OK` with a body of `bytes` bytes, announced in `Content-Length` or sent
    /// chunked; written until the client hangs up.
    Huge {
        /// Body size.
        bytes: u64,
        /// Whether `Content-Length` announces it.
        announced: bool,
    },
}

impl Fault {
    /// 403 as the RBAC authorizer words it, e.g. `pods is forbidden: User
    /// "x" cannot list resource "pods" in API group "" at the cluster scope`.
    pub fn forbidden(
        user: &str,
        verb: &str,
        resource: &str,
        group: &str,
        namespace: Option<&str>,
    ) -> Fault {
        let qualified = if group.is_empty() {
            resource.to_owned()
        } else {
            format!("{resource}.{group}")
        };
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_owned(),
        };
        Fault::Status {
            code: 403,
            reason: "Forbidden".to_owned(),
            message: format!(
                "{qualified} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}"
            ),
        }
    }

    /// 401 as the API server answers an unknown or expired token.
    pub fn unauthorized() -> Fault {
        Fault::Status {
            code: 401,
            reason: "Unauthorized".to_owned(),
            message: "Unauthorized".to_owned(),
        }
    }

    /// 500 with an internal error message.
    pub fn internal(message: &str) -> Fault {
        Fault::Status {
            code: 500,
            reason: "InternalError".to_owned(),
            message: format!("Internal error occurred: {message}"),
        }
    }

    /// 410 as the API server answers a continue token older than its compaction window.
    pub fn expired() -> Fault {
        Fault::Status {
            code: 410,
            reason: "Expired".to_owned(),
            message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.".to_owned(),
        }
    }
}

/// Which requests under a fault's prefix meet it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct When {
    /// Only the first this many matching requests; `None` for all.
    pub times: Option<usize>,
    /// Only requests with a `continue` parameter (a second or later page).
    pub continued: bool,
}

struct FaultRule {
    prefix: String,
    fault: Fault,
    when: When,
    hits: usize,
}

/// HTTPS for [`FakeApiServer::start_with`]: the server's certificate chain and key, and
/// the CA that signs acceptable client certificates (all PEM).
#[derive(Debug, Clone)]
pub struct Tls {
    /// The server certificate, then any intermediates.
    pub cert_chain_pem: String,
    /// The server's private key.
    pub key_pem: String,
    /// Client certificates signed by this CA are accepted; others fail the handshake.
    /// Clients without a certificate are let through to the credential check.
    pub client_ca_pem: Option<String>,
}

/// The credentials [`FakeApiServer::start_with`] accepts; any other request gets 401.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    /// Accepted bearer tokens.
    pub tokens: Vec<String>,
    /// Whether a client certificate (verified against [`Tls::client_ca_pem`]) is enough.
    pub client_certificates: bool,
}

/// How [`FakeApiServer::start_with`] serves.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// HTTPS when set.
    pub tls: Option<Tls>,
    /// Credential checks when set.
    pub auth: Option<Auth>,
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `GET`.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, without `?` (empty when there was none).
    pub query: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The common name of the verified client certificate, if one was presented.
    pub client_certificate: Option<String>,
    /// The `Via` header an HTTP proxy adds, if any.
    pub via: Option<String>,
}

impl RecordedRequest {
    /// The decoded value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<String> {
        query_pairs(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

#[derive(Default)]
struct State {
    objects: Vec<Value>,
    faults: Mutex<Vec<FaultRule>>,
    requests: Mutex<Vec<RecordedRequest>>,
    page_cap: Mutex<Option<usize>>,
    tls: Option<Arc<rustls::ServerConfig>>,
    auth: Option<Auth>,
}

/// A running fake API server; stops when dropped.
pub struct FakeApiServer {
    addr: SocketAddr,
    https: bool,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeApiServer {
    /// Starts serving `objects` (each with `apiVersion`, `kind` and
    /// `metadata.name`, plus `metadata.namespace` for namespaced kinds).
    ///
    /// # Panics
    /// When no loopback port can be bound, which leaves the test nothing to do.
    pub fn start(objects: Vec<Value>) -> FakeApiServer {
        Self::start_with(objects, Options::default())
    }

    /// Like [`FakeApiServer::start`], over HTTPS and with credential checks as
    /// `options` says.
    ///
    /// # Panics
    /// When no loopback port can be bound, or the TLS material does not load.
    pub fn start_with(objects: Vec<Value>, options: Options) -> FakeApiServer {
        let listener =
            TcpListener::bind("127.0.0.1:0").expect("bind a loopback port for the fake API server");
        let addr = listener
            .local_addr()
            .expect("read the fake API server's address");
        let mut objects = objects;
        // etcd hands out objects in key order, namespace then name.
        objects.sort_by_key(object_key);
        let https = options.tls.is_some();
        let state = Arc::new(State {
            objects,
            tls: options.tls.as_ref().map(server_config),
            auth: options.auth,
            ..State::default()
        });
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            thread::spawn(move || accept_loop(listener, state, stop))
        };
        FakeApiServer {
            addr,
            https,
            state,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// A URL on loopback where nothing listens.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub fn closed_port() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("read the port's address");
        drop(listener);
        format!("http://{addr}")
    }

    /// The server's base URL, e.g. `http://127.0.0.1:40123` (`https://` with TLS).
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The port the server listens on, to address it by another name.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Makes every request whose path starts with `path_prefix` meet `fault`;
    /// the longest matching prefix wins, and a later fault on the same
    /// prefix replaces the earlier one.
    pub fn fault(&self, path_prefix: &str, fault: Fault) {
        self.fault_when(path_prefix, fault, When::default());
    }

    /// Like [`FakeApiServer::fault`], for the requests `when` describes only.
    pub fn fault_when(&self, path_prefix: &str, fault: Fault, when: When) {
        let mut faults = lock(&self.state.faults);
        faults.retain(|rule| rule.prefix != path_prefix);
        faults.push(FaultRule {
            prefix: path_prefix.to_owned(),
            fault,
            when,
            hits: 0,
        });
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// Caps every page at `size` objects, below the client's `limit` if need
    /// be, as a real server may; `None` honours `limit` alone.
    pub fn set_page_size(&self, size: Option<usize>) {
        *lock(&self.state.page_cap) = size.filter(|s| *s > 0);
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).clone()
    }

    /// The requests whose path is exactly `path`.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so its loop sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Writes `dir/kubeconfig` with one context `context_name` (also the
/// current-context) that reaches `server_url` over plain HTTP with a bearer
/// token, and returns its path.
///
/// # Panics
/// When the file cannot be written.
pub fn write_kubeconfig(dir: &Path, server_url: &str, context_name: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1
kind: Config
clusters:
  - name: fake
    cluster:
      server: {server_url}
users:
  - name: fake-user
    user:
      token: fake-token
contexts:
  - name: {context_name}
    context:
      cluster: fake
      user: fake-user
      namespace: default
current-context: {context_name}
"
    );
    std::fs::write(&path, text).expect("write the fake kubeconfig");
    path
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not take the server down with it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn server_config(tls: &Tls) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(tls.cert_chain_pem.as_bytes())
            .collect::<Result<_, _>>()
            .expect("the fake API server's certificate chain is PEM");
    let key = PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes())
        .expect("the fake API server's key is PEM");
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("rustls supports its default protocol versions");
    let builder = match &tls.client_ca_pem {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                roots
                    .add(cert.expect("the client CA is PEM"))
                    .expect("the client CA is a certificate");
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()
            .expect("a client certificate verifier");
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .expect("the fake API server's certificate and key match");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

fn accept_loop(listener: TcpListener, state: Arc<State>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let state = Arc::clone(&state);
        let stop = Arc::clone(&stop);
        // One thread per connection, so a delayed answer holds up no other.
        thread::spawn(move || serve_connection(stream, &state, &stop));
    }
}

/// A connection the server can close cleanly: TLS sends close_notify first.
trait Connection: Read + Write {
    fn finish(&mut self) {}
}

impl Connection for TcpStream {}

impl Connection for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn finish(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
    }
}

fn serve_connection(stream: TcpStream, state: &State, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(IDLE));
    match &state.tls {
        None => serve(stream, None, state, stop),
        Some(config) => {
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(config)) else {
                return;
            };
            let mut tls = rustls::StreamOwned::new(conn, stream);
            while tls.conn.is_handshaking() {
                // A client that does not trust the server, or whose certificate the
                // client CA did not sign, ends here.
                if tls.conn.complete_io(&mut tls.sock).is_err() {
                    return;
                }
            }
            let identity = tls
                .conn
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|cert| common_name(cert.as_ref()));
            serve(tls, identity, state, stop);
        }
    }
}

/// The subject's common name of a DER certificate, found by its OID (2.5.4.3); enough
/// to tell the test's client certificates apart.
fn common_name(der: &[u8]) -> String {
    const CN: [u8; 5] = [0x06, 0x03, 0x55, 0x04, 0x03];
    // The issuer's CN comes first in the certificate; the subject's is the last one.
    let Some(at) = der.windows(CN.len()).rposition(|w| w == CN) else {
        return "(no common name)".to_owned();
    };
    let value = &der[at + CN.len()..];
    match value {
        [_tag, len, rest @ ..] if usize::from(*len) <= rest.len() => {
            String::from_utf8_lossy(&rest[..usize::from(*len)]).into_owned()
        }
        _ => "(no common name)".to_owned(),
    }
}

struct Head {
    method: String,
    target: String,
    authorization: Option<String>,
    via: Option<String>,
    content_length: usize,
}

fn read_head<R: Read>(reader: &mut BufReader<R>) -> Option<Head> {
    let mut line = String::new();
    let mut total = 0;
    reader.read_line(&mut line).ok()?;
    total += line.len();
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    parts.next().filter(|v| v.starts_with("HTTP/1."))?;
    let mut authorization = None;
    let mut via = None;
    let mut content_length = 0;
    loop {
        let mut header = String::new();
        let read = reader.read_line(&mut header).ok()?;
        total += read;
        if read == 0 || total > MAX_HEAD {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("via") {
                via = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().ok()?;
            }
        }
    }
    Some(Head {
        method,
        target,
        authorization,
        via,
        content_length,
    })
}

/// What the server sends back.
struct Reply {
    code: u16,
    headers: Vec<(&'static str, String)>,
    body: Body,
}

enum Body {
    Json(Value),
    Filler { bytes: u64, announced: bool },
}

impl Reply {
    fn json((code, body): (u16, Value)) -> Reply {
        Reply {
            code,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }
}

fn serve<S: Connection>(
    stream: S,
    client_certificate: Option<String>,
    state: &State,
    stop: &AtomicBool,
) {
    let mut reader = BufReader::new(stream);
    let Some(head) = read_head(&mut reader) else {
        // As an HTTP server does, also to a TLS client that spoke first.
        let stream = reader.get_mut();
        let _ = stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        );
        stream.finish();
        return;
    };
    // Bodies are never used, but must be consumed before answering.
    let mut body = vec![0; head.content_length.min(MAX_HEAD)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (path, query) = match head.target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (head.target.clone(), String::new()),
    };
    let request = RecordedRequest {
        method: head.method,
        path,
        query,
        authorization: head.authorization,
        client_certificate,
        via: head.via,
    };
    lock(&state.requests).push(request.clone());

    let reply = match fault_for(&request, state) {
        Some(Fault::Status {
            code,
            reason,
            message,
        }) => Reply::json((code, status_body(code, &reason, &message, None))),
        Some(Fault::Close) => return,
        Some(Fault::Hang) => {
            wait(None, stop);
            return;
        }
        Some(Fault::Delay(delay)) => {
            if !wait(Some(delay), stop) {
                return;
            }
            authorized_answer(&request, state)
        }
        Some(Fault::Throttle { retry_after }) => {
            let mut reply = Reply::json((
                429,
                status_body(
                    429,
                    "TooManyRequests",
                    "Too many requests, please try again later.",
                    Some(json!({"retryAfterSeconds": retry_after.unwrap_or(0)})),
                ),
            ));
            if let Some(seconds) = retry_after {
                reply.headers.push(("Retry-After", seconds.to_string()));
            }
            reply
        }
        Some(Fault::Redirect { code, location }) => Reply {
            code,
            headers: vec![("Location", location)],
            body: Body::Json(json!({})),
        },
        Some(Fault::Huge { bytes, announced }) => Reply {
            code: 200,
            headers: Vec::new(),
            body: Body::Filler { bytes, announced },
        },
        None => authorized_answer(&request, state),
    };
    let stream = reader.get_mut();
    respond(stream, &reply, stop);
    stream.finish();
}

/// The fault for `request`, counting it against the rule's `times`.
fn fault_for(request: &RecordedRequest, state: &State) -> Option<Fault> {
    let continued = request.param("continue").is_some_and(|t| !t.is_empty());
    let mut faults = lock(&state.faults);
    let rule = faults
        .iter_mut()
        .filter(|rule| request.path.starts_with(rule.prefix.as_str()))
        .max_by_key(|rule| rule.prefix.len())?;
    if rule.when.continued && !continued {
        return None;
    }
    if rule.when.times.is_some_and(|times| rule.hits >= times) {
        return None;
    }
    rule.hits += 1;
    Some(rule.fault.clone())
}

/// The normal answer, once the request's credentials pass [`Auth`].
fn authorized_answer(request: &RecordedRequest, state: &State) -> Reply {
    if let Some(auth) = &state.auth {
        let token_ok = request
            .authorization
            .as_deref()
            .and_then(|h| h.strip_prefix("Bearer "))
            .is_some_and(|token| auth.tokens.iter().any(|t| t == token));
        let cert_ok = auth.client_certificates && request.client_certificate.is_some();
        if !token_ok && !cert_ok {
            return Reply::json((401, status_body(401, "Unauthorized", "Unauthorized", None)));
        }
    }
    Reply::json(answer(request, state))
}

/// Sleeps for `delay` (for ever when `None`); false when the server stopped first.
fn wait(delay: Option<Duration>, stop: &AtomicBool) -> bool {
    let start = Instant::now();
    while delay.is_none_or(|d| start.elapsed() < d) {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
    true
}

fn respond<W: Write>(stream: &mut W, reply: &Reply, stop: &AtomicBool) {
    let reason = match reply.code {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nConnection: close\r\n",
        reply.code
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match &reply.body {
        Body::Json(body) => {
            let text = body.to_string();
            head.push_str(&format!("Content-Length: {}\r\n\r\n", text.len()));
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(text.as_bytes());
        }
        Body::Filler { bytes, announced } => {
            if *announced {
                head.push_str(&format!("Content-Length: {bytes}\r\n\r\n"));
            } else {
                head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            }
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            let mut left = *bytes;
            while left > 0 && !stop.load(Ordering::SeqCst) {
                let n = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
                let written = if *announced {
                    stream.write_all(&chunk[..n])
                } else {
                    write!(stream, "{n:x}\r\n")
                        .and_then(|()| stream.write_all(&chunk[..n]))
                        .and_then(|()| stream.write_all(b"\r\n"))
                };
                // The client hung up, as it should past its cap.
                if written.is_err() {
                    return;
                }
                left -= n as u64;
            }
            if !*announced {
                let _ = stream.write_all(b"0\r\n\r\n");
            }
        }
    }
    let _ = stream.flush();
}

fn status_body(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let (Some(details), Value::Object(map)) = (details, &mut body) {
        map.insert("details".to_owned(), details);
    }
    body
}

fn answer(request: &RecordedRequest, state: &State) -> (u16, Value) {
    if request.method != "GET" {
        let message = format!(
            "the fake API server is read-only; {} is not allowed",
            request.method
        );
        return (405, status_body(405, "MethodNotAllowed", &message, None));
    }
    let segments: Vec<&str> = request
        .path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .collect();
    match segments.as_slice() {
        ["version"] => (200, version()),
        ["api"] => (
            200,
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
        ),
        ["apis"] => (200, group_list()),
        ["api", "v1"] => (200, resource_list("", "v1")),
        ["apis", group, version] => match SERVED
            .iter()
            .any(|s| s.group == *group && s.version == *version)
        {
            true => (200, resource_list(group, version)),
            false => not_found_path(&request.path),
        },
        ["api", "v1", rest @ ..] => resource_request("", "v1", rest, request, state),
        ["apis", group, version, rest @ ..] => {
            resource_request(group, version, rest, request, state)
        }
        _ => not_found_path(&request.path),
    }
}

fn not_found_path(path: &str) -> (u16, Value) {
    (
        404,
        status_body(
            404,
            "NotFound",
            &format!("the server could not find the requested resource ({path})"),
            None,
        ),
    )
}

fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0-fake",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

fn group_list() -> Value {
    let mut groups: Vec<&str> = SERVED
        .iter()
        .map(|s| s.group)
        .filter(|g| !g.is_empty())
        .collect();
    groups.dedup();
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|g| {
            let gv = json!({"groupVersion": format!("{g}/v1"), "version": "v1"});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(group: &str, version: &str) -> Value {
    let resources: Vec<Value> = SERVED
        .iter()
        .filter(|s| s.group == group && s.version == version)
        .map(|s| {
            json!({
                "name": s.resource,
                "singularName": s.kind.to_lowercase(),
                "namespaced": s.namespaced,
                "kind": s.kind,
                "verbs": ["get", "list"]
            })
        })
        .collect();
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

fn resource_request(
    group: &str,
    version: &str,
    rest: &[&str],
    request: &RecordedRequest,
    state: &State,
) -> (u16, Value) {
    let (namespace, resource, name) = match rest {
        ["namespaces", ns, resource] => (Some(*ns), *resource, None),
        ["namespaces", ns, resource, name] => (Some(*ns), *resource, Some(*name)),
        [resource] => (None, *resource, None),
        [resource, name] => (None, *resource, Some(*name)),
        _ => return not_found_path(&request.path),
    };
    let Some(served) = SERVED
        .iter()
        .find(|s| s.group == group && s.version == version && s.resource == resource)
    else {
        return not_found_path(&request.path);
    };
    // A namespaced object is addressed by namespace, a cluster one never is.
    if served.namespaced != namespace.is_some() && (name.is_some() || !served.namespaced) {
        return not_found_path(&request.path);
    }
    match name {
        Some(name) => get_object(served, namespace, name, state),
        None => list_objects(served, namespace, request, state),
    }
}

fn get_object(served: &Served, namespace: Option<&str>, name: &str, state: &State) -> (u16, Value) {
    let found = state.objects.iter().find(|o| {
        served.holds(o)
            && o["metadata"]["name"] == name
            && namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns)
    });
    match found {
        Some(object) => (200, object.clone()),
        None => {
            let qualified = if served.group.is_empty() {
                served.resource.to_owned()
            } else {
                format!("{}.{}", served.resource, served.group)
            };
            let details = json!({"name": name, "group": served.group, "kind": served.resource});
            (
                404,
                status_body(
                    404,
                    "NotFound",
                    &format!("{qualified} \"{name}\" not found"),
                    Some(details),
                ),
            )
        }
    }
}

fn list_objects(
    served: &Served,
    namespace: Option<&str>,
    request: &RecordedRequest,
    state: &State,
) -> (u16, Value) {
    let selector = match request.param("labelSelector").filter(|s| !s.is_empty()) {
        Some(text) => match parse_selector(&text) {
            Ok(selector) => selector,
            Err(message) => return (400, status_body(400, "BadRequest", &message, None)),
        },
        None => Vec::new(),
    };
    let limit = match request.param("limit").map(|l| l.parse::<usize>()) {
        Some(Ok(limit)) => limit,
        Some(Err(_)) => {
            return (
                400,
                status_body(400, "BadRequest", "limit must be a number", None),
            );
        }
        None => 0,
    };
    let offset = match request.param("continue").filter(|t| !t.is_empty()) {
        Some(token) => match decode_continue(&token) {
            Some(offset) => offset,
            None => {
                return (
                    400,
                    status_body(
                        400,
                        "BadRequest",
                        "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
                        None,
                    ),
                );
            }
        },
        None => 0,
    };
    let cap = *lock(&state.page_cap);
    let page_size = match (limit, cap) {
        (0, None) => usize::MAX,
        (0, Some(cap)) => cap,
        (limit, None) => limit,
        (limit, Some(cap)) => limit.min(cap),
    };
    let matching: Vec<&Value> = state
        .objects
        .iter()
        .filter(|o| served.holds(o))
        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
        .filter(|o| {
            selector
                .iter()
                .all(|req| req.matches(&o["metadata"]["labels"]))
        })
        .collect();
    let items: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|o| without_type(o))
        .collect();
    let next = offset.saturating_add(items.len());
    let mut metadata = Map::new();
    metadata.insert("resourceVersion".to_owned(), Value::from(RESOURCE_VERSION));
    if next < matching.len() {
        metadata.insert("continue".to_owned(), Value::from(encode_continue(next)));
        metadata.insert(
            "remainingItemCount".to_owned(),
            Value::from(matching.len() - next),
        );
    }
    let body = json!({
        "kind": format!("{}List", served.kind),
        "apiVersion": served.api_version(),
        "metadata": metadata,
        "items": items,
    });
    (200, body)
}

/// List items lose `kind` and `apiVersion`, as a real server sends them.
fn without_type(object: &Value) -> Value {
    let mut object = object.clone();
    if let Value::Object(map) = &mut object {
        map.remove("kind");
        map.remove("apiVersion");
    }
    object
}

fn object_key(object: &Value) -> (String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (
        text(&object["metadata"]["namespace"]),
        text(&object["metadata"]["name"]),
    )
}

// Hex of a tagged offset: opaque enough that a client cannot build one, and
// anything else is refused.
fn encode_continue(offset: usize) -> String {
    format!("fake:{offset}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_continue(token: &str) -> Option<usize> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?)
        .ok()?
        .strip_prefix("fake:")?
        .parse()
        .ok()
}

/// One requirement of a label selector.
#[derive(Debug, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    fn matches(&self, labels: &Value) -> bool {
        let get = |key: &str| labels.get(key).and_then(Value::as_str);
        match self {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            // As in Kubernetes, an object without the label satisfies != and notin.
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|l| vs.iter().all(|v| v != l)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        }
    }
}

fn parse_selector(text: &str) -> Result<Vec<Requirement>, String> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("unbalanced ')' in selector {text:?}"))?
            }
            ',' if depth == 0 => {
                terms.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
        .into_iter()
        .map(|term| parse_term(term.trim(), text))
        .collect()
}

fn parse_term(term: &str, whole: &str) -> Result<Requirement, String> {
    let bad = || format!("unable to parse requirement {term:?} in selector {whole:?}");
    let key = |k: &str| {
        let k = k.trim();
        if k.is_empty() || k.contains(char::is_whitespace) {
            Err(bad())
        } else {
            Ok(k.to_owned())
        }
    };
    if let Some(k) = term.strip_prefix('!') {
        return Ok(Requirement::NotExists(key(k)?));
    }
    for (word, negated) in [(" notin ", true), (" in ", false)] {
        if let Some((k, set)) = term.split_once(word) {
            let set = set
                .trim()
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
                .ok_or_else(bad)?;
            let values = set.split(',').map(|v| v.trim().to_owned()).collect();
            return Ok(if negated {
                Requirement::NotIn(key(k)?, values)
            } else {
                Requirement::In(key(k)?, values)
            });
        }
    }
    if let Some((k, v)) = term.split_once("!=") {
        return Ok(Requirement::NotEquals(key(k)?, v.trim().to_owned()));
    }
    if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Ok(Requirement::Equals(key(k)?, v.trim().to_owned()));
    }
    Ok(Requirement::Exists(key(term)?))
}

/// Decodes `application/x-www-form-urlencoded` pairs; malformed escapes
/// are kept literally.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes[i] {
            b'%' => text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok()),
            _ => None,
        };
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Collects `(namespace, name)` of list items, for assertions.
pub fn names(objects: &[Value]) -> Vec<(String, String)> {
    objects.iter().map(object_key).collect()
}

/// Counts the requests per path, for assertions on paging.
pub fn count_by_path(requests: &[RecordedRequest]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in requests {
        *counts.entry(request.path.clone()).or_insert(0) += 1;
    }
    counts
}
