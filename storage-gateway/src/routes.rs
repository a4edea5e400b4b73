//! HTTP API:
//!
//! - `PUT /bundle/{hash}`, `PUT /output/{hash}`: store a body that hashes to `hash`
//!   (201 created, 200 already present).
//! - `GET` / `HEAD` of the same paths: the object, immutable, with `Range` support.
//! - `GET /health`, `GET /metrics`.

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{middleware, Json, Router};
use edgerun_sdk::storage_auth::{now_unix_secs, WriteAuthorization};
use edgerun_service::health::Health;
use futures::{StreamExt, TryStreamExt};

use crate::blob::{BlobKind, ContentHash};
use crate::error::ApiError;
use crate::lookups::{NegativeLookups, Precheck, UNKNOWN_CLIENT};
use crate::metrics::{track_requests, Metrics};
use crate::policy::{WritePolicy, WriteRequest};
use crate::retention::Retention;
use crate::store::{BlobStore, PutError};

/// Objects never change under their name, so any cache may keep them forever.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Per-kind size caps and the accepted clock skew of signed writes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bundle_bytes: u64,
    pub max_output_bytes: u64,
    pub max_clock_skew_secs: u64,
}

impl Limits {
    fn max_bytes(&self, kind: BlobKind) -> u64 {
        match kind {
            BlobKind::Bundle => self.max_bundle_bytes,
            BlobKind::Output => self.max_output_bytes,
        }
    }
}

/// Everything a request handler needs.
pub struct AppState {
    pub store: BlobStore,
    pub policy: WritePolicy,
    pub limits: Limits,
    pub metrics: Arc<Metrics>,
    /// Absent objects remembered, and each client's budget of lookups that find nothing.
    pub lookups: NegativeLookups,
    /// Retention of blobs by the jobs on chain (with a chain to ask).
    pub retention: Option<Arc<Retention>>,
}

/// The peer's address when the server records it (`ConnectInfo`), else one shared key.
fn client_of(extensions: &Extensions) -> IpAddr {
    extensions.get::<ConnectInfo<SocketAddr>>().map_or(UNKNOWN_CLIENT, |info| info.0.ip())
}

pub use edgerun_sdk::storage::PutResponse;

pub fn router(state: Arc<AppState>) -> Router {
    let metrics = Arc::clone(&state.metrics);
    Router::new()
        .route("/bundle/{hash}", blob_routes(BlobKind::Bundle))
        .route("/output/{hash}", blob_routes(BlobKind::Output))
        .route("/health", get(health))
        .route("/metrics", get(render_metrics))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no_such_route", "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed on this route")
        })
        .with_state(state)
        .layer(middleware::from_fn_with_state(metrics, track_requests))
}

fn blob_routes(kind: BlobKind) -> MethodRouter<Arc<AppState>> {
    get(
        move |State(state): State<Arc<AppState>>,
              Path(name): Path<String>,
              extensions: Extensions,
              headers: HeaderMap| async move {
            read_blob(&state, kind, &name, client_of(&extensions), &headers).await
        },
    )
    .head(move |State(state): State<Arc<AppState>>, Path(name): Path<String>, extensions: Extensions| async move {
        head_blob(&state, kind, &name, client_of(&extensions)).await
    })
    .put(
        move |State(state): State<Arc<AppState>>, Path(name): Path<String>, headers: HeaderMap, body: Body| async move {
            write_blob(&state, kind, &name, &headers, body).await
        },
    )
}

fn parse_name(name: &str) -> Result<ContentHash, ApiError> {
    name.parse().map_err(|_| ApiError::malformed_hash())
}

fn object_headers(hash: &ContentHash, content_length: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(content_length));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{hash}\"")) {
        headers.insert(header::ETAG, etag);
    }
    headers
}

/// Looks the object up unless it is known absent or the client's budget of lookups that find
/// nothing is spent; a miss is remembered and charged.
async fn size_of(state: &AppState, kind: BlobKind, hash: &ContentHash, client: IpAddr) -> Result<u64, ApiError> {
    if state.lookups.precheck(client, kind, hash)? == Precheck::KnownAbsent {
        return Err(ApiError::not_found());
    }
    match state.store.size_of(kind, hash).await.map_err(ApiError::store)? {
        Some(size) => Ok(size),
        None => {
            state.lookups.missed(client, kind, hash);
            Err(ApiError::not_found())
        }
    }
}

