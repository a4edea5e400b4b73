//! The worker daemon (`edgerun-worker run`): one long-lived process per staked key that works
//! on every job whose committee has it, and earns.
//!
//! - Start: the key must be registered with at least the config's `min_worker_stake` (else it
//!   refuses, naming the `edgerun worker ...` command that fixes it).
//! - Learning of jobs: the sdk's [`ChainIndex`] of this worker's live jobs (assigned or awaiting
//!   DA): loaded at start with filtered queries (status and "this worker is in committee slot
//!   i"), then kept current by one websocket subscription per committee slot, filtered by the
//!   node the same way (only this worker's jobs travel; a change arrives within a slot). No
//!   listing in the steady state: the index re-loads only when a subscription re-subscribes or
//!   polls while its socket is down. The periodic reconcile goes over the index in memory and
//!   reads the wallet and the stake.
//! - Each job: [`step::Worker::execute_and_submit`] then [`step::Worker::settle`], the same code
//!   the demo and the tests run. Failures that may pass (gateway or node down, runtime busy) are
//!   retried with backoff until the deadline; the others are logged and left.
//! - Restart-safe: all state comes from the chain; see [`service`].
//! - Stop (SIGINT/SIGTERM, or the caller's token): no new jobs, in-flight ones get
//!   `shutdown_grace` to finish, then it returns.
//! - `/health` and `/metrics` on `listen` ([`http`], [`metrics`]).

pub mod downloads;
pub mod http;
pub mod metrics;
pub mod service;
pub mod step;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use edgerun_sdk::amount::{format_sol, sol};
use edgerun_sdk::client::{
    ChainIndex, ClientConfig, ClientError, EdgerunClient, IndexConfig, IndexEvent, RpcBackend, RpcConfig,
    SubscriptionConfig, Websocket,
};
use edgerun_sdk::edgerun::state::{JobStatus, WorkerStake, WORKER_STATUS_ACTIVE};
use edgerun_sdk::storage::{StorageClient, StorageError};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::runtime::{Runtime, RuntimeConfig, RuntimeError};
use metrics::Metrics;
use service::Daemon;
use step::{PointerTooLong, Worker};

/// How the daemon runs.
pub struct DaemonConfig {
    pub keypair: Keypair,
    /// JSON-RPC URL of the cluster.
    pub rpc_url: String,
    /// Websocket URL for the subscriptions (`RpcBackend::websocket_url(rpc_url)` unless set).
    pub ws_url: String,
    /// The storage gateway: bundles are read there, results published there, and output
    /// pointers name it.
    pub storage_url: String,
    /// Executions at once.
    pub concurrency: usize,
    /// Where `/health` and `/metrics` are served (port 0: any free one; the bound address is
    /// logged and printed).
    pub listen: SocketAddr,
    /// Pause between two reconciles with the chain.
    pub reconcile_interval: Duration,
    /// How long in-flight jobs may take to finish once stopping.
    pub shutdown_grace: Duration,
    /// Largest job memory this worker accepts (jobs above it are not run).
    pub max_memory_bytes: u64,
}

