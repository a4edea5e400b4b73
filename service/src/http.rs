//! The HTTP server of every service, with the limits a stranger's connection must not exceed.
//!
//! `axum::serve` has no timeouts at all: a client that opens a connection and sends its request
//! head one byte a minute (or never finishes a body) holds a task and a socket forever, and
//! enough of them exhaust the service's file descriptors. So every service serves through
//! [`serve`], which adds:
//!
//! - a deadline for each request head (hyper's `header_read_timeout`, which also closes idle
//!   keep-alive connections), and a cap on its size;
//! - a deadline between two chunks of a request body (tower-http's body timeout: a slow but
//!   steady upload of a large bundle is fine, a stalled one is not);
//! - a cap on connections served at once (more wait in the kernel's accept queue);
//! - the peer's address as [`axum::extract::ConnectInfo`], for per-client rate limits;
//! - graceful shutdown: at cancellation, stop accepting, let requests in flight finish for
//!   [`HttpLimits::shutdown_grace`], then close what is left (e.g. event streams).
//!
//! Responses are not given a deadline here: event streams are meant to stay open; routes that
//! need one set it themselves.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// What one connection may cost the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Longest wait for a complete request head, from the connection's first byte or from the
    /// end of its previous response (idle keep-alive connections are closed after it too).
    pub header_read_timeout: Duration,
    /// Longest pause between two chunks of a request body; reading the body then fails (the
    /// route answers 4xx: 400 from axum's extractors).
    pub body_idle_timeout: Duration,
    /// Largest request head, bytes (request line and headers; at least 8 KiB).
    pub max_header_bytes: usize,
    /// Connections served at once.
    pub max_connections: usize,
    /// How long requests in flight may go on after shutdown began.
    pub shutdown_grace: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            // The sdk's clients keep idle connections for less (`edgerun_sdk::http`).
            header_read_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
            max_header_bytes: 16 * 1024,
            // Above the scheduler's cap on event streams (1,000), below a default ulimit of 4,096.
            max_connections: 2_048,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// hyper's floor for its read buffer.
const MIN_HEADER_BYTES: usize = 8 * 1024;

/// Serves `router` on `listener` within `limits` until `shutdown` is cancelled, then drains
/// (see the module documentation). Returns once every connection is closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes.max(MIN_HEADER_BYTES))
        .keep_alive(true);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = JoinSet::new();
    loop {
        // Finished connections are reaped as we go, so the set holds only open ones.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break,
            // The semaphore is never closed.
            permit = Arc::clone(&permits).acquire_owned() => match permit { Ok(permit) => permit, Err(_) => break },
        };
        let (stream, remote) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    // E.g. out of file descriptors: waiting lets connections close.
                    tracing::error!(%error, "cannot accept connections; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        // Without TCP_NODELAY a streamed body's first chunk waits on Nagle's algorithm and the
        // peer's delayed ACK (~40 ms per small response).
        let _ = stream.set_nodelay(true);
        let service = ServiceBuilder::new()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                request
            })
            .layer(RequestBodyTimeoutLayer::new(limits.body_idle_timeout))
            .service(router.clone());
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => log_connection_end(remote, result),
                _ = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    log_connection_end(remote, connection.await);
                }
            }
        });
    }
    drop(listener);
    let drained =
        tokio::time::timeout(limits.shutdown_grace, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(open = connections.len(), "closing connections still open after the shutdown grace");
        connections.shutdown().await;
    }
    Ok(())
}

/// Binds `address` and serves as [`serve`] does; returns the bound address (port 0 picks a free
/// port) and the server's future.
pub async fn bind(
    address: SocketAddr,
    router: Router,
    limits: HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<(SocketAddr, impl std::future::Future<Output = std::io::Result<()>> + Send)> {
    let listener = TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    Ok((bound, serve(listener, router, limits, shutdown)))
}

fn log_connection_end(remote: SocketAddr, result: Result<(), hyper::Error>) {
    if let Err(error) = result {
        // Timeouts, resets and malformed requests from clients: worth a trace, not a warning.
        tracing::debug!(%remote, %error, "connection ended");
    }
}

/// Errors of one connection (the peer went away during the handshake), not of the listener.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

// `Router`'s error type is `Infallible`; the server relies on it.
const _: fn() = || {
    fn infallible<S: tower::Service<Request<axum::body::Body>, Error = Infallible>>() {}
    infallible::<Router>();
};
