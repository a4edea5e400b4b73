//! `/health` and `/metrics` of the crank service, on a listener the caller bound.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::Metrics;

/// The service is healthy while it reads the slot: at most this long since the last read.
pub const HEALTHY_WITHIN: Duration = Duration::from_secs(30);

/// Serves until `cancel` is cancelled.
pub async fn serve(listener: TcpListener, metrics: Metrics, cancel: CancellationToken) -> std::io::Result<()> {
    let router = Router::new().route("/health", get(health)).route("/metrics", get(render)).with_state(metrics);
    axum::serve(listener, router).with_graceful_shutdown(cancel.cancelled_owned()).await
}

/// 200 while the chain answers (the slot was read within [`HEALTHY_WITHIN`]), else 503 with why.
async fn health(State(metrics): State<Metrics>) -> (StatusCode, String) {
    match metrics.since_last_slot_read() {
        Some(elapsed) if elapsed <= HEALTHY_WITHIN => {
            (StatusCode::OK, format!("ok: slot {}, {} jobs watched\n", metrics.slot.get(), metrics.jobs_watched.get()))
        }
        Some(elapsed) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unhealthy: the slot was last read {}s ago; is the RPC node reachable?\n", elapsed.as_secs()),
        ),
        None => (StatusCode::SERVICE_UNAVAILABLE, "starting: the slot has not been read yet\n".into()),
    }
}

async fn render(State(metrics): State<Metrics>) -> ([(axum::http::header::HeaderName, &'static str); 1], String) {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics.render())
}
