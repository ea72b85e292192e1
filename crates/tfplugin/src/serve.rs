//! Serving: the listener, TLS, the provider service beside go-plugin's controller and
//! stdio services, and a prompt exit on shutdown (Terraform starts a provider several
//! times per run and waits for each to exit).

use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status};

use super::api::Provider;
use super::handshake::{self, Mode};
use super::proto::plugin as goplugin;
use super::proto::tfplugin6::provider_server::ProviderServer;
use super::server::ProviderService;
use super::{logging, tls};

/// The largest request or response the provider accepts. tonic's default of 4 MiB is a
/// values file or manifest of a few megabytes, which Terraform sends without complaint;
/// refusing it at the transport gives an "rpc error" instead of a diagnostic on the
/// attribute, so the limit sits far above any document the core is asked to read.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// What a provider binary tells [`main`] about itself.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The provider's registry address, as stacks name it in `required_providers`
    /// (`registry.terraform.io/NAMESPACE/TYPE`): debug mode prints it for
    /// `TF_REATTACH_PROVIDERS`.
    pub address: String,
    /// The provider's version, logged when it starts; `None` logs none.
    pub version: Option<String>,
}

impl ServeOptions {
    /// Options for the provider at `address`, with no version.
    pub fn new(address: impl Into<String>) -> Self {
        ServeOptions {
            address: address.into(),
            version: None,
        }
    }

    /// The same options with the version to log at start.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }
}

/// Runs a provider as a plugin process: the whole of a provider binary's `main`.
pub fn main<P: Provider>(provider: P, options: ServeOptions) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match handshake::mode(&args, |k| std::env::var(k).ok()) {
        Ok(mode) => mode,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(1);
        }
    };
    let binary = format!("terraform-provider-{}", provider.type_name());
    logging::init(provider.type_name());
    install_panic_hook();
    // One thread: see `server` for where requests run.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("could not start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(serve(provider, mode, &options));
    // Exit without waiting for idle runtime threads: Terraform waits for this process.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("provider stopped: {err:#}");
            eprintln!("{binary}: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Panics inside requests are reported as diagnostics by the server; the hook only keeps
/// the default hook's backtrace out of Terraform's output.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        tracing::error!("panic: {info}");
    }));
}

/// Serves until Terraform calls `GRPCController.Shutdown` or the process is terminated.
pub async fn serve<P: Provider>(
    provider: P,
    mode: Mode,
    options: &ServeOptions,
) -> anyhow::Result<()> {
    tracing::info!(
        provider = provider.type_name(),
        version = options.version.as_deref().unwrap_or("unknown"),
        "starting"
    );
    let binary = format!("terraform-provider-{}", provider.type_name());
    let socket = handshake::socket_path();
    let listener = UnixListener::bind(&socket)?;
    tracing::debug!(
        socket = %socket.display(),
        version = options.version.as_deref().unwrap_or("unknown"),
        "listening for Terraform"
    );
    let _cleanup = RemoveOnDrop(socket.clone());

    let (tls, certificate) = match &mode {
        Mode::Managed {
            client_cert: Some(pem),
        } => {
            let tls = tls::server_tls(pem)?;
            (
                Some(tokio_rustls::TlsAcceptor::from(tls.config)),
                Some(tls.certificate),
            )
        }
        _ => (None, None),
    };

    let (stop_tx, mut stop_rx) = watch::channel(false);
    let (conn_tx, conn_rx) = tokio::sync::mpsc::channel::<std::io::Result<Conn>>(16);
    tokio::spawn(accept_loop(listener, tls, conn_tx));
    tokio::spawn(watch_signals(stop_tx.clone(), mode == Mode::Debug));

    match &mode {
        Mode::Managed { .. } => {
            handshake::announce(&handshake::handshake_line(&socket, certificate.as_deref()))?
        }
        Mode::Debug => {
            println!(
                "{binary} is running for a debugger. In the shell that runs Terraform, set:\n\n\texport TF_REATTACH_PROVIDERS='{}'\n\nPress Ctrl-C to stop it.",
                handshake::reattach_value(&options.address, &socket)
            );
        }
    }

    let shutdown = {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    let server = tonic::transport::Server::builder()
        .add_service(
            ProviderServer::new(ProviderService::new(provider))
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(goplugin::grpc_controller_server::GrpcControllerServer::new(
            Controller { stop: stop_tx },
        ))
        .add_service(goplugin::grpc_stdio_server::GrpcStdioServer::new(Stdio))
        .serve_with_incoming_shutdown(ReceiverStream::new(conn_rx), shutdown);
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result?,
        _ = async {
            let _ = stop_rx.wait_for(|stop| *stop).await;
            // Give the Shutdown answer and open streams a moment to drain, never longer.
            tokio::time::sleep(Duration::from_millis(250)).await;
        } => {}
    }
    Ok(())
}

async fn accept_loop(
    listener: UnixListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    conns: tokio::sync::mpsc::Sender<std::io::Result<Conn>>,
) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                tracing::warn!("accept failed: {err}");
                continue;
            }
        };
        match &tls {
            None => {
                if conns.send(Ok(Conn::Plain(stream))).await.is_err() {
                    return;
                }
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let conns = conns.clone();
                // Handshakes run concurrently so one slow client cannot hold up another.
                tokio::spawn(async move {
                    match acceptor.accept(stream).await {
                        Ok(tls) => {
                            let _ = conns.send(Ok(Conn::Tls(Box::new(tls)))).await;
                        }
                        Err(err) => tracing::warn!("TLS handshake with Terraform failed: {err}"),
                    }
                });
            }
        }
    }
}

async fn watch_signals(stop: watch::Sender<bool>, debug: bool) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => {
                // Terraform forwards Ctrl-C to its plugins and then stops them itself; a
                // managed provider keeps serving so the run can end cleanly.
                if debug { break; }
                tracing::info!("interrupt received; waiting for Terraform to stop the provider");
            }
        }
    }
    let _ = stop.send(true);
}

struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// go-plugin's controller: `Shutdown` ends the process.
struct Controller {
    stop: watch::Sender<bool>,
}

#[tonic::async_trait]
impl goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<goplugin::Empty>,
    ) -> Result<Response<goplugin::Empty>, Status> {
        let _ = self.stop.send(true);
        Ok(Response::new(goplugin::Empty {}))
    }
}

/// go-plugin's stdio service. This provider writes nothing to stdout after the handshake
/// and logs to stderr directly, so the stream ends at once.
struct Stdio;

#[tonic::async_trait]
impl goplugin::grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<tonic::codegen::BoxStream<goplugin::StdioData>>, Status> {
        Ok(Response::new(Box::pin(tokio_stream::empty())))
    }
}

/// A connection from Terraform, with or without TLS.
enum Conn {
    Plain(UnixStream),
    Tls(Box<tokio_rustls::server::TlsStream<UnixStream>>),
}

impl Connected for Conn {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }
}
