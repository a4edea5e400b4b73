//! `/health` and `/metrics` of the crank service, on a listener the caller bound, served by the
//! shared server ([`edgerun_service::http`]: timeouts, connection cap, graceful stop).

use std::time::Duration;

use axum::Router;
use edgerun_service::health::{ops_router, Health};
use edgerun_service::http::HttpLimits;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::Metrics;

/// The service is healthy while it reads the slot: at most this long since the last read.
pub const HEALTHY_WITHIN: Duration = Duration::from_secs(30);

/// Serves until `cancel` is cancelled.
pub async fn serve(listener: TcpListener, metrics: Metrics, cancel: CancellationToken) -> std::io::Result<()> {
    edgerun_service::http::serve(listener, router(metrics), HttpLimits::default(), cancel).await
}

/// `/health` ([`health`]) and `/metrics`.
pub fn router(metrics: Metrics) -> Router {
    let registry = metrics.registry().clone();
    ops_router(registry, move || std::future::ready(health(&metrics)))
}

/// `ok` while the chain answers (the slot was read within [`HEALTHY_WITHIN`]); `starting` before
/// the first read, `stale` after a silence. Figures: `slot`, `jobs_watched`,
/// `last_slot_read_seconds_ago`.
pub fn health(metrics: &Metrics) -> Health {
    let since = metrics.since_last_slot_read();
    let health = match since {
        Some(elapsed) if elapsed <= HEALTHY_WITHIN => Health::ok(),
        Some(elapsed) => Health::unhealthy(
            "stale",
            format!("the slot was last read {}s ago; is the RPC node reachable?", elapsed.as_secs()),
        ),
        None => Health::unhealthy("starting", "the slot has not been read yet"),
    };
    health
        .with("slot", metrics.slot.get())
        .with("jobs_watched", metrics.jobs_watched.get())
        .with("last_slot_read_seconds_ago", since.map(|since| since.as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_only_after_a_recent_slot_read() {
        let metrics = Metrics::new();
        assert_eq!(health(&metrics).status, "starting");
        metrics.slot_read(42);
        let health = health(&metrics);
        assert!(health.is_ok(), "{health:?}");
        assert_eq!(health.details["slot"], 42);
    }
}
