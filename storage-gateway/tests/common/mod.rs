//! Shared helpers: real gateways on 127.0.0.1:0 over real temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use edgerun_storage_gateway::chain::ChainView;
use edgerun_storage_gateway::config::Cli;
use edgerun_storage_gateway::error::ErrorBody;
use edgerun_storage_gateway::routes::AppState;
use edgerun_storage_gateway::Gateway;

pub struct TestGateway {
    pub base: String,
    pub dir: tempfile::TempDir,
    pub state: Arc<AppState>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestGateway {
    /// Starts a gateway over a fresh temporary folder with the extra command-line `args`.
    pub async fn start(args: &[&str]) -> Self {
        Self::start_with_chain(args, None).await
    }

    /// Starts a gateway that asks `chain` (instead of an RPC node) what it vouches for.
    pub async fn start_with_chain(args: &[&str], chain: Option<Arc<dyn ChainView>>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().to_str().unwrap().to_string();
        let mut argv = vec!["edgerun-storage-gateway", "--listen", "127.0.0.1:0", "--store", &store];
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(argv).unwrap();
        let gateway = Gateway::start_with_chain(&cli.gateway_config(), chain).await.unwrap();
        let state = Arc::clone(&gateway.state);
        let listener = tokio::net::TcpListener::bind(cli.listen).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(gateway.serve(listener, std::future::pending()));
        TestGateway { base, dir, state, server }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

pub fn hash_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// Deterministic, incompressible-looking test data.
pub fn data(len: usize, seed: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut counter = 0u64;
    while out.len() < len {
        let block = blake3::hash(&[&[seed][..], &counter.to_le_bytes()].concat());
        out.extend_from_slice(block.as_bytes());
        counter += 1;
    }
    out.truncate(len);
    out
}

/// Asserts a JSON error answer with `status` and `code`.
pub async fn expect_error(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status().as_u16(), status, "status of {}", response.url());
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.code, code, "{}", body.error);
    assert!(!body.error.is_empty());
}

/// Waits (up to a generous deadline, failing after it) until `condition` holds.
pub async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..1200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("gave up waiting until {what}");
}
