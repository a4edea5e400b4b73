//! `GET /v1/jobs/{id}/output`: a job's output bytes, fetched from the scheduler's gateway and
//! checked against their hash there, so a page served by the scheduler can show them without
//! reaching another origin. Always an attachment of opaque bytes: never rendered by a browser.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use edgerun_sdk::client::ChainBackend;
use edgerun_sdk::storage::{ContentHash, StorageError};

use super::error::ApiError;
use super::jobs::find_job;
use super::AppState;

/// Largest output the scheduler relays; a larger one is read from the gateway directly.
pub const MAX_OUTPUT_BYTES: u64 = 8 * 1024 * 1024;

/// A job's output as the document describes it: raw bytes (`type: string, format: binary`), which
/// generated clients read as a file or a byte string, not as an array of numbers.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct OutputBytes(pub Vec<u8>);

/// The job's output: the declared one, else (quorum reached, not yet declared) the winning
/// result's bytes if the winners already stored them.
#[utoipa::path(get, path = "/v1/jobs/{id}/output",
    params(super::jobs::JobPath),
    responses(
        (status = 200, description = "The output bytes (verified against their BLAKE3 hash, which `X-Edgerun-Output-Hash` carries)",
            body = OutputBytes, content_type = "application/octet-stream",
            headers(("X-Edgerun-Output-Hash" = String, description = "The output's BLAKE3 hash, 64 hex digits"))),
        (status = 400, description = "Not a job id or address (`invalid_job_id`)", body = super::ErrorResponse),
        (status = 404, description = "No such job (`job_not_found`), no output yet (`no_output_yet`), or the gateway does not hold it (`output_not_stored`)", body = super::ErrorResponse),
        (status = 413, description = "Larger than the scheduler relays (`output_too_large`); read it from the gateway", body = super::ErrorResponse),
        (status = 422, description = "The gateway refused the request (`storage_rejected`)", body = super::ErrorResponse),
        (status = 502, description = "The cluster answered something the scheduler cannot read (`chain_error`)", body = super::ErrorResponse),
        (status = 503, description = "The cluster or the gateway does not answer (`chain_unavailable`, `storage_unavailable`)", body = super::ErrorResponse),
    ))]
pub async fn job_output<B: ChainBackend>(
    State(state): State<AppState<B>>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id?;
    let job = find_job(&state.engine, &id).await?;
    let declared = state.engine.client().output_availability(&job.job_id).await.map_err(ApiError::chain)?;
    let hash = match declared {
        Some(output) => output.output_hash,
        None if job.quorum_reached_slot.get() > 0 => job.winning_output_hash,
        None => {
            return Err(ApiError::not_found(
                "no_output_yet",
                "the job has no quorum yet, so no output; follow it at /v1/jobs/{id}/events",
            ))
        }
    };
    let storage = state.storage.clone().with_max_download_bytes(MAX_OUTPUT_BYTES);
    let bytes = storage.get_output(&ContentHash(hash)).await.map_err(|error| match error {
        StorageError::NotFound => ApiError::not_found(
            "output_not_stored",
            format!("the gateway holds no output {} (not uploaded yet, or lost)", hex::encode(hash)),
        ),
        StorageError::TooLarge { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "output_too_large",
            format!(
                "the output is larger than the {limit} bytes the scheduler relays; read it from the gateway at \
                 {}/output/{}",
                state.storage_url.trim_end_matches('/'),
                hex::encode(hash)
            ),
        ),
        other => ApiError::storage(other),
    })?;
    let hash_hex = hex::encode(hash);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{hash_hex}.out\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::HeaderName::from_static("x-edgerun-output-hash"),
                HeaderValue::from_str(&hash_hex).unwrap_or(HeaderValue::from_static("")),
            ),
        ],
        bytes,
    )
        .into_response())
}
