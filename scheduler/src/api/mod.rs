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
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter};
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
                       follow them, and see which workers may be assigned. Every error answer is JSON \
                       (`ErrorResponse`: a stable `code` and a sentence); every route may answer 429 \
                       `rate_limited` with `Retry-After` when one address asks too much."
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
        metrics,
        openapi_json,
    ),
    components(schemas(
        ErrorResponse,
        output::OutputBytes,
        edgerun_sdk::scheduler_api::SubmitJobRequest,
        edgerun_sdk::scheduler_api::SubmitJobResponse,
        edgerun_sdk::scheduler_api::RelayRequest,
        edgerun_sdk::scheduler_api::RelayResponse,
        edgerun_sdk::webhook::WebhookRequest,
        edgerun_sdk::webhook::WebhookCreated,
        edgerun_sdk::webhook::WebhookEvent,
        jobs::JobRow,
        jobs::JobList,
        jobs::JobStatusName,
        jobs::JobStreamEvent,
        jobs::JobStreamEventName,
        workers::WorkerList,
        workers::WorkerRow,
        network::NetworkReport,
        network::ServiceHealth,
        network::StatusCount,
        network::TreasuryReport,
        network::WorkersSummary,
        network::NetworkStreamEvent,
        network::NetworkStreamEventName,
        Health,
    )),
    modifiers(&CommonAnswers)
)]
pub struct ApiDoc;

/// The OpenAPI document, as served at `/openapi.json`: utoipa's, with the unsigned integer
/// formats spelled as clients know them (`uint64`; utoipa writes `u-int64`).
pub fn openapi() -> serde_json::Value {
    let mut document = serde_json::to_value(ApiDoc::openapi()).expect("an OpenAPI document serializes");
    respell_formats(&mut document);
    document
}

fn respell_formats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match field {
                    serde_json::Value::String(format) if key == "format" => {
                        if let Some(bits) = format.strip_prefix("u-int") {
                            *format = format!("uint{bits}");
                        }
                    }
                    _ => respell_formats(field),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(respell_formats),
        _ => {}
    }
}

/// The answers every route shares, added in one place rather than on each route: 429
/// `rate_limited` (the per-address limiter in front of every route, with `Retry-After`), and for
/// routes that take a JSON body the refusals of axum's `Json` extractor as [`ApiError`] shapes
/// them (400 not JSON, 413 past the route's body limit, 415 not `application/json`, 422 JSON of
/// the wrong shape).
struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, Type};
        let error = |description: &str| {
            ResponseBuilder::new().description(description).content(
                "application/json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorResponse"))).build(),
            )
        };
        let retry_after = HeaderBuilder::new()
            .schema(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
            .description(Some("Seconds to wait before asking again"))
            .build();
        let rate_limited = error("Too many requests from this address (`rate_limited`); try again after `Retry-After`")
            .header("Retry-After", retry_after)
            .build();
        let body_refusals = [
            ("400", "The body is not JSON (`invalid_body`), or a field's value is refused (the `code` says which)"),
            ("413", "The body is larger than the route takes (`body_too_large`)"),
            ("415", "The body is not sent as `Content-Type: application/json` (`invalid_body`)"),
            (
                "422",
                "JSON of the wrong shape: a missing, unknown or mistyped field (`invalid_body`), or a request \
                     the network would refuse (the `code` says which)",
            ),
        ];
        for item in doc.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                responses.insert("429".into(), rate_limited.clone().into());
                if operation.request_body.is_some() {
                    for (status, description) in body_refusals {
                        // A route's own description of the code (what else it means there) wins.
                        responses.entry(status.into()).or_insert_with(|| error(description).build().into());
                    }
                }
            }
        }
    }
}

/// A [`Router`] that records the method and path of each route it mounts: [`mounted`] lists
/// the API's routes from the same calls that build it, so a test can hold the OpenAPI document
/// to exactly them.
pub struct Routes<S> {
    router: Router<S>,
    mounted: Vec<(Method, &'static str)>,
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Routes { router: Router::new(), mounted: Vec::new() }
    }

