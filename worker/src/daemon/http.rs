//! `/health` and `/metrics` on the daemon's local port, in the contract every Edgerun service
//! answers ([`edgerun_service::health`]).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use edgerun_service::health::{ops_router, Health};

use super::service::Daemon;

pub fn router(daemon: Arc<Daemon>) -> Router {
    let registry = daemon.metrics().registry().clone();
    ops_router(registry, move || std::future::ready(health(&daemon)))
}

/// `ok` while the worker keeps up with the chain (a reconcile succeeded within three reconcile
/// intervals plus 5 s) and its wallet can pay the next fees; otherwise 503 with `status`
/// `starting` (no reconcile yet), `stale` (the chain could not be read for a while; the daemon
/// keeps trying) or `wallet_empty` (nothing is sent until it is funded). Figures: `worker`,
/// `wallet_lamports`, `last_reconcile_seconds_ago`, `jobs_in_flight`, `stopping`.
pub fn health(daemon: &Daemon) -> Health {
    let since = daemon.since_last_reconcile();
    let stale_after = daemon.reconcile_interval() * 3 + Duration::from_secs(5);
    let worker = daemon.worker().pubkey();
    let health = match (since, daemon.wallet_short()) {
        (None, _) => Health::unhealthy("starting", "the first reconcile with the chain has not succeeded yet"),
        (Some(since), _) if since > stale_after => Health::unhealthy(
            "stale",
            format!("the chain was last read {}s ago; is the RPC node reachable?", since.as_secs()),
        ),
        (Some(_), Some(balance)) => Health::unhealthy(
            "wallet_empty",
            format!(
                "the wallet holds {balance} lamports, too few for the next fees; fund it: \
                 `solana transfer {worker} 0.01 --allow-unfunded-recipient`"
            ),
        ),
        (Some(_), None) => Health::ok(),
    };
    health
        .with("worker", worker.to_string())
        .with("wallet_lamports", daemon.wallet_lamports())
        .with("last_reconcile_seconds_ago", since.map(|since| since.as_secs_f64()))
        .with("jobs_in_flight", daemon.metrics().jobs_in_flight.get())
        .with("stopping", daemon.is_stopping())
}