async fn head_blob(state: &AppState, kind: BlobKind, name: &str, client: IpAddr) -> Result<Response, ApiError> {
    let hash = parse_name(name)?;
    let size = size_of(state, kind, &hash, client).await?;
    Ok((object_headers(&hash, size), Body::empty()).into_response())
}

async fn read_blob(
    state: &AppState,
    kind: BlobKind,
    name: &str,
    client: IpAddr,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let hash = parse_name(name)?;

    if if_none_match_hits(headers, &hash) {
        // The ETag is the content hash, so a matching tag is fresh if the object exists.
        size_of(state, kind, &hash, client).await?;
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        let mut object = object_headers(&hash, 0);
        object.remove(header::CONTENT_LENGTH);
        response.headers_mut().extend(object);
        return Ok(response);
    }

    let range_header = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let range = match range_header {
        None => None,
        Some(text) => {
            let size = size_of(state, kind, &hash, client).await?;
            match parse_range(text, size) {
                RangeRequest::Whole => None,
                RangeRequest::Part(range) => Some(range),
                RangeRequest::Unsatisfiable => return Err(ApiError::range_not_satisfiable(size)),
            }
        }
    };
    let partial = range.is_some();
    if range.is_none() && state.lookups.precheck(client, kind, &hash)? == Precheck::KnownAbsent {
        return Err(ApiError::not_found());
    }
    let read = match state.store.read(kind, &hash, range).await.map_err(ApiError::store)? {
        Some(read) => read,
        None => {
            state.lookups.missed(client, kind, &hash);
            return Err(ApiError::not_found());
        }
    };

    let mut headers = object_headers(&hash, read.range.end - read.range.start);
    let status = if partial {
        let content_range = format!("bytes {}-{}/{}", read.range.start, read.range.end - 1, read.size);
        if let Ok(value) = HeaderValue::from_str(&content_range) {
            headers.insert(header::CONTENT_RANGE, value);
        }
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let metrics = Arc::clone(&state.metrics);
    let body = read.stream.inspect_ok(move |chunk| metrics.add_bytes_sent(kind, chunk.len() as u64));
    Ok((status, headers, Body::from_stream(body)).into_response())
}

fn if_none_match_hits(headers: &HeaderMap, hash: &ContentHash) -> bool {
    let Some(value) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let quoted = format!("\"{hash}\"");
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == quoted || tag.strip_prefix("W/") == Some(quoted.as_str()))
}

/// What a `Range` header asks of an object of a given size.
#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    /// No usable single byte range: serve the whole object (RFC 9110 lets a server ignore
    /// malformed and multi-range requests).
    Whole,
    Part(Range<u64>),
    Unsatisfiable,
}

fn parse_range(header: &str, size: u64) -> RangeRequest {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let number = |text: &str| -> Option<u64> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    };
    match (first, last) {
        ("", suffix) => match number(suffix) {
            None => RangeRequest::Whole,
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if size == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Part(size.saturating_sub(n)..size),
        },
        (start, "") => match number(start) {
            None => RangeRequest::Whole,
            Some(start) if start >= size => RangeRequest::Unsatisfiable,
            Some(start) => RangeRequest::Part(start..size),
        },
        (start, end) => match (number(start), number(end)) {
            (Some(start), Some(end)) if start <= end => {
                if start >= size {
                    RangeRequest::Unsatisfiable
                } else {
                    RangeRequest::Part(start..end.min(size - 1) + 1)
                }
            }
            _ => RangeRequest::Whole,
        },
    }
}