    /// `handler` answers `method` requests to `path`.
    pub fn on<H: Handler<T, S>, T: 'static>(self, method: Method, path: &'static str, handler: H) -> Self {
        self.mount(method, path, |filter| on(filter, handler))
    }

    /// [`Routes::on`], with request bodies limited to `max_body` bytes (instead of
    /// [`MAX_REQUEST_BYTES`]).
    pub fn on_limited<H: Handler<T, S>, T: 'static>(
        self,
        method: Method,
        path: &'static str,
        max_body: usize,
        handler: H,
    ) -> Self {
        self.mount(method, path, |filter| on(filter, handler).layer(DefaultBodyLimit::max(max_body)))
    }

    fn mount(
        mut self,
        method: Method,
        path: &'static str,
        route: impl FnOnce(MethodFilter) -> axum::routing::MethodRouter<S>,
    ) -> Self {
        let filter = MethodFilter::try_from(method.clone()).expect("an HTTP method axum routes");
        // Two methods on one path merge into one route (axum refuses the same method twice).
        self.router = self.router.route(path, route(filter));
        self.mounted.push((method, path));
        self
    }

    /// The routes, ready for their state.
    pub fn into_router(self) -> Router<S> {
        self.router
    }
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

/// The API's routes on [`AppState`] (`/v1/network` and `/v1/events` are [`network`]'s).
fn api_routes<B: ChainBackend>() -> Routes<AppState<B>> {
    Routes::new()
        .on(Method::POST, "/v1/jobs", jobs::submit_job::<B>)
        .on(Method::GET, "/v1/jobs", jobs::list_jobs::<B>)
        .on(Method::GET, "/v1/jobs/{id}", jobs::get_job::<B>)
        .on(Method::GET, "/v1/jobs/{id}/events", jobs::job_events::<B>)
        .on(Method::GET, "/v1/jobs/{id}/output", output::job_output::<B>)
        .on(Method::POST, "/v1/jobs/{id}/webhooks", webhooks::register_webhook::<B>)
        .on_limited(Method::POST, "/v1/transactions", MAX_RELAY_BYTES, jobs::relay_transaction::<B>)
        .on(Method::GET, "/v1/workers", workers::list_workers::<B>)
        .on(Method::GET, "/health", health::<B>)
        .on(Method::GET, "/metrics", metrics::<B>)
        .on(Method::GET, "/openapi.json", openapi_json)
}

/// Every route of the API, method and path (the dashboard's pages and assets aside: they are
/// for browsers, not API clients). The OpenAPI document has exactly these (tested).
pub fn mounted<B: ChainBackend>() -> Vec<(Method, &'static str)> {
    let mut routes = api_routes::<B>().mounted;
    routes.extend(network::api_routes::<B>().mounted);
    routes
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
    api_routes::<B>()
        .into_router()
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
    (status = 200, description = "The cluster and the gateway answer", body = Health,
        example = json!({"status": "ok", "chain": true, "slot": 4242, "gateway": true})),
    (status = 503, description = "One of them does not (`status`: `degraded`; `message` says which)", body = Health,
        example = json!({"status": "degraded", "message": "the storage gateway does not answer; check --storage",
                         "chain": true, "slot": 4242, "gateway": false})),
))]
pub async fn health<B: ChainBackend>(State(state): State<AppState<B>>) -> Response {
    state.health.get(|| probe_health(&state)).await.into_response()
}

/// The scheduler's Prometheus metrics (text exposition format 0.0.4): requests by route and
/// status, transactions, assignments, the chain index, webhooks.
#[utoipa::path(get, path = "/metrics", responses(
    (status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain",
        example = json!("# TYPE http_requests_total counter\nhttp_requests_total{route=\"/health\",status=\"200\"} 1\n")),
))]
pub async fn metrics<B: ChainBackend>(State(state): State<AppState<B>>) -> Response {
    edgerun_service::health::metrics_response(state.engine.metrics().registry())
}

