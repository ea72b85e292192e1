//! Start-up and shutdown of the provider process: from exec to the handshake line on
//! stdout, and from the `GRPCController.Shutdown` call to the process's exit, each the
//! median of 50 starts. The provider runs as Terraform starts it (magic cookie, protocol
//! 6) but without `PLUGIN_CLIENT_CERT`, so it serves plain gRPC and the client needs no
//! TLS; AutoMTLS adds one certificate generation to start-up, measured separately.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/measure.rs"]
mod measure;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use measure::{figure, median, ms, runs};
use tfplugin::proto::plugin::Empty;
use tfplugin::proto::plugin::grpc_controller_client::GrpcControllerClient;
use tonic::transport::{Endpoint, Uri};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-kured");
const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

/// Starts the provider and returns it with the time to its handshake line and the
/// socket that line names.
fn start() -> (Child, Duration, PathBuf) {
    let started = Instant::now();
    let mut child = Command::new(PROVIDER)
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("TF_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("read the handshake line");
    let elapsed = started.elapsed();
    // CORE|APP|unix|ADDRESS|grpc
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert!(
        fields.len() == 5 && fields[2] == "unix" && fields[4] == "grpc",
        "unexpected handshake line {line:?}"
    );
    (child, elapsed, PathBuf::from(fields[3]))
}

/// Calls Shutdown as go-plugin's client does (the call, then closing the connection) and
/// returns the time from the call to the process's exit.
async fn shut_down(mut child: Child, socket: PathBuf) -> Duration {
    let channel = Endpoint::from_static("http://provider.invalid")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(socket).await?;
                Ok::<_, std::io::Error>(TokioIo::new(stream))
            }
        }))
        .await
        .expect("connect to the provider's socket");
    let mut client = GrpcControllerClient::new(channel);
    let exited = tokio::task::spawn_blocking(move || {
        let status = child.wait().expect("wait for the provider");
        (Instant::now(), status)
    });
    let called = Instant::now();
    client
        .shutdown(Empty {})
        .await
        .expect("GRPCController.Shutdown answers");
    drop(client);
    let (at, status) = exited.await.expect("the waiting thread finishes");
    assert!(status.success(), "the provider exited with {status}");
    at.duration_since(called)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let n = runs(50);
    let mut handshakes = Vec::with_capacity(n);
    let mut shutdowns = Vec::with_capacity(n);
    for _ in 0..n {
        let (child, handshake, socket) = start();
        handshakes.push(handshake);
        shutdowns.push(runtime.block_on(shut_down(child, socket)));
    }
    let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    eprintln!(
        "handshake: max {:.2} ms; shutdown: max {:.2} ms over {n} starts",
        ms(max(&handshakes)),
        ms(max(&shutdowns))
    );
    figure("startup_to_handshake", ms(median(&mut handshakes)), "ms");
    figure("shutdown_to_exit", ms(median(&mut shutdowns)), "ms");
}
