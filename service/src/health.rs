//! One `/health` contract for every service, so one probe configuration fits them all:
//!
//! - **200** with `{"status": "ok", ...}` when the service does its job;
//! - **503** with `{"status": "<word>", "message": "<what is wrong and what to do>", ...}`
//!   otherwise; `status` is a short stable word a monitor can match on (`starting`, `stale`,
//!   `wallet_empty`, `degraded`, ...).
//!
//! Further fields are the service's own figures (its slot, jobs in flight, ...). A health check
//! reads what the service already knows; it must not cost a stranger's request an RPC call.

use std::future::Future;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use prometheus::Registry;
use serde::Serialize;
use serde_json::{Map, Value};

/// What `/health` answers.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or a short word saying what is wrong.
    pub status: String,
    /// What is wrong and what an operator can do about it (absent when `ok`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The service's own figures.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub details: Map<String, Value>,
}

impl Health {
    pub const OK: &'static str = "ok";

    /// The service does its job.
    pub fn ok() -> Health {
        Health { status: Self::OK.into(), message: None, details: Map::new() }
    }

    /// The service does not do its job: `status` is a short word (never `ok`), `message` says
    /// what to do.
    pub fn unhealthy(status: &str, message: impl Into<String>) -> Health {
        debug_assert_ne!(status, Self::OK);
        Health { status: status.into(), message: Some(message.into()), details: Map::new() }
    }

    /// Adds one of the service's figures.
    pub fn with(mut self, name: &str, value: impl Serialize) -> Health {
        // Figures are plain numbers, strings and options of them: they always serialize.
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.details.insert(name.to_string(), value);
        self
    }

    pub fn is_ok(&self) -> bool {
        self.status == Self::OK
    }

    pub fn status_code(&self) -> StatusCode {
        if self.is_ok() {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

impl IntoResponse for Health {
    fn into_response(self) -> Response {
        (self.status_code(), Json(self)).into_response()
    }
}

/// `GET /metrics` of `registry`.
pub fn metrics_response(registry: &Registry) -> Response {
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], crate::metrics::render(registry)).into_response()
}

/// `GET /health` (answered by `health`) and `GET /metrics` (rendered from `registry`): the whole
/// HTTP surface of a service without an API of its own; services with one merge it in.
pub fn ops_router<H, F>(registry: Registry, health: H) -> Router
where
    H: Fn() -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Health> + Send + 'static,
{
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(move || std::future::ready(metrics_response(&registry))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_is_200_anything_else_503() {
        let ok = Health::ok().with("slot", 7u64);
        assert_eq!(ok.status_code(), StatusCode::OK);
        assert_eq!(serde_json::to_value(&ok).unwrap(), serde_json::json!({"status": "ok", "slot": 7}));
        let stale = Health::unhealthy("stale", "the chain was last read 90 s ago").with("slot", Option::<u64>::None);
        assert_eq!(stale.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            serde_json::to_value(&stale).unwrap(),
            serde_json::json!({"status": "stale", "message": "the chain was last read 90 s ago", "slot": null})
        );
    }
}
