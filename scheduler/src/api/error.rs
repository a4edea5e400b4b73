//! Every failure of the API is a status code and `{"code": "...", "error": "..."}`: a stable
//! code for programs, a sentence for people. Nothing is stored or sent before the request's
//! input has been checked.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use edgerun_sdk::client::ClientError;
pub use edgerun_sdk::scheduler_api::ErrorResponse;
use edgerun_sdk::storage::StorageError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub program_error: Option<String>,
    pub logs: Vec<String>,
    /// Sent as `Retry-After` (whole seconds).
    pub retry_after: Option<std::time::Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), program_error: None, logs: Vec::new(), retry_after: None }
    }

    /// Tells the client when to try again.
    pub fn with_retry_after(mut self, wait: std::time::Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// The chain could not be read or written.
    pub fn chain(error: ClientError) -> Self {
        match error {
            ClientError::Transaction(failure) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "transaction_refused",
                message: format!("the transaction was refused: {}", failure.reason.name()),
                program_error: Some(failure.reason.name()),
                logs: failure.logs,
                retry_after: None,
            },
            ClientError::Unconfirmed { signature, waited } => Self::new(
                StatusCode::GATEWAY_TIMEOUT,
                "unconfirmed",
                format!(
                    "transaction {signature} was sent but not confirmed within {}s; check its signature before \
                     sending it again",
                    waited.as_secs()
                ),
            ),
            ClientError::Transport { .. } => {
                tracing::warn!(%error, "chain unreachable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "chain_unavailable",
                    "the cluster does not answer; retry later",
                )
            }
            other => {
                tracing::warn!(error = %other, "chain request failed");
                Self::new(StatusCode::BAD_GATEWAY, "chain_error", other.to_string())
            }
        }
    }

    /// The storage gateway failed.
    pub fn storage(error: StorageError) -> Self {
        match error {
            StorageError::Rejected { status, code, message } if status.is_client_error() => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "storage_rejected",
                format!("the storage gateway refused the bundle ({code}): {message}"),
            ),
            StorageError::NotFound => Self::not_found("bundle_not_found", "the gateway has no bundle with that hash"),
            other => {
                tracing::warn!(error = %other, "storage gateway failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the storage gateway does not answer; retry later",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorResponse {
            code: self.code.to_string(),
            error: self.message,
            program_error: self.program_error,
            logs: self.logs,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(wait) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait.as_secs().max(1).into());
        }
        response
    }
}

/// A JSON body that failed to parse is a 400 with our error shape, not axum's plain text.
impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::new(status, "body_too_large", rejection.body_text());
        }
        let status = if status.is_client_error() { status } else { StatusCode::BAD_REQUEST };
        ApiError::new(status, "invalid_body", rejection.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::bad_request("invalid_query", rejection.body_text())
    }
}

/// A path segment that is not UTF-8 once percent-decoded: 400 with our error shape, not
/// axum's plain text.
impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        ApiError::bad_request("invalid_path", rejection.body_text())
    }
}
