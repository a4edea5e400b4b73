//! Edgerun storage gateway: content-addressed, write-once, verified storage of bundles and
//! outputs over `object_store`. Objects are named by their BLAKE3 hash; the hash, not any
//! pointer, is the authority, so every write is verified before it becomes visible and every
//! reader can verify what it gets (see `edgerun_sdk::storage::StorageClient`).

pub mod blob;
pub mod bounded;
pub mod chain;
pub mod chain_registry;
pub mod config;
pub mod error;
pub mod lookups;
pub mod metrics;
pub mod policy;
pub mod retention;
pub mod routes;
pub mod store;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use edgerun_service::http::HttpLimits;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::chain::ChainView;
use crate::config::GatewayConfig;
use crate::metrics::Metrics;
use crate::policy::{read_key_file, WritePolicy};
use crate::routes::{AppState, Limits};
use crate::store::BlobStore;

/// A configured gateway with its background tasks (upload sweeper, key file refresh).
pub struct Gateway {
    pub state: Arc<AppState>,
    background: Vec<JoinHandle<()>>,
}

impl Gateway {
    /// Opens the store and loads the write policy `config` names; the chain (for the `chain`
    /// policy and retention) is the cluster at `config.rpc`. Must run inside a tokio runtime (it
    /// starts the background tasks).
    pub async fn start(config: &GatewayConfig) -> anyhow::Result<Self> {
        let (chain, calls) = config.rpc.as_deref().map(chain::rpc_chain).unzip();
        let gateway = Self::start_with_chain(config, chain).await?;
        if let Some(calls) = calls {
            // `edgerun_storage_rpc_requests_total{method}`, like every service that reads the chain.
            calls.register(gateway.state.metrics.registry());
        }
        Ok(gateway)
    }

    /// [`start`](Self::start) over a given chain (tests: LiteSVM), `None` without one.
    pub async fn start_with_chain(config: &GatewayConfig, chain: Option<Arc<dyn ChainView>>) -> anyhow::Result<Self> {
        let store = BlobStore::open(&config.store, &config.store_options)
            .with_context(|| format!("opening store {}", config.store))?;
        let mut background = Vec::new();

        let policy = match &config.write_policy {
            policy::WritePolicySpec::Open => WritePolicy::Open,
            policy::WritePolicySpec::Allowlist(path) => WritePolicy::Allowlist(read_key_file(path)?),
            policy::WritePolicySpec::Chain => {
                let Some(chain) = &chain else {
                    anyhow::bail!("--write-policy chain needs --rpc URL (the cluster that vouches for writers)");
                };
                policy::chain_policy(config, Arc::clone(chain))
            }
        };
        let retention = match (&chain, config.retention) {
            (Some(chain), Some(settings)) => {
                let retention = Arc::new(retention::Retention::new(
                    store.clone(),
                    Arc::clone(chain),
                    retention::RetentionSettings {
                        grace: settings.grace,
                        batch: settings.batch.max(1),
                        interval: settings.sweep_interval,
                    },
                ));
                background.push(retention.spawn());
                Some(retention)
            }
            _ => None,
        };

        background.push(spawn_upload_sweeper(store.clone(), config.stale_upload_age));

        let state = Arc::new(AppState {
            store,
            policy,
            limits: Limits {
                max_bundle_bytes: config.max_bundle_bytes,
                max_output_bytes: config.max_output_bytes,
                max_clock_skew_secs: config.max_clock_skew.as_secs(),
            },
            metrics: Arc::new(Metrics::new()),
            lookups: lookups::NegativeLookups::new(lookups::LookupSettings {
                negative_ttl: config.negative_cache,
                misses_per_sec: config.negative_lookups_per_sec,
                miss_burst: config.negative_lookup_burst,
            }),
            retention,
        });
        Ok(Gateway { state, background })
    }

    pub fn router(&self) -> Router {
        routes::router(Arc::clone(&self.state))
    }

    /// Serves on `listener` until `shutdown` completes, then lets in-flight requests finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // The shared server gives handlers the peer's address (it keys each client's budget of
        // lookups that find nothing), sets TCP_NODELAY, and bounds every connection's cost.
        let cancel = CancellationToken::new();
        let on_shutdown = cancel.clone();
        let watcher = tokio::spawn(async move {
            shutdown.await;
            on_shutdown.cancel();
        });
        let served = edgerun_service::http::serve(listener, self.router(), HttpLimits::default(), cancel).await;
        watcher.abort();
        served
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        for task in &self.background {
            task.abort();
        }
    }
}

/// Deletes abandoned temporary uploads at start and then every half `max_age`.
fn spawn_upload_sweeper(store: BlobStore, max_age: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval((max_age / 2).max(Duration::from_secs(60)));
        loop {
            ticker.tick().await;
            match store.sweep_stale_uploads(max_age).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "removed stale temporary uploads"),
                Err(error) => tracing::warn!(%error, "sweeping stale uploads failed"),
            }
        }
    })
}
