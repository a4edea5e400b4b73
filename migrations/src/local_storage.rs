//! A storage gateway for the local network (by default the `open` write policy) over a local
//! folder, served on its own tokio runtime thread so that the blocking validator and demo code
//! can sit beside it.

use std::path::Path;
use std::thread::JoinHandle;

use anyhow::Context;
use clap::Parser;
use edgerun_storage_gateway::config::Cli;
use edgerun_storage_gateway::Gateway;

pub struct LocalStorage {
    base_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl LocalStorage {
    /// Serves `folder` (created when missing) on `host:port` (port 0 picks a free one).
    pub fn start(folder: &Path, host: &str, port: u16) -> anyhow::Result<LocalStorage> {
        Self::start_with(folder, host, port, &[])
    }

    /// Like [`LocalStorage::start`], with extra `edgerun-storage-gateway` flags (e.g. a write
    /// policy).
    pub fn start_with(folder: &Path, host: &str, port: u16, flags: &[&str]) -> anyhow::Result<LocalStorage> {
        std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
        let folder = folder.canonicalize().with_context(|| format!("resolving {}", folder.display()))?;
        let listen = format!("{host}:{port}");
        let store = folder.to_str().context("the storage folder's path is not UTF-8")?.to_string();
        let mut argv = vec!["edgerun-storage-gateway", "--listen", &listen, "--store", &store];
        argv.extend_from_slice(flags);
        let cli = Cli::try_parse_from(argv)?;

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("edgerun-storage")
            .enable_all()
            .build()?;
        let (gateway, listener) = runtime.block_on(async {
            let gateway = Gateway::from_cli(&cli).await?;
            let listener = tokio::net::TcpListener::bind(cli.listen)
                .await
                .with_context(|| format!("binding the storage gateway to {listen}"))?;
            anyhow::Ok((gateway, listener))
        })?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::Builder::new().name("edgerun-storage".into()).spawn(move || {
            let served = runtime.block_on(gateway.serve(listener, async {
                let _ = stop.await;
            }));
            if let Err(error) = served {
                eprintln!("storage gateway stopped: {error}");
            }
        })?;
        Ok(LocalStorage { base_url, shutdown: Some(shutdown), server: Some(server) })
    }

    /// `http://host:port`, for `StorageClient::new` and on-chain output pointers.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for LocalStorage {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}
