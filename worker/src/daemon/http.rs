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
/// three reconcile intervals) and its wallet can pay the next fees, 503 otherwise; the body says
/// which.
#[derive(Serialize)]
struct Health {
    /// `ok`; `stale`: the chain could not be read for a while (the daemon keeps trying);
    /// `wallet_empty`: the wallet cannot pay the next fees (nothing is sent until it is funded).
    status: &'static str,
    /// The wallet's balance at the last reconcile.
    wallet_lamports: Option<u64>,
    worker: String,
    /// Seconds since the last successful reconcile (`null` before the first).
    last_reconcile_seconds_ago: Option<f64>,
    jobs_in_flight: i64,
    stopping: bool,
}

async fn health(State(daemon): State<Arc<Daemon>>) -> impl IntoResponse {
    let since = daemon.since_last_reconcile();
    let stale_after = daemon.reconcile_interval() * 3 + Duration::from_secs(5);
    let fresh = since.is_some_and(|since| since <= stale_after);
    let short = daemon.wallet_short();
    let ok = fresh && short.is_none();
    let body = Health {
        status: match (fresh, short) {
            (false, _) => "stale",
            (true, Some(_)) => "wallet_empty",
            (true, None) => "ok",
        },
        wallet_lamports: daemon.wallet_lamports(),
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
