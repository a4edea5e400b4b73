//! `/health` and `/metrics` on the daemon's local port.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::service::Daemon;

pub fn router(daemon: Arc<Daemon>) -> Router {
    Router::new().route("/health", get(health)).route("/metrics", get(metrics)).with_state(daemon)
}

/// `GET /health`: 200 while the worker keeps up with the chain (a reconcile succeeded within
/// three reconcile intervals), 503 otherwise; the body says which.
#[derive(Serialize)]
struct Health {
    /// `ok`, or `stale`: the chain could not be read for a while (the daemon keeps trying).
    status: &'static str,
    worker: String,
    /// Seconds since the last successful reconcile (`null` before the first).
    last_reconcile_seconds_ago: Option<f64>,
    jobs_in_flight: i64,
    stopping: bool,
}

async fn health(State(daemon): State<Arc<Daemon>>) -> impl IntoResponse {
    let since = daemon.since_last_reconcile();
    let stale_after = daemon.reconcile_interval() * 3 + Duration::from_secs(5);
    let ok = since.is_some_and(|since| since <= stale_after);
    let body = Health {
        status: if ok { "ok" } else { "stale" },
        worker: daemon.worker().pubkey().to_string(),
        last_reconcile_seconds_ago: since.map(|since| since.as_secs_f64()),
        jobs_in_flight: daemon.metrics().jobs_in_flight.get(),
        stopping: daemon.is_stopping(),
    };
    (if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}

/// `GET /metrics`: the Prometheus text format.
async fn metrics(State(daemon): State<Arc<Daemon>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], daemon.metrics().render())
}