/// This document (OpenAPI 3.1).
#[utoipa::path(get, path = "/openapi.json", responses(
    (status = 200, description = "The OpenAPI document of this API", body = Object, content_type = "application/json"),
))]
pub async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use edgerun_sdk::client::RpcBackend;
    use serde_json::Value;

    use super::*;

    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    fn document() -> Value {
        openapi()
    }

    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut operations = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                if METHODS.contains(&method.as_str()) {
                    operations.push((method.to_uppercase(), path.clone(), operation));
                }
            }
        }
        operations
    }

    /// The router and the document list the same routes, method for method.
    #[test]
    fn the_document_describes_exactly_the_routes_mounted() {
        let doc = document();
        let documented: BTreeSet<(String, String)> =
            operations(&doc).into_iter().map(|(method, path, _)| (method, path)).collect();
        let routes = mounted::<RpcBackend>();
        let served: BTreeSet<(String, String)> =
            routes.iter().map(|(method, path)| (method.to_string(), path.to_string())).collect();
        assert_eq!(served.len(), routes.len(), "a route mounted twice");
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unmounted: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unmounted.is_empty(),
            "mounted, not documented: {undocumented:?}; documented, not mounted: {unmounted:?}"
        );
        assert!(served.contains(&("POST".to_string(), "/v1/jobs".to_string())), "{served:?}");
    }

    /// Each `{name}` of a path is a path parameter of its operations and each path parameter is
    /// in the path; everything else is in the query (a query's fields once came out as required
    /// path parameters). Every parameter has a schema, and a job's `{id}` its pattern.
    #[test]
    fn parameters_are_where_they_are_read() {
        let doc = document();
        for (method, path, operation) in operations(&doc) {
            let in_template: BTreeSet<&str> =
                path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}')).collect();
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: BTreeSet<String> = parameters
                .iter()
                .filter(|parameter| parameter["in"] == "path")
                .map(|parameter| parameter["name"].as_str().expect("a name").to_string())
                .collect();
            assert_eq!(
                in_template.iter().map(|name| name.to_string()).collect::<BTreeSet<_>>(),
                in_path,
                "{method} {path}"
            );
            for parameter in &parameters {
                let location = parameter["in"].as_str().expect("in");
                assert!(matches!(location, "path" | "query"), "{method} {path}: {parameter}");
                assert!(parameter["schema"].is_object(), "{method} {path}: {parameter}");
                if location == "path" {
                    assert_eq!(parameter["required"], true, "{method} {path}: {parameter}");
                    assert!(parameter["schema"]["pattern"].is_string(), "{method} {path}: {parameter}");
                } else {
                    assert_ne!(parameter["required"], true, "{method} {path}: {parameter} (every filter is optional)");
                }
            }
        }
        let list = operations(&doc).into_iter().find(|(method, path, _)| method == "GET" && path == "/v1/jobs");
        let parameters = list.expect("GET /v1/jobs").2["parameters"].clone();
        let limit = parameters.as_array().unwrap().iter().find(|parameter| parameter["name"] == "limit").unwrap();
        assert_eq!(
            (&limit["schema"]["minimum"], &limit["schema"]["maximum"]),
            (&Value::from(1), &Value::from(jobs::MAX_LIST_LIMIT))
        );
        // A u64 is a uint64, not an int64 (whose range a client or a fuzzer would hold it to).
        let workers = operations(&doc).into_iter().find(|(method, path, _)| method == "GET" && path == "/v1/workers");
        let lock = &workers.expect("GET /v1/workers").2["parameters"][0];
        assert_eq!((&lock["name"], &lock["schema"]["format"]), (&Value::from("lock_lamports"), &Value::from("uint64")));
        let text = doc.to_string();
        assert!(!text.contains("\"u-int"), "a format utoipa misspells is left");
    }

    /// Every operation may answer 429 (the limiter fronts every route); every error answer is
    /// JSON of `ErrorResponse`; every route taking JSON documents its refusals (413, 415).
    #[test]
    fn every_answer_is_documented_with_its_shape() {
        let doc = document();
        let error_schema = Value::from("#/components/schemas/ErrorResponse");
        for (method, path, operation) in operations(&doc) {
            let responses = operation["responses"].as_object().expect("responses");
            assert!(responses.contains_key("429"), "{method} {path}");
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
                let example = &operation["requestBody"]["content"]["application/json"]["example"];
                assert!(example.is_object(), "{method} {path}: a request example");
            }
            for (status, response) in responses {
                let content = response["content"].as_object();
                assert!(content.is_some_and(|content| !content.is_empty()), "{method} {path} {status}: no content");
                if !status.starts_with('2') && path != "/health" {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"], error_schema,
                        "{method} {path} {status}"
                    );
                }
            }
        }
        let media = |method: &str, path: &str| {
            let found = operations(&doc).into_iter().find(|(m, p, _)| m == method && p == path).expect(path).2.clone();
            found["responses"]["200"]["content"].as_object().unwrap().keys().cloned().collect::<Vec<_>>()
        };
        assert_eq!(media("GET", "/metrics"), ["text/plain"]);
        assert_eq!(media("GET", "/v1/events"), ["text/event-stream"]);
        assert_eq!(media("GET", "/v1/jobs/{id}/events"), ["text/event-stream"]);
    }

    /// `JobStatusName` is the program's statuses by the names the API reads and writes.
    #[test]
    fn status_names_are_the_programs_statuses() {
        use edgerun::state::JobStatus;
        use jobs::JobStatusName::*;
        let names = [Posted, Seeded, Assigned, QuorumReached, AwaitingDa, Finalized, Cancelled, Slashed];
        let labels: Vec<Value> =
            JobStatus::ALL.into_iter().map(|status| edgerun_crank::view::status_label(status).into()).collect();
        let named: Vec<Value> = names.iter().map(|name| serde_json::to_value(name).unwrap()).collect();
        assert_eq!(named, labels);
    }
}