async fn write_blob(
    state: &AppState,
    kind: BlobKind,
    name: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let hash = parse_name(name)?;
    // Signatures cover the canonical path, independent of any proxy prefix.
    let canonical_path = format!("/{kind}/{hash}");

    let authorization = WriteAuthorization::from_headers(|name| headers.get(name).and_then(|v| v.to_str().ok()))?;
    let writer = match &authorization {
        Some(auth) => {
            auth.verify("PUT", &canonical_path, &hash.0, now_unix_secs(), state.limits.max_clock_skew_secs)?;
            Some(auth.pubkey.to_bytes())
        }
        None => None,
    };

    let cap = state.limits.max_bytes(kind);
    let declared_len =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|len| len > cap) {
        return Err(PutError::TooLarge { limit: cap }.into());
    }

    // Only a signed write can pass a policy that charges quota: an unsigned one costs no lookup.
    let already_stored = state.policy.charges_quota()
        && writer.is_some()
        && state.store.size_of(kind, &hash).await.map_err(ApiError::store)?.is_some();
    let job = authorization.as_ref().and_then(|auth| auth.job_id);
    let request = WriteRequest {
        writer: writer.as_ref(),
        job: job.as_ref(),
        kind,
        hash: &hash,
        declared_len,
        cap,
        already_stored,
    };
    let grant = state.policy.authorize(request).await?;

    // The job a blob is kept for: the one the policy checked, or (open and allowlist policies)
    // the one a verified signature names.
    let retained_for = grant.job.or(job);
    if let Some(retention) = &state.retention {
        if let Err(error) = retention.before_write(kind, &hash, retained_for.as_ref(), now_unix_secs()).await {
            state.policy.settle(grant, None);
            return Err(ApiError::store(error));
        }
    }

    let metrics = Arc::clone(&state.metrics);
    let body = body.into_data_stream().inspect(move |chunk| {
        if let Ok(chunk) = chunk {
            metrics.add_bytes_received(kind, chunk.len() as u64);
        }
    });
    let max_bytes = grant.max_bytes;
    let quota_bound = grant.quota_bound();
    let outcome = state.store.put_verified(kind, &hash, body, max_bytes).await;
    let stored = match &outcome {
        Ok(outcome) if outcome.created => Some(outcome.size),
        _ => None,
    };
    state.policy.settle(grant, stored);

    match outcome {
        Ok(outcome) => {
            state.lookups.stored(kind, &hash);
            if outcome.created {
                state.metrics.object_created(kind);
                tracing::info!(%kind, %hash, size = outcome.size, writer = writer.map(hex::encode), "stored");
            }
            let status = if outcome.created { StatusCode::CREATED } else { StatusCode::OK };
            let body = PutResponse {
                kind: kind.to_string(),
                hash: hash.to_hex(),
                size: outcome.size,
                created: outcome.created,
            };
            let mut response = (status, Json(body)).into_response();
            if let Ok(etag) = HeaderValue::from_str(&format!("\"{hash}\"")) {
                response.headers_mut().insert(header::ETAG, etag);
            }
            Ok(response)
        }
        Err(error) => {
            if let Some(retention) = &state.retention {
                retention.after_failed_write(kind, &hash).await;
            }
            Err(match error {
                // The body outgrew the quota reservation rather than the kind's size cap.
                PutError::TooLarge { limit } if quota_bound && limit < cap => ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "quota_exceeded",
                    format!("the body outgrew the {limit} bytes left of the writer's quota"),
                ),
                error => error.into(),
            })
        }
    }
}

/// Healthy when the backing store answers a metadata lookup; otherwise 503 `store_unavailable`
/// ([`edgerun_service::health`]'s contract). Figure: `write_policy`.
async fn health(State(state): State<Arc<AppState>>) -> Health {
    let health = match state.store.size_of(BlobKind::Bundle, &ContentHash([0; 32])).await {
        Ok(_) => Health::ok(),
        Err(error) => Health::unhealthy(
            "store_unavailable",
            format!("the object store does not answer ({error}); check --store and its credentials"),
        ),
    };
    health.with("write_policy", state.policy.name())
}

async fn render_metrics(State(state): State<Arc<AppState>>) -> Response {
    edgerun_service::health::metrics_response(state.metrics.registry())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use RangeRequest::*;
        assert_eq!(parse_range("bytes=0-9", 100), Part(0..10));
        assert_eq!(parse_range("bytes=90-200", 100), Part(90..100));
        assert_eq!(parse_range("bytes=95-", 100), Part(95..100));
        assert_eq!(parse_range("bytes=-10", 100), Part(90..100));
        assert_eq!(parse_range("bytes=-500", 100), Part(0..100));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=100-200", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-0", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=9-3", 100), Whole);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Whole);
        assert_eq!(parse_range("items=0-1", 100), Whole);
        assert_eq!(parse_range("bytes=a-b", 100), Whole);
    }
}
