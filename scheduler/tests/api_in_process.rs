//! The API's refusals, in process: the whole [`router`] over an engine on the real program in
//! LiteSVM (the one test kit's `SharedChain`), driven with `tower::ServiceExt::oneshot` as a
//! server would (like axum's `examples/testing`). Each case asserts the status and the JSON
//! error code a program matches on; none needs the chain to answer more than the engine's start.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use edgerun_scheduler::api::{self, router, AppState, RateLimit};
use edgerun_scheduler::engine::{Authorities, Engine, EngineConfig};
use edgerun_scheduler::metrics::Metrics;
use edgerun_sdk::client::{ClientConfig, EdgerunClient, LiteSvmBackend};
use edgerun_sdk::storage::StorageClient;
use edgerun_tests::svm::{SharedChain, TestEnv};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

const UNKNOWN_JOB: &str = "4242424242424242424242424242424242424242424242424242424242424242";

struct App {
    state: AppState<LiteSvmBackend>,
    _chain: SharedChain,
}

impl App {
    async fn start(rate_limit: RateLimit) -> App {
        let chain = SharedChain::new(TestEnv::new());
        let (randomness, scheduler) =
            chain.with_env(|env| (env.randomness.insecure_clone(), env.scheduler.insecure_clone()));
        let client = EdgerunClient::new(chain.backend().clone(), ClientConfig::default());
        // No gateway: nothing here reaches it (a bundle is refused before it is stored).
        let storage = StorageClient::new("http://127.0.0.1:9").expect("a gateway URL");
        let authorities = Authorities { randomness: Some(randomness), scheduler: Some(scheduler) };
        let engine = Engine::new(client, storage.clone(), authorities, EngineConfig::default(), Metrics::new())
            .await
            .expect("the engine starts on the program's config");
        let shutdown = CancellationToken::new();
        let webhooks = edgerun_scheduler::webhooks::Webhooks::new(
            edgerun_scheduler::webhooks::WebhookConfig::default(),
            engine.metrics().registry(),
            shutdown.clone(),
        )
        .expect("webhooks");
        let state = AppState {
            engine,
            storage,
            storage_url: "http://127.0.0.1:9".into(),
            shutdown,
            feeds: Arc::default(),
            rate_limit,
            health: Arc::default(),
            webhooks,
        };
        App { state, _chain: chain }
    }

    fn router(&self) -> Router {
        router(self.state.clone())
    }

