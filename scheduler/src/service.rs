//! `edgerun-scheduler` as a process: flags, keys, the engine and the HTTP server on one runtime,
//! stopped gracefully by SIGINT or SIGTERM (the engine finishes the transactions in flight, the
//! server drains its connections, event streams end).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use ed25519_dalek::SigningKey;
use edgerun_sdk::client::{ClientConfig, EdgerunClient, RpcBackend, RpcConfig};
use edgerun_sdk::storage::StorageClient;
use solana_keypair::Keypair;
use tokio_util::sync::CancellationToken;

use crate::api::{self, AppState};
use crate::eligibility::JailPolicy;
use crate::engine::{Authorities, Engine, EngineConfig};
use crate::metrics::Metrics;
use crate::webhooks::{WebhookConfig, Webhooks};
use edgerun_service::flags::HumanDuration;
use edgerun_service::http::HttpLimits;

/// Edgerun scheduler: seeds and assigns committees to posted jobs, replaces silent workers, and
/// serves the job-submission API (never holding a customer's key or funds).
#[derive(Parser, Debug)]
#[command(name = "edgerun-scheduler", version)]
pub struct SchedulerArgs {
    /// The cluster's JSON-RPC URL.
    #[arg(long, short = 'u', env = "EDGERUN_RPC_URL", default_value = "http://127.0.0.1:8899")]
    pub url: String,
    /// Websocket URL for account notifications [default: derived from --url, as the Solana CLI does].
    #[arg(long, value_name = "URL")]
    pub ws_url: Option<String>,
    /// Keypair of both the randomness and the scheduler authority (seed and assignment in one
    /// transaction).
    #[arg(long, short = 'k', value_name = "PATH")]
    pub keypair: Option<PathBuf>,
    /// Keypair of the randomness authority, when it differs from --keypair.
    #[arg(long, value_name = "PATH")]
    pub randomness_keypair: Option<PathBuf>,
    /// Keypair of the scheduler authority, when it differs from --keypair.
    #[arg(long, value_name = "PATH")]
    pub scheduler_keypair: Option<PathBuf>,
    /// Storage gateway URL (bundles submitted through the API are stored there).
    #[arg(long, env = "EDGERUN_STORAGE_URL", default_value = "http://127.0.0.1:8090")]
    pub storage: String,
    /// Address the HTTP API listens on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Jobs handled at once.
    #[arg(long, default_value_t = EngineConfig::default().concurrency)]
    pub concurrency: usize,
    /// Time between two reconciles with the chain, with its unit (`2s`, `500ms`); the account
    /// subscription brings changes sooner.
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(EngineConfig::default().reconcile_interval))]
    pub reconcile_interval: HumanDuration,
    /// Failures among the jobs on chain at which a worker is jailed (0: never).
    #[arg(long, default_value_t = JailPolicy::default().max_recent_failures)]
    pub jail_max_failures: u32,
    /// Slots a jailed worker stays out after its latest failure.
    #[arg(long, default_value_t = JailPolicy::default().cooldown_slots)]
    pub jail_cooldown_slots: u64,
    /// Never replace silent members (reassign_missing).
    #[arg(long)]
    pub no_reassign: bool,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t)]
    pub log_format: LogFormat,
    /// Requests a second one client (IP address) may make to the API, sustained.
    #[arg(long, value_name = "N", default_value_t = api::RateLimit::default().per_second,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,
    /// Requests one client may make at once before the sustained rate applies.
    #[arg(long, value_name = "N", default_value_t = api::RateLimit::default().burst,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_burst: u32,
    /// Folder where webhook registrations are kept across restarts (one file each, mode 600:
    /// they hold their secrets). Without it they last as long as the process.
    #[arg(long, value_name = "DIR")]
    pub webhook_store: Option<PathBuf>,
    /// Let webhooks go to hosts on loopback and private networks (a local network's receivers;
    /// never on a public scheduler: it would let customers reach the scheduler's own network).
    #[arg(long)]
    pub webhook_allow_private: bool,
    /// How long one webhook event is retried before it is given up, with its unit (`10m`).
    #[arg(long, value_name = "DURATION", default_value_t = HumanDuration(WebhookConfig::default().retry_for))]
    pub webhook_retry_for: HumanDuration,
}

pub use edgerun_service::logging::LogFormat;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Start(#[from] crate::engine::StartError),
    #[error("cannot listen on {address}: {error}")]
    Listen { address: SocketAddr, error: std::io::Error },
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
    #[error("the webhook store {path}: {error}")]
    WebhookStore { path: PathBuf, error: std::io::Error },
}

