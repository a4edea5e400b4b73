//! The gateway's error responses: every failure is `{"error": "<message>", "code": "<code>"}`
//! with a stable `code` that clients and metrics can rely on.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
pub use edgerun_sdk::storage::ErrorBody;
use edgerun_sdk::storage_auth::StorageAuthError;

use crate::store::PutError;

/// An error answered to a client.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// For 416 answers: the object size, sent as `Content-Range: bytes */size`.
    pub unsatisfiable_range_of: Option<u64>,
    /// For 429 answers: seconds to wait, sent as `Retry-After`.
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), unsatisfiable_range_of: None, retry_after_secs: None }
    }

    /// The same error, telling the client to retry after `secs` seconds.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn malformed_hash() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed_hash",
            "object name must be a BLAKE3 hash as 64 lowercase hex characters",
        )
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such object")
    }

    pub fn range_not_satisfiable(size: u64) -> Self {
        ApiError {
            unsatisfiable_range_of: Some(size),
            ..Self::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("requested range is outside the object of {size} bytes"),
            )
        }
    }

    pub fn store(error: object_store::Error) -> Self {
        tracing::error!(%error, "store operation failed");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the backing store failed; retry later")
    }
}

impl From<StorageAuthError> for ApiError {
    fn from(error: StorageAuthError) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, error.code(), error.to_string())
    }
}

impl From<PutError> for ApiError {
    fn from(error: PutError) -> Self {
        match error {
            PutError::TooLarge { .. } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", error.to_string()),
            PutError::HashMismatch { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "hash_mismatch", error.to_string())
            }
            PutError::Body(_) => ApiError::new(StatusCode::BAD_REQUEST, "body_read_failed", error.to_string()),
            PutError::Store(e) => ApiError::store(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: self.message, code: self.code.to_string() };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(size) = self.unsatisfiable_range_of {
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
        }
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        // Lets the metrics layer count rejects by reason without parsing bodies.
        response.extensions_mut().insert(RejectCode(self.code));
        response
    }
}

/// Marker on error responses carrying their `code`.
#[derive(Debug, Clone, Copy)]
pub struct RejectCode(pub &'static str);
