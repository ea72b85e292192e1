//! An HTTPS server on loopback, with a certificate authority made for the test.
//!
//! Terraform fetches providers only over HTTPS, so the install tests need a server it
//! trusts: [`TestCa`] makes a CA and a certificate for `localhost` and `127.0.0.1`, and
//! writes the CA's PEM to a file that Terraform is pointed at with `SSL_CERT_FILE` (Go
//! reads it on Linux in place of the system's roots). [`HttpsServer`] answers GET
//! requests with a handler function, one HTTP/1.1 exchange per connection, from its own
//! threads so it keeps serving while a test waits on Terraform; it records every path it
//! was asked for and stops when dropped.

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tempfile::TempDir;

/// How long a connection may sit idle before its thread gives up on it.
const IDLE: Duration = Duration::from_secs(10);

/// Longest request head read; the install tests send short GETs.
const MAX_HEAD: usize = 64 * 1024;

/// A certificate authority and one server certificate it issued, for `localhost`.
pub struct TestCa {
    dir: TempDir,
    config: Arc<rustls::ServerConfig>,
}

impl TestCa {
    /// A new CA, a certificate for `localhost` and `127.0.0.1` signed by it, and the
    /// CA's PEM written to [`TestCa::ca_file`].
    pub fn new() -> Self {
        let ca_key = rcgen::KeyPair::generate().expect("a CA key");
        let mut ca_params =
            rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        ca_params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "terraform-provider-kured install tests",
        );
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("a CA");

        let server_key = rcgen::KeyPair::generate().expect("a server key");
        let mut server_params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .expect("server certificate parameters");
        server_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        server_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let server_cert = server_params
            .signed_by(&server_key, &ca)
            .expect("a server certificate");

        let dir = tempfile::Builder::new()
            .prefix("test-ca-")
            .tempdir()
            .expect("a directory for the CA");
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("write the CA's PEM");

        let chain = vec![
            server_cert.der().clone(),
            CertificateDer::from(ca.der().to_vec()),
        ];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("a TLS server configuration");
        Self {
            dir,
            config: Arc::new(config),
        }
    }

    /// The CA certificate as a PEM file, for `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// What the handler answers to one GET.
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(value: &serde_json::Value) -> Self {
        Self {
            status: 200,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
        }
    }

    pub fn bytes(body: Vec<u8>) -> Self {
        Self {
            status: 200,
            content_type: "application/octet-stream",
            body,
        }
    }

    pub fn not_found(path: &str) -> Self {
        Self {
            status: 404,
            content_type: "text/plain",
            body: format!("nothing at {path}\n").into_bytes(),
        }
    }

    /// The file at `path`, or 404 when there is none. JSON files say so: a network
    /// mirror's answers must carry `application/json`.
    pub fn file(path: &Path, asked: &str) -> Self {
        match std::fs::read(path) {
            Ok(body) if path.extension().is_some_and(|e| e == "json") => Self {
                status: 200,
                content_type: "application/json",
                body,
            },
            Ok(body) => Self::bytes(body),
            Err(_) => Self::not_found(asked),
        }
    }
}

/// Answers a request path (without the query) given the server's own base URL.
pub type Handler = dyn Fn(&str, &str) -> Response + Send + Sync;

/// A running HTTPS server on `127.0.0.1`; stops when dropped.
pub struct HttpsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
    accept: Option<JoinHandle<()>>,
}

impl HttpsServer {
    /// Serves `handler` with the CA's server certificate on an ephemeral port.
    pub fn start(ca: &TestCa, handler: Arc<Handler>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("the listener's address");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let base = format!("https://localhost:{}", addr.port());
        let accept = {
            let stop = Arc::clone(&stop);
            let requests = Arc::clone(&requests);
            let config = Arc::clone(&ca.config);
            thread::spawn(move || accept_loop(listener, config, handler, base, requests, stop))
        };
        Self {
            addr,
            stop,
            requests,
            accept: Some(accept),
        }
    }

    /// `localhost:PORT`, the host a provider source address or URL names.
    pub fn host(&self) -> String {
        format!("localhost:{}", self.addr.port())
    }

    /// `https://localhost:PORT`.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.host())
    }

    /// The paths asked for so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    handler: Arc<Handler>,
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let config = Arc::clone(&config);
                let handler = Arc::clone(&handler);
                let requests = Arc::clone(&requests);
                let base = base.clone();
                thread::spawn(move || {
                    // A client that goes away mid-exchange ends only its own connection.
                    let _ = serve_one(stream, config, &*handler, &base, &requests);
                });
            }
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn serve_one(
    stream: TcpStream,
    config: Arc<rustls::ServerConfig>,
    handler: &Handler,
    base: &str,
    requests: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(IDLE))?;
    stream.set_write_timeout(Some(IDLE))?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, stream);

    let mut reader = BufReader::new(&mut tls);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut read = request_line.len();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line)?;
        read += n;
        if n == 0 || line == "\r\n" || line == "\n" || read > MAX_HEAD {
            break;
        }
    }
    drop(reader);

    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(path.clone());

    let response = if method == "GET" || method == "HEAD" {
        handler(&path, base)
    } else {
        Response {
            status: 405,
            content_type: "text/plain",
            body: b"only GET\n".to_vec(),
        }
    };
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    tls.write_all(head.as_bytes())?;
    if method != "HEAD" {
        tls.write_all(&response.body)?;
    }
    tls.flush()?;
    tls.conn.send_close_notify();
    tls.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Status",
    }
}