fn read_key(path: &std::path::Path, what: &str) -> Result<Keypair, ServiceError> {
    edgerun_sdk::keys::read_keypair(path).map_err(|error| {
        ServiceError::Usage(format!(
            "the {what} keypair: {error} (a Solana JSON keypair file, as `solana-keygen new` writes, mode 600)"
        ))
    })
}

/// Runs the scheduler until `cancel` (the caller wires signals to it). `ready` receives the
/// address the API listens on once it does.
pub async fn run(
    args: SchedulerArgs,
    cancel: CancellationToken,
    ready: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
) -> Result<(), ServiceError> {
    let shared = args.keypair.as_ref().map(|path| read_key(path, "authority")).transpose()?;
    let randomness = match &args.randomness_keypair {
        Some(path) => Some(read_key(path, "randomness authority")?),
        None => shared.as_ref().map(|key| key.insecure_clone()),
    };
    let scheduler = match &args.scheduler_keypair {
        Some(path) => Some(read_key(path, "scheduler authority")?),
        None => shared,
    };
    if randomness.is_none() && scheduler.is_none() {
        return Err(ServiceError::Usage(
            "no key given: pass --keypair (both authorities) or --randomness-keypair / --scheduler-keypair".into(),
        ));
    }
    let storage_key = scheduler.as_ref().or(randomness.as_ref()).map(|key| SigningKey::from_bytes(key.secret_bytes()));
    let mut storage = StorageClient::new(&args.storage)
        .map_err(|error| ServiceError::Usage(format!("--storage {}: {error}", args.storage)))?;
    if let Some(key) = storage_key {
        storage = storage.with_signer(key);
    }

    let backend = RpcBackend::new(
        args.url.clone(),
        RpcConfig {
            websocket: edgerun_sdk::client::Websocket::url_or_derived(args.ws_url.clone()),
            ..RpcConfig::default()
        },
    );
    let client = EdgerunClient::new(backend, ClientConfig::default());
    let config = EngineConfig {
        concurrency: args.concurrency.max(1),
        reconcile_interval: args.reconcile_interval.into(),
        jail: JailPolicy { max_recent_failures: args.jail_max_failures, cooldown_slots: args.jail_cooldown_slots },
        reassign: !args.no_reassign,
        ws_url: Some(args.ws_url.clone().unwrap_or_else(|| RpcBackend::websocket_url(&args.url))),
    };
    let metrics = Metrics::new();
    client.backend().calls().register(metrics.registry());
    let engine = Engine::new(client, storage.clone(), Authorities { randomness, scheduler }, config, metrics).await?;

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|error| ServiceError::Listen { address: args.listen, error })?;
    let address = listener.local_addr().map_err(|error| ServiceError::Listen { address: args.listen, error })?;
    tracing::info!(
        %address,
        rpc = %edgerun_sdk::keys::loggable_url(&args.url),
        storage = %edgerun_sdk::keys::loggable_url(&args.storage),
        "scheduler API listening"
    );
    if let Some(ready) = ready {
        let _ = ready.send(address);
    }

    let webhook_config = WebhookConfig {
        allow_private: args.webhook_allow_private,
        retry_for: args.webhook_retry_for.into(),
        store: args.webhook_store.clone(),
        ..WebhookConfig::default()
    };
    let webhooks = Webhooks::new(webhook_config, engine.metrics().registry(), cancel.clone())
        .map_err(|error| ServiceError::WebhookStore { path: args.webhook_store.clone().unwrap_or_default(), error })?;

    let state = AppState {
        engine: Arc::clone(&engine),
        storage,
        storage_url: args.storage.clone(),
        shutdown: cancel.clone(),
        feeds: Arc::default(),
        rate_limit: api::RateLimit { per_second: args.rate_limit, burst: args.rate_limit_burst },
        health: Arc::default(),
        webhooks: Arc::clone(&webhooks),
    };
    let engine_task = tokio::spawn(Arc::clone(&engine).run(cancel.clone()));
    let lookup_engine = Arc::clone(&engine);
    let webhooks_task = tokio::spawn(webhooks.run(engine.changes(), move |job_id| {
        (lookup_engine.known_job(&edgerun_sdk::pda::job_address(job_id)), lookup_engine.slot())
    }));
    let served =
        edgerun_service::http::serve(listener, api::router(state), HttpLimits::default(), cancel.clone()).await;
    cancel.cancel();
    let _ = engine_task.await;
    let _ = webhooks_task.await;
    tracing::info!("scheduler stopped");
    served.map_err(ServiceError::Serve)
}
