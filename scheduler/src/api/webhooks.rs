//! `POST /v1/jobs/{id}/webhooks`: a job's customer registers a URL for its stage changes
//! (delivery: [`crate::webhooks`]; the wire contract and signatures: `edgerun_sdk::webhook`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use edgerun_sdk::client::ChainBackend;
use edgerun_sdk::webhook::{registration_message, WebhookCreated, WebhookRequest};

use super::jobs::find_job;
use super::{ApiError, AppState};
use crate::webhooks::Refusal;

/// Registers a webhook for a job. Only the job's customer may: the body carries their Ed25519
/// signature (base58) over `"edgerun-webhook-v1\n" + job_id (64 hex digits) + "\n" + url`. The
/// answer's `secret` signs every delivery (`Edgerun-Signature: v1=` HMAC-SHA256 of
/// `"{Edgerun-Timestamp}.{body}"`) and is shown only here. The first delivery is the job's
/// stage now; then one per stage change until `finalized`, `cancelled` or `closed`.
#[utoipa::path(post, path = "/v1/jobs/{id}/webhooks",
    params(super::jobs::JobPath),
    request_body(content = WebhookRequest, example = json!({
        "url": "https://example.com/edgerun-hook",
        "signature": "3yZe7d4kTLqH2hCr8m1pBWvCWoY9vmCM6ZNzjzGRNfMqbhzGK7c8B5kCyDSSu5MPcGkb1sAt2uRVNYqFXVmyM5Gz",
    })),
    responses(
        (status = 201, description = "Registered; keep the secret", body = WebhookCreated, example = json!({
            "id": "wh_0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "job_id": "8d9e0f1a2b3c4d5e6f708192a3b4c5d64f1c0d8a1b2e3f405162738495a6b7c8",
            "url": "https://example.com/edgerun-hook",
            "secret": "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
            "stage": "assigned",
        })),
        (status = 400, description = "Not a job id or address (`invalid_job_id`), not JSON (`invalid_body`), a URL that is not http(s) (`invalid_url`) or a signature that is not 64 bytes of base58 (`invalid_signature`)", body = super::ErrorResponse),
        (status = 403, description = "The signature is not the job's customer's (`not_the_customer`)", body = super::ErrorResponse),
        (status = 404, description = "No such job (`job_not_found`)", body = super::ErrorResponse),
        (status = 409, description = "The job has the most webhooks one job may have (`too_many_webhooks`)", body = super::ErrorResponse),
        (status = 422, description = "JSON of the wrong shape (`invalid_body`), or the URL's host is on loopback or a private network (`url_not_allowed`)", body = super::ErrorResponse),
        (status = 500, description = "The registration could not be stored (`internal`)", body = super::ErrorResponse),
        (status = 502, description = "The cluster answered something the scheduler cannot read (`chain_error`)", body = super::ErrorResponse),
        (status = 503, description = "The scheduler holds the most webhooks it keeps (`webhooks_full`; try again after `Retry-After`), or the cluster does not answer (`chain_unavailable`)", body = super::ErrorResponse),
    ))]
pub async fn register_webhook<B: ChainBackend>(
    State(state): State<AppState<B>>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    request: Result<Json<WebhookRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    let Path(id) = id?;
    let Json(request) = request?;
    let job = find_job(&state.engine, &id).await?;
    let signature = parse_signature(&request.signature)?;
    let customer = ed25519_dalek::VerifyingKey::from_bytes(job.client.as_array())
        .map_err(|_| not_the_customer("the job's customer key is not an Ed25519 point"))?;
    customer
        .verify_strict(&registration_message(&job.job_id, &request.url), &signature)
        .map_err(|_| not_the_customer("the signature is not the job's customer's over this job id and URL"))?;
    let created = state.webhooks.register(&job, state.engine.slot(), &request.url).await.map_err(refusal)?;
    tracing::info!(job = %created.job_id, webhook = %created.id, "webhook registered");
    Ok((StatusCode::CREATED, Json(created)))
}

fn parse_signature(text: &str) -> Result<ed25519_dalek::Signature, ApiError> {
    let invalid =
        || ApiError::bad_request("invalid_signature", "`signature` must be an Ed25519 signature: 64 bytes in base58");
    let bytes: [u8; 64] = bs58::decode(text).into_vec().map_err(|_| invalid())?.try_into().map_err(|_| invalid())?;
    Ok(ed25519_dalek::Signature::from_bytes(&bytes))
}

fn not_the_customer(why: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "not_the_customer",
        format!("{why}: only the job's customer may register webhooks for it"),
    )
}

fn refusal(refusal: Refusal) -> ApiError {
    let message = refusal.to_string();
    match refusal {
        Refusal::InvalidUrl(_) => ApiError::bad_request("invalid_url", message),
        Refusal::UrlNotAllowed(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "url_not_allowed", message),
        Refusal::TooManyForJob(_) => ApiError::new(StatusCode::CONFLICT, "too_many_webhooks", message),
        Refusal::Full(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "webhooks_full", message)
            .with_retry_after(std::time::Duration::from_secs(60)),
        Refusal::Store(_) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message),
    }
}
