//! The scheduler's HTTP API: job submission for customers who do not run a node, job and worker
//! views, live job events, health and metrics. [`router`] builds the whole [`Router`] from an
//! [`AppState`], so tests drive it in-process (`tower::ServiceExt::oneshot`) exactly as a
//! server does.
//!
//! The scheduler never holds a customer's key or funds: `POST /v1/jobs` answers an *unsigned*
//! `post_job` transaction that the customer signs, and `POST /v1/transactions` relays what the
//! customer signed (Edgerun instructions only), simulating it first.

pub mod error;
pub mod feeds;
pub mod jobs;
pub mod network;
pub mod output;
pub mod webhooks;
pub mod workers;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use edgerun_sdk::bundle::MAX_BUNDLE_BYTES;
use edgerun_sdk::client::ChainBackend;
use edgerun_sdk::storage::StorageClient;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

use crate::engine::Engine;
use edgerun_service::health::Health;

pub use edgerun_sdk::scheduler_api::ErrorResponse;
pub use error::ApiError;

/// What every handler reads.
pub struct AppState<B: ChainBackend> {
    pub engine: Arc<Engine<B>>,
    /// The gateway bundles are stored in (writes signed with the scheduler's key).
    pub storage: StorageClient,
    /// The gateway's base URL, as given (for `/health` and output links).
    pub storage_url: String,
    /// Cancelled at shutdown: ends the event streams, so the server can drain.
    pub shutdown: CancellationToken,
    /// The job event feeds, one per watched job, shared by its viewers.
    pub feeds: Arc<feeds::JobFeeds>,
    /// Requests per client.
    pub rate_limit: RateLimit,
    /// `/health`'s shared probe.
    pub health: Arc<HealthProbe>,
    /// The webhooks customers registered.
    pub webhooks: Arc<crate::webhooks::Webhooks>,
}

/// What one client (IP address) may ask of the API: a stranger's request rate is bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests a second.
    pub per_second: u32,
    /// Requests at once before the sustained rate applies (a dashboard's page load, a viewer's
    /// reconnects).
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit { per_second: 50, burst: 500 }
    }
}

impl<B: ChainBackend> Clone for AppState<B> {
    fn clone(&self) -> Self {
        AppState {
            engine: Arc::clone(&self.engine),
            storage: self.storage.clone(),
            storage_url: self.storage_url.clone(),
            shutdown: self.shutdown.clone(),
            feeds: Arc::clone(&self.feeds),
            rate_limit: self.rate_limit,
            health: Arc::clone(&self.health),
            webhooks: Arc::clone(&self.webhooks),
        }
    }
}

/// Largest request body of `POST /v1/jobs`: a whole bundle, base64-encoded, in JSON.
pub const MAX_REQUEST_BYTES: usize = MAX_BUNDLE_BYTES / 3 * 4 + 64 * 1024;

/// Largest request body of `POST /v1/transactions`: a Solana transaction is at most 1,232 bytes,
/// 1,644 in base64; the rest is room for the JSON around it. A stranger's relay request costs
/// the scheduler at most this much memory, not a bundle's worth.
pub const MAX_RELAY_BYTES: usize = 4 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Edgerun scheduler API",
        description = "Submit jobs (the customer signs; the scheduler never holds a customer's key or funds), \
                       follow them, and see which workers may be assigned."
    ),
    paths(
        jobs::submit_job,
        jobs::relay_transaction,
        jobs::get_job,
        jobs::job_events,
        jobs::list_jobs,
        webhooks::register_webhook,
        output::job_output,
        workers::list_workers,
        network::network,
        network::events,
        health,
    ),
    components(schemas(
        ErrorResponse,
        edgerun_sdk::scheduler_api::SubmitJobRequest,
        edgerun_sdk::scheduler_api::SubmitJobResponse,
        edgerun_sdk::scheduler_api::RelayRequest,
        edgerun_sdk::scheduler_api::RelayResponse,
        edgerun_sdk::webhook::WebhookRequest,
        edgerun_sdk::webhook::WebhookCreated,
        edgerun_sdk::webhook::WebhookEvent,
        jobs::JobRow,
        jobs::JobList,
        workers::WorkerList,
        workers::WorkerRow,
        network::NetworkReport,
        network::ServiceHealth,
        network::StatusCount,
        network::TreasuryReport,
        network::WorkersSummary,
        Health,
    ))
)]
pub struct ApiDoc;