/// Why the daemon did not start (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(
        "no Edgerun config on {rpc_url}: check --url (the cluster the network runs on), or initialize the network \
         with `edgerun admin init`"
    )]
    NoConfig { rpc_url: String },
    #[error(
        "{worker} is not registered as a worker on {rpc_url}: register this keypair with `edgerun worker register \
         --stake {min_sol}` (at least {min_sol} SOL of stake), then start again"
    )]
    NotRegistered { worker: Address, rpc_url: String, min_sol: String },
    #[error(
        "worker {worker} has {stake} of stake, the network requires at least {min}: add the difference with \
         `edgerun worker stake {missing_sol}`, then start again"
    )]
    InsufficientStake { worker: Address, stake: String, min: String, missing_sol: String },
    #[error("cannot read the chain at {rpc_url}: {source}")]
    Chain {
        rpc_url: String,
        #[source]
        source: Box<ClientError>,
    },
    #[error("--storage {url}: {source}")]
    Storage {
        url: String,
        #[source]
        source: StorageError,
    },
    #[error(transparent)]
    Pointer(#[from] PointerTooLong),
    #[error("cannot serve /health and /metrics on {listen}: {source}")]
    Listen {
        listen: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the wasm runtime: {0}")]
    Runtime(#[from] RuntimeError),
}

impl DaemonError {
    /// The process exit code, as the `edgerun` CLI numbers them: 1 refused (the key is not
    /// registered or has too little stake, the network is not initialized, the runtime cannot
    /// start), 2 usage (a bad gateway URL, a port that cannot be bound), 3 the chain is
    /// unreachable.
    pub fn exit_code(&self) -> u8 {
        match self {
            DaemonError::NoConfig { .. }
            | DaemonError::NotRegistered { .. }
            | DaemonError::InsufficientStake { .. }
            | DaemonError::Runtime(_) => 1,
            DaemonError::Storage { .. } | DaemonError::Pointer(_) | DaemonError::Listen { .. } => 2,
            DaemonError::Chain { source, .. } if source.is_transport() => 3,
            DaemonError::Chain { .. } => 1,
        }
    }
}

/// Checks that `worker` may be assigned jobs: registered, with at least the minimum stake.
/// Returns its stake account.
pub async fn preflight(
    client: &EdgerunClient<RpcBackend>,
    rpc_url: &str,
    worker: &Address,
) -> Result<WorkerStake, DaemonError> {
    let chain = |source| DaemonError::Chain { rpc_url: rpc_url.to_string(), source: Box::new(source) };
    let config = match client.global_config().await {
        Ok(config) => config,
        Err(ClientError::NotFound { .. }) => return Err(DaemonError::NoConfig { rpc_url: rpc_url.to_string() }),
        Err(error) => return Err(chain(error)),
    };
    let min = config.min_worker_stake_lamports.get();
    let Some(stake) = client.worker_stake(worker).await.map_err(chain)? else {
        return Err(DaemonError::NotRegistered {
            worker: *worker,
            rpc_url: rpc_url.to_string(),
            min_sol: format_sol(min),
        });
    };
    let total = stake.total_stake.get();
    if total < min {
        return Err(DaemonError::InsufficientStake {
            worker: *worker,
            stake: sol(total),
            min: sol(min),
            missing_sol: format_sol(min - total),
        });
    }
    if stake.status != WORKER_STATUS_ACTIVE {
        tracing::warn!(worker = %worker, status = stake.status, "this worker is not active: the scheduler assigns it no new jobs; running for the jobs it already has");
    }
    if stake.unlocked_stake() < min {
        tracing::warn!(
            worker = %worker,
            unlocked = %sol(stake.unlocked_stake()),
            min = %sol(min),
            "less unlocked stake than the minimum: no new jobs until running ones release their locks (or `edgerun worker stake` adds more)"
        );
    }
    Ok(stake)
}

/// A gateway client with bounded waits, signing its writes with the worker's key (a gateway
/// that only takes writes from registered workers accepts them).
fn storage_client(url: &str, keypair: &Keypair) -> Result<StorageClient, DaemonError> {
    let storage_error = |source| DaemonError::Storage { url: url.to_string(), source };
    let http = edgerun_sdk::http::client_builder()
        .timeout(Duration::from_secs(300))
        .build()
        .map_err(|error| storage_error(StorageError::Http(error)))?;
    Ok(StorageClient::new(url)
        .map_err(storage_error)?
        .with_http_client(http)
        .with_signer(SigningKey::from_bytes(keypair.secret_bytes())))
}

/// Runs the daemon until `cancel` is cancelled (see the module documentation).
pub async fn run(config: DaemonConfig, cancel: CancellationToken) -> Result<(), DaemonError> {
    let keypair = Arc::new(config.keypair);
    let me = keypair.pubkey();
    let rpc = RpcConfig { websocket: Websocket::Url(config.ws_url.clone()), ..RpcConfig::default() };
    let client = EdgerunClient::new(RpcBackend::new(config.rpc_url.clone(), rpc), ClientConfig::default());
    let stake = preflight(&client, &config.rpc_url, &me).await?;

    let concurrency = config.concurrency.max(1);
    let store = storage_client(&config.storage_url, &keypair)?;
    let runtime = Runtime::new(RuntimeConfig {
        max_memory_bytes: config.max_memory_bytes,
        concurrent_executions: u32::try_from(concurrency).unwrap_or(u32::MAX),
        ..RuntimeConfig::default()
    })?;
    let runtime = Arc::new(runtime);
    let worker = Worker::new(client.clone(), store, Arc::clone(&keypair), Arc::clone(&runtime), concurrency)?;
    let metrics = Metrics::new();
    client.backend().calls().register(metrics.registry());
    if let Err(error) = runtime.register_metrics(metrics.registry()) {
        tracing::warn!(%error, "the module cache is not in /metrics");
    }
    metrics.record_stake(&stake);

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| DaemonError::Listen { listen: config.listen, source })?;
    let address = listener.local_addr().map_err(|source| DaemonError::Listen { listen: config.listen, source })?;
    tracing::info!(
        worker = %me,
        %address,
        rpc = %edgerun_sdk::keys::loggable_url(&config.rpc_url),
        ws = %edgerun_sdk::keys::loggable_url(&config.ws_url),
        storage = %edgerun_sdk::keys::loggable_url(&config.storage_url),
        concurrency,
        stake = %sol(stake.total_stake.get()),
        "worker started"
    );
    // A fixed stdout line, apart from the logs (stderr), so scripts and tests learn the port.
    println!("edgerun-worker listening on http://{address}");

    let index = ChainIndex::start(
        client.clone(),
        IndexConfig {
            subscription: SubscriptionConfig { ws_url: Some(config.ws_url.clone()), ..SubscriptionConfig::default() },
            // The statuses a member has work in: running and submitting, then declaring the output.
            job_statuses: vec![JobStatus::Assigned, JobStatus::AwaitingDa],
            member: Some(me),
            ..IndexConfig::default()
        },
        cancel.child_token(),
    )
    .await;
    let mut events = index.events();
    let (daemon, mut woken) =
        Daemon::new(worker, Arc::clone(&index), metrics, cancel.clone(), config.reconcile_interval);
    let server = {
        let router = http::router(Arc::clone(&daemon));
        let stop = cancel.clone();
        tokio::spawn(async move {
            let limits = edgerun_service::http::HttpLimits::default();
            if let Err(error) = edgerun_service::http::serve(listener, router, limits, stop).await {
                tracing::error!(%error, "the /health and /metrics server stopped");
            }
        })
    };

    let reconciler = {
        let (daemon, stop, interval) = (Arc::clone(&daemon), cancel.clone(), config.reconcile_interval);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = ticks.tick() => daemon.reconcile().await,
                }
            }
        })
    };

    daemon.follow_index();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            event = events.recv() => match event {
                Ok(IndexEvent::Job { job, .. }) => daemon.consider(&job, true),
                // Ended: its final state tells the bookkeeping to let it go.
                Ok(IndexEvent::JobLeft { last: Some(job), .. }) => daemon.consider(&job, true),
                Ok(IndexEvent::JobLeft { address, last: None, .. }) => daemon.forget(&address),
                Ok(IndexEvent::Resynced) | Err(RecvError::Lagged(_)) => daemon.follow_index(),
                Ok(_) => {}
                // The index stops with the same token.
                Err(RecvError::Closed) => break,
            },
            Some(job_id) = woken.recv() => daemon.woken(job_id),
        }
    }

    // Nothing is taken any more: the index and timers stop on the same token.
    drop(events);
    drop(woken);
    let in_flight = daemon.running();
    tracing::info!(
        in_flight,
        grace_seconds = config.shutdown_grace.as_secs(),
        "stopping: no new jobs, finishing the ones in flight"
    );
    daemon.tracker().close();
    if tokio::time::timeout(config.shutdown_grace, daemon.tracker().wait()).await.is_err() {
        tracing::warn!(abandoned = daemon.running(), "in-flight jobs did not finish within the grace period; abandoning them (a restart resumes them from the chain)");
    }
    let _ = reconciler.await;
    index.join().await;
    let _ = server.await;
    tracing::info!("stopped");
    Ok(())
}
