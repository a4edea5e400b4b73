//! The server's limits, seen from a client's socket: each test would hang or pass wrongly
//! without the limit it names.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use axum::Router;
use edgerun_service::http::{serve, HttpLimits};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

const SHORT: Duration = Duration::from_millis(300);
/// Bound on every wait in these tests: far above `SHORT`, so a pass is never a race.
const PATIENCE: Duration = Duration::from_secs(10);

fn limits() -> HttpLimits {
    HttpLimits {
        header_read_timeout: SHORT,
        body_idle_timeout: SHORT,
        max_header_bytes: 8 * 1024,
        max_connections: 2,
        shutdown_grace: SHORT,
    }
}

fn app() -> Router {
    Router::new()
        .route("/peer", get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }))
        .route("/echo", post(|body: Bytes| async move { body }))
        .route("/stream", get(|| async { axum::body::Body::from_stream(once_then_pending()) }))
}

/// A body that sends one chunk and then never ends (an event stream).
fn once_then_pending() -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures::stream::once(async { Ok(Bytes::from_static(b"data: hello\n\n")) }).chain(futures::stream::pending())
}

async fn start() -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(serve(listener, app(), limits(), shutdown.clone()));
    (address, shutdown, server)
}

/// Reads until the server closes the connection; what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut received))
        .await
        .expect("the server closed the connection in time")
        .ok();
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_request_head_that_never_ends_is_cut_off() {
    let (address, _shutdown, _server) = start().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // The head is never finished: the server closes the connection after its deadline.
    let answer = read_to_close(&mut stream).await;
    assert!(!answer.contains("127.0.0.1"), "no answer to an unfinished request: {answer}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (address, _shutdown, _server) = start().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("127.0.0.1:"), "the peer's address reaches handlers: {answer}");
}

#[tokio::test]
async fn a_stalled_body_fails_the_request() {
    let (address, _shutdown, _server) = start().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b").await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "a stalled upload is refused: {answer}");
    assert!(!answer.contains("only ten b"), "{answer}");
}

#[tokio::test]
async fn an_oversize_head_is_refused() {
    let (address, _shutdown, _server) = start().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    let huge = format!("GET /peer HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n", "a".repeat(64 * 1024));
    let _ = stream.write_all(huge.as_bytes()).await;
    let answer = read_to_close(&mut stream).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_one() {
    let (address, _shutdown, _server) = start().await;
    // Two connections take both places (each holds an event stream open).
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut first = [0u8; 12];
        tokio::time::timeout(PATIENCE, stream.read_exact(&mut first)).await.unwrap().unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        held.push(stream);
    }
    // A third is accepted by the kernel but not served ...
    let mut third = TcpStream::connect(address).await.unwrap();
    third.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(SHORT * 2, third.read(&mut byte)).await;
    assert!(early.is_err(), "served beyond the cap");
    // ... until one of the two goes away.
    drop(held.pop());
    let answer = read_to_close(&mut third).await;
    assert!(format!("{}{answer}", byte[0] as char).contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn shutdown_drains_then_closes_open_streams() {
    let (address, shutdown, server) = start().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut first = [0u8; 12];
    tokio::time::timeout(PATIENCE, stream.read_exact(&mut first)).await.unwrap().unwrap();
    shutdown.cancel();
    // The stream never ends by itself: the server closes it after the grace and returns.
    tokio::time::timeout(PATIENCE, server).await.expect("the server stopped").unwrap().unwrap();
    read_to_close(&mut stream).await;
    assert!(TcpStream::connect(address).await.is_err(), "no longer listening");
}

/// The sdk's clients let a pooled connection go before the server closes it (else a request can be
/// written into a connection whose close is on the wire): they count on this value.
#[test]
fn clients_know_when_the_server_closes_idle_connections() {
    assert_eq!(HttpLimits::default().header_read_timeout, edgerun_sdk::http::SERVER_IDLE_CLOSE);
}