/// The OpenAPI document, as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The whole API, and the dashboard at `/`. Served by [`edgerun_service::http::serve`], which
/// gives handlers the peer's address as connect info: it is the rate limits' key.
pub fn router<B: ChainBackend>(state: AppState<B>) -> Router {
    // Per client (IP address): past the burst, 429 `rate_limited` with `Retry-After`. The
    // limiter's memory is pruned every minute until shutdown (quiet clients are forgotten).
    let RateLimit { per_second, burst } = state.rate_limit;
    let config = tower_governor::governor::GovernorConfigBuilder::default()
        .period(Duration::from_nanos(1_000_000_000 / u64::from(per_second.max(1))))
        .burst_size(burst.max(1))
        .finish()
        .expect("a period and a burst above zero");
    let limiter = Arc::clone(config.limiter());
    let shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => limiter.retain_recent(),
            }
        }
    });
    let limits = tower_governor::GovernorLayer::new(config).error_handler(rate_limited);
    Router::new()
        .route("/v1/jobs", post(jobs::submit_job::<B>).get(jobs::list_jobs::<B>))
        .route("/v1/jobs/{id}", get(jobs::get_job::<B>))
        .route("/v1/jobs/{id}/events", get(jobs::job_events::<B>))
        .route("/v1/jobs/{id}/output", get(output::job_output::<B>))
        .route("/v1/jobs/{id}/webhooks", post(webhooks::register_webhook::<B>))
        .route("/v1/transactions", post(jobs::relay_transaction::<B>).layer(DefaultBodyLimit::max(MAX_RELAY_BYTES)))
        .route("/v1/workers", get(workers::list_workers::<B>))
        .route("/health", get(health::<B>))
        .route("/metrics", get(metrics::<B>))
        .route("/openapi.json", get(|| async { Json(openapi()) }))
        .with_state(state.clone())
        .merge(network::routes(state.clone()))
        .merge(crate::dashboard::routes())
        .fallback(|| async { ApiError::not_found("no_such_route", "no such route; see /openapi.json") })
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(limits)
        .layer(middleware::from_fn_with_state(state, count_requests::<B>))
}

/// A client past its limits: 429 `rate_limited`, with when to try again.
fn rate_limited(error: tower_governor::GovernorError) -> Response {
    let wait = match &error {
        tower_governor::GovernorError::TooManyRequests { wait_time, .. } => *wait_time,
        _ => 1,
    };
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests from this address; slow down")
        .with_retry_after(Duration::from_secs(wait))
        .into_response()
}

/// Counts every answer by route and status.
async fn count_requests<B: ChainBackend>(State(state): State<AppState<B>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let response = next.run(request).await;
    state.engine.metrics().http_requests.with_label_values(&[&route, response.status().as_str()]).inc();
    response
}

/// Longest a health probe waits for the cluster or the gateway.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one probe's answer serves every `/health` request: a stranger polling `/health`
/// costs the cluster and the gateway at most one request each per this period.
const HEALTH_TTL: Duration = Duration::from_secs(2);

/// The last answer of a probe that costs the cluster or the gateway, shared by every caller for
/// a while (`/health`, `/v1/network`): callers arriving during a probe wait for it instead of
/// starting their own, so a stranger polling costs one probe per period whatever their number.
pub struct SharedProbe<T> {
    ttl: Duration,
    last: tokio::sync::Mutex<Option<(std::time::Instant, T)>>,
}

impl<T: Clone> SharedProbe<T> {
    pub fn new(ttl: Duration) -> Self {
        SharedProbe { ttl, last: tokio::sync::Mutex::new(None) }
    }

    /// The last answer if younger than the period, else `probe`'s (kept for the next callers).
    pub async fn get<F: std::future::Future<Output = T>>(&self, probe: impl FnOnce() -> F) -> T {
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = &*last {
            if at.elapsed() < self.ttl {
                return answer.clone();
            }
        }
        let answer = probe().await;
        *last = Some((std::time::Instant::now(), answer.clone()));
        answer
    }
}

/// `/health`'s probe of the cluster and the gateway.
pub type HealthProbe = SharedProbe<Health>;

impl Default for HealthProbe {
    fn default() -> Self {
        SharedProbe::new(HEALTH_TTL)
    }
}

/// Probes the cluster and the gateway for `/health`.
async fn probe_health<B: ChainBackend>(state: &AppState<B>) -> Health {
    let slot =
        tokio::time::timeout(HEALTH_TIMEOUT, state.engine.client().backend().slot()).await.ok().and_then(Result::ok);
    let gateway = state.storage.health(HEALTH_TIMEOUT).await.is_ok();
    let health = match (slot, gateway) {
        (Some(_), true) => Health::ok(),
        (None, true) => Health::unhealthy("degraded", "the cluster does not answer; check --url and the RPC node"),
        (Some(_), false) => Health::unhealthy("degraded", "the storage gateway does not answer; check --storage"),
        (None, false) => Health::unhealthy("degraded", "neither the cluster nor the storage gateway answers"),
    };
    health.with("chain", slot.is_some()).with("slot", slot).with("gateway", gateway)
}

/// 200 only when the cluster and the gateway both answer (probed at most every 2 s; the body
/// says which does not). Fields besides `status` and `message`: `chain`, `slot`, `gateway`.
#[utoipa::path(get, path = "/health", responses(
    (status = 200, description = "The cluster and the gateway answer", body = Health),
    (status = 503, description = "One of them does not", body = Health),
))]
pub async fn health<B: ChainBackend>(State(state): State<AppState<B>>) -> Response {
    state.health.get(|| probe_health(&state)).await.into_response()
}

async fn metrics<B: ChainBackend>(State(state): State<AppState<B>>) -> Response {
    edgerun_service::health::metrics_response(state.engine.metrics().registry())
}