    /// One request from 127.0.0.1 (the rate limiter keys clients by their address).
    async fn call(&self, request: Request<Body>) -> (StatusCode, Value) {
        let mut request = request;
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        let response = self.router().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("the body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, body)
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    async fn post(&self, uri: &str, content_type: &str, body: impl Into<Body>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into());
        self.call(request.unwrap()).await
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.state.shutdown.cancel();
    }
}

#[track_caller]
fn refused(answer: (StatusCode, Value), status: StatusCode, code: &str) {
    let (actual, body) = answer;
    assert_eq!((actual, body["code"].as_str()), (status, Some(code)), "{body}");
    assert!(body["error"].as_str().is_some_and(|message| !message.is_empty()), "no message: {body}");
}

fn generous() -> RateLimit {
    RateLimit { per_second: 10_000, burst: 10_000 }
}

#[tokio::test]
async fn bad_job_references_and_unknown_jobs() {
    let app = App::start(generous()).await;
    for uri in ["/v1/jobs/not-a-job", "/v1/jobs/abcd", "/v1/jobs/%20abc", "/v1/jobs/not-a-job/output"] {
        refused(app.get(uri).await, StatusCode::BAD_REQUEST, "invalid_job_id");
    }
    refused(app.get(&format!("/v1/jobs/{UNKNOWN_JOB}")).await, StatusCode::NOT_FOUND, "job_not_found");
    refused(app.get(&format!("/v1/jobs/{UNKNOWN_JOB}/output")).await, StatusCode::NOT_FOUND, "job_not_found");
    refused(app.get(&format!("/v1/jobs/{UNKNOWN_JOB}/events")).await, StatusCode::NOT_FOUND, "job_not_found");
    refused(app.get("/v1/nothing-here").await, StatusCode::NOT_FOUND, "no_such_route");
}

#[tokio::test]
async fn bad_list_filters() {
    let app = App::start(generous()).await;
    refused(app.get("/v1/jobs?status=awaiting-da").await, StatusCode::BAD_REQUEST, "invalid_status");
    for limit in ["0", "1001"] {
        refused(app.get(&format!("/v1/jobs?limit={limit}")).await, StatusCode::BAD_REQUEST, "invalid_limit");
    }
    refused(app.get("/v1/jobs?limit=many").await, StatusCode::BAD_REQUEST, "invalid_query");
    refused(app.get("/v1/jobs?client=nobody").await, StatusCode::BAD_REQUEST, "invalid_client");
    refused(app.get("/v1/jobs?worker=nobody").await, StatusCode::BAD_REQUEST, "invalid_worker");
    refused(app.get("/v1/jobs?colour=blue").await, StatusCode::BAD_REQUEST, "invalid_query");
    refused(app.get("/v1/workers?colour=blue").await, StatusCode::BAD_REQUEST, "invalid_query");
}

#[tokio::test]
async fn bad_bodies() {
    let app = App::start(generous()).await;
    for uri in ["/v1/jobs", "/v1/transactions"] {
        refused(app.post(uri, "text/plain", "{}").await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_body");
        refused(app.post(uri, "application/json", "{not json").await, StatusCode::BAD_REQUEST, "invalid_body");
        refused(
            app.post(uri, "application/json", r#"{"unexpected": true}"#).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        );
        let too_large = vec![b' '; api::MAX_REQUEST_BYTES + 1];
        refused(app.post(uri, "application/json", too_large).await, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    }
    let submit = |body: Value| app.post("/v1/jobs", "application/json", body.to_string());
    refused(
        submit(serde_json::json!({ "client": "nobody", "bundle_hash": UNKNOWN_JOB, "escrow_lamports": 1 })).await,
        StatusCode::BAD_REQUEST,
        "invalid_client",
    );
    // A well-formed customer key, and then each way to name the bundle wrongly.
    let customer = "11111111111111111111111111111111";
    let cases = [
        (serde_json::json!({ "client": customer, "escrow_lamports": 1 }), "missing_bundle"),
        (
            serde_json::json!({ "client": customer, "escrow_lamports": 1, "bundle": "AAAA", "bundle_hash": UNKNOWN_JOB }),
            "bundle_twice",
        ),
        (
            serde_json::json!({ "client": customer, "escrow_lamports": 1, "bundle": "not base64!" }),
            "invalid_bundle_encoding",
        ),
        (serde_json::json!({ "client": customer, "escrow_lamports": 1, "bundle_hash": "abcd" }), "invalid_bundle_hash"),
    ];
    for (body, code) in cases {
        refused(submit(body).await, StatusCode::BAD_REQUEST, code);
    }
    let relay = |transaction: &str| {
        app.post("/v1/transactions", "application/json", serde_json::json!({ "transaction": transaction }).to_string())
    };
    refused(relay("").await, StatusCode::BAD_REQUEST, "invalid_transaction");
    refused(relay("not base64!").await, StatusCode::BAD_REQUEST, "invalid_transaction");
    refused(relay("AAAA").await, StatusCode::BAD_REQUEST, "invalid_transaction");
}

#[tokio::test]
async fn the_stream_cap_refuses_with_a_retry_time() {
    let app = App::start(generous()).await;
    let held: Vec<_> = (0..api::feeds::MAX_STREAMS).map(|_| app.state.feeds.admit().expect("a place")).collect();
    let mut request = Request::get("/v1/events").body(Body::empty()).unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    let response = app.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let body: Value =
        serde_json::from_slice(&axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap()).unwrap();
    assert_eq!(body["code"], "too_many_streams", "{body}");
    drop(held);
    assert_eq!(app.state.feeds.open_streams(), 0);
}

#[tokio::test]
async fn a_client_past_its_rate_is_told_when_to_come_back() {
    let app = App::start(RateLimit { per_second: 1, burst: 2 }).await;
    // One router for every request, as a server has: the limiter lives in it.
    let router = app.router();
    // The burst passes; requests sent back to back then outrun one per second. A bounded number
    // of them, so a slow machine (a token back between two requests) cannot make this fail.
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..100 {
        let mut request = Request::get("/v1/nothing-here").body(Body::empty()).unwrap();
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        let response = router.clone().oneshot(request).await.unwrap();
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after = response.headers().get(header::RETRY_AFTER).cloned();
            break;
        }
    }
    assert_eq!(&statuses[..2], [StatusCode::NOT_FOUND; 2], "the burst of 2 is served");
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert!(retry_after.is_some(), "429 without Retry-After");
}
