//! Prometheus metrics and the per-request logging/metrics middleware.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

use crate::blob::BlobKind;
use crate::error::RejectCode;

/// All gateway metrics, in their own registry so tests can run several gateways per process.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_seconds: HistogramVec,
    bytes_received: IntCounterVec,
    bytes_sent: IntCounterVec,
    rejects: IntCounterVec,
    objects_created: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        // Names below are prefixed `edgerun_storage_` by the registry.
        let registry = edgerun_service::metrics::registry("edgerun_storage");
        let requests = IntCounterVec::new(
            Opts::new("requests_total", "HTTP requests by route, method and status"),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let request_seconds = HistogramVec::new(
            HistogramOpts::new("request_duration_seconds", "Time to produce the response head, by route and method"),
            &["route", "method"],
        )
        .expect("valid metric");
        let bytes_received =
            IntCounterVec::new(Opts::new("bytes_received_total", "Request body bytes read, by blob kind"), &["kind"])
                .expect("valid metric");
        let bytes_sent =
            IntCounterVec::new(Opts::new("bytes_sent_total", "Response body bytes sent, by blob kind"), &["kind"])
                .expect("valid metric");
        let rejects = IntCounterVec::new(Opts::new("rejects_total", "Error responses by reason code"), &["reason"])
            .expect("valid metric");
        let objects_created =
            IntCounterVec::new(Opts::new("objects_created_total", "New objects stored, by blob kind"), &["kind"])
                .expect("valid metric");
        for collector in [&requests, &bytes_received, &bytes_sent, &rejects, &objects_created] {
            registry.register(Box::new(collector.clone())).expect("unique metric");
        }
        registry.register(Box::new(request_seconds.clone())).expect("unique metric");
        Metrics { registry, requests, request_seconds, bytes_received, bytes_sent, rejects, objects_created }
    }

    pub fn add_bytes_received(&self, kind: BlobKind, bytes: u64) {
        self.bytes_received.with_label_values(&[kind.as_str()]).inc_by(bytes);
    }

    pub fn add_bytes_sent(&self, kind: BlobKind, bytes: u64) {
        self.bytes_sent.with_label_values(&[kind.as_str()]).inc_by(bytes);
    }

    pub fn object_created(&self, kind: BlobKind) {
        self.objects_created.with_label_values(&[kind.as_str()]).inc();
    }

    /// The registry behind `/metrics`.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The `method` label: the methods the gateway serves by name, any other as `other`. A client may
/// send any token as a method; each would otherwise be a new time series kept forever.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts and logs every request. The route label is the matched route template, never the
/// raw path, so label cardinality stays fixed.
pub async fn track_requests(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let path = request.uri().path().to_owned();

    let response = next.run(request).await;

    let status = response.status();
    let elapsed = started.elapsed();
    let method_label = method_label(&method);
    metrics.requests.with_label_values(&[route.as_str(), method_label, status.as_str()]).inc();
    metrics.request_seconds.with_label_values(&[route.as_str(), method_label]).observe(elapsed.as_secs_f64());
    let reject = response.extensions().get::<RejectCode>().map(|code| code.0);
    if let Some(reason) = reject {
        metrics.rejects.with_label_values(&[reason]).inc();
    }
    tracing::info!(
        %method,
        %path,
        status = status.as_u16(),
        reject,
        elapsed_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

#[cfg(test)]
mod method_tests {
    use super::method_label;

    #[test]
    fn methods_outside_the_known_few_share_one_label() {
        assert_eq!(method_label(&axum::http::Method::GET), "GET");
        let invented = axum::http::Method::from_bytes(b"FLOOD123").unwrap();
        assert_eq!(method_label(&invented), "other");
        assert_eq!(method_label(&axum::http::Method::from_bytes(b"FLOOD124").unwrap()), "other");
    }
}
