//! A storage gateway for the local network (by default the `open` write policy) over a local
//! folder, served by a task on the caller's tokio runtime.

use std::path::Path;

use anyhow::Context;
use edgerun_storage_gateway::config::GatewayConfig;
use edgerun_storage_gateway::Gateway;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running gateway. [`shutdown`](LocalStorage::shutdown) stops it and waits; dropping it asks
/// it to stop without waiting.
pub struct LocalStorage {
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl LocalStorage {
    /// Serves `folder` (created when missing) on `host:port` (port 0 picks a free one).
    pub async fn start(folder: &Path, host: &str, port: u16) -> anyhow::Result<LocalStorage> {
        Self::start_with(folder, host, port, GatewayConfig::default()).await
    }

    /// Like [`LocalStorage::start`], with a gateway configuration (e.g. another write policy);
    /// its store is replaced by `folder`.
    pub async fn start_with(
        folder: &Path,
        host: &str,
        port: u16,
        config: GatewayConfig,
    ) -> anyhow::Result<LocalStorage> {
        std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
        let folder = folder.canonicalize().with_context(|| format!("resolving {}", folder.display()))?;
        let store = folder.to_str().context("the storage folder's path is not UTF-8")?.to_string();
        let gateway = Gateway::start(&GatewayConfig { store, ..config }).await?;
        let listen = format!("{host}:{port}");
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("binding the storage gateway to {listen}"))?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let served = gateway.serve(listener, async {
                let _ = stop.await;
            });
            if let Err(error) = served.await {
                eprintln!("storage gateway stopped: {error}");
            }
        });
        Ok(LocalStorage { base_url, shutdown: Some(shutdown), server: Some(server) })
    }

    /// `http://host:port`, for `StorageClient::new` and on-chain output pointers.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops serving (requests in flight finish) and waits until the server ended.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            if let Err(error) = server.await {
                eprintln!("the storage gateway task failed: {error}");
            }
        }
    }
}

impl Drop for LocalStorage {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
